//! The OpenAPI description against the router: every operation it
//! describes is a route the server answers, and every route the
//! authorization test exercises is described, with its action. Then
//! schemathesis fuzzes every operation from that description: no `5xx`, no
//! answer outside it, the server healthy and its accepted tasks intact.
//! `cargo xtask fuzz api --seconds N` runs the fuzzing longer.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::path::Path;
use std::process::Command;

use common::routes::ROUTES;
use common::Server;
use serde_json::Value;

/// A value for each path parameter: routes must be found whatever exists.
fn fill(path: &str) -> String {
    path.replace("{indexUid}", "openapi_probe")
        .replace("{documentId}", "1")
        .replace("{taskUid}", "0")
        .replace("{batchUid}", "0")
        .replace("{key}", "00000000-0000-0000-0000-000000000000")
        .replace("{uuid}", "00000000-0000-0000-0000-000000000000")
        .replace("{deliveryId}", "0-0")
}

/// Back from a concrete path to the described template it matches.
fn matches(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap();
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t == p || t.starts_with('{'))
}

#[test]
fn every_described_operation_is_routed_and_every_route_described() {
    let s = Server::with_key("openapi-test-master-key-0123456789");
    let served = s.request("GET", "/openapi.json", &[("Authorization", "")], b"");
    assert_eq!(served.status, 200);
    let committed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json")).unwrap();
    assert!(served.body == committed, "GET /openapi.json serves docs/openapi.json");
    let doc: Value = served.json();
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let has_body = op.get("requestBody").is_some();
            let headers: &[(&str, &str)] = if has_body { &[("Content-Type", "application/json")] } else { &[] };
            let r = s.request(&method.to_uppercase(), &fill(template), headers, b"");
            let code = serde_json::from_slice::<Value>(&r.body).ok().map(|b| b["code"].clone());
            let unrouted = r.status == 405 || (r.status == 404 && code == Some(Value::from("not_found")));
            assert!(!unrouted, "{method} {template} is described but not routed: {}", String::from_utf8_lossy(&r.body));
        }
    }
    assert!(operations > 100, "{operations} operations");
    for (method, path, _, action) in ROUTES {
        let path = path.replace("{hook}", "x").replace("{doomed_hook}", "x").replace("{doomed_key}", "x");
        let described = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(template, _)| matches(template, &path))
            .find_map(|(_, item)| item.get(method.to_lowercase()));
        let op = described.unwrap_or_else(|| panic!("{method} {path} is routed but not described"));
        assert_eq!(op["security"][0]["Bearer"][0], *action, "{method} {path}: the action described");
    }
}

/// Every task uid the server lists.
fn task_uids(s: &Server) -> Vec<u64> {
    let (mut uids, mut from) = (Vec::new(), None::<u64>);
    loop {
        let page =
            s.get(&format!("/tasks?limit=1000{}", from.map(|f| format!("&from={f}")).unwrap_or_default())).json();
        uids.extend(page["results"].as_array().unwrap().iter().map(|t| t["uid"].as_u64().unwrap()));
        match page["next"].as_u64() {
            Some(next) => from = Some(next),
            None => return uids,
        }
    }
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_outside_the_description() {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py-venv/bin/schemathesis");
    let tool = std::env::var("MEILI_LITE_SCHEMATHESIS").unwrap_or_else(|_| {
        if venv.exists() {
            venv.to_string_lossy().into_owned()
        } else {
            "schemathesis".into()
        }
    });
    let key = "schemathesis-master-key-0123456789";
    let mut s = Server::with_key(key);
    // Short and reproducible in CI; `cargo xtask fuzz api` sets a time and a random seed.
    let seconds = std::env::var("MEILI_LITE_API_FUZZ_SECONDS").ok();
    let mut args: Vec<String> = [
        "run",
        &format!("{}/openapi.json", s.url()),
        "--header",
        &format!("Authorization: Bearer {key}"),
        "--checks",
        "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        // A stream never ends: it has its own test (tests/tests/logs.rs).
        "--exclude-path",
        "/logs/stream",
        "--no-color",
    ]
    .map(String::from)
    .to_vec();
    match &seconds {
        Some(seconds) => args.extend(["--max-time".into(), seconds.clone(), "--max-examples".into(), "1000".into()]),
        None => args.extend(["--max-examples", "3", "--seed", "1"].map(String::from)),
    }
    // Its own directory: schemathesis keeps a cache of past failures where it runs.
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(&tool).args(&args).current_dir(scratch.path()).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}): `pip install -r tests/python/requirements.txt`, or `cargo xtask ci`")
    });
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    assert!(out.status.success(), "schemathesis found failures:\n{report}\n{}", String::from_utf8_lossy(&out.stderr));

    assert_eq!(s.get("/health").status, 200, "still healthy");
    let before = task_uids(&s);
    assert!(!before.is_empty(), "the fuzzer enqueued tasks");
    s.terminate();
    s.launch();
    let after = task_uids(&s);
    assert!(before.iter().all(|uid| after.contains(uid)), "every accepted task is still there after a restart");
}
