use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use task_model::{rfc3339, IndexUid};
use time::OffsetDateTime;

/// What the store knows about an index besides its documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexMeta {
    pub uid: IndexUid,
    pub primary_key: Option<String>,
    #[serde(with = "rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Names the sled tree of documents; swapping two indexes swaps these.
    pub tree: u64,
    /// Counts the commits to this index's documents and indexing settings, so
    /// that a [`crate::Follower`] can record which state it reflects.
    #[serde(default)]
    pub version: u64,
    /// Settings as last set; they do not change how documents are stored.
    pub settings: Map<String, Value>,
    /// The swap or rename task that last gave this index its name, so that
    /// the task, run again after a crash, sees its work done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_by: Option<u32>,
}

impl IndexMeta {
    /// The index object of `GET /indexes/{uid}`.
    pub fn view(&self) -> Value {
        json!({
            "uid": self.uid,
            "createdAt": rfc3339::format(self.created_at),
            "updatedAt": rfc3339::format(self.updated_at),
            "primaryKey": self.primary_key,
        })
    }
}

/// `GET /indexes/{uid}/stats`, less `isIndexing`, which the scheduler knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexStats {
    pub number_of_documents: u64,
    /// Bytes of stored document JSON.
    pub raw_document_db_size: u64,
    pub avg_document_size: u64,
    pub field_distribution: std::collections::BTreeMap<String, u64>,
}
