//! Request and response plumbing: bodies within the payload limit, content
//! types, JSON answers.

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{HeaderMap, Response, StatusCode};
use serde::Serialize;
use task_model::{Code, ResponseError};

use crate::Error;

/// Whole bodies, or the one streamed body (`/logs/stream`).
pub(crate) type Body = Either<Full<Bytes>, crate::logs::LogStream>;

pub(crate) fn json_response(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = whole(Bytes::from(bytes), "application/json");
    *res.status_mut() = status;
    res
}

/// `200 OK` with `bytes` as a body of type `content_type`.
pub(crate) fn whole(bytes: Bytes, content_type: &'static str) -> Response<Body> {
    let mut res = Response::new(Either::Left(Full::new(bytes)));
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// A response with no body, as `204 No Content` must be.
pub(crate) fn empty(status: StatusCode) -> Response<Body> {
    let mut res = Response::new(Either::Left(Full::new(Bytes::new())));
    *res.status_mut() = status;
    res
}

/// The error object, answered with `status` (its code's own, except where
/// Meilisearch answers otherwise, as in multi-search).
pub(crate) fn error_response(status: u16, error: &ResponseError) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = json_response(status, error);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // As Meilisearch answers every 503 (the search queue's included).
        res.headers_mut().insert(hyper::header::RETRY_AFTER, HeaderValue::from_static("10"));
    }
    res
}

fn too_large(limit: u64) -> Error {
    Error::new(
        Code::PayloadTooLarge,
        format!(
            "The provided payload reached the size limit. The maximum accepted payload size is {}.",
            task_model::human_size_exact(limit)
        ),
    )
}

/// Reads the whole body, refusing it as soon as it exceeds `limit` bytes.
pub(crate) async fn read_body(headers: &HeaderMap, body: Incoming, limit: u64) -> Result<Bytes, Error> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    match Limited::new(body, limit as usize).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(limit)),
        Err(e) => Err(Error::new(Code::BadRequest, format!("The request body could not be read: {e}."))),
    }
}

/// The media type of a request, lowercased and without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
}

fn accepted_list(accepted: &[&str]) -> String {
    accepted.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
}

/// Checks the content type against `accepted`; returns the one that matched.
pub(crate) fn require_content_type<'a>(headers: &HeaderMap, accepted: &[&'a str]) -> Result<&'a str, Error> {
    match media_type(headers) {
        None => Err(Error::new(
            Code::MissingContentType,
            format!(
                "A Content-Type header is missing. Accepted values for the Content-Type header are: {}",
                accepted_list(accepted)
            ),
        )),
        Some(media) => accepted.iter().find(|a| **a == media).copied().ok_or_else(|| {
            let shown = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or(&media).to_owned();
            Error::new(
                Code::InvalidContentType,
                format!(
                    "The Content-Type `{shown}` is invalid. Accepted values for the Content-Type header are: {}",
                    accepted_list(accepted)
                ),
            )
        }),
    }
}

/// Parses a JSON body of a non-document route.
pub(crate) fn parse_json(body: &[u8]) -> Result<serde_json::Value, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::new(Code::MissingPayload, "A json payload is missing."));
    }
    serde_json::from_slice(body)
        .map_err(|e| Error::new(Code::MalformedPayload, format!("The json payload provided is malformed. `{e}`.")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use task_model::human_size;

    #[test]
    fn limits_read_like_meilisearch() {
        assert_eq!(task_model::human_size_exact(100_000_000), "95.367431640625 MiB");
        assert_eq!(task_model::human_size_exact(10 * 1024 * 1024), "10 MiB");
        assert_eq!(task_model::human_size_exact(512), "512 B");
    }

    #[test]
    fn stats_sizes_read_like_meilisearch() {
        // Pairs seen on Meilisearch 1.50 with `sizeFormat=human`.
        for (bytes, shown) in
            [(2040, "1.99 KiB"), (495_616, "484 KiB"), (274_432, "268 KiB"), (0, "0 B"), (4096, "4 KiB")]
        {
            assert_eq!(human_size(bytes), shown);
        }
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        let err = require_content_type(&h, &["application/json"]).unwrap_err();
        assert_eq!(err.response_error().code, Code::MissingContentType);
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        assert_eq!(require_content_type(&h, &["application/json"]).unwrap(), "application/json");
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let err = require_content_type(&h, &["application/json", "text/csv"]).unwrap_err().response_error();
        assert_eq!(err.code, Code::InvalidContentType);
        assert_eq!(err.message, "The Content-Type `text/plain` is invalid. Accepted values for the Content-Type header are: `application/json`, `text/csv`");
    }
}
