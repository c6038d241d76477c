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
/// past them keeps an unspecified order. `key` gives a rule's verdict on an
/// entry, `None` for a rule that cannot tell any two entries apart (it is
/// skipped); `prefetch` sees each group before its keys are asked, to read
/// them in bulk. Past `deadline` (`searchCutoffMs`), no group is split further:
/// the ties left go by insertion order, as Meilisearch answers when out of time.
pub(crate) fn bucket_sort(
    entries: &mut [Entry],
    rules: &[Rule],
    needed: usize,
    deadline: Option<std::time::Instant>,
    prefetch: impl Fn(&Rule, &[Entry]),
    key: impl Fn(&Rule, &Entry) -> Option<RuleKey>,
) {
    let mut bounds = vec![0, entries.len()];
    let mut keyed: Vec<(RuleKey, u32)> = Vec::new();
    let mut group: Vec<Entry> = Vec::new();
    for rule in rules {
        let mut next = vec![0];
        for w in bounds.windows(2) {
            let (start, end) = (w[0], w[1]);
            let in_time = deadline.is_none_or(|d| std::time::Instant::now() < d);
            if start < needed && end - start > 1 && in_time {
                keyed.clear();
                prefetch(rule, &entries[start..end]);
                for (i, e) in entries[start..end].iter().enumerate() {
                    match key(rule, e) {
                        Some(k) => keyed.push((k, i as u32)),
                        None => break,
                    }
                }
                if keyed.len() == end - start {
                    // Best first; within a key the order is settled later.
                    keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0));
                    group.clear();
                    group.extend(keyed.iter().map(|(_, i)| entries[start + *i as usize]));
                    entries[start..end].copy_from_slice(&group);
                    for i in 1..keyed.len() {
                        if keyed[i - 1].0 != keyed[i].0 {
                            next.push(start + i);
                        }
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
