use task_model::{Batch, Task};

/// Hears about every finished batch, once its final state is written.
///
/// Called on the scheduler's thread, so an implementation must return quickly
/// (hand the work to another thread or task): the queue waits for it.
pub trait BatchObserver: Send + Sync {
    fn batch_finished(&self, batch: &Batch, tasks: &[Task]);
}
