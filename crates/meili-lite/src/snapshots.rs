//! Snapshots: meili-lite's own backup, a compressed copy of the whole
//! database directory (sled, then the search indexes) that `--import-snapshot`
//! puts back as it was. Unlike a dump, it keeps everything meili-lite has:
//! staged documents, webhook secrets and filters, the outbox of deliveries.
//!
//! The copy is taken while the server runs: the scheduler runs the snapshot
//! alone (no document or task state changes meanwhile), the queue is copied
//! first, between two group commits ([`scheduler::QueueCopy`]), then every
//! other tree record by record (staged rows and webhook records written
//! meanwhile may or may not be in it). A search index caught mid-merge is rebuilt from the
//! documents at the next start, as after a crash.

use std::fs;
use std::path::{Path, PathBuf};

use scheduler::{QueueCopy, Snapshotter};
use time::OffsetDateTime;
use tracing::info;

use crate::text;

pub(crate) struct InstanceSnapshotter {
    pub db: sled::Db,
    pub db_path: PathBuf,
    pub dir: PathBuf,
}

impl Snapshotter for InstanceSnapshotter {
    fn snapshot(&self, _started: OffsetDateTime, queue: &QueueCopy<'_>) -> Result<String, String> {
        let work = dump::archive::work_dir(&self.dir).map_err(text)?;
        {
            let copy = sled::Config::new().path(work.path()).open().map_err(text)?;
            // The queue first: what is written elsewhere after it (the outbox
            // of a batch it shows unannounced, staged rows) is then copied
            // too, so a restore may repeat a delivery but never miss one.
            queue.copy_into(&copy.open_tree(QueueCopy::TREE).map_err(text)?).map_err(text)?;
            for name in self.db.tree_names().into_iter().filter(|n| n.as_ref() != QueueCopy::TREE.as_bytes()) {
                let (from, to) = (self.db.open_tree(&name).map_err(text)?, copy.open_tree(&name).map_err(text)?);
                copy_tree(&from, &to)?;
            }
            copy.flush().map_err(text)?;
        }
        copy_dir(&self.db_path.join("search"), &work.path().join("search"))?;
        // One file, replaced by each snapshot, as Meilisearch names it
        // (`data.ms.snapshot`): scheduled snapshots do not fill the disk.
        let db_name = self.db_path.file_name().map_or_else(|| "data.ms".into(), |n| n.to_string_lossy().into_owned());
        let name = format!("{db_name}.snapshot");
        dump::archive::pack(work.path(), &self.dir.join(&name), dump::archive::Compression::fast()).map_err(text)?;
        info!(snapshot = %self.dir.join(&name).display(), "snapshot written");
        Ok(name)
    }
}

fn copy_tree(from: &sled::Tree, to: &sled::Tree) -> Result<(), String> {
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for entry in from.iter() {
        let (key, value) = entry.map_err(text)?;
        batch.insert(key, value);
        pending += 1;
        if pending == 10_000 {
            to.apply_batch(std::mem::take(&mut batch)).map_err(text)?;
            pending = 0;
        }
    }
    to.apply_batch(batch).map_err(text)
}

/// Copies a directory tree; a file that disappears meanwhile (a search index
/// merging) is skipped: the index is then rebuilt at the next start.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(from) else { return Ok(()) };
    fs::create_dir_all(to).map_err(text)?;
    for entry in entries.flatten() {
        let (path, target) = (entry.path(), to.join(entry.file_name()));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else if let Err(e) = fs::copy(&path, &target) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(text(e));
            }
        }
    }
    Ok(())
}

/// Puts the snapshot at `path` in place as the database at `db_path` (which
/// must not exist yet; built aside, see [`crate::build_aside`]).
pub(crate) fn restore(path: &Path, db_path: &Path) -> Result<(), String> {
    crate::build_aside(db_path, |aside| {
        let not_a_snapshot = |why: String| format!("`{}` is not a meili-lite snapshot: {why}", path.display());
        fs::create_dir_all(aside).map_err(text)?;
        dump::unpack(path, aside).map_err(|e| match e {
            dump::Error::NotADump { why, .. } => not_a_snapshot(why),
            other => other.to_string(),
        })?;
        if !aside.join("conf").exists() {
            return Err(not_a_snapshot("it holds no database".into()));
        }
        // Opening it proves sled can read what was unpacked.
        sled::Config::new().path(aside).open().map(drop).map_err(|e| not_a_snapshot(e.to_string()))
    })
}
