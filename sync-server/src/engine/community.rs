//! 地域づくり: community activities from the tablets (a 民生委員 meeting
//! attended, a サロン visit, a patrol...), not tied to a person:
//! append-only, access by `Resource::CommunityActivity` (the team's
//! network work; coordinators read every team's), one change for the
//! team's pull, audited. Each person to find an activity names was pushed
//! before it as an ordinary `CreatePerson` (at 把握, alias only) and must
//! be on the same team's caseload. The console's list is [`list`].

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::protocol::{EntityKind, Operation, RejectCode};
use outreach_shared::{
    AreaCode, CommunityActivity, Person, PersonId, TeamId, ValidationErrors, Violation,
};

use super::push::{OpError, reject, reject_invalid};
use super::{Caller, deny_text, latest_case};
use crate::audit;
use crate::store::*;

/// `RecordCommunityActivity` from a worker's tablet.
pub(super) fn record(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    a: &CommunityActivity,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    if a.author != caller.actor.user {
        return Err(reject(
            RejectCode::Forbidden,
            "a community activity's author must be the device's worker",
        ));
    }
    let d = decide(
        &caller.actor,
        Action::Write,
        Resource::CommunityActivity { team: a.team },
    );
    if !d.is_allowed() {
        return Err(reject(
            RejectCode::Forbidden,
            format!("record community activity: {}", deny_text(d)),
        ));
    }
    if tx.community_activity(a.id)?.is_some() {
        return Err(reject(
            RejectCode::AppendOnly,
            "community activities are append-only: this id exists; send a new record",
        ));
    }
    for (i, p) in a.persons_to_find.iter().enumerate() {
        match tx.person(*p)? {
            None => {
                return Err(reject(
                    RejectCode::NotFound,
                    "a person to find of this activity is not stored (yet)",
                ));
            }
            Some(row) if row.snapshot.person.team != a.team => {
                let mut e = ValidationErrors::default();
                e.push(
                    format!("payload.community.persons_to_find.{i}"),
                    Violation::Contradicts {
                        other: "team".into(),
                    },
                );
                return Err(reject_invalid(e));
            }
            Some(_) => {}
        }
    }
    tx.insert_community_activity(a)?;
    tx.append_change(&NewChange {
        kind: EntityKind::CommunityActivity,
        entity: a.id.0,
        person: PersonId(uuid::Uuid::nil()),
        team: a.team,
        hlc: op.hlc,
        replace: false,
    })?;
    Ok(audit::append(
        tx,
        caller.event(
            "push.record_community_activity",
            format!(
                "community_activity:{} persons_to_find:{}",
                a.id,
                a.persons_to_find.len()
            ),
            caller.basis("own team's network work"),
            Some(op.hlc),
        ),
        now,
    )?)
}

/// One community activity as the console lists it, with the persons it
/// brought up that the caller may read (as they are now: alias and stage).
#[derive(Debug, Clone)]
pub struct ActivityLine {
    pub activity: CommunityActivity,
    pub team_name: String,
    pub persons: Vec<Person>,
}

/// The community activities the caller may read, held in `[from, to)`,
/// in one 町丁 or all, newest first; audited as one read.
pub fn list(
    tx: &mut dyn Tx,
    caller: &Caller,
    area: Option<&AreaCode>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<ActivityLine>> {
    let team: Option<TeamId> = match caller.actor.role {
        outreach_shared::access::Role::Coordinator => None,
        _ => caller.actor.team,
    };
    let mut out = Vec::new();
    let teams = tx.teams()?;
    for a in tx.community_activities(team, from, to)?.into_iter().rev() {
        if area.is_some_and(|x| *x != a.area)
            || !decide(
                &caller.actor,
                Action::Read,
                Resource::CommunityActivity { team: a.team },
            )
            .is_allowed()
        {
            continue;
        }
        // The persons it brought up, as far as the caller may read them
        // (a person's rule: the team's caseload; the coordinator once
        // escalated); the others are counted only.
        let mut persons = Vec::new();
        for p in &a.persons_to_find {
            let Some(row) = tx.person(*p)? else { continue };
            let case = latest_case(tx, *p)?;
            let res = Resource::Person {
                team: row.snapshot.person.team,
                case: case.as_ref(),
            };
            if decide(&caller.actor, Action::Read, res).is_allowed() {
                persons.push(row.snapshot.person);
            }
        }
        let team_name = teams
            .iter()
            .find(|t| t.id == a.team)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        out.push(ActivityLine {
            activity: a,
            team_name,
            persons,
        });
    }
    audit::append(
        tx,
        caller.event(
            "console.community_activities",
            format!("community_activities:{}", out.len()),
            caller.basis("network work of the team or the city"),
            None,
        ),
        now,
    )?;
    Ok(out)
}
