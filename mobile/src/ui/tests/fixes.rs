//! The 要修正 screen in words, with its two actions and the confirmation.

use super::*;
use crate::shared::protocol::{Payload, RejectCode, Rejection};
use std::collections::BTreeSet;

fn item(p: &Person, n: u8, payload: Payload) -> RejectedChange {
    RejectedChange {
        op_id: OperationId::new_v7(u64::from(n), [n; 10]),
        created_at: now() - Duration::minutes(30),
        payload,
        rejection: Rejection {
            code: RejectCode::StaleState,
            message: "the person already has an open case in the queue".into(),
            field_errors: Vec::new(),
        },
        person: Some(p.clone()),
    }
}

#[test]
fn each_refused_change_in_words_with_correct_and_discard() {
    let p = person("架空 要修正", 31);
    let mut s = unlocked();
    update(&mut s, Msg::Go(Screen::Fixes), now());
    update(&mut s, Msg::FixesLoaded(Ok(Vec::new())), now());
    assert!(render(s.clone()).contains(t::FIXES_EMPTY));
    let esc = Escalation {
        case_id: CaseId::new_v7(1, [1; 10]),
        person_id: p.id,
        raised_by: UserId::new_v7(1, [1; 10]),
        raised_at: now(),
        reason: "重なった課題".into(),
        fields: BTreeSet::new(),
        tags: BTreeSet::new(),
        agencies_involved: BTreeSet::new(),
        urgency: Urgency::High,
        route: Route::SupportMeeting,
        household: Vec::new(),
    };
    let a = item(&p, 1, Payload::Escalate(esc));
    let b = item(&p, 2, Payload::CreatePerson(p.clone()));
    let (a_op, b_op) = (a.op_id, b.op_id);
    update(&mut s, Msg::FixesLoaded(Ok(vec![a, b])), now());
    let html = render(s.clone());
    assert!(html.contains(t::FIXES_TITLE) && html.contains(t::FIXES_LEAD));
    assert!(html.contains("架空 要修正：多機関協働へのつなぎ（支援会議）"));
    assert!(html.contains("架空 要修正：対象者の登録"));
    assert!(html.contains("令和8年6月1日 10:00"), "when, in Tokyo time");
    assert!(html.contains(t::FIX_WHY_CASE_OPEN), "why, in Japanese");
    assert!(html.contains(t::FIX_WHY_STALE), "a refused registration");
    assert!(!html.contains("open case"), "not the English message");
    assert_eq!(
        html.matches(&format!(">{}</button>", t::FIX_CORRECT))
            .count(),
        2
    );
    // Correcting opens the escalation form, saying it corrects a refusal.
    let mut c = s.clone();
    update(&mut c, Msg::CorrectRejected(a_op), now());
    let html = render(c);
    assert!(html.contains(t::FIX_CORRECTING) && html.contains("重なった課題"));
    update(&mut s, Msg::DiscardRequested(a_op), now());
    let html = render(s.clone());
    assert!(html.contains(t::FIX_DISCARD_CONFIRM) && html.contains(t::FIX_DISCARD_YES));
    update(&mut s, Msg::DiscardRequested(b_op), now());
    assert!(
        render(s).contains(t::FIX_DISCARD_CREATE_CONFIRM),
        "discarding a registration says what goes with it"
    );
}
