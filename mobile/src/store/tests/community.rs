//! The store side of 地域づくり (issue 18): a community activity and its
//! persons to find are written in one transaction (the persons first in
//! the outbox, at 把握 by the one new-person rule), sealed, never in clear
//! in the files, refused whole when invalid; a v4 store opens as v5 with
//! its data; the re-pull after a protocol minor upgrade.

use super::*;

fn new_activity(finds: &[&str]) -> NewCommunityActivity {
    NewCommunityActivity {
        kind: ActivityKind::SalonVisit,
        area: "sakaecho-3".parse().unwrap(),
        held_at: t0() - chrono::Duration::hours(2),
        participants: vec![Participants {
            role: ParticipantRole::Resident,
            count: 12,
        }],
        learned: "一人暮らしの高齢の方の話題が多かった".into(),
        follow_up: Some("包括の職員さんに伝える".into()),
        persons_to_find: finds
            .iter()
            .map(|a| PersonToFind {
                alias: (*a).into(),
                sex: None,
            })
            .collect(),
    }
}

#[test]
fn an_activity_and_its_persons_to_find_are_one_sealed_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let (a, persons) = s
        .log_community_activity(new_activity(&["栄町3丁目 高齢男性"]))
        .unwrap();
    assert_eq!(persons.len(), 1);
    let p = &persons[0];
    assert_eq!(p.stage, Stage::Identified);
    assert_eq!(p.area, Some("sakaecho-3".parse().unwrap()));
    assert_eq!(p.noticed_by, Some(NoticedBy::Outreach));
    assert_eq!(a.persons_to_find, vec![p.id]);
    assert_eq!(s.person(p.id).unwrap(), *p, "on the caseload");
    assert_eq!(s.found_by(p.id).unwrap(), Some(a.clone()));
    assert_eq!(s.timeline(p.id).unwrap().found_by, Some(a.clone()));
    assert_eq!(s.community_activities().unwrap(), vec![a.clone()]);
    // The person's operation goes first, so the server has them in time.
    let ops: Vec<&str> = s
        .outbox_batch(10)
        .unwrap()
        .items
        .iter()
        .map(|e| e.op.payload.type_name())
        .collect();
    assert_eq!(ops, ["create_person", "record_community_activity"]);

    // A name in the text or in an alias: nothing is written at all.
    let before = outbox_count(&s);
    let mut named = new_activity(&[]);
    named.learned = "田中さんの家の前".into();
    assert!(matches!(
        s.log_community_activity(named),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.log_community_activity(new_activity(&["佐藤様"])),
        Err(StoreError::Invalid(_))
    ));
    let mut none = new_activity(&["羽中1丁目 若い男性"]);
    none.participants.clear();
    assert!(s.log_community_activity(none).is_err());
    assert_eq!(outbox_count(&s), before);
    assert_eq!(s.persons().unwrap().items.len(), 1, "no half-made person");

    // Sealed: nothing of it in clear in the files; kept across a PIN change.
    drop(s);
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir.path().join("data")).unwrap() {
        files.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    for needle in [
        "一人暮らし",
        "高齢男性",
        "salon_visit",
        "sakaecho",
        "resident",
    ] {
        for f in &files {
            assert!(
                !f.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in clear"
            );
        }
    }
    let mut s = Store::open(cfg(dir.path())).unwrap();
    s.unlock(&pin()).unwrap();
    let new_pin = Pin::new("975310".into()).unwrap();
    s.change_pin(&pin(), &new_pin).unwrap();
    assert_eq!(s.community_activities().unwrap(), vec![a]);
}

#[test]
fn a_version_4_store_opens_as_version_5_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::init_at_schema(
        cfg(dir.path()),
        &pin(),
        None,
        KdfParams::insecure_fast_for_tests(),
        4,
    )
    .unwrap();
    assert_eq!(schema::version(s.conn()).unwrap(), 4);
    let p = s.create_person(hanako()).unwrap();
    drop(s);
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert_eq!(schema::version(s.conn()).unwrap(), 5);
    assert_eq!(schema::LATEST_VERSION, 5);
    s.unlock(&pin()).unwrap();
    assert_eq!(s.person(p.id).unwrap(), p);
    assert!(s.community_activities().unwrap().is_empty());
    s.log_community_activity(new_activity(&[])).unwrap();
    assert_eq!(s.community_activities().unwrap().len(), 1);
}

#[test]
fn a_newer_app_pulls_again_from_the_start_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    // A store whose cursor an app of 2.2 built (no pull_minor kept).
    assert_eq!(s.begin_pull(2).unwrap(), 0);
    let server = DeviceId::from_uuid(uuid::Uuid::nil());
    let conflict = ConflictRecord {
        person_id: PersonId::new_v7(1, [5; 10]),
        field: "alias".into(),
        kept: serde_json::json!("a"),
        kept_hlc: Hlc::new(2, 0, server),
        other: serde_json::json!("b"),
        other_hlc: Hlc::new(1, 0, server),
    };
    let page = PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![Change {
            seq: 7,
            hlc: Hlc::new(3, 0, server),
            entity: EntityRef {
                kind: protocol::EntityKind::Conflict,
                id: uuid::Uuid::nil(),
            },
            body: ChangeBody::Conflict(conflict),
        }],
        next_cursor: 7,
        has_more: false,
        server_time: t0(),
    };
    assert_eq!(s.apply_pull_page(&page).unwrap().conflicts, 1);
    assert_eq!(s.begin_pull(2).unwrap(), 7, "same app: go on");
    // The app is updated: start again, once.
    assert_eq!(s.begin_pull(protocol::PROTOCOL_MINOR).unwrap(), 0);
    // The conflict seen before is not stored (nor shown) twice.
    assert_eq!(s.apply_pull_page(&page).unwrap().conflicts, 0);
    assert_eq!(s.begin_pull(protocol::PROTOCOL_MINOR).unwrap(), 7);
}
