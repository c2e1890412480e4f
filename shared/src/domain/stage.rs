//! The relationship stage (関係の段階) and the transitions allowed between
//! stages.
//!
//! The main path is identified → trying to reach → first contact →
//! relationship forming → accepts support → handed on → closed. A
//! relationship can cool (one step back), be paused with a reason, and be
//! taken up again. A closed case can be reopened as newly identified.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Violation};

/// Why a relationship is paused (休止).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// 拒否 — the person refused further contact.
    Refused,
    /// 転居 — moved away.
    Moved,
    /// 入院 — in hospital.
    InHospital,
    /// 死亡 — deceased.
    Deceased,
}

impl PauseReason {
    pub const ALL: [PauseReason; 4] = [
        PauseReason::Refused,
        PauseReason::Moved,
        PauseReason::InHospital,
        PauseReason::Deceased,
    ];
}

/// Where the relationship with a person stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "reason", rename_all = "snake_case")]
pub enum Stage {
    /// 把握 — someone noticed the person; no contact yet.
    Identified,
    /// 接触試行中 — trying to reach (closed doors, notes left).
    TryingToReach,
    /// 初回接触 — first contact made.
    FirstContact,
    /// 関係構築中 — relationship forming over repeated contacts.
    RelationshipForming,
    /// 支援受入 — the person accepts support.
    AcceptsSupport,
    /// つなぎ済 — handed on to the fitting agency.
    HandedOn,
    /// 終結 — closed.
    Closed,
    /// 休止 — paused, with a reason.
    Paused(PauseReason),
}

impl Stage {
    /// The stages of the main path, in order.
    pub const PATH: [Stage; 7] = [
        Stage::Identified,
        Stage::TryingToReach,
        Stage::FirstContact,
        Stage::RelationshipForming,
        Stage::AcceptsSupport,
        Stage::HandedOn,
        Stage::Closed,
    ];

    /// A stable text code, e.g. `first_contact` or `paused:refused`.
    pub fn code(&self) -> String {
        match self {
            Stage::Paused(r) => format!(
                "paused:{}",
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.get("kind").and_then(|s| s.as_str().map(str::to_owned)))
                .unwrap_or_default(),
        }
    }

    /// Whether the stage is an active part of the relationship (not closed
    /// and not paused).
    pub fn is_active(&self) -> bool {
        !matches!(self, Stage::Closed | Stage::Paused(_))
    }

    fn path_index(&self) -> Option<usize> {
        Stage::PATH.iter().position(|s| s == self)
    }

    /// Whether a change from `self` to `to` is allowed.
    pub fn can_move_to(&self, to: Stage) -> bool {
        use Stage::*;
        if *self == to {
            return false;
        }
        match (*self, to) {
            // Deceased: only closing is left.
            (Paused(PauseReason::Deceased), Closed) => true,
            (Paused(PauseReason::Deceased), _) => false,
            // Taking up a paused relationship again, or closing it.
            (Paused(_), TryingToReach | FirstContact | RelationshipForming | Closed) => true,
            (Paused(_), Paused(_)) => true, // the reason changed (e.g. moved, then died)
            (Paused(_), _) => false,
            // Reopening a closed case starts again from the beginning.
            (Closed, Identified) => true,
            (Closed, _) => false,
            // Any active stage may be paused.
            (_, Paused(_)) => true,
            // Shortcuts that happen in the field.
            (Identified, FirstContact) => true,
            (AcceptsSupport, Closed) => true,
            (from, to) => match (from.path_index(), to.path_index()) {
                // One step forward along the path.
                (Some(f), Some(t)) if t == f + 1 => true,
                // The relationship cooled: back towards trying to reach, but
                // never back to "identified" and never out of handed on.
                (Some(f), Some(t)) => t < f && t >= 1 && from != HandedOn && f - t <= 2,
                _ => false,
            },
        }
    }

    /// The stages reachable from `self` (for pickers).
    pub fn next_stages(&self) -> Vec<Stage> {
        let mut all: Vec<Stage> = Stage::PATH.to_vec();
        all.extend(PauseReason::ALL.map(Stage::Paused));
        all.into_iter().filter(|s| self.can_move_to(*s)).collect()
    }

    /// Checks a change, naming the `field` at fault when it is not allowed.
    pub fn check_transition(&self, to: Stage, field: &str) -> Result<(), FieldError> {
        if self.can_move_to(to) {
            Ok(())
        } else {
            Err(FieldError::new(
                field,
                Violation::StageTransitionNotAllowed {
                    from: self.code(),
                    to: to.code(),
                },
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn main_path_moves_forward_one_step() {
        for w in Stage::PATH.windows(2) {
            assert!(w[0].can_move_to(w[1]), "{:?} -> {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn impossible_transitions() {
        assert!(!Identified.can_move_to(AcceptsSupport));
        assert!(!Identified.can_move_to(HandedOn));
        assert!(!Identified.can_move_to(Identified));
        assert!(!Closed.can_move_to(RelationshipForming));
        assert!(!HandedOn.can_move_to(FirstContact));
        assert!(!Paused(PauseReason::Deceased).can_move_to(TryingToReach));
        assert!(!Paused(PauseReason::Refused).can_move_to(Identified));
        assert!(!FirstContact.can_move_to(Identified));
    }

    #[test]
    fn pause_and_back_again() {
        assert!(RelationshipForming.can_move_to(Paused(PauseReason::InHospital)));
        assert!(Paused(PauseReason::InHospital).can_move_to(RelationshipForming));
        assert!(Paused(PauseReason::Refused).can_move_to(TryingToReach));
        assert!(Paused(PauseReason::Moved).can_move_to(Paused(PauseReason::Deceased)));
        assert!(Paused(PauseReason::Deceased).can_move_to(Closed));
        assert!(Closed.can_move_to(Identified));
        assert!(!Closed.can_move_to(Paused(PauseReason::Moved)));
    }

    #[test]
    fn relationships_cool() {
        assert!(RelationshipForming.can_move_to(TryingToReach));
        assert!(AcceptsSupport.can_move_to(RelationshipForming));
    }

    #[test]
    fn codes_and_errors() {
        assert_eq!(FirstContact.code(), "first_contact");
        assert_eq!(Paused(PauseReason::Refused).code(), "paused:refused");
        let err = Identified.check_transition(Closed, "stage").unwrap_err();
        assert!(
            err.message_ja().contains("「把握」から「終結」"),
            "{}",
            err.message_ja()
        );
        assert!(err.message_en().contains("identified to closed"));
        assert!(Identified.next_stages().contains(&TryingToReach));
        assert!(!Identified.next_stages().contains(&Closed));
    }
}
