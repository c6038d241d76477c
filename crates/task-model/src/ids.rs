//! Identifiers. Each is its own type so a batch uid can never be passed where a
//! task uid is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The uid of a task: dense, increasing, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub u32);

/// The uid of a batch: dense, increasing, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub u32);

macro_rules! id_impls {
    ($t:ident) => {
        impl $t {
            /// Big-endian bytes, so that sled's byte order is numeric order.
            pub fn to_be_bytes(self) -> [u8; 4] {
                self.0.to_be_bytes()
            }
            /// Inverse of [`Self::to_be_bytes`]; `None` if the slice is not 4 bytes.
            pub fn from_be_slice(bytes: &[u8]) -> Option<Self> {
                Some(Self(u32::from_be_bytes(bytes.try_into().ok()?)))
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl FromStr for $t {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}
id_impls!(TaskId);
id_impls!(BatchId);

/// An index uid, valid by construction: 1 to 400 bytes of `[A-Za-z0-9_-]`.
/// (Meilisearch's message says 512 bytes; its check, and ours, is 400.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IndexUid(String);

/// Why a string is not an [`IndexUid`]. Displays as Meilisearch's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.")]
pub struct IndexUidError(pub String);

impl IndexUid {
    pub const MAX_LEN: usize = 400;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for IndexUid {
    type Err = IndexUidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(IndexUidError(s.to_owned()))
        }
    }
}

impl TryFrom<String> for IndexUid {
    type Error = IndexUidError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl<'de> Deserialize<'de> for IndexUid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for IndexUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for IndexUid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_uid_accepts_meilisearch_charset_and_rejects_the_rest() {
        for ok in ["movies", "a", "123", "my-index_2", &"x".repeat(400)] {
            assert!(ok.parse::<IndexUid>().is_ok(), "{ok}");
        }
        for bad in ["", "with space", "é", "a/b", "a.b", &"x".repeat(401)] {
            let err = bad.parse::<IndexUid>().unwrap_err();
            assert!(err.to_string().contains("is not a valid index uid"), "{bad}");
        }
    }

    #[test]
    fn ids_sort_numerically_as_bytes() {
        let (a, b) = (TaskId(9), TaskId(256));
        assert!(a.to_be_bytes() < b.to_be_bytes());
        assert_eq!(TaskId::from_be_slice(&b.to_be_bytes()), Some(b));
        assert_eq!(TaskId::from_be_slice(&[1, 2]), None);
    }
}
