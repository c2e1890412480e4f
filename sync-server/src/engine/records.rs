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
    /// 参加支援 records (needs, trials, follow-ups), by person.
    pub participation: HashMap<PersonId, Vec<outreach_shared::ParticipationRecord>>,
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
                    EntityKind::Participation => {
                        if let Ok(p) =
                            serde_json::from_str::<outreach_shared::ParticipationRecord>(&body)
                        {
                            r.participation.entry(p.person_id).or_default().push(p);
                        }
                    }
                    EntityKind::Conflict
                    | EntityKind::Visit
                    | EntityKind::Resource
                    | EntityKind::CommunityActivity => {}
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
/// review yet that the caller may read, safety concerns first, then oldest.
/// Read only (on a reader); the page audits each person shown with
/// [`audit_review_queue`].
pub fn review_queue(
    tx: &mut dyn Tx,
    caller: &Caller,
    team: TeamId,
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
    Ok((recs, pending))
}

/// Audits a review queue as shown: one entry per person whose notes it
/// showed (so "who saw person P" finds it), and one for the page.
pub fn audit_review_queue(
    tx: &mut dyn Tx,
    caller: &Caller,
    team: TeamId,
    shown: &[ContactLog],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audit_console(
        tx,
        caller,
        "console.view.review_queue",
        format!("team:{team} contacts:{}", shown.len()),
        "supervisor of the team (shared::access)",
        now,
    )?;
    audit_persons_shown(tx, caller, "console.view.review_queue", team, shown, now)
}

/// One audit entry per person among `shown` (with how many of their
/// contact logs were shown).
pub fn audit_persons_shown(
    tx: &mut dyn Tx,
    caller: &Caller,
    action: &str,
    team: TeamId,
    shown: &[ContactLog],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut per: std::collections::BTreeMap<PersonId, usize> = Default::default();
    for c in shown {
        *per.entry(c.person_id).or_default() += 1;
    }
    let entities: Vec<String> = per
        .into_iter()
        .map(|(p, n)| format!("person:{p} team:{team} contacts:{n}"))
        .collect();
    super::audit_log::audit_shown(
        tx,
        caller,
        action,
        &entities,
        "console; supervisor of the team (shared::access)",
        now,
    )
}

/// A supervisor's team overview: the team's records and its active
/// workers. Read only (on a reader); the page audits what it showed.
pub fn team_overview(
    tx: &mut dyn Tx,
    team: TeamId,
) -> Result<(TeamRecords, Vec<(UserId, String)>), Error> {
    let recs = TeamRecords::load(tx, team)?;
    let workers: Vec<(UserId, String)> = tx
        .users()?
        .into_iter()
        .filter(|u| u.role == Role::OutreachWorker && u.team == Some(team) && u.active)
        .map(|u| (u.id, u.display_name))
        .collect();
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

/// The evaluation report's records: every team's, the meetings held in
/// `from..=to` and the case queue's structured records. Read only (on a
/// reader: the heaviest read of the console); the page audits it with
/// [`audit_report`].
pub fn report_records(
    tx: &mut dyn Tx,
    caller: &Caller,
    from: NaiveDate,
    to: NaiveDate,
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
    Ok(ReportRecords {
        teams,
        meetings,
        plans,
        support_records,
        monitoring,
        closures,
    })
}

/// The smallest count of reflection-based figures (strain) the report
/// shows: fewer is shown as "fewer than 5", so one worker's one hard day
/// cannot be read off it.
pub const MIN_CELL: usize = 5;
/// The shortest period (days) over which the report shows strain figures
/// at all (a one-day period would name the worker who visited that day).
pub const MIN_STRAIN_PERIOD_DAYS: i64 = 28;

/// How a count drawn from workers' reflections may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosed {
    /// The count itself (zero, or at least [`MIN_CELL`]).
    Count(usize),
    /// Between 1 and [`MIN_CELL`] − 1: suppressed.
    FewerThan(usize),
    /// The period is shorter than [`MIN_STRAIN_PERIOD_DAYS`]: not shown.
    PeriodTooShort,
}

/// The rule for reflection-based counts in the evaluation report (every
/// front end that shows them: the report page and its CSV).
pub fn disclose_strain(count: usize, from: NaiveDate, to: NaiveDate) -> Disclosed {
    if (to - from).num_days() + 1 < MIN_STRAIN_PERIOD_DAYS {
        Disclosed::PeriodTooShort
    } else if count > 0 && count < MIN_CELL {
        Disclosed::FewerThan(MIN_CELL)
    } else {
        Disclosed::Count(count)
    }
}

/// The rule for the report's small counts that are not drawn from
/// reflections (unmet needs, 制度の狭間 by scheme): 1 to
/// [`MIN_CELL`] − 1 is shown as "fewer than 5".
pub fn disclose_count(count: usize) -> Disclosed {
    if count > 0 && count < MIN_CELL {
        Disclosed::FewerThan(MIN_CELL)
    } else {
        Disclosed::Count(count)
    }
}

/// Audits a report as `what` (the page or its CSV).
pub fn audit_report(
    tx: &mut dyn Tx,
    caller: &Caller,
    what: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audit_console(
        tx,
        caller,
        what,
        format!("report {from}..{to} (anonymised)"),
        "evaluation report (shared::access)",
        now,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_strain_counts_and_short_periods_are_not_shown() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (from, to) = (d("2026-04-01"), d("2026-06-30"));
        assert_eq!(disclose_strain(0, from, to), Disclosed::Count(0));
        for n in 1..MIN_CELL {
            assert_eq!(disclose_strain(n, from, to), Disclosed::FewerThan(MIN_CELL));
        }
        assert_eq!(
            disclose_strain(MIN_CELL, from, to),
            Disclosed::Count(MIN_CELL)
        );
        let day = d("2026-05-01");
        assert_eq!(disclose_strain(7, day, day), Disclosed::PeriodTooShort);
        assert_eq!(disclose_count(3), Disclosed::FewerThan(MIN_CELL));
        assert_eq!(disclose_count(0), Disclosed::Count(0));
        assert_eq!(disclose_count(MIN_CELL), Disclosed::Count(MIN_CELL));
        assert_eq!(
            disclose_strain(7, day, day + chrono::Duration::days(27)),
            Disclosed::Count(7)
        );
    }
}
