//! Escalating a case to 多機関協働, with the meeting the consent decides.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg, Screen, toggle};
use crate::app::text as t;
use crate::model::*;
use crate::shared::*;

/// The escalation form, with the meeting the case will go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationForm {
    pub person_id: PersonId,
    pub alias: String,
    pub consent: ConsentRecord,
    pub reason: String,
    pub fields: BTreeSet<LifeField>,
    pub tags: BTreeSet<CrossTag>,
    pub agencies: BTreeSet<AgencyId>,
    pub urgency: Urgency,
    /// Whether the person's household links persons of their own (then the
    /// form offers to raise it for the household).
    pub household_offered: bool,
    /// Raise it for the household: each linked member on this tablet goes
    /// with it, routed by their own consent (never the person's).
    pub for_household: bool,
    /// A refused escalation this form corrects.
    pub replaces: Option<OperationId>,
    pub errors: Vec<(String, String)>,
    pub busy: bool,
}

impl EscalationForm {
    pub fn new(person: &Person, life_threatening: bool) -> EscalationForm {
        EscalationForm {
            person_id: person.id,
            alias: person.alias.clone(),
            consent: person.consent.clone(),
            reason: String::new(),
            fields: person.fields.clone(),
            tags: person.tags.clone(),
            agencies: BTreeSet::new(),
            urgency: if life_threatening {
                Urgency::Emergency
            } else {
                Urgency::Normal
            },
            household_offered: person.household.linked_persons().next().is_some(),
            for_household: false,
            replaces: None,
            errors: Vec::new(),
            busy: false,
        }
    }

    /// A form prefilled from an escalation the server refused.
    pub fn correcting(person: &Person, e: &Escalation, op: OperationId) -> EscalationForm {
        EscalationForm {
            reason: e.reason.clone(),
            fields: e.fields.clone(),
            tags: e.tags.clone(),
            agencies: e.agencies_involved.clone(),
            urgency: e.urgency,
            for_household: !e.household.is_empty(),
            replaces: Some(op),
            ..EscalationForm::new(person, false)
        }
    }

    /// The meeting the case goes to, decided by the consent on record.
    pub fn route(&self) -> Route {
        Route::for_consent(&self.consent)
    }

    /// Why, in words.
    pub fn route_reason(&self) -> &'static str {
        match self.route() {
            Route::MultiLayeredMeeting => t::ROUTE_WITH_CONSENT,
            Route::SupportMeeting => t::ROUTE_WITHOUT_CONSENT,
        }
    }

    pub fn build(&self) -> NewEscalation {
        NewEscalation {
            person_id: self.person_id,
            reason: self.reason.trim().to_owned(),
            fields: self.fields.clone(),
            tags: self.tags.clone(),
            agencies_involved: self.agencies.clone(),
            urgency: self.urgency,
            for_household: self.for_household && self.household_offered,
        }
    }
}

fn esc(s: &mut AppState, f: impl FnOnce(&mut EscalationForm)) {
    if let Some(e) = s.escalation.as_mut() {
        f(e);
    }
}

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    _now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        StartEscalation => {
            if let Some(t) = s.timeline.as_ref() {
                let urgent = t
                    .entries
                    .iter()
                    .any(|e| e.current && e.contact.safety.life_threatening);
                s.escalation = Some(EscalationForm::new(&t.person, urgent));
                s.notice = None;
                s.screen = Screen::Escalate;
            }
        }
        EscReason(v) => esc(s, |f| f.reason = v),
        EscToggleField(x) => esc(s, |f| toggle(&mut f.fields, x)),
        EscToggleTag(x) => esc(s, |f| toggle(&mut f.tags, x)),
        EscToggleAgency(x) => esc(s, |f| toggle(&mut f.agencies, x)),
        EscUrgency(u) => esc(s, |f| f.urgency = u),
        EscForHousehold(on) => esc(s, |f| f.for_household = on),
        SubmitEscalation => {
            if let Some(f) = s.escalation.as_mut()
                && !f.busy
            {
                f.busy = true;
                f.errors.clear();
                fx.push(match f.replaces {
                    Some(op) => Effect::Correct(op, Correction::Escalation(f.build())),
                    None => Effect::Escalate(f.build()),
                });
            }
        }
        Escalated(r) => {
            let f = s.escalation.as_mut()?;
            f.busy = false;
            match r {
                Ok(route) => {
                    let person = f.person_id;
                    s.escalation = None;
                    s.saved_on_person(person, &t::escalated(ja::Label::ja(&route)), fx);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e)
                        && let Some(f) = s.escalation.as_mut()
                    {
                        f.errors = errors;
                    }
                }
            }
        }
        other => return Some(other),
    }
    None
}
