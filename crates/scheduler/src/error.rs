use task_model::{BatchId, Code, ResponseError, TaskId};

/// What can go wrong in the queue itself (task failures are not errors: they
/// are recorded on the task).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Task `{0}` not found.")]
    TaskNotFound(TaskId),
    #[error("Batch `{0}` not found.")]
    BatchNotFound(BatchId),
    #[error("the task queue is shutting down")]
    ShuttingDown,
    #[error("the task queue is full: no task uid left")]
    NoTaskUidLeft,
    #[error("internal storage error: {0}")]
    Storage(#[from] sled::Error),
    #[error("could not make the task durable: {0}")]
    Durability(String),
    #[error("internal error: corrupted record: {0}")]
    Corrupted(#[from] serde_json::Error),
    #[error("the batch observer failed: {0}")]
    Observer(String),
    #[error(transparent)]
    Documents(#[from] documents::Error),
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::TaskNotFound(_) => Code::TaskNotFound,
            Error::BatchNotFound(_) => Code::BatchNotFound,
            Error::Documents(e) => e.code(),
            Error::Storage(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::StorageFull => {
                Code::NoSpaceLeftOnDevice
            }
            Error::Storage(_) | Error::Durability(_) => Code::IoError,
            Error::ShuttingDown | Error::NoTaskUidLeft | Error::Corrupted(_) | Error::Observer(_) => Code::Internal,
        }
    }
}

impl From<&Error> for ResponseError {
    fn from(e: &Error) -> Self {
        match e {
            Error::Documents(inner) => inner.into(),
            other => ResponseError::new(other.code(), other.to_string()),
        }
    }
}
