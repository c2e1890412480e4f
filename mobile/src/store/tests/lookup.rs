//! The session's in-memory lookups (`store/lookup.rs`, issue 17): the
//! timeline's 世帯 links and 地域づくり line come from an index built on
//! first use, and every write that can change them — a local edit, a
//! pulled record, a record removed by the server, a discarded change,
//! another connection's commit — shows on the next page view.

use super::*;
use outreach_shared::merge::household::{LIST_KEY, member_key};
use std::collections::BTreeMap;

fn linked_member(alias: &str, person: PersonId) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId(uuid::Uuid::nil()),
        relation: Relation::Child,
        alias: Some(alias.into()),
        birth_year: None,
        lives_together: true,
        note: None,
        person: Some(person),
    }
}

/// The persons whose household lists `p`, as its timeline shows them,
/// with the alias shown.
fn listed_by(s: &mut Store, p: PersonId) -> Vec<(PersonId, String)> {
    s.timeline(p)
        .unwrap()
        .household
        .into_iter()
        .filter(|l| l.lists_this_person)
        .map(|l| (l.person, l.on_caseload.map(|(a, _)| a).unwrap_or_default()))
        .collect()
}

fn page(seq: u64, entity: EntityRef, body: ChangeBody) -> PullResponse {
    PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![Change {
            seq,
            hlc: Hlc::new(unix_ms(t0()), seq as u16, DeviceId::new_v7(1, [7; 10])),
            entity,
            body,
        }],
        next_cursor: seq,
        has_more: false,
        server_time: t0(),
    }
}

#[test]
fn household_links_follow_local_edits_pulls_removals_and_other_connections() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let mut mother_new = hanako();
    mother_new.alias = "架空 ハナ".into();
    let mother = s.create_person(mother_new).unwrap();
    let son = s.create_person(hanako()).unwrap();
    // The index is built here, with nobody linking the mother.
    assert!(listed_by(&mut s, mother.id).is_empty());

    // A local link shows on the mother's page; the alias shown is the
    // son's current one.
    let son_now = s
        .add_household_member(son.id, linked_member("息子", mother.id))
        .unwrap();
    assert_eq!(
        listed_by(&mut s, mother.id),
        [(son.id, "架空 花子".to_owned())]
    );
    s.update_person(son.id, vec![PersonField::Alias("架空 太郎".into())])
        .unwrap();
    assert_eq!(
        listed_by(&mut s, mother.id),
        [(son.id, "架空 太郎".to_owned())]
    );
    // Unlinked (the member stays, without the link): gone from her page.
    let mut m = son_now.household.members[0].clone();
    m.person = None;
    s.edit_household_member(son.id, m.clone()).unwrap();
    assert!(listed_by(&mut s, mother.id).is_empty());
    // Linked again, then the member removed.
    m.person = Some(mother.id);
    s.edit_household_member(son.id, m.clone()).unwrap();
    assert_eq!(listed_by(&mut s, mother.id).len(), 1);
    s.remove_household_member(son.id, m.id).unwrap();
    assert!(listed_by(&mut s, mother.id).is_empty());

    // A pulled person whose household links the mother.
    let node = DeviceId::new_v7(1, [7; 10]);
    let mut brother = son.clone();
    brother.id = PersonId::new_v7(unix_ms(t0()) - 5, [9; 10]);
    brother.alias = "架空 次郎".into();
    let bm = HouseholdMember {
        id: HouseholdMemberId::new_v7(unix_ms(t0()) - 5, [9; 10]),
        ..linked_member("母", mother.id)
    };
    brother.household.members = vec![bm.clone()];
    let h1 = Hlc::new(unix_ms(t0()) - 1000, 0, node);
    let mut versions: BTreeMap<String, Hlc> = records::version_keys(&brother)
        .into_iter()
        .map(|k| (k.to_owned(), h1))
        .collect();
    versions.insert(member_key(bm.id), h1);
    s.apply_pull_page(&page(
        1,
        EntityRef::person(brother.id),
        ChangeBody::Person(PersonSnapshot::new(brother.clone(), versions.clone())),
    ))
    .unwrap();
    assert_eq!(
        listed_by(&mut s, mother.id),
        [(brother.id, "架空 次郎".to_owned())]
    );
    // The server's newer copy without the member: the link goes.
    let h2 = Hlc::new(unix_ms(t0()) - 500, 0, node);
    let mut without = brother.clone();
    without.household.members.clear();
    versions.insert(member_key(bm.id), h2);
    versions.insert(LIST_KEY.to_owned(), h2);
    s.apply_pull_page(&page(
        2,
        EntityRef::person(brother.id),
        ChangeBody::Person(PersonSnapshot::new(without, versions.clone())),
    ))
    .unwrap();
    assert!(s.person(brother.id).unwrap().household.members.is_empty());
    assert!(listed_by(&mut s, mother.id).is_empty());
    // Linked again by the server, then removed from this tablet.
    versions.insert(member_key(bm.id), Hlc::new(unix_ms(t0()) - 100, 0, node));
    s.apply_pull_page(&page(
        3,
        EntityRef::person(brother.id),
        ChangeBody::Person(PersonSnapshot::new(brother.clone(), versions)),
    ))
    .unwrap();
    assert_eq!(listed_by(&mut s, mother.id).len(), 1);
    s.apply_pull_page(&page(4, EntityRef::person(brother.id), ChangeBody::Gone))
        .unwrap();
    assert!(listed_by(&mut s, mother.id).is_empty());

    // Another connection to the same file (the CLI while the app runs)
    // links the son again: this store sees it on the next view.
    {
        let mut other = Store::open(cfg(dir.path())).unwrap();
        other.unlock(&pin()).unwrap();
        other
            .add_household_member(son.id, linked_member("息子", mother.id))
            .unwrap();
    }
    assert_eq!(
        listed_by(&mut s, mother.id),
        [(son.id, "架空 太郎".to_owned())]
    );

    // Locked: nothing to read; unlocked again: built anew, same answer.
    s.lock();
    assert!(matches!(s.timeline(mother.id), Err(StoreError::Locked)));
    s.unlock(&pin()).unwrap();
    assert_eq!(listed_by(&mut s, mother.id).len(), 1);
}

#[test]
fn found_by_follows_new_pulled_removed_and_discarded_activities() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let activity = |finds: &[&str], hours_ago: i64| NewCommunityActivity {
        kind: ActivityKind::SalonVisit,
        area: "sakaecho-3".parse().unwrap(),
        held_at: t0() - chrono::Duration::hours(hours_ago),
        participants: vec![Participants {
            role: ParticipantRole::Resident,
            count: 12,
        }],
        learned: "一人暮らしの高齢の方の話題が多かった".into(),
        follow_up: None,
        persons_to_find: finds
            .iter()
            .map(|a| PersonToFind {
                alias: (*a).into(),
                sex: None,
            })
            .collect(),
    };
    let other = s.create_person(hanako()).unwrap();
    // Built with no activity at all.
    assert_eq!(s.timeline(other.id).unwrap().found_by, None);
    let (a, persons) = s
        .log_community_activity(activity(&["栄町3丁目 高齢男性"], 5))
        .unwrap();
    let p = persons[0].id;
    assert_eq!(s.timeline(p).unwrap().found_by, Some(a.clone()));
    assert_eq!(s.found_by(other.id).unwrap(), None);

    // A newer activity pulled from the server naming the same person is
    // the one shown (the newest first, as the tablet lists them).
    let b = CommunityActivity {
        id: CommunityActivityId::new_v7(unix_ms(t0()) - 3, [6; 10]),
        held_at: t0() - chrono::Duration::hours(1),
        persons_to_find: vec![p, other.id],
        ..a.clone()
    };
    s.apply_pull_page(&page(
        1,
        EntityRef::community_activity(b.id),
        ChangeBody::CommunityActivity(b.clone()),
    ))
    .unwrap();
    assert_eq!(s.timeline(p).unwrap().found_by, Some(b.clone()));
    assert_eq!(s.timeline(other.id).unwrap().found_by, Some(b.clone()));
    // Removed by the server: back to the first.
    s.apply_pull_page(&page(
        2,
        EntityRef::community_activity(b.id),
        ChangeBody::Gone,
    ))
    .unwrap();
    assert_eq!(s.timeline(p).unwrap().found_by, Some(a.clone()));
    assert_eq!(s.timeline(other.id).unwrap().found_by, None);

    // The server refuses the activity and the worker discards it: the
    // person stays, found by nothing any more.
    let op = s
        .outbox_batch(10)
        .unwrap()
        .items
        .into_iter()
        .find(|e| matches!(e.op.payload, Payload::RecordCommunityActivity(_)))
        .unwrap()
        .op
        .id;
    s.record_rejection(
        op,
        &Rejection {
            code: RejectCode::Invalid,
            message: "refused".into(),
            field_errors: Vec::new(),
        },
    )
    .unwrap();
    s.discard_rejected(op).unwrap();
    assert!(s.community_activities().unwrap().is_empty());
    assert!(s.person(p).is_ok());
    assert_eq!(s.timeline(p).unwrap().found_by, None);
    assert_eq!(s.found_by(p).unwrap(), None);
}
