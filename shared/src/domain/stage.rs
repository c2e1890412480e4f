//! The relationship stage (関係の段階) and the transitions allowed between
//! stages.
//!
//! The main path is identified → trying to reach → first contact →
//! relationship forming → accepts support → handed on → closed. A
//! relationship can cool (one step back), be paused with a reason, and be
//! taken up again. A closed case can be reopened as newly identified.
//!
//! Closing (終結) and handing on (つなぎ済) say why, and handing on says to
//! whom: a [`StageNote`] travels with those stage changes and is kept on the
//! person until the stage moves on.

use serde::{Deserialize, Serialize};

use super::agency::AgencyId;
use crate::validation::{FieldError, Lines, ValidationErrors, Violation, check_text, limits};

/// Why a relationship is paused (休止).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// To whom a person was handed on (つなぎ先).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum HandedTo {
    /// One of the plan's agencies ([`crate::AGENCIES`]).
    Agency(AgencyId),
    /// A local resource named in words (a サロン, a 居場所...), until the
    /// resource catalogue exists.
    Resource(String),
}

/// Why a person was closed or handed on, and to whom (protocol 2.0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StageNote {
    /// 理由 — in a few words.
    pub reason: String,
    /// つなぎ先 — required when handed on, absent otherwise.
    pub handed_to: Option<HandedTo>,
}

impl Stage {
    /// Whether moving to this stage needs a [`StageNote`] (終結, つなぎ済).
    pub fn needs_note(&self) -> bool {
        matches!(self, Stage::Closed | Stage::HandedOn)
    }
}

impl StageNote {
    /// Checks a note given with a move to `to`: required (with a reason)
    /// for 終結 and つなぎ済, with a known agency or a named resource for
    /// つなぎ済; absent for every other stage. Paths are under `field`.
    pub fn check(note: Option<&StageNote>, to: Stage, field: &str) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        match note {
            None if to.needs_note() => e.push(format!("{field}.reason"), Violation::Required),
            None => {}
            Some(_) if !to.needs_note() => e.push(
                field,
                Violation::Contradicts {
                    other: "stage".into(),
                },
            ),
            Some(n) => {
                check_text(
                    &mut e,
                    &format!("{field}.reason"),
                    &n.reason,
                    limits::SHORT_TEXT,
                    true,
                    Lines::Multi,
                );
                let to_path = format!("{field}.handed_to");
                match (&n.handed_to, to) {
                    (None, Stage::HandedOn) => e.push(to_path, Violation::Required),
                    (Some(_), Stage::Closed) => e.push(
                        to_path,
                        Violation::Contradicts {
                            other: "stage".into(),
                        },
                    ),
                    (Some(HandedTo::Agency(a)), _) if a.agency().is_none() => {
                        e.push(to_path, Violation::Unknown)
                    }
                    (Some(HandedTo::Resource(r)), _) => {
                        check_text(&mut e, &to_path, r, limits::ALIAS, true, Lines::Single)
                    }
                    _ => {}
                }
            }
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn closing_and_handing_on_say_why_and_to_whom() {
        assert!(StageNote::check(None, TryingToReach, "note").is_ok());
        let e = StageNote::check(None, Closed, "note").unwrap_err();
        assert_eq!(e.get("note.reason").unwrap().violation, Violation::Required);
        let why = |handed_to| StageNote {
            reason: "本人の希望で支援を終える".into(),
            handed_to,
        };
        assert!(StageNote::check(Some(&why(None)), Closed, "note").is_ok());
        let e = StageNote::check(Some(&why(None)), HandedOn, "note").unwrap_err();
        assert!(e.has("note.handed_to"));
        let agency = Some(HandedTo::Agency(AgencyId::new("houkatsu-asahi")));
        assert!(StageNote::check(Some(&why(agency.clone())), HandedOn, "note").is_ok());
        assert!(
            StageNote::check(Some(&why(agency)), Closed, "note")
                .unwrap_err()
                .has("note.handed_to")
        );
        let unknown = Some(HandedTo::Agency(AgencyId::new("nowhere")));
        assert_eq!(
            StageNote::check(Some(&why(unknown)), HandedOn, "note")
                .unwrap_err()
                .get("note.handed_to")
                .unwrap()
                .violation,
            Violation::Unknown
        );
        let blank = Some(HandedTo::Resource("  ".into()));
        assert!(
            StageNote::check(Some(&why(blank)), HandedOn, "note")
                .unwrap_err()
                .has("note.handed_to")
        );
        let salon = Some(HandedTo::Resource("架空の地域サロン".into()));
        assert!(StageNote::check(Some(&why(salon)), HandedOn, "note").is_ok());
        assert!(
            StageNote::check(Some(&why(None)), FirstContact, "note")
                .unwrap_err()
                .has("note")
        );
        let mut blank_reason = why(None);
        blank_reason.reason = " ".into();
        assert!(
            StageNote::check(Some(&blank_reason), Closed, "note")
                .unwrap_err()
                .has("note.reason")
        );
    }

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
