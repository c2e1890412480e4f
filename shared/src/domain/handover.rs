//! The hand-over (担当の引き継ぎ): a supervisor gives a person on the team's
//! caseload to another outreach worker of the same team, with a note for
//! the new worker. The record travels with the person to the tablets; the
//! rule of who may do it is [`check`], called by the server's engine for
//! the console and the API alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{Actor, Role};
use crate::ids::{TeamId, UserId};
use crate::validation::{Lines, ValidationErrors, Violation, check_text};

/// Longest hand-over note, in characters.
pub const HANDOVER_NOTE_MAX: usize = 1000;

/// The latest hand-over of a person: who had them, who has them now, the
/// note for the new worker, who reassigned and when. Names are the display
/// names at the time, so a tablet shows them without a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HandOver {
    pub from: Option<UserId>,
    pub from_name: Option<String>,
    pub to: UserId,
    pub to_name: String,
    pub note: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// What the rule needs to know of the worker the person goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignee {
    pub id: UserId,
    pub role: Role,
    pub team: Option<TeamId>,
    pub active: bool,
}

/// Why a hand-over is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandOverError {
    /// Only the supervisors of the person's team reassign 担当.
    NotTeamSupervisor,
    /// The new worker is not an active outreach worker of the same team.
    NotTeamWorker,
    /// The person already has this worker.
    SameWorker,
    /// The note is missing, too long or holds control characters.
    Note(ValidationErrors),
}

impl HandOverError {
    /// The English message for the API.
    pub fn message_en(&self) -> String {
        match self {
            Self::NotTeamSupervisor => {
                "only a supervisor of the person's team may hand the person over".into()
            }
            Self::NotTeamWorker => {
                "the new worker must be an active outreach worker of the person's team".into()
            }
            Self::SameWorker => "the person already has this worker".into(),
            Self::Note(e) => {
                e.0.iter()
                    .map(|f| f.message_en())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
    }
}

impl HandOverError {
    /// As field errors (`handover.worker`, `handover.note`), except the
    /// refusal of the caller, which is `None` (a forbidden act, not a
    /// field to correct).
    pub fn field_errors(self) -> Option<ValidationErrors> {
        let mut e = ValidationErrors::default();
        match self {
            Self::NotTeamSupervisor => return None,
            Self::NotTeamWorker => e.push("handover.worker", Violation::Unknown),
            Self::SameWorker => e.push("handover.worker", Violation::Duplicate),
            Self::Note(v) => return Some(v),
        }
        Some(e)
    }
}

/// The hand-over rule: `actor` must be a supervisor of `team` (the
/// person's team); `to` an active outreach worker of that team other than
/// the person's current worker; the note is required (one to
/// [`HANDOVER_NOTE_MAX`] characters, line breaks allowed).
pub fn check(
    actor: &Actor,
    team: TeamId,
    current: Option<UserId>,
    to: &Assignee,
    note: &str,
) -> Result<(), HandOverError> {
    if actor.role != Role::Supervisor || actor.team != Some(team) {
        return Err(HandOverError::NotTeamSupervisor);
    }
    if to.role != Role::OutreachWorker || to.team != Some(team) || !to.active {
        return Err(HandOverError::NotTeamWorker);
    }
    if current == Some(to.id) {
        return Err(HandOverError::SameWorker);
    }
    let mut e = ValidationErrors::default();
    check_text(
        &mut e,
        "handover.note",
        note,
        HANDOVER_NOTE_MAX,
        true,
        Lines::Multi,
    );
    e.finish().map_err(HandOverError::Note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn team(n: u128) -> TeamId {
        TeamId::from_uuid(Uuid::from_u128(n))
    }
    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }
    fn actor(role: Role, t: u128) -> Actor {
        Actor {
            user: user(100),
            role,
            team: Some(team(t)),
            agency: None,
        }
    }
    fn worker(id: u128, t: u128) -> Assignee {
        Assignee {
            id: user(id),
            role: Role::OutreachWorker,
            team: Some(team(t)),
            active: true,
        }
    }

    #[test]
    fn a_supervisor_hands_over_to_a_worker_of_the_team() {
        let s = actor(Role::Supervisor, 1);
        assert_eq!(
            check(&s, team(1), Some(user(2)), &worker(3, 1), "母の介護の件"),
            Ok(())
        );
        assert_eq!(check(&s, team(1), None, &worker(3, 1), "引き継ぎ"), Ok(()));
    }

    #[test]
    fn only_the_team_supervisors_reassign() {
        let w = worker(3, 1);
        for a in [
            actor(Role::OutreachWorker, 1),
            actor(Role::Coordinator, 1),
            actor(Role::AgencyMember, 1),
            actor(Role::Supervisor, 2),
        ] {
            assert_eq!(
                check(&a, team(1), None, &w, "メモ"),
                Err(HandOverError::NotTeamSupervisor),
                "{a:?}"
            );
        }
    }

    #[test]
    fn the_new_worker_is_an_active_outreach_worker_of_the_same_team() {
        let s = actor(Role::Supervisor, 1);
        let other_team = worker(3, 2);
        let mut inactive = worker(3, 1);
        inactive.active = false;
        let mut supervisor = worker(3, 1);
        supervisor.role = Role::Supervisor;
        let mut no_team = worker(3, 1);
        no_team.team = None;
        for to in [other_team, inactive, supervisor, no_team] {
            assert_eq!(
                check(&s, team(1), None, &to, "メモ"),
                Err(HandOverError::NotTeamWorker),
                "{to:?}"
            );
        }
        assert_eq!(
            check(&s, team(1), Some(user(3)), &worker(3, 1), "メモ"),
            Err(HandOverError::SameWorker)
        );
    }

    #[test]
    fn the_note_is_required_and_bounded() {
        let s = actor(Role::Supervisor, 1);
        let w = worker(3, 1);
        for bad in ["", "  ", &"あ".repeat(HANDOVER_NOTE_MAX + 1), "a\u{202E}b"] {
            let e = check(&s, team(1), None, &w, bad).unwrap_err();
            assert!(matches!(e, HandOverError::Note(_)), "{bad:?}");
            assert!(e.message_en().contains("handover"), "{}", e.message_en());
        }
        assert_eq!(check(&s, team(1), None, &w, "一行目\n二行目"), Ok(()));
    }
}
