//! A closed-loop HTTP load generator: `connections` keep-alive connections,
//! each sending its next request as soon as the previous answer arrives, for
//! a fixed time. The same generator measures meili-lite and the do-nothing
//! baseline, so their ratio cancels out the machine.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

/// What one run measured.
pub struct Outcome {
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Sends `POST path` with `body(i)` from `connections` connections for
/// `duration` (or until `max` requests, if set).
pub async fn run(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    path: &'static str,
    auth: Option<String>,
    body: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
) -> Outcome {
    run_bounded(addr, connections, duration, u64::MAX, path, auth, body).await
}

/// Where the load goes: an address, over TLS when a connector is given.
#[derive(Clone)]
pub struct Peer {
    pub addr: SocketAddr,
    pub tls: Option<tokio_rustls::TlsConnector>,
}

impl From<SocketAddr> for Peer {
    fn from(addr: SocketAddr) -> Self {
        Peer { addr, tls: None }
    }
}

/// [`run`] that also stops after `max` requests.
pub async fn run_bounded(
    peer: impl Into<Peer>,
    connections: usize,
    duration: Duration,
    max: u64,
    path: &'static str,
    auth: Option<String>,
    body: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
) -> Outcome {
    let Peer { addr, tls } = peer.into();
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (ok, errors, next, stop, body, auth, tls) =
            (ok.clone(), errors.clone(), next.clone(), stop.clone(), body.clone(), auth.clone(), tls.clone());
        tasks.push(tokio::spawn(async move {
            let Some(mut sender) = connect(addr, tls).await else {
                errors.fetch_add(1, Ordering::Relaxed);
                return;
            };
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max {
                    break;
                }
                let mut req = Request::post(path).header("content-type", "application/json").header("host", "bench");
                if let Some(a) = &auth {
                    req = req.header("authorization", a.as_str());
                }
                let Ok(req) = req.body(Full::new(Bytes::from(body(i)))) else {
                    break;
                };
                match sender.send_request(req).await {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.into_body().collect().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + duration;
    while tokio::time::Instant::now() < deadline && ok.load(Ordering::Relaxed) + errors.load(Ordering::Relaxed) < max {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    Outcome { ok: ok.load(Ordering::Relaxed), errors: errors.load(Ordering::Relaxed), elapsed }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// One keep-alive connection, over TLS when a connector is given.
async fn connect(addr: SocketAddr, tls: Option<tokio_rustls::TlsConnector>) -> Option<Sender> {
    let stream = TcpStream::connect(addr).await.ok()?;
    let _ = stream.set_nodelay(true);
    match tls {
        None => handshake(stream).await,
        Some(tls) => handshake(tls.connect(rustls::pki_types::ServerName::from(addr.ip()), stream).await.ok()?).await,
    }
}

async fn handshake(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
) -> Option<Sender> {
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
    tokio::spawn(connection);
    Some(sender)
}

/// An open-loop load: `max` requests at `rate` per second, spread over
/// `connections` connections (so that one slow answer does not hold the pace).
pub async fn run_paced(
    addr: SocketAddr,
    connections: usize,
    rate: f64,
    max: u64,
    path: &'static str,
    body: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
) -> Outcome {
    let ok = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let period = Duration::from_secs_f64(connections as f64 / rate);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (ok, next, body) = (ok.clone(), next.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            // Staggered, so that the connections take turns rather than fire together.
            tokio::time::sleep(period.mul_f64(c as f64 / connections as f64)).await;
            let Some(mut sender) = connect(addr, None).await else { return };
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max {
                    return;
                }
                let Ok(req) = Request::post(path)
                    .header("content-type", "application/json")
                    .header("host", "bench")
                    .body(Full::new(Bytes::from(body(i))))
                else {
                    return;
                };
                match sender.send_request(req).await {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.into_body().collect().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => return,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let ok = ok.load(Ordering::Relaxed);
    Outcome { ok, errors: max.saturating_sub(ok), elapsed: started.elapsed() }
}

/// The machine's own noise: round trips of an empty POST to `addr` every
/// `period` until `stop`, in ms. Run beside a scenario, under the same load.
pub async fn probe(addr: SocketAddr, period: Duration, stop: Arc<AtomicBool>) -> Vec<f64> {
    let mut out = Vec::new();
    let Some(mut sender) = connect(addr, None).await else { return out };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let Ok(req) = Request::post("/probe").header("host", "bench").body(Full::new(Bytes::new())) else { break };
        let sent = Instant::now();
        match sender.send_request(req).await {
            Ok(res) => {
                let _ = res.into_body().collect().await;
                out.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            Err(_) => break,
        }
    }
    out
}

/// A do-nothing hyper server: reads the body, answers `202` with a small JSON
/// object. The loopback limit for this load generator on this machine.
pub async fn baseline_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the baseline server");
    let addr = listener.local_addr().expect("baseline address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                    let _ = req.into_body().collect().await;
                    let mut res = Response::new(Full::new(Bytes::from_static(br#"{"taskUid":0,"status":"enqueued"}"#)));
                    *res.status_mut() = StatusCode::ACCEPTED;
                    Ok::<_, Infallible>(res)
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    addr
}
