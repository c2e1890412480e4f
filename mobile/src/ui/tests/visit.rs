//! The hand-over note and the 担当 on the person page, the visit controls,
//! and the visit banner with its reminder (rendered through `dioxus-ssr`).

use super::*;

fn handover_to_me(p: &Person) -> Assignment {
    Assignment {
        to_me: true,
        name: Some("架空 支援員A2".into()),
        handover: Some(HandOver {
            from: Some(UserId::new_v7(1, [1; 10])),
            from_name: Some("架空 支援員A".into()),
            to: p.assigned_worker.unwrap_or(UserId::new_v7(2, [2; 10])),
            to_name: "架空 支援員A2".into(),
            note: "母の通院日（毎週火曜）に合わせて訪問してください".into(),
            by: UserId::new_v7(3, [3; 10]),
            at: now() - Duration::days(1),
        }),
    }
}

#[test]
fn the_handover_note_is_on_top_of_the_person_page_with_the_assigned_worker() {
    let p = person("架空 引継", 7);
    let mut s = on_person(&p, vec![]);
    if let Some(tl) = s.timeline.as_mut() {
        tl.assignment = handover_to_me(&p);
    }
    let html = render(s.clone());
    let note = html.find("母の通院日").expect("the note is shown");
    assert!(
        note < html.find(t::LOG_CONTACT).unwrap(),
        "on top of the page"
    );
    assert!(html.contains("架空 支援員A さんから 架空 支援員A2 さんへ"));
    assert!(html.contains("令和8年5月31日"), "when, as a 令和 date");
    assert!(html.contains(&format!("{}：{}", t::ASSIGNED, t::ASSIGNED_ME)));
    // A team-mate's person: their name, no note.
    if let Some(tl) = s.timeline.as_mut() {
        tl.person.assigned_worker = Some(UserId::new_v7(9, [9; 10]));
        tl.assignment = Assignment {
            to_me: false,
            name: Some("架空 支援員B".into()),
            handover: None,
        };
    }
    let html = render(s);
    assert!(html.contains(&format!("{}：架空 支援員B", t::ASSIGNED)));
    assert!(!html.contains(t::HANDOVER_NOTE));
}

#[test]
fn the_person_page_starts_and_finishes_a_visit_and_offers_to_log_it() {
    let p = person("架空 訪問", 8);
    let mut s = on_person(&p, vec![]);
    let html = render(s.clone());
    assert!(html.contains(t::VISIT_START));
    assert!(html.contains(&t::visit_minutes(60)) && html.contains(&t::visit_minutes(90)));
    assert!(
        html.contains("class=\"on\""),
        "the default length is chosen"
    );
    let v = VisitStart {
        id: VisitId::new_v7(1, [4; 10]),
        person_id: p.id,
        started_at: now(),
        expected_end: now() + Duration::minutes(60),
    };
    update(&mut s, Msg::VisitLoaded(Some(v.clone())), now());
    let html = render(s.clone());
    assert!(html.contains(&t::visit_in_progress("架空 訪問", "11:30")));
    assert!(html.contains(t::VISIT_FINISH));
    assert!(!html.contains(t::VISIT_START), "one visit at a time");
    // Past the expected end: the red reminder (someone kept using the
    // tablet, so the idle lock has not come).
    s.idle_minutes = 120;
    update(&mut s, Msg::Tick, now() + Duration::minutes(61));
    let html = render(s.clone());
    assert!(html.contains("visitbar due"));
    assert!(html.contains(&t::visit_due("架空 訪問", "11:30")));
    // Finished: the offer to log it.
    update(&mut s, Msg::FinishVisit, now());
    update(
        &mut s,
        Msg::VisitFinished(Ok(v)),
        now() + Duration::minutes(62),
    );
    let html = render(s);
    assert!(!html.contains("visitbar"));
    assert!(html.contains(t::VISIT_LOG_IT));
    assert!(html.contains(t::VISIT_FINISHED));
}

#[test]
fn the_caseload_has_the_whole_team_toggle() {
    let s = on_person(&person("架空 一郎", 1), vec![]);
    let mut s = s;
    update(&mut s, Msg::Go(Screen::Caseload), now());
    let html = render(s.clone());
    assert!(html.contains(t::FILTER_WHOLE_TEAM));
    update(&mut s, Msg::ToggleWholeTeam, now());
    let html = render(s);
    let at = html.find(t::FILTER_WHOLE_TEAM).unwrap();
    let before = &html[..at];
    assert!(
        before.ends_with("class=\"on\">"),
        "{}",
        &before[before.len() - 60..]
    );
}
