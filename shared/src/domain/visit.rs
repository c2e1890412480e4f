//! Lone-worker safety (帰着未確認): a worker starts a visit on a person with
//! an expected end, and finishes it. The tablet reminds the worker at the
//! expected end; the server shows the team's supervisors a visit still
//! open past its expected end plus a grace period. Only ids and times
//! travel: no note, no observation.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PersonId, VisitId};
use crate::validation::{ValidationContext, ValidationErrors, Violation};

/// The expected length of a visit unless the worker changes it, minutes.
pub const DEFAULT_VISIT_MINUTES: u32 = 60;
/// The longest expected length a worker may set, minutes.
pub const MAX_VISIT_MINUTES: u32 = 12 * 60;
/// The server's default grace after the expected end before a visit shows
/// as 帰着未確認, minutes.
pub const DEFAULT_GRACE_MINUTES: u32 = 30;

/// 訪問開始: who is visited, when it started, when it should end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitStart {
    pub id: VisitId,
    pub person_id: PersonId,
    pub started_at: DateTime<Utc>,
    pub expected_end: DateTime<Utc>,
}

impl VisitStart {
    /// The start is not in the future; the expected end is after the start
    /// and at most [`MAX_VISIT_MINUTES`] later.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.started_at > ctx.now + ctx.future_tolerance {
            e.push("visit.started_at", Violation::InFuture);
        }
        let minutes = (self.expected_end - self.started_at).num_minutes();
        if self.expected_end <= self.started_at || minutes > i64::from(MAX_VISIT_MINUTES) {
            e.push(
                "visit.expected_end",
                Violation::OutOfRange {
                    min: 1,
                    max: i64::from(MAX_VISIT_MINUTES),
                },
            );
        }
        e.finish()
    }
}

/// Checks a 訪問終了 time against the visit's start.
pub fn check_end(
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    ctx: &ValidationContext,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    if ended_at > ctx.now + ctx.future_tolerance {
        e.push("visit.ended_at", Violation::InFuture);
    }
    if ended_at < started_at {
        e.push(
            "visit.ended_at",
            Violation::Contradicts {
                other: "visit.started_at".into(),
            },
        );
    }
    e.finish()
}

/// Whether a visit still open at `now` is past its expected end plus
/// `grace` (帰着未確認). A finished visit never is.
pub fn is_unconfirmed(
    expected_end: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    grace: Duration,
) -> bool {
    ended_at.is_none() && now > expected_end + grace
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, h, m, 0).unwrap()
    }

    fn start(s: DateTime<Utc>, end: DateTime<Utc>) -> VisitStart {
        VisitStart {
            id: VisitId::new_v7(1, [1; 10]),
            person_id: PersonId::new_v7(1, [2; 10]),
            started_at: s,
            expected_end: end,
        }
    }

    #[test]
    fn a_visit_ends_after_it_starts_within_twelve_hours() {
        let ctx = ValidationContext::at(at(3, 0));
        assert!(start(at(2, 0), at(3, 0)).validate(&ctx).is_ok());
        for bad in [
            start(at(2, 0), at(2, 0)),
            start(at(2, 0), at(1, 0)),
            start(at(0, 0), at(12, 1)),
        ] {
            let e = bad.validate(&ctx).unwrap_err();
            assert_eq!(e.0[0].field, "visit.expected_end");
        }
        let future = start(at(4, 0), at(5, 0)).validate(&ctx).unwrap_err();
        assert_eq!(future.0[0].violation, Violation::InFuture);
        assert!(check_end(at(2, 0), at(2, 30), &ctx).is_ok());
        assert!(check_end(at(2, 0), at(1, 30), &ctx).is_err());
        assert!(check_end(at(2, 0), at(5, 0), &ctx).is_err());
    }

    #[test]
    fn unconfirmed_only_past_the_grace_and_until_finished() {
        let grace = Duration::minutes(30);
        assert!(!is_unconfirmed(at(3, 0), None, at(3, 30), grace));
        assert!(is_unconfirmed(at(3, 0), None, at(3, 31), grace));
        assert!(!is_unconfirmed(at(3, 0), Some(at(3, 40)), at(5, 0), grace));
    }
}
