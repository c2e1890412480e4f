//! PostgreSQL only: what several instances on one database need beyond the
//! shared scenario (which runs on both backends through `ScratchDb`).
//!
//! Runs in `scripts/test`'s PostgreSQL pass (`OUTREACH_TEST_BACKEND=postgres`
//! with `OUTREACH_TEST_PG`, and `OUTREACH_TEST_PG_TLS_URL` with
//! `OUTREACH_TEST_PG_CA` for the cluster's TLS listener); elsewhere each
//! test says it was skipped.

use chrono::Utc;
use outreach_shared::protocol::EntityKind;
use outreach_shared::{DeviceId, Hlc, PersonId, TeamId};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use sync_server::store::postgres::{PgStore, with_database};
use sync_server::store::scratch::{self, ScratchDb};
use sync_server::store::{self, NewChange, Store, StoreOptions};

fn cluster() -> Option<String> {
    if !scratch::test_backend_is_postgres() {
        eprintln!("skipped: runs in the PostgreSQL pass of scripts/test");
        return None;
    }
    Some(scratch::test_cluster().expect("OUTREACH_TEST_PG"))
}

fn change(team: TeamId, n: u16) -> NewChange {
    let node = DeviceId(uuid::Uuid::from_u128(7));
    NewChange {
        kind: EntityKind::Contact,
        entity: uuid::Uuid::from_u128(1000 + u128::from(n)),
        person: PersonId(uuid::Uuid::from_u128(42)),
        team,
        hlc: Hlc::new(1_700_000_000_000, n, node),
        replace: false,
    }
}

/// Two instances write at once: the first appends a change (taking the
/// lower sequence number) and stays open; the second appends one and tries
/// to commit; a pull runs in between; then the first commits. Returns the
/// entity ids the two pulls saw, and whether the second writer was still
/// waiting when the pull ran.
fn out_of_order_commits(
    first: Arc<dyn Store>,
    second: Arc<dyn Store>,
    team: TeamId,
) -> (Vec<uuid::Uuid>, bool) {
    let (appended_tx, appended) = mpsc::channel();
    let (go_tx, go) = mpsc::channel::<()>();
    let t1 = std::thread::spawn(move || {
        store::write(&*first, |tx| {
            tx.append_change(&change(team, 1))?;
            appended_tx.send(()).ok();
            go.recv_timeout(Duration::from_secs(30)).ok();
            Ok::<_, store::StoreError>(())
        })
        .unwrap();
    });
    appended.recv().unwrap();
    let s2 = second.clone();
    let t2 = std::thread::spawn(move || {
        store::write(&*s2, |tx| tx.append_change(&change(team, 2)).map(|_| ())).unwrap();
    });
    // Without the lock the second commits at once; with it, it waits for
    // the first (and must still be waiting after a while).
    let mut second_waited = false;
    for _ in 0..20 {
        if t2.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    if !t2.is_finished() {
        second_waited = true;
    }
    let mut seen = Vec::new();
    // A tablet pulls now...
    let page = store::read(&*second, |tx| tx.changes_after(Some(team), 0, 100)).unwrap();
    let cursor = page.last().map(|c| c.seq).unwrap_or(0);
    seen.extend(page.iter().map(|c| c.entity));
    go_tx.send(()).unwrap();
    t1.join().unwrap();
    t2.join().unwrap();
    // ... and again from its cursor, after both committed.
    let page = store::read(&*second, |tx| tx.changes_after(Some(team), cursor, 100)).unwrap();
    seen.extend(page.iter().map(|c| c.entity));
    (seen, second_waited)
}

#[test]
fn a_pull_never_skips_a_change_committed_out_of_order() {
    let Some(admin) = cluster() else { return };
    let team = TeamId(uuid::Uuid::from_u128(5));
    let both = vec![change(team, 1).entity, change(team, 2).entity];

    // Without the write lock the bug is real: the pull moves past the
    // second change and never sees the first, which committed later with
    // a lower number. (This is what the test would catch if the lock went.)
    let db = ScratchDb::postgres(&admin, None).unwrap();
    let a: Arc<dyn Store> = Arc::new(PgStore::open_without_write_lock_for_tests(db.url()).unwrap());
    let b: Arc<dyn Store> = Arc::new(PgStore::open_without_write_lock_for_tests(db.url()).unwrap());
    let (seen, waited) = out_of_order_commits(a, b, team);
    assert!(!waited);
    assert_eq!(
        seen,
        vec![both[1]],
        "without the lock the first change is skipped"
    );

    // With the lock (as served): the second writer waits for the first,
    // and the pulls see both changes, in order, once each.
    let db = ScratchDb::postgres(&admin, None).unwrap();
    let a = db.open(&StoreOptions::default()).unwrap();
    let b = db.open(&StoreOptions::default()).unwrap();
    let (seen, waited) = out_of_order_commits(a, b, team);
    assert!(
        waited,
        "the second instance's write waits for the first's commit"
    );
    assert_eq!(seen, both);
}

#[test]
fn instances_starting_together_migrate_once_and_share_one_audit_chain() {
    let Some(admin) = cluster() else { return };
    let db = ScratchDb::postgres(&admin, None).unwrap();
    // Four instances open the empty database at the same moment.
    let stores: Vec<Arc<dyn Store>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| db.open(&StoreOptions::default()).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let version = store::read(&*stores[0], |tx| tx.meta(store::SCHEMA_VERSION_KEY)).unwrap();
    assert_eq!(version, Some(store::SCHEMA_STEPS.to_string()));
    // Each appends audit entries concurrently through the engine's admin
    // functions: one chain, no fork, no gap.
    std::thread::scope(|s| {
        for (i, st) in stores.iter().enumerate() {
            s.spawn(move || {
                for j in 0..10 {
                    sync_server::admin::ensure_team(&**st, &format!("架空班{i}-{j}"), Utc::now())
                        .unwrap();
                }
            });
        }
    });
    let n = sync_server::audit::verify(&*stores[0]).unwrap();
    assert!(n >= 40, "{n} entries");
    let teams = store::read(&*stores[3], |tx| tx.teams()).unwrap();
    assert_eq!(teams.len(), 40);
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    // No cluster needed: nothing listens on this socket folder.
    let err = PgStore::open(
        "postgres://outreach@%2Fnonexistent-outreach-socket/outreach",
        &StoreOptions::default(),
    )
    .err()
    .expect("refused");
    let msg = err.to_string();
    assert!(msg.contains("cannot connect to PostgreSQL"), "{msg}");
}

#[test]
fn tls_to_the_database_is_verified_and_required() {
    let Some(admin) = cluster() else { return };
    let (Ok(tls_url), Ok(ca)) = (
        std::env::var("OUTREACH_TEST_PG_TLS_URL"),
        std::env::var("OUTREACH_TEST_PG_CA"),
    ) else {
        panic!("the PostgreSQL pass gives a TLS listener (scripts/pg start --tls)");
    };
    let db = ScratchDb::postgres(&admin, None).unwrap();
    let name = db.url().rsplit('/').next().unwrap().to_owned();
    let url = with_database(&tls_url, &name);
    let with_ca = StoreOptions {
        pg_ca_file: Some(ca.clone().into()),
        ..StoreOptions::default()
    };

    // Verified TLS: the store works.
    let s = PgStore::open(&url, &with_ca).unwrap();
    sync_server::admin::ensure_team(&s, "架空班TLS", Utc::now()).unwrap();
    assert_eq!(store::read(&s, |tx| tx.teams()).unwrap().len(), 1);

    // The listener takes TLS only: a plain connection is refused.
    let plain = PgStore::open(&url, &StoreOptions::default())
        .err()
        .expect("refused");
    assert!(plain.to_string().contains("cannot connect"), "{plain}");

    // sslmode=require without a CA to verify against is refused up front.
    let err = PgStore::open(&format!("{url}?sslmode=require"), &StoreOptions::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--pg-ca-file"), "{err}");

    // A CA that did not sign the server's certificate: refused.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=another CA"])
        .arg("-keyout")
        .arg(dir.path().join("k.pem"))
        .arg("-out")
        .arg(&other)
        .output()
        .unwrap();
    assert!(made.status.success());
    let wrong = StoreOptions {
        pg_ca_file: Some(other),
        ..StoreOptions::default()
    };
    let err = PgStore::open(&url, &wrong).err().expect("refused");
    assert!(err.to_string().contains("cannot connect"), "{err}");

    // A file with no certificate: a clear error naming the option.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let err = PgStore::open(
        &url,
        &StoreOptions {
            pg_ca_file: Some(empty),
            ..StoreOptions::default()
        },
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("--pg-ca-file"), "{err}");
}
