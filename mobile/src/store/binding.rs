//! Where a sealed row sits, bound into its seal. Some tables keep clear
//! columns that *place* a sealed record: a contact's person, the revision it
//! corrects, when it happened and whether it is the current revision; the
//! person of a case or a conflict. The store finds rows by them, so they
//! must stay in clear; this module binds their values into the row's
//! associated data (format `record/v2` of `crypto.rs`) and cross-checks the
//! person id decoded from the record, so a row whose place was edited in
//! the file (a contact moved to another person's timeline, an old revision
//! marked current) fails to open and is set aside as damaged, never shown
//! in the wrong place.
//!
//! It also owns the two passes over every sealed row: [`upgrade`], which
//! re-seals rows of a store from before the binding (format 1) at its first
//! unlock, and [`rekey`], which re-seals everything under a new data key
//! when the PIN changes.

use chrono::{DateTime, Utc};
use outreach_shared::protocol::ConflictRecord;
use outreach_shared::{ContactLog, PersonId};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::{get_meta, set_aside, set_meta, ts};
use crate::crypto::{Aad, Sealer};
use crate::error::{Result, StoreError};
use crate::model::{CaseRecord, DamagedRecord};

/// The binding format this build writes, kept in `meta.record_binding`.
/// A store without it has format-1 rows (table, id and version only) until
/// [`upgrade`] runs at its first unlock.
pub(crate) const BINDING_VERSION: &str = "2";
pub(crate) const BINDING_META: &str = "record_binding";

/// The clear columns that place a row of `table`, in the order they are
/// bound. A table that has a `person_id` lists it first.
pub(crate) fn place_columns(table: &str) -> &'static [&'static str] {
    match table {
        "contacts" => &["person_id", "revises", "occurred_at", "current"],
        "cases" | "conflicts" | "participation" => &["person_id"],
        _ => &[],
    }
}

/// The place columns of `table` as SQL (`, person_id, ...`), to follow
/// `id, version, sealed` in a query.
pub(crate) fn place_sql(table: &str, alias: &str) -> String {
    place_columns(table)
        .iter()
        .map(|c| format!(", {alias}{c}"))
        .collect()
}

/// Reads the place columns of `table` from `row`, starting at column
/// `first`, as the text that is bound (NULL is the empty text).
pub(crate) fn place_from_row(
    row: &Row<'_>,
    first: usize,
    table: &str,
) -> rusqlite::Result<Vec<String>> {
    (0..place_columns(table).len())
        .map(|i| {
            Ok(match row.get_ref(first + i)? {
                ValueRef::Null => String::new(),
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Blob(b) => format!("blob:{}", b.len()),
            })
        })
        .collect()
}

/// The place of a contact row.
pub(crate) fn contact_place(c: &ContactLog, current: bool) -> Vec<String> {
    vec![
        c.person_id.to_string(),
        c.revises.map(|r| r.to_string()).unwrap_or_default(),
        ts(c.occurred_at),
        if current { "1" } else { "0" }.to_owned(),
    ]
}

/// Whether a contact opened at `place` ([`contact_place`]) is current.
pub(crate) fn contact_is_current(place: &[String]) -> bool {
    place.get(3).is_none_or(|cur| cur != "0")
}

/// The place of a case or conflict row.
pub(crate) fn person_place(person: PersonId) -> Vec<String> {
    vec![person.to_string()]
}

/// Seals a value for its row and place.
pub(crate) fn seal_at<T: Serialize>(
    sealer: &Sealer,
    table: &str,
    id: &str,
    version: i64,
    place: &[String],
    value: &T,
) -> Result<Vec<u8>> {
    let plain = Zeroizing::new(serde_json::to_vec(value).map_err(|_| StoreError::Encode)?);
    sealer.seal(
        Aad {
            table,
            id,
            version,
            place,
        },
        &plain,
    )
}

#[derive(serde::Deserialize)]
struct PersonOf {
    person_id: PersonId,
}

/// Opens a row's value at its place; `None` when it is damaged: it fails
/// to open (tampered, or its place was edited), does not decode, or names
/// another person than its `person_id` column.
pub(crate) fn open_at<T: DeserializeOwned>(
    sealer: &Sealer,
    table: &str,
    id: &str,
    version: i64,
    place: &[String],
    sealed: &[u8],
) -> Option<T> {
    let plain = sealer
        .open(
            Aad {
                table,
                id,
                version,
                place,
            },
            sealed,
        )
        .ok()?;
    if !person_matches(table, place, &plain) {
        return None;
    }
    serde_json::from_slice(&plain).ok()
}

/// The decoded person id agrees with the clear `person_id` column (for the
/// tables that have one).
fn person_matches(table: &str, place: &[String], plain: &[u8]) -> bool {
    if place_columns(table).first() != Some(&"person_id") {
        return true;
    }
    match serde_json::from_slice::<PersonOf>(plain) {
        Ok(p) => place
            .first()
            .is_some_and(|col| *col == p.person_id.to_string()),
        Err(_) => false,
    }
}

/// Marks a contact current or superseded, re-sealing it for its new place.
/// A row that does not open is set aside.
pub(crate) fn set_current(
    conn: &Connection,
    sealer: &Sealer,
    id: &str,
    current: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = conn
        .query_row(
            &format!(
                "SELECT version, sealed{} FROM contacts WHERE id = ?1",
                place_sql("contacts", "")
            ),
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    place_from_row(r, 2, "contacts")?,
                ))
            },
        )
        .optional()?;
    let Some((version, sealed, place)) = row else {
        return Ok(());
    };
    let want = if current { "1" } else { "0" };
    if place[3] == want {
        return Ok(());
    }
    let Some(c) = open_at::<ContactLog>(sealer, "contacts", id, version, &place, &sealed) else {
        set_aside(conn, "contacts", id, now)?;
        return Ok(());
    };
    let resealed = seal_at(
        sealer,
        "contacts",
        id,
        version,
        &contact_place(&c, current),
        &c,
    )?;
    conn.execute(
        "UPDATE contacts SET current = ?1, sealed = ?2 WHERE id = ?3",
        params![i64::from(current), resealed, id],
    )?;
    Ok(())
}

/// Re-seals the rows of a store from before the binding (format 1) with
/// their place, once, inside the caller's transaction. A row that does not
/// open, or whose clear columns disagree with what it holds (moved to
/// another person, another revision or time), is set aside. Whether a
/// contact is current is worked out again from the revisions.
pub(crate) fn upgrade(
    conn: &Connection,
    sealer: &Sealer,
    now: DateTime<Utc>,
) -> Result<Vec<DamagedRecord>> {
    if get_meta(conn, BINDING_META)?.as_deref() == Some(BINDING_VERSION) {
        return Ok(Vec::new());
    }
    let mut damaged = Vec::new();
    // Contacts: check every row first, then re-seal the good ones with
    // `current` worked out from the revisions that are left.
    let rows: Vec<(String, i64, Vec<u8>, Vec<String>)> = {
        let mut st = conn.prepare(&format!(
            "SELECT id, version, sealed{} FROM contacts",
            place_sql("contacts", "")
        ))?;
        st.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                place_from_row(r, 3, "contacts")?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let mut good = Vec::new();
    for (id, version, sealed, place) in rows {
        let c = super::open_value::<ContactLog>(sealer, "contacts", &id, version, &sealed);
        match c {
            Some(c) if contact_place(&c, true)[..3] == place[..3] => good.push((id, version, c)),
            _ => damaged.extend(set_aside(conn, "contacts", &id, now)?),
        }
    }
    for (id, version, c) in good {
        let superseded: i64 = conn
            .prepare_cached("SELECT count(*) FROM contacts WHERE revises = ?1")?
            .query_row([&id], |r| r.get(0))?;
        let current = superseded == 0;
        let sealed = seal_at(
            sealer,
            "contacts",
            &id,
            version,
            &contact_place(&c, current),
            &c,
        )?;
        conn.execute(
            "UPDATE contacts SET current = ?1, sealed = ?2 WHERE id = ?3",
            params![i64::from(current), sealed, id],
        )?;
    }
    damaged.extend(upgrade_person_rows::<CaseRecord>(
        conn,
        sealer,
        "cases",
        |c| c.person_id,
        now,
    )?);
    damaged.extend(upgrade_person_rows::<ConflictRecord>(
        conn,
        sealer,
        "conflicts",
        |c| c.person_id,
        now,
    )?);
    set_meta(conn, BINDING_META, BINDING_VERSION)?;
    Ok(damaged)
}

fn upgrade_person_rows<T: Serialize + DeserializeOwned>(
    conn: &Connection,
    sealer: &Sealer,
    table: &'static str,
    person: impl Fn(&T) -> PersonId,
    now: DateTime<Utc>,
) -> Result<Vec<DamagedRecord>> {
    let rows: Vec<(String, i64, Vec<u8>, String)> = {
        let mut st = conn.prepare(&format!(
            "SELECT id, version, sealed, person_id FROM {table}"
        ))?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut damaged = Vec::new();
    for (id, version, sealed, column) in rows {
        match super::open_value::<T>(sealer, table, &id, version, &sealed) {
            Some(v) if person(&v).to_string() == column => {
                let sealed = seal_at(sealer, table, &id, version, &person_place(person(&v)), &v)?;
                conn.execute(
                    &format!("UPDATE {table} SET sealed = ?1 WHERE id = ?2"),
                    params![sealed, id],
                )?;
            }
            _ => damaged.extend(set_aside(conn, table, &id, now)?),
        }
    }
    Ok(damaged)
}

/// Re-seals every sealed value of the store from the `old` data key to the
/// `new` one, inside the caller's transaction (the PIN change). A value
/// that does not open under the old key is set aside (a record) or dropped
/// (the server link: enrol again).
pub(crate) fn rekey(
    conn: &Connection,
    old: &Sealer,
    new: &Sealer,
    now: DateTime<Utc>,
) -> Result<Vec<DamagedRecord>> {
    let mut damaged = Vec::new();
    for table in [
        "persons",
        "contacts",
        "cases",
        "conflicts",
        "reviews",
        "outbox",
        "resources",
        "participation",
        "community",
    ] {
        let key = super::key_column(table);
        let rows: Vec<(String, i64, Vec<u8>, Vec<String>)> = {
            let mut st = conn.prepare(&format!(
                "SELECT {key}, version, sealed{} FROM {table}",
                place_sql(table, "")
            ))?;
            st.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    place_from_row(r, 3, table)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        for (id, version, sealed, place) in rows {
            let aad = Aad {
                table,
                id: &id,
                version,
                place: &place,
            };
            let Ok(plain) = old.open(aad, &sealed) else {
                damaged.extend(set_aside(conn, table, &id, now)?);
                continue;
            };
            let resealed = new.seal(aad, &plain)?;
            conn.execute(
                &format!("UPDATE {table} SET sealed = ?1 WHERE {key} = ?2"),
                params![resealed, id],
            )?;
        }
    }
    // The refusals kept beside outbox operations.
    let rejections: Vec<(String, Vec<u8>)> = {
        let mut st =
            conn.prepare("SELECT op_id, rejection FROM outbox WHERE rejection IS NOT NULL")?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (id, sealed) in rejections {
        let aad = Aad {
            table: "outbox.rejection",
            id: &id,
            version: 1,
            place: &[],
        };
        let Ok(plain) = old.open(aad, &sealed) else {
            damaged.extend(set_aside(conn, "outbox", &id, now)?);
            continue;
        };
        conn.execute(
            "UPDATE outbox SET rejection = ?1 WHERE op_id = ?2",
            params![new.seal(aad, &plain)?, id],
        )?;
    }
    super::link::rekey_link(conn, old, new)?;
    super::visits::rekey_open_visit(conn, old, new)?;
    Ok(damaged)
}
