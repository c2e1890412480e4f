//! Moving from SQLite to PostgreSQL with `sync-server migrate-store`
//! (issue 16), end to end with real processes: two tablets (the `outreach`
//! CLI) enrol and sync against a server on SQLite; the server stops; the
//! store is copied to an empty PostgreSQL database and the key files to
//! its key folder; the server starts again on PostgreSQL on the same
//! address; the same tablets, never enrolled again, push new contacts and
//! pull, and each sees the other's work. Nothing is lost or doubled: the
//! tablets' ids and the server's rows match, before and after.
//!
//! Runs in `scripts/test`'s PostgreSQL pass (`OUTREACH_TEST_BACKEND=postgres`
//! with `OUTREACH_TEST_PG`); elsewhere it says it was skipped.

use outreach_tests::cli::{ok, outreach};
use outreach_tests::world::*;
use outreach_tests::{ServerProcess, binary};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use sync_server::store::scratch::{self, ScratchDb};

fn enrol(dir: &Path, server: &ServerProcess, login: &str) {
    let code = issue_code(server, login);
    let v = ok(&outreach(
        dir,
        &[
            "--json",
            "enroll",
            "--server",
            &server.url(),
            "--code",
            &code,
        ],
    ));
    assert_eq!(v["enrolled"], true);
}

fn add_person(dir: &Path, alias: &str) -> String {
    let v = ok(&outreach(
        dir,
        &[
            "--json",
            "person",
            "add",
            "--alias",
            alias,
            "--kana",
            "かくう",
        ],
    ));
    v["person"]["id"].as_str().unwrap().to_owned()
}

fn add_contact(dir: &Path, person: &str) -> String {
    let v = ok(&outreach(
        dir,
        &[
            "--json",
            "contact",
            "add",
            "--person",
            person,
            "--method",
            "home_visit",
            "--met",
            "family_only",
            "--observation",
            "架空の訪問記録",
            "--accompaniment",
            "pair",
        ],
    ));
    v["contact"]["id"].as_str().unwrap().to_owned()
}

/// Syncs (every unlock of the CLI runs the production Argon2id, so the
/// test calls it no more than it must).
fn sync(dir: &Path) {
    let out = outreach(dir, &["sync"]);
    assert!(
        out.status.success(),
        "sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("同期しました"));
}

/// Nothing waits to be sent and the last sync had no error.
fn all_sent(dir: &Path) {
    let status = ok(&outreach(dir, &["--json", "status"]));
    assert_eq!(status["outbox"]["pending"], 0, "{status}");
    assert!(status["sync"]["last_error"].is_null(), "{status}");
}

/// The person ids on a tablet and the contact ids over every person it
/// holds (each must appear once).
fn holdings(dir: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let v = ok(&outreach(dir, &["--json", "person", "list"]));
    let persons: BTreeSet<String> = v["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let mut contacts = BTreeSet::new();
    for p in &persons {
        let t = ok(&outreach(dir, &["--json", "timeline", p]));
        for e in t["entries"].as_array().unwrap() {
            let id = e["contact"]["id"].as_str().unwrap().to_owned();
            assert!(contacts.insert(id), "a contact shown twice");
        }
    }
    (persons, contacts)
}

/// The server's rows (through its store): person ids and contact ids.
fn server_rows(server: &ServerProcess) -> (BTreeSet<String>, BTreeSet<String>, u64) {
    let store = outreach_tests::office::store_of(server);
    let changes =
        sync_server::store::read(&*store, |tx| tx.changes_after(None, 0, 10_000)).unwrap();
    let mut persons = BTreeSet::new();
    let mut contacts = BTreeSet::new();
    for c in &changes {
        match c.kind {
            outreach_shared::protocol::EntityKind::Person => {
                assert!(persons.insert(c.entity.to_string()), "a person twice");
            }
            outreach_shared::protocol::EntityKind::Contact => {
                assert!(contacts.insert(c.entity.to_string()), "a contact twice");
            }
            _ => {}
        }
    }
    let count = sync_server::store::read(&*store, |tx| tx.contact_count()).unwrap();
    (persons, contacts, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablets_sync_on_after_the_store_moves_from_sqlite_to_postgres() {
    if !scratch::test_backend_is_postgres() {
        eprintln!("skipped: runs in the PostgreSQL pass of scripts/test");
        return;
    }
    let admin = scratch::test_cluster().expect("OUTREACH_TEST_PG");
    let mut server = ServerProcess::start_sqlite(&[]);
    assert!(!server.is_postgres());
    seed_users(&server);

    // Two tablets of team A work and sync on SQLite.
    let (ta, tb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (ta.path(), tb.path());
    enrol(a, &server, "worker-a");
    enrol(b, &server, "worker-a2");
    let p1 = add_person(a, "架空 一郎");
    let p2 = add_person(a, "架空 二郎");
    add_contact(a, &p1);
    add_contact(a, &p2);
    sync(a);
    let p3 = add_person(b, "架空 三郎");
    add_contact(b, &p3);
    sync(b);
    sync(a);
    let (persons_before, contacts_before, count_before) = server_rows(&server);
    assert_eq!(persons_before.len(), 3);
    assert_eq!(contacts_before.len(), 3);
    assert_eq!(count_before, 3);

    // The move: stop the server, copy the store and the key files.
    let sqlite_url = server.database_url();
    let old_keys = server.key_dir().to_owned();
    server.kill9();
    let target = ScratchDb::postgres(&admin, None).unwrap();
    let moved = Command::new(binary("sync-server"))
        .args(["migrate-store", "--from", &sqlite_url])
        .env("OUTREACH_MIGRATE_TO", target.url())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&moved.stdout).into_owned();
    assert!(
        moved.status.success(),
        "migrate-store: {}{report}",
        String::from_utf8_lossy(&moved.stderr)
    );
    for table in ["devices", "operations", "changes", "audit", "contacts"] {
        assert!(
            report.lines().any(|l| l.trim_start().starts_with(table)),
            "the count of {table} is printed: {report}"
        );
    }
    assert!(report.contains("audit chain verified"), "{report}");
    // A second run into the now full database is refused with exit 1.
    let again = Command::new(binary("sync-server"))
        .args(["migrate-store", "--from", &sqlite_url, "--to", target.url()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    for key in ["feed-signing.key", "totp-seal.key", "audit-anchor.key"] {
        let from = old_keys.join(key);
        if from.exists() {
            std::fs::copy(&from, target.key_dir().join(key)).unwrap();
        }
    }
    server.restart_on(target);
    assert!(server.is_postgres());
    let (persons_moved, contacts_moved, count_moved) = server_rows(&server);
    assert_eq!(persons_moved, persons_before);
    assert_eq!(contacts_moved, contacts_before);
    assert_eq!(count_moved, count_before);

    // The same tablets, not enrolled again, work on.
    let c4 = add_contact(a, &p1);
    let p4 = add_person(a, "架空 四郎");
    add_contact(a, &p4);
    sync(a);
    let c6 = add_contact(b, &p3);
    sync(b);
    sync(a);
    sync(b);

    let (persons_after, contacts_after, count_after) = server_rows(&server);
    assert_eq!(persons_after.len(), 4, "nothing lost or doubled");
    assert!(persons_after.is_superset(&persons_before));
    assert_eq!(contacts_after.len(), 6);
    assert_eq!(count_after, 6);
    assert!(contacts_after.contains(&c4) && contacts_after.contains(&c6));
    // Both tablets hold exactly what the server holds: tablet B's contact
    // reached A and A's reached B.
    all_sent(a);
    all_sent(b);
    assert_eq!(holdings(a), (persons_after.clone(), contacts_after.clone()));
    assert_eq!(holdings(b), (persons_after, contacts_after));
    // The audit chain goes on unbroken on PostgreSQL.
    let verify = server.command(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
