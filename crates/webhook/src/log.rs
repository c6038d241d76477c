//! The deliveries log: each webhook's finished deliveries, kept for the API
//! and for redelivery, a group at a time.
//!
//! A row per finished delivery cost a sled insert when it was written and a
//! remove when it was pruned: a fifth of a drain's time. The recorder
//! finishes deliveries in groups, so each group's deliveries of one webhook
//! are one chunk here, under `g` + webhook uuid + a sequence number, oldest
//! first; pruning drops whole chunks, keeping at least [`LOG_LIMIT`]
//! deliveries. Finding one delivery (a redelivery) reads the webhook's
//! chunks, a few at most. A delivery is logged once: sent again after a
//! crash, its new entry replaces the old one, which also keeps its claim on
//! a shared body single. Rows under `l` + webhook + batch, the layout of
//! earlier versions, are moved into chunks when the outbox opens.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::keys::{self, LOG_CHUNK, OLD_LOG_ROW};
use crate::row::{self, Delivery};
use crate::Error;

const VERSION: u8 = 1;

/// Finished deliveries kept per webhook, at least.
pub const LOG_LIMIT: usize = 1_000;

/// Where a webhook's log stands, read from its chunks the first time it is needed.
#[derive(Debug, Clone, Default)]
struct Tally {
    batches: HashSet<u32>,
    next_seq: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Log {
    tree: sled::Tree,
    tallies: Arc<Mutex<HashMap<Uuid, Tally>>>,
}

fn chunk_key(webhook: Uuid, seq: u64) -> Vec<u8> {
    keys::webhook(LOG_CHUNK, webhook, &seq.to_be_bytes())
}

fn chunks(webhook: Uuid) -> Vec<u8> {
    keys::webhook(LOG_CHUNK, webhook, &[])
}

fn encode(rows: &[&Delivery]) -> Result<Vec<u8>, Error> {
    let mut out = vec![VERSION];
    out.extend_from_slice(&(rows.len() as u32).to_be_bytes());
    for delivery in rows {
        let row = row::encode(delivery)?;
        out.extend_from_slice(&(row.len() as u32).to_be_bytes());
        out.extend_from_slice(&row);
    }
    Ok(out)
}

fn len(chunk: &[u8]) -> usize {
    keys::u32_at(chunk, 1).unwrap_or(0) as usize
}

fn decode(webhook: Uuid, chunk: &[u8]) -> Result<Vec<Delivery>, Error> {
    let mut rest = chunk.get(5..).filter(|_| chunk[0] == VERSION).ok_or(Error::CorruptedRow)?;
    let mut out = Vec::with_capacity(len(chunk));
    while !rest.is_empty() {
        let size = keys::u32_at(rest, 0).ok_or(Error::CorruptedRow)?;
        let row = rest.get(4..4 + size as usize).ok_or(Error::CorruptedRow)?;
        out.push(row::decode_as(webhook, row)?);
        rest = &rest[4 + size as usize..];
    }
    Ok(out)
}

impl Log {
    pub fn open(tree: &sled::Tree) -> Result<Self, Error> {
        let log = Self { tree: tree.clone(), tallies: Arc::default() };
        log.move_old_rows()?;
        Ok(log)
    }

    /// Rows of earlier versions, one per delivery, into one chunk per webhook.
    fn move_old_rows(&self) -> Result<(), Error> {
        let mut old: HashMap<Uuid, Vec<(sled::IVec, Delivery)>> = HashMap::new();
        for entry in self.tree.scan_prefix([OLD_LOG_ROW]) {
            let (k, v) = entry?;
            let delivery = row::decode(&k, &v)?;
            old.entry(delivery.webhook).or_default().push((k, delivery));
        }
        for (webhook, rows) in old {
            self.append(webhook, &rows.iter().map(|(_, d)| d).collect::<Vec<_>>())?;
            for (k, _) in rows {
                self.tree.remove(k)?;
            }
        }
        Ok(())
    }

    /// Runs `f` on `webhook`'s tally, read from its chunks if need be.
    fn with_tally<R>(&self, webhook: Uuid, f: impl FnOnce(&mut Tally) -> R) -> Result<R, Error> {
        let mut tallies = crate::lock(&self.tallies);
        let tally = match tallies.entry(webhook) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let mut tally = Tally::default();
                for entry in self.tree.scan_prefix(chunks(webhook)) {
                    let (k, v) = entry?;
                    tally.batches.extend(decode(webhook, &v)?.iter().map(|d| d.batch));
                    tally.next_seq = seq_of(&k).map_or(0, |s| s + 1);
                }
                new.insert(tally)
            }
        };
        Ok(f(tally))
    }

    /// Adds `rows` (finished, of `webhook`, each once) as one chunk.
    pub fn append(&self, webhook: Uuid, rows: &[&Delivery]) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        self.take(webhook, &rows.iter().map(|d| d.batch).collect())?;
        let seq = self.with_tally(webhook, |t| {
            t.batches.extend(rows.iter().map(|d| d.batch));
            t.next_seq += 1;
            t.next_seq - 1
        })?;
        self.tree.insert(chunk_key(webhook, seq), encode(rows)?)?;
        Ok(())
    }

    /// Drops `webhook`'s oldest chunks while [`LOG_LIMIT`] deliveries remain
    /// without them; returns what they held, for their claims on bodies.
    pub fn prune(&self, webhook: Uuid) -> Result<Vec<Delivery>, Error> {
        let mut left = self.len(webhook)?;
        let mut gone = Vec::new();
        for entry in self.tree.scan_prefix(chunks(webhook)) {
            let (k, v) = entry?;
            if left.saturating_sub(len(&v)) < LOG_LIMIT {
                break;
            }
            left -= len(&v);
            gone.extend(decode(webhook, &v)?);
            self.tree.remove(k)?;
        }
        self.untally(webhook, &gone)?;
        Ok(gone)
    }

    /// Every delivery in `webhook`'s log, oldest first.
    pub fn all(&self, webhook: Uuid) -> Result<Vec<Delivery>, Error> {
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(chunks(webhook)) {
            out.extend(decode(webhook, &entry?.1)?);
        }
        Ok(out)
    }

    /// Takes `webhook`'s deliveries of `batches` out of the log, in one pass
    /// over it; returns those it held.
    pub fn take(&self, webhook: Uuid, batches: &HashSet<u32>) -> Result<Vec<Delivery>, Error> {
        let mut wanted: HashSet<u32> =
            self.with_tally(webhook, |t| batches.iter().filter(|b| t.batches.contains(b)).copied().collect())?;
        let mut found = Vec::new();
        let mut chunks = self.tree.scan_prefix(chunks(webhook));
        while !wanted.is_empty() {
            let Some(entry) = chunks.next() else { break };
            let (k, v) = entry?;
            let rows = decode(webhook, &v)?;
            let (taken, kept): (Vec<Delivery>, Vec<Delivery>) =
                rows.into_iter().partition(|d| wanted.contains(&d.batch));
            if taken.is_empty() {
                continue;
            }
            if kept.is_empty() {
                self.tree.remove(k)?;
            } else {
                self.tree.insert(k, encode(&kept.iter().collect::<Vec<_>>())?)?;
            }
            for delivery in taken {
                wanted.remove(&delivery.batch);
                found.push(delivery);
            }
        }
        self.untally(webhook, &found)?;
        Ok(found)
    }

    /// `deliveries`, out of the log, out of `webhook`'s tally.
    fn untally(&self, webhook: Uuid, deliveries: &[Delivery]) -> Result<(), Error> {
        self.with_tally(webhook, |t| {
            for delivery in deliveries {
                t.batches.remove(&delivery.batch);
            }
        })
    }

    /// Drops `webhook`'s whole log; returns what it held.
    pub fn forget(&self, webhook: Uuid) -> Result<Vec<Delivery>, Error> {
        let mut gone = Vec::new();
        for entry in self.tree.scan_prefix(chunks(webhook)) {
            let (k, v) = entry?;
            gone.extend(decode(webhook, &v)?);
            self.tree.remove(k)?;
        }
        crate::lock(&self.tallies).remove(&webhook);
        Ok(gone)
    }

    /// Deliveries in `webhook`'s log.
    pub fn len(&self, webhook: Uuid) -> Result<usize, Error> {
        self.with_tally(webhook, |t| t.batches.len())
    }
}

fn seq_of(key: &[u8]) -> Option<u64> {
    keys::u64_at(key, keys::AFTER_WEBHOOK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::State;
    use std::collections::BTreeSet;

    fn done(webhook: Uuid, batch: u32) -> Delivery {
        Delivery { state: State::Delivered, ..Delivery::pending(webhook, batch) }
    }

    #[test]
    fn chunks_keep_at_least_the_limit_and_give_one_delivery_back() {
        let dir = tempfile::tempdir().unwrap();
        let tree = sled::open(dir.path()).unwrap().open_tree("outbox").unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let old = Delivery::pending(a, 0);
        tree.insert(keys::webhook(OLD_LOG_ROW, a, &0u32.to_be_bytes()), row::encode(&old).unwrap()).unwrap();
        let log = Log::open(&tree).unwrap();
        assert_eq!(log.all(a).unwrap(), [old], "an earlier version's row, moved");
        for start in (1..1_200u32).step_by(100) {
            let rows: Vec<Delivery> = (start..start + 100).map(|batch| done(a, batch)).collect();
            log.append(a, &rows.iter().collect::<Vec<_>>()).unwrap();
        }
        log.append(b, &[&done(b, 5)]).unwrap();
        assert_eq!(log.len(a).unwrap(), 1_201);
        let gone = log.prune(a).unwrap();
        assert_eq!(gone.len(), 201, "the old row's chunk and two of a hundred");
        assert_eq!(log.len(a).unwrap(), 1_000);
        assert_eq!(Log::open(&tree).unwrap().len(a).unwrap(), 1_000, "counted again from the chunks");
        let again = Delivery { attempts: 7, ..done(a, 1_150) };
        log.append(a, &[&again]).unwrap();
        assert_eq!(log.all(a).unwrap().len(), 1_000, "a delivery logged again replaces its entry");
        let taken = log.take(a, &HashSet::from([1_150, 1_151, 5_000])).unwrap();
        assert_eq!(
            taken.iter().map(|d| (d.batch, d.attempts)).collect::<BTreeSet<_>>(),
            BTreeSet::from([(1_150, 7), (1_151, 0)]),
            "as last logged"
        );
        assert!(log.take(a, &HashSet::from([1_150])).unwrap().is_empty());
        assert_eq!(log.len(a).unwrap(), 998);
        assert_eq!(Log::open(&tree).unwrap().len(a).unwrap(), 998);
        assert_eq!(log.forget(b).unwrap().len(), 1);
        assert!(log.all(b).unwrap().is_empty());
    }
}
