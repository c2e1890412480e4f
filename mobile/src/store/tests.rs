//! Store tests on real SQLite files in temporary folders.

use super::*;
use crate::error::RecordKind;
use crate::model::*;
use chrono::{NaiveDate, TimeZone};
use outreach_shared::protocol::{
    Change, ChangeBody, ConflictRecord, EntityRef, Payload, PersonField, PersonSnapshot,
    ProtocolVersion, PullResponse, RejectCode, Rejection,
};
use outreach_shared::*;
use std::collections::BTreeSet;

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 3, 0, 0).unwrap()
}

pub(crate) fn cfg(dir: &Path) -> StoreConfig {
    StoreConfig::new(dir.join("data"))
        .with_device_secret_path(dir.join("secret").join("device.key"))
        .with_clock(Clock::fixed(t0()))
}

fn pin() -> Pin {
    Pin::new("246813".into()).unwrap()
}

fn wrong() -> Pin {
    Pin::for_unlock("000000".into())
}

fn new_store(dir: &Path) -> Store {
    Store::init(cfg(dir), &pin(), None, KdfParams::insecure_fast_for_tests()).unwrap()
}

pub(crate) fn hanako() -> NewPerson {
    NewPerson {
        alias: "架空 花子".into(),
        kana: Some("カクウ ハナコ".into()),
        birth_year: Some(BirthYear {
            year: 1972,
            approximate: true,
        }),
        sex: Some(Sex::Female),
        area: "sakaecho-2".parse().ok(),
        noticed_by: Some(NoticedBy::WelfareCommissioner),
        summary: Some("母と二人暮らし。外出していない様子。".into()),
        fields: [LifeField::Elderly].into(),
        tags: [CrossTag::EightyFifty, CrossTag::Hikikomori].into(),
        ..NewPerson::default()
    }
}

pub(crate) fn visit(person: PersonId, due: Option<NaiveDate>) -> NewContact {
    NewContact {
        person_id: person,
        occurred_at: t0() - chrono::Duration::hours(2),
        duration_minutes: Some(20),
        method: ContactMethod::HomeVisit,
        met: MetWhom::FamilyOnly,
        response: None,
        observation: "母親と玄関先で話した。本人は在宅の様子。".into(),
        safety: Safety {
            accompaniment: Accompaniment::Pair,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
        },
        reflection: None,
        next_action: due.map(|due| NextAction {
            what: "置き手紙を持って再訪".into(),
            due,
        }),
    }
}

fn outbox_count(s: &Store) -> u64 {
    s.outbox_status().unwrap().pending
}

#[test]
fn every_change_writes_its_operation_in_the_same_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    assert_eq!(p.stage, Stage::Identified);
    assert_eq!(p.assigned_worker, Some(s.identity().user_id));
    s.update_person(
        p.id,
        vec![PersonField::Summary(Some("兄が時々来る。".into()))],
    )
    .unwrap();
    s.change_stage(p.id, Stage::TryingToReach).unwrap();
    let consent = ConsentRecord {
        status: ConsentStatus::Verbal,
        scope: [ConsentScope::MultiLayeredMeeting].into(),
        date: NaiveDate::from_ymd_opt(2026, 5, 30),
        recorded_by: Some(s.identity().user_id),
    };
    s.record_consent(p.id, consent).unwrap();
    let c = s
        .log_contact(visit(p.id, NaiveDate::from_ymd_opt(2026, 6, 8)))
        .unwrap();
    let esc = s
        .escalate(NewEscalation {
            person_id: p.id,
            reason: "母の介護と本人のひきこもりが重なっている".into(),
            fields: [LifeField::Elderly].into(),
            tags: BTreeSet::new(),
            agencies_involved: BTreeSet::new(),
            urgency: Urgency::Normal,
            for_household: false,
        })
        .unwrap();
    assert_eq!(
        esc.route,
        Route::MultiLayeredMeeting,
        "route follows consent"
    );
    let ops = s.outbox_batch(100).unwrap();
    assert!(ops.damaged.is_empty());
    let kinds: Vec<&str> = ops.items.iter().map(|e| e.op.payload.type_name()).collect();
    assert_eq!(
        kinds,
        [
            "create_person",
            "update_person",
            "change_stage",
            "record_consent",
            "log_contact",
            "escalate"
        ]
    );
    let ctx = ValidationContext::at(t0());
    for w in ops.items.windows(2) {
        assert!(w[0].seq < w[1].seq && w[0].op.hlc < w[1].op.hlc);
    }
    for e in &ops.items {
        e.op.validate(&ctx).unwrap();
        assert_eq!(e.op.device_id, s.identity().device_id);
    }
    match &ops.items[1].op.payload {
        Payload::UpdatePerson { changes } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].base, Some(ops.items[0].op.hlc));
        }
        other => panic!("unexpected {}", other.type_name()),
    }
    match &ops.items[4].op.payload {
        Payload::LogContact(logged) => assert_eq!(logged, &c),
        other => panic!("unexpected {}", other.type_name()),
    }
    // The clock survives a restart.
    let last = s.last_hlc();
    drop(s);
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert_eq!(s.last_hlc(), last);
    s.unlock(&pin()).unwrap();
    let p2 = s.create_person(hanako()).unwrap();
    let ops = s.outbox_batch(100).unwrap();
    assert!(ops.items.last().unwrap().op.hlc > last);
    assert_eq!(s.person(p2.id).unwrap(), p2);
}

#[test]
fn invalid_input_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let mut bad = hanako();
    bad.alias = "  ".into();
    bad.kana = Some("kakuu".into());
    match s.create_person(bad) {
        Err(StoreError::Invalid(e)) => {
            assert!(e.has("alias") && e.has("kana"));
            assert_eq!(
                e.get("alias").unwrap().message_ja(),
                "呼び名を入力してください。"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(outbox_count(&s), 0);
    let p = s.create_person(hanako()).unwrap();
    match s.change_stage(p.id, Stage::HandedOn) {
        Err(StoreError::Invalid(e)) => assert!(e.has("stage")),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let mut c = visit(p.id, None);
    c.met = MetWhom::Person; // needs a response
    assert!(matches!(s.log_contact(c), Err(StoreError::Invalid(e)) if e.has("response")));
    let ghost = PersonId::new_v7(1, [9; 10]);
    assert!(matches!(
        s.log_contact(visit(ghost, None)),
        Err(StoreError::NotFound {
            kind: RecordKind::Person,
            ..
        })
    ));
    assert!(matches!(
        s.escalate(NewEscalation {
            person_id: p.id,
            reason: String::new(),
            fields: BTreeSet::new(),
            tags: BTreeSet::new(),
            agencies_involved: BTreeSet::new(),
            urgency: Urgency::High,
            for_household: false,
        }),
        Err(StoreError::Invalid(e)) if e.has("reason") && e.has("fields")
    ));
    assert_eq!(outbox_count(&s), 1, "only the create");
    let ops = s.outbox_batch(10).unwrap();
    assert_eq!(ops.items.len(), 1);
}

#[test]
fn wrong_pin_count_survives_restart_and_the_tenth_destroys_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    drop(s);
    // A right PIN resets the count.
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert!(matches!(
        s.unlock(&wrong()),
        Err(StoreError::WrongPin { remaining: 9 })
    ));
    s.unlock(&pin()).unwrap();
    assert_eq!(s.status().unwrap().wrong_pins, 0);
    drop(s);
    for i in 1..=9u32 {
        let mut s = Store::open(cfg(dir.path())).unwrap();
        match s.unlock(&wrong()) {
            Err(StoreError::WrongPin { remaining }) => assert_eq!(remaining, 10 - i),
            other => panic!("attempt {i}: {other:?}"),
        }
        assert_eq!(s.status().unwrap().wrong_pins, i, "persisted");
    }
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert!(matches!(s.unlock(&wrong()), Err(StoreError::KeyDestroyed)));
    assert!(!dir.path().join("secret").join("device.key").exists());
    drop(s);
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert!(matches!(s.unlock(&pin()), Err(StoreError::KeyDestroyed)));
    assert!(s.status().unwrap().key_destroyed);
    assert!(matches!(s.person(p.id), Err(StoreError::Locked)));
    let wrapped: Option<Vec<u8>> = s
        .conn()
        .query_row("SELECT wrapped_key FROM keyring", [], |r| r.get(0))
        .unwrap();
    assert!(wrapped.is_none());
}

#[test]
fn a_missing_device_secret_is_its_own_error_and_costs_no_attempt() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    let secret = dir.path().join("secret").join("device.key");
    let moved = dir.path().join("elsewhere.key");
    std::fs::rename(&secret, &moved).unwrap();
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert!(matches!(
        s.unlock(&pin()),
        Err(StoreError::DeviceSecretMissing)
    ));
    assert_eq!(s.status().unwrap().wrong_pins, 0);
    std::fs::rename(&moved, &secret).unwrap();
    s.unlock(&pin()).unwrap();
}

#[test]
fn changing_the_pin_reseals_every_record_under_a_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    s.log_contact(visit(p.id, None)).unwrap();
    let snapshot = |s: &Store| -> Vec<Vec<u8>> {
        let mut st = s
            .conn()
            .prepare("SELECT sealed FROM persons UNION ALL SELECT sealed FROM contacts UNION ALL SELECT sealed FROM outbox")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let before = snapshot(&s);
    let new_pin = Pin::new("はむらのそら".into()).unwrap();
    assert!(matches!(
        s.change_pin(&wrong(), &new_pin),
        Err(StoreError::WrongPin { .. })
    ));
    s.change_pin(&pin(), &new_pin).unwrap();
    let after = snapshot(&s);
    assert_eq!(after.len(), before.len());
    assert!(
        after.iter().zip(&before).all(|(a, b)| a != b),
        "every record is sealed again, under the new data key"
    );
    drop(s);
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert!(matches!(s.unlock(&pin()), Err(StoreError::WrongPin { .. })));
    s.unlock(&new_pin).unwrap();
    assert_eq!(s.person(p.id).unwrap().alias, "架空 花子");
    assert_eq!(s.status().unwrap().wrong_pins, 0);
}

#[test]
fn lock_and_idle_time_forget_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(dir.path()).with_idle_timeout(Duration::from_millis(150));
    let mut s = Store::init(c, &pin(), None, KdfParams::insecure_fast_for_tests()).unwrap();
    let p = s.create_person(hanako()).unwrap();
    s.lock();
    assert!(!s.is_unlocked());
    assert!(matches!(s.person(p.id), Err(StoreError::Locked)));
    // Status works while locked.
    assert_eq!(s.outbox_status().unwrap().pending, 1);
    s.unlock(&pin()).unwrap();
    assert!(s.person(p.id).is_ok());
    std::thread::sleep(Duration::from_millis(250));
    assert!(matches!(s.create_person(hanako()), Err(StoreError::Locked)));
    assert!(!s.is_unlocked());
    assert_eq!(outbox_count(&s), 1);
}

#[test]
fn a_swapped_or_tampered_ciphertext_is_detected_and_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let a = s.create_person(hanako()).unwrap();
    let mut other = hanako();
    other.alias = "架空 太郎".into();
    other.kana = Some("カクウ タロウ".into());
    let b = s.create_person(other).unwrap();
    let mut third = hanako();
    third.alias = "架空 三郎".into();
    let c = s.create_person(third).unwrap();
    let e = s.create_person(hanako()).unwrap();
    let ce = s.log_contact(visit(e.id, None)).unwrap();
    let cb = s.log_contact(visit(b.id, None)).unwrap();
    // Swap the sealed persons of a and b (each ciphertext is intact, but in
    // the other's row).
    {
        let conn = s.conn();
        let get = |id: PersonId| -> Vec<u8> {
            conn.query_row(
                "SELECT sealed FROM persons WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap()
        };
        let (sa, sb) = (get(a.id), get(b.id));
        conn.execute(
            "UPDATE persons SET sealed = ?1 WHERE id = ?2",
            rusqlite::params![sb, a.id.to_string()],
        )
        .unwrap();
        conn.execute(
            "UPDATE persons SET sealed = ?1 WHERE id = ?2",
            rusqlite::params![sa, b.id.to_string()],
        )
        .unwrap();
        // Move contact b's ciphertext onto contact e's row too, and bump a
        // version number (replaying a sealed value under another version).
        let scb: Vec<u8> = conn
            .query_row(
                "SELECT sealed FROM contacts WHERE id = ?1",
                [cb.id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute(
            "UPDATE contacts SET sealed = ?1 WHERE id = ?2",
            rusqlite::params![scb, ce.id.to_string()],
        )
        .unwrap();
        conn.execute(
            "UPDATE persons SET version = version + 1 WHERE id = ?1",
            [c.id.to_string()],
        )
        .unwrap();
    }
    let listing = s.persons().unwrap();
    assert_eq!(
        listing.items.len(),
        1,
        "no damaged record is shown as if fine"
    );
    assert_eq!(listing.items[0].id, e.id);
    let mut ids: Vec<String> = listing.damaged.iter().map(|d| d.id.clone()).collect();
    ids.sort();
    let mut expected = vec![a.id.to_string(), b.id.to_string(), c.id.to_string()];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(
        matches!(s.person(a.id), Err(StoreError::NotFound { .. })),
        "set aside"
    );
    assert!(s.timeline(b.id).is_err(), "person b itself is set aside");
    let damaged = s.damaged_records().unwrap();
    assert_eq!(damaged.len(), 3);
    let cl = s.caseload().unwrap();
    assert_eq!(cl.damaged.len(), 1);
    assert_eq!(cl.damaged[0].id, ce.id.to_string());
    assert_eq!(cl.entries.len(), 1);
    assert_eq!(s.damaged_records().unwrap().len(), 4);
    // The rest of the store keeps working.
    assert!(s.timeline(e.id).unwrap().entries.is_empty());
    let d = s.create_person(hanako()).unwrap();
    let mut now: Vec<PersonId> = s.persons().unwrap().items.iter().map(|p| p.id).collect();
    now.sort();
    let mut want = vec![e.id, d.id];
    want.sort();
    assert_eq!(now, want);
    assert_eq!(s.status().unwrap().damaged_records, 4);
}

#[test]
fn migrations_run_from_version_1_and_keep_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::init_at_schema(
        cfg(dir.path()),
        &pin(),
        None,
        KdfParams::insecure_fast_for_tests(),
        1,
    )
    .unwrap();
    assert_eq!(schema::version(s.conn()).unwrap(), 1);
    let p = s.create_person(hanako()).unwrap();
    let mut v = visit(p.id, NaiveDate::from_ymd_opt(2026, 5, 31));
    v.occurred_at = t0() - chrono::Duration::days(5);
    let c = s.log_contact(v).unwrap();
    drop(s);
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert_eq!(schema::version(s.conn()).unwrap(), schema::LATEST_VERSION);
    s.unlock(&pin()).unwrap();
    assert_eq!(s.person(p.id).unwrap(), p);
    let t = s.timeline(p.id).unwrap();
    assert_eq!(t.entries.len(), 1);
    assert_eq!(t.entries[0].contact, c);
    let cl = s.caseload().unwrap();
    assert_eq!(cl.entries.len(), 1);
    assert!(cl.entries[0].overdue);
    let ops = s.outbox_batch(10).unwrap();
    assert_eq!(ops.items.len(), 2);
    assert_eq!(ops.items[0].attempts, 0);
}

#[test]
fn corrections_are_new_revisions_and_history_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let first = s.log_contact(visit(p.id, None)).unwrap();
    let mut fix = visit(p.id, None);
    fix.observation = "訂正：本人が窓から顔を出した。".into();
    let second = s.correct_contact(first.id, fix.clone()).unwrap();
    assert_eq!(second.revises, Some(first.id));
    assert!(matches!(
        s.correct_contact(first.id, fix.clone()),
        Err(StoreError::AlreadyCorrected { .. })
    ));
    let t = s.timeline(p.id).unwrap();
    assert_eq!(t.entries.len(), 2);
    let cur: Vec<bool> = t.entries.iter().map(|e| e.current).collect();
    let by_id = |id: ContactId| t.entries.iter().find(|e| e.contact.id == id).unwrap();
    assert!(!by_id(first.id).current && by_id(second.id).current);
    assert_eq!(cur.iter().filter(|c| **c).count(), 1);
}

#[test]
fn caseload_orders_overdue_first_and_closed_last() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let late = s.create_person(hanako()).unwrap();
    let soon = s.create_person(hanako()).unwrap();
    let none = s.create_person(hanako()).unwrap();
    let closed = s.create_person(hanako()).unwrap();
    // Today in Tokyo is 2026-06-01 (03:00 UTC = 12:00 JST).
    let mut old_visit = visit(late.id, NaiveDate::from_ymd_opt(2026, 5, 29));
    old_visit.occurred_at = t0() - chrono::Duration::days(5);
    s.log_contact(old_visit).unwrap();
    s.log_contact(visit(soon.id, NaiveDate::from_ymd_opt(2026, 6, 3)))
        .unwrap();
    let mut danger = visit(soon.id, NaiveDate::from_ymd_opt(2026, 6, 2));
    danger.occurred_at = t0() - chrono::Duration::minutes(30);
    danger
        .safety
        .danger_signs
        .insert(DangerSign::LivingConditions);
    s.log_contact(danger).unwrap();
    s.change_stage(closed.id, Stage::TryingToReach).unwrap();
    s.change_stage(closed.id, Stage::Paused(PauseReason::Moved))
        .unwrap();
    assert!(
        matches!(s.change_stage(closed.id, Stage::Closed), Err(StoreError::Invalid(e)) if e.has("stage_note.reason")),
        "closing says why"
    );
    let mut late_visit = visit(closed.id, NaiveDate::from_ymd_opt(2026, 5, 20));
    late_visit.occurred_at = t0() - chrono::Duration::days(20);
    s.log_contact(late_visit).unwrap();
    s.change_stage_with(
        closed.id,
        Stage::Closed,
        Some(StageNote {
            reason: "転居先の機関に引き継いだ".into(),
            handed_to: None,
        }),
    )
    .unwrap();
    let cl = s.caseload().unwrap();
    assert_eq!(cl.today, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    let order: Vec<PersonId> = cl.entries.iter().map(|e| e.person.id).collect();
    assert_eq!(order, [late.id, soon.id, none.id, closed.id], "closed last");
    assert!(!cl.entries[3].overdue, "a closed person is never overdue");
    assert_eq!(cl.overdue, 1);
    assert_eq!(cl.entries[0].days_overdue, 3);
    assert!(cl.entries[1].safety_concern, "latest contact counts");
    assert_eq!(
        cl.entries[1].next_action.as_ref().unwrap().due,
        NaiveDate::from_ymd_opt(2026, 6, 2).unwrap()
    );
    assert!(cl.entries[2].next_action.is_none() && !cl.entries[2].overdue);
}

#[test]
fn search_by_alias_or_kana_after_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let a = s.create_person(hanako()).unwrap();
    let mut b = hanako();
    b.alias = "栄町の青い屋根のお宅の息子さん".into();
    b.kana = None;
    let b = s.create_person(b).unwrap();
    let ids = |l: Listing<Person>| l.items.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(s.search("かくう").unwrap()), [a.id]);
    assert_eq!(ids(s.search("ハナコ").unwrap()), [a.id]);
    assert_eq!(ids(s.search("青い屋根").unwrap()), [b.id]);
    assert!(s.search("やまだ").unwrap().items.is_empty());
    s.lock();
    assert!(matches!(s.search("かくう"), Err(StoreError::Locked)));
}

#[test]
fn outbox_acknowledge_and_reject() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    s.log_contact(visit(p.id, None)).unwrap();
    s.change_stage(p.id, Stage::FirstContact).unwrap();
    let ops = s.outbox_batch(10).unwrap().items;
    assert_eq!(ops.len(), 3);
    let ids: Vec<OperationId> = ops.iter().map(|e| e.op.id).collect();
    s.note_push_attempt(&ids).unwrap();
    let rejection = Rejection {
        code: RejectCode::StaleState,
        message: "stage changed on the server".into(),
        field_errors: vec![],
    };
    s.record_rejection(ids[2], &rejection).unwrap();
    assert_eq!(s.acknowledge(&ids[..2]).unwrap(), 2);
    assert_eq!(s.acknowledge(&ids[..2]).unwrap(), 0, "repeat is harmless");
    let st = s.outbox_status().unwrap();
    assert_eq!((st.pending, st.rejected), (1, 1));
    assert!(s.outbox_batch(10).unwrap().items.is_empty());
    let rej = s.outbox_rejected().unwrap().items;
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0].rejection.as_ref(), Some(&rejection));
    assert_eq!(rej[0].attempts, 1);
    s.resolve_rejection(ids[2], false).unwrap();
    assert_eq!(s.outbox_batch(10).unwrap().items.len(), 1);
    assert!(matches!(
        s.record_rejection(ids[0], &rejection),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_pulled_page_applies_in_one_transaction_and_keeps_newer_local_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    let server_node = DeviceId::new_v7(1, [7; 10]);
    let old = Hlc::new(unix_ms(t0()) - 60_000, 0, server_node);
    // A local change not yet pushed: newer than the server's copy.
    s.update_person(
        p.id,
        vec![PersonField::Summary(Some("ローカルの変更".into()))],
    )
    .unwrap();
    let mut server_person = p.clone();
    server_person.alias = "架空 花子（サーバー）".into();
    server_person.summary = Some("サーバーの古い値".into());
    server_person.stage = Stage::TryingToReach;
    let versions = ["alias", "summary", "stage"]
        .iter()
        .map(|k| (k.to_string(), Hlc::new(unix_ms(t0()) + 1, 0, server_node)))
        .chain([("summary".to_string(), old)])
        .collect();
    let contact_id = ContactId::new_v7(unix_ms(t0()), [8; 10]);
    let mut contact = ContactLog {
        id: contact_id,
        person_id: p.id,
        revises: None,
        author: UserId::new_v7(1, [3; 10]),
        occurred_at: t0() - chrono::Duration::days(1),
        duration_minutes: None,
        method: ContactMethod::Phone,
        met: MetWhom::Nobody,
        response: None,
        observation: "電話に出なかった。".into(),
        safety: Safety {
            accompaniment: Accompaniment::Alone,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
        },
        reflection: None,
        next_action: None,
    };
    let review = Review {
        contact_id,
        reviewer: UserId::new_v7(1, [4; 10]),
        status: ReviewStatus::Returned,
        comment: Some("次回は二人で訪問してください".into()),
        reviewed_at: t0(),
    };
    let case_id = CaseId::new_v7(1, [5; 10]);
    let h = |n: u16| Hlc::new(unix_ms(t0()), n, server_node);
    let change = |seq: u64, entity: EntityRef, body: ChangeBody| Change {
        seq,
        hlc: h(seq as u16),
        entity,
        body,
    };
    let page = PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![
            change(
                1,
                EntityRef::person(p.id),
                ChangeBody::Person(PersonSnapshot::new(server_person, versions)),
            ),
            change(
                2,
                EntityRef::contact(contact_id),
                ChangeBody::Contact(contact.clone()),
            ),
            change(
                3,
                EntityRef {
                    kind: protocol::EntityKind::Review,
                    id: contact_id.0,
                },
                ChangeBody::Review(review.clone()),
            ),
            change(
                4,
                EntityRef::case(case_id),
                ChangeBody::Case(protocol::CaseStatusView {
                    case_id,
                    person_id: p.id,
                    status: CaseStatus::Triage,
                    route: Route::SupportMeeting,
                    urgency: Urgency::High,
                    return_reason: None,
                    updated_at: t0(),
                    next_meeting: None,
                    outreach_tasks: Vec::new(),
                    find_request: None,
                    followups: Vec::new(),
                }),
            ),
            change(
                5,
                EntityRef::person(p.id),
                ChangeBody::Conflict(ConflictRecord {
                    person_id: p.id,
                    field: "alias".into(),
                    kept: serde_json::json!("架空 花子（サーバー）"),
                    kept_hlc: h(1),
                    other: serde_json::json!("架空 花子"),
                    other_hlc: h(0),
                }),
            ),
        ],
        next_cursor: 5,
        has_more: false,
        server_time: t0(),
    };
    let r = s.apply_pull_page(&page).unwrap();
    assert_eq!((r.applied, r.conflicts, r.cursor), (5, 1, 5));
    assert_eq!(r.kept_local_fields, 1);
    assert_eq!(s.pull_cursor().unwrap(), 5);
    let now = s.person(p.id).unwrap();
    assert_eq!(now.alias, "架空 花子（サーバー）");
    assert_eq!(now.summary.as_deref(), Some("ローカルの変更"));
    assert_eq!(now.stage, Stage::TryingToReach);
    let t = s.timeline(p.id).unwrap();
    assert_eq!(t.entries.len(), 1);
    assert_eq!(t.entries[0].review.as_ref(), Some(&review));
    assert_eq!(t.cases.len(), 1);
    assert_eq!(t.conflicts.len(), 1);
    assert!(s.last_hlc() > h(5));
    // The same page again changes nothing that matters (contacts are
    // append-only).
    contact.observation = "書き換えの試み".into();
    let mut again = page.clone();
    again.changes[1].body = ChangeBody::Contact(contact);
    s.apply_pull_page(&again).unwrap();
    let t = s.timeline(p.id).unwrap();
    assert_eq!(t.entries[0].contact.observation, "電話に出なかった。");
    // Gone removes the person and what hangs on it.
    let gone = PullResponse {
        changes: vec![change(6, EntityRef::person(p.id), ChangeBody::Gone)],
        next_cursor: 6,
        ..page
    };
    s.apply_pull_page(&gone).unwrap();
    assert!(matches!(s.person(p.id), Err(StoreError::NotFound { .. })));
    let left: i64 = s
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM reviews) + (SELECT count(*) FROM cases)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn wipe_removes_keys_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    s.create_person(hanako()).unwrap();
    let data = dir.path().join("data");
    assert!(data.join(DB_FILE).exists());
    s.wipe().unwrap();
    assert!(!data.exists());
    assert!(!dir.path().join("secret").join("device.key").exists());
    assert!(matches!(
        Store::open(cfg(dir.path())),
        Err(StoreError::NotInitialized)
    ));
    // A new store can be set up again.
    new_store(dir.path());
}

#[test]
fn init_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    let again = Store::init(
        cfg(dir.path()).with_device_secret_path(dir.path().join("other.key")),
        &pin(),
        None,
        KdfParams::insecure_fast_for_tests(),
    );
    assert!(matches!(again, Err(StoreError::AlreadyInitialized)));
}

#[test]
fn no_plaintext_in_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    s.log_contact(visit(p.id, None)).unwrap();
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir.path().join("data")).unwrap() {
        files.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    assert!(files.len() >= 2, "database and WAL");
    for needle in [
        "架空",
        "カクウ",
        "玄関先",
        "sakaecho",
        "eighty",
        "8050",
        "identified",
        "family_only",
    ] {
        for f in &files {
            assert!(
                !f.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in clear"
            );
        }
    }
}

#[test]
fn production_parameters_meet_the_floor_and_can_be_raised_by_rewrapping() {
    // RFC 9106's second recommendation is the floor.
    let p = KdfParams::PRODUCTION;
    assert!(p.m_kib >= 64 * 1024 && p.t >= 3 && p.p >= 1);
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let person = s.create_person(hanako()).unwrap();
    assert_eq!(
        s.kdf_params().unwrap(),
        KdfParams::insecure_fast_for_tests()
    );
    let raised = KdfParams {
        m_kib: 256,
        t: 2,
        p: 1,
    };
    s.set_kdf_params(&pin(), raised).unwrap();
    drop(s);
    let mut s = Store::open(cfg(dir.path())).unwrap();
    assert_eq!(s.kdf_params().unwrap(), raised);
    s.unlock(&pin()).unwrap();
    assert_eq!(s.person(person.id).unwrap(), person);
    let absurd = KdfParams {
        m_kib: u32::MAX,
        t: 1,
        p: 1,
    };
    assert!(s.set_kdf_params(&pin(), absurd).is_err());
    assert_eq!(
        s.status().unwrap().wrong_pins,
        0,
        "refused before any attempt"
    );
}

#[test]
fn only_the_database_files_are_in_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    for _ in 0..20 {
        let p = s.create_person(hanako()).unwrap();
        s.log_contact(visit(p.id, None)).unwrap();
    }
    s.caseload().unwrap();
    s.search("かくう").unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["outreach.db", "outreach.db-shm", "outreach.db-wal"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the data folder is the owner's only");
    }
}

#[test]
fn a_tampered_key_row_or_outbox_entry_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    s.log_contact(visit(p.id, None)).unwrap();
    // Truncate one outbox ciphertext: that operation is set aside, the other
    // one is still listed.
    s.conn()
        .execute(
            "UPDATE outbox SET sealed = substr(sealed, 1, 20) WHERE seq = (SELECT min(seq) FROM outbox)",
            [],
        )
        .unwrap();
    let ops = s.outbox_batch(10).unwrap();
    assert_eq!(ops.items.len(), 1);
    assert_eq!(ops.damaged.len(), 1);
    assert_eq!(ops.damaged[0].table, "outbox");
    // Lowering the KDF parameters in the file does not weaken anything: the
    // unwrap fails (counted as a wrong attempt).
    s.lock();
    s.conn()
        .execute("UPDATE keyring SET t = 1, m_kib = 8", [])
        .unwrap();
    assert!(matches!(s.unlock(&pin()), Err(StoreError::WrongPin { .. })));
    // A mangled wrapped key: the same.
    s.conn()
        .execute("UPDATE keyring SET wrapped_key = x'0102'", [])
        .unwrap();
    assert!(matches!(s.unlock(&pin()), Err(StoreError::WrongPin { .. })));
}

#[test]
fn the_store_can_move_to_a_store_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Store>();
}

#[test]
fn a_store_that_cannot_be_opened_can_still_be_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    s.create_person(hanako()).unwrap();
    drop(s);
    let db = cfg(dir.path()).db_path();
    std::fs::write(&db, b"this is not a database, just garbage bytes..........").unwrap();
    assert!(Store::open(cfg(dir.path())).is_err());
    Store::wipe_files(&cfg(dir.path())).unwrap();
    assert!(!db.exists());
    assert!(!dir.path().join("secret").join("device.key").exists());
}

#[test]
fn enrolment_restamps_operations_made_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    s.log_contact(visit(p.id, None)).unwrap();
    let before = s.outbox_batch(10).unwrap().items;
    let enrolled = Identity {
        device_id: DeviceId::new_v7(5, [5; 10]),
        user_id: s.identity().user_id,
        team_id: TeamId::new_v7(5, [6; 10]),
    };
    s.lock();
    assert!(matches!(s.set_identity(enrolled), Err(StoreError::Locked)));
    s.unlock(&pin()).unwrap();
    s.set_identity(enrolled).unwrap();
    let after = s.outbox_batch(10).unwrap().items;
    assert_eq!(after.len(), 2);
    let ctx = ValidationContext::at(t0());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.op.id, b.op.id);
        assert_eq!(b.op.device_id, enrolled.device_id);
        assert_eq!(b.op.hlc.node, enrolled.device_id);
        assert_eq!(a.op.hlc.wall_ms, b.op.hlc.wall_ms);
        b.op.validate(&ctx).unwrap();
    }
    match &after[0].op.payload {
        Payload::CreatePerson(sent) => assert_eq!(sent.team, enrolled.team_id),
        other => panic!("unexpected {}", other.type_name()),
    }
    let next = s.create_person(hanako()).unwrap();
    let ops = s.outbox_batch(10).unwrap().items;
    assert_eq!(ops[2].op.hlc.node, enrolled.device_id);
    assert_eq!(next.team, enrolled.team_id);
    drop(s);
    let s = Store::open(cfg(dir.path())).unwrap();
    assert_eq!(s.identity(), enrolled);
}

#[test]
fn a_folded_escalation_gets_the_case_outcome_and_it_stays_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = new_store(dir.path());
    let p = s.create_person(hanako()).unwrap();
    // Raised while the person's case was open on the server: folded there.
    let raised = s
        .escalate(NewEscalation {
            person_id: p.id,
            reason: "（架空）本人が同意したので重層的支援会議で検討してほしい".into(),
            fields: [LifeField::Elderly].into(),
            tags: BTreeSet::new(),
            agencies_involved: BTreeSet::new(),
            urgency: Urgency::Normal,
            for_household: false,
        })
        .unwrap();
    let open = CaseId::new_v7(1, [5; 10]);
    let view = protocol::CaseStatusView {
        case_id: open,
        person_id: p.id,
        status: CaseStatus::Plan,
        route: Route::MultiLayeredMeeting,
        urgency: Urgency::High,
        return_reason: None,
        updated_at: t0(),
        next_meeting: NaiveDate::from_ymd_opt(2026, 6, 20),
        outreach_tasks: vec![protocol::OutreachTask {
            id: uuid::Uuid::from_u128(1),
            what: "月2回の訪問で様子を見る".into(),
            due: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            status: TaskStatus::InProgress,
            owner: None,
        }],
        find_request: Some(protocol::FindRequestView {
            request: "駅前の集合住宅で見かけるとの情報".into(),
            requested_at: t0(),
        }),
        followups: vec![raised.case_id],
    };
    let page = PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![Change {
            seq: 1,
            hlc: Hlc::new(unix_ms(t0()), 0, DeviceId::new_v7(1, [7; 10])),
            entity: EntityRef::case(open),
            body: ChangeBody::Case(view.clone()),
        }],
        next_cursor: 1,
        has_more: false,
        server_time: t0(),
    };
    s.apply_pull_page(&page).unwrap();
    let t = s.timeline(p.id).unwrap();
    let mine = t
        .cases
        .iter()
        .find(|c| c.case_id == raised.case_id)
        .expect("the escalation raised here");
    assert!(mine.escalation.is_some(), "what the worker sent is kept");
    assert_eq!(mine.status.as_ref(), Some(&view), "with the case's outcome");
    let server = t.cases.iter().find(|c| c.case_id == open).unwrap();
    assert_eq!(server.status.as_ref().unwrap().outreach_tasks.len(), 1);
    // The outcome is sealed like every record.
    for e in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let f = std::fs::read(e.unwrap().path()).unwrap();
        for needle in ["月2回の訪問", "駅前の集合住宅", "in_progress"] {
            assert!(
                !f.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in clear"
            );
        }
    }
}

mod binding;
mod community;
mod field;
mod lookup;
mod participation;
mod visits;
