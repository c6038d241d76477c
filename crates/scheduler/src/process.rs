//! Running one batch: mark it processing, do the work, write every final
//! status and the batch in one atomic write, marked for the announcer.

use std::collections::{BTreeMap, BTreeSet};

use documents::{Error as DocError, Move};
use task_model::{now, Batch, BatchId, Code, Details, IndexUid, Operation, ResponseError, Status, Task, TaskId};
use tracing::{debug, warn};

use crate::autobatch::{next_batch, Plan};
use crate::keys::{
    batch_key, content_key, is_priority, marker_key, priority_key, read_u32, task_key, unannounced_key, Marker,
    ENQUEUED, NEXT_BATCH, PRIORITY,
};
use crate::scheduler::Inner;
use crate::Error;

fn succeed(task: &mut Task, details: Option<Details>) {
    task.status = Status::Succeeded;
    if details.is_some() {
        task.details = details;
    }
}

/// The index moves of a swap, or of a rename through `PATCH /indexes/{uid}`
/// (with the primary key it also sets).
fn index_moves(task: &Task) -> Option<(Vec<Move>, Option<String>)> {
    match (&task.operation, &task.index_uid) {
        (Operation::IndexSwap { swaps }, _) => {
            let moves =
                swaps.iter().map(|s| Move { from: s.indexes.0.clone(), to: s.indexes.1.clone(), rename: s.rename });
            Some((moves.collect(), None))
        }
        (Operation::IndexUpdate { primary_key, new_uid: Some(to) }, Some(from)) => {
            Some((vec![Move { from: from.clone(), to: to.clone(), rename: true }], primary_key.clone()))
        }
        _ => None,
    }
}

fn fail(task: &mut Task, error: ResponseError) {
    task.status = Status::Failed;
    task.details = task.details.as_ref().map(Details::as_canceled);
    task.error = Some(error);
}

/// The most enqueued tasks a batch is chosen from. Reading every marker made
/// each batch cost O(queue): with 40k tasks enqueued, 40 ms a batch (measured).
const LOOKAHEAD: usize = 10_000;

impl Inner {
    /// Runs the next batch if there is one; `false` when the queue is empty.
    pub(crate) fn tick(&self) -> Result<bool, Error> {
        let decode = |entry: sled::Result<(sled::IVec, sled::IVec)>| {
            let (key, value) = entry?;
            Marker::decode(&key, &value)
        };
        // Cancelations and deletions go first; they have markers of their own.
        let priority = self.queue.scan_prefix([PRIORITY]).map(decode).collect::<Result<Vec<_>, _>>()?;
        // The rest is decoded only as far as choosing the batch reads.
        let mut broken = None;
        let queue = self
            .queue
            .scan_prefix([ENQUEUED])
            .take(LOOKAHEAD)
            .map(decode)
            .map_while(|m| m.map_err(|e| broken = Some(e)).ok());
        let plan = next_batch(&priority, queue, self.limits);
        if let Some(e) = broken {
            return Err(e);
        }
        match plan {
            Some(plan) => self.run_batch(plan).map(|()| true),
            None => Ok(false),
        }
    }

    pub(crate) fn load_task(&self, uid: TaskId) -> Result<Task, Error> {
        let bytes = self.queue.get(task_key(uid))?.ok_or(Error::TaskNotFound(uid))?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    fn run_batch(&self, plan: Plan) -> Result<(), Error> {
        let started = now();
        let batch_uid = BatchId(read_u32(self.queue.get(NEXT_BATCH)?));
        // What is logged while the batch runs says which batch it was for.
        let _span =
            tracing::debug_span!("batch", uid = batch_uid.0, tasks = ?plan.tasks.iter().map(|t| t.0).collect::<Vec<_>>())
                .entered();
        let mut tasks = plan.tasks.iter().map(|uid| self.load_task(*uid)).collect::<Result<Vec<_>, _>>()?;

        // `processing` lives in memory only (queries overlay it): after a crash
        // these tasks are simply still enqueued, and writing a state that
        // recovery throws away would only compete with registrations for sled.
        for task in &mut tasks {
            task.status = Status::Processing;
            task.batch_uid = Some(batch_uid);
            task.started_at = Some(started);
        }
        *self.processing.write().unwrap_or_else(|e| e.into_inner()) =
            Some(Batch::summarize(batch_uid, &tasks, started, plan.strategy.clone()));

        let mut writes = sled::Batch::default();
        let mut swept: Vec<Task> = Vec::new();
        let processing = std::time::Instant::now();
        if let Err(e) = self.execute(&mut tasks, &mut swept, &mut writes) {
            // The work itself broke (storage), not a task: fail them all rather
            // than loop on the same batch forever.
            warn!(batch = batch_uid.0, error = %e, "batch failed as a whole");
            let error = ResponseError::from(&e);
            for task in &mut tasks {
                fail(task, error.clone());
            }
            swept.clear();
            writes = sled::Batch::default();
        }

        let finished = now();
        let mut all = tasks;
        all.append(&mut swept);
        for task in &mut all {
            if task.status == Status::Processing {
                task.status = Status::Succeeded;
            }
            task.batch_uid = Some(batch_uid);
            task.started_at = Some(started);
            task.finished_at = Some(finished);
            writes.insert(&task_key(task.uid), serde_json::to_vec(&task)?);
            writes.remove(&marker_key(task.uid));
            if is_priority(task.kind()) {
                writes.remove(&priority_key(task.uid));
            }
            if let Some(content) = task.operation.content() {
                writes.remove(&content_key(content));
            }
        }
        let mut batch = Batch::summarize(batch_uid, &all, started, plan.strategy);
        batch.finished_at = Some(finished);
        batch.stats.progress_trace.insert("processing tasks".into(), format!("{:.2?}", processing.elapsed()));
        writes.insert(&batch_key(batch_uid), serde_json::to_vec(&batch)?);
        writes.insert(&unannounced_key(batch_uid), &[]);
        writes.insert(NEXT_BATCH, &(batch_uid.0 + 1).to_be_bytes());
        self.queue.apply_batch(writes)?;
        *self.processing.write().unwrap_or_else(|e| e.into_inner()) = None;
        debug!(batch = batch_uid.0, tasks = all.len(), "batch finished");
        self.announcer.marked(&batch, &all);
        // Not awaited: nobody waits on a finished batch, and a crash before the
        // flush re-runs it. It stays although it costs an fsync per batch:
        // removing it measured slower (9.0-9.9k vs 10.3-11.2k tasks/s), as each
        // registration's flush then has more dirty data to write.
        drop(self.commit.durable());
        Ok(())
    }

    /// Does the work of `tasks` (all processing, one plan). Tasks swept along
    /// (canceled ones) go to `swept`; extra writes (deleted tasks) to `writes`.
    fn execute(&self, tasks: &mut [Task], swept: &mut Vec<Task>, writes: &mut sled::Batch) -> Result<(), Error> {
        let store = &self.store;
        let first = tasks.first().map(|t| t.operation.clone());
        match first {
            None => Ok(()),
            Some(Operation::TaskCancelation { .. }) => {
                for cancel in tasks.iter_mut() {
                    self.cancel(cancel, swept)?;
                }
                Ok(())
            }
            Some(Operation::TaskDeletion { .. }) => self.delete_tasks(tasks, writes),
            Some(Operation::DumpCreation) => tasks.iter_mut().try_for_each(|task| self.dump(task)),
            Some(Operation::SnapshotCreation) => tasks.iter_mut().try_for_each(|task| self.snapshot(task)),
            Some(
                Operation::DocumentAdditionOrUpdate { .. }
                | Operation::DocumentDeletion { .. }
                | Operation::DocumentDeletionByFilter { .. }
                | Operation::DocumentClear,
            ) => self.documents(tasks),
            Some(_) => {
                for task in tasks.iter_mut() {
                    if let Some((moves, primary_key)) = index_moves(task) {
                        let done = store.moved_by(&moves, task.uid.0)?;
                        let refused = if done { None } else { self.check_moves(&moves)? };
                        match refused {
                            Some(error) => fail(task, error),
                            None => {
                                if !done {
                                    match store.move_indexes(&moves, primary_key, task.uid.0) {
                                        Ok(()) => {}
                                        Err(e @ (DocError::Storage(_) | DocError::Corrupted(_))) => {
                                            return Err(e.into())
                                        }
                                        Err(e) => {
                                            fail(task, (&e).into());
                                            continue;
                                        }
                                    }
                                }
                                let pairs: Vec<(IndexUid, IndexUid)> =
                                    moves.iter().map(|m| (m.from.clone(), m.to.clone())).collect();
                                self.swap_history(&pairs, task.uid, writes)?;
                                succeed(task, None);
                            }
                        }
                        continue;
                    }
                    let index = task.index_uid.clone();
                    let outcome = match (&task.operation, index) {
                        (Operation::IndexCreation { primary_key }, Some(uid)) => store
                            .create_index(&uid, primary_key.clone())
                            .map(|m| Some(Details::IndexInfo { primary_key: m.primary_key })),
                        (Operation::IndexUpdate { primary_key, .. }, Some(uid)) => store
                            .update_index(&uid, primary_key.clone())
                            .map(|m| Some(Details::IndexInfo { primary_key: m.primary_key })),
                        (Operation::IndexCompaction, Some(uid)) => store.compact(&uid).map(|(pre, post)| {
                            Some(Details::IndexCompaction {
                                pre_compaction_size: Some(task_model::human_size(pre)),
                                post_compaction_size: Some(task_model::human_size(post)),
                            })
                        }),
                        (Operation::IndexDeletion, Some(uid)) => store
                            .delete_index(&uid)
                            .map(|n| Some(Details::IndexDeletion { deleted_documents: Some(n) })),
                        (Operation::IndexDeploy { upto }, Some(uid)) => {
                            store.deploy(&uid, *upto, task.uid.0).map(|done| {
                                Some(Details::IndexDeploy {
                                    upserted_documents: Some(done.upserted_documents),
                                    removed_documents: Some(done.removed_documents),
                                    replaced_all: Some(done.replaced_all),
                                })
                            })
                        }
                        (Operation::SettingsUpdate { allow_index_creation: false, .. }, Some(uid))
                            if store.get_index(&uid)?.is_none() =>
                        {
                            Err(DocError::IndexNotFound(uid))
                        }
                        (Operation::SettingsUpdate { settings, .. }, Some(uid)) => {
                            store.update_settings(&uid, settings).map(|()| None)
                        }
                        _ => Ok(None),
                    };
                    match outcome {
                        Ok(details) => succeed(task, details),
                        Err(e @ (DocError::Storage(_) | DocError::Corrupted(_))) => return Err(e.into()),
                        Err(e) => fail(task, (&e).into()),
                    }
                }
                Ok(())
            }
        }
    }

    /// Earlier tasks follow their documents: as in Meilisearch, a task of `a`
    /// now names `b` and the other way round, so `indexUids` filters stay true.
    fn swap_history(
        &self,
        pairs: &[(IndexUid, IndexUid)],
        swap: TaskId,
        writes: &mut sled::Batch,
    ) -> Result<(), Error> {
        for entry in self.queue.range(task_key(TaskId(0))..task_key(swap)) {
            let mut task: Task = serde_json::from_slice(&entry?.1)?;
            let Some(index) = &task.index_uid else {
                continue;
            };
            let other = pairs.iter().find_map(|(a, b)| {
                if a == index {
                    Some(b.clone())
                } else if b == index {
                    Some(a.clone())
                } else {
                    None
                }
            });
            if let Some(other) = other {
                task.index_uid = Some(other);
                writes.insert(&task_key(task.uid), serde_json::to_vec(&task)?);
            }
        }
        Ok(())
    }

    /// Why a swap or rename cannot run: an index to move is missing, or a
    /// rename's new name is taken (worded as Meilisearch words each).
    fn check_moves(&self, moves: &[Move]) -> Result<Option<ResponseError>, Error> {
        for m in moves.iter().filter(|m| m.rename) {
            let (from, to) = (&m.from, &m.to);
            if self.store.get_index(from)?.is_none() {
                return Ok(Some(ResponseError::new(Code::IndexNotFound, format!("Index `{from}` not found."))));
            }
            if self.store.get_index(to)?.is_some() {
                return Ok(Some(ResponseError::new(
                    Code::IndexAlreadyExists,
                    format!("Cannot rename `{from}` to `{to}` as the index already exists. Hint: You can remove `{to}` first and then do your remove."),
                )));
            }
        }
        let mut missing = BTreeSet::new();
        for uid in moves.iter().filter(|m| !m.rename).flat_map(|m| [&m.from, &m.to]) {
            if self.store.get_index(uid)?.is_none() {
                missing.insert(format!("`{uid}`"));
            }
        }
        Ok(match missing.len() {
            0 => None,
            1 => Some(ResponseError::new(
                Code::IndexNotFound,
                format!("Index {} not found.", missing.into_iter().collect::<String>()),
            )),
            _ => Some(ResponseError::new(
                Code::IndexNotFound,
                format!("Indexes {} not found.", missing.into_iter().collect::<Vec<_>>().join(", ")),
            )),
        })
    }

    /// Document additions, updates, deletions and clears of one index, applied
    /// in order through one writer and committed at once.
    fn documents(&self, tasks: &mut [Task]) -> Result<(), Error> {
        let Some(index) = tasks.first().and_then(|t| t.index_uid.clone()) else {
            return Ok(());
        };
        let mut exists = self.store.get_index(&index)?.is_some();
        let mut writer = self.store.writer(&index, true)?;
        for task in tasks.iter_mut() {
            let not_found = || DocError::IndexNotFound(index.clone());
            let received = match &task.details {
                Some(Details::DocumentAdditionOrUpdate { received_documents, .. }) => *received_documents,
                _ => 0,
            };
            let outcome = match &task.operation {
                Operation::DocumentAdditionOrUpdate { allow_index_creation: false, .. } if !exists => Err(not_found()),
                Operation::DocumentAdditionOrUpdate { method, primary_key, content, skip_creation, .. } => {
                    match self.queue.get(content_key(*content))? {
                        None => Err(DocError::MissingPayload("json")),
                        Some(payload) => {
                            writer.add_documents(*method, primary_key.as_deref(), &payload, *skip_creation).map(|n| {
                                exists = true;
                                Details::DocumentAdditionOrUpdate {
                                    received_documents: received,
                                    indexed_documents: Some(n),
                                }
                            })
                        }
                    }
                }
                Operation::DocumentDeletion { ids } if exists => writer
                    .delete_documents(ids)
                    .map(|n| Details::DocumentDeletion { provided_ids: ids.len() as u64, deleted_documents: Some(n) }),
                Operation::DocumentDeletionByFilter { filter } if exists => {
                    // The filter reads the search index, which holds what is
                    // committed: what this batch did so far is committed first.
                    if writer.has_changes() {
                        writer.commit()?;
                        writer = self.store.writer(&index, true)?;
                    }
                    let original_filter = filter.to_string();
                    self.store
                        .select(writer.meta(), filter)
                        .and_then(|ids| writer.delete_documents(&ids))
                        .map(|n| Details::DocumentDeletionByFilter { original_filter, deleted_documents: Some(n) })
                }
                Operation::DocumentClear if exists => {
                    writer.clear().map(|n| Details::ClearAll { deleted_documents: Some(n) })
                }
                _ => Err(not_found()),
            };
            match outcome {
                Ok(details) => succeed(task, Some(details)),
                Err(e @ (DocError::Storage(_) | DocError::Corrupted(_))) => return Err(e.into()),
                Err(e) => fail(task, (&e).into()),
            }
        }
        if exists {
            writer.commit()?;
        }
        Ok(())
    }

    /// Cancels the matched tasks that are still enqueued; they join this batch.
    fn cancel(&self, cancel: &mut Task, swept: &mut Vec<Task>) -> Result<(), Error> {
        let Operation::TaskCancelation { tasks } = &cancel.operation else {
            return Ok(());
        };
        let mut canceled = 0;
        for uid in tasks {
            let Ok(mut task) = self.load_task(*uid) else {
                continue;
            };
            if task.status != Status::Enqueued {
                continue;
            }
            task.status = Status::Canceled;
            task.canceled_by = Some(cancel.uid);
            task.details = task.details.as_ref().map(Details::as_canceled);
            swept.push(task);
            canceled += 1;
        }
        if let Some(Details::TaskCancelation { canceled_tasks, .. }) = &mut cancel.details {
            *canceled_tasks = Some(canceled);
        }
        cancel.status = Status::Succeeded;
        Ok(())
    }

    /// Deletes the matched tasks that are finished, and batches left empty.
    fn delete_tasks(&self, deletions: &mut [Task], writes: &mut sled::Batch) -> Result<(), Error> {
        let mut deleted: BTreeSet<TaskId> = BTreeSet::new();
        let mut by_batch: BTreeMap<BatchId, BTreeSet<TaskId>> = BTreeMap::new();
        for deletion in deletions.iter_mut() {
            let Operation::TaskDeletion { tasks } = &deletion.operation else {
                continue;
            };
            let mut count = 0;
            for uid in tasks {
                if deleted.contains(uid) {
                    continue;
                }
                let Ok(task) = self.load_task(*uid) else {
                    continue;
                };
                if !task.status.is_finished() {
                    continue;
                }
                writes.remove(&task_key(*uid));
                deleted.insert(*uid);
                if let Some(b) = task.batch_uid {
                    by_batch.entry(b).or_default().insert(*uid);
                }
                count += 1;
            }
            if let Some(Details::TaskDeletion { deleted_tasks, .. }) = &mut deletion.details {
                *deleted_tasks = Some(count);
            }
            deletion.status = Status::Succeeded;
        }
        for (uid, gone) in by_batch {
            let Some(bytes) = self.queue.get(batch_key(uid))? else {
                continue;
            };
            let mut batch: Batch = serde_json::from_slice(&bytes)?;
            batch.task_uids.retain(|t| !gone.contains(t));
            if batch.task_uids.is_empty() {
                writes.remove(&batch_key(uid));
            } else {
                writes.insert(&batch_key(uid), serde_json::to_vec(&batch)?);
            }
        }
        Ok(())
    }
}
