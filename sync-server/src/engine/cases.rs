//! The 多機関協働 case queue: escalations from pushes (route by consent,
//! one open case per person), the queue as each caller may see it
//! (emergencies first), coordinators' moves and the meeting roster with
//! confidentiality pledges, and the route following consent.
//!
//! Structured プラン and monitoring belong in a future `engine/plans.rs`
//! beside this file.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseId, CaseQueueItem, CaseStatus, ConsentRecord, Escalation, Hlc, PersonId, TeamId,
    ValidationContext, ValidationErrors, Violation,
};

use super::Error;
use super::persons::person_for_write;
use super::push::{OpError, reject, reject_invalid};
use super::{Caller, ServerClock, deny_text};
use crate::audit::{self, AuditEvent};
use crate::store::*;

/// `Escalate`: a worker passes a case to 多機関協働.
pub(super) fn escalate(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    e: &Escalation,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let actor = &caller.actor;
    let ctx = ValidationContext::at(now);
    if e.raised_by != actor.user {
        return Err(reject(
            RejectCode::Forbidden,
            "an escalation must be raised by the device's worker",
        ));
    }
    let (row, _) = person_for_write(tx, actor, e.person_id.0)?;
    let person = &row.snapshot.person;
    e.validate(&ctx, &person.consent).map_err(|v| {
        let mut n = ValidationErrors::default();
        n.nest("payload", Err(v));
        reject_invalid(n)
    })?;
    if tx.case(e.case_id)?.is_some() {
        return Err(reject(
            RejectCode::StaleState,
            "a case with this id already exists",
        ));
    }
    if tx
        .cases_of_person(e.person_id)?
        .iter()
        .any(|c| c.item.status.is_open())
    {
        return Err(reject(
            RejectCode::StaleState,
            "the person already has an open case in the queue",
        ));
    }
    let item = CaseQueueItem::received(e.clone(), now);
    let team = person.team;
    let seq = save_case(tx, &item, team, op.hlc)?;
    tx.insert_case_move(&CaseMove {
        case_id: e.case_id,
        from: None,
        to: CaseStatus::Received,
        route: item.route,
        cause: CaseMoveCause::Escalated,
        by: Some(actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "push.escalate",
            format!("case:{} person:{}", e.case_id, e.person_id),
            caller.basis("own team caseload; route by consent"),
            Some(op.hlc),
        ),
        now,
    )?;
    Ok(seq)
}

/// Stores a case and its change; returns the change's sequence number.
pub(super) fn save_case(
    tx: &mut dyn Tx,
    item: &CaseQueueItem,
    team: TeamId,
    hlc: Hlc,
) -> StoreResult<u64> {
    let seq = tx.append_change(&NewChange {
        kind: EntityKind::Case,
        entity: item.escalation.case_id.0,
        person: item.escalation.person_id,
        team,
        hlc,
        replace: true,
    })?;
    tx.put_case(&CaseRow {
        item: item.clone(),
        team,
        seq,
    })?;
    Ok(seq)
}

/// Withdrawn (or lost) consent moves open cases out of the 重層的支援会議.
pub(super) fn follow_consent(
    tx: &mut dyn Tx,
    clock: &ServerClock,
    person: PersonId,
    consent: &ConsentRecord,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for mut row in tx.cases_of_person(person)? {
        let from = row.item.status;
        if row.item.follow_consent(consent, now) {
            let hlc = clock.now();
            save_case(tx, &row.item, row.team, hlc)?;
            tx.insert_case_move(&CaseMove {
                case_id: row.item.escalation.case_id,
                from: Some(from),
                to: row.item.status,
                route: row.item.route,
                cause: CaseMoveCause::ConsentChanged,
                by: None,
                at: now,
            })?;
            audit::append(
                tx,
                AuditEvent {
                    actor: "server".into(),
                    device: None,
                    device_hlc: None,
                    action: "case.follow_consent".into(),
                    entity: format!("case:{}", row.item.escalation.case_id),
                    basis: "consent withdrawn: moved out of the multi-layered support meeting"
                        .into(),
                },
                now,
            )?;
        }
    }
    Ok(())
}

/// The queue as the caller may see it, emergencies first.
pub fn list_cases(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<CaseQueueItem>, Error> {
    let mut items: Vec<CaseQueueItem> = tx
        .cases()?
        .into_iter()
        .filter(|r| {
            decide(
                &caller.actor,
                Action::Read,
                Resource::Case {
                    item: &r.item,
                    team: r.team,
                },
            )
            .is_allowed()
        })
        .map(|r| r.item)
        .collect();
    // Open cases first, then by urgency (emergencies first), then oldest.
    items.sort_by_key(|i| {
        (
            !i.status.is_open(),
            i.escalation.urgency,
            i.escalation.raised_at,
        )
    });
    Ok(items)
}

fn case_for(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    action: Action,
) -> Result<CaseRow, Error> {
    let hidden = || Error::not_found("no such case, or not visible to you");
    let row = tx.case(id)?.ok_or_else(hidden)?;
    let read = decide(
        &caller.actor,
        Action::Read,
        Resource::Case {
            item: &row.item,
            team: row.team,
        },
    );
    if !read.is_allowed() {
        return Err(hidden());
    }
    if action == Action::Write {
        let d = decide(
            &caller.actor,
            Action::Write,
            Resource::Case {
                item: &row.item,
                team: row.team,
            },
        );
        if !d.is_allowed() {
            return Err(Error::forbidden(format!("move case: {}", deny_text(d))));
        }
    }
    Ok(row)
}

/// One case with its history (audited as a read).
pub fn case_detail(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let row = case_for(tx, caller, id, Action::Read)?;
    let moves = tx.case_moves(id)?;
    audit::append(
        tx,
        caller.event(
            "read.case",
            format!("case:{id} person:{}", row.item.escalation.person_id),
            caller.basis("visibility rule (shared::access)"),
            None,
        ),
        now,
    )?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: row.item,
        moves,
        seq: row.seq,
    })
}

/// A coordinator moves a case through its lifecycle.
pub fn move_case(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &CaseMoveRequest,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let mut row = case_for(tx, caller, id, Action::Write)?;
    let from = row.item.status;
    if let Err(fe) = from.check_transition(req.to, "to") {
        return Err(Error::Invalid(ValidationErrors(vec![fe])));
    }
    row.item.status = req.to;
    row.item.return_reason = if req.to == CaseStatus::ReturnedToOutreach {
        req.return_reason.clone()
    } else {
        None
    };
    row.item.updated_at = now;
    let consent = tx
        .person(row.item.escalation.person_id)?
        .map(|p| p.snapshot.person.consent)
        .unwrap_or_default();
    row.item.validate(&consent).map_err(Error::Invalid)?;
    let seq = save_case(tx, &row.item, row.team, clock.now())?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: Some(from),
        to: req.to,
        route: row.item.route,
        cause: CaseMoveCause::Coordinator,
        by: Some(caller.actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.move",
            format!("case:{id}"),
            caller.basis(&format!("{} -> {}", from.code(), req.to.code())),
            None,
        ),
        now,
    )?;
    let moves = tx.case_moves(id)?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: row.item,
        moves,
        seq,
    })
}

/// A coordinator adds or updates a meeting member.
pub fn set_roster(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &RosterRequest,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let mut row = case_for(tx, caller, id, Action::Write)?;
    let member = tx.user(req.user)?.ok_or_else(|| {
        let mut e = ValidationErrors::default();
        e.push("user", Violation::Unknown);
        Error::Invalid(e)
    })?;
    if member.role != Role::AgencyMember || member.agency.as_ref() != Some(&req.agency) {
        let mut e = ValidationErrors::default();
        e.push(
            "user",
            Violation::Contradicts {
                other: "agency".into(),
            },
        );
        return Err(Error::Invalid(e));
    }
    row.item.roster.retain(|m| m.user != req.user);
    row.item.roster.push(outreach_shared::RosterMember {
        user: req.user,
        agency: req.agency.clone(),
        pledge_recorded_at: req.pledge_recorded_at,
    });
    row.item.updated_at = now;
    let consent = tx
        .person(row.item.escalation.person_id)?
        .map(|p| p.snapshot.person.consent)
        .unwrap_or_default();
    row.item.validate(&consent).map_err(Error::Invalid)?;
    let seq = save_case(tx, &row.item, row.team, clock.now())?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: Some(row.item.status),
        to: row.item.status,
        route: row.item.route,
        cause: CaseMoveCause::Roster,
        by: Some(caller.actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.roster",
            format!("case:{id} member:{}", req.user),
            caller.basis("coordinator"),
            None,
        ),
        now,
    )?;
    let moves = tx.case_moves(id)?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: row.item,
        moves,
        seq,
    })
}
