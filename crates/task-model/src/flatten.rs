//! Dotted-key flattening: `{"details":{"receivedDocuments":1}}` becomes
//! `{"details.receivedDocuments":1}`. This is the shape of each line of the
//! webhook payload.
//!
//! Only objects are flattened. Arrays are values and are kept as they are, so
//! `details.swaps` stays a list of pairs. An empty nested object is kept as `{}`
//! under its dotted key so that no key disappears.

use serde_json::{Map, Value};

/// Flattens `value`. A non-object is returned under the empty key.
pub fn flatten(value: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    match value {
        Value::Object(map) => flatten_into(&mut out, None, map),
        other => {
            out.insert(String::new(), other.clone());
        }
    }
    out
}

fn flatten_into(out: &mut Map<String, Value>, prefix: Option<&str>, map: &Map<String, Value>) {
    for (key, value) in map {
        let dotted = match prefix {
            Some(p) => format!("{p}.{key}"),
            None => key.clone(),
        };
        match value {
            Value::Object(inner) if !inner.is_empty() => flatten_into(out, Some(&dotted), inner),
            _ => {
                out.insert(dotted, value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn flattens_the_spec_example() {
        let task = json!({
            "uid": 4, "indexUid": "movie", "status": "failed", "type": "indexDeletion", "canceledBy": null,
            "details": {"deletedDocuments": 0},
            "error": {"message": "Index `movie` not found.", "code": "index_not_found", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#index_not_found"},
            "duration": "PT0.001192S"
        });
        let flat = Value::Object(flatten(&task)).to_string();
        assert_eq!(
            flat,
            r#"{"uid":4,"indexUid":"movie","status":"failed","type":"indexDeletion","canceledBy":null,"details.deletedDocuments":0,"error.message":"Index `movie` not found.","error.code":"index_not_found","error.type":"invalid_request","error.link":"https://docs.meilisearch.com/errors#index_not_found","duration":"PT0.001192S"}"#
        );
    }

    #[test]
    fn arrays_and_empty_objects_are_kept() {
        let v = json!({"details": {"swaps": [{"indexes": ["a", "b"]}], "settings": {}}});
        assert_eq!(
            Value::Object(flatten(&v)),
            json!({"details.swaps": [{"indexes": ["a", "b"]}], "details.settings": {}})
        );
    }

    /// Rebuilds nesting from dotted keys; the inverse of `flatten` for keys without dots.
    fn unflatten(flat: &Map<String, Value>) -> Value {
        let mut root = Map::new();
        for (key, value) in flat {
            let mut parts: Vec<&str> = key.split('.').collect();
            let last = parts.pop().unwrap();
            let mut node = &mut root;
            for p in parts {
                node = node.entry(p).or_insert_with(|| json!({})).as_object_mut().unwrap();
            }
            node.insert(last.to_owned(), value.clone());
        }
        Value::Object(root)
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_]{1,6}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn unflatten_inverts_flatten(map in prop::collection::btree_map("[a-zA-Z_]{1,6}", arb_json(), 0..6)) {
            let v = Value::Object(map.into_iter().collect());
            let flat = flatten(&v);
            prop_assert!(flat.values().all(|v| !matches!(v, Value::Object(m) if !m.is_empty())));
            prop_assert_eq!(unflatten(&flat), v);
        }
    }
}
