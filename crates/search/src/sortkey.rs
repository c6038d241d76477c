//! Values to order documents by (custom ranking rules, and `sort`), kept in
//! one tantivy bytes column as `field_id | end | value`, where `end` says
//! whether it is the field's smallest (for ascending order) or largest (for
//! descending) value, and `value` compares as Meilisearch orders values:
//! numbers before strings, strings lower-cased, a missing value last.

use std::cmp::Ordering;

use serde_json::{json, Value};

/// Which of a multi-valued field's values a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Min = 0,
    Max = 1,
}

const NUMBER: u8 = 1;
const STRING: u8 = 2;

/// The comparable form of a value; `None` for what does not sort (objects,
/// null).
pub(crate) fn encode(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::Number(n) => {
            let mut out = vec![NUMBER];
            out.extend_from_slice(&crate::facets::ordered_bits(n.as_f64()?).to_be_bytes());
            Some(out)
        }
        // Lower-cased to compare, then as written, to show.
        Value::String(s) => Some([&[STRING][..], s.to_lowercase().as_bytes(), &[0], s.as_bytes()].concat()),
        Value::Bool(b) => Some([&[STRING][..], b.to_string().as_bytes(), &[0], b.to_string().as_bytes()].concat()),
        _ => None,
    }
}

/// The value back, for `_rankingScoreDetails`.
pub(crate) fn decode(key: &[u8]) -> Value {
    match key.split_first() {
        Some((&NUMBER, rest)) => {
            json!(crate::facets::from_ordered_bits(u64::from_be_bytes(rest.try_into().unwrap_or([0; 8]))))
        }
        Some((_, rest)) => {
            let shown = rest.iter().position(|b| *b == 0).map_or(rest, |at| &rest[at + 1..]);
            json!(String::from_utf8_lossy(shown))
        }
        None => Value::Null,
    }
}

/// The column entries for one field's values.
pub(crate) fn entries(field: u32, values: &[&Value]) -> Vec<Vec<u8>> {
    let keys: Vec<Vec<u8>> = values.iter().filter_map(|v| encode(v)).collect();
    let (Some(min), Some(max)) = (keys.iter().min(), keys.iter().max()) else { return Vec::new() };
    [(End::Min, min), (End::Max, max)]
        .into_iter()
        .map(|(end, key)| [&(field as u16).to_be_bytes()[..], &[end as u8], key].concat())
        .collect()
}

/// The part of a key that orders: a string's lower-cased form, without the
/// form as written, so that `Released` and `released` tie (and go by
/// insertion order, as in Meilisearch).
pub(crate) fn comparable(key: &[u8]) -> &[u8] {
    match key.split_first() {
        Some((&STRING, rest)) => rest.iter().position(|b| *b == 0).map_or(key, |at| &key[..at + 1]),
        _ => key,
    }
}

/// Orders two keys best first: ascending or descending within a type,
/// numbers before strings either way, missing values last.
pub(crate) fn better(a: Option<&[u8]>, b: Option<&[u8]>, ascending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => match a[0].cmp(&b[0]) {
            Ordering::Equal if ascending => b.cmp(a),
            Ordering::Equal => a.cmp(b),
            types => types.reverse(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_order_and_decode() {
        let values = [json!(-10.5), json!(-1), json!(0), json!(2), json!(1e9)];
        let keys: Vec<Vec<u8>> = values.iter().map(|v| encode(v).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(decode(&keys[0]), json!(-10.5));
        assert_eq!(decode(&keys[3]), json!(2.0));
    }

    #[test]
    fn numbers_before_strings_either_way_and_missing_last() {
        let n = encode(&json!(5)).unwrap();
        let s = encode(&json!("Apple")).unwrap();
        for ascending in [true, false] {
            assert_eq!(better(Some(&n), Some(&s), ascending), Ordering::Greater);
            assert_eq!(better(Some(&s), None, ascending), Ordering::Greater);
        }
        let small = encode(&json!(1)).unwrap();
        assert_eq!(better(Some(&small), Some(&n), true), Ordering::Greater);
        assert_eq!(better(Some(&small), Some(&n), false), Ordering::Less);
        assert_eq!(decode(&s), json!("Apple"));
    }

    #[test]
    fn strings_order_lower_cased_and_tie_across_case() {
        let key = |s: &str| encode(&json!(s)).unwrap();
        let (upper, lower, other) = (key("Released"), key("released"), key("Alpha"));
        assert_eq!(comparable(&upper), comparable(&lower));
        assert!(comparable(&other) < comparable(&upper));
        assert_eq!(decode(&upper), json!("Released"));
    }
}
