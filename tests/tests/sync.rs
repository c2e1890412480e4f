//! End-to-end sync scenarios: the real `sync-server` binary on a loopback
//! port with a temporary database, and real tablets (the encrypted store and
//! the sync client of `outreach-mobile`).

use chrono::Duration;
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
