//! An API key as stored (everything but its value), and as shown.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

use crate::{Action, Actions, IndexPattern};

/// A key's record. Its value is never stored: it is derived from the uid and
/// the master key ([`crate::derive_value`]), so a new master key changes every
/// key's value and a stolen database holds no usable key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub uid: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    /// As given: order and duplicates kept, wildcards unexpanded.
    pub actions: Vec<Action>,
    pub indexes: Vec<IndexPattern>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What `POST /keys` asks for, already typed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewKey {
    /// Chosen by the caller, or a random v4.
    pub uid: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub actions: Vec<Action>,
    pub indexes: Vec<IndexPattern>,
    pub expires_at: Option<OffsetDateTime>,
}

/// What `PATCH /keys/{key}` may change: `Some(None)` clears a field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyPatch {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
}

impl ApiKey {
    /// True when the key covers every index (`*` among its patterns).
    pub fn all_indexes(&self) -> bool {
        self.indexes.contains(&IndexPattern::All)
    }

    pub fn covers(&self, index: &str) -> bool {
        self.indexes.iter().any(|p| p.matches(index))
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    pub fn grants(&self) -> Actions {
        Actions::of(&self.actions)
    }

    /// The key as `/keys` shows it, in Meilisearch's field order.
    pub fn view(&self, value: &str) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "key": value,
            "uid": self.uid,
            "actions": self.actions,
            "indexes": self.indexes,
            "expiresAt": self.expires_at.map(rfc3339),
            "createdAt": rfc3339(self.created_at),
            "updatedAt": rfc3339(self.updated_at),
        })
    }

    /// Key patterns sorted, as Meilisearch lists them in its messages.
    pub(crate) fn sorted_patterns(&self) -> Vec<String> {
        let mut patterns: Vec<String> = self.indexes.iter().map(ToString::to_string).collect();
        patterns.sort();
        patterns
    }
}

fn rfc3339(date: OffsetDateTime) -> String {
    date.format(&Rfc3339).unwrap_or_default()
}

/// Why an `expiresAt` is refused. Displays as Meilisearch's message, which
/// ends with a newline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid date. It should follow the RFC 3339 format to represents a date or datetime in the future or specified as a null value. e.g. 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'.\n")]
pub struct ExpiresAtError(pub String);

/// An `expiresAt` as Meilisearch reads it: RFC 3339 (offset kept), else
/// `YYYY-MM-DDTHH:MM:SS`, `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD` in UTC; it
/// must lie in the future.
pub fn parse_expires_at(raw: &str, now: OffsetDateTime) -> Result<OffsetDateTime, ExpiresAtError> {
    let utc = |d: PrimitiveDateTime| d.assume_utc();
    let date = OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| {
            PrimitiveDateTime::parse(raw, format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
                .ok()
                .map(utc)
        })
        .or_else(|| {
            PrimitiveDateTime::parse(raw, format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
                .ok()
                .map(utc)
        })
        .or_else(|| {
            time::Date::parse(raw, format_description!("[year]-[month]-[day]")).ok().map(|d| d.midnight().assume_utc())
        });
    match date {
        Some(date) if date > now => Ok(date),
        _ => Err(ExpiresAtError(raw.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expires_at_formats() {
        let now = datetime!(2026-11-28 00:00 UTC);
        let shown = |raw: &str| parse_expires_at(raw, now).map(rfc3339);
        assert_eq!(shown("2030-01-01").as_deref(), Ok("2030-01-01T00:00:00Z"));
        assert_eq!(shown("2030-01-01T00:00:00").as_deref(), Ok("2030-01-01T00:00:00Z"));
        assert_eq!(shown("2030-01-01 00:00:00").as_deref(), Ok("2030-01-01T00:00:00Z"));
        assert_eq!(shown("2030-06-15T12:30:45.123456789+02:00").as_deref(), Ok("2030-06-15T12:30:45.123456789+02:00"));
        for bad in ["garbage", "2000-01-01T00:00:00Z", "2030-01-01T00:00:00.5", ""] {
            assert_eq!(parse_expires_at(bad, now), Err(ExpiresAtError(bad.to_owned())), "{bad}");
        }
        assert!(ExpiresAtError("x".into()).to_string().ends_with("'YYYY-MM-DD HH:MM:SS'.\n"));
    }
}
