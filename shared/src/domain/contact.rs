//! The contact log (接触記録): one contact with or about a person.
//!
//! Contact logs are append-only. A correction is a new revision whose
//! `revises` points at the log it replaces; the history is kept.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::ids::{ContactId, PersonId, UserId};
use crate::validation::{
    Lines, ValidationContext, ValidationErrors, Violation, check_text, limits,
};

/// How the contact happened (接触方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    /// 家庭訪問
    HomeVisit,
    /// 電話
    Phone,
    /// 手紙・置き手紙
    LetterOrNote,
    /// 地域の場（サロン・集会所など）
    CommunityPlace,
    /// 同行訪問（関係機関と）
    AccompaniedVisit,
    /// 関係機関からの情報
    AgencyInformation,
    /// 住民からの情報 (before protocol 2.2 also 民生委員's)
    ResidentInformation,
    /// 家族との接触
    FamilyContact,
    /// 民生委員からの情報 (protocol 2.2): the 民生委員 as a partner, apart
    /// from other residents. A joint visit with a 民生委員 is the
    /// accompaniment [`Accompaniment::WithWelfareCommissioner`].
    WelfareCommissionerInformation,
}

impl ContactMethod {
    pub const ALL: [ContactMethod; 9] = [
        ContactMethod::HomeVisit,
        ContactMethod::Phone,
        ContactMethod::LetterOrNote,
        ContactMethod::CommunityPlace,
        ContactMethod::AccompaniedVisit,
        ContactMethod::AgencyInformation,
        ContactMethod::ResidentInformation,
        ContactMethod::WelfareCommissionerInformation,
        ContactMethod::FamilyContact,
    ];

    /// Whether the worker was physically there (safety fields apply).
    pub fn is_in_person(&self) -> bool {
        matches!(
            self,
            ContactMethod::HomeVisit
                | ContactMethod::CommunityPlace
                | ContactMethod::AccompaniedVisit
        )
    }
}

/// Who was met (会えた相手).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MetWhom {
    /// 本人
    Person,
    /// 家族のみ
    FamilyOnly,
    /// 会えず
    Nobody,
}

impl MetWhom {
    pub const ALL: [MetWhom; 3] = [MetWhom::Person, MetWhom::FamilyOnly, MetWhom::Nobody];
}

/// How the person responded (本人の反応); only when the person was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonResponse {
    /// 拒否
    Refused,
    /// 短いやりとり
    Brief,
    /// 打ち解けた
    Open,
}

impl PersonResponse {
    pub const ALL: [PersonResponse; 3] = [
        PersonResponse::Refused,
        PersonResponse::Brief,
        PersonResponse::Open,
    ];
}

/// Who went (訪問体制).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Accompaniment {
    /// 単独
    Alone,
    /// 職員2名
    Pair,
    /// 関係機関と同行
    WithAgency,
    /// 民生委員と同行 (protocol 2.0)
    WithWelfareCommissioner,
}

impl Accompaniment {
    pub const ALL: [Accompaniment; 4] = [
        Accompaniment::Alone,
        Accompaniment::Pair,
        Accompaniment::WithAgency,
        Accompaniment::WithWelfareCommissioner,
    ];

    /// Whether the worker went without anyone (lone-visit figures).
    pub fn is_alone(&self) -> bool {
        matches!(self, Accompaniment::Alone)
    }
}

/// A danger sign seen during the contact (危険のサイン).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DangerSign {
    /// 暴言・暴力
    Violence,
    /// 自傷・希死念慮
    SelfHarm,
    /// 衰弱・低栄養
    Frailty,
    /// 住環境の悪化（ごみ・異臭など）
    LivingConditions,
    /// ライフラインの停止
    UtilitiesCut,
    /// 虐待の疑い
    SuspectedAbuse,
    /// 動物・危険物
    Hazard,
}

impl DangerSign {
    pub const ALL: [DangerSign; 7] = [
        DangerSign::Violence,
        DangerSign::SelfHarm,
        DangerSign::Frailty,
        DangerSign::LivingConditions,
        DangerSign::UtilitiesCut,
        DangerSign::SuspectedAbuse,
        DangerSign::Hazard,
    ];
}

/// Safety of the contact (安全).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Safety {
    pub accompaniment: Accompaniment,
    #[serde(default)]
    pub danger_signs: BTreeSet<DangerSign>,
    /// 生命に関わる状況 — must go to the city at once.
    pub life_threatening: bool,
}

impl Safety {
    /// A danger sign seen, or a life-threatening situation: the contact
    /// needs attention first ([`ContactLog::has_safety_concern`]).
    pub fn is_concern(&self) -> bool {
        self.life_threatening || !self.danger_signs.is_empty()
    }
}

/// How hard the contact was for the worker (負担感), 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "u8", into = "u8")]
#[cfg_attr(feature = "schema", schemars(extend("minimum" = 1, "maximum" = 5)))]
pub struct Difficulty(u8);

impl Difficulty {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;
    pub fn new(level: u8) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&level)
            .then_some(Self(level))
    }
    pub fn level(&self) -> u8 {
        self.0
    }
    /// Level 4 and 5 signal strain to the supervisor.
    pub fn signals_strain(&self) -> bool {
        self.0 >= 4
    }
}

impl TryFrom<u8> for Difficulty {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Difficulty::new(v).ok_or_else(|| format!("difficulty must be 1 to 5, got {v}"))
    }
}

impl From<Difficulty> for u8 {
    fn from(d: Difficulty) -> u8 {
        d.0
    }
}

/// The worker's own reflection (振り返り). Seen by the author and the team's
/// supervisors only — never by the city or agencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reflection {
    pub difficulty: Difficulty,
    pub note: Option<String>,
    /// The worker asks the supervisor to talk (相談したい).
    #[serde(default)]
    pub wants_to_talk: bool,
}

/// What happens next, and by when (次回の予定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NextAction {
    pub what: String,
    /// Local date (Asia/Tokyo).
    pub due: NaiveDate,
}

/// One contact log revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactLog {
    pub id: ContactId,
    pub person_id: PersonId,
    /// The revision this one corrects, if any.
    pub revises: Option<ContactId>,
    pub author: UserId,
    /// When the contact happened.
    pub occurred_at: DateTime<Utc>,
    /// How long it took, in minutes.
    pub duration_minutes: Option<u16>,
    pub method: ContactMethod,
    pub met: MetWhom,
    /// Required when the person was met; absent otherwise.
    pub response: Option<PersonResponse>,
    /// 様子・観察 — what was seen and heard.
    pub observation: String,
    pub safety: Safety,
    pub reflection: Option<Reflection>,
    pub next_action: Option<NextAction>,
}

impl ContactLog {
    pub const MAX_DURATION_MINUTES: u16 = 12 * 60;

    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.occurred_at > ctx.latest_allowed() {
            e.push("occurred_at", Violation::InFuture);
        }
        if let Some(d) = self.duration_minutes
            && (d == 0 || d > Self::MAX_DURATION_MINUTES)
        {
            e.push(
                "duration_minutes",
                Violation::OutOfRange {
                    min: 1,
                    max: Self::MAX_DURATION_MINUTES.into(),
                },
            );
        }
        match (self.met, self.response) {
            (MetWhom::Person, None) => e.push("response", Violation::Required),
            (MetWhom::FamilyOnly | MetWhom::Nobody, Some(_)) => e.push(
                "response",
                Violation::Contradicts {
                    other: "met".into(),
                },
            ),
            _ => {}
        }
        check_text(
            &mut e,
            "observation",
            &self.observation,
            limits::OBSERVATION,
            false,
            Lines::Multi,
        );
        if let Some(note) = self.reflection.as_ref().and_then(|r| r.note.as_ref()) {
            check_text(
                &mut e,
                "reflection.note",
                note,
                limits::REFLECTION,
                false,
                Lines::Multi,
            );
        }
        if let Some(n) = &self.next_action {
            check_text(
                &mut e,
                "next_action.what",
                &n.what,
                limits::SHORT_TEXT,
                true,
                Lines::Single,
            );
            if n.due < crate::ja::local_date(self.occurred_at) {
                e.push("next_action.due", Violation::DueBeforeContact);
            }
        }
        if self.revises == Some(self.id) {
            e.push("revises", Violation::Contradicts { other: "id".into() });
        }
        e.finish()
    }

    /// Whether this contact needs the supervisor's attention for safety.
    pub fn has_safety_concern(&self) -> bool {
        self.safety.is_concern()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn sample() -> ContactLog {
        ContactLog {
            id: ContactId::new_v7(1_780_000_000_000, [3; 10]),
            person_id: PersonId::new_v7(1_780_000_000_000, [1; 10]),
            revises: None,
            author: UserId::new_v7(1, [4; 10]),
            occurred_at: Utc.with_ymd_and_hms(2026, 5, 31, 14, 30, 0).unwrap(),
            duration_minutes: Some(20),
            method: ContactMethod::HomeVisit,
            met: MetWhom::FamilyOnly,
            response: None,
            observation: "母親と玄関先で話した。本人は在宅の様子。".into(),
            safety: Safety {
                accompaniment: Accompaniment::Pair,
                danger_signs: BTreeSet::new(),
                life_threatening: false,
            },
            reflection: None,
            next_action: Some(NextAction {
                what: "置き手紙を持って再訪".into(),
                due: NaiveDate::from_ymd_opt(2026, 6, 7).unwrap(),
            }),
        }
    }

    fn ctx() -> ValidationContext {
        ValidationContext::at(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn a_valid_contact() {
        sample().validate(&ctx()).unwrap();
    }

    #[test]
    fn visit_in_the_future() {
        let mut c = sample();
        c.occurred_at = Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap();
        c.next_action = None;
        let e = c.validate(&ctx()).unwrap_err();
        assert_eq!(e.get("occurred_at").unwrap().violation, Violation::InFuture);
        // Within the clock tolerance is fine.
        c.occurred_at = Utc.with_ymd_and_hms(2026, 6, 1, 0, 5, 0).unwrap();
        c.validate(&ctx()).unwrap();
    }

    #[test]
    fn due_before_visit() {
        let mut c = sample();
        c.next_action.as_mut().unwrap().due = NaiveDate::from_ymd_opt(2026, 5, 30).unwrap();
        let e = c.validate(&ctx()).unwrap_err();
        assert_eq!(
            e.get("next_action.due").unwrap().violation,
            Violation::DueBeforeContact
        );
    }

    #[test]
    fn due_compares_local_dates() {
        // 23:30 UTC on 31 May is 08:30 on 1 June in Tokyo: a due date of 1 June is fine.
        let mut c = sample();
        c.occurred_at = Utc.with_ymd_and_hms(2026, 5, 31, 23, 30, 0).unwrap();
        c.next_action.as_mut().unwrap().due = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        c.validate(&ctx()).unwrap();
        c.next_action.as_mut().unwrap().due = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap();
        assert!(c.validate(&ctx()).unwrap_err().has("next_action.due"));
    }

    #[test]
    fn response_follows_who_was_met() {
        let mut c = sample();
        c.met = MetWhom::Person;
        assert!(c.validate(&ctx()).unwrap_err().has("response"));
        c.response = Some(PersonResponse::Brief);
        c.validate(&ctx()).unwrap();
        c.met = MetWhom::Nobody;
        assert!(c.validate(&ctx()).unwrap_err().has("response"));
    }

    #[test]
    fn long_texts_and_control_characters() {
        let mut c = sample();
        c.observation = "あ".repeat(limits::OBSERVATION + 1);
        c.reflection = Some(Reflection {
            difficulty: Difficulty::new(4).unwrap(),
            note: Some("つらい\u{0000}".into()),
            wants_to_talk: true,
        });
        c.next_action.as_mut().unwrap().what = String::new();
        let e = c.validate(&ctx()).unwrap_err();
        assert!(matches!(
            e.get("observation").unwrap().violation,
            Violation::TooLong { .. }
        ));
        assert_eq!(
            e.get("reflection.note").unwrap().violation,
            Violation::ControlCharacter
        );
        assert_eq!(
            e.get("next_action.what").unwrap().violation,
            Violation::Required
        );
    }

    #[test]
    fn duration_bounds() {
        let mut c = sample();
        c.duration_minutes = Some(0);
        assert!(c.validate(&ctx()).unwrap_err().has("duration_minutes"));
        c.duration_minutes = Some(ContactLog::MAX_DURATION_MINUTES + 1);
        assert!(c.validate(&ctx()).unwrap_err().has("duration_minutes"));
    }

    #[test]
    fn a_revision_cannot_revise_itself() {
        let mut c = sample();
        c.revises = Some(c.id);
        assert!(c.validate(&ctx()).unwrap_err().has("revises"));
    }

    #[test]
    fn difficulty_range() {
        assert!(Difficulty::new(0).is_none());
        assert!(Difficulty::new(6).is_none());
        assert!(Difficulty::new(4).unwrap().signals_strain());
        assert!(serde_json::from_str::<Difficulty>("9").is_err());
    }
}
