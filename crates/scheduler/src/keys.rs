//! Keys and small records of the `queue` tree.

use task_model::{BatchId, Kind, Task, TaskId};

use crate::Error;

pub(crate) const TASK: u8 = b't';
pub(crate) const BATCH: u8 = b'b';
pub(crate) const ENQUEUED: u8 = b'e';
/// A second marker for task cancelations and deletions, which jump the queue:
/// finding them never means reading every enqueued task.
pub(crate) const PRIORITY: u8 = b'p';
pub(crate) const CONTENT: u8 = b'c';
pub(crate) const UNANNOUNCED: u8 = b'a';
pub(crate) const NEXT_TASK: &[u8] = b"n";
pub(crate) const NEXT_BATCH: &[u8] = b"m";

pub(crate) fn task_key(id: TaskId) -> [u8; 5] {
    prefixed(TASK, id.to_be_bytes())
}

pub(crate) fn batch_key(id: BatchId) -> [u8; 5] {
    prefixed(BATCH, id.to_be_bytes())
}

/// A finished batch whose observer has not yet confirmed it.
pub(crate) fn unannounced_key(id: BatchId) -> [u8; 5] {
    prefixed(UNANNOUNCED, id.to_be_bytes())
}

pub(crate) fn marker_key(id: TaskId) -> [u8; 5] {
    prefixed(ENQUEUED, id.to_be_bytes())
}

pub(crate) fn priority_key(id: TaskId) -> [u8; 5] {
    prefixed(PRIORITY, id.to_be_bytes())
}

/// Kinds that run before anything else enqueued.
pub(crate) fn is_priority(kind: Kind) -> bool {
    matches!(kind, Kind::TaskCancelation | Kind::TaskDeletion)
}

fn prefixed(prefix: u8, id: [u8; 4]) -> [u8; 5] {
    [prefix, id[0], id[1], id[2], id[3]]
}

/// A payload is keyed by the uid of the task that brought it.
pub(crate) fn content_key(id: task_model::ContentId) -> [u8; 9] {
    let b = id.0.to_be_bytes();
    [CONTENT, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]
}

pub(crate) fn read_u32(bytes: Option<sled::IVec>) -> u32 {
    bytes.and_then(|b| <[u8; 4]>::try_from(b.as_ref()).ok()).map_or(0, u32::from_be_bytes)
}

/// What batching needs to know of a task that has not finished, so that
/// choosing a batch never decodes a task: its kind, payload size and index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub uid: TaskId,
    pub kind: Kind,
    pub bytes: u64,
    pub index: Option<String>,
}

/// A kind's code in a marker, on disk: fixed once given, never renumbered
/// (kinds added later take new codes at the end).
fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::DocumentAdditionOrUpdate => 0,
        Kind::DocumentDeletion => 1,
        Kind::SettingsUpdate => 2,
        Kind::IndexCreation => 3,
        Kind::IndexUpdate => 4,
        Kind::IndexDeletion => 5,
        Kind::IndexSwap => 6,
        Kind::TaskCancelation => 7,
        Kind::TaskDeletion => 8,
        Kind::IndexDeploy => 9,
        Kind::IndexCompaction => 10,
        Kind::DumpCreation => 11,
        Kind::SnapshotCreation => 12,
    }
}

fn kind_of_code(code: u8) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| kind_code(*k) == code)
}

impl Marker {
    pub fn of(task: &Task, bytes: u64) -> Self {
        Marker { uid: task.uid, kind: task.kind(), bytes, index: task.index_uid.as_ref().map(|i| i.to_string()) }
    }

    pub fn encode(&self) -> Vec<u8> {
        let kind = kind_code(self.kind);
        let mut v = Vec::with_capacity(9 + self.index.as_ref().map_or(0, String::len));
        v.push(kind);
        v.extend_from_slice(&self.bytes.to_be_bytes());
        if let Some(index) = &self.index {
            v.extend_from_slice(index.as_bytes());
        }
        v
    }

    pub fn decode(key: &[u8], value: &[u8]) -> Result<Self, Error> {
        let corrupted = || Error::Durability(format!("corrupted queue marker {key:?}"));
        let uid = TaskId::from_be_slice(key.get(1..).ok_or_else(corrupted)?).ok_or_else(corrupted)?;
        let kind = kind_of_code(*value.first().ok_or_else(corrupted)?).ok_or_else(corrupted)?;
        let bytes = u64::from_be_bytes(value.get(1..9).ok_or_else(corrupted)?.try_into().map_err(|_| corrupted())?);
        let index = std::str::from_utf8(&value[9..]).map_err(|_| corrupted())?;
        Ok(Marker { uid, kind, bytes, index: (!index.is_empty()).then(|| index.to_owned()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trips() {
        for (kind, index) in [(Kind::DocumentAdditionOrUpdate, Some("movies".to_string())), (Kind::IndexSwap, None)] {
            let m = Marker { uid: TaskId(300), kind, bytes: 12345, index };
            assert_eq!(Marker::decode(&marker_key(m.uid), &m.encode()).unwrap(), m);
        }
    }

    /// A database written before the dump, snapshot and compaction kinds
    /// existed stored `indexDeploy` as 9: it must still read as such.
    #[test]
    fn kind_codes_on_disk_do_not_move() {
        let old = Marker { uid: TaskId(1), kind: Kind::IndexDeploy, bytes: 0, index: Some("m".into()) };
        assert_eq!(old.encode()[0], 9);
        let mut codes: Vec<u8> = Kind::ALL.iter().map(|k| kind_code(*k)).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Kind::ALL.len(), "one code per kind");
        for kind in Kind::ALL {
            let m = Marker { uid: TaskId(2), kind, bytes: 1, index: None };
            assert_eq!(Marker::decode(&marker_key(m.uid), &m.encode()).unwrap().kind, kind);
        }
    }

    #[test]
    fn keys_of_each_family_sort_numerically() {
        assert!(task_key(TaskId(255)) < task_key(TaskId(256)));
        assert!(batch_key(BatchId(1)) < task_key(TaskId(0)), "families are separate prefixes");
    }
}
