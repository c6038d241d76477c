//! A batch: the tasks the scheduler processed together, and its summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::{iso8601_duration, rfc3339, BatchId, Kind, Status, Task, TaskId};

/// Counts by status, type and index, as `stats` shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchStats {
    pub total_nb_tasks: u32,
    pub status: BTreeMap<Status, u32>,
    pub types: BTreeMap<Kind, u32>,
    pub index_uids: BTreeMap<String, u32>,
    /// How long each step took (`"processing tasks": "1.20ms"`), as
    /// Meilisearch's `progressTrace`; empty while the batch runs.
    #[serde(default)]
    pub progress_trace: BTreeMap<String, String>,
}

/// A batch as stored. Shown through [`Batch::view`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub uid: BatchId,
    pub task_uids: Vec<TaskId>,
    pub details: Map<String, Value>,
    pub stats: BatchStats,
    #[serde(with = "rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Why the batch stopped growing, in words (Meilisearch's `batchStrategy`).
    pub batch_strategy: String,
}

impl Batch {
    /// Summarizes `tasks` (in their current state) as batch `uid`.
    pub fn summarize(uid: BatchId, tasks: &[Task], started_at: OffsetDateTime, strategy: String) -> Self {
        let mut batch = Batch {
            uid,
            task_uids: tasks.iter().map(|t| t.uid).collect(),
            details: Map::new(),
            stats: BatchStats::default(),
            started_at,
            finished_at: None,
            batch_strategy: strategy,
        };
        batch.refresh(tasks);
        batch
    }

    /// Recomputes stats and details from the tasks' current state.
    pub fn refresh(&mut self, tasks: &[Task]) {
        let progress_trace = std::mem::take(&mut self.stats.progress_trace);
        let mut stats = BatchStats { total_nb_tasks: tasks.len() as u32, progress_trace, ..Default::default() };
        let mut details = Map::new();
        for task in tasks {
            *stats.status.entry(task.status).or_default() += 1;
            *stats.types.entry(task.kind()).or_default() += 1;
            if let Some(index) = &task.index_uid {
                *stats.index_uids.entry(index.to_string()).or_default() += 1;
            }
            if let Some(Value::Object(d)) = task.details.as_ref().map(|d| d.view()) {
                merge_details(&mut details, d);
            }
        }
        self.stats = stats;
        self.details = details;
    }

    /// The batch exactly as `GET /batches/{uid}` shows it.
    pub fn view(&self) -> Value {
        let duration = self.finished_at.map(|f| iso8601_duration(f - self.started_at));
        // A running batch reports one step; meili-lite does not count
        // progress within it.
        let progress = self.finished_at.is_none().then(
            || json!({"steps": [{"currentStep": "processing tasks", "finished": 0, "total": 1}], "percentage": 0.0}),
        );
        json!({
            "uid": self.uid,
            "progress": progress,
            "details": self.details,
            "stats": self.stats,
            "duration": duration,
            "startedAt": rfc3339::format(self.started_at),
            "finishedAt": self.finished_at.map(rfc3339::format),
            "batchStrategy": self.batch_strategy,
        })
    }
}

/// Numbers add up across the batch's tasks; anything else keeps the first value
/// seen; nulls are dropped, as Meilisearch shows batch details.
fn merge_details(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from.into_iter().filter(|(_, v)| !v.is_null()) {
        match (into.get_mut(&key), &value) {
            (None, _) => {
                into.insert(key, value);
            }
            (Some(Value::Number(a)), Value::Number(b)) => {
                if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
                    *a = (x + y).into();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContentId, Details, Method, Operation};

    fn addition(uid: u32, received: u64, status: Status) -> Task {
        let mut t = Task::new(
            Some("movies".parse().unwrap()),
            Operation::DocumentAdditionOrUpdate {
                method: Method::Replace,
                primary_key: None,
                content: ContentId(uid as u64),
                skip_creation: false,
                allow_index_creation: true,
            },
            Some(Details::DocumentAdditionOrUpdate { received_documents: received, indexed_documents: Some(received) }),
        );
        t.uid = TaskId(uid);
        t.status = status;
        t
    }

    #[test]
    fn summarize_counts_and_sums_details() {
        let tasks = [addition(1, 2, Status::Succeeded), addition(2, 3, Status::Failed)];
        let now = OffsetDateTime::now_utc();
        let b = Batch::summarize(BatchId(7), &tasks, now, "batched all enqueued tasks".into());
        let v = b.view();
        assert_eq!(v["details"], json!({"receivedDocuments": 5, "indexedDocuments": 5}));
        assert_eq!(v["stats"]["totalNbTasks"], 2);
        assert_eq!(v["stats"]["status"], json!({"succeeded": 1, "failed": 1}));
        assert_eq!(v["stats"]["types"], json!({"documentAdditionOrUpdate": 2}));
        assert_eq!(v["stats"]["indexUids"], json!({"movies": 2}));
        assert_eq!(v["duration"], Value::Null);
        assert_eq!(b.task_uids, [TaskId(1), TaskId(2)]);
    }
}
