//! Reliable delivery: the durable outbox, retries, `Retry-After`, `410 Gone`,
//! and crashes. The real binary, a real receiver.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::Server;
use serde_json::json;

const FAST: &str = "0,100ms,100ms,100ms";

fn add(s: &Server, id: u64) -> u64 {
    let uid = s.enqueue("POST", "/indexes/m/documents", "application/json", json!([{"id": id}]).to_string().as_bytes());
    s.wait_task(uid);
    uid
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_500_500_200_receiver_gets_one_accepted_delivery_after_two_retries() {
    let rx = Receiver::scripted(&[(500, None), (500, None)], 200);
    let s = Server::with_args(&["--task-webhook-url", &rx.url("/h"), "--webhook-retry-schedule", FAST]);
    let uid = add(&s, 1);
    wait_until("three attempts", || rx.received().len() >= 3);
    std::thread::sleep(Duration::from_millis(600));
    let got = rx.received();
    assert_eq!(got.len(), 3, "no attempt after the 200");
    let ids: BTreeSet<&str> = got.iter().map(|r| r.headers["webhook-id"].as_str()).collect();
    assert_eq!(ids.len(), 1, "one webhook-id for every attempt: {ids:?}");
    assert!(got.iter().all(|r| r.lines[0]["uid"] == uid));
    for pair in got.windows(2) {
        assert!(pair[1].at - pair[0].at >= Duration::from_millis(80), "retries wait their turn");
    }
}

#[test]
fn deliveries_to_one_webhook_keep_batch_order_across_retries() {
    let rx = Receiver::scripted(&[(500, None), (503, None)], 200);
    let s = Server::with_args(&["--task-webhook-url", &rx.url("/h"), "--webhook-retry-schedule", FAST]);
    let uids: Vec<u64> = (0..5).map(|i| add(&s, i)).collect();
    rx.wait_for_tasks(&uids);
    let accepted: Vec<u64> = rx.received().iter().skip(2).map(|r| r.lines[0]["uid"].as_u64().unwrap()).collect();
    assert_eq!(accepted, uids, "after two failures of the first batch, every batch once and in order");
}

#[test]
fn retry_after_on_429_is_honoured() {
    let rx = Receiver::scripted(&[(429, Some(2))], 200);
    let s = Server::with_args(&["--task-webhook-url", &rx.url("/h"), "--webhook-retry-schedule", FAST]);
    add(&s, 1);
    wait_until("the retry", || rx.received().len() >= 2);
    let got = rx.received();
    let waited = got[1].at - got[0].at;
    assert!(waited >= Duration::from_millis(1900) && waited < Duration::from_secs(5), "waited {waited:?}");
}

#[test]
fn gone_disables_the_webhook_until_it_is_re_enabled() {
    let rx = Receiver::scripted(&[(410, None)], 200);
    let s = Server::with_args(&["--webhook-retry-schedule", FAST]);
    let created = s.post_json("/webhooks", &json!({"url": rx.url("/h")})).json();
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    let first = add(&s, 1);
    wait_until("the webhook to be disabled", || s.get(&format!("/webhooks/{uuid}")).json()["disabled"] == true);
    let second = add(&s, 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(rx.received().len(), 1, "nothing is sent to a disabled webhook");
    let patched = s.send_json("PATCH", &format!("/webhooks/{uuid}"), &json!({"disabled": false}));
    assert_eq!(patched.json()["disabled"], false);
    rx.wait_for_tasks(&[first, second]);
}

/// kill -9 while the receiver fails, restart, let it recover: every finished
/// task arrives, and the delivery attempted before the crash keeps its id.
#[test]
fn kill9_loses_no_delivery_and_keeps_webhook_ids() {
    let rx = Receiver::start(500);
    let mut s = Server::with_args(&[
        "--task-webhook-url",
        &rx.url("/h"),
        "--webhook-retry-schedule",
        "0,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms",
    ]);
    let uids: Vec<u64> = (0..20).map(|i| add(&s, i)).collect();
    wait_until("a first attempt", || !rx.received().is_empty());
    let before = rx.received()[0].clone();
    s.kill9();
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    s.launch();
    let got = rx.wait_for_tasks(&uids);
    let after: Vec<_> = got.iter().filter(|r| r.lines[0]["uid"] == before.lines[0]["uid"]).collect();
    assert!(
        after.iter().all(|r| r.headers["webhook-id"] == before.headers["webhook-id"]),
        "same webhook-id after the crash"
    );
    let delivered: BTreeSet<u64> =
        got.iter().flat_map(|r| r.lines.iter().map(|l| l["uid"].as_u64().unwrap())).collect();
    assert!(uids.iter().all(|u| delivered.contains(u)));
}

/// kill -9 after the receiver answered 200 and before the outcome was written
/// (the fault seam holds every outcome back 30 s): the restarted server sends
/// each of those deliveries again with the same `webhook-id`, a duplicate and
/// never a loss; once written, an outcome is not sent again.
#[test]
fn kill9_between_a_send_and_its_recorded_outcome_gives_a_duplicate_with_the_same_id() {
    let rx = Receiver::start(200);
    let mut s = Server::with_env_and_args(&[("MEILI_LITE_FAULT_RECORD_DELAY_MS", "30000")], &[]);
    let created = s.post_json("/webhooks", &json!({"url": rx.url("/h")})).json();
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    let pending = |s: &Server| s.get(&format!("/webhooks/{uuid}")).json()["pendingDeliveries"].clone();
    let uids: Vec<u64> = (0..3).map(|i| add(&s, i)).collect();
    let first = rx.wait_for_tasks(&uids);
    assert_eq!(first.len(), 3, "each batch sent once, the lane not held up by the unwritten outcomes");
    assert_eq!(pending(&s), 3, "answered, not yet written: still pending on disk");
    s.kill9();
    s.env.clear();
    s.launch();
    wait_until("every delivery sent again", || rx.received().len() >= 6);
    let got = rx.received();
    for uid in &uids {
        let ids: Vec<&str> =
            got.iter().filter(|r| r.lines[0]["uid"] == *uid).map(|r| r.headers["webhook-id"].as_str()).collect();
        assert_eq!(ids.len(), 2, "task {uid}: once before the crash, once after");
        assert_eq!(ids[0], ids[1], "task {uid}: the same webhook-id");
    }
    wait_until("the outcomes written", || pending(&s) == 0);
    assert!(s.terminate().success());
    s.launch();
    // Counted from disk at start-up: an outcome not written would show here
    // until it went again, whatever the pace of the machine.
    assert_eq!(pending(&s), 0, "nothing left to send after the restart");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(rx.received().len(), 6, "a written outcome is not sent again");
}

/// A clean stop writes the outcomes still held back (2 s here) before its last
/// flush: nothing already delivered is sent again after the restart.
#[test]
fn a_clean_stop_writes_held_back_outcomes_so_nothing_is_sent_twice() {
    let rx = Receiver::start(200);
    let mut s = Server::with_env_and_args(
        &[("MEILI_LITE_FAULT_RECORD_DELAY_MS", "2000")],
        &["--task-webhook-url", &rx.url("/h")],
    );
    let uids: Vec<u64> = (0..3).map(|i| add(&s, i)).collect();
    rx.wait_for_tasks(&uids);
    assert!(s.terminate().success());
    s.env.clear();
    s.launch();
    // The command-line webhook's uuid is the nil one. Counted from disk at
    // start-up: an outcome not written would show here until it went again.
    let pending = s.get("/webhooks/00000000-0000-0000-0000-000000000000").json()["pendingDeliveries"].clone();
    assert_eq!(pending, 0, "every outcome written before the stop");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(rx.received().len(), 3, "every delivery once");
}

#[test]
fn filters_choose_the_tasks_and_payload_options_their_shape() {
    let failures = Receiver::start(200);
    let movies = Receiver::start(200);
    let s = Server::start();
    let body = json!({"url": failures.url("/f"), "filter": {"statuses": ["failed"]}, "format": "nested", "compression": "none"});
    let created = s.post_json("/webhooks", &body).json();
    assert_eq!(
        created["filter"],
        json!({"indexUids": ["*"], "types": ["*"], "statuses": ["failed"], "targetedOnly": false})
    );
    assert_eq!((created["format"].as_str(), created["compression"].as_str()), (Some("nested"), Some("none")));
    s.post_json("/webhooks", &json!({"url": movies.url("/m"), "filter": {"indexUids": ["movies"]}}));
    s.post_json("/webhooks", &json!({"url": "http://a", "filter": {"types": ["doggo"]}}))
        .assert_error(400, "invalid_webhook_filter");

    let ok = add(&s, 1);
    let failed = s.wait_task(s.delete("/indexes/nope").json()["taskUid"].as_u64().unwrap())["uid"].as_u64().unwrap();
    let movie = s.enqueue("POST", "/indexes/movies/documents", "application/json", br#"[{"id":1}]"#);
    s.wait_task(movie);

    let got = failures.wait_for_tasks(&[failed]);
    let request = &got[0];
    assert!(!request.headers.contains_key("content-encoding"), "compression none");
    assert_eq!(request.lines[0]["error"]["code"], "index_not_found", "nested: the task object as is");
    assert_eq!(request.lines[0], s.get(&format!("/tasks/{failed}")).json());
    movies.wait_for_tasks(&[movie]);
    std::thread::sleep(Duration::from_millis(300));
    let to_failures: Vec<u64> =
        failures.received().iter().flat_map(|r| r.lines.iter().map(|l| l["uid"].as_u64().unwrap())).collect();
    assert_eq!(to_failures, [failed], "nothing is sent when no task matches (task {ok} succeeded)");
    let to_movies: Vec<u64> =
        movies.received().iter().flat_map(|r| r.lines.iter().map(|l| l["uid"].as_u64().unwrap())).collect();
    assert_eq!(to_movies, [movie]);
}

/// Only loopback is used here: the guard is checked against 127.0.0.1, by
/// literal address and through name resolution (`localhost`).
#[test]
fn the_network_guard_refuses_private_addresses_unless_allowed() {
    const KEY: &str = "a-master-key-of-32-bytes-length!";
    let literal = Receiver::start(200);
    let by_name = Receiver::start(200);
    let s = Server::with_key_and_args(
        KEY,
        &["--env", "production", "--task-webhook-url", &literal.url("/l"), "--webhook-retry-schedule", FAST],
    );
    let name_url = format!("http://localhost:{}/n", by_name.addr.port());
    assert_eq!(s.post_json("/webhooks", &json!({"url": name_url})).status, 201);
    let uid = add(&s, 1);
    wait_until("the refusals to be logged", || {
        let log = std::fs::read_to_string(s.log_path()).unwrap();
        log.contains("127.0.0.1 is a private") && log.contains("localhost resolves to")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(literal.received().is_empty() && by_name.received().is_empty(), "nothing reached a refused address");

    let allowed = Server::with_key_and_args(
        KEY,
        &[
            "--env",
            "production",
            "--task-webhook-url",
            &literal.url("/l"),
            "--experimental-allowed-ip-networks",
            "127.0.0.0/8,::1/128",
        ],
    );
    let uid2 = add(&allowed, 1);
    literal.wait_for_tasks(&[uid2]);
    assert!(uid2 == uid, "each server has its own queue");

    let out = common::run_bin(&["--experimental-allowed-ip-networks", "10.0.0.0/99"], std::path::Path::new("."));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--experimental-allowed-ip-networks"));
}

#[test]
fn the_deliveries_log_retry_recover_and_health() {
    let rx = Receiver::start(500);
    let s = Server::with_args(&["--webhook-retry-schedule", "0,50ms"]);
    let uuid = s.post_json("/webhooks", &json!({"url": rx.url("/h")})).json()["uuid"].as_str().unwrap().to_owned();
    let first = add(&s, 1);
    let page = |s: &Server| s.get(&format!("/webhooks/{uuid}/deliveries")).json();
    wait_until("the first delivery to fail for good", || page(&s)["results"][0]["status"] == "failed");
    let listed = page(&s);
    let delivery = &listed["results"][0];
    assert_eq!(delivery["taskUids"], json!([first]));
    assert_eq!(delivery["attempts"].as_array().unwrap().len(), 2, "the schedule has two attempts");
    assert_eq!(delivery["attempts"][0]["statusCode"], 500);
    assert!(delivery["attempts"][0]["latencyMs"].is_u64() && delivery["attempts"][0]["at"].is_string());
    assert_eq!(delivery["nextAttemptAt"], serde_json::Value::Null);
    let health = s.get(&format!("/webhooks/{uuid}")).json();
    assert_eq!(
        (health["consecutiveFailures"].as_u64(), health["lastSuccessAt"].clone()),
        (Some(2), serde_json::Value::Null)
    );

    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let id = delivery["id"].as_str().unwrap();
    let retried = s.request("POST", &format!("/webhooks/{uuid}/deliveries/{id}/retry"), &[], b"");
    assert_eq!(retried.status, 202);
    wait_until("the redelivery", || page(&s)["results"][0]["status"] == "delivered");
    let health = s.get(&format!("/webhooks/{uuid}")).json();
    assert_eq!(health["consecutiveFailures"], 0);
    assert!(health["lastSuccessAt"].is_string());
    s.request("POST", &format!("/webhooks/{uuid}/deliveries/msg_999_x/retry"), &[], b"")
        .assert_error(404, "webhook_delivery_not_found");

    rx.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let (a, b) = (add(&s, 2), add(&s, 3));
    wait_until("both to fail for good", || {
        let p = page(&s);
        p["results"].as_array().unwrap().iter().filter(|d| d["status"] == "failed").count() == 2
    });
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let recovered = s.post_json(&format!("/webhooks/{uuid}/recover"), &json!({"since": "2020-01-01T00:00:00Z"}));
    assert_eq!(recovered.json()["requeued"], 2);
    rx.wait_for_tasks(&[a, b]);
    wait_until("all delivered", || page(&s)["results"].as_array().unwrap().iter().all(|d| d["status"] == "delivered"));
    assert_eq!(page(&s)["total"], 3);
}

#[test]
fn metrics_in_prometheus_text_format() {
    let rx = Receiver::scripted(&[(500, None)], 200);
    let s = Server::with_args(&[
        "--task-webhook-url",
        &rx.url("/h"),
        "--webhook-retry-schedule",
        FAST,
        "--experimental-enable-metrics",
    ]);
    let uid = add(&s, 1);
    s.wait_task(s.delete("/indexes/nope").json()["taskUid"].as_u64().unwrap());
    rx.wait_for_tasks(&[uid]);
    // The outbox depth follows the recorder, which writes finished
    // deliveries a few milliseconds after they are sent.
    wait_until("the delivery to be counted and written", || {
        let text = String::from_utf8(s.get("/metrics").body).unwrap();
        text.contains("meili_lite_webhook_deliveries_total{outcome=\"delivered\"} 2")
            && text.contains("meili_lite_webhook_outbox_depth{webhook=\"00000000-0000-0000-0000-000000000000\"} 0")
    });
    let resp = s.get("/metrics");
    assert!(resp.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(resp.body).unwrap();
    for line in [
        "meili_lite_tasks{status=\"succeeded\"} 1",
        "meili_lite_tasks{status=\"failed\"} 1",
        "meili_lite_tasks{status=\"enqueued\"} 0",
        "meili_lite_queue_depth 0",
        "meili_lite_webhook_deliveries_total{outcome=\"retried\"} 1",
        "meili_lite_webhook_delivery_latency_seconds_count 2",
        "meili_lite_webhook_outbox_depth{webhook=\"00000000-0000-0000-0000-000000000000\"} 0",
    ] {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
    assert!(text.contains("# TYPE meili_lite_webhook_delivery_latency_seconds histogram"));
}
