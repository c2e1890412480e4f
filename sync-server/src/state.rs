//! The shared state of the HTTP layer: the store, the server clock, limits,
//! the rate limiter and the feed's verifying key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use outreach_shared::DeviceId;
use outreach_shared::protocol::{ClientAction, ErrorCode};

use crate::engine::{self, ServerClock};
use crate::error::ApiError;
use crate::store::{self, Store, Tx};

/// Request limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body in bytes (after decompression).
    pub max_body_bytes: usize,
    /// Largest push batch (at most the protocol's maximum).
    pub max_batch: usize,
    /// Requests per device per minute (sustained); bursts up to `burst`.
    pub rate_per_minute: u32,
    pub burst: u32,
    /// How long an office session lasts.
    pub session_ttl: chrono::Duration,
    /// Sync requests processed at once; more wait (their bodies unread),
    /// which bounds memory under a burst of tablets.
    pub sync_in_flight: usize,
    /// Longest a request may take, from its arrival (waiting included) to
    /// its answer; then it gets `503` with "retry later". A push cut off
    /// this way may still commit: its retry is then a duplicate.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 8 * 1024 * 1024,
            max_batch: outreach_shared::protocol::MAX_BATCH_OPERATIONS,
            rate_per_minute: 120,
            burst: 60,
            session_ttl: chrono::Duration::hours(12),
            sync_in_flight: 32,
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// A token bucket per device.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<DeviceId, (f64, Instant)>>,
}

impl RateLimiter {
    /// Takes one token for `device`, or says how long to wait.
    pub fn check(&self, device: DeviceId, limits: &Limits) -> Result<(), ApiError> {
        self.take(device, limits, 1.0)
    }

    /// Says how long to wait if `device` has no token left, without taking
    /// one (for limits that count only failures).
    pub fn peek(&self, device: DeviceId, limits: &Limits) -> Result<(), ApiError> {
        self.take(device, limits, 0.0)
    }

    fn take(&self, device: DeviceId, limits: &Limits, cost: f64) -> Result<(), ApiError> {
        let now = Instant::now();
        let rate = f64::from(limits.rate_per_minute) / 60.0;
        let burst = f64::from(limits.burst.max(1));
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() > 100_000 {
            map.retain(|_, (_, t)| now.duration_since(*t) < Duration::from_secs(600));
        }
        let (tokens, last) = map.entry(device).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= cost;
            Ok(())
        } else {
            let wait = if rate > 0.0 {
                ((1.0 - *tokens) / rate).ceil() as u64
            } else {
                60
            };
            let mut e = ApiError::new(
                ErrorCode::RateLimited,
                "too many requests from this device; slow down",
            )
            .with_action(ClientAction::RetryLater);
            e.retry_after = Some(wait.max(1));
            Err(e)
        }
    }
}

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ServerClock>,
    pub limits: Arc<Limits>,
    pub rate: Arc<RateLimiter>,
    /// The feed's ed25519 verifying key (base64), published at
    /// `/api/v1/feed/key`.
    pub feed_key: Arc<String>,
    /// The single writer thread (group commit).
    pub writer: crate::writer::Writer,
    /// Bounds concurrent read transactions (and so reader connections and
    /// blocking threads, and memory).
    pub readers: Arc<tokio::sync::Semaphore>,
    /// Bounds sync requests in flight (see [`Limits::sync_in_flight`]).
    pub sync_slots: Arc<tokio::sync::Semaphore>,
    /// What the enrolment QR tells a tablet about this server.
    pub enrolment: Arc<EnrolmentInfo>,
}

/// The server's side of the enrolment QR (`shared::enrolment`): the address
/// tablets use and the server keys they pin.
#[derive(Debug, Clone, Default)]
pub struct EnrolmentInfo {
    /// `--public-url`; without it the console uses the address the
    /// supervisor's browser used.
    pub public_url: Option<String>,
    /// The key of `--tls-cert`, then any `--enrol-pin` (the next key of a
    /// planned change, or a TLS proxy's key).
    pub pins: Vec<outreach_shared::enrolment::SpkiPin>,
    /// Whether this process serves HTTPS itself.
    pub tls: bool,
}

impl AppState {
    /// Builds the state over an open store (loads or makes the server's HLC
    /// node and the feed key).
    pub fn new(store: Arc<dyn Store>, limits: Limits) -> Result<Self, store::StoreError> {
        // The clock's node tells apart the HLCs of different writers. One
        // SQLite server keeps its node; instances sharing a PostgreSQL
        // database each take their own at start-up.
        let node = if store.backend() == "sqlite" {
            store::write(&*store, ServerClock::load_node)?
        } else {
            crate::crypto::new_id(DeviceId::new_v7)
        };
        let key = crate::feed::signing_key(&*store)?;
        let feed_key = crate::feed::verifying_key_b64(&key.verifying_key());
        let store_for_writer = store.clone();
        let slots = limits.sync_in_flight.max(1);
        Ok(Self {
            store,
            clock: Arc::new(ServerClock::new(node)),
            limits: Arc::new(limits),
            rate: Arc::new(RateLimiter::default()),
            feed_key: Arc::new(feed_key),
            writer: crate::writer::Writer::start(store_for_writer).map_err(|e| {
                store::StoreError::Database(format!("cannot start the writer thread: {e}"))
            })?,
            readers: Arc::new(tokio::sync::Semaphore::new(8)),
            sync_slots: Arc::new(tokio::sync::Semaphore::new(slots)),
            enrolment: Arc::new(EnrolmentInfo::default()),
        })
    }

    /// Sets what the enrolment QR says about this server.
    pub fn with_enrolment(mut self, info: EnrolmentInfo) -> Self {
        self.enrolment = Arc::new(info);
        self
    }

    /// Runs `f` on the writer thread, in a group transaction (atomic on its
    /// own); returns after the commit.
    pub async fn write<R, F>(&self, f: F) -> Result<R, engine::Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, engine::Error> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// Runs `f` in a read transaction on a blocking thread.
    pub async fn read<R, F>(&self, f: F) -> Result<R, engine::Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, engine::Error> + Send + 'static,
    {
        let failed =
            || engine::Error::Store(store::StoreError::Database("a read job failed".into()));
        let _permit = self.readers.acquire().await.map_err(|_| failed())?;
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store::read(&*store, f))
            .await
            .map_err(|_| failed())?
    }
}
