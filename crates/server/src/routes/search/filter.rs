//! The `filter` of a search, read and checked against the index's
//! `filterableAttributes` as Meilisearch checks it, in its order and with its
//! messages.

use search::filter::{from_json, Filter, FilterError};
use search::Settings;
use serde_json::Value;
use task_model::{Code, IndexUid};

use crate::Error;

/// Reads `raw` (a string or the array form) for index `uid`; `code` is the
/// route's (`invalid_search_filter`, `invalid_document_filter`).
pub(crate) fn read(uid: &IndexUid, settings: &Settings, raw: &Value, code: Code) -> Result<Option<Filter>, Error> {
    let fail = |e: FilterError| Error::new(code, e.message);
    let Some(filter) = from_json(raw).map_err(fail)? else { return Ok(None) };
    // meili-lite always has `CONTAINS`; the other experimental forms it does
    // not have at all.
    if let Some(e) = filter.experimental_feature_error() {
        if filter.contains_keyword().is_none() {
            return Err(Error::new(Code::FeatureNotEnabled, e.message));
        }
    }
    let canonical = filter.canonical();
    search::filterable::check(&canonical, &settings.filterable).map_err(|e| fail(e.in_index(uid.as_str())))?;
    Ok(Some(filter))
}
