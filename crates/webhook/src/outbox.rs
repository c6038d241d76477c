//! The durable outbox: one row per (webhook, batch) still to deliver, in sled.
//!
//! Keys are `d` + webhook uuid + batch uid (big-endian), so a webhook's rows
//! are in batch order and recording the same batch twice (a replay after a
//! crash) finds the row already there. The body lives beside it under `p`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;

const DELIVERY: u8 = b'd';
const BODY: u8 = b'p';

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Waiting for its next attempt.
    Pending,
    /// The retry schedule is exhausted; kept for replay.
    Failed,
}

/// One batch to deliver to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The receiver's idempotency key (`webhook-id`): the same for every
    /// attempt, across restarts.
    pub id: String,
    pub webhook: Uuid,
    pub batch: u32,
    pub tasks: Vec<u32>,
    pub attempts: u32,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
    pub state: State,
    /// Whether the stored body is gzip-compressed (the default) or plain.
    #[serde(default = "yes")]
    pub gzip: bool,
}

fn yes() -> bool {
    true
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
}

impl Outbox {
    pub fn open(db: &sled::Db) -> Result<Self, Error> {
        Ok(Self { tree: db.open_tree("outbox")? })
    }

    /// Records a delivery unless this batch is already recorded for this webhook.
    pub fn record(&self, delivery: &Delivery, body: &[u8]) -> Result<(), Error> {
        let meta = key(DELIVERY, delivery.webhook, delivery.batch);
        if self.tree.contains_key(&meta)? {
            return Ok(());
        }
        // Body first: a delivery row never exists without its body.
        self.tree.insert(key(BODY, delivery.webhook, delivery.batch), body)?;
        self.tree.insert(meta, serde_json::to_vec(delivery)?)?;
        Ok(())
    }

    /// The oldest pending delivery of `webhook`: deliveries go out in batch order.
    pub fn head(&self, webhook: Uuid) -> Result<Option<Delivery>, Error> {
        for entry in self.tree.scan_prefix(prefix(DELIVERY, webhook)) {
            let delivery: Delivery = serde_json::from_slice(&entry?.1)?;
            if delivery.state == State::Pending {
                return Ok(Some(delivery));
            }
        }
        Ok(None)
    }

    pub fn body(&self, delivery: &Delivery) -> Result<Option<sled::IVec>, Error> {
        Ok(self.tree.get(key(BODY, delivery.webhook, delivery.batch))?)
    }

    pub fn update(&self, delivery: &Delivery) -> Result<(), Error> {
        self.tree.insert(key(DELIVERY, delivery.webhook, delivery.batch), serde_json::to_vec(delivery)?)?;
        Ok(())
    }

    /// Delivered: the row and its body go.
    pub fn remove(&self, delivery: &Delivery) -> Result<(), Error> {
        let mut batch = sled::Batch::default();
        batch.remove(key(DELIVERY, delivery.webhook, delivery.batch));
        batch.remove(key(BODY, delivery.webhook, delivery.batch));
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// Every row of a deleted webhook.
    pub fn forget(&self, webhook: Uuid) -> Result<(), Error> {
        for kind in [DELIVERY, BODY] {
            for k in self.tree.scan_prefix(prefix(kind, webhook)).keys() {
                self.tree.remove(k?)?;
            }
        }
        Ok(())
    }

    /// Webhooks with at least one row, for resuming after a restart.
    pub fn webhooks(&self) -> Result<Vec<Uuid>, Error> {
        let mut out: Vec<Uuid> = Vec::new();
        for k in self.tree.scan_prefix([DELIVERY]).keys() {
            let k = k?;
            if let Some(uuid) = k.get(1..17).and_then(|b| Uuid::from_slice(b).ok()) {
                if out.last() != Some(&uuid) {
                    out.push(uuid);
                }
            }
        }
        Ok(out)
    }

    pub fn len(&self, webhook: Uuid) -> usize {
        self.tree.scan_prefix(prefix(DELIVERY, webhook)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(webhook: Uuid, batch: u32) -> Delivery {
        Delivery {
            id: format!("msg_{batch}"),
            webhook,
            batch,
            tasks: vec![batch],
            attempts: 0,
            next_attempt_at: 0,
            state: State::Pending,
            gzip: true,
        }
    }

    #[test]
    fn rows_are_idempotent_ordered_and_removable() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&sled::open(dir.path()).unwrap()).unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        for batch in [300, 2, 17] {
            outbox.record(&delivery(a, batch), b"body").unwrap();
        }
        outbox.record(&delivery(b, 1), b"other").unwrap();
        let mut replay = delivery(a, 2);
        replay.attempts = 9;
        outbox.record(&replay, b"changed").unwrap();
        let head = outbox.head(a).unwrap().unwrap();
        assert_eq!((head.batch, head.attempts), (2, 0), "batch order; a replay does not overwrite");
        assert_eq!(outbox.body(&head).unwrap().unwrap().as_ref(), b"body");
        let mut failed = head.clone();
        failed.state = State::Failed;
        outbox.update(&failed).unwrap();
        assert_eq!(outbox.head(a).unwrap().unwrap().batch, 17, "failed rows are kept but skipped");
        outbox.remove(&outbox.head(a).unwrap().unwrap()).unwrap();
        assert_eq!(outbox.head(a).unwrap().unwrap().batch, 300);
        assert_eq!(outbox.len(a), 2);
        let mut hooks = outbox.webhooks().unwrap();
        hooks.sort();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(hooks, expected);
        outbox.forget(a).unwrap();
        assert_eq!(outbox.len(a), 0);
        assert!(outbox.head(a).unwrap().is_none());
    }
}
