//! Delivery counters and the latency histogram, in Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency buckets, in milliseconds (then `+Inf`).
const BUCKETS_MS: [u64; 14] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 60_000];

/// Counted since the process started.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    delivered: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    gone: AtomicU64,
    /// Cumulative counts per bucket of "batch finished → receiver said 2xx".
    buckets: [AtomicU64; BUCKETS_MS.len()],
    latency_count: AtomicU64,
    latency_sum_ms: AtomicU64,
}

pub(crate) enum Event {
    Delivered { latency_ms: u64 },
    Retried,
    Failed,
    Gone,
}

impl Metrics {
    pub fn record(&self, event: Event) {
        let counter = match event {
            Event::Delivered { latency_ms } => {
                for (bound, bucket) in BUCKETS_MS.iter().zip(&self.buckets) {
                    if latency_ms <= *bound {
                        bucket.fetch_add(1, Ordering::Relaxed);
                    }
                }
                self.latency_count.fetch_add(1, Ordering::Relaxed);
                self.latency_sum_ms.fetch_add(latency_ms, Ordering::Relaxed);
                &self.delivered
            }
            Event::Retried => &self.retried,
            Event::Failed => &self.failed,
            Event::Gone => &self.gone,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, out: &mut String, depths: &[(String, usize)]) {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(out, "# HELP meili_lite_webhook_deliveries_total Webhook delivery attempts by outcome.");
        let _ = writeln!(out, "# TYPE meili_lite_webhook_deliveries_total counter");
        for (outcome, counter) in
            [("delivered", &self.delivered), ("retried", &self.retried), ("failed", &self.failed), ("gone", &self.gone)]
        {
            let _ = writeln!(out, "meili_lite_webhook_deliveries_total{{outcome=\"{outcome}\"}} {}", get(counter));
        }
        let _ =
            writeln!(out, "# HELP meili_lite_webhook_delivery_latency_seconds From a batch finishing to a 2xx answer.");
        let _ = writeln!(out, "# TYPE meili_lite_webhook_delivery_latency_seconds histogram");
        for (bound, bucket) in BUCKETS_MS.iter().zip(&self.buckets) {
            let le = *bound as f64 / 1000.0;
            let _ = writeln!(out, "meili_lite_webhook_delivery_latency_seconds_bucket{{le=\"{le}\"}} {}", get(bucket));
        }
        let count = get(&self.latency_count);
        let _ = writeln!(out, "meili_lite_webhook_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "meili_lite_webhook_delivery_latency_seconds_sum {}",
            get(&self.latency_sum_ms) as f64 / 1000.0
        );
        let _ = writeln!(out, "meili_lite_webhook_delivery_latency_seconds_count {count}");
        let _ = writeln!(out, "# HELP meili_lite_webhook_outbox_depth Deliveries waiting, per webhook.");
        let _ = writeln!(out, "# TYPE meili_lite_webhook_outbox_depth gauge");
        for (webhook, depth) in depths {
            let _ = writeln!(out, "meili_lite_webhook_outbox_depth{{webhook=\"{webhook}\"}} {depth}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_cumulative_histogram() {
        let m = Metrics::default();
        m.record(Event::Delivered { latency_ms: 3 });
        m.record(Event::Delivered { latency_ms: 700 });
        m.record(Event::Retried);
        let mut out = String::new();
        m.render(&mut out, &[("abc".into(), 4)]);
        assert!(out.contains("meili_lite_webhook_deliveries_total{outcome=\"delivered\"} 2"));
        assert!(out.contains("meili_lite_webhook_deliveries_total{outcome=\"retried\"} 1"));
        assert!(out.contains("meili_lite_webhook_delivery_latency_seconds_bucket{le=\"0.002\"} 0"));
        assert!(out.contains("meili_lite_webhook_delivery_latency_seconds_bucket{le=\"0.005\"} 1"));
        assert!(out.contains("meili_lite_webhook_delivery_latency_seconds_bucket{le=\"1\"} 2"));
        assert!(out.contains("meili_lite_webhook_delivery_latency_seconds_count 2"));
        assert!(out.contains("meili_lite_webhook_outbox_depth{webhook=\"abc\"} 4"));
    }
}
