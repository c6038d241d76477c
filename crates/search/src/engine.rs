//! Every index's search structures, by the documents tree they follow: a
//! swap of two indexes swaps the trees they name, and so their search
//! indexes, with no work here.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tracing::warn;

use crate::{Error, IndexingBudget, SearchIndex};

/// Opens search indexes under one directory, one sub-directory per tree.
#[derive(Debug)]
pub struct Engine {
    root: PathBuf,
    open: Mutex<HashMap<u64, Arc<SearchIndex>>>,
    budget: IndexingBudget,
}

impl Engine {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_budget(root, IndexingBudget::default())
    }

    /// An engine whose index writers each index within `budget`.
    pub fn with_budget(root: impl Into<PathBuf>, budget: IndexingBudget) -> Self {
        Self { root: root.into(), open: Mutex::new(HashMap::new()), budget }
    }

    fn dir(&self, tree: u64) -> PathBuf {
        self.root.join(tree.to_string())
    }

    /// The search index following documents tree `tree`, created if missing.
    pub fn index(&self, tree: u64) -> Result<Arc<SearchIndex>, Error> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = open.get(&tree) {
            return Ok(index.clone());
        }
        let index = Arc::new(SearchIndex::open_with(&self.dir(tree), self.budget)?);
        open.insert(tree, index.clone());
        Ok(index)
    }

    /// Bytes on disk of `tree`'s index (0 if it has none yet).
    pub fn disk_size(&self, tree: u64) -> u64 {
        let Ok(entries) = std::fs::read_dir(self.dir(tree)) else { return 0 };
        entries.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()
    }

    /// Forgets `tree`'s index and deletes its files. Readers holding it
    /// finish on the files they have mapped.
    pub fn remove(&self, tree: u64) {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(&tree);
        let dir = self.dir(tree);
        if dir.exists() {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                warn!(dir = %dir.display(), error = %e, "could not remove a search index");
            }
        }
    }

    /// Removes the index of `tree` and opens an empty one in its place, for
    /// an index found damaged.
    pub fn recreate(&self, tree: u64) -> Result<Arc<SearchIndex>, Error> {
        self.remove(tree);
        self.index(tree)
    }

    /// Deletes the indexes of trees not in `live` (left by a crash).
    pub fn retain(&self, live: &HashSet<u64>) -> Result<(), Error> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Ok(());
        };
        for entry in entries {
            let entry = entry?;
            let tree = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok());
            if let Some(tree) = tree.filter(|t| !live.contains(t)) {
                self.remove(tree);
            }
        }
        Ok(())
    }
}
