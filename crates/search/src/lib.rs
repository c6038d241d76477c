//! meili-lite's search index: Meilisearch's search, on tantivy and charabia.
//!
//! Owns: turning documents into positioned words ([`document`], with
//! charabia through [`analyzer`]), on every core (`indexer`), one tantivy
//! index per documents tree ([`SearchIndex`], held by the [`Engine`]),
//! reading queries ([`query`]), finding candidates with typo tolerance,
//! prefixes and synonyms (`derive`, `candidates`, `prune`), ranking them as
//! Meilisearch's ranking rules do, each rule breaking the ties of the rules
//! before it ([`rank`], `bucket`, `sortkey`), and building hits with
//! `_formatted`, highlights, crops and match positions ([`format`]).
//!
//! Must not know: tasks, HTTP, where documents are stored. Callers feed each
//! index the documents a batch changed ([`SearchIndex::apply`]) and read
//! documents themselves for the hits a search returns.

pub mod analyzer;
mod bucket;
mod candidates;
mod columns;
mod derive;
pub mod distribution;
pub mod document;
mod engine;
mod error;
pub mod facet_search;
pub mod facets;
pub mod filter;
pub mod filterable;
pub mod format;
pub mod geo;
mod geojson;
mod index;
mod indexer;
mod prune;
pub mod query;
pub mod rank;
mod search;
mod select;
pub mod settings;
mod sortkey;

pub use engine::Engine;
pub use error::Error;
pub use index::{IndexingBudget, SearchIndex};
pub use rank::RankingRule;
pub use search::{MatchingStrategy, Ranked, ScoredHit, SearchRequest};
pub use settings::Settings;

#[cfg(test)]
mod filter_props;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
