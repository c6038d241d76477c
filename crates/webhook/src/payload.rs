//! The body of a webhook request: one line per task, each the task exactly as
//! `GET /tasks/{uid}` shows it with nested objects flattened to dotted keys
//! (`details.receivedDocuments`, `error.code`), gzip-compressed.

use std::cell::RefCell;

use flate2::{Compress, Compression as Level, Crc, FlushCompress, Status};
use serde_json::Value;
use task_model::{flatten, Task};

/// How each line shows its task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Format {
    /// Dotted keys (`details.receivedDocuments`): the Meilisearch spec.
    #[default]
    Flattened,
    /// Exactly `GET /tasks/{uid}`.
    Nested,
}

/// Whether the body is gzip-compressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Compression {
    #[default]
    Gzip,
    None,
}

/// NDJSON of the flattened task views, `\n` after each line.
pub fn ndjson(tasks: &[Task]) -> Vec<u8> {
    ndjson_as(tasks, Format::Flattened)
}

/// NDJSON of the task views in `format`.
pub fn ndjson_as<'a>(tasks: impl IntoIterator<Item = &'a Task>, format: Format) -> Vec<u8> {
    let tasks = tasks.into_iter();
    let mut out = Vec::with_capacity(tasks.size_hint().0 * 400);
    for task in tasks {
        let view = serde_json::to_value(task.view()).unwrap_or(Value::Null);
        let line = match format {
            Format::Flattened => Value::Object(flatten(&view)),
            Format::Nested => view,
        };
        let _ = serde_json::to_writer(&mut out, &line);
        out.push(b'\n');
    }
    out
}

/// A gzip member's header: deflate, no name or time, fastest level, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];

thread_local! {
    /// One deflate state per thread, reset for each body. zlib-rs allocates
    /// some 300 KB for a state: allocating one per body let glibc's malloc
    /// (which raises its mmap threshold each time such a block is freed) keep
    /// 78 to 113 MiB resident under a backlog of 1M deliveries, against 77 /
    /// 78 with the threshold pinned.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Level::fast(), false));
}

/// Gzip of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(GZIP_HEADER.len() + bytes.len() / 4 + 64);
    out.extend_from_slice(&GZIP_HEADER);
    DEFLATE.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            out.reserve(bytes.len() / 8 + 64);
            let read = deflate.total_in() as usize;
            // Deflating into a Vec with room cannot fail.
            match deflate.compress_vec(&bytes[read..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) | Err(_) => break,
                Ok(Status::Ok | Status::BufError) => continue,
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(bytes);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

/// Undoes [`gzip`].
pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    gunzip_at_most(bytes, u64::MAX)
}

/// Undoes [`gzip`], refusing a body that would inflate past `limit` bytes
/// (for bodies from elsewhere: a few KiB of gzip can inflate to GiBs).
pub fn gunzip_at_most(bytes: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(limit as usize));
    flate2::read::GzDecoder::new(bytes).take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("inflates past {limit} bytes")));
    }
    Ok(out)
}

/// The wire body of the Meilisearch spec: `gzip(ndjson(tasks))`.
pub fn encode(tasks: &[Task]) -> Vec<u8> {
    gzip(&ndjson(tasks))
}

/// A body as sent, and as signed when that differs (gzip).
#[derive(Debug, Clone)]
pub struct Encoded {
    pub wire: bytes::Bytes,
    pub plain: Option<bytes::Bytes>,
}

impl Encoded {
    pub fn new<'a>(tasks: impl IntoIterator<Item = &'a Task>, format: Format, compression: Compression) -> Self {
        let plain = ndjson_as(tasks, format);
        match compression {
            Compression::Gzip => Encoded { wire: gzip(&plain).into(), plain: Some(plain.into()) },
            Compression::None => Encoded { wire: plain.into(), plain: None },
        }
    }
}

/// The wire body in a webhook's chosen format and compression.
pub fn encode_as<'a>(tasks: impl IntoIterator<Item = &'a Task>, format: Format, compression: Compression) -> Vec<u8> {
    Encoded::new(tasks, format, compression).wire.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;
    use task_model::{Code, Details, Operation, ResponseError, Status, TaskId};

    #[test]
    fn gzip_reuses_its_state_and_round_trips_any_size() {
        let mut text = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..1_000_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            text.push(b"aeiou {}\":,\n0123"[(x >> 59) as usize % 16]);
        }
        for len in [0, 1, 100, 70_000, 1_000_000, 3] {
            let zipped = gzip(&text[..len]);
            assert_eq!(&zipped[..3], [0x1f, 0x8b, 8]);
            // flate2's decoder checks the CRC and the length in the trailer.
            assert_eq!(gunzip(&zipped).unwrap(), &text[..len], "{len} bytes");
        }
    }

    #[test]
    fn gunzip_at_most_refuses_what_inflates_past_its_limit() {
        let zipped = gzip(&[0u8; 1000]);
        assert_eq!(gunzip_at_most(&zipped, 1000).unwrap().len(), 1000);
        assert!(gunzip_at_most(&zipped, 999).is_err());
        assert_eq!(gunzip(&zipped).unwrap(), vec![0u8; 1000]);
    }

    fn failed(uid: u32) -> Task {
        let mut t = Task::new(
            Some("movie".parse().unwrap()),
            Operation::IndexDeletion,
            Some(Details::IndexDeletion { deleted_documents: Some(0) }),
        );
        t.uid = TaskId(uid);
        t.status = Status::Failed;
        t.error = Some(ResponseError::new(Code::IndexNotFound, "Index `movie` not found."));
        t.started_at = Some(t.enqueued_at);
        t.finished_at = Some(t.enqueued_at);
        t
    }

    #[test]
    fn each_line_is_a_flattened_task_view() {
        let tasks = [failed(4), failed(5)];
        let body = encode(&tasks);
        let mut text = String::new();
        GzDecoder::new(&body[..]).read_to_string(&mut text).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        for (line, task) in lines.iter().zip(&tasks) {
            let expected = Value::Object(flatten(&serde_json::to_value(task.view()).unwrap()));
            assert_eq!(line, &expected);
        }
        assert_eq!(lines[0]["error.code"], "index_not_found");
        assert_eq!(lines[0]["details.deletedDocuments"], 0);
        assert_eq!(lines[0]["uid"], 4);
        assert!(lines[0].get("error").is_none() && lines[0].get("details").is_none());
    }
}
