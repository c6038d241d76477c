//! A real webhook receiver: accepts keep-alive HTTP/1.1, reads each request,
//! gunzips and parses its NDJSON body, answers with a chosen status.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use serde_json::Value;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query, exactly as sent.
    pub target: String,
    /// Lowercased names.
    pub headers: BTreeMap<String, String>,
    /// The decompressed body, one JSON value per line.
    pub lines: Vec<Value>,
    /// The raw (compressed) body, for signature checks.
    pub body: Vec<u8>,
    pub at: Instant,
}

/// Answers to give first, in order: a status and an optional `Retry-After`.
/// Besides HTTP statuses, [`RESET`], [`HANG`] and [`DRIP`] misbehave.
pub type Script = Arc<Mutex<VecDeque<(u16, Option<u64>)>>>;

/// Close the connection without answering.
pub const RESET: u16 = 1;
/// Never answer (a black hole once the request is in).
pub const HANG: u16 = 2;
/// Answer `200` with a body trickling in at a byte every half second.
pub const DRIP: u16 = 3;

pub struct Receiver {
    pub addr: SocketAddr,
    pub status: Arc<AtomicU16>,
    pub script: Script,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let status = Arc::new(AtomicU16::new(status));
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let (s, r, sc) = (status.clone(), received.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (s, r, sc) = (s.clone(), r.clone(), sc.clone());
                std::thread::spawn(move || serve(stream, &s, &sc, &r));
            }
        });
        Receiver { addr, status, script, received }
    }

    /// Answers with these first, then with `status`.
    pub fn scripted(answers: &[(u16, Option<u64>)], then: u16) -> Self {
        let r = Self::start(then);
        r.script.lock().unwrap().extend(answers.iter().copied());
        r
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until the lines received cover `uids` (every task at least once).
    pub fn wait_for_tasks(&self, uids: &[u64]) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            let seen: Vec<u64> = got.iter().flat_map(|r| r.lines.iter().filter_map(|l| l["uid"].as_u64())).collect();
            if uids.iter().all(|u| seen.contains(u)) {
                return got;
            }
            assert!(Instant::now() < deadline, "webhook never brought tasks {uids:?}; got {seen:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn serve(
    stream: TcpStream,
    status: &AtomicU16,
    script: &Mutex<VecDeque<(u16, Option<u64>)>>,
    received: &Mutex<Vec<Received>>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut headers = BTreeMap::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let mut text = String::new();
        if headers.get("content-encoding").map(String::as_str) == Some("gzip") {
            GzDecoder::new(&body[..]).read_to_string(&mut text).expect("a gzip body");
        } else {
            text = String::from_utf8_lossy(&body).into_owned();
        }
        let lines = text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
        received.lock().unwrap().push(Received { method, target, headers, lines, body, at: Instant::now() });
        let (code, retry_after) = script.lock().unwrap().pop_front().unwrap_or((status.load(Ordering::SeqCst), None));
        match code {
            RESET => return,
            HANG => {
                std::thread::sleep(Duration::from_secs(120));
                return;
            }
            DRIP => {
                let _ = writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n");
                for _ in 0..100 {
                    std::thread::sleep(Duration::from_millis(500));
                    if writer.write_all(b".").is_err() {
                        return;
                    }
                }
                continue;
            }
            _ => {}
        }
        let location = if (300..400).contains(&code) { "location: /elsewhere\r\n" } else { "" };
        let retry = retry_after.map(|s| format!("retry-after: {s}\r\n")).unwrap_or_default();
        let answer = format!("HTTP/1.1 {code} Whatever\r\n{retry}{location}content-length: 0\r\n\r\n");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Dotted-key flattening, written independently of the server's.
pub fn flatten(value: &Value) -> Value {
    fn walk(out: &mut serde_json::Map<String, Value>, prefix: &str, value: &Value) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(out, &key, v);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = serde_json::Map::new();
    walk(&mut out, "", value);
    Value::Object(out)
}
