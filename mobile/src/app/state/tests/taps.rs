//! The measured paths of the issue, counted in taps: every message a person
//! sends (a tap, or one text typed into a field) counts; the answers of the
//! store thread do not. A change that adds a tap to either path fails here.

use super::*;

/// At most this many taps to log a home visit for a person on the caseload.
const HOME_VISIT_BUDGET: usize = 8;
/// At most this many taps to register a new person and log the first contact.
const REGISTER_AND_CONTACT_BUDGET: usize = 15;

/// A state driven by taps (counted) and answers (not counted).
struct Walk {
    s: AppState,
    taps: usize,
    effects: Vec<Effect>,
}

impl Walk {
    fn on_caseload(entries: Vec<CaseloadEntry>) -> Walk {
        let mut s = AppState::new(true);
        update(&mut s, Msg::Unlocked(Ok(())), now());
        let caseload = Caseload {
            today: ja::local_date(now()),
            entries,
            overdue: 0,
            damaged: Vec::new(),
        };
        update(&mut s, Msg::CaseloadLoaded(Ok(Box::new(caseload))), now());
        Walk {
            s,
            taps: 0,
            effects: Vec::new(),
        }
    }

    fn tap(&mut self, m: Msg) {
        assert!(m.is_input(), "{m:?} is not a tap");
        self.taps += 1;
        let fx = update(&mut self.s, m, now());
        self.effects.extend(fx);
    }

    fn answer(&mut self, m: Msg) {
        assert!(!m.is_input(), "{m:?} is a tap, not an answer");
        let fx = update(&mut self.s, m, now());
        self.effects.extend(fx);
    }

    fn saved_contacts(&self) -> Vec<&NewContact> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::SaveContact(c, None) => Some(c),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn a_home_visit_for_a_person_on_the_caseload_takes_at_most_8_taps() {
    let p = person("架空 訪問");
    let mut w = Walk::on_caseload(vec![entry(p.clone(), false)]);
    w.tap(Msg::OpenPerson(p.id));
    w.answer(Msg::TimelineLoaded(Ok(Box::new(timeline(&p)))));
    w.tap(Msg::StartContact);
    w.tap(Msg::ContactMet(MetWhom::Person));
    w.tap(Msg::ContactResponse(PersonResponse::Brief));
    w.tap(Msg::ContactAccompaniment(Accompaniment::Pair));
    w.tap(Msg::ContactObservation("玄関先で短く話せた。".into()));
    w.tap(Msg::SaveContact);
    assert_eq!(w.saved_contacts().len(), 1, "the visit is saved");
    assert_eq!(w.saved_contacts()[0].person_id, p.id);
    w.answer(Msg::ContactSaved(Ok(())));
    assert_eq!(w.s.screen, Screen::Person(p.id));
    assert_eq!(w.s.notice.as_ref().unwrap().text, t::SAVED);
    assert!(
        w.taps <= HOME_VISIT_BUDGET,
        "logging a home visit took {} taps (budget {HOME_VISIT_BUDGET})",
        w.taps
    );
    assert_eq!(w.taps, 7, "the path as measured today");
}

#[test]
fn registering_a_person_and_logging_the_first_contact_takes_at_most_15_taps() {
    let mut w = Walk::on_caseload(Vec::new());
    w.tap(Msg::StartRegister);
    assert_eq!(w.s.screen, Screen::PersonForm);
    w.tap(Msg::PfAlias("架空 新人".into()));
    w.tap(Msg::PfNoticedBy(Some(NoticedBy::WelfareCommissioner)));
    w.tap(Msg::PfArea("sakaecho-2".into()));
    w.tap(Msg::SavePerson);
    let new = w
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::CreatePerson(n) => Some(n.clone()),
            _ => None,
        })
        .expect("the person is registered");
    assert_eq!(new.alias, "架空 新人");
    // The store answers with the new person, at stage 把握.
    let mut p = person("架空 新人");
    p.stage = Stage::Identified;
    w.answer(Msg::PersonSaved(Ok(p.id)));
    assert_eq!(w.s.screen, Screen::Person(p.id), "lands on the new person");
    w.answer(Msg::TimelineLoaded(Ok(Box::new(timeline(&p)))));
    w.tap(Msg::StartContact);
    w.tap(Msg::ContactMet(MetWhom::Nobody));
    w.tap(Msg::ContactAccompaniment(
        Accompaniment::WithWelfareCommissioner,
    ));
    w.tap(Msg::ContactObservation("民生委員と訪問。不在。".into()));
    w.tap(Msg::SaveContact);
    assert_eq!(w.saved_contacts().len(), 1, "the first contact is saved");
    assert_eq!(
        w.saved_contacts()[0].safety.accompaniment,
        Accompaniment::WithWelfareCommissioner
    );
    w.answer(Msg::ContactSaved(Ok(())));
    assert_eq!(w.s.screen, Screen::Person(p.id));
    assert!(
        w.taps <= REGISTER_AND_CONTACT_BUDGET,
        "registering and logging the first contact took {} taps (budget {REGISTER_AND_CONTACT_BUDGET})",
        w.taps
    );
    assert_eq!(w.taps, 10, "the path as measured today");
}
