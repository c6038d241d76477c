//! Announcing finished batches to the [`BatchObserver`], on a thread of its own.
//!
//! The worker only marks a batch as unannounced, in the same atomic write as
//! its final statuses, and moves on: an observer that is slow (recording a
//! delivery for twenty webhooks) never holds up the next batch. This thread
//! reads the marks back in batch order, hands each batch to the observer and
//! removes the mark once the observer has it. The backlog, if the observer
//! falls behind, is the marks on disk: memory does not grow with it, and a
//! restart simply carries on from the first mark.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use task_model::{Batch, BatchId, Task};
use tracing::{debug, error, warn};

use crate::keys::{batch_key, task_key, UNANNOUNCED};
use crate::{BatchObserver, Error};

/// How long to wait before offering a batch again to an observer that failed.
const RETRY: Duration = Duration::from_secs(1);

/// The announcing thread and how to wake it.
pub(crate) struct Announcer {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    queue: sled::Tree,
    observer: RwLock<Option<Arc<dyn BatchObserver>>>,
    wake: (Mutex<bool>, Condvar),
    stop: AtomicBool,
}

impl Announcer {
    pub fn new(queue: sled::Tree) -> Self {
        let shared = Shared {
            queue,
            observer: RwLock::new(None),
            wake: (Mutex::new(false), Condvar::new()),
            stop: AtomicBool::new(false),
        };
        Self { shared: Arc::new(shared), thread: Mutex::new(None) }
    }

    pub fn set_observer(&self, observer: Arc<dyn BatchObserver>) {
        *self.shared.observer.write().unwrap_or_else(|e| e.into_inner()) = Some(observer);
    }

    /// Starts the thread; it first announces what a crash left unconfirmed.
    pub fn start(&self) {
        let shared = Arc::clone(&self.shared);
        let handle = thread::Builder::new()
            .name("announcer".into())
            .spawn(move || shared.run())
            .expect("spawning the announcer thread");
        *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    /// A batch was marked: look again.
    pub fn wake(&self) {
        self.shared.wake();
    }

    /// Announces what is marked (unless the observer keeps failing), then stops.
    pub fn shutdown(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake();
        if let Some(handle) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = handle.join();
        }
    }
}

impl Shared {
    fn wake(&self) {
        let (lock, cvar) = &self.wake;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cvar.notify_one();
    }

    fn run(&self) {
        loop {
            // Read `stop` before the pass, so that a batch marked just before
            // shutdown is still announced by this last pass.
            let stopping = self.stop.load(Ordering::SeqCst);
            let wait = match self.announce_marked() {
                Ok(()) => None,
                Err(e) => {
                    warn!(error = %e, "announcing a finished batch failed; trying again");
                    Some(RETRY)
                }
            };
            if stopping {
                return;
            }
            let (lock, cvar) = &self.wake;
            let mut woken = lock.lock().unwrap_or_else(|e| e.into_inner());
            if !*woken {
                woken = match wait {
                    Some(wait) => cvar.wait_timeout(woken, wait).unwrap_or_else(|e| e.into_inner()).0,
                    None => cvar.wait(woken).unwrap_or_else(|e| e.into_inner()),
                };
            }
            *woken = false;
        }
    }

    /// Every marked batch, oldest first; stops at the first the observer
    /// refuses, so that batches reach it in order.
    fn announce_marked(&self) -> Result<(), Error> {
        let Some(observer) = self.observer.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            // Nobody listens: the marks would only pile up.
            for key in self.queue.scan_prefix([UNANNOUNCED]).keys() {
                self.queue.remove(key?)?;
            }
            return Ok(());
        };
        for key in self.queue.scan_prefix([UNANNOUNCED]).keys() {
            let key = key?;
            if let Some((batch, tasks)) = self.load(&key)? {
                if let Err(e) = observer.batch_finished(&batch, &tasks) {
                    error!(batch = batch.uid.0, error = %e, "the batch observer failed; it will be offered the batch again");
                    return Err(Error::Observer(e));
                }
                debug!(batch = batch.uid.0, tasks = tasks.len(), "batch announced");
            }
            self.queue.remove(key)?;
        }
        Ok(())
    }

    /// The batch a mark names and its tasks, as finished. `None` when it is
    /// gone (deleted before it could be announced: nothing left to tell).
    fn load(&self, key: &[u8]) -> Result<Option<(Batch, Vec<Task>)>, Error> {
        let Some(uid) = key.get(1..).and_then(BatchId::from_be_slice) else { return Ok(None) };
        let Some(bytes) = self.queue.get(batch_key(uid))? else { return Ok(None) };
        let batch: Batch = serde_json::from_slice(&bytes)?;
        let mut tasks = Vec::with_capacity(batch.task_uids.len());
        for uid in &batch.task_uids {
            if let Some(bytes) = self.queue.get(task_key(*uid))? {
                tasks.push(serde_json::from_slice(&bytes)?);
            }
        }
        Ok((!tasks.is_empty()).then_some((batch, tasks)))
    }
}
