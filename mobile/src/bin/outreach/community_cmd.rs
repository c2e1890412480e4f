//! `outreach community add/list` (地域づくり, issue 18): the team's
//! community activities, through the same form reader and store call as
//! the app (`forms::CommunityInput`, `Store::log_community_activity`);
//! free text may come from standard input (「-」).

use clap::{Args, Subcommand};
use outreach_mobile::forms::CommunityInput;
use outreach_mobile::shared::*;
use serde_json::json;

use crate::person_cmd::form_failure;
use crate::{Ctx, Failure, Out, code, free_text, texts};

#[derive(Subcommand, Debug)]
pub(crate) enum CommunityCmd {
    /// 地域活動の一覧（新しい順）
    List,
    /// 地域活動を記録する（住民の名前は書かず、役割と人数で）
    Add(AddArgs),
}

#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    /// 活動の種類: welfare_commissioner_meeting, salon_visit, neighbourhood_talk, patrol, agency_meeting, other
    #[arg(long)]
    kind: String,
    /// 町丁（例: sakaecho-3）
    #[arg(long)]
    area: String,
    /// 日時（日本時間。2026-06-01 14:30 / R8.6.1 14:30）。省略時は現在
    #[arg(long)]
    at: Option<String>,
    /// 参加者: 役割=人数（複数可）。役割: welfare_commissioner, neighbourhood_association, resident, agency_staff, community_care_centre, volunteer, council_staff, other
    #[arg(long = "participants", required = true)]
    participants: Vec<String>,
    /// わかったこと。「-」で標準入力から
    #[arg(long)]
    learned: String,
    /// 今後の対応。「-」で標準入力から
    #[arg(long)]
    follow_up: Option<String>,
    /// 把握すべき人の呼び名（複数可。例: 「栄町3丁目 高齢男性」）。「把握」の段階で担当ケースに加わる
    #[arg(long = "find")]
    finds: Vec<String>,
}

pub(crate) fn community(ctx: &Ctx, cmd: CommunityCmd) -> Out {
    match cmd {
        CommunityCmd::List => {
            let mut s = ctx.open_unlocked()?;
            let all = s.community_activities().map_err(|e| ctx.fail(e))?;
            Ok((texts::community(&all), json!({"activities": all})))
        }
        CommunityCmd::Add(mut a) => {
            let mut learned = Some(a.learned);
            free_text::resolve("--learned", &mut learned)?;
            free_text::resolve("--follow-up", &mut a.follow_up)?;
            let mut s = ctx.open_unlocked()?;
            let mut f = CommunityInput::new(s.now());
            f.kind = Some(code("--kind", &a.kind, &ActivityKind::ALL)?);
            f.area = a.area.trim().to_owned();
            if f.area.parse::<AreaCode>().is_err() {
                return Err(Failure::usage(texts::bad_area(&a.area)));
            }
            if let Some(at) = &a.at {
                let (d, t) = at
                    .trim()
                    .rsplit_once([' ', 'T'])
                    .ok_or_else(|| Failure::usage(texts::bad_when(at)))?;
                f.date = d.to_owned();
                f.time = t.to_owned();
            }
            for p in &a.participants {
                let (role, count) = p
                    .split_once('=')
                    .ok_or_else(|| Failure::usage(texts::bad_participants(p)))?;
                let role = code("--participants", role, &ParticipantRole::ALL)?;
                f.counts.insert(role, count.to_owned());
            }
            f.learned = learned.unwrap_or_default();
            f.follow_up = a.follow_up.unwrap_or_default();
            f.finds = a.finds.join("\n");
            let new = f.parse().map_err(form_failure)?;
            let (activity, persons) = s.log_community_activity(new).map_err(|e| ctx.fail(e))?;
            Ok((
                texts::community_recorded(&activity, &persons),
                json!({"activity": activity, "persons": persons}),
            ))
        }
    }
}
