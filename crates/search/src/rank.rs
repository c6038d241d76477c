//! Meilisearch's ranking rules. Each rule gives every candidate a [`Rank`]
//! (higher is better); hits are ordered by the ranks of the rules in order,
//! so that each rule only breaks the ties of the rules before it, exactly as
//! Meilisearch's bucket sort does. Ties left at the end go to the document
//! inserted first.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde_json::{json, Map, Value};

use crate::candidates::{FieldRanks, Occurrence, View};
use crate::query::Term;
use crate::sortkey::{self, End};

/// A rule of `rankingRules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RankingRule {
    Words,
    Typo,
    Proximity,
    /// `attributeRank` then `wordPosition`, reported as one rule.
    Attribute,
    AttributeRank,
    WordPosition,
    Sort,
    Exactness,
    Asc(String),
    Desc(String),
}

impl FromStr for RankingRule {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "words" => Self::Words,
            "typo" => Self::Typo,
            "proximity" => Self::Proximity,
            "attribute" => Self::Attribute,
            "attributeRank" => Self::AttributeRank,
            "wordPosition" => Self::WordPosition,
            "sort" => Self::Sort,
            "exactness" => Self::Exactness,
            custom => match custom.rsplit_once(':') {
                Some((field, "asc")) if !field.is_empty() => Self::Asc(field.to_owned()),
                Some((field, "desc")) if !field.is_empty() => Self::Desc(field.to_owned()),
                _ => return Err(()),
            },
        })
    }
}

impl fmt::Display for RankingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Words => f.write_str("words"),
            Self::Typo => f.write_str("typo"),
            Self::Proximity => f.write_str("proximity"),
            Self::Attribute => f.write_str("attribute"),
            Self::AttributeRank => f.write_str("attributeRank"),
            Self::WordPosition => f.write_str("wordPosition"),
            Self::Sort => f.write_str("sort"),
            Self::Exactness => f.write_str("exactness"),
            Self::Asc(field) => write!(f, "{field}:asc"),
            Self::Desc(field) => write!(f, "{field}:desc"),
        }
    }
}

/// A rule's verdict: `1 <= rank <= max`, higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    pub rank: u32,
    pub max: u32,
}

impl Rank {
    fn from_cost(cost: u32, max_cost: u32) -> Self {
        Self { rank: max_cost + 1 - cost.min(max_cost), max: max_cost + 1 }
    }
    pub fn score(self) -> f64 {
        f64::from(self.rank) / f64::from(self.max)
    }
}

/// Meilisearch's `_rankingScore`: the ranks merged as digits of a mixed-radix
/// number, the first rule the most significant, so the score orders hits as
/// the rules do.
pub fn global_score(ranks: impl IntoIterator<Item = Rank>) -> f64 {
    let (mut rank, mut max) = (1f64, 1f64);
    for r in ranks {
        rank = (rank - 1.0) * f64::from(r.max) + f64::from(r.rank);
        max *= f64::from(r.max);
    }
    rank / max
}

/// How a document's best attribute compares with the query as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchType {
    NoExactMatch = 1,
    MatchesStart = 2,
    ExactMatch = 3,
}

/// What one rule says of one document.
#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    Words {
        matching: u32,
        max: u32,
    },
    Typo {
        count: u32,
        max: u32,
    },
    Proximity(Rank),
    AttributeRank(Rank),
    WordPosition(Rank),
    Attribute {
        fid: Rank,
        position: Rank,
    },
    Exactness {
        kind: MatchType,
        words: Rank,
    },
    /// A custom rule's value for the document (not part of the score).
    Custom {
        rule: String,
        key: Option<Vec<u8>>,
        ascending: bool,
    },
}

/// One rule's verdict as a sort key; greater is better. Keys of one rule
/// are of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleKey {
    /// A rule's one or two ranks, the first in the high bits.
    Ranks(u64),
    Value {
        key: Option<Vec<u8>>,
        ascending: bool,
    },
}

impl PartialOrd for RuleKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RuleKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (RuleKey::Ranks(a), RuleKey::Ranks(b)) => a.cmp(b),
            (RuleKey::Value { key: a, ascending }, RuleKey::Value { key: b, .. }) => {
                sortkey::better(a.as_deref(), b.as_deref(), *ascending)
            }
            (RuleKey::Ranks(_), RuleKey::Value { .. }) => Ordering::Greater,
            (RuleKey::Value { .. }, RuleKey::Ranks(_)) => Ordering::Less,
        }
    }
}

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

impl Verdict {
    /// The ranks this verdict contributes to the score and the order.
    pub fn ranks(&self) -> impl Iterator<Item = Rank> + Clone {
        let pair = match *self {
            Self::Words { matching, max } => [Some(Rank { rank: matching, max }), None],
            Self::Typo { count, max } => [Some(Rank::from_cost(count, max)), None],
            Self::Proximity(r) | Self::AttributeRank(r) | Self::WordPosition(r) => [Some(r), None],
            Self::Attribute { fid, position } => [Some(fid), Some(position)],
            Self::Exactness { kind, words } => [Some(Rank { rank: kind as u32, max: 3 }), Some(words)],
            Self::Custom { .. } => [None, None],
        };
        pair.into_iter().flatten()
    }

    /// This verdict as a part of the sort key; greater is better.
    pub fn key(&self) -> RuleKey {
        match self {
            Self::Custom { key, ascending, .. } => RuleKey::Value { key: key.clone(), ascending: *ascending },
            other => {
                let mut ranks = other.ranks().map(|r| u64::from(r.rank));
                RuleKey::Ranks(ranks.next().unwrap_or(0) << 32 | ranks.next().unwrap_or(0))
            }
        }
    }

    /// `_rankingScoreDetails` entry: its key and value.
    pub fn details(&self, order: usize) -> (String, Value) {
        let (name, value) = self.detail(order);
        (name.to_owned(), value)
    }

    fn detail(&self, order: usize) -> (&str, Value) {
        let score = global_score(self.ranks());
        match *self {
            Self::Words { matching, max } => {
                ("words", json!({"order": order, "matchingWords": matching, "maxMatchingWords": max, "score": score}))
            }
            Self::Typo { count, max } => {
                ("typo", json!({"order": order, "typoCount": count, "maxTypoCount": max, "score": score}))
            }
            Self::Proximity(_) => ("proximity", json!({"order": order, "score": score})),
            Self::AttributeRank(_) => ("attributeRank", json!({"order": order, "score": score})),
            Self::WordPosition(_) => ("wordPosition", json!({"order": order, "score": score})),
            Self::Attribute { fid, position } => (
                "attribute",
                json!({"order": order, "attributeRankingOrderScore": fid.score(),
                       "queryWordDistanceScore": position.score(), "score": score}),
            ),
            Self::Exactness { kind, words } => {
                let mut map = Map::new();
                map.insert("order".into(), json!(order));
                let (name, score) = match kind {
                    MatchType::ExactMatch => ("exactMatch", 1.0),
                    MatchType::MatchesStart => ("matchesStart", 2.0 / 3.0),
                    MatchType::NoExactMatch => ("noExactMatch", score),
                };
                map.insert("matchType".into(), json!(name));
                if kind == MatchType::NoExactMatch {
                    map.insert("matchingWords".into(), json!(words.rank - 1));
                    map.insert("maxMatchingWords".into(), json!(words.max - 1));
                }
                map.insert("score".into(), json!(score));
                ("exactness", Value::Object(map))
            }
            Self::Custom { ref rule, ref key, .. } => {
                (rule.as_str(), json!({"order": order, "value": key.as_deref().map(sortkey::decode)}))
            }
        }
    }
}

/// The rules a query is ranked by, as Meilisearch instantiates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    Words,
    Typo,
    Proximity,
    AttributeRank,
    WordPosition,
    Attribute,
    Exactness,
    /// `field:asc` / `field:desc`; `field` is the attribute's id, if any
    /// document has it.
    Custom {
        rule: String,
        field: Option<u32>,
        ascending: bool,
    },
}

/// Resolves `rankingRules` for a query: `words` comes before the first
/// query rule if missing, and goes when every word is required; duplicates
/// count once; a placeholder search keeps only the custom rules.
/// `field_id` names attributes by id.
pub(crate) fn query_rules(
    rules: &[RankingRule],
    all_required: bool,
    placeholder: bool,
    field_id: impl Fn(&str) -> Option<u32>,
) -> Vec<Rule> {
    let mut out = Vec::new();
    for rule in rules {
        let custom =
            |field: &str, ascending| Rule::Custom { rule: rule.to_string(), field: field_id(field), ascending };
        let rule = match rule {
            RankingRule::Asc(field) => custom(field, true),
            RankingRule::Desc(field) => custom(field, false),
            _ if placeholder => continue,
            RankingRule::Words => Rule::Words,
            RankingRule::Typo => Rule::Typo,
            RankingRule::Proximity => Rule::Proximity,
            RankingRule::Attribute => Rule::Attribute,
            RankingRule::AttributeRank => Rule::AttributeRank,
            RankingRule::WordPosition => Rule::WordPosition,
            RankingRule::Exactness => Rule::Exactness,
            RankingRule::Sort => continue,
        };
        let is_query_rule = !matches!(rule, Rule::Custom { .. });
        if is_query_rule && !all_required && rule != Rule::Words && !out.contains(&Rule::Words) {
            out.push(Rule::Words);
        }
        if !(out.contains(&rule) || all_required && rule == Rule::Words) {
            out.push(rule);
        }
    }
    out
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

/// A custom rule's verdict: the document's smallest value for an ascending
/// rule, its largest for a descending one.
pub(crate) fn custom_verdict(rule: &Rule, value: &dyn Fn(u32, End) -> Option<Vec<u8>>) -> Verdict {
    let Rule::Custom { rule, field, ascending } = rule else { unreachable!("custom_verdict takes custom rules") };
    let end = if *ascending { End::Min } else { End::Max };
    Verdict::Custom { rule: rule.clone(), key: field.and_then(|f| value(f, end)), ascending: *ascending }
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
    fn rules_parse_and_print_back() {
        for rule in [
            "words",
            "typo",
            "proximity",
            "attribute",
            "attributeRank",
            "wordPosition",
            "sort",
            "exactness",
            "year:desc",
            "a.b:asc",
        ] {
            assert_eq!(rule.parse::<RankingRule>().unwrap().to_string(), rule);
        }
        for bad in ["foo", "title:up", ":asc", "Words"] {
            assert!(bad.parse::<RankingRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn global_score_matches_meilisearch_figures() {
        // q "batman gotham" on "The Dark Knight" (ms-api capture): 0.8657407407407407.
        let ranks = [
            Rank { rank: 2, max: 2 },
            Rank { rank: 3, max: 3 },
            Rank { rank: 1, max: 4 },
            Rank { rank: 1, max: 1 },
            Rank { rank: 17, max: 21 },
            Rank { rank: 1, max: 3 },
            Rank { rank: 3, max: 3 },
        ];
        assert!((global_score(ranks) - 0.8657407407407407).abs() < 1e-12);
    }

    #[test]
    fn words_is_implied_and_dropped_when_all_words_are_required() {
        let rules: Vec<RankingRule> = ["typo", "exactness", "typo"].iter().map(|r| r.parse().unwrap()).collect();
        let none = |_: &str| None;
        assert_eq!(query_rules(&rules, false, false, none), [Rule::Words, Rule::Typo, Rule::Exactness]);
        assert_eq!(query_rules(&rules, true, false, none), [Rule::Typo, Rule::Exactness]);
        let custom: Vec<RankingRule> = ["words", "year:desc"].iter().map(|r| r.parse().unwrap()).collect();
        let placeholder = query_rules(&custom, false, true, |_| Some(3));
        assert_eq!(placeholder, [Rule::Custom { rule: "year:desc".into(), field: Some(3), ascending: false }]);
    }

    #[test]
    fn positions_bucket_and_cost() {
        assert_eq!((bucketed(9), bucketed(17), bucketed(33), bucketed(100)), (9, 24, 64, 128));
        assert_eq!((cost_from_distance(8), cost_from_distance(300)), (4, 9));
    }
}
