//! The `outreach` CLI against the real server: enrol with a one-time code,
//! log offline, escalate, sync with the progress bar, read the status; a
//! revoked tablet is wiped on its next sync.

use outreach_tests::ServerProcess;
use outreach_tests::cli::{json, outreach};
use outreach_tests::world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_log_escalate_sync_and_status_through_the_cli() {
    let server = ServerProcess::start();
    seed_users(&server);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let code = issue_code(&server, "worker-a");
    let enrolled = json(&outreach(
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
    assert_eq!(enrolled["enrolled"], true);
    // A code works once.
    let again = outreach(d, &["enroll", "--server", &server.url(), "--code", &code]);
    assert_eq!(again.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&again.stderr).contains("登録コード"));

    let person = json(&outreach(
        d,
        &[
            "--json",
            "person",
            "add",
            "--alias",
            "架空 一子",
            "--kana",
            "かくう いちこ",
        ],
    ));
    let pid = person["person"]["id"]
        .as_str()
        .expect("person id")
        .to_owned();
    json(&outreach(
        d,
        &[
            "--json",
            "contact",
            "add",
            "--person",
            &pid,
            "--method",
            "home_visit",
            "--met",
            "family_only",
            "--observation",
            "母親と話した",
            "--accompaniment",
            "pair",
            "--next",
            "再訪",
            "--due",
            "2099-01-01",
        ],
    ));
    json(&outreach(
        d,
        &[
            "--json",
            "escalate",
            &pid,
            "--reason",
            "複数の機関での支援が必要",
            "--field",
            "elderly",
            "--urgency",
            "high",
        ],
    ));

    let before = json(&outreach(d, &["--json", "status"]));
    assert!(before["outbox"]["pending"].as_u64().unwrap() >= 3);

    let synced = outreach(d, &["sync"]);
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let stdout = String::from_utf8_lossy(&synced.stdout);
    assert!(stdout.contains("同期しました"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&synced.stderr).contains("送信中"),
        "progress is shown"
    );

    let after = json(&outreach(d, &["--json", "status"]));
    assert_eq!(after["outbox"]["pending"], 0);
    assert!(after["sync"]["last_success_at"].is_string());
    assert!(after["sync"]["last_error"].is_null());

    let coordinator = Office::login(&server.url(), "coordinator").await;
    let cases = coordinator.cases().await;
    assert_eq!(cases.len(), 1);
    assert_eq!(
        cases[0].route,
        outreach_shared::Route::SupportMeeting,
        "no consent: 支援会議"
    );

    // Revoked: the next sync wipes the tablet.
    revoke_all_devices_of(&server, "worker-a");
    let revoked = outreach(d, &["sync"]);
    assert_eq!(revoked.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("利用停止"));
    assert!(
        !d.join("data").join("outreach.db").exists(),
        "the data is gone"
    );
    assert!(!d.join("device.key").exists(), "the device secret is gone");
}

#[test]
fn sync_without_enrolment_and_a_server_down_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = outreach(d, &["enroll", "--server", "ftp://nowhere", "--code", "X"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
    // A server that is not there: a clear message, not a panic.
    let port = outreach_tests::server::free_port();
    let out = outreach(
        d,
        &[
            "enroll",
            "--server",
            &format!("http://{port}"),
            "--code",
            "ABCD-EFGH",
        ],
    );
    assert_eq!(out.status.code(), Some(8));
    let err = String::from_utf8_lossy(&out.stderr);
    // Nothing listens there, but the network works: not "offline" (issue 15).
    assert!(err.contains("接続を受け付けていません"), "{err}");
    assert!(!err.contains("サーバーにつながりません"), "{err}");
}
