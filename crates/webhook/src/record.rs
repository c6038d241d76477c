//! Finished deliveries written behind the lanes.
//!
//! Writing a finished delivery to the log (and pruning the log) took about
//! as long as sending it, and a lane sends one request at a time, so it was
//! half of every lane step. A lane now hands the finished delivery to the
//! [`Recorder`]'s thread and goes on with its next one at once. The thread
//! gathers a group, then writes each webhook's part of it as one log chunk,
//! in arrival order; now and then prunes the logs; saves the cursors it
//! moved; then drops the batch rows every webhook has passed.
//!
//! Until it is written the delivery is still to make on disk, so a crash in
//! between sends it again with the same `webhook-id`: a duplicate, never a
//! loss. Meanwhile the lane must not send it twice: deliveries handed over
//! and not yet written are *unsettled*, and [`Recorder::unsettled`] tells
//! the lane to pass over them.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tracing::error;
use uuid::Uuid;

use crate::outbox::Outbox;
use crate::row::Delivery;
use crate::{lock, Registry};

/// A webhook's log is pruned after this many finished rows.
const PRUNE_EVERY: u32 = 256;
/// How far a lane may run ahead of the writing thread. Unbounded, lanes
/// draining a backlog outran it and memory grew with the deliveries in flight.
const MAX_AHEAD: usize = 64;
/// Jobs the thread takes off the queue at a time, and how long it waits
/// for a group to fill: each webhook's part of a group is one log chunk, and
/// a thread quicker than the lanes wrote chunks of one delivery, a sled
/// insert (and later a remove) each. Deliveries are already sent by then;
/// only a crash inside the wait sends them again.
const GROUP: usize = 1_024;
const GATHER: Duration = Duration::from_millis(10);

type Unsettled = Arc<Mutex<HashMap<Uuid, BTreeSet<u32>>>>;

/// What the thread does, in the order it was asked.
#[derive(Debug)]
enum Job {
    /// A delivered or failed-for-good delivery, to write to the log.
    Finish(Delivery),
    /// A deleted webhook: its deliveries go, after those handed over before.
    Forget(Uuid),
}

/// Jobs waiting for the thread. Not a channel: a channel's send wakes a
/// waiting receiver each time, a futex call per delivery; here the thread is
/// woken by a group's first job and by a full group only.
#[derive(Debug, Default)]
struct Queue {
    jobs: Vec<Job>,
    /// Jobs are then done on the caller's thread.
    closed: bool,
}

type Shared = Arc<(Mutex<Queue>, Condvar)>;

/// Hands finished rows to the thread that writes them.
#[derive(Debug)]
pub(crate) struct Recorder {
    queue: Shared,
    thread: Mutex<Option<JoinHandle<()>>>,
    unsettled: Unsettled,
    /// The thread's, shared so that anything else touching the rows it
    /// writes (requeues) takes turns with it, and so that jobs can still be
    /// done here once it is gone.
    writer: Arc<Mutex<Writer>>,
    /// Told each time the thread has written a group.
    written: Arc<Notify>,
}

impl Recorder {
    /// Starts the writing thread; [`Recorder::close`] ends it. `delay` holds
    /// each group of jobs back before doing it: only fault-injection tests set
    /// it, to crash inside the window.
    pub fn start(outbox: Outbox, registry: Arc<Registry>, delay: Duration) -> std::io::Result<Self> {
        let queue = Shared::default();
        let unsettled = Unsettled::default();
        let writer = Writer {
            outbox,
            registry,
            unsettled: Arc::clone(&unsettled),
            pruned: HashMap::new(),
            prune_due: false,
            finished: Vec::new(),
        };
        let writer = Arc::new(Mutex::new(writer));
        let written = Arc::new(Notify::new());
        let (shared, told, jobs) = (Arc::clone(&writer), Arc::clone(&written), Arc::clone(&queue));
        let thread = std::thread::Builder::new()
            .name("webhook-recorder".into())
            .spawn(move || run(&shared, &jobs, &told, delay))?;
        Ok(Self { queue, thread: Mutex::new(Some(thread)), unsettled, writer, written })
    }

    /// Writes everything handed over so far and stops the thread: at a clean
    /// shutdown, before the database's last flush, so that nothing already
    /// delivered is sent again after the restart.
    pub fn close(&self) {
        lock(&self.queue.0).closed = true;
        self.queue.1.notify_one();
        if let Some(thread) = lock(&self.thread).take() {
            if thread.join().is_err() {
                error!("the webhook recorder thread panicked; unwritten deliveries will be sent again");
            }
        }
    }

    /// Waits while `webhook` has [`MAX_AHEAD`] deliveries handed over and not written.
    pub async fn keep_up(&self, webhook: Uuid) {
        loop {
            let written = self.written.notified();
            tokio::pin!(written);
            // Registered before the check, so a group written in between wakes it.
            written.as_mut().enable();
            if lock(&self.unsettled).get(&webhook).is_none_or(|batches| batches.len() < MAX_AHEAD) {
                return;
            }
            written.await;
        }
    }

    /// Takes a delivered or failed-for-good delivery; it is written soon after.
    pub fn finish(&self, delivery: Delivery) {
        lock(&self.unsettled).entry(delivery.webhook).or_default().insert(delivery.batch);
        self.submit(Job::Finish(delivery));
    }

    /// Drops a deleted webhook's deliveries once those handed over before are written.
    pub fn forget(&self, webhook: Uuid) {
        self.submit(Job::Forget(webhook));
    }

    /// Runs `f` on the outbox between two of the thread's writes.
    pub fn exclusive<R>(&self, f: impl FnOnce(&Outbox) -> R) -> R {
        f(&lock(&self.writer).outbox)
    }

    /// The batches of `webhook` handed over and not written yet.
    pub fn unsettled(&self, webhook: Uuid) -> BTreeSet<u32> {
        lock(&self.unsettled).get(&webhook).cloned().unwrap_or_default()
    }

    fn submit(&self, job: Job) {
        let unsent = {
            let mut queue = lock(&self.queue.0);
            if queue.closed {
                Some(job)
            } else {
                queue.jobs.push(job);
                if matches!(queue.jobs.len(), 1 | GROUP) {
                    self.queue.1.notify_one();
                }
                None
            }
        };
        if let Some(job) = unsent {
            let mut writer = lock(&self.writer);
            writer.run(job);
            writer.flush();
            drop(writer);
            self.written.notify_waiters();
        }
    }
}

fn run(writer: &Mutex<Writer>, queue: &(Mutex<Queue>, Condvar), written: &Notify, delay: Duration) {
    let (jobs, wake) = queue;
    loop {
        let mut waiting = lock(jobs);
        while waiting.jobs.is_empty() && !waiting.closed {
            waiting = wake.wait(waiting).unwrap_or_else(|e| e.into_inner());
        }
        // A group's first job: give the group time to fill.
        let until = Instant::now() + GATHER;
        while waiting.jobs.len() < GROUP && !waiting.closed {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            waiting = wake.wait_timeout(waiting, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        let (group, closed) = (std::mem::take(&mut waiting.jobs), waiting.closed);
        drop(waiting);
        if group.is_empty() && closed {
            return;
        }
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut writer = lock(writer);
        for job in group {
            writer.run(job);
        }
        writer.flush();
        drop(writer);
        written.notify_waiters();
    }
}

#[derive(Debug)]
struct Writer {
    outbox: Outbox,
    registry: Arc<Registry>,
    unsettled: Unsettled,
    /// Rows finished per webhook since the logs were last pruned.
    pruned: HashMap<Uuid, u32>,
    /// Whether a webhook has reached [`PRUNE_EVERY`] since.
    prune_due: bool,
    /// This group's finished rows, in the order they came: written together.
    finished: Vec<Delivery>,
}

impl Writer {
    fn run(&mut self, job: Job) {
        match job {
            Job::Finish(delivery) => self.finished.push(delivery),
            Job::Forget(webhook) => {
                self.write_finished();
                self.pruned.remove(&webhook);
                if let Err(e) = self.outbox.forget(webhook) {
                    error!(%webhook, error = %e, "dropping the deliveries of a deleted webhook failed");
                }
            }
        }
    }

    /// The group's finished deliveries, one log chunk per webhook.
    fn write_finished(&mut self) {
        let finished = std::mem::take(&mut self.finished);
        let mut by_webhook: HashMap<Uuid, Vec<&Delivery>> = HashMap::new();
        for delivery in &finished {
            by_webhook.entry(delivery.webhook).or_default().push(delivery);
        }
        for (webhook, rows) in by_webhook {
            // A deleted webhook's rows are gone with it (its Forget comes
            // after): writing these would leave orphans in the log.
            if self.registry.contains(webhook) {
                match self.outbox.finish(webhook, &rows) {
                    Ok(()) => {
                        let count = self.pruned.entry(webhook).or_insert(0);
                        *count += rows.len() as u32;
                        self.prune_due |= *count >= PRUNE_EVERY;
                    }
                    // Passed in this run all the same (the outbox keeps them
                    // pending on disk, so a restart sends them again).
                    Err(e) => {
                        let first = rows.iter().map(|d| d.batch).min().unwrap_or(0);
                        error!(%webhook, batch = first, error = %e, "recording deliveries failed; a restart sends them again");
                    }
                }
            }
            let mut unsettled = lock(&self.unsettled);
            if let Some(batches) = unsettled.get_mut(&webhook) {
                for delivery in &rows {
                    batches.remove(&delivery.batch);
                }
                if batches.is_empty() {
                    unsettled.remove(&webhook);
                }
            }
        }
    }

    /// After each group: the cursors it moved, the batch rows every webhook
    /// has passed, and the logs once one is due for pruning (all of them at
    /// once: webhooks fed the same batches share their bodies' claims).
    fn flush(&mut self) {
        self.write_finished();
        if self.prune_due {
            self.prune_due = false;
            let webhooks: Vec<Uuid> = self.pruned.drain().map(|(webhook, _)| webhook).collect();
            if let Err(e) = self.outbox.prune(webhooks) {
                error!(error = %e, "pruning the deliveries log failed");
            }
        }
        if let Err(e) = self.outbox.save_cursors() {
            error!(error = %e, "saving the webhook cursors failed; finished deliveries may be sent again");
            return;
        }
        if let Err(e) = self.outbox.collect() {
            error!(error = %e, "dropping delivered batch rows failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::State;

    /// A webhook with pending rows for `batches`, and a recorder holding
    /// each group back `delay`.
    struct Setup {
        _dir: tempfile::TempDir,
        registry: Arc<Registry>,
        webhook: Uuid,
        outbox: Outbox,
        recorder: Recorder,
    }

    fn setup(batches: &[u32], delay: Duration) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let registry = Arc::new(Registry::open(&db, None).unwrap());
        let webhook = registry.create(serde_json::json!({"url": "http://a/hook"})).unwrap().uuid;
        let outbox = Outbox::open(&db).unwrap();
        for batch in batches {
            outbox.record(*batch, &[(Delivery::pending(webhook, *batch), b"body")]).unwrap();
        }
        let recorder = Recorder::start(outbox.clone(), Arc::clone(&registry), delay).unwrap();
        Setup { _dir: dir, registry, webhook, outbox, recorder }
    }

    fn wait_until(mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_handed_over_row_is_passed_over_until_written_then_leaves_the_queue() {
        let Setup { webhook, outbox, recorder, .. } = setup(&[1, 2], Duration::from_millis(300));
        let mut first = outbox.head(webhook, &BTreeSet::new()).unwrap().unwrap();
        first.state = State::Delivered;
        recorder.finish(first);

        assert!(recorder.unsettled(webhook).contains(&1));
        assert_eq!(outbox.len(webhook), 2, "not written yet: still pending on disk");
        let next = outbox.head(webhook, &recorder.unsettled(webhook)).unwrap().unwrap();
        assert_eq!(next.batch, 2, "the lane goes on with the next row");

        wait_until(|| !recorder.unsettled(webhook).contains(&1));
        assert_eq!(outbox.len(webhook), 1);
        assert_eq!(outbox.head(webhook, &BTreeSet::new()).unwrap().unwrap().batch, 2);
        let (page, _) = outbox.page(webhook, Some(1), 1).unwrap();
        assert_eq!(page[0].state, State::Delivered, "in the log");
    }

    #[test]
    fn close_writes_what_was_handed_over_and_a_forget_comes_after_it() {
        let Setup { registry, webhook, outbox, recorder, .. } = setup(&[1, 2, 3], Duration::from_millis(200));
        let delivered = |batch| Delivery { state: State::Delivered, ..Delivery::pending(webhook, batch) };
        recorder.finish(delivered(1));
        recorder.close();
        assert!(!recorder.unsettled(webhook).contains(&1), "written before close returned");
        assert_eq!(outbox.len(webhook), 2);
        recorder.finish(delivered(2));
        assert_eq!(outbox.len(webhook), 1, "once closed, written on the caller's thread");

        registry.delete(&webhook.to_string()).unwrap();
        recorder.forget(webhook);
        assert_eq!(outbox.page(webhook, None, 10).unwrap().1, 0, "pending and logged rows gone");
    }
}
