//! The store side of the tablet's field job (issue 12): household members
//! one by one and their merge, stage notes, refused changes corrected or
//! discarded, and an idle time that background work does not hold off.

use super::*;
use outreach_shared::merge::household::{LIST_KEY, member_key};

fn member(relation: Relation, alias: &str) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId(uuid::Uuid::nil()),
        relation,
        alias: Some(alias.into()),
        birth_year: None,
        lives_together: true,
        note: None,
        person: None,
    }
}

/// The member with this alias (ids made in the same millisecond are in
/// random order, so never by position).
fn named(p: &Person, alias: &str) -> HouseholdMember {
    p.household
        .members
        .iter()
        .find(|m| m.alias.as_deref() == Some(alias))
        .cloned()
        .unwrap()
}

fn last_op(s: &mut Store) -> protocol::Operation {
    let mut all = s.outbox_batch(1000).unwrap().items;
    all.pop().unwrap().op
}

#[test]
fn household_members_change_one_at_a_time_with_their_own_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let p = s
        .add_household_member(p.id, member(Relation::Parent, "母"))
        .unwrap();
    let mother = named(&p, "母");
    assert_ne!(mother.id, HouseholdMemberId(uuid::Uuid::nil()), "a real id");
    let p = s
        .add_household_member(p.id, member(Relation::Sibling, "兄"))
        .unwrap();
    let brother = named(&p, "兄");
    assert_eq!(p.household.members.len(), 2);
    // Editing the brother sends only him, based on his own version.
    let before = s.person_record(p.id).unwrap().versions;
    let mut b = brother.clone();
    b.note = Some("別居".into());
    b.lives_together = false;
    s.edit_household_member(p.id, b.clone()).unwrap();
    let op = last_op(&mut s);
    let Payload::UpdatePerson { changes } = &op.payload else {
        panic!("{:?}", op.payload)
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0].set,
        PersonField::HouseholdMember {
            id: brother.id,
            member: Some(b.clone())
        }
    );
    assert_eq!(
        changes[0].base,
        before.get(&member_key(brother.id)).copied()
    );
    let rec = s.person_record(p.id).unwrap();
    assert_eq!(rec.versions[&member_key(brother.id)], op.hlc);
    assert_eq!(
        rec.versions.get(&member_key(mother.id)),
        before.get(&member_key(mother.id)),
        "the other member's version is untouched"
    );
    // Removing the mother.
    let p = s.remove_household_member(p.id, mother.id).unwrap();
    assert_eq!(p.household.members, vec![b]);
    assert!(matches!(
        s.remove_household_member(p.id, mother.id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.edit_household_member(p.id, mother),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_pull_keeps_a_pending_member_edit_and_takes_another_members_server_edit() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let p = s
        .add_household_member(p.id, member(Relation::Parent, "母"))
        .unwrap();
    let p = s
        .add_household_member(p.id, member(Relation::Sibling, "兄"))
        .unwrap();
    let (mother, brother) = (named(&p, "母"), named(&p, "兄"));
    // This tablet edits the mother (not sent yet) ...
    let mut m = mother.clone();
    m.note = Some("この端末での変更".into());
    s.edit_household_member(p.id, m.clone()).unwrap();
    // ... while the server has another device's edit of the brother (made
    // on top of the brother this tablet knows) and still the old mother.
    let node = DeviceId::new_v7(1, [7; 10]);
    let rec = s.person_record(p.id).unwrap();
    let mut server = p.clone();
    let mut b = brother.clone();
    b.note = Some("別の端末での変更".into());
    server.household.set_member(brother.id, Some(b.clone()));
    let mine = rec.versions[&member_key(brother.id)];
    let mut versions = rec.versions.clone();
    versions.insert(member_key(mother.id), Hlc::new(1, 0, node));
    versions.insert(
        member_key(brother.id),
        Hlc::new(mine.wall_ms, mine.counter + 1, node),
    );
    versions.insert(LIST_KEY.to_owned(), Hlc::new(1, 0, node));
    let theirs = Hlc::new(mine.wall_ms, mine.counter + 1, node);
    let page = PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![Change {
            seq: 1,
            hlc: theirs,
            entity: EntityRef::person(p.id),
            body: ChangeBody::Person(PersonSnapshot::new(server, versions)),
        }],
        next_cursor: 1,
        has_more: false,
        server_time: t0(),
    };
    let r = s.apply_pull_page(&page).unwrap();
    assert_eq!(r.kept_local_fields, 1, "the pending mother edit stays");
    let now = s.person(p.id).unwrap();
    assert_eq!(now.household.member(mother.id), Some(&m));
    assert_eq!(
        now.household.member(brother.id),
        Some(&b),
        "both edits kept"
    );
    assert!(
        s.person_record(p.id).unwrap().server.is_some(),
        "the server's copy is kept"
    );
}

#[test]
fn a_stage_note_goes_with_closing_and_handing_on_and_leaves_with_the_next_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    for to in [
        Stage::FirstContact,
        Stage::RelationshipForming,
        Stage::AcceptsSupport,
    ] {
        s.change_stage(p.id, to).unwrap();
    }
    let unknown = StageNote {
        reason: "包括へ".into(),
        handed_to: Some(HandedTo::Agency(AgencyId::new("nowhere"))),
    };
    assert!(matches!(
        s.change_stage_with(p.id, Stage::HandedOn, Some(unknown)),
        Err(StoreError::Invalid(e)) if e.has("stage_note.handed_to")
    ));
    let note = StageNote {
        reason: "包括へ".into(),
        handed_to: Some(HandedTo::Resource("架空の地域サロン".into())),
    };
    let q = s
        .change_stage_with(p.id, Stage::HandedOn, Some(note.clone()))
        .unwrap();
    assert_eq!(q.stage_note.as_ref(), Some(&note));
    let op = last_op(&mut s);
    assert!(matches!(&op.payload, Payload::ChangeStage { note: Some(n), .. } if n == &note));
    let closing = StageNote {
        reason: "サロンに通い続けている".into(),
        handed_to: None,
    };
    s.change_stage_with(p.id, Stage::Closed, Some(closing.clone()))
        .unwrap();
    // Reopened: back to 把握, the note goes.
    let q = s.change_stage(p.id, Stage::Identified).unwrap();
    assert_eq!(q.stage, Stage::Identified);
    assert!(q.stage_note.is_none());
}

#[test]
fn search_reads_half_width_kana() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let a = s.create_person(hanako()).unwrap();
    let found: Vec<PersonId> = s
        .search("ｶｸｳ")
        .unwrap()
        .items
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(found, [a.id]);
}

fn refuse(s: &mut Store, op: OperationId) {
    s.record_rejection(
        op,
        &Rejection {
            code: RejectCode::Invalid,
            message: "refused".into(),
            field_errors: Vec::new(),
        },
    )
    .unwrap();
}

/// What the server sends back for a person: its copy, with versions.
fn pull_person(s: &mut Store, person: &Person, seq: u64) {
    let node = DeviceId::new_v7(1, [7; 10]);
    let h = Hlc::new(unix_ms(t0()) - 60_000, 0, node);
    let versions = records::version_keys(person)
        .into_iter()
        .map(|k| (k.to_owned(), h))
        .collect();
    let page = PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![Change {
            seq,
            hlc: h,
            entity: EntityRef::person(person.id),
            body: ChangeBody::Person(PersonSnapshot::new(person.clone(), versions)),
        }],
        next_cursor: seq,
        has_more: false,
        server_time: t0(),
    };
    s.apply_pull_page(&page).unwrap();
}

#[test]
fn a_refused_profile_change_is_corrected_in_its_place_or_discarded_back_to_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    pull_person(&mut s, &p, 1);
    let create = last_op(&mut s).id;
    s.acknowledge(&[create]).unwrap();
    s.update_person(
        p.id,
        vec![
            PersonField::Summary(Some("新しい概要".into())),
            PersonField::Alias("架空 花子（呼び名変更）".into()),
        ],
    )
    .unwrap();
    let refused = last_op(&mut s).id;
    s.log_contact(visit(p.id, None)).unwrap();
    refuse(&mut s, refused);
    let listed = s.rejected_changes().unwrap().items;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].person.as_ref().unwrap().alias,
        "架空 花子（呼び名変更）"
    );

    // Corrected: only the alias is changed in the form; the summary of the
    // refused change is sent again with it, in the refused change's place.
    s.correct_rejected(
        refused,
        Correction::Person(vec![PersonField::Alias("架空 花子（直した）".into())]),
    )
    .unwrap();
    let ops = s.outbox_batch(10).unwrap().items;
    assert_eq!(
        ops.len(),
        2,
        "the correction and the contact, nothing refused"
    );
    let Payload::UpdatePerson { changes } = &ops[0].op.payload else {
        panic!("the correction keeps its place before the contact")
    };
    let sets: Vec<&PersonField> = changes.iter().map(|c| &c.set).collect();
    assert!(sets.contains(&&PersonField::Alias("架空 花子（直した）".into())));
    assert!(sets.contains(&&PersonField::Summary(Some("新しい概要".into()))));
    assert!(
        changes.iter().all(|c| c.base.is_some()),
        "based on the server's version"
    );
    assert_eq!(s.outbox_status().unwrap().rejected, 0);

    // Refused again, then discarded: the record goes back to the server's copy.
    let again = ops[0].op.id;
    refuse(&mut s, again);
    s.discard_rejected(again).unwrap();
    let now = s.person(p.id).unwrap();
    assert_eq!(now.alias, p.alias);
    assert_eq!(now.summary, p.summary);
    assert_eq!(
        s.outbox_status().unwrap().pending,
        1,
        "only the contact waits"
    );
    assert!(matches!(
        s.discard_rejected(again),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_refused_contact_is_corrected_under_the_same_id_or_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let first = s.log_contact(visit(p.id, None)).unwrap();
    let fix = s.correct_contact(first.id, visit(p.id, None)).unwrap();
    let op = last_op(&mut s).id;
    refuse(&mut s, op);
    let mut corrected = visit(p.id, None);
    corrected.observation = "訂正した観察".into();
    s.correct_rejected(op, Correction::Contact(corrected))
        .unwrap();
    let t = s.timeline(p.id).unwrap();
    assert_eq!(
        t.entries.len(),
        2,
        "no third log: the same revision, corrected"
    );
    let shown = t.entries.iter().find(|e| e.contact.id == fix.id).unwrap();
    assert_eq!(shown.contact.observation, "訂正した観察");
    assert!(shown.current);
    // Discarding the refused revision makes the first log current again.
    let op = last_op(&mut s).id;
    refuse(&mut s, op);
    s.discard_rejected(op).unwrap();
    let t = s.timeline(p.id).unwrap();
    assert_eq!(t.entries.len(), 1);
    assert!(t.entries[0].current && t.entries[0].contact.id == first.id);
}

#[test]
fn discarding_a_refused_registration_removes_the_person_and_everything_about_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let keep = s.create_person(hanako()).unwrap();
    let gone = s.create_person(hanako()).unwrap();
    let create = s
        .outbox_batch(10)
        .unwrap()
        .items
        .into_iter()
        .find(|e| matches!(&e.op.payload, Payload::CreatePerson(x) if x.id == gone.id))
        .unwrap()
        .op
        .id;
    s.log_contact(visit(gone.id, None)).unwrap();
    s.change_stage(gone.id, Stage::TryingToReach).unwrap();
    refuse(&mut s, create);
    // Corrected first: the registration is sent again with the new alias.
    s.correct_rejected(
        create,
        Correction::Person(vec![PersonField::Alias("架空 直した".into())]),
    )
    .unwrap();
    let ops = s.outbox_batch(10).unwrap().items;
    let created: Vec<&Person> = ops
        .iter()
        .filter_map(|e| match &e.op.payload {
            Payload::CreatePerson(x) if x.id == gone.id => Some(x),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].alias, "架空 直した");
    assert_eq!(created[0].stage, Stage::Identified, "as registered");
    let create = ops
        .iter()
        .find(|e| matches!(&e.op.payload, Payload::CreatePerson(x) if x.id == gone.id))
        .unwrap()
        .op
        .id;
    refuse(&mut s, create);
    s.discard_rejected(create).unwrap();
    assert!(matches!(
        s.person(gone.id),
        Err(StoreError::NotFound { .. })
    ));
    let left = s.outbox_batch(10).unwrap().items;
    assert_eq!(left.len(), 1, "only the other person's registration");
    assert!(matches!(&left[0].op.payload, Payload::CreatePerson(x) if x.id == keep.id));
    let contacts: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(contacts, 0);
}

#[test]
fn a_correction_of_the_wrong_kind_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let op = last_op(&mut s).id;
    refuse(&mut s, op);
    assert!(matches!(
        s.correct_rejected(op, Correction::Stage(Stage::TryingToReach, None)),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.outbox_status().unwrap().rejected, 1);
    // An invalid correction leaves the refused change where it was.
    assert!(matches!(
        s.correct_rejected(op, Correction::Person(vec![PersonField::Alias(" ".into())])),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.outbox_status().unwrap().rejected, 1);
    assert_eq!(s.person(p.id).unwrap().alias, p.alias);
}

/// Background work (what an automatic sync and reloads do) does not keep
/// the store unlocked; a person's tap does.
#[test]
fn only_a_touch_holds_off_the_idle_lock() {
    let dir = tempfile::tempdir().unwrap();
    let idle = Duration::from_millis(1500);
    let c = cfg(dir.path()).with_idle_timeout(idle);
    let mut s = Store::init(c, &pin(), None, KdfParams::insecure_fast_for_tests()).unwrap();
    let p = s.create_person(hanako()).unwrap();
    let started = Instant::now();
    let empty = PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: Vec::new(),
        next_cursor: 0,
        has_more: false,
        server_time: t0(),
    };
    // Background work, continuously, past the idle time.
    let mut rounds = 0;
    while started.elapsed() < idle + Duration::from_millis(200) {
        let _ = s.outbox_batch(100);
        let _ = s.apply_pull_page(&empty);
        let _ = s.caseload();
        let _ = s.outbox_status();
        rounds += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(rounds > 10, "the background work ran ({rounds} rounds)");
    assert!(!s.is_unlocked(), "locked at the idle time despite the work");
    assert!(matches!(s.person(p.id), Err(StoreError::Locked)));
    s.touch();
    assert!(!s.is_unlocked(), "a touch does not unlock");

    // A person tapping keeps it open past the idle time.
    s.unlock(&pin()).unwrap();
    let again = Instant::now();
    while again.elapsed() < idle * 2 {
        s.touch();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(s.is_unlocked(), "taps keep it open");
    assert!(s.person(p.id).is_ok());
}

/// Issue 18: a household member linked to a person of their own shows on
/// both pages (the other team's member as 「他チームの担当」 only), and an
/// escalation for the household routes each member by their own consent.
#[test]
fn linked_household_members_show_on_both_pages_and_escalate_by_their_own_consent() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let son = s.create_person(hanako()).unwrap();
    let mut mother_new = hanako();
    mother_new.alias = "架空 ハナ".into();
    let mother = s.create_person(mother_new).unwrap();
    let elsewhere = PersonId::new_v7(7, [7; 10]);
    let mut m = member(Relation::Parent, "母");
    m.person = Some(mother.id);
    s.add_household_member(son.id, m).unwrap();
    let mut b = member(Relation::Sibling, "兄");
    b.person = Some(elsewhere);
    s.add_household_member(son.id, b).unwrap();

    let tl = s.timeline(son.id).unwrap();
    assert_eq!(tl.household.len(), 2);
    let link = |p: PersonId| tl.household.iter().find(|l| l.person == p).unwrap();
    assert_eq!(
        link(mother.id)
            .on_caseload
            .as_ref()
            .map(|(a, _)| a.as_str()),
        Some("架空 ハナ")
    );
    assert!(
        link(elsewhere).on_caseload.is_none(),
        "not on this tablet: another team's"
    );
    let tl = s.timeline(mother.id).unwrap();
    assert_eq!(tl.household.len(), 1);
    assert!(tl.household[0].lists_this_person);
    assert_eq!(tl.household[0].person, son.id);

    // The son consented; the mother did not: she goes to the 支援会議 only.
    s.record_consent(
        son.id,
        ConsentRecord {
            status: ConsentStatus::Verbal,
            scope: [ConsentScope::MultiLayeredMeeting].into(),
            date: Some(t0().date_naive()),
            recorded_by: Some(UserId::new_v7(1, [1; 10])),
        },
    )
    .unwrap();
    let esc = s
        .escalate(NewEscalation {
            person_id: son.id,
            reason: "（架空）8050".into(),
            fields: [LifeField::Elderly].into(),
            tags: Default::default(),
            agencies_involved: Default::default(),
            urgency: Urgency::Normal,
            for_household: true,
        })
        .unwrap();
    assert_eq!(esc.route, Route::MultiLayeredMeeting);
    assert_eq!(
        esc.household,
        vec![HouseholdCaseMember {
            person_id: mother.id,
            route: Route::SupportMeeting,
        }],
        "the other team's member is left out; the mother by her own consent"
    );
}

#[test]
fn the_next_push_batch_starts_after_the_one_on_its_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let p = s
        .add_household_member(p.id, member(Relation::Parent, "母"))
        .unwrap();
    s.add_household_member(p.id, member(Relation::Sibling, "兄"))
        .unwrap();
    let all = s.outbox_batch(10).unwrap().items;
    assert_eq!(all.len(), 3);
    let ids = |v: Vec<OutboxEntry>| v.into_iter().map(|e| e.op.id).collect::<Vec<_>>();
    // The first batch (of one) is on its way: the next holds the rest, in order.
    let first = s.outbox_batch(1).unwrap().items;
    assert_eq!(first[0].op.id, all[0].op.id);
    assert_eq!(
        ids(s.outbox_batch_after(first[0].seq, 10).unwrap().items),
        vec![all[1].op.id, all[2].op.id]
    );
    assert!(
        s.outbox_batch_after(all[2].seq, 10)
            .unwrap()
            .items
            .is_empty()
    );
    // A refused operation is in no batch.
    refuse(&mut s, all[1].op.id);
    assert_eq!(
        ids(s.outbox_batch_after(first[0].seq, 10).unwrap().items),
        vec![all[2].op.id]
    );
}
