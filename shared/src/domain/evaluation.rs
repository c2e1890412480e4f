//! The qualitative evaluation of 第4章: 「数字による評価指標の設定は行わず
//! …定性的な評価を行います」. Coordinators write a narrative per viewpoint
//! and report period; each save is a new version (who wrote it, when),
//! earlier versions kept.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::validation::{Lines, ValidationErrors, Violation, check_text, limits};

/// The four viewpoints of the plan's evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Viewpoint {
    /// 重層的な支援
    MultiLayered,
    /// 制度の狭間
    SchemeGap,
    /// 支援者支援
    SupporterSupport,
    /// 伴走支援
    Continuity,
}

impl Viewpoint {
    pub const ALL: [Viewpoint; 4] = [
        Viewpoint::MultiLayered,
        Viewpoint::SchemeGap,
        Viewpoint::SupporterSupport,
        Viewpoint::Continuity,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Viewpoint::MultiLayered => "multi_layered",
            Viewpoint::SchemeGap => "scheme_gap",
            Viewpoint::SupporterSupport => "supporter_support",
            Viewpoint::Continuity => "continuity",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == code)
    }
}

/// One version of a viewpoint's narrative for a report period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Narrative {
    pub viewpoint: Viewpoint,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 1 for the first version.
    pub version: u32,
    pub text: String,
    pub author: UserId,
    pub author_name: String,
    pub written_at: DateTime<Utc>,
}

impl Narrative {
    /// The text is required, at most 4000 characters; the period reads
    /// forwards.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "narrative.text",
            &self.text,
            limits::OBSERVATION,
            true,
            Lines::Multi,
        );
        if self.from > self.to {
            e.push(
                "narrative.from",
                Violation::Contradicts {
                    other: "narrative.to".into(),
                },
            );
        }
        e.finish()
    }
}

/// Where an anonymised excerpt of the report comes from: texts the system
/// already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExcerptSource {
    /// 終結時の評価 (of a 重層的支援会議 case only: a 支援会議's stays with
    /// its pledged members).
    ClosureEvaluation,
    /// 制度の狭間 — why no scheme fitted.
    SchemeGap,
    /// 資源のないニーズ — an unmet need of 参加支援.
    UnmetNeed,
    /// アウトリーチへの差し戻し理由.
    ReturnReason,
}

impl ExcerptSource {
    pub const ALL: [ExcerptSource; 4] = [
        ExcerptSource::ClosureEvaluation,
        ExcerptSource::SchemeGap,
        ExcerptSource::UnmetNeed,
        ExcerptSource::ReturnReason,
    ];

    /// The viewpoint beside whose figures the excerpts of this source are
    /// offered.
    pub fn viewpoint(&self) -> Viewpoint {
        match self {
            ExcerptSource::ClosureEvaluation => Viewpoint::Continuity,
            ExcerptSource::SchemeGap | ExcerptSource::UnmetNeed => Viewpoint::SchemeGap,
            ExcerptSource::ReturnReason => Viewpoint::MultiLayered,
        }
    }
}

/// The fewest records of one source in a period for its excerpts to be
/// offered at all: fewer could point at a person (the report's 5未満 rule).
pub const MIN_EXCERPT_RECORDS: usize = 5;

/// Whether `count` records of a source in the period are enough to offer
/// their excerpts ([`MIN_EXCERPT_RECORDS`]).
pub fn excerpts_offered(count: usize) -> bool {
    count >= MIN_EXCERPT_RECORDS
}

/// One anonymised excerpt (`crate::anonymise`): its source, a key stable
/// for the period (which record it was drawn from, never shown) and the
/// text with names, addresses and phone numbers masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Excerpt {
    pub source: ExcerptSource,
    pub key: String,
    pub text: String,
}

/// The coordinator's choice of excerpts for one viewpoint and period: each
/// save is a new version (who chose, when), earlier versions kept, as the
/// narratives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExcerptChoice {
    pub viewpoint: Viewpoint,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 1 for the first version.
    pub version: u32,
    /// The chosen excerpts, in the order shown; may be empty (none chosen).
    pub excerpts: Vec<Excerpt>,
    pub author: UserId,
    pub author_name: String,
    pub chosen_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrative_says_something_over_a_forward_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let n = Narrative {
            viewpoint: Viewpoint::SchemeGap,
            from: d("2026-04-01"),
            to: d("2027-03-31"),
            version: 1,
            text: "制度の狭間にある世帯に、複数の機関が関わり始めた。".into(),
            author: UserId::new_v7(1, [1; 10]),
            author_name: "架空 調整".into(),
            written_at: DateTime::UNIX_EPOCH,
        };
        assert!(n.validate().is_ok());
        let mut bad = n.clone();
        bad.text = "  ".into();
        bad.from = d("2027-04-01");
        let e = bad.validate().unwrap_err();
        assert!(e.has("narrative.text") && e.has("narrative.from"));
        for v in Viewpoint::ALL {
            assert_eq!(Viewpoint::from_code(v.code()), Some(v));
        }
    }

    #[test]
    fn excerpts_are_offered_from_five_records_on() {
        assert!(!excerpts_offered(0));
        assert!(!excerpts_offered(4));
        assert!(excerpts_offered(5));
        assert_eq!(
            ExcerptSource::UnmetNeed.viewpoint(),
            Viewpoint::SchemeGap,
            "unmet needs sit beside the 制度の狭間 figures"
        );
    }
}
