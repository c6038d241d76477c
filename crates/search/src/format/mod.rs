//! A hit as Meilisearch shows it: `_formatted` (highlighted, cropped, numbers
//! as strings) and `_matchesPosition` (byte offsets of every match).

mod crop;
mod matcher;

pub use crop::Style;
pub use matcher::{Match, Matcher, Tokens};

use serde_json::{json, Map, Value};

use crate::analyzer::Analyzer;
use crate::query::Query;
use crate::Settings;

/// What `_formatted` and `_matchesPosition` are asked to show.
#[derive(Debug, Clone)]
pub struct FormatOptions {
    pub attributes_to_highlight: Vec<String>,
    /// Attributes and their own crop length (`"overview:5"`).
    pub attributes_to_crop: Vec<(String, Option<usize>)>,
    pub crop_length: usize,
    pub crop_marker: String,
    pub highlight_pre_tag: String,
    pub highlight_post_tag: String,
}

/// Formats the hits of one search.
#[derive(Debug)]
pub struct Formatter {
    matcher: Matcher,
    analyzer: Analyzer,
    options: FormatOptions,
}

/// `path` is `pattern`, or lies under it, or holds it.
fn applies(pattern: &str, path: &str) -> bool {
    let under = |a: &str, b: &str| a == b || a.strip_prefix(b).is_some_and(|r| r.starts_with('.'));
    pattern == "*" || under(path, pattern) || under(pattern, path)
}

impl Formatter {
    pub fn new(query: &Query, settings: &Settings, options: FormatOptions) -> Self {
        // No stop words here: Meilisearch highlights with separators and
        // dictionary only.
        let analyzer = Analyzer::new(&Settings { stop_words: Default::default(), ..settings.clone() });
        Self { matcher: Matcher::new(query, &settings.typo_tolerance, &settings.synonyms), analyzer, options }
    }

    /// Whether `_formatted` is shown: some attribute is to be highlighted or
    /// cropped.
    pub fn wants_formatted(&self, displayed: &[&str]) -> bool {
        let patterns =
            self.options.attributes_to_highlight.iter().chain(self.options.attributes_to_crop.iter().map(|(a, _)| a));
        patterns.into_iter().any(|p| p == "*" || displayed.iter().any(|d| applies(p, d)))
    }

    /// `_formatted`: the `retrieved` attributes and the highlighted or
    /// cropped ones, among the document's `displayed` fields.
    pub fn formatted(&self, document: &Map<String, Value>, retrieved: &dyn Fn(&str) -> bool) -> Map<String, Value> {
        self.analyzer.with(|tokenizer| {
            let mut out = Map::new();
            for (key, value) in document {
                let formatted = self.options.attributes_to_highlight.iter().any(|p| applies(p, key))
                    || self.options.attributes_to_crop.iter().any(|(p, _)| applies(p, key));
                if retrieved(key) || formatted {
                    out.insert(key.clone(), self.format_value(tokenizer, key, value));
                }
            }
            out
        })
    }

    fn style(&self, path: &str) -> Style<'_> {
        let crop = self.options.attributes_to_crop.iter().find(|(p, _)| applies(p, path));
        Style {
            highlight: self.options.attributes_to_highlight.iter().any(|p| applies(p, path)),
            crop: crop.map(|(_, n)| n.unwrap_or(self.options.crop_length)),
            pre_tag: &self.options.highlight_pre_tag,
            post_tag: &self.options.highlight_post_tag,
            marker: &self.options.crop_marker,
        }
    }

    fn format_value(&self, tokenizer: &charabia::Tokenizer<'_>, path: &str, value: &Value) -> Value {
        match value {
            Value::String(text) => {
                let style = self.style(path);
                if !style.highlight && style.crop.is_none() {
                    return value.clone();
                }
                let tokens = Tokens::new(tokenizer, text);
                let matches = self.matcher.matches(&tokens);
                Value::String(crop::render(text, &tokens, &matches, style))
            }
            Value::Number(n) => {
                let text = n.to_string();
                let style = self.style(path);
                if !style.highlight {
                    return Value::String(text);
                }
                let tokens = Tokens::new(tokenizer, &text);
                let matches = self.matcher.matches(&tokens);
                Value::String(crop::render(&text, &tokens, &matches, Style { crop: None, ..style }))
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.format_value(tokenizer, path, v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter().map(|(k, v)| (k.clone(), self.format_value(tokenizer, &format!("{path}.{k}"), v))).collect(),
            ),
            other => other.clone(),
        }
    }

    /// `_matchesPosition` of every displayed field of `document`.
    pub fn matches_position(&self, document: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        if self.matcher.is_empty() {
            return out;
        }
        self.analyzer.with(|tokenizer| {
            for (key, value) in document {
                self.positions(tokenizer, key, value, &mut Vec::new(), &mut out);
            }
        });
        out
    }

    fn positions(
        &self,
        tokenizer: &charabia::Tokenizer<'_>,
        path: &str,
        value: &Value,
        indices: &mut Vec<usize>,
        out: &mut Map<String, Value>,
    ) {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    indices.push(i);
                    self.positions(tokenizer, path, item, indices, out);
                    indices.pop();
                }
                return;
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.positions(tokenizer, &format!("{path}.{k}"), v, indices, out);
                }
                return;
            }
            _ => return,
        };
        let tokens = Tokens::new(tokenizer, &text);
        for m in self.matcher.matches(&tokens) {
            let mut position = json!({"start": m.byte_start, "length": m.byte_len});
            if !indices.is_empty() {
                position["indices"] = json!(indices);
            }
            if let Value::Array(list) = out.entry(path.to_owned()).or_insert_with(|| Value::Array(Vec::new())) {
                list.push(position);
            }
        }
    }
}

#[cfg(test)]
mod tests;
