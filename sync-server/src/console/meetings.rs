//! The meetings section of a case page (with the coordinator's forms to
//! schedule one ahead and to record one that was held), a meeting's edit
//! page with its history, and the printable agenda. The records, their
//! rules and what an agenda may carry are the engine's
//! ([`crate::engine::meetings`], `shared::case_rules`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::ja::{self, Label};
use outreach_shared::{
    CaseId, CaseQueueItem, Meeting, MeetingPurpose, MeetingState, Route, UserId,
};
use std::collections::HashMap;

use super::layout::{self, day, short_id, when};
use super::session::{Form, Session};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::board;
use crate::engine::meetings::{self, Agenda, MeetingDraft};
use crate::state::AppState;

/// Reads a meeting from the form (the rules are the engine's).
fn draft_from_form(form: &Form) -> Result<MeetingDraft, PageError> {
    let held_on = form
        .text("held_on")
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .ok_or_else(|| PageError::invalid(text::MEETING_NEEDS_DATE))?;
    let purpose = MeetingPurpose::ALL
        .into_iter()
        .find(|p| Some(p.code()) == form.get("purpose"))
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    let state = match form.get("state") {
        Some("scheduled") => MeetingState::Scheduled,
        _ => MeetingState::Held,
    };
    let mut attended = Vec::new();
    let mut invitees = Vec::new();
    for (k, _) in &form.0 {
        if let Some(u) = k.strip_prefix("attend_")
            && let Ok(user) = UserId::parse(u)
            && !attended.iter().any(|(a, _)| *a == user)
        {
            attended.push((user, form.text(&format!("role_{user}")).unwrap_or_default()));
        }
        if let Some(u) = k.strip_prefix("invite_")
            && let Ok(user) = UserId::parse(u)
            && !invitees.contains(&user)
        {
            invitees.push(user);
        }
    }
    Ok(MeetingDraft {
        state,
        held_on,
        purpose,
        place: form.text("place"),
        invitees,
        attended,
        decisions: form.text("decisions").unwrap_or_default(),
    })
}

/// `POST /console/cases/{id}/meetings`: a coordinator schedules a meeting
/// or records one that was held.
pub async fn record(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let draft = draft_from_form(&form)?;
    let done = if draft.state == MeetingState::Scheduled {
        "scheduled"
    } else {
        "meeting"
    };
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| meetings::save_meeting(tx, &caller, &clock, id, None, draft, now))
        .await?;
    Ok(see_other(&format!(
        "/console/cases/{id}?done={done}#meetings"
    )))
}

fn member_name<'a>(names: &'a HashMap<UserId, String>, u: &UserId) -> &'a str {
    names.get(u).map(String::as_str).unwrap_or("—")
}

/// The fields of a held meeting's record (attendees with roles, decisions).
fn held_fields(
    item: &CaseQueueItem,
    m: Option<&Meeting>,
    names: &HashMap<UserId, String>,
) -> Markup {
    html! {
        fieldset {
            legend { (text::ATTENDEES) }
            @for r in &item.roster {
                @let a = m.and_then(|m| m.attendees.iter().find(|a| a.user == r.user));
                @let invited = m.is_some_and(|m| m.invitees.contains(&r.user));
                div.attendee {
                    label.check {
                        input type="checkbox" name=(format!("attend_{}", r.user)) value="1" checked[a.is_some() || invited] disabled[item.route == Route::SupportMeeting && r.pledge_recorded_at.is_none()];
                        " " (member_name(names, &r.user)) " " (text::ATTENDED)
                    }
                    input type="text" name=(format!("role_{}", r.user)) placeholder=(text::AGENCY_ROLE) maxlength="200" value=(a.map(|a| a.role.as_str()).unwrap_or(""));
                }
            }
        }
        label.block { (text::DECISIONS) textarea name="decisions" rows="3" maxlength="2000" { (m.map(|m| m.decisions.as_str()).unwrap_or("")) } }
    }
}

fn purpose_select(selected: Option<MeetingPurpose>) -> Markup {
    html! {
        label { (text::MEETING_PURPOSE) " "
            select name="purpose" {
                @for p in MeetingPurpose::ALL { option value=(p.code()) selected[Some(p) == selected] { (p.ja()) } }
            }
        }
    }
}

/// The meetings section of a case page (with the forms for coordinators).
pub fn section(
    session: &Session,
    item: &CaseQueueItem,
    meetings: &[Meeting],
    names: &HashMap<UserId, String>,
) -> Markup {
    let id = item.escalation.case_id;
    let coordinator = session.role() == Role::Coordinator;
    let today = ja::local_date(Utc::now());
    let (scheduled, held): (Vec<&Meeting>, Vec<&Meeting>) = meetings
        .iter()
        .partition(|m| m.state == MeetingState::Scheduled);
    html! {
        section.card #meetings {
            h2 { (text::MEETINGS) }
            p { a #agenda-link href=(format!("/console/cases/{id}/agenda")) { (text::AGENDA) } }
            @if meetings.is_empty() { p.empty { (text::NO_MEETINGS) } }
            @for m in &scheduled { (meeting_view(m, names, coordinator.then_some(id))) }
            @for m in &held { (meeting_view(m, names, coordinator.then_some(id))) }
            @if coordinator && item.status.is_open() && !item.roster.is_empty() {
                details.form #schedule {
                    summary { (text::SCHEDULE_MEETING_TITLE) }
                    form #schedule-form method="post" action=(format!("/console/cases/{id}/meetings")) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="state" value="scheduled";
                        div.row {
                            label { (text::MEETING_DATE) " " input #schedule_on type="date" name="held_on" min=(today.to_string()) required; }
                            label { (text::MEETING_PLACE) " " input #place type="text" name="place" maxlength="200" required; }
                            (purpose_select(None))
                        }
                        fieldset {
                            legend { (text::MEETING_INVITEES) }
                            @for r in &item.roster {
                                label.check.block {
                                    input type="checkbox" name=(format!("invite_{}", r.user)) value="1" checked disabled[item.route == Route::SupportMeeting && r.pledge_recorded_at.is_none()];
                                    " " (member_name(names, &r.user))
                                }
                            }
                        }
                        button.primary type="submit" { (text::MEETING_SCHEDULE_BUTTON) }
                    }
                }
            }
            @if coordinator && !item.roster.is_empty() {
                details.form open[meetings.is_empty()] {
                    summary { (text::RECORD_MEETING) }
                    form #meeting-form method="post" action=(format!("/console/cases/{id}/meetings")) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="state" value="held";
                        div.row {
                            label { (text::MEETING_DATE) " " input #held_on type="date" name="held_on" max=(today.to_string()) required; }
                            label { (text::MEETING_PLACE) " " input type="text" name="place" maxlength="200"; }
                            (purpose_select(None))
                        }
                        (held_fields(item, None, names))
                        button.primary type="submit" { (text::RECORD_MEETING) }
                    }
                }
            }
        }
    }
}

fn meeting_view(m: &Meeting, names: &HashMap<UserId, String>, edit: Option<CaseId>) -> Markup {
    html! {
        article.meeting id=(format!("meeting-{}", m.id)) {
            h3 {
                (day(m.held_on)) "　" (m.route.ja()) "・" (m.purpose.ja())
                @if m.state == MeetingState::Scheduled { " " span.badge.warn { (text::MEETING_SCHEDULED_BADGE) } }
                @if m.version > 1 { " " span.small { "（" (text::MEETING_VERSION) (m.version) (text::PLAN_VERSION) "）" } }
                @if let Some(case) = edit {
                    " " a.small.edit href=(format!("/console/cases/{case}/meetings/{}", m.id)) {
                        @if m.state == MeetingState::Scheduled { (text::MEETING_RECORD_THIS) } @else { (text::MEETING_EDIT) }
                    }
                }
            }
            @if let Some(p) = &m.place { p { (text::MEETING_PLACE) "：" (p) } }
            @if m.state == MeetingState::Scheduled {
                p { (text::MEETING_INVITEES) "："
                    @for (i, u) in m.invitees.iter().enumerate() { @if i > 0 { "、" } (member_name(names, u)) }
                }
            } @else {
                table.data {
                    thead { tr { th { (text::MEMBER) } th { (text::AGENCY_ROLE) } } }
                    tbody { @for a in &m.attendees {
                        tr {
                            td { (member_name(names, &a.user)) }
                            td { (a.role) }
                        }
                    } }
                }
                dl.grid {
                    dt { (text::DECISIONS) } dd.pre { (m.decisions) }
                    @if let Some(p) = &m.plan { dt { (text::PLAN) } dd.pre { (p) } }
                    @if let Some(p) = &m.monitoring { dt { (text::MONITORING_NOTES) } dd.pre { (p) } }
                    @if let Some(p) = &m.evaluation { dt { (text::EVALUATION) } dd.pre { (p) } }
                }
            }
        }
    }
}

/// `GET /console/cases/{id}/meetings/{meeting}`: the edit form (recording a
/// scheduled meeting is an edit) and the meeting's history.
pub async fn edit_form(
    State(st): State<AppState>,
    session: Session,
    Path((id, meeting)): Path<(String, String)>,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let id = parse_id(&id, CaseId::parse)?;
    let mid = parse_id(&meeting, uuid::Uuid::parse_str)?;
    let (caller, now) = (session.caller.clone(), Utc::now());
    let (page, history) = st
        .write(move |tx| {
            let page = board::full_page(tx, &caller, id, now)?;
            let history = match &page {
                Some(_) => meetings::meeting_history(tx, &caller, id, mid, now)?,
                None => Vec::new(),
            };
            Ok::<_, crate::engine::Error>((page, history))
        })
        .await?;
    let page = page.ok_or_else(PageError::forbidden)?;
    let m = history.last().ok_or_else(PageError::not_found)?;
    let item = &page.detail.item;
    let today = ja::local_date(now);
    let body = html! {
        p { a href=(format!("/console/cases/{id}#meetings")) { (text::BACK) } " ・" (page.alias.as_deref().unwrap_or("—")) }
        form #meeting-edit-form method="post" action=(format!("/console/cases/{id}/meetings/{mid}")) {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="base_version" value=(m.version);
            input type="hidden" name="state" value="held";
            div.row {
                label { (text::MEETING_DATE) " " input #held_on type="date" name="held_on" max=(today.to_string()) required value=(m.held_on.to_string()); }
                label { (text::MEETING_PLACE) " " input type="text" name="place" maxlength="200" value=(m.place.as_deref().unwrap_or("")); }
                (purpose_select(Some(m.purpose)))
            }
            (held_fields(item, Some(m), &page.names))
            button.primary type="submit" { (text::RECORD_MEETING) }
        }
        section.card #meeting-history {
            h2 { (text::MEETING_HISTORY) }
            @for v in history.iter().rev() {
                details open[v.version == m.version] {
                    summary { (text::MEETING_VERSION) (v.version) (text::PLAN_VERSION) " ・" (v.state.ja()) " ・" (when(v.recorded_at)) "（" (member_name(&page.names, &v.recorded_by)) "）" }
                    (meeting_view(v, &page.names, None))
                }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::MEETING_EDIT_TITLE,
        "cases",
        None,
        body,
    ))
}

/// `POST /console/cases/{id}/meetings/{meeting}`: an edit.
pub async fn edit_submit(
    State(st): State<AppState>,
    session: Session,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let mid = parse_id(&meeting, uuid::Uuid::parse_str)?;
    let base: u32 = form
        .text("base_version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    let draft = draft_from_form(&form)?;
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| {
        meetings::save_meeting(tx, &caller, &clock, id, Some((mid, base)), draft, now)
    })
    .await?;
    Ok(see_other(&format!(
        "/console/cases/{id}?done=edited#meetings"
    )))
}

/// `GET /console/cases/{id}/agenda`: the printable agenda.
pub async fn agenda(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id, CaseId::parse)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let Agenda {
        item,
        alias,
        records,
        names,
    } = st
        .write(move |tx| meetings::agenda(tx, &caller, id, now))
        .await?
        .ok_or_else(PageError::forbidden)?;
    let e = &item.escalation;
    let plan = records.plans.iter().max_by_key(|p| p.version);
    let support = records.support_records.iter().max_by_key(|p| p.version);
    let statuses = plan
        .map(|p| outreach_shared::plan::task_statuses(p, &records.monitoring))
        .unwrap_or_default();
    let (scheduled, held): (Vec<&Meeting>, Vec<&Meeting>) = records
        .meetings
        .iter()
        .partition(|m| m.state == MeetingState::Scheduled);
    let body = html! {
        p.small.noprint { (text::AGENDA_PRINT_HINT) }
        section.agenda {
            p.notice-box { @if item.route == Route::SupportMeeting { (text::AGENDA_SM_NOTICE) } @else { (text::AGENDA_ML_NOTICE) } }
            dl.grid {
                dt { (text::ROUTE) } dd { strong { (item.route.ja()) } }
                dt { (text::CASE_NO) } dd { (short_id(&e.case_id)) }
                dt { (text::PERSON) } dd { (alias.as_deref().unwrap_or("—")) }
                dt { (text::STATUS) } dd { (item.status.ja()) }
                dt { (text::URGENCY) } dd { (item.urgency().ja()) }
                dt { (text::FIELDS) } dd { @for f in &e.fields { (f.ja()) " " } @for t in &e.tags { (t.ja()) " " } }
                dt { (text::RAISED_AT) } dd { (when(e.raised_at)) }
                @if let Some(m) = scheduled.first() {
                    dt { (text::NEXT_MEETING) } dd { (day(m.held_on)) @if let Some(p) = &m.place { "　" (p) } }
                }
                dt { (text::PRINTED_AT) } dd { (when(now)) }
            }
            h2 { (text::REASON) }
            p.pre { (e.reason) }
            h2 { (text::ROSTER) }
            table.data {
                thead { tr { th { (text::MEMBER) } th { (text::PLEDGE) } } }
                tbody { @for m in &item.roster {
                    tr {
                        td { (member_name(&names, &m.user)) }
                        td { @match m.pledge_recorded_at { Some(t) => { (text::PLEDGE_RECORDED) "（" (when(t)) "）" } None => (text::PLEDGE_MISSING) } }
                    }
                } }
            }
            @if let Some(p) = plan {
                h2 { (text::PLAN_TITLE) "（" (text::MEETING_VERSION) (p.version) (text::PLAN_VERSION) "）" }
                ul { @for g in &p.goals { li { (g.text) @if g.own_words { "（" (text::PLAN_OWN_WORDS) "）" } } } }
                table.data #agenda-tasks {
                    thead { tr { th { (text::PLAN_TASK_WHAT) } th { (text::PLAN_TASK_AGENCY) } th { (text::PLAN_TASK_DUE) } th { (text::PLAN_TASK_STATUS) } } }
                    tbody { @for t in &p.tasks {
                        tr {
                            td { (t.what) }
                            td { (t.agency.agency().map(|a| a.name).unwrap_or("—")) }
                            td { (day(t.due)) }
                            td { (statuses.get(&t.id).copied().unwrap_or(t.status).ja()) }
                        }
                    } }
                }
                @if let Some(d) = outreach_shared::plan::next_review(p, &records.monitoring) {
                    p { (text::PLAN_NEXT_REVIEW) "：" (day(d)) }
                }
            }
            @if let Some(m) = records.monitoring.last() {
                h2 { (text::MONITORING_TITLE) "（" (day(m.held_on)) "）" }
                p { (m.judgement.ja()) }
                p.pre { (m.assessment) }
            }
            @if let Some(s) = support {
                h2 { (text::SUPPORT_RECORD_TITLE) }
                ul { @for r in &s.roles { li { (r.agency.agency().map(|a| a.name).unwrap_or("—")) "：" (r.role) } } }
                p.pre { (s.direction) }
            }
            @if let Some(c) = &records.closure {
                h2 { (text::CLOSURE_TITLE) }
                p { (c.outcome.ja()) }
                p.pre { (c.reason) }
                p { (text::CLOSURE_CONTINUING) "：" (c.continuing) }
            }
            h2 { (text::MEETINGS) }
            @if held.is_empty() { p { (text::NO_MEETINGS) } }
            @for m in &held { (meeting_view(m, &names, None)) }
        }
    };
    Ok(layout::page(
        &session,
        &format!("{}（{}）", text::AGENDA_TITLE, item.route.ja()),
        "cases",
        None,
        body,
    ))
}
