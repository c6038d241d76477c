//! From method and path to a handler. The path is matched first, so a known
//! path with the wrong method is a `405`, an unknown path a `404`.

use std::future::Future;
use std::sync::Arc;

use auth::{Access, Action};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use task_model::Code;
use time::OffsetDateTime;
use tracing::error;

use crate::http::{error_response, parse_json, read_body, require_content_type, Body};
use crate::params::Query;
use crate::routes::{
    dashboard, documents, fields, indexes, keys, logs, meta, search, settings, staging, tasks, webhooks,
};
use crate::serve::AppState;
use crate::{bearer, Error};

/// A request on its way through a handler, once authorized for its route.
pub(crate) struct Req {
    pub state: Arc<AppState>,
    pub headers: HeaderMap,
    pub query: Query,
    /// What the key (or tenant token) may reach beyond this route.
    pub access: Access,
    body: Option<Incoming>,
}

impl Req {
    /// The raw body, within the payload limit. Readable once.
    pub async fn body(&mut self) -> Result<Bytes, Error> {
        match self.body.take() {
            Some(body) => read_body(&self.headers, body, self.state.payload_limit).await,
            None => Ok(Bytes::new()),
        }
    }

    /// A JSON body; the content type must say so.
    pub async fn json(&mut self) -> Result<serde_json::Value, Error> {
        require_content_type(&self.headers, &["application/json"])?;
        parse_json(&self.body().await?)
    }
}

/// A request not yet authorized: only [`guarded`] makes a [`Req`] of it, so
/// no handler runs without its route's action checked.
struct Unchecked {
    state: Arc<AppState>,
    headers: HeaderMap,
    query: Query,
    body: Incoming,
}

pub(crate) type Reply = Result<Response<Body>, Error>;

pub(crate) async fn handle(state: Arc<AppState>, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let req = Unchecked { state, headers: parts.headers, query: Query::parse(parts.uri.query()), body };
    match dispatch(&parts.method, &path, req).await {
        Ok(response) => response,
        Err(e) => {
            let body = e.response_error();
            let status = e.status();
            if status >= 500 {
                // `/keys/{key}` may name a key by its value: never log it,
                // however the path is spelled (`//keys/`, `/%6Beys/`).
                let first = path.split('/').find(|s| !s.is_empty()).map(percent_decode);
                let path = if first.as_deref() == Some("keys") { "/keys/<redacted>" } else { path.as_str() };
                error!(method = %parts.method, path, error = %body, "request failed");
            }
            error_response(status, &body)
        }
    }
}

fn not_found(method: &Method, path: &str) -> Error {
    Error::new(Code::NotFound, format!("Route `{method} {path}` not found."))
}

/// Runs `handler` if the request's key may do `action` (on `index`, for
/// routes under an index).
async fn guarded<F, Fut>(req: Unchecked, action: Action, index: Option<&str>, handler: F) -> Reply
where
    F: FnOnce(Req) -> Fut,
    Fut: Future<Output = Reply>,
{
    let token = bearer::token(&req.headers)?;
    let access = req.state.keys.authorize(token, action, index, OffsetDateTime::now_utc())?;
    let Unchecked { state, headers, query, body } = req;
    handler(Req { state, headers, query, access, body: Some(body) }).await
}

async fn dispatch(method: &Method, path: &str, req: Unchecked) -> Reply {
    let decoded: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let m = method.clone();
    let wrong_method = || Err(Error::new(Code::MethodNotAllowed, format!("Method `{m}` is not allowed on `{path}`.")));
    use Action as A;
    use Method as M;
    match segments.as_slice() {
        [] if req.state.dashboard => match *method {
            M::GET => dashboard::page(),
            _ => wrong_method(),
        },
        ["openapi.json"] => match *method {
            M::GET => Ok(crate::http::whole(
                bytes::Bytes::from_static(crate::openapi::document().as_bytes()),
                "application/json",
            )),
            _ => wrong_method(),
        },
        ["health"] => match *method {
            M::GET => meta::health(),
            _ => wrong_method(),
        },
        ["version"] => match *method {
            M::GET => guarded(req, A::Version, None, |_| async { meta::version() }).await,
            _ => wrong_method(),
        },
        ["metrics"] => match *method {
            M::GET => guarded(req, A::MetricsGet, None, meta::metrics).await,
            _ => wrong_method(),
        },
        ["logs", "stream"] => match *method {
            M::POST => guarded(req, A::MetricsGet, None, logs::stream).await,
            M::DELETE => guarded(req, A::MetricsGet, None, logs::close).await,
            _ => wrong_method(),
        },
        ["logs", "stderr"] => match *method {
            M::POST => guarded(req, A::MetricsGet, None, logs::stderr).await,
            _ => wrong_method(),
        },
        ["stats"] => match *method {
            M::GET => guarded(req, A::StatsGet, None, meta::stats).await,
            _ => wrong_method(),
        },
        ["snapshots"] => match *method {
            M::POST => guarded(req, A::SnapshotsCreate, None, meta::create_snapshot).await,
            _ => wrong_method(),
        },
        ["dumps"] => match *method {
            M::POST => guarded(req, A::DumpsCreate, None, meta::create_dump).await,
            _ => wrong_method(),
        },
        ["experimental-features"] => match *method {
            M::GET => guarded(req, A::ExperimentalGet, None, meta::features).await,
            M::PATCH => guarded(req, A::ExperimentalUpdate, None, meta::update_features).await,
            _ => wrong_method(),
        },
        ["keys"] => match *method {
            M::GET => guarded(req, A::KeysGet, None, keys::list).await,
            M::POST => guarded(req, A::KeysCreate, None, keys::create).await,
            _ => wrong_method(),
        },
        ["keys", key] => match *method {
            M::GET => guarded(req, A::KeysGet, None, |r| keys::get(r, key)).await,
            M::PATCH => guarded(req, A::KeysUpdate, None, |r| keys::update(r, key)).await,
            M::DELETE => guarded(req, A::KeysDelete, None, |r| keys::delete(r, key)).await,
            _ => wrong_method(),
        },
        ["swap-indexes"] => match *method {
            M::POST => guarded(req, A::IndexesSwap, None, indexes::swap).await,
            _ => wrong_method(),
        },
        ["indexes"] => match *method {
            M::GET => guarded(req, A::IndexesGet, None, indexes::list).await,
            M::POST => guarded(req, A::IndexesCreate, None, indexes::create).await,
            _ => wrong_method(),
        },
        ["indexes", uid] => match *method {
            M::GET => guarded(req, A::IndexesGet, Some(uid), |r| indexes::get(r, uid)).await,
            M::PATCH => guarded(req, A::IndexesUpdate, Some(uid), |r| indexes::update(r, uid)).await,
            M::DELETE => guarded(req, A::IndexesDelete, Some(uid), |r| indexes::delete(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "stats"] => match *method {
            M::GET => guarded(req, A::StatsGet, Some(uid), |r| indexes::stats(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "fields"] => match *method {
            M::POST => guarded(req, A::FieldsPost, Some(uid), |r| fields::fields(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "compact"] => match *method {
            M::POST => guarded(req, A::IndexesCompact, Some(uid), |r| indexes::compact(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "settings"] => match *method {
            M::GET => guarded(req, A::SettingsGet, Some(uid), |r| settings::get_all(r, uid)).await,
            M::PATCH => guarded(req, A::SettingsUpdate, Some(uid), |r| settings::update_all(r, uid)).await,
            M::DELETE => guarded(req, A::SettingsUpdate, Some(uid), |r| settings::reset_all(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "settings", route] => match crate::settings::by_route(route) {
            None => Err(not_found(method, path)),
            Some(setting) => match *method {
                M::GET => guarded(req, A::SettingsGet, Some(uid), |r| settings::get(r, uid, setting)).await,
                M::PATCH if setting.patch => {
                    guarded(req, A::SettingsUpdate, Some(uid), |r| settings::update(r, uid, setting)).await
                }
                M::PUT if !setting.patch => {
                    guarded(req, A::SettingsUpdate, Some(uid), |r| settings::update(r, uid, setting)).await
                }
                M::DELETE => guarded(req, A::SettingsUpdate, Some(uid), |r| settings::reset(r, uid, setting)).await,
                _ => wrong_method(),
            },
        },
        ["indexes", uid, "search"] => match *method {
            M::GET => guarded(req, A::Search, Some(uid), |r| search::search_get(r, uid)).await,
            M::POST => guarded(req, A::Search, Some(uid), |r| search::search_post(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "facet-search"] => match *method {
            M::POST => guarded(req, A::Search, Some(uid), |r| search::facet_search(r, uid)).await,
            _ => wrong_method(),
        },
        ["multi-search"] => match *method {
            M::POST => guarded(req, A::Search, None, search::multi_search).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "staging"] => match *method {
            M::GET => guarded(req, A::StagingGet, Some(uid), |r| staging::get(r, uid)).await,
            M::DELETE => guarded(req, A::StagingUpdate, Some(uid), |r| staging::discard(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "staging", "snapshot"] => match *method {
            M::POST => guarded(req, A::StagingUpdate, Some(uid), |r| staging::snapshot(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "staging", "notify"] => match *method {
            M::POST => guarded(req, A::StagingUpdate, Some(uid), |r| staging::notify(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "deploy"] => match *method {
            M::POST => guarded(req, A::StagingDeploy, Some(uid), |r| staging::deploy(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "documents"] => match *method {
            M::GET => guarded(req, A::DocumentsGet, Some(uid), |r| documents::list(r, uid)).await,
            M::POST => {
                guarded(req, A::DocumentsAdd, Some(uid), |r| documents::add(r, uid, task_model::Method::Replace)).await
            }
            M::PUT => {
                guarded(req, A::DocumentsAdd, Some(uid), |r| documents::add(r, uid, task_model::Method::Update)).await
            }
            M::DELETE => guarded(req, A::DocumentsDelete, Some(uid), |r| documents::clear(r, uid)).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "documents", "fetch"] if *method == M::POST => {
            guarded(req, A::DocumentsGet, Some(uid), |r| documents::fetch(r, uid)).await
        }
        ["indexes", uid, "documents", "delete-batch"] if *method == M::POST => {
            guarded(req, A::DocumentsDelete, Some(uid), |r| documents::delete_batch(r, uid)).await
        }
        ["indexes", uid, "documents", "delete"] if *method == M::POST => {
            guarded(req, A::DocumentsDelete, Some(uid), |r| documents::delete_by_filter(r, uid)).await
        }
        ["indexes", uid, "documents", id] => match *method {
            M::GET => guarded(req, A::DocumentsGet, Some(uid), |r| documents::get(r, uid, id)).await,
            M::DELETE => guarded(req, A::DocumentsDelete, Some(uid), |r| documents::delete_one(r, uid, id)).await,
            _ => wrong_method(),
        },
        ["tasks"] => match *method {
            M::GET => guarded(req, A::TasksGet, None, tasks::list).await,
            M::DELETE => guarded(req, A::TasksDelete, None, tasks::delete).await,
            _ => wrong_method(),
        },
        ["tasks", "cancel"] => match *method {
            M::POST => guarded(req, A::TasksCancel, None, tasks::cancel).await,
            _ => wrong_method(),
        },
        ["tasks", uid] => match *method {
            M::GET => guarded(req, A::TasksGet, None, |r| tasks::get(r, uid)).await,
            _ => wrong_method(),
        },
        ["batches"] => match *method {
            M::GET => guarded(req, A::TasksGet, None, tasks::list_batches).await,
            _ => wrong_method(),
        },
        ["batches", uid] => match *method {
            M::GET => guarded(req, A::TasksGet, None, |r| tasks::get_batch(r, uid)).await,
            _ => wrong_method(),
        },
        ["webhooks"] => match *method {
            M::GET => guarded(req, A::WebhooksGet, None, webhooks::list).await,
            M::POST => guarded(req, A::WebhooksCreate, None, webhooks::create).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid] => match *method {
            M::GET => guarded(req, A::WebhooksGet, None, |r| webhooks::get(r, uuid)).await,
            M::PATCH => guarded(req, A::WebhooksUpdate, None, |r| webhooks::update(r, uuid)).await,
            M::DELETE => guarded(req, A::WebhooksDelete, None, |r| webhooks::delete(r, uuid)).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid, "deliveries"] => match *method {
            M::GET => guarded(req, A::DeliveriesGet, None, |r| webhooks::deliveries(r, uuid)).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid, "deliveries", id, "retry"] => match *method {
            M::POST => guarded(req, A::DeliveriesRetry, None, |r| webhooks::redeliver(r, uuid, id)).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid, "recover"] => match *method {
            M::POST => guarded(req, A::DeliveriesRetry, None, |r| webhooks::recover(r, uuid)).await,
            _ => wrong_method(),
        },
        _ => Err(not_found(method, path)),
    }
}

/// `%20` → ` `; invalid escapes are kept as they are.
fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// `202 Accepted` with the summarized task.
pub(crate) fn accepted(task: &task_model::Task) -> Reply {
    Ok(crate::http::json_response(StatusCode::ACCEPTED, &task.summarized()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_decoding() {
        assert_eq!(super::percent_decode("bad%20uid"), "bad uid");
        assert_eq!(super::percent_decode("a%2"), "a%2");
        assert_eq!(super::percent_decode("%zz%41"), "%zzA");
    }
}
