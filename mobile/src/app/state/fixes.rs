//! Changes the server refused (要修正): each one in words (what, when, why),
//! to correct and send again — in the form it was made with, prefilled — or
//! to discard after a confirmation. Nothing leaves the outbox silently.

use chrono::{DateTime, Utc};

use super::{
    AppState, ContactForm, Effect, EscalationForm, MemberForm, Msg, PersonForm, PersonFormMode,
    Screen, StageConsentForm,
};
use crate::app::text as t;
use crate::forms::{ContactInput, FormErrors, MemberInput, PersonInput};
use crate::model::RejectedChange;
use crate::shared::ja::Label;
use crate::shared::protocol::{Payload, PersonField, RejectCode};
use crate::shared::*;

/// The 要修正 screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixesView {
    pub items: Vec<RejectedChange>,
    /// Whether the list has been read since the screen opened.
    pub loaded: bool,
    /// The change waiting for the worker to confirm its discard.
    pub confirm_discard: Option<OperationId>,
    pub busy: bool,
}

/// What a refused change was, in words: 「接触記録（令和8年6月1日 10:30 家庭訪問）」.
pub fn what(c: &RejectedChange) -> String {
    let who = c
        .person
        .as_ref()
        .map(|p| p.alias.clone())
        .unwrap_or_else(|| t::FIX_PERSON_UNKNOWN.into());
    let detail = match &c.payload {
        Payload::CreatePerson(_) => t::FIX_CREATE_PERSON.to_owned(),
        Payload::UpdatePerson { changes } => {
            let names: Vec<String> = changes
                .iter()
                .map(|ch| match &ch.set {
                    PersonField::HouseholdMember { member: None, .. } => {
                        t::FIX_MEMBER_REMOVED.to_owned()
                    }
                    PersonField::HouseholdMember { .. } | PersonField::Household(_) => {
                        t::FIX_MEMBER_CHANGED.to_owned()
                    }
                    other => ja::field_label(other.name()),
                })
                .collect();
            t::fix_update(&names.join("・"))
        }
        Payload::ChangeStage { from, to, .. } => t::fix_stage(from.ja(), to.ja()),
        Payload::RecordConsent { consent, .. } => t::fix_consent(consent.status.ja()),
        Payload::LogContact(c) => t::fix_contact(&ja::local_datetime(c.occurred_at), c.method.ja()),
        Payload::Escalate(e) => t::fix_escalation(e.route.ja()),
        Payload::StartVisit(v) => t::fix_visit_start(&ja::local_datetime(v.started_at)),
        Payload::FinishVisit { ended_at, .. } => {
            t::fix_visit_finish(&ja::local_datetime(*ended_at))
        }
        Payload::RecordParticipation(r) => t::fix_participation(&ja::local_datetime(r.recorded_at)),
        Payload::RecordCommunityActivity(a) => t::fix_community(&ja::local_datetime(a.held_at)),
    };
    format!("{who}：{detail}")
}

/// Why the server refused it, in Japanese: the field messages when there
/// are any, else the reason of its code.
pub fn why(c: &RejectedChange) -> Vec<String> {
    if !c.rejection.field_errors.is_empty() {
        return c
            .rejection
            .field_errors
            .iter()
            .map(FieldError::message_ja)
            .collect();
    }
    vec![
        match (c.rejection.code, &c.payload) {
            (RejectCode::StaleState, Payload::Escalate(_)) => t::FIX_WHY_CASE_OPEN,
            (RejectCode::StaleState, Payload::ChangeStage { .. }) => t::FIX_WHY_STAGE_MOVED,
            (RejectCode::StaleState, _) => t::FIX_WHY_STALE,
            (RejectCode::Invalid, _) => t::FIX_WHY_INVALID,
            (RejectCode::Forbidden, _) => t::FIX_WHY_FORBIDDEN,
            (RejectCode::NotFound, _) => t::FIX_WHY_NOT_FOUND,
            (RejectCode::AppendOnly, _) => t::FIX_WHY_APPEND_ONLY,
        }
        .to_owned(),
    ]
}

impl AppState {
    /// After a corrected change was written: back to the list, which is
    /// read again, and a sync to send it.
    pub(super) fn corrected(&mut self, fx: &mut Vec<Effect>) {
        self.screen = Screen::Fixes;
        self.info(t::FIX_RESENT);
        fx.extend([Effect::LoadFixes, Effect::LoadStatus, Effect::Sync]);
    }

    /// A correction was not written: the open form is usable again, with
    /// the errors.
    fn form_failed(&mut self, errors: FormErrors) {
        macro_rules! back {
            ($form:expr) => {
                if let Some(f) = $form.as_mut() {
                    f.busy = false;
                    f.errors = errors;
                }
            };
        }
        match self.screen {
            Screen::PersonForm => back!(self.person_form),
            Screen::MemberForm => back!(self.member_form),
            Screen::LogContact => back!(self.contact),
            Screen::Escalate => back!(self.escalation),
            Screen::StageConsent => back!(self.stage_form),
            _ => {}
        }
    }

    /// Opens the form a refused change was made with, prefilled.
    fn open_correction(
        &mut self,
        c: RejectedChange,
        now: DateTime<Utc>,
    ) -> Result<(), &'static str> {
        let op = c.op_id;
        let person = c.person.as_ref().ok_or(t::FIX_CANNOT_CORRECT)?;
        match &c.payload {
            Payload::UpdatePerson { changes }
                if changes
                    .iter()
                    .any(|ch| matches!(ch.set, PersonField::Household(_))) =>
            {
                return Err(t::FIX_CANNOT_CORRECT);
            }
            Payload::UpdatePerson { changes }
                if changes.len() == 1
                    && matches!(changes[0].set, PersonField::HouseholdMember { .. }) =>
            {
                let PersonField::HouseholdMember { id, member } = &changes[0].set else {
                    return Err(t::FIX_CANNOT_CORRECT);
                };
                let shown = person.household.member(*id).or(member.as_ref());
                let persons = super::person::link_candidates(self, person.id);
                self.member_form = Some(MemberForm {
                    person_id: person.id,
                    alias: person.alias.clone(),
                    member_id: Some(*id),
                    input: shown.map(MemberInput::from_member).unwrap_or_default(),
                    persons,
                    confirm_remove: false,
                    replaces: Some(op),
                    errors: Vec::new(),
                    busy: false,
                });
                self.screen = Screen::MemberForm;
            }
            Payload::CreatePerson(_) | Payload::UpdatePerson { .. } => {
                self.person_form = Some(PersonForm {
                    mode: PersonFormMode::Correct {
                        op,
                        person: person.id,
                    },
                    input: PersonInput::from_person(person),
                    errors: Vec::new(),
                    busy: false,
                });
                self.screen = Screen::PersonForm;
            }
            Payload::ChangeStage { from, to, note, .. } => {
                let mut f = StageConsentForm::new(person, now);
                f.stage = *from;
                f.replaces = Some(op);
                if to.needs_note() {
                    f.chosen = Some(*to);
                    if let Some(n) = note {
                        f.reason = n.reason.clone();
                        match &n.handed_to {
                            Some(HandedTo::Agency(a)) => f.handed_agency = Some(a.clone()),
                            Some(HandedTo::Resource(r)) => f.handed_resource = r.clone(),
                            None => {}
                        }
                    }
                }
                self.stage_form = Some(f);
                self.screen = Screen::StageConsent;
            }
            Payload::RecordConsent { consent, .. } => {
                let mut f = StageConsentForm::new(person, now);
                f.replaces = Some(op);
                if let Some(d) = consent.date {
                    f.consent_date = ja::date_input_text(d);
                }
                if !consent.scope.is_empty() {
                    f.scope = consent.scope.clone();
                }
                self.stage_form = Some(f);
                self.screen = Screen::StageConsent;
            }
            Payload::LogContact(log) => {
                let mut f = ContactForm::new(person, now);
                f.input = ContactInput::from_log(log);
                f.revises = log.revises;
                f.replaces = Some(op);
                self.contact = Some(f);
                self.screen = Screen::LogContact;
            }
            Payload::Escalate(e) => {
                self.escalation = Some(EscalationForm::correcting(person, e, op));
                self.screen = Screen::Escalate;
            }
            // A visit's start or end is a fact of the moment, and a
            // 参加支援 record is made again from the person page: discard.
            Payload::StartVisit(_)
            | Payload::FinishVisit { .. }
            | Payload::RecordParticipation(_)
            | Payload::RecordCommunityActivity(_) => {
                return Err(t::FIX_CANNOT_CORRECT);
            }
        }
        Ok(())
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
        FixesLoaded(_) if !s.shows_content() => {}
        FixesLoaded(r) => match r {
            Ok(items) => {
                s.fixes.items = items;
                s.fixes.loaded = true;
            }
            Err(e) => s.error(e),
        },
        CorrectRejected(op) => {
            let c = s.fixes.items.iter().find(|c| c.op_id == op)?.clone();
            s.notice = None;
            if let Err(m) = s.open_correction(c, now) {
                s.error(m);
            }
        }
        Corrected(r) => match r {
            Ok(()) => {
                s.person_form = None;
                s.member_form = None;
                s.contact = None;
                s.escalation = None;
                s.stage_form = None;
                s.corrected(fx);
            }
            Err(e) => {
                let errors = s.save_failed(e);
                s.form_failed(errors.unwrap_or_default());
            }
        },
        DiscardRequested(op) => {
            if s.fixes.items.iter().any(|c| c.op_id == op) {
                s.fixes.confirm_discard = Some(op);
            }
        }
        DiscardCancelled => s.fixes.confirm_discard = None,
        DiscardConfirmed => {
            if let Some(op) = s.fixes.confirm_discard.take()
                && !s.fixes.busy
            {
                s.fixes.busy = true;
                fx.push(Effect::Discard(op));
            }
        }
        Discarded(r) => {
            s.fixes.busy = false;
            match r {
                Ok(()) => s.info(t::FIX_DISCARDED),
                Err(e) => s.error(e),
            }
            fx.extend([Effect::LoadFixes, Effect::LoadStatus]);
        }
        other => return Some(other),
    }
    None
}
