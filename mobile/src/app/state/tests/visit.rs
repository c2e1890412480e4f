//! The lone-worker check on the tablet (訪問開始, the reminder at the
//! expected end, 訪問終了 offering to log the visit) and the hand-over as
//! the caseload and the person page show it: every new message.

use super::*;
use crate::shared::domain::visit::DEFAULT_VISIT_MINUTES;

fn visit_of(p: &Person, minutes: i64) -> VisitStart {
    VisitStart {
        id: VisitId::new_v7(1, [3; 10]),
        person_id: p.id,
        started_at: now(),
        expected_end: now() + Duration::minutes(minutes),
    }
}

#[test]
fn start_visit_asks_the_store_with_the_chosen_length_and_syncs() {
    let p = person("架空 訪問");
    let mut s = unlocked_on_person(&p);
    assert_eq!(s.visit.minutes, DEFAULT_VISIT_MINUTES);
    // Only the offered lengths are taken.
    update(&mut s, Msg::VisitMinutes(7), now());
    assert_eq!(s.visit.minutes, 60);
    update(&mut s, Msg::VisitMinutes(90), now());
    assert_eq!(s.visit.minutes, 90);
    let fx = update(&mut s, Msg::StartVisit, now());
    assert!(matches!(fx.as_slice(), [Effect::StartVisit(id, 90)] if *id == p.id));
    assert!(s.visit.busy);
    // A second tap while the store works does nothing.
    assert!(update(&mut s, Msg::StartVisit, now()).is_empty());
    let fx = update(&mut s, Msg::VisitStarted(Ok(visit_of(&p, 90))), now());
    assert!(!s.visit.busy);
    assert_eq!(s.visit.open.as_ref().unwrap().person_id, p.id);
    assert!(
        s.notice.as_ref().unwrap().text.contains("12:00"),
        "{:?}",
        s.notice
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::Sync)));
    // Another visit cannot start while one is open.
    let fx = update(&mut s, Msg::StartVisit, now());
    assert!(fx.is_empty());
    assert_eq!(s.notice.as_ref().unwrap().text, t::VISIT_ELSEWHERE);
}

#[test]
fn a_refused_start_is_shown_and_nothing_is_open() {
    let p = person("架空 訪問");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartVisit, now());
    let e = SaveFailure::Fields(vec![("visit.expected_end".into(), "終了予定は…".into())]);
    update(&mut s, Msg::VisitStarted(Err(e)), now());
    assert!(s.visit.open.is_none());
    assert!(!s.visit.busy);
    let n = s.notice.as_ref().unwrap();
    assert!(n.error && n.text.contains("終了予定"));
}

#[test]
fn the_tick_reminds_at_the_expected_end_and_the_idle_lock_still_locks() {
    let p = person("架空 訪問");
    let mut s = unlocked_on_person(&p);
    s.idle_minutes = 60;
    update(&mut s, Msg::VisitLoaded(Some(visit_of(&p, 30))), now());
    assert!(!s.visit.due);
    update(&mut s, Msg::Tick, now() + Duration::minutes(29));
    assert!(!s.visit.due, "not before the expected end");
    update(&mut s, Msg::Tick, now() + Duration::minutes(30));
    assert!(s.visit.due, "the reminder at the expected end");
    // Nobody tapped: at the idle time the app locks anyway, and forgets
    // the visit it showed (the store keeps it; read again after the PIN).
    let fx = update(&mut s, Msg::Tick, now() + Duration::minutes(61));
    assert!(fx.iter().any(|e| matches!(e, Effect::Lock)));
    assert_eq!(s.screen, Screen::Unlock);
    assert!(s.visit.open.is_none() && !s.visit.due);
    // An answer that arrives after the lock is dropped.
    update(&mut s, Msg::VisitLoaded(Some(visit_of(&p, 30))), now());
    assert!(s.visit.open.is_none());
    // After the PIN: loaded again, and already due.
    let fx = update(&mut s, Msg::Unlocked(Ok(())), now() + Duration::minutes(62));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadVisit)));
    update(
        &mut s,
        Msg::VisitLoaded(Some(visit_of(&p, 30))),
        now() + Duration::minutes(62),
    );
    assert!(s.visit.due);
    // Background messages are not taps.
    for m in [
        Msg::VisitLoaded(None),
        Msg::VisitStarted(Ok(visit_of(&p, 1))),
        Msg::VisitFinished(Ok(visit_of(&p, 1))),
    ] {
        assert!(!m.is_input());
    }
    assert!(Msg::FinishVisit.is_input() && Msg::StartVisit.is_input());
}

#[test]
fn finishing_a_visit_returns_to_the_person_and_offers_to_log_it() {
    let p = person("架空 訪問");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::VisitLoaded(Some(visit_of(&p, 60))), now());
    update(&mut s, Msg::Go(Screen::Caseload), now());
    let fx = update(&mut s, Msg::FinishVisit, now());
    assert!(matches!(fx.as_slice(), [Effect::FinishVisit]));
    assert!(update(&mut s, Msg::FinishVisit, now()).is_empty(), "once");
    let end = now() + Duration::minutes(45);
    let fx = update(&mut s, Msg::VisitFinished(Ok(visit_of(&p, 60))), end);
    assert!(s.visit.open.is_none() && !s.visit.due);
    assert_eq!(s.screen, Screen::Person(p.id));
    assert_eq!(s.notice.as_ref().unwrap().text, t::VISIT_FINISHED);
    assert!(fx.iter().any(|e| matches!(e, Effect::Sync)));
    // The offer: the contact form at the visit's start, with its length.
    update(&mut s, Msg::LogFinishedVisit, end);
    assert_eq!(s.screen, Screen::LogContact);
    let f = s.contact.as_ref().unwrap();
    assert_eq!(f.person_id, p.id);
    assert_eq!(f.input.time, "10:30");
    assert_eq!(f.input.duration, "45");
    assert!(s.visit.just_finished.is_none(), "offered once");
}

#[test]
fn a_refused_finish_keeps_the_visit_open() {
    let p = person("架空 訪問");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::VisitLoaded(Some(visit_of(&p, 60))), now());
    update(&mut s, Msg::FinishVisit, now());
    update(
        &mut s,
        Msg::VisitFinished(Err(SaveFailure::Other("だめ".into()))),
        now(),
    );
    assert!(s.visit.open.is_some());
    assert!(!s.visit.busy);
    assert!(s.notice.as_ref().unwrap().error);
}

#[test]
fn the_caseload_shows_the_workers_own_persons_unless_the_whole_team_is_asked() {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    let mine = person("架空 自分");
    let theirs = person("架空 同僚担当");
    let mut other = entry(theirs, false);
    other.mine = false;
    let caseload = Caseload {
        today: ja::local_date(now()),
        entries: vec![entry(mine, false), other],
        overdue: 0,
        damaged: Vec::new(),
    };
    update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
    let names = |s: &AppState| -> Vec<String> {
        s.visible_caseload()
            .iter()
            .map(|e| e.person.alias.clone())
            .collect()
    };
    assert_eq!(names(&s), ["架空 自分"]);
    update(&mut s, Msg::ToggleWholeTeam, now());
    assert_eq!(names(&s), ["架空 自分", "架空 同僚担当"]);
    update(&mut s, Msg::ToggleWholeTeam, now());
    assert_eq!(names(&s), ["架空 自分"]);
    // A search looks at the whole team.
    update(&mut s, Msg::Search("同僚".into()), now());
    assert_eq!(names(&s), ["架空 同僚担当"]);
}
