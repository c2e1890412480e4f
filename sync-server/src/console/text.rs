//! Every Japanese string of the console, in one place. Labels of domain
//! values (stages, statuses, routes…) come from `outreach_shared::ja`.

pub const APP_NAME: &str = "羽村市 アウトリーチ支援 管理コンソール";
pub const APP_SHORT: &str = "アウトリーチ支援";
pub const ORG_LINE: &str = "羽村市社会福祉協議会・羽村市社会福祉課";

// Login and sessions.
pub const LOGIN_TITLE: &str = "ログイン";
pub const LOGIN_LEAD: &str = "職員のユーザー名とパスワードを入力してください。";
pub const USERNAME: &str = "ユーザー名";
pub const PASSWORD: &str = "パスワード";
pub const LOGIN_BUTTON: &str = "ログインする";
pub const LOGOUT: &str = "ログアウト";
pub const LOGIN_FAILED: &str = "ユーザー名またはパスワードが違います。";
pub const LOGIN_LOCKED: &str = "ログインに続けて失敗したため、このアカウントは最長15分間ロックされています。時間をおいてやり直すか、管理者にロックの解除を依頼してください。";
pub const LOGGED_OUT: &str = "ログアウトしました。";
pub const SESSION_EXPIRED: &str =
    "セッションの有効期限が切れました。もう一度ログインしてください。";
pub const TOTP_TITLE: &str = "確認コードの入力（二要素認証）";
pub const TOTP_LEAD: &str = "認証アプリに表示されている6桁の確認コードを入力してください。";
pub const TOTP_CODE: &str = "確認コード（6桁）";
pub const TOTP_BUTTON: &str = "確認する";
pub const TOTP_FAILED: &str = "確認コードが違うか、有効期限が切れています。";
pub const TOTP_RESTART: &str = "もう一度ユーザー名とパスワードから入力してください。";

// Refusals and errors.
pub const CSRF_REFUSED: &str = "この操作は受け付けられませんでした（フォームの確認情報がないか、古くなっています）。画面を開き直してから、もう一度操作してください。";
pub const FORBIDDEN_TITLE: &str = "閲覧できません";
pub const FORBIDDEN: &str =
    "この画面を表示する権限がありません。この操作は監査ログに記録されました。";
pub const NOT_FOUND_TITLE: &str = "見つかりません";
pub const NOT_FOUND: &str = "お探しのページは見つかりませんでした。";
pub const BAD_REQUEST_TITLE: &str = "入力を確認してください";
pub const BAD_REQUEST: &str = "入力内容を読み取れませんでした。";
pub const BAD_ID: &str = "URLの識別子が正しくありません。";
pub const SERVER_ERROR_TITLE: &str = "エラー";
pub const SERVER_ERROR: &str = "処理を完了できませんでした。時間をおいてもう一度お試しください。";
pub const BUSY: &str = "サーバーが混み合っています。少し待ってからもう一度お試しください。";
pub const CONFLICT: &str = "ほかの操作と重なりました。画面を開き直してください。";
pub const BACK_TO_TOP: &str = "トップへ戻る";
pub const BACK: &str = "前の画面へ戻る";
pub const TOO_MANY: &str = "操作が多すぎます。少し待ってからもう一度お試しください。";

// Navigation.
pub const NAV_HOME: &str = "ホーム";
pub const NAV_REVIEWS: &str = "記録の確認";
pub const NAV_TEAM: &str = "チームの状況";
pub const NAV_DEVICES: &str = "端末管理";
pub const NAV_CASES: &str = "ケース一覧";
pub const NAV_AUDIT: &str = "監査ログ";
pub const SIGNED_IN_AS: &str = "ログイン中";

// Home.
pub const HOME_TITLE: &str = "ホーム";
pub const HOME_WORKER: &str = "アウトリーチ支援員の記録はタブレットで行います。このコンソールはスーパーバイザー、コーディネーター、支援関係機関の方のための画面です。";
pub const HOME_AGENCY: &str = "あなたが構成員として登録されている会議のケースだけが表示されます。";

// Review queue.
pub const REVIEWS_TITLE: &str = "記録の確認（未確認の接触記録）";
pub const REVIEWS_LEAD: &str = "チームの新しい接触記録です。内容を確認し、「確認済にする」か、コメントを付けて「差し戻す」を選んでください。差し戻しは次回の同期で支援員のタブレットに届きます。";
pub const REVIEWS_EMPTY: &str = "未確認の記録はありません。";
pub const APPROVE: &str = "確認済にする";
pub const RETURN: &str = "差し戻す";
pub const RETURN_COMMENT: &str = "差し戻しのコメント（必須）";
pub const RETURN_NEEDS_COMMENT: &str = "差し戻すときはコメントを入力してください。";
pub const DONE_APPROVED: &str = "記録を確認済にしました。";
pub const DONE_RETURNED: &str = "記録を差し戻しました。次回の同期で支援員に届きます。";
pub const PERSON: &str = "対象者";
pub const WORKER: &str = "支援員";
pub const OCCURRED_AT: &str = "日時";
pub const METHOD: &str = "方法";
pub const MET: &str = "会えた相手";
pub const RESPONSE: &str = "本人の反応";
pub const ACCOMPANIMENT: &str = "訪問体制";
pub const DANGER: &str = "危険のサイン";
pub const LIFE_THREATENING: &str = "生命に関わる状況";
pub const OBSERVATION: &str = "様子・観察";
pub const REFLECTION: &str = "振り返り（本人とSVのみ閲覧）";
pub const DIFFICULTY: &str = "負担感";
pub const WANTS_TO_TALK: &str = "相談したい";
pub const NEXT_ACTION: &str = "次回の予定";
pub const DURATION_MIN: &str = "分";
pub const REVISION: &str = "修正版";
pub const NONE: &str = "なし";
pub const SAFETY_FIRST: &str = "安全に関わる記録を先に表示しています。";

// Team overview.
pub const TEAM_TITLE: &str = "チームの状況（支援者支援）";
pub const TEAM_LEAD: &str = "直近90日の状況です。負担のサインがある支援員には声をかけてください。";
pub const CASELOAD: &str = "担当ケース数";
pub const OVERDUE: &str = "予定超過";
pub const LONE_VISITS: &str = "単独訪問";
pub const DANGER_SIGNS: &str = "危険のサイン";
pub const STRAIN: &str = "負担のサイン";
pub const PENDING_REVIEWS: &str = "未確認の記録";
pub const OVERDUE_LIST: &str = "予定日を過ぎたフォローアップ";
pub const STRAIN_LIST: &str = "負担のサイン（負担感4以上・相談したい）";
pub const DANGER_LIST: &str = "危険のサインがあった接触";
pub const DUE: &str = "予定日";
pub const DAYS_OVERDUE: &str = "超過日数";
pub const NOTHING_OVERDUE: &str = "予定日を過ぎたフォローアップはありません。";
pub const NO_STRAIN: &str = "負担のサインはありません。";
pub const NO_DANGER: &str = "危険のサインはありません。";
// Lone-worker check (帰着未確認) and hand-over (担当の引き継ぎ).
pub const UNCONFIRMED_TITLE: &str = "帰着未確認";
pub const UNCONFIRMED_LEAD: &str =
    "終了予定を過ぎても「訪問終了」の記録がない訪問です。支援員に連絡して無事を確認してください。";
pub const AREA: &str = "町丁";
pub const VISIT_STARTED: &str = "訪問開始";
pub const VISIT_EXPECTED_END: &str = "終了予定";
pub const VISIT_LATE_MIN: &str = "超過（分）";
pub const AREA_UNKNOWN: &str = "町丁未登録";
pub const HANDOVER_TITLE: &str = "担当の引き継ぎ";
pub const HANDOVER_LEAD: &str = "対象者の担当を班の別の支援員に変更します。引き継ぎメモは新しい担当者のタブレットで対象者のページの最上部に表示されます。";
pub const HANDOVER_PERSON: &str = "対象者";
pub const HANDOVER_TO: &str = "新しい担当";
pub const HANDOVER_NOTE: &str = "引き継ぎメモ（新しい担当者へ）";
pub const HANDOVER_SUBMIT: &str = "担当を変更する";
pub const HANDOVER_CURRENT: &str = "現在の担当";
pub const NO_PERSONS: &str = "対象者はいません。";
pub const DONE_HANDOVER: &str = "担当を変更しました。次の同期で両方のタブレットに反映されます。";

// Devices.
pub const DEVICES_TITLE: &str = "端末管理（タブレット）";
pub const DEVICES_LEAD: &str = "支援員のタブレットの登録と停止を行います。紛失したタブレットはすぐに停止してください。停止した端末は次の通信でデータを消去します。";
pub const ISSUE_CODE: &str = "登録コードを発行する";
pub const ISSUE_FOR: &str = "タブレットを使う支援員";
pub const CODE_TITLE: &str = "登録コード";
pub const QR_SERVER: &str = "サーバー";
pub const QR_PINS: &str = "サーバーの鍵（ピン）";
pub const QR_NO_PIN: &str = "なし（端末の証明書ストアで確認します）";
pub const QR_ADDRESS_REFUSED: &str = "このQRコードのサーバーのアドレスでは、タブレットは登録できません（http:// はこの端末の中でしか使えません）。システム担当者に、サーバーを https:// で公開し --public-url にそのアドレスを指定するよう依頼してください。";
pub const CODE_LEAD: &str = "タブレットのアプリでこのコードを入力するか、QRコードを読み取ってください。コードは15分間、1回だけ使えます。この画面を閉じると再表示できません。";
pub const DEVICE_LABEL: &str = "端末名";
pub const DEVICE_USER: &str = "利用者";
pub const ENROLLED_AT: &str = "登録日時";
pub const LAST_SYNC: &str = "最終通信";
pub const STATUS: &str = "状態";
pub const ACTIVE: &str = "利用中";
pub const REVOKED: &str = "停止済";
pub const REVOKE: &str = "停止する";
pub const REVOKE_CONFIRM: &str = "この端末を停止します。よろしいですか。";
pub const DONE_REVOKED: &str = "端末を停止しました。次の通信でデータが消去されます。";
pub const NO_DEVICES: &str = "登録された端末はありません。";
pub const ACCOUNTS: &str = "班のアカウント";
pub const DEACTIVATE_LEAD: &str = "退職や異動のときは、アカウントを停止します。ログイン中の画面はすぐに使えなくなり、その人の端末は次の通信でデータが消去されます。";
pub const DEACTIVATE: &str = "アカウントを停止";
pub const DEACTIVATE_TITLE: &str = "アカウントの停止の確認";
pub const DEACTIVATE_CONFIRM: &str = "このアカウントを停止します。ログイン中のセッションはすべて終わり、端末は次の通信でデータが消去されます。よろしいですか。";
pub const DONE_DEACTIVATED: &str = "アカウントを停止しました。";
pub const NEVER: &str = "未同期";
pub const NO_WORKERS: &str = "登録コードを発行できる支援員がいません。";

// Cases.
pub const CASES_TITLE: &str = "多機関協働 ケース一覧";
pub const CASES_LEAD: &str =
    "会議の種類（経路）と状況ごとの一覧です。緊急のケースを先頭に表示します。";
pub const CASES_AGENCY_LEAD: &str = "あなたが構成員となっている会議のケースです。";
pub const CASES_TEAM_LEAD: &str =
    "あなたのチームがつないだケースの状況です。会議の構成員・記録・次第は表示されません。";
pub const UPDATED_AT: &str = "更新";
pub const OUTREACH_TASKS: &str = "社協（アウトリーチ）の役割";
pub const STATUS_ONLY_RULE: &str = "つないだチームには、ケースの状況（会議の種類・状態・次回の日付・社協の役割）だけを表示します。会議の構成員や記録は、会議の構成員とコーディネーターだけが見られます。";
pub const EMERGENCIES: &str = "緊急のケース";
pub const NO_CASES: &str = "ケースはありません。";
pub const CLOSED_CASES: &str = "終結・差し戻し済のケース";
pub const CASE_TITLE: &str = "ケースの詳細";
pub const RAISED_AT: &str = "受付日時";
pub const REASON: &str = "多機関協働が必要な理由";
pub const FIELDS: &str = "分野";
pub const URGENCY: &str = "緊急度";
pub const ROUTE: &str = "会議（経路）";
pub const CONSENT: &str = "本人同意";
pub const ROSTER: &str = "会議の構成員";
pub const PLEDGE: &str = "守秘義務の誓約";
pub const PLEDGE_RECORDED: &str = "誓約受領済";
pub const PLEDGE_MISSING: &str = "未受領";
pub const HISTORY: &str = "経過";
pub const RETURN_REASON: &str = "差し戻しの理由";
pub const TRIAGE_TITLE: &str = "振り分け";
pub const ACCEPT: &str = "受け付けて振り分けへ";
pub const RETURN_TO_OUTREACH: &str = "アウトリーチへ差し戻す";
pub const RETURN_REASON_LABEL: &str = "差し戻しの理由（必須）";
pub const SCHEDULE_MEETING: &str = "会議にかける";
pub const ADD_MEMBER: &str = "構成員を追加";
pub const MEMBER: &str = "構成員";
pub const PLEDGE_CHECK: &str = "守秘義務の誓約書を受領した";
pub const MOVE_TO: &str = "次の状況へ";
pub const ROUTE_RULE_ML: &str = "本人の同意があるため、重層的支援会議で検討します。";
pub const ROUTE_RULE_SM: &str = "本人の同意がないため、支援会議（社会福祉法第106条の6）で検討します。構成員全員の守秘義務の誓約が必要です。";
pub const SM_NEEDS_ROSTER: &str =
    "支援会議にかけるには、守秘義務の誓約を受領した構成員を1人以上登録してください。";
pub const DONE_MOVED: &str = "ケースの状況を更新しました。";
pub const DONE_ROSTER: &str = "構成員を登録しました。";
pub const NO_MEMBERS: &str = "構成員はまだいません。";
pub const AUDIT_OF_PERSON: &str = "この対象者の監査記録";
pub const CONTACT_COUNT: &str = "接触記録の件数";

// Audit.
pub const AUDIT_TITLE: &str = "監査ログ";
pub const AUDIT_LEAD: &str = "記録の閲覧と変更の履歴です（識別子のみを記録しています）。";
pub const CHAIN_OK: &str = "改ざんは検出されていません";
pub const CHAIN_BROKEN: &str = "監査ログの連鎖が壊れています。管理者に連絡してください";
pub const ENTRIES_VERIFIED: &str = "件を検証";
pub const FILTER: &str = "絞り込む";
pub const FILTER_PERSON: &str = "対象者ID";
pub const FILTER_USER: &str = "職員";
pub const FILTER_FROM: &str = "開始日";
pub const FILTER_TO: &str = "終了日";
pub const ALL: &str = "すべて";
pub const AT: &str = "日時";
pub const ACTOR: &str = "操作者";
pub const ACTION: &str = "操作";
pub const ENTITY: &str = "対象";
pub const BASIS: &str = "根拠";
pub const NO_ENTRIES: &str = "該当する記録はありません。";
pub const SHOWING_LATEST: &str = "新しい順に最大500件を表示しています。";
pub const BAD_DATE: &str = "日付は 2026-06-01 の形で入力してください。";

// Misc.
pub const PRINT: &str = "印刷する";
pub const COUNT_SUFFIX: &str = "件";
pub const PERSONS_SUFFIX: &str = "人";

// Meetings and agendas.
pub const MEETINGS: &str = "会議の記録";
pub const NO_MEETINGS: &str = "会議の記録はまだありません。";
pub const RECORD_MEETING: &str = "会議を記録する";
pub const MEETING_DATE: &str = "開催日";
pub const MEETING_PURPOSE: &str = "内容";
pub const ATTENDEES: &str = "出席者と各機関の役割";
pub const ATTENDED: &str = "出席";
pub const AGENCY_ROLE: &str = "この機関の役割";
pub const DECISIONS: &str = "決定事項";
pub const PLAN: &str = "支援プラン";
pub const MONITORING_NOTES: &str = "モニタリングの記録";
pub const EVALUATION: &str = "終結時の評価";
pub const DONE_MEETING: &str = "会議を記録しました。";
pub const MEETING_NEEDS_DATE: &str = "開催日を 2026-06-01 の形で入力してください。";
pub const MEETING_DATE_FUTURE: &str =
    "開催日が未来の日付になっています。開催後に記録してください。";
pub const MEETING_NEEDS_ATTENDEE: &str = "出席した構成員を1人以上選んでください。";
pub const MEETING_NEEDS_DECISIONS: &str = "決定事項を入力してください。";
pub const MEETING_TEXT_TOO_LONG: &str =
    "入力が長すぎるか、使えない文字が含まれています。2000文字以内で入力してください。";
pub const MEETING_PLEDGE: &str = "支援会議には、守秘義務の誓約を受領した構成員だけが出席できます。";
pub const AGENDA: &str = "会議資料（印刷用）";
pub const AGENDA_TITLE: &str = "会議資料";
pub const AGENDA_PRINT_HINT: &str = "ブラウザの印刷機能（Ctrl+P）で印刷してください。この資料には接触記録と支援員の振り返りは含まれません。";
pub const AGENDA_SM_NOTICE: &str = "本会議は社会福祉法第106条の6に基づく支援会議です。構成員には守秘義務があり、本資料を会議の目的以外に使用・複製しないでください。";
pub const AGENDA_ML_NOTICE: &str =
    "本会議は本人の同意に基づく重層的支援会議です。同意の範囲内で情報を共有します。";
pub const PRINTED_AT: &str = "作成日時";
pub const CASE_NO: &str = "案件番号";

// Evaluation report (推進会議).
pub const NAV_REPORT: &str = "評価レポート";
pub const REPORT_TITLE: &str = "評価レポート（推進会議用・匿名化）";
pub const REPORT_LEAD: &str = "実施計画第4章の4つの視点に沿った、期間内の集計です。個人が特定できる情報（氏名・呼び名・ID）は含みません。支援員は担当ケース数の順に記号で示します。";
pub const REPORT_SHOW: &str = "集計する";
pub const REPORT_CSV: &str = "CSVで保存";
pub const REPORT_PERIOD: &str = "集計期間";
pub const REPORT_BAD_PERIOD: &str =
    "集計期間が正しくありません（開始日は終了日以前、期間は計画期間と同じ4年以内）。";
pub const NARRATIVE_TITLE: &str = "定性的な評価（推進会議向けの記述）";
pub const NARRATIVE_NONE: &str = "この期間の評価の記述はまだありません。";
pub const NARRATIVE_EARLIER: &str = "以前の版";
pub const NARRATIVE_SAVE: &str = "評価の記述を保存する（新しい版になります）";

pub fn narrative_by(version: u32, author: &str, at: &str) -> String {
    format!("第{version}版・{author}・{at}")
}

pub const EXCERPTS_TITLE: &str = "記録からの抜粋（匿名化済み）";
pub const EXCERPTS_NONE: &str = "この期間に選ばれた抜粋はありません。";
pub const EXCERPTS_SAVE: &str = "選んだ抜粋を保存する（新しい版になります）";
pub fn excerpts_by(version: u32, author: &str, at: &str) -> String {
    format!("第{version}版・{author}が選択・{at}")
}
pub fn excerpts_suppressed(count: usize, min: usize) -> String {
    if count == 0 {
        "この期間の記録はありません。".to_owned()
    } else {
        format!("この期間の記録が{min}件未満のため、個人が特定されないよう抜粋を出しません。")
    }
}

pub const REPORT_PERIODS: &str = "年度・計画期間で集計";
pub const REPORT_MIDTERM: &str = "中間評価（令和8・9年度）";
pub const REPORT_PLAN_PERIOD: &str = "計画期間全体（令和8年4月〜令和12年3月）";
pub const REPORT_DAYS: &str = "日";
pub const REPORT_WORKER: &str = "支援員";
pub const REPORT_MONTH: &str = "月";
pub const REPORT_MONTH_HEAD: &str = "月";
pub const REPORT_INTERVAL_HEAD: &str = "接触の間隔";
pub const REPORT_NOTES: &str = "注：受入までの日数は、初回の接触記録から現在の段階（支援受入・つなぎ済）になった時点までです。フォロー途絶は、期間末までの60日間に接触記録がない継続中のケースです。";
pub const VP1: &str = "1. 重層的な支援";
pub const VP2: &str = "2. 制度の狭間";
pub const VP3: &str = "3. 支援者支援";
pub const VP4: &str = "4. 伴走支援";
pub const M_CASES: &str = "多機関協働のケース数";
pub const M_MULTI_FIELD: &str = "複数分野にまたがるケース";
pub const M_SEVERAL_AGENCIES: &str =
    "うち複数の機関が役割を担うケース（プランのタスク・支援会議の役割分担がある中で）";
pub const M_MEETINGS_ML: &str = "重層的支援会議の開催（件）";
pub const M_MEETINGS_SM: &str = "支援会議の開催（件）";
pub const M_GAP_PERSONS: &str = "制度の狭間にある対象者";
pub const M_GAP_SUPPORTED: &str = "うち支援受入・つなぎ済";
pub const M_WORKERS: &str = "支援員数";
pub const M_CASELOAD_MEDIAN: &str = "担当ケース数（中央値）";
pub const M_CONTACTS: &str = "接触記録の件数";
pub const M_LONE: &str = "訪問のうち単独訪問";
pub const M_STRAIN: &str = "負担のサイン（負担感4以上・相談したい）";
pub const STRAIN_PERIOD_TOO_SHORT: &str = "非表示（期間が28日未満のため）";
/// A suppressed small count ("fewer than k").
pub fn fewer_than(k: usize) -> String {
    format!("{k}未満")
}
pub const M_FEEDBACK: &str = "SVの確認までの日数（中央値）";
pub const M_INTERVAL: &str = "接触の間隔（中央値）";
pub const M_TO_ACCEPT: &str = "初回接触から支援受入までの日数（中央値）";
pub const M_LOST: &str = "フォローが途絶えたケース";
pub const M_MONITORING: &str = "多機関協働のモニタリング（件）";
pub const M_OWN_WORDS: &str = "本人の言葉の目標があるプラン（継続中）";
pub const M_REVIEW_LATE: &str = "見直し日を過ぎたプラン（継続中）";
pub const M_CLOSED: &str = "終結したケース（終結時の評価の件数）";
pub const CHART_CASELOAD: &str = "支援員ごとの担当ケース数";
pub const CHART_VISITS: &str = "月ごとの訪問（単独／複数）";
pub const CHART_INTERVALS: &str = "接触の間隔の分布";
pub const NOT_ALONE: &str = "複数での訪問";
pub const B_WEEK: &str = "1週間以内";
pub const B_TWO_WEEKS: &str = "2週間以内";
pub const B_MONTH: &str = "1か月以内";
pub const B_TWO_MONTHS: &str = "2か月以内";
pub const B_LONGER: &str = "2か月超";
pub const CSV_VIEWPOINT: &str = "視点";
pub const CSV_METRIC: &str = "項目";
pub const CSV_VALUE: &str = "値";

/// The Japanese name of an audit action code (the code itself if unknown).
pub fn audit_action(code: &str) -> &'static str {
    match code {
        "session.login" => "ログイン",
        "session.logout" => "ログアウト",
        "console.login_failed" | "api.login_failed" => "ログイン失敗",
        "console.totp_failed" | "api.totp_failed" => "確認コード誤り",
        "console.login_locked" | "api.login_locked" => "ロック中のログイン",
        "user.deactivate" | "admin.deactivate_user" => "アカウントの停止",
        "console.denied" => "閲覧拒否",
        "review" => "記録の確認・差し戻し",
        "case.move" => "ケースの状況変更",
        "case.roster" => "構成員の変更",
        "case.meeting" => "会議の記録",
        "case.meeting_schedule" => "会議の予定",
        "case.meeting_edit" => "会議の記録の編集",
        "case.route" => "同意による会議の変更",
        "case.roster_remove" => "構成員を外した（閲覧の終了）",
        "case.access_ended" => "ケースの終了による閲覧の終了",
        "case.plan" => "支援プランの記録",
        "case.monitoring" => "モニタリングの記録",
        "case.closure" => "終結時の評価の記録",
        "case.support_record" => "支援会議の役割分担の記録",
        "case.find_request" => "アウトリーチへの発見の依頼",
        "case.referral" => "ケースの紹介",
        "case.referral_followup" => "紹介（進行中のケースへ追加）",
        "case.follow_consent" => "同意の撤回によるケースの移動",
        "referral.person" => "紹介による対象者の登録",
        "team.referral" => "紹介用の班の作成",
        "read.case_records" => "ケースの記録の閲覧",
        "read.meeting_history" => "会議の履歴の閲覧",
        "read.case" => "ケースの閲覧",
        "read.person" => "対象者の閲覧",
        "read.pull" => "タブレットへの同期",
        "read.feed" => "連携データの提供",
        "read.audit" => "監査ログの閲覧",
        "read.agenda" => "会議資料の閲覧",
        "read.report" | "read.report_csv" => "評価レポートの閲覧",
        "device.issue_code" => "登録コードの発行",
        "device.enroll" => "端末の登録",
        "device.revoke" | "admin.revoke_device" => "端末の停止",
        c if c.starts_with("console.view.") => "画面の表示",
        c if c.starts_with("push.") => "タブレットからの記録",
        c if c.starts_with("merge.") => "同時編集の記録",
        c if c.starts_with("admin.") => "管理者の操作",
        _ => "その他",
    }
}
pub const REVOKE_TITLE: &str = "端末の停止の確認";
pub const CANCEL: &str = "やめる";

// Consent given later, the roster, find-requests (issue 13).
pub const CONSENT_ARRIVED: &str = "同意あり：重層的支援会議へ移せます";
pub const ROUTE_CHANGE_TITLE: &str = "重層的支援会議へ移す（本人の同意が得られました）";
pub const ROUTE_CHANGE_LEAD: &str = "本人の同意が記録されています。このケースを重層的支援会議へ移し、構成員を確認し直してください。チェックを外した構成員は、このケースを閲覧できなくなります。支援会議で決めたことは、同意の範囲が関係機関との情報共有に及ばない限り、誓約した構成員だけが引き続き閲覧できます。";
pub const ROUTE_CHANGE_KEEP: &str = "引き続き参加する";
pub const ROUTE_CHANGE_BUTTON: &str = "重層的支援会議へ移す";
pub const DONE_ROUTE: &str =
    "ケースを重層的支援会議へ移しました。会議にかける前に構成員を確認してください。";
pub const REMOVE_MEMBER: &str = "外す";
pub const REMOVE_MEMBER_CONFIRM: &str = "この構成員はケースを閲覧できなくなります。";
pub const DONE_ROSTER_REMOVED: &str =
    "構成員を外しました。この構成員はケースを閲覧できなくなりました。";
pub const FIND_TITLE: &str = "アウトリーチに発見を依頼する";
pub const FIND_LEAD: &str = "まだどの班も接触していない方です。依頼した班のタブレットに「把握」の段階の対象者として届き、依頼内容が表示されます。";
pub const FIND_TEAM: &str = "依頼する班";
pub const FIND_REQUEST: &str = "依頼内容（誰を、どこで、なぜ探すか）";
pub const FIND_BUTTON: &str = "発見を依頼する";
pub const DONE_FIND: &str =
    "アウトリーチに発見を依頼しました。次回の同期で班のタブレットに届きます。";
pub const FIND_SHOWN: &str = "アウトリーチへの発見の依頼";
pub const FOLLOWUPS: &str = "追加の依頼・紹介";

// The household (世帯) on a case page.
pub const HOUSEHOLD_TITLE: &str = "世帯";
pub const HOUSEHOLD_NONE: &str = "世帯員の記録はありません。";
pub const HOUSEHOLD_RULE: &str = "世帯員の情報は、その世帯員本人の同意に基づいて扱います。ほかの世帯員の同意は代わりになりません。";
pub const HH_RELATION: &str = "続柄";
pub const HH_NAME: &str = "呼び名";
pub const HH_RECORD: &str = "記録";
pub const HH_CONSENT: &str = "本人同意";
pub const HH_MEETING: &str = "この事例の会議";
pub const HH_OWN_RECORD: &str = "本人の記録あり";
pub const HH_RELATION_ONLY: &str = "続柄のみ";
pub const HH_NOT_IN_CASE: &str = "この事例には含まれていません";
pub const REFERRED_BY: &str = "紹介元";
pub const REFERRED_BY_COORDINATOR: &str = "コーディネーター";
pub const CONSENT_AS_KNOWN: &str = "紹介元が把握している同意";
pub const ALREADY_ON_CASELOAD: &str = "この方はすでにアウトリーチの班が担当しています。発見の依頼ではなく、アウトリーチへ差し戻してください。";
pub const CASE_NOT_OPEN: &str =
    "このケースは終結またはアウトリーチへ差し戻し済みのため、変更できません。";
pub const ALREADY_ML: &str = "このケースはすでに重層的支援会議で検討しています。";
pub const OVERDUE_TITLE: &str = "期限を過ぎたタスク・見直し";
pub const OVERDUE_TASKS: &str = "期限を過ぎたタスク";
pub const OVERDUE_REVIEW: &str = "見直し日を過ぎています";
pub const NOTHING_OVERDUE_CASES: &str = "期限を過ぎたタスクや見直しはありません。";

// Referrals.
pub const NAV_REFERRAL: &str = "ケースの紹介";
pub const REFERRAL_TITLE: &str = "多機関協働へのケースの紹介";
pub const REFERRAL_LEAD: &str = "複数の分野にまたがり、一つの機関では対応が難しい方を多機関協働（社会福祉課）につなぎます。紹介の後、このケースは会議の構成員になった方だけが閲覧できます。";
pub const REFERRAL_PERSON: &str = "対象者";
pub const REFERRAL_EXISTING: &str = "登録済みの方";
pub const REFERRAL_NEW: &str = "新しい方（呼び名のみ）";
pub const REFERRAL_ALIAS: &str = "呼び名（例：見本 一郎 様、○○町の高齢男性）";
pub const REFERRAL_NONE_EXISTING: &str = "選べる登録済みの方はいません。";
pub const REFERRAL_CONSENT: &str = "本人の同意（把握している範囲で）";
pub const REFERRAL_CONSENT_DATE: &str = "同意の日付";
pub const REFERRAL_SUBMIT: &str = "紹介する";
pub const REFERRAL_DONE_TITLE: &str = "紹介を受け付けました";
pub const REFERRAL_DONE: &str =
    "多機関協働（社会福祉課）が受け付けました。コーディネーターから連絡があります。";
pub const REFERRAL_FOLDED: &str =
    "この方にはすでに進行中のケースがあるため、紹介はそのケースに追加されました。";
pub const REFERRAL_PICK_PERSON: &str = "登録済みの方を選ぶか、新しい方の呼び名を入力してください。";
pub const REFERRAL_FIND: &str = "あわせてアウトリーチに発見を依頼する（新しい方のみ）";
pub const CASE_NO_LABEL: &str = "案件番号";

// The plan, monitoring, closure and the 支援会議's record.
pub const PLAN_TITLE: &str = "支援プラン";
pub const PLAN_VERSION: &str = "版";
pub const PLAN_NONE: &str = "支援プランはまだありません。会議で協議したプランを記録してください。";
pub const PLAN_WRITE: &str = "支援プランを記録する";
pub const PLAN_REVISE: &str = "プランを見直す（新しい版）";
pub const PLAN_GOALS: &str = "目標";
pub const PLAN_GOAL: &str = "目標";
pub const PLAN_OWN_WORDS: &str = "本人の言葉";
pub const PLAN_TASKS: &str = "役割分担（タスク）";
pub const PLAN_TASK_WHAT: &str = "内容";
pub const PLAN_TASK_AGENCY: &str = "担当機関";
pub const PLAN_TASK_OWNER: &str = "担当者";
pub const PLAN_TASK_DUE: &str = "期限";
pub const PLAN_TASK_STATUS: &str = "状況";
pub const PLAN_NEXT_REVIEW: &str = "次回の見直し日";
pub const PLAN_FORM_LEAD: &str = "目標は、本人が語った言葉があればそのまま書き、「本人の言葉」に印を付けてください。空欄の行は無視されます。保存すると新しい版になり、前の版も残ります。";
pub const PLAN_EARLIER: &str = "以前の版";
pub const UNKNOWN_OWNER: &str = "（未定）";
pub const DONE_PLAN: &str = "支援プランを記録しました。";
pub const PLAN_REQUIRED: &str = "重層的支援会議のケースを「支援プラン」「モニタリング」に進めるには、支援プランの記録が必要です。先にプランを記録してください。";
pub const SUPPORT_RECORD_REQUIRED: &str = "支援会議のケースを先に進めるには、役割分担と支援の方向性の記録が必要です。先に記録してください。";
pub const CLOSURE_REQUIRED: &str = "終結するには、終結時の評価（結果・理由・終結後も続く支援・見守る機関）の記録が必要です。先に評価を記録してください。";
pub const PLAN_ML_ONLY: &str = "支援プランは重層的支援会議のケースで作成します。支援会議では役割分担と支援の方向性を記録してください。";
pub const SUPPORT_RECORD_SM_ONLY: &str = "役割分担と支援の方向性の記録は支援会議のケースのものです。重層的支援会議では支援プランを記録してください。";
pub const NOT_YET_AT_MEETING: &str =
    "ケースがまだ会議にかけられていません。先に会議にかけてください。";
pub const NO_PLAN_TO_MONITOR: &str =
    "モニタリングする支援プランがありません。先にプランを記録してください。";
pub const PLAN_STALE: &str =
    "ほかの人がプランを更新しました。画面を開き直して、最新の版に記録してください。";
pub const MONITORING_TITLE: &str = "モニタリング";
pub const MONITORING_NONE: &str = "モニタリングの記録はまだありません。";
pub const MONITORING_WRITE: &str = "モニタリングを記録する";
pub const MONITORING_DATE: &str = "実施日";
pub const MONITORING_PROGRESS: &str = "タスクの進み具合";
pub const MONITORING_NOTE: &str = "メモ";
pub const MONITORING_JUDGEMENT: &str = "全体の判断";
pub const MONITORING_ASSESSMENT: &str = "全体の評価";
pub const MONITORING_NEXT: &str = "次回の見直し日（終結に向ける場合は空欄可）";
pub const DONE_MONITORING: &str = "モニタリングを記録しました。";
pub const CLOSURE_TITLE: &str = "終結時の評価";
pub const CLOSURE_WRITE: &str = "終結時の評価を記録する";
pub const CLOSURE_OUTCOME: &str = "結果";
pub const CLOSURE_REASON: &str = "終結の理由";
pub const CLOSURE_CONTINUING: &str = "終結後も続く支援";
pub const CLOSURE_WATCHED_BY: &str = "見守る機関";
pub const CLOSURE_WATCHER: &str = "見守る担当者";
pub const CLOSURE_DATE: &str = "評価日";
pub const DONE_CLOSURE: &str = "終結時の評価を記録しました。ケースを終結にできます。";
pub const SUPPORT_RECORD_TITLE: &str = "役割分担と支援の方向性（支援会議の記録）";
pub const SUPPORT_RECORD_NONE: &str = "役割分担と支援の方向性はまだ記録されていません。";
pub const SUPPORT_RECORD_WRITE: &str = "役割分担と支援の方向性を記録する";
pub const SUPPORT_RECORD_LEAD: &str = "支援会議では支援プランを作りません。役割を担う機関の欄だけ入力してください。この記録は守秘義務の誓約をした構成員だけが閲覧できます。";
pub const SUPPORT_RECORD_ROLE: &str = "この機関の役割";
pub const SUPPORT_RECORD_DIRECTION: &str = "支援の方向性";
pub const DONE_SUPPORT_RECORD: &str = "役割分担と支援の方向性を記録しました。";
pub const RECORDED_BY: &str = "記録";

// Meetings: scheduling and editing.
pub const SCHEDULE_MEETING_TITLE: &str = "会議の予定を立てる";
pub const MEETING_PLACE: &str = "場所";
pub const MEETING_INVITEES: &str = "招集する構成員";
pub const MEETING_SCHEDULE_BUTTON: &str = "予定を登録する";
pub const DONE_SCHEDULED: &str = "会議の予定を登録しました。";
pub const MEETING_SCHEDULED_BADGE: &str = "開催予定";
pub const MEETING_RECORD_THIS: &str = "開催後に記録する";
pub const MEETING_EDIT: &str = "編集";
pub const MEETING_EDIT_TITLE: &str = "会議の記録の編集";
pub const MEETING_HISTORY: &str = "この会議の履歴";
pub const MEETING_VERSION: &str = "第";
pub const DONE_MEETING_EDITED: &str = "会議の記録を更新しました。前の版も履歴に残っています。";
pub const SCHEDULE_IN_PAST: &str =
    "予定日が過去の日付です。今日以降の日付を選ぶか、開催済みの会議として記録してください。";
pub const MEETING_NEEDS_INVITEE: &str = "招集する構成員を1人以上選んでください。";
pub const INVITEE_NOT_ON_ROSTER: &str = "招集する方がこのケースの構成員ではありません。";
pub const MEETING_ALREADY_HELD: &str = "開催済みの会議を予定に戻すことはできません。";
pub const MEETING_CHANGED: &str =
    "ほかの人がこの会議の記録を更新しました。画面を開き直してください。";
pub const NEXT_MEETING: &str = "次回の会議";

// 地域資源 (参加支援, issue 18).
pub const NAV_RESOURCES: &str = "地域資源";
pub const NAV_COMMUNITY: &str = "地域活動";
pub const RESOURCES_TITLE: &str = "地域資源の一覧（参加支援）";
pub const RESOURCES_LEAD: &str = "参加支援でつなぐ先となる地域資源です。ここで登録・更新した内容は、アウトリーチ支援員のタブレットに次の同期で届きます（タブレットからは変更できません）。";
pub const RESOURCES_NONE: &str = "登録されている地域資源はまだありません。";
pub const RESOURCES_BACK: &str = "地域資源の一覧へ戻る";
pub const RESOURCE_ADD: &str = "地域資源を登録する";
pub const RESOURCE_EDIT: &str = "地域資源を編集する";
pub const RESOURCE_SAVE: &str = "保存する";
pub const RESOURCE_NAME: &str = "名称";
pub const RESOURCE_KIND: &str = "種類";
pub const RESOURCE_AREAS: &str = "対象の町丁";
pub const RESOURCE_AREAS_HINT: &str = "（選ばなければ市内全域。Ctrlキーを押しながら複数選べます）";
pub const RESOURCE_CITYWIDE: &str = "市内全域";
pub const RESOURCE_FOR_WHOM: &str = "対象者";
pub const RESOURCE_DAYS: &str = "開催日・時間";
pub const RESOURCE_CONTACT: &str = "連絡先（機関・電話）";
pub const RESOURCE_ACCEPTS: &str = "新規の受け入れ可";
pub const RESOURCE_OPEN: &str = "受入可";
pub const RESOURCE_FULL: &str = "受入停止中";
pub const RESOURCE_UPDATED: &str = "更新日時";

// The report's 参加支援 figures (issue 18).
pub const REPORT_SCHEMES: &str = "合わなかった制度（制度の狭間、制度別）";
pub const REPORT_SCHEME: &str = "制度";
pub const REPORT_PERSONS: &str = "対象者数";
pub const REPORT_UNMET_TITLE: &str = "参加支援：資源が見つからなかったニーズ";
pub const REPORT_UNMET_LEAD: &str = "アウトリーチ支援員が「合う地域資源がない」と記録したニーズを、ニーズの種類と町丁ごとに数えています（社会資源の充足状況の把握と開発のため）。5件未満は「5未満」と表示します。未解消は期間末の時点で、まだどの資源にもつながっていないものです。";
pub const REPORT_UNMET_RECORDED: &str = "記録された件数";
pub const REPORT_UNMET_OPEN: &str = "うち未解消";
pub const REPORT_UNMET_LONGEST: &str = "未解消の最長日数";
pub const REPORT_UNMET_NONE: &str =
    "この期間に記録された、資源が見つからなかったニーズはありません。";
pub const REPORT_NEED: &str = "ニーズ";
pub const REPORT_AREA: &str = "町丁";

// 地域づくり: community activities (issue 18).
pub const CO_TITLE: &str = "地域活動の記録（地域づくり）";
pub const CO_LEAD: &str = "アウトリーチ支援員がタブレットで記録した、特定の方に限らない地域での活動（民生委員の定例会、サロン訪問、自治会での説明、地域の巡回、関係機関との打合せ）です。住民の名前は記録せず、役割と人数だけを残しています。";
pub const CO_AREA: &str = "町丁";
pub const CO_ALL_AREAS: &str = "すべての町丁";
pub const CO_WHEN: &str = "実施日時";
pub const CO_KIND: &str = "活動";
pub const CO_PARTICIPANTS: &str = "参加者（役割と人数）";
pub const CO_LEARNED: &str = "わかったこと";
pub const CO_FOLLOW_UP: &str = "今後の対応";
pub const CO_FOUND: &str = "把握した人（現在の段階）";
pub const CO_FOUND_ELSEWHERE: &str =
    "ほかに把握した人がいます（担当の班のケースのため、ここには表示しません）。";
pub const CO_TEAM: &str = "班";
pub const CO_PEOPLE: &str = "人";
pub const CO_NONE: &str = "この期間・町丁の地域活動の記録はありません。";
pub const CO_FILTER_BAD: &str = "期間の日付が読めません。";
pub const CO_FILTER_ORDER: &str = "期間の終わりが始まりより前です。日付を選び直してください。";
pub const CO_FILTER_AREA: &str = "町丁が一覧にありません。一覧から選んでください。";

pub fn co_summary(from: &str, to: &str, n: usize, found: usize) -> String {
    format!("{from}〜{to}：地域活動 {n}件、そこから把握した人 {found}人")
}
