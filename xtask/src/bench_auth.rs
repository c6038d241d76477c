//! `cargo xtask bench auth`: what authorization costs the hot paths. One
//! meili-lite with a master key takes the same load with the master key, an
//! API key and, for search, a tenant token; the runs alternate so that the
//! machine's drift falls on each alike, and each ratio is from the same run.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use crate::bench::{import_payload, request_as, Meili};
use crate::load;
use crate::report::{compare, line};

const MASTER: &str = "bench-auth-master-key-0123456789abcdef";
const ROUNDS: usize = 3;
const ROUND: Duration = Duration::from_secs(3);
const ENQUEUE_CONNECTIONS: usize = 64;
const SEARCH_CONNECTIONS: usize = 8;
const SEARCH_DOCS: usize = 20_000;
const WORDS: [&str; 6] = ["river", "stone", "light", "garden", "winter", "signal"];

type Body = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

pub async fn run() -> Result<(), String> {
    let meili = Meili::start_with(&["--master-key", MASTER])?;
    let addr = meili.addr;
    let master = format!("Bearer {MASTER}");
    let created = json!({"actions": ["documents.add", "search"], "indexes": ["*"], "expiresAt": null});
    let key = request_as(addr, "POST", "/keys", created.to_string().into_bytes(), Some(&master)).await?;
    let (key_uid, key_value) = (str_of(&key, "uid")?, str_of(&key, "key")?);
    let api = format!("Bearer {key_value}");

    eprintln!("auth: enqueue, {ENQUEUE_CONNECTIONS} connections, {ROUNDS} × {ROUND:?} per credential");
    let add: Body = Arc::new(|i| format!(r#"[{{"id":{i},"title":"document {i}"}}]"#).into_bytes());
    let [by_master, by_key] =
        alternate(addr, ENQUEUE_CONNECTIONS, "/indexes/bench/documents", [(&master, &add), (&api, &add)]).await;

    eprintln!("auth: indexing {SEARCH_DOCS} documents to search");
    let docs: Vec<u8> =
        import_payload().split(|b| *b == b'\n').take(SEARCH_DOCS).flat_map(|l| [l, b"\n"].concat()).collect();
    let settings = json!({"filterableAttributes": ["year"]}).to_string().into_bytes();
    request_as(addr, "PATCH", "/indexes/search/settings", settings, Some(&master)).await?;
    let added = request_as(addr, "POST", "/indexes/search/documents", docs, Some(&master)).await?;
    let uid = added["taskUid"].as_u64().ok_or_else(|| format!("not accepted: {added}"))?;
    wait_task_as(addr, uid).await?;

    // The token's rule adds a filter; the master key sends the same filter
    // itself, so both searches do the same work.
    let claims = json!({"apiKeyUid": key_uid, "searchRules": {"search": {"filter": "year > 1950"}}});
    let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(key_value.as_bytes()))
        .map_err(|e| e.to_string())?;
    let tenant = format!("Bearer {token}");
    let filtered: Body =
        Arc::new(|i| json!({"q": WORDS[i as usize % WORDS.len()], "filter": "year > 1950"}).to_string().into_bytes());
    let plain: Body = Arc::new(|i| json!({"q": WORDS[i as usize % WORDS.len()]}).to_string().into_bytes());
    eprintln!("auth: search, {SEARCH_CONNECTIONS} connections, {ROUNDS} × {ROUND:?} per credential");
    let [search_master, search_token] =
        alternate(addr, SEARCH_CONNECTIONS, "/indexes/search/search", [(&master, &filtered), (&tenant, &plain)]).await;

    line("\n## auth: the hot paths with an API key and a tenant token (same server, alternating runs)");
    line("| path | master key | other credential | ratio (target ≥ 0.95) |\n|---|---|---|---|");
    for (path, base, other, who) in [
        ("durable enqueue, tasks/s", by_master, by_key, "API key"),
        ("search, queries/s", search_master, search_token, "tenant token"),
    ] {
        let ratio = other / base;
        let verdict = if ratio >= 0.95 { "met" } else { "NOT met" };
        line(format!("| {path} | {base:.0} | {who}: {other:.0} | {ratio:.3} ({verdict}) |"));
        compare(&format!("{path} with {who}"), other, "master key, this run", base);
    }
    Ok(())
}

/// Runs each (credential, body) `ROUNDS` times, interleaved; the mean rate of each.
async fn alternate<const N: usize>(
    addr: std::net::SocketAddr,
    connections: usize,
    path: &'static str,
    runs: [(&String, &Body); N],
) -> [f64; N] {
    let mut sums = [0.0; N];
    for _ in 0..ROUNDS {
        for (i, (auth, body)) in runs.iter().enumerate() {
            let outcome = load::run(addr, connections, ROUND, path, Some((*auth).clone()), Arc::clone(body)).await;
            if outcome.errors > 0 {
                eprintln!("auth: {} errors on {path}", outcome.errors);
            }
            sums[i] += outcome.per_second();
        }
    }
    sums.map(|s| s / ROUNDS as f64)
}

async fn wait_task_as(addr: std::net::SocketAddr, uid: u64) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let task =
            request_as(addr, "GET", &format!("/tasks/{uid}"), Vec::new(), Some(&format!("Bearer {MASTER}"))).await?;
        match task["status"].as_str() {
            Some("succeeded") => return Ok(()),
            Some("failed" | "canceled") => return Err(format!("indexing failed: {task}")),
            _ if std::time::Instant::now() > deadline => return Err(format!("indexing not done: {task}")),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

fn str_of(v: &Value, key: &str) -> Result<String, String> {
    v[key].as_str().map(str::to_owned).ok_or_else(|| format!("no `{key}` in {v}"))
}
