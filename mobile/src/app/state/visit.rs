//! Lone-worker safety (帰着未確認) on the tablet: 「訪問開始」 on a person
//! records the start and an expected end (60 minutes unless the worker
//! chooses another length), 「訪問終了」 records the end and offers to log
//! the visit. Both are outbox operations through the encrypted store
//! (`Store::start_visit`, `Store::finish_visit`). Offline, the timer's
//! [`Msg::Tick`] raises a reminder at the expected end ([`VisitState::due`]);
//! the idle lock still comes first (`sync.rs` checks it before this).

use chrono::{DateTime, Utc};

use super::{AppState, ContactForm, Effect, Msg, Screen};
use crate::app::text as t;
use crate::shared::domain::visit::DEFAULT_VISIT_MINUTES;
use crate::shared::*;

/// The lengths a worker may choose for a visit, minutes.
pub const VISIT_CHOICES: [u32; 5] = [30, 60, 90, 120, 180];

/// The visit in progress on this tablet, if any, and the reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitState {
    /// The open visit (from the store).
    pub open: Option<VisitStart>,
    /// The length the next visit is expected to take, minutes.
    pub minutes: u32,
    /// The expected end has passed: the reminder banner shows.
    pub due: bool,
    /// The visit just finished: the person page offers to log it.
    pub just_finished: Option<(VisitStart, DateTime<Utc>)>,
    pub busy: bool,
}

impl Default for VisitState {
    fn default() -> Self {
        VisitState {
            open: None,
            minutes: DEFAULT_VISIT_MINUTES,
            due: false,
            just_finished: None,
            busy: false,
        }
    }
}

impl VisitState {
    /// On a timer tick: the reminder when the expected end has passed.
    pub(super) fn check_due(&mut self, now: DateTime<Utc>) {
        if let Some(v) = &self.open
            && now >= v.expected_end
        {
            self.due = true;
        }
    }

    /// Forgets what it shows (on lock); the store keeps the open visit and
    /// it is read again after the PIN.
    pub(super) fn hide(&mut self) {
        let minutes = self.minutes;
        *self = VisitState {
            minutes,
            ..VisitState::default()
        };
    }
}

impl AppState {
    /// The alias of the person the open visit is with, if on this device's
    /// screens (caseload or person page).
    pub fn visit_alias(&self) -> Option<&str> {
        let id = self.visit.open.as_ref()?.person_id;
        self.timeline
            .as_ref()
            .filter(|t| t.person.id == id)
            .map(|t| t.person.alias.as_str())
            .or_else(|| {
                self.caseload.as_ref().and_then(|c| {
                    c.entries
                        .iter()
                        .find(|e| e.person.id == id)
                        .map(|e| e.person.alias.as_str())
                })
            })
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
        VisitLoaded(_) | VisitStarted(_) | VisitFinished(_) if !s.shows_content() => {}
        VisitLoaded(v) => {
            s.visit.open = v;
            s.visit.due = false;
            s.visit.check_due(now);
        }
        VisitMinutes(m) => {
            if VISIT_CHOICES.contains(&m) {
                s.visit.minutes = m;
            }
        }
        StartVisit => {
            let person = s.person_in_view().map(|p| p.id);
            if s.visit.open.is_some() {
                s.error(t::VISIT_ELSEWHERE);
            } else if let Some(id) = person
                && !s.visit.busy
            {
                s.visit.busy = true;
                s.visit.just_finished = None;
                fx.push(Effect::StartVisit(id, s.visit.minutes));
            }
        }
        VisitStarted(r) => {
            s.visit.busy = false;
            match r {
                Ok(v) => {
                    s.info(t::visit_started(&ja::local_time(v.expected_end)));
                    s.visit.open = Some(v);
                    s.visit.due = false;
                    // The server learns who is out at once when online.
                    fx.extend([Effect::LoadStatus, Effect::Sync]);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e) {
                        s.error(
                            errors
                                .into_iter()
                                .map(|(_, m)| m)
                                .collect::<Vec<_>>()
                                .join(" "),
                        );
                    }
                }
            }
        }
        FinishVisit => {
            if s.visit.open.is_some() && !s.visit.busy {
                s.visit.busy = true;
                fx.push(Effect::FinishVisit);
            }
        }
        VisitFinished(r) => {
            s.visit.busy = false;
            match r {
                Ok(v) => {
                    s.visit.open = None;
                    s.visit.due = false;
                    let person = v.person_id;
                    s.visit.just_finished = Some((v, now));
                    s.saved_on_person(person, t::VISIT_FINISHED, fx);
                }
                Err(e) => {
                    if let Some(errors) = s.save_failed(e) {
                        s.error(
                            errors
                                .into_iter()
                                .map(|(_, m)| m)
                                .collect::<Vec<_>>()
                                .join(" "),
                        );
                    }
                }
            }
        }
        LogFinishedVisit => {
            if let (Some((v, ended)), Some(p)) = (s.visit.just_finished.take(), s.person_in_view())
                && v.person_id == p.id
            {
                let mut f = ContactForm::new(p, v.started_at);
                let minutes = (ended - v.started_at).num_minutes().max(1);
                f.input.duration = minutes.to_string();
                s.contact = Some(f);
                s.notice = None;
                s.screen = Screen::LogContact;
            }
        }
        other => return Some(other),
    }
    None
}
