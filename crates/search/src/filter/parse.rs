//! The grammar, as Meilisearch 1.50's `filter-parser` reads it (same
//! alternatives in the same order, same points of no return, so the same
//! error for the same input):
//!
//! ```text
//! filter     = expression EOF
//! expression = or
//! or         = and ("OR" WS+ and)*
//! and        = not ("AND" WS+ not)*
//! not        = ("NOT" WS+ not) | primary
//! primary    = "(" expression ")" | geoRadius | geoBoundingBox | geoPolygon
//!            | in | not_in | condition | is_null | is_not_null | is_empty
//!            | is_not_empty | vectors | exists | not_exists | to | contains
//!            | not_contains | starts_with | not_starts_with | foreign
//! ```
//!
//! Keywords are case-sensitive. Each `or`, `and`, `not` and `primary` level
//! counts one towards [`MAX_FILTER_DEPTH`] (a parenthesis costs four, a `NOT`
//! one), which bounds the recursion.

use std::sync::Arc;

use winnow::ascii::{multispace0, multispace1};
use winnow::combinator::{alt, opt, repeat, separated};
use winnow::error::ErrMode;
use winnow::Parser;

use super::ast::{Attribute, Condition, Filter, Span, Value, VectorFilter};
use super::error::{ExpectedValueKind, FilterError, Kind, ParseError};
use super::value::{
    char_, parse_value, recognize_float, tag, vector_value, vector_value_cut, word_exact, ws, Cx, PResult,
};

/// Meilisearch's `MAX_FILTER_DEPTH`: deeper filters are refused with "The
/// filter exceeded the maximum depth limit." (37 nested parentheses, or 148
/// `NOT`s in a row, are too many).
pub const MAX_FILTER_DEPTH: usize = 150;

/// Parses one filter string; `None` when it is blank.
pub(crate) fn parse_str(source: &str) -> Result<Option<Filter>, FilterError> {
    if source.trim().is_empty() {
        return Ok(None);
    }
    let shared: Arc<str> = Arc::from(source);
    let cx = Cx { source: shared.clone(), echo: 0 };
    let mut input: &str = &shared;
    let result = parse_or(&mut input, &cx, 0).and_then(|filter| {
        if input.is_empty() {
            Ok(filter)
        } else {
            Err(cx.backtrack(Kind::ExpectedEof, input))
        }
    });
    match result {
        Ok(filter) => Ok(Some(filter)),
        Err(ErrMode::Backtrack(error) | ErrMode::Cut(error)) => Err(error.render(source)),
        Err(ErrMode::Incomplete(_)) => Err(ParseError::rest(Kind::Incomplete, source, 0).render(source)),
    }
}

fn check_depth(input: &str, cx: &Cx, depth: usize) -> PResult<()> {
    if depth > MAX_FILTER_DEPTH {
        return Err(cx.backtrack(Kind::DepthLimitReached, input));
    }
    Ok(())
}

/// `members` alone, or joined by `make` when there are several.
fn join(first: Filter, rest: Vec<Filter>, make: fn(Vec<Filter>) -> Filter) -> Filter {
    if rest.is_empty() {
        first
    } else {
        let mut members = Vec::with_capacity(rest.len() + 1);
        members.push(first);
        members.extend(rest);
        make(members)
    }
}

/// `or = and ("OR" and)*`; after an `OR`, an operand must follow.
fn parse_or(i: &mut &str, cx: &Cx, depth: usize) -> PResult<Filter> {
    check_depth(i, cx, depth)?;
    let first = parse_and(i, cx, depth + 1)?;
    let rest: Vec<Filter> = repeat(0.., |i: &mut &str| {
        ws(word_exact("OR")).parse_next(i)?;
        parse_and(i, cx, depth + 1).map_err(ErrMode::cut)
    })
    .parse_next(i)?;
    Ok(join(first, rest, Filter::Or))
}

/// `and = not ("AND" not)*`; after an `AND`, an operand must follow.
fn parse_and(i: &mut &str, cx: &Cx, depth: usize) -> PResult<Filter> {
    check_depth(i, cx, depth)?;
    let first = parse_not(i, cx, depth + 1)?;
    let rest: Vec<Filter> = repeat(0.., |i: &mut &str| {
        ws(word_exact("AND")).parse_next(i)?;
        parse_not(i, cx, depth + 1).map_err(ErrMode::cut)
    })
    .parse_next(i)?;
    Ok(join(first, rest, Filter::And))
}

/// `not = "NOT" not | primary`; two `NOT`s cancel out. (Meilisearch's
/// `alt` of the two, written out to keep each level's frame small.)
fn parse_not(i: &mut &str, cx: &Cx, depth: usize) -> PResult<Filter> {
    check_depth(i, cx, depth)?;
    let start = *i;
    if ws(word_exact("NOT")).parse_next(i).is_ok() {
        return Ok(match parse_not(i, cx, depth + 1).map_err(ErrMode::cut)? {
            Filter::Not(inner) => *inner,
            other => Filter::Not(Box::new(other)),
        });
    }
    *i = start;
    parse_primary(i, cx, depth + 1)
}

/// One way a primary can read; all share a type so `alt` runs them from an
/// array, in a loop (a tuple of twenty parsers gave each parenthesis level
/// a frame with twenty results).
type Primary = fn(&mut &str, &Cx, usize) -> PResult<Filter>;

/// Meilisearch's order; the last four only explain an error: they never parse.
const PRIMARIES: [Primary; 24] = [
    parenthesized,
    |i, cx, _| geo_radius(i, cx),
    |i, cx, _| geo_bounding_box(i, cx),
    |i, cx, _| geo_polygon(i, cx),
    |i, cx, _| parse_in(i, cx),
    |i, cx, _| parse_not_in(i, cx),
    |i, cx, _| parse_condition(i, cx),
    |i, cx, _| suffix(i, cx, &["IS", "NULL"], Condition::IsNull),
    |i, cx, _| not_suffix(i, cx, &["IS", "NOT", "NULL"], Condition::IsNull),
    |i, cx, _| suffix(i, cx, &["IS", "EMPTY"], Condition::IsEmpty),
    |i, cx, _| not_suffix(i, cx, &["IS", "NOT", "EMPTY"], Condition::IsEmpty),
    |i, cx, _| vectors_exists(i, cx),
    |i, cx, _| suffix(i, cx, &["EXISTS"], Condition::Exists),
    |i, cx, _| not_suffix(i, cx, &["NOT", "EXISTS"], Condition::Exists),
    |i, cx, _| parse_to(i, cx),
    |i, cx, _| parse_contains(i, cx, false),
    |i, cx, _| parse_contains(i, cx, true),
    |i, cx, _| parse_starts_with(i, cx, false),
    |i, cx, _| parse_starts_with(i, cx, true),
    foreign,
    |i, cx, _| geo(i, cx),
    |i, cx, _| geo_distance(i, cx),
    |i, cx, _| geo_point(i, cx),
    |i, cx, _| reserved_keyword(i, cx),
];

fn parse_primary(i: &mut &str, cx: &Cx, depth: usize) -> PResult<Filter> {
    check_depth(i, cx, depth)?;
    let input = *i;
    alt(PRIMARIES.map(|primary| move |i: &mut &str| primary(i, cx, depth))).parse_next(i).map_err(|error| match error {
        ErrMode::Backtrack(_) => cx.backtrack(Kind::InvalidPrimary, input),
        other => other,
    })
}

/// `"(" expression ")"`: past the parenthesis, errors are final.
fn parenthesized(i: &mut &str, cx: &Cx, depth: usize) -> PResult<Filter> {
    let input = *i;
    ws(char_('(')).parse_next(i)?;
    let filter = parse_or(i, cx, depth + 1).map_err(ErrMode::cut)?;
    ws(char_(')')).parse_next(i).map_err(|error| match error {
        ErrMode::Backtrack(_) => cx.cut(Kind::MissingClosingDelimiter(')'), input),
        other => other,
    })?;
    Ok(filter)
}

fn attribute(value: Value) -> Attribute {
    Attribute { name: value.raw, span: value.span }
}

fn condition(value: Value, op: Condition) -> Filter {
    Filter::Condition { attribute: attribute(value), op }
}

/// `value op value`, the operator one of `<= >= != < > =`.
fn parse_condition(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    let op = alt((tag("<="), tag(">="), tag("!="), tag("<"), tag(">"), tag("="))).parse_next(i)?;
    let value = parse_value(i, cx).map_err(ErrMode::cut)?;
    let op = match op {
        "<=" => Condition::LowerThanOrEqual(value),
        ">=" => Condition::GreaterThanOrEqual(value),
        "!=" => Condition::NotEqual(value),
        "<" => Condition::LowerThan(value),
        ">" => Condition::GreaterThan(value),
        _ => Condition::Equal(value),
    };
    Ok(condition(field, op))
}

/// `value` then the `keywords`, separated by ASCII whitespace (`IS NULL`,
/// `EXISTS`); nothing is skipped after the last one.
fn keywords(i: &mut &str, words: &[&'static str]) -> PResult<()> {
    for (n, word) in words.iter().enumerate() {
        if n > 0 {
            multispace1.parse_next(i)?;
        }
        tag(word)(i)?;
    }
    Ok(())
}

fn suffix(i: &mut &str, cx: &Cx, words: &[&'static str], op: Condition) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    keywords(i, words)?;
    Ok(condition(field, op))
}

fn not_suffix(i: &mut &str, cx: &Cx, words: &[&'static str], op: Condition) -> PResult<Filter> {
    suffix(i, cx, words, op).map(|filter| Filter::Not(Box::new(filter)))
}

/// `value value "TO" WS+ value`.
fn parse_to(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    let from = parse_value(i, cx)?;
    keywords(i, &["TO"])?;
    multispace1.parse_next(i)?;
    let to = parse_value(i, cx).map_err(ErrMode::cut)?;
    Ok(condition(field, Condition::Between { from, to }))
}

/// `value ["NOT" WS+] "CONTAINS" value`.
fn parse_contains(i: &mut &str, cx: &Cx, not: bool) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    if not {
        keywords(i, &["NOT"])?;
        multispace1.parse_next(i)?;
    }
    let rest = *i;
    tag("CONTAINS")(i)?;
    let keyword = cx.span(rest, "CONTAINS".len());
    let value = parse_value(i, cx).map_err(ErrMode::cut)?;
    let filter = condition(field, Condition::Contains { value, keyword });
    Ok(if not { Filter::Not(Box::new(filter)) } else { filter })
}

/// `value ["NOT" WS+] "STARTS WITH" value` (one space inside the keyword).
fn parse_starts_with(i: &mut &str, cx: &Cx, not: bool) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    if not {
        keywords(i, &["NOT"])?;
        multispace1.parse_next(i)?;
    }
    tag("STARTS WITH")(i)?;
    let value = parse_value(i, cx).map_err(ErrMode::cut)?;
    let filter = condition(field, Condition::StartsWith(value));
    Ok(if not { Filter::Not(Box::new(filter)) } else { filter })
}

/// `"IN" "[" value_list "]"`: past `IN`, every error is final.
fn in_body(i: &mut &str, cx: &Cx) -> PResult<Vec<Value>> {
    ws(word_exact("IN")).parse_next(i)?;
    tag("[")(i).map_err(cx.map_cut(Kind::InOpeningBracket))?;
    let mut values = Vec::new();
    if let Some(first) = opt(|i: &mut &str| parse_value(i, cx)).parse_next(i)? {
        values.push(first);
        let more: Vec<Value> = repeat(0.., |i: &mut &str| {
            ws(tag(",")).parse_next(i)?;
            parse_value(i, cx)
        })
        .parse_next(i)?;
        values.extend(more);
        opt(ws(tag(","))).parse_next(i)?;
    }
    let after = *i;
    ws(char_(']')).parse_next(i).map_err(|error| match error {
        ErrMode::Backtrack(_) if after.is_empty() => cx.cut(Kind::InClosingBracket, after),
        ErrMode::Backtrack(_) => {
            let kind = match parse_value(&mut { after }, cx) {
                Err(ErrMode::Backtrack(e)) if matches!(e.kind, Kind::ReservedKeyword(_)) => {
                    ExpectedValueKind::ReservedKeyword
                }
                _ => ExpectedValueKind::Other,
            };
            cx.cut(Kind::InExpectedValue(kind), after)
        }
        other => other,
    })?;
    Ok(values)
}

fn parse_in(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    let values = in_body(i, cx)?;
    Ok(condition(field, Condition::In(values)))
}

/// `value "NOT" "IN" [...]` (no whitespace skipped before `NOT`: the value
/// took it).
fn parse_not_in(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    let field = parse_value(i, cx)?;
    word_exact("NOT")(i)?;
    let values = in_body(i, cx)?;
    Ok(Filter::Not(Box::new(condition(field, Condition::In(values)))))
}

/// A parse of `condition` that only stands if it blamed a reserved keyword
/// (`AND = 1`): Meilisearch reports that rather than a missing operation.
fn reserved_keyword(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    parse_condition(i, cx).map_err(|error| match error {
        ErrMode::Backtrack(e) | ErrMode::Cut(e)
            if e.kind == Kind::ExpectedValue(ExpectedValueKind::ReservedKeyword) =>
        {
            ErrMode::Cut(e)
        }
        ErrMode::Backtrack(e) | ErrMode::Cut(e) => ErrMode::Backtrack(e),
        incomplete => incomplete,
    })
}

/// A geo number, kept as written.
fn number(cx: &Cx, (rest, text): (&str, &str)) -> Value {
    Value { raw: text.to_string(), quoted: false, span: cx.span(rest, text.len()) }
}

/// `ws(float)`, returning where the number starts and its text.
fn float<'a>(i: &mut &'a str) -> PResult<(&'a str, &'a str)> {
    multispace0.parse_next(i)?;
    let rest = *i;
    let text = recognize_float(i)?;
    multispace0.parse_next(i)?;
    Ok((rest, text))
}

type Numbers<'a> = Vec<(&'a str, &'a str)>;

fn numbers<'a>(i: &mut &'a str) -> PResult<Numbers<'a>> {
    separated(1.., float, tag(",")).parse_next(i)
}

/// `[float, ...]`
fn bracketed<'a>(i: &mut &'a str) -> PResult<Numbers<'a>> {
    char_('[')(i)?;
    let list = numbers(i)?;
    char_(']')(i)?;
    Ok(list)
}

/// `(float, ...)`
fn parenthesized_numbers<'a>(i: &mut &'a str) -> PResult<Numbers<'a>> {
    char_('(')(i)?;
    let list = numbers(i)?;
    char_(')')(i)?;
    Ok(list)
}

/// `([float, ...], ...)`, with a trailing comma if `trailing_comma`.
fn points<'a>(i: &mut &'a str, trailing_comma: bool) -> PResult<Vec<Numbers<'a>>> {
    char_('(')(i)?;
    let list = separated(1.., ws(bracketed), tag(",")).parse_next(i)?;
    if trailing_comma {
        opt(ws(char_(','))).parse_next(i)?;
    }
    char_(')')(i)?;
    Ok(list)
}

/// `_geoRadius(lat, lng, radius[, resolution])`; past the name, errors are final.
pub(crate) fn geo_radius(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    multispace0.parse_next(i)?;
    word_exact("_geoRadius")(i)?;
    let args = parenthesized_numbers(i).map_err(cx.map_cut(Kind::GeoRadius))?;
    if !(3..=4).contains(&args.len()) {
        return Err(cx.cut(Kind::GeoRadiusArgumentCount(args.len()), i));
    }
    let mut args = args.into_iter().map(|arg| number(cx, arg));
    let (Some(lat), Some(lng), Some(radius)) = (args.next(), args.next(), args.next()) else {
        return Err(cx.cut(Kind::GeoRadius, i));
    };
    Ok(Filter::GeoRadius { lat, lng, radius, resolution: args.next() })
}

/// The first point that is not a pair, blamed on its first number.
fn not_pair(cx: &Cx, points: &[Numbers<'_>]) -> PResult<()> {
    match points.iter().find(|point| point.len() != 2) {
        Some(point) => {
            let (rest, text) = point[0];
            Err(cx.cut_prefix(Kind::GeoCoordinatesNotPair(point.len()), rest, text.len()))
        }
        None => Ok(()),
    }
}

fn pair(cx: &Cx, point: &[(&str, &str)]) -> [Value; 2] {
    [number(cx, point[0]), number(cx, point[1])]
}

/// `_geoBoundingBox([lat, lng], [lat, lng])`
pub(crate) fn geo_bounding_box(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    multispace0.parse_next(i)?;
    word_exact("_geoBoundingBox")(i)?;
    let points = points(i, false).map_err(cx.map_cut(Kind::GeoBoundingBox))?;
    if points.len() != 2 {
        return Err(cx.cut(Kind::GeoBoundingBox, i));
    }
    not_pair(cx, &points)?;
    Ok(Filter::GeoBoundingBox { top_right: pair(cx, &points[0]), bottom_left: pair(cx, &points[1]) })
}

/// `_geoPolygon([lat, lng], [lat, lng], [lat, lng], ...)`, a trailing comma
/// allowed.
fn geo_polygon(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    multispace0.parse_next(i)?;
    word_exact("_geoPolygon")(i)?;
    let points = points(i, true).map_err(cx.map_cut(Kind::GeoPolygon))?;
    if points.len() < 3 {
        let kind = Kind::GeoPolygonNotEnoughPoints(points.len());
        return Err(match points.last().and_then(|point| point.last()) {
            Some((rest, text)) => cx.cut_prefix(kind, rest, text.len()),
            None => cx.cut(kind, i),
        });
    }
    not_pair(cx, &points)?;
    Ok(Filter::GeoPolygon { points: points.iter().map(|point| pair(cx, point)).collect() })
}

/// `_geoPoint...`, `_geoDistance...` (any word starting so) and `_geo`
/// are refused wherever a filter or a value starts with them.
fn reserved_geo(input: &str, cx: &Cx, name: &'static str, exact: bool) -> PResult<Filter> {
    let mut i = input.trim_start_matches([' ', '\t', '\r', '\n']);
    let found = if exact { word_exact(name)(&mut i).is_ok() } else { i.starts_with(name) };
    if found {
        Err(cx.cut(Kind::ReservedGeo(name), input))
    } else {
        Err(cx.backtrack(Kind::ReservedGeo(name), input))
    }
}

pub(crate) fn geo_point(input: &str, cx: &Cx) -> PResult<Filter> {
    reserved_geo(input, cx, "_geoPoint", false)
}

pub(crate) fn geo_distance(input: &str, cx: &Cx) -> PResult<Filter> {
    reserved_geo(input, cx, "_geoDistance", false)
}

pub(crate) fn geo(input: &str, cx: &Cx) -> PResult<Filter> {
    reserved_geo(input, cx, "_geo", true)
}

/// `_vectors[.embedder[.fragments.name|.userProvided|.documentTemplate|.regenerate]]`
/// followed by whitespace; past `_vectors.`, errors are final.
fn vectors(i: &mut &str, cx: &Cx) -> PResult<(Span, Option<Value>, VectorFilter)> {
    multispace0.parse_next(i)?;
    let rest = *i;
    tag("_vectors")(i)?;
    let span = cx.span(rest, "_vectors".len());
    let before = *i;
    if multispace1::<_, ErrMode<ParseError>>.parse_next(i).is_ok() {
        return Ok((span, None, VectorFilter::None));
    }
    *i = before;
    char_('.')(i)?;
    if i.starts_with(' ') {
        return Err(cx.cut_prefix(Kind::VectorFilterMissingEmbedder, i, 1));
    }
    let embedder = vector_value_cut(i, cx, Kind::VectorFilterInvalidEmbedder)?;
    let (filter, previous) = if let Some(after) = i.strip_prefix(".fragments") {
        *i = after;
        tag(".")(i).map_err(cx.map_cut(Kind::VectorFilterMissingFragment))?;
        let fragment = vector_value_cut(i, cx, Kind::VectorFilterInvalidFragment)?;
        (VectorFilter::Fragment(fragment), Some("fragments"))
    } else if let Some(after) = i.strip_prefix(".userProvided") {
        *i = after;
        (VectorFilter::UserProvided, Some("userProvided"))
    } else if let Some(after) = i.strip_prefix(".documentTemplate") {
        *i = after;
        (VectorFilter::DocumentTemplate, Some("documentTemplate"))
    } else if let Some(after) = i.strip_prefix(".regenerate") {
        *i = after;
        (VectorFilter::Regenerate, Some("regenerate"))
    } else {
        (VectorFilter::None, None)
    };
    if let Some(after) = i.strip_prefix('.') {
        return Err(match vector_value(&mut { after }, cx) {
            Ok(value) => cx.cut_span(Kind::VectorFilterUnknownSuffix(previous, value.raw), &value.span),
            Err(_) => cx.cut_prefix(Kind::VectorFilterUnknownSuffix(previous, ".".into()), i, 1),
        });
    }
    multispace1.parse_next(i).map_err(cx.map_cut(Kind::VectorFilterLeftover))?;
    Ok((span, Some(embedder), filter))
}

/// `vectors ("EXISTS" | "NOT" WS+ "EXISTS")`
fn vectors_exists(i: &mut &str, cx: &Cx) -> PResult<Filter> {
    let (span, embedder, filter) = vectors(i, cx)?;
    let node = Filter::VectorExists { span, embedder, filter };
    let after = *i;
    if keywords(i, &["EXISTS"]).is_ok() {
        return Ok(node);
    }
    *i = after;
    if keywords(i, &["NOT", "EXISTS"]).is_ok() {
        return Ok(Filter::Not(Box::new(node)));
    }
    Err(cx.cut(Kind::VectorFilterOperation, after))
}

/// `_foreign(attribute, filter)`: past the name, any error is final, and
/// messages echo the filter from `_foreign` on, as Meilisearch's do.
fn foreign(i: &mut &str, cx: &Cx, depth: usize) -> PResult<Filter> {
    let start = *i;
    multispace0.parse_next(i)?;
    word_exact("_foreign")(i)?;
    let inner = Cx { source: cx.source.clone(), echo: cx.offset(start) };
    (|i: &mut &str| {
        char_('(')(i)?;
        multispace0.parse_next(i)?;
        let field = parse_value(i, &inner)?;
        ws(tag(",")).parse_next(i)?;
        let filter = parse_or(i, &inner, depth)?;
        multispace0.parse_next(i)?;
        char_(')')(i)?;
        Ok(Filter::Foreign { attribute: attribute(field), filter: Box::new(filter) })
    })
    .parse_next(i)
    .map_err(inner.map_cut(Kind::Foreign))
}
