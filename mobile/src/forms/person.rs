//! The person form (対象者): registering someone noticed (気づき), and
//! editing the profile later. Only the alias is required.

use std::collections::BTreeSet;

use super::{FormErrors, non_blank};
use crate::app::text as t;
use crate::model::NewPerson;
use crate::shared::protocol::PersonField;
use crate::shared::*;

/// A person's profile as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonInput {
    pub alias: String,
    /// ふりがな in any width (half-width katakana is stored full-width).
    pub kana: String,
    /// 「1975」「昭和50」「S50ごろ」; empty for unknown.
    pub birth_year: String,
    /// The birth year is a guess (ごろ).
    pub approximate: bool,
    pub sex: Option<Sex>,
    /// A 町丁 code (`sakaecho-2`) or its name (「栄町2丁目」); empty for none.
    pub area: String,
    pub noticed_by: Option<NoticedBy>,
    pub summary: String,
    pub fields: BTreeSet<LifeField>,
    pub tags: BTreeSet<CrossTag>,
    /// 制度の狭間: the schemes that did not fit, and why (kept only when
    /// the tag is set).
    pub gap_schemes: BTreeSet<Scheme>,
    pub gap_why: String,
}

/// The typed profile a [`PersonInput`] reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonProfile {
    pub alias: String,
    pub kana: Option<String>,
    pub birth_year: Option<BirthYear>,
    pub sex: Option<Sex>,
    pub area: Option<AreaCode>,
    pub noticed_by: Option<NoticedBy>,
    pub summary: Option<String>,
    pub fields: BTreeSet<LifeField>,
    pub tags: BTreeSet<CrossTag>,
    pub scheme_gap: Option<SchemeGap>,
}

impl PersonInput {
    /// The input of a person's current profile (to edit it).
    pub fn from_person(p: &Person) -> PersonInput {
        PersonInput {
            alias: p.alias.clone(),
            kana: p.kana.clone().unwrap_or_default(),
            birth_year: p.birth_year.map(|b| b.year.to_string()).unwrap_or_default(),
            approximate: p.birth_year.is_some_and(|b| b.approximate),
            sex: p.sex,
            area: p.area.as_ref().map(|a| a.to_string()).unwrap_or_default(),
            noticed_by: p.noticed_by,
            summary: p.summary.clone().unwrap_or_default(),
            fields: p.fields.clone(),
            tags: p.tags.clone(),
            gap_schemes: p
                .scheme_gap
                .as_ref()
                .map(|g| g.schemes_not_fitting.clone())
                .unwrap_or_default(),
            gap_why: p
                .scheme_gap
                .as_ref()
                .map(|g| g.why.clone())
                .unwrap_or_default(),
        }
    }

    /// The birth year as typed, in words beside the field (the other
    /// calendar), or why it does not read.
    pub fn birth_year_hint(&self) -> Option<Result<String, String>> {
        year_hint(&self.birth_year, self.approximate)
    }

    /// Reads the profile; every problem at once.
    pub fn parse(&self) -> Result<PersonProfile, FormErrors> {
        let mut errors = FormErrors::new();
        let birth_year = if self.birth_year.trim().is_empty() {
            None
        } else {
            match ja::parse_birth_year(&self.birth_year) {
                Ok(b) => Some(BirthYear {
                    year: b.year,
                    approximate: b.approximate || self.approximate,
                }),
                Err(e) => {
                    errors.push(("birth_year".into(), e.message_ja()));
                    None
                }
            }
        };
        let area = match self.area.trim() {
            "" => None,
            text => match read_area(text) {
                Some(a) => Some(a),
                None => {
                    errors.push(("area".into(), t::ERR_AREA.into()));
                    None
                }
            },
        };
        let scheme_gap = self.tags.contains(&CrossTag::SchemeGap).then(|| SchemeGap {
            schemes_not_fitting: self.gap_schemes.clone(),
            why: self.gap_why.trim().to_owned(),
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PersonProfile {
            alias: self.alias.trim().to_owned(),
            kana: non_blank(&ja::normalize_kana(&self.kana)),
            birth_year,
            sex: self.sex,
            area,
            noticed_by: self.noticed_by,
            summary: non_blank(self.summary.trim_end()),
            fields: self.fields.clone(),
            tags: self.tags.clone(),
            scheme_gap,
        })
    }
}

/// A birth year as typed, in words (both calendars), or why it does not
/// read; `None` when empty.
pub(super) fn year_hint(text: &str, approximate: bool) -> Option<Result<String, String>> {
    if text.trim().is_empty() {
        return None;
    }
    Some(
        ja::parse_birth_year(text)
            .map(|b| {
                ja::birth_year(BirthYear {
                    approximate: b.approximate || approximate,
                    ..b
                })
            })
            .map_err(|e| e.message_ja()),
    )
}

/// A 町丁 from its code or its Japanese name.
fn read_area(text: &str) -> Option<AreaCode> {
    let text = ja::nfkc(text);
    let text = text.trim();
    text.parse::<AreaCode>()
        .ok()
        .or_else(|| AreaCode::all().into_iter().find(|a| a.name_ja() == text))
}

impl PersonProfile {
    /// A new person with this profile (the store adds the rest).
    pub fn new_person(self) -> NewPerson {
        NewPerson {
            alias: self.alias,
            kana: self.kana,
            birth_year: self.birth_year,
            sex: self.sex,
            area: self.area,
            noticed_by: self.noticed_by,
            summary: self.summary,
            household: Household::default(),
            fields: self.fields,
            tags: self.tags,
            scheme_gap: self.scheme_gap,
            assigned_worker: None,
        }
    }

    /// Every profile field as a change (the store leaves out the ones that
    /// did not change).
    pub fn changes(self) -> Vec<PersonField> {
        vec![
            PersonField::Alias(self.alias),
            PersonField::Kana(self.kana),
            PersonField::BirthYear(self.birth_year),
            PersonField::Sex(self.sex),
            PersonField::Area(self.area),
            PersonField::NoticedBy(self.noticed_by),
            PersonField::Summary(self.summary),
            PersonField::Fields {
                fields: self.fields,
                tags: self.tags,
                scheme_gap: self.scheme_gap,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_person_from_what_a_worker_types() {
        let f = PersonInput {
            alias: " 架空 一郎 ".into(),
            kana: "ｶｸｳ ｲﾁﾛｳ".into(),
            birth_year: "昭和50".into(),
            approximate: true,
            area: "栄町2丁目".into(),
            noticed_by: Some(NoticedBy::WelfareCommissioner),
            tags: [CrossTag::Isolation].into(),
            gap_schemes: [Scheme::Other].into(),
            ..PersonInput::default()
        };
        let p = f.parse().unwrap().new_person();
        assert_eq!(p.alias, "架空 一郎");
        assert_eq!(p.kana.as_deref(), Some("カクウ イチロウ"));
        assert_eq!(
            p.birth_year,
            Some(BirthYear {
                year: 1975,
                approximate: true
            })
        );
        assert_eq!(p.area.unwrap().to_string(), "sakaecho-2");
        assert!(p.scheme_gap.is_none(), "the note only with its tag");
        assert_eq!(
            f.birth_year_hint(),
            Some(Ok("1975年ごろ（昭和50年）".to_owned()))
        );
    }

    #[test]
    fn unreadable_year_and_unknown_area() {
        let f = PersonInput {
            alias: "架空 二郎".into(),
            birth_year: "むかし".into(),
            area: "どこか".into(),
            ..PersonInput::default()
        };
        let e = f.parse().unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["birth_year", "area"]);
        assert!(f.birth_year_hint().unwrap().is_err());
    }

    #[test]
    fn a_profile_reads_back_unchanged() {
        let f = PersonInput {
            alias: "架空 三郎".into(),
            kana: "かくう さぶろう".into(),
            birth_year: "1960".into(),
            sex: Some(Sex::Male),
            area: "sakaecho-2".into(),
            summary: "母と二人暮らし".into(),
            tags: [CrossTag::SchemeGap].into(),
            gap_schemes: [Scheme::DisabilityServices].into(),
            gap_why: "診断がない".into(),
            ..PersonInput::default()
        };
        let new = f.parse().unwrap().new_person();
        let p = Person {
            id: PersonId::new_v7(1, [1; 10]),
            alias: new.alias,
            kana: new.kana,
            birth_year: new.birth_year,
            sex: new.sex,
            area: new.area,
            noticed_by: new.noticed_by,
            summary: new.summary,
            household: Household::default(),
            fields: new.fields,
            tags: new.tags,
            scheme_gap: new.scheme_gap,
            stage: Stage::Identified,
            stage_note: None,
            consent: ConsentRecord::none(),
            team: TeamId::new_v7(1, [2; 10]),
            assigned_worker: None,
            created_at: chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
        };
        assert_eq!(PersonInput::from_person(&p), f);
        for c in PersonInput::from_person(&p).parse().unwrap().changes() {
            assert_eq!(c.read(&p), c, "{}", c.name());
        }
    }
}
