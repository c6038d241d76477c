//! The durable outbox: one row per (webhook, batch), in sled.
//!
//! Keys are a kind byte + webhook uuid + batch uid (big-endian), so a
//! webhook's rows are in batch order and recording the same batch twice (a
//! replay after a crash) finds the row already there. Rows still to deliver
//! are under `d`, so the next one is always the first; delivered and failed
//! ones move to the log under `l` (the newest [`LOG_LIMIT`] per webhook are
//! kept, with their bodies, for redelivery). Bodies are under `p`, health
//! under `h`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::row::{self, Delivery, State};
use crate::Error;

const DELIVERY: u8 = b'd';
const LOG: u8 = b'l';
const BODY: u8 = b'p';
const SHARED_BODY: u8 = b'q';
const SHARED_REFS: u8 = b'r';
const HEALTH: u8 = b'h';

/// Finished deliveries kept per webhook.
pub const LOG_LIMIT: usize = 1_000;

/// How a webhook has been doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub consecutive_failures: u32,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
}

fn shared_key(kind: u8, batch: u32, shape: u8) -> Vec<u8> {
    let mut k = vec![kind];
    k.extend_from_slice(&batch.to_be_bytes());
    k.push(shape);
    k
}

fn key(kind: u8, webhook: Uuid, batch: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(21);
    k.push(kind);
    k.extend_from_slice(webhook.as_bytes());
    k.extend_from_slice(&batch.to_be_bytes());
    k
}

fn prefix(kind: u8, webhook: Uuid) -> Vec<u8> {
    let mut k = vec![kind];
    k.extend_from_slice(webhook.as_bytes());
    k
}

#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tree: sled::Tree,
    /// Rows still to deliver per webhook, counted once at open and kept up
    /// to date, so that health and metrics do not scan a large backlog.
    depth: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Outbox {
    pub fn open(db: &sled::Db) -> Result<Self, Error> {
        let tree = db.open_tree("outbox")?;
        let mut depth: HashMap<Uuid, usize> = HashMap::new();
        for k in tree.scan_prefix([DELIVERY]).keys() {
            if let Some(uuid) = k?.get(1..17).and_then(|b| Uuid::from_slice(b).ok()) {
                *depth.entry(uuid).or_default() += 1;
            }
        }
        Ok(Self { tree, depth: Arc::new(Mutex::new(depth)) })
    }

    fn count(&self, webhook: Uuid, change: isize) {
        let mut depth = self.depth.lock().unwrap_or_else(|e| e.into_inner());
        let n = depth.entry(webhook).or_default();
        *n = n.saturating_add_signed(change);
    }

    fn body_key(delivery: &Delivery) -> Vec<u8> {
        match delivery.shape {
            Some(shape) => shared_key(SHARED_BODY, delivery.batch, shape),
            None => key(BODY, delivery.webhook, delivery.batch),
        }
    }

    /// Records a delivery unless this batch is already recorded for this webhook.
    pub fn record(&self, delivery: &Delivery, body: &[u8]) -> Result<(), Error> {
        let meta = key(DELIVERY, delivery.webhook, delivery.batch);
        if self.tree.contains_key(&meta)? || self.tree.contains_key(key(LOG, delivery.webhook, delivery.batch))? {
            return Ok(());
        }
        // Body first: a delivery row never exists without its body.
        let body_key = Self::body_key(delivery);
        if let Some(shape) = delivery.shape {
            if !self.tree.contains_key(&body_key)? {
                self.tree.insert(&body_key, body)?;
            }
            self.tree.update_and_fetch(shared_key(SHARED_REFS, delivery.batch, shape), |old| {
                let count = old.and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes);
                Some((count + 1).to_be_bytes().to_vec())
            })?;
        } else {
            self.tree.insert(body_key, body)?;
        }
        self.tree.insert(meta, row::encode(delivery)?)?;
        self.count(delivery.webhook, 1);
        Ok(())
    }

    /// Drops a row's claim on its body; a shared body goes with its last row.
    fn release(&self, delivery: &Delivery) -> Result<(), Error> {
        let Some(shape) = delivery.shape else {
            self.tree.remove(Self::body_key(delivery))?;
            return Ok(());
        };
        let refs = shared_key(SHARED_REFS, delivery.batch, shape);
        let left = self.tree.update_and_fetch(&refs, |old| {
            let count = old.and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes);
            (count > 1).then(|| (count - 1).to_be_bytes().to_vec())
        })?;
        if left.is_none() {
            self.tree.remove(Self::body_key(delivery))?;
        }
        Ok(())
    }

    /// The batches of the oldest `limit` rows of `webhook` still to deliver,
    /// but those in `skip`, in batch order: the order they go out in. Keys
    /// only: each row is read with [`Outbox::pending_row`] when its turn
    /// comes, since a scan may see a leaf from before the recorder moved a row
    /// to the log and took it out of `skip`.
    pub fn pending(&self, webhook: Uuid, skip: &BTreeSet<u32>, limit: usize) -> Result<Vec<u32>, Error> {
        let mut out = Vec::new();
        for k in self.tree.scan_prefix(prefix(DELIVERY, webhook)).keys() {
            let Some(batch) = k?.get(17..21).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes) else { continue };
            if !skip.contains(&batch) {
                out.push(batch);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The row of `batch` for `webhook` as it is now, if it is still to deliver.
    pub fn pending_row(&self, webhook: Uuid, batch: u32) -> Result<Option<Delivery>, Error> {
        let k = key(DELIVERY, webhook, batch);
        let Some(v) = self.tree.get(&k)? else { return Ok(None) };
        Ok(Some(row::decode(&k, &v)?).filter(|d| d.state == State::Pending))
    }

    /// The first row still to deliver but those in `skip`.
    #[cfg(test)]
    pub fn head(&self, webhook: Uuid, skip: &BTreeSet<u32>) -> Result<Option<Delivery>, Error> {
        for batch in self.pending(webhook, skip, usize::MAX)? {
            if let Some(row) = self.pending_row(webhook, batch)? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }

    pub fn body(&self, delivery: &Delivery) -> Result<Option<sled::IVec>, Error> {
        Ok(self.tree.get(Self::body_key(delivery))?)
    }

    pub fn update(&self, delivery: &Delivery) -> Result<(), Error> {
        self.tree.insert(key(DELIVERY, delivery.webhook, delivery.batch), row::encode(delivery)?)?;
        Ok(())
    }

    /// Delivered or failed for good: the row moves to the log.
    ///
    /// Two plain writes rather than one atomic batch: sled's batches take a
    /// global lock that every other writer waits on, which made this the
    /// slowest step of a delivery. Log first, so a crash in between leaves the
    /// row in both places and it is sent again: at least once, never lost.
    pub fn finish(&self, delivery: &Delivery) -> Result<(), Error> {
        self.tree.insert(key(LOG, delivery.webhook, delivery.batch), row::encode(delivery)?)?;
        if self.tree.remove(key(DELIVERY, delivery.webhook, delivery.batch))?.is_some() {
            self.count(delivery.webhook, -1);
        }
        Ok(())
    }

    /// Keeps the newest [`LOG_LIMIT`] finished rows of `webhook`.
    pub fn prune(&self, webhook: Uuid) -> Result<(), Error> {
        let count = self.tree.scan_prefix(prefix(LOG, webhook)).count();
        for entry in self.tree.scan_prefix(prefix(LOG, webhook)).take(count.saturating_sub(LOG_LIMIT)) {
            let (k, v) = entry?;
            self.release(&row::decode(&k, &v)?)?;
            self.tree.remove(k)?;
        }
        Ok(())
    }

    /// A finished delivery back to pending (manual redelivery), attempted next.
    pub fn requeue(&self, webhook: Uuid, batch: u32) -> Result<Option<Delivery>, Error> {
        let log_key = key(LOG, webhook, batch);
        let Some(bytes) = self.tree.get(&log_key)? else { return Ok(None) };
        let mut delivery = row::decode(&log_key, &bytes)?;
        if !self.tree.contains_key(Self::body_key(&delivery))? {
            return Ok(None);
        }
        delivery.state = State::Pending;
        delivery.attempts = 0;
        delivery.next_attempt_at = 0;
        let mut write = sled::Batch::default();
        write.remove(log_key);
        write.insert(key(DELIVERY, webhook, batch), row::encode(&delivery)?);
        self.tree.apply_batch(write)?;
        self.count(webhook, 1);
        Ok(Some(delivery))
    }

    /// Failed deliveries of `webhook` created at or after `since` (Unix ms).
    pub fn failed_since(&self, webhook: Uuid, since: i64) -> Result<Vec<u32>, Error> {
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(prefix(LOG, webhook)) {
            let (k, v) = entry?;
            let delivery = row::decode(&k, &v)?;
            if delivery.state == State::Failed && delivery.created_at >= since {
                out.push(delivery.batch);
            }
        }
        Ok(out)
    }

    /// A page of `webhook`'s deliveries, newest first: pending and finished.
    pub fn page(&self, webhook: Uuid, from: Option<u32>, limit: usize) -> Result<(Vec<Delivery>, usize), Error> {
        let mut all: Vec<(u32, sled::IVec, sled::IVec)> = Vec::new();
        let mut total = 0;
        for kind in [DELIVERY, LOG] {
            for entry in self.tree.scan_prefix(prefix(kind, webhook)) {
                let (k, v) = entry?;
                total += 1;
                let batch = k.get(17..21).and_then(|b| b.try_into().ok()).map_or(0, u32::from_be_bytes);
                if from.is_none_or(|f| batch <= f) {
                    all.push((batch, k, v));
                }
            }
        }
        all.sort_by_key(|(batch, _, _)| std::cmp::Reverse(*batch));
        let page = all.into_iter().take(limit).map(|(_, k, v)| row::decode(&k, &v)).collect::<Result<_, _>>()?;
        Ok((page, total))
    }

    pub fn health(&self, webhook: Uuid) -> Health {
        self.tree
            .get([&[HEALTH], webhook.as_bytes().as_slice()].concat())
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_slice(&v).ok())
            .unwrap_or_default()
    }

    pub fn set_health(&self, webhook: Uuid, health: &Health) -> Result<(), Error> {
        self.tree.insert([&[HEALTH], webhook.as_bytes().as_slice()].concat(), serde_json::to_vec(health)?)?;
        Ok(())
    }

    /// Every row of a deleted webhook, and its claims on bodies.
    pub fn forget(&self, webhook: Uuid) -> Result<(), Error> {
        self.depth.lock().unwrap_or_else(|e| e.into_inner()).remove(&webhook);
        self.tree.remove([&[HEALTH], webhook.as_bytes().as_slice()].concat())?;
        for kind in [DELIVERY, LOG] {
            for entry in self.tree.scan_prefix(prefix(kind, webhook)) {
                let (k, v) = entry?;
                self.release(&row::decode(&k, &v)?)?;
                self.tree.remove(k)?;
            }
        }
        for k in self.tree.scan_prefix(prefix(BODY, webhook)).keys() {
            self.tree.remove(k?)?;
        }
        Ok(())
    }

    /// Webhooks with at least one row to deliver, for resuming after a restart.
    pub fn webhooks(&self) -> Vec<Uuid> {
        let depth = self.depth.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<Uuid> = depth.iter().filter(|(_, n)| **n > 0).map(|(uuid, _)| *uuid).collect();
        out.sort();
        out
    }

    /// Rows of `webhook` still to deliver (pending, or waiting for a retry).
    pub fn len(&self, webhook: Uuid) -> usize {
        self.depth.lock().unwrap_or_else(|e| e.into_inner()).get(&webhook).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::delivery_id;

    #[test]
    fn a_shared_body_lives_until_its_last_row_goes() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&sled::open(dir.path()).unwrap()).unwrap();
        let hooks = [Uuid::new_v4(), Uuid::new_v4()];
        for hook in hooks {
            let d = Delivery { shape: Some(0), ..Delivery::pending(hook, 7) };
            outbox.record(&d, b"shared").unwrap();
            outbox.record(&d, b"shared").unwrap(); // a replay takes no second claim
        }
        let first = outbox.head(hooks[0], &BTreeSet::new()).unwrap().unwrap();
        assert_eq!(first.id, delivery_id(7, hooks[0]), "the id comes from the key");
        assert_eq!(outbox.body(&first).unwrap().unwrap().as_ref(), b"shared");
        outbox.forget(hooks[0]).unwrap();
        let second = outbox.head(hooks[1], &BTreeSet::new()).unwrap().unwrap();
        assert_eq!(outbox.body(&second).unwrap().unwrap().as_ref(), b"shared", "still claimed");
        outbox.forget(hooks[1]).unwrap();
        assert!(outbox.tree.is_empty(), "nothing left behind");
    }

    #[test]
    fn rows_are_idempotent_ordered_and_removable() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let outbox = Outbox::open(&db).unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        for batch in [300, 2, 17] {
            outbox.record(&Delivery::pending(a, batch), b"body").unwrap();
        }
        outbox.record(&Delivery::pending(b, 1), b"other").unwrap();
        let mut replay = Delivery::pending(a, 2);
        replay.attempts = 9;
        outbox.record(&replay, b"changed").unwrap();
        let head = outbox.head(a, &BTreeSet::new()).unwrap().unwrap();
        assert_eq!((head.batch, head.attempts), (2, 0), "batch order; a replay does not overwrite");
        assert_eq!(outbox.body(&head).unwrap().unwrap().as_ref(), b"body");
        let mut failed = head.clone();
        failed.state = State::Failed;
        outbox.update(&failed).unwrap();
        assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 17, "failed rows are kept but skipped");
        outbox.finish(&outbox.head(a, &BTreeSet::new()).unwrap().unwrap()).unwrap();
        assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 300);
        let (page, total) = outbox.page(a, None, 10).unwrap();
        assert_eq!(total, 3);
        assert_eq!(
            page.iter().map(|d| d.batch).collect::<Vec<_>>(),
            [300, 17, 2],
            "newest first, pending and finished"
        );
        assert_eq!(outbox.requeue(a, 17).unwrap().unwrap().state, State::Pending);
        assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 17, "a redelivery goes first");
        let hooks = outbox.webhooks();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(hooks, expected);
        assert_eq!(outbox.len(a), 3, "300, 17 again, and the failed 2 is still a row");
        assert_eq!(Outbox::open(&db).unwrap().len(a), 3, "counted again on open");
        outbox.forget(a).unwrap();
        assert_eq!(outbox.len(a), 0);
        assert!(outbox.head(a, &BTreeSet::new()).unwrap().is_none());
    }
}
