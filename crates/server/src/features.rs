//! `/experimental-features`: Meilisearch's feature flags, kept across
//! restarts. meili-lite accepts, stores and shows every flag; it acts on
//! `metrics` and `logsRoute` (the routes they open), the others change
//! nothing here (docs/api.md says why).

use std::sync::{Mutex, RwLock};

use serde_json::{Map, Value};
use task_model::Code;

use crate::json::{boolean, unknown_field, wrong_type, Path};
use crate::Error;

/// Meilisearch 1.50's flags, in its order.
pub const FLAGS: &[&str] = &[
    "metrics",
    "logsRoute",
    "editDocumentsByFunction",
    "containsFilter",
    "dynamicSearchRules",
    "network",
    "getTaskDocumentsRoute",
    "taskQueueCompactionRoute",
    "compositeEmbedders",
    "chatCompletions",
    "multimodal",
    "foreignKeys",
    "disableDocumentsFetchQueue",
    "legacySearch",
    "renderRoute",
];

/// The flags meili-lite acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `GET /metrics`.
    Metrics,
    /// `/logs/stream` and `/logs/stderr`.
    LogsRoute,
}

impl Flag {
    /// Its name in `FLAGS`.
    fn name(self) -> &'static str {
        match self {
            Flag::Metrics => "metrics",
            Flag::LogsRoute => "logsRoute",
        }
    }

    fn index(self) -> usize {
        FLAGS.iter().position(|f| *f == self.name()).unwrap_or_else(|| unreachable!("every flag is in FLAGS"))
    }

    /// Meilisearch's `feature_not_enabled` message for a route needing it.
    fn not_enabled(self) -> &'static str {
        match self {
            Flag::Metrics => {
                "Getting metrics requires enabling the `metrics` experimental feature. \
                 See https://github.com/meilisearch/product/discussions/625"
            }
            Flag::LogsRoute => {
                "Modifying logs through the `/logs/*` routes requires enabling the `logs route` \
                 experimental feature. See https://github.com/orgs/meilisearch/discussions/721"
            }
        }
    }
}

/// The flags, in sled (tree `features`, name → `true`/`false`) and in memory.
#[derive(Debug)]
pub struct Features {
    tree: sled::Tree,
    enabled: RwLock<Vec<bool>>,
    writing: Mutex<()>,
}

impl Features {
    pub fn open(db: &sled::Db) -> Result<Self, sled::Error> {
        let tree = db.open_tree("features")?;
        let mut enabled = vec![false; FLAGS.len()];
        for (i, name) in FLAGS.iter().enumerate() {
            enabled[i] = tree.get(name)?.is_some_and(|v| v.as_ref() == b"true");
        }
        Ok(Self { tree, enabled: RwLock::new(enabled), writing: Mutex::new(()) })
    }

    /// Turns `flag` on for this run, whatever is stored: the
    /// `--experimental-enable-*` options, as Meilisearch ORs them with the
    /// stored flags at start-up (a `PATCH` can still turn it off until the
    /// next start, there too).
    pub fn enable_for_this_run(&self, flag: Flag) {
        self.enabled.write().unwrap_or_else(|e| e.into_inner())[flag.index()] = true;
    }

    /// `Ok` when `flag` is on, else Meilisearch's `feature_not_enabled`.
    pub fn require(&self, flag: Flag) -> Result<(), Error> {
        if self.enabled.read().unwrap_or_else(|e| e.into_inner())[flag.index()] {
            Ok(())
        } else {
            Err(Error::new(Code::FeatureNotEnabled, flag.not_enabled()))
        }
    }

    /// Every flag, as `GET /experimental-features` shows them.
    pub fn view(&self) -> Value {
        let enabled = self.enabled.read().unwrap_or_else(|e| e.into_inner());
        Value::Object(FLAGS.iter().zip(enabled.iter()).map(|(f, on)| ((*f).to_owned(), Value::Bool(*on))).collect())
    }

    /// Applies a `PATCH` body (`null` leaves a flag as it is), durably.
    pub fn update(&self, body: &Value) -> Result<Value, Error> {
        let root = Path::root();
        let bad = |e: crate::json::Invalid| Error::new(Code::BadRequest, e.0);
        let Value::Object(map) = body else { return Err(bad(wrong_type(&root, "an object", body))) };
        let changes = read_changes(map, &root).map_err(bad)?;
        // Updates one at a time, so that memory follows the last write; the
        // flags' lock is not held across the fsync, which readers would wait on.
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        // One write for the whole body: a crash applies all of it or none.
        let mut batch = sled::Batch::default();
        for &(i, on) in &changes {
            batch.insert(FLAGS[i], if on { &b"true"[..] } else { &b"false"[..] });
        }
        self.tree.apply_batch(batch).map_err(storage)?;
        self.tree.flush().map_err(storage)?;
        let mut enabled = self.enabled.write().unwrap_or_else(|e| e.into_inner());
        for (i, on) in changes {
            enabled[i] = on;
        }
        drop(enabled);
        Ok(self.view())
    }
}

fn read_changes(map: &Map<String, Value>, root: &Path) -> Result<Vec<(usize, bool)>, crate::json::Invalid> {
    let mut changes = Vec::new();
    for (key, value) in map {
        let Some(i) = FLAGS.iter().position(|f| f == key) else { return Err(unknown_field(root, key, FLAGS)) };
        if !value.is_null() {
            changes.push((i, boolean(value, &root.key(key))?));
        }
    }
    Ok(changes)
}

fn storage(e: sled::Error) -> Error {
    Error::new(Code::IoError, format!("internal storage error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_persist_and_bodies_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        // One database handle throughout: a second `sled::open` of the same
        // directory can find the first one's lock still held by sled's threads.
        let db = sled::open(dir.path()).unwrap();
        {
            let features = Features::open(&db).unwrap();
            assert_eq!(features.view()["containsFilter"], json!(false));
            let after = features.update(&json!({"containsFilter": true, "metrics": null})).unwrap();
            assert_eq!(after["containsFilter"], json!(true));
            let e = features.update(&json!({"metrics": "yes"})).unwrap_err().response_error();
            assert_eq!(
                e.message,
                "Invalid value type at `.metrics`: expected a boolean, but found a string: `\"yes\"`"
            );
            let e = features.update(&json!({"nope": true})).unwrap_err().response_error();
            assert!(e.message.starts_with("Unknown field `nope`: expected one of `metrics`, `logsRoute`"));
        }
        let features = Features::open(&db).unwrap();
        let view = features.view();
        assert_eq!((view["containsFilter"].clone(), view["metrics"].clone()), (json!(true), json!(false)));
        assert_eq!(features.view().as_object().unwrap().len(), FLAGS.len());
        for (flag, name) in [(Flag::Metrics, "metrics"), (Flag::LogsRoute, "logsRoute")] {
            assert_eq!(view[name], json!(false));
            assert_eq!(features.require(flag).unwrap_err().response_error().code, Code::FeatureNotEnabled);
        }
        features.enable_for_this_run(Flag::LogsRoute);
        assert!(features.require(Flag::LogsRoute).is_ok());
        assert_eq!(features.view()["logsRoute"], json!(true));
        assert_eq!(Features::open(&db).unwrap().view()["logsRoute"], json!(false), "not stored");
    }
}
