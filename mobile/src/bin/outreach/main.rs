//! `outreach`: the headless command-line front end of the tablet core, for
//! scripted field simulation, support and tests. It calls
//! [`outreach_mobile::Store`] only: no SQL, no crypto here. Every text for
//! people lives in [`texts`].
//!
//! The PIN comes from the `OUTREACH_PIN` environment variable or a prompt
//! on the terminal. Each run unlocks, does one thing and forgets the keys.
//! Free text (names, notes, reasons) can come from standard input: give the
//! option as `-` ([`free_text`]), so it stays out of the shell's history
//! and the process list.

mod community_cmd;
mod contact_cmd;
mod fixes_cmd;
mod free_text;
mod participation_cmd;
mod person_cmd;
mod sync_cmd;
mod texts;

use chrono::{NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use contact_cmd::ContactCmd;
use outreach_mobile::shared::ja::{self, Label};
use outreach_mobile::shared::*;
use outreach_mobile::*;
use person_cmd::PersonCmd;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "outreach",
    version,
    about = "羽村市アウトリーチ支援: タブレットの暗号化ストアを操作するコマンド"
)]
struct Cli {
    /// データフォルダ（既定: OSのデータフォルダ/hamura-outreach）
    #[arg(long, env = paths::DATA_DIR_ENV, global = true)]
    data_dir: Option<PathBuf>,
    /// 端末の鍵ファイルの場所（既定: OSの設定フォルダ/hamura-outreach/）
    #[arg(long, env = "OUTREACH_DEVICE_SECRET", global = true)]
    device_secret: Option<PathBuf>,
    /// 結果をJSONで出力する（スクリプト用）
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// ストアを作成し、PINを設定する
    Init {
        /// 担当職員のID（UUID）。省略時は仮のIDを作成
        #[arg(long)]
        worker: Option<String>,
        /// チームのID（UUID）
        #[arg(long)]
        team: Option<String>,
        /// 端末のID（UUID）
        #[arg(long)]
        device: Option<String>,
    },
    /// ストアの状態（ロック、PIN誤入力回数、送信待ち）
    Status,
    /// 対象者
    #[command(subcommand)]
    Person(PersonCmd),
    /// 接触記録
    #[command(subcommand)]
    Contact(ContactCmd),
    /// 対象者の経過（接触記録と確認）
    Timeline { person: String },
    /// 関係の段階を変更する（例: trying_to_reach, paused:refused）。終結・つなぎ済は理由（とつなぎ先）が必要
    Stage {
        person: String,
        stage: String,
        /// 終結・つなぎ済の理由。「-」で標準入力から
        #[arg(long)]
        reason: Option<String>,
        /// つなぎ先の機関のID（例: houkatsu-asahi）
        #[arg(long, conflicts_with = "to_resource")]
        to_agency: Option<String>,
        /// つなぎ先の地域資源など（名前）。「-」で標準入力から
        #[arg(long)]
        to_resource: Option<String>,
    },
    /// 本人同意を記録・撤回する
    Consent(ConsentArgs),
    /// 多機関協働へつなぐ
    Escalate(EscalateArgs),
    /// 地域資源の一覧（サーバーから受け取ったもの。端末では変更できない）
    Resources,
    /// 参加支援（ニーズ・地域資源での試行・その後）
    #[command(subcommand)]
    Participation(participation_cmd::ParticipationCmd),
    /// 地域活動（民生委員の定例会、サロン訪問、地域の巡回など。特定の方に限らない活動）
    #[command(subcommand)]
    Community(community_cmd::CommunityCmd),
    /// 担当ケースの一覧（次回予定と期限超過）
    Caseload,
    /// 呼び名・ふりがなで検索する（「-」で標準入力から）
    Search { query: String },
    /// 送信待ちの変更
    #[command(subcommand)]
    Outbox(OutboxCmd),
    /// 破損のため別に保管した記録
    Damaged,
    /// PINを変更する（新しいPINは OUTREACH_NEW_PIN または入力）
    ChangePin,
    /// 鍵をメモリから消去し、WALを書き戻す
    Lock,
    /// サーバーに端末を登録する（スーパーバイザーが発行した登録コードまたは登録用QRコードで）。
    /// 登録済みの端末では、記録を残したまま登録し直す（サーバーの鍵の更新後など）
    Enroll {
        /// 登録用QRコードの内容（hamura-outreach://enrol?...）。--server・--code・--pin の代わり
        #[arg(long, conflicts_with_all = ["server", "code", "pin"])]
        qr: Option<String>,
        /// サーバーのアドレス（例: https://outreach.example.jp）
        #[arg(long, env = "OUTREACH_SERVER", required_unless_present = "qr")]
        server: Option<String>,
        /// 登録コード（1回限り、有効期限あり）
        #[arg(long, required_unless_present = "qr")]
        code: Option<String>,
        /// サーバーの鍵のピン（sha256:...、複数可）。この鍵以外のサーバーには接続しない
        #[arg(long)]
        pin: Vec<String>,
        /// 端末の名前（端末一覧に表示）
        #[arg(long)]
        label: Option<String>,
    },
    /// サーバーと同期する（送信待ちを送り、変更を受け取る）
    Sync,
    /// この端末のデータと鍵をすべて消去する
    Wipe {
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Args, Debug)]
struct ConsentArgs {
    person: String,
    /// none, verbal, written, withdrawn
    #[arg(long)]
    status: String,
    /// 同意の範囲（複数可）: share_with_agencies, multi_layered_meeting, contact_family
    #[arg(long = "scope")]
    scope: Vec<String>,
    /// 同意・撤回の日（省略時は今日。2026-06-01 / R8.6.1 / 令和8年6月1日）
    #[arg(long)]
    date: Option<String>,
}

#[derive(Args, Debug)]
struct EscalateArgs {
    person: String,
    /// つなぐ理由。「-」で標準入力から読む（履歴に残さない）
    #[arg(long)]
    reason: String,
    #[arg(long = "field")]
    fields: Vec<String>,
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// 関与している機関のID（複数可, 例: houkatsu-asahi）
    #[arg(long = "agency")]
    agencies: Vec<String>,
    /// emergency, high, normal
    #[arg(long, default_value = "normal")]
    urgency: String,
    /// 世帯として付議する（本人の記録がある世帯員を含め、会議へは各世帯員の同意に沿ってつなぐ）
    #[arg(long)]
    household: bool,
}

#[derive(Subcommand, Debug)]
enum OutboxCmd {
    /// 送信待ちの件数
    Status,
    /// 送信待ちの変更の一覧（種類とIDのみ）
    List,
    /// サーバーが受け付けなかった変更（要修正）と理由
    Rejected,
    /// 受け付けられなかった変更を、そのままもう一度送る
    Retry { op: String },
    /// 受け付けられなかった変更を破棄する（記録はサーバーの内容に戻る）
    Discard {
        op: String,
        #[arg(long)]
        yes: bool,
    },
}

/// A failure with its code, message and exit code.
pub(crate) struct Failure {
    code: &'static str,
    message: String,
    exit: u8,
    field_errors: Vec<FieldError>,
}

impl Failure {
    pub(crate) fn usage(message: String) -> Failure {
        Failure {
            code: "usage",
            message,
            exit: texts::exit::USAGE,
            field_errors: Vec::new(),
        }
    }

    fn general(message: String) -> Failure {
        Failure {
            code: "failure",
            message,
            exit: texts::exit::FAILURE,
            field_errors: Vec::new(),
        }
    }
}

pub(crate) type Out = Result<(String, Value), Failure>;

/// The idle time of a command's unlocked store.
const CLI_IDLE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

pub(crate) struct Ctx {
    cfg: StoreConfig,
    dir_text: String,
}

impl Ctx {
    pub(crate) fn fail(&self, e: StoreError) -> Failure {
        let (code, message, exit) = texts::store_error(&e, &self.dir_text);
        let field_errors = match e {
            StoreError::Invalid(v) => v.0,
            _ => Vec::new(),
        };
        Failure {
            code,
            message,
            exit,
            field_errors,
        }
    }

    pub(crate) fn open_unlocked(&self) -> Result<Store, Failure> {
        // Each run does one thing and forgets the keys when it ends. The
        // idle time counts a person's taps in the app; a command (a long
        // sync included) is one act, so it runs to its end.
        let cfg = self.cfg.clone().with_idle_timeout(CLI_IDLE);
        let mut s = Store::open(cfg).map_err(|e| self.fail(e))?;
        let pin = read_pin(texts::PIN_PROMPT, "OUTREACH_PIN")?;
        say_unlock_wait(&s);
        s.unlock(&Pin::for_unlock(pin)).map_err(|e| self.fail(e))?;
        Ok(s)
    }
}

/// Tells the person when the unlock will first wait (after interrupted
/// attempts), so a pause is not taken for a hang.
fn say_unlock_wait(s: &Store) {
    if let Ok(wait) = s.unlock_delay()
        && !wait.is_zero()
    {
        eprintln!("{}", texts::unlock_wait(wait.as_secs()));
    }
}

fn read_pin(prompt: &str, env: &str) -> Result<String, Failure> {
    let pin = match std::env::var(env) {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password(prompt).map_err(|_| Failure {
            code: "no_pin",
            message: texts::NO_PIN_SOURCE.into(),
            exit: texts::exit::PIN,
            field_errors: Vec::new(),
        })?,
    };
    if pin.is_empty() {
        return Err(Failure {
            code: "empty_pin",
            message: texts::EMPTY_PIN.into(),
            exit: texts::exit::PIN,
            field_errors: Vec::new(),
        });
    }
    Ok(pin)
}

pub(crate) fn read_new_pin() -> Result<Pin, Failure> {
    let pin = match std::env::var("OUTREACH_NEW_PIN") {
        Ok(p) => p,
        Err(_) => {
            let a = read_pin(texts::NEW_PIN_PROMPT, "OUTREACH_PIN_UNUSED")?;
            let b = read_pin(texts::NEW_PIN_CONFIRM, "OUTREACH_PIN_UNUSED")?;
            if a != b {
                return Err(Failure {
                    code: "pin_mismatch",
                    message: texts::PIN_MISMATCH.into(),
                    exit: texts::exit::PIN,
                    field_errors: Vec::new(),
                });
            }
            a
        }
    };
    Pin::new(pin).map_err(|e| Failure {
        code: "pin_rejected",
        message: texts::pin_rule(&e),
        exit: texts::exit::PIN,
        field_errors: Vec::new(),
    })
}

/// Parses a code (`home_visit`) or a Japanese label (`家庭訪問`).
pub(crate) fn code<T: DeserializeOwned + Serialize + Label + Copy>(
    option: &str,
    text: &str,
    all: &[T],
) -> Result<T, Failure> {
    let t = text.trim();
    if let Some(v) = all.iter().find(|v| v.ja() == t) {
        return Ok(*v);
    }
    serde_json::from_value(Value::String(t.to_owned())).map_err(|_| {
        let allowed: Vec<String> = all
            .iter()
            .filter_map(|v| serde_json::to_value(v).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        Failure::usage(texts::bad_value(option, text, &allowed))
    })
}

pub(crate) fn codes<T: DeserializeOwned + Serialize + Label + Copy + Ord>(
    option: &str,
    texts: &[String],
    all: &[T],
) -> Result<BTreeSet<T>, Failure> {
    texts.iter().map(|t| code(option, t, all)).collect()
}

pub(crate) fn id<T: std::str::FromStr>(text: &str) -> Result<T, Failure> {
    text.trim()
        .parse()
        .map_err(|_| Failure::usage(texts::bad_id(text)))
}

/// A date as people write it (令和 or 西暦), read by `shared::ja`.
fn date(text: &str) -> Result<NaiveDate, Failure> {
    ja::parse_date(text).map_err(|e| Failure::usage(texts::bad_date(text, &e.message_ja())))
}

fn stage_code(text: &str) -> Result<Stage, Failure> {
    let t = text.trim();
    let all: Vec<Stage> = Stage::PATH
        .into_iter()
        .chain(PauseReason::ALL.map(Stage::Paused))
        .collect();
    all.iter()
        .copied()
        .find(|s| s.code() == t || s.ja() == t)
        .ok_or_else(|| {
            let allowed: Vec<String> = all.iter().map(Stage::code).collect();
            Failure::usage(texts::bad_value("stage", text, &allowed))
        })
}

pub(crate) fn person_json(p: &Person) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

pub(crate) fn with_damaged(mut text: String, damaged: &[DamagedRecord]) -> String {
    if !damaged.is_empty() {
        text.push('\n');
        text.push_str(&texts::damaged_listed(damaged.len()));
    }
    text
}

fn run(cli: Cli) -> Out {
    let json_out = cli.json;
    let data_dir = paths::choose_data_dir(cli.data_dir.clone())
        .ok_or_else(|| Failure::usage(texts::NO_DATA_DIR.into()))?;
    let mut cfg = StoreConfig::new(&data_dir);
    if let Some(s) = &cli.device_secret {
        cfg = cfg.with_device_secret_path(s);
    }
    let ctx = Ctx {
        cfg,
        dir_text: data_dir.display().to_string(),
    };
    match cli.command {
        Command::Init {
            worker,
            team,
            device,
        } => {
            let identity = match (worker, team, device) {
                (None, None, None) => None,
                (w, t, d) => {
                    let now = Utc::now().timestamp_millis().max(0) as u64;
                    let rnd = || -> [u8; 10] {
                        let mut b = [0u8; 10];
                        let _ = getrandom::fill(&mut b);
                        b
                    };
                    Some(Identity {
                        user_id: w
                            .map(|x| id(&x))
                            .transpose()?
                            .unwrap_or(UserId::new_v7(now, rnd())),
                        team_id: t
                            .map(|x| id(&x))
                            .transpose()?
                            .unwrap_or(TeamId::new_v7(now, rnd())),
                        device_id: d
                            .map(|x| id(&x))
                            .transpose()?
                            .unwrap_or(DeviceId::new_v7(now, rnd())),
                    })
                }
            };
            if Store::exists(&ctx.cfg) {
                return Err(ctx.fail(StoreError::AlreadyInitialized));
            }
            let pin = read_new_pin()?;
            let s = Store::init(ctx.cfg.clone(), &pin, identity, KdfParams::PRODUCTION)
                .map_err(|e| ctx.fail(e))?;
            let ident = s.identity();
            Ok((
                texts::INIT_DONE.into(),
                json!({"initialized": true, "identity": ident}),
            ))
        }
        Command::Status => {
            let mut s = Store::open(ctx.cfg.clone()).map_err(|e| ctx.fail(e))?;
            let st = s.status().map_err(|e| ctx.fail(e))?;
            let (sync_text, sync_json) = sync_cmd::sync_status(&s);
            let text = format!("{}\n{sync_text}", texts::status(&st));
            let mut value = serde_json::to_value(&st).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut value {
                m.insert("sync".into(), sync_json);
            }
            Ok((text, value))
        }
        Command::Enroll {
            qr,
            server,
            code,
            pin,
            label,
        } => {
            let target = sync_cmd::enrol_target(qr, server, code, pin)?;
            sync_cmd::enroll_cmd(&ctx, &target, label)
        }
        Command::Sync => sync_cmd::sync_cmd(&ctx, json_out),
        Command::Person(cmd) => person_cmd::person(&ctx, cmd),
        Command::Contact(ContactCmd::Add(a)) => contact_cmd::contact_add(&ctx, a),
        Command::Timeline { person } => timeline(&ctx, &person),
        Command::Resources => participation_cmd::resources(&ctx),
        Command::Participation(cmd) => participation_cmd::participation(&ctx, cmd),
        Command::Community(cmd) => community_cmd::community(&ctx, cmd),
        Command::Stage {
            person,
            stage,
            mut reason,
            to_agency,
            mut to_resource,
        } => {
            free_text::resolve("--reason", &mut reason)?;
            free_text::resolve("--to-resource", &mut to_resource)?;
            let pid: PersonId = id(&person)?;
            let to = stage_code(&stage)?;
            let handed_to = match (to_agency, to_resource) {
                (Some(a), _) => Some(HandedTo::Agency(AgencyId::new(a.trim()))),
                (None, Some(r)) => Some(HandedTo::Resource(r.trim().to_owned())),
                (None, None) => None,
            };
            let note = (reason.is_some() || handed_to.is_some()).then(|| StageNote {
                reason: reason.unwrap_or_default().trim().to_owned(),
                handed_to,
            });
            let mut s = ctx.open_unlocked()?;
            let p = s
                .change_stage_with(pid, to, note)
                .map_err(|e| ctx.fail(e))?;
            Ok((
                texts::stage_changed(p.stage.ja()),
                json!({"person": person_json(&p)}),
            ))
        }
        Command::Consent(a) => {
            let pid: PersonId = id(&a.person)?;
            let status = code("--status", &a.status, &ConsentStatus::ALL)?;
            let scope = codes("--scope", &a.scope, &ConsentScope::ALL)?;
            let d = a.date.as_deref().map(date).transpose()?;
            let mut s = ctx.open_unlocked()?;
            let day = d.unwrap_or_else(|| ja::local_date(s.now()));
            let record = match status {
                ConsentStatus::None => ConsentRecord {
                    scope,
                    ..ConsentRecord::none()
                },
                _ => ConsentRecord {
                    status,
                    scope,
                    date: Some(day),
                    recorded_by: Some(s.identity().user_id),
                },
            };
            let p = s.record_consent(pid, record).map_err(|e| ctx.fail(e))?;
            Ok((
                texts::consent_recorded(p.consent.status.ja()),
                json!({"person": person_json(&p)}),
            ))
        }
        Command::Escalate(mut a) => {
            free_text::resolve_text("--reason", &mut a.reason)?;
            let pid: PersonId = id(&a.person)?;
            let new = NewEscalation {
                person_id: pid,
                reason: a.reason,
                fields: codes("--field", &a.fields, &LifeField::ALL)?,
                tags: codes("--tag", &a.tags, &CrossTag::ALL)?,
                agencies_involved: a.agencies.iter().map(|x| AgencyId::new(x.trim())).collect(),
                urgency: code("--urgency", &a.urgency, &Urgency::ALL)?,
                for_household: a.household,
            };
            let mut s = ctx.open_unlocked()?;
            let e = s.escalate(new).map_err(|e| ctx.fail(e))?;
            Ok((
                texts::escalated(e.route.ja(), &e.case_id.to_string()),
                json!({"escalation": e}),
            ))
        }
        Command::Caseload => caseload(&ctx),
        Command::Search { mut query } => {
            free_text::resolve_text("query", &mut query)?;
            let mut s = ctx.open_unlocked()?;
            let l = s.search(&query).map_err(|e| ctx.fail(e))?;
            list_persons(l)
        }
        Command::Outbox(OutboxCmd::Status) => {
            let s = Store::open(ctx.cfg.clone()).map_err(|e| ctx.fail(e))?;
            let st = s.outbox_status().map_err(|e| ctx.fail(e))?;
            Ok((
                texts::outbox_status(
                    st.pending,
                    st.rejected,
                    st.oldest_created_at.map(ja::local_datetime),
                ),
                serde_json::to_value(&st).unwrap_or(Value::Null),
            ))
        }
        Command::Outbox(OutboxCmd::List) => {
            let mut s = ctx.open_unlocked()?;
            let mut l = s.outbox_batch(usize::MAX).map_err(|e| ctx.fail(e))?;
            let mut r = s.outbox_rejected().map_err(|e| ctx.fail(e))?;
            l.items.append(&mut r.items);
            l.damaged.append(&mut r.damaged);
            l.items.sort_by_key(|e| e.seq);
            let rows: Vec<Value> = l
                .items
                .iter()
                .map(|e| {
                    json!({"seq": e.seq, "op_id": e.op.id, "type": e.op.payload.type_name(),
                           "entity": e.op.entity, "hlc": e.op.hlc, "attempts": e.attempts,
                           "rejected": e.rejection.is_some()})
                })
                .collect();
            let text = l
                .items
                .iter()
                .map(texts::outbox_line)
                .collect::<Vec<_>>()
                .join("\n");
            Ok((
                with_damaged(text, &l.damaged),
                json!({"operations": rows, "damaged": l.damaged}),
            ))
        }
        Command::Outbox(OutboxCmd::Rejected) => fixes_cmd::rejected(&ctx),
        Command::Outbox(OutboxCmd::Retry { op }) => fixes_cmd::retry(&ctx, &op),
        Command::Outbox(OutboxCmd::Discard { op, yes }) => fixes_cmd::discard(&ctx, &op, yes),
        Command::Damaged => {
            let s = Store::open(ctx.cfg.clone()).map_err(|e| ctx.fail(e))?;
            let d = s.damaged_records().map_err(|e| ctx.fail(e))?;
            let text = d
                .iter()
                .map(|r| {
                    format!(
                        "{}  {}  {}",
                        ja::local_datetime(r.detected_at),
                        r.table,
                        r.id
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((text, json!({"damaged": d})))
        }
        Command::ChangePin => {
            let mut s = Store::open(ctx.cfg.clone()).map_err(|e| ctx.fail(e))?;
            let old = read_pin(texts::PIN_PROMPT, "OUTREACH_PIN")?;
            let new = read_new_pin()?;
            say_unlock_wait(&s);
            s.change_pin(&Pin::for_unlock(old), &new)
                .map_err(|e| ctx.fail(e))?;
            Ok((texts::PIN_CHANGED.into(), json!({"pin_changed": true})))
        }
        Command::Lock => {
            let mut s = Store::open(ctx.cfg.clone()).map_err(|e| ctx.fail(e))?;
            s.lock();
            s.checkpoint().map_err(|e| ctx.fail(e))?;
            Ok((texts::LOCKED_DONE.into(), json!({"locked": true})))
        }
        Command::Wipe { yes } => {
            if !yes {
                return Err(Failure::usage(texts::WIPE_NEEDS_YES.into()));
            }
            match Store::open(ctx.cfg.clone()) {
                Ok(s) => s.wipe().map_err(|e| ctx.fail(e))?,
                Err(StoreError::NotInitialized) => {
                    return Err(ctx.fail(StoreError::NotInitialized));
                }
                // A database that does not open is still wiped.
                Err(_) => Store::wipe_files(&ctx.cfg).map_err(|e| ctx.fail(e))?,
            }
            Ok((texts::WIPE_DONE.into(), json!({"wiped": true})))
        }
    }
}

pub(crate) fn list_persons(l: Listing<Person>) -> Out {
    let text = if l.items.is_empty() {
        texts::NO_PERSONS.to_owned()
    } else {
        l.items
            .iter()
            .map(texts::person_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok((
        with_damaged(text, &l.damaged),
        json!({"persons": l.items, "damaged": l.damaged}),
    ))
}

fn timeline(ctx: &Ctx, person: &str) -> Out {
    let pid: PersonId = id(person)?;
    let mut s = ctx.open_unlocked()?;
    let t = s.timeline(pid).map_err(|e| ctx.fail(e))?;
    let text = texts::timeline(&t);
    Ok((
        with_damaged(text, &t.damaged),
        serde_json::to_value(&t).unwrap_or(Value::Null),
    ))
}

fn caseload(ctx: &Ctx) -> Out {
    let mut s = ctx.open_unlocked()?;
    let cl = s.caseload().map_err(|e| ctx.fail(e))?;
    let text = texts::caseload(&cl);
    Ok((
        with_damaged(text, &cl.damaged),
        serde_json::to_value(&cl).unwrap_or(Value::Null),
    ))
}

fn main() -> ExitCode {
    // A panic message could quote a record: print a fixed text instead.
    std::panic::set_hook(Box::new(|_| eprintln!("{}", texts::PANIC)));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(texts::exit::USAGE),
            };
        }
    };
    let json_out = cli.json;
    match run(cli) {
        Ok((text, value)) => {
            if json_out {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else if !text.is_empty() {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(f) => {
            if json_out {
                let v =
                    json!({"error": f.code, "message": f.message, "field_errors": f.field_errors});
                eprintln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                eprintln!("outreach: {}", f.message);
            }
            ExitCode::from(f.exit)
        }
    }
}
