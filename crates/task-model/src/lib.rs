//! The task model of meili-lite: what a task, a batch and an error *are*, and how
//! Meilisearch shows them in JSON.
//!
//! Owns: identifiers ([`TaskId`], [`BatchId`], the validated [`IndexUid`] and
//! the [`IndexPattern`]s keys name indexes with), the
//! task state machine ([`Status`], [`Kind`], [`Operation`], [`Details`]), the
//! batch, the Meilisearch error object ([`ResponseError`] and its [`Code`]s),
//! ISO-8601 durations, RFC 3339 dates, task filters, and dotted-key
//! [`flatten`]ing used by the webhook payload.
//!
//! Must not know: storage, HTTP, tokio. This crate does no I/O, so every other
//! crate (and any other project) can depend on it for free.

mod batch;
mod details;
mod error;
mod filter;
mod flatten;
mod ids;
mod kind;
mod pattern;
mod task;
mod units;

pub use batch::{Batch, BatchStats};
pub use details::Details;
pub use error::{json_kind, Code, ErrorType, ResponseError};
pub use filter::TaskFilter;
pub use flatten::flatten;
pub use ids::{BatchId, IndexUid, IndexUidError, TaskId};
pub use kind::{Kind, ParseEnumError, Status};
pub use pattern::{pattern_matches, IndexPattern, IndexPatternError};
pub use task::{now, rfc3339, Annotations, ContentId, IndexSwap, Method, Operation, SummarizedTask, Task, TaskView};
pub use units::{human_size, human_size_exact, iso8601_duration};
