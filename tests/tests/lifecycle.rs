//! Start-up, shutdown and crashes of the real binary.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use common::{run_bin, Server};
use serde_json::Value;

#[test]
fn invalid_options_stop_start_up_with_one_readable_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--task-webhook-url", "not-a-url"],
            &["--task-webhook-url", "`not-a-url`", "expected an absolute http(s) URL"],
        ),
        (&["--http-addr", "nowhere"], &["--http-addr", "`nowhere`", "expected a socket address"]),
        (&["--env", "production"], &["--master-key", "at least 16 bytes"]),
        (&["--config-file-path", "missing.toml"], &["missing.toml", "does not exist"]),
        (&["--ssl-cert-path", "cert.pem"], &["--ssl-cert-path", "--ssl-key-path go together"]),
    ];
    for (args, needles) in cases {
        let out = run_bin(args, dir.path());
        assert!(!out.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        for n in needles {
            assert!(stderr.contains(n), "{args:?}: {stderr}");
        }
        assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "nothing listened");
    }
    let help = run_bin(&["--help"], dir.path());
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--db-path",
        "--http-addr",
        "--master-key",
        "--env",
        "--http-payload-size-limit",
        "--log-level",
        "--experimental-max-number-of-batched-tasks",
        "--task-webhook-url",
        "--task-webhook-authorization-header",
        "--config-file-path",
        "MEILI_HTTP_ADDR",
    ] {
        assert!(text.contains(option), "--help lacks {option}");
    }
}

/// A Meilisearch deployment's flags start meili-lite; what changes nothing
/// here says so once in the log.
#[test]
fn meilisearch_flags_start_with_a_warning_each() {
    let args = [
        "--no-analytics",
        "--experimental-drop-search-after",
        "10",
        "--experimental-enable-metrics",
        "--max-indexing-threads",
        "2",
        "--experimental-reduce-indexing-memory-usage",
    ];
    let s = Server::with_args(&args);
    assert_eq!(s.get("/health").status, 200);
    let log = std::fs::read_to_string(s.log_path()).unwrap();
    assert!(log.contains("--no-analytics / MEILI_NO_ANALYTICS is ignored: meili-lite sends no analytics"), "{log}");
    assert!(
        log.contains(
            "--experimental-reduce-indexing-memory-usage / MEILI_EXPERIMENTAL_REDUCE_INDEXING_MEMORY_USAGE is ignored"
        ),
        "{log}"
    );
    for honoured in ["--max-indexing-threads", "--experimental-drop-search-after", "--experimental-enable-metrics"] {
        assert!(!log.contains(honoured), "{honoured} is honoured, not ignored: {log}");
    }
    assert_eq!(log.matches(" is ignored: ").count(), 2, "{log}");
    assert_eq!(s.get("/experimental-features").json()["metrics"], true);
}

/// `--experimental-logs-mode json`: every line of the log is one JSON object.
#[test]
fn json_logs_parse_line_by_line() {
    let s = Server::with_key_and_args("a-master-key-of-32-bytes-length!", &["--experimental-logs-mode", "json"]);
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id": 1}]"#);
    s.wait_task(t);
    let log = std::fs::read_to_string(s.log_path()).unwrap();
    let lines: Vec<Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(lines.iter().any(|l| l["message"] == "meili-lite started" && l["level"] == "INFO"), "{log}");
    assert!(!log.contains("a-master-key-of-32"), "the master key is never logged");
}

#[test]
fn sigterm_exits_zero_and_data_survives_restart() {
    let mut s = Server::start();
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":1},{"id":2}]"#);
    assert_eq!(s.wait_task(t)["status"], "succeeded");
    let status = s.terminate();
    assert!(status.success(), "{status:?}");
    s.launch();
    assert_eq!(s.get("/indexes/m/stats").json()["numberOfDocuments"], 2);
    assert_eq!(s.get(&format!("/tasks/{t}")).json()["status"], "succeeded");
    let next = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id":3}]"#);
    assert_eq!(next, t + 1, "uids continue after a restart");
}

/// kill -9 during a large import and under a stream of small additions: every
/// task that got a 202 exists after restart and reaches a final status, and
/// the documents are exactly those of the tasks that exist.
#[test]
fn kill9_during_import_loses_no_accepted_task() {
    let mut s = Server::start();
    let big: String =
        (0..60_000).map(|i| format!("{{\"id\":\"big-{i}\",\"n\":{i},\"text\":\"some words to index\"}}\n")).collect();
    let accepted = Mutex::new(Vec::<u64>::new());
    let stop = AtomicBool::new(false);
    let addr = s.addr;
    let ct = [("Content-Type".to_owned(), "application/json".to_owned())];
    let big_task = std::thread::scope(|scope| {
        for c in 0..4 {
            let (accepted, stop, ct) = (&accepted, &stop, &ct);
            scope.spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = format!("[{{\"id\":\"small-{c}-{i}\"}}]");
                    match common::try_http(addr, "POST", "/indexes/crash/documents", ct, body.as_bytes()) {
                        Ok(resp) if resp.status == 202 => {
                            accepted.lock().unwrap().push(resp.json()["taskUid"].as_u64().unwrap())
                        }
                        _ => break,
                    }
                }
            });
        }
        while accepted.lock().unwrap().len() < 20 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let big_task = s.enqueue("POST", "/indexes/crash/documents", "application/x-ndjson", big.as_bytes());
        // Kill while the big import is being applied, so recovery has work to do.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let started = loop {
            let task = s.get(&format!("/tasks/{big_task}")).json();
            if task["status"] == "processing" {
                break task["startedAt"].clone();
            }
            assert!(std::time::Instant::now() < deadline, "the import never started");
            std::thread::sleep(Duration::from_millis(2));
        };
        s.kill9();
        stop.store(true, Ordering::SeqCst);
        (big_task, started)
    });
    let (big_task, started_before_crash) = big_task;
    let accepted = accepted.into_inner().unwrap();

    s.launch();
    let big = s.wait_task(big_task);
    assert_ne!(big["startedAt"], started_before_crash, "the import was interrupted and ran again");
    for uid in accepted.iter().chain([&big_task]) {
        let task = s.wait_task(*uid);
        assert_eq!(task["status"], "succeeded", "{task}");
    }
    // Tasks the server accepted but whose 202 was lost in the crash count too.
    let all = s.get("/tasks?types=documentAdditionOrUpdate&limit=100000").json();
    let existing: BTreeSet<u64> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["status"], "succeeded", "{t}");
            t["uid"].as_u64().unwrap()
        })
        .collect();
    assert!(accepted.iter().all(|uid| existing.contains(uid)));
    let documents = existing.len() as u64 - 1 + 60_000;
    assert_eq!(s.get("/indexes/crash/stats").json()["numberOfDocuments"], Value::from(documents));
}

/// `GET /` is the dashboard, unless turned off or in production; loading it
/// needs no key, and it never lets another site frame or script it.
#[test]
fn the_dashboard_is_served_unless_turned_off() {
    let key = "a-master-key-of-32-bytes-length!";
    let s = Server::with_key(key);
    let page = s.request("GET", "/", &[("Authorization", "")], b"");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("connect-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(String::from_utf8_lossy(&page.body).contains("<title>meili-lite</title>"));
    for args in [&["--no-dashboard"][..], &["--env", "production"][..]] {
        let off = Server::with_key_and_args(key, args);
        off.request("GET", "/", &[], b"").assert_error(404, "not_found");
    }
}
