//! Meilisearch's dump format, version 6: the archive Meilisearch 1.50 writes
//! with `POST /dumps` and reads with `--import-dump`.
//!
//! Owns: the archive's layout (a gzip tar of `metadata.json`, `keys.jsonl`,
//! `tasks/queue.jsonl` with `tasks/update_files/`, `indexes/<uid>/`,
//! `experimental-features.json`, `webhooks.json`), the shapes Meilisearch
//! gives tasks and keys there (not their HTTP shapes: see [`task`]), and
//! writing it without holding an index in memory ([`DumpWriter`]) or reading
//! it back ([`DumpReader`]).
//!
//! Must not know: sled, the scheduler, HTTP. Callers hand it records and
//! documents and take them back.

pub mod archive;
mod error;
mod key;
mod reader;
pub mod task;
mod writer;

pub use archive::{clean_up, unpack};
pub use error::Error;
pub use reader::{DumpReader, DumpedIndex, DumpedTask};
pub use writer::{DocumentsWriter, DumpWriter, TaskWriter};

/// The version this crate writes and reads.
pub const VERSION: &str = "V6";

/// A dump's name, from the moment its task started: `20261128-015324061`.
pub fn dump_uid(started: time::OffsetDateTime) -> String {
    let t = started.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}{:03}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests;
