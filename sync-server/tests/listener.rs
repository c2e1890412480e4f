//! Against a real listener on port 0: enrol, push, pull over TCP, then a
//! graceful shutdown; the acknowledged operations are in the file after.

mod common;

use common::*;
use outreach_shared::protocol::*;
use sync_server::store::sqlite::SqliteStore;
use sync_server::store::{self, StoreOptions, Tx};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_listener_round_trip_and_graceful_shutdown() {
    let w = World::new();
    let user = w.user(
        "w1",
        outreach_shared::access::Role::OutreachWorker,
        Some("班A（見本）"),
        None,
    );
    let code = sync_server::admin::issue_code(
        &*w.store,
        "w1",
        chrono::Duration::minutes(5),
        chrono::Utc::now(),
    )
    .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let app = sync_server::app(w.state.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
    });
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let enrol: EnrollResponse = http
        .post(format!("{base}/api/v1/enroll"))
        .json(&EnrollRequest {
            protocol: ProtocolVersion::CURRENT,
            code: code.to_string(),
            device_label: "タブレット".into(),
            platform: "linux".into(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(enrol.user_id, user);
    let mut d = Device {
        id: enrol.device_id,
        token: enrol.token.clone(),
        user,
        team: enrol.team_id,
        counter: 0,
    };
    let (pid, create) = d.create_person("架空 一郎");
    let mut ops = vec![create];
    for i in 0..50 {
        ops.push(d.log_contact(pid, &format!("（架空）{i}")).1);
    }
    let push = PushRequest {
        protocol: ProtocolVersion::CURRENT,
        device_id: d.id,
        operations: ops,
    };
    let resp = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(&d.token)
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp: PushResponse = resp.json().await.unwrap();
    assert!(
        resp.results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. }))
    );

    let pull: PullResponse = http
        .post(format!("{base}/api/v1/sync/pull"))
        .bearer_auth(&d.token)
        .json(&PullRequest {
            protocol: ProtocolVersion::CURRENT,
            cursor: 0,
            limit: 1000,
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pull.changes.len(), 51);

    // An error over the wire is an ErrorBody too.
    let bad = http
        .post(format!("{base}/api/v1/sync/pull"))
        .bearer_auth(&d.token)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: ErrorBody = bad.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::MalformedJson);

    stop_tx.send(()).unwrap();
    server.await.unwrap();
    // Reopen the file: everything acknowledged is there.
    let reopened = SqliteStore::open(&w.path, &StoreOptions::default()).unwrap();
    let n = store::read(&reopened, |tx: &mut dyn Tx| tx.contact_count()).unwrap();
    assert_eq!(n, 50);
}
