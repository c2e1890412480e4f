//! The PostgreSQL backend (tokio-postgres): several `sync-server` instances
//! on one database.
//!
//! All SQL of this backend lives in this module. The same [`Tx`] primitives
//! as the SQLite backend, so the engine and every test run unchanged.
//!
//! ## How the promises hold across instances
//! - **One writer at a time, cluster-wide.** Every write transaction first
//!   takes the transaction-level advisory lock [`WRITE_LOCK`]; it is released
//!   by the commit. Within one instance the writer thread already groups
//!   concurrent pushes into one transaction (group commit), so the lock is
//!   taken once per group, not per push. Everything the SQLite backend gets
//!   from its single writer follows: exactly-once operations (the operation
//!   id is checked and inserted under the lock), one audit chain with no
//!   fork (the head is read and extended under the lock), and one order of
//!   change sequence numbers.
//! - **The pull cursor never skips a change.** A change's sequence number
//!   is taken under the lock, and the lock is released only after the
//!   commit is visible; so a transaction with a higher number cannot commit
//!   before one with a lower number, and a pull that has read up to `n` has
//!   seen every change numbered below `n` it will ever see. Without the lock
//!   two transactions can commit out of order and a pull skips the earlier
//!   one for ever; `tests/postgres.rs` shows both.
//! - **Acknowledged means durable.** A push is answered after `COMMIT`
//!   returns, with PostgreSQL's `synchronous_commit` as the operator set it
//!   (`on` by default: the commit record is flushed).
//! - **Reads** run in `REPEATABLE READ READ ONLY` transactions: one
//!   consistent snapshot per page, never blocked by the writer.
//!
//! ## Round trips
//! Each statement would cost a network round trip, so statements whose
//! answer nobody waits for (inserts, upserts, savepoints, the write lock)
//! are queued and sent together with the next statement that is waited for
//! (pipelining). Every unit of work ends in a sync point: releasing a
//! savepoint (one writer job) and the commit send what is queued and check
//! every answer, so a failure is reported by the job that caused it and a
//! transaction with a failed statement is never reported committed. Change
//! numbers are reserved from a sequence 256 at a time, under the write lock,
//! so appending a change needs no answer either. A push looks up its
//! operation and contact ids once per batch (`= ANY($1)`).
//!
//! ## A bounded pool
//! At most `--pg-pool` connections are open at once (idle and in use
//! together). A transaction that finds them all in use waits up to
//! `--pg-pool-wait-ms` for one to come back, then fails with
//! [`StoreError::Saturated`] before anything is sent, which the API answers
//! `503` with `Retry-After`. Connections carry `application_name`
//! `sync-server` (unless the URL names another), so an operator can count
//! them in `pg_stat_activity`.
//!
//! ## Blocking calls
//! The [`Store`] interface is blocking. The connections' I/O runs on a
//! small private tokio runtime of this store; a call blocks its own thread
//! (the writer thread or a `spawn_blocking` thread) on the answer with
//! `futures_executor::block_on`, which is also safe on a thread that is
//! inside another runtime (tests, the command line).
//!
//! The connection URL may carry a password: it is never logged, and errors
//! name only the statement's failure, never row values.

use super::codec::{corrupt, enum_text, hash32, json, text_enum, urgency_rank};
use super::*;
use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

/// The advisory lock every write transaction holds until it commits
/// (the bytes of "outreach" as a big-endian integer).
pub const WRITE_LOCK: i64 = 0x6f75_7472_6561_6368;
/// The advisory lock held while migrating, so that instances starting at
/// the same moment do not race on `CREATE TABLE`.
const MIGRATE_LOCK: i64 = WRITE_LOCK + 1;

/// The schema, one step per migration (see [`SCHEMA_STEPS`]).
const MIGRATIONS: [&str; SCHEMA_STEPS] = [
    r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams (id UUID PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id UUID,
    agency TEXT,
    password_hash TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS enrol_codes (
    code_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS devices (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    label TEXT NOT NULL,
    platform TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    enrolled_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
    id UUID PRIMARY KEY,
    device_id UUID NOT NULL,
    content_hash BYTEA NOT NULL,
    seq BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS persons (
    id UUID PRIMARY KEY,
    team_id UUID NOT NULL,
    body TEXT NOT NULL,
    bases TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts (
    id UUID PRIMARY KEY,
    person_id UUID NOT NULL,
    team_id UUID NOT NULL,
    revises UUID,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_person ON contacts (person_id);
CREATE TABLE IF NOT EXISTS reviews (
    contact_id UUID PRIMARY KEY,
    team_id UUID NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    id UUID PRIMARY KEY,
    person_id UUID NOT NULL,
    team_id UUID NOT NULL,
    urgency INTEGER NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    seq BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_person ON cases (person_id);
CREATE INDEX IF NOT EXISTS cases_seq ON cases (seq);
CREATE TABLE IF NOT EXISTS case_moves (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id UUID NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_moves_case ON case_moves (case_id);
CREATE TABLE IF NOT EXISTS conflicts (
    id UUID PRIMARY KEY,
    team_id UUID NOT NULL,
    body TEXT NOT NULL
);
-- Change numbers come from this sequence, taken in blocks under the write
-- lock (so in commit order); unused numbers of a block are gaps.
CREATE SEQUENCE IF NOT EXISTS changes_seq;
CREATE TABLE IF NOT EXISTS changes (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    entity_id UUID NOT NULL,
    person_id UUID NOT NULL,
    team_id UUID NOT NULL,
    hlc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_team_seq ON changes (team_id, seq);
CREATE INDEX IF NOT EXISTS changes_entity ON changes (kind, entity_id)
    WHERE kind IN ('person', 'case', 'review');
CREATE TABLE IF NOT EXISTS meetings (
    ord BIGINT GENERATED ALWAYS AS IDENTITY,
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL,
    held_on DATE NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS meetings_case ON meetings (case_id, held_on, ord);
CREATE INDEX IF NOT EXISTS meetings_held_on ON meetings (held_on, ord);
CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    device_id UUID,
    device_hlc TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    basis TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"#,
    // 2: console logins waiting for their TOTP code (were in memory).
    r#"
CREATE TABLE IF NOT EXISTS pending_logins (
    ticket_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
"#,
    // 3: a case's structured records (plans, monitoring, closure
    // evaluations, 支援会議 records, earlier meeting versions; issue 13).
    r#"
CREATE TABLE IF NOT EXISTS case_docs (
    ord BIGINT GENERATED ALWAYS AS IDENTITY,
    kind TEXT NOT NULL,
    doc_id UUID NOT NULL,
    version INTEGER NOT NULL,
    case_id UUID NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, doc_id, version)
);
CREATE INDEX IF NOT EXISTS case_docs_case ON case_docs (case_id, kind, ord);
CREATE INDEX IF NOT EXISTS case_docs_kind ON case_docs (kind, ord);
"#,
    // 4: who saw person P, what did user U do: the audit viewer's searches
    // by index (expressions shared with `audit_tagged`); ending a user's
    // sessions by index.
    r#"
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor, seq);
CREATE INDEX IF NOT EXISTS audit_person ON audit ((substring(entity from 'person:([0-9a-f-]{36})')), seq);
CREATE INDEX IF NOT EXISTS audit_case ON audit ((substring(entity from 'case:([0-9a-f-]{36})')), seq);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS pending_logins_user ON pending_logins (user_id);
"#,
    // 5: field visits of the lone-worker check (issue 12).
    r#"
CREATE TABLE IF NOT EXISTS visits (
    id UUID PRIMARY KEY,
    team_id UUID NOT NULL,
    open BOOLEAN NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS visits_open ON visits (team_id) WHERE open;
"#,
    // 6: 参加支援 (issue 18): the 地域資源 catalogue and a person's needs,
    // trials and follow-ups (append-only); the evaluation's narratives.
    r#"
CREATE TABLE IF NOT EXISTS resources (
    id UUID PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participation (
    id UUID PRIMARY KEY,
    person_id UUID NOT NULL,
    team_id UUID NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS participation_person ON participation (person_id, recorded_at);
-- The 推進会議's qualitative evaluation per viewpoint and period (第4章).
CREATE TABLE IF NOT EXISTS narratives (
    viewpoint TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (viewpoint, period_from, period_to, version)
);
"#,
    // 7: 地域づくり (issue 18): community activities, not tied to a
    // person (append-only).
    r#"
CREATE TABLE IF NOT EXISTS community_activities (
    id UUID PRIMARY KEY,
    team_id UUID NOT NULL,
    held_at TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS community_activities_held ON community_activities (held_at);
"#,
    // 8: the household as a unit and the report's excerpts (issue 18):
    // which cases list a person as a household member (the index of
    // `CaseQueueItem::household`, rewritten with the case); the
    // coordinator's choice of anonymised excerpts per viewpoint and
    // period, versioned.
    r#"
CREATE TABLE IF NOT EXISTS case_household (
    case_id UUID NOT NULL,
    person_id UUID NOT NULL,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX IF NOT EXISTS case_household_person ON case_household (person_id);
CREATE TABLE IF NOT EXISTS excerpt_choices (
    viewpoint TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (viewpoint, period_from, period_to, version)
);
"#,
];

/// Runs a future to completion on the calling thread. The connection tasks
/// it waits on run on the store's own runtime.
pub(super) fn block_on<F: Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// Maps a driver error. Only the SQLSTATE and the server's primary message
/// are kept: PostgreSQL's DETAIL line can quote row values.
fn pg(e: tokio_postgres::Error) -> StoreError {
    if let Some(d) = e.as_db_error() {
        let code = d.code().code();
        // serialization_failure, deadlock_detected, lock_not_available,
        // too_many_connections, cannot_connect_now.
        if matches!(code, "40001" | "40P01" | "55P03" | "53300" | "57P03") {
            return StoreError::Busy;
        }
        return StoreError::Database(format!("postgres {code}: {}", d.message()));
    }
    if e.is_closed() {
        return StoreError::Database("the connection to PostgreSQL was closed".into());
    }
    StoreError::Database(format!("postgres: {e}"))
}

/// The `application_name` of the server's connections, unless the URL
/// names one.
pub const APPLICATION_NAME: &str = "sync-server";

/// One pooled connection with its prepared statements.
pub(super) struct Conn {
    pub(super) client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// How connections are made: plain, or TLS verified against the given CA.
#[derive(Clone)]
enum Tls {
    Plain,
    Verified(tokio_postgres_rustls::MakeRustlsConnect),
}

/// The TLS set-up `opts` asks for, checked against the URL's `sslmode`.
fn tls_for(config: &mut Config, opts: &StoreOptions) -> StoreResult<Tls> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use tokio_postgres::config::SslMode;
    let Some(ca) = &opts.pg_ca_file else {
        if config.get_ssl_mode() == SslMode::Require {
            return Err(StoreError::UnsupportedUrl(
                "sslmode=require needs the CA that signed the database server's certificate: give --pg-ca-file".into(),
            ));
        }
        return Ok(Tls::Plain);
    };
    let bad = |what: String| StoreError::Database(format!("--pg-ca-file: {what}"));
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca).map_err(|e| bad(e.to_string()))?;
    for cert in certs {
        roots
            .add(cert.map_err(|e| bad(e.to_string()))?)
            .map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no certificate in the file".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // With a CA given, never fall back to a plain connection.
    config.ssl_mode(SslMode::Require);
    Ok(Tls::Verified(
        tokio_postgres_rustls::MakeRustlsConnect::new(client),
    ))
}

/// The PostgreSQL store.
pub struct PgStore {
    /// The runtime that drives the connections' I/O; shut down without
    /// blocking on drop (the store may be dropped inside another runtime).
    runtime: Option<tokio::runtime::Runtime>,
    config: Config,
    tls: Tls,
    pool: Mutex<Pool>,
    /// Signalled whenever a connection comes back or closes.
    freed: Condvar,
    /// Most connections open at once (idle and in use).
    pool_max: usize,
    /// How long a transaction waits for a connection when all are in use.
    pool_wait: Duration,
    /// Always true in the product; false only in the test that shows what
    /// the write lock prevents.
    serialize_writes: bool,
}

/// The connections of a store: the idle ones, and how many are open.
#[derive(Default)]
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A connection checked out of the pool; it goes back (or, closed or after
/// a panic, is counted as gone) when dropped, so the count of open
/// connections never drifts.
pub(super) struct Lease<'a> {
    store: &'a PgStore,
    conn: Option<Conn>,
}

impl Lease<'_> {
    pub(super) fn conn(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A panic mid-transaction leaves the connection in an unknown
            // state: close it rather than reuse it.
            let reuse = !std::thread::panicking() && !conn.client.is_closed();
            self.store.give_back(conn, reuse);
        }
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl PgStore {
    /// Connects, and creates or migrates the schema.
    pub fn open(url: &str, opts: &StoreOptions) -> StoreResult<Self> {
        let mut config = Config::from_str(url).map_err(|_| {
            StoreError::UnsupportedUrl(
                "the postgres:// URL is not valid (expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)".into(),
            )
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("outreach-pg")
            .on_thread_park(crate::idle::on_idle)
            .enable_all()
            .build()
            .map_err(|e| {
                StoreError::Database(format!("cannot start the PostgreSQL runtime: {e}"))
            })?;
        let tls = tls_for(&mut config, opts)?;
        if config.get_application_name().is_none() {
            config.application_name(APPLICATION_NAME);
        }
        let store = Self {
            runtime: Some(runtime),
            config,
            tls,
            pool: Mutex::new(Pool::default()),
            freed: Condvar::new(),
            pool_max: opts.pg_pool.max(1),
            pool_wait: opts.pg_pool_wait,
            serialize_writes: true,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Test only: the same store without the cluster-wide write lock, to
    /// show what the lock prevents. Never use it to serve.
    #[doc(hidden)]
    pub fn open_without_write_lock_for_tests(url: &str) -> StoreResult<Self> {
        let mut s = Self::open(url, &StoreOptions::default())?;
        s.serialize_writes = false;
        Ok(s)
    }

    fn connect(&self) -> StoreResult<Conn> {
        let rt = self
            .runtime
            .as_ref()
            .ok_or_else(|| StoreError::Database("the store is closed".into()))?;
        let config = self.config.clone();
        let tls = self.tls.clone();
        let task = rt.spawn(async move {
            // The connection task ends when the client is dropped or the
            // server goes away; the client then reports the connection
            // closed.
            let client = match tls {
                Tls::Plain => {
                    let (client, connection) = config.connect(NoTls).await?;
                    tokio::spawn(connection);
                    client
                }
                Tls::Verified(tls) => {
                    let (client, connection) = config.connect(tls).await?;
                    tokio::spawn(connection);
                    client
                }
            };
            Ok::<_, tokio_postgres::Error>(client)
        });
        let client = block_on(task)
            .map_err(|_| StoreError::Database("the PostgreSQL runtime stopped".into()))?
            .map_err(|e| {
                // Not `pg(e)`: a failure to connect is reported plainly.
                match e.as_db_error() {
                    Some(d) => StoreError::Database(format!(
                        "cannot connect to PostgreSQL: {}",
                        d.message()
                    )),
                    None => StoreError::Database(format!("cannot connect to PostgreSQL: {e}")),
                }
            })?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    /// A connection: an idle one, a new one while fewer than `pool_max`
    /// are open, or the first to come back within `pool_wait`; after that
    /// [`StoreError::Saturated`].
    pub(super) fn checkout(&self) -> StoreResult<Lease<'_>> {
        let deadline = Instant::now() + self.pool_wait;
        let mut pool = self.pool.lock().map_err(|_| StoreError::Busy)?;
        loop {
            if let Some(c) = pool.idle.pop() {
                if c.client.is_closed() {
                    pool.open = pool.open.saturating_sub(1);
                    continue;
                }
                return Ok(Lease {
                    store: self,
                    conn: Some(c),
                });
            }
            if pool.open < self.pool_max {
                pool.open += 1;
                drop(pool);
                return match self.connect() {
                    Ok(c) => Ok(Lease {
                        store: self,
                        conn: Some(c),
                    }),
                    Err(e) => {
                        self.forget_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Saturated);
            }
            pool = self
                .freed
                .wait_timeout(pool, deadline - now)
                .map_err(|_| StoreError::Busy)?
                .0;
        }
    }

    /// One open connection fewer (it closed, or never opened).
    fn forget_one(&self) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.open = pool.open.saturating_sub(1);
        }
        self.freed.notify_one();
    }

    fn give_back(&self, conn: Conn, reuse: bool) {
        if !reuse {
            drop(conn);
            self.forget_one();
            return;
        }
        if let Ok(mut pool) = self.pool.lock() {
            pool.idle.push(conn);
        }
        self.freed.notify_one();
    }

    /// How many connections are open now (idle and in use).
    pub fn open_connections(&self) -> usize {
        self.pool.lock().map(|p| p.open).unwrap_or(0)
    }

    fn migrate(&self) -> StoreResult<()> {
        let mut lease = self.checkout()?;
        let conn = lease.conn();
        let c = &conn.client;
        // (No NOTICE for every table that already exists.)
        block_on(c.batch_execute("BEGIN; SET LOCAL client_min_messages = warning")).map_err(pg)?;
        let result = (|| {
            // The lock first: two instances creating the same table at once
            // would collide in PostgreSQL's catalogue.
            block_on(c.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK]))
                .map_err(pg)?;
            block_on(c.batch_execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            ))
            .map_err(pg)?;
            let row = block_on(c.query_opt(
                "SELECT value FROM meta WHERE key = $1",
                &[&SCHEMA_VERSION_KEY],
            ))
            .map_err(pg)?;
            let stored: Option<String> = row.map(|r| r.get(0));
            let done = schema_version(stored.as_deref())?;
            for step in &MIGRATIONS[done..] {
                block_on(c.batch_execute(step)).map_err(pg)?;
            }
            block_on(c.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&SCHEMA_VERSION_KEY, &SCHEMA_STEPS.to_string()],
            ))
            .map_err(pg)?;
            block_on(c.batch_execute("COMMIT")).map_err(pg)
        })();
        if result.is_err() {
            let _ = block_on(conn.client.batch_execute("ROLLBACK"));
        }
        conn.statements.clear();
        result
    }

    /// Runs raw SQL outside the store's rules: for tests that tamper with
    /// the data on purpose, and for operators' one-off repairs.
    pub fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        let mut lease = self.checkout()?;
        block_on(lease.conn().client.execute(sql, &[])).map_err(pg)
    }

    fn run_tx(
        &self,
        begin: &'static str,
        lock: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut lease = self.checkout()?;
        let result = {
            let mut t = PgTx {
                conn: lease.conn(),
                pending: Vec::new(),
                savepoints: 0,
                failed: false,
                failed_in_savepoint: false,
                audit_head: None,
                audit_dirty: false,
                seq_next: 1,
                seq_last: 0,
            };
            // BEGIN (and the lock) go out with the first statement.
            t.pending.push(Deferred::Batch(begin));
            let r = (|| {
                if lock {
                    t.defer(
                        "SELECT pg_advisory_xact_lock($1)",
                        vec![Box::new(WRITE_LOCK)],
                    )?;
                }
                f(&mut t)?;
                t.finish()
            })();
            // A statement that failed aborts a PostgreSQL transaction, and a
            // COMMIT of an aborted transaction quietly rolls back: never
            // report that as committed.
            let poisoned = t.failed || t.failed_in_savepoint;
            let outcome = match r {
                Ok(()) if !poisoned => t.round_trip(Last::Batch("COMMIT")).map(|_| ()),
                Ok(()) => Err(StoreError::Database(
                    "a statement failed; the transaction was rolled back".into(),
                )),
                Err(e) => Err(e),
            };
            if outcome.is_err() {
                t.pending.clear();
                let _ = block_on(t.conn.client.batch_execute("ROLLBACK"));
            }
            outcome
        };
        drop(lease);
        result
    }
}

impl Store for PgStore {
    fn write_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>) -> StoreResult<()> {
        self.run_tx("BEGIN", self.serialize_writes, f)
    }

    fn read_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>) -> StoreResult<()> {
        self.run_tx("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false, f)
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// Runs one statement on the cluster through `admin_url` (a URL to any
/// database of the cluster), outside any store: `CREATE DATABASE` and the
/// like, for set-up and tests. Returns the rows affected.
pub fn execute_admin(admin_url: &str, sql: &str) -> StoreResult<u64> {
    let config = Config::from_str(admin_url)
        .map_err(|_| StoreError::UnsupportedUrl("the admin postgres:// URL is not valid".into()))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Database(format!("cannot start a runtime: {e}")))?;
    // On a thread of its own: the caller may be inside another runtime.
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            rt.block_on(async {
                let (client, connection) = config.connect(NoTls).await.map_err(pg)?;
                let driver = tokio::spawn(connection);
                let r = client.execute(sql, &[]).await.map_err(pg);
                drop(client);
                let _ = driver.await;
                r
            })
        })
        .join()
        .unwrap_or_else(|_| {
            Err(StoreError::Database(
                "admin statement: the thread panicked".into(),
            ))
        })
    });
    rt.shutdown_background();
    result
}

/// Whether `name` is a plain identifier (lowercase letters, digits, `_`),
/// safe to splice into `CREATE DATABASE`.
fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Creates an empty database `name` (a copy of `template` when given)
/// through `admin_url` and returns the URL of the new one. For tests and
/// first set-up.
pub fn create_database(admin_url: &str, name: &str, template: Option<&str>) -> StoreResult<String> {
    if !plain_identifier(name) || !template.is_none_or(plain_identifier) {
        return Err(StoreError::UnsupportedUrl(
            "a database name is lowercase letters, digits and _".into(),
        ));
    }
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
        None => format!("CREATE DATABASE {name}"),
    };
    execute_admin(admin_url, &sql)?;
    Ok(with_database(admin_url, name))
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A statement whose answer nobody waits for: sent with the next one that
/// is waited for (pipelining), so a push costs a round trip per read, not
/// per statement.
enum Deferred {
    Batch(&'static str),
    Exec(Statement, Vec<Owned>),
}

type Owned = Box<dyn ToSql + Sync + Send>;

/// The statement that ends a round trip.
enum Last<'q> {
    Query(Statement, Params<'q>),
    Execute(Statement, Params<'q>),
    Batch(&'static str),
}

enum Answer {
    Rows(Vec<Row>),
    Count(u64),
    Done,
}

struct PgTx<'a> {
    conn: &'a mut Conn,
    /// Statements sent with the next round trip. Every round trip that ends
    /// a unit of work (a savepoint's release, the commit) carries them, so
    /// a failure is always reported within the job that caused it.
    pending: Vec<Deferred>,
    savepoints: u32,
    /// A statement failed outside any savepoint: the transaction is lost.
    failed: bool,
    /// A statement failed inside the current savepoint: only a rollback to
    /// it saves the transaction.
    failed_in_savepoint: bool,
    /// The audit head as appended in this transaction.
    audit_head: Option<(u64, String)>,
    audit_dirty: bool,
    /// Change numbers reserved by this transaction: `seq_next..=seq_last`.
    seq_next: i64,
    seq_last: i64,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];
type BoxFuture<'f> =
    std::pin::Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + 'f>>;

impl PgTx<'_> {
    fn note<T>(&mut self, r: Result<T, tokio_postgres::Error>) -> StoreResult<T> {
        r.map_err(|e| {
            if self.savepoints > 0 {
                self.failed_in_savepoint = true;
            } else {
                self.failed = true;
            }
            pg(e)
        })
    }

    fn statement(&mut self, sql: &'static str) -> StoreResult<Statement> {
        if let Some(s) = self.conn.statements.get(sql) {
            return Ok(s.clone());
        }
        // A new statement is prepared right away (once per connection);
        // what is pending goes first, in order.
        if !self.pending.is_empty() {
            self.round_trip(Last::Batch(""))?;
        }
        let r = block_on(self.conn.client.prepare(sql));
        let s = self.note(r)?;
        self.conn.statements.insert(sql, s.clone());
        Ok(s)
    }

    /// Queues a statement whose result is not needed now.
    fn defer(&mut self, sql: &'static str, params: Vec<Owned>) -> StoreResult<()> {
        let st = self.statement(sql)?;
        self.pending.push(Deferred::Exec(st, params));
        Ok(())
    }

    /// Sends the pending statements and `last` together and waits for all.
    /// The first failure, in order, is the one reported.
    fn round_trip(&mut self, last: Last<'_>) -> StoreResult<Answer> {
        let pending = std::mem::take(&mut self.pending);
        let client = &self.conn.client;
        let queued: Vec<BoxFuture<'_>> = pending
            .iter()
            .map(|d| -> BoxFuture<'_> {
                match d {
                    Deferred::Batch(sql) => Box::pin(client.batch_execute(sql)),
                    Deferred::Exec(st, params) => Box::pin(async move {
                        let refs: Vec<&(dyn ToSql + Sync)> =
                            params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
                        client.execute(st, &refs).await.map(|_| ())
                    }),
                }
            })
            .collect();
        let last = async {
            match last {
                Last::Query(st, params) => client.query(&st, params).await.map(Answer::Rows),
                Last::Execute(st, params) => client.execute(&st, params).await.map(Answer::Count),
                Last::Batch("") => Ok(Answer::Done),
                Last::Batch(sql) => client.batch_execute(sql).await.map(|_| Answer::Done),
            }
        };
        // Polled in order, so sent in order on the one connection.
        let (queued, last) = block_on(futures_util::future::join(
            futures_util::future::join_all(queued),
            last,
        ));
        let first_failure = queued.into_iter().find_map(Result::err);
        match first_failure {
            Some(e) => self.note(Err(e)),
            None => self.note(last),
        }
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> StoreResult<Vec<Row>> {
        let st = self.statement(sql)?;
        match self.round_trip(Last::Query(st, params))? {
            Answer::Rows(rows) => Ok(rows),
            _ => Ok(Vec::new()),
        }
    }

    fn query_opt(&mut self, sql: &'static str, params: Params<'_>) -> StoreResult<Option<Row>> {
        let mut rows = self.query(sql, params)?;
        if rows.len() > 1 {
            return Err(StoreError::Corrupt(
                "one row expected, found several".into(),
            ));
        }
        Ok(rows.pop())
    }

    fn exec(&mut self, sql: &'static str, params: Params<'_>) -> StoreResult<u64> {
        let st = self.statement(sql)?;
        match self.round_trip(Last::Execute(st, params))? {
            Answer::Count(n) => Ok(n),
            _ => Ok(0),
        }
    }

    /// The next change number. Numbers are reserved 256 at a time, under
    /// the write lock, so they follow the commit order.
    fn next_change_seq(&mut self) -> StoreResult<i64> {
        if self.seq_next > self.seq_last {
            let row = self.query_opt(
                "SELECT setval('changes_seq', nextval('changes_seq') + 255)",
                &[],
            )?;
            let last: i64 = match row {
                Some(r) => get(&r, 0)?,
                None => return Err(StoreError::Database("no change number".into())),
            };
            self.seq_next = last - 255;
            self.seq_last = last;
        }
        let s = self.seq_next;
        self.seq_next += 1;
        Ok(s)
    }

    /// Before commit: record the audit chain's head in the settings.
    fn finish(&mut self) -> StoreResult<()> {
        if self.audit_dirty {
            self.audit_head = None;
            if let Some((seq, hash)) = self.audit_head()? {
                self.set_meta(AUDIT_HEAD_KEY, &format!("{seq}:{hash}"))?;
            }
        }
        Ok(())
    }
}

fn get<'r, T: tokio_postgres::types::FromSql<'r>>(row: &'r Row, i: usize) -> StoreResult<T> {
    row.try_get(i)
        .map_err(|_| StoreError::Corrupt(format!("column {i} has an unexpected type")))
}

fn seq_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn seq_param(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_user(r: &Row) -> StoreResult<UserRow> {
    let role: String = get(r, 3)?;
    Ok(UserRow {
        id: UserId(get(r, 0)?),
        username: get(r, 1)?,
        display_name: get(r, 2)?,
        role: text_enum(&role)?,
        team: get::<Option<uuid::Uuid>>(r, 4)?.map(TeamId),
        agency: get::<Option<String>>(r, 5)?.map(AgencyId),
        password_hash: get(r, 6)?,
        active: get(r, 7)?,
        created_at: get(r, 8)?,
    })
}

fn to_device(r: &Row) -> StoreResult<DeviceRow> {
    Ok(DeviceRow {
        id: DeviceId(get(r, 0)?),
        user: UserId(get(r, 1)?),
        label: get(r, 2)?,
        platform: get(r, 3)?,
        token_hash: hash32(get(r, 4)?)?,
        enrolled_at: get(r, 5)?,
        revoked_at: get(r, 6)?,
    })
}

fn to_case(r: &Row) -> StoreResult<CaseRow> {
    let body: String = get(r, 0)?;
    Ok(CaseRow {
        item: serde_json::from_str(&body).map_err(corrupt("case"))?,
        team: TeamId(get(r, 1)?),
        seq: seq_of(get(r, 2)?),
    })
}

fn to_doc(r: &Row) -> StoreResult<CaseDoc> {
    let kind: String = get(r, 1)?;
    let version: i32 = get(r, 3)?;
    Ok(CaseDoc {
        case: CaseId(get(r, 0)?),
        kind: text_enum(&kind)?,
        doc: get(r, 2)?,
        version: u32::try_from(version).map_err(|_| StoreError::Corrupt("doc version".into()))?,
        recorded_at: get(r, 4)?,
        body: get(r, 5)?,
    })
}

fn parse_hlc(s: &str, what: &str) -> StoreResult<Hlc> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what} hlc")))
}

// Statements are `&'static str` (shared parts joined with `concat!`, not
// `format!`), so that each is prepared once per connection.

/// `SELECT` of a user row, in [`to_user`]'s column order.
macro_rules! select_user {
    () => {
        "SELECT id, username, display_name, role, team_id, agency, password_hash, active, created_at FROM users"
    };
}

/// `SELECT` of a device row, in [`to_device`]'s column order.
macro_rules! select_device {
    () => {
        "SELECT id, user_id, label, platform, token_hash, enrolled_at, revoked_at FROM devices"
    };
}

/// `SELECT` of a case document, in [`to_doc`]'s column order.
macro_rules! select_doc {
    () => {
        "SELECT case_id, kind, doc_id, version, recorded_at, body FROM case_docs"
    };
}

/// `SELECT` of change rows with the current body of each record.
macro_rules! select_changes {
    () => {
        "SELECT ch.seq, ch.kind, ch.entity_id, ch.person_id, ch.team_id, ch.hlc,
            CASE ch.kind
                WHEN 'person' THEN (SELECT body FROM persons WHERE id = ch.entity_id)
                WHEN 'contact' THEN (SELECT body FROM contacts WHERE id = ch.entity_id)
                WHEN 'review' THEN (SELECT body FROM reviews WHERE contact_id = ch.entity_id)
                WHEN 'case' THEN (SELECT body FROM cases WHERE id = ch.entity_id)
                WHEN 'conflict' THEN (SELECT body FROM conflicts WHERE id = ch.entity_id)
                WHEN 'resource' THEN (SELECT body FROM resources WHERE id = ch.entity_id)
                WHEN 'participation' THEN (SELECT body FROM participation WHERE id = ch.entity_id)
                WHEN 'community_activity' THEN (SELECT body FROM community_activities WHERE id = ch.entity_id)
            END
         FROM changes ch"
    };
}
impl Tx for PgTx<'_> {
    fn insert_team(&mut self, team: &TeamRow) -> StoreResult<()> {
        self.exec(
            "INSERT INTO teams (id, name) VALUES ($1, $2)",
            &[&team.id.0, &team.name],
        )?;
        Ok(())
    }

    fn team(&mut self, id: TeamId) -> StoreResult<Option<TeamRow>> {
        let row = self.query_opt("SELECT name FROM teams WHERE id = $1", &[&id.0])?;
        row.map(|r| {
            Ok(TeamRow {
                id,
                name: get(&r, 0)?,
            })
        })
        .transpose()
    }

    fn teams(&mut self) -> StoreResult<Vec<TeamRow>> {
        self.query("SELECT id, name FROM teams ORDER BY name", &[])?
            .iter()
            .map(|r| {
                Ok(TeamRow {
                    id: TeamId(get(r, 0)?),
                    name: get(r, 1)?,
                })
            })
            .collect()
    }

    fn insert_user(&mut self, u: &UserRow) -> StoreResult<()> {
        self.exec(
            "INSERT INTO users (id, username, display_name, role, team_id, agency, password_hash, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &u.id.0,
                &u.username,
                &u.display_name,
                &enum_text(&u.role),
                &u.team.map(|t| t.0),
                &u.agency.as_ref().map(|a| a.0.as_str()),
                &u.password_hash,
                &u.active,
                &u.created_at,
            ],
        )?;
        Ok(())
    }

    fn user(&mut self, id: UserId) -> StoreResult<Option<UserRow>> {
        self.query_opt(concat!(select_user!(), " WHERE id = $1"), &[&id.0])?
            .as_ref()
            .map(to_user)
            .transpose()
    }

    fn user_by_name(&mut self, username: &str) -> StoreResult<Option<UserRow>> {
        self.query_opt(
            concat!(select_user!(), " WHERE username = $1"),
            &[&username],
        )?
        .as_ref()
        .map(to_user)
        .transpose()
    }

    fn users(&mut self) -> StoreResult<Vec<UserRow>> {
        self.query(concat!(select_user!(), " ORDER BY username"), &[])?
            .iter()
            .map(to_user)
            .collect()
    }

    fn set_password(&mut self, id: UserId, phc: &str) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&id.0, &phc],
        )?;
        Ok(n == 1)
    }

    fn set_user_active(&mut self, id: UserId, active: bool) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE users SET active = $2 WHERE id = $1",
            &[&id.0, &active],
        )?;
        Ok(n == 1)
    }

    fn insert_enrol_code(
        &mut self,
        code_hash: &[u8; 32],
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.exec(
            "INSERT INTO enrol_codes (code_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            &[&&code_hash[..], &user.0, &expires_at],
        )?;
        Ok(())
    }

    fn take_enrol_code(
        &mut self,
        code_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>> {
        let row = self.query_opt(
            "UPDATE enrol_codes SET used_at = $2
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING user_id",
            &[&&code_hash[..], &now],
        )?;
        row.map(|r| Ok(UserId(get(&r, 0)?))).transpose()
    }

    fn enrol_code_valid(&mut self, code_hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<bool> {
        let row = self.query_opt(
            "SELECT 1 FROM enrol_codes
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            &[&&code_hash[..], &now],
        )?;
        Ok(row.is_some())
    }

    fn insert_device(&mut self, d: &DeviceRow) -> StoreResult<()> {
        self.exec(
            "INSERT INTO devices (id, user_id, label, platform, token_hash, enrolled_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &d.id.0,
                &d.user.0,
                &d.label,
                &d.platform,
                &&d.token_hash[..],
                &d.enrolled_at,
                &d.revoked_at,
            ],
        )?;
        Ok(())
    }

    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> StoreResult<Option<DeviceRow>> {
        self.query_opt(
            concat!(select_device!(), " WHERE token_hash = $1"),
            &[&&token_hash[..]],
        )?
        .as_ref()
        .map(to_device)
        .transpose()
    }

    fn devices(&mut self) -> StoreResult<Vec<DeviceRow>> {
        self.query(concat!(select_device!(), " ORDER BY enrolled_at"), &[])?
            .iter()
            .map(to_device)
            .collect()
    }

    fn revoke_device(&mut self, id: DeviceId, at: DateTime<Utc>) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id.0, &at],
        )?;
        Ok(n == 1)
    }

    fn insert_session(
        &mut self,
        token_hash: &[u8; 32],
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.exec(
            "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            &[&&token_hash[..], &user.0, &expires_at],
        )?;
        Ok(())
    }

    fn session_user(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>> {
        let row = self.query_opt(
            "SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
            &[&&token_hash[..], &now],
        )?;
        row.map(|r| Ok(UserId(get(&r, 0)?))).transpose()
    }

    fn delete_session(&mut self, token_hash: &[u8; 32]) -> StoreResult<()> {
        self.exec(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[&&token_hash[..]],
        )?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, user: UserId) -> StoreResult<u64> {
        let n = self.exec("DELETE FROM sessions WHERE user_id = $1", &[&user.0])?;
        self.exec("DELETE FROM pending_logins WHERE user_id = $1", &[&user.0])?;
        Ok(n)
    }

    fn extend_session(
        &mut self,
        token_hash: &[u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE sessions SET expires_at = $2 WHERE token_hash = $1 AND expires_at < $2",
            &[&&token_hash[..], &expires_at],
        )?;
        Ok(())
    }

    fn insert_pending_login(
        &mut self,
        ticket_hash: &[u8; 32],
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.exec("DELETE FROM pending_logins WHERE expires_at <= $1", &[&now])?;
        self.exec(
            "INSERT INTO pending_logins (ticket_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            &[&&ticket_hash[..], &user.0, &expires_at],
        )?;
        Ok(())
    }

    fn pending_login(
        &mut self,
        ticket_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(UserId, u32)>> {
        let row = self.query_opt(
            "SELECT user_id, failures FROM pending_logins WHERE ticket_hash = $1 AND expires_at > $2",
            &[&&ticket_hash[..], &now],
        )?;
        row.map(|r| {
            let failures: i32 = get(&r, 1)?;
            Ok((UserId(get(&r, 0)?), u32::try_from(failures).unwrap_or(0)))
        })
        .transpose()
    }

    fn fail_pending_login(&mut self, ticket_hash: &[u8; 32]) -> StoreResult<()> {
        self.exec(
            "UPDATE pending_logins SET failures = failures + 1 WHERE ticket_hash = $1",
            &[&&ticket_hash[..]],
        )?;
        Ok(())
    }

    fn delete_pending_login(&mut self, ticket_hash: &[u8; 32]) -> StoreResult<()> {
        self.exec(
            "DELETE FROM pending_logins WHERE ticket_hash = $1",
            &[&&ticket_hash[..]],
        )?;
        Ok(())
    }

    fn operations(&mut self, ids: &[OperationId]) -> StoreResult<Vec<OperationRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = ids.iter().map(|o| o.0).collect();
        self.query(
            "SELECT id, device_id, content_hash, seq, received_at FROM operations WHERE id = ANY($1)",
            &[&ids],
        )?
        .iter()
        .map(|r| {
            Ok(OperationRow {
                id: OperationId(get(r, 0)?),
                device: DeviceId(get(r, 1)?),
                content_hash: hash32(get(r, 2)?)?,
                seq: seq_of(get(r, 3)?),
                received_at: get(r, 4)?,
            })
        })
        .collect()
    }

    fn insert_operation(&mut self, op: &OperationRow) -> StoreResult<()> {
        self.defer(
            "INSERT INTO operations (id, device_id, content_hash, seq, received_at)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(op.id.0),
                Box::new(op.device.0),
                Box::new(op.content_hash.to_vec()),
                Box::new(seq_param(op.seq)),
                Box::new(op.received_at),
            ],
        )
    }

    fn person(&mut self, id: PersonId) -> StoreResult<Option<PersonRow>> {
        let row = self.query_opt("SELECT body, bases FROM persons WHERE id = $1", &[&id.0])?;
        row.map(|r| {
            let body: String = get(&r, 0)?;
            let bases: String = get(&r, 1)?;
            Ok(PersonRow {
                snapshot: serde_json::from_str(&body).map_err(corrupt("person"))?,
                bases: serde_json::from_str(&bases).map_err(corrupt("person bases"))?,
            })
        })
        .transpose()
    }

    fn put_person(&mut self, row: &PersonRow) -> StoreResult<()> {
        let p = &row.snapshot.person;
        self.defer(
            "INSERT INTO persons (id, team_id, body, bases) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET team_id = EXCLUDED.team_id, body = EXCLUDED.body,
                 bases = EXCLUDED.bases",
            vec![
                Box::new(p.id.0),
                Box::new(p.team.0),
                Box::new(json(&row.snapshot)?),
                Box::new(json(&row.bases)?),
            ],
        )
    }

    fn contact(&mut self, id: ContactId) -> StoreResult<Option<ContactRow>> {
        let row = self.query_opt("SELECT body, team_id FROM contacts WHERE id = $1", &[&id.0])?;
        row.map(|r| {
            let body: String = get(&r, 0)?;
            Ok(ContactRow {
                log: serde_json::from_str(&body).map_err(corrupt("contact"))?,
                team: TeamId(get(&r, 1)?),
            })
        })
        .transpose()
    }

    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.insert_contact_encoded(row, &json(&row.log)?)
    }

    fn insert_contact_encoded(&mut self, row: &ContactRow, body: &str) -> StoreResult<()> {
        self.defer(
            "INSERT INTO contacts (id, person_id, team_id, revises, body) VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(row.log.id.0),
                Box::new(row.log.person_id.0),
                Box::new(row.team.0),
                Box::new(row.log.revises.map(|r| r.0)),
                Box::new(body.to_owned()),
            ],
        )
    }

    fn log_contacts(&mut self, logs: &[ContactWrite<'_>]) -> StoreResult<Vec<u64>> {
        // Three statements for the whole run (arrays, `UNNEST`), queued
        // like every other write: one bind of a few arrays instead of three
        // statements per log.
        let n = logs.len();
        let mut seqs = Vec::with_capacity(n);
        for _ in 0..n {
            seqs.push(self.next_change_seq()?);
        }
        let mut ids = Vec::with_capacity(n);
        let mut persons = Vec::with_capacity(n);
        let mut teams = Vec::with_capacity(n);
        let mut revises = Vec::with_capacity(n);
        let mut bodies = Vec::with_capacity(n);
        let mut hlcs = Vec::with_capacity(n);
        let mut op_ids = Vec::with_capacity(n);
        let mut devices = Vec::with_capacity(n);
        let mut hashes = Vec::with_capacity(n);
        let mut received = Vec::with_capacity(n);
        for w in logs {
            ids.push(w.row.log.id.0);
            persons.push(w.row.log.person_id.0);
            teams.push(w.row.team.0);
            revises.push(w.row.log.revises.map(|r| r.0));
            bodies.push(w.body.to_string());
            hlcs.push(w.hlc.to_string());
            op_ids.push(w.op.id.0);
            devices.push(w.op.device.0);
            hashes.push(w.op.content_hash.to_vec());
            received.push(w.op.received_at);
        }
        self.defer(
            "INSERT INTO contacts (id, person_id, team_id, revises, body)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[])",
            vec![
                Box::new(ids.clone()),
                Box::new(persons.clone()),
                Box::new(teams.clone()),
                Box::new(revises),
                Box::new(bodies),
            ],
        )?;
        self.defer(
            "INSERT INTO changes (seq, kind, entity_id, person_id, team_id, hlc)
             SELECT s, 'contact', e, p, t, h
             FROM UNNEST($1::int8[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[]) AS u(s, e, p, t, h)",
            vec![
                Box::new(seqs.clone()),
                Box::new(ids),
                Box::new(persons),
                Box::new(teams),
                Box::new(hlcs),
            ],
        )?;
        self.defer(
            "INSERT INTO operations (id, device_id, content_hash, seq, received_at)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::bytea[], $4::int8[], $5::timestamptz[])",
            vec![
                Box::new(op_ids),
                Box::new(devices),
                Box::new(hashes),
                Box::new(seqs.clone()),
                Box::new(received),
            ],
        )?;
        Ok(seqs.into_iter().map(seq_of).collect())
    }

    fn contacts_exist(&mut self, ids: &[ContactId]) -> StoreResult<Vec<ContactId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = ids.iter().map(|c| c.0).collect();
        self.query("SELECT id FROM contacts WHERE id = ANY($1)", &[&ids])?
            .iter()
            .map(|r| Ok(ContactId(get(r, 0)?)))
            .collect()
    }

    fn contact_count(&mut self) -> StoreResult<u64> {
        let row = self.query_opt("SELECT COUNT(*) FROM contacts", &[])?;
        match row {
            Some(r) => Ok(seq_of(get(&r, 0)?)),
            None => Ok(0),
        }
    }

    fn put_review(&mut self, team: TeamId, review: &Review) -> StoreResult<()> {
        self.defer(
            "INSERT INTO reviews (contact_id, team_id, body) VALUES ($1, $2, $3)
             ON CONFLICT (contact_id) DO UPDATE SET team_id = EXCLUDED.team_id, body = EXCLUDED.body",
            vec![
                Box::new(review.contact_id.0),
                Box::new(team.0),
                Box::new(json(review)?),
            ],
        )
    }

    fn case(&mut self, id: CaseId) -> StoreResult<Option<CaseRow>> {
        self.query_opt(
            "SELECT body, team_id, seq FROM cases WHERE id = $1",
            &[&id.0],
        )?
        .as_ref()
        .map(to_case)
        .transpose()
    }

    fn cases_of_person(&mut self, person: PersonId) -> StoreResult<Vec<CaseRow>> {
        self.query(
            "SELECT body, team_id, seq FROM cases WHERE person_id = $1 ORDER BY received_at DESC",
            &[&person.0],
        )?
        .iter()
        .map(to_case)
        .collect()
    }

    fn household_cases_of_person(&mut self, person: PersonId) -> StoreResult<Vec<CaseRow>> {
        self.query(
            "SELECT c.body, c.team_id, c.seq FROM case_household h JOIN cases c ON c.id = h.case_id
             WHERE h.person_id = $1 ORDER BY c.received_at DESC",
            &[&person.0],
        )?
        .iter()
        .map(to_case)
        .collect()
    }

    fn cases(&mut self) -> StoreResult<Vec<CaseRow>> {
        self.query(
            "SELECT body, team_id, seq FROM cases ORDER BY urgency, received_at",
            &[],
        )?
        .iter()
        .map(to_case)
        .collect()
    }

    fn cases_after(&mut self, cursor: u64, limit: u32) -> StoreResult<Vec<CaseRow>> {
        self.query(
            "SELECT body, team_id, seq FROM cases WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq_param(cursor), &i64::from(limit)],
        )?
        .iter()
        .map(to_case)
        .collect()
    }

    fn put_case(&mut self, row: &CaseRow) -> StoreResult<()> {
        let e = &row.item.escalation;
        self.defer(
            "INSERT INTO cases (id, person_id, team_id, urgency, received_at, seq, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET team_id = EXCLUDED.team_id, urgency = EXCLUDED.urgency,
                 seq = EXCLUDED.seq, body = EXCLUDED.body",
            vec![
                Box::new(e.case_id.0),
                Box::new(e.person_id.0),
                Box::new(row.team.0),
                Box::new(urgency_rank(row.item.urgency())),
                Box::new(e.raised_at),
                Box::new(seq_param(row.seq)),
                Box::new(json(&row.item)?),
            ],
        )?;
        self.defer(
            "DELETE FROM case_household WHERE case_id = $1",
            vec![Box::new(e.case_id.0)],
        )?;
        for m in &row.item.household {
            self.defer(
                "INSERT INTO case_household (case_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                vec![Box::new(e.case_id.0), Box::new(m.person_id.0)],
            )?;
        }
        Ok(())
    }

    fn insert_case_move(&mut self, mv: &CaseMove) -> StoreResult<()> {
        self.defer(
            "INSERT INTO case_moves (case_id, body) VALUES ($1, $2)",
            vec![Box::new(mv.case_id.0), Box::new(json(mv)?)],
        )
    }

    fn visit(&mut self, id: outreach_shared::VisitId) -> StoreResult<Option<VisitRow>> {
        self.query("SELECT body FROM visits WHERE id = $1", &[&id.0])?
            .first()
            .map(|r| {
                let body: String = get(r, 0)?;
                serde_json::from_str(&body).map_err(corrupt("visit"))
            })
            .transpose()
    }

    fn put_visit(&mut self, row: &VisitRow) -> StoreResult<()> {
        self.defer(
            "INSERT INTO visits (id, team_id, open, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET team_id = $2, open = $3, body = $4",
            vec![
                Box::new(row.id.0),
                Box::new(row.team.0),
                Box::new(row.ended_at.is_none()),
                Box::new(json(row)?),
            ],
        )
    }

    fn open_visits(&mut self, team: TeamId) -> StoreResult<Vec<VisitRow>> {
        let mut out: Vec<VisitRow> = self
            .query(
                "SELECT body FROM visits WHERE team_id = $1 AND open",
                &[&team.0],
            )?
            .iter()
            .map(|r| {
                let body: String = get(r, 0)?;
                serde_json::from_str(&body).map_err(corrupt("visit"))
            })
            .collect::<StoreResult<_>>()?;
        out.sort_by_key(|v| v.started_at);
        Ok(out)
    }

    fn put_resource(&mut self, r: &outreach_shared::LocalResource) -> StoreResult<()> {
        self.defer(
            "INSERT INTO resources (id, body) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET body = $2",
            vec![Box::new(r.id.0), Box::new(json(r)?)],
        )
    }

    fn resource(
        &mut self,
        id: outreach_shared::ResourceId,
    ) -> StoreResult<Option<outreach_shared::LocalResource>> {
        self.query("SELECT body FROM resources WHERE id = $1", &[&id.0])?
            .first()
            .map(|r| {
                let body: String = get(r, 0)?;
                serde_json::from_str(&body).map_err(corrupt("resource"))
            })
            .transpose()
    }

    fn resources(&mut self) -> StoreResult<Vec<outreach_shared::LocalResource>> {
        self.query("SELECT body FROM resources", &[])?
            .iter()
            .map(|r| {
                let body: String = get(r, 0)?;
                serde_json::from_str(&body).map_err(corrupt("resource"))
            })
            .collect()
    }

    fn insert_participation(
        &mut self,
        team: TeamId,
        r: &outreach_shared::ParticipationRecord,
    ) -> StoreResult<()> {
        self.defer(
            "INSERT INTO participation (id, person_id, team_id, recorded_at, body)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(r.id.0),
                Box::new(r.person_id.0),
                Box::new(team.0),
                Box::new(r.recorded_at),
                Box::new(json(r)?),
            ],
        )
    }

    fn participation(
        &mut self,
        id: outreach_shared::ParticipationId,
    ) -> StoreResult<Option<outreach_shared::ParticipationRecord>> {
        self.query("SELECT body FROM participation WHERE id = $1", &[&id.0])?
            .first()
            .map(|r| {
                let body: String = get(r, 0)?;
                serde_json::from_str(&body).map_err(corrupt("participation"))
            })
            .transpose()
    }

    fn insert_narrative(&mut self, n: &outreach_shared::Narrative) -> StoreResult<()> {
        self.defer(
            "INSERT INTO narratives (viewpoint, period_from, period_to, version, body)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(n.viewpoint.code().to_owned()),
                Box::new(n.from),
                Box::new(n.to),
                Box::new(n.version as i32),
                Box::new(json(n)?),
            ],
        )
    }

    fn narratives(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<outreach_shared::Narrative>> {
        self.query(
            "SELECT body FROM narratives WHERE period_from = $1 AND period_to = $2
             ORDER BY viewpoint, version",
            &[&from, &to],
        )?
        .iter()
        .map(|r| {
            let body: String = get(r, 0)?;
            serde_json::from_str(&body).map_err(corrupt("narrative"))
        })
        .collect()
    }

    fn insert_community_activity(
        &mut self,
        a: &outreach_shared::CommunityActivity,
    ) -> StoreResult<()> {
        self.defer(
            "INSERT INTO community_activities (id, team_id, held_at, body)
             VALUES ($1, $2, $3, $4)",
            vec![
                Box::new(a.id.0),
                Box::new(a.team.0),
                Box::new(a.held_at),
                Box::new(json(a)?),
            ],
        )
    }

    fn insert_excerpt_choice(&mut self, n: &outreach_shared::ExcerptChoice) -> StoreResult<()> {
        self.defer(
            "INSERT INTO excerpt_choices (viewpoint, period_from, period_to, version, body)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(n.viewpoint.code().to_owned()),
                Box::new(n.from),
                Box::new(n.to),
                Box::new(n.version as i32),
                Box::new(json(n)?),
            ],
        )
    }

    fn community_activity(
        &mut self,
        id: outreach_shared::CommunityActivityId,
    ) -> StoreResult<Option<outreach_shared::CommunityActivity>> {
        self.query(
            "SELECT body FROM community_activities WHERE id = $1",
            &[&id.0],
        )?
        .first()
        .map(|r| {
            let body: String = get(r, 0)?;
            serde_json::from_str(&body).map_err(corrupt("community activity"))
        })
        .transpose()
    }

    fn community_activities(
        &mut self,
        team: Option<TeamId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<outreach_shared::CommunityActivity>> {
        let team = team.map(|t| t.0);
        self.query(
            "SELECT body FROM community_activities
             WHERE held_at >= $1 AND held_at < $2 AND ($3::uuid IS NULL OR team_id = $3)
             ORDER BY held_at, id",
            &[&from, &to, &team],
        )?
        .iter()
        .map(|r| {
            let body: String = get(r, 0)?;
            serde_json::from_str(&body).map_err(corrupt("community activity"))
        })
        .collect()
    }

    fn excerpt_choices(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<outreach_shared::ExcerptChoice>> {
        self.query(
            "SELECT body FROM excerpt_choices WHERE period_from = $1 AND period_to = $2
             ORDER BY viewpoint, version",
            &[&from, &to],
        )?
        .iter()
        .map(|r| {
            let body: String = get(r, 0)?;
            serde_json::from_str(&body).map_err(corrupt("excerpt choice"))
        })
        .collect()
    }

    fn participation_of(
        &mut self,
        person: PersonId,
    ) -> StoreResult<Vec<outreach_shared::ParticipationRecord>> {
        self.query(
            "SELECT body FROM participation WHERE person_id = $1 ORDER BY recorded_at, id",
            &[&person.0],
        )?
        .iter()
        .map(|r| {
            let body: String = get(r, 0)?;
            serde_json::from_str(&body).map_err(corrupt("participation"))
        })
        .collect()
    }

    fn case_moves(&mut self, case: CaseId) -> StoreResult<Vec<CaseMove>> {
        self.query(
            "SELECT body FROM case_moves WHERE case_id = $1 ORDER BY id",
            &[&case.0],
        )?
        .iter()
        .map(|r| {
            let body: String = get(r, 0)?;
            serde_json::from_str(&body).map_err(corrupt("case move"))
        })
        .collect()
    }

    fn insert_conflict(
        &mut self,
        id: uuid::Uuid,
        team: TeamId,
        conflict: &ConflictRecord,
    ) -> StoreResult<()> {
        self.defer(
            "INSERT INTO conflicts (id, team_id, body) VALUES ($1, $2, $3)",
            vec![Box::new(id), Box::new(team.0), Box::new(json(conflict)?)],
        )
    }

    fn append_change(&mut self, c: &NewChange) -> StoreResult<u64> {
        let kind = enum_text(&c.kind);
        if c.replace {
            if matches!(c.kind, EntityKind::Contact | EntityKind::Conflict) {
                return Err(StoreError::Corrupt(
                    "only mutable records are replaced".into(),
                ));
            }
            self.defer(
                "DELETE FROM changes
                 WHERE kind IN ('person', 'case', 'review') AND kind = $1 AND entity_id = $2",
                vec![Box::new(kind.clone()), Box::new(c.entity)],
            )?;
        }
        let seq = self.next_change_seq()?;
        self.defer(
            "INSERT INTO changes (seq, kind, entity_id, person_id, team_id, hlc)
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                Box::new(seq),
                Box::new(kind),
                Box::new(c.entity),
                Box::new(c.person.0),
                Box::new(c.team.0),
                Box::new(c.hlc.to_string()),
            ],
        )?;
        Ok(seq_of(seq))
    }

    fn changes_after(
        &mut self,
        team: Option<TeamId>,
        cursor: u64,
        limit: u32,
    ) -> StoreResult<Vec<ChangeRow>> {
        let cursor = seq_param(cursor);
        let limit = i64::from(limit);
        let rows = match team {
            Some(t) => self.query(
                concat!(
                    select_changes!(),
                    " WHERE ch.team_id = $3 AND ch.seq > $1 ORDER BY ch.seq LIMIT $2"
                ),
                &[&cursor, &limit, &t.0],
            )?,
            None => self.query(
                concat!(
                    select_changes!(),
                    " WHERE ch.seq > $1 ORDER BY ch.seq LIMIT $2"
                ),
                &[&cursor, &limit],
            )?,
        };
        rows.iter()
            .map(|r| {
                let kind: String = get(r, 1)?;
                let hlc: String = get(r, 5)?;
                Ok(ChangeRow {
                    seq: seq_of(get(r, 0)?),
                    kind: text_enum(&kind)?,
                    entity: get(r, 2)?,
                    person: PersonId(get(r, 3)?),
                    team: TeamId(get(r, 4)?),
                    hlc: parse_hlc(&hlc, "change")?,
                    body: get(r, 6)?,
                })
            })
            .collect()
    }

    fn audit_head(&mut self) -> StoreResult<Option<(u64, String)>> {
        if let Some(h) = &self.audit_head {
            return Ok(Some(h.clone()));
        }
        let row = self.query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
        row.map(|r| Ok((seq_of(get(&r, 0)?), get(&r, 1)?)))
            .transpose()
    }

    fn append_audit(&mut self, e: &AuditRow) -> StoreResult<()> {
        self.defer(
            "INSERT INTO audit (seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            vec![
                Box::new(seq_param(e.seq)),
                Box::new(e.at),
                Box::new(e.actor.clone()),
                Box::new(e.device.map(|d| d.0)),
                Box::new(e.device_hlc.map(|h| h.to_string())),
                Box::new(e.action.clone()),
                Box::new(e.entity.clone()),
                Box::new(e.basis.clone()),
                Box::new(e.prev_hash.clone()),
                Box::new(e.hash.clone()),
            ],
        )?;
        self.audit_head = Some((e.seq, e.hash.clone()));
        self.audit_dirty = true;
        Ok(())
    }

    fn audit_entries(&mut self, after: u64, limit: u32) -> StoreResult<Vec<AuditRow>> {
        let rows = self.query(
            "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
             FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq_param(after), &i64::from(limit)],
        )?;
        audit_rows(&rows)
    }

    fn audit_tagged(
        &mut self,
        tag: &AuditTag,
        before: u64,
        limit: u32,
    ) -> StoreResult<Vec<AuditRow>> {
        let before = seq_param(before.min(i64::MAX as u64));
        let limit = i64::from(limit);
        let rows = match tag {
            AuditTag::Person(p) => self.query(
                "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
                 FROM audit WHERE substring(entity from 'person:([0-9a-f-]{36})') = $1
                   AND seq < $2 ORDER BY seq DESC LIMIT $3",
                &[&p.to_string(), &before, &limit],
            )?,
            AuditTag::Case(c) => self.query(
                "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
                 FROM audit WHERE substring(entity from 'case:([0-9a-f-]{36})') = $1
                   AND seq < $2 ORDER BY seq DESC LIMIT $3",
                &[&c.to_string(), &before, &limit],
            )?,
            AuditTag::Actor(a) => self.query(
                "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
                 FROM audit WHERE actor = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
                &[a, &before, &limit],
            )?,
        };
        audit_rows(&rows)
    }

    fn insert_meeting(
        &mut self,
        id: uuid::Uuid,
        case: CaseId,
        held_on: chrono::NaiveDate,
        body: &str,
    ) -> StoreResult<()> {
        self.exec(
            "INSERT INTO meetings (id, case_id, held_on, body) VALUES ($1, $2, $3, $4)",
            &[&id, &case.0, &held_on, &body],
        )?;
        Ok(())
    }

    fn meetings_of_case(&mut self, case: CaseId) -> StoreResult<Vec<String>> {
        self.query(
            "SELECT body FROM meetings WHERE case_id = $1 ORDER BY held_on, ord",
            &[&case.0],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect()
    }

    fn meetings_between(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<String>> {
        self.query(
            "SELECT body FROM meetings WHERE held_on >= $1 AND held_on <= $2 ORDER BY held_on, ord",
            &[&from, &to],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect()
    }

    fn meeting(&mut self, id: uuid::Uuid) -> StoreResult<Option<String>> {
        let row = self.query_opt("SELECT body FROM meetings WHERE id = $1", &[&id])?;
        row.map(|r| get(&r, 0)).transpose()
    }

    fn update_meeting(
        &mut self,
        id: uuid::Uuid,
        held_on: chrono::NaiveDate,
        body: &str,
    ) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE meetings SET held_on = $2, body = $3 WHERE id = $1",
            &[&id, &held_on, &body],
        )?;
        Ok(n == 1)
    }

    fn insert_case_doc(&mut self, d: &CaseDoc) -> StoreResult<()> {
        let version =
            i32::try_from(d.version).map_err(|_| StoreError::Corrupt("doc version".into()))?;
        self.defer(
            "INSERT INTO case_docs (kind, doc_id, version, case_id, recorded_at, body)
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                Box::new(enum_text(&d.kind)),
                Box::new(d.doc),
                Box::new(version),
                Box::new(d.case.0),
                Box::new(d.recorded_at),
                Box::new(d.body.clone()),
            ],
        )
    }

    fn case_docs(&mut self, case: CaseId, kind: CaseDocKind) -> StoreResult<Vec<CaseDoc>> {
        self.query(
            concat!(
                select_doc!(),
                " WHERE case_id = $1 AND kind = $2 ORDER BY ord"
            ),
            &[&case.0, &enum_text(&kind)],
        )?
        .iter()
        .map(to_doc)
        .collect()
    }

    fn doc_versions(&mut self, kind: CaseDocKind, doc: uuid::Uuid) -> StoreResult<Vec<CaseDoc>> {
        self.query(
            concat!(
                select_doc!(),
                " WHERE kind = $1 AND doc_id = $2 ORDER BY version"
            ),
            &[&enum_text(&kind), &doc],
        )?
        .iter()
        .map(to_doc)
        .collect()
    }

    fn all_case_docs(&mut self, kind: CaseDocKind) -> StoreResult<Vec<CaseDoc>> {
        self.query(
            concat!(select_doc!(), " WHERE kind = $1 ORDER BY ord"),
            &[&enum_text(&kind)],
        )?
        .iter()
        .map(to_doc)
        .collect()
    }

    fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        let row = self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?;
        row.map(|r| get(&r, 0)).transpose()
    }

    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.defer(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            vec![Box::new(key.to_owned()), Box::new(value.to_owned())],
        )
    }

    fn savepoint(&mut self) -> StoreResult<()> {
        // Goes out with the next statement.
        self.pending.push(Deferred::Batch("SAVEPOINT op"));
        self.savepoints += 1;
        Ok(())
    }

    fn release_savepoint(&mut self) -> StoreResult<()> {
        // A sync point: what the job queued is sent and checked now, so a
        // failure belongs to this job and is never reported as done.
        self.round_trip(Last::Batch("RELEASE op"))?;
        self.savepoints = self.savepoints.saturating_sub(1);
        Ok(())
    }

    fn rollback_savepoint(&mut self) -> StoreResult<()> {
        // What the job queued is rolled back with it: a failure among those
        // statements does not matter, the rollback's own answer does.
        if !self.pending.is_empty() {
            let _ = self.round_trip(Last::Batch(""));
        }
        let r = block_on(self.conn.client.batch_execute("ROLLBACK TO op; RELEASE op"));
        self.note(r)?;
        self.audit_head = None;
        self.failed_in_savepoint = false;
        self.savepoints = self.savepoints.saturating_sub(1);
        Ok(())
    }
}

/// Audit rows of a query whose columns are those of `audit_entries`.
fn audit_rows(rows: &[Row]) -> StoreResult<Vec<AuditRow>> {
    rows.iter()
        .map(|r| {
            let device_hlc: Option<String> = get(r, 4)?;
            Ok(AuditRow {
                seq: seq_of(get(r, 0)?),
                at: get(r, 1)?,
                actor: get(r, 2)?,
                device: get::<Option<uuid::Uuid>>(r, 3)?.map(DeviceId),
                device_hlc: device_hlc
                    .as_deref()
                    .map(|h| parse_hlc(h, "audit"))
                    .transpose()?,
                action: get(r, 5)?,
                entity: get(r, 6)?,
                basis: get(r, 7)?,
                prev_hash: get(r, 8)?,
                hash: get(r, 9)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_in_any_url_shape() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "t_1"),
            "postgres://u:p@h:5432/t_1"
        );
        assert_eq!(with_database("postgres://u@h", "t_1"), "postgres://u@h/t_1");
        assert_eq!(
            with_database("postgresql://u@h:1/x?host=/run/pg&sslmode=disable", "t_2"),
            "postgresql://u@h:1/t_2?host=/run/pg&sslmode=disable"
        );
    }

    #[test]
    fn a_bad_database_name_is_refused_before_connecting() {
        for bad in ["", "Robert'); DROP", "a b", "UPPER"] {
            assert!(matches!(
                create_database("postgres://u@127.0.0.1:1/x", bad, None),
                Err(StoreError::UnsupportedUrl(_))
            ));
        }
    }

    #[test]
    fn a_malformed_url_is_a_clear_error_without_the_url() {
        let err = PgStore::open("postgres://u:secret@h:notaport/x", &StoreOptions::default())
            .err()
            .expect("refused");
        let msg = err.to_string();
        assert!(msg.contains("not valid"), "{msg}");
        assert!(!msg.contains("secret"), "{msg}");
    }
}
