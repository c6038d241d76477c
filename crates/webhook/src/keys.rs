//! The outbox tree's keys, in one place: a byte naming what the row holds,
//! then the webhook and/or the batch it is for. Numbers are big-endian, so a
//! scan meets a webhook's rows in batch order.

use uuid::Uuid;

/// A webhook's cursor: the first batch it has not passed (`cursor`).
pub(crate) const CURSOR: u8 = b'c';
/// A delivery with a row of its own (a retry's attempts, a redelivery), by
/// webhook and batch (`outbox`).
pub(crate) const OWN_ROW: u8 = b'd';
/// A finished batch, naming every webhook it goes to (`fan`), by batch.
pub(crate) const FAN: u8 = b'f';
/// A group of one webhook's finished deliveries, by webhook and sequence (`log`).
pub(crate) const LOG_CHUNK: u8 = b'g';
/// A webhook's health (`health`).
pub(crate) const HEALTH: u8 = b'h';
/// A finished delivery as earlier versions logged it, by webhook and batch;
/// moved into chunks at start-up.
pub(crate) const OLD_LOG_ROW: u8 = b'l';
/// The body of a delivery with a body of its own (a filtered subset), by
/// webhook and batch (`bodies`).
pub(crate) const OWN_BODY: u8 = b'p';
/// The body a batch's webhooks share, by batch and shape.
pub(crate) const SHARED_BODY: u8 = b'q';
/// How many deliveries still need a shared body, by batch and shape.
pub(crate) const CLAIMS: u8 = b'r';

/// Where a webhook's field of a key ends.
pub(crate) const AFTER_WEBHOOK: usize = 17;

/// `kind` and `webhook`, then `rest`: a webhook's row, or with an empty `rest`
/// the prefix of its rows of that kind.
pub(crate) fn webhook(kind: u8, webhook: Uuid, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(AFTER_WEBHOOK + rest.len());
    key.push(kind);
    key.extend_from_slice(webhook.as_bytes());
    key.extend_from_slice(rest);
    key
}

/// `kind` and `batch`, then `rest`.
pub(crate) fn batch(kind: u8, batch: u32, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(5 + rest.len());
    key.push(kind);
    key.extend_from_slice(&batch.to_be_bytes());
    key.extend_from_slice(rest);
    key
}

/// The webhook a key of [`webhook`]'s shape names.
pub(crate) fn webhook_of(key: &[u8]) -> Option<Uuid> {
    key.get(1..AFTER_WEBHOOK).and_then(|b| Uuid::from_slice(b).ok())
}

/// The big-endian `u32` at `at`.
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes)
}

/// The big-endian `u64` at `at`.
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_batch_and_read_back() {
        let hook = Uuid::new_v4();
        let a = webhook(OWN_ROW, hook, &2u32.to_be_bytes());
        let b = webhook(OWN_ROW, hook, &256u32.to_be_bytes());
        assert!(a < b, "big-endian: batch order is key order");
        assert!(a.starts_with(&webhook(OWN_ROW, hook, &[])));
        assert_eq!((webhook_of(&b), u32_at(&b, AFTER_WEBHOOK)), (Some(hook), Some(256)));
        assert!(batch(FAN, 7, &[]) < batch(FAN, 8, &[]));
        assert_eq!(u32_at(&batch(FAN, 7, &[3]), 1), Some(7));
        assert_eq!(u64_at(&u64::MAX.to_be_bytes(), 0), Some(u64::MAX));
        assert_eq!(u32_at(&[1, 2, 3], 0), None, "too short");
    }
}
