//! The LGWAN feed through the API: case-queue items changed after a cursor,
//! for the city's coordinators and systems (each item audited). The signed
//! JSON Lines files are [`crate::feed`].

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::protocol::*;

use super::Caller;
use super::Error;
use crate::audit;
use crate::store::*;

/// The LGWAN feed: case-queue items changed after `cursor` (coordinators).
pub fn feed(
    tx: &mut dyn Tx,
    caller: &Caller,
    cursor: u64,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<FeedPage, Error> {
    if caller.actor.role != Role::Coordinator {
        return Err(Error::forbidden(
            "the case-queue feed is for the city's coordinators and systems",
        ));
    }
    let rows = tx.cases_after(cursor, limit)?;
    let has_more = rows.len() as u32 == limit;
    let next_cursor = rows.last().map(|r| r.seq).unwrap_or(cursor);
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        if decide(
            &caller.actor,
            Action::Read,
            Resource::Case {
                item: &r.item,
                team: r.team,
            },
        )
        .is_allowed()
        {
            audit::append(
                tx,
                caller.event(
                    "read.feed",
                    format!(
                        "case:{} person:{}",
                        r.item.escalation.case_id, r.item.escalation.person_id
                    ),
                    caller.basis("LGWAN feed"),
                    None,
                ),
                now,
            )?;
            items.push(FeedItem {
                seq: r.seq,
                item: r.item,
            });
        }
    }
    Ok(FeedPage {
        protocol: ProtocolVersion::CURRENT,
        items,
        next_cursor,
        has_more,
    })
}
