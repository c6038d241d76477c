//! Reading a JSON body (settings, search, keys) value by value, with the messages Meilisearch's
//! deserializer (deserr) gives: each names where in the body it went wrong
//! (`.typoTolerance.enabled`, `[0]`, nothing at the root of a sub-route body).
//!
//! Readers stop at the first error, in the order of the body, as deserr does.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};
use task_model::json_kind;

/// Why a value was refused. The setting it belongs to gives the error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid(pub String);

pub(crate) type Parsed<T> = Result<T, Invalid>;

/// Where a value sits in the body: `.key`, `[i]`, or empty at the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    pub fn root() -> Self {
        Path(String::new())
    }

    pub fn key(&self, key: &str) -> Path {
        Path(format!("{}.{key}", self.0))
    }

    pub fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }

    /// `` at `.x` `` (with `article`), or nothing at the root.
    fn located(&self, article: &str) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!(" {article} `{}`", self.0)
        }
    }
}

fn backticked(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `expected a string, but found a positive integer: `1``.
pub(crate) fn wrong_type(path: &Path, expected: &str, found: &Value) -> Invalid {
    let found = match found {
        Value::Null => "null".to_owned(),
        v => format!("{}: `{v}`", json_kind(v)),
    };
    Invalid(format!("Invalid value type{}: expected {expected}, but found {found}", path.located("at")))
}

pub(crate) fn unknown_field(path: &Path, key: &str, accepted: &[&str]) -> Invalid {
    Invalid(format!(
        "Unknown field `{key}`{}: {}expected one of {}",
        path.located("inside"),
        did_you_mean(key, accepted),
        backticked(accepted)
    ))
}

pub(crate) fn unknown_value(path: &Path, value: &str, accepted: &[&str]) -> Invalid {
    Invalid(format!(
        "Unknown value `{value}`{}: {}expected one of {}",
        path.located("at"),
        did_you_mean(value, accepted),
        backticked(accepted)
    ))
}

pub(crate) fn missing_field(path: &Path, field: &str) -> Invalid {
    Invalid(format!("Missing field `{field}`{}", path.located("inside")))
}

/// A value of the right type that is still wrong.
pub(crate) fn invalid(path: &Path, message: &str) -> Invalid {
    Invalid(format!("Invalid value{}: {message}", path.located("at")))
}

pub(crate) fn string(v: &Value, path: &Path) -> Parsed<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(wrong_type(path, "a string", other)),
    }
}

pub(crate) fn boolean(v: &Value, path: &Path) -> Parsed<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(wrong_type(path, "a boolean", other)),
    }
}

/// An unsigned integer no larger than `max` (the Rust type's maximum).
pub(crate) fn unsigned(v: &Value, path: &Path, max: u64) -> Parsed<u64> {
    match v.as_u64() {
        Some(n) if n > max => Err(invalid(
            path,
            &format!("value: `{n}` is too large to be deserialized, maximum value authorized is `{max}`"),
        )),
        Some(n) => Ok(n),
        None => Err(wrong_type(path, "a positive integer", v)),
    }
}

/// A `NonZeroUsize`.
pub(crate) fn non_zero(v: &Value, path: &Path) -> Parsed<u64> {
    match unsigned(v, path, u64::MAX)? {
        0 => Err(invalid(
            path,
            &format!("a non-zero integer value lower than `{}` was expected, but found a zero", u64::MAX),
        )),
        n => Ok(n),
    }
}

pub(crate) fn array<'a>(v: &'a Value, path: &Path) -> Parsed<&'a Vec<Value>> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(wrong_type(path, "an array", other)),
    }
}

pub(crate) fn object<'a>(v: &'a Value, path: &Path) -> Parsed<&'a Map<String, Value>> {
    match v {
        Value::Object(map) => Ok(map),
        other => Err(wrong_type(path, "an object", other)),
    }
}

/// A list of strings, in order, duplicates kept (a `Vec<String>`).
pub(crate) fn strings(v: &Value, path: &Path) -> Parsed<Vec<String>> {
    array(v, path)?.iter().enumerate().map(|(i, item)| string(item, &path.index(i))).collect()
}

/// A set of strings: sorted, without duplicates (a `BTreeSet<String>`).
pub(crate) fn string_set(v: &Value, path: &Path) -> Parsed<Vec<String>> {
    Ok(strings(v, path)?.into_iter().collect::<BTreeSet<_>>().into_iter().collect())
}

/// One of the `accepted` names (a field-less enum).
pub(crate) fn choice(v: &Value, path: &Path, accepted: &[&str]) -> Parsed<String> {
    let s = string(v, path)?;
    if accepted.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(unknown_value(path, &s, accepted))
    }
}

/// The fields of an object, in body order: `field` reads a known one, an
/// unknown one is an error. Returns the keys of the fields read.
pub(crate) fn fields<'a>(
    map: &'a Map<String, Value>,
    path: &Path,
    accepted: &[&str],
    mut field: impl FnMut(&str, &'a Value, &Path) -> Parsed<()>,
) -> Parsed<()> {
    for (key, value) in map {
        if !accepted.contains(&key.as_str()) {
            return Err(unknown_field(path, key, accepted));
        }
        field(key, value, &path.key(key))?;
    }
    Ok(())
}

/// `did you mean `x`? ` when one accepted name is close enough, as deserr
/// suggests it (Damerau-Levenshtein, more typos allowed in longer words).
pub(crate) fn did_you_mean(received: &str, accepted: &[&str]) -> String {
    let allowed = match received.len() {
        0..=3 => return String::new(),
        4..=7 => 1,
        8..=12 => 2,
        13..=17 => 3,
        18..=24 => 4,
        _ => 5,
    };
    accepted
        .iter()
        .map(|a| (a, damerau_levenshtein(received, a)))
        .filter(|(_, d)| *d <= allowed)
        .min_by_key(|(_, d)| *d)
        .map(|(a, _)| format!("did you mean `{a}`? "))
        .unwrap_or_default()
}

/// The unrestricted Damerau-Levenshtein distance, on characters.
fn damerau_levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let infinity = n + m;
    let width = m + 2;
    let mut d = vec![0usize; (n + 2) * width];
    d[0] = infinity;
    for i in 0..=n {
        d[(i + 1) * width] = infinity;
        d[(i + 1) * width + 1] = i;
    }
    for j in 0..=m {
        d[j + 1] = infinity;
        d[width + j + 1] = j;
    }
    let mut last_row: HashMap<char, usize> = HashMap::new();
    for i in 1..=n {
        let mut last_match_col = 0;
        for j in 1..=m {
            let i1 = last_row.get(&b[j - 1]).copied().unwrap_or(0);
            let j1 = last_match_col;
            let cost = if a[i - 1] == b[j - 1] {
                last_match_col = j;
                0
            } else {
                1
            };
            d[(i + 1) * width + j + 1] = (d[i * width + j] + cost)
                .min(d[(i + 1) * width + j] + 1)
                .min(d[i * width + j + 1] + 1)
                .min(d[i1 * width + j1] + (i - i1 - 1) + 1 + (j - j1 - 1));
        }
        last_row.insert(a[i - 1], i);
    }
    d[(n + 1) * width + m + 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn distances() {
        assert_eq!(damerau_levenshtein("", "abc"), 3);
        assert_eq!(damerau_levenshtein("ab", "ba"), 1);
        assert_eq!(damerau_levenshtein("ca", "abc"), 2, "unrestricted: a transposition then an insertion");
        assert_eq!(damerau_levenshtein("ranking_rules", "rankingRules"), 2);
        assert_eq!(damerau_levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("ranking_rules", &["stopWords", "rankingRules"]), "did you mean `rankingRules`? ");
        assert_eq!(did_you_mean("fooBar", &["rankingRules"]), "");
        assert_eq!(did_you_mean("abc", &["abd"]), "", "three letters or fewer: no suggestion");
        assert_eq!(did_you_mean("byWords", &["byWord", "byAttribute"]), "did you mean `byWord`? ");
    }

    #[test]
    fn messages_name_the_place() {
        let root = Path::root();
        assert_eq!(
            wrong_type(&root, "an array", &json!(1)).0,
            "Invalid value type: expected an array, but found a positive integer: `1`"
        );
        let at = root.key("a").index(2).key("b");
        assert_eq!(
            wrong_type(&at, "a boolean", &Value::Null).0,
            "Invalid value type at `.a[2].b`: expected a boolean, but found null"
        );
        assert_eq!(missing_field(&root.index(0), "x").0, "Missing field `x` inside `[0]`");
        assert_eq!(unknown_field(&root, "x", &["a", "b"]).0, "Unknown field `x`: expected one of `a`, `b`");
        assert_eq!(
            unsigned(&json!(300), &root.key("oneTypo"), 255).unwrap_err().0,
            "Invalid value at `.oneTypo`: value: `300` is too large to be deserialized, maximum value authorized is `255`"
        );
        assert_eq!(string_set(&json!(["b", "a", "b"]), &root).unwrap(), ["a", "b"]);
    }
}
