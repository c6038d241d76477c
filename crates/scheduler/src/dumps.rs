//! Dumps: the queue hands its tasks to whoever writes a dump
//! (`dumpCreation`), and takes a dump's tasks back at start-up
//! ([`import_tasks`]).
//!
//! A dump runs in a batch of its own, so no task is processing meanwhile and
//! no document changes under it; tasks registered while it reads the queue
//! may or may not be in it (enqueued, with their documents).

use std::sync::{Arc, RwLock};

use task_model::{Details, Status, Task};
use time::OffsetDateTime;

use crate::keys::{content_key, is_priority, marker_key, priority_key, task_key, Marker, NEXT_BATCH, NEXT_TASK, TASK};
use crate::scheduler::Inner;
use crate::Error;

/// Writes a dump of the whole instance when a `dumpCreation` task runs. The
/// queue gives its tasks; the rest (documents, keys, webhooks, ...) is the
/// implementor's to gather.
pub trait Dumper: Send + Sync {
    /// Writes the dump; returns its uid (`20261128-015324061`).
    fn dump(
        &self,
        started: OffsetDateTime,
        tasks: &mut dyn Iterator<Item = Result<DumpedTask, Error>>,
    ) -> Result<String, String>;
}

/// One task for a dump, with the payload of a document addition still
/// enqueued (normalized NDJSON).
#[derive(Debug)]
pub struct DumpedTask {
    pub task: Task,
    pub payload: Option<Vec<u8>>,
}

/// Where the dumper is registered (none: dumps fail, as nothing can write them).
pub(crate) type DumperSlot = RwLock<Option<Arc<dyn Dumper>>>;

impl Inner {
    /// Runs the `dumpCreation` task `task`.
    pub(crate) fn dump(&self, task: &mut Task) -> Result<(), Error> {
        let Some(dumper) = self.dumper.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            let error =
                task_model::ResponseError::new(task_model::Code::DumpProcessFailed, "no dump writer is configured");
            task.status = Status::Failed;
            task.error = Some(error);
            return Ok(());
        };
        let started = task.started_at.unwrap_or_else(task_model::now);
        let me = task.uid;
        // The dump shows its own task as succeeded, as Meilisearch's do.
        let mut tasks = self.queue.scan_prefix([TASK]).values().map(move |bytes| -> Result<DumpedTask, Error> {
            let mut task: Task = serde_json::from_slice(&bytes?)?;
            if task.uid == me {
                task.status = Status::Succeeded;
                task.started_at = Some(started);
                task.finished_at = Some(task_model::now());
                task.details = Some(Details::Dump { dump_uid: None });
            }
            let payload = match (task.status, task.operation.content()) {
                (Status::Enqueued, Some(content)) => self.queue.get(content_key(content))?.map(|p| p.to_vec()),
                _ => None,
            };
            Ok(DumpedTask { task, payload })
        });
        match dumper.dump(started, &mut tasks) {
            Ok(uid) => task.details = Some(Details::Dump { dump_uid: Some(uid) }),
            Err(message) => {
                task.status = Status::Failed;
                task.error = Some(task_model::ResponseError::new(task_model::Code::DumpProcessFailed, message));
            }
        }
        Ok(())
    }
}

/// Writes a dump's tasks into the queue of a database being created, before
/// the scheduler opens it: finished ones as they were, enqueued ones with
/// their payload, to run once it starts. Uids are kept; new tasks and
/// batches number on from the highest.
pub fn import_tasks(db: &sled::Db, tasks: impl IntoIterator<Item = DumpedTask>) -> Result<u64, Error> {
    let queue = db.open_tree("queue")?;
    let (mut next_task, mut next_batch, mut count) = (0u32, 0u32, 0u64);
    let mut batch = sled::Batch::default();
    for DumpedTask { mut task, payload } in tasks {
        // Meilisearch never writes one, but a task caught processing would
        // never finish: it runs again.
        if task.status == Status::Processing {
            (task.status, task.batch_uid, task.started_at) = (Status::Enqueued, None, None);
        }
        let mut bytes = 0;
        if task.status == Status::Enqueued {
            if let Some(payload) = payload {
                let id = task_model::ContentId(u64::from(task.uid.0));
                bytes = payload.len() as u64;
                batch.insert(&content_key(id), payload);
                if let task_model::Operation::DocumentAdditionOrUpdate { content, .. } = &mut task.operation {
                    *content = id;
                }
            }
            let marker = Marker::of(&task, bytes).encode();
            if is_priority(task.kind()) {
                batch.insert(&priority_key(task.uid), marker.clone());
            }
            batch.insert(&marker_key(task.uid), marker);
        }
        next_task = next_task.max(task.uid.0.saturating_add(1));
        next_batch = next_batch.max(task.batch_uid.map_or(0, |b| b.0.saturating_add(1)));
        batch.insert(&task_key(task.uid), serde_json::to_vec(&task)?);
        count += 1;
    }
    batch.insert(NEXT_TASK, &next_task.to_be_bytes());
    batch.insert(NEXT_BATCH, &next_batch.to_be_bytes());
    queue.apply_batch(batch)?;
    queue.flush()?;
    Ok(count)
}
