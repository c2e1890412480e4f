//! The 多機関協働 case queue: escalations from pushes (route by consent,
//! one open case per person: a later escalation is folded into the open
//! case, never refused), the queue as each caller may see it (emergencies
//! first), coordinators' moves (the plan statuses need their record, 終結
//! its evaluation), the route change when consent arrives later, and the
//! route following withdrawn consent. The rules are `shared::case_rules`.
//!
//! Beside it: [`super::roster`] (members and pledges), [`super::plans`]
//! (the プラン, monitoring, closure evaluation, 支援会議 record),
//! [`super::meetings`], [`super::referrals`] (agencies' referrals and
//! find-requests) and [`super::board`] (the console's board and case page).

use chrono::{DateTime, Utc};
use outreach_shared::access::Decision;
use outreach_shared::access::{
    Action, Actor, CaseView, DenyReason, Resource, case_item_view, case_view, decide,
};
use outreach_shared::case_rules;
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseId, CaseQueueItem, CaseStatus, ConsentRecord, Escalation, Hlc, PersonId, Route, TeamId,
    ValidationContext, ValidationErrors,
};

use super::Error;
use super::persons::person_for_write;
use super::push::{OpError, reject, reject_invalid};
use super::{Caller, ServerClock, audit_console, deny_text};
use crate::audit::{self, AuditEvent};
use crate::store::*;

/// `Escalate`: a worker passes a case to 多機関協働. A person with an
/// open case gets the escalation folded into it (the tablet's answer is
/// that case's status, naming this escalation in `followups`).
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
    check_household(tx, actor, e, person)?;
    if tx.case(e.case_id)?.is_some() {
        return Err(reject(
            RejectCode::StaleState,
            "a case with this id already exists",
        ));
    }
    if let Some(open) = open_case(tx, e.person_id)? {
        let seq = fold_followup(tx, caller, open, e.clone(), op.hlc, now)?;
        audit::append(
            tx,
            caller.event(
                "push.escalate_followup",
                format!("case:{} person:{}", e.case_id, e.person_id),
                caller.basis("own team caseload; folded into the open case"),
                Some(op.hlc),
            ),
            now,
        )?;
        return Ok(seq);
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

/// The household members of an escalation (`shared::case_rules::check_household`):
/// each must be a person the worker's team holds, linked into the
/// person's household, routed by their own consent on record.
fn check_household(
    tx: &mut dyn Tx,
    actor: &Actor,
    e: &Escalation,
    person: &outreach_shared::Person,
) -> Result<(), OpError> {
    if e.household.is_empty() {
        return Ok(());
    }
    let mut consents = Vec::new();
    for m in &e.household {
        let Some(r) = tx.person(m.person_id)? else {
            continue;
        };
        let d = decide(
            actor,
            Action::Read,
            Resource::HouseholdMember {
                team: r.snapshot.person.team,
                person: m.person_id,
                case: None,
            },
        );
        if d.is_allowed() {
            consents.push((m.person_id, r.snapshot.person.consent));
        }
    }
    case_rules::check_household(e, person, |id| {
        consents.iter().find(|(p, _)| *p == id).map(|(_, c)| c)
    })
    .map_err(|v| {
        let mut n = ValidationErrors::default();
        n.nest("payload", Err(v));
        reject_invalid(n)
    })
}

/// The person's open case, if any.
pub(super) fn open_case(tx: &mut dyn Tx, person: PersonId) -> StoreResult<Option<CaseRow>> {
    Ok(tx
        .cases_of_person(person)?
        .into_iter()
        .find(|c| c.item.status.is_open()))
}

/// Folds a later escalation or referral into the open case `open`; returns
/// the case's change number.
pub(super) fn fold_followup(
    tx: &mut dyn Tx,
    caller: &Caller,
    mut open: CaseRow,
    e: Escalation,
    hlc: Hlc,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    if !case_rules::fold_followup(&mut open.item, e, now) {
        return Ok(open.seq);
    }
    let seq = save_case(tx, &open.item, open.team, hlc)?;
    tx.insert_case_move(&CaseMove {
        case_id: open.item.escalation.case_id,
        from: Some(open.item.status),
        to: open.item.status,
        route: open.item.route,
        cause: CaseMoveCause::FollowUp,
        by: Some(caller.actor.user),
        at: now,
    })?;
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

/// Saves a case again after one of its records changed (a plan, a
/// monitoring, a scheduled meeting), so the tablets' view of its outcome
/// and the feed follow.
pub(super) fn touch_case(
    tx: &mut dyn Tx,
    clock: &ServerClock,
    mut row: CaseRow,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    row.item.updated_at = now;
    save_case(tx, &row.item, row.team, clock.now())
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
        let before: Vec<_> = row.item.roster.iter().map(|m| m.user).collect();
        if row.item.follow_consent(consent, now) {
            let hlc = clock.now();
            save_case(tx, &row.item, row.team, hlc)?;
            let id = row.item.escalation.case_id;
            tx.insert_case_move(&CaseMove {
                case_id: id,
                from: Some(from),
                to: row.item.status,
                route: row.item.route,
                cause: CaseMoveCause::ConsentChanged,
                by: None,
                at: now,
            })?;
            audit::append(
                tx,
                server_event(
                    "case.follow_consent",
                    format!("case:{id}"),
                    "consent withdrawn: moved out of the multi-layered support meeting",
                ),
                now,
            )?;
            for u in before
                .iter()
                .filter(|u| !row.item.roster.iter().any(|m| m.user == **u))
            {
                audit::append(
                    tx,
                    server_event(
                        "case.roster_remove",
                        format!("case:{id} member:{u}"),
                        "consent withdrawn: a member without a confidentiality pledge leaves the roster; access ended",
                    ),
                    now,
                )?;
            }
        }
    }
    // The cases that list the person as a household member: only this
    // member leaves the 重層的支援会議.
    for mut row in tx.household_cases_of_person(person)? {
        if row.item.follow_member_consent(person, consent, now) {
            save_case(tx, &row.item, row.team, clock.now())?;
            audit::append(
                tx,
                server_event(
                    "case.follow_member_consent",
                    format!("case:{} person:{person}", row.item.escalation.case_id),
                    "a household member's consent withdrawn: that member leaves the multi-layered support meeting",
                ),
                now,
            )?;
        }
    }
    Ok(())
}

fn server_event(action: &str, entity: String, basis: &str) -> AuditEvent {
    AuditEvent {
        actor: "server".into(),
        device: None,
        device_hlc: None,
        action: action.into(),
        entity,
        basis: basis.into(),
    }
}

/// The consent on record of a case's person (none if the person is gone).
pub(super) fn consent_of(tx: &mut dyn Tx, item: &CaseQueueItem) -> StoreResult<ConsentRecord> {
    Ok(tx
        .person(item.escalation.person_id)?
        .map(|p| p.snapshot.person.consent)
        .unwrap_or_default())
}

/// What the escalating team is told when it asks for more than a case's
/// status.
pub const STATUS_ONLY: &str = "outreach workers and supervisors see a case's status only (GET /api/v1/cases/{id}/status, or the pull)";

/// The queue as the caller may see it, emergencies first: the cases the
/// caller reads as a whole. The escalating team reads statuses only
/// ([`case_statuses`]) and is refused.
pub fn list_cases(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<CaseQueueItem>, Error> {
    if caller.actor.role.reads_case_status_only() {
        return Err(Error::forbidden(STATUS_ONLY));
    }
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
        .map(|r| case_item_view(&caller.actor, r.item))
        .collect();
    // Open cases first, then by urgency (emergencies first), then oldest.
    items.sort_by_key(|i| (!i.status.is_open(), i.urgency(), i.escalation.raised_at));
    Ok(items)
}

/// Case `id` if the caller may read it (and write it, for
/// [`Action::Write`]). Not found and not visible are never told apart.
pub(super) fn case_for(
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
    match read {
        Decision::Allow => {}
        Decision::Deny(DenyReason::StatusOnly) => return Err(Error::forbidden(STATUS_ONLY)),
        Decision::Deny(_) => return Err(hidden()),
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
            return Err(Error::forbidden(format!("change case: {}", deny_text(d))));
        }
    }
    Ok(row)
}

/// A case's detail with its history.
pub(super) fn detail_of(tx: &mut dyn Tx, item: CaseQueueItem, seq: u64) -> StoreResult<CaseDetail> {
    let moves = tx.case_moves(item.escalation.case_id)?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item,
        moves,
        seq,
    })
}

/// One case with its history (audited as a read).
pub fn case_detail(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let row = case_for(tx, caller, id, Action::Read)?;
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
    let item = case_item_view(&caller.actor, row.item);
    Ok(detail_of(tx, item, row.seq)?)
}

/// The status of every case the caller may follow (the cases it reads as
/// a whole too), emergencies first, with the row's team: what the
/// escalating team's board shows.
pub fn case_statuses(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<CaseStatusView>, Error> {
    Ok(status_rows(tx, caller)?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// [`case_statuses`], each with its case (for the engine's own use: the
/// person's alias on the board).
pub(super) fn status_rows(
    tx: &mut dyn Tx,
    caller: &Caller,
) -> Result<Vec<(CaseQueueItem, CaseStatusView)>, Error> {
    let mut rows: Vec<CaseRow> = tx
        .cases()?
        .into_iter()
        .filter(|r| case_view(&caller.actor, &r.item, r.team).is_ok())
        .collect();
    rows.sort_by_key(|r| {
        (
            !r.item.status.is_open(),
            r.item.urgency(),
            r.item.escalation.raised_at,
        )
    });
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let v = super::pull::status_view(tx, &r.item)?;
        out.push((r.item, v));
    }
    Ok(out)
}

/// A case's status as the escalating team follows it (audited as a read):
/// `shared::protocol::CaseStatusView`, as the tablet gets it. Anyone who
/// reads the case as a whole reads its status too.
pub fn case_status(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseStatusView, Error> {
    let hidden = || Error::not_found("no such case, or not visible to you");
    let row = tx.case(id)?.ok_or_else(hidden)?;
    if case_view(&caller.actor, &row.item, row.team).is_err() {
        return Err(hidden());
    }
    audit::append(
        tx,
        caller.event(
            "read.case_status",
            format!("case:{id} person:{}", row.item.escalation.person_id),
            caller.basis("visibility rule (shared::access): status"),
            None,
        ),
        now,
    )?;
    Ok(super::pull::status_view(tx, &row.item)?)
}

/// How much of case `row` the caller reads (`shared::access::case_view`).
pub(super) fn view_of(caller: &Caller, row: &CaseRow) -> Option<CaseView> {
    case_view(&caller.actor, &row.item, row.team).ok()
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
    let on_record = super::plans::on_record(tx, &row.item)?;
    case_rules::apply_move(
        &mut row.item,
        req.to,
        req.return_reason.clone(),
        &consent,
        on_record,
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
    if !row.item.status.is_open() {
        // Closing or returning the case ends every member's access.
        for m in &row.item.roster {
            audit::append(
                tx,
                caller.event(
                    "case.access_ended",
                    format!("case:{id} member:{}", m.user),
                    caller.basis(&format!("case {}: roster access ended", req.to.code())),
                    None,
                ),
                now,
            )?;
        }
    }
    Ok(detail_of(tx, row.item, seq)?)
}

/// Consent given later: a coordinator moves a 支援会議 case to the
/// 重層的支援会議, keeping the members named in `req.keep`; every other
/// member's access ends (audited).
pub fn change_route(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &RouteChangeRequest,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    if req.to != Route::MultiLayeredMeeting {
        return Err(Error::bad_request(
            "a coordinator moves a case only to the multi-layered support meeting; withdrawn consent moves it back by itself",
        ));
    }
    let mut row = case_for(tx, caller, id, Action::Write)?;
    let from = row.item.status;
    let before = row.item.roster.clone();
    let consent = consent_of(tx, &row.item)?;
    case_rules::change_route(&mut row.item, &req.keep, &consent, now)?;
    let seq = save_case(tx, &row.item, row.team, clock.now())?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: Some(from),
        to: row.item.status,
        route: row.item.route,
        cause: CaseMoveCause::RouteChanged,
        by: Some(caller.actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.route",
            format!("case:{id}"),
            caller.basis("consent on record: support meeting -> multi-layered support meeting"),
            None,
        ),
        now,
    )?;
    for m in before.iter().filter(|m| !req.keep.contains(&m.user)) {
        audit::append(
            tx,
            caller.event(
                "case.roster_remove",
                format!("case:{id} member:{}", m.user),
                caller.basis(
                    "roster re-confirmed for the multi-layered support meeting; access ended",
                ),
                None,
            ),
            now,
        )?;
    }
    Ok(detail_of(tx, row.item, seq)?)
}

/// The alias and consent of a case's person, where the caller may read the
/// person (`shared::access`, through its projection `person_view`);
/// `None` otherwise.
pub fn person_of_case(
    tx: &mut dyn Tx,
    actor: &Actor,
    item: &CaseQueueItem,
) -> StoreResult<Option<(String, ConsentRecord)>> {
    let Some(p) = tx.person(item.escalation.person_id)? else {
        return Ok(None);
    };
    let d = decide(
        actor,
        Action::Read,
        Resource::Person {
            team: p.snapshot.person.team,
            case: Some(item),
        },
    );
    if !d.is_allowed() {
        return Ok(None);
    }
    let person = outreach_shared::access::person_view(actor, p.snapshot.person);
    Ok(Some((person.alias, person.consent)))
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
