//! Choosing the next batch, from the markers of unfinished tasks, in uid order.
//!
//! Priority follows Meilisearch: the last enqueued task cancelation alone, then
//! all task deletions together, then the oldest task's index. For an index,
//! document operations (additions, updates, deletions, clears) batch together,
//! as do settings updates; index creation, update, deletion and swap run alone.
//! Tasks of other indexes are skipped over; a swap stops the scan because it
//! touches several indexes. Document operations of one batch are applied in
//! order, so batching never changes their outcome, only its cost.

use task_model::{Kind, TaskId};

use crate::keys::{is_priority, Marker};

/// Bounds on a batch besides compatibility.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_tasks: usize,
    pub max_bytes: u64,
}

/// A batch to run: its tasks in uid order, and why it stopped growing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub tasks: Vec<TaskId>,
    pub strategy: String,
}

#[derive(PartialEq, Eq)]
enum Family {
    Documents,
    Settings,
    Alone,
}

fn family(kind: Kind) -> Family {
    match kind {
        Kind::DocumentAdditionOrUpdate | Kind::DocumentDeletion => Family::Documents,
        Kind::SettingsUpdate => Family::Settings,
        _ => Family::Alone,
    }
}

fn alone(m: &Marker) -> Plan {
    let strategy = if m.kind == Kind::IndexDeletion {
        format!("stopped after task with id {} because it deletes the index", m.uid)
    } else {
        format!(
            "created batch containing only task with id {} of type `{}` that cannot be batched with any other task.",
            m.uid, m.kind
        )
    };
    Plan { tasks: vec![m.uid], strategy }
}

/// The next batch, or `None` when nothing is enqueued.
///
/// `priority` holds every enqueued cancelation and deletion (few, kept apart);
/// `queue` yields the enqueued tasks in uid order and is read only as far as
/// the batch needs, so a long queue does not make every batch cost more.
pub(crate) fn next_batch(priority: &[Marker], queue: impl IntoIterator<Item = Marker>, limits: Limits) -> Option<Plan> {
    if let Some(cancel) = priority.iter().rev().find(|m| m.kind == Kind::TaskCancelation) {
        return Some(alone(cancel));
    }
    let deletions: Vec<TaskId> = priority.iter().filter(|m| m.kind == Kind::TaskDeletion).map(|m| m.uid).collect();
    if !deletions.is_empty() {
        return Some(Plan {
            tasks: deletions,
            strategy: "stopped after the last task of type `taskDeletion` because they cannot be batched with tasks of any other type.".into(),
        });
    }
    let mut queue = queue.into_iter().filter(|m| !is_priority(m.kind));
    let first = queue.next()?;
    let fam = family(first.kind);
    if fam == Family::Alone {
        return Some(alone(&first));
    }
    let mut tasks = vec![first.uid];
    let mut bytes = first.bytes;
    let mut skipped = false;
    for m in queue {
        let stop = |why: String| Some(Plan { tasks: tasks.clone(), strategy: why });
        if m.kind == Kind::IndexSwap {
            return stop(format!("stopped before task with id {} because it swaps indexes", m.uid));
        }
        // A rename names only its old uid: later tasks of the new name must
        // not run before it.
        if m.kind == Kind::IndexUpdate {
            return stop(format!("stopped before task with id {} because it may rename an index", m.uid));
        }
        if m.index != first.index {
            skipped = true;
            continue;
        }
        if family(m.kind) != fam {
            let why = match (fam, family(m.kind)) {
                (Family::Documents, Family::Settings) => {
                    "it is a settings change which cannot be batched with document operations"
                }
                (Family::Settings, Family::Documents) => {
                    "it is a document operation which cannot be batched with settings changes"
                }
                _ => "it cannot be batched with any other task",
            };
            return stop(format!("stopped before task with id {} because {why}", m.uid));
        }
        if tasks.len() >= limits.max_tasks {
            return stop(format!("batched up to configured batch limit of {} tasks", limits.max_tasks));
        }
        if bytes + m.bytes > limits.max_bytes {
            return stop(format!(
                "batched up to configured batch size limit of {}B with a total of {bytes}B",
                limits.max_bytes
            ));
        }
        tasks.push(m.uid);
        bytes += m.bytes;
    }
    let strategy = if !skipped {
        "batched all enqueued tasks".to_owned()
    } else {
        format!("batched all enqueued tasks for index `{}`", first.index.as_deref().unwrap_or_default())
    };
    Some(Plan { tasks, strategy })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_LIMIT: Limits = Limits { max_tasks: usize::MAX, max_bytes: u64::MAX };

    fn m(uid: u32, kind: Kind, index: Option<&str>) -> Marker {
        Marker { uid: TaskId(uid), kind, bytes: 10, index: index.map(String::from) }
    }

    /// As the scheduler calls it: priority markers apart, the rest in order.
    fn next(markers: &[Marker], limits: Limits) -> Option<Plan> {
        let priority: Vec<Marker> = markers.iter().filter(|m| is_priority(m.kind)).cloned().collect();
        next_batch(&priority, markers.iter().cloned(), limits)
    }

    fn uids(plan: Option<Plan>) -> Vec<u32> {
        plan.unwrap().tasks.into_iter().map(|t| t.0).collect()
    }

    use Kind::*;

    #[test]
    fn nothing_enqueued_means_no_batch() {
        assert_eq!(next(&[], NO_LIMIT), None);
    }

    #[test]
    fn document_operations_of_one_index_batch_together_skipping_other_indexes() {
        let q = [
            m(0, DocumentAdditionOrUpdate, Some("a")),
            m(1, DocumentAdditionOrUpdate, Some("b")),
            m(2, DocumentDeletion, Some("a")),
            m(3, DocumentAdditionOrUpdate, Some("a")),
            m(4, SettingsUpdate, Some("a")),
            m(5, DocumentAdditionOrUpdate, Some("a")),
        ];
        let plan = next(&q, NO_LIMIT).unwrap();
        assert_eq!(plan.tasks, [TaskId(0), TaskId(2), TaskId(3)]);
        assert!(plan.strategy.contains("task with id 4 because it is a settings change"), "{}", plan.strategy);
    }

    #[test]
    fn cancelation_first_then_deletions_then_oldest() {
        let q = [
            m(0, DocumentAdditionOrUpdate, Some("a")),
            m(1, TaskCancelation, None),
            m(2, TaskDeletion, None),
            m(3, TaskCancelation, None),
            m(4, TaskDeletion, None),
        ];
        assert_eq!(uids(next(&q, NO_LIMIT)), [3]);
        assert_eq!(uids(next(&[q[0].clone(), q[2].clone(), q[4].clone()], NO_LIMIT)), [2, 4]);
    }

    #[test]
    fn index_operations_run_alone_and_swaps_are_barriers() {
        let q = [m(0, IndexCreation, Some("a")), m(1, DocumentAdditionOrUpdate, Some("a"))];
        assert_eq!(uids(next(&q, NO_LIMIT)), [0]);
        let q = [
            m(0, DocumentAdditionOrUpdate, Some("a")),
            m(1, IndexSwap, None),
            m(2, DocumentAdditionOrUpdate, Some("a")),
        ];
        assert_eq!(uids(next(&q, NO_LIMIT)), [0]);
        // `b` renamed to `a` in between: the later `a` task must wait for it.
        let q = [
            m(0, DocumentAdditionOrUpdate, Some("a")),
            m(1, IndexUpdate, Some("b")),
            m(2, DocumentAdditionOrUpdate, Some("a")),
        ];
        assert_eq!(uids(next(&q, NO_LIMIT)), [0]);
        let q = [m(0, SettingsUpdate, Some("a")), m(1, SettingsUpdate, Some("a"))];
        let plan = next(&q, NO_LIMIT).unwrap();
        assert_eq!(plan.strategy, "batched all enqueued tasks");
        assert_eq!(plan.tasks.len(), 2);
    }

    #[test]
    fn the_queue_is_read_only_as_far_as_the_batch_needs() {
        // An endless queue: choosing must stop reading on its own.
        let endless = (0..).map(|i| m(i, DocumentAdditionOrUpdate, Some(if i % 2 == 0 { "a" } else { "b" })));
        let plan = next_batch(&[], endless, Limits { max_tasks: 3, max_bytes: u64::MAX }).unwrap();
        assert_eq!(plan.tasks, [TaskId(0), TaskId(2), TaskId(4)]);
        let q = [m(0, DocumentAdditionOrUpdate, Some("a")), m(1, TaskDeletion, None)];
        assert_eq!(uids(next_batch(&q[1..], q.iter().cloned(), NO_LIMIT)), [1], "deletions jump the queue");
    }

    #[test]
    fn limits_bound_the_batch() {
        let q: Vec<Marker> = (0..10).map(|i| m(i, DocumentAdditionOrUpdate, Some("a"))).collect();
        let plan = next(&q, Limits { max_tasks: 3, max_bytes: u64::MAX }).unwrap();
        assert_eq!(plan.tasks.len(), 3);
        assert_eq!(plan.strategy, "batched up to configured batch limit of 3 tasks");
        let plan = next(&q, Limits { max_tasks: usize::MAX, max_bytes: 45 }).unwrap();
        assert_eq!(plan.tasks.len(), 4);
        let plan = next(&q, Limits { max_tasks: usize::MAX, max_bytes: 1 }).unwrap();
        assert_eq!(plan.tasks.len(), 1, "one task always fits");
    }
}
