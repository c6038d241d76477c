//! `cargo xtask bench dump`: writing and importing a dump of 100k documents,
//! meili-lite beside Meilisearch (`MEILI_ANCHOR_BIN`) in the same run.

use std::time::{Duration, Instant};

use crate::bench::{import_payload, request, wait_task, Meili};
use crate::report::{compare, line};

struct Measured {
    dump_s: f64,
    dump_mib: f64,
    /// Peak RSS of the server that wrote the dump: after indexing, then after the dump.
    rss_indexed: f64,
    rss_dumped: f64,
    import_s: f64,
    import_rss: f64,
    snapshot_s: f64,
    snapshot_mib: f64,
}

pub async fn run() -> Result<(), String> {
    let payload = import_payload();
    eprintln!("dump: meili-lite, 100k documents");
    let lite = side(&payload, |extra| Meili::start_with(extra).map(Some)).await?;
    let anchor = if std::env::var_os("MEILI_ANCHOR_BIN").is_some() {
        eprintln!("dump: Meilisearch (MEILI_ANCHOR_BIN), the same documents");
        side(&payload, Meili::anchor).await.ok()
    } else {
        None
    };
    line("\n## dump: 100k documents (20.5 MiB NDJSON), written then imported");
    line("| measure | meili-lite | Meilisearch (same run) |\n|---|---|---|");
    let row = |name: &str, f: &dyn Fn(&Measured) -> f64, unit: &str| {
        let other = anchor.as_ref().map_or("—".to_owned(), |a| format!("{:.2} {unit}", f(a)));
        line(format!("| {name} | {:.2} {unit} | {other} |", f(&lite)));
    };
    row("POST /dumps until succeeded", &|m| m.dump_s, "s");
    row("dump file", &|m| m.dump_mib, "MiB");
    row("peak RSS after indexing", &|m| m.rss_indexed, "MiB");
    row("peak RSS after the dump", &|m| m.rss_dumped, "MiB");
    row("--import-dump until listening", &|m| m.import_s, "s");
    row("peak RSS of the import", &|m| m.import_rss, "MiB");
    row("POST /snapshots until succeeded (imported server)", &|m| m.snapshot_s, "s");
    row("snapshot file", &|m| m.snapshot_mib, "MiB");
    if let Some(a) = &anchor {
        // Rates, so that "higher is better" reads the same as the other bars.
        compare("dump written, docs/s", 100_000.0 / lite.dump_s, "Meilisearch, this run", 100_000.0 / a.dump_s);
        compare("dump imported, docs/s", 100_000.0 / lite.import_s, "Meilisearch, this run", 100_000.0 / a.import_s);
    }
    Ok(())
}

/// Indexes `payload`, dumps it, then imports the dump into a new server.
async fn side(payload: &[u8], start: impl Fn(&[&str]) -> Result<Option<Meili>, String>) -> Result<Measured, String> {
    let dumps = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dump_dir = dumps.path().to_string_lossy().into_owned();
    let snapshot_dir = dumps.path().join("snapshots").to_string_lossy().into_owned();
    let server = start(&["--dump-dir", &dump_dir])?.ok_or("no server")?;
    let added = request(server.addr, "POST", "/indexes/bench/documents", payload.to_vec()).await?;
    let uid = added["taskUid"].as_u64().ok_or_else(|| format!("not accepted: {added}"))?;
    wait_task(server.addr, uid, Duration::from_secs(600)).await?;
    let rss_indexed = server.peak_rss_mib();
    let t = Instant::now();
    let task = request(server.addr, "POST", "/dumps", Vec::new()).await?;
    let uid = task["taskUid"].as_u64().ok_or_else(|| format!("not accepted: {task}"))?;
    let done = wait_task(server.addr, uid, Duration::from_secs(600)).await?;
    let dump_s = t.elapsed().as_secs_f64();
    let name = done["details"]["dumpUid"].as_str().ok_or_else(|| format!("no dumpUid: {done}"))?;
    let path = dumps.path().join(format!("{name}.dump"));
    let dump_mib = std::fs::metadata(&path).map_err(|e| e.to_string())?.len() as f64 / 1_048_576.0;
    let rss_dumped = server.peak_rss_mib();
    drop(server);
    let t = Instant::now();
    let imported =
        start(&["--import-dump", &path.to_string_lossy(), "--snapshot-dir", &snapshot_dir])?.ok_or("no server")?;
    let import_s = t.elapsed().as_secs_f64();
    let import_rss = imported.peak_rss_mib();
    let t = Instant::now();
    let task = request(imported.addr, "POST", "/snapshots", Vec::new()).await?;
    let uid = task["taskUid"].as_u64().ok_or_else(|| format!("not accepted: {task}"))?;
    let done = wait_task(imported.addr, uid, Duration::from_secs(600)).await?;
    if done["status"] != "succeeded" {
        return Err(format!("snapshot failed: {done}"));
    }
    let snapshot_s = t.elapsed().as_secs_f64();
    let snapshot_mib = std::fs::read_dir(&snapshot_dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".snapshot"))
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum::<u64>() as f64
        / 1_048_576.0;
    let count = request(imported.addr, "GET", "/indexes/bench/stats", Vec::new()).await?;
    if count["numberOfDocuments"] != 100_000 {
        return Err(format!("the import lost documents: {count}"));
    }
    Ok(Measured { dump_s, dump_mib, rss_indexed, rss_dumped, import_s, import_rss, snapshot_s, snapshot_mib })
}
