//! Team overview for supervisors (支援者支援): 帰着未確認 on top (the
//! lone-worker check), the hand-over of a person to another worker (担当の
//!引き継ぎ), caseload per worker, overdue
//! follow-ups, visits made alone, danger signs, and reflections that signal
//! strain (difficulty 4 or 5, or "wants to talk").

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use chrono::{Duration, Utc};
use maud::html;
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::ja::{self, Label};
use outreach_shared::{Accompaniment, ContactLog, Person, PersonId, Stage, UserId};
use std::collections::HashMap;

use super::layout::{self, day, when};
use super::session::{Session, query};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::{handover, records, visits};
use crate::state::AppState;

#[derive(Debug, Default, Clone)]
struct WorkerRow {
    caseload: usize,
    overdue: usize,
    lone: usize,
    danger: usize,
    strain: usize,
    pending: usize,
}

/// `GET /console/team`: 帰着未確認 first (visits past their expected end
/// plus the grace), then the workers, the hand-over form and the lists.
pub async fn overview(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let team = session.user.team.ok_or_else(PageError::forbidden)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let (recs, workers) = st.read(move |tx| records::team_overview(tx, team)).await?;
    let grace = st.limits.visit_grace;
    let late = {
        let c = caller.clone();
        st.write(move |tx| visits::unconfirmed(tx, &c, team, grace, now))
            .await?
    };
    let flash = (query(&q).get("done") == Some("handover")).then_some(text::DONE_HANDOVER);
    let mut handover_persons: Vec<&Person> = recs
        .persons
        .values()
        .filter(|p| p.stage != Stage::Closed)
        .collect();
    handover_persons.sort_by(|a, b| a.alias.cmp(&b.alias));
    let actor = &session.caller.actor;
    let today = ja::local_date(now);
    let since = now - Duration::days(90);
    let mut rows: HashMap<UserId, WorkerRow> = HashMap::new();
    for p in recs.persons.values() {
        let visible = decide(actor, Action::Read, Resource::Person { team, case: None });
        if let (Some(w), true) = (p.assigned_worker, visible.is_allowed())
            && p.stage.is_active()
        {
            rows.entry(w).or_default().caseload += 1;
        }
    }
    // The latest contact per person carries the follow-up that is due.
    let mut latest: HashMap<PersonId, &ContactLog> = HashMap::new();
    for c in &recs.contacts {
        let e = latest.entry(c.person_id).or_insert(c);
        if c.occurred_at > e.occurred_at {
            *e = c;
        }
    }
    let mut overdue: Vec<&ContactLog> = latest
        .values()
        .copied()
        .filter(|c| c.next_action.as_ref().is_some_and(|n| n.due < today))
        .filter(|c| {
            recs.persons
                .get(&c.person_id)
                .is_some_and(|p| p.stage.is_active())
        })
        .collect();
    overdue.sort_by_key(|c| c.next_action.as_ref().map(|n| n.due));
    for c in &overdue {
        rows.entry(c.author).or_default().overdue += 1;
    }
    let mut strain: Vec<&ContactLog> = Vec::new();
    let mut danger: Vec<&ContactLog> = Vec::new();
    for c in recs.contacts.iter().filter(|c| c.occurred_at >= since) {
        let row = rows.entry(c.author).or_default();
        if c.method.is_in_person() && c.safety.accompaniment == Accompaniment::Alone {
            row.lone += 1;
        }
        if c.has_safety_concern() {
            row.danger += 1;
            danger.push(c);
        }
        let may_read = decide(
            actor,
            Action::Read,
            Resource::Reflection {
                team,
                author: c.author,
            },
        )
        .is_allowed();
        if may_read
            && c.reflection
                .as_ref()
                .is_some_and(|r| r.difficulty.signals_strain() || r.wants_to_talk)
        {
            row.strain += 1;
            strain.push(c);
        }
    }
    for c in &recs.contacts {
        if !recs.reviews.contains_key(&c.id) {
            rows.entry(c.author).or_default().pending += 1;
        }
    }
    strain.sort_by_key(|c| std::cmp::Reverse(c.occurred_at));
    danger.sort_by_key(|c| std::cmp::Reverse(c.occurred_at));
    // The audit: the page, and each person whose logs it shows.
    let shown: Vec<ContactLog> = overdue
        .iter()
        .chain(&strain)
        .chain(&danger)
        .map(|c| (*c).clone())
        .collect();
    st.write(move |tx| {
        crate::engine::audit_console(
            tx,
            &caller,
            "console.view.team",
            format!("team:{team}"),
            "supervisor of the team (shared::access)",
            now,
        )?;
        records::audit_persons_shown(tx, &caller, "console.view.team", team, &shown, now)
    })
    .await?;
    let body = html! {
        @if !late.is_empty() {
            section.card.attention #unconfirmed {
                h2 { (text::UNCONFIRMED_TITLE) }
                p { (text::UNCONFIRMED_LEAD) }
                table.data { thead { tr { th { (text::WORKER) } th { (text::AREA) } th { (text::VISIT_STARTED) } th { (text::VISIT_EXPECTED_END) } th.num { (text::VISIT_LATE_MIN) } } }
                tbody { @for v in &late {
                    tr.danger {
                        th scope="row" { (v.worker_name) }
                        td { @match &v.area { Some(a) => (a.name_ja()), None => (text::AREA_UNKNOWN) } }
                        td { (when(v.started_at)) }
                        td { (when(v.expected_end)) }
                        td.num { ((now - v.expected_end).num_minutes()) }
                    }
                } } }
            }
        }
        p.lead { (text::TEAM_LEAD) }
        table.data #workers {
            thead { tr {
                th { (text::WORKER) }
                th.num { (text::CASELOAD) }
                th.num { (text::PENDING_REVIEWS) }
                th.num { (text::OVERDUE) }
                th.num { (text::LONE_VISITS) }
                th.num { (text::DANGER_SIGNS) }
                th.num { (text::STRAIN) }
            } }
            tbody {
                @for (id, name) in &workers {
                    @let r = rows.get(id).cloned().unwrap_or_default();
                    tr class=(if r.strain > 0 { "attention" } else { "" }) {
                        th scope="row" { (name) }
                        td.num { (r.caseload) }
                        td.num { (r.pending) }
                        td.num.warn[r.overdue > 0] { (r.overdue) }
                        td.num.warn[r.lone > 0] { (r.lone) }
                        td.num.danger[r.danger > 0] { (r.danger) }
                        td.num.danger[r.strain > 0] { (r.strain) }
                    }
                }
            }
        }
        section.card #handover {
            h2 { (text::HANDOVER_TITLE) }
            p.small { (text::HANDOVER_LEAD) }
            @if handover_persons.is_empty() || workers.is_empty() { p.empty { (text::NO_PERSONS) } } @else {
                form method="post" action="/console/team/handover" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    p {
                        label for="handover-person" { (text::HANDOVER_PERSON) } " "
                        select #handover-person name="person" {
                            @for p in &handover_persons {
                                option value=(p.id) {
                                    (p.alias) "（" (text::HANDOVER_CURRENT) "：" (p.assigned_worker.map(|w| recs.name(w)).unwrap_or("—")) "）"
                                }
                            }
                        }
                    }
                    p {
                        label for="handover-worker" { (text::HANDOVER_TO) } " "
                        select #handover-worker name="worker" {
                            @for (id, name) in &workers { option value=(id) { (name) } }
                        }
                    }
                    p {
                        label for="handover-note" { (text::HANDOVER_NOTE) }
                        br;
                        textarea #handover-note name="note" rows="3" cols="60" required maxlength="1000" {}
                    }
                    button.primary #handover-submit type="submit" { (text::HANDOVER_SUBMIT) }
                }
            }
        }
        section {
            h2 { (text::STRAIN_LIST) }
            @if strain.is_empty() { p.empty { (text::NO_STRAIN) } } @else {
                table.data { thead { tr { th { (text::WORKER) } th { (text::OCCURRED_AT) } th { (text::DIFFICULTY) } th { (text::WANTS_TO_TALK) } th { (text::PERSON) } } }
                tbody { @for c in strain.iter().take(30) {
                    @let r = c.reflection.as_ref();
                    tr {
                        td { (recs.name(c.author)) }
                        td { (when(c.occurred_at)) }
                        td.num { (r.map(|r| r.difficulty.level()).unwrap_or(0)) }
                        td { @if r.is_some_and(|r| r.wants_to_talk) { span.badge.warn { (text::WANTS_TO_TALK) } } }
                        td { (recs.alias(c.person_id)) }
                    }
                } } }
            }
        }
        section {
            h2 { (text::OVERDUE_LIST) }
            @if overdue.is_empty() { p.empty { (text::NOTHING_OVERDUE) } } @else {
                table.data { thead { tr { th { (text::PERSON) } th { (text::WORKER) } th { (text::NEXT_ACTION) } th { (text::DUE) } th.num { (text::DAYS_OVERDUE) } } }
                tbody { @for c in overdue.iter().take(50) {
                    @if let Some(n) = &c.next_action {
                        tr {
                            td { (recs.alias(c.person_id)) }
                            td { (recs.name(c.author)) }
                            td { (n.what) }
                            td { (day(n.due)) }
                            td.num { ((today - n.due).num_days()) }
                        }
                    }
                } } }
            }
        }
        section {
            h2 { (text::DANGER_LIST) }
            @if danger.is_empty() { p.empty { (text::NO_DANGER) } } @else {
                table.data { thead { tr { th { (text::PERSON) } th { (text::WORKER) } th { (text::OCCURRED_AT) } th { (text::DANGER) } } }
                tbody { @for c in danger.iter().take(30) {
                    tr {
                        td { (recs.alias(c.person_id)) }
                        td { (recs.name(c.author)) }
                        td { (when(c.occurred_at)) }
                        td {
                            @if c.safety.life_threatening { span.badge.danger { (text::LIFE_THREATENING) } " " }
                            @for d in &c.safety.danger_signs { span.badge.danger { (d.ja()) } " " }
                        }
                    }
                } } }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::TEAM_TITLE,
        "team",
        flash,
        body,
    ))
}

/// `POST /console/team/handover`: the form of the team page; the rule, the
/// write and the audit are `engine::handover`'s.
pub async fn handover(State(st): State<AppState>, session: Session, body: Bytes) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let form = session.form(&body)?;
    let person = parse_id(form.get("person").unwrap_or_default(), PersonId::parse)?;
    let worker = parse_id(form.get("worker").unwrap_or_default(), UserId::parse)?;
    let note = form.get("note").unwrap_or_default().to_owned();
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| handover::reassign_audited(tx, &caller, &clock, person, worker, &note, now))
        .await??;
    Ok(see_other("/console/team?done=handover"))
}
