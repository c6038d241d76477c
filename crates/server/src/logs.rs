//! The process's log output, and what `/logs/*` may change in it: which
//! lines reach stderr, and one live stream of lines to an HTTP client.
//! Installed once, as the global subscriber, before anything logs.
//!
//! A slow stream reader never slows logging: lines go through a bounded
//! channel and are dropped, not queued, when the reader falls behind.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::Frame;
use tokio::sync::mpsc;
use tracing_subscriber::filter::{Filtered, LevelFilter, Targets};
use tracing_subscriber::fmt::format::{DefaultFields, FmtSpan, Format};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Layer, Registry};

type Boxed<S> = Box<dyn Layer<S> + Send + Sync>;
/// Where a stream's layer goes: empty, and letting nothing through, while
/// no stream of its kind is open.
type Slot<S> = Filtered<Option<Boxed<S>>, Targets, S>;
type WithHuman = Layered<reload::Layer<Slot<Registry>, Registry>, Registry>;
type WithStreams = Layered<reload::Layer<Slot<WithHuman>, WithHuman>, WithHuman>;
type StderrLayer = Filtered<Boxed<WithStreams>, Targets, WithStreams>;
/// The whole subscriber.
pub type Subscriber = Layered<reload::Layer<StderrLayer, WithStreams>, WithStreams>;

/// Lines a stream may hold that its reader has not taken yet.
const STREAM_BACKLOG: usize = 4096;

/// How a stream writes its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamMode {
    /// As stderr writes them, without colours.
    Human,
    /// One JSON object per line, with its spans.
    Json,
}

/// Handles on the installed subscriber. Each stream mode has its own slot
/// (and so its own per-layer filter): a span recorded for one format must
/// never be read by the other's formatter, which would not find its fields.
pub struct Logs {
    stderr: reload::Handle<StderrLayer, WithStreams>,
    human: reload::Handle<Slot<Registry>, Registry>,
    json: reload::Handle<Slot<WithHuman>, WithHuman>,
    open: Mutex<Open>,
}

/// The open stream, if any, by number and mode. Numbers are never reused,
/// so a stream that ends late cannot close a newer one.
#[derive(Default)]
struct Open {
    current: Option<(u64, StreamMode)>,
    last: u64,
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logs").finish_non_exhaustive()
    }
}

/// A stream is open already (Meilisearch allows one).
#[derive(Debug)]
pub struct Busy;

fn closed<S>() -> Slot<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    None.with_filter(Targets::new().with_default(LevelFilter::OFF))
}

/// A stream's fmt layer: every event and span close, without colours.
fn lines<S>(tx: mpsc::Sender<Bytes>) -> tracing_subscriber::fmt::Layer<S, DefaultFields, Format, Lines> {
    tracing_subscriber::fmt::layer().with_writer(Lines(tx)).with_ansi(false).with_span_events(FmtSpan::CLOSE)
}

/// Puts `layer` in a slot, letting `targets` through, or empties it.
fn fill<S>(slot: &reload::Handle<Slot<S>, S>, layer: Option<Boxed<S>>, targets: Targets) -> Result<(), Busy>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    slot.modify(|s| {
        *s.inner_mut() = layer;
        *s.filter_mut() = targets;
    })
    .map_err(|_| Busy)
}

impl Logs {
    /// Makes the global subscriber: stderr at `level`, as JSON lines when
    /// `json`, and no stream. Fails when one is installed already.
    pub fn install(level: LevelFilter, json: bool) -> Result<Arc<Logs>, String> {
        let (subscriber, logs) = Logs::build(level, json);
        subscriber.try_init().map_err(|e| e.to_string())?;
        Ok(Arc::new(logs))
    }

    /// The subscriber [`Logs::install`] installs, and its handles.
    pub fn build(level: LevelFilter, json: bool) -> (Subscriber, Logs) {
        let (human, human_handle) = reload::Layer::new(closed());
        let (json_slot, json_handle) = reload::Layer::new(closed());
        let out = tracing_subscriber::fmt::layer().with_writer(io::stderr);
        let out: Boxed<WithStreams> = if json {
            // One JSON object per line, its fields flattened: for log shippers.
            Box::new(out.json().flatten_event(true))
        } else {
            Box::new(out.with_ansi(io::IsTerminal::is_terminal(&io::stderr())))
        };
        let (stderr, stderr_handle) = reload::Layer::new(out.with_filter(Targets::new().with_default(level)));
        let subscriber = tracing_subscriber::registry().with(human).with(json_slot).with(stderr);
        let logs = Logs { stderr: stderr_handle, human: human_handle, json: json_handle, open: Mutex::default() };
        (subscriber, logs)
    }

    /// Which lines reach stderr from now on (`POST /logs/stderr`).
    pub fn set_stderr(&self, targets: Targets) {
        let _ = self.stderr.modify(|layer| *layer.filter_mut() = targets);
    }

    /// Opens the stream: the lines `targets` selects, written as `mode` says,
    /// until [`Logs::close`] or until the returned body is dropped.
    pub fn open(self: &Arc<Self>, targets: Targets, mode: StreamMode) -> Result<LogStream, Busy> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.current.is_some() {
            return Err(Busy);
        }
        let (tx, rx) = mpsc::channel(STREAM_BACKLOG);
        match mode {
            StreamMode::Human => fill(&self.human, Some(Box::new(lines(tx))), targets)?,
            StreamMode::Json => fill(&self.json, Some(Box::new(lines(tx).json())), targets)?,
        }
        open.last += 1;
        open.current = Some((open.last, mode));
        Ok(LogStream { lines: rx, logs: Arc::clone(self), number: open.last })
    }

    /// Closes the open stream, if any: its body ends (`DELETE /logs/stream`).
    pub fn close(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        self.shut(&mut open);
    }

    fn shut(&self, open: &mut Open) {
        // Emptying the slot drops the sender: the body's reader sees the end.
        let off = Targets::new().with_default(LevelFilter::OFF);
        let _ = match open.current.take() {
            Some((_, StreamMode::Human)) => fill(&self.human, None, off),
            Some((_, StreamMode::Json)) => fill(&self.json, None, off),
            None => Ok(()),
        };
    }
}

/// Where the stream's fmt layer writes: each event is formatted whole and
/// written once, so one write is one line.
struct Lines(mpsc::Sender<Bytes>);

impl<'a> MakeWriter<'a> for Lines {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter(&self.0)
    }
}

struct LineWriter<'a>(&'a mpsc::Sender<Bytes>);

impl io::Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Full (a slow reader) or closed: the line is dropped.
        let _ = self.0.try_send(Bytes::copy_from_slice(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The body of `POST /logs/stream`: lines as they are logged. Dropped (the
/// client went away), it closes its stream.
#[derive(Debug)]
pub struct LogStream {
    lines: mpsc::Receiver<Bytes>,
    logs: Arc<Logs>,
    number: u64,
}

impl hyper::body::Body for LogStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.get_mut().lines.poll_recv(cx).map(|line| line.map(|l| Ok(Frame::data(l))))
    }
}

impl Drop for LogStream {
    fn drop(&mut self) {
        let mut open = self.logs.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.current.is_some_and(|(number, _)| number == self.number) {
            self.logs.shut(&mut open);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(stream: &mut LogStream) -> String {
        let mut out = String::new();
        while let Ok(line) = stream.lines.try_recv() {
            out.push_str(&String::from_utf8_lossy(&line));
        }
        out
    }

    /// With one slot for both modes, a JSON stream opened while a span the
    /// human stream had recorded was still open panicked in tracing's JSON
    /// formatter (the span's fields in the other format).
    #[test]
    fn a_json_stream_after_a_human_one_inside_the_same_span() {
        let (subscriber, logs) = Logs::build(LevelFilter::OFF, false);
        let logs = Arc::new(logs);
        let debug = || Targets::new().with_default(LevelFilter::DEBUG);
        tracing::subscriber::with_default(subscriber, || {
            let mut human = logs.open(debug(), StreamMode::Human).unwrap();
            let span = tracing::debug_span!("batch", uid = 7).entered();
            tracing::debug!("seen as text");
            assert!(matches!(logs.open(debug(), StreamMode::Json), Err(Busy)), "one stream at a time");
            logs.close();
            let mut json = logs.open(debug(), StreamMode::Json).unwrap();
            tracing::debug!("seen as json");
            drop(span);
            logs.close();
            tracing::debug!("seen by no one");
            let text = lines(&mut human);
            assert!(text.contains("batch{uid=7}") && text.contains("seen as text"), "{text}");
            let json = lines(&mut json);
            let line: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
            assert_eq!(line["fields"]["message"], "seen as json", "{json}");
            assert!(!text.contains("seen by no one") && !json.contains("seen by no one"));
        });
    }
}
