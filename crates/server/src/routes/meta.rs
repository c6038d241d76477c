//! `/health`, `/version`, `/stats`, `/metrics`, `/experimental-features`.

use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::rfc3339;

use super::blocking;
use crate::http::json_response;
use crate::router::{Reply, Req};

pub(crate) fn health() -> Reply {
    Ok(json_response(StatusCode::OK, &json!({"status": "available"})))
}

pub(crate) fn version() -> Reply {
    Ok(json_response(
        StatusCode::OK,
        &json!({"commitSha": "unknown", "commitDate": "unknown", "pkgVersion": env!("CARGO_PKG_VERSION")}),
    ))
}

pub(crate) async fn features(req: Req) -> Reply {
    req.query.deny_unknown(&[])?;
    Ok(json_response(StatusCode::OK, &req.state.features.view()))
}

pub(crate) async fn update_features(mut req: Req) -> Reply {
    let body = req.json().await?;
    let state = req.state.clone();
    let view = blocking(move || state.features.update(&body)).await?;
    Ok(json_response(StatusCode::OK, &view))
}

/// The stats of one index as `GET /indexes/{uid}/stats` shows them.
pub(crate) fn index_stats(req: &Req, uid: &task_model::IndexUid) -> Result<Value, crate::Error> {
    let stats = req.state.store.stats(uid)?;
    Ok(json!({
        "numberOfDocuments": stats.number_of_documents,
        "rawDocumentDbSize": stats.raw_document_db_size,
        "avgDocumentSize": stats.avg_document_size,
        "isIndexing": req.state.scheduler.is_indexing(uid.as_str()),
        "fieldDistribution": stats.field_distribution,
    }))
}

pub(crate) async fn stats(req: Req) -> Reply {
    req.query.deny_unknown(&["showInternalDatabaseSizes", "sizeFormat"])?;
    let body = blocking(move || {
        let mut metas = req.state.store.indexes()?;
        metas.retain(|m| req.access.allows_index(m.uid.as_str()));
        let mut indexes = Map::new();
        for meta in &metas {
            indexes.insert(meta.uid.to_string(), index_stats(&req, &meta.uid)?);
        }
        let last_update = metas.iter().map(|m| m.updated_at).max().map(rfc3339::format);
        let size = req.state.store.size_on_disk();
        Ok(json!({"databaseSize": size, "usedDatabaseSize": size, "lastUpdate": last_update, "indexes": indexes}))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Prometheus text format: tasks by status, queue depth, webhook deliveries.
pub(crate) async fn metrics(req: Req) -> Reply {
    req.query.deny_unknown(&[])?;
    let state = req.state.clone();
    let text = blocking(move || {
        use std::fmt::Write;
        let (counts, depth) = state.scheduler.task_counts()?;
        let mut out = String::new();
        let _ = writeln!(out, "# HELP meili_lite_tasks Tasks by status.");
        let _ = writeln!(out, "# TYPE meili_lite_tasks gauge");
        for (status, n) in counts {
            let _ = writeln!(out, "meili_lite_tasks{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP meili_lite_queue_depth Tasks not finished yet.");
        let _ = writeln!(out, "# TYPE meili_lite_queue_depth gauge");
        let _ = writeln!(out, "meili_lite_queue_depth {depth}");
        state.deliveries.metrics(&mut out);
        Ok(out)
    })
    .await?;
    let mut res = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(text)));
    res.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(res)
}
