//! The harness: start the real binary on a free port with its own database,
//! talk to it over real HTTP, kill it, restart it.

#![allow(dead_code)]

pub mod receiver;
pub mod routes;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test: the same `main` as `crates/meili-lite`.
pub const BIN: &str = env!("CARGO_BIN_EXE_meili-lite-under-test");

pub struct Server {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub master_key: Option<String>,
    /// The environment of the next launch (it starts from an empty one).
    pub env: Vec<(String, String)>,
    extra_args: Vec<String>,
    child: Option<Child>,
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts a Meilisearch error object with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) -> Value {
        let body = self.json();
        assert_eq!(self.status, status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        assert!(body["type"].is_string(), "{body}");
        assert_eq!(body["link"], format!("https://docs.meilisearch.com/errors#{code}"), "{body}");
        body
    }
}

impl Server {
    pub fn start() -> Self {
        Self::with_args(&[])
    }

    pub fn with_key(key: &str) -> Self {
        let mut s = Self::new(&[]);
        s.master_key = Some(key.to_owned());
        s.launch();
        s
    }

    pub fn with_key_and_args(key: &str, args: &[&str]) -> Self {
        let mut s = Self::new(args);
        s.master_key = Some(key.to_owned());
        s.launch();
        s
    }

    pub fn with_args(args: &[&str]) -> Self {
        Self::with_env_and_args(&[], args)
    }

    pub fn with_env_and_args(env: &[(&str, &str)], args: &[&str]) -> Self {
        let mut s = Self::new(args);
        s.env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        s.launch();
        s
    }

    fn new(args: &[&str]) -> Self {
        Server {
            addr: "127.0.0.1:0".parse().unwrap(),
            dir: tempfile::tempdir().unwrap(),
            master_key: None,
            env: Vec::new(),
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            child: None,
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("data.ms")
    }

    /// Where this server writes dumps.
    pub fn dump_dir(&self) -> PathBuf {
        self.dir.path().join("dumps")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("stderr.log")
    }

    /// Starts the binary on the same database (and, after the first start,
    /// the same port) and waits until it listens.
    pub fn launch(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.arg("--db-path").arg(self.db_path()).arg("--http-addr").arg(self.addr.to_string());
        cmd.arg("--dump-dir").arg(self.dump_dir());
        cmd.arg("--snapshot-dir").arg(self.dir.path().join("snapshots"));
        if let Some(key) = &self.master_key {
            cmd.arg("--master-key").arg(key);
        }
        cmd.args(&self.extra_args).env_clear().envs(self.env.iter().cloned()).stdout(Stdio::piped()).stderr(log);
        let mut child = cmd.spawn().expect("spawning the server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let rest = line
                    .strip_prefix("Server listening on: \"http://")
                    .or_else(|| line.strip_prefix("Server listening on: \"https://"));
                if let Some(rest) = rest {
                    let _ = tx.send(rest.trim_end_matches('"').to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => self.addr = addr.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start:\n{}", std::fs::read_to_string(self.log_path()).unwrap_or_default());
            }
        }
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no chance to flush or finish anything.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, then wait for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server running");
        let ok = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn restart(&mut self) {
        self.kill9();
        self.launch();
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut all: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if let Some(key) = &self.master_key {
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("authorization")) {
                all.push(("Authorization".into(), format!("Bearer {key}")));
            }
        }
        http(self.addr, method, path, &all, body)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], b"")
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, &[], b"")
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Resp {
        self.request(method, path, &[("Content-Type", "application/json")], body.to_string().as_bytes())
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.send_json("POST", path, body)
    }

    /// Posts and expects `202`; returns the task uid.
    pub fn enqueue(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> u64 {
        let resp = self.request(method, path, &[("Content-Type", content_type)], body);
        assert_eq!(resp.status, 202, "{}", String::from_utf8_lossy(&resp.body));
        resp.json()["taskUid"].as_u64().unwrap()
    }

    /// Polls `GET /tasks/{uid}` until the task is finished.
    pub fn wait_task(&self, uid: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let task = self.get(&format!("/tasks/{uid}")).json();
            if matches!(task["status"].as_str(), Some("succeeded" | "failed" | "canceled")) {
                return task;
            }
            assert!(Instant::now() < deadline, "task {uid} not finished: {task}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A minimal HTTP/1.1 client: one request per connection.
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Resp {
    try_http(addr, method, path, headers, body).expect("HTTP request")
}

/// Like [`http`], but a connection error (server gone) is an `Err`.
pub fn try_http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes())?;
    // The server may answer (413) and close before reading a large body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("no HTTP response: {:?}", String::from_utf8_lossy(&raw)),
        )
    })?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    Ok(Resp { status, headers, body: raw[split + 4..].to_vec() })
}

/// Runs the binary with `args` and no database, for start-up checks.
pub fn run_bin(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(BIN).args(args).current_dir(dir).env_clear().output().unwrap()
}
