//! A case's life through the web console's forms (issue 13), on the
//! backend `OUTREACH_TEST_BACKEND` names: consent given later (the route
//! change form) and withdrawn again, the plan statuses refused without a
//! プラン and 終結 without its evaluation (Japanese pages), a referral by an
//! agency member, a find-request reaching the team's tablet, and a roster
//! removal ending the member's access. The same rules as the API's
//! (`tests/case_life.rs`): one engine. All data fictitious.

mod common;
mod console_support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use console_support::{Client, Resp, between};
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use sync_server::console::text;
use sync_server::store;

async fn console(w: &World, username: &str) -> Client {
    let mut c = Client {
        app: w.app.clone(),
        cookies: Vec::new(),
        host: "localhost:8080".into(),
    };
    let r = c.login(username, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    c
}

fn case_of(w: &World, id: CaseId) -> CaseQueueItem {
    store::read(&*w.store, |tx| tx.case(id))
        .unwrap()
        .unwrap()
        .item
}

/// A person of team A escalated by the worker's tablet.
async fn escalated(w: &World, d: &mut Device, consent: bool) -> (PersonId, CaseId) {
    let (p, c) = d.create_person("架空 八郎");
    let mut ops = vec![c];
    if consent {
        let user = d.user;
        ops.push(d.op(
            EntityRef::person(p),
            Payload::RecordConsent {
                consent: consent_given(user),
                base: None,
            },
        ));
    }
    let route = if consent {
        Route::MultiLayeredMeeting
    } else {
        Route::SupportMeeting
    };
    let e = escalation(
        p,
        d.user,
        route,
        Urgency::Normal,
        Utc::now() - Duration::minutes(5),
    );
    let case = e.case_id;
    ops.push(d.op(EntityRef::case(case), Payload::Escalate(e)));
    let r = w.push_ok(d, &ops).await;
    assert!(r.iter().all(|x| x.outcome.is_acknowledged()), "{r:?}");
    (p, case)
}

async fn post(c: &mut Client, case: CaseId, what: &str, form: &[(&str, &str)]) -> Resp {
    let page = format!("/console/cases/{case}");
    c.post_from(&page, &format!("/console/cases/{case}/{what}"), form)
        .await
}

async fn move_to(c: &mut Client, case: CaseId, to: &str) -> Resp {
    post(c, case, "move", &[("to", to)]).await
}

fn redirected(r: &Resp, done: &str) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location()
            .is_some_and(|l| l.contains(&format!("done={done}"))),
        "{:?}",
        r.location()
    );
}

#[tokio::test]
async fn consent_given_later_through_the_console() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    let kikan = w.user("kikan", Role::AgencyMember, None, Some("kikan-soudan"));
    let mut c = console(&w, "coord").await;
    let (p, case) = escalated(&w, &mut d, false).await;
    redirected(&move_to(&mut c, case, "triage").await, "moved");
    let k = kikan.to_string();
    redirected(
        &post(&mut c, case, "roster", &[("user", &k), ("pledge", "1")]).await,
        "roster",
    );
    redirected(&move_to(&mut c, case, "meeting_scheduled").await, "moved");
    // No route change offered before consent.
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(!page.body.contains("id=\"route-change\""));

    let user = d.user;
    let op = d.op(
        EntityRef::person(p),
        Payload::RecordConsent {
            consent: consent_given(user),
            base: None,
        },
    );
    w.push_ok(&d, &[op]).await;
    let board = c.get("/console/cases").await;
    assert!(
        board.body.contains(text::CONSENT_ARRIVED),
        "the board says so"
    );
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(page.body.contains("id=\"route-change\""));
    let keep = format!("keep_{k}");
    redirected(
        &post(&mut c, case, "route", &[(keep.as_str(), "1")]).await,
        "route",
    );
    let item = case_of(&w, case);
    assert_eq!(
        (item.route, item.status),
        (Route::MultiLayeredMeeting, CaseStatus::Triage)
    );
    assert!(item.is_on_roster(kikan));

    // Withdrawn again: back to the 支援会議 (the pledged member stays).
    let op = d.op(
        EntityRef::person(p),
        Payload::RecordConsent {
            consent: ConsentRecord {
                status: ConsentStatus::Withdrawn,
                scope: Default::default(),
                date: Some(ja::local_date(Utc::now())),
                recorded_by: Some(user),
            },
            base: None,
        },
    );
    w.push_ok(&d, &[op]).await;
    let item = case_of(&w, case);
    assert_eq!(item.route, Route::SupportMeeting);
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(page.body.contains(text::ROUTE_RULE_SM));
    assert!(!page.body.contains("id=\"route-change\""));
}

#[tokio::test]
async fn the_plan_and_the_closure_evaluation_through_the_console() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    let kikan = w.user("kikan", Role::AgencyMember, None, Some("kikan-soudan"));
    let mut c = console(&w, "coord").await;
    let (_, case) = escalated(&w, &mut d, true).await;
    redirected(&move_to(&mut c, case, "triage").await, "moved");
    let k = kikan.to_string();
    redirected(
        &post(&mut c, case, "roster", &[("user", &k)]).await,
        "roster",
    );
    redirected(&move_to(&mut c, case, "meeting_scheduled").await, "moved");

    let r = move_to(&mut c, case, "plan").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::PLAN_REQUIRED), "{}", r.body);
    assert_eq!(case_of(&w, case).status, CaseStatus::MeetingScheduled);

    let form_page = format!("/console/cases/{case}/plan");
    let f = c.get(&form_page).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    let today = ja::local_date(Utc::now());
    let due = (today + Duration::days(20)).to_string();
    let review = (today + Duration::days(14)).to_string();
    let r = c
        .post_from(
            &form_page,
            &form_page,
            &[
                ("goal_0", "（架空）また散歩に出たい"),
                ("own_0", "1"),
                ("goal_1", ""),
                ("task_0_what", "（架空）月2回の訪問"),
                ("task_0_agency", "shakyo"),
                ("task_0_owner", ""),
                ("task_0_due", &due),
                ("task_0_status", "in_progress"),
                ("task_1_what", ""),
                ("task_1_agency", "shakyo"),
                ("task_1_owner", ""),
                ("task_1_due", ""),
                ("task_1_status", "not_started"),
                ("next_review", &review),
            ],
        )
        .await;
    redirected(&r, "plan");
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(page.body.contains("（架空）月2回の訪問"));
    assert!(page.body.contains(text::PLAN_OWN_WORDS));
    redirected(&move_to(&mut c, case, "plan").await, "moved");

    let mon = format!("/console/cases/{case}/monitoring");
    let m = c.get(&mon).await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.body);
    let status_key = between(&m.body, "name=\"status_", "\"").expect("a task row");
    let status_field = format!("status_{status_key}");
    let r = c
        .post_from(
            &mon,
            &mon,
            &[
                ("plan_version", "1"),
                ("held_on", &today.to_string()),
                (status_field.as_str(), "done"),
                ("judgement", "ready_to_close"),
                ("assessment", "（架空）目標に近づいた"),
                ("next_review", ""),
            ],
        )
        .await;
    redirected(&r, "monitoring");
    redirected(&move_to(&mut c, case, "monitoring").await, "moved");

    let r = move_to(&mut c, case, "closed").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::CLOSURE_REQUIRED), "{}", r.body);
    let cl = format!("/console/cases/{case}/closure");
    let r = c
        .post_from(
            &cl,
            &cl,
            &[
                ("outcome", "stabilised"),
                ("reason", "（架空）生活が安定した"),
                ("continuing", "（架空）社協の見守り"),
                ("watched_by", "shakyo"),
                ("watcher", ""),
                ("evaluated_on", &today.to_string()),
            ],
        )
        .await;
    redirected(&r, "closure");
    redirected(&move_to(&mut c, case, "closed").await, "moved");
    assert_eq!(case_of(&w, case).status, CaseStatus::Closed);
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(page.body.contains("（架空）社協の見守り"));
}

#[tokio::test]
async fn an_agency_member_refers_through_the_console_and_outreach_is_asked_to_find() {
    let w = World::new();
    let d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    w.user("kikan", Role::AgencyMember, None, Some("kikan-soudan"));
    let mut a = console(&w, "kikan").await;
    let f = a.get("/console/referrals").await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    assert!(
        !f.body.contains("id=\"referral-find\""),
        "agencies do not ask outreach"
    );
    let r = a
        .post_from(
            "/console/referrals",
            "/console/referrals",
            &[
                ("person_kind", "new"),
                ("alias", "架空 紹介（駅前）"),
                ("reason", "（架空）介護と就労の相談が重なっている"),
                ("field_elderly", "1"),
                ("urgency", "high"),
                ("consent", "none"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(text::REFERRAL_DONE));
    // A referral without a person is refused with a Japanese message.
    let r = a
        .post_from(
            "/console/referrals",
            "/console/referrals",
            &[
                ("person_kind", "new"),
                ("alias", ""),
                ("reason", "x"),
                ("urgency", "normal"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(text::REFERRAL_PICK_PERSON));

    let coord = caller_of(&w, "coord");
    let cases = store::read(&*w.store, |tx| sync_server::engine::list_cases(tx, &coord)).unwrap();
    let item = cases
        .iter()
        .find(|i| i.referral.is_some())
        .expect("the referral is in the queue")
        .clone();
    let case = item.escalation.case_id;
    let mut c = console(&w, "coord").await;
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(
        page.body.contains("基幹相談支援センター"),
        "the referrer is shown"
    );
    assert!(page.body.contains("id=\"find\""));
    let team = w.team_a.to_string();
    let r = post(
        &mut c,
        case,
        "find",
        &[
            ("team", &team),
            ("request", "（架空）駅前の集合住宅でお見かけする方"),
        ],
    )
    .await;
    redirected(&r, "find");
    let pulled = w.pull_all(&d.token).await;
    assert!(
        pulled
            .iter()
            .any(|ch| matches!(&ch.body, ChangeBody::Person(p)
        if p.person.id == item.escalation.person_id && p.person.stage == Stage::Identified))
    );
    assert!(pulled.iter().any(|ch| matches!(&ch.body, ChangeBody::Case(v)
        if v.case_id == case && v.find_request.as_ref().is_some_and(|f| f.request.contains("駅前")))));
}

fn caller_of(w: &World, username: &str) -> sync_server::engine::Caller {
    let u = store::read(&*w.store, |tx| tx.user_by_name(username))
        .unwrap()
        .unwrap();
    sync_server::engine::Caller {
        actor: sync_server::engine::actor_of(&u),
        device: None,
    }
}

#[tokio::test]
async fn removing_a_member_in_the_console_ends_their_access() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    let kikan = w.user("kikan", Role::AgencyMember, None, Some("kikan-soudan"));
    let mut c = console(&w, "coord").await;
    let (_, case) = escalated(&w, &mut d, true).await;
    redirected(&move_to(&mut c, case, "triage").await, "moved");
    let k = kikan.to_string();
    redirected(
        &post(&mut c, case, "roster", &[("user", &k)]).await,
        "roster",
    );
    let mut a = console(&w, "kikan").await;
    assert_eq!(
        a.get(&format!("/console/cases/{case}")).await.status,
        StatusCode::OK
    );
    let board = a.get("/console/cases").await;
    assert!(board.body.contains(&case.to_string()));

    redirected(
        &post(&mut c, case, "roster/remove", &[("user", &k)]).await,
        "removed",
    );
    let r = a.get(&format!("/console/cases/{case}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(text::FORBIDDEN));
    assert_eq!(
        a.get(&format!("/console/cases/{case}/agenda")).await.status,
        StatusCode::FORBIDDEN
    );
    let board = a.get("/console/cases").await;
    assert!(!board.body.contains(&case.to_string()));
    let token = w.login("kikan").await;
    let (s, _) = w
        .call("GET", &format!("/api/v1/cases/{case}"), Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let actions = store::read(&*w.store, |tx| tx.audit_entries(0, 100_000)).unwrap();
    assert!(
        actions
            .iter()
            .any(|e| e.action == "case.roster_remove" && e.entity.contains(&k))
    );
    assert!(
        actions
            .iter()
            .any(|e| e.action == "console.denied" && e.actor == k)
    );
}
