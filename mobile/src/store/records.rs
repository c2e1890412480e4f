//! Domain operations: every change is validated with `shared`, sealed, and
//! written together with its protocol operation in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::hlc::Hlc;
use outreach_shared::protocol::{
    ConflictRecord, EntityRef, FieldChange, Operation, Payload, PersonField,
};
use outreach_shared::*;
use outreach_shared::{case_rules, merge};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Store, binding, seal_value, set_meta, ts, unix_ms};
use crate::crypto::{Sealer, random_array};
use crate::error::{RecordKind, Result, StoreError};
use crate::model::*;

/// Every field of a person as a [`PersonField`], in a fixed order.
pub(crate) fn person_fields(p: &Person) -> Vec<PersonField> {
    vec![
        PersonField::Alias(p.alias.clone()),
        PersonField::Kana(p.kana.clone()),
        PersonField::BirthYear(p.birth_year),
        PersonField::Sex(p.sex),
        PersonField::Area(p.area.clone()),
        PersonField::NoticedBy(p.noticed_by),
        PersonField::Summary(p.summary.clone()),
        PersonField::Household(p.household.clone()),
        PersonField::Fields {
            fields: p.fields.clone(),
            tags: p.tags.clone(),
            scheme_gap: p.scheme_gap.clone(),
        },
        PersonField::AssignedWorker(p.assigned_worker),
    ]
}

/// The version keys of a person: its fields, `stage` and `consent`.
pub(crate) fn version_keys(p: &Person) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = person_fields(p).iter().map(PersonField::name).collect();
    v.push("stage");
    v.push("consent");
    v
}

pub(crate) fn ctx(now: DateTime<Utc>) -> ValidationContext {
    ValidationContext::at(now)
}

fn invalid(e: ValidationErrors) -> StoreError {
    StoreError::Invalid(e)
}

/// Writes a protocol operation into the outbox and persists the clock.
/// With `replaces`, the operation takes the place of that refused one (the
/// same place in line, the refusal cleared) instead of joining the end.
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_op(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    identity: &Identity,
    hlc: Hlc,
    now: DateTime<Utc>,
    entity: EntityRef,
    payload: Payload,
    replaces: Option<OperationId>,
) -> Result<OperationId> {
    let id = OperationId::new_v7(unix_ms(now), random_array()?);
    let kind = match entity.kind {
        protocol::EntityKind::Person => "person",
        protocol::EntityKind::Contact => "contact",
        protocol::EntityKind::Case => "case",
        protocol::EntityKind::Review => "review",
        protocol::EntityKind::Conflict => "conflict",
        protocol::EntityKind::Visit => "visit",
        protocol::EntityKind::Resource => "resource",
        protocol::EntityKind::Participation => "participation",
        protocol::EntityKind::CommunityActivity => "community_activity",
    };
    let op = Operation {
        id,
        device_id: identity.device_id,
        hlc,
        entity,
        payload,
    };
    let key = id.to_string();
    let sealed = seal_value(sealer, "outbox", &key, 1, &op)?;
    match replaces {
        None => {
            tx.prepare_cached(
                "INSERT INTO outbox (op_id, entity_kind, created_at, version, sealed) VALUES (?1, ?2, ?3, 1, ?4)",
            )?
            .execute(params![key, kind, ts(now), sealed])?;
        }
        Some(old) => {
            let n = tx.execute(
                "UPDATE outbox SET op_id = ?1, entity_kind = ?2, created_at = ?3, version = 1,
                     sealed = ?4, attempts = 0, rejected_at = NULL, rejection = NULL
                 WHERE op_id = ?5 AND rejected_at IS NOT NULL",
                params![key, kind, ts(now), sealed, old.to_string()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    kind: RecordKind::OutboxOperation,
                    id: old.to_string(),
                });
            }
        }
    }
    set_meta(tx, "hlc_last", &hlc.to_string())?;
    Ok(id)
}

pub(crate) fn write_person(
    conn: &Connection,
    sealer: &Sealer,
    rec: &PersonRecord,
    version: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = rec.person.id.to_string();
    let sealed = seal_value(sealer, "persons", &id, version, rec)?;
    conn.execute(
        "INSERT INTO persons (id, version, updated_at, sealed) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version,
             updated_at = excluded.updated_at, sealed = excluded.sealed",
        params![id, version, ts(now), sealed],
    )?;
    Ok(())
}

pub(crate) fn write_contact(
    conn: &Connection,
    sealer: &Sealer,
    c: &ContactLog,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = c.id.to_string();
    // A revision that arrives before the one it corrects: it is already
    // superseded.
    let later: i64 = conn
        .prepare_cached("SELECT count(*) FROM contacts WHERE revises = ?1")?
        .query_row([&id], |r| r.get(0))?;
    let current = later == 0;
    let sealed = binding::seal_at(
        sealer,
        "contacts",
        &id,
        1,
        &binding::contact_place(c, current),
        c,
    )?;
    conn.prepare_cached(
        "INSERT INTO contacts (id, person_id, revises, occurred_at, current, version, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
    )?
    .execute(params![
        id,
        c.person_id.to_string(),
        c.revises.map(|r| r.to_string()),
        ts(c.occurred_at),
        i64::from(current),
        sealed
    ])?;
    if let Some(r) = c.revises {
        binding::set_current(conn, sealer, &r.to_string(), false, now)?;
    }
    Ok(())
}

pub(crate) fn write_case(
    conn: &Connection,
    sealer: &Sealer,
    rec: &CaseRecord,
    version: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = rec.case_id.to_string();
    let sealed = binding::seal_at(
        sealer,
        "cases",
        &id,
        version,
        &binding::person_place(rec.person_id),
        rec,
    )?;
    conn.execute(
        "INSERT INTO cases (id, person_id, version, updated_at, sealed) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id, version = excluded.version,
             updated_at = excluded.updated_at, sealed = excluded.sealed",
        params![id, rec.person_id.to_string(), version, ts(now), sealed],
    )?;
    Ok(())
}

/// Reads one sealed row: `Ok(None)` when absent, `Err(Damaged)` after
/// setting it aside when it does not open.
pub(crate) fn read_one<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sealer: &Sealer,
    table: &'static str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(T, i64)>> {
    let key = super::key_column(table);
    let row: Option<(i64, Vec<u8>, Vec<String>)> = conn
        .query_row(
            &format!(
                "SELECT version, sealed{} FROM {table} WHERE {key} = ?1",
                binding::place_sql(table, "")
            ),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, binding::place_from_row(r, 2, table)?)),
        )
        .optional()?;
    let Some((version, sealed, place)) = row else {
        return Ok(None);
    };
    match binding::open_at(sealer, table, id, version, &place, &sealed) {
        Some(v) => Ok(Some((v, version))),
        None => {
            super::set_aside(conn, table, id, now)?;
            Err(StoreError::Damaged {
                kind: RecordKind::from_table(table).unwrap_or(RecordKind::Person),
                id: id.to_owned(),
            })
        }
    }
}

/// Opens the rows a query returns as `(id, version, sealed)`, followed by
/// the table's place columns (`binding::place_sql`); the damaged ones are
/// listed for [`Store::set_aside_all`].
pub(crate) fn open_rows<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sealer: &Sealer,
    table: &'static str,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    damaged: &mut Vec<(&'static str, String)>,
) -> Result<Vec<T>> {
    Ok(open_placed_rows(conn, sealer, table, sql, args, damaged)?
        .into_iter()
        .map(|(v, _)| v)
        .collect())
}

/// [`open_rows`], each value with its place (the clear columns it was
/// opened at, so as authentic as the value).
pub(crate) fn open_placed_rows<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sealer: &Sealer,
    table: &'static str,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    damaged: &mut Vec<(&'static str, String)>,
) -> Result<Vec<(T, Vec<String>)>> {
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let version: i64 = r.get(1)?;
        let sealed: Vec<u8> = r.get(2)?;
        let place = binding::place_from_row(r, 3, table)?;
        match binding::open_at(sealer, table, &id, version, &place, &sealed) {
            Some(v) => out.push((v, place)),
            None => damaged.push((table, id)),
        }
    }
    Ok(out)
}

/// Refuses two changes of the same field (or the same member) in one go.
pub(crate) fn check_distinct(changes: &[PersonField]) -> Result<()> {
    let mut keys = BTreeSet::new();
    let mut dup = ValidationErrors::default();
    for c in changes {
        if !keys.insert(c.key()) {
            dup.push(c.name(), Violation::Duplicate);
        }
    }
    dup.finish().map_err(invalid)
}

/// Applies field changes to a record at `hlc`; returns the ones that
/// changed something, each with the version its author saw (for a
/// household member, the member's own version: see
/// [`outreach_shared::merge::household`]).
pub(crate) fn apply_changes(
    rec: &mut PersonRecord,
    changes: Vec<PersonField>,
    hlc: Hlc,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for c in changes {
        if c.read(&rec.person) == c {
            continue;
        }
        let key = c.key();
        let base = merge::household::version_of(&rec.versions, &key);
        c.apply(&mut rec.person);
        rec.versions.insert(key, hlc);
        out.push(FieldChange { set: c, base });
    }
    out
}

/// Moves a record's stage (with its note) at `hlc`; returns the payload.
pub(crate) fn stage_change(
    rec: &mut PersonRecord,
    to: Stage,
    note: Option<StageNote>,
    hlc: Hlc,
) -> Result<Payload> {
    let from = rec.person.stage;
    from.check_transition(to, "stage")
        .map_err(StoreError::invalid_one)?;
    StageNote::check(note.as_ref(), to, "stage_note").map_err(invalid)?;
    let base = rec.versions.get("stage").copied();
    rec.person.stage = to;
    rec.person.stage_note = note.clone();
    rec.versions.insert("stage".into(), hlc);
    Ok(Payload::ChangeStage {
        from,
        to,
        base,
        note,
    })
}

/// Writes a new person and its `CreatePerson` operation in `tx`.
pub(super) fn write_new_person(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    identity: &Identity,
    rec: &PersonRecord,
    hlc: Hlc,
    now: DateTime<Utc>,
) -> Result<()> {
    write_person(tx, sealer, rec, 1, now)?;
    push_op(
        tx,
        sealer,
        identity,
        hlc,
        now,
        EntityRef::person(rec.person.id),
        Payload::CreatePerson(rec.person.clone()),
        None,
    )?;
    Ok(())
}

/// What the caseload needs of a person's latest contact, decoded without
/// its texts (most of a contact's bytes).
#[derive(serde::Deserialize)]
struct LatestContact {
    person_id: PersonId,
    occurred_at: DateTime<Utc>,
    safety: Safety,
    next_action: Option<NextAction>,
}

impl Store {
    fn new_random10() -> Result<[u8; 10]> {
        random_array()
    }

    /// A new id for a household member (the UI adds members to a person).
    pub fn new_household_member_id(&self) -> Result<HouseholdMemberId> {
        Ok(HouseholdMemberId::new_v7(
            unix_ms(self.now()),
            Self::new_random10()?,
        ))
    }

    pub(super) fn stamp(&mut self, now: DateTime<Utc>) -> Hlc {
        self.hlc.now(unix_ms(now))
    }

    /// Adds a person (対象者) to the caseload, at stage 把握 with no consent.
    pub fn create_person(&mut self, new: NewPerson) -> Result<Person> {
        self.require_unlocked()?;
        let now = self.now();
        let (rec, hlc) = self.new_person_record(new, now)?;
        let identity = self.identity;
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_new_person(&tx, sealer, &identity, &rec, hlc, now)?;
        tx.commit()?;
        Ok(rec.person)
    }

    /// The one rule for a new person (at 把握, no consent, this tablet's
    /// team, validated by `shared`) and its stamp; written by
    /// [`write_new_person`] in the caller's transaction.
    pub(super) fn new_person_record(
        &mut self,
        new: NewPerson,
        now: DateTime<Utc>,
    ) -> Result<(PersonRecord, Hlc)> {
        let person = Person {
            id: PersonId::new_v7(unix_ms(now), Self::new_random10()?),
            alias: new.alias,
            kana: new.kana,
            birth_year: new.birth_year,
            sex: new.sex,
            area: new.area,
            noticed_by: new.noticed_by,
            summary: new.summary,
            household: new.household,
            fields: new.fields,
            tags: new.tags,
            scheme_gap: new.scheme_gap,
            stage: Stage::Identified,
            stage_note: None,
            consent: ConsentRecord::none(),
            team: self.identity.team_id,
            assigned_worker: new.assigned_worker.or(Some(self.identity.user_id)),
            created_at: now,
        };
        person.validate(&ctx(now)).map_err(invalid)?;
        let hlc = self.stamp(now);
        let versions = version_keys(&person)
            .into_iter()
            .map(|k| (k.to_owned(), hlc))
            .collect();
        let rec = PersonRecord {
            person,
            versions,
            server: None,
        };
        Ok((rec, hlc))
    }

    /// A person with the version of each field.
    pub fn person_record(&mut self, id: PersonId) -> Result<PersonRecord> {
        let now = self.now();
        let (conn, sealer) = self.unlocked_parts()?;
        read_one::<PersonRecord>(conn, sealer, "persons", &id.to_string(), now)?
            .map(|(r, _)| r)
            .ok_or(StoreError::NotFound {
                kind: RecordKind::Person,
                id: id.to_string(),
            })
    }

    /// A person.
    pub fn person(&mut self, id: PersonId) -> Result<Person> {
        Ok(self.person_record(id)?.person)
    }

    pub(super) fn load_person_for_change(&mut self, id: PersonId) -> Result<(PersonRecord, i64)> {
        let now = self.now();
        let (conn, sealer) = self.unlocked_parts()?;
        read_one::<PersonRecord>(conn, sealer, "persons", &id.to_string(), now)?.ok_or(
            StoreError::NotFound {
                kind: RecordKind::Person,
                id: id.to_string(),
            },
        )
    }

    /// Writes a changed person and its operation in one transaction.
    fn commit_person_change(
        &mut self,
        rec: &PersonRecord,
        version: i64,
        hlc: Hlc,
        now: DateTime<Utc>,
        payload: Payload,
    ) -> Result<()> {
        let identity = self.identity;
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The row must still be the version we read (one writer per store,
        // but be sure).
        let found: Option<i64> = tx
            .query_row(
                "SELECT version FROM persons WHERE id = ?1",
                [rec.person.id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if found != Some(version) {
            return Err(StoreError::NotFound {
                kind: RecordKind::Person,
                id: rec.person.id.to_string(),
            });
        }
        write_person(&tx, sealer, rec, version + 1, now)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::person(rec.person.id),
            payload,
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Changes some fields of a person (names, household, fields of life...).
    /// Fields given with their current value are left out; if nothing
    /// changes, nothing is written.
    pub fn update_person(&mut self, id: PersonId, changes: Vec<PersonField>) -> Result<Person> {
        let now = self.now();
        let (mut rec, version) = self.load_person_for_change(id)?;
        check_distinct(&changes)?;
        let hlc = self.stamp(now);
        let out = apply_changes(&mut rec, changes, hlc);
        if out.is_empty() {
            return Ok(rec.person);
        }
        rec.person.validate(&ctx(now)).map_err(invalid)?;
        self.commit_person_change(
            &rec,
            version,
            hlc,
            now,
            Payload::UpdatePerson { changes: out },
        )?;
        Ok(rec.person)
    }

    /// Moves the relationship stage (関係の段階); only allowed transitions.
    /// 終結 and つなぎ済 need their note: use [`Store::change_stage_with`].
    pub fn change_stage(&mut self, id: PersonId, to: Stage) -> Result<Person> {
        self.change_stage_with(id, to, None)
    }

    /// Moves the relationship stage with its note: why the person was
    /// closed or handed on, and to whom (required for 終結 and つなぎ済,
    /// refused for any other stage).
    pub fn change_stage_with(
        &mut self,
        id: PersonId,
        to: Stage,
        note: Option<StageNote>,
    ) -> Result<Person> {
        let now = self.now();
        let (mut rec, version) = self.load_person_for_change(id)?;
        let hlc = self.stamp(now);
        let payload = stage_change(&mut rec, to, note, hlc)?;
        self.commit_person_change(&rec, version, hlc, now, payload)?;
        Ok(rec.person)
    }

    /// Adds a household member (世帯員) with a new id.
    pub fn add_household_member(
        &mut self,
        person: PersonId,
        mut member: HouseholdMember,
    ) -> Result<Person> {
        member.id = self.new_household_member_id()?;
        let id = member.id;
        self.update_person(
            person,
            vec![PersonField::HouseholdMember {
                id,
                member: Some(member),
            }],
        )
    }

    /// Changes one household member; the others are not touched (and merge
    /// on their own with other devices' edits).
    pub fn edit_household_member(
        &mut self,
        person: PersonId,
        member: HouseholdMember,
    ) -> Result<Person> {
        let (rec, _) = self.load_person_for_change(person)?;
        if rec.person.household.member(member.id).is_none() {
            return Err(StoreError::NotFound {
                kind: RecordKind::Person,
                id: member.id.to_string(),
            });
        }
        self.update_person(
            person,
            vec![PersonField::HouseholdMember {
                id: member.id,
                member: Some(member),
            }],
        )
    }

    /// Removes one household member.
    pub fn remove_household_member(
        &mut self,
        person: PersonId,
        id: HouseholdMemberId,
    ) -> Result<Person> {
        let (rec, _) = self.load_person_for_change(person)?;
        if rec.person.household.member(id).is_none() {
            return Err(StoreError::NotFound {
                kind: RecordKind::Person,
                id: id.to_string(),
            });
        }
        self.update_person(
            person,
            vec![PersonField::HouseholdMember { id, member: None }],
        )
    }

    /// Records consent (本人同意) given, or any other consent state.
    pub fn record_consent(&mut self, id: PersonId, consent: ConsentRecord) -> Result<Person> {
        let now = self.now();
        let mut e = ValidationErrors::default();
        e.nest("consent", consent.validate(&ctx(now)));
        e.finish().map_err(invalid)?;
        let (mut rec, version) = self.load_person_for_change(id)?;
        let hlc = self.stamp(now);
        let base = rec.versions.get("consent").copied();
        rec.person.consent = consent.clone();
        rec.versions.insert("consent".into(), hlc);
        self.commit_person_change(
            &rec,
            version,
            hlc,
            now,
            Payload::RecordConsent { consent, base },
        )?;
        Ok(rec.person)
    }

    /// Records that the person withdrew consent, on `date` (today in Tokyo
    /// when `None`), by the worker using the device.
    pub fn withdraw_consent(&mut self, id: PersonId, date: Option<NaiveDate>) -> Result<Person> {
        let date = date.unwrap_or_else(|| ja::local_date(self.now()));
        let consent = ConsentRecord {
            status: ConsentStatus::Withdrawn,
            scope: BTreeSet::new(),
            date: Some(date),
            recorded_by: Some(self.identity.user_id),
        };
        self.record_consent(id, consent)
    }

    /// Logs a contact (接触記録). Append-only.
    pub fn log_contact(&mut self, new: NewContact) -> Result<ContactLog> {
        self.append_contact(new, None)
    }

    /// Logs a correction of a contact: a new revision that replaces the
    /// current one; the history is kept.
    pub fn correct_contact(&mut self, revises: ContactId, new: NewContact) -> Result<ContactLog> {
        self.append_contact(new, Some(revises))
    }

    fn append_contact(
        &mut self,
        new: NewContact,
        revises: Option<ContactId>,
    ) -> Result<ContactLog> {
        let now = self.now();
        let identity = self.identity;
        let contact = ContactLog {
            id: ContactId::new_v7(unix_ms(now), Self::new_random10()?),
            person_id: new.person_id,
            revises,
            author: identity.user_id,
            occurred_at: new.occurred_at,
            duration_minutes: new.duration_minutes,
            method: new.method,
            met: new.met,
            response: new.response,
            observation: new.observation,
            safety: new.safety,
            reflection: new.reflection,
            next_action: new.next_action,
        };
        self.require_unlocked()?;
        contact.validate(&ctx(now)).map_err(invalid)?;
        let hlc = self.stamp(now);
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: i64 = tx
            .prepare_cached("SELECT count(*) FROM persons WHERE id = ?1")?
            .query_row([contact.person_id.to_string()], |r| r.get(0))?;
        if exists == 0 {
            return Err(StoreError::NotFound {
                kind: RecordKind::Person,
                id: contact.person_id.to_string(),
            });
        }
        if let Some(r) = revises {
            let row: Option<(String, i64)> = tx
                .query_row(
                    "SELECT person_id, current FROM contacts WHERE id = ?1",
                    [r.to_string()],
                    |x| Ok((x.get(0)?, x.get(1)?)),
                )
                .optional()?;
            match row {
                None => {
                    return Err(StoreError::NotFound {
                        kind: RecordKind::Contact,
                        id: r.to_string(),
                    });
                }
                Some((p, _)) if p != contact.person_id.to_string() => {
                    return Err(StoreError::invalid_one(FieldError::new(
                        "revises",
                        Violation::Contradicts {
                            other: "person_id".into(),
                        },
                    )));
                }
                Some((_, 0)) => {
                    return Err(StoreError::AlreadyCorrected { id: r.to_string() });
                }
                Some(_) => {}
            }
        }
        write_contact(&tx, sealer, &contact, now)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::contact(contact.id),
            Payload::LogContact(contact.clone()),
            None,
        )?;
        tx.commit()?;
        Ok(contact)
    }

    /// Escalates a case to 多機関協働. The route follows the consent on
    /// record: 重層的支援会議 with consent, 支援会議 without.
    pub fn escalate(&mut self, new: NewEscalation) -> Result<Escalation> {
        let now = self.now();
        let (rec, _) = self.load_person_for_change(new.person_id)?;
        let consent = rec.person.consent.clone();
        let household = if new.for_household {
            let mut on_tablet = Vec::new();
            for id in rec.person.household.linked_persons() {
                if let Ok(p) = self.person(id) {
                    on_tablet.push((id, p.consent));
                }
            }
            let of = |id: PersonId| on_tablet.iter().find(|(p, _)| *p == id).map(|(_, c)| c);
            case_rules::household_members_for_escalation(&rec.person, of)
        } else {
            Vec::new()
        };
        let esc = Escalation {
            case_id: CaseId::new_v7(unix_ms(now), Self::new_random10()?),
            person_id: new.person_id,
            raised_by: self.identity.user_id,
            raised_at: now,
            reason: new.reason,
            fields: new.fields,
            tags: new.tags,
            agencies_involved: new.agencies_involved,
            urgency: new.urgency,
            route: Route::for_consent(&consent),
            household,
        };
        esc.validate(&ctx(now), &consent).map_err(invalid)?;
        let hh_consents: Vec<_> = esc
            .household
            .iter()
            .filter_map(|m| {
                self.person(m.person_id)
                    .ok()
                    .map(|p| (m.person_id, p.consent))
            })
            .collect();
        case_rules::check_household(&esc, &rec.person, |id| {
            hh_consents.iter().find(|(p, _)| *p == id).map(|(_, c)| c)
        })
        .map_err(invalid)?;
        let hlc = self.stamp(now);
        let identity = self.identity;
        let case = CaseRecord {
            case_id: esc.case_id,
            person_id: esc.person_id,
            escalation: Some(esc.clone()),
            status: None,
        };
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_case(&tx, sealer, &case, 1, now)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::case(esc.case_id),
            Payload::Escalate(esc.clone()),
            None,
        )?;
        tx.commit()?;
        Ok(esc)
    }

    /// Every person on this device, in id order, without the versions
    /// and the server's copy (which the lists do not need: skipping them
    /// halves the decoding).
    fn all_persons(&mut self) -> Result<(Vec<Person>, Vec<DamagedRecord>)> {
        /// A [`PersonRecord`] read for its person only.
        #[derive(serde::Deserialize)]
        struct PersonOnly {
            person: Person,
        }
        let mut damaged = Vec::new();
        let (conn, sealer) = self.unlocked_parts()?;
        let items: Vec<PersonOnly> = open_rows(
            conn,
            sealer,
            "persons",
            "SELECT id, version, sealed FROM persons ORDER BY id",
            &[],
            &mut damaged,
        )?;
        let damaged = self.set_aside_all(damaged)?;
        Ok((items.into_iter().map(|p| p.person).collect(), damaged))
    }

    /// Every person on this device, in id order (UUIDv7: creation order to
    /// the millisecond).
    pub fn persons(&mut self) -> Result<Listing<Person>> {
        let (items, damaged) = self.all_persons()?;
        Ok(Listing { items, damaged })
    }

    /// Persons whose alias or kana matches (ひらがな matches カタカナ). The
    /// records are opened and filtered in memory: there is no plaintext
    /// index on disk.
    pub fn search(&mut self, query: &str) -> Result<Listing<Person>> {
        let mut l = self.persons()?;
        l.items.retain(|p| p.matches_search(query));
        Ok(l)
    }

    /// The person's 担当 for the person page: the name and the hand-over
    /// the server sent with the person, while they still name the current
    /// 担当 (a local change waits for the server's word).
    fn assignment(&self, rec: &PersonRecord) -> Assignment {
        let current = rec.person.assigned_worker;
        let server = rec
            .server
            .as_ref()
            .filter(|s| s.person.assigned_worker == current);
        Assignment {
            to_me: current == Some(self.identity.user_id),
            name: server.and_then(|s| s.assigned_name.clone()),
            handover: server
                .and_then(|s| s.handover.clone())
                .filter(|h| Some(h.to) == current),
        }
    }

    /// The caseload: every person on the device, with the latest contact's
    /// next action and whether it is overdue (today in Asia/Tokyo), overdue
    /// first and closed people (終結) last. The front ends show closed
    /// people when asked for (the 終結 filter, a search).
    pub fn caseload(&mut self) -> Result<Caseload> {
        let now = self.now();
        let today = ja::local_date(now);
        let me = self.identity.user_id;
        let (persons, mut damaged) = self.all_persons()?;
        let mut found = Vec::new();
        let (conn, sealer) = self.unlocked_parts()?;
        // The latest current revision per person: one index seek each
        // (contacts_by_person covers person, current, time), then one row.
        let latest: Vec<LatestContact> = open_rows(
            conn,
            sealer,
            "contacts",
            "SELECT c.id, c.version, c.sealed, c.person_id, c.revises, c.occurred_at, c.current
             FROM persons p
             JOIN contacts c ON c.rowid = (
                 SELECT x.rowid FROM contacts x
                 WHERE x.person_id = p.id AND x.current = 1
                 ORDER BY x.occurred_at DESC LIMIT 1)",
            &[],
            &mut found,
        )?;
        let cases: Vec<CaseRecord> = open_rows(
            conn,
            sealer,
            "cases",
            "SELECT id, version, sealed, person_id FROM cases",
            &[],
            &mut found,
        )?;
        damaged.extend(self.set_aside_all(found)?);
        let mut latest: HashMap<PersonId, LatestContact> =
            latest.into_iter().map(|c| (c.person_id, c)).collect();
        let mut cases_by_person: HashMap<PersonId, Vec<CaseRecord>> = HashMap::new();
        for c in cases {
            let open = c.status.as_ref().is_none_or(|s| s.status.is_open());
            if open {
                cases_by_person.entry(c.person_id).or_default().push(c);
            }
        }
        let mut entries: Vec<CaseloadEntry> = persons
            .into_iter()
            .map(|person| {
                let last = latest.remove(&person.id);
                let next_action = last.as_ref().and_then(|c| c.next_action.clone());
                // A closed person has no follow-up to be late for.
                let days_overdue = next_action
                    .as_ref()
                    .filter(|_| person.stage != Stage::Closed)
                    .map(|n| (today - n.due).num_days().max(0))
                    .unwrap_or(0);
                CaseloadEntry {
                    // Assigned to this worker, or to nobody yet.
                    mine: person.assigned_worker.is_none_or(|w| w == me),
                    open_cases: cases_by_person.remove(&person.id).unwrap_or_default(),
                    last_contact_at: last.as_ref().map(|c| c.occurred_at),
                    safety_concern: last.as_ref().is_some_and(|c| c.safety.is_concern()),
                    overdue: days_overdue > 0,
                    days_overdue,
                    next_action,
                    person,
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            let key = |e: &CaseloadEntry| {
                (
                    e.person.stage == Stage::Closed,
                    !e.overdue,
                    e.next_action
                        .as_ref()
                        .map(|n| n.due)
                        .unwrap_or(NaiveDate::MAX),
                    e.person.created_at,
                )
            };
            key(a).cmp(&key(b))
        });
        let overdue = entries.iter().filter(|e| e.overdue).count();
        Ok(Caseload {
            today,
            entries,
            overdue,
            damaged,
        })
    }

    /// A person's timeline: every contact revision newest first, each with
    /// its review, plus cases and conflicts.
    pub fn timeline(&mut self, id: PersonId) -> Result<Timeline> {
        let rec = self.person_record(id)?;
        let assignment = self.assignment(&rec);
        let person = rec.person;
        let pid = id.to_string();
        let mut found = Vec::new();
        let (conn, sealer) = self.unlocked_parts()?;
        // Each revision with whether it is current (its place's last
        // column, bound to the sealed value like the rest of the place).
        let contacts: Vec<(ContactLog, Vec<String>)> = open_placed_rows(
            conn,
            sealer,
            "contacts",
            "SELECT id, version, sealed, person_id, revises, occurred_at, current FROM contacts
             WHERE person_id = ?1 ORDER BY occurred_at DESC, id DESC",
            &[&pid],
            &mut found,
        )?;
        let reviews: Vec<Review> = open_rows(
            conn,
            sealer,
            "reviews",
            "SELECT r.contact_id, r.version, r.sealed FROM reviews r
             JOIN contacts c ON c.id = r.contact_id WHERE c.person_id = ?1",
            &[&pid],
            &mut found,
        )?;
        let cases: Vec<CaseRecord> = open_rows(
            conn,
            sealer,
            "cases",
            "SELECT id, version, sealed, person_id FROM cases WHERE person_id = ?1 ORDER BY id",
            &[&pid],
            &mut found,
        )?;
        let conflicts: Vec<ConflictRecord> = open_rows(
            conn,
            sealer,
            "conflicts",
            "SELECT id, version, sealed, person_id FROM conflicts WHERE person_id = ?1 ORDER BY seen_at",
            &[&pid],
            &mut found,
        )?;
        let damaged = self.set_aside_all(found)?;
        let mut reviews: BTreeMap<ContactId, Review> =
            reviews.into_iter().map(|r| (r.contact_id, r)).collect();
        let entries = contacts
            .into_iter()
            .map(|(c, place)| TimelineEntry {
                current: binding::contact_is_current(&place),
                review: reviews.remove(&c.id),
                contact: c,
            })
            .collect();
        let found_by = self.found_by(id)?;
        let household = self.household_links(&person)?;
        Ok(Timeline {
            person,
            entries,
            cases,
            conflicts,
            damaged,
            assignment,
            found_by,
            household,
        })
    }

    /// The persons on this tablet whose household links `person`, in id
    /// order, from the session's in-memory index (see `lookup.rs`).
    fn persons_listing(&mut self, person: PersonId) -> Result<Vec<PersonId>> {
        let at = self.lookup_stamp()?;
        if let Some(ids) = self.lookups()?.listed_by(at, person) {
            return Ok(ids);
        }
        let (all, _) = self.all_persons()?;
        let links: Vec<(PersonId, Vec<PersonId>)> = all
            .iter()
            .map(|p| (p.id, p.household.linked_persons().collect()))
            .collect();
        let lookups = self.lookups()?;
        lookups.set_listed_by(at, &links);
        Ok(lookups.listed_by(at, person).unwrap_or_default())
    }

    /// The household's persons of their own ([`HouseholdLink`]): the
    /// members `person` links, then the persons on this tablet whose
    /// household lists `person`.
    fn household_links(&mut self, person: &Person) -> Result<Vec<HouseholdLink>> {
        let mut out = Vec::new();
        for m in &person.household.members {
            let Some(pid) = m.person else { continue };
            let on_caseload = self.person(pid).ok().map(|p| (p.alias, p.consent.status));
            out.push(HouseholdLink {
                person: pid,
                relation: Some(m.relation),
                on_caseload,
                lists_this_person: false,
            });
        }
        for lister in self.persons_listing(person.id)? {
            if lister == person.id || out.iter().any(|l| l.person == lister) {
                continue;
            }
            let p = match self.person(lister) {
                Ok(p) => p,
                // Set aside (or gone): not on the caseload any more.
                Err(StoreError::Damaged { .. } | StoreError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            out.push(HouseholdLink {
                person: lister,
                relation: None,
                on_caseload: Some((p.alias, p.consent.status)),
                lists_this_person: true,
            });
        }
        Ok(out)
    }
}
