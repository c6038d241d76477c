//! Tasks and batches: read, cancel, delete.

use hyper::StatusCode;
use serde_json::Value;
use task_model::{BatchId, Code, TaskFilter, TaskId};

use super::{annotations, blocking, TASK_PARAMS};
use crate::http::json_response;
use crate::params::{task_filter, Query, FILTER_PARAMS};
use crate::router::{Reply, Req};
use crate::Error;

/// Paging of `/tasks` and `/batches`, beside the filters.
pub(crate) const PAGING_PARAMS: &[&str] = &["limit", "from", "reverse"];

struct Paging {
    limit: usize,
    from: Option<u32>,
    reverse: bool,
}

fn paging(q: &Query, limit_code: Code, from_code: Code) -> Result<Paging, Error> {
    q.deny_unknown(&[FILTER_PARAMS, PAGING_PARAMS].concat())?;
    Ok(Paging {
        limit: q.positive("limit", limit_code)?.unwrap_or(20),
        from: q.positive("from", from_code)?,
        reverse: q.boolean("reverse", Code::InvalidTaskReverse)?.unwrap_or(false),
    })
}

/// The query's filters, narrowed to what the key may see.
fn visible_filter(req: &Req) -> Result<TaskFilter, Error> {
    Ok(TaskFilter { authorized: req.access.index_patterns().map(<[_]>::to_vec), ..task_filter(&req.query)? })
}

pub(crate) async fn list(req: Req) -> Reply {
    let paging = paging(&req.query, Code::InvalidTaskLimit, Code::InvalidTaskFrom)?;
    let filter = visible_filter(&req)?;
    let scheduler = req.state.scheduler.clone();
    let page = blocking(move || {
        let page = scheduler.tasks(&filter, paging.from.map(TaskId), paging.limit, paging.reverse)?;
        Ok(page.map(|t| serde_json::to_value(t.view()).unwrap_or(Value::Null)))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &page))
}

pub(crate) async fn get(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid: u32 = uid.parse().map_err(|_| {
        Error::new(
            Code::InvalidTaskUids,
            format!("Task uid `{uid}` is invalid. It should only contain numeric characters."),
        )
    })?;
    let task = req.state.scheduler.task(TaskId(uid))?;
    if !visible_filter(&req)?.matches(&task) {
        return Err(scheduler::Error::TaskNotFound(TaskId(uid)).into());
    }
    Ok(json_response(StatusCode::OK, &task.view()))
}

/// Cancel and delete refuse to run without a filter, as Meilisearch does.
/// The original filter is the query less the task's own annotations.
fn required_filter(req: &Req, verb: &str) -> Result<(TaskFilter, String), Error> {
    req.query.deny_unknown(&[FILTER_PARAMS, TASK_PARAMS].concat())?;
    if !req.query.has_any(FILTER_PARAMS) {
        return Err(Error::new(
            Code::MissingTaskFilters,
            format!(
                "Query parameters to filter the tasks to {verb} are missing. Available query parameters are: {}.",
                FILTER_PARAMS
                    .iter()
                    .filter(|p| **p != "batchUids")
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok((visible_filter(req)?, format!("?{}", req.query.raw_without(TASK_PARAMS))))
}

pub(crate) async fn cancel(req: Req) -> Reply {
    let (filter, original) = required_filter(&req, "cancel")?;
    let task = req.state.scheduler.register_cancelation(&filter, original, annotations(&req)?).await?;
    Ok(json_response(StatusCode::OK, &task.summarized()))
}

pub(crate) async fn delete(req: Req) -> Reply {
    let (filter, original) = required_filter(&req, "delete")?;
    let task = req.state.scheduler.register_deletion(&filter, original, annotations(&req)?).await?;
    Ok(json_response(StatusCode::OK, &task.summarized()))
}

pub(crate) async fn list_batches(req: Req) -> Reply {
    let paging = paging(&req.query, Code::InvalidBatchLimit, Code::InvalidBatchFrom)?;
    let filter = visible_filter(&req)?;
    let scheduler = req.state.scheduler.clone();
    let page = blocking(move || {
        let page = scheduler.batches(&filter, paging.from.map(BatchId), paging.limit, paging.reverse)?;
        Ok(page.map(|b| b.view()))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &page))
}

pub(crate) async fn get_batch(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid: u32 = uid.parse().map_err(|_| {
        Error::new(
            Code::InvalidBatchUids,
            format!("Batch uid `{uid}` is invalid. It should only contain numeric characters."),
        )
    })?;
    let batch = req.state.scheduler.batch(BatchId(uid))?;
    if !visible_filter(&req)?.matches_batch(&batch) {
        return Err(scheduler::Error::BatchNotFound(BatchId(uid)).into());
    }
    Ok(json_response(StatusCode::OK, &batch.view()))
}
