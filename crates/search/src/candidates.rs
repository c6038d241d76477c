//! The documents a query matches, with every place each query term occurs in
//! them: what the ranking rules read.

use std::collections::{HashMap, HashSet};

use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, InvertedIndexReader, SegmentReader, TERMINATED};

use crate::derive::{allowed_typos, derive, Automata, Derivation};
use crate::query::{Query, Term, MAX_TERMS};
use crate::{Error, Settings};

/// Where a term occurs in a document: `position` is `field_id << 16 | word`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    pub position: u32,
    /// Words the term spans there (a phrase spans several).
    pub len: u32,
    pub typos: u8,
    pub exact: bool,
    /// A typo in an attribute of `disableOnAttributes`: no match, but its
    /// position still counts for `wordPosition`, as Meilisearch's position
    /// database holds it regardless of the attribute.
    pub blocked: bool,
    /// The query term it stands for.
    pub term: u8,
    /// Its place among the terms a synonym of several words stands for (0
    /// otherwise): such a match counts from where the first of them stands.
    pub span: u8,
}

impl Occurrence {
    pub fn field(&self) -> u32 {
        self.position >> 16
    }
    pub fn word(&self) -> u32 {
        self.position & 0xffff
    }
}

/// One matching document; where its terms occur is kept in
/// [`Candidates`]' arena, so that a search allocates per query, not per
/// document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub segment: u32,
    pub doc: DocId,
    /// Its occurrences in the arena, by term then position.
    start: u32,
    /// Where each term's occurrences end, from `start`.
    ends: [u32; MAX_TERMS],
    /// Its word counts in the counts arena.
    counts: (u32, u32),
}

/// Every candidate of a search, and their occurrences.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    pub list: Vec<Candidate>,
    occurrences: Vec<Occurrence>,
    /// `field_id << 16 | number_of_words` of each field with words.
    counts: Vec<u32>,
}

impl Candidates {
    pub fn view(&self, i: usize) -> View<'_> {
        let c = &self.list[i];
        // Ends only grow: the last is the candidate's length.
        let end = c.start + c.ends[MAX_TERMS - 1];
        View {
            occurrences: &self.occurrences[c.start as usize..end as usize],
            ends: &c.ends,
            counts: &self.counts[c.counts.0 as usize..c.counts.1 as usize],
        }
    }

    /// Takes in another segment's candidates.
    pub fn append(&mut self, mut other: Candidates) {
        let (occurrences, counts) = (self.occurrences.len() as u32, self.counts.len() as u32);
        for c in &mut other.list {
            c.start += occurrences;
            c.counts = (c.counts.0 + counts, c.counts.1 + counts);
        }
        self.list.append(&mut other.list);
        self.occurrences.append(&mut other.occurrences);
        self.counts.append(&mut other.counts);
    }
}

/// One candidate, as the ranking rules read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    occurrences: &'a [Occurrence],
    ends: &'a [u32; MAX_TERMS],
    counts: &'a [u32],
}

impl<'a> View<'a> {
    /// Every place `term` occurs, sorted by position.
    pub fn all(&self, term: usize) -> &'a [Occurrence] {
        let start = if term == 0 { 0 } else { self.ends[term - 1] };
        &self.occurrences[start as usize..self.ends[term] as usize]
    }
    /// Where `term` matches (typos in typo-free attributes left out).
    pub fn live(&self, term: usize) -> impl Iterator<Item = &'a Occurrence> + Clone {
        self.all(term).iter().filter(|o| !o.blocked)
    }
    pub fn has(&self, term: usize) -> bool {
        self.live(term).next().is_some()
    }
    pub fn best_typos(&self, term: usize) -> Option<u8> {
        self.live(term).map(|o| o.typos).min()
    }
    pub fn word_count(&self, field: u32) -> Option<u32> {
        self.counts.iter().find(|c| *c >> 16 == field).map(|c| c & 0xffff)
    }
}

/// Which fields (by id) a search reads, and the rank of each: its place in
/// `searchableAttributes`.
#[derive(Debug, Clone)]
pub(crate) struct FieldRanks {
    pub ranks: Vec<Option<u16>>,
    /// Fields where typos do not count (`disableOnAttributes`).
    pub no_typos: Vec<bool>,
}

impl FieldRanks {
    pub fn rank(&self, field: u32) -> Option<u16> {
        self.ranks.get(field as usize).copied().flatten()
    }
}

/// Every term's derivations for one segment, read once: each alternative
/// with the query terms it stands for (one, or several for a synonym of
/// several words, `"new york" => "ny"`).
struct Derived {
    alternatives: Vec<(std::ops::Range<usize>, Alternative)>,
}

/// What one segment holds for a query.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub candidates: Candidates,
    /// Per term: its literal word is in this segment's dictionary.
    pub exact_form: Vec<bool>,
}

enum Alternative {
    Word(Vec<Derivation>),
    /// Words that must follow each other, matched exactly; `exact` unless
    /// it stands for a synonym.
    Phrase {
        infos: Vec<Option<tantivy::postings::TermInfo>>,
        exact: bool,
    },
}

/// What a search reads candidates with, besides the query.
pub(crate) struct Scope<'a> {
    pub settings: &'a Settings,
    pub fields: &'a FieldRanks,
    pub automata: &'a Automata,
    /// The documents a filter lets through, per segment (`None`: all).
    pub allowed: &'a [Option<crate::select::DocBits>],
}

/// Collects the candidates of `query` in one segment.
pub(crate) fn collect(
    segment_ord: u32,
    segment: &SegmentReader,
    words: tantivy::schema::Field,
    query: &Query,
    scope: &Scope<'_>,
) -> Result<Collected, Error> {
    let (settings, fields, automata) = (scope.settings, scope.fields, scope.automata);
    let allowed = scope.allowed.get(segment_ord as usize).and_then(Option::as_ref);
    let inverted = segment.inverted_index(words)?;
    let derived = derive_all(&inverted, query, settings, automata)?;
    let exact_form = query
        .terms
        .iter()
        .map(|t| Ok(t.is_phrase() || inverted.terms().get(&t.words[0])?.is_some()))
        .collect::<Result<Vec<bool>, std::io::Error>>()?;
    let alive = segment.alive_bitset();
    let excluded = excluded_docs(&inverted, &query.excluded)?;

    // Every occurrence, then grouped by document below.
    let mut raw: Vec<(DocId, Occurrence)> = Vec::new();
    let mut positions = Vec::new();
    let mut pruner = match query.terms.as_slice() {
        [only] => Some(crate::prune::Pruner::new(segment.max_doc(), only.position)),
        _ => None,
    };
    for (covered, alternative) in &derived.alternatives {
        {
            let mut add = |doc: DocId, mut occurrence: Occurrence| {
                if alive.is_some_and(|a| !a.is_alive(doc))
                    || allowed.is_some_and(|a| !a.contains(doc))
                    || (!excluded.is_empty() && excluded.contains(&doc))
                {
                    return;
                }
                let Some(weight) = fields.rank(occurrence.field()) else { return };
                if occurrence.typos > 0 && fields.no_typos.get(occurrence.field() as usize) == Some(&true) {
                    occurrence.blocked = true;
                }
                if pruner.as_mut().is_some_and(|p| !p.keep(doc, &occurrence, weight)) {
                    return;
                }
                // Each term a synonym covers is found there, at a typo each, as
                // Meilisearch charges the words it joins.
                let joined = covered.len() > 1;
                for (i, t) in covered.clone().enumerate() {
                    occurrence.term = t as u8;
                    occurrence.span = i as u8;
                    occurrence.typos += u8::from(joined);
                    raw.push((doc, occurrence));
                    occurrence.typos -= u8::from(joined);
                }
            };
            match alternative {
                Alternative::Word(derivations) => {
                    for d in derivations {
                        let mut postings =
                            inverted.read_postings_from_terminfo(&d.info, IndexRecordOption::WithFreqsAndPositions)?;
                        // A filter skips to the next document it lets
                        // through: positions are read only for those.
                        let mut doc = postings.doc();
                        while let Some(at) =
                            allowed.map_or((doc != TERMINATED).then_some(doc), |a| a.align(&mut postings, doc))
                        {
                            doc = at;
                            postings.positions(&mut positions);
                            for &position in &positions {
                                let (typos, exact) = (d.typos, d.exact);
                                let o = Occurrence { position, len: 1, typos, exact, blocked: false, term: 0, span: 0 };
                                add(doc, o);
                            }
                            doc = postings.advance();
                        }
                    }
                }
                Alternative::Phrase { infos, exact } => {
                    for (doc, starts) in phrase_starts(&inverted, infos)? {
                        for position in starts {
                            let len = infos.len() as u32;
                            let exact = *exact;
                            add(doc, Occurrence { position, len, typos: 0, exact, blocked: false, term: 0, span: 0 });
                        }
                    }
                }
            }
        }
    }
    let mut candidates = group(segment_ord, segment.max_doc(), raw);
    read_counts(&inverted, &mut candidates)?;
    Ok(Collected { candidates, exact_form })
}

/// Groups occurrences by document, candidates in document order, each one's
/// occurrences by term then position. Many occurrences: a counting sort by
/// document; few: a plain sort (no table the size of the segment).
fn group(segment: u32, max_doc: DocId, mut raw: Vec<(DocId, Occurrence)>) -> Candidates {
    let key = |o: &Occurrence| (o.term, o.position, o.typos);
    let Some(&(_, any)) = raw.first() else { return Candidates::default() };
    let few = raw.len() < max_doc as usize / 8;
    let mut occurrences: Vec<Occurrence> = if few {
        raw.sort_unstable_by_key(|(doc, o)| (*doc, key(o)));
        raw.iter().map(|(_, o)| *o).collect()
    } else {
        let mut cursor = vec![0u32; max_doc as usize + 1];
        for (doc, _) in &raw {
            cursor[*doc as usize + 1] += 1;
        }
        for i in 1..cursor.len() {
            cursor[i] += cursor[i - 1];
        }
        let mut sorted = vec![any; raw.len()];
        let mut placed: Vec<DocId> = vec![0; raw.len()];
        for (doc, o) in &raw {
            let at = &mut cursor[*doc as usize];
            sorted[*at as usize] = *o;
            placed[*at as usize] = *doc;
            *at += 1;
        }
        for (slot, doc) in raw.iter_mut().zip(placed) {
            slot.0 = doc;
        }
        sorted
    };
    let docs: Vec<DocId> = raw.into_iter().map(|(doc, _)| doc).collect();
    let mut list: Vec<Candidate> = Vec::new();
    let mut start = 0;
    while start < docs.len() {
        let doc = docs[start];
        let len = docs[start..].iter().take_while(|d| **d == doc).count();
        let mine = &mut occurrences[start..start + len];
        mine.sort_unstable_by_key(key);
        let mut ends = [0u32; MAX_TERMS];
        let mut end = 0;
        for (t, slot) in ends.iter_mut().enumerate() {
            end += mine[end..].iter().take_while(|o| usize::from(o.term) == t).count();
            *slot = end as u32;
        }
        list.push(Candidate { segment, doc, start: start as u32, ends, counts: (0, 0) });
        start += len;
    }
    Candidates { list, occurrences, counts: Vec::new() }
}

/// Fills each candidate's word counts from the count marks.
fn read_counts(inverted: &InvertedIndexReader, candidates: &mut Candidates) -> Result<(), Error> {
    let Some(info) = inverted.terms().get(crate::index::COUNT_MARK)? else { return Ok(()) };
    let mut postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqsAndPositions)?;
    let mut positions = Vec::new();
    for c in &mut candidates.list {
        let start = candidates.counts.len() as u32;
        if postings.seek(c.doc) == c.doc {
            postings.positions(&mut positions);
            candidates.counts.extend_from_slice(&positions);
        }
        c.counts = (start, candidates.counts.len() as u32);
    }
    Ok(())
}

fn derive_all(
    inverted: &InvertedIndexReader,
    query: &Query,
    settings: &Settings,
    automata: &Automata,
) -> Result<Derived, Error> {
    let mut alternatives = Vec::new();
    let exact_only = Settings { typo_tolerance: no_typos(), ..settings.clone() };
    for (t, term) in query.terms.iter().enumerate() {
        alternatives.push((t..t + 1, alternative(inverted, term, settings, automata)?));
        // Runs of up to three plain words next to each other in the query,
        // this one and the following, may be a synonym's key.
        for end in t + 1..=(t + 3).min(query.terms.len()) {
            let run = &query.terms[t..end];
            let joined = run.windows(2).all(|w| w[0].end() == w[1].position && !w[1].is_phrase());
            if !joined || (end > t + 1 && term.is_phrase()) {
                break;
            }
            let key = run.iter().map(|t| t.words.join(" ")).collect::<Vec<_>>().join(" ");
            for synonym in synonyms(&key, settings) {
                let words: Vec<String> = synonym.split_whitespace().map(crate::analyzer::normalize_word).collect();
                let value = Term { words, position: term.position, prefix: false };
                // A synonym costs no typo but is not the word typed.
                let synonym = match alternative(inverted, &value, &exact_only, automata)? {
                    Alternative::Word(derivations) => {
                        Alternative::Word(derivations.into_iter().map(|d| Derivation { exact: false, ..d }).collect())
                    }
                    Alternative::Phrase { infos, .. } => Alternative::Phrase { infos, exact: false },
                };
                alternatives.push((t..end, synonym));
            }
        }
    }
    Ok(Derived { alternatives })
}

fn no_typos() -> crate::settings::TypoTolerance {
    crate::settings::TypoTolerance { enabled: false, ..Default::default() }
}

fn alternative(
    inverted: &InvertedIndexReader,
    term: &Term,
    settings: &Settings,
    automata: &Automata,
) -> Result<Alternative, Error> {
    let dict = inverted.terms();
    Ok(if term.is_phrase() {
        Alternative::Phrase { infos: term.words.iter().map(|w| dict.get(w)).collect::<Result<_, _>>()?, exact: true }
    } else {
        let word = &term.words[0];
        Alternative::Word(derive(dict, word, term.prefix, allowed_typos(word, &settings.typo_tolerance), automata)?)
    })
}

/// The synonyms of `key` (normalized words, space-separated), as `synonyms`
/// lists them.
fn synonyms<'s>(key: &str, settings: &'s Settings) -> impl Iterator<Item = &'s String> + 's {
    let key = key.to_owned();
    settings.synonyms.iter().filter(move |(k, _)| normalized(k) == key).flat_map(|(_, v)| v.iter())
}

fn normalized(text: &str) -> String {
    text.split_whitespace().map(crate::analyzer::normalize_word).collect::<Vec<_>>().join(" ")
}

/// Where each phrase starts, by document: its words at consecutive
/// positions of one field.
fn phrase_starts(
    inverted: &InvertedIndexReader,
    infos: &[Option<tantivy::postings::TermInfo>],
) -> Result<HashMap<DocId, Vec<u32>>, Error> {
    let mut starts: HashMap<DocId, Vec<u32>> = HashMap::new();
    let mut positions = Vec::new();
    for (k, info) in infos.iter().enumerate() {
        let Some(info) = info else { return Ok(HashMap::new()) };
        let mut postings = inverted.read_postings_from_terminfo(info, IndexRecordOption::WithFreqsAndPositions)?;
        let mut next: HashMap<DocId, Vec<u32>> = HashMap::new();
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if k == 0 || starts.contains_key(&doc) {
                postings.positions(&mut positions);
                let kept: Vec<u32> = if k == 0 {
                    positions.clone()
                } else {
                    starts[&doc].iter().copied().filter(|s| positions.contains(&(s + k as u32))).collect()
                };
                if !kept.is_empty() {
                    next.insert(doc, kept);
                }
            }
            doc = postings.advance();
        }
        starts = next;
    }
    Ok(starts)
}

/// Documents of `segment` holding an excluded word or phrase.
pub(crate) fn excluded(
    segment: &SegmentReader,
    words: tantivy::schema::Field,
    excluded: &[Vec<String>],
) -> Result<HashSet<DocId>, Error> {
    excluded_docs(segment.inverted_index(words)?.as_ref(), excluded)
}

fn excluded_docs(inverted: &InvertedIndexReader, excluded: &[Vec<String>]) -> Result<HashSet<DocId>, Error> {
    let mut out = HashSet::new();
    for words in excluded {
        let infos: Vec<_> = words.iter().map(|w| inverted.terms().get(w)).collect::<Result<_, _>>()?;
        out.extend(phrase_starts(inverted, &infos)?.into_keys());
    }
    Ok(out)
}
