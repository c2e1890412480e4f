//! A person's record: registering someone noticed (気づき), editing the
//! profile, and the household member by member (add, edit, remove).

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg, Screen, toggle};
use crate::app::text as t;
use crate::forms::{FormErrors, MemberInput, PersonInput};
use crate::model::Correction;
use crate::shared::protocol::PersonField;
use crate::shared::*;

/// What the person form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonFormMode {
    /// A new person, from the caseload.
    Register,
    /// The profile of a person on the caseload.
    Edit(PersonId),
    /// A registration or profile edit the server refused, to correct and
    /// send again.
    Correct { op: OperationId, person: PersonId },
}

/// The person form: register or edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonForm {
    pub mode: PersonFormMode,
    pub input: PersonInput,
    pub errors: FormErrors,
    pub busy: bool,
}

impl PersonForm {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field || f.starts_with(&format!("{field}.")))
            .map(|(_, m)| m.as_str())
    }
}

/// One household member: add, edit or remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberForm {
    pub person_id: PersonId,
    /// The person's alias, for the title.
    pub alias: String,
    /// `None` while adding.
    pub member_id: Option<HouseholdMemberId>,
    pub input: MemberInput,
    /// The persons of this tablet's caseload the member may be linked to
    /// (their id and alias), the person on the page left out.
    pub persons: Vec<(PersonId, String)>,
    pub confirm_remove: bool,
    /// A refused change this form corrects.
    pub replaces: Option<OperationId>,
    pub errors: FormErrors,
    pub busy: bool,
}

impl MemberForm {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn pf(s: &mut AppState, f: impl FnOnce(&mut PersonInput)) {
    if let Some(form) = s.person_form.as_mut() {
        f(&mut form.input);
    }
}

/// The persons a member of `person`'s household may be linked to: the
/// caseload as loaded, without `person`, by alias.
pub(super) fn link_candidates(s: &AppState, person: PersonId) -> Vec<(PersonId, String)> {
    let mut v: Vec<(PersonId, String)> = s
        .caseload
        .iter()
        .flat_map(|c| &c.entries)
        .filter(|e| e.person.id != person)
        .map(|e| (e.person.id, e.person.alias.clone()))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

fn mf(s: &mut AppState, f: impl FnOnce(&mut MemberInput)) {
    if let Some(form) = s.member_form.as_mut() {
        f(&mut form.input);
    }
}

/// The placeholder id of a member not yet added (the store gives the real one).
fn unsaved_member() -> HouseholdMemberId {
    HouseholdMemberId(uuid::Uuid::nil())
}

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    _now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        StartRegister => {
            if s.shows_content() {
                s.person_form = Some(PersonForm {
                    mode: PersonFormMode::Register,
                    input: PersonInput::default(),
                    errors: Vec::new(),
                    busy: false,
                });
                s.notice = None;
                s.screen = Screen::PersonForm;
            }
        }
        StartEditProfile => {
            if let Some(p) = s.person_in_view() {
                s.person_form = Some(PersonForm {
                    mode: PersonFormMode::Edit(p.id),
                    input: PersonInput::from_person(p),
                    errors: Vec::new(),
                    busy: false,
                });
                s.notice = None;
                s.screen = Screen::PersonForm;
            }
        }
        PfAlias(v) => pf(s, |f| f.alias = v),
        PfKana(v) => pf(s, |f| f.kana = v),
        PfBirthYear(v) => pf(s, |f| f.birth_year = v),
        PfToggleApproximate => pf(s, |f| f.approximate = !f.approximate),
        PfSex(v) => pf(s, |f| f.sex = v),
        PfArea(v) => pf(s, |f| f.area = v),
        PfNoticedBy(v) => pf(s, |f| f.noticed_by = v),
        PfSummary(v) => pf(s, |f| f.summary = v),
        PfToggleField(x) => pf(s, |f| toggle(&mut f.fields, x)),
        PfToggleTag(x) => pf(s, |f| toggle(&mut f.tags, x)),
        PfToggleGapScheme(x) => pf(s, |f| toggle(&mut f.gap_schemes, x)),
        PfGapWhy(v) => pf(s, |f| f.gap_why = v),
        SavePerson => {
            if let Some(f) = s.person_form.as_mut()
                && !f.busy
            {
                match f.input.parse() {
                    Err(e) => f.errors = e,
                    Ok(profile) => {
                        f.errors.clear();
                        f.busy = true;
                        fx.push(match f.mode {
                            PersonFormMode::Register => Effect::CreatePerson(profile.new_person()),
                            PersonFormMode::Edit(id) => Effect::UpdatePerson(id, profile.changes()),
                            PersonFormMode::Correct { op, .. } => {
                                Effect::Correct(op, Correction::Person(profile.changes()))
                            }
                        });
                    }
                }
            }
        }
        PersonSaved(r) => {
            let f = s.person_form.as_mut()?;
            f.busy = false;
            let mode = f.mode;
            match r {
                Ok(id) => {
                    s.person_form = None;
                    match mode {
                        PersonFormMode::Register => s.saved_on_person(id, t::PERSON_SAVED, fx),
                        PersonFormMode::Edit(_) => s.saved_on_person(id, t::PROFILE_SAVED, fx),
                        PersonFormMode::Correct { .. } => s.corrected(fx),
                    }
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e)
                        && let Some(f) = s.person_form.as_mut()
                    {
                        f.errors = errors;
                    }
                }
            }
        }

        StartAddMember => {
            if let Some(p) = s.person_in_view() {
                let persons = link_candidates(s, p.id);
                s.member_form = Some(MemberForm {
                    person_id: p.id,
                    alias: p.alias.clone(),
                    member_id: None,
                    input: MemberInput::default(),
                    persons,
                    confirm_remove: false,
                    replaces: None,
                    errors: Vec::new(),
                    busy: false,
                });
                s.notice = None;
                s.screen = Screen::MemberForm;
            }
        }
        StartEditMember(id) => {
            if let Some(p) = s.person_in_view()
                && let Some(m) = p.household.member(id)
            {
                let persons = link_candidates(s, p.id);
                s.member_form = Some(MemberForm {
                    person_id: p.id,
                    alias: p.alias.clone(),
                    member_id: Some(id),
                    input: MemberInput::from_member(m),
                    persons,
                    confirm_remove: false,
                    replaces: None,
                    errors: Vec::new(),
                    busy: false,
                });
                s.notice = None;
                s.screen = Screen::MemberForm;
            }
        }
        MfRelation(r) => mf(s, |f| f.relation = Some(r)),
        MfAlias(v) => mf(s, |f| f.alias = v),
        MfBirthYear(v) => mf(s, |f| f.birth_year = v),
        MfToggleApproximate => mf(s, |f| f.approximate = !f.approximate),
        MfToggleLivesTogether => mf(s, |f| f.lives_together = !f.lives_together),
        MfNote(v) => mf(s, |f| f.note = v),
        MfPerson(p) => mf(s, |f| f.person = p),
        SaveMember => {
            if let Some(f) = s.member_form.as_mut()
                && !f.busy
            {
                match f.input.parse(f.member_id.unwrap_or_else(unsaved_member)) {
                    Err(e) => f.errors = e,
                    Ok(m) => {
                        f.errors.clear();
                        f.busy = true;
                        fx.push(match (f.replaces, f.member_id) {
                            (Some(op), Some(id)) => Effect::Correct(
                                op,
                                Correction::Person(vec![PersonField::HouseholdMember {
                                    id,
                                    member: Some(m),
                                }]),
                            ),
                            _ => Effect::SaveMember(f.person_id, f.member_id, m),
                        });
                    }
                }
            }
        }
        RemoveMemberRequested => {
            if let Some(f) = s.member_form.as_mut()
                && f.member_id.is_some()
            {
                f.confirm_remove = true;
            }
        }
        RemoveMemberCancelled => {
            if let Some(f) = s.member_form.as_mut() {
                f.confirm_remove = false;
            }
        }
        RemoveMemberConfirmed => {
            if let Some(f) = s.member_form.as_mut()
                && f.confirm_remove
                && !f.busy
                && let Some(id) = f.member_id
            {
                f.busy = true;
                f.confirm_remove = false;
                fx.push(match f.replaces {
                    Some(op) => Effect::Correct(
                        op,
                        Correction::Person(vec![PersonField::HouseholdMember { id, member: None }]),
                    ),
                    None => Effect::RemoveMember(f.person_id, id),
                });
            }
        }
        MemberSaved(r) => {
            let f = s.member_form.as_mut()?;
            f.busy = false;
            let person = f.person_id;
            match r {
                Ok(text) => {
                    s.member_form = None;
                    s.saved_on_person(person, text, fx);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e)
                        && let Some(f) = s.member_form.as_mut()
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
