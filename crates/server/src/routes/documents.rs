//! Documents: add or update (JSON, NDJSON, CSV), read, delete.

use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::{Code, ContentId, Details, IndexUid, Method, Operation};

use super::{blocking, enqueue, index_uid, task_params};
use crate::http::{json_response, require_content_type};
use crate::params::{object, opt_usize, wrong_type};
use crate::router::{Reply, Req};
use crate::serve::AppState;
use crate::Error;
use documents::{parse_payload, Fields, PayloadFormat};

const PAYLOAD_TYPES: &[&str] = &["application/json", "application/x-ndjson", "text/csv"];

fn csv_delimiter(req: &Req, content_type: &str) -> Result<u8, Error> {
    let Some(raw) = req.query.get("csvDelimiter") else {
        return Ok(b',');
    };
    if content_type != "text/csv" {
        return Err(Error::new(
            Code::InvalidContentType,
            format!("The Content-Type `{content_type}` does not support the use of a csv delimiter. The csv delimiter can only be used with the Content-Type `text/csv`."),
        ));
    }
    let mut chars = raw.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Err(Error::new(
            Code::InvalidDocumentCsvDelimiter,
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, but found an empty string",
        )),
        (Some(c), None) if c.is_ascii() => Ok(c as u8),
        (Some(c), None) => Err(Error::new(Code::InvalidDocumentCsvDelimiter, format!("csv delimiter must be an ascii character. Found: `{c}`"))),
        _ => Err(Error::new(
            Code::InvalidDocumentCsvDelimiter,
            format!("Invalid value in parameter `csvDelimiter`: expected a string of one character, but found the following string of {} characters: `{raw}`", raw.chars().count()),
        )),
    }
}

/// How a document payload is written, from its `Content-Type`.
pub(crate) fn payload_format(req: &Req) -> Result<PayloadFormat, Error> {
    let content_type = require_content_type(&req.headers, PAYLOAD_TYPES)?;
    Ok(match content_type {
        "application/x-ndjson" => PayloadFormat::Ndjson,
        "text/csv" => PayloadFormat::Csv { delimiter: csv_delimiter(req, content_type)? },
        _ => {
            csv_delimiter(req, content_type)?;
            PayloadFormat::Json
        }
    })
}

/// `POST` (replace) or `PUT` (update) documents: the payload is parsed and
/// validated now, so a malformed body is a `400` and nothing is enqueued.
pub(crate) async fn add(mut req: Req, uid: &str, method: Method) -> Reply {
    task_params(&req, ADD_PARAMS)?;
    let uid = index_uid(uid)?;
    let format = payload_format(&req)?;
    let allow_index_creation = req.access.may(auth::Action::IndexesCreate, uid.as_str());
    let skip_creation = match req.query.get("skipCreation") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Error::new(
                Code::InvalidSkipCreation,
                format!("skipCreation must be either `true` or `false`. Found: `{other}`"),
            ))
        }
    };
    let primary_key = req.query.get("primaryKey").map(String::from);
    let body = req.body().await?;
    // A small payload parses in less time than handing it to a blocking
    // thread takes (that handoff was 6 % of the server's time under a load
    // of one-document additions); a large one must not hold up a worker.
    let parsed = if body.len() <= INLINE_PARSE {
        parse_payload(format, &body)?
    } else {
        blocking(move || Ok(parse_payload(format, &body)?)).await?
    };
    enqueue(
        &req,
        Some(uid),
        Operation::DocumentAdditionOrUpdate {
            method,
            primary_key,
            content: ContentId(0),
            skip_creation,
            allow_index_creation,
        },
        Details::DocumentAdditionOrUpdate { received_documents: parsed.documents, indexed_documents: None },
        Some(parsed.ndjson),
    )
    .await
}

/// The largest payload parsed on the async worker itself (about 20 µs of JSON).
const INLINE_PARSE: usize = 16 * 1024;

/// What a document read asks for, from a query string or a fetch body.
struct Read {
    offset: usize,
    limit: usize,
    fields: Fields,
    ids: Option<Vec<String>>,
    /// `filter` as sent.
    filter: Option<Value>,
    /// `sort`, read.
    sort: Vec<(String, bool)>,
}

/// `sort` from its items, or Meilisearch's documents-route message.
fn sort_of(items: Vec<String>) -> Result<Vec<(String, bool)>, Error> {
    super::search::params::sort_list(items).map_err(|message| Error::new(Code::InvalidDocumentSort, message))
}

/// The ids `filter` selects in the index, ordered by `sort` (else by id),
/// within `ids` if given; `ids` alone when neither filters nor sorts.
fn selected(state: &AppState, uid: &IndexUid, read: &Read) -> Result<Option<Vec<String>>, Error> {
    if read.filter.is_none() && read.sort.is_empty() {
        return Ok(read.ids.clone());
    }
    let meta = state.store.index(uid)?;
    let settings = search::Settings::from_stored(&meta.settings);
    let filter = match &read.filter {
        Some(raw) => super::search::filter::read(uid, &settings, raw, super::search::filter::Route::Documents)?,
        None => None,
    };
    if let Some(message) = super::search::unsortable(&settings, &read.sort) {
        return Err(Error::new(Code::InvalidDocumentSort, message));
    }
    let index = state.search.index(meta.tree).map_err(Error::Search)?;
    let mut selected = if !read.sort.is_empty() {
        index.sorted_ids(&settings, filter, read.sort.clone())
    } else if let Some(filter) = filter {
        index.filtered_ids(&filter)
    } else {
        // The filter was blank: as if there were none.
        return Ok(read.ids.clone());
    }
    .map_err(Error::Search)?;
    if let Some(ids) = &read.ids {
        let wanted: std::collections::HashSet<&String> = ids.iter().collect();
        selected.retain(|id| wanted.contains(id));
    }
    Ok(Some(selected))
}

async fn respond(req: Req, uid: &str, read: Read) -> Reply {
    let uid = index_uid(uid)?;
    let state = req.state.clone();
    let (offset, limit) = (read.offset, read.limit);
    let (results, total) = blocking(move || {
        let ids = selected(&state, &uid, &read)?;
        Ok(state.store.documents(&uid, read.offset, read.limit, &read.fields, ids.as_deref())?)
    })
    .await?;
    let body = json!({"results": results, "offset": offset, "limit": limit, "total": total});
    Ok(json_response(StatusCode::OK, &body))
}

/// The parameters of `GET /indexes/{uid}/documents`, and the body fields
/// of `POST .../documents/fetch`.
pub(crate) const READ_FIELDS: &[&str] = &["offset", "limit", "fields", "retrieveVectors", "ids", "filter", "sort"];
/// The parameters of `GET /indexes/{uid}/documents/{id}`.
pub(crate) const ONE_PARAMS: &[&str] = &["fields", "retrieveVectors"];
/// The parameters of adding documents, beside the task's own.
pub(crate) const ADD_PARAMS: &[&str] = &["primaryKey", "csvDelimiter", "skipCreation"];
/// The body fields of `POST .../documents/delete`.
pub(crate) const DELETE_FIELDS: &[&str] = &["filter"];

pub(crate) async fn list(req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(READ_FIELDS)?;
    let read = Read {
        offset: req.query.positive("offset", Code::InvalidDocumentOffset)?.unwrap_or(0),
        limit: req.query.positive("limit", Code::InvalidDocumentLimit)?.unwrap_or(20),
        fields: req.query.get("fields").map(Fields::parse).unwrap_or_default(),
        ids: req.query.get("ids").map(|s| s.split(',').map(|i| i.trim().to_owned()).collect()),
        filter: req.query.get("filter").map(|f| Value::String(f.to_owned())),
        sort: sort_of(req.query.get("sort").map(|s| s.split(',').map(str::to_owned).collect()).unwrap_or_default())?,
    };
    respond(req, uid, read).await
}

fn id_list(value: &Value, path: &str, code: Code) -> Result<Vec<String>, Error> {
    let Value::Array(items) = value else {
        return Err(wrong_type(path, "an array", value, code));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
            other => Err(wrong_type(&format!("{path}[{i}]"), "a string", other, code)),
        })
        .collect()
}

pub(crate) async fn fetch(mut req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let body: Map<String, Value> = object(req.json().await?, READ_FIELDS)?;
    let fields = match body.get("fields") {
        None | Some(Value::Null) => Fields::All,
        Some(v @ Value::Array(_)) => Fields::from_list(id_list(v, ".fields", Code::InvalidDocumentFields)?),
        Some(other) => return Err(wrong_type(".fields", "an array", other, Code::InvalidDocumentFields)),
    };
    let ids = match body.get("ids") {
        None | Some(Value::Null) => None,
        Some(v) => Some(id_list(v, ".ids", Code::InvalidDocumentIds)?),
    };
    let read = Read {
        offset: opt_usize(&body, "offset", Code::InvalidDocumentOffset)?.unwrap_or(0),
        limit: opt_usize(&body, "limit", Code::InvalidDocumentLimit)?.unwrap_or(20),
        fields,
        ids,
        filter: body.get("filter").filter(|f| !f.is_null()).cloned(),
        sort: match body.get("sort") {
            None | Some(Value::Null) => Vec::new(),
            Some(v @ Value::Array(_)) => sort_of(id_list(v, ".sort", Code::InvalidDocumentSort)?)?,
            Some(other) => return Err(wrong_type(".sort", "an array", other, Code::InvalidDocumentSort)),
        },
    };
    respond(req, uid, read).await
}

pub(crate) async fn get(req: Req, uid: &str, id: &str) -> Reply {
    req.query.deny_unknown(ONE_PARAMS)?;
    let uid = index_uid(uid)?;
    let fields = req.query.get("fields").map(Fields::parse).unwrap_or_default();
    let doc = req.state.store.document(&uid, id, &fields)?;
    Ok(json_response(StatusCode::OK, &doc))
}

async fn delete_ids(req: Req, uid: &str, ids: Vec<String>) -> Reply {
    let uid = index_uid(uid)?;
    let details = Details::DocumentDeletion { provided_ids: ids.len() as u64, deleted_documents: None };
    enqueue(&req, Some(uid), Operation::DocumentDeletion { ids }, details, None).await
}

pub(crate) async fn delete_one(req: Req, uid: &str, id: &str) -> Reply {
    task_params(&req, &[])?;
    delete_ids(req, uid, vec![id.to_owned()]).await
}

pub(crate) async fn delete_batch(mut req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let body = req.json().await?;
    let ids = id_list(&body, "", Code::BadRequest)?;
    delete_ids(req, uid, ids).await
}

/// `POST /indexes/{uid}/documents/delete`: a `documentDeletion` task that
/// deletes what the filter selects when it runs. The filter's syntax is
/// checked now; whether its attributes are filterable, when it runs.
pub(crate) async fn delete_by_filter(mut req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let uid = index_uid(uid)?;
    let body = object(req.json().await?, DELETE_FIELDS)?;
    let Some(filter) = body.get("filter").cloned() else {
        return Err(Error::new(Code::MissingDocumentFilter, "Missing field `filter`"));
    };
    let invalid = |message: String| Error::new(Code::InvalidDocumentFilter, message);
    if filter.is_null() {
        // The official clients send `null` for "no filter"; Meilisearch
        // refuses it as the wrong type, not as an empty filter.
        return Err(invalid("Invalid syntax for the filter parameter: `expected String, Array, found: null`.".into()));
    }
    let parsed = search::filter::from_json(&filter).map_err(|e| invalid(e.message))?;
    let Some(parsed) = parsed else { return Err(invalid("Sending an empty filter is forbidden.".into())) };
    if let (Some(e), None) = (parsed.experimental_feature_error(), parsed.contains_keyword()) {
        return Err(Error::new(Code::FeatureNotEnabled, e.message));
    }
    let details = Details::DocumentDeletionByFilter { original_filter: filter.to_string(), deleted_documents: None };
    enqueue(&req, Some(uid), Operation::DocumentDeletionByFilter { filter }, details, None).await
}

pub(crate) async fn clear(req: Req, uid: &str) -> Reply {
    task_params(&req, &[])?;
    let uid = index_uid(uid)?;
    enqueue(&req, Some(uid), Operation::DocumentClear, Details::ClearAll { deleted_documents: None }, None).await
}
