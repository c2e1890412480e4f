//! Issue 14, tablet items 15, 17 and 19, through the real `outreach`
//! binary: plain `http://` refused off loopback; SIGKILLs at random moments
//! of `outreach contact add` with the right PIN never erase the key nor
//! lose an acknowledged contact, while 10 proven-wrong PINs still do; free
//! text read from standard input.
//!
//! The stores here are made through the library with light Argon2id
//! parameters (8 MiB, t = 1), so that Argon2id is a large part of each
//! short run and the kill loop runs quickly; the counting does not depend
//! on the parameters (the store's own test kills a production-parameter
//! unlock: `mobile/tests/kill_loop.rs`).

use outreach_mobile::*;
use outreach_tests::binary;
use outreach_tests::world::PIN;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const KDF: KdfParams = KdfParams {
    m_kib: 8 * 1024,
    t: 1,
    p: 1,
};

fn cfg(dir: &Path) -> StoreConfig {
    StoreConfig::new(dir.join("data")).with_device_secret_path(dir.join("device.key"))
}

fn new_store(dir: &Path) {
    drop(Store::init(cfg(dir), &Pin::new(PIN.into()).unwrap(), None, KDF).unwrap());
}

fn command(dir: &Path, pin: &str, args: &[&str]) -> Command {
    let mut c = Command::new(binary("outreach"));
    c.arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--device-secret")
        .arg(dir.join("device.key"))
        .args(args)
        .env("OUTREACH_PIN", pin)
        .stdin(Stdio::null());
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, PIN, args).output().expect("run outreach")
}

fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = command(dir, PIN, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run outreach");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn add_person(dir: &Path) -> String {
    let p = json(&run(
        dir,
        &["--json", "person", "add", "--alias", "架空 一子"],
    ));
    p["person"]["id"].as_str().unwrap().to_owned()
}

const CONTACT: &[&str] = &[
    "--json",
    "contact",
    "add",
    "--met",
    "nobody",
    "--accompaniment",
    "pair",
    "--observation",
    "不在。置き手紙。",
];

#[test]
fn plain_http_is_refused_off_loopback_for_enrolment_and_sync() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Enrolment, by address or by QR: refused before anything is sent.
    for server in ["http://192.0.2.1:8080", "http://outreach.example.invalid"] {
        let out = run(d, &["enroll", "--server", server, "--code", "ABCD-EFGH"]);
        assert_eq!(out.status.code(), Some(2), "{server}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("暗号化されていない http://"), "{err}");
        assert!(err.contains("https://"), "{err}");
    }
    let qr = shared::enrolment::EnrolmentQr {
        server: "http://192.0.2.1:8080".into(),
        code: "ABCD-EFGH".into(),
        pins: vec![],
    }
    .to_text();
    let out = run(d, &["enroll", "--qr", &qr]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://"));
    assert!(!d.join("data").exists(), "no store was made");

    // A tablet linked to a plain-HTTP server off loopback (an older app
    // allowed it) neither sends to it nor obeys it: `sync` stops at once,
    // before the network, and nothing is wiped.
    new_store(d);
    let mut s = Store::open(cfg(d)).unwrap();
    s.unlock(&Pin::for_unlock(PIN.into())).unwrap();
    s.set_server_link("http://192.0.2.1:9", "架空トークン")
        .unwrap();
    drop(s);
    let started = Instant::now();
    let out = run(d, &["--json", "sync"]);
    assert_eq!(out.status.code(), Some(8));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"], "insecure_server");
    assert!(err["message"].as_str().unwrap().contains("https://"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused before any connection attempt"
    );
    assert!(d.join("data").join("outreach.db").exists());
    assert!(d.join("device.key").exists());
    // Loopback stays allowed (development and these tests): a refused
    // connection, not the plain-HTTP refusal.
    let port = outreach_tests::server::free_port();
    let out = run(
        d,
        &[
            "enroll",
            "--server",
            &format!("http://{port}"),
            "--code",
            "X",
        ],
    );
    assert_eq!(out.status.code(), Some(8));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("暗号化されていない"));
}

/// A small PRNG for kill moments (the seed is printed to replay a run).
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkills_during_contact_add_with_the_right_pin_never_erase_the_key() {
    // Issue 14 asks for 1,000 kills: 45 s here with the machine quiet,
    // well over a minute under parallel builds, so the default is 300
    // (about 20 s) and OUTREACH_KILL_LOOP_RUNS=1000 runs the count.
    let runs: usize = std::env::var("OUTREACH_KILL_LOOP_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    new_store(d);
    let person = add_person(d);
    // How long one whole run takes here, to spread the kills over it.
    let started = Instant::now();
    let first = json(&run(d, &[CONTACT, &["--person", &person]].concat()));
    let mut acknowledged = vec![first["contact"]["id"].as_str().unwrap().to_owned()];
    let full = started.elapsed().as_micros().max(1_000) as u64;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!(
        "kill loop: {runs} runs, one run ~{} ms, seed {seed}",
        full / 1000
    );
    let mut rng = XorShift(seed);
    let (mut killed, mut finished, mut most_interrupted, mut landed) = (0, 0, 0, 0);
    for round in 0..runs {
        let mut child = command(d, PIN, &[CONTACT, &["--person", &person]].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // About one run in five runs to its end; the others are killed at
        // a random moment of a whole run.
        let let_finish = rng.next().is_multiple_of(5);
        if !let_finish {
            std::thread::sleep(Duration::from_micros(rng.next() % (full * 3 / 2)));
            let _ = child.kill(); // SIGKILL; harmless if it already ended
        }
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            // Acknowledged: the command said the contact was saved.
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|_| panic!("round {round}: a success prints JSON"));
            acknowledged.push(v["contact"]["id"].as_str().unwrap().to_owned());
            finished += 1;
        } else {
            assert!(
                out.status.code().is_none(),
                "round {round}: only a kill may stop it, got {:?}",
                out.status.code()
            );
            killed += 1;
            let st = json(&run(d, &["--json", "status"]));
            assert_eq!(st["key_destroyed"], false, "round {round}");
            assert_eq!(st["wrong_pins"], 0, "round {round}: never a wrong PIN");
            let n = st["interrupted_unlocks"].as_u64().unwrap();
            if n > 0 {
                landed += 1;
            }
            most_interrupted = most_interrupted.max(n);
        }
    }
    eprintln!(
        "kill loop: {killed} killed ({landed} left an interrupted unlock, at most {most_interrupted} in a row), {finished} finished"
    );
    assert!(
        landed > 0,
        "no kill landed inside an unlock: the test proves nothing"
    );

    // The store opens with the right PIN and holds every acknowledged contact.
    let t = json(&run(d, &["--json", "timeline", &person]));
    let stored: Vec<&str> = t["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["contact"]["id"].as_str().unwrap())
        .collect();
    for id in &acknowledged {
        assert!(
            stored.contains(&id.as_str()),
            "acknowledged contact {id} is there"
        );
    }
    assert!(t["damaged"].as_array().unwrap().is_empty());
    let st = json(&run(d, &["--json", "status"]));
    assert_eq!(st["interrupted_unlocks"], 0, "cleared by the right PIN");

    // Ten proven-wrong PINs still erase the key.
    for i in 1..=10 {
        let out = command(d, "999999", &["--json", "timeline", &person])
            .output()
            .unwrap();
        let err: Value = serde_json::from_slice(&out.stderr).unwrap();
        let want = if i < 10 { "wrong_pin" } else { "key_destroyed" };
        assert_eq!(err["error"], want, "attempt {i}");
    }
    assert!(!d.join("device.key").exists(), "the device secret is gone");
    let out = run(d, &["--json", "timeline", &person]);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"], "key_destroyed", "even the right PIN");
}

#[test]
fn names_and_notes_can_come_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    new_store(d);
    let p = json(&run_with_stdin(
        d,
        &["--json", "person", "add", "--alias", "-"],
        "架空 七子\n",
    ));
    assert_eq!(p["person"]["alias"], "架空 七子");
    let pid = p["person"]["id"].as_str().unwrap().to_owned();
    // A note of several lines, piped.
    let note = "母親と玄関先で話した。\n本人は二階にいる様子。";
    let c = json(&run_with_stdin(
        d,
        &[
            "--json",
            "contact",
            "add",
            "--person",
            &pid,
            "--met",
            "family_only",
            "--accompaniment",
            "pair",
            "--observation",
            "-",
        ],
        &format!("{note}\n"),
    ));
    assert_eq!(c["contact"]["observation"], note);
    // Search by a name given on standard input.
    let found = json(&run_with_stdin(d, &["--json", "search", "-"], "七子"));
    assert_eq!(found["persons"][0]["id"], pid.as_str());
    // Two options from one pipe: refused, nothing written.
    let out = run_with_stdin(
        d,
        &["person", "update", &pid, "--alias", "-", "--summary", "-"],
        "架空 八子",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("標準入力"));
    let shown = json(&run(d, &["--json", "person", "show", &pid]));
    assert_eq!(shown["person"]["alias"], "架空 七子", "nothing changed");
    // The old way still works for scripts.
    let p = json(&run(
        d,
        &[
            "--json",
            "person",
            "update",
            &pid,
            "--summary",
            "（架空）概要",
        ],
    ));
    assert_eq!(p["person"]["summary"], "（架空）概要");
}
