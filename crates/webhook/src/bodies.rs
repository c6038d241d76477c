//! Delivery bodies and who holds them.
//!
//! Every webhook taking a whole batch in the same payload shape shares one
//! body, under `q` + batch uid + shape, with a count of its claims under `r`
//! (one per delivery: pending in the batch row, in a row of its own, or in
//! the log); it goes with its last claim. A webhook that filters tasks has a
//! body of its own under `p` + webhook uuid + batch uid.

use std::collections::HashMap;

use uuid::Uuid;

use crate::keys::{self, CLAIMS, OWN_BODY, SHARED_BODY};
use crate::row::Delivery;
use crate::Error;

#[derive(Debug, Clone)]
pub(crate) struct Bodies {
    tree: sled::Tree,
}

fn shared_key(kind: u8, batch: u32, shape: u8) -> Vec<u8> {
    keys::batch(kind, batch, &[shape])
}

fn key(delivery: &Delivery) -> Vec<u8> {
    match delivery.shape {
        Some(shape) => shared_key(SHARED_BODY, delivery.batch, shape),
        None => keys::webhook(OWN_BODY, delivery.webhook, &delivery.batch.to_be_bytes()),
    }
}

fn count(bytes: Option<&[u8]>) -> u64 {
    bytes.and_then(|b| keys::u64_at(b, 0)).unwrap_or(0)
}

impl Bodies {
    pub fn new(tree: &sled::Tree) -> Self {
        Self { tree: tree.clone() }
    }

    /// Stores the bodies of one batch's new deliveries, each claimed once.
    pub fn store(&self, batch: u32, deliveries: &[(&Delivery, &[u8])]) -> Result<(), Error> {
        let mut claims: HashMap<u8, u64> = HashMap::new();
        for (delivery, body) in deliveries {
            let key = key(delivery);
            match delivery.shape {
                Some(shape) => {
                    let n = claims.entry(shape).or_default();
                    if *n == 0 && !self.tree.contains_key(&key)? {
                        self.tree.insert(&key, *body)?;
                    }
                    *n += 1;
                }
                None => {
                    self.tree.insert(key, *body)?;
                }
            }
        }
        for (shape, n) in claims {
            self.tree.update_and_fetch(shared_key(CLAIMS, batch, shape), |old| {
                Some((count(old) + n).to_be_bytes().to_vec())
            })?;
        }
        Ok(())
    }

    pub fn get(&self, delivery: &Delivery) -> Result<Option<sled::IVec>, Error> {
        Ok(self.tree.get(key(delivery))?)
    }

    pub fn contains(&self, delivery: &Delivery) -> Result<bool, Error> {
        Ok(self.tree.contains_key(key(delivery))?)
    }

    /// Drops one delivery's claim on its body.
    pub fn release(&self, delivery: &Delivery) -> Result<(), Error> {
        self.release_all([delivery])
    }

    /// Drops the claims of `deliveries`, those on one shared body in one write.
    /// The claims of a delivery must go after the delivery itself, so that a
    /// crash in between leaves a body behind rather than a claim on one that
    /// is gone.
    pub fn release_all<'a>(&self, deliveries: impl IntoIterator<Item = &'a Delivery>) -> Result<(), Error> {
        let mut claims: HashMap<(u32, u8), u64> = HashMap::new();
        for delivery in deliveries {
            match delivery.shape {
                Some(shape) => *claims.entry((delivery.batch, shape)).or_default() += 1,
                None => drop(self.tree.remove(key(delivery))?),
            }
        }
        for ((batch, shape), n) in claims {
            let left = self.tree.update_and_fetch(shared_key(CLAIMS, batch, shape), |old| {
                let count = count(old);
                (count > n).then(|| (count - n).to_be_bytes().to_vec())
            })?;
            if left.is_none() {
                self.tree.remove(shared_key(SHARED_BODY, batch, shape))?;
            }
        }
        Ok(())
    }

    /// The bodies of `webhook`'s own.
    pub fn forget(&self, webhook: Uuid) -> Result<(), Error> {
        for k in self.tree.scan_prefix(keys::webhook(OWN_BODY, webhook, &[])).keys() {
            self.tree.remove(k?)?;
        }
        Ok(())
    }
}
