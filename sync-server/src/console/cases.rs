//! The 多機関協働 case queue for coordinators: a board by route and
//! status with emergencies first; a case page with triage (accept, return
//! to outreach with a reason, put to the meeting its consent allows) and the
//! meeting roster with confidentiality pledges. Agency members see only the
//! cases on whose roster they are; any other case, even typed by hand, is a
//! 403 page and an audit entry.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::Utc;
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::ja::Label;
use outreach_shared::protocol::{CaseMoveRequest, ProtocolVersion};
use outreach_shared::{CaseId, CaseQueueItem, CaseStatus, Route, Urgency, UserId};

use super::layout::{self, short_id, when};
use super::session::{Session, query};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::{self, cases, cases::CasePage};
use crate::state::AppState;

/// A case with what the viewer may see of its person.
struct CaseView {
    item: CaseQueueItem,
    alias: Option<String>,
}

const BOARD: [CaseStatus; 5] = [
    CaseStatus::Received,
    CaseStatus::Triage,
    CaseStatus::MeetingScheduled,
    CaseStatus::Plan,
    CaseStatus::Monitoring,
];

fn urgency_class(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "emergency",
        Urgency::High => "high",
        Urgency::Normal => "normal",
    }
}

fn card(c: &CaseView) -> Markup {
    let e = &c.item.escalation;
    html! {
        a class=(format!("case {}", urgency_class(e.urgency))) href=(format!("/console/cases/{}", e.case_id)) {
            span class=(format!("badge {}", urgency_class(e.urgency))) { (e.urgency.ja()) }
            strong { (c.alias.as_deref().unwrap_or("—")) }
            span.small { (when(e.raised_at)) }
            span.small {
                @for f in &e.fields { (f.ja()) " " }
                @for t in &e.tags { (t.ja()) " " }
            }
        }
    }
}

/// `GET /console/cases`.
pub async fn board(State(st): State<AppState>, session: Session) -> PageResult {
    let caller = session.caller.clone();
    let now = Utc::now();
    let cases: Vec<CaseView> = st
        .write(move |tx| cases::board(tx, &caller, now))
        .await?
        .into_iter()
        .map(|(item, alias)| CaseView { item, alias })
        .collect();
    let emergencies: Vec<&CaseView> = cases
        .iter()
        .filter(|c| c.item.status.is_open() && c.item.escalation.urgency == Urgency::Emergency)
        .collect();
    let closed: Vec<&CaseView> = cases.iter().filter(|c| !c.item.status.is_open()).collect();
    let lead = if session.role() == Role::AgencyMember {
        text::CASES_AGENCY_LEAD
    } else {
        text::CASES_LEAD
    };
    let body = html! {
        p.lead { (lead) }
        @if !emergencies.is_empty() {
            section.alert {
                h2 { (text::EMERGENCIES) }
                div.cards { @for c in &emergencies { (card(c)) } }
            }
        }
        @if cases.is_empty() { p.empty { (text::NO_CASES) } }
        @for route in [Route::MultiLayeredMeeting, Route::SupportMeeting] {
            section.route {
                h2 { (route.ja()) }
                div.board {
                    @for status in BOARD {
                        @let cell: Vec<&CaseView> = cases.iter().filter(|c| c.item.route == route && c.item.status == status).collect();
                        div.column {
                            h3 { (status.ja()) span.count { (cell.len()) } }
                            @for c in cell { (card(c)) }
                        }
                    }
                }
            }
        }
        @if !closed.is_empty() {
            details.closed {
                summary { (text::CLOSED_CASES) "（" (closed.len()) (text::COUNT_SUFFIX) "）" }
                div.cards { @for c in &closed { (card(c)) } }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::CASES_TITLE,
        "cases",
        None,
        body,
    ))
}

/// `GET /console/cases/{id}`.
pub async fn detail(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let id = parse_id(&id, CaseId::parse)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let d = st
        .write(move |tx| cases::case_page(tx, &caller, id, now))
        .await?
        .ok_or_else(PageError::forbidden)?;
    let flash = match query(&q).get("done") {
        Some("moved") => Some(text::DONE_MOVED),
        Some("roster") => Some(text::DONE_ROSTER),
        Some("meeting") => Some(text::DONE_MEETING),
        _ => None,
    };
    let body = case_body(&session, &d);
    Ok(layout::page(
        &session,
        text::CASE_TITLE,
        "cases",
        flash,
        body,
    ))
}

fn case_body(session: &Session, d: &CasePage) -> Markup {
    let item = &d.detail.item;
    let e = &item.escalation;
    let id = e.case_id.to_string();
    let name = |u: &UserId| d.names.get(u).cloned().unwrap_or_else(|| "—".into());
    let coordinator = session.role() == Role::Coordinator;
    let next: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| item.status.can_move_to(*s) && *s != CaseStatus::ReturnedToOutreach)
        .collect();
    html! {
        section.card.case-head {
            h2 {
                span class=(format!("badge {}", urgency_class(e.urgency))) { (e.urgency.ja()) } " "
                (d.alias.as_deref().unwrap_or("—"))
                span.small { " " (text::CASE_NO) " " (short_id(&e.case_id)) }
            }
            dl.grid {
                dt { (text::STATUS) } dd { strong { (item.status.ja()) } }
                dt { (text::ROUTE) } dd { (item.route.ja()) }
                dt { (text::RAISED_AT) } dd { (when(e.raised_at)) "（" (name(&e.raised_by)) "）" }
                dt { (text::FIELDS) } dd { @for f in &e.fields { span.badge { (f.ja()) } " " } @for t in &e.tags { span.badge { (t.ja()) } " " } }
                @if let Some(c) = &d.consent {
                    dt { (text::CONSENT) } dd { (c.status.ja()) @if let Some(day) = c.date { "（" (layout::day(day)) "）" } }
                }
                @if let Some(r) = &item.return_reason {
                    dt { (text::RETURN_REASON) } dd { (r) }
                }
            }
            h3 { (text::REASON) }
            p { (e.reason) }
            p.rule { @if item.route == Route::MultiLayeredMeeting { (text::ROUTE_RULE_ML) } @else { (text::ROUTE_RULE_SM) } }
        }
        section.card {
            h2 { (text::ROSTER) }
            @if item.roster.is_empty() { p.empty { (text::NO_MEMBERS) } } @else {
                table.data #roster {
                    thead { tr { th { (text::MEMBER) } th { (text::PLEDGE) } } }
                    tbody { @for m in &item.roster {
                        tr {
                            td { (name(&m.user)) }
                            td { @match m.pledge_recorded_at {
                                Some(t) => { span.badge.ok { (text::PLEDGE_RECORDED) } " " span.small { (when(t)) } }
                                None => span.badge.warn { (text::PLEDGE_MISSING) },
                            } }
                        }
                    } }
                }
            }
            @if coordinator && item.status.is_open() {
                form.row #roster-form method="post" action=(format!("/console/cases/{id}/roster")) {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="member" { (text::MEMBER) }
                    select #member name="user" {
                        @for (u, n) in &d.members { option value=(u) { (n) } }
                    }
                    label.check { input #pledge type="checkbox" name="pledge" value="1"; " " (text::PLEDGE_CHECK) }
                    button.secondary type="submit" { (text::ADD_MEMBER) }
                }
            }
        }
        @if coordinator && item.status.is_open() {
            section.card #triage {
                h2 { (text::TRIAGE_TITLE) }
                div.actions {
                    @for s in &next {
                        form method="post" action=(format!("/console/cases/{id}/move")) {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="to" value=(s.code());
                            @let back = *s == CaseStatus::Triage && item.status != CaseStatus::Received;
                            button type="submit" name="move" value=(s.code()) class=(if back { "secondary" } else { "primary" }) {
                                @match s {
                                    CaseStatus::Triage if item.status == CaseStatus::Received => { (text::ACCEPT) }
                                    CaseStatus::MeetingScheduled => { (text::SCHEDULE_MEETING) "（" (item.route.ja()) "）" }
                                    _ => { (text::MOVE_TO) "：" (s.ja()) }
                                }
                            }
                        }
                    }
                    @if item.status.can_move_to(CaseStatus::ReturnedToOutreach) {
                        form.return method="post" action=(format!("/console/cases/{id}/move")) {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="to" value="returned_to_outreach";
                            label for="reason" { (text::RETURN_REASON_LABEL) }
                            textarea #reason name="reason" rows="2" maxlength="2000" {}
                            button.secondary type="submit" { (text::RETURN_TO_OUTREACH) }
                        }
                    }
                }
            }
        }
        (super::meetings::section(session, item, &d.meetings, &d.names))
        section.card {
            h2 { (text::HISTORY) }
            ol.history {
                @for m in d.detail.moves.iter().rev() {
                    li {
                        span.small { (when(m.at)) } " "
                        @if let Some(f) = m.from { (f.ja()) " → " }
                        strong { (m.to.ja()) }
                        " ・" (m.route.ja()) " ・"
                        (m.cause.ja())
                        @if let Some(by) = &m.by { "（" (name(by)) "）" }
                    }
                }
            }
            @if session.role() == Role::Coordinator || session.role() == Role::Supervisor {
                p { a href=(format!("/console/audit?person={}", e.person_id)) { (text::AUDIT_OF_PERSON) } }
            }
        }
    }
}

/// `POST /console/cases/{id}/move`.
pub async fn move_case(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let to = CaseStatus::ALL
        .into_iter()
        .find(|s| Some(s.code()) == form.get("to"))
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    // A return without its reason is refused by the rule
    // (`shared::case_rules::apply_move`).
    let reason = form.text("reason");
    let req = CaseMoveRequest {
        protocol: ProtocolVersion::CURRENT,
        to,
        return_reason: reason,
    };
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| engine::move_case(tx, &caller, &clock, id, &req, now))
        .await?;
    tracing::info!(case = %id, to = to.code(), "case moved from the console");
    Ok(see_other(&format!("/console/cases/{id}?done=moved")))
}

/// `POST /console/cases/{id}/roster`.
pub async fn roster(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let user = parse_id(form.get("user").unwrap_or_default(), UserId::parse)?;
    let pledged = form.get("pledge").is_some();
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| cases::add_roster_member(tx, &caller, &clock, id, user, pledged, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=roster")))
}
