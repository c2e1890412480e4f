//! The server's metrics in the Prometheus text format, served on their own
//! listener (`--metrics-listen`) at `/metrics`: requests by route template
//! and status (429 and 503 among them), request duration, push operations
//! by outcome, pull pages, the writer's queue depth and the time from
//! queueing a write to its commit, database errors, and the tablets seen
//! syncing in the last 15 minutes.
//!
//! Counters, gauges and histograms only, labelled by route templates,
//! methods, status codes and outcomes — never an id, a name or a token.
//! One process-wide registry ([`metrics`]), so every part records without
//! being handed a handle.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

type Labels = Vec<(&'static str, String)>;

/// How long a tablet counts as active after its last sync request.
const ACTIVE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<Labels, Counter>,
    pub request_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    pub push_operations: Family<Labels, Counter>,
    pub pull_pages: Counter,
    pub pull_changes: Counter,
    pub writer_queue: Gauge,
    pub write_seconds: Histogram,
    pub db_errors: Counter,
    active_devices: Gauge,
    /// Last sync request per device, keyed by a hash (not kept longer
    /// than [`ACTIVE_WINDOW`]).
    seen: Mutex<HashMap<[u8; 16], Instant>>,
}

fn latency() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The process-wide metrics.
pub fn metrics() -> &'static Metrics {
    static M: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &M
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("outreach");
        let requests = Family::<Labels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let request_seconds = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route template",
            request_seconds.clone(),
        );
        let push_operations = Family::<Labels, Counter>::default();
        registry.register(
            "push_operations",
            "Operations pushed by tablets, by outcome (applied, duplicate, rejected)",
            push_operations.clone(),
        );
        let pull_pages = Counter::default();
        registry.register("pull_pages", "Pull pages served", pull_pages.clone());
        let pull_changes = Counter::default();
        registry.register(
            "pull_changes",
            "Changes sent in pull pages",
            pull_changes.clone(),
        );
        let writer_queue = Gauge::default();
        registry.register(
            "writer_queue_depth",
            "Writes waiting for or running on the single writer",
            writer_queue.clone(),
        );
        let write_seconds = latency();
        registry.register(
            "write_duration_seconds",
            "Time from queueing a write to its commit (group commit included)",
            write_seconds.clone(),
        );
        let db_errors = Counter::default();
        registry.register(
            "db_errors",
            "Database errors on reads and writes",
            db_errors.clone(),
        );
        let active_devices = Gauge::default();
        registry.register(
            "active_devices",
            "Tablets that made a sync request in the last 15 minutes",
            active_devices.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            push_operations,
            pull_pages,
            pull_changes,
            writer_queue,
            write_seconds,
            db_errors,
            active_devices,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records an answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&vec![
                ("route", route.to_owned()),
                ("method", method.to_owned()),
                ("status", status.to_string()),
            ])
            .inc();
        self.request_seconds
            .get_or_create(&vec![("route", route.to_owned())])
            .observe(took.as_secs_f64());
    }

    /// Records the outcomes of one push.
    pub fn push(&self, applied: usize, duplicates: usize, rejected: usize) {
        for (outcome, n) in [
            ("applied", applied),
            ("duplicate", duplicates),
            ("rejected", rejected),
        ] {
            self.push_operations
                .get_or_create(&vec![("outcome", outcome.to_owned())])
                .inc_by(n as u64);
        }
    }

    /// Records one pull page.
    pub fn pull(&self, changes: usize) {
        self.pull_pages.inc();
        self.pull_changes.inc_by(changes as u64);
    }

    /// Notes a sync request from a device (by the hash of its id).
    pub fn device_seen(&self, key: [u8; 16]) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(key, now);
        if seen.len() > 10_000 {
            seen.retain(|_, t| now.duration_since(*t) < ACTIVE_WINDOW);
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        {
            let now = Instant::now();
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.retain(|_, t| now.duration_since(*t) < ACTIVE_WINDOW);
            self.active_devices.set(seen.len() as i64);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// The metrics listener's application: `GET /metrics`, nothing else.
pub fn app() -> axum::Router {
    use axum::http::header;
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async {
            (
                [(
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                )],
                metrics().render(),
            )
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_carries_labels_but_never_an_id() {
        let m = Metrics::new();
        m.request("/api/v1/persons/{id}", "GET", 429, Duration::from_millis(3));
        m.push(3, 1, 0);
        m.pull(7);
        m.device_seen([1; 16]);
        let text = m.render();
        assert!(
            text.contains(
                r#"outreach_http_requests_total{route="/api/v1/persons/{id}",method="GET",status="429"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"outreach_push_operations_total{outcome="applied"} 3"#));
        assert!(text.contains(r#"outreach_push_operations_total{outcome="duplicate"} 1"#));
        assert!(text.contains("outreach_pull_changes_total 7"));
        assert!(text.contains("outreach_active_devices 1"));
        assert!(text.contains("outreach_write_duration_seconds_bucket"));
        assert!(text.ends_with("# EOF\n"));
    }
}
