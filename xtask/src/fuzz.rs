//! `cargo xtask fuzz <json|ndjson|csv|flatten> --seconds N`: feeds mutated
//! inputs to the document parsers and to flattening until the time is up,
//! checking properties rather than only "no panic". `fuzz filter` runs the
//! search crate's differential filter test (index against a plain evaluator)
//! with many more random cases, round after round, until the time is up.
//! `fuzz api` runs schemathesis against a live server from its OpenAPI
//! description (tests/tests/openapi.rs) for the time given.
//!
//! Why not `cargo fuzz`: libFuzzer's instrumentation needs a nightly
//! toolchain, and these machines have stable only. This is a mutation fuzzer
//! without coverage feedback: seeds of valid payloads, mutated by byte flips,
//! inserts, deletes, duplicated spans and splices of other seeds. A failing
//! input is written to `target/fuzz/<target>/` so it can be replayed.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use documents::{parse_payload, PayloadFormat};
use serde_json::Value;

use crate::root;

const TARGETS: &[&str] = &["json", "ndjson", "csv", "flatten", "filter", "api"];

pub fn run(args: &[String]) -> Result<(), String> {
    let target = args.first().map(String::as_str).unwrap_or_default();
    if !TARGETS.contains(&target) {
        return Err(format!("unknown fuzz target `{target}`: expected one of {}", TARGETS.join(", ")));
    }
    let seconds = match args.iter().position(|a| a == "--seconds") {
        Some(i) => args.get(i + 1).and_then(|s| s.parse().ok()).ok_or("--seconds takes a number")?,
        None => 10,
    };
    if target == "filter" {
        return filter(seconds);
    }
    if target == "api" {
        return api(seconds);
    }
    let seeds = seeds(target);
    let mut rng = Rng(0x5eed ^ u64::from(std::process::id()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut accepted) = (0u64, 0u64);
    // A panic is reported by the check below; keep the default hook quiet.
    panic::set_hook(Box::new(|_| {}));
    while Instant::now() < deadline {
        let input = mutate(&seeds, &mut rng);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| check(target, &input)));
        runs += 1;
        match outcome {
            Ok(Ok(true)) => accepted += 1,
            Ok(Ok(false)) => {}
            Ok(Err(broken)) => return Err(save(target, &input, &broken)),
            Err(_) => return Err(save(target, &input, "panicked")),
        }
    }
    let _ = panic::take_hook();
    println!(
        "fuzz {target}: {runs} inputs in {seconds} s ({:.0}/s), {accepted} accepted, {} refused with an error, 0 failures",
        runs as f64 / seconds as f64,
        runs - accepted
    );
    Ok(())
}

/// `Ok(true)`: accepted and consistent; `Ok(false)`: refused with an error
/// (fine); `Err`: a property broke.
fn check(target: &str, input: &[u8]) -> Result<bool, String> {
    let format = match target {
        "json" => PayloadFormat::Json,
        "ndjson" => PayloadFormat::Ndjson,
        "csv" => PayloadFormat::Csv { delimiter: b',' },
        _ => return check_flatten(input),
    };
    let Ok(parsed) = parse_payload(format, input) else { return Ok(false) };
    // Normalized output: one JSON object per line, as many as counted.
    let mut lines = 0;
    for line in parsed.ndjson.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(_)) => lines += 1,
            other => return Err(format!("normalized line is not an object: {other:?}")),
        }
    }
    if lines != parsed.documents {
        return Err(format!("counted {} documents, wrote {lines}", parsed.documents));
    }
    if parsed.documents == 0 {
        return Ok(true);
    }
    // Normalizing twice changes nothing.
    match parse_payload(PayloadFormat::Ndjson, &parsed.ndjson) {
        Ok(again) if again.ndjson == parsed.ndjson => Ok(true),
        other => Err(format!("normalized output does not round-trip: {:?}", other.map(|p| p.documents))),
    }
}

/// Flattening keeps every leaf, and the only object left as a value is an
/// empty one (kept so that no key disappears).
fn check_flatten(input: &[u8]) -> Result<bool, String> {
    let Ok(value) = serde_json::from_slice::<Value>(input) else { return Ok(false) };
    let flat = task_model::flatten(&value);
    if flat.values().any(|v| v.as_object().is_some_and(|m| !m.is_empty())) {
        return Err("a flattened value is still a non-empty object".into());
    }
    fn leaves(v: &Value) -> usize {
        match v {
            Value::Object(m) if !m.is_empty() => m.values().map(leaves).sum(),
            _ => 1,
        }
    }
    if flat.len() > leaves(&value) {
        return Err(format!("{} keys from {} leaves", flat.len(), leaves(&value)));
    }
    Ok(true)
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let texts: &[&str] = match target {
        "json" => &[
            r#"[{"id": 1, "title": "Carol", "genres": ["a", "b"], "nested": {"x": {"y": null}}}]"#,
            r#"{"id": "x-1", "price": 1.5e3, "ok": true, "s": "\u00e9\n\"q\""}"#,
            r#"[{"id": 1}, {"id": 2, "a": [[[]]], "b": {}}]"#,
        ],
        "ndjson" => &["{\"id\": 1}\n{\"id\": 2, \"t\": [1, {\"a\": 2}]}\n", "{\"id\":\"é\"}\r\n\n{\"id\":3}"],
        "csv" => &["id,title,price:number,ok:boolean\n1,Carol,12.5,true\n2,\"a, b\",,false\n", "id;x\n1;2\n"],
        _ => &[r#"{"a": {"b": {"c": 1}, "d": [1, {"e": 2}]}, "f": null, "a.b": 3}"#, "[1, 2]", "{}"],
    };
    texts.iter().map(|t| t.as_bytes().to_vec()).collect()
}

fn mutate(seeds: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut out = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(8) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            // Structure characters, escapes, a lone UTF-8 lead byte, a NUL.
            1 => out.insert(at, b"{}[]\",:\\\n0e-9a\xc3\0"[rng.below(16)]),
            2 if at < out.len() => {
                out.remove(at);
            }
            3 => {
                let end = (at + rng.below(16)).min(out.len());
                let span = out[at..end].to_vec();
                out.splice(at..at, span);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                out.splice(at..at, other[from..].iter().copied().take(rng.below(32)));
            }
            _ => {
                // Deep nesting, where recursive parsers fall over.
                let depth = rng.below(20_000);
                let open = if rng.below(2) == 0 { "[" } else { "{\"k\":" };
                out.splice(at..at, open.repeat(depth).into_bytes());
            }
        }
    }
    out
}

fn save(target: &str, input: &[u8], why: &str) -> String {
    let dir = root().join("target/fuzz").join(target);
    let path = dir.join(format!("failure-{}", std::process::id()));
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input));
    match written {
        Ok(()) => format!("fuzz {target}: {why}; input saved to {}", path.display()),
        Err(e) => format!("fuzz {target}: {why}; could not save the input: {e}"),
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if n == 0 {
            0
        } else {
            (self.0 % n as u64) as usize
        }
    }
}

/// Schemathesis on every operation of the OpenAPI description, a random
/// seed, for `seconds` (release build): no 5xx, no answer outside the
/// description, the server healthy and its tasks intact afterwards.
fn api(seconds: u64) -> Result<(), String> {
    crate::sh(
        "cargo",
        &["test", "--release", "-q", "-p", "meili-lite-e2e", "--test", "openapi", "schemathesis", "--", "--nocapture"],
        &[("MEILI_LITE_API_FUZZ_SECONDS", &seconds.to_string())],
    )?;
    println!("fuzz api: schemathesis for {seconds} s, 0 failures");
    Ok(())
}

/// Rounds of 1,000 random cases of the differential filter test (release
/// build; proptest draws new cases each round and shrinks a failure).
fn filter(seconds: u64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rounds = 0;
    while rounds == 0 || Instant::now() < deadline {
        crate::sh(
            "cargo",
            &[
                "test",
                "--release",
                "-q",
                "-p",
                "meili-lite-search",
                "--lib",
                "filters_select_what_a_plain_evaluator_selects",
            ],
            &[("MEILI_LITE_FILTER_CASES", "1000")],
        )?;
        rounds += 1;
    }
    println!("fuzz filter: {rounds} rounds of 1,000 random documents-and-filters cases, 0 failures");
    Ok(())
}
