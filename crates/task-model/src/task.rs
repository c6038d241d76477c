//! A task as stored, and its two public faces: the full task of
//! `GET /tasks/{uid}` ([`TaskView`]) and the summarized task of a `202`.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{iso8601_duration, BatchId, Details, IndexUid, Kind, ResponseError, Status, TaskId};

/// RFC 3339 with serde, as Meilisearch prints dates (`2022-08-04T12:28:15.159167Z`).
pub mod rfc3339 {
    pub use time::serde::rfc3339::*;

    /// Formats a date for JSON and headers.
    pub fn format(date: time::OffsetDateTime) -> String {
        date.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| date.to_string())
    }
}

/// The current time, as every timestamp of meili-lite is taken.
///
/// RFC 3339 drops the fraction when it is zero, and the official Python client
/// cannot parse a date without one (`%S.%fZ`), so a whole second is nudged by
/// one nanosecond.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    if t.nanosecond() == 0 {
        t + time::Duration::NANOSECOND
    } else {
        t
    }
}

/// Where a document payload waits on disk until its task finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentId(pub u64);

/// `POST` replaces documents, `PUT` merges into them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    Replace,
    Update,
}

/// One pair of an `indexSwap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSwap {
    pub indexes: (IndexUid, IndexUid),
    /// `true`: the first index takes the second's name, which must be free.
    #[serde(default)]
    pub rename: bool,
}

/// What a task will do, with everything needed to do it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Operation {
    DocumentAdditionOrUpdate {
        method: Method,
        primary_key: Option<String>,
        content: ContentId,
        /// `skipCreation`: update documents that exist, add none.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        skip_creation: bool,
        /// False when the API key that asked may not create the index: a
        /// missing index then fails the task, as in Meilisearch.
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        allow_index_creation: bool,
    },
    DocumentDeletion {
        ids: Vec<String>,
    },
    /// Deletes the documents a filter (Meilisearch's, as sent) selects when
    /// the task runs.
    DocumentDeletionByFilter {
        filter: Value,
    },
    DocumentClear,
    SettingsUpdate {
        settings: Map<String, Value>,
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        allow_index_creation: bool,
    },
    IndexCreation {
        primary_key: Option<String>,
    },
    IndexUpdate {
        primary_key: Option<String>,
        /// `PATCH /indexes/{uid}` with a new `uid`: a rename.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_uid: Option<IndexUid>,
    },
    IndexDeletion,
    /// Makes the index's structures as small as they can be.
    IndexCompaction,
    /// Writes a dump of the whole instance (Meilisearch's format).
    DumpCreation,
    /// Copies the whole database (meili-lite's own format).
    SnapshotCreation,
    IndexSwap {
        swaps: Vec<IndexSwap>,
    },
    TaskCancelation {
        tasks: Vec<TaskId>,
    },
    TaskDeletion {
        tasks: Vec<TaskId>,
    },
    /// Applies what was staged for the index before this task was enqueued:
    /// every staged operation numbered below `upto`.
    IndexDeploy {
        upto: u64,
    },
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

impl Operation {
    pub fn kind(&self) -> Kind {
        match self {
            Operation::DocumentAdditionOrUpdate { .. } => Kind::DocumentAdditionOrUpdate,
            Operation::DocumentDeletion { .. }
            | Operation::DocumentDeletionByFilter { .. }
            | Operation::DocumentClear => Kind::DocumentDeletion,
            Operation::SettingsUpdate { .. } => Kind::SettingsUpdate,
            Operation::IndexCreation { .. } => Kind::IndexCreation,
            Operation::IndexUpdate { .. } => Kind::IndexUpdate,
            Operation::IndexDeletion => Kind::IndexDeletion,
            Operation::IndexCompaction => Kind::IndexCompaction,
            Operation::DumpCreation => Kind::DumpCreation,
            Operation::SnapshotCreation => Kind::SnapshotCreation,
            Operation::IndexSwap { .. } => Kind::IndexSwap,
            Operation::TaskCancelation { .. } => Kind::TaskCancelation,
            Operation::TaskDeletion { .. } => Kind::TaskDeletion,
            Operation::IndexDeploy { .. } => Kind::IndexDeploy,
        }
    }

    /// The document payload this task keeps on disk, if any.
    pub fn content(&self) -> Option<ContentId> {
        match self {
            Operation::DocumentAdditionOrUpdate { content, .. } => Some(*content),
            _ => None,
        }
    }
}

/// What the caller attached to a task when enqueueing it, beyond what it does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// `?customMetadata=`: shown back on the task, and so in the webhook payload.
    pub custom_metadata: Option<String>,
    /// `?webhooks=`: webhooks that must hear of this task.
    pub webhooks: Vec<Uuid>,
}

/// A task as the queue stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub uid: TaskId,
    pub batch_uid: Option<BatchId>,
    pub index_uid: Option<IndexUid>,
    pub status: Status,
    pub operation: Operation,
    pub canceled_by: Option<TaskId>,
    pub details: Option<Details>,
    pub error: Option<ResponseError>,
    #[serde(with = "rfc3339")]
    pub enqueued_at: OffsetDateTime,
    #[serde(with = "rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// The caller's own string (`?customMetadata=`), shown back as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_metadata: Option<String>,
    /// Webhooks the caller named (`?webhooks=`): they hear of this task
    /// whatever their filters say. Not shown: the payload stays the task object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<Uuid>,
}

impl Task {
    /// A fresh task, not yet numbered meaningfully: the queue sets `uid`.
    pub fn new(index_uid: Option<IndexUid>, operation: Operation, details: Option<Details>) -> Self {
        Self {
            uid: TaskId(0),
            batch_uid: None,
            index_uid,
            status: Status::Enqueued,
            operation,
            canceled_by: None,
            details,
            error: None,
            enqueued_at: now(),
            started_at: None,
            finished_at: None,
            custom_metadata: None,
            webhooks: Vec::new(),
        }
    }

    pub fn kind(&self) -> Kind {
        self.operation.kind()
    }

    pub fn view(&self) -> TaskView<'_> {
        TaskView(self)
    }

    pub fn summarized(&self) -> SummarizedTask<'_> {
        SummarizedTask(self)
    }

    /// Time spent processing, once finished.
    pub fn duration(&self) -> Option<time::Duration> {
        Some(self.finished_at? - self.started_at?)
    }
}

/// The task exactly as `GET /tasks/{uid}` shows it, field order included.
#[derive(Debug, Clone, Copy)]
pub struct TaskView<'a>(pub &'a Task);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskViewRepr<'a> {
    uid: TaskId,
    batch_uid: Option<BatchId>,
    index_uid: Option<&'a IndexUid>,
    status: Status,
    #[serde(rename = "type")]
    kind: Kind,
    canceled_by: Option<TaskId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Value>,
    error: Option<&'a ResponseError>,
    duration: Option<String>,
    #[serde(with = "rfc3339")]
    enqueued_at: OffsetDateTime,
    #[serde(with = "rfc3339::option")]
    started_at: Option<OffsetDateTime>,
    #[serde(with = "rfc3339::option")]
    finished_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_metadata: Option<&'a str>,
}

impl Serialize for TaskView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        TaskViewRepr {
            uid: t.uid,
            batch_uid: t.batch_uid,
            index_uid: t.index_uid.as_ref(),
            status: t.status,
            kind: t.kind(),
            canceled_by: t.canceled_by,
            details: t.details.as_ref().map(Details::view),
            error: t.error.as_ref(),
            duration: t.duration().map(iso8601_duration),
            enqueued_at: t.enqueued_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
            custom_metadata: t.custom_metadata.as_deref(),
        }
        .serialize(s)
    }
}

/// The body of a `202 Accepted`: `taskUid`, `indexUid`, `status`, `type`, `enqueuedAt`.
#[derive(Debug, Clone, Copy)]
pub struct SummarizedTask<'a>(pub &'a Task);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummarizedRepr<'a> {
    task_uid: TaskId,
    index_uid: Option<&'a IndexUid>,
    status: Status,
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(with = "rfc3339")]
    enqueued_at: OffsetDateTime,
}

impl Serialize for SummarizedTask<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        SummarizedRepr {
            task_uid: t.uid,
            index_uid: t.index_uid.as_ref(),
            status: t.status,
            kind: t.kind(),
            enqueued_at: t.enqueued_at,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use time::macros::datetime;

    fn failed_deletion() -> Task {
        Task {
            uid: TaskId(4),
            batch_uid: Some(BatchId(2)),
            index_uid: Some("movie".parse().unwrap()),
            status: Status::Failed,
            operation: Operation::IndexDeletion,
            canceled_by: None,
            details: Some(Details::IndexDeletion { deleted_documents: Some(0) }),
            error: Some(ResponseError::new(Code::IndexNotFound, "Index `movie` not found.")),
            enqueued_at: datetime!(2022-08-04 12:28:15.159167 UTC),
            started_at: Some(datetime!(2022-08-04 12:28:15.161996 UTC)),
            finished_at: Some(datetime!(2022-08-04 12:28:15.163188 UTC)),
            custom_metadata: None,
            webhooks: Vec::new(),
        }
    }

    #[test]
    fn view_is_the_meilisearch_task_object() {
        let json = serde_json::to_string(&failed_deletion().view()).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"uid":4,"batchUid":2,"indexUid":"movie","status":"failed","type":"indexDeletion","canceledBy":null,"#,
                r#""details":{"deletedDocuments":0},"error":{"message":"Index `movie` not found.","code":"index_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#index_not_found"},"#,
                r#""duration":"PT0.001192S","enqueuedAt":"2022-08-04T12:28:15.159167Z","startedAt":"2022-08-04T12:28:15.161996Z","finishedAt":"2022-08-04T12:28:15.163188Z"}"#
            )
        );
    }

    #[test]
    fn summarized_task_has_the_202_fields() {
        let mut t = failed_deletion();
        t.status = Status::Enqueued;
        let v = serde_json::to_value(t.summarized()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"taskUid":4,"indexUid":"movie","status":"enqueued","type":"indexDeletion","enqueuedAt":"2022-08-04T12:28:15.159167Z"})
        );
    }

    #[test]
    fn custom_metadata_is_shown_last_and_only_when_given() {
        let mut t = failed_deletion();
        t.custom_metadata = Some("job-42".into());
        t.webhooks = vec![Uuid::nil()];
        let json = serde_json::to_string(&t.view()).unwrap();
        assert!(json.ends_with(r#""finishedAt":"2022-08-04T12:28:15.163188Z","customMetadata":"job-42"}"#), "{json}");
        assert!(!json.contains("webhooks"), "targeting stays out of the task object");
    }

    #[test]
    fn storage_round_trips() {
        let mut t = failed_deletion();
        t.custom_metadata = Some("m".into());
        t.webhooks = vec![Uuid::nil()];
        let back: Task = serde_json::from_slice(&serde_json::to_vec(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }
}
