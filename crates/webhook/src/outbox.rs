//! The durable outbox, in sled.
//!
//! A finished batch is one row under `f` + batch uid ([`crate::fan`]) holding
//! every webhook's delivery of it; each webhook has a cursor under `c`, the
//! first batch it has not passed, so what it still has to deliver is the
//! batch rows from its cursor on that name it. A delivery gets a row of its
//! own under `d` + webhook uuid + batch uid (big-endian, so in batch order)
//! once it has an attempt to remember or is sent again on request, and
//! delivered and failed ones go to the log ([`crate::log`]: the newest
//! thousand or so per webhook are kept, with their bodies, for redelivery).
//! A batch row goes once every webhook it names has passed it. Bodies are
//! kept by [`crate::bodies`], health under `h`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bodies::Bodies;
use crate::cursor::Cursors;
use crate::fan;
use crate::log::Log;
use crate::row::{self, Delivery, State};
use crate::Error;

const FAN: u8 = b'f';
const DELIVERY: u8 = b'd';
const HEALTH: u8 = b'h';

/// How a webhook has been doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub consecutive_failures: u32,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
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

fn fan_key(batch: u32) -> [u8; 5] {
    let b = batch.to_be_bytes();
    [FAN, b[0], b[1], b[2], b[3]]
}

fn batch_of(key: &[u8], at: usize) -> Option<u32> {
    key.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes)
}

/// A delivery still to make, as a lane reads it ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// In a batch row: as it will be sent.
    Fan(Delivery),
    /// With a row of its own, of this batch: read again when its turn comes.
    Own(u32),
}

#[cfg(test)]
impl Next {
    pub fn batch(&self) -> u32 {
        match self {
            Next::Fan(delivery) => delivery.batch,
            Next::Own(batch) => *batch,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tree: sled::Tree,
    /// Deliveries still to make per webhook, counted once at open and kept up
    /// to date, so that health and metrics do not scan a large backlog.
    depth: Arc<Mutex<HashMap<Uuid, usize>>>,
    cursors: Cursors,
    /// Rows of their own per webhook: with none, a delivery is looked for
    /// in the batch rows alone.
    own: Arc<Mutex<HashMap<Uuid, usize>>>,
    log: Log,
    bodies: Bodies,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Outbox {
    pub fn open(db: &sled::Db) -> Result<Self, Error> {
        let tree = db.open_tree("outbox")?;
        let cursors = Cursors::open(&tree)?;
        let mut depth: HashMap<Uuid, usize> = HashMap::new();
        let mut own: HashSet<(Uuid, u32)> = HashSet::new();
        let mut own_rows: HashMap<Uuid, usize> = HashMap::new();
        for k in tree.scan_prefix([DELIVERY]).keys() {
            let k = k?;
            if let (Some(uuid), Some(batch)) = (k.get(1..17).and_then(|b| Uuid::from_slice(b).ok()), batch_of(&k, 17)) {
                *depth.entry(uuid).or_default() += 1;
                *own_rows.entry(uuid).or_default() += 1;
                own.insert((uuid, batch));
            }
        }
        for entry in tree.scan_prefix([FAN]) {
            let (k, v) = entry?;
            let batch = batch_of(&k, 1).ok_or(Error::CorruptedRow)?;
            for uuid in fan::webhooks(&v)? {
                if batch >= cursors.of(uuid) && !own.contains(&(uuid, batch)) {
                    *depth.entry(uuid).or_default() += 1;
                }
            }
        }
        Ok(Self {
            depth: Arc::new(Mutex::new(depth)),
            cursors,
            own: Arc::new(Mutex::new(own_rows)),
            log: Log::open(&tree)?,
            bodies: Bodies::new(&tree),
            tree,
        })
    }

    fn count(&self, webhook: Uuid, change: isize) {
        let mut depth = lock(&self.depth);
        let n = depth.entry(webhook).or_default();
        *n = n.saturating_add_signed(change);
    }

    fn own_rows(&self, webhook: Uuid, change: isize) {
        let mut own = lock(&self.own);
        let n = own.entry(webhook).or_default();
        *n = n.saturating_add_signed(change);
    }

    fn has_own_rows(&self, webhook: Uuid) -> bool {
        lock(&self.own).get(&webhook).is_some_and(|n| *n > 0)
    }

    fn passed(&self, webhook: Uuid) -> u32 {
        self.cursors.of(webhook)
    }

    /// The batch rows from `batch` on.
    fn fans_from(&self, batch: u32) -> sled::Iter {
        self.tree.range(fan_key(batch)..[FAN + 1, 0, 0, 0, 0])
    }

    /// Records one batch's deliveries (fresh, of one batch), with their
    /// bodies, unless the batch is already recorded: a replay after a crash
    /// finds its row, or each webhook past it or holding its own row of it.
    pub fn record(&self, batch: u32, deliveries: &[(Delivery, &[u8])]) -> Result<(), Error> {
        if self.tree.contains_key(fan_key(batch))? {
            return Ok(());
        }
        let mut kept = Vec::with_capacity(deliveries.len());
        for (delivery, body) in deliveries {
            let webhook = delivery.webhook;
            if batch >= self.passed(webhook) && !self.tree.contains_key(key(DELIVERY, webhook, batch))? {
                kept.push((delivery, *body));
            }
        }
        if kept.is_empty() {
            return Ok(());
        }
        // Bodies first: a delivery never exists without its body.
        self.bodies.store(batch, &kept)?;
        let rows: Vec<Delivery> = kept.iter().map(|(d, _)| (*d).clone()).collect();
        self.tree.insert(fan_key(batch), fan::encode(&rows))?;
        for delivery in &rows {
            self.count(delivery.webhook, 1);
        }
        Ok(())
    }

    /// The oldest `limit` deliveries `webhook` still has to make, but those
    /// of batches in `skip` (handed to the recorder, not written yet), in
    /// batch order: the order they go out in.
    ///
    /// `skip` must be taken before this call: a delivery the recorder writes
    /// meanwhile is then either in it or behind the cursor read here, so a
    /// delivery read from a batch row stays to make until its lane sends it.
    /// A row of its own changes under the lane (retries, redeliveries) and is
    /// read again with [`Outbox::pending_row`] when its turn comes.
    pub fn pending(&self, webhook: Uuid, skip: &BTreeSet<u32>, limit: usize) -> Result<Vec<Next>, Error> {
        // No more to find than the count says: a webhook that filters out
        // most batches does not scan the whole backlog for nothing.
        let limit = limit.min(self.len(webhook));
        let mut out = BTreeMap::new();
        let own = self.has_own_rows(webhook).then(|| self.tree.scan_prefix(prefix(DELIVERY, webhook)));
        for k in own.into_iter().flat_map(sled::Iter::keys) {
            let Some(batch) = batch_of(&k?, 17) else { continue };
            if !skip.contains(&batch) {
                out.insert(batch, Next::Own(batch));
                if out.len() >= limit {
                    break;
                }
            }
        }
        let mut found = 0;
        for entry in self.fans_from(self.passed(webhook)) {
            if found >= limit {
                break;
            }
            let (k, v) = entry?;
            let Some(batch) = batch_of(&k, 1) else { continue };
            if skip.contains(&batch) {
                continue;
            }
            if let Some(delivery) = fan::find(batch, &v, webhook)? {
                out.entry(batch).or_insert(Next::Fan(delivery));
                found += 1;
            }
        }
        Ok(out.into_values().take(limit).collect())
    }

    /// `webhook`'s delivery of `batch` as it is now, if it is still to make.
    pub fn pending_row(&self, webhook: Uuid, batch: u32) -> Result<Option<Delivery>, Error> {
        let k = key(DELIVERY, webhook, batch);
        if let Some(v) = self.has_own_rows(webhook).then(|| self.tree.get(&k)).transpose()?.flatten() {
            return Ok(Some(row::decode(&k, &v)?).filter(|d| d.state == State::Pending));
        }
        if batch < self.passed(webhook) {
            return Ok(None);
        }
        match self.tree.get(fan_key(batch))? {
            Some(v) => fan::find(batch, &v, webhook),
            None => Ok(None),
        }
    }

    /// The first delivery still to make but those in `skip`.
    #[cfg(test)]
    pub fn head(&self, webhook: Uuid, skip: &BTreeSet<u32>) -> Result<Option<Delivery>, Error> {
        for next in self.pending(webhook, skip, usize::MAX)? {
            let row = match next {
                Next::Fan(delivery) => Some(delivery),
                Next::Own(batch) => self.pending_row(webhook, batch)?,
            };
            if row.is_some() {
                return Ok(row);
            }
        }
        Ok(None)
    }

    pub fn body(&self, delivery: &Delivery) -> Result<Option<sled::IVec>, Error> {
        self.bodies.get(delivery)
    }

    pub fn update(&self, delivery: &Delivery) -> Result<(), Error> {
        if self.tree.insert(key(DELIVERY, delivery.webhook, delivery.batch), row::encode(delivery)?)?.is_none() {
            self.own_rows(delivery.webhook, 1);
        }
        Ok(())
    }

    /// Delivered or failed for good, of one webhook, in the order they were
    /// sent: they go to the log in one chunk, and the webhook's cursor past
    /// them (written by [`Outbox::save_cursors`]).
    ///
    /// Plain writes rather than one atomic batch: sled's batches take a
    /// global lock that every other writer waits on. Log first, so a crash
    /// before the rest leaves a delivery still to make as well, and it is
    /// sent again: at least once, never lost.
    pub fn finish(&self, webhook: Uuid, deliveries: &[&Delivery]) -> Result<(), Error> {
        self.log.append(webhook, deliveries)?;
        for delivery in deliveries {
            let batch = delivery.batch;
            let own = self.has_own_rows(webhook) && self.tree.remove(key(DELIVERY, webhook, batch))?.is_some();
            if own {
                self.own_rows(webhook, -1);
            }
            if self.cursors.pass(webhook, batch) || own {
                self.count(webhook, -1);
            }
        }
        Ok(())
    }

    /// A delivery whose finish could not be written: its webhook's cursor
    /// stays before it for as long as this process runs.
    pub fn hold(&self, webhook: Uuid, batch: u32) {
        self.cursors.hold(webhook, batch);
    }

    /// Writes the cursors moved since last time: once per group of finished
    /// deliveries rather than once per delivery. Until then a crash sends
    /// them again, never loses them: their log entries are written first.
    pub fn save_cursors(&self) -> Result<(), Error> {
        self.cursors.save()
    }

    /// Drops the oldest batch rows that every webhook they name (`live`) has
    /// passed; returns how many went.
    pub fn collect(&self, live: impl Fn(Uuid) -> bool) -> Result<usize, Error> {
        const AT_ONCE: usize = 1_024;
        let mut gone = 0;
        for entry in self.tree.scan_prefix([FAN]).take(AT_ONCE) {
            let (k, v) = entry?;
            let batch = batch_of(&k, 1).ok_or(Error::CorruptedRow)?;
            if !self.cursors.all_passed(&fan::webhooks(&v)?, batch, &live) {
                break;
            }
            self.tree.remove(k)?;
            gone += 1;
        }
        Ok(gone)
    }

    /// Keeps the newest thousand or so finished deliveries of each of `webhooks`.
    ///
    /// Webhooks are pruned together: those fed by the same batches release
    /// their claims on a shared body in one write instead of one each. The
    /// claims go after the entries, so a crash in between leaves a body
    /// behind rather than a claim on one that is gone.
    pub fn prune(&self, webhooks: impl IntoIterator<Item = Uuid>) -> Result<(), Error> {
        let mut gone = Vec::new();
        for webhook in webhooks {
            gone.extend(self.log.prune(webhook)?);
        }
        self.bodies.release_all(&gone)
    }

    /// A finished delivery back to pending (manual redelivery), attempted next.
    pub fn requeue(&self, webhook: Uuid, batch: u32) -> Result<Option<Delivery>, Error> {
        let Some(mut delivery) = self.log.all(webhook)?.into_iter().find(|d| d.batch == batch) else {
            return Ok(None);
        };
        if !self.bodies.contains(&delivery)? {
            return Ok(None);
        }
        delivery.state = State::Pending;
        delivery.attempts = 0;
        delivery.next_attempt_at = 0;
        // Pending first: a crash in between leaves it in both places, not in neither.
        if self.tree.insert(key(DELIVERY, webhook, batch), row::encode(&delivery)?)?.is_none() {
            self.own_rows(webhook, 1);
        }
        self.log.take(webhook, batch)?;
        // Not passed yet (its finish was lost to a crash): already counted.
        if batch < self.passed(webhook) {
            self.count(webhook, 1);
        }
        Ok(Some(delivery))
    }

    /// Failed deliveries of `webhook` created at or after `since` (Unix ms).
    pub fn failed_since(&self, webhook: Uuid, since: i64) -> Result<Vec<u32>, Error> {
        let failed = self.log.all(webhook)?.into_iter().filter(|d| d.state == State::Failed && d.created_at >= since);
        Ok(failed.map(|d| d.batch).collect())
    }

    /// A page of `webhook`'s deliveries, newest first: pending and finished.
    pub fn page(&self, webhook: Uuid, from: Option<u32>, limit: usize) -> Result<(Vec<Delivery>, usize), Error> {
        // Pending rows are decoded only once they are on the page.
        enum Stored {
            Logged(Delivery),
            Own(sled::IVec, sled::IVec),
            Fan(sled::IVec),
        }
        let logged = self.log.all(webhook)?;
        let mut total = logged.len();
        let mut all: Vec<(u32, Stored)> = Vec::new();
        for delivery in logged {
            if from.is_none_or(|f| delivery.batch <= f) {
                all.push((delivery.batch, Stored::Logged(delivery)));
            }
        }
        let mut own = HashSet::new();
        for entry in self.tree.scan_prefix(prefix(DELIVERY, webhook)) {
            let (k, v) = entry?;
            let batch = batch_of(&k, 17).unwrap_or(0);
            total += 1;
            own.insert(batch);
            if from.is_none_or(|f| batch <= f) {
                all.push((batch, Stored::Own(k, v)));
            }
        }
        for entry in self.fans_from(self.passed(webhook)) {
            let (k, v) = entry?;
            let batch = batch_of(&k, 1).ok_or(Error::CorruptedRow)?;
            if !own.contains(&batch) && fan::has(&v, webhook)? {
                total += 1;
                if from.is_none_or(|f| batch <= f) {
                    all.push((batch, Stored::Fan(v)));
                }
            }
        }
        all.sort_by_key(|(batch, _)| std::cmp::Reverse(*batch));
        let mut page = Vec::with_capacity(limit.min(all.len()));
        for (batch, stored) in all.into_iter().take(limit) {
            page.push(match stored {
                Stored::Logged(delivery) => delivery,
                Stored::Own(k, v) => row::decode(&k, &v)?,
                Stored::Fan(v) => fan::find(batch, &v, webhook)?.ok_or(Error::CorruptedRow)?,
            });
        }
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

    /// Every row of a deleted webhook, and its claims on bodies. Batch rows
    /// naming it stay until the others have passed them.
    pub fn forget(&self, webhook: Uuid) -> Result<(), Error> {
        lock(&self.depth).remove(&webhook);
        lock(&self.own).remove(&webhook);
        self.tree.remove([&[HEALTH], webhook.as_bytes().as_slice()].concat())?;
        self.bodies.release_all(&self.log.forget(webhook)?)?;
        let mut own = HashSet::new();
        for entry in self.tree.scan_prefix(prefix(DELIVERY, webhook)) {
            let (k, v) = entry?;
            own.insert(batch_of(&k, 17));
            self.tree.remove(&k)?;
            self.bodies.release(&row::decode(&k, &v)?)?;
        }
        let passed = self.passed(webhook);
        for entry in self.fans_from(passed) {
            let (k, v) = entry?;
            let batch = batch_of(&k, 1).ok_or(Error::CorruptedRow)?;
            if !own.contains(&Some(batch)) {
                if let Some(delivery) = fan::find(batch, &v, webhook)? {
                    self.bodies.release(&delivery)?;
                }
            }
        }
        self.cursors.forget(webhook)?;
        self.bodies.forget(webhook)
    }

    /// Webhooks with at least one row to deliver, for resuming after a restart.
    pub fn webhooks(&self) -> Vec<Uuid> {
        let depth = lock(&self.depth);
        let mut out: Vec<Uuid> = depth.iter().filter(|(_, n)| **n > 0).map(|(uuid, _)| *uuid).collect();
        out.sort();
        out
    }

    /// Rows of `webhook` still to deliver (pending, or waiting for a retry).
    pub fn len(&self, webhook: Uuid) -> usize {
        lock(&self.depth).get(&webhook).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::delivery_id;

    fn batches(next: Result<Vec<Next>, Error>) -> Vec<u32> {
        next.unwrap().iter().map(Next::batch).collect()
    }

    #[test]
    fn a_shared_body_lives_until_its_last_row_goes() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&sled::open(dir.path()).unwrap()).unwrap();
        let hooks = [Uuid::new_v4(), Uuid::new_v4()];
        let rows: Vec<_> =
            hooks.iter().map(|h| (Delivery { shape: Some(0), ..Delivery::pending(*h, 7) }, &b"shared"[..])).collect();
        outbox.record(7, &rows).unwrap();
        outbox.record(7, &rows).unwrap(); // a replay takes no second claim
        let first = outbox.head(hooks[0], &BTreeSet::new()).unwrap().unwrap();
        assert_eq!(first.id, delivery_id(7, hooks[0]), "the id comes from the key");
        assert_eq!(outbox.body(&first).unwrap().unwrap().as_ref(), b"shared");
        outbox.forget(hooks[0]).unwrap();
        let second = outbox.head(hooks[1], &BTreeSet::new()).unwrap().unwrap();
        assert_eq!(outbox.body(&second).unwrap().unwrap().as_ref(), b"shared", "still claimed");
        outbox.forget(hooks[1]).unwrap();
        assert_eq!(outbox.collect(|_| false).unwrap(), 1, "the batch row goes once nobody needs it");
        assert!(outbox.tree.is_empty(), "nothing left behind");
    }

    #[test]
    fn cursors_pass_batch_rows_and_the_rows_go_once_every_webhook_has_passed() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let outbox = Outbox::open(&db).unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        for batch in 1..=3 {
            let both = [(Delivery::pending(a, batch), &b"x"[..]), (Delivery::pending(b, batch), &b"y"[..])];
            outbox.record(batch, &both).unwrap();
        }
        assert_eq!((outbox.len(a), outbox.len(b)), (3, 3));
        assert_eq!(batches(outbox.pending(a, &BTreeSet::from([1]), 10)), [2, 3], "skipped as asked");
        let first = outbox.pending_row(a, 1).unwrap().unwrap();
        assert_eq!(outbox.body(&first).unwrap().unwrap().as_ref(), b"x", "its own body");
        outbox.finish(a, &[&Delivery { state: State::Delivered, ..first }]).unwrap();
        assert!(outbox.pending_row(a, 1).unwrap().is_none(), "passed");
        assert_eq!(batches(outbox.pending(a, &BTreeSet::new(), 10)), [2, 3]);
        assert_eq!(outbox.collect(|_| true).unwrap(), 0, "b has not passed batch 1");
        let mut retried = outbox.pending_row(b, 1).unwrap().unwrap();
        retried.attempts = 1;
        outbox.update(&retried).unwrap();
        assert_eq!(outbox.pending_row(b, 1).unwrap().unwrap().attempts, 1, "its own row wins over the batch row");
        let next = outbox.pending(b, &BTreeSet::new(), 10).unwrap();
        assert_eq!(next[0], Next::Own(1), "read again when its turn comes");
        assert_eq!(batches(Ok(next)), [1, 2, 3], "once");
        outbox.hold(b, 2);
        for batch in 1..=3 {
            let delivery = outbox.pending_row(b, batch).unwrap().unwrap();
            outbox.finish(b, &[&Delivery { state: State::Delivered, ..delivery }]).unwrap();
        }
        assert!(outbox.pending(b, &BTreeSet::new(), 10).unwrap().is_empty(), "finished in this run");
        outbox.save_cursors().unwrap();
        assert_eq!(outbox.collect(|_| true).unwrap(), 1, "only batch 1 is passed by both");
        let reopened = Outbox::open(&db).unwrap();
        assert_eq!(reopened.len(a), 2);
        assert_eq!(batches(reopened.pending(b, &BTreeSet::new(), 10)), [2, 3], "held back: sent again, not lost");
        assert_eq!(reopened.len(b), 2);
        let (page, total) = reopened.page(b, None, 10).unwrap();
        assert_eq!(total, 5, "three in the log, two still to make (sent again after the restart)");
        let newest: HashSet<_> = page[..2].iter().map(|d| (d.batch, d.state)).collect();
        assert_eq!(newest, HashSet::from([(3, State::Pending), (3, State::Delivered)]));
        reopened.forget(b).unwrap();
        reopened.forget(a).unwrap();
        assert_eq!(reopened.collect(|_| false).unwrap(), 2);
        assert!(reopened.tree.is_empty(), "nothing left behind");
    }

    #[test]
    fn a_crash_before_the_cursor_is_saved_sends_again_and_logs_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let outbox = Outbox::open(&db).unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let shared = |webhook| (Delivery { shape: Some(0), ..Delivery::pending(webhook, 7) }, &b"body"[..]);
        outbox.record(7, &[shared(a), shared(b)]).unwrap();
        let sent = outbox.pending_row(a, 7).unwrap().unwrap();
        outbox.finish(a, &[&Delivery { state: State::Delivered, ..sent }]).unwrap();
        // The crash: the log chunk is written, the cursor is not.
        let after = Outbox::open(&db).unwrap();
        let again = after.pending_row(a, 7).unwrap().expect("sent again, never lost");
        assert_eq!(again.id, delivery_id(7, a), "with the same webhook-id");
        after.finish(a, &[&Delivery { state: State::Delivered, ..again }]).unwrap();
        assert_eq!(after.page(a, None, 10).unwrap().1, 1, "logged once");
        let other = after.pending_row(b, 7).unwrap().unwrap();
        after.finish(b, &[&Delivery { state: State::Delivered, ..other.clone() }]).unwrap();
        after.save_cursors().unwrap();
        assert_eq!(after.collect(|_| true).unwrap(), 1);
        after.record(7, &[shared(a), shared(b)]).unwrap();
        assert_eq!((after.len(a), after.len(b)), (0, 0), "a replay after the batch row went finds both past it");
        after.forget(a).unwrap();
        assert!(after.body(&other).unwrap().is_some(), "still claimed by b's log entry");
        after.forget(b).unwrap();
        assert!(after.tree.is_empty(), "one claim each, none left");
    }

    #[test]
    fn rows_are_idempotent_ordered_and_removable() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let outbox = Outbox::open(&db).unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        for batch in [300, 2, 17] {
            outbox.record(batch, &[(Delivery::pending(a, batch), b"body")]).unwrap();
        }
        outbox.record(1, &[(Delivery::pending(b, 1), b"other")]).unwrap();
        let mut replay = Delivery::pending(a, 2);
        replay.attempts = 9;
        outbox.record(2, &[(replay, b"changed")]).unwrap();
        let head = outbox.head(a, &BTreeSet::new()).unwrap().unwrap();
        assert_eq!((head.batch, head.attempts), (2, 0), "batch order; a replay does not overwrite");
        assert_eq!(outbox.body(&head).unwrap().unwrap().as_ref(), b"body");
        let mut failed = head.clone();
        failed.state = State::Failed;
        outbox.update(&failed).unwrap();
        assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 17, "failed rows are kept but skipped");
        outbox.finish(a, &[&outbox.head(a, &BTreeSet::new()).unwrap().unwrap()]).unwrap();
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
