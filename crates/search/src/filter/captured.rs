//! Messages captured from a real Meilisearch 1.50 (`POST /indexes/x/search`
//! with each filter), compared to ours character for character. `{OPS}` and
//! `{GEO}` stand for two long fixed texts, expanded before comparing.

use super::*;

const OPS: &str = "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, `NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, `NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, `_geoBoundingBox` or `_geoPolygon`";
const GEO: &str = " is a reserved keyword and thus can't be used as a filter expression. Use the `_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], [latitude, longitude])` built-in rules to filter on `_geo` coordinates.";

/// (filter, Meilisearch's `invalid_search_filter` message)
const SYNTAX: &[(&str, &str)] = &[
    ("year >", "Was expecting a value but instead got nothing.\n7:7 year >"),
    ("year = 2000 and genre = a", "Found unexpected characters at the end of the filter: `and genre = a`. You probably forgot an `OR` or an `AND` rule.\n13:26 year = 2000 and genre = a"),
    ("year exists", "{OPS} at `year exists`.\n1:12 year exists"),
    ("year not exists", "{OPS} at `year not exists`.\n1:16 year not exists"),
    ("year is null", "{OPS} at `year is null`.\n1:13 year is null"),
    ("year in [2000]", "{OPS} at `year in [2000]`.\n1:15 year in [2000]"),
    ("year 1999 to 2001", "{OPS} at `year 1999 to 2001`.\n1:18 year 1999 to 2001"),
    ("not year = 2000", "{OPS} at `not year = 2000`.\n1:16 not year = 2000"),
    ("year = 2000 or genre = a", "Found unexpected characters at the end of the filter: `or genre = a`. You probably forgot an `OR` or an `AND` rule.\n13:25 year = 2000 or genre = a"),
    ("year contains 200", "{OPS} at `year contains 200`.\n1:18 year contains 200"),
    ("year starts with 200", "{OPS} at `year starts with 200`.\n1:21 year starts with 200"),
    ("year  STARTS  WITH 200", "{OPS} at `year  STARTS  WITH 200`.\n1:23 year  STARTS  WITH 200"),
    ("year = 2000AND genre = a", "Found unexpected characters at the end of the filter: `genre = a`. You probably forgot an `OR` or an `AND` rule.\n16:25 year = 2000AND genre = a"),
    ("year = \"2000", "Expression `\\\"2000` is missing the following closing delimiter: `\"`.\n8:13 year = \"2000"),
    ("year = '2000", "Expression `\\'2000` is missing the following closing delimiter: `'`.\n8:13 year = '2000"),
    ("_geoRadius(1, 2)", "Was expecting 3 or 4 arguments for `_geoRadius`, but instead found 2.\n17:17 _geoRadius(1, 2)"),
    ("_geoRadius(1, 2, 3, 4, 5)", "Was expecting 3 or 4 arguments for `_geoRadius`, but instead found 5.\n26:26 _geoRadius(1, 2, 3, 4, 5)"),
    ("_geoRadius(1, 2, a)", "The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.\n16:20 _geoRadius(1, 2, a)"),
    ("_geoBoundingBox([1, 2])", "The `_geoBoundingBox` filter expects two pairs of arguments: `_geoBoundingBox([latitude, longitude], [latitude, longitude])`.\n24:24 _geoBoundingBox([1, 2])"),
    ("_geoBoundingBox([1, 2, 3], [3, 4])", "Was expecting 2 coordinates but instead found 3.\n18:19 _geoBoundingBox([1, 2, 3], [3, 4])"),
    ("_geoPolygon([1, 2], [3, 4])", "The `_geoPolygon` filter expects at least 3 points but only 2 were specified\n25:26 _geoPolygon([1, 2], [3, 4])"),
    ("_geoPolygon([1, 2], [3, 4], [5, 6, 7])", "Was expecting 2 coordinates but instead found 3.\n30:31 _geoPolygon([1, 2], [3, 4], [5, 6, 7])"),
    ("year = _geoRadius(1, 2, 3)", "The `_geoRadius` filter is an operation and can't be used as a value.\n8:27 year = _geoRadius(1, 2, 3)"),
    ("year = _geoBoundingBox([1, 2], [3, 4])", "The `_geoBoundingBox` filter is an operation and can't be used as a value.\n8:39 year = _geoBoundingBox([1, 2], [3, 4])"),
    ("_geoPoint(1, 2) = 3", "`_geoPoint`{GEO}\n1:20 _geoPoint(1, 2) = 3"),
    ("_geo(1, 2)", "`_geo`{GEO}\n1:11 _geo(1, 2)"),
    ("_geoDistance(1, 2)", "`_geoDistance`{GEO}\n1:19 _geoDistance(1, 2)"),
    ("year = _geoPoint(1, 2)", "`_geoPoint`{GEO}\n8:23 year = _geoPoint(1, 2)"),
    ("AND = 1", "Was expecting a value but instead got `AND`, which is a reserved keyword. To use `AND` as a field name or a value, surround it by quotes.\n1:4 AND = 1"),
    ("year = AND", "Was expecting a value but instead got `AND`, which is a reserved keyword. To use `AND` as a field name or a value, surround it by quotes.\n8:11 year = AND"),
    ("year IN [AND]", "Expected only comma-separated field names inside `IN[..]` but instead found `AND]`.\n10:14 year IN [AND]"),
    ("year IN 2000", "Expected `[` after `IN` keyword.\n9:13 year IN 2000"),
    ("year IN [2000", "Expected matching `]` after the list of field names given to `IN[`\n14:14 year IN [2000"),
    ("year IN [2000 2001]", "Expected only comma-separated field names inside `IN[..]` but instead found `2001]`.\n15:20 year IN [2000 2001]"),
    ("year = 🦀", "Was expecting a value but instead got `🦀`.\n8:9 year = 🦀"),
    ("🦀 = 1", "{OPS} at `🦀 = 1`.\n1:6 🦀 = 1"),
    ("year = 2000 )", "Found unexpected characters at the end of the filter: `)`. You probably forgot an `OR` or an `AND` rule.\n13:14 year = 2000 )"),
    ("(year = 2000", "Expression `(year = 2000` is missing the following closing delimiter: `)`.\n1:13 (year = 2000"),
    ("year = 2000 year = 2001", "Found unexpected characters at the end of the filter: `year = 2001`. You probably forgot an `OR` or an `AND` rule.\n13:24 year = 2000 year = 2001"),
    ("year", "{OPS} at `year`.\n1:5 year"),
    ("year =", "Was expecting a value but instead got nothing.\n7:7 year ="),
    ("year = 2000 AND", "{OPS} but instead got nothing.\n16:16 year = 2000 AND"),
    ("year = 2000 OR", "{OPS} but instead got nothing.\n15:15 year = 2000 OR"),
    ("NOT", "{OPS} but instead got nothing.\n4:4 NOT"),
    ("year = \"\\x\"", "The filter is incomplete and requires Unknown additional bytes to be parsed.\n1:12 year = \"\\x\""),
    ("year = \"\\\"", "Expression `\\\"\\\\\\\"` is missing the following closing delimiter: `\"`.\n8:11 year = \"\\\""),
    ("year = 'ab\\", "Malformed value: `ab\\\\`.\n9:12 year = 'ab\\"),
    ("year 1 TO", "{OPS} at `year 1 TO`.\n1:10 year 1 TO"),
    ("year 1 TO AND", "Was expecting a value but instead got `AND`, which is a reserved keyword. To use `AND` as a field name or a value, surround it by quotes.\n11:14 year 1 TO AND"),
    ("year IS", "{OPS} at `year IS`.\n1:8 year IS"),
    ("year IS NOT", "{OPS} at `year IS NOT`.\n1:12 year IS NOT"),
    ("year NOT", "{OPS} at `year NOT`.\n1:9 year NOT"),
    ("year NOT IN", "Expected `[` after `IN` keyword.\n12:12 year NOT IN"),
    ("year IN [1,,2]", "Expected only comma-separated field names inside `IN[..]` but instead found `,2]`.\n12:15 year IN [1,,2]"),
    ("year IN [,]", "Expected only comma-separated field names inside `IN[..]` but instead found `,]`.\n10:12 year IN [,]"),
    ("year = 2000 AND\n  genre = a AND\n foo = 1 )", "Found unexpected characters at the end of the filter: `)`. You probably forgot an `OR` or an `AND` rule.\n10:11 year = 2000 AND\n  genre = a AND\n foo = 1 )"),
    ("year = 2000 AND\n  genre = \"a", "Expression `\\\"a` is missing the following closing delimiter: `\"`.\n11:13 year = 2000 AND\n  genre = \"a"),
    ("year IS NULL ", "Found unexpected characters at the end of the filter: ` `. You probably forgot an `OR` or an `AND` rule.\n13:14 year IS NULL "),
    ("year EXISTS ", "Found unexpected characters at the end of the filter: ` `. You probably forgot an `OR` or an `AND` rule.\n12:13 year EXISTS "),
    ("year IS NULLx", "Found unexpected characters at the end of the filter: `x`. You probably forgot an `OR` or an `AND` rule.\n13:14 year IS NULLx"),
    ("_geo = 1", "`_geo`{GEO}\n1:9 _geo = 1"),
    ("_geoPointer = 1", "`_geoPoint`{GEO}\n1:16 _geoPointer = 1"),
    ("_geoRadius = 1", "The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.\n11:15 _geoRadius = 1"),
    ("year = _geoRadius", "The `_geoRadius` filter is an operation and can't be used as a value.\n8:18 year = _geoRadius"),
    ("year = _geoPolygon([1,2],[3,4],[5,6])", "Found unexpected characters at the end of the filter: `([1,2],[3,4],[5,6])`. You probably forgot an `OR` or an `AND` rule.\n19:38 year = _geoPolygon([1,2],[3,4],[5,6])"),
    ("_vectors foo", "Was expecting an operation like `EXISTS` or `NOT EXISTS` after the vector filter.\n10:13 _vectors foo"),
    ("_vectors. EXISTS", "Was expecting embedder name but found nothing.\n10:11 _vectors. EXISTS"),
    ("_vectors.emb.fragments EXISTS", "The vector filter is missing a fragment name.\n23:30 _vectors.emb.fragments EXISTS"),
    ("_vectors.emb.fragments. EXISTS", "The vector filter's fragment name is invalid.\n24:31 _vectors.emb.fragments. EXISTS"),
    ("_vectors.emb.userProvidd EXISTS", "Was expecting one of `fragments`, `userProvided`, `documentTemplate`, `regenerate` or nothing, but instead found `userProvidd`. Did you mean `userProvided`?\n14:25 _vectors.emb.userProvidd EXISTS"),
    ("_vectors.emb.\"userProvided\" EXISTS", "Was expecting this part to be unquoted.\n15:27 _vectors.emb.\"userProvided\" EXISTS"),
    ("_vectors.emb.userProvided.regenerate EXISTS", "Vector filter can only accept one of `fragments`, `userProvided`, `documentTemplate` or `regenerate`, but found both `userProvided` and `regenerate`.\n27:37 _vectors.emb.userProvided.regenerate EXISTS"),
    ("_vectors.emb. EXISTS", "Was expecting one of `.fragments`, `.userProvided`, `.documentTemplate`, `.regenerate` or nothing, but instead found a point without a valid value.\n13:14 _vectors.emb. EXISTS"),
    ("_vectors.emb.xyz EXISTS", "Was expecting one of `fragments`, `userProvided`, `documentTemplate`, `regenerate` or nothing, but instead found `xyz`.\n14:17 _vectors.emb.xyz EXISTS"),
    ("_vectors.\"emb EXISTS", "The quotes in one of the values are inconsistent.\n10:21 _vectors.\"emb EXISTS"),
    ("_vectors.emb", "The vector filter has leftover tokens.\n13:13 _vectors.emb"),
    ("_foreign(a b = 1)", "Was expecting a field name and an condition inside `_foreign(..)` filter but instead found `b = 1)`.\n12:18 _foreign(a b = 1)"),
    ("year = 1 AND _foreign(a, b = )", "Was expecting a field name and an condition inside `_foreign(..)` filter but instead found ``.\n30:30 _foreign(a, b = )"),
    ("year = \"\\u{zz}\"", "Found an invalid escaped sequence number: `\\\\u{zz}`.\n9:15 year = \"\\u{zz}\""),
    ("year = \"\\q\"", "Malformed value: `\\\\q`.\n9:11 year = \"\\q\""),
    ("\"\\q\" = 1", "{OPS} at `\\\"\\\\q\\\" = 1`.\n1:9 \"\\q\" = 1"),
    ("year = \"\\u{110000}\"", "Malformed value: `\\\\u{110000}`.\n9:19 year = \"\\u{110000}\""),
    ("year = \"\\x4\"", "The filter is incomplete and requires Unknown additional bytes to be parsed.\n1:13 year = \"\\x4\""),
    ("_geoRadius(1e, 2, 3)", "The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.\n14:21 _geoRadius(1e, 2, 3)"),
    ("_geoRadius(1, 2, 3", "The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.\n19:19 _geoRadius(1, 2, 3"),
    ("_geoRadius (1,2,3)", "The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.\n11:19 _geoRadius (1,2,3)"),
    ("_geoBoundingBox([1,2],[3,4],[5,6])", "The `_geoBoundingBox` filter expects two pairs of arguments: `_geoBoundingBox([latitude, longitude], [latitude, longitude])`.\n35:35 _geoBoundingBox([1,2],[3,4],[5,6])"),
    ("_geoBoundingBox([1,2][3,4])", "The `_geoBoundingBox` filter expects two pairs of arguments: `_geoBoundingBox([latitude, longitude], [latitude, longitude])`.\n22:28 _geoBoundingBox([1,2][3,4])"),
    ("_geoPolygon([1,2])", "The `_geoPolygon` filter expects at least 3 points but only 1 were specified\n16:17 _geoPolygon([1,2])"),
    ("_geoPolygon()", "The `_geoPolygon` filter doesn't match the expected format: `_geoPolygon([latitude, longitude], [latitude, longitude])`.\n13:14 _geoPolygon()"),
    ("_geoPolygon([1,2],[3,4],[5,6,7],[1])", "Was expecting 2 coordinates but instead found 3.\n26:27 _geoPolygon([1,2],[3,4],[5,6,7],[1])"),
    ("year IN [_geoRadius(1,2,3)]", "The `_geoRadius` filter is an operation and can't be used as a value.\n10:28 year IN [_geoRadius(1,2,3)]"),
    ("year IN ['a]", "Expression `\\'a]` is missing the following closing delimiter: `'`.\n10:13 year IN ['a]"),
    ("year IN [a, \"b]", "Expression `\\\"b]` is missing the following closing delimiter: `\"`.\n13:16 year IN [a, \"b]"),
    ("year TO 1", "{OPS} at `year TO 1`.\n1:10 year TO 1"),
    ("year = 1 OR", "{OPS} but instead got nothing.\n12:12 year = 1 OR"),
    ("(year = 1) OR (genre = a", "Expression `(genre = a` is missing the following closing delimiter: `)`.\n15:25 (year = 1) OR (genre = a"),
    ("((year = 1)", "Expression `((year = 1)` is missing the following closing delimiter: `)`.\n1:12 ((year = 1)"),
    ("NOT NOT", "{OPS} but instead got nothing.\n8:8 NOT NOT"),
    ("year != ", "Was expecting a value but instead got nothing.\n9:9 year != "),
    ("year >= AND", "Was expecting a value but instead got `AND`, which is a reserved keyword. To use `AND` as a field name or a value, surround it by quotes.\n9:12 year >= AND"),
    ("\t🦀", "{OPS} at `\\t🦀`.\n1:3 \t🦀"),
    ("year = 1 AND 🦀", "{OPS} at `🦀`.\n14:15 year = 1 AND 🦀"),
    ("x = a b", "Found unexpected characters at the end of the filter: `b`. You probably forgot an `OR` or an `AND` rule.\n7:8 x = a b"),
    ("(((((((((((((((((((((((((((((((((((((year = 1)))))))))))))))))))))))))))))))))))))", "The filter exceeded the maximum depth limit. Try rewriting the filter so that it contains fewer nested conditions.\n38:83 (((((((((((((((((((((((((((((((((((((year = 1)))))))))))))))))))))))))))))))))))))"),
    ("year = 1 OR NOT", "{OPS} but instead got nothing.\n16:16 year = 1 OR NOT"),
    ("year IN [1, 2", "Expected matching `]` after the list of field names given to `IN[`\n14:14 year IN [1, 2"),
    ("year IN [1 AND 2]", "Expected only comma-separated field names inside `IN[..]` but instead found `AND 2]`.\n12:18 year IN [1 AND 2]"),
    ("year = \"a\" \"b\"", "Found unexpected characters at the end of the filter: `\\\"b\\\"`. You probably forgot an `OR` or an `AND` rule.\n12:15 year = \"a\" \"b\""),
    ("year\u{a0}= 1", "{OPS} at `year\\u{a0}= 1`.\n1:9 year\u{a0}= 1"),
    ("(year = 1\nAND\n(genre = a)", "Expression `(year = 1\\nAND\\n(genre = a)` is missing the following closing delimiter: `)`.\n1:26 (year = 1\nAND\n(genre = a)"),
    ("year 1 TO 2 TO 3", "Found unexpected characters at the end of the filter: `TO 3`. You probably forgot an `OR` or an `AND` rule.\n13:17 year 1 TO 2 TO 3"),
    ("year = 'a'b", "Found unexpected characters at the end of the filter: `b`. You probably forgot an `OR` or an `AND` rule.\n11:12 year = 'a'b"),
    ("year IS NULL AND", "{OPS} but instead got nothing.\n17:17 year IS NULL AND"),
    ("year EXISTS OR NOT", "{OPS} but instead got nothing.\n19:19 year EXISTS OR NOT"),
    ("_geoBoundingBox([1,2],[3,4]) = 1", "Found unexpected characters at the end of the filter: ` = 1`. You probably forgot an `OR` or an `AND` rule.\n29:33 _geoBoundingBox([1,2],[3,4]) = 1"),
    ("year = 1 AND _geoPolygon([1,2])", "The `_geoPolygon` filter expects at least 3 points but only 1 were specified\n29:30 year = 1 AND _geoPolygon([1,2])"),
    ("x = _geoPoint", "`_geoPoint`{GEO}\n5:14 x = _geoPoint"),
    ("year STARTS WITH", "Was expecting a value but instead got nothing.\n17:17 year STARTS WITH"),
    ("year NOT STARTS WITH 'a", "Expression `\\'a` is missing the following closing delimiter: `'`.\n22:24 year NOT STARTS WITH 'a"),
    ("  NOT  year = 1 )", "Found unexpected characters at the end of the filter: `)`. You probably forgot an `OR` or an `AND` rule.\n17:18   NOT  year = 1 )"),
    ("year = '\\8'", "Malformed value: `\\\\8`.\n9:11 year = '\\8'"),
    ("year = '\\u{'", "Found an invalid escaped sequence number: `\\\\u{`.\n9:12 year = '\\u{'"),
    ("year = '\\u12'", "The filter is incomplete and requires Unknown additional bytes to be parsed.\n1:14 year = '\\u12'"),
    ("year = 1 AND genre = \n\"a", "Expression `\\\"a` is missing the following closing delimiter: `\"`.\n1:3 year = 1 AND genre = \n\"a"),
    ("NOT (year = 1", "Expression `(year = 1` is missing the following closing delimiter: `)`.\n5:14 NOT (year = 1"),
    ("year = 1 AND (genre = 2 OR", "{OPS} but instead got nothing.\n27:27 year = 1 AND (genre = 2 OR"),
    ("year < 'a\\", "Malformed value: `a\\\\`.\n9:11 year < 'a\\"),
    ("year IN ['a', 'b\\", "Malformed value: `b\\\\`.\n16:18 year IN ['a', 'b\\"),
    ("OR = 1", "Was expecting a value but instead got `OR`, which is a reserved keyword. To use `OR` as a field name or a value, surround it by quotes.\n1:3 OR = 1"),
    ("year = OR", "Was expecting a value but instead got `OR`, which is a reserved keyword. To use `OR` as a field name or a value, surround it by quotes.\n8:10 year = OR"),
    ("year IN [IN]", "Expected only comma-separated field names inside `IN[..]` but instead found `IN]`.\n10:13 year IN [IN]"),
    ("TO 1 TO 2", "Was expecting a value but instead got `TO`, which is a reserved keyword. To use `TO` as a field name or a value, surround it by quotes.\n1:3 TO 1 TO 2"),
    ("_geoRadius(1, 2, 3) AND year = _geoBoundingBox", "The `_geoBoundingBox` filter is an operation and can't be used as a value.\n32:47 _geoRadius(1, 2, 3) AND year = _geoBoundingBox"),
    ("_geoBoundingBox([1,2],[3,4],)", "The `_geoBoundingBox` filter expects two pairs of arguments: `_geoBoundingBox([latitude, longitude], [latitude, longitude])`.\n28:30 _geoBoundingBox([1,2],[3,4],)"),
    ("_geoPolygon([1,2],[3,4],[5,6],,)", "The `_geoPolygon` filter doesn't match the expected format: `_geoPolygon([latitude, longitude], [latitude, longitude])`.\n31:33 _geoPolygon([1,2],[3,4],[5,6],,)"),
];

/// (filter, Meilisearch's `feature_not_enabled` message)
const FEATURES: &[(&str, &str)] = &[
    ("year CONTAINS 200", "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763\n6:14 year CONTAINS 200"),
    ("foo CONTAINS x", "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763\n5:13 foo CONTAINS x"),
    ("foo NOT CONTAINS x", "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763\n9:17 foo NOT CONTAINS x"),
    ("year CONTAINSfoo", "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763\n6:14 year CONTAINSfoo"),
    ("_vectors EXISTS", "using a vector filter requires enabling the `multimodal` experimental feature. See https://github.com/orgs/meilisearch/discussions/846\n1:9 _vectors EXISTS"),
    ("_vectors.emb EXISTS", "using a vector filter requires enabling the `multimodal` experimental feature. See https://github.com/orgs/meilisearch/discussions/846\n1:9 _vectors.emb EXISTS"),
    ("_vectors.emb NOT EXISTS", "using a vector filter requires enabling the `multimodal` experimental feature. See https://github.com/orgs/meilisearch/discussions/846\n1:9 _vectors.emb NOT EXISTS"),
    ("_vectors.emb.fragments.f EXISTS", "using a vector filter requires enabling the `multimodal` experimental feature. See https://github.com/orgs/meilisearch/discussions/846\n1:9 _vectors.emb.fragments.f EXISTS"),
    ("_vectors.emb.userProvided EXISTS", "using a vector filter requires enabling the `multimodal` experimental feature. See https://github.com/orgs/meilisearch/discussions/846\n1:9 _vectors.emb.userProvided EXISTS"),
    ("_foreign(a, b = 1)", "using a foreign filter requires enabling the `foreign_keys` experimental feature. See https://github.com/orgs/meilisearch/discussions/873\n10:11 _foreign(a, b = 1)"),
    ("_shard = 1", "using a shard filter requires enabling the `network` experimental feature. See https://github.com/orgs/meilisearch/discussions/805\n1:7 _shard = 1"),
    ("_foreign(a, b = 1) AND c CONTAINS d", "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763\n26:34 _foreign(a, b = 1) AND c CONTAINS d"),
    ("_vectors EXISTS AND _shard = 1", "using a shard filter requires enabling the `network` experimental feature. See https://github.com/orgs/meilisearch/discussions/805\n21:27 _vectors EXISTS AND _shard = 1"),
    ("_vectors EXISTS AND _foreign(a, b = 1) AND _foreign(c, d = 1)", "using a foreign filter requires enabling the `foreign_keys` experimental feature. See https://github.com/orgs/meilisearch/discussions/873\n53:54 _foreign(c, d = 1)"),
];

/// (filter parameter as JSON, Meilisearch's message)
const JSON: &[(&str, &str)] = &[
    (r#"1"#, "Invalid syntax for the filter parameter: `expected String, Array, found: 1`."),
    (r#"true"#, "Invalid syntax for the filter parameter: `expected String, Array, found: true`."),
    (r#"{"a": 1}"#, "Invalid syntax for the filter parameter: `expected String, Array, found: {\"a\":1}`."),
    (r#"["year = 2000", 1]"#, "Invalid syntax for the filter parameter: `expected String, [String], found: 1`."),
    (r#"["year = 2000", [1]]"#, "Invalid syntax for the filter parameter: `expected String, found: 1`."),
    (r#"["year = 2000", [["a"]]]"#, "Invalid syntax for the filter parameter: `expected String, found: [\"a\"]`."),
    (r#"["year = 2000", null]"#, "Invalid syntax for the filter parameter: `expected String, [String], found: null`."),
    (r#"["year = 1", "year >"]"#, "Was expecting a value but instead got nothing.\n7:7 year >"),
    (r#"[["year = 1", "year >"]]"#, "Was expecting a value but instead got nothing.\n7:7 year >"),
    (r#"["year CONTAINS a"]"#, "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental feature. See https://github.com/orgs/meilisearch/discussions/763\n6:14 year CONTAINS a"),
];

fn expand(message: &str) -> String {
    message.replace("{OPS}", OPS).replace("{GEO}", GEO)
}

#[test]
fn syntax_errors_match_meilisearch() {
    let mut wrong = Vec::new();
    for (filter, expected) in SYNTAX {
        let got = parse(filter).map(|_| ()).map_err(|e| e.message);
        if got.as_ref().err() != Some(&expand(expected)) {
            wrong.push(format!("{filter:?}\n  expected {:?}\n  got      {got:?}", expand(expected)));
        }
    }
    assert!(wrong.is_empty(), "{} of {} differ:\n{}", wrong.len(), SYNTAX.len(), wrong.join("\n"));
}

#[test]
fn feature_errors_match_meilisearch() {
    for (filter, expected) in FEATURES {
        let parsed = parse(filter).unwrap_or_else(|e| panic!("{filter:?}: {e}"));
        let error = parsed.and_then(|f| f.experimental_feature_error());
        assert_eq!(error.map(|e| e.message).as_deref(), Some(*expected), "{filter:?}");
    }
}

#[test]
fn json_errors_match_meilisearch() {
    for (filter, expected) in JSON {
        let value: serde_json::Value = serde_json::from_str(filter).expect("test JSON");
        let message = match from_json(&value) {
            Err(error) => error.message,
            Ok(parsed) => parsed.and_then(|f| f.experimental_feature_error()).expect(filter).message,
        };
        assert_eq!(message, *expected, "{filter}");
    }
}

/// Filters Meilisearch accepted (some of them odd).
#[test]
fn accepted_like_meilisearch() {
    for filter in [
        "year EXISTS  AND genre = a",
        "year NOT IN [a, b]",
        "year =\u{a0}1",
        "year = 1\r\nAND genre = a",
        "year = \"\\u{1F600}\"",
        "year = '\\0'",
        "year IN [1,]",
        "year IN []",
        "year NOT IN []",
        "_vectors = 1",
        "NOT NOT NOT foo = 1",
        "year  NOT  STARTS WITH 200",
        "year IS  NOT  NULL",
        "_geoPolygon([1, 2], [3, 4], [5, 6],)",
        "_geoRadius( 1 , 2 , 3 )",
        "  _geoRadius(1,2,3)",
        "_geoRadius(+1.5e3, -.5, 1.)",
    ] {
        assert!(matches!(parse(filter), Ok(Some(_))), "{filter:?}: {:?}", parse(filter));
    }
    for blank in ["", "  ", "\t\n"] {
        assert_eq!(parse(blank), Ok(None));
    }
    for json in ["[]", "[\"\"]", "[\"\", []]", "null", "\"  \""] {
        let value: serde_json::Value = serde_json::from_str(json).expect("test JSON");
        assert_eq!(from_json(&value), Ok(None), "{json}");
    }
}

/// Errors raised while evaluating, which Meilisearch words on its
/// re-serialized filter: the canonical tree's spans give its positions.
#[test]
fn evaluation_positions_match_meilisearch() {
    let some = ["year", "genre", "a.b", "title*", "color", "year"];
    let first_unfilterable = |filter: &str| {
        let canonical = parse(filter).expect("valid").expect("not blank").canonical();
        let attribute = canonical
            .attributes()
            .find(|a| !["year", "genre", "color", "a.b"].contains(&a.name.as_str()))
            .expect("an unfilterable attribute")
            .clone();
        attribute
    };
    let cases = [
        ("year = 2000 AND foo = 1 AND bar = 2", "Index `some`: Attribute `bar` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n43:46 (\"year\" = \"2000\") AND (\"foo\" = \"1\") AND (\"bar\" = \"2\")"),
        ("genre = \"a\\\"b\" AND\nfoo = 1", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n26:29 (\"genre\" = \"a\\\"b\") AND (\"foo\" = \"1\")"),
        ("(foo = 1 OR bar = 2) AND baz = 3", "Index `some`: Attribute `baz` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n40:43 ((\"foo\" = \"1\") OR (\"bar\" = \"2\")) AND (\"baz\" = \"3\")"),
        ("baz = 3 AND (foo = 1 OR bar = 2)", "Index `some`: Attribute `bar` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n39:42 (\"baz\" = \"3\") AND ((\"foo\" = \"1\") OR (\"bar\" = \"2\"))"),
        ("NOT NOT NOT foo = 1", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n7:10 NOT (\"foo\" = \"1\")"),
        ("foo IN [a, 'b c', \"d\"]", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n2:5 \"foo\" IN [\"a\", \"b c\", \"d\"]"),
        ("foo 1 TO 2", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n2:5 \"foo\" \"1\" TO \"2\""),
        ("foo IS NOT EMPTY", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n7:10 NOT (\"foo\" IS EMPTY)"),
        ("'foo bar' = 1", "Index `some`: Attribute `foo bar` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n2:9 \"foo bar\" = \"1\""),
        ("foo = 1 AND NOT (year = 1 AND NOT NOT foo = 2)", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n46:49 (\"foo\" = \"1\") AND (NOT ((\"year\" = \"1\") AND (\"foo\" = \"2\")))"),
        ("\u{e9} = 1", "Index `some`: Attribute `\u{e9}` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n2:3 \"\u{e9}\" = \"1\""),
        ("year = \"\\u{12}\" AND foo = 1", "Index `some`: Attribute `foo` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n27:30 (\"year\" = \"\\u0012\") AND (\"foo\" = \"1\")"),
    ];
    for (filter, expected) in cases {
        let attribute = first_unfilterable(filter);
        let error = not_filterable(&attribute.name, &attribute.span, some).in_index("some");
        assert_eq!(error.message, expected, "{filter:?}");
    }

    // The array form, as fused: one canonical text.
    let value = serde_json::json!(["year = 2000", ["bar = 2", "baz = 3"]]);
    let canonical = from_json(&value).expect("valid").expect("not blank").canonical();
    let baz = canonical.attributes().next().expect("an attribute");
    assert_eq!(
        not_filterable(&baz.name, &baz.span, some).in_index("some").message,
        "Index `some`: Attribute `baz` is not filterable. Available filterable attribute patterns are: `a.b`, `color`, `genre`, `title*`, `year`.\n43:46 (\"year\" = \"2000\") AND ((\"bar\" = \"2\") OR (\"baz\" = \"3\"))"
    );

    // No filterable attributes at all.
    let canonical = parse("year = 2000").expect("valid").expect("not blank").canonical();
    let year = canonical.attributes().next().expect("an attribute");
    assert_eq!(
        not_filterable(&year.name, &year.span, []).in_index("nf").message,
        "Index `nf`: Attribute `year` is not filterable. This index does not have configured filterable attributes.\n2:6 \"year\" = \"2000\""
    );
}

/// Geo errors are the evaluator's, on the canonical tree's numbers.
#[test]
fn geo_positions_match_meilisearch() {
    let canonical = |filter: &str| parse(filter).expect("valid").expect("not blank").canonical();
    let Filter::GeoRadius { lat, lng, resolution, .. } = canonical("_geoRadius( 1 , 200 , 3 ,2)") else {
        panic!("not a radius")
    };
    assert_eq!(
        not_filterable("_geo/_geojson", &lat.span, ["*"]).in_index("x").message,
        "Index `x`: Attribute `_geo/_geojson` is not filterable. Available filterable attribute patterns are: `*`.\n12:13 _geoRadius(1, 200, 3, 2)"
    );
    assert_eq!(lng.span.position_line(), "15:18 _geoRadius(1, 200, 3, 2)");
    assert_eq!(resolution.expect("a resolution").span.position_line(), "23:24 _geoRadius(1, 200, 3, 2)");
    let Filter::GeoRadius { lat, .. } = canonical("_geoRadius(+1.5e3, -.5, 1.)") else { panic!("not a radius") };
    assert_eq!(lat.parse_finite_float(), Ok(1500.0));
    assert_eq!(
        FilterError::at(&lat.span, "Bad latitude `1500`. Latitude must be contained between -90 and 90 degrees.").in_index("some").message,
        "Index `some`: Bad latitude `1500`. Latitude must be contained between -90 and 90 degrees.\n12:18 _geoRadius(+1.5e3, -.5, 1.)"
    );
    let Filter::GeoBoundingBox { bottom_left, .. } = canonical("_geoBoundingBox([1,2],[3,4])") else {
        panic!("not a box")
    };
    // "The top latitude `1` is below the bottom latitude `3`." is blamed on
    // the bottom-left longitude.
    assert_eq!(bottom_left[1].span.position_line(), "29:30 _geoBoundingBox([1, 2], [3, 4])");
    let Filter::GeoPolygon { points } = canonical("_geoPolygon([1,2],[3,4],[5,6],[7,8],)") else {
        panic!("not a polygon")
    };
    assert_eq!(points[0][0].span.position_line(), "14:15 _geoPolygon([1, 2], [3, 4], [5, 6], [7, 8])");
}
