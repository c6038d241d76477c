//! `/keys`: API keys, as Meilisearch 1.50 has them. The key semantics live
//! in the `auth` crate; this module reads bodies with Meilisearch's messages.

use auth::{Action, IndexPattern, KeyPatch, NewKey};
use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::Code;
use time::OffsetDateTime;
use uuid::Uuid;

use super::blocking;
use crate::http::{empty, json_response};
use crate::json::{array, invalid, missing_field, string, unknown_field, unknown_value, Path};
use crate::router::{Reply, Req};
use crate::Error;

pub(crate) const CREATE_FIELDS: &[&str] = &["description", "name", "uid", "actions", "indexes", "expiresAt"];
pub(crate) const MUTABLE_FIELDS: &[&str] = &["description", "name"];

pub(crate) async fn list(req: Req) -> Reply {
    req.query.deny_unknown(crate::params::PAGE_PARAMS)?;
    let offset = req.query.positive::<usize>("offset", Code::InvalidApiKeyOffset)?.unwrap_or(0);
    let limit = req.query.positive::<usize>("limit", Code::InvalidApiKeyLimit)?.unwrap_or(20);
    let (page, total) = req.state.keys.list(offset, limit);
    let results: Vec<Value> = page.iter().map(|held| held.view()).collect();
    Ok(json_response(StatusCode::OK, &json!({"results": results, "offset": offset, "limit": limit, "total": total})))
}

pub(crate) async fn get(req: Req, key: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    Ok(json_response(StatusCode::OK, &req.state.keys.get(key)?.view()))
}

pub(crate) async fn create(mut req: Req) -> Reply {
    let now = task_model::now();
    let new = new_key(req.json().await?, now)?;
    let keys = req.state.keys.clone();
    let held = blocking(move || Ok(keys.create(new, now)?)).await?;
    Ok(json_response(StatusCode::CREATED, &held.view()))
}

pub(crate) async fn update(mut req: Req, key: &str) -> Reply {
    let patch = key_patch(req.json().await?)?;
    let (keys, key) = (req.state.keys.clone(), key.to_owned());
    let held = blocking(move || Ok(keys.update(&key, patch, task_model::now())?)).await?;
    Ok(json_response(StatusCode::OK, &held.view()))
}

pub(crate) async fn delete(req: Req, key: &str) -> Reply {
    let (keys, key) = (req.state.keys.clone(), key.to_owned());
    blocking(move || Ok(keys.delete(&key)?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn root_object(body: Value) -> Result<Map<String, Value>, Error> {
    match body {
        Value::Object(map) => Ok(map),
        other => Err(bad(Code::BadRequest, crate::json::wrong_type(&Path::root(), "an object", &other))),
    }
}

fn bad(code: Code, invalid: crate::json::Invalid) -> Error {
    Error::new(code, invalid.0)
}

/// A `POST /keys` body, read in body order: the first error wins, then
/// missing fields in the order actions, indexes, expiresAt (as deserr).
fn new_key(body: Value, now: OffsetDateTime) -> Result<NewKey, Error> {
    let root = Path::root();
    let mut new =
        NewKey { uid: None, name: None, description: None, actions: vec![], indexes: vec![], expires_at: None };
    let (mut actions, mut indexes, mut expires) = (false, false, false);
    for (field, value) in &root_object(body)? {
        let at = root.key(field);
        match field.as_str() {
            "description" => new.description = nullable_string(value, &at, Code::InvalidApiKeyDescription)?,
            "name" => new.name = nullable_string(value, &at, Code::InvalidApiKeyName)?,
            "uid" => {
                let raw = string(value, &at).map_err(|e| bad(Code::InvalidApiKeyUid, e))?;
                let uid =
                    Uuid::parse_str(&raw).map_err(|e| bad(Code::InvalidApiKeyUid, invalid(&at, &e.to_string())))?;
                new.uid = Some(uid);
            }
            "actions" => {
                actions = true;
                new.actions = each_string(value, &at, Code::InvalidApiKeyActions, |raw, at| {
                    raw.parse::<Action>().map_err(|()| {
                        let names: Vec<&str> = Action::EVERY.iter().map(|a| a.name()).collect();
                        unknown_value(at, raw, &names)
                    })
                })?;
            }
            "indexes" => {
                indexes = true;
                new.indexes = each_string(value, &at, Code::InvalidApiKeyIndexes, |raw, at| {
                    raw.parse::<IndexPattern>().map_err(|e| invalid(at, &e.to_string()))
                })?;
            }
            "expiresAt" => {
                expires = true;
                if let Some(raw) = nullable_string(value, &at, Code::InvalidApiKeyExpiresAt)? {
                    let date = auth::parse_expires_at(&raw, now)
                        .map_err(|e| bad(Code::InvalidApiKeyExpiresAt, invalid(&at, &e.to_string())))?;
                    new.expires_at = Some(date);
                }
            }
            other => return Err(bad(Code::BadRequest, unknown_field(&root, other, CREATE_FIELDS))),
        }
    }
    for (seen, field, code) in [
        (actions, "actions", Code::MissingApiKeyActions),
        (indexes, "indexes", Code::MissingApiKeyIndexes),
        (expires, "expiresAt", Code::MissingApiKeyExpiresAt),
    ] {
        if !seen {
            return Err(bad(code, missing_field(&root, field)));
        }
    }
    Ok(new)
}

/// A `PATCH /keys/{key}` body: only `name` and `description` may change.
fn key_patch(body: Value) -> Result<KeyPatch, Error> {
    let mut patch = KeyPatch::default();
    for (field, value) in &root_object(body)? {
        let at = Path::root().key(field);
        let immutable = match field.as_str() {
            "description" => {
                patch.description = Some(nullable_string(value, &at, Code::InvalidApiKeyDescription)?);
                continue;
            }
            "name" => {
                patch.name = Some(nullable_string(value, &at, Code::InvalidApiKeyName)?);
                continue;
            }
            "uid" => Code::ImmutableApiKeyUid,
            "actions" => Code::ImmutableApiKeyActions,
            "indexes" => Code::ImmutableApiKeyIndexes,
            "expiresAt" => Code::ImmutableApiKeyExpiresAt,
            "createdAt" => Code::ImmutableApiKeyCreatedAt,
            "updatedAt" => Code::ImmutableApiKeyUpdatedAt,
            other => return Err(bad(Code::BadRequest, unknown_field(&Path::root(), other, MUTABLE_FIELDS))),
        };
        let names = MUTABLE_FIELDS.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
        return Err(Error::new(immutable, format!("Immutable field `{field}`: expected one of {names}")));
    }
    Ok(patch)
}

fn nullable_string(value: &Value, at: &Path, code: Code) -> Result<Option<String>, Error> {
    match value {
        Value::Null => Ok(None),
        v => string(v, at).map(Some).map_err(|e| bad(code, e)),
    }
}

/// An array whose strings `item` reads, each at its own path.
fn each_string<T>(
    value: &Value,
    at: &Path,
    code: Code,
    item: impl Fn(&str, &Path) -> Result<T, crate::json::Invalid>,
) -> Result<Vec<T>, Error> {
    let items = array(value, at).map_err(|e| bad(code, e))?;
    let read = |(i, v): (usize, &Value)| {
        let at = at.index(i);
        item(&string(v, &at)?, &at)
    };
    items.iter().enumerate().map(read).collect::<Result<_, _>>().map_err(|e| bad(code, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_error(body: Value) -> (Code, String) {
        let e = new_key(body, OffsetDateTime::now_utc()).unwrap_err().response_error();
        (e.code, e.message)
    }

    #[test]
    fn create_bodies_fail_as_meilisearch_says() {
        let ok = json!({"actions": ["search"], "indexes": ["mov*"], "expiresAt": "2999-01-01", "name": null});
        let new = new_key(ok, OffsetDateTime::now_utc()).unwrap();
        assert_eq!(new.actions, [Action::Search]);
        assert_eq!(
            create_error(json!({"indexes": ["*"]})),
            (Code::MissingApiKeyActions, "Missing field `actions`".into())
        );
        assert_eq!(
            create_error(json!({"actions": [], "indexes": [], "foo": 1})).1,
            "Unknown field `foo`: expected one of `description`, `name`, `uid`, `actions`, `indexes`, `expiresAt`"
        );
        assert_eq!(
            create_error(json!({"actions": "search"})),
            (
                Code::InvalidApiKeyActions,
                "Invalid value type at `.actions`: expected an array, but found a string: `\"search\"`".into()
            )
        );
        let (code, message) = create_error(json!({"actions": ["nope"]}));
        assert_eq!(code, Code::InvalidApiKeyActions);
        assert!(
            message.starts_with("Unknown value `nope` at `.actions[0]`: expected one of `*`, `search`,"),
            "{message}"
        );
        assert_eq!(create_error(json!({"indexes": ["bad index!"]})).1, "Invalid value at `.indexes[0]`: `bad index!` is not a valid index uid pattern. Index uid patterns can be an integer or a string containing only alphanumeric characters, hyphens (-), underscores (_), and optionally end with a star (*).");
        assert_eq!(
            create_error(json!({"name": 1})).1,
            "Invalid value type at `.name`: expected a string, but found a positive integer: `1`"
        );
        assert_eq!(create_error(json!({"expiresAt": "2000-01-01"})).0, Code::InvalidApiKeyExpiresAt);
        assert_eq!(create_error(json!({"uid": "nope"})).0, Code::InvalidApiKeyUid);
    }

    #[test]
    fn patches_change_only_name_and_description() {
        let patch = key_patch(json!({"name": "n", "description": null})).unwrap();
        assert_eq!(patch, KeyPatch { name: Some(Some("n".into())), description: Some(None) });
        let e = key_patch(json!({"actions": []})).unwrap_err().response_error();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::ImmutableApiKeyActions, "Immutable field `actions`: expected one of `description`, `name`")
        );
        let e = key_patch(json!({"key": "x"})).unwrap_err().response_error();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::BadRequest, "Unknown field `key`: expected one of `description`, `name`")
        );
    }
}
