//! Issue 14, items 1–4, against the real server over HTTP: one login
//! routine for the console and the API (lockout, TOTP, every failure
//! audited), the lockout counted before the password is checked (parallel
//! guesses get no more than the limit), locked per client so that guessing
//! does not lock the owner out, accounts cut off at once, and the session
//! cookie's `__Host-` prefix.

use outreach_tests::ServerProcess;
use outreach_tests::office::*;
use outreach_tests::world::{PASSWORD, seed_users};
use sync_server::engine::sessions::LOCKOUT_FAILURES;

fn server() -> ServerProcess {
    let s = ServerProcess::start_with(&["--forwarded-for"]);
    seed_users(&s);
    s
}

#[tokio::test]
async fn the_api_login_asks_for_totp_locks_out_and_audits_every_failure() {
    let s = server();
    let http = reqwest::Client::new();
    let url = s.url();
    let secret = totp_enrol(&s, "coordinator");
    // Password alone: refused, naming the missing code.
    let (st, body) = api_login(&http, &url, "coordinator", PASSWORD, None, None).await;
    assert_eq!(st, 401, "{body}");
    assert!(body.contains("totp"), "{body}");
    // A wrong code: refused.
    let (st, _) = api_login(&http, &url, "coordinator", PASSWORD, Some("000000"), None).await;
    assert_eq!(st, 401);
    // The right one: a session that works.
    let code = totp_now(&secret);
    let (st, body) = api_login(&http, &url, "coordinator", PASSWORD, Some(&code), None).await;
    assert_eq!(st, 200, "{body}");
    let token = token_of(&body);
    let r = http
        .get(format!("{url}/api/v1/cases"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Wrong passwords lock the API too, even for the right password.
    for _ in 0..LOCKOUT_FAILURES {
        let (st, _) = api_login(&http, &url, "supervisor-a", "wrong-password", None, None).await;
        assert_eq!(st, 401);
    }
    let (st, body) = api_login(&http, &url, "supervisor-a", PASSWORD, None, None).await;
    assert_eq!(st, 429, "{body}");
    // Every failure is in the audit log.
    let audit = audit_entries(&s);
    let count = |a: &str| audit.iter().filter(|e| e.1 == a).count();
    assert!(count("api.login_failed") > LOCKOUT_FAILURES, "{audit:?}");
    assert_eq!(count("api.totp_failed"), 1);
    assert_eq!(count("api.login_locked"), 1);
}

#[tokio::test]
async fn parallel_guesses_get_no_more_than_the_lockout_allows() {
    let s = server();
    let url = s.url();
    // 20 wrong passwords at once from one address, through the API and
    // through the console: the lockout is checked and counted in one write
    // before Argon2 runs, so exactly the limit is checked (the others are
    // refused as locked, or by the per-address limit).
    let mut api = Vec::new();
    for _ in 0..20 {
        let url = url.clone();
        api.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            api_login(
                &http,
                &url,
                "worker-a2",
                "wrong-password",
                None,
                Some("127.0.9.9"),
            )
            .await
            .0
        }));
    }
    let mut console = Vec::new();
    for _ in 0..20 {
        let url = url.clone();
        console.push(tokio::spawn(async move {
            let mut c = Console::new(&url).from_addr("127.0.9.10");
            c.login("worker-a3", "wrong-password").await.status
        }));
    }
    let mut api_checked = 0;
    for h in api {
        let st = h.await.unwrap();
        assert!(st == 401 || st == 429, "{st}");
        api_checked += usize::from(st == 401);
    }
    let mut console_checked = 0;
    for h in console {
        let st = h.await.unwrap();
        assert!(st == 401 || st == 429, "{st}");
        console_checked += usize::from(st == 401);
    }
    assert_eq!(api_checked, LOCKOUT_FAILURES, "API guesses checked");
    assert_eq!(console_checked, LOCKOUT_FAILURES, "console guesses checked");
    // The guesser's address is locked out; the owner, elsewhere, is not.
    let http = reqwest::Client::new();
    let (st, _) = api_login(&http, &url, "worker-a2", PASSWORD, None, Some("127.0.9.9")).await;
    assert_eq!(st, 429);
    let (st, _) = api_login(&http, &url, "worker-a2", PASSWORD, None, Some("127.0.8.8")).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn a_locked_account_opens_for_its_owner_elsewhere_or_by_unlock() {
    let s = server();
    let url = s.url();
    let mut guesser = Console::new(&url).from_addr("127.0.5.5");
    for _ in 0..LOCKOUT_FAILURES {
        assert_eq!(
            guesser.login("supervisor-a", "wrong-password").await.status,
            401
        );
    }
    // Locked for the guessing address, even with the right password.
    assert_eq!(guesser.login("supervisor-a", PASSWORD).await.status, 429);
    // The owner at the office is not locked out by it.
    let mut owner = Console::new(&url).from_addr("127.0.6.6");
    assert_eq!(owner.login("supervisor-a", PASSWORD).await.status, 303);
    // The administrator can lift the lock.
    let out = s.command(&["admin", "unlock-user", "--username", "supervisor-a"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(guesser.login("supervisor-a", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn totp_failures_count_and_only_the_second_factor_resets_the_count() {
    let s = server();
    let url = s.url();
    let secret = totp_enrol(&s, "coordinator");
    let mut c = Console::new(&url).from_addr("127.0.7.7");
    // Right password, wrong codes: each wrong code is a failure of the
    // account, and the right password did not reset the count.
    let mut failures = 0;
    while failures < LOCKOUT_FAILURES {
        let p = c.login("coordinator", PASSWORD).await;
        assert_eq!(p.status, 303, "{}", p.body);
        failures += 1; // the password step counts until the code is given
        let page = c.get("/console/login/totp").await;
        let csrf = csrf_of(&page.body).unwrap();
        let r = c
            .post(
                "/console/login/totp",
                &[("csrf", &csrf), ("code", "000000")],
            )
            .await;
        assert_eq!(r.status, 401);
        failures += 1;
    }
    assert_eq!(c.login("coordinator", PASSWORD).await.status, 429);
    // Another address: the code finishes the login and clears the count.
    let mut other = Console::new(&url).from_addr("127.0.7.8");
    assert_eq!(other.login("coordinator", PASSWORD).await.status, 303);
    let page = other.get("/console/login/totp").await;
    let csrf = csrf_of(&page.body).unwrap();
    let r = other
        .post(
            "/console/login/totp",
            &[("csrf", &csrf), ("code", &totp_now(&secret))],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(c.login("coordinator", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn deactivating_an_account_ends_every_session_and_pending_login_at_once() {
    let s = server();
    let url = s.url();
    let http = reqwest::Client::new();
    // An API session and a console session of the supervisor, and a login
    // of the coordinator waiting for its TOTP code.
    let (_, body) = api_login(&http, &url, "supervisor-a", PASSWORD, None, None).await;
    let token = token_of(&body);
    let mut console = Console::new(&url);
    assert_eq!(console.login("supervisor-a", PASSWORD).await.status, 303);
    assert_eq!(console.get("/console/reviews").await.status, 200);
    let secret = totp_enrol(&s, "coordinator");
    let mut pending = Console::new(&url);
    assert_eq!(pending.login("coordinator", PASSWORD).await.status, 303);
    let csrf = csrf_of(&pending.get("/console/login/totp").await.body).unwrap();

    for user in ["supervisor-a", "coordinator"] {
        let out = s.command(&["admin", "deactivate-user", "--username", user]);
        assert!(out.status.success(), "{out:?}");
    }
    let r = http
        .get(format!("{url}/api/v1/cases"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let p = console.get("/console/reviews").await;
    assert_eq!(p.status, 303);
    assert!(p.location.unwrap_or_default().starts_with("/console/login"));
    let r = pending
        .post(
            "/console/login/totp",
            &[("csrf", &csrf), ("code", &totp_now(&secret))],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/console/login?m=totp"));
    assert!(pending.cookie("hamura_console").is_none());
    // No new login either.
    let (st, _) = api_login(&http, &url, "supervisor-a", PASSWORD, None, None).await;
    assert_eq!(st, 401);
    let audit = audit_entries(&s);
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.1 == "admin.deactivate_user")
            .count(),
        2
    );
}

#[tokio::test]
async fn a_supervisor_deactivates_a_worker_of_the_team_from_the_console() {
    let s = server();
    let url = s.url();
    let http = reqwest::Client::new();
    let (_, body) = api_login(&http, &url, "worker-a", PASSWORD, None, None).await;
    let worker_token = token_of(&body);
    let mut sup = Console::new(&url);
    assert_eq!(sup.login("supervisor-a", PASSWORD).await.status, 303);
    let page = sup.get("/console/devices").await;
    assert!(page.body.contains("id=\"accounts\""), "{}", page.body);
    let store = store_of(&s);
    let uid = |name: &str| {
        sync_server::store::read(&*store, |tx| tx.user_by_name(name))
            .unwrap()
            .unwrap()
            .id
    };
    let csrf = csrf_of(&page.body).unwrap();
    // Another team's worker: refused.
    let r = sup
        .post(
            &format!("/console/users/{}/deactivate", uid("worker-b")),
            &[("csrf", &csrf), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, 403);
    // Their own team's: asked once more, then done.
    let path = format!("/console/users/{}/deactivate", uid("worker-a"));
    let ask = sup.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("confirm-deactivate"));
    let r = sup.post(&path, &[("csrf", &csrf), ("confirm", "1")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = http
        .get(format!("{url}/api/v1/cases"))
        .bearer_auth(&worker_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let audit = audit_entries(&s);
    assert!(audit.iter().any(|e| e.1 == "user.deactivate"));
    assert!(audit.iter().any(|e| e.1 == "console.denied"));
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_short_passwords_are_refused() {
    let s = server();
    let url = s.url();
    let http = reqwest::Client::new();
    let (_, body) = api_login(&http, &url, "supervisor-a", PASSWORD, None, None).await;
    let token = token_of(&body);
    let out = s.command(&[
        "admin",
        "reset-password",
        "--username",
        "supervisor-a",
        "--password",
        "a-new-fictitious-password",
    ]);
    assert!(out.status.success(), "{out:?}");
    let r = http
        .get(format!("{url}/api/v1/cases"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let out = s.command(&[
        "admin",
        "add-user",
        "--username",
        "short-pw",
        "--display-name",
        "架空 短い",
        "--role",
        "coordinator",
        "--password",
        "short",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
}

#[tokio::test]
async fn the_console_cookies_are_host_prefixed_over_https() {
    let s = server();
    let mut c = Console::new(&s.url());
    // Behind the city's TLS proxy.
    c.headers.push(("x-forwarded-proto".into(), "https".into()));
    let r = c.login("supervisor-a", PASSWORD).await;
    assert_eq!(r.status, 303);
    let session = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-hamura_console="))
        .unwrap_or_else(|| panic!("{:?}", r.set_cookies));
    assert!(session.contains("; Path=/;"), "{session}");
    assert!(session.contains("; Secure"), "{session}");
    assert!(!session.contains("Domain"), "{session}");
    assert_eq!(c.get("/console/reviews").await.status, 200);
    // The bare name is not taken over HTTPS (a cookie planted by another
    // host of the domain cannot stand in for it).
    let token = c.cookie("__Host-hamura_console").unwrap().to_owned();
    let mut planted = Console::new(&s.url());
    planted
        .headers
        .push(("x-forwarded-proto".into(), "https".into()));
    planted.cookies.push(("hamura_console".into(), token));
    assert_eq!(planted.get("/console/reviews").await.status, 303);
}

#[test]
fn the_demo_refuses_a_listener_off_loopback() {
    let db = sync_server::store::scratch::ScratchDb::from_env();
    let mut child = std::process::Command::new(outreach_tests::binary("sync-server"))
        .args([
            "--database",
            db.url(),
            "--key-dir",
            &db.key_dir().display().to_string(),
            "--listen",
            "0.0.0.0:0",
            "--allow-insecure-http",
            "--demo",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo server started on 0.0.0.0");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("refusing --demo"), "{err}");
}
