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
//! kept by [`crate::bodies`], health by [`crate::health`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::bodies::Bodies;
use crate::cursor::Cursors;
use crate::fan;
use crate::health::{self, Health};
use crate::keys::{self, FAN, OWN_ROW};
use crate::log::Log;
use crate::row::{self, Delivery, State};
use crate::{lock, Error};

fn own_key(webhook: Uuid, batch: u32) -> Vec<u8> {
    keys::webhook(OWN_ROW, webhook, &batch.to_be_bytes())
}

fn fan_key(batch: u32) -> Vec<u8> {
    keys::batch(FAN, batch, &[])
}

/// `change` to `webhook`'s count in `counts`.
fn add(counts: &Mutex<HashMap<Uuid, usize>>, webhook: Uuid, change: isize) {
    let mut counts = lock(counts);
    let n = counts.entry(webhook).or_default();
    *n = n.saturating_add_signed(change);
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

impl Outbox {
    pub fn open(db: &sled::Db) -> Result<Self, Error> {
        let tree = db.open_tree("outbox")?;
        let cursors = Cursors::open(&tree)?;
        let mut depth: HashMap<Uuid, usize> = HashMap::new();
        let mut own: HashSet<(Uuid, u32)> = HashSet::new();
        let mut own_rows: HashMap<Uuid, usize> = HashMap::new();
        for k in tree.scan_prefix([OWN_ROW]).keys() {
            let k = k?;
            if let (Some(uuid), Some(batch)) = (keys::webhook_of(&k), keys::u32_at(&k, keys::AFTER_WEBHOOK)) {
                *depth.entry(uuid).or_default() += 1;
                *own_rows.entry(uuid).or_default() += 1;
                own.insert((uuid, batch));
            }
        }
        for entry in tree.scan_prefix([FAN]) {
            let (k, v) = entry?;
            let batch = keys::u32_at(&k, 1).ok_or(Error::CorruptedRow)?;
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
        add(&self.depth, webhook, change);
    }

    fn own_rows(&self, webhook: Uuid, change: isize) {
        add(&self.own, webhook, change);
    }

    fn has_own_rows(&self, webhook: Uuid) -> bool {
        lock(&self.own).get(&webhook).is_some_and(|n| *n > 0)
    }

    fn passed(&self, webhook: Uuid) -> u32 {
        self.cursors.of(webhook)
    }

    /// The batch rows from `batch` on.
    fn fans_from(&self, batch: u32) -> sled::Iter {
        self.tree.range(fan_key(batch)..vec![FAN + 1])
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
            if batch >= self.passed(webhook) && !self.tree.contains_key(own_key(webhook, batch))? {
                kept.push((delivery, *body));
            }
        }
        if kept.is_empty() {
            return Ok(());
        }
        // Bodies first: a delivery never exists without its body.
        self.bodies.store(batch, &kept)?;
        let rows: Vec<&Delivery> = kept.iter().map(|(d, _)| *d).collect();
        self.tree.insert(fan_key(batch), fan::encode(&rows))?;
        for delivery in rows {
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
        let mut out = BTreeMap::new();
        let own = self.has_own_rows(webhook).then(|| self.tree.scan_prefix(keys::webhook(OWN_ROW, webhook, &[])));
        for k in own.into_iter().flat_map(sled::Iter::keys) {
            let Some(batch) = keys::u32_at(&k?, keys::AFTER_WEBHOOK) else { continue };
            if !skip.contains(&batch) {
                out.insert(batch, Next::Own(batch));
                if out.len() >= limit {
                    break;
                }
            }
        }
        // No more to find in batch rows than the count says: a webhook that
        // filters out most batches does not scan the whole backlog for nothing.
        let from_rows = limit.min(self.len(webhook));
        let mut found = 0;
        for entry in self.fans_from(self.passed(webhook)) {
            if found >= from_rows {
                break;
            }
            let (k, v) = entry?;
            let Some(batch) = keys::u32_at(&k, 1) else { continue };
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
        let k = own_key(webhook, batch);
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
        if self.tree.insert(own_key(delivery.webhook, delivery.batch), row::encode(delivery)?)?.is_none() {
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
    ///
    /// If the log cannot be written, the cursor moves on in memory all the
    /// same (the lane must not send them again now) but is saved before
    /// them, so that a restart sends them again; the error is returned.
    pub fn finish(&self, webhook: Uuid, deliveries: &[&Delivery]) -> Result<(), Error> {
        let logged = self.log.append(webhook, deliveries);
        if logged.is_err() {
            self.cursors.hold(webhook, deliveries.iter().map(|d| d.batch).min().unwrap_or(0));
        }
        for delivery in deliveries {
            let batch = delivery.batch;
            // Not logged, a row of its own stays: sent again rather than lost.
            let own =
                logged.is_ok() && self.has_own_rows(webhook) && self.tree.remove(own_key(webhook, batch))?.is_some();
            if own {
                self.own_rows(webhook, -1);
            }
            if self.cursors.pass(webhook, batch) || own {
                self.count(webhook, -1);
            }
        }
        logged
    }

    /// Writes the cursors moved since last time: once per group of finished
    /// deliveries rather than once per delivery. Until then a crash sends
    /// them again, never loses them: their log entries are written first.
    pub fn save_cursors(&self) -> Result<(), Error> {
        self.cursors.save()
    }

    /// Drops the oldest batch rows that every webhook they name has passed
    /// (a deleted one once it is forgotten); returns how many went.
    pub fn collect(&self) -> Result<usize, Error> {
        const AT_ONCE: usize = 1_024;
        let mut gone = 0;
        for entry in self.tree.scan_prefix([FAN]).take(AT_ONCE) {
            let (k, v) = entry?;
            let batch = keys::u32_at(&k, 1).ok_or(Error::CorruptedRow)?;
            if !self.cursors.all_passed(&fan::webhooks(&v)?, batch) {
                break;
            }
            self.tree.remove(k)?;
            gone += 1;
        }
        if gone > 0 && self.tree.scan_prefix([FAN]).next().is_none() {
            // No batch row left to name a deleted webhook.
            for webhook in self.cursors.gone() {
                self.cursors.remove(webhook)?;
            }
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

    /// The finished deliveries of `webhook` that `pick` chooses (and whose
    /// body is still there) back to pending, attempted next (redelivery,
    /// recovery). Two passes over the log (one to choose, one to take them
    /// out), whatever their number.
    pub fn requeue(&self, webhook: Uuid, pick: impl Fn(&Delivery) -> bool) -> Result<Vec<Delivery>, Error> {
        let mut requeued = Vec::new();
        for mut delivery in self.log.all(webhook)?.into_iter().filter(|d| pick(d)) {
            if !self.bodies.contains(&delivery)? {
                continue;
            }
            delivery.state = State::Pending;
            delivery.attempts = 0;
            delivery.next_attempt_at = 0;
            let batch = delivery.batch;
            // Counted unless it is still to make already: in a row of its own, or
            // in a batch row its cursor has not passed (its finish lost to a crash).
            let in_batch_row = batch >= self.passed(webhook)
                && self.tree.get(fan_key(batch))?.map(|v| fan::has(&v, webhook)).transpose()?.unwrap_or(false);
            // Pending first: a crash before the log is rewritten leaves it in
            // both places, not in neither.
            let own = self.tree.insert(own_key(webhook, batch), row::encode(&delivery)?)?.is_some();
            if !own {
                self.own_rows(webhook, 1);
            }
            if !own && !in_batch_row {
                self.count(webhook, 1);
            }
            requeued.push(delivery);
        }
        self.log.take(webhook, &requeued.iter().map(|d| d.batch).collect())?;
        Ok(requeued)
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
        for entry in self.tree.scan_prefix(keys::webhook(OWN_ROW, webhook, &[])) {
            let (k, v) = entry?;
            let batch = keys::u32_at(&k, keys::AFTER_WEBHOOK).unwrap_or(0);
            total += 1;
            own.insert(batch);
            if from.is_none_or(|f| batch <= f) {
                all.push((batch, Stored::Own(k, v)));
            }
        }
        for entry in self.fans_from(self.passed(webhook)) {
            let (k, v) = entry?;
            let batch = keys::u32_at(&k, 1).ok_or(Error::CorruptedRow)?;
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
            .get(health::key(webhook))
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_slice(&v).ok())
            .unwrap_or_default()
    }

    pub fn set_health(&self, webhook: Uuid, health: &Health) -> Result<(), Error> {
        self.tree.insert(health::key(webhook), serde_json::to_vec(health)?)?;
        Ok(())
    }

    /// Every row of a deleted webhook, and its claims on bodies, once: its
    /// cursor goes past every batch first (a crash after that leaves a body
    /// behind, never a claim dropped twice), so batch rows naming it no
    /// longer wait for it and a second call finds nothing to drop.
    pub fn forget(&self, webhook: Uuid) -> Result<(), Error> {
        lock(&self.depth).remove(&webhook);
        lock(&self.own).remove(&webhook);
        self.tree.remove(health::key(webhook))?;
        let Some(passed) = self.cursors.forget(webhook)? else { return Ok(()) };
        // A delivery sent again after a crash can be in the log and still to
        // make: it holds one claim all the same.
        let logged = self.log.forget(webhook)?;
        let mut held: HashSet<u32> = logged.iter().map(|d| d.batch).collect();
        self.bodies.release_all(&logged)?;
        for entry in self.tree.scan_prefix(keys::webhook(OWN_ROW, webhook, &[])) {
            let (k, v) = entry?;
            self.tree.remove(&k)?;
            let delivery = row::decode(&k, &v)?;
            if held.insert(delivery.batch) {
                self.bodies.release(&delivery)?;
            }
        }
        for entry in self.fans_from(passed) {
            let (k, v) = entry?;
            let batch = keys::u32_at(&k, 1).ok_or(Error::CorruptedRow)?;
            if !held.contains(&batch) {
                if let Some(delivery) = fan::find(batch, &v, webhook)? {
                    self.bodies.release(&delivery)?;
                }
            }
        }
        if !self
            .tree
            .scan_prefix([FAN])
            .values()
            .any(|v| v.map_err(Error::from).and_then(|v| fan::has(&v, webhook)).unwrap_or(true))
        {
            self.cursors.remove(webhook)?;
        }
        self.bodies.forget(webhook)
    }

    /// Webhooks with at least one delivery to make, for resuming after a restart.
    pub fn webhooks(&self) -> Vec<Uuid> {
        let depth = lock(&self.depth);
        let mut out: Vec<Uuid> = depth.iter().filter(|(_, n)| **n > 0).map(|(uuid, _)| *uuid).collect();
        out.sort();
        out
    }

    /// Deliveries `webhook` still has to make (pending, or waiting for a retry).
    pub fn len(&self, webhook: Uuid) -> usize {
        lock(&self.depth).get(&webhook).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests;
