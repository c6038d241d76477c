//! Reading tasks and batches: one, or a filtered page.

use serde::Serialize;
use task_model::{Batch, BatchId, Status, Task, TaskFilter, TaskId};

use crate::keys::{batch_key, task_key, BATCH, TASK};
use crate::{Error, Scheduler};

/// A page of results in the shape of `GET /tasks` and `GET /batches`.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub results: Vec<T>,
    /// Every match, ignoring `from` and `limit`.
    pub total: u64,
    pub limit: usize,
    /// The uid of the first result.
    pub from: Option<u32>,
    /// The `from` of the next page.
    pub next: Option<u32>,
}

impl<T> Page<T> {
    /// Maps the results, e.g. to their JSON views.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            results: self.results.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            from: self.from,
            next: self.next,
        }
    }
}

/// A task as it is now: the batch in progress is only known in memory.
fn with_progress(mut task: Task, processing: Option<&Batch>) -> Task {
    if let Some(batch) = processing {
        if task.status == Status::Enqueued && batch.task_uids.contains(&task.uid) {
            task.status = Status::Processing;
            task.batch_uid = Some(batch.uid);
            task.started_at = Some(batch.started_at);
        }
    }
    task
}

/// Walks `items` (already in page order), keeping `limit` matches at or past
/// `from` and counting them all.
fn paginate<T>(
    items: impl Iterator<Item = Result<T, Error>>,
    uid: impl Fn(&T) -> u32,
    matches: impl Fn(&T) -> bool,
    from: Option<u32>,
    limit: usize,
    reverse: bool,
) -> Result<Page<T>, Error> {
    let mut results = Vec::new();
    let mut next = None;
    let mut total = 0;
    for item in items {
        let item = item?;
        if !matches(&item) {
            continue;
        }
        total += 1;
        let id = uid(&item);
        let in_range = from.is_none_or(|f| if reverse { id >= f } else { id <= f });
        if !in_range {
            continue;
        }
        if results.len() < limit {
            results.push(item);
        } else if next.is_none() {
            next = Some(id);
        }
    }
    let from = results.first().map(&uid);
    Ok(Page { results, total, limit, from, next })
}

impl Scheduler {
    pub fn task(&self, uid: TaskId) -> Result<Task, Error> {
        let processing = self.processing_batch();
        Ok(with_progress(self.inner.load_task(uid)?, processing.as_ref()))
    }

    /// Tasks matching `filter`, newest first unless `reverse`.
    ///
    /// A `uids` filter reads only those tasks; no filter at all decodes only
    /// the page. Other filters read every task (a task index is future work).
    pub fn tasks(
        &self,
        filter: &TaskFilter,
        from: Option<TaskId>,
        limit: usize,
        reverse: bool,
    ) -> Result<Page<Task>, Error> {
        let processing = self.processing_batch();
        let decode = |bytes: &[u8]| -> Result<Task, Error> {
            Ok(with_progress(serde_json::from_slice(bytes)?, processing.as_ref()))
        };
        let from_u32 = from.map(|f| f.0);
        if filter.uids.is_some() {
            let items = self.listed_tasks(filter, reverse).map(|r| r.and_then(|b| decode(&b)));
            return paginate(items, |t| t.uid.0, |t| filter.matches(t), from_u32, limit, reverse);
        }
        if filter.is_empty() {
            let queue = &self.inner.queue;
            let total = queue.scan_prefix([TASK]).count() as u64;
            let range: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = match (from, reverse) {
                (None, false) => Box::new(queue.scan_prefix([TASK]).rev()),
                (Some(f), false) => Box::new(queue.range(task_key(TaskId(0))..=task_key(f)).rev()),
                (None, true) => Box::new(queue.scan_prefix([TASK])),
                (Some(f), true) => Box::new(queue.range(task_key(f)..=task_key(TaskId(u32::MAX)))),
            };
            let mut page = Page { results: Vec::new(), total, limit, from: None, next: None };
            for entry in range {
                let (key, value) = entry?;
                if page.results.len() == limit {
                    page.next = TaskId::from_be_slice(&key[1..]).map(|t| t.0);
                    break;
                }
                page.results.push(decode(&value)?);
            }
            page.from = page.results.first().map(|t| t.uid.0);
            return Ok(page);
        }
        let scan = self.inner.queue.scan_prefix([TASK]);
        let items: Box<dyn Iterator<Item = _>> = if reverse { Box::new(scan) } else { Box::new(scan.rev()) };
        let items = items.map(|e| e.map_err(Error::from).and_then(|(_, v)| decode(&v)));
        paginate(items, |t| t.uid.0, |t| filter.matches(t), from_u32, limit, reverse)
    }

    /// The stored tasks named by `filter.uids`, in page order.
    fn listed_tasks(&self, filter: &TaskFilter, reverse: bool) -> impl Iterator<Item = Result<sled::IVec, Error>> + '_ {
        let mut uids = filter.uids.clone().unwrap_or_default();
        uids.sort();
        uids.dedup();
        if !reverse {
            uids.reverse();
        }
        uids.into_iter().filter_map(|uid| self.inner.queue.get(task_key(uid)).map_err(Error::from).transpose())
    }

    pub(crate) fn matching_uids(&self, filter: &TaskFilter) -> Result<Vec<TaskId>, Error> {
        let processing = self.processing_batch();
        let entries: Box<dyn Iterator<Item = Result<sled::IVec, Error>>> = if filter.uids.is_some() {
            Box::new(self.listed_tasks(filter, true))
        } else {
            Box::new(self.inner.queue.scan_prefix([TASK]).map(|e| e.map(|(_, v)| v).map_err(Error::from)))
        };
        let mut uids = Vec::new();
        for bytes in entries {
            let task = with_progress(serde_json::from_slice(&bytes?)?, processing.as_ref());
            if filter.matches(&task) {
                uids.push(task.uid);
            }
        }
        Ok(uids)
    }

    fn processing_batch(&self) -> Option<Batch> {
        self.inner.processing.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A batch, finished or in progress.
    pub fn batch(&self, uid: BatchId) -> Result<Batch, Error> {
        if let Some(batch) = self.processing_batch().filter(|b| b.uid == uid) {
            return Ok(batch);
        }
        let bytes = self.inner.queue.get(batch_key(uid))?.ok_or(Error::BatchNotFound(uid))?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Batches matching `filter`, newest first unless `reverse`; the batch in
    /// progress, if any, is the newest.
    pub fn batches(
        &self,
        filter: &TaskFilter,
        from: Option<BatchId>,
        limit: usize,
        reverse: bool,
    ) -> Result<Page<Batch>, Error> {
        let processing = self.processing_batch().map(Ok).into_iter();
        let scan = self.inner.queue.scan_prefix([BATCH]);
        let decode =
            |e: sled::Result<(sled::IVec, sled::IVec)>| -> Result<Batch, Error> { Ok(serde_json::from_slice(&e?.1)?) };
        let items: Box<dyn Iterator<Item = _>> = if reverse {
            Box::new(scan.map(decode).chain(processing))
        } else {
            Box::new(processing.chain(scan.rev().map(decode)))
        };
        paginate(items, |b| b.uid.0, |b| filter.matches_batch(b), from.map(|f| f.0), limit, reverse)
    }

    /// How many tasks have each status, and how many are not finished yet
    /// (the queue depth). Reads every task: meant for a scrape every few seconds.
    pub fn task_counts(&self) -> Result<(std::collections::BTreeMap<Status, u64>, u64), Error> {
        let processing = self.processing_batch();
        let mut counts: std::collections::BTreeMap<Status, u64> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for entry in self.inner.queue.scan_prefix([TASK]) {
            let task = with_progress(serde_json::from_slice(&entry?.1)?, processing.as_ref());
            *counts.entry(task.status).or_default() += 1;
        }
        let depth = self.inner.queue.scan_prefix([crate::keys::ENQUEUED]).count() as u64;
        Ok((counts, depth))
    }

    /// Whether a batch touching `index` is running right now.
    pub fn is_indexing(&self, index: &str) -> bool {
        self.processing_batch().is_some_and(|b| b.stats.index_uids.contains_key(index))
    }
}
