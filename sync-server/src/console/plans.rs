//! A case's structured records in the console: the プラン (goals in the
//! person's own words, per-agency tasks with owners, due dates and
//! statuses, the next review; every version kept), monitoring, the
//! evaluation at closure, and the 支援会議's record of roles and direction.
//! The case page shows what the reader may see ([`section`]); the forms
//! are pages of their own. Each form is read into a `shared::protocol`
//! request and handed to one engine call ([`crate::engine::plans`]), which
//! applies the rules and writes.

use axum::body::Bytes;
use axum::extract::{Path, State};
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::ja::{self, Label};
use outreach_shared::plan::task_statuses;
use outreach_shared::protocol::*;
use outreach_shared::{
    AGENCIES, AgencyId, AgencyRole, CaseId, CaseQueueItem, CaseStatus, ClosureOutcome, Judgement,
    Plan, PlanGoal, Route, TaskProgress, TaskStatus, UserId,
};

use super::layout::{self, day, when};
use super::session::{Form, Session};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::board::{self, CasePage, Staff};
use crate::engine::plans;
use crate::state::AppState;

/// Blank task rows offered below the existing ones.
const BLANK_TASKS: usize = 3;
/// Blank goal rows offered below the existing ones.
const BLANK_GOALS: usize = 2;

fn name(p: &CasePage, u: &UserId) -> String {
    p.names.get(u).cloned().unwrap_or_else(|| "—".into())
}

fn agency_name(a: &AgencyId) -> &str {
    a.agency().map(|x| x.name).unwrap_or("—")
}

fn date(form: &Form, key: &str) -> Result<Option<NaiveDate>, PageError> {
    match form.text(key) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| PageError::invalid(text::BAD_DATE)),
    }
}

fn required_date(form: &Form, key: &str) -> Result<NaiveDate, PageError> {
    date(form, key)?.ok_or_else(|| PageError::invalid(text::BAD_DATE))
}

fn pick<T: Copy>(all: &[T], code: impl Fn(&T) -> &'static str, v: Option<&str>) -> Option<T> {
    all.iter().copied().find(|x| Some(code(x)) == v)
}

/// The records part of a case page.
pub fn section(session: &Session, item: &CaseQueueItem, p: &CasePage) -> Markup {
    let id = item.escalation.case_id;
    let coordinator = session.role() == Role::Coordinator;
    let open = item.status.is_open();
    let at_meeting = matches!(
        item.status,
        CaseStatus::MeetingScheduled | CaseStatus::Plan | CaseStatus::Monitoring
    );
    let r = &p.records;
    let plan = r.plans.iter().max_by_key(|x| x.version);
    let support = r.support_records.iter().max_by_key(|x| x.version);
    html! {
        @if item.route == Route::MultiLayeredMeeting || !r.plans.is_empty() {
            section.card #plan {
                h2 { (text::PLAN_TITLE) @if let Some(pl) = plan { span.small { " （" (text::MEETING_VERSION) (pl.version) (text::PLAN_VERSION) "）" } } }
                @match plan {
                    None => { p.empty { (text::PLAN_NONE) } }
                    Some(pl) => { (plan_view(pl, p)) }
                }
                @if coordinator && open && at_meeting && item.route == Route::MultiLayeredMeeting {
                    p.actions {
                        a.button #plan-link href=(format!("/console/cases/{id}/plan")) {
                            @if plan.is_some() { (text::PLAN_REVISE) } @else { (text::PLAN_WRITE) }
                        }
                        @if plan.is_some() {
                            a.button #monitoring-link href=(format!("/console/cases/{id}/monitoring")) { (text::MONITORING_WRITE) }
                        }
                    }
                }
                @let earlier: Vec<&Plan> = r.plans.iter().filter(|x| Some(x.version) != plan.map(|q| q.version)).collect();
                @if !earlier.is_empty() {
                    details.versions {
                        summary { (text::PLAN_EARLIER) "（" (earlier.len()) (text::COUNT_SUFFIX) "）" }
                        @for old in earlier.iter().rev() {
                            h3 { (text::MEETING_VERSION) (old.version) (text::PLAN_VERSION) " ・" (text::RECORDED_BY) " " (when(old.recorded_at)) "（" (name(p, &old.recorded_by)) "）" }
                            (plan_view(old, p))
                        }
                    }
                }
            }
        }
        @if !r.monitoring.is_empty() {
            section.card #monitoring {
                h2 { (text::MONITORING_TITLE) }
                @for m in r.monitoring.iter().rev() {
                    article.monitoring {
                        h3 { (day(m.held_on)) " ・" (m.judgement.ja()) }
                        p.pre { (m.assessment) }
                        @if !m.progress.is_empty() {
                            ul {
                                @for pr in &m.progress {
                                    @let what = r.plans.iter().rev().find_map(|pl| pl.task(pr.task)).map(|t| t.what.as_str()).unwrap_or("—");
                                    li { (what) "：" strong { (pr.status.ja()) } @if let Some(n) = &pr.note { "（" (n) "）" } }
                                }
                            }
                        }
                        @if let Some(n) = m.next_review { p.small { (text::PLAN_NEXT_REVIEW) "：" (day(n)) } }
                    }
                }
            }
        }
        @if item.route == Route::SupportMeeting || !r.support_records.is_empty() {
            section.card #support-record {
                h2 { (text::SUPPORT_RECORD_TITLE) }
                @match support {
                    None => { p.empty { (text::SUPPORT_RECORD_NONE) } }
                    Some(s) => {
                        table.data {
                            thead { tr { th { (text::PLAN_TASK_AGENCY) } th { (text::SUPPORT_RECORD_ROLE) } } }
                            tbody { @for x in &s.roles { tr { td { (agency_name(&x.agency)) } td { (x.role) } } } }
                        }
                        h3 { (text::SUPPORT_RECORD_DIRECTION) }
                        p.pre { (s.direction) }
                        p.small { (text::MEETING_VERSION) (s.version) (text::PLAN_VERSION) " ・" (when(s.recorded_at)) "（" (name(p, &s.recorded_by)) "）" }
                    }
                }
                @if coordinator && open && at_meeting && item.route == Route::SupportMeeting {
                    p.actions { a.button #support-record-link href=(format!("/console/cases/{id}/support-record")) { (text::SUPPORT_RECORD_WRITE) } }
                }
            }
        }
        @if r.closure.is_some() || (coordinator && open && at_meeting) {
            section.card #closure {
                h2 { (text::CLOSURE_TITLE) }
                @if let Some(c) = &r.closure {
                    dl.grid {
                        dt { (text::CLOSURE_OUTCOME) } dd { strong { (c.outcome.ja()) } }
                        dt { (text::CLOSURE_REASON) } dd.pre { (c.reason) }
                        dt { (text::CLOSURE_CONTINUING) } dd.pre { (c.continuing) }
                        dt { (text::CLOSURE_WATCHED_BY) } dd { (agency_name(&c.watched_by)) @if let Some(w) = &c.watcher { "（" (name(p, w)) "）" } }
                        dt { (text::CLOSURE_DATE) } dd { (day(c.evaluated_on)) }
                    }
                }
                @if coordinator && open && at_meeting {
                    p.actions { a.button #closure-link href=(format!("/console/cases/{id}/closure")) { (text::CLOSURE_WRITE) } }
                }
            }
        }
    }
}

fn plan_view(pl: &Plan, p: &CasePage) -> Markup {
    let statuses = task_statuses(pl, &p.records.monitoring);
    let today = ja::local_date(Utc::now());
    html! {
        h3 { (text::PLAN_GOALS) }
        ul.goals {
            @for g in &pl.goals {
                li { (g.text) @if g.own_words { " " span.badge.ok { (text::PLAN_OWN_WORDS) } } }
            }
        }
        h3 { (text::PLAN_TASKS) }
        table.data.tasks {
            thead { tr {
                th { (text::PLAN_TASK_WHAT) } th { (text::PLAN_TASK_AGENCY) } th { (text::PLAN_TASK_OWNER) }
                th { (text::PLAN_TASK_DUE) } th { (text::PLAN_TASK_STATUS) }
            } }
            tbody { @for t in &pl.tasks {
                @let st = statuses.get(&t.id).copied().unwrap_or(t.status);
                @let late = t.due < today && st.is_open() && p.overdue.tasks.contains(&t.id);
                tr {
                    td { (t.what) } td { (agency_name(&t.agency)) }
                    td { @match &t.owner { Some(u) => { (name(p, u)) } None => { (text::UNKNOWN_OWNER) } } }
                    td class=(if late { "warn" } else { "" }) { (day(t.due)) @if late { " " span.badge.warn { (text::OVERDUE_TASKS) } } }
                    td { (st.ja()) }
                }
            } }
        }
        @let review = plans::review_due(pl, &p.records.monitoring);
        p { (text::PLAN_NEXT_REVIEW) "：" @match review {
            Some(d) if p.overdue.review.is_some() => { strong.warn { (day(d)) " " (text::OVERDUE_REVIEW) } }
            Some(d) => { (day(d)) }
            None => { "—" }
        } }
        p.small { (text::RECORDED_BY) " " (when(pl.recorded_at)) "（" (name(p, &pl.recorded_by)) "）" }
    }
}

/// Loads the case page for a form (coordinators only).
async fn load(st: &AppState, session: &Session, id: &str) -> Result<CasePage, PageError> {
    session.require(&[Role::Coordinator])?;
    let id = parse_id(id, CaseId::parse)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    st.write(move |tx| board::full_page(tx, &caller, id, now))
        .await?
        .ok_or_else(PageError::forbidden)
}

fn form_page(session: &Session, p: &CasePage, title: &str, body: Markup) -> PageResult {
    let id = p.detail.item.escalation.case_id;
    let body = html! {
        p { a href=(format!("/console/cases/{id}")) { (text::BACK) } " ・" (p.alias.as_deref().unwrap_or("—")) }
        (body)
    };
    Ok(layout::page(session, title, "cases", None, body))
}

fn agency_select(name: &str, selected: Option<&AgencyId>, blank: bool) -> Markup {
    html! {
        select name=(name) {
            @if blank { option value="" { "—" } }
            @for a in AGENCIES {
                option value=(a.id) selected[selected.is_some_and(|s| s.0 == a.id)] { (a.name) }
            }
        }
    }
}

fn staff_select(name: &str, staff: &[Staff], selected: Option<UserId>) -> Markup {
    html! {
        select name=(name) {
            option value="" { (text::UNKNOWN_OWNER) }
            @for s in staff {
                option value=(s.id) selected[selected == Some(s.id)] {
                    (s.name) @if s.agency.is_none() { "（" (s.role.ja()) "）" }
                }
            }
        }
    }
}

/// `GET /console/cases/{id}/plan`.
pub async fn plan_form(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let p = load(&st, &session, &id).await?;
    let id = p.detail.item.escalation.case_id;
    let current = p.records.plans.iter().max_by_key(|x| x.version);
    let statuses = current
        .map(|pl| task_statuses(pl, &p.records.monitoring))
        .unwrap_or_default();
    let goals: Vec<Option<&PlanGoal>> = current
        .map(|pl| pl.goals.iter().map(Some).collect())
        .unwrap_or_default();
    let tasks = current.map(|pl| pl.tasks.as_slice()).unwrap_or(&[]);
    let body = html! {
        p.lead { (text::PLAN_FORM_LEAD) }
        form #plan-form method="post" action=(format!("/console/cases/{id}/plan")) {
            input type="hidden" name="csrf" value=(session.csrf);
            @if let Some(pl) = current { input type="hidden" name="base_version" value=(pl.version); }
            fieldset {
                legend { (text::PLAN_GOALS) }
                @for (i, g) in goals.iter().copied().chain(std::iter::repeat_n(None, BLANK_GOALS)).enumerate() {
                    div.row {
                        input type="text" name=(format!("goal_{i}")) maxlength="200" size="60" placeholder=(text::PLAN_GOAL) value=(g.map(|g| g.text.as_str()).unwrap_or(""));
                        label.check { input type="checkbox" name=(format!("own_{i}")) value="1" checked[g.is_some_and(|g| g.own_words)]; " " (text::PLAN_OWN_WORDS) }
                    }
                }
            }
            fieldset {
                legend { (text::PLAN_TASKS) }
                table.data.form {
                    thead { tr {
                        th { (text::PLAN_TASK_WHAT) } th { (text::PLAN_TASK_AGENCY) } th { (text::PLAN_TASK_OWNER) }
                        th { (text::PLAN_TASK_DUE) } th { (text::PLAN_TASK_STATUS) }
                    } }
                    tbody {
                        @for i in 0..tasks.len() + BLANK_TASKS {
                            @let t = tasks.get(i);
                            tr {
                                td {
                                    @if let Some(t) = t { input type="hidden" name=(format!("task_{i}_id")) value=(t.id); }
                                    input type="text" name=(format!("task_{i}_what")) maxlength="200" value=(t.map(|t| t.what.as_str()).unwrap_or(""));
                                }
                                td { (agency_select(&format!("task_{i}_agency"), t.map(|t| &t.agency), false)) }
                                td { (staff_select(&format!("task_{i}_owner"), &p.staff, t.and_then(|t| t.owner))) }
                                td { input type="date" name=(format!("task_{i}_due")) value=(t.map(|t| t.due.to_string()).unwrap_or_default()); }
                                td {
                                    select name=(format!("task_{i}_status")) {
                                        @for s in TaskStatus::ALL {
                                            @let cur = t.map(|t| statuses.get(&t.id).copied().unwrap_or(t.status)).unwrap_or(TaskStatus::NotStarted);
                                            option value=(s.code()) selected[s == cur] { (s.ja()) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            label.block { (text::PLAN_NEXT_REVIEW) " " input #next_review type="date" name="next_review" required value=(current.map(|pl| pl.next_review.to_string()).unwrap_or_default()); }
            button.primary type="submit" { (text::PLAN_WRITE) }
        }
    };
    form_page(&session, &p, text::PLAN_TITLE, body)
}

/// Reads the plan form (rows with no text are skipped).
fn plan_request(form: &Form) -> Result<PlanRequest, PageError> {
    let mut goals = Vec::new();
    let mut i = 0;
    while form.get(&format!("goal_{i}")).is_some() {
        if let Some(text) = form.text(&format!("goal_{i}")) {
            goals.push(PlanGoal {
                text,
                own_words: form.get(&format!("own_{i}")).is_some(),
            });
        }
        i += 1;
    }
    let mut tasks = Vec::new();
    let mut i = 0;
    while form.get(&format!("task_{i}_what")).is_some() {
        let k = |f: &str| format!("task_{i}_{f}");
        if let Some(what) = form.text(&k("what")) {
            tasks.push(TaskDraft {
                id: form
                    .text(&k("id"))
                    .map(|s| uuid::Uuid::parse_str(&s))
                    .transpose()
                    .map_err(|_| PageError::bad_request(text::BAD_REQUEST))?,
                what,
                agency: AgencyId(form.text(&k("agency")).unwrap_or_default()),
                owner: form
                    .text(&k("owner"))
                    .map(|s| UserId::parse(&s))
                    .transpose()
                    .map_err(|_| PageError::bad_request(text::BAD_REQUEST))?,
                due: required_date(form, &k("due"))?,
                status: pick(&TaskStatus::ALL, TaskStatus::code, form.get(&k("status")))
                    .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?,
            });
        }
        i += 1;
    }
    Ok(PlanRequest {
        protocol: ProtocolVersion::CURRENT,
        base_version: form
            .text("base_version")
            .map(|v| v.parse())
            .transpose()
            .map_err(|_| PageError::bad_request(text::BAD_REQUEST))?,
        goals,
        tasks,
        next_review: required_date(form, "next_review")?,
    })
}

/// `POST /console/cases/{id}/plan`.
pub async fn plan_submit(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let req = plan_request(&form)?;
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| plans::record_plan(tx, &caller, &clock, id, &req, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=plan#plan")))
}

/// `GET /console/cases/{id}/monitoring`.
pub async fn monitoring_form(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let p = load(&st, &session, &id).await?;
    let id = p.detail.item.escalation.case_id;
    let Some(pl) = p.records.plans.iter().max_by_key(|x| x.version) else {
        return Err(PageError::invalid(text::NO_PLAN_TO_MONITOR));
    };
    let statuses = task_statuses(pl, &p.records.monitoring);
    let today = ja::local_date(Utc::now());
    let body = html! {
        form #monitoring-form method="post" action=(format!("/console/cases/{id}/monitoring")) {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="plan_version" value=(pl.version);
            label.block { (text::MONITORING_DATE) " " input #held_on type="date" name="held_on" required value=(today.to_string()); }
            fieldset {
                legend { (text::MONITORING_PROGRESS) }
                table.data.form {
                    thead { tr { th { (text::PLAN_TASK_WHAT) } th { (text::PLAN_TASK_AGENCY) } th { (text::PLAN_TASK_STATUS) } th { (text::MONITORING_NOTE) } } }
                    tbody { @for t in &pl.tasks {
                        @let cur = statuses.get(&t.id).copied().unwrap_or(t.status);
                        tr {
                            td { (t.what) } td { (agency_name(&t.agency)) }
                            td { select name=(format!("status_{}", t.id)) { @for s in TaskStatus::ALL { option value=(s.code()) selected[s == cur] { (s.ja()) } } } }
                            td { input type="text" name=(format!("note_{}", t.id)) maxlength="2000"; }
                        }
                    } }
                }
            }
            label.block { (text::MONITORING_JUDGEMENT) " "
                select #judgement name="judgement" { @for j in Judgement::ALL { option value=(j.code()) { (j.ja()) } } }
            }
            label.block { (text::MONITORING_ASSESSMENT) textarea #assessment name="assessment" rows="3" maxlength="2000" required {} }
            label.block { (text::MONITORING_NEXT) " " input #monitoring-next type="date" name="next_review"; }
            button.primary type="submit" { (text::MONITORING_WRITE) }
        }
    };
    form_page(&session, &p, text::MONITORING_TITLE, body)
}

/// `POST /console/cases/{id}/monitoring`.
pub async fn monitoring_submit(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let mut progress = Vec::new();
    for (k, v) in &form.0 {
        if let Some(t) = k.strip_prefix("status_") {
            let task =
                uuid::Uuid::parse_str(t).map_err(|_| PageError::bad_request(text::BAD_REQUEST))?;
            let status = pick(&TaskStatus::ALL, TaskStatus::code, Some(v))
                .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
            progress.push(TaskProgress {
                task,
                status,
                note: form.text(&format!("note_{t}")),
            });
        }
    }
    let req = MonitoringRequest {
        protocol: ProtocolVersion::CURRENT,
        plan_version: form
            .text("plan_version")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?,
        held_on: required_date(&form, "held_on")?,
        progress,
        judgement: pick(&Judgement::ALL, Judgement::code, form.get("judgement"))
            .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?,
        assessment: form.text("assessment").unwrap_or_default(),
        next_review: date(&form, "next_review")?,
    };
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| plans::record_monitoring(tx, &caller, &clock, id, &req, now))
        .await?;
    Ok(see_other(&format!(
        "/console/cases/{id}?done=monitoring#monitoring"
    )))
}

/// `GET /console/cases/{id}/closure`.
pub async fn closure_form(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let p = load(&st, &session, &id).await?;
    let id = p.detail.item.escalation.case_id;
    let today = ja::local_date(Utc::now());
    let body = html! {
        form #closure-form method="post" action=(format!("/console/cases/{id}/closure")) {
            input type="hidden" name="csrf" value=(session.csrf);
            label.block { (text::CLOSURE_OUTCOME) " "
                select #outcome name="outcome" { @for o in ClosureOutcome::ALL { option value=(o.code()) { (o.ja()) } } }
            }
            label.block { (text::CLOSURE_REASON) textarea #closure-reason name="reason" rows="3" maxlength="2000" required {} }
            label.block { (text::CLOSURE_CONTINUING) textarea #continuing name="continuing" rows="2" maxlength="2000" required {} }
            label.block { (text::CLOSURE_WATCHED_BY) " " (agency_select("watched_by", Some(&AgencyId::new(outreach_shared::plan::SHAKYO)), false)) }
            label.block { (text::CLOSURE_WATCHER) " " (staff_select("watcher", &p.staff, None)) }
            label.block { (text::CLOSURE_DATE) " " input #evaluated_on type="date" name="evaluated_on" required value=(today.to_string()); }
            button.primary type="submit" { (text::CLOSURE_WRITE) }
        }
    };
    form_page(&session, &p, text::CLOSURE_TITLE, body)
}

/// `POST /console/cases/{id}/closure`.
pub async fn closure_submit(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let req = ClosureRequest {
        protocol: ProtocolVersion::CURRENT,
        outcome: pick(
            &ClosureOutcome::ALL,
            ClosureOutcome::code,
            form.get("outcome"),
        )
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?,
        reason: form.text("reason").unwrap_or_default(),
        continuing: form.text("continuing").unwrap_or_default(),
        watched_by: AgencyId(form.text("watched_by").unwrap_or_default()),
        watcher: form
            .text("watcher")
            .map(|s| UserId::parse(&s))
            .transpose()
            .map_err(|_| PageError::bad_request(text::BAD_REQUEST))?,
        evaluated_on: required_date(&form, "evaluated_on")?,
    };
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| plans::record_closure(tx, &caller, &clock, id, &req, now))
        .await?;
    Ok(see_other(&format!(
        "/console/cases/{id}?done=closure#closure"
    )))
}

/// `GET /console/cases/{id}/support-record`.
pub async fn support_record_form(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let p = load(&st, &session, &id).await?;
    let id = p.detail.item.escalation.case_id;
    let current = p.records.support_records.iter().max_by_key(|x| x.version);
    let role_of = |a: &str| {
        current
            .and_then(|c| c.roles.iter().find(|r| r.agency.0 == a))
            .map(|r| r.role.as_str())
            .unwrap_or("")
    };
    let body = html! {
        p.lead { (text::SUPPORT_RECORD_LEAD) }
        form #support-record-form method="post" action=(format!("/console/cases/{id}/support-record")) {
            input type="hidden" name="csrf" value=(session.csrf);
            @if let Some(c) = current { input type="hidden" name="base_version" value=(c.version); }
            table.data.form {
                thead { tr { th { (text::PLAN_TASK_AGENCY) } th { (text::SUPPORT_RECORD_ROLE) } } }
                tbody { @for a in AGENCIES {
                    tr { td { (a.name) } td { input type="text" name=(format!("role_{}", a.id)) maxlength="200" size="50" value=(role_of(a.id)); } }
                } }
            }
            label.block { (text::SUPPORT_RECORD_DIRECTION) textarea #direction name="direction" rows="3" maxlength="2000" required { (current.map(|c| c.direction.as_str()).unwrap_or("")) } }
            button.primary type="submit" { (text::SUPPORT_RECORD_WRITE) }
        }
    };
    form_page(&session, &p, text::SUPPORT_RECORD_TITLE, body)
}

/// `POST /console/cases/{id}/support-record`.
pub async fn support_record_submit(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let roles = AGENCIES
        .iter()
        .filter_map(|a| {
            form.text(&format!("role_{}", a.id)).map(|role| AgencyRole {
                agency: AgencyId::new(a.id),
                role,
            })
        })
        .collect();
    let req = SupportRecordRequest {
        protocol: ProtocolVersion::CURRENT,
        base_version: form
            .text("base_version")
            .map(|v| v.parse())
            .transpose()
            .map_err(|_| PageError::bad_request(text::BAD_REQUEST))?,
        roles,
        direction: form.text("direction").unwrap_or_default(),
    };
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| plans::record_support_record(tx, &caller, &clock, id, &req, now))
        .await?;
    Ok(see_other(&format!(
        "/console/cases/{id}?done=support_record#support-record"
    )))
}
