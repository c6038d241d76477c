//! The fault suite. `cargo test` runs it in a short form; `cargo xtask faults`
//! runs it at full size (`MEILI_LITE_FAULTS=full`) on a release build.
//!
//! Crash loop: kill -9 the server every 1-3 s while an import streams in with
//! a webhook on, restart it each time, then check that nothing accepted was
//! lost and every finished task was delivered.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::receiver::{Receiver, DRIP, HANG, RESET};
use common::Server;

fn full() -> bool {
    std::env::var("MEILI_LITE_FAULTS").is_ok_and(|v| v == "full")
}

/// A small deterministic generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn crash_loop_during_an_import_loses_nothing() {
    let (documents, chunk, min_crashes) = if full() { (100_000, 250, 8) } else { (20_000, 100, 3) };
    // The import streams in over this long, so the crashes land inside it.
    let streaming = Duration::from_secs(if full() { 20 } else { 5 });
    let rx = Receiver::start(200);
    let mut s = Server::with_args(&["--task-webhook-url", &rx.url("/crash"), "--webhook-retry-schedule", "0,100ms"]);
    let addr = s.addr;
    let chunks: Vec<String> = (0..documents / chunk)
        .map(|c| {
            (c * chunk..(c + 1) * chunk)
                .map(|i| format!("{{\"id\":{i},\"text\":\"document number {i} of the crash loop\"}}\n"))
                .collect()
        })
        .collect();
    let accepted = Mutex::new(Vec::<u64>::new());
    let done = AtomicBool::new(false);
    let mut rng = Rng(if full() { 0xfa17 } else { 0x5eed });
    let (mut crashes, mut during_import) = (0, 0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        let (accepted, done, chunks) = (&accepted, &done, &chunks);
        scope.spawn(move || {
            let ct = [("Content-Type".to_owned(), "application/x-ndjson".to_owned())];
            let pause = streaming / chunks.len() as u32;
            for body in chunks {
                std::thread::sleep(pause);
                // Until a 202: a chunk whose answer was lost in a crash is sent
                // again, which adds a task but never a document.
                loop {
                    match common::try_http(addr, "POST", "/indexes/crash/documents", &ct, body.as_bytes()) {
                        Ok(resp) if resp.status == 202 => {
                            accepted.lock().unwrap().push(resp.json()["taskUid"].as_u64().unwrap());
                            break;
                        }
                        _ => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
            done.store(true, Ordering::SeqCst);
        });
        while !done.load(Ordering::SeqCst) || crashes < min_crashes {
            std::thread::sleep(Duration::from_millis(1_000 + rng.below(2_000)));
            during_import += u32::from(!done.load(Ordering::SeqCst));
            s.kill9();
            crashes += 1;
            s.launch();
            assert_eq!(s.addr, addr, "the server comes back on the same port");
            assert!(started.elapsed() < Duration::from_secs(600), "the import never completed");
        }
    });
    let accepted = accepted.into_inner().unwrap();

    // Every accepted task exists and is final, and so is every task the server
    // accepted but whose answer a crash swallowed.
    let all: Vec<serde_json::Value> = {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let page = s.get("/tasks?limit=100000").json();
            let tasks = page["results"].as_array().unwrap().clone();
            if tasks.iter().all(|t| matches!(t["status"].as_str(), Some("succeeded" | "failed" | "canceled"))) {
                break tasks;
            }
            assert!(Instant::now() < deadline, "tasks never finished");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let existing: BTreeMap<u64, &serde_json::Value> = all.iter().map(|t| (t["uid"].as_u64().unwrap(), t)).collect();
    let lost: Vec<&u64> = accepted.iter().filter(|uid| !existing.contains_key(uid)).collect();
    let failed: Vec<&&serde_json::Value> = existing.values().filter(|t| t["status"] != "succeeded").collect();
    let count = s.get("/indexes/crash/stats").json()["numberOfDocuments"].as_u64().unwrap();

    // Every finished task reached the webhook at least once.
    let finished: BTreeSet<u64> = existing.keys().copied().collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    let (missing, duplicates) = loop {
        let mut times: BTreeMap<u64, usize> = BTreeMap::new();
        for line in rx.received().iter().flat_map(|r| r.lines.clone()) {
            *times.entry(line["uid"].as_u64().unwrap()).or_default() += 1;
        }
        let missing: Vec<u64> = finished.iter().copied().filter(|u| !times.contains_key(u)).collect();
        if missing.is_empty() || Instant::now() > deadline {
            break (missing, times.values().filter(|n| **n > 1).count());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!(
        "crash loop: {crashes} crashes ({during_import} while the import streamed in) in {:.1} s; {} tasks accepted, {} in the queue; lost {}; failed {}; documents {count} of {documents}; deliveries missing {}; tasks delivered more than once {duplicates}",
        started.elapsed().as_secs_f64(),
        accepted.len(),
        existing.len(),
        lost.len(),
        failed.len(),
        missing.len(),
    );
    assert!(crashes >= min_crashes && during_import > 0, "the crashes must hit the import");
    assert!(lost.is_empty(), "accepted tasks lost: {lost:?}");
    assert!(failed.is_empty(), "tasks failed: {failed:?}");
    assert_eq!(count, documents, "the document count is exact");
    assert!(missing.is_empty(), "finished tasks never delivered: {missing:?}");
}

/// Hostile input next to accepted work: each bad request gets its error, the
/// server stays up, and the tasks accepted before it all succeed.
#[test]
fn bad_input_matrix_breaks_nothing_already_accepted() {
    let s = Server::with_args(&["--http-payload-size-limit", "2MiB"]);
    let accepted: Vec<u64> = (0..20)
        .map(|i| {
            s.enqueue("POST", "/indexes/safe/documents", "application/json", format!("[{{\"id\":{i}}}]").as_bytes())
        })
        .collect();
    let json = "application/json";
    let deep =
        |open: &str, close: &str| format!("[{{\"id\":1,\"a\":{}{}}}]", open.repeat(10_000), close.repeat(10_000));
    let long_id = format!("[{{\"id\":\"{}\"}}]", "a".repeat(512));
    // What, method, path, content type, body; the status and code expected.
    type Case<'a> = (&'a str, &'a str, String, &'a str, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "array nesting",
            "POST",
            "/indexes/bad/documents".into(),
            json,
            deep("[", "]").into_bytes(),
            400,
            "malformed_payload",
        ),
        (
            "object nesting",
            "POST",
            "/indexes/bad/documents".into(),
            json,
            deep("{\"a\":", "}").into_bytes(),
            400,
            "malformed_payload",
        ),
        (
            "ndjson nesting",
            "POST",
            "/indexes/bad/documents".into(),
            "application/x-ndjson",
            deep("[", "]").into_bytes(),
            400,
            "malformed_payload",
        ),
        (
            "malformed csv",
            "POST",
            "/indexes/bad/documents".into(),
            "text/csv",
            b"id,n:number\n1,not-a-number".to_vec(),
            400,
            "malformed_payload",
        ),
        (
            "over the limit",
            "POST",
            "/indexes/bad/documents".into(),
            json,
            vec![b' '; 3 * 1024 * 1024],
            413,
            "payload_too_large",
        ),
        (
            "wrong content type",
            "POST",
            "/indexes/bad/documents".into(),
            "application/xml",
            b"<a/>".to_vec(),
            415,
            "invalid_content_type",
        ),
        (
            "invalid index uid",
            "POST",
            "/indexes/%F0%9F%A6%80/documents".into(),
            json,
            b"[]".to_vec(),
            400,
            "invalid_index_uid",
        ),
        ("invalid webhook uuid", "GET", "/webhooks/not-a-uuid".into(), json, Vec::new(), 400, "invalid_webhook_uuid"),
        (
            "webhook url",
            "POST",
            "/webhooks".into(),
            json,
            br#"{"url": "not a url"}"#.to_vec(),
            400,
            "invalid_webhook_url",
        ),
        (
            "header name",
            "POST",
            "/webhooks".into(),
            json,
            br#"{"url": "http://a", "headers": {"bad name": "x"}}"#.to_vec(),
            400,
            "invalid_webhook_headers",
        ),
        (
            "header value",
            "POST",
            "/webhooks".into(),
            json,
            b"{\"url\": \"http://a\", \"headers\": {\"x\": \"a\\nb\"}}".to_vec(),
            400,
            "invalid_webhook_headers",
        ),
        (
            "unknown field",
            "POST",
            "/webhooks".into(),
            json,
            br#"{"url": "http://a", "colour": "red"}"#.to_vec(),
            400,
            "bad_request",
        ),
        (
            "staging field",
            "POST",
            "/indexes/bad/staging/notify".into(),
            json,
            br#"{"purge": []}"#.to_vec(),
            400,
            "bad_request",
        ),
    ];
    for (what, method, path, content_type, body, status, code) in &cases {
        let resp = s.request(method, path, &[("Content-Type", content_type)], body);
        assert_eq!(
            (resp.status, resp.json()["code"].as_str()),
            (*status, Some(*code)),
            "{what}: {}",
            String::from_utf8_lossy(&resp.body)
        );
    }
    // Bodies that are well-formed but fail when the task runs, on its own.
    for (body, code) in [
        (long_id, "invalid_document_id"),
        ("[{\"id\":\"ünïcödé\"}]".to_owned(), "invalid_document_id"),
        ("[{\"id\":1.5}]".to_owned(), "invalid_document_id"),
    ] {
        let task = s.wait_task(s.enqueue("POST", "/indexes/ids/documents", json, body.as_bytes()));
        assert_eq!(task["error"]["code"], code, "{task}");
    }
    for _ in 0..20 {
        s.post_json("/webhooks", &serde_json::json!({"url": "http://127.0.0.1:9/x"}));
    }
    s.post_json("/webhooks", &serde_json::json!({"url": "http://127.0.0.1:9/x"})).assert_error(400, "invalid_webhooks");
    for uid in accepted {
        assert_eq!(s.wait_task(uid)["status"], "succeeded");
    }
    assert_eq!(s.get("/indexes/safe/stats").json()["numberOfDocuments"], 20);
    eprintln!(
        "bad input: {} requests refused with their errors, 3 tasks failed alone, 20 accepted tasks intact",
        cases.len() + 1
    );
}

/// One webhook per receiver fault, all on the same finished batch; each
/// fault's expected behaviour is checked, and the healthy webhook beside them
/// gets its delivery at once.
#[test]
fn receiver_fault_matrix() {
    let s = Server::with_args(&["--webhook-timeout", "1s", "--webhook-retry-schedule", "0,200ms"]);
    // Name; the first answers (status, Retry-After); what follows them.
    type Fault = (&'static str, Vec<(u16, Option<u64>)>, u16);
    let faults: [Fault; 9] = [
        ("healthy", vec![], 200),
        ("500", vec![(500, None)], 200),
        ("timeout", vec![(HANG, None)], 200),
        ("connection reset", vec![(RESET, None)], 200),
        ("3xx", vec![(302, None)], 200),
        ("410", vec![(410, None)], 200),
        ("429 Retry-After: 1", vec![(429, Some(1))], 200),
        ("black hole", vec![], HANG),
        ("slow drip", vec![(DRIP, None)], 200),
    ];
    let hooks: Vec<(&str, Receiver, String)> = faults
        .into_iter()
        .map(|(name, answers, then)| {
            let rx = Receiver::scripted(&answers, then);
            let resp = s.post_json("/webhooks", &serde_json::json!({"url": rx.url("/fault")}));
            assert_eq!(resp.status, 201);
            (name, rx, resp.json()["uuid"].as_str().unwrap().to_owned())
        })
        .collect();
    let task = s.enqueue("POST", "/indexes/f/documents", "application/json", b"[{\"id\": 1}]");
    s.wait_task(task);
    let deliveries = |uuid: &str| s.get(&format!("/webhooks/{uuid}/deliveries")).json()["results"][0].clone();
    let settled = |uuid: &str| {
        let d = deliveries(uuid);
        d["status"] == "delivered" || s.get(&format!("/webhooks/{uuid}")).json()["disabled"] == true
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !hooks.iter().filter(|(name, _, _)| *name != "black hole").all(|(_, _, uuid)| settled(uuid)) {
        assert!(Instant::now() < deadline, "some faults never settled");
        std::thread::sleep(Duration::from_millis(50));
    }
    for (name, rx, uuid) in &hooks {
        let d = deliveries(uuid);
        let attempts = d["attempts"].as_array().unwrap();
        let first = &attempts[0];
        let requests = rx.received();
        assert!(requests.iter().all(|r| r.target == "/fault"), "{name}: redirects are not followed");
        let ok = match *name {
            "healthy" => d["status"] == "delivered" && attempts.len() == 1,
            "500" => first["statusCode"] == 500 && d["status"] == "delivered" && attempts.len() == 2,
            "timeout" | "slow drip" => first["error"] == "timed out" && d["status"] == "delivered",
            "connection reset" => first["statusCode"].is_null() && d["status"] == "delivered",
            "3xx" => first["statusCode"] == 302 && d["status"] == "delivered" && requests.len() == 2,
            "410" => s.get(&format!("/webhooks/{uuid}")).json()["disabled"] == true && requests.len() == 1,
            "429 Retry-After: 1" => {
                requests.len() == 2 && requests[1].at.duration_since(requests[0].at) >= Duration::from_millis(900)
            }
            "black hole" => d["status"] == "pending" && first["error"] == "timed out",
            _ => false,
        };
        assert!(ok, "{name}: {d}");
        eprintln!("receiver fault {name:>20}: {} attempt(s), first {}, now {}", attempts.len(), first, d["status"]);
    }
}
