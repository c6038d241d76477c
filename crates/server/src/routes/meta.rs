//! `/health`, `/version`, `/stats`, `/metrics`, `/experimental-features`.

use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::{human_size, rfc3339, Code, IndexUid};

use super::blocking;
use crate::http::json_response;
use crate::params::Query;
use crate::router::{Reply, Req};
use crate::serve::AppState;
use crate::Error;

pub(crate) fn health() -> Reply {
    Ok(json_response(StatusCode::OK, &json!({"status": "available"})))
}

pub(crate) fn version() -> Reply {
    Ok(json_response(
        StatusCode::OK,
        &json!({"commitSha": "unknown", "commitDate": "unknown", "pkgVersion": env!("CARGO_PKG_VERSION")}),
    ))
}

/// `POST /dumps`: a `dumpCreation` task writing Meilisearch's format.
pub(crate) async fn create_dump(req: Req) -> Reply {
    super::task_params(&req, &[])?;
    let details = task_model::Details::Dump { dump_uid: None };
    super::enqueue(&req, None, task_model::Operation::DumpCreation, details, None).await
}

/// `POST /snapshots`: a `snapshotCreation` task (no details, as Meilisearch).
pub(crate) async fn create_snapshot(req: Req) -> Reply {
    super::task_params(&req, &[])?;
    let new = scheduler::NewTask::instance(task_model::Operation::SnapshotCreation, super::annotations(&req)?);
    crate::router::accepted(&req.state.scheduler.register(new).await?)
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

/// How `/stats` and `/indexes/{uid}/stats` show sizes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatsOptions {
    /// `showInternalDatabaseSizes`: the bytes of each of the index's stores.
    internal: bool,
    /// `sizeFormat=human`: `1.99 KiB` rather than `2040`.
    human: bool,
}

impl StatsOptions {
    /// The parameters of `/stats` and `/indexes/{uid}/stats`.
    pub(crate) const PARAMS: &'static [&'static str] = &["showInternalDatabaseSizes", "sizeFormat"];

    pub fn of(query: &Query) -> Result<Self, Error> {
        query.deny_unknown(Self::PARAMS)?;
        let internal =
            query.boolean("showInternalDatabaseSizes", Code::InvalidStatsShowInternalDatabaseSizes)?.unwrap_or(false);
        let human = match query.get("sizeFormat") {
            None | Some("raw") => false,
            Some("human") => true,
            Some(other) => {
                return Err(Error::new(
                    Code::InvalidStatsSizeFormat,
                    format!("Unknown value `{other}` for parameter `sizeFormat`: expected one of `human`, `raw`"),
                ))
            }
        };
        Ok(Self { internal, human })
    }

    fn size(self, bytes: u64) -> Value {
        if self.human {
            json!(human_size(bytes))
        } else {
            json!(bytes)
        }
    }
}

/// The stats of one index as `GET /indexes/{uid}/stats` shows them. Its
/// internal stores are meili-lite's own: the documents in sled and the
/// search index on disk. Embeddings do not exist here: always 0.
pub(crate) fn index_stats(state: &AppState, uid: &IndexUid, options: StatsOptions) -> Result<Value, Error> {
    let meta = state.store.index(uid)?;
    let stats = state.store.stats(uid)?;
    let mut out = Map::new();
    out.insert("numberOfDocuments".into(), json!(stats.number_of_documents));
    out.insert("rawDocumentDbSize".into(), options.size(stats.raw_document_db_size));
    out.insert("avgDocumentSize".into(), options.size(stats.avg_document_size));
    out.insert("isIndexing".into(), json!(state.scheduler.is_indexing(uid.as_str())));
    if options.internal {
        let sizes = json!({
            "documents": options.size(stats.raw_document_db_size),
            "searchIndex": options.size(state.search.disk_size(meta.tree)),
        });
        out.insert("internalDatabaseSizes".into(), sizes);
    }
    out.insert("numberOfEmbeddings".into(), json!(0));
    out.insert("numberOfEmbeddedDocuments".into(), json!(0));
    out.insert("fieldDistribution".into(), json!(stats.field_distribution));
    Ok(Value::Object(out))
}

pub(crate) async fn stats(req: Req) -> Reply {
    let options = StatsOptions::of(&req.query)?;
    let body = blocking(move || {
        let mut metas = req.state.store.indexes()?;
        metas.retain(|m| req.access.allows_index(m.uid.as_str()));
        let mut indexes = Map::new();
        for meta in &metas {
            indexes.insert(meta.uid.to_string(), index_stats(&req.state, &meta.uid, options)?);
        }
        let last_update = metas.iter().map(|m| m.updated_at).max().map(rfc3339::format);
        let size = req.state.store.size_on_disk();
        Ok(json!({
            "databaseSize": options.size(size),
            "usedDatabaseSize": options.size(size),
            "lastUpdate": last_update,
            "indexes": indexes,
        }))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &body))
}

/// Prometheus text format: tasks by status, queue depth, searches, webhook
/// deliveries. Behind the `metrics` feature, as Meilisearch has it.
pub(crate) async fn metrics(req: Req) -> Reply {
    // A key limited to some indexes never gets here (`metrics.get` is an
    // instance action), so what it shows needs no narrowing.
    req.state.features.require(crate::Flag::Metrics)?;
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
        let (running, waiting, capacity) = state.searches.gauges();
        for (name, help, n) in [
            ("searches_running", "Searches running now.", running),
            ("searches_waiting", "Searches waiting for a slot.", waiting),
            ("search_queue_size", "The most searches that may wait.", capacity),
        ] {
            let _ =
                writeln!(out, "# HELP meili_lite_{name} {help}\n# TYPE meili_lite_{name} gauge\nmeili_lite_{name} {n}");
        }
        state.deliveries.metrics(&mut out);
        Ok(out)
    })
    .await?;
    Ok(crate::http::whole(bytes::Bytes::from(text), "text/plain; version=0.0.4; charset=utf-8"))
}
