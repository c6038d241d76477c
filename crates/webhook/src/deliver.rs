//! Delivery: every finished batch is recorded in the durable [`Outbox`] (one
//! row naming each webhook it goes to) before [`Deliverer::batch_finished`]
//! returns; then one lane per webhook sends its deliveries in batch order, retrying on the Standard
//! Webhooks schedule. The queue never waits on a request; a slow or dead
//! endpoint only holds up its own lane, and its backlog lives on disk.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::RETRY_AFTER;
use hyper::StatusCode;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use task_model::{Batch, Task};
use tokio::runtime::Handle;
use tokio::sync::Notify;
use tracing::{debug, error, warn};
use uuid::Uuid;

use crate::guard::GuardedResolver;
use crate::health::Health;
use crate::inflated::Inflated;
use crate::metrics::{Event, Metrics};
use crate::outbox::{Next, Outbox};
use crate::payload::{Compression, Encoded};
use crate::record::Recorder;
use crate::request;
use crate::row::{delivery_id, Attempt, Delivery, State};
use crate::{lock, payload, Error, NetworkGuard, Registry, Webhook};

/// The Standard Webhooks retry schedule: the first attempt at once, then
/// after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h.
pub const STANDARD_SCHEDULE: [Duration; 10] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(24 * 3600),
];

/// How deliveries are attempted.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Opening a connection (TCP connect).
    pub connect_timeout: Duration,
    /// Whole request, connect to last byte of the answer.
    pub timeout: Duration,
    /// Delay before each attempt; its length is the number of attempts.
    pub retry_schedule: Vec<Duration>,
    /// Which private networks webhooks may reach.
    pub guard: NetworkGuard,
    /// Holds each group of finished deliveries back this long before recording it.
    /// Zero but in fault-injection tests, which crash inside that window.
    pub record_delay: Duration,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry_schedule: STANDARD_SCHEDULE.to_vec(),
            guard: NetworkGuard::default(),
            record_delay: Duration::ZERO,
        }
    }
}

/// Records finished batches and delivers them to every webhook of a [`Registry`].
#[derive(Debug, Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Arc<Registry>,
    outbox: Outbox,
    client: Client<HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>,
    runtime: Handle,
    lanes: Mutex<HashMap<Uuid, Arc<Lane>>>,
    options: DeliveryOptions,
    metrics: Metrics,
    /// Health per webhook, kept in memory and written to the outbox when it
    /// changes state or at most once a second: not on every delivery.
    health: Mutex<HashMap<Uuid, (Health, Instant)>>,
    /// Writes finished deliveries behind the lanes.
    recorder: Recorder,
    inflated: Inflated,
}

/// How the rest of the deliverer reaches a running lane.
#[derive(Debug, Default)]
struct Lane {
    notify: Notify,
    /// A finished delivery went back to pending: it goes before the rows the
    /// lane has already read ahead.
    requeued: AtomicBool,
}

/// Rows a lane reads per scan of the outbox.
const READ_AHEAD: usize = 32;

/// What one attempt came to.
enum Outcome {
    Delivered(StatusCode),
    /// `410 Gone`: the receiver asks never to be called again.
    Gone,
    Failed {
        reason: String,
        retry_after: Option<Duration>,
    },
}

/// Unix milliseconds as RFC 3339.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(task_model::rfc3339::format)
        .unwrap_or_default()
}

pub(crate) fn unix_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

/// `delay` ± 10 %, so that receivers coming back are not hit in lockstep.
fn jitter(delay: Duration) -> Duration {
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let factor = 0.9 + (random % 2001) as f64 / 10_000.0;
    delay.mul_f64(factor)
}

impl Deliverer {
    /// Opens the outbox in `db` and resumes every lane that has rows left.
    pub fn new(
        db: &sled::Db,
        registry: Arc<Registry>,
        runtime: Handle,
        options: DeliveryOptions,
    ) -> Result<Self, Error> {
        let resolver = GuardedResolver { guard: Arc::new(options.guard.clone()) };
        let mut http = HttpConnector::new_with_resolver(resolver);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(options.connect_timeout.min(options.timeout)));
        http.enforce_http(false);
        // HTTPS through rustls with the ring provider and the Mozilla roots
        // compiled in: no system certificate store, no cmake.
        let connector = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| Error::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector);
        let outbox = Outbox::open(db)?;
        let pending = outbox.webhooks();
        let recorder = Recorder::start(outbox.clone(), Arc::clone(&registry), options.record_delay)?;
        let deliverer = Self {
            inner: Arc::new(Inner {
                registry,
                outbox,
                client,
                runtime,
                lanes: Mutex::default(),
                options,
                metrics: Metrics::default(),
                health: Mutex::default(),
                recorder,
                inflated: Inflated::default(),
            }),
        };
        for webhook in pending {
            deliverer.wake(webhook);
        }
        Ok(deliverer)
    }

    /// Records the batch for every webhook (durable once the database is
    /// flushed; replaying the same batch is harmless) and wakes their lanes.
    /// Encoding happens here, on the caller's thread.
    pub fn batch_finished(&self, batch: &Batch, tasks: &[Task]) -> Result<(), Error> {
        let hooks = self.inner.registry.all();
        if hooks.is_empty() || tasks.is_empty() {
            return Ok(());
        }
        // Webhooks that take the whole batch in the same shape share one body,
        // encoded and stored once; a filtered subset gets a body of its own.
        let mut shared: HashMap<u8, Encoded> = HashMap::new();
        let mut recorded: Vec<(Delivery, Option<Vec<u8>>)> = Vec::new();
        let created_at = unix_ms();
        for hook in hooks {
            let matching: Vec<&Task> = tasks.iter().filter(|t| hook.wants(t)).collect();
            if matching.is_empty() {
                continue;
            }
            let shape = (matching.len() == tasks.len()).then_some((hook.format as u8) << 1 | hook.compression as u8);
            let own = match shape {
                Some(shape) => {
                    shared.entry(shape).or_insert_with(|| Encoded::new(tasks, hook.format, hook.compression));
                    None
                }
                None => Some(payload::encode_as(matching.iter().copied(), hook.format, hook.compression)),
            };
            let delivery = Delivery {
                id: delivery_id(batch.uid.0, hook.uuid),
                webhook: hook.uuid,
                batch: batch.uid.0,
                shape,
                tasks: matching.iter().map(|t| t.uid.0).collect(),
                attempts: 0,
                next_attempt_at: 0,
                state: State::Pending,
                gzip: hook.compression == Compression::Gzip,
                created_at,
                log: Vec::new(),
            };
            recorded.push((delivery, own));
        }
        let (deliveries, owns): (Vec<Delivery>, Vec<Option<Vec<u8>>>) = recorded.into_iter().unzip();
        let rows: Vec<(Delivery, &[u8])> = deliveries
            .into_iter()
            .zip(&owns)
            .map(|(delivery, own)| {
                let body = match own {
                    Some(body) => body.as_slice(),
                    None => delivery.shape.and_then(|s| shared.get(&s)).map_or(&[][..], |e| e.wire.as_ref()),
                };
                (delivery, body)
            })
            .collect();
        self.inner.outbox.record(batch.uid.0, &rows)?;
        // Kept for lanes about to send it; a lane far behind would find it
        // evicted long before its turn (and a backlog would only churn it).
        let soon = |shape: u8| {
            rows.iter().any(|(d, _)| d.shape == Some(shape) && self.inner.outbox.len(d.webhook) <= READ_AHEAD)
        };
        for (shape, encoded) in shared.iter().filter(|(shape, _)| soon(**shape)) {
            self.inner.inflated.keep(batch.uid.0, *shape, encoded.wire.clone(), encoded.plain.clone());
        }
        for (delivery, _) in &rows {
            self.wake(delivery.webhook);
        }
        Ok(())
    }

    /// A page of `webhook`'s deliveries, newest first, as the API shows them.
    pub fn deliveries(&self, webhook: Uuid, from: Option<u32>, limit: usize) -> Result<(Vec<Value>, usize), Error> {
        let (page, total) = self.inner.outbox.page(webhook, from, limit)?;
        Ok((page.iter().map(Delivery::view).collect(), total))
    }

    /// Sends a finished delivery again (before anything else of its webhook).
    pub fn redeliver(&self, webhook: Uuid, id: &str) -> Result<Value, Error> {
        let batch = id
            .strip_prefix("msg_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|b| b.parse::<u32>().ok())
            .filter(|b| delivery_id(*b, webhook) == id)
            .ok_or_else(|| Error::DeliveryNotFound(id.to_owned()))?;
        let delivery = self
            .inner
            .recorder
            .exclusive(|outbox| outbox.requeue(webhook, |d| d.batch == batch))?
            .pop()
            .ok_or_else(|| Error::DeliveryNotFound(id.to_owned()))?;
        self.requeued(webhook);
        Ok(delivery.view())
    }

    /// Sends again every delivery of `webhook` that failed for good, created
    /// since `since` (Unix ms). Returns how many.
    pub fn recover(&self, webhook: Uuid, since: i64) -> Result<usize, Error> {
        let requeued = self
            .inner
            .recorder
            .exclusive(|outbox| outbox.requeue(webhook, |d| d.state == State::Failed && d.created_at >= since))?;
        self.requeued(webhook);
        Ok(requeued.len())
    }

    /// How the webhook has been doing: `consecutiveFailures`, `lastSuccessAt`,
    /// `lastFailureAt`, `pendingDeliveries`.
    pub fn health(&self, webhook: Uuid) -> Value {
        let health = self.inner.health_of(webhook);
        json!({
            "consecutiveFailures": health.consecutive_failures,
            "lastSuccessAt": health.last_success_at.map(rfc3339_ms),
            "lastFailureAt": health.last_failure_at.map(rfc3339_ms),
            "pendingDeliveries": self.inner.outbox.len(webhook),
        })
    }

    /// Delivery metrics in Prometheus text format.
    pub fn metrics(&self, out: &mut String) {
        let depths: Vec<(String, usize)> =
            self.inner.registry.all().iter().map(|h| (h.uuid.to_string(), self.inner.outbox.len(h.uuid))).collect();
        self.inner.metrics.render(out, &depths);
    }

    /// Writes what the lanes have finished and stops writing behind them
    /// (later outcomes are written as they come): call it at a clean
    /// shutdown, before the database's last flush.
    pub fn shutdown(&self) {
        self.inner.recorder.close();
    }

    /// Wakes the lane of `webhook`, starting it if needed.
    fn wake(&self, webhook: Uuid) {
        self.lane(webhook).notify.notify_one();
    }

    /// Tells the lane of `webhook` that rows went back to pending, and wakes it.
    fn requeued(&self, webhook: Uuid) {
        let lane = self.lane(webhook);
        lane.requeued.store(true, Ordering::Release);
        lane.notify.notify_one();
    }

    fn lane(&self, webhook: Uuid) -> Arc<Lane> {
        let mut lanes = lock(&self.inner.lanes);
        let lane = lanes.entry(webhook).or_insert_with(|| {
            let lane = Arc::new(Lane::default());
            self.inner.runtime.spawn(Arc::clone(&self.inner).run_lane(webhook, Arc::clone(&lane)));
            lane
        });
        Arc::clone(lane)
    }
}

impl Inner {
    fn health_of(&self, webhook: Uuid) -> Health {
        let cached = lock(&self.health).get(&webhook).map(|(h, _)| h.clone());
        cached.unwrap_or_else(|| self.outbox.health(webhook))
    }

    /// Remembers `health`; persists it if it changed state or a second passed.
    fn store_health(&self, webhook: Uuid, health: Health) -> Result<(), Error> {
        let mut cache = lock(&self.health);
        let due = match cache.get(&webhook) {
            None => true,
            Some((old, written)) => {
                (old.consecutive_failures == 0) != (health.consecutive_failures == 0)
                    || written.elapsed() > Duration::from_secs(1)
            }
        };
        let written = if due {
            self.outbox.set_health(webhook, &health)?;
            Instant::now()
        } else {
            cache.get(&webhook).map_or_else(Instant::now, |(_, w)| *w)
        };
        cache.insert(webhook, (health, written));
        Ok(())
    }

    /// Sends `webhook`'s rows, oldest batch first, until the webhook is deleted.
    async fn run_lane(self: Arc<Self>, webhook: Uuid, lane: Arc<Lane>) {
        // A lane also wakes on its own now and then, to notice a deleted or
        // re-enabled webhook without the API having to know about lanes.
        const RECHECK: Duration = Duration::from_secs(2);
        let notify = &lane.notify;
        // Deliveries read ahead, oldest first: one scan of the outbox serves many sends.
        let mut ahead: VecDeque<Next> = VecDeque::new();
        loop {
            let Some(hook) = self.registry.find(webhook) else {
                self.recorder.forget(webhook);
                lock(&self.health).remove(&webhook);
                lock(&self.lanes).remove(&webhook);
                return;
            };
            if hook.disabled {
                let _ = tokio::time::timeout(RECHECK, notify.notified()).await;
                continue;
            }
            if lane.requeued.swap(false, Ordering::AcqRel) {
                ahead.clear();
            }
            self.recorder.keep_up(webhook).await;
            if ahead.is_empty() {
                match self.outbox.pending(webhook, &self.recorder.unsettled(webhook), READ_AHEAD) {
                    Ok(next) => ahead.extend(next),
                    Err(e) => {
                        error!(%webhook, error = %e, "reading the outbox failed");
                        tokio::time::sleep(RECHECK).await;
                        continue;
                    }
                }
            }
            let Some(next) = ahead.pop_front() else {
                let _ = tokio::time::timeout(RECHECK, notify.notified()).await;
                continue;
            };
            let now = match next {
                Next::Fan(delivery) => Ok(Some(delivery)),
                Next::Own(batch) => self.outbox.pending_row(webhook, batch),
            };
            let delivery = match now {
                Ok(Some(delivery)) => delivery,
                // Written to the log since it was read ahead.
                Ok(None) => continue,
                Err(e) => {
                    error!(%webhook, error = %e, "reading the outbox failed");
                    ahead.clear();
                    tokio::time::sleep(RECHECK).await;
                    continue;
                }
            };
            let wait = delivery.next_attempt_at - unix_ms();
            if wait > 0 {
                // Only a row of its own waits for a retry: first again, read afresh.
                ahead.push_front(Next::Own(delivery.batch));
                let wait = Duration::from_millis(wait as u64).min(RECHECK);
                let _ = tokio::time::timeout(wait, notify.notified()).await;
                continue;
            }
            let body =
                self.inflated.stored(&delivery, || self.outbox.body(&delivery).ok().flatten().map(Bytes::from_owner));
            let started = Instant::now();
            let outcome = self.attempt(&hook, &delivery, body).await;
            let sent = started.elapsed();
            if !matches!(outcome, Outcome::Delivered(_)) {
                // The row stays first (a retry), or its webhook stops: read afresh.
                ahead.clear();
            }
            self.settle(&hook, delivery, outcome, sent);
            tracing::debug!(
                send_us = sent.as_micros() as u64,
                total_us = started.elapsed().as_micros() as u64,
                "lane step"
            );
        }
    }

    async fn attempt(&self, hook: &Webhook, delivery: &Delivery, body: Bytes) -> Outcome {
        if let Err(e) = self.options.guard.check_url(&hook.url) {
            return Outcome::Failed { reason: e.to_string(), retry_after: None };
        }
        let request = match request::build(hook, delivery, body, |stored| self.inflated.plain(delivery, stored)) {
            Ok(request) => request,
            Err(e) => return Outcome::Failed { reason: format!("invalid request: {e}"), retry_after: None },
        };
        let sent = tokio::time::timeout(self.options.timeout, async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            // Read the answer so the connection can be reused; its content is ignored.
            let _ = response.into_body().collect().await;
            Ok::<_, hyper_util::client::legacy::Error>((status, retry_after))
        })
        .await;
        match sent {
            Ok(Ok((status, _))) if status.is_success() => Outcome::Delivered(status),
            Ok(Ok((StatusCode::GONE, _))) => Outcome::Gone,
            Ok(Ok((status, retry_after))) => Outcome::Failed {
                reason: format!("status {}", status.as_u16()),
                retry_after: retry_after
                    .filter(|_| matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)),
            },
            Ok(Err(e)) => Outcome::Failed { reason: request::causes(&e), retry_after: None },
            Err(_) => Outcome::Failed { reason: "timed out".into(), retry_after: None },
        }
    }

    fn settle(&self, hook: &Webhook, mut delivery: Delivery, outcome: Outcome, took: Duration) {
        const KEPT_ATTEMPTS: usize = 20;
        let (webhook, batch, millis) = (hook.uuid, delivery.batch, took.as_millis() as u64);
        let now = unix_ms();
        let mut health = self.health_of(webhook);
        let (status_code, error) = match &outcome {
            Outcome::Delivered(status) => (Some(status.as_u16()), None),
            Outcome::Gone => (Some(410), Some("410 Gone".to_owned())),
            Outcome::Failed { reason, .. } => {
                (reason.strip_prefix("status ").and_then(|s| s.parse().ok()), Some(reason.clone()))
            }
        };
        delivery.log.push(Attempt { at: now, status_code, latency_ms: millis, error });
        if delivery.log.len() > KEPT_ATTEMPTS {
            delivery.log.remove(0);
        }
        let stored = match outcome {
            Outcome::Delivered(status) => {
                debug!(%webhook, batch, status = status.as_u16(), millis, "webhook delivered");
                health.consecutive_failures = 0;
                health.last_success_at = Some(now);
                let latency_ms = (now - delivery.created_at).max(0) as u64;
                self.metrics.record(Event::Delivered { latency_ms });
                delivery.state = State::Delivered;
                delivery.attempts += 1;
                self.recorder.finish(delivery);
                Ok(())
            }
            Outcome::Gone => {
                warn!(%webhook, batch, "the webhook answered 410 Gone: disabled until re-enabled");
                health.consecutive_failures += 1;
                health.last_failure_at = Some(now);
                self.metrics.record(Event::Gone);
                if let Err(e) = self.registry.set_disabled(webhook, true) {
                    error!(%webhook, error = %e, "disabling the webhook failed");
                }
                self.outbox.update(&delivery)
            }
            Outcome::Failed { reason, retry_after } => {
                health.consecutive_failures += 1;
                health.last_failure_at = Some(now);
                delivery.attempts += 1;
                match self.options.retry_schedule.get(delivery.attempts as usize) {
                    Some(delay) => {
                        let delay = retry_after.map_or_else(|| jitter(*delay), |d| d.min(Duration::from_secs(86_400)));
                        delivery.next_attempt_at = now + delay.as_millis() as i64;
                        warn!(%webhook, batch, attempt = delivery.attempts, error = %reason, retry_in_ms = delay.as_millis() as u64, millis, "webhook delivery failed; will retry");
                        self.metrics.record(Event::Retried);
                        self.outbox.update(&delivery)
                    }
                    None => {
                        delivery.state = State::Failed;
                        error!(%webhook, batch, attempts = delivery.attempts, error = %reason, "webhook delivery failed for good; kept for replay");
                        self.metrics.record(Event::Failed);
                        self.recorder.finish(delivery);
                        Ok(())
                    }
                }
            }
        };
        if let Err(e) = stored.and_then(|()| self.store_health(webhook, health)) {
            error!(%webhook, batch, error = %e, "updating the outbox failed");
        }
    }
}
