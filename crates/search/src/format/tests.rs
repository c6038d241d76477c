//! `_formatted` and `_matchesPosition` compared with what Meilisearch 1.50
//! answered for the same documents and queries.

use serde_json::{json, Map, Value};

use super::{FormatOptions, Formatter};
use crate::analyzer::Analyzer;
use crate::query::parse;
use crate::Settings;

fn formatter(q: &str, highlight: &[&str], crop: &[(&str, Option<usize>)], crop_length: usize) -> Formatter {
    let settings = Settings::default();
    let query = Analyzer::new(&settings).with(|t| parse(q, t, true));
    let options = FormatOptions {
        attributes_to_highlight: highlight.iter().map(|s| s.to_string()).collect(),
        attributes_to_crop: crop.iter().map(|(a, n)| (a.to_string(), *n)).collect(),
        crop_length,
        crop_marker: "…".into(),
        highlight_pre_tag: "<em>".into(),
        highlight_post_tag: "</em>".into(),
    };
    Formatter::new(&query, &settings, options)
}

fn doc(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn highlight_crop_and_positions_like_meilisearch() {
    let f = formatter("batman gotham", &["*"], &[("overview", None)], 5);
    let dark_knight = doc(
        json!({"id":1,"title":"The Dark Knight","overview":"Batman raises the stakes in his war on crime in Gotham City with the help of Lieutenant Jim Gordon and District Attorney Harvey Dent.","genres":["Action","Crime","Drama"],"year":2008}),
    );
    assert_eq!(
        Value::Object(f.formatted(&dark_knight, &|_| true)),
        json!({"id":"1","title":"The Dark Knight","overview":"<em>Batman</em> raises the stakes in…","genres":["Action","Crime","Drama"],"year":"2008"})
    );
    assert_eq!(
        Value::Object(f.matches_position(&dark_knight)),
        json!({"overview":[{"start":0,"length":6},{"start":48,"length":6}]})
    );
    let the_batman = doc(
        json!({"id":4,"title":"The Batman","overview":"In his second year of fighting crime, Batman uncovers corruption in Gotham City that connects to his own family while facing the Riddler.","genres":["Crime","Mystery"],"year":2022}),
    );
    let formatted = f.formatted(&the_batman, &|_| true);
    assert_eq!(formatted["title"], "The <em>Batman</em>");
    assert_eq!(formatted["overview"], "…<em>Batman</em> uncovers corruption in <em>Gotham</em>…");
    assert_eq!(
        Value::Object(f.matches_position(&the_batman)),
        json!({"title":[{"start":4,"length":6}],"overview":[{"start":38,"length":6},{"start":68,"length":6}]})
    );
}

#[test]
fn accents_fold_and_the_original_text_is_highlighted() {
    let f = formatter("zurich cafe", &["*"], &[], 10);
    let d = doc(json!({"t": "Café Zürich straße café"}));
    assert_eq!(f.formatted(&d, &|_| true)["t"], "<em>Café</em> <em>Zürich</em> straße <em>café</em>");
    assert_eq!(
        Value::Object(f.matches_position(&d)),
        json!({"t":[{"start":0,"length":5},{"start":6,"length":7},{"start":22,"length":5}]})
    );
}

#[test]
fn prefixes_highlight_what_was_typed_and_arrays_give_indices() {
    let f = formatter("bat", &["*"], &[], 10);
    let d = doc(json!({"tags": ["cat", "Batman"]}));
    assert_eq!(f.formatted(&d, &|_| true)["tags"], json!(["cat", "<em>Bat</em>man"]));
    assert_eq!(Value::Object(f.matches_position(&d)), json!({"tags":[{"start":0,"length":3,"indices":[1]}]}));
}
