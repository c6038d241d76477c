//! Index uid patterns, as API keys and tenant tokens name indexes: `*`, an
//! exact uid, or a uid prefix ending in `*`.

use std::fmt;
use std::str::FromStr;

use crate::IndexUid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which indexes a key (or a search rule) covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexPattern {
    /// `*`: every index.
    All,
    /// `movies*`: every index whose uid starts with `movies`.
    Prefix(String),
    /// `movies`: that index only.
    Exact(String),
}

/// Why a string is not an [`IndexPattern`]. Displays as Meilisearch's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid index uid pattern. Index uid patterns can be an integer or a string containing only alphanumeric characters, hyphens (-), underscores (_), and optionally end with a star (*).")]
pub struct IndexPatternError(pub String);

impl IndexPattern {
    pub fn matches(&self, index: &str) -> bool {
        match self {
            IndexPattern::All => true,
            IndexPattern::Prefix(prefix) => index.starts_with(prefix.as_str()),
            IndexPattern::Exact(uid) => uid == index,
        }
    }
}

/// The same matching on a pattern that was never validated (a tenant token's
/// search rules): a trailing `*` makes a prefix, anything else is exact.
pub fn pattern_matches(pattern: &str, index: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => index.starts_with(prefix),
        None => pattern == index,
    }
}

impl FromStr for IndexPattern {
    type Err = IndexPatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || IndexPatternError(s.to_owned());
        match s.strip_suffix('*') {
            Some("") => Ok(IndexPattern::All),
            // A prefix is checked as a uid would be: `mov*` is fine, `m v*` is not.
            Some(prefix) => {
                prefix.parse::<IndexUid>().map(|_| IndexPattern::Prefix(prefix.to_owned())).map_err(|_| invalid())
            }
            None => s.parse::<IndexUid>().map(|_| IndexPattern::Exact(s.to_owned())).map_err(|_| invalid()),
        }
    }
}

impl fmt::Display for IndexPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexPattern::All => f.write_str("*"),
            IndexPattern::Prefix(prefix) => write!(f, "{prefix}*"),
            IndexPattern::Exact(uid) => f.write_str(uid),
        }
    }
}

impl Serialize for IndexPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IndexPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IndexPattern {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_matches() {
        assert_eq!(p("*"), IndexPattern::All);
        assert!(p("*").matches("anything"));
        assert!(p("mov*").matches("movies") && p("mov*").matches("mov") && !p("mov*").matches("mo"));
        assert!(p("movies").matches("movies") && !p("movies").matches("movies2"));
        for bad in ["", "m v", "mov**", "*mov", "a*b", "é"] {
            assert!(bad.parse::<IndexPattern>().is_err(), "{bad:?} accepted");
        }
        for s in ["*", "mov*", "movies", "123"] {
            assert_eq!(p(s).to_string(), s);
        }
    }
}
