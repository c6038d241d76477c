//! `/logs/stream`, `/logs/stderr` and `/metrics` behind their experimental
//! features, with Meilisearch's bodies, messages and statuses.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Server;
use serde_json::{json, Value};

const KEY: &str = "a-master-key-of-32-bytes-length!";

/// An open `POST /logs/stream`: what it has sent so far, read on a thread.
struct Stream {
    seen: Arc<Mutex<Vec<u8>>>,
    reader: std::thread::JoinHandle<()>,
    conn: TcpStream,
}

impl Stream {
    /// Sends the request and returns once the head is in; `Err` holds the
    /// whole answer when it is not a stream.
    fn open(s: &Server, body: &Value) -> Result<Stream, String> {
        let mut conn = TcpStream::connect(s.addr).unwrap();
        let body = body.to_string();
        let head = format!(
            "POST /logs/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {KEY}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let mut byte = [0u8; 1];
        while !raw.ends_with(b"\r\n\r\n") {
            assert_eq!(conn.read(&mut byte).unwrap(), 1, "the head ends: {}", String::from_utf8_lossy(&raw));
            raw.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&raw).to_lowercase();
        if !head.starts_with("http/1.1 200") {
            let mut rest = Vec::new();
            let _ = conn.read_to_end(&mut rest);
            return Err(format!("{head}{}", String::from_utf8_lossy(&rest)));
        }
        assert!(head.contains("x-accel-buffering: no"), "{head}");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (mut from, into) = (conn.try_clone().unwrap(), seen.clone());
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                into.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Ok(Stream { seen, reader, conn })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if text.contains(what) {
                return text;
            }
            assert!(Instant::now() < deadline, "`{what}` never streamed; got:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn add_one(s: &Server, id: u64) -> u64 {
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", json!([{ "id": id }]).to_string().as_bytes());
    s.wait_task(t);
    t
}

#[test]
fn logs_routes_need_their_feature_and_check_bodies_first() {
    let s = Server::with_key(KEY);
    let disabled = "Modifying logs through the `/logs/*` routes requires enabling the `logs route` experimental \
                    feature. See https://github.com/orgs/meilisearch/discussions/721";
    for (method, path) in [("POST", "/logs/stream"), ("DELETE", "/logs/stream"), ("POST", "/logs/stderr")] {
        let e = s.send_json(method, path, &json!({})).assert_error(400, "feature_not_enabled");
        assert_eq!(e["message"], disabled, "{method} {path}");
    }
    for (body, message) in [
        (json!({"mode": "tamo"}), "Unknown value `tamo` at `.mode`: expected one of `human`, `json`, `profile`"),
        (json!({"target": true}), "Invalid value type at `.target`: expected a string, but found a boolean: `true`"),
        (
            json!({"target": "=="}),
            "Invalid value at `.target`: invalid filter directive: too many '=' in filter directive, expected 0 or 1",
        ),
        (
            json!({"target": ""}),
            "Invalid value at `.target`: Empty string is not a valid target. If you want to get no logs use `OFF`. \
             Usage: `info`, `meilisearch=info`, or you can write multiple filters in one target: \
             `index_scheduler=info,milli=trace`",
        ),
        (json!({"nope": 1}), "Unknown field `nope`: expected one of `target`, `mode`, `profileMemory`"),
    ] {
        let e = s.post_json("/logs/stream", &body).assert_error(400, "bad_request");
        assert_eq!(e["message"], message, "{body}");
    }
    let e = s
        .post_json("/logs/stream", &json!({"profileMemory": true}))
        .assert_error(400, "invalid_settings_typo_tolerance");
    assert_eq!(
        e["message"],
        "Invalid value: `profile_memory` can only be used while profiling code and is not compatible with the Human mode."
    );
    let e = s.post_json("/logs/stderr", &json!({"mode": "json"})).assert_error(400, "bad_request");
    assert_eq!(e["message"], "Unknown field `mode`: expected one of `target`");
}

#[test]
fn a_stream_carries_a_task_s_lines_until_deleted() {
    let s = Server::with_key(KEY);
    let on = s.send_json("PATCH", "/experimental-features", &json!({"logsRoute": true}));
    assert_eq!((on.status, on.json()["logsRoute"].clone()), (200, json!(true)));
    let e = s.post_json("/logs/stream", &json!({"mode": "profile"})).assert_error(400, "bad_request");
    assert!(e["message"].as_str().unwrap().contains("`human` or `json`"), "{e}");

    let stream = Stream::open(&s, &json!({"target": "debug", "mode": "json"})).unwrap();
    let busy = Stream::open(&s, &json!({})).err().expect("one stream at a time");
    assert!(busy.contains("The `/logs/stream` route is currently in use by someone else."), "{busy}");
    let task = add_one(&s, 1);
    let text = stream.wait_for("batch finished");
    let line = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["fields"]["message"] == "batch finished")
        .unwrap_or_else(|| panic!("a JSON line per event:\n{text}"));
    assert_eq!(line["level"], "DEBUG");
    assert_eq!(line["span"]["name"], "batch", "the batch's span: {line}");
    assert_eq!(line["span"]["tasks"], format!("[{task}]"), "{line}");
    assert!(!text.contains(KEY), "the master key is never logged");

    assert_eq!(s.delete("/logs/stream").status, 204);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stream.reader.is_finished() {
        assert!(Instant::now() < deadline, "the stream ends once deleted");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(s.delete("/logs/stream").status, 204, "204 with no stream open");

    // A client that goes away frees the route once a line finds it gone.
    let human = Stream::open(&s, &json!({"target": "meili_lite_scheduler=debug"})).unwrap();
    add_one(&s, 2);
    assert!(human.wait_for("batch finished").contains(" DEBUG "), "human lines");
    // Closed for good: the reader's handle too, so the server's next write fails.
    human.conn.shutdown(std::net::Shutdown::Both).unwrap();
    human.reader.join().unwrap();
    drop(human.conn);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut id = 3;
    let again = loop {
        add_one(&s, id);
        id += 1;
        match Stream::open(&s, &json!({})) {
            Ok(again) => break again,
            Err(busy) => assert!(Instant::now() < deadline, "still in use after its client left: {busy}"),
        }
    };
    drop(again.conn);
}

#[test]
fn stderr_takes_a_new_target_until_restart() {
    let s = Server::with_key_and_args(KEY, &["--experimental-enable-logs-route"]);
    assert_eq!(s.get("/experimental-features").json()["logsRoute"], true, "the option turns the feature on");
    let log = || std::fs::read_to_string(s.log_path()).unwrap();
    add_one(&s, 1);
    assert!(!log().contains("batch finished"), "debug lines are not on stderr at `info`");
    assert_eq!(s.post_json("/logs/stderr", &json!({"target": "info,meili_lite_scheduler=debug"})).status, 204);
    add_one(&s, 2);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !log().contains("batch finished") {
        assert!(Instant::now() < deadline, "debug lines reach stderr:\n{}", log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn metrics_need_their_feature_and_a_key_on_every_index() {
    let s = Server::with_key(KEY);
    let e = s.get("/metrics").assert_error(400, "feature_not_enabled");
    assert_eq!(
        e["message"],
        "Getting metrics requires enabling the `metrics` experimental feature. \
         See https://github.com/meilisearch/product/discussions/625"
    );
    s.send_json("PATCH", "/experimental-features", &json!({"metrics": true}));
    let text = String::from_utf8(s.get("/metrics").body).unwrap();
    for line in ["meili_lite_searches_running 0", "meili_lite_searches_waiting 0", "meili_lite_search_queue_size 1000"]
    {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
    let key = s.post_json("/keys", &json!({"actions": ["*"], "indexes": ["m"], "expiresAt": null}));
    assert_eq!(key.status, 201, "{}", String::from_utf8_lossy(&key.body));
    let key = key.json();
    let scoped = format!("Bearer {}", key["key"].as_str().unwrap());
    // Meilisearch adds "The API key for the `/metrics` route must allow
    // access to all indexes." to the same code and status.
    s.request("GET", "/metrics", &[("Authorization", &scoped)], b"").assert_error(403, "invalid_api_key");
}
