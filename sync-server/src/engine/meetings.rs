//! Meetings of a case (重層的支援会議 or 支援会議): a coordinator records one
//! after it was held (the rules are `shared::case_rules::check_meeting`),
//! and the printable agenda, which carries only what that meeting may see
//! (the escalation, the roster, earlier meetings — never contact logs or
//! workers' reflections). Meetings are append-only records of the server,
//! never synced to tablets.
//!
//! Scheduling a future meeting and editing one with its history belong
//! here when they come.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::case_rules;
use outreach_shared::{
    Attendee, CaseId, CaseQueueItem, Meeting, MeetingPurpose, UserId, Violation, ja,
};
use std::collections::HashMap;

use super::cases::{console_may_read, person_of_case};
use super::{Caller, Error, audit_console};
use crate::crypto;
use crate::store::{StoreError, StoreResult, Tx};

/// A case's meetings, oldest first.
pub fn meetings_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Vec<Meeting>> {
    Ok(tx
        .meetings_of_case(case)?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

/// Every meeting held in a period.
pub fn meetings_between(
    tx: &mut dyn Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<Meeting>> {
    Ok(tx
        .meetings_between(from, to)?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

/// A meeting as a coordinator fills it in.
#[derive(Debug, Clone)]
pub struct MeetingDraft {
    pub held_on: NaiveDate,
    pub purpose: MeetingPurpose,
    /// The roster members who attended, each with their agency's role.
    pub attended: Vec<(UserId, String)>,
    /// Blank when not given.
    pub decisions: String,
    pub plan: Option<String>,
    pub monitoring: Option<String>,
    pub evaluation: Option<String>,
}

/// A coordinator records a meeting of case `id`.
pub fn record_meeting(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    draft: MeetingDraft,
    now: DateTime<Utc>,
) -> Result<Meeting, Error> {
    let row = tx
        .case(id)?
        .ok_or_else(|| Error::not_found("no such case"))?;
    let d = decide(
        &caller.actor,
        Action::Write,
        Resource::Case {
            item: &row.item,
            team: row.team,
        },
    );
    if !d.is_allowed() {
        return Err(Error::forbidden("meeting: not allowed"));
    }
    let mut attendees = Vec::with_capacity(draft.attended.len());
    for (user, role) in draft.attended {
        let agency = row
            .item
            .roster
            .iter()
            .find(|m| m.user == user)
            .map(|m| m.agency.clone())
            .ok_or_else(|| Error::field("attendees", Violation::Unknown))?;
        attendees.push(Attendee { user, agency, role });
    }
    let m = Meeting {
        id: crypto::new_uuid(),
        case_id: id,
        route: row.item.route,
        purpose: draft.purpose,
        held_on: draft.held_on,
        attendees,
        decisions: draft.decisions,
        plan: draft.plan,
        monitoring: draft.monitoring,
        evaluation: draft.evaluation,
        recorded_by: caller.actor.user,
        recorded_at: now,
    };
    case_rules::check_meeting(&m, &row.item, ja::local_date(now))?;
    let body = serde_json::to_string(&m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.insert_meeting(m.id, id, m.held_on, &body)?;
    audit_console(
        tx,
        caller,
        "case.meeting",
        format!("case:{id} meeting:{}", m.id),
        "coordinator (shared::access)",
        now,
    )?;
    Ok(m)
}

/// What a meeting's printed agenda carries.
pub struct Agenda {
    pub item: CaseQueueItem,
    /// The person's alias, where the caller may read the person.
    pub alias: Option<String>,
    pub meetings: Vec<Meeting>,
    pub names: HashMap<UserId, String>,
}

/// The agenda of case `id` (audited as a read). `Ok(None)` when the case
/// exists but the caller may not see it (the refusal is audited: commit
/// it).
pub fn agenda(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<Option<Agenda>, Error> {
    if !console_may_read(tx, caller, id, &format!("case:{id} agenda"), now)? {
        return Ok(None);
    }
    let row = tx
        .case(id)?
        .ok_or_else(|| Error::not_found("no such case"))?;
    let alias = person_of_case(tx, &caller.actor, &row.item)?.map(|(a, _)| a);
    let meetings = meetings_of(tx, id)?;
    let names: HashMap<UserId, String> = tx
        .users()?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    audit_console(
        tx,
        caller,
        "read.agenda",
        format!("case:{id} person:{}", row.item.escalation.person_id),
        "visibility rule (shared::access)",
        now,
    )?;
    Ok(Some(Agenda {
        item: row.item,
        alias,
        meetings,
        names,
    }))
}
