//! The tablet app's new screens, driven as a worker uses them (the state
//! machine and the real runner on a real store): register a person noticed
//! by a 民生委員, add and edit household members, log a visit with the
//! 民生委員, record consent on a 令和 date, hand the person on to a named
//! resource with a reason, then discard a refused change. The fictitious
//! names and notes planted on the way appear in no file of the tablet, in
//! any encoding.

mod common;

use chrono::Utc;
use common::*;
use outreach_mobile::app::core::{AppCore, CoreHandle};
use outreach_mobile::app::runner;
use outreach_mobile::app::state::{AppState, Effect, Msg, Screen, update};
use outreach_mobile::shared::protocol::{RejectCode, Rejection};
use outreach_mobile::shared::*;
use outreach_mobile::*;

const ALIAS: &str = "架空 居場所子";
const KANA: &str = "ｶｸｳ ｲﾊﾞｼｮｺ";
const SUMMARY: &str = "架空の概要：夜だけ外に出ている様子";
const MEMBER: &str = "架空 父";
const MEMBER_NOTE: &str = "架空の世帯員メモ：夜勤が多い";
const MEMBER_NOTE2: &str = "架空の世帯員メモ二：転職した";
const OBSERVATION: &str = "架空の観察：民生委員と玄関先で話した";
const REASON: &str = "架空のつなぎ理由：夜の居場所に通えている";
const RESOURCE: &str = "架空の夜カフェあかり";

/// Drives the state machine as the app does: a tap also tells the store a
/// person is there; effects run on the store thread; no server (syncs are
/// skipped).
async fn drive(core: &CoreHandle, s: &mut AppState, msg: Msg) {
    if msg.is_input() {
        runner::note_input(core).await;
    }
    let mut queue = vec![msg];
    while let Some(m) = queue.pop() {
        for fx in update(s, m, Utc::now()) {
            if matches!(fx, Effect::Sync) {
                continue;
            }
            let out =
                runner::run(core, fx, KdfParams::insecure_fast_for_tests(), &mut |_| {}).await;
            queue.extend(out);
        }
    }
}

#[tokio::test]
async fn what_the_new_screens_store_is_sealed_in_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cfg = cfg(dir);
    let store = Store::init(
        cfg.clone(),
        &pin(),
        None,
        KdfParams::insecure_fast_for_tests(),
    )
    .unwrap();
    drop(store);
    let core = CoreHandle::spawn(AppCore::open(cfg));
    let mut s = AppState::new(true);
    for c in "246813".chars() {
        drive(&core, &mut s, Msg::PinDigit(c)).await;
    }
    drive(&core, &mut s, Msg::PinSubmit).await;
    assert_eq!(s.screen, Screen::Caseload);

    // Register (気づき).
    drive(&core, &mut s, Msg::StartRegister).await;
    for m in [
        Msg::PfAlias(ALIAS.into()),
        Msg::PfKana(KANA.into()),
        Msg::PfNoticedBy(Some(NoticedBy::WelfareCommissioner)),
        Msg::PfArea("hanenaka-3".into()),
        Msg::PfBirthYear("平成2".into()),
        Msg::PfToggleTag(CrossTag::Isolation),
        Msg::PfSummary(SUMMARY.into()),
        Msg::SavePerson,
    ] {
        drive(&core, &mut s, m).await;
    }
    let Screen::Person(id) = s.screen else {
        panic!("not on the new person: {:?} {:?}", s.screen, s.notice)
    };
    let p = s.timeline.as_ref().unwrap().person.clone();
    assert_eq!((p.alias.as_str(), p.stage), (ALIAS, Stage::Identified));
    assert_eq!(p.kana.as_deref(), Some("カクウ イバショコ"));

    // The household.
    drive(&core, &mut s, Msg::StartAddMember).await;
    for m in [
        Msg::MfRelation(Relation::Parent),
        Msg::MfAlias(MEMBER.into()),
        Msg::MfNote(MEMBER_NOTE.into()),
        Msg::SaveMember,
    ] {
        drive(&core, &mut s, m).await;
    }
    let member = s.timeline.as_ref().unwrap().person.household.members[0].id;
    drive(&core, &mut s, Msg::StartEditMember(member)).await;
    drive(&core, &mut s, Msg::MfNote(MEMBER_NOTE2.into())).await;
    drive(&core, &mut s, Msg::SaveMember).await;
    let household = &s.timeline.as_ref().unwrap().person.household;
    assert_eq!(household.members[0].note.as_deref(), Some(MEMBER_NOTE2));

    // A visit with the 民生委員, then consent on a 令和 date.
    drive(&core, &mut s, Msg::StartContact).await;
    for m in [
        Msg::ContactMet(MetWhom::Person),
        Msg::ContactResponse(PersonResponse::Open),
        Msg::ContactAccompaniment(Accompaniment::WithWelfareCommissioner),
        Msg::ContactObservation(OBSERVATION.into()),
        Msg::SaveContact,
    ] {
        drive(&core, &mut s, m).await;
    }
    assert_eq!(s.timeline.as_ref().unwrap().entries.len(), 1);
    let yesterday = ja::local_date(Utc::now()) - chrono::Duration::days(1);
    let (_, y) = ja::era_year(yesterday).unwrap();
    let typed = format!(
        "令和{y}年{}月{}日",
        chrono::Datelike::month(&yesterday),
        chrono::Datelike::day(&yesterday)
    );
    drive(&core, &mut s, Msg::StartStageConsent).await;
    drive(&core, &mut s, Msg::ConsentDate(typed)).await;
    drive(&core, &mut s, Msg::GiveConsent(ConsentStatus::Verbal)).await;
    let consent = &s.timeline.as_ref().unwrap().person.consent;
    assert_eq!(consent.date, Some(yesterday));

    // Up to handing on, to a named resource, with a reason.
    for to in [
        Stage::FirstContact,
        Stage::RelationshipForming,
        Stage::AcceptsSupport,
    ] {
        drive(&core, &mut s, Msg::StartStageConsent).await;
        drive(&core, &mut s, Msg::ChooseStage(to)).await;
    }
    drive(&core, &mut s, Msg::StartStageConsent).await;
    for m in [
        Msg::ChooseStage(Stage::HandedOn),
        Msg::StageReason(REASON.into()),
        Msg::StageHandedResource(RESOURCE.into()),
        Msg::ConfirmStage,
    ] {
        drive(&core, &mut s, m).await;
    }
    let p = s.timeline.as_ref().unwrap().person.clone();
    assert_eq!(p.stage, Stage::HandedOn);
    assert_eq!(
        p.stage_note.as_ref().unwrap().handed_to,
        Some(HandedTo::Resource(RESOURCE.into()))
    );

    // A refused change (as the server would mark it), discarded from the
    // 要修正 screen.
    let refused = core
        .with_store(|st| {
            let op = st.outbox_batch(100)?.items.pop().unwrap().op.id;
            st.record_rejection(
                op,
                &Rejection {
                    code: RejectCode::StaleState,
                    message: "refused".into(),
                    field_errors: Vec::new(),
                },
            )?;
            Ok(op)
        })
        .await
        .unwrap();
    drive(&core, &mut s, Msg::Go(Screen::Fixes)).await;
    assert_eq!(s.fixes.items.len(), 1);
    drive(&core, &mut s, Msg::DiscardRequested(refused)).await;
    drive(&core, &mut s, Msg::DiscardConfirmed).await;
    assert!(s.fixes.items.is_empty());
    assert_eq!(s.sync.rejected, 0);

    drive(&core, &mut s, Msg::LockNow).await;
    let files = all_files(dir);
    assert!(
        files
            .iter()
            .any(|(p, _)| p.to_string_lossy().ends_with(".db"))
    );
    let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    for needle in [
        ALIAS,
        KANA,
        "カクウ",
        "居場所",
        SUMMARY,
        MEMBER,
        MEMBER_NOTE,
        MEMBER_NOTE2,
        OBSERVATION,
        REASON,
        RESOURCE,
        "あかり",
        "hanenaka",
        "isolation",
        "with_welfare_commissioner",
        "handed_on",
        "welfare_commissioner",
    ] {
        for (enc, bytes) in encodings(needle) {
            for (path, content) in &files {
                assert!(
                    !contains(content, &bytes),
                    "{needle:?} found as {enc} in {}",
                    path.display()
                );
            }
        }
        for name in &names {
            assert!(!name.contains(needle), "{needle:?} in a file name");
        }
    }
    let _ = id;
}
