//! Every text the tablet app shows, in Japanese, in one place for review and
//! translation. Labels of domain values come from `outreach_shared::ja`.

pub const APP_TITLE: &str = "羽村市 アウトリーチ記録";

// First run
pub const SETUP_TITLE: &str = "はじめに：端末の登録";
pub const SETUP_LEAD: &str =
    "スーパーバイザーから受け取った登録コードで、この端末をサーバーに登録します。";
pub const SETUP_SERVER: &str = "サーバーのアドレス";
pub const SETUP_CODE: &str = "登録コード";
pub const SETUP_NEXT: &str = "次へ";
pub const SETUP_PIN_TITLE: &str = "PINを決める";
pub const SETUP_PIN_LEAD: &str = "この端末を開くためのPIN（6桁以上）を決めてください。PINを忘れると、この端末の記録は読めなくなります。";
pub const SETUP_PIN: &str = "PIN";
pub const SETUP_PIN_CONFIRM: &str = "もう一度";
pub const SETUP_SUBMIT: &str = "登録してはじめる";
pub const SETUP_BUSY: &str = "登録しています…";
pub const ERR_SERVER_URL: &str = "サーバーのアドレスは https:// で始まる形で入力してください。";
pub const ERR_CODE_EMPTY: &str = "登録コードを入力してください。";
pub const ERR_PIN_SHORT: &str = "PINは6文字以上にしてください。";
pub const ERR_PIN_MISMATCH: &str = "2回入力したPINが一致しません。もう一度入力してください。";

// Unlock
pub const UNLOCK_TITLE: &str = "PINを入力してください";
pub const UNLOCK_BUTTON: &str = "開く";
pub const UNLOCK_CLEAR: &str = "消す";
pub const UNLOCK_BUSY: &str = "確認しています…";
pub const ERR_KEY_DESTROYED: &str = "PINの誤入力が続いたため、この端末の記録は読めなくなりました（安全のため鍵を消去しました）。スーパーバイザーに連絡し、端末を登録し直してください。";

pub fn wrong_pin(remaining: u32) -> String {
    format!(
        "PINが違います。あと{remaining}回間違えると、安全のためこの端末の記録は読めなくなります。"
    )
}

// Navigation
pub const NAV_CASELOAD: &str = "担当ケース";
pub const NAV_RETURNED: &str = "差し戻し";
pub const NAV_SETTINGS: &str = "設定";
pub const BACK: &str = "戻る";
pub const CANCEL: &str = "やめる";

// Caseload
pub const CASELOAD_TITLE: &str = "担当ケース";
pub const SEARCH_PLACEHOLDER: &str = "呼び名・ふりがなで検索";
pub const FILTER_ALL_STAGES: &str = "すべての段階";
pub const FILTER_ALL_FIELDS: &str = "すべての分野";
pub const FILTER_ALL_AREAS: &str = "すべての地区";
pub const FILTER_OVERDUE: &str = "期限切れのみ";
pub const CASELOAD_EMPTY: &str = "条件に合う担当ケースはありません。";
pub const LAST_CONTACT: &str = "最終接触";
pub const NEXT_DUE: &str = "次回";
pub const NO_CONTACT_YET: &str = "接触なし";
pub const NO_NEXT: &str = "予定なし";
pub const SAFETY_MARK: &str = "⚠ 安全に注意";

pub fn overdue(days: i64) -> String {
    if days <= 0 {
        "今日まで".into()
    } else {
        format!("{days}日超過")
    }
}

pub fn overdue_count(n: usize) -> String {
    format!("期限切れ {n}件")
}

// Person
pub const PROFILE: &str = "基本情報";
pub const HOUSEHOLD: &str = "世帯";
pub const FIELDS_TAGS: &str = "分野・課題";
pub const CONSENT: &str = "本人同意";
pub const STAGE: &str = "関係の段階";
pub const TIMELINE: &str = "経過";
pub const CASES: &str = "多機関協働";
pub const CONFLICTS: &str = "別の端末との食い違い";
pub const LOG_CONTACT: &str = "接触を記録";
pub const ESCALATE: &str = "多機関協働へつなぐ";
pub const CHANGE_STAGE_CONSENT: &str = "段階・同意を変更";
pub const REVIEW_PENDING: &str = "確認待ち";
pub const CORRECTED: &str = "修正済み（新しい記録があります）";
pub const REVISE: &str = "この記録を修正";
pub const NOT_SET: &str = "未記入";
pub const NOBODY_IN_HOUSEHOLD: &str = "世帯員の記録はありません";
pub const CASE_STATUS_UNKNOWN: &str = "送信待ち（まだ市に届いていません）";

pub fn conflict_line(field: &str, kept: &str, other: &str) -> String {
    format!("{field}：いまの値「{kept}」／別の端末の値「{other}」")
}

// Contact form
pub const CONTACT_TITLE: &str = "接触の記録";
pub const WHEN: &str = "日時";
pub const HOW: &str = "方法";
pub const MET: &str = "会えた相手";
pub const RESPONSE: &str = "本人の反応";
pub const OBSERVATION: &str = "様子・気づいたこと";
pub const OBSERVATION_HINT: &str = "見たこと・聞いたことを短く";
pub const SAFETY: &str = "安全";
pub const ACCOMPANIMENT: &str = "訪問体制";
pub const DANGER: &str = "危険のサイン";
pub const LIFE_THREATENING: &str = "生命に関わる状況（すぐに市へ連絡）";
pub const LIFE_THREATENING_WARNING: &str = "生命に関わる状況です。記録の保存後、すぐに「多機関協働へつなぐ」で緊急として市に連絡してください。";
pub const NEXT: &str = "次回の予定";
pub const NEXT_DUE_LABEL: &str = "期日";
pub const DEFAULT_NEXT: &str = "再訪";
pub const DURATION: &str = "所要時間（分）";
pub const REFLECTION: &str = "振り返り（スーパーバイザーだけが見ます）";
pub const DIFFICULTY: &str = "負担感";
pub const WANTS_TO_TALK: &str = "スーパーバイザーと話したい";
pub const SAVE: &str = "保存する";
pub const SAVED: &str = "保存しました。電波がなくても端末に安全に保存されています。";
pub const ERR_CHOOSE_MET: &str = "会えた相手を選んでください。";
pub const ERR_CHOOSE_RESPONSE: &str = "本人の反応を選んでください。";
pub const ERR_CHOOSE_ACCOMPANIMENT: &str = "訪問体制（単独・2名など）を選んでください。";
pub const ERR_BAD_DATE: &str = "日付の形が正しくありません。";
pub const ERR_BAD_NUMBER: &str = "数字で入力してください。";

// Escalation
pub const ESCALATE_TITLE: &str = "多機関協働へつなぐ";
pub const REASON: &str = "つなぐ理由";
pub const REASON_HINT: &str = "どの困りごとが重なっていて、なぜ一つの機関では難しいか";
pub const FIELDS: &str = "関わる分野";
pub const TAGS: &str = "課題";
pub const AGENCIES: &str = "すでに関わっている機関";
pub const URGENCY: &str = "緊急度";
pub const ROUTE: &str = "付議先";
pub const EMERGENCY_BANNER: &str = "緊急：生命に関わる状況として市（社会福祉課）に最優先で届きます。電話での連絡もあわせて行ってください。";
pub const SEND_ESCALATION: &str = "市へつなぐ";
pub const ROUTE_WITH_CONSENT: &str =
    "本人同意（重層的支援会議での検討）が記録されているため、重層的支援会議で検討されます。";
pub const ROUTE_WITHOUT_CONSENT: &str = "本人同意が記録されていないため、守秘義務のある支援会議（社会福祉法第106条の6）で検討されます。会議の構成員だけが情報を見られます。";

pub fn escalated(route: &str) -> String {
    format!("市へつなぎました（{route}）。次の同期で届きます。")
}

// Stage and consent
pub const STAGE_TITLE: &str = "段階・本人同意";
pub const NEXT_STAGES: &str = "次の段階";
pub const NO_NEXT_STAGES: &str = "この段階からは変更できません。";
pub const CONSENT_RECORD: &str = "同意を記録する";
pub const CONSENT_SCOPE: &str = "同意の範囲";
pub const CONSENT_VERBAL: &str = "口頭で同意";
pub const CONSENT_WRITTEN: &str = "書面で同意";
pub const CONSENT_WITHDRAW: &str = "同意の撤回を記録";
pub const STAGE_SAVED: &str = "段階を変更しました。";
pub const CONSENT_SAVED: &str = "本人同意を記録しました。";
pub const ERR_SCOPE: &str = "同意の範囲を1つ以上選んでください。";

// Returned logs
pub const RETURNED_TITLE: &str = "差し戻された記録";
pub const RETURNED_EMPTY: &str = "差し戻された記録はありません。";
pub const SUPERVISOR_SAYS: &str = "スーパーバイザーのコメント";

// Sync bar
pub const SYNC_NOW: &str = "今すぐ同期";
pub const SYNCING: &str = "同期中…";
pub const SYNC_WAITING_RETRY: &str = "接続できません。少し待って再試行します…";
pub const SYNC_NEVER: &str = "まだ同期していません";
pub const SYNC_ALL_SENT: &str = "すべて送信済み";

pub fn sync_pending(n: u64) -> String {
    format!("送信待ち {n}件")
}

pub fn sync_rejected(n: u64) -> String {
    format!("要修正 {n}件")
}

pub fn sync_last(at: &str) -> String {
    format!("最終同期 {at}")
}

pub fn sync_progress(pushed: u64, to_push: u64, pulled: u64) -> String {
    format!("送信 {pushed}/{to_push}件・受信 {pulled}件")
}

// Settings
pub const SETTINGS_TITLE: &str = "設定";
pub const SERVER: &str = "サーバー";
pub const IDLE_LOCK: &str = "自動ロックまでの時間";
pub const LOCK_NOW: &str = "今すぐロック";
pub const WIPE: &str = "この端末のデータを消去";
pub const WIPE_CONFIRM: &str = "本当に消去しますか。送信していない記録も消え、元に戻せません。";
pub const WIPE_YES: &str = "消去する";
pub const WIPED: &str = "この端末のデータを消去しました。";

pub fn minutes(n: u32) -> String {
    format!("{n}分")
}

// Errors from the core, in words a worker can act on.
pub const ERR_LOCKED: &str = "時間が経ったためロックしました。PINを入力してください。";
pub const ERR_GENERIC: &str = "うまく保存できませんでした。もう一度お試しください。続く場合はスーパーバイザーに連絡してください。";
pub const ERR_DAMAGED: &str = "一部の記録が壊れていたため別に保管しました。ほかの記録は使えます。スーパーバイザーに連絡してください。";

// ---------------------------------------------------------------------------
// Enrolment by QR code (issue 15). Kept together here, apart from the forms'
// texts; the sync errors' own words are `sync::SyncError::message_ja` and
// the QR format's are `shared::enrolment::QrError::message_ja`.
// ---------------------------------------------------------------------------
pub const SETUP_QR_TITLE: &str = "登録用QRコードで登録する";
pub const SETUP_QR_LEAD: &str = "スーパーバイザーのコンソールに表示された登録用QRコードを読み取るか、その内容（hamura-outreach:// で始まる文字列）を貼り付けてください。サーバーのアドレスと鍵も一緒に登録されます。";
pub const SETUP_QR_TEXT: &str = "登録用QRコードの内容";
pub const SETUP_QR_USE: &str = "この内容で登録";
pub const SETUP_QR_CAMERA: &str = "カメラで読み取る";
pub const SETUP_QR_CAMERA_STOP: &str = "読み取りをやめる";
pub const SETUP_QR_CAMERA_HINT: &str = "QRコードを枠の中に写してください。";
pub const SETUP_QR_NO_CAMERA: &str = "この端末ではカメラで読み取れません。QRコードの内容を貼り付けるか、サーバーのアドレスと登録コードを入力してください。";
pub const SETUP_MANUAL_TITLE: &str = "または、手で入力する";
pub const REENROL_TITLE: &str = "サーバーに登録し直す";
pub const REENROL_LEAD: &str = "サーバーの証明書（鍵）が変わったときなどに、スーパーバイザーが表示する新しい登録用QRコードで登録し直します。この端末の記録と送信待ちはそのまま残ります。";
pub const REENROL_DONE: &str = "サーバーに登録し直しました。同期を始めます。";
