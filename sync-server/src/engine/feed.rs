//! The LGWAN feed: what of a case may leave the building ([`project`]),
//! the feed through the API (case-queue items changed after a cursor, for
//! the city's coordinators; each item and each page audited), and the
//! audit of a file export. The signed JSON Lines files are
//! [`crate::feed`].
//!
//! **What leaves.** A case routed to a 支援会議 (no consent: the members
//! share under a duty of confidentiality, 社会福祉法 第106条の6) leaves only
//! as its status: the ids, status, route, urgency and times, with the
//! reason, fields, tags, agencies involved, the return reason and the
//! roster left out. A case under consent (重層的支援会議) leaves whole but
//! for the roster (who sits on a meeting is the console's business).

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::protocol::*;
use outreach_shared::{CaseQueueItem, Route};

use super::Caller;
use super::Error;
use crate::audit;
use crate::store::*;

/// What of a case may leave the building in the feed (see the module
/// doc).
pub fn project(mut item: CaseQueueItem) -> CaseQueueItem {
    item.roster.clear();
    if item.route == Route::SupportMeeting || item.escalation.route == Route::SupportMeeting {
        item.escalation.reason.clear();
        item.escalation.fields.clear();
        item.escalation.tags.clear();
        item.escalation.agencies_involved.clear();
        item.return_reason = None;
    }
    item
}

/// Audits a feed file written by `sync-server feed export`: the operator,
/// the range and the count.
pub fn audit_file_export(
    tx: &mut dyn Tx,
    operator: &str,
    after: u64,
    next: u64,
    count: usize,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audit::append(
        tx,
        audit::AuditEvent {
            actor: "admin-cli".into(),
            device: None,
            device_hlc: None,
            action: "feed.export".into(),
            entity: format!("feed after:{after} next:{next} count:{count}"),
            basis: format!(
                "server administrator; operator {}; signed file",
                operator
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || "._-@".contains(*c))
                    .take(64)
                    .collect::<String>()
            ),
        },
        now,
    )?;
    Ok(())
}

/// Who reads the feed: a coordinator's office session, or a service
/// credential of the city's systems (`sync-server admin add-service`),
/// whose only scope is this feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedReader {
    Office(Caller),
    Service(String),
}

impl FeedReader {
    fn event(&self, action: &str, entity: String, rule: &str) -> audit::AuditEvent {
        match self {
            FeedReader::Office(c) => c.event(action, entity, c.basis(rule), None),
            FeedReader::Service(name) => audit::AuditEvent {
                actor: format!("service:{name}"),
                device: None,
                device_hlc: None,
                action: action.to_owned(),
                entity,
                basis: format!("service credential (scope: feed); {rule}"),
            },
        }
    }
}

/// The LGWAN feed: case-queue items changed after `cursor` (coordinators
/// and service credentials), as [`project`] lets them leave.
pub fn feed(
    tx: &mut dyn Tx,
    reader: &FeedReader,
    cursor: u64,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<FeedPage, Error> {
    if let FeedReader::Office(c) = reader
        && c.actor.role != Role::Coordinator
    {
        return Err(Error::forbidden(
            "the case-queue feed is for the city's coordinators and systems",
        ));
    }
    let rows = tx.cases_after(cursor, limit)?;
    let has_more = rows.len() as u32 == limit;
    let next_cursor = rows.last().map(|r| r.seq).unwrap_or(cursor);
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let allowed = match reader {
            FeedReader::Office(c) => decide(
                &c.actor,
                Action::Read,
                Resource::Case {
                    item: &r.item,
                    team: r.team,
                },
            )
            .is_allowed(),
            FeedReader::Service(_) => true,
        };
        if allowed {
            audit::append(
                tx,
                reader.event(
                    "read.feed",
                    format!(
                        "case:{} person:{}",
                        r.item.escalation.case_id, r.item.escalation.person_id
                    ),
                    "LGWAN feed",
                ),
                now,
            )?;
            items.push(FeedItem {
                seq: r.seq,
                item: project(r.item),
            });
        }
    }
    audit::append(
        tx,
        reader.event(
            "feed.export",
            format!(
                "feed after:{cursor} next:{next_cursor} count:{}",
                items.len()
            ),
            "LGWAN feed through the API",
        ),
        now,
    )?;
    Ok(FeedPage {
        protocol: ProtocolVersion::CURRENT,
        items,
        next_cursor,
        has_more,
    })
}
