//! Shared bodies as they are signed: uncompressed, kept for a while.
//!
//! A Standard Webhooks signature covers the body the receiver reads, so a
//! gzip body is inflated to be signed. Every webhook fed the same batch in
//! the same shape signs the same bytes, one lane after the other, and lanes
//! draining a backlog drift hundreds of batches apart: inflating once for
//! all of them took a tenth of the deliverer's time off a drain.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

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

#[derive(Debug, Default)]
struct Recent {
    bodies: HashMap<Key, Bytes>,
    /// Oldest first, for eviction.
    order: VecDeque<Key>,
    bytes: usize,
}

impl Inflated {
    /// `delivery`'s body as it is signed: `stored` itself, or inflated.
    pub fn of(&self, delivery: &Delivery, stored: &Bytes) -> Bytes {
        if !delivery.gzip {
            return stored.clone();
        }
        let inflate = || Bytes::from(payload::gunzip(stored).unwrap_or_default());
        let Some(key) = delivery.shape.map(|shape| (delivery.batch, shape)) else { return inflate() };
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(plain) = recent.bodies.get(&key) {
            return plain.clone();
        }
        let plain = inflate();
        if plain.len() <= KEPT_BYTES {
            recent.bodies.insert(key, plain.clone());
            recent.order.push_back(key);
            recent.bytes += plain.len();
            while recent.order.len() > KEPT || recent.bytes > KEPT_BYTES {
                let Some(old) = recent.order.pop_front() else { break };
                let gone = recent.bodies.remove(&old).map_or(0, |b| b.len());
                recent.bytes -= gone;
            }
        }
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_body_is_inflated_once_and_an_own_body_each_time() {
        let inflated = Inflated::default();
        let plain = b"{\"uid\":1}\n".repeat(50);
        let stored = Bytes::from(payload::gzip(&plain));
        let shared = Delivery { shape: Some(0), ..Delivery::pending(uuid::Uuid::new_v4(), 3) };
        let first = inflated.of(&shared, &stored);
        assert_eq!(first.as_ref(), plain.as_slice());
        let again = inflated.of(&Delivery { webhook: uuid::Uuid::new_v4(), ..shared.clone() }, &stored);
        assert_eq!(again.as_ptr(), first.as_ptr(), "the same bytes, not inflated again");
        let own = Delivery { shape: None, ..shared.clone() };
        assert_eq!(inflated.of(&own, &stored).as_ref(), plain.as_slice());
        assert!(inflated.recent.lock().unwrap().order.len() == 1, "own bodies are not kept");
        let raw = Delivery { gzip: false, ..shared };
        assert_eq!(inflated.of(&raw, &Bytes::from_static(b"raw")).as_ref(), b"raw");
        for batch in 0..(KEPT as u32 + 10) {
            inflated.of(&Delivery { shape: Some(0), ..Delivery::pending(uuid::Uuid::new_v4(), batch + 10) }, &stored);
        }
        let recent = inflated.recent.lock().unwrap();
        assert_eq!((recent.order.len(), recent.bodies.len()), (KEPT, KEPT), "bounded");
        assert_eq!(recent.bytes, KEPT * plain.len());
    }
}
