//! Killing the process at any moment never corrupts the store and never
//! loses a committed change: a child process writes contacts and reports
//! each one after its commit returns; the parent SIGKILLs it at varying
//! moments, many times, then checks `PRAGMA integrity_check` and that every
//! reported contact (and its outbox operation) is there.

mod common;

use common::*;
use outreach_mobile::shared::protocol::{Payload, PersonField};
use outreach_mobile::shared::*;
use outreach_mobile::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHILD_ENV: &str = "OUTREACH_KILL_LOOP_DIR";
const ROUNDS: u64 = 60;

/// The child: runs only when the parent sets the environment variable.
#[test]
fn kill_loop_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let mut s = Store::open(cfg(&dir)).expect("open");
    s.unlock(&pin()).expect("unlock");
    let person = s.persons().expect("persons").items[0].id;
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let c = s
            .log_contact(visit(person, s.now(), &format!("架空の記録 {i}")))
            .expect("log");
        writeln!(out, "COMMITTED {}", c.id).expect("stdout");
        out.flush().expect("flush");
        if i.is_multiple_of(7) {
            // Also person updates (a bigger transaction).
            s.update_person(
                person,
                vec![PersonField::Summary(Some(format!("概要 {i}")))],
            )
            .expect("update");
        }
    }
}

#[test]
fn killing_the_writer_never_loses_a_committed_contact() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut s = Store::init(cfg(dir), &pin(), None, KdfParams::insecure_fast_for_tests()).unwrap();
    let person = s.create_person(hanako()).unwrap().id;
    drop(s);

    let mut committed: HashSet<String> = HashSet::new();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..ROUNDS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "kill_loop_child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("COMMITTED ") {
                    let _ = tx.send(id.to_string());
                }
            }
        });
        // Wait for the child to be writing, then kill it after a varying
        // number of further commits and a varying delay.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("child wrote nothing");
        committed.insert(first);
        let more = seed % 40;
        for _ in 0..more {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(id) => {
                    committed.insert(id);
                }
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_micros(seed % 3000));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(!status.success(), "round {round}: the child was killed");
        reader.join().unwrap();
        committed.extend(rx.try_iter());
    }
    assert!(committed.len() as u64 >= ROUNDS * 2);

    let db = cfg(dir).db_path();
    let check = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(check);

    let mut s = Store::open(cfg(dir)).unwrap();
    s.unlock(&pin()).unwrap();
    let t = s.timeline(person).unwrap();
    assert!(t.damaged.is_empty());
    let stored: HashSet<String> = t.entries.iter().map(|e| e.contact.id.to_string()).collect();
    let lost: Vec<&String> = committed.difference(&stored).collect();
    assert!(lost.is_empty(), "committed contacts lost: {lost:?}");
    // Each stored contact has its operation in the outbox (same transaction),
    // and there is no operation without its contact.
    let ops = s.outbox_batch(usize::MAX).unwrap();
    assert!(ops.damaged.is_empty());
    let logged: HashSet<String> = ops
        .items
        .iter()
        .filter_map(|e| match &e.op.payload {
            Payload::LogContact(c) => Some(c.id.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(logged, stored);
    let ctx = ValidationContext::at(s.now());
    for e in &ops.items {
        e.op.validate(&ctx).unwrap();
    }
    for w in ops.items.windows(2) {
        assert!(w[0].op.hlc < w[1].op.hlc, "HLC order survives the kills");
    }
    println!(
        "{} rounds: {} contacts reported committed, {} stored",
        ROUNDS,
        committed.len(),
        stored.len()
    );
}

const UNLOCK_CHILD_ENV: &str = "OUTREACH_KILL_UNLOCK_DIR";

/// The child for the next test: tries a PIN, slowly (production Argon2id).
#[test]
fn kill_unlock_child() {
    let Some(dir) = std::env::var_os(UNLOCK_CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let mut s = Store::open(cfg(&dir)).expect("open");
    println!("TRYING");
    let _ = s.unlock(&Pin::for_unlock("999999".into()));
    println!("DONE");
}

/// Killing the app while it checks a PIN neither gives a free try nor
/// counts as a wrong PIN (issue 14, item 17): the attempt's mark is written
/// before the key derivation starts, and the next attempt counts it as
/// *interrupted* — apart from wrong PINs, never erasing the key. Nobody
/// learned whether the PIN was right, so the attacker gained nothing.
#[test]
fn killing_the_app_mid_unlock_counts_an_interrupted_attempt_not_a_wrong_pin() {
    if std::env::var_os(CHILD_ENV).is_some() || std::env::var_os(UNLOCK_CHILD_ENV).is_some() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    drop(Store::init(cfg(dir), &pin(), None, KdfParams::PRODUCTION).unwrap());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "kill_unlock_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(UNLOCK_CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("TRYING") => break,
            Some(Ok(_)) => continue,
            _ => panic!("the child did not start"),
        }
    }
    // Argon2id at production parameters takes ~0.5 s: kill well inside it.
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    let rest: Vec<String> = lines.map_while(|l| l.ok()).collect();
    assert!(
        !rest.iter().any(|l| l.contains("DONE")),
        "the attempt finished before the kill; the test proves nothing"
    );
    let mut s = Store::open(cfg(dir)).unwrap();
    let st = s.status().unwrap();
    assert_eq!(st.interrupted_unlocks, 1, "counted, as interrupted");
    assert_eq!(st.wrong_pins, 0, "not as a wrong PIN");
    // And the right PIN still opens (and clears the count).
    s.unlock(&pin()).unwrap();
    let st = s.status().unwrap();
    assert_eq!((st.interrupted_unlocks, st.wrong_pins), (0, 0));
}
