//! At most so many searches at once, and so many waiting; past that a search
//! is answered `503 too_many_search_requests` at once, as Meilisearch does
//! (`--experimental-nb-searches-per-core`, `--experimental-search-queue-size`).
//! Searches run on blocking threads: without a bound, a burst of them would
//! take every thread and starve task registration.

use std::sync::atomic::{AtomicUsize, Ordering};

use task_model::Code;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::Error;

#[derive(Debug)]
pub struct SearchQueue {
    running: Semaphore,
    waiting: AtomicUsize,
    capacity: usize,
}

impl SearchQueue {
    /// `parallelism` searches at once, `capacity` more waiting.
    pub fn new(parallelism: usize, capacity: usize) -> Self {
        Self { running: Semaphore::new(parallelism.max(1)), waiting: AtomicUsize::new(0), capacity }
    }

    /// A slot to search in: at once, after waiting in line, or refused when
    /// the line is full.
    pub(crate) async fn permit(&self) -> Result<SemaphorePermit<'_>, Error> {
        if let Ok(permit) = self.running.try_acquire() {
            return Ok(permit);
        }
        let in_line = InLine::join(&self.waiting);
        if in_line.ahead >= self.capacity {
            return Err(Error::new(
                Code::TooManySearchRequests,
                format!("Too many search requests running at the same time: {}. Retry after 10s.", self.capacity),
            ));
        }
        // Leaving the line (even when the request is dropped while it
        // waits) is `in_line`'s drop.
        self.running.acquire().await.map_err(|_| Error::new(Code::Internal, "Internal error: Search limiter is down."))
    }
}

/// A place in the line of waiting searches, given back when dropped.
struct InLine<'a> {
    waiting: &'a AtomicUsize,
    /// How many were waiting before this one.
    ahead: usize,
}

impl<'a> InLine<'a> {
    fn join(waiting: &'a AtomicUsize) -> Self {
        InLine { waiting, ahead: waiting.fetch_add(1, Ordering::SeqCst) }
    }
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_line_is_refused_and_a_freed_slot_reused() {
        let queue = SearchQueue::new(1, 1);
        let running = queue.permit().await.unwrap();
        let (waiting, refused) = tokio::join!(queue.permit(), async {
            tokio::task::yield_now().await;
            let refused = queue.permit().await.unwrap_err().response_error();
            drop(running);
            refused
        });
        assert!(waiting.is_ok(), "the waiting search gets the freed slot");
        assert_eq!(refused.code, Code::TooManySearchRequests);
        assert_eq!(refused.message, "Too many search requests running at the same time: 1. Retry after 10s.");
        assert_eq!(refused.http_status(), 503);
    }
}
