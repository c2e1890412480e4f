//! The command line: serve (the default), `admin`, `demo`, `audit`, `feed`.
//! Every flag can also come from an environment variable (shown in
//! `--help`).

use chrono::Utc;
use clap::{Args, Parser, Subcommand, ValueEnum};
use outreach_shared::DeviceId;
use outreach_shared::access::Role;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::admin::{self, NewUser};
use crate::state::{AppState, Limits};
use crate::store::{self, DatabaseUrl, Store, StoreOptions};

#[derive(Debug, Parser)]
#[command(
    name = "sync-server",
    version,
    about = "Hamura Outreach sync server: device enrolment, exactly-once sync, the 多機関協働 case queue, audit.",
    long_about = "Hamura Outreach sync server.\n\nWithout a subcommand it serves the API: \
        `sync-server --database sqlite://./data/outreach.db --listen 127.0.0.1:8080`.\n\
        Plain HTTP is allowed only on a loopback address; elsewhere give --tls-cert and --tls-key, \
        or run behind a TLS-terminating reverse proxy on loopback (see sync-server/README.md)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where the data lives: sqlite://PATH (one file, created if missing), or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE for several instances on one
    /// PostgreSQL (the database must exist; the tables are created). A URL with a password
    /// belongs in OUTREACH_DATABASE, not on the command line where `ps` shows it; over a
    /// Unix socket, peer authentication needs none: postgres://outreach@/outreach?host=/run/postgresql
    #[arg(
        long,
        env = "OUTREACH_DATABASE",
        hide_env_values = true,
        default_value = "sqlite://./data/outreach.db",
        global = true
    )]
    pub database: String,
    /// SQLite durability: `full` fsyncs every commit (an acknowledged push survives power loss);
    /// `normal` (WAL) survives a crash of the server process but not of the machine.
    #[arg(long, env = "OUTREACH_SQLITE_SYNCHRONOUS", value_enum, default_value_t = Sync::Full, global = true)]
    pub sqlite_synchronous: Sync,
    /// PostgreSQL: most connections this instance has open at once, idle and in use
    /// together (each instance has its own pool; at least 2 to serve: one is kept for the
    /// writer, the others serve reads).
    #[arg(long, env = "OUTREACH_PG_POOL", default_value_t = 16, global = true)]
    pub pg_pool: usize,
    /// PostgreSQL: milliseconds a request waits for a free connection when all of --pg-pool
    /// are in use; then it is answered `503` with `Retry-After` (never half done).
    #[arg(
        long,
        env = "OUTREACH_PG_POOL_WAIT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub pg_pool_wait_ms: u64,
    /// PostgreSQL over TLS: PEM file of the CA that signed the database server's certificate.
    /// Every connection then uses TLS and checks the server's certificate and host name.
    /// Without it, `sslmode=require` in the URL is refused and connections are plain.
    #[arg(long, env = "OUTREACH_PG_CA_FILE", global = true)]
    pub pg_ca_file: Option<PathBuf>,
    /// Private folder (0700) of the server's key files (each 0600): feed-signing.key,
    /// totp-seal.key, audit-anchor.key. Default: the SQLite database's folder. Required with
    /// PostgreSQL (every instance needs the same files). Keep a backup apart from the database's.
    #[arg(long, env = "OUTREACH_KEY_DIR", global = true)]
    pub key_dir: Option<PathBuf>,
    /// The feed's ed25519 signing key file (default: feed-signing.key in --key-dir).
    #[arg(long, env = "OUTREACH_FEED_KEY_FILE", global = true)]
    pub feed_key_file: Option<PathBuf>,
    /// The key file that seals office users' TOTP secrets (default: totp-seal.key in --key-dir).
    #[arg(long, env = "OUTREACH_TOTP_KEY_FILE", global = true)]
    pub totp_key_file: Option<PathBuf>,
    /// The ed25519 key file that signs the audit chain's anchors (default: audit-anchor.key in
    /// --key-dir).
    #[arg(long, env = "OUTREACH_AUDIT_ANCHOR_KEY_FILE", global = true)]
    pub audit_anchor_key_file: Option<PathBuf>,
}

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sync {
    Full,
    Normal,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "OUTREACH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// PEM certificate chain for HTTPS (with --tls-key).
    #[arg(long, env = "OUTREACH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS (with --tls-cert).
    #[arg(long, env = "OUTREACH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The address tablets reach this server at, for the enrolment QR (e.g.
    /// https://outreach.city.example.jp). Default: the address the
    /// supervisor's browser used for the console.
    #[arg(long, env = "OUTREACH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A further server key pin for the enrolment QR (sha256:BASE64URL of
    /// the SubjectPublicKeyInfo; repeatable): the next key before a planned
    /// certificate change, or the key of a TLS proxy in front of this server.
    /// The key of --tls-cert is always pinned.
    #[arg(long, env = "OUTREACH_ENROL_PINS", value_delimiter = ',')]
    pub enrol_pin: Vec<outreach_shared::enrolment::SpkiPin>,
    /// Allow plain HTTP on a non-loopback address (only behind a trusted TLS proxy).
    #[arg(long, env = "OUTREACH_ALLOW_INSECURE_HTTP")]
    pub allow_insecure_http: bool,
    /// Seed the demo data first if the database has no users (its accounts
    /// share one published password, so only on a loopback address).
    #[arg(long, env = "OUTREACH_DEMO")]
    pub demo: bool,
    /// Take each client's address from the last X-Forwarded-For entry, for
    /// the per-address limits of logins and enrolment codes. Only behind
    /// your own reverse proxy, which must set that header (otherwise every
    /// client seems to come from the proxy, or a client could claim any
    /// address).
    #[arg(long, env = "OUTREACH_FORWARDED_FOR")]
    pub forwarded_for: bool,
    /// Largest request body in bytes (after decompression).
    #[arg(long, env = "OUTREACH_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest number of operations in one push (at most 1000).
    #[arg(long, env = "OUTREACH_MAX_BATCH", default_value_t = outreach_shared::protocol::MAX_BATCH_OPERATIONS)]
    pub max_batch: usize,
    /// Requests per minute per device (sustained).
    #[arg(long, env = "OUTREACH_RATE_PER_MINUTE", default_value_t = 120)]
    pub rate_per_minute: u32,
    /// Burst of requests a device may make at once.
    #[arg(long, env = "OUTREACH_RATE_BURST", default_value_t = 60)]
    pub rate_burst: u32,
    /// Longest a request may take from its arrival to its answer, in
    /// seconds; then `503` with "retry later".
    #[arg(long, env = "OUTREACH_REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    pub request_timeout_secs: u64,
    /// Longest an API request's body may take to arrive once it is read, in
    /// seconds (less than --request-timeout-secs); then `503`.
    #[arg(long, env = "OUTREACH_BODY_TIMEOUT_SECS", default_value_t = 15)]
    pub body_timeout_secs: u64,
    /// Sync requests processed at once; more wait with their bodies unread
    /// (bounds memory under a burst of tablets).
    #[arg(long, env = "OUTREACH_SYNC_IN_FLIGHT", default_value_t = 32)]
    pub sync_in_flight: usize,
    /// SQLite: read transactions run at once, each on its own connection (default 4). With
    /// PostgreSQL the default is --pg-pool minus one (one connection stays the writer's),
    /// and it may not be more.
    #[arg(long, env = "OUTREACH_READ_SLOTS")]
    pub read_slots: Option<usize>,
    /// How long an office user's console or API session lasts, in hours.
    #[arg(long, env = "OUTREACH_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
    /// Serve the metrics (Prometheus text format, `GET /metrics`) on this
    /// address, plain HTTP: counts and timings only, never ids or names.
    /// Keep it on loopback or an operations network. Off by default.
    #[arg(long, env = "OUTREACH_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Minutes after a visit's expected end before the supervisors' team page shows it as
    /// 帰着未確認 (the lone-worker check), until the worker finishes it.
    #[arg(long, env = "OUTREACH_VISIT_GRACE_MINUTES", default_value_t = outreach_shared::domain::visit::DEFAULT_GRACE_MINUTES)]
    pub visit_grace_minutes: u32,
    /// Log format.
    #[arg(long, env = "OUTREACH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Append a signed anchor of the audit chain's head to this file (0600) at start and every
    /// --audit-anchor-minutes; copy it off the server (see docs/deploy.md). Default with SQLite:
    /// audit-anchors.jsonl beside the database.
    #[arg(long, env = "OUTREACH_AUDIT_ANCHOR_FILE")]
    pub audit_anchor_file: Option<PathBuf>,
    /// Minutes between two anchors of the audit chain.
    #[arg(long, env = "OUTREACH_AUDIT_ANCHOR_MINUTES", default_value_t = 60)]
    pub audit_anchor_minutes: u64,
}

/// The server's limits from its flags, refused with a message naming the
/// flag when they cannot work together (before the database is opened).
pub fn limits(g: &GlobalArgs, a: &ServeArgs) -> Result<Limits, String> {
    if a.request_timeout_secs == 0 || a.body_timeout_secs == 0 {
        return Err("--request-timeout-secs and --body-timeout-secs must be at least 1".into());
    }
    if a.body_timeout_secs >= a.request_timeout_secs {
        return Err(format!(
            "--body-timeout-secs ({}) must be less than --request-timeout-secs ({})",
            a.body_timeout_secs, a.request_timeout_secs
        ));
    }
    if a.sync_in_flight == 0 {
        return Err("--sync-in-flight must be at least 1".into());
    }
    if !(1..=24).contains(&a.session_hours) {
        return Err(format!(
            "--session-hours must be between 1 and 24, not {}",
            a.session_hours
        ));
    }
    let postgres = matches!(
        g.database.parse::<DatabaseUrl>(),
        Ok(DatabaseUrl::Postgres(_))
    );
    let (read_slots, read_wait) = if postgres {
        if g.pg_pool < 2 {
            return Err(format!(
                "--pg-pool must be at least 2 (one connection for the writer, one for reads), not {}",
                g.pg_pool
            ));
        }
        if g.pg_pool_wait_ms == 0 || g.pg_pool_wait_ms >= a.request_timeout_secs * 1000 {
            return Err(format!(
                "--pg-pool-wait-ms must be at least 1 and less than --request-timeout-secs ({} s), not {}",
                a.request_timeout_secs, g.pg_pool_wait_ms
            ));
        }
        let most = g.pg_pool - 1;
        let slots = a.read_slots.unwrap_or(most);
        if slots == 0 || slots > most {
            return Err(format!(
                "--read-slots must be between 1 and --pg-pool minus one ({most}) on PostgreSQL, not {slots}"
            ));
        }
        (
            slots,
            Some(std::time::Duration::from_millis(g.pg_pool_wait_ms)),
        )
    } else {
        let slots = a.read_slots.unwrap_or(crate::state::DEFAULT_READ_SLOTS);
        if slots == 0 {
            return Err("--read-slots must be at least 1".into());
        }
        (slots, None)
    };
    Ok(Limits {
        max_body_bytes: a.max_body_bytes,
        max_batch: a
            .max_batch
            .min(outreach_shared::protocol::MAX_BATCH_OPERATIONS),
        rate_per_minute: a.rate_per_minute,
        burst: a.rate_burst,
        session_ttl: chrono::Duration::hours(i64::from(a.session_hours)),
        sync_in_flight: a.sync_in_flight,
        request_timeout: std::time::Duration::from_secs(a.request_timeout_secs),
        body_timeout: std::time::Duration::from_secs(a.body_timeout_secs),
        visit_grace: chrono::Duration::minutes(i64::from(a.visit_grace_minutes)),
        read_slots,
        read_wait,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Manage teams, users, enrolment codes and devices.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Seed realistic, obviously fictitious demo data into an empty database.
    Demo,
    /// The hash-chained audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The LGWAN feed as signed JSON Lines files.
    #[command(subcommand)]
    Feed(FeedCmd),
    /// Copy a SQLite store into a new, empty PostgreSQL database, every table, keeping change
    /// numbers, operation ids, device tokens, sessions and the audit chain (verified after), so
    /// tablets sync on without enrolling again. Stop the server first; copy its key files to
    /// the new --key-dir. Exit 1 (nothing written) if the target is not empty.
    MigrateStore {
        /// The SQLite store: sqlite://PATH (only read).
        #[arg(long)]
        from: String,
        /// The new, empty PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE
        /// (a URL with a password belongs in the variable, not on the command line).
        #[arg(long, env = "OUTREACH_MIGRATE_TO", hide_env_values = true)]
        to: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    OutreachWorker,
    Supervisor,
    Coordinator,
    AgencyMember,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::OutreachWorker => Role::OutreachWorker,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Coordinator => Role::Coordinator,
            RoleArg::AgencyMember => Role::AgencyMember,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Add a team (班).
    AddTeam {
        /// The team's name.
        name: String,
    },
    /// Add a user. The password (at least 12 characters) is read from OUTREACH_PASSWORD or set
    /// later with reset-password.
    AddUser {
        /// Login name (ASCII).
        #[arg(long)]
        username: String,
        /// Name shown in the app and console.
        #[arg(long)]
        display_name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Team name (workers and supervisors).
        #[arg(long)]
        team: Option<String>,
        /// Agency id from the plan, e.g. houkatsu-asahi (agency members).
        #[arg(long)]
        agency: Option<String>,
        /// Initial password (prefer the environment variable).
        #[arg(long, env = "OUTREACH_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List users (tab-separated; --json: one JSON array for scripts).
    ListUsers {
        #[arg(long)]
        json: bool,
    },
    /// Set a new password (Argon2id, at least 12 characters), from OUTREACH_PASSWORD or
    /// --password. Every session of the account ends.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, env = "OUTREACH_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// End an account at once: no new login, every console and API session and pending
    /// login ended, its tablets told to wipe at their next request.
    DeactivateUser {
        #[arg(long)]
        username: String,
    },
    /// Lift the lock-out of an account after failed logins (it also ends on its own 15 minutes
    /// after the failures, and with reset-password).
    UnlockUser {
        #[arg(long)]
        username: String,
    },
    /// Add a credential for one of the city's systems (e.g. the LGWAN side reading the feed):
    /// its only scope is GET /api/v1/feed/cases. Prints its bearer token once.
    AddService {
        /// A name for the audit log, e.g. city-lgwan.
        #[arg(long)]
        name: String,
    },
    /// Revoke a service credential at once.
    RevokeService {
        #[arg(long)]
        name: String,
    },
    /// Issue a one-time enrolment code for an outreach worker's tablet.
    IssueCode {
        #[arg(long)]
        username: String,
        /// Minutes the code stays valid.
        #[arg(long, default_value_t = 15)]
        minutes: i64,
        /// Print one JSON object (username, code, expires_at) for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List enrolled devices (tab-separated; --json: one JSON array for scripts).
    ListDevices {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device: its next request is refused and told to wipe.
    RevokeDevice {
        /// The device id (UUID).
        device: String,
    },
    /// Require TOTP two-factor login to the web console; prints the secret once.
    TotpEnrol {
        #[arg(long)]
        username: String,
    },
    /// No longer require TOTP for a user.
    TotpDisable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the hash chain; exit 1 if any entry was edited, deleted or reordered. With
    /// --anchors, also check the log against an anchor file kept off the server (a log
    /// rewritten as a whole, or cut, is found).
    Verify {
        /// A copy of the anchor file (JSON Lines), kept apart from the server.
        #[arg(long, requires = "anchor_key")]
        anchors: Option<PathBuf>,
        /// The published anchor key (base64; `sync-server audit anchor-key`).
        #[arg(long, env = "OUTREACH_AUDIT_ANCHOR_KEY")]
        anchor_key: Option<String>,
    },
    /// Sign the chain's current head and append it to an anchor file (for a cron job; the
    /// server also does it on its own with --audit-anchor-file).
    Anchor {
        /// The anchor file (created 0600).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the base64 public key that verifies the anchors (to keep with their copies).
    AnchorKey,
}

#[derive(Debug, Subcommand)]
pub enum FeedCmd {
    /// Print the base64 ed25519 verifying key to publish.
    Key,
    /// Export case-queue items changed after --after as signed JSON Lines.
    Export {
        /// Sequence number already exported (0 for everything).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Output file (created 0600).
        #[arg(long)]
        out: PathBuf,
        /// Who exports, for the audit log (default: $USER).
        #[arg(long, env = "OUTREACH_OPERATOR")]
        operator: Option<String>,
    },
    /// Verify a feed file with a published key: every line's signature and the signed trailer
    /// (a deleted, added or changed line is refused).
    Verify {
        /// The base64 verifying key.
        #[arg(long, env = "OUTREACH_FEED_KEY")]
        key: String,
        file: PathBuf,
    },
    /// Verify and import a feed file into a receiving SQLite file (idempotent).
    Import {
        #[arg(long, env = "OUTREACH_FEED_KEY")]
        key: String,
        /// The receiving SQLite file (the city's side).
        #[arg(long)]
        into: PathBuf,
        file: PathBuf,
    },
}

/// The server's keys, from the files the flags name ([`crate::keys`]).
fn load_keys(g: &GlobalArgs, store: &dyn Store) -> Result<crate::keys::ServerKeys, String> {
    let url: DatabaseUrl = g
        .database
        .parse()
        .map_err(|e: store::StoreError| e.to_string())?;
    let files = crate::keys::KeyFiles::resolve(
        &url,
        g.key_dir.as_deref(),
        g.feed_key_file.as_deref(),
        g.totp_key_file.as_deref(),
        g.audit_anchor_key_file.as_deref(),
    )?;
    crate::keys::ServerKeys::load(store, &files)
}

fn open_store(g: &GlobalArgs) -> Result<Arc<dyn Store>, String> {
    let url: DatabaseUrl = g
        .database
        .parse()
        .map_err(|e: store::StoreError| e.to_string())?;
    store::open(
        &url,
        &StoreOptions {
            sync_full: g.sqlite_synchronous == Sync::Full,
            pg_pool: g.pg_pool,
            pg_pool_wait: std::time::Duration::from_millis(g.pg_pool_wait_ms.max(1)),
            pg_ca_file: g.pg_ca_file.clone(),
        },
    )
    .map_err(|e| e.to_string())
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OUTREACH_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // The PostgreSQL driver logs every statement's parameters (personal
    // data) at debug level: never let a verbose filter turn that on.
    let filter = match "tokio_postgres=info".parse() {
        Ok(d) => filter.add_directive(d),
        Err(_) => filter,
    };
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => b.init(),
        LogFormat::Json => b.json().init(),
    }
}

/// Runs the command line; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None | Some(Command::Serve) => {
            limit_malloc_arenas();
            serve(&cli.global, &cli.serve)
        }
        Some(Command::Admin(cmd)) => run_admin(&cli.global, cmd),
        Some(Command::Demo) => run_demo(&cli.global),
        Some(Command::Audit(cmd)) => run_audit(&cli.global, cmd),
        Some(Command::Feed(cmd)) => run_feed(&cli.global, cmd),
        Some(Command::MigrateStore { from, to }) => run_migrate(&cli.global, &from, &to),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("sync-server: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives every thread that allocates its own malloc arena and keeps
/// freed memory in it; after a burst of tablets that can double the
/// server's resident memory. The server therefore runs with
/// `MALLOC_ARENA_MAX=2`: if the variable is not set, it re-executes itself
/// once with it (same pid, same arguments). An operator's own setting wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
            return;
        }
        if let Ok(exe) = std::env::current_exe() {
            let err = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env("MALLOC_ARENA_MAX", "2")
                .exec();
            // Only reached if exec failed: carry on with the default arenas.
            eprintln!("sync-server: could not limit malloc arenas ({err}); continuing");
        }
    }
}

fn serve(g: &GlobalArgs, a: &ServeArgs) -> Result<ExitCode, String> {
    init_logs(a.log_format);
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        _ => None,
    };
    if tls.is_none() && !a.listen.ip().is_loopback() && !a.allow_insecure_http {
        return Err(format!(
            "refusing plain HTTP on {}: give --tls-cert and --tls-key, listen on loopback behind a TLS proxy, \
             or pass --allow-insecure-http if a trusted proxy terminates TLS",
            a.listen
        ));
    }
    if a.demo && !a.listen.ip().is_loopback() {
        return Err(format!(
            "refusing --demo on {}: the demo accounts share a published password; \
             serve the demo on a loopback address (127.0.0.1) only",
            a.listen
        ));
    }
    let limits = limits(g, a)?;
    let store = open_store(g)?;
    let mut pins = match &tls {
        Some((cert, _)) => crate::tls::certificate_pins(cert)?,
        None => Vec::new(),
    };
    pins.extend(a.enrol_pin.iter().copied());
    let enrolment = crate::state::EnrolmentInfo {
        public_url: a
            .public_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_owned()),
        pins,
        tls: tls.is_some(),
    };
    let keys = load_keys(g, &*store)?;
    let state = AppState::new(store.clone(), limits, keys)
        .map_err(|e| e.to_string())?
        .with_enrolment(enrolment)
        .with_forwarded_for(a.forwarded_for);
    if a.demo
        && admin::list_users(&*store)
            .map_err(|e| e.to_string())?
            .is_empty()
    {
        let s = crate::demo::seed(&*store, &state.clock, Utc::now()).map_err(|e| e.to_string())?;
        tracing::info!(
            persons = s.persons,
            contacts = s.contacts,
            cases = s.cases,
            "demo data seeded"
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Memory freed by a burst goes back to the system when the threads
        // that freed it wait (crate::idle).
        .on_thread_park(crate::idle::on_idle)
        .on_thread_stop(crate::idle::release_now)
        .thread_keep_alive(crate::idle::QUIET)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let anchor_file =
        a.audit_anchor_file
            .clone()
            .or_else(|| match g.database.parse::<DatabaseUrl>() {
                Ok(DatabaseUrl::Sqlite(p)) => Some(
                    p.parent()
                        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
                        .join("audit-anchors.jsonl"),
                ),
                _ => None,
            });
    let anchor_every = std::time::Duration::from_secs(a.audit_anchor_minutes.max(1) * 60);
    rt.block_on(async move {
        tokio::spawn(crate::idle::janitor());
        if let Some(file) = anchor_file {
            tokio::spawn(anchor_on_schedule(state.clone(), file, anchor_every));
        }
        if let Some(addr) = a.metrics_listen {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr} (--metrics-listen): {e}"))?;
            tracing::info!(%addr, "metrics listening (plain HTTP)");
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, crate::metrics::app()).await {
                    tracing::error!("metrics listener stopped: {e}");
                }
            });
        }
        let app = crate::app(state);
        match tls {
            Some((cert, key)) => {
                crate::tls::serve_tls_until(a.listen, &cert, &key, app, shutdown_signal(), None)
                    .await
            },
            None => {
                let listener = tokio::net::TcpListener::bind(a.listen)
                    .await
                    .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
                tracing::info!(addr = %a.listen, backend = store.backend(), "listening (plain HTTP)");
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(shutdown_signal())
                    .await
                    .map_err(|e| format!("server error: {e}"))
            }
        }
    })?;
    tracing::info!("stopped; every acknowledged operation was committed");
    Ok(ExitCode::SUCCESS)
}

/// Appends a signed anchor of the audit chain's head to `file` now and
/// every `every` (only when the head moved). A failure is logged loudly and
/// tried again next time.
async fn anchor_on_schedule(state: AppState, file: PathBuf, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let (store, keys, f) = (state.store.clone(), state.keys.clone(), file.clone());
        let r = tokio::task::spawn_blocking(move || {
            crate::audit::export_anchor(&*store, &keys.anchor, &f, Utc::now())
        })
        .await;
        match r {
            Ok(Ok(Some(a))) => tracing::info!(seq = a.seq, "audit chain anchored"),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!("audit anchor not written: {e}"),
            Err(_) => tracing::error!("audit anchor task failed"),
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn run_admin(g: &GlobalArgs, cmd: AdminCmd) -> Result<ExitCode, String> {
    let store = open_store(g)?;
    let now = Utc::now();
    let e = |e: admin::AdminError| e.to_string();
    match cmd {
        AdminCmd::AddTeam { name } => {
            let t = admin::ensure_team(&*store, &name, now).map_err(e)?;
            println!("team {} {}", t.id, t.name);
        }
        AdminCmd::AddUser {
            username,
            display_name,
            role,
            team,
            agency,
            password,
        } => {
            let u = admin::add_user(
                &*store,
                NewUser {
                    username,
                    display_name,
                    role: role.into(),
                    team,
                    agency,
                    password: password.map(zeroize::Zeroizing::new),
                },
                now,
            )
            .map_err(e)?;
            println!(
                "user {} {} ({})",
                u.id,
                u.username,
                crate::engine::role_name(u.role)
            );
        }
        AdminCmd::ListUsers { json: true } => {
            let users: Vec<_> = admin::list_users(&*store)
                .map_err(e)?
                .into_iter()
                .map(|u| {
                    serde_json::json!({
                        "id": u.id,
                        "username": u.username,
                        "role": crate::engine::role_name(u.role),
                        "team": u.team,
                        "agency": u.agency,
                        "active": u.active,
                    })
                })
                .collect();
            println!("{}", serde_json::Value::Array(users));
        }
        AdminCmd::ListUsers { json: false } => {
            for u in admin::list_users(&*store).map_err(e)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.id,
                    u.username,
                    crate::engine::role_name(u.role),
                    if u.active { "active" } else { "inactive" }
                );
            }
        }
        AdminCmd::ResetPassword { username, password } => {
            let password = zeroize::Zeroizing::new(password);
            admin::reset_password(&*store, &username, &password, now).map_err(e)?;
            println!("password set for {username}");
        }
        AdminCmd::DeactivateUser { username } => {
            let n = admin::deactivate_user(&*store, &username, now).map_err(e)?;
            println!(
                "{username} deactivated: {n} session(s) ended; its tablets are told to wipe at their next request"
            );
        }
        AdminCmd::AddService { name } => {
            let token = admin::add_service(&*store, &name, now).map_err(e)?;
            println!(
                "service {name} added (scope: the case-queue feed). Its bearer token, shown once:"
            );
            println!("  token: {}", token.as_str());
        }
        AdminCmd::RevokeService { name } => {
            if !admin::revoke_service(&*store, &name, now).map_err(e)? {
                return Err(format!("no service named {name:?}"));
            }
            println!("service {name} revoked");
        }
        AdminCmd::UnlockUser { username } => {
            admin::unlock_user(&*store, &username, now).map_err(e)?;
            println!("{username} unlocked");
        }
        AdminCmd::IssueCode {
            username,
            minutes,
            json,
        } => {
            if !(1..=24 * 60).contains(&minutes) {
                return Err("--minutes must be between 1 and 1440".into());
            }
            let code =
                admin::issue_code(&*store, &username, chrono::Duration::minutes(minutes), now)
                    .map_err(e)?;
            if json {
                let v = serde_json::json!({
                    "username": username,
                    "code": code.as_str(),
                    "expires_at": now + chrono::Duration::minutes(minutes),
                });
                println!("{v}");
            } else {
                println!(
                    "enrolment code for {username} (valid {minutes} minutes, single use): {}",
                    code.as_str()
                );
            }
        }
        AdminCmd::ListDevices { json: true } => {
            let devices: Vec<_> = admin::list_devices(&*store)
                .map_err(e)?
                .into_iter()
                .map(|(d, user)| {
                    serde_json::json!({
                        "id": d.id,
                        "user": user,
                        "label": d.label,
                        "platform": d.platform,
                        "enrolled_at": d.enrolled_at,
                        "revoked_at": d.revoked_at,
                    })
                })
                .collect();
            println!("{}", serde_json::Value::Array(devices));
        }
        AdminCmd::ListDevices { json: false } => {
            for (d, user) in admin::list_devices(&*store).map_err(e)? {
                let state = match d.revoked_at {
                    Some(t) => format!("revoked {}", t.to_rfc3339()),
                    None => "active".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\tenrolled {}\t{}",
                    d.id,
                    user,
                    d.label,
                    d.platform,
                    d.enrolled_at.to_rfc3339(),
                    state
                );
            }
        }
        AdminCmd::TotpEnrol { username } => {
            let keys = load_keys(g, &*store)?;
            let (secret, uri) =
                admin::totp_enrol(&*store, &keys.totp, &username, now).map_err(e)?;
            println!(
                "TOTP now required for {username}. Enter this secret in the authenticator app (shown once):"
            );
            println!("  secret: {}", secret.as_str());
            println!("  uri:    {}", uri.as_str());
        }
        AdminCmd::TotpDisable { username } => {
            admin::totp_disable(&*store, &username, now).map_err(e)?;
            println!("TOTP no longer required for {username}");
        }
        AdminCmd::RevokeDevice { device } => {
            let id =
                DeviceId::parse(&device).map_err(|_| "the device id is not a UUID".to_string())?;
            if admin::revoke_device(&*store, id, now).map_err(e)? {
                println!("device {id} revoked: its next request is refused and told to wipe");
            } else {
                return Err(format!("no active device {id}"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_demo(g: &GlobalArgs) -> Result<ExitCode, String> {
    let store = open_store(g)?;
    let node =
        store::write(&*store, crate::engine::ServerClock::load_node).map_err(|e| e.to_string())?;
    let clock = crate::engine::ServerClock::new(node);
    let s = crate::demo::seed(&*store, &clock, Utc::now()).map_err(|e| e.to_string())?;
    println!(
        "demo data (fictitious): {} persons, {} contact logs, {} cases, {} reviews",
        s.persons, s.contacts, s.cases, s.reviews
    );
    println!("users (password for all: {}):", crate::demo::DEMO_PASSWORD);
    for (u, name, role) in &s.users {
        println!("  {u:<28} {:<16} {name}", crate::engine::role_name(*role));
    }
    println!("issue a tablet code with: sync-server admin issue-code --username worker1");
    Ok(ExitCode::SUCCESS)
}

fn run_audit(g: &GlobalArgs, cmd: AuditCmd) -> Result<ExitCode, String> {
    let store = open_store(g)?;
    match cmd {
        AuditCmd::Verify {
            anchors,
            anchor_key,
        } => {
            match crate::audit::verify(&*store) {
                Ok(n) => println!("audit log intact: {n} entries verified"),
                Err(e) => {
                    println!("AUDIT LOG BROKEN: {e}");
                    return Ok(ExitCode::from(1));
                }
            }
            if let (Some(file), Some(key)) = (anchors, anchor_key) {
                let vk = crate::feed::parse_verifying_key(&key)
                    .map_err(|_| "the anchor key is not a base64 ed25519 key".to_string())?;
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| format!("cannot read the anchor file: {e}"))?;
                match crate::audit::verify_anchors(&*store, &vk, &text) {
                    Ok(n) => println!("{n} anchors match the log"),
                    Err(e) => {
                        println!("AUDIT LOG BROKEN: {e}");
                        return Ok(ExitCode::from(1));
                    }
                }
            }
        }
        AuditCmd::Anchor { out } => {
            let keys = load_keys(g, &*store)?;
            match crate::audit::export_anchor(&*store, &keys.anchor, &out, Utc::now())? {
                Some(a) => println!("anchored entry {} in {}", a.seq, out.display()),
                None => println!("nothing new to anchor"),
            }
        }
        AuditCmd::AnchorKey => {
            let keys = load_keys(g, &*store)?;
            let vk = keys.anchor.verifying_key();
            println!("{}", crate::feed::verifying_key_b64(&vk));
            eprintln!("key id {}", crate::audit::anchor_key_id(&vk));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_migrate(g: &GlobalArgs, from: &str, to: &str) -> Result<ExitCode, String> {
    let opts = StoreOptions {
        sync_full: g.sqlite_synchronous == Sync::Full,
        pg_pool: g.pg_pool.max(1),
        pg_pool_wait: std::time::Duration::from_millis(g.pg_pool_wait_ms.max(1)),
        pg_ca_file: g.pg_ca_file.clone(),
    };
    let m = crate::migrate::migrate_store(from, to, &opts)?;
    println!("copied to PostgreSQL (one transaction; every table compared after the copy):");
    for (table, n) in &m.copy.tables {
        println!("  {table:<16} {n}");
    }
    println!(
        "audit chain verified on PostgreSQL: {} entries; the next change number is {} or later",
        m.audit_entries, m.copy.next_change
    );
    println!(
        "now copy the key files (--key-dir) and start the server with --database set to the new URL"
    );
    Ok(ExitCode::SUCCESS)
}

fn run_feed(g: &GlobalArgs, cmd: FeedCmd) -> Result<ExitCode, String> {
    let e = |e: crate::feed::FeedError| e.to_string();
    match cmd {
        FeedCmd::Key => {
            let store = open_store(g)?;
            let keys = load_keys(g, &*store)?;
            let vk = keys.feed.verifying_key();
            println!("{}", crate::feed::verifying_key_b64(&vk));
            eprintln!("key id {}", crate::feed::key_id(&vk));
        }
        FeedCmd::Export {
            after,
            out,
            operator,
        } => {
            let store = open_store(g)?;
            let keys = load_keys(g, &*store)?;
            let operator = operator
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".into());
            let mut f = std::io::BufWriter::new(
                crate::files::create_or_truncate_private(&out)
                    .map_err(|e| format!("cannot create the file: {e}"))?,
            );
            let r = crate::feed::export(&*store, &keys.feed, after, &mut f, &operator, Utc::now())
                .map_err(e)?;
            println!(
                "{} items written (with a signed trailer); next export: --after {}",
                r.count, r.next
            );
        }
        FeedCmd::Verify { key, file } => {
            let vk = crate::feed::parse_verifying_key(&key).map_err(e)?;
            let f = std::fs::File::open(&file).map_err(|e| format!("cannot open the file: {e}"))?;
            match crate::feed::verify(&vk, &mut std::io::BufReader::new(f)) {
                Ok(items) => println!("feed file verified: {} items, trailer matches", items.len()),
                Err(err) => {
                    println!("FEED FILE REJECTED: {err}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        FeedCmd::Import { key, into, file } => {
            let vk = crate::feed::parse_verifying_key(&key).map_err(e)?;
            let r = crate::feed::import(&vk, &file, &into).map_err(e)?;
            println!(
                "imported: {} new, {} updated, {} unchanged",
                r.inserted, r.updated, r.unchanged
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
