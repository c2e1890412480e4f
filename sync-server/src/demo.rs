//! `sync-server demo`: a realistic, obviously fictitious data set.
//!
//! Two teams of outreach workers with their supervisors, a coordinator of
//! 社会福祉課, one agency member for each agency of the plan, and some
//! dozens of persons (all named 「架空」「見本」…) with months of contact
//! history in various stages, consent records, escalations in the case
//! queue (one emergency), coordinator moves, and supervisors' reviews; and
//! a case's life after triage: a 重層的支援会議 case with a プラン, a
//! monitoring and its next meeting, a 支援会議 case with its record of
//! roles and direction, an agency's referral and a find-request.
//!
//! Everything goes through the same engine as real pushes, so the demo data
//! passes the same validation, merge and audit.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use std::collections::BTreeSet;

use crate::admin::{self, NewUser};
use crate::engine::{self, Caller, ServerClock};
use crate::store::{self, Store, UserRow};

/// The password every demo user gets. Demo data only.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// What the demo created.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub users: Vec<(String, String, Role)>,
    pub persons: usize,
    pub contacts: usize,
    pub cases: usize,
    pub reviews: usize,
    /// 参加支援 records (needs, trials, follow-ups) pushed.
    pub participation: usize,
    /// Community activities (地域づくり) and their persons to find pushed.
    pub community: usize,
    /// Anonymised excerpts the coordinator chose for the report.
    pub excerpts: usize,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self) -> [u8; 10] {
        let a = self.next().to_le_bytes();
        let b = self.next().to_le_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }
}

const SURNAMES: [&str; 3] = ["架空", "見本", "仮名"];
const GIVEN: [&str; 16] = [
    "一郎", "花子", "次郎", "桜", "三郎", "梅子", "四郎", "菊", "五郎", "松子", "六郎", "椿",
    "七郎", "葵", "八郎", "楓",
];
const KANA_GIVEN: [&str; 16] = [
    "イチロウ",
    "ハナコ",
    "ジロウ",
    "サクラ",
    "サブロウ",
    "ウメコ",
    "シロウ",
    "キク",
    "ゴロウ",
    "マツコ",
    "ロクロウ",
    "ツバキ",
    "シチロウ",
    "アオイ",
    "ハチロウ",
    "カエデ",
];
const KANA_SUR: [&str; 3] = ["カクウ", "ミホン", "カメイ"];

/// Next steps a worker plans (fictitious examples).
const NEXT_ACTIONS: &[&str] = &[
    "手紙を持って再訪",
    "民生委員と同行して再訪",
    "電話で様子を確認",
    "地域包括支援センターと同行訪問",
    "家族に連絡して都合を聞く",
];

const OBSERVATIONS: [&str; 8] = [
    "（架空の記録）玄関先で呼びかけたが応答なし。郵便受けに手紙を残した。",
    "（架空の記録）母親と玄関先で話した。本人は在宅の様子だが顔は見られなかった。",
    "（架空の記録）本人と短時間話せた。体調について少し話してくれた。",
    "（架空の記録）地域包括支援センターから近況の情報提供あり。",
    "（架空の記録）民生委員より、最近外出を見かけないとの連絡。",
    "（架空の記録）公民館のまいまいず健康教室で本人と会った。表情は穏やか。",
    "（架空の記録）電話で本人と話した。次回の訪問日を一緒に決めた。",
    "（架空の記録）家族より介護の負担が大きいとの相談。制度の説明をした。",
];

fn worker_caller(u: &UserRow, device: DeviceId) -> Caller {
    Caller {
        actor: engine::actor_of(u),
        device: Some(device),
    }
}

struct OpMaker {
    device: DeviceId,
    counter: u16,
}

impl OpMaker {
    fn op(
        &mut self,
        rng: &mut Rng,
        at: DateTime<Utc>,
        entity: EntityRef,
        payload: Payload,
    ) -> Operation {
        self.counter = self.counter.wrapping_add(1);
        let ms = at.timestamp_millis() as u64;
        Operation {
            id: OperationId::new_v7(ms, rng.bytes()),
            device_id: self.device,
            hlc: Hlc::new(ms, self.counter, self.device),
            entity,
            payload,
        }
    }
}

/// Seeds the demo data into an empty store.
pub fn seed(
    store: &dyn Store,
    clock: &ServerClock,
    now: DateTime<Utc>,
) -> Result<DemoSummary, admin::AdminError> {
    if !admin::list_users(store)?.is_empty() {
        return Err(admin::AdminError::Invalid(
            "demo data needs an empty database (users exist)".into(),
        ));
    }
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut summary = DemoSummary::default();
    let pw = || Some(zeroize::Zeroizing::new(DEMO_PASSWORD.to_owned()));
    let teams = ["アウトリーチ第1班（見本）", "アウトリーチ第2班（見本）"];
    for t in teams {
        admin::ensure_team(store, t, now)?;
    }
    let mut add =
        |username: &str, name: &str, role: Role, team: Option<&str>, agency: Option<&str>| {
            let u = admin::add_user(
                store,
                NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    role,
                    team: team.map(str::to_owned),
                    agency: agency.map(str::to_owned),
                    password: pw(),
                },
                now,
            )?;
            summary
                .users
                .push((u.username.clone(), u.display_name.clone(), role));
            Ok::<_, admin::AdminError>(u)
        };
    let workers = [
        add(
            "worker1",
            "架空 一美（支援員・見本）",
            Role::OutreachWorker,
            Some(teams[0]),
            None,
        )?,
        add(
            "worker2",
            "架空 二郎（支援員・見本）",
            Role::OutreachWorker,
            Some(teams[0]),
            None,
        )?,
        add(
            "worker3",
            "見本 三咲（支援員・見本）",
            Role::OutreachWorker,
            Some(teams[1]),
            None,
        )?,
        add(
            "worker4",
            "見本 四朗（支援員・見本）",
            Role::OutreachWorker,
            Some(teams[1]),
            None,
        )?,
    ];
    let supervisors = [
        add(
            "supervisor1",
            "仮名 監子（SV・見本）",
            Role::Supervisor,
            Some(teams[0]),
            None,
        )?,
        add(
            "supervisor2",
            "仮名 督男（SV・見本）",
            Role::Supervisor,
            Some(teams[1]),
            None,
        )?,
    ];
    let coordinator = add(
        "coordinator",
        "試験 調整（社会福祉課・見本）",
        Role::Coordinator,
        None,
        None,
    )?;
    let mut members = Vec::new();
    for a in AGENCIES {
        let name = format!("架空 担当（{}・見本）", a.name);
        members.push(add(
            &format!("agency-{}", a.id),
            &name,
            Role::AgencyMember,
            None,
            Some(a.id),
        )?);
    }

    let start = now - Duration::days(180);
    let mut escalated = 0usize;
    for i in 0..42usize {
        let worker = &workers[i % workers.len()];
        let team = worker
            .team
            .ok_or_else(|| admin::AdminError::Invalid("worker without team".into()))?;
        let device = DeviceId::new_v7(start.timestamp_millis() as u64, [i as u8; 10]);
        let caller = worker_caller(worker, device);
        let mut mk = OpMaker { device, counter: 0 };
        let mut at = start + Duration::days(rng.below(100) as i64) + Duration::hours(9);
        let sur = i % SURNAMES.len();
        let giv = (i / SURNAMES.len()) % GIVEN.len();
        let pid = PersonId::new_v7(at.timestamp_millis() as u64, rng.bytes());
        let field = LifeField::ALL[rng.below(4) as usize];
        let mut tags = BTreeSet::new();
        if rng.chance(40) {
            tags.insert(CrossTag::Hikikomori);
        }
        if field == LifeField::Elderly && rng.chance(50) {
            tags.insert(CrossTag::EightyFifty);
        }
        let person = Person {
            id: pid,
            alias: format!("{} {}", SURNAMES[sur], GIVEN[giv]),
            kana: Some(format!("{} {}", KANA_SUR[sur], KANA_GIVEN[giv])),
            birth_year: Some(BirthYear {
                year: 1940 + rng.below(60) as i32,
                approximate: rng.chance(50),
            }),
            sex: Some(if giv.is_multiple_of(2) {
                Sex::Male
            } else {
                Sex::Female
            }),
            area: AreaCode::all()
                .get(rng.below(AreaCode::all().len() as u64) as usize)
                .cloned(),
            noticed_by: Some(NoticedBy::ALL[rng.below(6) as usize]),
            summary: Some("（架空の事例）見本データです。".into()),
            household: Household::default(),
            fields: [field].into(),
            tags,
            scheme_gap: None,
            stage: Stage::Identified,
            stage_note: None,
            consent: ConsentRecord::none(),
            team,
            assigned_worker: Some(worker.id),
            created_at: at,
        };
        let mut ops = vec![mk.op(
            &mut rng,
            at,
            EntityRef::person(pid),
            Payload::CreatePerson(person.clone()),
        )];
        // Each change names the version it was made on, as a tablet does, so
        // the demo history has no false conflicts.
        let created_hlc = ops[0].hlc;
        let mut stage_hlc = created_hlc;
        let target = Stage::PATH[1 + rng.below(4) as usize];
        let mut stage = Stage::Identified;
        let mut contacts = Vec::new();
        let mut consent_given = false;
        let n_contacts = 3 + rng.below(10);
        for k in 0..n_contacts {
            let next_at = at
                + Duration::days(5 + rng.below(14) as i64)
                + Duration::minutes(rng.below(300) as i64);
            if next_at > now - Duration::hours(2) {
                break;
            }
            at = next_at;
            let met = if stage == Stage::Identified || stage == Stage::TryingToReach {
                if k >= 2 && rng.chance(50) {
                    MetWhom::Person
                } else if rng.chance(50) {
                    MetWhom::FamilyOnly
                } else {
                    MetWhom::Nobody
                }
            } else {
                MetWhom::Person
            };
            let cid = ContactId::new_v7(at.timestamp_millis() as u64, rng.bytes());
            let log = ContactLog {
                id: cid,
                person_id: pid,
                revises: None,
                author: worker.id,
                occurred_at: at,
                duration_minutes: Some(10 + rng.below(50) as u16),
                method: if met == MetWhom::Person && rng.chance(30) {
                    ContactMethod::Phone
                } else {
                    ContactMethod::HomeVisit
                },
                met,
                response: (met == MetWhom::Person)
                    .then(|| PersonResponse::ALL[rng.below(3) as usize]),
                observation: OBSERVATIONS[rng.below(OBSERVATIONS.len() as u64) as usize].into(),
                safety: Safety {
                    accompaniment: if rng.chance(70) {
                        Accompaniment::Pair
                    } else {
                        Accompaniment::Alone
                    },
                    danger_signs: BTreeSet::new(),
                    life_threatening: false,
                },
                reflection: Difficulty::new(1 + rng.below(5) as u8)
                    .filter(|_| rng.chance(30))
                    .map(|difficulty| Reflection {
                        difficulty,
                        note: Some("（架空）振り返りの見本".into()),
                        wants_to_talk: rng.chance(20),
                    }),
                // Every visit plans the next one, one to three weeks on; the
                // latest plans of some persons are past due (overdue).
                next_action: Some(NextAction {
                    what: NEXT_ACTIONS[rng.below(NEXT_ACTIONS.len() as u64) as usize].into(),
                    due: ja::local_date(at) + Duration::days(7 + rng.below(14) as i64),
                }),
            };
            contacts.push(cid);
            ops.push(mk.op(
                &mut rng,
                at,
                EntityRef::contact(cid),
                Payload::LogContact(log),
            ));
            // Advance the relationship one step at a time towards the target.
            let idx = Stage::PATH.iter().position(|s| *s == stage).unwrap_or(0);
            let target_idx = Stage::PATH.iter().position(|s| *s == target).unwrap_or(0);
            let next = Stage::PATH[(idx + 1).min(6)];
            let ready = match next {
                Stage::TryingToReach => true,
                Stage::FirstContact => met == MetWhom::Person,
                _ => met == MetWhom::Person && rng.chance(50),
            };
            if idx < target_idx && ready {
                let op = mk.op(
                    &mut rng,
                    at + Duration::minutes(1),
                    EntityRef::person(pid),
                    Payload::ChangeStage {
                        from: stage,
                        to: next,
                        base: Some(stage_hlc),
                        note: None,
                    },
                );
                stage_hlc = op.hlc;
                ops.push(op);
                stage = next;
            }
            if !consent_given && stage == Stage::RelationshipForming && rng.chance(60) {
                let consent = ConsentRecord {
                    status: ConsentStatus::Written,
                    scope: [
                        ConsentScope::MultiLayeredMeeting,
                        ConsentScope::ShareWithAgencies,
                    ]
                    .into(),
                    date: Some(ja::local_date(at)),
                    recorded_by: Some(worker.id),
                };
                ops.push(mk.op(
                    &mut rng,
                    at + Duration::minutes(2),
                    EntityRef::person(pid),
                    Payload::RecordConsent {
                        consent,
                        base: Some(created_hlc),
                    },
                ));
                consent_given = true;
            }
        }
        let escalate = i % 5 == 0;
        if escalate {
            let route = if consent_given {
                Route::MultiLayeredMeeting
            } else {
                Route::SupportMeeting
            };
            let case_id = CaseId::new_v7(at.timestamp_millis() as u64, rng.bytes());
            let esc = Escalation {
                case_id,
                person_id: pid,
                raised_by: worker.id,
                raised_at: at + Duration::minutes(5),
                reason: "（架空の事例）複数の分野にまたがる課題があり、関係機関の役割分担が必要。"
                    .into(),
                fields: [field].into(),
                tags: BTreeSet::new(),
                agencies_involved: BTreeSet::new(),
                urgency: match escalated {
                    0 => Urgency::Emergency,
                    1 | 2 => Urgency::High,
                    _ => Urgency::Normal,
                },
                route,
                household: Vec::new(),
            };
            ops.push(mk.op(
                &mut rng,
                at + Duration::minutes(5),
                EntityRef::case(case_id),
                Payload::Escalate(esc),
            ));
        }
        let results = store::write(store, |tx| engine::push(tx, &caller, clock, &ops, now))?;
        if let Some(bad) = results.iter().find(|r| !r.outcome.is_acknowledged()) {
            return Err(admin::AdminError::Invalid(format!(
                "demo operation refused: {:?}",
                bad.outcome
            )));
        }
        summary.persons += 1;
        summary.contacts += contacts.len();

        // Supervisors review most logs.
        let sv = &supervisors[i % workers.len() / 2];
        let sv_caller = Caller {
            actor: engine::actor_of(sv),
            device: None,
        };
        for (k, cid) in contacts.iter().enumerate() {
            if k + 1 == contacts.len() && rng.chance(60) {
                continue; // the newest waits for review
            }
            let returned = rng.chance(10);
            let req = ReviewRequest {
                protocol: ProtocolVersion::CURRENT,
                contact_id: *cid,
                status: if returned {
                    ReviewStatus::Returned
                } else {
                    ReviewStatus::Approved
                },
                comment: returned.then(|| "（見本）次回は二人で訪問してください。".into()),
            };
            store::write(store, |tx| engine::review(tx, &sv_caller, clock, &req, now))?;
            summary.reviews += 1;
        }

        if escalate {
            escalated += 1;
            summary.cases += 1;
        }
    }

    // The coordinator works the queue: triage some, schedule meetings with
    // a roster (pledges for 支援会議).
    let coord = Caller {
        actor: engine::actor_of(&coordinator),
        device: None,
    };
    let items = store::read(store, |tx| engine::list_cases(tx, &coord))?;
    for (k, item) in items.iter().enumerate() {
        let id = item.escalation.case_id;
        if k % 3 == 2 {
            continue; // still received
        }
        let mv = |to| CaseMoveRequest {
            protocol: ProtocolVersion::CURRENT,
            to,
            return_reason: None,
        };
        store::write(store, |tx| {
            engine::move_case(tx, &coord, clock, id, &mv(CaseStatus::Triage), now)
        })?;
        let member = &members[k % members.len()];
        let roster = RosterRequest {
            protocol: ProtocolVersion::CURRENT,
            user: member.id,
            agency: member
                .agency
                .clone()
                .unwrap_or_else(|| AgencyId::new("shakyo")),
            pledge_recorded_at: Some(now - Duration::days(1)),
        };
        store::write(store, |tx| {
            engine::set_roster(tx, &coord, clock, id, &roster, now)
        })?;
        if k % 3 == 0 {
            store::write(store, |tx| {
                engine::move_case(
                    tx,
                    &coord,
                    clock,
                    id,
                    &mv(CaseStatus::MeetingScheduled),
                    now,
                )
            })?;
        }
    }
    life_of_a_case(store, clock, &coord, &workers, &members, &teams, now)?;
    hand_over_one(store, clock, &workers, &supervisors[0], now)?;
    summary.participation =
        crate::demo_participation::seed(store, clock, &coord, &workers[0], now)?;
    summary.community = crate::demo_community::seed(store, clock, &workers, now)?;
    summary.persons += crate::demo_household::seed(store, clock, &workers[0], now)?;
    summary.excerpts = crate::demo_household::choose_excerpts(store, &coord, now)?;
    Ok(summary)
}

/// Team 1's supervisor hands one of the second worker's persons to the
/// first worker, with a note (担当の引き継ぎ): the first worker's tablet
/// shows it on top of the person page.
fn hand_over_one(
    store: &dyn Store,
    clock: &ServerClock,
    workers: &[UserRow],
    supervisor: &UserRow,
    now: DateTime<Utc>,
) -> Result<(), admin::AdminError> {
    let (Some(team), Some(from), Some(to)) = (supervisor.team, workers.get(1), workers.first())
    else {
        return Ok(());
    };
    let recs = store::read(store, |tx| engine::records::TeamRecords::load(tx, team))?;
    let mut candidates: Vec<&Person> = recs
        .persons
        .values()
        .filter(|p| p.assigned_worker == Some(from.id) && p.stage.is_active())
        .collect();
    candidates.sort_by_key(|p| p.id);
    let Some(p) = candidates.first() else {
        return Ok(());
    };
    let caller = Caller {
        actor: engine::actor_of(supervisor),
        device: None,
    };
    store::write(store, |tx| {
        engine::handover::reassign(
            tx,
            &caller,
            clock,
            p.id,
            to.id,
            "（見本）異動に伴う引き継ぎです。母親の通院日（毎週火曜）に合わせて訪問してください。",
            now,
        )
    })?;
    Ok(())
}

/// A case's life after triage: an agency's referral (with the consent it
/// has on paper) that goes to the 重層的支援会議, with its meeting, a プラン
/// (one task overdue), a monitoring and the next meeting scheduled; a
/// 支援会議 case with its record of roles and direction; and a
/// find-request that reaches team 1's tablets.
fn life_of_a_case(
    store: &dyn Store,
    clock: &ServerClock,
    coord: &Caller,
    workers: &[UserRow],
    members: &[UserRow],
    teams: &[&str],
    now: DateTime<Utc>,
) -> Result<(), admin::AdminError> {
    use crate::engine::meetings::{self, MeetingDraft};
    use crate::engine::{plans, referrals};
    let today = ja::local_date(now);
    let items = store::read(store, |tx| engine::list_cases(tx, coord))?;
    let mv = |to| CaseMoveRequest {
        protocol: ProtocolVersion::CURRENT,
        to,
        return_reason: None,
    };
    // An agency refers someone new whose consent it has on paper: the case
    // goes to the 重層的支援会議 and lives through its plan.
    if let Some(member) = members.first() {
        let agency = Caller {
            actor: engine::actor_of(member),
            device: None,
        };
        let referral = ReferralRequest {
            protocol: ProtocolVersion::CURRENT,
            person: ReferredPerson::New {
                alias: "見本 紹介（地域包括から）".into(),
            },
            reason: "（見本）介護の相談に来た家族から、同居の子のひきこもりの相談もあった".into(),
            fields: [LifeField::Elderly, LifeField::Disability].into(),
            tags: [CrossTag::EightyFifty].into(),
            agencies_involved: BTreeSet::new(),
            urgency: Urgency::High,
            consent: Some(ConsentRecord {
                status: ConsentStatus::Written,
                scope: [ConsentScope::MultiLayeredMeeting].into(),
                date: Some(today - Duration::days(40)),
                recorded_by: Some(member.id),
            }),
            find: None,
        };
        let receipt = store::write(store, |tx| {
            referrals::file_referral(tx, &agency, clock, &referral, now)
        })?;
        let id = receipt.case_id;
        let worker = &workers[0];
        store::write(store, |tx| {
            engine::move_case(tx, coord, clock, id, &mv(CaseStatus::Triage), now)
        })?;
        let roster = RosterRequest {
            protocol: ProtocolVersion::CURRENT,
            user: member.id,
            agency: member
                .agency
                .clone()
                .unwrap_or_else(|| AgencyId::new("houkatsu-asahi")),
            pledge_recorded_at: None,
        };
        store::write(store, |tx| {
            engine::set_roster(tx, coord, clock, id, &roster, now)
        })?;
        store::write(store, |tx| {
            engine::move_case(tx, coord, clock, id, &mv(CaseStatus::MeetingScheduled), now)
        })?;
        store::write(store, |tx| {
            meetings::save_meeting(
                tx,
                coord,
                clock,
                id,
                None,
                MeetingDraft {
                    state: MeetingState::Held,
                    held_on: today - Duration::days(30),
                    purpose: MeetingPurpose::Planning,
                    place: Some("羽村市役所 会議室（見本）".into()),
                    invitees: Vec::new(),
                    attended: vec![(member.id, "（見本）介護保険の申請の支援".into())],
                    decisions: "（見本）本人の希望を中心にプランを作る".into(),
                },
                now,
            )
        })?;
        let plan = PlanRequest {
            protocol: ProtocolVersion::CURRENT,
            base_version: None,
            goals: vec![
                PlanGoal {
                    text: "（見本）また近所を散歩できるようになりたい".into(),
                    own_words: true,
                },
                PlanGoal {
                    text: "（見本）家族の介護の負担を減らす".into(),
                    own_words: false,
                },
            ],
            tasks: vec![
                TaskDraft {
                    id: None,
                    what: "（見本）月2回の訪問で様子を見る".into(),
                    agency: AgencyId::new(plan::SHAKYO),
                    owner: Some(worker.id),
                    due: today + Duration::days(30),
                    status: TaskStatus::InProgress,
                },
                TaskDraft {
                    id: None,
                    what: "（見本）介護保険の申請を手伝う".into(),
                    agency: roster.agency.clone(),
                    owner: Some(member.id),
                    due: today - Duration::days(3),
                    status: TaskStatus::NotStarted,
                },
            ],
            next_review: today + Duration::days(14),
        };
        let records = store::write(store, |tx| {
            plans::record_plan(tx, coord, clock, id, &plan, now)
        })?;
        let first = records.plans[0].tasks[0].id;
        store::write(store, |tx| {
            engine::move_case(tx, coord, clock, id, &mv(CaseStatus::Plan), now)
        })?;
        let monitoring = MonitoringRequest {
            protocol: ProtocolVersion::CURRENT,
            plan_version: 1,
            held_on: today - Duration::days(1),
            progress: vec![TaskProgress {
                task: first,
                status: TaskStatus::InProgress,
                note: Some("（見本）2回訪問し、玄関先で話せた".into()),
            }],
            judgement: Judgement::OnTrack,
            assessment: "（見本）関係はできてきている。申請の手伝いが遅れている".into(),
            next_review: Some(today + Duration::days(28)),
        };
        store::write(store, |tx| {
            plans::record_monitoring(tx, coord, clock, id, &monitoring, now)
        })?;
        store::write(store, |tx| {
            engine::move_case(tx, coord, clock, id, &mv(CaseStatus::Monitoring), now)
        })?;
        store::write(store, |tx| {
            meetings::save_meeting(
                tx,
                coord,
                clock,
                id,
                None,
                MeetingDraft {
                    state: MeetingState::Scheduled,
                    held_on: today + Duration::days(28),
                    purpose: MeetingPurpose::Monitoring,
                    place: Some("羽村市役所 会議室（見本）".into()),
                    invitees: vec![member.id],
                    attended: Vec::new(),
                    decisions: String::new(),
                },
                now,
            )
        })?;
    }
    let scheduled = |route| {
        items
            .iter()
            .find(|i| i.route == route && i.status == CaseStatus::MeetingScheduled)
            .cloned()
    };
    if let Some(sm) = scheduled(Route::SupportMeeting) {
        let id = sm.escalation.case_id;
        let rec = SupportRecordRequest {
            protocol: ProtocolVersion::CURRENT,
            base_version: None,
            roles: vec![AgencyRole {
                agency: sm.roster[0].agency.clone(),
                role: "（見本）家族への相談の窓口".into(),
            }],
            direction: "（見本）まず家族の負担を減らし、本人との接点をつくる".into(),
        };
        store::write(store, |tx| {
            plans::record_support_record(tx, coord, clock, id, &rec, now)
        })?;
    }
    // The coordinator asks team 1 to find someone no one has met yet.
    let team = store::read(store, |tx| tx.teams())?
        .into_iter()
        .find(|t| t.name == teams[0])
        .ok_or_else(|| admin::AdminError::Invalid("no demo team".into()))?;
    let r = ReferralRequest {
        protocol: ProtocolVersion::CURRENT,
        person: ReferredPerson::New {
            alias: "見本 さがす（駅前の高齢男性）".into(),
        },
        reason: "（見本）民生委員から、最近姿を見ない一人暮らしの方がいるとの情報".into(),
        fields: [LifeField::Elderly].into(),
        tags: BTreeSet::new(),
        agencies_involved: BTreeSet::new(),
        urgency: Urgency::Normal,
        consent: None,
        find: Some(FindSpec {
            team: team.id,
            request: "（見本）駅前の集合住宅にお住まいの高齢の男性。民生委員の話では、ひと月ほど姿を見ていない".into(),
        }),
    };
    store::write(store, |tx| {
        referrals::file_referral(tx, coord, clock, &r, now)
    })?;
    Ok(())
}
