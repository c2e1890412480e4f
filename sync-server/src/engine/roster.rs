//! A case's meeting roster: a coordinator adds members (with their
//! confidentiality pledge, which a 支援会議 requires) and removes them.
//! Access follows the roster and the case (`shared::access`): a removed
//! member loses the case at once on every path — the pull, the console,
//! the API and the printed agenda — and the removal is audited. The rules
//! are `shared::case_rules::{add_to_roster, remove_from_roster}`.

use chrono::{DateTime, Utc};
use outreach_shared::access::Action;
use outreach_shared::case_rules;
use outreach_shared::protocol::*;
use outreach_shared::{CaseId, RosterMember, UserId, Violation};

use super::cases::{case_for, consent_of, detail_of, save_case};
use super::{Caller, Error, ServerClock};
use crate::audit;
use crate::store::*;

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
    let member = tx
        .user(req.user)?
        .ok_or_else(|| Error::field("user", Violation::Unknown))?;
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
    Ok(detail_of(tx, row.item, seq)?)
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

/// A coordinator removes a member from a case's roster: their access ends
/// at once (audited as `case.roster_remove`).
pub fn remove_roster_member(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let mut row = case_for(tx, caller, id, Action::Write)?;
    case_rules::remove_from_roster(&mut row.item, user, now)?;
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
            "case.roster_remove",
            format!("case:{id} member:{user}"),
            caller.basis("coordinator removed the member; access ended"),
            None,
        ),
        now,
    )?;
    Ok(detail_of(tx, row.item, seq)?)
}
