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
    #[error(transparent)]
    Search(search::Error),
    #[error(transparent)]
    Auth(#[from] auth::Error),
    /// One query of a multi-search failed: Meilisearch names the query and
    /// answers `400` whatever the error, but for a key refused its index.
    #[error("Inside `.queries[{query}]`: {source}")]
    InQuery { query: usize, source: Box<Error> },
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
            Error::Search(e) => ResponseError::new(Code::Internal, e.to_string()),
            Error::Auth(e) => e.into(),
            Error::InQuery { query, source } => {
                let inner = source.response_error();
                ResponseError { message: format!("Inside `.queries[{query}]`: {}", inner.message), ..inner }
            }
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Error::InQuery { source, .. } if !matches!(**source, Error::Auth(_)) => 400,
            e => e.response_error().http_status(),
        }
    }

    pub(crate) fn in_query(query: usize, source: Error) -> Self {
        Error::InQuery { query, source: Box::new(source) }
    }
}
