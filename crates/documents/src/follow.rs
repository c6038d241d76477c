//! What the store tells a derived index (the search index) so that it stays
//! in step with the documents: every committed change, in order, at the point
//! in each write where the two must agree.

use std::fmt;

use crate::IndexMeta;

/// One index's document changes, as one writer committed them.
#[derive(Debug)]
pub struct Changes<'a> {
    /// Every document was removed before `documents` applied.
    pub cleared: bool,
    /// By document id: the document as it now stands (`Some`), or deleted.
    pub documents: &'a std::collections::BTreeMap<String, Option<Vec<u8>>>,
    /// The ids of `documents` in the order the batch first changed them.
    pub arrival: &'a [String],
}

impl Changes<'_> {
    /// Each changed document (`None`: deleted), in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.arrival.iter().map(|id| (id.as_str(), self.documents.get(id).and_then(|d| d.as_deref())))
    }
}

/// A follower's failure; it fails the write that called it.
pub type FollowError = Box<dyn std::error::Error + Send + Sync>;

/// Hears of every change to the documents of every index.
///
/// Calls come from the one thread that writes documents, in the order the
/// writes happen. Each index's [`IndexMeta::version`] counts its commits: a
/// follower records the version it reflects, so that after a crash it can
/// tell whether it is behind the documents.
pub trait Follower: Send + Sync + fmt::Debug {
    /// `changes` were written to the documents of `meta` (at `meta.version`).
    fn documents_changed(&self, meta: &IndexMeta, changes: &Changes<'_>) -> Result<(), FollowError>;

    /// `meta`'s documents tree was filled anew (a deploy, before it becomes
    /// live) or its settings changed: the follower reads what it needs again.
    fn rebuild(&self, meta: &IndexMeta) -> Result<(), FollowError>;

    /// `meta`'s settings changed from `old`; rebuild if they change indexing.
    fn settings_changed(&self, old: &IndexMeta, meta: &IndexMeta) -> Result<(), FollowError>;

    /// The documents tree `tree` is gone (index deleted, or retired by a deploy).
    fn dropped(&self, tree: u64);

    /// Makes `meta`'s structures as small as they can be, and says their size
    /// in bytes before and after.
    fn compact(&self, meta: &IndexMeta) -> Result<(u64, u64), FollowError>;

    /// The ids of `meta`'s documents that `filter` (Meilisearch's filter, as
    /// sent) selects, as last committed; `Ok(Err(message))` for a filter the
    /// index cannot answer (an attribute not filterable, ...).
    fn select(&self, meta: &IndexMeta, filter: &serde_json::Value) -> Result<Result<Vec<String>, String>, FollowError>;
}
