//! Index settings end to end, against what the real Meilisearch 1.50 answers:
//! the routes and their methods, the defaults, set/get/reset round trips,
//! partial merges, validation errors and the tasks' details.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use common::{Resp, Server};
use serde_json::{json, Value};

const DEFAULTS: &str = r#"{"displayedAttributes":["*"],"searchableAttributes":["*"],"filterableAttributes":[],"sortableAttributes":[],"rankingRules":["words","typo","proximity","attributeRank","sort","wordPosition","exactness"],"stopWords":[],"nonSeparatorTokens":[],"separatorTokens":[],"dictionary":[],"synonyms":{},"distinctAttribute":null,"proximityPrecision":"byWord","typoTolerance":{"enabled":true,"minWordSizeForTypos":{"oneTypo":5,"twoTypos":9},"disableOnWords":[],"disableOnAttributes":[],"disableOnNumbers":false},"faceting":{"maxValuesPerFacet":100,"sortFacetValuesBy":{"*":"alpha"}},"pagination":{"maxTotalHits":1000},"embedders":{},"searchCutoffMs":null,"localizedAttributes":null,"facetSearch":true,"prefixSearch":"indexingTime"}"#;

/// Every sub-route, its write method and what a fresh index shows there.
const SUB_ROUTES: &[(&str, &str, &str)] = &[
    ("displayed-attributes", "PUT", r#"["*"]"#),
    ("searchable-attributes", "PUT", r#"["*"]"#),
    ("filterable-attributes", "PUT", "[]"),
    ("sortable-attributes", "PUT", "[]"),
    ("ranking-rules", "PUT", r#"["words","typo","proximity","attributeRank","sort","wordPosition","exactness"]"#),
    ("stop-words", "PUT", "[]"),
    ("non-separator-tokens", "PUT", "[]"),
    ("separator-tokens", "PUT", "[]"),
    ("dictionary", "PUT", "[]"),
    ("synonyms", "PUT", "{}"),
    ("distinct-attribute", "PUT", "null"),
    ("proximity-precision", "PUT", r#""byWord""#),
    (
        "typo-tolerance",
        "PATCH",
        r#"{"enabled":true,"minWordSizeForTypos":{"oneTypo":5,"twoTypos":9},"disableOnWords":[],"disableOnAttributes":[],"disableOnNumbers":false}"#,
    ),
    ("faceting", "PATCH", r#"{"maxValuesPerFacet":100,"sortFacetValuesBy":{"*":"alpha"}}"#),
    ("pagination", "PATCH", r#"{"maxTotalHits":1000}"#),
    ("embedders", "PATCH", "{}"),
    ("search-cutoff-ms", "PUT", "null"),
    ("localized-attributes", "PUT", "null"),
    ("facet-search", "PUT", "true"),
    ("prefix-search", "PUT", r#""indexingTime""#),
    (
        "chat",
        "PATCH",
        r#"{"description":"","documentTemplate":"{% for field in fields %}{% if field.is_searchable and field.value != nil %}{{ field.name }}: {{ field.value }}\n{% endif %}{% endfor %}","documentTemplateMaxBytes":400,"searchParameters":{}}"#,
    ),
];

fn create_index(s: &Server, uid: &str) {
    let t = s.wait_task(s.post_json("/indexes", &json!({"uid": uid})).json()["taskUid"].as_u64().unwrap());
    assert_eq!(t["status"], "succeeded", "{t}");
}

/// Sends a settings write, expects `202` and a `settingsUpdate` task, and
/// returns the finished task.
fn write(s: &Server, method: &str, path: &str, body: &Value) -> Value {
    let resp = s.send_json(method, path, body);
    assert_eq!(resp.status, 202, "{method} {path}: {}", String::from_utf8_lossy(&resp.body));
    let summary = resp.json();
    assert_eq!(summary["type"], "settingsUpdate", "{summary}");
    assert_eq!(summary["status"], "enqueued", "{summary}");
    s.wait_task(summary["taskUid"].as_u64().unwrap())
}

fn succeeded(task: Value) -> Value {
    assert_eq!(task["status"], "succeeded", "{task}");
    task["details"].clone()
}

fn compact(resp: &Resp) -> String {
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json().to_string()
}

fn error_message(resp: &Resp, code: &str) -> String {
    resp.assert_error(400, code)["message"].as_str().unwrap().to_owned()
}

#[test]
fn routes_methods_and_defaults() {
    let s = Server::start();
    create_index(&s, "x");
    assert_eq!(compact(&s.get("/indexes/x/settings")), DEFAULTS);
    for (route, write_method, default) in SUB_ROUTES {
        let path = format!("/indexes/x/settings/{route}");
        assert_eq!(compact(&s.get(&path)), *default, "{path}");
        for method in ["PUT", "PATCH", "POST"] {
            if method != *write_method {
                s.request(method, &path, &[("Content-Type", "application/json")], b"null")
                    .assert_error(405, "method_not_allowed");
            }
        }
        s.get(&format!("/indexes/missing/settings/{route}")).assert_error(404, "index_not_found");
    }
    for method in ["PUT", "POST"] {
        s.request(method, "/indexes/x/settings", &[("Content-Type", "application/json")], b"{}")
            .assert_error(405, "method_not_allowed");
    }
    for route in ["vector-store", "foo-bar", "rankingRules"] {
        assert_eq!(s.get(&format!("/indexes/x/settings/{route}")).status, 404);
        assert_eq!(s.delete(&format!("/indexes/x/settings/{route}")).status, 404);
    }
    let missing = s.get("/indexes/missing/settings").assert_error(404, "index_not_found");
    assert_eq!(missing["message"], "Index `missing` not found.");
    s.send_json("PATCH", "/indexes/BAD%20UID/settings", &json!({})).assert_error(400, "invalid_index_uid");
}

#[test]
fn every_sub_route_writes_and_resets() {
    let s = Server::start();
    create_index(&s, "x");
    let values = [
        ("displayed-attributes", json!(["title", "year"])),
        ("searchable-attributes", json!(["title"])),
        ("filterable-attributes", json!(["genres"])),
        ("sortable-attributes", json!(["year"])),
        ("ranking-rules", json!(["sort", "words"])),
        ("stop-words", json!(["a", "an"])),
        ("non-separator-tokens", json!(["@"])),
        ("separator-tokens", json!(["|"])),
        ("dictionary", json!(["J. R. R."])),
        ("synonyms", json!({"batman": ["bruce wayne"]})),
        ("distinct-attribute", json!("title")),
        ("proximity-precision", json!("byAttribute")),
        ("faceting", json!({"maxValuesPerFacet": 50, "sortFacetValuesBy": {"*": "alpha"}})),
        ("pagination", json!({"maxTotalHits": 500})),
        ("search-cutoff-ms", json!(150)),
        ("localized-attributes", json!([{"attributePatterns": ["*_ja"], "locales": ["jpn"]}])),
        ("facet-search", json!(false)),
        ("prefix-search", json!("disabled")),
    ];
    for (route, value) in &values {
        let (_, method, default) = SUB_ROUTES.iter().find(|(r, _, _)| r == route).unwrap();
        let path = format!("/indexes/x/settings/{route}");
        write(&s, method, &path, value);
        assert_eq!(s.get(&path).json(), *value, "{path}");
        write(&s, "DELETE", &path, &Value::Null);
        assert_eq!(compact(&s.get(&path)), *default, "{path} after DELETE");
        write(&s, method, &path, value);
        write(&s, method, &path, &Value::Null);
        assert_eq!(compact(&s.get(&path)), *default, "{path} after {method} null");
    }
    assert_eq!(compact(&s.get("/indexes/x/settings")), DEFAULTS);
    // DELETE /settings/chat is a reset, always accepted.
    let details = succeeded(write(&s, "DELETE", "/indexes/x/settings/chat", &Value::Null));
    assert_eq!(details, json!({"chat": null}));
}

#[test]
fn whole_settings_round_trip_and_reset() {
    let s = Server::start();
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
    // On a missing index: the task creates it.
    let task = write(&s, "PATCH", "/indexes/movies/settings", &body);
    assert_eq!(task["indexUid"], "movies");
    assert_eq!(
        succeeded(task).to_string(),
        r#"{"searchableAttributes":["title","overview"],"filterableAttributes":["genres","year"],"rankingRules":["words","typo","proximity","attributeRank","sort","wordPosition","exactness","year:desc"],"stopWords":["the"],"synonyms":{"batman":["bruce wayne"]},"distinctAttribute":"id","typoTolerance":{"minWordSizeForTypos":{"oneTypo":4}},"faceting":{"maxValuesPerFacet":50},"pagination":{"maxTotalHits":500},"searchCutoffMs":150}"#
    );
    let all = s.get("/indexes/movies/settings").json();
    assert_eq!(all["searchableAttributes"], json!(["title", "overview"]));
    assert_eq!(all["rankingRules"][7], "year:desc");
    assert_eq!(all["typoTolerance"]["minWordSizeForTypos"], json!({"oneTypo": 4, "twoTypos": 9}));
    assert_eq!(all["faceting"], json!({"maxValuesPerFacet": 50, "sortFacetValuesBy": {"*": "alpha"}}));
    assert_eq!(all["pagination"], json!({"maxTotalHits": 500}));
    assert_eq!(all["distinctAttribute"], "id");
    assert_eq!(all["searchCutoffMs"], 150);

    let reset = succeeded(write(&s, "DELETE", "/indexes/movies/settings", &Value::Null));
    assert_eq!(
        reset.to_string(),
        r#"{"displayedAttributes":["*"],"searchableAttributes":["*"],"filterableAttributes":null,"sortableAttributes":null,"foreignKeys":null,"rankingRules":null,"stopWords":null,"nonSeparatorTokens":null,"separatorTokens":null,"dictionary":null,"synonyms":null,"distinctAttribute":null,"proximityPrecision":null,"typoTolerance":null,"faceting":null,"pagination":null,"embedders":null,"searchCutoffMs":null,"localizedAttributes":null,"facetSearch":null,"prefixSearch":null,"chat":null}"#
    );
    assert_eq!(compact(&s.get("/indexes/movies/settings")), DEFAULTS);

    assert_eq!(succeeded(write(&s, "PATCH", "/indexes/movies/settings", &json!({}))), json!({}));
    let nulls = json!({"rankingRules": null, "stopWords": null});
    assert_eq!(succeeded(write(&s, "PATCH", "/indexes/movies/settings", &nulls)), nulls);
    let types = s.get("/tasks?types=settingsUpdate&limit=2").json();
    assert_eq!(types["results"].as_array().unwrap().len(), 2);
}

#[test]
fn nested_objects_merge_and_tasks_echo_what_was_sent() {
    let s = Server::start();
    create_index(&s, "x");
    let typo = "/indexes/x/settings/typo-tolerance";
    write(&s, "PATCH", typo, &json!({"minWordSizeForTypos": {"oneTypo": 4}}));
    let details = succeeded(write(&s, "PATCH", typo, &json!({"disableOnWords": ["batman"], "disableOnNumbers": true})));
    assert_eq!(details.to_string(), r#"{"typoTolerance":{"disableOnWords":["batman"],"disableOnNumbers":true}}"#);
    assert_eq!(
        compact(&s.get(typo)),
        r#"{"enabled":true,"minWordSizeForTypos":{"oneTypo":4,"twoTypos":9},"disableOnWords":["batman"],"disableOnAttributes":[],"disableOnNumbers":true}"#
    );
    write(&s, "PATCH", typo, &json!({"enabled": false}));
    let shown = s.get(typo).json();
    assert_eq!((shown["enabled"].clone(), shown["minWordSizeForTypos"]["oneTypo"].clone()), (json!(false), json!(4)));
    write(&s, "PATCH", typo, &json!({"minWordSizeForTypos": null}));
    assert_eq!(s.get(typo).json()["minWordSizeForTypos"], json!({"oneTypo": 5, "twoTypos": 9}));
    assert_eq!(succeeded(write(&s, "DELETE", typo, &Value::Null)), json!({"typoTolerance": null}));
    assert_eq!(s.get(typo).json()["enabled"], true);

    let faceting = "/indexes/x/settings/faceting";
    write(&s, "PATCH", faceting, &json!({"sortFacetValuesBy": {"genres": "count"}}));
    write(&s, "PATCH", faceting, &json!({"maxValuesPerFacet": 10}));
    assert_eq!(
        compact(&s.get(faceting)),
        r#"{"maxValuesPerFacet":10,"sortFacetValuesBy":{"*":"alpha","genres":"count"}}"#
    );

    let details = succeeded(write(&s, "PUT", "/indexes/x/settings/stop-words", &json!(["an", "a"])));
    assert_eq!(details, json!({"stopWords": ["a", "an"]}));
    let details = succeeded(write(&s, "DELETE", "/indexes/x/settings/searchable-attributes", &Value::Null));
    assert_eq!(details, json!({"searchableAttributes": ["*"]}), "not null");
    assert_eq!(
        succeeded(write(&s, "PUT", "/indexes/x/settings/ranking-rules", &Value::Null)),
        json!({"rankingRules": null})
    );
    let details = succeeded(write(&s, "PUT", "/indexes/x/settings/distinct-attribute", &json!("title")));
    assert_eq!(details, json!({"distinctAttribute": "title"}));

    // A `*` anywhere means every attribute; the task shows what was sent.
    let body = json!({"searchableAttributes": ["*", "title"], "displayedAttributes": ["title", "*"]});
    let details = succeeded(write(&s, "PATCH", "/indexes/x/settings", &body));
    assert_eq!(details, json!({"displayedAttributes": ["title", "*"], "searchableAttributes": ["*", "title"]}));
    let all = s.get("/indexes/x/settings").json();
    assert_eq!((all["displayedAttributes"].clone(), all["searchableAttributes"].clone()), (json!(["*"]), json!(["*"])));

    let granular = json!([{"attributePatterns": ["genres"], "features": {"facetSearch": true, "filter": {"equality": true, "comparison": false}}}]);
    let details = succeeded(write(&s, "PUT", "/indexes/x/settings/filterable-attributes", &granular));
    assert_eq!(details, json!({"filterableAttributes": granular}));
    assert_eq!(s.get("/indexes/x/settings/filterable-attributes").json(), granular);

    for rules in [json!(["title:asc"]), json!(["attribute"]), json!(["attribute", "words"]), json!(["words", "words"])]
    {
        succeeded(write(&s, "PUT", "/indexes/x/settings/ranking-rules", &rules));
        assert_eq!(s.get("/indexes/x/settings/ranking-rules").json(), rules, "stored as given");
    }
}

#[test]
fn typo_sizes_are_checked_against_the_stored_ones_when_the_task_runs() {
    let s = Server::start();
    create_index(&s, "x");
    let task =
        write(&s, "PATCH", "/indexes/x/settings", &json!({"typoTolerance": {"minWordSizeForTypos": {"oneTypo": 10}}}));
    assert_eq!(task["status"], "failed", "{task}");
    assert_eq!(task["details"], json!({"typoTolerance": {"minWordSizeForTypos": {"oneTypo": 10}}}));
    assert_eq!(
        task["error"],
        json!({"message": "Index `x`: `minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: 10` and twoTypos: 9`.", "code": "invalid_settings_typo_tolerance", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#invalid_settings_typo_tolerance"})
    );
    assert_eq!(
        s.get("/indexes/x/settings/typo-tolerance").json()["minWordSizeForTypos"]["oneTypo"],
        5,
        "nothing changed"
    );
    let ok =
        write(&s, "PATCH", "/indexes/x/settings/typo-tolerance", &json!({"minWordSizeForTypos": {"twoTypos": 12}}));
    assert_eq!(ok["status"], "succeeded", "{ok}");
    let ok = write(&s, "PATCH", "/indexes/x/settings/typo-tolerance", &json!({"minWordSizeForTypos": {"oneTypo": 10}}));
    assert_eq!(ok["status"], "succeeded", "{ok}");
}

#[test]
fn invalid_bodies_get_meilisearch_errors_and_enqueue_nothing() {
    let s = Server::start();
    create_index(&s, "x");
    let before = s.get("/tasks").json()["total"].clone();
    let patch = |body: Value| s.send_json("PATCH", "/indexes/x/settings", &body);
    let rules_hint = "ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, exactness and custom ranking rules.";
    assert_eq!(
        error_message(&patch(json!({"rankingRules": ["foo"]})), "invalid_settings_ranking_rules"),
        format!("Invalid value at `.rankingRules[0]`: `foo` {rules_hint}")
    );
    assert_eq!(
        error_message(
            &s.send_json("PUT", "/indexes/x/settings/ranking-rules", &json!(["title:up"])),
            "invalid_settings_ranking_rules"
        ),
        format!("Invalid value at `[0]`: `title:up` {rules_hint}")
    );
    assert_eq!(
        error_message(
            &s.send_json("PUT", "/indexes/x/settings/searchable-attributes", &json!("title")),
            "invalid_settings_searchable_attributes"
        ),
        "Invalid value type: expected an array, but found a string: `\"title\"`"
    );
    assert_eq!(
        error_message(&patch(json!({"stopWords": [1, 2]})), "invalid_settings_stop_words"),
        "Invalid value type at `.stopWords[0]`: expected a string, but found a positive integer: `1`"
    );
    assert_eq!(
        error_message(
            &s.send_json("PATCH", "/indexes/x/settings/typo-tolerance", &json!({"minWordSizeForTypos": {"oneTypo": 10, "twoTypos": 3}})),
            "invalid_settings_typo_tolerance"
        ),
        "Invalid value at `.minWordSizeForTypos`: `minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: 10` and twoTypos: 3`."
    );
    assert_eq!(
        error_message(
            &s.send_json("PATCH", "/indexes/x/settings/pagination", &json!({"maxTotalHits": -1})),
            "invalid_settings_pagination"
        ),
        "Invalid value type at `.maxTotalHits`: expected a positive integer, but found a negative integer: `-1`"
    );
    assert_eq!(
        error_message(&patch(json!({"faceting": {"sortFacetValuesBy": {"*": "bogus"}}})), "invalid_settings_faceting"),
        "Unknown value `bogus` at `.faceting.sortFacetValuesBy.*`: expected one of `alpha`, `count`"
    );
    let unknown = error_message(&patch(json!({"ranking_rules": ["words"]})), "bad_request");
    assert!(
        unknown.starts_with(
            "Unknown field `ranking_rules`: did you mean `rankingRules`? expected one of `displayedAttributes`,"
        ),
        "{unknown}"
    );
    assert!(unknown.ends_with("`facetSearch`, `prefixSearch`, `chat`"), "{unknown}");
    for (body, code) in [
        (json!({"displayedAttributes": 1}), "invalid_settings_displayed_attributes"),
        (json!({"filterableAttributes": [1]}), "invalid_settings_filterable_attributes"),
        (json!({"sortableAttributes": 1}), "invalid_settings_sortable_attributes"),
        (json!({"nonSeparatorTokens": 1}), "invalid_settings_non_separator_tokens"),
        (json!({"separatorTokens": 1}), "invalid_settings_separator_tokens"),
        (json!({"dictionary": 1}), "invalid_settings_dictionary"),
        (json!({"synonyms": ["a"]}), "invalid_settings_synonyms"),
        (json!({"distinctAttribute": 1}), "invalid_settings_distinct_attribute"),
        (json!({"proximityPrecision": "bogus"}), "invalid_settings_proximity_precision"),
        (json!({"typoTolerance": {"foo": 1}}), "invalid_settings_typo_tolerance"),
        (json!({"pagination": {"maxTotalHits": 0}}), "invalid_settings_pagination"),
        (json!({"faceting": {"maxValuesPerFacet": "a"}}), "invalid_settings_faceting"),
        (json!({"embedders": []}), "invalid_settings_embedders"),
        (json!({"searchCutoffMs": -5}), "invalid_settings_search_cutoff_ms"),
        (
            json!({"localizedAttributes": [{"attributePatterns": ["*"], "locales": ["xx"]}]}),
            "invalid_settings_localized_attributes",
        ),
        (json!({"facetSearch": "yes"}), "invalid_settings_facet_search"),
        (json!({"prefixSearch": "bogus"}), "invalid_settings_prefix_search"),
        (json!({"fooBar": 1}), "bad_request"),
        (json!([]), "bad_request"),
        (json!({"foreignKeys": []}), "feature_not_enabled"),
        (json!({"chat": {}}), "feature_not_enabled"),
    ] {
        patch(body).assert_error(400, code);
    }
    let json_ct = [("Content-Type", "application/json")];
    s.request("PATCH", "/indexes/x/settings", &json_ct, b"not json").assert_error(400, "malformed_payload");
    s.request("PATCH", "/indexes/x/settings", &json_ct, b"").assert_error(400, "missing_payload");
    s.request("PATCH", "/indexes/x/settings", &[], b"{}").assert_error(415, "missing_content_type");
    s.send_json("PATCH", "/indexes/x/settings/chat", &json!({})).assert_error(400, "feature_not_enabled");
    assert_eq!(s.get("/tasks").json()["total"], before, "no refused request enqueued anything");
}
