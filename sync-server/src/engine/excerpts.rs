//! The report's anonymised excerpts (第4章): beside each viewpoint's
//! figures, texts the system already holds — closure evaluations (of
//! 重層的支援会議 cases only), 制度の狭間 reasons, unmet needs, return
//! reasons — passed through `shared::anonymise` with every name the store
//! knows (persons' aliases and kana, household members' aliases, users'
//! display names), offered only where the period holds at least
//! `MIN_EXCERPT_RECORDS` of a source (the 5未満 rule). A coordinator
//! chooses which go into the report; each choice is a new version (who
//! chose, when), audited. An excerpt's key is a digest of the record it
//! came from, so no id reaches the page. The stored text is always the server's own
//! anonymised text, never what a form sent.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::anonymise::Anonymiser;
use outreach_shared::domain::evaluation::excerpts_offered;
use outreach_shared::{
    CaseStatus, Excerpt, ExcerptChoice, ExcerptSource, ParticipationEntry, Route, Viewpoint,
};

use super::records::{ReportRecords, report_records};
use super::{Caller, Error, audit_console};
use crate::store::*;

/// The excerpts of one source for a period.
#[derive(Debug, Clone)]
pub struct Offer {
    pub source: ExcerptSource,
    /// How many records of the source the period holds.
    pub count: usize,
    /// Empty when `count` is under the threshold (suppressed).
    pub excerpts: Vec<Excerpt>,
}

/// Household members' aliases that are relation words, not names.
const RELATION_WORDS: [&str; 16] = [
    "母", "父", "長男", "長女", "次男", "次女", "兄", "姉", "弟", "妹", "祖母", "祖父", "夫", "妻",
    "息子", "娘",
];

/// Every name the records and `users` hold.
pub fn anonymiser(records: &ReportRecords, users: &[String]) -> Anonymiser {
    let mut names: Vec<String> = users.to_vec();
    for t in &records.teams {
        names.extend(t.names.values().cloned());
        for p in t.persons.values() {
            names.push(p.alias.clone());
            names.extend(p.kana.clone());
            for m in &p.household.members {
                if let Some(a) = &m.alias {
                    let core = a.split(['(', '（']).next().unwrap_or_default().trim();
                    if !RELATION_WORDS.contains(&core) {
                        names.push(a.clone());
                    }
                }
            }
        }
    }
    Anonymiser::new(names)
}

/// The excerpts on offer for `from..=to`, source by source.
pub fn offers(
    records: &ReportRecords,
    users: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Offer> {
    let an = anonymiser(records, users);
    let within = |d: NaiveDate| d >= from && d <= to;
    let day = |t: DateTime<Utc>| outreach_shared::ja::local_date(t);
    let mut raw: Vec<(ExcerptSource, String, String)> = Vec::new();
    for (id, c) in &records.closures {
        if c.route == Route::MultiLayeredMeeting && within(c.evaluated_on) {
            raw.push((
                ExcerptSource::ClosureEvaluation,
                format!("closure:{id}"),
                format!("{}／{}", c.reason.trim(), c.continuing.trim()),
            ));
        }
    }
    for t in &records.teams {
        for p in t.persons.values() {
            if let Some(g) = &p.scheme_gap
                && day(p.created_at) <= to
            {
                raw.push((
                    ExcerptSource::SchemeGap,
                    format!("gap:{}", p.id),
                    g.why.clone(),
                ));
            }
        }
        for recs in t.participation.values() {
            for r in recs {
                if let ParticipationEntry::Needs { unmet: Some(u), .. } = &r.entry
                    && within(day(r.recorded_at))
                {
                    raw.push((
                        ExcerptSource::UnmetNeed,
                        format!("unmet:{}", r.id),
                        format!("{}：{}", u.area.name_ja(), u.description),
                    ));
                }
            }
        }
        for c in &t.cases {
            if c.status == CaseStatus::ReturnedToOutreach
                && within(day(c.updated_at))
                && let Some(r) = &c.return_reason
            {
                raw.push((
                    ExcerptSource::ReturnReason,
                    format!("return:{}", c.escalation.case_id),
                    r.clone(),
                ));
            }
        }
    }
    raw.sort();
    ExcerptSource::ALL
        .into_iter()
        .map(|source| {
            let of: Vec<_> = raw.iter().filter(|(s, _, _)| *s == source).collect();
            let count = of.len();
            let excerpts = if excerpts_offered(count) {
                of.into_iter()
                    .map(|(s, k, t)| Excerpt {
                        source: *s,
                        key: opaque(k),
                        text: an.apply(t.trim()),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Offer {
                source,
                count,
                excerpts,
            }
        })
        .collect()
}

/// A key that says which record an excerpt was drawn from without
/// naming it: the report's page carries keys, never a person's or a
/// case's id.
fn opaque(k: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(format!("excerpt/{k}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&d[..12])
}

/// The display names of every user (masked in excerpts).
pub fn user_names(tx: &mut dyn Tx) -> StoreResult<Vec<String>> {
    Ok(tx.users()?.into_iter().map(|u| u.display_name).collect())
}

/// Every version of every viewpoint's choice for `from..=to`, oldest
/// first; for whoever may read the report.
pub fn choices(
    tx: &mut dyn Tx,
    caller: &Caller,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ExcerptChoice>, Error> {
    if !decide(&caller.actor, Action::Read, Resource::Report).is_allowed() {
        return Err(Error::forbidden("report: not allowed"));
    }
    Ok(tx.excerpt_choices(from, to)?)
}

/// Saves a new version of `viewpoint`'s chosen excerpts for `from..=to`
/// (coordinators only): the excerpts on offer now whose keys are in
/// `keys`, with the server's anonymised text. A key not on offer (or of
/// another viewpoint) is refused.
pub fn choose(
    tx: &mut dyn Tx,
    caller: &Caller,
    viewpoint: Viewpoint,
    from: NaiveDate,
    to: NaiveDate,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<ExcerptChoice, Error> {
    if caller.actor.role != Role::Coordinator {
        return Err(Error::forbidden("excerpts are chosen by coordinators only"));
    }
    let records = report_records(tx, caller, from, to)?;
    let users = user_names(tx)?;
    let on_offer: Vec<Excerpt> = offers(&records, &users, from, to)
        .into_iter()
        .filter(|o| o.source.viewpoint() == viewpoint)
        .flat_map(|o| o.excerpts)
        .collect();
    let mut excerpts = Vec::new();
    for k in keys {
        match on_offer.iter().find(|e| &e.key == k) {
            Some(e) => excerpts.push(e.clone()),
            None => {
                return Err(Error::bad_request(
                    "an excerpt chosen is not on offer for this viewpoint and period: reload the report",
                ));
            }
        }
    }
    let version = tx
        .excerpt_choices(from, to)?
        .iter()
        .filter(|c| c.viewpoint == viewpoint)
        .map(|c| c.version)
        .max()
        .unwrap_or(0)
        + 1;
    let author_name = tx
        .user(caller.actor.user)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let c = ExcerptChoice {
        viewpoint,
        from,
        to,
        version,
        excerpts,
        author: caller.actor.user,
        author_name,
        chosen_at: now,
    };
    tx.insert_excerpt_choice(&c)?;
    audit_console(
        tx,
        caller,
        "report.excerpts",
        format!(
            "excerpts:{}:{from}..{to} v{version} n{}",
            viewpoint.code(),
            c.excerpts.len()
        ),
        "coordinator (第4章 evaluation)",
        now,
    )?;
    Ok(c)
}
