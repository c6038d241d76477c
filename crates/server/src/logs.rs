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
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Layer, Registry};

type Boxed<S> = Box<dyn Layer<S> + Send + Sync>;
type StreamLayer = Filtered<Option<Boxed<Registry>>, Targets, Registry>;
type WithStream = Layered<reload::Layer<StreamLayer, Registry>, Registry>;
type StderrLayer = Filtered<Boxed<WithStream>, Targets, WithStream>;

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

/// Handles on the installed subscriber.
pub struct Logs {
    stderr: reload::Handle<StderrLayer, WithStream>,
    stream: reload::Handle<StreamLayer, Registry>,
    /// The open stream's number. Numbers are never reused, so a stream that
    /// ends late cannot close a newer one.
    open: Mutex<(Option<u64>, u64)>,
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logs").finish_non_exhaustive()
    }
}

/// A stream is open already (Meilisearch allows one).
#[derive(Debug)]
pub struct Busy;

impl Logs {
    /// Makes the global subscriber: stderr at `level`, as JSON lines when
    /// `json`, and no stream. Fails when one is installed already.
    pub fn install(level: LevelFilter, json: bool) -> Result<Arc<Logs>, String> {
        let closed: StreamLayer = None.with_filter(Targets::new().with_default(LevelFilter::OFF));
        let (stream, stream_handle) = reload::Layer::new(closed);
        let out = tracing_subscriber::fmt::layer().with_writer(io::stderr);
        let out: Boxed<WithStream> = if json {
            // One JSON object per line, its fields flattened: for log shippers.
            Box::new(out.json().flatten_event(true))
        } else {
            Box::new(out.with_ansi(io::IsTerminal::is_terminal(&io::stderr())))
        };
        let (stderr, stderr_handle) = reload::Layer::new(out.with_filter(Targets::new().with_default(level)));
        tracing_subscriber::registry().with(stream).with(stderr).try_init().map_err(|e| e.to_string())?;
        Ok(Arc::new(Logs { stderr: stderr_handle, stream: stream_handle, open: Mutex::new((None, 0)) }))
    }

    /// Which lines reach stderr from now on (`POST /logs/stderr`).
    pub fn set_stderr(&self, targets: Targets) {
        let _ = self.stderr.modify(|layer| *layer.filter_mut() = targets);
    }

    /// Opens the stream: the lines `targets` selects, written as `mode` says,
    /// until [`Logs::close`] or until the returned body is dropped.
    pub fn open(self: &Arc<Self>, targets: Targets, mode: StreamMode) -> Result<LogStream, Busy> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.0.is_some() {
            return Err(Busy);
        }
        let (tx, rx) = mpsc::channel(STREAM_BACKLOG);
        let lines =
            tracing_subscriber::fmt::layer().with_writer(Lines(tx)).with_ansi(false).with_span_events(FmtSpan::CLOSE);
        let lines: Boxed<Registry> = match mode {
            StreamMode::Human => Box::new(lines),
            StreamMode::Json => Box::new(lines.json()),
        };
        self.stream
            .modify(|layer| {
                *layer.inner_mut() = Some(lines);
                *layer.filter_mut() = targets;
            })
            .map_err(|_| Busy)?;
        open.1 += 1;
        open.0 = Some(open.1);
        Ok(LogStream { lines: rx, logs: Arc::clone(self), number: open.1 })
    }

    /// Closes the open stream, if any: its body ends (`DELETE /logs/stream`).
    pub fn close(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        self.shut(&mut open);
    }

    fn shut(&self, open: &mut (Option<u64>, u64)) {
        if open.0.take().is_some() {
            // Dropping the layer drops the sender: the body's reader sees the end.
            let _ = self.stream.modify(|layer| {
                *layer.inner_mut() = None;
                *layer.filter_mut() = Targets::new().with_default(LevelFilter::OFF);
            });
        }
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
        if open.0 == Some(self.number) {
            self.logs.shut(&mut open);
        }
    }
}
