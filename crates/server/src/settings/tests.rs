//! Settings bodies against the responses of the real Meilisearch 1.50
//! (captured byte for byte): codes, messages, and the task's details.

use serde_json::{json, Value};
use task_model::Code;

use super::*;

/// The error a whole-settings body gets: (code, message).
fn all_err(body: Value) -> (String, String) {
    let e = read_all(&body).unwrap_err().response_error();
    (e.code.name(), e.message)
}

fn one_err(route: &str, body: Value) -> (String, String) {
    let setting = by_route(route).unwrap();
    let e = read_one(setting, &body).unwrap_err().response_error();
    (e.code.name(), e.message)
}

fn pair(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

const RULES_HINT: &str = "ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, exactness and custom ranking rules.";

const KEYS: &str = "`displayedAttributes`, `searchableAttributes`, `filterableAttributes`, `sortableAttributes`, `foreignKeys`, `rankingRules`, `stopWords`, `nonSeparatorTokens`, `separatorTokens`, `dictionary`, `synonyms`, `distinctAttribute`, `proximityPrecision`, `typoTolerance`, `faceting`, `pagination`, `embedders`, `searchCutoffMs`, `localizedAttributes`, `facetSearch`, `prefixSearch`, `chat`";

const MIN_WORD_SIZE: &str = "`minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: 10` and twoTypos: 3`.";

#[test]
fn whole_settings_errors_match_meilisearch() {
    let cases = [
        (json!({"rankingRules": ["foo"]}), "invalid_settings_ranking_rules", format!("Invalid value at `.rankingRules[0]`: `foo` {RULES_HINT}")),
        (json!({"rankingRules": ["title:up"]}), "invalid_settings_ranking_rules", format!("Invalid value at `.rankingRules[0]`: `title:up` {RULES_HINT}")),
        (json!({"rankingRules": "words"}), "invalid_settings_ranking_rules", "Invalid value type at `.rankingRules`: expected an array, but found a string: `\"words\"`".into()),
        (json!({"searchableAttributes": "title"}), "invalid_settings_searchable_attributes", "Invalid value type at `.searchableAttributes`: expected an array, but found a string: `\"title\"`".into()),
        (json!({"stopWords": "the"}), "invalid_settings_stop_words", "Invalid value type at `.stopWords`: expected an array, but found a string: `\"the\"`".into()),
        (json!({"stopWords": [1, 2]}), "invalid_settings_stop_words", "Invalid value type at `.stopWords[0]`: expected a string, but found a positive integer: `1`".into()),
        (json!({"typoTolerance": {"minWordSizeForTypos": {"oneTypo": 10, "twoTypos": 3}}}), "invalid_settings_typo_tolerance", format!("Invalid value at `.typoTolerance.minWordSizeForTypos`: {MIN_WORD_SIZE}")),
        (json!({"typoTolerance": {"foo": 1}}), "invalid_settings_typo_tolerance", "Unknown field `foo` inside `.typoTolerance`: expected one of `enabled`, `minWordSizeForTypos`, `disableOnWords`, `disableOnAttributes`, `disableOnNumbers`".into()),
        (json!({"typoTolerance": {"enabled": "yes"}}), "invalid_settings_typo_tolerance", "Invalid value type at `.typoTolerance.enabled`: expected a boolean, but found a string: `\"yes\"`".into()),
        (json!({"pagination": {"maxTotalHits": -1}}), "invalid_settings_pagination", "Invalid value type at `.pagination.maxTotalHits`: expected a positive integer, but found a negative integer: `-1`".into()),
        (json!({"pagination": {"maxTotalHits": 0}}), "invalid_settings_pagination", "Invalid value at `.pagination.maxTotalHits`: a non-zero integer value lower than `18446744073709551615` was expected, but found a zero".into()),
        (json!({"faceting": {"maxValuesPerFacet": "a"}}), "invalid_settings_faceting", "Invalid value type at `.faceting.maxValuesPerFacet`: expected a positive integer, but found a string: `\"a\"`".into()),
        (json!({"faceting": {"sortFacetValuesBy": {"*": "bogus"}}}), "invalid_settings_faceting", "Unknown value `bogus` at `.faceting.sortFacetValuesBy.*`: expected one of `alpha`, `count`".into()),
        (json!({"fooBar": 1}), "bad_request", format!("Unknown field `fooBar`: expected one of {KEYS}")),
        (json!({"ranking_rules": ["words"]}), "bad_request", format!("Unknown field `ranking_rules`: did you mean `rankingRules`? expected one of {KEYS}")),
        (json!({"displayedAttributes": 1}), "invalid_settings_displayed_attributes", "Invalid value type at `.displayedAttributes`: expected an array, but found a positive integer: `1`".into()),
        (json!({"distinctAttribute": 1}), "invalid_settings_distinct_attribute", "Invalid value type at `.distinctAttribute`: expected a string, but found a positive integer: `1`".into()),
        (json!({"synonyms": ["a"]}), "invalid_settings_synonyms", "Invalid value type at `.synonyms`: expected an object, but found an array: `[\"a\"]`".into()),
        (json!({"proximityPrecision": "bogus"}), "invalid_settings_proximity_precision", "Unknown value `bogus` at `.proximityPrecision`: expected one of `byWord`, `byAttribute`".into()),
        (json!({"searchCutoffMs": -5}), "invalid_settings_search_cutoff_ms", "Invalid value type at `.searchCutoffMs`: expected a positive integer, but found a negative integer: `-5`".into()),
        (json!({"prefixSearch": "bogus"}), "invalid_settings_prefix_search", "Unknown value `bogus` at `.prefixSearch`: expected one of `indexingTime`, `disabled`".into()),
        (json!({"facetSearch": "yes"}), "invalid_settings_facet_search", "Invalid value type at `.facetSearch`: expected a boolean, but found a string: `\"yes\"`".into()),
        (json!({"filterableAttributes": [1]}), "invalid_settings_filterable_attributes", "Invalid value type at `.filterableAttributes[0]`: expected a string, but found a positive integer: `1`".into()),
        (json!({"sortableAttributes": "doggo"}), "invalid_settings_sortable_attributes", "Invalid value type at `.sortableAttributes`: expected an array, but found a string: `\"doggo\"`".into()),
        (json!({"separatorTokens": [true]}), "invalid_settings_separator_tokens", "Invalid value type at `.separatorTokens[0]`: expected a string, but found a boolean: `true`".into()),
        (json!({"nonSeparatorTokens": {}}), "invalid_settings_non_separator_tokens", "Invalid value type at `.nonSeparatorTokens`: expected an array, but found an object: `{}`".into()),
        (json!({"dictionary": "J. R. R."}), "invalid_settings_dictionary", "Invalid value type at `.dictionary`: expected an array, but found a string: `\"J. R. R.\"`".into()),
        (json!({"embedders": []}), "invalid_settings_embedders", "Invalid value type at `.embedders`: expected an object, but found an array: `[]`".into()),
        (json!([]), "bad_request", "Invalid value type: expected an object, but found an array: `[]`".into()),
        (json!({"foreignKeys": []}), "feature_not_enabled", "setting `foreignKeys` in the index settings requires enabling the `foreign_keys` experimental feature. See https://github.com/orgs/meilisearch/discussions/873".into()),
        (json!({"chat": {}}), "feature_not_enabled", "setting `chat` in the index settings requires enabling the `chat completions` experimental feature. See https://github.com/orgs/meilisearch/discussions/835".into()),
        (json!({"rankingRules": ["attribute", "wordPosition"]}), "invalid_settings_ranking_rules", "Mixed usage of the attribute, attributeRank, and wordPosition ranking rules. You must either use the attribute ranking rule alone or the attributeRank and wordPosition ranking rules.".into()),
    ];
    for (body, code, message) in cases {
        assert_eq!(all_err(body.clone()), pair(code, &message), "{body}");
    }
}

#[test]
fn the_first_error_in_the_body_wins() {
    let (_, m) = all_err(json!({"stopWords": 1, "fooBar": 1}));
    assert!(m.contains("`.stopWords`"), "{m}");
    let (code, _) = all_err(json!({"fooBar": 1, "stopWords": 1}));
    assert_eq!(code, "bad_request");
    // Checks after reading come after every reading error.
    let (code, _) = all_err(json!({"chat": {}, "rankingRules": ["foo"]}));
    assert_eq!(code, "invalid_settings_ranking_rules");
}

#[test]
fn localized_attributes_list_every_locale() {
    let (code, m) = all_err(json!({"localizedAttributes": [{"attributePatterns": ["*"], "locales": ["xx"]}]}));
    assert_eq!(code, "invalid_settings_localized_attributes");
    assert!(
        m.starts_with("Unknown value `xx` at `.localizedAttributes[0].locales[0]`: expected one of `af`, `ak`, `am`,"),
        "{m}"
    );
    assert!(m.ends_with("`yid`, `zho`, `zul`, `cmn`"), "{m}");
}

#[test]
fn sub_route_errors_match_meilisearch() {
    let cases = [
        ("ranking-rules", json!(["foo"]), "invalid_settings_ranking_rules", format!("Invalid value at `[0]`: `foo` {RULES_HINT}")),
        ("ranking-rules", json!(["title:up"]), "invalid_settings_ranking_rules", format!("Invalid value at `[0]`: `title:up` {RULES_HINT}")),
        ("searchable-attributes", json!("title"), "invalid_settings_searchable_attributes", "Invalid value type: expected an array, but found a string: `\"title\"`".into()),
        ("displayed-attributes", json!(1), "invalid_settings_displayed_attributes", "Invalid value type: expected an array, but found a positive integer: `1`".into()),
        ("typo-tolerance", json!({"minWordSizeForTypos": {"oneTypo": 10, "twoTypos": 3}}), "invalid_settings_typo_tolerance", format!("Invalid value at `.minWordSizeForTypos`: {MIN_WORD_SIZE}")),
        ("pagination", json!({"maxTotalHits": -1}), "invalid_settings_pagination", "Invalid value type at `.maxTotalHits`: expected a positive integer, but found a negative integer: `-1`".into()),
        ("pagination", json!({"maxTotalHits": 0}), "invalid_settings_pagination", "Invalid value at `.maxTotalHits`: a non-zero integer value lower than `18446744073709551615` was expected, but found a zero".into()),
        ("search-cutoff-ms", json!("doggo"), "invalid_settings_search_cutoff_ms", "Invalid value type: expected a positive integer, but found a string: `\"doggo\"`".into()),
        ("distinct-attribute", json!(["doggo"]), "invalid_settings_distinct_attribute", "Invalid value type: expected a string, but found an array: `[\"doggo\"]`".into()),
        ("typo-tolerance", json!({"typoTolerance": {}}), "invalid_settings_typo_tolerance", "Unknown field `typoTolerance`: expected one of `enabled`, `minWordSizeForTypos`, `disableOnWords`, `disableOnAttributes`, `disableOnNumbers`".into()),
        ("ranking-rules", json!(["attribute", "attributeRank"]), "invalid_settings_ranking_rules", "Mixed usage of the attribute, attributeRank, and wordPosition ranking rules. You must either use the attribute ranking rule alone or the attributeRank and wordPosition ranking rules.".into()),
        ("chat", json!({}), "feature_not_enabled", "setting `chat` in the index settings requires enabling the `chat completions` experimental feature. See https://github.com/orgs/meilisearch/discussions/835".into()),
        ("chat", json!(1), "invalid_settings_index_chat", "Invalid value type: expected an object, but found a positive integer: `1`".into()),
    ];
    for (route, body, code, message) in cases {
        assert_eq!(one_err(route, body.clone()), pair(code, &message), "{route} {body}");
    }
}

#[test]
fn accepted_bodies() {
    for rules in [json!(["title:asc"]), json!(["attribute"]), json!(["attribute", "words"]), json!(["words", "words"])]
    {
        let change = read_all(&json!({"rankingRules": rules})).unwrap();
        assert_eq!(change.details["rankingRules"], rules);
    }
    let change = read_all(&json!({})).unwrap();
    assert!(change.details.is_empty() && change.apply.is_empty());
    let change = read_all(&json!({"rankingRules": null, "stopWords": null})).unwrap();
    assert_eq!(Value::Object(change.details).to_string(), r#"{"rankingRules":null,"stopWords":null}"#);
    let change =
        read_all(&json!({"searchableAttributes": ["*", "title"], "displayedAttributes": ["title", "*"]})).unwrap();
    assert_eq!(change.details["searchableAttributes"], json!(["*", "title"]), "echoed verbatim");
    assert_eq!(change.apply["searchableAttributes"], Value::Null, "stored as the default");
    assert_eq!(change.apply["displayedAttributes"], Value::Null);
    // The chat and the foreign keys can always be reset.
    assert!(read_one(by_route("chat").unwrap(), &Value::Null).is_ok());
    assert!(read_all(&json!({"foreignKeys": null, "chat": null})).is_ok());
}

#[test]
fn task_details_are_in_meilisearch_key_order() {
    let body = json!({
        "rankingRules": ["words", "typo", "proximity", "attributeRank", "sort", "wordPosition", "exactness", "year:desc"],
        "searchableAttributes": ["title", "overview"],
        "filterableAttributes": ["genres", "year"],
        "stopWords": ["the"],
        "synonyms": {"batman": ["bruce wayne"]},
        "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 4}},
        "pagination": {"maxTotalHits": 500},
        "faceting": {"maxValuesPerFacet": 50},
        "distinctAttribute": "id",
        "searchCutoffMs": 150,
    });
    let change = read_all(&body).unwrap();
    assert_eq!(
        Value::Object(change.details).to_string(),
        r#"{"searchableAttributes":["title","overview"],"filterableAttributes":["genres","year"],"rankingRules":["words","typo","proximity","attributeRank","sort","wordPosition","exactness","year:desc"],"stopWords":["the"],"synonyms":{"batman":["bruce wayne"]},"distinctAttribute":"id","typoTolerance":{"minWordSizeForTypos":{"oneTypo":4}},"faceting":{"maxValuesPerFacet":50},"pagination":{"maxTotalHits":500},"searchCutoffMs":150}"#
    );
}

#[test]
fn resets_show_as_meilisearch_shows_them() {
    assert_eq!(
        Value::Object(reset_all().details).to_string(),
        r#"{"displayedAttributes":["*"],"searchableAttributes":["*"],"filterableAttributes":null,"sortableAttributes":null,"foreignKeys":null,"rankingRules":null,"stopWords":null,"nonSeparatorTokens":null,"separatorTokens":null,"dictionary":null,"synonyms":null,"distinctAttribute":null,"proximityPrecision":null,"typoTolerance":null,"faceting":null,"pagination":null,"embedders":null,"searchCutoffMs":null,"localizedAttributes":null,"facetSearch":null,"prefixSearch":null,"chat":null}"#
    );
    assert!(reset_all().apply.values().all(Value::is_null));
    let searchable = reset_one(by_route("searchable-attributes").unwrap());
    assert_eq!(Value::Object(searchable.details).to_string(), r#"{"searchableAttributes":["*"]}"#);
    assert_eq!(Value::Object(searchable.apply).to_string(), r#"{"searchableAttributes":null}"#);
    let typo = reset_one(by_route("typo-tolerance").unwrap());
    assert_eq!(Value::Object(typo.details).to_string(), r#"{"typoTolerance":null}"#);
    let rules = read_one(by_route("ranking-rules").unwrap(), &Value::Null).unwrap();
    assert_eq!(Value::Object(rules.details).to_string(), r#"{"rankingRules":null}"#, "PUT null is a reset");
}

#[test]
fn sub_route_changes() {
    let typo = by_route("typo-tolerance").unwrap();
    let change = read_one(typo, &json!({"disableOnNumbers": true, "disableOnWords": ["Batman"]})).unwrap();
    assert_eq!(
        Value::Object(change.details).to_string(),
        r#"{"typoTolerance":{"disableOnWords":["Batman"],"disableOnNumbers":true}}"#
    );
    assert_eq!(change.apply["typoTolerance"], json!({"disableOnWords": ["batman"], "disableOnNumbers": true}));
    let stop = read_one(by_route("stop-words").unwrap(), &json!(["an", "a", "an"])).unwrap();
    assert_eq!(Value::Object(stop.details).to_string(), r#"{"stopWords":["a","an"]}"#);
    let granular = json!([{"attributePatterns": ["genres"], "features": {"facetSearch": true, "filter": {"equality": true, "comparison": false}}}]);
    let filterable = read_one(by_route("filterable-attributes").unwrap(), &granular).unwrap();
    assert_eq!(filterable.details["filterableAttributes"], granular);
    assert_eq!(filterable.apply["filterableAttributes"], granular);
}

#[test]
fn routes_and_methods() {
    let routes: Vec<(&str, bool)> = SETTINGS.iter().map(|s| (s.route, s.patch)).collect();
    assert_eq!(routes.len(), 22);
    let patched: Vec<&str> = routes.iter().filter(|(_, p)| *p).map(|(r, _)| *r).collect();
    assert_eq!(patched, ["typo-tolerance", "faceting", "pagination", "embedders", "chat"]);
    assert!(by_route("rankingRules").is_none() && by_route("vector-store").is_none());
    assert_eq!(by_route("search-cutoff-ms").unwrap().code, Code::InvalidSettingsSearchCutoffMs);
}
