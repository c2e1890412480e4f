//! Stored formats stay readable across crate upgrades: a tablet store made
//! by an earlier build (`tests/fixtures/store-v1/`, a fictitious person and
//! PIN `246813`) still unlocks with its PIN and device secret and opens
//! every kind of sealed value — the wrapped data key (Argon2id parameters
//! and salt in the keyring row), a person and a visit record, the sealed
//! settings (the server token and key pins) and the outbox entries.
//!
//! The fixture was written by the `#[ignore]`d test below with the crates
//! of its day (aes-gcm 0.10, argon2 0.5). Recreate it only on purpose (a
//! deliberate format change), never to make this test pass:
//! `cargo test -p outreach-mobile --test stored_formats -- --ignored`.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use outreach_mobile::shared::enrolment::SpkiPin;
use outreach_mobile::shared::*;
use outreach_mobile::*;
use std::path::{Path, PathBuf};

const TOKEN: &str = "fixture-device-token-not-a-real-one";
const URL: &str = "https://outreach.example.invalid";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1")
}

fn fixed_clock() -> Clock {
    Clock::fixed(Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap())
}

fn ichiro() -> NewPerson {
    NewPerson {
        alias: "架空 一郎".into(),
        kana: Some("カクウ イチロウ".into()),
        fields: [LifeField::Elderly].into(),
        summary: Some("見本の記録（架空）。".into()),
        ..NewPerson::default()
    }
}

/// Writes the fixture with today's code. Ignored: run it only to make a
/// new fixture on purpose.
#[test]
#[ignore = "writes tests/fixtures/store-v1; run only on purpose"]
fn write_the_fixture_store() {
    let dir = fixture();
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = Store::init(
        cfg(&dir).with_clock(fixed_clock()),
        &pin(),
        None,
        KdfParams::insecure_fast_for_tests(),
    )
    .unwrap();
    let p = s.create_person(ichiro()).unwrap();
    s.log_contact(visit(p.id, s.now(), "玄関先で挨拶した（架空）。"))
        .unwrap();
    s.set_server_link_pinned(URL, TOKEN, &[SpkiPin::from_sha256([5; 32])])
        .unwrap();
    s.checkpoint().unwrap();
    drop(s);
    for f in ["outreach.db-wal", "outreach.db-shm"] {
        let _ = std::fs::remove_file(dir.join("data").join(f));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_store_made_by_the_earlier_crates_opens_unchanged() {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), t.path());
    #[cfg(unix)]
    {
        // Git does not keep the file's mode; the store refuses a device
        // secret that others can read.
        use std::os::unix::fs::PermissionsExt;
        let secret = t.path().join("secret/device.key");
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut s = Store::open(cfg(t.path()).with_clock(fixed_clock())).unwrap();
    assert!(
        s.unlock(&Pin::for_unlock("135790".into())).is_err(),
        "a wrong PIN must not open it"
    );
    s.unlock(&pin()).unwrap();
    assert_eq!(
        s.kdf_params().unwrap(),
        KdfParams::insecure_fast_for_tests()
    );

    let persons = s.persons().unwrap();
    assert!(persons.damaged.is_empty(), "{:?}", persons.damaged);
    assert_eq!(persons.items.len(), 1);
    let p = s.person(persons.items[0].id).unwrap();
    assert_eq!(p.alias, "架空 一郎");
    assert_eq!(p.kana.as_deref(), Some("カクウ イチロウ"));
    assert_eq!(p.summary.as_deref(), Some("見本の記録（架空）。"));

    let timeline = s.timeline(p.id).unwrap();
    assert!(timeline.damaged.is_empty(), "{:?}", timeline.damaged);
    assert_eq!(timeline.entries.len(), 1);
    assert_eq!(
        timeline.entries[0].contact.observation,
        "玄関先で挨拶した（架空）。"
    );

    let link = s.server_link().unwrap().expect("the sealed link opens");
    assert_eq!(link.url, URL);
    assert_eq!(&*link.token, TOKEN);
    assert_eq!(link.pins, vec![SpkiPin::from_sha256([5; 32])]);

    let outbox = s.outbox_batch(100).unwrap();
    assert!(outbox.damaged.is_empty(), "{:?}", outbox.damaged);
    assert_eq!(outbox.items.len(), 2, "the person and the visit");
    assert!(s.damaged_records().unwrap().is_empty());

    // The PIN change re-wraps with the new crates; the store opens again.
    let new_pin = Pin::new("975312".into()).unwrap();
    s.change_pin(&pin(), &new_pin).unwrap();
    s.lock();
    s.unlock(&new_pin).unwrap();
    assert_eq!(s.persons().unwrap().items.len(), 1);
}
