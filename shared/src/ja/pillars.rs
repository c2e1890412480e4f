//! Japanese labels of 参加支援 (the 地域資源 catalogue, needs, trials) and
//! the field names of their validation messages.

use super::Label;
use crate::domain::{
    ActivityKind, NeedKind, ParticipantRole, ResourceKind, TrialOutcome, TrialStep, Viewpoint,
};

labels!(ResourceKind {
    T::PlaceToBe => "居場所",
    T::WorkTrial => "就労体験・就労準備",
    T::StudySupport => "学習支援",
    T::Salon => "サロン",
    T::ParentingPlaza => "子育てひろば",
    T::ChildrensHall => "児童館",
    T::HealthClass => "健康教室",
    T::Volunteering => "ボランティア活動",
    T::Other => "その他",
});

labels!(NeedKind {
    T::PlaceToBe => "居場所がほしい",
    T::Work => "働いてみたい",
    T::Study => "学び直したい",
    T::Company => "人と話したい・仲間がほしい",
    T::Parenting => "子育ての仲間・相談",
    T::Health => "体を動かしたい・健康づくり",
    T::Contribute => "人の役に立ちたい",
    T::Other => "その他",
});

labels!(Viewpoint {
    T::MultiLayered => "1. 重層的な支援",
    T::SchemeGap => "2. 制度の狭間",
    T::SupporterSupport => "3. 支援者支援",
    T::Continuity => "4. 伴走支援",
});

labels!(TrialStep {
    T::Proposed => "提案",
    T::Started => "参加開始",
});

labels!(TrialOutcome {
    T::Started => "参加開始",
    T::Continuing => "継続中",
    T::Stopped => "中断",
});

labels!(ActivityKind {
    T::WelfareCommissionerMeeting => "民生委員の会議・定例会に出席",
    T::SalonVisit => "サロン訪問",
    T::NeighbourhoodTalk => "自治会での説明",
    T::Patrol => "地域の巡回",
    T::AgencyMeeting => "関係機関との打合せ",
    T::Other => "その他",
});

labels!(ParticipantRole {
    T::WelfareCommissioner => "民生委員・児童委員",
    T::NeighbourhoodAssociation => "自治会役員",
    T::Resident => "地域住民",
    T::AgencyStaff => "関係機関の職員",
    T::CommunityCareCentre => "地域包括支援センター",
    T::Volunteer => "ボランティア",
    T::CouncilStaff => "社協の職員",
    T::Other => "その他",
});

/// The Japanese name of a 参加支援 field path (without the operation's
/// envelope), for [`super::field_label`].
pub(super) fn field_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "resource.name" => "資源の名称",
        "resource.kind" => "資源の種類",
        "resource.areas" => "対象の町丁",
        "resource.for_whom" => "対象者",
        "resource.days" => "開催日",
        "resource.contact" => "連絡先",
        "participation.recorded_at" => "記録日時",
        "participation.needs" => "ニーズ",
        "participation.note" => "メモ",
        "participation.unmet.area" => "資源がない町丁",
        "participation.unmet.description" => "足りない資源の内容",
        "participation.resource" => "試行先の資源",
        "participation.meets" => "応えるニーズ",
        "participation.trial" => "試行",
        "participation.reason" => "中断の理由",
        "narrative.text" => "評価の記述",
        "narrative.from" => "集計期間",
        "community.kind" => "活動の種類",
        "community.area" => "町丁",
        "community.held_at" => "実施日時",
        "community.recorded_at" => "記録日時",
        "community.participants" => "参加者（役割と人数）",
        "community.participants.role" => "参加者の役割",
        "community.participants.count" => "参加者の人数",
        "community.learned" => "わかったこと",
        "community.follow_up" => "今後の対応",
        "community.persons_to_find" => "把握した人",
        "community.find_alias" => "把握した人の呼び名",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_need_and_outcome_has_a_japanese_label() {
        let mut all: Vec<&str> = ResourceKind::ALL.iter().map(Label::ja).collect();
        all.extend(NeedKind::ALL.iter().map(Label::ja));
        all.extend(TrialOutcome::ALL.iter().map(Label::ja));
        all.extend(ActivityKind::ALL.iter().map(Label::ja));
        all.extend(ParticipantRole::ALL.iter().map(Label::ja));
        assert!(all.iter().all(|l| !l.is_empty() && !l.is_ascii()));
        assert_eq!(ResourceKind::ChildrensHall.ja(), "児童館");
        assert_eq!(
            super::super::field_label("payload.participation.reason"),
            "中断の理由"
        );
        assert_eq!(
            super::super::field_label("payload.community.participants.1.count"),
            "参加者の人数"
        );
    }
}
