//! Task webhooks end to end: the real binary, a real receiver that gunzips and
//! parses what arrives, and the runtime `/webhooks` API.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::receiver::{flatten, Receiver};
use common::Server;
use serde_json::{json, Value};

const SECRET: &str = "Bearer secret-token-123456789";

#[test]
fn the_cli_webhook_gets_each_finished_batch_as_flattened_gzip_ndjson() {
    let rx = Receiver::start(200);
    let url = rx.url("/hook?common=people");
    let s = Server::with_args(&["--task-webhook-url", &url, "--task-webhook-authorization-header", SECRET]);

    // Several quick additions from concurrent clients autobatch; one task fails.
    let mut uids: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|c| {
                let s = &s;
                scope.spawn(move || {
                    (0..5)
                        .map(|i| {
                            s.enqueue(
                                "POST",
                                "/indexes/books/documents",
                                "application/json",
                                json!([{"id": c * 10 + i}]).to_string().as_bytes(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    uids.push(s.delete("/indexes/movie").json()["taskUid"].as_u64().unwrap());
    let tasks: BTreeMap<u64, Value> = uids.iter().map(|u| (*u, s.wait_task(*u))).collect();
    let received = rx.wait_for_tasks(&uids);

    let mut seen = BTreeSet::new();
    for request in &received {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/hook?common=people", "the query string arrives intact");
        assert_eq!(request.headers["content-type"], "application/x-ndjson");
        assert_eq!(request.headers["content-encoding"], "gzip");
        assert_eq!(request.headers["authorization"], SECRET);
        let batch = request.lines[0]["batchUid"].as_u64().unwrap();
        let batch_tasks: BTreeSet<u64> = s.get(&format!("/tasks?batchUids={batch}&limit=1000")).json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uid"].as_u64().unwrap())
            .collect();
        let in_request: BTreeSet<u64> = request.lines.iter().map(|l| l["uid"].as_u64().unwrap()).collect();
        assert_eq!(in_request, batch_tasks, "one POST carries every task of its batch");
        assert_eq!(in_request.len(), request.lines.len(), "each task once");
        for line in &request.lines {
            let uid = line["uid"].as_u64().unwrap();
            assert!(seen.insert(uid), "task {uid} delivered twice");
            let shown = s.get(&format!("/tasks/{uid}")).json();
            assert_eq!(line, &flatten(&shown), "the line is GET /tasks/{uid}, flattened");
        }
    }
    assert!(received.iter().any(|r| r.lines.len() > 1), "autobatched tasks arrive in one POST");
    let failed = received.iter().flat_map(|r| &r.lines).find(|l| l["status"] == "failed").unwrap();
    assert_eq!(failed["error.code"], "index_not_found");
    assert_eq!(failed["error.message"], "Index `movie` not found.");
    assert_eq!(failed["error.type"], "invalid_request");
    assert_eq!(failed["error.link"], "https://docs.meilisearch.com/errors#index_not_found");
    assert_eq!(failed["details.deletedDocuments"], 0);
    assert!(tasks.values().all(|t| t["status"] != "enqueued"));
    let log = std::fs::read_to_string(s.log_path()).unwrap();
    assert!(!log.contains("secret-token"), "the authorization header is never logged");
}

/// A refused connection, a 500 and a black hole beside each other: tasks are
/// processed as fast as without webhooks, and failures are logged by uuid and
/// batch, never with headers.
#[test]
fn failing_webhooks_never_slow_the_queue() {
    let failing = Receiver::start(500);
    let healthy = Receiver::start(200);
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap(); // accepts, never answers
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let s = Server::with_args(&[
        "--task-webhook-url",
        &failing.url("/fail"),
        "--task-webhook-authorization-header",
        SECRET,
    ]);
    let mut hooks = Vec::new();
    let urls = [
        format!("http://{refused}/refused"),
        format!("http://{}/slow", black_hole.local_addr().unwrap()),
        healthy.url("/ok"),
    ];
    for url in urls {
        let created = s.post_json("/webhooks", &json!({"url": url, "headers": {"Authorization": SECRET}}));
        assert_eq!(created.status, 201);
        hooks.push(created.json()["uuid"].as_str().unwrap().to_owned());
    }
    let started = Instant::now();
    // More batches than any shared limit on requests in flight: the black hole
    // holds its own requests for 30 s and must not hold anyone else's.
    let mut uids = Vec::new();
    for i in 0..100 {
        let uid =
            s.enqueue("POST", "/indexes/m/documents", "application/json", json!([{"id": i}]).to_string().as_bytes());
        s.wait_task(uid);
        uids.push(uid);
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(30), "100 sequential tasks took {elapsed:?}");
    assert_eq!(s.get("/indexes/m/stats").json()["numberOfDocuments"], 100);
    let healthy_got = healthy.wait_for_tasks(&uids);
    assert_eq!(healthy_got.len(), 100, "one POST per batch, all of them, beside a black hole");
    // The failing webhook gets its first batch, then retries it (5 s later on
    // the default schedule) before anything else: deliveries stay in order.
    failing.wait_for_tasks(&uids[..1]);

    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = std::fs::read_to_string(s.log_path()).unwrap();
        if log.contains(&hooks[0]) && log.contains("status 500") && log.contains("will retry") {
            break log;
        }
        assert!(Instant::now() < deadline, "failures not logged:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(log.contains("batch="), "{log}");
    assert!(log.contains("00000000-0000-0000-0000-000000000000"), "the CLI webhook is named by its uuid");
    assert!(!log.contains("secret-token"), "the authorization header is never logged");
    drop(black_hole);
}

#[test]
fn the_runtime_webhooks_api_behaves_like_meilisearch() {
    let rx = Receiver::start(200);
    let mut s = Server::with_args(&[
        "--task-webhook-url",
        "http://127.0.0.1:9/cli",
        "--task-webhook-authorization-header",
        SECRET,
    ]);

    let list = s.get("/webhooks").json();
    let cli = &list["results"][0];
    assert_eq!(cli["uuid"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(cli["isEditable"], false);
    assert_eq!(cli["url"], "http://127.0.0.1:9/cli");
    assert_eq!(cli["headers"]["Authorization"], "Bearer secXXXXX...", "redacted as Meilisearch does");

    let created = s.post_json(
        "/webhooks",
        &json!({"url": rx.url("/rt?x=1"), "headers": {"Authorization": SECRET, "X-Team": "search"}}),
    );
    assert_eq!(created.status, 201);
    let hook = created.json();
    let uuid = hook["uuid"].as_str().unwrap().to_owned();
    assert_eq!(hook["isEditable"], true);
    assert_eq!(hook["headers"], json!({"Authorization": "Bearer secXXXXX...", "X-Team": "search"}));
    assert_eq!(s.get(&format!("/webhooks/{uuid}")).json(), hook);

    // A change applies from the next finished batch.
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":1}]"#);
    s.wait_task(t);
    let got = rx.wait_for_tasks(&[t]);
    assert_eq!(got[0].target, "/rt?x=1");
    assert_eq!(got[0].headers["authorization"], SECRET, "the real value is sent");
    assert_eq!(got[0].headers["x-team"], "search");

    let patched =
        s.send_json("PATCH", &format!("/webhooks/{uuid}"), &json!({"headers": {"X-Team": null, "X-New": "1"}}));
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json()["headers"], json!({"Authorization": "Bearer secXXXXX...", "X-New": "1"}));
    let cleared = s.send_json("PATCH", &format!("/webhooks/{uuid}"), &json!({"headers": null})).json();
    assert_eq!(cleared["headers"], json!({}));
    s.send_json("PATCH", &format!("/webhooks/{uuid}"), &json!({"url": null})).assert_error(400, "invalid_webhook_url");
    s.post_json("/webhooks", &json!({"url": "not a url"})).assert_error(400, "invalid_webhook_url");
    s.post_json("/webhooks", &json!({"url": "http://a", "headers": {"bad header": "x"}}))
        .assert_error(400, "invalid_webhook_headers");
    s.post_json("/webhooks", &json!({"url": "http://a", "doggo": 1})).assert_error(400, "bad_request");
    s.post_json("/webhooks", &json!({"url": "http://a", "uuid": uuid})).assert_error(400, "immutable_webhook_uuid");
    s.post_json("/webhooks", &json!({"url": "http://a", "isEditable": true}))
        .assert_error(400, "immutable_webhook_is_editable");
    s.get("/webhooks/not-a-uuid").assert_error(400, "invalid_webhook_uuid");
    s.get("/webhooks/7d1f7a4e-1111-4111-8111-111111111111").assert_error(404, "webhook_not_found");
    let nil = "/webhooks/00000000-0000-0000-0000-000000000000";
    s.send_json("PATCH", nil, &json!({"url": "http://x"})).assert_error(400, "immutable_webhook");
    s.delete(nil).assert_error(400, "immutable_webhook");
    for _ in 1..webhook_limit() {
        assert_eq!(s.post_json("/webhooks", &json!({"url": "http://a"})).status, 201);
    }
    s.post_json("/webhooks", &json!({"url": "http://a"})).assert_error(400, "invalid_webhooks");

    // Restart keeps runtime webhooks.
    s.restart();
    let list = s.get("/webhooks").json();
    assert_eq!(list["results"].as_array().unwrap().len(), 1 + webhook_limit());
    assert_eq!(s.get(&format!("/webhooks/{uuid}")).json()["url"], rx.url("/rt?x=1"));
    let deleted = s.delete(&format!("/webhooks/{uuid}"));
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    s.get(&format!("/webhooks/{uuid}")).assert_error(404, "webhook_not_found");
}

fn webhook_limit() -> usize {
    20
}

#[test]
fn webhook_routes_need_the_master_key() {
    let s = Server::with_key("a-master-key-of-32-bytes-length!");
    common::http(s.addr, "GET", "/webhooks", &[], b"").assert_error(401, "missing_authorization_header");
    s.request(
        "POST",
        "/webhooks",
        &[("Authorization", "Bearer nope"), ("Content-Type", "application/json")],
        br#"{"url":"http://a"}"#,
    )
    .assert_error(403, "invalid_api_key");
    assert_eq!(s.get("/webhooks").json(), json!({"results": []}));
}

/// No public CA is reachable offline, so this checks what can be checked: an
/// `https://` webhook opens a TLS handshake (a ClientHello record), not plain HTTP.
#[test]
fn https_webhooks_speak_tls() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://localhost:{}/hook", listener.local_addr().unwrap().port());
    let s = Server::with_args(&["--task-webhook-url", &url]);
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":1}]"#);
    s.wait_task(t);
    listener.set_nonblocking(false).unwrap();
    let (mut stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = [0u8; 3];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(head[0], 0x16, "a TLS handshake record");
    assert_eq!(head[1], 0x03, "TLS major version 3");
}

#[test]
fn signing_secrets_are_shown_once_and_sign_every_request() {
    let rx = Receiver::start(200);
    let cli_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let s = Server::with_args(&["--task-webhook-url", &rx.url("/cli"), "--task-webhook-signing-secret", cli_secret]);
    let created = s.post_json("/webhooks", &json!({"url": rx.url("/rt"), "signingSecret": true})).json();
    let secret = created["signingSecret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let uuid = created["uuid"].as_str().unwrap();
    let shown = s.get(&format!("/webhooks/{uuid}")).json();
    assert_eq!(shown["signed"], true);
    assert!(shown.get("signingSecret").is_none() && !shown.to_string().contains(&secret[6..]), "shown once only");
    assert!(!s.get("/webhooks").json().to_string().contains("MfKQ9r8G"), "the CLI secret is never shown");
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":1}]"#);
    s.wait_task(t);
    let got = rx.wait_for_tasks(&[t]);
    wait_for(|| rx.received().len() >= 2);
    for r in rx.received() {
        assert!(r.headers["webhook-signature"].starts_with("v1,"), "{:?}", r.headers);
        assert!(r.headers["webhook-id"].starts_with("msg_"));
    }
    assert!(!got.is_empty());
    let rotated = s.send_json("PATCH", &format!("/webhooks/{uuid}"), &json!({"signingSecret": true})).json();
    assert_ne!(rotated["signingSecret"], secret);
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":2}]"#);
    s.wait_task(t);
    wait_for(|| rx.received().iter().filter(|r| r.target == "/rt").any(|r| r.lines[0]["uid"] == t));
    let last = rx.received().into_iter().rfind(|r| r.target == "/rt").unwrap();
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 2, "old and new secret both sign for 24 h");
    let log = std::fs::read_to_string(s.log_path()).unwrap();
    assert!(!log.contains("MfKQ9r8G") && !log.contains(&secret[6..]), "secrets are never logged");
}

fn wait_for(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}
