//! The webhooks: the one from the command line (read-only) and the runtime
//! ones, persisted in sled so that they survive restarts.

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde_json::{Map, Value};
use task_model::{json_kind, Code};

use url::Url;
use uuid::Uuid;

use task_model::{Kind, Status};

use crate::payload::{Compression, Format};
use crate::webhook::{Filter, StoredSecret};
use crate::{Error, SigningSecret, Webhook};

/// Most runtime webhooks, as Meilisearch allows.
pub const MAX_WEBHOOKS: usize = 20;
/// Most headers on one webhook.
pub const MAX_HEADERS: usize = 200;

/// The webhooks, in memory for delivery and in sled for restarts.
#[derive(Debug)]
pub struct Registry {
    tree: sled::Tree,
    /// The command-line webhook; its `disabled` flag lives only in memory.
    cli: RwLock<Option<Webhook>>,
    runtime: RwLock<BTreeMap<Uuid, Webhook>>,
}

impl Registry {
    /// Opens the runtime webhooks stored in `db`, beside the command-line one.
    pub fn open(db: &sled::Db, cli: Option<Webhook>) -> Result<Self, Error> {
        let tree = db.open_tree("webhooks")?;
        let mut runtime = BTreeMap::new();
        for value in tree.iter().values() {
            let hook: Webhook = serde_json::from_slice(&value?)?;
            runtime.insert(hook.uuid, hook);
        }
        Ok(Self { tree, cli: RwLock::new(cli), runtime: RwLock::new(runtime) })
    }

    /// Every webhook, the command-line one first.
    pub fn all(&self) -> Vec<Webhook> {
        let cli = self.cli.read().unwrap_or_else(|e| e.into_inner()).clone();
        let runtime = self.runtime.read().unwrap_or_else(|e| e.into_inner());
        cli.into_iter().chain(runtime.values().cloned()).collect()
    }

    /// The webhook with this uuid, if it (still) exists.
    pub fn find(&self, uuid: Uuid) -> Option<Webhook> {
        if uuid.is_nil() {
            return self.cli.read().unwrap_or_else(|e| e.into_inner()).clone();
        }
        self.runtime.read().unwrap_or_else(|e| e.into_inner()).get(&uuid).cloned()
    }

    /// Whether the webhook with this uuid (still) exists, without copying it.
    pub fn contains(&self, uuid: Uuid) -> bool {
        if uuid.is_nil() {
            return self.cli.read().unwrap_or_else(|e| e.into_inner()).is_some();
        }
        self.runtime.read().unwrap_or_else(|e| e.into_inner()).contains_key(&uuid)
    }

    /// Disables (after a `410 Gone`) or re-enables a webhook, the command-line
    /// one included.
    pub fn set_disabled(&self, uuid: Uuid, disabled: bool) -> Result<(), Error> {
        if uuid.is_nil() {
            if let Some(cli) = self.cli.write().unwrap_or_else(|e| e.into_inner()).as_mut() {
                cli.disabled = disabled;
            }
            return Ok(());
        }
        let mut runtime = self.runtime.write().unwrap_or_else(|e| e.into_inner());
        let hook = runtime.get_mut(&uuid).ok_or(Error::NotFound(uuid))?;
        hook.disabled = disabled;
        let hook = hook.clone();
        self.persist(&hook)
    }

    pub fn get(&self, uuid: &str) -> Result<Webhook, Error> {
        let uuid = parse_uuid(uuid)?;
        self.all().into_iter().find(|h| h.uuid == uuid).ok_or(Error::NotFound(uuid))
    }

    /// `POST /webhooks`: `{"url": ..., "headers": {...}}`.
    pub fn create(&self, body: Value) -> Result<Webhook, Error> {
        let body = object(body)?;
        let uuid = Uuid::new_v4();
        let mut headers = BTreeMap::new();
        // As in Meilisearch, a `null` header on creation is kept as an empty value.
        apply_headers(uuid, &mut headers, body.get("headers"), Some(""))?;
        let url = match body.get("url") {
            None | Some(Value::Null) => return Err(missing_url(uuid)),
            Some(value) => parse_url(uuid, value)?,
        };
        let mut hook = Webhook {
            uuid,
            url,
            headers,
            disabled: false,
            secrets: Vec::new(),
            filter: Filter::default(),
            format: Format::default(),
            compression: Compression::default(),
        };
        apply_signing(&mut hook, body.get("signingSecret"))?;
        apply_payload_options(&mut hook, &body)?;
        let mut runtime = self.runtime.write().unwrap_or_else(|e| e.into_inner());
        if runtime.len() >= MAX_WEBHOOKS {
            return Err(Error::TooMany(format!(
                "Defining too many webhooks would crush the server. Please limit the number of webhooks to {MAX_WEBHOOKS}. You may use a third-party proxy server to dispatch events to more than {MAX_WEBHOOKS} endpoints."
            )));
        }
        self.persist(&hook)?;
        runtime.insert(hook.uuid, hook.clone());
        Ok(hook)
    }

    /// `PATCH /webhooks/{uuid}`: `url` replaces; `headers` merge, a `null`
    /// header is removed and `"headers": null` removes them all.
    pub fn update(&self, uuid: &str, body: Value) -> Result<Webhook, Error> {
        let body = object(body)?;
        let uuid = parse_uuid(uuid)?;
        let mut runtime = self.runtime.write().unwrap_or_else(|e| e.into_inner());
        if uuid.is_nil() {
            return Err(immutable(uuid));
        }
        let mut hook = runtime.get(&uuid).cloned().ok_or(Error::NotFound(uuid))?;
        match body.get("headers") {
            None => {}
            Some(Value::Null) => hook.headers.clear(),
            Some(value) => apply_headers(uuid, &mut hook.headers, Some(value), None)?,
        }
        match body.get("url") {
            None => {}
            Some(Value::Null) => return Err(missing_url(uuid)),
            Some(value) => hook.url = parse_url(uuid, value)?,
        }
        if body.contains_key("signingSecret") {
            apply_signing(&mut hook, body.get("signingSecret"))?;
        }
        apply_payload_options(&mut hook, &body)?;
        match body.get("disabled") {
            None => {}
            Some(Value::Bool(disabled)) => hook.disabled = *disabled,
            Some(other) => {
                return Err(Error::BadBody {
                    code: Code::BadRequest,
                    message: wrong_type(" at `.disabled`", "a boolean", other),
                })
            }
        }
        self.persist(&hook)?;
        runtime.insert(uuid, hook.clone());
        Ok(hook)
    }

    /// `DELETE /webhooks/{uuid}`.
    pub fn delete(&self, uuid: &str) -> Result<(), Error> {
        let uuid = parse_uuid(uuid)?;
        let mut runtime = self.runtime.write().unwrap_or_else(|e| e.into_inner());
        if uuid.is_nil() {
            return Err(immutable(uuid));
        }
        runtime.remove(&uuid).ok_or(Error::NotFound(uuid))?;
        self.tree.remove(uuid.as_bytes())?;
        self.tree.flush()?;
        Ok(())
    }

    /// Puts back a runtime webhook from a dump, with its own uuid; one
    /// already there with that uuid is replaced.
    pub fn restore(&self, hook: Webhook) -> Result<(), Error> {
        self.persist(&hook)?;
        self.runtime.write().unwrap_or_else(|e| e.into_inner()).insert(hook.uuid, hook);
        Ok(())
    }

    fn persist(&self, hook: &Webhook) -> Result<(), Error> {
        self.tree.insert(hook.uuid.as_bytes(), serde_json::to_vec(hook)?)?;
        self.tree.flush()?;
        Ok(())
    }
}

fn immutable(uuid: Uuid) -> Error {
    Error::Immutable(format!(
        "Webhook `{uuid}` is immutable. The webhook defined from the command line cannot be modified using the API."
    ))
}

fn missing_url(uuid: Uuid) -> Error {
    Error::InvalidUrl(format!("The URL for the webhook `{uuid}` is missing."))
}

fn parse_uuid(raw: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(raw).map_err(|e| Error::InvalidUuid(format!("Invalid UUID: {e}")))
}

fn wrong_type(at: &str, expected: &str, found: &Value) -> String {
    format!("Invalid value type{at}: expected {expected}, but found {}: `{found}`", json_kind(found))
}

fn object(body: Value) -> Result<Map<String, Value>, Error> {
    let Value::Object(map) = body else {
        return Err(Error::BadBody { code: Code::BadRequest, message: wrong_type("", "an object", &body) });
    };
    for key in map.keys() {
        let (code, message) = match key.as_str() {
            "url" | "headers" | "disabled" | "signingSecret" | "filter" | "format" | "compression" => continue,
            "uuid" => {
                (Code::ImmutableWebhookUuid, "Immutable field `uuid`: expected one of `url`, `headers`".to_owned())
            }
            "isEditable" => (
                Code::ImmutableWebhookIsEditable,
                "Immutable field `isEditable`: expected one of `url`, `headers`".to_owned(),
            ),
            other => (Code::BadRequest, format!("Unknown field `{other}`: expected one of `url`, `headers`")),
        };
        return Err(Error::BadBody { code, message });
    }
    Ok(map)
}

/// `filter`, `format` and `compression`: meili-lite's per-webhook choices.
fn apply_payload_options(hook: &mut Webhook, body: &Map<String, Value>) -> Result<(), Error> {
    match body.get("filter") {
        None => {}
        Some(Value::Null) => hook.filter = Filter::default(),
        Some(Value::Object(map)) => {
            let mut filter = Filter::default();
            for (key, value) in map {
                match key.as_str() {
                    "indexUids" => {
                        filter.index_uids = filter_list(key, value, |n| {
                            n.parse::<task_model::IndexUid>().map(|u| u.to_string()).map_err(|e| e.to_string())
                        })?
                    }
                    "types" => {
                        filter.types = filter_list(key, value, |n| {
                            n.parse::<Kind>().map_err(|_| format!("`{n}` is not a valid task type."))
                        })?
                    }
                    "statuses" => {
                        filter.statuses = filter_list(key, value, |n| {
                            n.parse::<Status>().map_err(|_| format!("`{n}` is not a valid task status."))
                        })?
                    }
                    "targetedOnly" => {
                        filter.targeted_only = value.as_bool().ok_or_else(|| Error::BadBody {
                            code: Code::InvalidWebhookFilter,
                            message: wrong_type(" at `.filter.targetedOnly`", "a boolean", value),
                        })?
                    }
                    other => {
                        return Err(Error::BadBody {
                            code: Code::InvalidWebhookFilter,
                            message: format!(
                                "Unknown field `{other}` inside `.filter`: expected one of `indexUids`, `types`, `statuses`, `targetedOnly`"
                            ),
                        })
                    }
                }
            }
            hook.filter = filter;
        }
        Some(other) => {
            return Err(Error::BadBody {
                code: Code::InvalidWebhookFilter,
                message: wrong_type(" at `.filter`", "an object", other),
            })
        }
    }
    if let Some(value) = body.get("format") {
        hook.format = choice("format", value, &[("flattened", Format::Flattened), ("nested", Format::Nested)])?;
    }
    if let Some(value) = body.get("compression") {
        hook.compression = choice("compression", value, &[("gzip", Compression::Gzip), ("none", Compression::None)])?;
    }
    Ok(())
}

/// A filter list: `None` when it holds `*` (anything), else every item parsed.
fn filter_list<T>(
    key: &str,
    value: &Value,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<Vec<T>>, Error> {
    let at = format!(" at `.filter.{key}`");
    let bad = |message: String| Error::BadBody { code: Code::InvalidWebhookFilter, message };
    let Value::Array(items) = value else { return Err(bad(wrong_type(&at, "an array", value))) };
    let names: Vec<&str> = items.iter().map(|v| v.as_str().unwrap_or("")).collect();
    if names.contains(&"*") {
        return Ok(None);
    }
    names
        .iter()
        .map(|n| parse(n).map_err(|e| bad(format!("Invalid value{at}: {e}"))))
        .collect::<Result<_, _>>()
        .map(Some)
}

/// One of a few named options.
fn choice<T: Copy>(field: &str, value: &Value, options: &[(&str, T)]) -> Result<T, Error> {
    let found = options.iter().find(|(name, _)| value.as_str() == Some(name)).map(|(_, v)| *v);
    found.ok_or_else(|| {
        let names: Vec<String> = options.iter().map(|(n, _)| format!("`{n}`")).collect();
        Error::BadBody {
            code: Code::InvalidWebhookPayload,
            message: format!("Invalid value at `.{field}`: expected {}, found `{value}`", names.join(" or ")),
        }
    })
}

/// How long a rotated-out secret keeps signing.
const ROTATION_GRACE_SECS: i64 = 24 * 3600;

/// `"signingSecret"`: `true` generates one (rotating out the current one, which
/// keeps signing for 24 h), a `whsec_...` string sets it likewise, `null`
/// stops signing.
fn apply_signing(hook: &mut Webhook, value: Option<&Value>) -> Result<(), Error> {
    let new = match value {
        None | Some(Value::Bool(false)) => return Ok(()),
        Some(Value::Null) => {
            hook.secrets.clear();
            return Ok(());
        }
        Some(Value::Bool(true)) => SigningSecret::generate()?,
        Some(Value::String(raw)) => SigningSecret::parse(raw)?,
        Some(other) => {
            return Err(Error::BadBody {
                code: Code::InvalidWebhookSigningSecret,
                message: wrong_type(" at `.signingSecret`", "a boolean or a string", other),
            })
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    hook.secrets.retain(|s| s.expires_at.is_none_or(|at| at > now));
    for old in &mut hook.secrets {
        old.expires_at.get_or_insert(now + ROTATION_GRACE_SECS);
    }
    hook.secrets.insert(0, StoredSecret { secret: new.expose(), expires_at: None });
    Ok(())
}

/// Any URL that parses, as long as it is http or https: meili-lite refuses up
/// front what Meilisearch would accept and then fail to send to, forever.
fn parse_url(uuid: Uuid, value: &Value) -> Result<Url, Error> {
    let Value::String(raw) = value else {
        return Err(Error::InvalidUrl(wrong_type(" at `.url`", "a string", value)));
    };
    if raw.is_empty() {
        return Err(missing_url(uuid));
    }
    let url = Url::parse(raw).map_err(|e| Error::InvalidUrl(format!("Invalid URL `{raw}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::InvalidUrl(format!("Invalid URL `{raw}`: only http and https URLs can receive webhooks")));
    }
    Ok(url)
}

/// Merges `patch` (an object of name → value or `null`) into `headers`. Names
/// are case-sensitive keys, as in Meilisearch. `null` removes a header, or,
/// with `null_as`, sets that value.
fn apply_headers(
    uuid: Uuid,
    headers: &mut BTreeMap<String, String>,
    patch: Option<&Value>,
    null_as: Option<&str>,
) -> Result<(), Error> {
    let Some(patch) = patch else { return Ok(()) };
    let Value::Object(patch) = patch else {
        return Err(Error::InvalidHeaders(wrong_type(" at `.headers`", "an object", patch)));
    };
    for (name, value) in patch {
        match (value, null_as) {
            (Value::Null, None) => {
                headers.remove(name);
            }
            (Value::Null, Some(v)) => {
                headers.insert(name.clone(), v.to_owned());
            }
            (Value::String(v), _) => {
                headers.insert(name.clone(), v.clone());
            }
            (other, _) => {
                return Err(Error::InvalidHeaders(wrong_type(&format!(" at `.headers.{name}`"), "a string", other)));
            }
        }
    }
    if headers.len() > MAX_HEADERS {
        return Err(Error::InvalidHeaders(format!(
            "Too many headers for the webhook `{uuid}`. Please limit the number of headers to {MAX_HEADERS}. Hint: To remove an already defined header set its value to `null`"
        )));
    }
    for (name, value) in headers.iter() {
        if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(Error::InvalidHeaders(format!("Invalid header name `{name}`: invalid HTTP header name")));
        }
        if hyper::header::HeaderValue::from_str(value).is_err() {
            return Err(Error::InvalidHeaders(format!("Invalid header value `{name}`: failed to parse header value")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry(dir: &tempfile::TempDir, cli: Option<Webhook>) -> Registry {
        Registry::open(&sled::open(dir.path()).unwrap(), cli).unwrap()
    }

    #[test]
    fn create_get_patch_delete_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let uuid = {
            let reg = registry(&dir, None);
            let hook = reg
                .create(json!({"url": "http://a/hook?x=1", "headers": {"X-A": "1", "Authorization": "Bearer k"}}))
                .unwrap();
            assert!(hook.is_editable());
            let patched = reg
                .update(&hook.uuid.to_string(), json!({"url": "http://b/h", "headers": {"X-A": null, "X-B": "2"}}))
                .unwrap();
            assert_eq!(patched.url.as_str(), "http://b/h");
            assert_eq!(
                patched.headers,
                BTreeMap::from([("Authorization".into(), "Bearer k".into()), ("X-B".into(), "2".into())])
            );
            let cleared = reg.update(&hook.uuid.to_string(), json!({"headers": null})).unwrap();
            assert!(cleared.headers.is_empty());
            let err = reg.update(&hook.uuid.to_string(), json!({"url": null})).unwrap_err();
            assert_eq!(err.to_string(), format!("The URL for the webhook `{}` is missing.", hook.uuid));
            hook.uuid
        };
        let reg = registry(&dir, None);
        assert_eq!(reg.get(&uuid.to_string()).unwrap().url.as_str(), "http://b/h", "survives a reopen");
        reg.delete(&uuid.to_string()).unwrap();
        assert!(matches!(reg.get(&uuid.to_string()), Err(Error::NotFound(_))));
        assert!(matches!(reg.delete(&uuid.to_string()), Err(Error::NotFound(_))));
    }

    #[test]
    fn invalid_bodies_are_refused_with_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(&dir, None);
        let code = |r: Result<Webhook, Error>| r.unwrap_err().code();
        assert_eq!(code(reg.create(json!({"url": "not a url"}))), Code::InvalidWebhookUrl);
        assert_eq!(code(reg.create(json!({"headers": {}}))), Code::InvalidWebhookUrl);
        assert_eq!(
            code(reg.create(json!({"url": "http://a", "headers": {"bad name": "x"}}))),
            Code::InvalidWebhookHeaders
        );
        assert_eq!(code(reg.create(json!({"url": "http://a", "headers": {"X": "a\nb"}}))), Code::InvalidWebhookHeaders);
        assert_eq!(code(reg.create(json!({"url": "http://a", "doggo": 1}))), Code::BadRequest);
        assert_eq!(code(reg.create(json!({"url": "http://a", "uuid": "x"}))), Code::ImmutableWebhookUuid);
        assert_eq!(code(reg.create(json!({"url": "http://a", "isEditable": true}))), Code::ImmutableWebhookIsEditable);
        let many: Map<String, Value> = (0..=MAX_HEADERS).map(|i| (format!("X-{i}"), json!("v"))).collect();
        assert_eq!(code(reg.create(json!({"url": "http://a", "headers": many}))), Code::InvalidWebhookHeaders);
        assert_eq!(code(reg.get("nope").map(|_| unreachable!())), Code::InvalidWebhookUuid);
        let err = reg.create(json!({"url": "not-a-valid-url"})).unwrap_err();
        assert_eq!(err.to_string(), "Invalid URL `not-a-valid-url`: relative URL without a base");
        let err = reg.create(json!({"url": "http://a", "headers": {"invalid header name": "x"}})).unwrap_err();
        assert_eq!(err.to_string(), "Invalid header name `invalid header name`: invalid HTTP header name");
        let hook = reg.create(json!({"url": "http://a"})).unwrap();
        assert_eq!(code(reg.update(&hook.uuid.to_string(), json!({"url": null}))), Code::InvalidWebhookUrl);
        assert!(reg.all().len() == 1);
    }

    #[test]
    fn signing_secrets_generate_rotate_and_stop() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(&dir, None);
        let hook = reg.create(json!({"url": "http://a", "signingSecret": true})).unwrap();
        assert_eq!(hook.secrets.len(), 1);
        assert!(hook.view()["signed"] == true && !hook.view().to_string().contains(&hook.secrets[0].secret));
        let first = hook.secrets[0].secret.clone();
        let rotated = reg.update(&hook.uuid.to_string(), json!({"signingSecret": true})).unwrap();
        assert_eq!(rotated.secrets.len(), 2);
        assert_eq!(rotated.secrets[1].secret, first, "the old secret keeps signing");
        assert!(rotated.secrets[1].expires_at.is_some() && rotated.secrets[0].expires_at.is_none());
        assert_eq!(rotated.signing_secrets(0).len(), 2);
        assert_eq!(rotated.signing_secrets(i64::MAX).len(), 1, "until it expires");
        let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let set = reg.update(&hook.uuid.to_string(), json!({"signingSecret": given})).unwrap();
        assert_eq!(set.secrets[0].secret, given);
        let stopped = reg.update(&hook.uuid.to_string(), json!({"signingSecret": null})).unwrap();
        assert!(stopped.secrets.is_empty());
        let err = reg.create(json!({"url": "http://a", "signingSecret": "nope"})).unwrap_err();
        assert_eq!(err.code(), Code::InvalidWebhookSigningSecret);
    }

    #[test]
    fn filters_and_payload_options() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(&dir, None);
        let hook = reg
            .create(json!({"url": "http://a", "filter": {"indexUids": ["movies"], "statuses": ["failed", "canceled"], "types": ["*"]}, "format": "nested", "compression": "none"}))
            .unwrap();
        assert_eq!(hook.filter.index_uids, Some(vec!["movies".to_string()]));
        assert_eq!(hook.filter.types, None);
        assert_eq!(hook.filter.statuses, Some(vec![Status::Failed, Status::Canceled]));
        assert_eq!((hook.format, hook.compression), (Format::Nested, Compression::None));
        assert_eq!(hook.view()["filter"]["types"], json!(["*"]));
        let code = |r: Result<Webhook, Error>| r.unwrap_err().code();
        assert_eq!(
            code(reg.create(json!({"url": "http://a", "filter": {"types": ["nope"]}}))),
            Code::InvalidWebhookFilter
        );
        assert_eq!(code(reg.create(json!({"url": "http://a", "filter": {"colors": []}}))), Code::InvalidWebhookFilter);
        assert_eq!(code(reg.create(json!({"url": "http://a", "format": "xml"}))), Code::InvalidWebhookPayload);
        let cleared = reg.update(&hook.uuid.to_string(), json!({"filter": null})).unwrap();
        assert_eq!(cleared.filter, Filter::default());
        assert_eq!(
            code(reg.create(json!({"url": "http://a", "filter": {"targetedOnly": "yes"}}))),
            Code::InvalidWebhookFilter
        );
    }

    #[test]
    fn a_task_that_names_a_webhook_reaches_it_whatever_its_filter() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(&dir, None);
        let filtered = reg.create(json!({"url": "http://a", "filter": {"indexUids": ["elsewhere"]}})).unwrap();
        let dedicated = reg.create(json!({"url": "http://a", "filter": {"targetedOnly": true}})).unwrap();
        assert_eq!(dedicated.view()["filter"]["targetedOnly"], true);
        let mut task =
            task_model::Task::new(Some("movies".parse().unwrap()), task_model::Operation::IndexDeletion, None);
        assert!(!filtered.wants(&task) && !dedicated.wants(&task));
        task.webhooks = vec![filtered.uuid];
        assert!(filtered.wants(&task) && !dedicated.wants(&task));
        task.webhooks = vec![dedicated.uuid];
        assert!(!filtered.wants(&task) && dedicated.wants(&task));
        task.index_uid = Some("elsewhere".parse().unwrap());
        task.webhooks.clear();
        assert!(filtered.wants(&task) && !dedicated.wants(&task), "targeted-only ignores its filter's matches");
    }

    #[test]
    fn at_most_twenty_runtime_webhooks() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(&dir, None);
        for _ in 0..MAX_WEBHOOKS {
            reg.create(json!({"url": "http://a"})).unwrap();
        }
        assert_eq!(reg.create(json!({"url": "http://a"})).unwrap_err().code(), Code::InvalidWebhooks);
    }

    #[test]
    fn the_cli_webhook_is_listed_first_and_immutable() {
        let dir = tempfile::tempdir().unwrap();
        let cli = Webhook::from_cli("http://cli/hook".parse().unwrap(), None, None);
        let reg = registry(&dir, Some(cli));
        reg.create(json!({"url": "http://a"})).unwrap();
        let all = reg.all();
        assert_eq!((all.len(), all[0].uuid), (2, Uuid::nil()));
        let nil = Uuid::nil().to_string();
        assert_eq!(reg.update(&nil, json!({"url": "http://x"})).unwrap_err().code(), Code::ImmutableWebhook);
        assert_eq!(reg.delete(&nil).unwrap_err().code(), Code::ImmutableWebhook);
        assert_eq!(reg.get(&nil).unwrap().url.as_str(), "http://cli/hook");
    }
}
