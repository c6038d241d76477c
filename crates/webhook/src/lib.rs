//! meili-lite's task-completion webhooks, reusable on their own.
//!
//! Owns: the payload ([`payload`]: each finished task as `GET /tasks/{uid}`
//! shows it, flattened to dotted keys, one per line, gzip-compressed), the
//! webhooks themselves and their validation ([`Webhook`]), the registry of
//! the command-line webhook plus the runtime ones persisted in sled
//! ([`Registry`]), and delivery ([`Deliverer`]): each finished batch is
//! recorded in a durable outbox (`outbox`: one row per batch for every
//! webhook, `fan`, and a cursor per webhook), then sent to each webhook in
//! batch order, retried on the Standard Webhooks schedule, off the caller's
//! thread; finished deliveries are written to the log (`log`) behind their
//! lane, a group at a time (`record`).
//!
//! Must not know: the task queue or the HTTP API. Whoever runs tasks calls
//! [`Deliverer::batch_finished`]; whoever serves `/webhooks` calls the
//! [`Registry`] with the JSON bodies it received.

mod bodies;
mod cursor;
mod deliver;
mod error;
mod fan;
pub mod guard;
mod health;
mod inflated;
mod keys;
mod log;
mod metrics;
mod outbox;
pub mod payload;
mod record;
mod registry;
mod request;
mod row;
mod sign;
mod webhook;

pub use deliver::{Deliverer, DeliveryOptions, STANDARD_SCHEDULE};
pub use error::Error;
pub use guard::NetworkGuard;
pub use registry::{Registry, MAX_HEADERS, MAX_WEBHOOKS};
pub use sign::SigningSecret;
pub use webhook::Webhook;

/// A lock, even if a thread panicked holding it: every critical section
/// here leaves its state whole (counts and maps updated in one step), and
/// delivery must go on for the other webhooks.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
