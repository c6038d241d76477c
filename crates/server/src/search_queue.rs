//! At most so many searches at once, and so many waiting; past that a search
//! is answered `503 too_many_search_requests` at once, as Meilisearch does
//! (`--experimental-nb-searches-per-core`, `--experimental-search-queue-size`).
//! A search that waited longer than `--experimental-drop-search-after` gets
//! the same answer when its turn comes: its client has likely given up.
//! Searches run on blocking threads: without a bound, a burst of them would
//! take every thread and starve task registration.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use task_model::Code;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::Error;

#[derive(Debug)]
pub struct SearchQueue {
    running: Semaphore,
    parallelism: usize,
    waiting: AtomicUsize,
    capacity: usize,
    drop_after: Duration,
}

impl SearchQueue {
    /// `parallelism` searches at once, `capacity` more waiting, each for at
    /// most `drop_after`.
    pub fn new(parallelism: usize, capacity: usize, drop_after: Duration) -> Self {
        let parallelism = parallelism.max(1);
        Self { running: Semaphore::new(parallelism), parallelism, waiting: AtomicUsize::new(0), capacity, drop_after }
    }

    /// Searches running now, waiting now, and the most that may wait: for
    /// `/metrics`.
    pub(crate) fn gauges(&self) -> (usize, usize, usize) {
        let running = self.parallelism.saturating_sub(self.running.available_permits());
        (running, self.waiting.load(Ordering::Relaxed), self.capacity)
    }

    fn too_many(&self) -> Error {
        Error::new(
            Code::TooManySearchRequests,
            format!("Too many search requests running at the same time: {}. Retry after 10s.", self.capacity),
        )
    }

    /// A slot to search in: at once, after waiting in line, or refused when
    /// the line is full.
    pub(crate) async fn permit(&self) -> Result<SemaphorePermit<'_>, Error> {
        if let Ok(permit) = self.running.try_acquire() {
            return Ok(permit);
        }
        let in_line = InLine::join(&self.waiting);
        if in_line.ahead >= self.capacity {
            return Err(self.too_many());
        }
        let since = Instant::now();
        // Leaving the line (even when the request is dropped while it
        // waits) is `in_line`'s drop.
        let permit = self
            .running
            .acquire()
            .await
            .map_err(|_| Error::new(Code::Internal, "Internal error: Search limiter is down."))?;
        if since.elapsed() > self.drop_after {
            return Err(self.too_many());
        }
        Ok(permit)
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
        let queue = SearchQueue::new(1, 1, Duration::from_secs(60));
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

    #[tokio::test]
    async fn a_search_that_waited_too_long_is_dropped_and_gives_its_slot_back() {
        let queue = SearchQueue::new(1, 5, Duration::from_millis(20));
        let running = queue.permit().await.unwrap();
        let (late, ()) = tokio::join!(queue.permit(), async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(queue.gauges(), (1, 1, 5), "one running, one waiting");
            drop(running);
        });
        assert_eq!(late.unwrap_err().response_error().code, Code::TooManySearchRequests);
        assert_eq!(queue.gauges(), (0, 0, 5));
        assert!(queue.permit().await.is_ok(), "the slot it was given went back");
    }
}
