//! `facetDistribution` and `facetStats`: how many of a search's matches hold
//! each value of the asked attributes, counted on the facet terms.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, SegmentReader};

use crate::facets;
use crate::select::DocBits;
use crate::Error;

/// How `faceting` orders and bounds each attribute's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Faceting {
    pub max_values: usize,
    /// Attributes whose values go by count (the others alphabetically).
    pub by_count: Vec<String>,
    /// `sortFacetValuesBy["*"]` is `count`.
    pub all_by_count: bool,
}

impl Default for Faceting {
    fn default() -> Self {
        Self { max_values: 100, by_count: Vec::new(), all_by_count: false }
    }
}

/// `facetDistribution` and `facetStats`, as a search answers them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacetCounts {
    pub distribution: Map<String, Value>,
    pub stats: Map<String, Value>,
    /// Per attribute, its string values (normalized, as shown, count) in
    /// normalized order, uncapped: what facet search picks from.
    pub strings: BTreeMap<String, Vec<(String, String, u64)>>,
}

/// One attribute's counts, merged across segments.
#[derive(Default)]
struct Counts {
    numbers: BTreeMap<u64, (f64, u64)>,
    strings: BTreeMap<String, u64>,
    /// A string value as written, by its normalized form, and the document it
    /// was first seen in (the earliest wins, as in Meilisearch).
    originals: BTreeMap<String, (u64, String)>,
}

/// Counts the values of `paths` among each segment's `matches`.
pub(crate) fn distribution(
    segments: &[SegmentReader],
    field: Field,
    matches: &[DocBits],
    paths: &[String],
    faceting: &Faceting,
) -> Result<FacetCounts, Error> {
    let mut distribution = Map::new();
    let mut stats = Map::new();
    let mut strings = BTreeMap::new();
    // Meilisearch answers the facets by name, whatever the asked order.
    let mut paths: Vec<&String> = paths.iter().collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let mut counts = Counts::default();
        for (segment, bits) in segments.iter().zip(matches) {
            count_segment(segment, field, bits, path, &mut counts)?;
        }
        let mut values: Vec<(String, u64)> = counts
            .numbers
            .values()
            .map(|(n, c)| (Value::from(*n).to_string().trim_end_matches(".0").to_owned(), *c))
            .collect();
        let shown: Vec<(String, String, u64)> = counts
            .strings
            .iter()
            .map(|(s, c)| (s.clone(), counts.originals.get(s).map_or(s.clone(), |(_, o)| o.clone()), *c))
            .collect();
        values.extend(shown.iter().map(|(_, o, c)| (o.clone(), *c)));
        strings.insert(path.clone(), shown);
        if faceting.all_by_count || faceting.by_count.contains(path) {
            values.sort_by_key(|v| std::cmp::Reverse(v.1));
        }
        values.truncate(faceting.max_values);
        distribution.insert(path.clone(), Value::Object(values.into_iter().map(|(k, c)| (k, json!(c))).collect()));
        let numbers: Vec<f64> = counts.numbers.values().map(|(n, _)| *n).collect();
        if let (Some(min), Some(max)) = (numbers.first(), numbers.last()) {
            stats.insert(path.clone(), json!({"min": min, "max": max}));
        }
    }
    Ok(FacetCounts { distribution, stats, strings })
}

fn count_segment(
    segment: &SegmentReader,
    field: Field,
    bits: &DocBits,
    path: &str,
    counts: &mut Counts,
) -> Result<(), Error> {
    let inverted = segment.inverted_index(field)?;
    let seqs = segment.fast_fields().u64("seq")?;
    let prefix = format!("{path}\0");
    let mut stream =
        inverted.terms().range().ge(prefix.as_bytes()).lt(format!("{path}\u{1}").as_bytes()).into_stream()?;
    while stream.advance() {
        let Some(rest) = stream.key().strip_prefix(prefix.as_bytes()) else { continue };
        let Some((&kind, value)) = rest.split_first() else { continue };
        // Values and their forms as written; not the marks, nor the coarse
        // levels of numbers.
        if !matches!(kind, b'f' | b's' | b'o') {
            continue;
        }
        let value = String::from_utf8_lossy(value).into_owned();
        let mut postings = inverted.read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
        // For a form as written (`o`), the earliest document holding it, by
        // insertion order: doc ids within a segment do not follow it.
        let originals = kind == b'o';
        let (mut matched, mut first) = (0u64, u64::MAX);
        let mut doc = postings.doc();
        while let Some(at) = bits.align(&mut postings, doc) {
            doc = at;
            matched += 1;
            if originals {
                first = first.min(seqs.first(doc).unwrap_or(u64::MAX));
            }
            doc = postings.advance();
        }
        if matched == 0 {
            continue;
        }
        match kind {
            b'f' => {
                let n = facets::number_from_key(&value).unwrap_or(0.0);
                counts.numbers.entry(u64::from_str_radix(&value, 16).unwrap_or(0)).or_insert((n, 0)).1 += matched;
            }
            // Meilisearch does not count the empty string as a value.
            b's' if value.is_empty() => {}
            b's' => *counts.strings.entry(value).or_insert(0) += matched,
            b'o' => {
                if let Some((normalized, original)) = value.split_once('\0') {
                    // Insertion order decides, whichever segment holds it.
                    let entry = counts.originals.entry(normalized.to_owned()).or_insert((first, original.to_owned()));
                    if first < entry.0 {
                        *entry = (first, original.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Each document's values of `path` (as ids shared across segments), for
/// `distinct`: read from the facet terms, for the documents in `wanted`.
pub(crate) fn values_of(
    segments: &[SegmentReader],
    field: Field,
    path: &str,
    wanted: &[DocBits],
) -> Result<Vec<std::collections::HashMap<tantivy::DocId, Vec<u32>>>, Error> {
    let mut ids: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
    let mut out = Vec::new();
    let prefix = format!("{path}\0");
    for (segment, wanted) in segments.iter().zip(wanted) {
        let mut values: std::collections::HashMap<tantivy::DocId, Vec<u32>> = std::collections::HashMap::new();
        let inverted = segment.inverted_index(field)?;
        let end = format!("{path}\u{1}");
        let mut stream = inverted.terms().range().ge(prefix.as_bytes()).lt(end.as_bytes()).into_stream()?;
        while stream.advance() {
            let rest = &stream.key()[prefix.len()..];
            // Strings and numbers are values; the other marks are not.
            if !matches!(rest.first(), Some(b's' | b'f')) {
                continue;
            }
            let next = ids.len() as u32;
            let id = *ids.entry(rest.to_vec()).or_insert(next);
            let mut postings = inverted.read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
            let mut doc = postings.doc();
            while let Some(at) = wanted.align(&mut postings, doc) {
                values.entry(at).or_default().push(id);
                doc = postings.advance();
            }
        }
        out.push(values);
    }
    Ok(out)
}
