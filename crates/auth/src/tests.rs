//! The store and authorization decisions, end to end within the crate.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{derive_value, Access, Action, Error, IndexPattern, KeyPatch, KeyStore, NewKey};

const MASTER: &str = "masterKey-0123456789abcdef";

fn store(dir: &tempfile::TempDir, master: Option<&str>) -> KeyStore {
    let db = sled::open(dir.path()).unwrap();
    KeyStore::open(&db, master).unwrap()
}

fn new_key(actions: &[Action], indexes: &[&str]) -> NewKey {
    NewKey {
        uid: None,
        name: None,
        description: None,
        actions: actions.to_vec(),
        indexes: indexes.iter().map(|i| i.parse().unwrap()).collect(),
        expires_at: None,
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn value(view: &Value) -> String {
    view["key"].as_str().unwrap().to_owned()
}

fn message(r: Result<Access, Error>) -> String {
    r.map(|_| "allowed".to_owned()).unwrap_or_else(|e| e.to_string())
}

#[test]
fn values_are_derived_as_meilisearch_derives_them() {
    assert_eq!(
        derive_value("MASTER_KEY", Uuid::nil()),
        "aeb94973e0b6e912d94165430bbe87dee91a7c4f891ce19050c3910ec96977e9"
    );
    let uid: Uuid = "01b4bc42-eb33-4041-b481-254d00cce834".parse().unwrap();
    assert_eq!(derive_value(MASTER, uid), "5f25d099cf4f6467b2bbcdc26b7656ea4e990775b0a269a7c9077d0504dc8493");
}

#[test]
fn default_keys_once_then_durable_changes() {
    // One database handle throughout: a second `sled::open` of the same
    // directory can find the first one's lock still held by sled's threads.
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let s = KeyStore::open(&db, Some(MASTER)).unwrap();
    let (page, total) = s.list(0, 20);
    let names: Vec<_> = page.iter().map(|h| h.key.name.clone().unwrap()).collect();
    assert_eq!(total, 4);
    assert_eq!(
        names,
        ["Default Search API Key", "Default Admin API Key", "Default Read-Only Admin API Key", "Default Chat API Key"]
    );
    let search = page[0].view();
    assert_eq!(search["actions"], json!(["search"]));
    assert_eq!(search["indexes"], json!(["*"]));
    assert_eq!(value(&search), derive_value(MASTER, page[0].key.uid));

    let mut new = new_key(&[Action::DocumentsGet], &["movies"]);
    new.uid = Some("01b4bc42-eb33-4041-b481-254d00cce834".parse().unwrap());
    let created = s.create(new.clone(), now()).unwrap();
    assert!(matches!(s.create(new, now()), Err(Error::AlreadyExists(_))));
    let by_value = s.get(&value(&created.view())).unwrap();
    assert_eq!(by_value.key.uid, created.key.uid);
    let patch = KeyPatch { name: Some(Some("docs".into())), description: Some(None) };
    s.update("01B4BC42EB334041B481254D00CCE834", patch, now()).unwrap();
    s.delete(&page[1].key.uid.to_string()).unwrap();
    drop(s);

    // Reopened: the defaults are not made again, changes are kept.
    let s = KeyStore::open(&db, Some(MASTER)).unwrap();
    let (page, total) = s.list(0, 20);
    assert_eq!(total, 4);
    assert_eq!(page[0].key.name.as_deref(), Some("docs"));
    assert!(page.iter().all(|h| h.key.name.as_deref() != Some("Default Admin API Key")));
    assert_eq!(s.list(1, 2).0.len(), 2);
    assert!(matches!(s.get("nope"), Err(Error::NotFound(_))));
}

#[test]
fn scoped_keys_cannot_hold_global_actions() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, Some(MASTER));
    let e = s.create(new_key(&[Action::Search, Action::Version], &["movies"]), now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot create index-scoped API key with global action `\"version\"`\n  - Hint: remove action `\"version\"` from the action list, or remove `indexes` to make the key global"
    );
    s.create(new_key(&[Action::Version], &["*"]), now()).unwrap();
    s.create(new_key(&[Action::All], &["movies"]), now()).unwrap();
}

#[test]
fn authorization_follows_actions_indexes_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, Some(MASTER));
    let search = value(&s.create(new_key(&[Action::Search], &["movies"]), now()).unwrap().view());
    let scoped_all = value(&s.create(new_key(&[Action::All], &["mov*"]), now()).unwrap().view());
    let nothing = value(&s.create(new_key(&[Action::All], &[]), now()).unwrap().view());
    let at = |token: &str, action, index| message(s.authorize(Some(token), action, index, now()));

    assert_eq!(message(s.authorize(None, Action::Search, None, now())), Error::MissingAuthorizationHeader.to_string());
    assert_eq!(at(MASTER, Action::KeysDelete, None), "allowed");
    assert_eq!(at("wrong", Action::Search, Some("movies")), "The provided API key is invalid.");
    assert_eq!(at(&search, Action::Search, Some("movies")), "allowed");
    assert_eq!(at(&search.to_uppercase(), Action::Search, Some("movies")), "allowed");
    assert_eq!(at(&search, Action::DocumentsGet, Some("movies")), "The provided API key is invalid.");
    assert_eq!(
        at(&search, Action::DocumentsAdd, Some("other")),
        "The API key cannot acces the index `other`, authorized indexes are [\"movies\"]."
    );
    // Index-scoped keys reach index-less routes that narrow their lists,
    // never routes on the whole instance.
    assert_eq!(at(&scoped_all, Action::IndexesGet, None), "allowed");
    assert_eq!(at(&scoped_all, Action::Version, None), "The provided API key is invalid.");
    assert_eq!(at(&scoped_all, Action::DocumentsAll, Some("movies2")), "allowed");
    assert_eq!(at(&nothing, Action::Search, None), "The provided API key is invalid.");

    let mut expiring = new_key(&[Action::Search], &["*"]);
    expiring.expires_at = Some(now() + time::Duration::seconds(60));
    let expiring = value(&s.create(expiring, now()).unwrap().view());
    assert_eq!(at(&expiring, Action::Search, None), "allowed");
    let later = now() + time::Duration::seconds(61);
    assert_eq!(message(s.authorize(Some(&expiring), Action::Search, None, later)), "The provided API key is invalid.");

    // Deleted: refused at once.
    let uid = s.get(&search).unwrap().key.uid.to_string();
    s.delete(&uid).unwrap();
    assert_eq!(at(&search, Action::Search, Some("movies")), "The provided API key is invalid.");
}

#[test]
fn without_a_master_key_all_is_open_but_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, None);
    assert!(matches!(s.authorize(None, Action::DocumentsAdd, Some("x"), now()), Ok(Access::Everything)));
    assert!(matches!(s.authorize(Some("x"), Action::KeysGet, None, now()), Err(Error::MissingMasterKey)));
    assert_eq!(s.list(0, 1).0[0].view()["key"], "");
}

fn token(secret: &str, claims: Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[test]
fn tenant_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, Some(MASTER));
    let parent = s.create(new_key(&[Action::Search], &["mov*"]), now()).unwrap();
    let (uid, secret) = (parent.key.uid, value(&parent.view()));
    let docs_only = s.create(new_key(&[Action::DocumentsGet], &["*"]), now()).unwrap();
    let at = |t: &str, action, index| message(s.authorize(Some(t), action, index, now()));

    let rules = json!({"movies": {"filter": "id = 1"}, "other": null});
    let t = token(&secret, json!({"apiKeyUid": uid, "searchRules": rules}));
    let access = s.authorize(Some(&t), Action::Search, Some("movies"), now()).unwrap();
    assert_eq!(access.search_filter("movies"), Some(&json!("id = 1")));
    assert!(access.allows_index("movies") && !access.allows_index("movies2") && !access.allows_index("other"));
    assert_eq!(
        at(&t, Action::Search, Some("movies2")),
        "The provided tenant token cannot acces the index `movies2`, allowed indexes are [\"movies\", \"other\"]."
    );
    assert_eq!(
        at(&t, Action::Search, Some("other")),
        "The API key used to generate this tenant token cannot acces the index `other`."
    );
    // Only search routes take tokens; elsewhere a token is an unknown key.
    assert_eq!(at(&t, Action::DocumentsGet, Some("movies")), "The provided API key is invalid.");

    let exp = now().unix_timestamp() - 10;
    let expired = token(&secret, json!({"apiKeyUid": uid, "searchRules": ["*"], "exp": exp}));
    assert!(at(&expired, Action::Search, None).starts_with(&format!("Tenant token expired. Was valid up to `{exp}`")));
    let forged = token("not-the-key", json!({"apiKeyUid": uid, "searchRules": ["*"]}));
    assert_eq!(at(&forged, Action::Search, None), "Could not decode tenant token, InvalidSignature.");
    let no_search = token(&value(&docs_only.view()), json!({"apiKeyUid": docs_only.key.uid, "searchRules": ["*"]}));
    assert_eq!(at(&no_search, Action::Search, None), "The provided API key is invalid.");
    s.delete(&uid.to_string()).unwrap();
    assert_eq!(at(&t, Action::Search, Some("movies")), "The provided API key is invalid.");
    assert!(IndexPattern::All.matches("x"));
}
