//! Handlers, one module per resource.

pub(crate) mod documents;
pub(crate) mod indexes;
pub(crate) mod meta;
pub(crate) mod tasks;
pub(crate) mod webhooks;

use scheduler::NewTask;
use task_model::{Code, Details, IndexUid, Operation};

use crate::router::{accepted, Reply, Req};
use crate::Error;

/// Registers a task (durably) and answers `202` with its summary.
pub(crate) async fn enqueue(
    req: &Req,
    index_uid: Option<IndexUid>,
    operation: Operation,
    details: Details,
    payload: Option<Vec<u8>>,
) -> Reply {
    let new = NewTask { index_uid, operation, details: Some(details), payload };
    accepted(&req.state.scheduler.register(new).await?)
}

/// An index uid from the path.
pub(crate) fn index_uid(raw: &str) -> Result<IndexUid, Error> {
    raw.parse().map_err(|e: task_model::IndexUidError| Error::new(Code::InvalidIndexUid, e.to_string()))
}

/// Runs blocking store or queue reads off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::new(Code::Internal, format!("a worker thread failed: {e}")))?
}
