//! Differential test of filters: random documents (numbers, strings, arrays,
//! nulls, empty values, missing and nested attributes) and random filters;
//! the documents a filter selects through the index are exactly those a
//! plain evaluator over the documents selects, and their facet counts are
//! the counts computed from those documents.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::tests::index_of;
use crate::{SearchRequest, Settings};

const ATTRIBUTES: &[&str] = &["n", "s", "tags", "o.k", "maybe"];
const WORDS: &[&str] = &["Red", "red ", "blue", "Green", ""];

/// A filter and how a plain evaluator reads it.
#[derive(Debug, Clone)]
enum F {
    Eq(&'static str, String),
    Ne(&'static str, String),
    Cmp(&'static str, &'static str, i64),
    Between(&'static str, i64, i64),
    Exists(&'static str),
    IsNull(&'static str),
    IsEmpty(&'static str),
    In(&'static str, Vec<String>),
    Not(Box<F>),
    And(Box<F>, Box<F>),
    Or(Box<F>, Box<F>),
}

fn quoted(v: &str) -> String {
    format!("'{}'", v.replace('\'', "\\'"))
}

impl F {
    fn text(&self) -> String {
        match self {
            F::Eq(a, v) => format!("{a} = {}", quoted(v)),
            F::Ne(a, v) => format!("{a} != {}", quoted(v)),
            F::Cmp(a, op, n) => format!("{a} {op} {n}"),
            F::Between(a, x, y) => format!("{a} {x} TO {y}"),
            F::Exists(a) => format!("{a} EXISTS"),
            F::IsNull(a) => format!("{a} IS NULL"),
            F::IsEmpty(a) => format!("{a} IS EMPTY"),
            F::In(a, vs) => format!("{a} IN [{}]", vs.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", ")),
            F::Not(f) => format!("NOT ({})", f.text()),
            F::And(x, y) => format!("({}) AND ({})", x.text(), y.text()),
            F::Or(x, y) => format!("({}) OR ({})", x.text(), y.text()),
        }
    }

    fn holds(&self, doc: &Map<String, Value>) -> bool {
        let values = |a: &str| leaves(lookup(doc, a));
        let equals = |a: &str, v: &str| {
            values(a).iter().any(|x| match x {
                Value::String(s) => s.trim().to_lowercase() == v.trim().to_lowercase(),
                Value::Bool(b) => b.to_string() == v.trim().to_lowercase(),
                Value::Number(n) => v.trim().parse::<f64>().ok() == n.as_f64(),
                _ => false,
            })
        };
        let numbers = |a: &str| values(a).iter().filter_map(|x| x.as_f64()).collect::<Vec<f64>>();
        match self {
            F::Eq(a, v) => equals(a, v),
            F::Ne(a, v) => !equals(a, v),
            F::Cmp(a, op, n) => numbers(a).iter().any(|x| {
                let n = *n as f64;
                match *op {
                    ">" => *x > n,
                    ">=" => *x >= n,
                    "<" => *x < n,
                    _ => *x <= n,
                }
            }),
            F::Between(a, x, y) => numbers(a).iter().any(|v| *v >= *x as f64 && *v <= *y as f64),
            F::Exists(a) => lookup(doc, a).is_some(),
            F::IsNull(a) => matches!(lookup(doc, a), Some(Value::Null)),
            F::IsEmpty(a) => match lookup(doc, a) {
                Some(Value::String(s)) => s.is_empty(),
                Some(Value::Array(v)) => v.is_empty(),
                Some(Value::Object(m)) => m.is_empty(),
                _ => false,
            },
            F::In(a, vs) => vs.iter().any(|v| equals(a, v)),
            F::Not(f) => !f.holds(doc),
            F::And(x, y) => x.holds(doc) && y.holds(doc),
            F::Or(x, y) => x.holds(doc) || y.holds(doc),
        }
    }
}

/// How many of the `found` documents hold each value of `attribute`
/// (strings trimmed and lower-cased, numbers as Meilisearch prints them).
fn facet_counts(docs: &[Value], found: &BTreeSet<String>, attribute: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for doc in docs.iter().filter(|d| found.contains(&d["id"].to_string())) {
        let mut seen = BTreeSet::new();
        for v in leaves(lookup(doc.as_object().unwrap(), attribute)) {
            let key = match v {
                Value::String(s) => s.trim().to_lowercase(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => Value::from(n.as_f64().unwrap()).to_string().trim_end_matches(".0").to_owned(),
                _ => continue,
            };
            if !key.is_empty() {
                seen.insert(key);
            }
        }
        for key in seen {
            *counts.entry(key).or_insert(0) += 1;
        }
    }
    counts
}

fn lookup<'d>(doc: &'d Map<String, Value>, path: &str) -> Option<&'d Value> {
    match path.split_once('.') {
        Some((head, rest)) => match doc.get(head)? {
            Value::Object(inner) => lookup(inner, rest),
            _ => None,
        },
        None => doc.get(path),
    }
}

fn leaves(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        (-3i64..6).prop_map(|n| json!(n)),
        prop::sample::select(WORDS).prop_map(|w| json!(w)),
        Just(Value::Null),
        any::<bool>().prop_map(|b| json!(b)),
    ];
    prop_oneof![4 => leaf.clone(), 1 => prop::collection::vec(leaf, 0..3).prop_map(Value::Array)]
}

fn document() -> impl Strategy<Value = Map<String, Value>> {
    (prop::option::of(value()), prop::option::of(value()), prop::option::of(value()), prop::option::of(value()))
        .prop_map(|(n, s, tags, k)| {
            let mut doc = Map::new();
            for (key, v) in [("n", n), ("s", s), ("tags", tags)] {
                if let Some(v) = v {
                    doc.insert(key.into(), v);
                }
            }
            if let Some(k) = k {
                doc.insert("o".into(), json!({"k": k}));
            }
            doc
        })
}

fn filter() -> impl Strategy<Value = F> {
    let attribute = prop::sample::select(ATTRIBUTES);
    let word = prop::sample::select(WORDS).prop_map(str::to_owned);
    let number = (-3i64..6).prop_map(|n| n.to_string());
    let operand = prop_oneof![word, number];
    let leaf = prop_oneof![
        (attribute.clone(), operand.clone()).prop_map(|(a, v)| F::Eq(a, v)),
        (attribute.clone(), operand.clone()).prop_map(|(a, v)| F::Ne(a, v)),
        (attribute.clone(), prop::sample::select(&[">", ">=", "<", "<="][..]), -3i64..6)
            .prop_map(|(a, o, n)| F::Cmp(a, o, n)),
        (attribute.clone(), -3i64..3, 0i64..6).prop_map(|(a, x, y)| F::Between(a, x, y)),
        attribute.clone().prop_map(F::Exists),
        attribute.clone().prop_map(F::IsNull),
        attribute.clone().prop_map(F::IsEmpty),
        (attribute, prop::collection::vec(operand, 1..3)).prop_map(|(a, vs)| F::In(a, vs)),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| F::Not(Box::new(f))),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| F::And(Box::new(x), Box::new(y))),
            (inner.clone(), inner).prop_map(|(x, y)| F::Or(Box::new(x), Box::new(y))),
        ]
    })
}

/// 64 cases in every test run; `cargo xtask fuzz filter` asks for more
/// through `MEILI_LITE_FILTER_CASES`.
fn cases() -> u32 {
    std::env::var("MEILI_LITE_FILTER_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn filters_select_what_a_plain_evaluator_selects(
        docs in prop::collection::vec(document(), 1..30),
        filters in prop::collection::vec(filter(), 1..6),
    ) {
        let docs: Vec<Value> = docs
            .into_iter()
            .enumerate()
            .map(|(i, mut d)| {
                d.insert("id".into(), json!(i));
                Value::Object(d)
            })
            .collect();
        let mut stored = Map::new();
        stored.insert("filterableAttributes".into(), json!(["n", "s", "tags", "o", "maybe"]));
        let settings = Settings::from_stored(&stored);
        let (_dir, index) = index_of(&docs, &settings);
        for f in filters {
            let parsed = crate::filter::parse(&f.text()).unwrap();
            let facets = Some(vec!["n".to_owned(), "s".to_owned(), "tags".to_owned()]);
            let request = SearchRequest { limit: 1000, filter: parsed, facets, ..Default::default() };
            let ranked = index.search(&settings, &request).unwrap();
            let counts = ranked.facets.clone().unwrap();
            let found: BTreeSet<String> = ranked.hits.into_iter().map(|h| h.id).collect();
            for attribute in ["n", "s", "tags"] {
                let expected = facet_counts(&docs, &found, attribute);
                let got: BTreeMap<String, u64> = counts.distribution[attribute]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| !k.trim().is_empty())
                    .map(|(k, v)| (k.trim().to_lowercase(), v.as_u64().unwrap()))
                    .collect();
                prop_assert_eq!(got, expected, "facet {} under {}", attribute, f.text());
            }
            let expected: BTreeSet<String> = docs
                .iter()
                .filter(|d| f.holds(d.as_object().unwrap()))
                .map(|d| d["id"].to_string())
                .collect();
            prop_assert_eq!(found, expected, "filter {}", f.text());
        }
    }
}
