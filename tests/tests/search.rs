//! Search end to end: the search index follows the documents through
//! updates, deletions, settings, swaps, deploys, restarts and kill -9.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use serde_json::{json, Value};

fn search(s: &Server, index: &str, body: Value) -> Value {
    let resp = s.post_json(&format!("/indexes/{index}/search"), &body);
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json()
}

fn ids(result: &Value) -> Vec<String> {
    result["hits"].as_array().unwrap().iter().map(|h| h["id"].to_string().trim_matches('"').to_owned()).collect()
}

fn add(s: &Server, index: &str, method: &str, docs: Value) -> Value {
    let uid =
        s.enqueue(method, &format!("/indexes/{index}/documents"), "application/json", docs.to_string().as_bytes());
    let task = s.wait_task(uid);
    assert_eq!(task["status"], "succeeded", "{task}");
    task
}

/// The message of the `invalid_search_filter` error `filter` gets.
fn filter_error(s: &Server, index: &str, filter: &str) -> Value {
    let resp = s.post_json(&format!("/indexes/{index}/search"), &json!({"filter": filter}));
    resp.assert_error(400, "invalid_search_filter")["message"].clone()
}

fn settle(s: &Server, resp: common::Resp) -> Value {
    assert_eq!(resp.status, 202, "{}", String::from_utf8_lossy(&resp.body));
    let task = s.wait_task(resp.json()["taskUid"].as_u64().unwrap());
    assert_eq!(task["status"], "succeeded", "{task}");
    task
}

/// A word of four letters for `i`: too short for typos, so that it finds
/// its own document only.
fn word(i: u64) -> String {
    (0..4).map(|k| char::from(b'a' + (i / 26u64.pow(k) % 26) as u8)).collect()
}

/// Documents `from..to`: each has a word of its own and a word all share.
fn numbered(from: u64, to: u64) -> String {
    (from..to).map(|i| format!("{{\"id\":{i},\"text\":\"common {} words\"}}\n", word(i))).collect()
}

#[test]
fn the_index_follows_updates_deletions_and_settings() {
    let s = Server::start();
    add(
        &s,
        "books",
        "POST",
        json!([
            {"id": 1, "title": "Dune", "text": "desert planet spice"},
            {"id": 2, "title": "Emma", "text": "village matchmaking"},
        ]),
    );
    assert_eq!(ids(&search(&s, "books", json!({"q": "spice"}))), ["1"]);
    // A partial update is searched as merged; the old words go.
    add(&s, "books", "PUT", json!([{"id": 1, "text": "sandworms"}]));
    assert!(ids(&search(&s, "books", json!({"q": "spice"}))).is_empty());
    assert_eq!(ids(&search(&s, "books", json!({"q": "sandworms dune"}))), ["1"]);
    settle(&s, s.delete("/indexes/books/documents/1"));
    assert!(ids(&search(&s, "books", json!({"q": "sandworms"}))).is_empty());
    // Stop words change what is indexed: the index is rebuilt within the task.
    settle(&s, s.send_json("PUT", "/indexes/books/settings/stop-words", &json!(["village"])));
    let all = search(&s, "books", json!({"q": "village matchmaking", "matchingStrategy": "all"}));
    assert_eq!(ids(&all), ["2"], "the stop word is not required");
    settle(&s, s.delete("/indexes/books/documents"));
    assert_eq!(search(&s, "books", json!({}))["estimatedTotalHits"], 0);
    settle(&s, s.delete("/indexes/books"));
    s.post_json("/indexes/books/search", &json!({"q": "x"})).assert_error(404, "index_not_found");
}

/// Documents tied on every rule come in the order they were first added
/// (Meilisearch's insertion order), not in id order, and keep their place
/// when replaced.
#[test]
fn ties_go_to_the_document_added_first() {
    let s = Server::start();
    add(&s, "ties", "POST", json!([{"id": "c", "t": "same"}, {"id": "a", "t": "same"}]));
    add(&s, "ties", "POST", json!([{"id": "b", "t": "same"}, {"id": "c", "t": "same", "n": 1}]));
    assert_eq!(ids(&search(&s, "ties", json!({"q": "same"}))), ["c", "a", "b"]);
    assert_eq!(ids(&search(&s, "ties", json!({}))), ["c", "a", "b"]);
}

#[test]
fn swaps_and_deploys_carry_the_search_index() {
    let s = Server::start();
    add(&s, "a", "POST", json!([{"id": 1, "t": "alpha"}]));
    add(&s, "b", "POST", json!([{"id": 2, "t": "beta"}]));
    settle(&s, s.post_json("/swap-indexes", &json!([{"indexes": ["a", "b"]}])));
    assert_eq!(ids(&search(&s, "a", json!({"q": "beta"}))), ["2"]);
    assert_eq!(ids(&search(&s, "b", json!({"q": "alpha"}))), ["1"]);
    // A deploy replaces the documents and their search index in one switch.
    let staged = s.request(
        "POST",
        "/indexes/a/staging/snapshot",
        &[("Content-Type", "application/json")],
        json!([{"id": 3, "t": "gamma"}]).to_string().as_bytes(),
    );
    assert_eq!(staged.status, 200, "{}", String::from_utf8_lossy(&staged.body));
    settle(&s, s.request("POST", "/indexes/a/deploy", &[], b""));
    assert_eq!(ids(&search(&s, "a", json!({"q": "gamma"}))), ["3"]);
    assert!(ids(&search(&s, "a", json!({"q": "beta"}))).is_empty());
}

/// After kill -9 at any point of a large import, the re-run batch leaves
/// documents and search index identical: every document is found by its own
/// word, and the counts agree.
#[test]
fn kill9_during_indexing_leaves_documents_and_search_identical() {
    let mut s = Server::start();
    add(&s, "crash", "POST", json!([{"id": 0, "text": "seed"}]));
    let n = 30_000;
    let big = s.enqueue("POST", "/indexes/crash/documents", "application/x-ndjson", numbered(1, n).as_bytes());
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.get(&format!("/tasks/{big}")).json()["status"] != "processing" {
        assert!(Instant::now() < deadline, "the import never started");
        std::thread::sleep(Duration::from_millis(2));
    }
    s.kill9();
    s.launch();
    assert_eq!(s.wait_task(big)["status"], "succeeded");
    let check = |s: &Server| {
        let documents = s.get("/indexes/crash/stats").json()["numberOfDocuments"].as_u64().unwrap();
        assert_eq!(documents, n);
        assert_eq!(search(s, "crash", json!({"limit": 0}))["estimatedTotalHits"], documents);
        assert_eq!(search(s, "crash", json!({"q": "common", "limit": 0}))["estimatedTotalHits"], documents - 1);
        for i in [1, 777, 12_345, n - 1] {
            // A trailing space: the word is whole, not a prefix.
            assert_eq!(ids(&search(s, "crash", json!({"q": format!("{} ", word(i))}))), [i.to_string()]);
        }
    };
    check(&s);
    // And again after a clean stop and start, from what is on disk.
    assert!(s.terminate().success());
    s.launch();
    check(&s);
}

/// A search index that cannot be opened (here: its files gone) is rebuilt
/// from the documents at start-up, with a log line saying so.
#[test]
fn a_damaged_search_index_is_rebuilt_from_the_documents() {
    let mut s = Server::start();
    add(&s, "films", "POST", json!([{"id": 1, "t": "alien"}, {"id": 2, "t": "zebra"}]));
    assert!(s.terminate().success());
    let search_dir = s.db_path().join("search");
    for entry in std::fs::read_dir(&search_dir).unwrap() {
        let dir = entry.unwrap().path();
        std::fs::write(dir.join("meta.json"), b"{ not json").unwrap();
    }
    s.launch();
    let log = std::fs::read_to_string(s.log_path()).unwrap();
    assert!(log.contains("rebuilding the search index"), "{log}");
    assert_eq!(ids(&search(&s, "films", json!({"q": "zebra"}))), ["2"]);
    assert_eq!(search(&s, "films", json!({}))["estimatedTotalHits"], 2);
}

/// `sort` as Meilisearch 1.50 answered it for the same requests (captured
/// from the real binary), errors included.
#[test]
fn sort_and_its_errors_like_meilisearch() {
    let s = Server::start();
    add(
        &s,
        "m",
        "POST",
        json!([
            {"id": 1, "title": "b", "year": 2000},
            {"id": 2, "title": "a", "year": "1990"},
            {"id": 3, "title": "c"},
            {"id": 4, "title": "d", "year": [1995, 2005]},
        ]),
    );
    let sorted = |body: Value| s.post_json("/indexes/m/search", &body);
    let error = sorted(json!({"sort": ["year:asc"]})).assert_error(400, "invalid_search_sort");
    assert_eq!(
        error["message"],
        "Index `m`: Attribute `year` is not sortable. This index does not have configured sortable attributes."
    );
    settle(&s, s.send_json("PUT", "/indexes/m/settings/sortable-attributes", &json!(["year", "title"])));
    let error = sorted(json!({"sort": ["nope:asc"]})).assert_error(400, "invalid_search_sort");
    assert_eq!(
        error["message"],
        "Index `m`: Attribute `nope` is not sortable. Available sortable attributes are: `title, year`."
    );
    let error = sorted(json!({"sort": ["year"]})).assert_error(400, "invalid_search_sort");
    assert_eq!(
        error["message"],
        "Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, found `year`."
    );
    assert_eq!(
        ids(&search(&s, "m", json!({"sort": ["year:asc"], "attributesToRetrieve": ["id"]}))),
        ["4", "1", "2", "3"]
    );
    let desc = s.get("/indexes/m/search?sort=year:desc,title:asc&attributesToRetrieve=id&showRankingScoreDetails=true");
    assert_eq!(ids(&desc.json()), ["4", "1", "2", "3"]);
    assert_eq!(desc.json()["hits"][2]["_rankingScoreDetails"]["year:desc"], json!({"order": 0, "value": "1990"}));
    settle(&s, s.send_json("PUT", "/indexes/m/settings/ranking-rules", &json!(["words", "typo"])));
    let error = sorted(json!({"sort": ["year:asc"]})).assert_error(400, "invalid_search_sort");
    assert_eq!(
        error["message"],
        "Index `m`: You must specify where `sort` is listed in the rankingRules setting to use the sort parameter at search time."
    );
}

/// `filter` as Meilisearch 1.50 answered it for the same documents and
/// requests (captured from the real binary), errors included. `CONTAINS`
/// is on in meili-lite, where Meilisearch needs an experimental feature.
#[test]
fn filters_like_meilisearch() {
    let s = Server::start();
    add(
        &s,
        "m",
        "POST",
        json!([
            {"id": 1, "title": "b", "year": 2000, "genres": ["Action", "Drama"]},
            {"id": 2, "title": "a", "year": "1990", "genres": "drama"},
            {"id": 3, "title": "c"},
        ]),
    );
    let rules = json!({"filterableAttributes": [
        {"attributePatterns": ["year"], "features": {"filter": {"equality": true, "comparison": false}}},
        "genres"
    ]});
    settle(&s, s.send_json("PATCH", "/indexes/m/settings", &rules));
    let filtered = |f: &str| ids(&search(&s, "m", json!({"filter": f, "attributesToRetrieve": ["id"]})));
    assert_eq!(filtered("year = 2000"), ["1"]);
    assert_eq!(filtered("genres = drama"), ["1", "2"]);
    assert_eq!(filtered("genres = DRAMA"), ["1", "2"]);
    assert_eq!(filtered("year = 1990"), ["2"]);
    assert_eq!(filtered("year EXISTS"), ["1", "2"]);
    assert_eq!(filtered("NOT genres EXISTS"), ["3"]);
    assert_eq!(filtered("genres IN [action, nope]"), ["1"]);
    assert_eq!(filtered("genres CONTAINS dra"), ["1", "2"]);
    assert_eq!(ids(&s.get("/indexes/m/search?filter=genres%20%3D%20drama&attributesToRetrieve=id").json()), ["1", "2"]);
    let error = |f: &str| filter_error(&s, "m", f);
    assert_eq!(
        error("year > 2000"),
        "Index `m`: Filter operator `>` is not allowed for the attribute `year`.\n  - Note: allowed operators: OR, AND, NOT, =, !=, IN, IS EMPTY, IS NULL, EXISTS.\n  - Note: field `year` matched rule #0 in `filterableAttributes`\n  - Hint: enable comparison in rule #0 by modifying the features.filter object\n  - Hint: prepend another rule matching `year` with appropriate filter features before rule #0"
    );
    assert_eq!(
        error("year 1990 TO 2000"),
        "Index `m`: Filter operator `TO` is not allowed for the attribute `year`.\n  - Note: allowed operators: OR, AND, NOT, =, !=, IN, IS EMPTY, IS NULL, EXISTS.\n  - Note: field `year` matched rule #0 in `filterableAttributes`\n  - Hint: enable comparison in rule #0 by modifying the features.filter object\n  - Hint: prepend another rule matching `year` with appropriate filter features before rule #0"
    );
    assert_eq!(
        error("title = a"),
        "Index `m`: Attribute `title` is not filterable. Available filterable attribute patterns are: `genres`, `year`.\n2:7 \"title\" = \"a\""
    );
    assert_eq!(error("year >"), "Was expecting a value but instead got nothing.\n7:7 year >");

    // The documents routes take the same filter.
    let listed = |body: Value| -> Vec<String> {
        body["results"].as_array().unwrap().iter().map(|d| d["id"].to_string()).collect()
    };
    assert_eq!(listed(s.get("/indexes/m/documents?filter=genres%20%3D%20drama").json()), ["1", "2"]);
    let fetched = s.post_json("/indexes/m/documents/fetch", &json!({"filter": "year = 2000", "fields": ["id"]}));
    assert_eq!(fetched.status, 200, "{}", String::from_utf8_lossy(&fetched.body));
    assert_eq!(listed(fetched.json()), ["1"]);
    assert_eq!(fetched.json()["total"], 1);
    s.post_json("/indexes/m/documents/fetch", &json!({"filter": "title = a"}))
        .assert_error(400, "invalid_document_filter");
}

/// Deleting by filter as Meilisearch 1.50 does it (captured from the real
/// binary for the same requests): syntax checked at once, filterability when
/// the task runs, details with the filter as sent.
#[test]
fn delete_by_filter_like_meilisearch() {
    let s = Server::start();
    add(&s, "m", "POST", json!([{"id": 1, "genres": ["Action", "Drama"]}, {"id": 2, "genres": "drama"}, {"id": 3}]));
    let delete = |body: Value| s.post_json("/indexes/m/documents/delete", &body);
    let e = delete(json!({"filter": ""})).assert_error(400, "invalid_document_filter");
    assert_eq!(e["message"], "Sending an empty filter is forbidden.");
    let e = delete(json!({})).assert_error(400, "missing_document_filter");
    assert_eq!(e["message"], "Missing field `filter`");
    let e = delete(json!({"filter": "genres ="})).assert_error(400, "invalid_document_filter");
    assert_eq!(e["message"], "Was expecting a value but instead got nothing.\n9:9 genres =");

    let task = s.wait_task(delete(json!({"filter": "genres = action"})).json()["taskUid"].as_u64().unwrap());
    assert_eq!(task["status"], "failed");
    assert_eq!(task["type"], "documentDeletion");
    assert_eq!(
        task["details"],
        json!({"providedIds": 0, "deletedDocuments": 0, "originalFilter": "\"genres = action\""})
    );
    assert_eq!(task["error"]["code"], "invalid_document_filter");
    assert_eq!(
        task["error"]["message"],
        "Index `m`: Attribute `genres` is not filterable. This index does not have configured filterable attributes.\n1:7 genres = action"
    );

    settle(&s, s.send_json("PUT", "/indexes/m/settings/filterable-attributes", &json!(["genres"])));
    let task = settle(&s, delete(json!({"filter": "genres = action"})));
    assert_eq!(
        task["details"],
        json!({"providedIds": 0, "deletedDocuments": 1, "originalFilter": "\"genres = action\""})
    );
    let task = settle(&s, delete(json!({"filter": ["genres = drama", ["genres = x", "genres = drama"]]})));
    assert_eq!(
        task["details"],
        json!({"providedIds": 0, "deletedDocuments": 1, "originalFilter": "[\"genres = drama\",[\"genres = x\",\"genres = drama\"]]"})
    );
    assert_eq!(ids(&search(&s, "m", json!({}))), ["3"]);
    assert_eq!(s.get("/indexes/m/stats").json()["numberOfDocuments"], 1);

    // A filter sees what the tasks before it did, batched with them or not.
    let added = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id": 4, "genres": "drama"}]"#);
    let deleted = delete(json!({"filter": "genres = drama"})).json()["taskUid"].as_u64().unwrap();
    assert_eq!(s.wait_task(added)["status"], "succeeded");
    assert_eq!(s.wait_task(deleted)["details"]["deletedDocuments"], 1);
    assert_eq!(ids(&search(&s, "m", json!({}))), ["3"]);

    let task = s.wait_task(
        s.post_json("/indexes/nope/documents/delete", &json!({"filter": "genres = action"})).json()["taskUid"]
            .as_u64()
            .unwrap(),
    );
    assert_eq!((task["status"].as_str(), task["error"]["code"].as_str()), (Some("failed"), Some("index_not_found")));
}

/// `facets` as Meilisearch 1.50 answered them for the same documents and
/// requests (captured from the real binary).
#[test]
fn facets_like_meilisearch() {
    let s = Server::start();
    add(
        &s,
        "m",
        "POST",
        json!([
            {"id": 1, "genres": ["Action", "Drama"], "year": 2008, "rating": 4.5},
            {"id": 2, "genres": ["drama", "Crime"], "year": "1990", "rating": 3},
            {"id": 3, "genres": "ACTION", "year": 2010},
            {"id": 4, "genres": [], "year": null},
        ]),
    );
    let e = s.post_json("/indexes/m/search", &json!({"facets": ["genres"]})).assert_error(400, "invalid_search_facets");
    assert_eq!(
        e["message"],
        "Invalid facet distribution: Pattern `genres` is not filterable. This index does not have configured filterable attributes."
    );
    settle(&s, s.send_json("PUT", "/indexes/m/settings/filterable-attributes", &json!(["genres", "year", "rating"])));
    let all = search(&s, "m", json!({"facets": ["genres", "year", "rating"], "limit": 0}));
    let distribution = json!({"genres": {"Action": 2, "Crime": 1, "Drama": 2}, "rating": {"3": 1, "4.5": 1}, "year": {"2008": 1, "2010": 1, "1990": 1}});
    let stats = json!({"rating": {"min": 3.0, "max": 4.5}, "year": {"min": 2008.0, "max": 2010.0}});
    assert_eq!((&all["facetDistribution"], &all["facetStats"]), (&distribution, &stats));
    let keys: Vec<&String> = all["facetDistribution"]["year"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["2008", "2010", "1990"], "numbers first, then strings");
    let star = search(&s, "m", json!({"facets": ["*"], "limit": 0}));
    assert_eq!((&star["facetDistribution"], &star["facetStats"]), (&distribution, &stats));
    let filtered = search(&s, "m", json!({"facets": ["genres"], "filter": "year > 2000", "limit": 0}));
    assert_eq!(filtered["facetDistribution"], json!({"genres": {"Action": 2, "Drama": 1}}));
    assert_eq!(filtered["facetStats"], json!({}));
    let e = s.post_json("/indexes/m/search", &json!({"facets": ["nope"]})).assert_error(400, "invalid_search_facets");
    assert_eq!(
        e["message"],
        "Invalid facet distribution: Pattern `nope` is not filterable. Available filterable attributes patterns are: `genres, rating, year`."
    );
    let faceting = json!({"maxValuesPerFacet": 2, "sortFacetValuesBy": {"genres": "count"}});
    settle(&s, s.send_json("PATCH", "/indexes/m/settings/faceting", &faceting));
    let capped = s.get("/indexes/m/search?facets=genres,year&limit=0").json();
    assert_eq!(
        capped["facetDistribution"],
        json!({"genres": {"Drama": 2, "Action": 2}, "year": {"2008": 1, "2010": 1}})
    );
    assert_eq!(capped["facetStats"], json!({"year": {"min": 2008.0, "max": 2010.0}}));
}

/// `distinct` and `distinctAttribute` as Meilisearch 1.50 answered them for
/// the same documents and requests (captured from the real binary).
#[test]
fn distinct_like_meilisearch() {
    let s = Server::start();
    add(
        &s,
        "m",
        "POST",
        json!([
            {"id": 1, "t": "shirt red", "sku": "A", "size": 1},
            {"id": 2, "t": "shirt blue", "sku": "A", "size": 2},
            {"id": 3, "t": "shirt green", "sku": "B"},
            {"id": 4, "t": "shirt", "sku": ["B", "C"]},
            {"id": 5, "t": "shirt"},
        ]),
    );
    let shirt = |extra: Value| {
        let mut body = json!({"q": "shirt", "attributesToRetrieve": ["id"]});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        s.post_json("/indexes/m/search", &body)
    };
    let e = shirt(json!({"distinct": "sku"})).assert_error(400, "invalid_search_distinct");
    assert_eq!(
        e["message"],
        "Index `m`: Attribute `sku` is not filterable and thus, cannot be used as distinct attribute. This index does not have configured filterable attributes."
    );
    settle(&s, s.send_json("PUT", "/indexes/m/settings/filterable-attributes", &json!(["size"])));
    let e = shirt(json!({"distinct": "sku"})).assert_error(400, "invalid_search_distinct");
    assert_eq!(
        e["message"],
        "Index `m`: Attribute `sku` is not filterable and thus, cannot be used as distinct attribute. Available filterable attributes patterns are: `size`."
    );
    settle(&s, s.send_json("PUT", "/indexes/m/settings/distinct-attribute", &json!("sku")));
    let page = shirt(json!({})).json();
    assert_eq!((ids(&page), &page["estimatedTotalHits"]), (vec!["4".to_owned(), "5".into(), "1".into()], &json!(3)));
    let paged = shirt(json!({"hitsPerPage": 10})).json();
    assert_eq!((ids(&paged), &paged["totalHits"]), (vec!["4".to_owned(), "5".into(), "1".into()], &json!(3)));
    assert_eq!(ids(&shirt(json!({"distinct": "size"})).json()), ["4", "5", "1", "2", "3"]);
    assert_eq!(ids(&search(&s, "m", json!({"attributesToRetrieve": ["id"]}))), ["1", "3", "5"]);
}

/// `/facet-search` as Meilisearch 1.50 answered it for the same documents
/// and requests (captured from the real binary).
#[test]
fn facet_search_like_meilisearch() {
    let s = Server::start();
    add(
        &s,
        "m",
        "POST",
        json!([
            {"id": 1, "t": "a film", "genres": ["Action", "Drama"], "year": 2008},
            {"id": 2, "t": "a movie", "genres": ["drama", "Adventure"], "year": 1990},
            {"id": 3, "t": "film", "genres": "ACTION", "year": 2010},
            {"id": 4, "t": "x", "genres": ["Animation", "Actionable"]},
        ]),
    );
    let facet = |body: Value| s.post_json("/indexes/m/facet-search", &body);
    let e =
        facet(json!({"facetName": "genres", "facetQuery": "act"})).assert_error(400, "invalid_facet_search_facet_name");
    assert_eq!(
        e["message"],
        "Attribute `genres` is not facet-searchable. This index does not have configured facet-searchable attributes. To make it facet-searchable add it to the `filterableAttributes` index settings."
    );
    settle(&s, s.send_json("PUT", "/indexes/m/settings/filterable-attributes", &json!(["genres", "year"])));
    let hits = |body: Value| {
        let resp = facet(body);
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        resp.json()["facetHits"].clone()
    };
    let action = json!([{"value": "Action", "count": 2}, {"value": "Actionable", "count": 1}]);
    assert_eq!(hits(json!({"facetName": "genres", "facetQuery": "act"})), action);
    assert_eq!(hits(json!({"facetName": "genres", "facetQuery": "actoin"})), action);
    assert_eq!(hits(json!({"facetName": "genres", "facetQuery": "ACTI"})), action);
    assert_eq!(
        hits(json!({"facetName": "genres"})),
        json!([
            {"value": "Action", "count": 2}, {"value": "Actionable", "count": 1}, {"value": "Adventure", "count": 1},
            {"value": "Animation", "count": 1}, {"value": "Drama", "count": 2}
        ])
    );
    assert_eq!(facet(json!({"facetName": "genres"})).json()["facetQuery"], Value::Null);
    assert_eq!(
        hits(json!({"facetName": "genres", "facetQuery": "a", "q": "film"})),
        json!([{"value": "Action", "count": 2}])
    );
    let after = json!({"facetName": "genres", "facetQuery": "a", "filter": "year > 2000"});
    assert_eq!(hits(after), json!([{"value": "Action", "count": 2}]));
    assert_eq!(hits(json!({"facetName": "year", "facetQuery": "20"})), json!([]));
    assert_eq!(
        hits(json!({"facetName": "genres", "facetQuery": "dram", "exhaustiveFacetCount": true})),
        json!([{"value": "Drama", "count": 2}])
    );
    let e = facet(json!({"facetName": "nope"})).assert_error(400, "invalid_facet_search_facet_name");
    assert_eq!(
        e["message"],
        "Attribute `nope` is not facet-searchable. Available facet-searchable attributes patterns are: `genres, year`. To make it facet-searchable add it to the `filterableAttributes` index settings."
    );
    let e = facet(json!({"facetQuery": "a"})).assert_error(400, "missing_facet_search_facet_name");
    assert_eq!(e["message"], "Missing field `facetName`");
    let rule = json!([{"attributePatterns": ["genres"], "features": {"facetSearch": false, "filter": {"equality": true, "comparison": false}}}]);
    settle(&s, s.send_json("PUT", "/indexes/m/settings/filterable-attributes", &rule));
    let e =
        facet(json!({"facetName": "genres", "facetQuery": "act"})).assert_error(400, "invalid_facet_search_facet_name");
    assert_eq!(
        e["message"],
        "Attribute `genres` is not facet-searchable. Note: this attribute matches rule #0 in filterableAttributes, but this rule does not enable facetSearch.\nHint: enable facetSearch in rule #0 by adding `\"facetSearch\": true` to the rule.\nHint: prepend another rule matching genres with facetSearch: true before rule #0"
    );
    settle(&s, s.send_json("PUT", "/indexes/m/settings/filterable-attributes", &json!(["genres"])));
    settle(&s, s.send_json("PUT", "/indexes/m/settings/facet-search", &json!(false)));
    let e = facet(json!({"facetName": "genres", "facetQuery": "act"})).assert_error(400, "facet_search_disabled");
    assert_eq!(e["message"], "The facet search is disabled for this index");
}

/// Geo search as Meilisearch 1.50 answered it for the same documents and
/// requests (captured from the real binary).
#[test]
fn geo_like_meilisearch() {
    let s = Server::start();
    add(
        &s,
        "g",
        "POST",
        json!([
            {"id": 1, "name": "Nàpiz' Milano", "_geo": {"lat": 45.4777599, "lng": 9.1967508}},
            {"id": 2, "name": "Bouillon Pigalle", "_geo": {"lat": "48.8826517", "lng": "2.3352748"}},
            {"id": 3, "name": "Artico Gelateria", "_geo": {"lat": 45.4632046, "lng": 9.1719421}},
            {"id": 4, "name": "Ristorante", "_geo": null},
            {"id": 5, "name": "Nowhere"},
        ]),
    );
    assert_eq!(
        filter_error(&s, "g", "_geoRadius(45.472735, 9.184019, 2000)"),
        "Index `g`: Attribute `_geo/_geojson` is not filterable. This index does not have configured filterable attributes.\n12:21 _geoRadius(45.472735, 9.184019, 2000)"
    );
    settle(
        &s,
        s.send_json(
            "PATCH",
            "/indexes/g/settings",
            &json!({"filterableAttributes": ["_geo"], "sortableAttributes": ["_geo"]}),
        ),
    );
    let only = |body: Value| {
        let mut body = body;
        body["attributesToRetrieve"] = json!(["id"]);
        ids(&search(&s, "g", body))
    };
    assert_eq!(only(json!({"filter": "_geoRadius(45.472735, 9.184019, 2000)"})), ["1", "3"]);
    assert_eq!(only(json!({"filter": "_geoRadius(45.472735, 9.184019, 200000000)"})), ["1", "2", "3"]);
    assert_eq!(only(json!({"filter": "_geoBoundingBox([45.494181, 9.214024], [45.449484, 9.179175])"})), ["1"]);
    assert_eq!(only(json!({"filter": "NOT _geoRadius(45.472735, 9.184019, 2000)"})), ["2", "4", "5"]);
    assert_eq!(only(json!({"sort": ["_geoPoint(48.8561446, 2.2978204):asc"]})), ["2", "3", "1", "4", "5"]);
    let far = search(
        &s,
        "g",
        json!({"sort": ["_geoPoint(48.8561446, 2.2978204):desc"], "attributesToRetrieve": ["id"], "showRankingScoreDetails": true}),
    );
    assert_eq!(ids(&far), ["1", "3", "2", "4", "5"]);
    assert_eq!(
        far["hits"][0]["_rankingScoreDetails"]["_geoPoint(48.8561446, 2.2978204):desc"],
        json!({"order": 0, "value": {"lat": 45.4777599, "lng": 9.1967508}, "distance": 642335.503})
    );
    assert_eq!(
        far["hits"][3]["_rankingScoreDetails"]["_geoPoint(48.8561446, 2.2978204):desc"],
        json!({"order": 0, "value": null, "distance": null})
    );
    let near = search(&s, "g", json!({"sort": ["_geoPoint(48.8561446, 2.2978204):asc"], "limit": 1}));
    assert_eq!(near["hits"][0]["_geoDistance"], 4024);
    let bad = |f: &str| filter_error(&s, "g", f);
    assert_eq!(
        bad("_geoRadius(95, 9.18, 2000)"),
        "Index `g`: Bad latitude `95`. Latitude must be contained between -90 and 90 degrees.\n12:14 _geoRadius(95, 9.18, 2000)"
    );
    assert_eq!(
        bad("_geoRadius(45.472735, 200, 2000)"),
        "Index `g`: Bad longitude `200`. Longitude must be contained between -180 and 180 degrees. Hint: try using `-160` instead.\n23:26 _geoRadius(45.472735, 200, 2000)"
    );
    assert_eq!(
        bad("_geoPolygon([45.49, 9.21], [45.44, 9.17], [45.49, 9.17])"),
        "Index `g`: Attribute `_geojson` is not filterable. Available filterable attribute patterns are: `_geo`.\n14:19 _geoPolygon([45.49, 9.21], [45.44, 9.17], [45.49, 9.17])"
    );
}
