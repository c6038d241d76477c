//! meili-lite's options, and the one place they are read and validated.
//!
//! Owns: the [`Opt`] struct, the merge order (built-in defaults < TOML config
//! file < `MEILI_*` environment < command line), and validation with errors
//! that name the option, the bad value and what is expected.
//!
//! Must not know: what the options are used for. Nothing here opens a port,
//! a database or a connection.

mod error;
mod load;
mod opt;
mod parse;
mod specs;

pub use error::ConfigError;
pub use load::{load, load_from};
pub use opt::{Env, LogLevel, Opt, Secret};
pub use parse::parse_byte_size;
