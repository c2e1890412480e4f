//! Changes the server refused (要修正): listed with the person they are
//! about, corrected (the corrected change takes the refused one's place in
//! the outbox, in the same transaction as the record), or discarded (the
//! record goes back to what the server last said). Nothing is dropped
//! without the worker asking for it.

use chrono::{DateTime, Utc};
use outreach_shared::hlc::Hlc;
use outreach_shared::merge::household::{member_of_key, version_of};
use outreach_shared::protocol::{
    EntityRef, FieldChange, Operation, Payload, PersonField, RejectCode, Rejection,
};
use outreach_shared::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeSet;

use super::records::{
    apply_changes, check_distinct, ctx, person_fields, push_op, read_one, stage_change, write_case,
    write_contact, write_person,
};
use super::{Store, open_value, unix_ms};
use crate::crypto::Sealer;
use crate::error::{RecordKind, Result, StoreError};
use crate::model::*;

/// The version keys a refused person change touched.
fn touched_keys(payload: &Payload) -> Vec<String> {
    match payload {
        Payload::UpdatePerson { changes } => changes.iter().map(|c| c.set.key()).collect(),
        Payload::ChangeStage { .. } => vec!["stage".into()],
        Payload::RecordConsent { .. } => vec!["consent".into()],
        _ => Vec::new(),
    }
}

/// Puts the fields under `keys` back to what the server last sent, with
/// the server's versions. Without a snapshot (never pulled) the record
/// stays as it is.
fn revert_to_server(rec: &mut PersonRecord, keys: &[String]) {
    let Some(snap) = rec.server.clone() else {
        return;
    };
    let theirs = &snap.person;
    for key in keys {
        match key.as_str() {
            "stage" => {
                rec.person.stage = theirs.stage;
                rec.person.stage_note = theirs.stage_note.clone();
            }
            "consent" => rec.person.consent = theirs.consent.clone(),
            "household" => rec.person.household = theirs.household.clone(),
            other => match member_of_key(other) {
                Some(id) => rec
                    .person
                    .household
                    .set_member(id, theirs.household.member(id).cloned()),
                None => {
                    if let Some(f) = person_fields(theirs)
                        .into_iter()
                        .find(|f| f.name() == other)
                    {
                        f.apply(&mut rec.person);
                    }
                }
            },
        }
        match version_of(&snap.versions, key) {
            Some(v) => rec.versions.insert(key.clone(), v),
            None => rec.versions.remove(key),
        };
    }
}

fn mismatch() -> StoreError {
    StoreError::invalid_one(FieldError::new(
        "payload",
        Violation::Contradicts {
            other: "correction".into(),
        },
    ))
}

fn invalid(e: ValidationErrors) -> StoreError {
    StoreError::Invalid(e)
}

/// Deletes a refused operation from the outbox.
fn drop_op(conn: &Connection, op: OperationId) -> Result<()> {
    let n = conn.execute(
        "DELETE FROM outbox WHERE op_id = ?1 AND rejected_at IS NOT NULL",
        [op.to_string()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            kind: RecordKind::OutboxOperation,
            id: op.to_string(),
        });
    }
    Ok(())
}

/// Every outbox operation (pending or refused) about a person.
fn ops_about(conn: &Connection, sealer: &Sealer, person: PersonId) -> Result<Vec<String>> {
    let mut st = conn.prepare("SELECT op_id, version, sealed FROM outbox")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, version, sealed) = row?;
        if let Some(op) = open_value::<Operation>(sealer, "outbox", &id, version, &sealed)
            && op.payload.person_id(&op.entity) == person
        {
            out.push(id);
        }
    }
    Ok(out)
}

impl Store {
    /// Every change the server refused, oldest first, each with the person
    /// it is about (as on this device now).
    pub fn rejected_changes(&mut self) -> Result<Listing<RejectedChange>> {
        let l = self.outbox_rejected()?;
        let mut items = Vec::new();
        for e in l.items {
            let pid = e.op.payload.person_id(&e.op.entity);
            let person = match self.person(pid) {
                Ok(p) => Some(p),
                Err(StoreError::NotFound { .. } | StoreError::Damaged { .. }) => None,
                Err(other) => return Err(other),
            };
            items.push(RejectedChange {
                op_id: e.op.id,
                created_at: e.created_at,
                payload: e.op.payload,
                rejection: e.rejection.unwrap_or(Rejection {
                    code: RejectCode::Invalid,
                    message: String::new(),
                    field_errors: Vec::new(),
                }),
                person,
            });
        }
        Ok(Listing {
            items,
            damaged: l.damaged,
        })
    }

    fn rejected_op(&mut self, op: OperationId) -> Result<Operation> {
        self.outbox_rejected()?
            .items
            .into_iter()
            .find(|e| e.op.id == op)
            .map(|e| e.op)
            .ok_or(StoreError::NotFound {
                kind: RecordKind::OutboxOperation,
                id: op.to_string(),
            })
    }

    /// Discards a refused change, as the worker asked after a confirmation:
    /// the operation leaves the outbox and the record goes back to what the
    /// server last sent. Discarding a refused registration removes the
    /// person from this device with everything recorded about them (the
    /// server never had them).
    pub fn discard_rejected(&mut self, op: OperationId) -> Result<()> {
        let found = self.rejected_op(op)?;
        let now = self.now();
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match &found.payload {
            Payload::CreatePerson(p) => {
                let pid = p.id.to_string();
                for id in ops_about(&tx, sealer, p.id)? {
                    tx.execute("DELETE FROM outbox WHERE op_id = ?1", [id])?;
                }
                tx.execute(
                    "DELETE FROM reviews WHERE contact_id IN (SELECT id FROM contacts WHERE person_id = ?1)",
                    [&pid],
                )?;
                tx.execute("DELETE FROM contacts WHERE person_id = ?1", [&pid])?;
                tx.execute("DELETE FROM cases WHERE person_id = ?1", [&pid])?;
                tx.execute("DELETE FROM conflicts WHERE person_id = ?1", [&pid])?;
                tx.execute("DELETE FROM participation WHERE person_id = ?1", [&pid])?;
                tx.execute("DELETE FROM persons WHERE id = ?1", [&pid])?;
            }
            Payload::UpdatePerson { .. }
            | Payload::ChangeStage { .. }
            | Payload::RecordConsent { .. } => {
                let pid = found.entity.id.to_string();
                if let Some((mut rec, version)) =
                    read_one::<PersonRecord>(&tx, sealer, "persons", &pid, now)?
                {
                    revert_to_server(&mut rec, &touched_keys(&found.payload));
                    write_person(&tx, sealer, &rec, version + 1, now)?;
                }
                drop_op(&tx, op)?;
            }
            Payload::LogContact(c) => {
                let cid = c.id.to_string();
                tx.execute("DELETE FROM reviews WHERE contact_id = ?1", [&cid])?;
                tx.execute("DELETE FROM contacts WHERE id = ?1", [&cid])?;
                if let Some(r) = c.revises {
                    // The log it corrected is the current one again,
                    // unless another revision corrects it.
                    let others: i64 = tx.query_row(
                        "SELECT count(*) FROM contacts WHERE revises = ?1",
                        [r.to_string()],
                        |x| x.get(0),
                    )?;
                    if others == 0 {
                        super::binding::set_current(&tx, sealer, &r.to_string(), true, now)?;
                    }
                }
                drop_op(&tx, op)?;
            }
            Payload::Escalate(e) => {
                tx.execute("DELETE FROM cases WHERE id = ?1", [e.case_id.to_string()])?;
                drop_op(&tx, op)?;
            }
            // The visit's record is on the server only.
            Payload::StartVisit(_) | Payload::FinishVisit { .. } => drop_op(&tx, op)?,
            // Never accepted by the server: it leaves this tablet too.
            Payload::RecordCommunityActivity(a) => {
                tx.execute("DELETE FROM community WHERE id = ?1", [a.id.to_string()])?;
                drop_op(&tx, op)?;
            }
            Payload::RecordParticipation(r) => {
                tx.execute(
                    "DELETE FROM participation WHERE id = ?1",
                    [r.id.to_string()],
                )?;
                drop_op(&tx, op)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Corrects a refused change with what the worker entered in its form:
    /// the record is written again and the corrected operation takes the
    /// refused one's place in the outbox (same place in line), in one
    /// transaction. A correction that leaves nothing to send (the record
    /// is back to the server's values) just removes the refused operation.
    pub fn correct_rejected(&mut self, op: OperationId, correction: Correction) -> Result<()> {
        let found = self.rejected_op(op)?;
        let now = self.now();
        let identity = self.identity;
        let hlc = self.hlc.now(unix_ms(now));
        match (found.payload, correction) {
            (Payload::CreatePerson(mut first), Correction::Person(changes)) => {
                check_distinct(&changes)?;
                let (mut rec, version) = self.record_for_correction(first.id)?;
                for c in &changes {
                    c.apply(&mut first);
                }
                apply_changes(&mut rec, changes, hlc);
                first.validate(&ctx(now)).map_err(invalid)?;
                rec.person.validate(&ctx(now)).map_err(invalid)?;
                let entity = EntityRef::person(first.id);
                self.write_correction(op, hlc, now, entity, |tx, sealer| {
                    write_person(tx, sealer, &rec, version + 1, now)?;
                    Ok(Some(Payload::CreatePerson(first)))
                })
            }
            (Payload::UpdatePerson { changes: before }, Correction::Person(changes)) => {
                let (mut rec, version) = self.record_for_correction(PersonId(found.entity.id))?;
                let keys: Vec<String> = before.iter().map(|c| c.set.key()).collect();
                revert_to_server(&mut rec, &keys);
                let named: BTreeSet<String> = changes.iter().map(PersonField::key).collect();
                let mut all: Vec<PersonField> = before
                    .into_iter()
                    .map(|c: FieldChange| c.set)
                    .filter(|c| !named.contains(&c.key()))
                    .collect();
                all.extend(changes);
                check_distinct(&all)?;
                let out = apply_changes(&mut rec, all, hlc);
                rec.person.validate(&ctx(now)).map_err(invalid)?;
                self.write_correction(op, hlc, now, found.entity, |tx, sealer| {
                    write_person(tx, sealer, &rec, version + 1, now)?;
                    Ok((!out.is_empty()).then_some(Payload::UpdatePerson { changes: out }))
                })
            }
            (Payload::ChangeStage { .. }, Correction::Stage(to, note)) => {
                let (mut rec, version) = self.record_for_correction(PersonId(found.entity.id))?;
                revert_to_server(&mut rec, &["stage".to_owned()]);
                let payload = stage_change(&mut rec, to, note, hlc)?;
                self.write_correction(op, hlc, now, found.entity, |tx, sealer| {
                    write_person(tx, sealer, &rec, version + 1, now)?;
                    Ok(Some(payload))
                })
            }
            (Payload::RecordConsent { .. }, Correction::Consent(mut consent)) => {
                consent.recorded_by = Some(identity.user_id);
                let mut e = ValidationErrors::default();
                e.nest("consent", consent.validate(&ctx(now)));
                e.finish().map_err(invalid)?;
                let (mut rec, version) = self.record_for_correction(PersonId(found.entity.id))?;
                revert_to_server(&mut rec, &["consent".to_owned()]);
                let base = rec.versions.get("consent").copied();
                rec.person.consent = consent.clone();
                rec.versions.insert("consent".into(), hlc);
                self.write_correction(op, hlc, now, found.entity, |tx, sealer| {
                    write_person(tx, sealer, &rec, version + 1, now)?;
                    Ok(Some(Payload::RecordConsent { consent, base }))
                })
            }
            (Payload::LogContact(first), Correction::Contact(new)) => {
                if new.person_id != first.person_id {
                    return Err(mismatch());
                }
                let contact = ContactLog {
                    id: first.id,
                    person_id: first.person_id,
                    revises: first.revises,
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
                contact.validate(&ctx(now)).map_err(invalid)?;
                let entity = EntityRef::contact(contact.id);
                self.write_correction(op, hlc, now, entity, |tx, sealer| {
                    let id = contact.id.to_string();
                    tx.execute("DELETE FROM reviews WHERE contact_id = ?1", [&id])?;
                    tx.execute("DELETE FROM contacts WHERE id = ?1", [&id])?;
                    write_contact(tx, sealer, &contact, now)?;
                    Ok(Some(Payload::LogContact(contact)))
                })
            }
            (Payload::Escalate(first), Correction::Escalation(new)) => {
                if new.person_id != first.person_id {
                    return Err(mismatch());
                }
                let consent = self.person(first.person_id)?.consent;
                let esc = Escalation {
                    case_id: first.case_id,
                    person_id: first.person_id,
                    raised_by: identity.user_id,
                    raised_at: now,
                    reason: new.reason,
                    fields: new.fields,
                    tags: new.tags,
                    agencies_involved: new.agencies_involved,
                    urgency: new.urgency,
                    route: Route::for_consent(&consent),
                    household: Vec::new(),
                };
                esc.validate(&ctx(now), &consent).map_err(invalid)?;
                let entity = EntityRef::case(esc.case_id);
                self.write_correction(op, hlc, now, entity, |tx, sealer| {
                    let key = esc.case_id.to_string();
                    let version: i64 = tx
                        .query_row("SELECT version FROM cases WHERE id = ?1", [&key], |r| {
                            r.get(0)
                        })
                        .optional()?
                        .unwrap_or(0);
                    let case = CaseRecord {
                        case_id: esc.case_id,
                        person_id: esc.person_id,
                        escalation: Some(esc.clone()),
                        status: None,
                    };
                    write_case(tx, sealer, &case, version + 1, now)?;
                    Ok(Some(Payload::Escalate(esc)))
                })
            }
            _ => Err(mismatch()),
        }
    }

    /// A person's record to correct a change of.
    fn record_for_correction(&mut self, id: PersonId) -> Result<(PersonRecord, i64)> {
        let now = self.now();
        let (conn, sealer) = self.unlocked_parts()?;
        read_one::<PersonRecord>(conn, sealer, "persons", &id.to_string(), now)?.ok_or(
            StoreError::NotFound {
                kind: RecordKind::Person,
                id: id.to_string(),
            },
        )
    }

    /// Writes a correction in one transaction: the record (`write`), then
    /// the corrected operation in the refused one's place — or, when there
    /// is nothing left to send, the refused operation removed.
    fn write_correction(
        &mut self,
        op: OperationId,
        hlc: Hlc,
        now: DateTime<Utc>,
        entity: EntityRef,
        write: impl FnOnce(&rusqlite::Transaction<'_>, &Sealer) -> Result<Option<Payload>>,
    ) -> Result<()> {
        let identity = self.identity;
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match write(&tx, sealer)? {
            Some(payload) => {
                push_op(&tx, sealer, &identity, hlc, now, entity, payload, Some(op))?;
            }
            None => {
                tx.execute(
                    "DELETE FROM outbox WHERE op_id = ?1",
                    params![op.to_string()],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
