//! The values the core takes in and hands out: inputs for new records, and
//! views (caseload, timeline, listings) for the front ends.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::protocol::{
    CaseStatusView, ConflictRecord, Operation, Payload, PersonField, PersonSnapshot, Rejection,
};
use outreach_shared::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::error::RecordKind;

/// Who this device works for. Opaque ids only; kept in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub device_id: DeviceId,
    /// The worker using the tablet.
    pub user_id: UserId,
    /// The worker's team.
    pub team_id: TeamId,
}

/// A new person as a worker enters it. The store adds the id, stage
/// (把握), consent (none), team and creation time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewPerson {
    pub alias: String,
    pub kana: Option<String>,
    pub birth_year: Option<BirthYear>,
    pub sex: Option<Sex>,
    pub area: Option<AreaCode>,
    pub noticed_by: Option<NoticedBy>,
    pub summary: Option<String>,
    #[serde(default)]
    pub household: Household,
    #[serde(default)]
    pub fields: BTreeSet<LifeField>,
    #[serde(default)]
    pub tags: BTreeSet<CrossTag>,
    pub scheme_gap: Option<SchemeGap>,
    /// Defaults to the worker using the device.
    pub assigned_worker: Option<UserId>,
}

/// A new contact log as a worker enters it. The store adds the id and the
/// author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub person_id: PersonId,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<u16>,
    pub method: ContactMethod,
    pub met: MetWhom,
    pub response: Option<PersonResponse>,
    pub observation: String,
    pub safety: Safety,
    pub reflection: Option<Reflection>,
    pub next_action: Option<NextAction>,
}

/// A new escalation to 多機関協働. The route follows the consent on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEscalation {
    pub person_id: PersonId,
    pub reason: String,
    #[serde(default)]
    pub fields: BTreeSet<LifeField>,
    #[serde(default)]
    pub tags: BTreeSet<CrossTag>,
    #[serde(default)]
    pub agencies_involved: BTreeSet<AgencyId>,
    pub urgency: Urgency,
    /// Raise it for the household (世帯として): the household members who
    /// are persons of their own on this tablet go with it, each routed by
    /// their own consent (`shared::case_rules::household_members_for_escalation`).
    #[serde(default)]
    pub for_household: bool,
}

/// A person with the HLC of the change that set each field (`stage` and
/// `consent` included): what the merge with the server needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub person: Person,
    pub versions: BTreeMap<String, Hlc>,
    /// The person as the server last sent it: what a discarded change
    /// falls back to. Absent until the first pull of this person.
    #[serde(default)]
    pub server: Option<PersonSnapshot>,
}

/// A change the server refused, as the 要修正 screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedChange {
    pub op_id: OperationId,
    /// When the change was made on this device.
    pub created_at: DateTime<Utc>,
    pub payload: Payload,
    pub rejection: Rejection,
    /// The person it is about, as on this device now.
    pub person: Option<Person>,
}

/// The corrected version of a refused change, made with the same form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// Profile fields or household members (for a registration: its
    /// profile). Fields of the refused change that the correction does not
    /// name are sent again as they were.
    Person(Vec<PersonField>),
    Stage(Stage, Option<StageNote>),
    /// `recorded_by` is filled in by the store.
    Consent(ConsentRecord),
    Contact(NewContact),
    Escalation(NewEscalation),
}

/// A case raised from this device or reported by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub case_id: CaseId,
    pub person_id: PersonId,
    /// The escalation as raised (absent when only the server's status is known).
    pub escalation: Option<Escalation>,
    /// The case-queue status last pulled from the server.
    pub status: Option<CaseStatusView>,
}

/// A record that could not be opened and was set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamagedRecord {
    /// The table it was in (`persons`, `contacts`, ...).
    pub table: String,
    pub id: String,
    pub version: i64,
    pub detected_at: DateTime<Utc>,
}

impl DamagedRecord {
    pub fn kind(&self) -> Option<RecordKind> {
        RecordKind::from_table(&self.table)
    }
}

/// A list of records, with those that could not be opened on the way
/// (already set aside; the list goes on without them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub damaged: Vec<DamagedRecord>,
}

/// One person on the caseload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseloadEntry {
    pub person: Person,
    /// When the latest contact happened.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// The next action planned at the latest contact, and its due date.
    pub next_action: Option<NextAction>,
    /// Days past the due date (0 when due today or later, or none planned).
    pub days_overdue: i64,
    /// Whether the follow-up is past its due date.
    pub overdue: bool,
    /// The latest contact had a danger sign or a life-threatening situation.
    pub safety_concern: bool,
    /// Open cases in 多機関協働 with their status, when known.
    pub open_cases: Vec<CaseRecord>,
    /// On this worker's own caseload: assigned to them (担当), or to nobody
    /// yet. The caseload shows these unless the whole team is asked for.
    #[serde(default)]
    pub mine: bool,
}

/// The caseload: the active and paused persons on this device, overdue
/// follow-ups first, then by due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caseload {
    /// Today in Asia/Tokyo.
    pub today: NaiveDate,
    pub entries: Vec<CaseloadEntry>,
    pub overdue: usize,
    pub damaged: Vec<DamagedRecord>,
}

/// One contact in a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub contact: ContactLog,
    /// False when a later revision corrects this one.
    pub current: bool,
    /// The supervisor's review, once pulled.
    pub review: Option<Review>,
}

/// A person's timeline: every contact revision, newest first, with reviews,
/// cases and conflicts to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub person: Person,
    pub entries: Vec<TimelineEntry>,
    pub cases: Vec<CaseRecord>,
    pub conflicts: Vec<ConflictRecord>,
    pub damaged: Vec<DamagedRecord>,
    /// Who the 担当 is, and the latest hand-over to them.
    #[serde(default)]
    pub assignment: Assignment,
    /// The community activity that brought the person up (地域づくり's
    /// "person to find"), if one did.
    #[serde(default)]
    pub found_by: Option<CommunityActivity>,
    /// The household's persons of their own, as this tablet knows them.
    #[serde(default)]
    pub household: Vec<HouseholdLink>,
}

/// A person of their own in the household of the person on the page:
/// a member the person's record links (`HouseholdMember::person`), or a
/// person whose household lists this one. The tablet holds its team's
/// caseload only, so a member it does not hold is shown as
/// 「他チームの担当」 and nothing more (`shared::access::MemberShown`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdLink {
    pub person: PersonId,
    /// The member's relation, where this person's record names it.
    pub relation: Option<Relation>,
    /// The member's alias and consent when on this tablet's caseload;
    /// `None` for another team's member.
    pub on_caseload: Option<(String, ConsentStatus)>,
    /// True when the link is the other person's (their household lists
    /// this person).
    pub lists_this_person: bool,
}

/// The person's 担当 as the person page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Assigned to the worker of this tablet.
    pub to_me: bool,
    /// The 担当's display name, as the server sent it.
    pub name: Option<String>,
    /// The hand-over that made the current 担当 (with its note).
    pub handover: Option<HandOver>,
}

/// What waits to be pushed. Needs no key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxStatus {
    /// Operations not yet acknowledged (rejected ones included).
    pub pending: u64,
    /// Of those, refused by the server and waiting for the worker.
    pub rejected: u64,
    pub oldest_created_at: Option<DateTime<Utc>>,
}

/// One operation in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Local order: push in ascending `seq`.
    pub seq: i64,
    pub op: Operation,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub rejection: Option<Rejection>,
}

/// What applying a pull page did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PullApplied {
    pub applied: usize,
    /// Person fields kept from local changes the server has not seen yet.
    pub kept_local_fields: usize,
    pub conflicts: usize,
    pub gone: usize,
    /// The cursor stored for the next pull.
    pub cursor: u64,
}

/// The state of the store, readable without the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStatus {
    pub schema_version: i64,
    pub unlocked: bool,
    pub key_destroyed: bool,
    pub wrong_pins: u32,
    /// Unlock attempts in a row that never ended (the app was killed during
    /// one); they never erase the key, and make the next attempt wait.
    pub interrupted_unlocks: u32,
    pub identity: Identity,
    pub outbox: OutboxStatus,
    pub damaged_records: usize,
    pub pull_cursor: u64,
}

/// A new community activity of 地域づくり as a worker enters it. The store
/// adds the id, the team, the author and the time it was recorded, and
/// makes each person to find a new person at 把握.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCommunityActivity {
    pub kind: ActivityKind,
    pub area: AreaCode,
    pub held_at: DateTime<Utc>,
    pub participants: Vec<Participants>,
    pub learned: String,
    pub follow_up: Option<String>,
    /// "Possible persons to find": each becomes a person at 把握 with an
    /// alias only (「栄町3丁目 高齢男性」).
    #[serde(default)]
    pub persons_to_find: Vec<PersonToFind>,
}

/// A person an activity brought up, by an alias (never a name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonToFind {
    pub alias: String,
    pub sex: Option<Sex>,
}
