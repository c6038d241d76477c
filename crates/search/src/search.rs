//! One search on one index: parse the query, collect candidates segment by
//! segment, rank them, and return the requested window of hits.

use std::collections::HashSet;

use serde_json::{Map, Value};
use tantivy::DocId;

use crate::analyzer::Analyzer;
use crate::bucket::{bucket_sort, Entry};
use crate::candidates::{collect, Candidates, FieldRanks, Scope};
use crate::columns::Columns;
use crate::derive::{allowed_typos, Automata};
use crate::query::{parse, Query};
use crate::rank::{custom_verdict, global_score, query_rules, Ranker, Rule, RuleKey, Verdict};
use crate::select::DocBits;
use crate::{Error, SearchIndex, Settings};

/// Which query terms a hit may lack (`matchingStrategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MatchingStrategy {
    /// Drop terms from the end of the query until documents match.
    #[default]
    Last,
    /// Every term is required.
    All,
    /// Drop the most frequent terms first.
    Frequency,
}

/// What to search for and which hits to return.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: Option<String>,
    pub offset: usize,
    pub limit: usize,
    pub matching_strategy: MatchingStrategy,
    /// Only these attributes (and what is nested under them) are searched.
    pub attributes_to_search_on: Option<Vec<String>>,
    pub ranking_score_threshold: Option<f64>,
    /// Also return every matching document's `seq` (federated search counts
    /// documents found by several queries once).
    pub candidate_seqs: bool,
    /// When ranking stops refining (`searchCutoffMs`).
    pub deadline: Option<std::time::Instant>,
    /// `sort`: attributes and whether ascending, where the `sort` ranking
    /// rule stands. The caller checks they are sortable.
    pub sort: Vec<(String, bool)>,
    /// Only documents this selects. The caller checks its attributes are
    /// filterable.
    pub filter: Option<crate::filter::Filter>,
    /// Attributes to count the values of among the matches (`*`: every
    /// filterable one). The caller checks they are filterable.
    pub facets: Option<Vec<String>>,
    /// One hit per value of this attribute (the `distinct` parameter, else
    /// `distinctAttribute`); documents without it are all kept.
    pub distinct: Option<String>,
    /// Hits carry their id and `seq` only, no score or details: for
    /// callers that only list documents in order.
    pub ids_only: bool,
}

/// A hit: the document's id and how it ranked.
#[derive(Debug, Clone)]
pub struct ScoredHit {
    pub id: String,
    /// The document's insertion number: stable while it lives.
    pub seq: u64,
    pub score: f64,
    /// `_rankingScoreDetails`.
    pub details: Map<String, Value>,
}

/// The outcome of a search.
#[derive(Debug)]
pub struct Ranked {
    pub hits: Vec<ScoredHit>,
    /// Documents matching the query (before `maxTotalHits`).
    pub candidates: usize,
    /// The query as read, for formatting hits.
    pub query: Query,
    /// Every matching document's `seq`, when asked for.
    pub candidate_seqs: Vec<u64>,
    /// `facetDistribution` and `facetStats`, when facets were asked for.
    pub facets: Option<crate::distribution::FacetCounts>,
}

impl SearchIndex {
    /// Runs `request` with the index's `settings`.
    pub fn search(&self, settings: &Settings, request: &SearchRequest) -> Result<Ranked, Error> {
        let analyzer = Analyzer::new(settings);
        let query = analyzer.with(|t| parse(request.q.as_deref().unwrap_or(""), t, settings.prefix_search));
        let payload = self.payload();
        let fields = field_ranks(&payload.fields, settings, request.attributes_to_search_on.as_deref());
        let searcher = self.searcher();
        let window = request.offset..request.offset.saturating_add(request.limit);
        let field_id = |name: &str| payload.fields.iter().position(|f| f == name).map(|i| i as u32);
        let rules = query_rules(
            &settings.ranking_rules,
            &request.sort,
            request.matching_strategy == MatchingStrategy::All,
            query.is_placeholder(),
            field_id,
        );
        let columns = Columns::open(&searcher)?;

        let mut candidates = Candidates::default();
        let mut exact_form = vec![false; query.terms.len()];
        let mut entries: Vec<Entry> = Vec::new();
        let allowed: Vec<Option<DocBits>> = searcher
            .segment_readers()
            .iter()
            .map(|segment| self.allowed(segment, request))
            .collect::<Result<_, _>>()?;
        if query.is_placeholder() {
            for (ord, segment) in searcher.segment_readers().iter().enumerate() {
                let excluded = crate::candidates::excluded(segment, self.fields.words, &query.excluded)?;
                let allowed = allowed[ord].as_ref();
                let kept = |d: &DocId| {
                    !segment.is_deleted(*d) && !excluded.contains(d) && allowed.is_none_or(|a| a.contains(*d))
                };
                for doc in (0..segment.max_doc()).filter(kept) {
                    let seq = columns.seq(ord as u32, doc);
                    entries.push(Entry { segment: ord as u32, doc, seq, candidate: None });
                }
            }
        } else {
            let automata = Automata::default();
            let scope = Scope { settings, fields: &fields, automata: &automata, allowed: &allowed };
            for (ord, segment) in searcher.segment_readers().iter().enumerate() {
                let found = collect(ord as u32, segment, self.fields.words, &query, &scope)?;
                for (any, here) in exact_form.iter_mut().zip(found.exact_form) {
                    *any |= here;
                }
                candidates.append(found.candidates);
            }
        }
        let ranker = Ranker {
            terms: &query.terms,
            rules,
            removal: removal_order(&query, request.matching_strategy, &candidates),
            allowed_typos: query.terms.iter().map(|t| allowed_typos(&t.words[0], &settings.typo_tolerance)).collect(),
            exact_form,
            fields: &fields,
            max_weight: settings.searchable_attributes.as_ref().map_or(0, |a| a.len().saturating_sub(1) as u32),
            proximity_by_attribute: settings.proximity_by_attribute,
        };
        for (i, c) in candidates.list.iter().enumerate() {
            if let Some(kept) = ranker.kept(&candidates.view(i)) {
                let seq = columns.seq(c.segment, c.doc);
                entries.push(Entry { segment: c.segment, doc: c.doc, seq, candidate: Some((i as u32, kept)) });
            }
        }
        let verdicts = |e: &Entry| -> Vec<Verdict> {
            let values = columns.values(e.segment, e.doc);
            match &e.candidate {
                Some((i, kept)) => ranker.verdicts(&candidates.view(*i as usize), *kept, &values),
                None => ranker.rules.iter().map(|r| custom_verdict(r, &values)).collect(),
            }
        };
        if let Some(threshold) = request.ranking_score_threshold {
            entries.retain(|e| score(&verdicts(e)) >= threshold);
        }
        let total = entries.len();
        let facets = match &request.facets {
            Some(asked) if !asked.is_empty() => {
                let segments = searcher.segment_readers();
                let mut matches: Vec<DocBits> = segments.iter().map(|s| DocBits::empty(s.max_doc())).collect();
                for e in &entries {
                    matches[e.segment as usize].insert(e.doc);
                }
                let paths = facet_paths(asked, &payload.fields, &settings.filterable);
                let found = crate::distribution::distribution(
                    segments,
                    self.fields.facets,
                    &matches,
                    &paths,
                    &settings.faceting,
                )?;
                Some(found)
            }
            _ => None,
        };
        let candidate_seqs = if request.candidate_seqs { entries.iter().map(|e| e.seq).collect() } else { Vec::new() };

        let key = |rule: &Rule, e: &Entry| -> Option<RuleKey> {
            if ranker.is_constant(rule) {
                return None;
            }
            let values = columns.values(e.segment, e.doc);
            Some(match &e.candidate {
                Some((i, kept)) => ranker.verdict(rule, &candidates.view(*i as usize), *kept, &values).key(),
                None => custom_verdict(rule, &values).key(),
            })
        };
        // With distinct, every match is ordered: hits are dropped along the way.
        let needed = if request.distinct.is_some() { entries.len() } else { window.end };
        let prefetch = |rule: &Rule, group: &[Entry]| {
            if !ranker.is_constant(rule) {
                columns.prefetch(rule, group);
            }
        };
        bucket_sort(&mut entries, &ranker.rules, needed, request.deadline, prefetch, key);
        let total = match &request.distinct {
            Some(path) => {
                self.keep_distinct(&searcher, &mut entries, path)?;
                entries.len()
            }
            None => total,
        };

        let ids: Vec<tantivy::columnar::StrColumn> =
            searcher.segment_readers().iter().map(id_column).collect::<Result<_, _>>()?;
        let mut hits = Vec::new();
        for e in entries.iter().skip(window.start).take(window.len()) {
            let id = id_of(&ids[e.segment as usize], e.doc)?.unwrap_or_default();
            if request.ids_only {
                hits.push(ScoredHit { id, seq: e.seq, score: 0.0, details: Map::new() });
                continue;
            }
            let verdicts = verdicts(e);
            let details = verdicts.iter().enumerate().map(|(i, v)| v.details(i));
            hits.push(ScoredHit { id, seq: e.seq, score: score(&verdicts), details: details.collect() });
        }
        Ok(Ranked { hits, candidates: total, query, candidate_seqs, facets })
    }
}

impl SearchIndex {
    /// The ids of every document (that `filter` selects) ordered by `sort`
    /// alone: the documents routes' `sort`.
    pub fn sorted_ids(
        &self,
        settings: &Settings,
        filter: Option<crate::filter::Filter>,
        sort: Vec<(String, bool)>,
    ) -> Result<Vec<String>, Error> {
        let settings = Settings { ranking_rules: vec![crate::RankingRule::Sort], ..settings.clone() };
        let request = SearchRequest { limit: usize::MAX, filter, sort, ids_only: true, ..SearchRequest::default() };
        Ok(self.search(&settings, &request)?.hits.into_iter().map(|h| h.id).collect())
    }

    /// The ids of every document `filter` selects, in id order: the
    /// documents routes' `filter`.
    pub fn filtered_ids(&self, filter: &crate::filter::Filter) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for segment in self.searcher().segment_readers() {
            let selector = crate::select::Selector::new(segment, self.fields.facets)?;
            let bits = crate::select::evaluate(&selector, filter, &selector.all())?;
            let ids = id_column(segment)?;
            for doc in bits.iter() {
                out.extend(id_of(&ids, doc)?);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Keeps, in order, the first entry of each value of `path`.
    fn keep_distinct(&self, searcher: &tantivy::Searcher, entries: &mut Vec<Entry>, path: &str) -> Result<(), Error> {
        let segments = searcher.segment_readers();
        let mut wanted: Vec<DocBits> = segments.iter().map(|s| DocBits::empty(s.max_doc())).collect();
        for e in entries.iter() {
            wanted[e.segment as usize].insert(e.doc);
        }
        let values = crate::distribution::values_of(segments, self.fields.facets, path, &wanted)?;
        let mut seen = std::collections::HashSet::new();
        entries.retain(|e| match values[e.segment as usize].get(&e.doc) {
            Some(ids) if ids.iter().any(|id| seen.contains(id)) => false,
            Some(ids) => {
                seen.extend(ids.iter().copied());
                true
            }
            None => true,
        });
        Ok(())
    }

    /// The documents of `segment` the request's filter lets through.
    fn allowed(&self, segment: &tantivy::SegmentReader, request: &SearchRequest) -> Result<Option<DocBits>, Error> {
        let Some(filter) = &request.filter else { return Ok(None) };
        let selector = crate::select::Selector::new(segment, self.fields.facets)?;
        let all = selector.all();
        crate::select::evaluate(&selector, filter, &all).map(Some)
    }
}

fn score(verdicts: &[Verdict]) -> f64 {
    global_score(verdicts.iter().flat_map(Verdict::ranks))
}

/// A segment's column of document ids.
fn id_column(segment: &tantivy::SegmentReader) -> Result<tantivy::columnar::StrColumn, Error> {
    segment.fast_fields().str("id")?.ok_or_else(|| Error::Damaged("no id column".into()))
}

/// The id of `doc` in its segment's id column.
fn id_of(ids: &tantivy::columnar::StrColumn, doc: DocId) -> Result<Option<String>, Error> {
    let Some(ord) = ids.term_ords(doc).next() else { return Ok(None) };
    let mut id = String::new();
    ids.ord_to_str(ord, &mut id)?;
    Ok(Some(id))
}

/// Which terms the words rule may drop, in the order it drops them.
/// Phrases are never dropped; without a phrase, the last term standing
/// (the first for `last`, the rarest for `frequency`) stays.
fn removal_order(query: &Query, strategy: MatchingStrategy, candidates: &Candidates) -> Vec<usize> {
    let removable: Vec<usize> = (0..query.terms.len()).filter(|&t| !query.terms[t].is_phrase()).collect();
    let mut order: Vec<usize> = match strategy {
        MatchingStrategy::All => return Vec::new(),
        MatchingStrategy::Last => removable.into_iter().rev().collect(),
        MatchingStrategy::Frequency => {
            let frequency = |t: usize| match (0..candidates.list.len()).filter(|&i| candidates.view(i).has(t)).count() {
                0 => usize::MAX,
                n => n,
            };
            let mut order = removable;
            order.sort_by_key(|&t| std::cmp::Reverse(frequency(t)));
            order
        }
    };
    if order.len() == query.terms.len() {
        order.pop();
    }
    order
}

/// Ranks of the index's fields: their place in `searchableAttributes`
/// (all 0 for `["*"]`), `None` for a field not searched.
fn field_ranks(fields: &[String], settings: &Settings, search_on: Option<&[String]>) -> FieldRanks {
    let under = |path: &str, attribute: &str| {
        attribute == "*" || path == attribute || path.strip_prefix(attribute).is_some_and(|r| r.starts_with('.'))
    };
    let ranks = fields
        .iter()
        .map(|path| {
            let rank = match &settings.searchable_attributes {
                None => Some(0),
                Some(list) => list.iter().position(|a| under(path, a)).map(|i| i as u16),
            };
            rank.filter(|_| search_on.is_none_or(|on| on.iter().any(|a| under(path, a))))
        })
        .collect();
    let no_typos: HashSet<&str> = settings.typo_tolerance.disable_on_attributes.iter().map(String::as_str).collect();
    let no_typos = fields.iter().map(|path| no_typos.iter().any(|a| under(path, a))).collect();
    FieldRanks { ranks, no_typos }
}

/// The attributes `facets` asks for: names as given, and each pattern with a
/// `*` (a lone `*` too) as the known attributes it matches that filter,
/// objects included (`director` for `director.name`), as Meilisearch does.
fn facet_paths(asked: &[String], fields: &[String], rules: &[crate::facets::FilterableRule]) -> Vec<String> {
    let mut known: Vec<&str> = fields
        .iter()
        .flat_map(|f| f.match_indices('.').map(|(i, _)| &f[..i]).chain([f.as_str()]))
        .filter(|f| crate::facets::rule_for(rules, f).is_some_and(|r| r.filters()))
        // A shape's parts are no attributes of their own.
        .filter(|f| !f.starts_with("_geojson."))
        .collect();
    known.sort_unstable();
    known.dedup();
    let mut paths = Vec::new();
    for a in asked {
        if a.contains('*') {
            let all = a == "*";
            paths.extend(known.iter().filter(|f| all || crate::facets::pattern_matches(a, f)).map(|f| (*f).to_owned()));
        } else {
            paths.push(a.clone());
        }
    }
    paths
}
