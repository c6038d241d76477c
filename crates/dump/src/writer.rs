//! Writing a dump: records go to files in a hidden directory beside the
//! dump, which is then packed into `<uid>.dump` and renamed into place. A
//! crash at any moment leaves no finished-looking file that is incomplete,
//! and no index is ever held in memory.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use auth::ApiKey;
use serde_json::{json, Map, Value};
use task_model::{IndexUid, Task};
use time::OffsetDateTime;

use crate::key::DumpKey;
use crate::{task, Error, VERSION};

/// A dump being written.
#[derive(Debug)]
pub struct DumpWriter {
    dir: tempfile::TempDir,
    dump_dir: PathBuf,
}

impl DumpWriter {
    /// Starts a dump in `dump_dir` (created if needed).
    pub fn new(dump_dir: &Path) -> Result<Self, Error> {
        let dir = crate::archive::work_dir(dump_dir)?;
        for sub in ["indexes", "tasks/update_files"] {
            let path = dir.path().join(sub);
            fs::create_dir_all(&path).map_err(Error::io("create", path))?;
        }
        Ok(Self { dir, dump_dir: dump_dir.to_owned() })
    }

    fn file(&self, name: &str) -> Result<BufWriter<File>, Error> {
        let path = self.dir.path().join(name);
        Ok(BufWriter::new(File::create(&path).map_err(Error::io("create", path))?))
    }

    fn write_json(&self, name: &str, value: &Value) -> Result<(), Error> {
        let mut out = self.file(name)?;
        let path = self.dir.path().join(name);
        out.write_all(value.to_string().as_bytes()).and_then(|()| out.flush()).map_err(Error::io("write", path))
    }

    pub fn keys(&self, keys: &[ApiKey]) -> Result<(), Error> {
        let mut out = self.file("keys.jsonl")?;
        for key in keys {
            let line = serde_json::to_string(&DumpKey::from(key)).map_err(Error::corrupted)?;
            writeln!(out, "{line}").map_err(Error::io("write", "keys.jsonl"))?;
        }
        out.flush().map_err(Error::io("write", "keys.jsonl"))
    }

    pub fn tasks(&self) -> Result<TaskWriter, Error> {
        Ok(TaskWriter {
            queue: self.file("tasks/queue.jsonl")?,
            update_files: self.dir.path().join("tasks/update_files"),
        })
    }

    /// An index: its metadata and settings now, its documents through the
    /// returned writer.
    pub fn index(
        &self,
        uid: &IndexUid,
        primary_key: Option<&str>,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        settings: &Map<String, Value>,
    ) -> Result<DocumentsWriter, Error> {
        let dir = format!("indexes/{uid}");
        let path = self.dir.path().join(&dir);
        fs::create_dir_all(&path).map_err(Error::io("create", &path))?;
        let date = |d: OffsetDateTime| d.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let meta = json!({"uid": uid, "primaryKey": primary_key, "createdAt": date(created_at), "updatedAt": date(updated_at)});
        self.write_json(&format!("{dir}/metadata.json"), &meta)?;
        self.write_json(&format!("{dir}/settings.json"), &Value::Object(settings.clone()))?;
        Ok(DocumentsWriter { out: self.file(&format!("{dir}/documents.jsonl"))?, path: path.join("documents.jsonl") })
    }

    /// `/experimental-features` as it stands.
    pub fn features(&self, features: &Value) -> Result<(), Error> {
        self.write_json("experimental-features.json", features)
    }

    /// Runtime webhooks: uuid → `{url, headers}`.
    pub fn webhooks(&self, webhooks: Map<String, Value>) -> Result<(), Error> {
        self.write_json("webhooks.json", &json!({"webhooks": webhooks}))
    }

    /// Packs the dump into `<dump_dir>/<dump_uid>.dump`, made durable before
    /// it gets its name; returns that path.
    pub fn finish(self, dump_uid: &str, now: OffsetDateTime) -> Result<PathBuf, Error> {
        let date = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let meta = json!({"dumpVersion": VERSION, "dbVersion": "1.50.0", "dumpDate": date});
        self.write_json("metadata.json", &meta)?;
        let target = self.dump_dir.join(format!("{dump_uid}.dump"));
        crate::archive::pack(self.dir.path(), &target, crate::archive::Compression::default())?;
        Ok(target)
    }
}

/// `tasks/queue.jsonl`, and the payloads of tasks still enqueued.
#[derive(Debug)]
pub struct TaskWriter {
    queue: BufWriter<File>,
    update_files: PathBuf,
}

impl TaskWriter {
    /// Writes `task`, with `payload` (normalized NDJSON) for an enqueued
    /// document addition. Returns false for a task Meilisearch could not read
    /// (meili-lite's own kinds), which is left out.
    pub fn push(&mut self, task: &Task, payload: Option<&[u8]>) -> Result<bool, Error> {
        let Some(line) = task::to_dump(task) else { return Ok(false) };
        writeln!(self.queue, "{line}").map_err(Error::io("write", "tasks/queue.jsonl"))?;
        if let (Some(payload), true) = (payload, task.status == task_model::Status::Enqueued) {
            if !payload.is_empty() {
                let path = self.update_files.join(format!("{}.jsonl", task.uid));
                fs::write(&path, payload).map_err(Error::io("write", path))?;
            }
        }
        Ok(true)
    }

    pub fn finish(mut self) -> Result<(), Error> {
        self.queue.flush().map_err(Error::io("write", "tasks/queue.jsonl"))
    }
}

/// One index's `documents.jsonl`.
#[derive(Debug)]
pub struct DocumentsWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl DocumentsWriter {
    /// One document, as compact JSON.
    pub fn push(&mut self, document: &[u8]) -> Result<(), Error> {
        self.out.write_all(document).and_then(|()| self.out.write_all(b"\n")).map_err(Error::io("write", &self.path))
    }

    pub fn finish(mut self) -> Result<(), Error> {
        self.out.flush().map_err(Error::io("write", &self.path))
    }
}
