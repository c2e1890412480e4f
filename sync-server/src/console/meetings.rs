//! Meetings of a case (重層的支援会議 or 支援会議): date, attendees with each
//! agency's role, decisions, the plan, monitoring notes and the evaluation
//! at closure; and the printable agenda, which carries only what that
//! meeting may see (the escalation, the roster, earlier meetings — never
//! contact logs or workers' reflections).
//!
//! Meetings are append-only records in the store's `meetings` table; they
//! are the console's own records and are not synced to tablets.

use axum::body::Bytes;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::ja::{self, Label};
use outreach_shared::validation::{Lines, check_text, limits};
use outreach_shared::{AgencyId, CaseId, CaseQueueItem, Route, UserId, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::layout::{self, day, short_id, when};
use super::session::{Form, Session};
use super::{PageError, PageResult, audit_console, parse_id, see_other, text};
use crate::engine;
use crate::state::AppState;
use crate::store::{StoreResult, Tx};

/// What a meeting was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Planning,
    Monitoring,
    Closure,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::Planning, Purpose::Monitoring, Purpose::Closure];

    pub fn code(&self) -> &'static str {
        match self {
            Purpose::Planning => "planning",
            Purpose::Monitoring => "monitoring",
            Purpose::Closure => "closure",
        }
    }

    pub fn ja(&self) -> &'static str {
        match self {
            Purpose::Planning => text::PURPOSE_PLANNING,
            Purpose::Monitoring => text::PURPOSE_MONITORING,
            Purpose::Closure => text::PURPOSE_CLOSURE,
        }
    }
}

/// A member present, with the role their agency takes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub user: UserId,
    pub agency: AgencyId,
    pub role: String,
}

/// One meeting of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: uuid::Uuid,
    pub case_id: CaseId,
    pub route: Route,
    pub purpose: Purpose,
    pub held_on: NaiveDate,
    pub attendees: Vec<Attendee>,
    pub decisions: String,
    pub plan: Option<String>,
    pub monitoring: Option<String>,
    pub evaluation: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// A case's meetings, oldest first.
pub fn meetings_of(tx: &mut dyn Tx, case: CaseId) -> StoreResult<Vec<Meeting>> {
    Ok(tx
        .meetings_of_case(case)?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

/// Every meeting held in a period.
pub fn meetings_between(
    tx: &mut dyn Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<Meeting>> {
    Ok(tx
        .meetings_between(from, to)?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

fn opt_text(form: &Form, key: &str) -> Result<Option<String>, PageError> {
    match form.text(key) {
        None => Ok(None),
        Some(t) => {
            let mut e = ValidationErrors::default();
            check_text(&mut e, key, &t, limits::REASON, false, Lines::Multi);
            if e.is_empty() {
                Ok(Some(t))
            } else {
                Err(PageError::invalid(text::MEETING_TEXT_TOO_LONG))
            }
        }
    }
}

/// Builds a meeting from the form against the case's roster.
fn meeting_from_form(
    form: &Form,
    item: &CaseQueueItem,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<Meeting, PageError> {
    let held_on = form
        .text("held_on")
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .ok_or_else(|| PageError::invalid(text::MEETING_NEEDS_DATE))?;
    if held_on > ja::local_date(now) {
        return Err(PageError::invalid(text::MEETING_DATE_FUTURE));
    }
    let purpose = Purpose::ALL
        .into_iter()
        .find(|p| Some(p.code()) == form.get("purpose"))
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    let decisions = opt_text(form, "decisions")?
        .ok_or_else(|| PageError::invalid(text::MEETING_NEEDS_DECISIONS))?;
    let evaluation = opt_text(form, "evaluation")?;
    if purpose == Purpose::Closure && evaluation.is_none() {
        return Err(PageError::invalid(text::MEETING_NEEDS_EVALUATION));
    }
    let mut attendees = Vec::new();
    for m in &item.roster {
        if form.get(&format!("attend_{}", m.user)).is_none() {
            continue;
        }
        if item.route == Route::SupportMeeting && m.pledge_recorded_at.is_none() {
            return Err(PageError::invalid(text::MEETING_PLEDGE));
        }
        let role = form.text(&format!("role_{}", m.user)).unwrap_or_default();
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "role",
            &role,
            limits::SHORT_TEXT,
            false,
            Lines::Single,
        );
        if !e.is_empty() {
            return Err(PageError::invalid(text::MEETING_TEXT_TOO_LONG));
        }
        attendees.push(Attendee {
            user: m.user,
            agency: m.agency.clone(),
            role,
        });
    }
    if attendees.is_empty() {
        return Err(PageError::invalid(text::MEETING_NEEDS_ATTENDEE));
    }
    Ok(Meeting {
        id: crate::crypto::new_uuid(),
        case_id: item.escalation.case_id,
        route: item.route,
        purpose,
        held_on,
        attendees,
        decisions,
        plan: opt_text(form, "plan")?,
        monitoring: opt_text(form, "monitoring")?,
        evaluation,
        recorded_by: by,
        recorded_at: now,
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
    let caller = session.caller.clone();
    let now = Utc::now();
    st.write(move |tx| {
        let row = tx
            .case(id)?
            .ok_or_else(|| engine::Error::not_found("no such case"))?;
        let d = decide(
            &caller.actor,
            Action::Write,
            Resource::Case {
                item: &row.item,
                team: row.team,
            },
        );
        if !d.is_allowed() {
            return Ok(Err(PageError::forbidden()));
        }
        let m = match meeting_from_form(&form, &row.item, caller.actor.user, now) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let body = serde_json::to_string(&m)
            .map_err(|e| engine::Error::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
        tx.insert_meeting(m.id, id, m.held_on, &body)?;
        audit_console(
            tx,
            &caller,
            "case.meeting",
            format!("case:{id} meeting:{}", m.id),
            "coordinator (shared::access)",
            now,
        )?;
        Ok(Ok(()))
    })
    .await??;
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
                                    @for p in Purpose::ALL { option value=(p.code()) { (p.ja()) } }
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
    let found = st
        .write(move |tx| {
            let Some(row) = tx.case(id)? else {
                return Ok(None);
            };
            let d = decide(
                &caller.actor,
                Action::Read,
                Resource::Case {
                    item: &row.item,
                    team: row.team,
                },
            );
            if !d.is_allowed() {
                audit_console(
                    tx,
                    &caller,
                    "console.denied",
                    format!("case:{id} agenda"),
                    &format!("{d:?}"),
                    now,
                )?;
                return Ok(Some(Err(())));
            }
            let person = tx.person(row.item.escalation.person_id)?;
            let alias = person.and_then(|p| {
                decide(
                    &caller.actor,
                    Action::Read,
                    Resource::Person {
                        team: p.snapshot.person.team,
                        case: Some(&row.item),
                    },
                )
                .is_allowed()
                .then_some(p.snapshot.person.alias)
            });
            let meetings = meetings_of(tx, id)?;
            let names: HashMap<UserId, String> = tx
                .users()?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
            audit_console(
                tx,
                &caller,
                "read.agenda",
                format!("case:{id} person:{}", row.item.escalation.person_id),
                "visibility rule (shared::access)",
                now,
            )?;
            Ok(Some(Ok((row.item, alias, meetings, names))))
        })
        .await?;
    let (item, alias, meetings, names) = match found {
        None => return Err(PageError::not_found()),
        Some(Err(())) => return Err(PageError::forbidden()),
        Some(Ok(x)) => x,
    };
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
