//! The rules of the 多機関協働 case queue, as pure functions every front
//! end reaches through the server's engine (the API and the console alike):
//! a coordinator's move ([`apply_move`]), a roster change
//! ([`add_to_roster`]) and a meeting record ([`check_meeting`]). Who may
//! make the change at all is [`crate::access::decide`]; these say whether
//! the change itself is allowed.
//!
//! A refusal is a typed [`CaseRuleError`]: field errors where a field is at
//! fault, otherwise a named rule with an English message (the console
//! gives its own Japanese text for each).
//!
//! Future rules of the structured プラン and its monitoring belong here too.

use chrono::{DateTime, NaiveDate, Utc};

use crate::access::Role;
use crate::domain::agency::AgencyId;
use crate::domain::case_queue::{CaseQueueItem, CaseStatus, RosterMember, Route};
use crate::domain::consent::ConsentRecord;
use crate::domain::meeting::Meeting;
use crate::validation::{
    FieldError, Lines, ValidationErrors, Violation, check_opt_text, check_text, limits,
};

/// Why the case queue refuses a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseRuleError {
    /// Fields at fault (a move the lifecycle does not allow, a route the
    /// consent does not allow, a missing return reason, a roster member of
    /// another agency…).
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// A 支援会議 is scheduled only with a roster whose every member has a
    /// confidentiality pledge on record.
    #[error(
        "a support meeting (支援会議) can be scheduled only when its roster has at least one member and every member's confidentiality pledge is recorded: add the members with their pledges first"
    )]
    SupportMeetingNeedsPledgedRoster,
    /// A meeting is recorded after it was held.
    #[error("the meeting date is in the future: record a meeting after it was held")]
    MeetingDateInFuture,
    #[error("a meeting record needs its decisions")]
    MeetingNeedsDecisions,
    #[error("a closure meeting needs the evaluation at closure")]
    MeetingNeedsEvaluation,
    #[error("a meeting record needs at least one attending member of the roster")]
    MeetingNeedsAttendee,
    #[error("an attendee is not on the case's roster")]
    AttendeeNotOnRoster,
    /// Only members with a pledge attend a 支援会議.
    #[error(
        "only members with a recorded confidentiality pledge attend a support meeting (支援会議)"
    )]
    AttendeeWithoutPledge,
    /// A text of the meeting is too long or has control characters.
    #[error("{0}")]
    MeetingText(ValidationErrors),
}

impl CaseRuleError {
    /// The fields at fault, for an API client.
    pub fn field_errors(&self) -> Vec<FieldError> {
        let one = |f: &str, v: Violation| vec![FieldError::new(f, v)];
        match self {
            CaseRuleError::Invalid(e) | CaseRuleError::MeetingText(e) => e.0.clone(),
            CaseRuleError::SupportMeetingNeedsPledgedRoster => {
                one("roster", Violation::PledgeMissing)
            }
            CaseRuleError::MeetingDateInFuture => one("held_on", Violation::InFuture),
            CaseRuleError::MeetingNeedsDecisions => one("decisions", Violation::Required),
            CaseRuleError::MeetingNeedsEvaluation => one("evaluation", Violation::Required),
            CaseRuleError::MeetingNeedsAttendee => one("attendees", Violation::Required),
            CaseRuleError::AttendeeNotOnRoster => one("attendees", Violation::Unknown),
            CaseRuleError::AttendeeWithoutPledge => one("attendees", Violation::PledgeMissing),
        }
    }
}

impl From<ValidationErrors> for CaseRuleError {
    fn from(e: ValidationErrors) -> Self {
        CaseRuleError::Invalid(e)
    }
}

/// Whether a 支援会議's roster allows its meeting: at least one member,
/// each with a pledge on record.
pub fn support_meeting_roster_ready(item: &CaseQueueItem) -> bool {
    !item.roster.is_empty() && item.roster.iter().all(|m| m.pledge_recorded_at.is_some())
}

/// A coordinator moves `item` to `to` (with the reason when it goes back to
/// outreach), given the person's consent on record. On success `item` is
/// moved; on a refusal it is left unchanged.
pub fn apply_move(
    item: &mut CaseQueueItem,
    to: CaseStatus,
    return_reason: Option<String>,
    consent: &ConsentRecord,
    now: DateTime<Utc>,
) -> Result<(), CaseRuleError> {
    item.status
        .check_transition(to, "to")
        .map_err(|fe| ValidationErrors(vec![fe]))?;
    if to == CaseStatus::MeetingScheduled
        && item.route == Route::SupportMeeting
        && !support_meeting_roster_ready(item)
    {
        return Err(CaseRuleError::SupportMeetingNeedsPledgedRoster);
    }
    let mut moved = item.clone();
    moved.status = to;
    moved.return_reason = if to == CaseStatus::ReturnedToOutreach {
        return_reason
    } else {
        None
    };
    moved.updated_at = now;
    moved.validate(consent)?;
    *item = moved;
    Ok(())
}

/// A coordinator adds (or updates) a member of `item`'s roster: a user with
/// `member_role` and `member_agency`, for the agency `member.agency`.
pub fn add_to_roster(
    item: &mut CaseQueueItem,
    member: RosterMember,
    member_role: Role,
    member_agency: Option<&AgencyId>,
    consent: &ConsentRecord,
    now: DateTime<Utc>,
) -> Result<(), CaseRuleError> {
    if member_role != Role::AgencyMember || member_agency != Some(&member.agency) {
        let mut e = ValidationErrors::default();
        e.push(
            "user",
            Violation::Contradicts {
                other: "agency".into(),
            },
        );
        return Err(e.into());
    }
    let mut changed = item.clone();
    changed.roster.retain(|m| m.user != member.user);
    changed.roster.push(member);
    changed.updated_at = now;
    changed.validate(consent)?;
    *item = changed;
    Ok(())
}

/// An optional text that was actually given (not blank).
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|t| !t.trim().is_empty())
}

/// Checks a meeting record against its case (`item`) on the local date
/// `today`: held already, decisions given, an evaluation at closure, texts
/// within their limits, and attendees from the roster (with a pledge, for
/// a 支援会議).
pub fn check_meeting(
    m: &Meeting,
    item: &CaseQueueItem,
    today: NaiveDate,
) -> Result<(), CaseRuleError> {
    if m.held_on > today {
        return Err(CaseRuleError::MeetingDateInFuture);
    }
    let text = |field: &str, value: Option<&str>| {
        let mut e = ValidationErrors::default();
        check_opt_text(&mut e, field, value, limits::REASON, Lines::Multi);
        e.finish().map_err(CaseRuleError::MeetingText)
    };
    if m.decisions.trim().is_empty() {
        return Err(CaseRuleError::MeetingNeedsDecisions);
    }
    text("decisions", Some(&m.decisions))?;
    text("evaluation", given(&m.evaluation))?;
    if m.purpose == crate::domain::meeting::MeetingPurpose::Closure
        && given(&m.evaluation).is_none()
    {
        return Err(CaseRuleError::MeetingNeedsEvaluation);
    }
    for a in &m.attendees {
        let Some(member) = item.roster.iter().find(|r| r.user == a.user) else {
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
    text("plan", given(&m.plan))?;
    text("monitoring", given(&m.monitoring))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case_queue::tests::escalation;
    use crate::domain::meeting::{Attendee, MeetingPurpose};
    use crate::ids::{CaseId, UserId};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    fn member(pledged: bool) -> RosterMember {
        RosterMember {
            user: UserId::new_v7(2, [8; 10]),
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: pledged.then(now),
        }
    }

    fn in_triage(route: Route) -> CaseQueueItem {
        let mut item = CaseQueueItem::received(escalation(route), now());
        item.status = CaseStatus::Triage;
        item
    }

    #[test]
    fn a_support_meeting_is_scheduled_only_with_a_pledged_roster() {
        let none = ConsentRecord::none();
        let mut item = in_triage(Route::SupportMeeting);
        assert_eq!(
            apply_move(&mut item, CaseStatus::MeetingScheduled, None, &none, now()),
            Err(CaseRuleError::SupportMeetingNeedsPledgedRoster)
        );
        assert_eq!(item.status, CaseStatus::Triage, "left unchanged");
        // A member without a pledge cannot even join a 支援会議's roster.
        let m = member(false);
        let agency = m.agency.clone();
        assert!(
            add_to_roster(
                &mut item,
                m,
                Role::AgencyMember,
                Some(&agency),
                &none,
                now()
            )
            .is_err()
        );
        assert!(item.roster.is_empty());
        add_to_roster(
            &mut item,
            member(true),
            Role::AgencyMember,
            Some(&agency),
            &none,
            now(),
        )
        .unwrap();
        apply_move(&mut item, CaseStatus::MeetingScheduled, None, &none, now()).unwrap();
        assert_eq!(item.status, CaseStatus::MeetingScheduled);
    }

    #[test]
    fn moves_follow_the_lifecycle_and_need_a_reason_to_return() {
        let none = ConsentRecord::none();
        let mut item = in_triage(Route::SupportMeeting);
        let e = apply_move(&mut item, CaseStatus::Closed, None, &none, now()).unwrap_err();
        assert!(matches!(e, CaseRuleError::Invalid(ref v) if v.has("to")));
        let e = apply_move(
            &mut item,
            CaseStatus::ReturnedToOutreach,
            None,
            &none,
            now(),
        )
        .unwrap_err();
        assert!(e.field_errors().iter().any(|f| f.field == "return_reason"));
        apply_move(
            &mut item,
            CaseStatus::ReturnedToOutreach,
            Some("本人の意向を再確認する".into()),
            &none,
            now(),
        )
        .unwrap();
        assert_eq!(item.status, CaseStatus::ReturnedToOutreach);
    }

    #[test]
    fn a_roster_member_must_be_of_the_named_agency() {
        let none = ConsentRecord::none();
        let mut item = in_triage(Route::SupportMeeting);
        let m = member(true);
        let other = AgencyId::new("houkatsu-asahi");
        let e = add_to_roster(
            &mut item,
            m.clone(),
            Role::AgencyMember,
            Some(&other),
            &none,
            now(),
        )
        .unwrap_err();
        assert!(e.field_errors().iter().any(|f| f.field == "user"));
        let e = add_to_roster(&mut item, m, Role::Coordinator, None, &none, now()).unwrap_err();
        assert!(matches!(e, CaseRuleError::Invalid(_)));
    }

    fn meeting(item: &CaseQueueItem) -> Meeting {
        Meeting {
            id: uuid::Uuid::nil(),
            case_id: CaseId::new_v7(1_780_000_000_000, [6; 10]),
            route: item.route,
            purpose: MeetingPurpose::Planning,
            held_on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            attendees: vec![Attendee {
                user: UserId::new_v7(2, [8; 10]),
                agency: AgencyId::new("kikan-soudan"),
                role: "就労の相談".into(),
            }],
            decisions: "月1回の訪問を続ける".into(),
            plan: None,
            monitoring: None,
            evaluation: None,
            recorded_by: UserId::new_v7(1, [4; 10]),
            recorded_at: now(),
        }
    }

    #[test]
    fn meeting_records_keep_their_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
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
        m.purpose = MeetingPurpose::Closure;
        assert_eq!(
            check_meeting(&m, &item, today),
            Err(CaseRuleError::MeetingNeedsEvaluation)
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
}
