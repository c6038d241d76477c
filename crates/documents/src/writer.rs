//! One batch of document operations on one index, applied atomically.

use std::collections::BTreeMap;

use serde_json::Value;
use task_model::Method;

use crate::primary_key::{document_id, infer_primary_key};
use crate::store::{be_u64, COUNT_KEY, DOCS_END};
use crate::{Changes, Document, Error, IndexMeta, Store};

/// Collects operations in memory, in order, so that later operations of a
/// batch see earlier ones; [`IndexWriter::commit`] writes them all at once.
///
/// Each `add_*`/`delete_*` call is all-or-nothing: if it returns an error, it
/// changed nothing, which is how one failing task leaves its batch-mates alone.
#[derive(Debug)]
pub struct IndexWriter {
    store: Store,
    meta: IndexMeta,
    tree: sled::Tree,
    /// `Some(bytes)`: the document after this batch; `None`: deleted.
    overlay: BTreeMap<String, Option<Vec<u8>>>,
    /// The overlay's ids in the order this batch first changed them: the
    /// order a follower meets new documents in (Meilisearch's insertion order).
    arrival: Vec<String>,
    cleared: bool,
    count: u64,
}

impl IndexWriter {
    pub(crate) fn new(store: Store, meta: IndexMeta) -> Result<Self, Error> {
        let tree = store.documents_tree(&meta)?;
        let count = tree.get(COUNT_KEY)?.map_or(0, |v| be_u64(&v));
        Ok(Self { store, meta, tree, overlay: BTreeMap::new(), arrival: Vec::new(), cleared: false, count })
    }

    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// Whether this batch changed anything yet.
    pub fn has_changes(&self) -> bool {
        self.cleared || !self.overlay.is_empty()
    }

    fn current(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        if let Some(v) = self.overlay.get(id) {
            return Ok(v.clone());
        }
        if self.cleared {
            return Ok(None);
        }
        Ok(self.tree.get(id.as_bytes())?.map(|v| v.to_vec()))
    }

    fn exists(&self, id: &str) -> Result<bool, Error> {
        match self.overlay.get(id) {
            Some(v) => Ok(v.is_some()),
            None if self.cleared => Ok(false),
            None => Ok(self.tree.contains_key(id.as_bytes())?),
        }
    }

    /// Adds (`Replace`) or merges into (`Update`) the documents of a normalized
    /// NDJSON payload; with `skip_creation`, only documents that exist already
    /// (Meilisearch's `skipCreation`). Returns how many documents were
    /// indexed, skipped ones included, as Meilisearch counts them.
    pub fn add_documents(
        &mut self,
        method: Method,
        primary_key: Option<&str>,
        ndjson: &[u8],
        skip_creation: bool,
    ) -> Result<u64, Error> {
        let pk = match (&self.meta.primary_key, primary_key) {
            (Some(existing), Some(asked)) if existing != asked => {
                return Err(Error::PrimaryKeyAlreadyExists { index: self.meta.uid.clone(), existing: existing.clone() })
            }
            (Some(existing), _) => Some(existing.clone()),
            (None, asked) => asked.map(str::to_owned),
        };
        // First pass validates every document, so that a bad one changes nothing.
        let mut pk = pk;
        let mut staged: Vec<(String, &[u8])> = Vec::new();
        for line in ndjson.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let doc: Document = serde_json::from_slice(line)?;
            let key = match &pk {
                Some(pk) => pk,
                None => pk.insert(infer_primary_key(&doc)?),
            };
            staged.push((document_id(&doc, key)?, line));
        }
        let indexed = staged.len() as u64;
        for (id, line) in staged {
            let bytes = match (method, self.current(&id)?) {
                (Method::Update, Some(old)) => merge(&old, line)?,
                _ => line.to_vec(),
            };
            if !self.exists(&id)? {
                if skip_creation {
                    continue;
                }
                self.count += 1;
            }
            self.change(id, Some(bytes));
        }
        if self.meta.primary_key.is_none() {
            self.meta.primary_key = pk;
        }
        Ok(indexed)
    }

    fn change(&mut self, id: String, doc: Option<Vec<u8>>) {
        if !self.overlay.contains_key(&id) {
            self.arrival.push(id.clone());
        }
        self.overlay.insert(id, doc);
    }

    /// Deletes documents by id; returns how many existed.
    pub fn delete_documents(&mut self, ids: &[String]) -> Result<u64, Error> {
        let mut deleted = 0;
        for id in ids {
            if self.exists(id)? {
                deleted += 1;
                self.count -= 1;
            }
            self.change(id.clone(), None);
        }
        Ok(deleted)
    }

    /// Deletes every document; returns how many there were.
    pub fn clear(&mut self) -> Result<u64, Error> {
        let deleted = self.count;
        self.overlay.clear();
        self.arrival.clear();
        self.cleared = true;
        self.count = 0;
        Ok(deleted)
    }

    /// Writes everything: index metadata first, then the documents in sled
    /// batches of [`CHUNK`] entries, each carrying the document count as it
    /// stands after it.
    ///
    /// Why chunks: sled pins one epoch for a whole `apply_batch`, so nothing it
    /// replaces is freed before the end; a 100k-document batch in one piece
    /// peaked at 550 MB. A crash between chunks leaves the index part-way;
    /// recovery runs the batch again, and since every operation is idempotent
    /// (replace, merge, delete, clear) it ends in the same state.
    pub fn commit(mut self) -> Result<IndexMeta, Error> {
        self.meta.updated_at = task_model::now();
        self.meta.version += 1;
        self.store.put_meta(&self.meta)?;
        let mut count = self.tree.get(COUNT_KEY)?.map_or(0, |v| be_u64(&v));
        let mut chunk = Chunk::default();
        if self.cleared {
            for key in self.tree.range(..DOCS_END).keys() {
                chunk.batch.remove(key?);
                count = count.saturating_sub(1);
                chunk.entries += 1;
                chunk.apply_if_full(&self.tree, count)?;
            }
        }
        for (id, doc) in &self.overlay {
            let present = !self.cleared && self.tree.contains_key(id.as_bytes())?;
            match doc {
                Some(bytes) => {
                    count += u64::from(!present);
                    chunk.batch.insert(id.as_bytes(), bytes.as_slice());
                }
                None => {
                    count -= u64::from(present);
                    chunk.batch.remove(id.as_bytes());
                }
            }
            chunk.entries += 1;
            chunk.apply_if_full(&self.tree, count)?;
        }
        debug_assert_eq!(count, self.count, "the count computed while staging");
        chunk.apply(&self.tree, count)?;
        let changes = Changes { cleared: self.cleared, documents: &self.overlay, arrival: &self.arrival };
        self.store.follow(|f| f.documents_changed(&self.meta, &changes))?;
        Ok(self.meta)
    }
}

/// Entries per sled batch in [`IndexWriter::commit`].
const CHUNK: usize = 10_000;

#[derive(Default)]
struct Chunk {
    batch: sled::Batch,
    entries: usize,
}

impl Chunk {
    fn apply_if_full(&mut self, tree: &sled::Tree, count: u64) -> Result<(), Error> {
        if self.entries >= CHUNK {
            self.apply(tree, count)?;
        }
        Ok(())
    }

    fn apply(&mut self, tree: &sled::Tree, count: u64) -> Result<(), Error> {
        let mut batch = std::mem::take(&mut self.batch);
        batch.insert(COUNT_KEY, &count.to_be_bytes());
        tree.apply_batch(batch)?;
        self.entries = 0;
        Ok(())
    }
}

/// `PUT` semantics: top-level fields of `new` replace those of `old`.
fn merge(old: &[u8], new: &[u8]) -> Result<Vec<u8>, Error> {
    let mut doc: Document = serde_json::from_slice(old)?;
    let update: Document = serde_json::from_slice(new)?;
    doc.extend(update);
    Ok(serde_json::to_vec(&Value::Object(doc))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fields, PayloadFormat};
    use serde_json::json;
    use task_model::IndexUid;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        (dir, Store::open(&db).unwrap())
    }

    fn ndjson(v: Value) -> Vec<u8> {
        crate::parse_payload(PayloadFormat::Json, v.to_string().as_bytes()).unwrap().ndjson
    }

    fn uid(s: &str) -> IndexUid {
        s.parse().unwrap()
    }

    #[test]
    fn add_infers_key_creates_index_and_counts() {
        let (_d, store) = store();
        let mut w = store.writer(&uid("movies"), true).unwrap();
        let n = w
            .add_documents(
                Method::Replace,
                None,
                &ndjson(json!([{"id": 1, "t": "a"}, {"id": 2}, {"id": 1, "t": "b"}])),
                false,
            )
            .unwrap();
        assert_eq!(n, 3);
        w.commit().unwrap();
        assert_eq!(store.index(&uid("movies")).unwrap().primary_key.as_deref(), Some("id"));
        assert_eq!(store.number_of_documents(&uid("movies")).unwrap(), 2);
        assert_eq!(
            store.document(&uid("movies"), "1", &Fields::All).unwrap(),
            json!({"id": 1, "t": "b"}).as_object().unwrap().clone()
        );
    }

    #[test]
    fn a_bad_document_changes_nothing() {
        let (_d, store) = store();
        let mut w = store.writer(&uid("m"), true).unwrap();
        w.add_documents(Method::Replace, Some("id"), &ndjson(json!([{"id": "ok"}])), false).unwrap();
        let err = w
            .add_documents(Method::Replace, None, &ndjson(json!([{"id": "new"}, {"id": "bad id"}])), false)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidDocumentId(_)));
        let err = w.add_documents(Method::Replace, None, &ndjson(json!([{"title": "no id"}])), false).unwrap_err();
        assert!(matches!(err, Error::MissingDocumentId { .. }));
        let err = w.add_documents(Method::Replace, Some("other"), &ndjson(json!([{"other": 1}])), false).unwrap_err();
        assert!(matches!(err, Error::PrimaryKeyAlreadyExists { .. }));
        w.commit().unwrap();
        let (docs, total) = store.documents(&uid("m"), 0, 10, &Fields::All, None).unwrap();
        assert_eq!((docs.len(), total), (1, 1));
    }

    #[test]
    fn skip_creation_updates_only_documents_that_exist() {
        let (_d, store) = store();
        let mut w = store.writer(&uid("m"), true).unwrap();
        w.add_documents(Method::Replace, None, &ndjson(json!([{"id": 1, "a": 1}])), false).unwrap();
        let indexed = w.add_documents(Method::Update, None, &ndjson(json!([{"id": 1, "b": 2}, {"id": 2}])), true);
        assert_eq!(indexed.unwrap(), 2, "skipped documents count as indexed, as in Meilisearch");
        w.commit().unwrap();
        assert_eq!(store.stats(&uid("m")).unwrap().number_of_documents, 1);
        let doc = store.document(&uid("m"), "1", &Fields::parse("a,b")).unwrap();
        assert_eq!(Value::Object(doc), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn update_merges_and_sees_earlier_operations_of_the_batch() {
        let (_d, store) = store();
        let mut w = store.writer(&uid("m"), true).unwrap();
        w.add_documents(Method::Replace, None, &ndjson(json!([{"id": 1, "a": 1, "b": 1}])), false).unwrap();
        w.add_documents(Method::Update, None, &ndjson(json!([{"id": 1, "b": 2, "c": 3}])), false).unwrap();
        w.commit().unwrap();
        let doc = store.document(&uid("m"), "1", &Fields::parse("a,b,c")).unwrap();
        assert_eq!(
            Value::Object(doc),
            json!({"id": 1, "a": 1, "b": 2, "c": 3})
                .as_object()
                .map(|m| {
                    let mut m = m.clone();
                    m.remove("id");
                    Value::Object(m)
                })
                .unwrap()
        );
    }

    #[test]
    fn delete_and_clear() {
        let (_d, store) = store();
        let mut w = store.writer(&uid("m"), true).unwrap();
        w.add_documents(Method::Replace, None, &ndjson(json!([{"id": 1}, {"id": 2}, {"id": 3}])), false).unwrap();
        w.commit().unwrap();
        let mut w = store.writer(&uid("m"), false).unwrap();
        assert_eq!(w.delete_documents(&["1".into(), "9".into()]).unwrap(), 1);
        w.commit().unwrap();
        assert_eq!(store.number_of_documents(&uid("m")).unwrap(), 2);
        let mut w = store.writer(&uid("m"), false).unwrap();
        assert_eq!(w.clear().unwrap(), 2);
        w.add_documents(Method::Replace, None, &ndjson(json!([{"id": 7}])), false).unwrap();
        w.commit().unwrap();
        let (docs, total) = store.documents(&uid("m"), 0, 10, &Fields::All, None).unwrap();
        assert_eq!(total, 1);
        assert_eq!(Value::Object(docs[0].clone()), json!({"id": 7}));
        assert!(matches!(store.writer(&uid("nope"), false), Err(Error::IndexNotFound(_))));
    }

    #[test]
    fn replaying_a_batch_is_idempotent() {
        let (_d, store) = store();
        for _ in 0..2 {
            let mut w = store.writer(&uid("m"), true).unwrap();
            w.add_documents(Method::Update, None, &ndjson(json!([{"id": 1, "n": 1}, {"id": 2}])), false).unwrap();
            w.delete_documents(&["2".into()]).unwrap();
            w.commit().unwrap();
        }
        assert_eq!(store.number_of_documents(&uid("m")).unwrap(), 1);
        assert_eq!(store.indexes().unwrap().len(), 1);
    }

    #[test]
    fn batches_larger_than_a_chunk_keep_an_exact_count_and_replay_cleanly() {
        let (_d, store) = store();
        let docs = |range: std::ops::Range<u64>| ndjson(Value::Array(range.map(|i| json!({"id": i})).collect()));
        let mut w = store.writer(&uid("big"), true).unwrap();
        w.add_documents(Method::Replace, None, &docs(0..25_000), false).unwrap();
        w.commit().unwrap();
        assert_eq!(store.number_of_documents(&uid("big")).unwrap(), 25_000);
        for _ in 0..2 {
            let mut w = store.writer(&uid("big"), false).unwrap();
            w.clear().unwrap();
            w.add_documents(Method::Replace, None, &docs(20_000..32_000), false).unwrap();
            let gone: Vec<String> = (20_000..21_000).map(|i| i.to_string()).collect();
            w.delete_documents(&gone).unwrap();
            w.commit().unwrap();
            let (page, total) = store.documents(&uid("big"), 0, 1, &Fields::All, None).unwrap();
            assert_eq!(total, 11_000);
            assert_eq!(Value::Object(page[0].clone()), json!({"id": 21_000}));
        }
    }

    #[test]
    fn swap_and_delete_index() {
        let (_d, store) = store();
        for (name, n) in [("a", 1), ("b", 2)] {
            let mut w = store.writer(&uid(name), true).unwrap();
            let docs: Vec<Value> = (0..n).map(|i| json!({"id": i})).collect();
            w.add_documents(Method::Replace, None, &ndjson(Value::Array(docs)), false).unwrap();
            w.commit().unwrap();
        }
        let swap = [crate::Move { from: uid("a"), to: uid("b"), rename: false }];
        assert!(!store.moved_by(&swap, 7).unwrap());
        store.move_indexes(&swap, None, 7).unwrap();
        assert_eq!(store.number_of_documents(&uid("a")).unwrap(), 2);
        assert_eq!(store.number_of_documents(&uid("b")).unwrap(), 1);
        // Run again after a crash, the task sees its swap done (a second swap
        // would undo it).
        assert!(store.moved_by(&swap, 7).unwrap() && !store.moved_by(&swap, 8).unwrap());
        let rename = [crate::Move { from: uid("b"), to: uid("c"), rename: true }];
        store.move_indexes(&rename, Some("id".into()), 9).unwrap();
        assert!(store.moved_by(&rename, 9).unwrap());
        assert_eq!(store.index(&uid("c")).unwrap().primary_key.as_deref(), Some("id"));
        assert!(matches!(store.move_indexes(&rename, None, 10), Err(Error::IndexNotFound(_))));
        let onto_taken = [crate::Move { from: uid("c"), to: uid("a"), rename: true }];
        assert!(matches!(store.move_indexes(&onto_taken, None, 11), Err(Error::IndexAlreadyExists(_))));
        assert_eq!(store.number_of_documents(&uid("c")).unwrap(), 1);
        assert_eq!(store.delete_index(&uid("a")).unwrap(), 2);
        assert!(matches!(store.index(&uid("a")), Err(Error::IndexNotFound(_))));
        assert!(matches!(store.create_index(&uid("c"), None), Err(Error::IndexAlreadyExists(_))));
    }
}
