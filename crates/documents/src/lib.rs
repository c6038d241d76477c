//! meili-lite's document store: indexes and the documents in them.
//!
//! Owns: payload parsing (JSON, NDJSON, CSV into normalized NDJSON), primary
//! key inference and document id validation, index metadata, and the sled
//! trees that hold documents. Writes go through an [`IndexWriter`] that
//! applies a whole batch to an index in one atomic sled batch, so a crash
//! leaves an index before or after a batch, never in between; re-applying the
//! same batch after a crash gives the same result.
//!
//! Staged ingestion ([`staging`]) keeps snapshots, upserts and removals aside
//! until a deploy switches the index to its next documents in one step.
//!
//! A [`Follower`] (the search index) hears of every committed change at the
//! point in each write where the two must agree.
//!
//! Must not know: tasks, queues, HTTP. The scheduler decides *when* to write;
//! this crate decides *what* the write does.

mod error;
mod fields;
mod follow;
mod index;
mod moves;
mod payload;
mod primary_key;
pub mod staging;
mod store;
mod writer;

pub use error::Error;
pub use fields::Fields;
pub use follow::{Changes, FollowError, Follower};
pub use index::{IndexMeta, IndexStats};
pub use moves::Move;
pub use payload::{parse_payload, Parsed, PayloadFormat};
pub use primary_key::{document_id, infer_primary_key};
pub use staging::{Deployed, StagingSummary};
pub use store::Store;
pub use writer::IndexWriter;

/// A document: a JSON object.
pub type Document = serde_json::Map<String, serde_json::Value>;
