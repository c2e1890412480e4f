//! The rules of a case's meetings: scheduling one ahead
//! ([`check_schedule`]), recording one after it was held
//! ([`check_meeting`]) and editing either ([`check_meeting_edit`]).

use chrono::NaiveDate;

use super::{CaseRuleError, require_open, support_meeting_roster_ready};
use crate::domain::case_queue::{CaseQueueItem, Route};
use crate::domain::meeting::{Meeting, MeetingState};
use crate::validation::{Lines, ValidationErrors, check_opt_text, check_text, limits};

/// An optional text that was actually given (not blank).
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|t| !t.trim().is_empty())
}

fn text(field: &str, value: Option<&str>) -> Result<(), CaseRuleError> {
    let mut e = ValidationErrors::default();
    check_opt_text(&mut e, field, value, limits::REASON, Lines::Multi);
    e.finish().map_err(CaseRuleError::MeetingText)
}

fn place(m: &Meeting, required: bool) -> Result<(), CaseRuleError> {
    let mut e = ValidationErrors::default();
    check_text(
        &mut e,
        "place",
        m.place.as_deref().unwrap_or(""),
        limits::SHORT_TEXT,
        required,
        Lines::Single,
    );
    e.finish().map_err(CaseRuleError::MeetingText)
}

/// Checks a meeting scheduled ahead for case `item` on the local date
/// `today`: the case is open, the date is today or later, a place is
/// given, at least one member of the roster is invited (with a pledge, for
/// a 支援会議, whose whole roster must be pledged).
pub fn check_schedule(
    m: &Meeting,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    require_open(item)?;
    if m.state != MeetingState::Scheduled {
        return Err(CaseRuleError::MeetingAlreadyHeld);
    }
    if m.held_on < today {
        return Err(CaseRuleError::ScheduleInPast);
    }
    if item.route == Route::SupportMeeting && !support_meeting_roster_ready(item) {
        return Err(CaseRuleError::SupportMeetingNeedsPledgedRoster);
    }
    place(m, true)?;
    if m.invitees.is_empty() {
        return Err(CaseRuleError::MeetingNeedsInvitee);
    }
    for u in &m.invitees {
        let Some(member) = item.member(*u) else {
            return Err(CaseRuleError::InviteeNotOnRoster);
        };
        if item.route == Route::SupportMeeting && member.pledge_recorded_at.is_none() {
            return Err(CaseRuleError::AttendeeWithoutPledge);
        }
    }
    Ok(())
}

/// Checks a meeting record against its case (`item`) on the local date
/// `today`: held already, decisions given, texts within their limits, and
/// attendees from the roster (with a pledge, for a 支援会議).
pub fn check_meeting(
    m: &Meeting,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    if m.state != MeetingState::Held {
        return check_schedule(m, item, today);
    }
    if m.held_on > today {
        return Err(CaseRuleError::MeetingDateInFuture);
    }
    if m.decisions.trim().is_empty() {
        return Err(CaseRuleError::MeetingNeedsDecisions);
    }
    text("decisions", Some(&m.decisions))?;
    text("evaluation", given(&m.evaluation))?;
    for a in &m.attendees {
        let Some(member) = item.member(a.user) else {
            return Err(CaseRuleError::AttendeeNotOnRoster);
        };
        if item.route == Route::SupportMeeting && member.pledge_recorded_at.is_none() {
            return Err(CaseRuleError::AttendeeWithoutPledge);
        }
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "role",
            &a.role,
            limits::SHORT_TEXT,
            false,
            Lines::Single,
        );
        e.finish().map_err(CaseRuleError::MeetingText)?;
    }
    if m.attendees.is_empty() {
        return Err(CaseRuleError::MeetingNeedsAttendee);
    }
    if given(&m.place).is_some() {
        place(m, false)?;
    }
    text("plan", given(&m.plan))?;
    text("monitoring", given(&m.monitoring))?;
    Ok(())
}

/// Checks an edit of meeting `old` into `new`: the same meeting of the same
/// case, one version later; a held meeting stays held; the new version
/// keeps the rules of its state.
pub fn check_meeting_edit(
    old: &Meeting,
    new: &Meeting,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    if new.id != old.id || new.case_id != old.case_id || new.version != old.version + 1 {
        let mut e = ValidationErrors::default();
        e.push(
            "id",
            crate::validation::Violation::Contradicts {
                other: "meeting".into(),
            },
        );
        return Err(e.into());
    }
    if old.state == MeetingState::Held && new.state == MeetingState::Scheduled {
        return Err(CaseRuleError::MeetingAlreadyHeld);
    }
    check_meeting(new, item, today)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{in_triage, member, now};
    use super::*;
    use crate::domain::agency::AgencyId;
    use crate::domain::case_queue::CaseStatus;
    use crate::domain::meeting::{Attendee, MeetingPurpose};
    use crate::ids::{CaseId, UserId};

    fn meeting(item: &CaseQueueItem) -> Meeting {
        Meeting {
            id: uuid::Uuid::nil(),
            case_id: CaseId::new_v7(1_780_000_000_000, [6; 10]),
            route: item.route,
            purpose: MeetingPurpose::Planning,
            state: MeetingState::Held,
            held_on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            place: None,
            invitees: Vec::new(),
            attendees: vec![Attendee {
                user: UserId::new_v7(2, [8; 10]),
                agency: AgencyId::new("kikan-soudan"),
                role: "就労の相談".into(),
            }],
            decisions: "月1回の訪問を続ける".into(),
            plan: None,
            monitoring: None,
            evaluation: None,
            version: 1,
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: now(),
        }
    }

    fn scheduled(item: &CaseQueueItem, on: NaiveDate) -> Meeting {
        Meeting {
            state: MeetingState::Scheduled,
            held_on: on,
            place: Some("市役所 会議室（見本）".into()),
            invitees: vec![UserId::new_v7(2, [8; 10])],
            attendees: Vec::new(),
            decisions: String::new(),
            ..meeting(item)
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn meeting_records_keep_their_rules() {
        let today = today();
        let mut item = in_triage(Route::SupportMeeting);
        item.roster.push(member(true));
        check_meeting(&meeting(&item), &item, today).unwrap();

        let mut m = meeting(&item);
        m.held_on = today.succ_opt().unwrap();
        assert_eq!(
            check_meeting(&m, &item, today),
            Err(CaseRuleError::MeetingDateInFuture)
        );
        let mut m = meeting(&item);
        m.decisions = " ".into();
        assert_eq!(
            check_meeting(&m, &item, today),
            Err(CaseRuleError::MeetingNeedsDecisions)
        );
        let mut m = meeting(&item);
        m.attendees.clear();
        assert_eq!(
            check_meeting(&m, &item, today),
            Err(CaseRuleError::MeetingNeedsAttendee)
        );
        let mut m = meeting(&item);
        m.attendees[0].user = UserId::new_v7(3, [9; 10]);
        assert_eq!(
            check_meeting(&m, &item, today),
            Err(CaseRuleError::AttendeeNotOnRoster)
        );
        let mut m = meeting(&item);
        m.plan = Some("あ".repeat(limits::REASON + 1));
        assert!(matches!(
            check_meeting(&m, &item, today),
            Err(CaseRuleError::MeetingText(_))
        ));

        item.roster[0].pledge_recorded_at = None;
        assert_eq!(
            check_meeting(&meeting(&item), &item, today),
            Err(CaseRuleError::AttendeeWithoutPledge)
        );
    }

    #[test]
    fn a_meeting_is_scheduled_ahead_with_a_place_and_invitees() {
        let today = today();
        let mut item = in_triage(Route::SupportMeeting);
        let later = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        // A 支援会議 without a pledged roster is not scheduled.
        assert_eq!(
            check_schedule(&scheduled(&item, later), &item, today),
            Err(CaseRuleError::SupportMeetingNeedsPledgedRoster)
        );
        item.roster.push(member(true));
        check_schedule(&scheduled(&item, later), &item, today).unwrap();
        check_schedule(&scheduled(&item, today), &item, today).unwrap();
        assert_eq!(
            check_schedule(&scheduled(&item, today.pred_opt().unwrap()), &item, today),
            Err(CaseRuleError::ScheduleInPast)
        );
        let mut m = scheduled(&item, later);
        m.place = None;
        assert!(matches!(
            check_schedule(&m, &item, today),
            Err(CaseRuleError::MeetingText(_))
        ));
        let mut m = scheduled(&item, later);
        m.invitees.clear();
        assert_eq!(
            check_schedule(&m, &item, today),
            Err(CaseRuleError::MeetingNeedsInvitee)
        );
        m.invitees.push(UserId::new_v7(5, [5; 10]));
        assert_eq!(
            check_schedule(&m, &item, today),
            Err(CaseRuleError::InviteeNotOnRoster)
        );
        item.status = CaseStatus::Closed;
        assert_eq!(
            check_schedule(&scheduled(&item, later), &item, today),
            Err(CaseRuleError::CaseNotOpen)
        );
    }

    #[test]
    fn edits_keep_the_meeting_and_its_state() {
        let today = today();
        let mut item = in_triage(Route::MultiLayeredMeeting);
        item.roster.push(member(false));
        let held = meeting(&item);
        let mut edited = held.clone();
        edited.version = 2;
        edited.decisions = "月2回の訪問に増やす".into();
        check_meeting_edit(&held, &edited, &item, today).unwrap();
        let mut same_version = edited.clone();
        same_version.version = 1;
        assert!(check_meeting_edit(&held, &same_version, &item, today).is_err());
        let mut back = edited.clone();
        back.state = MeetingState::Scheduled;
        assert_eq!(
            check_meeting_edit(&held, &back, &item, today),
            Err(CaseRuleError::MeetingAlreadyHeld)
        );
        // A scheduled meeting is recorded as held by an edit.
        let ahead = scheduled(&item, today);
        let mut recorded = meeting(&item);
        recorded.version = 2;
        check_meeting_edit(&ahead, &recorded, &item, today).unwrap();
    }
}
