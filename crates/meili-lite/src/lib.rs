//! The meili-lite binary, as a library so that end-to-end tests build the very
//! same `main`.
//!
//! Owns: start-up order (config, tracing, store, scheduler, HTTP) and shutdown
//! (stop accepting, let the batch in progress finish, flush, exit 0); the
//! `receive` and `verify` tools for webhook consumers (`receive`).
//!
//! Must not know: anything a crate below already decides.

mod dumps;
mod follow;
mod receive;
mod snapshots;
mod tls;

use std::process::ExitCode;
use std::sync::Arc;

use config::{ConfigError, Opt};
use documents::Store;
use scheduler::{BatchObserver, Options, Scheduler};
use server::AppState;
use task_model::{Batch, Task};
use tokio::net::TcpListener;
use tracing::{error, info, warn};
use webhook::{Deliverer, DeliveryOptions, NetworkGuard, Registry, SigningSecret, Webhook};

/// sled's page cache. Its default (1 GiB) would dominate memory, and sled
/// holds about 2.5 times what it counts against it: with 128 MiB, 1M pending
/// webhook deliveries took 311 MiB of RSS; with 32 MiB, 127 MiB; with 24 MiB,
/// 108 MiB. Documents are read back rarely enough
/// that the search and import benchmarks did not move (docs/benchmarks.md).
const CACHE_BYTES: u64 = 24 * 1024 * 1024;

/// Why meili-lite stopped with an error after its options were valid.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("cannot open the database at `{path}`: {source}")]
    Database { path: String, source: sled::Error },
    #[error("cannot open the database: {0}")]
    Store(#[from] documents::Error),
    #[error("cannot open the search indexes: {0}")]
    Search(documents::FollowError),
    #[error("cannot open the task queue: {0}")]
    Queue(#[from] scheduler::Error),
    #[error("cannot open the webhooks: {0}")]
    Webhooks(#[from] webhook::Error),
    #[error("cannot open the API keys: {0}")]
    Keys(#[from] auth::Error),
    #[error("cannot import the dump: {0}")]
    Dump(String),
    #[error("cannot restore the snapshot: {0}")]
    Snapshot(String),
    #[error("cannot serve HTTPS: {0}")]
    Tls(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs meili-lite with the process's arguments and environment: the
/// server, or one of the tools for webhook consumers (`receive`, `verify`).
pub fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    match args.next().as_deref().and_then(|a| a.to_str()) {
        Some("receive") => return receive::receive(args),
        Some("verify") => return receive::verify(args),
        _ => {}
    }
    let opt = match config::load() {
        Ok(opt) => opt,
        Err(ConfigError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let level = opt.log_level.as_directive().parse().unwrap_or(tracing::level_filters::LevelFilter::INFO);
    let logs = match server::Logs::install(level, opt.json_logs) {
        Ok(logs) => logs,
        Err(e) => {
            eprintln!("error: cannot set up logging: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(StartError::Runtime(e)),
    };
    match runtime.block_on(run(opt, logs)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: StartError) -> ExitCode {
    error!("{e}");
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

async fn run(opt: Opt, logs: Arc<server::Logs>) -> Result<(), StartError> {
    // Before any long work (imports, index checks): a bad certificate stops
    // start-up at once.
    let tls = tls::acceptor(&opt).map_err(StartError::Tls)?;
    for line in &opt.ignored {
        warn!("{line}");
    }
    // A database an interrupted import was building: never used.
    let _ = std::fs::remove_dir_all(aside_path(&opt.db_path));
    if opt.import_dump.is_some() && opt.import_snapshot.is_some() {
        return Err(StartError::Dump("--import-dump and --import-snapshot cannot be used together".into()));
    }
    let flags = (opt.ignore_missing_snapshot, opt.ignore_snapshot_if_db_exists);
    if let Some(snapshot) =
        to_load(opt.import_snapshot.as_deref(), flags, "snapshot", &opt.db_path).map_err(StartError::Snapshot)?
    {
        snapshots::restore(snapshot, &opt.db_path).map_err(StartError::Snapshot)?;
        info!(snapshot = %snapshot.display(), "snapshot restored");
    }
    let flags = (opt.ignore_missing_dump, opt.ignore_dump_if_db_exists);
    if let Some(dump) = to_load(opt.import_dump.as_deref(), flags, "dump", &opt.db_path).map_err(StartError::Dump)? {
        let (opt, dump) = (opt.clone(), dump.to_owned());
        let imported = tokio::task::spawn_blocking(move || dumps::import_into_new_db(&opt, &dump))
            .await
            .map_err(|e| StartError::Dump(e.to_string()))?
            .map_err(StartError::Dump)?;
        info!(
            indexes = imported.indexes,
            documents = imported.documents,
            tasks = imported.tasks,
            keys = imported.keys,
            left_out = imported.left_out.len(),
            "dump imported"
        );
    }
    let db = open_db(&opt)?;
    let (engine, store) = open_store(&opt, &db)?;
    let scheduler = Scheduler::open(
        &db,
        store.clone(),
        Options {
            max_batched_tasks: opt.max_batched_tasks,
            max_batch_bytes: opt.max_batch_bytes.unwrap_or(Options::default().max_batch_bytes),
        },
    )?;
    // Bind before starting work, so a taken port fails fast and cleanly.
    let listener =
        TcpListener::bind(opt.http_addr).await.map_err(|source| StartError::Listen { addr: opt.http_addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: opt.http_addr, source })?;
    let signing = opt.task_webhook_signing_secret.as_ref().map(|s| SigningSecret::parse(s.expose())).transpose()?;
    let cli_webhook = opt.task_webhook_url.clone().map(|url| {
        Webhook::from_cli(url, opt.task_webhook_authorization_header.as_ref().map(|h| h.expose().to_owned()), signing)
    });
    let webhooks = Arc::new(Registry::open(&db, cli_webhook)?);
    let keys = Arc::new(auth::KeyStore::open(&db, opt.master_key.as_ref().map(|k| k.expose()))?);
    let features = Arc::new(
        server::Features::open(&db)
            .map_err(|source| StartError::Database { path: opt.db_path.display().to_string(), source })?,
    );
    for (on, flag) in [(opt.enable_metrics, server::Flag::Metrics), (opt.enable_logs_route, server::Flag::LogsRoute)] {
        if on {
            features.enable_for_this_run(flag);
        }
    }
    let delivery = DeliveryOptions {
        connect_timeout: opt.webhook_connect_timeout,
        timeout: opt.webhook_timeout,
        retry_schedule: opt.webhook_retry_schedule.clone(),
        guard: network_guard(&opt),
        record_delay: fault_record_delay(),
    };
    let deliverer = Deliverer::new(&db, webhooks.clone(), tokio::runtime::Handle::current(), delivery)?;
    scheduler.set_observer(Arc::new(WebhookObserver(deliverer.clone())));
    dump::clean_up(&opt.snapshot_dir);
    scheduler.set_snapshotter(Arc::new(snapshots::InstanceSnapshotter {
        db: db.clone(),
        db_path: opt.db_path.clone(),
        dir: opt.snapshot_dir.clone(),
    }));
    if let Some(every) = opt.schedule_snapshot {
        tokio::spawn(scheduled_snapshots(scheduler.clone(), std::time::Duration::from_secs(every)));
    }
    let cut_short = dump::clean_up(&opt.dump_dir);
    if cut_short > 0 {
        info!(dir = %opt.dump_dir.display(), cut_short, "removed what unfinished dumps left");
    }
    scheduler.set_dumper(Arc::new(dumps::InstanceDumper {
        store: store.clone(),
        keys: keys.clone(),
        webhooks: webhooks.clone(),
        features: features.clone(),
        dir: opt.dump_dir.clone(),
    }));
    scheduler.start();
    info!(db = %opt.db_path.display(), env = ?opt.env, "meili-lite started");
    // Tests and scripts read this line to learn the port when given `:0`.
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("Server listening on: \"{scheme}://{addr}\"");

    let state = Arc::new(AppState {
        scheduler: scheduler.clone(),
        store,
        search: engine,
        webhooks,
        deliveries: deliverer.clone(),
        keys,
        features,
        logs,
        searches: server::SearchQueue::new(
            opt.searches_per_core.saturating_mul(std::thread::available_parallelism().map_or(2, |n| n.get())),
            opt.search_queue_size,
            opt.drop_search_after,
        ),
        payload_limit: opt.http_payload_size_limit,
        dashboard: opt.dashboard(),
    });
    server::serve(listener, state, tls, shutdown_signal()).await;
    info!("waiting for the batch in progress to finish");
    // Outcomes the lanes handed over are written first, so that the last
    // flush covers them (later ones are written as they come).
    let _ = tokio::task::spawn_blocking(move || {
        deliverer.shutdown();
        scheduler.shutdown();
    })
    .await;
    info!("meili-lite stopped");
    Ok(())
}

fn open_db(opt: &Opt) -> Result<sled::Db, StartError> {
    sled::Config::new()
        .path(&opt.db_path)
        .cache_capacity(CACHE_BYTES)
        .open()
        .map_err(|source| StartError::Database { path: opt.db_path.display().to_string(), source })
}

/// The document store, telling the search engine of every change.
fn open_store(opt: &Opt, db: &sled::Db) -> Result<(Arc<search::Engine>, Store), StartError> {
    let budget = search::IndexingBudget::new(opt.max_indexing_threads, opt.max_indexing_memory.map(|m| m as usize));
    let engine = Arc::new(search::Engine::with_budget(opt.db_path.join("search"), budget));
    let plain = Store::open(db)?;
    let follower = Arc::new(follow::SearchFollower { engine: engine.clone(), store: plain.clone() });
    follower.check_all().map_err(StartError::Search)?;
    Ok((engine, plain.with_follower(follower)))
}

/// An error as the words a task's error or a start-up failure carries.
pub(crate) fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Where a database loaded from a dump or a snapshot is built before it
/// becomes `db_path`.
fn aside_path(db_path: &std::path::Path) -> std::path::PathBuf {
    let mut name = db_path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    db_path.with_file_name(name)
}

/// Builds a new database beside `db_path` and renames it into place only
/// once complete and flushed: a kill -9 mid-way leaves no database that looks
/// whole (what it leaves is removed at the next start); a failure leaves
/// nothing.
pub(crate) fn build_aside<T>(
    db_path: &std::path::Path,
    build: impl FnOnce(&std::path::Path) -> Result<T, String>,
) -> Result<T, String> {
    let aside = aside_path(db_path);
    let _ = std::fs::remove_dir_all(&aside);
    match build(&aside) {
        Ok(built) => {
            let _ = std::fs::remove_dir(db_path); // an empty directory may stand there
            std::fs::rename(&aside, db_path).map_err(|e| format!("cannot move the new database into place: {e}"))?;
            if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(|e| e.to_string())?;
            }
            Ok(built)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&aside);
            Err(e)
        }
    }
}

/// Registers a `snapshotCreation` task every `every`, as
/// `--schedule-snapshot` asks.
async fn scheduled_snapshots(scheduler: Scheduler, every: std::time::Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    // After a long stall, one snapshot, not a burst of them.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let new = scheduler::NewTask::instance(task_model::Operation::SnapshotCreation, Default::default());
        if let Err(e) = scheduler.register(new).await {
            warn!(error = %e, "a scheduled snapshot could not be enqueued");
        }
    }
}

/// The snapshot or dump (`what`) to load at start-up from `path`, if any:
/// unless the file is missing or the database exists and the matching
/// `--ignore-*` flag says to start without it, as Meilisearch's flags do.
fn to_load<'a>(
    path: Option<&'a std::path::Path>,
    (ignore_missing, ignore_if_db_exists): (bool, bool),
    what: &str,
    db_path: &std::path::Path,
) -> Result<Option<&'a std::path::Path>, String> {
    let Some(path) = path else { return Ok(None) };
    if !path.exists() {
        if ignore_missing {
            info!(file = %path.display(), "no such {what}; starting without it (--ignore-missing-{what})");
            return Ok(None);
        }
        return Err(format!("the {what} `{}` does not exist", path.display()));
    }
    if std::fs::read_dir(db_path).is_ok_and(|mut entries| entries.next().is_some()) {
        if ignore_if_db_exists {
            info!(db = %db_path.display(), "the database exists; not loading the {what} (--ignore-{what}-if-db-exists)");
            return Ok(None);
        }
        return Err(format!(
            "the database `{}` already exists; a {what} is loaded into a new one (or pass --ignore-{what}-if-db-exists)",
            db_path.display()
        ));
    }
    Ok(Some(path))
}

/// `MEILI_LITE_FAULT_RECORD_DELAY_MS`: a fault-injection seam, not an option.
/// The crash tests set it to kill the process after a delivery was sent and
/// before its outcome is written, which otherwise lasts at most a group's
/// gathering time (10 ms).
fn fault_record_delay() -> std::time::Duration {
    let Some(ms) = std::env::var("MEILI_LITE_FAULT_RECORD_DELAY_MS").ok().and_then(|ms| ms.parse().ok()) else {
        return std::time::Duration::ZERO;
    };
    warn!(ms, "MEILI_LITE_FAULT_RECORD_DELAY_MS is set: webhook outcomes are written late, for crash tests only");
    std::time::Duration::from_millis(ms)
}

/// The private-network guard: the allow-list, plus loopback in development so
/// that a local receiver works out of the box.
fn network_guard(opt: &Opt) -> NetworkGuard {
    // Validated by `config` already; an unparsable list cannot reach here.
    let mut guard =
        opt.experimental_allowed_ip_networks.as_deref().and_then(|l| NetworkGuard::parse(l).ok()).unwrap_or_default();
    if opt.env == config::Env::Development {
        for loopback in ["127.0.0.0/8", "::1/128"] {
            if let Some(net) = webhook::guard::IpNetwork::parse(loopback) {
                guard = guard.with(net);
            }
        }
    }
    guard
}

/// Records every finished batch in the webhook outbox; sending happens later,
/// on the runtime.
struct WebhookObserver(Deliverer);

impl BatchObserver for WebhookObserver {
    fn batch_finished(&self, batch: &Batch, tasks: &[Task]) -> Result<(), String> {
        self.0.batch_finished(batch, tasks).map_err(|e| e.to_string())
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    info!("shutdown requested");
}
