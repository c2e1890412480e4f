//! Every text the tablet app shows, in Japanese, in one place for review and
//! translation. Labels of domain values come from `outreach_shared::ja`.
//! The messages of the form parsers (`crate::forms`) are here too: the CLI
//! shows the same ones.

pub const APP_TITLE: &str = "羽村市 アウトリーチ記録";
/// Printed when the platform has no data folder (no home folder) and
/// `OUTREACH_DATA_DIR` is not set.
pub const NO_DATA_DIR: &str =
    "データフォルダが見つかりません。OUTREACH_DATA_DIR でフォルダを指定してください。";

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
pub const ERR_SERVER_PLAIN_HTTP: &str = "暗号化されていない http:// のサーバーには登録できません（記録が読まれたり、偽のサーバーに消去を命じられたりするおそれがあります）。https:// で始まるアドレスを入力してください。";
pub const ERR_CODE_EMPTY: &str = "登録コードを入力してください。";
pub const ERR_PIN_SHORT: &str = "PINは6文字以上にしてください。";
pub const ERR_PIN_MISMATCH: &str = "2回入力したPINが一致しません。もう一度入力してください。";

// Unlock
pub const UNLOCK_TITLE: &str = "PINを入力してください";
pub const UNLOCK_BUTTON: &str = "開く";
pub const UNLOCK_CLEAR: &str = "消す";
pub const UNLOCK_BUSY: &str = "確認しています…";
pub const ERR_KEY_DESTROYED: &str = "PINの誤入力が続いたため、この端末の記録は読めなくなりました（安全のため鍵を消去しました）。スーパーバイザーに連絡し、端末を登録し直してください。";

/// Shown on the PIN pad when the next unlock first waits (after checks
/// that were interrupted, e.g. the app was closed during one).
pub fn unlock_wait(secs: u64) -> String {
    format!(
        "前回までのPINの確認が途中で中断されたため、次の確認は{secs}秒待ってから始まります（記録は消去されません）。"
    )
}

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
pub const REGISTER: &str = "＋ 新しい人を登録（気づき）";
pub const CLOSED_HINT: &str =
    "終結した人は、段階を「終結」で絞り込むか、呼び名・ふりがなで検索すると表示されます。";
pub const FILTER_PAUSED: &str = "休止中";
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
pub const HOUSEHOLD_PERSONS: &str = "本人の記録がある世帯員";
pub const LISTS_THIS_PERSON: &str = "この人を世帯員に記録";
pub const MEMBER_OWN_CONSENT: &str = "本人同意";
pub const OWN_RECORD: &str = "本人の記録あり";
pub const FOR_HOUSEHOLD: &str =
    "世帯として付議する（世帯員それぞれの本人同意で付議先が決まります）";
pub const CASE_STATUS_UNKNOWN: &str = "送信待ち（まだ市に届いていません）";
// The case's outcome on the person page (issue 13): what the city decided,
// as the 社協's outreach may see it. Never a meeting's minutes.
pub const OUTCOME_UPDATED: &str = "更新";
pub const OUTCOME_NEXT_MEETING: &str = "次回の会議";
pub const OUTCOME_NO_MEETING: &str = "次回の会議は未定です";
pub const OUTCOME_TASKS: &str = "社協（アウトリーチ）の役割";
pub const OUTCOME_NO_TASKS: &str = "プランで社協に割り当てられた役割はまだありません";
pub const OUTCOME_DUE: &str = "期限";
pub const OUTCOME_OVERDUE: &str = "期限超過";
pub const OUTCOME_RETURNED: &str = "差し戻しの理由";
pub const OUTCOME_FIND_TITLE: &str = "市の多機関協働から「探してほしい」との依頼";
pub const OUTCOME_FIND_AT: &str = "依頼日時";
pub const OUTCOME_MINUTES_NOTE: &str = "会議の内容（議事録）は、この端末には届きません。";
pub fn outcome_followups(n: usize) -> String {
    format!("あとからのつなぎ{n}件を、このケースにまとめて検討しています。")
}
pub const EDIT_PROFILE: &str = "基本情報を編集";
pub const STAGE_REASON_SHOWN: &str = "理由";
pub const HANDED_TO_SHOWN: &str = "つなぎ先";
pub const ADD_MEMBER: &str = "＋ 世帯員を追加";
pub const EDIT: &str = "編集";
pub const LIVES_TOGETHER: &str = "同居";
pub const LIVES_APART: &str = "別居";

pub fn conflict_line(field: &str, kept: &str, other: &str) -> String {
    format!("{field}：いまの値「{kept}」／別の端末の値「{other}」")
}

// Registering and editing a person
pub const REGISTER_TITLE: &str = "新しい人の登録（気づき）";
pub const REGISTER_LEAD: &str =
    "呼び名だけで登録できます。分かっていることだけ入力し、あとから書き足してください。";
pub const EDIT_PROFILE_TITLE: &str = "基本情報の編集";
pub const CORRECT_TITLE: &str = "直して送り直す";
pub const PF_ALIAS: &str = "呼び名（必須）";
pub const PF_ALIAS_HINT: &str = "例：栄町の青い屋根のお宅の息子さん";
pub const PF_KANA: &str = "ふりがな";
pub const PF_KANA_HINT: &str = "ひらがな・カタカナ（半角カナも可）";
pub const PF_NOTICED_BY: &str = "気づきの経路（誰からの情報か）";
pub const PF_AREA: &str = "地区（町丁）";
pub const PF_AREA_NONE: &str = "選んでいません";
pub const PF_BIRTH_YEAR: &str = "生まれ年（西暦・和暦）";
pub const PF_BIRTH_YEAR_HINT: &str = "例：1975 / 昭和50 / S50";
pub const PF_APPROXIMATE: &str = "ごろ（推定）";
pub const PF_SEX: &str = "性別";
pub const PF_FIELDS: &str = "分野";
pub const PF_TAGS: &str = "横断的な課題";
pub const PF_GAP_SCHEMES: &str = "合わなかった制度（制度の狭間）";
pub const PF_GAP_WHY: &str = "制度が合わなかった理由";
pub const PF_SUMMARY: &str = "概要（状況を短く）";
pub const REGISTER_SAVE: &str = "登録する";
pub const PERSON_SAVED: &str =
    "登録しました。段階は「把握」です。電波がなくても端末に安全に保存されています。";
pub const PROFILE_SAVED: &str = "基本情報を保存しました。";

// Household members
pub const MEMBER_TITLE_NEW: &str = "世帯員の追加";
/// The member form's choice of the member's own person record.
pub const MF_PERSON: &str = "本人の記録（この世帯員も支援の対象者として登録されている場合）";
pub const MF_PERSON_NONE: &str = "なし（続柄だけを記録）";
pub const MF_PERSON_HINT: &str = "同意はそれぞれの本人の記録で確認します。";
pub const MEMBER_TITLE_EDIT: &str = "世帯員の編集";
pub const MF_RELATION: &str = "続柄";
pub const MF_ALIAS: &str = "呼び方（例：母、長男）";
pub const MF_BIRTH_YEAR: &str = "生まれ年（西暦・和暦）";
pub const MF_LIVES_TOGETHER: &str = "同居している";
pub const MF_NOTE: &str = "メモ（介護の必要、関わっている機関など）";
pub const REMOVE_MEMBER: &str = "この世帯員を削除";
pub const REMOVE_MEMBER_CONFIRM: &str = "この世帯員を世帯から削除しますか。";
pub const REMOVE_YES: &str = "削除する";
pub const MEMBER_SAVED: &str = "世帯員を保存しました。";
pub const MEMBER_REMOVED: &str = "世帯員を削除しました。";

// Date fields
pub const DATE_PLACEHOLDER: &str = "例：R8.6.1";
pub const DATE_PICKER: &str = "カレンダーで選ぶ";
pub const TIME: &str = "時刻";

// Contact form
pub const CONTACT_TITLE: &str = "接触の記録";
pub const WHEN: &str = "日付";
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
pub const ERR_BAD_NUMBER: &str = "数字で入力してください。";

// Form parsing (shared with the CLI)
pub const ERR_BAD_WHEN: &str =
    "日時は「2026-06-01 14:30」「R8.6.1 14:30」のように、日付と時刻を続けて入力してください。";
pub const ERR_BAD_TIME: &str = "時刻は「14:30」のように入力してください。";
pub const ERR_RESPONSE_NOT_MET: &str = "本人の反応は、本人に会えたときだけ記録できます。";
pub const ERR_NEXT_DUE_MISSING: &str = "次回の期日を入力してください。";
pub const ERR_DIFFICULTY: &str = "負担感は1から5で選んでください。";
pub const ERR_AREA: &str = "地区は一覧の町丁から選んでください。";
pub const ERR_CHOOSE_RELATION: &str = "続柄を選んでください。";
pub const ERR_DATE_FUTURE: &str = "未来の日付は記録できません。今日までの日付を入力してください。";
pub const ERR_NOT_FOUND: &str = "この端末に記録が見つかりませんでした。一覧を開き直してください。";

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
pub const CONSENT_DATE: &str = "同意・撤回の日（今日まで）";
pub const STAGE_REASON: &str = "理由";
pub const STAGE_REASON_CLOSED_HINT: &str = "例：本人の希望で支援を終える／転居先の機関に引き継いだ";
pub const STAGE_REASON_HANDED_HINT: &str = "例：介護保険の申請につながり、包括が主に関わる";
pub const HANDED_TO: &str = "つなぎ先";
pub const HANDED_AGENCY: &str = "計画の支援関係機関から選ぶ";
pub const HANDED_CATALOGUE: &str = "または地域資源の一覧から選ぶ";
pub const HANDED_RESOURCE: &str = "または地域の資源などを入力（サロン、居場所など）";
pub const REOPEN_NOTE: &str = "終結した人を「把握」に戻すと、担当ケースにまた表示されます。";

pub fn stage_to(stage: &str) -> String {
    format!("「{stage}」にする")
}

// Changes the server refused (要修正)
pub const FIXES_TITLE: &str = "サーバーが受け付けなかった変更（要修正）";
pub const FIXES_LEAD: &str = "次の変更はサーバーに受け付けられず、この端末に残っています。直して送り直すか、破棄してください。";
pub const FIXES_EMPTY: &str = "修正が必要な変更はありません。";
pub const FIX_WHEN: &str = "変更した日時";
pub const FIX_WHY: &str = "受け付けられなかった理由";
pub const FIX_CORRECT: &str = "直して送り直す";
pub const FIX_DISCARD: &str = "破棄する";
pub const FIX_DISCARD_CONFIRM: &str = "この変更を破棄しますか。サーバーには送られず、この端末の内容はサーバーにある内容に戻ります。元に戻せません。";
pub const FIX_DISCARD_CREATE_CONFIRM: &str = "この人の登録を破棄しますか。サーバーはこの人を知らないため、この人についてこの端末にある記録（送信待ちの変更も）がすべて消えます。元に戻せません。";
pub const FIX_DISCARD_YES: &str = "破棄する";
pub const FIX_DISCARDED: &str = "変更を破棄しました。";
pub const FIX_RESENT: &str = "直した変更を送信待ちにしました。次の同期で送ります。";
pub const FIX_CORRECTING: &str =
    "サーバーが受け付けなかった変更を直しています。保存すると、元の変更と入れ替えて送ります。";
pub const FIX_CANNOT_CORRECT: &str =
    "この変更はこの画面から直せません。破棄してから、もう一度入力してください。";
pub const FIX_PERSON_UNKNOWN: &str = "（この端末にない対象者）";
pub const FIX_CREATE_PERSON: &str = "対象者の登録";
pub const FIX_MEMBER_CHANGED: &str = "世帯員";
pub const FIX_MEMBER_REMOVED: &str = "世帯員の削除";
pub const FIX_WHY_INVALID: &str = "内容に誤りがあります。内容を確かめて直してください。";
pub const FIX_WHY_FORBIDDEN: &str = "この変更をする権限がありません（担当やチームが変わった可能性があります）。スーパーバイザーに確認してください。";
pub const FIX_WHY_NOT_FOUND: &str = "変更する記録がサーバーにありません。先に送るべき登録などが要修正になっていないか確かめてください。";
pub const FIX_WHY_STALE: &str = "サーバーの記録が先に変わっていました（別の端末や市での変更）。内容を確かめて選び直してください。";
pub const FIX_WHY_CASE_OPEN: &str = "この人はすでに多機関協働で検討されています（開いているケースがあります）。重ねてつなぐ必要がなければ破棄してください。";
pub const FIX_WHY_STAGE_MOVED: &str = "関係の段階がサーバーで先に変わっていました（別の端末での変更）。同期してから、いまの段階を見て選び直してください。";
pub const FIX_WHY_APPEND_ONLY: &str =
    "同じ記録がすでにサーバーにあります。重複していないか確かめてください。";

pub fn fix_update(fields: &str) -> String {
    format!("変更（{fields}）")
}

pub fn fix_stage(from: &str, to: &str) -> String {
    format!("関係の段階の変更（{from} → {to}）")
}

pub fn fix_consent(status: &str) -> String {
    format!("本人同意の記録（{status}）")
}

pub fn fix_contact(when: &str, method: &str) -> String {
    format!("接触記録（{when} {method}）")
}

pub fn fix_escalation(route: &str) -> String {
    format!("多機関協働へのつなぎ（{route}）")
}

// Returned logs
pub const RETURNED_TITLE: &str = "差し戻された記録";
pub const RETURNED_EMPTY: &str = "差し戻された記録はありません。";
pub const SUPERVISOR_SAYS: &str = "スーパーバイザーのコメント";

// Hand-over (担当) and the whole team's caseload
pub const FILTER_WHOLE_TEAM: &str = "班全体を表示";
pub const ASSIGNED: &str = "担当";
pub const ASSIGNED_ME: &str = "自分";
pub const ASSIGNED_NOBODY: &str = "未定";
pub const ASSIGNED_TEAMMATE: &str = "班の支援員";
pub const HANDOVER_TITLE: &str = "引き継ぎ";
pub const HANDOVER_NOTE: &str = "引き継ぎメモ";

pub fn handover_line(from: &str, to: &str, at: &str) -> String {
    format!("{from} さんから {to} さんへ（{at}）")
}

// Lone-worker check (帰着未確認)
pub const VISIT_START: &str = "訪問開始";
pub const VISIT_FINISH: &str = "訪問終了";
pub const VISIT_LENGTH: &str = "予定時間";
pub const VISIT_LOG_IT: &str = "この訪問を記録する";
pub const VISIT_FINISHED: &str = "訪問終了を記録しました。";
pub const VISIT_ELSEWHERE: &str = "ほかの人の訪問中です。先にその訪問を終了してください。";
pub const VISIT_SOMEONE: &str = "訪問先";

pub fn visit_minutes(m: u32) -> String {
    if m.is_multiple_of(60) {
        format!("{}時間", m / 60)
    } else if m > 60 {
        format!("{}時間{}分", m / 60, m % 60)
    } else {
        format!("{m}分")
    }
}

pub fn visit_started(end: &str) -> String {
    format!("訪問開始を記録しました。終了予定は{end}です。")
}

pub fn visit_in_progress(alias: &str, end: &str) -> String {
    format!("訪問中：{alias}（終了予定 {end}）")
}

pub fn visit_due(alias: &str, end: &str) -> String {
    format!(
        "{alias}の訪問の終了予定（{end}）を過ぎました。無事であれば「訪問終了」を押してください。押さないままだと、スーパーバイザーの画面に「帰着未確認」と表示されます。"
    )
}

// 参加支援 (issue 18).
pub const PARTICIPATION: &str = "参加支援";
pub const PA_TITLE: &str = "参加支援";
pub const PA_TRIALS: &str = "地域資源での試行";
pub const PA_NO_TRIALS: &str = "まだ試行はありません。";
pub const PA_UNMET_OPEN: &str = "合う資源が見つかっていないニーズ";
pub const PA_PROPOSED: &str = "提案";
pub const PA_MODE_NEEDS: &str = "ニーズを記録";
pub const PA_MODE_TRIAL: &str = "試行を提案・記録";
pub const PA_MODE_FOLLOW: &str = "その後を記録";
pub const PA_NEEDS: &str = "本人がしたいこと・試せそうなこと";
pub const PA_NOTE: &str = "メモ（任意）";
pub const PA_UNMET: &str = "合う地域資源がない";
pub const PA_UNMET_AREA: &str = "どの町丁で";
pub const PA_UNMET_TEXT: &str = "足りない資源（個人名は書かない）";
pub const PA_UNMET_HINT: &str = "例：栄町で若者が夕方に行ける場所がない";
pub const PA_RESOURCE: &str = "地域資源";
pub const PA_NO_RESOURCES: &str = "地域資源がまだ届いていません。同期すると届きます。";
pub const PA_STARTED: &str = "すでに参加を始めた";
pub const PA_MEETS: &str = "応えるニーズ（資源がなかったもの）";
pub const PA_MEETS_NONE: &str = "なし";
pub const PA_TRIAL: &str = "どの試行の";
pub const PA_OUTCOME: &str = "その後";
pub const PA_REASON: &str = "中断の理由";
pub const PA_SAVE: &str = "記録する";
pub const PA_SAVED: &str = "参加支援を記録しました。";
pub const PA_PICK_AREA: &str = "合う資源がない町丁を選んでください。";
pub const PA_PICK_RESOURCE: &str = "地域資源を選んでください。";
pub const PA_PICK_TRIAL: &str = "どの試行か、その後どうなったかを選んでください。";
pub const PA_FULL: &str = "受入停止中";
pub const PA_CITYWIDE: &str = "市内全域";

// 地域づくり: community activities (issue 18).
pub const COMMUNITY: &str = "地域活動";
pub const CO_TITLE: &str = "地域活動の記録";
pub const CO_LEAD: &str = "民生委員の定例会、サロン訪問、自治会での説明、地域の巡回など、特定の方に限らない活動を記録します。住民の名前は書かず、役割と人数で記録してください。";
pub const CO_NEW: &str = "地域活動を記録する";
pub const CO_NONE: &str = "まだ地域活動の記録はありません。";
pub const CO_KIND: &str = "活動の種類";
pub const CO_AREA: &str = "町丁";
pub const CO_WHEN: &str = "実施日時（日本時間）";
pub const CO_PARTICIPANTS: &str = "参加者（役割ごとの人数。名前は書かない）";
pub const CO_LEARNED: &str = "わかったこと";
pub const CO_LEARNED_HINT: &str = "例：3丁目の集合住宅で、最近姿を見ない高齢の男性がいるとの話";
pub const CO_FOLLOW_UP: &str = "今後の対応（任意）";
pub const CO_FOLLOW_UP_SHORT: &str = "今後の対応";
pub const CO_FINDS: &str = "把握すべき人（1行に1人。呼び名だけ）";
pub const CO_FINDS_HINT: &str = "例：栄町3丁目 高齢男性";
pub const CO_FINDS_NOTE: &str = "書いた人は「把握」の段階で担当ケースに加わります。";
pub const CO_SAVE: &str = "記録する";
pub const CO_SAVED: &str = "地域活動を記録しました。";
pub const CO_PEOPLE: &str = "人";
pub const CO_FOUND_AT: &str = "把握のきっかけ（地域活動）";
pub const ERR_CHOOSE_ACTIVITY_KIND: &str = "活動の種類を選んでください。";
pub const ERR_CHOOSE_AREA: &str = "町丁を一覧から選んでください。";

pub fn co_found_count(n: usize) -> String {
    format!("把握した人 {n}人")
}

pub fn fix_community(at: &str) -> String {
    format!("地域活動の記録（{at}）")
}

pub fn fix_participation(at: &str) -> String {
    format!("参加支援の記録（{at}）")
}

pub fn fix_visit_start(at: &str) -> String {
    format!("訪問開始（{at}）")
}

pub fn fix_visit_finish(at: &str) -> String {
    format!("訪問終了（{at}）")
}

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
