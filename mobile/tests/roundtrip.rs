//! Property tests: every kind of record goes through the store (sealed,
//! written, read back and opened) unchanged.

mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::*;
use outreach_mobile::shared::protocol::{
    Change, ChangeBody, ConflictRecord, EntityKind, EntityRef, Payload, PersonField,
    ProtocolVersion, PullResponse,
};
use outreach_mobile::shared::*;
use outreach_mobile::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 3, 0, 0).unwrap()
}

fn store(dir: &std::path::Path) -> Store {
    Store::init(
        cfg(dir).with_clock(Clock::fixed(now())),
        &pin(),
        None,
        KdfParams::insecure_fast_for_tests(),
    )
    .unwrap()
}

/// One line of text: Japanese, Latin, digits, symbols, emoji.
fn line(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ぁ-んァ-ヶ一-龠a-zA-Z0-9ー・、。（）！？😀][ぁ-んァ-ヶ一-龠a-zA-Z0-9ー・、。（）！？😀 　]{{0,{}}}", max - 1))
        .unwrap()
}

/// Several lines of any printable text.
fn notes(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[\\PC\n]{{0,{max}}}"))
        .unwrap()
        .prop_filter("no invisible format characters", |s| {
            !s.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{200B}'))
        })
}

fn kana() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ぁ-んァ-ヶー][ぁ-んァ-ヶー ]{0,20}").unwrap()
}

fn pick<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn set<T: Ord + Clone + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = BTreeSet<T>> {
    proptest::sample::subsequence(all, 0..=all.len()).prop_map(|v| v.into_iter().collect())
}

fn household() -> impl Strategy<Value = Household> {
    proptest::collection::vec(
        (
            any::<[u8; 10]>(),
            pick(&Relation::ALL),
            proptest::option::of(line(40)),
            proptest::option::of((1900..2026i32, any::<bool>())),
            any::<bool>(),
            proptest::option::of(line(200)),
        ),
        0..4,
    )
    .prop_map(|members| Household {
        members: members
            .into_iter()
            .enumerate()
            .map(
                |(i, (rnd, relation, alias, by, lives_together, note))| HouseholdMember {
                    id: HouseholdMemberId::new_v7(i as u64, rnd),
                    relation,
                    alias,
                    birth_year: by.map(|(year, approximate)| BirthYear { year, approximate }),
                    lives_together,
                    note,
                    person: None,
                },
            )
            .collect(),
    })
}

fn new_person() -> impl Strategy<Value = NewPerson> {
    (
        household(),
        (
            line(40),
            proptest::option::of(kana()),
            proptest::option::of((1900..2026i32, any::<bool>())),
            proptest::option::of(pick(&Sex::ALL)),
            proptest::option::of(0..40usize),
            proptest::option::of(pick(&NoticedBy::ALL)),
            proptest::option::of(line(200)),
            set(&LifeField::ALL),
            set(&CrossTag::ALL[..4]),
        ),
    )
        .prop_map(
            |(household, (alias, kana, by, sex, area, noticed_by, summary, fields, tags))| {
                NewPerson {
                    household,
                    alias,
                    kana,
                    birth_year: by.map(|(year, approximate)| BirthYear { year, approximate }),
                    sex,
                    area: area.and_then(|i| AreaCode::all().get(i).cloned()),
                    noticed_by,
                    summary,
                    fields,
                    tags,
                    ..NewPerson::default()
                }
            },
        )
}

fn new_contact(person: PersonId) -> impl Strategy<Value = NewContact> {
    (
        0..(60 * 24 * 30i64),
        proptest::option::of(1..=720u16),
        pick(&ContactMethod::ALL),
        pick(&MetWhom::ALL),
        pick(&PersonResponse::ALL),
        notes(1200),
        pick(&Accompaniment::ALL),
        set(&DangerSign::ALL),
        any::<bool>(),
        proptest::option::of((1..=5u8, proptest::option::of(notes(300)), any::<bool>())),
        proptest::option::of((line(100), 0..60i64)),
    )
        .prop_map(
            move |(ago, minutes, method, met, resp, observation, acc, danger, life, refl, next)| {
                let occurred_at = now() - Duration::minutes(ago);
                NewContact {
                    person_id: person,
                    occurred_at,
                    duration_minutes: minutes,
                    method,
                    met,
                    response: (met == MetWhom::Person).then_some(resp),
                    observation,
                    safety: Safety {
                        accompaniment: acc,
                        danger_signs: danger,
                        life_threatening: life,
                    },
                    reflection: refl.map(|(d, note, talk)| Reflection {
                        difficulty: Difficulty::new(d).unwrap(),
                        note: note.filter(|n| !n.trim().is_empty()),
                        wants_to_talk: talk,
                    }),
                    next_action: next.map(|(what, days)| NextAction {
                        what,
                        due: ja::local_date(occurred_at) + Duration::days(days),
                    }),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn persons_round_trip(new in new_person(), summary in proptest::option::of(line(200))) {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = store(tmp.path());
        let p = s.create_person(new.clone()).unwrap();
        prop_assert_eq!(&p.alias, &new.alias);
        prop_assert_eq!(&p.kana, &new.kana);
        prop_assert_eq!(&s.person(p.id).unwrap(), &p);
        let updated = s.update_person(p.id, vec![PersonField::Summary(summary.clone())]).unwrap();
        prop_assert_eq!(&updated.summary, &summary);
        drop(s);
        let mut s = Store::open(cfg(tmp.path()).with_clock(Clock::fixed(now()))).unwrap();
        s.unlock(&pin()).unwrap();
        prop_assert_eq!(s.person(p.id).unwrap(), updated);
        let ops = s.outbox_batch(10).unwrap().items;
        match &ops[0].op.payload {
            Payload::CreatePerson(sent) => prop_assert_eq!(sent, &p),
            other => prop_assert!(false, "unexpected {}", other.type_name()),
        }
    }

    #[test]
    fn contacts_round_trip(seed in any::<u64>(), contacts in proptest::collection::vec(new_contact(PersonId::new_v7(0, [0; 10])), 1..4)) {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = store(tmp.path());
        let person = s.create_person(hanako()).unwrap().id;
        let mut logged = Vec::new();
        for mut c in contacts {
            c.person_id = person;
            logged.push(s.log_contact(c).unwrap());
        }
        let t = s.timeline(person).unwrap();
        prop_assert_eq!(t.entries.len(), logged.len());
        for c in &logged {
            let back = t.entries.iter().find(|e| e.contact.id == c.id).unwrap();
            prop_assert_eq!(&back.contact, c);
        }
        let ops = s.outbox_batch(100).unwrap().items;
        let sent: Vec<ContactLog> = ops.iter().filter_map(|e| match &e.op.payload {
            Payload::LogContact(c) => Some(c.clone()),
            _ => None,
        }).collect();
        prop_assert_eq!(sent, logged);
        let _ = seed;
    }

    #[test]
    fn escalations_consent_and_pulled_records_round_trip(
        reason in line(300),
        comment in line(300),
        other in notes(200),
        urgency in pick(&Urgency::ALL),
        status in pick(&CaseStatus::ALL),
        scope in set(&ConsentScope::ALL).prop_filter("non-empty", |s| !s.is_empty()),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = store(tmp.path());
        let person = s.create_person(hanako()).unwrap().id;
        let consent = ConsentRecord {
            status: ConsentStatus::Written,
            scope,
            date: NaiveDate::from_ymd_opt(2026, 5, 1),
            recorded_by: Some(s.identity().user_id),
        };
        let p = s.record_consent(person, consent.clone()).unwrap();
        prop_assert_eq!(&p.consent, &consent);
        let esc = s.escalate(NewEscalation {
            person_id: person,
            reason: reason.clone(),
            fields: [LifeField::Poverty].into(),
            tags: BTreeSet::new(),
            agencies_involved: [AgencyId::new("houkatsu-asahi")].into(),
            urgency,
            for_household: false,
        }).unwrap();
        prop_assert_eq!(&esc.reason, &reason);
        let contact = s.log_contact(visit(person, now(), "架空の記録")).unwrap();
        let node = DeviceId::new_v7(1, [7; 10]);
        let hlc = Hlc::new(1_780_000_000_000, 0, node);
        let review = Review {
            contact_id: contact.id,
            reviewer: UserId::new_v7(1, [4; 10]),
            status: ReviewStatus::Returned,
            comment: Some(comment.clone()),
            reviewed_at: now(),
        };
        let view = protocol::CaseStatusView {
            case_id: esc.case_id,
            person_id: person,
            status,
            route: esc.route,
            urgency,
            return_reason: Some(comment.clone()),
            updated_at: now(),
            next_meeting: None,
            outreach_tasks: Vec::new(),
            find_request: None,
            followups: Vec::new(),
        };
        let conflict = ConflictRecord {
            person_id: person,
            field: "summary".into(),
            kept: serde_json::json!(other.clone()),
            kept_hlc: hlc,
            other: serde_json::json!(comment.clone()),
            other_hlc: hlc,
        };
        let page = PullResponse {
            protocol: ProtocolVersion::CURRENT,
            changes: vec![
                Change { seq: 1, hlc, entity: EntityRef { kind: EntityKind::Review, id: contact.id.0 }, body: ChangeBody::Review(review.clone()) },
                Change { seq: 2, hlc, entity: EntityRef::case(esc.case_id), body: ChangeBody::Case(view.clone()) },
                Change { seq: 3, hlc, entity: EntityRef::person(person), body: ChangeBody::Conflict(conflict.clone()) },
            ],
            next_cursor: 3,
            has_more: false,
            server_time: now(),
        };
        s.apply_pull_page(&page).unwrap();
        let t = s.timeline(person).unwrap();
        prop_assert_eq!(t.entries[0].review.as_ref(), Some(&review));
        prop_assert_eq!(t.cases.len(), 1);
        prop_assert_eq!(t.cases[0].escalation.as_ref(), Some(&esc));
        prop_assert_eq!(t.cases[0].status.as_ref(), Some(&view));
        prop_assert_eq!(&t.conflicts, &vec![conflict]);
        // A rejection of the escalation, sealed beside its operation.
        let op = s.outbox_batch(10).unwrap().items.iter().find(|e| e.op.payload.type_name() == "escalate").unwrap().op.id;
        let rejection = protocol::Rejection {
            code: protocol::RejectCode::Invalid,
            message: comment.clone(),
            field_errors: vec![FieldError::new("reason", Violation::TooLong { max: 1, actual: 2 })],
        };
        s.record_rejection(op, &rejection).unwrap();
        let rejected = s.outbox_rejected().unwrap().items;
        prop_assert_eq!(rejected.len(), 1);
        prop_assert_eq!(rejected[0].rejection.as_ref(), Some(&rejection));
    }
}
