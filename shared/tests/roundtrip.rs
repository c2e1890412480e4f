//! Property tests: every protocol message survives a JSON round trip
//! unchanged, whatever its content (any text, any id, any timestamp).

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::protocol::*;
use outreach_shared::*;
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;
use uuid::Uuid;

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(Uuid::from_bytes)
}

macro_rules! id_strategy {
    ($name:ident, $ty:ty) => {
        fn $name() -> impl Strategy<Value = $ty> {
            uuid().prop_map(<$ty>::from_uuid)
        }
    };
}
id_strategy!(person_id, PersonId);
id_strategy!(contact_id, ContactId);
id_strategy!(case_id, CaseId);
id_strategy!(user_id, UserId);
id_strategy!(team_id, TeamId);
id_strategy!(device_id, DeviceId);
id_strategy!(op_id, OperationId);
id_strategy!(member_id, HouseholdMemberId);

fn hlc() -> impl Strategy<Value = Hlc> {
    (0..=Hlc::MAX_WALL_MS, any::<u16>(), device_id()).prop_map(|(w, c, n)| Hlc::new(w, c, n))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "[ぁ-んァ-ヶ一-龠ー、。\n]{0,60}"
    ]
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn birth_year() -> impl Strategy<Value = BirthYear> {
    (1900i32..2030, any::<bool>()).prop_map(|(year, approximate)| BirthYear { year, approximate })
}

fn stage() -> impl Strategy<Value = Stage> {
    prop_oneof![
        select(Stage::PATH.to_vec()),
        select(PauseReason::ALL.to_vec()).prop_map(Stage::Paused)
    ]
}

fn consent() -> impl Strategy<Value = ConsentRecord> {
    (
        select(ConsentStatus::ALL.to_vec()),
        btree_set(select(ConsentScope::ALL.to_vec()), 0..3),
        opt(date()),
        opt(user_id()),
    )
        .prop_map(|(status, scope, date, recorded_by)| ConsentRecord {
            status,
            scope,
            date,
            recorded_by,
        })
}

fn household() -> impl Strategy<Value = Household> {
    vec(
        (
            member_id(),
            select(Relation::ALL.to_vec()),
            opt(text()),
            opt(birth_year()),
            any::<bool>(),
            opt(text()),
        )
            .prop_map(|(id, relation, alias, birth_year, lives_together, note)| {
                HouseholdMember {
                    id,
                    relation,
                    alias,
                    birth_year,
                    lives_together,
                    note,
                    person: None,
                }
            }),
        0..4,
    )
    .prop_map(|members| Household { members })
}

fn stage_note() -> impl Strategy<Value = StageNote> {
    (
        text(),
        opt(prop_oneof![
            select(
                AGENCIES
                    .iter()
                    .map(|a| AgencyId::new(a.id))
                    .collect::<Vec<_>>()
            )
            .prop_map(HandedTo::Agency),
            text().prop_map(HandedTo::Resource),
        ]),
    )
        .prop_map(|(reason, handed_to)| StageNote { reason, handed_to })
}

fn scheme_gap() -> impl Strategy<Value = SchemeGap> {
    (btree_set(select(Scheme::ALL.to_vec()), 0..4), text()).prop_map(
        |(schemes_not_fitting, why)| SchemeGap {
            schemes_not_fitting,
            why,
        },
    )
}

fn area() -> impl Strategy<Value = AreaCode> {
    select(AreaCode::all())
}

fn person() -> impl Strategy<Value = Person> {
    (
        (
            person_id(),
            text(),
            opt(text()),
            opt(birth_year()),
            opt(select(Sex::ALL.to_vec())),
            opt(area()),
        ),
        (
            opt(select(NoticedBy::ALL.to_vec())),
            opt(text()),
            household(),
        ),
        (
            btree_set(select(LifeField::ALL.to_vec()), 0..4),
            btree_set(select(CrossTag::ALL.to_vec()), 0..6),
            opt(scheme_gap()),
        ),
        (
            stage(),
            opt(stage_note()),
            consent(),
            team_id(),
            opt(user_id()),
            instant(),
        ),
    )
        .prop_map(
            |(
                (id, alias, kana, birth_year, sex, area),
                (noticed_by, summary, household),
                (fields, tags, scheme_gap),
                (stage, stage_note, consent, team, assigned_worker, created_at),
            )| Person {
                id,
                alias,
                kana,
                birth_year,
                sex,
                area,
                noticed_by,
                summary,
                household,
                fields,
                tags,
                scheme_gap,
                stage,
                stage_note,
                consent,
                team,
                assigned_worker,
                created_at,
            },
        )
}

fn contact() -> impl Strategy<Value = ContactLog> {
    (
        (
            contact_id(),
            person_id(),
            opt(contact_id()),
            user_id(),
            instant(),
            opt(any::<u16>()),
        ),
        (
            select(ContactMethod::ALL.to_vec()),
            select(MetWhom::ALL.to_vec()),
            opt(select(PersonResponse::ALL.to_vec())),
            text(),
        ),
        (
            select(Accompaniment::ALL.to_vec()),
            btree_set(select(DangerSign::ALL.to_vec()), 0..3),
            any::<bool>(),
        ),
        opt((1u8..=5, opt(text()), any::<bool>())),
        opt((text(), date())),
    )
        .prop_map(
            |(
                (id, person_id, revises, author, occurred_at, duration_minutes),
                (method, met, response, observation),
                (accompaniment, danger_signs, life_threatening),
                reflection,
                next,
            )| ContactLog {
                id,
                person_id,
                revises,
                author,
                occurred_at,
                duration_minutes,
                method,
                met,
                response,
                observation,
                safety: Safety {
                    accompaniment,
                    danger_signs,
                    life_threatening,
                },
                reflection: reflection.map(|(d, note, wants_to_talk)| Reflection {
                    difficulty: Difficulty::new(d).unwrap(),
                    note,
                    wants_to_talk,
                }),
                next_action: next.map(|(what, due)| NextAction { what, due }),
            },
        )
}

fn agency_id() -> impl Strategy<Value = AgencyId> {
    select(
        AGENCIES
            .iter()
            .map(|a| AgencyId::new(a.id))
            .collect::<Vec<_>>(),
    )
}

fn escalation() -> impl Strategy<Value = Escalation> {
    (
        (case_id(), person_id(), user_id(), instant(), text()),
        (
            btree_set(select(LifeField::ALL.to_vec()), 0..4),
            btree_set(select(CrossTag::ALL.to_vec()), 0..5),
            btree_set(agency_id(), 0..3),
        ),
        select(Urgency::ALL.to_vec()),
        prop_oneof![
            Just(Route::MultiLayeredMeeting),
            Just(Route::SupportMeeting)
        ],
    )
        .prop_map(
            |(
                (case_id, person_id, raised_by, raised_at, reason),
                (fields, tags, agencies_involved),
                urgency,
                route,
            )| {
                Escalation {
                    case_id,
                    person_id,
                    raised_by,
                    raised_at,
                    reason,
                    fields,
                    tags,
                    agencies_involved,
                    urgency,
                    route,
                    household: Vec::new(),
                }
            },
        )
}

fn person_field() -> impl Strategy<Value = PersonField> {
    prop_oneof![
        text().prop_map(PersonField::Alias),
        opt(text()).prop_map(PersonField::Kana),
        opt(birth_year()).prop_map(PersonField::BirthYear),
        opt(select(Sex::ALL.to_vec())).prop_map(PersonField::Sex),
        opt(area()).prop_map(PersonField::Area),
        opt(select(NoticedBy::ALL.to_vec())).prop_map(PersonField::NoticedBy),
        opt(text()).prop_map(PersonField::Summary),
        household().prop_map(PersonField::Household),
        (
            member_id(),
            opt(household().prop_map(|h| h.members.into_iter().next()))
        )
            .prop_map(|(id, member)| PersonField::HouseholdMember {
                id,
                member: member.flatten(),
            }),
        (
            btree_set(select(LifeField::ALL.to_vec()), 0..4),
            btree_set(select(CrossTag::ALL.to_vec()), 0..6),
            opt(scheme_gap())
        )
            .prop_map(|(fields, tags, scheme_gap)| PersonField::Fields {
                fields,
                tags,
                scheme_gap
            }),
        opt(user_id()).prop_map(PersonField::AssignedWorker),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        person().prop_map(Payload::CreatePerson),
        vec(
            (person_field(), opt(hlc())).prop_map(|(set, base)| FieldChange { set, base }),
            0..4
        )
        .prop_map(|changes| Payload::UpdatePerson { changes }),
        (stage(), stage(), opt(hlc()), opt(stage_note())).prop_map(|(from, to, base, note)| {
            Payload::ChangeStage {
                from,
                to,
                base,
                note,
            }
        }),
        (consent(), opt(hlc()))
            .prop_map(|(consent, base)| Payload::RecordConsent { consent, base }),
        contact().prop_map(Payload::LogContact),
        escalation().prop_map(Payload::Escalate),
        (uuid(), uuid(), instant(), instant()).prop_map(|(v, p, s, e)| {
            Payload::StartVisit(VisitStart {
                id: VisitId(v),
                person_id: PersonId(p),
                started_at: s,
                expected_end: e,
            })
        }),
        (uuid(), instant()).prop_map(|(p, ended_at)| Payload::FinishVisit {
            person_id: PersonId(p),
            ended_at,
        }),
    ]
}

fn entity() -> impl Strategy<Value = EntityRef> {
    (
        select(vec![
            EntityKind::Person,
            EntityKind::Contact,
            EntityKind::Case,
            EntityKind::Review,
            EntityKind::Conflict,
            EntityKind::Visit,
        ]),
        uuid(),
    )
        .prop_map(|(kind, id)| EntityRef { kind, id })
}

fn operation() -> impl Strategy<Value = Operation> {
    (op_id(), device_id(), hlc(), entity(), payload()).prop_map(
        |(id, device_id, hlc, entity, payload)| Operation {
            id,
            device_id,
            hlc,
            entity,
            payload,
        },
    )
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    (any::<u16>(), any::<u16>()).prop_map(|(major, minor)| ProtocolVersion { major, minor })
}

fn field_error() -> impl Strategy<Value = FieldError> {
    let violation = prop_oneof![
        Just(Violation::Required),
        (any::<u32>(), any::<u32>()).prop_map(|(m, a)| Violation::TooLong {
            max: m as usize,
            actual: a as usize
        }),
        Just(Violation::ControlCharacter),
        Just(Violation::InFuture),
        Just(Violation::DueBeforeContact),
        (any::<i64>(), any::<i64>()).prop_map(|(min, max)| Violation::OutOfRange { min, max }),
        (text(), text()).prop_map(|(from, to)| Violation::StageTransitionNotAllowed { from, to }),
        (text(), text()).prop_map(|(from, to)| Violation::CaseTransitionNotAllowed { from, to }),
        Just(Violation::RouteNeedsConsent),
        Just(Violation::RouteIgnoresConsent),
        Just(Violation::PledgeMissing),
        text().prop_map(|other| Violation::Contradicts { other }),
        Just(Violation::Duplicate),
        Just(Violation::Unknown),
    ];
    (text(), violation).prop_map(|(field, violation)| FieldError { field, violation })
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        any::<u64>().prop_map(|seq| Outcome::Applied { seq }),
        any::<u64>().prop_map(|seq| Outcome::Duplicate { seq }),
        (
            select(vec![
                RejectCode::Invalid,
                RejectCode::Forbidden,
                RejectCode::NotFound,
                RejectCode::StaleState,
                RejectCode::AppendOnly
            ]),
            text(),
            vec(field_error(), 0..3)
        )
            .prop_map(
                |(code, message, field_errors)| Outcome::Rejected(Rejection {
                    code,
                    message,
                    field_errors
                })
            ),
        text().prop_map(|message| Outcome::Conflict { message }),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        text().prop_map(serde_json::Value::String),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<bool>().prop_map(serde_json::Value::Bool),
    ]
}

fn change_body() -> impl Strategy<Value = ChangeBody> {
    prop_oneof![
        (person(), btree_map("[a-z_]{1,12}", hlc(), 0..4)).prop_map(|(person, versions)| {
            ChangeBody::Person(PersonSnapshot::new(person, versions))
        }),
        contact().prop_map(ChangeBody::Contact),
        (
            contact_id(),
            user_id(),
            select(vec![
                ReviewStatus::Pending,
                ReviewStatus::Approved,
                ReviewStatus::Returned
            ]),
            opt(text()),
            instant()
        )
            .prop_map(|(contact_id, reviewer, status, comment, reviewed_at)| {
                ChangeBody::Review(Review {
                    contact_id,
                    reviewer,
                    status,
                    comment,
                    reviewed_at,
                })
            }),
        (
            case_id(),
            person_id(),
            select(CaseStatus::ALL.to_vec()),
            prop_oneof![
                Just(Route::MultiLayeredMeeting),
                Just(Route::SupportMeeting)
            ],
            select(Urgency::ALL.to_vec()),
            opt(text()),
            instant()
        )
            .prop_map(
                |(case_id, person_id, status, route, urgency, return_reason, updated_at)| {
                    ChangeBody::Case(CaseStatusView {
                        case_id,
                        person_id,
                        status,
                        route,
                        urgency,
                        return_reason,
                        updated_at,
                        next_meeting: None,
                        outreach_tasks: Vec::new(),
                        find_request: None,
                        followups: Vec::new(),
                    })
                }
            ),
        (
            person_id(),
            text(),
            json_value(),
            hlc(),
            json_value(),
            hlc()
        )
            .prop_map(|(person_id, field, kept, kept_hlc, other, other_hlc)| {
                ChangeBody::Conflict(ConflictRecord {
                    person_id,
                    field,
                    kept,
                    kept_hlc,
                    other,
                    other_hlc,
                })
            }),
        Just(ChangeBody::Gone),
    ]
}

fn round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let compact = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&compact).unwrap();
    assert_eq!(&back, value);
    let pretty = serde_json::to_string_pretty(value).unwrap();
    let back: T = serde_json::from_str(&pretty).unwrap();
    assert_eq!(&back, value);
    // Writing what was read gives the same bytes (a stable format).
    assert_eq!(serde_json::to_string(&back).unwrap(), compact);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn push_request(protocol in version(), device_id in device_id(), operations in vec(operation(), 0..4)) {
        round_trip(&PushRequest { protocol, device_id, operations });
    }

    #[test]
    fn push_response(protocol in version(), ids in vec((op_id(), outcome()), 0..5), server_time in instant()) {
        let results = ids.into_iter().map(|(id, outcome)| OperationResult { id, outcome }).collect();
        round_trip(&PushResponse { protocol, results, server_time });
    }

    #[test]
    fn pull_request(protocol in version(), cursor in any::<u64>(), limit in any::<u32>()) {
        round_trip(&PullRequest { protocol, cursor, limit });
    }

    #[test]
    fn pull_response(
        protocol in version(),
        changes in vec((any::<u64>(), hlc(), entity(), change_body()), 0..4),
        next_cursor in any::<u64>(),
        has_more in any::<bool>(),
        server_time in instant(),
    ) {
        let changes = changes.into_iter().map(|(seq, hlc, entity, body)| Change { seq, hlc, entity, body }).collect();
        round_trip(&PullResponse { protocol, changes, next_cursor, has_more, server_time });
    }

    #[test]
    fn enroll_messages(
        protocol in version(), code in text(), device_label in text(), platform in text(),
        device_id in device_id(), token in text(), user_id in user_id(), team_id in team_id(),
        display_name in text(), server_time in instant(),
    ) {
        round_trip(&EnrollRequest { protocol, code, device_label, platform });
        round_trip(&EnrollResponse { protocol, device_id, token, user_id, team_id, display_name, server_time });
    }

    #[test]
    fn error_body(
        protocol in version(),
        code in select(vec![
            ErrorCode::MalformedJson, ErrorCode::InvalidRequest, ErrorCode::UnsupportedProtocol,
            ErrorCode::Unauthorized, ErrorCode::DeviceRevoked, ErrorCode::Forbidden, ErrorCode::NotFound,
            ErrorCode::PayloadTooLarge, ErrorCode::BatchTooLarge, ErrorCode::RateLimited,
            ErrorCode::ValidationFailed, ErrorCode::Conflict, ErrorCode::EnrollmentCodeInvalid,
            ErrorCode::Unavailable, ErrorCode::Internal,
        ]),
        message in text(),
        action in opt(select(vec![ClientAction::Wipe, ClientAction::UpdateApp, ClientAction::RetryLater, ClientAction::Reenroll])),
        field_errors in vec(field_error(), 0..3),
    ) {
        round_trip(&ErrorBody { protocol, code, message, action, field_errors });
    }

    #[test]
    fn hlc_text_form_orders_like_the_value(a in hlc(), b in hlc()) {
        prop_assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
    }

    #[test]
    fn hlc_clock_is_monotonic(steps in vec((any::<bool>(), 0u64..3_600_000, hlc()), 1..50)) {
        // Physical clock jitter within the drift bound (one hour): the clock
        // never goes back. (A jump back of more than that resets the clock:
        // see hlc.rs.)
        let mut clock = HlcClock::new(DeviceId::from_uuid(Uuid::from_u128(1)));
        let mut last = clock.last();
        let base = 1_780_000_000_000u64;
        for (local, jitter, remote) in steps {
            let phys = base + jitter;
            let next = if local {
                Some(clock.now(phys))
            } else {
                let remote = Hlc::new(base + remote.wall_ms % 20_000_000, remote.counter, remote.node);
                clock.observe(remote, phys).ok().inspect(|t| assert!(*t > remote))
            };
            if let Some(t) = next {
                prop_assert!(t > last);
                last = t;
            }
        }
    }
}
