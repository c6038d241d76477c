//! A batch's row: every webhook's delivery of one batch, in one value.
//!
//! One row per (webhook, batch) made a backlog cost a sled key per webhook
//! per batch: 20 webhooks behind by 500k batches were 10M keys, about 430
//! bytes of database each, and sled's memory grew with them. A batch's
//! deliveries differ only by webhook, payload shape and (for a webhook that
//! filters tasks) their tasks, so they share one row here, and each webhook
//! keeps a cursor in the outbox: the first batch it has not passed. A
//! delivery gets a row of its own ([`crate::row`]) only for a retry's
//! attempts or a redelivery; finished ones go to the log ([`crate::log`]).
//!
//! Layout: version, `created_at`, the batch's tasks, then per webhook its
//! uuid, shape (or none: a body of its own), gzip flag and, without a shape,
//! its own tasks.

use uuid::Uuid;

use crate::row::{delivery_id, Delivery, State};
use crate::Error;

const VERSION: u8 = 1;
const NO_SHAPE: u8 = u8::MAX;

/// One webhook's part of a batch row, as stored.
struct Entry<'a> {
    webhook: Uuid,
    shape: Option<u8>,
    gzip: bool,
    /// Big-endian task uids of a webhook with a body of its own.
    own_tasks: Option<&'a [u8]>,
}

/// The row of one batch's deliveries (all of the same batch, fresh).
pub fn encode(deliveries: &[&Delivery]) -> Vec<u8> {
    let created_at = deliveries.first().map_or(0, |d| d.created_at);
    let whole: &[u32] = deliveries.iter().find(|d| d.shape.is_some()).map_or(&[], |d| &d.tasks);
    let mut out = Vec::with_capacity(16 + 4 * whole.len() + 24 * deliveries.len());
    out.push(VERSION);
    out.extend_from_slice(&created_at.to_be_bytes());
    put_tasks(&mut out, whole);
    for delivery in deliveries {
        out.extend_from_slice(delivery.webhook.as_bytes());
        out.push(delivery.shape.unwrap_or(NO_SHAPE));
        out.push(u8::from(delivery.gzip));
        if delivery.shape.is_none() {
            put_tasks(&mut out, &delivery.tasks);
        }
    }
    out
}

fn put_tasks(out: &mut Vec<u8>, tasks: &[u32]) {
    out.extend_from_slice(&(tasks.len() as u32).to_be_bytes());
    for task in tasks {
        out.extend_from_slice(&task.to_be_bytes());
    }
}

/// The webhooks a batch row holds a delivery for.
pub fn webhooks(row: &[u8]) -> Result<Vec<Uuid>, Error> {
    Row::read(row)?.map(|e| e.map(|e| e.webhook)).collect()
}

/// Whether a batch row holds a delivery for `webhook`.
pub fn has(row: &[u8], webhook: Uuid) -> Result<bool, Error> {
    for entry in Row::read(row)? {
        if entry?.webhook == webhook {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `webhook`'s delivery of `batch`, fresh, if the row holds one.
pub fn find(batch: u32, row: &[u8], webhook: Uuid) -> Result<Option<Delivery>, Error> {
    let mut read = Row::read(row)?;
    while let Some(entry) = read.next() {
        let entry = entry?;
        if entry.webhook == webhook {
            return Ok(Some(read.delivery(batch, &entry)));
        }
    }
    Ok(None)
}

/// Every delivery a batch row holds, fresh.
#[cfg(test)]
pub fn deliveries(batch: u32, row: &[u8]) -> Result<Vec<Delivery>, Error> {
    let mut read = Row::read(row)?;
    let mut out = Vec::new();
    while let Some(entry) = read.next() {
        out.push(read.delivery(batch, &entry?));
    }
    Ok(out)
}

/// A batch row being read: its head, then its entries one by one, without
/// copying: a lane looks through many rows for its own entry.
struct Row<'a> {
    created_at: i64,
    tasks: &'a [u8],
    rest: &'a [u8],
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = bytes.split_at_checked(n)?;
    *bytes = rest;
    Some(head)
}

fn task_list<'a>(bytes: &mut &'a [u8]) -> Option<&'a [u8]> {
    let count = u32::from_be_bytes(take(bytes, 4)?.try_into().ok()?) as usize;
    take(bytes, count.checked_mul(4)?)
}

impl<'a> Row<'a> {
    fn read(row: &'a [u8]) -> Result<Self, Error> {
        let mut bytes = row;
        let head = (|| {
            if take(&mut bytes, 1)? != [VERSION] {
                return None;
            }
            let created_at = i64::from_be_bytes(take(&mut bytes, 8)?.try_into().ok()?);
            Some((created_at, task_list(&mut bytes)?))
        })();
        let (created_at, tasks) = head.ok_or(Error::CorruptedRow)?;
        Ok(Self { created_at, tasks, rest: bytes })
    }

    fn entry(&mut self) -> Option<Entry<'a>> {
        let webhook = Uuid::from_slice(take(&mut self.rest, 16)?).ok()?;
        let shape = Some(take(&mut self.rest, 1)?[0]).filter(|s| *s != NO_SHAPE);
        let gzip = take(&mut self.rest, 1)?[0] != 0;
        let own_tasks = if shape.is_none() { Some(task_list(&mut self.rest)?) } else { None };
        Some(Entry { webhook, shape, gzip, own_tasks })
    }

    fn delivery(&self, batch: u32, entry: &Entry<'_>) -> Delivery {
        Delivery {
            id: delivery_id(batch, entry.webhook),
            webhook: entry.webhook,
            batch,
            shape: entry.shape,
            tasks: tasks(entry.own_tasks.unwrap_or(self.tasks)),
            attempts: 0,
            next_attempt_at: 0,
            state: State::Pending,
            gzip: entry.gzip,
            created_at: self.created_at,
            log: Vec::new(),
        }
    }
}

impl<'a> Iterator for Row<'a> {
    type Item = Result<Entry<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let entry = self.entry().ok_or(Error::CorruptedRow);
        if entry.is_err() {
            self.rest = &[];
        }
        Some(entry)
    }
}

fn tasks(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_row_gives_back_each_webhooks_delivery() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let fresh = |webhook, shape, tasks: Vec<u32>, gzip| Delivery {
            shape,
            tasks,
            gzip,
            created_at: 1_764_300_000_000,
            ..Delivery::pending(webhook, 9)
        };
        let all = vec![
            fresh(a, Some(1), vec![4, 5, 6], true),
            fresh(b, None, vec![5], false),
            fresh(c, Some(0), vec![4, 5, 6], true),
        ];
        let row = encode(&all.iter().collect::<Vec<_>>());
        assert!(row.len() < 16 + 12 + 3 * 22, "{} bytes", row.len());
        assert_eq!(deliveries(9, &row).unwrap(), all);
        assert_eq!(find(9, &row, b).unwrap().unwrap(), all[1]);
        assert!(find(9, &row, Uuid::new_v4()).unwrap().is_none());
        assert!(has(&row, c).unwrap() && !has(&row, Uuid::new_v4()).unwrap());
        assert_eq!(webhooks(&row).unwrap(), [a, b, c]);
        for cut in 1..row.len() {
            let cut_row = &row[..cut];
            // A row cut between two entries still reads (sled checks its own
            // records); a row cut inside one must not pass as good.
            if let Ok(read) = deliveries(9, cut_row) {
                assert!(read.len() < 3 && all.starts_with(&read), "cut at {cut}");
            }
        }
        assert!(deliveries(9, &[2]).is_err(), "an unknown version is refused");
    }
}
