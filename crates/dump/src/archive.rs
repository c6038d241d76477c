//! Archives: what dumps and snapshots share. Each is built in a work
//! directory beside its destination, packed into a gzip tar written under a
//! hidden `.part` name, synced, then renamed: a crash never leaves a file that
//! looks finished but is not, and [`clean_up`] removes what one left. Reading
//! one ([`unpack`]) refuses any entry that would land outside its directory.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Component, Path};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
pub use flate2::Compression;

use crate::Error;

/// Work directories, in the destination directory so the rename stays on one
/// file system.
const WORK_PREFIX: &str = ".work-";

/// A fresh work directory in `dir` (created if needed), removed when dropped.
pub fn work_dir(dir: &Path) -> Result<tempfile::TempDir, Error> {
    fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    tempfile::Builder::new().prefix(WORK_PREFIX).tempdir_in(dir).map_err(Error::io("create a directory in", dir))
}

/// Packs the directory `from` into the gzip tar `target`, durably, under its
/// name only once complete; on failure nothing is left (a full disk must not
/// stay full of an archive that will never be).
pub fn pack(from: &Path, target: &Path, level: Compression) -> Result<(), Error> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = dir.join(format!(".{name}.part"));
    let packed = (|| -> std::io::Result<()> {
        let mut tar = tar::Builder::new(GzEncoder::new(BufWriter::new(File::create(&partial)?), level));
        tar.mode(tar::HeaderMode::Deterministic);
        tar.append_dir_all(".", from)?;
        tar.into_inner()?.finish()?.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()
    })();
    if let Err(e) = packed {
        let _ = fs::remove_file(&partial);
        return Err(Error::io("write", &partial)(e));
    }
    fs::rename(&partial, target).map_err(Error::io("rename", &partial))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(Error::io("sync", dir))
}

/// Removes what archives cut short by a crash left in `dir` (work
/// directories and unfinished `.part` files); finished archives stay.
/// Returns how many were removed.
pub fn clean_up(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let gone = if name.starts_with(WORK_PREFIX) && path.is_dir() {
            fs::remove_dir_all(&path).is_ok()
        } else if name.starts_with('.') && name.ends_with(".part") {
            fs::remove_file(&path).is_ok()
        } else {
            false
        };
        removed += usize::from(gone);
    }
    removed
}

/// Unpacks the gzip tar at `path` into `into`, refusing any entry that is
/// not a plain file or directory inside it (no links, no `..`): dumps and
/// snapshots come from elsewhere.
pub fn unpack(path: &Path, into: &Path) -> Result<(), Error> {
    let file = File::open(path).map_err(Error::io("open", path))?;
    let not_a_dump = |e: std::io::Error| Error::NotADump { why: e.to_string(), path: path.to_owned() };
    let mut archive = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    for entry in archive.entries().map_err(not_a_dump)? {
        let mut entry = entry.map_err(not_a_dump)?;
        let name = entry.path().map_err(not_a_dump)?.into_owned();
        let inside = name.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        let kind = entry.header().entry_type();
        if !inside || !(kind.is_file() || kind.is_dir()) {
            return Err(Error::NotADump {
                why: format!("unexpected entry `{}`", name.display()),
                path: path.to_owned(),
            });
        }
        entry.unpack_in(into).map_err(not_a_dump)?;
    }
    Ok(())
}
