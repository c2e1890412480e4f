//! The app's state and what every tap does to it: [`update`] takes a
//! [`Msg`] (a tap, a timer tick, or the answer of the store thread),
//! changes [`AppState`], and returns the [`Effect`]s to run on the store
//! thread or the network. No I/O here: tests drive it directly.
//!
//! One module per use case, each owning its form and its messages:
//! [`unlock`] (first run, PIN pad), [`caseload`] (list, filters, search),
//! [`person`] (register, profile, household), [`contact`] (the contact form,
//! returned logs), [`escalation`], [`stage`] (stage with its reason, consent
//! with its date), [`fixes`] (changes the server refused), [`sync`] (sync
//! bar, automatic sync, the idle lock), [`visit`] (訪問開始/訪問終了 and the
//! reminder at the expected end) and [`settings`].
//!
//! Only a person's taps count as use: [`Msg::is_input`] says which messages
//! are taps, and the idle lock ([`sync`]) measures from the last one, never
//! from background work such as an automatic sync.

mod caseload;
mod community;
mod contact;
mod escalation;
mod fixes;
mod participation;
mod person;
mod settings;
mod stage;
mod sync;
mod unlock;
mod visit;

pub use caseload::CaseloadFilter;
pub use community::CommunityScreen;
pub use contact::{ContactForm, ReturnedLog};
pub use escalation::EscalationForm;
pub use fixes::{FixesView, what as fixes_what, why as fixes_why};
pub use participation::{ParticipationData, ParticipationForm, ParticipationMode};
pub use person::{MemberForm, PersonForm, PersonFormMode};
pub use stage::StageConsentForm;
pub use sync::{AUTO_SYNC_SECS, SyncBar};
pub use unlock::{PIN_MAX, PinPad, SetupForm};
pub use visit::{VISIT_CHOICES, VisitState};

use chrono::{DateTime, NaiveDate, Utc};
use zeroize::Zeroizing;

use super::text as t;
use crate::model::*;
use crate::shared::enrolment::{EnrolmentQr, SpkiPin};
use crate::shared::protocol::PersonField;
use crate::shared::*;
use crate::store::SyncState;
use crate::sync::SyncProgress;

/// Which screen is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Setup,
    Unlock,
    Caseload,
    Person(PersonId),
    /// Register a new person, or edit a profile.
    PersonForm,
    /// Add, edit or remove one household member.
    MemberForm,
    LogContact,
    Escalate,
    StageConsent,
    /// 参加支援 of the person in view: needs, trials, follow-ups.
    Participation,
    /// 地域づくり: the team's community activities and the form to log one.
    Community,
    Returned,
    /// Changes the server refused (要修正).
    Fixes,
    Settings,
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
    pub person_form: Option<PersonForm>,
    pub member_form: Option<MemberForm>,
    pub contact: Option<ContactForm>,
    pub escalation: Option<EscalationForm>,
    pub stage_form: Option<StageConsentForm>,
    pub participation: Option<ParticipationForm>,
    pub community: CommunityScreen,
    pub returned: Vec<ReturnedLog>,
    pub fixes: FixesView,
    pub sync: SyncBar,
    pub server: Option<String>,
    pub idle_minutes: u32,
    /// The last tap of a person (not of a timer): the idle lock counts from
    /// here.
    pub last_input: Option<DateTime<Utc>>,
    /// Seconds between automatic syncs while unlocked.
    pub auto_sync_secs: u64,
    pub confirm_wipe: bool,
    pub notice: Option<Notice>,
    /// Settings: the text of a new enrolment QR (re-enrolment).
    pub reenrol_qr: String,
    /// The lone-worker check: the visit in progress and its reminder.
    pub visit: VisitState,
}

/// A tap, a timer tick, or an answer from the store thread or the network.
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
    /// The app started: the PIN pad asks how long the next unlock waits.
    Started,
    /// How long the next unlock will first wait, in seconds (0 normally;
    /// more after attempts that were interrupted).
    UnlockDelayLoaded(u64),
    /// The idle time chosen in the settings, read at unlock.
    IdleSettingLoaded(u32),
    // Navigation and data
    Go(Screen),
    OpenPerson(PersonId),
    CaseloadLoaded(Result<Box<Caseload>, String>),
    TimelineLoaded(Result<Box<Timeline>, String>),
    ReturnedLoaded(Result<Vec<ReturnedLog>, String>),
    // Caseload
    FilterStage(Option<String>),
    FilterField(Option<LifeField>),
    FilterTown(Option<String>),
    Search(String),
    ToggleOverdue,
    /// Show the whole team's persons, not only this worker's (担当).
    ToggleWholeTeam,
    // Person: register (気づき) and edit the profile
    StartRegister,
    StartEditProfile,
    PfAlias(String),
    PfKana(String),
    PfBirthYear(String),
    PfToggleApproximate,
    PfSex(Option<Sex>),
    PfArea(String),
    PfNoticedBy(Option<NoticedBy>),
    PfSummary(String),
    PfToggleField(LifeField),
    PfToggleTag(CrossTag),
    PfToggleGapScheme(Scheme),
    PfGapWhy(String),
    SavePerson,
    PersonSaved(Result<PersonId, SaveFailure>),
    // Household, member by member
    StartAddMember,
    StartEditMember(HouseholdMemberId),
    MfRelation(Relation),
    MfAlias(String),
    MfBirthYear(String),
    MfToggleApproximate,
    MfToggleLivesTogether,
    MfNote(String),
    /// The member's own person record (`None`: the relationship only).
    MfPerson(Option<PersonId>),
    SaveMember,
    RemoveMemberRequested,
    RemoveMemberCancelled,
    RemoveMemberConfirmed,
    MemberSaved(Result<&'static str, SaveFailure>),
    // Contact form
    StartContact,
    Revise(ContactId),
    ContactDate(String),
    ContactTime(String),
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
    /// Raise the escalation for the household (or not).
    EscForHousehold(bool),
    SubmitEscalation,
    Escalated(Result<Route, SaveFailure>),
    // Stage and consent
    StartStageConsent,
    ChooseStage(Stage),
    StageReason(String),
    StageHandedAgency(Option<AgencyId>),
    StageHandedResource(String),
    ConfirmStage,
    CancelStage,
    ConsentDate(String),
    ToggleScope(ConsentScope),
    GiveConsent(ConsentStatus),
    WithdrawConsent,
    StageConsentSaved(Result<&'static str, SaveFailure>),
    /// The names of the 地域資源 catalogue, for つなぎ先.
    ResourceNamesLoaded(Vec<String>),
    // 参加支援
    StartParticipation,
    ParticipationLoaded(Result<Box<ParticipationData>, String>),
    PaMode(ParticipationMode),
    PaToggleNeed(NeedKind),
    PaNote(String),
    PaToggleUnmet,
    PaUnmetArea(String),
    PaUnmetText(String),
    PaResource(Option<ResourceId>),
    PaToggleStarted,
    PaMeets(Option<ParticipationId>),
    PaTrial(Option<ParticipationId>),
    PaOutcome(TrialOutcome),
    PaReason(String),
    SaveParticipation,
    ParticipationSaved(Result<(), SaveFailure>),
    // 地域づくり
    CommunityLoaded(Result<Vec<CommunityActivity>, String>),
    CoKind(ActivityKind),
    CoArea(String),
    CoDate(String),
    CoTime(String),
    CoCount(ParticipantRole, String),
    CoLearned(String),
    CoFollowUp(String),
    CoFinds(String),
    SaveCommunity,
    CommunitySaved(Result<(), SaveFailure>),
    // Changes the server refused (要修正)
    FixesLoaded(Result<Vec<RejectedChange>, String>),
    CorrectRejected(OperationId),
    /// The corrected change was written (or why not).
    Corrected(Result<(), SaveFailure>),
    DiscardRequested(OperationId),
    DiscardCancelled,
    DiscardConfirmed,
    Discarded(Result<(), String>),
    // Timer, sync
    /// Every few seconds from a timer: the idle lock and automatic sync.
    Tick,
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
    // Lone-worker check (帰着未確認)
    /// The open visit read from the store (after the PIN).
    VisitLoaded(Option<VisitStart>),
    /// The expected length of the next visit, minutes.
    VisitMinutes(u32),
    /// 訪問開始 on the person in view.
    StartVisit,
    VisitStarted(Result<VisitStart, SaveFailure>),
    /// 訪問終了 of the open visit.
    FinishVisit,
    VisitFinished(Result<VisitStart, SaveFailure>),
    /// Log the visit just finished (the contact form, prefilled).
    LogFinishedVisit,
}

impl Msg {
    /// Whether the message is a person's tap or keystroke — what keeps the
    /// app awake. Timer ticks and answers of the store or the network are
    /// not, so background work never holds off the idle lock.
    pub fn is_input(&self) -> bool {
        use Msg::*;
        !matches!(
            self,
            SetupFinished(_)
                | Unlocked(_)
                | Started
                | UnlockDelayLoaded(_)
                | IdleSettingLoaded(_)
                | CaseloadLoaded(_)
                | TimelineLoaded(_)
                | ReturnedLoaded(_)
                | PersonSaved(_)
                | MemberSaved(_)
                | ContactSaved(_)
                | Escalated(_)
                | StageConsentSaved(_)
                | ResourceNamesLoaded(_)
                | ParticipationLoaded(_)
                | ParticipationSaved(_)
                | CommunityLoaded(_)
                | CommunitySaved(_)
                | FixesLoaded(_)
                | Corrected(_)
                | Discarded(_)
                | Tick
                | SyncProgressed(_)
                | SyncFinished(_)
                | StatusLoaded(..)
                | Locked
                | Wiped
                | ReenrolFinished(_)
                | VisitLoaded(_)
                | VisitStarted(_)
                | VisitFinished(_)
        )
    }
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
            E::NotFound { .. } => SaveFailure::Other(t::ERR_NOT_FOUND.into()),
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
    /// Reads how long the next unlock will wait ([`Msg::UnlockDelayLoaded`]).
    LoadUnlockDelay,
    LoadCaseload,
    LoadTimeline(PersonId),
    LoadReturned,
    LoadStatus,
    LoadFixes,
    CreatePerson(NewPerson),
    UpdatePerson(PersonId, Vec<PersonField>),
    /// Adds (no id yet) or replaces one household member.
    SaveMember(PersonId, Option<HouseholdMemberId>, HouseholdMember),
    RemoveMember(PersonId, HouseholdMemberId),
    SaveContact(NewContact, Option<ContactId>),
    Escalate(NewEscalation),
    ChangeStage(PersonId, Stage, Option<StageNote>),
    RecordConsent(PersonId, ConsentRecord),
    WithdrawConsent(PersonId, NaiveDate),
    /// Replaces a refused change with its corrected version.
    Correct(OperationId, Correction),
    Discard(OperationId),
    Sync,
    Lock,
    SetIdle(u32),
    Wipe,
    /// Enrol this (unlocked) store again with a new enrolment QR.
    Reenrol(EnrolmentQr),
    LoadVisit,
    /// 訪問開始 on a person, expected to last this many minutes.
    StartVisit(PersonId, u32),
    FinishVisit,
    LoadParticipation(PersonId),
    /// The names of the 地域資源 catalogue (for つなぎ先).
    LoadResourceNames,
    RecordParticipation(PersonId, ParticipationEntry),
    LoadCommunity,
    LogCommunity(Box<NewCommunityActivity>),
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
            Effect::LoadFixes => "LoadFixes",
            Effect::CreatePerson(_) => "CreatePerson",
            Effect::UpdatePerson(..) => "UpdatePerson",
            Effect::SaveMember(..) => "SaveMember",
            Effect::RemoveMember(..) => "RemoveMember",
            Effect::SaveContact(..) => "SaveContact",
            Effect::Escalate(_) => "Escalate",
            Effect::ChangeStage(..) => "ChangeStage",
            Effect::RecordConsent(..) => "RecordConsent",
            Effect::WithdrawConsent(..) => "WithdrawConsent",
            Effect::Correct(..) => "Correct",
            Effect::Discard(_) => "Discard",
            Effect::Sync => "Sync",
            Effect::Lock => "Lock",
            Effect::SetIdle(_) => "SetIdle",
            Effect::Wipe => "Wipe",
            Effect::LoadUnlockDelay => "LoadUnlockDelay",
            Effect::Reenrol(_) => "Reenrol",
            Effect::LoadVisit => "LoadVisit",
            Effect::StartVisit(..) => "StartVisit",
            Effect::FinishVisit => "FinishVisit",
            Effect::LoadParticipation(_) => "LoadParticipation",
            Effect::LoadResourceNames => "LoadResourceNames",
            Effect::RecordParticipation(..) => "RecordParticipation",
            Effect::LoadCommunity => "LoadCommunity",
            Effect::LogCommunity(_) => "LogCommunity",
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
            person_form: None,
            member_form: None,
            contact: None,
            escalation: None,
            stage_form: None,
            participation: None,
            community: CommunityScreen::default(),
            returned: Vec::new(),
            fixes: FixesView::default(),
            sync: SyncBar::default(),
            server: None,
            idle_minutes: 5,
            last_input: None,
            auto_sync_secs: AUTO_SYNC_SECS,
            confirm_wipe: false,
            notice: None,
            reenrol_qr: String::new(),
            visit: VisitState::default(),
        }
    }

    /// Whether content may be shown (never on the set-up and PIN screens).
    pub fn shows_content(&self) -> bool {
        !matches!(self.screen, Screen::Setup | Screen::Unlock)
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
        self.person_form = None;
        self.member_form = None;
        self.contact = None;
        self.escalation = None;
        self.stage_form = None;
        self.participation = None;
        self.community = CommunityScreen::default();
        self.returned.clear();
        self.fixes = FixesView::default();
        self.pin = PinPad::default();
        self.last_input = None;
        self.sync.last_started = None;
        self.visit.hide();
        self.screen = Screen::Unlock;
    }

    fn person_in_view(&self) -> Option<&Person> {
        self.timeline.as_ref().map(|t| &t.person)
    }

    /// After a save: back to the person's page, with the notice, and what
    /// must be read again.
    fn saved_on_person(&mut self, person: PersonId, text: &str, fx: &mut Vec<Effect>) {
        if self
            .timeline
            .as_ref()
            .is_some_and(|t| t.person.id != person)
        {
            self.timeline = None;
        }
        self.screen = Screen::Person(person);
        self.info(text);
        fx.extend([
            Effect::LoadTimeline(person),
            Effect::LoadStatus,
            Effect::Sync,
        ]);
    }

    /// A failed save: field errors go back to the form (`errors`), a lock
    /// hides everything, anything else is a notice.
    fn save_failed(&mut self, e: SaveFailure) -> Option<Vec<(String, String)>> {
        match e {
            SaveFailure::Fields(e) => return Some(e),
            SaveFailure::Locked => {
                self.hide_content();
                self.error(t::ERR_LOCKED);
            }
            SaveFailure::Other(m) => self.error(m),
        }
        None
    }
}

/// One use case's part of [`update`]: handles its own messages and hands
/// every other one back.
type Part = fn(&mut AppState, Msg, DateTime<Utc>, &mut Vec<Effect>) -> Option<Msg>;

const PARTS: [Part; 13] = [
    unlock::update,
    community::update,
    navigation,
    caseload::update,
    person::update,
    contact::update,
    escalation::update,
    stage::update,
    fixes::update,
    sync::update,
    settings::update,
    visit::update,
    participation::update,
];

/// Applies one message; returns the effects to run.
pub fn update(s: &mut AppState, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
    let mut fx = Vec::new();
    if msg.is_input() && s.shows_content() {
        s.last_input = Some(now);
    }
    let mut msg = msg;
    for part in PARTS {
        match part(s, msg, now, &mut fx) {
            Some(m) => msg = m,
            None => break,
        }
    }
    fx
}

/// Moving between screens and loading what they show.
fn navigation(
    s: &mut AppState,
    msg: Msg,
    _now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    match msg {
        Msg::Go(screen) => {
            if s.shows_content() {
                s.notice = None;
                s.confirm_wipe = false;
                s.fixes.confirm_discard = None;
                s.screen = screen;
                match screen {
                    Screen::Caseload => fx.push(Effect::LoadCaseload),
                    Screen::Returned => fx.push(Effect::LoadReturned),
                    Screen::Fixes => fx.push(Effect::LoadFixes),
                    Screen::Person(id) => fx.push(Effect::LoadTimeline(id)),
                    _ => {}
                }
            }
        }
        Msg::OpenPerson(id) => {
            if s.shows_content() {
                s.notice = None;
                s.screen = Screen::Person(id);
                if s.timeline.as_ref().is_none_or(|t| t.person.id != id) {
                    s.timeline = None;
                }
                fx.push(Effect::LoadTimeline(id));
            }
        }
        // An answer that arrives after the lock (a reload started before
        // it) is dropped: nothing is held while the PIN pad shows.
        Msg::CaseloadLoaded(_) | Msg::TimelineLoaded(_) if !s.shows_content() => {}
        Msg::CaseloadLoaded(r) => match r {
            Ok(c) => s.caseload = Some(*c),
            Err(e) => s.error(e),
        },
        Msg::TimelineLoaded(r) => match r {
            Ok(tl) => s.timeline = Some(*tl),
            Err(e) => s.error(e),
        },
        Msg::DismissNotice => s.notice = None,
        other => return Some(other),
    }
    None
}

fn toggle<T: Ord>(set: &mut std::collections::BTreeSet<T>, x: T) {
    if !set.remove(&x) {
        set.insert(x);
    }
}

#[cfg(test)]
mod tests;
