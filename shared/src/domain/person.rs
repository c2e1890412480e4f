//! A person (対象者) and their household (世帯).
//!
//! In outreach a person is often not fully identified at first: an alias
//! (呼び名, e.g. 「栄町の青い屋根のお宅の息子さん」) is enough. Everything else
//! is optional and filled in as trust grows.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::area::AreaCode;
use super::consent::ConsentRecord;
use super::fields::{CrossTag, LifeField, SchemeGap};
use super::stage::{Stage, StageNote};
use crate::ids::{HouseholdMemberId, PersonId, TeamId, UserId};
use crate::validation::{
    Lines, ValidationContext, ValidationErrors, Violation, check_opt_text, check_text, limits,
};

/// Sex as known to the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 女性
    Female,
    /// 男性
    Male,
    /// その他
    Other,
    /// 不明
    Unknown,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown];
}

/// A birth year, often only approximate (「1970年ごろ」).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BirthYear {
    pub year: i32,
    /// True when the year is a guess (ごろ).
    pub approximate: bool,
}

impl BirthYear {
    pub const MIN: i32 = 1900;

    fn check(&self, e: &mut ValidationErrors, field: &str, ctx: &ValidationContext) {
        let max = ctx.now.year();
        if self.year < Self::MIN || self.year > max {
            e.push(
                field,
                Violation::OutOfRange {
                    min: Self::MIN.into(),
                    max: max.into(),
                },
            );
        }
    }
}

/// How a household member is related to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 親
    Parent,
    /// 子
    Child,
    /// 配偶者
    Spouse,
    /// きょうだい
    Sibling,
    /// 祖父母
    Grandparent,
    /// 孫
    Grandchild,
    /// その他の親族
    OtherRelative,
    /// 親族以外の同居人
    NonRelative,
}

impl Relation {
    pub const ALL: [Relation; 8] = [
        Relation::Parent,
        Relation::Child,
        Relation::Spouse,
        Relation::Sibling,
        Relation::Grandparent,
        Relation::Grandchild,
        Relation::OtherRelative,
        Relation::NonRelative,
    ];
}

/// Someone in the person's household (世帯員).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HouseholdMember {
    pub id: HouseholdMemberId,
    pub relation: Relation,
    /// How the worker refers to them, e.g. 「母」「長男」.
    pub alias: Option<String>,
    pub birth_year: Option<BirthYear>,
    /// Whether they live in the same home.
    pub lives_together: bool,
    /// Short note, e.g. care needs.
    pub note: Option<String>,
    /// The member's own person record when they are a person of their own
    /// (with their own consent, on some team's caseload); `None` when the
    /// member is recorded only as a relationship (「母（80代）」).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonId>,
}

/// The household (世帯) around the person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Household {
    #[serde(default)]
    pub members: Vec<HouseholdMember>,
}

impl Household {
    /// The persons of their own linked into this household (each with
    /// their own consent), in member order.
    pub fn linked_persons(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.members.iter().filter_map(|m| m.person)
    }

    /// The member with this id, if any.
    pub fn member(&self, id: HouseholdMemberId) -> Option<&HouseholdMember> {
        self.members.iter().find(|m| m.id == id)
    }

    /// Adds, replaces (`Some`) or removes (`None`) one member. Members are
    /// kept in id order (UUIDv7: the order they were added), so every
    /// device that holds the same members holds the same list.
    pub fn set_member(&mut self, id: HouseholdMemberId, member: Option<HouseholdMember>) {
        self.members.retain(|m| m.id != id);
        if let Some(m) = member {
            self.members.push(m);
        }
        self.members.sort_by_key(|m| m.id);
    }

    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.members.len() > limits::HOUSEHOLD_MEMBERS {
            e.push(
                "members",
                Violation::OutOfRange {
                    min: 0,
                    max: limits::HOUSEHOLD_MEMBERS as i64,
                },
            );
        }
        let mut seen = BTreeSet::new();
        let mut linked = BTreeSet::new();
        for (i, m) in self.members.iter().enumerate() {
            let p = format!("members.{i}");
            if !seen.insert(m.id) {
                e.push(format!("{p}.id"), Violation::Duplicate);
            }
            if let Some(person) = m.person
                && !linked.insert(person)
            {
                e.push(format!("{p}.person"), Violation::Duplicate);
            }
            check_opt_text(
                &mut e,
                &format!("{p}.alias"),
                m.alias.as_deref(),
                limits::ALIAS,
                Lines::Single,
            );
            check_opt_text(
                &mut e,
                &format!("{p}.note"),
                m.note.as_deref(),
                limits::SHORT_TEXT,
                Lines::Multi,
            );
            if let Some(b) = m.birth_year {
                b.check(&mut e, &format!("{p}.birth_year"), ctx);
            }
        }
        e.finish()
    }
}

/// Who first noticed the person (気づき).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticedBy {
    /// 支援関係機関
    Agency,
    /// 民生委員・児童委員
    WelfareCommissioner,
    /// 近隣住民
    Resident,
    /// 家族・親族
    Family,
    /// 本人
    Themselves,
    /// アウトリーチ
    Outreach,
}

impl NoticedBy {
    pub const ALL: [NoticedBy; 6] = [
        NoticedBy::Agency,
        NoticedBy::WelfareCommissioner,
        NoticedBy::Resident,
        NoticedBy::Family,
        NoticedBy::Themselves,
        NoticedBy::Outreach,
    ];
}

/// A person (対象者) on an outreach caseload: the full current record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Person {
    pub id: PersonId,
    /// 呼び名 — how the team refers to the person. Required.
    pub alias: String,
    /// ふりがな (hiragana or katakana), once known.
    pub kana: Option<String>,
    pub birth_year: Option<BirthYear>,
    pub sex: Option<Sex>,
    /// 町丁, chosen from the list.
    pub area: Option<AreaCode>,
    pub noticed_by: Option<NoticedBy>,
    /// 概要 — the situation in a few lines.
    pub summary: Option<String>,
    #[serde(default)]
    pub household: Household,
    #[serde(default)]
    pub fields: BTreeSet<LifeField>,
    #[serde(default)]
    pub tags: BTreeSet<CrossTag>,
    /// Required when `tags` has 制度の狭間.
    pub scheme_gap: Option<SchemeGap>,
    pub stage: Stage,
    /// Why the person was closed or handed on, and to whom (set with the
    /// stage; absent on records made before protocol 2.0).
    #[serde(default)]
    pub stage_note: Option<StageNote>,
    #[serde(default)]
    pub consent: ConsentRecord,
    /// The team whose caseload this is.
    pub team: TeamId,
    /// The worker in charge (担当), if assigned.
    pub assigned_worker: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

impl Person {
    /// Validates every field of the record.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "alias",
            &self.alias,
            limits::ALIAS,
            true,
            Lines::Single,
        );
        check_opt_text(
            &mut e,
            "kana",
            self.kana.as_deref(),
            limits::KANA,
            Lines::Single,
        );
        if let Some(k) = &self.kana
            && !k.trim().is_empty()
            && !is_kana(k)
        {
            e.push("kana", Violation::Unknown);
        }
        check_opt_text(
            &mut e,
            "summary",
            self.summary.as_deref(),
            limits::REASON,
            Lines::Multi,
        );
        if let Some(b) = self.birth_year {
            b.check(&mut e, "birth_year", ctx);
        }
        e.nest("household", self.household.validate(ctx));
        for (i, m) in self.household.members.iter().enumerate() {
            if m.person == Some(self.id) {
                e.push(
                    format!("household.members.{i}.person"),
                    Violation::Contradicts { other: "id".into() },
                );
            }
        }
        match (self.tags.contains(&CrossTag::SchemeGap), &self.scheme_gap) {
            (true, None) => e.push("scheme_gap", Violation::Required),
            (false, Some(_)) => e.push(
                "scheme_gap",
                Violation::Contradicts {
                    other: "tags".into(),
                },
            ),
            (true, Some(g)) => e.nest("scheme_gap", g.validate()),
            (false, None) => {}
        }
        if let Some(note) = &self.stage_note
            && let Err(x) = StageNote::check(Some(note), self.stage, "stage_note")
        {
            e.0.extend(x.0);
        }
        e.nest("consent", self.consent.validate(ctx));
        if self.created_at > ctx.latest_allowed() {
            e.push("created_at", Violation::InFuture);
        }
        e.finish()
    }

    /// Whether the alias or kana matches a search text (case-, width- and
    /// kana-insensitive: ひらがな matches カタカナ and half-width ｶﾀｶﾅ).
    pub fn matches_search(&self, query: &str) -> bool {
        let q = fold_kana(query.trim());
        if q.is_empty() {
            return true;
        }
        fold_kana(&self.alias).contains(&q)
            || self
                .kana
                .as_deref()
                .is_some_and(|k| fold_kana(k).contains(&q))
    }
}

/// Whether the text is kana (hiragana, katakana, long vowel mark, spaces).
pub fn is_kana(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '　' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ')
    })
}

/// Folds text for search: every width variant to its usual form (NFKC:
/// half-width katakana to full-width, full-width ASCII to ASCII), katakana
/// to hiragana, lower case, no spaces.
pub fn fold_kana(text: &str) -> String {
    crate::ja::nfkc(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    /// [`sample`] with the id `id`.
    pub(crate) fn person_at(id: PersonId) -> Person {
        Person { id, ..sample() }
    }

    pub(crate) fn sample() -> Person {
        Person {
            id: PersonId::new_v7(1_780_000_000_000, [1; 10]),
            alias: "架空 一郎".into(),
            kana: Some("カクウ イチロウ".into()),
            birth_year: Some(BirthYear {
                year: 1975,
                approximate: true,
            }),
            sex: Some(Sex::Male),
            area: "sakaecho-2".parse().ok(),
            noticed_by: Some(NoticedBy::WelfareCommissioner),
            summary: None,
            household: Household::default(),
            fields: [LifeField::Elderly].into(),
            tags: [CrossTag::EightyFifty, CrossTag::Hikikomori].into(),
            scheme_gap: None,
            stage: Stage::Identified,
            stage_note: None,
            consent: ConsentRecord::none(),
            team: TeamId::new_v7(1, [2; 10]),
            assigned_worker: None,
            created_at: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_linked_member_is_another_person_listed_once() {
        let mut p = sample();
        let m = |n: u8, person| HouseholdMember {
            id: HouseholdMemberId::new_v7(5, [n; 10]),
            relation: Relation::Parent,
            alias: Some("母".into()),
            birth_year: None,
            lives_together: true,
            note: None,
            person,
        };
        let mother = PersonId::new_v7(9, [9; 10]);
        p.household.members = vec![m(1, Some(mother)), m(2, None)];
        assert!(p.validate(&ctx()).is_ok());
        assert_eq!(p.household.linked_persons().collect::<Vec<_>>(), [mother]);
        p.household.members = vec![m(1, Some(mother)), m(2, Some(mother)), m(3, Some(p.id))];
        let e = p.validate(&ctx()).unwrap_err();
        assert_eq!(
            e.get("household.members.1.person").unwrap().violation,
            Violation::Duplicate
        );
        assert!(matches!(
            e.get("household.members.2.person").unwrap().violation,
            Violation::Contradicts { .. }
        ));
    }

    fn ctx() -> ValidationContext {
        ValidationContext::at(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn a_valid_person() {
        sample().validate(&ctx()).unwrap();
    }

    #[test]
    fn empty_alias_is_refused() {
        let mut p = sample();
        p.alias = "   ".into();
        let e = p.validate(&ctx()).unwrap_err();
        assert_eq!(e.get("alias").unwrap().violation, Violation::Required);
    }

    #[test]
    fn kana_must_be_kana() {
        let mut p = sample();
        p.kana = Some("kakuu".into());
        assert!(p.validate(&ctx()).unwrap_err().has("kana"));
    }

    #[test]
    fn birth_year_range() {
        let mut p = sample();
        p.birth_year = Some(BirthYear {
            year: 2030,
            approximate: false,
        });
        assert!(p.validate(&ctx()).unwrap_err().has("birth_year"));
    }

    #[test]
    fn scheme_gap_needs_its_note() {
        let mut p = sample();
        p.tags.insert(CrossTag::SchemeGap);
        assert!(p.validate(&ctx()).unwrap_err().has("scheme_gap"));
        p.scheme_gap = Some(SchemeGap {
            schemes_not_fitting: BTreeSet::new(),
            why: String::new(),
        });
        let e = p.validate(&ctx()).unwrap_err();
        assert!(e.has("scheme_gap.schemes_not_fitting") && e.has("scheme_gap.why"));
    }

    #[test]
    fn household_member_checks() {
        let mut p = sample();
        let id = HouseholdMemberId::new_v7(5, [5; 10]);
        let m = HouseholdMember {
            id,
            relation: Relation::Parent,
            alias: Some("母".into()),
            birth_year: Some(BirthYear {
                year: 1890,
                approximate: true,
            }),
            lives_together: true,
            note: Some("x".repeat(201)),
            person: None,
        };
        p.household.members = vec![m.clone(), m];
        let e = p.validate(&ctx()).unwrap_err();
        assert!(e.has("household.members.1.id"));
        assert!(e.has("household.members.0.birth_year"));
        assert!(e.has("household.members.0.note"));
    }

    #[test]
    fn search_folds_kana() {
        let p = sample();
        assert!(p.matches_search("かくう"));
        assert!(p.matches_search("イチロウ"));
        assert!(p.matches_search("架空"));
        assert!(!p.matches_search("やまだ"));
        // Half-width katakana and full-width letters, as some keyboards type them.
        assert!(p.matches_search("ｶｸｳ"));
        assert!(p.matches_search("ｲﾁﾛｳ"));
        let mut q = sample();
        q.alias = "Ａさん".into();
        assert!(q.matches_search("aさん"));
    }
}
