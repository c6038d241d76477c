//! The two enums of the task state machine: where a task is ([`Status`]) and
//! what it does ([`Kind`]), with their Meilisearch names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a task is in its life: `enqueued -> processing -> succeeded | failed | canceled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Enqueued,
    Processing,
    Succeeded,
    Failed,
    Canceled,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Enqueued, Status::Processing, Status::Succeeded, Status::Failed, Status::Canceled];

    /// A finished task never changes status again.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed | Status::Canceled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Enqueued => "enqueued",
            Status::Processing => "processing",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
        }
    }
}

/// What a task does: the `type` field of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    DocumentAdditionOrUpdate,
    DocumentDeletion,
    SettingsUpdate,
    IndexCreation,
    IndexUpdate,
    IndexDeletion,
    IndexSwap,
    TaskCancelation,
    TaskDeletion,
    IndexCompaction,
    DumpCreation,
    SnapshotCreation,
    /// meili-lite's own: staged documents go live (see the staging routes).
    IndexDeploy,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::DocumentAdditionOrUpdate,
        Kind::DocumentDeletion,
        Kind::SettingsUpdate,
        Kind::IndexCreation,
        Kind::IndexUpdate,
        Kind::IndexDeletion,
        Kind::IndexSwap,
        Kind::TaskCancelation,
        Kind::TaskDeletion,
        Kind::IndexCompaction,
        Kind::DumpCreation,
        Kind::SnapshotCreation,
        Kind::IndexDeploy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DocumentAdditionOrUpdate => "documentAdditionOrUpdate",
            Kind::DocumentDeletion => "documentDeletion",
            Kind::SettingsUpdate => "settingsUpdate",
            Kind::IndexCreation => "indexCreation",
            Kind::IndexUpdate => "indexUpdate",
            Kind::IndexDeletion => "indexDeletion",
            Kind::IndexSwap => "indexSwap",
            Kind::TaskCancelation => "taskCancelation",
            Kind::TaskDeletion => "taskDeletion",
            Kind::IndexCompaction => "indexCompaction",
            Kind::DumpCreation => "dumpCreation",
            Kind::SnapshotCreation => "snapshotCreation",
            Kind::IndexDeploy => "indexDeploy",
        }
    }
}

/// A string that names no variant; carries the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid value")]
pub struct ParseEnumError(pub String);

macro_rules! str_enum {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $t {
            type Err = ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| ParseEnumError(s.to_owned()))
            }
        }
    };
}
str_enum!(Status);
str_enum!(Kind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!("documentAddition".parse::<Kind>().is_err());
    }

    #[test]
    fn only_terminal_statuses_are_finished() {
        let finished: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_finished()).collect();
        assert_eq!(finished, [Status::Succeeded, Status::Failed, Status::Canceled]);
    }
}
