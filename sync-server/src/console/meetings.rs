//! The meetings section of a case page (with the coordinator's form to
//! record one) and the printable agenda. The record, its rules and what an
//! agenda may carry are the engine's ([`crate::engine::meetings`],
//! `shared::case_rules::check_meeting`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::ja::Label;
use outreach_shared::{CaseId, CaseQueueItem, Meeting, MeetingPurpose, Route, UserId};
use std::collections::HashMap;

use super::layout::{self, day, short_id, when};
use super::session::{Form, Session};
use super::{PageError, PageResult, parse_id, see_other, text};
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
    let mut attended = Vec::new();
    for (k, _) in &form.0 {
        if let Some(u) = k.strip_prefix("attend_")
            && let Ok(user) = UserId::parse(u)
            && !attended.iter().any(|(a, _)| *a == user)
        {
            attended.push((user, form.text(&format!("role_{user}")).unwrap_or_default()));
        }
    }
    Ok(MeetingDraft {
        held_on,
        purpose,
        attended,
        decisions: form.text("decisions").unwrap_or_default(),
        plan: form.text("plan"),
        monitoring: form.text("monitoring"),
        evaluation: form.text("evaluation"),
    })
}

/// `POST /console/cases/{id}/meetings`: a coordinator records a meeting.
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
    let caller = session.caller.clone();
    let now = Utc::now();
    st.write(move |tx| meetings::record_meeting(tx, &caller, id, draft, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=meeting")))
}

/// The meetings section of a case page (with the form for coordinators).
pub fn section(
    session: &Session,
    item: &CaseQueueItem,
    meetings: &[Meeting],
    names: &HashMap<UserId, String>,
) -> Markup {
    let id = item.escalation.case_id;
    let coordinator = session.role() == Role::Coordinator;
    html! {
        section.card #meetings {
            h2 { (text::MEETINGS) }
            p { a #agenda-link href=(format!("/console/cases/{id}/agenda")) { (text::AGENDA) } }
            @if meetings.is_empty() { p.empty { (text::NO_MEETINGS) } }
            @for m in meetings { (meeting_view(m, names)) }
            @if coordinator && !item.roster.is_empty() {
                details.form open[meetings.is_empty()] {
                    summary { (text::RECORD_MEETING) }
                    form #meeting-form method="post" action=(format!("/console/cases/{id}/meetings")) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        div.row {
                            label { (text::MEETING_DATE) " " input #held_on type="date" name="held_on" required; }
                            label { (text::MEETING_PURPOSE) " "
                                select name="purpose" {
                                    @for p in MeetingPurpose::ALL { option value=(p.code()) { (p.ja()) } }
                                }
                            }
                        }
                        fieldset {
                            legend { (text::ATTENDEES) }
                            @for m in &item.roster {
                                div.attendee {
                                    label.check {
                                        input type="checkbox" name=(format!("attend_{}", m.user)) value="1" disabled[item.route == Route::SupportMeeting && m.pledge_recorded_at.is_none()];
                                        " " (names.get(&m.user).map(String::as_str).unwrap_or("—")) " " (text::ATTENDED)
                                    }
                                    input type="text" name=(format!("role_{}", m.user)) placeholder=(text::AGENCY_ROLE) maxlength="200";
                                }
                            }
                        }
                        label.block { (text::DECISIONS) textarea name="decisions" rows="3" maxlength="2000" {} }
                        label.block { (text::PLAN) textarea name="plan" rows="3" maxlength="2000" {} }
                        label.block { (text::MONITORING_NOTES) textarea name="monitoring" rows="2" maxlength="2000" {} }
                        label.block { (text::EVALUATION) textarea name="evaluation" rows="2" maxlength="2000" {} }
                        button.primary type="submit" { (text::RECORD_MEETING) }
                    }
                }
            }
        }
    }
}

fn meeting_view(m: &Meeting, names: &HashMap<UserId, String>) -> Markup {
    html! {
        article.meeting {
            h3 { (day(m.held_on)) "　" (m.route.ja()) "・" (m.purpose.ja()) }
            table.data {
                thead { tr { th { (text::MEMBER) } th { (text::AGENCY_ROLE) } } }
                tbody { @for a in &m.attendees {
                    tr {
                        td { (names.get(&a.user).map(String::as_str).unwrap_or("—")) }
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
        meetings,
        names,
    } = st
        .write(move |tx| meetings::agenda(tx, &caller, id, now))
        .await?
        .ok_or_else(PageError::forbidden)?;
    let e = &item.escalation;
    let body = html! {
        p.small.noprint { (text::AGENDA_PRINT_HINT) }
        section.agenda {
            p.notice-box { @if item.route == Route::SupportMeeting { (text::AGENDA_SM_NOTICE) } @else { (text::AGENDA_ML_NOTICE) } }
            dl.grid {
                dt { (text::ROUTE) } dd { strong { (item.route.ja()) } }
                dt { (text::CASE_NO) } dd { (short_id(&e.case_id)) }
                dt { (text::PERSON) } dd { (alias.as_deref().unwrap_or("—")) }
                dt { (text::STATUS) } dd { (item.status.ja()) }
                dt { (text::URGENCY) } dd { (e.urgency.ja()) }
                dt { (text::FIELDS) } dd { @for f in &e.fields { (f.ja()) " " } @for t in &e.tags { (t.ja()) " " } }
                dt { (text::RAISED_AT) } dd { (when(e.raised_at)) }
                dt { (text::PRINTED_AT) } dd { (when(now)) }
            }
            h2 { (text::REASON) }
            p.pre { (e.reason) }
            h2 { (text::ROSTER) }
            table.data {
                thead { tr { th { (text::MEMBER) } th { (text::PLEDGE) } } }
                tbody { @for m in &item.roster {
                    tr {
                        td { (names.get(&m.user).map(String::as_str).unwrap_or("—")) }
                        td { @match m.pledge_recorded_at { Some(t) => { (text::PLEDGE_RECORDED) "（" (when(t)) "）" } None => (text::PLEDGE_MISSING) } }
                    }
                } }
            }
            h2 { (text::MEETINGS) }
            @if meetings.is_empty() { p { (text::NO_MEETINGS) } }
            @for m in &meetings { (meeting_view(m, &names)) }
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
