use task_model::{Batch, Task};

/// Hears about every finished batch, once its final state is written.
///
/// Called one batch at a time and in batch order: by the worker right after
/// the batch when nothing is backlogged, else by the announcer thread, so a
/// slow observer delays only the announcements after it, and those wait on
/// disk while the queue goes on. Returning `Ok`
/// means "I have it durably" (once the database is flushed): until then the
/// batch stays marked as unannounced, and is offered again, after a pause or
/// after a restart. An implementation must therefore accept the same batch
/// twice.
pub trait BatchObserver: Send + Sync {
    fn batch_finished(&self, batch: &Batch, tasks: &[Task]) -> Result<(), String>;
}
