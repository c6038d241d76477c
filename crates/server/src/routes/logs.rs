//! `/logs/stream` and `/logs/stderr`, behind the `logsRoute` feature, with
//! Meilisearch's bodies and messages.

use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::{Map, Value};
use task_model::Code;
use tracing_subscriber::filter::Targets;

use crate::http::{empty, Body};
use crate::json::{boolean, choice, fields, invalid, string, wrong_type, Invalid, Path};
use crate::logs::{Busy, StreamMode};
use crate::router::{Reply, Req};
use crate::{Error, Flag};

/// The body fields of `POST /logs/stream` and `POST /logs/stderr`.
pub(crate) const STREAM_FIELDS: &[&str] = &["target", "mode", "profileMemory"];
pub(crate) const STDERR_FIELDS: &[&str] = &["target"];

/// `POST /logs/stream`: the lines `target` selects, until `DELETE` or until
/// the client goes away.
pub(crate) async fn stream(mut req: Req) -> Reply {
    let body = req.json().await?;
    let (targets, mode) = read_stream(&body)?;
    req.state.features.require(Flag::LogsRoute)?;
    let stream = req.state.logs.open(targets, mode).map_err(|Busy| {
        Error::new(Code::BadRequest, "The `/logs/stream` route is currently in use by someone else.")
    })?;
    let mut res = Response::new(Body::Right(stream));
    let kind = match mode {
        StreamMode::Human => "text/plain; charset=utf-8",
        StreamMode::Json => "application/x-ndjson",
    };
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    // Proxies must pass lines on as they come.
    res.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

/// `DELETE /logs/stream`: ends the open stream; 204 even when none is open.
pub(crate) async fn close(req: Req) -> Reply {
    req.state.features.require(Flag::LogsRoute)?;
    req.state.logs.close();
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /logs/stderr`: which lines reach stderr until the next start.
pub(crate) async fn stderr(mut req: Req) -> Reply {
    let body = req.json().await?;
    let mut targets = None;
    read_object(&body, STDERR_FIELDS, |_, value, path| {
        targets = Some(read_targets(value, path)?);
        Ok(())
    })?;
    req.state.features.require(Flag::LogsRoute)?;
    req.state.logs.set_stderr(targets.unwrap_or_else(default_targets));
    Ok(empty(StatusCode::NO_CONTENT))
}

fn read_stream(body: &Value) -> Result<(Targets, StreamMode), Error> {
    let (mut targets, mut mode, mut profile_memory) = (None, "human".to_owned(), false);
    read_object(body, STREAM_FIELDS, |key, value, path| {
        match key {
            "target" => targets = Some(read_targets(value, path)?),
            "mode" => mode = choice(value, path, &["human", "json", "profile"])?,
            _ => profile_memory = boolean(value, path)?,
        }
        Ok(())
    })?;
    let mode = match mode.as_str() {
        "json" => StreamMode::Json,
        "human" => StreamMode::Human,
        _ => {
            return Err(Error::new(
                Code::BadRequest,
                "meili-lite has no `profile` mode for `/logs/stream`: use `human` or `json`.",
            ))
        }
    };
    if profile_memory {
        // Meilisearch's code and words for this mistake, odd as the code is.
        let shown = if mode == StreamMode::Json { "Json" } else { "Human" };
        return Err(Error::new(
            Code::InvalidSettingsTypoTolerance,
            format!(
                "Invalid value: `profile_memory` can only be used while profiling code and is not compatible with the {shown} mode."
            ),
        ));
    }
    Ok((targets.unwrap_or_else(default_targets), mode))
}

fn read_object(
    body: &Value,
    accepted: &[&str],
    field: impl FnMut(&str, &Value, &Path) -> Result<(), Invalid>,
) -> Result<(), Error> {
    let bad = |e: Invalid| Error::new(Code::BadRequest, e.0);
    let root = Path::root();
    let Value::Object(map) = body else { return Err(bad(wrong_type(&root, "an object", body))) };
    let map: &Map<String, Value> = map;
    fields(map, &root, accepted, field).map_err(bad)
}

/// tracing's target list (`info`, `meili_lite=debug,tantivy=warn`), as
/// Meilisearch reads `target`.
fn read_targets(value: &Value, path: &Path) -> Result<Targets, Invalid> {
    let raw = string(value, path)?;
    if raw.is_empty() {
        return Err(invalid(
            path,
            "Empty string is not a valid target. If you want to get no logs use `OFF`. Usage: `info`, \
             `meilisearch=info`, or you can write multiple filters in one target: `index_scheduler=info,milli=trace`",
        ));
    }
    raw.parse().map_err(|e: tracing_subscriber::filter::ParseError| invalid(path, &e.to_string()))
}

fn default_targets() -> Targets {
    Targets::new().with_default(tracing_subscriber::filter::LevelFilter::INFO)
}
