//! meili-lite's task-completion webhooks: the endpoint registry, payload
//! encoding (NDJSON, gzip, flattened or nested), signing, and the delivery
//! engine with its durable outbox.
//!
//! Must not know: HTTP routing of the API, the scheduler's storage. It hears
//! about finished batches through the scheduler's `BatchObserver` trait.
//!
//! Status: empty. The webhook issues build it; the configuration options for
//! the command-line webhook are already parsed and validated by `config`.
