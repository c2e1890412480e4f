//! The server's side of protocol 2.0 (issue 12): the household merges member
//! by member (an edit of one member never overwrites another device's edit
//! of a different member), a whole-list change of protocol 1 never writes
//! over a newer member edit, and a move to 終結 or つなぎ済 keeps its reason.
//! Through the router, on a real database.

mod common;

use common::*;
use outreach_shared::merge::household::member_key;
use outreach_shared::protocol::*;
use outreach_shared::*;

fn member(n: u8, relation: Relation, alias: &str) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId::new_v7(u64::from(n), [n; 10]),
        relation,
        alias: Some(alias.into()),
        birth_year: None,
        lives_together: true,
        note: None,
        person: None,
    }
}

fn set_member(m: &HouseholdMember, base: Option<Hlc>) -> Payload {
    Payload::UpdatePerson {
        changes: vec![FieldChange {
            set: PersonField::HouseholdMember {
                id: m.id,
                member: Some(m.clone()),
            },
            base,
        }],
    }
}

/// The person as the server holds it now, and the conflicts it kept.
async fn pulled(w: &World, d: &Device, id: PersonId) -> (PersonSnapshot, Vec<ConflictRecord>) {
    let changes = w.pull_all(&d.token).await;
    let person = changes
        .iter()
        .rev()
        .find_map(|c| match &c.body {
            ChangeBody::Person(p) if p.person.id == id => Some(p.clone()),
            _ => None,
        })
        .expect("the person is pulled");
    let conflicts = changes
        .into_iter()
        .filter_map(|c| match c.body {
            ChangeBody::Conflict(x) => Some(x),
            _ => None,
        })
        .collect();
    (person, conflicts)
}

/// A person with a mother and a brother, registered by `d1`.
async fn family(w: &World, d1: &mut Device) -> (PersonId, Hlc, HouseholdMember, HouseholdMember) {
    let mother = member(1, Relation::Parent, "母");
    let brother = member(2, Relation::Sibling, "兄");
    let mut p = person("架空 世帯", d1.team);
    p.household.members = vec![mother.clone(), brother.clone()];
    let create = d1.op(EntityRef::person(p.id), Payload::CreatePerson(p.clone()));
    let base = create.hlc;
    w.push_ok(d1, &[create]).await;
    (p.id, base, mother, brother)
}

#[tokio::test]
async fn two_devices_edit_two_members_and_both_edits_stay_in_either_order() {
    for later_first in [false, true] {
        let w = World::new();
        let mut d1 = w.worker_device("w1", "班A（見本）").await;
        let mut d2 = w.worker_device("w2", "班A（見本）").await;
        let (pid, base, mother, brother) = family(&w, &mut d1).await;
        let mut m = mother.clone();
        m.note = Some("（架空）要介護2になった".into());
        let mut b = brother.clone();
        b.lives_together = false;
        b.note = Some("（架空）別居した".into());
        let e1 = d1.op(EntityRef::person(pid), set_member(&m, Some(base)));
        std::thread::sleep(std::time::Duration::from_millis(3));
        let e2 = d2.op(EntityRef::person(pid), set_member(&b, Some(base)));
        if later_first {
            w.push_ok(&d2, std::slice::from_ref(&e2)).await;
            let r = w.push_ok(&d1, std::slice::from_ref(&e1)).await;
            assert!(matches!(r[0].outcome, Outcome::Applied { .. }), "{r:?}");
        } else {
            w.push_ok(&d1, std::slice::from_ref(&e1)).await;
            let r = w.push_ok(&d2, std::slice::from_ref(&e2)).await;
            assert!(matches!(r[0].outcome, Outcome::Applied { .. }), "{r:?}");
        }
        let (snap, conflicts) = pulled(&w, &d1, pid).await;
        assert_eq!(snap.person.household.member(mother.id), Some(&m));
        assert_eq!(snap.person.household.member(brother.id), Some(&b));
        assert!(conflicts.is_empty(), "different members never conflict");
        assert_eq!(snap.versions[&member_key(mother.id)], e1.hlc);
        assert_eq!(snap.versions[&member_key(brother.id)], e2.hlc);
    }
}

#[tokio::test]
async fn the_same_member_edited_on_two_devices_is_a_conflict_kept_and_shown() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", "班A（見本）").await;
    let mut d2 = w.worker_device("w2", "班A（見本）").await;
    let (pid, base, mother, _) = family(&w, &mut d1).await;
    let mut a = mother.clone();
    a.note = Some("（架空）一人目のメモ".into());
    let mut b = mother.clone();
    b.note = Some("（架空）二人目のメモ".into());
    let e1 = d1.op(EntityRef::person(pid), set_member(&a, Some(base)));
    std::thread::sleep(std::time::Duration::from_millis(3));
    let e2 = d2.op(EntityRef::person(pid), set_member(&b, Some(base)));
    w.push_ok(&d2, std::slice::from_ref(&e2)).await;
    w.push_ok(&d1, std::slice::from_ref(&e1)).await;
    let (snap, conflicts) = pulled(&w, &d1, pid).await;
    assert_eq!(
        snap.person.household.member(mother.id),
        Some(&b),
        "greater HLC wins"
    );
    let c = conflicts
        .iter()
        .find(|c| c.field == member_key(mother.id))
        .expect("the conflict is kept");
    assert_eq!(c.other["member"]["note"], "（架空）一人目のメモ");
    // Removing a member is a member change too.
    let gone = d1.op(
        EntityRef::person(pid),
        Payload::UpdatePerson {
            changes: vec![FieldChange {
                set: PersonField::HouseholdMember {
                    id: mother.id,
                    member: None,
                },
                base: Some(e2.hlc),
            }],
        },
    );
    w.push_ok(&d1, &[gone]).await;
    let (snap, _) = pulled(&w, &d1, pid).await;
    assert!(snap.person.household.member(mother.id).is_none());
    assert_eq!(snap.person.household.members.len(), 1);
}

#[tokio::test]
async fn a_protocol_1_whole_list_change_never_writes_over_a_newer_member_edit() {
    let w = World::new();
    let mut d1 = w.worker_device("w1", "班A（見本）").await;
    let mut d2 = w.worker_device("w2", "班A（見本）").await;
    let (pid, base, mother, brother) = family(&w, &mut d1).await;
    // Another device edits the brother first.
    let mut b = brother.clone();
    b.note = Some("（架空）別の端末の変更".into());
    let e2 = d2.op(EntityRef::person(pid), set_member(&b, Some(base)));
    w.push_ok(&d2, &[e2]).await;
    // A change made before the app was updated: the whole list as its
    // author saw it, with the mother edited and the brother as he was.
    let mut m = mother.clone();
    m.note = Some("（架空）更新前の端末の変更".into());
    let legacy = d1.op(
        EntityRef::person(pid),
        Payload::UpdatePerson {
            changes: vec![FieldChange {
                set: PersonField::Household(Household {
                    members: vec![m.clone(), brother.clone()],
                }),
                base: Some(base),
            }],
        },
    );
    let r = w.push_ok(&d1, &[legacy]).await;
    assert!(matches!(r[0].outcome, Outcome::Applied { .. }), "{r:?}");
    let (snap, conflicts) = pulled(&w, &d1, pid).await;
    assert_eq!(
        snap.person.household.member(mother.id),
        Some(&m),
        "what its author saw applies"
    );
    assert_eq!(
        snap.person.household.member(brother.id),
        Some(&b),
        "the newer edit stays"
    );
    let c = conflicts
        .iter()
        .find(|c| c.field == member_key(brother.id))
        .expect("the old value is kept as a conflict");
    assert_eq!(c.other["member"]["note"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_move_to_closed_or_handed_on_keeps_its_reason_and_needs_one() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, create) = d.create_person("架空 つなぎ");
    let mut base = create.hlc;
    let mut ops = vec![create];
    let mut stage = Stage::Identified;
    for to in [
        Stage::FirstContact,
        Stage::RelationshipForming,
        Stage::AcceptsSupport,
    ] {
        let op = d.op(
            EntityRef::person(pid),
            Payload::ChangeStage {
                from: stage,
                to,
                base: Some(base),
                note: None,
            },
        );
        base = op.hlc;
        ops.push(op);
        stage = to;
    }
    let r = w.push_ok(&d, &ops).await;
    assert!(r.iter().all(|x| x.outcome.is_acknowledged()), "{r:?}");
    let without = d.op(
        EntityRef::person(pid),
        Payload::ChangeStage {
            from: Stage::AcceptsSupport,
            to: Stage::HandedOn,
            base: None,
            note: None,
        },
    );
    let r = w.push_ok(&d, &[without]).await;
    assert!(
        matches!(&r[0].outcome, Outcome::Rejected(x) if x.code == RejectCode::Invalid
            && x.field_errors.iter().any(|f| f.field == "payload.note.reason")),
        "{r:?}"
    );
    let note = StageNote {
        reason: "（架空）介護保険の申請につながった".into(),
        handed_to: Some(HandedTo::Agency(AgencyId::new("houkatsu-asahi"))),
    };
    let with = d.op(
        EntityRef::person(pid),
        Payload::ChangeStage {
            from: Stage::AcceptsSupport,
            to: Stage::HandedOn,
            base: Some(base),
            note: Some(note.clone()),
        },
    );
    let with_hlc = with.hlc;
    let r = w.push_ok(&d, &[with]).await;
    assert!(matches!(r[0].outcome, Outcome::Applied { .. }), "{r:?}");
    let (snap, conflicts) = pulled(&w, &d, pid).await;
    assert!(conflicts.is_empty(), "{conflicts:?}");
    assert_eq!(snap.person.stage, Stage::HandedOn);
    assert_eq!(snap.person.stage_note, Some(note));
    // Reopened later: the note goes with the next move.
    let close = d.op(
        EntityRef::person(pid),
        Payload::ChangeStage {
            from: Stage::HandedOn,
            to: Stage::Closed,
            base: Some(with_hlc),
            note: Some(StageNote {
                reason: "（架空）終結".into(),
                handed_to: None,
            }),
        },
    );
    let closed = close.hlc;
    let reopen = d.op(
        EntityRef::person(pid),
        Payload::ChangeStage {
            from: Stage::Closed,
            to: Stage::Identified,
            base: Some(closed),
            note: None,
        },
    );
    w.push_ok(&d, &[close, reopen]).await;
    let (snap, _) = pulled(&w, &d, pid).await;
    assert_eq!(snap.person.stage, Stage::Identified);
    assert!(snap.person.stage_note.is_none());
}

#[tokio::test]
async fn a_member_change_naming_another_member_is_refused() {
    let w = World::new();
    let mut d = w.worker_device("w1", "班A（見本）").await;
    let (pid, _, mother, brother) = family(&w, &mut d).await;
    let wrong = d.op(
        EntityRef::person(pid),
        Payload::UpdatePerson {
            changes: vec![FieldChange {
                set: PersonField::HouseholdMember {
                    id: mother.id,
                    member: Some(brother),
                },
                base: None,
            }],
        },
    );
    let r = w.push_ok(&d, &[wrong]).await;
    assert!(
        matches!(&r[0].outcome, Outcome::Rejected(x) if x.code == RejectCode::Invalid),
        "{r:?}"
    );
}
