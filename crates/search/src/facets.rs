//! Filterable attributes: which attributes are (`filterableAttributes`, with
//! Meilisearch's patterns and features), and the terms each value is indexed
//! under in the `facets` field, so that a filter is answered from the index
//! with term lookups and dictionary ranges, never by reading documents.
//!
//! Terms are `path \0 kind value`: `e` the attribute exists, `n` it is null,
//! `m` it is empty (`""`, `[]`, `{}`), `s` + a string (trimmed, lower-cased),
//! `f` + a number (16 hex digits that sort as the numbers do). Booleans are
//! the strings `true` and `false`, as Meilisearch files them.

use serde_json::{Map, Value};

/// One rule of `filterableAttributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterableRule {
    pub patterns: Vec<String>,
    pub equality: bool,
    pub comparison: bool,
    pub facet_search: bool,
}

impl FilterableRule {
    /// Reads one stored rule: a plain attribute name (every feature on) or
    /// `{attributePatterns, features}`.
    pub(crate) fn from_stored(v: &Value) -> Option<Self> {
        match v {
            Value::String(name) => {
                Some(Self { patterns: vec![name.clone()], equality: true, comparison: true, facet_search: true })
            }
            Value::Object(rule) => {
                let patterns = rule.get("attributePatterns")?.as_array()?;
                let features = rule.get("features");
                let flag = |path: &[&str], default: bool| {
                    let mut at = features;
                    for key in path {
                        at = at.and_then(|v| v.get(key));
                    }
                    at.and_then(Value::as_bool).unwrap_or(default)
                };
                Some(Self {
                    patterns: patterns.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect(),
                    equality: flag(&["filter", "equality"], true),
                    comparison: flag(&["filter", "comparison"], false),
                    facet_search: flag(&["facetSearch"], false),
                })
            }
            _ => None,
        }
    }

    /// A rule with neither equality nor comparison makes its attributes
    /// unfilterable, as if it were not there (facet search aside).
    pub fn filters(&self) -> bool {
        self.equality || self.comparison
    }

    pub fn matches(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| pattern_matches(p, path))
    }
}

/// Meilisearch's attribute patterns: `*` at the start or at the end; an
/// attribute also holds what is nested under it. A lone `*` matches nothing
/// here: Meilisearch 1.50 answers "not filterable" for every attribute with
/// `filterableAttributes: ["*"]` (seen on the real binary).
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let glob = |p: &str, s: &str| match (p.strip_prefix('*'), p.strip_suffix('*')) {
        _ if p == "*" => false,
        (Some(rest), _) if rest.ends_with('*') => s.contains(&rest[..rest.len() - 1]),
        (Some(suffix), _) => s.ends_with(suffix),
        (None, Some(prefix)) => s.starts_with(prefix),
        (None, None) => p == s,
    };
    glob(pattern, path) || path.strip_prefix(pattern).is_some_and(|r| r.starts_with('.'))
}

/// The rule that makes `path` filterable: the first that matches it.
pub fn rule_for<'r>(rules: &'r [FilterableRule], path: &str) -> Option<&'r FilterableRule> {
    rules.iter().find(|r| r.matches(path))
}

/// Facet values are compared trimmed and lower-cased.
pub fn normalize(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Numbers as 16 hex digits that sort as the numbers do.
pub fn number_key(n: f64) -> String {
    format!("{:016x}", ordered_bits(n))
}

/// `n`'s bits, flipped so that they compare as unsigned integers as the
/// numbers do: the sign bit of positives, every bit of negatives.
pub(crate) fn ordered_bits(n: f64) -> u64 {
    let bits = n.to_bits();
    if n.is_sign_negative() {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The number [`ordered_bits`] made.
pub(crate) fn from_ordered_bits(bits: u64) -> f64 {
    f64::from_bits(if bits >> 63 == 1 { bits & !(1 << 63) } else { !bits })
}

pub fn exists_term(path: &str) -> String {
    format!("{path}\0e")
}
pub fn null_term(path: &str) -> String {
    format!("{path}\0n")
}
pub fn empty_term(path: &str) -> String {
    format!("{path}\0m")
}
pub fn string_term(path: &str, value: &str) -> String {
    format!("{path}\0s{}", normalize(value))
}
pub fn number_term(path: &str, n: f64) -> String {
    format!("{path}\0f{}", number_key(n))
}

/// Each number is also indexed at coarser levels: its [`ordered_bits`]
/// shifted right by each of these, so that a range is a few coarse terms in
/// its middle and exact ones at its edges, not one term per distinct value
/// (`select::Selector::between`).
pub(crate) const LEVELS: [u32; 7] = [8, 16, 24, 32, 40, 48, 56];

/// Every term of `path`'s numbers at the level of `shift` starts with this.
pub(crate) fn level_prefix(path: &str, shift: u32) -> String {
    format!("{path}\0g{shift:02}")
}

/// The term of `bits >> shift` at that level (its hex digits, fixed width).
pub(crate) fn level_term(path: &str, shift: u32, prefix: u64) -> String {
    format!("{}{:0width$x}", level_prefix(path, shift), prefix, width = (64 - shift) as usize / 4)
}
/// A string value as written, under its normalized form: what a facet
/// distribution shows.
pub fn original_term(path: &str, value: &str) -> String {
    format!("{path}\0o{}\0{value}", normalize(value))
}
/// The number a [`number_key`] stands for.
pub fn number_from_key(key: &str) -> Option<f64> {
    u64::from_str_radix(key, 16).ok().map(from_ordered_bits)
}
/// Every string term of `path` starts with this.
pub fn string_prefix(path: &str) -> String {
    format!("{path}\0s")
}
/// Every number term of `path` starts with this.
pub fn number_prefix(path: &str) -> String {
    format!("{path}\0f")
}

/// The facet terms of a document's filterable attributes.
pub fn terms(document: &Map<String, Value>, rules: &[FilterableRule]) -> Vec<String> {
    let mut out = Vec::new();
    if rules.is_empty() {
        return out;
    }
    // A shape is for geo filters only: Meilisearch gives it no facet values.
    for (key, value) in document.iter().filter(|(key, _)| *key != crate::geo::GEOJSON) {
        walk(key, value, rules, true, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn walk(path: &str, value: &Value, rules: &[FilterableRule], own: bool, out: &mut Vec<String>) {
    let filterable = rule_for(rules, path).is_some();
    if filterable && own {
        out.push(exists_term(path));
    }
    match value {
        // Null and empty describe the attribute itself, not an element of it.
        Value::Null if filterable && own => out.push(null_term(path)),
        Value::String(s) if filterable => {
            if s.is_empty() && own {
                out.push(empty_term(path));
            }
            out.push(string_term(path, s));
            out.push(original_term(path, s));
        }
        Value::Bool(b) if filterable => {
            out.push(string_term(path, &b.to_string()));
            out.push(original_term(path, &b.to_string()));
        }
        Value::Number(n) if filterable => {
            if let Some(f) = n.as_f64() {
                out.push(number_term(path, f));
                let bits = ordered_bits(f);
                out.extend(LEVELS.iter().map(|&shift| level_term(path, shift, bits >> shift)));
            }
        }
        Value::Array(items) => {
            if items.is_empty() && filterable && own {
                out.push(empty_term(path));
            }
            // Elements are values of the same attribute.
            for item in items {
                walk(path, item, rules, false, out);
            }
        }
        Value::Object(map) => {
            if map.is_empty() && filterable {
                out.push(empty_term(path));
            }
            for (key, value) in map {
                walk(&format!("{path}.{key}"), value, rules, true, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(names: &[&str]) -> Vec<FilterableRule> {
        names.iter().filter_map(|n| FilterableRule::from_stored(&json!(n))).collect()
    }

    #[test]
    fn patterns_as_meilisearch_writes_them() {
        assert!(!pattern_matches("*", "a.b"), "as Meilisearch 1.50 does");
        assert!(pattern_matches("gen*", "genres"));
        assert!(pattern_matches("*res", "genres"));
        assert!(pattern_matches("*nr*", "genres"));
        assert!(pattern_matches("author", "author.name"));
        assert!(!pattern_matches("author", "authors"));
    }

    #[test]
    fn terms_cover_values_nulls_empties_and_nesting() {
        let doc = json!({"id": 1, "genres": ["Drama", " Crime "], "year": 2008, "x": null, "e": [], "o": {"k": true}});
        let got = terms(doc.as_object().unwrap(), &rules(&["genres", "year", "x", "e", "o"]));
        let want = [
            exists_term("genres"),
            string_term("genres", "crime"),
            original_term("genres", " Crime "),
            string_term("genres", "drama"),
            original_term("genres", "Drama"),
            exists_term("year"),
            number_term("year", 2008.0),
            exists_term("x"),
            null_term("x"),
            exists_term("e"),
            empty_term("e"),
            exists_term("o"),
            exists_term("o.k"),
            string_term("o.k", "true"),
            original_term("o.k", "true"),
        ];
        let levels = LEVELS.iter().map(|&s| level_term("year", s, ordered_bits(2008.0) >> s));
        let mut want: Vec<String> = want.into_iter().chain(levels).collect();
        want.sort();
        assert_eq!(got, want);
        assert!(got.contains(&"year\0g56c0".to_owned()), "the coarsest level: the top byte");
        assert!(
            number_key(-2.5) < number_key(-1.0)
                && number_key(-1.0) < number_key(0.0)
                && number_key(3.0) < number_key(10.0)
        );
    }
}
