//! What the sync client (issue 5) needs from the store: the outbox in order,
//! acknowledgement and rejection of operations, applying pulled pages in one
//! transaction each, and the pull cursor.

use chrono::{DateTime, Utc};
use outreach_shared::merge;
use outreach_shared::protocol::{
    Change, ChangeBody, ConflictRecord, EntityKind, Operation, PersonField, PullResponse, Rejection,
};
use outreach_shared::*;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::records::{person_fields, read_one, write_case, write_contact, write_person};
use super::{Store, get_meta, open_value, parse_ts, seal_value, set_meta, ts, unix_ms};
use crate::crypto::{Sealer, random_array};
use crate::error::{RecordKind, Result, StoreError};
use crate::model::*;

impl Store {
    /// How many operations wait to be pushed. Needs no key.
    pub fn outbox_status(&self) -> Result<OutboxStatus> {
        let (pending, rejected, oldest): (i64, i64, Option<String>) = self.conn.query_row(
            "SELECT count(*), count(rejected_at), min(created_at) FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(OutboxStatus {
            pending: pending as u64,
            rejected: rejected as u64,
            oldest_created_at: oldest.as_deref().and_then(parse_ts),
        })
    }

    /// The next operations to push, oldest first, without the rejected ones
    /// (those wait for the worker: see [`Store::outbox_rejected`]).
    pub fn outbox_batch(&mut self, limit: usize) -> Result<Listing<OutboxEntry>> {
        self.outbox_entries(false, 0, limit)
    }

    /// [`Store::outbox_batch`] of the operations queued after `seq` (an
    /// [`OutboxEntry::seq`]): the next batch while an earlier one is still
    /// on its way to the server.
    pub fn outbox_batch_after(&mut self, seq: i64, limit: usize) -> Result<Listing<OutboxEntry>> {
        self.outbox_entries(false, seq, limit)
    }

    /// The operations the server refused, with its reasons.
    pub fn outbox_rejected(&mut self) -> Result<Listing<OutboxEntry>> {
        self.outbox_entries(true, 0, usize::MAX)
    }

    fn outbox_entries(
        &mut self,
        rejected: bool,
        after: i64,
        limit: usize,
    ) -> Result<Listing<OutboxEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut found = Vec::new();
        let mut items = Vec::new();
        {
            let (conn, sealer) = self.unlocked_parts()?;
            let sql = if rejected {
                "SELECT seq, op_id, version, sealed, created_at, attempts, rejection FROM outbox
                 WHERE rejected_at IS NOT NULL AND seq > ?2 ORDER BY seq LIMIT ?1"
            } else {
                "SELECT seq, op_id, version, sealed, created_at, attempts, rejection FROM outbox
                 WHERE rejected_at IS NULL AND seq > ?2 ORDER BY seq LIMIT ?1"
            };
            let mut st = conn.prepare_cached(sql)?;
            let mut rows = st.query([limit, after])?;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let id: String = r.get(1)?;
                let version: i64 = r.get(2)?;
                let sealed: Vec<u8> = r.get(3)?;
                let created: String = r.get(4)?;
                let attempts: i64 = r.get(5)?;
                let rejection: Option<Vec<u8>> = r.get(6)?;
                let Some(op) = open_value::<Operation>(sealer, "outbox", &id, version, &sealed)
                else {
                    found.push(("outbox", id));
                    continue;
                };
                let rejection = rejection
                    .and_then(|b| open_value::<Rejection>(sealer, "outbox.rejection", &id, 1, &b));
                items.push(OutboxEntry {
                    seq,
                    op,
                    created_at: parse_ts(&created).unwrap_or_default(),
                    attempts: attempts.max(0) as u32,
                    rejection,
                });
            }
        }
        let damaged = self.set_aside_all(found)?;
        Ok(Listing { items, damaged })
    }

    /// Notes that these operations were sent (for backoff and support).
    pub fn note_push_attempt(&mut self, ids: &[OperationId]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut st =
                tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE op_id = ?1")?;
            for id in ids {
                st.execute([id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes operations the server acknowledged (applied or duplicate).
    /// Returns how many were removed; unknown ids are ignored (a repeated
    /// acknowledgement is harmless).
    pub fn acknowledge(&mut self, ids: &[OperationId]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut st = tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?;
            for id in ids {
                n += st.execute([id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Records the server's refusal of an operation. The operation stays in
    /// the outbox, set apart from the next batches, with the reason (sealed:
    /// it may quote the record).
    pub fn record_rejection(&mut self, id: OperationId, rejection: &Rejection) -> Result<()> {
        let now = self.now();
        let key = id.to_string();
        let (conn, sealer) = self.unlocked_parts()?;
        let sealed = seal_value(sealer, "outbox.rejection", &key, 1, rejection)?;
        let n = conn.execute(
            "UPDATE outbox SET rejected_at = ?1, rejection = ?2 WHERE op_id = ?3",
            params![ts(now), sealed, key],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: RecordKind::OutboxOperation,
                id: key,
            });
        }
        Ok(())
    }

    /// Puts a rejected operation back in line (after the worker fixed the
    /// cause), or drops it when `discard` (the worker gave it up).
    pub fn resolve_rejection(&mut self, id: OperationId, discard: bool) -> Result<()> {
        let key = id.to_string();
        let n = if discard {
            self.conn.execute(
                "DELETE FROM outbox WHERE op_id = ?1 AND rejected_at IS NOT NULL",
                [&key],
            )?
        } else {
            self.conn.execute(
                "UPDATE outbox SET rejected_at = NULL, rejection = NULL WHERE op_id = ?1",
                [&key],
            )?
        };
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: RecordKind::OutboxOperation,
                id: key,
            });
        }
        Ok(())
    }

    /// The server sequence number after which the next pull starts.
    pub fn pull_cursor(&self) -> Result<u64> {
        Ok(get_meta(&self.conn, "pull_cursor")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Where the next pull starts for an app that speaks protocol minor
    /// `minor`. The cursor remembers the minor it was built with
    /// (`meta.pull_minor`; absent: before 2.3): an older app's pull skipped
    /// the kinds of change it could not read while its cursor moved past
    /// them, so when the app's minor is newer the pull starts again from
    /// the beginning and everything is applied again (idempotent: persons
    /// merge by HLC, append-only records are kept once, the rest is
    /// replaced by the server's current copy). Kept conflicts up to the old
    /// cursor were shown already and are not stored twice
    /// (`meta.repull_until`).
    pub fn begin_pull(&mut self, minor: u16) -> Result<u64> {
        let cursor = self.pull_cursor()?;
        let built: u16 = get_meta(&self.conn, "pull_minor")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if built >= minor {
            return Ok(cursor);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if cursor > 0 {
            let until: u64 = get_meta(&tx, "repull_until")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            set_meta(&tx, "repull_until", &cursor.max(until).to_string())?;
        }
        set_meta(&tx, "pull_cursor", "0")?;
        set_meta(&tx, "pull_minor", &minor.to_string())?;
        tx.commit()?;
        Ok(0)
    }

    /// Applies one pulled page in one transaction, and stores its
    /// `next_cursor` in the same transaction: a page is applied whole or not
    /// at all, and a cut between pages resumes at the right place.
    ///
    /// Persons merge field by field: a field this device changed later than
    /// the server's version (a change still in the outbox) keeps its local
    /// value; otherwise the server's value is taken.
    pub fn apply_pull_page(&mut self, page: &PullResponse) -> Result<PullApplied> {
        let now = self.now();
        let physical = unix_ms(now);
        for ch in &page.changes {
            // Take the server's clock in; a timestamp too far ahead is
            // refused by the HLC and simply not observed.
            let _ = self.hlc.observe(ch.hlc, physical);
        }
        let hlc_last = self.hlc.last();
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = PullApplied::default();
        // A pull again after an upgrade (see `begin_pull`): conflicts up to
        // the old cursor were stored the first time.
        let seen_until: u64 = get_meta(&tx, "repull_until")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for ch in &page.changes {
            if ch.seq <= seen_until && matches!(ch.body, ChangeBody::Conflict(_)) {
                continue;
            }
            apply_change(&tx, sealer, ch, now, &mut report)?;
        }
        set_meta(&tx, "pull_cursor", &page.next_cursor.to_string())?;
        set_meta(&tx, "hlc_last", &hlc_last.to_string())?;
        tx.commit()?;
        report.cursor = page.next_cursor;
        Ok(report)
    }
}

fn apply_change(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    ch: &Change,
    now: DateTime<Utc>,
    report: &mut PullApplied,
) -> Result<()> {
    let id = ch.entity.id.to_string();
    match &ch.body {
        ChangeBody::Person(snap) => {
            let local = match read_one::<PersonRecord>(tx, sealer, "persons", &id, now) {
                Ok(v) => v,
                // A damaged local copy was set aside: the server's heals it.
                Err(StoreError::Damaged { .. }) => None,
                Err(e) => return Err(e),
            };
            let (rec, version) = match local {
                None => (
                    PersonRecord {
                        person: snap.person.clone(),
                        versions: snap.versions.clone(),
                        server: Some(snap.clone()),
                    },
                    1,
                ),
                Some((mut rec, version)) => {
                    merge_snapshot(&mut rec, snap, report);
                    (rec, version + 1)
                }
            };
            write_person(tx, sealer, &rec, version, now)?;
        }
        ChangeBody::Contact(c) => {
            let exists: i64 = tx.query_row(
                "SELECT count(*) FROM contacts WHERE id = ?1",
                [c.id.to_string()],
                |r| r.get(0),
            )?;
            // Append-only: a contact once stored never changes.
            if exists == 0 {
                write_contact(tx, sealer, c, now)?;
            }
        }
        ChangeBody::Review(r) => {
            let key = r.contact_id.to_string();
            let version: i64 = tx
                .query_row(
                    "SELECT version FROM reviews WHERE contact_id = ?1",
                    [&key],
                    |x| x.get(0),
                )
                .optional()?
                .unwrap_or(0)
                + 1;
            let sealed = seal_value(sealer, "reviews", &key, version, r)?;
            tx.execute(
                "INSERT INTO reviews (contact_id, version, updated_at, sealed) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (contact_id) DO UPDATE SET version = excluded.version,
                     updated_at = excluded.updated_at, sealed = excluded.sealed",
                params![key, version, ts(now), sealed],
            )?;
        }
        ChangeBody::Case(view) => {
            let key = view.case_id.to_string();
            let existing = match read_one::<CaseRecord>(tx, sealer, "cases", &key, now) {
                Ok(v) => v,
                Err(StoreError::Damaged { .. }) => None,
                Err(e) => return Err(e),
            };
            let (rec, version) = match existing {
                Some((mut rec, v)) => {
                    rec.status = Some(view.clone());
                    (rec, v + 1)
                }
                None => (
                    CaseRecord {
                        case_id: view.case_id,
                        person_id: view.person_id,
                        escalation: None,
                        status: Some(view.clone()),
                    },
                    1,
                ),
            };
            write_case(tx, sealer, &rec, version, now)?;
            // An escalation this tablet raised while the person's case was
            // open was folded into that case: it gets the case's outcome.
            for id in &view.followups {
                let raised = match read_one::<CaseRecord>(tx, sealer, "cases", &id.to_string(), now)
                {
                    Ok(v) => v,
                    Err(StoreError::Damaged { .. }) => None,
                    Err(e) => return Err(e),
                };
                if let Some((mut raised, v)) = raised {
                    raised.status = Some(view.clone());
                    write_case(tx, sealer, &raised, v + 1, now)?;
                }
            }
        }
        ChangeBody::Conflict(c) => {
            store_conflict(tx, sealer, c, now)?;
            report.conflicts += 1;
        }
        ChangeBody::Resource(r) => super::participation::put_resource(tx, sealer, r, now)?,
        ChangeBody::Participation(r) => {
            super::participation::put_participation(tx, sealer, r)?;
        }
        ChangeBody::CommunityActivity(a) => {
            super::community::put_activity(tx, sealer, a)?;
        }
        ChangeBody::Gone => {
            match ch.entity.kind {
                EntityKind::Person => {
                    tx.execute(
                        "DELETE FROM reviews WHERE contact_id IN (SELECT id FROM contacts WHERE person_id = ?1)",
                        [&id],
                    )?;
                    tx.execute("DELETE FROM contacts WHERE person_id = ?1", [&id])?;
                    tx.execute("DELETE FROM cases WHERE person_id = ?1", [&id])?;
                    tx.execute("DELETE FROM conflicts WHERE person_id = ?1", [&id])?;
                    tx.execute("DELETE FROM participation WHERE person_id = ?1", [&id])?;
                    tx.execute("DELETE FROM persons WHERE id = ?1", [&id])?;
                }
                EntityKind::Contact => {
                    tx.execute("DELETE FROM reviews WHERE contact_id = ?1", [&id])?;
                    tx.execute("DELETE FROM contacts WHERE id = ?1", [&id])?;
                }
                EntityKind::Case => {
                    tx.execute("DELETE FROM cases WHERE id = ?1", [&id])?;
                }
                EntityKind::Review => {
                    tx.execute("DELETE FROM reviews WHERE contact_id = ?1", [&id])?;
                }
                EntityKind::Conflict => {
                    tx.execute("DELETE FROM conflicts WHERE id = ?1", [&id])?;
                }
                // Never pulled: visits stay on the server.
                EntityKind::Visit => {}
                EntityKind::Resource => {
                    tx.execute("DELETE FROM resources WHERE id = ?1", [&id])?;
                }
                EntityKind::Participation => {
                    tx.execute("DELETE FROM participation WHERE id = ?1", [&id])?;
                }
                EntityKind::CommunityActivity => {
                    tx.execute("DELETE FROM community WHERE id = ?1", [&id])?;
                }
            }
            report.gone += 1;
        }
    }
    report.applied += 1;
    Ok(())
}

fn store_conflict(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    c: &ConflictRecord,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = uuid::Builder::from_random_bytes(random_array()?)
        .into_uuid()
        .to_string();
    let sealed = super::binding::seal_at(
        sealer,
        "conflicts",
        &id,
        1,
        &super::binding::person_place(c.person_id),
        c,
    )?;
    tx.execute(
        "INSERT INTO conflicts (id, person_id, seen_at, version, sealed) VALUES (?1, ?2, ?3, 1, ?4)",
        params![id, c.person_id.to_string(), ts(now), sealed],
    )?;
    Ok(())
}

/// Merges a server snapshot into the local record, field by field (the
/// household member by member), with the HLC merge rules of `shared`, and
/// keeps the snapshot as the server's last word on the person.
fn merge_snapshot(
    rec: &mut PersonRecord,
    snap: &protocol::PersonSnapshot,
    report: &mut PullApplied,
) {
    let server = &snap.person;
    report.kept_local_fields += merge::household::merge_pulled(
        &mut rec.person.household,
        &mut rec.versions,
        &server.household,
        &snap.versions,
    );
    for f in person_fields(server) {
        if matches!(f, PersonField::Household(_)) {
            continue;
        }
        let name = f.name();
        let Some(remote) = snap.versions.get(name).copied() else {
            continue;
        };
        match rec.versions.get(name) {
            Some(local) if *local > remote => report.kept_local_fields += 1,
            _ => {
                f.apply(&mut rec.person);
                rec.versions.insert(name.to_owned(), remote);
            }
        }
    }
    let mut take = |name: &str, rec: &mut PersonRecord, apply: &dyn Fn(&mut Person)| {
        let Some(remote) = snap.versions.get(name).copied() else {
            return;
        };
        match rec.versions.get(name) {
            Some(local) if *local > remote => report.kept_local_fields += 1,
            _ => {
                apply(&mut rec.person);
                rec.versions.insert(name.to_owned(), remote);
            }
        }
    };
    take("stage", rec, &|p| {
        p.stage = server.stage;
        p.stage_note = server.stage_note.clone();
    });
    take("consent", rec, &|p| p.consent = server.consent.clone());
    // Identity fields the server owns.
    rec.person.team = server.team;
    rec.person.created_at = server.created_at;
    rec.server = Some(snap.clone());
}
