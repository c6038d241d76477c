//! `/indexes/{uid}/settings` and its sub-routes: read the settings an index
//! shows, or enqueue a `settingsUpdate` task that changes or resets them.

use hyper::StatusCode;
use task_model::{Details, Operation};

use super::{enqueue, index_uid, task_params};
use crate::http::json_response;
use crate::router::{Reply, Req};
use crate::settings::{self, Change, Setting};

/// `GET /indexes/{uid}/settings`.
pub(crate) async fn get_all(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    let meta = req.state.store.index(&uid)?;
    Ok(json_response(StatusCode::OK, &settings::effective(&meta.settings)))
}

/// `PATCH /indexes/{uid}/settings`.
pub(crate) async fn update_all(mut req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let change = settings::read_all(&req.json().await?)?;
    submit(&req, uid, change).await
}

/// `DELETE /indexes/{uid}/settings`.
pub(crate) async fn reset_all(req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    submit(&req, uid, settings::reset_all()).await
}

/// `GET /indexes/{uid}/settings/{route}`.
pub(crate) async fn get(req: Req, uid: &str, setting: &Setting) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    let meta = req.state.store.index(&uid)?;
    Ok(json_response(StatusCode::OK, &settings::effective_one(setting, &meta.settings)))
}

/// `PUT` or `PATCH /indexes/{uid}/settings/{route}`; a `null` body resets.
pub(crate) async fn update(mut req: Req, uid: &str, setting: &Setting) -> Reply {
    task_params(&req, &[])?;
    let change = settings::read_one(setting, &req.json().await?)?;
    submit(&req, uid, change).await
}

/// `DELETE /indexes/{uid}/settings/{route}`.
pub(crate) async fn reset(req: Req, uid: &str, setting: &Setting) -> Reply {
    task_params(&req, &[])?;
    submit(&req, uid, settings::reset_one(setting)).await
}

/// Enqueues the change; the index need not exist (the task creates it).
async fn submit(req: &Req, uid: &str, change: Change) -> Reply {
    let uid = index_uid(uid)?;
    let details = Details::SettingsUpdate { settings: change.details };
    let allow_index_creation = req.access.may(auth::Action::IndexesCreate, uid.as_str());
    enqueue(req, Some(uid), Operation::SettingsUpdate { settings: change.apply, allow_index_creation }, details, None)
        .await
}
