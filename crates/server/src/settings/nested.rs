//! The object-shaped settings Meilisearch merges field by field into what is
//! stored: `typoTolerance`, `faceting`, `pagination`. A field left out keeps
//! its stored value, a `null` field resets it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::json::{boolean, choice, fields, invalid, non_zero, object, string_set, unsigned, Parsed, Path};

/// `null`, kept (a reset), or the value read by `read`.
fn nullable(v: &Value, path: &Path, read: impl FnOnce(&Value, &Path) -> Parsed<Value>) -> Parsed<Value> {
    if v.is_null() {
        Ok(Value::Null)
    } else {
        read(v, path)
    }
}

/// Reads an object's fields in body order and gives them back in `order`
/// (the order Meilisearch writes them in).
fn ordered(
    v: &Value,
    path: &Path,
    order: &[&str],
    mut read: impl FnMut(&str, &Value, &Path) -> Parsed<Value>,
) -> Parsed<Value> {
    let mut read_fields: Map<String, Value> = Map::new();
    fields(object(v, path)?, path, order, |key, value, at| {
        read_fields.insert(key.to_owned(), read(key, value, at)?);
        Ok(())
    })?;
    let mut out = Map::new();
    for key in order {
        if let Some(value) = read_fields.remove(*key) {
            out.insert((*key).to_owned(), value);
        }
    }
    Ok(Value::Object(out))
}

const TYPO_FIELDS: &[&str] =
    &["enabled", "minWordSizeForTypos", "disableOnWords", "disableOnAttributes", "disableOnNumbers"];

pub(crate) fn typo_tolerance(v: &Value, path: &Path) -> Parsed<Value> {
    ordered(v, path, TYPO_FIELDS, |key, value, at| {
        nullable(value, at, |value, at| match key {
            "enabled" | "disableOnNumbers" => boolean(value, at).map(Value::Bool),
            "minWordSizeForTypos" => min_word_size(value, at),
            _ => string_set(value, at).map(Value::from),
        })
    })
}

fn min_word_size(v: &Value, path: &Path) -> Parsed<Value> {
    let sizes = ordered(v, path, &["oneTypo", "twoTypos"], |_, value, at| {
        nullable(value, at, |value, at| unsigned(value, at, u8::MAX.into()).map(Value::from))
    })?;
    if let (Some(one), Some(two)) = (sizes["oneTypo"].as_u64(), sizes["twoTypos"].as_u64()) {
        if one > two {
            return Err(invalid(path, &min_word_size_message(one, two)));
        }
    }
    Ok(sizes)
}

/// Meilisearch's message, stray backtick included.
pub(crate) fn min_word_size_message(one: u64, two: u64) -> String {
    format!("`minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: {one}` and twoTypos: {two}`.")
}

pub(crate) fn faceting(v: &Value, path: &Path) -> Parsed<Value> {
    ordered(v, path, &["maxValuesPerFacet", "sortFacetValuesBy"], |key, value, at| {
        nullable(value, at, |value, at| match key {
            "maxValuesPerFacet" => unsigned(value, at, u64::MAX).map(Value::from),
            _ => {
                let mut sorted = BTreeMap::new();
                for (facet, order) in object(value, at)? {
                    sorted.insert(facet.clone(), choice(order, &at.key(facet), &["alpha", "count"])?);
                }
                Ok(serde_json::json!(sorted))
            }
        })
    })
}

pub(crate) fn pagination(v: &Value, path: &Path) -> Parsed<Value> {
    ordered(v, path, &["maxTotalHits"], |_, value, at| {
        nullable(value, at, |value, at| non_zero(value, at).map(Value::from))
    })
}

/// The stored form of typo tolerance: its words as Meilisearch normalizes them.
pub(crate) fn typo_as_stored(typo: &Value) -> Value {
    let mut typo = typo.clone();
    if let Some(words) = typo.get_mut("disableOnWords").filter(|w| !w.is_null()) {
        *words = super::lists::words_as_stored(words);
    }
    typo
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_objects_keep_only_what_was_sent_in_meilisearch_order() {
        let typo =
            json!({"disableOnNumbers": true, "disableOnWords": ["b", "a"], "minWordSizeForTypos": {"twoTypos": 7}});
        assert_eq!(
            typo_tolerance(&typo, &Path::root()).unwrap().to_string(),
            r#"{"minWordSizeForTypos":{"twoTypos":7},"disableOnWords":["a","b"],"disableOnNumbers":true}"#
        );
        assert_eq!(typo_tolerance(&json!({"enabled": null}), &Path::root()).unwrap(), json!({"enabled": null}));
        let facets = faceting(&json!({"sortFacetValuesBy": {"b": "count", "*": "alpha"}}), &Path::root()).unwrap();
        assert_eq!(facets.to_string(), r#"{"sortFacetValuesBy":{"*":"alpha","b":"count"}}"#);
    }

    #[test]
    fn typo_tolerance_refusals() {
        let at = Path::root().key("typoTolerance");
        let e = |v: Value, p: &Path| typo_tolerance(&v, p).unwrap_err().0;
        assert_eq!(
            e(json!({"minWordSizeForTypos": {"oneTypo": 10, "twoTypos": 3}}), &at),
            "Invalid value at `.typoTolerance.minWordSizeForTypos`: `minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: 10` and twoTypos: 3`."
        );
        assert_eq!(
            e(json!({"minWordSizeForTypos": {"oneTypo": 10, "twoTypos": 3}}), &Path::root()),
            "Invalid value at `.minWordSizeForTypos`: `minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: 10` and twoTypos: 3`."
        );
        assert_eq!(
            e(json!({"foo": 1}), &at),
            "Unknown field `foo` inside `.typoTolerance`: expected one of `enabled`, `minWordSizeForTypos`, `disableOnWords`, `disableOnAttributes`, `disableOnNumbers`"
        );
        assert_eq!(
            e(json!({"typoTolerance": {}}), &Path::root()),
            "Unknown field `typoTolerance`: expected one of `enabled`, `minWordSizeForTypos`, `disableOnWords`, `disableOnAttributes`, `disableOnNumbers`"
        );
        assert_eq!(
            e(json!({"enabled": "yes"}), &at),
            "Invalid value type at `.typoTolerance.enabled`: expected a boolean, but found a string: `\"yes\"`"
        );
        assert_eq!(
            e(json!("doggo"), &at),
            "Invalid value type at `.typoTolerance`: expected an object, but found a string: `\"doggo\"`"
        );
        assert_eq!(
            e(json!({"minWordSizeForTypos": {"oneTypo": 256}}), &at),
            "Invalid value at `.typoTolerance.minWordSizeForTypos.oneTypo`: value: `256` is too large to be deserialized, maximum value authorized is `255`"
        );
    }

    #[test]
    fn faceting_and_pagination_refusals() {
        let e = |r: Parsed<Value>| r.unwrap_err().0;
        let root = Path::root();
        assert_eq!(
            e(pagination(&json!({"maxTotalHits": -1}), &root.key("pagination"))),
            "Invalid value type at `.pagination.maxTotalHits`: expected a positive integer, but found a negative integer: `-1`"
        );
        assert_eq!(
            e(pagination(&json!({"maxTotalHits": -1}), &root)),
            "Invalid value type at `.maxTotalHits`: expected a positive integer, but found a negative integer: `-1`"
        );
        assert_eq!(
            e(pagination(&json!({"maxTotalHits": 0}), &root.key("pagination"))),
            "Invalid value at `.pagination.maxTotalHits`: a non-zero integer value lower than `18446744073709551615` was expected, but found a zero"
        );
        assert_eq!(
            e(faceting(&json!({"maxValuesPerFacet": "a"}), &root.key("faceting"))),
            "Invalid value type at `.faceting.maxValuesPerFacet`: expected a positive integer, but found a string: `\"a\"`"
        );
        assert_eq!(
            e(faceting(&json!({"sortFacetValuesBy": {"*": "bogus"}}), &root.key("faceting"))),
            "Unknown value `bogus` at `.faceting.sortFacetValuesBy.*`: expected one of `alpha`, `count`"
        );
    }

    #[test]
    fn stored_typo_words_are_normalized() {
        let typo = json!({"disableOnWords": ["Batman", "batman"], "enabled": false});
        assert_eq!(typo_as_stored(&typo), json!({"disableOnWords": ["batman"], "enabled": false}));
    }
}
