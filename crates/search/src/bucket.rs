//! Meilisearch's bucket sort, lazily: each ranking rule splits only the
//! groups of tied documents that reach into the requested window, so that
//! costly rules run on the few documents still tied, not on every match.

use tantivy::DocId;

use crate::rank::{Kept, Rule, RuleKey};

/// A document being ranked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub segment: u32,
    pub doc: DocId,
    /// Insertion order: the last tie-break, older first.
    pub seq: u64,
    /// The candidate it is (by index) and the terms it is ranked on; `None`
    /// in a placeholder search.
    pub candidate: Option<(u32, Kept)>,
}

/// Orders `entries` best first as far as the first `needed` go; what lies
/// past them keeps an unspecified order.
pub(crate) fn bucket_sort(
    entries: &mut [Entry],
    rules: &[Rule],
    needed: usize,
    key: impl Fn(&Rule, &Entry) -> RuleKey,
) {
    let mut bounds = vec![0, entries.len()];
    for rule in rules {
        let mut next = vec![0];
        for w in bounds.windows(2) {
            let (start, end) = (w[0], w[1]);
            if start < needed && end - start > 1 {
                let mut keyed: Vec<(RuleKey, Entry)> = entries[start..end].iter().map(|e| (key(rule, e), *e)).collect();
                keyed.sort_by(|a, b| b.0.cmp(&a.0));
                for (i, (k, e)) in keyed.iter().enumerate() {
                    entries[start + i] = *e;
                    if i > 0 && keyed[i - 1].0 != *k {
                        next.push(start + i);
                    }
                }
            }
            next.push(end);
        }
        bounds = next;
    }
    for w in bounds.windows(2).filter(|w| w[0] < needed) {
        entries[w[0]..w[1]].sort_unstable_by_key(|e| e.seq);
    }
}
