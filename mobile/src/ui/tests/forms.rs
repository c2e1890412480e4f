//! The form screens: registering a person, a household member, the date
//! fields in 令和, the stage with its reason, consent with its date; and
//! that no free-text field lets the keyboard learn what it holds.

use super::*;

/// Every `<input type="text">`, `<input type="search">` and `<textarea>` of
/// the page has autocomplete, autocorrect and spellcheck off.
fn assert_private_text_fields(html: &str) {
    let mut found = 0;
    for (i, _) in html.match_indices('<') {
        let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
        let text_like = tag.starts_with("<textarea")
            || (tag.starts_with("<input")
                && (tag.contains("type=\"text\"") || tag.contains("type=\"search\"")));
        if text_like {
            found += 1;
            for attr in [
                "autocomplete=\"off\"",
                "autocorrect=\"off\"",
                "spellcheck=\"false\"",
            ] {
                assert!(tag.contains(attr), "{attr} missing in {tag}");
            }
        }
    }
    assert!(found > 0, "the page has text fields to check");
}

#[test]
fn the_register_screen_asks_only_for_an_alias_and_reads_era_years() {
    let mut s = unlocked();
    update(&mut s, Msg::StartRegister, now());
    let html = render(s.clone());
    assert!(html.contains(t::REGISTER_TITLE) && html.contains(t::REGISTER_LEAD));
    assert!(html.contains(t::PF_ALIAS) && html.contains(t::PF_KANA));
    assert!(
        html.contains("民生委員・児童委員") && html.contains("近隣住民"),
        "how noticed"
    );
    assert!(html.contains("栄町2丁目"), "町丁 list");
    assert!(
        html.contains("孤独・孤立") && html.contains("ヤングケアラー"),
        "tags"
    );
    assert!(
        !html.contains(t::PF_GAP_WHY),
        "the 制度の狭間 note only with its tag"
    );
    assert_private_text_fields(&html);
    update(&mut s, Msg::PfBirthYear("S50".into()), now());
    update(&mut s, Msg::PfToggleTag(CrossTag::SchemeGap), now());
    let html = render(s.clone());
    assert!(
        html.contains("1975年（昭和50年）"),
        "the year in both calendars"
    );
    assert!(html.contains(t::PF_GAP_WHY) && html.contains("生活保護"));
    assert_private_text_fields(&html);
    update(&mut s, Msg::PfBirthYear("ずっと前".into()), now());
    assert!(render(s).contains("生まれ年として読めません"));
}

#[test]
fn the_member_form_adds_edits_and_asks_before_removing() {
    let mut p = person("架空 世帯", 11);
    let m = HouseholdMember {
        id: HouseholdMemberId::new_v7(1, [1; 10]),
        relation: Relation::Parent,
        alias: Some("母".into()),
        birth_year: None,
        lives_together: true,
        note: Some("膝が悪い".into()),
        person: None,
    };
    p.household.members.push(m.clone());
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartAddMember, now());
    let html = render(s.clone());
    assert!(html.contains(t::MEMBER_TITLE_NEW) && html.contains("きょうだい"));
    assert!(!html.contains(t::REMOVE_MEMBER), "nothing to remove yet");
    assert_private_text_fields(&html);
    update(&mut s, Msg::SaveMember, now());
    assert!(render(s.clone()).contains(t::ERR_CHOOSE_RELATION));

    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartEditMember(m.id), now());
    let html = render(s.clone());
    assert!(html.contains(t::MEMBER_TITLE_EDIT) && html.contains("膝が悪い"));
    assert!(html.contains(t::REMOVE_MEMBER));
    update(&mut s, Msg::RemoveMemberRequested, now());
    let html = render(s);
    assert!(html.contains(t::REMOVE_MEMBER_CONFIRM) && html.contains(t::REMOVE_YES));
}

#[test]
fn date_fields_take_era_dates_and_show_the_era_beside() {
    let p = person("架空 日付", 12);
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartContact, now());
    update(&mut s, Msg::ContactNextDue("R8.6.10".into()), now());
    let html = render(s.clone());
    assert!(html.contains("令和8年6月10日（水）"), "the 和暦 beside");
    assert!(
        html.contains("type=\"date\"") && html.contains("value=\"2026-06-10\""),
        "the picker follows the typed date"
    );
    assert!(html.contains(t::DATE_PLACEHOLDER));
    assert_private_text_fields(&html);
    update(&mut s, Msg::ContactNextDue("令和1年4月1日".into()), now());
    assert!(render(s).contains("令和の期間にありません"));
}

#[test]
fn the_stage_screen_asks_why_and_to_whom_and_consent_takes_its_date() {
    let mut p = person("架空 つなぎ", 13);
    p.stage = Stage::AcceptsSupport;
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartStageConsent, now());
    let html = render(s.clone());
    assert!(html.contains(t::CONSENT_DATE));
    assert!(
        html.contains("令和8年6月1日（月）"),
        "today by default, in the era"
    );
    assert!(!html.contains(t::STAGE_REASON_HANDED_HINT));
    update(&mut s, Msg::ChooseStage(Stage::HandedOn), now());
    let html = render(s.clone());
    assert!(html.contains(t::HANDED_TO) && html.contains(t::HANDED_RESOURCE));
    assert!(
        html.contains("地域包括支援センターあさひ"),
        "the plan's agencies"
    );
    assert!(html.contains(&t::stage_to("つなぎ済")));
    assert_private_text_fields(&html);
    update(&mut s, Msg::ConfirmStage, now());
    assert!(render(s.clone()).contains("理由を入力してください"));
    update(&mut s, Msg::ChooseStage(Stage::Closed), now());
    let html = render(s.clone());
    assert!(html.contains(t::STAGE_REASON_CLOSED_HINT));
    assert!(
        !html.contains(t::HANDED_RESOURCE),
        "closing names no つなぎ先"
    );
    update(&mut s, Msg::ConsentDate("R8.7.1".into()), now());
    update(&mut s, Msg::GiveConsent(ConsentStatus::Verbal), now());
    assert!(render(s).contains(t::ERR_DATE_FUTURE));
}

#[test]
fn the_caseload_offers_registration_and_says_where_closed_people_are() {
    let mut s = unlocked();
    let mut closed = person("架空 終結", 14);
    closed.stage = Stage::Closed;
    let caseload = Caseload {
        today: ja::local_date(now()),
        entries: vec![entry(closed, false, 3, false)],
        overdue: 0,
        damaged: Vec::new(),
    };
    update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
    let html = render(s.clone());
    assert!(html.contains(t::REGISTER) && html.contains(t::CLOSED_HINT));
    assert!(!html.contains("架空 終結"));
    assert_private_text_fields(&html);
    update(&mut s, Msg::FilterStage(Some("closed".into())), now());
    let html = render(s);
    assert!(html.contains("架空 終結") && html.contains("badge closed"));
}

#[test]
fn the_escalation_and_correction_forms_keep_their_text_private_too() {
    let p = person("架空 機密", 15);
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartEscalation, now());
    assert_private_text_fields(&render(s.clone()));
    update(&mut s, Msg::OpenPerson(p.id), now());
    update(&mut s, Msg::StartEditProfile, now());
    let html = render(s);
    assert!(html.contains(t::EDIT_PROFILE_TITLE) && html.contains("架空 機密"));
    assert_private_text_fields(&html);
}
