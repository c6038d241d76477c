//! Shared bodies as lanes send and sign them, kept for a while.
//!
//! Every webhook fed the same batch in the same shape sends the same stored
//! bytes and signs the same inflated ones (a Standard Webhooks signature
//! covers the body the receiver reads), one lane after the other, and lanes
//! draining a backlog drift hundreds of batches apart. Reading and inflating
//! each body once for all of them took a tenth of the deliverer's time off a
//! drain.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;

use crate::payload;
use crate::row::Delivery;

/// Bodies kept, and the bytes they may hold together.
const KEPT: usize = 4_096;
const KEPT_BYTES: usize = 8 << 20;

type Key = (u32, u8);

#[derive(Debug, Default)]
pub(crate) struct Inflated {
    recent: Mutex<Recent>,
}

#[derive(Debug)]
struct Body {
    stored: Bytes,
    plain: Option<Bytes>,
}

#[derive(Debug, Default)]
struct Recent {
    bodies: HashMap<Key, Body>,
    /// Oldest first, for eviction.
    order: VecDeque<Key>,
    bytes: usize,
}

impl Recent {
    fn evict(&mut self) {
        while self.order.len() > KEPT || self.bytes > KEPT_BYTES {
            let Some(old) = self.order.pop_front() else { break };
            if let Some(body) = self.bodies.remove(&old) {
                self.bytes -= body.stored.len() + body.plain.map_or(0, |p| p.len());
            }
        }
    }
}

fn key(delivery: &Delivery) -> Option<Key> {
    delivery.shape.map(|shape| (delivery.batch, shape))
}

impl Inflated {
    fn lock(&self) -> MutexGuard<'_, Recent> {
        crate::lock(&self.recent)
    }

    /// `delivery`'s body as stored, read with `load` unless a lane read it
    /// before (empty if it cannot be read: a body that could not be read
    /// once is not kept).
    pub fn stored(&self, delivery: &Delivery, load: impl FnOnce() -> Option<Bytes>) -> Bytes {
        let Some(key) = key(delivery) else { return load().unwrap_or_default() };
        if let Some(body) = self.lock().bodies.get(&key) {
            return body.stored.clone();
        }
        let Some(stored) = load() else { return Bytes::new() };
        let mut recent = self.lock();
        if !recent.bodies.contains_key(&key) && stored.len() <= KEPT_BYTES {
            recent.bytes += stored.len();
            recent.bodies.insert(key, Body { stored: stored.clone(), plain: None });
            recent.order.push_back(key);
            recent.evict();
        }
        stored
    }

    /// The body of `batch` in `shape` as just recorded, and inflated (`None`
    /// if it is not gzip): the lanes about to send it need not read it back.
    pub fn keep(&self, batch: u32, shape: u8, stored: Bytes, plain: Option<Bytes>) {
        let key = (batch, shape);
        let size = stored.len() + plain.as_ref().map_or(0, Bytes::len);
        let mut recent = self.lock();
        if recent.bodies.contains_key(&key) || size > KEPT_BYTES {
            return;
        }
        recent.bytes += size;
        recent.bodies.insert(key, Body { stored, plain });
        recent.order.push_back(key);
        recent.evict();
    }

    /// `delivery`'s body as signed: `stored` itself, or inflated.
    pub fn plain(&self, delivery: &Delivery, stored: &Bytes) -> Bytes {
        if !delivery.gzip {
            return stored.clone();
        }
        let inflate = || Bytes::from(payload::gunzip(stored).unwrap_or_default());
        let Some(key) = key(delivery) else { return inflate() };
        if let Some(plain) = self.lock().bodies.get(&key).and_then(|b| b.plain.clone()) {
            return plain;
        }
        let plain = inflate();
        let mut recent = self.lock();
        if let Some(body) = recent.bodies.get_mut(&key) {
            if body.plain.is_none() {
                body.plain = Some(plain.clone());
                recent.bytes += plain.len();
                recent.evict();
            }
        }
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_body_is_read_and_inflated_once_and_an_own_body_each_time() {
        let inflated = Inflated::default();
        let plain = b"{\"uid\":1}\n".repeat(50);
        let gzip = Bytes::from(payload::gzip(&plain));
        let shared = Delivery { shape: Some(0), ..Delivery::pending(uuid::Uuid::new_v4(), 3) };
        let other = Delivery { webhook: uuid::Uuid::new_v4(), ..shared.clone() };
        assert!(inflated.stored(&shared, || None).is_empty(), "unreadable: empty");
        let stored = inflated.stored(&shared, || Some(gzip.clone()));
        assert_eq!(inflated.stored(&other, || panic!("read again")), stored, "read once");
        let first = inflated.plain(&shared, &stored);
        assert_eq!(first.as_ref(), plain.as_slice());
        assert_eq!(inflated.plain(&other, &stored).as_ptr(), first.as_ptr(), "the same bytes, not inflated again");
        let own = Delivery { shape: None, ..shared.clone() };
        let mut loads = 0;
        for _ in 0..2 {
            inflated.stored(&own, || {
                loads += 1;
                Some(gzip.clone())
            });
        }
        assert_eq!(loads, 2, "own bodies are not kept");
        assert_eq!(inflated.plain(&own, &gzip).as_ref(), plain.as_slice());
        let raw = Delivery { gzip: false, ..shared };
        assert_eq!(inflated.plain(&raw, &Bytes::from_static(b"raw")).as_ref(), b"raw");
        let recorded = Delivery { shape: Some(1), ..Delivery::pending(uuid::Uuid::new_v4(), 4) };
        let kept_plain = Bytes::from(plain.clone());
        inflated.keep(4, 1, gzip.clone(), Some(kept_plain.clone()));
        assert_eq!(inflated.stored(&recorded, || panic!("kept as recorded")), gzip);
        assert_eq!(inflated.plain(&recorded, &gzip).as_ptr(), kept_plain.as_ptr(), "kept inflated");
        for batch in 0..(KEPT as u32 + 10) {
            let d = Delivery { shape: Some(0), ..Delivery::pending(uuid::Uuid::new_v4(), batch + 10) };
            let stored = inflated.stored(&d, || Some(gzip.clone()));
            inflated.plain(&d, &stored);
        }
        let recent = inflated.lock();
        assert_eq!((recent.order.len(), recent.bodies.len()), (KEPT, KEPT), "bounded");
        assert_eq!(recent.bytes, KEPT * (gzip.len() + plain.len()));
    }
}
