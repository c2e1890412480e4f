//! The household merges member by member end to end (issue 12): a person
//! registered on one tablet, pulled by a team-mate's tablet, two different
//! household members edited on the two tablets at the same time (offline),
//! both synced — and both edits kept on both tablets and on the server.

use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::world::*;

fn member(relation: Relation, alias: &str, note: Option<&str>) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
        relation,
        alias: Some(alias.into()),
        birth_year: None,
        lives_together: true,
        note: note.map(str::to_owned),
        person: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_of_two_household_members_are_both_kept_everywhere() {
    let server = ServerProcess::start();
    seed_users(&server);
    let mut a = Device::enroll(&server, "worker-a").await;
    let mut b = Device::enroll(&server, "worker-a2").await;

    // Tablet A registers the person with a two-member household and syncs.
    let p = a.add_person("架空 五郎");
    a.store
        .add_household_member(p.id, member(Relation::Parent, "母", Some("要介護2")))
        .unwrap();
    let p = a
        .store
        .add_household_member(p.id, member(Relation::Sibling, "姉", None))
        .unwrap();
    let mother = p.household.members[0].clone();
    let sister = p.household.members[1].clone();
    assert_eq!(a.sync().await.unwrap().rejected, 0);

    // Tablet B (same team) pulls the person and the household.
    b.sync().await.unwrap();
    let on_b = b.store.person(p.id).unwrap();
    assert_eq!(on_b.household, p.household, "B pulled the household");

    // Offline on both: A edits the mother, B edits the sister.
    let mut mother_edit = mother.clone();
    mother_edit.note = Some("要介護3に変更".into());
    a.store.edit_household_member(p.id, mother_edit).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut sister_edit = sister.clone();
    sister_edit.lives_together = false;
    sister_edit.note = Some("市外に転居".into());
    b.store.edit_household_member(p.id, sister_edit).unwrap();

    // Both sync, then sync again so each pulls the other's edit.
    assert_eq!(a.sync().await.unwrap().rejected, 0);
    assert_eq!(b.sync().await.unwrap().rejected, 0);
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    assert_eq!(a.pending(), 0);
    assert_eq!(b.pending(), 0);

    let supervisor = Office::login(&server.url(), "supervisor-a").await;
    let on_server = supervisor.person(p.id).await.person;
    for (name, person) in [
        ("tablet A", a.store.person(p.id).unwrap()),
        ("tablet B", b.store.person(p.id).unwrap()),
        ("server", on_server.clone()),
    ] {
        let members = &person.household.members;
        assert_eq!(members.len(), 2, "{name}: nobody added or lost");
        let m = person.household.member(mother.id).expect("mother");
        assert_eq!(m.note.as_deref(), Some("要介護3に変更"), "{name}: A's edit");
        assert!(m.lives_together, "{name}");
        let s = person.household.member(sister.id).expect("sister");
        assert_eq!(s.note.as_deref(), Some("市外に転居"), "{name}: B's edit");
        assert!(!s.lives_together, "{name}: B's edit");
    }
    assert_eq!(a.store.person(p.id).unwrap(), on_server, "A agrees");
    assert_eq!(b.store.person(p.id).unwrap(), on_server, "B agrees");
    // Different members: no conflict to show on either tablet.
    for d in [&mut a, &mut b] {
        let conflicts = d.store.timeline(p.id).unwrap().conflicts;
        assert!(
            conflicts.iter().all(|c| !c.field.starts_with("household")),
            "no household conflict: {conflicts:?}"
        );
    }
}
