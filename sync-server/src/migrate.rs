//! `sync-server migrate-store`: moving a SQLite store to PostgreSQL without
//! enrolling the tablets again. Checks the two URLs, verifies the source's
//! audit chain, copies ([`crate::store::copy`]: one transaction, every
//! table compared after), then verifies the audit chain on PostgreSQL. Any
//! failure is an English message naming what to do; nothing is half
//! copied (the target's transaction rolls back, and a target found
//! different after the commit is reported for dropping).

use crate::store::copy::{self, CopyError, CopyReport};
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{DatabaseUrl, StoreError, StoreOptions};

/// What was copied, with the audit entries verified on the target.
#[derive(Debug, Clone)]
pub struct Migrated {
    pub copy: CopyReport,
    pub audit_entries: u64,
}

/// Copies the SQLite store `from` (`sqlite://PATH`) into the empty
/// PostgreSQL database `to` (`postgres://…`).
pub fn migrate_store(from: &str, to: &str, opts: &StoreOptions) -> Result<Migrated, String> {
    let path = match from.parse::<DatabaseUrl>() {
        Ok(DatabaseUrl::Sqlite(p)) => p,
        Ok(DatabaseUrl::Postgres(_)) => {
            return Err("--from must be the SQLite store (sqlite://PATH)".into());
        }
        Err(e) => return Err(format!("--from: {e}")),
    };
    let url = match to.parse::<DatabaseUrl>() {
        Ok(DatabaseUrl::Postgres(u)) => u,
        Ok(DatabaseUrl::Sqlite(_)) => {
            return Err("--to must be the new PostgreSQL database (postgres://…)".into());
        }
        Err(e) => return Err(format!("--to: {e}")),
    };
    if !path.is_file() {
        return Err(format!(
            "no SQLite database at {} (--from); nothing was copied",
            path.display()
        ));
    }
    // Opening brings an older file to the current schema (as starting the
    // server would), so both sides have the same tables.
    let source = SqliteStore::open(&path, opts).map_err(|e| format!("the SQLite source: {e}"))?;
    let source_entries = crate::audit::verify(&source).map_err(|e| {
        format!("the SQLite store's audit chain does not verify ({e}); nothing was copied. Find out why first (sync-server audit verify)")
    })?;
    drop(source);
    let target = PgStore::open(&url, opts).map_err(|e| format!("the PostgreSQL target: {e}"))?;
    let report = copy::sqlite_to_postgres(&path, &target).map_err(|e| match e {
        CopyError::Store(StoreError::Saturated) => {
            "the PostgreSQL target: no connection came free; try again".to_string()
        }
        other => other.to_string(),
    })?;
    let entries = crate::audit::verify(&target).map_err(|e| {
        format!(
            "AUDIT CHAIN BROKEN on PostgreSQL after the copy ({e}); do not start the server on it: drop the database and run migrate-store again"
        )
    })?;
    if entries != source_entries {
        return Err(format!(
            "AUDIT CHAIN BROKEN on PostgreSQL after the copy ({entries} entries verified, the SQLite store has {source_entries}); do not start the server on it: drop the database and run migrate-store again"
        ));
    }
    Ok(Migrated {
        copy: report,
        audit_entries: entries,
    })
}
