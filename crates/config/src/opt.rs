use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use url::Url;

/// Everything meili-lite needs to know to start, already validated.
#[derive(Debug, Clone)]
pub struct Opt {
    pub db_path: PathBuf,
    pub http_addr: SocketAddr,
    pub master_key: Option<Secret>,
    pub env: Env,
    /// Bytes.
    pub http_payload_size_limit: u64,
    pub log_level: LogLevel,
    /// `None`: no limit on tasks per batch.
    pub max_batched_tasks: Option<usize>,
    pub task_webhook_url: Option<Url>,
    pub task_webhook_authorization_header: Option<Secret>,
    /// `whsec_` + base64: signs every request to the task webhook.
    pub task_webhook_signing_secret: Option<Secret>,
    /// `any`, or CIDRs webhooks may reach although they are private.
    pub experimental_allowed_ip_networks: Option<String>,
    pub webhook_connect_timeout: std::time::Duration,
    pub webhook_timeout: std::time::Duration,
    /// Delay before each attempt; the first is usually zero.
    pub webhook_retry_schedule: Vec<std::time::Duration>,
    /// Where `POST /dumps` writes.
    pub dump_dir: PathBuf,
    /// A dump to import at start-up.
    pub import_dump: Option<PathBuf>,
    pub ignore_missing_dump: bool,
    pub ignore_dump_if_db_exists: bool,
    /// Where `POST /snapshots` writes.
    pub snapshot_dir: PathBuf,
    /// Seconds between scheduled snapshots; `None`: none.
    pub schedule_snapshot: Option<u64>,
    /// A snapshot to restore at start-up.
    pub import_snapshot: Option<PathBuf>,
    pub ignore_missing_snapshot: bool,
    pub ignore_snapshot_if_db_exists: bool,
    /// Bytes each index's writer may use while indexing; `None`: the default.
    pub max_indexing_memory: Option<u64>,
    /// Threads each index's writer indexes with; `None`: the default.
    pub max_indexing_threads: Option<usize>,
    /// Searches that may wait for a slot.
    pub search_queue_size: usize,
    /// Searches running at once, per core.
    pub searches_per_core: usize,
    /// A search that waited longer than this for a slot is refused.
    pub drop_search_after: std::time::Duration,
    /// `--no-dashboard`.
    pub no_dashboard: bool,
    /// `--experimental-logs-mode json`.
    pub json_logs: bool,
    /// Experimental features on for this run, whatever is stored.
    pub enable_metrics: bool,
    pub enable_logs_route: bool,
    /// HTTPS: a PEM certificate chain and its key.
    pub ssl_cert_path: Option<PathBuf>,
    pub ssl_key_path: Option<PathBuf>,
    /// Mutual TLS: the CAs client certificates are checked against.
    pub ssl_auth_path: Option<PathBuf>,
    /// Refuse clients without a certificate.
    pub ssl_require_auth: bool,
    /// A DER OCSP response stapled to the certificate.
    pub ssl_ocsp_path: Option<PathBuf>,
    /// Session resumption: by a server-side cache, by tickets.
    pub ssl_resumption: bool,
    pub ssl_tickets: bool,
    /// Largest sum of payload sizes in one batch; `None`: the default.
    pub max_batch_bytes: Option<u64>,
    /// One line per Meilisearch option that was set but changes nothing
    /// here, saying why; logged as warnings at start-up.
    pub ignored: Vec<String>,
    /// The config file that was read, if any.
    pub config_file_path: Option<PathBuf>,
}

impl Opt {
    /// Whether `GET /` serves the dashboard: unless `--no-dashboard`, and
    /// never with `--env production`.
    pub fn dashboard(&self) -> bool {
        !self.no_dashboard && self.env != Env::Production
    }
}

/// `development` is forgiving; `production` insists on a master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    /// The level as a tracing filter directive.
    pub fn as_directive(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// A value that must never be printed: `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
