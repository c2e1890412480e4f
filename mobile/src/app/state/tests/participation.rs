//! 参加支援 taps (issue 18): the screen opens on the person in view and
//! loads the catalogue and the records; needs with "no suitable resource"
//! need a 町丁; a trial needs a resource of the catalogue; a follow-up
//! names its trial and outcome; a save reloads and syncs; a lock forgets
//! it all.

use super::*;

pub(crate) fn resource() -> LocalResource {
    LocalResource {
        id: ResourceId::new_v7(1, [4; 10]),
        name: "架空の夜の居場所".into(),
        kind: ResourceKind::PlaceToBe,
        areas: BTreeSet::new(),
        for_whom: "若い世代の方".into(),
        days: "毎週金曜 17時〜20時".into(),
        contact: "架空の居場所（042-000-0000）".into(),
        accepts_new: true,
        updated_at: now(),
    }
}

fn opened(p: &Person) -> AppState {
    let mut s = unlocked_on_person(p);
    let fx = update(&mut s, Msg::StartParticipation, now());
    assert_eq!(s.screen, Screen::Participation);
    assert!(matches!(fx.as_slice(), [Effect::LoadParticipation(id)] if *id == p.id));
    update(
        &mut s,
        Msg::ParticipationLoaded(Ok(Box::new(ParticipationData {
            records: Vec::new(),
            resources: vec![resource()],
        }))),
        now(),
    );
    s
}

#[test]
fn needs_without_a_resource_name_the_area_and_are_saved_as_one_record() {
    let p = person("架空 参加");
    let mut s = opened(&p);
    let f = s.participation.as_ref().unwrap();
    assert_eq!(f.unmet_area, "sakaecho-2", "the person's 町丁 by default");
    update(&mut s, Msg::PaToggleNeed(NeedKind::PlaceToBe), now());
    update(&mut s, Msg::PaToggleUnmet, now());
    update(&mut s, Msg::PaUnmetArea(String::new()), now());
    let fx = update(&mut s, Msg::SaveParticipation, now());
    assert!(fx.is_empty());
    assert_eq!(
        s.participation.as_ref().unwrap().errors[0].1,
        t::PA_PICK_AREA
    );
    update(&mut s, Msg::PaUnmetArea("sakaecho-1".into()), now());
    update(
        &mut s,
        Msg::PaUnmetText("若者が夕方に行ける居場所がない".into()),
        now(),
    );
    let fx = update(&mut s, Msg::SaveParticipation, now());
    match fx.as_slice() {
        [
            Effect::RecordParticipation(
                id,
                ParticipationEntry::Needs {
                    needs,
                    unmet: Some(u),
                    ..
                },
            ),
        ] => {
            assert_eq!(*id, p.id);
            assert_eq!(needs, &BTreeSet::from([NeedKind::PlaceToBe]));
            assert_eq!(u.area.name_ja(), "栄町1丁目");
        }
        other => panic!("{other:?}"),
    }
    assert!(s.participation.as_ref().unwrap().busy);
    // A second tap while saving does nothing.
    assert!(update(&mut s, Msg::SaveParticipation, now()).is_empty());
    // Field errors from the store come back to the form.
    update(
        &mut s,
        Msg::ParticipationSaved(Err(SaveFailure::Fields(vec![(
            "participation.unmet.description".into(),
            "足りない資源の内容を入力してください。".into(),
        )]))),
        now(),
    );
    let f = s.participation.as_ref().unwrap();
    assert!(!f.busy && f.errors.len() == 1);
    // Saved: the form clears, the screen reloads and syncs.
    update(&mut s, Msg::SaveParticipation, now());
    let fx = update(&mut s, Msg::ParticipationSaved(Ok(())), now());
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadParticipation(_))));
    assert!(fx.iter().any(|e| matches!(e, Effect::Sync)));
    let f = s.participation.as_ref().unwrap();
    assert!(f.needs.is_empty() && !f.unmet && f.unmet_text.is_empty());
    assert_eq!(s.notice.as_ref().unwrap().text, t::PA_SAVED);
}

#[test]
fn a_trial_needs_a_resource_and_a_follow_up_its_trial_and_outcome() {
    let p = person("架空 参加");
    let mut s = opened(&p);
    update(&mut s, Msg::PaMode(ParticipationMode::Trial), now());
    assert!(update(&mut s, Msg::SaveParticipation, now()).is_empty());
    assert_eq!(
        s.participation.as_ref().unwrap().errors[0].1,
        t::PA_PICK_RESOURCE
    );
    update(&mut s, Msg::PaResource(Some(resource().id)), now());
    update(&mut s, Msg::PaToggleStarted, now());
    let fx = update(&mut s, Msg::SaveParticipation, now());
    match fx.as_slice() {
        [
            Effect::RecordParticipation(
                _,
                ParticipationEntry::Trial {
                    resource_name,
                    step,
                    ..
                },
            ),
        ] => {
            assert_eq!(resource_name, "架空の夜の居場所");
            assert_eq!(*step, TrialStep::Started);
        }
        other => panic!("{other:?}"),
    }
    update(&mut s, Msg::ParticipationSaved(Ok(())), now());

    update(&mut s, Msg::PaMode(ParticipationMode::FollowUp), now());
    assert!(update(&mut s, Msg::SaveParticipation, now()).is_empty());
    let trial = ParticipationId::new_v7(2, [5; 10]);
    update(&mut s, Msg::PaTrial(Some(trial)), now());
    update(&mut s, Msg::PaOutcome(TrialOutcome::Stopped), now());
    update(&mut s, Msg::PaReason("夜は家族の介護がある".into()), now());
    let fx = update(&mut s, Msg::SaveParticipation, now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::RecordParticipation(_, ParticipationEntry::FollowUp { trial: t2, outcome: TrialOutcome::Stopped, reason: Some(_) })] if *t2 == trial
    ));
}

#[test]
fn the_lock_forgets_the_screen_and_a_late_answer_is_dropped() {
    let p = person("架空 参加");
    let mut s = opened(&p);
    update(&mut s, Msg::PaNote("夕方なら外に出られる".into()), now());
    update(&mut s, Msg::Locked, now());
    assert!(s.participation.is_none());
    assert_eq!(s.screen, Screen::Unlock);
    update(
        &mut s,
        Msg::ParticipationLoaded(Ok(Box::new(ParticipationData::default()))),
        now(),
    );
    assert!(s.participation.is_none());
    assert!(!Msg::ParticipationLoaded(Ok(Box::default())).is_input());
    assert!(Msg::PaToggleUnmet.is_input());
}

#[test]
fn handing_on_names_a_resource_picked_from_the_catalogue() {
    let mut p = person("架空 参加");
    p.stage = Stage::AcceptsSupport;
    let mut s = unlocked_on_person(&p);
    let fx = update(&mut s, Msg::StartStageConsent, now());
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadResourceNames)));
    update(
        &mut s,
        Msg::ResourceNamesLoaded(vec![resource().name]),
        now(),
    );
    update(&mut s, Msg::ChooseStage(Stage::HandedOn), now());
    update(
        &mut s,
        Msg::StageReason("夜の居場所に通い始めた".into()),
        now(),
    );
    update(&mut s, Msg::StageHandedResource(resource().name), now());
    let html = crate::ui::tests::render(s.clone());
    assert!(html.contains("id=\"handedcatalogue\"") && html.contains(t::HANDED_CATALOGUE));
    let fx = update(&mut s, Msg::ConfirmStage, now());
    let [Effect::ChangeStage(_, Stage::HandedOn, Some(note))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        note.handed_to,
        Some(HandedTo::Resource("架空の夜の居場所".into()))
    );
}
