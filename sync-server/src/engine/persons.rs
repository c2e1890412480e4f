//! Persons from pushes: creation, field changes merged field by field by
//! HLC (a real conflict is kept, never dropped), stage changes, consent
//! (which the case queue follows), append-only contact logs; and the
//! office's audited read of one person.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Actor, Resource, decide};
use outreach_shared::merge::household::{self, LegacyMemberChange};
use outreach_shared::merge::{FieldMerge, Versioned, merge_field};
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseQueueItem, ConsentRecord, ContactLog, Hlc, Person, PersonId, Stage, StageNote, TeamId,
    ValidationContext, ValidationErrors, Violation,
};
use std::collections::BTreeMap;

use super::Error;
use super::push::{BatchCache, OpError, reject, reject_invalid};
use super::{Caller, ServerClock, cases, deny_text, latest_case};
use crate::audit;
use crate::crypto;
use crate::store::*;

pub(super) const FIELD_NAMES: [&str; 12] = [
    "alias",
    "kana",
    "birth_year",
    "sex",
    "area",
    "noticed_by",
    "summary",
    "household",
    "fields",
    "assigned_worker",
    "stage",
    "consent",
];

/// `CreatePerson`: a new person on the caller's team caseload.
pub(super) fn create_person(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    p: &Person,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let actor = &caller.actor;
    let d = decide(
        actor,
        Action::Write,
        Resource::Person {
            team: p.team,
            case: None,
        },
    );
    if !d.is_allowed() {
        return Err(reject(
            RejectCode::Forbidden,
            format!("create person: {}", deny_text(d)),
        ));
    }
    if tx.person(p.id)?.is_some() {
        return Err(reject(
            RejectCode::StaleState,
            "a person with this id already exists",
        ));
    }
    // A tablet registers a person for its own worker (or for nobody yet);
    // giving someone else a person is a supervisor's hand-over.
    if caller.device.is_some() && p.assigned_worker.is_some_and(|w| w != actor.user) {
        return Err(reject(
            RejectCode::Forbidden,
            "a tablet registers a person for its own worker; another worker gets them by a supervisor's hand-over",
        ));
    }
    let versions = FIELD_NAMES
        .iter()
        .map(|n| (n.to_string(), op.hlc))
        .collect();
    // The 担当's name goes out with the person, so tablets show it.
    let assigned_name = match p.assigned_worker {
        Some(w) => tx.user(w)?.map(|u| u.display_name),
        None => None,
    };
    let row = PersonRow {
        snapshot: PersonSnapshot {
            assigned_name,
            ..PersonSnapshot::new(p.clone(), versions)
        },
        bases: BTreeMap::new(),
    };
    tx.put_person(&row)?;
    let seq = person_changed(tx, p, op.hlc)?;
    audit::append(
        tx,
        caller.event(
            "push.create_person",
            format!("person:{}", p.id),
            caller.basis("own team caseload"),
            Some(op.hlc),
        ),
        now,
    )?;
    Ok(seq)
}

/// `UpdatePerson`: fields merged one by one by HLC, the household member by
/// member (`shared::merge::household`).
pub(super) fn update_person(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    changes: &[FieldChange],
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let actor = &caller.actor;
    let (mut row, _) = person_for_write(tx, actor, op.entity.id)?;
    let mut conflicts = Vec::new();
    for ch in changes {
        // 担当 changes only by a supervisor's hand-over (engine/handover.rs):
        // a tablet may repeat the current value, never change it.
        if let PersonField::AssignedWorker(w) = &ch.set
            && *w != row.snapshot.person.assigned_worker
        {
            return Err(reject(
                RejectCode::Forbidden,
                "the assigned worker changes only by a supervisor's hand-over",
            ));
        }
        let PersonField::Household(list) = &ch.set else {
            let mut set = ch.set.clone();
            if let PersonField::HouseholdMember { id, member } = &mut set {
                household::keep_person_link(row.snapshot.person.household.member(*id), member);
            }
            conflicts.extend(merge_change(&mut row, set, op.hlc, ch.base));
            continue;
        };
        // A protocol-1 whole-list change (made before the app was updated):
        // member by member, never over a newer edit.
        let current = row.snapshot.person.household.clone();
        let legacy =
            household::legacy_list_changes(&current, &row.snapshot.versions, list, ch.base);
        for m in legacy {
            match m {
                LegacyMemberChange::Apply { id, member } => conflicts.extend(merge_change(
                    &mut row,
                    PersonField::HouseholdMember { id, member },
                    op.hlc,
                    ch.base,
                )),
                LegacyMemberChange::KeepCurrent { id, other } => conflicts.push(ConflictRecord {
                    person_id: row.snapshot.person.id,
                    field: household::member_key(id),
                    kept: field_value(&PersonField::HouseholdMember {
                        id,
                        member: current.member(id).cloned(),
                    }),
                    kept_hlc: household::member_version(&row.snapshot.versions, id)
                        .unwrap_or(op.hlc),
                    other: field_value(&PersonField::HouseholdMember { id, member: other }),
                    other_hlc: op.hlc,
                }),
            }
        }
    }
    finish_person(tx, caller, op, row, conflicts, "push.update_person", now)
}

/// `ChangeStage`: a stage change from the stage the worker saw, with its
/// note (why, to whom) for 終結 and つなぎ済.
#[allow(clippy::too_many_arguments)]
pub(super) fn change_stage(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    from: Stage,
    to: Stage,
    base: Option<Hlc>,
    note: Option<&StageNote>,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let actor = &caller.actor;
    let (mut row, _) = person_for_write(tx, actor, op.entity.id)?;
    let current = row.snapshot.person.stage;
    if current != from && current != to && !current.can_move_to(to) {
        let mut e = ValidationErrors::default();
        e.push(
            "payload.from",
            Violation::StageTransitionNotAllowed {
                from: current.code(),
                to: to.code(),
            },
        );
        return Err(OpError::Rejected(Rejection {
            code: RejectCode::StaleState,
            message: "the person is no longer in the stage this change starts from".into(),
            field_errors: e.0,
        }));
    }
    let conflicts = merge_one(
        &mut row,
        "stage",
        current,
        to,
        op.hlc,
        base,
        |p, v: Stage| p.stage = v,
    );
    // The note goes with the stage it was given for.
    if row.snapshot.versions.get("stage") == Some(&op.hlc) {
        row.snapshot.person.stage_note = note.cloned();
    }
    finish_person(
        tx,
        caller,
        op,
        row,
        conflicts.into_iter().collect(),
        "push.change_stage",
        now,
    )
}

/// `RecordConsent`: consent merged like a field; the person's open cases
/// follow it ([`cases::follow_consent`]).
pub(super) fn record_consent(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    op: &Operation,
    consent: &ConsentRecord,
    base: Option<Hlc>,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let actor = &caller.actor;
    let (mut row, _) = person_for_write(tx, actor, op.entity.id)?;
    let current = row.snapshot.person.consent.clone();
    let conflicts = merge_one(
        &mut row,
        "consent",
        current,
        consent.clone(),
        op.hlc,
        base,
        |p, v: ConsentRecord| p.consent = v,
    );
    let new_consent = row.snapshot.person.consent.clone();
    let person_id = row.snapshot.person.id;
    let seq = finish_person(
        tx,
        caller,
        op,
        row,
        conflicts.into_iter().collect(),
        "push.record_consent",
        now,
    )?;
    cases::follow_consent(tx, clock, person_id, &new_consent, now)?;
    Ok(seq)
}

/// `LogContact`: an append-only contact log revision.
/// `LogContact`'s checks (every one before anything is written): the
/// author is the caller, the person is stored and the caller may write
/// their contact logs, the revision id is new and what it revises is the
/// same person's. Returns the team whose caseload the log joins; the push
/// writes it with the rest of its run ([`Tx::log_contacts`]) and audits it
/// with [`audit_contacts`].
pub(super) fn check_contact(
    tx: &mut dyn Tx,
    caller: &Caller,
    c: &ContactLog,
    cache: &mut BatchCache,
) -> Result<TeamId, OpError> {
    let actor = &caller.actor;
    if c.author != actor.user {
        return Err(reject(
            RejectCode::Forbidden,
            "a contact log's author must be the device's worker",
        ));
    }
    if let std::collections::hash_map::Entry::Vacant(slot) = cache.persons.entry(c.person_id) {
        let found = match tx.person(c.person_id)? {
            Some(p) => Some((p.snapshot.person.team, latest_case(tx, c.person_id)?)),
            None => None,
        };
        slot.insert(found);
    }
    let Some(Some((team, case))) = cache.persons.get(&c.person_id).cloned() else {
        return Err(reject(
            RejectCode::NotFound,
            "the person of this contact is not stored (yet)",
        ));
    };
    let d = decide(
        actor,
        Action::Write,
        Resource::ContactLog {
            team,
            author: c.author,
            case: case.as_ref(),
        },
    );
    if !d.is_allowed() {
        return Err(reject(
            RejectCode::Forbidden,
            format!("log contact: {}", deny_text(d)),
        ));
    }
    if cache.contacts.contains(&c.id) {
        return Err(reject(
            RejectCode::AppendOnly,
            "contact logs are append-only: this revision id exists; send a new revision",
        ));
    }
    if let Some(prev) = c.revises {
        match tx.contact(prev)? {
            None => {
                return Err(reject(
                    RejectCode::NotFound,
                    "the revision this one corrects is not stored (yet)",
                ));
            }
            Some(p) if p.log.person_id != c.person_id => {
                let mut e = ValidationErrors::default();
                e.push(
                    "payload.revises",
                    Violation::Contradicts {
                        other: "person_id".into(),
                    },
                );
                return Err(reject_invalid(e));
            }
            Some(_) => {}
        }
    }
    cache.contacts.insert(c.id);
    Ok(team)
}

/// Most contact ids one audit entry of a push names.
pub const AUDIT_CONTACTS_PER_ENTRY: usize = 50;

/// The audit of a run of contact logs written by one push: one entry per
/// person (and per [`AUDIT_CONTACTS_PER_ENTRY`] logs), action
/// `push.log_contact`, entity `person:<id> contact:<id> contact:<id> …`,
/// with the HLC of the entry's last log. Persons in the order the push
/// first names them; contacts in push order.
pub(super) fn audit_contacts(
    tx: &mut dyn Tx,
    caller: &Caller,
    logs: &[ContactWrite<'_>],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut persons: Vec<(PersonId, Vec<&ContactWrite<'_>>)> = Vec::new();
    for w in logs {
        let p = w.row.log.person_id;
        match persons.iter_mut().find(|(q, _)| *q == p) {
            Some((_, v)) => v.push(w),
            None => persons.push((p, vec![w])),
        }
    }
    for (person, writes) in persons {
        for chunk in writes.chunks(AUDIT_CONTACTS_PER_ENTRY) {
            let mut entity = format!("person:{person}");
            for w in chunk {
                entity.push_str(" contact:");
                entity.push_str(&w.row.log.id.to_string());
            }
            audit::append(
                tx,
                caller.event(
                    "push.log_contact",
                    entity,
                    caller.basis("own team caseload"),
                    chunk.last().map(|w| w.hlc),
                ),
                now,
            )?;
        }
    }
    Ok(())
}

pub(super) fn person_for_write(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<(PersonRow, Option<CaseQueueItem>), OpError> {
    let Some(row) = tx.person(PersonId(id))? else {
        return Err(reject(
            RejectCode::NotFound,
            "the person is not stored (yet)",
        ));
    };
    let case = latest_case(tx, PersonId(id))?;
    let d = decide(
        actor,
        Action::Write,
        Resource::Person {
            team: row.snapshot.person.team,
            case: case.as_ref(),
        },
    );
    if !d.is_allowed() {
        return Err(reject(
            RejectCode::Forbidden,
            format!("change person: {}", deny_text(d)),
        ));
    }
    Ok((row, case))
}

/// Merges one person field (or household member) by HLC, under its key.
fn merge_change(
    row: &mut PersonRow,
    set: PersonField,
    hlc: Hlc,
    base: Option<Hlc>,
) -> Option<ConflictRecord> {
    let key = set.key();
    let current = set.read(&row.snapshot.person);
    merge_one(row, &key, current, set, hlc, base, |p, v| v.apply(p))
}

/// Merges one field by HLC; returns the conflict to keep, if any. A
/// household member without a version of its own has the household's.
fn merge_one<T: Clone + PartialEq + serde::Serialize>(
    row: &mut PersonRow,
    name: &str,
    current_value: T,
    incoming: T,
    hlc: Hlc,
    base: Option<Hlc>,
    set: impl Fn(&mut Person, T),
) -> Option<ConflictRecord> {
    let mut current = household::version_of(&row.snapshot.versions, name).map(|h| Versioned {
        value: current_value,
        hlc: h,
        base: row.bases.get(name).copied(),
    });
    let incoming = Versioned {
        value: incoming,
        hlc,
        base,
    };
    let result = merge_field(&mut current, incoming);
    let won = matches!(result, FieldMerge::Applied)
        || matches!(&result, FieldMerge::Conflict { winner, .. } if winner.hlc == hlc);
    if won && let Some(v) = current {
        set(&mut row.snapshot.person, v.value);
        row.snapshot.versions.insert(name.to_owned(), hlc);
        match base {
            Some(b) => row.bases.insert(name.to_owned(), b),
            None => row.bases.remove(name),
        };
    }
    match result {
        FieldMerge::Conflict { winner, loser } => Some(ConflictRecord {
            person_id: row.snapshot.person.id,
            field: name.to_owned(),
            kept: field_value(&winner.value),
            kept_hlc: winner.hlc,
            other: field_value(&loser.value),
            other_hlc: loser.hlc,
        }),
        _ => None,
    }
}

/// A field's value as JSON: the `value` part of a `PersonField`, or the
/// value itself.
fn field_value<T: serde::Serialize>(v: &T) -> serde_json::Value {
    let j = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    match j {
        serde_json::Value::Object(ref m) if m.contains_key("field") => {
            m.get("value").cloned().unwrap_or(serde_json::Value::Null)
        }
        other => other,
    }
}

pub(super) fn person_changed(tx: &mut dyn Tx, p: &Person, hlc: Hlc) -> StoreResult<u64> {
    tx.append_change(&NewChange {
        kind: EntityKind::Person,
        entity: p.id.0,
        person: p.id,
        team: p.team,
        hlc,
        replace: true,
    })
}

#[allow(clippy::too_many_arguments)]
fn finish_person(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    row: PersonRow,
    conflicts: Vec<ConflictRecord>,
    action: &str,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let ctx = ValidationContext::at(now);
    row.snapshot.person.validate(&ctx).map_err(|e| {
        let mut n = ValidationErrors::default();
        n.nest("merged", Err(e));
        reject_invalid(n)
    })?;
    let person = row.snapshot.person.clone();
    tx.put_person(&row)?;
    let seq = person_changed(tx, &person, op.hlc)?;
    for c in conflicts {
        let id = crypto::new_uuid();
        tx.insert_conflict(id, person.team, &c)?;
        tx.append_change(&NewChange {
            kind: EntityKind::Conflict,
            entity: id,
            person: person.id,
            team: person.team,
            hlc: op.hlc,
            replace: false,
        })?;
        audit::append(
            tx,
            caller.event(
                "merge.conflict_kept",
                format!("person:{} field:{}", person.id, c.field),
                caller.basis("field merge by HLC"),
                Some(op.hlc),
            ),
            now,
        )?;
    }
    audit::append(
        tx,
        caller.event(
            action,
            format!("person:{}", person.id),
            caller.basis("own team caseload"),
            Some(op.hlc),
        ),
        now,
    )?;
    Ok(seq)
}

/// One person's record, if the caller may read it (audited), as the
/// caller may read it (`shared::access::person_snapshot_view`: an agency
/// member gets the alias and the consent only).
pub fn read_person(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: PersonId,
    now: DateTime<Utc>,
) -> Result<PersonSnapshot, Error> {
    let hidden = || Error::not_found("no such person, or not visible to you");
    let row = tx.person(id)?.ok_or_else(hidden)?;
    let case = latest_case(tx, id)?;
    let team = row.snapshot.person.team;
    let d = decide(
        &caller.actor,
        Action::Read,
        Resource::Person {
            team,
            case: case.as_ref(),
        },
    );
    // Or as a household member of a case that lists the person (its
    // meeting sees them only by their own consent).
    let mut as_member = || -> StoreResult<bool> {
        Ok(tx.household_cases_of_person(id)?.iter().any(|c| {
            decide(
                &caller.actor,
                Action::Read,
                Resource::HouseholdMember {
                    team,
                    person: id,
                    case: Some(&c.item),
                },
            )
            .is_allowed()
        }))
    };
    if !d.is_allowed() && !as_member()? {
        return Err(hidden());
    }
    audit::append(
        tx,
        caller.event(
            "read.person",
            format!("person:{id}"),
            caller.basis("visibility rule (shared::access)"),
            None,
        ),
        now,
    )?;
    Ok(outreach_shared::access::person_snapshot_view(
        &caller.actor,
        row.snapshot,
    ))
}
