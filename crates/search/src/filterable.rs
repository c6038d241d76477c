//! Whether a filter only uses filterable attributes, each with operators its
//! `filterableAttributes` rule allows: Meilisearch's checks and messages.

use crate::facets::{rule_for, FilterableRule};
use crate::filter::{not_filterable, Condition, Filter, FilterError};

/// Every attribute filterable, and by the operators used on it.
pub fn check(filter: &Filter, rules: &[FilterableRule]) -> Result<(), FilterError> {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().try_for_each(|p| check(p, rules)),
        Filter::Not(inner) => check(inner, rules),
        Filter::Condition { attribute, op } => {
            let Some((index, rule)) = rules.iter().enumerate().find(|(_, r)| r.matches(&attribute.name)) else {
                let patterns = rules.iter().filter(|r| r.equality || r.comparison).flat_map(|r| &r.patterns);
                return Err(not_filterable(&attribute.name, &attribute.span, patterns.map(String::as_str)));
            };
            let comparison = matches!(
                op,
                Condition::GreaterThan(_)
                    | Condition::GreaterThanOrEqual(_)
                    | Condition::LowerThan(_)
                    | Condition::LowerThanOrEqual(_)
                    | Condition::Between { .. }
            );
            let equality = matches!(op, Condition::Equal(_) | Condition::NotEqual(_) | Condition::In(_));
            let (allowed, feature) = if comparison {
                (rule.comparison, "comparison")
            } else if equality {
                (rule.equality, "equality")
            } else {
                (true, "")
            };
            if allowed {
                return Ok(());
            }
            Err(FilterError::new(not_allowed(op.operator(), &attribute.name, index, rule, feature)))
        }
        _ => {
            if rule_for(rules, "_geo").is_none() {
                let patterns = rules.iter().flat_map(|r| &r.patterns).map(String::as_str);
                return Err(not_filterable("_geo/_geojson", &crate::filter::Span::detached(), patterns));
            }
            Err(FilterError::new("meili-lite does not support geo filters yet."))
        }
    }
}

/// Meilisearch's message for an operator a rule's features leave out.
fn not_allowed(operator: &str, attribute: &str, index: usize, rule: &FilterableRule, feature: &str) -> String {
    let mut allowed = vec!["OR", "AND", "NOT"];
    if rule.equality {
        allowed.extend(["=", "!=", "IN"]);
    }
    if rule.comparison {
        allowed.extend(["<", ">", "<=", ">=", "TO"]);
    }
    allowed.extend(["IS EMPTY", "IS NULL", "EXISTS"]);
    format!(
        "Filter operator `{operator}` is not allowed for the attribute `{attribute}`.\n  - Note: allowed operators: {}.\n  - Note: field `{attribute}` matched rule #{index} in `filterableAttributes`\n  - Hint: enable {feature} in rule #{index} by modifying the features.filter object\n  - Hint: prepend another rule matching `{attribute}` with appropriate filter features before rule #{index}",
        allowed.join(", ")
    )
}
