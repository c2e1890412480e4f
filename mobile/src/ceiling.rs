//! The raw limit of this machine for what the tablet stores, for the
//! benchmarks to print beside the figures it bounds: records serialized,
//! sealed with AES-256-GCM (the store's own sealer, under a throw-away
//! key) and inserted into one SQLite table in **one transaction** at
//! `synchronous = FULL`, with no validation, no outbox and no sync. The app
//! never calls it.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::crypto::{Aad, Sealer};
use crate::error::{Result, StoreError};
use crate::secret::Key32;

/// Seals and inserts `rows` (id, value) into a fresh database at `path`,
/// in one transaction; returns the time from the first serialization to
/// the durable commit. The file is left for the caller to delete.
pub fn seal_and_insert<T: Serialize>(path: &Path, rows: &[(String, T)]) -> Result<Duration> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS sealed (id TEXT PRIMARY KEY, version INTEGER NOT NULL, sealed BLOB NOT NULL)",
    )?;
    let sealer = Sealer::new(&Key32::random()?);
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut insert =
            tx.prepare("INSERT INTO sealed (id, version, sealed) VALUES (?1, 1, ?2)")?;
        for (id, value) in rows {
            let plain =
                zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|_| StoreError::Crypto)?);
            let aad = Aad {
                table: "sealed",
                id,
                version: 1,
                place: &[],
            };
            insert.execute(rusqlite::params![id, sealer.seal(aad, &plain)?])?;
        }
    }
    tx.commit()?;
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_inserts_every_row_in_one_go_and_writes_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ceiling.db");
        let rows: Vec<(String, String)> = (0..100)
            .map(|i| (format!("id-{i}"), format!("架空の記録 {i}")))
            .collect();
        seal_and_insert(&path, &rows).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM sealed", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 100);
        drop(conn);
        let mut bytes = std::fs::read(&path).unwrap();
        if let Ok(wal) = std::fs::read(dir.path().join("ceiling.db-wal")) {
            bytes.extend(wal);
        }
        let needle = "架空の記録".as_bytes();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
}
