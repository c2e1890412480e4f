//! 地域づくり and outreach's network work (issue 18): a community activity
//! not tied to one person — a 民生委員 meeting attended, a サロン visit, a
//! talk at a 自治会, a patrol of an area, a meeting with an agency — with
//! its 町丁, when, who took part (roles and counts, never names of
//! residents), what was learned and the follow-ups.
//!
//! A follow-up can be a "possible person to find": the tablet creates a
//! person at 把握 through the ordinary person-creation path (alias only,
//! e.g. 「栄町3丁目 高齢男性」) and lists the person's id in
//! [`CommunityActivity::persons_to_find`]: the link back from the person
//! to the activity that found them.
//!
//! Activities are append-only, like contact logs. Access is a team's:
//! `access::Resource::CommunityActivity` (the team's workers and
//! supervisors, the coordinators read; never an agency member).
//!
//! Free text is kept short and must not name residents: [`looks_like_name`]
//! refuses text with an honorific after a word that is not a role
//! (「山田さん」, 「田中様」), so the place for people is roles and counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::area::AreaCode;
use crate::ids::{CommunityActivityId, PersonId, TeamId, UserId};
use crate::validation::{
    Lines, ValidationContext, ValidationErrors, Violation, check_text, limits,
};

/// What kind of community activity it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 民生委員の会議・定例会に出席
    WelfareCommissionerMeeting,
    /// サロン訪問
    SalonVisit,
    /// 自治会での説明
    NeighbourhoodTalk,
    /// 地域の巡回
    Patrol,
    /// 関係機関との打合せ
    AgencyMeeting,
    /// その他
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::WelfareCommissionerMeeting,
        ActivityKind::SalonVisit,
        ActivityKind::NeighbourhoodTalk,
        ActivityKind::Patrol,
        ActivityKind::AgencyMeeting,
        ActivityKind::Other,
    ];

    /// The stable code (its serde name), for forms and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            ActivityKind::WelfareCommissionerMeeting => "welfare_commissioner_meeting",
            ActivityKind::SalonVisit => "salon_visit",
            ActivityKind::NeighbourhoodTalk => "neighbourhood_talk",
            ActivityKind::Patrol => "patrol",
            ActivityKind::AgencyMeeting => "agency_meeting",
            ActivityKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Who took part, by role (never by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// 民生委員・児童委員
    WelfareCommissioner,
    /// 自治会役員
    NeighbourhoodAssociation,
    /// 地域住民
    Resident,
    /// 関係機関の職員
    AgencyStaff,
    /// 地域包括支援センター
    CommunityCareCentre,
    /// ボランティア
    Volunteer,
    /// 社協の職員
    CouncilStaff,
    /// その他
    Other,
}

impl ParticipantRole {
    pub const ALL: [ParticipantRole; 8] = [
        ParticipantRole::WelfareCommissioner,
        ParticipantRole::NeighbourhoodAssociation,
        ParticipantRole::Resident,
        ParticipantRole::AgencyStaff,
        ParticipantRole::CommunityCareCentre,
        ParticipantRole::Volunteer,
        ParticipantRole::CouncilStaff,
        ParticipantRole::Other,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ParticipantRole::WelfareCommissioner => "welfare_commissioner",
            ParticipantRole::NeighbourhoodAssociation => "neighbourhood_association",
            ParticipantRole::Resident => "resident",
            ParticipantRole::AgencyStaff => "agency_staff",
            ParticipantRole::CommunityCareCentre => "community_care_centre",
            ParticipantRole::Volunteer => "volunteer",
            ParticipantRole::CouncilStaff => "council_staff",
            ParticipantRole::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// How many people of one role took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Participants {
    pub role: ParticipantRole,
    pub count: u16,
}

/// Largest count of one role (a large 自治会 meeting).
pub const MAX_COUNT: u16 = 500;
/// Largest number of persons to find from one activity.
pub const MAX_PERSONS_TO_FIND: usize = 10;

/// One community activity (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CommunityActivity {
    pub id: CommunityActivityId,
    /// The team whose network work this is.
    pub team: TeamId,
    pub author: UserId,
    pub kind: ActivityKind,
    /// The 町丁 where it took place (or which it concerned).
    pub area: AreaCode,
    /// When it took place (UTC).
    pub held_at: DateTime<Utc>,
    /// Who took part, by role and count; one line per role.
    pub participants: Vec<Participants>,
    /// What was learned, in a few lines. No names of residents.
    pub learned: String,
    /// Follow-ups (next steps), in a few lines. No names of residents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<String>,
    /// Persons to find that this activity brought up: each was created at
    /// 把握 with an alias only, by the ordinary person-creation path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persons_to_find: Vec<PersonId>,
    pub recorded_at: DateTime<Utc>,
}

impl CommunityActivity {
    /// Checks the record on its own: held and recorded not in the future,
    /// at least one role with a count of 1 to [`MAX_COUNT`], each role once,
    /// what was learned given, short texts that name no resident, at most
    /// [`MAX_PERSONS_TO_FIND`] persons, each once. That each person to find
    /// exists on the team's caseload is checked by the server.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.held_at > ctx.latest_allowed() {
            e.push("community.held_at", Violation::InFuture);
        }
        if self.recorded_at > ctx.latest_allowed() {
            e.push("community.recorded_at", Violation::InFuture);
        }
        if self.participants.is_empty() {
            e.push("community.participants", Violation::Required);
        }
        let mut roles = BTreeSet::new();
        for (i, p) in self.participants.iter().enumerate() {
            if !roles.insert(p.role) {
                e.push(
                    format!("community.participants.{i}.role"),
                    Violation::Duplicate,
                );
            }
            if p.count == 0 || p.count > MAX_COUNT {
                e.push(
                    format!("community.participants.{i}.count"),
                    Violation::OutOfRange {
                        min: 1,
                        max: MAX_COUNT.into(),
                    },
                );
            }
        }
        check_no_names(&mut e, "community.learned", &self.learned, true);
        if let Some(f) = &self.follow_up {
            check_no_names(&mut e, "community.follow_up", f, true);
        }
        if self.persons_to_find.len() > MAX_PERSONS_TO_FIND {
            e.push(
                "community.persons_to_find",
                Violation::OutOfRange {
                    min: 0,
                    max: MAX_PERSONS_TO_FIND as i64,
                },
            );
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.persons_to_find.iter().enumerate() {
            if !seen.insert(*p) {
                e.push(
                    format!("community.persons_to_find.{i}"),
                    Violation::Duplicate,
                );
            }
        }
        e.finish()
    }

    /// The total number of people who took part.
    pub fn head_count(&self) -> u32 {
        self.participants.iter().map(|p| u32::from(p.count)).sum()
    }
}

/// Checks a short text of a community activity: required, at most
/// [`limits::SHORT_TEXT`] characters, and no resident's name
/// ([`looks_like_name`]).
pub fn check_no_names(e: &mut ValidationErrors, field: &str, text: &str, required: bool) {
    let before = e.0.len();
    check_text(e, field, text, limits::SHORT_TEXT, required, Lines::Multi);
    if e.0.len() == before && looks_like_name(text) {
        e.push(field, Violation::LooksLikeName);
    }
}

/// Words that may carry an honorific without naming a resident (roles and
/// titles: 「民生委員さん」「会長さん」「包括の職員さん」).
const ROLE_WORDS: &[&str] = &[
    "民生委員",
    "児童委員",
    "委員",
    "会長",
    "副会長",
    "役員",
    "班長",
    "職員",
    "先生",
    "店主",
    "店員",
    "大家",
    "管理人",
    "住民",
    "近所",
    "ご近所",
    "家族",
    "お隣",
    "隣",
    "皆",
    "みな",
    "みんな",
    "方々",
    "お客",
    "包括",
    "ケアマネ",
    "ヘルパー",
    "看護師",
    "保健師",
    "お巡り",
    "参加者",
    "利用者",
    "高齢者",
    "お年寄り",
    // Words ending in 様 that are not honorifics (同様, 多様, 模様).
    "同",
    "多",
    "模",
    "異",
    "各",
];

/// Honorifics that follow a person's name.
const HONORIFICS: &[&str] = &["さん", "様", "さま", "氏", "くん", "君", "ちゃん", "殿"];

/// Whether a text seems to name a person: an honorific (さん, 様, 氏, くん,
/// ちゃん…) right after a word that is not a role or title. A heuristic
/// on purpose strict: 「山田さん」 and 「花子ちゃん」 are refused,
/// 「民生委員さん」 and 「会長さん」 pass.
pub fn looks_like_name(text: &str) -> bool {
    let text = crate::ja::nfkc(text);
    for h in HONORIFICS {
        let mut from = 0;
        while let Some(pos) = text[from..].find(h) {
            let at = from + pos;
            from = at + h.len();
            let before = text[..at].trim_end();
            // A kanji honorific inside a word is not one (様子, 氏名, 君津).
            let next = text[from..].chars().next();
            if h.chars().all(|c| !c.is_ascii() && c > '\u{4E00}') && next.is_some_and(is_name_char)
            {
                continue;
            }
            // The word before the honorific: back to a break (space,
            // punctuation, particle-like hiragana after kanji/katakana).
            let word: String = before
                .chars()
                .rev()
                .take_while(|c| is_name_char(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if word.is_empty() {
                continue;
            }
            if ROLE_WORDS.iter().any(|r| word.ends_with(r)) {
                continue;
            }
            return true;
        }
    }
    false
}

/// Characters a name is written in: kanji, katakana and Latin letters
/// (hiragana ends a word, as particles do, except in a given name before
/// ちゃん, which [`looks_like_name`] catches through the kanji or katakana
/// around it or not at all).
fn is_name_char(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々'
        | '\u{30A1}'..='\u{30FA}' | 'ー'
        | 'A'..='Z' | 'a'..='z')
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn sample() -> CommunityActivity {
        CommunityActivity {
            id: CommunityActivityId::new_v7(1_780_000_000_000, [3; 10]),
            team: TeamId::new_v7(1, [2; 10]),
            author: UserId::new_v7(1, [4; 10]),
            kind: ActivityKind::WelfareCommissionerMeeting,
            area: "sakaecho-3".parse().unwrap(),
            held_at: Utc.with_ymd_and_hms(2026, 5, 12, 1, 0, 0).unwrap(),
            participants: vec![
                Participants {
                    role: ParticipantRole::WelfareCommissioner,
                    count: 8,
                },
                Participants {
                    role: ParticipantRole::CommunityCareCentre,
                    count: 1,
                },
            ],
            learned: "3丁目の集合住宅で、最近姿を見ない高齢の男性がいるとの話があった。".into(),
            follow_up: Some("民生委員さんと一緒に様子を見に行く。".into()),
            persons_to_find: vec![PersonId::new_v7(1_780_000_000_000, [5; 10])],
            recorded_at: Utc.with_ymd_and_hms(2026, 5, 12, 4, 0, 0).unwrap(),
        }
    }

    fn ctx() -> ValidationContext {
        ValidationContext::at(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn a_valid_activity() {
        sample().validate(&ctx()).unwrap();
        assert_eq!(sample().head_count(), 9);
    }

    #[test]
    fn roles_and_counts_are_checked() {
        let mut a = sample();
        a.participants.clear();
        assert!(
            a.validate(&ctx())
                .unwrap_err()
                .has("community.participants")
        );
        let mut a = sample();
        a.participants[1].role = ParticipantRole::WelfareCommissioner;
        a.participants[0].count = 0;
        let e = a.validate(&ctx()).unwrap_err();
        assert!(e.has("community.participants.1.role"));
        assert!(e.has("community.participants.0.count"));
    }

    #[test]
    fn learned_is_required_and_names_are_refused() {
        let mut a = sample();
        a.learned = " ".into();
        assert_eq!(
            a.validate(&ctx())
                .unwrap_err()
                .get("community.learned")
                .unwrap()
                .violation,
            Violation::Required
        );
        let mut a = sample();
        a.learned = "サロンで山田さんが最近来ないと聞いた".into();
        a.follow_up = Some("タナカ様に電話".into());
        let e = a.validate(&ctx()).unwrap_err();
        assert_eq!(
            e.get("community.learned").unwrap().violation,
            Violation::LooksLikeName
        );
        assert!(e.has("community.follow_up"));
        assert!(
            e.get("community.learned")
                .unwrap()
                .message_ja()
                .contains("名前")
        );
    }

    #[test]
    fn roles_with_honorifics_are_not_names() {
        for ok in [
            "民生委員さんから話を聞いた",
            "自治会の会長さんと包括の職員さんが参加",
            "さんぽ道の見守り",
            "皆さんの関心が高い",
            "ご近所さんの声",
        ] {
            assert!(!looks_like_name(ok), "{ok}");
        }
        for name in [
            "山田さん",
            "佐藤 様",
            "スズキくん",
            "花子ちゃん",
            "田中氏の話",
        ] {
            assert!(looks_like_name(name), "{name}");
        }
        for ok in ["様子を見に行く", "同様の相談", "氏名は聞いていない"] {
            assert!(!looks_like_name(ok), "{ok}");
        }
    }

    #[test]
    fn persons_to_find_are_bounded_and_distinct() {
        let mut a = sample();
        a.persons_to_find.push(a.persons_to_find[0]);
        assert!(
            a.validate(&ctx())
                .unwrap_err()
                .has("community.persons_to_find.1")
        );
        a.persons_to_find = (0..11u8).map(|i| PersonId::new_v7(1, [i; 10])).collect();
        assert!(
            a.validate(&ctx())
                .unwrap_err()
                .has("community.persons_to_find")
        );
    }

    #[test]
    fn not_in_the_future() {
        let mut a = sample();
        a.held_at = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        assert!(a.validate(&ctx()).unwrap_err().has("community.held_at"));
    }

    #[test]
    fn codes_round_trip() {
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::from_code(k.code()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
        for r in ParticipantRole::ALL {
            assert_eq!(ParticipantRole::from_code(r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
    }
}
