//! The `fields` parameter of document reads.

use serde_json::Value;

use crate::Document;

/// Which top-level fields to return: all (`*` or absent) or a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Fields {
    #[default]
    All,
    Only(Vec<String>),
}

impl Fields {
    /// From a comma-separated list; `*` anywhere means all.
    pub fn parse(list: &str) -> Self {
        let names: Vec<String> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        Self::from_list(names)
    }

    pub fn from_list(names: Vec<String>) -> Self {
        if names.iter().any(|n| n == "*") {
            Fields::All
        } else {
            Fields::Only(names)
        }
    }

    /// `doc` with only the asked fields; a dotted name (`director.name`)
    /// reaches into objects, and into each object of an array, as
    /// Meilisearch 1.50 selects them (the tests' cases were its answers).
    pub fn project(&self, doc: Document) -> Document {
        match self {
            Fields::All => doc,
            Fields::Only(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                select(doc, &names)
            }
        }
    }
}

/// The entries of `object` that `names` ask for, whole or in part.
fn select(object: Document, names: &[&str]) -> Document {
    let mut out = Document::new();
    for (key, value) in object {
        if names.contains(&key.as_str()) {
            out.insert(key, value);
            continue;
        }
        let inner: Vec<&str> = names.iter().filter_map(|n| n.strip_prefix(key.as_str())?.strip_prefix('.')).collect();
        if inner.is_empty() {
            continue;
        }
        if let Some(kept) = select_value(value, &inner) {
            out.insert(key, kept);
        }
    }
    out
}

/// The part of `value` that `names` (relative to it) ask for, if any.
fn select_value(value: Value, names: &[&str]) -> Option<Value> {
    match value {
        Value::Object(object) => {
            let kept = select(object, names);
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        // As Meilisearch 1.50 answers: once one item has something asked
        // for, every item stays, objects cut down (to `{}` if need be) and
        // other values whole.
        Value::Array(items) => {
            let mut found = false;
            let kept: Vec<Value> = items
                .into_iter()
                .map(|item| match item {
                    Value::Object(object) => {
                        let kept = select(object, names);
                        found |= !kept.is_empty();
                        Value::Object(kept)
                    }
                    Value::Array(_) => match select_value(item.clone(), names) {
                        Some(kept) => {
                            found = true;
                            kept
                        }
                        None => item,
                    },
                    other => other,
                })
                .collect();
            found.then_some(Value::Array(kept))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn project(fields: &[&str], doc: Value) -> Value {
        let Value::Object(doc) = doc else { unreachable!() };
        Value::Object(Fields::from_list(fields.iter().map(|f| f.to_string()).collect()).project(doc))
    }

    #[test]
    fn dotted_names_reach_into_objects_and_arrays() {
        let doc = json!({
            "title": "t", "director": {"name": "n", "country": "c"},
            "cast": [{"name": "a", "role": "x"}, {"role": "y"}, 3],
            "a.b": 1,
        });
        assert_eq!(
            project(&["title", "director.name", "cast.name", "a.b"], doc.clone()),
            json!({"title": "t", "director": {"name": "n"}, "cast": [{"name": "a"}, {}, 3], "a.b": 1})
        );
        assert_eq!(project(&["director"], doc.clone()), json!({"director": {"name": "n", "country": "c"}}));
        assert_eq!(project(&["director.nope", "title.x", "cast.nope"], doc), json!({}));
        let nested = json!({"d": {"o": {"p": 1}}, "n": [[{"k": 1, "j": 2}]]});
        assert_eq!(project(&["d.o.p", "n.k", "d.q"], nested), json!({"d": {"o": {"p": 1}}, "n": [[{"k": 1}]]}));
    }
}
