//! The database schema and its migrations. `PRAGMA user_version` holds the
//! version; each migration runs in its own transaction and moves the version
//! by one. Migrations are append-only: never edit one that has shipped.
//!
//! What is in clear here is what is needed to find rows: opaque ids (UUIDs),
//! timestamps, versions and sync bookkeeping. Every name, note, flag, stage
//! and consent lives inside a `sealed` column.

use rusqlite::Connection;

use crate::error::{Result, StoreError};

/// The migrations, in order; index 0 moves from version 0 to 1.
const MIGRATIONS: &[&str] = &[
    // v1: key store, metadata, persons, contact logs, outbox.
    "
    CREATE TABLE keyring (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        kdf         TEXT    NOT NULL,
        m_kib       INTEGER NOT NULL,
        t           INTEGER NOT NULL,
        p           INTEGER NOT NULL,
        salt        BLOB    NOT NULL,
        wrapped_key BLOB,
        wrong_pins  INTEGER NOT NULL DEFAULT 0,
        destroyed_at TEXT
    );
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE persons (
        id         TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        updated_at TEXT    NOT NULL,
        sealed     BLOB    NOT NULL
    );
    CREATE TABLE contacts (
        id          TEXT PRIMARY KEY,
        person_id   TEXT    NOT NULL,
        revises     TEXT,
        occurred_at TEXT    NOT NULL,
        current     INTEGER NOT NULL DEFAULT 1,
        version     INTEGER NOT NULL,
        sealed      BLOB    NOT NULL
    );
    CREATE INDEX contacts_by_person ON contacts (person_id, current, occurred_at);
    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id       TEXT    NOT NULL UNIQUE,
        entity_kind TEXT    NOT NULL,
        created_at  TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        sealed      BLOB    NOT NULL
    );
    ",
    // v2: what comes back from the server, push bookkeeping, damaged records.
    "
    ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN rejected_at TEXT;
    ALTER TABLE outbox ADD COLUMN rejection BLOB;
    CREATE TABLE reviews (
        contact_id TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        updated_at TEXT    NOT NULL,
        sealed     BLOB    NOT NULL
    );
    CREATE TABLE cases (
        id         TEXT PRIMARY KEY,
        person_id  TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        updated_at TEXT    NOT NULL,
        sealed     BLOB    NOT NULL
    );
    CREATE INDEX cases_by_person ON cases (person_id);
    CREATE TABLE conflicts (
        id        TEXT PRIMARY KEY,
        person_id TEXT    NOT NULL,
        seen_at   TEXT    NOT NULL,
        version   INTEGER NOT NULL,
        sealed    BLOB    NOT NULL
    );
    CREATE INDEX conflicts_by_person ON conflicts (person_id);
    CREATE TABLE quarantine (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        table_name  TEXT    NOT NULL,
        record_id   TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        sealed      BLOB    NOT NULL,
        detected_at TEXT    NOT NULL
    );
    ",
    // v3: finding the revision that corrects a contact without a scan.
    "
    CREATE INDEX contacts_by_revises ON contacts (revises) WHERE revises IS NOT NULL;
    ",
    // v4: 参加支援 (issue 18): the 地域資源 catalogue as pulled, and a
    // person's needs, trials and follow-ups (append-only).
    "
    CREATE TABLE resources (
        id         TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        updated_at TEXT    NOT NULL,
        sealed     BLOB    NOT NULL
    );
    CREATE TABLE participation (
        id          TEXT PRIMARY KEY,
        person_id   TEXT    NOT NULL,
        recorded_at TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        sealed      BLOB    NOT NULL
    );
    CREATE INDEX participation_by_person ON participation (person_id, recorded_at);
    ",
    // v5: 地域づくり (issue 18): the team's community activities
    // (append-only, not tied to a person). The protocol minor the pull
    // cursor was built with is kept in `meta.pull_minor` (absent: before
    // 2.3), so an upgraded app pulls again what its older self skipped.
    "
    CREATE TABLE community (
        id       TEXT PRIMARY KEY,
        held_at  TEXT    NOT NULL,
        version  INTEGER NOT NULL,
        sealed   BLOB    NOT NULL
    );
    CREATE INDEX community_by_held ON community (held_at);
    ",
];

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// SQLite's page cache per connection, in KiB.
pub const PAGE_CACHE_KIB: i64 = 16 * 1024;

/// Pages in the WAL before SQLite checkpoints by itself.
pub const WAL_AUTOCHECKPOINT_PAGES: i64 = 8000;

/// The version the database is at.
pub(crate) fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Migrates up to `target` (normally [`LATEST_VERSION`]).
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found = version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    for v in found..target.min(LATEST_VERSION) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Someone else may have migrated meanwhile.
        if version(&tx)? != v {
            continue;
        }
        tx.execute_batch(MIGRATIONS[v as usize])?;
        tx.pragma_update(None, "user_version", v + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Connection settings for every connection to the store.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL: readers never block the writer, and a killed process never
    // corrupts the file. NORMAL: a commit survives the process being killed
    // at any moment; a power cut may lose the last commits, never the file.
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::KeyringCorrupt("the database refused WAL mode"));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Checkpoints (which fsync) are what makes a commit slow now and then:
    // let the WAL grow to ~32 MB before an automatic one, and fold it in
    // when the store locks instead (see `Store::lock`).
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    // Deleted content is overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Sorting and temporary tables stay in memory: no temp files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A page cache (sealed pages only) that holds what a caseload of 500
    // and a timeline read (about 5 MB), instead of SQLite's 2 MB default
    // which makes every caseload read its pages from the OS again.
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_step_by_step_from_empty_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connection::open(dir.path().join("t.db")).unwrap();
        configure(&c).unwrap();
        migrate_to(&mut c, 1).unwrap();
        assert_eq!(version(&c).unwrap(), 1);
        let has = |c: &Connection, t: &str| -> bool {
            c.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1",
                [t],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                == 1
        };
        assert!(has(&c, "persons") && !has(&c, "reviews"));
        migrate_to(&mut c, LATEST_VERSION).unwrap();
        assert_eq!(version(&c).unwrap(), LATEST_VERSION);
        assert!(has(&c, "reviews") && has(&c, "quarantine"));
        migrate_to(&mut c, LATEST_VERSION).unwrap();
        assert_eq!(version(&c).unwrap(), LATEST_VERSION);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connection::open(dir.path().join("t.db")).unwrap();
        c.pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate_to(&mut c, LATEST_VERSION),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }
}
