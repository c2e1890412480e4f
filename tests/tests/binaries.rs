//! The workspace's binaries start and say which version they are.

use outreach_tests::binary;
use std::process::Command;

#[test]
fn both_binaries_print_their_version() {
    for bin in ["sync-server", "outreach"] {
        let out = Command::new(binary(bin))
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
        assert!(out.status.success(), "{bin} --version failed");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(env!("CARGO_PKG_VERSION")), "{bin}: {text}");
    }
}

/// Limits that cannot work together stop the server before it opens
/// the database, with a message naming the flag.
#[test]
fn the_server_refuses_limits_that_cannot_work_together() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    for (args, flag) in [
        (
            &["--request-timeout-secs", "10", "--body-timeout-secs", "10"][..],
            "--body-timeout-secs",
        ),
        (&["--sync-in-flight", "0"][..], "--sync-in-flight"),
        (&["--session-hours", "48"][..], "--session-hours"),
        (
            &["--request-timeout-secs", "0"][..],
            "--request-timeout-secs",
        ),
    ] {
        let out = Command::new(binary("sync-server"))
            .args(["--database", &db, "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} started");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !dir.path().join("x.db").exists(),
            "{args:?} opened the database"
        );
    }
}
