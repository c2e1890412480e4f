//! The store side of 参加支援 (issue 18): the catalogue arrives only by the
//! pull (sealed, replaced by a newer copy); needs, trials and follow-ups
//! are sealed rows written with their outbox operation, checked against
//! the catalogue and the person's own records, kept across a PIN change,
//! and never in clear in the files.

use super::*;

fn resource(name: &str) -> LocalResource {
    LocalResource {
        id: ResourceId::new_v7(1, [4; 10]),
        name: name.into(),
        kind: ResourceKind::PlaceToBe,
        areas: BTreeSet::new(),
        for_whom: "若い世代の方".into(),
        days: "毎週金曜 17時〜20時".into(),
        contact: "架空の居場所（042-000-0000）".into(),
        accepts_new: true,
        updated_at: t0(),
    }
}

fn page(changes: Vec<ChangeBody>) -> PullResponse {
    let server = DeviceId::from_uuid(uuid::Uuid::nil());
    PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, body)| Change {
                seq: i as u64 + 1,
                hlc: Hlc::new(1, i as u16, server),
                entity: match &body {
                    ChangeBody::Resource(r) => EntityRef {
                        kind: protocol::EntityKind::Resource,
                        id: r.id.0,
                    },
                    ChangeBody::Participation(r) => EntityRef::participation(r.id),
                    _ => unreachable!(),
                },
                body,
            })
            .collect(),
        next_cursor: 9,
        has_more: false,
        server_time: t0(),
    }
}

fn ops(s: &mut Store) -> Vec<protocol::Operation> {
    s.outbox_batch(1000)
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.op)
        .collect()
}

#[test]
fn the_catalogue_comes_from_the_pull_and_a_trial_stops_with_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    assert!(s.resources().unwrap().is_empty());
    // A trial at a resource the tablet does not know is refused, nothing
    // queued.
    let before = ops(&mut s).len();
    let trial_at = |r: &LocalResource, meets| ParticipationEntry::Trial {
        resource: r.id,
        resource_name: r.name.clone(),
        step: TrialStep::Proposed,
        meets,
        note: None,
    };
    let e = s
        .record_participation(p.id, trial_at(&resource("x"), None))
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(v) if v.has("participation.resource")),
        "{e:?}"
    );
    assert_eq!(ops(&mut s).len(), before);

    // The pull brings it; a newer copy replaces the older.
    s.apply_pull_page(&page(vec![ChangeBody::Resource(resource(
        "架空の夜の居場所",
    ))]))
    .unwrap();
    let mut newer = resource("架空の夜の居場所");
    newer.accepts_new = false;
    s.apply_pull_page(&page(vec![ChangeBody::Resource(newer.clone())]))
        .unwrap();
    assert_eq!(s.resources().unwrap(), vec![newer.clone()]);

    // Needs with no suitable resource, then a trial that meets it, then a
    // follow-up that stops it with why: three operations, in order.
    let need = s
        .record_participation(
            p.id,
            ParticipationEntry::Needs {
                needs: [NeedKind::PlaceToBe].into(),
                note: Some("夕方なら外に出られる".into()),
                unmet: Some(UnmetNeed {
                    area: "sakaecho-2".parse().unwrap(),
                    description: "若者が夕方に行ける居場所がない".into(),
                }),
            },
        )
        .unwrap();
    let trial = s
        .record_participation(p.id, trial_at(&newer, Some(need.id)))
        .unwrap();
    // A stop without why is refused.
    let e = s
        .record_participation(
            p.id,
            ParticipationEntry::FollowUp {
                trial: trial.id,
                outcome: TrialOutcome::Stopped,
                reason: None,
            },
        )
        .unwrap_err();
    assert!(matches!(&e, StoreError::Invalid(v) if v.has("participation.reason")));
    let stop = s
        .record_participation(
            p.id,
            ParticipationEntry::FollowUp {
                trial: trial.id,
                outcome: TrialOutcome::Stopped,
                reason: Some("夜は家族の介護がある".into()),
            },
        )
        .unwrap();
    assert_eq!(stop.author, s.identity().user_id);
    let mine = s.participation_of(p.id).unwrap();
    assert_eq!(mine, vec![need.clone(), trial.clone(), stop.clone()]);
    let states = outreach_shared::participation::trials(&mine);
    assert_eq!(states[0].outcome(), Some(TrialOutcome::Stopped));
    assert!(outreach_shared::participation::open_unmet(&mine).is_empty());
    let queued: Vec<_> = ops(&mut s)
        .into_iter()
        .filter_map(|o| match o.payload {
            Payload::RecordParticipation(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(queued, mine);

    // A pulled copy of the same record changes nothing (append-only).
    s.apply_pull_page(&page(vec![ChangeBody::Participation(need.clone())]))
        .unwrap();
    assert_eq!(s.participation_of(p.id).unwrap().len(), 3);

    // Nothing of it is in clear in the files.
    s.checkpoint().unwrap();
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir.path().join("data")).unwrap() {
        files.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    for needle in ["夕方", "介護", "居場所", "record_participation", "unmet"] {
        for f in &files {
            assert!(
                !f.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in clear"
            );
        }
    }

    // A PIN change re-seals them: still readable after.
    let new_pin = Pin::new("135792".into()).unwrap();
    s.change_pin(&pin(), &new_pin).unwrap();
    s.lock();
    s.unlock(&new_pin).unwrap();
    assert_eq!(s.participation_of(p.id).unwrap().len(), 3);
    assert_eq!(s.resources().unwrap().len(), 1);
}
