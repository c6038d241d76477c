//! The keys, durable in sled and held in memory for every request's lookup.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::token;
use crate::{Access, Action, Actions, ApiKey, Error, IndexPattern, KeyPatch, NewKey};

/// A key's value: lower-case hex HMAC-SHA256 of its hyphenated uid, keyed
/// with the master key, as Meilisearch derives it; the same uid under the
/// same master key has the same value on both servers.
pub fn derive_value(master_key: &str, uid: Uuid) -> String {
    #[allow(clippy::expect_used)] // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(master_key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(uid.hyphenated().to_string().as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A key in memory: its record, its value and what it grants.
pub struct Held {
    pub key: ApiKey,
    /// Empty without a master key (Meilisearch shows `""` then).
    value: String,
    pub(crate) grants: Actions,
}

impl fmt::Debug for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held").field("uid", &self.key.uid).field("value", &"<redacted>").finish_non_exhaustive()
    }
}

impl Held {
    /// The key as `/keys` shows it, value included.
    pub fn view(&self) -> serde_json::Value {
        self.key.view(&self.value)
    }
}

#[derive(Default)]
struct Keys {
    by_uid: HashMap<Uuid, Arc<Held>>,
    /// SHA-256 of a value → its key. Hashing first means a lookup's timing
    /// depends on nothing an attacker can steer towards a real value; the
    /// value itself is then compared in constant time.
    by_value: HashMap<[u8; 32], Uuid>,
}

/// Every API key: in sled (tree `keys`, uid → record) for restarts, in
/// memory for lookups. Writes are flushed before they are answered.
pub struct KeyStore {
    tree: sled::Tree,
    master_key: Option<String>,
    /// Its SHA-256, computed once: every request compares digests.
    master_digest: [u8; 32],
    keys: RwLock<Keys>,
    /// One writer at a time, so "exists?" and "insert" cannot interleave.
    writer: Mutex<()>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("master_key", &self.master_key.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Meilisearch's default keys, in the order it creates them (it lists
/// newest first: Search, Admin, Read-Only Admin, Chat).
const DEFAULT_KEYS: &[(&str, &str, &[Action])] = &[
    ("Default Chat API Key", "Use it to chat and search from the frontend", &[Action::ChatCompletions, Action::Search]),
    (
        "Default Read-Only Admin API Key",
        "Use it to read information across the whole database. Caution! Do not expose this key on a public frontend",
        &[Action::AllGet, Action::KeysGet],
    ),
    (
        "Default Admin API Key",
        "Use it for anything that is not a search operation. Caution! Do not expose it on a public frontend",
        &[Action::All],
    ),
    ("Default Search API Key", "Use it to search from the frontend", &[Action::Search]),
];

impl KeyStore {
    /// Opens the keys in `db`; when there are none (a first start), creates
    /// Meilisearch's default keys, as Meilisearch does.
    pub fn open(db: &sled::Db, master_key: Option<&str>) -> Result<Self, Error> {
        let store = KeyStore {
            tree: db.open_tree("keys")?,
            master_key: master_key.map(str::to_owned),
            master_digest: digest(master_key.unwrap_or_default()),
            keys: RwLock::new(Keys::default()),
            writer: Mutex::new(()),
        };
        for value in store.tree.iter().values() {
            let key: ApiKey = serde_json::from_slice(&value?)?;
            store.remember(key);
        }
        if store.tree.is_empty() {
            let now = task_model::now();
            let mut defaults = sled::Batch::default();
            let mut keys = Vec::new();
            for (i, (name, description, actions)) in DEFAULT_KEYS.iter().enumerate() {
                // Distinct instants, so newest-first is a stable order (and each
                // keeps a fractional second, which the Python client needs).
                let at = now + time::Duration::microseconds(i as i64);
                let key = ApiKey {
                    uid: Uuid::new_v4(),
                    name: Some((*name).to_owned()),
                    description: Some((*description).to_owned()),
                    actions: actions.to_vec(),
                    indexes: vec![IndexPattern::All],
                    expires_at: None,
                    created_at: at,
                    updated_at: at,
                };
                defaults.insert(key.uid.as_bytes(), serde_json::to_vec(&key)?);
                keys.push(key);
            }
            // All four or none: a crash must not leave a partial set for good.
            store.tree.apply_batch(defaults)?;
            store.tree.flush()?;
            for key in keys {
                store.remember(key);
            }
        }
        Ok(store)
    }

    /// Keys newest first, a page of them, and how many there are.
    pub fn list(&self, offset: usize, limit: usize) -> (Vec<Arc<Held>>, usize) {
        let keys = self.read();
        let mut all: Vec<&Arc<Held>> = keys.by_uid.values().collect();
        all.sort_by(|a, b| b.key.created_at.cmp(&a.key.created_at).then(b.key.uid.cmp(&a.key.uid)));
        (all.iter().skip(offset).take(limit).map(|h| Arc::clone(h)).collect(), all.len())
    }

    /// A key by uid (any form `uuid` reads) or by value.
    pub fn get(&self, uid_or_value: &str) -> Result<Arc<Held>, Error> {
        let keys = self.read();
        let found = match Uuid::parse_str(uid_or_value) {
            Ok(uid) => keys.by_uid.get(&uid),
            Err(_) => self.by_value(&keys, uid_or_value),
        };
        found.cloned().ok_or_else(|| Error::NotFound(uid_or_value.to_owned()))
    }

    pub fn create(&self, new: NewKey, now: OffsetDateTime) -> Result<Arc<Held>, Error> {
        // A key limited to some indexes cannot hold an action on the whole
        // instance. `indexes: []` counts as unlimited here (it grants nothing).
        if !new.indexes.is_empty() && !new.indexes.contains(&IndexPattern::All) {
            if let Some(&global) = new.actions.iter().find(|a| a.is_global()) {
                return Err(Error::ScopedGlobalAction(global));
            }
        }
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let uid = new.uid.unwrap_or_else(Uuid::new_v4);
        if self.read().by_uid.contains_key(&uid) {
            return Err(Error::AlreadyExists(uid));
        }
        let key = ApiKey {
            uid,
            name: new.name,
            description: new.description,
            actions: new.actions,
            indexes: new.indexes,
            expires_at: new.expires_at,
            created_at: now,
            updated_at: now,
        };
        self.insert(key)
    }

    pub fn update(&self, uid_or_value: &str, patch: KeyPatch, now: OffsetDateTime) -> Result<Arc<Held>, Error> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut key = self.get(uid_or_value)?.key.clone();
        if let Some(name) = patch.name {
            key.name = name;
        }
        if let Some(description) = patch.description {
            key.description = description;
        }
        key.updated_at = now;
        self.insert(key)
    }

    /// Every key, newest first.
    pub fn all(&self) -> Vec<ApiKey> {
        self.list(0, usize::MAX).0.iter().map(|held| held.key.clone()).collect()
    }

    /// Makes `keys` the only keys, as a dump's import does (the default keys
    /// are not made again: the dump has them if its instance had them).
    pub fn replace_all(&self, keys: Vec<ApiKey>) -> Result<(), Error> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = sled::Batch::default();
        for old in self.tree.iter().keys() {
            batch.remove(old?);
        }
        for key in &keys {
            batch.insert(key.uid.as_bytes(), serde_json::to_vec(key)?);
        }
        self.tree.apply_batch(batch)?;
        self.tree.flush()?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Keys::default();
        for key in keys {
            self.remember(key);
        }
        Ok(())
    }

    /// Deletes a key; it stops working before this returns.
    pub fn delete(&self, uid_or_value: &str) -> Result<(), Error> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let uid = self.get(uid_or_value)?.key.uid;
        self.tree.remove(uid.as_bytes())?;
        self.tree.flush()?;
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = keys.by_uid.remove(&uid) {
            keys.by_value.remove(&digest(&held.value));
        }
        Ok(())
    }

    /// Decides whether `token` (the bearer credential, if any) may do
    /// `action`, on `index` when the route names one. Lists and bodies that
    /// name indexes are narrowed by the caller with the returned [`Access`].
    pub fn authorize(
        &self,
        token: Option<&str>,
        action: Action,
        index: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Access, Error> {
        let is_keys_route =
            matches!(action, Action::KeysCreate | Action::KeysGet | Action::KeysUpdate | Action::KeysDelete);
        let Some(master_key) = &self.master_key else {
            return if is_keys_route { Err(Error::MissingMasterKey) } else { Ok(Access::Everything) };
        };
        let Some(token) = token else { return Err(Error::MissingAuthorizationHeader) };
        // Digests, so that not even the master key's length shows in the timing.
        if constant_time_eq(&digest(token), &self.master_digest) {
            return Ok(Access::Everything);
        }
        if matches!(action, Action::Search | Action::ChatCompletions) && token::looks_like_jwt(token) {
            return self.authorize_tenant(master_key, token, action, index, now);
        }
        let held = {
            let keys = self.read();
            self.by_value(&keys, token).cloned().ok_or(Error::InvalidApiKey)?
        };
        if let Some(index) = index {
            if !held.key.covers(index) {
                return Err(Error::KeyIndex { index: index.to_owned(), allowed: held.key.sorted_patterns() });
            }
        }
        // A key limited to some indexes reaches a route without an index only
        // if the route narrows what it shows to those indexes (Meilisearch's
        // "the route handler checks the index"), never one on the instance.
        let reaches = index.is_some() || held.key.all_indexes() || !action.is_global();
        if !held.grants.contains(action) || !reaches || held.key.indexes.is_empty() || held.key.is_expired(now) {
            return Err(Error::InvalidApiKey);
        }
        Ok(Access::Key(held))
    }

    /// Tenant tokens, checked in Meilisearch's order: claims, signature
    /// (with the value the named uid would have, whether or not it exists),
    /// expiry, parent key, then the index against the rules and the key.
    fn authorize_tenant(
        &self,
        master_key: &str,
        token: &str,
        action: Action,
        index: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Access, Error> {
        let claims = token::unverified_claims(token)?;
        token::verify(token, &derive_value(master_key, claims.api_key_uid))?;
        let now_s = now.unix_timestamp();
        if let Some(exp) = claims.exp.filter(|&exp| now_s > exp) {
            return Err(Error::TokenExpired { exp, now: now_s });
        }
        let held = self.read().by_uid.get(&claims.api_key_uid).cloned().ok_or(Error::InvalidApiKey)?;
        if !held.grants.contains(action) || held.key.indexes.is_empty() || held.key.is_expired(now) {
            return Err(Error::InvalidApiKey);
        }
        let rules = claims.search_rules;
        if let Some(index) = index {
            if !rules.covers(index) {
                return Err(Error::TokenIndex { index: index.to_owned(), allowed: rules.sorted_patterns() });
            }
            if !held.key.covers(index) {
                return Err(Error::TokenKeyIndex(index.to_owned()));
            }
        }
        Ok(Access::Tenant { key: held, rules: Arc::new(rules) })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The key whose value is `token`; upper-case hex works too, as in
    /// Meilisearch.
    fn by_value<'k>(&self, keys: &'k Keys, token: &str) -> Option<&'k Arc<Held>> {
        let token = token.to_ascii_lowercase();
        let held = keys.by_uid.get(keys.by_value.get(&digest(&token))?)?;
        constant_time_eq(held.value.as_bytes(), token.as_bytes()).then_some(held)
    }

    /// Writes (and flushes) a key, then makes it visible.
    fn insert(&self, key: ApiKey) -> Result<Arc<Held>, Error> {
        self.tree.insert(key.uid.as_bytes(), serde_json::to_vec(&key)?)?;
        self.tree.flush()?;
        Ok(self.remember(key))
    }

    fn remember(&self, key: ApiKey) -> Arc<Held> {
        let value = self.master_key.as_deref().map(|m| derive_value(m, key.uid)).unwrap_or_default();
        let held = Arc::new(Held { grants: key.grants(), value, key });
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if !held.value.is_empty() {
            keys.by_value.insert(digest(&held.value), held.key.uid);
        }
        keys.by_uid.insert(held.key.uid, Arc::clone(&held));
        held
    }
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// Compares without an early exit, so timing does not reveal how much of a
/// guessed key was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
