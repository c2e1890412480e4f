//! The lone-worker check (帰着未確認). A worker's tablet pushes 訪問開始
//! (start and expected end) and 訪問終了; the server keeps who is out, and
//! the team's supervisors see a visit still open past its expected end
//! plus the grace period at the top of the team page. Only ids and times
//! are kept (`store::VisitRow`); the person's 町丁 is read when shown, and
//! no note ever travels. The rule of lateness is
//! `shared::domain::visit::is_unconfirmed`.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::domain::visit::{self, VisitStart};
use outreach_shared::protocol::{Operation, RejectCode};
use outreach_shared::{AreaCode, PersonId, TeamId, UserId, ValidationContext, VisitId};

use super::Error;
use super::persons::person_for_write;
use super::push::{OpError, reject, reject_invalid};
use super::{Caller, deny_text};
use crate::audit;
use crate::store::*;

/// `StartVisit` from a worker's tablet: the visit is on the person's team,
/// by the worker whose device pushed it.
pub(super) fn start(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    v: &VisitStart,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    if caller.actor.role != Role::OutreachWorker {
        return Err(reject(
            RejectCode::Forbidden,
            "only an outreach worker's tablet starts a visit",
        ));
    }
    let (row, _) = person_for_write(tx, &caller.actor, v.person_id.0)?;
    if tx.visit(v.id)?.is_some() {
        return Err(reject(
            RejectCode::StaleState,
            "a visit with this id already exists",
        ));
    }
    tx.put_visit(&VisitRow {
        id: v.id,
        team: row.snapshot.person.team,
        worker: caller.actor.user,
        person: v.person_id,
        started_at: v.started_at,
        expected_end: v.expected_end,
        ended_at: None,
    })?;
    Ok(audit::append(
        tx,
        caller.event(
            "push.start_visit",
            format!("visit:{} person:{}", v.id, v.person_id),
            caller.basis("worker of the team (shared::access)"),
            Some(op.hlc),
        ),
        now,
    )?)
}

/// `FinishVisit`: only the worker who started it ends it (a finished one
/// stays finished: a second end is a no-op).
pub(super) fn finish(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    person: PersonId,
    ended_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let id = VisitId(op.entity.id);
    let Some(mut row) = tx.visit(id)? else {
        return Err(reject(
            RejectCode::NotFound,
            "the visit is not stored (its start was not pushed)",
        ));
    };
    if row.worker != caller.actor.user || row.person != person {
        return Err(reject(
            RejectCode::Forbidden,
            "the visit was started by another worker or for another person",
        ));
    }
    visit::check_end(row.started_at, ended_at, &ValidationContext::at(now))
        .map_err(reject_invalid)?;
    if row.ended_at.is_none() {
        row.ended_at = Some(ended_at);
        tx.put_visit(&row)?;
    }
    Ok(audit::append(
        tx,
        caller.event(
            "push.finish_visit",
            format!("visit:{id} person:{person}"),
            caller.basis("the visit's worker"),
            Some(op.hlc),
        ),
        now,
    )?)
}

/// A visit past its expected end plus the grace, as the supervisor's team
/// page shows it (帰着未確認): the worker, the 町丁, the times. No note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconfirmed {
    pub visit: VisitId,
    pub person: PersonId,
    pub worker: UserId,
    pub worker_name: String,
    pub area: Option<AreaCode>,
    pub started_at: DateTime<Utc>,
    pub expected_end: DateTime<Utc>,
}

/// The team's visits not confirmed back (帰着未確認) at `now`, oldest
/// expected end first; only for the team's supervisors. Audited with the
/// persons shown.
pub fn unconfirmed(
    tx: &mut dyn Tx,
    caller: &Caller,
    team: TeamId,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Unconfirmed>, Error> {
    let may = caller.actor.role == Role::Supervisor
        && decide(
            &caller.actor,
            Action::Read,
            Resource::Person { team, case: None },
        )
        .is_allowed();
    if !may {
        return Err(Error::forbidden(format!(
            "unconfirmed visits: {}",
            deny_text(outreach_shared::access::Decision::Deny(
                outreach_shared::access::DenyReason::Role
            ))
        )));
    }
    let mut out = Vec::new();
    for v in tx.open_visits(team)? {
        if !visit::is_unconfirmed(v.expected_end, v.ended_at, now, grace) {
            continue;
        }
        let area = tx.person(v.person)?.and_then(|p| p.snapshot.person.area);
        let worker_name = tx
            .user(v.worker)?
            .map(|u| u.display_name)
            .unwrap_or_default();
        out.push(Unconfirmed {
            visit: v.id,
            person: v.person,
            worker: v.worker,
            worker_name,
            area,
            started_at: v.started_at,
            expected_end: v.expected_end,
        });
    }
    out.sort_by_key(|u| u.expected_end);
    // The audit: each visit shown, with its person.
    for u in &out {
        audit::append(
            tx,
            caller.event(
                "console.view.unconfirmed_visit",
                format!("visit:{} person:{}", u.visit, u.person),
                format!(
                    "{}; console; supervisor of the team (shared::access)",
                    super::role_name(caller.actor.role)
                ),
                None,
            ),
            now,
        )?;
    }
    Ok(out)
}
