//! The store: index metadata in one sled tree, each index's documents in a
//! tree of its own keyed by document id.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use task_model::IndexUid;

use crate::{Document, Error, Fields, Follower, IndexMeta, IndexStats, IndexWriter};

/// Key of the document count inside a documents tree. Document ids are ASCII
/// alphanumerics, `-` and `_`, so no id can start with `0xff`.
pub(crate) const COUNT_KEY: &[u8] = b"\xffcount";
/// Every document key sorts before this.
pub(crate) const DOCS_END: &[u8] = b"\xff";

/// A handle on the indexes and documents; cheap to clone, safe to share.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: sled::Db,
    pub(crate) indexes: sled::Tree,
    /// Operations staged for a later deploy (see [`crate::staging`]).
    pub(crate) staging: sled::Tree,
    /// Hears of every committed change (see [`Follower`]).
    pub(crate) follower: Option<Arc<dyn Follower>>,
}

impl Store {
    /// Opens the store inside `db`, which other crates may share, and drops
    /// documents trees that no index names (left by a crash mid-deploy).
    pub fn open(db: &sled::Db) -> Result<Self, Error> {
        let store = Self {
            db: db.clone(),
            indexes: db.open_tree("indexes")?,
            staging: db.open_tree("staging")?,
            follower: None,
        };
        store.drop_orphan_trees()?;
        Ok(store)
    }

    /// The same store, telling `follower` of every change from now on.
    pub fn with_follower(mut self, follower: Arc<dyn Follower>) -> Self {
        self.follower = Some(follower);
        self
    }

    pub(crate) fn follow(&self, f: impl FnOnce(&dyn Follower) -> Result<(), crate::FollowError>) -> Result<(), Error> {
        match &self.follower {
            Some(follower) => f(follower.as_ref()).map_err(Error::Follower),
            None => Ok(()),
        }
    }

    /// The ids of the documents `filter` selects, through the follower (the
    /// search index): as last committed.
    pub fn select(&self, meta: &IndexMeta, filter: &serde_json::Value) -> Result<Vec<String>, Error> {
        let Some(follower) = &self.follower else {
            return Err(Error::InvalidFilter("filters need a search index".into()));
        };
        follower.select(meta, filter).map_err(Error::Follower)?.map_err(Error::InvalidFilter)
    }

    /// Every document of the index `meta` names, in id order.
    pub fn scan(&self, meta: &IndexMeta) -> Result<impl Iterator<Item = Result<(String, sled::IVec), Error>>, Error> {
        let tree = self.documents_tree(meta)?;
        Ok(tree.range(..DOCS_END).map(|entry| {
            let (key, value) = entry?;
            Ok((String::from_utf8_lossy(&key).into_owned(), value))
        }))
    }

    pub(crate) fn documents_tree(&self, meta: &IndexMeta) -> Result<sled::Tree, Error> {
        Ok(self.db.open_tree(format!("documents/{}", meta.tree))?)
    }

    pub fn get_index(&self, uid: &IndexUid) -> Result<Option<IndexMeta>, Error> {
        match self.indexes.get(uid.as_str())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    /// The index, or `index_not_found`.
    pub fn index(&self, uid: &IndexUid) -> Result<IndexMeta, Error> {
        self.get_index(uid)?.ok_or_else(|| Error::IndexNotFound(uid.clone()))
    }

    /// Every index, sorted by uid.
    pub fn indexes(&self) -> Result<Vec<IndexMeta>, Error> {
        self.indexes.iter().values().map(|v| Ok(serde_json::from_slice(&v?)?)).collect()
    }

    pub(crate) fn put_meta(&self, meta: &IndexMeta) -> Result<(), Error> {
        self.indexes.insert(meta.uid.as_str(), serde_json::to_vec(meta)?)?;
        Ok(())
    }

    pub(crate) fn new_meta(&self, uid: &IndexUid, primary_key: Option<String>) -> Result<IndexMeta, Error> {
        let now = task_model::now();
        Ok(IndexMeta {
            uid: uid.clone(),
            primary_key,
            created_at: now,
            updated_at: now,
            tree: self.db.generate_id()?,
            version: 0,
            settings: Map::new(),
            moved_by: None,
        })
    }

    pub fn create_index(&self, uid: &IndexUid, primary_key: Option<String>) -> Result<IndexMeta, Error> {
        if self.get_index(uid)?.is_some() {
            return Err(Error::IndexAlreadyExists(uid.clone()));
        }
        let meta = self.new_meta(uid, primary_key)?;
        self.put_meta(&meta)?;
        Ok(meta)
    }

    /// Sets the primary key. Refused once documents exist under another key.
    pub fn update_index(&self, uid: &IndexUid, primary_key: Option<String>) -> Result<IndexMeta, Error> {
        let mut meta = self.with_primary_key(self.index(uid)?, primary_key)?;
        meta.updated_at = task_model::now();
        self.put_meta(&meta)?;
        Ok(meta)
    }

    /// `meta` with `primary_key` set, unless documents exist under another.
    pub(crate) fn with_primary_key(
        &self,
        mut meta: IndexMeta,
        primary_key: Option<String>,
    ) -> Result<IndexMeta, Error> {
        if let Some(pk) = primary_key {
            if meta.primary_key.as_ref().is_some_and(|old| *old != pk) && self.count(&meta)? > 0 {
                let existing = meta.primary_key.clone().unwrap_or_default();
                return Err(Error::PrimaryKeyAlreadyExists { index: meta.uid.clone(), existing });
            }
            meta.primary_key = Some(pk);
        }
        Ok(meta)
    }

    /// Compacts what follows the index (its search index; sled has no
    /// per-tree compaction) and gives the index's size before and after.
    pub fn compact(&self, uid: &IndexUid) -> Result<(u64, u64), Error> {
        let meta = self.index(uid)?;
        let documents = self.stats(uid)?.raw_document_db_size;
        let (before, after) = match &self.follower {
            Some(follower) => follower.compact(&meta).map_err(Error::Follower)?,
            None => (0, 0),
        };
        Ok((documents + before, documents + after))
    }

    /// Deletes the index and its documents; returns how many documents it had.
    pub fn delete_index(&self, uid: &IndexUid) -> Result<u64, Error> {
        let meta = self.index(uid)?;
        let count = self.count(&meta)?;
        // Metadata first: a crash in between leaves an unreachable tree, not a
        // half-deleted index.
        self.indexes.remove(uid.as_str())?;
        self.db.drop_tree(format!("documents/{}", meta.tree))?;
        if let Some(follower) = &self.follower {
            follower.dropped(meta.tree);
        }
        Ok(count)
    }

    /// Merges `settings` into the index's, creating the index if needed as
    /// Meilisearch does. A `null` resets a setting. As in Meilisearch,
    /// `typoTolerance`, `faceting`, `pagination` and `embedders` are merged
    /// field by field (and `typoTolerance.minWordSizeForTypos` and each
    /// embedder too), a `null` field resetting that field; every other setting
    /// is replaced whole. Refused, changing nothing, if the result has
    /// `oneTypo` above `twoTypos` (defaults 5 and 9).
    pub fn update_settings(&self, uid: &IndexUid, settings: &Map<String, Value>) -> Result<(), Error> {
        fn merge(stored: &mut Map<String, Value>, patch: &Map<String, Value>, parent: &str) {
            for (key, value) in patch {
                let nested = matches!(
                    (parent, key.as_str()),
                    ("", "typoTolerance" | "faceting" | "pagination" | "embedders")
                        | ("typoTolerance", "minWordSizeForTypos")
                        | ("embedders", _)
                );
                match value {
                    Value::Null => {
                        stored.remove(key);
                    }
                    Value::Object(fields) if nested => {
                        let entry = stored.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
                        if !entry.is_object() {
                            *entry = Value::Object(Map::new());
                        }
                        if let Value::Object(inner) = entry {
                            merge(inner, fields, if parent == "embedders" { "embedder" } else { key });
                        }
                    }
                    _ => {
                        stored.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        let old = match self.get_index(uid)? {
            Some(meta) => meta,
            None => self.new_meta(uid, None)?,
        };
        let mut meta = old.clone();
        merge(&mut meta.settings, settings, "");
        let sizes = meta.settings.get("typoTolerance").and_then(|t| t.get("minWordSizeForTypos"));
        let size = |key: &str, default: u64| sizes.and_then(|s| s.get(key)).and_then(Value::as_u64).unwrap_or(default);
        let (one, two) = (size("oneTypo", 5), size("twoTypos", 9));
        if settings.contains_key("typoTolerance") && one > two {
            return Err(Error::InvalidMinWordSizeForTypos { index: uid.clone(), one, two });
        }
        meta.updated_at = task_model::now();
        // The version first: a crash before the follower is done leaves it
        // visibly behind.
        meta.version += 1;
        self.put_meta(&meta)?;
        self.follow(|f| f.settings_changed(&old, &meta))
    }

    /// A writer for one batch of document operations. With `create`, a
    /// missing index is created on commit, as document additions do.
    pub fn writer(&self, uid: &IndexUid, create: bool) -> Result<IndexWriter, Error> {
        let meta = match self.get_index(uid)? {
            Some(meta) => meta,
            None if create => self.new_meta(uid, None)?,
            None => return Err(Error::IndexNotFound(uid.clone())),
        };
        IndexWriter::new(self.clone(), meta)
    }

    pub(crate) fn count(&self, meta: &IndexMeta) -> Result<u64, Error> {
        let tree = self.documents_tree(meta)?;
        Ok(tree.get(COUNT_KEY)?.map_or(0, |v| be_u64(&v)))
    }

    pub fn number_of_documents(&self, uid: &IndexUid) -> Result<u64, Error> {
        self.count(&self.index(uid)?)
    }

    pub fn document(&self, uid: &IndexUid, id: &str, fields: &Fields) -> Result<Document, Error> {
        let meta = self.index(uid)?;
        let tree = self.documents_tree(&meta)?;
        let not_found = || Error::DocumentNotFound(id.to_owned());
        if id.as_bytes().first() == Some(&0xff) {
            return Err(not_found());
        }
        let bytes = tree.get(id.as_bytes())?.ok_or_else(not_found)?;
        Ok(fields.project(serde_json::from_slice(&bytes)?))
    }

    /// The documents of `meta`'s index with these ids, in the same order
    /// (`None` where there is none: deleted since the search index saw it).
    pub fn documents_by_id(&self, meta: &IndexMeta, ids: &[&str]) -> Result<Vec<Option<Document>>, Error> {
        let tree = self.documents_tree(meta)?;
        ids.iter()
            .map(|id| match tree.get(id.as_bytes())? {
                Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
                None => Ok(None),
            })
            .collect()
    }

    /// A page of documents in id order, and the total. With `ids`, only those
    /// documents (missing ones are skipped).
    pub fn documents(
        &self,
        uid: &IndexUid,
        offset: usize,
        limit: usize,
        fields: &Fields,
        ids: Option<&[String]>,
    ) -> Result<(Vec<Document>, u64), Error> {
        let meta = self.index(uid)?;
        let tree = self.documents_tree(&meta)?;
        let decode = |bytes: &[u8]| -> Result<Document, Error> { Ok(fields.project(serde_json::from_slice(bytes)?)) };
        match ids {
            None => {
                let total = self.count(&meta)?;
                let page = tree
                    .range(..DOCS_END)
                    .values()
                    .skip(offset)
                    .take(limit)
                    .map(|v| decode(&v?))
                    .collect::<Result<_, _>>()?;
                Ok((page, total))
            }
            Some(ids) => {
                let mut found = Vec::new();
                for id in ids {
                    if let Some(v) = tree.get(id.as_bytes())? {
                        found.push(v);
                    }
                }
                let total = found.len() as u64;
                let page = found.iter().skip(offset).take(limit).map(|v| decode(v)).collect::<Result<_, _>>()?;
                Ok((page, total))
            }
        }
    }

    /// Hands every document of the index, as stored (compact JSON), to `f`,
    /// in id order; for a dump, which must not hold the index in memory.
    pub fn each_document<E: From<Error>>(
        &self,
        uid: &IndexUid,
        mut f: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let meta = self.index(uid)?;
        for doc in self.documents_tree(&meta)?.range(..DOCS_END).values() {
            f(&doc.map_err(Error::from)?)?;
        }
        Ok(())
    }

    /// Every attribute path of the index's documents: top-level names and
    /// the dotted paths under objects (through arrays of objects too),
    /// sorted byte-wise; nothing under `_vectors`. Reads every document.
    pub fn field_paths(&self, uid: &IndexUid) -> Result<std::collections::BTreeSet<String>, Error> {
        fn walk(prefix: &str, value: &Value, paths: &mut std::collections::BTreeSet<String>) {
            match value {
                Value::Object(map) => {
                    for (key, v) in map {
                        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                        if prefix.is_empty() && key == "_vectors" {
                            paths.insert(path);
                            continue;
                        }
                        walk(&path, v, paths);
                        paths.insert(path);
                    }
                }
                Value::Array(items) => items.iter().for_each(|item| walk(prefix, item, paths)),
                _ => {}
            }
        }
        let meta = self.index(uid)?;
        let tree = self.documents_tree(&meta)?;
        let mut paths = std::collections::BTreeSet::new();
        for v in tree.range(..DOCS_END).values() {
            let doc: Value = serde_json::from_slice(&v?)?;
            walk("", &doc, &mut paths);
        }
        Ok(paths)
    }

    /// Counts and field distribution; reads every document of the index.
    pub fn stats(&self, uid: &IndexUid) -> Result<IndexStats, Error> {
        let meta = self.index(uid)?;
        let tree = self.documents_tree(&meta)?;
        let mut field_distribution = BTreeMap::new();
        let mut raw_document_db_size = 0;
        for v in tree.range(..DOCS_END).values() {
            let v = v?;
            raw_document_db_size += v.len() as u64;
            let doc: Document = serde_json::from_slice(&v)?;
            for key in doc.keys() {
                *field_distribution.entry(key.clone()).or_insert(0) += 1;
            }
        }
        let number_of_documents = self.count(&meta)?;
        let avg_document_size = raw_document_db_size.checked_div(number_of_documents).unwrap_or(0);
        Ok(IndexStats { number_of_documents, raw_document_db_size, avg_document_size, field_distribution })
    }

    /// Bytes the database occupies on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

pub(crate) fn be_u64(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or(0)
}
