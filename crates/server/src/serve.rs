//! Accepting connections and serving them until shutdown.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use documents::Store;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use scheduler::Scheduler;
use tokio::net::TcpListener;
use tracing::{debug, info, warn};

/// What every handler can reach.
pub struct AppState {
    pub scheduler: Scheduler,
    pub store: Store,
    /// Every index's search index, by documents tree.
    pub search: Arc<search::Engine>,
    pub webhooks: Arc<webhook::Registry>,
    pub deliveries: webhook::Deliverer,
    /// API keys, and the master key they derive from.
    pub keys: Arc<auth::KeyStore>,
    pub features: Arc<crate::Features>,
    /// The installed log output, for `/logs/*`.
    pub logs: Arc<crate::Logs>,
    /// Bounds concurrent searches.
    pub searches: crate::SearchQueue,
    /// Largest accepted body, in bytes.
    pub payload_limit: u64,
    /// Whether `GET /` serves the dashboard.
    pub dashboard: bool,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState").field("payload_limit", &self.payload_limit).finish_non_exhaustive()
    }
}

/// Serves HTTP/1.1 on `listener` (over TLS with `tls`) until `shutdown`
/// resolves, then stops accepting and gives open requests up to 10 s to finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, don't spin.
                        warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&state);
                let service = service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(crate::router::handle(state, req).await) }
                });
                let watcher = graceful.watcher();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let http = http1::Builder::new();
                    let served = match tls {
                        None => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await.map_err(|e| e.to_string()),
                        // The handshake runs on the connection's own task, so
                        // a slow client never holds up accepting.
                        // Over TLS, HTTP/2 too when the client asks for it (ALPN).
                        Some(tls) => match tokio::time::timeout(Duration::from_secs(10), tls.accept(stream)).await.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())) {
                            Ok(stream) => {
                                let auto = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                                watcher.watch(auto.serve_connection(TokioIo::new(stream), service)).await.map_err(|e| e.to_string())
                            }
                            Err(e) => {
                                debug!(%peer, error = %e, "TLS handshake failed");
                                return;
                            }
                        },
                    };
                    if let Err(e) = served {
                        debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    info!("stopped accepting connections; finishing open requests");
    // A log stream never ends by itself: end it, or shutdown would wait for it.
    state.logs.close();
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        warn!("some requests were still open after 10 s; closing them");
    }
}
