//! `cargo xtask bench search`: Debian's package list (`apt-cache dumpavail`)
//! made into documents at bench time, indexed, then a fixed seeded query mix
//! (one word, two words, a prefix, a typo) run by one keep-alive client and by
//! 8 concurrent ones. With `MEILI_ANCHOR_BIN` the same run measures Meilisearch
//! and the overlap of both servers' top-10 hits.
//!
//! `BENCH_SEARCH_LITE=anchor` puts a second Meilisearch where meili-lite goes
//! (a harness check: its overlap must be 1.0); `BENCH_SEARCH_LITE=none` runs
//! the anchor alone. Neither builds meili-lite.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::bench::{request, wait_task, Meili};
use crate::report::line;
use crate::sink::percentiles;

const MIN_DOCS: usize = 60_000;
/// Well under the default 100 MB payload limit of both servers.
const CHUNK_BYTES: usize = 64 << 20;
const KINDS: [&str; 4] = ["one word", "two words", "prefix", "typo"];
const PER_KIND: usize = 60;
const SEED: u64 = 0x00de_b1a4_5eed;
/// Words no one searches a package list for (shorter words are skipped too).
const STOP: [&str; 7] = ["with", "from", "that", "this", "into", "your", "using"];
/// Timed sequential passes over the mix, after one untimed pass that records the hits.
const ROUNDS: usize = 20;
const CLIENTS: usize = 8;
const SEARCH: &str = "/indexes/debian/search";

/// Who stands where meili-lite goes: `meili-lite` (default), `anchor` or `none`.
fn lite_mode() -> String {
    std::env::var("BENCH_SEARCH_LITE").unwrap_or_else(|_| "meili-lite".into())
}

/// Whether `bench search` needs a release build of meili-lite.
pub fn builds_meili_lite() -> bool {
    !matches!(lite_mode().as_str(), "anchor" | "none")
}

struct Corpus {
    chunks: Vec<Vec<u8>>,
    docs: usize,
    bytes: usize,
    duplicates: usize,
    summaries: Vec<String>,
}

/// One stanza's fields; continuation lines are joined to their field with '\n'.
fn fields(stanza: &str) -> HashMap<&str, String> {
    let mut map: HashMap<&str, String> = HashMap::new();
    let mut last = None;
    for l in stanza.lines() {
        if l.starts_with([' ', '\t']) {
            if let Some(v) = last.and_then(|k| map.get_mut(k)) {
                v.push('\n');
                v.push_str(l.trim());
            }
        } else if let Some((k, v)) = l.split_once(':') {
            map.insert(k, v.trim().to_owned());
            last = Some(k);
        }
    }
    map
}

/// Meilisearch ids allow only `[a-zA-Z0-9_-]`; Debian names never hold `_`.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => c,
            '+' => 'p',
            _ => '_',
        })
        .collect()
}

/// The package list as NDJSON, sorted by package name (so insertion order, the
/// last tie-break of Meilisearch's ranking, is alphabetical), first of each id
/// kept; also written to `target/bench/debian.ndjson`. The long description is
/// left out: `dumpavail` has it only for installed packages (a few dozen), so it
/// would make the corpus depend on what this machine has installed.
fn corpus() -> Result<Corpus, String> {
    let out = std::process::Command::new("apt-cache")
        .arg("dumpavail")
        .output()
        .map_err(|e| format!("cannot run `apt-cache dumpavail` (a Debian-based machine is needed): {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut stanzas: Vec<HashMap<&str, String>> =
        text.split("\n\n").map(fields).filter(|f| f.contains_key("Package") && f.contains_key("Description")).collect();
    stanzas.sort_by(|a, b| a["Package"].cmp(&b["Package"]));
    let (mut seen, mut ndjson, mut summaries, mut duplicates) = (HashSet::new(), Vec::new(), Vec::new(), 0);
    for f in &stanzas {
        let id = sanitize(&f["Package"]);
        if !seen.insert(id.clone()) {
            duplicates += 1;
            continue;
        }
        let summary = f["Description"].lines().next().unwrap_or_default();
        let tags: Vec<&str> =
            f.get("Tag").map(|t| t.split(',').map(str::trim).filter(|t| !t.is_empty()).collect()).unwrap_or_default();
        let doc = json!({
            "id": id,
            "name": f["Package"],
            "summary": summary,
            "section": f.get("Section"),
            "size": f.get("Installed-Size").and_then(|s| s.parse::<u64>().ok()),
            "tags": tags,
            "version": f.get("Version"),
        });
        ndjson.push(doc.to_string());
        summaries.push(summary.to_owned());
    }
    if ndjson.len() < MIN_DOCS {
        return Err(format!(
            "`apt-cache dumpavail` gave {} package records, fewer than the {MIN_DOCS} this benchmark needs: run `apt-get update` (as root) first, then run the benchmark again",
            ndjson.len()
        ));
    }
    let dir = crate::root().join("target/bench");
    let joined = ndjson.join("\n") + "\n";
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("debian.ndjson"), &joined))
        .map_err(|e| format!("writing target/bench/debian.ndjson: {e}"))?;
    let mut chunks: Vec<Vec<u8>> = vec![Vec::new()];
    for doc in &ndjson {
        if chunks.last().is_some_and(|c| !c.is_empty() && c.len() + doc.len() + 1 > CHUNK_BYTES) {
            chunks.push(Vec::new());
        }
        if let Some(c) = chunks.last_mut() {
            c.extend_from_slice(doc.as_bytes());
            c.push(b'\n');
        }
    }
    Ok(Corpus { chunks, docs: ndjson.len(), bytes: joined.len(), duplicates, summaries })
}

/// splitmix64: the query mix must not change with a crate's version.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

/// A summary's lowercase ASCII words of 4 letters or more, stop words out.
fn words(summary: &str) -> Vec<String> {
    summary
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 4 && w.bytes().all(|b| b.is_ascii_lowercase()) && !STOP.contains(&w.as_str()))
        .collect()
}

/// One inner letter (never the first or last) swapped with the next or replaced.
fn typo(word: &str, rng: &mut Rng) -> String {
    let mut b = word.as_bytes().to_vec();
    let p = 1 + rng.below(b.len() - 3);
    if rng.below(2) == 0 && b[p] != b[p + 1] {
        b.swap(p, p + 1);
    } else {
        b[p] = b'a' + (b[p] - b'a' + 1 + rng.below(25) as u8) % 26;
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// `PER_KIND` distinct queries of each kind, drawn from random summaries.
fn queries(summaries: &[String]) -> Vec<(usize, String)> {
    let words: Vec<Vec<String>> = summaries.iter().map(|s| words(s)).collect();
    let mut rng = Rng(SEED);
    let mut out = Vec::new();
    for kind in 0..KINDS.len() {
        let mut seen = HashSet::new();
        for _ in 0..PER_KIND * 1_000 {
            if seen.len() == PER_KIND {
                break;
            }
            let ws = &words[rng.below(words.len())];
            if ws.is_empty() {
                continue;
            }
            let i = rng.below(ws.len());
            let w = &ws[i];
            let q = match kind {
                0 => w.clone(),
                1 if i + 1 < ws.len() && ws[i + 1] != *w => format!("{w} {}", ws[i + 1]),
                2 if w.len() >= 5 => w[..3 + rng.below(w.len().min(6) - 3)].to_owned(),
                3 if w.len() >= 6 => typo(w, &mut rng),
                _ => continue,
            };
            if seen.insert(q.clone()) {
                out.push((kind, q));
            }
        }
    }
    out
}

/// One keep-alive connection for the sequential pass.
struct Client(SendRequest<Full<Bytes>>);

impl Client {
    async fn connect(addr: SocketAddr) -> Result<Self, String> {
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        Ok(Client(sender))
    }

    /// One search, given at most 10 s.
    async fn search(&mut self, body: &Bytes) -> Result<(u16, Bytes), String> {
        tokio::time::timeout(Duration::from_secs(10), self.send(body)).await.map_err(|_| "no answer in 10 s")?
    }

    async fn send(&mut self, body: &Bytes) -> Result<(u16, Bytes), String> {
        self.0.ready().await.map_err(|e| e.to_string())?;
        let req = Request::post(SEARCH)
            .header("host", "bench")
            .header("content-type", "application/json")
            .body(Full::new(body.clone()))
            .map_err(|e| e.to_string())?;
        let res = self.0.send_request(req).await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        Ok((status, res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes()))
    }
}

fn hit_ids(body: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let hits = v["hits"].as_array().map(Vec::as_slice).unwrap_or_default();
    hits.iter().map(|h| h["id"].as_str().map_or_else(|| h["id"].to_string(), str::to_owned)).collect()
}

struct Searched {
    /// Sequential latencies in ms, by kind.
    lat: Vec<Vec<f64>>,
    /// Top-10 ids of each query, from the untimed first pass.
    ids: Vec<Vec<String>>,
    qps: f64,
    errors: u64,
}

/// One server, kept running from its indexing to the end of the queries.
struct Side {
    label: String,
    server: Meili,
    index_secs: f64,
    rss_index: f64,
    rss_end: f64,
    /// `Err` says why there are no query figures (e.g. no search route yet).
    search: Result<Searched, String>,
}

/// Indexes the corpus into `server`: wall time from the first POST to the
/// last task succeeded, and the peak RSS so far.
async fn index(server: Meili, label: &str, corpus: &Corpus) -> Result<Side, String> {
    eprintln!("search: {label}: indexing {} documents in {} request(s)", corpus.docs, corpus.chunks.len());
    let t = Instant::now();
    let mut uids = Vec::new();
    for chunk in &corpus.chunks {
        let accepted = request(server.addr, "POST", "/indexes/debian/documents?primaryKey=id", chunk.clone()).await?;
        uids.push(accepted["taskUid"].as_u64().ok_or_else(|| format!("{label} refused the documents: {accepted}"))?);
    }
    for uid in uids {
        let task = wait_task(server.addr, uid, Duration::from_secs(900)).await?;
        if task["status"] != "succeeded" {
            return Err(format!("{label}: indexing failed: {task}"));
        }
    }
    let index_secs = t.elapsed().as_secs_f64();
    let rss_index = server.peak_rss_mib();
    let stats = request(server.addr, "GET", "/indexes/debian/stats", Vec::new()).await?;
    if stats["numberOfDocuments"].as_u64() != Some(corpus.docs as u64) {
        line(format!("\nwarning: {label} holds {} documents of the {} sent", stats["numberOfDocuments"], corpus.docs));
    }
    let (label, search) = (label.to_owned(), Err("not run".into()));
    Ok(Side { label, server, index_secs, rss_index, rss_end: 0.0, search })
}

/// A side still answering queries.
struct Live {
    side: usize,
    client: Client,
    ids: Vec<Vec<String>>,
    errors: u64,
    lat: Vec<Vec<f64>>,
    /// Concurrent pass: answers and seconds.
    ok: u64,
    secs: f64,
}

/// The untimed first pass: each query's top-10 ids, or why there are none.
async fn first_pass(side: usize, addr: SocketAddr, bodies: &[Bytes]) -> Result<Live, String> {
    let client = Client::connect(addr).await?;
    let mut live = Live { side, client, ids: Vec::new(), errors: 0, lat: Vec::new(), ok: 0, secs: 0.0 };
    for b in bodies {
        let (status, body) = live.client.search(b).await?;
        if status != 200 && live.ids.is_empty() {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(format!("POST {SEARCH} answered {status} {text}"));
        }
        live.errors += u64::from(status != 200);
        live.ids.push(hit_ids(&body));
    }
    live.lat = vec![Vec::new(); KINDS.len()];
    Ok(live)
}

/// The query mix against every side. The sequential passes interleave the
/// sides query by query, so that the other work on this machine hits them
/// alike; the concurrent passes alternate, twice each.
async fn search(sides: &mut [Side], queries: &[(usize, String)]) {
    let bodies: Vec<Bytes> = queries
        .iter()
        .map(|(_, q)| Bytes::from(json!({"q": q, "limit": 10, "attributesToRetrieve": ["id"]}).to_string()))
        .collect();
    let mut live = Vec::new();
    for (i, side) in sides.iter_mut().enumerate() {
        match first_pass(i, side.server.addr, &bodies).await {
            Ok(l) => live.push(l),
            Err(e) => side.search = Err(e),
        }
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    'rounds: for _ in 0..ROUNDS {
        live.reverse(); // whoever goes first each time has no edge
        for ((kind, _), b) in queries.iter().zip(&bodies) {
            if Instant::now() > deadline {
                break 'rounds;
            }
            for l in &mut live {
                let t = Instant::now();
                match l.client.search(b).await {
                    Ok((200, _)) => l.lat[*kind].push(t.elapsed().as_secs_f64() * 1000.0),
                    _ => l.errors += 1,
                }
            }
        }
    }
    let (n, bodies) = (bodies.len(), Arc::new(bodies));
    for _ in 0..2 {
        live.reverse();
        for l in &mut live {
            let b = bodies.clone();
            let body: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> = Arc::new(move |i| b[i as usize % n].to_vec());
            let addr = sides[l.side].server.addr;
            let max = (n * 10) as u64;
            let run = crate::load::run_bounded(addr, CLIENTS, Duration::from_secs(5), max, SEARCH, None, body).await;
            (l.ok, l.secs, l.errors) = (l.ok + run.ok, l.secs + run.elapsed.as_secs_f64(), l.errors + run.errors);
        }
    }
    for l in live {
        let qps = l.ok as f64 / l.secs;
        sides[l.side].search = Ok(Searched { lat: l.lat, ids: l.ids, qps, errors: l.errors });
    }
    for side in sides {
        side.rss_end = side.server.peak_rss_mib();
    }
}

pub async fn run() -> Result<(), String> {
    let corpus = corpus()?;
    let queries = queries(&corpus.summaries);
    // e.g. "--max-indexing-memory 256MiB": Meilisearch sizes its indexing
    // buffers from the machine's RAM, and its peak RSS with them.
    let args = std::env::var("BENCH_SEARCH_ANCHOR_ARGS").unwrap_or_default();
    let args: Vec<&str> = args.split_whitespace().collect();
    let mut sides = Vec::new();
    match lite_mode().as_str() {
        "none" => {}
        "anchor" => {
            let s = Meili::anchor(&args)?.ok_or("BENCH_SEARCH_LITE=anchor needs MEILI_ANCHOR_BIN")?;
            sides.push(index(s, "Meilisearch (in meili-lite's place)", &corpus).await?);
        }
        _ => sides.push(index(Meili::start()?, "meili-lite", &corpus).await?),
    }
    let has_lite = !sides.is_empty();
    if let Some(s) = Meili::anchor(&args)? {
        sides.push(index(s, "Meilisearch", &corpus).await?);
    } else if !has_lite {
        return Err("BENCH_SEARCH_LITE=none needs MEILI_ANCHOR_BIN".into());
    }
    eprintln!("search: {} queries, sequential then {CLIENTS} clients", queries.len());
    search(&mut sides, &queries).await;
    let (lite, anchor) = if has_lite { (sides.first(), sides.get(1)) } else { (None, sides.first()) };
    print(&corpus, &queries, lite, anchor);
    if !args.is_empty() {
        line(format!("\nMeilisearch ran with `{}` (BENCH_SEARCH_ANCHOR_ARGS).", args.join(" ")));
    }
    Ok(())
}

/// `lite ÷ anchor`, and whether it meets `target` (`≥` when `at_least`).
fn ratio(lite: Option<f64>, anchor: Option<f64>, target: Option<(bool, f64)>) -> String {
    let (Some(l), Some(a)) = (lite, anchor) else { return "—".into() };
    let r = l / a;
    match target {
        Some((true, t)) => format!("{r:.2}× (≥ {t}: {})", if r >= t { "met" } else { "NOT met" }),
        Some((false, t)) => format!("{r:.2}× (≤ {t}: {})", if r <= t { "met" } else { "NOT met" }),
        None => format!("{r:.2}×"),
    }
}

fn print(corpus: &Corpus, queries: &[(usize, String)], lite: Option<&Side>, anchor: Option<&Side>) {
    line(format!(
        "\n## search: {} Debian packages ({:.1} MiB NDJSON, {} request(s); {} duplicate ids dropped), {} queries ({PER_KIND} per kind, seed {SEED:#x})",
        corpus.docs,
        corpus.bytes as f64 / (1024.0 * 1024.0),
        corpus.chunks.len(),
        corpus.duplicates,
        queries.len()
    ));
    let (l, a) = (lite.map_or("meili-lite", |s| &s.label), anchor.map_or("Meilisearch", |s| &s.label));
    line(format!("| measure | {l} | {a} | ratio (target) |\n|---|---|---|---|"));
    let row = |measure: &str, cell: &dyn Fn(&Side) -> String, r: String| {
        let (l, a) = (lite.map_or_else(|| "not run".into(), cell), anchor.map_or_else(|| "not run".into(), cell));
        line(format!("| {measure} | {l} | {a} | {r} |"));
    };
    let rate = |s: &Side| corpus.docs as f64 / s.index_secs;
    row(
        "indexing, first POST → last task succeeded",
        &|s| format!("{:.0} docs/s ({:.2} s)", rate(s), s.index_secs),
        ratio(lite.map(rate), anchor.map(rate), Some((true, 2.0))),
    );
    row(
        "peak RSS (VmHWM) after indexing",
        &|s| format!("{:.0} MiB", s.rss_index),
        ratio(lite.map(|s| s.rss_index), anchor.map(|s| s.rss_index), Some((false, 0.5))),
    );
    let (lq, aq) = (lite.and_then(|s| s.search.as_ref().ok()), anchor.and_then(|s| s.search.as_ref().ok()));
    let all = |s: &Searched| s.lat.concat();
    let p = |v: &[f64]| percentiles(v);
    row(
        &format!("query p50 / p99, all kinds ({ROUNDS} sequential passes, 1 client, servers interleaved)"),
        &|s| {
            cell(s, |s| {
                let (p50, p99, _) = p(&all(s));
                format!("{p50:.2} / {p99:.2} ms ({} errors)", s.errors)
            })
        },
        ratio(lq.map(|s| p(&all(s)).1), aq.map(|s| p(&all(s)).1), Some((false, 1.0))),
    );
    for (k, kind) in KINDS.iter().enumerate() {
        row(
            &format!("… {kind}"),
            &|s| cell(s, |s| format!("{:.2} / {:.2} ms", p(&s.lat[k]).0, p(&s.lat[k]).1)),
            ratio(lq.map(|s| p(&s.lat[k]).1), aq.map(|s| p(&s.lat[k]).1), None),
        );
    }
    row(
        &format!("queries/s, {CLIENTS} keep-alive clients"),
        &|s| cell(s, |s| format!("{:.0}", s.qps)),
        ratio(lq.map(|s| s.qps), aq.map(|s| s.qps), None),
    );
    row("peak RSS (VmHWM) after the queries", &|s| format!("{:.0} MiB", s.rss_end), String::new());
    for side in [lite, anchor].into_iter().flatten() {
        if let Err(e) = &side.search {
            line(format!("\n{}: no query figures and no overlap: {e}", side.label));
        }
    }
    if anchor.is_none() {
        line("\nSet MEILI_ANCHOR_BIN to measure Meilisearch in the same run and the top-10 overlap.");
    }
    if let (Some(l), Some(a)) = (lite, anchor) {
        crate::report::compare("search indexing, docs/s", rate(l), "Meilisearch, this run", rate(a));
        if let (Some(lq), Some(aq)) = (lq, aq) {
            crate::report::compare("search, queries/s (8 clients)", lq.qps, "Meilisearch, this run", aq.qps);
            overlap(queries, &lq.ids, &aq.ids);
        }
    }
}

/// A side's query figure, or a pointer to why it has none.
fn cell(s: &Side, f: impl Fn(&Searched) -> String) -> String {
    s.search.as_ref().map_or_else(|_| "no figures (below)".into(), f)
}

/// Top-10 overlap: |lite ∩ anchor| / |anchor| per query, over queries where
/// Meilisearch finds something.
fn overlap(queries: &[(usize, String)], lite: &[Vec<String>], anchor: &[Vec<String>]) {
    let (mut per_kind, mut same, mut scored) = (vec![Vec::new(); KINDS.len()], 0, Vec::new());
    let (mut empty, mut both_empty) = (0, 0);
    for (i, ((kind, _), (l, a))) in queries.iter().zip(lite.iter().zip(anchor)).enumerate() {
        if a.is_empty() {
            empty += 1;
            both_empty += usize::from(l.is_empty());
            continue;
        }
        let o = l.iter().filter(|id| a.contains(id)).count() as f64 / a.len() as f64;
        per_kind[*kind].push(o);
        same += usize::from(l == a);
        scored.push((o, i));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let all: Vec<f64> = scored.iter().map(|(o, _)| *o).collect();
    let m = mean(&all);
    line(format!(
        "| top-10 overlap with Meilisearch, mean over {} queries | {m:.3} | | ≥ 0.8: {} |",
        all.len(),
        if m >= 0.8 { "met" } else { "NOT met" }
    ));
    for (k, kind) in KINDS.iter().enumerate() {
        line(format!("| … {kind} ({} queries) | {:.3} | | |", per_kind[k].len(), mean(&per_kind[k])));
    }
    line(format!(
        "| identical top-10, same order | {same} of {} ({:.3}) | | |",
        all.len(),
        same as f64 / all.len().max(1) as f64
    ));
    line(format!(
        "| queries Meilisearch finds nothing for (not in the mean) | {empty} ({both_empty} empty for both) | | |"
    ));
    // Every query's ids, for debugging ranking: kind, query, overlap, both lists.
    let ids = |i: usize| format!("{}\t{}", lite[i].join(" "), anchor[i].join(" "));
    let tsv: String = scored
        .iter()
        .map(|(o, i)| format!("{}\t{}\t{o:.2}\t{}\n", KINDS[queries[*i].0], queries[*i].1, ids(*i)))
        .collect();
    let path = crate::root().join("target/bench/search-overlap.tsv");
    if let Err(e) = std::fs::write(&path, tsv) {
        eprintln!("warning: writing {}: {e}", path.display());
    }
    scored.retain(|(o, _)| *o < 1.0);
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    line(format!("\nWorst top-10 overlaps ({} below 1.0; meili-lite ids | Meilisearch ids):\n", scored.len()));
    for (o, i) in scored.iter().take(5) {
        let (kind, q) = &queries[*i];
        line(format!("- `{q}` ({}): {o:.2}: {}", KINDS[*kind], ids(*i).replace('\t', " | ")));
    }
}
