//! Staged ingestion: documents queued for an index, live only once deployed.
//!
//! A client stages a whole snapshot (a full replacement) or upserts and
//! removals; nothing touches the live index until a deploy. Each staged
//! operation is a numbered row in the `staging` tree, numbered by sled's
//! monotonic ids, so "everything staged before the deploy was asked for" is
//! simply "every row below the deploy's mark".
//!
//! A deploy builds the index's next documents in a fresh tree (a copy of the
//! live documents, or nothing after a snapshot, with the operations applied in
//! order), then switches the index to that tree and drops the deployed rows in
//! one transaction. A reader resolves the index to a tree once per read, so it
//! sees the old documents or the new ones, never a mix. The old tree is
//! dropped a little later, once reads that started before the switch are done;
//! a crash mid-build leaves an unreferenced tree that [`Store::open`] drops.
//!
//! Keys: `o`+uid+`/`+seq → [`Staged`], `p`+uid+`/`+seq → its payload
//! (normalized NDJSON, or a JSON array of ids), `r`+task → the [`Deployed`]
//! report of a deploy, so that a deploy run again after a crash reports what
//! it did the first time.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use task_model::{rfc3339, IndexUid};
use time::OffsetDateTime;

use sled::Transactional;

use crate::primary_key::{id_from_value, infer_primary_key};
use crate::store::{COUNT_KEY, DOCS_END};
use crate::{document_id, Document, Error, Parsed, Store};

const OP: u8 = b'o';
const PAYLOAD: u8 = b'p';
const REPORT: u8 = b'r';

/// How long a replaced documents tree stays readable after a deploy.
const RETIRE_AFTER: Duration = Duration::from_secs(10);

/// What a staged operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StagedKind {
    /// Replaces every document of the index.
    Snapshot,
    /// Inserts or replaces documents by primary key.
    Upsert,
    /// Removes documents by id.
    Remove,
}

/// One staged operation, without its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staged {
    pub kind: StagedKind,
    /// Documents (snapshot, upsert) or ids (remove).
    pub count: u64,
    /// The primary key the documents were validated against.
    pub primary_key: Option<String>,
    #[serde(with = "rfc3339")]
    pub staged_at: OffsetDateTime,
}

/// What is waiting to be deployed: `GET /indexes/{uid}/staging`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StagingSummary {
    pub index_uid: IndexUid,
    /// Whether a snapshot is staged; if so, it and what follows it is what a
    /// deploy will apply.
    pub snapshot: bool,
    pub snapshot_documents: u64,
    pub upserts: u64,
    pub removals: u64,
    pub operations: u64,
    /// When the oldest pending operation was staged.
    #[serde(with = "rfc3339::option")]
    pub since: Option<OffsetDateTime>,
}

/// What a deploy did: the `indexDeploy` task's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployed {
    /// Documents written: those of the snapshot, then of upserts.
    pub upserted_documents: u64,
    /// Documents that existed and were removed by a removal.
    pub removed_documents: u64,
    /// A snapshot was deployed: documents not in it are gone.
    pub replaced_all: bool,
}

fn row_key(kind: u8, uid: &IndexUid, seq: u64) -> Vec<u8> {
    let mut key = row_prefix(kind, uid);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// Index uids never contain `/`, so one index's rows never run into another's.
fn row_prefix(kind: u8, uid: &IndexUid) -> Vec<u8> {
    let mut key = vec![kind];
    key.extend_from_slice(uid.as_str().as_bytes());
    key.push(b'/');
    key
}

fn report_key(task: u32) -> [u8; 5] {
    let b = task.to_be_bytes();
    [REPORT, b[0], b[1], b[2], b[3]]
}

impl Store {
    /// The primary key staged documents are checked against: the index's, else
    /// that of documents staged already, else the one asked for, else inferred
    /// from the first document.
    fn staging_primary_key(
        &self,
        uid: &IndexUid,
        asked: Option<&str>,
        first: Option<&Document>,
    ) -> Result<Option<String>, Error> {
        let existing = match self.get_index(uid)?.and_then(|m| m.primary_key) {
            Some(pk) => Some(pk),
            None => self.staged(uid, u64::MAX)?.into_iter().find_map(|(_, op)| op.primary_key),
        };
        match (existing, asked) {
            (Some(existing), Some(asked)) if existing != asked => {
                Err(Error::PrimaryKeyAlreadyExists { index: uid.clone(), existing })
            }
            (Some(existing), _) => Ok(Some(existing)),
            (None, Some(asked)) => Ok(Some(asked.to_owned())),
            (None, None) => first.map(infer_primary_key).transpose(),
        }
    }

    /// Checks that every document of `ndjson` has a valid id; returns the key.
    fn validate_documents(&self, uid: &IndexUid, asked: Option<&str>, ndjson: &[u8]) -> Result<Option<String>, Error> {
        let mut docs = Parsed::iter(ndjson);
        let Some(first) = docs.next().transpose()? else {
            return self.staging_primary_key(uid, asked, None);
        };
        let pk = self.staging_primary_key(uid, asked, Some(&first))?;
        if let Some(pk) = &pk {
            document_id(&first, pk)?;
            for doc in docs {
                document_id(&doc?, pk)?;
            }
        }
        Ok(pk)
    }

    /// Stages a full replacement of the index's documents. Durable on return.
    pub fn stage_snapshot(&self, uid: &IndexUid, primary_key: Option<&str>, parsed: &Parsed) -> Result<(), Error> {
        let pk = self.validate_documents(uid, primary_key, &parsed.ndjson)?;
        let mut write = sled::Batch::default();
        self.stage(&mut write, uid, StagedKind::Snapshot, parsed.documents, pk, &parsed.ndjson)?;
        self.commit_staging(write)
    }

    /// Stages upserts, then removals (so an id in both ends removed).
    /// Durable on return.
    pub fn stage_notify(
        &self,
        uid: &IndexUid,
        primary_key: Option<&str>,
        upserts: Option<&Parsed>,
        removals: &[serde_json::Value],
    ) -> Result<(), Error> {
        let ids = removals.iter().map(id_from_value).collect::<Result<Vec<_>, _>>()?;
        let mut write = sled::Batch::default();
        if let Some(parsed) = upserts.filter(|p| p.documents > 0) {
            let pk = self.validate_documents(uid, primary_key, &parsed.ndjson)?;
            self.stage(&mut write, uid, StagedKind::Upsert, parsed.documents, pk, &parsed.ndjson)?;
        }
        if !ids.is_empty() {
            let payload = serde_json::to_vec(&ids)?;
            self.stage(&mut write, uid, StagedKind::Remove, ids.len() as u64, None, &payload)?;
        }
        self.commit_staging(write)
    }

    fn stage(
        &self,
        write: &mut sled::Batch,
        uid: &IndexUid,
        kind: StagedKind,
        count: u64,
        primary_key: Option<String>,
        payload: &[u8],
    ) -> Result<(), Error> {
        let seq = self.db.generate_id()?;
        let staged = Staged { kind, count, primary_key, staged_at: task_model::now() };
        write.insert(row_key(PAYLOAD, uid, seq), payload);
        write.insert(row_key(OP, uid, seq), serde_json::to_vec(&staged)?);
        Ok(())
    }

    fn commit_staging(&self, write: sled::Batch) -> Result<(), Error> {
        self.staging.apply_batch(write)?;
        self.db.flush()?;
        Ok(())
    }

    /// Every number below the mark was handed out to an operation already
    /// staged (or to nothing): a deploy enqueued now covers exactly those.
    pub fn staging_mark(&self) -> Result<u64, Error> {
        Ok(self.db.generate_id()?)
    }

    /// The staged operations of `uid` numbered below `upto`, oldest first.
    fn staged(&self, uid: &IndexUid, upto: u64) -> Result<Vec<(u64, Staged)>, Error> {
        let prefix = row_prefix(OP, uid);
        let mut out = Vec::new();
        for entry in self.staging.scan_prefix(&prefix) {
            let (key, value) = entry?;
            let seq = key.get(prefix.len()..).and_then(|b| b.try_into().ok()).map_or(u64::MAX, u64::from_be_bytes);
            if seq >= upto {
                break;
            }
            out.push((seq, serde_json::from_slice(&value)?));
        }
        Ok(out)
    }

    /// What a deploy enqueued now would apply.
    pub fn staging_summary(&self, uid: &IndexUid) -> Result<StagingSummary, Error> {
        let ops = self.staged(uid, u64::MAX)?;
        let from = ops.iter().rposition(|(_, op)| op.kind == StagedKind::Snapshot);
        let mut summary = StagingSummary {
            index_uid: uid.clone(),
            snapshot: from.is_some(),
            snapshot_documents: 0,
            upserts: 0,
            removals: 0,
            operations: ops.len() as u64,
            since: ops.first().map(|(_, op)| op.staged_at),
        };
        for (_, op) in &ops[from.unwrap_or(0)..] {
            match op.kind {
                StagedKind::Snapshot => summary.snapshot_documents = op.count,
                StagedKind::Upsert => summary.upserts += op.count,
                StagedKind::Remove => summary.removals += op.count,
            }
        }
        Ok(summary)
    }

    /// Forgets everything staged for `uid`. Durable on return.
    pub fn discard_staged(&self, uid: &IndexUid) -> Result<(), Error> {
        let mut write = sled::Batch::default();
        for kind in [OP, PAYLOAD] {
            for key in self.staging.scan_prefix(row_prefix(kind, uid)).keys() {
                write.remove(key?);
            }
        }
        self.commit_staging(write)
    }

    /// Applies every operation staged for `uid` below `upto` in one atomic
    /// switch, creating the index if needed. `task` names the deploy, so that
    /// running it again after a crash reports the first run's result.
    pub fn deploy(&self, uid: &IndexUid, upto: u64, task: u32) -> Result<Deployed, Error> {
        if let Some(done) = self.staging.get(report_key(task))? {
            return Ok(serde_json::from_slice(&done)?);
        }
        let ops = self.staged(uid, upto)?;
        let live = self.get_index(uid)?;
        let mut meta = match &live {
            Some(meta) => meta.clone(),
            None => self.new_meta(uid, None)?,
        };
        for (_, op) in &ops {
            match (&meta.primary_key, &op.primary_key) {
                (Some(existing), Some(staged)) if existing != staged => {
                    return Err(Error::PrimaryKeyAlreadyExists { index: uid.clone(), existing: existing.clone() })
                }
                (None, Some(staged)) => meta.primary_key = Some(staged.clone()),
                _ => {}
            }
        }
        let from = ops.iter().rposition(|(_, op)| op.kind == StagedKind::Snapshot);
        let mut report = Deployed { upserted_documents: 0, removed_documents: 0, replaced_all: from.is_some() };

        let next_id = self.db.generate_id()?;
        let next = self.db.open_tree(format!("documents/{next_id}"))?;
        let mut count = 0u64;
        if let (None, Some(live)) = (from, &live) {
            for entry in self.documents_tree(live)?.range(..DOCS_END) {
                let (key, value) = entry?;
                next.insert(key, value)?;
                count += 1;
            }
        }
        for (seq, op) in &ops[from.unwrap_or(0)..] {
            let payload = self.staging.get(row_key(PAYLOAD, uid, *seq))?.ok_or(Error::MissingPayload("staged"))?;
            match op.kind {
                StagedKind::Snapshot | StagedKind::Upsert => {
                    let pk = meta.primary_key.as_deref().ok_or(Error::NoPrimaryKeyCandidate)?;
                    for line in payload.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                        let doc: Document = serde_json::from_slice(line)?;
                        if next.insert(document_id(&doc, pk)?.as_bytes(), line)?.is_none() {
                            count += 1;
                        }
                        report.upserted_documents += 1;
                    }
                }
                StagedKind::Remove => {
                    let ids: Vec<String> = serde_json::from_slice(&payload)?;
                    for id in ids {
                        if next.remove(id.as_bytes())?.is_some() {
                            count -= 1;
                            report.removed_documents += 1;
                        }
                    }
                }
            }
        }
        next.insert(COUNT_KEY, &count.to_be_bytes())?;

        let retired = live.as_ref().map(|m| m.tree);
        meta.tree = next_id;
        meta.updated_at = task_model::now();
        meta.version += 1;
        // The follower builds from the new tree before it goes live, so that
        // the switch carries both.
        self.follow(|f| f.rebuild(&meta))?;
        let meta_bytes = serde_json::to_vec(&meta)?;
        let report_bytes = serde_json::to_vec(&report)?;
        // The switch: the index names its new tree, the deployed rows go and
        // the report is kept, all or nothing.
        (&self.indexes, &self.staging)
            .transaction(|(indexes, staging)| {
                indexes.insert(uid.as_str().as_bytes(), meta_bytes.as_slice())?;
                for (seq, _) in &ops {
                    staging.remove(row_key(OP, uid, *seq))?;
                    staging.remove(row_key(PAYLOAD, uid, *seq))?;
                }
                staging.insert(&report_key(task), report_bytes.as_slice())?;
                Ok::<_, sled::transaction::ConflictableTransactionError<std::convert::Infallible>>(())
            })
            .map_err(crate::moves::transaction_error)?;
        if let Some(tree) = retired {
            self.retire(tree);
        }
        Ok(report)
    }

    /// The staged rows of `from`, each with its key under `to`: what a rename
    /// moves (see [`crate::moves`]).
    pub(crate) fn staged_moves(
        &self,
        from: &IndexUid,
        to: &IndexUid,
    ) -> Result<Vec<(sled::IVec, Vec<u8>, sled::IVec)>, Error> {
        let mut moved = Vec::new();
        for kind in [OP, PAYLOAD] {
            for row in self.staging.scan_prefix(row_prefix(kind, from)) {
                let (key, value) = row?;
                let seq = key[key.len() - 8..].try_into().map(u64::from_be_bytes).unwrap_or_default();
                moved.push((key, row_key(kind, to, seq), value));
            }
        }
        Ok(moved)
    }

    /// Drops a documents tree no index names any more, once reads that
    /// resolved the index before the switch have had time to finish.
    pub(crate) fn retire(&self, tree: u64) {
        let db = self.db.clone();
        let follower = self.follower.clone();
        let spawned = std::thread::Builder::new().name("retire".into()).spawn(move || {
            std::thread::sleep(RETIRE_AFTER);
            if let Some(follower) = follower {
                follower.dropped(tree);
            }
            if let Err(e) = db.drop_tree(format!("documents/{tree}")) {
                tracing::warn!(tree, error = %e, "dropping a replaced documents tree failed; it goes at the next start");
            }
        });
        if let Err(e) = spawned {
            tracing::warn!(tree, error = %e, "cannot drop a replaced documents tree now; it goes at the next start");
        }
    }

    /// Drops the documents trees no index names: left by a crash during a
    /// deploy, or by a stop before a replaced tree was dropped.
    pub(crate) fn drop_orphan_trees(&self) -> Result<(), Error> {
        let mut named = std::collections::HashSet::new();
        for meta in self.indexes()? {
            named.insert(format!("documents/{}", meta.tree).into_bytes());
        }
        for name in self.db.tree_names() {
            if name.starts_with(b"documents/") && !named.contains(name.as_ref()) {
                self.db.drop_tree(&name)?;
            }
        }
        Ok(())
    }
}
