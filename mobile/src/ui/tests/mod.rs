//! Component tests: each screen rendered without a window, from fixture
//! state, through `VirtualDom` and `dioxus-ssr`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use dioxus::prelude::*;

use super::Shell;
use crate::app::state::*;

mod case_outcome;
mod community;
mod fixes;
mod forms;
mod participation;
mod person;
mod visit;

use crate::app::text as t;
use crate::model::*;
use crate::shared::*;

#[component]
fn Fixture(state: AppState) -> Element {
    let on = use_callback(|_m: Msg| {});
    rsx! { Shell { state, on } }
}

pub(crate) fn render(state: AppState) -> String {
    let mut dom = VirtualDom::new_with_props(Fixture, FixtureProps { state });
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 1, 30, 0).unwrap()
}

pub(crate) fn person(alias: &str, n: u8) -> Person {
    Person {
        id: PersonId::new_v7(1_780_000_000_000, [n; 10]),
        alias: alias.into(),
        kana: Some("かくう".into()),
        birth_year: Some(BirthYear {
            year: 1975,
            approximate: true,
        }),
        sex: Some(Sex::Male),
        area: "sakaecho-2".parse().ok(),
        noticed_by: Some(NoticedBy::WelfareCommissioner),
        summary: Some("母と二人暮らし".into()),
        household: Household::default(),
        fields: [LifeField::Elderly].into(),
        tags: [CrossTag::EightyFifty].into(),
        scheme_gap: None,
        stage: Stage::TryingToReach,
        stage_note: None,
        consent: ConsentRecord::none(),
        team: TeamId::new_v7(1, [1; 10]),
        assigned_worker: None,
        created_at: now() - Duration::days(40),
    }
}

pub(crate) fn unlocked() -> AppState {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    s
}

#[test]
fn first_run_screen_asks_for_the_server_and_code() {
    let mut s = AppState::new(false);
    let html = render(s.clone());
    assert!(html.contains(t::SETUP_TITLE));
    assert!(html.contains(t::SETUP_SERVER) && html.contains(t::SETUP_CODE));
    assert!(!html.contains(t::SYNC_NOW), "no sync bar before set-up");
    update(&mut s, Msg::SetupServer("example".into()), now());
    update(&mut s, Msg::SetupNext, now());
    assert!(render(s.clone()).contains(t::ERR_SERVER_URL));
    update(
        &mut s,
        Msg::SetupServer("https://outreach.example.jp".into()),
        now(),
    );
    update(&mut s, Msg::SetupCode("ABCD".into()), now());
    update(&mut s, Msg::SetupNext, now());
    let html = render(s);
    assert!(html.contains(t::SETUP_PIN_TITLE) && html.contains("type=\"password\""));
}

#[test]
fn first_run_offers_the_enrolment_qr_and_the_page_is_japanese() {
    let mut s = AppState::new(false);
    let html = render(s.clone());
    assert!(html.contains(t::SETUP_QR_TITLE) && html.contains("id=\"qr\""));
    assert!(
        html.contains("spellcheck=\"false\""),
        "the code is not learnt"
    );
    assert!(
        !html.contains(t::SETUP_QR_CAMERA),
        "no camera button on the desktop: pasting and typing stay"
    );
    update(&mut s, Msg::SetupQrRead("ABCD-EFGH".into()), now());
    assert!(render(s).contains("登録用QRコードではありません"));
    // The web view's page on every platform.
    let index = super::INDEX_HTML;
    assert!(index.contains("<html lang=\"ja\">"));
    assert!(index.contains("</head>") && index.contains("</body>"));
    assert!(index.contains("<div id=\"main\">"), "Dioxus' root element");
}

#[test]
fn unlock_screen_says_when_the_check_will_wait_first() {
    let mut s = AppState::new(true);
    assert!(!render(s.clone()).contains(&t::unlock_wait(8)));
    update(&mut s, Msg::UnlockDelayLoaded(8), now());
    let html = render(s);
    assert!(html.contains(&t::unlock_wait(8)), "{html}");
    assert!(html.contains("8秒待って"));
}

#[test]
fn unlock_screen_shows_the_pad_the_remaining_attempts_and_no_content() {
    let mut s = AppState::new(true);
    update(&mut s, Msg::PinDigit('1'), now());
    update(&mut s, Msg::PinDigit('2'), now());
    update(&mut s, Msg::PinSubmit, now());
    update(
        &mut s,
        Msg::Unlocked(Err(UnlockFailure::WrongPin { remaining: 4 })),
        now(),
    );
    let html = render(s.clone());
    assert!(html.contains(t::UNLOCK_TITLE));
    assert!(html.contains("あと4回"));
    for d in 0..=9 {
        assert!(html.contains(&format!(">{d}</button>")), "key {d}");
    }
    assert!(
        !html.contains(t::NAV_CASELOAD),
        "no navigation while locked"
    );
    update(
        &mut s,
        Msg::Unlocked(Err(UnlockFailure::KeyDestroyed)),
        now(),
    );
    let html = render(s);
    assert!(html.contains("読めなくなりました"));
    assert!(html.contains("disabled"));
}

pub(crate) fn entry(p: Person, overdue: bool, next_due_days: i64, safety: bool) -> CaseloadEntry {
    CaseloadEntry {
        last_contact_at: Some(now() - Duration::days(10)),
        next_action: Some(NextAction {
            what: "再訪".into(),
            due: ja::local_date(now()) + Duration::days(next_due_days),
        }),
        days_overdue: if overdue { -next_due_days } else { 0 },
        overdue,
        safety_concern: safety,
        open_cases: Vec::new(),
        mine: true,
        person: p,
    }
}

#[test]
fn caseload_marks_overdue_in_red_with_badges_and_era_dates() {
    let mut s = unlocked();
    let caseload = Caseload {
        today: ja::local_date(now()),
        entries: vec![
            entry(person("架空 一郎", 1), true, -3, true),
            entry(person("架空 二郎", 2), false, 5, false),
        ],
        overdue: 1,
        damaged: Vec::new(),
    };
    update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
    let html = render(s.clone());
    assert!(html.contains("架空 一郎") && html.contains("架空 二郎"));
    assert!(
        html.contains("class=\"overdue\""),
        "the overdue row is marked"
    );
    assert!(html.contains("3日超過"));
    assert!(html.contains(&t::overdue_count(1)));
    assert!(
        html.contains("令和8年5月29日"),
        "the overdue due date as a 令和 date"
    );
    assert!(html.contains("接触試行中"), "stage badge");
    assert!(html.contains(t::SAFETY_MARK));
    assert!(html.contains("栄町2丁目"));
    assert!(html.contains(t::SEARCH_PLACEHOLDER));
    assert!(html.contains(t::sync_pending(0).as_str()) || html.contains(t::SYNC_ALL_SENT));
    update(&mut s, Msg::Search("存在しない".into()), now());
    assert!(render(s).contains(t::CASELOAD_EMPTY));
}

fn contact(p: &Person, returned: bool) -> TimelineEntry {
    TimelineEntry {
        contact: ContactLog {
            id: ContactId::new_v7(2, [3; 10]),
            person_id: p.id,
            revises: None,
            author: UserId::new_v7(1, [1; 10]),
            occurred_at: now() - Duration::days(1),
            duration_minutes: Some(20),
            method: ContactMethod::HomeVisit,
            met: MetWhom::Person,
            response: Some(PersonResponse::Brief),
            observation: "玄関越しに短く話せた".into(),
            safety: Safety {
                accompaniment: Accompaniment::Alone,
                danger_signs: [DangerSign::Violence].into(),
                life_threatening: false,
            },
            reflection: None,
            next_action: Some(NextAction {
                what: "手紙を持って再訪".into(),
                due: ja::local_date(now()) + Duration::days(6),
            }),
        },
        current: true,
        review: returned.then(|| Review {
            contact_id: ContactId::new_v7(2, [3; 10]),
            reviewer: UserId::new_v7(1, [2; 10]),
            status: ReviewStatus::Returned,
            comment: Some("次回は2名で訪問してください".into()),
            reviewed_at: now(),
        }),
    }
}

pub(crate) fn on_person(p: &Person, entries: Vec<TimelineEntry>) -> AppState {
    let mut s = unlocked();
    update(&mut s, Msg::OpenPerson(p.id), now());
    let tl = Timeline {
        person: p.clone(),
        entries,
        cases: Vec::new(),
        conflicts: Vec::new(),
        damaged: Vec::new(),
        assignment: Default::default(),
        found_by: None,
        household: Vec::new(),
    };
    update(&mut s, Msg::TimelineLoaded(Ok(Box::new(tl))), now());
    s
}

#[test]
fn person_screen_shows_profile_timeline_and_supervisor_review() {
    let p = person("架空 三郎", 3);
    let s = on_person(&p, vec![contact(&p, true)]);
    let html = render(s);
    assert!(html.contains("架空 三郎"));
    assert!(html.contains("1975年ごろ（昭和50年）"));
    assert!(html.contains("民生委員・児童委員"));
    assert!(html.contains("未取得"), "consent status");
    assert!(
        html.contains("令和8年5月31日 10:30"),
        "contact time in Tokyo with the era"
    );
    assert!(html.contains("暴言・暴力"));
    assert!(html.contains("次回は2名で訪問してください"));
    assert!(html.contains(t::REVISE));
    assert!(html.contains(t::LOG_CONTACT) && html.contains(t::ESCALATE));
}

#[test]
fn contact_form_has_large_choices_and_shows_errors_in_japanese() {
    let p = person("架空 四郎", 4);
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartContact, now());
    let html = render(s.clone());
    assert!(
        html.contains("value=\"2026-06-01\"") && html.contains("value=\"10:30\""),
        "defaults to now"
    );
    assert!(
        html.contains("令和8年6月1日（月）"),
        "and shows it as a 令和 date"
    );
    assert!(html.contains("民生委員と同行"), "visits with a 民生委員");
    assert!(html.contains("2026-06-08"), "next visit in a week");
    for m in ContactMethod::ALL {
        assert!(html.contains(ja::Label::ja(&m)));
    }
    update(&mut s, Msg::SaveContact, now());
    let html = render(s.clone());
    assert!(html.contains(t::ERR_CHOOSE_MET));
    assert!(html.contains(t::ERR_CHOOSE_ACCOMPANIMENT));
    update(&mut s, Msg::ToggleLifeThreatening, now());
    assert!(render(s).contains(t::LIFE_THREATENING_WARNING));
}

#[test]
fn escalation_screen_shows_the_meeting_and_why_and_an_emergency_unmistakably() {
    let mut p = person("架空 五郎", 5);
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartEscalation, now());
    let html = render(s.clone());
    assert!(html.contains("支援会議"));
    assert!(html.contains(t::ROUTE_WITHOUT_CONSENT));
    assert!(!html.contains(t::EMERGENCY_BANNER));
    update(&mut s, Msg::EscUrgency(Urgency::Emergency), now());
    let html = render(s);
    assert!(html.contains(t::EMERGENCY_BANNER));
    assert!(html.contains("class=\"emergency\""));

    p.consent = ConsentRecord {
        status: ConsentStatus::Written,
        scope: [ConsentScope::MultiLayeredMeeting].into(),
        date: Some(ja::local_date(now())),
        recorded_by: Some(UserId::new_v7(1, [9; 10])),
    };
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartEscalation, now());
    let html = render(s);
    assert!(html.contains("重層的支援会議"));
    assert!(html.contains(t::ROUTE_WITH_CONSENT));
}

#[test]
fn conflicts_are_shown_in_words() {
    let p = person("架空 八郎", 8);
    let mut s = on_person(&p, vec![]);
    let mut tl = s.timeline.clone().unwrap();
    let h = Hlc::new(1, 0, DeviceId::new_v7(1, [1; 10]));
    tl.conflicts.push(protocol::ConflictRecord {
        person_id: p.id,
        field: "stage".into(),
        kept: serde_json::json!({"kind": "trying_to_reach"}),
        kept_hlc: h,
        other: serde_json::json!({"kind": "identified"}),
        other_hlc: h,
    });
    let member = HouseholdMemberId::new_v7(3, [3; 10]);
    tl.conflicts.push(protocol::ConflictRecord {
        person_id: p.id,
        field: merge::household::member_key(member),
        kept: serde_json::json!({"id": member, "member": {"id": member, "relation": "parent",
            "alias": "母（要介護2）", "birth_year": null, "lives_together": true, "note": null}}),
        kept_hlc: h,
        other: serde_json::json!({"id": member, "member": null}),
        other_hlc: h,
    });
    tl.conflicts.push(protocol::ConflictRecord {
        person_id: p.id,
        field: "area".into(),
        kept: serde_json::json!("sakaecho-1"),
        kept_hlc: h,
        other: serde_json::Value::Null,
        other_hlc: h,
    });
    update(&mut s, Msg::TimelineLoaded(Ok(Box::new(tl))), now());
    let html = render(s);
    assert!(
        html.contains("関係の段階：いまの値「接触試行中」／別の端末の値「把握」"),
        "{html}"
    );
    assert!(html.contains("地区：いまの値「栄町1丁目」／別の端末の値「未記入」"));
    assert!(
        html.contains("世帯員：いまの値「親 母（要介護2）」／別の端末の値「世帯員の削除」"),
        "{html}"
    );
    assert!(!html.contains("kind"));
}

#[test]
fn stage_screen_offers_only_allowed_stages() {
    let p = person("架空 六郎", 6);
    let mut s = on_person(&p, vec![]);
    update(&mut s, Msg::StartStageConsent, now());
    let html = render(s);
    assert!(html.contains("初回接触"), "the next step");
    assert!(!html.contains(">つなぎ済<"), "not a stage two steps ahead");
    assert!(html.contains(t::CONSENT_VERBAL) && html.contains(t::CONSENT_WRITTEN));
}

#[test]
fn returned_logs_screen_shows_what_the_supervisor_said() {
    let p = person("架空 七郎", 7);
    let mut s = unlocked();
    update(&mut s, Msg::Go(Screen::Returned), now());
    let html = render(s.clone());
    assert!(html.contains(t::RETURNED_EMPTY));
    let e = contact(&p, true);
    update(
        &mut s,
        Msg::ReturnedLoaded(Ok(vec![ReturnedLog {
            person: p.clone(),
            contact: e.contact.clone(),
            comment: "日時を確認してください".into(),
            reviewed_at: now(),
        }])),
        now(),
    );
    let html = render(s);
    assert!(html.contains("日時を確認してください"));
    assert!(html.contains("架空 七郎"));
}

#[test]
fn sync_bar_shows_pending_progress_and_errors_a_worker_can_act_on() {
    let mut s = unlocked();
    update(
        &mut s,
        Msg::StatusLoaded(
            OutboxStatus {
                pending: 12,
                rejected: 2,
                oldest_created_at: None,
            },
            Default::default(),
        ),
        now(),
    );
    let html = render(s.clone());
    assert!(html.contains(&t::sync_pending(12)));
    assert!(
        html.contains(&format!(
            "<button class=\"rejected\">{}</button>",
            t::sync_rejected(2)
        )),
        "要修正 N件 is a button that opens the list"
    );
    assert!(html.contains(t::SYNC_NEVER));
    update(&mut s, Msg::SyncNow, now());
    assert!(render(s.clone()).contains(t::SYNCING));
    let err = crate::sync::SyncError::Offline.message_ja();
    update(&mut s, Msg::SyncFinished(Err(err.clone())), now());
    let html = render(s);
    assert!(html.contains(&err));
    assert!(err.contains("電波のある場所"), "the error says what to do");
}

#[test]
fn settings_screen_and_wipe_confirmation() {
    let mut s = unlocked();
    update(&mut s, Msg::Go(Screen::Settings), now());
    let html = render(s.clone());
    assert!(html.contains(t::LOCK_NOW) && html.contains(t::IDLE_LOCK));
    assert!(!html.contains(t::WIPE_CONFIRM));
    update(&mut s, Msg::WipeRequested, now());
    assert!(render(s).contains(t::WIPE_CONFIRM));
}

#[test]
fn touch_targets_are_large_in_the_stylesheet() {
    let css = super::CSS;
    assert!(css.contains("min-height: 48px"), "buttons at least 44 px");
    assert!(css.contains("font-size: 19px"));
}
