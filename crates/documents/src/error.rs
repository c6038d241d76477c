use task_model::{Code, IndexUid, ResponseError};

/// Everything that can go wrong reading or writing documents and indexes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Index `{0}` not found.")]
    IndexNotFound(IndexUid),
    #[error("Index `{0}` already exists.")]
    IndexAlreadyExists(IndexUid),
    #[error("Index `{index}`: Index already has a primary key: `{existing}`.")]
    PrimaryKeyAlreadyExists { index: IndexUid, existing: String },
    #[error("The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.")]
    NoPrimaryKeyCandidate,
    #[error("The primary key inference failed as the engine found {} fields ending with `id` in their names: '{}' and '{}'. Please specify the primary key manually using the `primaryKey` query parameter.", .0.len(), .0[0], .0[1])]
    MultiplePrimaryKeyCandidates(Vec<String>),
    #[error("Document doesn't have a `{primary_key}` attribute: `{document}`.")]
    MissingDocumentId { primary_key: String, document: String },
    #[error("Document identifier `{0}` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.")]
    InvalidDocumentId(String),
    #[error("Document `{0}` not found.")]
    DocumentNotFound(String),
    #[error("{}", malformed_message(format, detail))]
    MalformedPayload { format: &'static str, detail: String },
    #[error("A {0} payload is missing.")]
    MissingPayload(&'static str),
    #[error("Index `{index}`: `minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: {one}` and twoTypos: {two}`.")]
    InvalidMinWordSizeForTypos { index: IndexUid, one: u64, two: u64 },
    #[error("internal storage error: {0}")]
    Storage(#[from] sled::Error),
    #[error("internal error: corrupted record: {0}")]
    Corrupted(#[from] serde_json::Error),
    #[error("internal error: the search index could not follow: {0}")]
    Follower(crate::FollowError),
    #[error("{0}")]
    InvalidFilter(String),
}

/// Meilisearch words CSV errors slightly differently from JSON ones.
fn malformed_message(format: &str, detail: &str) -> String {
    if format == "csv" {
        format!("The `csv` payload provided is malformed: `{detail}`.")
    } else {
        format!("The `{format}` payload provided is malformed. `Couldn't serialize document value: {detail}`.")
    }
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::IndexNotFound(_) => Code::IndexNotFound,
            Error::IndexAlreadyExists(_) => Code::IndexAlreadyExists,
            Error::PrimaryKeyAlreadyExists { .. } => Code::IndexPrimaryKeyAlreadyExists,
            Error::NoPrimaryKeyCandidate => Code::IndexPrimaryKeyNoCandidateFound,
            Error::MultiplePrimaryKeyCandidates(_) => Code::IndexPrimaryKeyMultipleCandidatesFound,
            Error::MissingDocumentId { .. } => Code::MissingDocumentId,
            Error::InvalidDocumentId(_) => Code::InvalidDocumentId,
            Error::DocumentNotFound(_) => Code::DocumentNotFound,
            Error::MalformedPayload { .. } => Code::MalformedPayload,
            Error::MissingPayload(_) => Code::MissingPayload,
            Error::InvalidMinWordSizeForTypos { .. } => Code::InvalidSettingsTypoTolerance,
            Error::Storage(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::StorageFull => {
                Code::NoSpaceLeftOnDevice
            }
            Error::Storage(_) => Code::IoError,
            Error::Corrupted(_) | Error::Follower(_) => Code::Internal,
            Error::InvalidFilter(_) => Code::InvalidDocumentFilter,
        }
    }
}

impl From<&Error> for ResponseError {
    fn from(e: &Error) -> Self {
        ResponseError::new(e.code(), e.to_string())
    }
}
