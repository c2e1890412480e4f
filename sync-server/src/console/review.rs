//! The supervisors' review queue: the team's contact logs waiting for
//! review; approve, or return with a comment (through
//! [`crate::engine::review`], the same function as `POST /api/v1/reviews`,
//! so the worker's tablet gets it on its next sync).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::Utc;
use maud::{Markup, html};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::ja::Label;
use outreach_shared::protocol::{EntityKind, PersonSnapshot, ProtocolVersion, ReviewRequest};
use outreach_shared::{
    CaseQueueItem, ContactId, ContactLog, Person, PersonId, Review, ReviewStatus, TeamId, UserId,
};
use std::collections::{HashMap, HashSet};

use super::layout::{self, day, when};
use super::session::{Session, query};
use super::{PageError, PageResult, audit_console, parse_id, see_other, text};
use crate::engine;
use crate::state::AppState;
use crate::store::{StoreResult, Tx};

/// The current records of one team, read from the change log (the same
/// source the tablets pull from).
#[derive(Debug, Default)]
pub struct TeamRecords {
    pub persons: HashMap<PersonId, Person>,
    /// Current revisions only (a revision that was corrected is left out).
    pub contacts: Vec<ContactLog>,
    pub reviews: HashMap<ContactId, Review>,
    pub cases: Vec<CaseQueueItem>,
    pub names: HashMap<UserId, String>,
    /// When each person's current stage was set (its HLC wall time).
    pub stage_at: HashMap<PersonId, chrono::DateTime<Utc>>,
}

impl TeamRecords {
    pub fn load(tx: &mut dyn Tx, team: TeamId) -> StoreResult<Self> {
        let mut r = TeamRecords::default();
        let mut all = Vec::new();
        let mut cursor = 0;
        loop {
            let page = tx.changes_after(Some(team), cursor, 2000)?;
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            for ch in page {
                let Some(body) = ch.body else { continue };
                match ch.kind {
                    EntityKind::Person => {
                        if let Ok(p) = serde_json::from_str::<PersonSnapshot>(&body) {
                            if let Some(at) = p.versions.get("stage").and_then(|h| {
                                chrono::DateTime::from_timestamp_millis(h.wall_ms as i64)
                            }) {
                                r.stage_at.insert(p.person.id, at);
                            }
                            r.persons.insert(p.person.id, p.person);
                        }
                    }
                    EntityKind::Contact => {
                        if let Ok(c) = serde_json::from_str::<ContactLog>(&body) {
                            all.push(c);
                        }
                    }
                    EntityKind::Review => {
                        if let Ok(v) = serde_json::from_str::<Review>(&body) {
                            r.reviews.insert(v.contact_id, v);
                        }
                    }
                    EntityKind::Case => {
                        if let Ok(c) = serde_json::from_str::<CaseQueueItem>(&body) {
                            r.cases.push(c);
                        }
                    }
                    EntityKind::Conflict => {}
                }
            }
        }
        let revised: HashSet<ContactId> = all.iter().filter_map(|c| c.revises).collect();
        r.contacts = all
            .into_iter()
            .filter(|c| !revised.contains(&c.id))
            .collect();
        r.names = tx
            .users()?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(r)
    }

    pub fn name(&self, u: UserId) -> &str {
        self.names.get(&u).map(String::as_str).unwrap_or("—")
    }

    pub fn alias(&self, p: PersonId) -> &str {
        self.persons
            .get(&p)
            .map(|p| p.alias.as_str())
            .unwrap_or("—")
    }

    /// The latest case of a person, if escalated.
    pub fn case_of(&self, p: PersonId) -> Option<&CaseQueueItem> {
        self.cases
            .iter()
            .filter(|c| c.escalation.person_id == p)
            .max_by_key(|c| (c.status.is_open(), c.updated_at))
    }
}

fn flash(q: &Option<String>) -> Option<&'static str> {
    match query(q).get("done") {
        Some("approved") => Some(text::DONE_APPROVED),
        Some("returned") => Some(text::DONE_RETURNED),
        _ => None,
    }
}

/// `GET /console/reviews`.
pub async fn queue(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let team = session.user.team.ok_or_else(PageError::forbidden)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let (recs, pending) = st
        .write(move |tx| {
            let recs = TeamRecords::load(tx, team)?;
            let mut pending: Vec<ContactLog> = recs
                .contacts
                .iter()
                .filter(|c| {
                    !recs.reviews.contains_key(&c.id)
                        && decide(
                            &caller.actor,
                            Action::Read,
                            Resource::ContactLog {
                                team,
                                author: c.author,
                                case: recs.case_of(c.person_id),
                            },
                        )
                        .is_allowed()
                })
                .cloned()
                .collect();
            pending.sort_by_key(|c| (!c.has_safety_concern(), c.occurred_at));
            audit_console(
                tx,
                &caller,
                "console.view.review_queue",
                format!("team:{team} contacts:{}", pending.len()),
                "supervisor of the team (shared::access)",
                now,
            )?;
            Ok((recs, pending))
        })
        .await?;
    let reflections_visible = |c: &ContactLog| {
        decide(
            &session.caller.actor,
            Action::Read,
            Resource::Reflection {
                team,
                author: c.author,
            },
        )
        .is_allowed()
    };
    let body = html! {
        p.lead { (text::REVIEWS_LEAD) }
        @if pending.is_empty() {
            p.empty { (text::REVIEWS_EMPTY) }
        } @else {
            p.small { (pending.len()) (text::COUNT_SUFFIX) "・" (text::SAFETY_FIRST) }
            @for c in &pending {
                (review_card(&session, &recs, c, reflections_visible(c)))
            }
        }
    };
    Ok(layout::page(
        &session,
        text::REVIEWS_TITLE,
        "reviews",
        flash(&q),
        body,
    ))
}

fn review_card(session: &Session, recs: &TeamRecords, c: &ContactLog, reflection: bool) -> Markup {
    let concern = c.has_safety_concern();
    let id = c.id.to_string();
    html! {
        article.card.review.concern[concern] id=(format!("c-{id}")) {
            header {
                h2 { (recs.alias(c.person_id)) }
                span.meta { (when(c.occurred_at)) "・" (text::WORKER) "：" (recs.name(c.author)) }
                @if c.revises.is_some() { span.badge { (text::REVISION) } }
                @if c.safety.life_threatening { span.badge.danger { (text::LIFE_THREATENING) } }
            }
            dl.grid {
                dt { (text::METHOD) } dd { (c.method.ja()) @if let Some(m) = c.duration_minutes { "（" (m) (text::DURATION_MIN) "）" } }
                dt { (text::MET) } dd { (c.met.ja()) }
                dt { (text::RESPONSE) } dd { (c.response.map(|r| r.ja()).unwrap_or("—")) }
                dt { (text::ACCOMPANIMENT) } dd class=(if c.safety.accompaniment == outreach_shared::Accompaniment::Alone && c.method.is_in_person() { "warn" } else { "" }) { (c.safety.accompaniment.ja()) }
                dt { (text::DANGER) }
                dd {
                    @if c.safety.danger_signs.is_empty() { (text::NONE) }
                    @for d in &c.safety.danger_signs { span.badge.danger { (d.ja()) } " " }
                }
                @if let Some(n) = &c.next_action {
                    dt { (text::NEXT_ACTION) } dd { (n.what) "（" (day(n.due)) "）" }
                }
            }
            h3 { (text::OBSERVATION) }
            p.observation { (c.observation) }
            @if reflection {
                @if let Some(r) = &c.reflection {
                    div.reflection.strain[r.difficulty.signals_strain() || r.wants_to_talk] {
                        h3 { (text::REFLECTION) }
                        p {
                            (text::DIFFICULTY) "：" (r.difficulty.level()) " / 5"
                            @if r.wants_to_talk { " " span.badge.warn { (text::WANTS_TO_TALK) } }
                        }
                        @if let Some(n) = &r.note { p { (n) } }
                    }
                }
            }
            div.actions {
                form method="post" action=(format!("/console/reviews/{id}/approve")) {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button.primary type="submit" name="approve" { (text::APPROVE) }
                }
                form.return method="post" action=(format!("/console/reviews/{id}/return")) {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for=(format!("comment-{id}")) { (text::RETURN_COMMENT) }
                    textarea id=(format!("comment-{id}")) name="comment" rows="2" maxlength="2000" {}
                    button.secondary type="submit" name="return" { (text::RETURN) }
                }
            }
        }
    }
}

async fn decide_review(
    st: AppState,
    session: Session,
    id: String,
    body: Bytes,
    status: ReviewStatus,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let form = session.form(&body)?;
    let contact_id = parse_id(&id, ContactId::parse)?;
    let comment = form.text("comment");
    if status == ReviewStatus::Returned && comment.is_none() {
        return Err(PageError::invalid(text::RETURN_NEEDS_COMMENT));
    }
    let req = ReviewRequest {
        protocol: ProtocolVersion::CURRENT,
        contact_id,
        status,
        comment,
    };
    let caller = session.caller.clone();
    let clock = st.clock.clone();
    let now = Utc::now();
    st.write(move |tx| engine::review(tx, &caller, &clock, &req, now))
        .await?;
    tracing::info!(status = ?status, "console review");
    Ok(see_other(match status {
        ReviewStatus::Returned => "/console/reviews?done=returned",
        _ => "/console/reviews?done=approved",
    }))
}

/// `POST /console/reviews/{id}/approve`.
pub async fn approve(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    decide_review(st, session, id, body, ReviewStatus::Approved).await
}

/// `POST /console/reviews/{id}/return`.
pub async fn return_log(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    decide_review(st, session, id, body, ReviewStatus::Returned).await
}
