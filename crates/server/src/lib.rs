//! meili-lite's HTTP API, on hyper 1.
//!
//! Owns: routing ([`router`]), authentication ([`auth`]), reading bodies
//! within the payload limit and answering JSON ([`http`]), turning query
//! strings and JSON bodies into typed requests with Meilisearch's messages
//! ([`params`]), the one mapping from every error to the Meilisearch error
//! object ([`error`]), index settings as Meilisearch has them ([`settings`]),
//! and the handlers ([`routes`]).
//!
//! Must not know: how tasks are stored or run, how documents are stored. It
//! calls the scheduler and the document store through their public APIs.

mod auth;
mod error;
mod http;
mod params;
mod router;
mod routes;
mod serve;
mod settings;

pub use error::Error;
pub use serve::{serve, AppState};
