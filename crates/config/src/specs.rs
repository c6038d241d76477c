//! Every option, once: its flag, `MEILI_*` variable and TOML key (all derived
//! from [`Spec::key`] and [`Spec::flag`]), its default, and what meili-lite does
//! with it. Meilisearch 1.50's options are all here, so that its flags,
//! variables and `config.toml` start meili-lite unchanged: each is honoured,
//! ignored with a warning saying why, or refused where ignoring it would
//! surprise (docs/configuration.md has the table).

pub(crate) struct Spec {
    /// The TOML key; also the clap id.
    pub key: &'static str,
    pub flag: &'static str,
    pub value_name: &'static str,
    pub help: &'static str,
    pub default: Option<&'static str>,
    /// Never echo the value back, not even in an error.
    pub secret: bool,
    /// A flag without a value on the command line (`--ignore-missing-dump`);
    /// `true`/`false` in the environment and the file.
    pub switch: bool,
    /// The value a flag given without one takes (`--schedule-snapshot`).
    pub bare: Option<&'static str>,
    /// The variable, when it is not `MEILI_` + the key in capitals.
    pub env: Option<&'static str>,
    pub use_: Use,
}

/// What meili-lite does with an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Honoured,
    /// Accepted; set to anything but its default, one warning says why it
    /// changes nothing.
    Ignored(&'static str),
    /// Set to anything but its default, start-up stops saying why.
    Refused(&'static str),
}

const fn spec(key: &'static str, flag: &'static str, value_name: &'static str, help: &'static str) -> Spec {
    Spec {
        key,
        flag,
        value_name,
        help,
        default: None,
        secret: false,
        switch: false,
        bare: None,
        env: None,
        use_: Use::Honoured,
    }
}

/// A Meilisearch option meili-lite accepts but does not act on.
const fn ignored(key: &'static str, flag: &'static str, value_name: &'static str, why: &'static str) -> Spec {
    Spec { use_: Use::Ignored(why), ..spec(key, flag, value_name, why) }
}

/// A Meilisearch option meili-lite cannot honour and will not silently drop.
const fn refused(key: &'static str, flag: &'static str, value_name: &'static str, why: &'static str) -> Spec {
    Spec { use_: Use::Refused(why), ..spec(key, flag, value_name, why) }
}

const fn off(spec: Spec) -> Spec {
    Spec { switch: true, value_name: "", ..spec }
}

const SNAPSHOTS: &str = "meili-lite compacts nothing when it takes a snapshot";
const S3: &str = "meili-lite does not send snapshots to S3";
const INDEXING: &str = "meili-lite sizes indexing itself (tantivy with a bounded memory budget per thread)";

const fn switch(key: &'static str, flag: &'static str, help: &'static str) -> Spec {
    Spec { switch: true, ..spec(key, flag, "", help) }
}

pub(crate) const SPECS: &[Spec] = &[
    Spec {
        default: Some("./data.ms"),
        ..spec("db_path", "db-path", "PATH", "Directory of the database (an embedded sled store).")
    },
    Spec {
        default: Some("127.0.0.1:7700"),
        ..spec("http_addr", "http-addr", "HOST:PORT", "Address the HTTP server listens on.")
    },
    Spec {
        secret: true,
        ..spec(
            "master_key",
            "master-key",
            "KEY",
            "Master key: when set, every route but /health needs `Authorization: Bearer <key>`.",
        )
    },
    Spec {
        default: Some("development"),
        ..spec(
            "env",
            "env",
            "ENV",
            "`development` or `production`; production refuses to start without a master key of at least 16 bytes.",
        )
    },
    Spec {
        default: Some("100 MB"),
        ..spec(
            "http_payload_size_limit",
            "http-payload-size-limit",
            "SIZE",
            "Largest accepted request body, e.g. `100 MB` or `1GiB`.",
        )
    },
    Spec {
        default: Some("INFO"),
        ..spec("log_level", "log-level", "LEVEL", "One of OFF, ERROR, WARN, INFO, DEBUG, TRACE.")
    },
    spec(
        "experimental_max_number_of_batched_tasks",
        "experimental-max-number-of-batched-tasks",
        "N",
        "Most tasks processed in one batch (no limit by default).",
    ),
    spec(
        "task_webhook_url",
        "task-webhook-url",
        "URL",
        "URL that receives every finished batch of tasks (gzip NDJSON), kept exactly as given.",
    ),
    Spec {
        secret: true,
        ..spec(
            "task_webhook_authorization_header",
            "task-webhook-authorization-header",
            "VALUE",
            "Authorization header sent with each task webhook request.",
        )
    },
    Spec {
        secret: true,
        ..spec(
            "task_webhook_signing_secret",
            "task-webhook-signing-secret",
            "SECRET",
            "Standard Webhooks signing secret (`whsec_` + base64) for the task webhook.",
        )
    },
    spec(
        "experimental_allowed_ip_networks",
        "experimental-allowed-ip-networks",
        "CIDRS",
        "Private networks webhooks may reach (comma-separated CIDRs, or `any`); loopback is also allowed with --env development.",
    ),
    Spec {
        default: Some("10s"),
        ..spec(
            "webhook_connect_timeout",
            "webhook-connect-timeout",
            "DURATION",
            "Longest a webhook connection (TCP and TLS handshake) may take to open.",
        )
    },
    Spec {
        default: Some("30s"),
        ..spec(
            "webhook_timeout",
            "webhook-timeout",
            "DURATION",
            "Longest a webhook request may take, connect to last byte (`500ms`, `30s`, `2m`).",
        )
    },
    Spec {
        default: Some("0,5s,5m,30m,2h,5h,10h,14h,20h,24h"),
        ..spec(
            "webhook_retry_schedule",
            "webhook-retry-schedule",
            "DURATIONS",
            "Delay before each webhook delivery attempt; its length is the number of attempts (Standard Webhooks' schedule by default).",
        )
    },
    Spec {
        default: Some("dumps/"),
        ..spec("dump_dir", "dump-dir", "PATH", "Directory where `POST /dumps` writes dumps.")
    },
    spec(
        "import_dump",
        "import-dump",
        "PATH",
        "Imports this dump (Meilisearch's format, V6) at start-up, into an empty database.",
    ),
    switch("ignore_missing_dump", "ignore-missing-dump", "Start without importing when the --import-dump file does not exist."),
    switch(
        "ignore_dump_if_db_exists",
        "ignore-dump-if-db-exists",
        "Start without importing when the database already exists.",
    ),
    Spec {
        default: Some("false"),
        ..switch(
            "no_dashboard",
            "no-dashboard",
            "Serve no dashboard at GET / (it is off anyway with --env production).",
        )
    },
    Spec {
        default: Some("false"),
        ..off(ignored("no_analytics", "no-analytics", "", "meili-lite sends no analytics, so there is nothing to turn off"))
    },
    spec("ssl_cert_path", "ssl-cert-path", "PATH", "PEM certificate chain: serve HTTPS (with --ssl-key-path)."),
    spec("ssl_key_path", "ssl-key-path", "PATH", "PEM private key of --ssl-cert-path."),
    spec(
        "ssl_auth_path",
        "ssl-auth-path",
        "PATH",
        "PEM certificates of the CAs whose client certificates are accepted (mutual TLS).",
    ),
    switch("ssl_require_auth", "ssl-require-auth", "Refuse clients without a certificate signed by --ssl-auth-path."),
    spec(
        "ssl_ocsp_path",
        "ssl-ocsp-path",
        "PATH",
        "A DER OCSP response to staple to the certificate, for clients that ask.",
    ),
    Spec {
        default: Some("false"),
        ..switch("ssl_resumption", "ssl-resumption", "Lets TLS clients resume sessions (a server-side cache).")
    },
    Spec {
        default: Some("false"),
        ..switch("ssl_tickets", "ssl-tickets", "Lets TLS clients resume sessions with tickets (stateless).")
    },
    spec(
        "import_snapshot",
        "import-snapshot",
        "PATH",
        "Restores this snapshot (meili-lite's own format) as the database at start-up.",
    ),
    switch(
        "ignore_missing_snapshot",
        "ignore-missing-snapshot",
        "Start without restoring when the --import-snapshot file does not exist.",
    ),
    switch(
        "ignore_snapshot_if_db_exists",
        "ignore-snapshot-if-db-exists",
        "Start without restoring when the database already exists.",
    ),
    Spec {
        default: Some("snapshots/"),
        ..spec("snapshot_dir", "snapshot-dir", "PATH", "Directory where `POST /snapshots` writes snapshots.")
    },
    Spec {
        default: Some("false"),
        bare: Some("86400"),
        ..spec(
            "schedule_snapshot",
            "schedule-snapshot",
            "SECONDS",
            "Takes a snapshot every SECONDS (86400 when given alone); `false` for none.",
        )
    },
    Spec {
        default: Some("false"),
        ..off(ignored(
            "experimental_contains_filter",
            "experimental-contains-filter",
            "",
            "meili-lite always answers CONTAINS filters",
        ))
    },
    Spec {
        default: Some("false"),
        ..switch(
            "experimental_enable_metrics",
            "experimental-enable-metrics",
            "Turns on the `metrics` experimental feature (GET /metrics) for this run.",
        )
    },
    Spec {
        default: Some("false"),
        env: Some("MEILI_EXPERIMENTAL_LEGACY_SEARCH"),
        ..off(ignored(
            "experimental_legacy_search_default",
            "experimental-legacy-search-default",
            "",
            "meili-lite has one search",
        ))
    },
    Spec {
        default: Some("1000"),
        ..spec(
            "experimental_search_queue_size",
            "experimental-search-queue-size",
            "N",
            "Searches that may wait for a slot; past that, `503 too_many_search_requests`.",
        )
    },
    Spec {
        default: Some("60"),
        ..spec(
            "experimental_drop_search_after",
            "experimental-drop-search-after",
            "SECONDS",
            "A search that waited longer than this for a slot is answered `503 too_many_search_requests`.",
        )
    },
    Spec {
        default: Some("4"),
        ..spec(
            "experimental_nb_searches_per_core",
            "experimental-nb-searches-per-core",
            "N",
            "Searches running at once, per core.",
        )
    },
    Spec {
        default: Some("human"),
        ..spec(
            "experimental_logs_mode",
            "experimental-logs-mode",
            "MODE",
            "`human`, or `json`: one JSON object per line on stderr.",
        )
    },
    Spec {
        default: Some("false"),
        ..off(ignored("upgrade_db", "upgrade-db", "", "meili-lite's database needs no upgrade step"))
    },
    Spec {
        default: Some("false"),
        ..off(ignored("experimental_dumpless_upgrade", "experimental-dumpless-upgrade", "", "meili-lite's database needs no upgrade step"))
    },
    Spec {
        default: Some("false"),
        ..switch(
            "experimental_enable_logs_route",
            "experimental-enable-logs-route",
            "Turns on the `logsRoute` experimental feature (/logs/stream, /logs/stderr) for this run.",
        )
    },
    Spec {
        default: Some("false"),
        ..off(ignored(
            "experimental_reduce_indexing_memory_usage",
            "experimental-reduce-indexing-memory-usage",
            "",
            INDEXING,
        ))
    },
    spec(
        "experimental_limit_batched_tasks_total_size",
        "experimental-limit-batched-tasks-total-size",
        "SIZE",
        "Largest sum of payload sizes in one batch, e.g. `256 MiB` (one task always fits).",
    ),
    ignored(
        "experimental_embedding_cache_entries",
        "experimental-embedding-cache-entries",
        "N",
        "meili-lite embeds nothing",
    ),
    Spec {
        secret: true,
        ..ignored(
            "experimental_personalization_api_key",
            "experimental-personalization-api-key",
            "KEY",
            "meili-lite has no search personalization",
        )
    },
    spec(
        "max_indexing_memory",
        "max-indexing-memory",
        "SIZE",
        "Memory each index's writer may use while indexing, e.g. `512 MiB` (default: 64 MiB per thread).",
    ),
    spec(
        "max_indexing_threads",
        "max-indexing-threads",
        "N",
        "Threads each index's writer indexes with, or `unlimited` (default: the cores, at most 4).",
    ),
    Spec {
        default: Some("false"),
        ..off(ignored(
            "experimental_no_edition_2024_for_settings",
            "experimental-no-edition-2024-for-settings",
            "",
            INDEXING,
        ))
    },
    Spec {
        default: Some("false"),
        ..off(ignored(
            "experimental_no_edition_2024_for_dumps",
            "experimental-no-edition-2024-for-dumps",
            "",
            "meili-lite writes one dump format",
        ))
    },
    Spec {
        default: Some("false"),
        ..off(ignored(
            "experimental_no_snapshot_compaction",
            "experimental-no-snapshot-compaction",
            "",
            SNAPSHOTS,
        ))
    },
    Spec {
        default: Some("false"),
        ..off(ignored(
            "experimental_replication_parameters",
            "experimental-replication-parameters",
            "",
            "meili-lite has no replication yet",
        ))
    },
    refused("s3_bucket_url", "s3-bucket-url", "URL", S3),
    refused("s3_bucket_region", "s3-bucket-region", "REGION", S3),
    refused("s3_bucket_name", "s3-bucket-name", "NAME", S3),
    refused("s3_snapshot_prefix", "s3-snapshot-prefix", "PREFIX", S3),
    Spec { secret: true, ..refused("s3_access_key", "s3-access-key", "KEY", S3) },
    Spec { secret: true, ..refused("s3_secret_key", "s3-secret-key", "KEY", S3) },
    refused("experimental_s3_role_arn", "experimental-s3-role-arn", "ARN", S3),
    refused("experimental_s3_web_identity_token_file", "experimental-s3-web-identity-token-file", "PATH", S3),
    ignored("experimental_s3_max_in_flight_parts", "experimental-s3-max-in-flight-parts", "N", S3),
    ignored("experimental_s3_compression_level", "experimental-s3-compression-level", "N", S3),
    ignored("experimental_s3_signature_duration_seconds", "experimental-s3-signature-duration-seconds", "SECONDS", S3),
    ignored("experimental_s3_multipart_part_size", "experimental-s3-multipart-part-size", "SIZE", S3),
];

pub(crate) const CONFIG_FILE: Spec = spec(
    "config_file_path",
    "config-file-path",
    "PATH",
    "TOML file with any of the options above as snake_case keys. Defaults to ./config.toml when present.",
);
