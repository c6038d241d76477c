//! A webhook: where to send finished batches, and which headers to add.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;
use uuid::Uuid;

use task_model::{Kind, Status, Task};

use crate::payload::{Compression, Format};
use crate::SigningSecret;

/// A webhook. The one from the command line has the nil UUID and cannot be
/// edited through the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub uuid: Uuid,
    /// Sent to exactly as given, query string included.
    pub url: Url,
    /// Added to every request; names are kept as given.
    pub headers: BTreeMap<String, String>,
    /// Set when the receiver answered `410 Gone`; deliveries wait until a
    /// `PATCH` re-enables it.
    #[serde(default)]
    pub disabled: bool,
    /// Signing secrets (`whsec_...`), newest first. A rotated-out secret keeps
    /// signing until its `expires_at` (Unix seconds), so receivers can switch
    /// without missing a message.
    #[serde(default)]
    pub secrets: Vec<StoredSecret>,
    /// Which tasks this webhook hears about.
    #[serde(default)]
    pub filter: Filter,
    #[serde(default)]
    pub format: Format,
    #[serde(default)]
    pub compression: Compression,
}

/// Per-webhook task filter; `None` (or `*` in the API) means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub index_uids: Option<Vec<String>>,
    pub types: Option<Vec<Kind>>,
    pub statuses: Option<Vec<Status>>,
    /// Only tasks that name this webhook (`?webhooks=` at enqueue): one
    /// endpoint per client or per job kind.
    #[serde(default)]
    pub targeted_only: bool,
}

impl Filter {
    pub fn matches(&self, task: &Task) -> bool {
        let index = task.index_uid.as_ref().map(|i| i.as_str());
        self.index_uids.as_ref().is_none_or(|l| index.is_some_and(|i| l.iter().any(|x| x == i)))
            && self.types.as_ref().is_none_or(|l| l.contains(&task.kind()))
            && self.statuses.as_ref().is_none_or(|l| l.contains(&task.status))
    }

    pub fn view(&self) -> Value {
        fn list<T: Serialize>(l: &Option<Vec<T>>) -> Value {
            l.as_ref().map_or_else(|| json!(["*"]), |l| json!(l))
        }
        json!({
            "indexUids": list(&self.index_uids),
            "types": list(&self.types),
            "statuses": list(&self.statuses),
            "targetedOnly": self.targeted_only,
        })
    }
}

/// A signing secret as stored: never shown again after creation or rotation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSecret {
    pub secret: String,
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSecret").field("secret", &"[redacted]").field("expires_at", &self.expires_at).finish()
    }
}

impl Webhook {
    /// Whether this webhook hears of `task`: it named this webhook, or (unless
    /// the webhook takes only tasks that name it) the filter matches.
    pub fn wants(&self, task: &Task) -> bool {
        task.webhooks.contains(&self.uuid) || (!self.filter.targeted_only && self.filter.matches(task))
    }

    /// The webhook of `--task-webhook-url` / `--task-webhook-authorization-header`.
    pub fn from_cli(url: Url, authorization: Option<String>, signing: Option<SigningSecret>) -> Self {
        let headers = authorization.into_iter().map(|a| ("Authorization".to_owned(), a)).collect();
        let secrets = signing.into_iter().map(|s| StoredSecret { secret: s.expose(), expires_at: None }).collect();
        Webhook {
            uuid: Uuid::nil(),
            url,
            headers,
            disabled: false,
            secrets,
            filter: Filter::default(),
            format: Format::default(),
            compression: Compression::default(),
        }
    }

    /// The secrets that sign right now (`now` in Unix seconds).
    pub fn signing_secrets(&self, now: i64) -> Vec<SigningSecret> {
        self.secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|at| at > now))
            .filter_map(|s| SigningSecret::parse(&s.secret).ok())
            .collect()
    }

    pub fn is_editable(&self) -> bool {
        !self.uuid.is_nil()
    }

    /// The webhook as the API shows it, with `Authorization` values redacted.
    pub fn view(&self) -> Value {
        let headers: BTreeMap<&str, String> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if name.eq_ignore_ascii_case("authorization") { redact(value) } else { value.clone() };
                (name.as_str(), shown)
            })
            .collect();
        json!({
            "uuid": self.uuid,
            "isEditable": self.is_editable(),
            "url": self.url.as_str(),
            "headers": headers,
            "disabled": self.disabled,
            "signed": !self.secrets.is_empty(),
            "filter": self.filter.view(),
            "format": self.format,
            "compression": self.compression,
        })
    }
}

/// Meilisearch's redaction: keep a case-sensitive `Bearer ` prefix and a few
/// leading bytes of the secret (more for longer secrets), then `X`s and `...`.
pub(crate) fn redact(value: &str) -> String {
    let offset = if value.starts_with("Bearer ") { 7 } else { 0 };
    let (kept, xs) = match value.len() - offset {
        0..10 => (0, 3),
        10..20 => (2, 4),
        20..30 => (3, 5),
        _ => (5, 6),
    };
    let mut end = offset + kept;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}...", &value[..end], "X".repeat(xs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_is_redacted_by_length() {
        // Meilisearch's own test values.
        assert_eq!(redact("TOKEN"), "XXX...");
        assert_eq!(redact(""), "XXX...");
        assert_eq!(redact("Bearer abc"), "Bearer XXX...");
        assert_eq!(redact("Bearer a-secret-token"), "Bearer a-XXXX...");
        assert_eq!(redact("Bearer a-secret-token-defined-in-test-cli"), "Bearer a-secXXXXXX...");
        assert_eq!(redact("bearer abcdefghij"), "beXXXX...");
        assert_eq!(redact("Basic dXNlcjpwYXNzd29yZA=="), "BasXXXXX...");
        assert_eq!(redact("Bearer ééééééééééé"), "Bearer éXXXXX...", "never splits a character");
    }

    #[test]
    fn the_cli_webhook_is_nil_and_read_only() {
        let hook = Webhook::from_cli("http://h/x?a=b".parse().unwrap(), Some("Bearer s3cr3t-value-xyz".into()), None);
        let view = hook.view();
        assert_eq!(view["uuid"], "00000000-0000-0000-0000-000000000000");
        assert_eq!(view["isEditable"], false);
        assert_eq!(view["url"], "http://h/x?a=b");
        assert!(!view.to_string().contains("s3cr3t-value"), "{view}");
    }
}
