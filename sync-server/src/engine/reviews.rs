//! Supervisors' reviews of contact logs (approve, or return with a
//! comment), synced back to the worker's tablet.

use chrono::{DateTime, Utc};
use outreach_shared::Review;
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::protocol::*;

use super::Error;
use super::{Caller, ServerClock, deny_text};
use crate::audit;
use crate::store::*;

/// A supervisor approves or returns a contact log.
pub fn review(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    req: &ReviewRequest,
    now: DateTime<Utc>,
) -> Result<ReviewResponse, Error> {
    let contact = tx
        .contact(req.contact_id)?
        .ok_or_else(|| Error::not_found("no such contact log"))?;
    let d = decide(
        &caller.actor,
        Action::Write,
        Resource::Review { team: contact.team },
    );
    if !d.is_allowed() {
        return Err(Error::forbidden(format!("review: {}", deny_text(d))));
    }
    let review = Review {
        contact_id: req.contact_id,
        reviewer: caller.actor.user,
        status: req.status,
        comment: req.comment.clone(),
        reviewed_at: now,
    };
    review.validate().map_err(Error::Invalid)?;
    tx.put_review(contact.team, &review)?;
    let seq = tx.append_change(&NewChange {
        kind: EntityKind::Review,
        entity: req.contact_id.0,
        person: contact.log.person_id,
        team: contact.team,
        hlc: clock.now(),
        replace: true,
    })?;
    audit::append(
        tx,
        caller.event(
            "review",
            format!(
                "contact:{} person:{}",
                req.contact_id, contact.log.person_id
            ),
            caller.basis("supervisor of the team"),
            None,
        ),
        now,
    )?;
    Ok(ReviewResponse {
        protocol: ProtocolVersion::CURRENT,
        review,
        seq,
    })
}
