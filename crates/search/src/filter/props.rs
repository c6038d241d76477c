//! Printing a random tree and parsing it back gives the same tree, in both
//! printed forms; the canonical form's spans point at its tokens.

use proptest::prelude::*;

use super::print::is_bare_word;
use super::*;

/// Texts that stress quoting: keywords, reserved names, quotes, escapes,
/// control characters, non-ASCII letters, syntax characters, nothing.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{1,8}",
        Just(String::new()),
        prop::sample::select(vec![
            "AND",
            "OR",
            "NOT",
            "IN",
            "TO",
            "EXISTS",
            "IS",
            "NULL",
            "EMPTY",
            "CONTAINS",
            "STARTS",
            "WITH",
            "_geo",
            "_geoRadius",
            "_geoPointer",
            "_geoPolygon",
            "_vectors",
            "_vectors.x",
            "_foreign",
            "and",
            "fragments",
            "userProvided",
        ])
        .prop_map(String::from),
        "[ a-zé€🦀'\"\\\\/()=<>!,\\[\\]\t\n\u{1}\u{7f}\u{a0}]{0,10}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    (text(), any::<bool>()).prop_map(|(raw, quoted)| {
        let quoted = quoted || !is_bare_word(&raw);
        Value { raw, quoted, span: Span::detached() }
    })
}

/// Vector parts read back bare only when they are dot-free words.
fn vector_part() -> impl Strategy<Value = Value> {
    (text(), any::<bool>()).prop_map(|(raw, quoted)| {
        let word = !raw.is_empty() && raw.chars().all(|c| c.is_alphanumeric() || "_-".contains(c));
        Value { raw, quoted: quoted || !word, span: Span::detached() }
    })
}

fn number() -> impl Strategy<Value = Value> {
    "[+-]?([0-9]{1,3}(\\.[0-9]{0,2})?|\\.[0-9]{1,2})([eE][+-]?[0-9]{1,2})?".prop_map(|raw| Value {
        raw,
        quoted: false,
        span: Span::detached(),
    })
}

fn attribute() -> impl Strategy<Value = Attribute> {
    text().prop_map(|name| Attribute { name, span: Span::detached() })
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        value().prop_map(Condition::Equal),
        value().prop_map(Condition::NotEqual),
        value().prop_map(Condition::GreaterThan),
        value().prop_map(Condition::GreaterThanOrEqual),
        value().prop_map(Condition::LowerThan),
        value().prop_map(Condition::LowerThanOrEqual),
        (value(), value()).prop_map(|(from, to)| Condition::Between { from, to }),
        Just(Condition::Exists),
        Just(Condition::IsNull),
        Just(Condition::IsEmpty),
        prop::collection::vec(value(), 0..4).prop_map(Condition::In),
        value().prop_map(|value| Condition::Contains { value, keyword: Span::detached() }),
        value().prop_map(Condition::StartsWith),
    ]
}

fn point() -> impl Strategy<Value = [Value; 2]> {
    (number(), number()).prop_map(|(lat, lng)| [lat, lng])
}

fn vector_filter() -> impl Strategy<Value = VectorFilter> {
    prop_oneof![
        Just(VectorFilter::None),
        vector_part().prop_map(VectorFilter::Fragment),
        Just(VectorFilter::DocumentTemplate),
        Just(VectorFilter::UserProvided),
        Just(VectorFilter::Regenerate),
    ]
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        6 => (attribute(), condition()).prop_map(|(attribute, op)| Filter::Condition { attribute, op }),
        1 => (number(), number(), number(), prop::option::of(number())).prop_map(
            |(lat, lng, radius, resolution)| Filter::GeoRadius { lat, lng, radius, resolution }
        ),
        1 => (point(), point())
            .prop_map(|(top_right, bottom_left)| Filter::GeoBoundingBox { top_right, bottom_left }),
        1 => prop::collection::vec(point(), 3..5).prop_map(|points| Filter::GeoPolygon { points }),
        1 => Just(Filter::VectorExists { span: Span::detached(), embedder: None, filter: VectorFilter::None }),
        1 => (vector_part(), vector_filter()).prop_map(|(embedder, filter)| Filter::VectorExists {
            span: Span::detached(),
            embedder: Some(embedder),
            filter,
        }),
    ]
}

/// Trees as the parser builds them: `AND`/`OR` of two or more, no `NOT NOT`.
fn filter() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.clone().prop_map(|f| match f {
                Filter::Not(inner) => *inner,
                other => Filter::Not(Box::new(other)),
            }),
            (attribute(), inner).prop_map(|(attribute, f)| Filter::Foreign { attribute, filter: Box::new(f) }),
        ]
    })
}

/// Every attribute and value of the tree, with its span, in any order.
fn tokens(filter: &Filter, out: &mut Vec<(String, Span)>) {
    let values = |values: Vec<&Value>, out: &mut Vec<(String, Span)>| {
        out.extend(values.into_iter().map(|v| (v.raw.clone(), v.span.clone())))
    };
    match filter {
        Filter::And(members) | Filter::Or(members) => members.iter().for_each(|m| tokens(m, out)),
        Filter::Not(inner) => tokens(inner, out),
        Filter::Foreign { attribute, filter } => {
            out.push((attribute.name.clone(), attribute.span.clone()));
            tokens(filter, out);
        }
        Filter::Condition { attribute, op } => {
            out.push((attribute.name.clone(), attribute.span.clone()));
            match op {
                Condition::Equal(v)
                | Condition::NotEqual(v)
                | Condition::GreaterThan(v)
                | Condition::GreaterThanOrEqual(v)
                | Condition::LowerThan(v)
                | Condition::LowerThanOrEqual(v)
                | Condition::StartsWith(v)
                | Condition::Contains { value: v, .. } => values(vec![v], out),
                Condition::Between { from, to } => values(vec![from, to], out),
                Condition::In(list) => values(list.iter().collect(), out),
                Condition::Exists | Condition::IsNull | Condition::IsEmpty => {}
            }
        }
        Filter::GeoRadius { lat, lng, radius, resolution } => {
            values([lat, lng, radius].into_iter().chain(resolution).collect(), out)
        }
        Filter::GeoBoundingBox { top_right, bottom_left } => values(top_right.iter().chain(bottom_left).collect(), out),
        Filter::GeoPolygon { points } => values(points.iter().flatten().collect(), out),
        Filter::VectorExists { embedder, filter, .. } => {
            let fragment = match filter {
                VectorFilter::Fragment(fragment) => Some(fragment),
                _ => None,
            };
            values(embedder.iter().chain(fragment).collect(), out)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_filters_parse_back(filter in filter()) {
        let printed = filter.to_string();
        prop_assert_eq!(parse(&printed), Ok(Some(filter.clone())), "printed: {}", printed);

        let canonical = filter.canonical();
        let text = filter.canonical_string();
        prop_assert_eq!(parse(&text), Ok(Some(canonical.clone())), "canonical: {}", text);

        // Each canonical span covers its token as printed: JSON-escaped
        // attributes and values, numbers as they are.
        let mut found = Vec::new();
        tokens(&canonical, &mut found);
        for (raw, span) in found {
            prop_assert_eq!(span.source(), text.as_str());
            let printed = serde_json::Value::String(raw.clone()).to_string();
            prop_assert!(
                span.text() == &printed[1..printed.len() - 1] || span.text() == raw,
                "{:?} spans {:?} in {}", raw, span.text(), text
            );
        }
    }

    #[test]
    fn parsing_never_panics(filter in "[ a-z0-9()=<>!'\"\\\\\\[\\],._]{0,40}|(NOT |AND |OR |IN |TO |EXISTS |IS |NULL |_geoRadius\\(|_vectors\\.|_foreign\\(|\\(|\\)|x |= |'|1 |, ){0,16}") {
        let _ = parse(&filter);
    }
}
