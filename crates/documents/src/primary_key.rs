//! Which field identifies a document, and whether its value is a valid id.

use serde_json::Value;

use crate::{Document, Error};

/// Meilisearch's inference: the one top-level field whose name ends with `id`
/// (case-insensitive).
pub fn infer_primary_key(first: &Document) -> Result<String, Error> {
    let mut candidates: Vec<String> = first.keys().filter(|k| k.to_lowercase().ends_with("id")).cloned().collect();
    candidates.sort();
    match candidates.len() {
        0 => Err(Error::NoPrimaryKeyCandidate),
        1 => Ok(candidates.into_iter().next().unwrap_or_default()),
        _ => Err(Error::MultiplePrimaryKeyCandidates(candidates)),
    }
}

/// The document's id as a string: a string of `[A-Za-z0-9_-]` up to 511 bytes,
/// or an integer (negative ones too, as Meilisearch accepts them).
pub fn document_id(doc: &Document, primary_key: &str) -> Result<String, Error> {
    match doc.get(primary_key) {
        None => Err(Error::MissingDocumentId {
            primary_key: primary_key.to_owned(),
            document: Value::Object(doc.clone()).to_string(),
        }),
        Some(value) => id_from_value(value),
    }
}

pub(crate) fn id_from_value(value: &Value) -> Result<String, Error> {
    match value {
        Value::String(s) if valid_string_id(s) => Ok(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        other => Err(Error::InvalidDocumentId(other.to_string())),
    }
}

pub(crate) fn valid_string_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 511 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn inference() {
        assert_eq!(infer_primary_key(&doc(json!({"id": 1, "title": "x"}))).unwrap(), "id");
        assert_eq!(infer_primary_key(&doc(json!({"movieId": 1}))).unwrap(), "movieId");
        assert!(matches!(infer_primary_key(&doc(json!({"title": 1}))), Err(Error::NoPrimaryKeyCandidate)));
        let err = infer_primary_key(&doc(json!({"id": 1, "author_id": 2}))).unwrap_err();
        assert!(
            err.to_string().contains("found 2 fields ending with `id` in their names: 'author_id' and 'id'"),
            "{err}"
        );
    }

    #[test]
    fn ids() {
        assert_eq!(document_id(&doc(json!({"id": "ab-C_9"})), "id").unwrap(), "ab-C_9");
        assert_eq!(document_id(&doc(json!({"id": 42})), "id").unwrap(), "42");
        assert_eq!(document_id(&doc(json!({"id": -3})), "id").unwrap(), "-3");
        for bad in [json!("a b"), json!(""), json!(1.5), json!(null), json!("x".repeat(512))] {
            assert!(matches!(document_id(&doc(json!({"id": bad})), "id"), Err(Error::InvalidDocumentId(_))));
        }
        let err = document_id(&doc(json!({"title": "t"})), "id").unwrap_err();
        assert_eq!(err.to_string(), r#"Document doesn't have a `id` attribute: `{"title":"t"}`."#);
    }
}
