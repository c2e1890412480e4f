//! Registering a person (気づき) from the caseload, and editing the profile.

use super::*;

fn on_caseload() -> AppState {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    s
}

#[test]
fn a_new_person_is_registered_from_the_caseload_and_lands_on_their_page() {
    let mut s = on_caseload();
    update(&mut s, Msg::StartRegister, now());
    assert_eq!(s.screen, Screen::PersonForm);
    let f = s.person_form.as_ref().unwrap();
    assert_eq!(f.mode, PersonFormMode::Register);
    update(&mut s, Msg::PfAlias("架空 気づき".into()), now());
    update(&mut s, Msg::PfKana("ｶｸｳ ｷﾂﾞｷ".into()), now());
    update(&mut s, Msg::PfNoticedBy(Some(NoticedBy::Resident)), now());
    update(&mut s, Msg::PfArea("sakaecho-2".into()), now());
    update(&mut s, Msg::PfBirthYear("昭和45".into()), now());
    update(&mut s, Msg::PfToggleApproximate, now());
    update(&mut s, Msg::PfSex(Some(Sex::Female)), now());
    update(&mut s, Msg::PfToggleField(LifeField::Elderly), now());
    update(&mut s, Msg::PfToggleTag(CrossTag::Isolation), now());
    update(&mut s, Msg::PfToggleTag(CrossTag::SchemeGap), now());
    update(&mut s, Msg::PfToggleGapScheme(Scheme::Other), now());
    update(
        &mut s,
        Msg::PfGapWhy("どの制度にも当てはまらない".into()),
        now(),
    );
    update(
        &mut s,
        Msg::PfSummary("近所の人から、ひとりで暮らしていると".into()),
        now(),
    );
    let fx = update(&mut s, Msg::SavePerson, now());
    let [Effect::CreatePerson(n)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(n.alias, "架空 気づき");
    assert_eq!(
        n.kana.as_deref(),
        Some("カクウ キヅキ"),
        "half-width kana stored full-width"
    );
    assert_eq!(
        n.birth_year,
        Some(BirthYear {
            year: 1970,
            approximate: true
        })
    );
    assert_eq!(n.noticed_by, Some(NoticedBy::Resident));
    assert!(n.tags.contains(&CrossTag::Isolation));
    assert_eq!(
        n.scheme_gap.as_ref().unwrap().why,
        "どの制度にも当てはまらない"
    );
    assert!(s.person_form.as_ref().unwrap().busy);
    assert!(
        update(&mut s, Msg::SavePerson, now()).is_empty(),
        "no double save"
    );

    let id = PersonId::new_v7(9, [9; 10]);
    let fx = update(&mut s, Msg::PersonSaved(Ok(id)), now());
    assert_eq!(s.screen, Screen::Person(id));
    assert!(s.person_form.is_none());
    assert_eq!(s.notice.as_ref().unwrap().text, t::PERSON_SAVED);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadTimeline(x), Effect::LoadStatus, Effect::Sync] if *x == id
    ));
}

#[test]
fn what_does_not_read_stays_on_the_form_with_its_reason() {
    let mut s = on_caseload();
    update(&mut s, Msg::StartRegister, now());
    update(&mut s, Msg::PfBirthYear("むかし".into()), now());
    assert!(update(&mut s, Msg::SavePerson, now()).is_empty());
    let f = s.person_form.as_ref().unwrap();
    assert!(f.error("birth_year").unwrap().contains("昭和50"));
    // The core's validation (the alias is required) comes back to the form.
    update(&mut s, Msg::PfBirthYear(String::new()), now());
    update(&mut s, Msg::SavePerson, now());
    let e = FieldError::new("alias", Violation::Required);
    update(
        &mut s,
        Msg::PersonSaved(Err(SaveFailure::Fields(vec![(
            e.field.clone(),
            e.message_ja(),
        )]))),
        now(),
    );
    let f = s.person_form.as_ref().unwrap();
    assert!(!f.busy);
    assert_eq!(f.error("alias"), Some("呼び名を入力してください。"));
    assert_eq!(s.screen, Screen::PersonForm);
    // Leaving without saving.
    update(&mut s, Msg::Go(Screen::Caseload), now());
    assert_eq!(s.screen, Screen::Caseload);
}

#[test]
fn the_profile_is_edited_with_the_same_form_prefilled() {
    let mut p = person("架空 編集");
    p.birth_year = Some(BirthYear {
        year: 1960,
        approximate: false,
    });
    let mut s = unlocked_on_person(&p);
    update(&mut s, Msg::StartEditProfile, now());
    let f = s.person_form.as_ref().unwrap();
    assert_eq!(f.mode, PersonFormMode::Edit(p.id));
    assert_eq!(f.input.alias, "架空 編集");
    assert_eq!(f.input.birth_year, "1960");
    assert_eq!(f.input.area, "sakaecho-2");
    update(&mut s, Msg::PfSummary("母が入院した".into()), now());
    let fx = update(&mut s, Msg::SavePerson, now());
    let [Effect::UpdatePerson(id, changes)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*id, p.id);
    assert!(changes.contains(&PersonField::Summary(Some("母が入院した".into()))));
    update(&mut s, Msg::PersonSaved(Ok(p.id)), now());
    assert_eq!(s.screen, Screen::Person(p.id));
    assert_eq!(s.notice.as_ref().unwrap().text, t::PROFILE_SAVED);
}

#[test]
fn closed_people_are_reachable_by_the_filter_and_by_search() {
    let mut s = on_caseload();
    let open = person("架空 継続");
    let mut closed = person("架空 終了");
    closed.kana = Some("カクウ シュウリョウ".into());
    closed.stage = Stage::Closed;
    let caseload = Caseload {
        today: ja::local_date(now()),
        entries: vec![entry(open, false), entry(closed.clone(), false)],
        overdue: 0,
        damaged: Vec::new(),
    };
    update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
    let shown = |s: &AppState| -> Vec<String> {
        s.visible_caseload()
            .iter()
            .map(|e| e.person.alias.clone())
            .collect()
    };
    assert_eq!(
        shown(&s),
        ["架空 継続"],
        "closed people are not in the working list"
    );
    update(&mut s, Msg::FilterStage(Some("closed".into())), now());
    assert_eq!(shown(&s), ["架空 終了"], "the 終結 filter finds them");
    update(&mut s, Msg::FilterStage(None), now());
    update(&mut s, Msg::Search("ｼｭｳﾘｮｳ".into()), now());
    assert_eq!(
        shown(&s),
        ["架空 終了"],
        "a search (half-width kana too) finds them"
    );
    update(&mut s, Msg::OpenPerson(closed.id), now());
    assert_eq!(s.screen, Screen::Person(closed.id));
}
