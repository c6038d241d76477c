//! A search request, from a JSON body or a query string, read as Meilisearch
//! reads it: its names, defaults, and error codes and messages.

use serde_json::{Map, Value};
use task_model::Code;

use crate::json::{array, boolean, choice, fields, invalid, string, strings, unsigned, wrong_type, Invalid, Path};
use crate::params::Query;
use crate::Error;

/// The parameters of one search.
#[derive(Debug, Clone)]
pub(crate) struct SearchParams {
    pub q: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    pub page: Option<usize>,
    pub hits_per_page: Option<usize>,
    pub attributes_to_retrieve: Option<Vec<String>>,
    pub attributes_to_crop: Option<Vec<String>>,
    pub crop_length: usize,
    pub crop_marker: String,
    pub attributes_to_highlight: Option<Vec<String>>,
    pub highlight_pre_tag: String,
    pub highlight_post_tag: String,
    pub show_matches_position: bool,
    pub show_ranking_score: bool,
    pub show_ranking_score_details: bool,
    pub matching_strategy: search::MatchingStrategy,
    pub attributes_to_search_on: Option<Vec<String>>,
    pub ranking_score_threshold: Option<f64>,
    /// `sort`: attributes, ascending or not.
    pub sort: Vec<(String, bool)>,
    /// `filter` as sent: read against the index's settings when searched.
    pub filter: Option<Value>,
    /// `facets`: attributes to count the values of.
    pub facets: Option<Vec<String>>,
    /// `distinct`: one hit per value of this attribute.
    pub distinct: Option<String>,
    /// Vector search is not there yet: refused when asked for.
    pub unsupported: Option<(Code, &'static str)>,
}

impl Default for SearchParams {
    fn default() -> Self {
        Self {
            q: None,
            offset: None,
            limit: None,
            page: None,
            hits_per_page: None,
            attributes_to_retrieve: None,
            attributes_to_crop: None,
            crop_length: 10,
            crop_marker: "…".into(),
            attributes_to_highlight: None,
            highlight_pre_tag: "<em>".into(),
            highlight_post_tag: "</em>".into(),
            show_matches_position: false,
            show_ranking_score: false,
            show_ranking_score_details: false,
            matching_strategy: search::MatchingStrategy::Last,
            attributes_to_search_on: None,
            ranking_score_threshold: None,
            sort: Vec::new(),
            filter: None,
            facets: None,
            distinct: None,
            unsupported: None,
        }
    }
}

/// The body fields of `POST /indexes/{uid}/search`, in Meilisearch's order.
pub(crate) const BODY_FIELDS: &[&str] = &[
    "q",
    "offset",
    "limit",
    "page",
    "hitsPerPage",
    "attributesToRetrieve",
    "attributesToCrop",
    "cropLength",
    "cropMarker",
    "attributesToHighlight",
    "highlightPreTag",
    "highlightPostTag",
    "showMatchesPosition",
    "filter",
    "sort",
    "distinct",
    "facets",
    "matchingStrategy",
    "attributesToSearchOn",
    "rankingScoreThreshold",
    "locales",
    "hybrid",
    "vector",
    "retrieveVectors",
    "media",
    "personalize",
    "useNetwork",
    "showRankingScore",
    "showRankingScoreDetails",
    "showPerformanceDetails",
];

/// The parameters of `GET /indexes/{uid}/search`.
pub(crate) const QUERY_PARAMS: &[&str] = &[
    "q",
    "offset",
    "limit",
    "page",
    "hitsPerPage",
    "attributesToRetrieve",
    "attributesToCrop",
    "cropLength",
    "cropMarker",
    "attributesToHighlight",
    "highlightPreTag",
    "highlightPostTag",
    "showMatchesPosition",
    "filter",
    "sort",
    "distinct",
    "facets",
    "matchingStrategy",
    "attributesToSearchOn",
    "rankingScoreThreshold",
    "locales",
    "hybridEmbedder",
    "hybridSemanticRatio",
    "vector",
    "retrieveVectors",
    "personalizeUserContext",
    "useNetwork",
    "showRankingScore",
    "showRankingScoreDetails",
    "showPerformanceDetails",
];

const STRATEGIES: &[&str] = &["last", "all", "frequency"];

fn strategy(name: &str) -> search::MatchingStrategy {
    match name {
        "all" => search::MatchingStrategy::All,
        "frequency" => search::MatchingStrategy::Frequency,
        _ => search::MatchingStrategy::Last,
    }
}

fn threshold_message(prefix: &str) -> String {
    format!("{prefix}the value of `rankingScoreThreshold` is invalid, expected a float between `0.0` and `1.0`.")
}

/// Each body field's error code.
fn code_of(key: &str) -> Code {
    match key {
        "q" => Code::InvalidSearchQ,
        "offset" => Code::InvalidSearchOffset,
        "limit" => Code::InvalidSearchLimit,
        "page" => Code::InvalidSearchPage,
        "hitsPerPage" => Code::InvalidSearchHitsPerPage,
        "attributesToRetrieve" => Code::InvalidSearchAttributesToRetrieve,
        "attributesToCrop" => Code::InvalidSearchAttributesToCrop,
        "cropLength" => Code::InvalidSearchCropLength,
        "cropMarker" => Code::InvalidSearchCropMarker,
        "attributesToHighlight" => Code::InvalidSearchAttributesToHighlight,
        "highlightPreTag" => Code::InvalidSearchHighlightPreTag,
        "highlightPostTag" => Code::InvalidSearchHighlightPostTag,
        "showMatchesPosition" => Code::InvalidSearchShowMatchesPosition,
        "filter" => Code::InvalidSearchFilter,
        "sort" => Code::InvalidSearchSort,
        "distinct" => Code::InvalidSearchDistinct,
        "facets" => Code::InvalidSearchFacets,
        "matchingStrategy" => Code::InvalidSearchMatchingStrategy,
        "attributesToSearchOn" => Code::InvalidSearchAttributesToSearchOn,
        "rankingScoreThreshold" => Code::InvalidSearchRankingScoreThreshold,
        "locales" => Code::InvalidSearchLocales,
        "hybrid" => Code::InvalidSearchEmbedder,
        "vector" => Code::InvalidSearchVector,
        "retrieveVectors" => Code::InvalidSearchRetrieveVectors,
        "media" => Code::InvalidSearchMedia,
        "personalize" => Code::InvalidSearchPersonalize,
        "useNetwork" => Code::InvalidSearchUseNetwork,
        "showRankingScore" => Code::InvalidSearchShowRankingScore,
        "showRankingScoreDetails" => Code::InvalidSearchShowRankingScoreDetails,
        _ => Code::InvalidSearchShowPerformanceDetails,
    }
}

impl SearchParams {
    /// Reads one search from a JSON object at `path` (the root for a single
    /// search, `.queries[i]` in a multi-search). `extra` names more accepted
    /// fields, handed to `other`.
    pub fn from_json(
        map: &Map<String, Value>,
        path: &Path,
        extra: &[&str],
        mut other: impl FnMut(&str, &Value, &Path) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        let mut p = SearchParams::default();
        let accepted: Vec<&str> = BODY_FIELDS.iter().chain(extra).copied().collect();
        let mut failure: Option<Error> = None;
        let read = fields(map, path, &accepted, |key, value, at| {
            if extra.contains(&key) {
                return other(key, value, at).map_err(|e| {
                    failure = Some(e);
                    Invalid(String::new())
                });
            }
            if value.is_null() {
                return Ok(());
            }
            let fail = |e: Invalid| {
                failure = Some(Error::new(code_of(key), e.0));
                Invalid(String::new())
            };
            p.read_json(key, value, at).map_err(fail)
        });
        match (read, failure) {
            (Ok(()), _) => Ok(p),
            (Err(_), Some(e)) => Err(e),
            (Err(e), None) => Err(Error::new(Code::BadRequest, e.0)),
        }
    }

    fn read_json(&mut self, key: &str, v: &Value, at: &Path) -> Result<(), Invalid> {
        let size = |v: &Value| unsigned(v, at, u64::MAX).map(|n| n as usize);
        match key {
            "q" => self.q = Some(string(v, at)?),
            "offset" => self.offset = Some(size(v)?),
            "limit" => self.limit = Some(size(v)?),
            "page" => self.page = Some(size(v)?),
            "hitsPerPage" => self.hits_per_page = Some(size(v)?),
            "attributesToRetrieve" => self.attributes_to_retrieve = Some(strings(v, at)?),
            "attributesToCrop" => self.attributes_to_crop = Some(strings(v, at)?),
            "cropLength" => self.crop_length = size(v)?,
            "cropMarker" => self.crop_marker = string(v, at)?,
            "attributesToHighlight" => self.attributes_to_highlight = Some(strings(v, at)?),
            "highlightPreTag" => self.highlight_pre_tag = string(v, at)?,
            "highlightPostTag" => self.highlight_post_tag = string(v, at)?,
            "showMatchesPosition" => self.show_matches_position = boolean(v, at)?,
            "showRankingScore" => self.show_ranking_score = boolean(v, at)?,
            "showRankingScoreDetails" => self.show_ranking_score_details = boolean(v, at)?,
            "showPerformanceDetails" | "retrieveVectors" | "useNetwork" => _ = boolean(v, at)?,
            "matchingStrategy" => self.matching_strategy = strategy(&choice(v, at, STRATEGIES)?),
            "attributesToSearchOn" => self.attributes_to_search_on = Some(strings(v, at)?),
            "rankingScoreThreshold" => {
                let n = v.as_f64().ok_or_else(|| wrong_type(at, "a number", v))?;
                if !(0.0..=1.0).contains(&n) {
                    return Err(invalid(at, &threshold_message("")));
                }
                self.ranking_score_threshold = Some(n);
            }
            "locales" => _ = array(v, at)?,
            "filter" => self.filter = Some(v.clone()),
            "sort" => self.sort = sort_list(strings(v, at)?).map_err(Invalid)?,
            "facets" => self.facets = Some(strings(v, at)?),
            "distinct" => self.distinct = Some(string(v, at)?),
            _ => self.unsupported = Some((code_of(key), "vector search")),
        }
        Ok(())
    }

    /// Reads `GET /indexes/{uid}/search`'s query string.
    pub fn from_query(q: &Query) -> Result<Self, Error> {
        q.deny_unknown(QUERY_PARAMS)?;
        let list = |name: &str| q.get(name).map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>());
        let mut p = SearchParams {
            q: q.get("q").map(str::to_owned),
            offset: q.positive("offset", Code::InvalidSearchOffset)?,
            limit: q.positive("limit", Code::InvalidSearchLimit)?,
            page: q.positive("page", Code::InvalidSearchPage)?,
            hits_per_page: q.positive("hitsPerPage", Code::InvalidSearchHitsPerPage)?,
            attributes_to_retrieve: list("attributesToRetrieve"),
            attributes_to_crop: list("attributesToCrop"),
            attributes_to_highlight: list("attributesToHighlight"),
            attributes_to_search_on: list("attributesToSearchOn"),
            show_matches_position: q
                .boolean("showMatchesPosition", Code::InvalidSearchShowMatchesPosition)?
                .unwrap_or(false),
            show_ranking_score: q.boolean("showRankingScore", Code::InvalidSearchShowRankingScore)?.unwrap_or(false),
            show_ranking_score_details: q
                .boolean("showRankingScoreDetails", Code::InvalidSearchShowRankingScoreDetails)?
                .unwrap_or(false),
            ..SearchParams::default()
        };
        if let Some(n) = q.positive("cropLength", Code::InvalidSearchCropLength)? {
            p.crop_length = n;
        }
        for (name, field) in [
            ("cropMarker", &mut p.crop_marker),
            ("highlightPreTag", &mut p.highlight_pre_tag),
            ("highlightPostTag", &mut p.highlight_post_tag),
        ] {
            if let Some(v) = q.get(name) {
                *field = v.to_owned();
            }
        }
        if let Some(v) = q.get("matchingStrategy") {
            if !STRATEGIES.contains(&v) {
                return Err(Error::new(
                    Code::InvalidSearchMatchingStrategy,
                    format!("Unknown value `{v}` for parameter `matchingStrategy`: expected one of `last`, `all`, `frequency`"),
                ));
            }
            p.matching_strategy = strategy(v);
        }
        if let Some(v) = q.get("rankingScoreThreshold") {
            let n = v.parse::<f64>().ok().filter(|n| (0.0..=1.0).contains(n)).ok_or_else(|| {
                Error::new(
                    Code::InvalidSearchRankingScoreThreshold,
                    threshold_message("Invalid value in parameter `rankingScoreThreshold`: "),
                )
            })?;
            p.ranking_score_threshold = Some(n);
        }
        if let Some(v) = q.get("sort") {
            let items = v.split(',').map(str::to_owned).collect();
            p.sort = sort_list(items).map_err(|message| Error::new(Code::InvalidSearchSort, message))?;
        }
        p.filter = q.get("filter").map(|f| Value::String(f.to_owned()));
        p.facets = q.get("facets").map(|f| f.split(',').map(str::to_owned).collect());
        p.distinct = q.get("distinct").map(str::to_owned);
        for (name, code, what) in [
            ("hybridEmbedder", Code::InvalidSearchEmbedder, "vector search"),
            ("vector", Code::InvalidSearchVector, "vector search"),
        ] {
            if q.get(name).is_some() {
                p.unsupported = Some((code, what));
            }
        }
        Ok(p)
    }

    /// Refuses what meili-lite cannot do yet, rather than ignore it.
    pub fn check_supported(&self) -> Result<(), Error> {
        match self.unsupported {
            Some((code, what)) => Err(Error::new(code, format!("meili-lite does not support `{what}` in search yet."))),
            None => Ok(()),
        }
    }
}

/// `["year:desc", "title:asc"]` read, or Meilisearch's message for the first
/// malformed expression. `_geoPoint(lat, lng):asc` is kept whole: it sorts
/// on `_geo` by distance from that point.
pub(crate) fn sort_list(items: Vec<String>) -> Result<Vec<(String, bool)>, String> {
    items
        .into_iter()
        .map(|item| {
            let parsed = match item.rsplit_once(':') {
                Some((field, "asc")) if !field.is_empty() => Some((field, true)),
                Some((field, "desc")) if !field.is_empty() => Some((field, false)),
                _ => None,
            };
            match parsed {
                Some((field, ascending)) => Ok((field.to_owned(), ascending)),
                None => Err(format!(
                    "Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, found `{item}`."
                )),
            }
        })
        .collect()
}
