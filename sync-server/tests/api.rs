//! Router-level tests: every endpoint and every error, against a real SQLite
//! file, through `app(state)` with tower's `oneshot`.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use serde_json::json;
use sync_server::Limits;
use sync_server::store::{self, Tx};

fn count(w: &World, sql_table: &str) -> u64 {
    let t = sql_table.to_owned();
    store::read(
        &*w.store,
        move |tx: &mut dyn Tx| -> Result<u64, store::StoreError> {
            match t.as_str() {
                "contacts" => tx.contact_count(),
                _ => unreachable!(),
            }
        },
    )
    .unwrap()
}

#[tokio::test]
async fn healthz_and_openapi_cover_every_route() {
    let w = World::new();
    let (s, v) = w.call("GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    let backend = if w.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(v["backend"], backend);
    let (s, doc) = w.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    // Every documented route exists in the router (never the 404 fallback).
    for r in sync_server::api::routes::table() {
        assert!(
            doc["paths"][r.path][r.method].is_object(),
            "{} missing",
            r.path
        );
        let uri = r
            .path
            .replace("{id}", "0190a0a0-0000-7000-8000-000000000000")
            .replace("{meeting}", "0190a0a0-0000-7000-8000-000000000001");
        let (s, v) = w
            .call(&r.method.to_uppercase(), &uri, None, Some(json!({})))
            .await;
        assert!(
            !(s == StatusCode::NOT_FOUND && v["message"] == "no such endpoint"),
            "{} {} not routed",
            r.method,
            r.path
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_error_bodies() {
    let w = World::new();
    let (s, v) = w.call("GET", "/api/v1/nothing", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "not_found");
    let (s, v) = w.call("GET", "/api/v1/sync/push", None, None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["code"], "invalid_request");
}

#[tokio::test]
async fn guessing_enrolment_codes_is_limited_per_address_and_a_valid_code_passes() {
    let w = World::new();
    let guess = |n: usize| json!({"protocol":"2.0","code":format!("AAAA-BBBB-{n:04}"),"device_label":"架空","platform":"linux"});
    let mut wrong = 0;
    let mut limited = None;
    for n in 0..40 {
        let (s, v) = w
            .call_from(
                "127.0.0.2:5000",
                "POST",
                "/api/v1/enroll",
                None,
                Some(guess(n)),
            )
            .await;
        match s {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(v["code"], "rate_limited");
                limited = Some(n);
                break;
            }
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!(
        wrong, 10,
        "10 wrong codes at once from one address are answered"
    );
    assert_eq!(limited, Some(10), "then that address waits");
    // Another address is not held up by it.
    let (s, _) = w
        .call_from(
            "127.0.0.3:5000",
            "POST",
            "/api/v1/enroll",
            None,
            Some(guess(99)),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // And a valid code passes even from the limited address.
    let user = w.user("w-enrol", Role::OutreachWorker, Some("班A（見本）"), None);
    let code =
        sync_server::admin::issue_code(&*w.store, "w-enrol", Duration::minutes(15), Utc::now())
            .unwrap();
    let (s, v) = w
        .call_from(
            "127.0.0.2:5000",
            "POST",
            "/api/v1/enroll",
            None,
            Some(json!({"protocol": ProtocolVersion::CURRENT,"code": code.as_str(),"device_label":"架空","platform":"linux"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user_id"], user.to_string());
}

#[tokio::test]
async fn enrolment_code_is_single_use_and_short_lived() {
    let w = World::new();
    let user = w.user("w1", Role::OutreachWorker, Some("班A（見本）"), None);
    let code =
        sync_server::admin::issue_code(&*w.store, "w1", Duration::minutes(15), Utc::now()).unwrap();
    let body = json!({"protocol":"2.0","code": code.as_str(),"device_label":"タブレット1","platform":"android"});
    let (s, v) = w
        .call("POST", "/api/v1/enroll", None, Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user_id"], user.to_string());
    assert_eq!(
        v["token"].as_str().unwrap().len(),
        43,
        "256-bit base64url token"
    );
    // The token is stored only hashed.
    let token = v["token"].as_str().unwrap().to_owned();
    if let Some(dir) = w.db.dir() {
        let raw = std::fs::read(dir.join("outreach.db")).unwrap();
        assert!(!raw.windows(token.len()).any(|win| win == token.as_bytes()));
    } else {
        let found = w
            .db
            .execute_raw(&format!(
                "SELECT 1 FROM devices WHERE position(convert_to('{token}', 'UTF8') in token_hash) > 0"
            ))
            .unwrap();
        assert_eq!(found, 0);
    }
    // Second use of the same code.
    let (s, v) = w.call("POST", "/api/v1/enroll", None, Some(body)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["code"], "enrollment_code_invalid");
    assert_eq!(v["action"], "reenroll");
    // An expired code.
    let old = sync_server::admin::issue_code(
        &*w.store,
        "w1",
        Duration::minutes(1),
        Utc::now() - Duration::minutes(5),
    )
    .unwrap();
    let (s, v) = w
        .call("POST", "/api/v1/enroll", None, Some(json!({"protocol":"2.0","code": old.as_str(),"device_label":"x","platform":"android"})))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["code"], "enrollment_code_invalid");
    // Codes are for outreach workers only.
    w.user("sv", Role::Supervisor, Some("班A（見本）"), None);
    assert!(
        sync_server::admin::issue_code(&*w.store, "sv", Duration::minutes(5), Utc::now()).is_err()
    );
}

#[tokio::test]
async fn bad_input_gets_4xx_with_error_body() {
    let w = World::with_limits(Limits {
        max_body_bytes: 64 * 1024,
        max_batch: 5,
        rate_per_minute: 10_000,
        burst: 10_000,
        ..Limits::default()
    });
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let t = d.token.clone();
    // Malformed JSON.
    let (s, v) = w
        .call_raw(
            "POST",
            "/api/v1/sync/pull",
            Some(&t),
            b"{\"protocol\":".to_vec(),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    // Unknown field.
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&t),
            Some(json!({"protocol":"2.0","cursor":0,"limit":10,"extra":1})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    // Wrong type.
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&t),
            Some(json!({"protocol":"2.0","cursor":"zero","limit":10})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    // Unsupported protocol major, even with a body shape this server does not know.
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&t),
            Some(json!({"protocol":"3.0","whatever":[1]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_protocol"))
    );
    assert_eq!(v["action"], "update_app");
    // A tablet of protocol 1 (which replaced the whole household) is told
    // to update the app, on push as on pull.
    for path in ["/api/v1/sync/pull", "/api/v1/sync/push"] {
        let (s, v) = w
            .call(
                "POST",
                path,
                Some(&t),
                Some(json!({"protocol":"1.0","cursor":0,"limit":10})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str(), v["action"].as_str()),
            (
                StatusCode::BAD_REQUEST,
                Some("unsupported_protocol"),
                Some("update_app")
            ),
            "{path}"
        );
        assert!(v["message"].as_str().unwrap().contains("update the app"));
    }
    // Limit out of range.
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&t),
            Some(json!({"protocol":"2.0","cursor":0,"limit":0})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    // Body too large.
    let big = format!(
        "{{\"protocol\":\"2.0\",\"cursor\":0,\"limit\":1,\"pad\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let (s, v) = w
        .call_raw("POST", "/api/v1/sync/pull", Some(&t), big.into_bytes())
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    // Batch too large: nothing of it is written.
    let ops: Vec<_> = (0..6)
        .map(|i| d.create_person(&format!("架空 {i}郎")).1)
        .collect();
    let (s, v) = w.push(&d, &ops).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("batch_too_large"))
    );
    assert!(w.pull_all(&t).await.is_empty());
    // A push naming another device.
    let req = json!({"protocol":"2.0","device_id": DeviceId::new_v7(1, [1; 10]).to_string(),"operations":[]});
    let (s, v) = w
        .call("POST", "/api/v1/sync/push", Some(&t), Some(req))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    // A bad path id.
    let sv = w.user("sv", Role::Supervisor, Some("班A（見本）"), None);
    let _ = sv;
    let st = w.login("sv").await;
    let (s, v) = w
        .call("GET", "/api/v1/cases/not-a-uuid", Some(&st), None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (s, _) = w
        .call("GET", "/api/v1/feed/cases?after=abc", Some(&st), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn auth_is_required_and_revoked_devices_are_told_to_wipe() {
    let w = World::new();
    let d = w.worker_device("w1", "班A（見本）").await;
    let pull = json!({"protocol":"2.0","cursor":0,"limit":10});
    let (s, v) = w
        .call("POST", "/api/v1/sync/pull", None, Some(pull.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, _) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some("bogus-token"),
            Some(pull.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&d.token),
            Some(pull.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(sync_server::admin::revoke_device(&*w.store, d.id, Utc::now()).unwrap());
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&d.token),
            Some(pull.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["code"], "device_revoked");
    assert_eq!(v["action"], "wipe");
    let (s, v) = w.push(&d, &[]).await;
    assert_eq!(
        (s, v["action"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wipe"))
    );
    let devices = sync_server::admin::list_devices(&*w.store).unwrap();
    assert!(devices[0].0.revoked_at.is_some());
}

#[tokio::test]
async fn office_login_and_logout() {
    let w = World::new();
    w.user("sv", Role::Supervisor, Some("班A（見本）"), None);
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"protocol":"2.0","username":"sv","password":"wrong-password"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"protocol":"2.0","username":"nobody","password":"x"})),
        )
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong username or password"))
    );
    let t = w.login("sv").await;
    let nobody = format!("/api/v1/persons/{}", PersonId::new_v7(now_ms(), rnd()));
    let (s, _) = w.call("GET", &nobody, Some(&t), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = w.call("POST", "/api/v1/logout", Some(&t), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = w.call("GET", &nobody, Some(&t), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Password guessing is rate limited per username.
    let mut limited = false;
    for _ in 0..12 {
        let (s, v) = w
            .call(
                "POST",
                "/api/v1/login",
                None,
                Some(json!({"protocol":"2.0","username":"sv","password":"guess-guess"})),
            )
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(v["code"], "rate_limited");
            limited = true;
            break;
        }
    }
    assert!(limited);
    // Password reset works and the old one stops working.
    w.user("sv2", Role::Supervisor, Some("班A（見本）"), None);
    sync_server::admin::reset_password(&*w.store, "sv2", "another-fictitious-pw", Utc::now())
        .unwrap();
    let login = |pw: &str| json!({"protocol":"2.0","username":"sv2","password":pw});
    let (s, _) = w
        .call("POST", "/api/v1/login", None, Some(login(PASSWORD)))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = w
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(login("another-fictitious-pw")),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn push_then_pull_round_trip() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, create) = d.create_person("架空 一郎");
    let (cid, log) = d.log_contact(pid, "（架空）玄関先で母親と話した。");
    let results = w.push_ok(&d, &[create, log]).await;
    assert!(matches!(results[0].outcome, Outcome::Applied { .. }));
    let Outcome::Applied { seq: s2 } = results[1].outcome else {
        panic!("{results:?}")
    };
    let changes = w.pull_all(&d.token).await;
    assert_eq!(changes.len(), 2);
    assert!(
        matches!(&changes[0].body, ChangeBody::Person(p) if p.person.id == pid && p.versions.contains_key("alias"))
    );
    assert!(matches!(&changes[1].body, ChangeBody::Contact(c) if c.id == cid));
    assert_eq!(changes[1].seq, s2);
    // Paging: a limit of 1 gives the next cursor and has_more.
    let (_, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&d.token),
            Some(json!({"protocol":"2.0","cursor":0,"limit":1})),
        )
        .await;
    let page: PullResponse = serde_json::from_value(v).unwrap();
    assert_eq!(page.changes.len(), 1);
    assert!(page.has_more);
    let (_, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&d.token),
            Some(json!({"protocol":"2.0","cursor":page.next_cursor,"limit":10})),
        )
        .await;
    let page2: PullResponse = serde_json::from_value(v).unwrap();
    assert_eq!(page2.changes.len(), 1);
    assert!(!page2.has_more);
}

#[tokio::test]
async fn the_same_batch_pushed_ten_times_is_stored_once() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, create) = d.create_person("架空 二郎");
    let mut ops = vec![create];
    for i in 0..20 {
        ops.push(d.log_contact(pid, &format!("（架空）訪問{i}回目")).1);
    }
    let first = w.push_ok(&d, &ops).await;
    let seqs: Vec<u64> = first
        .iter()
        .map(|r| match r.outcome {
            Outcome::Applied { seq } => seq,
            ref o => panic!("{o:?}"),
        })
        .collect();
    for _ in 0..9 {
        let again = w.push_ok(&d, &ops).await;
        for (r, seq) in again.iter().zip(&seqs) {
            assert_eq!(r.outcome, Outcome::Duplicate { seq: *seq });
        }
    }
    assert_eq!(count(&w, "contacts"), 20);
    assert_eq!(w.pull_all(&d.token).await.len(), 21);
    // The same new operation twice in one batch: applied, then a duplicate.
    let (_, once) = d.log_contact(pid, "（架空）一度だけ");
    let r = w.push_ok(&d, &[once.clone(), once]).await;
    let Outcome::Applied { seq } = r[0].outcome else {
        panic!("{r:?}")
    };
    assert_eq!(r[1].outcome, Outcome::Duplicate { seq });
    assert_eq!(count(&w, "contacts"), 21);
}

/// A push's contact logs are written in runs and audited one entry per
/// person per run, naming exactly the logs applied; a revision of a log of
/// the same batch, a rejected log in the middle and a retry of the whole
/// batch keep their answers.
#[tokio::test]
async fn a_batch_is_audited_per_person_and_its_retry_changes_nothing() {
    use sync_server::store::AuditTag;
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (a, create_a) = d.create_person("架空 一郎");
    let (b, create_b) = d.create_person("架空 二郎");
    w.push_ok(&d, &[create_a, create_b]).await;
    let (a1, op_a1) = d.log_contact(a, "（架空）一回目");
    let (b1, op_b1) = d.log_contact(b, "（架空）一回目");
    let (a2, op_a2) = d.log_contact(a, "（架空）二回目");
    let (_, orphan) = d.log_contact(PersonId::new_v7(1, [7; 10]), "（架空）存在しない人");
    let (a3, mut op_a3) = d.log_contact(a, "（架空）一回目の訂正");
    if let Payload::LogContact(c) = &mut op_a3.payload {
        c.revises = Some(a1);
    }
    let (b2, op_b2) = d.log_contact(b, "（架空）二回目");
    let batch = [op_a1, op_b1, op_a2, orphan, op_a3, op_b2];
    let before = store::read(&*w.store, |tx: &mut dyn Tx| tx.audit_head())
        .unwrap()
        .map(|(s, _)| s)
        .unwrap_or(0);
    let r = w.push_ok(&d, &batch).await;
    assert!(matches!(&r[3].outcome, Outcome::Rejected(x) if x.code == RejectCode::NotFound));
    let seqs: Vec<u64> = [0, 1, 2, 4, 5]
        .iter()
        .map(|&i| match r[i].outcome {
            Outcome::Applied { seq } => seq,
            ref o => panic!("{i}: {o:?}"),
        })
        .collect();
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "{seqs:?}");
    let pushed: Vec<_> = store::read(&*w.store, |tx: &mut dyn Tx| tx.audit_entries(before, 1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "push.log_contact")
        .collect();
    let entities: Vec<&str> = pushed.iter().map(|e| e.entity.as_str()).collect();
    // Run one ends before the revision (it reads what it revises).
    assert_eq!(
        entities,
        vec![
            format!("person:{a} contact:{a1} contact:{a2}"),
            format!("person:{b} contact:{b1}"),
            format!("person:{a} contact:{a3}"),
            format!("person:{b} contact:{b2}"),
        ]
    );
    for e in &pushed {
        assert_eq!(e.device, Some(d.id));
        assert!(e.device_hlc.is_some());
        assert!(e.basis.starts_with("outreach_worker"));
    }
    // The audit viewer's search by person finds its entries by index.
    let by_a: Vec<String> = store::read(&*w.store, |tx: &mut dyn Tx| {
        tx.audit_tagged(&AuditTag::Person(a), u64::MAX, 100)
    })
    .unwrap()
    .into_iter()
    .filter(|e| e.action == "push.log_contact")
    .map(|e| e.entity)
    .collect();
    assert_eq!(by_a.len(), 2, "{by_a:?}");
    assert!(by_a.iter().all(|e| !e.contains(&b.to_string())));
    // The same batch again: the same answers, nothing stored or audited twice.
    let head = store::read(&*w.store, |tx: &mut dyn Tx| tx.audit_head())
        .unwrap()
        .map(|(s, _)| s);
    let again = w.push_ok(&d, &batch).await;
    for (i, (x, y)) in r.iter().zip(&again).enumerate() {
        match (&x.outcome, &y.outcome) {
            (Outcome::Applied { seq }, Outcome::Duplicate { seq: s }) => assert_eq!(seq, s, "{i}"),
            (Outcome::Rejected(p), Outcome::Rejected(q)) => assert_eq!(p.code, q.code),
            other => panic!("{i}: {other:?}"),
        }
    }
    assert_eq!(
        store::read(&*w.store, |tx: &mut dyn Tx| tx.audit_head())
            .unwrap()
            .map(|(s, _)| s),
        head
    );
    assert_eq!(count(&w, "contacts"), 5);
    sync_server::audit::verify(&*w.store).unwrap();
}

#[tokio::test]
async fn same_id_with_other_content_is_a_conflict_and_never_overwrites() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, create) = d.create_person("架空 三郎");
    let (_, log) = d.log_contact(pid, "（架空）元の記録");
    w.push_ok(&d, &[create, log.clone()]).await;
    let mut tampered = log.clone();
    if let Payload::LogContact(c) = &mut tampered.payload {
        c.observation = "（架空）書き換え".into();
    }
    let r = w.push_ok(&d, &[tampered]).await;
    assert!(matches!(r[0].outcome, Outcome::Conflict { .. }), "{r:?}");
    let changes = w.pull_all(&d.token).await;
    let kept = changes.iter().find_map(|c| match &c.body {
        ChangeBody::Contact(c) => Some(c.observation.clone()),
        _ => None,
    });
    assert_eq!(kept.as_deref(), Some("（架空）元の記録"));
}

#[tokio::test]
async fn one_bad_operation_does_not_block_the_others() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, create) = d.create_person("架空 四郎");
    let (_, orphan) = d.log_contact(PersonId::new_v7(1, [9; 10]), "（架空）存在しない人");
    let (_, mut invalid) = d.log_contact(pid, "（架空）");
    if let Payload::LogContact(c) = &mut invalid.payload {
        c.met = MetWhom::Person; // needs a response
    }
    let (cid, good) = d.log_contact(pid, "（架空）正しい記録");
    let mut appended_twice = good.clone();
    appended_twice.id = OperationId::new_v7(now_ms(), rnd());
    let mut other_stage = d.op(
        EntityRef::person(pid),
        Payload::ChangeStage {
            from: Stage::AcceptsSupport,
            to: Stage::Closed,
            base: None,
            note: Some(StageNote {
                reason: "（架空）終結".into(),
                handed_to: None,
            }),
        },
    );
    other_stage.hlc = d.hlc();
    let r = w
        .push_ok(
            &d,
            &[create, orphan, invalid, good, appended_twice, other_stage],
        )
        .await;
    assert!(matches!(r[0].outcome, Outcome::Applied { .. }));
    assert!(matches!(&r[1].outcome, Outcome::Rejected(x) if x.code == RejectCode::NotFound));
    assert!(
        matches!(&r[2].outcome, Outcome::Rejected(x) if x.code == RejectCode::Invalid && x.field_errors.iter().any(|f| f.field == "payload.response"))
    );
    assert!(matches!(r[3].outcome, Outcome::Applied { .. }));
    assert!(matches!(&r[4].outcome, Outcome::Rejected(x) if x.code == RejectCode::AppendOnly));
    assert!(matches!(&r[5].outcome, Outcome::Rejected(x) if x.code == RejectCode::StaleState));
    let contacts: Vec<_> = w
        .pull_all(&d.token)
        .await
        .into_iter()
        .filter_map(|c| match c.body {
            ChangeBody::Contact(c) => Some(c.id),
            _ => None,
        })
        .collect();
    assert_eq!(contacts, vec![cid]);
    // A rejected operation is not remembered: sent again once its person exists, it applies.
    let r = w.push_ok(&d, &[]).await;
    assert!(r.is_empty());
}

#[tokio::test]
async fn contact_revisions_chain_and_stay_append_only() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, create) = d.create_person("架空 五郎");
    let (cid, log) = d.log_contact(pid, "（架空）初版");
    let mut rev = contact(pid, d.user, "（架空）訂正版");
    rev.revises = Some(cid);
    let rev_op = d.op(EntityRef::contact(rev.id), Payload::LogContact(rev.clone()));
    let r = w.push_ok(&d, &[create, log, rev_op]).await;
    assert!(
        r.iter()
            .all(|x| matches!(x.outcome, Outcome::Applied { .. })),
        "{r:?}"
    );
    let logs: Vec<ContactLog> = w
        .pull_all(&d.token)
        .await
        .into_iter()
        .filter_map(|c| match c.body {
            ChangeBody::Contact(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(logs.len(), 2, "both revisions kept");
    assert_eq!(logs[1].revises, Some(cid));
}

#[tokio::test]
async fn workers_write_only_their_teams_caseload() {
    let w = World::new();
    let mut a = w.worker_device("wa", "班A（見本）").await;
    let mut b = w.worker_device("wb", "班B（見本）").await;
    let (pid, create) = a.create_person("架空 六郎");
    w.push_ok(&a, &[create]).await;
    // Team B's worker logs a contact on team A's person, and creates a person on team A.
    let (_, log) = b.log_contact(pid, "（架空）越権");
    let mut foreign = person("架空 七郎", a.team);
    foreign.id = PersonId::new_v7(now_ms(), rnd());
    let create_foreign = b.op(
        EntityRef::person(foreign.id),
        Payload::CreatePerson(foreign),
    );
    let update = b.op(
        EntityRef::person(pid),
        Payload::UpdatePerson {
            changes: vec![FieldChange {
                set: PersonField::Summary(Some("（架空）".into())),
                base: None,
            }],
        },
    );
    let r = w.push_ok(&b, &[log, create_foreign, update]).await;
    for x in &r {
        assert!(
            matches!(&x.outcome, Outcome::Rejected(x) if x.code == RejectCode::Forbidden),
            "{r:?}"
        );
    }
    // A contact whose author is someone else.
    let c = contact(pid, b.user, "（架空）他人名義");
    let op = a.op(EntityRef::contact(c.id), Payload::LogContact(c));
    let r = w.push_ok(&a, &[op]).await;
    assert!(
        matches!(&r[0].outcome, Outcome::Rejected(x) if x.code == RejectCode::Forbidden),
        "{r:?}"
    );
}

#[tokio::test]
async fn concurrent_field_edits_merge_by_hlc_and_keep_the_conflict() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", "班A（見本）").await;
    let mut d2 = w.worker_device("w2", "班A（見本）").await;
    let (pid, create) = d1.create_person("架空 八郎");
    let base = create.hlc;
    w.push_ok(&d1, &[create]).await;
    let set = |s: &str| Payload::UpdatePerson {
        changes: vec![FieldChange {
            set: PersonField::Summary(Some(s.into())),
            base: Some(base),
        }],
    };
    let e1 = d1.op(EntityRef::person(pid), set("（架空）一人目の見立て"));
    std::thread::sleep(std::time::Duration::from_millis(3));
    let e2 = d2.op(EntityRef::person(pid), set("（架空）二人目の見立て"));
    // The later edit arrives first; the earlier one, made without seeing it, arrives after.
    w.push_ok(&d2, std::slice::from_ref(&e2)).await;
    let r = w.push_ok(&d1, std::slice::from_ref(&e1)).await;
    assert!(matches!(r[0].outcome, Outcome::Applied { .. }));
    let changes = w.pull_all(&d1.token).await;
    let person = changes
        .iter()
        .rev()
        .find_map(|c| match &c.body {
            ChangeBody::Person(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        person.person.summary.as_deref(),
        Some("（架空）二人目の見立て"),
        "greater HLC wins"
    );
    assert_eq!(person.versions["summary"], e2.hlc);
    let conflict = changes
        .iter()
        .find_map(|c| match &c.body {
            ChangeBody::Conflict(c) => Some(c.clone()),
            _ => None,
        })
        .expect("conflict kept and pulled");
    assert_eq!(conflict.field, "summary");
    assert_eq!(conflict.other, json!("（架空）一人目の見立て"));
    assert_eq!(conflict.kept_hlc, e2.hlc);
}

#[tokio::test]
async fn visibility_rule_per_role() {
    let w = World::new();
    let mut a1 = w.worker_device("a1", "班A（見本）").await;
    let a2 = w.worker_device("a2", "班A（見本）").await;
    let mut b1 = w.worker_device("b1", "班B（見本）").await;
    w.user("sva", Role::Supervisor, Some("班A（見本）"), None);
    w.user("svb", Role::Supervisor, Some("班B（見本）"), None);
    w.user("coord", Role::Coordinator, None, None);
    let on = w.user("m-on", Role::AgencyMember, None, Some("kikan-soudan"));
    w.user("m-off", Role::AgencyMember, None, Some("houkatsu-asahi"));

    // Team A: one person escalated without consent (支援会議), one not escalated.
    let (p_esc, c1) = a1.create_person("架空 九郎");
    let (p_plain, c2) = a1.create_person("架空 十郎");
    let mut log = contact(p_plain, a1.user, "（架空）観察");
    log.reflection = Some(Reflection {
        difficulty: Difficulty::new(4).unwrap(),
        note: Some("（架空）つらかった".into()),
        wants_to_talk: true,
    });
    let log_op = a1.op(EntityRef::contact(log.id), Payload::LogContact(log.clone()));
    let esc = escalation(
        p_esc,
        a1.user,
        Route::SupportMeeting,
        Urgency::Normal,
        Utc::now() - Duration::minutes(1),
    );
    let case_id = esc.case_id;
    let esc_op = a1.op(EntityRef::case(case_id), Payload::Escalate(esc));
    let r = w.push_ok(&a1, &[c1, c2, log_op, esc_op]).await;
    assert!(r.iter().all(|x| x.outcome.is_acknowledged()), "{r:?}");
    // Team B: its own person.
    let (p_b, cb) = b1.create_person("見本 花子");
    w.push_ok(&b1, &[cb]).await;

    let persons = |changes: &[Change]| -> Vec<PersonId> {
        changes
            .iter()
            .filter_map(|c| match &c.body {
                ChangeBody::Person(p) => Some(p.person.id),
                _ => None,
            })
            .collect()
    };
    // The author sees everything of team A, with the reflection.
    let ch = w.pull_all(&a1.token).await;
    assert_eq!(persons(&ch), vec![p_esc, p_plain]);
    assert!(
        ch.iter()
            .any(|c| matches!(&c.body, ChangeBody::Contact(l) if l.reflection.is_some()))
    );
    assert!(
        ch.iter()
            .any(|c| matches!(&c.body, ChangeBody::Case(v) if v.case_id == case_id))
    );
    // A colleague sees the caseload but not the reflection.
    let ch = w.pull_all(&a2.token).await;
    assert_eq!(persons(&ch), vec![p_esc, p_plain]);
    assert!(ch.iter().any(
        |c| matches!(&c.body, ChangeBody::Contact(l) if l.reflection.is_none() && l.id == log.id)
    ));
    // Team B sees only its own person, nothing of team A (not the 支援会議 case either).
    let ch = w.pull_all(&b1.token).await;
    assert_eq!(persons(&ch), vec![p_b]);
    assert!(
        !ch.iter()
            .any(|c| matches!(c.body, ChangeBody::Case(_) | ChangeBody::Contact(_)))
    );
    // Supervisors: their own team, with reflections.
    let sva = w.login("sva").await;
    let ch = w.pull_all(&sva).await;
    assert_eq!(persons(&ch), vec![p_esc, p_plain]);
    assert!(
        ch.iter()
            .any(|c| matches!(&c.body, ChangeBody::Contact(l) if l.reflection.is_some()))
    );
    let svb = w.login("svb").await;
    assert_eq!(persons(&w.pull_all(&svb).await), vec![p_b]);
    // The coordinator: the escalated person and the case; no unescalated caseload, no logs.
    let coord = w.login("coord").await;
    let ch = w.pull_all(&coord).await;
    assert_eq!(persons(&ch), vec![p_esc]);
    assert!(!ch.iter().any(|c| matches!(c.body, ChangeBody::Contact(_))));
    assert!(
        ch.iter()
            .any(|c| matches!(&c.body, ChangeBody::Case(v) if v.case_id == case_id))
    );
    let (s, _) = w
        .call(
            "GET",
            &format!("/api/v1/persons/{p_plain}"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = w
        .call(
            "GET",
            &format!("/api/v1/persons/{p_esc}"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Agency members: nothing until on the roster with a pledge (支援会議).
    let m_on = w.login("m-on").await;
    let m_off = w.login("m-off").await;
    for t in [&m_on, &m_off] {
        assert!(w.pull_all(t).await.is_empty());
        let (_, v) = w.call("GET", "/api/v1/cases", Some(t), None).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 0);
    }
    let roster = |pledge: bool| json!({"protocol":"2.0","user": on.to_string(),"agency":"kikan-soudan","pledge_recorded_at": if pledge { json!(Utc::now()) } else { json!(null) }});
    let (s, v) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/roster"),
            Some(&coord),
            Some(roster(false)),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "pledge required for 支援会議"
    );
    let (s, v) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/roster"),
            Some(&coord),
            Some(roster(true)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ch = w.pull_all(&m_on).await;
    assert_eq!(persons(&ch), vec![p_esc]);
    assert!(
        !ch.iter().any(|c| matches!(c.body, ChangeBody::Contact(_))),
        "agency members never read logs"
    );
    let (s, _) = w
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&m_on),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The member outside the roster still sees nothing.
    assert!(w.pull_all(&m_off).await.is_empty());
    let (s, _) = w
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&m_off),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = w
        .call(
            "GET",
            &format!("/api/v1/persons/{p_esc}"),
            Some(&m_off),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Office endpoints refuse device tokens.
    let (s, _) = w.call("GET", "/api/v1/cases", Some(&a1.token), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn case_queue_lifecycle_status_flows_back_and_consent_is_followed() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    let coord = w.login("coord").await;
    // Person 1 consents and is escalated (normal); person 2 without consent is an emergency.
    let (p1, c1) = d.create_person("架空 一子");
    let consent = d.op(
        EntityRef::person(p1),
        Payload::RecordConsent {
            consent: consent_given(d.user),
            base: None,
        },
    );
    let e1 = escalation(
        p1,
        d.user,
        Route::MultiLayeredMeeting,
        Urgency::Normal,
        Utc::now() - Duration::minutes(10),
    );
    let case1 = e1.case_id;
    let e1_op = d.op(EntityRef::case(case1), Payload::Escalate(e1));
    let (p2, c2) = d.create_person("架空 二子");
    let wrong_route = escalation(
        p2,
        d.user,
        Route::MultiLayeredMeeting,
        Urgency::Emergency,
        Utc::now() - Duration::minutes(5),
    );
    let wrong_op = d.op(
        EntityRef::case(wrong_route.case_id),
        Payload::Escalate(wrong_route),
    );
    let e2 = escalation(
        p2,
        d.user,
        Route::SupportMeeting,
        Urgency::Emergency,
        Utc::now() - Duration::minutes(5),
    );
    let case2 = e2.case_id;
    let e2_op = d.op(EntityRef::case(case2), Payload::Escalate(e2));
    let r = w
        .push_ok(&d, &[c1, consent, e1_op, c2, wrong_op, e2_op])
        .await;
    assert!(
        matches!(&r[4].outcome, Outcome::Rejected(x) if x.field_errors.iter().any(|f| f.violation == Violation::RouteNeedsConsent)),
        "{r:?}"
    );
    assert!(
        [0, 1, 2, 3, 5]
            .iter()
            .all(|i| r[*i].outcome.is_acknowledged()),
        "{r:?}"
    );

    // Emergencies first.
    let (_, v) = w.call("GET", "/api/v1/cases", Some(&coord), None).await;
    let list: CaseList = serde_json::from_value(v).unwrap();
    assert_eq!(
        list.items
            .iter()
            .map(|i| i.escalation.case_id)
            .collect::<Vec<_>>(),
        vec![case2, case1]
    );

    // Moves: allowed, refused transition, refused role.
    let mv = |to: &str| json!({"protocol":"2.0","to":to});
    let (s, v) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case1}/move"),
            Some(&coord),
            Some(mv("triage")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case1}/move"),
            Some(&coord),
            Some(mv("closed")),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
    let (s, _) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case1}/move"),
            Some(&coord),
            Some(mv("returned_to_outreach")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "return needs a reason");
    w.user("sv", Role::Supervisor, Some("班A（見本）"), None);
    let sv = w.login("sv").await;
    let (s, v) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case1}/move"),
            Some(&sv),
            Some(mv("meeting_scheduled")),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, _) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case1}/move"),
            Some(&coord),
            Some(mv("meeting_scheduled")),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The worker's device sees the status.
    let statuses = |ch: &[Change]| -> Vec<(CaseId, CaseStatus, Route)> {
        ch.iter()
            .filter_map(|c| match &c.body {
                ChangeBody::Case(v) => Some((v.case_id, v.status, v.route)),
                _ => None,
            })
            .collect()
    };
    let ch = w.pull_all(&d.token).await;
    assert!(statuses(&ch).contains(&(
        case1,
        CaseStatus::MeetingScheduled,
        Route::MultiLayeredMeeting
    )));

    // Consent withdrawn: the case leaves the 重層的支援会議 and goes back to triage.
    let withdrawn = ConsentRecord {
        status: ConsentStatus::Withdrawn,
        scope: Default::default(),
        date: Some(ja::local_date(Utc::now())),
        recorded_by: Some(d.user),
    };
    let op = d.op(
        EntityRef::person(p1),
        Payload::RecordConsent {
            consent: withdrawn,
            base: None,
        },
    );
    let r = w.push_ok(&d, &[op]).await;
    assert!(r[0].outcome.is_acknowledged(), "{r:?}");
    let ch = w.pull_all(&d.token).await;
    assert!(
        statuses(&ch).contains(&(case1, CaseStatus::Triage, Route::SupportMeeting)),
        "{:?}",
        statuses(&ch)
    );

    // Every move recorded.
    let (_, v) = w
        .call("GET", &format!("/api/v1/cases/{case1}"), Some(&coord), None)
        .await;
    let detail: CaseDetail = serde_json::from_value(v).unwrap();
    let causes: Vec<_> = detail.moves.iter().map(|m| (m.cause, m.to)).collect();
    assert_eq!(
        causes,
        vec![
            (CaseMoveCause::Escalated, CaseStatus::Received),
            (CaseMoveCause::Coordinator, CaseStatus::Triage),
            (CaseMoveCause::Coordinator, CaseStatus::MeetingScheduled),
            (CaseMoveCause::ConsentChanged, CaseStatus::Triage),
        ]
    );
    // A return to outreach with a reason flows back too.
    let (s, _) = w
        .call("POST", &format!("/api/v1/cases/{case2}/move"), Some(&coord), Some(json!({"protocol":"2.0","to":"returned_to_outreach","return_reason":"（架空）まず関係づくりを続けてください"})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let ch = w.pull_all(&d.token).await;
    assert!(ch.iter().any(|c| matches!(&c.body, ChangeBody::Case(v) if v.case_id == case2 && v.return_reason.is_some())));
}

#[tokio::test]
async fn a_support_meeting_is_not_scheduled_through_the_api_without_pledges() {
    // The rule the console always kept (shared::case_rules) holds for the
    // API too: a 支援会議 is scheduled only with a pledged roster.
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    let member = w.user("m1", Role::AgencyMember, None, Some("kikan-soudan"));
    let coord = w.login("coord").await;
    let (p, c) = d.create_person("架空 三郎");
    let e = escalation(
        p,
        d.user,
        Route::SupportMeeting,
        Urgency::Normal,
        Utc::now() - Duration::minutes(5),
    );
    let case = e.case_id;
    let e_op = d.op(EntityRef::case(case), Payload::Escalate(e));
    let r = w.push_ok(&d, &[c, e_op]).await;
    assert!(r.iter().all(|x| x.outcome.is_acknowledged()), "{r:?}");
    let mv = |to: &str| json!({"protocol":"2.0","to":to});
    let path = format!("/api/v1/cases/{case}/move");
    let (s, v) = w
        .call("POST", &path, Some(&coord), Some(mv("triage")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // No roster at all: refused, with a clear English message and the field.
    let (s, v) = w
        .call("POST", &path, Some(&coord), Some(mv("meeting_scheduled")))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{v}"
    );
    let message = v["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("support meeting") && message.contains("pledge"),
        "{message}"
    );
    let body: ErrorBody = serde_json::from_value(v).unwrap();
    assert!(
        body.field_errors
            .iter()
            .any(|f| f.field == "roster" && f.violation == Violation::PledgeMissing),
        "{body:?}"
    );
    // Nothing was written: still in triage, no move recorded.
    let (_, v) = w
        .call("GET", &format!("/api/v1/cases/{case}"), Some(&coord), None)
        .await;
    let detail: CaseDetail = serde_json::from_value(v).unwrap();
    assert_eq!(detail.item.status, CaseStatus::Triage);
    assert_eq!(detail.moves.len(), 2);

    // A member without a pledge cannot join a 支援会議's roster either.
    let roster = |pledge: Option<chrono::DateTime<Utc>>| json!({"protocol":"2.0","user":member,"agency":"kikan-soudan","pledge_recorded_at":pledge});
    let (s, _) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/roster"),
            Some(&coord),
            Some(roster(None)),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // With a pledged member, the meeting is scheduled.
    let (s, v) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/roster"),
            Some(&coord),
            Some(roster(Some(Utc::now()))),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = w
        .call("POST", &path, Some(&coord), Some(mv("meeting_scheduled")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let detail: CaseDetail = serde_json::from_value(v).unwrap();
    assert_eq!(detail.item.status, CaseStatus::MeetingScheduled);
}

#[tokio::test]
async fn supervisors_review_and_reviews_flow_back() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let other = w.worker_device("wb", "班B（見本）").await;
    w.user("sva", Role::Supervisor, Some("班A（見本）"), None);
    w.user("svb", Role::Supervisor, Some("班B（見本）"), None);
    let (pid, c) = d.create_person("架空 三子");
    let (cid, log) = d.log_contact(pid, "（架空）単独訪問");
    w.push_ok(&d, &[c, log]).await;
    let sva = w.login("sva").await;
    let svb = w.login("svb").await;
    let review = |status: &str, comment: Option<&str>| json!({"protocol":"2.0","contact_id": cid.to_string(),"status": status,"comment": comment});
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/reviews",
            Some(&sva),
            Some(review("returned", None)),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/reviews",
            Some(&svb),
            Some(review("approved", None)),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, _) = w
        .call(
            "POST",
            "/api/v1/reviews",
            Some(&other.token),
            Some(review("approved", None)),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/reviews",
            Some(&sva),
            Some(review("returned", Some("（架空）次回は二人で"))),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let missing = json!({"protocol":"2.0","contact_id": ContactId::new_v7(1, [1; 10]).to_string(),"status":"approved"});
    let (s, _) = w
        .call("POST", "/api/v1/reviews", Some(&sva), Some(missing))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let ch = w.pull_all(&d.token).await;
    assert!(ch.iter().any(|c| matches!(&c.body, ChangeBody::Review(r) if r.contact_id == cid && r.status == ReviewStatus::Returned)));
    assert!(
        !w.pull_all(&other.token)
            .await
            .iter()
            .any(|c| matches!(c.body, ChangeBody::Review(_)))
    );
}

#[tokio::test]
async fn a_request_whose_body_never_ends_times_out_with_retry_later() {
    use futures_util::StreamExt;
    let w = World::with_limits(Limits {
        request_timeout: std::time::Duration::from_millis(300),
        rate_per_minute: 100_000,
        burst: 10_000,
        ..Limits::default()
    });
    let d = w.worker_device("w1", "班A（見本）").await;
    // Half a body, then nothing: a tablet on a dying connection.
    let half: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![Ok(
        axum::body::Bytes::from_static(b"{\"protocol\":\"2.0\","),
    )];
    let body = axum::body::Body::from_stream(
        futures_util::stream::iter(half).chain(futures_util::stream::pending()),
    );
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/sync/push")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", d.token))
        .body(body)
        .unwrap();
    let resp = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        tower::ServiceExt::oneshot(w.app.clone(), req),
    )
    .await
    .expect("the server answers instead of waiting for ever")
    .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.headers().contains_key("retry-after"));
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["code"], "unavailable");
    assert_eq!(v["action"], "retry_later");
    // The server is still there for the next request.
    let (s, _) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&d.token),
            Some(json!({"protocol":"2.0","cursor":0,"limit":10})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_per_device() {
    let w = World::with_limits(Limits {
        rate_per_minute: 1,
        burst: 3,
        ..Limits::default()
    });
    let d1 = w.worker_device("w1", "班A（見本）").await;
    let d2 = w.worker_device("w2", "班A（見本）").await;
    let pull = json!({"protocol":"2.0","cursor":0,"limit":10});
    for _ in 0..3 {
        let (s, _) = w
            .call(
                "POST",
                "/api/v1/sync/pull",
                Some(&d1.token),
                Some(pull.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&d1.token),
            Some(pull.clone()),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["action"].as_str()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("rate_limited"),
            Some("retry_later")
        )
    );
    // Another device is not affected.
    let (s, _) = w
        .call("POST", "/api/v1/sync/pull", Some(&d2.token), Some(pull))
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn every_change_and_read_is_audited_and_verify_catches_tampering() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("sv", Role::Supervisor, Some("班A（見本）"), None);
    let (pid, c) = d.create_person("架空 四子");
    w.push_ok(&d, &[c]).await;
    let sv = w.login("sv").await;
    let (s, _) = w
        .call("GET", &format!("/api/v1/persons/{pid}"), Some(&sv), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    w.pull_all(&d.token).await;
    let entries = store::read(&*w.store, |tx: &mut dyn Tx| tx.audit_entries(0, 1000)).unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"push.create_person"));
    assert!(actions.contains(&"read.person"));
    assert!(actions.contains(&"read.pull"));
    let pushed = entries
        .iter()
        .find(|e| e.action == "push.create_person")
        .unwrap();
    assert_eq!(pushed.device, Some(d.id));
    assert!(pushed.device_hlc.is_some());
    assert!(pushed.basis.starts_with("outreach_worker"));
    // No personal data in the audit log: ids only.
    assert!(
        entries
            .iter()
            .all(|e| !e.entity.contains("架空") && !e.basis.contains("架空"))
    );
    let n = sync_server::audit::verify(&*w.store).unwrap();
    assert_eq!(n as usize, entries.len());

    // Edit one row: caught.
    let target = entries[entries.len() / 2].seq;
    w.db.execute_raw(&format!(
        "UPDATE audit SET actor = 'someone-else' WHERE seq = {target}"
    ))
    .unwrap();
    assert_eq!(
        sync_server::audit::verify(&*w.store),
        Err(sync_server::audit::AuditBreak::Edited { seq: target })
    );
    // The command line says so too, with exit code 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args(["--database", w.db.url(), "audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN"));
}

#[tokio::test]
async fn audit_verify_catches_deleted_and_cut_entries() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    for i in 0..3 {
        let (_, c) = d.create_person(&format!("架空 {i}"));
        w.push_ok(&d, &[c]).await;
    }
    let n = sync_server::audit::verify(&*w.store).unwrap();
    assert!(n >= 5);
    w.db.execute_raw(&format!("DELETE FROM audit WHERE seq = {n}"))
        .unwrap();
    assert!(matches!(
        sync_server::audit::verify(&*w.store),
        Err(sync_server::audit::AuditBreak::Truncated { .. })
    ));
    w.db.execute_raw("DELETE FROM audit WHERE seq = 2").unwrap();
    assert!(matches!(
        sync_server::audit::verify(&*w.store),
        Err(sync_server::audit::AuditBreak::Gap { seq: 3, prev: 1 })
    ));
}

#[tokio::test]
async fn lgwan_feed_api_and_signed_files() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    w.user("sv", Role::Supervisor, Some("班A（見本）"), None);
    let (pid, c) = d.create_person("架空 五子");
    let e = escalation(
        pid,
        d.user,
        Route::SupportMeeting,
        Urgency::High,
        Utc::now() - Duration::minutes(1),
    );
    let case_id = e.case_id;
    let op = d.op(EntityRef::case(case_id), Payload::Escalate(e));
    w.push_ok(&d, &[c, op]).await;
    let coord = w.login("coord").await;
    let sv = w.login("sv").await;
    let (s, _) = w
        .call("GET", "/api/v1/feed/cases?after=0", Some(&sv), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = w
        .call(
            "GET",
            "/api/v1/feed/cases?after=0&limit=10",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page: FeedPage = serde_json::from_value(v).unwrap();
    assert_eq!(page.items.len(), 1);
    let (_, v) = w
        .call(
            "GET",
            &format!("/api/v1/feed/cases?after={}", page.next_cursor),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);

    // Files: export, verify with the published key, import twice = once.
    let (_, k) = w.call("GET", "/api/v1/feed/key", None, None).await;
    let key = sync_server::feed::parse_verifying_key(k["key"].as_str().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.jsonl");
    let mut out = std::fs::File::create(&file).unwrap();
    let r = sync_server::feed::export(
        &*w.store,
        &w.state.keys.feed,
        0,
        &mut out,
        "tester",
        Utc::now(),
    )
    .unwrap();
    let next = r.next;
    assert_eq!((r.count, next), (1, page.next_cursor));
    let receiver = dir.path().join("city.db");
    let r1 = sync_server::feed::import(&key, &file, &receiver).unwrap();
    let r2 = sync_server::feed::import(&key, &file, &receiver).unwrap();
    assert_eq!((r1.inserted, r2.inserted, r2.unchanged), (1, 0, 1));
    // A changed item comes through as an update.
    let (s, _) = w
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/move"),
            Some(&coord),
            Some(json!({"protocol":"2.0","to":"triage"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let file2 = dir.path().join("feed2.jsonl");
    sync_server::feed::export(
        &*w.store,
        &w.state.keys.feed,
        next,
        &mut std::fs::File::create(&file2).unwrap(),
        "tester",
        Utc::now(),
    )
    .unwrap();
    let r3 = sync_server::feed::import(&key, &file2, &receiver).unwrap();
    assert_eq!(r3.updated, 1);
    // A tampered file is refused.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("high", "normal");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, text).unwrap();
    assert!(matches!(
        sync_server::feed::import(&key, &bad, &receiver),
        Err(sync_server::feed::FeedError::BadSignature { line: 1 })
    ));
    // And a key that is not the publisher's.
    let other = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
    assert!(
        sync_server::feed::verify(
            &other,
            &mut std::io::BufReader::new(std::fs::File::open(&file).unwrap())
        )
        .is_err()
    );
}

#[tokio::test]
async fn demo_data_seeds_and_is_visible_per_role() {
    let w = World::new();
    // The demo needs an empty database; this one has teams only.
    let s = sync_server::demo::seed(&*w.store, &w.state.clock, Utc::now()).unwrap();
    assert!(
        s.persons >= 40 && s.contacts >= 100 && s.cases >= 5,
        "{s:?}"
    );
    assert!(s.users.iter().any(|(_, n, _)| n.contains("架空")));
    assert!(
        sync_server::demo::seed(&*w.store, &w.state.clock, Utc::now()).is_err(),
        "not twice"
    );
    let (s, v) = w.call("POST", "/api/v1/login", None, Some(json!({"protocol":"2.0","username":"coordinator","password":sync_server::demo::DEMO_PASSWORD}))).await;
    assert_eq!(s, StatusCode::OK);
    let t = v["token"].as_str().unwrap().to_owned();
    let (_, v) = w.call("GET", "/api/v1/cases", Some(&t), None).await;
    let list: CaseList = serde_json::from_value(v).unwrap();
    assert!(list.items.len() >= 5);
    assert_eq!(list.items[0].escalation.urgency, Urgency::Emergency);
    // The households (issue 18): an 8050 and a ヤングケアラー case, each
    // with a member who has not consented and goes to the 支援会議 only.
    let households: Vec<_> = list
        .items
        .iter()
        .filter(|i| !i.household.is_empty())
        .collect();
    assert_eq!(households.len(), 2, "{households:?}");
    for i in households {
        assert_eq!(i.route, Route::MultiLayeredMeeting);
        assert!(i.household.iter().all(|m| m.route == Route::SupportMeeting));
    }
    assert!(sync_server::audit::verify(&*w.store).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_commit_together_and_stay_exactly_once() {
    let w = World::new();
    let mut devices = Vec::new();
    for i in 0..12 {
        devices.push(
            w.worker_device(
                &format!("w{i}"),
                if i % 2 == 0 {
                    "班A（見本）"
                } else {
                    "班B（見本）"
                },
            )
            .await,
        );
    }
    let mut batches = Vec::new();
    for d in devices.iter_mut() {
        let (pid, c) = d.create_person("架空 同時");
        let mut ops = vec![c];
        for k in 0..10 {
            ops.push(d.log_contact(pid, &format!("（架空）{k}")).1);
        }
        batches.push(ops);
    }
    let w = std::sync::Arc::new(w);
    let mut tasks = Vec::new();
    // Every batch twice at once, plus a bad request in the same moment.
    for round in 0..2 {
        for (i, ops) in batches.iter().enumerate() {
            let w = w.clone();
            let ops = ops.clone();
            let d = Device {
                id: devices[i].id,
                token: devices[i].token.clone(),
                user: devices[i].user,
                team: devices[i].team,
                counter: 0,
            };
            tasks.push(tokio::spawn(async move {
                let r = w.push_ok(&d, &ops).await;
                (round, r)
            }));
        }
    }
    let bad = w.call(
        "POST",
        "/api/v1/enroll",
        None,
        Some(json!({"protocol":"2.0","code":"WRONG-CODE-0000","device_label":"x","platform":"x"})),
    );
    let (s, _) = bad.await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let mut applied = 0;
    let mut duplicate = 0;
    for t in tasks {
        let (_, results) = t.await.unwrap();
        for r in results {
            match r.outcome {
                Outcome::Applied { .. } => applied += 1,
                Outcome::Duplicate { .. } => duplicate += 1,
                o => panic!("{o:?}"),
            }
        }
    }
    assert_eq!(applied, 12 * 11, "each operation applied exactly once");
    assert_eq!(
        duplicate,
        12 * 11,
        "the concurrent second delivery is a duplicate"
    );
    assert_eq!(count(&w, "contacts"), 120);
    assert!(sync_server::audit::verify(&*w.store).is_ok());
}

#[tokio::test]
async fn gzip_bodies_are_accepted_and_limited_after_decompression() {
    use std::io::Write;
    let w = World::with_limits(Limits {
        max_body_bytes: 64 * 1024,
        rate_per_minute: 10_000,
        burst: 10_000,
        ..Limits::default()
    });
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let gzip = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let (_, create) = d.create_person("架空 圧縮");
    let token = d.token.clone();
    let send = |body: Vec<u8>| {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/sync/push")
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(body))
            .unwrap();
        let app = w.app.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
            )
        }
    };
    let req = PushRequest {
        protocol: ProtocolVersion::CURRENT,
        device_id: d.id,
        operations: vec![create],
    };
    let (s, v) = send(gzip(&serde_json::to_vec(&req).unwrap())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A small compressed body that inflates past the limit (a "zip bomb").
    let mut bomb = br#"{"protocol":"2.0","device_id":"x","operations":[],"pad":""#.to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 1024 * 1024));
    bomb.extend(br#""}"#);
    let packed = gzip(&bomb);
    assert!(packed.len() < 8 * 1024);
    let (s, v) = send(packed).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")),
        "{v}"
    );
    // Not gzip at all, but labelled so.
    let (s, _) = send(b"not gzip".to_vec()).await;
    assert!(s.is_client_error(), "{s}");
}

#[tokio::test]
async fn the_case_list_and_refused_reads_are_audited() {
    let w = World::new();
    let mut d = w.worker_device("w-audit", "班A（見本）").await;
    w.user("co-audit", Role::Coordinator, None, None);
    let (p, create) = d.create_person("架空 一郎");
    let esc = escalation(
        p,
        d.user,
        Route::SupportMeeting,
        Urgency::Normal,
        Utc::now() - Duration::minutes(1),
    );
    let case_id = esc.case_id;
    let op = d.op(EntityRef::case(case_id), Payload::Escalate(esc));
    let r = w.push_ok(&d, &[create, op]).await;
    assert!(r.iter().all(|x| x.outcome.is_acknowledged()), "{r:?}");
    let t = w.login("co-audit").await;
    let (s, v) = w.call("GET", "/api/v1/cases", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let entries = || store::read(&*w.store, |tx: &mut dyn Tx| tx.audit_entries(0, 10_000)).unwrap();
    let listed = entries()
        .into_iter()
        .filter(|e| e.action == "read.case_list")
        .collect::<Vec<_>>();
    assert_eq!(listed.len(), 1, "one entry per case listed");
    assert!(
        listed[0]
            .entity
            .contains(&format!("case:{case_id} person:{p}"))
    );
    // A tablet's token on an office endpoint, and a person the coordinator
    // may not see: refused, and the refusal is in the log.
    let (s, _) = w
        .call("GET", &format!("/api/v1/persons/{p}"), Some(&d.token), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let nobody = PersonId::new_v7(now_ms(), rnd());
    let (s, _) = w
        .call("GET", &format!("/api/v1/persons/{nobody}"), Some(&t), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let denied: Vec<_> = entries()
        .into_iter()
        .filter(|e| e.action == "api.denied")
        .collect();
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(
        denied
            .iter()
            .any(|e| e.actor == d.user.to_string() && e.entity == format!("person:{p}"))
    );
    assert!(
        denied
            .iter()
            .any(|e| e.entity == format!("person:{nobody}") && e.basis.contains("read.person"))
    );
}
