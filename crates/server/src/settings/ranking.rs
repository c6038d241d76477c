//! `rankingRules`: the built-in rules and `field:asc` / `field:desc`, refused
//! with Meilisearch's words (which still list only the legacy rule names).

use serde_json::Value;

use crate::json::{array, invalid, string, Invalid, Parsed, Path};

/// Every built-in rule, `attribute` being the legacy one.
const BUILT_IN: &[&str] =
    &["words", "typo", "proximity", "attribute", "attributeRank", "wordPosition", "sort", "exactness"];

/// Field names that cannot be sorted on by a ranking rule.
const RESERVED: &[&str] =
    &["_geo", "_geojson", "_geoDistance", "_geoPoint", "_geoRadius", "_geoBoundingBox", "_geoPolygon"];

/// The rules, as given (duplicates are accepted, as Meilisearch does).
pub(crate) fn ranking_rules(v: &Value, path: &Path) -> Parsed<Value> {
    let mut rules = Vec::new();
    for (i, item) in array(v, path)?.iter().enumerate() {
        let at = path.index(i);
        let rule = string(item, &at)?;
        check_rule(&rule).map_err(|why| invalid(&at, &why))?;
        rules.push(Value::String(rule));
    }
    Ok(Value::Array(rules))
}

/// `attribute` cannot be mixed with `attributeRank` or `wordPosition`; this is
/// checked once the whole body is read.
pub(crate) fn check_mix(rules: &Value) -> Result<(), Invalid> {
    let names: Vec<&str> = rules.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let legacy = names.contains(&"attribute");
    let split = names.iter().any(|r| matches!(*r, "attributeRank" | "wordPosition"));
    if legacy && split {
        return Err(Invalid(
            "Mixed usage of the attribute, attributeRank, and wordPosition ranking rules. You must either use the attribute ranking rule alone or the attributeRank and wordPosition ranking rules."
                .to_owned(),
        ));
    }
    Ok(())
}

/// Why `rule` is not a ranking rule, in Meilisearch's words.
fn check_rule(rule: &str) -> Result<(), String> {
    if BUILT_IN.contains(&rule) {
        return Ok(());
    }
    let invalid_name = || {
        format!("`{rule}` ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, exactness and custom ranking rules.")
    };
    let field = match rule.rsplit_once(':') {
        Some((field, "asc" | "desc")) => field,
        _ => return Err(invalid_name()),
    };
    let for_sort = |name: &str| {
        format!("`{name}` is a reserved keyword and thus can't be used as a ranking rule. `{name}` can only be used for sorting at search time")
    };
    let for_filter = |name: &str| {
        format!("`{name}` is a reserved keyword and thus can't be used as a ranking rule. `{name}` can only be used for filtering at search time")
    };
    if field.starts_with("_geoPoint(") && field.ends_with(')') {
        // A geo point, valid or not, is for sorting at search time only.
        return Err(for_sort("_geoPoint"));
    }
    let reserved = RESERVED.contains(&field)
        || ["_geoRadius(", "_geoBoundingBox(", "_geo(", "_geoDistance("].iter().any(|p| field.starts_with(p));
    if !reserved {
        return Ok(());
    }
    Err(if field.starts_with("_geoPoint") {
        for_sort("_geoPoint")
    } else if field.starts_with("_geoRadius") {
        for_filter("_geoRadius")
    } else if field.starts_with("_geoBoundingBox") {
        for_filter("_geoBoundingBox")
    } else {
        format!("`{field}` is a reserved keyword and thus can't be used as a ranking rule")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(rules: Value, path: &Path) -> String {
        ranking_rules(&rules, path).unwrap_err().0
    }

    #[test]
    fn built_in_and_custom_rules_pass_as_given() {
        let rules = json!(["words", "words", "attribute", "title:asc", "a:b:desc", ":asc", "sort"]);
        assert_eq!(ranking_rules(&rules, &Path::root()).unwrap(), rules);
    }

    #[test]
    fn refusals_read_as_meilisearch_writes_them() {
        let whole = Path::root().key("rankingRules");
        assert_eq!(
            err(json!(["foo"]), &whole),
            "Invalid value at `.rankingRules[0]`: `foo` ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, exactness and custom ranking rules."
        );
        assert_eq!(
            err(json!(["words", "title:up"]), &Path::root()),
            "Invalid value at `[1]`: `title:up` ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, exactness and custom ranking rules."
        );
        assert_eq!(
            err(json!("words"), &whole),
            "Invalid value type at `.rankingRules`: expected an array, but found a string: `\"words\"`"
        );
        assert_eq!(
            err(json!([1]), &Path::root()),
            "Invalid value type at `[0]`: expected a string, but found a positive integer: `1`"
        );
        assert_eq!(
            err(json!(["_geo:asc"]), &Path::root()),
            "Invalid value at `[0]`: `_geo` is a reserved keyword and thus can't be used as a ranking rule"
        );
        assert_eq!(
            err(json!(["_geoPoint(1, 2):asc"]), &Path::root()),
            "Invalid value at `[0]`: `_geoPoint` is a reserved keyword and thus can't be used as a ranking rule. `_geoPoint` can only be used for sorting at search time"
        );
        assert_eq!(
            err(json!(["_geoRadius(1, 2, 3):desc"]), &Path::root()),
            "Invalid value at `[0]`: `_geoRadius` is a reserved keyword and thus can't be used as a ranking rule. `_geoRadius` can only be used for filtering at search time"
        );
    }

    #[test]
    fn legacy_attribute_does_not_mix() {
        assert!(check_mix(&json!(["attribute", "words"])).is_ok());
        assert!(check_mix(&json!(["attributeRank", "wordPosition"])).is_ok());
        let e = check_mix(&json!(["words", "attribute", "attributeRank"])).unwrap_err();
        assert_eq!(e.0, "Mixed usage of the attribute, attributeRank, and wordPosition ranking rules. You must either use the attribute ranking rule alone or the attributeRank and wordPosition ranking rules.");
    }
}
