//! Which documents of a segment a filter selects, from the `facets` terms
//! alone: a condition is a term lookup or a range of the term dictionary,
//! and `AND`, `OR`, `NOT` are set operations on bitsets.

use std::ops::Bound;
use std::sync::Arc;

use tantivy::postings::SegmentPostings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, InvertedIndexReader, SegmentReader, TERMINATED};

use crate::derive::successor;
use crate::facets;
use crate::Error;

/// A set of documents of one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocBits {
    words: Vec<u64>,
}

impl DocBits {
    pub fn empty(max_doc: DocId) -> Self {
        Self { words: vec![0; (max_doc as usize).div_ceil(64)] }
    }
    pub fn insert(&mut self, doc: DocId) {
        self.words[doc as usize / 64] |= 1 << (doc % 64);
    }
    pub fn contains(&self, doc: DocId) -> bool {
        self.words.get(doc as usize / 64).is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }
    pub fn and(mut self, other: &DocBits) -> Self {
        self.words.iter_mut().zip(&other.words).for_each(|(a, b)| *a &= b);
        self
    }
    pub fn or(mut self, other: &DocBits) -> Self {
        self.words.iter_mut().zip(&other.words).for_each(|(a, b)| *a |= b);
        self
    }
    /// Every document of `all` not in `self`.
    pub fn not(mut self, all: &DocBits) -> Self {
        self.words.iter_mut().zip(&all.words).for_each(|(a, b)| *a = !*a & b);
        self
    }
    /// The first document at or after `doc`.
    pub fn next_from(&self, doc: DocId) -> Option<DocId> {
        let mut i = doc as usize / 64;
        let mut word = *self.words.get(i)? & (u64::MAX << (doc % 64));
        while word == 0 {
            i += 1;
            word = *self.words.get(i)?;
        }
        Some(i as DocId * 64 + word.trailing_zeros())
    }
    /// Moves `postings`, standing on `doc`, to the first document at or
    /// after it that `self` also holds: that document, or `None` once either
    /// runs out. Skipping blocks of postings this way is what makes a narrow
    /// filter or a narrow search cheap against a common word or value.
    pub fn align(&self, postings: &mut impl DocSet, mut doc: DocId) -> Option<DocId> {
        loop {
            if doc == TERMINATED {
                return None;
            }
            let next = self.next_from(doc)?;
            if next == doc {
                return Some(doc);
            }
            doc = postings.seek(next);
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words
            .iter()
            .enumerate()
            .flat_map(|(i, w)| (0..64u32).filter(move |b| w & (1 << b) != 0).map(move |b| i as DocId * 64 + b))
    }
}

/// Answers conditions on one segment's facet terms.
pub(crate) struct Selector<'s> {
    segment: &'s SegmentReader,
    inverted: Arc<InvertedIndexReader>,
}

impl<'s> Selector<'s> {
    pub fn new(segment: &'s SegmentReader, facets: Field) -> Result<Self, Error> {
        Ok(Self { segment, inverted: segment.inverted_index(facets)? })
    }

    /// The live documents of the segment.
    pub fn all(&self) -> DocBits {
        let mut bits = DocBits::empty(self.segment.max_doc());
        for doc in (0..self.segment.max_doc()).filter(|d| !self.segment.is_deleted(*d)) {
            bits.insert(doc);
        }
        bits
    }

    fn add_postings(&self, mut postings: SegmentPostings, bits: &mut DocBits) {
        let mut doc = postings.doc();
        while doc != TERMINATED {
            bits.insert(doc);
            doc = postings.advance();
        }
    }

    /// The documents holding `term`.
    pub fn term(&self, term: &str) -> Result<DocBits, Error> {
        let mut bits = DocBits::empty(self.segment.max_doc());
        if let Some(info) = self.inverted.terms().get(term)? {
            self.add_postings(self.inverted.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?, &mut bits);
        }
        Ok(bits)
    }

    /// The documents holding a term within the bounds, among those starting
    /// with `within` (one attribute's strings, or its numbers), for which
    /// `keep` holds of what follows `within`.
    pub fn range(
        &self,
        within: &str,
        from: Bound<String>,
        to: Bound<String>,
        keep: impl Fn(&str) -> bool,
    ) -> Result<DocBits, Error> {
        let mut bits = DocBits::empty(self.segment.max_doc());
        let terms = self.inverted.terms();
        let mut range = terms.range();
        range = match &from {
            Bound::Included(t) => range.ge(t.as_bytes()),
            Bound::Excluded(t) => range.gt(t.as_bytes()),
            Bound::Unbounded => range.ge(within.as_bytes()),
        };
        let end = successor(within);
        range = match &to {
            Bound::Included(t) => range.le(t.as_bytes()),
            Bound::Excluded(t) => range.lt(t.as_bytes()),
            Bound::Unbounded => range.lt(&end),
        };
        let mut stream = range.into_stream()?;
        while stream.advance() {
            let Some(rest) = stream.key().strip_prefix(within.as_bytes()) else { continue };
            if keep(std::str::from_utf8(rest).unwrap_or_default()) {
                let info = stream.value();
                self.add_postings(
                    self.inverted.read_postings_from_terminfo(info, IndexRecordOption::Basic)?,
                    &mut bits,
                );
            }
        }
        Ok(bits)
    }

    /// Documents whose `path` equals `raw`: as a string, and as a number
    /// when it reads as one (Meilisearch matches `year = 2008` both ways).
    pub fn equal(&self, path: &str, raw: &str) -> Result<DocBits, Error> {
        let strings = self.term(&facets::string_term(path, raw))?;
        Ok(match raw.trim().parse::<f64>() {
            Ok(n) => strings.or(&self.term(&facets::number_term(path, n))?),
            Err(_) => strings,
        })
    }

    /// Documents whose `path` lies within the bounds: numbers when both
    /// bounds read as numbers, else strings in order.
    pub fn between(&self, path: &str, from: Bound<&str>, to: Bound<&str>) -> Result<DocBits, Error> {
        let numeric = [from, to].iter().all(|b| match b {
            Bound::Included(v) | Bound::Excluded(v) => v.trim().parse::<f64>().is_ok(),
            Bound::Unbounded => true,
        });
        if numeric {
            return self.numbers(path, from, to);
        }
        let within = facets::string_prefix(path);
        let key = |v: &str| format!("{within}{}", facets::normalize(v));
        let bound = |b: Bound<&str>| match b {
            Bound::Included(v) => Bound::Included(key(v)),
            Bound::Excluded(v) => Bound::Excluded(key(v)),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.range(&within, bound(from), bound(to), |_| true)
    }

    /// Documents with a sort-key column entry in `[from, to)` that `keep`
    /// accepts: each distinct entry is decoded once, in one pass over its
    /// part of the dictionary.
    fn entries(&self, (from, to): ([u8; 3], [u8; 3]), keep: impl Fn(&[u8]) -> bool) -> Result<DocBits, Error> {
        let mut bits = DocBits::empty(self.segment.max_doc());
        let Some(column) = self.segment.fast_fields().bytes("sortkeys")? else { return Ok(bits) };
        let mut stream = column.dictionary().range().ge(from).lt(to).into_stream()?;
        let mut kept = std::collections::HashSet::new();
        while stream.advance() {
            if keep(stream.key()) {
                kept.insert(stream.term_ord());
            }
        }
        if kept.is_empty() {
            return Ok(bits);
        }
        for doc in 0..self.segment.max_doc() {
            if column.term_ords(doc).any(|ord| kept.contains(&ord)) {
                bits.insert(doc);
            }
        }
        Ok(bits)
    }

    /// Documents with a number of `path` within the bounds: the range cut
    /// into spans of whole coarse terms (see [`facets::LEVELS`]).
    fn numbers(&self, path: &str, from: Bound<&str>, to: Bound<&str>) -> Result<DocBits, Error> {
        let bits = |v: &str| facets::ordered_bits(v.trim().parse().unwrap_or(0.0));
        let lo = match from {
            Bound::Included(v) => Some(bits(v)),
            Bound::Excluded(v) => bits(v).checked_add(1),
            Bound::Unbounded => Some(0),
        };
        let hi = match to {
            Bound::Included(v) => Some(bits(v)),
            Bound::Excluded(v) => bits(v).checked_sub(1),
            Bound::Unbounded => Some(u64::MAX),
        };
        let mut found = DocBits::empty(self.segment.max_doc());
        let (Some(lo), Some(hi)) = (lo, hi) else { return Ok(found) };
        for (shift, first, last) in spans(lo, hi) {
            let (within, width) = match shift {
                0 => (facets::number_prefix(path), 16),
                _ => (facets::level_prefix(path, shift), (64 - shift) as usize / 4),
            };
            let term = |p: u64| format!("{within}{p:0width$x}");
            found =
                found.or(&self.range(&within, Bound::Included(term(first)), Bound::Included(term(last)), |_| true)?);
        }
        Ok(found)
    }

    /// Documents whose `_geo` point or `_geojson` shape (each kept only when
    /// filterable) `point` or `shape` accepts.
    pub fn places(
        &self,
        point: impl Fn((f64, f64)) -> bool,
        shape: impl Fn(&crate::geojson::Shape) -> bool,
    ) -> Result<DocBits, Error> {
        let points = self.entries(crate::geo::RANGE, |e| crate::geo::find(e).is_some_and(&point))?;
        let shapes =
            self.entries(crate::geojson::RANGE, |e| crate::geojson::Shape::from_entry(e).is_some_and(|s| shape(&s)))?;
        Ok(points.or(&shapes))
    }

    /// Documents with a string value of `path` that `keep` accepts
    /// (`CONTAINS`, `STARTS WITH`).
    pub fn strings(&self, path: &str, keep: impl Fn(&str) -> bool) -> Result<DocBits, Error> {
        self.range(&facets::string_prefix(path), Bound::Unbounded, Bound::Unbounded, keep)
    }
}

/// The documents of a segment `filter` selects; vector filters are refused
/// (meili-lite embeds nothing).
pub(crate) fn evaluate(
    selector: &Selector<'_>,
    filter: &crate::filter::Filter,
    all: &DocBits,
) -> Result<DocBits, Error> {
    use crate::filter::{Condition, Filter};
    Ok(match filter {
        Filter::And(parts) => {
            let mut bits = all.clone();
            for part in parts {
                bits = bits.and(&evaluate(selector, part, all)?);
            }
            bits
        }
        Filter::Or(parts) => {
            let mut bits = DocBits { words: vec![0; all.words.len()] };
            for part in parts {
                bits = bits.or(&evaluate(selector, part, all)?);
            }
            bits
        }
        Filter::Not(inner) => evaluate(selector, inner, all)?.not(all),
        Filter::Condition { attribute, op } => {
            let path = attribute.name.as_str();
            fn bound(v: &crate::filter::Value) -> &str {
                v.raw.as_str()
            }
            let bits = match op {
                Condition::Equal(v) => selector.equal(path, &v.raw)?,
                Condition::NotEqual(v) => selector.equal(path, &v.raw)?.not(all),
                Condition::GreaterThan(v) => selector.between(path, Bound::Excluded(bound(v)), Bound::Unbounded)?,
                Condition::GreaterThanOrEqual(v) => {
                    selector.between(path, Bound::Included(bound(v)), Bound::Unbounded)?
                }
                Condition::LowerThan(v) => selector.between(path, Bound::Unbounded, Bound::Excluded(bound(v)))?,
                Condition::LowerThanOrEqual(v) => {
                    selector.between(path, Bound::Unbounded, Bound::Included(bound(v)))?
                }
                Condition::Between { from, to } => {
                    selector.between(path, Bound::Included(bound(from)), Bound::Included(bound(to)))?
                }
                Condition::Exists => selector.term(&facets::exists_term(path))?,
                Condition::IsNull => selector.term(&facets::null_term(path))?,
                Condition::IsEmpty => selector.term(&facets::empty_term(path))?,
                Condition::In(values) => {
                    let mut bits = DocBits { words: vec![0; all.words.len()] };
                    for v in values {
                        bits = bits.or(&selector.equal(path, &v.raw)?);
                    }
                    bits
                }
                Condition::Contains { value, .. } => {
                    let needle = facets::normalize(&value.raw);
                    selector.strings(path, |s| s.contains(needle.as_str()))?
                }
                Condition::StartsWith(value) => {
                    let start = facets::normalize(&value.raw);
                    selector.strings(path, |s| s.starts_with(start.as_str()))?
                }
            };
            bits.and(all)
        }
        Filter::GeoRadius { lat, lng, radius, .. } => {
            let origin = (number(lat)?, number(lng)?);
            let radius = number(radius)?;
            selector
                .places(|point| crate::geo::distance(origin, point) <= radius, |shape| shape.within(origin, radius))?
                .and(all)
        }
        Filter::GeoBoundingBox { top_right, bottom_left } => {
            let (top, right) = (number(&top_right[0])?, number(&top_right[1])?);
            let (bottom, left) = (number(&bottom_left[0])?, number(&bottom_left[1])?);
            selector
                .places(
                    |(lat, lng)| {
                        // A box may cross the antimeridian: then left > right.
                        let within_lng =
                            if left <= right { lng >= left && lng <= right } else { lng >= left || lng <= right };
                        lat >= bottom && lat <= top && within_lng
                    },
                    |shape| shape.intersects_box(top, right, bottom, left),
                )?
                .and(all)
        }
        Filter::GeoPolygon { points } => {
            let ring =
                points.iter().map(|[lat, lng]| Ok((number(lat)?, number(lng)?))).collect::<Result<Vec<_>, Error>>()?;
            selector.places(|_| false, |shape| shape.intersects_polygon(&ring))?.and(all)
        }
        _ => return Err(Error::Unsupported("this filter")),
    })
}

/// A geo filter's number (already checked when the filter was read).
fn number(v: &crate::filter::Value) -> Result<f64, Error> {
    v.parse_finite_float().map_err(|e| Error::InvalidFilter(e.message))
}

/// `[lo, hi]` as spans `(shift, first, last)` of whole terms at a level:
/// `first >> shift ..= last >> shift` once shifted, finest at the edges.
fn spans(lo: u64, hi: u64) -> Vec<(u32, u64, u64)> {
    let (mut lo, mut hi) = (u128::from(lo), u128::from(hi));
    let mut out = Vec::new();
    let steps = std::iter::once(0).chain(facets::LEVELS);
    let mut steps = steps.peekable();
    while let Some(shift) = steps.next() {
        let Some(&next) = steps.peek() else {
            out.push((shift, lo as u64, hi as u64));
            break;
        };
        let width = next - shift;
        // Whole blocks of the next level within [lo, hi].
        let (up, down) = ((lo + (1 << width) - 1) >> width, (hi + 1) >> width);
        if up >= down {
            out.push((shift, lo as u64, hi as u64));
            break;
        }
        if lo < up << width {
            out.push((shift, lo as u64, ((up << width) - 1) as u64));
        }
        if (down << width) <= hi {
            out.push((shift, (down << width) as u64, hi as u64));
        }
        (lo, hi) = (up, down - 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::DocBits;

    #[test]
    fn next_from_finds_the_next_document_across_words() {
        let mut bits = DocBits::empty(200);
        for doc in [3, 64, 130] {
            bits.insert(doc);
        }
        let next: Vec<Option<u32>> = [0, 3, 4, 64, 65, 131, 199].iter().map(|d| bits.next_from(*d)).collect();
        assert_eq!(next, [Some(3), Some(3), Some(64), Some(64), Some(130), None, None]);
        assert_eq!(DocBits::empty(0).next_from(0), None);
    }

    #[test]
    fn spans_cover_a_range_exactly_once() {
        for (lo, hi) in [(0, u64::MAX), (5, 5), (5, 300), (255, 256), (1 << 40, (1 << 41) + 17), (3, u64::MAX - 2)] {
            let spans = super::spans(lo, hi);
            // Back to values, the spans tile [lo, hi] in order.
            let mut next = u128::from(lo);
            let mut pieces: Vec<(u128, u128)> =
                spans.iter().map(|&(s, a, b)| (u128::from(a) << s, ((u128::from(b) + 1) << s) - 1)).collect();
            pieces.sort_unstable();
            for (a, b) in pieces {
                assert_eq!(a, next, "{lo}..={hi}: {spans:?}");
                next = b + 1;
            }
            assert_eq!(next, u128::from(hi) + 1, "{lo}..={hi}: {spans:?}");
            // Terms read: at most 255 at each edge of each of the 8 levels.
            let terms: u64 = spans.iter().map(|&(_, a, b)| b - a + 1).sum();
            assert!(terms <= 2 * 255 * 8, "{terms} terms: {spans:?}");
        }
        assert_eq!(super::spans(0, u64::MAX), [(56, 0, 255)]);
    }
}
