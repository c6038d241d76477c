//! `POST /indexes/{uid}/facet-search`.

use std::time::Instant;

use hyper::StatusCode;
use serde_json::{json, Value};
use task_model::Code;

use super::params::SearchParams;
use crate::http::json_response;
use crate::json::{string, Path};
use crate::router::{Reply, Req};
use crate::routes::{blocking, index_uid};
use crate::Error;

/// The body fields of `POST /indexes/{uid}/facet-search`, beside a search's.
pub(crate) const FACET_FIELDS: &[&str] = &["facetName", "facetQuery", "exhaustiveFacetCount"];

pub(crate) async fn facet_search(mut req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    let body = req.json().await?;
    let Value::Object(map) = &body else {
        return Err(crate::params::wrong_type("", "an object", &body, Code::BadRequest));
    };
    let (mut name, mut query) = (None, None);
    let mut params = SearchParams::from_json(map, &Path::root(), FACET_FIELDS, |key, v, at| {
        let text = || string(v, at).map_err(|e| Error::new(Code::InvalidFacetSearchFacetName, e.0));
        match key {
            "facetName" => name = Some(text()?),
            "facetQuery" if !v.is_null() => {
                query = Some(string(v, at).map_err(|e| Error::new(Code::InvalidFacetSearchFacetQuery, e.0))?)
            }
            _ => {}
        }
        Ok(())
    })?;
    let name = name.ok_or_else(|| Error::new(Code::MissingFacetSearchFacetName, "Missing field `facetName`"))?;
    params.filter = super::filter::fuse(params.filter.take(), req.access.search_filter(uid.as_str()));
    let state = req.state.clone();
    let _slot = req.state.searches.permit().await?;
    let started = Instant::now();
    let answer = query.clone();
    let hits = blocking(move || {
        let meta = state.store.index(&uid)?;
        let settings = search::Settings::from_stored(&meta.settings);
        if !settings.facet_search {
            return Err(Error::new(Code::FacetSearchDisabled, "The facet search is disabled for this index"));
        }
        check_facet_name(&settings, &name)?;
        let request = super::Found::request(&uid, &settings, &params)?;
        let index = state.search.index(meta.tree).map_err(Error::Search)?;
        index.facet_search(&settings, &request, &name, query.as_deref()).map_err(Error::Search)
    })
    .await?;
    let hits: Vec<Value> = hits.into_iter().map(|h| json!({"value": h.value, "count": h.count})).collect();
    let body =
        json!({"facetHits": hits, "facetQuery": answer, "processingTimeMs": started.elapsed().as_millis() as u64});
    Ok(json_response(StatusCode::OK, &body))
}

/// The facet must be filterable by a rule that enables facet search.
fn check_facet_name(settings: &search::Settings, name: &str) -> Result<(), Error> {
    let rules = &settings.filterable;
    let refuse = |message: String| Err(Error::new(Code::InvalidFacetSearchFacetName, message));
    match rules.iter().enumerate().find(|(_, r)| r.matches(name)) {
        Some((_, rule)) if rule.facet_search => Ok(()),
        Some((i, _)) => refuse(format!(
            "Attribute `{name}` is not facet-searchable. Note: this attribute matches rule #{i} in filterableAttributes, but this rule does not enable facetSearch.\nHint: enable facetSearch in rule #{i} by adding `\"facetSearch\": true` to the rule.\nHint: prepend another rule matching {name} with facetSearch: true before rule #{i}"
        )),
        None => {
            let mut patterns: Vec<&str> =
                rules.iter().filter(|r| r.facet_search).flat_map(|r| r.patterns.iter().map(String::as_str)).collect();
            patterns.sort_unstable();
            patterns.dedup();
            let available = match patterns.len() {
                0 => "This index does not have configured facet-searchable attributes.".to_owned(),
                _ => format!("Available facet-searchable attributes patterns are: `{}`.", patterns.join(", ")),
            };
            refuse(format!(
                "Attribute `{name}` is not facet-searchable. {available} To make it facet-searchable add it to the `filterableAttributes` index settings."
            ))
        }
    }
}
