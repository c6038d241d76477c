//! Query strings and JSON bodies into typed values, with the messages
//! Meilisearch gives when they are wrong.

use std::str::FromStr;

use serde_json::{Map, Value};
use task_model::{json_kind, BatchId, Code, IndexUid, Kind, Status, TaskFilter, TaskId};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime};

use crate::Error;

fn backticked(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// A decoded query string, in order.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
    /// As received, without the `?`.
    pub raw: String,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or("");
        let pairs = url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
        Query { pairs, raw: raw.to_owned() }
    }

    pub fn deny_unknown(&self, allowed: &[&str]) -> Result<(), Error> {
        match self.pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some((k, _)) => Err(Error::new(
                Code::BadRequest,
                format!("Unknown parameter `{k}`: expected one of {}", backticked(allowed)),
            )),
        }
    }

    /// The query as received, less the parameters named in `names`.
    pub fn raw_without(&self, names: &[&str]) -> String {
        let kept: Vec<&str> =
            self.raw.split('&').filter(|pair| !names.contains(&pair.split('=').next().unwrap_or_default())).collect();
        kept.join("&")
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn has_any(&self, names: &[&str]) -> bool {
        self.pairs.iter().any(|(k, _)| names.contains(&k.as_str()))
    }

    pub fn positive<T: FromStr>(&self, name: &str, code: Code) -> Result<Option<T>, Error> {
        self.get(name)
            .map(|v| {
                v.parse::<T>().map_err(|_| {
                    Error::new(
                        code,
                        format!("Invalid value in parameter `{name}`: could not parse `{v}` as a positive integer"),
                    )
                })
            })
            .transpose()
    }

    pub fn boolean(&self, name: &str, code: Code) -> Result<Option<bool>, Error> {
        self.get(name)
            .map(|v| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(Error::new(
                    code,
                    format!("Invalid value in parameter `{name}`: could not parse `{v}` as a boolean, expected either `true` or `false`"),
                )),
            })
            .transpose()
    }

    /// A comma-separated list; `*` means no filter (`None`).
    fn list<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T, Error>) -> Result<Option<Vec<T>>, Error> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let items: Vec<&str> = raw.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        if items.contains(&"*") {
            return Ok(None);
        }
        items.into_iter().map(parse).collect::<Result<Vec<_>, _>>().map(Some)
    }

    fn date(&self, name: &str, code: Code, after: bool) -> Result<Option<OffsetDateTime>, Error> {
        self.get(name)
            .map(|v| {
                parse_date(v, after).ok_or_else(|| {
                    Error::new(code, format!("Invalid value in parameter `{name}`: `{v}` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 date-time format."))
                })
            })
            .transpose()
    }
}

/// RFC 3339, or a bare `YYYY-MM-DD` (an `after` bound then starts the next day).
fn parse_date(v: &str, after: bool) -> Option<OffsetDateTime> {
    if let Ok(d) = OffsetDateTime::parse(v, &Rfc3339) {
        return Some(d);
    }
    let date = Date::parse(v, format_description!("[year]-[month]-[day]")).ok()?;
    let midnight = date.midnight().assume_utc();
    Some(if after { midnight + Duration::DAY } else { midnight })
}

fn positive_list_item<T: FromStr>(name: &'static str, code: Code) -> impl Fn(&str) -> Result<T, Error> {
    move |v| {
        v.parse().map_err(|_| {
            Error::new(
                code,
                format!("Invalid value in parameter `{name}`: could not parse `{v}` as a positive integer"),
            )
        })
    }
}

/// The filters shared by `GET /tasks`, `POST /tasks/cancel`, `DELETE /tasks`
/// and `GET /batches`.
/// `offset` and `limit`, the paging of `/indexes` and `/keys`.
pub(crate) const PAGE_PARAMS: &[&str] = &["offset", "limit"];

pub(crate) const FILTER_PARAMS: &[&str] = &[
    "uids",
    "batchUids",
    "canceledBy",
    "types",
    "statuses",
    "indexUids",
    "afterEnqueuedAt",
    "beforeEnqueuedAt",
    "afterStartedAt",
    "beforeStartedAt",
    "afterFinishedAt",
    "beforeFinishedAt",
];

/// Every task type Meilisearch knows, in its order, then meili-lite's own.
/// Filtering on one that meili-lite never creates is valid and matches nothing.
const TASK_TYPES: &[&str] = &[
    "documentAdditionOrUpdate",
    "documentEdition",
    "documentDeletion",
    "settingsUpdate",
    "indexCreation",
    "indexDeletion",
    "indexUpdate",
    "indexSwap",
    "taskCancelation",
    "taskDeletion",
    "dumpCreation",
    "snapshotCreation",
    "export",
    "upgradeDatabase",
    "indexCompaction",
    "networkTopologyChange",
    "dsrUpdate",
    "dsrClear",
    // meili-lite's own.
    "indexDeploy",
];

pub(crate) fn task_filter(q: &Query) -> Result<TaskFilter, Error> {
    let statuses = Status::ALL.map(Status::as_str);
    Ok(TaskFilter {
        uids: q.list("uids", positive_list_item::<u32>("uids", Code::InvalidTaskUids))?.map(|v| v.into_iter().map(TaskId).collect()),
        batch_uids: q
            .list("batchUids", positive_list_item::<u32>("batchUids", Code::InvalidTaskBatchUids))?
            .map(|v| v.into_iter().map(BatchId).collect()),
        canceled_by: q
            .list("canceledBy", positive_list_item::<u32>("canceledBy", Code::InvalidTaskCanceledBy))?
            .map(|v| v.into_iter().map(TaskId).collect()),
        types: q
            .list("types", |v| {
                if !TASK_TYPES.iter().any(|t| t.eq_ignore_ascii_case(v)) {
                    // Meilisearch names the item's position in a list of several.
                    let raw = q.get("types").unwrap_or_default();
                    let at = match raw.split(',').map(str::trim).position(|t| t == v) {
                        Some(i) if raw.contains(',') => format!("types[{i}]"),
                        _ => "types".to_owned(),
                    };
                    return Err(Error::new(Code::InvalidTaskTypes, format!("Invalid value in parameter `{at}`: `{v}` is not a valid task type. Available types are {}.", backticked(TASK_TYPES))));
                }
                Ok(Kind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(v)))
            })?
            .map(|kinds| kinds.into_iter().flatten().collect()),
        statuses: q.list("statuses", |v| {
            Status::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(v)).ok_or_else(|| {
                Error::new(Code::InvalidTaskStatuses, format!("Invalid value in parameter `statuses`: `{v}` is not a valid task status. Available statuses are {}.", backticked(&statuses)))
            })
        })?,
        index_uids: q.list("indexUids", |v| {
            v.parse::<IndexUid>()
                .map_err(|e| Error::new(Code::InvalidTaskIndexUids, format!("Invalid value in parameter `indexUids`: {e}")))
        })?,
        before_enqueued_at: q.date("beforeEnqueuedAt", Code::InvalidTaskBeforeEnqueuedAt, false)?,
        after_enqueued_at: q.date("afterEnqueuedAt", Code::InvalidTaskAfterEnqueuedAt, true)?,
        before_started_at: q.date("beforeStartedAt", Code::InvalidTaskBeforeStartedAt, false)?,
        after_started_at: q.date("afterStartedAt", Code::InvalidTaskAfterStartedAt, true)?,
        before_finished_at: q.date("beforeFinishedAt", Code::InvalidTaskBeforeFinishedAt, false)?,
        after_finished_at: q.date("afterFinishedAt", Code::InvalidTaskAfterFinishedAt, true)?,
        authorized: None,
    })
}

pub(crate) fn wrong_type(path: &str, expected: &str, found: &Value, code: Code) -> Error {
    let at = if path.is_empty() { String::new() } else { format!(" at `{path}`") };
    Error::new(code, format!("Invalid value type{at}: expected {expected}, but found {}: `{found}`", json_kind(found)))
}

/// A JSON object with only the `allowed` keys.
pub(crate) fn object(value: Value, allowed: &[&str]) -> Result<Map<String, Value>, Error> {
    let Value::Object(map) = value else {
        return Err(wrong_type("", "an object", &value, Code::BadRequest));
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::new(
            Code::BadRequest,
            format!("Unknown field `{k}`: expected one of {}", backticked(allowed)),
        ));
    }
    Ok(map)
}

/// An optional string field (`null` counts as absent).
pub(crate) fn opt_string(map: &Map<String, Value>, key: &str, code: Code) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(&format!(".{key}"), "a string", other, code)),
    }
}

/// An optional non-negative integer field.
pub(crate) fn opt_usize(map: &Map<String, Value>, key: &str, code: Code) -> Result<Option<usize>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_u64() => Ok(n.as_u64().map(|n| n as usize)),
        Some(other) => Err(wrong_type(&format!(".{key}"), "a positive integer", other, code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(r: Result<impl std::fmt::Debug, Error>) -> (Code, String) {
        let e = r.unwrap_err().response_error();
        (e.code, e.message)
    }

    #[test]
    fn task_filters_parse_and_explain() {
        let q = Query::parse(Some("uids=1%2C2&statuses=Succeeded,failed&indexUids=*&afterEnqueuedAt=2024-01-02"));
        let f = task_filter(&q).unwrap();
        assert_eq!(f.uids, Some(vec![TaskId(1), TaskId(2)]));
        assert_eq!(f.statuses, Some(vec![Status::Succeeded, Status::Failed]));
        assert_eq!(f.index_uids, None);
        assert_eq!(f.after_enqueued_at.unwrap().date().to_string(), "2024-01-03");

        let (code, m) = msg(task_filter(&Query::parse(Some("uids=doggo"))));
        assert_eq!(
            (code, m.as_str()),
            (Code::InvalidTaskUids, "Invalid value in parameter `uids`: could not parse `doggo` as a positive integer")
        );
        let (code, m) = msg(task_filter(&Query::parse(Some("statuses=doggo"))));
        assert_eq!(code, Code::InvalidTaskStatuses);
        assert!(
            m.ends_with("Available statuses are `enqueued`, `processing`, `succeeded`, `failed`, `canceled`."),
            "{m}"
        );
        let f = task_filter(&Query::parse(Some("types=dumpCreation"))).unwrap();
        assert_eq!(f.types, Some(vec![Kind::DumpCreation]));
        let f = task_filter(&Query::parse(Some("types=export"))).unwrap();
        assert_eq!(f.types, Some(vec![]), "valid, matches nothing");
        let (code, m) = msg(task_filter(&Query::parse(Some("types=indexCompaction,indexRename"))));
        assert_eq!(code, Code::InvalidTaskTypes);
        assert!(m.starts_with("Invalid value in parameter `types[1]`: `indexRename` is not a valid task type."), "{m}");
        let (code, _) = msg(task_filter(&Query::parse(Some("beforeStartedAt=pied"))));
        assert_eq!(code, Code::InvalidTaskBeforeStartedAt);
        let (code, _) = msg(task_filter(&Query::parse(Some("indexUids=a%20b"))));
        assert_eq!(code, Code::InvalidTaskIndexUids);
    }

    #[test]
    fn unknown_parameters_and_fields() {
        let (code, m) = msg(Query::parse(Some("lol=1")).deny_unknown(&["limit", "from"]));
        assert_eq!((code, m.as_str()), (Code::BadRequest, "Unknown parameter `lol`: expected one of `limit`, `from`"));
        let (_, m) = msg(object(json!({"doggo": 1}), &["uid", "primaryKey"]));
        assert_eq!(m, "Unknown field `doggo`: expected one of `uid`, `primaryKey`");
        let (_, m) = msg(object(json!("hello"), &["uid"]));
        assert_eq!(m, "Invalid value type: expected an object, but found a string: `\"hello\"`");
        let map = object(json!({"primaryKey": ["doggo"]}), &["primaryKey"]).unwrap();
        let (code, m) = msg(opt_string(&map, "primaryKey", Code::InvalidIndexPrimaryKey));
        assert_eq!(
            (code, m.as_str()),
            (
                Code::InvalidIndexPrimaryKey,
                "Invalid value type at `.primaryKey`: expected a string, but found an array: `[\"doggo\"]`"
            )
        );
    }
}
