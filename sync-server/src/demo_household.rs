//! The demo's households (issue 18): two believable 世帯 of the first
//! worker's caseload, pushed as a tablet pushes them and escalated for
//! the household, each member routed by their own consent.
//!
//! - 8050: a mother in her 80s (consented: she asked for help) and her son
//!   in his 50s who has not left the house for years (no consent); both
//!   persons of their own, linked into one household. The mother's case
//!   goes to the 重層的支援会議; the son, without his own consent, to the
//!   支援会議 only.
//! - ヤングケアラー: a junior-high pupil who cares for her mother
//!   (consented, with the school's counsellor), the mother (no consent)
//!   and a grandmother recorded as a relationship only (「祖母（70代）」).
//!
//! Everything through the engine; every name is fictitious.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::protocol::*;
use outreach_shared::*;

use crate::admin;
use crate::engine::{self, Caller, ServerClock};
use crate::store::{self, Store, UserRow};

struct Ops {
    device: DeviceId,
    counter: u16,
    tag: u8,
    ops: Vec<Operation>,
}

impl Ops {
    fn push(&mut self, at: DateTime<Utc>, entity: EntityRef, payload: Payload) -> Hlc {
        self.counter += 1;
        let ms = at.timestamp_millis() as u64 + u64::from(self.counter);
        let hlc = Hlc::new(ms, self.counter, self.device);
        let n = self.counter.to_be_bytes();
        self.ops.push(Operation {
            id: OperationId::new_v7(ms, [0x48, self.tag, n[0], n[1], 9, 8, 7, 6, 5, 4]),
            device_id: self.device,
            hlc,
            entity,
            payload,
        });
        hlc
    }
}

#[allow(clippy::too_many_arguments)]
fn person(
    id: PersonId,
    alias: &str,
    year: i32,
    sex: Sex,
    area: &str,
    summary: &str,
    tags: &[CrossTag],
    field: LifeField,
    team: TeamId,
    worker: UserId,
    at: DateTime<Utc>,
) -> Person {
    Person {
        id,
        alias: alias.into(),
        kana: None,
        birth_year: Some(BirthYear {
            year,
            approximate: true,
        }),
        sex: Some(sex),
        area: area.parse().ok(),
        noticed_by: Some(NoticedBy::WelfareCommissioner),
        summary: Some(summary.into()),
        household: Household::default(),
        fields: [field].into(),
        tags: tags.iter().copied().collect(),
        scheme_gap: None,
        stage: Stage::Identified,
        stage_note: None,
        consent: ConsentRecord::none(),
        team,
        assigned_worker: Some(worker),
        created_at: at,
    }
}

fn consent(worker: UserId, at: DateTime<Utc>) -> ConsentRecord {
    ConsentRecord {
        status: ConsentStatus::Written,
        scope: [
            ConsentScope::MultiLayeredMeeting,
            ConsentScope::ShareWithAgencies,
        ]
        .into(),
        date: Some(ja::local_date(at)),
        recorded_by: Some(worker),
    }
}

fn member(
    n: u8,
    at: DateTime<Utc>,
    relation: Relation,
    alias: &str,
    note: &str,
    person: Option<PersonId>,
) -> HouseholdMember {
    HouseholdMember {
        id: HouseholdMemberId::new_v7(
            at.timestamp_millis() as u64,
            [0x48, n, 1, 2, 3, 4, 5, 6, 7, 8],
        ),
        relation,
        alias: Some(alias.into()),
        birth_year: None,
        lives_together: true,
        note: Some(note.into()),
        person,
    }
}

/// Seeds the two households on `worker`'s caseload; returns the persons
/// made.
pub fn seed(
    store: &dyn Store,
    clock: &ServerClock,
    worker: &UserRow,
    now: DateTime<Utc>,
) -> Result<usize, admin::AdminError> {
    let team = worker
        .team
        .ok_or_else(|| admin::AdminError::Invalid("worker without team".into()))?;
    let at = now - Duration::days(60);
    let device = DeviceId::new_v7(at.timestamp_millis() as u64, [0x48; 10]);
    let caller = Caller {
        actor: engine::actor_of(worker),
        device: Some(device),
    };
    let mut o = Ops {
        device,
        counter: 0,
        tag: 1,
        ops: Vec::new(),
    };
    let pid = |n: u8| {
        PersonId::new_v7(
            at.timestamp_millis() as u64,
            [0x48, n, 9, 9, 9, 9, 9, 9, 9, n],
        )
    };
    let w = worker.id;

    // 8050: mother and son.
    let (mother, son) = (pid(1), pid(2));
    let mut m = person(
        mother,
        "架空 ハル（母・80代）",
        1943,
        Sex::Female,
        "sakaecho-2",
        "（架空の事例）要介護2。長男と二人暮らし。本人から包括に相談があった。",
        &[CrossTag::EightyFifty],
        LifeField::Elderly,
        team,
        w,
        at,
    );
    m.household.members = vec![member(
        1,
        at,
        Relation::Child,
        "長男",
        "50代。10年以上外出していない",
        Some(son),
    )];
    let mut s = person(
        son,
        "架空 一朗（長男・50代）",
        1972,
        Sex::Male,
        "sakaecho-2",
        "（架空の事例）長くひきこもり。母の年金で暮らす。玄関越しに短く話せる。",
        &[CrossTag::EightyFifty, CrossTag::Hikikomori],
        LifeField::Poverty,
        team,
        w,
        at,
    );
    s.household.members = vec![member(
        2,
        at,
        Relation::Parent,
        "母",
        "要介護2",
        Some(mother),
    )];
    s.tags.insert(CrossTag::SchemeGap);
    // A worker's own words, with a name and a number in them: the report's
    // excerpt shows them masked (shared::anonymise).
    s.scheme_gap = Some(SchemeGap {
        schemes_not_fitting: [Scheme::HealthCare, Scheme::Other].into(),
        why: "（見本）架空 一朗さんは手帳も診断もなく、困窮の窓口では就労の話から入るため続かなかった。連絡は042-555-0199へ。".into(),
    });
    let created = o.push(
        at,
        EntityRef::person(mother),
        Payload::CreatePerson(m.clone()),
    );
    o.push(at, EntityRef::person(son), Payload::CreatePerson(s));
    o.push(
        at + Duration::days(7),
        EntityRef::person(mother),
        Payload::RecordConsent {
            consent: consent(w, at + Duration::days(7)),
            base: Some(created),
        },
    );
    let case1 = CaseId::new_v7(
        (at + Duration::days(20)).timestamp_millis() as u64,
        [0x48, 1, 0, 0, 0, 0, 0, 0, 0, 1],
    );
    o.push(
        at + Duration::days(20),
        EntityRef::case(case1),
        Payload::Escalate(Escalation {
            case_id: case1,
            person_id: mother,
            raised_by: w,
            raised_at: at + Duration::days(20),
            reason: "（架空の事例）8050。母の介護と長男の生活の立て直しを世帯として検討したい。長男の同意はまだない。".into(),
            fields: [LifeField::Elderly, LifeField::Poverty].into(),
            tags: [CrossTag::EightyFifty].into(),
            agencies_involved: [AgencyId::new("houkatsu-asahi")].into(),
            urgency: Urgency::High,
            route: Route::MultiLayeredMeeting,
            household: vec![HouseholdCaseMember {
                person_id: son,
                route: Route::SupportMeeting,
            }],
        }),
    );

    // ヤングケアラー: the pupil, her mother, a grandmother (relationship only).
    let (pupil, mum) = (pid(3), pid(4));
    let at2 = at + Duration::days(10);
    let mut c = person(
        pupil,
        "架空 ユイ（中学2年）",
        2012,
        Sex::Female,
        "midorigaoka-1",
        "（架空の事例）母の通院の付き添いと家事で欠席が増えている。スクールカウンセラーから。",
        &[CrossTag::YoungCarer],
        LifeField::ChildrenParenting,
        team,
        w,
        at2,
    );
    c.household.members = vec![
        member(
            3,
            at2,
            Relation::Parent,
            "母",
            "40代。体調に波がある",
            Some(mum),
        ),
        member(
            4,
            at2,
            Relation::Grandparent,
            "祖母（70代）",
            "市外在住。月に一度来る",
            None,
        ),
    ];
    let mut p = person(
        mum,
        "架空 ミナ（母・40代）",
        1984,
        Sex::Female,
        "midorigaoka-1",
        "（架空の事例）体調に波があり、家のことが回らない時期がある。",
        &[],
        LifeField::Disability,
        team,
        w,
        at2,
    );
    p.household.members = vec![member(
        5,
        at2,
        Relation::Child,
        "長女",
        "中学2年",
        Some(pupil),
    )];
    p.tags.insert(CrossTag::SchemeGap);
    p.scheme_gap = Some(SchemeGap {
        schemes_not_fitting: [Scheme::ChildWelfare, Scheme::Other].into(),
        why: "（見本）母は障害福祉の対象と言えるほどではなく、子どもの側の支援は学校の中で止まっていた。世帯として見る制度がない。".into(),
    });
    let created = o.push(at2, EntityRef::person(pupil), Payload::CreatePerson(c));
    o.push(at2, EntityRef::person(mum), Payload::CreatePerson(p));
    o.push(
        at2 + Duration::days(5),
        EntityRef::person(pupil),
        Payload::RecordConsent {
            consent: consent(w, at2 + Duration::days(5)),
            base: Some(created),
        },
    );
    let case2 = CaseId::new_v7(
        (at2 + Duration::days(14)).timestamp_millis() as u64,
        [0x48, 2, 0, 0, 0, 0, 0, 0, 0, 2],
    );
    o.push(
        at2 + Duration::days(14),
        EntityRef::case(case2),
        Payload::Escalate(Escalation {
            case_id: case2,
            person_id: pupil,
            raised_by: w,
            raised_at: at2 + Duration::days(14),
            reason: "（架空の事例）ヤングケアラー。本人の学校生活と母の支援を世帯として検討したい。母の同意はまだない。".into(),
            fields: [LifeField::ChildrenParenting, LifeField::Disability].into(),
            tags: [CrossTag::YoungCarer].into(),
            agencies_involved: Default::default(),
            urgency: Urgency::Normal,
            route: Route::MultiLayeredMeeting,
            household: vec![HouseholdCaseMember {
                person_id: mum,
                route: Route::SupportMeeting,
            }],
        }),
    );
    let ops = std::mem::take(&mut o.ops);
    let results = store::write(store, |tx| engine::push(tx, &caller, clock, &ops, now))?;
    if let Some(bad) = results.iter().find(|r| !r.outcome.is_acknowledged()) {
        return Err(admin::AdminError::Invalid(format!(
            "demo household refused: {:?}",
            bad.outcome
        )));
    }
    Ok(4)
}

/// The coordinator's choice of excerpts in the demo report (this 年度 up
/// to today, the report's default period): a few of the 制度の狭間
/// reasons on offer, and of every other viewpoint what is on offer.
pub fn choose_excerpts(
    store: &dyn Store,
    coordinator: &Caller,
    now: DateTime<Utc>,
) -> Result<usize, admin::AdminError> {
    use chrono::Datelike;
    let today = ja::local_date(now);
    let fy = if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    let from = chrono::NaiveDate::from_ymd_opt(fy, 4, 1).unwrap_or(today);
    let offers = store::read(store, |tx| {
        let recs = engine::records::report_records(tx, coordinator, from, today)?;
        let users = engine::excerpts::user_names(tx)?;
        Ok::<_, engine::Error>(engine::excerpts::offers(&recs, &users, from, today))
    })?;
    let mut chosen = 0;
    for vp in Viewpoint::ALL {
        let mut seen = std::collections::BTreeSet::new();
        let keys: Vec<String> = offers
            .iter()
            .filter(|o| o.source.viewpoint() == vp)
            .flat_map(|o| o.excerpts.iter())
            .filter(|e| seen.insert(e.text.clone()))
            .take(3)
            .map(|e| e.key.clone())
            .collect();
        if keys.is_empty() {
            continue;
        }
        chosen += keys.len();
        store::write(store, |tx| {
            engine::excerpts::choose(tx, coordinator, vp, from, today, &keys, now)
        })?;
    }
    Ok(chosen)
}
