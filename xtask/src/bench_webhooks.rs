//! `cargo xtask bench webhooks`: delivery latency, fan-out, isolation, backlog.
//! Every scenario is bounded in time; every figure has a same-run reference.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::bench::{request, Meili};
use crate::load;
use crate::sink::{percentiles, Sink};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TASKS: u64 = 10_000;
const FANOUT: usize = 20;

fn one_doc() -> Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> {
    Arc::new(|i| format!(r#"[{{"id":{i}}}]"#).into_bytes())
}

/// Waits (bounded) until `done` holds.
async fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

async fn add_webhook(meili: &Meili, url: String) -> Result<(), String> {
    let body = json!({"url": url, "signingSecret": SECRET}).to_string().into_bytes();
    let created = request(meili.addr, "POST", "/webhooks", body).await?;
    created["uuid"].as_str().map(drop).ok_or_else(|| format!("webhook not created: {created}"))
}

/// What a latency scenario measured, in ms: what the sink saw of each task,
/// and the round trips of an empty POST to a do-nothing server beside it,
/// under the same load: the machine's own scheduling noise.
struct Latencies {
    tasks: Vec<f64>,
    noise: Vec<f64>,
    /// Tasks enqueued per second, as the load generator achieved it.
    enqueued_per_second: f64,
}

impl Latencies {
    fn describe(&self) -> String {
        let (p50, p99, max) = percentiles(&self.tasks);
        let (n50, n99, _) = percentiles(&self.noise);
        format!("p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.1} ms; an empty POST round trip beside it: p50 {n50:.2} ms, p99 {n99:.2} ms")
    }
}

/// Runs `load`, then waits for its tasks at `sink`, probing the noise meanwhile.
async fn measure(sink: &Sink, noise_peer: SocketAddr, load: impl Future<Output = load::Outcome>) -> Latencies {
    let stop = Arc::new(AtomicBool::new(false));
    let probe = tokio::spawn(load::probe(noise_peer, Duration::from_millis(2), stop.clone()));
    let run = load.await;
    // The noise of the loaded machine only, not of the idle one after it.
    stop.store(true, Ordering::Relaxed);
    let expected = run.ok as usize;
    if !until(Duration::from_secs(120), || sink.received() >= expected).await {
        eprintln!("warning: {} of {expected} tasks delivered in time", sink.received());
    }
    let noise = probe.await.unwrap_or_default();
    let tasks = sink.latencies.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Latencies { tasks, noise, enqueued_per_second: run.per_second() }
}

/// `TASKS` one-document tasks from 8 closed-loop clients: the machine saturated.
async fn latency_run(meili: &Meili, sink: &Sink, noise_peer: SocketAddr) -> Latencies {
    let run =
        load::run_bounded(meili.addr, 8, Duration::from_secs(60), TASKS, "/indexes/lat/documents", None, one_doc());
    measure(sink, noise_peer, run).await
}

/// `TASKS` one-document tasks at a steady 1,000 per second.
async fn steady_run(meili: &Meili, sink: &Sink, noise_peer: SocketAddr) -> Latencies {
    let run = load::run_paced(meili.addr, 8, 1_000.0, TASKS, "/indexes/steady/documents", one_doc());
    measure(sink, noise_peer, run).await
}

/// `BENCH_WEBHOOKS=latency,fanout` runs only those scenarios (all by default).
fn wanted(scenario: &str) -> bool {
    std::env::var("BENCH_WEBHOOKS").map_or(true, |list| list.split(',').any(|s| s.trim() == scenario))
}

pub async fn run() -> Result<(), String> {
    crate::report::line("\n## webhooks: signed, durable outbox on (release build, loopback)");
    crate::report::line("| measure | value |\n|---|---|");

    // 1. Latency from finishedAt to receipt (the reference for scenario 3).
    eprintln!("webhooks: latency over {TASKS} tasks");
    let noise_peer = load::baseline_server().await;
    let sink = Sink::start(200).await;
    let url = format!("http://{}/hook", sink.addr);
    let meili = Meili::start_with(&["--task-webhook-url", &url, "--task-webhook-signing-secret", SECRET])?;
    let clean = latency_run(&meili, &sink, noise_peer).await;
    let (p50, p99, _) = percentiles(&clean.tasks);
    crate::report::latencies("alone", &clean.tasks);
    crate::report::line(format!(
        "| latency finishedAt → receipt, {} tasks, 8 clients saturating the machine | {} (target p50 ≤ 1, p99 ≤ 2) |",
        clean.tasks.len(),
        clean.describe()
    ));
    drop(meili);
    if wanted("steady") {
        eprintln!("webhooks: latency at a steady 1,000 tasks/s");
        let sink = Sink::start(200).await;
        let url = format!("http://{}/hook", sink.addr);
        let meili = Meili::start_with(&["--task-webhook-url", &url, "--task-webhook-signing-secret", SECRET])?;
        let steady = steady_run(&meili, &sink, noise_peer).await;
        crate::report::latencies("steady 1,000 tasks/s", &steady.tasks);
        crate::report::line(format!(
            "| latency finishedAt → receipt, {} tasks at a steady 1,000/s (achieved {:.0}/s) | {} (target p50 ≤ 1, p99 ≤ 2) |",
            steady.tasks.len(),
            steady.enqueued_per_second,
            steady.describe()
        ));
    }
    // The same scenario against Meilisearch (unsigned: it has no signing).
    let anchor_sink = Sink::start(200).await;
    let anchor_url = format!("http://{}/hook", anchor_sink.addr);
    if let Some(anchor) = Meili::anchor(&["--task-webhook-url", &anchor_url])? {
        eprintln!("webhooks: latency of the anchor (MEILI_ANCHOR_BIN)");
        let theirs = latency_run(&anchor, &anchor_sink, noise_peer).await.tasks;
        let (a50, a99, amax) = percentiles(&theirs);
        crate::report::latencies("Meilisearch (anchor)", &theirs);
        crate::report::line(format!(
            "| Meilisearch (MEILI_ANCHOR_BIN), same scenario | p50 {a50:.2} ms, p99 {a99:.2} ms, max {amax:.1} ms; meili-lite p50 / Meilisearch p50 = {:.2} |",
            p50 / a50
        ));
    }

    if wanted("fanout") {
        fanout().await?;
    }
    if wanted("isolation") {
        isolation(p99, noise_peer).await?;
    }
    if wanted("backlog") {
        backlog().await?;
    }
    Ok(())
}

/// POST/s that `FANOUT` connections of the load generator get from a sink
/// taking small gzip bodies: the loopback limit delivery is measured against.
async fn loopback_post_limit() -> f64 {
    let limit_sink = Sink::start(200).await;
    let gz: Vec<u8> = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = e.write_all(br#"{"uid":1,"status":"succeeded","details.receivedDocuments":1}"#);
        e.finish().unwrap_or_default()
    };
    load::run(limit_sink.addr, FANOUT, Duration::from_secs(3), "/hook", None, Arc::new(move |_| gz.clone()))
        .await
        .per_second()
}

/// 2. Fan-out to 20 receivers, against the loopback POST limit.
///
/// Tasks are batched as they come, so this shows the queue's pace as much as
/// delivery's; the backlog's drain shows delivery alone.
async fn fanout() -> Result<(), String> {
    eprintln!("webhooks: fan-out to {FANOUT} receivers");
    let limit = loopback_post_limit().await;
    let sinks = futures_join(FANOUT).await;
    // One task per batch, so that each task is a delivery to every receiver:
    // one-document additions batch together (10,000 of them ran as 16 to 26
    // batches, a few hundred POSTs). Index creations (all but the first fail
    // with `index_already_exists`, delivered all the same) cost the queue
    // little, so what is measured is delivery, while the queue runs beside it.
    let meili = Meili::start_with(&["--experimental-max-number-of-batched-tasks", "1"])?;
    for s in &sinks {
        add_webhook(&meili, format!("http://{}/hook", s.addr)).await?;
    }
    let started = Instant::now();
    let create = Arc::new(|_| br#"{"uid":"fan"}"#.to_vec());
    let run = load::run_bounded(meili.addr, 16, Duration::from_secs(60), TASKS, "/indexes", None, create).await;
    let enqueued = started.elapsed().as_secs_f64();
    let want = run.ok as usize;
    until(Duration::from_secs(300), || sinks.iter().all(|s| s.received() >= want)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let posts: u64 = sinks.iter().map(|s| s.posts.load(Ordering::Relaxed)).sum();
    let rate = posts as f64 / elapsed;
    crate::report::compare("webhook fan-out, POST/s", rate, "loopback POST limit", limit);
    crate::report::line(format!(
        "| fan-out: {FANOUT} receivers, {want} one-task batches (enqueued in {enqueued:.2} s) | {posts} POSTs in {elapsed:.2} s from the first enqueue = {rate:.0} POST/s; loopback POST limit of the same client {limit:.0}/s (ratio {:.3}) |",
        rate / limit
    ));
    drop(meili);
    Ok(())
}

/// 3. Isolation: the healthy webhook beside a black hole, a 500 and a slow one.
async fn isolation(clean_p99: f64, noise_peer: SocketAddr) -> Result<(), String> {
    eprintln!("webhooks: isolation");
    let healthy = Sink::start(200).await;
    let failing = Sink::start(500).await;
    let slow = Sink::start(200).await;
    slow.delay_ms.store(5_000, Ordering::Relaxed);
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let meili = Meili::start()?;
    add_webhook(&meili, format!("http://{}/ok", healthy.addr)).await?;
    add_webhook(&meili, format!("http://{}/fail", failing.addr)).await?;
    add_webhook(&meili, format!("http://{}/slow", slow.addr)).await?;
    add_webhook(&meili, format!("http://{}/hole", black_hole.local_addr().map_err(|e| e.to_string())?)).await?;
    let noisy = latency_run(&meili, &healthy, noise_peer).await;
    let (_, noisy_p99, _) = percentiles(&noisy.tasks);
    crate::report::latencies("beside a black hole, a 500 and a slow one", &noisy.tasks);
    crate::report::line(format!(
        "| healthy webhook beside a black-holed, a failing and a slow (5 s) webhook | {} = {:.2}× the clean p99 |",
        noisy.describe(),
        noisy_p99 / clean_p99
    ));
    drop(meili);
    drop(black_hole);
    Ok(())
}

/// 4. Backlog: deliveries pile up with every receiver down, then drain.
async fn backlog() -> Result<(), String> {
    let batches: u64 = std::env::var("BENCH_BACKLOG_BATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    eprintln!("webhooks: backlog of {} deliveries", batches * FANOUT as u64);
    let ports: Vec<u16> = (0..FANOUT)
        .filter_map(|_| std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok().map(|a| a.port()))
        .collect();
    // Retry every 500 ms for a while, so the lanes notice the receivers coming back.
    let schedule = format!("0{}", ",500ms".repeat(600));
    let meili = Meili::start_with(&[
        "--experimental-max-number-of-batched-tasks",
        "1",
        "--webhook-retry-schedule",
        &schedule,
        "--log-level",
        "ERROR",
    ])?;
    for port in &ports {
        add_webhook(&meili, format!("http://127.0.0.1:{port}/hook")).await?;
    }
    let started_at = Instant::now();
    // Index creations: the first creates `back`, every other one fails with
    // `index_already_exists` and is delivered all the same. A batch then costs
    // the queue and the outbox, not a search index commit (about 12 ms each,
    // its fsyncs), so a backlog of millions is made in minutes, not hours.
    let create = Arc::new(|_| br#"{"uid":"back"}"#.to_vec());
    let run = load::run_bounded(meili.addr, 16, Duration::from_secs(600), batches, "/indexes", None, create).await;
    let enqueued = started_at.elapsed().as_secs_f64();
    let pending = run.ok * FANOUT as u64;
    // The batches run and their deliveries are recorded behind the load:
    // follow the outbox as it grows, sampling memory on the way.
    let bar = progress(pending, "recording deliveries");
    let mut recorded = 0;
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(900);
    while recorded < pending && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let hooks = crate::bench::request(meili.addr, "GET", "/webhooks", Vec::new()).await?;
        recorded = hooks["results"]
            .as_array()
            .map_or(0, |all| all.iter().filter_map(|h| h["pendingDeliveries"].as_u64()).sum());
        samples.push((recorded, meili.rss_mib()));
        bar.set_position(recorded);
    }
    bar.finish_and_clear();
    let recorded_in = started_at.elapsed().as_secs_f64();
    let rss = meili.peak_rss_mib();
    let growth: Vec<String> = [10, 4, 2, 1]
        .iter()
        .filter_map(|fraction| samples.iter().find(|(n, _)| *n >= pending / fraction))
        .map(|(n, mib)| format!("{n}: {mib:.0} MiB"))
        .collect();
    crate::report::line(format!(
        "| backlog: enqueue {} tasks, run them, record {pending} deliveries | enqueued in {enqueued:.1} s, {recorded} recorded at {recorded_in:.1} s{}; RSS as the outbox grew: {} |",
        run.ok,
        if recorded >= pending { "" } else { " (time limit reached)" },
        growth.join(", ")
    ));
    let disk = dir_size(meili.dir.path());
    // Measured here, beside the idle server, for the drain's own ratio.
    let limit = loopback_post_limit().await;
    let mut receivers = Vec::new();
    for port in &ports {
        if let Ok(s) = Sink::start_on(&format!("127.0.0.1:{port}"), 200).await {
            receivers.push(s);
        }
    }
    let started = Instant::now();
    let bar = progress(pending, "draining");
    let drained = until(Duration::from_secs(1_200), || {
        let got = receivers.iter().map(|s| s.received() as u64).sum::<u64>();
        bar.set_position(got);
        got >= pending
    })
    .await;
    bar.finish_and_clear();
    let took = started.elapsed().as_secs_f64();
    let got: u64 = receivers.iter().map(|s| s.received() as u64).sum();
    let drain_rss = meili.peak_rss_mib();
    let rate = got as f64 / took;
    crate::report::compare("webhook drain, deliveries/s", rate, "loopback POST limit", limit);
    crate::report::line(format!(
        "| backlog: {pending} pending deliveries ({} batches × {FANOUT} webhooks, receivers down) | peak RSS {rss:.0} MiB while recording ({drain_rss:.0} MiB over the whole run, drain included), database {:.0} MiB ({:.0} bytes per pending delivery, the task queue included); drained {got} in {took:.1} s = {rate:.0} deliveries/s{} = {:.3}× the loopback POST limit of {limit:.0}/s |",
        run.ok,
        disk as f64 / (1024.0 * 1024.0),
        disk as f64 / pending.max(1) as f64,
        if drained { "" } else { " (time limit reached)" },
        rate / limit
    ));
    Ok(())
}

/// A progress bar on stderr for a long phase; hidden when stderr is not a terminal.
fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({per_sec}, {eta})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_owned());
    bar
}

async fn futures_join(n: usize) -> Vec<Sink> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Sink::start(200).await);
    }
    out
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
