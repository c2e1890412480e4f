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
//! - the ceiling: sealing and inserting the same 10,000 contacts straight
//!   into the tablet's store, with no sync at all.

use chrono::{Duration as Days, Utc};
use outreach_mobile::sync::{Direct, SyncClient, SyncReport};
use outreach_mobile::*;
use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::world::*;
use std::time::{Duration, Instant};

const N: usize = 10_000;

const NOTE: &str = "夕方に訪問。父親が応対し、本人は居間でテレビを見ているとのこと。前回渡した手紙は読んだようで、今度は少し話してもよいと言っていたと父親から聞いた。父親は最近物忘れが増えたと話し、通院の付き添いに困っている。台所には食器がたまり、冷蔵庫の中身は少ない様子。本人の昼夜逆転は続いているが、週に一度は近所のコンビニに出かけている。地域包括支援センターに父親のことを相談することを提案し、了承を得た。次回は平日の午後に再訪し、本人と直接会えるよう父親に声をかけてもらう。";

fn contact(person: PersonId, i: usize, now: chrono::DateTime<Utc>) -> NewContact {
    let observation: String = NOTE.chars().cycle().skip(i % 50).take(300).collect();
    NewContact {
        person_id: person,
        occurred_at: now - Days::minutes(10 + (i % 600) as i64),
        duration_minutes: Some(20 + (i % 30) as u16),
        method: ContactMethod::ALL[i % ContactMethod::ALL.len()],
        met: MetWhom::FamilyOnly,
        response: None,
        observation: format!("{observation}（{i}）"),
        safety: Safety {
            accompaniment: Accompaniment::Pair,
            danger_signs: Default::default(),
            life_threatening: false,
        },
        reflection: Some(Reflection {
            difficulty: Difficulty::new(1 + (i % 5) as u8).unwrap(),
            note: Some("父親の疲れが目立ち、こちらも気持ちが重くなった。".into()),
            wants_to_talk: false,
        }),
        next_action: Some(NextAction {
            what: "平日午後に再訪し、本人と会えるよう父親に依頼".into(),
            due: ja::local_date(now) + Days::days(7),
        }),
    }
}

fn log_many(dev: &mut Device, persons: &[PersonId], n: usize) -> Duration {
    let now = dev.store.now();
    let t = Instant::now();
    for i in 0..n {
        dev.store
            .log_contact(contact(persons[i % persons.len()], i, now))
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

    // The ceiling: seal + insert + outbox straight into the store, no sync.
    let ceiling = log_many(&mut a, &persons, N);
    let size = serde_json::to_vec(&a.all_contacts()[0]).unwrap().len();

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
                .log_contact(contact(p, N + round * 100 + i, now))
                .unwrap();
            b.store
                .log_contact(contact(p, N + round * 100 + 50 + i, now))
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

    println!("sync benchmark: {N} contacts of about {size} bytes, release build, loopback");
    println!(
        "  ceiling (seal + insert into the store, no sync): {:>8.3} s",
        ceiling.as_secs_f64()
    );
    println!(
        "  push {N}:                                      {:>8.3} s   (target <= 1.0 s)",
        push.as_secs_f64()
    );
    println!(
        "  pull {N} into a fresh tablet:                  {:>8.3} s   (target <= 1.0 s)",
        pull.as_secs_f64()
    );
    println!(
        "  incremental sync, 10 new each side:             {:>8.1} ms median, {:.1} ms p95 (target <= 15 ms)",
        median.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    println!(
        "  for scale, PouchDB 9 on this kind of machine: push 7.3 s, pull 5.9 s, incremental 47 ms"
    );
    row(
        "push 10,000 contacts",
        format!("{:.3} s", push.as_secs_f64()),
        "<= 1.0 s",
        "PouchDB 9: 7.3 s",
    );
    row(
        "pull 10,000 contacts (fresh tablet)",
        format!("{:.3} s", pull.as_secs_f64()),
        "<= 1.0 s",
        "PouchDB 9: 5.9 s",
    );
    row(
        "incremental sync, 10 new each side",
        format!("{:.1} ms median", median.as_secs_f64() * 1e3),
        "<= 15 ms",
        "PouchDB 9: 47 ms",
    );
    row(
        "ceiling: seal + insert 10,000, no sync",
        format!("{:.3} s", ceiling.as_secs_f64()),
        "-",
        "ceiling",
    );
}
