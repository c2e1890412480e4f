//! The household, member by member: add, edit, remove (with a
//! confirmation).

use super::*;

fn member(n: u8, alias: &str) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId::new_v7(u64::from(n), [n; 10]),
        relation: Relation::Parent,
        alias: Some(alias.into()),
        birth_year: Some(BirthYear {
            year: 1944,
            approximate: true,
        }),
        lives_together: true,
        note: Some("要介護1".into()),
        person: None,
    }
}

#[test]
fn a_member_is_added_with_a_relation() {
    let p = person("架空 世帯");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartAddMember, now());
    assert_eq!(s.screen, Screen::MemberForm);
    update(&mut s, Msg::MfAlias("母".into()), now());
    assert!(update(&mut s, Msg::SaveMember, now()).is_empty());
    let f = s.member_form.as_ref().unwrap();
    assert_eq!(f.error("member.relation"), Some(t::ERR_CHOOSE_RELATION));
    update(&mut s, Msg::MfRelation(Relation::Parent), now());
    update(&mut s, Msg::MfBirthYear("S19".into()), now());
    update(&mut s, Msg::MfToggleApproximate, now());
    update(&mut s, Msg::MfToggleLivesTogether, now());
    update(&mut s, Msg::MfNote("膝が悪い".into()), now());
    let fx = update(&mut s, Msg::SaveMember, now());
    let [Effect::SaveMember(pid, None, m)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*pid, p.id);
    assert_eq!(m.relation, Relation::Parent);
    assert_eq!(m.birth_year.unwrap().year, 1944);
    assert!(m.birth_year.unwrap().approximate && !m.lives_together);
    update(&mut s, Msg::MemberSaved(Ok(t::MEMBER_SAVED)), now());
    assert_eq!(s.screen, Screen::Person(p.id));
    assert_eq!(s.notice.as_ref().unwrap().text, t::MEMBER_SAVED);
}

#[test]
fn a_member_is_edited_alone_and_removed_only_after_confirming() {
    let mut p = person("架空 世帯二");
    let a = member(1, "母");
    let b = member(2, "兄");
    p.household.members = vec![a.clone(), b.clone()];
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartEditMember(b.id), now());
    let f = s.member_form.as_ref().unwrap();
    assert_eq!(f.member_id, Some(b.id));
    assert_eq!(f.input.alias, "兄");
    update(&mut s, Msg::MfNote("別居。月に一度来る".into()), now());
    let fx = update(&mut s, Msg::SaveMember, now());
    let [Effect::SaveMember(_, Some(id), m)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*id, b.id);
    assert_eq!(m.id, b.id, "only this member changes");
    assert_eq!(m.note.as_deref(), Some("別居。月に一度来る"));
    update(&mut s, Msg::MemberSaved(Ok(t::MEMBER_SAVED)), now());

    update(&mut s, Msg::StartEditMember(a.id), now());
    assert!(
        update(&mut s, Msg::RemoveMemberConfirmed, now()).is_empty(),
        "not without the confirmation"
    );
    update(&mut s, Msg::RemoveMemberRequested, now());
    update(&mut s, Msg::RemoveMemberCancelled, now());
    assert!(update(&mut s, Msg::RemoveMemberConfirmed, now()).is_empty());
    update(&mut s, Msg::RemoveMemberRequested, now());
    let fx = update(&mut s, Msg::RemoveMemberConfirmed, now());
    assert!(
        matches!(fx.as_slice(), [Effect::RemoveMember(pid, id)] if *pid == p.id && *id == a.id)
    );
    update(&mut s, Msg::MemberSaved(Ok(t::MEMBER_REMOVED)), now());
    assert_eq!(s.notice.as_ref().unwrap().text, t::MEMBER_REMOVED);
}

#[test]
fn a_new_member_cannot_be_removed_and_a_failed_save_keeps_the_form() {
    let p = person("架空 世帯三");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartAddMember, now());
    update(&mut s, Msg::RemoveMemberRequested, now());
    assert!(!s.member_form.as_ref().unwrap().confirm_remove);
    update(&mut s, Msg::MfRelation(Relation::Child), now());
    update(&mut s, Msg::SaveMember, now());
    let e = FieldError::new(
        "household.members.0.note",
        Violation::TooLong {
            max: 200,
            actual: 201,
        },
    );
    update(
        &mut s,
        Msg::MemberSaved(Err(SaveFailure::Fields(vec![(
            e.field.clone(),
            e.message_ja(),
        )]))),
        now(),
    );
    let f = s.member_form.as_ref().unwrap();
    assert!(!f.busy && f.errors[0].1.contains("世帯員のメモ"));
    update(&mut s, Msg::MemberSaved(Err(SaveFailure::Locked)), now());
    assert_eq!(s.screen, Screen::Unlock);
    assert!(s.member_form.is_none());
}

#[test]
fn a_member_is_linked_to_a_person_of_the_caseload_and_keeps_the_link_when_edited() {
    let mut p = person("架空 母");
    let son = person("架空 長男");
    let mut s = unlocked_on_person(&p);
    s.caseload = Some(Caseload {
        today: ja::local_date(now()),
        entries: vec![entry(p.clone(), false), entry(son.clone(), false)],
        overdue: 0,
        damaged: Vec::new(),
    });
    update(&mut s, Msg::StartAddMember, now());
    // The person on the page is not offered as their own member.
    let f = s.member_form.as_ref().unwrap();
    assert_eq!(f.persons, vec![(son.id, son.alias.clone())]);
    update(&mut s, Msg::MfRelation(Relation::Child), now());
    update(&mut s, Msg::MfPerson(Some(son.id)), now());
    let fx = update(&mut s, Msg::SaveMember, now());
    let [Effect::SaveMember(_, None, m)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(m.person, Some(son.id));

    // Edited later (a note only), the member stays linked; choosing
    // なし unlinks.
    let mut linked = member(3, "長男");
    linked.person = Some(son.id);
    p.household.members = vec![linked.clone()];
    let mut s2 = unlocked_on_person(&p);
    update(&mut s2, Msg::StartEditMember(linked.id), now());
    update(&mut s2, Msg::MfNote("昼夜逆転".into()), now());
    let fx = update(&mut s2, Msg::SaveMember, now());
    let [Effect::SaveMember(_, Some(_), m)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(m.person, Some(son.id));
    update(&mut s2, Msg::MemberSaved(Ok(t::MEMBER_SAVED)), now());
    update(&mut s2, Msg::StartEditMember(linked.id), now());
    assert_eq!(s2.member_form.as_ref().unwrap().input.person, Some(son.id));
    update(&mut s2, Msg::MfPerson(None), now());
    let fx = update(&mut s2, Msg::SaveMember, now());
    let [Effect::SaveMember(_, Some(_), m)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(m.person, None);
}
