//! Copying a SQLite store into an empty PostgreSQL database, every table
//! row for row (`sync-server migrate-store`, the day a city outgrows one
//! machine).
//!
//! What it keeps, so tablets sync on without enrolling again: change
//! numbers (the `changes_seq` sequence is set past the highest number the
//! SQLite file ever gave, deleted ones included, so no tablet's cursor is
//! ever behind a new change), operation ids (a push retried after the move
//! is still a duplicate), device tokens and sessions (their hashes), the
//! audit chain and its recorded head, meeting and document order.
//!
//! The source is read in one read transaction (a consistent snapshot); the
//! target is written in one transaction that first takes the cluster-wide
//! write lock without waiting (a running instance is refused) and refuses a
//! target that holds any row. After the commit every table of the target is
//! read back and compared with the source by count and by a digest of its
//! rows. The caller verifies the audit chain on both sides
//! (`crate::migrate`). The SQL of both backends' tables is named here once
//! more, in [`TABLES`]; a test compares it with the schema.

use super::postgres::{PgStore, WRITE_LOCK, block_on};
use super::{SCHEMA_VERSION_KEY, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;
use tokio_postgres::types::ToSql;

use Kind::*;
pub use tables::{Column, Kind, TABLES, Table};

mod tables;

/// One value of one column, the same whichever backend it was read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Val {
    Null,
    Text(String),
    Uuid(uuid::Uuid),
    Bytes(Vec<u8>),
    Time(DateTime<Utc>),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
}

impl Val {
    /// The value as a parameter of the PostgreSQL column of `kind`.
    fn param(&self, kind: Kind) -> StoreResult<Box<dyn ToSql + Sync + Send>> {
        Ok(match (self, kind) {
            (Val::Null, Text) => Box::new(None::<String>),
            (Val::Null, Uuid) => Box::new(None::<uuid::Uuid>),
            (Val::Null, Bytes) => Box::new(None::<Vec<u8>>),
            (Val::Null, Time | Epoch) => Box::new(None::<DateTime<Utc>>),
            (Val::Null, Int8) => Box::new(None::<i64>),
            (Val::Null, Int4) => Box::new(None::<i32>),
            (Val::Null, Bool) => Box::new(None::<bool>),
            (Val::Null, Date) => Box::new(None::<NaiveDate>),
            (Val::Text(s), Text) => Box::new(s.clone()),
            (Val::Uuid(u), Uuid) => Box::new(*u),
            (Val::Bytes(b), Bytes) => Box::new(b.clone()),
            (Val::Time(t), Time | Epoch) => Box::new(*t),
            (Val::Int(i), Int8) => Box::new(*i),
            (Val::Int(i), Int4) => Box::new(
                i32::try_from(*i)
                    .map_err(|_| StoreError::Corrupt("integer out of range".into()))?,
            ),
            (Val::Bool(b), Bool) => Box::new(*b),
            (Val::Date(d), Date) => Box::new(*d),
            _ => return Err(StoreError::Corrupt("a value of the wrong type".into())),
        })
    }

    /// A stable encoding for the table's digest.
    fn encode(&self, out: &mut Vec<u8>) {
        let s = match self {
            Val::Null => "N".to_owned(),
            Val::Text(s) => format!("T{}:{s}", s.len()),
            Val::Uuid(u) => format!("U{u}"),
            Val::Bytes(b) => format!("B{}", crate::crypto::hex(b)),
            Val::Time(t) => format!("D{}", t.timestamp_micros()),
            Val::Int(i) => format!("I{i}"),
            Val::Bool(b) => format!("O{b}"),
            Val::Date(d) => format!("A{d}"),
        };
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }
}

/// Rows of a table read from SQLite, converted to [`Val`]s (where the
/// stored text does not parse as its kind: `Corrupt`, naming the table and
/// column, never the value).
fn sqlite_val(table: &str, col: &Column, v: rusqlite::types::ValueRef<'_>) -> StoreResult<Val> {
    use rusqlite::types::ValueRef as R;
    let (name, kind, nullable) = *col;
    let bad = || StoreError::Corrupt(format!("{table}.{name} does not hold a {kind:?} value"));
    let text = |b: &[u8]| std::str::from_utf8(b).map(str::to_owned).map_err(|_| bad());
    Ok(match (v, kind) {
        (R::Null, _) if nullable => Val::Null,
        (R::Null, _) => return Err(bad()),
        (R::Text(b), Text) => Val::Text(text(b)?),
        (R::Text(b), Uuid) => Val::Uuid(uuid::Uuid::parse_str(&text(b)?).map_err(|_| bad())?),
        (R::Blob(b), Bytes) => Val::Bytes(b.to_vec()),
        (R::Text(b), Time) => Val::Time(
            DateTime::parse_from_rfc3339(&text(b)?)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        ),
        (R::Integer(i), Epoch) => Val::Time(DateTime::from_timestamp(i, 0).ok_or_else(bad)?),
        (R::Integer(i), Int8 | Int4) => Val::Int(i),
        (R::Integer(i), Bool) => Val::Bool(i != 0),
        (R::Text(b), Date) => {
            Val::Date(NaiveDate::parse_from_str(&text(b)?, "%Y-%m-%d").map_err(|_| bad())?)
        }
        _ => return Err(bad()),
    })
}

fn pg_val(table: &str, col: &Column, row: &tokio_postgres::Row, i: usize) -> StoreResult<Val> {
    let (name, kind, _) = *col;
    let bad = |_| StoreError::Corrupt(format!("{table}.{name} on PostgreSQL"));
    Ok(match kind {
        Text => row
            .try_get::<_, Option<String>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Text),
        Uuid => row
            .try_get::<_, Option<uuid::Uuid>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Uuid),
        Bytes => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Bytes),
        Time | Epoch => row
            .try_get::<_, Option<DateTime<Utc>>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Time),
        Int8 => row
            .try_get::<_, Option<i64>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Int),
        Int4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(bad)?
            .map_or(Val::Null, |v| Val::Int(i64::from(v))),
        Bool => row
            .try_get::<_, Option<bool>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Bool),
        Date => row
            .try_get::<_, Option<NaiveDate>>(i)
            .map_err(bad)?
            .map_or(Val::Null, Val::Date),
    })
}

/// An order-independent digest of a table's rows: the wrapping sum of the
/// SHA-256 of each row (a table's primary key keeps its rows distinct).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Digest(u128);

impl Digest {
    fn add(&mut self, row: &[Val]) {
        let mut buf = Vec::new();
        for v in row {
            v.encode(&mut buf);
        }
        let h = crate::crypto::sha256(&buf);
        let mut first = [0u8; 16];
        first.copy_from_slice(&h[..16]);
        self.0 = self.0.wrapping_add(u128::from_be_bytes(first));
    }
}

/// What was copied: rows per table, in copy order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<(&'static str, u64)>,
    /// The number the next change on PostgreSQL gets at the earliest.
    pub next_change: u64,
}

/// Every table's rows, by table name, in copy order.
pub type Contents = Vec<(&'static str, Vec<Vec<Val>>)>;

/// Every row of every table of a SQLite file, as [`Val`]s in `rowid`
/// order (tests compare both sides with it).
pub fn read_sqlite(path: &Path) -> StoreResult<Contents> {
    let conn = open_source(path)?;
    let mut out = Vec::new();
    for t in TABLES {
        let mut rows = Vec::new();
        sqlite_rows(&conn, t, &mut |r| {
            rows.push(r);
            Ok(())
        })?;
        out.push((t.name, rows));
    }
    Ok(out)
}

/// Every row of every table of a PostgreSQL store, as [`Val`]s.
pub fn read_postgres(store: &PgStore) -> StoreResult<Contents> {
    let mut lease = store.checkout()?;
    let client = &lease.conn().client;
    let mut out = Vec::new();
    for t in TABLES {
        out.push((t.name, pg_rows(client, t)?));
    }
    Ok(out)
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(format!("the SQLite source: {e}"))
}

fn pgerr(what: &str) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
    move |e| match e.as_db_error() {
        Some(d) => StoreError::Database(format!(
            "{what}: postgres {}: {}",
            d.code().code(),
            d.message()
        )),
        None => StoreError::Database(format!("{what}: {e}")),
    }
}

fn open_source(path: &Path) -> StoreResult<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(db)?;
    Ok(conn)
}

fn column_list(t: &Table) -> String {
    t.columns.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
}

fn sqlite_rows(
    conn: &rusqlite::Connection,
    t: &Table,
    each: &mut dyn FnMut(Vec<Val>) -> StoreResult<()>,
) -> StoreResult<()> {
    // `operations` is WITHOUT ROWID: its key order.
    let order = if t.name == "operations" {
        "id"
    } else {
        "rowid"
    };
    let sql = format!("SELECT {} FROM {} ORDER BY {order}", column_list(t), t.name);
    let mut stmt = conn.prepare(&sql).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    while let Some(r) = rows.next().map_err(db)? {
        let mut vals = Vec::with_capacity(t.columns.len());
        for (i, c) in t.columns.iter().enumerate() {
            vals.push(sqlite_val(t.name, c, r.get_ref(i).map_err(db)?)?);
        }
        each(vals)?;
    }
    Ok(())
}

fn pg_rows(client: &tokio_postgres::Client, t: &Table) -> StoreResult<Vec<Vec<Val>>> {
    let sql = format!("SELECT {} FROM {}", column_list(t), t.name);
    let rows = block_on(client.query(&sql, &[])).map_err(pgerr(t.name))?;
    rows.iter()
        .map(|r| {
            t.columns
                .iter()
                .enumerate()
                .map(|(i, c)| pg_val(t.name, c, r, i))
                .collect()
        })
        .collect()
}

/// A failure of the copy that the operator must act on.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the target database is not empty (table {0} has rows): migrate-store copies only into a new, empty database. Create one (createdb) and give its URL; nothing was written"
    )]
    TargetNotEmpty(&'static str),
    #[error(
        "a sync-server instance is writing to the target database: stop every instance on it first; nothing was written"
    )]
    TargetInUse,
    #[error(
        "after the copy, table {0} on PostgreSQL differs from the SQLite file ({1}); do not start the server on it: drop the database and run migrate-store again"
    )]
    Mismatch(&'static str, String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Copies every table of the SQLite file at `source` into `target` (open,
/// migrated, and expected empty) in one transaction, then compares every
/// table of the target with the source. The SQLite file is only read.
pub fn sqlite_to_postgres(source: &Path, target: &PgStore) -> Result<CopyReport, CopyError> {
    let src = open_source(source)?;
    // One snapshot of the source for the whole copy.
    src.execute_batch("BEGIN").map_err(db)?;
    let mut lease = target.checkout()?;
    let client = &lease.conn().client;
    let result = copy_in_tx(&src, client);
    if result.is_err() {
        let _ = block_on(client.batch_execute("ROLLBACK"));
    }
    let (report, digests) = result?;
    drop(lease);
    // Read back what was committed and compare, table by table.
    let mut lease = target.checkout()?;
    let client = &lease.conn().client;
    for (t, (count, digest)) in TABLES.iter().zip(digests) {
        let rows = pg_rows(client, t)?;
        let mut d = Digest::default();
        for r in &rows {
            d.add(r);
        }
        if rows.len() as u64 != count {
            return Err(CopyError::Mismatch(
                t.name,
                format!("{} rows, not {count}", rows.len()),
            ));
        }
        if d != digest {
            return Err(CopyError::Mismatch(
                t.name,
                "the rows' contents differ".into(),
            ));
        }
    }
    let _ = src.execute_batch("COMMIT");
    Ok(report)
}

type Copied = (CopyReport, Vec<(u64, Digest)>);

fn copy_in_tx(
    src: &rusqlite::Connection,
    client: &tokio_postgres::Client,
) -> Result<Copied, CopyError> {
    block_on(client.batch_execute("BEGIN")).map_err(pgerr("BEGIN"))?;
    let locked: bool =
        block_on(client.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&WRITE_LOCK]))
            .map_err(pgerr("the write lock"))?
            .get(0);
    if !locked {
        return Err(CopyError::TargetInUse);
    }
    for t in TABLES {
        let sql = if t.name == "meta" {
            format!("SELECT EXISTS (SELECT 1 FROM meta WHERE key <> '{SCHEMA_VERSION_KEY}')")
        } else {
            format!("SELECT EXISTS (SELECT 1 FROM {})", t.name)
        };
        let any: bool = block_on(client.query_one(&sql, &[]))
            .map_err(pgerr(t.name))?
            .get(0);
        if any {
            return Err(CopyError::TargetNotEmpty(t.name));
        }
    }
    let mut report = CopyReport::default();
    let mut digests = Vec::new();
    for t in TABLES {
        let cols = column_list(t);
        let marks = (1..=t.columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let overriding = if t.identity.is_some() {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        // The target's schema version stays its own: the same row, as both
        // stores are at SCHEMA_STEPS once opened.
        let conflict = if t.name == "meta" {
            " ON CONFLICT (key) DO NOTHING"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO {} ({cols}){overriding} VALUES ({marks}){conflict}",
            t.name
        );
        let stmt = block_on(client.prepare(&sql)).map_err(pgerr(t.name))?;
        let mut count = 0u64;
        let mut digest = Digest::default();
        sqlite_rows(src, t, &mut |row| {
            let params = row
                .iter()
                .zip(t.columns)
                .map(|(v, c)| v.param(c.1))
                .collect::<StoreResult<Vec<_>>>()?;
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            block_on(client.execute(&stmt, &refs)).map_err(pgerr(t.name))?;
            count += 1;
            digest.add(&row);
            Ok(())
        })?;
        report.tables.push((t.name, count));
        digests.push((count, digest));
    }
    // Sequences past everything the SQLite file ever numbered (AUTOINCREMENT
    // remembers numbers of deleted rows in sqlite_sequence).
    let highest = |table: &str, col: &str| -> StoreResult<i64> {
        let kept: i64 = src
            .query_row(
                &format!("SELECT COALESCE(MAX({col}), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        let given: i64 = src
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap_or(0);
        Ok(kept.max(given))
    };
    let changes = highest("changes", "seq")?;
    if changes > 0 {
        block_on(client.execute("SELECT setval('changes_seq', $1)", &[&changes]))
            .map_err(pgerr("changes_seq"))?;
    }
    let moves = highest("case_moves", "id")?;
    if moves > 0 {
        block_on(client.execute(
            "SELECT setval(pg_get_serial_sequence('case_moves', 'id'), $1)",
            &[&moves],
        ))
        .map_err(pgerr("case_moves"))?;
    }
    report.next_change = u64::try_from(changes).unwrap_or(0) + 1;
    block_on(client.batch_execute("COMMIT")).map_err(pgerr("COMMIT"))?;
    Ok((report, digests))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_the_wrong_kind_are_refused_without_the_value() {
        use rusqlite::types::ValueRef;
        let col: Column = ("id", Uuid, false);
        let e = sqlite_val("persons", &col, ValueRef::Text(b"not-a-uuid")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("persons.id"), "{msg}");
        assert!(!msg.contains("not-a-uuid"), "{msg}");
        assert!(sqlite_val("persons", &col, ValueRef::Null).is_err());
        let when: Column = ("expires_at", Epoch, false);
        assert_eq!(
            sqlite_val("sessions", &when, ValueRef::Integer(4_102_444_800)).unwrap(),
            Val::Time(DateTime::from_timestamp(4_102_444_800, 0).unwrap())
        );
    }
}
