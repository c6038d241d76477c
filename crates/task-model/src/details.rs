//! The `details` of a task: what was asked at enqueue time, completed with what
//! was done once the task finished.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::task::IndexSwap;
use crate::IndexUid;

/// Per-kind details. Stored tagged; shown through [`Details::view`] exactly as
/// Meilisearch shows them (`null` for what is not known yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Details {
    DocumentAdditionOrUpdate {
        received_documents: u64,
        indexed_documents: Option<u64>,
    },
    DocumentDeletion {
        provided_ids: u64,
        deleted_documents: Option<u64>,
    },
    /// A deletion by filter; `original_filter` is the filter as sent, in JSON.
    DocumentDeletionByFilter {
        original_filter: String,
        deleted_documents: Option<u64>,
    },
    ClearAll {
        deleted_documents: Option<u64>,
    },
    SettingsUpdate {
        settings: Map<String, Value>,
    },
    IndexInfo {
        primary_key: Option<String>,
    },
    IndexRename {
        primary_key: Option<String>,
        old_index_uid: IndexUid,
        new_index_uid: IndexUid,
    },
    IndexDeletion {
        deleted_documents: Option<u64>,
    },
    /// The dump's name (`20261128-015324061`), once written.
    Dump {
        dump_uid: Option<String>,
    },
    /// Sizes as Meilisearch shows them (`108 KiB`), once known.
    IndexCompaction {
        pre_compaction_size: Option<String>,
        post_compaction_size: Option<String>,
    },
    IndexSwap {
        swaps: Vec<IndexSwap>,
    },
    TaskCancelation {
        matched_tasks: u64,
        canceled_tasks: Option<u64>,
        original_filter: String,
    },
    TaskDeletion {
        matched_tasks: u64,
        deleted_tasks: Option<u64>,
        original_filter: String,
    },
    IndexDeploy {
        upserted_documents: Option<u64>,
        removed_documents: Option<u64>,
        replaced_all: Option<bool>,
    },
}

impl Details {
    /// The JSON object Meilisearch shows under `details`.
    pub fn view(&self) -> Value {
        match self {
            Details::DocumentAdditionOrUpdate { received_documents, indexed_documents } => {
                json!({ "receivedDocuments": received_documents, "indexedDocuments": indexed_documents })
            }
            Details::DocumentDeletion { provided_ids, deleted_documents } => {
                json!({ "providedIds": provided_ids, "deletedDocuments": deleted_documents, "originalFilter": null })
            }
            Details::DocumentDeletionByFilter { original_filter, deleted_documents } => {
                json!({ "providedIds": 0, "deletedDocuments": deleted_documents, "originalFilter": original_filter })
            }
            Details::ClearAll { deleted_documents } => {
                json!({ "deletedDocuments": deleted_documents })
            }
            Details::SettingsUpdate { settings } => Value::Object(settings.clone()),
            Details::IndexInfo { primary_key } => json!({ "primaryKey": primary_key }),
            Details::IndexRename { primary_key, old_index_uid, new_index_uid } => {
                json!({ "primaryKey": primary_key, "oldIndexUid": old_index_uid, "newIndexUid": new_index_uid })
            }
            Details::IndexDeletion { deleted_documents } => {
                json!({ "deletedDocuments": deleted_documents })
            }
            Details::IndexCompaction { pre_compaction_size: Some(pre), post_compaction_size: Some(post) } => {
                json!({ "preCompactionSize": pre, "postCompactionSize": post })
            }
            Details::IndexCompaction { .. } => json!({}),
            Details::Dump { dump_uid } => json!({ "dumpUid": dump_uid }),
            Details::IndexSwap { swaps } => json!({ "swaps": swaps }),
            Details::TaskCancelation { matched_tasks, canceled_tasks, original_filter } => json!({
                "matchedTasks": matched_tasks,
                "canceledTasks": canceled_tasks,
                "originalFilter": original_filter,
            }),
            Details::TaskDeletion { matched_tasks, deleted_tasks, original_filter } => json!({
                "matchedTasks": matched_tasks,
                "deletedTasks": deleted_tasks,
                "originalFilter": original_filter,
            }),
            Details::IndexDeploy { upserted_documents, removed_documents, replaced_all } => json!({
                "upsertedDocuments": upserted_documents,
                "removedDocuments": removed_documents,
                "replacedAll": replaced_all,
            }),
        }
    }

    /// The details of a task that will never run (canceled): what would have been
    /// done is zero.
    pub fn as_canceled(&self) -> Details {
        let mut d = self.clone();
        match &mut d {
            Details::DocumentAdditionOrUpdate { indexed_documents: n, .. }
            | Details::DocumentDeletion { deleted_documents: n, .. }
            | Details::DocumentDeletionByFilter { deleted_documents: n, .. }
            | Details::ClearAll { deleted_documents: n }
            | Details::IndexDeletion { deleted_documents: n }
            | Details::TaskCancelation { canceled_tasks: n, .. }
            | Details::TaskDeletion { deleted_tasks: n, .. } => *n = Some(0),
            Details::IndexDeploy { upserted_documents, removed_documents, replaced_all } => {
                (*upserted_documents, *removed_documents, *replaced_all) = (Some(0), Some(0), Some(false));
            }
            Details::SettingsUpdate { .. }
            | Details::IndexInfo { .. }
            | Details::IndexRename { .. }
            | Details::IndexCompaction { .. }
            | Details::Dump { .. }
            | Details::IndexSwap { .. } => {}
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_matches_meilisearch_shape() {
        let d = Details::DocumentAdditionOrUpdate { received_documents: 3, indexed_documents: None };
        assert_eq!(d.view().to_string(), r#"{"receivedDocuments":3,"indexedDocuments":null}"#);
        assert_eq!(d.as_canceled().view().to_string(), r#"{"receivedDocuments":3,"indexedDocuments":0}"#);
        let d = Details::IndexInfo { primary_key: None };
        assert_eq!(d.view().to_string(), r#"{"primaryKey":null}"#);
    }

    #[test]
    fn storage_round_trips() {
        let d = Details::TaskDeletion { matched_tasks: 2, deleted_tasks: Some(1), original_filter: "?uids=1,2".into() };
        let s = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Details>(&s).unwrap(), d);
    }
}
