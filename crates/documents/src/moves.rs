//! Index-level moves: swapping two indexes' contents, and renaming an index.
//!
//! A swap or rename task may run again after a crash (its batch's final
//! write decides whether it ran), and running a swap twice would undo it. So
//! every moved index records the task that moved it, all of a task's moves
//! are one sled transaction, and [`Store::moved_by`] tells a re-run that its
//! work is already done.

use std::collections::BTreeMap;
use std::convert::Infallible;

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use task_model::IndexUid;

use crate::{Error, IndexMeta, Store};

/// One move of a swap or rename task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: IndexUid,
    pub to: IndexUid,
    /// `from` takes the name `to`, which must be free; else the two swap.
    pub rename: bool,
}

impl Store {
    /// Applies `moves` in one transaction, recording `task` on every index
    /// they give a name. `primary_key` (a rename through `PATCH`) is set on
    /// the renamed index, with [`Store::update_index`]'s check. Every index
    /// moved must exist, and every rename's new name must be free.
    pub fn move_indexes(&self, moves: &[Move], primary_key: Option<String>, task: u32) -> Result<(), Error> {
        let now = task_model::now();
        let mut written: BTreeMap<IndexUid, IndexMeta> = BTreeMap::new();
        let mut removed = Vec::new();
        let mut staged = Vec::new();
        for m in moves {
            let from = self.index(&m.from)?;
            let stamp = |meta: IndexMeta, uid: &IndexUid, created| IndexMeta {
                uid: uid.clone(),
                created_at: created,
                updated_at: now,
                moved_by: Some(task),
                ..meta
            };
            if m.rename {
                if self.get_index(&m.to)?.is_some() {
                    return Err(Error::IndexAlreadyExists(m.to.clone()));
                }
                let created = from.created_at;
                let from = self.with_primary_key(from, primary_key.clone())?;
                written.insert(m.to.clone(), stamp(from, &m.to, created));
                removed.push(m.from.clone());
                staged.extend(self.staged_moves(&m.from, &m.to)?);
            } else {
                let to = self.index(&m.to)?;
                let (from_created, to_created) = (from.created_at, to.created_at);
                written.insert(m.from.clone(), stamp(to, &m.from, from_created));
                written.insert(m.to.clone(), stamp(from, &m.to, to_created));
            }
        }
        let metas: Vec<(IndexUid, Vec<u8>)> = written
            .iter()
            .map(|(uid, meta)| Ok((uid.clone(), serde_json::to_vec(meta)?)))
            .collect::<Result<_, Error>>()?;
        (&self.indexes, &self.staging)
            .transaction(|(indexes, staging)| {
                for uid in &removed {
                    indexes.remove(uid.as_str().as_bytes())?;
                }
                for (uid, bytes) in &metas {
                    indexes.insert(uid.as_str().as_bytes(), bytes.as_slice())?;
                }
                for (old, new, value) in &staged {
                    staging.remove(old)?;
                    staging.insert(new.as_slice(), value)?;
                }
                Ok::<_, ConflictableTransactionError<Infallible>>(())
            })
            .map_err(transaction_error)
    }

    /// True when `moves` were already applied by `task` (a re-run after a
    /// crash): every index they name now was named by `task`.
    pub fn moved_by(&self, moves: &[Move], task: u32) -> Result<bool, Error> {
        if moves.is_empty() {
            return Ok(false);
        }
        for m in moves {
            let named: &[&IndexUid] = if m.rename { &[&m.to] } else { &[&m.from, &m.to] };
            for uid in named {
                if self.get_index(uid)?.and_then(|meta| meta.moved_by) != Some(task) {
                    return Ok(false);
                }
            }
            if m.rename && self.get_index(&m.from)?.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// sled's transaction error, for a transaction that never aborts.
pub(crate) fn transaction_error(e: TransactionError<Infallible>) -> Error {
    match e {
        TransactionError::Storage(e) => Error::Storage(e),
        TransactionError::Abort(never) => match never {},
    }
}
