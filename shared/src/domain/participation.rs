//! 参加支援 on a person: what the person wants or could try (needs, a short
//! fixed list plus free text), a trial at a catalogued 地域資源 (proposed or
//! started), and follow-ups on how it goes (started, continuing, stopped
//! and why). A need that no resource meets is recorded as such, with its
//! 町丁 and a short description: the city counts them (「社会資源の充足状況
//! の把握と開発」, [`summarise_unmet`]).
//!
//! Records are append-only, like contact logs: each is written once on a
//! tablet and never changed, so two tablets never conflict; where things
//! stand is read by folding them ([`trials`], [`open_unmet`]). Access is a
//! person record's: the team's caseload, the coordinator once escalated
//! (`access::Resource::Participation`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::area::AreaCode;
use crate::ids::{ParticipationId, PersonId, ResourceId, UserId};
use crate::validation::{
    Lines, ValidationContext, ValidationErrors, Violation, check_text, limits,
};

/// What a person wants or could try (the short fixed list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NeedKind {
    /// 居場所がほしい
    PlaceToBe,
    /// 働いてみたい
    Work,
    /// 学び直したい
    Study,
    /// 人と話したい・仲間がほしい
    Company,
    /// 子育ての仲間・相談
    Parenting,
    /// 体を動かしたい・健康づくり
    Health,
    /// 人の役に立ちたい
    Contribute,
    /// その他
    Other,
}

impl NeedKind {
    pub const ALL: [NeedKind; 8] = [
        NeedKind::PlaceToBe,
        NeedKind::Work,
        NeedKind::Study,
        NeedKind::Company,
        NeedKind::Parenting,
        NeedKind::Health,
        NeedKind::Contribute,
        NeedKind::Other,
    ];

    /// The stable code (its serde name), for forms and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            NeedKind::PlaceToBe => "place_to_be",
            NeedKind::Work => "work",
            NeedKind::Study => "study",
            NeedKind::Company => "company",
            NeedKind::Parenting => "parenting",
            NeedKind::Health => "health",
            NeedKind::Contribute => "contribute",
            NeedKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A trial at a resource, as first recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrialStep {
    /// 提案 — proposed to the person, not yet tried.
    Proposed,
    /// 参加開始 — the person went.
    Started,
}

/// How a trial went, at a follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrialOutcome {
    /// 参加開始
    Started,
    /// 継続中
    Continuing,
    /// 中断 — says why.
    Stopped,
}

impl TrialOutcome {
    pub const ALL: [TrialOutcome; 3] = [
        TrialOutcome::Started,
        TrialOutcome::Continuing,
        TrialOutcome::Stopped,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            TrialOutcome::Started => "started",
            TrialOutcome::Continuing => "continuing",
            TrialOutcome::Stopped => "stopped",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A need that no resource meets: where, and what is missing, in a few
/// words (「栄町で若者が夕方に行ける場所がない」). Never the person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UnmetNeed {
    pub area: AreaCode,
    pub description: String,
}

/// What a record says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParticipationEntry {
    /// ニーズ: what the person wants or could try; with `unmet` when no
    /// suitable resource exists.
    Needs {
        needs: BTreeSet<NeedKind>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unmet: Option<UnmetNeed>,
    },
    /// 試行: a trial at a catalogued resource, proposed or started. The
    /// resource's name is copied so the record reads after the catalogue
    /// changes. `meets` names an earlier unmet need this trial answers.
    Trial {
        resource: ResourceId,
        resource_name: String,
        step: TrialStep,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meets: Option<ParticipationId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// フォローアップ: how a trial goes; stopping says why.
    FollowUp {
        trial: ParticipationId,
        outcome: TrialOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// One 参加支援 record of a person (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ParticipationRecord {
    pub id: ParticipationId,
    pub person_id: PersonId,
    pub author: UserId,
    pub recorded_at: DateTime<Utc>,
    pub entry: ParticipationEntry,
}

impl ParticipationRecord {
    /// Checks the record on its own: not in the future; needs name at least
    /// one need (an unmet need its 町丁 and description); a trial names its
    /// resource; a stop says why. That a trial's resource exists and a
    /// follow-up's trial is the same person's is checked by the server.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.recorded_at > ctx.now + ctx.future_tolerance {
            e.push("participation.recorded_at", Violation::InFuture);
        }
        let note = |e: &mut ValidationErrors, field: &str, v: &Option<String>| {
            if let Some(n) = v {
                check_text(e, field, n, limits::SHORT_TEXT, false, Lines::Multi);
            }
        };
        match &self.entry {
            ParticipationEntry::Needs {
                needs,
                note: n,
                unmet,
            } => {
                if needs.is_empty() {
                    e.push("participation.needs", Violation::Required);
                }
                note(&mut e, "participation.note", n);
                if let Some(u) = unmet {
                    check_text(
                        &mut e,
                        "participation.unmet.description",
                        &u.description,
                        limits::SHORT_TEXT,
                        true,
                        Lines::Single,
                    );
                }
            }
            ParticipationEntry::Trial {
                resource_name,
                note: n,
                meets,
                ..
            } => {
                check_text(
                    &mut e,
                    "participation.resource",
                    resource_name,
                    limits::ALIAS * 2,
                    true,
                    Lines::Single,
                );
                note(&mut e, "participation.note", n);
                if *meets == Some(self.id) {
                    e.push(
                        "participation.meets",
                        Violation::Contradicts { other: "id".into() },
                    );
                }
            }
            ParticipationEntry::FollowUp {
                trial,
                outcome,
                reason,
            } => {
                if *trial == self.id {
                    e.push(
                        "participation.trial",
                        Violation::Contradicts { other: "id".into() },
                    );
                }
                match (outcome, reason) {
                    (TrialOutcome::Stopped, None) => {
                        e.push("participation.reason", Violation::Required)
                    }
                    (_, Some(r)) => check_text(
                        &mut e,
                        "participation.reason",
                        r,
                        limits::SHORT_TEXT,
                        *outcome == TrialOutcome::Stopped,
                        Lines::Multi,
                    ),
                    _ => {}
                }
            }
        }
        e.finish()
    }

    /// The unmet need this record reports, if any.
    pub fn unmet(&self) -> Option<&UnmetNeed> {
        match &self.entry {
            ParticipationEntry::Needs { unmet, .. } => unmet.as_ref(),
            _ => None,
        }
    }
}

/// A trial and where it stands after its follow-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialState<'a> {
    pub trial: &'a ParticipationRecord,
    /// The latest follow-up, if any.
    pub latest: Option<&'a ParticipationRecord>,
}

impl TrialState<'_> {
    /// Where the trial stands: the latest follow-up's outcome, or the
    /// trial's first step (`None`: proposed, not yet tried).
    pub fn outcome(&self) -> Option<TrialOutcome> {
        match self.latest.map(|r| &r.entry) {
            Some(ParticipationEntry::FollowUp { outcome, .. }) => Some(*outcome),
            _ => match &self.trial.entry {
                ParticipationEntry::Trial {
                    step: TrialStep::Started,
                    ..
                } => Some(TrialOutcome::Started),
                _ => None,
            },
        }
    }
}

/// A person's trials, newest first, each with its latest follow-up.
pub fn trials(records: &[ParticipationRecord]) -> Vec<TrialState<'_>> {
    let mut out: Vec<TrialState<'_>> = records
        .iter()
        .filter(|r| matches!(r.entry, ParticipationEntry::Trial { .. }))
        .map(|trial| TrialState {
            trial,
            latest: records
                .iter()
                .filter(|r| {
                    matches!(&r.entry, ParticipationEntry::FollowUp { trial: t, .. } if *t == trial.id)
                })
                .max_by_key(|r| (r.recorded_at, r.id)),
        })
        .collect();
    out.sort_by_key(|t| std::cmp::Reverse((t.trial.recorded_at, t.trial.id)));
    out
}

/// When an unmet need was met: the first trial that names it.
pub fn met_at(records: &[ParticipationRecord], need: ParticipationId) -> Option<DateTime<Utc>> {
    records
        .iter()
        .filter(
            |r| matches!(&r.entry, ParticipationEntry::Trial { meets: Some(m), .. } if *m == need),
        )
        .map(|r| r.recorded_at)
        .min()
}

/// The unmet needs not met yet, oldest first.
pub fn open_unmet(records: &[ParticipationRecord]) -> Vec<&ParticipationRecord> {
    let mut out: Vec<_> = records
        .iter()
        .filter(|r| r.unmet().is_some() && met_at(records, r.id).is_none())
        .collect();
    out.sort_by_key(|r| (r.recorded_at, r.id));
    out
}

/// One line of the unmet-needs summary: a need in a 町丁.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetLine {
    pub need: NeedKind,
    pub area: AreaCode,
    /// How many unmet needs were recorded (a record naming two needs
    /// counts once under each).
    pub recorded: usize,
    /// How many of them are still open.
    pub open: usize,
    /// The longest an open one has waited, days (the oldest open one).
    pub longest_open_days: Option<i64>,
    /// Days until met, for those met (for a median).
    pub days_to_met: Vec<i64>,
}

/// Sums the unmet needs recorded in `from..to` (UTC instants) over every
/// person's records, by need and 町丁, with how many are still open at
/// `now` and for how long. Only counts: no person, no description.
pub fn summarise_unmet<'a>(
    records: impl IntoIterator<Item = &'a [ParticipationRecord]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<UnmetLine> {
    let mut lines: BTreeMap<(NeedKind, AreaCode), UnmetLine> = BTreeMap::new();
    for person in records {
        for r in person {
            let (Some(u), ParticipationEntry::Needs { needs, .. }) = (r.unmet(), &r.entry) else {
                continue;
            };
            if r.recorded_at < from || r.recorded_at >= to {
                continue;
            }
            let met = met_at(person, r.id).filter(|m| *m <= now);
            for need in needs {
                let line = lines
                    .entry((*need, u.area.clone()))
                    .or_insert_with(|| UnmetLine {
                        need: *need,
                        area: u.area.clone(),
                        recorded: 0,
                        open: 0,
                        longest_open_days: None,
                        days_to_met: Vec::new(),
                    });
                line.recorded += 1;
                match met {
                    Some(m) => line.days_to_met.push((m - r.recorded_at).num_days()),
                    None => {
                        line.open += 1;
                        let days = (now - r.recorded_at).num_days().max(0);
                        line.longest_open_days =
                            Some(line.longest_open_days.map_or(days, |d| d.max(days)));
                    }
                }
            }
        }
    }
    lines.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, d, 0, 0, 0).unwrap()
    }

    fn rec(n: u8, day: u32, entry: ParticipationEntry) -> ParticipationRecord {
        ParticipationRecord {
            id: ParticipationId::new_v7(u64::from(n), [n; 10]),
            person_id: PersonId::new_v7(1, [1; 10]),
            author: UserId::new_v7(1, [2; 10]),
            recorded_at: at(day),
            entry,
        }
    }

    fn unmet(area: &str, needs: &[NeedKind]) -> ParticipationEntry {
        ParticipationEntry::Needs {
            needs: needs.iter().copied().collect(),
            note: None,
            unmet: Some(UnmetNeed {
                area: area.parse().unwrap(),
                description: "夕方に若者が行ける場所がない".into(),
            }),
        }
    }

    fn trial(meets: Option<ParticipationId>) -> ParticipationEntry {
        ParticipationEntry::Trial {
            resource: ResourceId::new_v7(1, [3; 10]),
            resource_name: "架空の居場所".into(),
            step: TrialStep::Proposed,
            meets,
            note: None,
        }
    }

    #[test]
    fn needs_name_something_and_a_stop_says_why() {
        let ctx = ValidationContext::at(at(10));
        assert!(
            rec(1, 2, unmet("sakaecho-1", &[NeedKind::PlaceToBe]))
                .validate(&ctx)
                .is_ok()
        );
        let none = rec(
            1,
            2,
            ParticipationEntry::Needs {
                needs: BTreeSet::new(),
                note: None,
                unmet: Some(UnmetNeed {
                    area: "sakaecho-1".parse().unwrap(),
                    description: " ".into(),
                }),
            },
        );
        let e = none.validate(&ctx).unwrap_err();
        assert!(e.has("participation.needs") && e.has("participation.unmet.description"));
        let stop = |reason: Option<&str>| {
            rec(
                2,
                3,
                ParticipationEntry::FollowUp {
                    trial: ParticipationId::new_v7(9, [9; 10]),
                    outcome: TrialOutcome::Stopped,
                    reason: reason.map(Into::into),
                },
            )
        };
        assert!(
            stop(None)
                .validate(&ctx)
                .unwrap_err()
                .has("participation.reason")
        );
        assert!(stop(Some("  ")).validate(&ctx).is_err());
        assert!(stop(Some("体調を崩した")).validate(&ctx).is_ok());
        let future = rec(3, 20, trial(None));
        assert_eq!(
            future.validate(&ctx).unwrap_err().0[0].violation,
            Violation::InFuture
        );
    }

    #[test]
    fn a_trial_stands_where_its_latest_follow_up_says() {
        let t = rec(1, 2, trial(None));
        let follow = |n, day, outcome| {
            rec(
                n,
                day,
                ParticipationEntry::FollowUp {
                    trial: t.id,
                    outcome,
                    reason: (outcome == TrialOutcome::Stopped).then(|| "合わなかった".into()),
                },
            )
        };
        let records = vec![
            t.clone(),
            follow(3, 6, TrialOutcome::Stopped),
            follow(2, 4, TrialOutcome::Started),
        ];
        let states = trials(&records);
        assert_eq!(states.len(), 1);
        assert_eq!(states[0].outcome(), Some(TrialOutcome::Stopped));
        assert_eq!(trials(&records[..1])[0].outcome(), None);
    }

    #[test]
    fn unmet_needs_are_counted_by_need_and_area_until_a_trial_meets_them() {
        let a = rec(
            1,
            1,
            unmet("sakaecho-1", &[NeedKind::PlaceToBe, NeedKind::Work]),
        );
        let b = rec(2, 3, unmet("sakaecho-1", &[NeedKind::PlaceToBe]));
        let met = rec(3, 5, trial(Some(a.id)));
        let person1 = vec![a.clone(), met];
        let person2 = vec![b.clone()];
        let now = at(11);
        let lines = summarise_unmet([person1.as_slice(), person2.as_slice()], at(1), at(30), now);
        let place = lines
            .iter()
            .find(|l| l.need == NeedKind::PlaceToBe)
            .unwrap();
        assert_eq!((place.recorded, place.open), (2, 1));
        assert_eq!(place.longest_open_days, Some(8));
        assert_eq!(place.days_to_met, vec![4]);
        let work = lines.iter().find(|l| l.need == NeedKind::Work).unwrap();
        assert_eq!((work.recorded, work.open), (1, 0));
        assert_eq!(open_unmet(&person2).len(), 1);
        assert!(open_unmet(&person1).is_empty());
        // Outside the period: not counted.
        assert!(summarise_unmet([person2.as_slice()], at(4), at(30), now).is_empty());
    }
}
