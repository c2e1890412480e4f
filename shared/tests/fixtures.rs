//! Frozen example messages, one of every kind, built from obviously
//! fictitious people. The golden test pins their JSON byte for byte.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use outreach_shared::protocol::*;
use outreach_shared::*;
use std::collections::BTreeMap;

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn device() -> DeviceId {
    DeviceId::parse("0195f3a0-0000-7000-8000-00000000d001").unwrap()
}
pub fn worker() -> UserId {
    UserId::parse("0195f3a0-0000-7000-8000-00000000a001").unwrap()
}
pub fn supervisor() -> UserId {
    UserId::parse("0195f3a0-0000-7000-8000-00000000a002").unwrap()
}
pub fn team() -> TeamId {
    TeamId::parse("0195f3a0-0000-7000-8000-00000000c001").unwrap()
}
pub fn person_id() -> PersonId {
    PersonId::parse("0195f3a0-0000-7000-8000-00000000b001").unwrap()
}
pub fn contact_id() -> ContactId {
    ContactId::parse("0195f3a0-0000-7000-8000-00000000e001").unwrap()
}
pub fn case_id() -> CaseId {
    CaseId::parse("0195f3a0-0000-7000-8000-00000000f001").unwrap()
}
fn op_id(n: u8) -> OperationId {
    OperationId::parse(&format!("0195f3a0-0000-7000-8000-0000000001{n:02}")).unwrap()
}
pub fn hlc(ms: u64, counter: u16) -> Hlc {
    Hlc::new(ms, counter, device())
}

pub fn person() -> Person {
    Person {
        id: person_id(),
        alias: "架空 太郎".into(),
        kana: Some("カクウ タロウ".into()),
        birth_year: Some(BirthYear {
            year: 1974,
            approximate: true,
        }),
        sex: Some(Sex::Male),
        area: "sakaecho-2".parse().ok(),
        noticed_by: Some(NoticedBy::WelfareCommissioner),
        summary: Some("民生委員から、高齢の母と二人暮らしで長く外出していないと情報。".into()),
        household: Household {
            members: vec![HouseholdMember {
                id: HouseholdMemberId::parse("0195f3a0-0000-7000-8000-0000000000b2").unwrap(),
                relation: Relation::Parent,
                alias: Some("母（架空 花子）".into()),
                birth_year: Some(BirthYear {
                    year: 1944,
                    approximate: true,
                }),
                lives_together: true,
                note: Some("要介護1。あさひが関わっている。".into()),
                person: None,
            }],
        },
        fields: [LifeField::Elderly, LifeField::Poverty].into(),
        tags: [
            CrossTag::Hikikomori,
            CrossTag::EightyFifty,
            CrossTag::Isolation,
            CrossTag::SchemeGap,
        ]
        .into(),
        scheme_gap: Some(SchemeGap {
            schemes_not_fitting: [Scheme::DisabilityServices, Scheme::PublicAssistance].into(),
            why: "診断がなく障害福祉につながらず、母の年金があるため生活保護の対象外。".into(),
        }),
        stage: Stage::TryingToReach,
        stage_note: None,
        consent: ConsentRecord::none(),
        team: team(),
        assigned_worker: Some(worker()),
        created_at: at(2026, 4, 3, 1, 15),
    }
}

pub fn contact() -> ContactLog {
    ContactLog {
        id: contact_id(),
        person_id: person_id(),
        revises: None,
        author: worker(),
        occurred_at: at(2026, 5, 12, 5, 30),
        duration_minutes: Some(25),
        method: ContactMethod::HomeVisit,
        met: MetWhom::Person,
        response: Some(PersonResponse::Brief),
        observation: "玄関越しに本人と短く話せた。声は小さいが受け答えはしっかり。".into(),
        safety: Safety {
            accompaniment: Accompaniment::WithWelfareCommissioner,
            danger_signs: [DangerSign::LivingConditions].into(),
            life_threatening: false,
        },
        reflection: Some(Reflection {
            difficulty: Difficulty::new(3).unwrap(),
            note: Some("次は一人で行かない方がよいと感じた。".into()),
            wants_to_talk: false,
        }),
        next_action: Some(NextAction {
            what: "手紙を持って再訪".into(),
            due: date(2026, 5, 19),
        }),
    }
}

pub fn consent() -> ConsentRecord {
    ConsentRecord {
        status: ConsentStatus::Verbal,
        scope: [
            ConsentScope::ShareWithAgencies,
            ConsentScope::MultiLayeredMeeting,
        ]
        .into(),
        date: Some(date(2026, 5, 12)),
        recorded_by: Some(worker()),
    }
}

pub fn escalation() -> Escalation {
    Escalation {
        case_id: case_id(),
        person_id: person_id(),
        raised_by: worker(),
        raised_at: at(2026, 5, 13, 0, 0),
        reason: "母の介護と本人の長期ひきこもりが重なり、単独の制度では対応できない。".into(),
        fields: [LifeField::Elderly, LifeField::Poverty].into(),
        tags: [CrossTag::EightyFifty].into(),
        agencies_involved: [AgencyId::new("houkatsu-asahi")].into(),
        urgency: Urgency::High,
        route: Route::MultiLayeredMeeting,
        household: vec![HouseholdCaseMember {
            person_id: PersonId::parse("0195f3a0-0000-7000-8000-00000000b005").unwrap(),
            route: Route::SupportMeeting,
        }],
    }
}

fn op(n: u8, ms: u64, entity: EntityRef, payload: Payload) -> Operation {
    Operation {
        id: op_id(n),
        device_id: device(),
        hlc: hlc(ms, 0),
        entity,
        payload,
    }
}

pub fn push_request() -> PushRequest {
    let p = EntityRef::person(person_id());
    PushRequest {
        protocol: ProtocolVersion::CURRENT,
        device_id: device(),
        operations: vec![
            op(1, 1_775_178_900_000, p, Payload::CreatePerson(person())),
            op(
                2,
                1_775_178_960_000,
                p,
                Payload::UpdatePerson {
                    changes: vec![
                        FieldChange {
                            set: PersonField::Area("sakaecho-3".parse().ok()),
                            base: Some(hlc(1_775_178_900_000, 0)),
                        },
                        FieldChange {
                            set: PersonField::HouseholdMember {
                                id: HouseholdMemberId::parse(
                                    "0195f3a0-0000-7000-8000-0000000000b3",
                                )
                                .unwrap(),
                                member: Some(HouseholdMember {
                                    id: HouseholdMemberId::parse(
                                        "0195f3a0-0000-7000-8000-0000000000b3",
                                    )
                                    .unwrap(),
                                    relation: Relation::Sibling,
                                    alias: Some("兄（架空 次郎）".into()),
                                    birth_year: Some(BirthYear {
                                        year: 1970,
                                        approximate: false,
                                    }),
                                    lives_together: false,
                                    note: None,
                                    person: Some(
                                        PersonId::parse("0195f3a0-0000-7000-8000-00000000b005")
                                            .unwrap(),
                                    ),
                                }),
                            },
                            base: Some(hlc(1_775_178_900_000, 0)),
                        },
                        FieldChange {
                            set: PersonField::HouseholdMember {
                                id: HouseholdMemberId::parse(
                                    "0195f3a0-0000-7000-8000-0000000000b2",
                                )
                                .unwrap(),
                                member: None,
                            },
                            base: Some(hlc(1_775_178_900_000, 0)),
                        },
                    ],
                },
            ),
            op(
                3,
                1_778_563_800_000,
                EntityRef::contact(contact_id()),
                Payload::LogContact(contact()),
            ),
            op(
                4,
                1_778_563_900_000,
                p,
                Payload::ChangeStage {
                    from: Stage::TryingToReach,
                    to: Stage::FirstContact,
                    base: Some(hlc(1_775_178_900_000, 0)),
                    note: None,
                },
            ),
            op(
                7,
                1_778_640_000_000,
                p,
                Payload::ChangeStage {
                    from: Stage::AcceptsSupport,
                    to: Stage::HandedOn,
                    base: Some(hlc(1_778_563_900_000, 0)),
                    note: Some(StageNote {
                        reason: "介護保険の申請につながり、包括が主に関わることになった。".into(),
                        handed_to: Some(HandedTo::Agency(AgencyId::new("houkatsu-asahi"))),
                    }),
                },
            ),
            op(
                5,
                1_778_564_000_000,
                p,
                Payload::RecordConsent {
                    consent: consent(),
                    base: None,
                },
            ),
            op(
                6,
                1_778_630_400_000,
                EntityRef::case(case_id()),
                Payload::Escalate(escalation()),
            ),
            op(
                7,
                1_778_630_500_000,
                EntityRef::visit(visit_id()),
                Payload::StartVisit(VisitStart {
                    id: visit_id(),
                    person_id: person_id(),
                    started_at: at(2026, 5, 13, 1, 0),
                    expected_end: at(2026, 5, 13, 2, 0),
                }),
            ),
            op(
                8,
                1_778_634_000_000,
                EntityRef::visit(visit_id()),
                Payload::FinishVisit {
                    person_id: person_id(),
                    ended_at: at(2026, 5, 13, 1, 55),
                },
            ),
            op(
                9,
                1_778_634_100_000,
                EntityRef::participation(participation_record().id),
                Payload::RecordParticipation(participation_record()),
            ),
            op(
                10,
                1_778_634_200_000,
                EntityRef::community_activity(community_activity().id),
                Payload::RecordCommunityActivity(community_activity()),
            ),
        ],
    }
}

pub fn push_response() -> PushResponse {
    PushResponse {
        protocol: ProtocolVersion::CURRENT,
        results: vec![
            OperationResult {
                id: op_id(1),
                outcome: Outcome::Applied { seq: 101 },
            },
            OperationResult {
                id: op_id(2),
                outcome: Outcome::Duplicate { seq: 102 },
            },
            OperationResult {
                id: op_id(3),
                outcome: Outcome::Rejected(Rejection {
                    code: RejectCode::Invalid,
                    message: "next_action.due is before the date of the contact".into(),
                    field_errors: vec![FieldError::new(
                        "next_action.due",
                        Violation::DueBeforeContact,
                    )],
                }),
            },
            OperationResult {
                id: op_id(4),
                outcome: Outcome::Conflict {
                    message: "operation id already used with different content".into(),
                },
            },
        ],
        server_time: at(2026, 5, 13, 0, 1),
    }
}

pub fn pull_request() -> PullRequest {
    PullRequest {
        protocol: ProtocolVersion::CURRENT,
        cursor: 100,
        limit: 500,
    }
}

pub fn pull_response() -> PullResponse {
    let server = DeviceId::parse("00000000-0000-0000-0000-000000000000").unwrap();
    let mut versions = BTreeMap::new();
    versions.insert("alias".to_owned(), hlc(1_775_178_900_000, 0));
    versions.insert("stage".to_owned(), hlc(1_778_563_900_000, 0));
    PullResponse {
        protocol: ProtocolVersion::CURRENT,
        changes: vec![
            Change {
                seq: 101,
                hlc: hlc(1_778_563_900_000, 0),
                entity: EntityRef::person(person_id()),
                body: ChangeBody::Person(PersonSnapshot {
                    assigned_name: Some("架空 支援員".into()),
                    handover: Some(handover()),
                    ..PersonSnapshot::new(person(), versions)
                }),
            },
            Change {
                seq: 102,
                hlc: hlc(1_778_563_800_000, 0),
                entity: EntityRef::contact(contact_id()),
                body: ChangeBody::Contact(contact()),
            },
            Change {
                seq: 103,
                hlc: Hlc::new(1_778_650_000_000, 0, server),
                entity: EntityRef {
                    kind: EntityKind::Review,
                    id: contact_id().0,
                },
                body: ChangeBody::Review(Review {
                    contact_id: contact_id(),
                    reviewer: supervisor(),
                    status: ReviewStatus::Returned,
                    comment: Some(
                        "危険のサインがある訪問は2名で。次回の予定日を入れてください。".into(),
                    ),
                    reviewed_at: at(2026, 5, 13, 6, 0),
                }),
            },
            Change {
                seq: 104,
                hlc: Hlc::new(1_778_660_000_000, 0, server),
                entity: EntityRef::case(case_id()),
                body: ChangeBody::Case(CaseStatusView {
                    case_id: case_id(),
                    person_id: person_id(),
                    status: CaseStatus::Plan,
                    route: Route::MultiLayeredMeeting,
                    urgency: Urgency::High,
                    return_reason: None,
                    updated_at: at(2026, 5, 13, 8, 0),
                    next_meeting: Some(date(2026, 6, 10)),
                    outreach_tasks: vec![OutreachTask {
                        id: task_id(1),
                        what: "月2回の訪問で様子を見る".into(),
                        due: date(2026, 6, 30),
                        status: TaskStatus::InProgress,
                        owner: Some(worker()),
                    }],
                    find_request: Some(FindRequestView {
                        request: "駅前の集合住宅にお住まいの高齢の男性（架空）。".into(),
                        requested_at: at(2026, 5, 12, 2, 0),
                    }),
                    followups: vec![CaseId::parse("0195f3a0-0000-7000-8000-00000000f002").unwrap()],
                }),
            },
            Change {
                seq: 105,
                hlc: Hlc::new(1_778_670_000_000, 0, server),
                entity: EntityRef {
                    kind: EntityKind::Conflict,
                    id: uuid::Uuid::parse_str("0195f3a0-0000-7000-8000-0000000c0001").unwrap(),
                },
                body: ChangeBody::Conflict(ConflictRecord {
                    person_id: person_id(),
                    field: "area".into(),
                    kept: serde_json::json!("sakaecho-3"),
                    kept_hlc: hlc(1_775_178_960_000, 0),
                    other: serde_json::json!("sakaecho-1"),
                    other_hlc: Hlc::new(
                        1_775_178_950_000,
                        0,
                        DeviceId::parse("0195f3a0-0000-7000-8000-00000000d002").unwrap(),
                    ),
                }),
            },
            Change {
                seq: 106,
                hlc: Hlc::new(1_778_680_000_000, 0, server),
                entity: EntityRef::person(
                    PersonId::parse("0195f3a0-0000-7000-8000-00000000b002").unwrap(),
                ),
                body: ChangeBody::Gone,
            },
            Change {
                seq: 107,
                hlc: Hlc::new(1_778_680_100_000, 0, server),
                entity: EntityRef {
                    kind: EntityKind::Resource,
                    id: local_resource().id.0,
                },
                body: ChangeBody::Resource(local_resource()),
            },
            Change {
                seq: 108,
                hlc: hlc(1_778_634_100_000, 0),
                entity: EntityRef::participation(participation_record().id),
                body: ChangeBody::Participation(participation_record()),
            },
            Change {
                seq: 109,
                hlc: hlc(1_778_634_200_000, 0),
                entity: EntityRef::community_activity(community_activity().id),
                body: ChangeBody::CommunityActivity(community_activity()),
            },
        ],
        next_cursor: 109,
        has_more: true,
        server_time: at(2026, 5, 13, 9, 0),
    }
}

pub fn enroll_request() -> EnrollRequest {
    EnrollRequest {
        protocol: ProtocolVersion::CURRENT,
        code: "K7QP-M3XD".into(),
        device_label: "タブレット3".into(),
        platform: "android".into(),
    }
}

pub fn enroll_response() -> EnrollResponse {
    EnrollResponse {
        protocol: ProtocolVersion::CURRENT,
        device_id: device(),
        token: "FAKE-TOKEN-FOR-GOLDEN-FILE-ONLY-0000000000000".into(),
        user_id: worker(),
        team_id: team(),
        display_name: "架空 支援員A".into(),
        server_time: at(2026, 4, 1, 0, 0),
    }
}

pub fn error_bodies() -> Vec<ErrorBody> {
    vec![
        ErrorBody::new(
            ErrorCode::DeviceRevoked,
            "this device was revoked; wipe local data",
        )
        .with_action(ClientAction::Wipe),
        ErrorBody::unsupported("2.0".parse().unwrap()),
        ErrorBody {
            field_errors: vec![FieldError::new(
                "limit",
                Violation::OutOfRange { min: 1, max: 5000 },
            )],
            ..ErrorBody::new(
                ErrorCode::InvalidRequest,
                "limit must be between 1 and 5000",
            )
        },
    ]
}

// ---- the office API (supervisors, coordinators, the city's systems) ----

pub fn login_request() -> LoginRequest {
    LoginRequest {
        protocol: ProtocolVersion::CURRENT,
        username: "kakuu-supervisor".into(),
        password: "FAKE-PASSWORD-FOR-GOLDEN-FILE".into(),
        totp: Some("123456".into()),
    }
}

pub fn login_response() -> LoginResponse {
    LoginResponse {
        protocol: ProtocolVersion::CURRENT,
        token: "FAKE-TOKEN-FOR-GOLDEN-FILE-ONLY-1111111111111".into(),
        user_id: supervisor(),
        role: access::Role::Supervisor,
        team_id: Some(team()),
        display_name: "架空 監督者".into(),
        expires_at: at(2026, 5, 13, 12, 0),
    }
}

pub fn review_request() -> ReviewRequest {
    ReviewRequest {
        protocol: ProtocolVersion::CURRENT,
        contact_id: contact_id(),
        status: ReviewStatus::Returned,
        comment: Some("危険のサインがある訪問は2名で。".into()),
    }
}

pub fn review_response() -> ReviewResponse {
    ReviewResponse {
        protocol: ProtocolVersion::CURRENT,
        review: Review {
            contact_id: contact_id(),
            reviewer: supervisor(),
            status: ReviewStatus::Returned,
            comment: Some("危険のサインがある訪問は2名で。".into()),
            reviewed_at: at(2026, 5, 13, 6, 0),
        },
        seq: 103,
    }
}

pub fn case_move_request() -> CaseMoveRequest {
    CaseMoveRequest {
        protocol: ProtocolVersion::CURRENT,
        to: CaseStatus::ReturnedToOutreach,
        return_reason: Some("本人同意の範囲を確認してから改めてつないでください。".into()),
    }
}

pub fn roster_request() -> RosterRequest {
    RosterRequest {
        protocol: ProtocolVersion::CURRENT,
        user: UserId::parse("0195f3a0-0000-7000-8000-00000000a003").unwrap(),
        agency: AgencyId::new("kikan-soudan"),
        pledge_recorded_at: Some(at(2026, 5, 14, 1, 0)),
    }
}

fn task_id(n: u8) -> uuid::Uuid {
    uuid::Uuid::parse_str(&format!("0195f3a0-0000-7000-8000-0000000007{n:02}")).unwrap()
}

fn coordinator() -> UserId {
    UserId::parse("0195f3a0-0000-7000-8000-00000000a004").unwrap()
}

fn member() -> UserId {
    UserId::parse("0195f3a0-0000-7000-8000-00000000a003").unwrap()
}

fn case_item() -> CaseQueueItem {
    let mut item = CaseQueueItem::received(escalation(), at(2026, 5, 13, 0, 2));
    item.status = CaseStatus::MeetingScheduled;
    item.roster.push(RosterMember {
        user: UserId::parse("0195f3a0-0000-7000-8000-00000000a003").unwrap(),
        agency: AgencyId::new("kikan-soudan"),
        pledge_recorded_at: None,
    });
    item
}

pub fn case_detail() -> CaseDetail {
    CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: case_item(),
        moves: vec![
            CaseMove {
                case_id: case_id(),
                from: None,
                to: CaseStatus::Received,
                route: Route::MultiLayeredMeeting,
                cause: CaseMoveCause::Escalated,
                by: Some(worker()),
                at: at(2026, 5, 13, 0, 2),
            },
            CaseMove {
                case_id: case_id(),
                from: Some(CaseStatus::Received),
                to: CaseStatus::Triage,
                route: Route::MultiLayeredMeeting,
                cause: CaseMoveCause::Coordinator,
                by: Some(UserId::parse("0195f3a0-0000-7000-8000-00000000a004").unwrap()),
                at: at(2026, 5, 13, 3, 0),
            },
        ],
        seq: 120,
    }
}

pub fn case_list() -> CaseList {
    CaseList {
        protocol: ProtocolVersion::CURRENT,
        items: vec![case_item()],
    }
}

pub fn feed_page() -> FeedPage {
    FeedPage {
        protocol: ProtocolVersion::CURRENT,
        items: vec![FeedItem {
            seq: 120,
            item: case_item(),
        }],
        next_cursor: 120,
        has_more: false,
    }
}

/// A case referred by an agency, with a later escalation folded in and a
/// find-request to outreach.
fn referred_item() -> CaseQueueItem {
    let mut e = escalation();
    e.case_id = CaseId::parse("0195f3a0-0000-7000-8000-00000000f003").unwrap();
    e.raised_by = member();
    e.route = Route::SupportMeeting;
    let mut item = CaseQueueItem::received(e, at(2026, 5, 20, 0, 0));
    item.referral = Some(Referral {
        agency: Some(AgencyId::new("kikan-soudan")),
        consent_as_known: Some(ConsentRecord::none()),
    });
    let mut later = escalation();
    later.case_id = CaseId::parse("0195f3a0-0000-7000-8000-00000000f004").unwrap();
    later.urgency = Urgency::Emergency;
    item.followups.push(later);
    item.find_request = Some(FindRequest {
        team: team(),
        request: "駅前の集合住宅にお住まいの高齢の男性（架空）。".into(),
        requested_by: coordinator(),
        requested_at: at(2026, 5, 20, 1, 0),
    });
    item
}

pub fn case_list_referred() -> CaseList {
    CaseList {
        protocol: ProtocolVersion::CURRENT,
        items: vec![referred_item()],
    }
}

pub fn route_change_request() -> RouteChangeRequest {
    RouteChangeRequest {
        protocol: ProtocolVersion::CURRENT,
        to: Route::MultiLayeredMeeting,
        keep: vec![member()],
    }
}

pub fn roster_remove_request() -> RosterRemoveRequest {
    RosterRemoveRequest {
        protocol: ProtocolVersion::CURRENT,
        user: member(),
    }
}

pub fn referral_requests() -> Vec<ReferralRequest> {
    vec![
        ReferralRequest {
            protocol: ProtocolVersion::CURRENT,
            person: ReferredPerson::New {
                alias: "架空 花子（駅前）".into(),
            },
            reason: "介護の相談に来た家族から、同居の子のひきこもりの相談もあった。".into(),
            fields: [LifeField::Elderly, LifeField::Disability].into(),
            tags: [CrossTag::EightyFifty].into(),
            agencies_involved: [AgencyId::new("houkatsu-asahi")].into(),
            urgency: Urgency::High,
            consent: Some(consent()),
            find: Some(FindSpec {
                team: team(),
                request: "駅前の集合住宅にお住まいの高齢の男性（架空）。".into(),
            }),
        },
        ReferralRequest {
            protocol: ProtocolVersion::CURRENT,
            person: ReferredPerson::Existing { id: person_id() },
            reason: "家計の相談が加わった。".into(),
            fields: [LifeField::Poverty].into(),
            tags: Default::default(),
            agencies_involved: Default::default(),
            urgency: Urgency::Normal,
            consent: None,
            find: None,
        },
    ]
}

pub fn referral_receipt() -> ReferralReceipt {
    ReferralReceipt {
        protocol: ProtocolVersion::CURRENT,
        case_id: CaseId::parse("0195f3a0-0000-7000-8000-00000000f003").unwrap(),
        person_id: person_id(),
        route: Route::SupportMeeting,
        folded: false,
    }
}

pub fn find_request_request() -> FindRequestRequest {
    FindRequestRequest {
        protocol: ProtocolVersion::CURRENT,
        team: team(),
        request: "駅前の集合住宅にお住まいの高齢の男性（架空）。".into(),
    }
}

pub fn plan_request() -> PlanRequest {
    PlanRequest {
        protocol: ProtocolVersion::CURRENT,
        base_version: Some(1),
        goals: vec![PlanGoal {
            text: "また近所を散歩できるようになりたい".into(),
            own_words: true,
        }],
        tasks: vec![
            TaskDraft {
                id: Some(task_id(1)),
                what: "月2回の訪問で様子を見る".into(),
                agency: AgencyId::new("shakyo"),
                owner: Some(worker()),
                due: date(2026, 6, 30),
                status: TaskStatus::InProgress,
            },
            TaskDraft {
                id: None,
                what: "介護保険の申請を手伝う".into(),
                agency: AgencyId::new("houkatsu-asahi"),
                owner: None,
                due: date(2026, 6, 20),
                status: TaskStatus::NotStarted,
            },
        ],
        next_review: date(2026, 7, 15),
    }
}

pub fn monitoring_request() -> MonitoringRequest {
    MonitoringRequest {
        protocol: ProtocolVersion::CURRENT,
        plan_version: 2,
        held_on: date(2026, 6, 10),
        progress: vec![TaskProgress {
            task: task_id(1),
            status: TaskStatus::Done,
            note: Some("玄関先で話せた。".into()),
        }],
        judgement: Judgement::OnTrack,
        assessment: "関係はできてきている。".into(),
        next_review: Some(date(2026, 7, 15)),
    }
}

pub fn closure_request() -> ClosureRequest {
    ClosureRequest {
        protocol: ProtocolVersion::CURRENT,
        outcome: ClosureOutcome::Stabilised,
        reason: "生活が安定し、本人が自分で相談できるようになった。".into(),
        continuing: "社協の見守り訪問（月1回）".into(),
        watched_by: AgencyId::new("shakyo"),
        watcher: Some(worker()),
        evaluated_on: date(2026, 9, 1),
    }
}

pub fn support_record_request() -> SupportRecordRequest {
    SupportRecordRequest {
        protocol: ProtocolVersion::CURRENT,
        base_version: None,
        roles: vec![AgencyRole {
            agency: AgencyId::new("kikan-soudan"),
            role: "家族への相談の窓口".into(),
        }],
        direction: "まず家族の負担を減らし、本人との接点をつくる。".into(),
    }
}

pub fn meeting_requests() -> Vec<MeetingRequest> {
    vec![
        MeetingRequest {
            protocol: ProtocolVersion::CURRENT,
            base_version: None,
            state: MeetingState::Scheduled,
            purpose: MeetingPurpose::Monitoring,
            held_on: date(2026, 6, 10),
            place: Some("羽村市役所 会議室".into()),
            invitees: vec![member()],
            attendees: Vec::new(),
            decisions: String::new(),
        },
        MeetingRequest {
            protocol: ProtocolVersion::CURRENT,
            base_version: Some(1),
            state: MeetingState::Held,
            purpose: MeetingPurpose::Monitoring,
            held_on: date(2026, 6, 10),
            place: Some("羽村市役所 会議室".into()),
            invitees: vec![member()],
            attendees: vec![Attendance {
                user: member(),
                role: "障害福祉サービスの調整".into(),
            }],
            decisions: "申請の手伝いを急ぐ。".into(),
        },
    ]
}

pub fn case_records() -> CaseRecords {
    let plan = Plan {
        case_id: case_id(),
        version: 1,
        goals: vec![PlanGoal {
            text: "また近所を散歩できるようになりたい".into(),
            own_words: true,
        }],
        tasks: vec![PlanTask {
            id: task_id(1),
            what: "月2回の訪問で様子を見る".into(),
            agency: AgencyId::new("shakyo"),
            owner: Some(worker()),
            due: date(2026, 6, 30),
            status: TaskStatus::InProgress,
        }],
        next_review: date(2026, 7, 15),
        recorded_by: coordinator(),
        recorded_at: at(2026, 5, 20, 5, 0),
    };
    CaseRecords {
        protocol: ProtocolVersion::CURRENT,
        case_id: case_id(),
        plans: vec![plan],
        monitoring: vec![MonitoringEntry {
            id: uuid::Uuid::parse_str("0195f3a0-0000-7000-8000-000000000801").unwrap(),
            case_id: case_id(),
            plan_version: 1,
            held_on: date(2026, 6, 10),
            progress: vec![TaskProgress {
                task: task_id(1),
                status: TaskStatus::Done,
                note: None,
            }],
            judgement: Judgement::ReadyToClose,
            assessment: "目標に近づいた。".into(),
            next_review: None,
            recorded_by: coordinator(),
            recorded_at: at(2026, 6, 10, 5, 0),
        }],
        closure: Some(ClosureEvaluation {
            case_id: case_id(),
            route: Route::MultiLayeredMeeting,
            outcome: ClosureOutcome::Stabilised,
            reason: "生活が安定した。".into(),
            continuing: "社協の見守り訪問（月1回）".into(),
            watched_by: AgencyId::new("shakyo"),
            watcher: None,
            evaluated_on: date(2026, 9, 1),
            recorded_by: coordinator(),
            recorded_at: at(2026, 9, 1, 5, 0),
        }),
        support_records: Vec::new(),
        meetings: vec![Meeting {
            id: uuid::Uuid::parse_str("0195f3a0-0000-7000-8000-000000000901").unwrap(),
            case_id: case_id(),
            route: Route::MultiLayeredMeeting,
            purpose: MeetingPurpose::Planning,
            state: MeetingState::Held,
            held_on: date(2026, 5, 20),
            place: Some("羽村市役所 会議室".into()),
            invitees: vec![member()],
            attendees: vec![Attendee {
                user: member(),
                agency: AgencyId::new("kikan-soudan"),
                role: "障害福祉サービスの調整".into(),
            }],
            decisions: "本人の希望を中心にプランを作る。".into(),
            plan: None,
            monitoring: None,
            evaluation: None,
            version: 2,
            recorded_by: coordinator(),
            recorded_at: at(2026, 5, 20, 4, 0),
        }],
    }
}

pub fn visit_id() -> VisitId {
    VisitId::parse("0195f3a0-0000-7000-8000-0000000000e1").unwrap()
}

pub fn handover() -> HandOver {
    HandOver {
        from: Some(supervisor()),
        from_name: Some("架空 前任".into()),
        to: worker(),
        to_name: "架空 支援員".into(),
        note: "母の通院の付き添いを続けてください（架空）。".into(),
        by: supervisor(),
        at: at(2026, 5, 12, 0, 30),
    }
}

pub fn handover_request() -> HandOverRequest {
    HandOverRequest {
        protocol: ProtocolVersion::CURRENT,
        worker: worker(),
        note: "母の通院の付き添いを続けてください（架空）。".into(),
    }
}

/// A 地域資源 of the catalogue (protocol 2.2), with fictitious contact.
pub fn local_resource() -> LocalResource {
    LocalResource {
        id: ResourceId::parse("0195f3a0-0000-7000-8000-0000000e0001").unwrap(),
        name: "まいまいず健康教室（架空会館）".into(),
        kind: ResourceKind::HealthClass,
        areas: ["sakaecho-2".parse().unwrap(), "sakaecho-3".parse().unwrap()].into(),
        for_whom: "地域の高齢の方".into(),
        days: "毎週水曜 10時〜11時30分".into(),
        contact: "架空地域包括支援センター（042-000-0000）".into(),
        accepts_new: true,
        updated_at: at(2026, 4, 1, 0, 0),
    }
}

/// A 参加支援 record (protocol 2.2): a trial stopped, with why.
pub fn participation_record() -> ParticipationRecord {
    ParticipationRecord {
        id: ParticipationId::parse("0195f3a0-0000-7000-8000-0000000e1002").unwrap(),
        person_id: person_id(),
        author: worker(),
        recorded_at: at(2026, 5, 13, 2, 0),
        entry: ParticipationEntry::FollowUp {
            trial: ParticipationId::parse("0195f3a0-0000-7000-8000-0000000e1001").unwrap(),
            outcome: TrialOutcome::Stopped,
            reason: Some("朝の時間帯が合わなかった".into()),
        },
    }
}

/// The other 参加支援 entries: needs with an unmet need, and a trial.
pub fn participation_entries() -> Vec<ParticipationRecord> {
    let base = participation_record();
    vec![
        ParticipationRecord {
            id: ParticipationId::parse("0195f3a0-0000-7000-8000-0000000e1000").unwrap(),
            entry: ParticipationEntry::Needs {
                needs: [NeedKind::PlaceToBe, NeedKind::Work].into(),
                note: Some("夕方なら外に出られる".into()),
                unmet: Some(UnmetNeed {
                    area: "sakaecho-3".parse().unwrap(),
                    description: "若者が夕方に行ける居場所がない".into(),
                }),
            },
            ..base.clone()
        },
        ParticipationRecord {
            id: ParticipationId::parse("0195f3a0-0000-7000-8000-0000000e1001").unwrap(),
            entry: ParticipationEntry::Trial {
                resource: local_resource().id,
                resource_name: local_resource().name,
                step: TrialStep::Proposed,
                meets: Some(
                    ParticipationId::parse("0195f3a0-0000-7000-8000-0000000e1000").unwrap(),
                ),
                note: None,
            },
            ..base
        },
    ]
}

/// A community activity of 地域づくり (protocol 2.3): a 民生委員 meeting
/// that brought up a person to find (the fixture's person).
pub fn community_activity() -> CommunityActivity {
    CommunityActivity {
        id: CommunityActivityId::parse("0195f3a0-0000-7000-8000-0000000f0001").unwrap(),
        team: team(),
        author: worker(),
        kind: ActivityKind::WelfareCommissionerMeeting,
        area: "sakaecho-3".parse().unwrap(),
        held_at: at(2026, 5, 12, 1, 0),
        participants: vec![
            Participants {
                role: ParticipantRole::WelfareCommissioner,
                count: 8,
            },
            Participants {
                role: ParticipantRole::CommunityCareCentre,
                count: 1,
            },
        ],
        learned: "3丁目の集合住宅で、最近姿を見ない高齢の男性がいるとの話があった。".into(),
        follow_up: Some("民生委員さんと一緒に様子を見に行く。".into()),
        persons_to_find: vec![person_id()],
        recorded_at: at(2026, 5, 13, 2, 5),
    }
}
