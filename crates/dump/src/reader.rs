//! Reading a dump: unpacked into a temporary directory (refusing entries
//! that would land outside it), then read file by file.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use auth::ApiKey;
use serde_json::{Map, Value};
use task_model::{IndexUid, Task};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::key::DumpKey;
use crate::{task, Error, VERSION};

/// An unpacked dump.
#[derive(Debug)]
pub struct DumpReader {
    dir: tempfile::TempDir,
    /// `dumpDate` of its metadata, as written.
    pub date: String,
}

/// A task of the dump: one meili-lite can run or show, or one it cannot (a
/// kind it does not have, a hidden index's), with why, which the import
/// leaves out.
#[derive(Debug)]
pub enum DumpedTask {
    Task { task: Box<Task>, update_file: Option<PathBuf> },
    Unsupported { uid: u32, why: String },
}

/// An index of the dump; its documents stay on disk until read.
#[derive(Debug)]
pub struct DumpedIndex {
    pub uid: IndexUid,
    pub primary_key: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub settings: Map<String, Value>,
    /// `documents.jsonl`: one JSON object per line.
    pub documents: PathBuf,
}

impl DumpReader {
    /// Unpacks the dump at `path` into a directory in `scratch`.
    pub fn open(path: &Path, scratch: &Path) -> Result<Self, Error> {
        let dir = tempfile::Builder::new()
            .prefix(".import-")
            .tempdir_in(scratch)
            .map_err(Error::io("create a directory in", scratch))?;
        crate::archive::unpack(path, dir.path())?;
        let meta_path = dir.path().join("metadata.json");
        let meta: Value = read_json(&meta_path)
            .map_err(|_| Error::NotADump { why: "no metadata.json".into(), path: path.to_owned() })?;
        match meta.get("dumpVersion").and_then(Value::as_str) {
            Some(VERSION) => {}
            Some(other) => return Err(Error::UnsupportedVersion(other.to_owned())),
            None => {
                return Err(Error::NotADump { why: "metadata.json names no dumpVersion".into(), path: path.to_owned() })
            }
        }
        for required in ["keys.jsonl", "tasks/queue.jsonl", "indexes"] {
            if !dir.path().join(required).exists() {
                return Err(Error::corrupted(format!("`{required}` is missing")));
            }
        }
        let date = meta.get("dumpDate").and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok(Self { dir, date })
    }

    pub fn keys(&self) -> Result<Vec<ApiKey>, Error> {
        lines(&self.dir.path().join("keys.jsonl"))?
            .into_iter()
            .map(|line| {
                serde_json::from_str::<DumpKey>(&line)
                    .map(ApiKey::from)
                    .map_err(|e| Error::corrupted(format!("a key: {e}")))
            })
            .collect()
    }

    /// Every task, in the dump's (uid) order.
    pub fn tasks(&self) -> Result<Vec<DumpedTask>, Error> {
        let update_files = self.dir.path().join("tasks/update_files");
        let mut tasks = Vec::new();
        for line in lines(&self.dir.path().join("tasks/queue.jsonl"))? {
            let value: Value = serde_json::from_str(&line).map_err(|e| Error::corrupted(format!("a task: {e}")))?;
            tasks.push(match task::from_dump(&value)? {
                Ok(task) => {
                    let file = update_files.join(format!("{}.jsonl", task.uid));
                    DumpedTask::Task { update_file: file.exists().then_some(file), task: Box::new(task) }
                }
                Err(why) => DumpedTask::Unsupported { uid: value["uid"].as_u64().unwrap_or(0) as u32, why },
            });
        }
        Ok(tasks)
    }

    pub fn indexes(&self) -> Result<Vec<DumpedIndex>, Error> {
        let root = self.dir.path().join("indexes");
        let mut indexes = Vec::new();
        for entry in fs::read_dir(&root).map_err(Error::io("read", &root))? {
            let dir = entry.map_err(Error::io("read", &root))?.path();
            if !dir.is_dir() {
                continue;
            }
            let meta = read_json(&dir.join("metadata.json"))?;
            let uid =
                meta.get("uid").and_then(Value::as_str).ok_or_else(|| Error::corrupted("an index without `uid`"))?;
            // Meilisearch's hidden indexes (`.meili_dsr`: dynamic search rules).
            if uid.starts_with('.') {
                continue;
            }
            let date = |key: &str| {
                let raw = meta.get(key).and_then(Value::as_str).unwrap_or_default();
                OffsetDateTime::parse(raw, &Rfc3339)
                    .map_err(|e| Error::corrupted(format!("index `{uid}`, `{key}`: {e}")))
            };
            let settings = match read_json(&dir.join("settings.json"))? {
                Value::Object(map) => map,
                _ => return Err(Error::corrupted(format!("index `{uid}`: settings are not an object"))),
            };
            indexes.push(DumpedIndex {
                uid: uid.parse().map_err(Error::corrupted)?,
                primary_key: meta.get("primaryKey").and_then(Value::as_str).map(str::to_owned),
                created_at: date("createdAt")?,
                updated_at: date("updatedAt")?,
                settings,
                documents: dir.join("documents.jsonl"),
            });
        }
        indexes.sort_by(|a, b| a.uid.cmp(&b.uid));
        Ok(indexes)
    }

    /// The experimental features, if the dump has them.
    pub fn features(&self) -> Result<Option<Value>, Error> {
        let path = self.dir.path().join("experimental-features.json");
        path.exists().then(|| read_json(&path)).transpose()
    }

    /// Runtime webhooks: uuid → `{url, headers}`.
    pub fn webhooks(&self) -> Result<Map<String, Value>, Error> {
        let path = self.dir.path().join("webhooks.json");
        if !path.exists() {
            return Ok(Map::new());
        }
        Ok(read_json(&path)?.get("webhooks").and_then(Value::as_object).cloned().unwrap_or_default())
    }
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let bytes = fs::read(path).map_err(Error::io("read", path))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::corrupted(format!("`{}`: {e}", path.display())))
}

/// The non-empty lines of a JSON-lines file.
fn lines(path: &Path) -> Result<Vec<String>, Error> {
    let file = File::open(path).map_err(Error::io("open", path))?;
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(Error::io("read", path))?;
        if !line.trim().is_empty() {
            out.push(line);
        }
    }
    Ok(out)
}
