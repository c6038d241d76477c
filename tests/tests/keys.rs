//! API keys and tenant tokens over real HTTP: every route against every
//! action, index patterns narrowing lists and writes, keys across restarts.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::time::Duration;

use common::routes::ROUTES;
use common::{Resp, Server};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

const MASTER: &str = "keys-test-master-key-0123456789abcdef";
const KEY_UID: &str = "00000000-0000-4000-8000-000000000002";

fn call(s: &Server, key: &str, method: &str, path: &str, body: &str) -> Resp {
    let auth = format!("Bearer {key}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    s.request(method, path, &headers, body.as_bytes())
}

fn create_key(s: &Server, body: Value) -> Value {
    let r = s.post_json("/keys", &body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn movies(s: &Server) {
    let docs = json!([{"id": 1, "title": "Alien", "genre": "scifi"}, {"id": 2, "title": "Amadeus", "genre": "drama"}]);
    for index in ["movies", "movies2", "other", "scratch"] {
        let t =
            s.enqueue("POST", &format!("/indexes/{index}/documents"), "application/json", docs.to_string().as_bytes());
        assert_eq!(s.wait_task(t)["status"], "succeeded");
    }
}

#[test]
fn each_action_opens_its_routes_and_no_other() {
    let s = Server::with_key_and_args(MASTER, &["--experimental-enable-metrics", "--experimental-enable-logs-route"]);
    movies(&s);
    let r = s.send_json("PATCH", "/indexes/movies/settings", &json!({"filterableAttributes": ["genre"]}));
    s.wait_task(r.json()["taskUid"].as_u64().unwrap());
    create_key(&s, json!({"uid": KEY_UID, "actions": ["search"], "indexes": ["*"], "expiresAt": null}));
    let doomed_key = create_key(&s, json!({"actions": [], "indexes": [], "expiresAt": null}))["uid"].clone();
    let hook = |url: &str| {
        let r = s.post_json("/webhooks", &json!({"url": url}));
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["uuid"].as_str().unwrap().to_owned()
    };
    let (kept, doomed) = (hook("http://127.0.0.1:9/kept"), hook("http://127.0.0.1:9/doomed"));
    let path_of = |p: &str| {
        p.replace("{hook}", &kept)
            .replace("{doomed_hook}", &doomed)
            .replace("{doomed_key}", doomed_key.as_str().unwrap())
    };
    let mut actions: Vec<&str> = ROUTES.iter().map(|r| r.3).collect();
    actions.sort_unstable();
    actions.dedup();
    for action in actions {
        let key = create_key(&s, json!({"actions": [action], "indexes": ["*"], "expiresAt": null}));
        let key = key["key"].as_str().unwrap();
        for (method, path, body, needed) in ROUTES {
            let path = path_of(path);
            let r = call(&s, key, method, &path, body);
            if *needed != action {
                let e = r.assert_error(403, "invalid_api_key");
                assert_eq!(e["message"], "The provided API key is invalid.", "{action} on {method} {path}");
            } else if path.ends_with("/retry") {
                r.assert_error(404, "webhook_delivery_not_found");
            } else {
                let shown = String::from_utf8_lossy(&r.body);
                assert!((200..300).contains(&r.status), "{action} on {method} {path}: {} {shown}", r.status);
            }
        }
    }
    // Reads succeed outright: the action is all a key needs.
    let search = s.get(&format!("/keys/{KEY_UID}")).json()["key"].as_str().unwrap().to_owned();
    let r = call(&s, &search, "GET", "/indexes/movies/search?q=alien", "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["hits"][0]["id"], 1);
}

#[test]
fn index_patterns_narrow_lists_and_writes() {
    let s = Server::with_key(MASTER);
    movies(&s);
    let key = create_key(&s, json!({"actions": ["*"], "indexes": ["mov*"], "expiresAt": null}));
    let key = key["key"].as_str().unwrap();
    let listed = call(&s, key, "GET", "/indexes", "").json();
    let uids: Vec<&str> = listed["results"].as_array().unwrap().iter().map(|i| i["uid"].as_str().unwrap()).collect();
    assert_eq!((uids, listed["total"].clone()), (vec!["movies", "movies2"], json!(2)));
    let e = call(&s, key, "POST", "/indexes/other/documents", "[]").assert_error(403, "invalid_api_key");
    assert_eq!(e["message"], "The API key cannot acces the index `other`, authorized indexes are [\"mov*\"].");
    call(&s, key, "POST", "/indexes", r#"{"uid":"other2"}"#).assert_error(403, "invalid_api_key");
    assert_eq!(call(&s, key, "POST", "/indexes", r#"{"uid":"movies3"}"#).status, 202);
    call(&s, key, "POST", "/swap-indexes", r#"[{"indexes":["movies","other"]}]"#).assert_error(403, "invalid_api_key");
    // Adding documents creates a missing index only for a key that may create it.
    let writer =
        create_key(&s, json!({"actions": ["documents.add", "settings.update"], "indexes": ["*"], "expiresAt": null}));
    let writer = writer["key"].as_str().unwrap();
    for path in ["/indexes/absent/documents", "/indexes/absent/settings/stop-words"] {
        let method = if path.ends_with("documents") { "POST" } else { "PUT" };
        let r = call(&s, writer, method, path, "[]");
        let failed = s.wait_task(r.json()["taskUid"].as_u64().unwrap());
        assert_eq!(failed["error"]["code"], "index_not_found", "{path}: {failed}");
    }
    let r = call(&s, key, "POST", "/indexes/movies-new/documents", r#"[{"id": 1}]"#);
    assert_eq!(s.wait_task(r.json()["taskUid"].as_u64().unwrap())["status"], "succeeded");
    // A key on some indexes never holds an action on the whole instance.
    call(&s, key, "GET", "/version", "").assert_error(403, "invalid_api_key");
    let e = s.post_json("/keys", &json!({"actions": ["dumps.create"], "indexes": ["movies"], "expiresAt": null}));
    e.assert_error(400, "index_scoped_api_key_with_global_action");

    let tasks = call(&s, key, "GET", "/tasks?limit=100", "").json();
    let indexes: Vec<&str> =
        tasks["results"].as_array().unwrap().iter().map(|t| t["indexUid"].as_str().unwrap()).collect();
    assert!(indexes.iter().all(|i| i.starts_with("mov")) && indexes.contains(&"movies"), "{indexes:?}");
    assert_eq!(tasks["total"], json!(indexes.len()));
    let other_task = s.get("/tasks?indexUids=other").json()["results"][0]["uid"].as_u64().unwrap();
    call(&s, key, "GET", &format!("/tasks/{other_task}"), "").assert_error(404, "task_not_found");
    let stats = call(&s, key, "GET", "/stats", "").json();
    let names: Vec<&String> = stats["indexes"].as_object().unwrap().keys().collect();
    assert!(names.iter().all(|n| n.starts_with("mov")) && names.len() >= 2, "{names:?}");
    let multi = json!({"queries": [{"indexUid": "movies"}, {"indexUid": "other"}]}).to_string();
    let e = call(&s, key, "POST", "/multi-search", &multi).assert_error(403, "invalid_api_key");
    assert_eq!(e["message"], "Inside `.queries[1]`: The provided API key is invalid.");
}

#[test]
fn keys_survive_kill_9_and_stop_at_deletion_or_expiry() {
    let mut s = Server::with_key(MASTER);
    let listed = s.get("/keys").json();
    let names: Vec<&str> = listed["results"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Default Search API Key", "Default Admin API Key", "Default Read-Only Admin API Key", "Default Chat API Key"]
    );
    let uid = "01b4bc42-eb33-4041-b481-254d00cce834";
    let key = create_key(
        &s,
        json!({"uid": uid, "name": "n", "actions": ["indexes.get"], "indexes": ["*"], "expiresAt": null}),
    );
    // The value Meilisearch derives for this uid under this master key.
    assert_eq!(key["key"].as_str().unwrap().len(), 64);
    let value = key["key"].as_str().unwrap().to_owned();
    s.kill9();
    s.launch();
    assert_eq!(call(&s, &value, "GET", "/indexes", "").status, 200);
    assert_eq!(s.get("/keys").json()["total"], 5);
    let r = s.send_json("PATCH", &format!("/keys/{value}"), &json!({"description": "d"}));
    assert_eq!(r.json()["description"], "d");
    assert_eq!(s.delete(&format!("/keys/{uid}")).status, 204);
    call(&s, &value, "GET", "/indexes", "").assert_error(403, "invalid_api_key");
    s.get(&format!("/keys/{uid}")).assert_error(404, "api_key_not_found");

    let soon = (time_now() + 2).to_string();
    let expiring = create_key(&s, json!({"actions": ["indexes.get"], "indexes": ["*"], "expiresAt": rfc3339(&soon)}));
    let expiring = expiring["key"].as_str().unwrap();
    assert_eq!(call(&s, expiring, "GET", "/indexes", "").status, 200);
    std::thread::sleep(Duration::from_millis(2500));
    call(&s, expiring, "GET", "/indexes", "").assert_error(403, "invalid_api_key");
}

fn time_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// `expiresAt` for a Unix time, through the server's own clock format.
fn rfc3339(unix: &str) -> String {
    let secs: i64 = unix.parse().unwrap();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days-to-date, to avoid a date crate in the tests.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn token(secret: &str, claims: Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[test]
fn tenant_tokens_restrict_searches() {
    let s = Server::with_key(MASTER);
    movies(&s);
    let r = s.send_json("PATCH", "/indexes/movies/settings", &json!({"filterableAttributes": ["genre"]}));
    assert_eq!(s.wait_task(r.json()["taskUid"].as_u64().unwrap())["status"], "succeeded");
    let parent = create_key(&s, json!({"actions": ["search"], "indexes": ["*"], "expiresAt": null}));
    let (uid, secret) = (parent["uid"].clone(), parent["key"].as_str().unwrap().to_owned());
    let rules = json!({"movies": {"filter": "genre = drama"}, "movies2": null});
    let t = token(&secret, json!({"apiKeyUid": uid, "searchRules": rules, "exp": time_now() + 600}));
    let hits = |r: Resp| -> Vec<u64> {
        let body = r.json();
        body["hits"].as_array().unwrap_or_else(|| panic!("{body}")).iter().map(|h| h["id"].as_u64().unwrap()).collect()
    };
    assert_eq!(hits(call(&s, &t, "POST", "/indexes/movies/search", r#"{"q":""}"#)), vec![2]);
    assert_eq!(
        hits(call(&s, &t, "GET", "/indexes/movies/search?q=a&filter=genre%20%3D%20scifi", "")),
        Vec::<u64>::new()
    );
    assert_eq!(hits(call(&s, &t, "POST", "/indexes/movies2/search", "{}")).len(), 2);
    let e = call(&s, &t, "POST", "/indexes/other/search", "{}").assert_error(403, "invalid_api_key");
    assert_eq!(
        e["message"],
        "The provided tenant token cannot acces the index `other`, allowed indexes are [\"movies\", \"movies2\"]."
    );
    call(&s, &t, "GET", "/indexes/movies/documents", "").assert_error(403, "invalid_api_key");
    let multi = call(&s, &t, "POST", "/multi-search", r#"{"queries":[{"indexUid":"movies"}]}"#).json();
    assert_eq!(multi["results"][0]["hits"].as_array().unwrap().len(), 1, "{multi}");

    let expired = token(&secret, json!({"apiKeyUid": uid, "searchRules": ["*"], "exp": time_now() - 5}));
    let e = call(&s, &expired, "POST", "/indexes/movies/search", "{}").assert_error(403, "invalid_api_key");
    assert!(e["message"].as_str().unwrap().starts_with("Tenant token expired."), "{e}");
    assert_eq!(s.delete(&format!("/keys/{}", uid.as_str().unwrap())).status, 204);
    call(&s, &t, "POST", "/indexes/movies/search", "{}").assert_error(403, "invalid_api_key");
}

#[test]
fn without_a_master_key_keys_routes_say_so() {
    let s = Server::start();
    s.get("/keys").assert_error(401, "missing_master_key");
    assert_eq!(s.get("/indexes").status, 200);
}
