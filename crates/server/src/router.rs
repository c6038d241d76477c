//! From method and path to a handler. The path is matched first, so a known
//! path with the wrong method is a `405`, an unknown path a `404`.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use task_model::Code;
use tracing::error;

use crate::http::{error_response, parse_json, read_body, require_content_type, Body};
use crate::params::Query;
use crate::routes::{documents, indexes, meta, search, staging, tasks, webhooks};
use crate::serve::AppState;
use crate::{auth, Error};

/// A request on its way through a handler.
pub(crate) struct Req {
    pub state: Arc<AppState>,
    pub headers: HeaderMap,
    pub query: Query,
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

pub(crate) type Reply = Result<Response<Body>, Error>;

pub(crate) async fn handle(state: Arc<AppState>, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let req = Req { state, headers: parts.headers, query: Query::parse(parts.uri.query()), body: Some(body) };
    match dispatch(&parts.method, &path, req).await {
        Ok(response) => response,
        Err(e) => {
            let body = e.response_error();
            let status = e.status();
            if status >= 500 {
                error!(method = %parts.method, path, error = %body, "request failed");
            }
            error_response(status, &body)
        }
    }
}

fn not_found(method: &Method, path: &str) -> Error {
    Error::new(Code::NotFound, format!("Route `{method} {path}` not found."))
}

async fn dispatch(method: &Method, path: &str, req: Req) -> Reply {
    let decoded: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    if segments.as_slice() != ["health"] {
        auth::check(req.state.master_key.as_ref().map(|k| k.expose()), &req.headers)?;
    }
    let m = method.clone();
    let wrong_method = || Err(Error::new(Code::MethodNotAllowed, format!("Method `{m}` is not allowed on `{path}`.")));
    use Method as M;
    match segments.as_slice() {
        ["health"] => match *method {
            M::GET => meta::health(),
            _ => wrong_method(),
        },
        ["version"] => match *method {
            M::GET => meta::version(),
            _ => wrong_method(),
        },
        ["metrics"] => match *method {
            M::GET => meta::metrics(req).await,
            _ => wrong_method(),
        },
        ["stats"] => match *method {
            M::GET => meta::stats(req).await,
            _ => wrong_method(),
        },
        ["swap-indexes"] => match *method {
            M::POST => indexes::swap(req).await,
            _ => wrong_method(),
        },
        ["indexes"] => match *method {
            M::GET => indexes::list(req).await,
            M::POST => indexes::create(req).await,
            _ => wrong_method(),
        },
        ["indexes", uid] => match *method {
            M::GET => indexes::get(req, uid).await,
            M::PATCH => indexes::update(req, uid).await,
            M::DELETE => indexes::delete(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "stats"] => match *method {
            M::GET => indexes::stats(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "settings"] => match *method {
            M::GET => crate::routes::settings::get_all(req, uid).await,
            M::PATCH => crate::routes::settings::update_all(req, uid).await,
            M::DELETE => crate::routes::settings::reset_all(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "settings", route] => match crate::settings::by_route(route) {
            None => Err(not_found(method, path)),
            Some(setting) => match *method {
                M::GET => crate::routes::settings::get(req, uid, setting).await,
                M::PATCH if setting.patch => crate::routes::settings::update(req, uid, setting).await,
                M::PUT if !setting.patch => crate::routes::settings::update(req, uid, setting).await,
                M::DELETE => crate::routes::settings::reset(req, uid, setting).await,
                _ => wrong_method(),
            },
        },
        ["indexes", uid, "search"] => match *method {
            M::GET => search::search_get(req, uid).await,
            M::POST => search::search_post(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "facet-search"] => match *method {
            M::POST => search::facet_search(req, uid).await,
            _ => wrong_method(),
        },
        ["multi-search"] => match *method {
            M::POST => search::multi_search(req).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "staging"] => match *method {
            M::GET => staging::get(req, uid).await,
            M::DELETE => staging::discard(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "staging", "snapshot"] => match *method {
            M::POST => staging::snapshot(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "staging", "notify"] => match *method {
            M::POST => staging::notify(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "deploy"] => match *method {
            M::POST => staging::deploy(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "documents"] => match *method {
            M::GET => documents::list(req, uid).await,
            M::POST => documents::add(req, uid, task_model::Method::Replace).await,
            M::PUT => documents::add(req, uid, task_model::Method::Update).await,
            M::DELETE => documents::clear(req, uid).await,
            _ => wrong_method(),
        },
        ["indexes", uid, "documents", "fetch"] if *method == M::POST => documents::fetch(req, uid).await,
        ["indexes", uid, "documents", "delete-batch"] if *method == M::POST => documents::delete_batch(req, uid).await,
        ["indexes", uid, "documents", "delete"] if *method == M::POST => documents::delete_by_filter(req, uid).await,
        ["indexes", uid, "documents", id] => match *method {
            M::GET => documents::get(req, uid, id).await,
            M::DELETE => documents::delete_one(req, uid, id).await,
            _ => wrong_method(),
        },
        ["tasks"] => match *method {
            M::GET => tasks::list(req).await,
            M::DELETE => tasks::delete(req).await,
            _ => wrong_method(),
        },
        ["tasks", "cancel"] => match *method {
            M::POST => tasks::cancel(req).await,
            _ => wrong_method(),
        },
        ["tasks", uid] => match *method {
            M::GET => tasks::get(req, uid).await,
            _ => wrong_method(),
        },
        ["webhooks"] => match *method {
            M::GET => webhooks::list(req).await,
            M::POST => webhooks::create(req).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid, "deliveries"] => match *method {
            M::GET => webhooks::deliveries(req, uuid).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid, "deliveries", id, "retry"] => match *method {
            M::POST => webhooks::redeliver(req, uuid, id).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid, "recover"] => match *method {
            M::POST => webhooks::recover(req, uuid).await,
            _ => wrong_method(),
        },
        ["webhooks", uuid] => match *method {
            M::GET => webhooks::get(req, uuid).await,
            M::PATCH => webhooks::update(req, uuid).await,
            M::DELETE => webhooks::delete(req, uuid).await,
            _ => wrong_method(),
        },
        ["batches"] => match *method {
            M::GET => tasks::list_batches(req).await,
            _ => wrong_method(),
        },
        ["batches", uid] => match *method {
            M::GET => tasks::get_batch(req, uid).await,
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
