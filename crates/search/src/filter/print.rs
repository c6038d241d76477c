//! Printing a filter back to filter syntax: [`Display`](fmt::Display), and
//! Meilisearch's own serialization ([`Filter::canonical`]).

use std::fmt;
use std::sync::Arc;

use super::ast::{Attribute, Condition, Filter, Span, Value, VectorFilter};
use super::value::{is_keyword, is_value_component};

impl Filter {
    /// This filter as Meilisearch 1.50 re-serializes it before evaluating it
    /// on an index (every attribute and value double-quoted, each `AND`/`OR`
    /// member and each `NOT` operand parenthesized), with every span pointing
    /// into that text. Errors raised while evaluating (an attribute that is
    /// not filterable, a bad latitude) must use these spans: Meilisearch's
    /// position line echoes this text, not the request's.
    pub fn canonical(&self) -> Filter {
        let mut printer = Printer { out: String::new(), canonical: true, spans: Vec::new() };
        printer.filter(self);
        let source: Arc<str> = Arc::from(printer.out);
        let mut filter = self.clone();
        let mut spans = printer.spans.into_iter();
        filter.for_each_span(&mut |span, quoted| {
            let (start, end) = spans.next().unwrap_or((0, 0));
            *span = Span::new(source.clone(), start, end, 0);
            if let Some(quoted) = quoted {
                *quoted = true;
            }
        });
        filter
    }

    /// The text of [`Filter::canonical`]: Meilisearch's serialization.
    pub fn canonical_string(&self) -> String {
        let mut printer = Printer { out: String::new(), canonical: true, spans: Vec::new() };
        printer.filter(self);
        printer.out
    }

    /// Visits every span in printing order, with the `quoted` flag of the
    /// values the canonical form quotes.
    fn for_each_span(&mut self, visit: &mut dyn FnMut(&mut Span, Option<&mut bool>)) {
        fn value(v: &mut Value, visit: &mut dyn FnMut(&mut Span, Option<&mut bool>)) {
            visit(&mut v.span, Some(&mut v.quoted));
        }
        fn number(v: &mut Value, visit: &mut dyn FnMut(&mut Span, Option<&mut bool>)) {
            visit(&mut v.span, None);
        }
        match self {
            Filter::And(members) | Filter::Or(members) => {
                members.iter_mut().for_each(|member| member.for_each_span(visit))
            }
            Filter::Not(inner) => inner.for_each_span(visit),
            Filter::Condition { attribute, op } => {
                visit(&mut attribute.span, None);
                match op {
                    Condition::Equal(v)
                    | Condition::NotEqual(v)
                    | Condition::GreaterThan(v)
                    | Condition::GreaterThanOrEqual(v)
                    | Condition::LowerThan(v)
                    | Condition::LowerThanOrEqual(v)
                    | Condition::StartsWith(v) => value(v, visit),
                    Condition::Between { from, to } => {
                        value(from, visit);
                        value(to, visit);
                    }
                    Condition::In(values) => values.iter_mut().for_each(|v| value(v, visit)),
                    Condition::Contains { value: v, keyword } => {
                        visit(keyword, None);
                        value(v, visit);
                    }
                    Condition::Exists | Condition::IsNull | Condition::IsEmpty => {}
                }
            }
            Filter::GeoRadius { lat, lng, radius, resolution } => {
                [lat, lng, radius].into_iter().chain(resolution).for_each(|v| number(v, visit))
            }
            Filter::GeoBoundingBox { top_right, bottom_left } => {
                top_right.iter_mut().chain(bottom_left).for_each(|v| number(v, visit))
            }
            Filter::GeoPolygon { points } => points.iter_mut().flatten().for_each(|v| number(v, visit)),
            Filter::VectorExists { span, embedder, filter } => {
                visit(span, None);
                if let Some(embedder) = embedder {
                    value(embedder, visit);
                }
                if let VectorFilter::Fragment(fragment) = filter {
                    value(fragment, visit);
                }
            }
            Filter::Foreign { attribute, filter } => {
                visit(&mut attribute.span, None);
                filter.for_each_span(visit);
            }
        }
    }
}

/// Prints filter syntax that parses back to the same tree: Meilisearch's
/// serialization, except that unquoted words stay bare (`{}`); with
/// `canonical`, exactly Meilisearch's, recording where each token lands.
struct Printer {
    out: String,
    canonical: bool,
    spans: Vec<(usize, usize)>,
}

impl Printer {
    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// A token; bare when `bare` allows it, else as a JSON string, which the
    /// parser unescapes back to `text`.
    fn token(&mut self, text: &str, bare: bool) {
        if bare && !self.canonical {
            let start = self.out.len();
            self.out.push_str(text);
            self.spans.push((start, self.out.len()));
        } else {
            let quoted = serde_json::Value::String(text.to_string()).to_string();
            let start = self.out.len() + 1;
            self.out.push_str(&quoted);
            self.spans.push((start, self.out.len() - 1));
        }
    }

    fn attribute(&mut self, attribute: &Attribute) {
        self.token(&attribute.name, is_bare_word(&attribute.name));
    }

    fn value(&mut self, value: &Value) {
        self.token(&value.raw, !value.quoted && is_bare_word(&value.raw));
    }

    fn vector_part(&mut self, value: &Value) {
        let bare =
            !value.quoted && !value.raw.is_empty() && value.raw.chars().all(|c| is_value_component(c) && c != '.');
        self.token(&value.raw, bare);
    }

    fn number(&mut self, value: &Value) {
        let start = self.out.len();
        self.out.push_str(&value.raw);
        self.spans.push((start, self.out.len()));
    }

    fn keyword(&mut self, keyword: &str) {
        let start = self.out.len();
        self.out.push_str(keyword);
        self.spans.push((start, self.out.len()));
    }

    fn members(&mut self, members: &[Filter], separator: &str) {
        for (i, member) in members.iter().enumerate() {
            if i > 0 {
                self.push(separator);
            }
            self.push("(");
            self.filter(member);
            self.push(")");
        }
    }

    fn filter(&mut self, filter: &Filter) {
        match filter {
            Filter::And(members) => self.members(members, " AND "),
            Filter::Or(members) => self.members(members, " OR "),
            Filter::Not(inner) => {
                self.push("NOT (");
                self.filter(inner);
                self.push(")");
            }
            Filter::Condition { attribute, op } => {
                self.attribute(attribute);
                self.condition(op);
            }
            Filter::GeoRadius { lat, lng, radius, resolution } => {
                self.push("_geoRadius(");
                for (i, v) in [lat, lng, radius].into_iter().chain(resolution).enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.number(v);
                }
                self.push(")");
            }
            Filter::GeoBoundingBox { top_right, bottom_left } => {
                self.push("_geoBoundingBox(");
                self.point(top_right);
                self.push(", ");
                self.point(bottom_left);
                self.push(")");
            }
            Filter::GeoPolygon { points } => {
                self.push("_geoPolygon(");
                for (i, point) in points.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.point(point);
                }
                self.push(")");
            }
            Filter::VectorExists { embedder, filter, .. } => {
                self.keyword("_vectors");
                if let Some(embedder) = embedder {
                    self.push(".");
                    self.vector_part(embedder);
                }
                match filter {
                    VectorFilter::None => {}
                    VectorFilter::Fragment(fragment) => {
                        self.push(".fragments.");
                        self.vector_part(fragment);
                    }
                    VectorFilter::DocumentTemplate => self.push(".documentTemplate"),
                    VectorFilter::UserProvided => self.push(".userProvided"),
                    VectorFilter::Regenerate => self.push(".regenerate"),
                }
                self.push(" EXISTS");
            }
            Filter::Foreign { attribute, filter } => {
                self.push("_foreign(");
                self.attribute(attribute);
                self.push(", ");
                self.filter(filter);
                self.push(")");
            }
        }
    }

    fn point(&mut self, point: &[Value; 2]) {
        self.push("[");
        self.number(&point[0]);
        self.push(", ");
        self.number(&point[1]);
        self.push("]");
    }

    fn condition(&mut self, op: &Condition) {
        let (symbol, value) = match op {
            Condition::Equal(v) => ("=", v),
            Condition::NotEqual(v) => ("!=", v),
            Condition::GreaterThan(v) => (">", v),
            Condition::GreaterThanOrEqual(v) => (">=", v),
            Condition::LowerThan(v) => ("<", v),
            Condition::LowerThanOrEqual(v) => ("<=", v),
            Condition::StartsWith(v) => ("STARTS WITH", v),
            Condition::Exists => return self.push(" EXISTS"),
            Condition::IsNull => return self.push(" IS NULL"),
            Condition::IsEmpty => return self.push(" IS EMPTY"),
            Condition::Between { from, to } => {
                self.push(" ");
                self.value(from);
                self.push(" TO ");
                return self.value(to);
            }
            Condition::In(values) => {
                self.push(" IN [");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.value(v);
                }
                return self.push("]");
            }
            Condition::Contains { value, .. } => {
                self.push(" ");
                self.keyword("CONTAINS");
                self.push(" ");
                return self.value(value);
            }
        };
        self.push(" ");
        self.push(symbol);
        self.push(" ");
        self.value(value);
    }
}

/// Whether `word` reads back as itself unquoted, in any position: a word of
/// value characters that is no keyword and starts no reserved `_geo...`,
/// `_vectors` or `_foreign` form.
pub(crate) fn is_bare_word(word: &str) -> bool {
    !word.is_empty()
        && word.chars().all(is_value_component)
        && !is_keyword(word)
        && !word.starts_with("_geo")
        && !word.starts_with("_vectors")
        && !word.starts_with("_foreign")
}

/// Filter syntax that parses back to this tree (spans aside), for any tree the
/// parser can build (`AND`/`OR` of two or more, no `NOT` right inside a
/// `NOT`: Meilisearch cancels those). Values written unquoted stay bare when
/// they can; everything else is double-quoted with JSON escapes; `AND`/`OR`
/// members and `NOT` operands are parenthesized, as Meilisearch serializes a
/// filter. [`Filter::canonical`] quotes everything.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut printer = Printer { out: String::new(), canonical: false, spans: Vec::new() };
        printer.filter(self);
        f.write_str(&printer.out)
    }
}
