//! `meili-lite receive` and `meili-lite verify` against a real meili-lite:
//! every task of every delivery shown, signatures checked, retries seen with
//! one `webhook-id`, deliveries forwarded byte for byte.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::{Server, BIN};
use serde_json::json;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A running `meili-lite receive`, its stdout and stderr lines collected.
struct Receive {
    child: Child,
    addr: SocketAddr,
    out: Arc<Mutex<Vec<String>>>,
    err: Arc<Mutex<Vec<String>>>,
}

impl Receive {
    fn start(args: &[&str]) -> Receive {
        let mut child = Command::new(BIN)
            .args(["receive", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let collect = |stream: Box<dyn std::io::Read + Send>, into: Arc<Mutex<Vec<String>>>| {
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    into.lock().unwrap().push(line);
                }
            });
        };
        let (out, err) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        collect(Box::new(child.stdout.take().unwrap()), out.clone());
        collect(Box::new(child.stderr.take().unwrap()), err.clone());
        let mut receive = Receive { child, addr: "0.0.0.0:0".parse().unwrap(), out, err };
        let line = receive.wait(&receive.err, "Receiving webhook deliveries on");
        receive.addr = line.split("http://").nth(1).unwrap().trim_end_matches('"').parse().unwrap();
        receive
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Waits for a line containing `what`; returns it.
    fn wait(&self, lines: &Mutex<Vec<String>>, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(line) = lines.lock().unwrap().iter().find(|l| l.contains(what)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "no line with `{what}`: {:?}", lines.lock().unwrap());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn out(&self) -> Vec<String> {
        self.out.lock().unwrap().clone()
    }
}

impl Drop for Receive {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn add(s: &Server, id: u64) -> u64 {
    let uid =
        s.enqueue("POST", "/indexes/m/documents", "application/json", json!([{ "id": id }]).to_string().as_bytes());
    s.wait_task(uid);
    uid
}

/// Posts a hand-made delivery to `addr`; returns the status answered.
fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let mut conn = TcpStream::connect(addr).unwrap();
    let mut head = format!("POST /hook HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    conn.write_all(format!("{head}\r\n").as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = String::new();
    BufReader::new(conn).read_line(&mut answer).unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn shows_every_task_and_flags_a_bad_signature() {
    let rx = Receive::start(&["--secret", SECRET]);
    let s = Server::with_args(&["--task-webhook-url", &rx.url(), "--task-webhook-signing-secret", SECRET]);
    let uids: Vec<u64> = (1..=3).map(|i| add(&s, i)).collect();
    let failed = s.delete("/indexes/nope").json()["taskUid"].as_u64().unwrap();
    s.wait_task(failed);
    for uid in uids {
        let line = rx.wait(&rx.out, &format!("task {uid} documentAdditionOrUpdate succeeded index=m"));
        assert!(line.contains("batch="), "{line}");
    }
    rx.wait(&rx.out, &format!("task {failed} indexDeletion failed index=nope"));
    assert!(rx.out().iter().filter(|l| l.starts_with("delivery ")).all(|l| l.contains("signature ok, answered 200")));
    assert!(rx.err.lock().unwrap().iter().all(|l| !l.contains("FAILED")), "no false alarm");

    // A body changed on the way: said loudly, on stderr and in the listing.
    let status = post(
        rx.addr,
        &[("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"), ("webhook-signature", "v1,AAAA")],
        b"{}\n",
    );
    assert_eq!(status, 200);
    rx.wait(&rx.err, "SIGNATURE CHECK FAILED for delivery msg_1");
    assert!(rx.wait(&rx.out, "delivery msg_1:").contains("the signature does not match"));
}

#[test]
fn a_failing_status_brings_retries_with_the_same_webhook_id() {
    let rx = Receive::start(&["--status", "500"]);
    let s = Server::with_args(&["--task-webhook-url", &rx.url(), "--webhook-retry-schedule", "0,100ms,100ms,100ms"]);
    add(&s, 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ids: Vec<String> = rx
            .out()
            .iter()
            .filter_map(|l| l.strip_prefix("delivery ").and_then(|l| l.split(':').next()).map(str::to_owned))
            .collect();
        if ids.len() >= 3 {
            assert!(ids.iter().all(|id| *id == ids[0]), "one delivery, retried: {ids:?}");
            assert!(rx.out().iter().any(|l| l.contains("answered 500")));
            break;
        }
        assert!(Instant::now() < deadline, "no retries seen: {:?}", rx.out());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn forwards_byte_for_byte_and_verify_checks_a_capture() {
    let app = Receiver::start(201);
    let rx = Receive::start(&["--json", "--forward", &app.url("/app")]);
    // By hand first: the very bytes and headers arrive, and the app's status
    // is what the sender gets.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"{\"uid\":7}\n").unwrap();
    let body = gz.finish().unwrap();
    let headers = [("content-encoding", "gzip"), ("webhook-id", "msg_by_hand"), ("x-extra", "kept")];
    assert_eq!(post(rx.addr, &headers, &body), 201);
    let got = app.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, body, "byte for byte");
    assert_eq!((got[0].headers["webhook-id"].as_str(), got[0].headers["x-extra"].as_str()), ("msg_by_hand", "kept"));
    assert_eq!(rx.wait(&rx.out, "uid"), r#"{"uid":7}"#, "--json prints the payload's own lines");

    // Through a real delivery, signed: the app can check it, and so can `verify`.
    let s = Server::with_args(&["--task-webhook-url", &rx.url(), "--task-webhook-signing-secret", SECRET]);
    let uid = add(&s, 1);
    let delivered = app.wait_for_tasks(&[uid]).pop().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let headers: String = delivered.headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    std::fs::write(dir.path().join("headers"), headers).unwrap();
    std::fs::write(dir.path().join("body"), &delivered.body).unwrap();
    let verify = || {
        Command::new(BIN)
            .args(["verify", "--secret", SECRET, "--headers", "headers", "--body", "body"])
            .current_dir(dir.path())
            .env_clear()
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("signature ok: delivery "));
    let mut tampered = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&delivered.body[..]), &mut tampered).unwrap();
    tampered[0] = b' ';
    std::fs::write(dir.path().join("body"), tampered).unwrap();
    let bad = verify();
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("SIGNATURE CHECK FAILED"));
}
