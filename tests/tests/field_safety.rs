//! The hand-over and the lone-worker check end to end (issue 12): the real
//! `sync-server` binary, real tablets (the encrypted store and the sync
//! client) and the console over HTTP with its cookies and CSRF token.

use std::sync::atomic::Ordering;

use chrono::Duration;
use outreach_shared::protocol::PersonField;
use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::office::{Console, csrf_of};
use outreach_tests::world::*;

fn mine(d: &mut Device, p: PersonId) -> bool {
    d.store
        .caseload()
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.person.id == p)
        .expect("the person is on the tablet")
        .mine
}

async fn supervisor_console(server: &ServerProcess) -> Console {
    let mut c = Console::new(&server.url());
    let r = c.login("supervisor-a", PASSWORD).await;
    assert_eq!(r.status, 303, "{}", r.body);
    c
}

fn user_id(server: &ServerProcess, login: &str) -> UserId {
    let store = outreach_tests::office::store_of(server);
    sync_server::store::read(&*store, |tx| tx.user_by_name(login))
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_handed_over_in_the_console_moves_between_the_workers_caseloads() {
    let server = ServerProcess::start();
    seed_users(&server);
    let mut a = Device::enroll(&server, "worker-a").await;
    let mut a2 = Device::enroll(&server, "worker-a2").await;
    let p = a.add_person("架空 六郎");
    a.sync().await.unwrap();
    a2.sync().await.unwrap();
    assert!(mine(&mut a, p.id), "the registering worker's");
    assert!(
        !mine(&mut a2, p.id),
        "a team-mate's tablet has it, not on its caseload"
    );
    assert_eq!(
        a2.store.timeline(p.id).unwrap().assignment.name.as_deref(),
        Some("架空 支援員A"),
        "the 担当's name came with the person"
    );

    let mut c = supervisor_console(&server).await;
    let page = c.get("/console/team").await;
    assert!(page.body.contains("担当の引き継ぎ"));
    let csrf = csrf_of(&page.body).unwrap();
    let to = user_id(&server, "worker-a2").to_string();
    let r = c
        .post(
            "/console/team/handover",
            &[
                ("csrf", &csrf),
                ("person", &p.id.to_string()),
                ("worker", &to),
                ("note", "（架空）母の通院日に合わせて訪問を"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    a.sync().await.unwrap();
    a2.sync().await.unwrap();
    assert!(!mine(&mut a, p.id), "left the old worker's caseload");
    assert!(mine(&mut a2, p.id), "on the new worker's caseload");
    let tl = a2.store.timeline(p.id).unwrap();
    assert!(tl.assignment.to_me);
    let h = tl.assignment.handover.expect("the note came down");
    assert_eq!(h.note, "（架空）母の通院日に合わせて訪問を");
    assert_eq!(h.from_name.as_deref(), Some("架空 支援員A"));
    // The old worker's tablet shows the new 担当 by name.
    let tl = a.store.timeline(p.id).unwrap();
    assert_eq!(tl.assignment.name.as_deref(), Some("架空 支援員A2"));
    // Both tablets agree with the server; nothing waits in an outbox.
    assert_eq!(a.pending(), 0);
    assert_eq!(a2.pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_not_finished_past_its_end_shows_as_unconfirmed_until_finished() {
    let server = ServerProcess::start_with(&["--visit-grace-minutes", "30"]);
    seed_users(&server);
    let mut a = Device::enroll(&server, "worker-a").await;
    let p = a.add_person("架空 七郎");
    a.store
        .update_person(p.id, vec![PersonField::Area("sakaecho-2".parse().ok())])
        .unwrap();
    // The visit started two hours ago, expected to last an hour (the
    // tablet's clock is turned back for the start).
    a.skew_ms
        .store(-Duration::hours(2).num_milliseconds(), Ordering::SeqCst);
    a.store.start_visit(p.id, 60).unwrap();
    a.skew_ms.store(0, Ordering::SeqCst);
    assert_eq!(a.sync().await.unwrap().rejected, 0);

    let mut c = supervisor_console(&server).await;
    let page = c.get("/console/team").await;
    let at = page
        .body
        .find("id=\"unconfirmed\"")
        .expect("帰着未確認 shown");
    let section = &page.body[at..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("帰着未確認"));
    assert!(section.contains("架空 支援員A"));
    assert!(section.contains("栄町2丁目"));
    assert!(!section.contains("架空 七郎"), "no person's name, no notes");

    // The worker finishes: gone after the next sync.
    a.store.finish_visit().unwrap();
    a.sync().await.unwrap();
    let page = c.get("/console/team").await;
    assert!(!page.body.contains("id=\"unconfirmed\""));
}
