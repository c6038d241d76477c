//! Property tests against a plain evaluator: for random documents and
//! queries, every hit matches every query word under the typo and prefix
//! rules, and with `matchingStrategy: all` no matching document is missing.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::tests::index_of;
use crate::{MatchingStrategy, SearchRequest, Settings};

/// Optimal string alignment distance: edits and adjacent transpositions.
fn osa(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Whether document word `token` answers query word `word`, by the rules
/// the index claims: typos by length, a first-letter typo counting double,
/// and for a prefix, any beginning of the token.
fn answers(word: &str, token: &str, prefix: bool) -> bool {
    let len = word.chars().count();
    let allowed = if len >= 9 {
        2
    } else if len >= 5 {
        1
    } else {
        0
    };
    let within = |candidate: &str| {
        let d = osa(word, candidate);
        if candidate.chars().next() == word.chars().next() {
            d <= allowed
        } else {
            d <= 1 && allowed == 2
        }
    };
    if prefix {
        let chars: Vec<char> = token.chars().collect();
        (0..=chars.len()).any(|n| within(&chars[..n].iter().collect::<String>()))
    } else {
        within(token)
    }
}

fn vocabulary() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-e]{3,10}", 8..16)
}

/// A word a user might type for `w`: itself, with a letter changed or
/// dropped, or cut short.
fn typed(w: &str, kind: u8, at: usize) -> String {
    let mut chars: Vec<char> = w.chars().collect();
    let at = at % chars.len();
    match kind % 4 {
        0 => {}
        1 => chars[at] = if chars[at] == 'a' { 'b' } else { 'a' },
        2 if chars.len() > 3 => _ = chars.remove(at),
        _ => chars.truncate((at + 1).max(2)),
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hits_match_and_none_is_missing(
        vocab in vocabulary(),
        docs in prop::collection::vec(prop::collection::vec((0usize..64, 0usize..3), 0..8), 1..40),
        query in prop::collection::vec((0usize..64, 0u8..4, 0usize..16), 1..4),
        trailing_space in any::<bool>(),
    ) {
        let docs: Vec<Value> = docs.iter().enumerate().map(|(i, words)| {
            let mut fields = [String::new(), String::new(), String::new()];
            for (w, f) in words {
                fields[*f].push_str(&vocab[w % vocab.len()]);
                fields[*f].push(' ');
            }
            json!({"id": i, "a": fields[0], "b": fields[1], "c": fields[2]})
        }).collect();
        let settings = Settings::default();
        let (_dir, index) = index_of(&docs, &settings);
        let words: Vec<String> = query.iter().map(|(w, k, at)| typed(&vocab[w % vocab.len()], *k, *at)).collect();
        let q = words.join(" ") + if trailing_space { " " } else { "" };
        let request = SearchRequest {
            q: Some(q.clone()),
            limit: 1000,
            matching_strategy: MatchingStrategy::All,
            ..Default::default()
        };
        let found: BTreeSet<String> = index.search(&settings, &request).unwrap().hits.into_iter().map(|h| h.id).collect();
        let expected: BTreeSet<String> = docs.iter().filter(|d| {
            let tokens: Vec<&str> = ["a", "b", "c"].iter().flat_map(|f| d[*f].as_str().unwrap().split_whitespace()).collect();
            words.iter().enumerate().all(|(i, w)| {
                let prefix = i + 1 == words.len() && !trailing_space;
                tokens.iter().any(|t| answers(w, t, prefix))
            })
        }).map(|d| d["id"].to_string()).collect();
        prop_assert_eq!(found, expected, "query {:?}", q);
    }
}
