//! Every text the `outreach` CLI shows a person, in one place. Workers read
//! Japanese; codes and ids stay as they are so scripts can match them.
//! No text here ever includes a record's content except where the worker
//! asked to see that record (`person show`, `timeline`, ...).

use outreach_mobile::shared::ja::{self, Label};
use outreach_mobile::shared::{
    AreaCode, FieldError, LocalResource, ParticipationEntry, ParticipationRecord, Person,
};
use outreach_mobile::{
    Caseload, MAX_WRONG_PINS, OutboxEntry, PinError, RecordKind, StoreError, StoreStatus, Timeline,
};

pub const PIN_PROMPT: &str = "PINを入力してください: ";
pub const NEW_PIN_PROMPT: &str = "新しいPINを入力してください（6文字以上）: ";
pub const NEW_PIN_CONFIRM: &str = "確認のため、もう一度入力してください: ";
pub const PIN_MISMATCH: &str = "2回入力したPINが一致しません。もう一度やり直してください。";
pub const EMPTY_PIN: &str = "PINが空です。PINを入力してください（空のPINは試行回数に数えません）。";
pub const NO_PIN_SOURCE: &str =
    "PINを読み取れません。端末から実行するか、環境変数 OUTREACH_PIN にPINを設定してください。";
pub const INIT_DONE: &str = "暗号化ストアを作成しました。PINは忘れないようにしてください（PINを忘れるとデータは読めません）。";
pub const LOCKED_DONE: &str =
    "ロックしました。鍵はメモリから消去され、記録は暗号化されたままです。";
pub const WIPE_NEEDS_YES: &str = "ワイプすると、この端末のデータと鍵はすべて消去され、元に戻せません。実行するには --yes を付けてください。";
pub const WIPE_DONE: &str = "この端末のデータと鍵を消去しました。";
pub const PIN_CHANGED: &str = "PINを変更しました。";
pub const NO_PERSONS: &str = "該当する対象者はいません。";
pub const NO_CONTACTS: &str = "接触記録はまだありません。";
pub const CASELOAD_EMPTY: &str = "担当ケースはありません。";
pub const NO_DATA_DIR: &str = "データフォルダを --data-dir で指定してください。";
pub const PANIC: &str = "outreach: 内部エラーが発生しました。記録は保存済みの状態のままです。もう一度実行し、繰り返す場合はシステム担当者に連絡してください。";

/// The exit code for each kind of failure.
pub mod exit {
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const PIN: u8 = 3;
    pub const KEYS: u8 = 4;
    pub const INVALID: u8 = 5;
    pub const NOT_FOUND: u8 = 6;
    pub const DAMAGED: u8 = 7;
    /// Sync or enrolment did not complete (see the message).
    pub const SYNC: u8 = 8;
}

// ---- enrolment and sync -------------------------------------------------

pub const DEFAULT_DEVICE_LABEL: &str = "アウトリーチ端末";
pub const NOT_ENROLLED: &str = "この端末はまだサーバーに登録されていません。スーパーバイザーから登録コードを受け取り、`outreach enroll --server アドレス --code コード` で登録してください。";
pub const RUNTIME_FAILED: &str = "通信の準備ができませんでした。もう一度実行してください。";
pub const SYNC_WAITING: &str = "サーバーに接続できません。少し待ってから再試行します…";
pub const SYNC_DONE_LINE: &str = "同期が完了しました。";

pub fn bad_server_url(url: &str) -> String {
    format!(
        "サーバーのアドレス「{url}」は使えません。https:// で始まるアドレスを指定してください。"
    )
}

pub fn stdin_prompt(option: &str) -> String {
    format!("{option} の内容を入力してください（Enterで確定）: ")
}

pub fn stdin_once(option: &str) -> String {
    format!(
        "{option} も標準入力から読もうとしましたが、パイプで渡せる標準入力は1回の実行で1項目だけです。残りの項目は別のコマンド（例: person update）で渡すか、端末から入力してください。"
    )
}

pub fn stdin_unreadable(option: &str) -> String {
    format!("{option} の内容を標準入力から読み取れませんでした（UTF-8の文字で渡してください）。")
}

pub fn unlock_wait(secs: u64) -> String {
    format!(
        "前回までのPINの確認が途中で中断されたため、{secs}秒待ってから確認します（鍵は消去されません）…"
    )
}

pub fn plain_http_server(url: &str) -> String {
    format!(
        "サーバーのアドレス「{url}」は暗号化されていない http:// のため使えません（記録が読まれたり、偽のサーバーに消去を命じられたりするおそれがあります）。https:// で始まるアドレスを指定してください（http:// はこの端末の中で動く試験用サーバー 127.0.0.1 / localhost だけに使えます）。"
    )
}

pub fn enrolled(name: &str, url: &str) -> String {
    format!("{name}さんの端末として {url} に登録しました。")
}

pub fn sync_pushing(done: u64, total: u64) -> String {
    let width = 30usize;
    let filled = if total == 0 {
        width
    } else {
        (done.min(total) as usize * width) / total as usize
    };
    format!(
        "送信中 [{}{}] {done}/{total}件",
        "#".repeat(filled),
        "-".repeat(width - filled)
    )
}

pub fn sync_pulling(pulled: u64) -> String {
    format!("受信中 {pulled}件")
}

pub fn sync_done(sent: u64, refused: u64, pulled: u64, conflicts: u64, waiting: u64) -> String {
    let mut s = format!("同期しました。送信 {sent}件、受信 {pulled}件。");
    if refused > 0 || waiting > 0 {
        s.push_str(&format!(
            "\nサーバーが受け付けなかった変更が {waiting}件あります。`outreach outbox list` で理由を確認し、記録を直してください。"
        ));
    }
    if conflicts > 0 {
        s.push_str(&format!(
            "\n同じ項目が別の端末でも変更されていました（{conflicts}件）。対象者の経過で両方の内容を確認してください。"
        ));
    }
    s
}

pub fn sync_state(s: &outreach_mobile::store::SyncState) -> String {
    let server = s.server_url.as_deref().unwrap_or("未登録");
    let last = s
        .last_success_at
        .map(ja::local_datetime)
        .unwrap_or_else(|| "まだありません".into());
    let mut out = format!("サーバー: {server}\n最後に同期した日時: {last}");
    if let Some(e) = &s.last_error {
        out.push_str(&format!("\n前回の同期のエラー: {e}"));
    }
    out
}

fn kind_ja(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Person => "対象者",
        RecordKind::Contact => "接触記録",
        RecordKind::Case => "ケース",
        RecordKind::Review => "確認",
        RecordKind::Conflict => "競合記録",
        RecordKind::OutboxOperation => "送信待ちの変更",
        RecordKind::Resource => "地域資源",
        RecordKind::Participation => "参加支援の記録",
        RecordKind::CommunityActivity => "地域活動の記録",
    }
}

pub fn pin_rule(e: &PinError) -> String {
    match e {
        PinError::TooShort { min } => format!("PINは{min}文字以上にしてください。"),
        PinError::TooLong { max } => format!("PINは{max}文字以内にしてください。"),
        PinError::ControlCharacter => "PINに使えない文字が含まれています。".into(),
    }
}

pub fn not_initialized(dir: &str) -> String {
    format!("データフォルダ {dir} にストアがありません。先に `outreach init` を実行してください。")
}

/// A machine-readable code, the Japanese message and the exit code of an
/// error.
pub fn store_error(e: &StoreError, dir: &str) -> (&'static str, String, u8) {
    use StoreError as E;
    match e {
        E::NotInitialized => ("not_initialized", not_initialized(dir), exit::FAILURE),
        E::AlreadyInitialized => (
            "already_initialized",
            format!("データフォルダ {dir} には既にストアがあります。作り直す場合は先に `outreach wipe --yes` を実行してください。"),
            exit::FAILURE,
        ),
        E::Locked => ("locked", "ロックされています。PINで解除してください。".into(), exit::KEYS),
        E::WrongPin { remaining } => (
            "wrong_pin",
            format!("PINが違います。あと{remaining}回間違えると、この端末のデータは読めなくなります。"),
            exit::PIN,
        ),
        E::KeyDestroyed => (
            "key_destroyed",
            "PINの誤入力が続いたため、またはワイプにより、鍵は消去されています。この端末のデータは読めません。スーパーバイザーに連絡し、端末を登録し直してください。".into(),
            exit::KEYS,
        ),
        E::PinRejected(p) => ("pin_rejected", pin_rule(p), exit::PIN),
        E::DeviceSecretMissing => (
            "device_secret_missing",
            "この端末の鍵ファイルが見つかりません。データフォルダだけを別の端末に移しても開けません。システム担当者に連絡してください。".into(),
            exit::KEYS,
        ),
        E::DeviceSecretExists => (
            "device_secret_exists",
            "指定された場所に以前の鍵ファイルが残っています。上書きはしません。別の場所を --device-secret で指定するか、システム担当者に連絡してください。".into(),
            exit::KEYS,
        ),
        E::DeviceSecretUnsafe(_) => (
            "device_secret_unsafe",
            "この端末の鍵ファイルの権限または内容が正しくありません（他の利用者が読める状態など）。システム担当者に連絡してください。".into(),
            exit::KEYS,
        ),
        E::KeyStore(_) => (
            "key_store",
            "端末の鍵の保管庫（Android キーストア / iOS キーチェーン）を使えません。端末のロックを解除し、画面ロック（パスコード）が設定されていることを確かめてから、もう一度お試しください。".into(),
            exit::KEYS,
        ),
        E::NoDeviceSecretLocation => (
            "no_device_secret_location",
            "鍵ファイルの置き場所が決まりません。--device-secret で指定してください。".into(),
            exit::USAGE,
        ),
        E::Invalid(errors) => ("invalid", field_errors(&errors.0), exit::INVALID),
        E::NotFound { kind, id } => (
            "not_found",
            format!("{}（ID {id}）がこの端末に見つかりません。IDを確かめてください。", kind_ja(*kind)),
            exit::NOT_FOUND,
        ),
        E::AlreadyCorrected { id } => (
            "already_corrected",
            format!("接触記録（ID {id}）は既に訂正されています。最新の版を訂正してください。"),
            exit::INVALID,
        ),
        E::Damaged { kind, id } => (
            "damaged",
            format!("{}（ID {id}）は破損しているため開けません。別に保管しました。ほかの記録は使えます。", kind_ja(*kind)),
            exit::DAMAGED,
        ),
        E::SchemaTooNew { .. } => (
            "schema_too_new",
            "このデータは新しいバージョンのアプリで作られています。アプリを更新してください。".into(),
            exit::FAILURE,
        ),
        E::KeyringCorrupt(_) => (
            "keyring_corrupt",
            "鍵の情報が壊れています。システム担当者に連絡してください。".into(),
            exit::KEYS,
        ),
        E::Random | E::Crypto | E::Encode => (
            "internal",
            "暗号処理に失敗しました。もう一度実行してください。".into(),
            exit::FAILURE,
        ),
        E::Db(_) => (
            "database",
            "データベースの読み書きに失敗しました。空き容量を確認し、もう一度実行してください。".into(),
            exit::FAILURE,
        ),
        E::Io(_) => (
            "io",
            "ファイルの読み書きに失敗しました。データフォルダの場所と権限を確認してください。".into(),
            exit::FAILURE,
        ),
    }
}

pub fn field_errors(errors: &[FieldError]) -> String {
    let mut out = String::from("入力内容を確認してください。");
    for e in errors {
        out.push_str("\n  ・");
        out.push_str(&e.message_ja());
    }
    out
}

pub fn bad_value(option: &str, value: &str, allowed: &[String]) -> String {
    format!(
        "{option} の値「{value}」は使えません。次のいずれかを指定してください: {}",
        allowed.join(", ")
    )
}

pub fn bad_id(value: &str) -> String {
    format!(
        "ID「{value}」の形式が正しくありません。`outreach person list` で表示されるIDを指定してください。"
    )
}

pub fn bad_date(value: &str, why: &str) -> String {
    format!("日付「{value}」: {why}")
}

/// The problems of a form (as the tablet's form shows them).
pub fn form_errors(errors: &[(String, String)]) -> String {
    let mut out = String::from("入力内容を確認してください。");
    for (_, m) in errors {
        out.push_str("\n  ・");
        out.push_str(m);
    }
    out
}

pub fn member_saved(person: &str) -> String {
    format!("世帯員を保存しました。対象者ID: {person}")
}

pub fn member_removed(person: &str) -> String {
    format!("世帯員を削除しました。対象者ID: {person}")
}

pub const NO_REJECTED: &str = "サーバーが受け付けなかった変更はありません。";
pub const REJECTED_RETRIED: &str = "変更を送信待ちに戻しました。次の同期でもう一度送ります。";
pub const REJECTED_DISCARDED: &str = "変更を破棄しました。記録はサーバーにある内容に戻ります。";
pub const DISCARD_NEEDS_YES: &str =
    "破棄した変更は元に戻せません。実行するには --yes を付けてください。";

/// One refused change: id, when, what, why.
pub fn rejected_line(op: &str, when: &str, what: &str, why: &[String]) -> String {
    let mut out = format!("{op}  {when}  {what}");
    for w in why {
        out.push_str("\n    理由: ");
        out.push_str(w);
    }
    out
}

pub fn person_created(id: &str) -> String {
    format!("対象者を登録しました。ID: {id}")
}

pub fn person_updated(id: &str) -> String {
    format!("対象者（ID {id}）を更新しました。")
}

pub fn participation_recorded(id: &str) -> String {
    format!("参加支援の記録を保存しました。ID: {id}")
}

pub fn bad_area(text: &str) -> String {
    format!("町丁「{text}」が分かりません。sakaecho-1 のように指定してください。")
}

/// The 地域資源 catalogue, one line each.
pub fn resources(all: &[LocalResource]) -> String {
    if all.is_empty() {
        return "地域資源はまだ届いていません（同期すると届きます）。".into();
    }
    all.iter()
        .map(|r| {
            let areas = if r.areas.is_empty() {
                "市内全域".to_owned()
            } else {
                r.areas
                    .iter()
                    .map(AreaCode::name_ja)
                    .collect::<Vec<_>>()
                    .join("、")
            };
            format!(
                "{}［{}］{}／{}／{}／{}{}  ID: {}",
                r.name,
                r.kind.ja(),
                areas,
                r.for_whom,
                r.days,
                r.contact,
                if r.accepts_new {
                    ""
                } else {
                    "（受入停止中）"
                },
                r.id
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A person's trials and open unmet needs.
pub fn participation(
    trials: &[outreach_mobile::shared::participation::TrialState<'_>],
    unmet: &[&ParticipationRecord],
) -> String {
    let mut lines = Vec::new();
    for t in trials {
        if let ParticipationEntry::Trial { resource_name, .. } = &t.trial.entry {
            let state = t.outcome().map(|o| o.ja()).unwrap_or("提案");
            lines.push(format!(
                "試行：{resource_name}（{state}）  ID: {}",
                t.trial.id
            ));
        }
    }
    for u in unmet {
        if let Some(n) = u.unmet() {
            lines.push(format!(
                "資源がないニーズ：{}（{}）  ID: {}",
                n.description,
                n.area.name_ja(),
                u.id
            ));
        }
    }
    if lines.is_empty() {
        "参加支援の記録はまだありません。".into()
    } else {
        lines.join("\n")
    }
}

pub fn contact_logged(id: &str) -> String {
    format!("接触記録を保存しました。ID: {id}")
}

pub fn stage_changed(label: &str) -> String {
    format!("関係の段階を「{label}」に変更しました。")
}

pub fn consent_recorded(label: &str) -> String {
    format!("本人同意を「{label}」として記録しました。")
}

pub fn escalated(route: &str, id: &str) -> String {
    format!("多機関協働へつなぎました（{route}）。ケースID: {id}")
}

pub fn outbox_status(pending: u64, rejected: u64, oldest: Option<String>) -> String {
    let mut s =
        format!("送信待ち: {pending}件（うちサーバーで受け付けられなかったもの: {rejected}件）");
    if let Some(o) = oldest {
        s.push_str(&format!("\n最も古い変更: {o}"));
    }
    s
}

pub fn damaged_listed(n: usize) -> String {
    format!("※ 破損のため開けなかった記録が{n}件あり、別に保管しました。")
}

pub fn overdue_days(days: i64) -> String {
    format!("期限超過 {days}日")
}

pub fn person_line(p: &Person) -> String {
    let kana = p
        .kana
        .as_deref()
        .map(|k| format!("（{k}）"))
        .unwrap_or_default();
    format!("{}  {}{}  [{}]", p.id, p.alias, kana, p.stage.ja())
}

pub fn person_detail(p: &Person) -> String {
    let mut s = vec![format!("ID: {}", p.id), format!("呼び名: {}", p.alias)];
    if let Some(k) = &p.kana {
        s.push(format!("ふりがな: {k}"));
    }
    if let Some(b) = p.birth_year {
        s.push(format!("生まれ年: {}", ja::birth_year(b)));
    }
    if let Some(x) = p.sex {
        s.push(format!("性別: {}", x.ja()));
    }
    if let Some(a) = &p.area {
        s.push(format!("地区: {}", a.name_ja()));
    }
    if let Some(n) = p.noticed_by {
        s.push(format!("気づきの経路: {}", n.ja()));
    }
    if let Some(x) = &p.summary {
        s.push(format!("概要: {x}"));
    }
    if !p.fields.is_empty() || !p.tags.is_empty() {
        let f: Vec<&str> = p
            .fields
            .iter()
            .map(Label::ja)
            .chain(p.tags.iter().map(Label::ja))
            .collect();
        s.push(format!("分野・課題: {}", f.join("、")));
    }
    for m in &p.household.members {
        let mut line = format!("世帯員 {}: {}", m.id, m.relation.ja());
        if let Some(a) = &m.alias {
            line.push_str(&format!("（{a}）"));
        }
        if let Some(b) = m.birth_year {
            line.push_str(&format!(" {}", ja::birth_year(b)));
        }
        line.push_str(if m.lives_together {
            " 同居"
        } else {
            " 別居"
        });
        if let Some(n) = &m.note {
            line.push_str(&format!(" {n}"));
        }
        s.push(line);
    }
    s.push(format!(
        "関係の段階: {}",
        ja::stage_with_note(p.stage, p.stage_note.as_ref())
    ));
    if let Some(n) = &p.stage_note {
        s.push(format!("段階の理由: {}", n.reason));
    }
    let consent = match p.consent.date {
        Some(d) => format!("{}（{}）", p.consent.status.ja(), ja::era_date(d)),
        None => p.consent.status.ja().to_owned(),
    };
    s.push(format!("本人同意: {consent}"));
    s.push(format!("登録: {}", ja::local_datetime(p.created_at)));
    s.join("\n")
}

/// A person's timeline, newest first.
pub fn timeline(t: &Timeline) -> String {
    let mut lines = vec![person_line(&t.person)];
    if t.entries.is_empty() {
        lines.push(NO_CONTACTS.into());
    }
    for e in &t.entries {
        let c = &e.contact;
        let mut line = format!(
            "{}  {}  {}{}",
            ja::local_datetime(c.occurred_at),
            c.method.ja(),
            c.met.ja(),
            c.response
                .map(|r| format!("（{}）", r.ja()))
                .unwrap_or_default()
        );
        if !e.current {
            line.push_str("  [訂正済み]");
        }
        if let Some(r) = &e.review {
            line.push_str(&format!("  確認: {}", r.status.ja()));
        }
        lines.push(line);
        if !c.observation.is_empty() {
            lines.push(format!("    {}", c.observation));
        }
        if let Some(n) = &c.next_action {
            lines.push(format!(
                "    次回: {}（{}まで）",
                n.what,
                ja::era_date(n.due)
            ));
        }
        lines.push(format!("    ID: {}", c.id));
    }
    for c in &t.cases {
        if let Some(v) = &c.status {
            lines.push(format!(
                "ケース {}: {}（{}）",
                c.case_id,
                v.status.ja(),
                v.route.ja()
            ));
        } else if let Some(e) = &c.escalation {
            lines.push(format!(
                "ケース {}: 送信待ち（{}）",
                c.case_id,
                e.route.ja()
            ));
        }
    }
    lines.join("\n")
}

/// The caseload, overdue first.
pub fn caseload(cl: &Caseload) -> String {
    let mut lines = vec![format!(
        "{} 現在 {}件（期限超過 {}件）",
        ja::era_date_weekday(cl.today),
        cl.entries.len(),
        cl.overdue
    )];
    if cl.entries.is_empty() {
        lines.push(CASELOAD_EMPTY.into());
    }
    for e in &cl.entries {
        let next = match &e.next_action {
            Some(n) if e.overdue => format!(
                "{}  {}（{}）",
                overdue_days(e.days_overdue),
                n.what,
                ja::era_date(n.due)
            ),
            Some(n) => format!("次回 {}（{}）", n.what, ja::era_date(n.due)),
            None => "次回予定なし".into(),
        };
        let last = e
            .last_contact_at
            .map(|t| format!("  最終接触 {}", ja::local_datetime(t)))
            .unwrap_or_default();
        let flag = if e.safety_concern { "  ⚠安全" } else { "" };
        lines.push(format!(
            "{}\n    {next}{last}{flag}",
            person_line(&e.person)
        ));
    }
    lines.join("\n")
}

/// The store's state.
pub fn status(st: &StoreStatus) -> String {
    format!(
        "スキーマ: v{}\n鍵: {}\nPIN誤入力: {}回（{}回で鍵を消去）\n中断されたPIN確認: {}回（鍵は消去されません）\n{}\n破損のため保管中の記録: {}件",
        st.schema_version,
        if st.key_destroyed {
            "消去済み"
        } else {
            "あり（PINで解除）"
        },
        st.wrong_pins,
        MAX_WRONG_PINS,
        st.interrupted_unlocks,
        outbox_status(
            st.outbox.pending,
            st.outbox.rejected,
            st.outbox.oldest_created_at.map(ja::local_datetime)
        ),
        st.damaged_records
    )
}

/// One line of `outbox list`.
pub fn outbox_line(e: &OutboxEntry) -> String {
    format!(
        "{:>5}  {}  {}  {}{}",
        e.seq,
        ja::local_datetime(e.created_at),
        e.op.payload.type_name(),
        e.op.id,
        if e.rejection.is_some() {
            "  (受付不可)"
        } else {
            ""
        }
    )
}

// 地域づくり: community activities (issue 18).

pub fn bad_when(value: &str) -> String {
    format!(
        "日時「{value}」が読めません。「2026-06-01 14:30」「R8.6.1 14:30」のように、日付と時刻を続けて指定してください。"
    )
}

pub fn bad_participants(value: &str) -> String {
    format!(
        "参加者「{value}」が読めません。welfare_commissioner=8 のように「役割=人数」で指定してください。"
    )
}

/// The community activities, newest first, one block each.
pub fn community(all: &[outreach_mobile::shared::CommunityActivity]) -> String {
    if all.is_empty() {
        return "地域活動の記録はまだありません。".into();
    }
    all.iter()
        .map(|a| {
            let who = a
                .participants
                .iter()
                .map(|p| format!("{} {}人", p.role.ja(), p.count))
                .collect::<Vec<_>>()
                .join("、");
            let mut s = format!(
                "{}  {}  {}\n  参加: {who}\n  わかったこと: {}",
                ja::local_datetime(a.held_at),
                a.area.name_ja(),
                a.kind.ja(),
                a.learned
            );
            if let Some(f) = &a.follow_up {
                s.push_str(&format!("\n  今後の対応: {f}"));
            }
            if !a.persons_to_find.is_empty() {
                s.push_str(&format!("\n  把握した人: {}人", a.persons_to_find.len()));
            }
            s.push_str(&format!("\n  ID: {}", a.id));
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn community_recorded(
    a: &outreach_mobile::shared::CommunityActivity,
    persons: &[Person],
) -> String {
    let mut s = format!("地域活動を記録しました。ID: {}", a.id);
    for p in persons {
        s.push_str(&format!(
            "\n把握した人を担当ケースに加えました（把握）: {} ID: {}",
            p.alias, p.id
        ));
    }
    s
}
