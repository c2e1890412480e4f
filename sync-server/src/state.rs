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
    /// Longest the body of an API request may take to arrive once its
    /// handler reads it (well under `request_timeout`); then `503` with
    /// "retry later", and the sync slot is free again.
    pub body_timeout: Duration,
    /// How long after a visit's expected end the team page shows it as
    /// 帰着未確認 (lone-worker check), unless the worker finished it.
    pub visit_grace: chrono::Duration,
    /// Read transactions run at once (each holds a database connection).
    /// SQLite: `--read-slots` (4 by default); PostgreSQL: the pool less one
    /// connection kept for the writer.
    pub read_slots: usize,
    /// PostgreSQL: how long a read waits for its slot (and so for a pooled
    /// connection) before `503` with `Retry-After` (`--pg-pool-wait-ms`).
    /// `None` (SQLite): it waits within the request timeout.
    pub read_wait: Option<Duration>,
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
            body_timeout: Duration::from_secs(15),
            visit_grace: chrono::Duration::minutes(i64::from(
                outreach_shared::domain::visit::DEFAULT_GRACE_MINUTES,
            )),
            read_slots: DEFAULT_READ_SLOTS,
            read_wait: None,
        }
    }
}

/// Read transactions at once on SQLite unless `--read-slots` says otherwise:
/// twice the two cores of the server's machines. Reads are CPU work once
/// the pages are cached, so more at once only adds connections (each with
/// its own page cache) without finishing sooner (issue 17).
pub const DEFAULT_READ_SLOTS: usize = 4;

/// A limiter's key: a device id, or a hash of a client address, username
/// or the like (16 bytes).
pub type RateKey = [u8; 16];

/// The key of a device.
pub fn device_key(d: DeviceId) -> RateKey {
    *d.0.as_bytes()
}

/// The key of anything else (a client address, a username): its hash,
/// with a purpose so keys of different limiters never meet.
pub fn hashed_key(purpose: &str, value: &str) -> RateKey {
    let d = crate::crypto::sha256(format!("{purpose}\n{value}").as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

/// Token buckets by key, with a bounded number of keys: at its capacity,
/// idle buckets (those that have refilled) are dropped, at most once a
/// second; if it is still full, a new key is refused (the caller answers
/// 429) rather than the map growing. A known key never waits on a scan:
/// the scan runs only when a new key meets a full map.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<Buckets>,
    capacity: usize,
    /// Sustained rate per minute and burst.
    rate_per_minute: u32,
    burst: u32,
    /// What a refusal says.
    message: &'static str,
}

#[derive(Debug, Default)]
struct Buckets {
    map: HashMap<RateKey, (f64, Instant)>,
    last_prune: Option<Instant>,
}

impl RateLimiter {
    /// A limiter of `rate_per_minute` sustained and `burst` at once per key,
    /// for at most `capacity` keys.
    pub fn new(rate_per_minute: u32, burst: u32, capacity: usize, message: &'static str) -> Self {
        Self {
            buckets: Mutex::new(Buckets::default()),
            capacity: capacity.max(1),
            rate_per_minute,
            burst: burst.max(1),
            message,
        }
    }

    /// The per-device limiter of sync and API requests.
    pub fn devices(limits: &Limits) -> Self {
        Self::new(
            limits.rate_per_minute,
            limits.burst,
            100_000,
            "too many requests from this device; slow down",
        )
    }

    /// Takes one token for `key`, or says how long to wait.
    pub fn check(&self, key: RateKey) -> Result<(), ApiError> {
        self.take(key, 1.0)
    }

    /// Says how long to wait if `key` has no token left, without taking
    /// one (for limits that count only failures).
    pub fn peek(&self, key: RateKey) -> Result<(), ApiError> {
        self.take(key, 0.0)
    }

    /// How many keys are held (tests).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buckets> {
        match self.buckets.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    fn refused(&self, wait: u64) -> ApiError {
        let mut e = ApiError::new(ErrorCode::RateLimited, self.message)
            .with_action(ClientAction::RetryLater);
        e.retry_after = Some(wait.max(1));
        e
    }

    fn take(&self, key: RateKey, cost: f64) -> Result<(), ApiError> {
        let now = Instant::now();
        let rate = f64::from(self.rate_per_minute) / 60.0;
        let burst = f64::from(self.burst);
        // Seconds after which an untouched bucket is full again.
        let refill = if rate > 0.0 { burst / rate } else { 3600.0 };
        let mut b = self.lock();
        if !b.map.contains_key(&key) && b.map.len() >= self.capacity {
            let due = b
                .last_prune
                .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
            if due {
                b.last_prune = Some(now);
                b.map
                    .retain(|_, (_, t)| now.duration_since(*t).as_secs_f64() < refill);
            }
            if b.map.len() >= self.capacity {
                return Err(self.refused(1));
            }
        }
        let (tokens, last) = b.map.entry(key).or_insert((burst, now));
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
            Err(self.refused(wait))
        }
    }
}

/// Takes one token for a client address from `limiter` (an unknown
/// address, only seen in-process without a socket, is not limited).
pub fn check_client(limiter: &RateLimiter, purpose: &str, addr: &str) -> Result<(), ApiError> {
    if addr == "unknown" {
        return Ok(());
    }
    limiter.check(hashed_key(purpose, addr))
}

/// The limiters of unauthenticated requests, each apart from the devices'
/// (so a flood of logins never slows a tablet's sync, and a full login map
/// never refuses a device). Per address only: a per-username limit in
/// memory would let anyone lock a known account out for free; accounts are
/// protected by the durable lockout of `engine::sessions` instead.
#[derive(Debug)]
pub struct GuestLimits {
    /// Login attempts per client address.
    pub login_client: RateLimiter,
    /// Wrong enrolment codes per client address.
    pub enrol_client: RateLimiter,
}

impl Default for GuestLimits {
    fn default() -> Self {
        Self {
            login_client: RateLimiter::new(
                20,
                10,
                50_000,
                "too many login attempts from this address; wait and try again",
            ),
            enrol_client: RateLimiter::new(
                10,
                10,
                50_000,
                "too many wrong enrolment codes from this address; wait and try again",
            ),
        }
    }
}

/// Argon2id verifications run at once (each holds about 19 MiB).
pub const ARGON2_SLOTS: usize = 4;

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ServerClock>,
    pub limits: Arc<Limits>,
    pub rate: Arc<RateLimiter>,
    /// The limiters of logins and enrolments (see [`GuestLimits`]).
    pub guests: Arc<GuestLimits>,
    /// Bounds concurrent Argon2id runs (about 19 MiB each): logins wait
    /// for a slot.
    pub argon2_slots: Arc<tokio::sync::Semaphore>,
    /// Take the client's address from the last `X-Forwarded-For` entry
    /// (only behind the operator's own proxy: `--forwarded-for`).
    pub forwarded_for: bool,
    /// The server's keys (kept in files outside the database:
    /// [`crate::keys`]).
    pub keys: Arc<crate::keys::ServerKeys>,
    /// The single writer thread (group commit).
    pub writer: crate::writer::Writer,
    /// Bounds concurrent read transactions (and so reader connections and
    /// blocking threads, and memory).
    pub readers: Arc<tokio::sync::Semaphore>,
    /// Bounds sync requests in flight (see [`Limits::sync_in_flight`]).
    pub sync_slots: Arc<tokio::sync::Semaphore>,
    /// What the enrolment QR tells a tablet about this server.
    pub enrolment: Arc<EnrolmentInfo>,
    /// How far this process has verified the audit chain (the console
    /// goes on from there).
    pub audit_checkpoint: Arc<Mutex<crate::audit::Checkpoint>>,
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
    /// node) with the server's keys.
    pub fn new(
        store: Arc<dyn Store>,
        limits: Limits,
        keys: crate::keys::ServerKeys,
    ) -> Result<Self, store::StoreError> {
        // The clock's node tells apart the HLCs of different writers. One
        // SQLite server keeps its node; instances sharing a PostgreSQL
        // database each take their own at start-up.
        let node = if store.backend() == "sqlite" {
            store::write(&*store, ServerClock::load_node)?
        } else {
            crate::crypto::new_id(DeviceId::new_v7)
        };
        let store_for_writer = store.clone();
        let slots = limits.sync_in_flight.max(1);
        let read_slots = limits.read_slots.max(1);
        let rate = RateLimiter::devices(&limits);
        Ok(Self {
            store,
            clock: Arc::new(ServerClock::new(node)),
            limits: Arc::new(limits),
            rate: Arc::new(rate),
            guests: Arc::new(GuestLimits::default()),
            argon2_slots: Arc::new(tokio::sync::Semaphore::new(ARGON2_SLOTS)),
            forwarded_for: false,
            keys: Arc::new(keys),
            writer: crate::writer::Writer::start(store_for_writer).map_err(|e| {
                store::StoreError::Database(format!("cannot start the writer thread: {e}"))
            })?,
            readers: Arc::new(tokio::sync::Semaphore::new(read_slots)),
            sync_slots: Arc::new(tokio::sync::Semaphore::new(slots)),
            enrolment: Arc::new(EnrolmentInfo::default()),
            audit_checkpoint: Arc::new(Mutex::new(crate::audit::Checkpoint::default())),
        })
    }

    /// Takes client addresses from `X-Forwarded-For` (behind the
    /// operator's own proxy only).
    pub fn with_forwarded_for(mut self, on: bool) -> Self {
        self.forwarded_for = on;
        self
    }

    /// The client's address of a request: the last `X-Forwarded-For`
    /// entry with [`Self::forwarded_for`], else the TCP peer (IPv6 by its
    /// /64, as one household or office has one). "unknown" without either
    /// (in-process tests).
    pub fn client_addr(
        &self,
        headers: &axum::http::HeaderMap,
        ext: &axum::http::Extensions,
    ) -> String {
        let forwarded = || {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
        };
        let peer = || {
            ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
        };
        let ip = if self.forwarded_for {
            forwarded().or_else(peer)
        } else {
            peer()
        };
        match ip {
            Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(std::net::IpAddr::V6(v6)) => v6
                .to_ipv4_mapped()
                .map(|v4| v4.to_string())
                .unwrap_or_default(),
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }
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
        let m = crate::metrics::metrics();
        let started = Instant::now();
        m.writer_queue.inc();
        let r = self.writer.run(f).await;
        m.writer_queue.dec();
        m.write_seconds.observe(started.elapsed().as_secs_f64());
        if let Err(engine::Error::Store(_)) = &r {
            m.db_errors.inc();
        }
        r
    }

    /// Runs `f` in a read transaction on a blocking thread.
    pub async fn read<R, F>(&self, f: F) -> Result<R, engine::Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, engine::Error> + Send + 'static,
    {
        let failed =
            || engine::Error::Store(store::StoreError::Database("a read job failed".into()));
        let _permit = match self.limits.read_wait {
            None => self.readers.acquire().await.map_err(|_| failed())?,
            Some(wait) => tokio::time::timeout(wait, self.readers.acquire())
                .await
                .map_err(|_| engine::Error::Store(store::StoreError::Saturated))?
                .map_err(|_| failed())?,
        };
        let store = self.store.clone();
        let r = tokio::task::spawn_blocking(move || store::read(&*store, f))
            .await
            .map_err(|_| failed())?;
        if let Err(engine::Error::Store(_)) = &r {
            crate::metrics::metrics().db_errors.inc();
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limiter_holds_at_most_its_capacity_and_known_keys_go_on() {
        let l = RateLimiter::new(60, 5, 100, "slow down");
        let known = hashed_key("t", "device");
        l.check(known).unwrap();
        // A flood of new keys (random usernames, addresses): the map stays
        // bounded and new keys are refused once it is full of live ones.
        let mut refused = 0;
        for i in 0..10_000 {
            if l.check(hashed_key("t", &i.to_string())).is_err() {
                refused += 1;
            }
        }
        assert!(l.len() <= 100, "{}", l.len());
        assert!(refused >= 10_000 - 100);
        // A key already held is never refused for the map being full.
        for _ in 0..4 {
            l.check(known).unwrap();
        }
    }

    #[test]
    fn idle_buckets_make_room() {
        // 6000 a minute with a burst of 1: a bucket is full again after
        // 10 ms, so after a pause every old key may be dropped.
        let l = RateLimiter::new(6000, 1, 10, "slow down");
        for i in 0..10 {
            l.check(hashed_key("t", &i.to_string())).unwrap();
        }
        std::thread::sleep(Duration::from_millis(1100));
        l.check(hashed_key("t", "new")).unwrap();
        assert!(l.len() <= 10);
    }
}
