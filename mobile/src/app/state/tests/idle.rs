//! The idle lock really locks: only a person's taps count as use. An
//! unattended app that keeps syncing (ticks, automatic syncs, their
//! answers, reloads) locks at the idle time and forgets what it showed.

use super::*;

/// Runs the timer for `secs` seconds from `from`, every 5 seconds, with the
/// answers a syncing app gets; returns the number of syncs started and
/// whether a lock was asked for.
fn unattended(s: &mut AppState, p: &Person, from: DateTime<Utc>, secs: i64) -> (usize, bool) {
    let mut syncs = 0;
    let mut locked = false;
    let mut t = 0;
    while t < secs {
        t += 5;
        let at = from + Duration::seconds(t);
        let fx = update(s, Msg::Tick, at);
        locked |= fx.iter().any(|e| matches!(e, Effect::Lock));
        if fx.iter().any(|e| matches!(e, Effect::Sync)) {
            syncs += 1;
            // What a sync sends back: progress, the end, then reloads.
            let progress = SyncProgress {
                phase: SyncPhase::Pulling,
                pushed: 0,
                to_push: 0,
                pulled: 3,
            };
            update(s, Msg::SyncProgressed(progress), at);
            let fx = update(s, Msg::SyncFinished(Ok(())), at);
            for e in fx {
                match e {
                    Effect::LoadStatus => {
                        update(
                            s,
                            Msg::StatusLoaded(
                                OutboxStatus {
                                    pending: 0,
                                    rejected: 0,
                                    oldest_created_at: None,
                                },
                                SyncState::default(),
                            ),
                            at,
                        );
                    }
                    Effect::LoadTimeline(_) => {
                        update(s, Msg::TimelineLoaded(Ok(Box::new(timeline(p)))), at);
                    }
                    _ => {}
                }
            }
        }
    }
    (syncs, locked)
}

fn open_on_a_form(p: &Person) -> AppState {
    let mut s = unlocked_on_person(p);
    update(&mut s, Msg::StartContact, now());
    update(
        &mut s,
        Msg::ContactObservation("書きかけの記録".into()),
        now(),
    );
    s
}

#[test]
fn an_unattended_syncing_app_locks_at_the_idle_time_and_hides_everything() {
    let p = person("架空 放置");
    let mut s = open_on_a_form(&p);
    assert_eq!(s.idle_minutes, 5);
    s.auto_sync_secs = 60;
    // Four minutes fifty-five seconds of ticks and syncs: still open.
    let (syncs, locked) = unattended(&mut s, &p, now(), 295);
    assert!(syncs >= 4, "the app kept syncing ({syncs} syncs)");
    assert!(!locked && s.shows_content());
    assert!(s.contact.is_some());
    // The tick at five minutes locks, whatever the syncs did.
    let fx = update(&mut s, Msg::Tick, now() + Duration::minutes(5));
    assert!(matches!(fx.as_slice(), [Effect::Lock]), "{fx:?}");
    assert_eq!(s.screen, Screen::Unlock);
    assert_eq!(s.notice.as_ref().unwrap().text, t::ERR_LOCKED);
    assert!(s.caseload.is_none() && s.timeline.is_none() && s.contact.is_none());
    assert!(s.person_form.is_none() && s.member_form.is_none() && s.stage_form.is_none());
    assert!(s.escalation.is_none() && s.returned.is_empty() && s.fixes.items.is_empty());
    // An answer of a reload started before the lock brings nothing back.
    update(
        &mut s,
        Msg::TimelineLoaded(Ok(Box::new(timeline(&p)))),
        now(),
    );
    assert!(s.timeline.is_none());
    // Ticks while locked neither sync nor lock again.
    assert!(update(&mut s, Msg::Tick, now() + Duration::minutes(6)).is_empty());
}

#[test]
fn a_tap_starts_the_idle_time_again_and_background_messages_never_do() {
    let p = person("架空 操作");
    let mut s = open_on_a_form(&p);
    let (_, locked) = unattended(&mut s, &p, now(), 240);
    assert!(!locked);
    // The worker types at four minutes.
    let at = now() + Duration::minutes(4);
    update(&mut s, Msg::ContactObservation("続きを書いた".into()), at);
    let (_, locked) = unattended(&mut s, &p, at, 295);
    assert!(
        !locked && s.shows_content(),
        "still open 4:55 after the tap"
    );
    let fx = update(&mut s, Msg::Tick, at + Duration::minutes(5));
    assert!(matches!(fx.as_slice(), [Effect::Lock]));

    // Which messages count as use.
    for m in [
        Msg::Tick,
        Msg::SyncFinished(Ok(())),
        Msg::Locked,
        Msg::TimelineLoaded(Err(String::new())),
        Msg::FixesLoaded(Ok(Vec::new())),
        Msg::Corrected(Ok(())),
        Msg::IdleSettingLoaded(5),
    ] {
        assert!(!m.is_input(), "{m:?}");
    }
    for m in [
        Msg::SyncNow,
        Msg::PinDigit('1'),
        Msg::OpenPerson(p.id),
        Msg::ContactObservation(String::new()),
        Msg::StartRegister,
        Msg::DiscardConfirmed,
    ] {
        assert!(m.is_input(), "{m:?}");
    }
}

#[test]
fn the_chosen_idle_time_is_used_and_automatic_sync_follows_its_interval() {
    let p = person("架空 設定");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::IdleSettingLoaded(1), now());
    assert_eq!(s.idle_minutes, 1);
    // The first tick after unlocking syncs at once, the next only after the
    // interval.
    let fx = update(&mut s, Msg::Tick, now() + Duration::seconds(3));
    assert!(matches!(fx.as_slice(), [Effect::Sync]));
    update(
        &mut s,
        Msg::SyncFinished(Ok(())),
        now() + Duration::seconds(4),
    );
    let fx = update(&mut s, Msg::Tick, now() + Duration::seconds(30));
    assert!(fx.is_empty(), "{fx:?}");
    let fx = update(&mut s, Msg::Tick, now() + Duration::seconds(60));
    assert!(matches!(fx.as_slice(), [Effect::Lock]), "one minute idle");
}
