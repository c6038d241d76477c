//! Filter errors: the public [`FilterError`] (Meilisearch's whole message,
//! position line included) and the parser's internal error, which keeps the
//! kind and the stretch of input it blames until the message is rendered.

use std::fmt;

use winnow::error::ParserError;

use super::ast::Span;

/// A filter Meilisearch would refuse, with its exact message: the diagnostic,
/// then a line `N:M filter` giving the 1-based columns (in characters, counted
/// from the last newline) of the blamed text and echoing the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The whole message, as Meilisearch words it.
    pub message: String,
}

impl FilterError {
    /// An error whose message is used as is (no position line).
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// `message`, then the position line of `span`, as Meilisearch renders an
    /// error raised on a token (an attribute that is not filterable, a bad
    /// latitude, ...).
    pub fn at(span: &Span, message: impl fmt::Display) -> Self {
        Self { message: format!("{message}\n{}", span.position_line()) }
    }

    /// Meilisearch prefixes errors raised while evaluating a filter on an
    /// index (not parse errors) with ``Index `uid`: ``.
    pub fn in_index(self, index_uid: &str) -> Self {
        Self { message: format!("Index `{index_uid}`: {}", self.message) }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

/// Whether a value that could not be read was a reserved keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpectedValueKind {
    ReservedKeyword,
    Other,
}

/// What went wrong; each kind renders as one of Meilisearch's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Foreign,
    ReservedGeo(&'static str),
    GeoRadius,
    GeoRadiusArgumentCount(usize),
    GeoBoundingBox,
    GeoPolygon,
    GeoPolygonNotEnoughPoints(usize),
    GeoCoordinatesNotPair(usize),
    MisusedGeoRadius,
    MisusedGeoBoundingBox,
    VectorFilterLeftover,
    VectorFilterInvalidQuotes,
    VectorFilterMissingEmbedder,
    VectorFilterInvalidEmbedder,
    VectorFilterMissingFragment,
    VectorFilterInvalidFragment,
    VectorFilterUnknownSuffix(Option<&'static str>, String),
    VectorFilterOperation,
    InvalidPrimary,
    InvalidEscapedNumber,
    ExpectedEof,
    /// An escape sequence cut short (`\x4`): nom's `Incomplete(Unknown)`.
    Incomplete,
    ExpectedValue(ExpectedValueKind),
    MalformedValue,
    InOpeningBracket,
    InClosingBracket,
    InExpectedValue(ExpectedValueKind),
    ReservedKeyword(String),
    MissingClosingDelimiter(char),
    /// An expected character was missing; always mapped to another kind
    /// before it can reach a user.
    Char(char),
    /// A primitive parser failed; never reaches a user either.
    Internal,
    DepthLimitReached,
}

/// The parser's error: a kind and the text it blames, stored as the lengths
/// of input remaining at the start and end of that text (so primitive parsers,
/// which only see the remaining input, can build one), and the offset of the
/// text the message echoes (Meilisearch echoes from `_foreign(` inside a
/// foreign filter; `None` until a parser that knows it fills it in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) kind: Kind,
    pub(crate) rem_start: usize,
    pub(crate) rem_end: usize,
    pub(crate) echo: Option<usize>,
}

impl ParseError {
    /// `kind`, blaming all of `input` (what remains to parse).
    pub(crate) fn rest(kind: Kind, input: &str, echo: usize) -> Self {
        Self { kind, rem_start: input.len(), rem_end: 0, echo: Some(echo) }
    }

    /// An error of a primitive parser, blaming all of `input`; its echo is
    /// set by the parser that reports it.
    pub(crate) fn primitive(kind: Kind, input: &str) -> Self {
        Self { kind, rem_start: input.len(), rem_end: 0, echo: None }
    }

    /// `kind`, blaming the first `len` bytes of `input`.
    pub(crate) fn prefix(kind: Kind, input: &str, len: usize, echo: usize) -> Self {
        Self { kind, rem_start: input.len(), rem_end: input.len() - len, echo: Some(echo) }
    }

    /// The same blamed text and echo, another kind.
    pub(crate) fn with_kind(self, kind: Kind, echo: usize) -> Self {
        Self { kind, echo: Some(self.echo.unwrap_or(echo)), ..self }
    }

    /// The public error, rendered against the whole filter `full`.
    pub(crate) fn render(&self, full: &str) -> FilterError {
        let start = full.len() - self.rem_start;
        let end = full.len() - self.rem_end;
        let echo = self.echo.unwrap_or(0);
        let text = &full[start..end];
        let first = diagnostic(&self.kind, text);
        let column = column_at(full, start);
        let size = text.chars().count();
        FilterError { message: format!("{first}\n{column}:{} {}", column + size, &full[echo..]) }
    }
}

impl<'a> ParserError<&'a str> for ParseError {
    type Inner = Self;

    fn from_input(input: &&'a str) -> Self {
        Self { kind: Kind::Internal, rem_start: input.len(), rem_end: 0, echo: None }
    }

    fn into_inner(self) -> Result<Self::Inner, Self> {
        Ok(self)
    }
}

/// 1-based column of byte `offset` in `full`, in characters since the last
/// newline (nom_locate's `get_utf8_column`).
pub(crate) fn column_at(full: &str, offset: usize) -> usize {
    let before = &full[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    before[line_start..].chars().count() + 1
}

const OPERATIONS: &str = "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, `NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, `NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, `_geoBoundingBox` or `_geoPolygon`";

const VECTOR_SUFFIXES: [&str; 4] = ["fragments", "userProvided", "documentTemplate", "regenerate"];

/// The first line of Meilisearch's message for `kind` blaming `input`.
fn diagnostic(kind: &Kind, input: &str) -> String {
    // Meilisearch escapes the blamed text so the message keeps its two lines.
    let escaped = input.escape_debug();
    match kind {
        Kind::ExpectedValue(_) if input.trim().is_empty() => {
            "Was expecting a value but instead got nothing.".to_string()
        }
        Kind::ExpectedValue(ExpectedValueKind::ReservedKeyword) => format!(
            "Was expecting a value but instead got `{escaped}`, which is a reserved keyword. To use `{escaped}` as a field name or a value, surround it by quotes."
        ),
        Kind::ExpectedValue(ExpectedValueKind::Other) => {
            format!("Was expecting a value but instead got `{escaped}`.")
        }
        Kind::MalformedValue => format!("Malformed value: `{escaped}`."),
        Kind::MissingClosingDelimiter(c) => format!(
            "Expression `{escaped}` is missing the following closing delimiter: `{c}`."
        ),
        Kind::InvalidPrimary if input.trim().is_empty() => {
            format!("{OPERATIONS} but instead got nothing.")
        }
        Kind::InvalidPrimary => format!("{OPERATIONS} at `{escaped}`."),
        Kind::InvalidEscapedNumber => {
            format!("Found an invalid escaped sequence number: `{escaped}`.")
        }
        Kind::ExpectedEof => format!(
            "Found unexpected characters at the end of the filter: `{escaped}`. You probably forgot an `OR` or an `AND` rule."
        ),
        Kind::Incomplete => {
            "The filter is incomplete and requires Unknown additional bytes to be parsed."
                .to_string()
        }
        Kind::GeoRadius => "The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.".to_string(),
        Kind::GeoRadiusArgumentCount(count) => {
            format!("Was expecting 3 or 4 arguments for `_geoRadius`, but instead found {count}.")
        }
        Kind::GeoBoundingBox => "The `_geoBoundingBox` filter expects two pairs of arguments: `_geoBoundingBox([latitude, longitude], [latitude, longitude])`.".to_string(),
        Kind::GeoPolygon => "The `_geoPolygon` filter doesn't match the expected format: `_geoPolygon([latitude, longitude], [latitude, longitude])`.".to_string(),
        Kind::GeoPolygonNotEnoughPoints(n) => {
            format!("The `_geoPolygon` filter expects at least 3 points but only {n} were specified")
        }
        Kind::GeoCoordinatesNotPair(n) => {
            format!("Was expecting 2 coordinates but instead found {n}.")
        }
        Kind::ReservedGeo(name) => format!(
            "`{}` is a reserved keyword and thus can't be used as a filter expression. Use the `_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], [latitude, longitude])` built-in rules to filter on `_geo` coordinates.",
            name.escape_debug()
        ),
        Kind::MisusedGeoRadius => {
            "The `_geoRadius` filter is an operation and can't be used as a value.".to_string()
        }
        Kind::MisusedGeoBoundingBox => {
            "The `_geoBoundingBox` filter is an operation and can't be used as a value."
                .to_string()
        }
        Kind::VectorFilterLeftover => "The vector filter has leftover tokens.".to_string(),
        Kind::VectorFilterUnknownSuffix(_, value) if value == "." => "Was expecting one of `.fragments`, `.userProvided`, `.documentTemplate`, `.regenerate` or nothing, but instead found a point without a valid value.".to_string(),
        Kind::VectorFilterUnknownSuffix(None, value)
            if VECTOR_SUFFIXES.contains(&value.as_str()) =>
        {
            "Was expecting this part to be unquoted.".to_string()
        }
        Kind::VectorFilterUnknownSuffix(None, value) => {
            let base = format!("Was expecting one of `fragments`, `userProvided`, `documentTemplate`, `regenerate` or nothing, but instead found `{value}`.");
            match suggestion(value) {
                Some(key) => format!("{base} Did you mean `{key}`?"),
                None => base,
            }
        }
        Kind::VectorFilterUnknownSuffix(Some(previous), value) => format!(
            "Vector filter can only accept one of `fragments`, `userProvided`, `documentTemplate` or `regenerate`, but found both `{previous}` and `{value}`."
        ),
        Kind::VectorFilterInvalidFragment => {
            "The vector filter's fragment name is invalid.".to_string()
        }
        Kind::VectorFilterMissingFragment => {
            "The vector filter is missing a fragment name.".to_string()
        }
        Kind::VectorFilterMissingEmbedder => {
            "Was expecting embedder name but found nothing.".to_string()
        }
        Kind::VectorFilterInvalidEmbedder => {
            "The vector filter's embedder name is invalid.".to_string()
        }
        Kind::VectorFilterOperation => "Was expecting an operation like `EXISTS` or `NOT EXISTS` after the vector filter.".to_string(),
        Kind::VectorFilterInvalidQuotes => {
            "The quotes in one of the values are inconsistent.".to_string()
        }
        Kind::ReservedKeyword(word) => format!(
            "`{word}` is a reserved keyword and thus cannot be used as a field name unless it is put inside quotes. Use \"{word}\" or '{word}' instead."
        ),
        Kind::InOpeningBracket => "Expected `[` after `IN` keyword.".to_string(),
        Kind::InClosingBracket => {
            "Expected matching `]` after the list of field names given to `IN[`".to_string()
        }
        Kind::InExpectedValue(ExpectedValueKind::ReservedKeyword) => format!(
            "Expected only comma-separated field names inside `IN[..]` but instead found `{escaped}`, which is a keyword. To use `{escaped}` as a field name or a value, surround it by quotes."
        ),
        Kind::InExpectedValue(ExpectedValueKind::Other) => format!(
            "Expected only comma-separated field names inside `IN[..]` but instead found `{escaped}`."
        ),
        Kind::DepthLimitReached => "The filter exceeded the maximum depth limit. Try rewriting the filter so that it contains fewer nested conditions.".to_string(),
        Kind::Foreign => format!(
            "Was expecting a field name and an condition inside `_foreign(..)` filter but instead found `{escaped}`."
        ),
        // Never shown by Meilisearch (it maps these first); worded as its
        // internal-error message in case one slips through.
        Kind::Char(_) | Kind::Internal => {
            "Encountered an internal `Char` error while parsing your filter. Please fill an issue"
                .to_string()
        }
    }
}

/// The vector-filter suffix within two typos of `value`, as Meilisearch
/// suggests it.
fn suggestion(value: &str) -> Option<&'static str> {
    let dfa = levenshtein_automata::LevenshteinAutomatonBuilder::new(2, true).build_dfa(value);
    VECTOR_SUFFIXES.iter().find(|key| matches!(dfa.eval(key), levenshtein_automata::Distance::Exact(_))).copied()
}
