//! The sync benchmark: the real `sync-server` (release build) on loopback
//! with a temporary database, and real tablets (encrypted store + sync
//! client). Prints its figures; run with `scripts/bench` (all benchmarks) or
//!
//! ```text
//! cargo build --release -p sync-server && cargo bench -p outreach-tests --bench sync
//! ```
//!
//! Measures, with contacts of about 1.3 KB (some 300 characters of Japanese
//! notes):
//! - pushing 10,000 contacts from a tablet's outbox to the server;
//! - pulling 10,000 contacts into a freshly enrolled tablet;
//! - an incremental sync with 10 new contacts on each side (median of 20);
//! - the raw limit: the same 10,000 contacts serialized, sealed and
//!   inserted into one SQLite table in one transaction at
//!   `synchronous = FULL`, no sync ([`outreach_mobile::ceiling`]);
//! - for scale, logging them one by one through the store's API (one
//!   transaction each, with validation and the outbox).
//!
//! When `scripts/bench` ran the PouchDB peer first (`OUTREACH_PEER_RESULTS`),
//! each sync figure is printed with its ratio to the peer's.

use outreach_mobile::sync::{Direct, SyncClient, SyncReport};
use outreach_mobile::*;
use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::peer::{self, versus};
use outreach_tests::world::*;
use std::time::{Duration, Instant};

const N: usize = 10_000;

fn log_many(dev: &mut Device, persons: &[PersonId], n: usize) -> Duration {
    let now = dev.store.now();
    let t = Instant::now();
    for i in 0..n {
        dev.store
            .log_contact(long_contact(persons[i % persons.len()], i, now))
            .unwrap();
    }
    t.elapsed()
}

fn client(dev: &Device) -> SyncClient {
    SyncClient::with_timeout(&dev.url, dev.token(), Duration::from_secs(60))
}

fn row(name: &str, value: String, target: &str, note: &str) {
    println!("RESULT\tsync\t{name}\t{value}\t{target}\t{note}");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // One tablet syncing back to back: lift the per-device rate limit.
    let server =
        ServerProcess::start_with(&["--rate-per-minute", "1000000", "--rate-burst", "1000000"]);
    seed_users(&server);
    let mut a = Device::enroll(&server, "worker-a").await;
    let persons: Vec<PersonId> = (0..50)
        .map(|i| a.add_person(&format!("架空 対象者{i:02}")).id)
        .collect();

    // Logging them one by one through the store (one transaction each).
    let one_by_one = log_many(&mut a, &persons, N);
    let contacts = a.all_contacts();
    let size = serde_json::to_vec(&contacts[0]).unwrap().len();
    // The raw limit: the same records sealed and inserted in one
    // transaction, synchronous = FULL, no sync.
    let raw_dir = tempfile::tempdir().unwrap();
    let rows: Vec<(String, ContactLog)> = contacts
        .into_iter()
        .map(|c| (c.id.to_string(), c))
        .collect();
    let raw = ceiling::seal_and_insert(&raw_dir.path().join("raw.db"), &rows).unwrap();
    drop(raw_dir);

    // Push 10,000.
    let ca = client(&a);
    let mut report = SyncReport::default();
    let t = Instant::now();
    ca.push(&Direct::new(&mut a.store), &mut |_| {}, &mut report)
        .await
        .unwrap();
    let push = t.elapsed();
    assert_eq!(report.acknowledged as usize, N + persons.len());

    // Pull 10,000 into a fresh tablet.
    let mut b = Device::enroll(&server, "worker-a2").await;
    let cb = client(&b);
    let mut report = SyncReport::default();
    let t = Instant::now();
    cb.pull(&Direct::new(&mut b.store), &mut |_| {}, &mut report)
        .await
        .unwrap();
    let pull = t.elapsed();
    assert!(report.pulled as usize >= N);
    ca.sync_once(&Direct::new(&mut a.store), &mut |_| {})
        .await
        .unwrap();

    // Incremental: 10 new on each side; the timed sync pushes 10 and pulls 10.
    let mut times = Vec::new();
    for round in 0..20 {
        let now = a.store.now();
        for (i, &p) in persons.iter().take(10).enumerate() {
            a.store
                .log_contact(long_contact(p, N + round * 100 + i, now))
                .unwrap();
            b.store
                .log_contact(long_contact(p, N + round * 100 + 50 + i, now))
                .unwrap();
        }
        cb.sync_once(&Direct::new(&mut b.store), &mut |_| {})
            .await
            .unwrap();
        let t = Instant::now();
        let r = ca
            .sync_once(&Direct::new(&mut a.store), &mut |_| {})
            .await
            .unwrap();
        times.push(t.elapsed());
        assert_eq!(r.acknowledged, 10);
        assert!(r.pulled >= 10);
    }
    times.sort();
    let median = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];

    let peer = peer::load();
    let x_raw = |d: Duration| d.as_secs_f64() / raw.as_secs_f64();
    println!("sync benchmark: {N} contacts of about {size} bytes, release build, loopback");
    println!(
        "  raw limit (seal + insert {N} in one transaction, FULL): {:>8.3} s",
        raw.as_secs_f64()
    );
    println!(
        "  store API, one by one (a transaction each):       {:>8.3} s",
        one_by_one.as_secs_f64()
    );
    println!(
        "  push {N}:                                      {:>8.3} s   ({:.1}× the raw limit)",
        push.as_secs_f64(),
        x_raw(push)
    );
    println!(
        "  pull {N} into a fresh tablet:                  {:>8.3} s   ({:.1}× the raw limit)",
        pull.as_secs_f64(),
        x_raw(pull)
    );
    println!(
        "  incremental sync, 10 new each side:             {:>8.1} ms median, {:.1} ms p95",
        median.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    let against = |ours: Duration, theirs: fn(&peer::Peer) -> Duration| match &peer {
        Ok(p) => format!(
            "peer {:.3} s: {}",
            theirs(p).as_secs_f64(),
            versus(ours, theirs(p))
        ),
        Err(why) => format!("peer {why}"),
    };
    match &peer {
        Ok(p) => println!(
            "  PouchDB peer, same run: push {:.3} s, pull {:.3} s, incremental {:.1} ms (10 up, 0 down)",
            p.push.as_secs_f64(),
            p.pull.as_secs_f64(),
            p.incremental.as_secs_f64() * 1e3
        ),
        Err(why) => println!("  PouchDB peer: {why}"),
    }
    row(
        "push 10,000 contacts",
        format!("{:.3} s ({:.1}× raw)", push.as_secs_f64(), x_raw(push)),
        "<= 2× raw; >= 10× peer",
        &against(push, |p| p.push),
    );
    row(
        "pull 10,000 contacts (fresh tablet)",
        format!("{:.3} s ({:.1}× raw)", pull.as_secs_f64(), x_raw(pull)),
        "<= 2× raw; >= 10× peer",
        &against(pull, |p| p.pull),
    );
    row(
        "incremental sync, 10 new each side",
        format!("{:.1} ms median", median.as_secs_f64() * 1e3),
        ">= 10× peer",
        &format!(
            "{} (peer: 10 up, 0 down)",
            against(median, |p| p.incremental)
        ),
    );
    row(
        "raw limit: seal + insert 10,000, 1 transaction",
        format!("{:.3} s", raw.as_secs_f64()),
        "-",
        "ceiling (synchronous=FULL, no sync)",
    );
    row(
        "store API: log 10,000 one by one",
        format!("{:.3} s", one_by_one.as_secs_f64()),
        "-",
        "a transaction each, validated, with outbox",
    );
}
