//! meili-lite's HTTP API, on hyper 1.
//!
//! Owns: routing ([`router`]) with the action each route needs, reading the
//! bearer credential ([`bearer`]; the `auth` crate judges it), reading bodies
//! within the payload limit and answering JSON ([`http`]), turning query
//! strings and JSON bodies into typed requests with Meilisearch's messages
//! ([`params`]), the one mapping from every error to the Meilisearch error
//! object ([`error`]), index settings as Meilisearch has them ([`settings`]),
//! the process's log output that `/logs/*` changes ([`logs`]), and the
//! handlers ([`routes`]), the dashboard page among them.
//!
//! Must not know: how tasks are stored or run, how documents are stored. It
//! calls the scheduler and the document store through their public APIs.

mod bearer;
mod error;
mod features;
mod http;
mod json;
mod logs;
mod openapi;
mod params;
mod router;
mod routes;
mod search_queue;
mod serve;
mod settings;

pub use error::Error;
pub use features::{Features, Flag, FLAGS};
pub use logs::Logs;
pub use search_queue::SearchQueue;
pub use serve::{serve, AppState};
pub use settings::checked_settings;
