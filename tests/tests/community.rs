//! 地域づくり end to end (issue 18), with the real `sync-server` binary on
//! a real SQLite file: a worker logs a community activity with a person to
//! find on a tablet (the `outreach` CLI on its encrypted store), syncs, and
//! the person is on the server at 把握 (the supervisor's console lists the
//! activity with the person) and on a second tablet of the team with the
//! activity that found them; the other team's tablet gets neither. And an
//! app upgrade: a tablet that synced as protocol 2.2 skipped the activity
//! while its cursor moved past it; after the upgrade its next sync pulls
//! it.

use outreach_mobile::model::{NewCommunityActivity, PersonToFind};
use outreach_mobile::shared::*;
use outreach_mobile::sync::Direct;
use outreach_tests::ServerProcess;
use outreach_tests::cli::{json, outreach};
use outreach_tests::office::Console;
use outreach_tests::world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_to_find_from_a_community_activity_reaches_the_server_and_the_team() {
    let server = ServerProcess::start();
    seed_users(&server);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let code = issue_code(&server, "worker-a");
    json(&outreach(
        d,
        &[
            "--json",
            "enroll",
            "--server",
            &server.url(),
            "--code",
            &code,
        ],
    ));

    // A name in what was learned is refused, in Japanese, and nothing is kept.
    let refused = outreach(
        d,
        &[
            "community",
            "add",
            "--kind",
            "salon_visit",
            "--area",
            "sakaecho-3",
            "--participants",
            "resident=12",
            "--learned",
            "サロンで山田さんが最近来ないと聞いた",
        ],
    );
    assert!(!refused.status.success());
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(msg.contains("名前"), "{msg}");

    let added = json(&outreach(
        d,
        &[
            "--json",
            "community",
            "add",
            "--kind",
            "welfare_commissioner_meeting",
            "--area",
            "sakaecho-3",
            "--at",
            "R8.5.12 10:00",
            "--participants",
            "welfare_commissioner=8",
            "--participants",
            "community_care_centre=1",
            "--learned",
            "3丁目の集合住宅で、最近姿を見ない高齢の男性がいるとの話",
            "--follow-up",
            "民生委員さんと一緒に様子を見に行く",
            "--find",
            "栄町3丁目 高齢男性",
        ],
    ));
    let aid = added["activity"]["id"].as_str().unwrap().to_owned();
    let pid = added["persons"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(added["persons"][0]["stage"]["kind"], "identified");
    assert_eq!(added["activity"]["persons_to_find"][0], pid.as_str());
    let listed = json(&outreach(d, &["--json", "community", "list"]));
    assert_eq!(listed["activities"].as_array().unwrap().len(), 1);
    json(&outreach(d, &["--json", "sync"]));
    let status = json(&outreach(d, &["--json", "outbox", "status"]));
    assert_eq!(status["pending"], 0, "everything acknowledged: {status}");
    assert_eq!(status["rejected"], 0, "{status}");

    // The supervisor's console lists the activity with the person at 把握.
    let mut c = Console::new(&server.url());
    let r = c.login("supervisor-a", PASSWORD).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = c.get("/console/community?from=2026-05-01").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("activity-{aid}")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("栄町3丁目 高齢男性（把握）"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("民生委員・児童委員 8人"),
        "{}",
        page.body
    );

    // A second tablet of the team gets the person at 把握 and the activity
    // that found them; the other team's tablet gets neither.
    let mut mate = Device::enroll(&server, "worker-a2").await;
    mate.sync().await.unwrap();
    let pid: PersonId = pid.parse().unwrap();
    let p = mate.store.person(pid).unwrap();
    assert_eq!(p.stage, Stage::Identified);
    assert_eq!(p.alias, "栄町3丁目 高齢男性");
    let by = mate.store.found_by(pid).unwrap().expect("the activity");
    assert_eq!(by.id.to_string(), aid);
    assert_eq!(by.kind, ActivityKind::WelfareCommissionerMeeting);
    let mut b = Device::enroll(&server, "worker-b").await;
    b.sync().await.unwrap();
    assert!(b.store.community_activities().unwrap().is_empty());
    assert!(b.store.person(pid).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_tablet_pulls_what_its_older_protocol_skipped() {
    let server = ServerProcess::start();
    seed_users(&server);
    let mut a = Device::enroll(&server, "worker-a").await;
    let mut old = Device::enroll(&server, "worker-a2").await;

    let (activity, persons) = a
        .store
        .log_community_activity(NewCommunityActivity {
            kind: ActivityKind::Patrol,
            area: "hanenaka-2".parse().unwrap(),
            held_at: chrono::Utc::now() - chrono::Duration::hours(2),
            participants: vec![Participants {
                role: ParticipantRole::CouncilStaff,
                count: 2,
            }],
            learned: "新聞がたまっている家がある".into(),
            follow_up: None,
            persons_to_find: vec![PersonToFind {
                alias: "羽中2丁目 一人暮らしの女性".into(),
                sex: Some(Sex::Female),
            }],
        })
        .unwrap();
    a.sync().await.unwrap();

    // The tablet as an app of protocol 2.2: the person comes, the activity
    // (a 2.3 kind) does not, and the cursor moves past it.
    let client = old.client().speaking_minor(2);
    client
        .sync_once(&Direct::new(&mut old.store), &mut |_| {})
        .await
        .unwrap();
    assert!(old.store.person(persons[0].id).is_ok());
    assert!(old.store.community_activities().unwrap().is_empty());
    let cursor = old.store.pull_cursor().unwrap();
    assert!(cursor > 0);
    // Nothing new on the server: a 2.2 pull again brings nothing more.
    client
        .sync_once(&Direct::new(&mut old.store), &mut |_| {})
        .await
        .unwrap();
    assert!(old.store.community_activities().unwrap().is_empty());

    // The app is updated (2.3): the next sync pulls the skipped activity,
    // and what it had stays as it was (applied again, idempotent).
    let report = old.sync().await.unwrap();
    assert!(report.pulled > 0);
    let got = old.store.community_activities().unwrap();
    assert_eq!(got, vec![activity.clone()]);
    assert_eq!(old.store.person(persons[0].id).unwrap(), persons[0]);
    assert!(old.store.pull_cursor().unwrap() >= cursor);
    // And a later sync does not start over again.
    let again = old.sync().await.unwrap();
    assert_eq!(again.pulled, 0, "{again:?}");
}
