//! The PouchDB peer's figures from the same benchmark run: `scripts/bench`
//! runs the peer harness (PouchDB 9 → pouchdb-server, the Community Health
//! Toolkit's sync stack) first and names its `results.json` in
//! `OUTREACH_PEER_RESULTS`; the benchmarks read it here and print each
//! ratio beside their own figure.
//!
//! [`PeerLink`] runs the same peer through the slow field link: the
//! harness's `pouchdb-server` (from the `node_modules` that `scripts/bench`
//! installed, named in `OUTREACH_PEER_WORK`) and PouchDB clients driven by
//! `tests/peer/link.js`, which the link benchmark puts behind the test
//! proxy.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The peer's medians for 10,000 documents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peer {
    pub push: Duration,
    pub pull: Duration,
    /// 10 new local documents, one-shot sync (push 10, pull 0).
    pub incremental: Duration,
    /// pouchdb-server's peak RSS (VmHWM) over the run, KiB.
    pub server_peak_kib: Option<u64>,
}

/// The size the peer is compared at.
pub const N: u64 = 10_000;

/// The peer's figures, or why there are none (to print instead).
pub fn load() -> Result<Peer, String> {
    let path = std::env::var("OUTREACH_PEER_RESULTS")
        .map_err(|_| "not run (OUTREACH_PEER_RESULTS not set; scripts/bench sets it)".to_owned())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("not readable: {e}"))?;
    parse(&text)
}

/// Reads the peer harness's `results.json`.
pub fn parse(text: &str) -> Result<Peer, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let results = v["results"]
        .as_array()
        .ok_or("no results in the peer's file")?;
    let at = |key: &str| {
        results
            .iter()
            .find(|r| r["key"] == key && r["n"].as_u64() == Some(N))
    };
    let ms = |key: &str| -> Result<Duration, String> {
        at(key)
            .and_then(|r| r["median_ms"].as_f64())
            .map(|ms| Duration::from_secs_f64(ms / 1e3))
            .ok_or_else(|| format!("the peer has no {key} figure for N = {N}"))
    };
    Ok(Peer {
        push: ms("push")?,
        pull: ms("pull")?,
        incremental: ms("incremental")?,
        server_peak_kib: at("server_vmhwm_kb").and_then(|r| r["value"].as_u64()),
    })
}

/// "8.1× faster than the peer" (or slower), for a note.
pub fn versus(ours: Duration, peer: Duration) -> String {
    let r = peer.as_secs_f64() / ours.as_secs_f64().max(1e-9);
    if r >= 1.0 {
        format!("{r:.1}× faster than the peer")
    } else {
        format!("{:.1}× slower than the peer", 1.0 / r)
    }
}

/// The peer's server for the slow-link benchmark: `pouchdb-server` on a
/// free loopback port with its data in a temporary folder, killed when
/// dropped.
pub struct PeerLink {
    work: PathBuf,
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl PeerLink {
    /// Starts the peer's server, or says why it can't (to print instead).
    pub fn start() -> Result<PeerLink, String> {
        let work = PathBuf::from(std::env::var("OUTREACH_PEER_WORK").map_err(|_| {
            "not run (OUTREACH_PEER_WORK not set; scripts/bench sets it)".to_owned()
        })?);
        let bin = work.join("node_modules/pouchdb-server/bin/pouchdb-server");
        if !bin.exists() {
            return Err(format!("not run (no {})", bin.display()));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
        let child = Command::new("node")
            .arg(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .arg("--config")
            .arg(dir.path().join("config.json"))
            .args(["--no-stdout-logs", "--no-color"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("node did not start: {e}"))?;
        let peer = PeerLink {
            work,
            child,
            addr,
            dir,
        };
        let start = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if start.elapsed() > Duration::from_secs(30) {
                return Err("pouchdb-server did not listen within 30 s".to_owned());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(peer)
    }

    /// The server's own address (the proxy forwards to it).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's URL, for set-up that must not cross the link.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A folder for a PouchDB client's local database.
    pub fn local_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs one phase of `tests/peer/link.js` and returns its JSON line.
    pub fn run(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peer/link.js");
        let out = Command::new("node")
            .arg(script)
            .args(args)
            .env("NODE_PATH", self.work.join("node_modules"))
            .env("PEER_DOCS", self.work.join("docs.js"))
            .current_dir(self.dir.path())
            .output()
            .map_err(|e| format!("node did not run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "link.js {} failed: {}",
                args.first().unwrap_or(&""),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("link.js answered no JSON: {e}"))
    }
}

impl Drop for PeerLink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_harness_results_at_ten_thousand() {
        let text = r#"{"env":{},"results":[
            {"n":1000,"key":"push","median_ms":700},
            {"n":10000,"key":"push","median_ms":6220.5},
            {"n":10000,"key":"pull","median_ms":4970},
            {"n":10000,"key":"incremental","median_ms":39.9},
            {"n":10000,"key":"server_vmhwm_kb","value":191488}]}"#;
        let p = parse(text).unwrap();
        assert_eq!(p.push, Duration::from_micros(6_220_500));
        assert_eq!(p.pull, Duration::from_millis(4970));
        assert_eq!(p.server_peak_kib, Some(191_488));
        assert_eq!(
            versus(Duration::from_millis(622), p.push),
            "10.0× faster than the peer"
        );
        assert!(parse(r#"{"results":[]}"#).unwrap_err().contains("push"));
    }
}
