//! 参加支援 on the tablet (issue 18): the 地域資源 catalogue pulled from the
//! server (read-only here: nothing on the tablet writes it but the pull)
//! and a person's needs, trials and follow-ups, each sealed in its row
//! (`participation`, the person's id bound into the seal) and written with
//! its outbox operation in one transaction. Records are append-only, like
//! contact logs; where a trial stands is folded by
//! `shared::domain::participation`.

use chrono::{DateTime, Utc};
use outreach_shared::protocol::{EntityRef, Payload};
use outreach_shared::{
    FieldError, LocalResource, ParticipationEntry, ParticipationId, ParticipationRecord, PersonId,
    ResourceId, Violation,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::binding;
use super::records::{ctx, open_rows, push_op};
use super::{Store, seal_value, ts, unix_ms};
use crate::crypto::{Sealer, random_array};
use crate::error::{RecordKind, Result, StoreError};

/// Stores a pulled resource, replacing the older copy.
pub(crate) fn put_resource(
    conn: &Connection,
    sealer: &Sealer,
    r: &LocalResource,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = r.id.to_string();
    let version: i64 = conn
        .query_row("SELECT version FROM resources WHERE id = ?1", [&id], |x| {
            x.get(0)
        })
        .optional()?
        .unwrap_or(0)
        + 1;
    let sealed = seal_value(sealer, "resources", &id, version, r)?;
    conn.execute(
        "INSERT INTO resources (id, version, updated_at, sealed) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version,
             updated_at = excluded.updated_at, sealed = excluded.sealed",
        params![id, version, ts(now), sealed],
    )?;
    Ok(())
}

/// Stores a 参加支援 record (pulled, or made here) unless it is there
/// already: append-only.
pub(crate) fn put_participation(
    conn: &Connection,
    sealer: &Sealer,
    r: &ParticipationRecord,
) -> Result<bool> {
    let id = r.id.to_string();
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM participation WHERE id = ?1",
        [&id],
        |x| x.get(0),
    )?;
    if exists > 0 {
        return Ok(false);
    }
    let sealed = binding::seal_at(
        sealer,
        "participation",
        &id,
        1,
        &binding::person_place(r.person_id),
        r,
    )?;
    conn.execute(
        "INSERT INTO participation (id, person_id, recorded_at, version, sealed)
         VALUES (?1, ?2, ?3, 1, ?4)",
        params![id, r.person_id.to_string(), ts(r.recorded_at), sealed],
    )?;
    Ok(true)
}

impl Store {
    /// The 地域資源 catalogue as last pulled, by kind and name.
    pub fn resources(&mut self) -> Result<Vec<LocalResource>> {
        let (conn, sealer) = self.unlocked_parts()?;
        let mut damaged = Vec::new();
        let mut all: Vec<LocalResource> = open_rows(
            conn,
            sealer,
            "resources",
            "SELECT id, version, sealed FROM resources",
            &[],
            &mut damaged,
        )?;
        self.set_aside_all(damaged)?;
        all.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        Ok(all)
    }

    /// A person's 参加支援 records, oldest first.
    pub fn participation_of(&mut self, person: PersonId) -> Result<Vec<ParticipationRecord>> {
        let (conn, sealer) = self.unlocked_parts()?;
        let mut damaged = Vec::new();
        let key = person.to_string();
        let out = open_rows(
            conn,
            sealer,
            "participation",
            &format!(
                "SELECT id, version, sealed{} FROM participation
                 WHERE person_id = ?1 ORDER BY recorded_at, rowid",
                binding::place_sql("participation", "")
            ),
            &[&key],
            &mut damaged,
        )?;
        self.set_aside_all(damaged)?;
        Ok(out)
    }

    /// Records needs, a trial or a follow-up for `person` now, by this
    /// tablet's worker: validated by `shared`, checked against what the
    /// tablet holds (the person; a trial's resource in the catalogue; a
    /// follow-up's trial and a met need of the same person), sealed and
    /// queued in one transaction.
    pub fn record_participation(
        &mut self,
        person: PersonId,
        entry: ParticipationEntry,
    ) -> Result<ParticipationRecord> {
        self.load_person_for_change(person)?;
        let now = self.now();
        let identity = self.identity;
        let record = ParticipationRecord {
            id: ParticipationId::new_v7(unix_ms(now), random_array()?),
            person_id: person,
            author: identity.user_id,
            recorded_at: now,
            entry,
        };
        record.validate(&ctx(now)).map_err(StoreError::Invalid)?;
        let mine = self.participation_of(person)?;
        let names_mine = |id: ParticipationId, trial: bool| {
            mine.iter().any(|r| {
                r.id == id
                    && if trial {
                        matches!(r.entry, ParticipationEntry::Trial { .. })
                    } else {
                        r.unmet().is_some()
                    }
            })
        };
        match &record.entry {
            ParticipationEntry::Trial {
                resource, meets, ..
            } => {
                if !self.resources()?.iter().any(|r| r.id == *resource) {
                    return Err(StoreError::invalid_one(FieldError::new(
                        "participation.resource",
                        Violation::Unknown,
                    )));
                }
                if let Some(m) = meets
                    && !names_mine(*m, false)
                {
                    return Err(StoreError::invalid_one(FieldError::new(
                        "participation.meets",
                        Violation::Unknown,
                    )));
                }
            }
            ParticipationEntry::FollowUp { trial, .. } if !names_mine(*trial, true) => {
                return Err(StoreError::invalid_one(FieldError::new(
                    "participation.trial",
                    Violation::Unknown,
                )));
            }
            _ => {}
        }
        let hlc = self.stamp(now);
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        put_participation(&tx, sealer, &record)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::participation(record.id),
            Payload::RecordParticipation(record.clone()),
            None,
        )?;
        tx.commit()?;
        Ok(record)
    }

    /// One resource of the catalogue.
    pub fn resource(&mut self, id: ResourceId) -> Result<LocalResource> {
        self.resources()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound {
                kind: RecordKind::Resource,
                id: id.to_string(),
            })
    }
}
