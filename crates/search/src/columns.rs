//! The per-segment columns a search reads besides postings: insertion order,
//! and the sort keys that custom rules, `sort` and `_geoPoint` order by.
//!
//! Sort keys live in one bytes column whose dictionary is sorted, so the
//! entries of one field and end (`field | end | value`) are one range of
//! ordinals: a document's key is found by its ordinal alone, and decoding
//! is left for the keys a ranking step compares. Decoding one ordinal reads
//! its dictionary block from the start (most of a sorted query's time,
//! profiled), so a step decodes all its keys in one sorted pass.

use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::columnar::{BytesColumn, Column};
use tantivy::DocId;

use crate::bucket::Entry;
use crate::rank::Rule;
use crate::sortkey::End;
use crate::Error;

/// The column entries of `field` at `end` start with these bytes.
fn prefix(field: u32, end: End) -> [u8; 3] {
    let [hi, lo] = (field as u16).to_be_bytes();
    // A point is the geo field's one entry, under its own end mark.
    let end = if field == crate::geo::FIELD { 2 } else { end as u8 };
    [hi, lo, end]
}

/// A range of ordinals, by segment, field and end mark.
type Ranges = HashMap<(u32, u32, u8), (u64, u64)>;

pub(crate) struct Columns {
    seqs: Vec<Column<u64>>,
    sortkeys: Vec<Option<BytesColumn>>,
    /// Ordinal ranges of (segment, field, end), found once per search.
    ranges: RefCell<Ranges>,
    /// Entries decoded so far, by segment and ordinal: matches share values.
    decoded: RefCell<HashMap<(u32, u64), Vec<u8>>>,
}

impl Columns {
    pub fn open(searcher: &tantivy::Searcher) -> Result<Self, Error> {
        let segments = searcher.segment_readers();
        Ok(Self {
            seqs: segments.iter().map(|s| s.fast_fields().u64("seq")).collect::<Result<_, _>>()?,
            sortkeys: segments.iter().map(|s| s.fast_fields().bytes("sortkeys")).collect::<Result<_, _>>()?,
            ranges: RefCell::default(),
            decoded: RefCell::default(),
        })
    }

    pub fn seq(&self, segment: u32, doc: DocId) -> u64 {
        self.seqs[segment as usize].first(doc).unwrap_or(u64::MAX)
    }

    /// The ordinals of `field` at `end` in `segment`'s dictionary.
    fn range(&self, segment: u32, column: &BytesColumn, field: u32, end: End) -> (u64, u64) {
        let start = prefix(field, end);
        *self.ranges.borrow_mut().entry((segment, field, start[2])).or_insert_with(|| {
            let dictionary = column.dictionary();
            let at = |key: &[u8]| match dictionary.term_ord_or_next(key) {
                Ok(tantivy::columnar::TermOrdHit::Exact(ord) | tantivy::columnar::TermOrdHit::Next(ord)) => {
                    Some(ord.min(dictionary.num_terms() as u64))
                }
                Err(_) => None,
            };
            let mut after = start;
            after[2] += 1;
            // Unreadable, the range is empty: no key rather than another's.
            at(&start).zip(at(&after)).unwrap_or((0, 0))
        })
    }

    /// The ordinal of `doc`'s entry for `field` at `end`, if it has one.
    fn ordinal(&self, segment: u32, doc: DocId, field: u32, end: End) -> Option<(&BytesColumn, u64)> {
        let column = self.sortkeys[segment as usize].as_ref()?;
        let (lo, hi) = self.range(segment, column, field, end);
        column.term_ords(doc).find(|ord| (lo..hi).contains(ord)).map(|ord| (column, ord))
    }

    /// Decodes, in one pass per segment, the keys `rule` will ask of
    /// `entries`.
    pub fn prefetch(&self, rule: &Rule, entries: &[Entry]) {
        let Rule::Custom { field, ascending, geo, .. } = rule else { return };
        let Some(field) = (if geo.is_some() { Some(crate::geo::FIELD) } else { *field }) else { return };
        let end = if *ascending { End::Min } else { End::Max };
        let mut wanted: HashMap<u32, Vec<u64>> = HashMap::new();
        {
            let decoded = self.decoded.borrow();
            for e in entries {
                if let Some((_, ord)) = self.ordinal(e.segment, e.doc, field, end) {
                    if !decoded.contains_key(&(e.segment, ord)) {
                        wanted.entry(e.segment).or_default().push(ord);
                    }
                }
            }
        }
        let mut decoded = self.decoded.borrow_mut();
        for (segment, mut ords) in wanted {
            let Some(column) = self.sortkeys[segment as usize].as_ref() else { continue };
            ords.sort_unstable();
            ords.dedup();
            let mut next = ords.iter();
            // Called once per ordinal, in order (they are distinct).
            let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some(ord) = next.next() {
                    decoded.insert((segment, *ord), bytes.to_vec());
                }
            });
        }
    }

    /// A document's sort keys by field and end (a point's whole entry for
    /// the geo field), when asked.
    pub fn values(&self, segment: u32, doc: DocId) -> impl Fn(u32, End) -> Option<Vec<u8>> + '_ {
        move |field, end| {
            let (column, ord) = self.ordinal(segment, doc, field, end)?;
            let mut decoded = self.decoded.borrow_mut();
            let entry = match decoded.entry((segment, ord)) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let mut bytes = Vec::new();
                    column.ord_to_bytes(ord, &mut bytes).ok()?;
                    slot.insert(bytes)
                }
            };
            Some(if field == crate::geo::FIELD { entry.clone() } else { entry[3..].to_vec() })
        }
    }
}
