//! Dumps of the whole instance, in Meilisearch's format: `POST /dumps` writes
//! one through the scheduler's [`Dumper`]; `--import-dump` reads one into an
//! empty database before anything else opens it.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use auth::KeyStore;
use documents::{parse_payload, PayloadFormat, Store};
use dump::{DumpReader, DumpWriter, DumpedIndex};
use scheduler::{DumpedTask, Dumper};
use serde_json::{Map, Value};
use task_model::{Method, Operation, Status};
use time::OffsetDateTime;
use tracing::{info, warn};
use webhook::{Registry, Webhook};

use crate::text;

/// Documents read from a dump per write: bounded memory whatever the index.
const IMPORT_CHUNK: usize = 10_000;

/// Any failure, worded: what a `dumpCreation` task's error says.
struct Failed(String);

impl From<documents::Error> for Failed {
    fn from(e: documents::Error) -> Self {
        Failed(e.to_string())
    }
}

impl From<dump::Error> for Failed {
    fn from(e: dump::Error) -> Self {
        Failed(e.to_string())
    }
}

/// Gathers everything a dump holds, when the scheduler runs a `dumpCreation`.
pub(crate) struct InstanceDumper {
    pub store: Store,
    pub keys: Arc<KeyStore>,
    pub webhooks: Arc<Registry>,
    pub features: Arc<server::Features>,
    pub dir: PathBuf,
}

impl Dumper for InstanceDumper {
    fn dump(
        &self,
        started: OffsetDateTime,
        tasks: &mut dyn Iterator<Item = Result<DumpedTask, scheduler::Error>>,
    ) -> Result<String, String> {
        let writer = DumpWriter::new(&self.dir).map_err(text)?;
        writer.keys(&self.keys.all()).map_err(text)?;
        let mut queue = writer.tasks().map_err(text)?;
        let mut left_out = 0;
        for dumped in tasks {
            let DumpedTask { task, payload } = dumped.map_err(text)?;
            if !queue.push(&task, payload.as_deref()).map_err(text)? {
                left_out += 1;
            }
        }
        queue.finish().map_err(text)?;
        for meta in self.store.indexes().map_err(text)? {
            let mut docs = writer
                .index(&meta.uid, meta.primary_key.as_deref(), meta.created_at, meta.updated_at, &meta.settings)
                .map_err(text)?;
            self.store.each_document(&meta.uid, |doc| docs.push(doc).map_err(Failed::from)).map_err(|Failed(e)| e)?;
            docs.finish().map_err(text)?;
        }
        writer.features(&self.features.view()).map_err(text)?;
        let hooks: Map<String, Value> = self
            .webhooks
            .all()
            .into_iter()
            .filter(|h| !h.uuid.is_nil())
            .map(|h| (h.uuid.to_string(), serde_json::json!({"url": h.url.as_str(), "headers": h.headers})))
            .collect();
        writer.webhooks(hooks).map_err(text)?;
        let uid = dump::dump_uid(started);
        let path = writer.finish(&uid, task_model::now()).map_err(text)?;
        info!(dump = %path.display(), left_out, "dump written (tasks Meilisearch has no kind for left out)");
        Ok(uid)
    }
}

/// What an import brought in, and what it could not.
#[derive(Debug, Default)]
pub(crate) struct Imported {
    pub indexes: usize,
    pub documents: u64,
    pub tasks: u64,
    pub keys: usize,
    pub left_out: Vec<String>,
}

/// The stores an import writes into; opened on the new database.
pub(crate) struct Target<'a> {
    pub db: &'a sled::Db,
    pub store: &'a Store,
    pub keys: &'a KeyStore,
    pub webhooks: &'a Registry,
    pub features: &'a server::Features,
    pub scratch: &'a Path,
}

/// Reads the dump at `path` into `target`: keys, webhooks, experimental
/// features, indexes (settings, then documents in chunks), then the tasks,
/// enqueued ones to run once the scheduler starts.
pub(crate) fn import(path: &Path, target: &Target<'_>) -> Result<Imported, String> {
    let reader = DumpReader::open(path, target.scratch).map_err(text)?;
    info!(dump = %path.display(), date = %reader.date, "importing a dump");
    let mut done = Imported::default();
    let keys = reader.keys().map_err(text)?;
    done.keys = keys.len();
    target.keys.replace_all(keys).map_err(text)?;
    for (uuid, hook) in reader.webhooks().map_err(text)? {
        let value = serde_json::json!({"uuid": uuid, "url": hook.get("url"), "headers": hook.get("headers").cloned().unwrap_or_default()});
        match serde_json::from_value::<Webhook>(value) {
            Ok(hook) => target.webhooks.restore(hook).map_err(text)?,
            Err(e) => done.left_out.push(format!("webhook {uuid}: {e}")),
        }
    }
    if let Some(Value::Object(flags)) = reader.features().map_err(text)? {
        let known: Map<String, Value> =
            flags.into_iter().filter(|(k, v)| server::FLAGS.contains(&k.as_str()) && v.is_boolean()).collect();
        target.features.update(&Value::Object(known)).map_err(text)?;
    }
    for index in reader.indexes().map_err(text)? {
        done.documents += import_index(target.store, &index, &mut done.left_out)?;
        done.indexes += 1;
    }
    let mut tasks = Vec::new();
    for dumped in reader.tasks().map_err(text)? {
        match dumped {
            dump::DumpedTask::Unsupported { uid, why } => {
                done.left_out.push(format!("task {uid}: {why}"));
            }
            dump::DumpedTask::Task { task, update_file } => {
                let waiting = matches!(task.status, Status::Enqueued | Status::Processing);
                let payload = match (&update_file, waiting, &task.operation) {
                    (Some(file), true, _) => Some(normalized(file)?),
                    (None, true, Operation::DocumentAdditionOrUpdate { .. }) => {
                        // As Meilisearch: documents announced but absent make the dump corrupt.
                        match &task.details {
                            Some(task_model::Details::DocumentAdditionOrUpdate { received_documents: n, .. })
                                if *n > 0 =>
                            {
                                return Err(format!("the dump is damaged: task {} has no documents file", task.uid))
                            }
                            _ => Some(Vec::new()),
                        }
                    }
                    _ => None,
                };
                tasks.push(DumpedTask { task: *task, payload });
            }
        }
    }
    done.tasks = scheduler::import_tasks(target.db, tasks).map_err(text)?;
    for what in &done.left_out {
        warn!(dump = %path.display(), "left out of the import: {what}");
    }
    Ok(done)
}

/// One index: created with its primary key, its settings one by one (a
/// setting meili-lite refuses is left out, said why), then its documents.
fn import_index(store: &Store, index: &DumpedIndex, left_out: &mut Vec<String>) -> Result<u64, String> {
    info!(index = %index.uid, "importing an index");
    store.create_index(&index.uid, index.primary_key.clone()).map_err(text)?;
    let mut settings = Map::new();
    for (name, value) in &index.settings {
        let one = Value::Object(Map::from_iter([(name.clone(), value.clone())]));
        match server::checked_settings(&one) {
            Ok(checked) => settings.extend(checked),
            Err(e) => left_out.push(format!("index `{}`, setting `{name}`: {}", index.uid, e.response_error().message)),
        }
    }
    store.update_settings(&index.uid, &settings).map_err(text)?;
    let file = File::open(&index.documents).map_err(text)?;
    let mut chunk = Vec::new();
    let (mut lines, mut total) = (0, 0);
    for line in BufReader::new(file).lines() {
        let line = line.map_err(text)?;
        if line.trim().is_empty() {
            continue;
        }
        chunk.extend_from_slice(line.as_bytes());
        chunk.push(b'\n');
        lines += 1;
        if lines == IMPORT_CHUNK {
            total += write_documents(store, index, &std::mem::take(&mut chunk))?;
            lines = 0;
        }
    }
    if !chunk.is_empty() {
        total += write_documents(store, index, &chunk)?;
    }
    Ok(total)
}

fn write_documents(store: &Store, index: &DumpedIndex, ndjson: &[u8]) -> Result<u64, String> {
    let parsed = parse_payload(PayloadFormat::Ndjson, ndjson).map_err(text)?;
    let mut writer = store.writer(&index.uid, false).map_err(text)?;
    let n = writer.add_documents(Method::Replace, index.primary_key.as_deref(), &parsed.ndjson, false).map_err(text)?;
    writer.commit().map_err(text)?;
    Ok(n)
}

/// An enqueued task's documents, as the queue keeps payloads.
fn normalized(file: &Path) -> Result<Vec<u8>, String> {
    let raw = std::fs::read(file).map_err(text)?;
    Ok(parse_payload(PayloadFormat::Ndjson, &raw).map_err(text)?.ndjson)
}

/// Imports the dump at `path` into the new database `opt.db_path` (built
/// aside, see [`crate::build_aside`]).
pub(crate) fn import_into_new_db(opt: &config::Opt, path: &Path) -> Result<Imported, String> {
    crate::build_aside(&opt.db_path, |aside| {
        let aside_opt = config::Opt { db_path: aside.to_owned(), ..opt.clone() };
        let db = crate::open_db(&aside_opt).map_err(text)?;
        let (_engine, store) = crate::open_store(&aside_opt, &db).map_err(text)?;
        let keys = KeyStore::open(&db, opt.master_key.as_ref().map(|k| k.expose())).map_err(text)?;
        let webhooks = Registry::open(&db, None).map_err(text)?;
        let features = server::Features::open(&db).map_err(text)?;
        let target =
            Target { db: &db, store: &store, keys: &keys, webhooks: &webhooks, features: &features, scratch: aside };
        let imported = import(path, &target)?;
        db.flush().map_err(text)?;
        Ok(imported)
    })
}
