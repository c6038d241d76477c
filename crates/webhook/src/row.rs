//! One delivery row: what it is, how the API shows it, and how it is stored.
//!
//! Rows are stored in a compact binary form (about 40 bytes for a one-task
//! batch against 130 as JSON): a backlog of millions is mostly these rows, and
//! every byte of them is disk and page cache. Rows written as JSON by earlier
//! versions still read.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Waiting for its next attempt.
    Pending,
    /// The retry schedule is exhausted; kept for replay.
    Failed,
    /// A 2xx answer.
    Delivered,
}

/// One try at sending a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// Unix milliseconds.
    pub at: i64,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
}

/// One batch to deliver to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The receiver's idempotency key (`webhook-id`): the same for every
    /// attempt, across restarts. Derived from the key, not stored.
    #[serde(skip)]
    pub id: String,
    /// From the key, not stored.
    #[serde(skip)]
    pub webhook: Uuid,
    pub batch: u32,
    /// `Some(shape)`: the body is the batch's shared body of that payload
    /// shape (every webhook taking the whole batch in one shape shares it);
    /// `None`: a body of its own (a filtered subset).
    #[serde(default)]
    pub shape: Option<u8>,
    pub tasks: Vec<u32>,
    pub attempts: u32,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
    pub state: State,
    /// Whether the stored body is gzip-compressed (the default) or plain.
    #[serde(default = "yes")]
    pub gzip: bool,
    /// Unix milliseconds.
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub log: Vec<Attempt>,
}

fn yes() -> bool {
    true
}

impl Delivery {
    /// A fresh row of `batch` for `webhook`, for tests.
    #[cfg(test)]
    pub fn pending(webhook: Uuid, batch: u32) -> Self {
        Self {
            id: delivery_id(batch, webhook),
            webhook,
            batch,
            shape: None,
            tasks: vec![batch],
            attempts: 0,
            next_attempt_at: 0,
            state: State::Pending,
            gzip: true,
            created_at: 0,
            log: Vec::new(),
        }
    }

    /// As `GET /webhooks/{uuid}/deliveries` shows it.
    pub fn view(&self) -> serde_json::Value {
        use crate::deliver::rfc3339_ms;
        let attempts: Vec<serde_json::Value> = self
            .log
            .iter()
            .map(|a| {
                serde_json::json!({
                    "at": rfc3339_ms(a.at),
                    "statusCode": a.status_code,
                    "latencyMs": a.latency_ms,
                    "error": a.error,
                })
            })
            .collect();
        serde_json::json!({
            "id": self.id,
            "batchUid": self.batch,
            "taskUids": self.tasks,
            "status": self.state,
            "attempts": attempts,
            "nextAttemptAt": (self.state == State::Pending).then(|| rfc3339_ms(self.next_attempt_at.max(self.created_at))),
            "createdAt": rfc3339_ms(self.created_at),
        })
    }
}

/// The id a delivery is known by: `msg_<batch>_<webhook>`.
pub fn delivery_id(batch: u32, webhook: Uuid) -> String {
    format!("msg_{batch}_{}", webhook.simple())
}

/// The first byte of a binary row; JSON rows start with `{`.
const BINARY: u8 = 1;
const NO_SHAPE: u8 = u8::MAX;

impl State {
    fn code(self) -> u8 {
        match self {
            State::Pending => 0,
            State::Failed => 1,
            State::Delivered => 2,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [State::Pending, State::Failed, State::Delivered].into_iter().find(|s| s.code() == code)
    }
}

/// The stored form of a row: everything but the id and webhook, which the key holds.
pub fn encode(delivery: &Delivery) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(35 + 4 * delivery.tasks.len());
    out.push(BINARY);
    out.extend_from_slice(&delivery.batch.to_be_bytes());
    out.push(delivery.shape.unwrap_or(NO_SHAPE));
    out.extend_from_slice(&delivery.attempts.to_be_bytes());
    out.extend_from_slice(&delivery.next_attempt_at.to_be_bytes());
    out.push(delivery.state.code());
    out.push(u8::from(delivery.gzip));
    out.extend_from_slice(&delivery.created_at.to_be_bytes());
    out.extend_from_slice(&(delivery.tasks.len() as u32).to_be_bytes());
    for task in &delivery.tasks {
        out.extend_from_slice(&task.to_be_bytes());
    }
    // Attempts are rare (a row usually has none until it is delivered) and
    // carry free text: JSON is fine for them.
    if !delivery.log.is_empty() {
        serde_json::to_writer(&mut out, &delivery.log)?;
    }
    Ok(out)
}

/// A row back from its key (`kind`, webhook uuid, batch) and stored bytes.
pub fn decode(key: &[u8], value: &[u8]) -> Result<Delivery, Error> {
    let webhook = key.get(1..17).and_then(|b| Uuid::from_slice(b).ok()).ok_or(Error::CorruptedRow)?;
    decode_as(webhook, value)
}

/// A row of `webhook` back from its stored bytes.
pub fn decode_as(webhook: Uuid, value: &[u8]) -> Result<Delivery, Error> {
    let mut delivery = match value.first() {
        Some(&BINARY) => decode_binary(&value[1..]).ok_or(Error::CorruptedRow)?,
        _ => serde_json::from_slice(value)?,
    };
    delivery.webhook = webhook;
    delivery.id = delivery_id(delivery.batch, webhook);
    Ok(delivery)
}

fn decode_binary(mut bytes: &[u8]) -> Option<Delivery> {
    fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
        let (head, rest) = bytes.split_first_chunk::<N>()?;
        *bytes = rest;
        Some(*head)
    }
    let batch = u32::from_be_bytes(take(&mut bytes)?);
    let shape = Some(take::<1>(&mut bytes)?[0]).filter(|s| *s != NO_SHAPE);
    let attempts = u32::from_be_bytes(take(&mut bytes)?);
    let next_attempt_at = i64::from_be_bytes(take(&mut bytes)?);
    let state = State::from_code(take::<1>(&mut bytes)?[0])?;
    let gzip = take::<1>(&mut bytes)?[0] != 0;
    let created_at = i64::from_be_bytes(take(&mut bytes)?);
    let count = u32::from_be_bytes(take(&mut bytes)?) as usize;
    let tasks = (0..count).map(|_| take(&mut bytes).map(u32::from_be_bytes)).collect::<Option<Vec<_>>>()?;
    let log = if bytes.is_empty() { Vec::new() } else { serde_json::from_slice(bytes).ok()? };
    Some(Delivery {
        id: String::new(),
        webhook: Uuid::nil(),
        batch,
        shape,
        tasks,
        attempts,
        next_attempt_at,
        state,
        gzip,
        created_at,
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tasks: Vec<u32>, log: Vec<Attempt>) -> Delivery {
        let webhook = Uuid::new_v4();
        Delivery {
            id: delivery_id(42, webhook),
            webhook,
            batch: 42,
            shape: Some(1),
            tasks,
            attempts: 3,
            next_attempt_at: 1_764_300_000_123,
            state: State::Failed,
            gzip: false,
            created_at: 1_764_300_000_000,
            log,
        }
    }

    fn key(delivery: &Delivery) -> Vec<u8> {
        crate::keys::webhook(crate::keys::OWN_ROW, delivery.webhook, &delivery.batch.to_be_bytes())
    }

    #[test]
    fn rows_read_back_as_written_binary_or_json() {
        let attempt = Attempt { at: 5, status_code: Some(500), latency_ms: 7, error: Some("status 500".into()) };
        for original in
            [row(vec![1], vec![]), row(vec![], vec![attempt.clone()]), row((0..300).collect(), vec![attempt])]
        {
            let stored = encode(&original).unwrap();
            assert_eq!(decode(&key(&original), &stored).unwrap(), original);
            let json = serde_json::to_vec(&original).unwrap();
            assert_eq!(decode(&key(&original), &json).unwrap(), original, "a row of an earlier version");
        }
        let small = encode(&row(vec![1], vec![])).unwrap();
        assert!(small.len() <= 40, "{} bytes", small.len());
        let attempt = Attempt { at: 5, status_code: None, latency_ms: 7, error: Some("timed out".into()) };
        let full = row(vec![1, 2], vec![attempt]);
        let stored = encode(&full).unwrap();
        let attempts_at = encode(&row(vec![1, 2], vec![])).unwrap().len();
        for cut in (1..stored.len()).filter(|cut| *cut != attempts_at) {
            assert!(decode(&key(&full), &stored[..cut]).is_err(), "a row cut at {cut} bytes is refused");
        }
        // (Cut right before its attempts, a row reads as one without any: sled
        // checks its own records; this only keeps a bad row from passing as good.)
        assert!(decode(b"d-short", &small).is_err(), "a key without a webhook is refused");
    }
}
