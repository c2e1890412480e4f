//! The hand-over (担当の引き継ぎ) and the lone-worker check (帰着未確認) on
//! the server (issue 12): the rules of `shared` called by the engine for
//! the API, what the tablets pull, the audit; visits pushed by tablets and
//! the team's supervisors' list of visits not confirmed back. Through the
//! router, on a real database.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use sync_server::engine::{self, Caller};
use sync_server::store;

const TEAM_A: &str = "班A（見本）";
const TEAM_B: &str = "班B（見本）";

/// A person of `d`'s team assigned to `d`'s worker, at 栄町2丁目.
async fn assigned_person(w: &World, d: &mut Device) -> PersonId {
    let mut p = person("架空 引継", d.team);
    p.assigned_worker = Some(d.user);
    p.area = AreaCode::new("sakaecho", 2);
    let op = d.op(EntityRef::person(p.id), Payload::CreatePerson(p.clone()));
    let r = w.push_ok(d, &[op]).await;
    assert!(matches!(r[0].outcome, Outcome::Applied { .. }), "{r:?}");
    p.id
}

fn snapshot_of(changes: &[Change], id: PersonId) -> PersonSnapshot {
    changes
        .iter()
        .rev()
        .find_map(|c| match &c.body {
            ChangeBody::Person(p) if p.person.id == id => Some(p.clone()),
            _ => None,
        })
        .expect("the person is pulled")
}

async fn hand_over(
    w: &World,
    token: &str,
    p: PersonId,
    to: UserId,
    note: &str,
) -> (StatusCode, serde_json::Value) {
    w.call(
        "POST",
        &format!("/api/v1/persons/{p}/handover"),
        Some(token),
        Some(serde_json::json!({"protocol": "2.1", "worker": to, "note": note})),
    )
    .await
}

fn audit_actions(w: &World) -> Vec<(String, String)> {
    store::read(&*w.store, |tx| tx.audit_entries(0, 1_000_000))
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.entity))
        .collect()
}

#[tokio::test]
async fn a_supervisor_hands_a_person_over_and_both_tablets_pull_it() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", TEAM_A).await;
    let d2 = w.worker_device("w2", TEAM_A).await;
    w.user("sv-a", Role::Supervisor, Some(TEAM_A), None);
    let pid = assigned_person(&w, &mut d1).await;
    // The 担当's name goes out with the person from the start.
    let before = snapshot_of(&w.pull_all(&d2.token).await, pid);
    assert_eq!(before.assigned_name.as_deref(), Some("架空 w1"));
    assert!(before.handover.is_none());

    let sv = w.login("sv-a").await;
    let (s, v) = hand_over(&w, &sv, pid, d2.user, "母の通院の付き添いを続けてください").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let h: HandOver = serde_json::from_value(v).unwrap();
    assert_eq!((h.from, h.to), (Some(d1.user), d2.user));
    assert_eq!(h.from_name.as_deref(), Some("架空 w1"));

    for d in [&d1, &d2] {
        let snap = snapshot_of(&w.pull_all(&d.token).await, pid);
        assert_eq!(snap.person.assigned_worker, Some(d2.user));
        assert_eq!(snap.assigned_name.as_deref(), Some("架空 w2"));
        let h = snap
            .handover
            .expect("the hand-over travels with the person");
        assert_eq!(h.note, "母の通院の付き添いを続けてください");
        assert_eq!(h.to_name, "架空 w2");
        assert!(snap.versions.contains_key("assigned_worker"));
    }
    let audit = audit_actions(&w);
    assert!(
        audit
            .iter()
            .any(|(a, e)| a == "person.handover" && e.contains(&pid.to_string())),
        "{audit:?}"
    );
    // The note is in the record, not in the audit log.
    assert!(audit.iter().all(|(_, e)| !e.contains("通院")));
}

#[tokio::test]
async fn only_the_teams_supervisors_hand_over_to_an_active_worker_of_the_team() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", TEAM_A).await;
    let d2 = w.worker_device("w2", TEAM_A).await;
    let other = w.worker_device("wb", TEAM_B).await;
    w.user("sv-a", Role::Supervisor, Some(TEAM_A), None);
    w.user("sv-b", Role::Supervisor, Some(TEAM_B), None);
    let sv_a2 = w.user("sv-a2", Role::Supervisor, Some(TEAM_A), None);
    w.user("coord", Role::Coordinator, None, None);
    let gone = w.user("w-gone", Role::OutreachWorker, Some(TEAM_A), None);
    store::write(&*w.store, |tx| tx.set_user_active(gone, false)).unwrap();
    let pid = assigned_person(&w, &mut d1).await;

    // The caller: a worker's tablet, a worker's or coordinator's office
    // login, another team's supervisor (who cannot even see the person).
    let (s, _) = hand_over(&w, &d1.token, pid, d2.user, "メモ").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (login, want) in [
        ("w1", StatusCode::FORBIDDEN),
        ("coord", StatusCode::NOT_FOUND),
        ("sv-b", StatusCode::NOT_FOUND),
    ] {
        let t = w.login(login).await;
        let (s, v) = hand_over(&w, &t, pid, d2.user, "メモ").await;
        assert_eq!(s, want, "{login}: {v}");
    }
    // The new worker: another team's, deactivated, a supervisor, the same
    // one; and a missing note. Each a 422 naming the field.
    let sv = w.login("sv-a").await;
    for (to, note, field) in [
        (other.user, "メモ", "handover.worker"),
        (gone, "メモ", "handover.worker"),
        (sv_a2, "メモ", "handover.worker"),
        (d1.user, "メモ", "handover.worker"),
        (d2.user, "  ", "handover.note"),
    ] {
        let (s, v) = hand_over(&w, &sv, pid, to, note).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field_errors"][0]["field"], field, "{v}");
    }
    let denied = audit_actions(&w)
        .into_iter()
        .filter(|(a, _)| a == "handover.denied")
        .count();
    assert!(denied >= 6, "refusals are audited: {denied}");
    // Nothing changed.
    let snap = snapshot_of(&w.pull_all(&d2.token).await, pid);
    assert_eq!(snap.person.assigned_worker, Some(d1.user));
    assert!(snap.handover.is_none());
}

#[tokio::test]
async fn a_tablet_cannot_change_the_assigned_worker_itself() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", TEAM_A).await;
    let d2 = w.worker_device("w2", TEAM_A).await;
    let pid = assigned_person(&w, &mut d1).await;
    let set = |v| Payload::UpdatePerson {
        changes: vec![FieldChange {
            set: PersonField::AssignedWorker(v),
            base: None,
        }],
    };
    let change = d1.op(EntityRef::person(pid), set(Some(d2.user)));
    let same = d1.op(EntityRef::person(pid), set(Some(d1.user)));
    let r = w.push_ok(&d1, &[change, same]).await;
    match &r[0].outcome {
        Outcome::Rejected(x) => assert_eq!(x.code, RejectCode::Forbidden),
        o => panic!("{o:?}"),
    }
    assert!(matches!(r[1].outcome, Outcome::Applied { .. }), "{r:?}");
}

#[tokio::test]
async fn a_tablet_registers_a_person_for_its_own_worker_only() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", TEAM_A).await;
    let d2 = w.worker_device("w2", TEAM_A).await;
    let mut other = person("架空 他担当", d1.team);
    other.assigned_worker = Some(d2.user);
    let mut own = person("架空 自担当", d1.team);
    own.assigned_worker = Some(d1.user);
    let nobody = person("架空 未定", d1.team);
    let ops = [
        d1.op(
            EntityRef::person(other.id),
            Payload::CreatePerson(other.clone()),
        ),
        d1.op(
            EntityRef::person(own.id),
            Payload::CreatePerson(own.clone()),
        ),
        d1.op(
            EntityRef::person(nobody.id),
            Payload::CreatePerson(nobody.clone()),
        ),
    ];
    let r = w.push_ok(&d1, &ops).await;
    match &r[0].outcome {
        Outcome::Rejected(x) => assert_eq!(x.code, RejectCode::Forbidden),
        o => panic!("{o:?}"),
    }
    assert!(matches!(r[1].outcome, Outcome::Applied { .. }), "{r:?}");
    assert!(matches!(r[2].outcome, Outcome::Applied { .. }), "{r:?}");
    let stored = store::read(&*w.store, |tx| tx.person(other.id)).unwrap();
    assert!(stored.is_none(), "nothing of a refused person is written");
}

fn start(person: PersonId, started: i64, minutes: i64) -> VisitStart {
    let now = Utc::now();
    VisitStart {
        id: VisitId::new_v7(now_ms(), rnd()),
        person_id: person,
        started_at: now - Duration::minutes(started),
        expected_end: now - Duration::minutes(started) + Duration::minutes(minutes),
    }
}

fn unconfirmed(w: &World, login: &str) -> Result<Vec<engine::visits::Unconfirmed>, engine::Error> {
    let u = store::read(&*w.store, |tx| tx.user_by_name(login))
        .unwrap()
        .unwrap();
    let caller = Caller {
        actor: engine::actor_of(&u),
        device: None,
    };
    let team = u.team.unwrap();
    store::write(&*w.store, |tx| {
        engine::visits::unconfirmed(tx, &caller, team, Duration::minutes(30), Utc::now())
    })
}

#[tokio::test]
async fn a_visit_past_its_end_and_the_grace_shows_for_the_teams_supervisors_until_finished() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", TEAM_A).await;
    let mut d2 = w.worker_device("w2", TEAM_A).await;
    w.user("sv-a", Role::Supervisor, Some(TEAM_A), None);
    w.user("sv-b", Role::Supervisor, Some(TEAM_B), None);
    let pid = assigned_person(&w, &mut d1).await;

    // Started 2 h ago for 60 min: 60 min late (grace 30). Another started
    // 70 min ago for 60 min: 10 min late, within the grace.
    let late = start(pid, 120, 60);
    let within = start(pid, 70, 60);
    let ops = [
        d1.op(EntityRef::visit(late.id), Payload::StartVisit(late.clone())),
        d1.op(
            EntityRef::visit(within.id),
            Payload::StartVisit(within.clone()),
        ),
    ];
    let r = w.push_ok(&d1, &ops).await;
    assert!(
        r.iter()
            .all(|x| matches!(x.outcome, Outcome::Applied { .. })),
        "{r:?}"
    );

    let list = unconfirmed(&w, "sv-a").unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].visit, late.id);
    assert_eq!(list[0].worker, d1.user);
    assert_eq!(list[0].worker_name, "架空 w1");
    assert_eq!(
        list[0].area.as_ref().map(|a| a.name_ja()).as_deref(),
        Some("栄町2丁目")
    );
    // Only the team's supervisors.
    assert!(matches!(unconfirmed(&w, "sv-b"), Ok(l) if l.is_empty()));
    assert!(matches!(
        unconfirmed(&w, "w1"),
        Err(engine::Error::Forbidden(_))
    ));
    // Visits never go out in a pull (nothing but ids and times anyway).
    assert!(
        w.pull_all(&d2.token)
            .await
            .iter()
            .all(|c| c.entity.kind != EntityKind::Visit)
    );

    // Only the visit's worker finishes it; an unknown visit is not found;
    // an end before the start is invalid.
    let end = |d: &mut Device, id: VisitId, at| {
        d.op(
            EntityRef::visit(id),
            Payload::FinishVisit {
                person_id: pid,
                ended_at: at,
            },
        )
    };
    let now = Utc::now();
    let by_other = end(&mut d2, late.id, now);
    let r = w.push_ok(&d2, &[by_other]).await;
    assert!(matches!(&r[0].outcome, Outcome::Rejected(x) if x.code == RejectCode::Forbidden));
    let unknown = end(&mut d1, VisitId::new_v7(now_ms(), rnd()), now);
    let before_start = end(&mut d1, late.id, late.started_at - Duration::minutes(1));
    let r = w.push_ok(&d1, &[unknown, before_start]).await;
    assert!(matches!(&r[0].outcome, Outcome::Rejected(x) if x.code == RejectCode::NotFound));
    assert!(matches!(&r[1].outcome, Outcome::Rejected(x) if x.code == RejectCode::Invalid));
    assert_eq!(unconfirmed(&w, "sv-a").unwrap().len(), 1);

    let finish = end(&mut d1, late.id, now);
    let r = w.push_ok(&d1, &[finish]).await;
    assert!(matches!(r[0].outcome, Outcome::Applied { .. }), "{r:?}");
    assert!(unconfirmed(&w, "sv-a").unwrap().is_empty(), "finished");
    let audit = audit_actions(&w);
    for a in [
        "push.start_visit",
        "push.finish_visit",
        "console.view.unconfirmed_visit",
    ] {
        assert!(audit.iter().any(|(x, _)| x == a), "{a}");
    }
}

#[tokio::test]
async fn a_visit_with_an_impossible_end_or_for_another_teams_person_is_refused() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", TEAM_A).await;
    let mut db = w.worker_device("wb", TEAM_B).await;
    let pid = assigned_person(&w, &mut d1).await;
    let mut backwards = start(pid, 10, 60);
    backwards.expected_end = backwards.started_at - Duration::minutes(5);
    let too_long = start(pid, 10, 13 * 60);
    let ops = [
        d1.op(
            EntityRef::visit(backwards.id),
            Payload::StartVisit(backwards.clone()),
        ),
        d1.op(
            EntityRef::visit(too_long.id),
            Payload::StartVisit(too_long.clone()),
        ),
    ];
    let r = w.push_ok(&d1, &ops).await;
    for x in &r {
        assert!(
            matches!(&x.outcome, Outcome::Rejected(e) if e.code == RejectCode::Invalid),
            "{x:?}"
        );
    }
    let other = start(pid, 10, 60);
    let op = db.op(EntityRef::visit(other.id), Payload::StartVisit(other));
    let r = w.push_ok(&db, &[op]).await;
    assert!(
        matches!(&r[0].outcome, Outcome::Rejected(e) if e.code == RejectCode::Forbidden),
        "{r:?}"
    );
}
