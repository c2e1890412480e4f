//! 参加支援 records from the tablets (needs, a trial at a resource, a
//! follow-up): append-only, checked against the store (the person, the
//! catalogued resource, the trial followed up, the unmet need a trial
//! meets — all the same person's), access by `Resource::Participation`
//! (a person record's rule), one change for the team's pull, audited.
//! The report's sums are `shared::domain::participation::summarise_unmet`.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::protocol::{EntityKind, Operation, RejectCode};
use outreach_shared::{
    ParticipationEntry, ParticipationId, ParticipationRecord, ValidationErrors, Violation,
};

use super::push::{OpError, reject, reject_invalid};
use super::{Caller, deny_text, latest_case};
use crate::audit;
use crate::store::*;

/// `RecordParticipation` from a worker's tablet.
pub(super) fn record(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    r: &ParticipationRecord,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    if r.author != caller.actor.user {
        return Err(reject(
            RejectCode::Forbidden,
            "a participation record's author must be the device's worker",
        ));
    }
    let Some(person) = tx.person(r.person_id)? else {
        return Err(reject(
            RejectCode::NotFound,
            "the person of this record is not stored (yet)",
        ));
    };
    let team = person.snapshot.person.team;
    let case = latest_case(tx, r.person_id)?;
    let d = decide(
        &caller.actor,
        Action::Write,
        Resource::Participation {
            team,
            case: case.as_ref(),
        },
    );
    if !d.is_allowed() {
        return Err(reject(
            RejectCode::Forbidden,
            format!("record participation: {}", deny_text(d)),
        ));
    }
    if tx.participation(r.id)?.is_some() {
        return Err(reject(
            RejectCode::AppendOnly,
            "participation records are append-only: this id exists; send a new record",
        ));
    }
    let same_person = |tx: &mut dyn Tx,
                       id: ParticipationId,
                       field: &str,
                       fits: fn(&ParticipationRecord) -> bool|
     -> Result<(), OpError> {
        match tx.participation(id)? {
            None => Err(reject(
                RejectCode::NotFound,
                format!("{field}: the record it names is not stored (yet)"),
            )),
            Some(p) if p.person_id != r.person_id || !fits(&p) => {
                let mut e = ValidationErrors::default();
                e.push(
                    format!("payload.{field}"),
                    Violation::Contradicts {
                        other: "person_id".into(),
                    },
                );
                Err(reject_invalid(e))
            }
            Some(_) => Ok(()),
        }
    };
    match &r.entry {
        ParticipationEntry::Needs { .. } => {}
        ParticipationEntry::Trial {
            resource, meets, ..
        } => {
            if tx.resource(*resource)?.is_none() {
                return Err(reject(
                    RejectCode::NotFound,
                    "the resource of this trial is not in the catalogue",
                ));
            }
            if let Some(m) = meets {
                same_person(tx, *m, "participation.meets", |p| p.unmet().is_some())?;
            }
        }
        ParticipationEntry::FollowUp { trial, .. } => {
            same_person(tx, *trial, "participation.trial", |p| {
                matches!(p.entry, ParticipationEntry::Trial { .. })
            })?;
        }
    }
    tx.insert_participation(team, r)?;
    tx.append_change(&NewChange {
        kind: EntityKind::Participation,
        entity: r.id.0,
        person: r.person_id,
        team,
        hlc: op.hlc,
        replace: false,
    })?;
    Ok(audit::append(
        tx,
        caller.event(
            "push.record_participation",
            format!("participation:{} person:{}", r.id, r.person_id),
            caller.basis("own team caseload"),
            Some(op.hlc),
        ),
        now,
    )?)
}
