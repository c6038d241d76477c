//! The runtime webhooks API, as Meilisearch 1.17+ has it.

use hyper::StatusCode;
use serde_json::{json, Value};

use super::blocking;
use crate::http::{empty, json_response};
use crate::router::{Reply, Req};

pub(crate) async fn list(req: Req) -> Reply {
    req.query.deny_unknown(&[])?;
    let results: Vec<Value> = req.state.webhooks.all().iter().map(|h| h.view()).collect();
    Ok(json_response(StatusCode::OK, &json!({"results": results})))
}

pub(crate) async fn get(req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    Ok(json_response(StatusCode::OK, &req.state.webhooks.get(uuid)?.view()))
}

/// Whether the body sets a new signing secret, which is then shown once.
fn sets_secret(body: &Value) -> bool {
    body.get("signingSecret").is_some_and(|v| v.is_string() || v == &Value::Bool(true))
}

fn view(hook: &webhook::Webhook, reveal_secret: bool) -> Value {
    let mut view = hook.view();
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
    Ok(json_response(StatusCode::CREATED, &view(&hook, reveal)))
}

pub(crate) async fn update(mut req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let body = req.json().await?;
    let reveal = sets_secret(&body);
    let (registry, uuid) = (req.state.webhooks.clone(), uuid.to_owned());
    let hook = blocking(move || Ok(registry.update(&uuid, body)?)).await?;
    Ok(json_response(StatusCode::OK, &view(&hook, reveal)))
}

pub(crate) async fn delete(req: Req, uuid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let (registry, uuid) = (req.state.webhooks.clone(), uuid.to_owned());
    blocking(move || Ok(registry.delete(&uuid)?)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
