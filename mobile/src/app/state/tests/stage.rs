//! Closing and handing on say why (and to whom); consent takes its real
//! date; a closed person can be reopened.

use super::*;

fn at_stage(stage: Stage) -> (Person, AppState) {
    let mut p = person("架空 段階");
    p.stage = stage;
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartStageConsent, now());
    (p, s)
}

#[test]
fn closing_asks_why_before_anything_is_saved() {
    let (p, mut s) = at_stage(Stage::AcceptsSupport);
    assert!(update(&mut s, Msg::ChooseStage(Stage::Closed), now()).is_empty());
    assert_eq!(s.stage_form.as_ref().unwrap().chosen, Some(Stage::Closed));
    assert!(update(&mut s, Msg::ConfirmStage, now()).is_empty());
    assert!(s.stage_form.as_ref().unwrap().errors[0].1.contains("理由"));
    update(
        &mut s,
        Msg::StageReason("本人の希望で支援を終える".into()),
        now(),
    );
    let fx = update(&mut s, Msg::ConfirmStage, now());
    let [Effect::ChangeStage(id, Stage::Closed, Some(note))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*id, p.id);
    assert_eq!(note.reason, "本人の希望で支援を終える");
    assert!(note.handed_to.is_none());
    update(&mut s, Msg::StageConsentSaved(Ok(t::STAGE_SAVED)), now());
    assert_eq!(s.screen, Screen::Person(p.id));
}

#[test]
fn handing_on_names_an_agency_or_a_resource() {
    let (_, mut s) = at_stage(Stage::AcceptsSupport);
    update(&mut s, Msg::ChooseStage(Stage::HandedOn), now());
    update(
        &mut s,
        Msg::StageReason("介護保険の申請につながった".into()),
        now(),
    );
    assert!(update(&mut s, Msg::ConfirmStage, now()).is_empty());
    assert!(
        s.stage_form.as_ref().unwrap().errors[0]
            .1
            .contains("つなぎ先"),
        "{:?}",
        s.stage_form.as_ref().unwrap().errors
    );
    update(
        &mut s,
        Msg::StageHandedAgency(Some(AgencyId::new("houkatsu-asahi"))),
        now(),
    );
    update(
        &mut s,
        Msg::StageHandedResource("架空の地域サロン".into()),
        now(),
    );
    let f = s.stage_form.as_ref().unwrap();
    assert!(
        f.handed_agency.is_none(),
        "typing a resource clears the agency"
    );
    let fx = update(&mut s, Msg::ConfirmStage, now());
    let [Effect::ChangeStage(_, Stage::HandedOn, Some(note))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        note.handed_to,
        Some(HandedTo::Resource("架空の地域サロン".into()))
    );
    // Choosing an agency instead.
    let (_, mut s) = at_stage(Stage::AcceptsSupport);
    update(&mut s, Msg::ChooseStage(Stage::HandedOn), now());
    update(&mut s, Msg::StageReason("包括が主に関わる".into()), now());
    update(
        &mut s,
        Msg::StageHandedAgency(Some(AgencyId::new("houkatsu-asahi"))),
        now(),
    );
    let fx = update(&mut s, Msg::ConfirmStage, now());
    let [Effect::ChangeStage(_, _, Some(note))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        note.handed_to,
        Some(HandedTo::Agency(AgencyId::new("houkatsu-asahi")))
    );
    // Changing one's mind.
    let (_, mut s) = at_stage(Stage::AcceptsSupport);
    update(&mut s, Msg::ChooseStage(Stage::Closed), now());
    update(&mut s, Msg::CancelStage, now());
    assert!(s.stage_form.as_ref().unwrap().chosen.is_none());
}

#[test]
fn a_closed_person_is_reopened_at_identified() {
    let (p, mut s) = at_stage(Stage::Closed);
    let f = s.stage_form.as_ref().unwrap();
    assert_eq!(f.stage.next_stages(), vec![Stage::Identified]);
    let fx = update(&mut s, Msg::ChooseStage(Stage::Identified), now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::ChangeStage(id, Stage::Identified, None)] if *id == p.id
    ));
}

#[test]
fn consent_is_recorded_with_its_date_in_the_era_and_never_in_the_future() {
    let (_, mut s) = at_stage(Stage::FirstContact);
    let f = s.stage_form.as_ref().unwrap();
    assert_eq!(f.consent_date, "2026-06-01", "today by default");
    update(&mut s, Msg::ConsentDate("R8.5.20".into()), now());
    update(&mut s, Msg::ToggleScope(ConsentScope::ContactFamily), now());
    let fx = update(&mut s, Msg::GiveConsent(ConsentStatus::Written), now());
    let [Effect::RecordConsent(_, c)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(c.date.unwrap().to_string(), "2026-05-20");
    assert_eq!(
        c.scope,
        [
            ConsentScope::ShareWithAgencies,
            ConsentScope::MultiLayeredMeeting,
            ConsentScope::ContactFamily
        ]
        .into()
    );
    update(&mut s, Msg::StageConsentSaved(Ok(t::CONSENT_SAVED)), now());

    let (_, mut s) = at_stage(Stage::FirstContact);
    update(&mut s, Msg::ConsentDate("令和8年6月2日".into()), now());
    assert!(update(&mut s, Msg::GiveConsent(ConsentStatus::Verbal), now()).is_empty());
    assert_eq!(
        s.stage_form.as_ref().unwrap().errors[0].1,
        t::ERR_DATE_FUTURE
    );
    update(&mut s, Msg::ConsentDate("先週".into()), now());
    assert!(update(&mut s, Msg::WithdrawConsent, now()).is_empty());
    assert!(
        s.stage_form.as_ref().unwrap().errors[0]
            .1
            .contains("R8.6.1")
    );
    update(&mut s, Msg::ConsentDate("R8.5.31".into()), now());
    let fx = update(&mut s, Msg::WithdrawConsent, now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::WithdrawConsent(_, day)] if day.to_string() == "2026-05-31"
    ));
}

#[test]
fn the_consent_form_starts_from_the_scope_on_record() {
    let mut p = person("架空 同意");
    p.consent = ConsentRecord {
        status: ConsentStatus::Verbal,
        scope: [ConsentScope::ContactFamily].into(),
        date: Some(ja::local_date(now()) - Duration::days(10)),
        recorded_by: Some(UserId::new_v7(1, [1; 10])),
    };
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartStageConsent, now());
    assert_eq!(
        s.stage_form.as_ref().unwrap().scope,
        [ConsentScope::ContactFamily].into()
    );
}
