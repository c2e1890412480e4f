//! What a case's meeting decides, as structured records (第3章:
//! 「プランの適切性の協議、プランのモニタリング及び終結時の評価」,
//! 「支援関係機関の役割分担、支援の方向性の整理」):
//!
//! - the プラン of a 重層的支援会議 case ([`Plan`]): goals (in the person's
//!   own words where they gave them), per-agency tasks with an owner, a due
//!   date and a status, and the next review date; each change is a new
//!   version, older ones are kept;
//! - monitoring entries ([`MonitoringEntry`]): progress per task and the
//!   overall judgement;
//! - the evaluation at closure ([`ClosureEvaluation`]): outcome, reason,
//!   what continues and who watches; 終結 is refused without one;
//! - the 支援会議's own minimal record ([`SupportRecord`]): the role split
//!   and the direction of support. A 支援会議 case never has a プラン.
//!
//! The rules that tie these to a case are [`crate::case_rules`]; this
//! module checks each record on its own.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

use super::agency::AgencyId;
use super::case_queue::Route;
use crate::ids::{CaseId, UserId};
use crate::validation::{Lines, ValidationErrors, Violation, check_opt_text, check_text, limits};

/// Most goals of one plan.
pub const MAX_GOALS: usize = 20;
/// Most tasks of one plan.
pub const MAX_TASKS: usize = 50;

/// The agency id of the 社会福祉協議会, whose outreach workers see the
/// plan's tasks assigned to it on their tablets.
pub const SHAKYO: &str = "shakyo";

/// One goal of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanGoal {
    pub text: String,
    /// The goal is the person's own words (本人の言葉), not the agencies'.
    #[serde(default)]
    pub own_words: bool,
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// 未着手
    NotStarted,
    /// 実施中
    InProgress,
    /// 完了
    Done,
    /// 中止
    Dropped,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Dropped,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Dropped => "dropped",
        }
    }

    /// Still to be done.
    pub fn is_open(&self) -> bool {
        matches!(self, TaskStatus::NotStarted | TaskStatus::InProgress)
    }
}

/// One agency's task in a plan (役割分担).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanTask {
    /// Stable across versions of the plan, so monitoring can follow it.
    pub id: uuid::Uuid,
    pub what: String,
    /// The agency that owns the task.
    pub agency: AgencyId,
    /// The person in charge, where known.
    #[serde(default)]
    pub owner: Option<UserId>,
    pub due: NaiveDate,
    pub status: TaskStatus,
}

/// The プラン of a 重層的支援会議 case, one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Plan {
    pub case_id: CaseId,
    /// 1 for the first plan, one more for each change.
    pub version: u32,
    pub goals: Vec<PlanGoal>,
    pub tasks: Vec<PlanTask>,
    /// When the meeting reviews the plan next.
    pub next_review: NaiveDate,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

impl Plan {
    /// Checks the plan on its own, written on the local date `today`.
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.goals.is_empty() {
            e.push("goals", Violation::Required);
        }
        if self.goals.len() > MAX_GOALS {
            e.push(
                "goals",
                Violation::OutOfRange {
                    min: 1,
                    max: MAX_GOALS as i64,
                },
            );
        }
        for (i, g) in self.goals.iter().enumerate() {
            check_text(
                &mut e,
                &format!("goals.{i}.text"),
                &g.text,
                limits::SHORT_TEXT,
                true,
                Lines::Single,
            );
        }
        if self.tasks.is_empty() {
            e.push("tasks", Violation::Required);
        }
        if self.tasks.len() > MAX_TASKS {
            e.push(
                "tasks",
                Violation::OutOfRange {
                    min: 1,
                    max: MAX_TASKS as i64,
                },
            );
        }
        let mut ids = BTreeSet::new();
        for (i, t) in self.tasks.iter().enumerate() {
            if !ids.insert(t.id) {
                e.push(format!("tasks.{i}.id"), Violation::Duplicate);
            }
            check_text(
                &mut e,
                &format!("tasks.{i}.what"),
                &t.what,
                limits::SHORT_TEXT,
                true,
                Lines::Single,
            );
            if t.agency.agency().is_none() {
                e.push(format!("tasks.{i}.agency"), Violation::Unknown);
            }
        }
        if self.next_review < today {
            e.push("next_review", Violation::InPast);
        }
        e.finish()
    }

    /// The task with this id.
    pub fn task(&self, id: uuid::Uuid) -> Option<&PlanTask> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

/// The meeting's overall judgement at a monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// 順調 — continue as planned.
    OnTrack,
    /// プランの見直しが必要
    NeedsRevision,
    /// 終結に向けて評価する
    ReadyToClose,
}

impl Judgement {
    pub const ALL: [Judgement; 3] = [
        Judgement::OnTrack,
        Judgement::NeedsRevision,
        Judgement::ReadyToClose,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Judgement::OnTrack => "on_track",
            Judgement::NeedsRevision => "needs_revision",
            Judgement::ReadyToClose => "ready_to_close",
        }
    }
}

/// Progress of one task at a monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TaskProgress {
    pub task: uuid::Uuid,
    pub status: TaskStatus,
    #[serde(default)]
    pub note: Option<String>,
}

/// One monitoring of a plan (モニタリング).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MonitoringEntry {
    pub id: uuid::Uuid,
    pub case_id: CaseId,
    /// The version of the plan it monitored.
    pub plan_version: u32,
    pub held_on: NaiveDate,
    pub progress: Vec<TaskProgress>,
    pub judgement: Judgement,
    /// The overall assessment in words.
    pub assessment: String,
    /// The next review; required unless the judgement is to close.
    #[serde(default)]
    pub next_review: Option<NaiveDate>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

impl MonitoringEntry {
    /// Checks the entry on its own, written on the local date `today`.
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.held_on > today {
            e.push("held_on", Violation::InFuture);
        }
        check_text(
            &mut e,
            "assessment",
            &self.assessment,
            limits::REASON,
            true,
            Lines::Multi,
        );
        let mut seen = BTreeSet::new();
        for (i, p) in self.progress.iter().enumerate() {
            if !seen.insert(p.task) {
                e.push(format!("progress.{i}.task"), Violation::Duplicate);
            }
            check_opt_text(
                &mut e,
                &format!("progress.{i}.note"),
                p.note.as_deref(),
                limits::REASON,
                Lines::Multi,
            );
        }
        match (self.judgement, self.next_review) {
            (Judgement::ReadyToClose, _) => {}
            (_, None) => e.push("next_review", Violation::Required),
            (_, Some(d)) if d < self.held_on => e.push("next_review", Violation::InPast),
            _ => {}
        }
        e.finish()
    }
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosureOutcome {
    /// 課題が解決した
    Resolved,
    /// 生活が安定し、見守りに移行
    Stabilised,
    /// 他の支援・制度につないだ
    HandedOn,
    /// 本人の意向などにより終了
    Ended,
}

impl ClosureOutcome {
    pub const ALL: [ClosureOutcome; 4] = [
        ClosureOutcome::Resolved,
        ClosureOutcome::Stabilised,
        ClosureOutcome::HandedOn,
        ClosureOutcome::Ended,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ClosureOutcome::Resolved => "resolved",
            ClosureOutcome::Stabilised => "stabilised",
            ClosureOutcome::HandedOn => "handed_on",
            ClosureOutcome::Ended => "ended",
        }
    }
}

/// The evaluation at closure (終結時の評価).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClosureEvaluation {
    pub case_id: CaseId,
    /// The case's route when it was evaluated (a 支援会議's evaluation stays
    /// with its pledged members).
    pub route: Route,
    pub outcome: ClosureOutcome,
    /// Why the case can close.
    pub reason: String,
    /// What support continues after closure.
    pub continuing: String,
    /// The agency that watches over the person afterwards.
    pub watched_by: AgencyId,
    /// The person there, where known.
    #[serde(default)]
    pub watcher: Option<UserId>,
    pub evaluated_on: NaiveDate,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

impl ClosureEvaluation {
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "reason",
            &self.reason,
            limits::REASON,
            true,
            Lines::Multi,
        );
        check_text(
            &mut e,
            "continuing",
            &self.continuing,
            limits::REASON,
            true,
            Lines::Multi,
        );
        if self.watched_by.agency().is_none() {
            e.push("watched_by", Violation::Unknown);
        }
        if self.evaluated_on > today {
            e.push("evaluated_on", Violation::InFuture);
        }
        e.finish()
    }
}

/// One agency's part in a 支援会議's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgencyRole {
    pub agency: AgencyId,
    pub role: String,
}

/// The 支援会議's own record: the role split among agencies and the
/// direction of support (never a プラン). Versioned like a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SupportRecord {
    pub case_id: CaseId,
    pub version: u32,
    pub roles: Vec<AgencyRole>,
    /// 支援の方向性
    pub direction: String,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

impl SupportRecord {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.roles.is_empty() {
            e.push("roles", Violation::Required);
        }
        let mut seen = BTreeSet::new();
        for (i, r) in self.roles.iter().enumerate() {
            if r.agency.agency().is_none() {
                e.push(format!("roles.{i}.agency"), Violation::Unknown);
            } else if !seen.insert(&r.agency) {
                e.push(format!("roles.{i}.agency"), Violation::Duplicate);
            }
            check_text(
                &mut e,
                &format!("roles.{i}.role"),
                &r.role,
                limits::SHORT_TEXT,
                true,
                Lines::Single,
            );
        }
        check_text(
            &mut e,
            "direction",
            &self.direction,
            limits::REASON,
            true,
            Lines::Multi,
        );
        e.finish()
    }
}

/// Where a plan's tasks stand now: the plan's own statuses, updated by
/// every monitoring recorded after that version of the plan, in order.
pub fn task_statuses(
    plan: &Plan,
    monitoring: &[MonitoringEntry],
) -> HashMap<uuid::Uuid, TaskStatus> {
    let mut s: HashMap<uuid::Uuid, TaskStatus> =
        plan.tasks.iter().map(|t| (t.id, t.status)).collect();
    let mut later: Vec<&MonitoringEntry> = monitoring
        .iter()
        .filter(|m| m.plan_version == plan.version && m.recorded_at >= plan.recorded_at)
        .collect();
    later.sort_by_key(|m| (m.recorded_at, m.held_on));
    for m in later {
        for p in &m.progress {
            if let Some(v) = s.get_mut(&p.task) {
                *v = p.status;
            }
        }
    }
    s
}

/// The next review of a plan: the latest monitoring's, if recorded after
/// this version of the plan, else the plan's own.
pub fn next_review(plan: &Plan, monitoring: &[MonitoringEntry]) -> Option<NaiveDate> {
    let latest = monitoring
        .iter()
        .filter(|m| m.plan_version == plan.version && m.recorded_at >= plan.recorded_at)
        .max_by_key(|m| (m.recorded_at, m.held_on));
    match latest {
        Some(m) => m.next_review,
        None => Some(plan.next_review),
    }
}

/// Whether a task is overdue on the local date `today`: still open and
/// past its due date. The one rule for the coordinator's board and the
/// tablet's view of the case.
pub fn task_overdue(due: NaiveDate, status: TaskStatus, today: NaiveDate) -> bool {
    due < today && status.is_open()
}

/// What is overdue in a plan on the local date `today`: the open tasks
/// past their due date, and whether the review is past due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overdue {
    pub tasks: Vec<uuid::Uuid>,
    pub review: Option<NaiveDate>,
}

impl Overdue {
    pub fn of(plan: &Plan, monitoring: &[MonitoringEntry], today: NaiveDate) -> Overdue {
        let statuses = task_statuses(plan, monitoring);
        let tasks = plan
            .tasks
            .iter()
            .filter(|t| {
                task_overdue(
                    t.due,
                    statuses.get(&t.id).copied().unwrap_or(t.status),
                    today,
                )
            })
            .map(|t| t.id)
            .collect();
        let review = next_review(plan, monitoring).filter(|d| *d < today);
        Overdue { tasks, review }
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty() && self.review.is_none()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    pub(crate) fn plan() -> Plan {
        Plan {
            case_id: CaseId::new_v7(1_780_000_000_000, [6; 10]),
            version: 1,
            goals: vec![PlanGoal {
                text: "（架空）また外に出られるようになりたい".into(),
                own_words: true,
            }],
            tasks: vec![
                PlanTask {
                    id: uuid::Uuid::from_u128(1),
                    what: "月2回の訪問を続ける".into(),
                    agency: AgencyId::new(SHAKYO),
                    owner: None,
                    due: day(7, 1),
                    status: TaskStatus::InProgress,
                },
                PlanTask {
                    id: uuid::Uuid::from_u128(2),
                    what: "介護保険の申請を手伝う".into(),
                    agency: AgencyId::new("houkatsu-asahi"),
                    owner: None,
                    due: day(6, 20),
                    status: TaskStatus::NotStarted,
                },
            ],
            next_review: day(7, 15),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        }
    }

    fn monitoring(at_day: u32, progress: Vec<TaskProgress>) -> MonitoringEntry {
        MonitoringEntry {
            id: uuid::Uuid::from_u128(u128::from(at_day)),
            case_id: plan().case_id,
            plan_version: 1,
            held_on: day(6, at_day),
            progress,
            judgement: Judgement::OnTrack,
            assessment: "（架空）順調".into(),
            next_review: Some(day(8, 1)),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: Utc.with_ymd_and_hms(2026, 6, at_day, 1, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_plan_needs_goals_tasks_and_a_future_review() {
        plan().validate(day(6, 1)).unwrap();
        let mut p = plan();
        p.goals.clear();
        p.tasks[1].id = p.tasks[0].id;
        p.tasks[0].what = " ".into();
        p.tasks[1].agency = AgencyId::new("nowhere");
        p.next_review = day(5, 1);
        let e = p.validate(day(6, 1)).unwrap_err();
        assert!(e.has("goals"));
        assert!(e.has("tasks.1.id"));
        assert!(e.has("tasks.0.what"));
        assert!(e.has("tasks.1.agency"));
        assert_eq!(e.get("next_review").unwrap().violation, Violation::InPast);
        let mut p = plan();
        p.tasks.clear();
        assert!(p.validate(day(6, 1)).unwrap_err().has("tasks"));
    }

    #[test]
    fn monitoring_moves_task_statuses_and_the_review() {
        let p = plan();
        let m1 = monitoring(
            10,
            vec![TaskProgress {
                task: uuid::Uuid::from_u128(2),
                status: TaskStatus::InProgress,
                note: None,
            }],
        );
        let mut m2 = monitoring(
            20,
            vec![TaskProgress {
                task: uuid::Uuid::from_u128(2),
                status: TaskStatus::Done,
                note: Some("申請済み".into()),
            }],
        );
        m2.next_review = Some(day(9, 1));
        let s = task_statuses(&p, &[m2.clone(), m1.clone()]);
        assert_eq!(s[&uuid::Uuid::from_u128(2)], TaskStatus::Done);
        assert_eq!(s[&uuid::Uuid::from_u128(1)], TaskStatus::InProgress);
        assert_eq!(next_review(&p, &[m1.clone(), m2.clone()]), Some(day(9, 1)));
        assert_eq!(next_review(&p, &[]), Some(day(7, 15)));
        // On 2 July: task 1 (due 1 July, in progress) is overdue; task 2 is
        // done; the review (1 September) is not.
        let o = Overdue::of(&p, &[m1.clone(), m2], day(7, 2));
        assert_eq!(o.tasks, vec![uuid::Uuid::from_u128(1)]);
        assert_eq!(o.review, None);
        // Without the monitoring, task 2 and the review are overdue too.
        let o = Overdue::of(&p, &[], day(7, 20));
        assert_eq!(o.tasks.len(), 2);
        assert_eq!(o.review, Some(day(7, 15)));
        assert!(!o.is_empty());
    }

    #[test]
    fn monitoring_needs_an_assessment_and_a_next_review_unless_closing() {
        let mut m = monitoring(10, vec![]);
        m.validate(day(6, 10)).unwrap();
        m.next_review = None;
        assert!(m.validate(day(6, 10)).unwrap_err().has("next_review"));
        m.judgement = Judgement::ReadyToClose;
        m.validate(day(6, 10)).unwrap();
        m.assessment = String::new();
        m.held_on = day(6, 11);
        let e = m.validate(day(6, 10)).unwrap_err();
        assert!(e.has("assessment") && e.has("held_on"));
    }

    #[test]
    fn closure_and_support_records_check_their_texts() {
        let c = ClosureEvaluation {
            case_id: plan().case_id,
            route: Route::MultiLayeredMeeting,
            outcome: ClosureOutcome::Stabilised,
            reason: "".into(),
            continuing: "月1回の見守り".into(),
            watched_by: AgencyId::new("nowhere"),
            watcher: None,
            evaluated_on: day(6, 2),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        };
        let e = c.validate(day(6, 1)).unwrap_err();
        assert!(e.has("reason") && e.has("watched_by") && e.has("evaluated_on"));
        let r = SupportRecord {
            case_id: plan().case_id,
            version: 1,
            roles: vec![
                AgencyRole {
                    agency: AgencyId::new("kikan-soudan"),
                    role: "窓口".into(),
                },
                AgencyRole {
                    agency: AgencyId::new("kikan-soudan"),
                    role: "".into(),
                },
            ],
            direction: "".into(),
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        };
        let e = r.validate().unwrap_err();
        assert!(e.has("roles.1.agency") && e.has("roles.1.role") && e.has("direction"));
    }
}
