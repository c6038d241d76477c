//! The [`Scheduler`] handle and its worker thread.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use documents::Store;
use task_model::Batch;
use tracing::{error, info};

use crate::announce::Announcer;
use crate::autobatch::Limits;
use crate::commit::GroupCommit;
use crate::signal::Signal;
use crate::{BatchObserver, Error};

/// How big a batch may grow.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `None`: no limit on the number of tasks.
    pub max_batched_tasks: Option<usize>,
    /// Sum of the payload sizes of a batch's tasks; one task always fits.
    pub max_batch_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_batched_tasks: None, max_batch_bytes: 256 * 1024 * 1024 }
    }
}

/// The task queue: register tasks, query them, and let the worker run them.
/// Cheap to clone; every clone is the same queue.
#[derive(Clone)]
pub struct Scheduler {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub queue: sled::Tree,
    pub db: sled::Db,
    pub store: Store,
    /// The only writer of new tasks: numbering and writing happen in one
    /// thread, so the worker never sees task n+1 before task n.
    pub commit: GroupCommit,
    wake: Signal,
    /// The batch being processed, to show it and to answer `isIndexing`.
    pub processing: RwLock<Option<Batch>>,
    /// Tells the observer about finished batches, off this thread.
    pub announcer: Announcer,
    /// Writes dumps for `dumpCreation` tasks (see [`crate::Dumper`]).
    pub dumper: crate::dumps::DumperSlot,
    /// Writes snapshots for `snapshotCreation` tasks (see [`crate::Snapshotter`]).
    pub snapshotter: crate::snapshots::SnapshotterSlot,
    pub limits: Limits,
    stop: AtomicBool,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler").field("limits", &self.inner.limits).finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Opens the queue inside `db`, recovering from any crash: tasks that were
    /// processing are enqueued again and orphaned payloads are removed.
    pub fn open(db: &sled::Db, store: Store, options: Options) -> Result<Self, Error> {
        let queue = db.open_tree("queue")?;
        let inner = Inner {
            commit: GroupCommit::start(db.clone(), queue.clone())?,
            announcer: Announcer::new(queue.clone()),
            dumper: RwLock::new(None),
            snapshotter: RwLock::new(None),
            queue,
            db: db.clone(),
            store,
            wake: Signal::default(),
            processing: RwLock::new(None),
            limits: Limits {
                max_tasks: options.max_batched_tasks.unwrap_or(usize::MAX),
                max_bytes: options.max_batch_bytes,
            },
            stop: AtomicBool::new(false),
            worker: Mutex::new(None),
        };
        let scheduler = Self { inner: Arc::new(inner) };
        scheduler.recover()?;
        Ok(scheduler)
    }

    /// Who hears about finished batches. Set it before [`Scheduler::start`].
    pub fn set_observer(&self, observer: Arc<dyn BatchObserver>) {
        self.inner.announcer.set_observer(observer);
    }

    /// Who copies the database when a `snapshotCreation` task runs.
    pub fn set_snapshotter(&self, snapshotter: Arc<dyn crate::Snapshotter>) {
        *self.inner.snapshotter.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshotter);
    }

    /// Who writes dumps when a `dumpCreation` task runs.
    pub fn set_dumper(&self, dumper: Arc<dyn crate::Dumper>) {
        *self.inner.dumper.write().unwrap_or_else(|e| e.into_inner()) = Some(dumper);
    }

    /// The document store the queue writes to.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Starts the announcer, which first announces the batches a crash left
    /// unconfirmed, and the worker thread that runs batches. Set the observer
    /// first.
    pub fn start(&self) {
        self.inner.announcer.start();
        let inner = Arc::clone(&self.inner);
        let handle = thread::Builder::new()
            .name("scheduler".into())
            .spawn(move || inner.run())
            .expect("spawning the scheduler thread");
        *self.inner.worker.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    /// Stops after the batch in progress, if any, has finished, been written
    /// and been announced, then waits until everything written is on disk.
    pub fn shutdown(&self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.inner.wake();
        let worker = self.inner.worker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = worker {
            let _ = handle.join();
        }
        self.inner.announcer.shutdown();
        if let Err(e) = self.inner.db.flush() {
            error!(error = %e, "final flush failed");
        }
    }
}

impl Inner {
    pub fn wake(&self) {
        self.wake.wake();
    }

    fn run(self: Arc<Self>) {
        info!("scheduler started");
        while !self.stop.load(Ordering::SeqCst) {
            match self.tick() {
                Ok(true) => {}
                Ok(false) => self.wake.wait(Some(Duration::from_millis(500))),
                Err(e) => {
                    error!(error = %e, "processing a batch failed; retrying");
                    thread::sleep(Duration::from_millis(200));
                }
            }
        }
        info!("scheduler stopped");
    }
}
