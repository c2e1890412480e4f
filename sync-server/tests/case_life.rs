//! A case's life from referral to 終結 through the HTTP API (issue 13), on
//! the backend `OUTREACH_TEST_BACKEND` names (SQLite by default,
//! PostgreSQL in `scripts/test`'s second pass): consent given later in
//! both directions (and a later escalation folded in, never refused), the
//! plan statuses needing their record and 終結 its evaluation, meetings
//! scheduled, recorded and edited with history, referrals by an agency
//! member, a find-request reaching the team's tablets, and roster access
//! that ends on every path (pull, API, console page, printed agenda). All
//! data fictitious.

mod common;
mod console_support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use serde::Serialize;
use serde_json::Value;
use sync_server::store;

const V: ProtocolVersion = ProtocolVersion::CURRENT;

fn body<T: Serialize>(v: &T) -> Option<Value> {
    Some(serde_json::to_value(v).unwrap())
}

fn today() -> chrono::NaiveDate {
    ja::local_date(Utc::now())
}

/// A team A worker with a tablet, a coordinator, two agency members.
struct Cast {
    w: World,
    d: Device,
    coord: String,
    kikan: UserId,
    houkatsu: UserId,
}

async fn cast() -> Cast {
    let w = World::new();
    let d = w.worker_device("w1", "班A（見本）").await;
    w.user("coord", Role::Coordinator, None, None);
    let kikan = w.user("kikan", Role::AgencyMember, None, Some("kikan-soudan"));
    let houkatsu = w.user("houkatsu", Role::AgencyMember, None, Some("houkatsu-asahi"));
    let coord = w.login("coord").await;
    Cast {
        w,
        d,
        coord,
        kikan,
        houkatsu,
    }
}

impl Cast {
    /// A person escalated by the worker (with or without consent).
    async fn escalated(&mut self, alias: &str, consent: bool) -> (PersonId, CaseId) {
        let (p, mut ops) = {
            let (p, c) = self.d.create_person(alias);
            (p, vec![c])
        };
        if consent {
            let user = self.d.user;
            ops.push(self.d.op(
                EntityRef::person(p),
                Payload::RecordConsent {
                    consent: consent_given(user),
                    base: None,
                },
            ));
        }
        let route = if consent {
            Route::MultiLayeredMeeting
        } else {
            Route::SupportMeeting
        };
        let e = escalation(
            p,
            self.d.user,
            route,
            Urgency::Normal,
            Utc::now() - Duration::minutes(5),
        );
        let case = e.case_id;
        ops.push(self.d.op(EntityRef::case(case), Payload::Escalate(e)));
        let r = self.w.push_ok(&self.d, &ops).await;
        assert!(r.iter().all(|x| x.outcome.is_acknowledged()), "{r:?}");
        (p, case)
    }

    async fn post<T: Serialize>(&self, path: &str, req: &T) -> (StatusCode, Value) {
        self.w
            .call("POST", path, Some(&self.coord), body(req))
            .await
    }

    async fn mv(&self, case: CaseId, to: CaseStatus) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/cases/{case}/move"),
            &CaseMoveRequest {
                protocol: V,
                to,
                return_reason: None,
            },
        )
        .await
    }

    async fn mv_ok(&self, case: CaseId, to: CaseStatus) {
        let (s, v) = self.mv(case, to).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    async fn member(&self, case: CaseId, user: UserId, agency: &str, pledged: bool) {
        let (s, v) = self
            .post(
                &format!("/api/v1/cases/{case}/roster"),
                &RosterRequest {
                    protocol: V,
                    user,
                    agency: AgencyId::new(agency),
                    pledge_recorded_at: pledged.then(Utc::now),
                },
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    async fn meeting(&self, case: CaseId, req: &MeetingRequest) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/cases/{case}/meetings"), req)
            .await
    }

    async fn held(&self, case: CaseId, who: UserId, decisions: &str) -> Meeting {
        let (s, v) = self
            .meeting(
                case,
                &MeetingRequest {
                    protocol: V,
                    base_version: None,
                    state: MeetingState::Held,
                    purpose: MeetingPurpose::Planning,
                    held_on: today(),
                    place: None,
                    invitees: Vec::new(),
                    attendees: vec![Attendance {
                        user: who,
                        role: "（架空）相談の窓口".into(),
                    }],
                    decisions: decisions.into(),
                },
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        serde_json::from_value(v).unwrap()
    }

    async fn detail(&self, token: &str, case: CaseId) -> (StatusCode, Value) {
        self.w
            .call("GET", &format!("/api/v1/cases/{case}"), Some(token), None)
            .await
    }

    async fn records(&self, token: &str, case: CaseId) -> (StatusCode, Value) {
        self.w
            .call(
                "GET",
                &format!("/api/v1/cases/{case}/records"),
                Some(token),
                None,
            )
            .await
    }

    fn audit(&self) -> Vec<(String, String)> {
        store::read(&*self.w.store, |tx| tx.audit_entries(0, 100_000))
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.entity))
            .collect()
    }
}

fn field_at_fault(v: &Value, field: &str) -> bool {
    let b: ErrorBody = serde_json::from_value(v.clone()).unwrap();
    b.field_errors.iter().any(|f| f.field == field)
}

fn plan_request(base: Option<u32>, kikan: AgencyId) -> PlanRequest {
    PlanRequest {
        protocol: V,
        base_version: base,
        goals: vec![PlanGoal {
            text: "（架空）また散歩に出られるようになりたい".into(),
            own_words: true,
        }],
        tasks: vec![
            TaskDraft {
                id: None,
                what: "（架空）月2回の訪問".into(),
                agency: AgencyId::new("shakyo"),
                owner: None,
                due: today() + Duration::days(30),
                status: TaskStatus::InProgress,
            },
            TaskDraft {
                id: None,
                what: "（架空）障害福祉サービスの調整（他機関のメモ）".into(),
                agency: kikan,
                owner: None,
                due: today() + Duration::days(10),
                status: TaskStatus::NotStarted,
            },
        ],
        next_review: today() + Duration::days(14),
    }
}

#[tokio::test]
async fn consent_given_later_moves_the_case_and_withdrawal_moves_it_back() {
    let mut c = cast().await;
    let (p, case) = c.escalated("架空 四郎", false).await;
    c.mv_ok(case, CaseStatus::Triage).await;
    c.member(case, c.kikan, "kikan-soudan", true).await;
    c.mv_ok(case, CaseStatus::MeetingScheduled).await;
    c.held(case, c.kikan, "（架空）支援会議だけの決定事項")
        .await;
    // A 支援会議 moves on only with its record of roles and direction.
    let (s, v) = c.mv(case, CaseStatus::Plan).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "support_record"), "{v}");
    // And never gets a プラン.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &plan_request(None, AgencyId::new("kikan-soudan")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "route"), "{v}");
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/support-record"),
            &SupportRecordRequest {
                protocol: V,
                base_version: None,
                roles: vec![AgencyRole {
                    agency: AgencyId::new("kikan-soudan"),
                    role: "（架空）窓口".into(),
                }],
                direction: "（架空）支援会議の方向性".into(),
            },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The person consents later (to the 重層的支援会議, not to sharing with
    // agencies). The 支援会議 case is not stuck: it still moves.
    let user = c.d.user;
    let mut consent = consent_given(user);
    consent.scope = [ConsentScope::MultiLayeredMeeting].into();
    let op = c.d.op(
        EntityRef::person(p),
        Payload::RecordConsent {
            consent,
            base: None,
        },
    );
    let r = c.w.push_ok(&c.d, &[op]).await;
    assert!(r[0].outcome.is_acknowledged(), "{r:?}");
    c.mv_ok(case, CaseStatus::Plan).await;

    // The worker escalates again, now with consent: folded into the open
    // case, never refused; the tablet finds its answer in the pull.
    let mut again = escalation(
        p,
        user,
        Route::MultiLayeredMeeting,
        Urgency::High,
        Utc::now() - Duration::minutes(1),
    );
    again.reason = "（架空）本人が同意した。重層的支援会議での検討を希望".into();
    let again_id = again.case_id;
    let op = c.d.op(EntityRef::case(again_id), Payload::Escalate(again));
    let r = c.w.push_ok(&c.d, &[op]).await;
    assert!(
        matches!(r[0].outcome, Outcome::Applied { .. }),
        "a later escalation is applied, not refused: {r:?}"
    );
    let pulled = c.w.pull_all(&c.d.token).await;
    let view = pulled
        .iter()
        .rev()
        .find_map(|ch| match &ch.body {
            ChangeBody::Case(v) if v.case_id == case => Some(v.clone()),
            _ => None,
        })
        .expect("the case's status");
    assert_eq!(view.followups, vec![again_id]);
    assert_eq!(view.urgency, Urgency::High);

    // The coordinator moves it to the 重層的支援会議, keeping the pledged
    // member; a new member joins without a pledge.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/route"),
            &RouteChangeRequest {
                protocol: V,
                to: Route::MultiLayeredMeeting,
                keep: vec![c.kikan],
            },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let d: CaseDetail = serde_json::from_value(v).unwrap();
    assert_eq!(
        (d.item.route, d.item.status),
        (Route::MultiLayeredMeeting, CaseStatus::Triage)
    );
    assert!(
        d.moves
            .iter()
            .any(|m| m.cause == CaseMoveCause::RouteChanged)
    );
    c.member(case, c.houkatsu, "houkatsu-asahi", false).await;

    // What the 支援会議 decided stays with its pledged member.
    let kikan = c.w.login("kikan").await;
    let houkatsu = c.w.login("houkatsu").await;
    let (s, v) = c.records(&kikan, case).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r: CaseRecords = serde_json::from_value(v).unwrap();
    assert_eq!(r.meetings.len(), 1);
    assert_eq!(r.support_records.len(), 1);
    let (s, v) = c.records(&houkatsu, case).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!v.to_string().contains("支援会議だけの決定事項"), "{v}");
    assert!(!v.to_string().contains("支援会議の方向性"), "{v}");

    // Withdrawal moves it back: the unpledged member leaves, audited.
    let withdrawn = ConsentRecord {
        status: ConsentStatus::Withdrawn,
        scope: Default::default(),
        date: Some(today()),
        recorded_by: Some(user),
    };
    let op = c.d.op(
        EntityRef::person(p),
        Payload::RecordConsent {
            consent: withdrawn,
            base: None,
        },
    );
    c.w.push_ok(&c.d, &[op]).await;
    let (_, v) = c.detail(&c.coord, case).await;
    let d: CaseDetail = serde_json::from_value(v).unwrap();
    assert_eq!(
        (d.item.route, d.item.status),
        (Route::SupportMeeting, CaseStatus::Triage)
    );
    assert!(d.item.is_on_roster(c.kikan));
    assert!(d.item.member(c.houkatsu).is_none());
    let (s, _) = c.detail(&houkatsu, case).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        c.audit()
            .iter()
            .any(|(a, e)| a == "case.roster_remove" && e.contains(&c.houkatsu.to_string()))
    );
    // Without consent the route is not changed again.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/route"),
            &RouteChangeRequest {
                protocol: V,
                to: Route::MultiLayeredMeeting,
                keep: vec![],
            },
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "route"));
}

#[tokio::test]
async fn the_plan_statuses_need_a_plan_and_closure_needs_an_evaluation() {
    let mut c = cast().await;
    let (_, case) = c.escalated("架空 五郎", true).await;
    c.mv_ok(case, CaseStatus::Triage).await;
    c.member(case, c.kikan, "kikan-soudan", false).await;
    c.mv_ok(case, CaseStatus::MeetingScheduled).await;

    // No plan: the plan statuses are refused, nothing written.
    let (s, v) = c.mv(case, CaseStatus::Plan).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "plan"), "{v}");
    assert!(v["message"].as_str().unwrap().contains("plan"), "{v}");
    // A 支援会議 record is not a plan (and is refused for this route).
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/support-record"),
            &SupportRecordRequest {
                protocol: V,
                base_version: None,
                roles: vec![AgencyRole {
                    agency: AgencyId::new("kikan-soudan"),
                    role: "（架空）窓口".into(),
                }],
                direction: "（架空）方向性".into(),
            },
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &plan_request(None, AgencyId::new("kikan-soudan")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r: CaseRecords = serde_json::from_value(v).unwrap();
    assert_eq!(r.plans.len(), 1);
    let first_task = r.plans[0].tasks[0].id;
    // A second plan written from a stale version is refused.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &plan_request(None, AgencyId::new("kikan-soudan")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A task owner of another agency is refused.
    let mut wrong = plan_request(Some(1), AgencyId::new("kikan-soudan"));
    wrong.tasks[1].owner = Some(c.houkatsu);
    let (s, v) = c.post(&format!("/api/v1/cases/{case}/plan"), &wrong).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "tasks.1.owner"), "{v}");

    c.mv_ok(case, CaseStatus::Plan).await;
    for (k, status) in [TaskStatus::InProgress, TaskStatus::Done]
        .into_iter()
        .enumerate()
    {
        let (s, v) = c
            .post(
                &format!("/api/v1/cases/{case}/monitoring"),
                &MonitoringRequest {
                    protocol: V,
                    plan_version: 1,
                    held_on: today() - Duration::days(1 - k as i64),
                    progress: vec![TaskProgress {
                        task: first_task,
                        status,
                        note: None,
                    }],
                    judgement: if k == 0 {
                        Judgement::OnTrack
                    } else {
                        Judgement::ReadyToClose
                    },
                    assessment: "（架空）モニタリング".into(),
                    next_review: (k == 0).then(|| today() + Duration::days(20)),
                },
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    c.mv_ok(case, CaseStatus::Monitoring).await;

    // 終結 without the evaluation: refused.
    let (s, v) = c.mv(case, CaseStatus::Closed).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "closure"), "{v}");
    let closure = |reason: &str| ClosureRequest {
        protocol: V,
        outcome: ClosureOutcome::Stabilised,
        reason: reason.into(),
        continuing: "（架空）社協の見守り訪問".into(),
        watched_by: AgencyId::new("shakyo"),
        watcher: None,
        evaluated_on: today(),
    };
    let (s, v) = c
        .post(&format!("/api/v1/cases/{case}/closure"), &closure(""))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "reason"), "{v}");
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/closure"),
            &closure("（架空）生活が安定した"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    c.mv_ok(case, CaseStatus::Closed).await;
    let (_, v) = c.records(&c.coord, case).await;
    let r: CaseRecords = serde_json::from_value(v).unwrap();
    assert_eq!(r.monitoring.len(), 2);
    assert_eq!(
        r.closure.map(|x| x.outcome),
        Some(ClosureOutcome::Stabilised)
    );
    // A closed case takes no new plan.
    let (s, _) = c
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &plan_request(Some(1), AgencyId::new("kikan-soudan")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn meetings_are_scheduled_recorded_and_edited_and_the_tablet_sees_the_outcome() {
    let mut c = cast().await;
    let (_, case) = c.escalated("架空 六郎", true).await;
    c.mv_ok(case, CaseStatus::Triage).await;
    c.member(case, c.kikan, "kikan-soudan", false).await;
    c.mv_ok(case, CaseStatus::MeetingScheduled).await;
    let ahead = |on| MeetingRequest {
        protocol: V,
        base_version: None,
        state: MeetingState::Scheduled,
        purpose: MeetingPurpose::Planning,
        held_on: on,
        place: Some("（架空）市役所 会議室".into()),
        invitees: vec![c.kikan],
        attendees: Vec::new(),
        decisions: String::new(),
    };
    let (s, v) = c.meeting(case, &ahead(today() - Duration::days(1))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_at_fault(&v, "held_on"), "{v}");
    let next = today() + Duration::days(7);
    let (s, v) = c.meeting(case, &ahead(next)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let scheduled: Meeting = serde_json::from_value(v).unwrap();
    // A held meeting cannot be in the future.
    let mut future = ahead(next);
    future.state = MeetingState::Held;
    future.attendees = vec![Attendance {
        user: c.kikan,
        role: String::new(),
    }];
    future.decisions = "（架空）決定".into();
    let (s, _) = c.meeting(case, &future).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Record it afterwards as an edit (here: today), then edit again.
    let mut rec = future.clone();
    rec.held_on = today();
    rec.base_version = Some(1);
    rec.decisions = "（架空）会議の決定事項".into();
    let path = format!("/api/v1/cases/{case}/meetings/{}", scheduled.id);
    let (s, v) = c.post(&path, &rec).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let held: Meeting = serde_json::from_value(v).unwrap();
    assert_eq!((held.version, held.state), (2, MeetingState::Held));
    let (s, _) = c.post(&path, &rec).await;
    assert_eq!(s, StatusCode::CONFLICT, "an edit from a stale version");
    rec.base_version = Some(2);
    rec.decisions = "（架空）訂正した決定事項".into();
    let (s, v) = c.post(&path, &rec).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let history = store::read(&*c.w.store, |tx| {
        tx.doc_versions(store::CaseDocKind::MeetingVersion, scheduled.id)
    })
    .unwrap();
    assert_eq!(
        history.iter().map(|d| d.version).collect::<Vec<_>>(),
        vec![1, 2]
    );

    // A plan, the next meeting: the tablet sees the outcome only.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/plan"),
            &plan_request(None, AgencyId::new("kikan-soudan")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let later = today() + Duration::days(21);
    let (s, v) = c.meeting(case, &ahead(later)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) =
        c.w.call(
            "POST",
            "/api/v1/sync/pull",
            Some(&c.d.token),
            body(&PullRequest {
                protocol: V,
                cursor: 0,
                limit: 1000,
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let raw = v.to_string();
    let page: PullResponse = serde_json::from_value(v).unwrap();
    let view = page
        .changes
        .iter()
        .find_map(|ch| match &ch.body {
            ChangeBody::Case(v) if v.case_id == case => Some(v.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(view.next_meeting, Some(later));
    assert_eq!(view.outreach_tasks.len(), 1);
    assert_eq!(view.outreach_tasks[0].what, "（架空）月2回の訪問");
    assert!(
        !raw.contains("他機関のメモ"),
        "other agencies' tasks stay off the tablet"
    );
    assert!(
        !raw.contains("決定事項"),
        "meeting minutes stay off the tablet"
    );
}

#[tokio::test]
async fn an_agency_member_refers_someone_new_and_outreach_is_asked_to_find_another() {
    let c = cast().await;
    let d_b = c.w.worker_device("w2", "班B（見本）").await;
    let kikan = c.w.login("kikan").await;
    let referral = |alias: &str, find: Option<FindSpec>| ReferralRequest {
        protocol: V,
        person: ReferredPerson::New {
            alias: alias.into(),
        },
        reason: "（架空）介護と就労の相談が重なっている".into(),
        fields: [LifeField::Elderly, LifeField::Disability].into(),
        tags: Default::default(),
        agencies_involved: Default::default(),
        urgency: Urgency::High,
        consent: None,
        find,
    };
    let (s, v) =
        c.w.call(
            "POST",
            "/api/v1/referrals",
            Some(&kikan),
            body(&referral("架空 紹介", None)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let receipt: ReferralReceipt = serde_json::from_value(v).unwrap();
    assert_eq!(
        (receipt.route, receipt.folded),
        (Route::SupportMeeting, false)
    );
    let (s, v) = c.detail(&c.coord, receipt.case_id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let d: CaseDetail = serde_json::from_value(v).unwrap();
    let r = d.item.referral.clone().expect("a referral");
    assert_eq!(r.agency, Some(AgencyId::new("kikan-soudan")));
    assert!(
        d.item
            .escalation
            .agencies_involved
            .contains(&AgencyId::new("kikan-soudan"))
    );
    assert_eq!(d.moves[0].cause, CaseMoveCause::Referred);
    // The referrer is not on the roster: the case is not theirs to read.
    let (s, _) = c.detail(&kikan, receipt.case_id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // No tablet gets the new person (no outreach team has them yet).
    let pulled = c.w.pull_all(&c.d.token).await;
    assert!(
        !pulled.iter().any(
            |ch| matches!(&ch.body, ChangeBody::Person(p) if p.person.id == receipt.person_id)
        )
    );
    // A worker refers nothing; an agency member asks no one to find anyone.
    let worker =
        c.w.user("w3", Role::OutreachWorker, Some("班A（見本）"), None);
    let _ = worker;
    let w3 = c.w.login("w3").await;
    let (s, _) =
        c.w.call(
            "POST",
            "/api/v1/referrals",
            Some(&w3),
            body(&referral("架空 紹介二", None)),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let find = FindSpec {
        team: c.w.team_a,
        request: "（架空）駅前の集合住宅で見かけるとの情報".into(),
    };
    let (s, _) =
        c.w.call(
            "POST",
            "/api/v1/referrals",
            Some(&kikan),
            body(&referral("架空 さがす", Some(find.clone()))),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The coordinator asks team A to find the first one.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{}/find", receipt.case_id),
            &FindRequestRequest {
                protocol: V,
                team: c.w.team_a,
                request: find.request.clone(),
            },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let pulled = c.w.pull_all(&c.d.token).await;
    let person = pulled
        .iter()
        .find_map(|ch| match &ch.body {
            ChangeBody::Person(p) if p.person.id == receipt.person_id => Some(p.person.clone()),
            _ => None,
        })
        .expect("the person reaches team A's tablet");
    assert_eq!(person.stage, Stage::Identified);
    assert_eq!(person.team, c.w.team_a);
    let view = pulled
        .iter()
        .find_map(|ch| match &ch.body {
            ChangeBody::Case(v) if v.case_id == receipt.case_id => Some(v.clone()),
            _ => None,
        })
        .expect("with the case's status");
    assert_eq!(
        view.find_request.map(|f| f.request),
        Some(find.request.clone())
    );
    // Team B's tablet gets nothing of it.
    let pulled_b = c.w.pull_all(&d_b.token).await;
    assert!(
        !pulled_b.iter().any(
            |ch| matches!(&ch.body, ChangeBody::Person(p) if p.person.id == receipt.person_id)
        )
    );
    // The person is on a caseload now: a second request is refused.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{}/find", receipt.case_id),
            &FindRequestRequest {
                protocol: V,
                team: c.w.team_b,
                request: "（架空）".into(),
            },
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // A coordinator's referral with a find-request in one go.
    let (s, v) = c
        .post(
            "/api/v1/referrals",
            &referral("架空 さがす", Some(find.clone())),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r2: ReferralReceipt = serde_json::from_value(v).unwrap();
    let pulled = c.w.pull_all(&c.d.token).await;
    assert!(
        pulled
            .iter()
            .any(|ch| matches!(&ch.body, ChangeBody::Person(p) if p.person.id == r2.person_id))
    );
    // A second referral of the same person is folded into the open case.
    let (s, v) = c
        .post(
            "/api/v1/referrals",
            &ReferralRequest {
                person: ReferredPerson::Existing { id: r2.person_id },
                find: None,
                ..referral("x", None)
            },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r3: ReferralReceipt = serde_json::from_value(v).unwrap();
    assert_eq!((r3.case_id, r3.folded), (r2.case_id, true));
}

#[tokio::test]
async fn removing_a_member_or_closing_the_case_ends_access_on_every_path() {
    let mut c = cast().await;
    let (p, case) = c.escalated("架空 七郎", true).await;
    c.mv_ok(case, CaseStatus::Triage).await;
    c.member(case, c.kikan, "kikan-soudan", false).await;
    c.member(case, c.houkatsu, "houkatsu-asahi", false).await;
    let kikan = c.w.login("kikan").await;
    let houkatsu = c.w.login("houkatsu").await;
    let mut console = console_support::Client {
        app: c.w.app.clone(),
        cookies: Vec::new(),
        host: "localhost:8080".into(),
    };
    let r = console.login("kikan", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let sees = |token: String| {
        let w = &c.w;
        async move {
            let api = w
                .call("GET", &format!("/api/v1/cases/{case}"), Some(&token), None)
                .await
                .0
                == StatusCode::OK;
            let person = w
                .call("GET", &format!("/api/v1/persons/{p}"), Some(&token), None)
                .await
                .0
                == StatusCode::OK;
            let pull = w.pull_all(&token).await.iter().any(|ch| {
                matches!(&ch.body, ChangeBody::Person(x) if x.person.id == p)
                    || matches!(&ch.body, ChangeBody::Case(v) if v.case_id == case)
            });
            (api, person, pull)
        }
    };
    assert_eq!(sees(kikan.clone()).await, (true, true, true));
    assert_eq!(
        console.get(&format!("/console/cases/{case}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        console
            .get(&format!("/console/cases/{case}/agenda"))
            .await
            .status,
        StatusCode::OK
    );

    // Removed: nothing, on every path, at once; audited.
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/roster/remove"),
            &RosterRemoveRequest {
                protocol: V,
                user: c.kikan,
            },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(sees(kikan.clone()).await, (false, false, false));
    assert_eq!(
        console.get(&format!("/console/cases/{case}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        console
            .get(&format!("/console/cases/{case}/agenda"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(
        c.audit()
            .iter()
            .any(|(a, e)| a == "case.roster_remove" && e.contains(&c.kikan.to_string()))
    );
    // Removing someone not on the roster is refused.
    let (s, _) = c
        .post(
            &format!("/api/v1/cases/{case}/roster/remove"),
            &RosterRemoveRequest {
                protocol: V,
                user: c.kikan,
            },
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Returning the case ends the other member's access too.
    assert_eq!(sees(houkatsu.clone()).await, (true, true, true));
    let (s, v) = c
        .post(
            &format!("/api/v1/cases/{case}/move"),
            &CaseMoveRequest {
                protocol: V,
                to: CaseStatus::ReturnedToOutreach,
                return_reason: Some("（架空）まず関係づくりを続ける".into()),
            },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(sees(houkatsu).await, (false, false, false));
    assert!(
        c.audit()
            .iter()
            .any(|(a, e)| a == "case.access_ended" && e.contains(&c.houkatsu.to_string()))
    );
}
