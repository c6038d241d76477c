//! `/facet-search`: the values of one facet that a query begins, with typos
//! as a search allows them, counted among a search's matches.

use levenshtein_automata::Distance;

use crate::derive::{allowed_typos, levenshtein};
use crate::facets::normalize;
use crate::{Error, SearchIndex, SearchRequest, Settings};

/// One value found: as written, and how many matches hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetHit {
    pub value: String,
    pub count: u64,
}

impl SearchIndex {
    /// The string values of `facet` among the matches of `request` that
    /// `facet_query` begins (all of them without one), in alphabetical order,
    /// at most `faceting.maxValuesPerFacet`.
    pub fn facet_search(
        &self,
        settings: &Settings,
        request: &SearchRequest,
        facet: &str,
        facet_query: Option<&str>,
    ) -> Result<Vec<FacetHit>, Error> {
        let request = SearchRequest { limit: 0, offset: 0, facets: Some(vec![facet.to_owned()]), ..request.clone() };
        let ranked = self.search(settings, &request)?;
        let values = ranked.facets.and_then(|mut f| f.strings.remove(facet)).unwrap_or_default();
        let wanted = facet_query.map(normalize).filter(|q| !q.is_empty());
        let matches = |value: &str| match &wanted {
            None => true,
            Some(query) => begins(query, value, allowed_typos(query, &settings.typo_tolerance)),
        };
        Ok(values
            .into_iter()
            .filter(|(normalized, _, _)| matches(normalized))
            .take(settings.faceting.max_values)
            .map(|(_, value, count)| FacetHit { value, count })
            .collect())
    }
}

/// Whether `query` begins `value`, with up to `typos` typos (a typo on the
/// first letter counting double, as in search).
fn begins(query: &str, value: &str, typos: u8) -> bool {
    if value.starts_with(query) {
        return true;
    }
    if typos == 0 {
        return false;
    }
    let Distance::Exact(d) = levenshtein(typos).build_prefix_dfa(query).eval(value) else { return false };
    value.chars().next() == query.chars().next() || d <= 1.min(typos - 1)
}
