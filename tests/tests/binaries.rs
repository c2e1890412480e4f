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
        (&["--read-slots", "0"][..], "--read-slots"),
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

/// The PostgreSQL pool's flags are checked before the database is opened:
/// a URL where nothing listens, and the refusal names the flag, not the
/// connection.
#[test]
fn the_server_refuses_pool_settings_that_cannot_work_before_connecting() {
    let db = "postgres://outreach@%2Fnonexistent-outreach-socket/outreach";
    for (args, flag) in [
        (&["--pg-pool", "1"][..], "--pg-pool must be at least 2"),
        (&["--pg-pool-wait-ms", "0"][..], "--pg-pool-wait-ms"),
        (
            &["--pg-pool-wait-ms", "60000", "--request-timeout-secs", "60"][..],
            "--pg-pool-wait-ms",
        ),
        (&["--pg-pool", "4", "--read-slots", "4"][..], "--read-slots"),
    ] {
        let out = Command::new(binary("sync-server"))
            .args(["--database", db, "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(!err.contains("cannot connect"), "{args:?}: {err}");
    }
}

/// `migrate-store` refuses what it cannot copy with exit 1 and a clear
/// message, before touching any database.
#[test]
fn migrate_store_refuses_wrong_urls_and_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}/none.db", dir.path().display());
    for (args, says) in [
        (
            vec![
                "--from",
                "postgres://a@%2Fx/y",
                "--to",
                "postgres://a@%2Fx/z",
            ],
            "--from must be the SQLite store",
        ),
        (
            vec!["--from", &missing, "--to", "sqlite://elsewhere.db"],
            "--to must be the new PostgreSQL database",
        ),
        (
            vec!["--from", &missing, "--to", "postgres://a@%2Fx/z"],
            "no SQLite database at",
        ),
    ] {
        let out = Command::new(binary("sync-server"))
            .arg("migrate-store")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(
        !dir.path().join("none.db").exists(),
        "a missing source is not created"
    );
}

/// The admin commands scripts call answer JSON with `--json`, and the exit
/// codes are the documented ones: 0 done, 1 refused, 2 a usage error.
#[test]
fn admin_commands_answer_json_for_scripts_with_documented_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    let run = |args: &[&str]| {
        Command::new(binary("sync-server"))
            .args(["--database", &db])
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["demo"]).status.success());
    let out = run(&["admin", "list-users", "--json"]);
    assert!(out.status.success());
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let worker = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "worker1")
        .expect("the demo worker");
    assert_eq!(worker["active"], true);
    assert!(worker["id"].as_str().unwrap().len() == 36);
    let out = run(&["admin", "issue-code", "--username", "worker1", "--json"]);
    assert!(out.status.success());
    let code: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(code["username"], "worker1");
    assert!(code["code"].as_str().unwrap().len() >= 8);
    assert!(
        code["expires_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            > chrono::Utc::now()
    );
    let out = run(&["admin", "list-devices", "--json"]);
    assert!(out.status.success());
    let devices: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(devices.is_array());
    // Refused: an account that does not exist.
    let out = run(&[
        "admin",
        "issue-code",
        "--username",
        "no-such-user",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    // A usage error.
    assert_eq!(
        run(&["admin", "list-users", "--no-such-flag"])
            .status
            .code(),
        Some(2)
    );
}
