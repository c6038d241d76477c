//! The HTTP API end to end: indexes, documents, tasks, batches, errors, auth.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use common::Server;
use serde_json::{json, Value};

fn uids(list: &Value) -> Vec<u64> {
    list["results"].as_array().unwrap().iter().map(|t| t["uid"].as_u64().unwrap()).collect()
}

#[test]
fn indexes_documents_tasks_and_batches_round_trip() {
    let s = Server::start();
    assert_eq!(s.get("/health").json(), json!({"status": "available"}));

    let create = s.post_json("/indexes", &json!({"uid": "movies", "primaryKey": "id"}));
    assert_eq!(create.status, 202);
    let summary = create.json();
    assert_eq!(summary["indexUid"], "movies");
    assert_eq!(summary["status"], "enqueued");
    assert_eq!(summary["type"], "indexCreation");
    let t = s.wait_task(summary["taskUid"].as_u64().unwrap());
    assert_eq!(t["status"], "succeeded", "{t}");
    assert_eq!(t["details"], json!({"primaryKey": "id"}));

    let json_task = s.enqueue(
        "POST",
        "/indexes/movies/documents",
        "application/json",
        br#"[{"id":1,"title":"Carol","year":2015},{"id":2,"title":"Wonder"}]"#,
    );
    let ndjson_task = s.enqueue(
        "POST",
        "/indexes/movies/documents",
        "application/x-ndjson",
        b"{\"id\":3,\"title\":\"Nd\"}\n{\"id\":4,\"title\":\"Json\"}\n",
    );
    let csv_task = s.enqueue("POST", "/indexes/movies/documents", "text/csv", b"id,title,price:number\n5,Csv,9.5\n");
    for uid in [json_task, ndjson_task, csv_task] {
        let t = s.wait_task(uid);
        assert_eq!(t["status"], "succeeded", "{t}");
        assert_eq!(t["details"]["receivedDocuments"], t["details"]["indexedDocuments"]);
        assert!(t["duration"].as_str().unwrap().starts_with("PT"), "{t}");
    }
    assert_eq!(s.get("/indexes/movies/documents/5").json(), json!({"id": "5", "title": "Csv", "price": 9.5}));

    let update =
        s.enqueue("PUT", "/indexes/movies/documents", "application/json", br#"[{"id":1,"title":"Carol (2015)"}]"#);
    assert_eq!(s.wait_task(update)["status"], "succeeded");
    assert_eq!(s.get("/indexes/movies/documents/1").json(), json!({"id": 1, "title": "Carol (2015)", "year": 2015}));
    assert_eq!(s.get("/indexes/movies/documents/1?fields=year").json(), json!({"year": 2015}));

    let page = s.get("/indexes/movies/documents?limit=2&offset=1&fields=id").json();
    assert_eq!(page["total"], 5);
    assert_eq!((page["limit"].clone(), page["offset"].clone()), (json!(2), json!(1)));
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    let fetched = s.post_json("/indexes/movies/documents/fetch", &json!({"ids": ["2", 4], "fields": ["title"]})).json();
    assert_eq!(fetched["results"], json!([{"title": "Wonder"}, {"title": "Json"}]));

    let del = s.enqueue("DELETE", "/indexes/movies/documents/2", "application/json", b"");
    assert_eq!(s.wait_task(del)["details"], json!({"providedIds": 1, "deletedDocuments": 1, "originalFilter": null}));
    let del = s.post_json("/indexes/movies/documents/delete-batch", &json!(["3", 4, "404"]));
    let del = s.wait_task(del.json()["taskUid"].as_u64().unwrap());
    assert_eq!(del["details"]["deletedDocuments"], 2, "{del}");
    s.get("/indexes/movies/documents/2").assert_error(404, "document_not_found");
    let stats = s.get("/indexes/movies/stats").json();
    assert_eq!(stats["numberOfDocuments"], 2);
    assert_eq!(stats["isIndexing"], false);
    assert_eq!(stats["fieldDistribution"]["title"], 2);
    assert_eq!(s.get("/stats").json()["indexes"]["movies"]["numberOfDocuments"], 2);

    let clear = s.enqueue("DELETE", "/indexes/movies/documents", "application/json", b"");
    assert_eq!(s.wait_task(clear)["details"], json!({"deletedDocuments": 2}));

    // Tasks: filters, paging, reverse.
    let all = s.get("/tasks").json();
    assert_eq!(all["total"], 8);
    assert_eq!(all["from"], 7);
    assert_eq!(all["next"], Value::Null);
    assert_eq!(uids(&s.get("/tasks?limit=2").json()), [7, 6]);
    let second = s.get("/tasks?limit=2&from=5").json();
    assert_eq!((uids(&second), second["next"].clone()), (vec![5, 4], json!(3)));
    assert_eq!(uids(&s.get("/tasks?reverse=true&limit=3").json()), [0, 1, 2]);
    assert_eq!(uids(&s.get("/tasks?types=indexCreation").json()), [0]);
    assert_eq!(s.get("/tasks?statuses=failed").json()["total"], 0);
    assert_eq!(s.get("/tasks?indexUids=movies&uids=1%2C2").json()["total"], 2);

    // Batches: every task has one, and it is listed.
    let t1 = s.get("/tasks/1").json();
    let batch = s.get(&format!("/batches/{}", t1["batchUid"])).json();
    assert_eq!(batch["stats"]["types"]["documentAdditionOrUpdate"], batch["stats"]["totalNbTasks"]);
    assert_eq!(batch["progress"], Value::Null);
    assert!(batch["batchStrategy"].is_string());
    let batches = s.get("/batches?limit=1").json();
    assert_eq!(batches["results"].as_array().unwrap().len(), 1);
    assert!(batches["total"].as_u64().unwrap() >= 1);
    s.get("/batches/9999").assert_error(404, "batch_not_found");

    let idx = s.get("/indexes/movies").json();
    assert_eq!(idx["primaryKey"], "id");
    assert!(idx["createdAt"].as_str().unwrap().contains('.'), "dates always carry a fraction");
    assert_eq!(s.get("/indexes").json()["total"], 1);
    let delete = s.delete("/indexes/movies").json()["taskUid"].as_u64().unwrap();
    assert_eq!(s.wait_task(delete)["status"], "succeeded");
    s.get("/indexes/movies").assert_error(404, "index_not_found");
}

#[test]
fn quick_additions_autobatch_into_fewer_batches() {
    let s = Server::start();
    // Concurrent clients, so tasks arrive while a batch is running.
    let uids: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|c| {
                let s = &s;
                scope.spawn(move || {
                    (0..10)
                        .map(|i| {
                            let doc = json!([{"id": c * 100 + i}]).to_string();
                            s.enqueue("POST", "/indexes/batched/documents", "application/json", doc.as_bytes())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let tasks: Vec<Value> = uids.iter().map(|u| s.wait_task(*u)).collect();
    assert!(tasks.iter().all(|t| t["status"] == "succeeded"));
    let batches: std::collections::BTreeSet<u64> = tasks.iter().map(|t| t["batchUid"].as_u64().unwrap()).collect();
    assert!(batches.len() < tasks.len(), "80 tasks ran in {} batches", batches.len());
    assert_eq!(s.get("/indexes/batched/stats").json()["numberOfDocuments"], 80);
}

#[test]
fn failing_tasks_carry_meilisearch_errors() {
    let s = Server::start();
    let t = s.wait_task(s.delete("/indexes/movie").json()["taskUid"].as_u64().unwrap());
    assert_eq!(t["status"], "failed");
    assert_eq!(
        t["error"],
        json!({"message": "Index `movie` not found.", "code": "index_not_found", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#index_not_found"})
    );
    assert_eq!(t["details"], json!({"deletedDocuments": 0}));
    let cases: [(&[u8], &str); 4] = [
        (br#"[{"title":"no id"}]"#, "index_primary_key_no_candidate_found"),
        (br#"[{"id":1,"movie_id":2}]"#, "index_primary_key_multiple_candidates_found"),
        (br#"[{"id":"not valid"}]"#, "invalid_document_id"),
        (br#"[{"id":1},{"title":"x"}]"#, "missing_document_id"),
    ];
    for (i, (body, code)) in cases.into_iter().enumerate() {
        let t = s.wait_task(s.enqueue("POST", &format!("/indexes/e{i}/documents"), "application/json", body));
        assert_eq!((t["status"].as_str(), t["error"]["code"].as_str()), (Some("failed"), Some(code)), "{t}");
        assert_eq!(t["details"]["indexedDocuments"], 0);
    }
    let t = s.wait_task(s.post_json("/indexes", &json!({"uid": "twice"})).json()["taskUid"].as_u64().unwrap());
    assert_eq!(t["status"], "succeeded");
    let t = s.wait_task(s.post_json("/indexes", &json!({"uid": "twice"})).json()["taskUid"].as_u64().unwrap());
    assert_eq!(t["error"]["code"], "index_already_exists");
}

#[test]
fn bad_requests_get_meilisearch_errors_and_nothing_is_enqueued() {
    let s = Server::with_args(&["--http-payload-size-limit", "1KiB"]);
    let json_ct = [("Content-Type", "application/json")];
    s.request("POST", "/indexes/m/documents", &json_ct, b"[{\"id\":1},").assert_error(400, "malformed_payload");
    s.request("POST", "/indexes/m/documents", &json_ct, b"").assert_error(400, "missing_payload");
    s.request("POST", "/indexes/m/documents", &[("Content-Type", "application/x-ndjson")], b"{\"id\":1}\nnope\n")
        .assert_error(400, "malformed_payload");
    s.request("POST", "/indexes/m/documents", &[("Content-Type", "text/csv")], b"id,n:number\n1,x\n")
        .assert_error(400, "malformed_payload");
    let deep = format!("[{{\"id\":1,\"a\":{}{}}}]", "[".repeat(400), "]".repeat(400));
    s.request("POST", "/indexes/m/documents", &json_ct, deep.as_bytes()).assert_error(400, "malformed_payload");
    let big = vec![b' '; 2048];
    let e = s.request("POST", "/indexes/m/documents", &json_ct, &big).assert_error(413, "payload_too_large");
    assert_eq!(
        e["message"],
        "The provided payload reached the size limit. The maximum accepted payload size is 1 KiB."
    );
    s.request("POST", "/indexes/m/documents", &[], b"[]").assert_error(415, "missing_content_type");
    s.request("POST", "/indexes/m/documents", &[("Content-Type", "text/plain")], b"[]")
        .assert_error(415, "invalid_content_type");
    s.request("POST", "/indexes/m/documents?csvDelimiter=%3B", &json_ct, b"[]")
        .assert_error(415, "invalid_content_type");
    s.request("POST", "/indexes/bad%20uid/documents", &json_ct, b"[]").assert_error(400, "invalid_index_uid");
    s.get("/indexes/a.b").assert_error(400, "invalid_index_uid");
    s.post_json("/indexes", &json!({"uid": "ok", "doggo": 1})).assert_error(400, "bad_request");
    s.post_json("/indexes", &json!({"primaryKey": "id"})).assert_error(400, "missing_index_uid");
    s.post_json("/indexes", &json!({"uid": "no way"})).assert_error(400, "invalid_index_uid");
    s.post_json("/indexes", &json!({"uid": "ok", "primaryKey": ["x"]})).assert_error(400, "invalid_index_primary_key");
    s.request("POST", "/indexes", &json_ct, b"{oops").assert_error(400, "malformed_payload");
    s.get("/tasks?doggo=1").assert_error(400, "bad_request");
    s.get("/tasks?statuses=doggo").assert_error(400, "invalid_task_statuses");
    s.get("/tasks?types=doggo").assert_error(400, "invalid_task_types");
    s.get("/tasks?limit=-1").assert_error(400, "invalid_task_limit");
    s.get("/tasks?afterEnqueuedAt=yesterday").assert_error(400, "invalid_task_after_enqueued_at");
    s.get("/tasks/abc").assert_error(400, "invalid_task_uids");
    s.get("/tasks/424242").assert_error(404, "task_not_found");
    s.request("POST", "/tasks/cancel", &json_ct, b"null").assert_error(400, "missing_task_filters");
    s.delete("/tasks").assert_error(400, "missing_task_filters");
    s.post_json("/swap-indexes", &json!([{"indexes": ["a"]}])).assert_error(400, "invalid_swap_indexes");
    s.post_json("/swap-indexes", &json!([{"indexes": ["a", "b"]}, {"indexes": ["b", "c"]}]))
        .assert_error(400, "invalid_swap_duplicate_index_found");
    s.get("/nowhere").assert_error(404, "not_found");
    s.request("PUT", "/tasks", &[], b"").assert_error(405, "method_not_allowed");
    assert_eq!(s.get("/tasks").json()["total"], 0, "no bad request enqueued anything");
}

#[test]
fn cancel_and_delete_tasks() {
    let s = Server::start();
    let add = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":1}]"#);
    s.wait_task(add);
    let cancel =
        s.request("POST", &format!("/tasks/cancel?uids={add}"), &[("Content-Type", "application/json")], b"null");
    assert_eq!(cancel.status, 200);
    let cancel = s.wait_task(cancel.json()["taskUid"].as_u64().unwrap());
    assert_eq!(cancel["type"], "taskCancelation");
    assert_eq!(
        cancel["details"],
        json!({"matchedTasks": 1, "canceledTasks": 0, "originalFilter": format!("?uids={add}")})
    );
    let del = s.delete(&format!("/tasks?uids={add}"));
    assert_eq!(del.status, 200);
    let del = s.wait_task(del.json()["taskUid"].as_u64().unwrap());
    assert_eq!(del["details"]["deletedTasks"], 1, "{del}");
    s.get(&format!("/tasks/{add}")).assert_error(404, "task_not_found");
}

#[test]
fn the_master_key_guards_every_route_but_health() {
    let s = Server::with_key("a-master-key-of-32-bytes-length!");
    assert_eq!(s.request("GET", "/health", &[("Authorization", "")], b"").status, 200);
    for path in ["/tasks", "/indexes", "/stats", "/version", "/batches", "/indexes/x/documents", "/indexes/x/staging"] {
        s.request("GET", path, &[("Authorization", "")], b"").assert_error(401, "missing_authorization_header");
        s.request("GET", path, &[("Authorization", "Bearer")], b"").assert_error(403, "invalid_api_key");
        s.request("GET", path, &[("Authorization", "Bearer wrong")], b"").assert_error(403, "invalid_api_key");
        let no_header = common::http(s.addr, "GET", path, &[], b"");
        no_header.assert_error(401, "missing_authorization_header");
    }
    assert_eq!(s.get("/tasks").status, 200);
    assert!(!std::fs::read_to_string(s.log_path()).unwrap().contains("a-master-key-of-32"), "the key is never logged");
}

/// Sorting documents as Meilisearch 1.50 does it: the same requests gave
/// these ids and messages on the real binary.
#[test]
fn documents_sort_like_meilisearch() {
    let s = Server::start();
    let docs = json!([
        {"id": 1, "title": "b", "year": 2000},
        {"id": 2, "title": "a", "year": "1990"},
        {"id": 3, "title": "c"},
        {"id": 4, "title": "d", "year": [1995, 2005]},
    ]);
    let t = s.wait_task(s.enqueue("POST", "/indexes/m/documents", "application/json", docs.to_string().as_bytes()));
    assert_eq!(t["status"], "succeeded", "{t}");
    let e = s.get("/indexes/m/documents?sort=year:asc").assert_error(400, "invalid_document_sort");
    assert_eq!(
        e["message"],
        "Attribute `year` is not sortable. This index does not have configured sortable attributes."
    );

    let r = s.send_json("PATCH", "/indexes/m/settings", &json!({"sortableAttributes": ["year"]}));
    assert_eq!(r.status, 202);
    assert_eq!(s.wait_task(r.json()["taskUid"].as_u64().unwrap())["status"], "succeeded");
    let listed = |body: Value| -> (Vec<u64>, Value) {
        let ids = body["results"].as_array().unwrap().iter().map(|d| d["id"].as_u64().unwrap()).collect();
        (ids, body["total"].clone())
    };
    assert_eq!(listed(s.get("/indexes/m/documents?sort=year:asc&fields=id").json()), (vec![4, 1, 2, 3], json!(4)));
    let body = json!({"sort": ["year:desc"], "fields": ["id"], "limit": 2, "offset": 1});
    let fetched = s.post_json("/indexes/m/documents/fetch", &body);
    assert_eq!(fetched.status, 200, "{}", String::from_utf8_lossy(&fetched.body));
    assert_eq!(listed(fetched.json()), (vec![1, 2], json!(4)));

    let error = |sort: Value| {
        s.post_json("/indexes/m/documents/fetch", &json!({"sort": sort})).assert_error(400, "invalid_document_sort")
            ["message"]
            .clone()
    };
    assert_eq!(
        error(json!(["title:asc"])),
        "Attribute `title` is not sortable. Available sortable attributes are: `year`."
    );
    assert_eq!(
        error(json!("year:asc")),
        "Invalid value type at `.sort`: expected an array, but found a string: `\"year:asc\"`"
    );
    assert_eq!(
        error(json!(["year"])),
        "Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, found `year`."
    );
}

/// Renames as Meilisearch 1.50 does them: `PATCH /indexes/{uid}` with a new
/// `uid`, and swaps with `rename: true`. Documents, search and earlier tasks
/// follow the index to its new name.
#[test]
fn indexes_are_renamed_with_their_documents_and_history() {
    let s = Server::start();
    let docs = json!([{"id": 1, "title": "Alien"}]).to_string();
    let added = s.enqueue("POST", "/indexes/movies/documents", "application/json", docs.as_bytes());
    s.wait_task(added);
    s.wait_task(s.enqueue("POST", "/indexes/other/documents", "application/json", docs.as_bytes()));

    let r = s.send_json("PATCH", "/indexes/movies", &json!({"uid": "other"}));
    let failed = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    assert_eq!(
        (failed["status"].as_str(), failed["error"]["code"].as_str()),
        (Some("failed"), Some("index_already_exists"))
    );
    s.send_json("PATCH", "/indexes/movies", &json!({"uid": "bad uid!"})).assert_error(400, "invalid_index_uid");

    let r = s.send_json("PATCH", "/indexes/movies", &json!({"uid": "films"}));
    let renamed = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    assert_eq!(renamed["status"], "succeeded", "{renamed}");
    assert_eq!(renamed["indexUid"], "movies");
    assert_eq!(renamed["details"], json!({"primaryKey": null, "oldIndexUid": "movies", "newIndexUid": "films"}));
    s.get("/indexes/movies").assert_error(404, "index_not_found");
    assert_eq!(s.get("/indexes/films/search?q=alien").json()["hits"][0]["id"], 1);
    assert_eq!(s.get(&format!("/tasks/{added}")).json()["indexUid"], "films");

    let r = s.send_json("POST", "/swap-indexes", &json!([{"indexes": ["films", "other"], "rename": true}]));
    let refused = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    assert_eq!(
        refused["error"]["message"],
        "Cannot rename `films` to `other` as the index already exists. Hint: You can remove `other` first and then do your remove."
    );
    let r = s.send_json("POST", "/swap-indexes", &json!([{"indexes": ["films", "cinema"], "rename": true}]));
    let swapped = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    assert_eq!(swapped["status"], "succeeded", "{swapped}");
    assert_eq!(swapped["details"]["swaps"], json!([{"indexes": ["films", "cinema"], "rename": true}]));
    assert_eq!(s.get("/indexes/cinema/documents/1").json()["title"], "Alien");
    s.get("/indexes/films").assert_error(404, "index_not_found");
    let e = s.send_json("POST", "/swap-indexes", &json!([{"indexes": ["a", "b"], "rename": "yes"}]));
    e.assert_error(400, "invalid_swap_rename");
}

/// `POST /indexes/{uid}/compact` merges the search index; search and
/// documents are the same afterwards. Stats show Meilisearch's fields.
#[test]
fn compaction_and_stats_as_meilisearch_shows_them() {
    let s = Server::start();
    for i in 0..5 {
        let docs = json!([{"id": i, "title": format!("movie {i}")}]).to_string();
        s.wait_task(s.enqueue("POST", "/indexes/movies/documents", "application/json", docs.as_bytes()));
    }
    let r = s.request("POST", "/indexes/movies/compact", &[], b"");
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["type"], "indexCompaction");
    let task = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    assert_eq!(task["status"], "succeeded", "{task}");
    let sizes = &task["details"];
    assert!(sizes["preCompactionSize"].as_str().unwrap().ends_with('B'), "{sizes}");
    assert!(sizes["postCompactionSize"].as_str().unwrap().ends_with('B'), "{sizes}");
    assert_eq!(s.get("/indexes/movies/search?q=movie").json()["estimatedTotalHits"], 5);
    let missing = s.wait_task(s.request("POST", "/indexes/nope/compact", &[], b"").json()["taskUid"].as_u64().unwrap());
    assert_eq!((missing["error"]["code"].as_str(), &missing["details"]), (Some("index_not_found"), &json!({})));
    assert_eq!(s.get("/tasks?types=indexCompaction").json()["total"], 2);

    let stats = s.get("/indexes/movies/stats?showInternalDatabaseSizes=true&sizeFormat=human").json();
    assert_eq!((stats["numberOfEmbeddings"].clone(), stats["numberOfEmbeddedDocuments"].clone()), (json!(0), json!(0)));
    assert!(stats["rawDocumentDbSize"].as_str().unwrap().ends_with('B'), "{stats}");
    assert!(stats["internalDatabaseSizes"]["searchIndex"].is_string(), "{stats}");
    let raw = s.get("/stats").json();
    assert!(raw["databaseSize"].is_u64() && raw["indexes"]["movies"].get("internalDatabaseSizes").is_none(), "{raw}");
    s.get("/stats?sizeFormat=abc").assert_error(400, "invalid_stats_size_format");
    s.get("/stats?showInternalDatabaseSizes=abc").assert_error(400, "invalid_stats_show_internal_database_sizes");
    let batch = s.get(&format!("/batches/{}", task["batchUid"])).json();
    assert!(batch["stats"]["progressTrace"]["processing tasks"].is_string(), "{batch}");
}

/// `POST /indexes/{uid}/fields` lists what Meilisearch 1.50 listed for the
/// same document: parents, nested paths and `_geo`'s, byte-wise sorted.
#[test]
fn fields_are_listed_as_meilisearch_lists_them() {
    let s = Server::start();
    let doc = json!([{"id": 1, "title": "t", "author": {"name": "a", "born": 1900}, "tags": ["x"],
        "_geo": {"lat": 1, "lng": 2}, "year": 2000, "genre": "g"}]);
    s.wait_task(s.enqueue("POST", "/indexes/f/documents", "application/json", doc.to_string().as_bytes()));
    let all = s.post_json("/indexes/f/fields", &json!({})).json();
    let names: Vec<&str> = all["results"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    let expected = [
        "_geo",
        "_geo.lat",
        "_geo.lng",
        "author",
        "author.born",
        "author.name",
        "genre",
        "id",
        "tags",
        "title",
        "year",
    ];
    assert_eq!(names, expected);
    assert_eq!((all["total"].clone(), all["limit"].clone()), (json!(11), json!(20)));
    let page = s.post_json(
        "/indexes/f/fields",
        &json!({"offset": 1, "limit": 2, "filter": {"attributePatterns": ["author.*"]}}),
    );
    let page = page.json();
    assert_eq!((page["results"][0]["name"].clone(), page["total"].clone()), (json!("author.name"), json!(2)));
    s.request("GET", "/indexes/f/fields", &[], b"").assert_error(405, "method_not_allowed");
    s.post_json("/indexes/f/fields", &json!({"filter": 1})).assert_error(400, "invalid_index_fields_filter");
    s.post_json("/indexes/nope/fields", &json!({})).assert_error(404, "index_not_found");
}

/// `skipCreation=true` updates the documents that exist and adds none.
#[test]
fn skip_creation_adds_no_document() {
    let s = Server::start();
    s.wait_task(s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id": 1, "a": 1}]"#));
    let t = s.enqueue(
        "PUT",
        "/indexes/m/documents?skipCreation=true",
        "application/json",
        br#"[{"id": 1, "b": 2}, {"id": 2}]"#,
    );
    assert_eq!(s.wait_task(t)["details"]["indexedDocuments"], 2);
    let docs = s.get("/indexes/m/documents").json();
    assert_eq!(docs["results"], json!([{"id": 1, "a": 1, "b": 2}]));
    let r =
        s.request("POST", "/indexes/m/documents?skipCreation=maybe", &[("Content-Type", "application/json")], b"[]");
    let e = r.assert_error(400, "invalid_skip_creation");
    assert_eq!(e["message"], "skipCreation must be either `true` or `false`. Found: `maybe`");
}
