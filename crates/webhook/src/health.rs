//! How a webhook has been doing, as `GET /webhooks/{uuid}` shows it; kept in
//! the outbox under `h` + webhook uuid.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a webhook has been doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub consecutive_failures: u32,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
}

/// Where a webhook's health is stored.
pub(crate) fn key(webhook: Uuid) -> Vec<u8> {
    crate::keys::webhook(crate::keys::HEALTH, webhook, &[])
}
