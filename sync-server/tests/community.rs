//! 地域づくり on the server (issue 18): a community activity pushed by a
//! tablet with the person to find it brought up (pushed before it as an
//! ordinary new person at 把握); checked (the author, the team, the person
//! on the team's caseload, names refused, append-only), pulled by the
//! team's tablets of protocol 2.3 only, listed for the console by 町丁 and
//! period with the persons as the reader may see them, audited. Through
//! the router, on a real database (SQLite, or PostgreSQL with
//! `OUTREACH_TEST_BACKEND=postgres`).

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use outreach_shared::access::{Actor, Role};
use outreach_shared::protocol::*;
use outreach_shared::*;
use sync_server::engine::{Caller, community};
use sync_server::store;

const TEAM_A: &str = "班A（見本）";
const TEAM_B: &str = "班B（見本）";

fn office(user: UserId, role: Role, team: Option<TeamId>) -> Caller {
    Caller {
        actor: Actor {
            user,
            role,
            team,
            agency: None,
        },
        device: None,
    }
}

fn activity(d: &Device, finds: Vec<PersonId>) -> CommunityActivity {
    CommunityActivity {
        id: CommunityActivityId::new_v7(now_ms(), rnd()),
        team: d.team,
        author: d.user,
        kind: ActivityKind::WelfareCommissionerMeeting,
        area: "sakaecho-3".parse().unwrap(),
        held_at: Utc::now() - Duration::hours(3),
        participants: vec![Participants {
            role: ParticipantRole::WelfareCommissioner,
            count: 8,
        }],
        learned: "集合住宅で最近姿を見ない高齢の男性がいるとの話".into(),
        follow_up: Some("民生委員さんと様子を見に行く".into()),
        persons_to_find: finds,
        recorded_at: Utc::now() - Duration::hours(1),
    }
}

fn op(d: &mut Device, a: &CommunityActivity) -> Operation {
    d.op(
        EntityRef::community_activity(a.id),
        Payload::RecordCommunityActivity(a.clone()),
    )
}

async fn pull_at(w: &World, token: &str, minor: u16) -> Vec<Change> {
    let mut cursor = 0;
    let mut out = Vec::new();
    loop {
        let (s, v) = w
            .call(
                "POST",
                "/api/v1/sync/pull",
                Some(token),
                Some(serde_json::json!({"protocol": format!("2.{minor}"), "cursor": cursor, "limit": 1000})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r: PullResponse = serde_json::from_value(v).unwrap();
        out.extend(r.changes);
        cursor = r.next_cursor;
        if !r.has_more {
            return out;
        }
    }
}

fn activities_in(changes: &[Change]) -> Vec<CommunityActivity> {
    changes
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::CommunityActivity(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn rejected(r: &OperationResult) -> RejectCode {
    match &r.outcome {
        Outcome::Rejected(x) => x.code,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_community_activity_with_a_person_to_find_is_kept_pulled_by_the_team_and_listed() {
    let w = World::new();
    let mut d = w.worker_device("w1", TEAM_A).await;
    let mate = w.worker_device("w2", TEAM_A).await;
    let mut other = w.worker_device("w9", TEAM_B).await;

    // The person to find first (the ordinary new person), then the activity.
    let (pid, create) = d.create_person("栄町3丁目 高齢男性");
    let a = activity(&d, vec![pid]);
    let ops = [create, op(&mut d, &a)];
    let r = w.push_ok(&d, &ops).await;
    assert!(
        r.iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{r:?}"
    );
    let stored = store::read(&*w.store, |tx| tx.community_activity(a.id))
        .unwrap()
        .unwrap();
    assert_eq!(stored, a);

    // Refusals: an unknown person to find, the same id again, a name in
    // what was learned, another team's activity, another worker as author.
    let ghost = activity(&d, vec![PersonId::new_v7(1, [8; 10])]);
    let mut again = a.clone();
    again.learned = "書き換え".into();
    let mut named = activity(&d, vec![]);
    named.learned = "サロンで山田さんが最近来ないと聞いた".into();
    let mut foreign = activity(&d, vec![]);
    foreign.team = w.team_b;
    let mut forged = activity(&d, vec![]);
    forged.author = mate.user;
    let ops = [
        op(&mut d, &ghost),
        op(&mut d, &again),
        op(&mut d, &named),
        op(&mut d, &foreign),
        op(&mut d, &forged),
    ];
    let r = w.push_ok(&d, &ops).await;
    let codes: Vec<RejectCode> = r.iter().map(rejected).collect();
    assert_eq!(
        codes,
        [
            RejectCode::NotFound,
            RejectCode::AppendOnly,
            RejectCode::Invalid,
            RejectCode::Forbidden,
            RejectCode::Forbidden
        ]
    );
    match &r[2].outcome {
        Outcome::Rejected(x) => assert!(
            x.field_errors
                .iter()
                .any(|f| f.field == "payload.community.learned"
                    && f.violation == Violation::LooksLikeName),
            "{x:?}"
        ),
        _ => unreachable!(),
    }
    // Another team's worker may not name team A's person.
    let b_act = activity(&other, vec![pid]);
    let b_op = op(&mut other, &b_act);
    let r = w.push_ok(&other, &[b_op]).await;
    assert_eq!(rejected(&r[0]), RejectCode::Invalid);

    // The team's other tablet (2.3) gets the activity and the person at 把握;
    // a 2.2 tablet and the other team get no activity.
    let changes = pull_at(&w, &mate.token, 3).await;
    assert_eq!(activities_in(&changes), vec![a.clone()]);
    let found = changes.iter().find_map(|c| match &c.body {
        ChangeBody::Person(s) if s.person.id == pid => Some(s.person.clone()),
        _ => None,
    });
    assert_eq!(found.map(|p| p.stage), Some(Stage::Identified));
    let old = pull_at(&w, &mate.token, 2).await;
    assert!(activities_in(&old).is_empty());
    assert!(old.iter().any(|c| c.entity.id == pid.0), "the person still");
    assert!(activities_in(&pull_at(&w, &other.token, 3).await).is_empty());

    // The console's list: the team's supervisor sees the person found; the
    // coordinator sees the activity but not the never-escalated person;
    // the other team's supervisor sees nothing; by 町丁 and period.
    let sv = office(
        w.user("sv", Role::Supervisor, Some(TEAM_A), None),
        Role::Supervisor,
        Some(w.team_a),
    );
    let sv_b = office(
        w.user("sv-b", Role::Supervisor, Some(TEAM_B), None),
        Role::Supervisor,
        Some(w.team_b),
    );
    let co = office(
        w.user("co", Role::Coordinator, None, None),
        Role::Coordinator,
        None,
    );
    let (from, to) = (Utc::now() - Duration::days(1), Utc::now());
    let list = |c: &Caller, area: Option<AreaCode>| {
        let c = c.clone();
        store::write(&*w.store, move |tx| {
            community::list(tx, &c, area.as_ref(), from, to, Utc::now())
        })
        .unwrap()
    };
    let l = list(&sv, None);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].activity.id, a.id);
    assert_eq!(
        l[0].persons
            .iter()
            .map(|p| (p.alias.as_str(), p.stage))
            .collect::<Vec<_>>(),
        [("栄町3丁目 高齢男性", Stage::Identified)]
    );
    let l = list(&co, None);
    assert_eq!(l.len(), 1);
    assert!(
        l[0].persons.is_empty(),
        "not escalated: not the coordinator's"
    );
    assert!(list(&sv_b, None).is_empty());
    assert!(list(&sv, Some("sakaecho-1".parse().unwrap())).is_empty());
    assert_eq!(list(&sv, Some("sakaecho-3".parse().unwrap())).len(), 1);
    let later = store::write(&*w.store, |tx| {
        community::list(
            tx,
            &sv,
            None,
            Utc::now() + Duration::days(1),
            Utc::now() + Duration::days(2),
            Utc::now(),
        )
    })
    .unwrap();
    assert!(later.is_empty());

    // Audited: the push and the console's reads.
    let actions: Vec<String> = store::read(&*w.store, |tx| tx.audit_entries(0, 1_000_000))
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.contains("community"))
        .collect();
    assert!(actions.contains(&"push.record_community_activity".to_owned()));
    assert!(actions.contains(&"console.community_activities".to_owned()));
}
