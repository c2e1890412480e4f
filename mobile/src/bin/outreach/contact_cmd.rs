//! `outreach contact add`: a contact log, read by the same parser and with
//! the same defaults as the tablet's contact form
//! ([`outreach_mobile::forms::ContactInput`]): a home visit, now, the next
//! visit (「再訪」) in a week; who was met and who went must be given.

use clap::{Args, Subcommand};
use outreach_mobile::forms::ContactInput;
use outreach_mobile::shared::*;
use outreach_mobile::*;
use serde_json::json;

use crate::person_cmd::form_failure;
use crate::{Ctx, Failure, Out, code, codes, id};
use crate::{free_text, texts};

#[derive(Subcommand, Debug)]
pub(crate) enum ContactCmd {
    /// 接触記録を保存する
    Add(ContactArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ContactArgs {
    /// 対象者のID
    #[arg(long)]
    person: String,
    /// 接触方法（既定: home_visit）: home_visit, phone, letter_or_note, community_place, accompanied_visit, agency_information, resident_information, welfare_commissioner_information, family_contact
    #[arg(long)]
    method: Option<String>,
    /// 会えた相手: person, family_only, nobody
    #[arg(long)]
    met: String,
    /// 本人の反応（本人に会えたとき）: refused, brief, open
    #[arg(long)]
    response: Option<String>,
    /// 様子・観察。「-」で標準入力から読む（シェルの履歴やプロセス一覧に残さない）
    #[arg(long, default_value = "")]
    observation: String,
    /// 日時（日本時間。2026-06-01 14:30 / R8.6.1 14:30）。省略時は現在
    #[arg(long)]
    at: Option<String>,
    /// 所要時間（分）
    #[arg(long)]
    minutes: Option<u16>,
    /// 訪問体制（必須）: alone, pair, with_agency, with_welfare_commissioner
    #[arg(long)]
    accompaniment: Option<String>,
    /// 危険のサイン（複数可）
    #[arg(long = "danger")]
    danger: Vec<String>,
    /// 生命に関わる状況
    #[arg(long)]
    life_threatening: bool,
    /// 負担感（1〜5）。振り返りだけのときは3
    #[arg(long)]
    difficulty: Option<u8>,
    /// 振り返りメモ。「-」で標準入力から
    #[arg(long)]
    reflection: Option<String>,
    /// スーパーバイザーに相談したい
    #[arg(long)]
    wants_to_talk: bool,
    /// 次回の予定（既定: 再訪）。「-」で標準入力から
    #[arg(long)]
    next: Option<String>,
    /// 次回の期日（既定: 1週間後。2026-06-08 / R8.6.8）
    #[arg(long)]
    due: Option<String>,
    /// 次回の予定を記録しない
    #[arg(long, conflicts_with_all = ["next", "due"])]
    no_next: bool,
    /// 訂正する接触記録のID
    #[arg(long)]
    corrects: Option<String>,
}

/// Fills the contact form's input (with its defaults at `now`) from the
/// options.
fn input(a: &ContactArgs, now: chrono::DateTime<chrono::Utc>) -> Result<ContactInput, Failure> {
    let mut i = ContactInput::new(now);
    if let Some(m) = &a.method {
        i.method = code("--method", m, &ContactMethod::ALL)?;
    }
    i.met = Some(code("--met", &a.met, &MetWhom::ALL)?);
    i.response = a
        .response
        .as_deref()
        .map(|x| code("--response", x, &PersonResponse::ALL))
        .transpose()?;
    i.observation = a.observation.clone();
    if let Some(at) = &a.at {
        i.set_when(at).map_err(Failure::usage)?;
    }
    i.duration = a.minutes.map(|m| m.to_string()).unwrap_or_default();
    i.accompaniment = a
        .accompaniment
        .as_deref()
        .map(|x| code("--accompaniment", x, &Accompaniment::ALL))
        .transpose()?;
    i.danger_signs = codes("--danger", &a.danger, &DangerSign::ALL)?;
    i.life_threatening = a.life_threatening;
    i.difficulty = a.difficulty;
    i.reflection = a.reflection.clone().unwrap_or_default();
    i.wants_to_talk = a.wants_to_talk;
    if a.no_next {
        i.next_what.clear();
        i.next_due.clear();
    }
    if let Some(n) = &a.next {
        i.next_what = n.clone();
    }
    if let Some(d) = &a.due {
        i.next_due = d.clone();
    }
    Ok(i)
}

pub(crate) fn contact_add(ctx: &Ctx, mut a: ContactArgs) -> Out {
    free_text::resolve_text("--observation", &mut a.observation)?;
    free_text::resolve("--reflection", &mut a.reflection)?;
    free_text::resolve("--next", &mut a.next)?;
    let pid: PersonId = id(&a.person)?;
    let corrects: Option<ContactId> = a.corrects.as_deref().map(id).transpose()?;
    // Values that do not read are refused before the PIN is asked for.
    input(&a, chrono::Utc::now())?;
    let mut s = ctx.open_unlocked()?;
    let new = input(&a, s.now())?.parse(pid).map_err(form_failure)?;
    let c = match corrects {
        Some(r) => s.correct_contact(r, new),
        None => s.log_contact(new),
    }
    .map_err(|e| ctx.fail(e))?;
    Ok((
        texts::contact_logged(&c.id.to_string()),
        json!({"contact": c}),
    ))
}
