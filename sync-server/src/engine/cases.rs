//! The 多機関協働 case queue: escalations from pushes (route by consent,
//! one open case per person), the queue as each caller may see it
//! (emergencies first), coordinators' moves and the meeting roster with
//! confidentiality pledges, and the route following consent.
//!
//! Structured プラン and monitoring belong in a future `engine/plans.rs`
//! beside this file.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Actor, Resource, Role, decide};
use outreach_shared::case_rules;
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseId, CaseQueueItem, CaseStatus, ConsentRecord, Escalation, Hlc, Meeting, PersonId,
    RosterMember, TeamId, UserId, ValidationContext, ValidationErrors, Violation,
};
use std::collections::HashMap;

use super::Error;
use super::persons::person_for_write;
use super::push::{OpError, reject, reject_invalid};
use super::{Caller, ServerClock, audit_console, deny_text};
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

/// The consent on record of a case's person (none if the person is gone).
fn consent_of(tx: &mut dyn Tx, item: &CaseQueueItem) -> StoreResult<ConsentRecord> {
    Ok(tx
        .person(item.escalation.person_id)?
        .map(|p| p.snapshot.person.consent)
        .unwrap_or_default())
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
    let consent = consent_of(tx, &row.item)?;
    case_rules::apply_move(
        &mut row.item,
        req.to,
        req.return_reason.clone(),
        &consent,
        now,
    )?;
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
    let consent = consent_of(tx, &row.item)?;
    case_rules::add_to_roster(
        &mut row.item,
        RosterMember {
            user: req.user,
            agency: req.agency.clone(),
            pledge_recorded_at: req.pledge_recorded_at,
        },
        member.role,
        member.agency.as_ref(),
        &consent,
        now,
    )?;
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

/// A coordinator adds a user to a case's roster as a member of the user's
/// own agency, with or without a pledge recorded now (the console's form).
pub fn add_roster_member(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    user: UserId,
    pledged: bool,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let member = tx
        .user(user)?
        .ok_or_else(|| Error::field("user", Violation::Unknown))?;
    let agency = member
        .agency
        .ok_or_else(|| Error::field("roster.agency", Violation::Unknown))?;
    let req = RosterRequest {
        protocol: ProtocolVersion::CURRENT,
        user,
        agency,
        pledge_recorded_at: pledged.then_some(now),
    };
    set_roster(tx, caller, clock, id, &req, now)
}

/// The alias and consent of a case's person, where the caller may read the
/// person (`shared::access`); `None` otherwise.
pub fn person_of_case(
    tx: &mut dyn Tx,
    actor: &Actor,
    item: &CaseQueueItem,
) -> StoreResult<Option<(String, ConsentRecord)>> {
    let Some(p) = tx.person(item.escalation.person_id)? else {
        return Ok(None);
    };
    let person = p.snapshot.person;
    let d = decide(
        actor,
        Action::Read,
        Resource::Person {
            team: person.team,
            case: Some(item),
        },
    );
    Ok(d.is_allowed().then_some((person.alias, person.consent)))
}

/// The console's case board: every case the caller may see, with the
/// person's alias where the caller may read it (audited as a view).
pub fn board(
    tx: &mut dyn Tx,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<(CaseQueueItem, Option<String>)>, Error> {
    let items = list_cases(tx, caller)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let alias = person_of_case(tx, &caller.actor, &item)?.map(|(a, _)| a);
        out.push((item, alias));
    }
    audit_console(
        tx,
        caller,
        "console.view.cases",
        format!("cases:{}", out.len()),
        "visibility rule (shared::access)",
        now,
    )?;
    Ok(out)
}

/// Everything the console's case page shows.
pub struct CasePage {
    pub detail: CaseDetail,
    pub alias: Option<String>,
    pub consent: Option<ConsentRecord>,
    /// Display names of every user (for the history and the roster).
    pub names: HashMap<UserId, String>,
    /// Active agency members, who may be added to the roster.
    pub members: Vec<(UserId, String)>,
    pub meetings: Vec<Meeting>,
}

/// A case as its console page shows it (audited as a read). `Ok(None)`
/// when the case exists but the caller may not see it: the refusal is
/// audited, so the caller commits it.
pub fn case_page(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<Option<CasePage>, Error> {
    if !console_may_read(tx, caller, id, &format!("case:{id}"), now)? {
        return Ok(None);
    }
    let detail = case_detail(tx, caller, id, now)?;
    let (alias, consent) = person_of_case(tx, &caller.actor, &detail.item)?.unzip();
    let users = tx.users()?;
    let names = users
        .iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let members = users
        .iter()
        .filter(|u| u.role == Role::AgencyMember && u.active)
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let meetings = super::meetings::meetings_of(tx, id)?;
    Ok(Some(CasePage {
        detail,
        alias,
        consent,
        names,
        members,
        meetings,
    }))
}

/// Whether the caller may read case `id` in the console: `NotFound` if it
/// does not exist; `false` (with a `console.denied` entry naming
/// `entity`) if it is not visible to the caller.
pub(super) fn console_may_read(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    entity: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let row = tx
        .case(id)?
        .ok_or_else(|| Error::not_found("no such case, or not visible to you"))?;
    let d = decide(
        &caller.actor,
        Action::Read,
        Resource::Case {
            item: &row.item,
            team: row.team,
        },
    );
    if !d.is_allowed() {
        audit_console(
            tx,
            caller,
            "console.denied",
            entity.to_owned(),
            &format!("{d:?}"),
            now,
        )?;
        tracing::info!("console: case refused (not visible to this user)");
        return Ok(false);
    }
    Ok(true)
}
