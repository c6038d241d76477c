//! Meilisearch 1.50's filter language: parsing to a typed tree, with its
//! exact error messages.
//!
//! Owns: the grammar (`parse`: comparisons, `TO`, `EXISTS`, `IS [NOT]
//! NULL|EMPTY`, `[NOT] IN [...]`, `[NOT] CONTAINS`, `[NOT] STARTS WITH`,
//! `NOT`/`AND`/`OR` with `AND` binding tighter, parentheses, quoted values
//! and their escapes, `_geoRadius`, `_geoBoundingBox`, `_geoPolygon`, and the
//! experimental `_vectors` and `_foreign` forms), the JSON array form
//! ([`from_json`]), the depth limit ([`MAX_FILTER_DEPTH`]), the tree
//! ([`Filter`]) and the messages of errors raised on its tokens.
//!
//! Must not know: documents, facets, settings. Evaluating a filter is the
//! caller's; this module gives it what Meilisearch checks, in its order:
//!
//! 1. [`from_json`] (or [`parse`]): syntax errors, positioned in the request's
//!    filter string.
//! 2. [`Filter::experimental_feature_error`]: `CONTAINS`, `_foreign`,
//!    `_shard`, `_vectors` need features meili-lite does not have (Meilisearch
//!    answers these with the code `feature_not_enabled`), also positioned in
//!    the request's string.
//! 3. [`Filter::canonical`]: Meilisearch re-serializes the filter before
//!    evaluating it on an index, and the errors it raises then (an attribute
//!    not filterable, a bad latitude) echo that text and are prefixed with
//!    ``Index `uid`: `` ([`FilterError::in_index`]). Evaluate the canonical
//!    tree so its spans give those positions: check [`Filter::attributes`]
//!    with [`not_filterable`], parse geo numbers with
//!    [`Value::parse_finite_float`].
//!
//! Keywords are case-sensitive (`and` is a value, as in Meilisearch 1.50).

mod ast;
mod error;
mod parse;
mod print;
mod value;

#[cfg(test)]
mod captured;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use ast::{Attribute, Condition, Filter, Span, Value, VectorFilter};
pub use error::FilterError;
pub use parse::MAX_FILTER_DEPTH;

/// Parses a filter string; `Ok(None)` when it is empty or blank.
pub fn parse(filter: &str) -> Result<Option<Filter>, FilterError> {
    parse::parse_str(filter)
}

/// Parses the `filter` parameter: a string, or an array whose strings must
/// all hold and whose inner arrays hold when one of their strings does
/// (`["a = 1", ["b = 2", "c = 3"]]` is `a = 1 AND (b = 2 OR c = 3)`). Blank
/// strings are skipped; `Ok(None)` when nothing is left, or for `null` (which
/// Meilisearch's routes treat as no filter).
pub fn from_json(value: &serde_json::Value) -> Result<Option<Filter>, FilterError> {
    use serde_json::Value as Json;
    let items = match value {
        Json::Null => return Ok(None),
        Json::String(filter) => return parse(filter),
        Json::Array(items) => items,
        other => return Err(invalid_syntax(&["String", "Array"], other)),
    };
    // Meilisearch checks every element's type before parsing any.
    for item in items {
        match item {
            Json::String(_) => {}
            Json::Array(inner) => {
                if let Some(other) = inner.iter().find(|v| !v.is_string()) {
                    return Err(invalid_syntax(&["String"], other));
                }
            }
            other => return Err(invalid_syntax(&["String", "[String]"], other)),
        }
    }
    let mut ands = Vec::new();
    for item in items {
        match item {
            Json::Array(inner) => {
                let mut ors = Vec::new();
                for filter in inner.iter().filter_map(Json::as_str) {
                    ors.extend(parse(filter)?);
                }
                match ors.len() {
                    0 => {}
                    1 => ands.extend(ors),
                    _ => ands.push(Filter::Or(ors)),
                }
            }
            other => ands.extend(parse(other.as_str().unwrap_or_default())?),
        }
    }
    Ok(match ands.len() {
        0 => None,
        1 => ands.pop(),
        _ => Some(Filter::And(ands)),
    })
}

fn invalid_syntax(expected: &[&str], found: &serde_json::Value) -> FilterError {
    FilterError::new(format!(
        "Invalid syntax for the filter parameter: `expected {}, found: {found}`.",
        expected.join(", ")
    ))
}

/// Meilisearch's `fuse_filters`: a tenant token's rules (`right`) joined to
/// the request's filter (`left`) as one JSON array, each side's array
/// elements spliced in, so [`from_json`] builds the tree Meilisearch builds.
pub fn fuse_json(left: Option<serde_json::Value>, right: Option<serde_json::Value>) -> Option<serde_json::Value> {
    use serde_json::Value as Json;
    match (left, right) {
        (None, right) => right,
        (left, None) => left,
        (Some(left), Some(right)) => {
            let mut items = match left {
                Json::Array(items) => items,
                filter => vec![filter],
            };
            match right {
                Json::Array(more) => items.extend(more),
                filter => items.push(filter),
            }
            Some(Json::Array(items))
        }
    }
}

/// Meilisearch's error for a filter on an attribute that is not filterable:
/// `attribute` as named (an [`Attribute`]'s name, or `_geo/_geojson` for
/// `_geoRadius`/`_geoBoundingBox`, `_geojson` for `_geoPolygon`), blamed on
/// `span`, listing the patterns of the filterable-attribute rules that allow
/// filtering (sorted, deduplicated).
pub fn not_filterable<'p>(attribute: &str, span: &Span, patterns: impl IntoIterator<Item = &'p str>) -> FilterError {
    let mut patterns: Vec<&str> = patterns.into_iter().collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut message = format!("Attribute `{attribute}` is not filterable.");
    if patterns.is_empty() {
        message.push_str(" This index does not have configured filterable attributes.");
    } else {
        let list: Vec<String> = patterns.iter().map(|p| format!("`{p}`")).collect();
        message.push_str(&format!(" Available filterable attribute patterns are: {}.", list.join(", ")));
    }
    FilterError::at(span, message)
}

impl Filter {
    /// The error Meilisearch gives, with every experimental feature off, for
    /// the first feature this filter needs, checked in its order: `CONTAINS`
    /// (`containsFilter`), `_foreign` (`foreignKeys`), a `_shard` condition
    /// (`network`), `_vectors` (`multimodal`). Its code is
    /// `feature_not_enabled`.
    pub fn experimental_feature_error(&self) -> Option<FilterError> {
        if let Some(keyword) = self.contains_keyword() {
            return Some(FilterError::at(keyword, "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763"));
        }
        if let Some(attribute) = self.foreign_filter() {
            return Some(FilterError::at(&attribute.span, "using a foreign filter requires enabling the `foreign_keys` experimental feature. See https://github.com/orgs/meilisearch/discussions/873"));
        }
        if let Some(attribute) = self.find_attribute("_shard") {
            return Some(FilterError::at(&attribute.span, "using a shard filter requires enabling the `network` experimental feature. See https://github.com/orgs/meilisearch/discussions/805"));
        }
        if let Some(span) = self.vector_filter() {
            return Some(FilterError::at(span, "using a vector filter requires enabling the `multimodal` experimental feature. See https://github.com/orgs/meilisearch/discussions/846"));
        }
        None
    }
}
