//! The demo's 参加支援 (issue 18): the 地域資源 the plan itself names
//! (まいまいず健康教室, 地域活動支援センター あおば・ハッピーウイング, the two
//! 子育てひろば, the three 児童館) and a few of the 社協's own, with
//! fictitious contact numbers, kept by the coordinator; and, on some
//! persons of the caseload, needs, trials with their follow-ups and unmet
//! needs ("no evening place for young adults in 栄町"), pushed as tablets
//! push them. Everything through the engine.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::protocol::*;
use outreach_shared::*;
use std::collections::BTreeSet;

use crate::admin;
use crate::engine::resources::{self, ResourceDraft};
use crate::engine::{self, Caller, ServerClock};
use crate::store::{self, Store, UserRow};

fn area(s: &str) -> AreaCode {
    s.parse().unwrap_or_else(|_| AreaCode::all()[0].clone())
}

/// The catalogue: (name, kind, areas, for whom, days, contact).
fn catalogue() -> Vec<ResourceDraft> {
    let r = |name: &str,
             kind: ResourceKind,
             areas: &[&str],
             for_whom: &str,
             days: &str,
             contact: &str,
             accepts_new: bool| ResourceDraft {
        name: name.into(),
        kind,
        areas: areas.iter().map(|a| area(a)).collect::<BTreeSet<_>>(),
        for_whom: for_whom.into(),
        days: days.into(),
        contact: contact.into(),
        accepts_new,
    };
    vec![
        r(
            "まいまいず健康教室（市内10か所の地域会館）",
            ResourceKind::HealthClass,
            &[],
            "おおむね65歳以上の方",
            "各会館で月2回 10時〜11時30分（見本）",
            "高齢福祉介護課（042-000-0101・架空）",
            true,
        ),
        r(
            "地域活動支援センター「あおば」",
            ResourceKind::PlaceToBe,
            &["sakaecho-2"],
            "障害のある方、こころの不調のある方",
            "月〜金 10時〜16時（見本）",
            "あおば（042-000-0102・架空）",
            true,
        ),
        r(
            "地域活動支援センター「ハッピーウイング」",
            ResourceKind::PlaceToBe,
            &[],
            "障害のある方（福生市内の施設）",
            "月〜金 10時〜16時（見本）",
            "ハッピーウイング（042-000-0103・架空）",
            false,
        ),
        r(
            "太陽の子保育園 子育てひろば",
            ResourceKind::ParentingPlaza,
            &["gonokami-3"],
            "就学前のお子さんと保護者",
            "月〜金 9時30分〜12時（見本）",
            "太陽の子保育園（042-000-0104・架空）",
            true,
        ),
        r(
            "羽村たつの子保育園 子育てひろば たつっこ",
            ResourceKind::ParentingPlaza,
            &["gonokami-2"],
            "就学前のお子さんと保護者",
            "火・木 10時〜12時（見本）",
            "羽村たつの子保育園（042-000-0105・架空）",
            true,
        ),
        r(
            "羽村市中央児童館",
            ResourceKind::ChildrensHall,
            &["hanenaka-3"],
            "0〜18歳の子どもと保護者",
            "火〜日 9時〜17時（見本）",
            "中央児童館（042-000-0106・架空）",
            true,
        ),
        r(
            "羽村市西児童館",
            ResourceKind::ChildrensHall,
            &["ozakudai-5"],
            "0〜18歳の子どもと保護者",
            "火〜日 9時〜17時（見本）",
            "西児童館（042-000-0107・架空）",
            true,
        ),
        r(
            "羽村市東児童館",
            ResourceKind::ChildrensHall,
            &["shinmeidai-3"],
            "0〜18歳の子どもと保護者",
            "火〜日 9時〜17時（見本）",
            "東児童館（042-000-0108・架空）",
            true,
        ),
        r(
            "ふれあいサロン（見本・栄町）",
            ResourceKind::Salon,
            &["sakaecho-1", "sakaecho-2", "sakaecho-3"],
            "地域の高齢の方",
            "毎月第2水曜 13時〜15時（見本）",
            "社会福祉協議会 地域福祉係（042-000-0109・架空）",
            true,
        ),
        r(
            "就労体験（社協の協力事業所・見本）",
            ResourceKind::WorkTrial,
            &[],
            "働くことから離れている方（年齢不問）",
            "相談のうえ週1日から（見本）",
            "社会福祉協議会 参加支援担当（042-000-0110・架空）",
            true,
        ),
        r(
            "学習支援教室（見本）",
            ResourceKind::StudySupport,
            &[],
            "小学生〜高校生",
            "毎週土曜 14時〜16時（見本）",
            "社会福祉協議会 参加支援担当（042-000-0110・架空）",
            true,
        ),
        r(
            "ボランティアセンター（社協）",
            ResourceKind::Volunteering,
            &[],
            "どなたでも",
            "月〜金 8時30分〜17時（見本）",
            "ボランティアセンター（042-000-0111・架空）",
            true,
        ),
    ]
}

/// Seeds the catalogue (as the coordinator) and some 参加支援 records on
/// persons of the first worker's caseload (as that worker's tablet).
pub fn seed(
    store: &dyn Store,
    clock: &ServerClock,
    coord: &Caller,
    worker: &UserRow,
    now: DateTime<Utc>,
) -> Result<usize, admin::AdminError> {
    let saved_at = now - Duration::days(170);
    let mut catalogue_ids = Vec::new();
    for d in catalogue() {
        let r = store::write(store, |tx| {
            resources::save(tx, coord, clock, None, d.clone(), saved_at)
        })?;
        catalogue_ids.push(r);
    }
    // The worker's active persons, oldest first.
    let persons: Vec<Person> = store::read(store, |tx| {
        let team = worker.team.unwrap_or(TeamId(uuid::Uuid::nil()));
        let t = engine::records::TeamRecords::load(tx, team)?;
        Ok::<_, store::StoreError>(t.persons.into_values().collect())
    })?;
    let mut mine: Vec<Person> = persons
        .into_iter()
        .filter(|p| p.assigned_worker == Some(worker.id) && p.stage.is_active())
        .collect();
    mine.sort_by_key(|p| p.created_at);
    let device = DeviceId::new_v7(saved_at.timestamp_millis() as u64, [0xd5; 10]);
    let caller = Caller {
        actor: engine::actor_of(worker),
        device: Some(device),
    };
    let mut counter = 0u16;
    let mut n = 0usize;
    let place = catalogue_ids
        .iter()
        .find(|r| r.kind == ResourceKind::PlaceToBe)
        .cloned();
    let work = catalogue_ids
        .iter()
        .find(|r| r.kind == ResourceKind::WorkTrial)
        .cloned();
    let salon = catalogue_ids
        .iter()
        .find(|r| r.kind == ResourceKind::Salon)
        .cloned();
    for (i, p) in mine.iter().take(4).enumerate() {
        let base = (p.created_at + Duration::days(14)).min(now - Duration::days(60));
        let mut rec = |k: u8, at: DateTime<Utc>, entry: ParticipationEntry| {
            counter += 1;
            let ms = at.timestamp_millis() as u64;
            let r = ParticipationRecord {
                id: ParticipationId::new_v7(ms, [k, i as u8, 0x5a, 1, 2, 3, 4, 5, 6, 7]),
                person_id: p.id,
                author: worker.id,
                recorded_at: at,
                entry,
            };
            let op = Operation {
                id: OperationId::new_v7(ms, [k, i as u8, 0xa5, 7, 6, 5, 4, 3, 2, 1]),
                device_id: device,
                hlc: Hlc::new(ms, counter, device),
                entity: EntityRef::participation(r.id),
                payload: Payload::RecordParticipation(r.clone()),
            };
            (r, op)
        };
        let mut ops = Vec::new();
        let home = p.area.clone().unwrap_or_else(|| area("sakaecho-3"));
        match i % 3 {
            // Wants a place to be in the evening: nothing fits (unmet);
            // later a trial at あおば answers it, and goes on.
            0 => {
                let (need, op) = rec(
                    1,
                    base,
                    ParticipationEntry::Needs {
                        needs: [NeedKind::PlaceToBe, NeedKind::Company].into(),
                        note: Some("（見本）夕方なら外に出られそう".into()),
                        unmet: Some(UnmetNeed {
                            area: home.clone(),
                            description: "若者が夕方に行ける居場所がない".into(),
                        }),
                    },
                );
                ops.push(op);
                if let Some(r) = &place {
                    let (trial, op) = rec(
                        2,
                        base + Duration::days(40),
                        ParticipationEntry::Trial {
                            resource: r.id,
                            resource_name: r.name.clone(),
                            step: TrialStep::Proposed,
                            meets: Some(need.id),
                            note: Some("（見本）昼の時間帯から試す".into()),
                        },
                    );
                    ops.push(op);
                    let (_, op) = rec(
                        3,
                        base + Duration::days(55),
                        ParticipationEntry::FollowUp {
                            trial: trial.id,
                            outcome: TrialOutcome::Continuing,
                            reason: None,
                        },
                    );
                    ops.push(op);
                }
            }
            // Could try work: a trial that stopped, and why.
            1 => {
                let (_, op) = rec(
                    1,
                    base,
                    ParticipationEntry::Needs {
                        needs: [NeedKind::Work].into(),
                        note: None,
                        unmet: None,
                    },
                );
                ops.push(op);
                if let Some(r) = &work {
                    let (trial, op) = rec(
                        2,
                        base + Duration::days(10),
                        ParticipationEntry::Trial {
                            resource: r.id,
                            resource_name: r.name.clone(),
                            step: TrialStep::Started,
                            meets: None,
                            note: None,
                        },
                    );
                    ops.push(op);
                    let (_, op) = rec(
                        3,
                        base + Duration::days(30),
                        ParticipationEntry::FollowUp {
                            trial: trial.id,
                            outcome: TrialOutcome::Stopped,
                            reason: Some("（見本）朝の時間帯が合わなかった".into()),
                        },
                    );
                    ops.push(op);
                }
            }
            // Likes company: a サロン, going on; and an unmet wish to help
            // others near home, still open.
            _ => {
                if let Some(r) = &salon {
                    let (_, op) = rec(
                        2,
                        base,
                        ParticipationEntry::Trial {
                            resource: r.id,
                            resource_name: r.name.clone(),
                            step: TrialStep::Started,
                            meets: None,
                            note: None,
                        },
                    );
                    ops.push(op);
                }
                let (_, op) = rec(
                    1,
                    base + Duration::days(5),
                    ParticipationEntry::Needs {
                        needs: [NeedKind::Contribute].into(),
                        note: None,
                        unmet: Some(UnmetNeed {
                            area: home,
                            description: "近所で短時間だけ手伝える場がない".into(),
                        }),
                    },
                );
                ops.push(op);
            }
        }
        let results = store::write(store, |tx| engine::push(tx, &caller, clock, &ops, now))?;
        n += results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Applied { .. }))
            .count();
    }
    // 制度の狭間 on six persons: which schemes did not fit, so the report
    // counts them by scheme (one count stays under 5 and is suppressed).
    let at = now - Duration::days(3);
    for (i, p) in mine.iter().skip(1).take(6).enumerate() {
        let base = store::read(store, |tx| tx.person(p.id))?
            .and_then(|row| row.snapshot.versions.get("fields").copied());
        let mut tags = p.tags.clone();
        tags.insert(CrossTag::SchemeGap);
        let schemes: BTreeSet<Scheme> = if i == 5 {
            [Scheme::LongTermCareInsurance].into()
        } else {
            [Scheme::DisabilityServices, Scheme::SelfRelianceSupport].into()
        };
        counter += 1;
        let ms = (at.timestamp_millis() + i as i64) as u64;
        let op = Operation {
            id: OperationId::new_v7(ms, [0x6a, i as u8, 1, 2, 3, 4, 5, 6, 7, 8]),
            device_id: device,
            hlc: Hlc::new(ms, counter, device),
            entity: EntityRef::person(p.id),
            payload: Payload::UpdatePerson {
                changes: vec![FieldChange {
                    set: PersonField::Fields {
                        fields: p.fields.clone(),
                        tags,
                        scheme_gap: Some(SchemeGap {
                            schemes_not_fitting: schemes,
                            why: "（見本）手帳の対象外で、就労の相談先も合わなかった".into(),
                        }),
                    },
                    base,
                }],
            },
        };
        store::write(store, |tx| engine::push(tx, &caller, clock, &[op], now))?;
    }
    Ok(n)
}
