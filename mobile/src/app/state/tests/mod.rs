//! What each tap does: the app's behaviour, without a window.

use super::*;
use crate::store::SyncState;
use crate::sync::SyncPhase;
use chrono::{Duration, TimeZone};
use std::collections::BTreeSet;

mod community;
mod fixes;
mod household;
mod idle;
mod participation;
mod register;
mod stage;
mod taps;
mod visit;

pub(crate) fn now() -> DateTime<Utc> {
    // 10:30 in Tokyo on 令和8年6月1日.
    Utc.with_ymd_and_hms(2026, 6, 1, 1, 30, 0).unwrap()
}

pub(crate) fn person(alias: &str) -> Person {
    Person {
        id: PersonId::new_v7(1_780_000_000_000, [alias.len() as u8; 10]),
        alias: alias.into(),
        kana: Some("かくう".into()),
        birth_year: None,
        sex: None,
        area: "sakaecho-2".parse().ok(),
        noticed_by: None,
        summary: None,
        household: Household::default(),
        fields: [LifeField::Elderly].into(),
        tags: [CrossTag::EightyFifty].into(),
        scheme_gap: None,
        stage: Stage::TryingToReach,
        stage_note: None,
        consent: ConsentRecord::none(),
        team: TeamId::new_v7(1, [1; 10]),
        assigned_worker: None,
        created_at: now() - Duration::days(30),
    }
}

pub(crate) fn timeline(p: &Person) -> Timeline {
    Timeline {
        person: p.clone(),
        entries: Vec::new(),
        cases: Vec::new(),
        conflicts: Vec::new(),
        damaged: Vec::new(),
        assignment: Default::default(),
        found_by: None,
        household: Vec::new(),
    }
}

pub(crate) fn unlocked_on_person(p: &Person) -> AppState {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    update(&mut s, Msg::OpenPerson(p.id), now());
    update(
        &mut s,
        Msg::TimelineLoaded(Ok(Box::new(timeline(p)))),
        now(),
    );
    s
}

#[test]
fn first_run_asks_for_server_and_code_then_a_pin() {
    let mut s = AppState::new(false);
    assert_eq!(s.screen, Screen::Setup);
    update(
        &mut s,
        Msg::SetupServer("outreach.example.jp".into()),
        now(),
    );
    update(&mut s, Msg::SetupNext, now());
    assert_eq!(s.setup.error.as_deref(), Some(t::ERR_SERVER_URL));
    // Plain HTTP off loopback is refused with its own reason (issue 14).
    update(
        &mut s,
        Msg::SetupServer("http://192.168.1.10:8080".into()),
        now(),
    );
    update(&mut s, Msg::SetupNext, now());
    assert_eq!(s.setup.error.as_deref(), Some(t::ERR_SERVER_PLAIN_HTTP));
    assert!(!s.setup.pin_step);
    let qr = EnrolmentQr {
        server: "http://192.168.1.10:8080".into(),
        code: "K7QP-M3XD".into(),
        pins: vec![],
    };
    update(&mut s, Msg::SetupQrRead(qr.to_text()), now());
    assert!(
        !s.setup.pin_step,
        "a QR to a plain-HTTP server is refused too"
    );
    assert!(s.setup.error.as_deref().unwrap().contains("http://"));
    update(
        &mut s,
        Msg::SetupServer("https://outreach.example.jp/".into()),
        now(),
    );
    update(&mut s, Msg::SetupNext, now());
    assert_eq!(s.setup.error.as_deref(), Some(t::ERR_CODE_EMPTY));
    update(&mut s, Msg::SetupCode(" K7QP-M3XD ".into()), now());
    update(&mut s, Msg::SetupNext, now());
    assert!(s.setup.pin_step && s.setup.error.is_none());
    assert_eq!(s.setup.server, "https://outreach.example.jp");

    update(&mut s, Msg::SetupPin("1234".into()), now());
    update(&mut s, Msg::SetupSubmit, now());
    assert_eq!(s.setup.error.as_deref(), Some(t::ERR_PIN_SHORT));
    update(&mut s, Msg::SetupPin("246813".into()), now());
    update(&mut s, Msg::SetupPinConfirm("246810".into()), now());
    assert!(update(&mut s, Msg::SetupSubmit, now()).is_empty());
    assert_eq!(s.setup.error.as_deref(), Some(t::ERR_PIN_MISMATCH));
    update(&mut s, Msg::SetupPinConfirm("246813".into()), now());
    let fx = update(&mut s, Msg::SetupSubmit, now());
    match fx.as_slice() {
        [
            Effect::Enroll {
                server,
                code,
                pins,
                pin,
            },
        ] => {
            assert_eq!(server, "https://outreach.example.jp");
            assert_eq!(code, "K7QP-M3XD");
            assert!(pins.is_empty(), "typed by hand: no pin");
            assert_eq!(pin.as_str(), "246813");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        s.setup.pin.is_empty() && s.setup.pin_confirm.is_empty(),
        "the PIN is not kept in the state"
    );
    assert!(s.setup.busy);

    // A refused code sends the worker back to the code, with the reason.
    update(
        &mut s,
        Msg::SetupFinished(Err("登録コードが正しくありません".into())),
        now(),
    );
    assert!(!s.setup.pin_step && !s.setup.busy);
    assert!(s.setup.error.is_some());
    update(&mut s, Msg::SetupNext, now());
    update(&mut s, Msg::SetupPin("246813".into()), now());
    update(&mut s, Msg::SetupPinConfirm("246813".into()), now());
    update(&mut s, Msg::SetupSubmit, now());
    let fx = update(&mut s, Msg::SetupFinished(Ok(())), now());
    assert_eq!(s.screen, Screen::Caseload);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadCaseload, Effect::LoadStatus, Effect::Sync]
    ));
}

#[test]
fn first_run_reads_the_enrolment_qr_with_its_pin() {
    use crate::shared::enrolment::{EnrolmentQr, SpkiPin};
    let mut s = AppState::new(false);
    update(&mut s, Msg::SetupQrRead("K7QP-M3XD".into()), now());
    assert!(!s.setup.pin_step, "a bare code is not an enrolment QR");
    assert!(s.setup.error.as_deref().unwrap().contains("QRコード"));
    let qr = EnrolmentQr {
        server: "https://outreach.example.jp".into(),
        code: "K7QP-M3XD".into(),
        pins: vec![SpkiPin::from_sha256([9; 32])],
    };
    update(&mut s, Msg::SetupQr(qr.to_text()), now());
    let text = s.setup.qr.clone();
    update(&mut s, Msg::SetupQrRead(text), now());
    assert!(s.setup.pin_step && s.setup.error.is_none());
    assert!(
        s.setup.qr.is_empty(),
        "the code is not kept in the text box"
    );
    update(&mut s, Msg::SetupPin("246813".into()), now());
    update(&mut s, Msg::SetupPinConfirm("246813".into()), now());
    match update(&mut s, Msg::SetupSubmit, now()).as_slice() {
        [
            Effect::Enroll {
                server, code, pins, ..
            },
        ] => {
            assert_eq!(server, "https://outreach.example.jp");
            assert_eq!(code, "K7QP-M3XD");
            assert_eq!(pins, &qr.pins, "the pin goes to the enrolment");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pin_pad_taps_wrong_pins_and_lockout() {
    let mut s = AppState::new(true);
    assert_eq!(s.screen, Screen::Unlock);
    assert!(!s.shows_content());
    for c in ['1', '2', 'x', '3'] {
        update(&mut s, Msg::PinDigit(c), now());
    }
    assert_eq!(s.pin.digits, "123", "only digits");
    update(&mut s, Msg::PinBackspace, now());
    assert_eq!(s.pin.digits, "12");
    for _ in 0..20 {
        update(&mut s, Msg::PinDigit('9'), now());
    }
    assert_eq!(s.pin.digits.len(), PIN_MAX);
    update(&mut s, Msg::PinClear, now());
    assert!(
        update(&mut s, Msg::PinSubmit, now()).is_empty(),
        "an empty PIN is not tried"
    );
    for c in "111111".chars() {
        update(&mut s, Msg::PinDigit(c), now());
    }
    let fx = update(&mut s, Msg::PinSubmit, now());
    assert!(matches!(fx.as_slice(), [Effect::Unlock(p)] if p.as_str() == "111111"));
    assert!(s.pin.digits.is_empty() && s.pin.busy);
    // Taps while checking do nothing.
    update(&mut s, Msg::PinDigit('1'), now());
    assert!(s.pin.digits.is_empty());
    update(
        &mut s,
        Msg::Unlocked(Err(UnlockFailure::WrongPin { remaining: 3 })),
        now(),
    );
    assert_eq!(s.pin.error.as_deref(), Some(t::wrong_pin(3).as_str()));
    assert!(s.pin.error.as_deref().unwrap().contains("あと3回"));
    assert_eq!(s.screen, Screen::Unlock);
    update(
        &mut s,
        Msg::Unlocked(Err(UnlockFailure::KeyDestroyed)),
        now(),
    );
    assert!(s.pin.destroyed);
    update(&mut s, Msg::PinDigit('1'), now());
    assert!(
        s.pin.digits.is_empty(),
        "the pad is disabled after the key is destroyed"
    );
}

#[test]
fn unlocking_opens_the_caseload_and_loads_it() {
    let mut s = AppState::new(true);
    let fx = update(&mut s, Msg::Unlocked(Ok(())), now());
    assert_eq!(s.screen, Screen::Caseload);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadCaseload, Effect::LoadStatus, Effect::LoadVisit]
    ));
}

pub(crate) fn entry(p: Person, overdue: bool) -> CaseloadEntry {
    CaseloadEntry {
        person: p,
        last_contact_at: None,
        next_action: None,
        days_overdue: if overdue { 3 } else { 0 },
        overdue,
        safety_concern: false,
        open_cases: Vec::new(),
        mine: true,
    }
}

#[test]
fn caseload_filters_by_stage_area_field_search_and_overdue() {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    let a = person("架空 一郎");
    let mut b = person("山田 架空子");
    b.kana = Some("やまだ かくうこ".into());
    b.stage = Stage::Paused(PauseReason::InHospital);
    b.area = "hanenaka-3".parse().ok();
    b.fields = [LifeField::Disability].into();
    let caseload = Caseload {
        today: ja::local_date(now()),
        entries: vec![entry(a, true), entry(b, false)],
        overdue: 1,
        damaged: Vec::new(),
    };
    update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
    assert_eq!(s.visible_caseload().len(), 2);
    update(&mut s, Msg::ToggleOverdue, now());
    assert_eq!(s.visible_caseload()[0].person.alias, "架空 一郎");
    update(&mut s, Msg::ToggleOverdue, now());
    update(&mut s, Msg::FilterStage(Some("paused".into())), now());
    assert_eq!(s.visible_caseload().len(), 1);
    assert_eq!(s.visible_caseload()[0].person.alias, "山田 架空子");
    update(&mut s, Msg::FilterStage(None), now());
    update(&mut s, Msg::FilterTown(Some("sakaecho".into())), now());
    assert_eq!(s.visible_caseload()[0].person.alias, "架空 一郎");
    update(&mut s, Msg::FilterTown(None), now());
    update(&mut s, Msg::FilterField(Some(LifeField::Disability)), now());
    assert_eq!(s.visible_caseload()[0].person.alias, "山田 架空子");
    update(&mut s, Msg::FilterField(None), now());
    update(&mut s, Msg::Search("ヤマダ".into()), now());
    assert_eq!(
        s.visible_caseload().len(),
        1,
        "katakana finds hiragana kana"
    );
    update(&mut s, Msg::Search("存在しない".into()), now());
    assert!(s.visible_caseload().is_empty());
}

#[test]
fn logging_a_home_visit_takes_few_taps_and_defaults_are_sensible() {
    let p = person("架空 二郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartContact, now());
    assert_eq!(s.screen, Screen::LogContact);
    let f = &s.contact.as_ref().unwrap().input;
    assert_eq!(
        (f.date.as_str(), f.time.as_str()),
        ("2026-06-01", "10:30"),
        "now, in Tokyo time"
    );
    assert_eq!(f.method, ContactMethod::HomeVisit);
    assert_eq!(f.next_due, "2026-06-08", "next visit in a week");
    assert_eq!(f.next_what, t::DEFAULT_NEXT);

    // Saving without the two required choices shows both errors.
    assert!(update(&mut s, Msg::SaveContact, now()).is_empty());
    let f = s.contact.as_ref().unwrap();
    assert_eq!(f.error("met"), Some(t::ERR_CHOOSE_MET));
    assert_eq!(
        f.error("safety.accompaniment"),
        Some(t::ERR_CHOOSE_ACCOMPANIMENT)
    );

    // Three taps and a sentence.
    update(&mut s, Msg::ContactMet(MetWhom::Person), now());
    update(&mut s, Msg::SaveContact, now());
    assert_eq!(
        s.contact.as_ref().unwrap().error("response"),
        Some(t::ERR_CHOOSE_RESPONSE)
    );
    update(&mut s, Msg::ContactResponse(PersonResponse::Brief), now());
    update(
        &mut s,
        Msg::ContactAccompaniment(Accompaniment::Pair),
        now(),
    );
    update(
        &mut s,
        Msg::ContactObservation("玄関先で短く話せた。".into()),
        now(),
    );
    let fx = update(&mut s, Msg::SaveContact, now());
    let Effect::SaveContact(c, revises) = &fx[0] else {
        panic!("{fx:?}")
    };
    assert!(revises.is_none());
    assert_eq!(c.met, MetWhom::Person);
    assert_eq!(c.response, Some(PersonResponse::Brief));
    assert_eq!(c.occurred_at, now());
    assert_eq!(
        c.next_action.as_ref().unwrap().due.to_string(),
        "2026-06-08"
    );
    assert!(
        c.reflection.is_none(),
        "no reflection unless the worker writes one"
    );
    assert!(s.contact.as_ref().unwrap().busy);
    assert!(
        update(&mut s, Msg::SaveContact, now()).is_empty(),
        "no double save"
    );

    let fx = update(&mut s, Msg::ContactSaved(Ok(())), now());
    assert_eq!(s.screen, Screen::Person(p.id));
    assert!(s.contact.is_none());
    assert_eq!(s.notice.as_ref().unwrap().text, t::SAVED);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadTimeline(_), Effect::LoadStatus, Effect::Sync]
    ));
}

#[test]
fn meeting_only_family_clears_the_response_and_reflection_is_optional() {
    let p = person("架空 三郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartContact, now());
    update(&mut s, Msg::ContactMet(MetWhom::Person), now());
    update(&mut s, Msg::ContactResponse(PersonResponse::Open), now());
    update(&mut s, Msg::ContactMet(MetWhom::FamilyOnly), now());
    assert!(s.contact.as_ref().unwrap().input.response.is_none());
    update(
        &mut s,
        Msg::ContactAccompaniment(Accompaniment::Alone),
        now(),
    );
    update(&mut s, Msg::ContactDifficulty(4), now());
    update(&mut s, Msg::ToggleWantsToTalk, now());
    update(&mut s, Msg::ToggleDanger(DangerSign::Violence), now());
    update(&mut s, Msg::ToggleDanger(DangerSign::Hazard), now());
    update(&mut s, Msg::ToggleDanger(DangerSign::Hazard), now());
    let fx = update(&mut s, Msg::SaveContact, now());
    let Effect::SaveContact(c, _) = &fx[0] else {
        panic!()
    };
    let r = c.reflection.as_ref().unwrap();
    assert_eq!(r.difficulty.level(), 4);
    assert!(r.wants_to_talk);
    assert_eq!(c.safety.danger_signs, [DangerSign::Violence].into());
}

#[test]
fn field_errors_from_the_core_are_shown_on_the_form() {
    let p = person("架空 四郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartContact, now());
    update(&mut s, Msg::ContactMet(MetWhom::Nobody), now());
    update(
        &mut s,
        Msg::ContactAccompaniment(Accompaniment::Alone),
        now(),
    );
    update(&mut s, Msg::ContactNextDue("2026-05-01".into()), now());
    update(&mut s, Msg::SaveContact, now());
    let e = FieldError::new("next_action.due", Violation::DueBeforeContact);
    update(
        &mut s,
        Msg::ContactSaved(Err(SaveFailure::Fields(vec![(
            e.field.clone(),
            e.message_ja(),
        )]))),
        now(),
    );
    let f = s.contact.as_ref().unwrap();
    assert!(!f.busy);
    assert!(f.error("next_action.due").unwrap().contains("接触日以降"));
    assert_eq!(s.screen, Screen::LogContact, "the worker stays on the form");
    // A date typed wrong is caught before saving, in words.
    update(&mut s, Msg::ContactNextDue("来週".into()), now());
    update(&mut s, Msg::SaveContact, now());
    assert!(
        s.contact
            .as_ref()
            .unwrap()
            .error("next_action.due")
            .unwrap()
            .contains("R8.6.1")
    );
    // The 令和 date a worker writes is read.
    update(&mut s, Msg::ContactNextDue("令和8年6月10日".into()), now());
    update(&mut s, Msg::ContactDate("R8.5.31".into()), now());
    update(&mut s, Msg::ContactTime("16:00".into()), now());
    let fx = update(&mut s, Msg::SaveContact, now());
    let Effect::SaveContact(c, _) = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(
        c.next_action.as_ref().unwrap().due.to_string(),
        "2026-06-10"
    );
    assert_eq!(ja::local_datetime(c.occurred_at), "令和8年5月31日 16:00");
}

#[test]
fn a_life_threatening_visit_points_to_the_city() {
    let p = person("架空 五郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartContact, now());
    update(&mut s, Msg::ContactMet(MetWhom::Person), now());
    update(&mut s, Msg::ContactResponse(PersonResponse::Refused), now());
    update(
        &mut s,
        Msg::ContactAccompaniment(Accompaniment::Pair),
        now(),
    );
    update(&mut s, Msg::ToggleLifeThreatening, now());
    update(&mut s, Msg::SaveContact, now());
    update(&mut s, Msg::ContactSaved(Ok(())), now());
    assert_eq!(s.notice.as_ref().unwrap().text, t::LIFE_THREATENING_WARNING);
}

#[test]
fn escalation_shows_the_route_consent_decides() {
    let mut p = person("架空 六郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartEscalation, now());
    let f = s.escalation.as_ref().unwrap();
    assert_eq!(f.route(), Route::SupportMeeting);
    assert_eq!(f.route_reason(), t::ROUTE_WITHOUT_CONSENT);
    assert_eq!(f.fields, p.fields, "the person's fields are preselected");

    p.consent = ConsentRecord {
        status: ConsentStatus::Written,
        scope: [ConsentScope::MultiLayeredMeeting].into(),
        date: Some(ja::local_date(now())),
        recorded_by: Some(UserId::new_v7(1, [9; 10])),
    };
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartEscalation, now());
    assert_eq!(
        s.escalation.as_ref().unwrap().route(),
        Route::MultiLayeredMeeting
    );
    update(
        &mut s,
        Msg::EscReason("介護と生活費の問題が重なっている".into()),
        now(),
    );
    update(&mut s, Msg::EscToggleField(LifeField::Poverty), now());
    update(
        &mut s,
        Msg::EscToggleAgency(AgencyId::new("houkatsu-asahi")),
        now(),
    );
    update(&mut s, Msg::EscUrgency(Urgency::High), now());
    let fx = update(&mut s, Msg::SubmitEscalation, now());
    let Effect::Escalate(e) = &fx[0] else {
        panic!()
    };
    assert!(e.fields.contains(&LifeField::Poverty));
    assert_eq!(e.urgency, Urgency::High);
    update(
        &mut s,
        Msg::Escalated(Ok(Route::MultiLayeredMeeting)),
        now(),
    );
    assert!(s.notice.as_ref().unwrap().text.contains("重層的支援会議"));
    assert_eq!(s.screen, Screen::Person(p.id));
}

#[test]
fn an_emergency_is_preselected_after_a_life_threatening_visit() {
    let p = person("架空 七郎");
    let mut s = unlocked_on_person(&p);
    let mut tl = timeline(&p);
    tl.entries.push(TimelineEntry {
        contact: ContactLog {
            id: ContactId::new_v7(5, [5; 10]),
            person_id: p.id,
            revises: None,
            author: UserId::new_v7(1, [1; 10]),
            occurred_at: now(),
            duration_minutes: None,
            method: ContactMethod::HomeVisit,
            met: MetWhom::Person,
            response: Some(PersonResponse::Refused),
            observation: String::new(),
            safety: Safety {
                accompaniment: Accompaniment::Pair,
                danger_signs: BTreeSet::new(),
                life_threatening: true,
            },
            reflection: None,
            next_action: None,
        },
        current: true,
        review: None,
    });
    update(&mut s, Msg::TimelineLoaded(Ok(Box::new(tl))), now());
    update(&mut s, Msg::StartEscalation, now());
    assert_eq!(s.escalation.as_ref().unwrap().urgency, Urgency::Emergency);
}

#[test]
fn stage_and_consent() {
    let p = person("架空 八郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartStageConsent, now());
    assert_eq!(s.screen, Screen::StageConsent);
    assert!(update(&mut s, Msg::ChooseStage(Stage::HandedOn), now()).is_empty());
    assert!(
        s.stage_form.as_ref().unwrap().errors[0]
            .1
            .contains("変更できません")
    );
    let fx = update(&mut s, Msg::ChooseStage(Stage::FirstContact), now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::ChangeStage(_, Stage::FirstContact, None)]
    ));
    update(&mut s, Msg::StageConsentSaved(Ok(t::STAGE_SAVED)), now());
    assert_eq!(s.screen, Screen::Person(p.id));

    update(&mut s, Msg::StartStageConsent, now());
    update(
        &mut s,
        Msg::ToggleScope(ConsentScope::ShareWithAgencies),
        now(),
    );
    update(
        &mut s,
        Msg::ToggleScope(ConsentScope::MultiLayeredMeeting),
        now(),
    );
    assert!(update(&mut s, Msg::GiveConsent(ConsentStatus::Verbal), now()).is_empty());
    assert_eq!(s.stage_form.as_ref().unwrap().errors[0].1, t::ERR_SCOPE);
    update(
        &mut s,
        Msg::ToggleScope(ConsentScope::MultiLayeredMeeting),
        now(),
    );
    let fx = update(&mut s, Msg::GiveConsent(ConsentStatus::Verbal), now());
    let Effect::RecordConsent(_, c) = &fx[0] else {
        panic!()
    };
    assert_eq!(c.status, ConsentStatus::Verbal);
    assert_eq!(c.date, Some(ja::local_date(now())));
    assert!(c.allows_multi_layered_meeting());
    update(&mut s, Msg::StageConsentSaved(Ok(t::CONSENT_SAVED)), now());
    update(&mut s, Msg::StartStageConsent, now());
    let fx = update(&mut s, Msg::WithdrawConsent, now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::WithdrawConsent(_, day)] if *day == ja::local_date(now())
    ));
}

#[test]
fn sync_bar_after_save_sync_and_errors() {
    let p = person("架空 九郎");
    let mut s = unlocked_on_person(&p);
    let st = SyncState {
        server_url: Some("https://outreach.example.jp".into()),
        ..SyncState::default()
    };
    update(
        &mut s,
        Msg::StatusLoaded(
            OutboxStatus {
                pending: 3,
                rejected: 1,
                oldest_created_at: None,
            },
            st.clone(),
        ),
        now(),
    );
    assert_eq!((s.sync.pending, s.sync.rejected), (3, 1));
    let fx = update(&mut s, Msg::SyncNow, now());
    assert!(matches!(fx.as_slice(), [Effect::Sync]));
    assert!(s.sync.syncing());
    assert!(
        update(&mut s, Msg::SyncNow, now()).is_empty(),
        "one sync at a time"
    );
    let p2 = SyncProgress {
        phase: SyncPhase::Pulling,
        pushed: 3,
        to_push: 3,
        pulled: 7,
    };
    update(&mut s, Msg::SyncProgressed(p2), now());
    assert_eq!(s.sync.progress, Some(p2));
    let fx = update(
        &mut s,
        Msg::SyncFinished(Err("サーバーにつながりません。".into())),
        now(),
    );
    assert!(!s.sync.syncing());
    assert_eq!(s.sync.error.as_deref(), Some("サーバーにつながりません。"));
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadStatus, Effect::LoadTimeline(_)]
    ));
    update(&mut s, Msg::SyncNow, now());
    update(&mut s, Msg::SyncFinished(Ok(())), now());
    assert!(s.sync.error.is_none());
    assert_eq!(s.sync.last_success, Some(now()));
}

#[test]
fn locking_hides_everything() {
    let p = person("架空 十郎");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartContact, now());
    update(&mut s, Msg::ContactObservation("書きかけ".into()), now());
    update(&mut s, Msg::Locked, now());
    assert_eq!(s.screen, Screen::Unlock);
    assert!(s.timeline.is_none() && s.contact.is_none() && s.caseload.is_none());
    // Navigation does nothing while locked.
    assert!(update(&mut s, Msg::Go(Screen::Caseload), now()).is_empty());
    assert!(update(&mut s, Msg::OpenPerson(p.id), now()).is_empty());
    assert_eq!(s.screen, Screen::Unlock);
    let mut s = unlocked_on_person(&p);
    let fx = update(&mut s, Msg::LockNow, now());
    assert!(matches!(fx.as_slice(), [Effect::Lock]));
    assert_eq!(s.screen, Screen::Unlock);
}

#[test]
fn a_save_that_meets_the_idle_lock_goes_to_the_pin_pad() {
    let p = person("架空 一子");
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartContact, now());
    update(&mut s, Msg::ContactMet(MetWhom::Nobody), now());
    update(
        &mut s,
        Msg::ContactAccompaniment(Accompaniment::Alone),
        now(),
    );
    update(&mut s, Msg::SaveContact, now());
    update(&mut s, Msg::ContactSaved(Err(SaveFailure::Locked)), now());
    assert_eq!(s.screen, Screen::Unlock);
    assert_eq!(s.notice.as_ref().unwrap().text, t::ERR_LOCKED);
}

#[test]
fn settings_idle_time_and_wipe_needs_confirmation() {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    update(&mut s, Msg::Go(Screen::Settings), now());
    let fx = update(&mut s, Msg::SetIdleMinutes(0), now());
    assert!(matches!(fx.as_slice(), [Effect::SetIdle(1)]));
    assert!(
        update(&mut s, Msg::WipeConfirmed, now()).is_empty(),
        "not without the confirmation"
    );
    update(&mut s, Msg::WipeRequested, now());
    update(&mut s, Msg::WipeCancelled, now());
    assert!(update(&mut s, Msg::WipeConfirmed, now()).is_empty());
    update(&mut s, Msg::WipeRequested, now());
    assert!(matches!(
        update(&mut s, Msg::WipeConfirmed, now()).as_slice(),
        [Effect::Wipe]
    ));
    update(&mut s, Msg::Wiped, now());
    assert_eq!(s.screen, Screen::Setup);
    assert_eq!(s.notice.as_ref().unwrap().text, t::WIPED);
}

#[test]
fn a_returned_log_can_be_revised() {
    let p = person("架空 二子");
    let mut s = unlocked_on_person(&p);
    let c = ContactLog {
        id: ContactId::new_v7(7, [7; 10]),
        person_id: p.id,
        revises: None,
        author: UserId::new_v7(1, [1; 10]),
        occurred_at: now() - Duration::days(2),
        duration_minutes: Some(30),
        method: ContactMethod::Phone,
        met: MetWhom::FamilyOnly,
        response: None,
        observation: "電話で母親と".into(),
        safety: Safety {
            accompaniment: Accompaniment::Alone,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
        },
        reflection: None,
        next_action: None,
    };
    update(&mut s, Msg::Go(Screen::Returned), now());
    update(
        &mut s,
        Msg::ReturnedLoaded(Ok(vec![ReturnedLog {
            person: p.clone(),
            contact: c.clone(),
            comment: "次回の予定を入れてください".into(),
            reviewed_at: now(),
        }])),
        now(),
    );
    update(&mut s, Msg::Revise(c.id), now());
    assert_eq!(s.screen, Screen::LogContact);
    let f = s.contact.as_ref().unwrap();
    assert_eq!(f.revises, Some(c.id));
    assert_eq!(f.input.method, ContactMethod::Phone);
    assert_eq!(f.input.observation, "電話で母親と");
    update(&mut s, Msg::ContactNextWhat("再度電話".into()), now());
    update(&mut s, Msg::ContactNextDue("2026-06-05".into()), now());
    let fx = update(&mut s, Msg::SaveContact, now());
    assert!(matches!(fx.as_slice(), [Effect::SaveContact(_, Some(id))] if *id == c.id));
}

#[test]
fn settings_re_enrol_with_a_new_qr_then_sync() {
    use crate::shared::enrolment::{EnrolmentQr, SpkiPin};
    let mut s = AppState::new(true);
    update(
        &mut s,
        Msg::ReenrolRead("https://example.invalid".into()),
        now(),
    );
    assert!(
        s.notice.as_ref().is_some_and(|n| n.error),
        "not a QR: said so"
    );
    let qr = EnrolmentQr {
        server: "https://outreach.example.jp".into(),
        code: "K7QP-M3XD".into(),
        pins: vec![SpkiPin::from_sha256([4; 32])],
    };
    update(&mut s, Msg::ReenrolQr(qr.to_text()), now());
    let text = s.reenrol_qr.clone();
    match update(&mut s, Msg::ReenrolRead(text), now()).as_slice() {
        [Effect::Reenrol(got)] => assert_eq!(got, &qr),
        other => panic!("{other:?}"),
    }
    assert!(s.reenrol_qr.is_empty(), "the code is not kept");
    let fx = update(
        &mut s,
        Msg::ReenrolFinished(Ok("https://outreach.example.jp".into())),
        now(),
    );
    assert_eq!(s.server.as_deref(), Some("https://outreach.example.jp"));
    assert!(matches!(fx.as_slice(), [Effect::LoadStatus, Effect::Sync]));
    update(&mut s, Msg::ReenrolFinished(Err("鍵".into())), now());
    assert!(s.notice.as_ref().is_some_and(|n| n.error && n.text == "鍵"));
}
