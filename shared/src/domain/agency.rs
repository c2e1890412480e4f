//! The support agencies (支援関係機関) named in Hamura's plan, as data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::fields::LifeField;

/// A stable agency identifier, e.g. `houkatsu-asahi`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct AgencyId(pub String);

impl AgencyId {
    pub fn new(id: &str) -> Self {
        Self(id.to_owned())
    }
    /// The agency this id names, if it is one of the plan's.
    pub fn agency(&self) -> Option<&'static Agency> {
        AGENCIES.iter().find(|a| a.id == self.0)
    }
}

/// How the city runs the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// 直営 — run by the city itself.
    Direct,
    /// 委託 — commissioned.
    Commissioned,
}

/// A support agency of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agency {
    pub id: &'static str,
    pub name: &'static str,
    /// The field of life it serves; `None` for cross-cutting ones.
    pub field: Option<LifeField>,
    pub kind: AgencyKind,
    /// The city department in charge (所管課).
    pub department: &'static str,
    /// Addresses with the date from which each applies, oldest first.
    pub addresses: &'static [(&'static str, &'static str)],
}

impl Agency {
    /// The address in force on `date`.
    pub fn address_on(&self, date: NaiveDate) -> &'static str {
        let mut current = self.addresses.first().map(|a| a.1).unwrap_or("");
        for (from, addr) in self.addresses {
            let from = NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
            if from <= date {
                current = addr;
            }
        }
        current
    }
}

const SINCE_ALWAYS: &str = "2000-01-01";

/// The agencies of the plan (第3章), from `../shared/seed`.
pub const AGENCIES: &[Agency] = &[
    Agency {
        id: "houkatsu-asahi",
        name: "地域包括支援センターあさひ",
        field: Some(LifeField::Elderly),
        kind: AgencyKind::Commissioned,
        department: "高齢福祉介護課",
        addresses: &[(SINCE_ALWAYS, "羽村市富士見平1-3-1")],
    },
    Agency {
        id: "houkatsu-akashia",
        name: "地域包括支援センターあかしあ",
        field: Some(LifeField::Elderly),
        kind: AgencyKind::Commissioned,
        department: "高齢福祉介護課",
        addresses: &[(SINCE_ALWAYS, "羽村市玉川2-6-6")],
    },
    Agency {
        id: "houkatsu-ayumi",
        name: "地域包括支援センターあゆみ",
        field: Some(LifeField::Elderly),
        kind: AgencyKind::Commissioned,
        department: "高齢福祉介護課",
        addresses: &[
            (SINCE_ALWAYS, "羽村市羽加美1-9-2"),
            ("2026-07-01", "羽村市小作台3-8-4"),
        ],
    },
    Agency {
        id: "kikan-soudan",
        name: "基幹相談支援センター",
        field: Some(LifeField::Disability),
        kind: AgencyKind::Direct,
        department: "障害福祉課",
        addresses: &[(SINCE_ALWAYS, "羽村市緑ヶ丘5-2-1（羽村市役所内）")],
    },
    Agency {
        id: "kodomo-katei",
        name: "こども家庭センター",
        field: Some(LifeField::ChildrenParenting),
        kind: AgencyKind::Direct,
        department: "こども家庭センター",
        addresses: &[(SINCE_ALWAYS, "羽村市緑ヶ丘5-5-2（保健センター内）")],
    },
    Agency {
        id: "seikatsu-jiritsu",
        name: "生活自立相談窓口",
        field: Some(LifeField::Poverty),
        kind: AgencyKind::Direct,
        department: "社会福祉課",
        addresses: &[(SINCE_ALWAYS, "羽村市緑ヶ丘5-2-1（羽村市役所内）")],
    },
    Agency {
        id: "shakyo",
        name: "羽村市社会福祉協議会",
        field: None,
        kind: AgencyKind::Commissioned,
        department: "社会福祉課",
        addresses: &[(SINCE_ALWAYS, "羽村市栄町2-18-1（福祉センター内）")],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ayumi_moves_on_1_july_2026() {
        let ayumi = AgencyId::new("houkatsu-ayumi").agency().unwrap();
        let before = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert_eq!(ayumi.address_on(before), "羽村市羽加美1-9-2");
        assert_eq!(ayumi.address_on(after), "羽村市小作台3-8-4");
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = AGENCIES.iter().map(|a| a.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), AGENCIES.len());
        assert!(AgencyId::new("nowhere").agency().is_none());
    }
}
