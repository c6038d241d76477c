//! API keys as a dump holds them (`keys.jsonl`): snake_case fields, and no
//! value, which is derived again from the master key on import.

use auth::ApiKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DumpKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    uid: uuid::Uuid,
    actions: Vec<auth::Action>,
    indexes: Vec<auth::IndexPattern>,
    #[serde(with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl From<&ApiKey> for DumpKey {
    fn from(k: &ApiKey) -> Self {
        DumpKey {
            description: k.description.clone(),
            name: k.name.clone(),
            uid: k.uid,
            actions: k.actions.clone(),
            indexes: k.indexes.clone(),
            expires_at: k.expires_at,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

impl From<DumpKey> for ApiKey {
    fn from(k: DumpKey) -> Self {
        ApiKey {
            uid: k.uid,
            name: k.name,
            description: k.description,
            actions: k.actions,
            indexes: k.indexes,
            expires_at: k.expires_at,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}
