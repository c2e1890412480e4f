//! The 多機関協働 case queue for coordinators: a board by route and
//! status with emergencies first, overdue plan tasks and reviews, and the
//! cases whose person consented since they went to the 支援会議; a case
//! page with triage (accept, return to outreach with a reason, put to the
//! meeting its consent allows), the route change when consent arrives
//! later, the meeting roster with confidentiality pledges (members added
//! and removed), the find-request to outreach, and the case's records
//! ([`super::plans`], [`super::meetings`]). Agency members see only the
//! open cases on whose roster they are; any other case, even typed by
//! hand, is a 403 page and an audit entry. Supervisors (the escalating
//! team) see their team's cases as their status only: no roster, reason,
//! referral, minutes or agenda (`shared::access::case_view`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::Utc;
use maud::{Markup, html};
use outreach_shared::access::{MemberShown, Role};
use outreach_shared::ja::{self, Label};
use outreach_shared::protocol::{
    CaseMoveRequest, FindRequestRequest, ProtocolVersion, RouteChangeRequest,
};
use outreach_shared::{CaseId, CaseQueueItem, CaseStatus, Route, TeamId, Urgency, UserId};

use super::layout::{self, short_id, when};
use super::session::{Session, query};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::board::{self, BoardCase, BoardItem, CasePage, CaseScreen, StatusPage};
use crate::engine::{self, referrals, roster};
use crate::state::AppState;

const BOARD: [CaseStatus; 5] = [
    CaseStatus::Received,
    CaseStatus::Triage,
    CaseStatus::MeetingScheduled,
    CaseStatus::Plan,
    CaseStatus::Monitoring,
];

pub(super) fn urgency_class(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "emergency",
        Urgency::High => "high",
        Urgency::Normal => "normal",
    }
}

fn card(c: &BoardCase) -> Markup {
    let u = c.urgency();
    html! {
        a class=(format!("case {}", urgency_class(u))) href=(format!("/console/cases/{}", c.case_id())) {
            span class=(format!("badge {}", urgency_class(u))) { (u.ja()) }
            strong { (c.alias.as_deref().unwrap_or("—")) }
            @match &c.item {
                BoardItem::Full(item) => {
                    span.small { (when(item.escalation.raised_at)) }
                    span.small {
                        @for f in &item.escalation.fields { (f.ja()) " " }
                        @for t in &item.escalation.tags { (t.ja()) " " }
                    }
                }
                BoardItem::Status(v) => {
                    span.small { (text::UPDATED_AT) " " (when(v.updated_at)) }
                }
            }
            @if c.consent_arrived { span.badge.ok { (text::CONSENT_ARRIVED) } }
            @if let Some(o) = &c.overdue {
                @if !o.tasks.is_empty() { span.badge.warn { (text::OVERDUE_TASKS) " " (o.tasks.len()) } }
                @if o.review.is_some() { span.badge.warn { (text::OVERDUE_REVIEW) } }
            }
        }
    }
}

/// `GET /console/cases`.
pub async fn board(State(st): State<AppState>, session: Session) -> PageResult {
    let caller = session.caller.clone();
    let now = Utc::now();
    let cases = st.write(move |tx| board::board(tx, &caller, now)).await?;
    let emergencies: Vec<&BoardCase> = cases
        .iter()
        .filter(|c| c.status().is_open() && c.urgency() == Urgency::Emergency)
        .collect();
    let overdue: Vec<&BoardCase> = cases.iter().filter(|c| c.overdue.is_some()).collect();
    let closed: Vec<&BoardCase> = cases.iter().filter(|c| !c.status().is_open()).collect();
    let coordinator = session.role() == Role::Coordinator;
    let lead = match session.role() {
        Role::AgencyMember => text::CASES_AGENCY_LEAD,
        r if r.reads_case_status_only() => text::CASES_TEAM_LEAD,
        _ => text::CASES_LEAD,
    };
    let body = html! {
        p.lead { (lead) }
        @if matches!(session.role(), Role::Coordinator | Role::AgencyMember) {
            p { a.button #new-referral href="/console/referrals" { (text::REFERRAL_TITLE) } }
        }
        @if !emergencies.is_empty() {
            section.alert {
                h2 { (text::EMERGENCIES) }
                div.cards { @for c in &emergencies { (card(c)) } }
            }
        }
        @if coordinator {
            section #overdue {
                h2 { (text::OVERDUE_TITLE) }
                @if overdue.is_empty() { p.empty { (text::NOTHING_OVERDUE_CASES) } }
                @else { div.cards { @for c in &overdue { (card(c)) } } }
            }
        }
        @if cases.is_empty() { p.empty { (text::NO_CASES) } }
        @for route in [Route::MultiLayeredMeeting, Route::SupportMeeting] {
            section.route {
                h2 { (route.ja()) }
                div.board {
                    @for status in BOARD {
                        @let cell: Vec<&BoardCase> = cases.iter().filter(|c| c.route() == route && c.status() == status).collect();
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
    let screen = st
        .write(move |tx| board::case_page(tx, &caller, id, now))
        .await?
        .ok_or_else(PageError::forbidden)?;
    let d = match screen {
        CaseScreen::Full(d) => d,
        CaseScreen::Status(p) => {
            return Ok(layout::page(
                &session,
                text::CASE_TITLE,
                "cases",
                None,
                status_body(&p),
            ));
        }
    };
    let flash = match query(&q).get("done") {
        Some("moved") => Some(text::DONE_MOVED),
        Some("roster") => Some(text::DONE_ROSTER),
        Some("removed") => Some(text::DONE_ROSTER_REMOVED),
        Some("route") => Some(text::DONE_ROUTE),
        Some("find") => Some(text::DONE_FIND),
        Some("meeting") => Some(text::DONE_MEETING),
        Some("scheduled") => Some(text::DONE_SCHEDULED),
        Some("edited") => Some(text::DONE_MEETING_EDITED),
        Some("plan") => Some(text::DONE_PLAN),
        Some("monitoring") => Some(text::DONE_MONITORING),
        Some("closure") => Some(text::DONE_CLOSURE),
        Some("support_record") => Some(text::DONE_SUPPORT_RECORD),
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

/// The escalating team's case page: the status only, as the tablet shows
/// it.
fn status_body(p: &StatusPage) -> Markup {
    let v = &p.status;
    html! {
        section.card.case-head #case-status-only {
            h2 {
                span class=(format!("badge {}", urgency_class(v.urgency))) { (v.urgency.ja()) } " "
                (p.alias.as_deref().unwrap_or("—"))
                span.small { " " (text::CASE_NO) " " (short_id(&v.case_id)) }
            }
            dl.grid {
                dt { (text::STATUS) } dd #case-status { strong { (v.status.ja()) } }
                dt { (text::ROUTE) } dd #case-route { (v.route.ja()) }
                dt { (text::UPDATED_AT) } dd { (when(v.updated_at)) }
                @if let Some(d) = v.next_meeting {
                    dt { (text::NEXT_MEETING) } dd #next-meeting { (layout::day(d)) }
                }
                @if let Some(r) = &v.return_reason {
                    dt { (text::RETURN_REASON) } dd { (r) }
                }
                @if let Some(f) = &v.find_request {
                    dt { (text::FIND_SHOWN) } dd #find-shown { (f.request) span.small { "（" (when(f.requested_at)) "）" } }
                }
                @if !v.followups.is_empty() {
                    dt { (text::FOLLOWUPS) } dd { (v.followups.len()) (text::COUNT_SUFFIX) }
                }
            }
            @if !v.outreach_tasks.is_empty() {
                h3 { (text::OUTREACH_TASKS) }
                table.data #outreach-tasks {
                    thead { tr { th { (text::PLAN_TASK_WHAT) } th { (text::PLAN_TASK_DUE) } th { (text::PLAN_TASK_STATUS) } } }
                    tbody { @for t in &v.outreach_tasks {
                        tr { td { (t.what) } td { (layout::day(t.due)) } td { (t.status.ja()) } }
                    } }
                }
            }
            p.rule { (text::STATUS_ONLY_RULE) }
        }
    }
}

fn name_of(d: &CasePage, u: &UserId) -> String {
    d.names.get(u).cloned().unwrap_or_else(|| "—".into())
}

fn case_body(session: &Session, d: &CasePage) -> Markup {
    let item = &d.detail.item;
    let e = &item.escalation;
    let id = e.case_id.to_string();
    let coordinator = session.role() == Role::Coordinator;
    let consent_arrived = item.route == Route::SupportMeeting
        && d.consent
            .as_ref()
            .is_some_and(|c| c.allows_multi_layered_meeting());
    let next: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| item.status.can_move_to(*s) && *s != CaseStatus::ReturnedToOutreach)
        .collect();
    html! {
        section.card.case-head {
            h2 {
                span class=(format!("badge {}", urgency_class(item.urgency()))) { (item.urgency().ja()) } " "
                (d.alias.as_deref().unwrap_or("—"))
                span.small { " " (text::CASE_NO) " " (short_id(&e.case_id)) }
            }
            dl.grid {
                dt { (text::STATUS) } dd #case-status { strong { (item.status.ja()) } }
                dt { (text::ROUTE) } dd #case-route { (item.route.ja()) }
                dt { (text::RAISED_AT) } dd { (when(e.raised_at)) "（" (name_of(d, &e.raised_by)) "）" }
                @if let Some(r) = &item.referral {
                    dt { (text::REFERRED_BY) } dd {
                        @match r.agency.as_ref().and_then(|a| a.agency()) {
                            Some(a) => { (a.name) }
                            None => { (text::REFERRED_BY_COORDINATOR) }
                        }
                    }
                    @if let Some(c) = &r.consent_as_known {
                        dt { (text::CONSENT_AS_KNOWN) } dd { (c.status.ja()) }
                    }
                }
                dt { (text::FIELDS) } dd { @for f in &e.fields { span.badge { (f.ja()) } " " } @for t in &e.tags { span.badge { (t.ja()) } " " } }
                @if let Some(c) = &d.consent {
                    dt { (text::CONSENT) } dd { (c.status.ja()) @if let Some(day) = c.date { "（" (layout::day(day)) "）" } }
                }
                @if let Some(r) = &item.return_reason {
                    dt { (text::RETURN_REASON) } dd { (r) }
                }
                @if let Some(f) = &item.find_request {
                    dt { (text::FIND_SHOWN) } dd #find-shown {
                        (d.teams.iter().find(|(t, _)| *t == f.team).map(|(_, n)| n.as_str()).unwrap_or("—"))
                        "：" (f.request) span.small { "（" (when(f.requested_at)) "）" }
                    }
                }
            }
            h3 { (text::REASON) }
            p.pre { (e.reason) }
            @if !item.followups.is_empty() {
                h3 { (text::FOLLOWUPS) }
                ul #followups {
                    @for f in &item.followups {
                        li {
                            span class=(format!("badge {}", urgency_class(f.urgency))) { (f.urgency.ja()) } " "
                            span.small { (when(f.raised_at)) "（" (name_of(d, &f.raised_by)) "）" } " "
                            (f.reason)
                        }
                    }
                }
            }
            p.rule { @if item.route == Route::MultiLayeredMeeting { (text::ROUTE_RULE_ML) } @else { (text::ROUTE_RULE_SM) } }
        }
        (household_section(d))
        @if coordinator && item.status.is_open() && consent_arrived {
            (route_change(session, item, d))
        }
        (roster_section(session, item, d))
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
            @if !d.on_caseload && item.find_request.is_none() {
                (find_form(session, item, d))
            }
        }
        (super::plans::section(session, item, d))
        (super::meetings::section(session, item, &d.records.meetings, &d.names))
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
                        @if let Some(by) = &m.by { "（" (name_of(d, by)) "）" }
                    }
                }
            }
            @if session.role() == Role::Coordinator || session.role() == Role::Supervisor {
                p { a href=(format!("/console/audit?person={}", e.person_id)) { (text::AUDIT_OF_PERSON) } }
            }
        }
    }
}

/// The person's household: each member with what the reader may see, and
/// for a member the case lists, whether its meeting discusses them.
fn household_section(d: &CasePage) -> Markup {
    html! {
        section.card #household {
            h2 { (text::HOUSEHOLD_TITLE) }
            @if d.household.is_empty() {
                p.small { (text::HOUSEHOLD_NONE) }
            } @else {
                table {
                    thead { tr {
                        th { (text::HH_RELATION) } th { (text::HH_NAME) } th { (text::HH_RECORD) }
                        th { (text::HH_CONSENT) } th { (text::HH_MEETING) }
                    } }
                    tbody {
                        @for m in &d.household {
                            tr.member {
                                td { (m.relation.map(|r| r.ja()).unwrap_or("—")) }
                                td { (m.alias.as_deref().unwrap_or("—")) }
                                td {
                                    @if !m.own_record { (text::HH_RELATION_ONLY) }
                                    @else if m.shown == MemberShown::OtherTeam { span.badge { (m.shown.ja()) } }
                                    @else { (text::HH_OWN_RECORD) }
                                }
                                td { (m.consent.map(|c| c.ja()).unwrap_or("—")) }
                                td.meeting {
                                    @match m.in_case {
                                        Some((discussed, route)) => { (ja::member_meeting_label(discussed, route)) }
                                        None => { span.small { (text::HH_NOT_IN_CASE) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.rule { (text::HOUSEHOLD_RULE) }
        }
    }
}

fn route_change(session: &Session, item: &CaseQueueItem, d: &CasePage) -> Markup {
    let id = item.escalation.case_id;
    html! {
        section.card.consent #route-change {
            h2 { (text::ROUTE_CHANGE_TITLE) }
            p { (text::ROUTE_CHANGE_LEAD) }
            form method="post" action=(format!("/console/cases/{id}/route")) {
                input type="hidden" name="csrf" value=(session.csrf);
                @for m in &item.roster {
                    label.check.block {
                        input type="checkbox" name=(format!("keep_{}", m.user)) value="1" checked;
                        " " (name_of(d, &m.user)) " ・" (text::ROUTE_CHANGE_KEEP)
                    }
                }
                button.primary type="submit" { (text::ROUTE_CHANGE_BUTTON) }
            }
        }
    }
}

fn roster_section(session: &Session, item: &CaseQueueItem, d: &CasePage) -> Markup {
    let id = item.escalation.case_id;
    let coordinator = session.role() == Role::Coordinator;
    let open = item.status.is_open();
    html! {
        section.card {
            h2 { (text::ROSTER) }
            @if item.roster.is_empty() { p.empty { (text::NO_MEMBERS) } } @else {
                table.data #roster {
                    thead { tr { th { (text::MEMBER) } th { (text::PLEDGE) } @if coordinator && open { th {} } } }
                    tbody { @for m in &item.roster {
                        tr id=(format!("m-{}", m.user)) {
                            td { (name_of(d, &m.user)) }
                            td { @match m.pledge_recorded_at {
                                Some(t) => { span.badge.ok { (text::PLEDGE_RECORDED) } " " span.small { (when(t)) } }
                                None => span.badge.warn { (text::PLEDGE_MISSING) },
                            } }
                            @if coordinator && open {
                                td {
                                    form.inline method="post" action=(format!("/console/cases/{id}/roster/remove")) {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="user" value=(m.user);
                                        button.danger type="submit" title=(text::REMOVE_MEMBER_CONFIRM) { (text::REMOVE_MEMBER) }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
            @if coordinator && open {
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
    }
}

fn find_form(session: &Session, item: &CaseQueueItem, d: &CasePage) -> Markup {
    let id = item.escalation.case_id;
    html! {
        section.card #find {
            h2 { (text::FIND_TITLE) }
            p.small { (text::FIND_LEAD) }
            form method="post" action=(format!("/console/cases/{id}/find")) {
                input type="hidden" name="csrf" value=(session.csrf);
                label.block { (text::FIND_TEAM) " "
                    select #find-team name="team" { @for (t, n) in &d.teams { option value=(t) { (n) } } }
                }
                label.block { (text::FIND_REQUEST) textarea #find-request name="request" rows="3" maxlength="2000" {} }
                button.primary type="submit" { (text::FIND_BUTTON) }
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
    st.write(move |tx| roster::add_roster_member(tx, &caller, &clock, id, user, pledged, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=roster")))
}

/// `POST /console/cases/{id}/roster/remove`.
pub async fn roster_remove(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let user = parse_id(form.get("user").unwrap_or_default(), UserId::parse)?;
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| roster::remove_roster_member(tx, &caller, &clock, id, user, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=removed")))
}

/// `POST /console/cases/{id}/route`: consent given later.
pub async fn change_route(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let keep = form
        .0
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("keep_"))
        .filter_map(|u| UserId::parse(u).ok())
        .collect();
    let req = RouteChangeRequest {
        protocol: ProtocolVersion::CURRENT,
        to: Route::MultiLayeredMeeting,
        keep,
    };
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| engine::change_route(tx, &caller, &clock, id, &req, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=route")))
}

/// `POST /console/cases/{id}/find`: ask outreach to find the person.
pub async fn find_request(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, CaseId::parse)?;
    let team = parse_id(form.get("team").unwrap_or_default(), TeamId::parse)?;
    let req = FindRequestRequest {
        protocol: ProtocolVersion::CURRENT,
        team,
        request: form.text("request").unwrap_or_default(),
    };
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| referrals::request_find(tx, &caller, &clock, id, &req, now))
        .await?;
    Ok(see_other(&format!("/console/cases/{id}?done=find")))
}
