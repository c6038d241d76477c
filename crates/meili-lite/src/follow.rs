//! Keeps each index's search index in step with its documents: the bridge
//! between the document store's [`Follower`] calls and the search [`Engine`].

use std::collections::HashSet;
use std::sync::Arc;

use documents::{Changes, FollowError, Follower, IndexMeta, Store};
use search::{Engine, Settings};
use tracing::{info, warn};

#[derive(Debug)]
pub(crate) struct SearchFollower {
    pub engine: Arc<Engine>,
    /// The store without a follower, to read documents for rebuilds.
    pub store: Store,
}

impl SearchFollower {
    /// Builds `meta`'s search index again from every document, in bounded
    /// memory (tantivy flushes segments as its budget fills).
    fn rebuild_from_store(&self, meta: &IndexMeta) -> Result<(), FollowError> {
        let index = self.engine.index(meta.tree)?;
        let mut broken = None;
        let docs = self.store.scan(meta)?.map_while(|d| d.map_err(|e| broken = Some(e)).ok());
        index.apply(
            meta.version,
            &Settings::from_stored(&meta.settings),
            true,
            docs.map(|(id, doc)| (id, Some(doc))),
        )?;
        match broken {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// At start-up: every index's search index must reflect its documents'
    /// version; one behind (a crash mid-batch) or damaged is built again.
    /// Search indexes of trees no index names are removed.
    pub fn check_all(&self) -> Result<(), FollowError> {
        let mut live = HashSet::new();
        for meta in self.store.indexes()? {
            live.insert(meta.tree);
            let reason = match self.engine.index(meta.tree) {
                Ok(index) if index.version() == meta.version => continue,
                Ok(index) => format!("it reflects version {} of the documents, not {}", index.version(), meta.version),
                Err(e) => {
                    self.engine.recreate(meta.tree)?;
                    format!("it could not be opened ({e})")
                }
            };
            warn!(index = %meta.uid, "rebuilding the search index from the documents: {reason}");
            self.rebuild_from_store(&meta)?;
            info!(index = %meta.uid, "search index rebuilt");
        }
        self.engine.retain(&live)?;
        Ok(())
    }
}

impl Follower for SearchFollower {
    fn documents_changed(&self, meta: &IndexMeta, changes: &Changes<'_>) -> Result<(), FollowError> {
        let index = self.engine.index(meta.tree)?;
        let settings = Settings::from_stored(&meta.settings);
        index.apply(meta.version, &settings, changes.cleared, changes.iter())?;
        Ok(())
    }

    fn rebuild(&self, meta: &IndexMeta) -> Result<(), FollowError> {
        self.rebuild_from_store(meta)
    }

    fn settings_changed(&self, old: &IndexMeta, meta: &IndexMeta) -> Result<(), FollowError> {
        let new = Settings::from_stored(&meta.settings);
        if Settings::from_stored(&old.settings).reindex_needed(&new) {
            info!(index = %meta.uid, "settings change what is indexed: re-indexing");
            return self.rebuild_from_store(meta);
        }
        // Nothing to re-index; the commit records the new version.
        let none: [(&str, Option<&[u8]>); 0] = [];
        self.engine.index(meta.tree)?.apply(meta.version, &new, false, none)?;
        Ok(())
    }

    fn dropped(&self, tree: u64) {
        self.engine.remove(tree);
    }

    fn compact(&self, meta: &IndexMeta) -> Result<(u64, u64), FollowError> {
        let before = self.engine.disk_size(meta.tree);
        self.engine.index(meta.tree)?.compact()?;
        Ok((before, self.engine.disk_size(meta.tree)))
    }

    fn select(&self, meta: &IndexMeta, filter: &serde_json::Value) -> Result<Result<Vec<String>, String>, FollowError> {
        let settings = Settings::from_stored(&meta.settings);
        let parsed = match search::filter::from_json(filter) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return Ok(Err("Sending an empty filter is forbidden.".into())),
            Err(e) => return Ok(Err(e.message)),
        };
        // Checked as written, as Meilisearch checks a deletion's filter.
        if let Err(e) = search::filterable::check(&parsed, &settings.filterable) {
            return Ok(Err(e.in_index(meta.uid.as_str()).message));
        }
        match self.engine.index(meta.tree)?.filtered_ids(&parsed) {
            Ok(ids) => Ok(Ok(ids)),
            Err(e @ (search::Error::Unsupported(_) | search::Error::InvalidFilter(_))) => Ok(Err(e.to_string())),
            Err(e) => Err(e.into()),
        }
    }
}
