//! Staged ingestion: stage a snapshot or upserts and removals, look at what
//! is pending, discard it, or deploy it with an `indexDeploy` task.
//!
//! Staging answers `200` once the operation is on disk; nothing reaches the
//! live index before a deploy.

use hyper::StatusCode;
use serde_json::Value;
use task_model::{Code, Details, IndexUid, Operation};

use super::documents::payload_format;
use super::{blocking, enqueue, index_uid, task_params};
use crate::http::{empty, json_response, require_content_type};
use crate::params::{object, wrong_type};
use crate::router::{Reply, Req};
use documents::{parse_payload, PayloadFormat};

/// What is pending for the index, as `GET /indexes/{uid}/staging` shows it.
fn summary(req: &Req, uid: &IndexUid) -> Reply {
    Ok(json_response(StatusCode::OK, &req.state.store.staging_summary(uid)?))
}

/// The parameters of a staged snapshot, and the body fields of a notify.
pub(crate) const SNAPSHOT_PARAMS: &[&str] = &["primaryKey", "csvDelimiter"];
pub(crate) const NOTIFY_FIELDS: &[&str] = &["upsert", "remove"];

/// `POST /indexes/{uid}/staging/snapshot`: a full replacement, as JSON, NDJSON or CSV.
pub(crate) async fn snapshot(mut req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(SNAPSHOT_PARAMS)?;
    let uid = index_uid(uid)?;
    let format = payload_format(&req)?;
    let primary_key = req.query.get("primaryKey").map(String::from);
    let body = req.body().await?;
    let (store, at) = (req.state.store.clone(), uid.clone());
    blocking(move || {
        let parsed = parse_payload(format, &body)?;
        Ok(store.stage_snapshot(&at, primary_key.as_deref(), &parsed)?)
    })
    .await?;
    summary(&req, &uid)
}

/// `POST /indexes/{uid}/staging/notify`: `{"upsert": [documents], "remove": [ids]}`.
pub(crate) async fn notify(mut req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&["primaryKey"])?;
    let uid = index_uid(uid)?;
    require_content_type(&req.headers, &["application/json"])?;
    let mut body = object(req.json().await?, NOTIFY_FIELDS)?;
    let upserts = match body.remove("upsert") {
        None | Some(Value::Null) => None,
        Some(Value::Array(docs)) => {
            if let Some((i, bad)) = docs.iter().enumerate().find(|(_, d)| !d.is_object()) {
                return Err(wrong_type(&format!(".upsert[{i}]"), "an object", bad, Code::InvalidStagingUpsert));
            }
            Some(Value::Array(docs))
        }
        Some(other) => return Err(wrong_type(".upsert", "an array", &other, Code::InvalidStagingUpsert)),
    };
    let removals = match body.remove("remove") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => {
            if let Some((i, bad)) =
                ids.iter().enumerate().find(|(_, id)| !(id.is_string() || id.is_i64() || id.is_u64()))
            {
                return Err(wrong_type(
                    &format!(".remove[{i}]"),
                    "a string or an integer",
                    bad,
                    Code::InvalidStagingRemove,
                ));
            }
            ids
        }
        Some(other) => return Err(wrong_type(".remove", "an array", &other, Code::InvalidStagingRemove)),
    };
    let primary_key = req.query.get("primaryKey").map(String::from);
    let (store, at) = (req.state.store.clone(), uid.clone());
    blocking(move || {
        let parsed = upserts.map(|docs| parse_payload(PayloadFormat::Json, docs.to_string().as_bytes())).transpose()?;
        Ok(store.stage_notify(&at, primary_key.as_deref(), parsed.as_ref(), &removals)?)
    })
    .await?;
    summary(&req, &uid)
}

/// `GET /indexes/{uid}/staging`.
pub(crate) async fn get(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    summary(&req, &uid)
}

/// `DELETE /indexes/{uid}/staging`: forget everything staged.
pub(crate) async fn discard(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    let store = req.state.store.clone();
    blocking(move || Ok(store.discard_staged(&uid)?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /indexes/{uid}/deploy`: an `indexDeploy` task for what is staged now.
pub(crate) async fn deploy(req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let uid = index_uid(uid)?;
    // A sled id can mean a write: off the async workers, like every write.
    let store = req.state.store.clone();
    let upto = blocking(move || Ok(store.staging_mark()?)).await?;
    let details = Details::IndexDeploy { upserted_documents: None, removed_documents: None, replaced_all: None };
    enqueue(&req, Some(uid), Operation::IndexDeploy { upto }, details, None).await
}
