//! `snapshotCreation`: the queue's part of a snapshot.
//!
//! A snapshot runs in a batch of its own, so no document and no task state
//! changes while it copies; registrations keep arriving, so the queue is
//! copied between two group commits (registrations wait for the copy, and
//! none is lost): a task is never copied without its payload.

use std::sync::{Arc, RwLock};

use task_model::{Status, Task};
use time::OffsetDateTime;

use crate::keys::{marker_key, priority_key, task_key};
use crate::scheduler::Inner;
use crate::Error;

/// Copies the whole database when a `snapshotCreation` task runs; the queue
/// through [`QueueCopy`], the rest itself.
pub trait Snapshotter: Send + Sync {
    /// Writes the snapshot; returns its file's name.
    fn snapshot(&self, started: OffsetDateTime, queue: &QueueCopy<'_>) -> Result<String, String>;
}

pub(crate) type SnapshotterSlot = RwLock<Option<Arc<dyn Snapshotter>>>;

/// The task queue, for a snapshot to copy.
pub struct QueueCopy<'a> {
    inner: &'a Inner,
    /// The snapshot's own task: copied as succeeded, so that a restore does
    /// not take the snapshot again.
    task: &'a Task,
}

impl std::fmt::Debug for QueueCopy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueCopy").field("task", &self.task.uid).finish_non_exhaustive()
    }
}

impl QueueCopy<'_> {
    /// The name of the tree this copies (the snapshotter copies the others).
    pub const TREE: &'static str = "queue";

    /// Copies the queue into `dest`, holding registrations meanwhile.
    pub fn copy_into(&self, dest: &sled::Tree) -> Result<(), Error> {
        let _hold = self.inner.commit.hold();
        let me = self.task.uid;
        let skipped = [marker_key(me), priority_key(me)];
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for entry in self.inner.queue.iter() {
            let (key, value) = entry?;
            if skipped.iter().any(|k| key.as_ref() == k) {
                continue;
            }
            if key.as_ref() == task_key(me) {
                let mut done = self.task.clone();
                done.status = Status::Succeeded;
                // Its batch is not in the copy: the restored queue numbers
                // that batch anew.
                done.batch_uid = None;
                done.finished_at = Some(task_model::now());
                batch.insert(key, serde_json::to_vec(&done)?);
            } else {
                batch.insert(key, value);
            }
            pending += 1;
            if pending == 10_000 {
                dest.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        dest.apply_batch(batch)?;
        Ok(())
    }
}

impl Inner {
    /// Runs the `snapshotCreation` task `task`.
    pub(crate) fn snapshot(&self, task: &mut Task) -> Result<(), Error> {
        let slot = self.snapshotter.read().unwrap_or_else(|e| e.into_inner()).clone();
        let outcome = match slot {
            None => Err("no snapshot writer is configured".to_owned()),
            Some(snapshotter) => {
                let started = task.started_at.unwrap_or_else(task_model::now);
                let copy = QueueCopy { inner: self, task };
                snapshotter.snapshot(started, &copy)
            }
        };
        if let Err(message) = outcome {
            task.status = Status::Failed;
            task.error = Some(task_model::ResponseError::new(task_model::Code::Internal, message));
        }
        Ok(())
    }
}
