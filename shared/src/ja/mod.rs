//! Japanese presentation, in one place: a label for every enum, the names of
//! fields in error messages, 令和 dates and local time in Asia/Tokyo.
//!
//! The era comes from ICU4X's Japanese calendar (not a hand-written table),
//! local time from the tz database (chrono-tz). Reading what people type
//! (dates in 令和 or 西暦, birth years, text in any width) is in [`input`].

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use icu_calendar::Date;
use icu_calendar::cal::Japanese;

use crate::access::Role;
use crate::domain::*;
use crate::protocol::CaseMoveCause;

mod input;
pub use input::{
    DateInputError, date_input_text, nfkc, normalize_kana, parse_birth_year, parse_date,
};

/// A Japanese label for a value shown to people.
pub trait Label {
    fn ja(&self) -> &'static str;
}

macro_rules! labels {
    ($ty:ty { $($variant:pat => $text:expr),+ $(,)? }) => {
        impl Label for $ty {
            fn ja(&self) -> &'static str {
                #[allow(unused_imports)]
                use $ty as T;
                match self { $($variant => $text),+ }
            }
        }
    };
}

labels!(PauseReason {
    T::Refused => "拒否",
    T::Moved => "転居",
    T::InHospital => "入院",
    T::Deceased => "死亡",
});

labels!(Stage {
    T::Identified => "把握",
    T::TryingToReach => "接触試行中",
    T::FirstContact => "初回接触",
    T::RelationshipForming => "関係構築中",
    T::AcceptsSupport => "支援受入",
    T::HandedOn => "つなぎ済",
    T::Closed => "終結",
    T::Paused(PauseReason::Refused) => "休止（拒否）",
    T::Paused(PauseReason::Moved) => "休止（転居）",
    T::Paused(PauseReason::InHospital) => "休止（入院）",
    T::Paused(PauseReason::Deceased) => "休止（死亡）",
});

labels!(LifeField {
    T::Elderly => "高齢",
    T::Disability => "障害",
    T::ChildrenParenting => "子ども・子育て",
    T::Poverty => "生活困窮",
});

labels!(CrossTag {
    T::Hikikomori => "ひきこもり",
    T::EightyFifty => "8050",
    T::DoubleCare => "ダブルケア",
    T::YoungCarer => "ヤングケアラー",
    T::SchemeGap => "制度の狭間",
    T::Isolation => "孤独・孤立",
});

labels!(Scheme {
    T::LongTermCareInsurance => "介護保険",
    T::DisabilityServices => "障害福祉サービス",
    T::ChildWelfare => "児童福祉・子育て支援",
    T::PublicAssistance => "生活保護",
    T::SelfRelianceSupport => "生活困窮者自立支援",
    T::HealthCare => "医療・精神保健",
    T::Other => "その他",
});

labels!(ConsentStatus {
    T::None => "未取得",
    T::Verbal => "口頭同意",
    T::Written => "書面同意",
    T::Withdrawn => "撤回",
});

labels!(ConsentScope {
    T::ShareWithAgencies => "関係機関との情報共有",
    T::MultiLayeredMeeting => "重層的支援会議での検討",
    T::ContactFamily => "家族への連絡",
});

labels!(ContactMethod {
    T::HomeVisit => "家庭訪問",
    T::Phone => "電話",
    T::LetterOrNote => "手紙・置き手紙",
    T::CommunityPlace => "地域の場",
    T::AccompaniedVisit => "同行訪問",
    T::AgencyInformation => "関係機関からの情報",
    T::ResidentInformation => "住民からの情報",
    T::WelfareCommissionerInformation => "民生委員からの情報",
    T::FamilyContact => "家族との接触",
});

labels!(MetWhom {
    T::Person => "本人",
    T::FamilyOnly => "家族のみ",
    T::Nobody => "会えず",
});

labels!(PersonResponse {
    T::Refused => "拒否",
    T::Brief => "短いやりとり",
    T::Open => "打ち解けた",
});

labels!(Accompaniment {
    T::Alone => "単独",
    T::Pair => "職員2名",
    T::WithAgency => "関係機関と同行",
    T::WithWelfareCommissioner => "民生委員と同行",
});

labels!(DangerSign {
    T::Violence => "暴言・暴力",
    T::SelfHarm => "自傷・希死念慮",
    T::Frailty => "衰弱・低栄養",
    T::LivingConditions => "住環境の悪化",
    T::UtilitiesCut => "ライフラインの停止",
    T::SuspectedAbuse => "虐待の疑い",
    T::Hazard => "動物・危険物",
});

labels!(Sex {
    T::Female => "女性",
    T::Male => "男性",
    T::Other => "その他",
    T::Unknown => "不明",
});

labels!(Relation {
    T::Parent => "親",
    T::Child => "子",
    T::Spouse => "配偶者",
    T::Sibling => "きょうだい",
    T::Grandparent => "祖父母",
    T::Grandchild => "孫",
    T::OtherRelative => "その他の親族",
    T::NonRelative => "同居人（親族以外）",
});

labels!(NoticedBy {
    T::Agency => "支援関係機関",
    T::WelfareCommissioner => "民生委員・児童委員",
    T::Resident => "近隣住民",
    T::Family => "家族・親族",
    T::Themselves => "本人",
    T::Outreach => "アウトリーチ",
});

labels!(Route {
    T::MultiLayeredMeeting => "重層的支援会議",
    T::SupportMeeting => "支援会議",
});

labels!(ExcerptSource {
    T::ClosureEvaluation => "終結時の評価",
    T::SchemeGap => "制度の狭間の理由",
    T::UnmetNeed => "資源のないニーズ",
    T::ReturnReason => "アウトリーチへの差し戻し理由",
});

labels!(crate::access::MemberShown {
    T::Visible => "同じチームの担当",
    T::OtherTeam => "他チームの担当",
    T::Hidden => "表示できません",
});

/// What a household member of a case is for that case's meeting, by
/// their own consent (`CaseQueueItem::discusses`).
pub fn member_meeting_label(discussed: bool, route: Route) -> &'static str {
    match (discussed, route) {
        (true, Route::MultiLayeredMeeting) => "重層的支援会議で検討（本人同意あり）",
        (true, Route::SupportMeeting) => "支援会議で検討（守秘義務のもと）",
        (false, _) => "本人同意がないため重層的支援会議では扱いません",
    }
}

labels!(Urgency {
    T::Emergency => "緊急",
    T::High => "早期対応",
    T::Normal => "通常",
});

labels!(CaseStatus {
    T::Received => "受付",
    T::Triage => "振り分け中",
    T::MeetingScheduled => "会議予定",
    T::Plan => "支援プラン",
    T::Monitoring => "モニタリング",
    T::Closed => "終結",
    T::ReturnedToOutreach => "アウトリーチへ差し戻し",
});

labels!(CaseMoveCause {
    T::Escalated => "アウトリーチからの依頼",
    T::Coordinator => "コーディネーター",
    T::ConsentChanged => "同意の変更",
    T::Roster => "構成員の変更",
    T::RouteChanged => "同意による会議の変更",
    T::Referred => "関係機関・コーディネーターからの紹介",
    T::FollowUp => "追加の依頼・紹介",
    T::FindRequested => "アウトリーチへの発見の依頼",
});

labels!(MeetingState {
    T::Scheduled => "開催予定",
    T::Held => "開催済",
});

labels!(TaskStatus {
    T::NotStarted => "未着手",
    T::InProgress => "実施中",
    T::Done => "完了",
    T::Dropped => "中止",
});

labels!(Judgement {
    T::OnTrack => "順調（プランを継続）",
    T::NeedsRevision => "プランの見直しが必要",
    T::ReadyToClose => "終結に向けて評価する",
});

labels!(ClosureOutcome {
    T::Resolved => "課題が解決した",
    T::Stabilised => "生活が安定し見守りに移行",
    T::HandedOn => "他の支援・制度につないだ",
    T::Ended => "本人の意向などにより終了",
});

labels!(MeetingPurpose {
    T::Planning => "支援プランの検討",
    T::Monitoring => "モニタリング",
    T::Closure => "終結時の評価",
});

labels!(ReviewStatus {
    T::Pending => "確認待ち",
    T::Approved => "確認済",
    T::Returned => "差し戻し",
});

labels!(Role {
    T::OutreachWorker => "アウトリーチ支援員",
    T::Supervisor => "スーパーバイザー",
    T::Coordinator => "多機関協働コーディネーター",
    T::AgencyMember => "支援関係機関",
});

labels!(AgencyKind {
    T::Direct => "直営",
    T::Commissioned => "委託",
});

/// The Japanese name of a field path used in validation errors. Indices in
/// the path (`members.0.note`) are ignored, and so are the envelopes of an
/// operation (`payload.`, `merged.`, `changes.N.value.`); unknown paths are
/// shown as is.
pub fn field_label(path: &str) -> String {
    if path.starts_with(crate::merge::household::MEMBER_PREFIX) {
        return "世帯員".into();
    }
    let parts: Vec<&str> = path
        .split('.')
        .filter(|p| p.parse::<usize>().is_err())
        .skip_while(|p| matches!(*p, "payload" | "merged" | "changes" | "value"))
        .collect();
    let key = parts.join(".");
    let name = match key.as_str() {
        "alias" => "呼び名",
        "kana" => "ふりがな",
        "birth_year" => "生まれ年",
        "sex" => "性別",
        "area" => "地区",
        "summary" => "概要",
        "noticed_by" => "気づきの経路",
        "household.members" => "世帯員",
        "household.members.id" => "世帯員",
        "household.members.alias" => "世帯員の呼び名",
        "household.members.birth_year" => "世帯員の生まれ年",
        "household.members.note" => "世帯員のメモ",
        "household.members.person" => "世帯員の本人記録",
        "household" | "household.person_id" => "世帯として付議する世帯員",
        "household.route" => "世帯員の付議先",
        "member.person" => "世帯員の本人記録",
        "member" | "member.id" => "世帯員",
        "member.alias" => "世帯員の呼び名",
        "member.birth_year" => "世帯員の生まれ年",
        "member.note" => "世帯員のメモ",
        "handover.note" => "引き継ぎメモ",
        "handover.worker" => "引き継ぎ先の支援員",
        "visit.expected_end" => "終了予定",
        "visit.started_at" => "訪問開始",
        "visit.ended_at" => "訪問終了",
        "note" | "stage_note" => "段階の理由",
        "note.reason" | "stage_note.reason" => "理由",
        "note.handed_to" | "stage_note.handed_to" => "つなぎ先",
        "from" | "to" => "関係の段階",
        "scheme_gap" => "制度の狭間",
        "scheme_gap.schemes_not_fitting" => "合わなかった制度",
        "scheme_gap.why" => "制度が合わなかった理由",
        "created_at" => "登録日時",
        "consent.status" | "status" => "状態",
        "consent.scope" | "scope" => "同意の範囲",
        "consent.date" | "date" => "日付",
        "consent.recorded_by" | "recorded_by" => "記録者",
        "occurred_at" => "接触日時",
        "duration_minutes" => "所要時間（分）",
        "method" => "接触方法",
        "met" => "会えた相手",
        "response" => "本人の反応",
        "observation" => "様子・観察",
        "reflection.note" => "振り返り",
        "next_action.what" => "次回の予定",
        "next_action.due" => "次回の期日",
        "revises" => "修正元の記録",
        "reason" => "理由",
        "fields" => "分野",
        "agencies_involved" => "関わっている機関",
        "raised_at" => "依頼日時",
        "route" => "付議先",
        "return_reason" => "差し戻しの理由",
        "roster" => "構成員",
        "roster.user" => "構成員",
        "roster.agency" => "構成員の所属機関",
        "comment" => "コメント",
        "stage" => "関係の段階",
        "user" => "職員",
        "keep" => "引き続き参加する構成員",
        "goals" => "目標",
        "goals.text" => "目標",
        "tasks" => "役割分担（タスク）",
        "tasks.id" => "タスク",
        "tasks.what" => "タスクの内容",
        "tasks.agency" => "タスクの担当機関",
        "tasks.owner" => "タスクの担当者",
        "tasks.due" => "タスクの期限",
        "next_review" => "次回の見直し日",
        "version" | "plan_version" | "base_version" => "プランの版",
        "plan" => "支援プラン",
        "held_on" => "開催日",
        "progress.task" => "モニタリングのタスク",
        "progress.note" => "進み具合のメモ",
        "assessment" => "全体の評価",
        "judgement" => "全体の判断",
        "continuing" => "終結後も続く支援",
        "watched_by" => "見守る機関",
        "watcher" => "見守る担当者",
        "evaluated_on" => "評価日",
        "closure" => "終結時の評価",
        "support_record" => "役割分担と支援の方向性",
        "roles" => "各機関の役割",
        "roles.agency" => "機関",
        "roles.role" => "役割",
        "direction" => "支援の方向性",
        "place" => "場所",
        "invitees" => "招集する構成員",
        "attendees" => "出席者",
        "decisions" => "決定事項",
        "person.alias" => "呼び名",
        "find.team" | "team" => "担当の班",
        "find.request" | "request" => "アウトリーチへの依頼内容",
        _ => return pillars::field_label(&key).unwrap_or(path).to_owned(),
    };
    name.to_owned()
}

/// To whom a person was handed on, in words: the agency's name, or the
/// resource as written.
pub fn handed_to(h: &HandedTo) -> String {
    match h {
        HandedTo::Agency(id) => id
            .agency()
            .map(|a| a.name.to_owned())
            .unwrap_or_else(|| id.0.clone()),
        HandedTo::Resource(r) => r.clone(),
    }
}

/// A stage with its reason, e.g. `つなぎ済（地域包括支援センターあさひ）`.
pub fn stage_with_note(stage: Stage, note: Option<&StageNote>) -> String {
    match note.and_then(|n| n.handed_to.as_ref()) {
        Some(to) => format!("{}（{}）", stage.ja(), handed_to(to)),
        None => stage.ja().to_owned(),
    }
}

/// The label of a stage code (`first_contact`, `paused:refused`).
pub fn stage_code_label(code: &str) -> &'static str {
    Stage::PATH
        .into_iter()
        .chain(PauseReason::ALL.map(Stage::Paused))
        .find(|s| s.code() == code)
        .map(|s| s.ja())
        .unwrap_or("不明な段階")
}

/// The label of a case status code (`triage`).
pub fn case_status_code_label(code: &str) -> &'static str {
    CaseStatus::ALL
        .into_iter()
        .find(|s| s.code() == code)
        .map(|s| s.ja())
        .unwrap_or("不明な状況")
}

/// The instant a local day (Asia/Tokyo) begins: 00:00 日本時間.
pub fn local_day_start(d: NaiveDate) -> DateTime<Utc> {
    Tokyo
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The local date in Asia/Tokyo of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Tokyo).date_naive()
}

/// The Japanese era and year of a date, e.g. `("令和", 8)`.
pub fn era_year(date: NaiveDate) -> Option<(&'static str, i32)> {
    let iso = Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8).ok()?;
    let jp = iso.to_calendar(Japanese::new());
    let ey = jp.year().era()?;
    let era = match ey.era.as_str() {
        "reiwa" => "令和",
        "heisei" => "平成",
        "showa" => "昭和",
        "taisho" => "大正",
        "meiji" => "明治",
        _ => return None,
    };
    Some((era, ey.year))
}

/// A date in the Japanese era, e.g. `令和8年3月1日` (`令和元年` for year 1).
/// Dates before the Meiji era are written in the Western calendar.
pub fn era_date(date: NaiveDate) -> String {
    match era_year(date) {
        Some((era, 1)) => format!("{era}元年{}月{}日", date.month(), date.day()),
        Some((era, y)) => format!("{era}{y}年{}月{}日", date.month(), date.day()),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// A date with its weekday, e.g. `令和8年3月1日（日）`.
pub fn era_date_weekday(date: NaiveDate) -> String {
    format!(
        "{}（{}）",
        era_date(date),
        WEEKDAYS[date.weekday().num_days_from_monday() as usize]
    )
}

/// An instant in local time, e.g. `令和8年3月1日 14:05`.
pub fn local_datetime(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Tokyo);
    format!("{} {}", era_date(local.date_naive()), local.format("%H:%M"))
}

/// A local time of day, e.g. `14:05`.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Tokyo).format("%H:%M").to_string()
}

/// An approximate birth year shown to people, e.g. `1975年ごろ（昭和50年）`.
pub fn birth_year(b: BirthYear) -> String {
    let era = NaiveDate::from_ymd_opt(b.year, 7, 1)
        .and_then(era_year)
        .map(|(e, y)| {
            if y == 1 {
                format!("（{e}元年）")
            } else {
                format!("（{e}{y}年）")
            }
        })
        .unwrap_or_default();
    let approx = if b.approximate { "ごろ" } else { "" };
    format!("{}年{approx}{era}", b.year)
}

// Labels of 参加支援 and 地域づくり (after `labels!`, which it uses).
mod pillars;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn era_dates() {
        assert_eq!(era_date(d(2026, 3, 1)), "令和8年3月1日");
        assert_eq!(era_date(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(era_date(d(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(era_date(d(1989, 1, 7)), "昭和64年1月7日");
        assert_eq!(era_date(d(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(era_date(d(2030, 3, 31)), "令和12年3月31日");
        assert_eq!(era_date_weekday(d(2026, 3, 1)), "令和8年3月1日（日）");
    }

    #[test]
    fn local_time_is_tokyo() {
        // 15:30 UTC on 28 Feb is 00:30 on 1 March in Tokyo.
        let at = Utc.with_ymd_and_hms(2026, 2, 28, 15, 30, 0).unwrap();
        assert_eq!(local_datetime(at), "令和8年3月1日 00:30");
        assert_eq!(local_date(at), d(2026, 3, 1));
        assert_eq!(local_time(at), "00:30");
    }

    #[test]
    fn birth_years() {
        assert_eq!(
            birth_year(BirthYear {
                year: 1975,
                approximate: true
            }),
            "1975年ごろ（昭和50年）"
        );
        assert_eq!(
            birth_year(BirthYear {
                year: 2019,
                approximate: false
            }),
            "2019年（令和元年）"
        );
    }

    #[test]
    fn every_enum_value_has_a_label() {
        let mut all: Vec<&str> = Vec::new();
        all.extend(LifeField::ALL.iter().map(Label::ja));
        all.extend(CrossTag::ALL.iter().map(Label::ja));
        all.extend(Scheme::ALL.iter().map(Label::ja));
        all.extend(ConsentStatus::ALL.iter().map(Label::ja));
        all.extend(ConsentScope::ALL.iter().map(Label::ja));
        all.extend(ContactMethod::ALL.iter().map(Label::ja));
        all.extend(MetWhom::ALL.iter().map(Label::ja));
        all.extend(PersonResponse::ALL.iter().map(Label::ja));
        all.extend(Accompaniment::ALL.iter().map(Label::ja));
        all.extend(DangerSign::ALL.iter().map(Label::ja));
        all.extend(Sex::ALL.iter().map(Label::ja));
        all.extend(Relation::ALL.iter().map(Label::ja));
        all.extend(NoticedBy::ALL.iter().map(Label::ja));
        all.extend(Urgency::ALL.iter().map(Label::ja));
        all.extend(CaseStatus::ALL.iter().map(Label::ja));
        all.extend(MeetingPurpose::ALL.iter().map(Label::ja));
        all.extend(CaseMoveCause::ALL.iter().map(Label::ja));
        all.extend(MeetingState::ALL.iter().map(Label::ja));
        all.extend(TaskStatus::ALL.iter().map(Label::ja));
        all.extend(Judgement::ALL.iter().map(Label::ja));
        all.extend(ClosureOutcome::ALL.iter().map(Label::ja));
        all.extend(Role::ALL.iter().map(Label::ja));
        all.extend(Stage::PATH.iter().map(Label::ja));
        all.extend(PauseReason::ALL.map(Stage::Paused).iter().map(Label::ja));
        assert!(
            all.iter()
                .all(|l| !l.is_empty() && (!l.is_ascii() || *l == "8050"))
        );
    }

    #[test]
    fn field_labels_ignore_indices() {
        assert_eq!(field_label("household.members.3.note"), "世帯員のメモ");
        assert_eq!(field_label("next_action.due"), "次回の期日");
        assert_eq!(field_label("something_new"), "something_new");
        assert_eq!(field_label("payload.observation"), "様子・観察");
        assert_eq!(
            field_label("merged.household.members.2.note"),
            "世帯員のメモ"
        );
        assert_eq!(
            field_label("payload.changes.0.value.member.alias"),
            "世帯員の呼び名"
        );
        assert_eq!(field_label("payload.note.handed_to"), "つなぎ先");
        assert_eq!(
            field_label("household/01a21b7c-51c4-7aa0-9471-bc1b4f497eb2"),
            "世帯員"
        );
        assert_eq!(stage_code_label("paused:moved"), "休止（転居）");
        assert_eq!(case_status_code_label("triage"), "振り分け中");
    }
}
