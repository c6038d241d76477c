//! Finished deliveries written behind the lanes.
//!
//! Moving a finished row to the log (and pruning the log) took about as long
//! as sending it, and a lane sends one request at a time, so it was half of
//! every lane step. A lane now hands the finished row to the [`Recorder`]'s
//! thread and goes on with its next row at once; the thread writes what has
//! piled up, in arrival order.
//!
//! Until it is written the row is still pending on disk, so a crash in
//! between sends it again with the same `webhook-id`: a duplicate, never a
//! loss. Meanwhile the lane must not send it twice: rows handed over and not
//! yet written are *unsettled*, and [`Recorder::is_unsettled`] tells the lane
//! to pass over them.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tracing::error;
use uuid::Uuid;

use crate::outbox::Outbox;
use crate::row::Delivery;
use crate::Registry;

/// A webhook's log is pruned after this many finished rows.
const PRUNE_EVERY: u32 = 256;
/// How far a lane may run ahead of the writing thread. Unbounded, lanes
/// draining a backlog outran it and memory grew with the rows in flight.
const MAX_AHEAD: usize = 64;
/// Rows the thread takes off the channel at a time.
const GROUP: usize = 256;

type Unsettled = Arc<Mutex<HashMap<Uuid, BTreeSet<u32>>>>;

/// Hands finished rows to the thread that writes them.
#[derive(Debug)]
pub(crate) struct Recorder {
    tx: Sender<Delivery>,
    unsettled: Unsettled,
    /// Shared with the thread, so that a row can still be written here if
    /// the thread is gone.
    writer: Arc<Mutex<Writer>>,
    /// Told each time the thread has written a group.
    written: Arc<Notify>,
}

impl Recorder {
    /// Starts the writing thread; it ends once the recorder is dropped and
    /// everything handed to it is written. `delay` holds each row back before
    /// writing it: only fault-injection tests set it, to crash in the window.
    pub fn start(outbox: Outbox, registry: Arc<Registry>, delay: Duration) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let unsettled = Unsettled::default();
        let writer = Writer { outbox, registry, unsettled: Arc::clone(&unsettled), pruned: HashMap::new() };
        let writer = Arc::new(Mutex::new(writer));
        let written = Arc::new(Notify::new());
        let (shared, told) = (Arc::clone(&writer), Arc::clone(&written));
        std::thread::Builder::new().name("webhook-recorder".into()).spawn(move || run(&shared, &rx, &told, delay))?;
        Ok(Self { tx, unsettled, writer, written })
    }

    /// Waits while `webhook` has [`MAX_AHEAD`] rows handed over and not written.
    pub async fn keep_up(&self, webhook: Uuid) {
        while lock(&self.unsettled).get(&webhook).is_some_and(|batches| batches.len() >= MAX_AHEAD) {
            // Bounded: a wake-up between the check and the wait is not lost for long.
            let _ = tokio::time::timeout(Duration::from_millis(5), self.written.notified()).await;
        }
    }

    /// Takes a delivered or failed-for-good row; it is written soon after.
    pub fn finish(&self, delivery: Delivery) {
        lock(&self.unsettled).entry(delivery.webhook).or_default().insert(delivery.batch);
        if let Err(mpsc::SendError(delivery)) = self.tx.send(delivery) {
            lock(&self.writer).write(&delivery);
        }
    }

    /// Whether `batch` of `webhook` was handed over and is not written yet.
    pub fn is_unsettled(&self, webhook: Uuid, batch: u32) -> bool {
        lock(&self.unsettled).get(&webhook).is_some_and(|batches| batches.contains(&batch))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn run(writer: &Mutex<Writer>, rx: &Receiver<Delivery>, written: &Notify, delay: Duration) {
    while let Ok(first) = rx.recv() {
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut writer = lock(writer);
        writer.write(&first);
        for delivery in rx.try_iter().take(GROUP - 1) {
            writer.write(&delivery);
        }
        drop(writer);
        written.notify_waiters();
    }
}

#[derive(Debug)]
struct Writer {
    outbox: Outbox,
    registry: Arc<Registry>,
    unsettled: Unsettled,
    /// Rows finished per webhook since its log was last pruned.
    pruned: HashMap<Uuid, u32>,
}

impl Writer {
    fn write(&mut self, delivery: &Delivery) {
        let webhook = delivery.webhook;
        // A deleted webhook's rows are gone with it: writing this one would
        // leave an orphan in the log.
        if self.registry.find(webhook).is_some() {
            if let Err(e) = self.outbox.finish(delivery).and_then(|()| self.count(webhook)) {
                error!(%webhook, batch = delivery.batch, error = %e, "recording a delivery failed; it will be sent again");
            }
        }
        let mut unsettled = lock(&self.unsettled);
        if let Some(batches) = unsettled.get_mut(&webhook) {
            batches.remove(&delivery.batch);
            if batches.is_empty() {
                unsettled.remove(&webhook);
            }
        }
    }

    fn count(&mut self, webhook: Uuid) -> Result<(), crate::Error> {
        let count = self.pruned.entry(webhook).or_insert(0);
        *count += 1;
        if *count >= PRUNE_EVERY {
            *count = 0;
            self.outbox.prune(webhook)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::{delivery_id, State};

    fn delivery(webhook: Uuid, batch: u32) -> Delivery {
        Delivery {
            id: delivery_id(batch, webhook),
            webhook,
            batch,
            shape: None,
            tasks: vec![batch],
            attempts: 1,
            next_attempt_at: 0,
            state: State::Pending,
            gzip: true,
            created_at: 0,
            log: Vec::new(),
        }
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
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let registry = Arc::new(Registry::open(&db, None).unwrap());
        let webhook = registry.create(serde_json::json!({"url": "http://a/hook"})).unwrap().uuid;
        let outbox = Outbox::open(&db).unwrap();
        for batch in [1, 2] {
            outbox.record(&delivery(webhook, batch), b"body").unwrap();
        }
        let recorder = Recorder::start(outbox.clone(), registry, Duration::from_millis(300)).unwrap();
        let mut first = outbox.head(webhook, |_| false).unwrap().unwrap();
        first.state = State::Delivered;
        recorder.finish(first);

        assert!(recorder.is_unsettled(webhook, 1));
        assert_eq!(outbox.len(webhook), 2, "not written yet: still pending on disk");
        let next = outbox.head(webhook, |b| recorder.is_unsettled(webhook, b)).unwrap().unwrap();
        assert_eq!(next.batch, 2, "the lane goes on with the next row");

        wait_until(|| !recorder.is_unsettled(webhook, 1));
        assert_eq!(outbox.len(webhook), 1);
        assert_eq!(outbox.head(webhook, |_| false).unwrap().unwrap().batch, 2);
        let (page, _) = outbox.page(webhook, Some(1), 1).unwrap();
        assert_eq!(page[0].state, State::Delivered, "in the log");
    }
}
