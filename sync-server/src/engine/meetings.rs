//! Meetings of a case (重層的支援会議 or 支援会議): a coordinator schedules one
//! ahead (a date, a place, the members invited), records it after it was
//! held (attendees with their agency's role, decisions) and edits either;
//! each edit keeps the earlier version (`CaseDocKind::MeetingVersion`). The
//! rules are `shared::case_rules::{check_schedule, check_meeting,
//! check_meeting_edit}`. Also the printable agenda, which carries only what
//! that reader may see (the escalation, the roster, the records and
//! meetings `shared::access` lets through — never contact logs or
//! workers' reflections). Meetings are never synced to tablets; a tablet
//! sees only the next meeting's date.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::Action;
use outreach_shared::case_rules::{self, CaseRuleError};
use outreach_shared::protocol::CaseRecords;
use outreach_shared::{
    Attendee, CaseId, CaseQueueItem, Meeting, MeetingPurpose, MeetingState, UserId, ja,
};
use std::collections::HashMap;

use super::cases::{case_for, console_may_read, person_of_case, touch_case};
use super::{Caller, Error, ServerClock, audit_console};
use crate::crypto;
use crate::store::{CaseDoc, CaseDocKind, StoreError, StoreResult, Tx};

fn decode(body: &str) -> StoreResult<Meeting> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("meeting: {e}")))
}

/// A case's meetings (current versions), oldest first.
pub fn meetings_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Vec<Meeting>> {
    tx.meetings_of_case(case)?
        .iter()
        .map(|b| decode(b))
        .collect()
}

/// Every meeting held in a period (scheduled ones are not counted).
pub fn meetings_between(
    tx: &mut dyn Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<Meeting>> {
    Ok(tx
        .meetings_between(from, to)?
        .iter()
        .map(|b| decode(b))
        .collect::<StoreResult<Vec<_>>>()?
        .into_iter()
        .filter(Meeting::is_held)
        .collect())
}

/// A meeting as a coordinator fills it in.
#[derive(Debug, Clone)]
pub struct MeetingDraft {
    pub state: MeetingState,
    pub held_on: NaiveDate,
    pub purpose: MeetingPurpose,
    pub place: Option<String>,
    /// The roster members invited (a scheduled meeting).
    pub invitees: Vec<UserId>,
    /// The roster members who attended, each with their agency's role.
    pub attended: Vec<(UserId, String)>,
    /// Blank when not given.
    pub decisions: String,
}

/// A coordinator schedules or records a meeting of case `id` (`edit`:
/// the meeting and the version the edit started from). Returns the
/// meeting as stored.
pub fn save_meeting(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    edit: Option<(uuid::Uuid, u32)>,
    draft: MeetingDraft,
    now: DateTime<Utc>,
) -> Result<Meeting, Error> {
    let row = case_for(tx, caller, id, Action::Write)?;
    let mut attendees = Vec::with_capacity(draft.attended.len());
    for (user, role) in draft.attended {
        let agency = row
            .item
            .member(user)
            .map(|m| m.agency.clone())
            .ok_or(CaseRuleError::AttendeeNotOnRoster)?;
        attendees.push(Attendee { user, agency, role });
    }
    let place = draft.place.filter(|p| !p.trim().is_empty());
    let today = ja::local_date(now);
    let old = match edit {
        None => None,
        Some((mid, base)) => {
            let old = tx
                .meeting(mid)?
                .map(|b| decode(&b))
                .transpose()?
                .filter(|m| m.case_id == id)
                .ok_or_else(|| Error::not_found("no such meeting of this case"))?;
            if old.version != base {
                return Err(Error::Conflict(
                    "the meeting was changed meanwhile: reload it and edit again".into(),
                ));
            }
            Some(old)
        }
    };
    let m = Meeting {
        id: old.as_ref().map_or_else(crypto::new_uuid, |o| o.id),
        case_id: id,
        // An edit of a held meeting keeps the route it was held under (its
        // confidentiality never changes by an edit).
        route: match &old {
            Some(o) if o.is_held() => o.route,
            _ => row.item.route,
        },
        purpose: draft.purpose,
        state: draft.state,
        held_on: draft.held_on,
        place,
        invitees: draft.invitees,
        attendees,
        decisions: draft.decisions,
        plan: old.as_ref().and_then(|o| o.plan.clone()),
        monitoring: old.as_ref().and_then(|o| o.monitoring.clone()),
        evaluation: old.as_ref().and_then(|o| o.evaluation.clone()),
        version: old.as_ref().map_or(1, |o| o.version + 1),
        recorded_by: caller.actor.user,
        recorded_at: now,
    };
    let body = serde_json::to_string(&m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let scheduled_touched = m.state == MeetingState::Scheduled
        || old
            .as_ref()
            .is_some_and(|o| o.state == MeetingState::Scheduled);
    let action = match &old {
        None => {
            case_rules::check_meeting(&m, &row.item, today)?;
            tx.insert_meeting(m.id, id, m.held_on, &body)?;
            if m.is_held() {
                "case.meeting"
            } else {
                "case.meeting_schedule"
            }
        }
        Some(o) => {
            case_rules::check_meeting_edit(o, &m, &row.item, today)?;
            let old_body =
                serde_json::to_string(o).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.insert_case_doc(&CaseDoc {
                case: id,
                kind: CaseDocKind::MeetingVersion,
                doc: o.id,
                version: o.version,
                recorded_at: o.recorded_at,
                body: old_body,
            })?;
            tx.update_meeting(m.id, m.held_on, &body)?;
            "case.meeting_edit"
        }
    };
    if scheduled_touched {
        // The tablets' view carries the next meeting's date.
        touch_case(tx, clock, row, now)?;
    }
    audit_console(
        tx,
        caller,
        action,
        format!("case:{id} meeting:{} v{}", m.id, m.version),
        "coordinator (shared::access)",
        now,
    )?;
    Ok(m)
}

/// Every version of a meeting the caller may read, oldest first (audited
/// as a read).
pub fn meeting_history(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    meeting: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Meeting>, Error> {
    let row = case_for(tx, caller, id, Action::Read)?;
    let current = tx
        .meeting(meeting)?
        .map(|b| decode(&b))
        .transpose()?
        .filter(|m| m.case_id == id)
        .ok_or_else(|| Error::not_found("no such meeting of this case"))?;
    let records = super::plans::visible_records(tx, &caller.actor, &row)?;
    if !records.meetings.iter().any(|m| m.id == meeting) {
        return Err(Error::not_found("no such meeting of this case"));
    }
    let mut all: Vec<Meeting> = tx
        .doc_versions(CaseDocKind::MeetingVersion, meeting)?
        .iter()
        .map(|d| decode(&d.body))
        .collect::<StoreResult<_>>()?;
    all.push(current);
    audit_console(
        tx,
        caller,
        "read.meeting_history",
        format!("case:{id} meeting:{meeting}"),
        "visibility rule (shared::access)",
        now,
    )?;
    Ok(all)
}

/// What a meeting's printed agenda carries.
pub struct Agenda {
    pub item: CaseQueueItem,
    /// The person's alias, where the caller may read the person.
    pub alias: Option<String>,
    /// The records and meetings the caller may read.
    pub records: CaseRecords,
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
    let row = case_for(tx, caller, id, Action::Read)?;
    let alias = person_of_case(tx, &caller.actor, &row.item)?.map(|(a, _)| a);
    let records = super::plans::visible_records(tx, &caller.actor, &row)?;
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
        records,
        names,
    }))
}
