//! Reading options from their four sources and merging them.
//!
//! One table, [`SPECS`], names every option once; the flag, the `MEILI_*`
//! variable and the TOML key are all derived from it, so they cannot drift.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, Command};
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::Deserialize;

use crate::parse::{self, Parsed};
use crate::specs::{Spec, Use, CONFIG_FILE, SPECS};
use crate::{ConfigError, Env, Opt, Secret};

fn env_var(key: &str) -> String {
    match spec_of(key).env {
        Some(name) => name.to_owned(),
        None => format!("MEILI_{}", key.to_ascii_uppercase()),
    }
}

/// The clap command; `--help` is generated from [`SPECS`].
fn command() -> Command {
    let mut cmd = Command::new("meili-lite")
        .version(env!("CARGO_PKG_VERSION"))
        // The last occurrence of a flag wins, so scripts can append overrides.
        .args_override_self(true)
        .about("A small, fast Meilisearch-compatible server with first-class task webhooks.")
        .after_help(
            "Precedence, lowest first: defaults < config file < MEILI_* environment < command line.\n\n\
             Tools for webhook consumers: `meili-lite receive --help` (receive, show, check and forward \
             deliveries), `meili-lite verify --help` (check one captured delivery's signature).",
        );
    for s in SPECS.iter().chain([&CONFIG_FILE]) {
        let mut help = format!("{} [env: {}]", s.help, env_var(s.key));
        if let Some(d) = s.default {
            help.push_str(&format!(" [default: {d}]"));
        }
        let arg = Arg::new(s.key).long(s.flag).help(help);
        cmd = cmd.arg(match (s.switch, s.bare) {
            (true, _) => arg.action(ArgAction::SetTrue),
            (false, Some(bare)) => {
                arg.value_name(s.value_name).num_args(0..=1).default_missing_value(bare).action(ArgAction::Set)
            }
            (false, None) => arg.value_name(s.value_name).action(ArgAction::Set),
        });
    }
    cmd
}

/// Reads options from the real command line and environment.
pub fn load() -> Result<Opt, ConfigError> {
    load_from(std::env::args_os(), &std::env::vars().collect())
}

/// Where a value came from, for error messages.
#[derive(Clone, Copy)]
enum Source {
    Default,
    File,
    Env,
    Cli,
}

/// A scalar as TOML or a string source gives it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn into_string(self) -> String {
        match self {
            Scalar::Str(s) => s,
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// Reads options from `args` (the first is the program name) and `env`.
pub fn load_from(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    env: &HashMap<String, String>,
) -> Result<Opt, ConfigError> {
    let matches = command().try_get_matches_from(args)?;
    let cli = |key: &str| match spec_of(key).switch {
        true => matches.get_flag(key).then(|| "true".to_owned()),
        false => matches.get_one::<String>(key).cloned(),
    };
    let from_env = |key: &str| env.get(&env_var(key)).cloned();

    let file = config_file(cli(CONFIG_FILE.key), from_env(CONFIG_FILE.key))?;

    let mut sources: HashMap<&str, Source> = HashMap::new();
    let defaults: BTreeMap<&str, &str> = SPECS.iter().filter_map(|s| Some((s.key, s.default?))).collect();
    for key in defaults.keys() {
        sources.insert(key, Source::Default);
    }
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(path) = &file {
        let keys = file_keys(path)?;
        for key in keys {
            sources.insert(key, Source::File);
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    for (source, read) in [(Source::Env, &from_env as &dyn Fn(&str) -> Option<String>), (Source::Cli, &cli)] {
        let layer: BTreeMap<&str, String> = SPECS.iter().filter_map(|s| Some((s.key, read(s.key)?))).collect();
        for key in layer.keys() {
            sources.insert(key, source);
        }
        figment = figment.merge(Serialized::defaults(layer));
    }
    let merged: BTreeMap<String, Scalar> = figment
        .extract()
        .map_err(|e| ConfigError::File { path: file.clone().unwrap_or_default(), message: e.to_string() })?;
    let mut values: HashMap<String, String> = merged.into_iter().map(|(k, v)| (k, v.into_string())).collect();

    let source_name = |key: &str| -> String {
        match sources.get(key).copied().unwrap_or(Source::Default) {
            Source::Default => "the default".into(),
            Source::File => format!("{} in {}", key, file.as_deref().unwrap_or(Path::new("?")).display()),
            Source::Env => env_var(key),
            Source::Cli => format!("--{}", spec_of(key).flag),
        }
    };
    // Empty means unset, so `MEILI_TASK_WEBHOOK_URL=` keeps the webhook off.
    let mut take = |key: &str| values.remove(key).filter(|v| !v.is_empty());
    let get = |key: &'static str, value: Option<String>| -> Getter { Getter { key, value, source: source_name(key) } };

    let mut ignored = Vec::new();
    for s in SPECS.iter().filter(|s| s.use_ != Use::Honoured) {
        let value = take(s.key);
        let set = value.as_deref().is_some_and(|v| Some(v) != s.default && v != "false");
        let named = format!("--{} / {}", s.flag, env_var(s.key));
        match (s.use_, set) {
            (Use::Refused(why), true) => return Err(ConfigError::Constraint(format!("{named}: {why}"))),
            (Use::Ignored(why), true) => ignored.push(format!("{named} is ignored: {why}")),
            _ => {}
        }
    }
    let opt = Opt {
        db_path: PathBuf::from(get("db_path", take("db_path")).required(|s| Ok(s.to_owned()))?),
        http_addr: get("http_addr", take("http_addr")).required(parse::socket_addr)?,
        master_key: take("master_key").map(Secret::new),
        env: get("env", take("env")).required(parse::env)?,
        http_payload_size_limit: get("http_payload_size_limit", take("http_payload_size_limit"))
            .required(parse::byte_size)?,
        log_level: get("log_level", take("log_level")).required(parse::log_level)?,
        max_batched_tasks: get(
            "experimental_max_number_of_batched_tasks",
            take("experimental_max_number_of_batched_tasks"),
        )
        .optional(parse::positive_integer)?,
        task_webhook_url: get("task_webhook_url", take("task_webhook_url")).optional(parse::webhook_url)?,
        task_webhook_authorization_header: get(
            "task_webhook_authorization_header",
            take("task_webhook_authorization_header"),
        )
        .optional(parse::header_value)?
        .map(Secret::new),
        task_webhook_signing_secret: get("task_webhook_signing_secret", take("task_webhook_signing_secret"))
            .optional(parse::signing_secret)?
            .map(Secret::new),
        experimental_allowed_ip_networks: get(
            "experimental_allowed_ip_networks",
            take("experimental_allowed_ip_networks"),
        )
        .optional(parse::networks)?,
        webhook_connect_timeout: get("webhook_connect_timeout", take("webhook_connect_timeout"))
            .required(parse::duration)?,
        webhook_timeout: get("webhook_timeout", take("webhook_timeout")).required(parse::duration)?,
        webhook_retry_schedule: get("webhook_retry_schedule", take("webhook_retry_schedule"))
            .required(parse::durations)?,
        dump_dir: PathBuf::from(get("dump_dir", take("dump_dir")).required(|s| Ok(s.to_owned()))?),
        import_dump: take("import_dump").map(PathBuf::from),
        ignore_missing_dump: get("ignore_missing_dump", take("ignore_missing_dump"))
            .optional(parse::boolean)?
            .unwrap_or(false),
        ignore_dump_if_db_exists: get("ignore_dump_if_db_exists", take("ignore_dump_if_db_exists"))
            .optional(parse::boolean)?
            .unwrap_or(false),
        snapshot_dir: PathBuf::from(get("snapshot_dir", take("snapshot_dir")).required(|s| Ok(s.to_owned()))?),
        schedule_snapshot: get("schedule_snapshot", take("schedule_snapshot")).optional(parse::schedule)?.flatten(),
        import_snapshot: take("import_snapshot").map(PathBuf::from),
        ignore_missing_snapshot: get("ignore_missing_snapshot", take("ignore_missing_snapshot"))
            .optional(parse::boolean)?
            .unwrap_or(false),
        ignore_snapshot_if_db_exists: get("ignore_snapshot_if_db_exists", take("ignore_snapshot_if_db_exists"))
            .optional(parse::boolean)?
            .unwrap_or(false),
        max_indexing_memory: get("max_indexing_memory", take("max_indexing_memory")).optional(parse::byte_size)?,
        max_indexing_threads: get("max_indexing_threads", take("max_indexing_threads"))
            .optional(parse::threads)?
            .flatten(),
        search_queue_size: get("experimental_search_queue_size", take("experimental_search_queue_size"))
            .required(|s| s.parse::<usize>().map_err(|_| "a number"))?,
        searches_per_core: get("experimental_nb_searches_per_core", take("experimental_nb_searches_per_core"))
            .required(parse::positive_integer)?,
        drop_search_after: get("experimental_drop_search_after", take("experimental_drop_search_after"))
            .required(parse::positive_integer)
            .map(|s| std::time::Duration::from_secs(s as u64))?,
        no_dashboard: get("no_dashboard", take("no_dashboard")).optional(parse::boolean)?.unwrap_or(false),
        json_logs: get("experimental_logs_mode", take("experimental_logs_mode")).required(parse::logs_mode)?,
        enable_metrics: get("experimental_enable_metrics", take("experimental_enable_metrics"))
            .optional(parse::boolean)?
            .unwrap_or(false),
        enable_logs_route: get("experimental_enable_logs_route", take("experimental_enable_logs_route"))
            .optional(parse::boolean)?
            .unwrap_or(false),
        ssl_cert_path: take("ssl_cert_path").map(PathBuf::from),
        ssl_key_path: take("ssl_key_path").map(PathBuf::from),
        ssl_auth_path: take("ssl_auth_path").map(PathBuf::from),
        ssl_require_auth: get("ssl_require_auth", take("ssl_require_auth")).optional(parse::boolean)?.unwrap_or(false),
        ssl_ocsp_path: take("ssl_ocsp_path").map(PathBuf::from),
        ssl_resumption: get("ssl_resumption", take("ssl_resumption")).optional(parse::boolean)?.unwrap_or(false),
        ssl_tickets: get("ssl_tickets", take("ssl_tickets")).optional(parse::boolean)?.unwrap_or(false),
        max_batch_bytes: get(
            "experimental_limit_batched_tasks_total_size",
            take("experimental_limit_batched_tasks_total_size"),
        )
        .optional(parse::byte_size)?,
        ignored,
        config_file_path: file,
    };
    check_production(&opt)?;
    check_tls(&opt)?;
    Ok(opt)
}

fn spec_of(key: &str) -> &'static Spec {
    SPECS.iter().chain([&CONFIG_FILE]).find(|s| s.key == key).unwrap_or(&CONFIG_FILE)
}

/// One option's merged value on its way to being parsed.
struct Getter {
    key: &'static str,
    value: Option<String>,
    source: String,
}

impl Getter {
    fn optional<T>(self, parse: impl Fn(&str) -> Parsed<T>) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.value else {
            return Ok(None);
        };
        parse(&value).map(Some).map_err(|expected| {
            let s = spec_of(self.key);
            ConfigError::Invalid {
                option: format!("--{} / {}", s.flag, env_var(s.key)),
                value: if s.secret { "[redacted]".into() } else { value },
                source_name: self.source,
                expected: expected.into(),
            }
        })
    }

    fn required<T>(self, parse: impl Fn(&str) -> Parsed<T>) -> Result<T, ConfigError> {
        let key = self.key;
        self.optional(parse)?.ok_or_else(|| {
            let s = spec_of(key);
            ConfigError::Constraint(format!("--{} / {} must not be empty", s.flag, env_var(s.key)))
        })
    }
}

/// The explicit config file must exist; the implicit `./config.toml` is optional.
fn config_file(cli: Option<String>, env: Option<String>) -> Result<Option<PathBuf>, ConfigError> {
    let explicit =
        cli.map(|p| (p, format!("--{}", CONFIG_FILE.flag))).or_else(|| env.map(|p| (p, env_var(CONFIG_FILE.key))));
    match explicit {
        Some((path, option)) => {
            let path = PathBuf::from(path);
            if path.is_file() {
                Ok(Some(path))
            } else {
                Err(ConfigError::MissingFile { path, option })
            }
        }
        None => Ok(Some(PathBuf::from("./config.toml")).filter(|p| p.is_file())),
    }
}

/// The keys of a config file; an unknown key is an error rather than a silent typo.
fn file_keys(path: &Path) -> Result<Vec<&'static str>, ConfigError> {
    let file_error = |message: String| ConfigError::File { path: path.to_owned(), message };
    let table: BTreeMap<String, figment::value::Value> =
        Figment::from(Toml::file_exact(path)).extract().map_err(|e| file_error(e.to_string()))?;
    table
        .keys()
        .map(|k| {
            SPECS.iter().find(|s| s.key == k).map(|s| s.key).ok_or_else(|| {
                let known: Vec<_> = SPECS.iter().map(|s| s.key).collect();
                file_error(format!("unknown key `{k}`; expected one of {}", known.join(", ")))
            })
        })
        .collect()
}

fn check_tls(opt: &Opt) -> Result<(), ConfigError> {
    match (&opt.ssl_cert_path, &opt.ssl_key_path) {
        (Some(_), None) | (None, Some(_)) => {
            Err(ConfigError::Constraint("--ssl-cert-path and --ssl-key-path go together: HTTPS needs both".into()))
        }
        (None, None) if opt.ssl_auth_path.is_some() || opt.ssl_require_auth => Err(ConfigError::Constraint(
            "--ssl-auth-path and --ssl-require-auth need HTTPS (--ssl-cert-path and --ssl-key-path)".into(),
        )),
        _ if opt.ssl_require_auth && opt.ssl_auth_path.is_none() => Err(ConfigError::Constraint(
            "--ssl-require-auth needs --ssl-auth-path (the CAs client certificates must be signed by)".into(),
        )),
        _ => Ok(()),
    }
}

fn check_production(opt: &Opt) -> Result<(), ConfigError> {
    if opt.env != Env::Production {
        return Ok(());
    }
    let len = opt.master_key.as_ref().map_or(0, |k| k.expose().len());
    if len < 16 {
        return Err(ConfigError::Constraint(format!(
            "--env production requires --master-key / MEILI_MASTER_KEY of at least 16 bytes (got {len} bytes)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn file(contents: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        f.write_all(contents.as_bytes()).unwrap();
        f
    }

    #[test]
    fn defaults() {
        let opt = load_from(["meili-lite"], &env(&[])).unwrap();
        assert_eq!(opt.db_path, PathBuf::from("./data.ms"));
        assert_eq!(opt.http_addr.to_string(), "127.0.0.1:7700");
        assert_eq!(opt.http_payload_size_limit, 100_000_000);
        assert_eq!(opt.env, Env::Development);
        assert!(opt.master_key.is_none() && opt.task_webhook_url.is_none() && opt.max_batched_tasks.is_none());
    }

    /// Meilisearch's own sample `config.toml` (from its repository, every key
    /// at its default) starts meili-lite unchanged.
    #[test]
    fn meilisearch_sample_config_starts() {
        let f = file(include_str!("meilisearch-config.toml"));
        let opt = load_from(["meili-lite", "--config-file-path", f.path().to_str().unwrap()], &env(&[])).unwrap();
        assert_eq!(opt.http_addr.port(), 7700);
        assert_eq!(opt.dump_dir, PathBuf::from("dumps/"));
        assert!(opt.ignored.is_empty(), "defaults warn of nothing: {:?}", opt.ignored);
    }

    /// Each Meilisearch option reaches the same place from its flag, its
    /// variable and its TOML key; ignored ones warn, refused ones stop.
    #[test]
    fn every_source_of_an_option_agrees() {
        let cases: &[(&str, &str, &str)] = &[
            ("experimental_limit_batched_tasks_total_size", "64 MiB", "limit"),
            ("experimental_drop_search_after", "10", "drop"),
            ("experimental_enable_logs_route", "true", "logs"),
            ("no_analytics", "true", "ignored"),
            ("experimental_s3_compression_level", "3", "ignored"),
            ("s3_bucket_url", "https://s3.example", "refused"),
        ];
        for (key, value, outcome) in cases {
            let s = spec_of(key);
            let flag = format!("--{}", s.flag);
            let mut args = vec!["meili-lite".to_owned(), flag.clone()];
            if !s.switch {
                args.push((*value).to_owned());
            }
            let toml_value =
                if s.switch || value.parse::<i64>().is_ok() { (*value).to_owned() } else { format!("{value:?}") };
            let f = file(&format!("{key} = {toml_value}\n"));
            let from = [
                load_from(args, &env(&[])),
                load_from(["meili-lite"], &env(&[(env_var(key).as_str(), value)])),
                load_from(["meili-lite", "--config-file-path", f.path().to_str().unwrap()], &env(&[])),
            ];
            for (source, result) in ["flag", "variable", "file"].iter().zip(from) {
                match *outcome {
                    "limit" => {
                        assert_eq!(result.unwrap().max_batch_bytes, Some(64 * 1024 * 1024), "{key} from the {source}")
                    }
                    "drop" => assert_eq!(result.unwrap().drop_search_after.as_secs(), 10, "{key} from the {source}"),
                    "logs" => assert!(result.unwrap().enable_logs_route, "{key} from the {source}"),
                    "ignored" => {
                        let ignored = result.unwrap().ignored;
                        assert!(
                            ignored.len() == 1 && ignored[0].contains(&flag) && ignored[0].contains("ignored: "),
                            "{key} from the {source}: {ignored:?}"
                        );
                    }
                    _ => {
                        let e = result.unwrap_err().to_string();
                        assert!(e.contains(&flag) && e.contains("meili-lite"), "{key} from the {source}: {e}");
                    }
                }
            }
        }
        // A bare `--schedule-snapshot` means every day.
        assert_eq!(
            load_from(["meili-lite", "--schedule-snapshot"], &env(&[])).unwrap().schedule_snapshot,
            Some(86_400)
        );
        let every_hour = load_from(["meili-lite"], &env(&[("MEILI_SCHEDULE_SNAPSHOT", "3600")])).unwrap();
        assert_eq!(every_hour.schedule_snapshot, Some(3600));
        // The one variable that is not MEILI_ + the key.
        let e = env(&[("MEILI_EXPERIMENTAL_LEGACY_SEARCH", "true")]);
        assert_eq!(load_from(["meili-lite"], &e).unwrap().ignored.len(), 1);
    }

    #[test]
    fn dump_options_and_switches() {
        let e = env(&[("MEILI_IGNORE_DUMP_IF_DB_EXISTS", "true")]);
        let opt = load_from(["meili-lite", "--import-dump", "x.dump", "--ignore-missing-dump"], &e).unwrap();
        assert_eq!(opt.import_dump.as_deref(), Some(Path::new("x.dump")));
        assert!(opt.ignore_missing_dump && opt.ignore_dump_if_db_exists);
        assert_eq!(opt.dump_dir, PathBuf::from("dumps/"));
        let defaults = load_from(["meili-lite"], &env(&[])).unwrap();
        assert!(!defaults.ignore_missing_dump && defaults.import_dump.is_none());
        assert!(load_from(["meili-lite"], &env(&[("MEILI_IGNORE_MISSING_DUMP", "maybe")])).is_err());
    }

    #[test]
    fn precedence_is_defaults_file_env_cli() {
        let f = file("db_path = \"from-file\"\nhttp_addr = \"127.0.0.1:1111\"\nlog_level = \"DEBUG\"\nexperimental_max_number_of_batched_tasks = 7\n");
        let path = f.path().to_str().unwrap();
        let e = env(&[
            ("MEILI_CONFIG_FILE_PATH", path),
            ("MEILI_HTTP_ADDR", "127.0.0.1:2222"),
            ("MEILI_DB_PATH", "from-env"),
        ]);
        let opt = load_from(["meili-lite", "--db-path", "ignored", "--db-path", "from-cli"], &e).unwrap();
        assert_eq!(opt.db_path, PathBuf::from("from-cli"), "cli beats env");
        assert_eq!(opt.http_addr.port(), 2222, "env beats file");
        assert_eq!(opt.log_level, crate::LogLevel::Debug, "file beats default");
        assert_eq!(opt.max_batched_tasks, Some(7), "integers in TOML");
        assert_eq!(opt.config_file_path.as_deref(), Some(f.path()));
    }

    #[test]
    fn invalid_values_name_option_value_source_and_expectation() {
        let err = load_from(["meili-lite"], &env(&[("MEILI_TASK_WEBHOOK_URL", "not a url")])).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("--task-webhook-url / MEILI_TASK_WEBHOOK_URL"), "{msg}");
        assert!(msg.contains("`not a url`") && msg.contains("from MEILI_TASK_WEBHOOK_URL"), "{msg}");
        assert!(msg.contains("expected an absolute http(s) URL"), "{msg}");

        let err = load_from(["meili-lite", "--http-payload-size-limit", "lots"], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("from --http-payload-size-limit"), "{err}");

        let f = file("experimental_max_number_of_batched_tasks = 0\n");
        let err = load_from(["meili-lite", "--config-file-path", f.path().to_str().unwrap()], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("experimental_max_number_of_batched_tasks in"), "{err}");
    }

    #[test]
    fn secrets_are_never_echoed() {
        let e = env(&[("MEILI_TASK_WEBHOOK_AUTHORIZATION_HEADER", "Bearer s3cret\nX: y")]);
        let msg = load_from(["meili-lite"], &e).unwrap_err().to_string();
        assert!(!msg.contains("s3cret") && msg.contains("[redacted]"), "{msg}");
        let opt = load_from(["meili-lite", "--master-key", "0123456789abcdef"], &env(&[])).unwrap();
        assert!(!format!("{opt:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn production_needs_a_long_master_key() {
        let err = load_from(["meili-lite", "--env", "production"], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("at least 16 bytes (got 0 bytes)"), "{err}");
        let err = load_from(["meili-lite", "--env", "production", "--master-key", "short"], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("got 5 bytes") && !err.to_string().contains("short"));
        assert!(load_from(["meili-lite", "--env", "production", "--master-key", "0123456789abcdef"], &env(&[])).is_ok());
    }

    #[test]
    fn config_file_errors() {
        let err = load_from(["meili-lite", "--config-file-path", "/nonexistent/x.toml"], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let f = file("db_pth = \"typo\"\n");
        let err = load_from(["meili-lite", "--config-file-path", f.path().to_str().unwrap()], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("unknown key `db_pth`"), "{err}");
    }

    #[test]
    fn empty_webhook_url_means_none_and_valid_url_is_kept() {
        let opt = load_from(["meili-lite"], &env(&[("MEILI_TASK_WEBHOOK_URL", "")])).unwrap();
        assert!(opt.task_webhook_url.is_none());
        let opt = load_from(["meili-lite", "--task-webhook-url", "http://h.com/x?common=people"], &env(&[])).unwrap();
        assert_eq!(opt.task_webhook_url.unwrap().as_str(), "http://h.com/x?common=people");
    }

    #[test]
    fn webhook_delivery_options() {
        let opt = load_from(["meili-lite"], &env(&[])).unwrap();
        assert_eq!(opt.webhook_timeout, std::time::Duration::from_secs(30));
        assert_eq!(opt.webhook_retry_schedule.len(), 10);
        assert_eq!(opt.webhook_retry_schedule[2], std::time::Duration::from_secs(300));
        let e = env(&[("MEILI_WEBHOOK_RETRY_SCHEDULE", "0,100ms,1"), ("MEILI_WEBHOOK_TIMEOUT", "2s")]);
        let opt = load_from(["meili-lite"], &e).unwrap();
        assert_eq!(opt.webhook_retry_schedule, [0, 100, 1000].map(std::time::Duration::from_millis));
        let err = load_from(["meili-lite", "--webhook-retry-schedule", "0,soon"], &env(&[])).unwrap_err();
        assert!(err.to_string().contains("--webhook-retry-schedule"), "{err}");
    }

    #[test]
    fn help_lists_every_option_with_its_env_var() {
        let help = command().render_long_help().to_string();
        for s in SPECS.iter().chain([&CONFIG_FILE]) {
            assert!(help.contains(&format!("--{}", s.flag)), "{}", s.flag);
            assert!(help.contains(&env_var(s.key)), "{}", s.key);
        }
    }
}
