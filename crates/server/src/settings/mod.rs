//! Index settings as Meilisearch 1.50 has them: which exist, the route and
//! write method of each, reading a request body into a settings change with
//! Meilisearch's error codes and messages, and the settings an index shows
//! ([`view`]).
//!
//! A change has two forms. `details` is what the task shows: the keys sent,
//! in Meilisearch's key order, each value as Meilisearch echoes it (partial
//! objects stay partial, sets are sorted). `apply` is what the task merges
//! into the stored settings (`documents::Store::update_settings`): the same,
//! normalized as Meilisearch stores it (`*` in displayed/searchable
//! attributes means the default, stop words are lowercased, locales become
//! ISO 639-3). In both, `null` resets a setting.

mod embedders;
mod lists;
mod nested;
mod ranking;
#[cfg(test)]
mod tests;
mod view;

use serde_json::{Map, Value};
use task_model::Code;

pub(crate) use view::{effective, effective_one};

use crate::json::{boolean, choice, string, string_set, unknown_field, unsigned, Invalid, Parsed, Path};
use crate::Error;

/// One setting: its key in the settings object, its sub-route, its error code.
#[derive(Debug)]
pub(crate) struct Setting {
    pub key: &'static str,
    /// `/indexes/{uid}/settings/{route}`.
    pub route: &'static str,
    /// Written with `PATCH` (merged) rather than `PUT`.
    pub patch: bool,
    pub code: Code,
    /// Shown by `GET /indexes/{uid}/settings` (the experimental ones are not).
    pub listed: bool,
    read: fn(&Value, &Path) -> Parsed<Value>,
}

const fn setting(
    key: &'static str,
    route: &'static str,
    patch: bool,
    code: Code,
    read: fn(&Value, &Path) -> Parsed<Value>,
) -> Setting {
    Setting { key, route, patch, code, listed: true, read }
}

const fn experimental(setting: Setting) -> Setting {
    Setting { listed: false, ..setting }
}

fn string_set_value(v: &Value, p: &Path) -> Parsed<Value> {
    string_set(v, p).map(Value::from)
}

/// Every setting, in Meilisearch's key order.
pub(crate) const SETTINGS: &[Setting] = &[
    setting(
        "displayedAttributes",
        "displayed-attributes",
        false,
        Code::InvalidSettingsDisplayedAttributes,
        lists::attribute_list,
    ),
    setting(
        "searchableAttributes",
        "searchable-attributes",
        false,
        Code::InvalidSettingsSearchableAttributes,
        lists::attribute_list,
    ),
    setting(
        "filterableAttributes",
        "filterable-attributes",
        false,
        Code::InvalidSettingsFilterableAttributes,
        lists::filterable_attributes,
    ),
    setting(
        "sortableAttributes",
        "sortable-attributes",
        false,
        Code::InvalidSettingsSortableAttributes,
        string_set_value,
    ),
    experimental(setting(
        "foreignKeys",
        "foreign-keys",
        false,
        Code::InvalidSettingsForeignKeys,
        embedders::foreign_keys,
    )),
    setting("rankingRules", "ranking-rules", false, Code::InvalidSettingsRankingRules, ranking::ranking_rules),
    setting("stopWords", "stop-words", false, Code::InvalidSettingsStopWords, string_set_value),
    setting(
        "nonSeparatorTokens",
        "non-separator-tokens",
        false,
        Code::InvalidSettingsNonSeparatorTokens,
        string_set_value,
    ),
    setting("separatorTokens", "separator-tokens", false, Code::InvalidSettingsSeparatorTokens, string_set_value),
    setting("dictionary", "dictionary", false, Code::InvalidSettingsDictionary, string_set_value),
    setting("synonyms", "synonyms", false, Code::InvalidSettingsSynonyms, lists::synonyms),
    setting("distinctAttribute", "distinct-attribute", false, Code::InvalidSettingsDistinctAttribute, |v, p| {
        string(v, p).map(Value::from)
    }),
    setting("proximityPrecision", "proximity-precision", false, Code::InvalidSettingsProximityPrecision, |v, p| {
        choice(v, p, &["byWord", "byAttribute"]).map(Value::from)
    }),
    setting("typoTolerance", "typo-tolerance", true, Code::InvalidSettingsTypoTolerance, nested::typo_tolerance),
    setting("faceting", "faceting", true, Code::InvalidSettingsFaceting, nested::faceting),
    setting("pagination", "pagination", true, Code::InvalidSettingsPagination, nested::pagination),
    setting("embedders", "embedders", true, Code::InvalidSettingsEmbedders, embedders::embedders),
    setting("searchCutoffMs", "search-cutoff-ms", false, Code::InvalidSettingsSearchCutoffMs, |v, p| {
        unsigned(v, p, u64::MAX).map(Value::from)
    }),
    setting(
        "localizedAttributes",
        "localized-attributes",
        false,
        Code::InvalidSettingsLocalizedAttributes,
        lists::localized_attributes,
    ),
    setting("facetSearch", "facet-search", false, Code::InvalidSettingsFacetSearch, |v, p| {
        boolean(v, p).map(Value::from)
    }),
    setting("prefixSearch", "prefix-search", false, Code::InvalidSettingsPrefixSearch, |v, p| {
        choice(v, p, &["indexingTime", "disabled"]).map(Value::from)
    }),
    experimental(setting("chat", "chat", true, Code::InvalidSettingsIndexChat, embedders::chat)),
];

/// The setting of a sub-route (`ranking-rules`), if there is one.
pub(crate) fn by_route(route: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.route == route)
}

fn by_key(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// A settings change, as the task shows it and as it applies it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub details: Map<String, Value>,
    pub apply: Map<String, Value>,
}

impl Change {
    /// From values in `details` form, ordered as Meilisearch orders keys.
    fn new(mut read: Map<String, Value>) -> Self {
        let mut change = Change { details: Map::new(), apply: Map::new() };
        for setting in SETTINGS {
            if let Some(value) = read.remove(setting.key) {
                change.apply.insert(setting.key.to_owned(), as_stored(setting.key, &value));
                change.details.insert(setting.key.to_owned(), as_shown_in_task(setting.key, value));
            }
        }
        change
    }
}

/// A reset shows the wildcard attributes as `["*"]`, as Meilisearch does.
fn as_shown_in_task(key: &str, value: Value) -> Value {
    match (key, value) {
        ("displayedAttributes" | "searchableAttributes", Value::Null) => Value::from(vec!["*"]),
        (_, value) => value,
    }
}

fn as_stored(key: &str, value: &Value) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    match key {
        "displayedAttributes" | "searchableAttributes" => lists::wildcard_as_stored(value),
        "stopWords" => lists::words_as_stored(value),
        "typoTolerance" => nested::typo_as_stored(value),
        "localizedAttributes" => lists::localized_as_stored(value),
        _ => value.clone(),
    }
}

fn refused(setting: &Setting, invalid: Invalid) -> Error {
    Error::new(setting.code, invalid.0)
}

/// The body of `PATCH /indexes/{uid}/settings`.
/// A settings object, as `PATCH /indexes/{uid}/settings` takes it, checked
/// and made into what the document store merges (a dump's import uses it).
pub fn checked_settings(body: &Value) -> Result<Map<String, Value>, Error> {
    Ok(read_all(body)?.apply)
}

pub(crate) fn read_all(body: &Value) -> Result<Change, Error> {
    let root = Path::root();
    let Value::Object(map) = body else {
        return Err(Error::new(Code::BadRequest, crate::json::wrong_type(&root, "an object", body).0));
    };
    let mut read = Map::new();
    for (key, value) in map {
        let Some(setting) = by_key(key) else {
            let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            return Err(Error::new(Code::BadRequest, unknown_field(&root, key, &keys).0));
        };
        read.insert(key.clone(), read_value(setting, value, &root.key(key))?);
    }
    validate(&read)?;
    Ok(Change::new(read))
}

/// The body of a sub-route's `PUT` or `PATCH`; `null` resets the setting.
pub(crate) fn read_one(setting: &Setting, body: &Value) -> Result<Change, Error> {
    let mut read = Map::new();
    read.insert(setting.key.to_owned(), read_value(setting, body, &Path::root())?);
    validate(&read)?;
    Ok(Change::new(read))
}

fn read_value(setting: &Setting, value: &Value, path: &Path) -> Result<Value, Error> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    (setting.read)(value, path).map_err(|e| refused(setting, e))
}

/// What Meilisearch checks once the whole body is read, in its order.
fn validate(read: &Map<String, Value>) -> Result<(), Error> {
    let feature = |e: Invalid| Error::new(Code::FeatureNotEnabled, e.0);
    if let Some(embedders) = read.get("embedders") {
        embedders::check_embedder_features(embedders).map_err(feature)?;
    }
    if read.get("chat").is_some_and(|v| !v.is_null()) {
        return Err(feature(embedders::chat_feature_off()));
    }
    if read.get("foreignKeys").is_some_and(|v| !v.is_null()) {
        return Err(feature(embedders::foreign_keys_feature_off()));
    }
    if let Some(rules) = read.get("rankingRules") {
        ranking::check_mix(rules).map_err(|e| Error::new(Code::InvalidSettingsRankingRules, e.0))?;
    }
    Ok(())
}

/// `DELETE /indexes/{uid}/settings`: every setting back to its default.
pub(crate) fn reset_all() -> Change {
    Change::new(SETTINGS.iter().map(|s| (s.key.to_owned(), Value::Null)).collect())
}

/// `DELETE /indexes/{uid}/settings/{route}`.
pub(crate) fn reset_one(setting: &Setting) -> Change {
    let mut read = Map::new();
    read.insert(setting.key.to_owned(), Value::Null);
    Change::new(read)
}
