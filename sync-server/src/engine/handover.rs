//! The hand-over (担当の引き継ぎ): a supervisor gives a person of the team
//! to another outreach worker of the team with a note for them. The rule is
//! `shared::domain::handover::check`; this is its one caller, for the
//! console and the API alike. The person's change goes out in the next pull
//! (the 担当, the new worker's name, the hand-over with its note), so the
//! person leaves the old worker's caseload and joins the new one's on the
//! tablets; refusals and the change are audited.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::domain::handover::{self, Assignee, HandOverError};
use outreach_shared::{HandOver, PersonId, UserId};

use super::persons::person_changed;
use super::{Caller, Error, ServerClock, latest_case};
use crate::audit;
use crate::store::*;

impl From<HandOverError> for Error {
    fn from(e: HandOverError) -> Self {
        let en = e.message_en();
        match e.field_errors() {
            Some(v) => Error::Invalid(v),
            None => Error::forbidden(en),
        }
    }
}

/// Reassigns `person` to `to` with `note`; returns the hand-over recorded.
/// A refusal by the rule is audited (`handover.denied`) and committed by
/// the caller with the error's answer: use [`reassign_audited`] from a
/// front end.
pub fn reassign(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    person: PersonId,
    to: UserId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<HandOver, Error> {
    let mut row = tx
        .person(person)?
        .ok_or_else(|| Error::not_found("no such person"))?;
    let team = row.snapshot.person.team;
    let case = latest_case(tx, person)?;
    // A person the caller may not even read is "not found" (never told
    // apart from one that does not exist).
    let read = decide(
        &caller.actor,
        Action::Read,
        Resource::Person {
            team,
            case: case.as_ref(),
        },
    );
    if !read.is_allowed() {
        return Err(Error::not_found("no such person"));
    }
    let target = tx.user(to)?;
    let assignee = target
        .as_ref()
        .map(|u| Assignee {
            id: u.id,
            role: u.role,
            team: u.team,
            active: u.active,
        })
        .ok_or_else(|| Error::from(HandOverError::NotTeamWorker))?;
    let current = row.snapshot.person.assigned_worker;
    handover::check(&caller.actor, team, current, &assignee, note)?;
    let to_name = target.map(|u| u.display_name).unwrap_or_default();
    let from_name = match current {
        Some(id) => tx.user(id)?.map(|u| u.display_name),
        None => None,
    };
    let h = HandOver {
        from: current,
        from_name,
        to,
        to_name: to_name.clone(),
        note: note.trim().to_owned(),
        by: caller.actor.user,
        at: now,
    };
    let hlc = clock.now();
    row.snapshot.person.assigned_worker = Some(to);
    row.snapshot
        .versions
        .insert("assigned_worker".to_owned(), hlc);
    row.bases.remove("assigned_worker");
    row.snapshot.assigned_name = Some(to_name);
    row.snapshot.handover = Some(h.clone());
    tx.put_person(&row)?;
    person_changed(tx, &row.snapshot.person, hlc)?;
    audit::append(
        tx,
        caller.event(
            "person.handover",
            format!(
                "person:{person} from:{} to:{to}",
                current.map(|u| u.to_string()).unwrap_or_else(|| "-".into())
            ),
            caller.basis("supervisor of the team (shared::domain::handover)"),
            None,
        ),
        now,
    )?;
    Ok(h)
}

/// [`reassign`], with a refusal of the rule audited in the same
/// transaction: `Ok(Err(e))` is a refusal the caller commits and answers.
pub fn reassign_audited(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    person: PersonId,
    to: UserId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Result<HandOver, Error>, Error> {
    match reassign(tx, caller, clock, person, to, note, now) {
        Ok(h) => Ok(Ok(h)),
        Err(e @ (Error::Forbidden(_) | Error::Invalid(_))) => {
            audit::append(
                tx,
                caller.event(
                    "handover.denied",
                    format!("person:{person} to:{to}"),
                    caller.basis("refused by shared::domain::handover"),
                    None,
                ),
                now,
            )?;
            Ok(Err(e))
        }
        Err(e) => Err(e),
    }
}
