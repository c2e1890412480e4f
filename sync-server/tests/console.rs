//! Handler tests of the web console (tower `oneshot` on the real router,
//! real SQLite with the demo data): every page and action, and the
//! refusals — wrong role, CSRF token missing, expired session, locked
//! account, an agency member typing another case's URL.

mod console_support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use console_support::*;
use outreach_shared::protocol::EntityKind;
use outreach_shared::{CaseStatus, ContactLog, ReviewStatus, Route};
use sync_server::console::{session, text};
use sync_server::engine::{sessions, totp};
use sync_server::store;

fn pending_contact(w: &World, supervisor: &str) -> ContactLog {
    let team = w.user(supervisor).team.unwrap();
    let recs = store::read(&*w.store, |tx| {
        sync_server::engine::records::TeamRecords::load(tx, team)
    })
    .unwrap();
    recs.contacts
        .iter()
        .filter(|c| !recs.reviews.contains_key(&c.id))
        .min_by_key(|c| (!c.has_safety_concern(), c.occurred_at))
        .cloned()
        .expect("the demo leaves logs waiting for review")
}

fn review_of(w: &World, supervisor: &str, c: &ContactLog) -> Option<outreach_shared::Review> {
    let team = w.user(supervisor).team.unwrap();
    store::read(&*w.store, |tx| {
        sync_server::engine::records::TeamRecords::load(tx, team)
    })
    .unwrap()
    .reviews
    .get(&c.id)
    .cloned()
}

#[tokio::test]
async fn css_is_served_with_print_styles() {
    let w = World::demo();
    let r = w.client().get("/console/static/console.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(r.body.contains("@media print"));
}

#[tokio::test]
async fn login_sets_a_strict_httponly_session_cookie() {
    let w = World::demo();
    let mut c = w.client();
    let page = c.get("/console/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(text::LOGIN_TITLE));
    assert!(page.csrf().is_some());
    let r = c.login("supervisor1", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(session::SESSION_COOKIE))
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    // The session token is stored hashed only.
    let token = c.cookie(session::SESSION_COOKIE).unwrap().to_owned();
    let uid = store::read(&*w.store, |tx| {
        tx.session_user(&sync_server::crypto::token_hash(&token), Utc::now())
    })
    .unwrap();
    assert_eq!(uid, Some(w.user("supervisor1").id));
    // The supervisor lands on the review queue.
    let home = c.get("/console").await;
    assert_eq!(home.location(), Some("/console/reviews"));
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, _)| a == "session.login")
    );
}

#[tokio::test]
async fn the_cookie_is_secure_when_served_over_tls() {
    let w = World::demo();
    let mut c = w.client();
    c.host = "outreach.city.hamura.example".into();
    let r = c.login("coordinator", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Over HTTPS the cookie is `__Host-` prefixed: Secure, Path=/, no
    // Domain, so no other host of the city's domain can plant or shadow it.
    let name = session::cookie_name(session::SESSION_COOKIE, true);
    assert!(name.starts_with("__Host-"));
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{:?}", r.set_cookies()));
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("Path=/;"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_japanese() {
    let w = World::demo();
    let mut c = w.client();
    let r = c.login("supervisor1", "wrong-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains(text::LOGIN_FAILED));
    assert!(c.cookie(session::SESSION_COOKIE).is_none());
    let r = c.login("nobody-at-all", "wrong-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains(text::LOGIN_FAILED));
    // Failures are kept for real accounts only (no row per guessed name).
    let key = |name: &str| {
        format!(
            "console.login_failures:{}",
            sync_server::crypto::hex(&sync_server::crypto::sha256(name.as_bytes()))
        )
    };
    let meta = |k: String| store::read(&*w.store, |tx| tx.meta(&k)).unwrap();
    assert!(meta(key("supervisor1")).is_some_and(|v| !v.is_empty()));
    assert_eq!(meta(key("nobody-at-all")), None);
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let w = World::demo();
    let mut c = w.client();
    for i in 0..sessions::LOCKOUT_FAILURES {
        let r = c.login("coordinator", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = c.login("coordinator", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains(text::LOGIN_LOCKED));
    assert!(c.cookie(session::SESSION_COOKIE).is_none());
    // Another account is not affected.
    let mut other = w.client();
    assert_eq!(
        other.login("supervisor1", DEMO_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        w.audit_actions()
            .iter()
            .filter(|(_, a, _)| a == "console.login_failed")
            .count()
            >= sessions::LOCKOUT_FAILURES
    );
}

#[tokio::test]
async fn login_without_its_csrf_token_is_refused() {
    let w = World::demo();
    let mut c = w.client();
    c.get("/console/login").await;
    let r = c
        .post(
            "/console/login",
            &[("username", "supervisor1"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(text::CSRF_REFUSED));
    assert!(c.cookie(session::SESSION_COOKIE).is_none());
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_login() {
    let w = World::demo();
    for p in [
        "/console",
        "/console/reviews",
        "/console/team",
        "/console/devices",
        "/console/cases",
        "/console/audit",
    ] {
        let r = w.client().get(p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(r.location().unwrap().starts_with("/console/login"), "{p}");
    }
}

/// A console session token made `age` ago, expiring at `expires`.
fn session_token(
    w: &World,
    username: &str,
    age: Duration,
    expires: chrono::DateTime<Utc>,
) -> String {
    let uid = w.user(username).id;
    let (raw, _) = sync_server::crypto::new_token();
    let token = format!("{}.{}", raw.as_str(), (Utc::now() - age).timestamp());
    let hash = sync_server::crypto::token_hash(&token);
    store::write(&*w.store, |tx| tx.insert_session(&hash, uid, expires)).unwrap();
    token
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let w = World::demo();
    // Idle too long: the expiry has passed.
    let token = session_token(
        &w,
        "supervisor1",
        Duration::hours(1),
        Utc::now() - Duration::minutes(1),
    );
    let mut c = w.client();
    c.cookies.push((session::SESSION_COOKIE.into(), token));
    let r = c.get("/console/reviews").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/console/login?m=expired"));
    let page = c.get("/console/login?m=expired").await;
    assert!(page.body.contains(text::SESSION_EXPIRED));
    // Past the absolute lifetime (12 hours), however recently used.
    let token = session_token(
        &w,
        "supervisor1",
        Duration::hours(13),
        Utc::now() + Duration::minutes(10),
    );
    let mut c = w.client();
    c.cookies.push((session::SESSION_COOKIE.into(), token));
    let r = c.get("/console/reviews").await;
    assert_eq!(r.location(), Some("/console/login?m=expired"));
    // A fresh one works.
    let token = session_token(
        &w,
        "supervisor1",
        Duration::minutes(1),
        Utc::now() + Duration::minutes(10),
    );
    let mut c = w.client();
    c.cookies.push((session::SESSION_COOKIE.into(), token));
    assert_eq!(c.get("/console/reviews").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_idle_timeout_slides_with_use() {
    let w = World::demo();
    let mut c = w.login("supervisor1").await;
    let token = c.cookie(session::SESSION_COOKIE).unwrap().to_owned();
    let hash = sync_server::crypto::token_hash(&token);
    // Whether the session is still valid two minutes before a full idle
    // period from now.
    let expiry = || {
        store::read(&*w.store, |tx| {
            let later = Utc::now() + Duration::minutes(sessions::IDLE_MINUTES - 2);
            tx.session_user(&hash, later)
        })
        .unwrap()
    };
    // Right after login, the session lasts the idle time, not 12 hours.
    let in_an_hour = store::read(&*w.store, |tx| {
        tx.session_user(&hash, Utc::now() + Duration::hours(1))
    })
    .unwrap();
    assert_eq!(in_an_hour, None);
    // Nearly idle: a request moves the expiry a full idle period on.
    let soon = (Utc::now() + Duration::seconds(60)).timestamp();
    let hex = sync_server::crypto::hex(&hash);
    w.db.execute_raw(&if w.db.is_postgres() {
        format!(
            "UPDATE sessions SET expires_at = to_timestamp({soon}) WHERE encode(token_hash, 'hex') = '{hex}'"
        )
    } else {
        format!("UPDATE sessions SET expires_at = {soon} WHERE hex(token_hash) = upper('{hex}')")
    })
    .unwrap();
    assert_eq!(expiry(), None);
    assert_eq!(c.get("/console/reviews").await.status, StatusCode::OK);
    assert_eq!(expiry(), Some(w.user("supervisor1").id));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let w = World::demo();
    let mut c = w.login("supervisor1").await;
    let token = c.cookie(session::SESSION_COOKIE).unwrap().to_owned();
    // Without the CSRF token, logout is refused.
    let r = c.post("/console/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post_from("/console/reviews", "/console/logout", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/console/login?m=out"));
    let uid = store::read(&*w.store, |tx| {
        tx.session_user(&sync_server::crypto::token_hash(&token), Utc::now())
    })
    .unwrap();
    assert_eq!(uid, None);
    c.cookies
        .push((session::SESSION_COOKIE.into(), token.clone()));
    assert_eq!(
        c.get("/console/reviews").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_review_queue_lists_the_teams_pending_logs() {
    let w = World::demo();
    let pending = pending_contact(&w, "supervisor1");
    let mut c = w.login("supervisor1").await;
    let r = c.get("/console/reviews").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(text::REVIEWS_TITLE));
    assert!(
        r.body
            .contains(&format!("/console/reviews/{}/approve", pending.id))
    );
    assert!(r.body.contains("令和"), "dates in the Japanese era");
    let alias = store::read(&*w.store, |tx| tx.person(pending.person_id))
        .unwrap()
        .unwrap()
        .snapshot
        .person
        .alias;
    assert!(r.body.contains(&alias), "the person's alias is shown");
    // The other team's logs are not there.
    let other = pending_contact(&w, "supervisor2");
    assert!(!r.body.contains(&other.id.to_string()));
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, _)| a == "console.view.review_queue")
    );
}

#[tokio::test]
async fn approving_a_log_goes_through_the_engine() {
    let w = World::demo();
    let log = pending_contact(&w, "supervisor1");
    let mut c = w.login("supervisor1").await;
    let uri = format!("/console/reviews/{}/approve", log.id);
    let r = c.post_from("/console/reviews", &uri, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/console/reviews?done=approved"));
    let review = review_of(&w, "supervisor1", &log).unwrap();
    assert_eq!(review.status, ReviewStatus::Approved);
    assert_eq!(review.reviewer, w.user("supervisor1").id);
    let page = c.get("/console/reviews?done=approved").await;
    assert!(page.body.contains(text::DONE_APPROVED));
    assert!(!page.body.contains(&uri));
}

#[tokio::test]
async fn returning_a_log_needs_a_comment_and_reaches_the_tablet() {
    let w = World::demo();
    let log = pending_contact(&w, "supervisor1");
    let mut c = w.login("supervisor1").await;
    let uri = format!("/console/reviews/{}/return", log.id);
    let r = c
        .post_from("/console/reviews", &uri, &[("comment", "  ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::RETURN_NEEDS_COMMENT));
    assert!(
        review_of(&w, "supervisor1", &log).is_none(),
        "nothing written"
    );
    let r = c
        .post_from(
            "/console/reviews",
            &uri,
            &[("comment", "（見本）次回は二人で訪問してください。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let review = review_of(&w, "supervisor1", &log).unwrap();
    assert_eq!(review.status, ReviewStatus::Returned);
    // The change log the tablets pull from carries the review.
    let team = w.user("supervisor1").team.unwrap();
    let changes = store::read(&*w.store, |tx| tx.changes_after(Some(team), 0, 1_000_000)).unwrap();
    assert!(
        changes
            .iter()
            .any(|ch| ch.kind == EntityKind::Review && ch.entity == log.id.0)
    );
}

#[tokio::test]
async fn a_review_without_its_csrf_token_is_refused() {
    let w = World::demo();
    let log = pending_contact(&w, "supervisor1");
    let mut c = w.login("supervisor1").await;
    let uri = format!("/console/reviews/{}/approve", log.id);
    let r = c.post(&uri, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(text::CSRF_REFUSED));
    let r = c.post(&uri, &[("csrf", "0123456789abcdef")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(review_of(&w, "supervisor1", &log).is_none());
}

#[tokio::test]
async fn supervisors_cannot_review_another_teams_log() {
    let w = World::demo();
    let other = pending_contact(&w, "supervisor2");
    let mut c = w.login("supervisor1").await;
    let r = c
        .post_from(
            "/console/reviews",
            &format!("/console/reviews/{}/approve", other.id),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(review_of(&w, "supervisor2", &other).is_none());
}

#[tokio::test]
async fn wrong_roles_are_refused() {
    let w = World::demo();
    let mut coord = w.login("coordinator").await;
    for p in ["/console/reviews", "/console/team", "/console/devices"] {
        let r = coord.get(p).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{p}");
        assert!(r.body.contains(text::FORBIDDEN));
    }
    let mut agency = w.login("agency-kikan-soudan").await;
    assert_eq!(
        agency.get("/console/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let log = pending_contact(&w, "supervisor1");
    let r = agency
        .post_from(
            "/console/cases",
            &format!("/console/reviews/{}/approve", log.id),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let case = w.cases()[0].escalation.case_id;
    let r = agency
        .post_from(
            "/console/cases",
            &format!("/console/cases/{case}/move"),
            &[("to", "triage")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut sv = w.login("supervisor1").await;
    let r = sv
        .post_from(
            "/console/reviews",
            &format!("/console/cases/{case}/move"),
            &[("to", "triage")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A supervisor sees only the own team's cases.
    let team1 = w.user("supervisor1").team.unwrap();
    let other_team_case = w
        .cases()
        .into_iter()
        .find(|c| {
            store::read(&*w.store, |tx| tx.case(c.escalation.case_id))
                .unwrap()
                .unwrap()
                .team
                != team1
        })
        .expect("a case of team 2");
    let r = sv
        .get(&format!(
            "/console/cases/{}",
            other_team_case.escalation.case_id
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Unknown console paths are an HTML page.
    let r = sv.get("/console/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains(text::NOT_FOUND));
    // A worker may log in but has no console pages.
    let mut worker = w.login("worker1").await;
    assert_eq!(worker.get("/console").await.status, StatusCode::OK);
    assert_eq!(
        worker.get("/console/reviews").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_team_overview_shows_each_worker() {
    let w = World::demo();
    let mut c = w.login("supervisor1").await;
    let r = c.get("/console/team").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&w.user("worker1").display_name));
    assert!(r.body.contains(&w.user("worker2").display_name));
    assert!(!r.body.contains(&w.user("worker3").display_name));
    assert!(r.body.contains(text::CASELOAD));
    assert!(r.body.contains(text::STRAIN_LIST));
    // Caseloads are counted (the demo gives every worker active persons).
    let row = between(&r.body, &w.user("worker1").display_name, "</tr>").unwrap();
    let first_num = between(&row, "<td class=\"num\">", "</td>").unwrap();
    assert_ne!(first_num, "0", "{row}");
}

#[tokio::test]
async fn devices_enrol_with_an_issued_code_and_are_revoked() {
    let w = World::demo();
    let mut c = w.login("supervisor1").await;
    let worker = w.user("worker1");
    let r = c
        .post_from(
            "/console/devices",
            "/console/devices/code",
            &[("user", &worker.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<svg"), "the QR code");
    let code = between(&r.body, "id=\"enrol-code\">", "<").unwrap();
    assert_eq!(code.len(), 14);
    // The QR carries the enrolment format of `shared::enrolment` with the
    // same code (this test server has no TLS: no pin).
    let qr_text = between(&r.body, "data-qr=\"", "\"")
        .unwrap()
        .replace("&amp;", "&");
    let qr = outreach_shared::enrolment::EnrolmentQr::parse(&qr_text).unwrap();
    assert_eq!(qr.code, code);
    assert!(
        qr.server.starts_with("http://") && qr.pins.is_empty(),
        "{qr:?}"
    );
    // The tablet enrols with it through the API.
    let api = w.client();
    let body = serde_json::json!({"protocol":"2.0","code":code,"device_label":"タブレット（見本）","platform":"linux"});
    let resp = api
        .app
        .clone()
        .oneshot_json("/api/v1/enroll", body, None)
        .await;
    assert_eq!(resp.0, StatusCode::OK, "{}", resp.1);
    let device = resp.1["device_id"].as_str().unwrap().to_owned();
    let token = resp.1["token"].as_str().unwrap().to_owned();
    let list = c.get("/console/devices").await;
    assert!(list.body.contains(&format!("d-{device}")));
    // Another team's supervisor may not revoke it (nor see the confirmation).
    let mut other = w.login("supervisor2").await;
    for confirm in ["0", "1"] {
        let r = other
            .post_from(
                "/console/devices",
                &format!("/console/devices/{device}/revoke"),
                &[("confirm", confirm)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "confirm={confirm}");
    }
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, e)| a == "console.denied" && e == &format!("device:{device}"))
    );
    // First a confirmation page; nothing is revoked yet.
    let r = c
        .post_from(
            "/console/devices",
            &format!("/console/devices/{device}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(text::REVOKE_CONFIRM));
    assert!(r.body.contains("confirm-revoke"));
    let active = store::read(&*w.store, |tx| tx.devices())
        .unwrap()
        .into_iter()
        .find(|d| d.id.to_string() == device)
        .unwrap();
    assert!(active.revoked_at.is_none());
    let r = c
        .post_from(
            "/console/devices",
            &format!("/console/devices/{device}/revoke"),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = c.get("/console/devices?done=revoked").await;
    assert!(list.body.contains(text::DONE_REVOKED));
    assert!(list.body.contains(text::REVOKED));
    // The tablet is told to wipe.
    let pull = serde_json::json!({"protocol":"2.0","cursor":0,"limit":10});
    let resp = api
        .app
        .clone()
        .oneshot_json("/api/v1/sync/pull", pull, Some(&token))
        .await;
    assert_eq!(resp.0, StatusCode::UNAUTHORIZED);
    assert_eq!(resp.1["action"], "wipe");
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, e)| a == "device.revoke" && e.contains(&device))
    );
}

#[tokio::test]
async fn a_supervisor_cannot_issue_codes_for_another_team() {
    let w = World::demo();
    let mut c = w.login("supervisor1").await;
    let other = w.user("worker3");
    let r = c
        .post_from(
            "/console/devices",
            "/console/devices/code",
            &[("user", &other.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post_from(
            "/console/devices",
            "/console/devices/code",
            &[("user", "not-a-uuid")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_coordinator_board_puts_emergencies_first() {
    let w = World::demo();
    let mut c = w.login("coordinator").await;
    let r = c.get("/console/cases").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(text::EMERGENCIES));
    assert!(r.body.contains("重層的支援会議") || r.body.contains("支援会議"));
    for item in w.cases() {
        assert!(r.body.contains(&item.escalation.case_id.to_string()));
    }
    let emergency = r.body.find(text::EMERGENCIES).unwrap();
    let board = r.body.find("class=\"board\"").unwrap();
    assert!(emergency < board);
}

fn received_case(w: &World, route: Route) -> Option<outreach_shared::CaseQueueItem> {
    w.cases()
        .into_iter()
        .find(|c| c.status == CaseStatus::Received && c.route == route)
}

fn case_status(w: &World, id: outreach_shared::CaseId) -> outreach_shared::CaseQueueItem {
    store::read(&*w.store, |tx| tx.case(id))
        .unwrap()
        .unwrap()
        .item
}

#[tokio::test]
async fn triage_accepts_and_returns_with_a_reason() {
    let w = World::demo();
    let item = w
        .cases()
        .into_iter()
        .find(|c| c.status == CaseStatus::Received)
        .expect("a received case in the demo");
    let id = item.escalation.case_id;
    let page = format!("/console/cases/{id}");
    let mut c = w.login("coordinator").await;
    let detail = c.get(&page).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains(text::ACCEPT));
    let r = c
        .post_from(&page, &format!("{page}/move"), &[("to", "triage")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(case_status(&w, id).status, CaseStatus::Triage);
    // Returning needs a reason; nothing is written without one.
    let r = c
        .post_from(
            &page,
            &format!("{page}/move"),
            &[("to", "returned_to_outreach"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(case_status(&w, id).status, CaseStatus::Triage);
    let r = c
        .post_from(
            &page,
            &format!("{page}/move"),
            &[
                ("to", "returned_to_outreach"),
                ("reason", "（見本）単一の機関で対応できるため"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = case_status(&w, id);
    assert_eq!(after.status, CaseStatus::ReturnedToOutreach);
    assert!(after.return_reason.unwrap().contains("単一の機関"));
    // An impossible move is a Japanese message, not a 500.
    let r = c
        .post_from(&page, &format!("{page}/move"), &[("to", "closed")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("変更できません"));
    let r = c
        .post_from(&page, &format!("{page}/move"), &[("to", "nonsense")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_support_meeting_needs_a_pledged_roster() {
    let w = World::demo();
    let item = received_case(&w, Route::SupportMeeting).expect("a 支援会議 case in the demo");
    let id = item.escalation.case_id;
    let page = format!("/console/cases/{id}");
    let mut c = w.login("coordinator").await;
    assert!(c.get(&page).await.body.contains(text::ROUTE_RULE_SM));
    c.post_from(&page, &format!("{page}/move"), &[("to", "triage")])
        .await;
    let r = c
        .post_from(
            &page,
            &format!("{page}/move"),
            &[("to", "meeting_scheduled")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::SM_NEEDS_ROSTER));
    assert_eq!(case_status(&w, id).status, CaseStatus::Triage);
    let member = w.user("agency-kikan-soudan");
    let mid = member.id.to_string();
    let r = c
        .post_from(&page, &format!("{page}/roster"), &[("user", &mid)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("守秘義務"));
    assert!(case_status(&w, id).roster.is_empty());
    let r = c
        .post_from(
            &page,
            &format!("{page}/roster"),
            &[("user", &mid), ("pledge", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_from(
            &page,
            &format!("{page}/move"),
            &[("to", "meeting_scheduled")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = case_status(&w, id);
    assert_eq!(after.status, CaseStatus::MeetingScheduled);
    assert!(after.is_on_roster(member.id));
    // The member now sees the case.
    let mut m = w.login("agency-kikan-soudan").await;
    assert_eq!(m.get(&page).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_case_with_consent_goes_to_the_multi_layered_meeting() {
    let w = World::demo();
    let item = w
        .cases()
        .into_iter()
        .find(|c| {
            c.route == Route::MultiLayeredMeeting
                && matches!(c.status, CaseStatus::Received | CaseStatus::Triage)
        })
        .expect("a 重層的支援会議 case (the person consented) in the demo");
    let id = item.escalation.case_id;
    let page = format!("/console/cases/{id}");
    let mut c = w.login("coordinator").await;
    assert!(c.get(&page).await.body.contains(text::ROUTE_RULE_ML));
    if item.status == CaseStatus::Received {
        let r = c
            .post_from(&page, &format!("{page}/move"), &[("to", "triage")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    // No roster is needed: the person consented.
    let r = c
        .post_from(
            &page,
            &format!("{page}/move"),
            &[("to", "meeting_scheduled")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(case_status(&w, id).status, CaseStatus::MeetingScheduled);
}

#[tokio::test]
async fn an_agency_member_sees_only_their_roster_even_by_url() {
    let w = World::demo();
    let member = w.user("agency-kikan-soudan");
    let cases = w.cases();
    let (mine, others): (Vec<_>, Vec<_>) = cases.iter().partition(|c| c.is_on_roster(member.id));
    let outside = others.first().expect("cases off this member's roster");
    let mut c = w.login("agency-kikan-soudan").await;
    let board = c.get("/console/cases").await;
    assert_eq!(board.status, StatusCode::OK);
    for m in &mine {
        assert!(board.body.contains(&m.escalation.case_id.to_string()));
    }
    for o in &others {
        assert!(!board.body.contains(&o.escalation.case_id.to_string()));
    }
    let id = outside.escalation.case_id;
    let r = c.get(&format!("/console/cases/{id}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(text::FORBIDDEN));
    assert!(!r.body.contains(&outside.escalation.reason));
    assert!(
        w.audit_actions()
            .iter()
            .any(|(a, act, e)| a == &member.id.to_string()
                && act == "console.denied"
                && e == &format!("case:{id}"))
    );
    // Unknown and malformed ids are 404 and 400, never 500.
    let r = c
        .get("/console/cases/01900000-0000-7000-8000-000000000000")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.get("/console/cases/not-an-id").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_audit_viewer_filters_and_verifies_the_chain() {
    let w = World::demo();
    let item = &w
        .cases()
        .into_iter()
        .find(|c| c.status == CaseStatus::MeetingScheduled)
        .expect("a scheduled case in the demo");
    let person = item.escalation.person_id;
    let case = item.escalation.case_id.to_string();
    let mut c = w.login("coordinator").await;
    c.get(&format!("/console/cases/{}", item.escalation.case_id))
        .await;
    let r = c.get("/console/audit").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(text::CHAIN_OK));
    let r = c.get(&format!("/console/audit?person={person}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("read.case"));
    let rows = r.body.matches("<tr>").count();
    assert!(rows >= 2, "header and at least one entry");
    assert!(
        r.body
            .split("<tbody>")
            .nth(1)
            .unwrap()
            .split("<tr>")
            .skip(1)
            .all(|row| row.contains(&person.to_string()) || row.contains(&case))
    );
    assert!(
        r.body.contains("case.move"),
        "the case's moves belong to the person"
    );
    assert!(r.body.contains("ケースの状況変更"), "actions in Japanese");
    let uid = w.user("coordinator").id;
    let r = c
        .get(&format!(
            "/console/audit?user={uid}&from=2020-01-01&to=2099-12-31"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("session.login"));
    // Newest first.
    let seqs: Vec<u64> = r
        .body
        .split("<td class=\"num\">")
        .skip(1)
        .filter_map(|t| t.split('<').next()?.parse().ok())
        .collect();
    assert!(
        seqs.len() > 2 && seqs.windows(2).all(|w| w[0] > w[1]),
        "{seqs:?}"
    );
    let tomorrow = outreach_shared::ja::local_date(Utc::now()) + Duration::days(1);
    let r = c.get(&format!("/console/audit?from={tomorrow}")).await;
    assert!(r.body.contains(text::NO_ENTRIES));
    let r = c.get("/console/audit?from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(text::BAD_DATE));
    // A broken chain is shown: an entry after where this server's
    // verification got to (the console verifies incrementally; the full
    // walk is `sync-server audit verify`).
    let head = store::read(&*w.store, |tx| tx.audit_head())
        .unwrap()
        .unwrap()
        .0;
    w.db.execute_raw(&format!(
        "UPDATE audit SET action = 'edited' WHERE seq = {head}"
    ))
    .unwrap();
    let r = c.get("/console/audit").await;
    assert!(r.body.contains(text::CHAIN_BROKEN));
}

#[tokio::test]
async fn totp_is_asked_when_an_administrator_requires_it() {
    let w = World::demo();
    let uid = w.user("coordinator").id;
    let secret = store::write(&*w.store, |tx| totp::enrol(tx, &w.state.keys.totp, uid)).unwrap();
    // The secret is not stored in clear.
    let stored = store::read(&*w.store, |tx| tx.meta(&format!("console.totp:{uid}")))
        .unwrap()
        .unwrap();
    assert!(!stored.contains(secret.as_str()));
    let mut c = w.client();
    let r = c.login("coordinator", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/console/login/totp"));
    assert!(c.cookie(session::SESSION_COOKIE).is_none());
    let page = c.get("/console/login/totp").await;
    assert!(page.body.contains(text::TOTP_TITLE));
    let csrf = page.csrf().unwrap();
    let r = c
        .post(
            "/console/login/totp",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    // (A one-in-a-million chance that 000000 is right is accepted.)
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains(text::TOTP_FAILED));
    let code = totp::code_for_base32(&secret, Utc::now()).unwrap();
    // The waiting login is in the store, not in this process's memory ...
    let ticket = c.cookie(session::TOTP_COOKIE).unwrap();
    let waiting = store::read(&*w.store, |tx| {
        tx.pending_login(&sync_server::crypto::token_hash(ticket), Utc::now())
    })
    .unwrap();
    assert_eq!(waiting, Some((uid, 1)), "one wrong code counted");
    // ... so the code can go to another server instance on the same database (a
    // load balancer without sticky sessions): the pending login is in the
    // store, so that instance finishes it.
    let other_store = w.db.open(&store::StoreOptions::default()).unwrap();
    let other_keys = w.db.keys(&*other_store).unwrap();
    let other = sync_server::AppState::new(other_store, sync_server::Limits::default(), other_keys)
        .unwrap();
    c.app = sync_server::app(other);
    let r = c
        .post("/console/login/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.cookie(session::SESSION_COOKIE).is_some());
    assert_eq!(c.get("/console/cases").await.status, StatusCode::OK);
    // The same code cannot be used twice.
    let mut again = w.client();
    again.login("coordinator", DEMO_PASSWORD).await;
    let csrf = again.get("/console/login/totp").await.csrf().unwrap();
    let r = again
        .post("/console/login/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// JSON calls to the API, for the device parts of the scenarios.
trait OneshotJson {
    async fn oneshot_json(
        self,
        uri: &str,
        body: serde_json::Value,
        token: Option<&str>,
    ) -> (StatusCode, serde_json::Value);
}

impl OneshotJson for axum::Router {
    async fn oneshot_json(
        self,
        uri: &str,
        body: serde_json::Value,
        token: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut req = axum::http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = self
            .oneshot(
                req.body(axum::body::Body::from(serde_json::to_vec(&body).unwrap()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let s = resp.status();
        let b = resp.into_body().collect().await.unwrap().to_bytes();
        (s, serde_json::from_slice(&b).unwrap_or_default())
    }
}

#[tokio::test]
async fn an_administrator_requires_totp_from_the_command_line() {
    let w = World::demo();
    let db = w.db.url().to_owned();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync-server"))
            .arg("--database")
            .arg(&db)
            .arg("--key-dir")
            .arg(w.db.key_dir())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let out = run(&["admin", "totp-enrol", "--username", "supervisor1"]);
    let secret = between(&out, "secret: ", "\n").unwrap();
    assert!(out.contains("otpauth://totp/"));
    let mut c = w.client();
    let r = c.login("supervisor1", DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/console/login/totp"));
    let csrf = c.get("/console/login/totp").await.csrf().unwrap();
    let code = totp::code_for_base32(&secret, Utc::now()).unwrap();
    let r = c
        .post("/console/login/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/console/team").await.status, StatusCode::OK);
    run(&["admin", "totp-disable", "--username", "supervisor1"]);
    let mut plain = w.client();
    let r = plain.login("supervisor1", DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/console"));
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, _)| a == "admin.totp_enrol")
    );
}

#[tokio::test]
async fn meetings_are_recorded_and_printed_for_the_roster_only() {
    let w = World::demo();
    let item = w
        .cases()
        .into_iter()
        .find(|c| {
            c.status.is_open()
                && !c.roster.is_empty()
                && store::read(&*w.store, |tx| tx.meetings_of_case(c.escalation.case_id))
                    .unwrap()
                    .is_empty()
        })
        .expect("a case with a roster and no meeting in the demo");
    let id = item.escalation.case_id;
    let member = item.roster[0].user;
    let page = format!("/console/cases/{id}");
    let uri = format!("{page}/meetings");
    let today = outreach_shared::ja::local_date(Utc::now()).to_string();
    let attend = format!("attend_{member}");
    let role = format!("role_{member}");
    let mut c = w.login("coordinator").await;
    let count = || {
        store::read(&*w.store, |tx| tx.meetings_of_case(id))
            .unwrap()
            .len()
    };
    // Refusals first: nothing is written.
    let r = c
        .post(&uri, &[("held_on", &today), ("purpose", "planning")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = c
        .post_from(
            &page,
            &uri,
            &[("held_on", &today), ("purpose", "planning"), (&attend, "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::MEETING_NEEDS_DECISIONS));
    let r = c
        .post_from(
            &page,
            &uri,
            &[
                ("held_on", "2099-01-01"),
                ("purpose", "planning"),
                (&attend, "1"),
                ("decisions", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_from(
            &page,
            &uri,
            &[
                ("held_on", &today),
                ("purpose", "planning"),
                ("decisions", "x"),
            ],
        )
        .await;
    assert!(r.body.contains(text::MEETING_NEEDS_ATTENDEE));
    // A meeting scheduled ahead needs a date from today on.
    let r = c
        .post_from(
            &page,
            &uri,
            &[
                ("state", "scheduled"),
                ("held_on", "2020-01-01"),
                ("purpose", "closure"),
                ("place", "（見本）会議室"),
                (&format!("invite_{member}"), "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::SCHEDULE_IN_PAST));
    assert_eq!(count(), 0);
    let r = c
        .post_from(
            &page,
            &uri,
            &[
                ("held_on", &today),
                ("purpose", "planning"),
                (&attend, "1"),
                (&role, "（見本）本人への訪問に同行する"),
                ("decisions", "（見本）月1回の同行訪問を行う"),
                ("plan", "（見本）3か月後に見直す"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count(), 1);
    let detail = c.get(&format!("{page}?done=meeting")).await;
    assert!(detail.body.contains(text::DONE_MEETING));
    assert!(detail.body.contains("月1回の同行訪問"));
    let agenda = c.get(&format!("{page}/agenda")).await;
    assert_eq!(agenda.status, StatusCode::OK);
    assert!(agenda.body.contains("月1回の同行訪問"));
    assert!(agenda.body.contains("本人への訪問に同行する"));
    assert!(!agenda.body.contains("架空の記録"), "no contact logs");
    assert!(!agenda.body.contains("振り返りの見本"), "no reflections");
    // The member on the roster reads the agenda; another member may not.
    let username = w
        .cases()
        .into_iter()
        .find(|x| x.escalation.case_id == id)
        .unwrap()
        .roster[0]
        .agency
        .0
        .clone();
    let mut m = w.login(&format!("agency-{username}")).await;
    assert_eq!(
        m.get(&format!("{page}/agenda")).await.status,
        StatusCode::OK
    );
    let outsider = [
        "agency-kikan-soudan",
        "agency-kodomo-katei",
        "agency-shakyo",
    ]
    .into_iter()
    .find(|u| !item.is_on_roster(w.user(u).id))
    .unwrap();
    let mut o = w.login(outsider).await;
    assert_eq!(
        o.get(&format!("{page}/agenda")).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, e)| a == "case.meeting" && e.contains(&id.to_string()))
    );
}

#[tokio::test]
async fn the_evaluation_report_is_anonymised_with_charts_and_csv() {
    let w = World::demo();
    let today = outreach_shared::ja::local_date(Utc::now());
    let period = format!("from={}&to={today}", today - Duration::days(365));
    let mut c = w.login("coordinator").await;
    let r = c.get(&format!("/console/report?{period}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for vp in [text::VP1, text::VP2, text::VP3, text::VP4] {
        assert!(r.body.contains(vp), "{vp}");
    }
    assert!(r.body.matches("<svg").count() >= 3, "three charts");
    // Figures were computed from the demo data.
    let contacts = between(
        &r.body,
        &format!("<dt>{}</dt><dd><strong>", text::M_CONTACTS),
        "<",
    )
    .unwrap();
    assert!(contacts.parse::<usize>().unwrap() > 50, "{contacts}");
    // Nobody is identifiable: no alias, no person or user id, no staff name.
    let all = store::read(&*w.store, |tx| {
        let mut v = Vec::new();
        for t in tx.teams()? {
            v.push(sync_server::engine::records::TeamRecords::load(tx, t.id)?);
        }
        Ok::<_, store::StoreError>(v)
    })
    .unwrap();
    for p in all.iter().flat_map(|t| t.persons.values()) {
        assert!(!r.body.contains(&p.alias), "alias in the report");
        assert!(!r.body.contains(&p.id.to_string()));
    }
    for u in ["worker1", "worker2", "worker3", "worker4"] {
        assert!(!r.body.contains(&w.user(u).display_name));
    }
    let csv = c.get(&format!("/console/report.csv?{period}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.body.starts_with('\u{feff}'));
    assert!(csv.body.contains(text::VP4) && csv.body.contains(text::M_LOST));
    assert!(!csv.body.contains(&w.user("worker1").display_name));
    // A bad period is a Japanese 400; other roles are refused.
    let bad = c.get("/console/report?from=2026-05-01&to=2026-04-01").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains(text::REPORT_BAD_PERIOD));
    let mut sv = w.login("supervisor2").await;
    assert_eq!(sv.get("/console/report").await.status, StatusCode::OK);
    let mut agency = w.login("agency-shakyo").await;
    assert_eq!(
        agency.get("/console/report").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        agency.get("/console/report.csv").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, _)| a == "read.report_csv")
    );
}

#[tokio::test]
async fn every_form_refuses_a_post_without_its_csrf_token() {
    let w = World::demo();
    let log = pending_contact(&w, "supervisor1").id;
    let device = "01900000-0000-7000-8000-000000000001";
    let worker = w.user("worker1").id.to_string();
    let case = w.cases()[0].escalation.case_id;
    let before = w.audit_actions().len();
    let mut sv = w.login("supervisor1").await;
    for uri in [
        format!("/console/reviews/{log}/approve"),
        format!("/console/reviews/{log}/return"),
        "/console/devices/code".to_owned(),
        format!("/console/devices/{device}/revoke"),
        "/console/logout".to_owned(),
    ] {
        for csrf in [None, Some("wrong"), Some("")] {
            let mut form: Vec<(&str, &str)> =
                vec![("comment", "（見本）"), ("user", &worker), ("confirm", "1")];
            if let Some(t) = csrf {
                form.push(("csrf", t));
            }
            let r = sv.post(&uri, &form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri} {csrf:?}");
            assert!(r.body.contains(text::CSRF_REFUSED), "{uri}");
        }
    }
    let mut coord = w.login("coordinator").await;
    for uri in [
        format!("/console/cases/{case}/move"),
        format!("/console/cases/{case}/roster"),
        format!("/console/cases/{case}/meetings"),
    ] {
        let r = coord
            .post(&uri, &[("to", "triage"), ("user", &worker)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(r.body.contains(text::CSRF_REFUSED), "{uri}");
    }
    // Nothing was written but the two logins.
    let after = w.audit_actions();
    assert_eq!(
        after[before..]
            .iter()
            .map(|(_, a, _)| a.as_str())
            .collect::<Vec<_>>(),
        ["session.login", "session.login"]
    );
    // The sessions still work (logout was refused too).
    assert_eq!(sv.get("/console/team").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_review_queue_audits_each_person_whose_notes_it_shows() {
    let w = World::demo();
    let mut c = w.login("supervisor1").await;
    let r = c.get("/console/reviews").await;
    assert_eq!(r.status, StatusCode::OK);
    let sup = w.user("supervisor1");
    let team = sup.team.unwrap();
    let (_, pending) = store::read(&*w.store, |tx| {
        sync_server::engine::records::review_queue(tx, &w.caller("supervisor1"), team)
    })
    .unwrap();
    let persons: std::collections::BTreeSet<_> = pending.iter().map(|c| c.person_id).collect();
    assert!(!persons.is_empty());
    // "Who saw person P" finds the supervisor's view of P's notes.
    for p in persons {
        let (entries, _) = store::read(&*w.store, |tx| {
            sync_server::engine::audit_log::search(
                tx,
                &w.caller("coordinator"),
                &sync_server::engine::audit_log::AuditFilter {
                    person: Some(p),
                    ..Default::default()
                },
            )
        })
        .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.action == "console.view.review_queue" && e.actor == sup.id.to_string()),
            "{p}: {entries:?}"
        );
    }
}

#[tokio::test]
async fn a_supervisor_sees_only_their_own_teams_audit_entries() {
    let w = World::demo();
    // Both supervisors look at their review queues.
    let mut a = w.login("supervisor1").await;
    assert_eq!(a.get("/console/reviews").await.status, StatusCode::OK);
    let mut b = w.login("supervisor2").await;
    assert_eq!(b.get("/console/reviews").await.status, StatusCode::OK);
    let other = w.user("supervisor2").id.to_string();
    let mine = w.user("supervisor1").id.to_string();
    let r = a.get("/console/audit").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&w.user("supervisor1").display_name));
    // supervisor2's entries (their team's persons) are not shown, nor
    // offered in the user list.
    assert!(!r.body.contains(&other), "another team's entries are shown");
    let (entries, users) = store::read(&*w.store, |tx| {
        sync_server::engine::audit_log::search(tx, &w.caller("supervisor1"), &Default::default())
    })
    .unwrap();
    assert!(entries.iter().any(|e| e.actor == mine));
    assert!(entries.iter().all(|e| e.actor != other));
    assert!(!users.contains_key(&other));
    // A coordinator sees everyone's.
    let (entries, _) = store::read(&*w.store, |tx| {
        sync_server::engine::audit_log::search(tx, &w.caller("coordinator"), &Default::default())
    })
    .unwrap();
    assert!(entries.iter().any(|e| e.actor == other));
}

#[tokio::test]
async fn the_report_hides_strain_over_a_short_period_and_small_counts() {
    let w = World::demo();
    let mut c = w.login("coordinator").await;
    let today = outreach_shared::ja::local_date(Utc::now());
    let r = c
        .get(&format!("/console/report?from={today}&to={today}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(text::STRAIN_PERIOD_TOO_SHORT), "{}", r.body);
    let csv = c
        .get(&format!("/console/report.csv?from={today}&to={today}"))
        .await;
    assert!(csv.body.contains(text::STRAIN_PERIOD_TOO_SHORT));
    // Over the year, a count under 5 is shown as such, never exactly.
    let r = c.get("/console/report").await;
    let strain_row = r
        .body
        .split(text::M_STRAIN)
        .nth(1)
        .and_then(|t| t.split("</tr>").next())
        .unwrap_or_default()
        .to_owned();
    for n in 1..sync_server::engine::records::MIN_CELL {
        assert!(
            !strain_row.contains(&format!(">{n}<")),
            "{n} shown exactly: {strain_row}"
        );
    }
}

/// A person of `worker`'s caseload (their team, assigned to them) from the
/// demo data.
fn person_of(w: &World, worker: &str) -> outreach_shared::Person {
    let u = w.user(worker);
    let team = u.team.unwrap();
    let recs = store::read(&*w.store, |tx| {
        sync_server::engine::records::TeamRecords::load(tx, team)
    })
    .unwrap();
    recs.persons
        .into_values()
        .find(|p| p.assigned_worker == Some(u.id) && p.stage != outreach_shared::Stage::Closed)
        .expect("the demo gives every worker persons")
}

#[tokio::test]
async fn a_supervisor_hands_a_person_over_on_the_team_page() {
    let w = World::demo();
    let p = person_of(&w, "worker1");
    let to = w.user("worker2");
    let mut c = w.login("supervisor1").await;
    let page = c.get("/console/team").await;
    assert!(page.body.contains(text::HANDOVER_TITLE));
    assert!(page.body.contains(&format!("value=\"{}\"", p.id)));
    let r = c
        .post_from(
            "/console/team",
            "/console/team/handover",
            &[
                ("person", &p.id.to_string()),
                ("worker", &to.id.to_string()),
                ("note", "（架空）次回は母の通院日に訪問してください"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/console/team?done=handover"));
    let done = c.get("/console/team?done=handover").await;
    assert!(done.body.contains(text::DONE_HANDOVER));
    let snap = store::read(&*w.store, |tx| tx.person(p.id))
        .unwrap()
        .unwrap();
    assert_eq!(snap.snapshot.person.assigned_worker, Some(to.id));
    assert_eq!(
        snap.snapshot.handover.unwrap().note,
        "（架空）次回は母の通院日に訪問してください"
    );
    // A missing note is refused in Japanese, and nothing changes.
    let r = c
        .post_from(
            "/console/team",
            "/console/team/handover",
            &[
                ("person", &p.id.to_string()),
                ("worker", &w.user("worker1").id.to_string()),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("引き継ぎメモを入力してください"),
        "{}",
        r.body
    );
    // Another team's supervisor cannot, even with a valid form.
    let mut other = w.login("supervisor2").await;
    let r = other
        .post_from(
            "/console/team",
            "/console/team/handover",
            &[
                ("person", &p.id.to_string()),
                ("worker", &w.user("worker1").id.to_string()),
                ("note", "（架空）メモ"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let snap = store::read(&*w.store, |tx| tx.person(p.id))
        .unwrap()
        .unwrap();
    assert_eq!(snap.snapshot.person.assigned_worker, Some(to.id));
}

#[tokio::test]
async fn an_unconfirmed_visit_tops_the_team_page_of_its_teams_supervisors_only() {
    let w = World::demo();
    let mut p = person_of(&w, "worker1");
    let worker = w.user("worker1");
    let now = Utc::now();
    // The tablet's 訪問開始 as the push stores it (the push itself is
    // tested in tests/handover.rs): 2 h ago, expected 60 min.
    let visit = store::VisitRow {
        id: outreach_shared::VisitId::new_v7(1, [7; 10]),
        team: worker.team.unwrap(),
        worker: worker.id,
        person: p.id,
        started_at: now - Duration::hours(2),
        expected_end: now - Duration::hours(1),
        ended_at: None,
    };
    store::write(&*w.store, |tx| tx.put_visit(&visit)).unwrap();
    p.area = outreach_shared::AreaCode::new("sakaecho", 2);
    store::write(&*w.store, |tx| {
        let mut row = tx.person(p.id)?.unwrap();
        row.snapshot.person.area = p.area.clone();
        tx.put_person(&row)
    })
    .unwrap();

    let mut c = w.login("supervisor1").await;
    let page = c.get("/console/team").await;
    assert_eq!(page.status, StatusCode::OK);
    let top = between(&page.body, "id=\"unconfirmed\"", "</section>").expect("帰着未確認 shown");
    assert!(top.contains(text::UNCONFIRMED_TITLE));
    assert!(top.contains(&worker.display_name));
    assert!(top.contains("栄町2丁目"));
    assert!(!top.contains(&p.alias), "no person's name, only the area");
    assert!(
        page.body.find("id=\"unconfirmed\"").unwrap() < page.body.find("id=\"workers\"").unwrap(),
        "on top of the page"
    );
    let mut other = w.login("supervisor2").await;
    let page = other.get("/console/team").await;
    assert!(!page.body.contains(text::UNCONFIRMED_TITLE));

    // Finished: gone from the page.
    store::write(&*w.store, |tx| {
        tx.put_visit(&store::VisitRow {
            ended_at: Some(now),
            ..visit.clone()
        })
    })
    .unwrap();
    let page = c.get("/console/team").await;
    assert!(!page.body.contains(text::UNCONFIRMED_TITLE));
}
