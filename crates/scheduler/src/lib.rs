//! meili-lite's durable task queue.
//!
//! Owns: registering tasks durably (a task is on disk before its `202`, with
//! concurrent registrations sharing one fsync: [`commit`]), choosing the next
//! batch ([`autobatch`]), running it against the document store
//! ([`process`]), status transitions and batches, task cancelation and
//! deletion, queries over tasks and batches ([`query`]), and recovery after a
//! crash ([`recovery`]). Each finished batch is announced to a
//! [`BatchObserver`] by a thread of its own ([`announce`]), so that a slow
//! observer never holds up the queue.
//!
//! Must not know: HTTP, webhooks. Callers speak in tasks and filters; whoever
//! wants to hear about finished batches implements [`BatchObserver`].
//!
//! Storage layout, all in the `queue` tree so that one atomic sled batch can
//! finish a whole batch of tasks:
//! `t`+uid → task, `b`+uid → batch, `e`+uid → [`keys::Marker`] of a task not
//! yet finished (and `p`+uid → the same, for cancelations and deletions), `c`+uid → the document payload of a task not yet finished,
//! `a`+uid → a finished batch not yet announced, `n` → next task uid, `m` →
//! next batch uid.

mod announce;
mod autobatch;
mod commit;
mod dumps;
mod error;
mod keys;
mod observer;
mod process;
mod query;
mod recovery;
mod register;
mod scheduler;
mod signal;
mod snapshots;

pub use dumps::{import_tasks, DumpedTask, Dumper};
pub use error::Error;
pub use observer::BatchObserver;
pub use query::Page;
pub use register::NewTask;
pub use scheduler::{Options, Scheduler};
pub use snapshots::{QueueCopy, Snapshotter};

#[cfg(test)]
mod tests;
