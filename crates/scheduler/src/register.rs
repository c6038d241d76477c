//! Registering tasks: durable before the caller hears back.

use task_model::{ContentId, Details, IndexUid, Operation, Task, TaskFilter, TaskId};

use crate::keys::{content_key, marker_key, read_u32, task_key, Marker, NEXT_TASK};
use crate::{Error, Scheduler};

/// A task to register. The scheduler numbers it and stores its payload.
#[derive(Debug)]
pub struct NewTask {
    pub index_uid: Option<IndexUid>,
    /// For a document addition, `content` in the operation is a placeholder:
    /// the scheduler fills it in when it stores [`NewTask::payload`].
    pub operation: Operation,
    pub details: Option<Details>,
    /// Normalized NDJSON, for document additions.
    pub payload: Option<Vec<u8>>,
}

impl Scheduler {
    /// Writes the task (and its payload) and returns once both are on disk.
    /// Concurrent calls share one fsync.
    pub async fn register(&self, new: NewTask) -> Result<Task, Error> {
        let task = self.write_task(new)?;
        self.inner
            .commit
            .durable()
            .await
            .map_err(|_| Error::ShuttingDown)?
            .map_err(Error::Durability)?;
        self.inner.wake();
        Ok(task)
    }

    fn write_task(&self, new: NewTask) -> Result<Task, Error> {
        let inner = &self.inner;
        let mut operation = new.operation;
        let mut bytes = 0;
        if let Some(payload) = new.payload {
            let id = ContentId(inner.db.generate_id()?);
            bytes = payload.len() as u64;
            // The payload goes in first: a crash before the task is written
            // leaves an orphan that recovery removes, never a task without data.
            inner.content.insert(content_key(id), payload)?;
            if let Operation::DocumentAdditionOrUpdate { content, .. } = &mut operation {
                *content = id;
            }
        }
        let _guard = inner
            .register_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let uid = read_u32(inner.queue.get(NEXT_TASK)?);
        let next = uid.checked_add(1).ok_or(Error::NoTaskUidLeft)?;
        let mut task = Task::new(new.index_uid, operation, new.details);
        task.uid = TaskId(uid);
        let mut batch = sled::Batch::default();
        batch.insert(&task_key(task.uid), serde_json::to_vec(&task)?);
        batch.insert(&marker_key(task.uid), Marker::of(&task, bytes).encode());
        batch.insert(NEXT_TASK, &next.to_be_bytes());
        inner.queue.apply_batch(batch)?;
        Ok(task)
    }

    /// Registers a `taskCancelation` of the tasks `filter` matches now.
    pub async fn register_cancelation(
        &self,
        filter: &TaskFilter,
        original_filter: String,
    ) -> Result<Task, Error> {
        let tasks = self.matching_uids(filter)?;
        let details = Details::TaskCancelation {
            matched_tasks: tasks.len() as u64,
            canceled_tasks: None,
            original_filter,
        };
        self.register(NewTask {
            index_uid: None,
            operation: Operation::TaskCancelation { tasks },
            details: Some(details),
            payload: None,
        })
        .await
    }

    /// Registers a `taskDeletion` of the tasks `filter` matches now.
    pub async fn register_deletion(
        &self,
        filter: &TaskFilter,
        original_filter: String,
    ) -> Result<Task, Error> {
        let tasks = self.matching_uids(filter)?;
        let details = Details::TaskDeletion {
            matched_tasks: tasks.len() as u64,
            deleted_tasks: None,
            original_filter,
        };
        self.register(NewTask {
            index_uid: None,
            operation: Operation::TaskDeletion { tasks },
            details: Some(details),
            payload: None,
        })
        .await
    }
}
