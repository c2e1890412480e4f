//! The contact form (接触記録) and the logs a supervisor returned. The form
//! reads through [`crate::forms::ContactInput`], the parser the CLI uses too.

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg, Screen};
use crate::app::text as t;
use crate::forms::{ContactInput, FormErrors};
use crate::model::Correction;
use crate::shared::*;

/// The contact form: the input, and what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactForm {
    pub person_id: PersonId,
    pub alias: String,
    /// The log this one corrects (a new revision).
    pub revises: Option<ContactId>,
    /// A refused log this form corrects (the same log, sent again).
    pub replaces: Option<OperationId>,
    pub input: ContactInput,
    /// (field, Japanese message)
    pub errors: FormErrors,
    pub busy: bool,
}

impl ContactForm {
    /// A new form for `person` at `now`: a home visit, now, next visit in a week.
    pub fn new(person: &Person, now: DateTime<Utc>) -> ContactForm {
        ContactForm {
            person_id: person.id,
            alias: person.alias.clone(),
            revises: None,
            replaces: None,
            input: ContactInput::new(now),
            errors: Vec::new(),
            busy: false,
        }
    }

    /// A form prefilled from a log to correct it.
    pub fn revising(person: &Person, c: &ContactLog) -> ContactForm {
        ContactForm {
            person_id: person.id,
            alias: person.alias.clone(),
            revises: Some(c.id),
            replaces: None,
            input: ContactInput::from_log(c),
            errors: Vec::new(),
            busy: false,
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A returned log and what the supervisor said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedLog {
    pub person: Person,
    pub contact: ContactLog,
    pub comment: String,
    pub reviewed_at: DateTime<Utc>,
}

fn form(s: &mut AppState, f: impl FnOnce(&mut ContactInput)) {
    if let Some(c) = s.contact.as_mut() {
        f(&mut c.input);
    }
}

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        ReturnedLoaded(_) if !s.shows_content() => {}
        ReturnedLoaded(r) => match r {
            Ok(v) => s.returned = v,
            Err(e) => s.error(e),
        },
        StartContact => {
            if let Some(p) = s.person_in_view() {
                s.contact = Some(ContactForm::new(p, now));
                s.notice = None;
                s.screen = Screen::LogContact;
            }
        }
        Revise(id) => {
            let found = s
                .timeline
                .as_ref()
                .and_then(|t| {
                    t.entries
                        .iter()
                        .find(|e| e.contact.id == id)
                        .map(|e| (t.person.clone(), e.contact.clone()))
                })
                .or_else(|| {
                    s.returned
                        .iter()
                        .find(|r| r.contact.id == id)
                        .map(|r| (r.person.clone(), r.contact.clone()))
                });
            if let Some((p, c)) = found {
                s.contact = Some(ContactForm::revising(&p, &c));
                s.screen = Screen::LogContact;
            }
        }
        ContactDate(v) => form(s, |f| f.date = v),
        ContactTime(v) => form(s, |f| f.time = v),
        ContactDuration(v) => form(s, |f| f.duration = v),
        ContactHow(m) => form(s, |f| f.method = m),
        ContactMet(m) => form(s, |f| {
            f.met = Some(m);
            if m != MetWhom::Person {
                f.response = None;
            }
        }),
        ContactResponse(r) => form(s, |f| f.response = Some(r)),
        ContactObservation(v) => form(s, |f| f.observation = v),
        ContactAccompaniment(a) => form(s, |f| f.accompaniment = Some(a)),
        ToggleDanger(d) => form(s, |f| super::toggle(&mut f.danger_signs, d)),
        ToggleLifeThreatening => form(s, |f| f.life_threatening = !f.life_threatening),
        ContactNextWhat(v) => form(s, |f| f.next_what = v),
        ContactNextDue(v) => form(s, |f| f.next_due = v),
        ContactDifficulty(d) => form(s, |f| f.difficulty = (f.difficulty != Some(d)).then_some(d)),
        ContactReflection(v) => form(s, |f| f.reflection = v),
        ToggleWantsToTalk => form(s, |f| f.wants_to_talk = !f.wants_to_talk),
        SaveContact => {
            if let Some(f) = s.contact.as_mut()
                && !f.busy
            {
                match f.input.parse(f.person_id) {
                    Ok(c) => {
                        f.errors.clear();
                        f.busy = true;
                        fx.push(match f.replaces {
                            Some(op) => Effect::Correct(op, Correction::Contact(c)),
                            None => Effect::SaveContact(c, f.revises),
                        });
                    }
                    Err(e) => f.errors = e,
                }
            }
        }
        ContactSaved(r) => {
            let f = s.contact.as_mut()?;
            f.busy = false;
            match r {
                Ok(()) => {
                    let person = f.person_id;
                    let urgent = f.input.life_threatening;
                    s.contact = None;
                    let text = if urgent {
                        t::LIFE_THREATENING_WARNING
                    } else {
                        t::SAVED
                    };
                    s.saved_on_person(person, text, fx);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e)
                        && let Some(f) = s.contact.as_mut()
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
