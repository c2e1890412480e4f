//! The store side of the lone-worker check and the hand-over (issue 12):
//! 訪問開始/訪問終了 are outbox operations written with the open visit,
//! which is sealed; a pulled hand-over reaches the person page and moves
//! the person between caseloads.

use super::*;

fn ops(s: &mut Store) -> Vec<protocol::Operation> {
    s.outbox_batch(1000)
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.op)
        .collect()
}

#[test]
fn start_and_finish_a_visit_are_operations_and_the_open_visit_is_kept_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    assert_eq!(s.open_visit().unwrap(), None);
    let v = s.start_visit(p.id, 90).unwrap();
    assert_eq!(v.person_id, p.id);
    assert_eq!(v.started_at, t0());
    assert_eq!(v.expected_end, t0() + chrono::Duration::minutes(90));
    assert_eq!(s.open_visit().unwrap(), Some(v.clone()));
    let last = ops(&mut s).pop().unwrap();
    assert_eq!(last.entity, EntityRef::visit(v.id));
    assert_eq!(last.payload, Payload::StartVisit(v.clone()));

    // One at a time.
    let e = s.start_visit(p.id, 60).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    let n = ops(&mut s).len();

    // Locked: nothing readable.
    s.lock();
    assert!(matches!(s.open_visit(), Err(StoreError::Locked)));
    s.unlock(&pin()).unwrap();
    assert_eq!(s.open_visit().unwrap(), Some(v.clone()));

    // Nothing of the visit is in clear in the files (the person's id is an
    // id; the times and the JSON are sealed).
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir.path().join("data")).unwrap() {
        files.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    // (Timestamps of the outbox entries are bookkeeping, in clear by design.)
    for needle in ["expected_end", "started_at", "start_visit", "架空"] {
        for f in &files {
            assert!(
                !f.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in clear"
            );
        }
    }

    let done = s.finish_visit().unwrap();
    assert_eq!(done, v);
    assert_eq!(s.open_visit().unwrap(), None);
    let all = ops(&mut s);
    assert_eq!(all.len(), n + 1);
    assert_eq!(
        all.last().unwrap().payload,
        Payload::FinishVisit {
            person_id: p.id,
            ended_at: t0()
        }
    );
    // Nothing open: nothing to finish.
    assert!(matches!(s.finish_visit(), Err(StoreError::NotFound { .. })));
    // A person not on the device cannot be visited.
    let stranger = PersonId::new_v7(1, [9; 10]);
    assert!(s.start_visit(stranger, 60).is_err());
    assert_eq!(s.open_visit().unwrap(), None);
}

#[test]
fn a_visit_longer_than_twelve_hours_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let before = ops(&mut s).len();
    let e = s.start_visit(p.id, 13 * 60).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert_eq!(ops(&mut s).len(), before);
    assert_eq!(s.open_visit().unwrap(), None);
}

#[test]
fn a_pulled_handover_moves_the_person_and_shows_its_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let me = s.identity().user_id;
    let p = s.create_person(hanako()).unwrap();
    assert_eq!(p.assigned_worker, Some(me));
    let entry = |s: &mut Store| {
        s.caseload()
            .unwrap()
            .entries
            .into_iter()
            .find(|e| e.person.id == p.id)
            .unwrap()
    };
    assert!(entry(&mut s).mine);
    let tl = s.timeline(p.id).unwrap();
    assert!(tl.assignment.to_me && tl.assignment.handover.is_none());

    // The supervisor gives the person to a team-mate.
    let mate = UserId::new_v7(5, [5; 10]);
    let node = DeviceId::new_v7(1, [7; 10]);
    let rec = s.person_record(p.id).unwrap();
    let mut versions = rec.versions.clone();
    let hlc = Hlc::new(t0().timestamp_millis() as u64 + 1000, 0, node);
    versions.insert("assigned_worker".into(), hlc);
    let mut server = p.clone();
    server.assigned_worker = Some(mate);
    let h = HandOver {
        from: Some(me),
        from_name: Some("架空 支援員A".into()),
        to: mate,
        to_name: "架空 支援員A2".into(),
        note: "（架空）火曜に訪問".into(),
        by: UserId::new_v7(6, [6; 10]),
        at: t0(),
    };
    let page = |person: Person, versions, handover: HandOver, name: &str| PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![Change {
            seq: 1,
            hlc,
            entity: EntityRef::person(p.id),
            body: ChangeBody::Person(PersonSnapshot {
                assigned_name: Some(name.into()),
                handover: Some(handover),
                ..PersonSnapshot::new(person, versions)
            }),
        }],
        next_cursor: 1,
        has_more: false,
        server_time: t0(),
    };
    s.apply_pull_page(&page(
        server.clone(),
        versions.clone(),
        h.clone(),
        "架空 支援員A2",
    ))
    .unwrap();
    assert!(!entry(&mut s).mine, "off this worker's caseload");
    let tl = s.timeline(p.id).unwrap();
    assert!(!tl.assignment.to_me);
    assert_eq!(tl.assignment.name.as_deref(), Some("架空 支援員A2"));
    assert_eq!(tl.assignment.handover, Some(h.clone()));

    // Handed back to this worker: mine again, with the new note.
    let mut back = h.clone();
    back.to = me;
    back.to_name = "架空 支援員A".into();
    back.note = "（架空）戻します".into();
    let hlc2 = Hlc::new(hlc.wall_ms + 1000, 0, node);
    versions.insert("assigned_worker".into(), hlc2);
    server.assigned_worker = Some(me);
    s.apply_pull_page(&page(server, versions, back.clone(), "架空 支援員A"))
        .unwrap();
    assert!(entry(&mut s).mine);
    let tl = s.timeline(p.id).unwrap();
    assert!(tl.assignment.to_me);
    assert_eq!(tl.assignment.handover, Some(back));
}

#[test]
fn a_visit_open_across_a_pin_change_is_still_there_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let v = s.start_visit(p.id, 60).unwrap();
    // The PIN change re-seals everything under a new data key: the open
    // visit (and so its reminder) must come along.
    let new_pin = Pin::new("はむらのそら".into()).unwrap();
    s.change_pin(&pin(), &new_pin).unwrap();
    assert_eq!(s.open_visit().unwrap(), Some(v.clone()));
    s.lock();
    s.unlock(&new_pin).unwrap();
    assert_eq!(s.open_visit().unwrap(), Some(v.clone()));
    assert_eq!(s.finish_visit().unwrap(), v);
}
