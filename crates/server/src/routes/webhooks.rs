//! The runtime webhooks API, as Meilisearch 1.17+ has it.

use hyper::StatusCode;
use serde_json::{json, Value};

use task_model::Code;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::blocking;
use crate::http::{empty, json_response};
use crate::params::{object, wrong_type};
use crate::router::{Reply, Req};
use crate::Error;

/// The parameters of `GET /webhooks/{uuid}/deliveries`.
pub(crate) const DELIVERIES_PARAMS: &[&str] = &["limit", "from"];
/// The body fields of `POST /webhooks/{uuid}/recover`.
pub(crate) const RECOVER_FIELDS: &[&str] = &["since"];

pub(crate) async fn list(req: Req) -> Reply {
    req.query.deny_unknown(&[])?;
    let results: Vec<Value> = req.state.webhooks.all().iter().map(|h| with_health(&req, h)).collect();
    Ok(json_response(StatusCode::OK, &json!({"results": results})))
}

pub(crate) async fn get(req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let hook = req.state.webhooks.get(uuid)?;
    Ok(json_response(StatusCode::OK, &with_health(&req, &hook)))
}

/// The webhook with its delivery health (`consecutiveFailures`, `lastSuccessAt`, ...).
fn with_health(req: &Req, hook: &webhook::Webhook) -> Value {
    let mut view = hook.view();
    if let (Value::Object(map), Value::Object(health)) = (&mut view, req.state.deliveries.health(hook.uuid)) {
        map.extend(health);
    }
    view
}

pub(crate) async fn deliveries(req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(DELIVERIES_PARAMS)?;
    let hook = req.state.webhooks.get(uuid)?;
    let limit = req.query.positive::<usize>("limit", Code::BadRequest)?.unwrap_or(20);
    let from = req.query.positive::<u32>("from", Code::BadRequest)?;
    let deliveries = req.state.deliveries.clone();
    let (results, total) = blocking(move || Ok(deliveries.deliveries(hook.uuid, from, limit + 1)?)).await?;
    let next = results.get(limit).and_then(|d| d["batchUid"].as_u64());
    let results: Vec<Value> = results.into_iter().take(limit).collect();
    let from = results.first().and_then(|d| d["batchUid"].as_u64());
    Ok(json_response(
        StatusCode::OK,
        &json!({"results": results, "total": total, "limit": limit, "from": from, "next": next}),
    ))
}

pub(crate) async fn redeliver(req: Req, uuid: &str, id: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let hook = req.state.webhooks.get(uuid)?;
    let (deliveries, id) = (req.state.deliveries.clone(), id.to_owned());
    let delivery = blocking(move || Ok(deliveries.redeliver(hook.uuid, &id)?)).await?;
    Ok(json_response(StatusCode::ACCEPTED, &delivery))
}

/// `{"since": "<RFC 3339>"}` (optional): failed deliveries created since then go again.
pub(crate) async fn recover(mut req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let hook = req.state.webhooks.get(uuid)?;
    let body = match req.body().await? {
        b if b.iter().all(u8::is_ascii_whitespace) => json!({}),
        b => crate::http::parse_json(&b)?,
    };
    let body = object(body, RECOVER_FIELDS)?;
    let since = match body.get("since") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) => {
            OffsetDateTime::parse(s, &Rfc3339).map(|d| (d.unix_timestamp_nanos() / 1_000_000) as i64).map_err(|_| {
                Error::new(Code::BadRequest, format!("Invalid value at `.since`: `{s}` is not an RFC 3339 date-time."))
            })?
        }
        Some(other) => return Err(wrong_type(".since", "a string", other, Code::BadRequest)),
    };
    let deliveries = req.state.deliveries.clone();
    let requeued = blocking(move || Ok(deliveries.recover(hook.uuid, since)?)).await?;
    Ok(json_response(StatusCode::ACCEPTED, &json!({"requeued": requeued})))
}

/// Whether the body sets a new signing secret, which is then shown once.
fn sets_secret(body: &Value) -> bool {
    body.get("signingSecret").is_some_and(|v| v.is_string() || v == &Value::Bool(true))
}

fn view(req: &Req, hook: &webhook::Webhook, reveal_secret: bool) -> Value {
    let mut view = with_health(req, hook);
    if let (true, Some(secret), Value::Object(map)) = (reveal_secret, hook.secrets.first(), &mut view) {
        map.insert("signingSecret".into(), Value::String(secret.secret.clone()));
    }
    view
}

pub(crate) async fn create(mut req: Req) -> Reply {
    req.query.deny_unknown(&[])?;
    let body = req.json().await?;
    let reveal = sets_secret(&body);
    let registry = req.state.webhooks.clone();
    let hook = blocking(move || Ok(registry.create(body)?)).await?;
    Ok(json_response(StatusCode::CREATED, &view(&req, &hook, reveal)))
}

pub(crate) async fn update(mut req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let body = req.json().await?;
    let reveal = sets_secret(&body);
    let (registry, uuid) = (req.state.webhooks.clone(), uuid.to_owned());
    let hook = blocking(move || Ok(registry.update(&uuid, body)?)).await?;
    Ok(json_response(StatusCode::OK, &view(&req, &hook, reveal)))
}

pub(crate) async fn delete(req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let (registry, uuid) = (req.state.webhooks.clone(), uuid.to_owned());
    blocking(move || Ok(registry.delete(&uuid)?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
