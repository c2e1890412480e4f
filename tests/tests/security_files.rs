//! Issue 14, items 7, 9 (the anchor) and 14, against the real server and
//! its commands: what of a 支援会議 case leaves in the LGWAN feed, the
//! feed file's signed trailer, its audit and mode, the service credential
//! of the city's systems, the database's and key files' modes, and the
//! audit chain checked against anchors kept off the server.

use outreach_shared::Urgency;
use outreach_tests::ServerProcess;
use outreach_tests::office::*;
use outreach_tests::world::{Device, PASSWORD, seed_users};
use sync_server::store;

fn run(s: &ServerProcess, args: &[&str]) -> (bool, String, String) {
    let out = s.command(args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A server with one 支援会議 case (no consent) and one under consent.
async fn server_with_cases() -> ServerProcess {
    let s = ServerProcess::start();
    seed_users(&s);
    let mut d = Device::enroll(&s, "worker-a").await;
    let p1 = d.add_person("架空 一郎");
    d.escalate(p1.id, Urgency::High);
    let p2 = d.add_person("架空 二郎");
    d.consent(p2.id);
    d.escalate(p2.id, Urgency::Normal);
    d.sync().await.expect("sync");
    s
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_support_meeting_case_leaves_as_its_status_only() {
    let s = server_with_cases().await;
    let http = reqwest::Client::new();
    let (_, body) = api_login(&http, &s.url(), "coordinator", PASSWORD, None, None).await;
    let token = token_of(&body);
    let page: serde_json::Value = http
        .get(format!("{}/api/v1/feed/cases", s.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    for i in items {
        let item = &i["item"];
        if item["route"] == "support_meeting" {
            assert_eq!(item["escalation"]["reason"], "", "{item}");
            assert!(item["escalation"]["fields"].as_array().unwrap().is_empty());
            assert!(
                item["escalation"]["agencies_involved"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
        } else {
            assert_ne!(item["escalation"]["reason"], "", "{item}");
        }
        assert!(item["roster"].as_array().unwrap().is_empty());
    }
    // The page is audited with its range and count.
    let audit = audit_entries(&s);
    assert!(
        audit
            .iter()
            .any(|e| e.1 == "feed.export" && e.2.contains("count:2")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_feed_file_is_private_audited_and_a_deleted_line_is_found() {
    let s = server_with_cases().await;
    let file = s.dir().join("feed.jsonl");
    let f = file.display().to_string();
    let (ok, out, err) = run(
        &s,
        &[
            "feed",
            "export",
            "--out",
            &f,
            "--operator",
            "kakuu-operator",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("2 items"), "{out}");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let audit = audit_entries(&s);
    let e = audit
        .iter()
        .find(|e| e.1 == "feed.export" && e.0 == "admin-cli")
        .expect("the export is audited");
    assert!(e.2.contains("after:0") && e.2.contains("count:2"), "{e:?}");
    assert!(e.3.contains("kakuu-operator"), "{e:?}");
    // The support-meeting case left without its reason in the file too.
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"reason\":\"\""), "{text}");
    let (_, key, _) = run(&s, &["feed", "key"]);
    let key = key.trim().to_owned();
    let (ok, out, _) = run(&s, &["feed", "verify", "--key", &key, &f]);
    assert!(ok, "{out}");
    // Delete one line: every remaining line is still signed, but the
    // trailer no longer matches.
    let lines: Vec<&str> = text.lines().collect();
    let cut = s.dir().join("cut.jsonl");
    std::fs::write(&cut, format!("{}\n{}\n", lines[1], lines[2])).unwrap();
    let (ok, out, _) = run(
        &s,
        &["feed", "verify", "--key", &key, &cut.display().to_string()],
    );
    assert!(!ok);
    assert!(out.contains("REJECTED") && out.contains("trailer"), "{out}");
    // Cut the trailer off: refused too.
    let head = s.dir().join("head.jsonl");
    std::fs::write(&head, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let (ok, out, _) = run(
        &s,
        &["feed", "verify", "--key", &key, &head.display().to_string()],
    );
    assert!(!ok);
    assert!(out.contains("no signed trailer"), "{out}");
}

#[tokio::test]
async fn a_service_credential_reads_the_feed_and_nothing_else() {
    let s = server_with_cases().await;
    let (ok, out, err) = run(&s, &["admin", "add-service", "--name", "city-lgwan"]);
    assert!(ok, "{err}");
    let token = out
        .split("token: ")
        .nth(1)
        .and_then(|t| t.lines().next())
        .unwrap()
        .trim()
        .to_owned();
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", s.url()))
            .bearer_auth(&token)
            .send()
    };
    let r = get("/api/v1/feed/cases").await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    for path in [
        "/api/v1/cases",
        "/api/v1/persons/0190aaaa-0000-7000-8000-000000000000",
    ] {
        assert_eq!(get(path).await.unwrap().status(), 403, "{path}");
    }
    let audit = audit_entries(&s);
    assert!(
        audit
            .iter()
            .any(|e| e.0 == "service:city-lgwan" && e.1 == "read.feed")
    );
    let (ok, _, _) = run(&s, &["admin", "revoke-service", "--name", "city-lgwan"]);
    assert!(ok);
    assert_eq!(get("/api/v1/feed/cases").await.unwrap().status(), 401);
}

#[tokio::test]
async fn keys_live_in_private_files_and_the_database_is_private() {
    let s = ServerProcess::start();
    seed_users(&s);
    let secret = totp_enrol(&s, "coordinator");
    assert!(!secret.is_empty());
    let keys = s.key_dir();
    for f in ["feed-signing.key", "totp-seal.key", "audit-anchor.key"] {
        let p = keys.join(f);
        assert!(p.exists(), "{f}");
        #[cfg(unix)]
        assert_eq!(mode(&p), 0o600, "{f}");
    }
    // A copy of the database holds neither key.
    let st = store_of(&s);
    for k in ["feed_signing_key", "console.totp_seal_key"] {
        let v = store::read(&*st, |tx| tx.meta(k)).unwrap();
        assert!(v.is_none_or(|v| v.is_empty()), "{k} is in the database");
    }
    if !s.is_postgres() {
        let db = keys.join("outreach.db");
        #[cfg(unix)]
        {
            assert_eq!(mode(&db), 0o600);
            // This test's folder was made by the test harness with the
            // umask: the server warns about it loudly.
            if mode(keys) & 0o077 != 0 {
                assert!(
                    s.log().contains("the database folder"),
                    "no warning in the log:\n{}",
                    s.log()
                );
            }
            // A folder the server makes itself is 0700, its file 0600.
            let fresh = tempfile::tempdir().unwrap();
            let path = fresh.path().join("new/data/outreach.db");
            let out = std::process::Command::new(outreach_tests::binary("sync-server"))
                .arg("--database")
                .arg(format!("sqlite://{}", path.display()))
                .args(["admin", "list-users"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&path), 0o600);
            // A database file others may read is refused at start.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
            let (ok, _, err) = run(&s, &["admin", "list-users"]);
            assert!(!ok);
            assert!(err.contains("chmod 600"), "{err}");
        }
    }
}

#[tokio::test]
async fn a_rewritten_audit_chain_passes_its_own_check_but_not_the_anchors() {
    let s = server_with_cases().await;
    let anchors = s.dir().join("anchors.jsonl");
    let a = anchors.display().to_string();
    let (ok, _, err) = run(&s, &["audit", "anchor", "--out", &a]);
    assert!(ok, "{err}");
    #[cfg(unix)]
    assert_eq!(mode(&anchors), 0o600);
    let (_, key, _) = run(&s, &["audit", "anchor-key"]);
    let key = key.trim().to_owned();
    let (ok, out, _) = run(
        &s,
        &["audit", "verify", "--anchors", &a, "--anchor-key", &key],
    );
    assert!(ok, "{out}");
    // An insider with write access rewrites entry 2 and every hash after
    // it, and the recorded head: the chain is consistent again.
    let st = store_of(&s);
    let mut rows = store::read(&*st, |tx| tx.audit_entries(0, 1_000_000)).unwrap();
    rows[1].action = "rewritten".into();
    for i in 1..rows.len() {
        rows[i].prev_hash = rows[i - 1].hash.clone();
        rows[i].hash = sync_server::audit::entry_hash(&rows[i]);
    }
    for r in &rows[1..] {
        s.execute_raw(&format!(
            "UPDATE audit SET action = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
            r.action, r.prev_hash, r.hash, r.seq
        ));
    }
    let last = rows.last().unwrap();
    s.execute_raw(&format!(
        "UPDATE meta SET value = '{}:{}' WHERE key = 'audit_head'",
        last.seq, last.hash
    ));
    let (ok, out, _) = run(&s, &["audit", "verify"]);
    assert!(ok, "the rewritten chain verifies on its own: {out}");
    let (ok, out, _) = run(
        &s,
        &["audit", "verify", "--anchors", &a, "--anchor-key", &key],
    );
    assert!(!ok);
    assert!(out.contains("BROKEN") && out.contains("rewritten"), "{out}");
}

#[tokio::test]
async fn the_server_writes_anchors_on_its_own() {
    let t = tempfile::tempdir().unwrap();
    let anchors = t.path().join("anchors.jsonl");
    let a = anchors.display().to_string();
    let mut s = ServerProcess::start_with(&["--audit-anchor-file", &a]);
    seed_users(&s);
    // At start (and every --audit-anchor-minutes) the head is anchored.
    s.restart();
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&anchors)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no anchor written; log:\n{}",
            s.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    #[cfg(unix)]
    assert_eq!(mode(&anchors), 0o600);
    let (_, key, _) = run(&s, &["audit", "anchor-key"]);
    let (ok, out, _) = run(
        &s,
        &[
            "audit",
            "verify",
            "--anchors",
            &a,
            "--anchor-key",
            key.trim(),
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("1 anchors match"), "{out}");
}
