//! The demo's 地域づくり (issue 18): a believable year of each team's
//! community activities in Hamura — the monthly 民生委員 定例会, サロン
//! visits, talks at 自治会, patrols of the areas, meetings with the 地域包括
//! and the 子ども家庭支援センター — with roles and counts only, what was
//! learned and the follow-ups; a few bring up a person to find, created at
//! 把握 with an alias (「栄町3丁目 高齢男性」) just before the activity, as a
//! tablet pushes them. Everything through the engine.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::protocol::*;
use outreach_shared::*;

use crate::admin;
use crate::engine::{self, Caller, ServerClock};
use crate::store::{self, Store, UserRow};

/// (kind, 町丁, roles and counts, what was learned, follow-up, person to find).
type Line = (
    ActivityKind,
    &'static str,
    &'static [(ParticipantRole, u16)],
    &'static str,
    Option<&'static str>,
    Option<(&'static str, Sex)>,
);

const WC: ParticipantRole = ParticipantRole::WelfareCommissioner;
const NA: ParticipantRole = ParticipantRole::NeighbourhoodAssociation;
const RS: ParticipantRole = ParticipantRole::Resident;
const AG: ParticipantRole = ParticipantRole::AgencyStaff;
const CC: ParticipantRole = ParticipantRole::CommunityCareCentre;
const VO: ParticipantRole = ParticipantRole::Volunteer;
const SK: ParticipantRole = ParticipantRole::CouncilStaff;

/// Twelve months of one team's network work, one or two a month.
const YEAR: &[Line] = &[
    (
        ActivityKind::WelfareCommissionerMeeting,
        "sakaecho-3",
        &[(WC, 9), (CC, 1)],
        "集合住宅で、最近姿を見ない高齢の男性がいるとの話があった。",
        Some("民生委員と一緒に様子を見に行く。"),
        Some(("栄町3丁目 高齢男性", Sex::Male)),
    ),
    (
        ActivityKind::SalonVisit,
        "gonokami-2",
        &[(RS, 14), (VO, 3)],
        "サロンの参加者が減っている。送迎がないと来られない方がいる。",
        Some("送迎ボランティアの募集を社協で相談する。"),
        None,
    ),
    (
        ActivityKind::NeighbourhoodTalk,
        "hanenaka-1",
        &[(NA, 6), (RS, 22)],
        "アウトリーチの説明をした。ひきこもりの相談先が分からないという声が多かった。",
        Some("相談先のちらしを回覧板で回す。"),
        None,
    ),
    (
        ActivityKind::Patrol,
        "shinmeidai-2",
        &[(SK, 2)],
        "新聞や郵便物がたまっている家が一軒あった。",
        Some("民生委員に確認を頼む。"),
        Some(("神明台2丁目 一人暮らしの高齢女性", Sex::Female)),
    ),
    (
        ActivityKind::AgencyMeeting,
        "sakaecho-1",
        &[(CC, 2), (AG, 3), (SK, 2)],
        "地域包括と、8050の世帯の見守りの分担を確認した。",
        Some("月に一度、情報を交換する。"),
        None,
    ),
    (
        ActivityKind::WelfareCommissionerMeeting,
        "ozakudai-1",
        &[(WC, 11)],
        "夏の暑さで外出を控えている高齢の方が多い。",
        Some("熱中症予防の声かけを一緒に行う。"),
        None,
    ),
    (
        ActivityKind::SalonVisit,
        "kawasaki-3",
        &[(RS, 9), (VO, 2)],
        "子育て中の母親から、昼間に話せる場所がほしいという声があった。",
        Some("子育てひろばの案内を届ける。"),
        None,
    ),
    (
        ActivityKind::Patrol,
        "hanehigashi-2",
        &[(SK, 2), (WC, 1)],
        "夜、灯りのつかない家がある。近所の方も最近見ていないとのこと。",
        Some("日中にもう一度訪ねる。"),
        Some(("羽東2丁目 中年男性", Sex::Male)),
    ),
    (
        ActivityKind::NeighbourhoodTalk,
        "fujimidaira-1",
        &[(NA, 8), (RS, 15)],
        "防災訓練の後に説明した。若い世代の参加が少ない。",
        None,
        None,
    ),
    (
        ActivityKind::AgencyMeeting,
        "midorigaoka-2",
        &[(AG, 4), (SK, 1)],
        "子ども家庭支援センターと、ヤングケアラーの気づきの共有の仕方を話した。",
        Some("学校からの相談の流れを整理する。"),
        None,
    ),
    (
        ActivityKind::WelfareCommissionerMeeting,
        "tamagawa-1",
        &[(WC, 10), (CC, 1)],
        "年末に向けて、一人暮らしの高齢の方の見守りを強める。",
        Some("訪問の分担表を作る。"),
        None,
    ),
    (
        ActivityKind::SalonVisit,
        "futabacho-2",
        &[(RS, 11), (VO, 4)],
        "参加者から、近所に家から出てこない若い男性がいると聞いた。",
        Some("民生委員と様子を確認する。"),
        Some(("双葉町2丁目 若い男性", Sex::Male)),
    ),
    (
        ActivityKind::Other,
        "hane-2",
        &[(RS, 30), (SK, 3)],
        "地域のお祭りで相談ブースを出した。相談は3件。",
        None,
        None,
    ),
    (
        ActivityKind::Patrol,
        "hanenishi-1",
        &[(SK, 2)],
        "空き家が増えている一角がある。",
        None,
        None,
    ),
];

/// Seeds each team's year of community activities, pushed by the team's
/// first worker as a tablet would. Returns how many were applied.
pub fn seed(
    store: &dyn Store,
    clock: &ServerClock,
    workers: &[UserRow],
    now: DateTime<Utc>,
) -> Result<usize, admin::AdminError> {
    let mut teams_done = Vec::new();
    let mut n = 0;
    for (t, worker) in workers.iter().enumerate() {
        let Some(team) = worker.team else { continue };
        if teams_done.contains(&team) {
            continue;
        }
        teams_done.push(team);
        let start = now - Duration::days(360);
        let device = DeviceId::new_v7(
            start.timestamp_millis() as u64,
            [0xc7, t as u8, 1, 2, 3, 4, 5, 6, 7, 8],
        );
        let caller = Caller {
            actor: engine::actor_of(worker),
            device: Some(device),
        };
        let mut counter = 0u16;
        // The second team walks the year from the other end of the list.
        let lines: Vec<&Line> = if t == 0 {
            YEAR.iter().collect()
        } else {
            YEAR.iter().rev().take(9).collect()
        };
        for (i, (kind, area, roles, learned, follow_up, find)) in lines.into_iter().enumerate() {
            let held_at = start + Duration::days(25 * i as i64 + 3) + Duration::hours(1);
            let ms = held_at.timestamp_millis() as u64;
            let salt = [t as u8, i as u8, 0xc0, 1, 2, 3, 4, 5, 6, 7];
            let mut ops = Vec::new();
            let mut op = |entity: EntityRef, payload: Payload, k: u8| {
                counter += 1;
                let mut s = salt;
                s[2] = k;
                Operation {
                    id: OperationId::new_v7(ms + 1, s),
                    device_id: device,
                    hlc: Hlc::new(ms + 1, counter, device),
                    entity,
                    payload,
                }
            };
            let area: AreaCode = area.parse().unwrap_or_else(|_| AreaCode::all()[0].clone());
            let mut persons_to_find = Vec::new();
            if let Some((alias, sex)) = find {
                let p = Person {
                    id: PersonId::new_v7(ms, salt),
                    alias: (*alias).into(),
                    kana: None,
                    birth_year: None,
                    sex: Some(*sex),
                    area: Some(area.clone()),
                    noticed_by: Some(NoticedBy::Outreach),
                    summary: None,
                    household: Household::default(),
                    fields: Default::default(),
                    tags: Default::default(),
                    scheme_gap: None,
                    stage: Stage::Identified,
                    stage_note: None,
                    consent: ConsentRecord::none(),
                    team,
                    assigned_worker: Some(worker.id),
                    created_at: held_at + Duration::hours(3),
                };
                persons_to_find.push(p.id);
                ops.push(op(EntityRef::person(p.id), Payload::CreatePerson(p), 0xc1));
            }
            let a = CommunityActivity {
                id: CommunityActivityId::new_v7(ms, [t as u8, i as u8, 0xca, 9, 8, 7, 6, 5, 4, 3]),
                team,
                author: worker.id,
                kind: *kind,
                area,
                held_at,
                participants: roles
                    .iter()
                    .map(|(role, count)| Participants {
                        role: *role,
                        count: *count,
                    })
                    .collect(),
                learned: (*learned).into(),
                follow_up: follow_up.map(Into::into),
                persons_to_find,
                recorded_at: held_at + Duration::hours(3),
            };
            ops.push(op(
                EntityRef::community_activity(a.id),
                Payload::RecordCommunityActivity(a),
                0xc2,
            ));
            let results = store::write(store, |tx| engine::push(tx, &caller, clock, &ops, now))?;
            n += results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Applied { .. }))
                .count();
        }
    }
    Ok(n)
}
