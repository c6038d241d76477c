//! `POST /multi-search`: several searches in one request, answered one by
//! one, or merged into one list of hits with `federation`.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::{Code, IndexUid};

use super::params::SearchParams;
use super::{counts, reorder, Found, Window};
use crate::http::json_response;
use crate::json::{array, fields, invalid, object, unsigned, wrong_type, Invalid, Path};
use crate::router::{Reply, Req};
use crate::routes::blocking;
use crate::serve::AppState;
use crate::Error;

/// One query of a multi-search.
struct Entry {
    uid: IndexUid,
    params: SearchParams,
    weight: f64,
}

/// `federation`: how merged hits are paged.
#[derive(Default)]
struct Federation {
    offset: Option<usize>,
    limit: Option<usize>,
    page: Option<usize>,
    hits_per_page: Option<usize>,
}

/// The body fields of `POST /multi-search`.
pub(crate) const MULTI_FIELDS: &[&str] = &["queries", "federation"];

pub(crate) async fn multi_search(mut req: Req) -> Reply {
    req.query.deny_unknown(&[])?;
    let body = req.json().await?;
    let queue = req.state.clone();
    let _slot = queue.searches.permit().await?;
    let started = Instant::now();
    let (state, access) = (req.state.clone(), req.access.clone());
    let mut out = blocking(move || {
        let (mut entries, federation) = parse(&body)?;
        for (i, e) in entries.iter_mut().enumerate() {
            if !access.allows_index(e.uid.as_str()) {
                return Err(Error::in_query(i, auth::Error::InvalidApiKey.into()));
            }
            e.params.filter = super::filter::fuse(e.params.filter.take(), access.search_filter(e.uid.as_str()));
        }
        match federation {
            Some(federation) => federated(&state, &entries, &federation),
            None => separate(&state, &entries),
        }
    })
    .await?;
    if !out.contains_key("results") {
        out.insert("processingTimeMs".into(), json!(started.elapsed().as_millis() as u64));
        out.insert("requestUid".into(), json!(uuid::Uuid::now_v7()));
        out = reorder(out);
    }
    Ok(json_response(StatusCode::OK, &out))
}

fn bad(e: Invalid) -> Error {
    Error::new(Code::BadRequest, e.0)
}

fn parse(body: &Value) -> Result<(Vec<Entry>, Option<Federation>), Error> {
    let root = Path::root();
    let map = object(body, &root).map_err(bad)?;
    let mut queries = None;
    let mut federation = None;
    fields(map, &root, MULTI_FIELDS, |key, value, at| {
        match key {
            "queries" => queries = Some(array(value, at)?),
            _ if value.is_null() => {}
            _ => federation = Some(federation_of(value, at)?),
        }
        Ok(())
    })
    .map_err(bad)?;
    let queries = queries.ok_or_else(|| Error::new(Code::BadRequest, "Missing field `queries`"))?;
    let mut entries = Vec::new();
    for (i, query) in queries.iter().enumerate() {
        entries.push(entry(query, &root.key("queries").index(i), i, federation.is_some())?);
    }
    Ok((entries, federation))
}

fn federation_of(value: &Value, at: &Path) -> Result<Federation, Invalid> {
    let mut f = Federation::default();
    let accepted = [
        "limit",
        "offset",
        "page",
        "hitsPerPage",
        "facetsByIndex",
        "mergeFacets",
        "distinct",
        "showPerformanceDetails",
        "personalize",
    ];
    fields(object(value, at)?, at, &accepted, |key, v, at| {
        if v.is_null() {
            return Ok(());
        }
        let n = || unsigned(v, at, u64::MAX).map(|n| Some(n as usize));
        match key {
            "limit" => f.limit = n()?,
            "offset" => f.offset = n()?,
            "page" => f.page = n()?,
            "hitsPerPage" => f.hits_per_page = n()?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(f)
}

fn entry(query: &Value, path: &Path, i: usize, federated: bool) -> Result<Entry, Error> {
    let map = object(query, path).map_err(bad)?;
    let mut uid = None;
    let mut weight = 1.0;
    let mut options = false;
    let params = SearchParams::from_json(map, path, &["indexUid", "federationOptions"], |key, v, at| {
        match key {
            "indexUid" => {
                let raw = crate::json::string(v, at).map_err(bad)?;
                let parsed: IndexUid = raw.parse().map_err(|e: task_model::IndexUidError| {
                    Error::new(Code::InvalidIndexUid, invalid(at, &e.to_string()).0)
                })?;
                uid = Some(parsed);
            }
            _ if v.is_null() => {}
            _ => {
                options = true;
                let options = object(v, at).map_err(bad)?;
                fields(options, at, &["weight", "queryPosition", "remote"], |k, v, at| {
                    if k == "weight" && !v.is_null() {
                        weight = v.as_f64().ok_or_else(|| wrong_type(at, "a number", v))?;
                    }
                    Ok(())
                })
                .map_err(bad)?;
                if weight < 0.0 {
                    return Err(Error::new(
                        Code::InvalidMultiSearchWeight,
                        invalid(
                            &at.key("weight"),
                            "the value of `weight` is invalid, expected a positive float (>= 0.0).",
                        )
                        .0,
                    ));
                }
                if options.get("queryPosition").is_some_and(|v| !v.is_null()) {
                    return Err(Error::new(Code::FeatureNotEnabled, format!("Inside `.queries[{i}]`: Using `federationOptions.queryPosition` requires enabling the `network` experimental feature. See https://github.com/orgs/meilisearch/discussions/805")));
                }
            }
        }
        Ok(())
    })?;
    let uid = uid
        .ok_or_else(|| Error::new(Code::MissingIndexUid, format!("Missing field `indexUid` inside `.queries[{i}]`")))?;
    if options && !federated {
        return Err(Error::new(
            Code::InvalidMultiSearchFederationOptions,
            format!("Inside `.queries[{i}]`: Using `federationOptions` is not allowed in a non-federated search.\n - Hint: remove `federationOptions` from the query or add `federation` to the request."),
        ));
    }
    if let (true, Some(facets)) = (federated, &params.facets) {
        return Err(Error::new(
            Code::InvalidMultiSearchQueryFacets,
            format!("Inside `.queries[{i}]`: Using facet options is not allowed in federated queries.\n - Hint: remove `facets` from the query or remove `federation` from the request\n - Hint: pass `federation.facetsByIndex.{uid}: {}` for facets in federated search", json!(facets)),
        ));
    }
    if federated {
        let paged = [
            ("page", params.page),
            ("hitsPerPage", params.hits_per_page),
            ("limit", params.limit),
            ("offset", params.offset),
        ];
        if let Some((name, _)) = paged.iter().find(|(_, v)| v.is_some()) {
            return Err(Error::new(
                Code::InvalidMultiSearchQueryPagination,
                format!("Inside `.queries[{i}]`: Using pagination options is not allowed in federated queries.\n - Hint: remove `{name}` from the query or remove `federation` from the request\n - Hint: pass `federation.limit` and `federation.offset` for pagination in federated search"),
            ));
        }
    }
    Ok(Entry { uid, params, weight })
}

/// Each query answered on its own, in order.
fn separate(state: &AppState, entries: &[Entry]) -> Result<Map<String, Value>, Error> {
    let mut results = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let started = Instant::now();
        let found = Found::search(state, &e.uid, &e.params, false).map_err(|e| Error::in_query(i, e))?;
        let mut result = found.response(&e.params);
        result.insert("indexUid".into(), json!(e.uid));
        result.insert("processingTimeMs".into(), json!(started.elapsed().as_millis() as u64));
        results.push(Value::Object(result));
    }
    let request_uid = json!(uuid::Uuid::now_v7());
    for result in &mut results {
        if let Value::Object(map) = result {
            map.insert("requestUid".into(), request_uid.clone());
            *map = reorder(std::mem::take(map));
        }
    }
    Ok(Map::from_iter([("results".to_owned(), Value::Array(results))]))
}

/// Every query's hits merged by weighted ranking score; a document found by
/// several queries shows once, with its best.
fn federated(state: &AppState, entries: &[Entry], federation: &Federation) -> Result<Map<String, Value>, Error> {
    let window = Window::of(&SearchParams {
        offset: federation.offset,
        limit: federation.limit,
        page: federation.page,
        hits_per_page: federation.hits_per_page,
        ..SearchParams::default()
    });
    let mut merged: Vec<(f64, usize, usize, Map<String, Value>)> = Vec::new();
    let mut best: HashMap<(IndexUid, u64), usize> = HashMap::new();
    let mut found_once: HashSet<(IndexUid, u64)> = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        let mut params = e.params.clone();
        params.offset = Some(window.offset);
        params.limit = Some(window.limit);
        params.page = None;
        params.hits_per_page = None;
        let found = Found::search(state, &e.uid, &params, true).map_err(|err| Error::in_query(i, err))?;
        found_once.extend(found.ranked.candidate_seqs.iter().map(|s| (e.uid.clone(), *s)));
        let seqs: Vec<u64> = found.ranked.hits.iter().map(|h| h.seq).collect();
        for (rank, ((mut hit, score), seq)) in found.hits(&params).into_iter().zip(seqs).enumerate() {
            let weighted = score * e.weight;
            let key = (e.uid.clone(), seq);
            if let Some(&at) = best.get(&key) {
                if merged[at].0 >= weighted {
                    continue;
                }
            }
            let federation_info = json!({"indexUid": e.uid, "queriesPosition": i, "weightedRankingScore": weighted});
            hit = with_federation(hit, federation_info);
            best.insert(key, merged.len());
            merged.push((weighted, i, rank, hit));
        }
    }
    // Drop hits superseded by a better-scoring query's.
    let keep: HashSet<usize> = best.values().copied().collect();
    let mut hits: Vec<_> = merged.into_iter().enumerate().filter(|(at, _)| keep.contains(at)).map(|(_, h)| h).collect();
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let page: Vec<Value> =
        hits.into_iter().skip(window.offset).take(window.limit).map(|h| Value::Object(h.3)).collect();
    let mut out = Map::new();
    out.insert("hits".into(), Value::Array(page));
    out.extend(counts(window, found_once.len()));
    Ok(out)
}

/// `_federation` goes after the document's fields, before `_formatted`.
fn with_federation(hit: Map<String, Value>, info: Value) -> Map<String, Value> {
    let mut out = Map::new();
    let mut info = Some(info);
    for (k, v) in hit {
        if k.starts_with('_') {
            if let Some(info) = info.take() {
                out.insert("_federation".into(), info);
            }
        }
        out.insert(k, v);
    }
    if let Some(info) = info {
        out.insert("_federation".into(), info);
    }
    out
}
