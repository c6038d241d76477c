//! The `filter` of a search, read and checked against the index's
//! `filterableAttributes` as Meilisearch checks it, in its order and with its
//! messages.

use search::filter::{from_json, Filter, FilterError};
use search::Settings;
use serde_json::Value;
use task_model::{Code, IndexUid};

use crate::Error;

/// Which route reads the filter: Meilisearch words a not-filterable
/// attribute differently on each.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `invalid_search_filter`, the index named, the filter re-rendered.
    Search,
    /// `invalid_document_filter`, the filter echoed as sent.
    Documents,
}

/// A tenant token's rule filter ANDed with the request's, as Meilisearch
/// fuses them: one array form holding both (its errors then show both).
pub(crate) fn fuse(request: Option<Value>, rule: Option<&Value>) -> Option<Value> {
    let Some(rule) = rule else { return request };
    let Some(request) = request.filter(|r| !r.is_null()) else { return Some(rule.clone()) };
    let items = |v: Value| match v {
        Value::Array(items) => items,
        single => vec![single],
    };
    Some(Value::Array(items(request).into_iter().chain(items(rule.clone())).collect()))
}

/// Reads `raw` (a string or the array form) for index `uid`, as `route`
/// words its errors.
pub(crate) fn read(uid: &IndexUid, settings: &Settings, raw: &Value, route: Route) -> Result<Option<Filter>, Error> {
    let code = match route {
        Route::Search => Code::InvalidSearchFilter,
        Route::Documents => Code::InvalidDocumentFilter,
    };
    let fail = |e: FilterError| Error::new(code, e.message);
    let Some(filter) = from_json(raw).map_err(fail)? else { return Ok(None) };
    // meili-lite always has `CONTAINS`; the other experimental forms it does
    // not have at all.
    if let Some(e) = filter.experimental_feature_error() {
        if filter.contains_keyword().is_none() {
            return Err(Error::new(Code::FeatureNotEnabled, e.message));
        }
    }
    match route {
        Route::Search => search::filterable::check(&filter.canonical(), &settings.filterable)
            .map_err(|e| fail(e.in_index(uid.as_str())))?,
        Route::Documents => search::filterable::check(&filter, &settings.filterable).map_err(fail)?,
    }
    Ok(Some(filter))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn rules_are_fused_into_the_array_form() {
        let rule = json!("b = 2");
        assert_eq!(super::fuse(None, Some(&rule)), Some(rule.clone()));
        assert_eq!(super::fuse(Some(json!("a = 1")), None), Some(json!("a = 1")));
        assert_eq!(super::fuse(Some(json!("a = 1")), Some(&rule)), Some(json!(["a = 1", "b = 2"])));
        let nested = json!(["x", ["y", "z"]]);
        assert_eq!(super::fuse(Some(nested), Some(&json!(["c"]))), Some(json!(["x", ["y", "z"], "c"])));
    }
}
