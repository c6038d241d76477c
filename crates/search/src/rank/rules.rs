//! The ranking rules as settings name them, and as a query applies them.

use std::fmt;
use std::str::FromStr;

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

/// The rules a query is ranked by, as Meilisearch instantiates them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rule {
    Words,
    Typo,
    Proximity,
    AttributeRank,
    WordPosition,
    Attribute,
    Exactness,
    /// `field:asc` / `field:desc`; `field` is the attribute's id, if any
    /// document has it; `geo`, the point of a `_geoPoint(lat, lng)` sort.
    Custom {
        rule: String,
        field: Option<u32>,
        ascending: bool,
        geo: Option<(f64, f64)>,
    },
}

/// A search's `sort`: attributes, ascending or not, in order.
pub type Sort = [(String, bool)];

/// Resolves `rankingRules` for a query: `words` comes before the first
/// query rule if missing, and goes when every word is required; duplicates
/// count once; the `sort` rule stands for the search's `sort`; a placeholder
/// search keeps only the sort and custom rules. `field_id` names attributes
/// by id.
pub(crate) fn query_rules(
    rules: &[RankingRule],
    sort: &Sort,
    all_required: bool,
    placeholder: bool,
    field_id: impl Fn(&str) -> Option<u32>,
) -> Vec<Rule> {
    let mut out = Vec::new();
    for rule in rules {
        let custom = |field: &str, ascending| Rule::Custom {
            rule: rule.to_string(),
            field: field_id(field),
            ascending,
            geo: None,
        };
        if *rule == RankingRule::Sort {
            for (field, ascending) in sort {
                let name = format!("{field}:{}", if *ascending { "asc" } else { "desc" });
                let geo = crate::geo::sort_point(field);
                out.push(Rule::Custom { rule: name, field: field_id(field), ascending: *ascending, geo });
            }
            continue;
        }
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
            // Expanded into the search's `sort` above.
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
    fn words_is_implied_and_dropped_when_all_words_are_required() {
        let rules: Vec<RankingRule> = ["typo", "exactness", "typo"].iter().map(|r| r.parse().unwrap()).collect();
        let none = |_: &str| None;
        assert_eq!(query_rules(&rules, &[], false, false, none), [Rule::Words, Rule::Typo, Rule::Exactness]);
        assert_eq!(query_rules(&rules, &[], true, false, none), [Rule::Typo, Rule::Exactness]);
        let custom: Vec<RankingRule> = ["words", "sort", "year:desc"].iter().map(|r| r.parse().unwrap()).collect();
        let sort = [("size".to_owned(), true)];
        let placeholder = query_rules(&custom, &sort, false, true, |_| Some(3));
        assert_eq!(
            placeholder,
            [
                Rule::Custom { rule: "size:asc".into(), field: Some(3), ascending: true, geo: None },
                Rule::Custom { rule: "year:desc".into(), field: Some(3), ascending: false, geo: None }
            ]
        );
    }
}
