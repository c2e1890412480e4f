//! The person's consent (本人同意) to share information: its status, scope,
//! date and who recorded it. Consent decides the route of a case in
//! 多機関協働 (see [`super::case_queue::Route`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::ids::UserId;
use crate::validation::{ValidationContext, ValidationErrors, Violation};

/// The state of consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// 未取得 — not given (the usual state in outreach).
    None,
    /// 口頭同意 — given orally.
    Verbal,
    /// 書面同意 — given in writing.
    Written,
    /// 撤回 — withdrawn.
    Withdrawn,
}

impl ConsentStatus {
    pub const ALL: [ConsentStatus; 4] = [
        ConsentStatus::None,
        ConsentStatus::Verbal,
        ConsentStatus::Written,
        ConsentStatus::Withdrawn,
    ];

    /// Whether consent is in force.
    pub fn is_given(&self) -> bool {
        matches!(self, ConsentStatus::Verbal | ConsentStatus::Written)
    }
}

/// What the person agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// 関係機関との情報共有
    ShareWithAgencies,
    /// 重層的支援会議での検討
    MultiLayeredMeeting,
    /// 家族への連絡
    ContactFamily,
}

impl ConsentScope {
    pub const ALL: [ConsentScope; 3] = [
        ConsentScope::ShareWithAgencies,
        ConsentScope::MultiLayeredMeeting,
        ConsentScope::ContactFamily,
    ];
}

/// The consent on record for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentRecord {
    pub status: ConsentStatus,
    /// What was agreed; empty unless consent is given.
    #[serde(default)]
    pub scope: BTreeSet<ConsentScope>,
    /// When it was given or withdrawn.
    pub date: Option<NaiveDate>,
    /// The worker who recorded it.
    pub recorded_by: Option<UserId>,
}

impl Default for ConsentRecord {
    fn default() -> Self {
        Self::none()
    }
}

impl ConsentRecord {
    /// No consent on record.
    pub fn none() -> Self {
        Self {
            status: ConsentStatus::None,
            scope: BTreeSet::new(),
            date: None,
            recorded_by: None,
        }
    }

    /// Whether the person consented to their case going to the
    /// 重層的支援会議.
    pub fn allows_multi_layered_meeting(&self) -> bool {
        self.status.is_given() && self.scope.contains(&ConsentScope::MultiLayeredMeeting)
    }

    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        match self.status {
            ConsentStatus::None => {
                if !self.scope.is_empty() {
                    e.push(
                        "scope",
                        Violation::Contradicts {
                            other: "status".into(),
                        },
                    );
                }
            }
            ConsentStatus::Verbal | ConsentStatus::Written => {
                if self.scope.is_empty() {
                    e.push("scope", Violation::Required);
                }
                if self.date.is_none() {
                    e.push("date", Violation::Required);
                }
                if self.recorded_by.is_none() {
                    e.push("recorded_by", Violation::Required);
                }
            }
            ConsentStatus::Withdrawn => {
                if !self.scope.is_empty() {
                    e.push(
                        "scope",
                        Violation::Contradicts {
                            other: "status".into(),
                        },
                    );
                }
                if self.date.is_none() {
                    e.push("date", Violation::Required);
                }
                if self.recorded_by.is_none() {
                    e.push("recorded_by", Violation::Required);
                }
            }
        }
        if let Some(d) = self.date
            && d > crate::ja::local_date(ctx.latest_allowed())
        {
            e.push("date", Violation::InFuture);
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ctx() -> ValidationContext {
        ValidationContext::at(Utc.with_ymd_and_hms(2026, 6, 1, 3, 0, 0).unwrap())
    }

    #[test]
    fn given_consent_needs_scope_date_and_recorder() {
        let c = ConsentRecord {
            status: ConsentStatus::Verbal,
            ..ConsentRecord::none()
        };
        let e = c.validate(&ctx()).unwrap_err();
        assert!(e.has("scope") && e.has("date") && e.has("recorded_by"));
    }

    #[test]
    fn future_dates_and_contradictions() {
        let c = ConsentRecord {
            status: ConsentStatus::Written,
            scope: [ConsentScope::MultiLayeredMeeting].into(),
            date: NaiveDate::from_ymd_opt(2026, 6, 3),
            recorded_by: Some(UserId::new_v7(1, [0; 10])),
        };
        assert_eq!(
            c.validate(&ctx())
                .unwrap_err()
                .get("date")
                .unwrap()
                .violation,
            Violation::InFuture
        );
        let none_with_scope = ConsentRecord {
            scope: [ConsentScope::ContactFamily].into(),
            ..ConsentRecord::none()
        };
        assert!(none_with_scope.validate(&ctx()).unwrap_err().has("scope"));
        assert!(ConsentRecord::none().validate(&ctx()).is_ok());
    }

    #[test]
    fn meeting_needs_scope() {
        let mut c = ConsentRecord {
            status: ConsentStatus::Verbal,
            scope: [ConsentScope::ShareWithAgencies].into(),
            date: NaiveDate::from_ymd_opt(2026, 5, 1),
            recorded_by: Some(UserId::new_v7(1, [0; 10])),
        };
        assert!(!c.allows_multi_layered_meeting());
        c.scope.insert(ConsentScope::MultiLayeredMeeting);
        assert!(c.allows_multi_layered_meeting());
        c.status = ConsentStatus::Withdrawn;
        assert!(!c.allows_multi_layered_meeting());
    }
}
