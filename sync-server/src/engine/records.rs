//! Read models for the console's supervisor and report pages: a team's
//! current records as the change log holds them (the same source tablets
//! pull from), the review queue, the team overview and the evaluation
//! report's records (with the case queue's structured records: plans,
//! monitoring, closure evaluations). Each page view is audited here.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::protocol::{EntityKind, PersonSnapshot};
use outreach_shared::{
    CaseId, CaseQueueItem, ClosureEvaluation, ContactId, ContactLog, Meeting, MonitoringEntry,
    Person, PersonId, Plan, Review, SupportRecord, TeamId, UserId,
};
use std::collections::{HashMap, HashSet};

use super::{Caller, Error, audit_console};
use crate::store::{CaseDocKind, StoreError, StoreResult, Tx};

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
    pub stage_at: HashMap<PersonId, DateTime<Utc>>,
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
                            if let Some(at) = p
                                .versions
                                .get("stage")
                                .and_then(|h| DateTime::from_timestamp_millis(h.wall_ms as i64))
                            {
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

/// A supervisor's review queue: the team's current contact logs with no
/// review yet that the caller may read, safety concerns first, then oldest
/// (audited as a view).
pub fn review_queue(
    tx: &mut dyn Tx,
    caller: &Caller,
    team: TeamId,
    now: DateTime<Utc>,
) -> Result<(TeamRecords, Vec<ContactLog>), Error> {
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
        caller,
        "console.view.review_queue",
        format!("team:{team} contacts:{}", pending.len()),
        "supervisor of the team (shared::access)",
        now,
    )?;
    Ok((recs, pending))
}

/// A supervisor's team overview: the team's records and its active
/// workers (audited as a view).
pub fn team_overview(
    tx: &mut dyn Tx,
    caller: &Caller,
    team: TeamId,
    now: DateTime<Utc>,
) -> Result<(TeamRecords, Vec<(UserId, String)>), Error> {
    let recs = TeamRecords::load(tx, team)?;
    let workers: Vec<(UserId, String)> = tx
        .users()?
        .into_iter()
        .filter(|u| u.role == Role::OutreachWorker && u.team == Some(team) && u.active)
        .map(|u| (u.id, u.display_name))
        .collect();
    audit_console(
        tx,
        caller,
        "console.view.team",
        format!("team:{team}"),
        "supervisor of the team (shared::access)",
        now,
    )?;
    Ok((recs, workers))
}

/// What the evaluation report reads: every team's records, the meetings
/// held in the period, and the case queue's structured records (the
/// current プラン and 支援会議 record of each case, every monitoring, the
/// latest closure evaluation of each case).
#[derive(Debug, Default)]
pub struct ReportRecords {
    pub teams: Vec<TeamRecords>,
    pub meetings: Vec<Meeting>,
    pub plans: HashMap<CaseId, Plan>,
    pub support_records: HashMap<CaseId, SupportRecord>,
    pub monitoring: Vec<MonitoringEntry>,
    pub closures: HashMap<CaseId, ClosureEvaluation>,
}

/// The latest version of each case's document of one kind.
fn latest_docs<T: serde::de::DeserializeOwned>(
    tx: &mut dyn Tx,
    kind: CaseDocKind,
) -> StoreResult<HashMap<CaseId, T>> {
    let mut out: HashMap<CaseId, (u32, T)> = HashMap::new();
    for d in tx.all_case_docs(kind)? {
        let v: T = serde_json::from_str(&d.body)
            .map_err(|e| StoreError::Corrupt(format!("case record: {e}")))?;
        if out.get(&d.case).is_none_or(|(n, _)| *n <= d.version) {
            out.insert(d.case, (d.version, v));
        }
    }
    Ok(out.into_iter().map(|(k, (_, v))| (k, v)).collect())
}

/// The evaluation report's records (audited as `what`; the report itself
/// is anonymised).
pub fn report_records(
    tx: &mut dyn Tx,
    caller: &Caller,
    what: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ReportRecords, Error> {
    if !decide(&caller.actor, Action::Read, Resource::Report).is_allowed() {
        return Err(Error::forbidden("report: not allowed"));
    }
    let mut teams = Vec::new();
    for t in tx.teams()? {
        teams.push(TeamRecords::load(tx, t.id)?);
    }
    let meetings = super::meetings::meetings_between(tx, from, to)?;
    let plans = latest_docs(tx, CaseDocKind::Plan)?;
    let support_records = latest_docs(tx, CaseDocKind::SupportRecord)?;
    let closures = latest_docs(tx, CaseDocKind::Closure)?;
    let monitoring = tx
        .all_case_docs(CaseDocKind::Monitoring)?
        .iter()
        .map(|d| {
            serde_json::from_str(&d.body)
                .map_err(|e| StoreError::Corrupt(format!("case record: {e}")))
        })
        .collect::<StoreResult<Vec<MonitoringEntry>>>()?;
    audit_console(
        tx,
        caller,
        what,
        format!("report {from}..{to} (anonymised)"),
        "evaluation report (shared::access)",
        now,
    )?;
    Ok(ReportRecords {
        teams,
        meetings,
        plans,
        support_records,
        monitoring,
        closures,
    })
}
