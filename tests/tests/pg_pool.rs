//! The PostgreSQL connection pool as served (issue 16): a real server
//! process on the test cluster. 200 pulls at once never make the server
//! hold more connections than `--pg-pool` (counted by PostgreSQL itself in
//! `pg_stat_activity`, by database and `application_name`), and a pool held
//! full longer than `--pg-pool-wait-ms` answers `503` with `Retry-After`,
//! then serves again.
//!
//! Runs in `scripts/test`'s PostgreSQL pass (`OUTREACH_TEST_BACKEND=postgres`);
//! elsewhere it says it was skipped.

use outreach_shared::protocol::{ProtocolVersion, PullRequest};
use outreach_tests::ServerProcess;
use outreach_tests::world::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;
use sync_server::store;

fn postgres() -> bool {
    if !store::scratch::test_backend_is_postgres() {
        eprintln!("skipped: runs in the PostgreSQL pass of scripts/test");
        return false;
    }
    true
}

/// A connection of the test's own (no `application_name`: not counted).
async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test cluster");
    tokio::spawn(conn);
    client
}

/// The server's database name, from its URL.
fn database_of(server: &ServerProcess) -> String {
    let url = server.database_url();
    let tail = url.rsplit('/').next().unwrap();
    tail.split('?').next().unwrap().to_owned()
}

async fn pull(http: &reqwest::Client, server: &str, token: &str) -> reqwest::Response {
    http.post(format!("{server}/api/v1/sync/pull"))
        .bearer_auth(token)
        .json(&PullRequest {
            protocol: ProtocolVersion::CURRENT,
            cursor: 0,
            limit: 200,
        })
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_pulls_never_open_more_connections_than_the_pool() {
    if !postgres() {
        return;
    }
    const POOL: i64 = 4;
    let server = ServerProcess::start_with(&[
        "--pg-pool",
        "4",
        "--pg-pool-wait-ms",
        "30000",
        "--sync-in-flight",
        "256",
        "--rate-per-minute",
        "100000",
        "--rate-burst",
        "100000",
    ]);
    seed_users(&server);
    let mut dev = Device::enroll(&server, "worker-a").await;
    for i in 0..30 {
        dev.add_person(&format!("架空 接続{i}"));
    }
    dev.sync_until_ok(5).await;

    // The watcher counts the server's connections as PostgreSQL sees them.
    let watcher = connect(&server.database_url()).await;
    let count_sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'sync-server'",
        database_of(&server)
    );
    let stop = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicI64::new(0));
    let samples = Arc::new(AtomicI64::new(0));
    let watch = {
        let (stop, most, samples) = (stop.clone(), most.clone(), samples.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let n: i64 = watcher.query_one(&count_sql, &[]).await.unwrap().get(0);
                most.fetch_max(n, Ordering::SeqCst);
                samples.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };

    let http = reqwest::Client::new();
    let url = server.url();
    let pulls: Vec<_> = (0..200)
        .map(|_| {
            let (http, url, token) = (http.clone(), url.clone(), dev.token().to_owned());
            tokio::spawn(async move { pull(&http, &url, &token).await.status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for p in pulls {
        statuses.push(p.await.unwrap());
    }
    stop.store(true, Ordering::SeqCst);
    watch.await.unwrap();

    assert!(
        statuses.iter().all(|s| *s == 200),
        "every pull answered: {statuses:?}"
    );
    let most = most.load(Ordering::SeqCst);
    let samples = samples.load(Ordering::SeqCst);
    eprintln!("{samples} samples, at most {most} connections of the server (pool {POOL})");
    assert!(samples >= 5, "the watcher sampled during the burst");
    assert!(most >= 2, "the watcher sees the server's connections");
    assert!(most <= POOL, "{most} connections open, the pool is {POOL}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_held_full_answers_503_with_retry_after_then_serves_again() {
    if !postgres() {
        return;
    }
    // Two connections: one for the writer, one read at a time.
    let server = ServerProcess::start_with(&["--pg-pool", "2", "--pg-pool-wait-ms", "300"]);
    seed_users(&server);
    let dev = Device::enroll(&server, "worker-a").await;
    let http = reqwest::Client::new();
    let url = server.url();
    assert_eq!(pull(&http, &url, dev.token()).await.status(), 200);

    // Hold the change log locked: the next pull's read waits inside its
    // transaction, holding the one read slot and its connection.
    let locker = connect(&server.database_url()).await;
    locker
        .batch_execute("BEGIN; LOCK TABLE changes IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let first = {
        let (http, url, token) = (http.clone(), url.clone(), dev.token().to_owned());
        tokio::spawn(async move { pull(&http, &url, &token).await.status().as_u16() })
    };
    // Until PostgreSQL shows the server's read waiting on that lock (asked
    // on a connection of its own: inside the locker's transaction the view
    // would not change).
    let watcher = connect(&server.database_url()).await;
    let waiting_sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'sync-server' AND wait_event_type = 'Lock'",
        database_of(&server)
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n: i64 = watcher.query_one(&waiting_sql, &[]).await.unwrap().get(0);
        if n >= 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first pull never reached the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!first.is_finished(), "the first pull waits on the lock");

    // The next request waits 300 ms for a slot, then is told to retry.
    let started = std::time::Instant::now();
    let refused = pull(&http, &url, dev.token()).await;
    assert_eq!(refused.status(), 503);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let retry = refused
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(retry >= 1);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["action"], "retry_later", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("database"),
        "a clear English message: {body}"
    );

    // The lock goes; the waiting pull finishes and the pool serves again.
    locker.batch_execute("COMMIT").await.unwrap();
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(pull(&http, &url, dev.token()).await.status(), 200);
}
