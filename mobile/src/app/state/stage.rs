//! The relationship stage and the person's consent. A move to 終結 or
//! つなぎ済 asks why (and, for つなぎ済, to whom); consent is recorded with
//! the day the person agreed or withdrew (today unless told, never later)
//! and its scope.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::{AppState, Effect, Msg, Screen, toggle};
use crate::app::text as t;
use crate::forms::{FormErrors, non_blank};
use crate::model::Correction;
use crate::shared::*;

/// Changing the stage, recording or withdrawing consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageConsentForm {
    pub person_id: PersonId,
    pub alias: String,
    /// The stage now, and its note.
    pub stage: Stage,
    pub stage_note: Option<StageNote>,
    pub consent: ConsentRecord,
    /// A stage that needs a reason (終結, つなぎ済), chosen and waiting
    /// for it.
    pub chosen: Option<Stage>,
    pub reason: String,
    /// つなぎ先: one of the plan's agencies ...
    pub handed_agency: Option<AgencyId>,
    /// ... or a resource named in words (or picked from the 地域資源
    /// catalogue, which fills in its name).
    pub handed_resource: String,
    /// The names of the 地域資源 of the catalogue, to pick from.
    pub resource_names: Vec<String>,
    /// The day of consent or withdrawal, as typed (「R8.6.1」).
    pub consent_date: String,
    pub scope: BTreeSet<ConsentScope>,
    /// A refused change this form corrects.
    pub replaces: Option<OperationId>,
    pub errors: FormErrors,
    pub busy: bool,
}

impl StageConsentForm {
    pub fn new(p: &Person, now: DateTime<Utc>) -> StageConsentForm {
        StageConsentForm {
            person_id: p.id,
            alias: p.alias.clone(),
            stage: p.stage,
            stage_note: p.stage_note.clone(),
            consent: p.consent.clone(),
            chosen: None,
            reason: String::new(),
            handed_agency: None,
            handed_resource: String::new(),
            resource_names: Vec::new(),
            consent_date: ja::date_input_text(ja::local_date(now)),
            scope: if p.consent.status.is_given() {
                p.consent.scope.clone()
            } else {
                [
                    ConsentScope::ShareWithAgencies,
                    ConsentScope::MultiLayeredMeeting,
                ]
                .into()
            },
            replaces: None,
            errors: Vec::new(),
            busy: false,
        }
    }

    /// The note for the chosen stage, as typed.
    pub fn note(&self) -> Option<StageNote> {
        let to = self.chosen?;
        let handed_to = match (&self.handed_agency, non_blank(&self.handed_resource)) {
            _ if to != Stage::HandedOn => None,
            (Some(a), _) => Some(HandedTo::Agency(a.clone())),
            (None, Some(r)) => Some(HandedTo::Resource(r)),
            (None, None) => None,
        };
        Some(StageNote {
            reason: self.reason.trim().to_owned(),
            handed_to,
        })
    }

    /// The consent day as typed, if it reads and is not in the future.
    pub fn consent_day(&self, now: DateTime<Utc>) -> Result<NaiveDate, String> {
        let day = ja::parse_date(&self.consent_date).map_err(|e| e.message_ja())?;
        if day > ja::local_date(now) {
            return Err(t::ERR_DATE_FUTURE.into());
        }
        Ok(day)
    }
}

fn sf(s: &mut AppState, f: impl FnOnce(&mut StageConsentForm)) {
    if let Some(form) = s.stage_form.as_mut() {
        f(form);
    }
}

fn stage_effect(f: &StageConsentForm, to: Stage, note: Option<StageNote>) -> Effect {
    match f.replaces {
        Some(op) => Effect::Correct(op, Correction::Stage(to, note)),
        None => Effect::ChangeStage(f.person_id, to, note),
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
        StartStageConsent => {
            if let Some(p) = s.person_in_view() {
                s.stage_form = Some(StageConsentForm::new(p, now));
                s.notice = None;
                s.screen = Screen::StageConsent;
                fx.push(Effect::LoadResourceNames);
            }
        }
        ResourceNamesLoaded(names) => sf(s, |f| f.resource_names = names),
        ChooseStage(to) => {
            let f = s.stage_form.as_mut()?;
            if f.busy {
                return None;
            }
            f.errors.clear();
            if let Err(e) = f.stage.check_transition(to, "stage") {
                f.errors.push(("stage".into(), e.message_ja()));
            } else if to.needs_note() {
                f.chosen = Some(to);
            } else {
                f.busy = true;
                f.chosen = None;
                fx.push(stage_effect(f, to, None));
            }
        }
        StageReason(v) => sf(s, |f| f.reason = v),
        StageHandedAgency(a) => sf(s, |f| {
            if a.is_some() {
                f.handed_resource.clear();
            }
            f.handed_agency = a;
        }),
        StageHandedResource(v) => sf(s, |f| {
            if !v.trim().is_empty() {
                f.handed_agency = None;
            }
            f.handed_resource = v;
        }),
        CancelStage => sf(s, |f| {
            f.chosen = None;
            f.errors.clear();
        }),
        ConfirmStage => {
            let f = s.stage_form.as_mut()?;
            let (Some(to), false) = (f.chosen, f.busy) else {
                return None;
            };
            let note = f.note();
            match StageNote::check(note.as_ref(), to, "note") {
                Err(e) => {
                    f.errors =
                        e.0.iter()
                            .map(|x| (x.field.clone(), x.message_ja()))
                            .collect();
                }
                Ok(()) => {
                    f.errors.clear();
                    f.busy = true;
                    fx.push(stage_effect(f, to, note));
                }
            }
        }
        ConsentDate(v) => sf(s, |f| f.consent_date = v),
        ToggleScope(x) => sf(s, |f| toggle(&mut f.scope, x)),
        GiveConsent(status) => {
            let f = s.stage_form.as_mut()?;
            if f.busy {
                return None;
            }
            f.errors.clear();
            if f.scope.is_empty() {
                f.errors.push(("consent.scope".into(), t::ERR_SCOPE.into()));
            }
            let day = f
                .consent_day(now)
                .map_err(|m| f.errors.push(("consent.date".into(), m)))
                .ok();
            if let (Some(day), true) = (day, f.errors.is_empty()) {
                f.busy = true;
                let record = ConsentRecord {
                    status,
                    scope: f.scope.clone(),
                    date: Some(day),
                    recorded_by: None,
                };
                fx.push(match f.replaces {
                    Some(op) => Effect::Correct(op, Correction::Consent(record)),
                    None => Effect::RecordConsent(f.person_id, record),
                });
            }
        }
        WithdrawConsent => {
            let f = s.stage_form.as_mut()?;
            if f.busy {
                return None;
            }
            f.errors.clear();
            match f.consent_day(now) {
                Err(m) => f.errors.push(("consent.date".into(), m)),
                Ok(day) => {
                    f.busy = true;
                    fx.push(match f.replaces {
                        Some(op) => Effect::Correct(
                            op,
                            Correction::Consent(ConsentRecord {
                                status: ConsentStatus::Withdrawn,
                                scope: BTreeSet::new(),
                                date: Some(day),
                                recorded_by: None,
                            }),
                        ),
                        None => Effect::WithdrawConsent(f.person_id, day),
                    });
                }
            }
        }
        StageConsentSaved(r) => {
            let f = s.stage_form.as_mut()?;
            f.busy = false;
            match r {
                Ok(done) => {
                    let person = f.person_id;
                    s.stage_form = None;
                    s.saved_on_person(person, done, fx);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e)
                        && let Some(f) = s.stage_form.as_mut()
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
