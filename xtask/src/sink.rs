//! A webhook receiver for benchmarks: gunzips each POST, and for every task
//! line records how long after its `finishedAt` it arrived.

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::net::TcpListener;

pub struct Sink {
    pub addr: SocketAddr,
    /// Milliseconds from `finishedAt` to receipt, one per task line.
    pub latencies: Arc<Mutex<Vec<f64>>>,
    pub posts: Arc<AtomicU64>,
    pub status: Arc<AtomicU16>,
    /// How long to wait before answering, in ms (a slow receiver).
    pub delay_ms: Arc<AtomicU64>,
}

impl Sink {
    pub async fn start(status: u16) -> Self {
        Self::start_on("127.0.0.1:0", status).await.expect("binding a sink")
    }

    pub async fn start_on(addr: &str, status: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let sink = Sink {
            addr,
            latencies: Arc::default(),
            posts: Arc::default(),
            status: Arc::new(AtomicU16::new(status)),
            delay_ms: Arc::default(),
        };
        let (latencies, posts, status, delay) =
            (sink.latencies.clone(), sink.posts.clone(), sink.status.clone(), sink.delay_ms.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                let (latencies, posts, status, delay) =
                    (latencies.clone(), posts.clone(), status.clone(), delay.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (latencies, posts, status, delay) =
                            (latencies.clone(), posts.clone(), status.clone(), delay.clone());
                        async move {
                            let gzipped = req.headers().get("content-encoding").is_some_and(|v| v == "gzip");
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let now = OffsetDateTime::now_utc();
                            let mut text = String::new();
                            if gzipped {
                                let _ = flate2::read::GzDecoder::new(&body[..]).read_to_string(&mut text);
                            } else {
                                text = String::from_utf8_lossy(&body).into_owned();
                            }
                            let code = status.load(Ordering::Relaxed);
                            if code < 300 {
                                let mut l = latencies.lock().unwrap_or_else(|e| e.into_inner());
                                for line in text.lines() {
                                    let finished = serde_json::from_str::<Value>(line)
                                        .ok()
                                        .and_then(|v| OffsetDateTime::parse(v["finishedAt"].as_str()?, &Rfc3339).ok());
                                    if let Some(finished) = finished {
                                        l.push((now - finished).as_seconds_f64() * 1000.0);
                                    }
                                }
                                posts.fetch_add(1, Ordering::Relaxed);
                            }
                            let delay = delay.load(Ordering::Relaxed);
                            if delay > 0 {
                                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                            }
                            let mut res = Response::new(Full::new(Bytes::new()));
                            *res.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
                            Ok::<_, Infallible>(res)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(sink)
    }

    pub fn received(&self) -> usize {
        self.latencies.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// p50, p99 and max of `values` (milliseconds).
pub fn percentiles(values: &[f64]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    (at(0.50), at(0.99), v[v.len() - 1])
}
