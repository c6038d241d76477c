//! What a rule says of a document: its rank, its part of the sort key, and
//! its entry in `_rankingScoreDetails`; and `_rankingScore` from them all.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::Rule;
use crate::sortkey::{self, End};

/// A rule's verdict: `1 <= rank <= max`, higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    pub rank: u32,
    pub max: u32,
}

impl Rank {
    pub(crate) fn from_cost(cost: u32, max_cost: u32) -> Self {
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
        /// For `_geoPoint`: the document's point and its distance in meters.
        geo: Option<Option<((f64, f64), f64)>>,
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
            Self::Custom { key, ascending, .. } => {
                RuleKey::Value { key: key.as_deref().map(|k| sortkey::comparable(k).to_vec()), ascending: *ascending }
            }
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
            Self::Custom { ref rule, geo: Some(found), .. } => {
                let (value, distance) = match found {
                    Some(((lat, lng), d)) => (json!({"lat": lat, "lng": lng}), json!((d * 1000.0).round() / 1000.0)),
                    None => (Value::Null, Value::Null),
                };
                (rule.as_str(), json!({"order": order, "value": value, "distance": distance}))
            }
            Self::Custom { ref rule, ref key, .. } => {
                (rule.as_str(), json!({"order": order, "value": key.as_deref().map(sortkey::decode)}))
            }
        }
    }
}

/// A custom rule's verdict: the document's smallest value for an ascending
/// rule, its largest for a descending one.
pub(crate) fn custom_verdict(rule: &Rule, value: &dyn Fn(u32, End) -> Option<Vec<u8>>) -> Verdict {
    let Rule::Custom { rule, field, ascending, geo } = rule else { unreachable!("custom_verdict takes custom rules") };
    if let Some(origin) = geo {
        // The distance from the sort's point, compared as a number.
        let found = value(crate::geo::FIELD, End::Min)
            .and_then(|bytes| crate::geo::find(&bytes))
            .map(|point| (point, crate::geo::distance(*origin, point)));
        let key = found.and_then(|(_, d)| sortkey::encode(&json!(d)));
        return Verdict::Custom { rule: rule.clone(), key, ascending: *ascending, geo: Some(found) };
    }
    let end = if *ascending { End::Min } else { End::Max };
    Verdict::Custom { rule: rule.clone(), key: field.and_then(|f| value(f, end)), ascending: *ascending, geo: None }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
