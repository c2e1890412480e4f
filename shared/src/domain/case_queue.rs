//! Escalation to 多機関協働 and the case-queue item it becomes at the city's
//! 社会福祉課.
//!
//! The route is decided by consent: with the person's consent the case goes to
//! the 重層的支援会議; without it, to the 支援会議 (社会福祉法 §106-6), whose
//! members are bound to confidentiality and must each have a pledge on record.
//!
//! A case may also come from an agency or the coordinator ([`Referral`]),
//! carry later escalations of the same person folded into it
//! (`followups`), and a coordinator's request that outreach find the
//! person ([`FindRequest`]). Roster members see the case only while it is
//! open and they are on it ([`CaseQueueItem::grants_access`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::agency::AgencyId;
use super::consent::ConsentRecord;
use super::fields::{CrossTag, LifeField};
use crate::ids::{CaseId, PersonId, TeamId, UserId};
use crate::validation::{
    FieldError, Lines, ValidationContext, ValidationErrors, Violation, check_text, limits,
};

/// Which meeting a case goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// 重層的支援会議 — the person consented.
    MultiLayeredMeeting,
    /// 支援会議 — no consent; members bound to confidentiality.
    SupportMeeting,
}

impl Route {
    /// The route the consent on record calls for.
    pub fn for_consent(consent: &ConsentRecord) -> Route {
        if consent.allows_multi_layered_meeting() {
            Route::MultiLayeredMeeting
        } else {
            Route::SupportMeeting
        }
    }

    /// Checks a chosen route against the consent on record.
    pub fn check_against(&self, consent: &ConsentRecord, field: &str) -> Result<(), FieldError> {
        match (self, Route::for_consent(consent)) {
            (a, b) if *a == b => Ok(()),
            (Route::MultiLayeredMeeting, _) => {
                Err(FieldError::new(field, Violation::RouteNeedsConsent))
            }
            (Route::SupportMeeting, _) => {
                Err(FieldError::new(field, Violation::RouteIgnoresConsent))
            }
        }
    }
}

/// How urgent a case is. Sorts with emergencies first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 緊急 — a life-threatening situation; the city acts at once.
    Emergency,
    /// 早期対応
    High,
    /// 通常
    Normal,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Emergency, Urgency::High, Urgency::Normal];
}

/// An outreach worker's request to pass a case to 多機関協働.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Escalation {
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub raised_by: UserId,
    pub raised_at: DateTime<Utc>,
    /// Why the case needs several agencies.
    pub reason: String,
    #[serde(default)]
    pub fields: BTreeSet<LifeField>,
    #[serde(default)]
    pub tags: BTreeSet<CrossTag>,
    /// Agencies already involved.
    #[serde(default)]
    pub agencies_involved: BTreeSet<AgencyId>,
    pub urgency: Urgency,
    /// Decided by the consent on record when the case was raised.
    pub route: Route,
    /// For an escalation of the household (世帯として): the other members
    /// who are persons of their own, each with the route their **own**
    /// consent calls for (one member's consent never covers another;
    /// `case_rules::check_household`). Empty for one person alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub household: Vec<HouseholdCaseMember>,
}

/// A household member included in a case (a person of their own, linked
/// into the escalated person's household), with the meeting their own
/// consent lets them go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HouseholdCaseMember {
    pub person_id: PersonId,
    /// 重層的支援会議 only with this member's own consent on record.
    pub route: Route,
}

impl Escalation {
    /// Validates the escalation against the person's consent on record.
    pub fn validate(
        &self,
        ctx: &ValidationContext,
        consent: &ConsentRecord,
    ) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        check_text(
            &mut e,
            "reason",
            &self.reason,
            limits::REASON,
            true,
            Lines::Multi,
        );
        if self.fields.is_empty() && self.tags.is_empty() {
            e.push("fields", Violation::Required);
        }
        for (i, a) in self.agencies_involved.iter().enumerate() {
            if a.agency().is_none() {
                e.push(format!("agencies_involved.{i}"), Violation::Unknown);
            }
        }
        if self.raised_at > ctx.latest_allowed() {
            e.push("raised_at", Violation::InFuture);
        }
        if let Err(fe) = self.route.check_against(consent, "route") {
            e.0.push(fe);
        }
        e.finish()
    }
}

/// Where a case stands in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 受付
    Received,
    /// 振り分け中
    Triage,
    /// 会議予定
    MeetingScheduled,
    /// 支援プラン
    Plan,
    /// モニタリング
    Monitoring,
    /// 終結
    Closed,
    /// アウトリーチへ差し戻し
    ReturnedToOutreach,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::Received,
        CaseStatus::Triage,
        CaseStatus::MeetingScheduled,
        CaseStatus::Plan,
        CaseStatus::Monitoring,
        CaseStatus::Closed,
        CaseStatus::ReturnedToOutreach,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::Triage => "triage",
            CaseStatus::MeetingScheduled => "meeting_scheduled",
            CaseStatus::Plan => "plan",
            CaseStatus::Monitoring => "monitoring",
            CaseStatus::Closed => "closed",
            CaseStatus::ReturnedToOutreach => "returned_to_outreach",
        }
    }

    /// Whether a move from `self` to `to` is allowed.
    pub fn can_move_to(&self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (*self, to),
            (Received, Triage | ReturnedToOutreach)
                | (Triage, MeetingScheduled | ReturnedToOutreach)
                | (MeetingScheduled, Plan | Triage | ReturnedToOutreach)
                | (Plan, Monitoring | Triage)
                | (Monitoring, Plan | MeetingScheduled | Closed | Triage)
                | (ReturnedToOutreach, Received)
        )
    }

    pub fn check_transition(&self, to: CaseStatus, field: &str) -> Result<(), FieldError> {
        if self.can_move_to(to) {
            Ok(())
        } else {
            Err(FieldError::new(
                field,
                Violation::CaseTransitionNotAllowed {
                    from: self.code().into(),
                    to: to.code().into(),
                },
            ))
        }
    }

    pub fn is_open(&self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::ReturnedToOutreach)
    }
}

/// A member of a case's meeting (構成員).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RosterMember {
    pub user: UserId,
    pub agency: AgencyId,
    /// When the member's confidentiality pledge (守秘義務の誓約) was recorded;
    /// required for a 支援会議.
    pub pledge_recorded_at: Option<DateTime<Utc>>,
}

/// A case in the 多機関協働 queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseQueueItem {
    pub escalation: Escalation,
    pub status: CaseStatus,
    /// The current route; starts as the escalation's and follows consent.
    pub route: Route,
    /// Why the case was returned to outreach.
    pub return_reason: Option<String>,
    #[serde(default)]
    pub roster: Vec<RosterMember>,
    pub updated_at: DateTime<Utc>,
    /// Later escalations or referrals of the same person, received while
    /// this case was open and folded into it (never refused: a tablet must
    /// not be left with an escalation it cannot fix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub followups: Vec<Escalation>,
    /// Set when the case came from an agency or the coordinator rather
    /// than from outreach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    /// The coordinator's request that outreach find the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub find_request: Option<FindRequest>,
    /// The household members of the case, each with their route now
    /// (starts as the escalation's; follows each member's own consent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub household: Vec<HouseholdCaseMember>,
}

/// Where a referral came from, and the consent as the referrer knew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Referral {
    /// The referring agency; `None` when the coordinator filed it.
    pub agency: Option<AgencyId>,
    /// The consent as the referrer knew it (for a person already on
    /// record, the consent on record decides the route).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_as_known: Option<ConsentRecord>,
}

/// A coordinator asks outreach to find someone (a person with no contact
/// yet): the person joins that 社協 team's caseload at 把握, and the
/// request reaches the team's tablets with the case's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindRequest {
    pub team: TeamId,
    /// What outreach should know: whom to look for, where, why.
    pub request: String,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

impl CaseQueueItem {
    /// A new item as received from an escalation.
    pub fn received(escalation: Escalation, at: DateTime<Utc>) -> Self {
        Self {
            route: escalation.route,
            household: escalation.household.clone(),
            escalation,
            status: CaseStatus::Received,
            return_reason: None,
            roster: Vec::new(),
            updated_at: at,
            followups: Vec::new(),
            referral: None,
            find_request: None,
        }
    }

    /// Whether `user` sits on this case's meeting (and, for a 支援会議,
    /// has pledged confidentiality).
    pub fn is_on_roster(&self, user: UserId) -> bool {
        self.roster.iter().any(|m| {
            m.user == user
                && (self.route != Route::SupportMeeting || m.pledge_recorded_at.is_some())
        })
    }

    /// Whether a roster member may see the case now: it is open and they
    /// are on its roster (with a pledge, for a 支援会議). Closing the case,
    /// returning it to outreach or removing the member ends it at once.
    pub fn grants_access(&self, user: UserId) -> bool {
        self.status.is_open() && self.is_on_roster(user)
    }

    /// The roster entry of `user`.
    pub fn member(&self, user: UserId) -> Option<&RosterMember> {
        self.roster.iter().find(|m| m.user == user)
    }

    /// Whether `person`'s record goes to this case's meeting: the case's
    /// own person always (the case's route follows their consent); a
    /// household member of a 重層的支援会議 case only with their own
    /// consent (their route), of a 支援会議 case (members bound to
    /// confidentiality) always. Anyone else never.
    pub fn discusses(&self, person: PersonId) -> bool {
        if person == self.escalation.person_id {
            return true;
        }
        self.household.iter().any(|m| {
            m.person_id == person
                && (m.route == Route::MultiLayeredMeeting || self.route == Route::SupportMeeting)
        })
    }

    /// The household member `person` of this case, if any.
    pub fn household_member(&self, person: PersonId) -> Option<&HouseholdCaseMember> {
        self.household.iter().find(|m| m.person_id == person)
    }

    /// Applies a change of a household member's own consent: lost consent
    /// moves that member (only) out of the 重層的支援会議. Returns whether
    /// the member's route changed. Consent given later does not move a
    /// member by itself (as for the case's person).
    pub fn follow_member_consent(
        &mut self,
        person: PersonId,
        consent: &ConsentRecord,
        at: DateTime<Utc>,
    ) -> bool {
        let open = self.status.is_open();
        match self.household.iter_mut().find(|m| m.person_id == person) {
            Some(m)
                if open
                    && m.route == Route::MultiLayeredMeeting
                    && !consent.allows_multi_layered_meeting() =>
            {
                m.route = Route::SupportMeeting;
                self.updated_at = at;
                true
            }
            _ => false,
        }
    }

    /// The case's urgency: the most urgent of its escalation and follow-ups.
    pub fn urgency(&self) -> Urgency {
        self.followups
            .iter()
            .map(|f| f.urgency)
            .fold(self.escalation.urgency, Ord::min)
    }

    /// Validates the item against the person's consent on record. An open
    /// case goes to the 重層的支援会議 only with consent; a 支援会議 case
    /// whose person consented later stays valid (the coordinator moves it,
    /// `case_rules::change_route`).
    pub fn validate(&self, consent: &ConsentRecord) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.status.is_open()
            && self.route == Route::MultiLayeredMeeting
            && !consent.allows_multi_layered_meeting()
        {
            e.push("route", Violation::RouteNeedsConsent);
        }
        if self.status == CaseStatus::ReturnedToOutreach {
            match &self.return_reason {
                None => e.push("return_reason", Violation::Required),
                Some(r) => check_text(
                    &mut e,
                    "return_reason",
                    r,
                    limits::REASON,
                    true,
                    Lines::Multi,
                ),
            }
        }
        let mut seen = BTreeSet::new();
        for (i, m) in self.roster.iter().enumerate() {
            if !seen.insert(m.user) {
                e.push(format!("roster.{i}.user"), Violation::Duplicate);
            }
            if m.agency.agency().is_none() {
                e.push(format!("roster.{i}.agency"), Violation::Unknown);
            }
            if self.route == Route::SupportMeeting && m.pledge_recorded_at.is_none() {
                e.push(format!("roster.{i}"), Violation::PledgeMissing);
            }
        }
        e.finish()
    }

    /// Applies a change of consent: withdrawn (or otherwise lost) consent moves
    /// an open case out of the 重層的支援会議 and back to triage, where the
    /// coordinator sets up a 支援会議 roster with pledges (members without a
    /// pledge leave the roster). Consent given later does not move a case by
    /// itself; the coordinator decides (`case_rules::change_route`).
    pub fn follow_consent(&mut self, consent: &ConsentRecord, at: DateTime<Utc>) -> bool {
        if self.status.is_open()
            && self.route == Route::MultiLayeredMeeting
            && !consent.allows_multi_layered_meeting()
        {
            self.route = Route::SupportMeeting;
            if self.status != CaseStatus::Received {
                self.status = CaseStatus::Triage;
            }
            self.roster.retain(|m| m.pledge_recorded_at.is_some());
            self.updated_at = at;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::consent::{ConsentScope, ConsentStatus};
    use chrono::{NaiveDate, TimeZone};

    fn consent_given() -> ConsentRecord {
        ConsentRecord {
            status: ConsentStatus::Written,
            scope: [
                ConsentScope::MultiLayeredMeeting,
                ConsentScope::ShareWithAgencies,
            ]
            .into(),
            date: NaiveDate::from_ymd_opt(2026, 5, 1),
            recorded_by: Some(UserId::new_v7(1, [4; 10])),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    pub(crate) fn escalation(route: Route) -> Escalation {
        Escalation {
            case_id: CaseId::new_v7(1_780_000_000_000, [6; 10]),
            person_id: PersonId::new_v7(1_780_000_000_000, [1; 10]),
            raised_by: UserId::new_v7(1, [4; 10]),
            raised_at: Utc.with_ymd_and_hms(2026, 5, 31, 9, 0, 0).unwrap(),
            reason: "母の介護と本人のひきこもりが重なっている".into(),
            fields: [LifeField::Elderly].into(),
            tags: [CrossTag::EightyFifty].into(),
            agencies_involved: [AgencyId::new("houkatsu-asahi")].into(),
            urgency: Urgency::Normal,
            route,
            household: Vec::new(),
        }
    }

    #[test]
    fn route_follows_consent() {
        assert_eq!(
            Route::for_consent(&consent_given()),
            Route::MultiLayeredMeeting
        );
        assert_eq!(
            Route::for_consent(&ConsentRecord::none()),
            Route::SupportMeeting
        );
    }

    #[test]
    fn support_meeting_route_while_consent_recorded_is_refused() {
        let ctx = ValidationContext::at(now());
        let e = escalation(Route::SupportMeeting)
            .validate(&ctx, &consent_given())
            .unwrap_err();
        assert_eq!(
            e.get("route").unwrap().violation,
            Violation::RouteIgnoresConsent
        );
    }

    #[test]
    fn multi_layered_route_without_consent_is_refused() {
        let ctx = ValidationContext::at(now());
        let e = escalation(Route::MultiLayeredMeeting)
            .validate(&ctx, &ConsentRecord::none())
            .unwrap_err();
        assert_eq!(
            e.get("route").unwrap().violation,
            Violation::RouteNeedsConsent
        );
        escalation(Route::MultiLayeredMeeting)
            .validate(&ctx, &consent_given())
            .unwrap();
    }

    #[test]
    fn escalation_needs_reason_and_fields() {
        let ctx = ValidationContext::at(now());
        let mut x = escalation(Route::SupportMeeting);
        x.reason = String::new();
        x.fields.clear();
        x.tags.clear();
        x.agencies_involved.insert(AgencyId::new("unknown-agency"));
        let e = x.validate(&ctx, &ConsentRecord::none()).unwrap_err();
        assert!(e.has("reason") && e.has("fields"));
        assert!(
            e.0.iter()
                .any(|f| f.field.starts_with("agencies_involved."))
        );
    }

    #[test]
    fn support_meeting_roster_needs_pledges() {
        let mut item = CaseQueueItem::received(escalation(Route::SupportMeeting), now());
        let member = UserId::new_v7(2, [8; 10]);
        item.roster.push(RosterMember {
            user: member,
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: None,
        });
        let e = item.validate(&ConsentRecord::none()).unwrap_err();
        assert_eq!(
            e.get("roster.0").unwrap().violation,
            Violation::PledgeMissing
        );
        assert!(!item.is_on_roster(member));
        item.roster[0].pledge_recorded_at = Some(now());
        item.validate(&ConsentRecord::none()).unwrap();
        assert!(item.is_on_roster(member));
    }

    #[test]
    fn lifecycle() {
        use CaseStatus::*;
        assert!(Received.can_move_to(Triage));
        assert!(Triage.can_move_to(MeetingScheduled));
        assert!(MeetingScheduled.can_move_to(Plan));
        assert!(Plan.can_move_to(Monitoring));
        assert!(Monitoring.can_move_to(Closed));
        assert!(!Received.can_move_to(Closed));
        assert!(!Closed.can_move_to(Triage));
        assert!(Triage.check_transition(Closed, "status").is_err());
    }

    #[test]
    fn returned_needs_reason() {
        let mut item = CaseQueueItem::received(escalation(Route::SupportMeeting), now());
        item.status = CaseStatus::ReturnedToOutreach;
        assert!(
            item.validate(&ConsentRecord::none())
                .unwrap_err()
                .has("return_reason")
        );
    }

    #[test]
    fn withdrawn_consent_moves_case_out_of_multi_layered_meeting() {
        let mut item = CaseQueueItem::received(escalation(Route::MultiLayeredMeeting), now());
        item.status = CaseStatus::Plan;
        item.roster.push(RosterMember {
            user: UserId::new_v7(2, [8; 10]),
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: None,
        });
        let withdrawn = ConsentRecord {
            status: ConsentStatus::Withdrawn,
            scope: BTreeSet::new(),
            date: NaiveDate::from_ymd_opt(2026, 6, 1),
            recorded_by: Some(UserId::new_v7(1, [4; 10])),
        };
        assert!(item.follow_consent(&withdrawn, now()));
        assert_eq!(item.route, Route::SupportMeeting);
        assert_eq!(item.status, CaseStatus::Triage);
        assert!(item.roster.is_empty());
        assert!(!item.follow_consent(&withdrawn, now()));
    }

    #[test]
    fn a_support_meeting_case_stays_valid_when_consent_arrives_later() {
        let mut item = CaseQueueItem::received(escalation(Route::SupportMeeting), now());
        item.status = CaseStatus::MeetingScheduled;
        item.validate(&consent_given()).unwrap();
        // The other way round stays refused.
        item.route = Route::MultiLayeredMeeting;
        assert_eq!(
            item.validate(&ConsentRecord::none())
                .unwrap_err()
                .get("route")
                .unwrap()
                .violation,
            Violation::RouteNeedsConsent
        );
    }

    #[test]
    fn access_ends_with_the_case_and_urgency_follows_followups() {
        let mut item = CaseQueueItem::received(escalation(Route::MultiLayeredMeeting), now());
        let member = UserId::new_v7(2, [8; 10]);
        item.roster.push(RosterMember {
            user: member,
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: None,
        });
        assert!(item.grants_access(member));
        for closed in [CaseStatus::Closed, CaseStatus::ReturnedToOutreach] {
            item.status = closed;
            assert!(item.is_on_roster(member));
            assert!(!item.grants_access(member));
        }
        assert_eq!(item.urgency(), Urgency::Normal);
        let mut later = escalation(Route::MultiLayeredMeeting);
        later.urgency = Urgency::Emergency;
        item.followups.push(later);
        assert_eq!(item.urgency(), Urgency::Emergency);
    }

    #[test]
    fn emergencies_sort_first() {
        let mut v = [Urgency::Normal, Urgency::Emergency, Urgency::High];
        v.sort();
        assert_eq!(v[0], Urgency::Emergency);
    }
}
