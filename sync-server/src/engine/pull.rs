//! The pull: changes after a cursor that the caller may see, filtered by
//! `shared::access::decide`, stored JSON passed through unchanged where
//! nothing is removed; a person as the caller may read it
//! (`shared::access::person_snapshot_view`: agency members get the alias
//! and the consent, and no kept conflicts); a case as its status
//! (`Resource::CaseStatus`); and the audit of the persons a pull carried.

use chrono::{DateTime, Utc};
use outreach_shared::access::{
    Action, Resource, Role, decide, person_snapshot_view, person_withheld,
};
use outreach_shared::protocol::*;
use outreach_shared::{CaseQueueItem, Hlc, PersonId, Route, UserId};
use std::collections::{HashMap, HashSet};

use super::{Caller, latest_case};
use crate::audit;
use crate::store::*;

/// A pull page and the persons whose records it carried (for the audit).
pub struct PullPage {
    pub response: PullBody,
    pub persons_read: Vec<PersonId>,
}

/// A pull page as sent: the wire format of [`PullResponse`] (same fields,
/// same order, same JSON), but a stored record that goes out unchanged is
/// copied through as its stored JSON instead of being parsed and encoded
/// again. The store writes every body with `serde_json` from the same
/// `shared` types, so the bytes are those the typed path would produce.
#[derive(Debug, serde::Serialize)]
pub struct PullBody {
    pub protocol: ProtocolVersion,
    pub changes: Vec<ChangeOut>,
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
}

/// One change of a [`PullBody`]: the wire format of [`Change`].
#[derive(Debug, serde::Serialize)]
pub struct ChangeOut {
    pub seq: u64,
    pub hlc: Hlc,
    pub entity: EntityRef,
    pub body: BodyOut,
}

/// The wire format of [`ChangeBody`], with stored JSON passed through.
#[derive(Debug, serde::Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum BodyOut {
    /// A `PersonSnapshot` as stored.
    Person(Box<serde_json::value::RawValue>),
    /// A `PersonSnapshot` with what the caller may not read left out.
    #[serde(rename = "person")]
    PersonProjected(Box<PersonSnapshot>),
    /// A `ContactLog` as stored (nothing removed).
    Contact(Box<serde_json::value::RawValue>),
    /// A contact log with its reflection removed for this caller.
    #[serde(rename = "contact")]
    ContactRedacted(Box<outreach_shared::ContactLog>),
    /// A `Review` as stored.
    Review(Box<serde_json::value::RawValue>),
    Case(CaseStatusView),
    /// A `ConflictRecord` as stored.
    Conflict(Box<serde_json::value::RawValue>),
    /// A `LocalResource` as stored (protocol 2.2).
    Resource(Box<serde_json::value::RawValue>),
    /// A `ParticipationRecord` as stored (protocol 2.2).
    Participation(Box<serde_json::value::RawValue>),
    /// A `CommunityActivity` as stored (protocol 2.3).
    CommunityActivity(Box<serde_json::value::RawValue>),
}

/// What the pull needs of a stored contact log to decide on it, read
/// without decoding the rest (the notes are skipped, not copied).
#[derive(serde::Deserialize)]
struct ContactProbe {
    author: UserId,
    /// A method a tablet before protocol 2.2 could not read.
    #[serde(default)]
    method: Option<outreach_shared::ContactMethod>,
    #[serde(default)]
    reflection: Option<serde::de::IgnoredAny>,
}

/// Changes after `cursor` that the caller may see, filtered by
/// `shared::access::decide`; reflections the caller may not read are
/// removed from contact logs. A tablet of a protocol before 2.2 (`minor`)
/// gets no 地域資源 or 参加支援 change, which it could not read.
pub fn pull(
    tx: &mut dyn Tx,
    caller: &Caller,
    cursor: u64,
    limit: u32,
    minor: u16,
) -> StoreResult<PullPage> {
    let knows_participation = minor >= 2;
    let knows_community = minor >= 3;
    let actor = &caller.actor;
    let team_filter = match actor.role {
        Role::OutreachWorker | Role::Supervisor => match actor.team {
            Some(t) => Some(t),
            None => {
                return Ok(PullPage {
                    response: PullBody {
                        protocol: ProtocolVersion::CURRENT,
                        changes: Vec::new(),
                        next_cursor: cursor,
                        has_more: false,
                        server_time: Utc::now(),
                    },
                    persons_read: Vec::new(),
                });
            }
        },
        Role::Coordinator | Role::AgencyMember => None,
    };
    let rows = tx.changes_after(team_filter, cursor, limit)?;
    let has_more = rows.len() as u32 == limit;
    let next_cursor = rows.last().map(|r| r.seq).unwrap_or(cursor);
    let mut cases: HashMap<PersonId, Option<CaseQueueItem>> = HashMap::new();
    let mut changes = Vec::with_capacity(rows.len());
    let mut persons_read = Vec::new();
    let mut seen = HashSet::new();
    for row in rows {
        let Some(body) = row.body.as_deref() else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(e) = cases.entry(row.person) {
            let c = latest_case(tx, row.person)?;
            e.insert(c);
        }
        let case = cases.get(&row.person).and_then(|c| c.as_ref());
        let person_res = Resource::Person {
            team: row.team,
            case,
        };
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("change body: {e}"));
        // Checks that the stored body is JSON and keeps it as is.
        let raw = |b: &str| serde_json::value::RawValue::from_string(b.to_owned()).map_err(corrupt);
        let (body, reads_person) = match row.kind {
            EntityKind::Person => {
                if !decide(actor, Action::Read, person_res).is_allowed() {
                    continue;
                }
                if person_withheld(actor) {
                    let snap: PersonSnapshot = serde_json::from_str(body).map_err(corrupt)?;
                    let seen = person_snapshot_view(actor, snap);
                    (BodyOut::PersonProjected(Box::new(seen)), true)
                } else {
                    (BodyOut::Person(raw(body)?), true)
                }
            }
            // Visits are never in the change log (pushed only).
            EntityKind::Visit => continue,
            EntityKind::Resource => {
                if !knows_participation
                    || !decide(actor, Action::Read, Resource::LocalResource).is_allowed()
                {
                    continue;
                }
                (BodyOut::Resource(raw(body)?), false)
            }
            EntityKind::Participation => {
                let res = Resource::Participation {
                    team: row.team,
                    case,
                };
                if !knows_participation || !decide(actor, Action::Read, res).is_allowed() {
                    continue;
                }
                (BodyOut::Participation(raw(body)?), true)
            }
            EntityKind::CommunityActivity => {
                let res = Resource::CommunityActivity { team: row.team };
                if !knows_community || !decide(actor, Action::Read, res).is_allowed() {
                    continue;
                }
                (BodyOut::CommunityActivity(raw(body)?), false)
            }
            EntityKind::Conflict => {
                // A kept conflict holds field values: only for those who
                // read the whole record.
                if !decide(actor, Action::Read, person_res).is_allowed() || person_withheld(actor) {
                    continue;
                }
                (BodyOut::Conflict(raw(body)?), true)
            }
            EntityKind::Contact => {
                let probe: ContactProbe = serde_json::from_str(body).map_err(corrupt)?;
                if !knows_participation
                    && probe.method
                        == Some(outreach_shared::ContactMethod::WelfareCommissionerInformation)
                {
                    continue;
                }
                let res = Resource::ContactLog {
                    team: row.team,
                    author: probe.author,
                    case,
                };
                if !decide(actor, Action::Read, res).is_allowed() {
                    continue;
                }
                let refl = Resource::Reflection {
                    team: row.team,
                    author: probe.author,
                };
                let out = if probe.reflection.is_some()
                    && !decide(actor, Action::Read, refl).is_allowed()
                {
                    let mut log: outreach_shared::ContactLog =
                        serde_json::from_str(body).map_err(corrupt)?;
                    log.reflection = None;
                    BodyOut::ContactRedacted(Box::new(log))
                } else {
                    BodyOut::Contact(raw(body)?)
                };
                (out, true)
            }
            EntityKind::Review => {
                if !decide(actor, Action::Read, Resource::Review { team: row.team }).is_allowed() {
                    continue;
                }
                (BodyOut::Review(raw(body)?), false)
            }
            EntityKind::Case => {
                let item: CaseQueueItem = serde_json::from_str(body).map_err(corrupt)?;
                if !decide(
                    actor,
                    Action::Read,
                    Resource::CaseStatus {
                        item: &item,
                        team: row.team,
                    },
                )
                .is_allowed()
                {
                    continue;
                }
                (BodyOut::Case(status_view(tx, &item)?), false)
            }
        };
        if reads_person && seen.insert(row.person) {
            persons_read.push(row.person);
        }
        changes.push(ChangeOut {
            seq: row.seq,
            hlc: row.hlc,
            entity: EntityRef {
                kind: row.kind,
                id: row.entity,
            },
            body,
        });
    }
    Ok(PullPage {
        response: PullBody {
            protocol: ProtocolVersion::CURRENT,
            changes,
            next_cursor,
            has_more,
            server_time: Utc::now(),
        },
        persons_read,
    })
}

/// The worker-facing outcome of a case: its route and status, the next
/// scheduled meeting's date, the plan's tasks for the 社協 (while the case
/// is open in the 重層的支援会議), the find-request and the escalations
/// folded into it. Never a meeting's minutes, never another agency's
/// tasks or notes.
pub fn status_view(tx: &mut dyn Tx, item: &CaseQueueItem) -> StoreResult<CaseStatusView> {
    let id = item.escalation.case_id;
    let next_meeting = super::meetings::meetings_of(tx, id)?
        .into_iter()
        .filter(|m| m.state == outreach_shared::MeetingState::Scheduled)
        .map(|m| m.held_on)
        .min();
    let outreach_tasks = if item.status.is_open() && item.route == Route::MultiLayeredMeeting {
        match super::plans::latest_plan(tx, id)? {
            Some(plan) => {
                let monitoring = super::plans::monitoring_of(tx, id)?;
                super::plans::outreach_tasks(&plan, &monitoring)
            }
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    Ok(CaseStatusView {
        case_id: id,
        person_id: item.escalation.person_id,
        status: item.status,
        route: item.route,
        urgency: item.urgency(),
        return_reason: item.return_reason.clone(),
        updated_at: item.updated_at,
        next_meeting,
        outreach_tasks,
        find_request: item.find_request.as_ref().map(|f| FindRequestView {
            request: f.request.clone(),
            requested_at: f.requested_at,
        }),
        followups: item.followups.iter().map(|f| f.case_id).collect(),
    })
}

/// Records the persons a pull carried to the caller.
pub fn audit_pull(
    tx: &mut dyn Tx,
    caller: &Caller,
    persons: &[PersonId],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for p in persons {
        audit::append(
            tx,
            caller.event(
                "read.pull",
                format!("person:{p}"),
                caller.basis("visibility rule (shared::access)"),
                None,
            ),
            now,
        )?;
    }
    Ok(())
}
