//! `cargo xtask bench search`: Debian's package list (`apt-cache dumpavail`)
//! made into documents at bench time, indexed, made filterable and sortable
//! (one settings task, timed apart), then a fixed seeded query mix (one word,
//! two words, a prefix, a typo; one word with a filter, with facets, with a
//! sort) run by one keep-alive client and by 8 concurrent ones. With
//! `MEILI_ANCHOR_BIN` the same run measures Meilisearch, the overlap of both
//! servers' top-10 hits and of their `section` facet distributions.
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
use crate::bench_search_queries::{compare_facets, queries, section_facets, Query, KINDS, PER_KIND, SEED, SETTINGS};
use crate::report::line;
use crate::sink::percentiles;

const MIN_DOCS: usize = 60_000;
/// Well under the default 100 MB payload limit of both servers.
const CHUNK_BYTES: usize = 64 << 20;
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
    /// Each document's `section`, beside its summary.
    sections: Vec<Option<String>>,
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
    let (mut seen, mut ndjson, mut summaries, mut sections, mut duplicates) =
        (HashSet::new(), Vec::new(), Vec::new(), Vec::new(), 0);
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
        sections.push(f.get("Section").cloned());
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
    Ok(Corpus { chunks, docs: ndjson.len(), bytes: joined.len(), duplicates, summaries, sections })
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

/// An answer's hit ids and its `facetDistribution.section`, if any.
fn answer(body: &[u8]) -> (Vec<String>, Option<Value>) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let hits = v["hits"].as_array().map(Vec::as_slice).unwrap_or_default();
    let ids = hits.iter().map(|h| h["id"].as_str().map_or_else(|| h["id"].to_string(), str::to_owned)).collect();
    (ids, section_facets(&v))
}

struct Searched {
    /// Sequential latencies in ms, by kind.
    lat: Vec<Vec<f64>>,
    /// Top-10 ids of each query, from the untimed first pass.
    ids: Vec<Vec<String>>,
    /// `facetDistribution.section` of each query that asks for facets.
    facets: Vec<Option<Value>>,
    qps: f64,
    errors: u64,
}

/// One server, kept running from its indexing to the end of the queries.
struct Side {
    label: String,
    server: Meili,
    index_secs: f64,
    rss_index: f64,
    /// The settings task, PATCH to succeeded, and the peak RSS after it.
    settings_secs: f64,
    rss_settings: f64,
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
    Ok(Side { label, server, index_secs, rss_index, settings_secs: 0.0, rss_settings: 0.0, rss_end: 0.0, search })
}

/// Makes `section`, `tags` and `size` filterable and `size` sortable, which
/// re-indexes: wall time from the PATCH to the task succeeded.
async fn settings(side: &mut Side) -> Result<(), String> {
    eprintln!("search: {}: settings {SETTINGS}", side.label);
    let addr = side.server.addr;
    let t = Instant::now();
    let accepted = request(addr, "PATCH", "/indexes/debian/settings", SETTINGS.as_bytes().to_vec()).await?;
    let uid = accepted["taskUid"].as_u64().ok_or_else(|| format!("{} refused the settings: {accepted}", side.label))?;
    let task = wait_task(addr, uid, Duration::from_secs(900)).await?;
    if task["status"] != "succeeded" {
        return Err(format!("{}: the settings task failed: {task}", side.label));
    }
    side.settings_secs = t.elapsed().as_secs_f64();
    side.rss_settings = side.server.peak_rss_mib();
    Ok(())
}

/// A side still answering queries.
struct Live {
    side: usize,
    client: Client,
    ids: Vec<Vec<String>>,
    facets: Vec<Option<Value>>,
    errors: u64,
    lat: Vec<Vec<f64>>,
    /// Concurrent pass: answers and seconds.
    ok: u64,
    secs: f64,
}

/// The untimed first pass: each query's top-10 ids and section facets, or
/// why there are none.
async fn first_pass(side: usize, addr: SocketAddr, bodies: &[Bytes]) -> Result<Live, String> {
    let client = Client::connect(addr).await?;
    let (ids, facets, lat) = (Vec::new(), Vec::new(), Vec::new());
    let mut live = Live { side, client, ids, facets, errors: 0, lat, ok: 0, secs: 0.0 };
    for b in bodies {
        let (status, body) = live.client.search(b).await?;
        if status != 200 && live.ids.is_empty() {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(format!("POST {SEARCH} answered {status} {text}"));
        }
        live.errors += u64::from(status != 200);
        let (ids, facets) = answer(&body);
        live.ids.push(ids);
        live.facets.push(facets);
    }
    live.lat = vec![Vec::new(); KINDS.len()];
    Ok(live)
}

/// The query mix against every side. The sequential passes interleave the
/// sides query by query, so that the other work on this machine hits them
/// alike; the concurrent passes alternate, twice each.
async fn search(sides: &mut [Side], queries: &[Query]) {
    let bodies: Vec<Bytes> = queries.iter().map(|q| Bytes::from(q.body().to_string())).collect();
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
        for (Query { kind, .. }, b) in queries.iter().zip(&bodies) {
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
        sides[l.side].search = Ok(Searched { lat: l.lat, ids: l.ids, facets: l.facets, qps, errors: l.errors });
    }
    for side in sides {
        side.rss_end = side.server.peak_rss_mib();
    }
}

pub async fn run() -> Result<(), String> {
    let corpus = corpus()?;
    let queries = queries(&corpus.summaries, &corpus.sections);
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
    for side in &mut sides {
        settings(side).await?;
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

fn print(corpus: &Corpus, queries: &[Query], lite: Option<&Side>, anchor: Option<&Side>) {
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
    row(
        "settings re-index (filterable section, tags, size; sortable size), PATCH → task succeeded",
        &|s| format!("{:.2} s", s.settings_secs),
        ratio(lite.map(|s| s.settings_secs), anchor.map(|s| s.settings_secs), None),
    );
    row("peak RSS (VmHWM) after the settings re-index", &|s| format!("{:.0} MiB", s.rss_settings), String::new());
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
            overlap(queries, lq, aq);
        }
    }
}

/// A side's query figure, or a pointer to why it has none.
fn cell(s: &Side, f: impl Fn(&Searched) -> String) -> String {
    s.search.as_ref().map_or_else(|_| "no figures (below)".into(), f)
}

/// Top-10 overlap: |lite ∩ anchor| / |anchor| per query, over queries where
/// Meilisearch finds something; then the faceted queries' section facets.
fn overlap(queries: &[Query], lq: &Searched, aq: &Searched) {
    let (lite, anchor) = (&lq.ids, &aq.ids);
    let (mut per_kind, mut same, mut scored) = (vec![Vec::new(); KINDS.len()], 0, Vec::new());
    let (mut empty, mut both_empty) = (0, 0);
    for (i, (Query { kind, .. }, (l, a))) in queries.iter().zip(lite.iter().zip(anchor)).enumerate() {
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
    let facet_diffs = compare_facets(queries, &lq.facets, &aq.facets);
    // Every query's ids, for debugging ranking: kind, query, overlap, both lists.
    let ids = |i: usize| format!("{}\t{}", lite[i].join(" "), anchor[i].join(" "));
    let tsv: String = scored
        .iter()
        .map(|(o, i)| format!("{}\t{}\t{o:.2}\t{}\n", KINDS[queries[*i].kind], queries[*i].describe(), ids(*i)))
        .collect();
    let path = crate::root().join("target/bench/search-overlap.tsv");
    if let Err(e) = std::fs::write(&path, tsv) {
        eprintln!("warning: writing {}: {e}", path.display());
    }
    scored.retain(|(o, _)| *o < 1.0);
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    line(format!("\nWorst top-10 overlaps ({} below 1.0; meili-lite ids | Meilisearch ids):\n", scored.len()));
    for (o, i) in scored.iter().take(5) {
        let q = &queries[*i];
        line(format!("- `{}` ({}): {o:.2}: {}", q.describe(), KINDS[q.kind], ids(*i).replace('\t', " | ")));
    }
    for l in facet_diffs {
        line(l);
    }
}
