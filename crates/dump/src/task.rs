//! Tasks as a dump holds them (`tasks/queue.jsonl`): Meilisearch's own
//! storage shapes, not its HTTP ones. `type` is `documentImport`, `settings`,
//! `tasksDeletion`, ... with snake_case fields; `details` are tagged in
//! PascalCase; cancelation and deletion tasks carry their task lists as
//! roaring bitmaps; absent fields are left out rather than `null`.

use roaring::RoaringBitmap;
use serde_json::{json, Map, Value};
use task_model::{BatchId, Code, Details, IndexSwap, IndexUid, Method, Operation, ResponseError, Status, Task, TaskId};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::Error;

/// A task's line in `tasks/queue.jsonl`, or `None` for a task Meilisearch
/// has no kind for (meili-lite's `indexDeploy`), which a dump leaves out.
pub fn to_dump(task: &Task) -> Option<Value> {
    let mut line = Map::new();
    line.insert("uid".into(), json!(task.uid.0));
    line.insert("batchUid".into(), json!(task.batch_uid.map(|b| b.0)));
    line.insert("indexUid".into(), json!(task.index_uid));
    line.insert("status".into(), json!(task.status.as_str()));
    line.insert("type".into(), kind_to_dump(task)?);
    if let Some(by) = task.canceled_by {
        line.insert("canceledBy".into(), json!(by.0));
    }
    if let Some(details) = &task.details {
        line.insert("details".into(), details_to_dump(details, task)?);
    }
    if let Some(error) = &task.error {
        line.insert("error".into(), json!(error));
    }
    line.insert("enqueuedAt".into(), json!(date(task.enqueued_at)));
    for (key, at) in [("startedAt", task.started_at), ("finishedAt", task.finished_at)] {
        if let Some(at) = at {
            line.insert(key.into(), json!(date(at)));
        }
    }
    if let Some(meta) = &task.custom_metadata {
        line.insert("customMetadata".into(), json!(meta));
    }
    Some(Value::Object(line))
}

fn date(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn kind_to_dump(task: &Task) -> Option<Value> {
    let received = match &task.details {
        Some(Details::DocumentAdditionOrUpdate { received_documents, .. }) => *received_documents,
        _ => 0,
    };
    let tasks_of = |ids: &[TaskId]| -> Value { json!(bitmap(ids)) };
    let filter_of = || match &task.details {
        Some(Details::TaskCancelation { original_filter, .. } | Details::TaskDeletion { original_filter, .. }) => {
            original_filter.clone()
        }
        _ => String::new(),
    };
    Some(match &task.operation {
        Operation::DocumentAdditionOrUpdate { method, primary_key, allow_index_creation, .. } => {
            json!({"documentImport": {
                "primary_key": primary_key,
                "method": match method { Method::Replace => "ReplaceDocuments", Method::Update => "UpdateDocuments" },
                "documents_count": received,
                "allow_index_creation": allow_index_creation,
            }})
        }
        Operation::DocumentDeletion { ids } => json!({"documentDeletion": {"documents_ids": ids}}),
        Operation::DocumentDeletionByFilter { filter } => json!({"documentDeletionByFilter": {"filter": filter}}),
        Operation::DocumentClear => json!("documentClear"),
        Operation::SettingsUpdate { settings, allow_index_creation } => json!({"settings": {
            "settings": settings, "is_deletion": false, "allow_index_creation": allow_index_creation,
        }}),
        Operation::IndexCreation { primary_key } => json!({"indexCreation": {"primary_key": primary_key}}),
        Operation::IndexUpdate { primary_key, new_uid } => {
            json!({"indexUpdate": {"primary_key": primary_key, "uid": new_uid}})
        }
        Operation::IndexDeletion => json!("indexDeletion"),
        Operation::IndexCompaction => json!({"indexCompaction": {"index_uid": task.index_uid}}),
        Operation::IndexSwap { swaps } => json!({"indexSwap": {"swaps": swaps}}),
        Operation::TaskCancelation { tasks } => {
            json!({"taskCancelation": {"query": filter_of(), "tasks": tasks_of(tasks)}})
        }
        Operation::TaskDeletion { tasks } => json!({"tasksDeletion": {"query": filter_of(), "tasks": tasks_of(tasks)}}),
        Operation::DumpCreation => json!({"dumpCreation": {"keys": [], "instance_uid": null}}),
        Operation::SnapshotCreation => json!("snapshotCreation"),
        Operation::IndexDeploy { .. } => return None,
    })
}

fn details_to_dump(details: &Details, task: &Task) -> Option<Value> {
    Some(match details {
        Details::DocumentAdditionOrUpdate { received_documents, indexed_documents } => {
            json!({"DocumentAdditionOrUpdate": {
                "received_documents": received_documents, "indexed_documents": indexed_documents,
            }})
        }
        Details::DocumentDeletion { provided_ids, deleted_documents } => json!({"DocumentDeletion": {
            "provided_ids": provided_ids, "deleted_documents": deleted_documents,
        }}),
        Details::DocumentDeletionByFilter { original_filter, deleted_documents } => {
            json!({"DocumentDeletionByFilter": {
                "original_filter": original_filter, "deleted_documents": deleted_documents,
            }})
        }
        Details::ClearAll { deleted_documents } | Details::IndexDeletion { deleted_documents } => {
            json!({"ClearAll": {"deleted_documents": deleted_documents}})
        }
        Details::SettingsUpdate { settings } => json!({"SettingsUpdate": {"settings": settings}}),
        Details::IndexInfo { primary_key } => json!({"IndexInfo": {
            "primary_key": primary_key, "new_index_uid": null, "old_index_uid": null,
        }}),
        Details::IndexRename { primary_key, old_index_uid, new_index_uid } => json!({"IndexInfo": {
            "primary_key": primary_key, "new_index_uid": new_index_uid, "old_index_uid": old_index_uid,
        }}),
        Details::Dump { dump_uid } => json!({"Dump": {"dump_uid": dump_uid}}),
        Details::IndexCompaction { pre_compaction_size, post_compaction_size } => json!({"IndexCompaction": {
            "index_uid": task.index_uid,
            "pre_compaction_size": pre_compaction_size,
            "post_compaction_size": post_compaction_size,
        }}),
        Details::IndexSwap { swaps } => json!({"IndexSwap": {"swaps": swaps}}),
        Details::TaskCancelation { matched_tasks, canceled_tasks, original_filter } => json!({"TaskCancelation": {
            "matched_tasks": matched_tasks, "canceled_tasks": canceled_tasks, "original_filter": original_filter,
        }}),
        Details::TaskDeletion { matched_tasks, deleted_tasks, original_filter } => json!({"TaskDeletion": {
            "matched_tasks": matched_tasks, "deleted_tasks": deleted_tasks, "original_filter": original_filter,
        }}),
        Details::IndexDeploy { .. } => return None,
    })
}

/// Task uids as the bytes of a portable roaring bitmap, as Meilisearch
/// serializes its `RoaringBitmap`s into JSON.
fn bitmap(ids: &[TaskId]) -> Vec<u8> {
    let set: RoaringBitmap = ids.iter().map(|t| t.0).collect();
    let mut bytes = Vec::with_capacity(set.serialized_size());
    // Writing into a Vec cannot fail.
    let _ = set.serialize_into(&mut bytes);
    bytes
}

fn bitmap_ids(v: &Value) -> Result<Vec<TaskId>, Error> {
    let bytes: Vec<u8> = serde_json::from_value(v.clone()).map_err(Error::corrupted)?;
    let set = RoaringBitmap::deserialize_from(bytes.as_slice()).map_err(Error::corrupted)?;
    Ok(set.into_iter().map(TaskId).collect())
}

/// A task read back from a dump, or why it cannot be: a kind meili-lite has
/// no counterpart for (`documentEdition`, `export`, ...), named.
pub fn from_dump(line: &Value) -> Result<Result<Task, String>, Error> {
    let field = |key: &str| line.get(key).filter(|v| !v.is_null());
    let uid = field("uid").and_then(Value::as_u64).ok_or_else(|| Error::corrupted("a task without `uid`"))?;
    let index_uid: Option<IndexUid> = match field("indexUid").and_then(Value::as_str) {
        // A task of one of Meilisearch's hidden indexes (`.meili_dsr`).
        Some(raw) if raw.starts_with('.') => return Ok(Err(format!("a task of the hidden index `{raw}`"))),
        Some(raw) => Some(raw.parse().map_err(Error::corrupted)?),
        None => None,
    };
    let kind = field("type").ok_or_else(|| Error::corrupted(format!("task {uid} has no `type`")))?;
    let details = field("details");
    let operation = match operation_from_dump(kind)? {
        Ok(op) => op,
        Err(unknown) => return Ok(Err(unknown)),
    };
    let indexless = matches!(
        operation,
        Operation::IndexSwap { .. }
            | Operation::TaskCancelation { .. }
            | Operation::TaskDeletion { .. }
            | Operation::DumpCreation
            | Operation::SnapshotCreation
    );
    if !indexless && index_uid.is_none() {
        return Err(Error::corrupted(format!("task {uid} (`{}`) has no `indexUid`", operation.kind())));
    }
    let status: Status = field("status")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::corrupted(format!("task {uid} has no valid `status`")))?;
    let date = |key: &str| -> Result<Option<OffsetDateTime>, Error> {
        field(key)
            .and_then(Value::as_str)
            .map(|s| OffsetDateTime::parse(s, &Rfc3339).map_err(Error::corrupted))
            .transpose()
    };
    let mut task = Task::new(index_uid, operation, None);
    task.uid = TaskId(uid as u32);
    task.batch_uid = field("batchUid").and_then(Value::as_u64).map(|b| BatchId(b as u32));
    task.status = status;
    task.canceled_by = field("canceledBy").and_then(Value::as_u64).map(|t| TaskId(t as u32));
    task.error = field("error").map(error_from_dump);
    task.enqueued_at =
        date("enqueuedAt")?.ok_or_else(|| Error::corrupted(format!("task {uid} has no `enqueuedAt`")))?;
    task.started_at = date("startedAt")?;
    task.finished_at = date("finishedAt")?;
    task.custom_metadata = field("customMetadata").and_then(Value::as_str).map(str::to_owned);
    task.details = details.map(|d| details_from_dump(d, &task)).transpose()?;
    Ok(Ok(task))
}

/// Meilisearch's error object; a code meili-lite does not know becomes
/// `internal`, its message kept.
fn error_from_dump(v: &Value) -> ResponseError {
    serde_json::from_value(v.clone()).unwrap_or_else(|_| {
        let message = v.get("message").and_then(Value::as_str).unwrap_or("unknown error");
        ResponseError::new(Code::Internal, message)
    })
}

fn operation_from_dump(kind: &Value) -> Result<Result<Operation, String>, Error> {
    let (name, body) = match kind {
        Value::String(name) => (name.as_str(), Value::Null),
        Value::Object(map) if map.len() == 1 => {
            map.iter().next().map(|(k, v)| (k.as_str(), v.clone())).unwrap_or(("", Value::Null))
        }
        other => return Err(Error::corrupted(format!("a task `type` of an unknown shape: {other}"))),
    };
    let get = |key: &str| body.get(key).filter(|v| !v.is_null());
    let string = |key: &str| get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(Ok(match name {
        "documentImport" => Operation::DocumentAdditionOrUpdate {
            method: if string("method").as_deref() == Some("UpdateDocuments") {
                Method::Update
            } else {
                Method::Replace
            },
            primary_key: string("primary_key"),
            content: task_model::ContentId(0),
            skip_creation: false,
            allow_index_creation: get("allow_index_creation").and_then(Value::as_bool).unwrap_or(true),
        },
        "documentDeletion" => Operation::DocumentDeletion {
            ids: serde_json::from_value(get("documents_ids").cloned().unwrap_or(json!([])))
                .map_err(Error::corrupted)?,
        },
        "documentDeletionByFilter" => {
            Operation::DocumentDeletionByFilter { filter: get("filter").cloned().unwrap_or(Value::Null) }
        }
        "documentClear" => Operation::DocumentClear,
        "settings" => Operation::SettingsUpdate {
            settings: get("settings").and_then(Value::as_object).cloned().unwrap_or_default(),
            allow_index_creation: get("allow_index_creation").and_then(Value::as_bool).unwrap_or(true),
        },
        "indexCreation" => Operation::IndexCreation { primary_key: string("primary_key") },
        "indexUpdate" => Operation::IndexUpdate {
            primary_key: string("primary_key"),
            new_uid: string("uid").map(|u| u.parse()).transpose().map_err(Error::corrupted)?,
        },
        "indexDeletion" => Operation::IndexDeletion,
        "indexCompaction" => Operation::IndexCompaction,
        "indexSwap" => Operation::IndexSwap {
            swaps: serde_json::from_value::<Vec<IndexSwap>>(get("swaps").cloned().unwrap_or(json!([])))
                .map_err(Error::corrupted)?,
        },
        "taskCancelation" => Operation::TaskCancelation { tasks: bitmap_ids(get("tasks").unwrap_or(&json!([])))? },
        "tasksDeletion" => Operation::TaskDeletion { tasks: bitmap_ids(get("tasks").unwrap_or(&json!([])))? },
        "dumpCreation" => Operation::DumpCreation,
        "snapshotCreation" => Operation::SnapshotCreation,
        other => return Ok(Err(format!("meili-lite has no `{other}` tasks"))),
    }))
}

fn details_from_dump(d: &Value, task: &Task) -> Result<Details, Error> {
    let Some((name, body)) = d.as_object().and_then(|m| m.iter().next()) else {
        return Err(Error::corrupted(format!("task {} has `details` of an unknown shape", task.uid)));
    };
    let n = |key: &str| body.get(key).and_then(Value::as_u64);
    let s = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let uid = |key: &str| -> Result<Option<IndexUid>, Error> {
        s(key).map(|u| u.parse().map_err(Error::corrupted)).transpose()
    };
    Ok(match name.as_str() {
        "DocumentAdditionOrUpdate" => Details::DocumentAdditionOrUpdate {
            received_documents: n("received_documents").unwrap_or(0),
            indexed_documents: n("indexed_documents"),
        },
        "DocumentDeletion" => Details::DocumentDeletion {
            provided_ids: n("provided_ids").unwrap_or(0),
            deleted_documents: n("deleted_documents"),
        },
        "DocumentDeletionByFilter" => Details::DocumentDeletionByFilter {
            original_filter: s("original_filter").unwrap_or_default(),
            deleted_documents: n("deleted_documents"),
        },
        "ClearAll" if matches!(task.operation, Operation::IndexDeletion) => {
            Details::IndexDeletion { deleted_documents: n("deleted_documents") }
        }
        "ClearAll" => Details::ClearAll { deleted_documents: n("deleted_documents") },
        "SettingsUpdate" => Details::SettingsUpdate {
            settings: body.get("settings").and_then(Value::as_object).cloned().unwrap_or_default(),
        },
        "IndexInfo" => match (uid("old_index_uid")?, uid("new_index_uid")?) {
            (Some(old_index_uid), Some(new_index_uid)) => {
                Details::IndexRename { primary_key: s("primary_key"), old_index_uid, new_index_uid }
            }
            _ => Details::IndexInfo { primary_key: s("primary_key") },
        },
        "Dump" => Details::Dump { dump_uid: s("dump_uid") },
        "IndexCompaction" => Details::IndexCompaction {
            pre_compaction_size: s("pre_compaction_size"),
            post_compaction_size: s("post_compaction_size"),
        },
        "IndexSwap" => Details::IndexSwap {
            swaps: serde_json::from_value(body.get("swaps").cloned().unwrap_or(json!([]))).map_err(Error::corrupted)?,
        },
        "TaskCancelation" => Details::TaskCancelation {
            matched_tasks: n("matched_tasks").unwrap_or(0),
            canceled_tasks: n("canceled_tasks"),
            original_filter: s("original_filter").unwrap_or_default(),
        },
        "TaskDeletion" => Details::TaskDeletion {
            matched_tasks: n("matched_tasks").unwrap_or(0),
            deleted_tasks: n("deleted_tasks"),
            original_filter: s("original_filter").unwrap_or_default(),
        },
        other => return Err(Error::corrupted(format!("task {} has `details` of unknown kind `{other}`", task.uid))),
    })
}
