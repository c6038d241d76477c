//! A document as search sees it: its attributes flattened to dotted paths
//! (`{"a": {"b": 1}}` has `a.b`), and the words of each, positioned as
//! Meilisearch positions them.

use charabia::{SeparatorKind, Token, TokenKind, Tokenizer};
use serde_json::{Map, Value};

/// Words further into one attribute than this are not indexed.
pub const MAX_POSITION: u32 = u16::MAX as u32;

/// A flattened attribute: its dotted path and the leaf values under it
/// (several for arrays), in document order.
#[derive(Debug)]
pub struct Attribute<'a> {
    pub path: String,
    pub values: Vec<&'a Value>,
}

/// Flattens `doc` into its attributes, in the order their paths first appear.
/// Objects nest with dots; arrays (also of objects) gather their leaves under
/// one path; `null` contributes nothing.
pub fn flatten(doc: &Map<String, Value>) -> Vec<Attribute<'_>> {
    let mut out: Vec<Attribute<'_>> = Vec::new();
    for (key, value) in doc {
        walk(key.clone(), value, &mut out);
    }
    out
}

fn walk<'a>(path: String, value: &'a Value, out: &mut Vec<Attribute<'a>>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                walk(format!("{path}.{key}"), value, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(path.clone(), item, out);
            }
        }
        Value::Null => {}
        leaf => match out.iter_mut().find(|a| a.path == path) {
            Some(attribute) => attribute.values.push(leaf),
            None => out.push(Attribute { path, values: vec![leaf] }),
        },
    }
}

/// The text of a leaf value as it is searched: strings as they are, numbers
/// and booleans as written in JSON.
pub fn leaf_text(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// Positions tokens as Meilisearch does: a word follows the previous one at
/// +1, or at +8 across a hard separator (`.`, `;`, a new array element);
/// separators and stop words are not words. Calls `f(position, token)` for
/// every word within [`MAX_POSITION`].
pub fn positioned_words<'t>(
    tokenizer: &Tokenizer<'_>,
    texts: impl IntoIterator<Item = &'t str>,
    mut f: impl FnMut(u32, &Token<'_>),
) {
    let mut position: u32 = 0;
    let mut first = true;
    let mut gap: u32 = 0;
    for text in texts {
        // Array elements are apart as if a hard separator stood between them.
        gap = gap.max(if first { 0 } else { 8 });
        for token in tokenizer.tokenize(text) {
            match token.kind {
                TokenKind::Word | TokenKind::StopWord if !token.lemma().is_empty() => {
                    if !first {
                        position += gap.max(1);
                    }
                    first = false;
                    gap = 0;
                    if position > MAX_POSITION {
                        return;
                    }
                    if token.kind == TokenKind::Word {
                        f(position, &token);
                    }
                }
                TokenKind::Separator(SeparatorKind::Hard) => gap = 8,
                TokenKind::Separator(SeparatorKind::Soft) => gap = gap.max(1),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flatten_nests_with_dots_and_gathers_arrays() {
        let doc = json!({"id": 1, "a": {"b": "x", "c": null}, "tags": ["p", "q"], "o": [{"k": "v1"}, {"k": "v2"}]});
        let flat = flatten(doc.as_object().unwrap());
        let paths: Vec<_> = flat.iter().map(|a| (a.path.as_str(), a.values.len())).collect();
        assert_eq!(paths, [("id", 1), ("a.b", 1), ("tags", 2), ("o.k", 2)]);
    }

    #[test]
    fn positions_follow_separators_and_array_elements() {
        let tokenizer = charabia::TokenizerBuilder::<Vec<u8>>::new().into_tokenizer();
        let mut seen = Vec::new();
        positioned_words(&tokenizer, ["The quick. Brown fox", "jumps"], |p, t| seen.push((p, t.lemma().to_owned())));
        assert_eq!(
            seen,
            [(0, "the".into()), (1, "quick".into()), (9, "brown".into()), (10, "fox".into()), (18, "jumps".into())]
        );
    }
}
