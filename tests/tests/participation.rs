//! 参加支援 end to end (issue 18), with the real `sync-server` binary and
//! the real `outreach` CLI: the coordinator adds a 地域資源 in the console
//! (cookies and CSRF over HTTP); the tablet pulls it, records a need with
//! no suitable resource, proposes a trial at the new resource and stops
//! it with why; the push reaches the server, and the console's report
//! counts the unmet need (suppressed as 5未満, with its 町丁 and need)
//! while no description or name leaves in it.

use outreach_tests::ServerProcess;
use outreach_tests::cli::{json, outreach};
use outreach_tests::office::{Console, csrf_of};
use outreach_tests::world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_added_in_the_console_is_tried_on_a_tablet_and_the_unmet_need_is_counted() {
    let server = ServerProcess::start();
    seed_users(&server);

    // The coordinator adds a resource in the console.
    let mut c = Console::new(&server.url());
    let r = c.login("coordinator", PASSWORD).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let form = c.get("/console/resources/new").await;
    let csrf = csrf_of(&form.body).expect("the form's CSRF token");
    let r = c
        .post(
            "/console/resources",
            &[
                ("csrf", &csrf),
                ("name", "架空の夜の居場所"),
                ("kind", "place_to_be"),
                ("area", "sakaecho-2"),
                ("for_whom", "若い世代の方"),
                ("days", "毎週金曜 17時〜20時"),
                ("contact", "架空の居場所（042-000-0000）"),
                ("accepts_new", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // The tablet (the CLI) enrols and pulls it.
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
    let pid = json(&outreach(
        d,
        &["--json", "person", "add", "--alias", "架空 参加"],
    ))["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json(&outreach(d, &["--json", "sync"]));
    let listed = json(&outreach(d, &["--json", "resources"]));
    let resources = listed["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{listed}");
    assert_eq!(resources[0]["name"], "架空の夜の居場所");
    let rid = resources[0]["id"].as_str().unwrap().to_owned();

    // A need with no suitable resource, a trial that meets it, stopped.
    let need = json(&outreach(
        d,
        &[
            "--json",
            "participation",
            "needs",
            "--person",
            &pid,
            "--need",
            "place_to_be",
            "--need",
            "company",
            "--unmet-area",
            "sakaecho-2",
            "--unmet",
            "若者が夕方に行ける居場所がない",
        ],
    ))["record"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let trial = json(&outreach(
        d,
        &[
            "--json",
            "participation",
            "trial",
            "--person",
            &pid,
            "--resource",
            &rid,
            "--meets",
            &need,
        ],
    ))["record"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A stop without why is refused with a Japanese message.
    let refused = outreach(
        d,
        &[
            "participation",
            "follow-up",
            "--person",
            &pid,
            "--trial",
            &trial,
            "--outcome",
            "stopped",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("中断の理由"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    json(&outreach(
        d,
        &[
            "--json",
            "participation",
            "follow-up",
            "--person",
            &pid,
            "--trial",
            &trial,
            "--outcome",
            "stopped",
            "--reason",
            "夜は家族の介護がある",
        ],
    ));
    let listed = outreach(d, &["participation", "list", &pid]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("架空の夜の居場所（中断）"));
    let synced = json(&outreach(d, &["--json", "sync"]));
    assert_eq!(synced["pending"], 0, "{synced}");
    assert_eq!(synced["rejected"], 0, "{synced}");

    // The server has the three records.
    let store = outreach_tests::office::store_of(&server);
    let person: outreach_shared::PersonId = pid.parse().unwrap();
    let stored = sync_server::store::read(&*store, |tx| tx.participation_of(person)).unwrap();
    assert_eq!(stored.len(), 3);

    // The report counts the unmet need: 栄町2丁目, 居場所がほしい, 5未満.
    let report = c.get("/console/report").await;
    assert_eq!(report.status, 200);
    let unmet = report
        .body
        .split("id=\"unmet-needs\"")
        .nth(1)
        .expect("the unmet needs table")
        .split("</table>")
        .next()
        .unwrap();
    assert!(unmet.contains("居場所がほしい") && unmet.contains("人と話したい"));
    assert!(
        unmet.contains("栄町2丁目") && unmet.contains("5未満"),
        "{unmet}"
    );
    assert!(!report.body.contains("若者が夕方に行ける居場所がない"));
    assert!(!report.body.contains("架空 参加"));
    let csv = c.get("/console/report.csv").await;
    assert!(
        csv.body.contains("居場所がほしい・栄町2丁目"),
        "{}",
        csv.body
    );
}
