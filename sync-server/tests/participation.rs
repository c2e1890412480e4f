//! 参加支援 on the server (issue 18): the 地域資源 catalogue kept through
//! the engine by coordinators and supervisors and pulled by every team's
//! tablets (protocol 2.2 only, never pushed); a person's needs, trials and
//! follow-ups pushed by a tablet, checked against the store, append-only,
//! pulled by the team only; the report's sums of unmet needs. Through the
//! router, on a real database (SQLite, or PostgreSQL with
//! `OUTREACH_TEST_BACKEND=postgres`).

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use outreach_shared::access::{Actor, Role};
use outreach_shared::protocol::*;
use outreach_shared::*;
use sync_server::engine::resources::{self, ResourceDraft};
use sync_server::engine::{self, Caller};
use sync_server::{admin, store};

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

fn draft(name: &str) -> ResourceDraft {
    ResourceDraft {
        name: name.into(),
        kind: ResourceKind::PlaceToBe,
        areas: ["sakaecho-1".parse().unwrap()].into(),
        for_whom: "若い世代の方".into(),
        days: "毎週金曜 17時〜20時".into(),
        contact: "架空の居場所（042-000-0000）".into(),
        accepts_new: true,
    }
}

/// Every change after 0, as a tablet of protocol `2.<minor>` pulls it.
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

fn resources_in(changes: &[Change]) -> Vec<LocalResource> {
    changes
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::Resource(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn participation_in(changes: &[Change]) -> Vec<ParticipationRecord> {
    changes
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::Participation(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn save(
    w: &World,
    c: &Caller,
    id: Option<ResourceId>,
    d: ResourceDraft,
) -> engine::Result<LocalResource> {
    store::write(&*w.store, |tx| {
        resources::save(tx, c, &w.state.clock, id, d, Utc::now())
    })
}

#[tokio::test]
async fn the_catalogue_is_kept_by_the_office_and_reaches_every_team_read_only() {
    let w = World::new();
    let da = w.worker_device("w-a", TEAM_A).await;
    let db = w.worker_device("w-b", TEAM_B).await;
    let co = office(
        w.user("co", Role::Coordinator, None, None),
        Role::Coordinator,
        None,
    );
    let sv = office(
        w.user("sv", Role::Supervisor, Some(TEAM_A), None),
        Role::Supervisor,
        Some(w.team_a),
    );
    let worker = office(da.user, Role::OutreachWorker, Some(w.team_a));

    let r = save(&w, &co, None, draft("架空の夜の居場所")).unwrap();
    // A supervisor edits it; a worker may not; a bad form names its field.
    let mut edit = draft("架空の夜の居場所");
    edit.accepts_new = false;
    let edited = save(&w, &sv, Some(r.id), edit).unwrap();
    assert!(!edited.accepts_new);
    assert!(matches!(
        save(&w, &worker, None, draft("x")),
        Err(engine::Error::Forbidden(_))
    ));
    let mut bad = draft("  ");
    bad.contact = String::new();
    match save(&w, &co, None, bad) {
        Err(engine::Error::Invalid(v)) => {
            assert!(v.has("resource.name") && v.has("resource.contact"), "{v}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        save(&w, &co, Some(ResourceId::new_v7(1, [9; 10])), draft("y")),
        Err(engine::Error::NotFound(_))
    ));
    let listed = store::read(&*w.store, |tx| resources::list(tx, &worker)).unwrap();
    assert_eq!(listed.len(), 1, "the refused saves wrote nothing");

    // Both teams' tablets of protocol 2.2 pull it, as it is now.
    for d in [&da, &db] {
        let got = resources_in(&pull_at(&w, &d.token, 2).await);
        assert_eq!(
            got.last().map(|r| (r.id, r.accepts_new)),
            Some((r.id, false))
        );
    }
    // A tablet of 2.1 gets no change it could not read.
    assert!(resources_in(&pull_at(&w, &da.token, 1).await).is_empty());
    // A team added later gets the catalogue too.
    admin::ensure_team(&*w.store, "班C（見本）", Utc::now()).unwrap();
    let dc = w.worker_device("w-c", "班C（見本）").await;
    assert_eq!(resources_in(&pull_at(&w, &dc.token, 2).await).len(), 1);

    // Audited, add and edit.
    let actions: Vec<String> = store::read(&*w.store, |tx| tx.audit_entries(0, 1_000_000))
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == format!("resource:{}", r.id))
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["resource.add", "resource.edit"]);

    // Tablets cannot write the catalogue: the push has no such operation.
    let (s, v) = w
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(&da.token),
            Some(serde_json::json!({
                "protocol": "2.2", "device_id": da.id,
                "operations": [{
                    "id": OperationId::new_v7(now_ms(), rnd()),
                    "device_id": da.id,
                    "hlc": Hlc::new(now_ms(), 1, da.id),
                    "entity": {"kind": "resource", "id": r.id},
                    "payload": {"type": "put_resource", "data": r},
                }]
            })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let after = store::read(&*w.store, |tx| tx.resource(r.id))
        .unwrap()
        .unwrap();
    assert_eq!(after, edited, "the catalogue is unchanged");
}

fn record(d: &Device, person: PersonId, entry: ParticipationEntry) -> ParticipationRecord {
    ParticipationRecord {
        id: ParticipationId::new_v7(now_ms(), rnd()),
        person_id: person,
        author: d.user,
        recorded_at: Utc::now() - Duration::minutes(5),
        entry,
    }
}

fn op(d: &mut Device, r: &ParticipationRecord) -> Operation {
    d.op(
        EntityRef::participation(r.id),
        Payload::RecordParticipation(r.clone()),
    )
}

#[tokio::test]
async fn needs_trials_and_follow_ups_are_checked_kept_and_pulled_by_the_team_only() {
    let w = World::new();
    let mut d = w.worker_device("w1", TEAM_A).await;
    let mut other = w.worker_device("w9", TEAM_B).await;
    let co_id = w.user("co", Role::Coordinator, None, None);
    let co = office(co_id, Role::Coordinator, None);
    let res = save(&w, &co, None, draft("架空の夜の居場所")).unwrap();
    let (pid, create) = d.create_person("架空 参加");
    let (pid2, create2) = d.create_person("架空 別人");
    assert!(
        w.push_ok(&d, &[create, create2])
            .await
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. }))
    );

    let need = record(
        &d,
        pid,
        ParticipationEntry::Needs {
            needs: [NeedKind::PlaceToBe].into(),
            note: None,
            unmet: Some(UnmetNeed {
                area: "sakaecho-1".parse().unwrap(),
                description: "若者が夕方に行ける居場所がない".into(),
            }),
        },
    );
    let trial = record(
        &d,
        pid,
        ParticipationEntry::Trial {
            resource: res.id,
            resource_name: res.name.clone(),
            step: TrialStep::Proposed,
            meets: Some(need.id),
            note: None,
        },
    );
    let stop = record(
        &d,
        pid,
        ParticipationEntry::FollowUp {
            trial: trial.id,
            outcome: TrialOutcome::Stopped,
            reason: Some("夜は家族の介護がある".into()),
        },
    );
    let ops = [op(&mut d, &need), op(&mut d, &trial), op(&mut d, &stop)];
    let r = w.push_ok(&d, &ops).await;
    assert!(
        r.iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{r:?}"
    );

    // Refusals: an unknown resource, a follow-up of another person's trial,
    // the same record id again, a stop without why, another team's worker.
    let rejected = |r: &OperationResult| match &r.outcome {
        Outcome::Rejected(x) => x.code,
        other => panic!("{other:?}"),
    };
    let unknown = record(
        &d,
        pid,
        ParticipationEntry::Trial {
            resource: ResourceId::new_v7(1, [7; 10]),
            resource_name: "ない資源".into(),
            step: TrialStep::Started,
            meets: None,
            note: None,
        },
    );
    let cross = record(
        &d,
        pid2,
        ParticipationEntry::FollowUp {
            trial: trial.id,
            outcome: TrialOutcome::Continuing,
            reason: None,
        },
    );
    let mut again = need.clone();
    again.entry = ParticipationEntry::Needs {
        needs: [NeedKind::Work].into(),
        note: None,
        unmet: None,
    };
    let mut no_why = stop.clone();
    no_why.id = ParticipationId::new_v7(now_ms(), rnd());
    no_why.entry = ParticipationEntry::FollowUp {
        trial: trial.id,
        outcome: TrialOutcome::Stopped,
        reason: None,
    };
    let ops = [
        op(&mut d, &unknown),
        op(&mut d, &cross),
        op(&mut d, &again),
        op(&mut d, &no_why),
    ];
    let r = w.push_ok(&d, &ops).await;
    assert_eq!(
        r.iter().map(rejected).collect::<Vec<_>>(),
        [
            RejectCode::NotFound,
            RejectCode::Invalid,
            RejectCode::AppendOnly,
            RejectCode::Invalid
        ]
    );
    let mut foreign = record(&other, pid, need.entry.clone());
    foreign.author = other.user;
    let foreign_op = op(&mut other, &foreign);
    let r = w.push_ok(&other, &[foreign_op]).await;
    assert_eq!(rejected(&r[0]), RejectCode::Forbidden);

    // The team pulls the three, as sent; the other team and the
    // coordinator (never escalated) pull none.
    let got = participation_in(&pull_at(&w, &d.token, 2).await);
    assert_eq!(got, vec![need.clone(), trial.clone(), stop.clone()]);
    assert!(participation_in(&pull_at(&w, &other.token, 2).await).is_empty());
    let co_token = w.login("co").await;
    assert!(participation_in(&pull_at(&w, &co_token, 2).await).is_empty());
    let stored = store::read(&*w.store, |tx| tx.participation_of(pid)).unwrap();
    assert_eq!(stored.len(), 3);

    // The report's sums: one unmet need at 栄町1丁目, met by the trial.
    let data = store::read(&*w.store, |tx| {
        engine::records::report_records(
            tx,
            &co,
            Utc::now().date_naive() - Duration::days(30),
            Utc::now().date_naive(),
        )
    })
    .unwrap();
    let lines = participation::summarise_unmet(
        data.teams
            .iter()
            .flat_map(|t| t.participation.values().map(Vec::as_slice)),
        Utc::now() - Duration::days(1),
        Utc::now() + Duration::days(1),
        Utc::now(),
    );
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].area.name_ja(), "栄町1丁目");
    assert_eq!((lines[0].recorded, lines[0].open), (1, 0));
}

/// 民生委員 as partners (issue 18): information from a 民生委員 is its own
/// contact method, kept apart from other residents'; a tablet of a
/// protocol before 2.2, which cannot read it, does not get it.
#[tokio::test]
async fn information_from_a_welfare_commissioner_is_its_own_kind_for_new_tablets() {
    let w = World::new();
    let mut d = w.worker_device("w1", TEAM_A).await;
    let (pid, create) = d.create_person("架空 民生");
    let mut c = contact(pid, d.user, "民生委員から、最近見かけないとの連絡");
    c.method = ContactMethod::WelfareCommissionerInformation;
    c.met = MetWhom::Nobody;
    c.response = None;
    let log = d.op(EntityRef::contact(c.id), Payload::LogContact(c.clone()));
    let r = w.push_ok(&d, &[create, log]).await;
    assert!(
        r.iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{r:?}"
    );
    let contacts = |changes: &[Change]| -> Vec<ContactLog> {
        changes
            .iter()
            .filter_map(|ch| match &ch.body {
                ChangeBody::Contact(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    };
    let new = contacts(&pull_at(&w, &d.token, 2).await);
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].method, ContactMethod::WelfareCommissionerInformation);
    assert!(contacts(&pull_at(&w, &d.token, 1).await).is_empty());
    assert_eq!(
        ja::Label::ja(&ContactMethod::WelfareCommissionerInformation),
        "民生委員からの情報"
    );
    assert_ne!(
        ja::Label::ja(&ContactMethod::ResidentInformation),
        ja::Label::ja(&ContactMethod::WelfareCommissionerInformation)
    );
}
