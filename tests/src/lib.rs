//! # outreach-tests
//!
//! End-to-end tests of the whole system: they start the real `sync-server`
//! binary and drive real clients, with faults injected between them. This
//! library holds the harness (finding the binaries, the server as a child
//! process on a free port, and the fault-injecting proxy); the scenarios live in
//! `tests/tests/`.
//!
//! It must never talk to anything but loopback, and never leave processes
//! running after a test.

use std::path::PathBuf;

pub mod ca;
pub mod cli;
pub mod office;
pub mod peer;
pub mod proxy;
pub mod server;
pub mod world;

pub use proxy::{Fault, FaultProxy};
pub use server::ServerProcess;

/// The path of a workspace binary (`sync-server`, `outreach`) built by the
/// same `cargo test` run, next to the test executable's `deps/` folder.
///
/// `cargo test --workspace` builds every binary of the workspace before it
/// runs any test; when running this crate's tests alone, build the binaries
/// first (`cargo build --workspace`).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executables live in <target>/<profile>/deps");
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace` (or `cargo test --workspace`) first",
        path.display()
    );
    path
}
