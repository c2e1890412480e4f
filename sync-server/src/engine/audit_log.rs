//! The audit viewer's search: entries filtered by person (their own
//! entries and their cases', by index), user (by index) and local date,
//! newest first; a supervisor sees only what concerns their own team. The
//! search reads on a reader; the caller audits it in a short write. Also
//! the audit of what a page or answer showed, person by person, and of
//! refused API reads. (The chain and `audit verify` are [`crate::audit`].)

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::{PersonId, TeamId, UserId, ja};
use std::collections::{HashMap, HashSet};

use super::{Caller, Error, audit_console};
use crate::audit::{self, AuditEvent};
use crate::store::{AuditRow, AuditTag, Tx};

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

/// Whether a supervisor may see an entry: their team's own users did it,
/// or it names their team, one of its persons or one of its cases.
struct TeamScope {
    members: HashSet<String>,
    persons: HashSet<String>,
    cases: HashSet<String>,
    team_tag: String,
}

impl TeamScope {
    fn load(tx: &mut dyn Tx, team: TeamId) -> Result<Self, Error> {
        let recs = super::records::TeamRecords::load(tx, team)?;
        Ok(Self {
            members: tx
                .users()?
                .into_iter()
                .filter(|u| u.team == Some(team))
                .map(|u| u.id.to_string())
                .collect(),
            persons: recs.persons.keys().map(|p| p.to_string()).collect(),
            cases: recs
                .cases
                .iter()
                .map(|c| c.escalation.case_id.to_string())
                .collect(),
            team_tag: format!("team:{team}"),
        })
    }

    fn allows(&self, e: &AuditRow) -> bool {
        let named = |prefix: &str, set: &HashSet<String>| {
            e.entity
                .split_whitespace()
                .filter_map(|w| w.strip_prefix(prefix))
                .any(|id| set.contains(id))
        };
        self.members.contains(&e.actor)
            || e.entity.split_whitespace().any(|w| w == self.team_tag)
            || named("person:", &self.persons)
            || named("case:", &self.cases)
    }
}

/// The entries matching `f` (at most [`LIMIT`], newest first) and the
/// display names of the users the caller may pick. A supervisor sees only
/// what concerns their own team (see [`TeamScope`]); a coordinator, all.
/// Read only: the caller audits the search with [`audit_search`].
pub fn search(
    tx: &mut dyn Tx,
    caller: &Caller,
    f: &AuditFilter,
) -> Result<(Vec<AuditRow>, HashMap<String, String>), Error> {
    if !decide(&caller.actor, Action::Read, Resource::Audit).is_allowed() {
        return Err(Error::forbidden("audit: not allowed"));
    }
    let scope = match (caller.actor.role, caller.actor.team) {
        (Role::Coordinator, _) => None,
        (_, Some(team)) => Some(TeamScope::load(tx, team)?),
        (_, None) => return Err(Error::forbidden("audit: not allowed")),
    };
    let user_tag = f.user.map(|u| u.to_string());
    let keep = |e: &AuditRow| {
        let day = ja::local_date(e.at);
        user_tag.as_ref().is_none_or(|u| &e.actor == u)
            && f.to.is_none_or(|t| day <= t)
            && f.from.is_none_or(|d| day >= d)
            && scope.as_ref().is_none_or(|s| s.allows(e))
    };
    // By index: a person's entries name the person or one of their cases;
    // a user's are theirs.
    let mut tags: Vec<AuditTag> = Vec::new();
    if let Some(p) = f.person {
        tags.push(AuditTag::Person(p));
        for c in tx.cases_of_person(p)? {
            tags.push(AuditTag::Case(c.item.escalation.case_id));
        }
    } else if let Some(u) = &user_tag {
        tags.push(AuditTag::Actor(u.clone()));
    }
    let mut out: Vec<AuditRow> = Vec::new();
    if tags.is_empty() {
        // Newest first: walk back from the head in pages, and stop at the
        // limit or before the start date (entries are appended in time
        // order), so a long log is not read whole.
        let mut hi = tx.audit_head()?.map(|(s, _)| s).unwrap_or(0);
        'walk: while hi > 0 && out.len() < LIMIT {
            let lo = hi.saturating_sub(PAGE);
            let page = tx.audit_entries(lo, (hi - lo) as u32)?;
            hi = lo;
            for e in page.into_iter().rev() {
                if f.from.is_some_and(|d| ja::local_date(e.at) < d) {
                    break 'walk;
                }
                if keep(&e) {
                    out.push(e);
                    if out.len() >= LIMIT {
                        break 'walk;
                    }
                }
            }
        }
    } else {
        // Each tag's newest matching entries, then merged.
        for tag in &tags {
            let mut before = u64::MAX;
            let mut found = 0;
            'tag: loop {
                let page = tx.audit_tagged(tag, before, PAGE as u32)?;
                let Some(last) = page.last() else { break };
                before = last.seq;
                let short = page.len() < PAGE as usize;
                for e in page {
                    if f.from.is_some_and(|d| ja::local_date(e.at) < d) {
                        break 'tag;
                    }
                    if keep(&e) {
                        out.push(e);
                        found += 1;
                        if found >= LIMIT {
                            break 'tag;
                        }
                    }
                }
                if short {
                    break;
                }
            }
        }
        out.sort_by_key(|b| std::cmp::Reverse(b.seq));
        out.dedup_by_key(|e| e.seq);
        out.truncate(LIMIT);
    }
    let users: HashMap<String, String> = tx
        .users()?
        .into_iter()
        .filter(|u| {
            scope
                .as_ref()
                .is_none_or(|s| s.members.contains(&u.id.to_string()))
        })
        .map(|u| {
            (
                u.id.to_string(),
                format!("{}（{}）", u.display_name, u.username),
            )
        })
        .collect();
    Ok((out, users))
}

/// Audits an audit search (the person searched for, if any).
pub fn audit_search(
    tx: &mut dyn Tx,
    caller: &Caller,
    f: &AuditFilter,
    now: DateTime<Utc>,
) -> Result<(), Error> {
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
    Ok(())
}

/// Audits what a page or an answer showed: one entry per person (or case)
/// shown, so that "who saw person P" finds it.
pub fn audit_shown(
    tx: &mut dyn Tx,
    caller: &Caller,
    action: &str,
    entities: &[String],
    basis: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for e in entities {
        audit::append(
            tx,
            AuditEvent {
                actor: caller.actor.user.to_string(),
                device: caller.device,
                device_hlc: None,
                action: action.to_owned(),
                entity: e.clone(),
                basis: format!("{}; {basis}", super::role_name(caller.actor.role)),
            },
            now,
        )?;
    }
    Ok(())
}

/// Audits a refused read (the API answered 403 or 404): who asked for what,
/// and why it was refused.
pub fn audit_denied(
    tx: &mut dyn Tx,
    caller: &Caller,
    action: &str,
    entity: String,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audit::append(
        tx,
        AuditEvent {
            actor: caller.actor.user.to_string(),
            device: caller.device,
            device_hlc: None,
            action: "api.denied".into(),
            entity,
            basis: format!(
                "{}; {action}; refused: {why}",
                super::role_name(caller.actor.role)
            ),
        },
        now,
    )?;
    Ok(())
}
