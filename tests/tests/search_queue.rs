//! The search queue under a real burst: past its slots and its line, a search
//! is answered `503 too_many_search_requests` with `Retry-After`, as
//! Meilisearch answers it, and the server stays healthy.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Server;
use serde_json::json;

#[test]
fn a_burst_past_the_queue_is_refused_and_the_server_stays_healthy() {
    // One search at once per core, one more waiting; clients well past that.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let s = Server::with_args(&["--experimental-nb-searches-per-core", "1", "--experimental-search-queue-size", "1"]);
    let docs: Vec<_> =
        (0..3000).map(|i| json!({"id": i, "title": format!("shared words number {i} and more shared text")})).collect();
    let t = s.enqueue("POST", "/indexes/m/documents", "application/json", json!(docs).to_string().as_bytes());
    assert_eq!(s.wait_task(t)["status"], "succeeded");

    let (answered, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Clients keep searching until one is refused: more load only makes
    // that sooner. Without a bound on searches, none would be.
    let deadline = Instant::now() + Duration::from_secs(60);
    std::thread::scope(|scope| {
        for _ in 0..4 * cores + 8 {
            scope.spawn(|| {
                while refused.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                    let r = s.post_json("/indexes/m/search", &json!({"q": "shared text", "limit": 50}));
                    if r.status == 200 {
                        answered.fetch_add(1, Ordering::SeqCst);
                        continue;
                    }
                    let e = r.assert_error(503, "too_many_search_requests");
                    assert_eq!(e["message"], "Too many search requests running at the same time: 1. Retry after 10s.");
                    assert_eq!(r.header("retry-after"), Some("10"));
                    refused.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert!(refused.load(Ordering::SeqCst) > 0, "{} searches, none refused", answered.load(Ordering::SeqCst));
    assert_eq!(s.get("/health").status, 200);
    let r = s.post_json("/indexes/m/search", &json!({"q": "number 7", "limit": 1}));
    assert_eq!((r.status, r.json()["hits"][0]["id"].clone()), (200, json!(7)), "searches work after the burst");
}
