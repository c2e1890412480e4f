//! The 要修正 screen: refused changes in words, corrected in their own form
//! or discarded after a confirmation.

use super::*;
use crate::shared::protocol::{FieldChange, Payload, PersonField, RejectCode, Rejection};

fn refused(n: u8, p: &Person, payload: Payload, rejection: Rejection) -> RejectedChange {
    RejectedChange {
        op_id: OperationId::new_v7(u64::from(n), [n; 10]),
        created_at: now() - Duration::hours(i64::from(n)),
        payload,
        rejection,
        person: Some(p.clone()),
    }
}

fn because(code: RejectCode, fields: Vec<FieldError>) -> Rejection {
    Rejection {
        code,
        message: "refused".into(),
        field_errors: fields,
    }
}

fn log(p: &Person) -> ContactLog {
    ContactLog {
        id: ContactId::new_v7(3, [3; 10]),
        person_id: p.id,
        revises: None,
        author: UserId::new_v7(1, [1; 10]),
        occurred_at: now() - Duration::hours(3),
        duration_minutes: Some(15),
        method: ContactMethod::Phone,
        met: MetWhom::FamilyOnly,
        response: None,
        observation: "電話で妹と話した".into(),
        safety: Safety {
            accompaniment: Accompaniment::Alone,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
        },
        reflection: None,
        next_action: None,
    }
}

fn on_fixes(items: Vec<RejectedChange>) -> AppState {
    let mut s = AppState::new(true);
    update(&mut s, Msg::Unlocked(Ok(())), now());
    let fx = update(&mut s, Msg::Go(Screen::Fixes), now());
    assert!(matches!(fx.as_slice(), [Effect::LoadFixes]));
    update(&mut s, Msg::FixesLoaded(Ok(items)), now());
    s
}

#[test]
fn each_refused_change_is_said_in_words() {
    let p = person("架空 要修正");
    let items = vec![
        refused(
            1,
            &p,
            Payload::LogContact(log(&p)),
            because(
                RejectCode::Invalid,
                vec![FieldError::new(
                    "payload.observation",
                    Violation::ControlCharacter,
                )],
            ),
        ),
        refused(
            2,
            &p,
            Payload::ChangeStage {
                from: Stage::TryingToReach,
                to: Stage::FirstContact,
                base: None,
                note: None,
            },
            because(RejectCode::StaleState, Vec::new()),
        ),
        refused(
            3,
            &p,
            Payload::UpdatePerson {
                changes: vec![FieldChange {
                    set: PersonField::Kana(Some("kakuu".into())),
                    base: None,
                }],
            },
            because(RejectCode::Forbidden, Vec::new()),
        ),
    ];
    let s = on_fixes(items);
    let c = &s.fixes.items;
    assert!(fixes_what(&c[0]).starts_with("架空 要修正：接触記録（令和8年6月1日"));
    assert!(fixes_what(&c[0]).contains("電話"));
    assert_eq!(
        fixes_why(&c[0]),
        ["様子・観察に使えない制御文字が含まれています。文字を入力し直してください。"]
    );
    assert_eq!(
        fixes_what(&c[1]),
        "架空 要修正：関係の段階の変更（接触試行中 → 初回接触）"
    );
    assert_eq!(fixes_why(&c[1]), [t::FIX_WHY_STAGE_MOVED]);
    assert_eq!(fixes_what(&c[2]), "架空 要修正：変更（ふりがな）");
    assert_eq!(fixes_why(&c[2]), [t::FIX_WHY_FORBIDDEN]);
}

#[test]
fn correcting_opens_the_right_form_prefilled_and_sends_a_correction() {
    let mut p = person("架空 直す");
    let m = HouseholdMember {
        id: HouseholdMemberId::new_v7(4, [4; 10]),
        relation: Relation::Sibling,
        alias: Some("妹".into()),
        birth_year: None,
        lives_together: false,
        note: None,
        person: None,
    };
    p.household.members.push(m.clone());
    let contact = refused(
        1,
        &p,
        Payload::LogContact(log(&p)),
        because(RejectCode::Invalid, Vec::new()),
    );
    let member = refused(
        2,
        &p,
        Payload::UpdatePerson {
            changes: vec![FieldChange {
                set: PersonField::HouseholdMember {
                    id: m.id,
                    member: Some(m.clone()),
                },
                base: None,
            }],
        },
        because(RejectCode::Invalid, Vec::new()),
    );
    let stage = refused(
        3,
        &p,
        Payload::ChangeStage {
            from: Stage::AcceptsSupport,
            to: Stage::HandedOn,
            base: None,
            note: Some(StageNote {
                reason: "包括へ".into(),
                handed_to: Some(HandedTo::Agency(AgencyId::new("houkatsu-asahi"))),
            }),
        },
        because(RejectCode::StaleState, Vec::new()),
    );
    let create = refused(
        5,
        &p,
        Payload::CreatePerson(p.clone()),
        because(RejectCode::Invalid, Vec::new()),
    );
    let (c_op, m_op, s_op, p_op) = (contact.op_id, member.op_id, stage.op_id, create.op_id);
    let mut s = on_fixes(vec![contact, member, stage, create]);

    // A contact: the contact form, with the refused log in it.
    update(&mut s, Msg::CorrectRejected(c_op), now());
    assert_eq!(s.screen, Screen::LogContact);
    let f = s.contact.as_ref().unwrap();
    assert_eq!(f.replaces, Some(c_op));
    assert_eq!(f.input.observation, "電話で妹と話した");
    update(
        &mut s,
        Msg::ContactObservation("電話で妹と話した（訂正）".into()),
        now(),
    );
    let fx = update(&mut s, Msg::SaveContact, now());
    let [Effect::Correct(op, Correction::Contact(c))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*op, c_op);
    assert_eq!(c.observation, "電話で妹と話した（訂正）");
    // Written: back to the list, which is read again, and a sync.
    let fx = update(&mut s, Msg::Corrected(Ok(())), now());
    assert_eq!(s.screen, Screen::Fixes);
    assert!(s.contact.is_none());
    assert_eq!(s.notice.as_ref().unwrap().text, t::FIX_RESENT);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadFixes, Effect::LoadStatus, Effect::Sync]
    ));

    // A household member: the member form.
    update(&mut s, Msg::CorrectRejected(m_op), now());
    assert_eq!(s.screen, Screen::MemberForm);
    assert_eq!(s.member_form.as_ref().unwrap().input.alias, "妹");
    let fx = update(&mut s, Msg::SaveMember, now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::Correct(op, Correction::Person(ch))]
            if *op == m_op && matches!(ch.as_slice(), [PersonField::HouseholdMember { .. }])
    ));
    // A refusal of the correction stays on the form.
    update(
        &mut s,
        Msg::Corrected(Err(SaveFailure::Fields(vec![(
            "member.note".into(),
            "長すぎます".into(),
        )]))),
        now(),
    );
    assert_eq!(s.screen, Screen::MemberForm);
    assert!(!s.member_form.as_ref().unwrap().busy);

    // A stage change: the stage form, from the stage it started from, with
    // the reason and the agency.
    update(&mut s, Msg::CorrectRejected(s_op), now());
    assert_eq!(s.screen, Screen::StageConsent);
    let f = s.stage_form.as_ref().unwrap();
    assert_eq!(
        (f.stage, f.chosen),
        (Stage::AcceptsSupport, Some(Stage::HandedOn))
    );
    assert_eq!(f.reason, "包括へ");
    assert_eq!(f.handed_agency, Some(AgencyId::new("houkatsu-asahi")));
    let fx = update(&mut s, Msg::ConfirmStage, now());
    assert!(matches!(
        fx.as_slice(),
        [Effect::Correct(op, Correction::Stage(Stage::HandedOn, Some(_)))] if *op == s_op
    ));

    // A registration: the person form.
    update(&mut s, Msg::CorrectRejected(p_op), now());
    assert_eq!(s.screen, Screen::PersonForm);
    let f = s.person_form.as_ref().unwrap();
    assert_eq!(
        f.mode,
        PersonFormMode::Correct {
            op: p_op,
            person: p.id
        }
    );
    assert_eq!(f.input.alias, "架空 直す");
    let fx = update(&mut s, Msg::SavePerson, now());
    assert!(matches!(fx.as_slice(), [Effect::Correct(op, Correction::Person(_))] if *op == p_op));
}

#[test]
fn discarding_needs_a_confirmation_and_says_so() {
    let p = person("架空 破棄");
    let item = refused(
        1,
        &p,
        Payload::LogContact(log(&p)),
        because(RejectCode::Invalid, Vec::new()),
    );
    let op = item.op_id;
    let mut s = on_fixes(vec![item]);
    assert!(
        update(&mut s, Msg::DiscardConfirmed, now()).is_empty(),
        "not without asking"
    );
    update(&mut s, Msg::DiscardRequested(op), now());
    assert_eq!(s.fixes.confirm_discard, Some(op));
    update(&mut s, Msg::DiscardCancelled, now());
    assert!(update(&mut s, Msg::DiscardConfirmed, now()).is_empty());
    update(&mut s, Msg::DiscardRequested(op), now());
    let fx = update(&mut s, Msg::DiscardConfirmed, now());
    assert!(matches!(fx.as_slice(), [Effect::Discard(x)] if *x == op));
    let fx = update(&mut s, Msg::Discarded(Ok(())), now());
    assert_eq!(s.notice.as_ref().unwrap().text, t::FIX_DISCARDED);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadFixes, Effect::LoadStatus]
    ));
    update(&mut s, Msg::FixesLoaded(Ok(Vec::new())), now());
    assert!(s.fixes.loaded && s.fixes.items.is_empty());
    // A change that cannot be corrected here says so.
    let legacy = refused(
        2,
        &p,
        Payload::UpdatePerson {
            changes: vec![FieldChange {
                set: PersonField::Household(Household::default()),
                base: None,
            }],
        },
        because(RejectCode::Invalid, Vec::new()),
    );
    let op = legacy.op_id;
    let mut s = on_fixes(vec![legacy]);
    update(&mut s, Msg::CorrectRejected(op), now());
    assert_eq!(s.screen, Screen::Fixes);
    assert_eq!(s.notice.as_ref().unwrap().text, t::FIX_CANNOT_CORRECT);
}
