//! The documents a query matches, with every place each query term occurs in
//! them: what the ranking rules read.

use std::collections::HashMap;

use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, InvertedIndexReader, SegmentReader, TERMINATED};

use crate::derive::{allowed_typos, derive, Derivation};
use crate::query::{Query, Term};
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
}

impl Occurrence {
    pub fn field(&self) -> u32 {
        self.position >> 16
    }
    pub fn word(&self) -> u32 {
        self.position & 0xffff
    }
}

/// One matching document and where each query term occurs in it (empty for
/// a term it lacks), occurrences sorted by position.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub segment: u32,
    pub doc: DocId,
    pub terms: Vec<Vec<Occurrence>>,
    /// `field_id << 16 | number_of_words` of each field with words.
    pub counts: Vec<u32>,
}

impl Candidate {
    /// Where `term` matches (typos in typo-free attributes left out).
    pub fn live(&self, term: usize) -> impl Iterator<Item = &Occurrence> + Clone {
        self.terms[term].iter().filter(|o| !o.blocked)
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

/// Every term's derivations for one segment, read once.
struct Derived {
    /// Per term, per alternative (the term itself, then its synonyms).
    alternatives: Vec<Vec<Alternative>>,
}

/// What one segment holds for a query.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub candidates: Vec<Candidate>,
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

/// Collects the candidates of `query` in one segment.
pub(crate) fn collect(
    segment_ord: u32,
    segment: &SegmentReader,
    words: tantivy::schema::Field,
    query: &Query,
    settings: &Settings,
    fields: &FieldRanks,
) -> Result<Collected, Error> {
    let inverted = segment.inverted_index(words)?;
    let derived = derive_all(&inverted, query, settings)?;
    let exact_form = query
        .terms
        .iter()
        .map(|t| Ok(t.is_phrase() || inverted.terms().get(&t.words[0])?.is_some()))
        .collect::<Result<Vec<bool>, std::io::Error>>()?;
    let alive = segment.alive_bitset();
    let excluded = excluded_docs(&inverted, &query.excluded)?;

    // Document → its candidate, dense: a hash map cost more than the postings.
    let mut slots: Vec<u32> = vec![u32::MAX; segment.max_doc() as usize];
    let mut candidates: Vec<Candidate> = Vec::new();
    let n = query.terms.len();
    let mut positions = Vec::new();
    for (t, alternatives) in derived.alternatives.iter().enumerate() {
        for alternative in alternatives {
            let mut add = |doc: DocId, mut occurrence: Occurrence| {
                if alive.is_some_and(|a| !a.is_alive(doc)) || excluded.contains(&doc) {
                    return;
                }
                let Some(_) = fields.rank(occurrence.field()) else { return };
                if occurrence.typos > 0 && fields.no_typos.get(occurrence.field() as usize) == Some(&true) {
                    occurrence.blocked = true;
                }
                let slot = &mut slots[doc as usize];
                if *slot == u32::MAX {
                    *slot = candidates.len() as u32;
                    candidates.push(Candidate {
                        segment: segment_ord,
                        doc,
                        terms: vec![Vec::new(); n],
                        counts: Vec::new(),
                    });
                }
                candidates[*slot as usize].terms[t].push(occurrence);
            };
            match alternative {
                Alternative::Word(derivations) => {
                    for d in derivations {
                        let mut postings =
                            inverted.read_postings_from_terminfo(&d.info, IndexRecordOption::WithFreqsAndPositions)?;
                        let mut doc = postings.doc();
                        while doc != TERMINATED {
                            postings.positions(&mut positions);
                            for &position in &positions {
                                add(
                                    doc,
                                    Occurrence { position, len: 1, typos: d.typos, exact: d.exact, blocked: false },
                                );
                            }
                            doc = postings.advance();
                        }
                    }
                }
                Alternative::Phrase { infos, exact } => {
                    for (doc, starts) in phrase_starts(&inverted, infos)? {
                        for position in starts {
                            let len = infos.len() as u32;
                            add(doc, Occurrence { position, len, typos: 0, exact: *exact, blocked: false });
                        }
                    }
                }
            }
        }
    }
    for candidate in &mut candidates {
        for occurrences in &mut candidate.terms {
            occurrences.sort_unstable_by_key(|o| (o.position, o.typos));
            occurrences.dedup_by_key(|o| o.position);
        }
    }
    candidates.sort_unstable_by_key(|c| c.doc);
    read_counts(&inverted, &mut candidates)?;
    Ok(Collected { candidates, exact_form })
}

/// Fills each candidate's word counts from the count marks.
fn read_counts(inverted: &InvertedIndexReader, candidates: &mut [Candidate]) -> Result<(), Error> {
    let Some(info) = inverted.terms().get(crate::index::COUNT_MARK)? else { return Ok(()) };
    let mut postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqsAndPositions)?;
    for candidate in candidates {
        if postings.seek(candidate.doc) == candidate.doc {
            postings.positions(&mut candidate.counts);
        }
    }
    Ok(())
}

fn derive_all(inverted: &InvertedIndexReader, query: &Query, settings: &Settings) -> Result<Derived, Error> {
    let mut alternatives = Vec::with_capacity(query.terms.len());
    for term in &query.terms {
        let mut alts = Vec::new();
        alts.push(alternative(inverted, term, settings)?);
        for synonym in synonyms(term, settings) {
            let words: Vec<String> = synonym.split_whitespace().map(crate::analyzer::normalize_word).collect();
            let term = Term { words, position: term.position, prefix: false };
            // A synonym costs no typo but is not the word typed.
            let synonym =
                match alternative(inverted, &term, &Settings { typo_tolerance: no_typos(), ..settings.clone() })? {
                    Alternative::Word(derivations) => {
                        Alternative::Word(derivations.into_iter().map(|d| Derivation { exact: false, ..d }).collect())
                    }
                    Alternative::Phrase { infos, .. } => Alternative::Phrase { infos, exact: false },
                };
            alts.push(synonym);
        }
        alternatives.push(alts);
    }
    Ok(Derived { alternatives })
}

fn no_typos() -> crate::settings::TypoTolerance {
    crate::settings::TypoTolerance { enabled: false, ..Default::default() }
}

fn alternative(inverted: &InvertedIndexReader, term: &Term, settings: &Settings) -> Result<Alternative, Error> {
    let dict = inverted.terms();
    Ok(if term.is_phrase() {
        Alternative::Phrase { infos: term.words.iter().map(|w| dict.get(w)).collect::<Result<_, _>>()?, exact: true }
    } else {
        let word = &term.words[0];
        Alternative::Word(derive(dict, word, term.prefix, allowed_typos(word, &settings.typo_tolerance))?)
    })
}

/// The synonyms of a term, as `synonyms` lists them (keys compared
/// normalized).
fn synonyms<'s>(term: &Term, settings: &'s Settings) -> impl Iterator<Item = &'s String> + 's {
    let key = term.words.join(" ");
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
) -> Result<std::collections::HashSet<DocId>, Error> {
    excluded_docs(segment.inverted_index(words)?.as_ref(), excluded)
}

fn excluded_docs(
    inverted: &InvertedIndexReader,
    excluded: &[Vec<String>],
) -> Result<std::collections::HashSet<DocId>, Error> {
    let mut out = std::collections::HashSet::new();
    for words in excluded {
        let infos: Vec<_> = words.iter().map(|w| inverted.terms().get(w)).collect::<Result<_, _>>()?;
        out.extend(phrase_starts(inverted, &infos)?.into_keys());
    }
    Ok(out)
}
