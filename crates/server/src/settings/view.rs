//! The settings an index shows: what is stored, over Meilisearch 1.50's
//! defaults, field by field for the object-shaped settings.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{embedders, lists, Setting, SETTINGS};

/// Meilisearch 1.50's default for `key`.
fn default(key: &str) -> Value {
    match key {
        "displayedAttributes" | "searchableAttributes" => json!(["*"]),
        "filterableAttributes"
        | "sortableAttributes"
        | "foreignKeys"
        | "stopWords"
        | "nonSeparatorTokens"
        | "separatorTokens"
        | "dictionary" => json!([]),
        "rankingRules" => json!(["words", "typo", "proximity", "attributeRank", "sort", "wordPosition", "exactness"]),
        "synonyms" | "embedders" => json!({}),
        "proximityPrecision" => json!("byWord"),
        "typoTolerance" => json!({
            "enabled": true,
            "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
            "disableOnWords": [],
            "disableOnAttributes": [],
            "disableOnNumbers": false,
        }),
        "faceting" => json!({"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}}),
        "pagination" => json!({"maxTotalHits": 1000}),
        "facetSearch" => json!(true),
        "prefixSearch" => json!("indexingTime"),
        "chat" => embedders::default_chat(),
        // distinctAttribute, searchCutoffMs, localizedAttributes.
        _ => Value::Null,
    }
}

/// What `GET /indexes/{uid}/settings` shows for an index whose stored
/// settings are `stored`: every listed setting, in Meilisearch's order.
pub(crate) fn effective(stored: &Map<String, Value>) -> Map<String, Value> {
    SETTINGS.iter().filter(|s| s.listed).map(|s| (s.key.to_owned(), effective_one(s, stored))).collect()
}

/// What `GET /indexes/{uid}/settings/{route}` shows for one setting.
pub(crate) fn effective_one(setting: &Setting, stored: &Map<String, Value>) -> Value {
    let key = setting.key;
    let mut shown = default(key);
    let Some(value) = stored.get(key).filter(|v| !v.is_null()) else {
        return shown;
    };
    match key {
        // Set only when the feature is on, which it never is in meili-lite.
        "chat" | "foreignKeys" => {}
        "typoTolerance" | "pagination" => overlay(&mut shown, value),
        "faceting" => {
            overlay(&mut shown, value);
            // Meilisearch always has an order for `*`.
            if let Some(orders) = shown.get_mut("sortFacetValuesBy").and_then(Value::as_object_mut) {
                orders.entry("*").or_insert_with(|| json!("alpha"));
                let sorted: BTreeMap<String, Value> = std::mem::take(orders).into_iter().collect();
                *orders = sorted.into_iter().collect();
            }
        }
        "displayedAttributes" | "searchableAttributes" => {
            if let Value::Array(list) = lists::wildcard_as_stored(value) {
                shown = Value::Array(list);
            }
        }
        "embedders" => {
            let mut sorted: BTreeMap<String, Value> = BTreeMap::new();
            for (name, embedder) in value.as_object().into_iter().flatten() {
                let mut embedder = embedder.clone();
                if let Some(Value::String(key)) = embedder.get_mut("apiKey") {
                    hide_secret(key);
                }
                sorted.insert(name.clone(), embedder);
            }
            shown = json!(sorted);
        }
        _ => shown = value.clone(),
    }
    shown
}

/// Shows only the start of an API key, as Meilisearch does (`12345XXXXXX...`).
fn hide_secret(secret: &mut String) {
    let (kept, mask) = match secret.len() {
        0..10 => (0, "XXX..."),
        10..20 => (2, "XXXX..."),
        20..30 => (3, "XXXXX..."),
        _ => (5, "XXXXXX..."),
    };
    let cut = (kept..=secret.len()).find(|i| secret.is_char_boundary(*i)).unwrap_or(secret.len());
    secret.replace_range(cut.., mask);
}

/// Lays the stored fields of an object-shaped setting over its default; an
/// object inside (`minWordSizeForTypos`) is laid field by field too, except
/// `sortFacetValuesBy`, which is replaced whole as Meilisearch replaces it.
fn overlay(shown: &mut Value, stored: &Value) {
    let (Some(shown), Some(stored)) = (shown.as_object_mut(), stored.as_object()) else {
        return;
    };
    for (key, value) in stored {
        match (shown.get_mut(key), value) {
            (_, Value::Null) => {}
            (Some(inner @ Value::Object(_)), Value::Object(_)) if key != "sortFacetValuesBy" => overlay(inner, value),
            _ => {
                shown.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::by_route;
    use super::*;

    fn stored(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_fresh_index_shows_meilisearch_defaults() {
        let expected = r#"{"displayedAttributes":["*"],"searchableAttributes":["*"],"filterableAttributes":[],"sortableAttributes":[],"rankingRules":["words","typo","proximity","attributeRank","sort","wordPosition","exactness"],"stopWords":[],"nonSeparatorTokens":[],"separatorTokens":[],"dictionary":[],"synonyms":{},"distinctAttribute":null,"proximityPrecision":"byWord","typoTolerance":{"enabled":true,"minWordSizeForTypos":{"oneTypo":5,"twoTypos":9},"disableOnWords":[],"disableOnAttributes":[],"disableOnNumbers":false},"faceting":{"maxValuesPerFacet":100,"sortFacetValuesBy":{"*":"alpha"}},"pagination":{"maxTotalHits":1000},"embedders":{},"searchCutoffMs":null,"localizedAttributes":null,"facetSearch":true,"prefixSearch":"indexingTime"}"#;
        assert_eq!(Value::Object(effective(&Map::new())).to_string(), expected);
        let chat = effective_one(by_route("chat").unwrap(), &Map::new()).to_string();
        assert_eq!(
            chat,
            r#"{"description":"","documentTemplate":"{% for field in fields %}{% if field.is_searchable and field.value != nil %}{{ field.name }}: {{ field.value }}\n{% endif %}{% endfor %}","documentTemplateMaxBytes":400,"searchParameters":{}}"#
        );
        assert_eq!(effective_one(by_route("foreign-keys").unwrap(), &Map::new()), json!([]));
    }

    #[test]
    fn secrets_are_hidden() {
        for (key, shown) in [
            ("123456789", "XXX..."),
            ("123456789012345678901234567890", "12345XXXXXX..."),
            ("ひらがな6789012345678901234567890", "ひらXXXXXX..."),
        ] {
            let mut key = key.to_owned();
            hide_secret(&mut key);
            assert_eq!(key, shown);
        }
        let s = stored(
            json!({"embedders": {"b": {"source": "rest", "apiKey": "123456789"}, "a": {"source": "userProvided"}}}),
        );
        let shown = effective_one(by_route("embedders").unwrap(), &s);
        assert_eq!(shown.to_string(), r#"{"a":{"source":"userProvided"},"b":{"source":"rest","apiKey":"XXX..."}}"#);
    }

    #[test]
    fn stored_fields_lie_over_the_defaults() {
        let s = stored(json!({
            "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 4}, "disableOnWords": ["batman"], "disableOnNumbers": true},
            "faceting": {"sortFacetValuesBy": {"genres": "count"}},
            "searchableAttributes": ["title", "*"],
            "displayedAttributes": ["title", "title", "year"],
            "distinctAttribute": "id",
        }));
        let typo = effective_one(by_route("typo-tolerance").unwrap(), &s);
        assert_eq!(
            typo.to_string(),
            r#"{"enabled":true,"minWordSizeForTypos":{"oneTypo":4,"twoTypos":9},"disableOnWords":["batman"],"disableOnAttributes":[],"disableOnNumbers":true}"#
        );
        let faceting = effective_one(by_route("faceting").unwrap(), &s);
        assert_eq!(
            faceting.to_string(),
            r#"{"maxValuesPerFacet":100,"sortFacetValuesBy":{"*":"alpha","genres":"count"}}"#
        );
        let all = effective(&s);
        assert_eq!(all["searchableAttributes"], json!(["*"]));
        assert_eq!(all["displayedAttributes"], json!(["title", "year"]));
        assert_eq!(all["distinctAttribute"], json!("id"));
    }
}
