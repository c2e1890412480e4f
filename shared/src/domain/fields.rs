//! Fields of life (分野) and cross-cutting tags, including 制度の狭間 with the
//! schemes that did not fit and why.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::validation::{Lines, ValidationErrors, Violation, check_text, limits};

/// A field of life served by one of the single-purpose schemes (分野).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LifeField {
    /// 高齢
    Elderly,
    /// 障害
    Disability,
    /// 子ども・子育て
    ChildrenParenting,
    /// 生活困窮
    Poverty,
}

impl LifeField {
    pub const ALL: [LifeField; 4] = [
        LifeField::Elderly,
        LifeField::Disability,
        LifeField::ChildrenParenting,
        LifeField::Poverty,
    ];
}

/// A cross-cutting situation that no single field covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CrossTag {
    /// ひきこもり
    Hikikomori,
    /// 8050問題
    #[serde(rename = "8050")]
    EightyFifty,
    /// ダブルケア
    DoubleCare,
    /// ヤングケアラー
    YoungCarer,
    /// 制度の狭間 — requires a [`SchemeGap`] note.
    SchemeGap,
    /// 孤独・孤立 (protocol 2.0)
    Isolation,
}

impl CrossTag {
    pub const ALL: [CrossTag; 6] = [
        CrossTag::Hikikomori,
        CrossTag::EightyFifty,
        CrossTag::DoubleCare,
        CrossTag::YoungCarer,
        CrossTag::Isolation,
        CrossTag::SchemeGap,
    ];
}

/// A scheme (制度) that was considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// 介護保険
    LongTermCareInsurance,
    /// 障害福祉サービス
    DisabilityServices,
    /// 児童福祉・子育て支援
    ChildWelfare,
    /// 生活保護
    PublicAssistance,
    /// 生活困窮者自立支援
    SelfRelianceSupport,
    /// 医療・精神保健
    HealthCare,
    /// その他
    Other,
}

impl Scheme {
    pub const ALL: [Scheme; 7] = [
        Scheme::LongTermCareInsurance,
        Scheme::DisabilityServices,
        Scheme::ChildWelfare,
        Scheme::PublicAssistance,
        Scheme::SelfRelianceSupport,
        Scheme::HealthCare,
        Scheme::Other,
    ];
}

/// 制度の狭間: which schemes did not fit, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SchemeGap {
    pub schemes_not_fitting: BTreeSet<Scheme>,
    pub why: String,
}

impl SchemeGap {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.schemes_not_fitting.is_empty() {
            e.push("schemes_not_fitting", Violation::Required);
        }
        check_text(&mut e, "why", &self.why, limits::REASON, true, Lines::Multi);
        e.finish()
    }
}
