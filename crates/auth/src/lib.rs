//! API keys and tenant tokens: who may do what, on which indexes.
//!
//! Owns: Meilisearch's [`Action`]s and their wildcards, [`IndexPattern`]s,
//! the [`ApiKey`] record and its value (derived from the master key, never
//! stored), the durable [`KeyStore`] with Meilisearch's default keys, tenant
//! tokens and their search rules ([`token`]), and the verdict a request gets:
//! an [`Access`] or an [`Error`] worded as Meilisearch words it.
//!
//! Must not know: HTTP, routes, or how a search applies a rule's filter. The
//! server says which action and index a request needs; this crate answers.

mod access;
mod action;
mod error;
mod key;
mod store;
pub mod token;

pub use access::Access;
pub use action::{Action, Actions};
pub use error::Error;
pub use key::{parse_expires_at, ApiKey, ExpiresAtError, KeyPatch, NewKey};
pub use store::{derive_value, KeyStore};
pub use task_model::{IndexPattern, IndexPatternError};

#[cfg(test)]
mod tests;
