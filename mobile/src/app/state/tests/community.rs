//! 地域づくり taps (issue 18): the 地域活動 tab loads the team's
//! activities; a form without kind or 町丁 names what is missing and saves
//! nothing; a filled form is one effect with the persons to find; a save
//! clears the form, reloads and syncs; a lock forgets it all.

use super::*;

fn opened() -> AppState {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    let fx = update(&mut s, Msg::Go(Screen::Community), now());
    assert_eq!(s.screen, Screen::Community);
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadCommunity)));
    update(&mut s, Msg::CommunityLoaded(Ok(Vec::new())), now());
    s
}

#[test]
fn a_community_activity_is_logged_from_the_tab_with_its_persons_to_find() {
    let mut s = opened();
    assert_eq!(s.community.activities, Some(Vec::new()));
    // Nothing chosen: the missing choices are named, nothing is saved.
    let fx = update(&mut s, Msg::SaveCommunity, now());
    assert!(fx.is_empty());
    assert!(s.community.error("community.kind").is_some());
    assert!(s.community.error("community.area").is_some());

    update(&mut s, Msg::CoKind(ActivityKind::SalonVisit), now());
    update(&mut s, Msg::CoArea("sakaecho-3".into()), now());
    update(
        &mut s,
        Msg::CoCount(ParticipantRole::Resident, "１２".into()),
        now(),
    );
    update(&mut s, Msg::CoLearned("一人暮らしの方の話題".into()), now());
    update(
        &mut s,
        Msg::CoFinds("栄町3丁目 高齢男性\n羽中1丁目 若い男性".into()),
        now(),
    );
    let fx = update(&mut s, Msg::SaveCommunity, now());
    let [Effect::LogCommunity(new)] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(new.kind, ActivityKind::SalonVisit);
    assert_eq!(new.participants[0].count, 12);
    assert_eq!(new.persons_to_find.len(), 2);
    assert!(s.community.busy);
    assert!(update(&mut s, Msg::SaveCommunity, now()).is_empty(), "once");

    let fx = update(&mut s, Msg::CommunitySaved(Ok(())), now());
    assert!(!s.community.busy && s.community.input.learned.is_empty());
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadCommunity)));
    assert!(fx.iter().any(|e| matches!(e, Effect::Sync)));
    assert_eq!(
        s.notice.as_ref().map(|n| n.text.as_str()),
        Some(t::CO_SAVED)
    );

    update(&mut s, Msg::CoLearned("途中".into()), now());
    update(&mut s, Msg::Locked, now());
    assert_eq!(
        s.community,
        CommunityScreen::default(),
        "forgotten at the lock"
    );
}
