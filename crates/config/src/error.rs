use std::path::PathBuf;

/// Why meili-lite cannot start with the given options. Displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An option has a value that does not parse or is not allowed.
    #[error("invalid value `{value}` for {option} (from {source_name}): expected {expected}")]
    Invalid { option: String, value: String, source_name: String, expected: String },
    /// A constraint between options is broken.
    #[error("{0}")]
    Constraint(String),
    /// The config file named explicitly does not exist.
    #[error("config file `{}` given by {option} does not exist", path.display())]
    MissingFile { path: PathBuf, option: String },
    /// The config file is not valid TOML, or has a key we do not know.
    #[error("config file `{}`: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// The command line itself is malformed, or asked for `--help`/`--version`;
    /// `clap::Error::exit` prints it the way a user expects.
    #[error("{0}")]
    Cli(#[from] clap::Error),
}
