//! A case's structured records (issue 13): the プラン of a 重層的支援会議
//! case (versioned: goals, per-agency tasks with owners, due dates and
//! statuses, the next review), its monitoring (progress per task, the
//! overall judgement), the evaluation at closure, and the 支援会議's own
//! record of roles and direction. Records are append-only case documents
//! (`store::CaseDocKind`); every write is audited and touches the case, so
//! the tablets' view of its outcome and the feed follow.
//!
//! The rules are `shared::case_rules::{check_plan, check_monitoring,
//! check_closure, check_support_record}`; who may read which record is
//! `shared::access::decide` with `Resource::CaseRecord` (what a 支援会議
//! decided stays with its pledged members).

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Actor, Resource, decide};
use outreach_shared::case_rules::{self, CaseRuleError, OnRecord};
use outreach_shared::plan::{SHAKYO, next_review, task_statuses};
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseId, CaseQueueItem, ClosureEvaluation, ConsentScope, MonitoringEntry, Overdue, Plan,
    PlanTask, Route, SupportRecord, ValidationErrors, Violation, ja,
};
use std::collections::HashMap;

use super::cases::{case_for, consent_of, touch_case};
use super::{Caller, Error, ServerClock};
use crate::audit;
use crate::crypto;
use crate::store::*;

fn decode<T: serde::de::DeserializeOwned>(d: &CaseDoc) -> StoreResult<T> {
    serde_json::from_str(&d.body).map_err(|e| StoreError::Corrupt(format!("case record: {e}")))
}

fn docs<T: serde::de::DeserializeOwned>(
    tx: &mut dyn Tx,
    case: CaseId,
    kind: CaseDocKind,
) -> StoreResult<Vec<T>> {
    tx.case_docs(case, kind)?.iter().map(decode).collect()
}

fn insert<T: serde::Serialize>(
    tx: &mut dyn Tx,
    case: CaseId,
    kind: CaseDocKind,
    doc: uuid::Uuid,
    version: u32,
    now: DateTime<Utc>,
    value: &T,
) -> StoreResult<()> {
    let body =
        serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))?;
    tx.insert_case_doc(&CaseDoc {
        case,
        kind,
        doc,
        version,
        recorded_at: now,
        body,
    })
}

/// Every version of a case's プラン, oldest first.
pub fn plans_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Vec<Plan>> {
    docs(tx, case, CaseDocKind::Plan)
}

/// The current version of a case's プラン.
pub fn latest_plan(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Option<Plan>> {
    Ok(plans_of(tx, case)?.into_iter().max_by_key(|p| p.version))
}

/// A case's monitoring, in the order recorded.
pub fn monitoring_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Vec<MonitoringEntry>> {
    docs(tx, case, CaseDocKind::Monitoring)
}

/// The latest closure evaluation of a case.
pub fn closure_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Option<ClosureEvaluation>> {
    Ok(docs::<ClosureEvaluation>(tx, case, CaseDocKind::Closure)?
        .into_iter()
        .last())
}

/// Every version of a 支援会議's record, oldest first.
pub fn support_records_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Vec<SupportRecord>> {
    docs(tx, case, CaseDocKind::SupportRecord)
}

/// What case `item` has on record for the moves that need it. A closure
/// evaluation counts only if made after the case last changed route.
pub fn on_record(tx: &mut dyn Tx, item: &CaseQueueItem) -> StoreResult<OnRecord> {
    let id = item.escalation.case_id;
    let last_route_change = tx
        .case_moves(id)?
        .into_iter()
        .filter(|m| {
            matches!(
                m.cause,
                CaseMoveCause::RouteChanged | CaseMoveCause::ConsentChanged
            )
        })
        .map(|m| m.at)
        .max();
    let closure = closure_of(tx, id)?.is_some_and(|c| {
        c.route == item.route && last_route_change.is_none_or(|at| c.recorded_at >= at)
    });
    Ok(OnRecord {
        plan: !tx.case_docs(id, CaseDocKind::Plan)?.is_empty(),
        support_record: !tx.case_docs(id, CaseDocKind::SupportRecord)?.is_empty(),
        closure,
    })
}

/// The plan's tasks for the 社協's outreach, with where they stand now
/// (what a tablet sees of the plan).
pub fn outreach_tasks(plan: &Plan, monitoring: &[MonitoringEntry]) -> Vec<OutreachTask> {
    let statuses = task_statuses(plan, monitoring);
    plan.tasks
        .iter()
        .filter(|t| t.agency.0 == SHAKYO)
        .map(|t| OutreachTask {
            id: t.id,
            what: t.what.clone(),
            due: t.due,
            status: statuses.get(&t.id).copied().unwrap_or(t.status),
            owner: t.owner,
        })
        .collect()
}

/// What is overdue in every open case's current plan on `today` (the
/// coordinator's board).
pub fn overdue_by_case(
    tx: &mut dyn Tx,
    open: &[CaseId],
    today: NaiveDate,
) -> StoreResult<HashMap<CaseId, Overdue>> {
    let mut plans: HashMap<CaseId, Plan> = HashMap::new();
    for d in tx.all_case_docs(CaseDocKind::Plan)? {
        if !open.contains(&d.case) {
            continue;
        }
        let p: Plan = decode(&d)?;
        match plans.get(&d.case) {
            Some(q) if q.version >= p.version => {}
            _ => {
                plans.insert(d.case, p);
            }
        }
    }
    let mut monitoring: HashMap<CaseId, Vec<MonitoringEntry>> = HashMap::new();
    for d in tx.all_case_docs(CaseDocKind::Monitoring)? {
        if plans.contains_key(&d.case) {
            monitoring.entry(d.case).or_default().push(decode(&d)?);
        }
    }
    Ok(plans
        .into_iter()
        .filter_map(|(id, p)| {
            let m = monitoring.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            let o = Overdue::of(&p, m, today);
            (!o.is_empty()).then_some((id, o))
        })
        .collect())
}

/// Whether the person's consent in force covers sharing with agencies.
fn shared_by_consent(tx: &mut dyn Tx, item: &CaseQueueItem) -> StoreResult<bool> {
    let c = consent_of(tx, item)?;
    Ok(c.status.is_given() && c.scope.contains(&ConsentScope::ShareWithAgencies))
}

/// The records of case `row` that `actor` may read (`shared::access`,
/// `Resource::CaseRecord`).
pub(super) fn visible_records(
    tx: &mut dyn Tx,
    actor: &Actor,
    row: &CaseRow,
) -> StoreResult<CaseRecords> {
    let id = row.item.escalation.case_id;
    let shared = shared_by_consent(tx, &row.item)?;
    let may = |route: Route| {
        decide(
            actor,
            Action::Read,
            Resource::CaseRecord {
                item: &row.item,
                team: row.team,
                route,
                shared_by_consent: shared,
            },
        )
        .is_allowed()
    };
    let ml = may(Route::MultiLayeredMeeting);
    let sm = may(Route::SupportMeeting);
    let of = |route: Route| match route {
        Route::MultiLayeredMeeting => ml,
        Route::SupportMeeting => sm,
    };
    let plans = if ml { plans_of(tx, id)? } else { Vec::new() };
    let monitoring = if ml {
        monitoring_of(tx, id)?
    } else {
        Vec::new()
    };
    let closure = closure_of(tx, id)?.filter(|c| of(c.route));
    let support_records = if sm {
        support_records_of(tx, id)?
    } else {
        Vec::new()
    };
    let meetings = super::meetings::meetings_of(tx, id)?
        .into_iter()
        .filter(|m| of(m.route))
        .collect();
    Ok(CaseRecords {
        protocol: ProtocolVersion::CURRENT,
        case_id: id,
        plans,
        monitoring,
        closure,
        support_records,
        meetings,
    })
}

/// A case's records as the caller may see them (audited as a read).
pub fn case_records(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseRecords, Error> {
    let row = case_for(tx, caller, id, Action::Read)?;
    let records = visible_records(tx, &caller.actor, &row)?;
    audit::append(
        tx,
        caller.event(
            "read.case_records",
            format!("case:{id} person:{}", row.item.escalation.person_id),
            caller.basis("visibility rule (shared::access)"),
            None,
        ),
        now,
    )?;
    Ok(records)
}

/// Checks that the edit starts from the current version.
fn check_base(base: Option<u32>, current: Option<u32>) -> Result<(), Error> {
    if base == current {
        Ok(())
    } else {
        Err(CaseRuleError::PlanVersionStale.into())
    }
}

/// The plan's tasks from the coordinator's drafts: ids kept from the
/// previous version (or new), owners who fit their task's agency
/// (`shared::case_rules::task_owner_fits`).
fn tasks_from(
    tx: &mut dyn Tx,
    drafts: &[TaskDraft],
    prev: Option<&Plan>,
) -> Result<Vec<PlanTask>, Error> {
    let mut e = ValidationErrors::default();
    let mut tasks = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let id = match d.id {
            Some(id) if prev.is_some_and(|p| p.task(id).is_some()) => id,
            Some(_) => {
                e.push(format!("tasks.{i}.id"), Violation::Unknown);
                continue;
            }
            None => crypto::new_uuid(),
        };
        if let Some(owner) = d.owner {
            let fits = tx.user(owner)?.is_some_and(|u| {
                u.active && case_rules::task_owner_fits(&d.agency, u.role, u.agency.as_ref())
            });
            if !fits {
                e.push(
                    format!("tasks.{i}.owner"),
                    Violation::Contradicts {
                        other: "tasks.agency".into(),
                    },
                );
            }
        }
        tasks.push(PlanTask {
            id,
            what: d.what.clone(),
            agency: d.agency.clone(),
            owner: d.owner,
            due: d.due,
            status: d.status,
        });
    }
    e.finish()?;
    Ok(tasks)
}

/// The case after a record changed: saved again for the tablets and the
/// feed, audited, and its records as the caller sees them.
fn recorded(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    row: CaseRow,
    action: &str,
    entity: String,
    now: DateTime<Utc>,
) -> Result<CaseRecords, Error> {
    let records = visible_records(tx, &caller.actor, &row)?;
    touch_case(tx, clock, row, now)?;
    audit::append(
        tx,
        caller.event(action, entity, caller.basis("coordinator"), None),
        now,
    )?;
    Ok(records)
}

/// A coordinator records a new version of a case's プラン.
pub fn record_plan(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &PlanRequest,
    now: DateTime<Utc>,
) -> Result<CaseRecords, Error> {
    let row = case_for(tx, caller, id, Action::Write)?;
    let prev = latest_plan(tx, id)?;
    check_base(req.base_version, prev.as_ref().map(|p| p.version))?;
    let tasks = tasks_from(tx, &req.tasks, prev.as_ref())?;
    let plan = Plan {
        case_id: id,
        version: prev.as_ref().map_or(1, |p| p.version + 1),
        goals: req.goals.clone(),
        tasks,
        next_review: req.next_review,
        recorded_by: caller.actor.user,
        recorded_at: now,
    };
    case_rules::check_plan(&plan, prev.as_ref(), &row.item, ja::local_date(now))?;
    insert(tx, id, CaseDocKind::Plan, id.0, plan.version, now, &plan)?;
    let entity = format!("case:{id} plan:v{}", plan.version);
    recorded(tx, caller, clock, row, "case.plan", entity, now)
}

/// A coordinator records a monitoring of the current プラン.
pub fn record_monitoring(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &MonitoringRequest,
    now: DateTime<Utc>,
) -> Result<CaseRecords, Error> {
    let row = case_for(tx, caller, id, Action::Write)?;
    let plan = latest_plan(tx, id)?;
    let entry = MonitoringEntry {
        id: crypto::new_uuid(),
        case_id: id,
        plan_version: req.plan_version,
        held_on: req.held_on,
        progress: req.progress.clone(),
        judgement: req.judgement,
        assessment: req.assessment.clone(),
        next_review: req.next_review,
        recorded_by: caller.actor.user,
        recorded_at: now,
    };
    case_rules::check_monitoring(&entry, plan.as_ref(), &row.item, ja::local_date(now))?;
    insert(tx, id, CaseDocKind::Monitoring, entry.id, 1, now, &entry)?;
    let entity = format!("case:{id} monitoring:{}", entry.id);
    recorded(tx, caller, clock, row, "case.monitoring", entity, now)
}

/// A coordinator records the evaluation at closure (a correction is a new
/// version).
pub fn record_closure(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &ClosureRequest,
    now: DateTime<Utc>,
) -> Result<CaseRecords, Error> {
    let row = case_for(tx, caller, id, Action::Write)?;
    if let Some(w) = req.watcher {
        let fits = tx.user(w)?.is_some_and(|u| {
            u.active && case_rules::task_owner_fits(&req.watched_by, u.role, u.agency.as_ref())
        });
        if !fits {
            return Err(Error::field(
                "watcher",
                Violation::Contradicts {
                    other: "watched_by".into(),
                },
            ));
        }
    }
    let eval = ClosureEvaluation {
        case_id: id,
        route: row.item.route,
        outcome: req.outcome,
        reason: req.reason.clone(),
        continuing: req.continuing.clone(),
        watched_by: req.watched_by.clone(),
        watcher: req.watcher,
        evaluated_on: req.evaluated_on,
        recorded_by: caller.actor.user,
        recorded_at: now,
    };
    case_rules::check_closure(&eval, &row.item, ja::local_date(now))?;
    let version = tx.doc_versions(CaseDocKind::Closure, id.0)?.len() as u32 + 1;
    insert(tx, id, CaseDocKind::Closure, id.0, version, now, &eval)?;
    let entity = format!("case:{id} closure:v{version}");
    recorded(tx, caller, clock, row, "case.closure", entity, now)
}

/// A coordinator records a new version of a 支援会議's record of roles and
/// direction.
pub fn record_support_record(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &SupportRecordRequest,
    now: DateTime<Utc>,
) -> Result<CaseRecords, Error> {
    let row = case_for(tx, caller, id, Action::Write)?;
    let prev = support_records_of(tx, id)?
        .into_iter()
        .max_by_key(|r| r.version);
    check_base(req.base_version, prev.as_ref().map(|r| r.version))?;
    let rec = SupportRecord {
        case_id: id,
        version: prev.as_ref().map_or(1, |r| r.version + 1),
        roles: req.roles.clone(),
        direction: req.direction.clone(),
        recorded_by: caller.actor.user,
        recorded_at: now,
    };
    case_rules::check_support_record(&rec, prev.as_ref(), &row.item)?;
    insert(
        tx,
        id,
        CaseDocKind::SupportRecord,
        id.0,
        rec.version,
        now,
        &rec,
    )?;
    let entity = format!("case:{id} support_record:v{}", rec.version);
    recorded(tx, caller, clock, row, "case.support_record", entity, now)
}

/// The next review of the current plan, if any (the case page).
pub fn review_due(plan: &Plan, monitoring: &[MonitoringEntry]) -> Option<NaiveDate> {
    next_review(plan, monitoring)
}
