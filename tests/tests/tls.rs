//! The tablet and a real HTTPS server with a private CA (issue 15): trust
//! by the platform's store or by the key pinned at enrolment, the
//! certificate message when the key changes, re-enrolment after a planned
//! key change, and `Retry-After`.
//!
//! The server is the real `sync-server` binary with `--tls-cert`; the CA is
//! made by `openssl` and trusted by nothing on this machine.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use outreach_mobile::sync::trust::CertProblem;
use outreach_mobile::sync::{Backoff, Direct, SyncError};
use outreach_shared::enrolment::{EnrolmentQr, SpkiPin};
use outreach_tests::ca::TestCa;
use outreach_tests::world::{self, Device, PIN};
use outreach_tests::{ServerProcess, binary};

fn qr_for(server: &ServerProcess, login: &str, pins: Vec<SpkiPin>) -> EnrolmentQr {
    EnrolmentQr {
        server: server.url(),
        code: world::issue_code(server, login),
        pins,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_server_is_reached_after_enrolment_with_a_pin() {
    let ca = TestCa::new();
    let cert = ca.issue("server-a");
    let server = ServerProcess::start_tls(&cert.cert, &cert.key);
    world::seed_users(&server);
    assert!(server.url().starts_with("https://"));

    // Without a pin the platform decides, and it does not know this CA:
    // refused as a certificate problem, not as "offline".
    let unpinned = qr_for(&server, "worker-a", Vec::new());
    match Device::enroll_qr(&unpinned, ChronoDuration::zero()).await {
        Err(SyncError::Certificate(CertProblem::Untrusted)) => {}
        Err(other) => panic!("expected the certificate error, got {other:?}"),
        Ok(_) => panic!("a server signed by an unknown CA was trusted without a pin"),
    }

    // With the pin of the server's key (what the console's QR carries):
    // enrolled, and a full sync goes through.
    let pinned = qr_for(&server, "worker-a", vec![cert.pin()]);
    let mut tablet = Device::enroll_qr(&pinned, ChronoDuration::zero())
        .await
        .expect("enrolment with the pin");
    let person = tablet.add_person("架空 一郎");
    tablet.visit(person.id, "玄関先で家族と話した（架空）");
    let report = tablet.sync().await.expect("sync over TLS with the pin");
    assert_eq!(
        report.acknowledged, 2,
        "the person and the visit were pushed"
    );
    let link = tablet.store.server_link().unwrap().unwrap();
    assert_eq!(link.pins, vec![cert.pin()], "the pin is kept in the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_another_key_is_refused_with_the_certificate_message() {
    let ca = TestCa::new();
    let old = ca.issue("server-old");
    let new = ca.issue("server-new");
    assert_ne!(old.pin(), new.pin());
    let mut server = ServerProcess::start_tls(&old.cert, &old.key);
    world::seed_users(&server);
    let qr = qr_for(&server, "worker-a", vec![old.pin()]);
    let mut tablet = Device::enroll_qr(&qr, ChronoDuration::zero())
        .await
        .unwrap();
    tablet.add_person("架空 二郎");
    tablet.sync().await.expect("first sync");

    // The server now presents another key, signed by the same CA.
    server.restart_with_tls(&new.cert, &new.key);
    tablet.add_person("架空 三郎");
    let err = tablet
        .sync()
        .await
        .expect_err("another key must be refused");
    assert!(
        matches!(err, SyncError::Certificate(CertProblem::KeyChanged)),
        "{err:?}"
    );
    assert!(!err.is_transient(), "never retried blindly");
    let message = err.message_ja();
    assert!(
        message.contains("鍵") && message.contains("登録し直して"),
        "{message}"
    );
    assert_ne!(message, SyncError::Offline.message_ja());
    assert_eq!(
        tablet.store.outbox_status().unwrap().pending,
        1,
        "nothing left the tablet"
    );
}

/// The `outreach` CLI with this machine's trust store extended by the test
/// CA (`SSL_CERT_FILE`, read by the platform verifier on Linux), so that the
/// platform itself trusts the new key: the pin still refuses it, and a
/// re-enrolment with the new QR (the supervisor's way after a planned key
/// change) restores sync without losing a record.
#[test]
fn the_pin_beats_the_platform_store_and_re_enrolment_replaces_it() {
    let ca = TestCa::new();
    let old = ca.issue("old");
    let new = ca.issue("new");
    let mut server = ServerProcess::start_tls(&old.cert, &old.key);
    world::seed_users(&server);
    let dir = tempfile::tempdir().unwrap();
    let outreach = |args: &[&str]| {
        Command::new(binary("outreach"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--device-secret")
            .arg(dir.path().join("device.key"))
            .arg("--json")
            .args(args)
            .env("OUTREACH_PIN", PIN)
            .env("OUTREACH_NEW_PIN", PIN)
            .env("SSL_CERT_FILE", ca.ca_pem())
            .output()
            .expect("run outreach")
    };
    let qr = qr_for(&server, "worker-a", vec![old.pin()]).to_text();
    let out = outreach(&["enroll", "--qr", &qr]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = outreach(&[
        "person",
        "add",
        "--alias",
        "架空 四郎",
        "--kana",
        "かくう しろう",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    server.restart_with_tls(&new.cert, &new.key);
    let out = outreach(&["sync"]);
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"], "server_key_changed", "{err}");
    assert!(err["message"].as_str().unwrap().contains("鍵"));

    // The supervisor shows a new QR with the new key; the worker enrols
    // again on the same tablet.
    let qr = qr_for(&server, "worker-a", vec![new.pin()]).to_text();
    let out = outreach(&["enroll", "--qr", &qr]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = outreach(&["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        done["acknowledged"], 1,
        "the person made before re-enrolment went up"
    );
    assert_eq!(done["pending"], 0);

    // Without a pin, the platform store (here extended by the test CA)
    // decides: the CA is trusted, so the same server is reached.
    let out = Command::new(binary("outreach"))
        .arg("--data-dir")
        .arg(dir.path().join("unpinned"))
        .arg("--device-secret")
        .arg(dir.path().join("unpinned.key"))
        .arg("--json")
        .args(["enroll", "--server", &server.url(), "--code"])
        .arg(world::issue_code(&server, "worker-a2"))
        .env("OUTREACH_NEW_PIN", PIN)
        .env("SSL_CERT_FILE", ca.ca_pem())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A refused connection and an unreachable address are not "offline" and
/// not a certificate problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_has_its_own_message() {
    let addr = outreach_tests::server::free_port();
    let err = outreach_mobile::sync::enroll(&format!("http://{addr}"), "ABCD-EFGH-JKLM", "架空")
        .await
        .expect_err("nothing listens there");
    assert!(matches!(err, SyncError::ConnectionRefused), "{err:?}");
    assert!(err.message_ja().contains("接続を受け付けていません"));
}

/// The server limits this device to one request per second; the client is
/// set to retry within milliseconds, so it succeeds only by waiting as long
/// as the server's `Retry-After` says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let server = ServerProcess::start_with(&["--rate-per-minute", "60", "--rate-burst", "1"]);
    world::seed_users(&server);
    let mut tablet = Device::enroll(&server, "worker-a").await;
    tablet.add_person("架空 五郎");
    let client = tablet.client();
    let impatient = Backoff {
        first: Duration::from_millis(1),
        max: Duration::from_millis(5),
        attempts: 4,
    };
    let started = Instant::now();
    let mut waits = 0;
    client
        .sync(&Direct::new(&mut tablet.store), impatient, &mut |p| {
            if p.phase == outreach_mobile::sync::SyncPhase::Waiting {
                waits += 1;
            }
        })
        .await
        .expect("the sync succeeds once it waits as the server asks");
    assert_eq!(tablet.store.outbox_status().unwrap().pending, 0);
    assert!(waits >= 1, "the server asked to wait at least once");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited only {:?}: Retry-After (1 s) was not honoured",
        started.elapsed()
    );
}

/// The app (its state machine and runner, the real store thread): enrolled
/// by QR with a pin, it shows the certificate message when the server's key
/// changes, and the worker enrols again from the settings with the new QR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_tells_the_key_changed_and_re_enrols_from_the_settings() {
    use outreach_mobile::KdfParams;
    use outreach_mobile::app::core::{AppCore, CoreHandle};
    use outreach_mobile::app::runner::run;
    use outreach_mobile::app::state::{AppState, Msg, update};
    use outreach_mobile::store::StoreConfig;

    /// Answers in the order their effects were asked for (a load of the
    /// status is answered before a sync).
    async fn drive(core: &CoreHandle, s: &mut AppState, msg: Msg) {
        let mut queue = std::collections::VecDeque::from([msg]);
        while let Some(m) = queue.pop_front() {
            for fx in update(s, m, chrono::Utc::now()) {
                queue
                    .extend(run(core, fx, KdfParams::insecure_fast_for_tests(), &mut |_| {}).await);
            }
        }
    }

    let ca = TestCa::new();
    let old = ca.issue("app-old");
    let new = ca.issue("app-new");
    let mut server = ServerProcess::start_tls(&old.cert, &old.key);
    world::seed_users(&server);
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::new(dir.path().join("data"))
        .with_device_secret_path(dir.path().join("device.key"));
    let core = CoreHandle::spawn(AppCore::open(cfg));
    let mut s = AppState::new(false);
    let qr = qr_for(&server, "worker-a", vec![old.pin()]).to_text();
    drive(&core, &mut s, Msg::SetupQrRead(qr)).await;
    drive(&core, &mut s, Msg::SetupPin(PIN.into())).await;
    drive(&core, &mut s, Msg::SetupPinConfirm(PIN.into())).await;
    drive(&core, &mut s, Msg::SetupSubmit).await;
    assert_eq!(s.setup.error, None);
    assert!(s.sync.error.is_none(), "{:?}", s.sync.error);
    assert!(s.sync.last_success.is_some(), "the first sync went through");

    server.restart_with_tls(&new.cert, &new.key);
    drive(&core, &mut s, Msg::SyncNow).await;
    let shown = s.sync.error.clone().expect("the sync failed");
    assert_eq!(
        shown,
        SyncError::Certificate(CertProblem::KeyChanged).message_ja()
    );

    let qr = qr_for(&server, "worker-a", vec![new.pin()]).to_text();
    drive(&core, &mut s, Msg::ReenrolRead(qr)).await;
    assert!(
        s.notice.as_ref().is_some_and(|n| !n.error),
        "{:?}",
        s.notice
    );
    assert!(s.sync.error.is_none(), "{:?}", s.sync.error);
}
