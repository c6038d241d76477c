//! The one place where errors become HTTP answers.

use task_model::{Code, ResponseError};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong (shape, values, auth, route).
    #[error("{message}")]
    Request { code: Code, message: String },
    #[error(transparent)]
    Scheduler(#[from] scheduler::Error),
    #[error(transparent)]
    Documents(#[from] documents::Error),
    #[error(transparent)]
    Webhook(#[from] webhook::Error),
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error::Request { code, message: message.into() }
    }

    /// The Meilisearch error object, which also gives the HTTP status.
    pub fn response_error(&self) -> ResponseError {
        match self {
            Error::Request { code, message } => ResponseError::new(*code, message.clone()),
            Error::Scheduler(e) => e.into(),
            Error::Documents(e) => e.into(),
            Error::Webhook(e) => e.into(),
        }
    }
}
