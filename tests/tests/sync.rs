//! End-to-end sync scenarios: the real `sync-server` binary on a loopback
//! port with a temporary database, and real tablets (the encrypted store and
//! the sync client of `outreach-mobile`).

use chrono::Duration;
use outreach_shared::protocol;
use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::world::*;

fn server() -> ServerProcess {
    let s = ServerProcess::start();
    seed_users(&s);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_logs_offline_escalates_with_and_without_consent_and_syncs() {
    let server = server();
    let mut tablet = Device::enroll(&server, "worker-a").await;

    // Offline: two persons, three visits each, one with consent.
    let with_consent = tablet.add_person("架空 一郎");
    let without = tablet.add_person("架空 二郎");
    for i in 0..3 {
        tablet.visit(
            with_consent.id,
            &format!("訪問{i}回目。玄関先で母と話した。"),
        );
        tablet.visit(without.id, &format!("訪問{i}回目。不在。置き手紙。"));
    }
    tablet.consent(with_consent.id);
    let esc_a = tablet.escalate(with_consent.id, Urgency::High);
    let esc_b = tablet.escalate(without.id, Urgency::Emergency);
    assert_eq!(esc_a.route, Route::MultiLayeredMeeting);
    assert_eq!(esc_b.route, Route::SupportMeeting);
    assert!(tablet.pending() >= 10);

    let report = tablet.sync().await.expect("sync");
    assert_eq!(report.rejected, 0, "nothing refused");
    assert_eq!(tablet.pending(), 0, "the outbox is empty once acknowledged");

    // The case queue has both items on the right routes, the emergency first.
    let coordinator = Office::login(&server.url(), "coordinator").await;
    let cases = coordinator.cases().await;
    assert_eq!(cases.len(), 2);
    assert_eq!(
        cases[0].escalation.case_id, esc_b.case_id,
        "emergencies first"
    );
    assert_eq!(cases[0].route, Route::SupportMeeting);
    assert_eq!(cases[1].escalation.case_id, esc_a.case_id);
    assert_eq!(cases[1].route, Route::MultiLayeredMeeting);

    // Every contact is on the server exactly once: a team-mate's fresh
    // tablet pulls exactly the six contacts.
    let mut mate = Device::enroll(&server, "worker-a2").await;
    mate.sync().await.expect("pull");
    let mut pulled: Vec<_> = mate.all_contacts().into_iter().map(|c| c.id).collect();
    let mut sent: Vec<_> = tablet.all_contacts().into_iter().map(|c| c.id).collect();
    pulled.sort();
    sent.sort();
    assert_eq!(pulled.len(), 6);
    assert_eq!(pulled, sent);

    // Syncing again sends nothing and changes nothing.
    let again = tablet.sync().await.unwrap();
    assert_eq!(again.acknowledged, 0);

    // Another team sees none of it.
    let mut other = Device::enroll(&server, "worker-b").await;
    other.sync().await.unwrap();
    assert!(other.store.persons().unwrap().items.is_empty());
    assert!(other.all_contacts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_log_reaches_the_tablet_and_its_revision_syncs_back() {
    let server = server();
    let mut tablet = Device::enroll(&server, "worker-a").await;
    let p = tablet.add_person("架空 三郎");
    let log = tablet.visit(p.id, "単独で訪問。大きな声が聞こえた。");
    tablet.sync().await.unwrap();

    let supervisor = Office::login(&server.url(), "supervisor-a").await;
    supervisor
        .review(
            log.id,
            ReviewStatus::Returned,
            Some("危険のサインの記録と次回は2名での訪問を"),
        )
        .await;

    tablet.sync().await.unwrap();
    let timeline = tablet.store.timeline(p.id).unwrap();
    let entry = timeline
        .entries
        .iter()
        .find(|e| e.contact.id == log.id)
        .unwrap();
    let review = entry.review.as_ref().expect("the review came down");
    assert_eq!(review.status, ReviewStatus::Returned);
    assert!(review.comment.as_deref().unwrap().contains("2名"));

    // The worker revises the log; the revision syncs back.
    let now = tablet.store.now();
    let mut fixed: outreach_mobile::NewContact = serde_json::from_value(serde_json::json!({
        "person_id": p.id, "occurred_at": log.occurred_at, "duration_minutes": 20,
        "method": "home_visit", "met": "family_only", "response": null,
        "observation": "単独で訪問。室内から大きな声。危険のサインあり。",
        "safety": {"accompaniment": "alone", "danger_signs": ["violence"], "life_threatening": false},
        "reflection": null, "next_action": null
    }))
    .unwrap();
    fixed.next_action = Some(NextAction {
        what: "2名で再訪".into(),
        due: ja::local_date(now) + Duration::days(3),
    });
    let revision = tablet.store.correct_contact(log.id, fixed).unwrap();
    tablet.sync().await.unwrap();
    assert_eq!(tablet.pending(), 0);

    let mut mate = Device::enroll(&server, "worker-a2").await;
    mate.sync().await.unwrap();
    let t = mate.store.timeline(p.id).unwrap();
    assert_eq!(t.entries.len(), 2, "both revisions are kept");
    let current: Vec<_> = t.entries.iter().filter(|e| e.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].contact.id, revision.id);
    assert_eq!(current[0].contact.revises, Some(log.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_edit_the_same_person_offline_and_the_merge_rules_hold() {
    use outreach_shared::protocol::PersonField;
    let server = server();
    let mut a = Device::enroll(&server, "worker-a").await;
    let mut b = Device::enroll(&server, "worker-a2").await;
    let p = a.add_person("架空 四郎");
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    assert_eq!(b.store.person(p.id).unwrap().alias, "架空 四郎");

    // Offline on both: the same field with different values (a real
    // conflict), and different fields (no conflict).
    a.store
        .update_person(
            p.id,
            vec![
                PersonField::Area("sakaecho-1".parse().ok()),
                PersonField::Summary(Some("Aの記録した概要".into())),
            ],
        )
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    b.store
        .update_person(
            p.id,
            vec![
                PersonField::Area("sakaecho-3".parse().ok()),
                PersonField::Kana(Some("カクウ シロウ".into())),
            ],
        )
        .unwrap();

    a.sync().await.unwrap();
    b.sync().await.unwrap();
    a.sync().await.unwrap();

    let supervisor = Office::login(&server.url(), "supervisor-a").await;
    let on_server = supervisor.person(p.id).await.person;
    for (name, person) in [
        ("a", a.store.person(p.id).unwrap()),
        ("b", b.store.person(p.id).unwrap()),
    ] {
        // The later edit of the same field wins, everywhere.
        assert_eq!(
            person.area.as_ref().map(|x| x.to_string()).as_deref(),
            Some("sakaecho-3"),
            "{name}"
        );
        // Edits of different fields both survive.
        assert_eq!(person.summary.as_deref(), Some("Aの記録した概要"), "{name}");
        assert_eq!(person.kana.as_deref(), Some("カクウ シロウ"), "{name}");
        assert_eq!(person, on_server, "{name} agrees with the server");
    }
    // The losing value is kept and shown, not dropped, on both tablets.
    for d in [&mut a, &mut b] {
        let conflicts = d.store.timeline(p.id).unwrap().conflicts;
        let area: Vec<_> = conflicts.iter().filter(|c| c.field == "area").collect();
        assert_eq!(area.len(), 1, "one conflict on the area");
        assert_eq!(area[0].other, serde_json::json!("sakaecho-1"));
        assert_eq!(area[0].kept, serde_json::json!("sakaecho-3"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_tablet_is_wiped_on_its_next_sync() {
    let server = server();
    let mut tablet = Device::enroll(&server, "worker-a").await;
    let p = tablet.add_person("架空 五郎");
    tablet.visit(p.id, "訪問");
    tablet.sync().await.unwrap();
    revoke_all_devices_of(&server, "worker-a");

    let err = tablet.sync().await.unwrap_err();
    assert!(
        matches!(err, outreach_mobile::sync::SyncError::Revoked),
        "{err:?}"
    );
    let status = tablet.store.status().unwrap();
    assert!(
        status.key_destroyed,
        "the data key is destroyed during the sync"
    );
    let again = tablet
        .store
        .unlock(&outreach_mobile::Pin::for_unlock(PIN.into()));
    assert!(
        matches!(again, Err(outreach_mobile::StoreError::KeyDestroyed)),
        "{again:?}"
    );
    assert!(
        tablet.store.persons().is_err(),
        "nothing can be read any more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_whose_clock_is_three_days_off_still_orders_and_merges_right() {
    use outreach_shared::protocol::PersonField;
    let server = server();
    let url = server.url();
    let mut fast = Device::enroll_with_skew(&server, &url, "worker-a", Duration::days(3)).await;
    let mut slow = Device::enroll_with_skew(&server, &url, "worker-a2", -Duration::days(3)).await;

    let p = fast.add_person("架空 六郎");
    let fast_visit = fast.visit(p.id, "早い時計の端末で記録");
    fast.store
        .update_person(
            p.id,
            vec![PersonField::Summary(Some("先に書いた概要".into()))],
        )
        .unwrap();
    fast.sync().await.unwrap();
    slow.sync().await.unwrap();

    // Later in real time, the slow tablet edits the same field: it must win.
    let slow_visit = slow.visit(p.id, "遅い時計の端末で記録");
    slow.store
        .update_person(
            p.id,
            vec![PersonField::Summary(Some("後から書いた概要".into()))],
        )
        .unwrap();
    slow.sync().await.unwrap();
    fast.sync().await.unwrap();

    let real_now = chrono::Utc::now();
    for c in [&fast_visit, &slow_visit] {
        let off = (c.occurred_at - real_now).num_minutes().abs();
        assert!(off < 15, "contact stamped {off} minutes from real time");
    }
    let supervisor = Office::login(&url, "supervisor-a").await;
    let on_server = supervisor.person(p.id).await.person;
    assert_eq!(on_server.summary.as_deref(), Some("後から書いた概要"));
    assert_eq!(
        fast.store.person(p.id).unwrap().summary.as_deref(),
        Some("後から書いた概要")
    );
    // Nothing was refused for being in the future.
    assert_eq!(fast.pending() + slow.pending(), 0);
    // The timeline orders the two visits by when they happened.
    let t = fast.store.timeline(p.id).unwrap();
    let ids: Vec<_> = t.entries.iter().map(|e| e.contact.id).collect();
    assert_eq!(ids, vec![slow_visit.id, fast_visit.id], "newest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_invalid_operation_in_a_batch_stays_with_its_reason_and_the_others_apply() {
    let server = server();
    let mut tablet = Device::enroll(&server, "worker-a").await;
    let p = tablet.add_person("架空 七郎");
    tablet.visit(p.id, "正しい記録1");
    // The tablet's clock is moved two days ahead by hand after enrolment:
    // the next visit is stamped in the future, which the server refuses.
    tablet.skew_ms.store(
        Duration::days(2).num_milliseconds(),
        std::sync::atomic::Ordering::SeqCst,
    );
    let bad = tablet.visit(p.id, "未来の日付になった記録");
    tablet.skew_ms.store(0, std::sync::atomic::Ordering::SeqCst);
    tablet.visit(p.id, "正しい記録2");

    let report = tablet.sync().await.unwrap();
    assert_eq!(report.rejected, 1);
    let rejected = tablet.store.outbox_rejected().unwrap().items;
    assert_eq!(rejected.len(), 1);
    let entry = &rejected[0];
    match &entry.op.payload {
        protocol::Payload::LogContact(c) => assert_eq!(c.id, bad.id),
        other => panic!("unexpected rejected op {other:?}"),
    }
    let reason = entry.rejection.as_ref().unwrap();
    assert!(
        reason
            .field_errors
            .iter()
            .any(|f| f.violation == Violation::InFuture),
        "{reason:?}"
    );
    // The worker sees a Japanese reason for it.
    assert!(reason.field_errors[0].message_ja().contains("未来"));

    let mut mate = Device::enroll(&server, "worker-a2").await;
    mate.sync().await.unwrap();
    let notes: Vec<_> = mate
        .all_contacts()
        .into_iter()
        .map(|c| c.observation)
        .collect();
    assert_eq!(notes.len(), 2);
    assert!(notes.iter().all(|n| n.starts_with("正しい記録")));
}
