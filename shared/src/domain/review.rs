//! A supervisor's review (確認) of a contact log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ContactId, UserId};
use crate::validation::{Lines, ValidationErrors, Violation, check_text, limits};

/// Where the review of a contact log stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// 確認待ち
    Pending,
    /// 確認済
    Approved,
    /// 差し戻し — returned with a comment.
    Returned,
}

/// A supervisor's decision on one contact log revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Review {
    pub contact_id: ContactId,
    pub reviewer: UserId,
    pub status: ReviewStatus,
    /// Required when returned.
    pub comment: Option<String>,
    pub reviewed_at: DateTime<Utc>,
}

impl Review {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        match (&self.status, &self.comment) {
            (ReviewStatus::Returned, None) => e.push("comment", Violation::Required),
            (_, Some(c)) => check_text(
                &mut e,
                "comment",
                c,
                limits::COMMENT,
                self.status == ReviewStatus::Returned,
                Lines::Multi,
            ),
            _ => {}
        }
        if self.status == ReviewStatus::Pending {
            e.push("status", Violation::Unknown);
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn returned_needs_a_comment() {
        let mut r = Review {
            contact_id: ContactId::new_v7(1, [1; 10]),
            reviewer: UserId::new_v7(1, [2; 10]),
            status: ReviewStatus::Returned,
            comment: None,
            reviewed_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        };
        assert!(r.validate().unwrap_err().has("comment"));
        r.comment = Some("  ".into());
        assert!(r.validate().unwrap_err().has("comment"));
        r.comment = Some("次回は単独訪問を避けてください".into());
        r.validate().unwrap();
        r.status = ReviewStatus::Approved;
        r.comment = None;
        r.validate().unwrap();
    }
}
