//! The server's metrics and request ids, from outside: the real server
//! process with `--metrics-listen`, a real tablet syncing, then
//! `GET /metrics` on the metrics listener.

use outreach_tests::ServerProcess;
use outreach_tests::server::free_port;
use outreach_tests::world::*;

/// The value of a sample line `name{labels} value` (or `name value`).
fn sample(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_a_sync_and_name_no_one() {
    let metrics_addr = free_port();
    let server = ServerProcess::start_with(&["--metrics-listen", &metrics_addr.to_string()]);
    seed_users(&server);
    let mut tablet = Device::enroll(&server, "worker-a").await;
    let p = tablet.add_person("架空 計測太郎");
    tablet.visit(p.id, "（架空）玄関先で話した");
    tablet.visit(p.id, "（架空）二回目");
    let report = tablet.sync().await.expect("sync");
    assert_eq!(report.rejected, 0);

    let http = reqwest::Client::new();
    // Every answer carries a request id; a client's own well-formed id is
    // kept, a malformed one replaced.
    let r = http
        .get(format!("{}/healthz", server.url()))
        .header("x-request-id", "proxy-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "proxy-1234");
    let r = http
        .get(format!("{}/healthz", server.url()))
        .header("x-request-id", "架空 太郎")
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 16, "a fresh id: {id}");

    let text = http
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The person and the two visits were applied, one pull page at least.
    let applied = sample(
        &text,
        r#"outreach_push_operations_total{outcome="applied"}"#,
    );
    assert!(applied.unwrap_or(0.0) >= 3.0, "{text}");
    assert!(sample(&text, "outreach_pull_pages_total").unwrap_or(0.0) >= 1.0);
    assert!(
        text.contains(r#"route="/api/v1/sync/push",method="POST",status="200""#),
        "{text}"
    );
    assert_eq!(sample(&text, "outreach_active_devices"), Some(1.0));
    assert!(text.contains("outreach_write_duration_seconds_count"));
    // No ids, names or tokens: no UUID, nothing of the person.
    let uuid = regex_like_uuid(&text);
    assert!(uuid.is_none(), "an id in the metrics: {uuid:?}");
    assert!(!text.contains("架空"));
    assert!(!text.contains(tablet.token()));
    // The metrics are not on the API's listener.
    let r = http
        .get(format!("{}/metrics", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The first thing shaped like a UUID (8-4-4-4-12 hex digits), if any.
fn regex_like_uuid(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let groups = [8, 4, 4, 4, 12];
    'start: for i in 0..b.len() {
        let mut j = i;
        for (g, len) in groups.iter().enumerate() {
            for _ in 0..*len {
                if j >= b.len() || !b[j].is_ascii_hexdigit() {
                    continue 'start;
                }
                j += 1;
            }
            if g < 4 {
                if j >= b.len() || b[j] != b'-' {
                    continue 'start;
                }
                j += 1;
            }
        }
        return Some(text[i..j].to_owned());
    }
    None
}
