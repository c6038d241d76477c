//! What an authenticated request may reach, for the handlers that must
//! narrow a list or check an index named in a body.

use std::sync::Arc;

use serde_json::Value;

use crate::store::Held;
use crate::token::SearchRules;
use crate::{Action, IndexPattern};

/// Who is asking, once the key (or token) is known to allow the route.
#[derive(Debug, Clone)]
pub enum Access {
    /// The master key, or no master key at all.
    Everything,
    Key(Arc<Held>),
    /// A tenant token: its parent key, and the rules it adds.
    Tenant {
        key: Arc<Held>,
        rules: Arc<SearchRules>,
    },
}

impl Access {
    /// May this request touch `index`? Both the key's indexes and a token's
    /// rules must cover it.
    pub fn allows_index(&self, index: &str) -> bool {
        match self {
            Access::Everything => true,
            Access::Key(held) => held.key.covers(index),
            Access::Tenant { key, rules } => key.key.covers(index) && rules.covers(index),
        }
    }

    /// May this request do `action` on `index` (an index named in a body,
    /// such as the one `POST /indexes` creates)?
    pub fn may(&self, action: Action, index: &str) -> bool {
        match self {
            Access::Everything => true,
            Access::Key(held) | Access::Tenant { key: held, .. } => {
                held.grants.contains(action) && self.allows_index(index)
            }
        }
    }

    /// The indexes a list (of indexes, tasks, stats) may show, or `None` when
    /// it may show everything, including what belongs to no index (dumps,
    /// swaps). A tenant token sees no list (it reaches only search routes).
    pub fn index_patterns(&self) -> Option<&[IndexPattern]> {
        match self {
            Access::Everything => None,
            Access::Key(held) => (!held.key.all_indexes()).then_some(held.key.indexes.as_slice()),
            Access::Tenant { .. } => Some(&[]),
        }
    }

    /// The filter a tenant token's rule adds to searches of `index`.
    pub fn search_filter(&self, index: &str) -> Option<&Value> {
        match self {
            Access::Tenant { rules, .. } => rules.filter(index),
            _ => None,
        }
    }
}
