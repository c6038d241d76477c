//! Group commit: many registrations, one writer, one fsync.
//!
//! HTTP handlers never write to sled themselves: a sled write can stall
//! behind a flush for milliseconds, and on an async worker that stall would
//! freeze every connection the worker serves. Instead, each registration is
//! sent to the committer thread, which takes every request waiting, writes
//! their payloads and tasks (numbering them, in arrival order) with one
//! `apply_batch`, flushes once, and answers them all. A request that arrives
//! during a flush is served by the next round. So a `202` is only sent once
//! its task is on disk, and concurrent requests share the fsync.

use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use task_model::{ContentId, Operation, Task, TaskId};
use tokio::sync::oneshot;
use tracing::{debug, error};

use crate::keys::{content_key, is_priority, marker_key, priority_key, read_u32, task_key, Marker, NEXT_TASK};
use crate::{Error, NewTask};

enum Request {
    /// Write this task, then answer once it is on disk.
    Register(Box<NewTask>, oneshot::Sender<Result<Task, Error>>),
    /// Answer once everything written before is on disk.
    Sync(oneshot::Sender<Result<(), String>>),
    /// Write nothing until the second channel closes (a snapshot copying the
    /// queue); the first says the hold has begun.
    Hold(mpsc::Sender<()>, mpsc::Receiver<()>),
}

/// Dropping it stops the committer thread and waits for it, so the database
/// is closed once its owner is gone.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    requests: Option<mpsc::Sender<Request>>,
    thread: Option<thread::JoinHandle<()>>,
}

struct Committer {
    db: sled::Db,
    queue: sled::Tree,
    next_uid: u32,
}

impl GroupCommit {
    pub fn start(db: sled::Db, queue: sled::Tree) -> Result<Self, Error> {
        let next_uid = read_u32(queue.get(NEXT_TASK)?);
        let mut committer = Committer { db, queue, next_uid };
        let (requests, rx) = mpsc::channel::<Request>();
        let thread = thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    if let Request::Hold(held, release) = first {
                        let _ = held.send(());
                        // Blocks until the holder drops its end.
                        let _ = release.recv();
                        continue;
                    }
                    let mut round = vec![first];
                    round.extend(rx.try_iter());
                    committer.commit(round);
                }
            })
            .map_err(|e| Error::Durability(format!("cannot start the committer: {e}")))?;
        Ok(Self { requests: Some(requests), thread: Some(thread) })
    }

    /// Hands `request` to the committer; gives it back if the committer is gone.
    fn send(&self, request: Request) -> Option<Request> {
        match &self.requests {
            Some(requests) => requests.send(request).err().map(|mpsc::SendError(r)| r),
            None => Some(request),
        }
    }

    /// Writes `new` and resolves once it is on disk.
    pub fn register(&self, new: NewTask) -> oneshot::Receiver<Result<Task, Error>> {
        let (tx, rx) = oneshot::channel();
        if let Some(Request::Register(_, tx)) = self.send(Request::Register(Box::new(new), tx)) {
            let _ = tx.send(Err(Error::ShuttingDown));
        }
        rx
    }

    /// Stops registrations from being written until the returned guard is
    /// dropped; returns once the committer has stopped (registrations wait,
    /// none is lost).
    pub fn hold(&self) -> Option<mpsc::Sender<()>> {
        let (held_tx, held_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel();
        if self.send(Request::Hold(held_tx, release_rx)).is_some() {
            return None;
        }
        held_rx.recv().ok().map(|()| release_tx)
    }

    /// Resolves once everything written before this call is on disk.
    pub fn durable(&self) -> oneshot::Receiver<Result<(), String>> {
        let (tx, rx) = oneshot::channel();
        if let Some(Request::Sync(tx)) = self.send(Request::Sync(tx)) {
            let _ = tx.send(Err("the committer has stopped".into()));
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

type Reply = oneshot::Sender<Result<Task, Error>>;

impl Committer {
    fn commit(&mut self, round: Vec<Request>) {
        let started = Instant::now();
        let mut registered: Vec<(Task, Reply)> = Vec::new();
        let mut syncs = Vec::new();
        let mut tasks = sled::Batch::default();
        let first_uid = self.next_uid;
        for request in round {
            match request {
                Request::Sync(reply) => syncs.push(reply),
                // Registrations staged so far are written after the hold.
                Request::Hold(held, release) => {
                    let _ = held.send(());
                    let _ = release.recv();
                }
                Request::Register(new, reply) => match self.stage(*new, &mut tasks) {
                    Ok(task) => registered.push((task, reply)),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                },
            }
        }
        let written = if registered.is_empty() {
            Ok(())
        } else {
            tasks.insert(NEXT_TASK, &self.next_uid.to_be_bytes());
            self.queue.apply_batch(tasks)
        };
        if written.is_err() {
            // Nothing of this round reached sled: its uids can be handed out again.
            self.next_uid = first_uid;
        }
        let write_micros = started.elapsed().as_micros() as u64;
        let flushed = written.and_then(|()| self.db.flush().map(drop));
        debug!(
            tasks = registered.len(),
            syncs = syncs.len(),
            write_micros,
            micros = started.elapsed().as_micros() as u64,
            "group commit"
        );
        if let Err(e) = &flushed {
            error!(error = %e, "writing or flushing registered tasks failed");
        }
        for (task, reply) in registered {
            let _ = reply.send(flushed.clone().map(|()| task).map_err(|e| Error::Durability(e.to_string())));
        }
        for reply in syncs {
            let _ = reply.send(flushed.clone().map_err(|e| e.to_string()));
        }
    }

    /// Numbers the task and adds it, with its payload, to the round's batch:
    /// one atomic write per round, so a task never exists without its data.
    fn stage(&mut self, new: NewTask, tasks: &mut sled::Batch) -> Result<Task, Error> {
        let uid = self.next_uid;
        let next = uid.checked_add(1).ok_or(Error::NoTaskUidLeft)?;
        let mut operation = new.operation;
        let mut bytes = 0;
        if let Some(payload) = new.payload {
            let id = ContentId(u64::from(uid));
            bytes = payload.len() as u64;
            tasks.insert(&content_key(id), payload);
            if let Operation::DocumentAdditionOrUpdate { content, .. } = &mut operation {
                *content = id;
            }
        }
        let mut task = Task::new(new.index_uid, operation, new.details);
        task.uid = TaskId(uid);
        task.custom_metadata = new.annotations.custom_metadata;
        task.webhooks = new.annotations.webhooks;
        tasks.insert(&task_key(task.uid), serde_json::to_vec(&task)?);
        let marker = Marker::of(&task, bytes).encode();
        if is_priority(task.kind()) {
            tasks.insert(&priority_key(task.uid), marker.clone());
        }
        tasks.insert(&marker_key(task.uid), marker);
        self.next_uid = next;
        Ok(task)
    }
}
