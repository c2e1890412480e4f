//! Team overview for supervisors (支援者支援): caseload per worker, overdue
//! follow-ups, visits made alone, danger signs, and reflections that signal
//! strain (difficulty 4 or 5, or "wants to talk").

use axum::extract::State;
use chrono::{Duration, Utc};
use maud::html;
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::ja::{self, Label};
use outreach_shared::{Accompaniment, ContactLog, PersonId, UserId};
use std::collections::HashMap;

use super::layout::{self, day, when};
use super::session::Session;
use super::{PageError, PageResult, text};
use crate::engine::records;
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

/// `GET /console/team`.
pub async fn overview(State(st): State<AppState>, session: Session) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let team = session.user.team.ok_or_else(PageError::forbidden)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let (recs, workers) = st.read(move |tx| records::team_overview(tx, team)).await?;
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
    Ok(layout::page(&session, text::TEAM_TITLE, "team", None, body))
}
