//! Dumps over real HTTP: meili-lite to meili-lite, and both ways with a
//! real Meilisearch 1.50 when its binary is here (`MEILI_ANCHOR_BIN`, or
//! `target/anchors/meilisearch`).

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Resp, Server};
use serde_json::{json, Value};

const MASTER: &str = "dump-test-master-key-0123456789abcdef";
const KEY_UID: &str = "01b4bc42-eb33-4041-b481-254d00cce834";

/// What the tests ask of meili-lite and of Meilisearch alike.
trait Api {
    fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> Resp;

    fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }
    fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.call("POST", path, Some(body.to_string().as_bytes()))
    }
    fn send_json(&self, method: &str, path: &str, body: &Value) -> Resp {
        self.call(method, path, Some(body.to_string().as_bytes()))
    }
    fn enqueue(&self, method: &str, path: &str, _content_type: &str, body: &[u8]) -> u64 {
        let r = self.call(method, path, Some(body));
        assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
        r.json()["taskUid"].as_u64().unwrap()
    }
    fn wait_task(&self, uid: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let task = self.get(&format!("/tasks/{uid}")).json();
            if matches!(task["status"].as_str(), Some("succeeded" | "failed" | "canceled")) {
                return task;
            }
            assert!(Instant::now() < deadline, "task {uid} not finished: {task}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Api for Server {
    fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> Resp {
        match body {
            Some(b) => self.request(method, path, &[("Content-Type", "application/json")], b),
            None => self.request(method, path, &[], b""),
        }
    }
}

/// Fills a server through its API: two indexes, settings, a chosen-uid key,
/// a failed task, a webhook, an experimental feature.
fn fill(s: &dyn Api) {
    let movies = json!([{"id": 1, "title": "Alien", "year": 1979}, {"id": 2, "title": "Amadeus", "year": 1984}]);
    let books = json!([{"isbn": "978-1", "title": "Dune"}]);
    for (path, docs) in [("/indexes/movies/documents", movies), ("/indexes/books/documents?primaryKey=isbn", books)] {
        let t = s.enqueue("POST", path, "application/json", docs.to_string().as_bytes());
        assert_eq!(s.wait_task(t)["status"], "succeeded");
    }
    let settings = json!({"filterableAttributes": ["year"], "synonyms": {"film": ["movie"]}, "rankingRules": ["words", "typo", "year:desc", "proximity", "attribute", "sort", "exactness"]});
    let r = s.send_json("PATCH", "/indexes/movies/settings", &settings);
    assert_eq!(s.wait_task(r.json()["taskUid"].as_u64().unwrap())["status"], "succeeded");
    let failed = s.enqueue("POST", "/indexes/movies/documents", "application/json", br#"[{"title": "no id"}]"#);
    assert_eq!(s.wait_task(failed)["status"], "failed");
    let key = json!({"uid": KEY_UID, "name": "front", "actions": ["search"], "indexes": ["movies"], "expiresAt": null});
    assert_eq!(s.post_json("/keys", &key).status, 201);
    let hook = s.post_json("/webhooks", &json!({"url": "http://127.0.0.1:9/hook", "headers": {"x-team": "search"}}));
    assert_eq!(hook.status, 201, "{}", String::from_utf8_lossy(&hook.body));
    assert_eq!(s.send_json("PATCH", "/experimental-features", &json!({"network": true})).status, 200);
}

/// What both servers must agree on after a round trip.
fn state(s: &dyn Api) -> Value {
    let docs = |index: &str| s.get(&format!("/indexes/{index}/documents?limit=100")).json()["results"].clone();
    let settings = s.get("/indexes/movies/settings").json();
    let key = s.get(&format!("/keys/{KEY_UID}")).json();
    let tasks = s.get("/tasks?limit=1000&types=documentAdditionOrUpdate,settingsUpdate").json();
    let summary: Vec<Value> = tasks["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!([t["indexUid"], t["status"], t["type"], t["error"]["code"]]))
        .collect();
    json!({
        "movies": docs("movies"),
        "books": docs("books"),
        "filterable": settings["filterableAttributes"],
        "synonyms": settings["synonyms"],
        "rankingRules": settings["rankingRules"],
        "key": [key["key"], key["actions"], key["indexes"], key["name"]],
        "tasks": summary,
        "search": s.get("/indexes/movies/search?q=alien&filter=year%20%3C%201980").json()["hits"],
    })
}

/// Makes a dump; its path in `dump_dir`.
fn dump(s: &dyn Api, dump_dir: &Path) -> PathBuf {
    let r = s.call("POST", "/dumps", None);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let task = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    assert_eq!(task["status"], "succeeded", "{task}");
    let uid = task["details"]["dumpUid"].as_str().unwrap();
    let path = dump_dir.join(format!("{uid}.dump"));
    assert!(path.exists(), "{}", path.display());
    path
}

#[test]
fn a_dump_moves_everything_to_a_new_meili_lite() {
    let s = Server::with_key(MASTER);
    fill(&s);
    let before = state(&s);
    let path = dump(&s, &s.dump_dir());
    let hooks = s.get("/webhooks").json();

    let import = path.to_string_lossy().into_owned();
    let t = Server::with_key_and_args(MASTER, &["--import-dump", &import]);
    assert_eq!(state(&t), before);
    let webhook = &hooks["results"].as_array().unwrap().iter().find(|h| h["isEditable"] == true).unwrap().clone();
    let moved = t.get(&format!("/webhooks/{}", webhook["uuid"].as_str().unwrap())).json();
    assert_eq!((moved["url"].clone(), moved["headers"].clone()), (webhook["url"].clone(), webhook["headers"].clone()));
    assert_eq!(t.get("/experimental-features").json()["network"], true);
    // The dump's own task is in it, finished.
    let dumps = t.get("/tasks?types=dumpCreation").json();
    assert_eq!(dumps["results"][0]["status"], "succeeded", "{dumps}");
    // New tasks number on from the imported ones.
    let next = t.enqueue("POST", "/indexes/books/documents", "application/json", br#"[{"isbn": "978-2"}]"#);
    assert!(next > dumps["results"][0]["uid"].as_u64().unwrap());
    assert_eq!(t.wait_task(next)["status"], "succeeded");
}

#[test]
fn import_refuses_what_it_cannot_read_and_leaves_no_database() {
    let s = Server::start();
    let dir = s.dir.path();
    let foreign = dir.join("foreign.dump");
    std::fs::write(&foreign, b"this is not a dump").unwrap();
    let db = dir.join("imported.ms");
    let run = |dump: &Path| {
        let out = common::run_bin(&["--db-path", db.to_str().unwrap(), "--import-dump", dump.to_str().unwrap()], dir);
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, stderr) = run(&foreign);
    assert!(!ok && stderr.contains("is not a dump"), "{stderr}");
    assert!(!db.exists(), "a failed import leaves no database behind");
    let (ok, stderr) = run(&dir.join("missing.dump"));
    assert!(!ok && stderr.contains("does not exist"), "{stderr}");
}

/// A real Meilisearch 1.50, on its own database; killed on drop.
struct Meilisearch {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
}

impl Meilisearch {
    /// `None` (and a line saying so) when the binary is not here: the test
    /// then checks nothing, and says it.
    fn start(args: &[&str]) -> Option<Self> {
        let bin = std::env::var_os("MEILI_ANCHOR_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/anchors/meilisearch"));
        if !bin.exists() {
            eprintln!(
                "SKIPPED: no Meilisearch binary at {} (set MEILI_ANCHOR_BIN, see ../shared/anchors)",
                bin.display()
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let child = std::process::Command::new(bin)
            .args(["--no-analytics", "--master-key", MASTER, "--http-addr", &addr.to_string()])
            .arg("--db-path")
            .arg(dir.path().join("db"))
            .arg("--dump-dir")
            .arg(dir.path().join("dumps"))
            .args(["--experimental-allowed-ip-networks", "any"])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .unwrap();
        let m = Meilisearch { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(120);
        while common::try_http(m.addr, "GET", "/health", &[], b"").is_err() {
            assert!(
                Instant::now() < deadline,
                "Meilisearch did not start: {}",
                std::fs::read_to_string(m.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(m)
    }
}

impl Api for Meilisearch {
    fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> Resp {
        let mut headers = vec![("Authorization".to_owned(), format!("Bearer {MASTER}"))];
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        common::http(self.addr, method, path, &headers, body.unwrap_or_default())
    }
}

impl Drop for Meilisearch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn from_meilisearch_to_meili_lite_and_back() {
    let Some(ms) = Meilisearch::start(&[]) else { return };
    fill(&ms);
    let from_meilisearch = state(&ms);
    let path = dump(&ms, &ms.dir.path().join("dumps"));

    let import = path.to_string_lossy().into_owned();
    let lite = Server::with_key_and_args(MASTER, &["--import-dump", &import]);
    assert_eq!(state(&lite), from_meilisearch, "Meilisearch's dump, read by meili-lite");

    let back = dump(&lite, &lite.dump_dir());
    let back = back.to_string_lossy().into_owned();
    let Some(again) = Meilisearch::start(&["--import-dump", &back]) else { return };
    assert_eq!(state(&again), from_meilisearch, "meili-lite's dump, read by Meilisearch");
}

/// kill -9 while a dump is being written: the database is whole, no file
/// looks like a finished dump unless it is one, and the dump task runs again.
#[test]
fn kill_9_during_a_dump_leaves_no_half_dump() {
    let mut s = Server::start();
    let docs: Vec<Value> =
        (0..20_000).map(|i| json!({"id": i, "text": format!("document number {i} with some words")})).collect();
    let t = s.enqueue("POST", "/indexes/big/documents", "application/json", Value::Array(docs).to_string().as_bytes());
    assert_eq!(s.wait_task(t)["status"], "succeeded");
    let r = s.request("POST", "/dumps", &[], b"");
    let dump_task = r.json()["taskUid"].as_u64().unwrap();
    // Wait until the dump is under way (its work directory exists), then kill.
    let deadline = Instant::now() + Duration::from_secs(60);
    let started = loop {
        let busy = std::fs::read_dir(s.dump_dir())
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with('.'));
        let done = s.get(&format!("/tasks/{dump_task}")).json()["status"] == "succeeded";
        if busy || done || Instant::now() > deadline {
            break busy;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    s.kill9();
    let finished: Vec<PathBuf> = std::fs::read_dir(s.dump_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "dump") && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        })
        .collect();
    let scratch = tempfile::tempdir().unwrap();
    for path in &finished {
        assert!(meili_lite_readable(path, scratch.path()), "{} looks finished but is not", path.display());
    }
    s.launch();
    assert_eq!(s.get("/indexes/big/stats").json()["numberOfDocuments"], 20_000);
    let task = s.wait_task(dump_task);
    assert_eq!(task["status"], "succeeded", "{task}");
    let left: Vec<String> = std::fs::read_dir(s.dump_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|n| !n.starts_with('.')), "work files left after restart: {left:?}");
    eprintln!("killed while the dump was {}", if started { "being written" } else { "not yet started or done" });
}

/// True when meili-lite can import the dump at `path` (into a throwaway database).
fn meili_lite_readable(path: &Path, scratch: &Path) -> bool {
    let db = scratch.join("check.ms");
    let out = common::run_bin(
        &["--db-path", db.to_str().unwrap(), "--import-dump", path.to_str().unwrap(), "--http-addr", "127.0.0.1:1"],
        scratch,
    );
    let _ = std::fs::remove_dir_all(&db);
    String::from_utf8_lossy(&out.stderr).contains("dump imported")
}
