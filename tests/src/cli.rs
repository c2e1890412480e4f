//! The `outreach` CLI as a worker's tablet in a test: one data folder and
//! device secret per tablet under a temporary folder, the PIN from the
//! environment, and the answers read as JSON (`--json`).

use crate::binary;
use crate::world::PIN;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `outreach` for the tablet whose files live under `dir` (its data
/// folder `dir/data`, its device secret `dir/device.key`), unlocked with
/// [`PIN`].
pub fn outreach(dir: &Path, args: &[&str]) -> Output {
    Command::new(binary("outreach"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--device-secret")
        .arg(dir.join("device.key"))
        .args(args)
        .env("OUTREACH_PIN", PIN)
        .env("OUTREACH_NEW_PIN", PIN)
        .output()
        .expect("run outreach")
}

/// Asserts that the command succeeded and returns its JSON answer.
pub fn json(out: &Output) -> Value {
    assert_succeeded(out);
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// Asserts that the command succeeded; its JSON answer, or `Null` for a
/// command that prints none.
pub fn ok(out: &Output) -> Value {
    assert_succeeded(out);
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn assert_succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}
