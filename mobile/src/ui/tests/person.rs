//! The person page: the profile with its edit button, the household member
//! by member, and why a person was closed or handed on.

use super::*;

#[test]
fn the_household_shows_each_member_with_an_edit_button() {
    let mut p = person("架空 家族", 21);
    p.household.members = vec![
        HouseholdMember {
            id: HouseholdMemberId::new_v7(1, [1; 10]),
            relation: Relation::Parent,
            alias: Some("母".into()),
            birth_year: Some(BirthYear {
                year: 1944,
                approximate: true,
            }),
            lives_together: true,
            note: Some("要介護1".into()),
            person: None,
        },
        HouseholdMember {
            id: HouseholdMemberId::new_v7(2, [2; 10]),
            relation: Relation::Sibling,
            alias: Some("兄".into()),
            birth_year: None,
            lives_together: false,
            note: None,
            person: None,
        },
    ];
    let html = render(on_person(&p, vec![]));
    assert!(html.contains(t::EDIT_PROFILE) && html.contains(t::ADD_MEMBER));
    assert!(html.contains("1944年ごろ（昭和19年）") && html.contains("要介護1"));
    assert!(html.contains(t::LIVES_TOGETHER) && html.contains(t::LIVES_APART));
    assert_eq!(html.matches(&format!(">{}</button>", t::EDIT)).count(), 2);
    assert!(!html.contains(t::NOBODY_IN_HOUSEHOLD));
}

#[test]
fn a_handed_on_person_shows_to_whom_and_why() {
    let mut p = person("架空 引継", 22);
    p.stage = Stage::HandedOn;
    p.stage_note = Some(StageNote {
        reason: "介護保険の申請につながった".into(),
        handed_to: Some(HandedTo::Agency(AgencyId::new("houkatsu-asahi"))),
    });
    let html = render(on_person(&p, vec![]));
    assert!(html.contains("つなぎ済"));
    assert!(html.contains("つなぎ先：地域包括支援センターあさひ"));
    assert!(html.contains("理由：介護保険の申請につながった"));
    let mut s = unlocked();
    let caseload = Caseload {
        today: ja::local_date(now()),
        entries: vec![entry(p, false, 3, false)],
        overdue: 0,
        damaged: Vec::new(),
    };
    update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
    assert!(render(s).contains("→ 地域包括支援センターあさひ"));
}
