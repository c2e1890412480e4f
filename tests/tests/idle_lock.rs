//! The idle lock really locks (issue 12): an unattended tablet app that keeps
//! syncing with the real server — the app's state machine, its runner and
//! store thread, the real sync client, the real `sync-server` binary — locks
//! at the idle time and hides everything it showed. Background work never
//! counts as use, neither for the app's idle time nor for the store's.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use outreach_mobile::app::core::{AppCore, CoreHandle};
use outreach_mobile::app::runner;
use outreach_mobile::app::state::{AppState, Msg, Screen, update};
use outreach_mobile::sync::enroll;
use outreach_mobile::*;
use outreach_tests::ServerProcess;
use outreach_tests::world::*;

/// Runs one message through the state machine and every effect it asks for
/// through the real runner (syncs included); returns how many syncs
/// finished well.
async fn drive(core: &CoreHandle, s: &mut AppState, msg: Msg, now: DateTime<Utc>) -> usize {
    let mut ok_syncs = 0;
    let mut queue = vec![msg];
    while let Some(m) = queue.pop() {
        if matches!(m, Msg::SyncFinished(Ok(()))) {
            ok_syncs += 1;
        }
        for fx in update(s, m, now) {
            let out =
                runner::run(core, fx, KdfParams::insecure_fast_for_tests(), &mut |_| {}).await;
            queue.extend(out);
        }
    }
    ok_syncs
}

/// A tablet enrolled with the real server, as the app's store thread.
async fn tablet(server: &ServerProcess, dir: &std::path::Path, idle: StdDuration) -> CoreHandle {
    let code = issue_code(server, "worker-a");
    let resp = enroll(&server.url(), &code, "架空タブレット")
        .await
        .expect("enrol");
    let cfg = StoreConfig::new(dir.join("data"))
        .with_device_secret_path(dir.join("device.key"))
        .with_idle_timeout(idle);
    let identity = Identity {
        device_id: resp.device_id,
        user_id: resp.user_id,
        team_id: resp.team_id,
    };
    let mut store = Store::init(
        cfg.clone(),
        &Pin::new(PIN.into()).unwrap(),
        Some(identity),
        KdfParams::insecure_fast_for_tests(),
    )
    .unwrap();
    store.set_server_link(&server.url(), &resp.token).unwrap();
    store
        .create_person(NewPerson {
            alias: "架空 放置".into(),
            ..NewPerson::default()
        })
        .unwrap();
    store.lock();
    CoreHandle::spawn(AppCore {
        cfg,
        store: Some(store),
    })
}

async fn unlock(core: &CoreHandle, s: &mut AppState, now: DateTime<Utc>) {
    for c in PIN.chars() {
        drive(core, s, Msg::PinDigit(c), now).await;
    }
    drive(core, s, Msg::PinSubmit, now).await;
    assert_eq!(s.screen, Screen::Caseload, "{:?}", s.pin.error);
}

fn shows_nothing(s: &AppState) -> bool {
    s.screen == Screen::Unlock
        && s.caseload.is_none()
        && s.timeline.is_none()
        && s.contact.is_none()
        && s.person_form.is_none()
        && s.fixes.items.is_empty()
}

async fn store_unlocked(core: &CoreHandle) -> bool {
    core.call(|c| c.store.as_mut().is_some_and(|s| s.is_unlocked()))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unattended_syncing_app_locks_at_the_idle_time_and_hides_everything() {
    let server = ServerProcess::start();
    seed_users(&server);
    let dir = tempfile::tempdir().unwrap();
    // The app's idle time (one minute) is simulated; ticks come every 5
    // simulated seconds, each starting a real sync with the server.
    let core = tablet(&server, dir.path(), StdDuration::from_secs(3600)).await;
    let t0 = Utc::now();
    let mut s = AppState::new(true);
    s.auto_sync_secs = 5;
    unlock(&core, &mut s, t0).await;
    s.idle_minutes = 1;
    drive(&core, &mut s, Msg::Go(Screen::Caseload), t0).await;
    assert!(s.caseload.as_ref().is_some_and(|c| c.entries.len() == 1));
    let mut syncs = 0;
    for tick in 1..12 {
        let now = t0 + Duration::seconds(5 * tick);
        syncs += drive(&core, &mut s, Msg::Tick, now).await;
        assert!(s.shows_content(), "still open at {}s", 5 * tick);
    }
    assert!(
        syncs >= 10,
        "the app synced with the server ({syncs} syncs)"
    );
    assert_eq!(s.sync.pending, 0, "the person reached the server");
    assert!(store_unlocked(&core).await);
    // One minute after the last tap: locked, whatever the syncs did.
    drive(&core, &mut s, Msg::Tick, t0 + Duration::seconds(60)).await;
    assert!(shows_nothing(&s), "everything is hidden");
    assert!(!store_unlocked(&core).await, "the keys are forgotten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_do_not_keep_the_store_awake_either() {
    let server = ServerProcess::start();
    seed_users(&server);
    let dir = tempfile::tempdir().unwrap();
    // The store's own idle time (3 s, real) with syncs running all along;
    // the app's own idle time (5 minutes) never comes.
    let idle = StdDuration::from_secs(3);
    let core = tablet(&server, dir.path(), idle).await;
    let t0 = Utc::now();
    let mut s = AppState::new(true);
    s.auto_sync_secs = 1;
    unlock(&core, &mut s, t0).await;
    let started = Instant::now();
    let mut syncs = 0;
    let mut tick = 0;
    while s.shows_content() && started.elapsed() < idle * 4 {
        tick += 1;
        // Simulated time moves one second a tick: far from five minutes.
        let now = t0 + Duration::seconds(tick);
        syncs += drive(&core, &mut s, Msg::Tick, now).await;
        // What the app's timer also does: follow the store's own lock.
        if s.shows_content() && runner::idle_locked(&core).await {
            drive(&core, &mut s, Msg::Locked, now).await;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert!(
        syncs >= 1,
        "the app synced before it locked ({syncs} syncs)"
    );
    assert!(started.elapsed() >= idle, "not before the idle time");
    assert!(shows_nothing(&s), "the app followed the store's lock");
    assert!(!store_unlocked(&core).await);
}
