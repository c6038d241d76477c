//! The settings search acts on, read from an index's stored settings (the
//! Meilisearch JSON object, validated when it was set).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::RankingRule;

/// What search and indexing read from an index's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `None`: every attribute (`["*"]`), ranked in order of first appearance.
    pub searchable_attributes: Option<Vec<String>>,
    /// `None`: every attribute.
    pub displayed_attributes: Option<Vec<String>>,
    /// What a search may `sort` on.
    pub sortable_attributes: BTreeSet<String>,
    /// What a search may filter on, and how.
    pub filterable: Vec<crate::facets::FilterableRule>,
    /// `facetSearch`: whether `/facet-search` answers.
    pub facet_search: bool,
    /// `distinctAttribute`: one hit per value of it.
    pub distinct_attribute: Option<String>,
    /// `faceting`: how facet values are counted and shown.
    pub faceting: crate::distribution::Faceting,
    pub ranking_rules: Vec<RankingRule>,
    pub stop_words: BTreeSet<String>,
    pub non_separator_tokens: BTreeSet<String>,
    pub separator_tokens: BTreeSet<String>,
    pub dictionary: BTreeSet<String>,
    pub synonyms: BTreeMap<String, Vec<String>>,
    pub typo_tolerance: TypoTolerance,
    pub max_total_hits: usize,
    pub proximity_by_attribute: bool,
    pub search_cutoff_ms: Option<u64>,
    pub prefix_search: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TypoTolerance {
    pub enabled: bool,
    pub min_word_size_for_typos: MinWordSize,
    pub disable_on_words: BTreeSet<String>,
    pub disable_on_attributes: BTreeSet<String>,
    pub disable_on_numbers: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MinWordSize {
    pub one_typo: u8,
    pub two_typos: u8,
}

impl Default for MinWordSize {
    fn default() -> Self {
        Self { one_typo: 5, two_typos: 9 }
    }
}

impl Default for TypoTolerance {
    fn default() -> Self {
        Self {
            enabled: true,
            min_word_size_for_typos: MinWordSize::default(),
            disable_on_words: BTreeSet::new(),
            disable_on_attributes: BTreeSet::new(),
            disable_on_numbers: false,
        }
    }
}

/// Meilisearch's default ranking rules, in order.
pub const DEFAULT_RANKING_RULES: &[&str] =
    &["words", "typo", "proximity", "attributeRank", "sort", "wordPosition", "exactness"];

/// `pagination.maxTotalHits` when unset.
pub const DEFAULT_MAX_TOTAL_HITS: usize = 1000;

impl Default for Settings {
    fn default() -> Self {
        Self::from_stored(&Map::new())
    }
}

/// Reads `faceting` (`maxValuesPerFacet`, `sortFacetValuesBy`).
fn faceting(stored: Option<&Value>) -> crate::distribution::Faceting {
    let mut faceting = crate::distribution::Faceting::default();
    let Some(stored) = stored else { return faceting };
    if let Some(n) = stored.get("maxValuesPerFacet").and_then(Value::as_u64) {
        faceting.max_values = n as usize;
    }
    if let Some(Value::Object(by)) = stored.get("sortFacetValuesBy") {
        for (attribute, order) in by {
            match (attribute.as_str(), order.as_str()) {
                ("*", Some("count")) => faceting.all_by_count = true,
                (name, Some("count")) => faceting.by_count.push(name.to_owned()),
                _ => {}
            }
        }
    }
    faceting
}

impl Settings {
    /// Reads the stored settings object; a missing or `null` key is the default.
    pub fn from_stored(stored: &Map<String, Value>) -> Self {
        let get = |key: &str| stored.get(key).filter(|v| !v.is_null());
        let list = |key: &str| -> Option<Vec<String>> {
            let items: Vec<String> = serde_json::from_value(get(key)?.clone()).ok()?;
            (!items.iter().any(|a| a == "*")).then_some(items)
        };
        let set = |key: &str| -> BTreeSet<String> {
            get(key).and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default()
        };
        let ranking_rules = get("rankingRules")
            .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
            .unwrap_or_else(|| DEFAULT_RANKING_RULES.iter().map(|s| s.to_string()).collect())
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect();
        Self {
            searchable_attributes: list("searchableAttributes"),
            displayed_attributes: list("displayedAttributes"),
            sortable_attributes: set("sortableAttributes"),
            faceting: faceting(get("faceting")),
            facet_search: get("facetSearch").and_then(Value::as_bool).unwrap_or(true),
            distinct_attribute: get("distinctAttribute").and_then(Value::as_str).map(str::to_owned),
            filterable: get("filterableAttributes")
                .and_then(Value::as_array)
                .map(|rules| rules.iter().filter_map(crate::facets::FilterableRule::from_stored).collect())
                .unwrap_or_default(),
            ranking_rules,
            stop_words: set("stopWords"),
            non_separator_tokens: set("nonSeparatorTokens"),
            separator_tokens: set("separatorTokens"),
            dictionary: set("dictionary"),
            synonyms: get("synonyms").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default(),
            typo_tolerance: get("typoTolerance")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default(),
            max_total_hits: get("pagination")
                .and_then(|p| p.get("maxTotalHits"))
                .and_then(Value::as_u64)
                .map_or(DEFAULT_MAX_TOTAL_HITS, |n| n as usize),
            proximity_by_attribute: get("proximityPrecision").and_then(Value::as_str) == Some("byAttribute"),
            search_cutoff_ms: get("searchCutoffMs").and_then(Value::as_u64),
            prefix_search: get("prefixSearch").and_then(Value::as_str) != Some("disabled"),
        }
    }

    /// How long ranking may take: `searchCutoffMs`, Meilisearch's 1,500 ms
    /// when unset.
    pub fn search_cutoff(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.search_cutoff_ms.unwrap_or(1500))
    }

    /// Whether going from `self` to `new` changes what is indexed, so that the
    /// search index must be built again.
    pub fn reindex_needed(&self, new: &Settings) -> bool {
        self.searchable_attributes != new.searchable_attributes
            || self.non_separator_tokens != new.non_separator_tokens
            || self.separator_tokens != new.separator_tokens
            || self.dictionary != new.dictionary
            || self.stop_words != new.stop_words
            || self.sort_fields() != new.sort_fields()
            || self.facet_rules() != new.facet_rules()
            || self.geo_indexed() != new.geo_indexed()
    }

    /// Whether documents' `_geo` points are kept: `_geo` is filterable or
    /// sortable.
    pub fn geo_indexed(&self) -> bool {
        self.sortable_attributes.contains(crate::geo::GEO)
            || crate::facets::rule_for(&self.filterable, crate::geo::GEO).is_some()
    }

    /// Whether documents' `_geojson` shapes are kept: `_geojson` is
    /// filterable (as in Meilisearch, where nothing else reads them).
    pub fn geojson_indexed(&self) -> bool {
        crate::facets::rule_for(&self.filterable, crate::geo::GEOJSON).is_some()
    }

    /// What gets facet terms: the filterable attributes, and the distinct
    /// attribute, which Meilisearch facets too.
    pub fn facet_rules(&self) -> Vec<crate::facets::FilterableRule> {
        let mut rules = self.filterable.clone();
        if let Some(rule) = self
            .distinct_attribute
            .as_ref()
            .and_then(|d| crate::facets::FilterableRule::from_stored(&Value::String(d.clone())))
        {
            rules.push(rule);
        }
        rules
    }

    /// The attributes documents can be ordered by: the sortable ones and
    /// those of custom ranking rules.
    pub fn sort_fields(&self) -> std::collections::HashSet<&str> {
        let sortable = self.sortable_attributes.iter().map(String::as_str);
        self.custom_ranking_fields().into_iter().chain(sortable).collect()
    }

    /// The attributes custom ranking rules (`field:asc`) sort on.
    pub fn custom_ranking_fields(&self) -> Vec<&str> {
        self.ranking_rules
            .iter()
            .filter_map(|r| match r {
                RankingRule::Asc(f) | RankingRule::Desc(f) => Some(f.as_str()),
                _ => None,
            })
            .collect()
    }
}
