//! The 地域活動 screen rendered (issue 18): the tab in the header, the
//! team's activities with roles and counts and persons found, the form.

use super::*;

#[test]
fn the_community_screen_lists_activities_and_offers_the_form() {
    let mut s = unlocked();
    s.screen = Screen::Community;
    s.community.activities = Some(vec![CommunityActivity {
        id: CommunityActivityId::new_v7(1, [3; 10]),
        team: TeamId::new_v7(1, [1; 10]),
        author: UserId::new_v7(1, [9; 10]),
        kind: ActivityKind::WelfareCommissionerMeeting,
        area: "sakaecho-3".parse().unwrap(),
        held_at: now() - Duration::days(2),
        participants: vec![Participants {
            role: ParticipantRole::WelfareCommissioner,
            count: 8,
        }],
        learned: "最近姿を見ない高齢の男性がいる".into(),
        follow_up: Some("民生委員と様子を見に行く".into()),
        persons_to_find: vec![PersonId::new_v7(1, [5; 10])],
        recorded_at: now() - Duration::days(2),
    }]);
    let html = render(s);
    assert!(html.contains(t::COMMUNITY), "the header's tab");
    assert!(html.contains(t::CO_TITLE));
    assert!(html.contains("民生委員の会議・定例会に出席") && html.contains("栄町3丁目"));
    assert!(html.contains("民生委員・児童委員 8人"));
    assert!(html.contains("最近姿を見ない高齢の男性がいる"));
    assert!(html.contains(&t::co_found_count(1)));
    for k in ActivityKind::ALL {
        assert!(html.contains(ja::Label::ja(&k)), "{k:?}");
    }
    for r in ParticipantRole::ALL {
        assert!(html.contains(&format!("id=\"co-{}\"", r.code())), "{r:?}");
    }
    assert!(html.contains("id=\"cofinds\"") && html.contains("id=\"cosave\""));
}

#[test]
fn a_person_found_by_an_activity_links_back_to_it() {
    let p = person("栄町3丁目 高齢男性", 0);
    let mut s = AppState::new(true);
    s.screen = Screen::Person(p.id);
    s.timeline = Some(Timeline {
        person: p.clone(),
        entries: Vec::new(),
        cases: Vec::new(),
        conflicts: Vec::new(),
        damaged: Vec::new(),
        assignment: Default::default(),
        household: Vec::new(),
        found_by: Some(CommunityActivity {
            id: CommunityActivityId::new_v7(1, [3; 10]),
            team: p.team,
            author: UserId::new_v7(1, [9; 10]),
            kind: ActivityKind::Patrol,
            area: "hanenishi-3".parse().unwrap(),
            held_at: now() - Duration::days(1),
            participants: vec![Participants {
                role: ParticipantRole::CouncilStaff,
                count: 2,
            }],
            learned: "雨戸が閉まったままの家がある".into(),
            follow_up: None,
            persons_to_find: vec![p.id],
            recorded_at: now(),
        }),
    });
    let html = render(s);
    assert!(html.contains("id=\"found-by\"") && html.contains(t::CO_FOUND_AT));
    assert!(html.contains("地域の巡回") && html.contains("雨戸が閉まったままの家がある"));
}
