//! `cargo xtask bench [enqueue|import|webhooks|search|all]`: release build, loopback only,
//! every loop bounded in time; each figure printed with a ratio measured in
//! the same run.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

use crate::{load, root, sh};

/// Meilisearch 1.50 on this machine class, as measured for the project brief.
const ANCHOR_ENQUEUE_PER_S: f64 = 1_000.0;
const ANCHOR_IMPORT_DOCS_PER_S: f64 = 8_800.0;
const CONNECTIONS: usize = 64;
const LOAD_TIME: Duration = Duration::from_secs(5);
const IMPORT_DOCS: u64 = 100_000;

pub fn run(which: &str) -> Result<(), String> {
    if !matches!(which, "enqueue" | "import" | "webhooks" | "search" | "auth" | "dump" | "tls" | "all") {
        return Err(format!(
            "unknown benchmark `{which}`: expected enqueue, import, webhooks, search, auth, dump, tls or all"
        ));
    }
    // BENCH_BIN names the build to run, so there is nothing to build.
    if std::env::var_os("BENCH_BIN").is_none() && (which != "search" || crate::bench_search::builds_meili_lite()) {
        sh("cargo", &["build", "--release", "-p", "meili-lite"], &[])?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    if matches!(which, "enqueue" | "all") {
        rt.block_on(enqueue())?;
    }
    if matches!(which, "import" | "all") {
        rt.block_on(import())?;
    }
    if matches!(which, "webhooks" | "all") {
        rt.block_on(crate::bench_webhooks::run())?;
    }
    if matches!(which, "search" | "all") {
        rt.block_on(crate::bench_search::run())?;
    }
    if matches!(which, "auth" | "all") {
        rt.block_on(crate::bench_auth::run())?;
    }
    if matches!(which, "dump" | "all") {
        rt.block_on(crate::bench_dump::run())?;
    }
    if matches!(which, "tls" | "all") {
        rt.block_on(crate::bench_tls::run())?;
    }
    let machine = format!(
        "{} cores, {}; `cargo xtask bench {which}`, release build, loopback only.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        time::OffsetDateTime::now_utc().date()
    );
    crate::report::write(&root().join("target/bench"), &machine)
}

/// A release meili-lite on a fresh database; killed on drop.
pub(crate) struct Meili {
    child: Child,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

impl Meili {
    pub fn start() -> Result<Self, String> {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        // BENCH_BIN=<another meili-lite build> compares two versions on one machine.
        let bin = std::env::var_os("BENCH_BIN").map_or_else(|| root().join("target/release/meili-lite"), Into::into);
        let mut child = Command::new(bin)
            // BENCH_LOG_LEVEL=DEBUG shows group commits and batches while profiling.
            .args(["--http-addr", "127.0.0.1:0", "--log-level"])
            .arg(std::env::var("BENCH_LOG_LEVEL").unwrap_or_else(|_| "WARN".into()))
            .arg("--db-path")
            .arg(dir.path().join("data.ms"))
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting meili-lite: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let addr = line
            .trim()
            .strip_prefix("Server listening on: \"http://")
            .or_else(|| line.trim().strip_prefix("Server listening on: \"https://"))
            .and_then(|a| a.strip_suffix('"'))
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("unexpected first line: {line}"))?;
        Ok(Meili { child, addr, dir })
    }

    /// Meilisearch itself, when `MEILI_ANCHOR_BIN` names its binary, on a
    /// fresh database and a free loopback port; `None` without the variable.
    /// Its webhook may reach loopback only with the allow-list set to `any`.
    pub fn anchor(extra: &[&str]) -> Result<Option<Self>, String> {
        let Some(bin) = std::env::var_os("MEILI_ANCHOR_BIN") else { return Ok(None) };
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?;
        let child = Command::new(&bin)
            .arg("--http-addr")
            .arg(addr.to_string())
            .arg("--db-path")
            .arg(dir.path().join("data.ms"))
            .args(["--experimental-allowed-ip-networks", "any"])
            .env("MEILI_NO_ANALYTICS", "true")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the anchor {}: {e}", bin.to_string_lossy()))?;
        let anchor = Meili { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                return Err("the anchor never listened".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Some(anchor))
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    pub fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }

    fn status_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Meili {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn request(addr: SocketAddr, method: &str, path: &str, body: Vec<u8>) -> Result<Value, String> {
    request_as(addr, method, path, body, None).await
}

/// [`request`] with an `Authorization` header.
pub(crate) async fn request_as(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Vec<u8>,
    auth: Option<&str>,
) -> Result<Value, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = Request::builder().method(method).uri(path).header("host", "bench");
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    let req = req
        .header(
            "content-type",
            if body.first() == Some(&b'{') && !body.contains(&b'\n') {
                "application/json"
            } else {
                "application/x-ndjson"
            },
        )
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let res = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Waits (bounded) until task `uid` is finished; returns it.
pub(crate) async fn wait_task(addr: SocketAddr, uid: u64, limit: Duration) -> Result<Value, String> {
    let deadline = Instant::now() + limit;
    loop {
        let task = request(addr, "GET", &format!("/tasks/{uid}"), Vec::new()).await?;
        if matches!(task["status"].as_str(), Some("succeeded" | "failed" | "canceled")) {
            return Ok(task);
        }
        if Instant::now() > deadline {
            return Err(format!("task {uid} not finished after {limit:?}: {task}"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn enqueue() -> Result<(), String> {
    let body: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
        Arc::new(|i| format!(r#"[{{"id":{i},"title":"document {i}"}}]"#).into_bytes());
    let path = "/indexes/bench/documents";

    eprintln!("enqueue: do-nothing hyper server, {CONNECTIONS} connections, {LOAD_TIME:?}");
    let baseline_addr = load::baseline_server().await;
    let baseline = load::run(baseline_addr, CONNECTIONS, LOAD_TIME, path, None, body.clone()).await;

    eprintln!("enqueue: meili-lite (release), same load");
    let meili = Meili::start()?;
    let body_for_anchor = body.clone();
    let run = load::run(meili.addr, CONNECTIONS, LOAD_TIME, path, None, body).await;
    let drain_started = Instant::now();
    let last = wait_task(meili.addr, run.ok.saturating_sub(1), Duration::from_secs(120)).await?;
    let drained = drain_started.elapsed();

    let rate = run.per_second();
    crate::report::compare("durable enqueue, tasks/s", rate, "do-nothing hyper server", baseline.per_second());
    crate::report::compare("durable enqueue, tasks/s", rate, "Meilisearch 1.50, reported", ANCHOR_ENQUEUE_PER_S);
    crate::report::line(format!(
        "\n## enqueue: one-document additions, {CONNECTIONS} keep-alive clients, {LOAD_TIME:?}"
    ));
    crate::report::line("| measure | value |\n|---|---|");
    crate::report::line(format!("| do-nothing hyper server (loopback limit) | {:.0} req/s |", baseline.per_second()));
    crate::report::line(format!(
        "| meili-lite durable enqueue (202 after fsync) | {rate:.0} tasks/s ({} errors) |",
        run.errors
    ));
    crate::report::line(format!("| meili-lite / loopback limit | {:.3} |", rate / baseline.per_second()));
    crate::report::line(format!(
        "| meili-lite / Meilisearch 1.50 (reported {ANCHOR_ENQUEUE_PER_S:.0}/s) | {:.1}x |",
        rate / ANCHOR_ENQUEUE_PER_S
    ));
    crate::report::line(format!("| target ≥ 10,000 tasks/s | {} |", if rate >= 10_000.0 { "met" } else { "NOT met" }));
    crate::report::line(format!(
        "| queue drained after the load (last task {}) | {:.2} s |",
        last["status"],
        drained.as_secs_f64()
    ));
    crate::report::line(format!("| peak RSS | {:.0} MiB |", meili.peak_rss_mib()));
    drop(meili);
    if let Some(anchor) = Meili::anchor(&[])? {
        eprintln!("enqueue: the anchor (MEILI_ANCHOR_BIN), same load");
        let measured = load::run(anchor.addr, CONNECTIONS, LOAD_TIME, path, None, body_for_anchor).await;
        crate::report::line(format!(
            "| Meilisearch (MEILI_ANCHOR_BIN), same load | {:.0} tasks/s; meili-lite / Meilisearch = {:.1}x |",
            measured.per_second(),
            rate / measured.per_second()
        ));
        crate::report::compare("durable enqueue, tasks/s", rate, "Meilisearch, this run", measured.per_second());
    }
    Ok(())
}

/// 100k deterministic documents, ~250 bytes each.
pub(crate) fn import_payload() -> Vec<u8> {
    const WORDS: [&str; 12] = [
        "river", "stone", "light", "garden", "winter", "signal", "harbor", "paper", "engine", "forest", "silver",
        "market",
    ];
    let mut out = Vec::with_capacity(IMPORT_DOCS as usize * 260);
    for i in 0..IMPORT_DOCS {
        let w = |k: u64| WORDS[((i * 7 + k * 13) % 12) as usize];
        let overview: Vec<&str> = (0..16).map(w).collect();
        let doc = serde_json::json!({
            "id": i,
            "title": format!("{} {} {i}", w(1), w(2)),
            "genres": [w(3), w(4)],
            "year": 1900 + i % 125,
            "rating": (i % 100) as f64 / 10.0,
            "overview": overview.join(" "),
        });
        out.extend_from_slice(doc.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

async fn import() -> Result<(), String> {
    let payload = import_payload();
    let mib = payload.len() as f64 / (1024.0 * 1024.0);
    eprintln!("import: {IMPORT_DOCS} documents, {mib:.1} MiB of NDJSON");

    let baseline_addr = load::baseline_server().await;
    let t = Instant::now();
    request(baseline_addr, "POST", "/indexes/bench/documents", payload.clone()).await?;
    let transfer = t.elapsed();

    let meili = Meili::start()?;
    let t = Instant::now();
    let accepted = request(meili.addr, "POST", "/indexes/bench/documents", payload).await?;
    let accepted_after = t.elapsed();
    let uid = accepted["taskUid"].as_u64().ok_or_else(|| format!("not accepted: {accepted}"))?;
    let task = wait_task(meili.addr, uid, Duration::from_secs(600)).await?;
    let total = t.elapsed();
    if task["status"] != "succeeded" {
        return Err(format!("import failed: {task}"));
    }
    let rate = IMPORT_DOCS as f64 / total.as_secs_f64();
    let rss = meili.peak_rss_mib();
    crate::report::compare("import, docs/s", rate, "Meilisearch 1.50, reported", ANCHOR_IMPORT_DOCS_PER_S);
    crate::report::line(format!("\n## import: {IMPORT_DOCS} documents ({mib:.1} MiB NDJSON) in one request"));
    crate::report::line("| measure | value |\n|---|---|");
    crate::report::line(format!(
        "| POST to a do-nothing server (loopback transfer) | {:.3} s |",
        transfer.as_secs_f64()
    ));
    crate::report::line(format!(
        "| meili-lite 202 (parsed, validated, on disk) | {:.3} s |",
        accepted_after.as_secs_f64()
    ));
    crate::report::line(format!("| meili-lite until the task succeeded | {:.3} s |", total.as_secs_f64()));
    crate::report::line(format!("| meili-lite import rate | {rate:.0} docs/s |"));
    crate::report::line(format!(
        "| meili-lite / Meilisearch 1.50 (reported {ANCHOR_IMPORT_DOCS_PER_S:.0} docs/s) | {:.1}x (target ≥ 3x: {}) |",
        rate / ANCHOR_IMPORT_DOCS_PER_S,
        if rate >= 3.0 * ANCHOR_IMPORT_DOCS_PER_S { "met" } else { "NOT met" }
    ));
    crate::report::line(format!(
        "| peak RSS | {rss:.0} MiB (target ≤ 320 MiB: {}) |",
        if rss <= 320.0 { "met" } else { "NOT met" }
    ));
    crate::report::line(format!("| task duration (processing only) | {} |", task["duration"]));
    drop(meili);
    if let Some(anchor) = Meili::anchor(&[])? {
        eprintln!("import: the anchor (MEILI_ANCHOR_BIN), same payload");
        let t = Instant::now();
        let accepted = request(anchor.addr, "POST", "/indexes/bench/documents", import_payload()).await?;
        let uid = accepted["taskUid"].as_u64().ok_or_else(|| format!("the anchor refused: {accepted}"))?;
        wait_task(anchor.addr, uid, Duration::from_secs(1_800)).await?;
        let anchor_rate = IMPORT_DOCS as f64 / t.elapsed().as_secs_f64();
        crate::report::line(format!(
            "| Meilisearch (MEILI_ANCHOR_BIN), same payload | {anchor_rate:.0} docs/s, peak RSS {:.0} MiB; meili-lite / Meilisearch = {:.1}x |",
            anchor.peak_rss_mib(),
            rate / anchor_rate
        ));
        crate::report::compare("import, docs/s", rate, "Meilisearch, this run", anchor_rate);
    }
    Ok(())
}
