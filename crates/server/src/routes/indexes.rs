//! Indexes, their stats, and swaps (settings: [`super::settings`]).

use std::collections::BTreeMap;

use hyper::StatusCode;
use serde_json::{json, Value};
use task_model::{Code, Details, IndexSwap, IndexUid, Operation};

use super::{blocking, enqueue, index_uid, task_params};
use crate::http::json_response;
use crate::params::{object, opt_string, wrong_type};
use crate::router::{Reply, Req};
use crate::Error;

/// The body fields of `POST /indexes`, `PATCH /indexes/{uid}` and of each
/// swap of `POST /swap-indexes`.
pub(crate) const CREATE_FIELDS: &[&str] = &["uid", "primaryKey"];
pub(crate) const UPDATE_FIELDS: &[&str] = &["primaryKey", "uid"];
pub(crate) const SWAP_FIELDS: &[&str] = &["indexes", "rename"];

pub(crate) async fn list(req: Req) -> Reply {
    req.query.deny_unknown(crate::params::PAGE_PARAMS)?;
    let offset = req.query.positive::<usize>("offset", Code::InvalidIndexOffset)?.unwrap_or(0);
    let limit = req.query.positive::<usize>("limit", Code::InvalidIndexLimit)?.unwrap_or(20);
    let mut metas = req.state.store.indexes()?;
    metas.retain(|m| req.access.allows_index(m.uid.as_str()));
    let results: Vec<Value> = metas.iter().skip(offset).take(limit).map(|m| m.view()).collect();
    let body = json!({"results": results, "offset": offset, "limit": limit, "total": metas.len()});
    Ok(json_response(StatusCode::OK, &body))
}

pub(crate) async fn create(mut req: Req) -> Reply {
    task_params(&req, &[])?;
    let body = object(req.json().await?, CREATE_FIELDS)?;
    let uid = match body.get("uid") {
        None => return Err(Error::new(Code::MissingIndexUid, "Missing field `uid`")),
        Some(Value::String(s)) => s
            .parse::<IndexUid>()
            .map_err(|e| Error::new(Code::InvalidIndexUid, format!("Invalid value at `.uid`: {e}")))?,
        Some(other) => return Err(wrong_type(".uid", "a string", other, Code::InvalidIndexUid)),
    };
    if !req.access.may(auth::Action::IndexesCreate, uid.as_str()) {
        return Err(auth::Error::InvalidApiKey.into());
    }
    let primary_key = opt_string(&body, "primaryKey", Code::InvalidIndexPrimaryKey)?;
    let details = Details::IndexInfo { primary_key: primary_key.clone() };
    enqueue(&req, Some(uid), Operation::IndexCreation { primary_key }, details, None).await
}

pub(crate) async fn get(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    Ok(json_response(StatusCode::OK, &req.state.store.index(&uid)?.view()))
}

pub(crate) async fn update(mut req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let uid = index_uid(uid)?;
    let body = object(req.json().await?, UPDATE_FIELDS)?;
    let primary_key = opt_string(&body, "primaryKey", Code::InvalidIndexPrimaryKey)?;
    let new_uid = opt_string(&body, "uid", Code::InvalidIndexUid)?.map(|raw| index_uid(&raw)).transpose()?;
    let details = match &new_uid {
        None => Details::IndexInfo { primary_key: primary_key.clone() },
        Some(new) => {
            if !req.access.allows_index(new.as_str()) {
                return Err(auth::Error::InvalidApiKey.into());
            }
            Details::IndexRename {
                primary_key: primary_key.clone(),
                old_index_uid: uid.clone(),
                new_index_uid: new.clone(),
            }
        }
    };
    enqueue(&req, Some(uid), Operation::IndexUpdate { primary_key, new_uid }, details, None).await
}

pub(crate) async fn delete(req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let uid = index_uid(uid)?;
    enqueue(&req, Some(uid), Operation::IndexDeletion, Details::IndexDeletion { deleted_documents: None }, None).await
}

/// `POST /indexes/{uid}/compact`: an `indexCompaction` task. A body, if
/// any, is not read (Meilisearch takes none).
pub(crate) async fn compact(req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let uid = index_uid(uid)?;
    let details = Details::IndexCompaction { pre_compaction_size: None, post_compaction_size: None };
    enqueue(&req, Some(uid), Operation::IndexCompaction, details, None).await
}

pub(crate) async fn stats(req: Req, uid: &str) -> Reply {
    let options = super::meta::StatsOptions::of(&req.query)?;
    let uid = index_uid(uid)?;
    let body = blocking(move || super::meta::index_stats(&req.state, &uid, options)).await?;
    Ok(json_response(StatusCode::OK, &body))
}

pub(crate) async fn swap(mut req: Req) -> Reply {
    task_params(&req, &[])?;
    let body = req.json().await?;
    let Value::Array(items) = body else {
        return Err(wrong_type("", "an array", &body, Code::InvalidSwapIndexes));
    };
    let mut swaps = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, item) in items.into_iter().enumerate() {
        let item = object(item, SWAP_FIELDS)?;
        let rename = match item.get("rename") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(wrong_type(&format!("[{i}].rename"), "a boolean", other, Code::InvalidSwapRename))
            }
        };
        let list = match item.get("indexes") {
            None => {
                return Err(Error::new(Code::MissingSwapIndexes, format!("Missing field `indexes` inside `[{i}]`")))
            }
            Some(Value::Array(list)) => list,
            Some(other) => {
                return Err(wrong_type(&format!("[{i}].indexes"), "an array", other, Code::InvalidSwapIndexes))
            }
        };
        let names: Vec<String> =
            list.iter().map(|v| v.as_str().map(String::from).unwrap_or_else(|| v.to_string())).collect();
        if names.len() != 2 {
            let shown = Value::from(names.clone()).to_string();
            return Err(Error::new(
                Code::InvalidSwapIndexes,
                format!(
                    "Two indexes must be given for each swap. The list `{shown}` contains {} indexes.",
                    names.len()
                ),
            ));
        }
        let a = index_uid(&names[0])?;
        let b = index_uid(&names[1])?;
        if !req.access.allows_index(a.as_str()) || !req.access.allows_index(b.as_str()) {
            return Err(auth::Error::InvalidApiKey.into());
        }
        for n in &names {
            *seen.entry(n.clone()).or_default() += 1;
        }
        swaps.push(IndexSwap { indexes: (a, b), rename });
    }
    let dups: Vec<String> = seen.into_iter().filter(|(_, n)| *n > 1).map(|(k, _)| format!("`{k}`")).collect();
    if !dups.is_empty() {
        let verb = if dups.len() == 1 { "was" } else { "were" };
        return Err(Error::new(
            Code::InvalidSwapDuplicateIndexFound,
            format!(
                "Indexes must be declared only once during a swap. {} {verb} specified several times.",
                dups.join(", ")
            ),
        ));
    }
    let details = Details::IndexSwap { swaps: swaps.clone() };
    enqueue(&req, None, Operation::IndexSwap { swaps }, details, None).await
}
