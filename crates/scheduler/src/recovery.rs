//! Putting the queue back in order after a crash.

use std::collections::HashSet;

use task_model::{Status, Task, TaskId};
use tracing::info;

use crate::keys::{content_key, marker_key, task_key, CONTENT, ENQUEUED, PRIORITY};
use crate::{Error, Scheduler};

impl Scheduler {
    /// Tasks left `processing` go back to `enqueued` (their batch never
    /// finished, and re-running a batch is idempotent); payloads that belong
    /// to no unfinished task are removed.
    pub(crate) fn recover(&self) -> Result<(), Error> {
        let inner = &self.inner;
        let mut requeued = 0;
        let mut referenced = HashSet::new();
        for key in inner.queue.scan_prefix([PRIORITY]).keys() {
            let key = key?;
            let orphan = TaskId::from_be_slice(&key[1..])
                .is_none_or(|uid| !matches!(inner.queue.contains_key(marker_key(uid)), Ok(true)));
            if orphan {
                inner.queue.remove(key)?;
            }
        }
        for entry in inner.queue.scan_prefix([ENQUEUED]) {
            let (key, _) = entry?;
            let task_bytes = match TaskId::from_be_slice(&key[1..]) {
                Some(uid) => inner.queue.get(task_key(uid))?,
                None => None,
            };
            let Some(bytes) = task_bytes else {
                inner.queue.remove(key)?;
                continue;
            };
            let mut task: Task = serde_json::from_slice(&bytes)?;
            if task.status == Status::Processing {
                task.status = Status::Enqueued;
                task.batch_uid = None;
                task.started_at = None;
                inner.queue.insert(task_key(task.uid), serde_json::to_vec(&task)?)?;
                requeued += 1;
            }
            if let Some(content) = task.operation.content() {
                referenced.insert(content_key(content));
            }
        }
        let mut orphans = 0;
        for key in inner.queue.scan_prefix([CONTENT]).keys() {
            let key = key?;
            if !referenced.contains(key.as_ref()) {
                inner.queue.remove(key)?;
                orphans += 1;
            }
        }
        if requeued + orphans > 0 {
            info!(requeued, orphans, "recovered the task queue after an unclean stop");
        }
        inner.db.flush()?;
        Ok(())
    }
}
