use std::path::PathBuf;

/// What can go wrong reading or writing a dump.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot {what} `{}`: {source}", path.display())]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("`{}` is not a dump: {why}", path.display())]
    NotADump { why: String, path: PathBuf },
    #[error("the dump is version {0}; meili-lite reads Meilisearch's V6 dumps (Meilisearch 1.x since 1.0)")]
    UnsupportedVersion(String),
    #[error("the dump is damaged: {0}")]
    Corrupted(String),
}

impl Error {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { what, path, source }
    }

    pub(crate) fn corrupted(what: impl std::fmt::Display) -> Error {
        Error::Corrupted(what.to_string())
    }
}
