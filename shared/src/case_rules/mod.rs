//! The rules of the 多機関協働 case queue, as pure functions every front
//! end reaches through the server's engine (the API and the console alike).
//! Who may make a change at all is [`crate::access::decide`]; these say
//! whether the change itself is allowed:
//!
//! - here: a coordinator's move ([`apply_move`]: the lifecycle, a 支援会議
//!   only with a pledged roster, the plan statuses only with a プラン or the
//!   支援会議's record, 終結 only with a closure evaluation), the route
//!   change when consent arrives later ([`change_route`]), roster changes
//!   ([`add_to_roster`], [`remove_from_roster`]) and later escalations of
//!   the same person ([`fold_followup`]);
//! - [`meetings`]: scheduling, recording and editing a meeting;
//! - [`household`]: a case raised for the household, each member routed
//!   by their own consent ([`check_household`]);
//! - [`plans`]: the プラン, monitoring, the closure evaluation and the
//!   支援会議's record.
//!
//! A refusal is a typed [`CaseRuleError`]: field errors where a field is at
//! fault, otherwise a named rule with an English message (the console
//! gives its own Japanese text for each).

mod household;
mod meetings;
mod plans;

pub use household::{check_household, household_members_for_escalation};

pub use meetings::{check_meeting, check_meeting_edit, check_schedule};
pub use plans::{
    check_closure, check_monitoring, check_plan, check_support_record, task_owner_fits,
};

use chrono::{DateTime, Utc};

use crate::access::Role;
use crate::domain::agency::AgencyId;
use crate::domain::case_queue::{CaseQueueItem, CaseStatus, Escalation, RosterMember, Route};
use crate::domain::consent::ConsentRecord;
use crate::ids::UserId;
use crate::validation::{FieldError, ValidationErrors, Violation};

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
    /// A 重層的支援会議 case reaches the plan statuses only with a プラン.
    #[error(
        "a case of the multi-layered support meeting moves to the plan or monitoring only with a plan (プラン) on record: record the plan first"
    )]
    PlanRequired,
    /// A 支援会議 case reaches the plan statuses only with its record of
    /// the role split and the direction of support.
    #[error(
        "a support meeting (支援会議) case moves on only with its record of the agencies' roles and the direction of support: record it first"
    )]
    SupportRecordRequired,
    /// 終結 needs the evaluation at closure.
    #[error(
        "a case closes (終結) only with its closure evaluation (outcome, reason, what continues, who watches): record it first"
    )]
    ClosureNeedsEvaluation,
    /// The case is closed or back with outreach.
    #[error("the case is closed or was returned to outreach: it cannot be changed")]
    CaseNotOpen,
    /// Only a 支援会議 case moves to the 重層的支援会議.
    #[error("the case already goes to the multi-layered support meeting (重層的支援会議)")]
    AlreadyMultiLayered,
    /// A プラン is only for the 重層的支援会議.
    #[error(
        "a plan (プラン) is made only for a case of the multi-layered support meeting (重層的支援会議); a support meeting keeps its record of roles and direction instead"
    )]
    PlanNeedsMultiLayeredRoute,
    /// The 支援会議's record is only for a 支援会議 case.
    #[error(
        "the record of roles and direction belongs to a support meeting (支援会議) case; a multi-layered support meeting case has a plan (プラン)"
    )]
    SupportRecordNeedsSupportMeeting,
    /// Plans, monitoring and records come after the case went to its
    /// meeting.
    #[error(
        "the case has not gone to its meeting yet: schedule the meeting before recording what it decided"
    )]
    NotYetAtMeeting,
    /// Monitoring needs a plan.
    #[error("there is no plan (プラン) to monitor: record the plan first")]
    NoPlanToMonitor,
    /// The monitoring was written against an older version of the plan.
    #[error(
        "the monitoring refers to an earlier version of the plan: reload the case and record it against the current plan"
    )]
    PlanVersionStale,
    /// A scheduled meeting is on a later date.
    #[error("a scheduled meeting needs today or a later date: record a past meeting as held")]
    ScheduleInPast,
    /// A scheduled meeting invites at least one member.
    #[error("a scheduled meeting needs at least one invited member of the roster")]
    MeetingNeedsInvitee,
    #[error("an invited member is not on the case's roster")]
    InviteeNotOnRoster,
    /// A meeting is recorded after it was held.
    #[error("the meeting date is in the future: record a meeting after it was held")]
    MeetingDateInFuture,
    #[error("a meeting record needs its decisions")]
    MeetingNeedsDecisions,
    #[error("a meeting record needs at least one attending member of the roster")]
    MeetingNeedsAttendee,
    #[error("an attendee is not on the case's roster")]
    AttendeeNotOnRoster,
    /// Only members with a pledge attend a 支援会議.
    #[error(
        "only members with a recorded confidentiality pledge attend a support meeting (支援会議)"
    )]
    AttendeeWithoutPledge,
    /// A held meeting cannot become a scheduled one again.
    #[error("a held meeting stays held: edit its record instead")]
    MeetingAlreadyHeld,
    /// A text of the meeting is too long or has control characters.
    #[error("{0}")]
    MeetingText(ValidationErrors),
    /// A find-request is for a person no outreach team knows yet.
    #[error(
        "the person is already on an outreach team's caseload: return the case to outreach instead of asking them to find the person"
    )]
    AlreadyOnCaseload,
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
            CaseRuleError::PlanRequired | CaseRuleError::NoPlanToMonitor => {
                one("plan", Violation::Required)
            }
            CaseRuleError::SupportRecordRequired => one("support_record", Violation::Required),
            CaseRuleError::ClosureNeedsEvaluation => one("closure", Violation::Required),
            CaseRuleError::CaseNotOpen | CaseRuleError::NotYetAtMeeting => one(
                "status",
                Violation::Contradicts {
                    other: "case".into(),
                },
            ),
            CaseRuleError::AlreadyMultiLayered
            | CaseRuleError::PlanNeedsMultiLayeredRoute
            | CaseRuleError::SupportRecordNeedsSupportMeeting => one(
                "route",
                Violation::Contradicts {
                    other: "case".into(),
                },
            ),
            CaseRuleError::PlanVersionStale => one(
                "plan_version",
                Violation::Contradicts {
                    other: "plan".into(),
                },
            ),
            CaseRuleError::ScheduleInPast => one("held_on", Violation::InPast),
            CaseRuleError::MeetingNeedsInvitee => one("invitees", Violation::Required),
            CaseRuleError::InviteeNotOnRoster => one("invitees", Violation::Unknown),
            CaseRuleError::MeetingDateInFuture => one("held_on", Violation::InFuture),
            CaseRuleError::MeetingNeedsDecisions => one("decisions", Violation::Required),
            CaseRuleError::MeetingNeedsAttendee => one("attendees", Violation::Required),
            CaseRuleError::AttendeeNotOnRoster => one("attendees", Violation::Unknown),
            CaseRuleError::AttendeeWithoutPledge => one("attendees", Violation::PledgeMissing),
            CaseRuleError::AlreadyOnCaseload => one(
                "team",
                Violation::Contradicts {
                    other: "person".into(),
                },
            ),
            CaseRuleError::MeetingAlreadyHeld => one(
                "state",
                Violation::Contradicts {
                    other: "meeting".into(),
                },
            ),
        }
    }
}

impl From<ValidationErrors> for CaseRuleError {
    fn from(e: ValidationErrors) -> Self {
        CaseRuleError::Invalid(e)
    }
}

/// One field at fault.
fn field(f: &str, v: Violation) -> CaseRuleError {
    let mut e = ValidationErrors::default();
    e.push(f, v);
    CaseRuleError::Invalid(e)
}

/// What a case already has on record, for the moves that need it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OnRecord {
    /// A プラン (重層的支援会議).
    pub plan: bool,
    /// The 支援会議's record of roles and direction.
    pub support_record: bool,
    /// The evaluation at closure.
    pub closure: bool,
}

/// Whether a 支援会議's roster allows its meeting: at least one member,
/// each with a pledge on record.
pub fn support_meeting_roster_ready(item: &CaseQueueItem) -> bool {
    !item.roster.is_empty() && item.roster.iter().all(|m| m.pledge_recorded_at.is_some())
}

fn require_open(item: &CaseQueueItem) -> Result<(), CaseRuleError> {
    if item.status.is_open() {
        Ok(())
    } else {
        Err(CaseRuleError::CaseNotOpen)
    }
}

/// A coordinator moves `item` to `to` (with the reason when it goes back to
/// outreach), given the person's consent on record and what the case has
/// on record. On success `item` is moved; on a refusal it is left
/// unchanged.
pub fn apply_move(
    item: &mut CaseQueueItem,
    to: CaseStatus,
    return_reason: Option<String>,
    consent: &ConsentRecord,
    on_record: OnRecord,
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
    if matches!(to, CaseStatus::Plan | CaseStatus::Monitoring) {
        match item.route {
            Route::MultiLayeredMeeting if !on_record.plan => {
                return Err(CaseRuleError::PlanRequired);
            }
            Route::SupportMeeting if !on_record.support_record => {
                return Err(CaseRuleError::SupportRecordRequired);
            }
            _ => {}
        }
    }
    if to == CaseStatus::Closed && !on_record.closure {
        return Err(CaseRuleError::ClosureNeedsEvaluation);
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

/// Consent given later: a coordinator moves an open 支援会議 case to the
/// 重層的支援会議. The roster is re-confirmed: only the members in `keep`
/// stay (their pledges stay on record, so they keep seeing what the
/// 支援会議 decided; members who join later do not, unless the person's
/// consent covers it — `shared::access`). The case goes back to triage
/// (a case still received stays received) to be put to its new meeting.
pub fn change_route(
    item: &mut CaseQueueItem,
    keep: &[UserId],
    consent: &ConsentRecord,
    now: DateTime<Utc>,
) -> Result<(), CaseRuleError> {
    require_open(item)?;
    if item.route == Route::MultiLayeredMeeting {
        return Err(CaseRuleError::AlreadyMultiLayered);
    }
    if !consent.allows_multi_layered_meeting() {
        return Err(field("route", Violation::RouteNeedsConsent));
    }
    let mut e = ValidationErrors::default();
    for (i, u) in keep.iter().enumerate() {
        if item.member(*u).is_none() {
            e.push(format!("keep.{i}"), Violation::Unknown);
        }
    }
    e.finish()?;
    let mut moved = item.clone();
    moved.route = Route::MultiLayeredMeeting;
    moved.roster.retain(|m| keep.contains(&m.user));
    if moved.status != CaseStatus::Received {
        moved.status = CaseStatus::Triage;
    }
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
    require_open(item)?;
    if member_role != Role::AgencyMember || member_agency != Some(&member.agency) {
        return Err(field(
            "user",
            Violation::Contradicts {
                other: "agency".into(),
            },
        ));
    }
    let mut changed = item.clone();
    changed.roster.retain(|m| m.user != member.user);
    changed.roster.push(member);
    changed.updated_at = now;
    changed.validate(consent)?;
    *item = changed;
    Ok(())
}

/// A coordinator removes `user` from `item`'s roster; their access to the
/// case ends with it. Returns the removed entry.
pub fn remove_from_roster(
    item: &mut CaseQueueItem,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<RosterMember, CaseRuleError> {
    let Some(pos) = item.roster.iter().position(|m| m.user == user) else {
        return Err(field("user", Violation::Unknown));
    };
    let removed = item.roster.remove(pos);
    item.updated_at = now;
    Ok(removed)
}

/// A coordinator asks outreach to find the person of `item` (whom no
/// outreach team has on its caseload yet, `on_caseload` false), with
/// `request` saying whom to look for, where and why.
pub fn check_find_request(
    item: &CaseQueueItem,
    on_caseload: bool,
    request: &str,
) -> Result<(), CaseRuleError> {
    require_open(item)?;
    if on_caseload || item.find_request.is_some() {
        return Err(CaseRuleError::AlreadyOnCaseload);
    }
    let mut e = ValidationErrors::default();
    crate::validation::check_text(
        &mut e,
        "request",
        request,
        crate::validation::limits::REASON,
        true,
        crate::validation::Lines::Multi,
    );
    e.finish()?;
    Ok(())
}

/// A later escalation (or referral) of a person whose case is still open
/// is folded into that case instead of being refused: the coordinator sees
/// it on the case (with its reason and urgency; an emergency makes the
/// case an emergency) and the tablet that sent it gets an answer it can
/// keep. Returns whether it was new (a repeat of the same id is ignored).
pub fn fold_followup(item: &mut CaseQueueItem, e: Escalation, now: DateTime<Utc>) -> bool {
    let id = e.case_id;
    if id == item.escalation.case_id || item.followups.iter().any(|f| f.case_id == id) {
        return false;
    }
    for m in &e.household {
        if m.person_id != item.escalation.person_id && item.household_member(m.person_id).is_none()
        {
            item.household.push(m.clone());
        }
    }
    item.followups.push(e);
    item.updated_at = now;
    true
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::case_queue::Urgency;
    use crate::domain::case_queue::tests::escalation;
    use crate::domain::consent::{ConsentScope, ConsentStatus};
    use chrono::TimeZone;

    pub(crate) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    pub(crate) fn member(pledged: bool) -> RosterMember {
        RosterMember {
            user: UserId::new_v7(2, [8; 10]),
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: pledged.then(now),
        }
    }

    pub(crate) fn in_triage(route: Route) -> CaseQueueItem {
        let mut item = CaseQueueItem::received(escalation(route), now());
        item.status = CaseStatus::Triage;
        item
    }

    fn consent() -> ConsentRecord {
        ConsentRecord {
            status: ConsentStatus::Written,
            scope: [ConsentScope::MultiLayeredMeeting].into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 5, 20),
            recorded_by: Some(UserId::new_v7(1, [4; 10])),
        }
    }

    const NOTHING: OnRecord = OnRecord {
        plan: false,
        support_record: false,
        closure: false,
    };

    #[test]
    fn a_support_meeting_is_scheduled_only_with_a_pledged_roster() {
        let none = ConsentRecord::none();
        let mut item = in_triage(Route::SupportMeeting);
        assert_eq!(
            apply_move(
                &mut item,
                CaseStatus::MeetingScheduled,
                None,
                &none,
                NOTHING,
                now()
            ),
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
        apply_move(
            &mut item,
            CaseStatus::MeetingScheduled,
            None,
            &none,
            NOTHING,
            now(),
        )
        .unwrap();
        assert_eq!(item.status, CaseStatus::MeetingScheduled);
    }

    #[test]
    fn moves_follow_the_lifecycle_and_need_a_reason_to_return() {
        let none = ConsentRecord::none();
        let mut item = in_triage(Route::SupportMeeting);
        let e = apply_move(&mut item, CaseStatus::Closed, None, &none, NOTHING, now()).unwrap_err();
        assert!(matches!(e, CaseRuleError::Invalid(ref v) if v.has("to")));
        let e = apply_move(
            &mut item,
            CaseStatus::ReturnedToOutreach,
            None,
            &none,
            NOTHING,
            now(),
        )
        .unwrap_err();
        assert!(e.field_errors().iter().any(|f| f.field == "return_reason"));
        apply_move(
            &mut item,
            CaseStatus::ReturnedToOutreach,
            Some("本人の意向を再確認する".into()),
            &none,
            NOTHING,
            now(),
        )
        .unwrap();
        assert_eq!(item.status, CaseStatus::ReturnedToOutreach);
    }

    #[test]
    fn the_plan_statuses_need_their_record_and_closure_its_evaluation() {
        let c = consent();
        let mut ml = in_triage(Route::MultiLayeredMeeting);
        ml.status = CaseStatus::MeetingScheduled;
        assert_eq!(
            apply_move(&mut ml, CaseStatus::Plan, None, &c, NOTHING, now()),
            Err(CaseRuleError::PlanRequired)
        );
        // The 支援会議's record does not stand in for a プラン.
        let sm_record = OnRecord {
            support_record: true,
            ..NOTHING
        };
        assert_eq!(
            apply_move(&mut ml, CaseStatus::Plan, None, &c, sm_record, now()),
            Err(CaseRuleError::PlanRequired)
        );
        let planned = OnRecord {
            plan: true,
            ..NOTHING
        };
        apply_move(&mut ml, CaseStatus::Plan, None, &c, planned, now()).unwrap();
        apply_move(&mut ml, CaseStatus::Monitoring, None, &c, planned, now()).unwrap();
        assert_eq!(
            apply_move(&mut ml, CaseStatus::Closed, None, &c, planned, now()),
            Err(CaseRuleError::ClosureNeedsEvaluation)
        );
        assert_eq!(ml.status, CaseStatus::Monitoring);
        let evaluated = OnRecord {
            closure: true,
            ..planned
        };
        apply_move(&mut ml, CaseStatus::Closed, None, &c, evaluated, now()).unwrap();

        let none = ConsentRecord::none();
        let mut sm = in_triage(Route::SupportMeeting);
        sm.roster.push(member(true));
        sm.status = CaseStatus::MeetingScheduled;
        assert_eq!(
            apply_move(&mut sm, CaseStatus::Plan, None, &none, planned, now()),
            Err(CaseRuleError::SupportRecordRequired)
        );
        apply_move(&mut sm, CaseStatus::Plan, None, &none, sm_record, now()).unwrap();
    }

    #[test]
    fn consent_given_later_moves_the_case_to_the_multi_layered_meeting() {
        let mut item = in_triage(Route::SupportMeeting);
        item.status = CaseStatus::MeetingScheduled;
        let pledged = member(true);
        let other = RosterMember {
            user: UserId::new_v7(3, [9; 10]),
            agency: AgencyId::new("houkatsu-asahi"),
            pledge_recorded_at: Some(now()),
        };
        item.roster = vec![pledged.clone(), other.clone()];
        // Without consent on record: refused, nothing changed.
        let before = item.clone();
        let e =
            change_route(&mut item, &[pledged.user], &ConsentRecord::none(), now()).unwrap_err();
        assert!(
            e.field_errors()
                .iter()
                .any(|f| f.violation == Violation::RouteNeedsConsent)
        );
        assert_eq!(item, before);
        // A member to keep must be on the roster.
        let stranger = UserId::new_v7(4, [1; 10]);
        assert!(change_route(&mut item, &[stranger], &consent(), now()).is_err());
        // With consent: the route changes, the roster is re-confirmed.
        change_route(&mut item, &[pledged.user], &consent(), now()).unwrap();
        assert_eq!(item.route, Route::MultiLayeredMeeting);
        assert_eq!(item.status, CaseStatus::Triage);
        assert_eq!(item.roster, vec![pledged]);
        assert_eq!(
            change_route(&mut item, &[], &consent(), now()),
            Err(CaseRuleError::AlreadyMultiLayered)
        );
        // And back: withdrawal moves it out again (CaseQueueItem::follow_consent).
        let withdrawn = ConsentRecord {
            status: ConsentStatus::Withdrawn,
            scope: Default::default(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
            recorded_by: Some(UserId::new_v7(1, [4; 10])),
        };
        assert!(item.follow_consent(&withdrawn, now()));
        assert_eq!(item.route, Route::SupportMeeting);
        // A closed case is not moved.
        item.status = CaseStatus::Closed;
        assert_eq!(
            change_route(&mut item, &[], &consent(), now()),
            Err(CaseRuleError::CaseNotOpen)
        );
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

    #[test]
    fn members_are_removed_and_closed_cases_take_none() {
        let none = ConsentRecord::none();
        let mut item = in_triage(Route::SupportMeeting);
        let m = member(true);
        item.roster.push(m.clone());
        assert!(remove_from_roster(&mut item, UserId::new_v7(9, [9; 10]), now()).is_err());
        assert_eq!(remove_from_roster(&mut item, m.user, now()).unwrap(), m);
        assert!(!item.is_on_roster(m.user));
        item.status = CaseStatus::Closed;
        assert_eq!(
            add_to_roster(
                &mut item,
                m.clone(),
                Role::AgencyMember,
                Some(&m.agency),
                &none,
                now()
            ),
            Err(CaseRuleError::CaseNotOpen)
        );
    }

    #[test]
    fn outreach_is_asked_to_find_only_someone_it_does_not_know() {
        let item = in_triage(Route::SupportMeeting);
        check_find_request(&item, false, "（架空）駅前の集合住宅で見かけるとの情報").unwrap();
        assert_eq!(
            check_find_request(&item, true, "（架空）依頼"),
            Err(CaseRuleError::AlreadyOnCaseload)
        );
        assert!(
            check_find_request(&item, false, " ")
                .unwrap_err()
                .field_errors()
                .iter()
                .any(|f| f.field == "request")
        );
        let mut closed = item;
        closed.status = CaseStatus::Closed;
        assert_eq!(
            check_find_request(&closed, false, "x"),
            Err(CaseRuleError::CaseNotOpen)
        );
    }

    #[test]
    fn later_escalations_are_folded_in_once() {
        let mut item = in_triage(Route::SupportMeeting);
        let mut later = escalation(Route::MultiLayeredMeeting);
        later.case_id = crate::ids::CaseId::new_v7(1_790_000_000_000, [7; 10]);
        later.urgency = Urgency::Emergency;
        assert!(fold_followup(&mut item, later.clone(), now()));
        assert!(!fold_followup(&mut item, later, now()));
        let own = item.escalation.clone();
        assert!(!fold_followup(&mut item, own, now()));
        assert_eq!(item.followups.len(), 1);
        assert_eq!(item.urgency(), Urgency::Emergency);
    }
}
