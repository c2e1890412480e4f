//! The slow field link benchmark: the real `sync-server` (release build)
//! and real tablets talking through the test proxy shaped as a weak mobile
//! signal ([`Link::FIELD`]: 150 ms round trip, 1 Mbit/s each way). Prints,
//! for each sync, the round trips (TCP connections set up + HTTP requests),
//! the bytes on the wire per contact and the time against what the link
//! allows. Run with `scripts/bench`, or
//!
//! ```text
//! cargo build --release -p sync-server && cargo bench -p outreach-tests --bench link
//! ```
//!
//! 1. A morning sync: 20 contacts logged on the tablet go up and 30
//!    changes made elsewhere come down, with a fresh connection as after
//!    the app starts (target: at most 3 round trips plus transfer time).
//! 2. The first caseload pull of a newly enrolled tablet: 500 persons and
//!    10,000 contacts (target: within 1.2× of bytes ÷ bandwidth).
//!
//! The PouchDB peer (pouchdb-server and PouchDB 9 clients, driven by
//! `tests/peer/link.js`) then does the same two syncs through the same
//! proxy, where `scripts/bench` installed it (`OUTREACH_PEER_WORK`), and
//! each row prints the ratio.
//!
//! All data is fictitious; everything stays on 127.0.0.1.

use outreach_mobile::sync::{Direct, SyncClient, SyncReport};
use outreach_shared::PersonId;
use outreach_tests::ServerProcess;
use outreach_tests::peer::{self, PeerLink};
use outreach_tests::proxy::{FaultProxy, Link, LinkStats};
use outreach_tests::world::*;
use std::time::{Duration, Instant};

const PERSONS: usize = 500;
const CONTACTS: usize = 10_000;

fn row(name: &str, value: String, target: &str, note: &str) {
    println!("RESULT\tlink\t{name}\t{value}\t{target}\t{note}");
}

/// One sync of the peer through the link: its time and what crossed.
struct PeerSync {
    time: Duration,
    stats: LinkStats,
}

impl PeerSync {
    fn note(&self, ours: Duration) -> String {
        format!(
            "peer {:.2} s, {} round trips: {}",
            self.time.as_secs_f64(),
            self.stats.round_trips(),
            peer::versus(ours, self.time)
        )
    }
}

/// The peer's first caseload pull and morning sync through `link`, on the
/// same documents (500 persons, 10,000 visit logs of the peer harness).
async fn peer_through(link: Link) -> Result<(PeerSync, PeerSync), String> {
    let peer = PeerLink::start()?;
    let proxy = FaultProxy::start_link(peer.addr(), link)
        .await
        .map_err(|e| format!("proxy: {e:?}"))?;
    let ms = |v: serde_json::Value| -> Result<Duration, String> {
        v["ms"]
            .as_f64()
            .map(|ms| Duration::from_secs_f64(ms / 1e3))
            .ok_or_else(|| format!("link.js gave no time: {v}"))
    };
    let (persons, contacts) = (PERSONS.to_string(), CONTACTS.to_string());
    peer.run(&["seed", &peer.url(), &persons, &contacts])?;
    let local = peer.local_dir("tablet");
    let local = local.to_str().ok_or("temporary folder not UTF-8")?;

    let before = proxy.stats();
    let v = peer.run(&["first", &proxy.url(), local])?;
    let docs = v["docs"].as_u64().unwrap_or_default() as usize;
    if docs != PERSONS + CONTACTS {
        return Err(format!("the peer's first pull wrote {docs} documents"));
    }
    let first = PeerSync {
        time: ms(v)?,
        stats: proxy.stats().since(&before),
    };

    peer.run(&[
        "prepare",
        &proxy.url(),
        &peer.url(),
        local,
        "20",
        "30",
        &contacts,
    ])?;
    let before = proxy.stats();
    let v = peer.run(&["morning", &proxy.url(), local, "20", "30"])?;
    let morning = PeerSync {
        time: ms(v)?,
        stats: proxy.stats().since(&before),
    };
    Ok((first, morning))
}

fn client(url: &str, dev: &Device) -> SyncClient {
    SyncClient::with_timeout(url, dev.token(), Duration::from_secs(600))
}

/// What the link allows for `s`: the bytes of the busier direction at its
/// bandwidth, and one round trip per connection and request.
fn allowed(link: Link, s: &LinkStats) -> (Duration, Duration) {
    let transfer = link.transfer(s.bytes_down.max(s.bytes_up));
    (transfer, transfer + link.rtt * s.round_trips() as u32)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let link = Link::FIELD;
    let server =
        ServerProcess::start_with(&["--rate-per-minute", "1000000", "--rate-burst", "1000000"]);
    seed_users(&server);
    let proxy = FaultProxy::start_link(server.addr(), link)
        .await
        .expect("proxy");

    // The office's tablet (direct, not timed) holds the caseload.
    let mut office = Device::enroll(&server, "worker-a").await;
    let persons: Vec<PersonId> = (0..PERSONS)
        .map(|i| office.add_person(&format!("架空 対象者{i:03}")).id)
        .collect();
    let now = office.store.now();
    for i in 0..CONTACTS {
        office
            .store
            .log_contact(long_contact(persons[i % PERSONS], i, now))
            .unwrap();
    }
    office.sync().await.expect("seed push");

    // 2 first (it enrols the field tablet): the first caseload pull.
    let mut field = Device::enroll(&server, "worker-a").await;
    let c = client(&proxy.url(), &field);
    let before = proxy.stats();
    let mut report = SyncReport::default();
    let t = Instant::now();
    c.pull(&Direct::new(&mut field.store), &mut |_| {}, &mut report)
        .await
        .expect("first pull");
    let first = t.elapsed();
    let s = proxy.stats().since(&before);
    let first_stats = s;
    assert!(report.pulled as usize >= CONTACTS + PERSONS, "{report:?}");
    let (transfer, bound) = allowed(link, &s);
    let first_ratio = first.as_secs_f64() / transfer.as_secs_f64();
    println!(
        "slow link: {} ms round trip, {} kbit/s each way",
        link.rtt.as_millis(),
        link.bits_per_sec / 1000
    );
    println!(
        "  first caseload pull ({PERSONS} persons, {CONTACTS} contacts): {:.1} s; {} round trips ({} connections, {} requests); {} bytes down ({:.0} per contact), {} up; bytes ÷ bandwidth {:.1} s (+ round trips {:.1} s): {:.2}×",
        first.as_secs_f64(),
        s.round_trips(),
        s.connections,
        s.requests,
        s.bytes_down,
        s.bytes_down as f64 / (CONTACTS + PERSONS) as f64,
        s.bytes_up,
        transfer.as_secs_f64(),
        bound.as_secs_f64(),
        first_ratio
    );

    // 1. A morning sync: 20 up, 30 down, a fresh connection.
    let now = field.store.now();
    for (i, &p) in persons.iter().take(20).enumerate() {
        field
            .store
            .log_contact(long_contact(p, CONTACTS + i, now))
            .unwrap();
    }
    for i in 0..30 {
        office
            .store
            .log_contact(long_contact(persons[100 + i], CONTACTS + 100 + i, now))
            .unwrap();
    }
    office.sync().await.expect("office push");
    let c = client(&proxy.url(), &field);
    let before = proxy.stats();
    let t = Instant::now();
    let r = c
        .sync_once(&Direct::new(&mut field.store), &mut |_| {})
        .await
        .expect("morning sync");
    let morning = t.elapsed();
    let s = proxy.stats().since(&before);
    assert_eq!(r.acknowledged, 20);
    assert!(r.pulled >= 30, "{r:?}");
    let (transfer, _) = allowed(link, &s);
    println!(
        "  morning sync (20 up, 30 down, new connection): {:.2} s; {} round trips ({} connection, {} requests); {} bytes up ({:.0} per contact), {} down ({:.0} per change); transfer alone {:.2} s",
        morning.as_secs_f64(),
        s.round_trips(),
        s.connections,
        s.requests,
        s.bytes_up,
        s.bytes_up as f64 / 20.0,
        s.bytes_down,
        s.bytes_down as f64 / r.pulled.max(1) as f64,
        transfer.as_secs_f64()
    );
    let peer = peer_through(link).await;
    match &peer {
        Ok((first, morning)) => {
            for (what, p) in [("first caseload pull", first), ("morning sync", morning)] {
                println!(
                    "  peer {what}: {:.2} s; {} round trips ({} connections, {} requests); {} bytes down, {} up",
                    p.time.as_secs_f64(),
                    p.stats.round_trips(),
                    p.stats.connections,
                    p.stats.requests,
                    p.stats.bytes_down,
                    p.stats.bytes_up
                );
            }
        }
        Err(why) => println!("  PouchDB peer through the link: {why}"),
    }
    let peer_note = |pick: fn(&(PeerSync, PeerSync)) -> &PeerSync, ours: Duration| match &peer {
        Ok(p) => pick(p).note(ours),
        Err(why) => format!("peer {why}"),
    };
    row(
        "morning sync (20 up, 30 down) on 150 ms / 1 Mbit/s",
        format!(
            "{} round trips, {:.2} s",
            s.round_trips(),
            morning.as_secs_f64()
        ),
        "<= 3 round trips + transfer",
        &format!(
            "{:.0} B up per contact, {:.0} B down per change; transfer {:.2} s; {}",
            s.bytes_up as f64 / 20.0,
            s.bytes_down as f64 / r.pulled.max(1) as f64,
            transfer.as_secs_f64(),
            peer_note(|p| &p.1, morning)
        ),
    );
    row(
        "first caseload pull (500 persons, 10,000 contacts)",
        format!(
            "{:.1} s ({first_ratio:.2}× bytes ÷ bandwidth)",
            first.as_secs_f64()
        ),
        "<= 1.2× bytes ÷ bandwidth",
        &format!(
            "{:.0} B per record on the wire (gzip), {} round trips; {}",
            first_stats.bytes_down as f64 / (CONTACTS + PERSONS) as f64,
            first_stats.round_trips(),
            peer_note(|p| &p.0, first)
        ),
    );
}
