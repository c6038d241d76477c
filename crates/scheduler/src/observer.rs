use task_model::{Batch, Task};

/// Hears about every finished batch, once its final state is written.
///
/// Called on the scheduler's thread, so an implementation must return quickly
/// (record what it needs and hand the rest to another thread). Returning `Ok`
/// means "I have it durably": until then the batch stays marked as
/// unannounced, and is announced again after a restart. An implementation
/// must therefore accept the same batch twice.
pub trait BatchObserver: Send + Sync {
    fn batch_finished(&self, batch: &Batch, tasks: &[Task]) -> Result<(), String>;
}
