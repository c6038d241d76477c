//! The list-shaped settings: attributes, token lists, synonyms, filterable
//! attribute rules and localized attributes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::json::{array, boolean, fields, missing_field, object, string, strings, Parsed, Path};

/// `displayedAttributes`, `searchableAttributes`: strings, as given.
pub(crate) fn attribute_list(v: &Value, path: &Path) -> Parsed<Value> {
    Ok(json!(strings(v, path)?))
}

/// `synonyms`: an object of string lists, by key.
pub(crate) fn synonyms(v: &Value, path: &Path) -> Parsed<Value> {
    let mut sorted = BTreeMap::new();
    for (word, list) in object(v, path)? {
        sorted.insert(word.clone(), strings(list, &path.key(word))?);
    }
    Ok(json!(sorted))
}

/// `filterableAttributes`: attribute names, or `{attributePatterns, features}`
/// rules, shown with every feature filled in.
pub(crate) fn filterable_attributes(v: &Value, path: &Path) -> Parsed<Value> {
    let mut rules = Vec::new();
    for (i, item) in array(v, path)?.iter().enumerate() {
        let at = path.index(i);
        rules.push(match item {
            Value::Object(_) => filterable_rule(item, &at)?,
            other => Value::String(string(other, &at)?),
        });
    }
    Ok(Value::Array(rules))
}

fn filterable_rule(v: &Value, path: &Path) -> Parsed<Value> {
    let mut patterns = None;
    let (mut facet_search, mut equality, mut comparison) = (false, true, false);
    fields(object(v, path)?, path, &["attributePatterns", "features"], |key, value, at| {
        match key {
            "attributePatterns" => patterns = Some(strings(value, at)?),
            _ => fields(object(value, at)?, at, &["facetSearch", "filter"], |key, value, at| {
                match key {
                    "facetSearch" => facet_search = boolean(value, at)?,
                    _ => fields(object(value, at)?, at, &["equality", "comparison"], |key, value, at| {
                        match key {
                            "equality" => equality = boolean(value, at)?,
                            _ => comparison = boolean(value, at)?,
                        }
                        Ok(())
                    })?,
                }
                Ok(())
            })?,
        }
        Ok(())
    })?;
    let patterns = patterns.ok_or_else(|| missing_field(path, "attributePatterns"))?;
    Ok(json!({
        "attributePatterns": patterns,
        "features": {"facetSearch": facet_search, "filter": {"equality": equality, "comparison": comparison}},
    }))
}

/// `localizedAttributes`: `{attributePatterns, locales}` rules, locales as given.
pub(crate) fn localized_attributes(v: &Value, path: &Path) -> Parsed<Value> {
    let mut rules = Vec::new();
    for (i, item) in array(v, path)?.iter().enumerate() {
        let at = path.index(i);
        let (mut patterns, mut locales) = (None, None);
        fields(object(item, &at)?, &at, &["attributePatterns", "locales"], |key, value, at| {
            match key {
                "attributePatterns" => patterns = Some(strings(value, at)?),
                _ => {
                    let mut list = Vec::new();
                    for (j, locale) in array(value, at)?.iter().enumerate() {
                        list.push(crate::json::choice(locale, &at.index(j), LOCALES)?);
                    }
                    locales = Some(list);
                }
            }
            Ok(())
        })?;
        let patterns = patterns.ok_or_else(|| missing_field(&at, "attributePatterns"))?;
        let locales = locales.ok_or_else(|| missing_field(&at, "locales"))?;
        rules.push(json!({"attributePatterns": patterns, "locales": locales}));
    }
    Ok(Value::Array(rules))
}

/// The stored form of localized attributes: every locale as its ISO 639-3
/// code, which is how Meilisearch gives them back.
pub(crate) fn localized_as_stored(rules: &Value) -> Value {
    let mut rules = rules.clone();
    for rule in rules.as_array_mut().into_iter().flatten() {
        if let Some(locales) = rule.get_mut("locales").and_then(Value::as_array_mut) {
            for locale in locales.iter_mut() {
                if let Some(i) = locale.as_str().and_then(|l| LOCALES[..ISO_639_1].iter().position(|c| *c == l)) {
                    *locale = Value::String(LOCALES[ISO_639_1 + i].to_owned());
                }
            }
        }
    }
    rules
}

/// The stored form of displayed and searchable attributes: a `*` anywhere
/// means every attribute (the default, so nothing is stored), and only the
/// first of duplicates counts.
pub(crate) fn wildcard_as_stored(list: &Value) -> Value {
    let Some(items) = list.as_array() else {
        return Value::Null;
    };
    if items.iter().any(|a| a == "*") {
        return Value::Null;
    }
    let mut unique: Vec<Value> = Vec::new();
    for item in items {
        if !unique.contains(item) {
            unique.push(item.clone());
        }
    }
    Value::Array(unique)
}

/// Words as Meilisearch normalizes them when it stores them (stop words,
/// words without typo tolerance): lowercased, sorted, without duplicates.
pub(crate) fn words_as_stored(words: &Value) -> Value {
    let mut set: Vec<String> =
        words.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_lowercase).collect();
    set.sort();
    set.dedup();
    json!(set)
}

/// How many of [`LOCALES`] are two-letter codes; each one's three-letter
/// code is `ISO_639_1` places further.
const ISO_639_1: usize = 69;

/// The locales Meilisearch knows, in its order: ISO 639-1 codes, the same
/// languages' ISO 639-3 codes, then `cmn`.
const LOCALES: &[&str] = &[
    "af", "ak", "am", "ar", "az", "be", "bn", "bg", "ca", "cs", "da", "de", "el", "en", "eo", "et", "fi", "fr", "gu",
    "he", "hi", "hr", "hu", "hy", "id", "it", "jv", "ja", "kn", "ka", "km", "ko", "la", "lv", "lt", "ml", "mr", "mk",
    "my", "ne", "nl", "nb", "or", "pa", "fa", "pl", "pt", "ro", "ru", "si", "sk", "sl", "sn", "es", "sr", "sv", "ta",
    "te", "tl", "th", "tk", "tr", "uk", "ur", "uz", "vi", "yi", "zh", "zu", "afr", "aka", "amh", "ara", "aze", "bel",
    "ben", "bul", "cat", "ces", "dan", "deu", "ell", "eng", "epo", "est", "fin", "fra", "guj", "heb", "hin", "hrv",
    "hun", "hye", "ind", "ita", "jav", "jpn", "kan", "kat", "khm", "kor", "lat", "lav", "lit", "mal", "mar", "mkd",
    "mya", "nep", "nld", "nob", "ori", "pan", "pes", "pol", "por", "ron", "rus", "sin", "slk", "slv", "sna", "spa",
    "srp", "swe", "tam", "tel", "tgl", "tha", "tuk", "tur", "ukr", "urd", "uzb", "vie", "yid", "zho", "zul", "cmn",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_table_pairs_up() {
        assert_eq!(LOCALES.len(), 2 * ISO_639_1 + 1);
        assert!(LOCALES[..ISO_639_1].iter().all(|l| l.len() == 2));
        assert!(LOCALES[ISO_639_1..].iter().all(|l| l.len() == 3));
        assert_eq!(LOCALES[ISO_639_1 + 13], "eng");
        assert_eq!(LOCALES[ISO_639_1 + 44], "pes", "fa");
    }

    #[test]
    fn localized_attributes_read_and_store() {
        let root = Path::root().key("localizedAttributes");
        let bad = json!([{"attributePatterns": ["*"], "locales": ["xx"]}]);
        let expected = format!(
            "Unknown value `xx` at `.localizedAttributes[0].locales[0]`: expected one of {}",
            LOCALES.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
        );
        assert_eq!(localized_attributes(&bad, &root).unwrap_err().0, expected);
        assert!(expected.contains("`zu`, `afr`") && expected.ends_with("`zul`, `cmn`"));
        let missing = localized_attributes(&json!([{"locales": []}]), &root).unwrap_err().0;
        assert_eq!(missing, "Missing field `attributePatterns` inside `.localizedAttributes[0]`");
        let good = localized_attributes(&json!([{"locales": ["en", "jpn"], "attributePatterns": ["*_en"]}]), &root);
        let good = good.unwrap();
        assert_eq!(good, json!([{"attributePatterns": ["*_en"], "locales": ["en", "jpn"]}]));
        assert_eq!(localized_as_stored(&good), json!([{"attributePatterns": ["*_en"], "locales": ["eng", "jpn"]}]));
    }

    #[test]
    fn filterable_rules_are_filled_in() {
        let root = Path::root();
        let rules = json!(["genres", {"attributePatterns": ["year"], "features": {"filter": {"comparison": true}}}]);
        assert_eq!(
            filterable_attributes(&rules, &root).unwrap(),
            json!(["genres", {"attributePatterns": ["year"], "features": {"facetSearch": false, "filter": {"equality": true, "comparison": true}}}])
        );
        let e = filterable_attributes(&json!([1]), &root.key("filterableAttributes")).unwrap_err().0;
        assert_eq!(
            e,
            "Invalid value type at `.filterableAttributes[0]`: expected a string, but found a positive integer: `1`"
        );
        let e = filterable_attributes(&json!([{"attributePatterns": [], "feature": {}}]), &root).unwrap_err().0;
        assert_eq!(e, "Unknown field `feature` inside `[0]`: did you mean `features`? expected one of `attributePatterns`, `features`");
    }

    #[test]
    fn stored_forms() {
        assert_eq!(wildcard_as_stored(&json!(["title", "*"])), Value::Null);
        assert_eq!(wildcard_as_stored(&json!(["b", "a", "b"])), json!(["b", "a"]));
        assert_eq!(words_as_stored(&json!(["The", "a", "the"])), json!(["a", "the"]));
        let e = synonyms(&json!({"a": [1]}), &Path::root().key("synonyms")).unwrap_err().0;
        assert_eq!(e, "Invalid value type at `.synonyms.a[0]`: expected a string, but found a positive integer: `1`");
        assert_eq!(
            synonyms(&json!({"b": ["x"], "a": []}), &Path::root()).unwrap().to_string(),
            r#"{"a":[],"b":["x"]}"#
        );
    }
}
