//! 参加支援 on a person (issue 18): the person's trials and the needs no
//! resource meets, and one form with three modes — record needs (with
//! "no suitable resource": its 町丁 and what is missing), propose or
//! record a trial at a resource of the catalogue (pulled from the server,
//! read-only here), and a follow-up on a trial (started, continuing,
//! stopped and why). The rules are `shared`'s, applied by the store.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg, Screen, toggle};
use crate::app::text as t;
use crate::forms::{FormErrors, non_blank};
use crate::shared::*;

/// What the 参加支援 screen reads: the person's records and the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParticipationData {
    pub records: Vec<ParticipationRecord>,
    pub resources: Vec<LocalResource>,
}

/// Which record the form makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipationMode {
    Needs,
    Trial,
    FollowUp,
}

/// The 参加支援 screen of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipationForm {
    pub person_id: PersonId,
    pub alias: String,
    /// The person's 町丁, the default for an unmet need.
    pub home: Option<AreaCode>,
    pub data: Option<ParticipationData>,
    pub mode: ParticipationMode,
    pub needs: BTreeSet<NeedKind>,
    pub note: String,
    /// "No suitable resource" is ticked.
    pub unmet: bool,
    /// The 町丁 code of the unmet need (as in [`AreaCode`]'s text).
    pub unmet_area: String,
    pub unmet_text: String,
    pub resource: Option<ResourceId>,
    pub started: bool,
    /// The unmet need the trial answers.
    pub meets: Option<ParticipationId>,
    pub trial: Option<ParticipationId>,
    pub outcome: Option<TrialOutcome>,
    pub reason: String,
    pub errors: FormErrors,
    pub busy: bool,
}

impl ParticipationForm {
    pub fn new(p: &Person) -> ParticipationForm {
        ParticipationForm {
            person_id: p.id,
            alias: p.alias.clone(),
            home: p.area.clone(),
            data: None,
            mode: ParticipationMode::Needs,
            needs: BTreeSet::new(),
            note: String::new(),
            unmet: false,
            unmet_area: p.area.as_ref().map(|a| a.to_string()).unwrap_or_default(),
            unmet_text: String::new(),
            resource: None,
            started: false,
            meets: None,
            trial: None,
            outcome: None,
            reason: String::new(),
            errors: Vec::new(),
            busy: false,
        }
    }

    /// Clears what was typed after a save (the mode stays).
    fn clear(&mut self) {
        self.needs.clear();
        self.note.clear();
        self.unmet = false;
        self.unmet_text.clear();
        self.resource = None;
        self.started = false;
        self.meets = None;
        self.trial = None;
        self.outcome = None;
        self.reason.clear();
        self.errors.clear();
    }

    /// The record the form describes, or the fields missing (Japanese).
    /// The store checks the rest with `shared`'s validation.
    pub fn entry(&self) -> Result<ParticipationEntry, FormErrors> {
        let mut errors = FormErrors::new();
        let entry = match self.mode {
            ParticipationMode::Needs => {
                let unmet = if self.unmet {
                    match self.unmet_area.parse::<AreaCode>() {
                        Ok(area) => Some(UnmetNeed {
                            area,
                            description: self.unmet_text.trim().to_owned(),
                        }),
                        Err(_) => {
                            errors
                                .push(("participation.unmet.area".into(), t::PA_PICK_AREA.into()));
                            None
                        }
                    }
                } else {
                    None
                };
                ParticipationEntry::Needs {
                    needs: self.needs.clone(),
                    note: non_blank(&self.note),
                    unmet,
                }
            }
            ParticipationMode::Trial => {
                let r = self.resource.and_then(|id| {
                    self.data
                        .as_ref()
                        .and_then(|d| d.resources.iter().find(|r| r.id == id))
                });
                let Some(r) = r else {
                    errors.push(("participation.resource".into(), t::PA_PICK_RESOURCE.into()));
                    return Err(errors);
                };
                ParticipationEntry::Trial {
                    resource: r.id,
                    resource_name: r.name.clone(),
                    step: if self.started {
                        TrialStep::Started
                    } else {
                        TrialStep::Proposed
                    },
                    meets: self.meets,
                    note: non_blank(&self.note),
                }
            }
            ParticipationMode::FollowUp => {
                let (Some(trial), Some(outcome)) = (self.trial, self.outcome) else {
                    errors.push(("participation.trial".into(), t::PA_PICK_TRIAL.into()));
                    return Err(errors);
                };
                ParticipationEntry::FollowUp {
                    trial,
                    outcome,
                    reason: non_blank(&self.reason),
                }
            }
        };
        if errors.is_empty() {
            Ok(entry)
        } else {
            Err(errors)
        }
    }
}

fn pf(s: &mut AppState, f: impl FnOnce(&mut ParticipationForm)) {
    if let Some(form) = s.participation.as_mut() {
        f(form);
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
        StartParticipation => {
            if let Some(form) = s.person_in_view().map(ParticipationForm::new) {
                fx.push(Effect::LoadParticipation(form.person_id));
                s.participation = Some(form);
                s.notice = None;
                s.screen = Screen::Participation;
            }
        }
        ParticipationLoaded(_) if !s.shows_content() => {}
        ParticipationLoaded(r) => match r {
            Ok(d) => pf(s, |f| f.data = Some(*d)),
            Err(e) => s.error(e),
        },
        PaMode(m) => pf(s, |f| {
            f.mode = m;
            f.errors.clear();
        }),
        PaToggleNeed(n) => pf(s, |f| toggle(&mut f.needs, n)),
        PaNote(v) => pf(s, |f| f.note = v),
        PaToggleUnmet => pf(s, |f| f.unmet = !f.unmet),
        PaUnmetArea(v) => pf(s, |f| f.unmet_area = v),
        PaUnmetText(v) => pf(s, |f| f.unmet_text = v),
        PaResource(r) => pf(s, |f| f.resource = r),
        PaToggleStarted => pf(s, |f| f.started = !f.started),
        PaMeets(m) => pf(s, |f| f.meets = m),
        PaTrial(tr) => pf(s, |f| f.trial = tr),
        PaOutcome(o) => pf(s, |f| f.outcome = Some(o)),
        PaReason(v) => pf(s, |f| f.reason = v),
        SaveParticipation => {
            let f = s.participation.as_mut()?;
            if f.busy {
                return None;
            }
            match f.entry() {
                Err(e) => f.errors = e,
                Ok(entry) => {
                    f.errors.clear();
                    f.busy = true;
                    fx.push(Effect::RecordParticipation(f.person_id, entry));
                }
            }
        }
        ParticipationSaved(r) => {
            let f = s.participation.as_mut()?;
            f.busy = false;
            match r {
                Ok(()) => {
                    let id = f.person_id;
                    f.clear();
                    s.info(t::PA_SAVED);
                    fx.extend([
                        Effect::LoadParticipation(id),
                        Effect::LoadStatus,
                        Effect::Sync,
                    ]);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e)
                        && let Some(f) = s.participation.as_mut()
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
