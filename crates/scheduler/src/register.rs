//! Registering tasks: durable before the caller hears back.

use task_model::{Annotations, Details, IndexUid, Operation, Task, TaskFilter};

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
    pub annotations: Annotations,
}

impl NewTask {
    /// A task on the whole instance, with nothing to carry (a snapshot).
    pub fn instance(operation: Operation, annotations: Annotations) -> Self {
        NewTask { index_uid: None, operation, details: None, payload: None, annotations }
    }
}

impl Scheduler {
    /// Writes the task (and its payload) and returns once both are on disk.
    /// Concurrent calls share one write and one fsync.
    pub async fn register(&self, new: NewTask) -> Result<Task, Error> {
        let task = self.inner.commit.register(new).await.map_err(|_| Error::ShuttingDown)??;
        self.inner.wake();
        Ok(task)
    }

    /// Registers a `taskCancelation` of the tasks `filter` matches now.
    pub async fn register_cancelation(
        &self,
        filter: &TaskFilter,
        original_filter: String,
        annotations: Annotations,
    ) -> Result<Task, Error> {
        let tasks = self.matching_uids(filter)?;
        let details =
            Details::TaskCancelation { matched_tasks: tasks.len() as u64, canceled_tasks: None, original_filter };
        self.register_queue_task(Operation::TaskCancelation { tasks }, details, annotations).await
    }

    /// Registers a `taskDeletion` of the tasks `filter` matches now.
    pub async fn register_deletion(
        &self,
        filter: &TaskFilter,
        original_filter: String,
        annotations: Annotations,
    ) -> Result<Task, Error> {
        let tasks = self.matching_uids(filter)?;
        let details = Details::TaskDeletion { matched_tasks: tasks.len() as u64, deleted_tasks: None, original_filter };
        self.register_queue_task(Operation::TaskDeletion { tasks }, details, annotations).await
    }

    /// A task about the queue itself: no index, no payload.
    async fn register_queue_task(
        &self,
        operation: Operation,
        details: Details,
        annotations: Annotations,
    ) -> Result<Task, Error> {
        self.register(NewTask { index_uid: None, operation, details: Some(details), payload: None, annotations }).await
    }
}
