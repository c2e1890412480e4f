//! `outreach person ...`: register, list, show and edit persons, and their
//! household member by member. Options are read through the same form
//! parsers as the tablet app (`outreach_mobile::forms`): a birth year in
//! 和暦, kana in any width, a 町丁 by code or name read the same way.

use clap::{Args, Subcommand};
use outreach_mobile::forms::{FormErrors, MemberInput, PersonInput};
use outreach_mobile::shared::*;
use outreach_mobile::*;
use serde_json::json;

use crate::{Ctx, Failure, Out, code, codes, id, list_persons, person_json};
use crate::{free_text, texts};

#[derive(Subcommand, Debug)]
pub(crate) enum PersonCmd {
    /// 対象者を登録する（気づき）。段階は「把握」から
    Add(PersonArgs),
    /// 対象者の一覧（終結した人も含む）
    List {
        /// 呼び名・ふりがなで絞り込む（半角カナも可）。「-」で標準入力から
        #[arg(long)]
        search: Option<String>,
    },
    /// 対象者の詳細（世帯員のIDも表示）
    Show { person: String },
    /// 世帯員を追加する
    MemberAdd {
        person: String,
        #[command(flatten)]
        member: MemberArgs,
    },
    /// 世帯員を変更する（指定した項目だけ。ほかの世帯員には触れない）
    MemberEdit {
        person: String,
        /// 世帯員のID（`person show` で表示）
        member: String,
        #[command(flatten)]
        fields: MemberArgs,
    },
    /// 世帯員を削除する
    MemberRemove {
        person: String,
        /// 世帯員のID
        member: String,
    },
    /// 対象者の項目を変更する（指定した項目だけ）
    Update {
        person: String,
        #[command(flatten)]
        fields: PersonArgs,
    },
}

#[derive(Args, Debug, Default)]
pub(crate) struct PersonArgs {
    /// 呼び名（登録時は必須）。「-」で標準入力から読む（履歴に残さない）
    #[arg(long)]
    alias: Option<String>,
    /// ふりがな（ひらがな・カタカナ、半角カナも可）。空文字で消去。「-」で標準入力から
    #[arg(long)]
    kana: Option<String>,
    /// 生まれ年（1975 / 昭和50 / S50 / 昭和50年ごろ）
    #[arg(long)]
    birth_year: Option<String>,
    /// 生まれ年は「ごろ」
    #[arg(long)]
    approximate: bool,
    /// 性別: female, male, other, unknown
    #[arg(long)]
    sex: Option<String>,
    /// 町丁（コード sakaecho-2 または 栄町2丁目）
    #[arg(long)]
    area: Option<String>,
    /// 気づきの経路: agency, welfare_commissioner, resident, family, themselves, outreach
    #[arg(long)]
    noticed_by: Option<String>,
    /// 概要。空文字で消去。「-」で標準入力から
    #[arg(long)]
    summary: Option<String>,
    /// 分野（複数可）: elderly, disability, children_parenting, poverty
    #[arg(long = "field")]
    fields: Vec<String>,
    /// 横断的な課題（複数可）: hikikomori, 8050, double_care, young_carer, isolation, scheme_gap
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// 制度の狭間: 合わなかった制度（複数可）
    #[arg(long = "gap-scheme")]
    gap_schemes: Vec<String>,
    /// 制度の狭間: その理由。「-」で標準入力から
    #[arg(long)]
    gap_why: Option<String>,
}

#[derive(Args, Debug, Default)]
pub(crate) struct MemberArgs {
    /// 続柄: parent, child, spouse, sibling, grandparent, grandchild, other_relative, non_relative
    #[arg(long)]
    relation: Option<String>,
    /// 呼び方（例: 母）。「-」で標準入力から
    #[arg(long)]
    alias: Option<String>,
    /// 生まれ年（1944 / 昭和19 / S19）
    #[arg(long)]
    birth_year: Option<String>,
    #[arg(long)]
    approximate: bool,
    /// 同居している（既定）
    #[arg(long, conflicts_with = "lives_apart")]
    lives_together: bool,
    /// 別居している
    #[arg(long)]
    lives_apart: bool,
    /// メモ。「-」で標準入力から
    #[arg(long)]
    note: Option<String>,
    /// 世帯員本人の記録のID（この世帯員も対象者として登録されている場合。同意はそれぞれの記録で確認）
    #[arg(long, conflicts_with = "unlink")]
    linked_person: Option<String>,
    /// 世帯員本人の記録とのつながりを外す（続柄だけを記録）
    #[arg(long)]
    unlink: bool,
}

impl PersonArgs {
    /// Reads the options given as `-` from standard input.
    fn read_stdin(&mut self) -> Result<(), Failure> {
        free_text::resolve("--alias", &mut self.alias)?;
        free_text::resolve("--kana", &mut self.kana)?;
        free_text::resolve("--summary", &mut self.summary)?;
        free_text::resolve("--gap-why", &mut self.gap_why)
    }
}

impl MemberArgs {
    /// Reads the options given as `-` from standard input.
    fn read_stdin(&mut self) -> Result<(), Failure> {
        free_text::resolve("--alias", &mut self.alias)?;
        free_text::resolve("--note", &mut self.note)
    }
}

/// A form's problems as a failure (exit code: invalid input).
pub(crate) fn form_failure(errors: FormErrors) -> Failure {
    Failure {
        code: "invalid",
        message: texts::form_errors(&errors),
        exit: texts::exit::INVALID,
        field_errors: Vec::new(),
    }
}

/// Fills a person's input with the options given (others stay as they are).
fn person_input(mut i: PersonInput, a: &PersonArgs) -> Result<PersonInput, Failure> {
    if let Some(x) = &a.alias {
        i.alias = x.clone();
    }
    if let Some(x) = &a.kana {
        i.kana = x.clone();
    }
    if let Some(x) = &a.birth_year {
        i.birth_year = x.clone();
        i.approximate = a.approximate;
    }
    if let Some(x) = &a.sex {
        i.sex = Some(code("--sex", x, &Sex::ALL)?);
    }
    if let Some(x) = &a.area {
        i.area = x.clone();
    }
    if let Some(x) = &a.noticed_by {
        i.noticed_by = Some(code("--noticed-by", x, &NoticedBy::ALL)?);
    }
    if let Some(x) = &a.summary {
        i.summary = x.clone();
    }
    let classify = !a.fields.is_empty()
        || !a.tags.is_empty()
        || a.gap_why.is_some()
        || !a.gap_schemes.is_empty();
    if classify {
        i.fields = codes("--field", &a.fields, &LifeField::ALL)?;
        i.tags = codes("--tag", &a.tags, &CrossTag::ALL)?;
        i.gap_schemes = codes("--gap-scheme", &a.gap_schemes, &Scheme::ALL)?;
        i.gap_why = a.gap_why.clone().unwrap_or_default();
    }
    Ok(i)
}

/// Fills a member's input with the options given.
fn member_input(mut i: MemberInput, a: &MemberArgs) -> Result<MemberInput, Failure> {
    if let Some(x) = &a.relation {
        i.relation = Some(code("--relation", x, &Relation::ALL)?);
    }
    if let Some(x) = &a.alias {
        i.alias = x.clone();
    }
    if let Some(x) = &a.birth_year {
        i.birth_year = x.clone();
        i.approximate = a.approximate;
    }
    if a.lives_apart {
        i.lives_together = false;
    } else if a.lives_together {
        i.lives_together = true;
    }
    if let Some(x) = &a.note {
        i.note = x.clone();
    }
    if let Some(x) = &a.linked_person {
        i.person = Some(id(x)?);
    } else if a.unlink {
        i.person = None;
    }
    Ok(i)
}

fn done(text: String, p: &Person) -> Out {
    Ok((text, json!({"person": person_json(p)})))
}

pub(crate) fn person(ctx: &Ctx, mut cmd: PersonCmd) -> Out {
    match &mut cmd {
        PersonCmd::Add(a) | PersonCmd::Update { fields: a, .. } => a.read_stdin()?,
        PersonCmd::MemberAdd { member: m, .. } | PersonCmd::MemberEdit { fields: m, .. } => {
            m.read_stdin()?
        }
        PersonCmd::List { search } => free_text::resolve("--search", search)?,
        PersonCmd::Show { .. } | PersonCmd::MemberRemove { .. } => {}
    }
    match cmd {
        PersonCmd::Add(a) => {
            let new = person_input(PersonInput::default(), &a)?
                .parse()
                .map_err(form_failure)?
                .new_person();
            let mut s = ctx.open_unlocked()?;
            let p = s.create_person(new).map_err(|e| ctx.fail(e))?;
            done(texts::person_created(&p.id.to_string()), &p)
        }
        PersonCmd::List { search } => {
            let mut s = ctx.open_unlocked()?;
            let l = match search {
                Some(q) => s.search(&q),
                None => s.persons(),
            }
            .map_err(|e| ctx.fail(e))?;
            list_persons(l)
        }
        PersonCmd::Show { person } => {
            let pid: PersonId = id(&person)?;
            let mut s = ctx.open_unlocked()?;
            let p = s.person(pid).map_err(|e| ctx.fail(e))?;
            done(texts::person_detail(&p), &p)
        }
        PersonCmd::Update { person, fields: a } => {
            let pid: PersonId = id(&person)?;
            let mut s = ctx.open_unlocked()?;
            let current = s.person(pid).map_err(|e| ctx.fail(e))?;
            let changes = person_input(PersonInput::from_person(&current), &a)?
                .parse()
                .map_err(form_failure)?
                .changes();
            let p = s.update_person(pid, changes).map_err(|e| ctx.fail(e))?;
            done(texts::person_updated(&p.id.to_string()), &p)
        }
        PersonCmd::MemberAdd { person, member } => {
            let pid: PersonId = id(&person)?;
            // The store gives the member its id.
            let placeholder = HouseholdMemberId(uuid::Uuid::nil());
            let m = member_input(MemberInput::default(), &member)?
                .parse(placeholder)
                .map_err(form_failure)?;
            let mut s = ctx.open_unlocked()?;
            let p = s.add_household_member(pid, m).map_err(|e| ctx.fail(e))?;
            done(texts::member_saved(&p.id.to_string()), &p)
        }
        PersonCmd::MemberEdit {
            person,
            member,
            fields,
        } => {
            let pid: PersonId = id(&person)?;
            let mid: HouseholdMemberId = id(&member)?;
            let mut s = ctx.open_unlocked()?;
            let current = s.person(pid).map_err(|e| ctx.fail(e))?;
            let Some(was) = current.household.member(mid) else {
                return Err(ctx.fail(StoreError::NotFound {
                    kind: RecordKind::Person,
                    id: mid.to_string(),
                }));
            };
            let m = member_input(MemberInput::from_member(was), &fields)?
                .parse(mid)
                .map_err(form_failure)?;
            let p = s.edit_household_member(pid, m).map_err(|e| ctx.fail(e))?;
            done(texts::member_saved(&p.id.to_string()), &p)
        }
        PersonCmd::MemberRemove { person, member } => {
            let pid: PersonId = id(&person)?;
            let mid: HouseholdMemberId = id(&member)?;
            let mut s = ctx.open_unlocked()?;
            let p = s
                .remove_household_member(pid, mid)
                .map_err(|e| ctx.fail(e))?;
            done(texts::member_removed(&p.id.to_string()), &p)
        }
    }
}
