//! Who may see or change what: one pure function, [`decide`], used by the
//! server's API, the console and the pull filter alike.
//!
//! The rules, in short:
//! - outreach workers and supervisors work on their own team's caseload;
//! - a worker's reflection is seen by the worker and the team's supervisors
//!   only;
//! - coordinators (社会福祉課) see the case queue and the persons escalated
//!   to it, but not reflections and not caseloads that were never escalated;
//! - an agency member sees a case only while it is open and they are on its
//!   meeting's roster, and for a 支援会議 only with a confidentiality pledge
//!   on record; what a 支援会議 decided stays with its pledged members even
//!   after the case moves to the 重層的支援会議, unless the person's consent
//!   covers sharing it;
//! - coordinators and agency members file referrals; outreach workers and
//!   supervisors never read a meeting's records;
//! - the escalating team (its workers and supervisors) follows its cases'
//!   **status only** ([`Resource::CaseStatus`], the server's
//!   `CaseStatusView`): never the roster, the minutes, the agenda, the
//!   referral or other escalations folded in ([`case_view`]);
//! - an agency member who may read a person reads the alias and the
//!   consent only ([`person_view`]): the household, summary, area, tags
//!   and the rest of the record stay with outreach and the coordinator.

use serde::{Deserialize, Serialize};

use crate::domain::agency::AgencyId;
use crate::domain::case_queue::{CaseQueueItem, Route};
use crate::domain::person::{Household, Person};
use crate::ids::{PersonId, TeamId, UserId};
use crate::protocol::PersonSnapshot;

/// What a user does in the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// アウトリーチ支援員 (社協)
    OutreachWorker,
    /// スーパーバイザー (社協)
    Supervisor,
    /// 多機関協働コーディネーター (社会福祉課)
    Coordinator,
    /// 支援関係機関の構成員
    AgencyMember,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::OutreachWorker,
        Role::Supervisor,
        Role::Coordinator,
        Role::AgencyMember,
    ];

    /// Whether the role reads a case's status only, never the case itself
    /// (its roster, reason, referral, meetings): the escalating team.
    pub fn reads_case_status_only(self) -> bool {
        matches!(self, Role::OutreachWorker | Role::Supervisor)
    }
}

/// The user asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    /// The team, for workers and supervisors.
    pub team: Option<TeamId>,
    /// The agency, for agency members.
    pub agency: Option<AgencyId>,
}

/// Reading or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Write,
}

/// The record asked about, with what the rule needs to know of it.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A person's record. `case` is the case-queue item, if escalated.
    Person {
        team: TeamId,
        case: Option<&'a CaseQueueItem>,
    },
    /// A person's record reached as a member of another person's
    /// household (世帯員): on the household of a page, or through a case
    /// raised for the household. `case` is a case that lists the member
    /// (`CaseQueueItem::household`), if any: its meeting sees the member
    /// only by the member's own consent (`CaseQueueItem::discusses`).
    HouseholdMember {
        team: TeamId,
        person: PersonId,
        case: Option<&'a CaseQueueItem>,
    },
    /// A contact log (without its reflection).
    ContactLog {
        team: TeamId,
        author: UserId,
        case: Option<&'a CaseQueueItem>,
    },
    /// The reflection part of a contact log.
    Reflection { team: TeamId, author: UserId },
    /// A supervisor's review of a team's contact log.
    Review { team: TeamId },
    /// A case-queue item as a whole (its reason, roster, referral,
    /// history); `team` is the team of the person's caseload.
    Case {
        item: &'a CaseQueueItem,
        team: TeamId,
    },
    /// A case's status only (route, status, next meeting date, the 社協's
    /// tasks, the find-request): what the escalating team follows.
    CaseStatus {
        item: &'a CaseQueueItem,
        team: TeamId,
    },
    /// A record of a case's meetings: a meeting, the プラン, a monitoring,
    /// the closure evaluation or the 支援会議's record. `route` is the
    /// route the record was made under; `shared_by_consent` says the
    /// person's consent in force covers sharing it with the agencies.
    CaseRecord {
        item: &'a CaseQueueItem,
        team: TeamId,
        route: Route,
        shared_by_consent: bool,
    },
    /// A referral to 多機関協働 (a new case from an agency or the
    /// coordinator).
    Referral,
    /// An enrolled device of a team.
    Device { team: TeamId },
    /// A 参加支援 record of a person (needs, a trial, a follow-up): the
    /// rule of a contact log (the team's caseload; the coordinator once
    /// escalated; never an agency member).
    Participation {
        team: TeamId,
        case: Option<&'a CaseQueueItem>,
    },
    /// A community activity of 地域づくり (not tied to a person; roles and
    /// counts, no resident's name): the team's workers write and read it,
    /// the team's supervisors read it, the coordinators read every team's
    /// (the city's picture of the area); never an agency member.
    CommunityActivity { team: TeamId },
    /// The 地域資源 catalogue: everyone reads it; coordinators and the
    /// 社協's supervisors keep it.
    LocalResource,
    /// The anonymised evaluation report.
    Report,
    /// The audit log.
    Audit,
}

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The record belongs to another team.
    OtherTeam,
    /// The role never has this access.
    Role,
    /// The case is not on a meeting roster this user sits on.
    NotOnRoster,
    /// The person was never escalated to 多機関協働.
    NotEscalated,
    /// Reflections are for their author and supervisors only.
    PrivateReflection,
    /// What a 支援会議 decided is for its pledged members only.
    Confidential,
    /// The escalating team follows a case's status only.
    StatusOnly,
    /// A household member goes to the 重層的支援会議 only with their own
    /// consent (another member's never covers them).
    NoOwnConsent,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }

    fn from_bool(ok: bool, reason: DenyReason) -> Self {
        if ok {
            Decision::Allow
        } else {
            Decision::Deny(reason)
        }
    }
}

/// May `actor` do `action` on `resource`?
pub fn decide(actor: &Actor, action: Action, resource: Resource<'_>) -> Decision {
    use Action::*;
    use Decision::Deny;
    use Role::*;
    let own_team = |team: TeamId| actor.team == Some(team);
    let on_roster = |case: &CaseQueueItem| case.grants_access(actor.user);
    match (actor.role, resource) {
        // Caseload records: the team works on them.
        (OutreachWorker | Supervisor, Resource::Person { team, .. }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (OutreachWorker, Resource::ContactLog { team, .. }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (Supervisor, Resource::ContactLog { team, .. }) => match action {
            Read => Decision::from_bool(own_team(team), DenyReason::OtherTeam),
            // Supervisors review logs; they do not write them.
            Write => Deny(DenyReason::Role),
        },
        (Coordinator, Resource::Person { case, .. } | Resource::ContactLog { case, .. }) => {
            match (action, case) {
                (Read, Some(_)) => Decision::Allow,
                (Read, None) => Deny(DenyReason::NotEscalated),
                (Write, _) => Deny(DenyReason::Role),
            }
        }
        (AgencyMember, Resource::Person { case, .. }) => match (action, case) {
            (Read, Some(c)) => Decision::from_bool(on_roster(c), DenyReason::NotOnRoster),
            (Read, None) => Deny(DenyReason::NotOnRoster),
            (Write, _) => Deny(DenyReason::Role),
        },
        (AgencyMember, Resource::ContactLog { .. }) => Deny(DenyReason::Role),

        // A household member: the team's caseload as for any person; the
        // coordinator once a case lists them; a roster member only where
        // the case's meeting discusses them (their own consent for a
        // 重層的支援会議).
        (OutreachWorker | Supervisor, Resource::HouseholdMember { team, .. }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (Coordinator, Resource::HouseholdMember { case, .. }) => match (action, case) {
            (Read, Some(_)) => Decision::Allow,
            (Read, None) => Deny(DenyReason::NotEscalated),
            (Write, _) => Deny(DenyReason::Role),
        },
        (AgencyMember, Resource::HouseholdMember { case, person, .. }) => match (action, case) {
            (Read, Some(c)) if !on_roster(c) => Deny(DenyReason::NotOnRoster),
            (Read, Some(c)) => Decision::from_bool(c.discusses(person), DenyReason::NoOwnConsent),
            (Read, None) => Deny(DenyReason::NotOnRoster),
            (Write, _) => Deny(DenyReason::Role),
        },

        // Reflections: the author, and the team's supervisors may read.
        (OutreachWorker, Resource::Reflection { author, team }) => Decision::from_bool(
            author == actor.user && own_team(team),
            DenyReason::PrivateReflection,
        ),
        (Supervisor, Resource::Reflection { team, .. }) => match action {
            Read => Decision::from_bool(own_team(team), DenyReason::OtherTeam),
            Write => Deny(DenyReason::PrivateReflection),
        },
        (Coordinator | AgencyMember, Resource::Reflection { .. }) => {
            Deny(DenyReason::PrivateReflection)
        }

        // Reviews: supervisors write them, the team reads them.
        (OutreachWorker, Resource::Review { team }) => match action {
            Read => Decision::from_bool(own_team(team), DenyReason::OtherTeam),
            Write => Deny(DenyReason::Role),
        },
        (Supervisor, Resource::Review { team }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (Coordinator | AgencyMember, Resource::Review { .. }) => Deny(DenyReason::Role),

        // The case queue.
        (Coordinator, Resource::Case { .. }) => Decision::Allow,
        (OutreachWorker | Supervisor, Resource::Case { team, .. }) => match action {
            // The escalating team follows the status of its cases only.
            Read if own_team(team) => Deny(DenyReason::StatusOnly),
            Read => Deny(DenyReason::OtherTeam),
            Write => Deny(DenyReason::Role),
        },
        (AgencyMember, Resource::Case { item, .. }) => match action {
            Read => Decision::from_bool(on_roster(item), DenyReason::NotOnRoster),
            Write => Deny(DenyReason::Role),
        },
        // A case's status: whoever reads the case, and the escalating team.
        (_, Resource::CaseStatus { .. }) if action == Write => Deny(DenyReason::Role),
        (Coordinator, Resource::CaseStatus { .. }) => Decision::Allow,
        (OutreachWorker | Supervisor, Resource::CaseStatus { team, .. }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (AgencyMember, Resource::CaseStatus { item, .. }) => {
            Decision::from_bool(on_roster(item), DenyReason::NotOnRoster)
        }

        // A case's meeting records: coordinators; roster members read them
        // while the case is open, a 支援会議's only with their pledge (or
        // with the person's consent to share).
        (Coordinator, Resource::CaseRecord { .. }) => Decision::Allow,
        (
            AgencyMember,
            Resource::CaseRecord {
                item,
                route,
                shared_by_consent,
                ..
            },
        ) => match action {
            Read if !on_roster(item) => Deny(DenyReason::NotOnRoster),
            Read => {
                let pledged = item
                    .member(actor.user)
                    .is_some_and(|m| m.pledge_recorded_at.is_some());
                Decision::from_bool(
                    route == Route::MultiLayeredMeeting || pledged || shared_by_consent,
                    DenyReason::Confidential,
                )
            }
            Write => Deny(DenyReason::Role),
        },
        (OutreachWorker | Supervisor, Resource::CaseRecord { .. }) => Deny(DenyReason::Role),

        // Referrals: the coordinator and the agencies file them.
        (Coordinator | AgencyMember, Resource::Referral) => {
            Decision::from_bool(action == Write, DenyReason::Role)
        }
        (OutreachWorker | Supervisor, Resource::Referral) => Deny(DenyReason::Role),

        // Devices: the team's supervisors enrol and revoke.
        (Supervisor, Resource::Device { team }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (_, Resource::Device { .. }) => Deny(DenyReason::Role),

        // The evaluation report and the audit log: read-only, office roles.
        (Supervisor | Coordinator, Resource::Report | Resource::Audit) => {
            Decision::from_bool(action == Read, DenyReason::Role)
        }
        (_, Resource::Report | Resource::Audit) => Deny(DenyReason::Role),

        // 参加支援 records: a person's record, by the contact log's rule.
        (_, Resource::Participation { team, case }) => decide(
            actor,
            action,
            Resource::ContactLog {
                team,
                author: actor.user,
                case,
            },
        ),
        // Community activities: the team's network work.
        (OutreachWorker, Resource::CommunityActivity { team }) => {
            Decision::from_bool(own_team(team), DenyReason::OtherTeam)
        }
        (Supervisor, Resource::CommunityActivity { team }) => match action {
            Read => Decision::from_bool(own_team(team), DenyReason::OtherTeam),
            Write => Deny(DenyReason::Role),
        },
        (Coordinator, Resource::CommunityActivity { .. }) => {
            Decision::from_bool(action == Read, DenyReason::Role)
        }
        (AgencyMember, Resource::CommunityActivity { .. }) => Deny(DenyReason::Role),
        // The 地域資源 catalogue.
        (_, Resource::LocalResource) if action == Read => Decision::Allow,
        (Coordinator | Supervisor, Resource::LocalResource) => Decision::Allow,
        (OutreachWorker | AgencyMember, Resource::LocalResource) => Deny(DenyReason::Role),
    }
}

/// How a linked household member shows on another member's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberShown {
    /// The member's record as the reader may read it.
    Visible,
    /// 「他チームの担当」: on another team's caseload; nothing more is
    /// shown (not the alias).
    OtherTeam,
    /// Not shown at all.
    Hidden,
}

/// How household member `person` (of `team`'s caseload; `case` a case
/// listing them, if any) shows to `actor` on another member's page: the
/// rule of [`decide`] for [`Resource::HouseholdMember`], with a member of
/// another team's caseload named as such (never their record) and every
/// other refusal hidden.
pub fn household_member_shown(
    actor: &Actor,
    team: TeamId,
    person: PersonId,
    case: Option<&CaseQueueItem>,
) -> MemberShown {
    match decide(
        actor,
        Action::Read,
        Resource::HouseholdMember { team, person, case },
    ) {
        Decision::Allow => MemberShown::Visible,
        Decision::Deny(DenyReason::OtherTeam) => MemberShown::OtherTeam,
        Decision::Deny(_) => MemberShown::Hidden,
    }
}

/// A case as `actor` reads it once [`decide`] let it read the case: an
/// agency member does not see the household members its meeting does not
/// discuss (`CaseQueueItem::discusses`: a member without their own
/// consent, at a 重層的支援会議), not even their ids.
pub fn case_item_view(actor: &Actor, mut item: CaseQueueItem) -> CaseQueueItem {
    if actor.role == Role::AgencyMember {
        let kept: Vec<_> = item
            .household
            .iter()
            .filter(|m| item.discusses(m.person_id))
            .cloned()
            .collect();
        item.household = kept;
        let keep = |p: PersonId| item.household.iter().any(|m| m.person_id == p);
        let mut esc = item.escalation.clone();
        esc.household.retain(|m| keep(m.person_id));
        let mut followups = item.followups.clone();
        for f in &mut followups {
            f.household.retain(|m| keep(m.person_id));
        }
        item.escalation = esc;
        item.followups = followups;
    }
    item
}

/// How much of a case a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseView {
    /// The case as a whole (coordinators; roster members while it is open).
    Full,
    /// Its status only (the escalating team).
    Status,
}

/// What of case `item` (of `team`'s caseload) `actor` may read: the case
/// as a whole, its status only, or nothing (with the reason). Every read
/// path of the server asks this (or [`decide`] with the same resources).
pub fn case_view(
    actor: &Actor,
    item: &CaseQueueItem,
    team: TeamId,
) -> Result<CaseView, DenyReason> {
    match decide(actor, Action::Read, Resource::Case { item, team }) {
        Decision::Allow => Ok(CaseView::Full),
        Decision::Deny(_) => match decide(actor, Action::Read, Resource::CaseStatus { item, team })
        {
            Decision::Allow => Ok(CaseView::Status),
            Decision::Deny(r) => Err(r),
        },
    }
}

/// Whether [`person_view`] withholds part of a person's record from
/// `actor`: agency members read the alias and the consent only.
pub fn person_withheld(actor: &Actor) -> bool {
    actor.role == Role::AgencyMember
}

/// A person's record as `actor` reads it, once [`decide`] let it read the
/// person: whole for the team and the coordinator; for an agency member
/// only the alias and the consent (with the id, team, stage and creation
/// time a record cannot lack). Kana, birth year, sex, area, how the person
/// was noticed, the summary, the household, fields, tags, the scheme gap,
/// the stage note and the worker in charge are left out (empty).
pub fn person_view(actor: &Actor, person: Person) -> Person {
    if !person_withheld(actor) {
        return person;
    }
    Person {
        id: person.id,
        alias: person.alias,
        kana: None,
        birth_year: None,
        sex: None,
        area: None,
        noticed_by: None,
        summary: None,
        household: Household::default(),
        fields: Default::default(),
        tags: Default::default(),
        scheme_gap: None,
        stage: person.stage,
        stage_note: None,
        consent: person.consent,
        team: person.team,
        assigned_worker: None,
        created_at: person.created_at,
    }
}

/// The fields of a person's record an agency member reads ([`person_view`]).
pub const AGENCY_PERSON_FIELDS: [&str; 3] = ["alias", "consent", "stage"];

/// [`person_view`] of a snapshot: the field versions of what is left out
/// go too.
pub fn person_snapshot_view(actor: &Actor, snap: PersonSnapshot) -> PersonSnapshot {
    if !person_withheld(actor) {
        return snap;
    }
    PersonSnapshot {
        person: person_view(actor, snap.person),
        versions: snap
            .versions
            .into_iter()
            .filter(|(k, _)| AGENCY_PERSON_FIELDS.contains(&k.as_str()))
            .collect(),
        // Who in the 社協 is in charge, and the hand-over note (which
        // speaks of the person): neither is for an agency member.
        assigned_name: None,
        handover: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case_queue::{Escalation, RosterMember, Route, Urgency};
    use crate::ids::{CaseId, PersonId};
    use chrono::{TimeZone, Utc};

    fn team(n: u8) -> TeamId {
        TeamId::new_v7(1, [n; 10])
    }
    fn user(n: u8) -> UserId {
        UserId::new_v7(2, [n; 10])
    }
    fn actor(role: Role, u: u8, t: Option<u8>) -> Actor {
        Actor {
            user: user(u),
            role,
            team: t.map(team),
            agency: (role == Role::AgencyMember).then(|| AgencyId::new("kikan-soudan")),
        }
    }
    fn case(route: Route, roster: &[(u8, bool)]) -> CaseQueueItem {
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let mut item = CaseQueueItem::received(
            Escalation {
                case_id: CaseId::new_v7(3, [1; 10]),
                person_id: PersonId::new_v7(3, [1; 10]),
                raised_by: user(1),
                raised_at: at,
                reason: "x".into(),
                fields: Default::default(),
                tags: Default::default(),
                agencies_involved: Default::default(),
                urgency: Urgency::Normal,
                route,
                household: Vec::new(),
            },
            at,
        );
        item.roster = roster
            .iter()
            .map(|&(u, pledged)| RosterMember {
                user: user(u),
                agency: AgencyId::new("kikan-soudan"),
                pledge_recorded_at: pledged.then_some(at),
            })
            .collect();
        item
    }

    #[test]
    fn workers_see_their_team_only() {
        let w = actor(Role::OutreachWorker, 1, Some(1));
        let own = Resource::Person {
            team: team(1),
            case: None,
        };
        let other = Resource::Person {
            team: team(2),
            case: None,
        };
        assert!(decide(&w, Action::Read, own).is_allowed());
        assert!(decide(&w, Action::Write, own).is_allowed());
        assert_eq!(
            decide(&w, Action::Read, other),
            Decision::Deny(DenyReason::OtherTeam)
        );
        assert!(!decide(&w, Action::Write, other).is_allowed());
    }

    #[test]
    fn household_members_show_by_team_and_reach_a_meeting_by_their_own_consent() {
        use crate::domain::case_queue::HouseholdCaseMember;
        let son = PersonId::new_v7(4, [1; 10]);
        let daughter = PersonId::new_v7(4, [2; 10]);
        let mut item = case(Route::MultiLayeredMeeting, &[(7, false)]);
        item.household = vec![
            HouseholdCaseMember {
                person_id: son,
                route: Route::SupportMeeting,
            },
            HouseholdCaseMember {
                person_id: daughter,
                route: Route::MultiLayeredMeeting,
            },
        ];
        // A worker: own team's members visible, another team's named as such.
        let w = actor(Role::OutreachWorker, 1, Some(1));
        assert_eq!(
            household_member_shown(&w, team(1), son, None),
            MemberShown::Visible
        );
        assert_eq!(
            household_member_shown(&w, team(2), son, Some(&item)),
            MemberShown::OtherTeam
        );
        // The coordinator: members a case lists, not others.
        let c = actor(Role::Coordinator, 5, None);
        assert_eq!(
            household_member_shown(&c, team(2), son, Some(&item)),
            MemberShown::Visible
        );
        assert_eq!(
            household_member_shown(&c, team(2), son, None),
            MemberShown::Hidden
        );
        // A roster member of the 重層的支援会議: the consenting daughter only.
        let a = actor(Role::AgencyMember, 7, None);
        assert_eq!(
            decide(
                &a,
                Action::Read,
                Resource::HouseholdMember {
                    team: team(1),
                    person: son,
                    case: Some(&item),
                },
            ),
            Decision::Deny(DenyReason::NoOwnConsent)
        );
        assert_eq!(
            household_member_shown(&a, team(1), daughter, Some(&item)),
            MemberShown::Visible
        );
        assert!(
            !decide(
                &a,
                Action::Write,
                Resource::HouseholdMember {
                    team: team(1),
                    person: daughter,
                    case: Some(&item),
                },
            )
            .is_allowed()
        );
        // The case as the roster member reads it: the son is not in it.
        let seen = case_item_view(&a, item.clone());
        assert_eq!(seen.household.len(), 1);
        assert_eq!(seen.household[0].person_id, daughter);
        assert_eq!(case_item_view(&c, item.clone()).household.len(), 2);
        // Not on the roster: nothing.
        let other = actor(Role::AgencyMember, 8, None);
        assert_eq!(
            household_member_shown(&other, team(1), daughter, Some(&item)),
            MemberShown::Hidden
        );
        // A 支援会議 (pledged members) discusses the son too.
        let mut support = item.clone();
        support.route = Route::SupportMeeting;
        support.roster[0].pledge_recorded_at = Some(support.updated_at);
        assert_eq!(
            household_member_shown(&a, team(1), son, Some(&support)),
            MemberShown::Visible
        );
    }

    #[test]
    fn reflections_are_private() {
        let author = actor(Role::OutreachWorker, 1, Some(1));
        let colleague = actor(Role::OutreachWorker, 2, Some(1));
        let supervisor = actor(Role::Supervisor, 3, Some(1));
        let other_supervisor = actor(Role::Supervisor, 4, Some(2));
        let coordinator = actor(Role::Coordinator, 5, None);
        let r = Resource::Reflection {
            team: team(1),
            author: user(1),
        };
        assert!(decide(&author, Action::Read, r).is_allowed());
        assert!(!decide(&colleague, Action::Read, r).is_allowed());
        assert!(decide(&supervisor, Action::Read, r).is_allowed());
        assert!(!decide(&supervisor, Action::Write, r).is_allowed());
        assert!(!decide(&other_supervisor, Action::Read, r).is_allowed());
        assert!(!decide(&coordinator, Action::Read, r).is_allowed());
    }

    #[test]
    fn supervisors_review_but_do_not_write_logs() {
        let s = actor(Role::Supervisor, 3, Some(1));
        let log = Resource::ContactLog {
            team: team(1),
            author: user(1),
            case: None,
        };
        assert!(decide(&s, Action::Read, log).is_allowed());
        assert!(!decide(&s, Action::Write, log).is_allowed());
        assert!(decide(&s, Action::Write, Resource::Review { team: team(1) }).is_allowed());
        assert!(!decide(&s, Action::Write, Resource::Review { team: team(2) }).is_allowed());
        let w = actor(Role::OutreachWorker, 1, Some(1));
        assert!(decide(&w, Action::Read, Resource::Review { team: team(1) }).is_allowed());
        assert!(!decide(&w, Action::Write, Resource::Review { team: team(1) }).is_allowed());
    }

    #[test]
    fn coordinators_see_escalated_persons_only() {
        let c = actor(Role::Coordinator, 5, None);
        let item = case(Route::SupportMeeting, &[]);
        let escalated = Resource::Person {
            team: team(1),
            case: Some(&item),
        };
        let not = Resource::Person {
            team: team(1),
            case: None,
        };
        assert!(decide(&c, Action::Read, escalated).is_allowed());
        assert_eq!(
            decide(&c, Action::Read, not),
            Decision::Deny(DenyReason::NotEscalated)
        );
        assert!(!decide(&c, Action::Write, escalated).is_allowed());
        let case_res = Resource::Case {
            item: &item,
            team: team(1),
        };
        assert!(decide(&c, Action::Write, case_res).is_allowed());
    }

    #[test]
    fn agency_members_see_only_their_roster() {
        let member = actor(Role::AgencyMember, 7, None);
        let on = case(Route::MultiLayeredMeeting, &[(7, false)]);
        let off = case(Route::MultiLayeredMeeting, &[(8, true)]);
        let read = |item: &CaseQueueItem| {
            decide(
                &member,
                Action::Read,
                Resource::Case {
                    item,
                    team: team(1),
                },
            )
        };
        assert!(read(&on).is_allowed());
        assert_eq!(read(&off), Decision::Deny(DenyReason::NotOnRoster));
        assert!(
            !decide(
                &member,
                Action::Write,
                Resource::Case {
                    item: &on,
                    team: team(1)
                }
            )
            .is_allowed()
        );
        assert!(
            !decide(
                &member,
                Action::Read,
                Resource::ContactLog {
                    team: team(1),
                    author: user(1),
                    case: Some(&on)
                }
            )
            .is_allowed()
        );
    }

    #[test]
    fn support_meeting_needs_roster_and_pledge() {
        let member = actor(Role::AgencyMember, 7, None);
        let unpledged = case(Route::SupportMeeting, &[(7, false)]);
        let pledged = case(Route::SupportMeeting, &[(7, true)]);
        let not_on = case(Route::SupportMeeting, &[(8, true)]);
        let read = |item: &CaseQueueItem| {
            decide(
                &member,
                Action::Read,
                Resource::Person {
                    team: team(1),
                    case: Some(item),
                },
            )
        };
        assert!(!read(&unpledged).is_allowed());
        assert!(read(&pledged).is_allowed());
        assert!(!read(&not_on).is_allowed());
        // A worker of another team sees no 支援会議 case either.
        let w = actor(Role::OutreachWorker, 1, Some(2));
        assert!(
            !decide(
                &w,
                Action::Read,
                Resource::Case {
                    item: &pledged,
                    team: team(1)
                }
            )
            .is_allowed()
        );
    }

    #[test]
    fn access_ends_when_the_case_closes() {
        let member = actor(Role::AgencyMember, 7, None);
        let mut item = case(Route::MultiLayeredMeeting, &[(7, false)]);
        let read = |item: &CaseQueueItem| {
            decide(
                &member,
                Action::Read,
                Resource::Person {
                    team: team(1),
                    case: Some(item),
                },
            )
        };
        assert!(read(&item).is_allowed());
        item.status = crate::domain::case_queue::CaseStatus::Closed;
        assert_eq!(read(&item), Decision::Deny(DenyReason::NotOnRoster));
        item.status = crate::domain::case_queue::CaseStatus::ReturnedToOutreach;
        assert!(!read(&item).is_allowed());
    }

    #[test]
    fn support_meeting_records_stay_with_the_pledged_roster() {
        // A case that moved from the 支援会議 to the 重層的支援会議: member 7
        // pledged in the 支援会議, member 8 joined afterwards.
        let item = case(Route::MultiLayeredMeeting, &[(7, true), (8, false)]);
        let record = |route, shared_by_consent| Resource::CaseRecord {
            item: &item,
            team: team(1),
            route,
            shared_by_consent,
        };
        let pledged = actor(Role::AgencyMember, 7, None);
        let newcomer = actor(Role::AgencyMember, 8, None);
        let outsider = actor(Role::AgencyMember, 9, None);
        let sm = record(Route::SupportMeeting, false);
        assert!(decide(&pledged, Action::Read, sm).is_allowed());
        assert_eq!(
            decide(&newcomer, Action::Read, sm),
            Decision::Deny(DenyReason::Confidential)
        );
        assert!(decide(&newcomer, Action::Read, record(Route::SupportMeeting, true)).is_allowed());
        assert!(
            decide(
                &newcomer,
                Action::Read,
                record(Route::MultiLayeredMeeting, false)
            )
            .is_allowed()
        );
        assert!(
            !decide(
                &outsider,
                Action::Read,
                record(Route::MultiLayeredMeeting, true)
            )
            .is_allowed()
        );
        assert!(!decide(&pledged, Action::Write, sm).is_allowed());
        let c = actor(Role::Coordinator, 5, None);
        assert!(decide(&c, Action::Write, sm).is_allowed());
        // Workers and supervisors never read meeting records.
        let w = actor(Role::OutreachWorker, 1, Some(1));
        let s = actor(Role::Supervisor, 3, Some(1));
        let ml = record(Route::MultiLayeredMeeting, true);
        assert!(!decide(&w, Action::Read, ml).is_allowed());
        assert!(!decide(&s, Action::Read, ml).is_allowed());
    }

    #[test]
    fn referrals_come_from_coordinators_and_agencies() {
        let w = Action::Write;
        assert!(decide(&actor(Role::Coordinator, 5, None), w, Resource::Referral).is_allowed());
        assert!(decide(&actor(Role::AgencyMember, 7, None), w, Resource::Referral).is_allowed());
        assert!(
            !decide(
                &actor(Role::OutreachWorker, 1, Some(1)),
                w,
                Resource::Referral
            )
            .is_allowed()
        );
        assert!(!decide(&actor(Role::Supervisor, 3, Some(1)), w, Resource::Referral).is_allowed());
    }

    #[test]
    fn devices_reports_and_audit() {
        let s = actor(Role::Supervisor, 3, Some(1));
        let w = actor(Role::OutreachWorker, 1, Some(1));
        let c = actor(Role::Coordinator, 5, None);
        let m = actor(Role::AgencyMember, 7, None);
        assert!(decide(&s, Action::Write, Resource::Device { team: team(1) }).is_allowed());
        assert!(!decide(&s, Action::Write, Resource::Device { team: team(2) }).is_allowed());
        assert!(!decide(&w, Action::Write, Resource::Device { team: team(1) }).is_allowed());
        assert!(decide(&c, Action::Read, Resource::Report).is_allowed());
        assert!(decide(&s, Action::Read, Resource::Audit).is_allowed());
        assert!(!decide(&c, Action::Write, Resource::Audit).is_allowed());
        assert!(!decide(&w, Action::Read, Resource::Report).is_allowed());
        assert!(!decide(&m, Action::Read, Resource::Audit).is_allowed());
    }

    #[test]
    fn the_escalating_team_reads_the_status_only() {
        let item = case(Route::SupportMeeting, &[(7, true)]);
        let w = actor(Role::OutreachWorker, 1, Some(1));
        let s = actor(Role::Supervisor, 3, Some(1));
        let other = actor(Role::Supervisor, 4, Some(2));
        let c = actor(Role::Coordinator, 5, None);
        let on = actor(Role::AgencyMember, 7, None);
        let off = actor(Role::AgencyMember, 8, None);
        for a in [&w, &s] {
            assert_eq!(
                decide(
                    a,
                    Action::Read,
                    Resource::Case {
                        item: &item,
                        team: team(1)
                    }
                ),
                Decision::Deny(DenyReason::StatusOnly)
            );
            assert_eq!(case_view(a, &item, team(1)), Ok(CaseView::Status));
            assert!(
                !decide(
                    a,
                    Action::Write,
                    Resource::CaseStatus {
                        item: &item,
                        team: team(1)
                    }
                )
                .is_allowed()
            );
        }
        assert_eq!(
            case_view(&other, &item, team(1)),
            Err(DenyReason::OtherTeam)
        );
        assert_eq!(case_view(&c, &item, team(1)), Ok(CaseView::Full));
        assert_eq!(case_view(&on, &item, team(1)), Ok(CaseView::Full));
        assert_eq!(
            case_view(&off, &item, team(1)),
            Err(DenyReason::NotOnRoster)
        );
        assert!(Role::OutreachWorker.reads_case_status_only());
        assert!(Role::Supervisor.reads_case_status_only());
        assert!(!Role::Coordinator.reads_case_status_only());
        assert!(!Role::AgencyMember.reads_case_status_only());
    }

    #[test]
    fn agency_members_read_alias_and_consent_only() {
        use crate::domain::person::*;
        let p = Person {
            id: PersonId::new_v7(1, [1; 10]),
            alias: "架空 一郎".into(),
            kana: Some("カクウ イチロウ".into()),
            birth_year: None,
            sex: None,
            area: "sakaecho-2".parse().ok(),
            noticed_by: None,
            summary: Some("架空の概要".into()),
            household: Household {
                members: vec![HouseholdMember {
                    id: crate::ids::HouseholdMemberId::new_v7(1, [9; 10]),
                    relation: Relation::Parent,
                    alias: Some("母".into()),
                    birth_year: None,
                    lives_together: true,
                    note: None,
                    person: None,
                }],
            },
            fields: [crate::LifeField::Elderly].into(),
            tags: [crate::CrossTag::Hikikomori].into(),
            scheme_gap: None,
            stage: crate::Stage::Identified,
            stage_note: None,
            consent: crate::ConsentRecord::none(),
            team: team(1),
            assigned_worker: Some(user(1)),
            created_at: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
        };
        let m = actor(Role::AgencyMember, 7, None);
        let seen = person_view(&m, p.clone());
        assert_eq!(seen.alias, p.alias);
        assert_eq!(seen.consent, p.consent);
        assert_eq!(seen.summary, None);
        assert!(seen.household.members.is_empty());
        assert_eq!(seen.area, None);
        assert!(seen.tags.is_empty() && seen.fields.is_empty());
        assert_eq!((seen.kana, seen.assigned_worker), (None, None));
        for a in [
            actor(Role::OutreachWorker, 1, Some(2)),
            actor(Role::Supervisor, 3, Some(2)),
            actor(Role::Coordinator, 5, None),
        ] {
            assert_eq!(person_view(&a, p.clone()), p);
        }
        let hlc = crate::Hlc {
            wall_ms: 1,
            counter: 0,
            node: crate::DeviceId::new_v7(1, [3; 10]),
        };
        let snap = PersonSnapshot {
            person: p.clone(),
            versions: ["alias", "consent", "household/x", "summary", "area"]
                .into_iter()
                .map(|k| (k.to_owned(), hlc))
                .collect(),
            assigned_name: Some("架空 担当".into()),
            handover: Some(crate::domain::handover::HandOver {
                from: None,
                from_name: None,
                to: user(9),
                to_name: "架空 担当".into(),
                note: "（架空）母親の通院日に合わせて訪問".into(),
                by: user(8),
                at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
            }),
        };
        let seen = person_snapshot_view(&m, snap);
        assert_eq!(seen.assigned_name, None, "who is in charge is withheld");
        assert_eq!(seen.handover, None, "the hand-over note is withheld");
        assert_eq!(
            seen.versions.keys().map(String::as_str).collect::<Vec<_>>(),
            vec!["alias", "consent"]
        );
    }

    #[test]
    fn participation_records_follow_the_caseload_and_the_catalogue_is_kept_by_the_office() {
        let item = case(Route::MultiLayeredMeeting, &[(9, true)]);
        let rec = |t: u8, c: Option<&'static CaseQueueItem>| Resource::Participation {
            team: team(t),
            case: c,
        };
        let item: &'static CaseQueueItem = Box::leak(Box::new(item));
        let w = actor(Role::OutreachWorker, 1, Some(1));
        assert!(decide(&w, Action::Write, rec(1, None)).is_allowed());
        assert_eq!(
            decide(&w, Action::Read, rec(2, None)),
            Decision::Deny(DenyReason::OtherTeam)
        );
        let sv = actor(Role::Supervisor, 2, Some(1));
        assert!(decide(&sv, Action::Read, rec(1, None)).is_allowed());
        assert!(!decide(&sv, Action::Write, rec(1, None)).is_allowed());
        let co = actor(Role::Coordinator, 3, None);
        assert_eq!(
            decide(&co, Action::Read, rec(1, None)),
            Decision::Deny(DenyReason::NotEscalated)
        );
        assert!(decide(&co, Action::Read, rec(1, Some(item))).is_allowed());
        // An agency member on the roster still reads no 参加支援 record.
        let ag = actor(Role::AgencyMember, 9, None);
        assert!(!decide(&ag, Action::Read, rec(1, Some(item))).is_allowed());

        for a in [&w, &sv, &co, &ag] {
            assert!(decide(a, Action::Read, Resource::LocalResource).is_allowed());
        }
        assert!(decide(&co, Action::Write, Resource::LocalResource).is_allowed());
        assert!(decide(&sv, Action::Write, Resource::LocalResource).is_allowed());
        assert_eq!(
            decide(&w, Action::Write, Resource::LocalResource),
            Decision::Deny(DenyReason::Role)
        );
        assert!(!decide(&ag, Action::Write, Resource::LocalResource).is_allowed());
    }

    #[test]
    fn community_activities_are_the_teams_and_read_by_the_office() {
        let act = |t: u8| Resource::CommunityActivity { team: team(t) };
        let w = actor(Role::OutreachWorker, 1, Some(1));
        assert!(decide(&w, Action::Write, act(1)).is_allowed());
        assert!(decide(&w, Action::Read, act(1)).is_allowed());
        assert_eq!(
            decide(&w, Action::Read, act(2)),
            Decision::Deny(DenyReason::OtherTeam)
        );
        assert_eq!(
            decide(&w, Action::Write, act(2)),
            Decision::Deny(DenyReason::OtherTeam)
        );
        let sv = actor(Role::Supervisor, 2, Some(1));
        assert!(decide(&sv, Action::Read, act(1)).is_allowed());
        assert_eq!(
            decide(&sv, Action::Read, act(2)),
            Decision::Deny(DenyReason::OtherTeam)
        );
        assert_eq!(
            decide(&sv, Action::Write, act(1)),
            Decision::Deny(DenyReason::Role)
        );
        let co = actor(Role::Coordinator, 3, None);
        assert!(decide(&co, Action::Read, act(1)).is_allowed());
        assert!(decide(&co, Action::Read, act(2)).is_allowed());
        assert_eq!(
            decide(&co, Action::Write, act(1)),
            Decision::Deny(DenyReason::Role)
        );
        let ag = actor(Role::AgencyMember, 9, None);
        assert_eq!(
            decide(&ag, Action::Read, act(1)),
            Decision::Deny(DenyReason::Role)
        );
    }
}
