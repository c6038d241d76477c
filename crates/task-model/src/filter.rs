//! Which tasks (or batches) a query selects: the filters of `GET /tasks`,
//! `POST /tasks/cancel`, `DELETE /tasks` and `GET /batches`.

use time::OffsetDateTime;

use crate::{Batch, BatchId, IndexPattern, IndexUid, Kind, Status, Task, TaskId};

/// Every field is optional; a present field must match. Lists match any of their
/// values; `before*` and `after*` are strict bounds, as in Meilisearch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub uids: Option<Vec<TaskId>>,
    pub batch_uids: Option<Vec<BatchId>>,
    pub index_uids: Option<Vec<IndexUid>>,
    pub types: Option<Vec<Kind>>,
    pub statuses: Option<Vec<Status>>,
    pub canceled_by: Option<Vec<TaskId>>,
    pub before_enqueued_at: Option<OffsetDateTime>,
    pub after_enqueued_at: Option<OffsetDateTime>,
    pub before_started_at: Option<OffsetDateTime>,
    pub after_started_at: Option<OffsetDateTime>,
    pub before_finished_at: Option<OffsetDateTime>,
    pub after_finished_at: Option<OffsetDateTime>,
    /// The indexes an API key may see; `None` for all. A key limited to some
    /// indexes sees no task that belongs to none (dumps, swaps), as in
    /// Meilisearch.
    pub authorized: Option<Vec<IndexPattern>>,
}

fn any_of<T: PartialEq>(wanted: &Option<Vec<T>>, actual: Option<&T>) -> bool {
    match wanted {
        None => true,
        Some(list) => actual.is_some_and(|a| list.contains(a)),
    }
}

fn any_in<'a, T: PartialEq + 'a>(wanted: &Option<Vec<T>>, mut have: impl Iterator<Item = &'a T>) -> bool {
    match wanted {
        None => true,
        Some(list) => have.any(|x| list.contains(x)),
    }
}

fn within(date: Option<OffsetDateTime>, before: Option<OffsetDateTime>, after: Option<OffsetDateTime>) -> bool {
    if before.is_none() && after.is_none() {
        return true;
    }
    date.is_some_and(|d| before.is_none_or(|b| d < b) && after.is_none_or(|a| d > a))
}

impl TaskFilter {
    /// True when no filter at all is set (cancel and delete refuse that).
    pub fn is_empty(&self) -> bool {
        *self == TaskFilter::default()
    }

    pub fn matches(&self, t: &Task) -> bool {
        self.authorizes(t.index_uid.iter().map(IndexUid::as_str))
            && any_of(&self.uids, Some(&t.uid))
            && any_of(&self.batch_uids, t.batch_uid.as_ref())
            && any_of(&self.index_uids, t.index_uid.as_ref())
            && any_of(&self.types, Some(&t.kind()))
            && any_of(&self.statuses, Some(&t.status))
            && any_of(&self.canceled_by, t.canceled_by.as_ref())
            && within(Some(t.enqueued_at), self.before_enqueued_at, self.after_enqueued_at)
            && within(t.started_at, self.before_started_at, self.after_started_at)
            && within(t.finished_at, self.before_finished_at, self.after_finished_at)
    }

    /// True when the key may see something touching one of `indexes`.
    fn authorizes<'a>(&self, mut indexes: impl Iterator<Item = &'a str>) -> bool {
        match &self.authorized {
            None => true,
            Some(patterns) => indexes.any(|i| patterns.iter().any(|p| p.matches(i))),
        }
    }

    /// The same filters read against a batch: `uids` are the uids of its tasks.
    pub fn matches_batch(&self, b: &Batch) -> bool {
        self.authorizes(b.stats.index_uids.keys().map(String::as_str))
            && any_of(&self.batch_uids, Some(&b.uid))
            && any_in(&self.uids, b.task_uids.iter())
            && any_in(&self.statuses, b.stats.status.keys())
            && any_in(&self.types, b.stats.types.keys())
            && match &self.index_uids {
                None => true,
                Some(list) => list.iter().any(|i| b.stats.index_uids.contains_key(i.as_str())),
            }
            && within(Some(b.started_at), self.before_started_at, self.after_started_at)
            && within(b.finished_at, self.before_finished_at, self.after_finished_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;
    use time::Duration;

    fn task(uid: u32, index: &str, status: Status) -> Task {
        let mut t = Task::new(Some(index.parse().unwrap()), Operation::IndexDeletion, None);
        t.uid = TaskId(uid);
        t.status = status;
        t
    }

    #[test]
    fn empty_filter_matches_everything() {
        assert!(TaskFilter::default().is_empty());
        assert!(TaskFilter::default().matches(&task(1, "a", Status::Enqueued)));
    }

    #[test]
    fn each_field_narrows() {
        let t = task(3, "movies", Status::Succeeded);
        let f = TaskFilter { statuses: Some(vec![Status::Failed, Status::Succeeded]), ..Default::default() };
        assert!(f.matches(&t));
        let f = TaskFilter { index_uids: Some(vec!["books".parse().unwrap()]), ..Default::default() };
        assert!(!f.matches(&t));
        let f =
            TaskFilter { uids: Some(vec![TaskId(3)]), types: Some(vec![Kind::IndexDeletion]), ..Default::default() };
        assert!(f.matches(&t));
        let f = TaskFilter { batch_uids: Some(vec![BatchId(0)]), ..Default::default() };
        assert!(!f.matches(&t), "a task without a batch matches no batchUids");
    }

    #[test]
    fn dates_are_strict_and_missing_dates_do_not_match() {
        let t = task(1, "a", Status::Enqueued);
        let at = t.enqueued_at;
        let f = TaskFilter { after_enqueued_at: Some(at - Duration::SECOND), ..Default::default() };
        assert!(f.matches(&t));
        let f = TaskFilter { after_enqueued_at: Some(at), ..Default::default() };
        assert!(!f.matches(&t));
        let f = TaskFilter { before_started_at: Some(at + Duration::DAY), ..Default::default() };
        assert!(!f.matches(&t), "not started yet");
    }
}
