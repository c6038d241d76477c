use task_model::{Code, ResponseError};

/// What can go wrong managing webhooks. Displays as Meilisearch's message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Webhook `{0}` not found.")]
    NotFound(uuid::Uuid),
    #[error("Delivery `{0}` not found, or no longer kept.")]
    DeliveryNotFound(String),
    #[error("{0}")]
    InvalidUuid(String),
    #[error("{0}")]
    InvalidUrl(String),
    #[error("{0}")]
    InvalidHeaders(String),
    #[error("{0}")]
    TooMany(String),
    #[error("{0}")]
    Immutable(String),
    #[error("{message}")]
    BadBody { code: Code, message: String },
    #[error("cannot set up TLS for webhooks: {0}")]
    Tls(String),
    #[error("cannot start the delivery recorder: {0}")]
    Thread(#[from] std::io::Error),
    #[error("no randomness available: {0}")]
    Randomness(String),
    #[error("internal storage error: {0}")]
    Storage(#[from] sled::Error),
    #[error("internal error: corrupted webhook record: {0}")]
    Corrupted(#[from] serde_json::Error),
    #[error("internal error: corrupted delivery record")]
    CorruptedRow,
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::NotFound(_) => Code::WebhookNotFound,
            Error::DeliveryNotFound(_) => Code::WebhookDeliveryNotFound,
            Error::InvalidUuid(_) => Code::InvalidWebhookUuid,
            Error::InvalidUrl(_) => Code::InvalidWebhookUrl,
            Error::InvalidHeaders(_) => Code::InvalidWebhookHeaders,
            Error::TooMany(_) => Code::InvalidWebhooks,
            Error::Immutable(_) => Code::ImmutableWebhook,
            Error::BadBody { code, .. } => *code,
            Error::Storage(_) => Code::IoError,
            Error::Tls(_) | Error::Randomness(_) | Error::Thread(_) => Code::Internal,
            Error::Corrupted(_) | Error::CorruptedRow => Code::Internal,
        }
    }
}

impl From<&Error> for ResponseError {
    fn from(e: &Error) -> Self {
        ResponseError::new(e.code(), e.to_string())
    }
}
