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
use sync_server::store::copy;
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

/// `--pg-pool` bounds the connections open at once, idle and in use: with
/// every connection held, the next transaction waits `--pg-pool-wait-ms`
/// and fails with `Saturated` (nothing sent), and PostgreSQL itself never
/// counts more of the store's connections than the pool.
#[test]
fn the_pool_bounds_open_connections_and_a_full_pool_fails_after_its_wait() {
    let Some(admin) = cluster() else { return };
    let db = ScratchDb::postgres(&admin, None).unwrap();
    let name = db.url().rsplit('/').next().unwrap().to_owned();
    let opts = StoreOptions {
        pg_pool: 2,
        pg_pool_wait: Duration::from_millis(300),
        ..StoreOptions::default()
    };
    let s = Arc::new(PgStore::open(db.url(), &opts).unwrap());
    let count_sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}' AND application_name = 'sync-server'"
    );
    let server_side = || -> i64 {
        // A connection of its own (another application_name: not counted).
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (c, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            c.query_one(&count_sql, &[]).await.unwrap().get(0)
        })
    };
    // Two readers hold both connections.
    let (held_tx, held) = mpsc::channel();
    let (go_tx, go) = mpsc::channel::<()>();
    let go = Arc::new(std::sync::Mutex::new(go));
    let holders: Vec<_> = (0..2)
        .map(|_| {
            let (s, held_tx, go) = (s.clone(), held_tx.clone(), go.clone());
            std::thread::spawn(move || {
                store::read(&*s, |tx| {
                    tx.teams()?;
                    held_tx.send(()).unwrap();
                    go.lock().unwrap().recv().ok();
                    Ok::<_, store::StoreError>(())
                })
                .unwrap();
            })
        })
        .collect();
    held.recv().unwrap();
    held.recv().unwrap();
    assert_eq!(s.open_connections(), 2);
    assert_eq!(server_side(), 2, "PostgreSQL counts the pool's connections");
    // A third transaction waits its 300 ms, then is refused before
    // anything is sent: no third connection.
    let started = std::time::Instant::now();
    let err = store::write(&*s, |tx| tx.set_meta("t", "never")).expect_err("refused");
    assert!(matches!(err, store::StoreError::Saturated), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(server_side() <= 2);
    // The holders finish; the pool serves again, still with 2 at most.
    go_tx.send(()).unwrap();
    go_tx.send(()).unwrap();
    for h in holders {
        h.join().unwrap();
    }
    store::write(&*s, |tx| tx.set_meta("t", "written")).unwrap();
    assert_eq!(
        store::read(&*s, |tx| tx.meta("t")).unwrap().as_deref(),
        Some("written")
    );
    assert!(s.open_connections() <= 2);
    assert!(server_side() <= 2);
}

/// A SQLite store with rows in every table of the schema: the demo data
/// (through the engine, with its audit chain), and a row made by hand in
/// each table the demo leaves empty (ids, hashes, times: nothing personal).
fn sqlite_store_with_every_table() -> ScratchDb {
    let db = ScratchDb::sqlite();
    let s = db.open(&StoreOptions::default()).unwrap();
    let node = store::write(&*s, sync_server::engine::ServerClock::load_node).unwrap();
    let clock = sync_server::engine::ServerClock::new(node);
    sync_server::demo::seed(&*s, &clock, Utc::now()).unwrap();
    let user = store::read(&*s, |tx| tx.users()).unwrap()[0].id;
    let team = store::read(&*s, |tx| tx.teams()).unwrap()[0].id;
    sync_server::admin::issue_code(&*s, "worker1", chrono::Duration::minutes(15), Utc::now())
        .unwrap();
    let (u, t) = (user.to_string(), team.0.to_string());
    let rows = [
        (
            "devices",
            format!(
                "INSERT INTO devices VALUES ('0190a1b2-0000-7000-8000-00000000d001', '{u}', '架空タブレット', 'linux', randomblob(32), '2026-11-30T01:02:03.456789Z', NULL)"
            ),
        ),
        (
            "sessions",
            format!("INSERT INTO sessions VALUES (randomblob(32), '{u}', 4102444800)"),
        ),
        (
            "pending_logins",
            format!("INSERT INTO pending_logins VALUES (randomblob(32), '{u}', 4102444800, 1)"),
        ),
        (
            "visits",
            format!(
                "INSERT INTO visits VALUES ('0190a1b2-0000-7000-8000-00000000e001', '{t}', 1, '{{}}')"
            ),
        ),
        (
            "conflicts",
            format!(
                "INSERT INTO conflicts VALUES ('0190a1b2-0000-7000-8000-00000000f001', '{t}', '{{}}')"
            ),
        ),
        (
            "operations",
            "INSERT INTO operations VALUES ('0190a1b2-0000-7000-8000-00000000a001', '0190a1b2-0000-7000-8000-00000000d001', randomblob(32), 1, '2026-11-30T01:02:03.456789Z')".to_owned(),
        ),
        (
            "case_moves",
            "INSERT INTO case_moves (case_id, body) VALUES ('0190a1b2-0000-7000-8000-00000000c001', '{}')".to_owned(),
        ),
        (
            "community_activities",
            format!(
                "INSERT INTO community_activities VALUES ('0190a1b2-0000-7000-8000-0000000fa001', '{t}', '2026-11-30T01:02:03.456789Z', '{{}}')"
            ),
        ),
        (
            "narratives",
            "INSERT INTO narratives VALUES ('reach', '2026-04-01', '2027-03-31', 1, '{}')".to_owned(),
        ),
        (
            "case_household",
            "INSERT INTO case_household VALUES ('0190a1b2-0000-7000-8000-00000000c001', '0190a1b2-0000-7000-8000-00000000b002')".to_owned(),
        ),
        (
            "excerpt_choices",
            "INSERT INTO excerpt_choices VALUES ('reach', '2026-04-01', '2027-03-31', 1, '{}')".to_owned(),
        ),
    ];
    for (table, sql) in rows {
        let empty = copy::read_sqlite(&sqlite_path(&db))
            .unwrap()
            .into_iter()
            .any(|(name, rows)| name == table && rows.is_empty());
        if empty {
            db.execute_raw(&sql).unwrap();
        }
    }
    // The highest change number is deleted (a replaced change): the copy
    // must still number after it.
    db.execute_raw("DELETE FROM changes WHERE seq = (SELECT MAX(seq) FROM changes)")
        .unwrap();
    db
}

fn sqlite_path(db: &ScratchDb) -> std::path::PathBuf {
    db.dir().unwrap().join("outreach.db")
}

fn sorted(mut rows: Vec<Vec<copy::Val>>) -> Vec<Vec<copy::Val>> {
    rows.sort();
    rows
}

#[test]
fn migrate_store_copies_every_table_and_numbers_after_the_sqlite_file() {
    let Some(admin) = cluster() else { return };
    let src = sqlite_store_with_every_table();
    let path = sqlite_path(&src);
    let before = copy::read_sqlite(&path).unwrap();
    assert_eq!(before.len(), copy::TABLES.len());
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "the fixture fills {table}");
    }
    let highest_given: i64 = {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };

    let target = ScratchDb::postgres(&admin, None).unwrap();
    let m = sync_server::migrate::migrate_store(src.url(), target.url(), &StoreOptions::default())
        .unwrap();
    assert!(m.audit_entries > 0);
    assert_eq!(m.copy.next_change, highest_given as u64 + 1);

    // Every table, row for row (each table asserted on its own).
    let pg = PgStore::open(target.url(), &StoreOptions::default()).unwrap();
    let after = copy::read_postgres(&pg).unwrap();
    for ((table, src_rows), (t2, pg_rows)) in before.into_iter().zip(after) {
        assert_eq!(table, t2);
        let copied = m.copy.tables.iter().find(|(t, _)| *t == table).unwrap().1;
        assert_eq!(copied as usize, src_rows.len(), "{table}");
        assert_eq!(sorted(src_rows), sorted(pg_rows), "table {table} differs");
    }
    sync_server::audit::verify(&pg).unwrap();

    // New change numbers come after every number the SQLite file gave.
    let seq = store::write(&pg, |tx| {
        tx.append_change(&change(TeamId(uuid::Uuid::from_u128(9)), 1))
    })
    .unwrap();
    assert!(seq > highest_given as u64, "{seq} after {highest_given}");
    // The identity of case_moves goes on after the copied ids.
    target
        .execute_raw(
            "INSERT INTO case_moves (case_id, body) VALUES ('0190a1b2-0000-7000-8000-00000000c002', '{}')",
        )
        .unwrap();

    // A second copy into the same (now full) database is refused, and
    // writes nothing.
    let err =
        sync_server::migrate::migrate_store(src.url(), target.url(), &StoreOptions::default())
            .expect_err("refused");
    assert!(err.contains("not empty"), "{err}");
    let again = copy::read_postgres(&pg).unwrap();
    let teams = again.iter().find(|(t, _)| *t == "teams").unwrap();
    assert_eq!(
        teams.1.len(),
        copy::read_sqlite(&path)
            .unwrap()
            .iter()
            .find(|(t, _)| *t == "teams")
            .unwrap()
            .1
            .len()
    );
}

#[test]
fn migrate_store_refuses_a_broken_audit_chain_and_copies_nothing() {
    let Some(admin) = cluster() else { return };
    let src = sqlite_store_with_every_table();
    src.execute_raw("UPDATE audit SET actor = 'someone-else' WHERE seq = 2")
        .unwrap();
    let target = ScratchDb::postgres(&admin, None).unwrap();
    let err =
        sync_server::migrate::migrate_store(src.url(), target.url(), &StoreOptions::default())
            .expect_err("refused");
    assert!(err.contains("audit chain does not verify"), "{err}");
    assert!(err.contains("nothing was copied"), "{err}");
}

/// The copy's table list matches the PostgreSQL schema too: every table,
/// every column (but the generated `ord`), each of a type its kind writes.
#[test]
fn the_copy_knows_every_postgres_table_and_column() {
    let Some(admin) = cluster() else { return };
    let db = ScratchDb::postgres(&admin, None).unwrap();
    drop(PgStore::open(db.url(), &StoreOptions::default()).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cols: Vec<(String, String, String)> = rt.block_on(async {
        let (c, conn) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        c.query(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = 'public' AND column_name <> 'ord' ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    });
    let mut tables: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    tables.dedup();
    let mut known: Vec<&str> = copy::TABLES.iter().map(|t| t.name).collect();
    known.sort();
    assert_eq!(tables, known);
    for t in copy::TABLES {
        let here: Vec<&(String, String, String)> = cols.iter().filter(|c| c.0 == t.name).collect();
        let names: Vec<&str> = here.iter().map(|c| c.1.as_str()).collect();
        let listed: Vec<&str> = t.columns.iter().map(|c| c.0).collect();
        assert_eq!(names, listed, "columns of {}", t.name);
        for (c, col) in here.iter().zip(t.columns) {
            use copy::Kind::*;
            let fits = match col.1 {
                Text => c.2 == "text",
                Uuid => c.2 == "uuid",
                Bytes => c.2 == "bytea",
                Time | Epoch => c.2 == "timestamp with time zone",
                Int8 => c.2 == "bigint",
                Int4 => c.2 == "integer",
                Bool => c.2 == "boolean",
                Date => c.2 == "date",
            };
            assert!(fits, "{}.{} is {}, listed as {:?}", t.name, c.1, c.2, col.1);
        }
    }
}
