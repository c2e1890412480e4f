//! Against a real listener on port 0: enrol, push, pull over TCP, then a
//! graceful shutdown; the acknowledged operations are in the file after.

mod common;

use common::*;
use outreach_shared::protocol::*;
use sync_server::store::scratch::ScratchDb;
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
    let reopened = w.db.open(&StoreOptions::default()).unwrap();
    let n = store::read(&*reopened, |tx: &mut dyn Tx| tx.contact_count()).unwrap();
    assert_eq!(n, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_rustls() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    // A throwaway self-signed certificate for 127.0.0.1 (test tooling only).
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is needed to make a test certificate");
    assert!(status.success());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let app = sync_server::app(w.state.clone());
    let (c, k) = (cert.clone(), key.clone());
    let server = tokio::spawn(async move {
        sync_server::tls::serve_tls_until(
            "127.0.0.1:0".parse().unwrap(),
            &c,
            &k,
            app,
            async move {
                let _ = stop_rx.await;
            },
            Some(bound_tx),
        )
        .await
    });
    let addr = bound_rx.await.unwrap();
    let url = format!("https://127.0.0.1:{}/healthz", addr.port());
    let cert_s = cert.display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["-sS", "--cacert", &cert_s, &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["status"], "ok");
    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::get(format!("http://127.0.0.1:{}/healthz", addr.port())).await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let db = ScratchDb::from_env();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args(["--database", db.url(), "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing plain HTTP"));
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let db = ScratchDb::from_env();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args([
            "--database",
            db.url(),
            "--key-dir",
            &db.key_dir().display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("OUTREACH_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(up, "server did not start");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("shutting down"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_carry_no_personal_data_and_no_secrets() {
    let db = ScratchDb::from_env();
    let code = {
        let store = db.open(&StoreOptions::default()).unwrap();
        let now = chrono::Utc::now();
        sync_server::admin::ensure_team(&*store, "班A（見本）", now).unwrap();
        sync_server::admin::add_user(
            &*store,
            sync_server::admin::NewUser {
                username: "w1".into(),
                display_name: "架空 表示名".into(),
                role: outreach_shared::access::Role::OutreachWorker,
                team: Some("班A（見本）".into()),
                agency: None,
                password: None,
            },
            now,
        )
        .unwrap();
        sync_server::admin::issue_code(&*store, "w1", chrono::Duration::minutes(5), now)
            .unwrap()
            .to_string()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args([
            "--database",
            db.url(),
            "--key-dir",
            &db.key_dir().display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("OUTREACH_LOG", "debug")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up);
    let enrol: EnrollResponse = http
        .post(format!("{base}/api/v1/enroll"))
        .json(&EnrollRequest {
            protocol: ProtocolVersion::CURRENT,
            code: code.clone(),
            device_label: "架空タブレット".into(),
            platform: "linux".into(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut d = Device {
        id: enrol.device_id,
        token: enrol.token.clone(),
        user: enrol.user_id,
        team: enrol.team_id,
        counter: 0,
    };
    let (pid, create) = d.create_person("架空 秘密太郎");
    let (_, log) = d.log_contact(pid, "（架空）秘密の観察メモ");
    let push = PushRequest {
        protocol: ProtocolVersion::CURRENT,
        device_id: d.id,
        operations: vec![create, log],
    };
    let r = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(&d.token)
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A bad request whose body carries personal data.
    let r = http
        .post(format!("{base}/api/v1/sync/pull"))
        .bearer_auth(&d.token)
        .body(r#"{"protocol":"2.0","cursor":"架空 秘密太郎","limit":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .post(format!("{base}/api/v1/sync/pull"))
        .bearer_auth(&d.token)
        .json(&PullRequest {
            protocol: ProtocolVersion::CURRENT,
            cursor: 0,
            limit: 100,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pid_s = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid_s])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("push committed"),
        "the log is not empty: {log}"
    );
    for secret in ["架空", "秘密", &enrol.token, &code, "タブレット"] {
        assert!(!log.contains(secret), "log leaks {secret:?}");
    }
}
