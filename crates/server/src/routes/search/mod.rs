//! `POST`/`GET /indexes/{uid}/search` and `POST /multi-search`.

pub(crate) mod facet;
pub(crate) mod filter;
pub(crate) mod multi;
pub(crate) mod params;

pub(crate) use facet::facet_search;
pub(crate) use multi::multi_search;

use std::sync::Arc;
use std::time::Instant;

use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::{Code, IndexUid};

use crate::http::json_response;
use crate::json::Path;
use crate::router::{Reply, Req};
use crate::routes::{blocking, index_uid};
use crate::serve::AppState;
use crate::Error;
use params::SearchParams;
use search::format::{FormatOptions, Formatter};
use search::{Ranked, SearchRequest, Settings};

pub(crate) async fn search_post(mut req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    let body = req.json().await?;
    let Value::Object(map) = &body else {
        return Err(crate::params::wrong_type("", "an object", &body, Code::BadRequest));
    };
    let mut params = SearchParams::from_json(map, &Path::root(), &[], |_, _, _| Ok(()))?;
    params.filter = filter::fuse(params.filter.take(), req.access.search_filter(uid.as_str()));
    respond(req.state, uid, params).await
}

pub(crate) async fn search_get(req: Req, uid: &str) -> Reply {
    let uid = index_uid(uid)?;
    let mut params = SearchParams::from_query(&req.query)?;
    params.filter = filter::fuse(params.filter.take(), req.access.search_filter(uid.as_str()));
    respond(req.state, uid, params).await
}

async fn respond(state: Arc<AppState>, uid: IndexUid, params: SearchParams) -> Reply {
    // A slot once the request is read and checked: a slow upload or a bad
    // request holds none.
    let queue = Arc::clone(&state);
    let _slot = queue.searches.permit().await?;
    let started = Instant::now();
    let mut result = blocking(move || {
        let found = Found::search(&state, &uid, &params, false)?;
        Ok(found.response(&params))
    })
    .await?;
    result.insert("processingTimeMs".into(), json!(started.elapsed().as_millis() as u64));
    result.insert("requestUid".into(), json!(uuid::Uuid::now_v7()));
    Ok(json_response(StatusCode::OK, &reorder(result)))
}

/// Meilisearch's order of a response's fields.
fn reorder(mut result: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in [
        "indexUid",
        "hits",
        "query",
        "processingTimeMs",
        "limit",
        "offset",
        "estimatedTotalHits",
        "hitsPerPage",
        "page",
        "totalPages",
        "totalHits",
        "facetDistribution",
        "facetStats",
        "requestUid",
    ] {
        if let Some(v) = result.remove(key) {
            out.insert(key.into(), v);
        }
    }
    out
}

/// The window of hits a request asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub offset: usize,
    pub limit: usize,
    /// `Some((page, hitsPerPage))` in page mode.
    pub page: Option<(usize, usize)>,
}

impl Window {
    pub fn of(params: &SearchParams) -> Self {
        if params.page.is_some() || params.hits_per_page.is_some() {
            let (page, per) = (params.page.unwrap_or(1), params.hits_per_page.unwrap_or(20));
            let offset = page.saturating_sub(1).saturating_mul(per);
            Window { offset, limit: if page == 0 { 0 } else { per }, page: Some((page, per)) }
        } else {
            Window { offset: params.offset.unwrap_or(0), limit: params.limit.unwrap_or(20), page: None }
        }
    }

    /// Never past `maxTotalHits`.
    pub fn capped(self, max: usize) -> (usize, usize) {
        let offset = self.offset.min(max);
        (offset, self.limit.min(max - offset))
    }
}

/// One search's outcome, before it is shown.
pub(crate) struct Found {
    pub settings: Settings,
    pub ranked: Ranked,
    /// The hits' documents, in hit order (`None`: deleted meanwhile).
    pub documents: Vec<Option<Map<String, Value>>>,
    pub window: Window,
}

impl Found {
    /// The search request `params` make on `uid`, checked against its
    /// settings.
    pub fn request(uid: &IndexUid, settings: &Settings, params: &SearchParams) -> Result<SearchRequest, Error> {
        params.check_supported()?;
        check_search_on(uid, settings, params.attributes_to_search_on.as_deref())?;
        check_sort(uid, settings, &params.sort)?;
        check_facets(uid, settings, params.facets.as_deref())?;
        check_distinct(uid, settings, params.distinct.as_deref())?;
        let filter = match &params.filter {
            Some(raw) => filter::read(uid, settings, raw, filter::Route::Search)?,
            None => None,
        };
        Ok(SearchRequest {
            q: params.q.clone(),
            matching_strategy: params.matching_strategy,
            attributes_to_search_on: params.attributes_to_search_on.clone(),
            ranking_score_threshold: params.ranking_score_threshold,
            deadline: Some(std::time::Instant::now() + settings.search_cutoff()),
            sort: params.sort.clone(),
            filter,
            facets: params.facets.clone(),
            distinct: params.distinct.clone().or_else(|| settings.distinct_attribute.clone()),
            ..SearchRequest::default()
        })
    }

    pub fn search(state: &AppState, uid: &IndexUid, params: &SearchParams, federated: bool) -> Result<Self, Error> {
        let meta = state.store.index(uid)?;
        let settings = Settings::from_stored(&meta.settings);
        let window = Window::of(params);
        let (offset, limit) =
            if federated { (0, window.offset + window.limit) } else { window.capped(settings.max_total_hits) };
        let request =
            SearchRequest { offset, limit, candidate_seqs: federated, ..Found::request(uid, &settings, params)? };
        let ranked =
            state.search.index(meta.tree).map_err(Error::Search)?.search(&settings, &request).map_err(Error::Search)?;
        let ids: Vec<&str> = ranked.hits.iter().map(|h| h.id.as_str()).collect();
        let documents = state.store.documents_by_id(&meta, &ids)?;
        Ok(Found { settings, ranked, documents, window })
    }

    /// The hits as shown, each with its score.
    pub fn hits(&self, params: &SearchParams) -> Vec<(Map<String, Value>, f64)> {
        let formatter = Formatter::new(&self.ranked.query, &self.settings, format_options(params));
        let displayed = |key: &str| patterns_hold(self.settings.displayed_attributes.as_deref(), key);
        let retrieved = |key: &str| displayed(key) && patterns_hold(params.attributes_to_retrieve.as_deref(), key);
        let mut hits = Vec::new();
        for (hit, document) in self.ranked.hits.iter().zip(&self.documents) {
            let Some(document) = document else { continue };
            let shown: Map<String, Value> =
                document.iter().filter(|(k, _)| displayed(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
            let mut out: Map<String, Value> =
                shown.iter().filter(|(k, _)| retrieved(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
            let keys: Vec<&str> = shown.keys().map(String::as_str).collect();
            // Sorted by distance from a point: how far, when `_geo` is shown.
            let geo_sort = params.sort.iter().find(|(f, _)| f.starts_with("_geoPoint("));
            if let (Some((field, ascending)), true) = (geo_sort, out.contains_key("_geo")) {
                let rule = format!("{field}:{}", if *ascending { "asc" } else { "desc" });
                if let Some(distance) = hit.details.get(&rule).and_then(|d| d["distance"].as_f64()) {
                    out.insert("_geoDistance".into(), json!(distance.round() as u64));
                }
            }
            if formatter.wants_formatted(&keys) {
                out.insert("_formatted".into(), Value::Object(formatter.formatted(&shown, &retrieved)));
            }
            if params.show_matches_position {
                out.insert("_matchesPosition".into(), Value::Object(formatter.matches_position(&shown)));
            }
            if params.show_ranking_score {
                out.insert("_rankingScore".into(), json!(hit.score));
            }
            if params.show_ranking_score_details {
                out.insert("_rankingScoreDetails".into(), Value::Object(hit.details.clone()));
            }
            hits.push((out, hit.score));
        }
        hits
    }

    fn response(&self, params: &SearchParams) -> Map<String, Value> {
        let hits: Vec<Value> = self.hits(params).into_iter().map(|(h, _)| Value::Object(h)).collect();
        let mut out = Map::new();
        out.insert("hits".into(), Value::Array(hits));
        out.insert("query".into(), json!(params.q.as_deref().unwrap_or("")));
        out.extend(counts(self.window, self.ranked.candidates));
        if let Some(facets) = &self.ranked.facets {
            out.insert("facetDistribution".into(), Value::Object(facets.distribution.clone()));
            out.insert("facetStats".into(), Value::Object(facets.stats.clone()));
        }
        out
    }
}

/// `limit`, `offset`, `estimatedTotalHits`, or the page-mode counts.
pub(crate) fn counts(window: Window, total: usize) -> Map<String, Value> {
    let mut out = Map::new();
    match window.page {
        None => {
            out.insert("limit".into(), json!(window.limit));
            out.insert("offset".into(), json!(window.offset));
            out.insert("estimatedTotalHits".into(), json!(total));
        }
        Some((page, per)) => {
            out.insert("hitsPerPage".into(), json!(per));
            out.insert("page".into(), json!(page));
            out.insert("totalPages".into(), json!(if per == 0 { 0 } else { total.div_ceil(per) }));
            out.insert("totalHits".into(), json!(total));
        }
    }
    out
}

fn format_options(params: &SearchParams) -> FormatOptions {
    let crop = params.attributes_to_crop.iter().flatten().map(|a| match a.rsplit_once(':') {
        Some((name, n)) => (name.to_owned(), n.parse().ok()),
        None => (a.clone(), None),
    });
    FormatOptions {
        attributes_to_highlight: params.attributes_to_highlight.clone().unwrap_or_default(),
        attributes_to_crop: crop.collect(),
        crop_length: params.crop_length,
        crop_marker: params.crop_marker.clone(),
        highlight_pre_tag: params.highlight_pre_tag.clone(),
        highlight_post_tag: params.highlight_post_tag.clone(),
    }
}

/// Whether a top-level `key` is named by `patterns` (`None`: all of them):
/// `*`, the key itself, or an attribute nested in it.
fn patterns_hold(patterns: Option<&[String]>, key: &str) -> bool {
    let Some(patterns) = patterns else { return true };
    patterns.iter().any(|p| p == "*" || p == key || p.strip_prefix(key).is_some_and(|r| r.starts_with('.')))
}

/// `facets` may only name filterable attributes (or `*`).
fn check_facets(_uid: &IndexUid, settings: &Settings, facets: Option<&[String]>) -> Result<(), Error> {
    let rules = &settings.filterable;
    // A pattern stands for the filterable attributes it matches, if any.
    for facet in facets.into_iter().flatten().filter(|f| !f.contains('*')) {
        let message = match rules.iter().enumerate().find(|(_, r)| r.matches(facet)) {
            None => format!("Pattern `{facet}` is not filterable. {}", available(settings)),
            Some((i, rule)) if !rule.filters() => format!(
                "Attribute `{facet}` matched rule #{i} in filterableAttributes, but this rule does not enable filtering.\nHint: enable filtering in rule #{i} by modifying the features.filter object\nHint: prepend another rule matching `{facet}` with appropriate filter features before rule #{i}"
            ),
            Some(_) => continue,
        };
        return Err(Error::new(Code::InvalidSearchFacets, format!("Invalid facet distribution: {message}")));
    }
    Ok(())
}

/// The `distinct` parameter may only name a filterable attribute.
fn check_distinct(uid: &IndexUid, settings: &Settings, distinct: Option<&str>) -> Result<(), Error> {
    match distinct {
        Some(name) if search::facets::rule_for(&settings.filterable, name).is_none() => Err(Error::new(
            Code::InvalidSearchDistinct,
            format!(
                "Index `{uid}`: Attribute `{name}` is not filterable and thus, cannot be used as distinct attribute. {}",
                available(settings)
            ),
        )),
        _ => Ok(()),
    }
}

/// Meilisearch's account of the filterable attributes, in its messages.
fn available(settings: &Settings) -> String {
    let mut patterns: Vec<&str> =
        settings.filterable.iter().flat_map(|r| r.patterns.iter().map(String::as_str)).collect();
    patterns.sort_unstable();
    patterns.dedup();
    match patterns.len() {
        0 => "This index does not have configured filterable attributes.".to_owned(),
        _ => format!("Available filterable attributes patterns are: `{}`.", patterns.join(", ")),
    }
}

/// Meilisearch's message for the first attribute of `sort` that is not
/// sortable, if any; the documents routes share it.
pub(crate) fn unsortable(settings: &Settings, sort: &[(String, bool)]) -> Option<String> {
    let sortable = &settings.sortable_attributes;
    let attribute = |field: &str| if field.starts_with("_geoPoint(") { "_geo".to_owned() } else { field.to_owned() };
    let field = sort.iter().map(|(field, _)| attribute(field)).find(|field| !sortable.contains(field))?;
    let available = match sortable.len() {
        0 => "This index does not have configured sortable attributes.".to_owned(),
        _ => format!(
            "Available sortable attributes are: `{}`.",
            sortable.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
    };
    Some(format!("Attribute `{field}` is not sortable. {available}"))
}

/// `sort` may only name sortable attributes, and only where the ranking
/// rules say where it ranks.
fn check_sort(uid: &IndexUid, settings: &Settings, sort: &[(String, bool)]) -> Result<(), Error> {
    let refuse = |message: String| Err(Error::new(Code::InvalidSearchSort, format!("Index `{uid}`: {message}")));
    if let Some(message) = unsortable(settings, sort) {
        return refuse(message);
    }
    if !sort.is_empty() && !settings.ranking_rules.contains(&search::RankingRule::Sort) {
        return refuse(
            "You must specify where `sort` is listed in the rankingRules setting to use the sort parameter at search time."
                .to_owned(),
        );
    }
    Ok(())
}

/// `attributesToSearchOn` may only name searchable attributes.
fn check_search_on(uid: &IndexUid, settings: &Settings, on: Option<&[String]>) -> Result<(), Error> {
    let (Some(on), Some(searchable)) = (on, &settings.searchable_attributes) else { return Ok(()) };
    let under = |a: &str, s: &str| a == s || a.strip_prefix(s).is_some_and(|r| r.starts_with('.'));
    if let Some(bad) = on.iter().find(|a| !searchable.iter().any(|s| under(a, s))) {
        let available = searchable.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
        return Err(Error::new(
            Code::InvalidSearchAttributesToSearchOn,
            format!(
                "Index `{uid}`: Attribute `{bad}` is not searchable. Available searchable attributes are: {available}."
            ),
        ));
    }
    Ok(())
}
