//! Escalating a household (世帯として): 8050, ダブルケア and ヤングケアラー
//! are situations of a household, and the meetings are for 「者やその世帯」.
//! A case is raised for one person and may include the other members of
//! their household who are persons of their own. Each member goes to the
//! 重層的支援会議 only with **their own** consent on record: one member's
//! consent never covers another (a relationship-only member — 「母（80代）」
//! with no record of their own — has no consent and is never listed).

use std::collections::BTreeSet;

use crate::domain::case_queue::{Escalation, HouseholdCaseMember, Route};
use crate::domain::consent::ConsentRecord;
use crate::domain::person::Person;
use crate::ids::PersonId;
use crate::validation::{ValidationErrors, Violation, limits};

/// The household members to include when `person`'s case is raised for
/// the household: every linked member whose record the caller holds
/// (`consent_of` answers `None` for a member the caller may not read —
/// another team's — who is then left out), each routed by their own
/// consent. What the tablet offers and what the server checks against.
pub fn household_members_for_escalation<'a>(
    person: &Person,
    mut consent_of: impl FnMut(PersonId) -> Option<&'a ConsentRecord>,
) -> Vec<HouseholdCaseMember> {
    person
        .household
        .linked_persons()
        .filter(|p| *p != person.id)
        .filter_map(|p| {
            consent_of(p).map(|c| HouseholdCaseMember {
                person_id: p,
                route: Route::for_consent(c),
            })
        })
        .collect()
}

/// Checks the household of an escalation of `person`: each listed member
/// is linked into the person's household (a person of their own), listed
/// once, and routed by **their own** consent on record (`consent_of`;
/// `None` when the member is not on record for the caller, which is
/// refused as unknown). Errors name `household.<i>.…`.
pub fn check_household<'a>(
    e: &Escalation,
    person: &Person,
    mut consent_of: impl FnMut(PersonId) -> Option<&'a ConsentRecord>,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if e.household.len() > limits::HOUSEHOLD_MEMBERS {
        errors.push(
            "household",
            Violation::OutOfRange {
                min: 0,
                max: limits::HOUSEHOLD_MEMBERS as i64,
            },
        );
    }
    let linked: BTreeSet<PersonId> = person.household.linked_persons().collect();
    let mut seen = BTreeSet::new();
    for (i, m) in e.household.iter().enumerate() {
        let field = format!("household.{i}.person_id");
        if m.person_id == e.person_id || !seen.insert(m.person_id) {
            errors.push(field, Violation::Duplicate);
            continue;
        }
        if !linked.contains(&m.person_id) {
            errors.push(field, Violation::Unknown);
            continue;
        }
        match consent_of(m.person_id) {
            None => errors.push(field, Violation::Unknown),
            Some(c) => {
                if let Err(fe) = m.route.check_against(c, &format!("household.{i}.route")) {
                    errors.0.push(fe);
                }
            }
        }
    }
    errors.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case_queue::tests::escalation;
    use crate::domain::case_queue::{CaseQueueItem, CaseStatus};
    use crate::domain::consent::{ConsentScope, ConsentStatus};
    use crate::domain::person::{HouseholdMember, Relation};
    use crate::ids::{HouseholdMemberId, UserId};
    use chrono::{TimeZone, Utc};

    fn consented() -> ConsentRecord {
        ConsentRecord {
            status: ConsentStatus::Written,
            scope: [ConsentScope::MultiLayeredMeeting].into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 5, 20),
            recorded_by: Some(UserId::new_v7(1, [4; 10])),
        }
    }

    fn pid(n: u8) -> PersonId {
        PersonId::new_v7(40 + u64::from(n), [n; 10])
    }

    /// The escalated person (consented) with a son (no consent), a
    /// daughter (consented) and a mother recorded as a relationship only.
    fn family() -> (Person, Vec<(PersonId, ConsentRecord)>) {
        let e = escalation(Route::MultiLayeredMeeting);
        let mut p = crate::domain::person::tests::person_at(e.person_id);
        let member = |n: u8, person: Option<PersonId>| HouseholdMember {
            id: HouseholdMemberId::new_v7(10 + u64::from(n), [n; 10]),
            relation: Relation::Child,
            alias: Some(format!("世帯員{n}")),
            birth_year: None,
            lives_together: true,
            note: None,
            person,
        };
        p.household.members = vec![
            member(1, Some(pid(1))),
            member(2, Some(pid(2))),
            member(3, None),
        ];
        p.consent = consented();
        (
            p,
            vec![(pid(1), ConsentRecord::none()), (pid(2), consented())],
        )
    }

    fn lookup<'a>(
        on_record: &'a [(PersonId, ConsentRecord)],
    ) -> impl FnMut(PersonId) -> Option<&'a ConsentRecord> {
        move |id| on_record.iter().find(|(p, _)| *p == id).map(|(_, c)| c)
    }

    #[test]
    fn each_member_is_routed_by_their_own_consent_only() {
        let (p, on_record) = family();
        let members = household_members_for_escalation(&p, lookup(&on_record));
        assert_eq!(
            members,
            vec![
                HouseholdCaseMember {
                    person_id: pid(1),
                    route: Route::SupportMeeting,
                },
                HouseholdCaseMember {
                    person_id: pid(2),
                    route: Route::MultiLayeredMeeting,
                },
            ],
            "the escalated person's consent does not carry the son; the relationship-only mother is not listed"
        );
        // A member the caller cannot read (another team's) is left out.
        let only_one =
            household_members_for_escalation(&p, |id| (id == pid(2)).then_some(&on_record[1].1));
        assert_eq!(only_one.len(), 1);
        assert_eq!(only_one[0].person_id, pid(2));
    }

    #[test]
    fn a_member_without_own_consent_cannot_be_sent_to_the_multi_layered_meeting() {
        let (p, on_record) = family();
        let mut e = escalation(Route::MultiLayeredMeeting);
        e.household = household_members_for_escalation(&p, lookup(&on_record));
        assert!(check_household(&e, &p, lookup(&on_record)).is_ok());

        // The son's route claimed from his mother's consent: refused.
        e.household[0].route = Route::MultiLayeredMeeting;
        let err = check_household(&e, &p, lookup(&on_record)).unwrap_err();
        assert_eq!(
            err.get("household.0.route").unwrap().violation,
            Violation::RouteNeedsConsent
        );
        // The daughter sent to the 支援会議 despite her consent: refused too.
        e.household[0].route = Route::SupportMeeting;
        e.household[1].route = Route::SupportMeeting;
        let err = check_household(&e, &p, lookup(&on_record)).unwrap_err();
        assert_eq!(
            err.get("household.1.route").unwrap().violation,
            Violation::RouteIgnoresConsent
        );
    }

    #[test]
    fn only_linked_members_once_and_never_the_person_themselves() {
        let (p, on_record) = family();
        let mut e = escalation(Route::MultiLayeredMeeting);
        let stranger = pid(9);
        e.household = vec![
            HouseholdCaseMember {
                person_id: stranger,
                route: Route::SupportMeeting,
            },
            HouseholdCaseMember {
                person_id: e.person_id,
                route: Route::MultiLayeredMeeting,
            },
            HouseholdCaseMember {
                person_id: pid(2),
                route: Route::MultiLayeredMeeting,
            },
            HouseholdCaseMember {
                person_id: pid(2),
                route: Route::MultiLayeredMeeting,
            },
        ];
        let err = check_household(&e, &p, lookup(&on_record)).unwrap_err();
        assert_eq!(
            err.get("household.0.person_id").unwrap().violation,
            Violation::Unknown
        );
        assert_eq!(
            err.get("household.1.person_id").unwrap().violation,
            Violation::Duplicate
        );
        assert!(err.get("household.2.person_id").is_none());
        assert_eq!(
            err.get("household.3.person_id").unwrap().violation,
            Violation::Duplicate
        );
    }

    #[test]
    fn the_meeting_discusses_a_member_only_by_their_own_consent_and_follows_its_withdrawal() {
        let (p, on_record) = family();
        let mut e = escalation(Route::MultiLayeredMeeting);
        e.household = household_members_for_escalation(&p, lookup(&on_record));
        let at = Utc.with_ymd_and_hms(2026, 6, 2, 0, 0, 0).unwrap();
        let mut item = CaseQueueItem::received(e.clone(), at);
        assert!(item.discusses(e.person_id));
        assert!(!item.discusses(pid(1)), "the son has not consented");
        assert!(item.discusses(pid(2)));
        assert!(!item.discusses(pid(9)), "not a member");

        // A 支援会議 (members bound to confidentiality) discusses every member.
        let mut support = item.clone();
        support.route = Route::SupportMeeting;
        assert!(support.discusses(pid(1)));

        // The daughter withdraws: she alone leaves the 重層的支援会議.
        assert!(item.follow_member_consent(pid(2), &ConsentRecord::none(), at));
        assert!(!item.discusses(pid(2)));
        assert_eq!(item.route, Route::MultiLayeredMeeting, "the case stays");
        assert!(!item.follow_member_consent(pid(2), &ConsentRecord::none(), at));
        // A closed case is left as it was.
        item.status = CaseStatus::Closed;
        assert!(!item.follow_member_consent(pid(1), &ConsentRecord::none(), at));
    }
}
