//! The grammar, the tree and the helpers; messages captured from Meilisearch
//! are in `captured.rs`.

use serde_json::json;

use super::*;

fn parsed(filter: &str) -> Filter {
    match parse(filter) {
        Ok(Some(filter)) => filter,
        other => panic!("{filter:?} gave {other:?}"),
    }
}

fn canonical(filter: &str) -> String {
    parsed(filter).canonical_string()
}

fn error(filter: &str) -> String {
    match parse(filter) {
        Err(error) => error.message,
        Ok(other) => panic!("{filter:?} parsed as {other:?}"),
    }
}

fn name(filter: &Filter) -> &str {
    match filter {
        Filter::Condition { attribute, .. } => &attribute.name,
        other => panic!("not a condition: {other:?}"),
    }
}

#[test]
fn every_operator() {
    for (filter, expected) in [
        ("a = 1", r#""a" = "1""#),
        ("a != 1", r#""a" != "1""#),
        ("a > 1", r#""a" > "1""#),
        ("a >= 1", r#""a" >= "1""#),
        ("a < 1", r#""a" < "1""#),
        ("a <= 1", r#""a" <= "1""#),
        ("a=1", r#""a" = "1""#),
        ("a 1 TO 2.5", r#""a" "1" TO "2.5""#),
        ("a EXISTS", r#""a" EXISTS"#),
        ("a NOT EXISTS", r#"NOT ("a" EXISTS)"#),
        ("a IS NULL", r#""a" IS NULL"#),
        ("a IS NOT NULL", r#"NOT ("a" IS NULL)"#),
        ("a IS EMPTY", r#""a" IS EMPTY"#),
        ("a IS NOT EMPTY", r#"NOT ("a" IS EMPTY)"#),
        ("a IN [1, 'b', \"c\",]", r#""a" IN ["1", "b", "c"]"#),
        ("a NOT IN []", r#"NOT ("a" IN [])"#),
        ("a CONTAINS b", r#""a" CONTAINS "b""#),
        ("a NOT CONTAINS b", r#"NOT ("a" CONTAINS "b")"#),
        ("a STARTS WITH b", r#""a" STARTS WITH "b""#),
        ("a NOT STARTS WITH b", r#"NOT ("a" STARTS WITH "b")"#),
        ("NOT a = 1", r#"NOT ("a" = "1")"#),
        ("NOT NOT a = 1", r#""a" = "1""#),
        ("NOT NOT NOT a = 1", r#"NOT ("a" = "1")"#),
        ("NOT(a = 1)", r#"NOT ("a" = "1")"#),
        ("a.b.c = x", r#""a.b.c" = "x""#),
        ("'a b' = \"c d\"", r#""a b" = "c d""#),
        ("_geoRadius(45.4, -3.2e1, 2000)", "_geoRadius(45.4, -3.2e1, 2000)"),
        ("_geoRadius( 1 , 2 , 3 , 40 )", "_geoRadius(1, 2, 3, 40)"),
        ("_geoBoundingBox([1, 2], [-3, .4])", "_geoBoundingBox([1, 2], [-3, .4])"),
        ("_geoPolygon([1,2],[3,4],[5,6],)", "_geoPolygon([1, 2], [3, 4], [5, 6])"),
        ("_vectors EXISTS", "_vectors EXISTS"),
        ("_vectors.e NOT EXISTS", r#"NOT (_vectors."e" EXISTS)"#),
        ("_vectors.e.fragments.'f g' EXISTS", r#"_vectors."e".fragments."f g" EXISTS"#),
        ("_vectors.e.regenerate EXISTS", r#"_vectors."e".regenerate EXISTS"#),
        ("_foreign(a, b = 1 OR c = 2)", r#"_foreign("a", ("b" = "1") OR ("c" = "2"))"#),
    ] {
        assert_eq!(canonical(filter), expected, "{filter:?}");
    }
}

#[test]
fn and_binds_tighter_than_or() {
    for (filter, expected) in [
        ("a = 1 OR b = 2 AND c = 3", r#"("a" = "1") OR (("b" = "2") AND ("c" = "3"))"#),
        ("a = 1 AND b = 2 OR c = 3", r#"(("a" = "1") AND ("b" = "2")) OR ("c" = "3")"#),
        ("(a = 1 OR b = 2) AND c = 3", r#"(("a" = "1") OR ("b" = "2")) AND ("c" = "3")"#),
        ("a = 1 OR b = 2 OR c = 3", r#"("a" = "1") OR ("b" = "2") OR ("c" = "3")"#),
        ("NOT a = 1 AND b = 2", r#"(NOT ("a" = "1")) AND ("b" = "2")"#),
        ("NOT (a = 1 AND b = 2)", r#"NOT (("a" = "1") AND ("b" = "2"))"#),
        ("a = 1 AND (b = 2 AND c = 3)", r#"("a" = "1") AND (("b" = "2") AND ("c" = "3"))"#),
        ("((a = 1))", r#""a" = "1""#),
    ] {
        assert_eq!(canonical(filter), expected, "{filter:?}");
    }
    let Filter::Or(members) = parsed("a = 1 OR b = 2 AND c = 3") else { panic!("not an OR") };
    assert_eq!(name(&members[0]), "a");
    let Filter::And(inner) = &members[1] else { panic!("not an AND") };
    assert_eq!((name(&inner[0]), name(&inner[1])), ("b", "c"));
}

#[test]
fn keywords_are_case_sensitive() {
    // `and` is read as a value, then the rest is left over.
    assert!(error("a = 1 and b = 2").starts_with("Found unexpected characters at the end of the filter: `and b = 2`."));
    assert!(error("a exists").starts_with("Was expecting an operation"));
    let Filter::Condition { op: Condition::Equal(value), .. } = parsed("a = and") else { panic!("not an equality") };
    assert_eq!(value.raw, "and");
}

#[test]
fn values_keep_their_text_and_quoting() {
    let value = |filter: &str| match parsed(filter) {
        Filter::Condition { op: Condition::Equal(value), .. } => value,
        other => panic!("not an equality: {other:?}"),
    };
    for (filter, raw, quoted) in [
        ("a = 2000", "2000", false),
        ("a = -1.5e3", "-1.5e3", false),
        ("a = '2000'", "2000", true),
        ("a = ''", "", true),
        (r#"a = 'it\'s'"#, "it's", true),
        (r#"a = "Le \"Grand\" Bleu""#, r#"Le "Grand" Bleu"#, true),
        (r#"a = "back\\slash""#, r"back\slash", true),
        (r#"a = "tab\tnew\nline""#, "tab\tnew\nline", true),
        (r#"a = "\u{e9}t\u00e9 \x41\101\/""#, "été AA/", true),
        ("a = 'cha)nnel'", "cha)nnel", true),
        ("a = \"I'm\"", "I'm", true),
        ("a = été", "été", false),
        ("a =\u{a0}1", "1", false),
    ] {
        let found = value(filter);
        assert_eq!((found.raw.as_str(), found.quoted), (raw, quoted), "{filter:?}");
    }
    let found = value(r#"a = "x\"y""#);
    assert_eq!((found.span.text(), found.span.column()), (r#"x\"y"#, 6));
    assert_eq!(value("a = 12").as_number(), Some(12.0));
    assert_eq!(value("a = '12'").as_number(), Some(12.0));
    assert_eq!(value("a = abc").as_number(), None);
    let big = value("a = 1e400");
    assert_eq!(
        big.parse_finite_float().map_err(|e| e.message),
        Err("Non finite floats are not supported\n5:10 a = 1e400".to_string())
    );
    assert_eq!(
        value("a = x").parse_finite_float().map_err(|e| e.message),
        Err("invalid float literal\n5:6 a = x".to_string())
    );
}

#[test]
fn spans_count_characters_from_the_last_newline() {
    let filter = parsed("a = 1 AND\n  é = 2");
    let attributes: Vec<_> = filter.attributes().map(|a| (a.name.clone(), a.span.column())).collect();
    assert_eq!(attributes, [("é".to_string(), 3), ("a".to_string(), 1)]);
    let Filter::And(members) = &filter else { panic!("not an AND") };
    let Filter::Condition { attribute, .. } = &members[1] else { panic!("not a condition") };
    assert_eq!(attribute.span.position_line(), "3:4 a = 1 AND\n  é = 2");
}

#[test]
fn array_form() {
    let filter = from_json(&json!(["a = 1", ["b = 2", "c = 3"]])).expect("valid").expect("some");
    assert_eq!(filter.canonical_string(), r#"("a" = "1") AND (("b" = "2") OR ("c" = "3"))"#);
    assert_eq!(from_json(&json!("a = 1")), Ok(Some(parsed("a = 1"))));
    assert_eq!(from_json(&json!([["a = 1"]])), Ok(Some(parsed("a = 1"))));
    assert_eq!(from_json(&json!(["", ["  ", "b = 2"]])), Ok(Some(parsed("b = 2"))));
    let nested = from_json(&json!(["a = 1 OR b = 2", "c = 3"])).expect("valid").expect("some");
    assert_eq!(nested.canonical_string(), r#"(("a" = "1") OR ("b" = "2")) AND ("c" = "3")"#);
    // Types are checked before any string is parsed.
    assert_eq!(
        from_json(&json!(["a = ", 2])).map_err(|e| e.message),
        Err("Invalid syntax for the filter parameter: `expected String, [String], found: 2`.".to_string())
    );
}

#[test]
fn fusing_search_rules() {
    let fused = |left, right| fuse_json(left, right);
    assert_eq!(fused(None, Some(json!("a = 1"))), Some(json!("a = 1")));
    assert_eq!(fused(Some(json!("a = 1")), None), Some(json!("a = 1")));
    assert_eq!(fused(Some(json!("a = 1")), Some(json!("b = 2"))), Some(json!(["a = 1", "b = 2"])));
    assert_eq!(
        fused(Some(json!(["a = 1", ["c = 3"]])), Some(json!(["b = 2"]))),
        Some(json!(["a = 1", ["c = 3"], "b = 2"]))
    );
    let combined = parsed("a = 1").and(parsed("b = 2 OR c = 3"));
    assert_eq!(combined.to_string(), "(a = 1) AND ((b = 2) OR (c = 3))");
}

#[test]
fn attributes_come_in_meilisearch_order() {
    let filter = parsed("a = 1 AND (b = 1 OR c IN [1]) AND NOT d EXISTS AND _geoRadius(1, 2, 3)");
    let names: Vec<&str> = filter.attributes().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["d", "c", "b", "a"]);
    let filter = parsed("_foreign(f, x = 1) AND y = 1");
    let names: Vec<&str> = filter.attributes().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["y", "f"]);
}

#[test]
fn experimental_features() {
    assert_eq!(parsed("a = 1 AND b STARTS WITH c").experimental_feature_error(), None);
    let error = parsed("a = 1 OR NOT b CONTAINS c").experimental_feature_error().expect("an error");
    assert!(error.message.ends_with("\n16:24 a = 1 OR NOT b CONTAINS c"), "{error}");
    // Inside `_foreign(`, Meilisearch echoes from `_foreign` on.
    let error = parsed("a = 1 AND _foreign(f, b CONTAINS c)").experimental_feature_error().expect("an error");
    assert!(error.message.ends_with("\n25:33 _foreign(f, b CONTAINS c)"), "{error}");
}

#[test]
fn display_reads_back() {
    for filter in [
        "a = 1 OR b = 2 AND NOT c IN [x, 'y z']",
        "NOT (a = 1 OR b IS NOT EMPTY) AND \"AND\" = 'OR'",
        "_geoRadius(1, 2, 3) OR _vectors.e.fragments.f EXISTS",
        "'_geoPoint' = 1 AND x = '_geoRadius'",
        r#"a = "q\"uote\\" AND b 1 TO 'two'"#,
    ] {
        let tree = parsed(filter);
        assert_eq!(parsed(&tree.to_string()), tree, "{filter:?} printed {tree}");
        assert_eq!(parsed(&tree.canonical_string()), tree.canonical(), "{filter:?}");
    }
    assert_eq!(parsed("a = 1 OR b = 'x y'").to_string(), r#"(a = 1) OR (b = "x y")"#);
}

const DEPTH_ERROR: &str = "The filter exceeded the maximum depth limit. Try rewriting the filter so that it contains fewer nested conditions.";

#[test]
fn depth_limit_as_meilisearch() {
    // Boundaries and positions captured from Meilisearch 1.50.
    let nested = |n: usize| format!("{}year = 1{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(&nested(36)).is_ok());
    assert_eq!(error(&nested(37)), format!("{DEPTH_ERROR}\n38:83 {}", nested(37)));
    let nots = |n: usize| format!("{}year = 1", "NOT ".repeat(n));
    assert!(parse(&nots(147)).is_ok());
    assert_eq!(error(&nots(148)), format!("{DEPTH_ERROR}\n593:601 {}", nots(148)));
    assert_eq!(error(&nots(149)), format!("{DEPTH_ERROR}\n597:605 {}", nots(149)));
    let chain = |n: usize| (0..n).fold("year = 1".to_string(), |f, _| format!("year = 1 AND ({f})"));
    assert!(parse(&chain(36)).is_ok());
    assert!(error(&chain(37)).starts_with(&format!("{DEPTH_ERROR}\n519:564 ")));
}

#[test]
fn ten_thousand_deep_is_refused_without_overflow() {
    let deep = [
        format!("{}a = 1{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}a = 1", "NOT ".repeat(10_000)),
        format!("{}a = 1{}", "NOT (".repeat(10_000), ")".repeat(10_000)),
        format!("{}a = 1", "(".repeat(10_000)),
        format!("{}a = 1", "_foreign(x, ".repeat(10_000)),
    ];
    // The depth limit, not the input's size, bounds the recursion: in a debug
    // build the worst (nested `_foreign(`) needs about 1 MiB of stack, well
    // within the 2 MiB of a tokio worker or a test thread (a release build
    // needs far less).
    let handle = std::thread::Builder::new()
        .stack_size(1536 * 1024)
        .spawn(move || deep.iter().map(|filter| parse(filter).map(|_| ()).map_err(|e| e.message)).collect::<Vec<_>>())
        .expect("a thread");
    let results = handle.join().expect("no overflow");
    for result in &results[..4] {
        let message = result.as_ref().expect_err("refused");
        assert!(message.starts_with(DEPTH_ERROR), "{}", &message[..200]);
    }
    // Inside `_foreign(`, Meilisearch rewords every error as a foreign one.
    let message = results[4].as_ref().expect_err("refused");
    assert!(message.starts_with("Was expecting a field name and an condition inside `_foreign(..)`"));
    let value = json!([format!("{}a = 1{}", "(".repeat(10_000), ")".repeat(10_000))]);
    assert!(from_json(&value).expect_err("refused").message.starts_with(DEPTH_ERROR));
}
