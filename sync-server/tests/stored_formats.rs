//! Stored formats stay readable across crate upgrades: a server database
//! and key folder made by an earlier build (`tests/fixtures/server-v1/`,
//! fictitious users only) still work with today's code — the Argon2id
//! password hashes log in, the TOTP secret sealed with AES-256-GCM opens and
//! its HMAC-SHA1 code is accepted, the stored SHA-256 token hashes match the
//! device, service and session tokens handed out then, the audit chain's
//! hashes verify and its ed25519 anchor and the signed feed file verify with
//! the keys from the key files.
//!
//! The fixture was written by the `#[ignore]`d test below with the crates
//! of its day (argon2 0.5, aes-gcm 0.10, hmac 0.12, sha1/sha2 0.10,
//! ed25519-dalek 2). Recreate it only on purpose (a deliberate format
//! change), never to make this test pass:
//! `cargo test -p sync-server --test stored_formats -- --ignored`.
//! SQLite only: the formats are the same bytes on PostgreSQL.

use chrono::{DateTime, Duration, TimeZone, Utc};
use outreach_shared::access::Role;
use outreach_shared::protocol::{EnrollRequest, ProtocolVersion};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use sync_server::admin::{self, NewUser};
use sync_server::engine::sessions::{self, Credentials};
use sync_server::keys::{KeyFiles, ServerKeys};
use sync_server::store::{self, DatabaseUrl, Store, StoreOptions};
use sync_server::{audit, feed};
use zeroize::Zeroizing;

const PASSWORD: &str = "fictitious-password-1";

/// What the fixture's maker handed out (all fictitious, for this test).
#[derive(Serialize, Deserialize)]
struct Expected {
    device_token: String,
    service_token: String,
    session_token: String,
    totp_secret: String,
    /// The TOTP code at [`t0`], computed by the maker's crates.
    totp_code_at_t0: String,
    audit_entries: u64,
    feed_verifying_key: String,
    anchor_verifying_key: String,
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/server-v1")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap()
}

fn open(dir: &Path) -> (Arc<dyn Store>, ServerKeys) {
    let url: DatabaseUrl = format!("sqlite://{}", dir.join("outreach.db").display())
        .parse()
        .unwrap();
    let store = store::open(&url, &StoreOptions::default()).unwrap();
    let keys = ServerKeys::load(&*store, &KeyFiles::in_dir(dir)).unwrap();
    (store, keys)
}

fn user(store: &dyn Store, name: &str, role: Role, team: Option<&str>) {
    admin::add_user(
        store,
        NewUser {
            username: name.into(),
            display_name: format!("架空 {name}"),
            role,
            team: team.map(str::to_owned),
            agency: None,
            password: Some(Zeroizing::new(PASSWORD.into())),
        },
        t0(),
    )
    .unwrap();
}

/// Writes the fixture with today's code. Ignored: run it only to make a
/// new fixture on purpose.
#[test]
#[ignore = "writes tests/fixtures/server-v1; run only on purpose"]
fn write_the_fixture_database() {
    let dir = fixture();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (store, keys) = open(&dir);
    admin::ensure_team(&*store, "班A（見本）", t0()).unwrap();
    user(
        &*store,
        "kakuu-worker",
        Role::OutreachWorker,
        Some("班A（見本）"),
    );
    user(&*store, "kakuu-sv", Role::Supervisor, Some("班A（見本）"));
    user(&*store, "kakuu-coord", Role::Coordinator, None);
    let (secret, _uri) = admin::totp_enrol(&*store, &keys.totp, "kakuu-coord", t0()).unwrap();
    let code = sync_server::engine::totp::code_for_base32(&secret, t0()).unwrap();
    let enrol_code = admin::issue_code(&*store, "kakuu-worker", Duration::hours(1), t0()).unwrap();
    let device = store::write(&*store, |tx| {
        sync_server::engine::enrolment::enroll(
            tx,
            &EnrollRequest {
                protocol: ProtocolVersion::CURRENT,
                code: enrol_code.to_string(),
                device_label: "タブレット見本".into(),
                platform: "linux".into(),
            },
            t0(),
        )
    })
    .unwrap();
    let service = admin::add_service(&*store, "fixture-reader", t0()).unwrap();
    let session = sessions::api_login(
        &*store,
        &keys.totp,
        &Credentials {
            username: "kakuu-sv",
            password: PASSWORD,
            totp: None,
        },
        "fixture",
        Duration::days(3650),
        t0(),
    )
    .unwrap();
    let mut out = Vec::new();
    feed::export(&*store, &keys.feed, 0, &mut out, "fixture", t0()).unwrap();
    std::fs::write(dir.join("feed.jsonl"), out).unwrap();
    audit::export_anchor(&*store, &keys.anchor, &dir.join("anchors.jsonl"), t0()).unwrap();
    let expected = Expected {
        device_token: device.token.to_string(),
        service_token: service.to_string(),
        session_token: session.token,
        totp_secret: secret.to_string(),
        totp_code_at_t0: code,
        audit_entries: audit::verify(&*store).unwrap(),
        feed_verifying_key: feed::verifying_key_b64(&keys.feed.verifying_key()),
        anchor_verifying_key: feed::verifying_key_b64(&keys.anchor.verifying_key()),
    };
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected).unwrap() + "\n",
    )
    .unwrap();
    drop(store);
    for f in ["outreach.db-wal", "outreach.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
}

fn copy_fixture(to: &Path) {
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        std::fs::copy(e.path(), &target).unwrap();
        #[cfg(unix)]
        {
            // Git does not keep modes; key files must be private.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
}

#[test]
fn a_database_made_by_the_earlier_crates_works_unchanged() {
    let t = tempfile::tempdir().unwrap();
    copy_fixture(t.path());
    let expected: Expected =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("expected.json")).unwrap())
            .unwrap();
    let (store, keys) = open(t.path());

    // The key files are the ones the database recorded, and are the keys
    // that signed then.
    assert_eq!(
        feed::verifying_key_b64(&keys.feed.verifying_key()),
        expected.feed_verifying_key
    );
    assert_eq!(
        feed::verifying_key_b64(&keys.anchor.verifying_key()),
        expected.anchor_verifying_key
    );

    // The audit chain (SHA-256 links) and its ed25519 anchor.
    let entries = audit::verify(&*store).unwrap();
    assert_eq!(entries, expected.audit_entries);
    let anchors = std::fs::read_to_string(t.path().join("anchors.jsonl")).unwrap();
    assert_eq!(
        audit::verify_anchors(&*store, &keys.anchor.verifying_key(), &anchors).unwrap(),
        1
    );
    let other = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
    assert!(audit::verify_anchors(&*store, &other, &anchors).is_err());

    // The signed feed file.
    let published = feed::parse_verifying_key(&expected.feed_verifying_key).unwrap();
    let file = std::fs::read(t.path().join("feed.jsonl")).unwrap();
    let (items, trailer) = feed::verify_file(&published, &mut &file[..]).unwrap();
    assert!(items.is_empty());
    assert_eq!(trailer.count, 0);
    let mut forged = file.clone();
    let at = forged.len() / 2;
    forged[at] ^= 1;
    assert!(feed::verify_file(&published, &mut &forged[..]).is_err());

    // Token hashes: the device, the feed reader and the office session.
    let now = t0() + Duration::minutes(5);
    let caller = store::write(&*store, |tx| {
        sessions::authenticate(tx, &expected.device_token, now)
    })
    .unwrap();
    assert!(
        caller.device.is_some(),
        "the device token still authenticates"
    );
    store::write(&*store, |tx| {
        sessions::authenticate(tx, &expected.session_token, now)
    })
    .unwrap();
    store::write(&*store, |tx| {
        sessions::authenticate_feed_reader(tx, &expected.service_token, now)
    })
    .unwrap();
    assert!(
        store::write(&*store, |tx| {
            sessions::authenticate(tx, "not-the-token", now)
        })
        .is_err()
    );

    // Argon2id password hashes: the supervisor logs in with the password,
    // not with another one.
    let login = |user: &str, password: &str, totp: Option<&str>, at| {
        sessions::api_login(
            &*store,
            &keys.totp,
            &Credentials {
                username: user,
                password,
                totp,
            },
            "fixture-test",
            Duration::hours(1),
            at,
        )
    };
    assert!(login("kakuu-sv", "wrong-password", None, now).is_err());
    login("kakuu-sv", PASSWORD, None, now).unwrap();

    // The sealed TOTP secret opens with the seal key file: the code the
    // maker computed for t0 logs the coordinator in at t0, a wrong code
    // does not, and no code is refused.
    assert!(login("kakuu-coord", PASSWORD, None, t0()).is_err());
    let wrong: u32 = expected.totp_code_at_t0.parse::<u32>().unwrap() ^ 1;
    assert!(login("kakuu-coord", PASSWORD, Some(&format!("{wrong:06}")), t0()).is_err());
    login(
        "kakuu-coord",
        PASSWORD,
        Some(&expected.totp_code_at_t0),
        t0(),
    )
    .unwrap();
    assert_eq!(
        sync_server::engine::totp::code_for_base32(&expected.totp_secret, t0()).unwrap(),
        expected.totp_code_at_t0,
        "HMAC-SHA1 gives the same code"
    );
}
