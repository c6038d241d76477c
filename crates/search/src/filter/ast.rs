//! The filter's syntax tree and the traversals Meilisearch makes before
//! evaluating a filter (printing is in `print.rs`).

use std::fmt;
use std::sync::Arc;

use super::error::{column_at, FilterError};

/// Where a token sits in the filter it was parsed from, for error messages.
///
/// Spans never tell trees apart: any two are equal, so trees parsed from
/// different strings (or built by code) compare by content.
#[derive(Clone)]
pub struct Span {
    source: Arc<str>,
    start: usize,
    end: usize,
    /// Offset of the text an error message echoes: 0, or the start of
    /// `_foreign(` for a token inside a foreign filter (as Meilisearch does).
    echo: usize,
}

impl Span {
    pub(crate) fn new(source: Arc<str>, start: usize, end: usize, echo: usize) -> Self {
        Self { source, start, end, echo }
    }

    /// A span in no source, for trees built by code.
    pub fn detached() -> Self {
        Self { source: Arc::from(""), start: 0, end: 0, echo: 0 }
    }

    pub(crate) fn start(&self) -> usize {
        self.start
    }

    pub(crate) fn end(&self) -> usize {
        self.end
    }

    /// The token as written (before unescaping), without its quotes.
    pub fn text(&self) -> &str {
        &self.source[self.start..self.end]
    }

    /// The filter this token was parsed from (or printed into).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// 1-based column of the token's first character, counted in characters
    /// from the last newline before it.
    pub fn column(&self) -> usize {
        column_at(&self.source, self.start)
    }

    /// Meilisearch's position line: `start:end filter`.
    pub fn position_line(&self) -> String {
        let column = self.column();
        let end = column + self.text().chars().count();
        format!("{column}:{end} {}", &self.source[self.echo..])
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// An attribute (field name) a condition applies to, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub span: Span,
}

/// A value as written, unescaped. Meilisearch gives quoting no meaning: a
/// value that parses as a finite float is compared to numeric facets, and its
/// text to string facets, quoted or not. `quoted` is kept for printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub raw: String,
    pub quoted: bool,
    pub span: Span,
}

impl Value {
    /// The value as a finite float, if it is one (Meilisearch's numeric reading).
    pub fn as_number(&self) -> Option<f64> {
        self.parse_finite_float().ok()
    }

    /// The value as a finite float, or Meilisearch's error at this value (as
    /// for geo coordinates: `invalid float literal`, `Non finite floats are not
    /// supported`).
    pub fn parse_finite_float(&self) -> Result<f64, FilterError> {
        match self.raw.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            Ok(_) => Err(FilterError::at(&self.span, "Non finite floats are not supported")),
            Err(error) => Err(FilterError::at(&self.span, error)),
        }
    }
}

/// The operation of a condition. The negated forms (`NOT EXISTS`, `IS NOT
/// NULL`, `IS NOT EMPTY`, `NOT IN`, `NOT CONTAINS`, `NOT STARTS WITH`) are a
/// [`Filter::Not`] around the positive condition, as in Meilisearch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Equal(Value),
    NotEqual(Value),
    GreaterThan(Value),
    GreaterThanOrEqual(Value),
    LowerThan(Value),
    LowerThanOrEqual(Value),
    /// `attribute from TO to`, both bounds included.
    Between {
        from: Value,
        to: Value,
    },
    Exists,
    IsNull,
    IsEmpty,
    In(Vec<Value>),
    /// `keyword` is the `CONTAINS` token, blamed when the feature is off.
    Contains {
        value: Value,
        keyword: Span,
    },
    StartsWith(Value),
}

impl Condition {
    /// Meilisearch's name of the operator, as its errors quote it.
    pub fn operator(&self) -> &'static str {
        match self {
            Condition::Equal(_) => "=",
            Condition::NotEqual(_) => "!=",
            Condition::GreaterThan(_) => ">",
            Condition::GreaterThanOrEqual(_) => ">=",
            Condition::LowerThan(_) => "<",
            Condition::LowerThanOrEqual(_) => "<=",
            Condition::Between { .. } => "TO",
            Condition::Exists => "EXISTS",
            Condition::IsNull => "IS NULL",
            Condition::IsEmpty => "IS EMPTY",
            Condition::In(_) => "IN",
            Condition::Contains { .. } => "CONTAINS",
            Condition::StartsWith(_) => "STARTS WITH",
        }
    }
}

/// The part after the embedder in `_vectors.embedder[.part] EXISTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VectorFilter {
    None,
    Fragment(Value),
    DocumentTemplate,
    UserProvided,
    Regenerate,
}

/// A parsed filter. `And`/`Or` from the parser have two or more members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Condition {
        attribute: Attribute,
        op: Condition,
    },
    /// `_geoRadius(lat, lng, radius[, resolution])`, numbers as written.
    GeoRadius {
        lat: Value,
        lng: Value,
        radius: Value,
        resolution: Option<Value>,
    },
    /// `_geoBoundingBox([lat, lng], [lat, lng])`: top right, bottom left.
    GeoBoundingBox {
        top_right: [Value; 2],
        bottom_left: [Value; 2],
    },
    /// `_geoPolygon([lat, lng], ...)`, three points or more.
    GeoPolygon {
        points: Vec<[Value; 2]>,
    },
    /// `_vectors[.embedder[.part]] EXISTS` (the `multimodal` feature); `span`
    /// is the `_vectors` token.
    VectorExists {
        span: Span,
        embedder: Option<Value>,
        filter: VectorFilter,
    },
    /// `_foreign(attribute, filter)` (the `foreign_keys` feature).
    Foreign {
        attribute: Attribute,
        filter: Box<Filter>,
    },
}

impl Filter {
    /// Both filters must hold, without re-parsing either. Meilisearch fuses a
    /// tenant token's rules with the request's filter as JSON ([`super::fuse_json`]);
    /// use that when error positions must match to the column.
    pub fn and(self, other: Filter) -> Filter {
        Filter::And(vec![self, other])
    }

    /// Every attribute a condition or foreign filter names, in the order
    /// Meilisearch checks them (depth first, last member first): the first one
    /// that is not filterable is the one its error names. Meilisearch lets
    /// `_vectors` and `_shard` through that check. Geo and vector filters name
    /// no attribute here.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        Attributes { stack: vec![self] }
    }

    /// The first condition on `name`, left to right (how Meilisearch finds a
    /// `_shard` filter).
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        match self {
            Filter::Condition { attribute, .. } => (attribute.name == name).then_some(attribute),
            Filter::Not(inner) => inner.find_attribute(name),
            Filter::And(members) | Filter::Or(members) => members.iter().find_map(|member| member.find_attribute(name)),
            Filter::Foreign { attribute, filter } => {
                (attribute.name == name).then_some(attribute).or_else(|| filter.find_attribute(name))
            }
            _ => None,
        }
    }

    /// The first `CONTAINS` keyword, left to right.
    pub fn contains_keyword(&self) -> Option<&Span> {
        match self {
            Filter::Condition { op: Condition::Contains { keyword, .. }, .. } => Some(keyword),
            Filter::Not(inner) | Filter::Foreign { filter: inner, .. } => inner.contains_keyword(),
            Filter::And(members) | Filter::Or(members) => members.iter().find_map(Filter::contains_keyword),
            _ => None,
        }
    }

    /// The first vector filter's `_vectors` token, left to right.
    pub fn vector_filter(&self) -> Option<&Span> {
        match self {
            Filter::VectorExists { span, .. } => Some(span),
            Filter::Not(inner) | Filter::Foreign { filter: inner, .. } => inner.vector_filter(),
            Filter::And(members) | Filter::Or(members) => members.iter().find_map(Filter::vector_filter),
            _ => None,
        }
    }

    /// The foreign filter Meilisearch finds first (depth first, last member
    /// first), by its attribute.
    pub fn foreign_filter(&self) -> Option<&Attribute> {
        let mut stack = vec![self];
        while let Some(filter) = stack.pop() {
            match filter {
                Filter::Foreign { attribute, .. } => return Some(attribute),
                Filter::Not(inner) => stack.push(inner),
                Filter::And(members) | Filter::Or(members) => stack.extend(members),
                _ => {}
            }
        }
        None
    }
}

/// Meilisearch's `fids` order: a stack, so the last member comes out first.
struct Attributes<'a> {
    stack: Vec<&'a Filter>,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = &'a Attribute;

    fn next(&mut self) -> Option<&'a Attribute> {
        while let Some(filter) = self.stack.pop() {
            match filter {
                Filter::Condition { attribute, .. } | Filter::Foreign { attribute, .. } => return Some(attribute),
                Filter::Not(inner) => self.stack.push(inner),
                Filter::And(members) | Filter::Or(members) => self.stack.extend(members),
                _ => {}
            }
        }
        None
    }
}
