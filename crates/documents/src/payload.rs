//! Document payloads: JSON (an array of objects, or one object), NDJSON and
//! CSV with typed headers, normalized to NDJSON of compact objects.
//!
//! Parsing happens when a request arrives, so a malformed body is refused
//! with `400` before anything is enqueued. JSON arrays are read one element
//! at a time: memory holds the body, the output and one document, never a
//! tree of the whole array.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::{Document, Error};

/// The content type of a document payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    Json,
    Ndjson,
    Csv { delimiter: u8 },
}

impl PayloadFormat {
    fn name(self) -> &'static str {
        match self {
            PayloadFormat::Json => "json",
            PayloadFormat::Ndjson => "ndjson",
            PayloadFormat::Csv { .. } => "csv",
        }
    }
}

/// A payload, validated and normalized: one compact JSON object per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub ndjson: Vec<u8>,
    pub documents: u64,
}

impl Parsed {
    /// The documents of a normalized payload, in order.
    pub fn iter(ndjson: &[u8]) -> impl Iterator<Item = Result<Document, Error>> + '_ {
        serde_json::Deserializer::from_slice(ndjson).into_iter::<Document>().map(|r| r.map_err(Error::from))
    }
}

struct Out {
    ndjson: Vec<u8>,
    documents: u64,
}

impl Out {
    fn push(&mut self, doc: &Document) {
        // Writing a Map of Values into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.ndjson, doc);
        self.ndjson.push(b'\n');
        self.documents += 1;
    }
}

/// Parses `body` as `format`. An empty body is `missing_payload`; anything that
/// is not a sequence of JSON objects is `malformed_payload`.
pub fn parse_payload(format: PayloadFormat, body: &[u8]) -> Result<Parsed, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::MissingPayload(format.name()));
    }
    let malformed = |detail: String| Error::MalformedPayload { format: format.name(), detail };
    let mut out = Out { ndjson: Vec::with_capacity(body.len()), documents: 0 };
    match format {
        PayloadFormat::Json => {
            let mut de = serde_json::Deserializer::from_slice(body);
            if !matches!(body.iter().find(|b| !b.is_ascii_whitespace()), Some(b'[' | b'{')) {
                return Err(malformed("data are neither an object nor a list of objects".into()));
            }
            JsonDocuments(&mut out).deserialize(&mut de).map_err(|e| malformed(e.to_string()))?;
            de.end().map_err(|e| malformed(e.to_string()))?;
        }
        PayloadFormat::Ndjson => {
            for doc in serde_json::Deserializer::from_slice(body).into_iter::<Document>() {
                out.push(&doc.map_err(|e| malformed(e.to_string()))?);
            }
        }
        PayloadFormat::Csv { delimiter } => parse_csv(body, delimiter, &mut out).map_err(malformed)?,
    }
    Ok(Parsed { ndjson: out.ndjson, documents: out.documents })
}

/// Accepts `[{..}, {..}]` or `{..}` and streams each object to the output.
struct JsonDocuments<'a>(&'a mut Out);

impl<'de> DeserializeSeed<'de> for JsonDocuments<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonDocuments<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a document or an array of documents")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(doc) = seq.next_element::<Document>()? {
            self.0.push(&doc);
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let doc = Document::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.0.push(&doc);
        Ok(())
    }
}

/// The type a CSV header declares: `name`, `name:string`, `price:number`, `ok:boolean`.
#[derive(Clone, Copy)]
enum CsvType {
    String,
    Number,
    Boolean,
}

fn parse_csv(body: &[u8], delimiter: u8, out: &mut Out) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(body);
    let headers: Vec<(String, CsvType)> = reader
        .headers()
        .map_err(|e| format!("CSV error: {e}"))?
        .iter()
        .map(|h| match h.rsplit_once(':') {
            Some((name, "string")) => Ok((name.to_owned(), CsvType::String)),
            Some((name, "number")) => Ok((name.to_owned(), CsvType::Number)),
            Some((name, "boolean")) => Ok((name.to_owned(), CsvType::Boolean)),
            Some((_, ty)) if !ty.is_empty() && ty.chars().all(|c| c.is_ascii_alphabetic()) => {
                Err(format!("The type `{ty}` of the header `{h}` is unknown: expected `string`, `number` or `boolean`"))
            }
            _ => Ok((h.to_owned(), CsvType::String)),
        })
        .collect::<Result<_, _>>()?;
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("CSV error: {e}"))?;
        let mut doc = Document::new();
        for ((name, ty), cell) in headers.iter().zip(record.iter()) {
            let value = if cell.is_empty() {
                Value::Null
            } else {
                match ty {
                    CsvType::String => Value::String(cell.to_owned()),
                    CsvType::Number => number(cell).ok_or_else(|| {
                        format!("Parsing field `{name}` on line {}: `{cell}` is not a number", line + 2)
                    })?,
                    CsvType::Boolean => match cell.trim() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        _ => {
                            return Err(format!(
                                "Parsing field `{name}` on line {}: `{cell}` is not a boolean",
                                line + 2
                            ))
                        }
                    },
                }
            };
            doc.insert(name.clone(), value);
        }
        out.push(&doc);
    }
    Ok(())
}

fn number(cell: &str) -> Option<Value> {
    let cell = cell.trim();
    if let Ok(n) = cell.parse::<i64>() {
        return Some(n.into());
    }
    cell.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lines(p: &Parsed) -> Vec<String> {
        String::from_utf8(p.ndjson.clone()).unwrap().lines().map(String::from).collect()
    }

    #[test]
    fn floats_keep_every_bit_through_normalization() {
        // Found by `cargo xtask fuzz json`: serde_json's fast float parsing
        // was off by one bit here, so a price changed on the way in.
        let p = parse_payload(PayloadFormat::Json, br#"{"id": 1, "price": 1.5e93}"#).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&p.ndjson).unwrap();
        assert_eq!(doc["price"].as_f64().unwrap().to_bits(), 1.5e93_f64.to_bits());
        let again = parse_payload(PayloadFormat::Ndjson, &p.ndjson).unwrap();
        assert_eq!(again.ndjson, p.ndjson, "normalizing twice changes nothing");
    }

    #[test]
    fn json_array_and_single_object() {
        let p = parse_payload(PayloadFormat::Json, br#"[{"id":1,"t":"a"}, {"id":2}]"#).unwrap();
        assert_eq!(p.documents, 2);
        assert_eq!(lines(&p), [r#"{"id":1,"t":"a"}"#, r#"{"id":2}"#]);
        let p = parse_payload(PayloadFormat::Json, br#" {"id":"x"} "#).unwrap();
        assert_eq!(lines(&p), [r#"{"id":"x"}"#]);
        let p = parse_payload(PayloadFormat::Json, b"[]").unwrap();
        assert_eq!(p.documents, 0);
    }

    #[test]
    fn malformed_json_is_refused() {
        for bad in [&b"[{\"id\":1},"[..], b"[1,2]", b"\"str\"", b"{\"id\":1} trailing", b"[{\"id\":1}]]"] {
            let err = parse_payload(PayloadFormat::Json, bad).unwrap_err();
            assert!(err.to_string().starts_with("The `json` payload provided is malformed."), "{err}");
        }
        assert!(matches!(parse_payload(PayloadFormat::Json, b"  "), Err(Error::MissingPayload("json"))));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("[{{\"id\":1,\"a\":{}{}}}]", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_payload(PayloadFormat::Json, deep.as_bytes()).is_err());
    }

    #[test]
    fn ndjson() {
        let p = parse_payload(PayloadFormat::Ndjson, b"{\"id\":1}\n\n{\"id\":2}\n").unwrap();
        assert_eq!(p.documents, 2);
        assert!(parse_payload(PayloadFormat::Ndjson, b"{\"id\":1}\n[1]\n").is_err());
        assert!(parse_payload(PayloadFormat::Ndjson, b"{\"id\":1}\n{oops\n").is_err());
    }

    #[test]
    fn csv_with_typed_headers() {
        let body = b"id,title:string,price:number,ok:boolean,note\n1,Carol,9.5,true,\n2,\"A, B\",3,false,x\n";
        let p = parse_payload(PayloadFormat::Csv { delimiter: b',' }, body).unwrap();
        assert_eq!(
            lines(&p),
            [
                r#"{"id":"1","title":"Carol","price":9.5,"ok":true,"note":null}"#,
                r#"{"id":"2","title":"A, B","price":3,"ok":false,"note":"x"}"#
            ]
        );
        let p = parse_payload(PayloadFormat::Csv { delimiter: b';' }, b"id;n:number\na;1\n").unwrap();
        assert_eq!(lines(&p), [r#"{"id":"a","n":1}"#]);
    }

    #[test]
    fn malformed_csv_is_refused() {
        let csv = PayloadFormat::Csv { delimiter: b',' };
        let err = parse_payload(csv, b"id,price:number\n1,cheap\n").unwrap_err();
        assert!(err.to_string().contains("`cheap` is not a number"), "{err}");
        assert!(parse_payload(csv, b"id,a\n1,2,3\n").is_err(), "ragged row");
        assert!(parse_payload(csv, b"id,a:date\n1,2\n").is_err(), "unknown type");
    }

    proptest! {
        #[test]
        fn json_and_ndjson_agree(docs in prop::collection::vec(
            prop::collection::btree_map("[a-z]{1,5}", prop_oneof![any::<i32>().prop_map(Value::from), "[ -~]{0,10}".prop_map(Value::from)], 0..5),
            0..10,
        )) {
            let docs: Vec<Value> = docs.into_iter().map(|m| Value::Object(m.into_iter().collect())).collect();
            let json = serde_json::to_vec(&docs).unwrap();
            let ndjson: Vec<u8> = docs.iter().flat_map(|d| { let mut l = serde_json::to_vec(d).unwrap(); l.push(b'\n'); l }).collect();
            let a = parse_payload(PayloadFormat::Json, &json).unwrap();
            prop_assert_eq!(a.documents as usize, docs.len());
            if !docs.is_empty() {
                prop_assert_eq!(parse_payload(PayloadFormat::Ndjson, &ndjson).unwrap(), a.clone());
            }
            let back: Vec<Value> = Parsed::iter(&a.ndjson).map(|d| Value::Object(d.unwrap())).collect();
            prop_assert_eq!(back, docs);
        }
    }
}
