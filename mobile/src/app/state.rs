//! The app's state and what every tap does to it: [`update`] takes a
//! [`Msg`] (a tap, or the answer of the store thread), changes
//! [`AppState`], and returns the [`Effect`]s to run on the store thread or
//! the network. No I/O here: tests drive it directly.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use zeroize::Zeroizing;

use super::text as t;
use crate::model::*;
use crate::shared::enrolment::{EnrolmentQr, SpkiPin};
use crate::shared::*;
use crate::store::SyncState;
use crate::sync::{SyncPhase, SyncProgress};

/// Which screen is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Setup,
    Unlock,
    Caseload,
    Person(PersonId),
    LogContact,
    Escalate,
    StageConsent,
    Returned,
    Settings,
}

/// First run: server and code (typed, or from the enrolment QR), then the
/// PIN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupForm {
    pub pin_step: bool,
    pub server: String,
    pub code: String,
    /// The enrolment QR's text as pasted (or scanned).
    pub qr: String,
    /// The server key pins of the enrolment QR (none when typed by hand).
    pub pins: Vec<SpkiPin>,
    pub pin: String,
    pub pin_confirm: String,
    pub error: Option<String>,
    pub busy: bool,
}

/// The PIN pad.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinPad {
    pub digits: String,
    pub error: Option<String>,
    pub busy: bool,
    /// The key was destroyed: the pad is disabled.
    pub destroyed: bool,
}

/// A filter on the caseload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseloadFilter {
    /// A stage code (`first_contact`, `paused`), or none for all.
    pub stage: Option<String>,
    pub field: Option<LifeField>,
    /// A town code of [`AREAS`].
    pub town: Option<String>,
    pub query: String,
    pub overdue_only: bool,
}

impl CaseloadFilter {
    pub fn matches(&self, e: &CaseloadEntry) -> bool {
        let p = &e.person;
        let stage_ok = match self.stage.as_deref() {
            None => true,
            Some("paused") => matches!(p.stage, Stage::Paused(_)),
            Some(code) => p.stage.code() == code,
        };
        let field_ok = self.field.is_none_or(|f| p.fields.contains(&f));
        let town_ok = self
            .town
            .as_deref()
            .is_none_or(|town| p.area.as_ref().is_some_and(|a| a.town().code == town));
        stage_ok
            && field_ok
            && town_ok
            && (!self.overdue_only || e.overdue)
            && p.matches_search(&self.query)
    }
}

/// The contact form, made for speed at the door: everything has a default
/// but who was met and who went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactForm {
    pub person_id: PersonId,
    pub alias: String,
    pub revises: Option<ContactId>,
    /// Local date and time, `YYYY-MM-DDTHH:MM` (as an `<input type=datetime-local>`).
    pub occurred_at: String,
    pub duration: String,
    pub method: ContactMethod,
    pub met: Option<MetWhom>,
    pub response: Option<PersonResponse>,
    pub observation: String,
    pub accompaniment: Option<Accompaniment>,
    pub danger_signs: BTreeSet<DangerSign>,
    pub life_threatening: bool,
    pub next_what: String,
    /// `YYYY-MM-DD`.
    pub next_due: String,
    pub difficulty: Option<u8>,
    pub reflection: String,
    pub wants_to_talk: bool,
    /// (field, Japanese message)
    pub errors: Vec<(String, String)>,
    pub busy: bool,
}

/// Days until the default next visit.
pub const DEFAULT_NEXT_DAYS: i64 = 7;

fn local_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&Tokyo)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn parse_local_input(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Tokyo
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl ContactForm {
    /// A new form for `person` at `now`: a home visit, now, next visit in a week.
    pub fn new(person: &Person, now: DateTime<Utc>) -> ContactForm {
        ContactForm {
            person_id: person.id,
            alias: person.alias.clone(),
            revises: None,
            occurred_at: local_input(now),
            duration: "20".into(),
            method: ContactMethod::HomeVisit,
            met: None,
            response: None,
            observation: String::new(),
            accompaniment: None,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
            next_what: t::DEFAULT_NEXT.into(),
            next_due: (ja::local_date(now) + Duration::days(DEFAULT_NEXT_DAYS)).to_string(),
            difficulty: None,
            reflection: String::new(),
            wants_to_talk: false,
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
            occurred_at: local_input(c.occurred_at),
            duration: c
                .duration_minutes
                .map(|d| d.to_string())
                .unwrap_or_default(),
            method: c.method,
            met: Some(c.met),
            response: c.response,
            observation: c.observation.clone(),
            accompaniment: Some(c.safety.accompaniment),
            danger_signs: c.safety.danger_signs.clone(),
            life_threatening: c.safety.life_threatening,
            next_what: c
                .next_action
                .as_ref()
                .map(|n| n.what.clone())
                .unwrap_or_default(),
            next_due: c
                .next_action
                .as_ref()
                .map(|n| n.due.to_string())
                .unwrap_or_default(),
            difficulty: c.reflection.as_ref().map(|r| r.difficulty.level()),
            reflection: c
                .reflection
                .as_ref()
                .and_then(|r| r.note.clone())
                .unwrap_or_default(),
            wants_to_talk: c.reflection.as_ref().is_some_and(|r| r.wants_to_talk),
            errors: Vec::new(),
            busy: false,
        }
    }

    /// The contact's time as typed, if it reads as a date and time.
    pub fn occurred_at_utc(&self) -> Option<DateTime<Utc>> {
        parse_local_input(&self.occurred_at)
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The contact to save, or the form's errors in Japanese.
    pub fn build(&self) -> Result<NewContact, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let occurred_at = parse_local_input(&self.occurred_at);
        if occurred_at.is_none() {
            errors.push(("occurred_at".into(), t::ERR_BAD_DATE.into()));
        }
        let duration = if self.duration.trim().is_empty() {
            None
        } else {
            match self.duration.trim().parse::<u16>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(("duration_minutes".into(), t::ERR_BAD_NUMBER.into()));
                    None
                }
            }
        };
        if self.met.is_none() {
            errors.push(("met".into(), t::ERR_CHOOSE_MET.into()));
        }
        if self.met == Some(MetWhom::Person) && self.response.is_none() {
            errors.push(("response".into(), t::ERR_CHOOSE_RESPONSE.into()));
        }
        if self.accompaniment.is_none() {
            errors.push((
                "safety.accompaniment".into(),
                t::ERR_CHOOSE_ACCOMPANIMENT.into(),
            ));
        }
        let next_action = if self.next_what.trim().is_empty() && self.next_due.trim().is_empty() {
            None
        } else {
            match NaiveDate::parse_from_str(self.next_due.trim(), "%Y-%m-%d") {
                Ok(due) => Some(NextAction {
                    what: self.next_what.trim().to_owned(),
                    due,
                }),
                Err(_) => {
                    errors.push(("next_action.due".into(), t::ERR_BAD_DATE.into()));
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(occurred_at), Some(met), Some(accompaniment)) =
            (occurred_at, self.met, self.accompaniment)
        else {
            return Err(errors);
        };
        let note = self.reflection.trim();
        let wants_reflection = self.difficulty.is_some() || !note.is_empty() || self.wants_to_talk;
        let reflection = if wants_reflection {
            self.difficulty
                .or(Some(3))
                .and_then(Difficulty::new)
                .map(|difficulty| Reflection {
                    difficulty,
                    note: (!note.is_empty()).then(|| note.to_owned()),
                    wants_to_talk: self.wants_to_talk,
                })
        } else {
            None
        };
        Ok(NewContact {
            person_id: self.person_id,
            occurred_at,
            duration_minutes: duration,
            method: self.method,
            met,
            response: if met == MetWhom::Person {
                self.response
            } else {
                None
            },
            observation: self.observation.trim_end().to_owned(),
            safety: Safety {
                accompaniment,
                danger_signs: self.danger_signs.clone(),
                life_threatening: self.life_threatening,
            },
            reflection,
            next_action,
        })
    }
}

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
            errors: Vec::new(),
            busy: false,
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
        }
    }
}

/// Changing the stage, recording or withdrawing consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageConsentForm {
    pub person_id: PersonId,
    pub alias: String,
    pub stage: Stage,
    pub consent: ConsentRecord,
    pub scope: BTreeSet<ConsentScope>,
    pub error: Option<String>,
    pub busy: bool,
}

/// What the sync bar shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBar {
    pub pending: u64,
    pub rejected: u64,
    pub last_success: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    /// The last error, in words a worker can act on.
    pub error: Option<String>,
}

impl SyncBar {
    pub fn syncing(&self) -> bool {
        self.progress.is_some()
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

/// A message to show for a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

/// Everything the app shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub screen: Screen,
    pub setup: SetupForm,
    pub pin: PinPad,
    pub caseload: Option<Caseload>,
    pub filter: CaseloadFilter,
    pub timeline: Option<Timeline>,
    pub contact: Option<ContactForm>,
    pub escalation: Option<EscalationForm>,
    pub stage_form: Option<StageConsentForm>,
    pub returned: Vec<ReturnedLog>,
    pub sync: SyncBar,
    pub server: Option<String>,
    pub idle_minutes: u32,
    pub confirm_wipe: bool,
    pub notice: Option<Notice>,
    /// Settings: the text of a new enrolment QR (re-enrolment).
    pub reenrol_qr: String,
}

/// A tap, or an answer from the store thread or the network.
#[derive(Debug, Clone)]
pub enum Msg {
    // First run
    SetupServer(String),
    SetupCode(String),
    /// The enrolment QR's text changed (pasted).
    SetupQr(String),
    /// Use the enrolment QR: pasted, or read by the camera.
    SetupQrRead(String),
    SetupNext,
    SetupPin(String),
    SetupPinConfirm(String),
    SetupSubmit,
    SetupFinished(Result<(), String>),
    // Unlock
    PinDigit(char),
    PinBackspace,
    PinClear,
    PinSubmit,
    Unlocked(Result<(), UnlockFailure>),
    // Navigation and data
    Go(Screen),
    OpenPerson(PersonId),
    CaseloadLoaded(Result<Box<Caseload>, String>),
    TimelineLoaded(Result<Box<Timeline>, String>),
    ReturnedLoaded(Result<Vec<ReturnedLog>, String>),
    FilterStage(Option<String>),
    FilterField(Option<LifeField>),
    FilterTown(Option<String>),
    Search(String),
    ToggleOverdue,
    // Contact form
    StartContact,
    Revise(ContactId),
    ContactOccurredAt(String),
    ContactDuration(String),
    ContactHow(ContactMethod),
    ContactMet(MetWhom),
    ContactResponse(PersonResponse),
    ContactObservation(String),
    ContactAccompaniment(Accompaniment),
    ToggleDanger(DangerSign),
    ToggleLifeThreatening,
    ContactNextWhat(String),
    ContactNextDue(String),
    ContactDifficulty(u8),
    ContactReflection(String),
    ToggleWantsToTalk,
    SaveContact,
    ContactSaved(Result<(), SaveFailure>),
    // Escalation
    StartEscalation,
    EscReason(String),
    EscToggleField(LifeField),
    EscToggleTag(CrossTag),
    EscToggleAgency(AgencyId),
    EscUrgency(Urgency),
    SubmitEscalation,
    Escalated(Result<Route, SaveFailure>),
    // Stage and consent
    StartStageConsent,
    ChooseStage(Stage),
    ToggleScope(ConsentScope),
    GiveConsent(ConsentStatus),
    WithdrawConsent,
    StageConsentSaved(Result<&'static str, SaveFailure>),
    // Sync
    SyncNow,
    SyncProgressed(SyncProgress),
    SyncFinished(Result<(), String>),
    StatusLoaded(OutboxStatus, SyncState),
    // Lock, settings
    LockNow,
    Locked,
    SetIdleMinutes(u32),
    WipeRequested,
    WipeCancelled,
    WipeConfirmed,
    Wiped,
    /// Settings: the text of a new enrolment QR changed.
    ReenrolQr(String),
    /// Settings: enrol again with this QR (after the server's key changed);
    /// the records stay.
    ReenrolRead(String),
    /// Re-enrolment ended: the server's address, or the reason.
    ReenrolFinished(Result<String, String>),
    DismissNotice,
}

/// Why an unlock failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockFailure {
    WrongPin { remaining: u32 },
    KeyDestroyed,
    Other(String),
}

/// Why a save failed: field errors (Japanese) or one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveFailure {
    Fields(Vec<(String, String)>),
    Locked,
    Other(String),
}

impl SaveFailure {
    /// Maps a store error to what the worker sees.
    pub fn from_store(e: &crate::StoreError) -> SaveFailure {
        use crate::StoreError as E;
        match e {
            E::Invalid(v) => SaveFailure::Fields(
                v.0.iter()
                    .map(|f| (f.field.clone(), f.message_ja()))
                    .collect(),
            ),
            E::Locked => SaveFailure::Locked,
            E::Damaged { .. } => SaveFailure::Other(t::ERR_DAMAGED.into()),
            _ => SaveFailure::Other(t::ERR_GENERIC.into()),
        }
    }
}

/// Work for the store thread or the network.
pub enum Effect {
    Enroll {
        server: String,
        code: String,
        /// The server key pins of the enrolment QR (empty when typed).
        pins: Vec<SpkiPin>,
        pin: Zeroizing<String>,
    },
    Unlock(Zeroizing<String>),
    LoadCaseload,
    LoadTimeline(PersonId),
    LoadReturned,
    LoadStatus,
    SaveContact(NewContact, Option<ContactId>),
    Escalate(NewEscalation),
    ChangeStage(PersonId, Stage),
    RecordConsent(PersonId, ConsentRecord),
    WithdrawConsent(PersonId),
    Sync,
    Lock,
    SetIdle(u32),
    Wipe,
    /// Enrol this (unlocked) store again with a new enrolment QR.
    Reenrol(EnrolmentQr),
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never prints a PIN or record content.
        let name = match self {
            Effect::Enroll { .. } => "Enroll",
            Effect::Unlock(_) => "Unlock",
            Effect::LoadCaseload => "LoadCaseload",
            Effect::LoadTimeline(_) => "LoadTimeline",
            Effect::LoadReturned => "LoadReturned",
            Effect::LoadStatus => "LoadStatus",
            Effect::SaveContact(..) => "SaveContact",
            Effect::Escalate(_) => "Escalate",
            Effect::ChangeStage(..) => "ChangeStage",
            Effect::RecordConsent(..) => "RecordConsent",
            Effect::WithdrawConsent(_) => "WithdrawConsent",
            Effect::Sync => "Sync",
            Effect::Lock => "Lock",
            Effect::SetIdle(_) => "SetIdle",
            Effect::Wipe => "Wipe",
            Effect::Reenrol(_) => "Reenrol",
        };
        f.write_str(name)
    }
}

impl AppState {
    /// The state at start: set-up when there is no store, else the PIN pad.
    pub fn new(has_store: bool) -> AppState {
        AppState {
            screen: if has_store {
                Screen::Unlock
            } else {
                Screen::Setup
            },
            setup: SetupForm::default(),
            pin: PinPad::default(),
            caseload: None,
            filter: CaseloadFilter::default(),
            timeline: None,
            contact: None,
            escalation: None,
            stage_form: None,
            returned: Vec::new(),
            sync: SyncBar::default(),
            server: None,
            idle_minutes: 5,
            confirm_wipe: false,
            reenrol_qr: String::new(),
            notice: None,
        }
    }

    /// Whether content may be shown (never on the set-up and PIN screens).
    pub fn shows_content(&self) -> bool {
        !matches!(self.screen, Screen::Setup | Screen::Unlock)
    }

    /// The caseload entries that pass the filter.
    pub fn visible_caseload(&self) -> Vec<&CaseloadEntry> {
        self.caseload
            .as_ref()
            .map(|c| {
                c.entries
                    .iter()
                    .filter(|e| self.filter.matches(e))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            error: false,
            text: text.into(),
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            error: true,
            text: text.into(),
        });
    }

    /// Forgets everything shown (on lock).
    fn hide_content(&mut self) {
        self.caseload = None;
        self.timeline = None;
        self.contact = None;
        self.escalation = None;
        self.stage_form = None;
        self.returned.clear();
        self.pin = PinPad::default();
        self.screen = Screen::Unlock;
    }

    fn person_in_view(&self) -> Option<&Person> {
        self.timeline.as_ref().map(|t| &t.person)
    }
}

/// Longest PIN the pad takes.
pub const PIN_MAX: usize = 12;

/// Applies one message; returns the effects to run.
pub fn update(s: &mut AppState, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
    use Msg::*;
    let mut fx = Vec::new();
    match msg {
        SetupServer(v) => s.setup.server = v,
        SetupCode(v) => s.setup.code = v,
        SetupQr(v) => s.setup.qr = v,
        SetupQrRead(text) => match EnrolmentQr::parse(&text) {
            Ok(qr) => {
                s.setup.server = qr.server;
                s.setup.code = qr.code;
                s.setup.pins = qr.pins;
                s.setup.qr.clear();
                s.setup.error = None;
                s.setup.pin_step = true;
            }
            Err(e) => s.setup.error = Some(e.message_ja().into()),
        },
        SetupNext => {
            let server = s.setup.server.trim().trim_end_matches('/').to_owned();
            s.setup.error = if !(server.starts_with("https://") || server.starts_with("http://")) {
                Some(t::ERR_SERVER_URL.into())
            } else if s.setup.code.trim().is_empty() {
                Some(t::ERR_CODE_EMPTY.into())
            } else {
                s.setup.server = server;
                // Typed by hand: no pin, the platform's store decides.
                s.setup.pins.clear();
                s.setup.pin_step = true;
                None
            };
        }
        SetupPin(v) => s.setup.pin = v,
        SetupPinConfirm(v) => s.setup.pin_confirm = v,
        SetupSubmit => {
            if s.setup.pin.chars().count() < crate::Pin::MIN_CHARS {
                s.setup.error = Some(t::ERR_PIN_SHORT.into());
            } else if s.setup.pin != s.setup.pin_confirm {
                s.setup.error = Some(t::ERR_PIN_MISMATCH.into());
                s.setup.pin_confirm.clear();
            } else {
                s.setup.error = None;
                s.setup.busy = true;
                fx.push(Effect::Enroll {
                    server: s.setup.server.clone(),
                    code: s.setup.code.trim().to_owned(),
                    pins: s.setup.pins.clone(),
                    pin: Zeroizing::new(std::mem::take(&mut s.setup.pin)),
                });
                s.setup.pin_confirm.clear();
            }
        }
        SetupFinished(r) => {
            s.setup.busy = false;
            match r {
                Ok(()) => {
                    s.server = Some(s.setup.server.clone());
                    s.setup = SetupForm::default();
                    s.screen = Screen::Caseload;
                    fx.extend([Effect::LoadCaseload, Effect::LoadStatus, Effect::Sync]);
                }
                Err(e) => {
                    s.setup.error = Some(e);
                    s.setup.pin_step = false;
                }
            }
        }
        PinDigit(c) => {
            if !s.pin.destroyed && !s.pin.busy && c.is_ascii_digit() && s.pin.digits.len() < PIN_MAX
            {
                s.pin.digits.push(c);
            }
        }
        PinBackspace => {
            s.pin.digits.pop();
        }
        PinClear => s.pin.digits.clear(),
        PinSubmit => {
            if !s.pin.destroyed && !s.pin.busy && !s.pin.digits.is_empty() {
                s.pin.busy = true;
                fx.push(Effect::Unlock(Zeroizing::new(std::mem::take(
                    &mut s.pin.digits,
                ))));
            }
        }
        Unlocked(r) => {
            s.pin.busy = false;
            match r {
                Ok(()) => {
                    s.pin = PinPad::default();
                    s.screen = Screen::Caseload;
                    fx.extend([Effect::LoadCaseload, Effect::LoadStatus]);
                }
                Err(UnlockFailure::WrongPin { remaining }) => {
                    s.pin.error = Some(t::wrong_pin(remaining))
                }
                Err(UnlockFailure::KeyDestroyed) => {
                    s.pin.destroyed = true;
                    s.pin.error = Some(t::ERR_KEY_DESTROYED.into());
                }
                Err(UnlockFailure::Other(m)) => s.pin.error = Some(m),
            }
        }
        Go(screen) => {
            if s.shows_content() {
                s.notice = None;
                s.confirm_wipe = false;
                s.screen = screen;
                match screen {
                    Screen::Caseload => fx.push(Effect::LoadCaseload),
                    Screen::Returned => fx.push(Effect::LoadReturned),
                    Screen::Person(id) => fx.push(Effect::LoadTimeline(id)),
                    _ => {}
                }
            }
        }
        OpenPerson(id) => {
            if s.shows_content() {
                s.notice = None;
                s.screen = Screen::Person(id);
                if s.timeline.as_ref().is_none_or(|t| t.person.id != id) {
                    s.timeline = None;
                }
                fx.push(Effect::LoadTimeline(id));
            }
        }
        CaseloadLoaded(r) => match r {
            Ok(c) => s.caseload = Some(*c),
            Err(e) => s.error(e),
        },
        TimelineLoaded(r) => match r {
            Ok(tl) => s.timeline = Some(*tl),
            Err(e) => s.error(e),
        },
        ReturnedLoaded(r) => match r {
            Ok(v) => s.returned = v,
            Err(e) => s.error(e),
        },
        FilterStage(v) => s.filter.stage = v,
        FilterField(v) => s.filter.field = v,
        FilterTown(v) => s.filter.town = v,
        Search(q) => s.filter.query = q,
        ToggleOverdue => s.filter.overdue_only = !s.filter.overdue_only,

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
        ContactOccurredAt(v) => form(s, |f| f.occurred_at = v),
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
        ToggleDanger(d) => form(s, |f| {
            if !f.danger_signs.remove(&d) {
                f.danger_signs.insert(d);
            }
        }),
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
                match f.build() {
                    Ok(c) => {
                        f.errors.clear();
                        f.busy = true;
                        fx.push(Effect::SaveContact(c, f.revises));
                    }
                    Err(e) => f.errors = e,
                }
            }
        }
        ContactSaved(r) => {
            let Some(f) = s.contact.as_mut() else {
                return fx;
            };
            f.busy = false;
            match r {
                Ok(()) => {
                    let person = f.person_id;
                    let urgent = f.life_threatening;
                    s.contact = None;
                    s.screen = Screen::Person(person);
                    s.info(if urgent {
                        t::LIFE_THREATENING_WARNING
                    } else {
                        t::SAVED
                    });
                    fx.extend([
                        Effect::LoadTimeline(person),
                        Effect::LoadStatus,
                        Effect::Sync,
                    ]);
                }
                Err(SaveFailure::Fields(e)) => f.errors = e,
                Err(SaveFailure::Locked) => {
                    s.hide_content();
                    s.error(t::ERR_LOCKED);
                }
                Err(SaveFailure::Other(m)) => s.error(m),
            }
        }

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
        SubmitEscalation => {
            if let Some(f) = s.escalation.as_mut()
                && !f.busy
            {
                f.busy = true;
                f.errors.clear();
                fx.push(Effect::Escalate(f.build()));
            }
        }
        Escalated(r) => {
            let Some(f) = s.escalation.as_mut() else {
                return fx;
            };
            f.busy = false;
            match r {
                Ok(route) => {
                    let person = f.person_id;
                    s.escalation = None;
                    s.screen = Screen::Person(person);
                    s.info(t::escalated(ja::Label::ja(&route)));
                    fx.extend([
                        Effect::LoadTimeline(person),
                        Effect::LoadStatus,
                        Effect::Sync,
                    ]);
                }
                Err(SaveFailure::Fields(e)) => f.errors = e,
                Err(SaveFailure::Locked) => {
                    s.hide_content();
                    s.error(t::ERR_LOCKED);
                }
                Err(SaveFailure::Other(m)) => s.error(m),
            }
        }

        StartStageConsent => {
            if let Some(p) = s.person_in_view() {
                s.stage_form = Some(StageConsentForm {
                    person_id: p.id,
                    alias: p.alias.clone(),
                    stage: p.stage,
                    consent: p.consent.clone(),
                    scope: [
                        ConsentScope::ShareWithAgencies,
                        ConsentScope::MultiLayeredMeeting,
                    ]
                    .into(),
                    error: None,
                    busy: false,
                });
                s.notice = None;
                s.screen = Screen::StageConsent;
            }
        }
        ChooseStage(to) => {
            if let Some(f) = s.stage_form.as_mut()
                && !f.busy
            {
                if f.stage.can_move_to(to) {
                    f.busy = true;
                    fx.push(Effect::ChangeStage(f.person_id, to));
                } else if let Err(e) = f.stage.check_transition(to, "stage") {
                    f.error = Some(e.message_ja());
                }
            }
        }
        ToggleScope(x) => {
            if let Some(f) = s.stage_form.as_mut() {
                toggle(&mut f.scope, x);
            }
        }
        GiveConsent(status) => {
            if let Some(f) = s.stage_form.as_mut()
                && !f.busy
            {
                if f.scope.is_empty() {
                    f.error = Some(t::ERR_SCOPE.into());
                } else {
                    f.busy = true;
                    fx.push(Effect::RecordConsent(
                        f.person_id,
                        ConsentRecord {
                            status,
                            scope: f.scope.clone(),
                            date: Some(ja::local_date(now)),
                            recorded_by: None,
                        },
                    ));
                }
            }
        }
        WithdrawConsent => {
            if let Some(f) = s.stage_form.as_mut()
                && !f.busy
            {
                f.busy = true;
                fx.push(Effect::WithdrawConsent(f.person_id));
            }
        }
        StageConsentSaved(r) => {
            let Some(f) = s.stage_form.as_mut() else {
                return fx;
            };
            f.busy = false;
            match r {
                Ok(done) => {
                    let person = f.person_id;
                    s.stage_form = None;
                    s.screen = Screen::Person(person);
                    s.info(done);
                    fx.extend([
                        Effect::LoadTimeline(person),
                        Effect::LoadStatus,
                        Effect::Sync,
                    ]);
                }
                Err(SaveFailure::Fields(e)) => {
                    f.error = Some(e.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" "));
                }
                Err(SaveFailure::Locked) => {
                    s.hide_content();
                    s.error(t::ERR_LOCKED);
                }
                Err(SaveFailure::Other(m)) => f.error = Some(m),
            }
        }

        SyncNow => {
            if s.shows_content() && !s.sync.syncing() {
                s.sync.progress = Some(SyncProgress {
                    phase: SyncPhase::Pushing,
                    pushed: 0,
                    to_push: s.sync.pending,
                    pulled: 0,
                });
                fx.push(Effect::Sync);
            }
        }
        SyncProgressed(p) => {
            if s.sync.syncing() {
                s.sync.progress = Some(p);
            }
        }
        SyncFinished(r) => {
            s.sync.progress = None;
            match r {
                Ok(()) => {
                    s.sync.error = None;
                    s.sync.last_success = Some(now);
                }
                Err(e) => s.sync.error = Some(e),
            }
            fx.push(Effect::LoadStatus);
            match s.screen {
                Screen::Caseload => fx.push(Effect::LoadCaseload),
                Screen::Person(id) => fx.push(Effect::LoadTimeline(id)),
                Screen::Returned => fx.push(Effect::LoadReturned),
                _ => {}
            }
        }
        StatusLoaded(o, st) => {
            s.sync.pending = o.pending;
            s.sync.rejected = o.rejected;
            s.sync.last_success = st.last_success_at.or(s.sync.last_success);
            if !s.sync.syncing() {
                s.sync.error = st.last_error;
            }
            s.server = st.server_url;
        }
        LockNow => {
            s.hide_content();
            fx.push(Effect::Lock);
        }
        Locked => {
            if s.shows_content() {
                s.hide_content();
                s.info(t::ERR_LOCKED);
            }
        }
        SetIdleMinutes(m) => {
            s.idle_minutes = m.clamp(1, 60);
            fx.push(Effect::SetIdle(s.idle_minutes));
        }
        ReenrolQr(v) => s.reenrol_qr = v,
        ReenrolRead(text) => match EnrolmentQr::parse(&text) {
            Ok(qr) => {
                s.reenrol_qr.clear();
                fx.push(Effect::Reenrol(qr));
            }
            Err(e) => s.error(e.message_ja()),
        },
        ReenrolFinished(Ok(server)) => {
            s.server = Some(server);
            s.info(t::REENROL_DONE);
            fx.extend([Effect::LoadStatus, Effect::Sync]);
        }
        ReenrolFinished(Err(m)) => s.error(m),
        WipeRequested => s.confirm_wipe = true,
        WipeCancelled => s.confirm_wipe = false,
        WipeConfirmed => {
            if s.confirm_wipe {
                fx.push(Effect::Wipe);
            }
        }
        Wiped => {
            *s = AppState::new(false);
            s.info(t::WIPED);
        }
        DismissNotice => s.notice = None,
    }
    fx
}

fn form(s: &mut AppState, f: impl FnOnce(&mut ContactForm)) {
    if let Some(c) = s.contact.as_mut() {
        f(c);
    }
}

fn esc(s: &mut AppState, f: impl FnOnce(&mut EscalationForm)) {
    if let Some(e) = s.escalation.as_mut() {
        f(e);
    }
}

fn toggle<T: Ord>(set: &mut BTreeSet<T>, x: T) {
    if !set.remove(&x) {
        set.insert(x);
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
