//! The `fields` parameter of document reads.

use crate::Document;

/// Which top-level fields to return: all (`*` or absent) or a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Fields {
    #[default]
    All,
    Only(Vec<String>),
}

impl Fields {
    /// From a comma-separated list; `*` anywhere means all.
    pub fn parse(list: &str) -> Self {
        let names: Vec<String> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        Self::from_list(names)
    }

    pub fn from_list(names: Vec<String>) -> Self {
        if names.iter().any(|n| n == "*") {
            Fields::All
        } else {
            Fields::Only(names)
        }
    }

    pub fn project(&self, doc: Document) -> Document {
        match self {
            Fields::All => doc,
            Fields::Only(names) => doc.into_iter().filter(|(k, _)| names.contains(k)).collect(),
        }
    }
}
