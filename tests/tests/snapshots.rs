//! Snapshots over real HTTP: taken while tasks arrive and deliveries wait,
//! restored by a new server that finishes those tasks and makes those
//! deliveries; refused when they are not snapshots; whole after kill -9.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::Server;
use serde_json::{json, Value};

const RETRIES: &str = "0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms";

fn snapshot_of(s: &Server, task: u64) -> PathBuf {
    let done = s.wait_task(task);
    assert_eq!(done["status"], "succeeded", "{done}");
    let dir = s.dir.path().join("snapshots");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "snapshot"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn a_snapshot_restores_tasks_and_deliveries_in_flight() {
    let receiver = Receiver::start(503);
    let s = Server::with_args(&["--webhook-retry-schedule", RETRIES]);
    let hook = s.post_json("/webhooks", &json!({"url": receiver.url("/hook")}));
    assert_eq!(hook.status, 201, "{}", String::from_utf8_lossy(&hook.body));
    let first = s.enqueue("POST", "/indexes/m/documents", "application/json", br#"[{"id": 1, "t": "before"}]"#);
    assert_eq!(s.wait_task(first)["status"], "succeeded");
    // The snapshot, with registrations arriving around it.
    let snap = s.request("POST", "/snapshots", &[], b"").json()["taskUid"].as_u64().unwrap();
    let during: Vec<u64> = (2..8)
        .map(|i| {
            let doc = json!([{"id": i, "t": "during"}]).to_string();
            s.enqueue("POST", "/indexes/m/documents", "application/json", doc.as_bytes())
        })
        .collect();
    let path = snapshot_of(&s, snap);
    for t in &during {
        s.wait_task(*t);
    }
    // The snapshot outlives the server (and its directory).
    let kept = tempfile::tempdir().unwrap();
    let copy = kept.path().join("taken.snapshot");
    std::fs::copy(&path, &copy).unwrap();
    let snapshot = copy.to_string_lossy().into_owned();
    drop(s);

    // Attempts refused until now do not count: the restored server must deliver.
    let refused_so_far = receiver.received().len();
    assert!(refused_so_far > 0, "the first server tried and was refused");
    receiver.status.store(200, Ordering::SeqCst);
    let restored_at = Instant::now();
    let r = Server::with_args(&["--import-snapshot", &snapshot, "--webhook-retry-schedule", RETRIES]);
    let task = r.get(&format!("/tasks/{snap}")).json();
    assert_eq!(task["status"], "succeeded", "the snapshot is not taken again: {task}");
    // Every task the snapshot held finishes; documents are whole.
    let held: Vec<u64> = r.get("/tasks?limit=100").json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uid"].as_u64().unwrap())
        .collect();
    for t in &held {
        let done = r.wait_task(*t);
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    let ids: Vec<u64> = r.get("/indexes/m/documents?limit=100").json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    let additions: Vec<u64> = held.iter().copied().filter(|t| *t != snap).collect();
    assert_eq!(ids.len(), additions.len(), "one document per addition held: {ids:?} {held:?}");
    assert_eq!(r.get("/indexes/m/search?q=before").json()["hits"][0]["id"], 1);
    // Deliveries pending when the snapshot was taken are made by the restored server.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = receiver.received();
        let after = got.iter().filter(|r| r.at > restored_at).flat_map(|r| r.lines.iter());
        if after.clone().any(|l| l["uid"] == first) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "task {first} never delivered by the restored server: {} requests",
            got.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn what_is_not_a_snapshot_is_refused_and_leaves_no_database() {
    let s = Server::start();
    let dir = s.dir.path();
    let db = dir.join("restored.ms");
    let run = |file: &std::path::Path| {
        let out =
            common::run_bin(&["--db-path", db.to_str().unwrap(), "--import-snapshot", file.to_str().unwrap()], dir);
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let foreign = dir.join("foreign.snapshot");
    std::fs::write(&foreign, b"not a snapshot").unwrap();
    let (ok, stderr) = run(&foreign);
    assert!(!ok && stderr.contains("is not a meili-lite snapshot"), "{stderr}");
    assert!(!db.exists());
    // A real one, cut short.
    let snap = s.request("POST", "/snapshots", &[], b"").json()["taskUid"].as_u64().unwrap();
    let whole = snapshot_of(&s, snap);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.join("cut.snapshot");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, stderr) = run(&cut);
    assert!(!ok && stderr.contains("cannot restore the snapshot"), "{stderr}");
    assert!(!db.exists(), "a failed restore leaves no database behind");
    let (ok, stderr) = run(&dir.join("missing.snapshot"));
    assert!(!ok && stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn kill_9_during_a_snapshot_leaves_no_half_snapshot() {
    let mut s = Server::start();
    let docs: Vec<Value> = (0..20_000).map(|i| json!({"id": i, "text": format!("document {i}")})).collect();
    let t = s.enqueue("POST", "/indexes/big/documents", "application/json", Value::Array(docs).to_string().as_bytes());
    assert_eq!(s.wait_task(t)["status"], "succeeded");
    let snap = s.request("POST", "/snapshots", &[], b"").json()["taskUid"].as_u64().unwrap();
    let dir = s.dir.path().join("snapshots");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let busy = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with('.'));
        if busy || s.get(&format!("/tasks/{snap}")).json()["status"] == "succeeded" {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    s.kill9();
    for file in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if name.ends_with(".snapshot") && !name.starts_with('.') {
            // A finished-looking snapshot must restore.
            let scratch = tempfile::tempdir().unwrap();
            let db = scratch.path().join("check.ms");
            let path = file.path();
            let args = [
                "--db-path",
                db.to_str().unwrap(),
                "--import-snapshot",
                path.to_str().unwrap(),
                "--http-addr",
                "127.0.0.1:1",
            ];
            let out = common::run_bin(&args, scratch.path());
            assert!(String::from_utf8_lossy(&out.stderr).contains("snapshot restored"), "{name} does not restore");
        }
    }
    s.launch();
    assert_eq!(s.get("/indexes/big/stats").json()["numberOfDocuments"], 20_000);
    assert_eq!(s.wait_task(snap)["status"], "succeeded");
    let left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|n| !n.starts_with('.')), "{left:?}");
}
