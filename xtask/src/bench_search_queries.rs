//! The query mix of `cargo xtask bench search`, drawn from the corpus with a
//! fixed seed, so that every run and every server gets the same queries; and
//! the comparison of both servers' `facetDistribution`.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use crate::report::line;

pub const KINDS: [&str; 7] = ["one word", "two words", "prefix", "typo", "filtered", "faceted", "sorted"];
const FILTERED: usize = 4;
const FACETED: usize = 5;
const SORTED: usize = 6;
pub const PER_KIND: usize = 60;
pub const SEED: u64 = 0x00de_b1a4_5eed;
/// Words no one searches a package list for (shorter words are skipped too).
const STOP: [&str; 7] = ["with", "from", "that", "this", "into", "your", "using"];
/// `size > …` thresholds of the filtered kind (`Installed-Size`, KiB): about
/// the 10th, 35th and 75th percentiles of this corpus, so that few filtered
/// queries find nothing.
const SIZES: [u64; 3] = [10, 100, 1_000];
/// What the filtered, faceted and sorted kinds need; set on every server
/// before the queries.
pub const SETTINGS: &str = r#"{"filterableAttributes":["section","tags","size"],"sortableAttributes":["size"]}"#;
const FACETS: [&str; 2] = ["section", "tags"];
const SORT: &str = "size:desc";

/// One query of the mix: its kind, its `q`, and the filter of a filtered one.
pub struct Query {
    pub kind: usize,
    q: String,
    filter: Option<String>,
}

impl Query {
    /// The search request's body; only the kinds after `typo` add to it.
    pub fn body(&self) -> Value {
        let mut b = json!({"q": self.q, "limit": 10, "attributesToRetrieve": ["id"]});
        match self.kind {
            FILTERED => b["filter"] = json!(self.filter),
            FACETED => b["facets"] = json!(FACETS),
            SORTED => b["sort"] = json!([SORT]),
            _ => {}
        }
        b
    }

    /// The query as the report shows it: `q`, then what else it asks for.
    pub fn describe(&self) -> String {
        match (self.kind, &self.filter) {
            (FILTERED, Some(f)) => format!("{} | filter {f}", self.q),
            (FACETED, _) => format!("{} | facets {}", self.q, FACETS.join(", ")),
            (SORTED, _) => format!("{} | sort {SORT}", self.q),
            _ => self.q.clone(),
        }
    }
}

/// splitmix64: the query mix must not change with a crate's version.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

/// A summary's lowercase ASCII words of 4 letters or more, stop words out.
fn words(summary: &str) -> Vec<String> {
    summary
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 4 && w.bytes().all(|b| b.is_ascii_lowercase()) && !STOP.contains(&w.as_str()))
        .collect()
}

/// One inner letter (never the first or last) swapped with the next or replaced.
fn typo(word: &str, rng: &mut Rng) -> String {
    let mut b = word.as_bytes().to_vec();
    let p = 1 + rng.below(b.len() - 3);
    if rng.below(2) == 0 && b[p] != b[p + 1] {
        b.swap(p, p + 1);
    } else {
        b[p] = b'a' + (b[p] - b'a' + 1 + rng.below(25) as u8) % 26;
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// `PER_KIND` distinct queries of each kind, drawn from random packages'
/// summaries (`sections[i]` is package `i`'s section). The kinds are drawn in
/// order from one seeded stream, so the kinds added after `typo` left the
/// first four's queries as they were. A filtered query keeps the section of
/// the package its word came from.
pub fn queries(summaries: &[String], sections: &[Option<String>]) -> Vec<Query> {
    let words: Vec<Vec<String>> = summaries.iter().map(|s| words(s)).collect();
    let mut rng = Rng(SEED);
    let mut out = Vec::new();
    for kind in 0..KINDS.len() {
        let mut seen = HashSet::new();
        for _ in 0..PER_KIND * 1_000 {
            if seen.len() == PER_KIND {
                break;
            }
            let doc = rng.below(words.len());
            let ws = &words[doc];
            if ws.is_empty() {
                continue;
            }
            let i = rng.below(ws.len());
            let w = &ws[i];
            let (q, filter) = match kind {
                0 | FACETED | SORTED => (w.clone(), None),
                1 if i + 1 < ws.len() && ws[i + 1] != *w => (format!("{w} {}", ws[i + 1]), None),
                2 if w.len() >= 5 => (w[..3 + rng.below(w.len().min(6) - 3)].to_owned(), None),
                3 if w.len() >= 6 => (typo(w, &mut rng), None),
                FILTERED => match sections.get(doc) {
                    Some(Some(s)) => {
                        let size = SIZES[rng.below(SIZES.len())];
                        (w.clone(), Some(format!("section = \"{s}\" AND size > {size}")))
                    }
                    _ => continue,
                },
                _ => continue,
            };
            let query = Query { kind, q, filter };
            if seen.insert(query.describe()) {
                out.push(query);
            }
        }
    }
    out
}

/// A search answer's `facetDistribution.section`, if it has one.
pub fn section_facets(answer: &Value) -> Option<Value> {
    answer.get("facetDistribution").and_then(|f| f.get("section")).cloned()
}

/// How many faceted queries got the same `facetDistribution.section` from
/// both servers, as a report row; the first differences below the table, and
/// every faceted query's two distributions in `target/bench/search-facets.tsv`.
pub fn compare_facets(queries: &[Query], lite: &[Option<Value>], anchor: &[Option<Value>]) -> Vec<String> {
    let faceted: Vec<usize> = (0..queries.len()).filter(|&i| queries[i].kind == FACETED).collect();
    let (mut same, mut empty, mut tsv, mut diffs) = (0, 0, String::new(), Vec::new());
    let counts = |v: &Option<Value>| v.as_ref().and_then(Value::as_object).cloned().unwrap_or_default();
    for &i in &faceted {
        let (l, a) = (lite.get(i).cloned().flatten(), anchor.get(i).cloned().flatten());
        let identical = l.is_some() && l == a;
        same += usize::from(identical);
        empty += usize::from(counts(&a).is_empty());
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "none".into(), Value::to_string);
        tsv.push_str(&format!("{}\t{identical}\t{}\t{}\n", queries[i].q, show(&l), show(&a)));
        if !identical {
            diffs.push(format!("- `{}`: {}", queries[i].q, differences(&counts(&l), &counts(&a))));
        }
    }
    let path = crate::root().join("target/bench/search-facets.tsv");
    if let Err(e) = std::fs::write(&path, tsv) {
        eprintln!("warning: writing {}: {e}", path.display());
    }
    line(format!(
        "| identical facetDistribution.section, faceted | {same} of {} ({empty} empty for Meilisearch) | | |",
        faceted.len()
    ));
    if !diffs.is_empty() {
        let head = format!(
            "\nfacetDistribution.section differs for {} queries (value meili-lite/Meilisearch):\n",
            diffs.len()
        );
        diffs.truncate(5);
        diffs.insert(0, head);
    }
    diffs
}

/// Up to 6 section values whose counts differ, as `value lite/anchor`.
fn differences(l: &Map<String, Value>, a: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = l.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&Value>| v.map_or_else(|| "–".into(), Value::to_string);
    let diff: Vec<String> = keys
        .into_iter()
        .filter(|k| l.get(*k) != a.get(*k))
        .map(|k| format!("{k} {}/{}", show(l.get(k)), show(a.get(k))))
        .collect();
    if diff.is_empty() {
        return "no facetDistribution.section in one answer or both".into();
    }
    let more = if diff.len() > 6 { format!(", … ({} values in all)", diff.len()) } else { String::new() };
    diff[..diff.len().min(6)].join(", ") + &more
}
