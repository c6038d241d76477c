//! Tokens: values (bare words, quoted strings and their escapes), exact
//! keywords, vector-filter parts and geo numbers, as Meilisearch's
//! `filter-parser` reads them.

use std::sync::Arc;

use winnow::ascii::multispace0;
use winnow::combinator::alt;
use winnow::error::{ErrMode, Needed};
use winnow::token::{literal, take_while};
use winnow::Parser;

use super::ast::{Span, Value};
use super::error::{ExpectedValueKind, Kind, ParseError};
use super::parse::{geo, geo_bounding_box, geo_distance, geo_point, geo_radius};

pub(crate) type PResult<T> = Result<T, ErrMode<ParseError>>;

/// What every parser needs besides its input: the whole filter (for spans)
/// and where error messages start echoing it.
#[derive(Debug, Clone)]
pub(crate) struct Cx {
    pub(crate) source: Arc<str>,
    pub(crate) echo: usize,
}

impl Cx {
    pub(crate) fn offset(&self, rest: &str) -> usize {
        self.source.len() - rest.len()
    }

    /// The span of the first `len` bytes of `rest`.
    pub(crate) fn span(&self, rest: &str, len: usize) -> Span {
        let start = self.offset(rest);
        Span::new(self.source.clone(), start, start + len, self.echo)
    }

    /// A recoverable error blaming all of `rest`.
    pub(crate) fn backtrack(&self, kind: Kind, rest: &str) -> ErrMode<ParseError> {
        ErrMode::Backtrack(ParseError::rest(kind, rest, self.echo))
    }

    /// A final error blaming all of `rest`.
    pub(crate) fn cut(&self, kind: Kind, rest: &str) -> ErrMode<ParseError> {
        ErrMode::Cut(ParseError::rest(kind, rest, self.echo))
    }

    /// A final error blaming the first `len` bytes of `rest`.
    pub(crate) fn cut_prefix(&self, kind: Kind, rest: &str, len: usize) -> ErrMode<ParseError> {
        ErrMode::Cut(ParseError::prefix(kind, rest, len, self.echo))
    }

    /// A final error blaming the text of `span` (a token of this filter).
    pub(crate) fn cut_span(&self, kind: Kind, span: &Span) -> ErrMode<ParseError> {
        let len = self.source.len();
        let (rem_start, rem_end) = (len - span.start(), len - span.end());
        ErrMode::Cut(ParseError { kind, rem_start, rem_end, echo: Some(self.echo) })
    }

    /// Meilisearch's `map_cut`: any error becomes a final `kind` blaming what
    /// the inner error blamed.
    pub(crate) fn map_cut(&self, kind: Kind) -> impl Fn(ErrMode<ParseError>) -> ErrMode<ParseError> {
        let echo = self.echo;
        move |error| match error {
            ErrMode::Backtrack(e) | ErrMode::Cut(e) => ErrMode::Cut(e.with_kind(kind.clone(), echo)),
            incomplete => incomplete,
        }
    }
}

pub(crate) fn is_value_component(c: char) -> bool {
    c.is_alphanumeric() || ['_', '-', '.'].contains(&c)
}

fn is_syntax_component(c: char) -> bool {
    c.is_whitespace() || ['(', ')', '=', '<', '>', '!'].contains(&c)
}

/// Meilisearch's reserved words; case-sensitive, as its parser compares them.
pub(crate) fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "AND"
            | "OR"
            | "IN"
            | "NOT"
            | "TO"
            | "EXISTS"
            | "IS"
            | "NULL"
            | "EMPTY"
            | "CONTAINS"
            | "STARTS"
            | "WITH"
            | "_geoRadius"
            | "_geoBoundingBox"
    )
}

/// One or more value characters.
fn word<'a>(i: &mut &'a str) -> PResult<&'a str> {
    take_while(1.., is_value_component).parse_next(i)
}

/// The word `tag`, exactly (`NOT` but not `NOTE`).
pub(crate) fn word_exact<'a>(tag: &'static str) -> impl Fn(&mut &'a str) -> PResult<&'a str> {
    move |i| {
        let start = *i;
        let found = word(i)?;
        if found == tag {
            Ok(found)
        } else {
            Err(ErrMode::Backtrack(ParseError::primitive(Kind::Internal, start)))
        }
    }
}

/// One expected character; fails with `Char(c)`, which callers turn into a
/// missing-delimiter message.
pub(crate) fn char_<'a>(c: char) -> impl Fn(&mut &'a str) -> PResult<char> {
    move |i| match i.strip_prefix(c) {
        Some(rest) => {
            *i = rest;
            Ok(c)
        }
        None => Err(ErrMode::Backtrack(ParseError::primitive(Kind::Char(c), i))),
    }
}

/// `p` between optional ASCII whitespace.
pub(crate) fn ws<'a, O>(
    mut p: impl Parser<&'a str, O, ErrMode<ParseError>>,
) -> impl Parser<&'a str, O, ErrMode<ParseError>> {
    move |i: &mut &'a str| {
        multispace0.parse_next(i)?;
        let out = p.parse_next(i)?;
        multispace0.parse_next(i)?;
        Ok(out)
    }
}

/// A token as read: where its text starts, its length, and its value after
/// the escaped quotes were unescaped.
struct Token<'a> {
    text: &'a str,
    rest: &'a str,
    value: String,
    quoted: bool,
}

/// The inside of a string quoted by `quote`, up to the closing quote (left
/// in the input) or the end; `\quote` becomes `quote`.
fn quoted_by<'a>(quote: char, i: &mut &'a str, cx: &Cx) -> PResult<Token<'a>> {
    let input = *i;
    let mut escaped = false;
    let mut chars = input.char_indices();
    let mut end = input.len();
    while let Some((idx, c)) = chars.next() {
        if c == quote {
            end = idx;
            break;
        } else if c == '\\' {
            match chars.next() {
                Some((_, next)) => escaped |= next == quote,
                None => return Err(cx.backtrack(Kind::MalformedValue, input)),
            }
        }
    }
    let text = &input[..end];
    *i = &input[end..];
    let value = if escaped { text.replace(&format!("\\{quote}"), &quote.to_string()) } else { text.to_string() };
    Ok(Token { text, rest: input, value, quoted: true })
}

/// `'...'` or `"..."`: once the opening quote is read, any error is final.
fn quoted<'a>(quote: char, cx: &Cx) -> impl Fn(&mut &'a str) -> PResult<Token<'a>> + '_ {
    move |i| {
        char_(quote)(i)?;
        let token = quoted_by(quote, i, cx).map_err(ErrMode::cut)?;
        char_(quote)(i).map_err(ErrMode::cut)?;
        Ok(token)
    }
}

/// A bare word that is not a keyword.
fn word_not_keyword<'a>(i: &mut &'a str) -> PResult<Token<'a>> {
    let rest = *i;
    let text = word(i)?;
    if is_keyword(text) {
        let kind = Kind::ReservedKeyword(text.to_string());
        return Err(ErrMode::Backtrack(ParseError::primitive(kind, i)));
    }
    Ok(Token { text, rest, value: text.to_string(), quoted: false })
}

/// `value = WS* (word | 'single' | "double") WS*`, refusing the reserved geo
/// forms, then unescaping `\n`, `\u{..}`, ... as the `unescaper` crate does.
pub(crate) fn parse_value(i: &mut &str, cx: &Cx) -> PResult<Value> {
    *i = i.trim_start_matches(char::is_whitespace);
    let input = *i;

    for reserved in [geo_point, geo_distance, geo] {
        if let Err(error @ ErrMode::Cut(_)) = reserved(input, cx) {
            return Err(error);
        }
    }
    match geo_radius(&mut { input }, cx) {
        Ok(_) | Err(ErrMode::Cut(_)) => return Err(cx.cut(Kind::MisusedGeoRadius, input)),
        Err(_) => {}
    }
    match geo_bounding_box(&mut { input }, cx) {
        Ok(_) | Err(ErrMode::Cut(_)) => return Err(cx.cut(Kind::MisusedGeoBoundingBox, input)),
        Err(_) => {}
    }

    let token = match alt((quoted('\'', cx), quoted('"', cx), word_not_keyword)).parse_next(i) {
        Ok(token) => token,
        Err(ErrMode::Backtrack(error)) => {
            let kind = match error.kind {
                Kind::ReservedKeyword(_) => ExpectedValueKind::ReservedKeyword,
                _ => ExpectedValueKind::Other,
            };
            // Blame the longest run free of filter syntax (`🦀`, not `🦀 AND ...`).
            let len = input.find(is_syntax_component).unwrap_or(input.len());
            return Err(ErrMode::Backtrack(ParseError::prefix(Kind::ExpectedValue(kind), input, len, cx.echo)));
        }
        Err(ErrMode::Cut(ParseError { kind: Kind::Char(c), .. })) => {
            return Err(cx.cut(Kind::MissingClosingDelimiter(c), input))
        }
        Err(error) => return Err(error),
    };
    multispace0.parse_next(i)?;

    let raw = unescape_token(&token.value).map_err(|error| match error {
        Unescape::Incomplete => ErrMode::Incomplete(Needed::Unknown),
        Unescape::ParseInt => {
            ErrMode::Backtrack(ParseError::prefix(Kind::InvalidEscapedNumber, token.rest, token.text.len(), cx.echo))
        }
        Unescape::InvalidChar => {
            ErrMode::Backtrack(ParseError::prefix(Kind::MalformedValue, token.rest, token.text.len(), cx.echo))
        }
    })?;
    Ok(Value { raw, quoted: token.quoted, span: cx.span(token.rest, token.text.len()) })
}

fn non_dot_word<'a>(i: &mut &'a str) -> PResult<Token<'a>> {
    let rest = *i;
    let text = take_while(1.., |c| is_value_component(c) && c != '.').parse_next(i)?;
    Ok(Token { text, rest, value: text.to_string(), quoted: false })
}

/// An embedder or fragment name: quoted, or a word without dots.
pub(crate) fn vector_value(i: &mut &str, cx: &Cx) -> PResult<Value> {
    let token = alt((quoted('\'', cx), quoted('"', cx), non_dot_word)).parse_next(i)?;
    let raw = unescape_token(&token.value).map_err(|error| match error {
        Unescape::Incomplete => ErrMode::Incomplete(Needed::Unknown),
        Unescape::ParseInt => cx.backtrack(Kind::InvalidEscapedNumber, i),
        Unescape::InvalidChar => cx.backtrack(Kind::MalformedValue, i),
    })?;
    Ok(Value { raw, quoted: token.quoted, span: cx.span(token.rest, token.text.len()) })
}

/// [`vector_value`], any error final: inconsistent quotes, or `kind`.
pub(crate) fn vector_value_cut(i: &mut &str, cx: &Cx, kind: Kind) -> PResult<Value> {
    let input = *i;
    vector_value(i, cx).map_err(|error| match error {
        ErrMode::Cut(ParseError { kind: Kind::Char('"' | '\''), .. }) => cx.cut(Kind::VectorFilterInvalidQuotes, input),
        _ => cx.cut(kind, input),
    })
}

/// nom's `recognize_float`: `[+-]? (digits ('.' digits?)? | '.' digits)
/// ([eE] [+-]? digits)?`; an exponent without digits is a final error.
pub(crate) fn recognize_float<'a>(i: &mut &'a str) -> PResult<&'a str> {
    fn digits(s: &str) -> usize {
        s.bytes().take_while(u8::is_ascii_digit).count()
    }
    let start = *i;
    let mut rest = start.strip_prefix(['+', '-']).unwrap_or(start);
    let integer = digits(rest);
    if integer > 0 {
        rest = &rest[integer..];
        if let Some(after) = rest.strip_prefix('.') {
            rest = &after[digits(after)..];
        }
    } else {
        let Some(after) = rest.strip_prefix('.') else {
            return Err(ErrMode::Backtrack(ParseError::primitive(Kind::Internal, rest)));
        };
        let fraction = digits(after);
        if fraction == 0 {
            return Err(ErrMode::Backtrack(ParseError::primitive(Kind::Internal, after)));
        }
        rest = &after[fraction..];
    }
    if let Some(after) = rest.strip_prefix(['e', 'E']) {
        let after = after.strip_prefix(['+', '-']).unwrap_or(after);
        let exponent = digits(after);
        if exponent == 0 {
            return Err(ErrMode::Cut(ParseError::primitive(Kind::Internal, after)));
        }
        rest = &after[exponent..];
    }
    let len = start.len() - rest.len();
    *i = rest;
    Ok(&start[..len])
}

/// A literal keyword (`tag` in nom: a prefix, not a whole word).
pub(crate) fn tag<'a>(keyword: &'static str) -> impl Fn(&mut &'a str) -> PResult<&'a str> {
    move |i| literal(keyword).parse_next(i)
}

enum Unescape {
    Incomplete,
    ParseInt,
    InvalidChar,
}

/// The `unescaper` crate's (0.1.8) reading of backslash escapes: `\b \f \n
/// \r \t \' \" \\ \/`, `\uXXXX`, `\u{X..}`, `\xXX` and octal `\NNN`.
fn unescape_token(text: &str) -> Result<String, Unescape> {
    if !text.contains('\\') {
        return Ok(text.to_string());
    }
    let mut chars = text.chars().peekable();
    let mut out = String::with_capacity(text.len());
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let c = chars.next().ok_or(Unescape::Incomplete)?;
        out.push(match c {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '\'' | '"' | '\\' | '/' => c,
            'u' => {
                let mut hex = String::new();
                let first = chars.next().ok_or(Unescape::Incomplete)?;
                if first == '{' {
                    for n in chars.by_ref() {
                        if n == '}' {
                            break;
                        }
                        hex.push(n);
                    }
                } else {
                    hex.push(first);
                    for _ in 0..3 {
                        hex.push(chars.next().ok_or(Unescape::Incomplete)?);
                    }
                }
                let code = u32::from_str_radix(&hex, 16).map_err(|_| Unescape::ParseInt)?;
                char::from_u32(code).ok_or(Unescape::InvalidChar)?
            }
            'x' => {
                let mut hex = String::new();
                for _ in 0..2 {
                    hex.push(chars.next().ok_or(Unescape::Incomplete)?);
                }
                char::from(u8::from_str_radix(&hex, 16).map_err(|_| Unescape::ParseInt)?)
            }
            '0'..='7' => {
                let mut octal = String::from(c);
                let more = if c <= '3' { 2 } else { 1 };
                for _ in 0..more {
                    if let Some(d) = chars.next_if(|d| d.is_digit(8)) {
                        octal.push(d);
                    }
                }
                char::from(u8::from_str_radix(&octal, 8).map_err(|_| Unescape::ParseInt)?)
            }
            _ => return Err(Unescape::InvalidChar),
        });
    }
    Ok(out)
}
