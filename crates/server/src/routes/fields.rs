//! `POST /indexes/{uid}/fields`: every attribute of the index's documents
//! and what the settings make of it, as Meilisearch 1.50 lists them.
//!
//! Meilisearch matches settings to fields in two ways, and so does this:
//! the older lists (displayed, searchable, sortable, plain filterable names)
//! cover a name and what is nested under it; the newer `attributePatterns`
//! (filterable rules, localized attributes, this route's filter) are globs
//! that never reach down into nested fields.

use hyper::StatusCode;
use serde_json::{json, Map, Value};
use task_model::Code;

use super::{blocking, index_uid};
use crate::http::json_response;
use crate::json::{array, boolean, object, string, unknown_field, unsigned, Invalid, Path};
use crate::router::{Reply, Req};
use crate::Error;

pub(crate) const BODY_FIELDS: &[&str] = &["offset", "limit", "filter"];
const FILTER_FIELDS: &[&str] =
    &["attributePatterns", "displayed", "searchable", "sortable", "distinct", "rankingRule", "filterable"];

/// The body's `filter`: every criterion given must hold.
#[derive(Debug, Default)]
struct Filter {
    patterns: Option<Vec<String>>,
    /// (`displayed`, …) → the `enabled` it must have.
    flags: Vec<(&'static str, bool)>,
}

pub(crate) async fn fields(mut req: Req, uid: &str) -> Reply {
    req.query.deny_unknown(&[])?;
    let uid = index_uid(uid)?;
    let (offset, limit, filter) = read_body(&req.json().await?)?;
    let state = req.state.clone();
    let (results, total) = blocking(move || {
        let meta = state.store.index(&uid)?;
        let settings = Settings::of(&meta.settings);
        let described: Vec<Value> = state
            .store
            .field_paths(&uid)?
            .into_iter()
            .map(|name| settings.describe(&name))
            .filter(|entry| filter.keeps(entry))
            .collect();
        let total = described.len();
        Ok((described.into_iter().skip(offset).take(limit).collect::<Vec<_>>(), total))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &json!({"results": results, "offset": offset, "limit": limit, "total": total})))
}

fn read_body(body: &Value) -> Result<(usize, usize, Filter), Error> {
    let root = Path::root();
    let bad = |code| move |e: Invalid| Error::new(code, e.0);
    let map = object(body, &root).map_err(bad(Code::BadRequest))?;
    let (mut offset, mut limit, mut filter) = (0, 20, Filter::default());
    for (key, value) in map {
        let at = root.key(key);
        match key.as_str() {
            "offset" => offset = unsigned(value, &at, u64::MAX).map_err(bad(Code::InvalidIndexOffset))? as usize,
            "limit" => limit = unsigned(value, &at, u64::MAX).map_err(bad(Code::InvalidIndexLimit))? as usize,
            "filter" if value.is_null() => {}
            "filter" => filter = read_filter(value, &at)?,
            other => return Err(bad(Code::BadRequest)(unknown_field(&root, other, BODY_FIELDS))),
        }
    }
    Ok((offset, limit, filter))
}

fn read_filter(value: &Value, at: &Path) -> Result<Filter, Error> {
    let map = object(value, at).map_err(|e| Error::new(Code::InvalidIndexFieldsFilter, e.0))?;
    let mut filter = Filter::default();
    for (key, value) in map {
        let here = at.key(key);
        let Some(&name) = FILTER_FIELDS.iter().find(|f| **f == key) else {
            return Err(Error::new(Code::InvalidIndexFieldsFilter, unknown_field(at, key, FILTER_FIELDS).0));
        };
        if value.is_null() {
            continue;
        }
        let code = match name {
            "attributePatterns" => Code::InvalidIndexFieldsFilterAttributePatterns,
            "displayed" => Code::InvalidIndexFieldsFilterDisplayed,
            "searchable" => Code::InvalidIndexFieldsFilterSearchable,
            "sortable" => Code::InvalidIndexFieldsFilterSortable,
            "distinct" => Code::InvalidIndexFieldsFilterDistinct,
            "rankingRule" => Code::InvalidIndexFieldsFilterRankingRule,
            _ => Code::InvalidIndexFieldsFilterFilterable,
        };
        let fail = |e: Invalid| Error::new(code, e.0);
        if name == "attributePatterns" {
            let items = array(value, &here).map_err(fail)?;
            let patterns = items.iter().enumerate().map(|(i, p)| string(p, &here.index(i))).collect::<Result<_, _>>();
            filter.patterns = Some(patterns.map_err(fail)?);
        } else {
            filter.flags.push((name, boolean(value, &here).map_err(fail)?));
        }
    }
    Ok(filter)
}

impl Filter {
    fn keeps(&self, entry: &Value) -> bool {
        let name = entry["name"].as_str().unwrap_or_default();
        self.patterns.as_ref().is_none_or(|ps| ps.iter().any(|p| glob(p, name)))
            && self.flags.iter().all(|(flag, wanted)| entry[*flag]["enabled"].as_bool() == Some(*wanted))
    }
}

/// `*`, `prefix*`, `*suffix`, `*infix*` or an exact name. Unlike
/// `search::facets::pattern_matches`, a lone `*` matches every field here and
/// nothing nested is implied: Meilisearch's filterable rules and this route
/// read patterns differently (both seen on the 1.50 binary).
fn glob(pattern: &str, name: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        _ if pattern == "*" => true,
        (Some(rest), Some(_)) => name.contains(&rest[..rest.len() - 1]),
        (Some(suffix), None) => name.ends_with(suffix),
        (None, Some(prefix)) => name.starts_with(prefix),
        (None, None) => pattern == name,
    }
}

/// The name itself, or a field nested under it.
fn covers(entry: &str, name: &str) -> bool {
    name.strip_prefix(entry).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn reserved(name: &str) -> bool {
    ["_geo", "_geojson", "_vectors"].iter().any(|r| covers(r, name))
}

/// The stored settings this route reads, as Meilisearch reads them here.
struct Settings<'s> {
    stored: &'s Map<String, Value>,
}

impl<'s> Settings<'s> {
    fn of(stored: &'s Map<String, Value>) -> Self {
        Self { stored }
    }

    fn list(&self, key: &str) -> Option<Vec<&'s str>> {
        let list = self.stored.get(key)?.as_array()?;
        Some(list.iter().filter_map(Value::as_str).collect())
    }

    /// Unset or `*` (anywhere) covers everything; else the names and what is
    /// nested under them.
    fn all_or_covered(&self, key: &str, name: &str) -> bool {
        match self.list(key) {
            None => true,
            Some(list) => list.iter().any(|e| *e == "*" || covers(e, name)),
        }
    }

    fn describe(&self, name: &str) -> Value {
        let vectors = covers("_vectors", name);
        let displayed = self.all_or_covered("displayedAttributes", name);
        let searchable = !reserved(name) && self.all_or_covered("searchableAttributes", name);
        let sortable = !vectors && self.list("sortableAttributes").unwrap_or_default().iter().any(|e| covers(e, name));
        let distinct = self.stored.get("distinctAttribute").and_then(Value::as_str) == Some(name);
        let ranking = self.ranking_rule(name);
        let (facet_search, equality, comparison) = if vectors { (false, false, false) } else { self.filterable(name) };
        let sort_by = if vectors { "alpha" } else { self.sort_by(name) };
        let locales = if reserved(name) { Vec::new() } else { self.locales(name) };
        json!({
            "name": name,
            "displayed": {"enabled": displayed},
            "searchable": {"enabled": searchable},
            "sortable": {"enabled": sortable},
            "distinct": {"enabled": distinct},
            "rankingRule": ranking,
            "filterable": {
                "enabled": facet_search || equality || comparison,
                "sortBy": sort_by,
                "facetSearch": facet_search,
                "equality": equality,
                "comparison": comparison,
            },
            "localized": {"locales": locales},
        })
    }

    /// `{"enabled": true, "order": "desc"}` for a `name:desc` rule.
    fn ranking_rule(&self, name: &str) -> Value {
        let rules = self.list("rankingRules").unwrap_or_default();
        let order = rules.iter().find_map(|r| {
            let (field, order) = r.rsplit_once(':')?;
            (field == name && matches!(order, "asc" | "desc")).then_some(order)
        });
        match order {
            Some(order) => json!({"enabled": true, "order": order}),
            None => json!({"enabled": false}),
        }
    }

    /// (facetSearch, equality, comparison) of the first rule matching `name`.
    fn filterable(&self, name: &str) -> (bool, bool, bool) {
        let rules = self.stored.get("filterableAttributes").and_then(Value::as_array);
        for rule in rules.into_iter().flatten() {
            match rule {
                Value::String(entry) if covers(entry, name) => return (true, true, true),
                Value::Object(rule) => {
                    let patterns = rule.get("attributePatterns").and_then(Value::as_array);
                    if !patterns.into_iter().flatten().filter_map(Value::as_str).any(|p| glob(p, name)) {
                        continue;
                    }
                    let features = rule.get("features");
                    let flag = |path: &[&str], default: bool| {
                        let at = features.and_then(|f| path.iter().try_fold(f, |v, k| v.get(k)));
                        at.and_then(Value::as_bool).unwrap_or(default)
                    };
                    return (
                        flag(&["facetSearch"], false),
                        flag(&["filter", "equality"], true),
                        flag(&["filter", "comparison"], false),
                    );
                }
                _ => {}
            }
        }
        (false, false, false)
    }

    fn sort_by(&self, name: &str) -> &'s str {
        let by = self.stored.get("faceting").and_then(|f| f.get("sortFacetValuesBy"));
        by.and_then(|b| b.get(name).or_else(|| b.get("*"))).and_then(Value::as_str).unwrap_or("alpha")
    }

    /// The first matching localized rule's locales, named as charabia names
    /// languages (`Fra`), as Meilisearch shows them on this route.
    fn locales(&self, name: &str) -> Vec<String> {
        let rules = self.stored.get("localizedAttributes").and_then(Value::as_array);
        let rule = rules.into_iter().flatten().find(|r| {
            let patterns = r.get("attributePatterns").and_then(Value::as_array);
            patterns.into_iter().flatten().filter_map(Value::as_str).any(|p| glob(p, name))
        });
        let locales = rule.and_then(|r| r.get("locales")).and_then(Value::as_array);
        locales.into_iter().flatten().filter_map(Value::as_str).map(capitalized).collect()
    }
}

fn capitalized(locale: &str) -> String {
    let mut chars = locale.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    /// The settings and expectations of a capture from Meilisearch 1.50.
    #[test]
    fn fields_read_settings_as_meilisearch_does() {
        let stored = stored(json!({
            "filterableAttributes": [
                {"attributePatterns": ["genre"], "features": {"facetSearch": true, "filter": {"equality": true, "comparison": false}}},
                {"attributePatterns": ["year", "author.*"], "features": {"facetSearch": false, "filter": {"equality": false, "comparison": true}}},
                "tags", "_geo",
                {"attributePatterns": ["ti*"], "features": {"facetSearch": false, "filter": {"equality": false, "comparison": false}}}
            ],
            "sortableAttributes": ["year", "author"],
            "distinctAttribute": "genre",
            "rankingRules": ["words", "typo", "year:desc", "id:asc", "proximity"],
            "faceting": {"sortFacetValuesBy": {"genre": "count"}},
            "localizedAttributes": [{"attributePatterns": ["title"], "locales": ["fra"]}, {"attributePatterns": ["author.*"], "locales": ["eng", "deu"]}],
            "displayedAttributes": ["title", "id", "author.name"],
            "searchableAttributes": ["title", "author"]
        }));
        let s = Settings::of(&stored);
        assert_eq!(
            s.describe("genre"),
            json!({"name":"genre","displayed":{"enabled":false},"searchable":{"enabled":false},"sortable":{"enabled":false},"distinct":{"enabled":true},"rankingRule":{"enabled":false},"filterable":{"enabled":true,"sortBy":"count","facetSearch":true,"equality":true,"comparison":false},"localized":{"locales":[]}})
        );
        assert_eq!(
            s.describe("title"),
            json!({"name":"title","displayed":{"enabled":true},"searchable":{"enabled":true},"sortable":{"enabled":false},"distinct":{"enabled":false},"rankingRule":{"enabled":false},"filterable":{"enabled":false,"sortBy":"alpha","facetSearch":false,"equality":false,"comparison":false},"localized":{"locales":["Fra"]}})
        );
        let year = s.describe("year");
        assert_eq!(
            (year["rankingRule"].clone(), year["sortable"]["enabled"].clone()),
            (json!({"enabled": true, "order": "desc"}), json!(true))
        );
        let born = s.describe("author.born");
        assert_eq!(born["localized"]["locales"], json!(["Eng", "Deu"]));
        assert_eq!(
            born["filterable"],
            json!({"enabled": true, "sortBy": "alpha", "facetSearch": false, "equality": false, "comparison": true})
        );
        assert_eq!(s.describe("author")["filterable"]["enabled"], false, "author.* does not cover author");
        assert_eq!(s.describe("_geo.lat")["filterable"]["facetSearch"], true);
        assert_eq!(s.describe("_geo")["searchable"]["enabled"], false);
    }

    #[test]
    fn filters_and_globs() {
        assert!(glob("*a*", "_geo.lat") && glob("author.*", "author.born") && !glob("author.*", "author"));
        assert!(glob("*", "x") && glob("*lat", "_geo.lat") && !glob("title", "title.x"));
        let entry = json!({"name": "year", "displayed": {"enabled": false}, "filterable": {"enabled": true}});
        let f = Filter { patterns: Some(vec!["y*".into()]), flags: vec![("displayed", false), ("filterable", true)] };
        assert!(f.keeps(&entry));
        assert!(!Filter { patterns: Some(vec![]), flags: vec![] }.keeps(&entry));
        let e = read_body(&json!({"filter": {"ranking_rule": true}})).unwrap_err().response_error();
        assert_eq!(e.code, Code::InvalidIndexFieldsFilter);
        assert!(
            e.message.starts_with("Unknown field `ranking_rule` inside `.filter`: did you mean `rankingRule`?"),
            "{}",
            e.message
        );
    }
}
