//! Issue 14, items 11 and 13, against the real server over TCP: nothing
//! unauthenticated stalls the tablets. Requests with a made-up token take
//! no sync slot; wrong enrolment codes are limited per client address, and
//! a valid code still passes.

use outreach_tests::ServerProcess;
use outreach_tests::world::{Device, issue_code, seed_users};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn slow_bodies_with_a_made_up_token_take_no_sync_slot() {
    let s = ServerProcess::start();
    seed_users(&s);
    let mut d = Device::enroll(&s, "worker-a").await;
    let p = d.add_person("架空 一郎");
    d.visit(p.id, "（架空）訪問");
    // More connections than there are sync slots (32), each sending the
    // headers of a sync with a made-up token and then nothing.
    let mut held = Vec::new();
    for i in 0..40 {
        let mut c = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
        let path = if i % 2 == 0 { "pull" } else { "push" };
        let head = format!(
            "POST /api/v1/sync/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Authorization: Bearer made-up-token-{i}\r\nContent-Type: application/json\r\n\
             Content-Length: 100000\r\n\r\n{{"
        );
        c.write_all(head.as_bytes()).await.unwrap();
        held.push(c);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The tablet still syncs at once (not after the 60 s request timeout).
    let r = tokio::time::timeout(Duration::from_secs(10), d.sync())
        .await
        .expect("the tablet's sync was stalled by unauthenticated requests");
    let report = r.expect("sync");
    assert!(report.acknowledged >= 2, "{report:?}");
    drop(held);
}

#[tokio::test]
async fn wrong_enrolment_codes_are_limited_per_address_and_a_valid_code_passes() {
    let s = ServerProcess::start_with(&["--forwarded-for"]);
    seed_users(&s);
    let http = reqwest::Client::new();
    let enrol = |code: String, addr: &'static str| {
        let http = http.clone();
        let url = format!("{}/api/v1/enroll", s.url());
        async move {
            http.post(url)
                .header("x-forwarded-for", addr)
                .json(&serde_json::json!({
                    "protocol": "2.0",
                    "code": code,
                    "device_label": "架空タブレット",
                    "platform": "linux",
                }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for n in 0..15 {
        statuses.push(enrol(format!("AAAA-BBBB-{n:04}"), "127.0.3.3").await);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // Someone else's tablet is not held up by that address…
    assert_eq!(enrol("AAAA-BBBB-9999".into(), "127.0.3.4").await, 401);
    let code = issue_code(&s, "worker-a2");
    assert_eq!(enrol(code, "127.0.3.4").await, 200);
    // …and a valid code passes even from the limited address.
    let code = issue_code(&s, "worker-a3");
    assert_eq!(enrol(code, "127.0.3.3").await, 200);
}
