//! Sync server benchmark: prints its figures. Run in release, on loopback:
//!
//! ```text
//! cargo bench -p sync-server --bench sync_bench
//! ```
//!
//! `OUTREACH_BENCH_PG=<admin URL of a cluster>` runs it on a new PostgreSQL
//! database instead (`scripts/bench` does both, the second on a throw-away
//! cluster with durable commits).
//!
//! It seeds users and devices into a fresh database with the library,
//! starts the real `sync-server` binary on a free loopback port, and drives it
//! over HTTP:
//! 1. ingest: batches of 500 contact logs of ~1.3 KB (~300 Japanese
//!    characters of notes) from one device, printed beside the ceiling
//!    measured in the same run: the same operations as plain JSON rows
//!    inserted into a fresh SQLite file, 500 per transaction, at
//!    synchronous = FULL (targets: >= 70% of it on SQLite; >= 15,000 ops/s
//!    on PostgreSQL);
//! 2. pull 10,000 changes into an empty cursor (target <= 0.5 s);
//! 3. 200 devices syncing at once, 20 operations each (target p99 <= 150
//!    ms on SQLite, <= 400 ms on PostgreSQL on the same cores). As the
//!    tablet's sync client does, each device first catches up
//!    (pulls every page from cursor 0 and keeps the cursor, as at
//!    enrolment; one device after another, not timed); then all 200 start
//!    together and each times one sync: push its 20 operations, then pull
//!    from its own cursor. The fleet's teams hold no changes before the
//!    burst, so that cursor is 0 and the timed pull carries what the
//!    device's team pushed so far in the burst (its own 20 changes and
//!    those of its team mates): the same as a pull from 0. New connections
//!    are opened during the burst, as before;
//! 4. the server's resident memory with 100,000 stored contacts, at rest
//!    (2 s after the ingest, target <= 40 MiB; the figure just after is
//!    printed beside it) and 5 s after the burst (target <= 60 MiB), with
//!    no environment knobs.
//!
//! All data is fictitious. Requests stay on 127.0.0.1 and the run is
//! bounded.

use chrono::{Duration, Utc};
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use sync_server::admin::{self, NewUser};
use sync_server::store::scratch::ScratchDb;
use sync_server::store::{Store, StoreOptions};

const BATCH: usize = 500;
const TOTAL_CONTACTS: usize = 100_000;

/// `SYNC_BENCH_CONTACTS=N` shortens the ingest (for profiling the rest).
fn total_contacts() -> usize {
    std::env::var("SYNC_BENCH_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(TOTAL_CONTACTS)
        .max(BATCH * 20)
}
const DEVICES: usize = 200;
const OPS_PER_DEVICE: usize = 20;

struct Dev {
    id: DeviceId,
    token: String,
    user: UserId,
    team: TeamId,
    counter: u16,
}

fn rnd() -> [u8; 10] {
    sync_server::crypto::random()
}

fn now_ms() -> u64 {
    Utc::now().timestamp_millis() as u64
}

impl Dev {
    fn op(&mut self, entity: EntityRef, payload: Payload) -> Operation {
        self.counter = self.counter.wrapping_add(1);
        Operation {
            id: OperationId::new_v7(now_ms(), rnd()),
            device_id: self.id,
            hlc: Hlc::new(now_ms(), self.counter, self.id),
            entity,
            payload,
        }
    }

    fn person(&mut self, alias: &str) -> (PersonId, Operation) {
        let p = Person {
            id: PersonId::new_v7(now_ms(), rnd()),
            alias: alias.into(),
            kana: None,
            birth_year: None,
            sex: None,
            area: None,
            noticed_by: Some(NoticedBy::Resident),
            summary: None,
            household: Household::default(),
            fields: [LifeField::Elderly].into(),
            tags: BTreeSet::new(),
            scheme_gap: None,
            stage: Stage::Identified,
            stage_note: None,
            consent: ConsentRecord::none(),
            team: self.team,
            assigned_worker: Some(self.user),
            created_at: Utc::now() - Duration::days(10),
        };
        (
            p.id,
            self.op(EntityRef::person(p.id), Payload::CreatePerson(p)),
        )
    }

    fn contact(&mut self, person: PersonId, notes: &str) -> Operation {
        let c = ContactLog {
            id: ContactId::new_v7(now_ms(), rnd()),
            person_id: person,
            revises: None,
            author: self.user,
            occurred_at: Utc::now() - Duration::hours(3),
            duration_minutes: Some(30),
            method: ContactMethod::HomeVisit,
            met: MetWhom::Person,
            response: Some(PersonResponse::Brief),
            observation: notes.to_owned(),
            safety: Safety {
                accompaniment: Accompaniment::Pair,
                danger_signs: BTreeSet::new(),
                life_threatening: false,
            },
            reflection: None,
            next_action: Some(NextAction {
                what: "（架空）再訪する".into(),
                due: ja::local_date(Utc::now() + Duration::days(7)),
            }),
        };
        self.op(EntityRef::contact(c.id), Payload::LogContact(c))
    }
}

fn notes() -> String {
    let sentence = "（架空の記録）玄関先で本人と短く話した。表情は穏やかで、次回の訪問を了承した。";
    let mut s = String::new();
    while s.chars().count() < 300 {
        s.push_str(sentence);
    }
    s.chars().take(300).collect()
}

/// Rows per second of a plain insert of `batches` (as JSON, one
/// transaction per batch) into a fresh SQLite file at synchronous = FULL:
/// the ceiling the server's ingest is compared with.
fn plain_insert_rate(batches: &[Vec<Operation>]) -> f64 {
    let dir = std::env::temp_dir().join(format!("outreach-plain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("plain.db");
    let mut conn = rusqlite::Connection::open(&path).expect("plain db");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch("CREATE TABLE plain (op_id TEXT PRIMARY KEY, body BLOB NOT NULL)")
        .expect("table");
    let started = Instant::now();
    let mut rows = 0usize;
    for batch in batches {
        let tx = conn.transaction().expect("tx");
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO plain (op_id, body) VALUES (?1, ?2)")
                .expect("insert");
            for op in batch {
                let body = serde_json::to_vec(op).expect("json");
                insert
                    .execute(rusqlite::params![op.id.to_string(), body])
                    .expect("row");
                rows += 1;
            }
        }
        tx.commit().expect("commit");
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    rate
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) a process has used so far, in milliseconds: a
/// figure that, unlike latency, other load on the machine barely changes.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line (the 12th and 13th
    // after the name), in clock ticks (100 per second on Linux).
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) * 10.0
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    println!(
        "machine: {} cores, load average before: {} (other processes skew these figures)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        loadavg()
    );
    // SQLite by default; `OUTREACH_BENCH_PG=<admin URL>` runs the same
    // benchmark on a new database of that PostgreSQL cluster.
    let db = match std::env::var("OUTREACH_BENCH_PG") {
        Ok(admin) if !admin.is_empty() => {
            ScratchDb::postgres(&admin, None).expect("scratch database")
        }
        _ => ScratchDb::sqlite(),
    };
    let part = if db.is_postgres() {
        "server/pg"
    } else {
        "server"
    };
    println!(
        "backend: {}",
        if db.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let now = Utc::now();

    // Seed users, with the library, before the server starts.
    let opened = db.open(&StoreOptions::default()).expect("open");
    let store: &dyn Store = &*opened;
    let mut worker_names = Vec::new();
    for t in 0..50 {
        admin::ensure_team(store, &format!("班{t}（見本）"), now).expect("team");
    }
    let add = |name: String, team: usize| {
        admin::add_user(
            store,
            NewUser {
                username: name.clone(),
                display_name: format!("架空 {name}"),
                role: Role::OutreachWorker,
                team: Some(format!("班{team}（見本）")),
                agency: None,
                password: None,
            },
            now,
        )
        .expect("user");
        name
    };
    worker_names.push(add("ingest".into(), 0));
    worker_names.push(add("reader".into(), 0));
    for i in 0..DEVICES {
        worker_names.push(add(format!("dev{i}"), 1 + i % 49));
    }
    let codes: Vec<String> = worker_names
        .iter()
        .map(|n| {
            admin::issue_code(store, n, Duration::minutes(30), now)
                .expect("code")
                .to_string()
        })
        .collect();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args([
            "--database",
            db.url(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-per-minute",
            "10000000",
            "--rate-burst",
            "10000000",
        ])
        // The key files live in the scratch database's folder (PostgreSQL
        // has no file beside which to keep them).
        .arg("--key-dir")
        .arg(db.key_dir())
        .env("OUTREACH_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start sync-server");
    let server = Server(child);
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .expect("client");
        for _ in 0..100 {
            if http.get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (idle_rss, _) = rss_kib(pid);
        let mut devs = Vec::new();
        for code in &codes {
            let r: EnrollResponse = http
                .post(format!("{base}/api/v1/enroll"))
                .json(&EnrollRequest {
                    protocol: ProtocolVersion::CURRENT,
                    code: code.clone(),
                    device_label: "ベンチ".into(),
                    platform: "linux".into(),
                })
                .send()
                .await
                .expect("enrol")
                .json()
                .await
                .expect("enrol body");
            devs.push(Dev { id: r.device_id, token: r.token, user: r.user_id, team: r.team_id, counter: 0 });
        }
        let mut devs = devs.into_iter();
        let mut ingest = devs.next().expect("ingest device");
        let reader = devs.next().expect("reader device");
        let fleet: Vec<Dev> = devs.collect();

        // 1. Ingest.
        let text = notes();
        let mut persons = Vec::new();
        let mut ops = Vec::new();
        for i in 0..50 {
            let (p, op) = ingest.person(&format!("架空 {i}番"));
            persons.push(p);
            ops.push(op);
        }
        let push = |dev_id: DeviceId, token: String, ops: Vec<Operation>| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let resp = http
                    .post(format!("{base}/api/v1/sync/push"))
                    .bearer_auth(token)
                    .json(&PushRequest { protocol: ProtocolVersion::CURRENT, device_id: dev_id, operations: ops })
                    .send()
                    .await
                    .expect("push");
                assert_eq!(resp.status(), 200, "push status");
                let r: PushResponse = resp.json().await.expect("push body");
                assert!(r.results.iter().all(|r| r.outcome.is_acknowledged()), "push refused");
                r.results.len()
            }
        };
        push(ingest.id, ingest.token.clone(), ops).await;
        let sample = serde_json::to_vec(&ingest.contact(persons[0], &text)).expect("json").len();
        let batches: Vec<Vec<Operation>> = (0..total_contacts() / BATCH)
            .map(|b| (0..BATCH).map(|i| ingest.contact(persons[(b * BATCH + i) % persons.len()], &text)).collect())
            .collect();
        // The ceiling, same run: the same first 20,000 operations, as JSON,
        // inserted as plain rows into a fresh SQLite file in transactions
        // of 500 at synchronous = FULL (no sync protocol, no checks).
        let plain = plain_insert_rate(&batches[..(20_000 / BATCH).min(batches.len())]);
        let started = Instant::now();
        let mut measured_ops = 0usize;
        let mut first_20k = None;
        for (i, batch) in batches.into_iter().enumerate() {
            measured_ops += push(ingest.id, ingest.token.clone(), batch).await;
            if i + 1 == 20_000 / BATCH {
                first_20k = Some(started.elapsed());
            }
        }
        let total = started.elapsed();
        let first = first_20k.unwrap_or(total);
        println!("ingest: {} contacts of {} bytes each in batches of {BATCH}", measured_ops, sample);
        println!(
            "  first 20,000: {:.2} s = {:.0} ops/s; all {}: {:.2} s = {:.0} ops/s",
            first.as_secs_f64(),
            20_000.0 / first.as_secs_f64(),
            measured_ops,
            total.as_secs_f64(),
            measured_ops as f64 / total.as_secs_f64()
        );
        let rate = 20_000.0 / first.as_secs_f64();
        println!(
            "  plain SQLite insert of the same rows (batches of {BATCH}, FULL): {plain:.0} rows/s; ingest is {:.0}% of it",
            100.0 * rate / plain
        );
        println!(
            "RESULT\t{part}\tingest, batches of {BATCH} contacts\t{rate:.0} ops/s ({:.0}% of plain)\t{}\tplain SQLite insert {plain:.0} rows/s; {}",
            100.0 * rate / plain,
            if db.is_postgres() {
                ">= 15,000/s"
            } else {
                ">= 70% of plain insert"
            },
            if db.is_postgres() {
                "PostgreSQL, synchronous_commit=on"
            } else {
                "SQLite synchronous=FULL"
            }
        );
        // At rest: 2 s after the ingest, once the server's threads have
        // waited long enough to give back what it freed (sync_server::idle,
        // 1 s); the figure just after the ingest is printed beside it.
        let (just_after, _) = rss_kib(pid);
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let (rss, hwm) = rss_kib(pid);
        println!(
            "RESULT\t{part}\tresident memory at rest, {measured_ops} contacts stored\t{:.1} MiB\t<= 40 MiB\t2 s after the ingest; just after {:.1} MiB, peak {:.1} MiB{}",
            rss as f64 / 1024.0,
            just_after as f64 / 1024.0,
            hwm as f64 / 1024.0,
            if db.is_postgres() {
                "; the server process only"
            } else {
                ""
            }
        );
        println!(
            "memory with {} stored contacts: RSS {:.1} MiB (peak {:.1} MiB, idle before {:.1} MiB)",
            measured_ops,
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0,
            idle_rss as f64 / 1024.0
        );

        // 2. Pull 10,000 changes into an empty cursor.
        let started = Instant::now();
        let mut cursor = 0;
        let mut got = 0usize;
        while got < 10_000 {
            let r: PullResponse = http
                .post(format!("{base}/api/v1/sync/pull"))
                .bearer_auth(&reader.token)
                .json(&PullRequest { protocol: ProtocolVersion::CURRENT, cursor, limit: MAX_PULL_LIMIT })
                .send()
                .await
                .expect("pull")
                .json()
                .await
                .expect("pull body");
            got += r.changes.len();
            cursor = r.next_cursor;
            if !r.has_more {
                break;
            }
        }
        let pull_time = started.elapsed();
        println!(
            "pull: {got} changes from cursor 0 in {:.3} s (2 pages of {MAX_PULL_LIMIT}) (target <= 0.5 s)",
            pull_time.as_secs_f64()
        );
        println!(
            "RESULT\t{part}\tpull {got} changes into an empty cursor\t{:.3} s\t<= 0.5 s\t",
            pull_time.as_secs_f64()
        );

        // 3. 200 devices at once, 20 operations each: push, then pull from
        // the device's own cursor. First each device catches up (not timed).
        let mut fleet_cursors = Vec::with_capacity(fleet.len());
        for d in &fleet {
            let mut cursor = 0;
            loop {
                let r: PullResponse = http
                    .post(format!("{base}/api/v1/sync/pull"))
                    .bearer_auth(&d.token)
                    .json(&PullRequest { protocol: ProtocolVersion::CURRENT, cursor, limit: MAX_PULL_LIMIT })
                    .send()
                    .await
                    .expect("catch-up pull")
                    .json()
                    .await
                    .expect("catch-up pull body");
                cursor = r.next_cursor;
                if !r.has_more {
                    break;
                }
            }
            fleet_cursors.push(cursor);
        }
        let mut tasks = Vec::new();
        let (server_cpu, bench_cpu) = (cpu_ms(pid), cpu_ms(std::process::id()));
        let started = Instant::now();
        for (mut d, cursor) in fleet.into_iter().zip(fleet_cursors) {
            let http = http.clone();
            let base = base.clone();
            let text = text.clone();
            tasks.push(tokio::spawn(async move {
                let (p, create) = d.person("架空 同時");
                let mut ops = vec![create];
                for _ in 1..OPS_PER_DEVICE {
                    ops.push(d.contact(p, &text));
                }
                let t0 = Instant::now();
                let resp = http
                    .post(format!("{base}/api/v1/sync/push"))
                    .bearer_auth(&d.token)
                    .json(&PushRequest { protocol: ProtocolVersion::CURRENT, device_id: d.id, operations: ops })
                    .send()
                    .await
                    .expect("push");
                assert_eq!(resp.status(), 200);
                let _: PushResponse = resp.json().await.expect("push body");
                let resp = http
                    .post(format!("{base}/api/v1/sync/pull"))
                    .bearer_auth(&d.token)
                    .json(&PullRequest { protocol: ProtocolVersion::CURRENT, cursor, limit: 1000 })
                    .send()
                    .await
                    .expect("pull");
                assert_eq!(resp.status(), 200);
                let _: PullResponse = resp.json().await.expect("pull body");
                t0.elapsed().as_secs_f64() * 1000.0
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.push(t.await.expect("device task"));
        }
        let wall = started.elapsed();
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        println!(
            "{DEVICES} devices at once ({OPS_PER_DEVICE} ops each, push + pull from the device's cursor after an untimed catch-up): all done in {:.3} s; p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            wall.as_secs_f64(),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            lat.last().copied().unwrap_or(0.0)
        );
        println!(
            "RESULT\t{part}\t{DEVICES} devices at once, {OPS_PER_DEVICE} ops each\tp99 {:.0} ms\tp99 <= {} ms\tp50 {:.0} ms; push + pull from own cursor",
            percentile(&lat, 0.99),
            if db.is_postgres() { 400 } else { 150 },
            percentile(&lat, 0.5)
        );
        println!(
            "  CPU time during the burst: server {:.0} ms, benchmark client {:.0} ms (of {:.0} ms wall x 2 cores)",
            cpu_ms(pid) - server_cpu,
            cpu_ms(std::process::id()) - bench_cpu,
            wall.as_secs_f64() * 1000.0
        );
        let (rss, hwm) = rss_kib(pid);
        println!("memory at the end: RSS {:.1} MiB, peak {:.1} MiB", rss as f64 / 1024.0, hwm as f64 / 1024.0);
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        let (after, _) = rss_kib(pid);
        println!("memory 5 s after the burst: RSS {:.1} MiB", after as f64 / 1024.0);
        println!(
            "RESULT\t{part}\tresident memory 5 s after the burst\t{:.1} MiB\t<= 60 MiB\tjust after {:.1} MiB, peak {:.1} MiB; no environment knobs",
            after as f64 / 1024.0,
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
    });
    drop(server);
    println!("load average after: {}", loadavg());
}
