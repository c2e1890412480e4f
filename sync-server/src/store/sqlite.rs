//! The SQLite backend (rusqlite, bundled): one file, WAL, zero setup.
//!
//! All SQL of this backend lives in this module. One writer connection
//! behind a mutex (SQLite has one writer at a time anyway) and a small pool
//! of reader connections, which WAL lets run beside the writer.
//!
//! Durability: `synchronous=FULL` by default, so every commit is fsynced
//! before the push is answered. With `NORMAL` in WAL mode a commit survives a
//! crash of the server process (the WAL is in the OS) but the last commits
//! may be lost if the machine loses power; the operator chooses with
//! `--sqlite-synchronous`.

use super::codec::{corrupt, enum_text, hash32, json, text_enum, urgency_rank};
use super::*;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::ffi::c_int;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// The schema, one step per migration: step `n` takes a database from
/// version `n` to `n + 1` (kept in step with the PostgreSQL backend by the
/// array's length, [`SCHEMA_STEPS`]). Step 1 only creates what is missing,
/// so databases made before versions were recorded take it unchanged.
const MIGRATIONS: [&str; SCHEMA_STEPS] = [
    r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id TEXT,
    agency TEXT,
    password_hash TEXT,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrol_codes (
    code_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    label TEXT NOT NULL,
    platform TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    content_hash BLOB NOT NULL,
    seq INTEGER NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS persons (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    body TEXT NOT NULL,
    bases TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    revises TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_person ON contacts (person_id);
CREATE TABLE IF NOT EXISTS reviews (
    contact_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    urgency INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_person ON cases (person_id);
CREATE INDEX IF NOT EXISTS cases_seq ON cases (seq);
CREATE TABLE IF NOT EXISTS case_moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_moves_case ON case_moves (case_id);
CREATE TABLE IF NOT EXISTS conflicts (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    hlc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_team_seq ON changes (team_id, seq);
-- Only mutable records are replaced; contact logs and conflicts never are.
CREATE INDEX IF NOT EXISTS changes_entity ON changes (kind, entity_id)
    WHERE kind IN ('person', 'case', 'review');
CREATE TABLE IF NOT EXISTS meetings (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    held_on TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS meetings_case ON meetings (case_id, held_on);
CREATE INDEX IF NOT EXISTS meetings_held_on ON meetings (held_on);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    device_id TEXT,
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
    ticket_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
"#,
    // 3: a case's structured records (plans, monitoring, closure
    // evaluations, 支援会議 records, earlier meeting versions; issue 13).
    r#"
CREATE TABLE IF NOT EXISTS case_docs (
    kind TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, doc_id, version)
);
CREATE INDEX IF NOT EXISTS case_docs_case ON case_docs (case_id, kind);
"#,
    // 4: who saw person P, what did user U do: the audit viewer's searches
    // by index (expressions shared with `audit_tagged`); ending a user's
    // sessions by index.
    r#"
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor, seq);
CREATE INDEX IF NOT EXISTS audit_person ON audit ((CASE WHEN instr(entity, 'person:') > 0 THEN substr(entity, instr(entity, 'person:') + 7, 36) END), seq);
CREATE INDEX IF NOT EXISTS audit_case ON audit ((CASE WHEN instr(entity, 'case:') > 0 THEN substr(entity, instr(entity, 'case:') + 5, 36) END), seq);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS pending_logins_user ON pending_logins (user_id);
"#,
    // 5: field visits of the lone-worker check (issue 12).
    r#"
CREATE TABLE IF NOT EXISTS visits (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    open INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS visits_open ON visits (team_id) WHERE open = 1;
"#,
    // 6: 参加支援 (issue 18): the 地域資源 catalogue and a person's needs,
    // trials and follow-ups (append-only); the evaluation's narratives.
    r#"
CREATE TABLE IF NOT EXISTS resources (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participation (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS participation_person ON participation (person_id, recorded_at);
-- The 推進会議's qualitative evaluation per viewpoint and period (第4章).
CREATE TABLE IF NOT EXISTS narratives (
    viewpoint TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (viewpoint, period_from, period_to, version)
);
"#,
    // 7: 地域づくり (issue 18): community activities, not tied to a
    // person (append-only).
    r#"
CREATE TABLE IF NOT EXISTS community_activities (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    held_at TEXT NOT NULL,
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
    case_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX IF NOT EXISTS case_household_person ON case_household (person_id);
CREATE TABLE IF NOT EXISTS excerpt_choices (
    viewpoint TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (viewpoint, period_from, period_to, version)
);
"#,
];

/// The SQLite store.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: PathBuf,
    sync_full: bool,
}

fn db(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Busy
        }
        // The message names the failing statement or constraint; it never
        // carries row values.
        other => StoreError::Database(other.to_string()),
    }
}

fn connect(path: &Path, sync_full: bool) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(db)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db)?;
    conn.pragma_update(
        None,
        "synchronous",
        if sync_full { "FULL" } else { "NORMAL" },
    )
    .map_err(db)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    // Savepoint sub-journals and temporary tables in memory, not temp files.
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(db)?;
    // Keep memory small: 1 MiB of page cache per connection (the writer
    // gets 4 MiB, set in `open`). A reader mostly streams pages the
    // operating system already caches; a larger cache per reader only kept
    // the server's memory high after a burst (issue 17: 2 MiB each and 8
    // readers left it at ~70 MiB).
    conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)
        .map_err(db)?;
    // Checkpoint the WAL every 32 MiB rather than every 4 MiB (the writer's
    // connection hands this to a thread of its own: `start_checkpointer`).
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)
        .map_err(db)?;
    // The query planner's stability guarantee: a plan never depends on the
    // values bound to it. Without it SQLite marks a cached statement to be
    // prepared again whenever a bound value changes if that value could
    // choose the plan (a parameter beside a partial index's condition, as
    // on `changes`): every pull page was parsed and planned anew (a tenth
    // of the server's time in the 200-tablet burst; issue 17). Partial
    // indexes stay usable where the query repeats their condition as
    // literals (see `changes_entity`, `visits_open`).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(db)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Page cache of a reading connection (and the checkpointer's), in KiB.
const READER_CACHE_KIB: i64 = 1024;
/// Page cache of the writer's connection, in KiB: more than one group
/// commit's dirty pages (a push of 500 contact logs dirties ~1.5 MiB).
const WRITER_CACHE_KIB: i64 = 4096;

/// WAL pages (4 KiB each) after a commit from which the WAL is copied back
/// into the database file (a checkpoint), as `wal_autocheckpoint` did.
const CHECKPOINT_PAGES: c_int = 8192;
/// If the WAL still grows past this (the checkpointer thread cannot keep up,
/// e.g. a long read holds old pages), the writer checkpoints itself.
const CHECKPOINT_PAGES_WRITER: c_int = 4 * CHECKPOINT_PAGES;

/// A checkpoint waits for the writer to be this long without a commit, so
/// that it does not compete with a burst of pushes for the disk and the
/// cores (it ran in the middle of the 200-tablet burst: a tenth of the
/// server's time there; issue 17)...
const CHECKPOINT_QUIET: Duration = Duration::from_millis(50);
/// ...but no longer than this, or until the WAL holds half as much again
/// as [`CHECKPOINT_PAGES`] (a steady stream of pushes never pauses).
const CHECKPOINT_MOST_WAIT: Duration = Duration::from_millis(500);

/// Moves WAL checkpoints off the writer's connection onto a thread of their
/// own. SQLite's automatic checkpoint runs inside the commit that crosses
/// the threshold, so one group of pushes paid for copying 32 MiB back into
/// the database file (and its fsync) while every other push waited behind
/// it. Now the commit only nudges the checkpointer thread, which waits for
/// a pause in the commits ([`CHECKPOINT_QUIET`], at most
/// [`CHECKPOINT_MOST_WAIT`] or half the threshold more) and runs a `PASSIVE` checkpoint on its own
/// connection beside the writer and the readers. Durability is unchanged:
/// a commit is durable once it is in the (fsynced) WAL; the checkpoint
/// only moves it into the main file.
fn start_checkpointer(writer: &mut Connection, path: &Path, sync_full: bool) -> StoreResult<()> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
    let conn = connect(path, sync_full)?;
    let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
    // Commits so far and the WAL's size after the last one (pages).
    let commits = Arc::new(AtomicU64::new(0));
    let wal_pages = Arc::new(AtomicI32::new(0));
    let (seen_commits, seen_pages) = (commits.clone(), wal_pages.clone());
    std::thread::Builder::new()
        .name("outreach-checkpoint".into())
        .spawn(move || {
            // Ends when the writer's connection (which owns `nudge`) closes.
            while crate::idle::recv_or_idle(&nudged).is_some() {
                let started = std::time::Instant::now();
                loop {
                    let before = seen_commits.load(Ordering::Relaxed);
                    std::thread::sleep(CHECKPOINT_QUIET);
                    if seen_commits.load(Ordering::Relaxed) == before
                        || seen_pages.load(Ordering::Relaxed) >= CHECKPOINT_PAGES * 3 / 2
                        || started.elapsed() >= CHECKPOINT_MOST_WAIT
                    {
                        break;
                    }
                }
                let r = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                if let Err(e) = r {
                    tracing::warn!(error = %e, "WAL checkpoint failed; it is retried later");
                }
            }
        })
        .map_err(|e| StoreError::Database(format!("cannot start the checkpoint thread: {e}")))?;
    // Replaces SQLite's automatic checkpoint (which is itself a WAL hook).
    writer
        .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: c_int| {
            commits.fetch_add(1, Ordering::Relaxed);
            wal_pages.store(pages, Ordering::Relaxed);
            if pages >= CHECKPOINT_PAGES_WRITER {
                // The commit is already durable: a checkpoint that cannot
                // run now (the checkpointer thread is in one) must not make
                // it report an error (an error here fails the COMMIT
                // statement, and the push was answered 500 though stored).
                if let Err(e) = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE) {
                    tracing::debug!(error = %e, "the writer's own WAL checkpoint did not run");
                }
            } else if pages >= CHECKPOINT_PAGES {
                // Full: a nudge is already waiting.
                let _ = nudge.try_send(());
            }
            Ok(())
        }))
        .map_err(db)
}

impl SqliteStore {
    /// Opens (and creates, with its parent folder) the database file. The
    /// folder is made `0700` and the file `0600` (SQLite gives its `-wal`
    /// and `-shm` files the database file's mode); an existing file that
    /// other users may read is refused, a folder they may enter is warned
    /// about (see [`crate::files`]).
    pub fn open(path: &Path, opts: &StoreOptions) -> StoreResult<Self> {
        let refuse = |e: String| StoreError::Database(e);
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            crate::files::create_private_dir(parent)
                .map_err(|e| StoreError::Database(format!("cannot create folder: {e}")))?;
            if let Err(e) = crate::files::check_private(parent, "the database folder") {
                tracing::warn!("{e}");
            }
        }
        if !path.exists() {
            crate::files::create_private_file(path)
                .map_err(|e| StoreError::Database(format!("cannot create the database: {e}")))?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let f = PathBuf::from(format!("{}{suffix}", path.display()));
            if f.exists() {
                crate::files::check_private(&f, "the database file").map_err(refuse)?;
            }
        }
        let mut conn = connect(path, opts.sync_full)?;
        migrate(&mut conn)?;
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)
            .map_err(db)?;
        start_checkpointer(&mut conn, path, opts.sync_full)?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: path.to_owned(),
            sync_full: opts.sync_full,
        })
    }

    /// Runs raw SQL: for tests that tamper with the file on purpose.
    pub fn execute_raw(&self, sql: &str) -> StoreResult<usize> {
        let conn = self.writer.lock().map_err(|_| StoreError::Busy)?;
        conn.execute(sql, []).map_err(db)
    }
}

/// Brings the schema up to [`SCHEMA_STEPS`] in one transaction.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        .map_err(db)?;
    let done: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [SCHEMA_VERSION_KEY],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    let done = schema_version(done.as_deref())?;
    for step in &MIGRATIONS[done..] {
        tx.execute_batch(step).map_err(db)?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = ?2",
        params![SCHEMA_VERSION_KEY, SCHEMA_STEPS.to_string()],
    )
    .map_err(db)?;
    tx.commit().map_err(db)
}

impl Store for SqliteStore {
    fn write_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>) -> StoreResult<()> {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Busy)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db)?;
        let mut t = SqliteTx::new(&tx);
        f(&mut t)?;
        t.finish()?;
        tx.commit().map_err(db)
    }

    fn read_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>) -> StoreResult<()> {
        let conn = {
            let mut pool = self.readers.lock().map_err(|_| StoreError::Busy)?;
            pool.pop()
        };
        let mut conn = match conn {
            Some(c) => c,
            None => connect(&self.path, self.sync_full)?,
        };
        let result = (|| {
            let tx = conn.transaction().map_err(db)?;
            let mut t = SqliteTx::new(&tx);
            f(&mut t)?;
            tx.commit().map_err(db)
        })();
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < 8
        {
            pool.push(conn);
        }
        result
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

struct SqliteTx<'a> {
    tx: &'a Transaction<'a>,
    savepoints: u32,
    /// The audit head as appended in this transaction (cleared by a
    /// rollback to a savepoint, when it is read again from the table).
    audit_head: Option<(u64, String)>,
    audit_dirty: bool,
}

impl SqliteTx<'_> {
    /// Audit rows of a query whose columns are those of `audit_entries`.
    fn audit_rows(&mut self, sql: &str, p: impl rusqlite::Params) -> StoreResult<Vec<AuditRow>> {
        let mut st = self.tx.prepare_cached(sql).map_err(db)?;
        type Cols = (
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
        );
        let rows = st
            .query_map(p, |r| -> rusqlite::Result<Cols> {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let c = r.map_err(db)?;
            Ok(AuditRow {
                seq: c.0 as u64,
                at: parse_ts(&c.1)?,
                actor: c.2,
                device: c.3.as_deref().map(parse_uuid).transpose()?.map(DeviceId),
                device_hlc: c
                    .4
                    .map(|h| {
                        h.parse()
                            .map_err(|_| StoreError::Corrupt("audit hlc".into()))
                    })
                    .transpose()?,
                action: c.5,
                entity: c.6,
                basis: c.7,
                prev_hash: c.8,
                hash: c.9,
            })
        })
        .collect()
    }

    fn new<'a>(tx: &'a Transaction<'a>) -> SqliteTx<'a> {
        SqliteTx {
            tx,
            savepoints: 0,
            audit_head: None,
            audit_dirty: false,
        }
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

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp: {e}")))
}

fn parse_uuid(s: &str) -> StoreResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("id: {e}")))
}

type UserCols = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    String,
);

const USER_COLS: &str =
    "id, username, display_name, role, team_id, agency, password_hash, active, created_at";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserCols> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn to_user(c: UserCols) -> StoreResult<UserRow> {
    Ok(UserRow {
        id: UserId(parse_uuid(&c.0)?),
        username: c.1,
        display_name: c.2,
        role: text_enum(&c.3)?,
        team: c.4.as_deref().map(parse_uuid).transpose()?.map(TeamId),
        agency: c.5.map(AgencyId),
        password_hash: c.6,
        active: c.7,
        created_at: parse_ts(&c.8)?,
    })
}

type DeviceCols = (
    String,
    String,
    String,
    String,
    Vec<u8>,
    String,
    Option<String>,
);

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceCols> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_device(c: DeviceCols) -> StoreResult<DeviceRow> {
    Ok(DeviceRow {
        id: DeviceId(parse_uuid(&c.0)?),
        user: UserId(parse_uuid(&c.1)?),
        label: c.2,
        platform: c.3,
        token_hash: hash32(c.4)?,
        enrolled_at: parse_ts(&c.5)?,
        revoked_at: c.6.as_deref().map(parse_ts).transpose()?,
    })
}

const DEVICE_COLS: &str = "id, user_id, label, platform, token_hash, enrolled_at, revoked_at";

type DocCols = (String, String, String, i64, String, String);

fn doc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocCols> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_doc(c: DocCols) -> StoreResult<CaseDoc> {
    let (case, kind, doc, version, at, body) = c;
    Ok(CaseDoc {
        case: CaseId(parse_uuid(&case)?),
        kind: text_enum(&kind)?,
        doc: parse_uuid(&doc)?,
        version: u32::try_from(version).map_err(|_| StoreError::Corrupt("doc version".into()))?,
        recorded_at: parse_ts(&at)?,
        body,
    })
}

const DOC_COLS: &str = "case_id, kind, doc_id, version, recorded_at, body";

fn to_case(body: &str, team: &str, seq: i64) -> StoreResult<CaseRow> {
    Ok(CaseRow {
        item: serde_json::from_str(body).map_err(corrupt("case"))?,
        team: TeamId(parse_uuid(team)?),
        seq: seq as u64,
    })
}

impl Tx for SqliteTx<'_> {
    fn insert_team(&mut self, team: &TeamRow) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO teams (id, name) VALUES (?1, ?2)",
                params![team.id.to_string(), team.name],
            )
            .map_err(db)?;
        Ok(())
    }

    fn team(&mut self, id: TeamId) -> StoreResult<Option<TeamRow>> {
        self.tx
            .query_row(
                "SELECT name FROM teams WHERE id = ?1",
                [id.to_string()],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(db)
            .map(|n| n.map(|name| TeamRow { id, name }))
    }

    fn teams(&mut self) -> StoreResult<Vec<TeamRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT id, name FROM teams ORDER BY name")
            .map_err(db)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        rows.map(|r| {
            let (id, name) = r.map_err(db)?;
            Ok(TeamRow {
                id: TeamId(parse_uuid(&id)?),
                name,
            })
        })
        .collect()
    }

    fn insert_user(&mut self, u: &UserRow) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO users (id, username, display_name, role, team_id, agency, password_hash, active, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    u.id.to_string(),
                    u.username,
                    u.display_name,
                    enum_text(&u.role),
                    u.team.map(|t| t.to_string()),
                    u.agency.as_ref().map(|a| a.0.clone()),
                    u.password_hash,
                    u.active,
                    ts(u.created_at)
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn user(&mut self, id: UserId) -> StoreResult<Option<UserRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))
            .map_err(db)?;
        st.query_row([id.to_string()], user_row)
            .optional()
            .map_err(db)?
            .map(to_user)
            .transpose()
    }

    fn user_by_name(&mut self, username: &str) -> StoreResult<Option<UserRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE username = ?1"
            ))
            .map_err(db)?;
        st.query_row([username], user_row)
            .optional()
            .map_err(db)?
            .map(to_user)
            .transpose()
    }

    fn users(&mut self) -> StoreResult<Vec<UserRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))
            .map_err(db)?;
        let rows = st.query_map([], user_row).map_err(db)?;
        rows.map(|r| to_user(r.map_err(db)?)).collect()
    }

    fn set_password(&mut self, id: UserId, phc: &str) -> StoreResult<bool> {
        let n = self
            .tx
            .execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![id.to_string(), phc],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn set_user_active(&mut self, id: UserId, active: bool) -> StoreResult<bool> {
        let n = self
            .tx
            .execute(
                "UPDATE users SET active = ?2 WHERE id = ?1",
                params![id.to_string(), active],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn insert_enrol_code(
        &mut self,
        code_hash: &[u8; 32],
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO enrol_codes (code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![&code_hash[..], user.to_string(), expires_at.timestamp()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn take_enrol_code(
        &mut self,
        code_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>> {
        let user: Option<String> = self
            .tx
            .query_row(
                "UPDATE enrol_codes SET used_at = ?2
                 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                 RETURNING user_id",
                params![&code_hash[..], now.timestamp()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        user.map(|u| parse_uuid(&u).map(UserId)).transpose()
    }

    fn enrol_code_valid(&mut self, code_hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<bool> {
        let n: i64 = self
            .tx
            .query_row(
                "SELECT count(*) FROM enrol_codes
                 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![&code_hash[..], now.timestamp()],
                |r| r.get(0),
            )
            .map_err(db)?;
        Ok(n > 0)
    }

    fn insert_device(&mut self, d: &DeviceRow) -> StoreResult<()> {
        self.tx
            .execute(
                &format!("INSERT INTO devices ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                params![
                    d.id.to_string(),
                    d.user.to_string(),
                    d.label,
                    d.platform,
                    &d.token_hash[..],
                    ts(d.enrolled_at),
                    d.revoked_at.map(ts)
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> StoreResult<Option<DeviceRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?1"
            ))
            .map_err(db)?;
        st.query_row([&token_hash[..]], device_row)
            .optional()
            .map_err(db)?
            .map(to_device)
            .transpose()
    }

    fn devices(&mut self) -> StoreResult<Vec<DeviceRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices ORDER BY enrolled_at"
            ))
            .map_err(db)?;
        let rows = st.query_map([], device_row).map_err(db)?;
        rows.map(|r| to_device(r.map_err(db)?)).collect()
    }

    fn revoke_device(&mut self, id: DeviceId, at: DateTime<Utc>) -> StoreResult<bool> {
        let n = self
            .tx
            .execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.to_string(), ts(at)],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn insert_session(
        &mut self,
        token_hash: &[u8; 32],
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![&token_hash[..], user.to_string(), expires_at.timestamp()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn session_user(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
            )
            .map_err(db)?;
        let u: Option<String> = st
            .query_row(params![&token_hash[..], now.timestamp()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        u.map(|u| parse_uuid(&u).map(UserId)).transpose()
    }

    fn delete_session(&mut self, token_hash: &[u8; 32]) -> StoreResult<()> {
        self.tx
            .execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                [&token_hash[..]],
            )
            .map_err(db)?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, user: UserId) -> StoreResult<u64> {
        let n = self
            .tx
            .execute(
                "DELETE FROM sessions WHERE user_id = ?1",
                [user.to_string()],
            )
            .map_err(db)?;
        self.tx
            .execute(
                "DELETE FROM pending_logins WHERE user_id = ?1",
                [user.to_string()],
            )
            .map_err(db)?;
        Ok(n as u64)
    }

    fn extend_session(
        &mut self,
        token_hash: &[u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "UPDATE sessions SET expires_at = ?2 WHERE token_hash = ?1 AND expires_at < ?2",
                params![&token_hash[..], expires_at.timestamp()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn insert_pending_login(
        &mut self,
        ticket_hash: &[u8; 32],
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "DELETE FROM pending_logins WHERE expires_at <= ?1",
                [now.timestamp()],
            )
            .map_err(db)?;
        self.tx
            .execute(
                "INSERT INTO pending_logins (ticket_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![&ticket_hash[..], user.to_string(), expires_at.timestamp()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn pending_login(
        &mut self,
        ticket_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(UserId, u32)>> {
        let row: Option<(String, i64)> = self
            .tx
            .query_row(
                "SELECT user_id, failures FROM pending_logins WHERE ticket_hash = ?1 AND expires_at > ?2",
                params![&ticket_hash[..], now.timestamp()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        row.map(|(u, f)| {
            Ok((
                UserId(parse_uuid(&u)?),
                u32::try_from(f).unwrap_or(u32::MAX),
            ))
        })
        .transpose()
    }

    fn fail_pending_login(&mut self, ticket_hash: &[u8; 32]) -> StoreResult<()> {
        self.tx
            .execute(
                "UPDATE pending_logins SET failures = failures + 1 WHERE ticket_hash = ?1",
                [&ticket_hash[..]],
            )
            .map_err(db)?;
        Ok(())
    }

    fn delete_pending_login(&mut self, ticket_hash: &[u8; 32]) -> StoreResult<()> {
        self.tx
            .execute(
                "DELETE FROM pending_logins WHERE ticket_hash = ?1",
                [&ticket_hash[..]],
            )
            .map_err(db)?;
        Ok(())
    }

    fn operations(&mut self, ids: &[OperationId]) -> StoreResult<Vec<OperationRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = json(&ids)?;
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT o.id, o.device_id, o.content_hash, o.seq, o.received_at
                 FROM json_each(?1) AS j CROSS JOIN operations AS o ON o.id = j.value",
            )
            .map_err(db)?;
        let rows = st
            .query_map([list], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (id, d, h, s, at) = r.map_err(db)?;
            Ok(OperationRow {
                id: OperationId(parse_uuid(&id)?),
                device: DeviceId(parse_uuid(&d)?),
                content_hash: hash32(h)?,
                seq: s as u64,
                received_at: parse_ts(&at)?,
            })
        })
        .collect()
    }

    fn insert_operation(&mut self, op: &OperationRow) -> StoreResult<()> {
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO operations (id, device_id, content_hash, seq, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        st.execute(params![
            op.id.to_string(),
            op.device.to_string(),
            &op.content_hash[..],
            op.seq as i64,
            ts(op.received_at)
        ])
        .map_err(db)?;
        Ok(())
    }

    fn person(&mut self, id: PersonId) -> StoreResult<Option<PersonRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body, bases FROM persons WHERE id = ?1")
            .map_err(db)?;
        let row: Option<(String, String)> = st
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db)?;
        row.map(|(b, bases)| {
            Ok(PersonRow {
                snapshot: serde_json::from_str(&b).map_err(corrupt("person"))?,
                bases: serde_json::from_str(&bases).map_err(corrupt("person bases"))?,
            })
        })
        .transpose()
    }

    fn put_person(&mut self, row: &PersonRow) -> StoreResult<()> {
        let p = &row.snapshot.person;
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO persons (id, team_id, body, bases) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET team_id = ?2, body = ?3, bases = ?4",
            )
            .map_err(db)?;
        st.execute(params![
            p.id.to_string(),
            p.team.to_string(),
            json(&row.snapshot)?,
            json(&row.bases)?
        ])
        .map_err(db)?;
        Ok(())
    }

    fn contact(&mut self, id: ContactId) -> StoreResult<Option<ContactRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body, team_id FROM contacts WHERE id = ?1")
            .map_err(db)?;
        let row: Option<(String, String)> = st
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db)?;
        row.map(|(b, t)| {
            Ok(ContactRow {
                log: serde_json::from_str(&b).map_err(corrupt("contact"))?,
                team: TeamId(parse_uuid(&t)?),
            })
        })
        .transpose()
    }

    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.insert_contact_encoded(row, &json(&row.log)?)
    }

    fn insert_contact_encoded(&mut self, row: &ContactRow, body: &str) -> StoreResult<()> {
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO contacts (id, person_id, team_id, revises, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        st.execute(params![
            row.log.id.to_string(),
            row.log.person_id.to_string(),
            row.team.to_string(),
            row.log.revises.map(|r| r.to_string()),
            body
        ])
        .map_err(db)?;
        Ok(())
    }

    fn log_contacts(&mut self, logs: &[ContactWrite<'_>]) -> StoreResult<Vec<u64>> {
        // Three prepared statements, each run once per log: SQLite has no
        // round trips to save, and a multi-row statement of varying length
        // would be parsed again for every batch.
        let mut contact = self
            .tx
            .prepare_cached(
                "INSERT INTO contacts (id, person_id, team_id, revises, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        let mut change = self
            .tx
            .prepare_cached(
                "INSERT INTO changes (kind, entity_id, person_id, team_id, hlc) VALUES ('contact', ?1, ?2, ?3, ?4)",
            )
            .map_err(db)?;
        let mut operation = self
            .tx
            .prepare_cached(
                "INSERT INTO operations (id, device_id, content_hash, seq, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        let mut seqs = Vec::with_capacity(logs.len());
        for w in logs {
            let id = w.row.log.id.to_string();
            let person = w.row.log.person_id.to_string();
            let team = w.row.team.to_string();
            contact
                .execute(params![
                    id,
                    person,
                    team,
                    w.row.log.revises.map(|r| r.to_string()),
                    &*w.body
                ])
                .map_err(db)?;
            change
                .execute(params![id, person, team, w.hlc.to_string()])
                .map_err(db)?;
            let seq = self.tx.last_insert_rowid();
            operation
                .execute(params![
                    w.op.id.to_string(),
                    w.op.device.to_string(),
                    &w.op.content_hash[..],
                    seq,
                    ts(w.op.received_at)
                ])
                .map_err(db)?;
            seqs.push(seq as u64);
        }
        Ok(seqs)
    }

    fn contacts_exist(&mut self, ids: &[ContactId]) -> StoreResult<Vec<ContactId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = json(&ids)?;
        let mut st = self
            .tx
            // CROSS JOIN keeps the short id list as the outer loop: one
            // index probe per id, never a scan of the table.
            .prepare_cached(
                "SELECT c.id FROM json_each(?1) AS j CROSS JOIN contacts AS c ON c.id = j.value",
            )
            .map_err(db)?;
        let rows = st
            .query_map([list], |r| r.get::<_, String>(0))
            .map_err(db)?;
        rows.map(|r| Ok(ContactId(parse_uuid(&r.map_err(db)?)?)))
            .collect()
    }

    fn contact_count(&mut self) -> StoreResult<u64> {
        self.tx
            .query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(db)
    }

    fn put_review(&mut self, team: TeamId, review: &Review) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO reviews (contact_id, team_id, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (contact_id) DO UPDATE SET team_id = ?2, body = ?3",
                params![
                    review.contact_id.to_string(),
                    team.to_string(),
                    json(review)?
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn case(&mut self, id: CaseId) -> StoreResult<Option<CaseRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body, team_id, seq FROM cases WHERE id = ?1")
            .map_err(db)?;
        let row: Option<(String, String, i64)> = st
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(db)?;
        row.map(|(b, t, s)| to_case(&b, &t, s)).transpose()
    }

    fn cases_of_person(&mut self, person: PersonId) -> StoreResult<Vec<CaseRow>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body, team_id, seq FROM cases WHERE person_id = ?1 ORDER BY received_at DESC",
            )
            .map_err(db)?;
        let rows = st
            .query_map([person.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (b, t, s) = r.map_err(db)?;
            to_case(&b, &t, s)
        })
        .collect()
    }

    fn household_cases_of_person(&mut self, person: PersonId) -> StoreResult<Vec<CaseRow>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT c.body, c.team_id, c.seq FROM case_household h JOIN cases c ON c.id = h.case_id
                 WHERE h.person_id = ?1 ORDER BY c.received_at DESC",
            )
            .map_err(db)?;
        let rows = st
            .query_map([person.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (b, t, s) = r.map_err(db)?;
            to_case(&b, &t, s)
        })
        .collect()
    }

    fn cases(&mut self) -> StoreResult<Vec<CaseRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body, team_id, seq FROM cases ORDER BY urgency, received_at")
            .map_err(db)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (b, t, s) = r.map_err(db)?;
            to_case(&b, &t, s)
        })
        .collect()
    }

    fn cases_after(&mut self, cursor: u64, limit: u32) -> StoreResult<Vec<CaseRow>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body, team_id, seq FROM cases WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(db)?;
        let rows = st
            .query_map(params![cursor as i64, limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (b, t, s) = r.map_err(db)?;
            to_case(&b, &t, s)
        })
        .collect()
    }

    fn put_case(&mut self, row: &CaseRow) -> StoreResult<()> {
        let e = &row.item.escalation;
        let urgency = i64::from(urgency_rank(row.item.urgency()));
        self.tx
            .execute(
                "INSERT INTO cases (id, person_id, team_id, urgency, received_at, seq, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET team_id = ?3, urgency = ?4, seq = ?6, body = ?7",
                params![
                    e.case_id.to_string(),
                    e.person_id.to_string(),
                    row.team.to_string(),
                    urgency,
                    ts(e.raised_at),
                    row.seq as i64,
                    json(&row.item)?
                ],
            )
            .map_err(db)?;
        self.tx
            .execute(
                "DELETE FROM case_household WHERE case_id = ?1",
                [e.case_id.to_string()],
            )
            .map_err(db)?;
        for m in &row.item.household {
            self.tx
                .execute(
                    "INSERT OR IGNORE INTO case_household (case_id, person_id) VALUES (?1, ?2)",
                    params![e.case_id.to_string(), m.person_id.to_string()],
                )
                .map_err(db)?;
        }
        Ok(())
    }

    fn insert_case_move(&mut self, mv: &CaseMove) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO case_moves (case_id, body) VALUES (?1, ?2)",
                params![mv.case_id.to_string(), json(mv)?],
            )
            .map_err(db)?;
        Ok(())
    }

    fn visit(&mut self, id: outreach_shared::VisitId) -> StoreResult<Option<VisitRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM visits WHERE id = ?1")
            .map_err(db)?;
        let body: Option<String> = st
            .query_row([id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt("visit")))
            .transpose()
    }

    fn put_visit(&mut self, row: &VisitRow) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO visits (id, team_id, open, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET team_id = ?2, open = ?3, body = ?4",
                params![
                    row.id.to_string(),
                    row.team.to_string(),
                    row.ended_at.is_none(),
                    json(row)?
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn open_visits(&mut self, team: TeamId) -> StoreResult<Vec<VisitRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM visits WHERE team_id = ?1 AND open = 1")
            .map_err(db)?;
        let rows = st
            .query_map([team.to_string()], |r| r.get::<_, String>(0))
            .map_err(db)?;
        let mut out: Vec<VisitRow> = rows
            .map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("visit")))
            .collect::<StoreResult<_>>()?;
        out.sort_by_key(|v| v.started_at);
        Ok(out)
    }

    fn put_resource(&mut self, r: &outreach_shared::LocalResource) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO resources (id, body) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET body = ?2",
                params![r.id.to_string(), json(r)?],
            )
            .map_err(db)?;
        Ok(())
    }

    fn resource(
        &mut self,
        id: outreach_shared::ResourceId,
    ) -> StoreResult<Option<outreach_shared::LocalResource>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM resources WHERE id = ?1")
            .map_err(db)?;
        let body: Option<String> = st
            .query_row([id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt("resource")))
            .transpose()
    }

    fn resources(&mut self) -> StoreResult<Vec<outreach_shared::LocalResource>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM resources")
            .map_err(db)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("resource")))
            .collect()
    }

    fn insert_participation(
        &mut self,
        team: TeamId,
        r: &outreach_shared::ParticipationRecord,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO participation (id, person_id, team_id, recorded_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    r.id.to_string(),
                    r.person_id.to_string(),
                    team.to_string(),
                    r.recorded_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    json(r)?
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn participation(
        &mut self,
        id: outreach_shared::ParticipationId,
    ) -> StoreResult<Option<outreach_shared::ParticipationRecord>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM participation WHERE id = ?1")
            .map_err(db)?;
        let body: Option<String> = st
            .query_row([id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt("participation")))
            .transpose()
    }

    fn insert_narrative(&mut self, n: &outreach_shared::Narrative) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO narratives (viewpoint, period_from, period_to, version, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    n.viewpoint.code(),
                    n.from.to_string(),
                    n.to.to_string(),
                    n.version,
                    json(n)?
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn narratives(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<outreach_shared::Narrative>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body FROM narratives WHERE period_from = ?1 AND period_to = ?2
                 ORDER BY viewpoint, version",
            )
            .map_err(db)?;
        let rows = st
            .query_map(params![from.to_string(), to.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("narrative")))
            .collect()
    }

    fn insert_community_activity(
        &mut self,
        a: &outreach_shared::CommunityActivity,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO community_activities (id, team_id, held_at, body)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    a.id.to_string(),
                    a.team.to_string(),
                    a.held_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    json(a)?
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn insert_excerpt_choice(&mut self, n: &outreach_shared::ExcerptChoice) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO excerpt_choices (viewpoint, period_from, period_to, version, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    n.viewpoint.code(),
                    n.from.to_string(),
                    n.to.to_string(),
                    n.version,
                    json(n)?
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn community_activity(
        &mut self,
        id: outreach_shared::CommunityActivityId,
    ) -> StoreResult<Option<outreach_shared::CommunityActivity>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM community_activities WHERE id = ?1")
            .map_err(db)?;
        let body: Option<String> = st
            .query_row([id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt("community activity")))
            .transpose()
    }

    fn community_activities(
        &mut self,
        team: Option<TeamId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<outreach_shared::CommunityActivity>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body FROM community_activities
                 WHERE held_at >= ?1 AND held_at < ?2 AND (?3 IS NULL OR team_id = ?3)
                 ORDER BY held_at, id",
            )
            .map_err(db)?;
        let t = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let rows = st
            .query_map(params![t(from), t(to), team.map(|t| t.to_string())], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("community activity")))
            .collect()
    }

    fn excerpt_choices(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<outreach_shared::ExcerptChoice>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body FROM excerpt_choices WHERE period_from = ?1 AND period_to = ?2
                 ORDER BY viewpoint, version",
            )
            .map_err(db)?;
        let rows = st
            .query_map(params![from.to_string(), to.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("excerpt choice")))
            .collect()
    }

    fn participation_of(
        &mut self,
        person: PersonId,
    ) -> StoreResult<Vec<outreach_shared::ParticipationRecord>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body FROM participation WHERE person_id = ?1 ORDER BY recorded_at, id",
            )
            .map_err(db)?;
        let rows = st
            .query_map([person.to_string()], |r| r.get::<_, String>(0))
            .map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("participation")))
            .collect()
    }

    fn case_moves(&mut self, case: CaseId) -> StoreResult<Vec<CaseMove>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM case_moves WHERE case_id = ?1 ORDER BY id")
            .map_err(db)?;
        let rows = st
            .query_map([case.to_string()], |r| r.get::<_, String>(0))
            .map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(corrupt("case move")))
            .collect()
    }

    fn insert_conflict(
        &mut self,
        id: uuid::Uuid,
        team: TeamId,
        conflict: &ConflictRecord,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO conflicts (id, team_id, body) VALUES (?1, ?2, ?3)",
                params![id.to_string(), team.to_string(), json(conflict)?],
            )
            .map_err(db)?;
        Ok(())
    }

    fn append_change(&mut self, c: &NewChange) -> StoreResult<u64> {
        let kind = enum_text(&c.kind);
        let entity = c.entity.to_string();
        if c.replace {
            if matches!(c.kind, EntityKind::Contact | EntityKind::Conflict) {
                return Err(StoreError::Corrupt(
                    "only mutable records are replaced".into(),
                ));
            }
            // The index's own WHERE term is repeated so SQLite uses it.
            let mut st = self
                .tx
                .prepare_cached(
                    "DELETE FROM changes
                     WHERE kind IN ('person', 'case', 'review') AND kind = ?1 AND entity_id = ?2",
                )
                .map_err(db)?;
            st.execute(params![kind, entity]).map_err(db)?;
        }
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO changes (kind, entity_id, person_id, team_id, hlc) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        st.execute(params![
            kind,
            entity,
            c.person.to_string(),
            c.team.to_string(),
            c.hlc.to_string()
        ])
        .map_err(db)?;
        Ok(self.tx.last_insert_rowid() as u64)
    }

    fn changes_after(
        &mut self,
        team: Option<TeamId>,
        cursor: u64,
        limit: u32,
    ) -> StoreResult<Vec<ChangeRow>> {
        const BODY: &str = "CASE ch.kind
                WHEN 'person' THEN (SELECT body FROM persons WHERE id = ch.entity_id)
                WHEN 'contact' THEN (SELECT body FROM contacts WHERE id = ch.entity_id)
                WHEN 'review' THEN (SELECT body FROM reviews WHERE contact_id = ch.entity_id)
                WHEN 'case' THEN (SELECT body FROM cases WHERE id = ch.entity_id)
                WHEN 'conflict' THEN (SELECT body FROM conflicts WHERE id = ch.entity_id)
                WHEN 'resource' THEN (SELECT body FROM resources WHERE id = ch.entity_id)
                WHEN 'participation' THEN (SELECT body FROM participation WHERE id = ch.entity_id)
                WHEN 'community_activity' THEN (SELECT body FROM community_activities WHERE id = ch.entity_id)
            END";
        let sql = match team {
            Some(_) => format!(
                "SELECT ch.seq, ch.kind, ch.entity_id, ch.person_id, ch.team_id, ch.hlc, {BODY}
                 FROM changes ch WHERE ch.team_id = ?3 AND ch.seq > ?1 ORDER BY ch.seq LIMIT ?2"
            ),
            None => format!(
                "SELECT ch.seq, ch.kind, ch.entity_id, ch.person_id, ch.team_id, ch.hlc, {BODY}
                 FROM changes ch WHERE ch.seq > ?1 AND ?3 IS NULL ORDER BY ch.seq LIMIT ?2"
            ),
        };
        let mut st = self.tx.prepare_cached(&sql).map_err(db)?;
        type Cols = (i64, String, String, String, String, String, Option<String>);
        let rows = st
            .query_map(
                params![cursor as i64, limit, team.map(|t| t.to_string())],
                |r| -> rusqlite::Result<Cols> {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .map_err(db)?;
        rows.map(|r| {
            let (seq, kind, entity, person, team, hlc, body) = r.map_err(db)?;
            Ok(ChangeRow {
                seq: seq as u64,
                kind: text_enum(&kind)?,
                entity: parse_uuid(&entity)?,
                person: PersonId(parse_uuid(&person)?),
                team: TeamId(parse_uuid(&team)?),
                hlc: hlc
                    .parse()
                    .map_err(|_| StoreError::Corrupt("change hlc".into()))?,
                body,
            })
        })
        .collect()
    }

    fn audit_head(&mut self) -> StoreResult<Option<(u64, String)>> {
        if let Some(h) = &self.audit_head {
            return Ok(Some(h.clone()));
        }
        let mut st = self
            .tx
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .map_err(db)?;
        st.query_row([], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
        })
        .optional()
        .map_err(db)
    }

    fn append_audit(&mut self, e: &AuditRow) -> StoreResult<()> {
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO audit (seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .map_err(db)?;
        st.execute(params![
            e.seq as i64,
            ts(e.at),
            e.actor,
            e.device.map(|d| d.to_string()),
            e.device_hlc.map(|h| h.to_string()),
            e.action,
            e.entity,
            e.basis,
            e.prev_hash,
            e.hash
        ])
        .map_err(db)?;
        self.audit_head = Some((e.seq, e.hash.clone()));
        self.audit_dirty = true;
        Ok(())
    }

    fn audit_entries(&mut self, after: u64, limit: u32) -> StoreResult<Vec<AuditRow>> {
        self.audit_rows(
            "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
             FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![after as i64, limit],
        )
    }

    fn audit_tagged(
        &mut self,
        tag: &AuditTag,
        before: u64,
        limit: u32,
    ) -> StoreResult<Vec<AuditRow>> {
        let before = before.min(i64::MAX as u64) as i64;
        match tag {
            AuditTag::Person(p) => self.audit_rows(
                "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
                 FROM audit
                 WHERE (CASE WHEN instr(entity, 'person:') > 0 THEN substr(entity, instr(entity, 'person:') + 7, 36) END) = ?1
                   AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                params![p.to_string(), before, limit],
            ),
            AuditTag::Case(c) => self.audit_rows(
                "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
                 FROM audit
                 WHERE (CASE WHEN instr(entity, 'case:') > 0 THEN substr(entity, instr(entity, 'case:') + 5, 36) END) = ?1
                   AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                params![c.to_string(), before, limit],
            ),
            AuditTag::Actor(a) => self.audit_rows(
                "SELECT seq, at, actor, device_id, device_hlc, action, entity, basis, prev_hash, hash
                 FROM audit WHERE actor = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                params![a, before, limit],
            ),
        }
    }

    fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(db)?;
        st.query_row([key], |r| r.get(0)).optional().map_err(db)
    }

    fn insert_meeting(
        &mut self,
        id: uuid::Uuid,
        case: CaseId,
        held_on: chrono::NaiveDate,
        body: &str,
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO meetings (id, case_id, held_on, body) VALUES (?1, ?2, ?3, ?4)",
                params![id.to_string(), case.to_string(), held_on.to_string(), body],
            )
            .map_err(db)?;
        Ok(())
    }

    fn meetings_of_case(&mut self, case: CaseId) -> StoreResult<Vec<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM meetings WHERE case_id = ?1 ORDER BY held_on, rowid")
            .map_err(db)?;
        let rows = st
            .query_map(params![case.to_string()], |r| r.get::<_, String>(0))
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn meetings_between(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<String>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT body FROM meetings WHERE held_on >= ?1 AND held_on <= ?2 ORDER BY held_on, rowid",
            )
            .map_err(db)?;
        let rows = st
            .query_map(params![from.to_string(), to.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn meeting(&mut self, id: uuid::Uuid) -> StoreResult<Option<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT body FROM meetings WHERE id = ?1")
            .map_err(db)?;
        st.query_row([id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    fn update_meeting(
        &mut self,
        id: uuid::Uuid,
        held_on: chrono::NaiveDate,
        body: &str,
    ) -> StoreResult<bool> {
        let n = self
            .tx
            .execute(
                "UPDATE meetings SET held_on = ?2, body = ?3 WHERE id = ?1",
                params![id.to_string(), held_on.to_string(), body],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn insert_case_doc(&mut self, d: &CaseDoc) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO case_docs (kind, doc_id, version, case_id, recorded_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    enum_text(&d.kind),
                    d.doc.to_string(),
                    i64::from(d.version),
                    d.case.to_string(),
                    ts(d.recorded_at),
                    d.body
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn case_docs(&mut self, case: CaseId, kind: CaseDocKind) -> StoreResult<Vec<CaseDoc>> {
        let sql = format!(
            "SELECT {DOC_COLS} FROM case_docs WHERE case_id = ?1 AND kind = ?2 ORDER BY rowid"
        );
        let mut st = self.tx.prepare_cached(&sql).map_err(db)?;
        let rows = st
            .query_map(params![case.to_string(), enum_text(&kind)], doc_row)
            .map_err(db)?;
        rows.map(|r| to_doc(r.map_err(db)?)).collect()
    }

    fn doc_versions(&mut self, kind: CaseDocKind, doc: uuid::Uuid) -> StoreResult<Vec<CaseDoc>> {
        let sql = format!(
            "SELECT {DOC_COLS} FROM case_docs WHERE kind = ?1 AND doc_id = ?2 ORDER BY version"
        );
        let mut st = self.tx.prepare_cached(&sql).map_err(db)?;
        let rows = st
            .query_map(params![enum_text(&kind), doc.to_string()], doc_row)
            .map_err(db)?;
        rows.map(|r| to_doc(r.map_err(db)?)).collect()
    }

    fn all_case_docs(&mut self, kind: CaseDocKind) -> StoreResult<Vec<CaseDoc>> {
        let sql = format!("SELECT {DOC_COLS} FROM case_docs WHERE kind = ?1 ORDER BY rowid");
        let mut st = self.tx.prepare_cached(&sql).map_err(db)?;
        let rows = st.query_map([enum_text(&kind)], doc_row).map_err(db)?;
        rows.map(|r| to_doc(r.map_err(db)?)).collect()
    }

    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
            )
            .map_err(db)?;
        st.execute(params![key, value]).map_err(db)?;
        Ok(())
    }

    fn savepoint(&mut self) -> StoreResult<()> {
        self.tx
            .prepare_cached("SAVEPOINT op")
            .and_then(|mut st| st.execute([]))
            .map_err(db)?;
        self.savepoints += 1;
        Ok(())
    }

    fn release_savepoint(&mut self) -> StoreResult<()> {
        self.tx
            .prepare_cached("RELEASE op")
            .and_then(|mut st| st.execute([]))
            .map_err(db)?;
        self.savepoints = self.savepoints.saturating_sub(1);
        Ok(())
    }

    fn rollback_savepoint(&mut self) -> StoreResult<()> {
        self.tx
            .execute_batch("ROLLBACK TO op; RELEASE op")
            .map_err(db)?;
        self.audit_head = None;
        self.savepoints = self.savepoints.saturating_sub(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_cached_pull_query_is_not_prepared_again_for_new_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outreach.db");
        drop(SqliteStore::open(&path, &StoreOptions::default()).unwrap());
        let conn = connect(&path, true).unwrap();
        let sql = "SELECT ch.seq FROM changes ch WHERE ch.team_id = ?3 AND ch.seq > ?1
                   ORDER BY ch.seq LIMIT ?2";
        for cursor in 0..5_i64 {
            let mut st = conn.prepare_cached(sql).unwrap();
            let n = st
                .query_map(
                    params![cursor, 500 + cursor, format!("team-{cursor}")],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                .count();
            assert_eq!(n, 0);
        }
        let st = conn.prepare_cached(sql).unwrap();
        assert_eq!(
            st.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "the statement was parsed and planned again for new values"
        );
    }

    #[test]
    fn the_checkpointer_copies_the_wal_back_once_the_writer_pauses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db").join("outreach.db");
        let store = SqliteStore::open(&path, &StoreOptions::default()).unwrap();
        store.execute_raw("CREATE TABLE filler (b BLOB)").unwrap();
        // One commit of more pages than the threshold: they are in the WAL,
        // not yet in the database file.
        store
            .execute_raw(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})
                 INSERT INTO filler SELECT randomblob(4000) FROM n",
                CHECKPOINT_PAGES + 100
            ))
            .unwrap();
        let copied = u64::try_from(CHECKPOINT_PAGES).unwrap() * 4096;
        let size = || std::fs::metadata(&path).unwrap().len();
        assert!(size() < copied, "checkpointed inside the commit");
        // The writer is quiet now: the checkpointer thread copies them.
        let deadline = Instant::now() + Duration::from_secs(20);
        while size() < copied {
            assert!(
                Instant::now() < deadline,
                "no checkpoint after the writer paused"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
