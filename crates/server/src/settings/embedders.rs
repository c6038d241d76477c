//! `embedders`, and the settings behind experimental features meili-lite
//! does not have (`chat`, `foreignKeys`): read for their shape, then refused
//! as `feature_not_enabled` the way Meilisearch refuses them when the feature
//! is off.
//!
//! meili-lite stores embedders but does not embed: only the shape of each
//! embedder is checked, not which options its source requires.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::json::{array, boolean, choice, fields, object, string, unsigned, Invalid, Parsed, Path};

const EMBEDDER_FIELDS: &[&str] = &[
    "source",
    "model",
    "revision",
    "pooling",
    "apiKey",
    "dimensions",
    "binaryQuantized",
    "documentTemplate",
    "documentTemplateMaxBytes",
    "url",
    "indexingFragments",
    "searchFragments",
    "request",
    "response",
    "headers",
    "searchEmbedder",
    "indexingEmbedder",
    "distribution",
];

const SOURCES: &[&str] = &["openAi", "huggingFace", "ollama", "userProvided", "rest", "composite"];

/// Embedders by name (sorted); `null` removes one.
pub(crate) fn embedders(v: &Value, path: &Path) -> Parsed<Value> {
    let mut sorted = BTreeMap::new();
    for (name, embedder) in object(v, path)? {
        let at = path.key(name);
        let value = if embedder.is_null() { Value::Null } else { embedder_settings(embedder, &at)? };
        sorted.insert(name.clone(), value);
    }
    Ok(serde_json::json!(sorted))
}

fn embedder_settings(v: &Value, path: &Path) -> Parsed<Value> {
    let mut read: Map<String, Value> = Map::new();
    fields(object(v, path)?, path, EMBEDDER_FIELDS, |key, value, at| {
        if !value.is_null() {
            match key {
                "source" => _ = choice(value, at, SOURCES)?,
                "pooling" => _ = choice(value, at, &["useModel", "forceMean", "forceCls"])?,
                "dimensions" | "documentTemplateMaxBytes" => _ = unsigned(value, at, u64::MAX)?,
                "binaryQuantized" => _ = boolean(value, at)?,
                "indexingFragments" | "searchFragments" | "searchEmbedder" | "indexingEmbedder" | "distribution" => {
                    _ = object(value, at)?
                }
                "headers" => {
                    for (name, header) in object(value, at)? {
                        string(header, &at.key(name))?;
                    }
                }
                "request" | "response" => {}
                _ => _ = string(value, at)?,
            }
        }
        read.insert(key.to_owned(), value.clone());
        Ok(())
    })?;
    let mut ordered = Map::new();
    for key in EMBEDDER_FIELDS {
        if let Some(value) = read.remove(*key) {
            ordered.insert((*key).to_owned(), value);
        }
    }
    Ok(Value::Object(ordered))
}

/// `chat`: an object (its fields are not read: the feature is off anyway).
pub(crate) fn chat(v: &Value, path: &Path) -> Parsed<Value> {
    object(v, path).map(|_| v.clone())
}

/// `foreignKeys`: a list (its items are not read: the feature is off anyway).
pub(crate) fn foreign_keys(v: &Value, path: &Path) -> Parsed<Value> {
    array(v, path).map(|_| v.clone())
}

fn feature_off(action: &str, feature: &str, link: &str) -> Invalid {
    Invalid(format!(
        "{action} requires enabling the `{feature}` experimental feature. See https://github.com/orgs/meilisearch/discussions/{link}"
    ))
}

/// What Meilisearch refuses in embedders while its experimental features are
/// off, in the order it checks: embedder by embedder.
pub(crate) fn check_embedder_features(embedders: &Value) -> Result<(), Invalid> {
    for embedder in embedders.as_object().into_iter().flat_map(|m| m.values()) {
        let set = |key: &str| embedder.get(key).is_some_and(|v| !v.is_null());
        if embedder.get("source").and_then(Value::as_str) == Some("composite") {
            return Err(feature_off("using `\"composite\"` as source", "composite embedders", "816"));
        }
        for (key, feature, link) in [
            ("searchEmbedder", "composite embedders", "816"),
            ("indexingEmbedder", "composite embedders", "816"),
            ("indexingFragments", "multimodal", "846"),
            ("searchFragments", "multimodal", "846"),
        ] {
            if set(key) {
                return Err(feature_off(&format!("setting `{key}`"), feature, link));
            }
        }
    }
    Ok(())
}

pub(crate) fn chat_feature_off() -> Invalid {
    feature_off("setting `chat` in the index settings", "chat completions", "835")
}

pub(crate) fn foreign_keys_feature_off() -> Invalid {
    feature_off("setting `foreignKeys` in the index settings", "foreign_keys", "873")
}

/// What `GET /indexes/{uid}/settings/chat` shows while chat is off.
pub(crate) fn default_chat() -> Value {
    serde_json::json!({
        "description": "",
        "documentTemplate": "{% for field in fields %}{% if field.is_searchable and field.value != nil %}{{ field.name }}: {{ field.value }}\n{% endif %}{% endfor %}",
        "documentTemplateMaxBytes": 400,
        "searchParameters": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn embedders_are_read_for_their_shape() {
        let root = Path::root().key("embedders");
        let good = json!({"b": {"dimensions": 3, "source": "userProvided"}, "a": null});
        assert_eq!(
            embedders(&good, &root).unwrap().to_string(),
            r#"{"a":null,"b":{"source":"userProvided","dimensions":3}}"#
        );
        assert_eq!(
            embedders(&json!({"e": {"source": "openAI"}}), &root).unwrap_err().0,
            "Unknown value `openAI` at `.embedders.e.source`: did you mean `openAi`? expected one of `openAi`, `huggingFace`, `ollama`, `userProvided`, `rest`, `composite`"
        );
        assert_eq!(
            embedders(&json!([]), &Path::root()).unwrap_err().0,
            "Invalid value type: expected an object, but found an array: `[]`"
        );
    }

    #[test]
    fn experimental_features_are_off() {
        assert_eq!(
            chat_feature_off().0,
            "setting `chat` in the index settings requires enabling the `chat completions` experimental feature. See https://github.com/orgs/meilisearch/discussions/835"
        );
        assert_eq!(
            foreign_keys_feature_off().0,
            "setting `foreignKeys` in the index settings requires enabling the `foreign_keys` experimental feature. See https://github.com/orgs/meilisearch/discussions/873"
        );
        let e = check_embedder_features(&json!({"x": {"source": "composite"}})).unwrap_err().0;
        assert_eq!(e, "using `\"composite\"` as source requires enabling the `composite embedders` experimental feature. See https://github.com/orgs/meilisearch/discussions/816");
        assert!(check_embedder_features(&json!({"x": {"source": "rest"}, "y": null})).is_ok());
    }
}
