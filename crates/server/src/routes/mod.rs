//! Handlers, one module per resource.

pub(crate) mod dashboard;
pub(crate) mod documents;
pub(crate) mod fields;
pub(crate) mod indexes;
pub(crate) mod keys;
pub(crate) mod logs;
pub(crate) mod meta;
pub(crate) mod search;
pub(crate) mod settings;
pub(crate) mod staging;
pub(crate) mod tasks;
pub(crate) mod webhooks;

use scheduler::NewTask;
use task_model::{Annotations, Code, Details, IndexUid, Operation};

use crate::router::{accepted, Reply, Req};
use crate::Error;

/// Query parameters every task-creating route takes besides its own.
pub(crate) const TASK_PARAMS: &[&str] = &["customMetadata", "webhooks"];

/// Refuses parameters other than the route's own and [`TASK_PARAMS`].
pub(crate) fn task_params(req: &Req, own: &[&str]) -> Result<(), Error> {
    req.query.deny_unknown(&[own, TASK_PARAMS].concat())
}

/// `?customMetadata=` and `?webhooks=` of a task-creating request. Every named
/// webhook must exist now: a deleted one is `webhook_not_found`, and nothing
/// is enqueued.
pub(crate) fn annotations(req: &Req) -> Result<Annotations, Error> {
    let mut webhooks = Vec::new();
    for raw in req.query.get("webhooks").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let uuid = req.state.webhooks.get(raw)?.uuid;
        if !webhooks.contains(&uuid) {
            webhooks.push(uuid);
        }
    }
    Ok(Annotations { custom_metadata: req.query.get("customMetadata").map(str::to_owned), webhooks })
}

/// Registers a task (durably) and answers `202` with its summary.
pub(crate) async fn enqueue(
    req: &Req,
    index_uid: Option<IndexUid>,
    operation: Operation,
    details: Details,
    payload: Option<Vec<u8>>,
) -> Reply {
    let annotations = annotations(req)?;
    let new = NewTask { index_uid, operation, details: Some(details), payload, annotations };
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
