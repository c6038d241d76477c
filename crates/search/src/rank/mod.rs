//! Meilisearch's ranking rules. Each rule gives every candidate a `Rank`
//! (higher is better); hits are ordered by the ranks of the rules in order,
//! so that each rule only breaks the ties of the rules before it, exactly as
//! Meilisearch's bucket sort does. Ties left at the end go to the document
//! inserted first.
//!
//! `rules` names the rules, `verdict` holds what a rule says of a
//! document; the `Ranker` here computes it.

mod rules;
mod verdict;

pub use rules::RankingRule;
pub(crate) use rules::{query_rules, Rule};
pub(crate) use verdict::{custom_verdict, global_score, MatchType, Rank, RuleKey, Verdict};

use crate::candidates::{FieldRanks, Occurrence, View};
use crate::query::Term;
use crate::sortkey::End;

/// The terms a document is ranked on: a bit per query term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kept(u16);

impl Kept {
    /// The kept terms' indices, in query order, in `buf`.
    fn terms(self, n: usize, buf: &mut [usize; crate::query::MAX_TERMS]) -> &[usize] {
        let mut len = 0;
        for t in (0..n).filter(|t| self.0 & (1 << t) != 0) {
            buf[len] = t;
            len += 1;
        }
        &buf[..len]
    }
}

/// Maximal cost a term's typos can add (a word without typos could still be
/// a split word, which costs one).
fn max_typo_cost(term: &Term, allowed: u8) -> u32 {
    match (term.is_phrase(), allowed) {
        (true, _) => 0,
        (false, 0) => 1,
        (false, n) => u32::from(n),
    }
}

/// Everything about a query the rules need besides the candidate.
///
/// A phrase is one term: the words rule counts its words, every other rule
/// counts it once, as Meilisearch does.
#[derive(Debug)]
pub(crate) struct Ranker<'a> {
    pub terms: &'a [Term],
    pub rules: Vec<Rule>,
    /// Removable terms, in the order the words rule drops them.
    pub removal: Vec<usize>,
    pub allowed_typos: Vec<u8>,
    /// Whether each term's literal word is in the index (or it is a phrase).
    pub exact_form: Vec<bool>,
    pub fields: &'a FieldRanks,
    pub max_weight: u32,
    pub proximity_by_attribute: bool,
}

impl Ranker<'_> {
    /// The terms the document is ranked on (the words rule's bucket), or
    /// `None` if even the most reduced query does not match it.
    pub fn kept(&self, c: &View<'_>) -> Option<Kept> {
        let mut kept: u16 = (1 << self.terms.len()) - 1;
        for step in 0..=self.removal.len() {
            if (0..self.terms.len()).all(|t| kept & (1 << t) == 0 || c.has(t)) {
                return Some(Kept(kept));
            }
            if let Some(&t) = self.removal.get(step) {
                kept &= !(1 << t);
            }
        }
        None
    }

    /// Whether `rule` gives every document the same verdict for this query:
    /// proximity with one term, attribute rank when every attribute weighs
    /// the same.
    pub fn is_constant(&self, rule: &Rule) -> bool {
        match rule {
            Rule::Proximity => self.terms.len() < 2,
            Rule::AttributeRank => self.max_weight == 0,
            _ => false,
        }
    }

    /// The verdict of every rule; `value` reads the document's sort keys.
    pub fn verdicts(&self, c: &View<'_>, kept: Kept, value: &dyn Fn(u32, End) -> Option<Vec<u8>>) -> Vec<Verdict> {
        self.rules.iter().map(|rule| self.verdict(rule, c, kept, value)).collect()
    }

    /// One rule's verdict.
    pub fn verdict(
        &self,
        rule: &Rule,
        c: &View<'_>,
        kept: Kept,
        value: &dyn Fn(u32, End) -> Option<Vec<u8>>,
    ) -> Verdict {
        let mut buf = [0; crate::query::MAX_TERMS];
        let kept_terms = kept.terms(self.terms.len(), &mut buf);
        let len = |t: usize| self.terms[t].word_count();
        match rule {
            Rule::Words => Verdict::Words {
                matching: kept_terms.iter().map(|&t| len(t)).sum(),
                max: (0..self.terms.len()).map(len).sum(),
            },
            Rule::Typo => Verdict::Typo {
                count: kept_terms.iter().map(|&t| u32::from(c.best_typos(t).unwrap_or(0))).sum(),
                max: kept_terms.iter().map(|&t| self.max_typos(c, t)).sum(),
            },
            Rule::Proximity => Verdict::Proximity(self.proximity(c, kept_terms)),
            Rule::AttributeRank => Verdict::AttributeRank(self.attribute_rank(c, kept_terms)),
            Rule::WordPosition => Verdict::WordPosition(self.word_position(c, kept_terms)),
            Rule::Attribute => Verdict::Attribute {
                fid: self.attribute_rank(c, kept_terms),
                position: self.word_position(c, kept_terms),
            },
            Rule::Exactness => self.exactness(c, kept_terms),
            Rule::Custom { .. } => custom_verdict(rule, value),
        }
    }

    /// The most typos term `t` could cost this document. After the
    /// exactness rule, a term the document holds exactly loses its typo
    /// derivations (Meilisearch's bucket keeps only the exact word; a word
    /// too short for typos keeps the cost of a split, as there).
    fn max_typos(&self, c: &View<'_>, t: usize) -> u32 {
        let exactness_first =
            self.rules.iter().position(|r| *r == Rule::Exactness) < self.rules.iter().position(|r| *r == Rule::Typo);
        if exactness_first && self.allowed_typos[t] > 0 && c.live(t).any(|o| o.exact) {
            0
        } else {
            max_typo_cost(&self.terms[t], self.allowed_typos[t])
        }
    }

    /// Each pair of terms next to each other in the query costs 0 when
    /// adjacent in one attribute, up to 3 when far apart or in different
    /// attributes; the reversed order costs one more.
    fn proximity(&self, c: &View<'_>, kept: &[usize]) -> Rank {
        let mut cost = 0;
        let mut pairs = 0;
        for pair in kept.windows(2) {
            let (l, r) = (pair[0], pair[1]);
            if self.terms[l].end() != self.terms[r].position {
                continue;
            }
            pairs += 1;
            cost += self.pair_cost(c.live(l), c.live(r), self.terms[l].is_phrase() || self.terms[r].is_phrase());
        }
        Rank::from_cost(cost, 3 * pairs)
    }

    fn pair_cost<'o>(
        &self,
        left: impl Iterator<Item = &'o Occurrence>,
        right: impl Iterator<Item = &'o Occurrence> + Clone,
        phrase: bool,
    ) -> u32 {
        let mut best = 3;
        for l in left {
            for r in right.clone().filter(|r| r.field() == l.field()) {
                // One match standing for both terms: a synonym of several words.
                let cost = if self.proximity_by_attribute || r.position == l.position {
                    0
                } else {
                    let l_end = l.word() + l.len - 1;
                    if r.word() > l_end {
                        r.word() - l_end - 1
                    } else if !phrase && l.word() > r.word() {
                        l.word() - r.word()
                    } else {
                        3
                    }
                };
                best = best.min(cost);
                if best == 0 {
                    return 0;
                }
            }
        }
        best
    }

    /// The weight (place in `searchableAttributes`) of the best attribute
    /// each term occurs in.
    fn attribute_rank(&self, c: &View<'_>, kept: &[usize]) -> Rank {
        let mut cost = 0;
        for &t in kept {
            let weight = c.live(t).filter_map(|o| self.fields.rank(o.field())).min().unwrap_or(0);
            cost += u32::from(weight);
        }
        Rank::from_cost(cost, self.max_weight * kept.len() as u32)
    }

    /// How far each term (a phrase by its first word) is from where it
    /// stands in the query.
    fn word_position(&self, c: &View<'_>, kept: &[usize]) -> Rank {
        let mut cost = 0;
        for &t in kept {
            let best = c
                .all(t)
                .iter()
                .map(|o| {
                    // A synonym of several words: from where its first term stands.
                    let from = self.terms[t - usize::from(o.span)].position;
                    cost_from_distance(bucketed(o.word()).abs_diff(from) + u32::from(o.span))
                })
                .min();
            cost += best.unwrap_or(10);
        }
        Rank::from_cost(cost, 10 * kept.len() as u32)
    }

    /// An attribute that is the query, or starts with it; then how many terms
    /// are there exactly as typed.
    fn exactness(&self, c: &View<'_>, kept: &[usize]) -> Verdict {
        let inexact = kept.iter().filter(|&&t| !c.live(t).any(|o| o.exact)).count();
        let words = Rank::from_cost(inexact as u32, kept.len() as u32);
        Verdict::Exactness { kind: self.match_type(c, kept), words }
    }

    fn match_type(&self, c: &View<'_>, kept: &[usize]) -> MatchType {
        let exact: Vec<usize> = kept.iter().copied().filter(|&t| self.exact_form[t]).collect();
        let consecutive = exact.iter().enumerate().all(|(i, &t)| i == t);
        if exact.is_empty() || !consecutive {
            return MatchType::NoExactMatch;
        }
        let covered: u32 = exact.iter().map(|&t| self.terms[t].word_count()).sum();
        let mut best = MatchType::NoExactMatch;
        // A field where every exact term sits where it sits in the query.
        let first = c.live(exact[0]);
        for field in first.filter(|o| o.exact).map(Occurrence::field) {
            let starts = exact.iter().all(|&t| {
                c.live(t).any(|o| o.exact && o.field() == field && same_bucket(o.word(), self.terms[t].position))
            });
            if !starts {
                continue;
            }
            if c.word_count(field) == Some(covered) {
                return MatchType::ExactMatch;
            }
            best = MatchType::MatchesStart;
        }
        best
    }
}

/// What `wordPosition` charges a word at `word` for a term at `at` in the
/// query.
pub(crate) fn position_cost(word: u32, at: u32) -> u32 {
    cost_from_distance(bucketed(word).abs_diff(at))
}

/// Whether a word at `word` stands where a term at `at` stands in the query.
pub(crate) fn same_bucket(word: u32, at: u32) -> bool {
    bucketed(word) == bucketed(at)
}

/// Meilisearch keeps word positions exactly up to 16, then in buckets.
fn bucketed(position: u32) -> u32 {
    match position {
        0..16 => position,
        16..24 => 24,
        p => p.next_power_of_two(),
    }
}

fn cost_from_distance(distance: u32) -> u32 {
    match distance {
        0 => 0,
        1 => 1,
        2..=4 => 2,
        5..=7 => 3,
        8..=11 => 4,
        12..=16 => 5,
        17..=24 => 6,
        25..=64 => 7,
        65..=256 => 8,
        257..=1024 => 9,
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_bucket_and_cost() {
        assert_eq!((bucketed(9), bucketed(17), bucketed(33), bucketed(100)), (9, 24, 64, 128));
        assert_eq!((cost_from_distance(8), cost_from_distance(300)), (4, 9));
    }
}
