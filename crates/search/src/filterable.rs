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
            let matched = rules.iter().enumerate().find(|(_, r)| r.matches(&attribute.name));
            let Some((index, rule)) = matched.filter(|(_, r)| r.filters()) else {
                return Err(not_filterable(&attribute.name, &attribute.span, filter_patterns(rules)));
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
        Filter::GeoRadius { lat, lng, radius, .. } => {
            geo_filterable(rules, "_geo/_geojson", lat)?;
            crate::geo::latitude(lat)?;
            crate::geo::longitude(lng)?;
            radius.parse_finite_float().map(|_| ())
        }
        Filter::GeoBoundingBox { top_right, bottom_left } => {
            geo_filterable(rules, "_geo/_geojson", &top_right[0])?;
            for [lat, lng] in [top_right, bottom_left] {
                crate::geo::latitude(lat)?;
                crate::geo::longitude(lng)?;
            }
            Ok(())
        }
        Filter::GeoPolygon { points } => {
            let Some([first, _]) = points.first() else { return Ok(()) };
            if rule_for(rules, crate::geo::GEOJSON).is_none() {
                return Err(not_filterable(crate::geo::GEOJSON, &first.span, filter_patterns(rules)));
            }
            for [lat, lng] in points {
                crate::geo::latitude(lat)?;
                crate::geo::longitude(lng)?;
            }
            Ok(())
        }
        _ => Ok(()),
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

/// The patterns of the rules that let filtering happen, for messages.
fn filter_patterns(rules: &[FilterableRule]) -> impl Iterator<Item = &str> {
    rules.iter().filter(|r| r.filters()).flat_map(|r| r.patterns.iter().map(String::as_str))
}

/// `_geo` or `_geojson` must be filterable for a radius or box filter;
/// Meilisearch names them `name` and blames the filter's first latitude.
fn geo_filterable(rules: &[FilterableRule], name: &str, at: &crate::filter::Value) -> Result<(), FilterError> {
    match rule_for(rules, crate::geo::GEO).or_else(|| rule_for(rules, crate::geo::GEOJSON)) {
        Some(_) => Ok(()),
        None => Err(not_filterable(name, &at.span, filter_patterns(rules))),
    }
}
