//! Group commit: many writers, one fsync.
//!
//! A writer puts its records into sled (in memory), then asks for a flush and
//! waits. The committer thread takes every request that is waiting, flushes
//! once, and answers them all. A request that arrives during a flush is served
//! by the next one, so a `202` is only sent once its task is on disk, and
//! concurrent requests share the cost of the fsync instead of queueing behind
//! each other's.

use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;
use tracing::error;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Dropping it stops the committer thread and waits for it, so the database
/// is closed once its owner is gone.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    requests: Option<mpsc::Sender<Waiter>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl GroupCommit {
    pub fn start(db: sled::Db) -> Self {
        let (requests, rx) = mpsc::channel::<Waiter>();
        let thread = thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut waiters = vec![first];
                    waiters.extend(rx.try_iter());
                    let result = db.flush().map(drop).map_err(|e| e.to_string());
                    if let Err(e) = &result {
                        error!(error = %e, "flushing the database failed");
                    }
                    for w in waiters {
                        let _ = w.send(result.clone());
                    }
                }
            })
            .expect("spawning the group-commit thread");
        Self {
            requests: Some(requests),
            thread: Some(thread),
        }
    }

    /// Resolves once everything written before this call is on disk.
    pub fn durable(&self) -> oneshot::Receiver<Result<(), String>> {
        let (tx, rx) = oneshot::channel();
        match &self.requests {
            Some(requests) => {
                if let Err(mpsc::SendError(tx)) = requests.send(tx) {
                    let _ = tx.send(Err("the committer has stopped".into()));
                }
            }
            None => {
                let _ = tx.send(Err("the committer has stopped".into()));
            }
        }
        rx
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.requests.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
