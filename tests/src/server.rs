//! The real `sync-server` binary as a child process, on a free loopback port,
//! with its own scratch database (SQLite, or PostgreSQL when
//! `OUTREACH_TEST_BACKEND=postgres`: `sync_server::store::scratch`). Tests
//! can kill it with SIGKILL in the middle of work and start it again on the
//! same port and database, and start more instances on the same database.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sync_server::store::scratch::ScratchDb;

use crate::binary;

/// A running `sync-server`. Killed when dropped.
pub struct ServerProcess {
    child: Option<Child>,
    addr: SocketAddr,
    /// The server's log and other files.
    dir: tempfile::TempDir,
    db: Arc<ScratchDb>,
    extra: Vec<String>,
    /// Serves HTTPS (`--tls-cert`/`--tls-key` among `extra`).
    tls: bool,
}

impl ServerProcess {
    /// Starts a server with a fresh scratch database.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server with extra `serve` flags (e.g. rate limits).
    pub fn start_with(extra: &[&str]) -> Self {
        Self::start_on(Arc::new(ScratchDb::from_env()), extra)
    }

    /// Starts a server on a fresh SQLite file, whatever the test backend
    /// (the move from SQLite to PostgreSQL starts there).
    pub fn start_sqlite(extra: &[&str]) -> Self {
        Self::start_on(Arc::new(ScratchDb::sqlite()), extra)
    }

    /// Stops the server (SIGKILL) and starts it again on the same port on
    /// another database (after `sync-server migrate-store`), with its key
    /// files in that database's `--key-dir`.
    pub fn restart_on(&mut self, db: ScratchDb) {
        self.kill9();
        self.db = Arc::new(db);
        self.spawn();
    }

    /// Starts a server over HTTPS with this certificate chain and key.
    pub fn start_tls(cert: &Path, key: &Path) -> Self {
        let (c, k) = (cert.display().to_string(), key.display().to_string());
        Self::start_on(
            Arc::new(ScratchDb::from_env()),
            &["--tls-cert", &c, "--tls-key", &k],
        )
    }

    /// Restarts on the same port and database with another certificate and
    /// key (a server key change).
    pub fn restart_with_tls(&mut self, cert: &Path, key: &Path) {
        self.kill9();
        self.extra.clear();
        self.extra.extend([
            "--tls-cert".to_owned(),
            cert.display().to_string(),
            "--tls-key".to_owned(),
            key.display().to_string(),
        ]);
        self.tls = true;
        self.spawn();
    }

    fn start_on(db: Arc<ScratchDb>, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let addr = free_port();
        let mut s = Self {
            child: None,
            addr,
            dir,
            db,
            extra: extra.iter().map(|a| a.to_string()).collect(),
            tls: extra.contains(&"--tls-cert"),
        };
        s.spawn();
        s
    }

    /// Another server process on the same database (several instances
    /// behind a load balancer), on its own port.
    pub fn another_instance(&self) -> Self {
        Self::start_on(self.db.clone(), &[])
    }

    /// The database URL the server uses.
    pub fn database_url(&self) -> String {
        self.db.url().to_owned()
    }

    /// Whether the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    /// The folder of the server's key files (`--key-dir`).
    pub fn key_dir(&self) -> &Path {
        self.db.key_dir()
    }

    /// Runs raw SQL on the server's database (tests that tamper with it).
    pub fn execute_raw(&self, sql: &str) -> u64 {
        self.db.execute_raw(sql).expect("raw SQL")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log file");
        let child = Command::new(binary("sync-server"))
            .arg("--database")
            .arg(self.database_url())
            .arg("--key-dir")
            .arg(self.db.key_dir())
            .arg("--listen")
            .arg(self.addr.to_string())
            .args(&self.extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start sync-server");
        self.child = Some(child);
        self.wait_healthy(Duration::from_secs(20));
    }

    /// Waits until `GET /healthz` answers 200 (a TLS server: until it
    /// accepts connections).
    pub fn wait_healthy(&mut self, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "sync-server exited early with {status}; log:\n{}",
                    self.log()
                );
            }
            if self.tls {
                if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                    return;
                }
            } else if http_status(self.addr, "/healthz") == Some(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sync-server did not become healthy; log:\n{}", self.log());
    }

    /// Kills the server with SIGKILL: no shutdown, no flush.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL on Unix
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and database.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Runs another `sync-server` command (e.g. `admin ...`) against this
    /// server's database.
    pub fn command(&self, args: &[&str]) -> Output {
        Command::new(binary("sync-server"))
            .args(args)
            .arg("--database")
            .arg(self.database_url())
            .arg("--key-dir")
            .arg(self.db.key_dir())
            .output()
            .expect("run sync-server")
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    l.local_addr().expect("local addr")
}

/// The status code of a plain `GET`, or `None` if nothing answered.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
