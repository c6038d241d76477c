//! Sending finished batches: one `POST` per batch per webhook, off the
//! caller's thread, each bounded in time. A failure is logged with the
//! webhook's uuid and the batch uid (never its headers) and nothing waits
//! for it.
//!
//! This is the Meilisearch contract: fire once, log failures. Retries, a
//! durable outbox and signatures build on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};
use hyper::Request;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use task_model::{Batch, BatchId, Task};
use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use tracing::{debug, error, warn};
use uuid::Uuid;

use crate::{payload, Error, Registry, Webhook};

/// Bounds on delivery.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryOptions {
    /// Whole request, connect to last byte of the answer.
    pub timeout: Duration,
    /// Requests in flight at once to one webhook.
    pub max_in_flight: usize,
    /// Deliveries waiting for one webhook beyond those in flight; past it, new
    /// ones are dropped and logged. (A durable outbox is the real answer.)
    pub max_waiting: usize,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(30), max_in_flight: 8, max_waiting: 10_000 }
    }
}

/// One webhook's share of delivery: its own limits, so a slow or black-holed
/// endpoint only ever holds up itself.
#[derive(Debug)]
struct Lane {
    in_flight: Semaphore,
    waiting: AtomicUsize,
}

/// Delivers finished batches to every webhook of a [`Registry`].
#[derive(Debug, Clone)]
pub struct Deliverer {
    registry: Arc<Registry>,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    runtime: Handle,
    lanes: Arc<Mutex<HashMap<Uuid, Arc<Lane>>>>,
    options: DeliveryOptions,
}

impl Deliverer {
    /// Sends on `runtime`; callable from any thread.
    pub fn new(registry: Arc<Registry>, runtime: Handle, options: DeliveryOptions) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.set_connect_timeout(Some(options.timeout));
        // HTTP and HTTPS (rustls with the ring provider and the Mozilla roots
        // compiled in: no system certificate store, no C toolchain beyond cc).
        http.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| Error::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector);
        Ok(Self { registry, client, runtime, lanes: Arc::default(), options })
    }

    fn lane(&self, webhook: Uuid) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes
            .entry(webhook)
            .or_insert_with(|| {
                Arc::new(Lane {
                    in_flight: Semaphore::new(self.options.max_in_flight.max(1)),
                    waiting: AtomicUsize::new(0),
                })
            })
            .clone()
    }

    /// Queues the delivery of a finished batch to every webhook and returns at
    /// once; encoding and sending happen on the runtime.
    pub fn batch_finished(&self, batch: &Batch, tasks: &[Task]) {
        let hooks = self.registry.all();
        if hooks.is_empty() || tasks.is_empty() {
            return;
        }
        let tasks = tasks.to_vec();
        let batch = batch.uid;
        let this = self.clone();
        self.runtime.spawn(async move {
            let body = match tokio::task::spawn_blocking(move || payload::encode(&tasks)).await {
                Ok(body) => Bytes::from(body),
                Err(e) => {
                    warn!(batch = batch.0, error = %e, "encoding a webhook payload failed");
                    return;
                }
            };
            for hook in hooks {
                let this = this.clone();
                let body = body.clone();
                tokio::spawn(async move { this.send(hook, batch, body).await });
            }
        });
    }

    async fn send(&self, hook: Webhook, batch: BatchId, body: Bytes) {
        let webhook = hook.uuid;
        let lane = self.lane(webhook);
        if lane.waiting.fetch_add(1, Ordering::SeqCst) >= self.options.max_in_flight + self.options.max_waiting {
            lane.waiting.fetch_sub(1, Ordering::SeqCst);
            error!(%webhook, batch = batch.0, "webhook not sent: too many deliveries are waiting for this endpoint");
            return;
        }
        let permit = lane.in_flight.acquire().await;
        lane.waiting.fetch_sub(1, Ordering::SeqCst);
        let Ok(_permit) = permit else { return };
        let request = match build_request(&hook, body) {
            Ok(request) => request,
            Err(e) => {
                warn!(%webhook, batch = batch.0, error = %e, "webhook not sent: invalid request");
                return;
            }
        };
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.options.timeout, async {
            let response = self.client.request(request).await?;
            let status = response.status();
            // Read the answer so the connection can be reused; its content is ignored.
            let _ = response.into_body().collect().await;
            Ok::<_, hyper_util::client::legacy::Error>(status)
        })
        .await;
        let millis = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(Ok(status)) if status.is_success() => {
                debug!(%webhook, batch = batch.0, status = status.as_u16(), millis, "webhook delivered")
            }
            Ok(Ok(status)) => {
                warn!(%webhook, batch = batch.0, status = status.as_u16(), millis, "webhook answered with an error status")
            }
            Ok(Err(e)) => warn!(%webhook, batch = batch.0, error = %e, millis, "webhook request failed"),
            Err(_) => warn!(%webhook, batch = batch.0, millis, "webhook request timed out"),
        }
    }
}

fn build_request(hook: &Webhook, body: Bytes) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
    let mut request =
        Request::post(hook.url.as_str()).header(CONTENT_TYPE, "application/x-ndjson").header(CONTENT_ENCODING, "gzip");
    if let Some(headers) = request.headers_mut() {
        for (name, value) in &hook.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                headers.insert(name, value);
            }
        }
    }
    request.body(Full::new(body))
}
