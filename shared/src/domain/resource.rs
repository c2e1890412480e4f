//! The catalogue of 地域資源 (local resources) for 参加支援: places and
//! activities a person may try — a 居場所, a trial of work, study support,
//! a サロン, 子育てひろば, 児童館, a health class, volunteering. Kept by the
//! city's coordinators and the 社協's supervisors in the console; tablets
//! read it (pulled, never pushed) to propose a trial.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::area::AreaCode;
use crate::ids::ResourceId;
use crate::validation::{Lines, ValidationErrors, Violation, check_text, limits};

/// What kind of place or activity a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// 居場所
    PlaceToBe,
    /// 就労体験・就労準備
    WorkTrial,
    /// 学習支援
    StudySupport,
    /// サロン
    Salon,
    /// 子育てひろば
    ParentingPlaza,
    /// 児童館
    ChildrensHall,
    /// 健康教室
    HealthClass,
    /// ボランティア活動
    Volunteering,
    /// その他
    Other,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::PlaceToBe,
        ResourceKind::WorkTrial,
        ResourceKind::StudySupport,
        ResourceKind::Salon,
        ResourceKind::ParentingPlaza,
        ResourceKind::ChildrensHall,
        ResourceKind::HealthClass,
        ResourceKind::Volunteering,
        ResourceKind::Other,
    ];

    /// The stable code (its serde name), for forms.
    pub fn code(&self) -> &'static str {
        match self {
            ResourceKind::PlaceToBe => "place_to_be",
            ResourceKind::WorkTrial => "work_trial",
            ResourceKind::StudySupport => "study_support",
            ResourceKind::Salon => "salon",
            ResourceKind::ParentingPlaza => "parenting_plaza",
            ResourceKind::ChildrensHall => "childrens_hall",
            ResourceKind::HealthClass => "health_class",
            ResourceKind::Volunteering => "volunteering",
            ResourceKind::Other => "other",
        }
    }

    /// The kind for a code from a form.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The longest list of 町丁 a resource names (more: leave it empty, the
/// whole city).
pub const MAX_RESOURCE_AREAS: usize = 30;

/// One 地域資源 of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LocalResource {
    pub id: ResourceId,
    /// 名称, e.g. 「まいまいず健康教室（栄町会館）」.
    pub name: String,
    pub kind: ResourceKind,
    /// The 町丁 it serves or stands in; empty for the whole city.
    pub areas: BTreeSet<AreaCode>,
    /// 対象 — who it is for, in a few words.
    pub for_whom: String,
    /// 開催日 — days and times, in words (「毎週水曜 10時〜12時」).
    pub days: String,
    /// 連絡先 — the agency or group to contact, with its telephone.
    pub contact: String,
    /// 新規受入 — whether it takes new people now.
    pub accepts_new: bool,
    /// When this version was saved (server time).
    pub updated_at: DateTime<Utc>,
}

impl LocalResource {
    /// Name, who it is for, days and contact are required one-line texts;
    /// at most [`MAX_RESOURCE_AREAS`] 町丁.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "resource.name",
            &self.name,
            limits::ALIAS * 2,
            true,
            Lines::Single,
        );
        for (field, value) in [
            ("resource.for_whom", &self.for_whom),
            ("resource.days", &self.days),
            ("resource.contact", &self.contact),
        ] {
            check_text(
                &mut e,
                field,
                value,
                limits::SHORT_TEXT,
                true,
                Lines::Single,
            );
        }
        if self.areas.len() > MAX_RESOURCE_AREAS {
            e.push(
                "resource.areas",
                Violation::OutOfRange {
                    min: 0,
                    max: MAX_RESOURCE_AREAS as i64,
                },
            );
        }
        e.finish()
    }

    /// Whether the resource serves `area` (a resource for the whole city
    /// serves every area).
    pub fn serves(&self, area: &AreaCode) -> bool {
        self.areas.is_empty() || self.areas.contains(area)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn salon() -> LocalResource {
        LocalResource {
            id: ResourceId::new_v7(1, [1; 10]),
            name: "架空ふれあいサロン".into(),
            kind: ResourceKind::Salon,
            areas: ["sakaecho-3".parse().unwrap()].into(),
            for_whom: "地域の高齢の方".into(),
            days: "毎月第2水曜 13時〜15時".into(),
            contact: "架空地区社協（042-000-0000）".into(),
            accepts_new: true,
            updated_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_resource_names_itself_whom_it_serves_when_and_whom_to_call() {
        assert!(salon().validate().is_ok());
        let mut r = salon();
        r.name = " ".into();
        r.days = String::new();
        r.contact = "a\nb".into();
        let e = r.validate().unwrap_err();
        assert!(e.has("resource.name") && e.has("resource.days") && e.has("resource.contact"));
        assert!(!e.has("resource.for_whom"));
        let mut r = salon();
        r.areas = AreaCode::all().into_iter().collect();
        assert!(r.validate().unwrap_err().has("resource.areas"));
    }

    #[test]
    fn a_citywide_resource_serves_every_area() {
        let r = salon();
        assert!(r.serves(&"sakaecho-3".parse().unwrap()));
        assert!(!r.serves(&"sakaecho-1".parse().unwrap()));
        let mut city = salon();
        city.areas.clear();
        assert!(city.serves(&"sakaecho-1".parse().unwrap()));
    }

    #[test]
    fn kinds_read_back_from_their_codes() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_code(k.code()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.code())
            );
        }
        assert_eq!(ResourceKind::from_code("nope"), None);
    }
}
