/// Everything that can go wrong in search and search indexing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index damaged: {0}")]
    Damaged(String),
    #[error("meili-lite does not support {0} yet.")]
    Unsupported(&'static str),
    #[error("{0}")]
    InvalidFilter(String),
}
