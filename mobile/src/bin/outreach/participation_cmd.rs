//! `outreach resources` and `outreach participation …` (参加支援, issue
//! 18): the 地域資源 catalogue as last pulled (read-only), and a person's
//! needs, trials and follow-ups, through the same store calls as the app
//! (`Store::record_participation`); free text may come from standard
//! input (「-」).

use clap::{Args, Subcommand};
use outreach_mobile::shared::participation::{open_unmet, trials};
use outreach_mobile::shared::*;
use serde_json::json;

use crate::{Ctx, Failure, Out, code, codes, free_text, id, texts};

#[derive(Subcommand, Debug)]
pub(crate) enum ParticipationCmd {
    /// 対象者の参加支援の記録（ニーズ・試行・フォローアップ）
    List { person: String },
    /// ニーズを記録する（合う資源がないときは --unmet-area と --unmet）
    Needs(NeedsArgs),
    /// 地域資源での試行を提案・記録する
    Trial(TrialArgs),
    /// 試行のその後（started, continuing, stopped）。中断は理由が必要
    FollowUp(FollowUpArgs),
}

#[derive(Args, Debug)]
pub(crate) struct NeedsArgs {
    #[arg(long)]
    person: String,
    /// ニーズ（複数可）: place_to_be, work, study, company, parenting, health, contribute, other
    #[arg(long = "need", required = true)]
    needs: Vec<String>,
    /// メモ。「-」で標準入力から
    #[arg(long)]
    note: Option<String>,
    /// 合う資源がない町丁（例: sakaecho-1）
    #[arg(long, requires = "unmet")]
    unmet_area: Option<String>,
    /// 足りない資源の内容（例: 若者が夕方に行ける居場所がない）。「-」で標準入力から
    #[arg(long, requires = "unmet_area")]
    unmet: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct TrialArgs {
    #[arg(long)]
    person: String,
    /// 地域資源のID（outreach resources で確認）
    #[arg(long)]
    resource: String,
    /// 提案ではなく、すでに参加を始めた
    #[arg(long)]
    started: bool,
    /// この試行が応える「資源がない」ニーズの記録のID
    #[arg(long)]
    meets: Option<String>,
    /// メモ。「-」で標準入力から
    #[arg(long)]
    note: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct FollowUpArgs {
    #[arg(long)]
    person: String,
    /// 試行の記録のID
    #[arg(long)]
    trial: String,
    /// started, continuing, stopped
    #[arg(long)]
    outcome: String,
    /// 中断の理由。「-」で標準入力から
    #[arg(long)]
    reason: Option<String>,
}

/// `outreach resources`.
pub(crate) fn resources(ctx: &Ctx) -> Out {
    let mut s = ctx.open_unlocked()?;
    let all = s.resources().map_err(|e| ctx.fail(e))?;
    Ok((texts::resources(&all), json!({"resources": all})))
}

pub(crate) fn participation(ctx: &Ctx, cmd: ParticipationCmd) -> Out {
    match cmd {
        ParticipationCmd::List { person } => {
            let pid: PersonId = id(&person)?;
            let mut s = ctx.open_unlocked()?;
            let recs = s.participation_of(pid).map_err(|e| ctx.fail(e))?;
            let text = texts::participation(&trials(&recs), &open_unmet(&recs));
            Ok((text, json!({"records": recs})))
        }
        ParticipationCmd::Needs(mut a) => {
            free_text::resolve("--note", &mut a.note)?;
            free_text::resolve("--unmet", &mut a.unmet)?;
            let pid: PersonId = id(&a.person)?;
            let needs = codes("--need", &a.needs, &NeedKind::ALL)?;
            let unmet = match (a.unmet_area, a.unmet) {
                (Some(area), Some(d)) => Some(UnmetNeed {
                    area: area
                        .trim()
                        .parse()
                        .map_err(|_| Failure::usage(texts::bad_area(&area)))?,
                    description: d.trim().to_owned(),
                }),
                _ => None,
            };
            record(
                ctx,
                pid,
                ParticipationEntry::Needs {
                    needs,
                    note: a.note.filter(|n| !n.trim().is_empty()),
                    unmet,
                },
            )
        }
        ParticipationCmd::Trial(mut a) => {
            free_text::resolve("--note", &mut a.note)?;
            let pid: PersonId = id(&a.person)?;
            let rid: ResourceId = id(&a.resource)?;
            let meets: Option<ParticipationId> = a.meets.as_deref().map(id).transpose()?;
            let mut s = ctx.open_unlocked()?;
            let r = s.resource(rid).map_err(|e| ctx.fail(e))?;
            let entry = ParticipationEntry::Trial {
                resource: r.id,
                resource_name: r.name,
                step: if a.started {
                    TrialStep::Started
                } else {
                    TrialStep::Proposed
                },
                meets,
                note: a.note.filter(|n| !n.trim().is_empty()),
            };
            let rec = s
                .record_participation(pid, entry)
                .map_err(|e| ctx.fail(e))?;
            Ok((
                texts::participation_recorded(&rec.id.to_string()),
                json!({"record": rec}),
            ))
        }
        ParticipationCmd::FollowUp(mut a) => {
            free_text::resolve("--reason", &mut a.reason)?;
            let pid: PersonId = id(&a.person)?;
            let trial: ParticipationId = id(&a.trial)?;
            let outcome = code("--outcome", &a.outcome, &TrialOutcome::ALL)?;
            record(
                ctx,
                pid,
                ParticipationEntry::FollowUp {
                    trial,
                    outcome,
                    reason: a.reason.filter(|r| !r.trim().is_empty()),
                },
            )
        }
    }
}

fn record(ctx: &Ctx, pid: PersonId, entry: ParticipationEntry) -> Out {
    let mut s = ctx.open_unlocked()?;
    let rec = s
        .record_participation(pid, entry)
        .map_err(|e| ctx.fail(e))?;
    Ok((
        texts::participation_recorded(&rec.id.to_string()),
        json!({"record": rec}),
    ))
}
