use task_model::{Code, ResponseError};
use uuid::Uuid;

/// Why a request or a key operation is refused. Displays as Meilisearch's
/// message (its "acces" spelling included, which clients may match on).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The Authorization header is missing. It must use the bearer authorization method.")]
    MissingAuthorizationHeader,
    #[error("Meilisearch is running without a master key. To access this API endpoint, you must have set a master key at launch.")]
    MissingMasterKey,
    #[error("The provided API key is invalid.")]
    InvalidApiKey,
    #[error("The API key cannot acces the index `{index}`, authorized indexes are {allowed:?}.")]
    KeyIndex { index: String, allowed: Vec<String> },
    #[error("The provided tenant token cannot acces the index `{index}`, allowed indexes are {allowed:?}.")]
    TokenIndex { index: String, allowed: Vec<String> },
    #[error("The API key used to generate this tenant token cannot acces the index `{0}`.")]
    TokenKeyIndex(String),
    #[error("Could not decode tenant token, {0}.")]
    TokenDecode(String),
    #[error("Tenant token expired. Was valid up to `{exp}` and we're now `{now}`.")]
    TokenExpired { exp: i64, now: i64 },
    #[error("API key `{0}` not found.")]
    NotFound(String),
    #[error("`uid` field value `{0}` is already an existing API key.")]
    AlreadyExists(Uuid),
    #[error("cannot create index-scoped API key with global action `\"{0}\"`\n  - Hint: remove action `\"{0}\"` from the action list, or remove `indexes` to make the key global")]
    ScopedGlobalAction(crate::Action),
    #[error("internal storage error: {0}")]
    Storage(#[from] sled::Error),
    #[error("internal error: corrupted API key record: {0}")]
    Corrupted(#[from] serde_json::Error),
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::MissingAuthorizationHeader => Code::MissingAuthorizationHeader,
            Error::MissingMasterKey => Code::MissingMasterKey,
            Error::InvalidApiKey
            | Error::KeyIndex { .. }
            | Error::TokenIndex { .. }
            | Error::TokenKeyIndex(_)
            | Error::TokenDecode(_)
            | Error::TokenExpired { .. } => Code::InvalidApiKey,
            Error::NotFound(_) => Code::ApiKeyNotFound,
            Error::AlreadyExists(_) => Code::ApiKeyAlreadyExists,
            Error::ScopedGlobalAction(_) => Code::IndexScopedApiKeyWithGlobalAction,
            Error::Storage(_) => Code::IoError,
            Error::Corrupted(_) => Code::Internal,
        }
    }
}

impl From<&Error> for ResponseError {
    fn from(e: &Error) -> Self {
        ResponseError::new(e.code(), e.to_string())
    }
}
