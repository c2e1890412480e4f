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
use outreach_shared::protocol::{ProtocolVersion, ReviewRequest};
use outreach_shared::{ContactId, ContactLog, ReviewStatus};

use super::layout::{self, day, when};
use super::session::{Session, query};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::{self, records, records::TeamRecords};
use crate::state::AppState;

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
    let c = caller.clone();
    let (recs, pending) = st
        .read(move |tx| records::review_queue(tx, &c, team))
        .await?;
    let shown = pending.clone();
    st.write(move |tx| records::audit_review_queue(tx, &caller, team, &shown, now))
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
