//! The queue end to end, on a real sled database in a temp dir.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use documents::{parse_payload, Fields, PayloadFormat, Store};
use serde_json::json;
use task_model::{
    Batch, BatchId, Code, ContentId, Details, IndexUid, Kind, Method, Operation, Status, Task, TaskFilter, TaskId,
};

use crate::keys::task_key;
use crate::{BatchObserver, NewTask, Options, Scheduler};

/// Records what it hears; refuses the first `refusals` announcements.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(Batch, Vec<Task>)>>,
    refusals: Mutex<usize>,
}

impl BatchObserver for Recorder {
    fn batch_finished(&self, batch: &Batch, tasks: &[Task]) -> Result<(), String> {
        let mut refusals = self.refusals.lock().unwrap();
        if *refusals > 0 {
            *refusals -= 1;
            return Err("not now".into());
        }
        self.seen.lock().unwrap().push((batch.clone(), tasks.to_vec()));
        Ok(())
    }
}

impl Recorder {
    /// What was announced, once at least `n` batches were: announcing runs on
    /// a thread of its own.
    fn announced(&self, n: usize) -> Vec<(Batch, Vec<Task>)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = self.seen.lock().unwrap().clone();
            if seen.len() >= n {
                return seen;
            }
            assert!(Instant::now() < deadline, "only {} of {n} batches announced", seen.len());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: sled::Db,
    scheduler: Scheduler,
    recorder: Arc<Recorder>,
}

/// A scheduler over `db`. A "restart" opens a second one over the same
/// handle: reopening the directory instead can find the lock still held by
/// sled's background threads of the first handle (it failed so under load).
fn open_at(db: &sled::Db, options: Options) -> (Scheduler, Arc<Recorder>) {
    let store = Store::open(db).unwrap();
    let scheduler = Scheduler::open(db, store, options).unwrap();
    let recorder = Arc::new(Recorder::default());
    scheduler.set_observer(recorder.clone());
    (scheduler, recorder)
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path().join("db")).unwrap();
    let (scheduler, recorder) = open_at(&db, Options::default());
    Fixture { _dir: dir, db, scheduler, recorder }
}

fn uid(s: &str) -> IndexUid {
    s.parse().unwrap()
}

fn addition(index: &str, docs: serde_json::Value) -> NewTask {
    let parsed = parse_payload(PayloadFormat::Json, docs.to_string().as_bytes()).unwrap();
    NewTask {
        index_uid: Some(uid(index)),
        operation: Operation::DocumentAdditionOrUpdate {
            method: Method::Replace,
            primary_key: None,
            content: ContentId(0),
            skip_creation: false,
            allow_index_creation: true,
        },
        details: Some(Details::DocumentAdditionOrUpdate {
            received_documents: parsed.documents,
            indexed_documents: None,
        }),
        payload: Some(parsed.ndjson),
        annotations: Default::default(),
    }
}

fn simple(index: &str, operation: Operation) -> NewTask {
    NewTask { index_uid: Some(uid(index)), operation, details: None, payload: None, annotations: Default::default() }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn wait_finished(s: &Scheduler, id: TaskId) -> Task {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let task = s.task(id).unwrap();
        if task.status.is_finished() {
            return task;
        }
        assert!(Instant::now() < deadline, "task {id} never finished: {task:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_registered_task_is_durable_numbered_and_runs() {
    let f = fixture();
    let rt = rt();
    let t0 = rt.block_on(f.scheduler.register(addition("movies", json!([{"id": 1}, {"id": 2}])))).unwrap();
    let t1 = rt.block_on(f.scheduler.register(simple("movies", Operation::IndexDeletion))).unwrap();
    assert_eq!((t0.uid, t1.uid), (TaskId(0), TaskId(1)));
    assert_eq!(t0.status, Status::Enqueued);
    f.scheduler.start();
    let done = wait_finished(&f.scheduler, t0.uid);
    assert_eq!(done.status, Status::Succeeded);
    assert_eq!(
        done.details,
        Some(Details::DocumentAdditionOrUpdate { received_documents: 2, indexed_documents: Some(2) })
    );
    assert!(done.started_at.unwrap() <= done.finished_at.unwrap());
    let deleted = wait_finished(&f.scheduler, t1.uid);
    assert_eq!(deleted.details, Some(Details::IndexDeletion { deleted_documents: Some(2) }));
    assert_ne!(done.batch_uid, deleted.batch_uid, "index deletion runs in its own batch");
    let seen = f.recorder.announced(2);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].1[0].uid, t0.uid);
    assert_eq!(seen[0].0.finished_at, done.finished_at);
    // The worker hands over the batch it holds: exactly what was written.
    assert_eq!(seen[0].1, vec![done.clone()]);
    assert_eq!(seen[0].0, f.scheduler.batch(seen[0].0.uid).unwrap());
    assert_eq!(seen[1].1, vec![deleted]);
    f.scheduler.shutdown();
}

#[test]
fn compatible_tasks_autobatch_and_a_bad_one_fails_alone() {
    let f = fixture();
    let rt = rt();
    let ids: Vec<TaskId> = [
        addition("m", json!([{"id": 1}])),
        addition("m", json!([{"id": "not valid!"}])),
        addition("m", json!([{"id": 3}])),
        simple("m", Operation::DocumentDeletion { ids: vec!["1".into()] }),
    ]
    .into_iter()
    .map(|t| rt.block_on(f.scheduler.register(t)).unwrap().uid)
    .collect();
    f.scheduler.start();
    let tasks: Vec<Task> = ids.iter().map(|id| wait_finished(&f.scheduler, *id)).collect();
    assert!(tasks.iter().all(|t| t.batch_uid == Some(BatchId(0))), "one batch");
    let statuses: Vec<Status> = tasks.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Succeeded, Status::Failed, Status::Succeeded, Status::Succeeded]);
    assert_eq!(tasks[1].error.as_ref().unwrap().code, Code::InvalidDocumentId);
    assert_eq!(
        tasks[1].details,
        Some(Details::DocumentAdditionOrUpdate { received_documents: 1, indexed_documents: Some(0) })
    );
    assert_eq!(f.scheduler.store().number_of_documents(&uid("m")).unwrap(), 1);
    let batch = f.scheduler.batch(BatchId(0)).unwrap();
    assert_eq!(batch.stats.total_nb_tasks, 4);
    assert_eq!(batch.batch_strategy, "batched all enqueued tasks");
    f.scheduler.shutdown();
}

#[test]
fn failures_carry_meilisearch_codes() {
    let f = fixture();
    let rt = rt();
    f.scheduler.start();
    let del = rt.block_on(f.scheduler.register(simple("movie", Operation::IndexDeletion))).unwrap();
    let task = wait_finished(&f.scheduler, del.uid);
    assert_eq!(task.status, Status::Failed);
    let error = task.error.unwrap();
    assert_eq!((error.code, error.message.as_str()), (Code::IndexNotFound, "Index `movie` not found."));
    let create = |pk: Option<&str>| simple("movie", Operation::IndexCreation { primary_key: pk.map(String::from) });
    let a = rt.block_on(f.scheduler.register(create(Some("id")))).unwrap();
    let b = rt.block_on(f.scheduler.register(create(None))).unwrap();
    assert_eq!(wait_finished(&f.scheduler, a.uid).details, Some(Details::IndexInfo { primary_key: Some("id".into()) }));
    assert_eq!(wait_finished(&f.scheduler, b.uid).error.unwrap().code, Code::IndexAlreadyExists);
    let no_pk = rt.block_on(f.scheduler.register(addition("other", json!([{"title": "x"}])))).unwrap();
    assert_eq!(wait_finished(&f.scheduler, no_pk.uid).error.unwrap().code, Code::IndexPrimaryKeyNoCandidateFound);
    f.scheduler.shutdown();
}

#[test]
fn cancelation_cancels_enqueued_tasks_into_its_batch() {
    let f = fixture();
    let rt = rt();
    let a = rt.block_on(f.scheduler.register(addition("m", json!([{"id": 1}])))).unwrap();
    let filter = TaskFilter { statuses: Some(vec![Status::Enqueued]), ..Default::default() };
    let cancel = rt
        .block_on(f.scheduler.register_cancelation(&filter, "?statuses=enqueued".into(), Default::default()))
        .unwrap();
    assert_eq!(cancel.kind(), Kind::TaskCancelation);
    f.scheduler.start();
    let cancel = wait_finished(&f.scheduler, cancel.uid);
    let a = wait_finished(&f.scheduler, a.uid);
    assert_eq!(a.status, Status::Canceled);
    assert_eq!(a.canceled_by, Some(cancel.uid));
    assert_eq!(a.batch_uid, cancel.batch_uid);
    assert_eq!(a.finished_at, cancel.finished_at);
    assert_eq!(
        cancel.details,
        Some(Details::TaskCancelation {
            matched_tasks: 1,
            canceled_tasks: Some(1),
            original_filter: "?statuses=enqueued".into()
        })
    );
    assert!(f.scheduler.store().get_index(&uid("m")).unwrap().is_none(), "the addition never ran");
    f.scheduler.shutdown();
}

#[test]
fn deletion_removes_finished_tasks_and_empty_batches() {
    let f = fixture();
    let rt = rt();
    f.scheduler.start();
    let a = rt.block_on(f.scheduler.register(addition("m", json!([{"id": 1}])))).unwrap();
    let a = wait_finished(&f.scheduler, a.uid);
    let filter = TaskFilter { uids: Some(vec![a.uid]), ..Default::default() };
    let del = rt.block_on(f.scheduler.register_deletion(&filter, "?uids=0".into(), Default::default())).unwrap();
    let del = wait_finished(&f.scheduler, del.uid);
    assert_eq!(
        del.details,
        Some(Details::TaskDeletion { matched_tasks: 1, deleted_tasks: Some(1), original_filter: "?uids=0".into() })
    );
    assert!(matches!(f.scheduler.task(a.uid), Err(crate::Error::TaskNotFound(_))));
    assert!(matches!(f.scheduler.batch(a.batch_uid.unwrap()), Err(crate::Error::BatchNotFound(_))));
    f.scheduler.shutdown();
}

#[test]
fn pages_go_newest_first_with_from_next_and_total() {
    let f = fixture();
    let rt = rt();
    for i in 0..5 {
        let index = if i % 2 == 0 { "even" } else { "odd" };
        rt.block_on(f.scheduler.register(simple(index, Operation::IndexCreation { primary_key: None }))).unwrap();
    }
    let all = TaskFilter::default();
    let page = f.scheduler.tasks(&all, None, 2, false).unwrap();
    let uids: Vec<u32> = page.results.iter().map(|t| t.uid.0).collect();
    assert_eq!((uids, page.total, page.from, page.next), (vec![4, 3], 5, Some(4), Some(2)));
    let page = f.scheduler.tasks(&all, Some(TaskId(2)), 2, false).unwrap();
    assert_eq!(page.results.iter().map(|t| t.uid.0).collect::<Vec<_>>(), [2, 1]);
    let page = f.scheduler.tasks(&all, Some(TaskId(3)), 10, true).unwrap();
    assert_eq!(page.results.iter().map(|t| t.uid.0).collect::<Vec<_>>(), [3, 4]);
    let even = TaskFilter { index_uids: Some(vec![uid("even")]), ..Default::default() };
    let page = f.scheduler.tasks(&even, None, 20, false).unwrap();
    assert_eq!((page.total, page.next), (3, None));
}

#[test]
fn a_crash_mid_batch_requeues_and_reruns_and_drops_orphan_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path().join("db")).unwrap();
    let task = {
        let (scheduler, _) = open_at(&db, Options::default());
        let task = rt().block_on(scheduler.register(addition("m", json!([{"id": 1}, {"id": 2}])))).unwrap();
        // What the worker writes when a batch starts, then a "crash": no finish.
        let mut processing = scheduler.task(task.uid).unwrap();
        processing.status = Status::Processing;
        processing.batch_uid = Some(BatchId(0));
        processing.started_at = Some(task_model::now());
        scheduler.inner.queue.insert(task_key(task.uid), serde_json::to_vec(&processing).unwrap()).unwrap();
        scheduler.inner.queue.insert(crate::keys::content_key(ContentId(99)), b"orphan".to_vec()).unwrap();
        scheduler.inner.db.flush().unwrap();
        task
    };
    let (scheduler, recorder) = open_at(&db, Options::default());
    let requeued = scheduler.task(task.uid).unwrap();
    assert_eq!((requeued.status, requeued.batch_uid), (Status::Enqueued, None));
    assert_eq!(
        scheduler.inner.queue.scan_prefix([crate::keys::CONTENT]).count(),
        1,
        "the orphan is gone, the task's payload kept"
    );
    scheduler.start();
    assert_eq!(wait_finished(&scheduler, task.uid).status, Status::Succeeded);
    assert_eq!(scheduler.store().number_of_documents(&uid("m")).unwrap(), 2);
    assert_eq!(scheduler.inner.queue.scan_prefix([crate::keys::CONTENT]).count(), 0, "payload removed once finished");
    assert_eq!(recorder.announced(1).len(), 1);
    let doc = scheduler.store().document(&uid("m"), "2", &Fields::All).unwrap();
    assert_eq!(doc["id"], 2);
    scheduler.shutdown();
}

#[test]
fn uids_survive_restart_and_are_never_reused() {
    let f = fixture();
    let rt = rt();
    let a = rt.block_on(f.scheduler.register(simple("x", Operation::IndexCreation { primary_key: None }))).unwrap();
    f.scheduler.start();
    wait_finished(&f.scheduler, a.uid);
    let filter = TaskFilter { uids: Some(vec![a.uid]), ..Default::default() };
    let d = rt.block_on(f.scheduler.register_deletion(&filter, String::new(), Default::default())).unwrap();
    wait_finished(&f.scheduler, d.uid);
    f.scheduler.shutdown();
    drop(f.scheduler);
    let (scheduler, _) = open_at(&f.db, Options::default());
    let next = rt.block_on(scheduler.register(simple("x", Operation::IndexDeletion))).unwrap();
    assert_eq!(next.uid, TaskId(2));
}

#[test]
fn concurrent_registrations_share_flushes_and_keep_uids_dense() {
    let f = fixture();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let s = f.scheduler.clone();
    let uids = rt.block_on(async move {
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move { s.register(addition("m", json!([{"id": i}]))).await.unwrap().uid.0 })
            })
            .collect();
        let mut uids = Vec::new();
        for h in handles {
            uids.push(h.await.unwrap());
        }
        uids
    });
    let mut sorted = uids.clone();
    sorted.sort();
    assert_eq!(sorted, (0..200).collect::<Vec<_>>());
    f.scheduler.start();
    wait_finished(&f.scheduler, TaskId(199));
    assert_eq!(f.scheduler.store().number_of_documents(&uid("m")).unwrap(), 200);
    f.scheduler.shutdown();
}

#[test]
fn a_refused_announcement_is_offered_again_in_order_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path().join("db")).unwrap();
    let ids = {
        let (scheduler, recorder) = open_at(&db, Options::default());
        *recorder.refusals.lock().unwrap() = usize::MAX;
        let rt = rt();
        let ids: Vec<TaskId> = ["a", "b"]
            .iter()
            .map(|i| {
                rt.block_on(scheduler.register(simple(i, Operation::IndexCreation { primary_key: None }))).unwrap().uid
            })
            .collect();
        scheduler.start();
        for id in &ids {
            assert_eq!(
                wait_finished(&scheduler, *id).status,
                Status::Succeeded,
                "a refusing observer holds up nothing"
            );
        }
        scheduler.shutdown();
        assert!(recorder.seen.lock().unwrap().is_empty());
        ids
    };
    let (scheduler, recorder) = open_at(&db, Options::default());
    *recorder.refusals.lock().unwrap() = 1;
    scheduler.start();
    let seen = recorder.announced(2);
    let uids: Vec<TaskId> = seen.iter().map(|(_, tasks)| tasks[0].uid).collect();
    assert_eq!(uids, ids, "both batches, after one refusal, in batch order");
    assert!(seen.iter().all(|(batch, tasks)| tasks[0].status == Status::Succeeded && batch.finished_at.is_some()));
    scheduler.shutdown();
    assert_eq!(scheduler.inner.queue.scan_prefix([crate::keys::UNANNOUNCED]).count(), 0, "no mark left");
}
