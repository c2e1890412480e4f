//! The rules that tie the structured records to their case: a プラン only
//! for an open 重層的支援会議 case that has gone to its meeting, one
//! version after the last ([`check_plan`]); monitoring of the current
//! version ([`check_monitoring`]); the closure evaluation
//! ([`check_closure`]); the 支援会議's own record ([`check_support_record`]);
//! and who may own a task ([`task_owner_fits`]). Each record's own checks
//! are in `crate::domain::plan`.

use chrono::NaiveDate;

use super::{CaseRuleError, require_open};
use crate::access::Role;
use crate::domain::agency::AgencyId;
use crate::domain::case_queue::{CaseQueueItem, CaseStatus, Route};
use crate::domain::plan::{ClosureEvaluation, MonitoringEntry, Plan, SHAKYO, SupportRecord};
use crate::validation::{ValidationErrors, Violation};

/// Whether a user with `role` (and `agency`, for agency members) may own a
/// task of `task_agency`: a member of that agency, or for the 社協's tasks
/// one of its outreach workers or supervisors.
pub fn task_owner_fits(task_agency: &AgencyId, role: Role, agency: Option<&AgencyId>) -> bool {
    match role {
        Role::AgencyMember => agency == Some(task_agency),
        Role::OutreachWorker | Role::Supervisor => task_agency.0 == SHAKYO,
        Role::Coordinator => false,
    }
}

/// The case has gone to its meeting (scheduled, planned or monitored).
fn at_meeting(item: &CaseQueueItem) -> Result<(), CaseRuleError> {
    require_open(item)?;
    match item.status {
        CaseStatus::MeetingScheduled | CaseStatus::Plan | CaseStatus::Monitoring => Ok(()),
        _ => Err(CaseRuleError::NotYetAtMeeting),
    }
}

fn same_case(item: &CaseQueueItem, case: crate::ids::CaseId) -> Result<(), CaseRuleError> {
    if case == item.escalation.case_id {
        Ok(())
    } else {
        let mut e = ValidationErrors::default();
        e.push(
            "case_id",
            Violation::Contradicts {
                other: "case".into(),
            },
        );
        Err(e.into())
    }
}

fn next_version(version: u32, prev: Option<u32>) -> Result<(), CaseRuleError> {
    if version == prev.map_or(1, |v| v + 1) {
        Ok(())
    } else {
        let mut e = ValidationErrors::default();
        e.push(
            "version",
            Violation::Contradicts {
                other: "plan".into(),
            },
        );
        Err(e.into())
    }
}

/// Checks a new version of the プラン of `item` (the previous version is
/// `prev`) on the local date `today`.
pub fn check_plan(
    plan: &Plan,
    prev: Option<&Plan>,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    require_open(item)?;
    if item.route != Route::MultiLayeredMeeting {
        return Err(CaseRuleError::PlanNeedsMultiLayeredRoute);
    }
    at_meeting(item)?;
    same_case(item, plan.case_id)?;
    next_version(plan.version, prev.map(|p| p.version))?;
    plan.validate(today)?;
    Ok(())
}

/// Checks a monitoring of the current plan of `item`.
pub fn check_monitoring(
    entry: &MonitoringEntry,
    plan: Option<&Plan>,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    require_open(item)?;
    if item.route != Route::MultiLayeredMeeting {
        return Err(CaseRuleError::PlanNeedsMultiLayeredRoute);
    }
    let Some(plan) = plan else {
        return Err(CaseRuleError::NoPlanToMonitor);
    };
    at_meeting(item)?;
    same_case(item, entry.case_id)?;
    if entry.plan_version != plan.version {
        return Err(CaseRuleError::PlanVersionStale);
    }
    let mut e = ValidationErrors::default();
    for (i, p) in entry.progress.iter().enumerate() {
        if plan.task(p.task).is_none() {
            e.push(format!("progress.{i}.task"), Violation::Unknown);
        }
    }
    e.finish()?;
    entry.validate(today)?;
    Ok(())
}

/// Checks the evaluation at closure of `item` (either route).
pub fn check_closure(
    eval: &ClosureEvaluation,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    at_meeting(item)?;
    same_case(item, eval.case_id)?;
    if eval.route != item.route {
        let mut e = ValidationErrors::default();
        e.push(
            "route",
            Violation::Contradicts {
                other: "case".into(),
            },
        );
        return Err(e.into());
    }
    eval.validate(today)?;
    Ok(())
}

/// Checks a new version of a 支援会議's record of roles and direction.
pub fn check_support_record(
    rec: &SupportRecord,
    prev: Option<&SupportRecord>,
    item: &CaseQueueItem,
) -> Result<(), CaseRuleError> {
    require_open(item)?;
    if item.route != Route::SupportMeeting {
        return Err(CaseRuleError::SupportRecordNeedsSupportMeeting);
    }
    at_meeting(item)?;
    same_case(item, rec.case_id)?;
    next_version(rec.version, prev.map(|p| p.version))?;
    rec.validate()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{in_triage, member, now};
    use super::*;
    use crate::domain::plan::tests::{day, plan};
    use crate::domain::plan::{AgencyRole, ClosureOutcome, Judgement, TaskProgress, TaskStatus};
    use crate::ids::UserId;

    fn planned_case(route: Route) -> CaseQueueItem {
        let mut item = in_triage(route);
        item.escalation.case_id = plan().case_id;
        item.roster.push(member(true));
        item.status = CaseStatus::MeetingScheduled;
        item
    }

    #[test]
    fn a_plan_is_only_for_the_multi_layered_meeting_after_it_met() {
        let today = day(6, 1);
        let item = planned_case(Route::MultiLayeredMeeting);
        check_plan(&plan(), None, &item, today).unwrap();
        let mut second = plan();
        second.version = 2;
        check_plan(&second, Some(&plan()), &item, today).unwrap();
        assert!(check_plan(&plan(), Some(&plan()), &item, today).is_err());

        let sm = planned_case(Route::SupportMeeting);
        assert_eq!(
            check_plan(&plan(), None, &sm, today),
            Err(CaseRuleError::PlanNeedsMultiLayeredRoute)
        );
        let mut early = item.clone();
        early.status = CaseStatus::Triage;
        assert_eq!(
            check_plan(&plan(), None, &early, today),
            Err(CaseRuleError::NotYetAtMeeting)
        );
        let mut closed = item;
        closed.status = CaseStatus::Closed;
        assert_eq!(
            check_plan(&plan(), None, &closed, today),
            Err(CaseRuleError::CaseNotOpen)
        );
    }

    #[test]
    fn monitoring_follows_the_current_plan() {
        let today = day(6, 10);
        let mut item = planned_case(Route::MultiLayeredMeeting);
        item.status = CaseStatus::Monitoring;
        let entry = MonitoringEntry {
            id: uuid::Uuid::from_u128(9),
            case_id: plan().case_id,
            plan_version: 1,
            held_on: day(6, 10),
            progress: vec![TaskProgress {
                task: uuid::Uuid::from_u128(1),
                status: TaskStatus::Done,
                note: None,
            }],
            judgement: Judgement::OnTrack,
            assessment: "（架空）順調".into(),
            next_review: Some(day(7, 10)),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: now(),
        };
        check_monitoring(&entry, Some(&plan()), &item, today).unwrap();
        assert_eq!(
            check_monitoring(&entry, None, &item, today),
            Err(CaseRuleError::NoPlanToMonitor)
        );
        let mut v2 = plan();
        v2.version = 2;
        assert_eq!(
            check_monitoring(&entry, Some(&v2), &item, today),
            Err(CaseRuleError::PlanVersionStale)
        );
        let mut unknown = entry.clone();
        unknown.progress[0].task = uuid::Uuid::from_u128(77);
        assert!(
            check_monitoring(&unknown, Some(&plan()), &item, today)
                .unwrap_err()
                .field_errors()
                .iter()
                .any(|f| f.field == "progress.0.task")
        );
    }

    #[test]
    fn the_closure_evaluation_and_the_support_meeting_record() {
        let today = day(6, 10);
        let item = planned_case(Route::SupportMeeting);
        let eval = ClosureEvaluation {
            case_id: plan().case_id,
            route: Route::SupportMeeting,
            outcome: ClosureOutcome::HandedOn,
            reason: "（架空）障害福祉サービスにつながった".into(),
            continuing: "基幹相談支援センターの相談支援".into(),
            watched_by: AgencyId::new("kikan-soudan"),
            watcher: None,
            evaluated_on: day(6, 10),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: now(),
        };
        check_closure(&eval, &item, today).unwrap();
        let rec = SupportRecord {
            case_id: plan().case_id,
            version: 1,
            roles: vec![AgencyRole {
                agency: AgencyId::new("kikan-soudan"),
                role: "相談の窓口".into(),
            }],
            direction: "（架空）まず家族の負担を減らす".into(),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: now(),
        };
        check_support_record(&rec, None, &item).unwrap();
        let ml = planned_case(Route::MultiLayeredMeeting);
        assert_eq!(
            check_support_record(&rec, None, &ml),
            Err(CaseRuleError::SupportRecordNeedsSupportMeeting)
        );
    }

    #[test]
    fn task_owners() {
        let shakyo = AgencyId::new(SHAKYO);
        let kikan = AgencyId::new("kikan-soudan");
        assert!(task_owner_fits(&kikan, Role::AgencyMember, Some(&kikan)));
        assert!(!task_owner_fits(&kikan, Role::AgencyMember, Some(&shakyo)));
        assert!(task_owner_fits(&shakyo, Role::OutreachWorker, None));
        assert!(!task_owner_fits(&kikan, Role::OutreachWorker, None));
        assert!(!task_owner_fits(&kikan, Role::Coordinator, None));
    }
}
