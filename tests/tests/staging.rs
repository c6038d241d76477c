//! Staged ingestion, webhook targeting and task metadata, end to end: the
//! real binary, real HTTP, and a real receiver for the webhooks.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::Server;
use serde_json::{json, Value};

/// Every document of an index, by id.
fn live(s: &Server, index: &str) -> BTreeMap<String, Value> {
    let page = s.get(&format!("/indexes/{index}/documents?limit=100000"));
    if page.status == 404 {
        return BTreeMap::new();
    }
    page.json()["results"].as_array().unwrap().iter().map(|d| (d["id"].to_string(), d.clone())).collect()
}

fn deploy(s: &Server, index: &str) -> Value {
    let resp = s.request("POST", &format!("/indexes/{index}/deploy"), &[], b"");
    assert_eq!(resp.status, 202, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["type"], "indexDeploy");
    let task = s.wait_task(resp.json()["taskUid"].as_u64().unwrap());
    assert_eq!(task["status"], "succeeded", "{task}");
    task
}

fn stage(s: &Server, index: &str, what: &str, body: &Value) -> Value {
    let resp = s.post_json(&format!("/indexes/{index}/staging/{what}"), body);
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json()
}

/// A deterministic mix of snapshots and notifies, checked after every deploy
/// against a model: a map replaced by snapshots, upserted and removed by notifies.
#[test]
fn staged_snapshots_and_notifies_deploy_like_the_model() {
    let s = Server::start();
    let mut model: BTreeMap<String, Value> = BTreeMap::new();
    let mut staged: Vec<(bool, Vec<Value>, Vec<u64>)> = Vec::new();
    let mut seed = 7u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for round in 0..6u64 {
        for step in 0..(2 + next(4)) {
            let docs: Vec<Value> =
                (0..next(8)).map(|_| json!({"id": next(30), "round": round, "step": step})).collect();
            if next(5) == 0 {
                stage(&s, "shop", "snapshot", &Value::Array(docs.clone()));
                staged.push((true, docs, Vec::new()));
            } else {
                let removed: Vec<u64> = (0..next(4)).map(|_| next(30)).collect();
                stage(&s, "shop", "notify", &json!({"upsert": docs, "remove": removed}));
                staged.push((false, docs, removed));
            }
        }
        assert_eq!(live(&s, "shop"), model, "nothing is live before the deploy");

        let mut expected = model.clone();
        let (mut upserted, mut removed_count, mut replaced) = (0, 0, false);
        let from = staged.iter().rposition(|(snapshot, _, _)| *snapshot);
        for (i, (snapshot, docs, removals)) in staged.iter().enumerate() {
            if from.is_some_and(|f| i < f) {
                continue;
            }
            if *snapshot {
                expected.clear();
                replaced = true;
            }
            for doc in docs {
                expected.insert(doc["id"].to_string(), doc.clone());
                upserted += 1;
            }
            for id in removals {
                removed_count += u64::from(expected.remove(&id.to_string()).is_some());
            }
        }
        let task = deploy(&s, "shop");
        assert_eq!(
            task["details"],
            json!({"upsertedDocuments": upserted, "removedDocuments": removed_count, "replacedAll": replaced}),
            "round {round}"
        );
        model = expected;
        assert_eq!(live(&s, "shop"), model, "round {round}: the live index is the model");
        assert_eq!(s.get("/indexes/shop/stats").json()["numberOfDocuments"], model.len());
        let summary = s.get("/indexes/shop/staging").json();
        assert_eq!((summary["operations"].as_u64(), summary["snapshot"].as_bool()), (Some(0), Some(false)));
        staged.clear();
    }
    // Deploying with nothing staged succeeds with zero counts.
    let task = deploy(&s, "shop");
    assert_eq!(task["details"], json!({"upsertedDocuments": 0, "removedDocuments": 0, "replacedAll": false}));
    assert_eq!(live(&s, "shop"), model);
    // Deploys are tasks like any other: filterable by type, in their own batches.
    let deploys = s.get("/tasks?types=indexDeploy&limit=100").json();
    assert_eq!(deploys["total"], 7);
    let batch = s.get(&format!("/batches/{}", task["batchUid"])).json();
    assert_eq!(batch["stats"]["types"], json!({"indexDeploy": 1}), "{batch}");
}

/// A deploy covers what was staged before it was asked for; later staging
/// waits for the next deploy. Discarding forgets it all.
#[test]
fn a_deploy_takes_what_was_staged_before_it_and_discard_forgets() {
    let s = Server::start();
    stage(&s, "a", "notify", &json!({"upsert": [{"id": 1}, {"id": 2}]}));
    let resp = s.request("POST", "/indexes/a/deploy", &[], b"");
    let first = resp.json()["taskUid"].as_u64().unwrap();
    stage(&s, "a", "notify", &json!({"upsert": [{"id": 3}], "remove": [1]}));
    s.wait_task(first);
    assert_eq!(live(&s, "a").keys().cloned().collect::<Vec<_>>(), ["1", "2"]);
    let summary = s.get("/indexes/a/staging").json();
    assert_eq!((summary["upserts"].as_u64(), summary["removals"].as_u64()), (Some(1), Some(1)), "{summary}");
    assert!(summary["since"].is_string());
    assert_eq!(s.delete("/indexes/a/staging").status, 204);
    let summary = s.get("/indexes/a/staging").json();
    assert_eq!(summary["operations"], 0);
    assert!(summary["since"].is_null());
    deploy(&s, "a");
    assert_eq!(live(&s, "a").keys().cloned().collect::<Vec<_>>(), ["1", "2"]);
}

/// Bad bodies are refused with Meilisearch-style errors and stage nothing.
#[test]
fn bad_staging_bodies_stage_nothing() {
    let s = Server::start();
    stage(&s, "b", "notify", &json!({"upsert": [{"id": "kept"}]}));
    // Later staging keeps to the key of what is already staged (`id`, inferred).
    let cases: [(&str, Value, u16, &str); 7] = [
        ("notify", json!({"upsert": [{"title": "no id"}]}), 400, "missing_document_id"),
        ("notify", json!({"upsert": [{"sku": 1}]}), 400, "missing_document_id"),
        ("notify", json!({"upsert": {"id": 1}}), 400, "invalid_staging_upsert"),
        ("notify", json!({"upsert": [1]}), 400, "invalid_staging_upsert"),
        ("notify", json!({"remove": [{"id": 1}]}), 400, "invalid_staging_remove"),
        ("notify", json!({"upsert": [], "purge": true}), 400, "bad_request"),
        ("snapshot", json!([{"id": "ok"}, {"id": "bad id"}]), 400, "invalid_document_id"),
    ];
    for (what, body, status, code) in cases {
        let err = s.post_json(&format!("/indexes/b/staging/{what}"), &body).assert_error(status, code);
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()), "{err}");
    }
    s.post_json("/indexes/fresh/staging/notify", &json!({"upsert": [{"title": "x"}]}))
        .assert_error(400, "index_primary_key_no_candidate_found");
    let resp =
        s.request("POST", "/indexes/b/staging/snapshot", &[("Content-Type", "application/json")], b"[{\"id\": 1");
    resp.assert_error(400, "malformed_payload");
    s.request("POST", "/indexes/b/staging/notify", &[], b"{}").assert_error(415, "missing_content_type");
    s.post_json("/indexes/b%20c/staging/notify", &json!({})).assert_error(400, "invalid_index_uid");
    let summary = s.get("/indexes/b/staging").json();
    assert_eq!((summary["operations"].as_u64(), summary["upserts"].as_u64()), (Some(1), Some(1)), "{summary}");
    deploy(&s, "b");
    assert_eq!(live(&s, "b").keys().cloned().collect::<Vec<_>>(), ["\"kept\""]);
}

/// Staged data is on disk once staging answers: a kill -9 keeps it.
#[test]
fn staged_data_survives_a_crash() {
    let mut s = Server::start();
    stage(&s, "c", "snapshot", &json!([{"id": 1, "v": "a"}, {"id": 2, "v": "a"}]));
    stage(&s, "c", "notify", &json!({"upsert": [{"id": 3, "v": "a"}], "remove": [2]}));
    s.kill9();
    s.restart();
    let summary = s.get("/indexes/c/staging").json();
    assert_eq!(summary["snapshot"], true);
    assert_eq!((summary["snapshotDocuments"].as_u64(), summary["upserts"].as_u64()), (Some(2), Some(1)));
    deploy(&s, "c");
    assert_eq!(live(&s, "c").keys().cloned().collect::<Vec<_>>(), ["1", "3"]);
}

/// 100k documents replaced by a deploy while a reader pages through the
/// index: every page is all old or all new, and the total never wavers.
#[test]
fn readers_never_see_a_half_deployed_index() {
    const N: usize = 100_000;
    let s = Server::start();
    let snapshot = |version: u32| -> Vec<u8> {
        (0..N).map(|i| format!("{{\"id\":{i},\"version\":{version}}}\n")).collect::<String>().into_bytes()
    };
    for version in [1, 2] {
        let resp = s.request(
            "POST",
            "/indexes/big/staging/snapshot",
            &[("Content-Type", "application/x-ndjson")],
            &snapshot(version),
        );
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        let done = AtomicBool::new(false);
        let seen = std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let mut seen = std::collections::BTreeSet::new();
                let mut offset = 0;
                while !done.load(Ordering::SeqCst) {
                    let page = s.get(&format!("/indexes/big/documents?limit=200&offset={offset}"));
                    offset = (offset + 9_973) % N;
                    if page.status == 404 {
                        continue; // Before the first deploy, there is no index yet.
                    }
                    let page = page.json();
                    let versions: Vec<u64> =
                        page["results"].as_array().unwrap().iter().map(|d| d["version"].as_u64().unwrap()).collect();
                    assert!(versions.windows(2).all(|w| w[0] == w[1]), "a page mixes versions: {versions:?}");
                    assert_eq!(page["total"], N, "the count of a half-deployed index");
                    seen.extend(versions);
                }
                seen
            });
            deploy(&s, "big");
            let settled = Instant::now() + Duration::from_millis(300);
            while Instant::now() < settled {
                std::thread::sleep(Duration::from_millis(20));
            }
            done.store(true, Ordering::SeqCst);
            reader.join().unwrap()
        });
        // The reader was reading before and after the switch.
        let expected: Vec<u64> = if version == 1 { vec![1] } else { vec![1, 2] };
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), expected);
        let first = s.get("/indexes/big/documents/77").json();
        assert_eq!(first["version"], version);
    }
}

/// `?webhooks=` reaches webhooks whose filter would exclude the task;
/// `targetedOnly` webhooks hear only of tasks that name them; a deleted or
/// unknown webhook is refused and nothing is enqueued.
#[test]
fn targeted_tasks_reach_the_named_webhooks_only() {
    let s = Server::start(); // development: loopback receivers are allowed
    let (filtered, dedicated, broad) = (Receiver::start(200), Receiver::start(200), Receiver::start(200));
    let create = |url: String, filter: Value| -> String {
        let resp = s.post_json("/webhooks", &json!({"url": url, "filter": filter}));
        assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
        resp.json()["uuid"].as_str().unwrap().to_owned()
    };
    let filtered_uuid = create(filtered.url("/f"), json!({"indexUids": ["elsewhere"]}));
    let dedicated_uuid = create(dedicated.url("/d"), json!({"targetedOnly": true}));
    let _broad = create(broad.url("/b"), Value::Null);
    assert_eq!(s.get(&format!("/webhooks/{dedicated_uuid}")).json()["filter"]["targetedOnly"], true);

    let add = |query: &str, id: u64| {
        s.enqueue(
            "POST",
            &format!("/indexes/t/documents{query}"),
            "application/json",
            json!([{"id": id}]).to_string().as_bytes(),
        )
    };
    let plain = add("", 1);
    let targeted = add(&format!("?webhooks={filtered_uuid},{dedicated_uuid}&customMetadata=job-42"), 2);
    let settings = s.request(
        "PATCH",
        &format!("/indexes/t/settings?webhooks={dedicated_uuid}"),
        &[("Content-Type", "application/json")],
        br#"{"rankingRules": ["words"]}"#,
    );
    assert_eq!(settings.status, 202);
    let settings = settings.json()["taskUid"].as_u64().unwrap();
    for uid in [plain, targeted, settings] {
        s.wait_task(uid);
    }
    assert_eq!(s.get(&format!("/tasks/{targeted}")).json()["customMetadata"], "job-42");
    assert!(s.get(&format!("/tasks/{plain}")).json().get("customMetadata").is_none());

    let uids_seen = |rx: &Receiver, expected: &[u64]| -> Vec<u64> {
        let got = rx.wait_for_tasks(expected);
        let mut uids: Vec<u64> = got.iter().flat_map(|r| &r.lines).map(|l| l["uid"].as_u64().unwrap()).collect();
        uids.sort();
        uids
    };
    assert_eq!(uids_seen(&broad, &[plain, targeted, settings]), [plain, targeted, settings]);
    assert_eq!(uids_seen(&filtered, &[targeted]), [targeted], "named despite its filter");
    // Give the other deliveries time to arrive if they were (wrongly) sent.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(uids_seen(&dedicated, &[targeted, settings]), [targeted, settings], "only what named it");
    let line = broad.received().iter().flat_map(|r| r.lines.clone()).find(|l| l["uid"] == targeted).unwrap();
    assert_eq!(line["customMetadata"], "job-42", "the payload carries the metadata");
    assert!(line.get("webhooks").is_none());

    // Unknown, deleted and malformed uuids: refused, nothing enqueued.
    let before = s.get("/tasks?limit=1").json()["total"].clone();
    assert_eq!(s.delete(&format!("/webhooks/{filtered_uuid}")).status, 204);
    let body = json!([{"id": 3}]).to_string();
    let json_type = [("Content-Type", "application/json")];
    s.request("POST", &format!("/indexes/t/documents?webhooks={filtered_uuid}"), &json_type, body.as_bytes())
        .assert_error(404, "webhook_not_found");
    s.request("POST", "/indexes/t/documents?webhooks=not-a-uuid", &json_type, body.as_bytes())
        .assert_error(400, "invalid_webhook_uuid");
    s.request("POST", &format!("/tasks/cancel?uids=0&webhooks={filtered_uuid}"), &[], b"")
        .assert_error(404, "webhook_not_found");
    s.request("POST", &format!("/indexes/t/deploy?webhooks={filtered_uuid}"), &[], b"")
        .assert_error(404, "webhook_not_found");
    assert_eq!(s.get("/tasks?limit=1").json()["total"], before, "nothing was enqueued");

    // Cancel and delete take the annotations too, and keep them out of the original filter.
    let resp =
        s.request("POST", &format!("/tasks/cancel?uids=0&customMetadata=sweep&webhooks={dedicated_uuid}"), &[], b"");
    let cancel = s.wait_task(resp.json()["taskUid"].as_u64().unwrap());
    assert_eq!(cancel["customMetadata"], "sweep");
    assert_eq!(cancel["details"]["originalFilter"], "?uids=0");
}
