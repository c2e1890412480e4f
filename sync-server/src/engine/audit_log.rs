//! The audit viewer's search: entries filtered by person (their own
//! entries and their cases'), user and local date, newest first, walking
//! back from the head so a long log is not read whole. The search itself
//! is audited. (The chain and `audit verify` are [`crate::audit`].)

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::{PersonId, UserId, ja};
use std::collections::HashMap;

use super::{Caller, Error, audit_console};
use crate::store::{AuditRow, Tx};

/// Most entries one search returns.
pub const LIMIT: usize = 500;
const PAGE: u64 = 5000;

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub person: Option<PersonId>,
    pub user: Option<UserId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The entries matching `f` (at most [`LIMIT`], newest first) and every
/// user's display name by id.
pub fn search(
    tx: &mut dyn Tx,
    caller: &Caller,
    f: &AuditFilter,
    now: DateTime<Utc>,
) -> Result<(Vec<AuditRow>, HashMap<String, String>), Error> {
    if !decide(&caller.actor, Action::Read, Resource::Audit).is_allowed() {
        return Err(Error::forbidden("audit: not allowed"));
    }
    // A person's entries name the person or one of their cases.
    let mut tags: Vec<String> = Vec::new();
    if let Some(p) = f.person {
        tags.push(format!("person:{p}"));
        for c in tx.cases_of_person(p)? {
            tags.push(format!("case:{}", c.item.escalation.case_id));
        }
    }
    let user_tag = f.user.map(|u| u.to_string());
    // Newest first: walk back from the head in pages, and stop at
    // the limit or before the start date (entries are appended in
    // time order), so a long log is not read whole.
    let mut out: Vec<AuditRow> = Vec::new();
    let mut hi = tx.audit_head()?.map(|(s, _)| s).unwrap_or(0);
    'walk: while hi > 0 && out.len() < LIMIT {
        let lo = hi.saturating_sub(PAGE);
        let page = tx.audit_entries(lo, (hi - lo) as u32)?;
        hi = lo;
        for e in page.into_iter().rev() {
            let day = ja::local_date(e.at);
            if f.from.is_some_and(|d| day < d) {
                break 'walk;
            }
            if (tags.is_empty() || tags.iter().any(|t| e.entity.contains(t.as_str())))
                && user_tag.as_ref().is_none_or(|u| &e.actor == u)
                && f.to.is_none_or(|t| day <= t)
            {
                out.push(e);
                if out.len() >= LIMIT {
                    break 'walk;
                }
            }
        }
    }
    let users: HashMap<String, String> = tx
        .users()?
        .into_iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{}（{}）", u.display_name, u.username),
            )
        })
        .collect();
    audit_console(
        tx,
        caller,
        "read.audit",
        match f.person {
            Some(p) => format!("audit person:{p}"),
            None => "audit".into(),
        },
        "audit viewer (shared::access)",
        now,
    )?;
    Ok((out, users))
}
