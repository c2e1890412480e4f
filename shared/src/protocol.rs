//! The sync protocol between the tablet and the server: versioned JSON
//! messages. This module is the only place that defines the wire format;
//! golden files in `shared/tests/golden/` pin it byte for byte.
//!
//! - push: a batch of [`Operation`]s; the server answers each one
//!   ([`Outcome`]: applied, duplicate, rejected with a reason, conflict);
//! - pull: changes after a cursor (a server sequence number), in pages;
//! - errors: a structured [`ErrorBody`] with a machine-readable code, an
//!   English message and, where the client must act, an [`ClientAction`].
//!
//! Every request and response carries the protocol version. A server refuses
//! an unknown major version with [`ErrorCode::UnsupportedProtocol`] and
//! [`ClientAction::UpdateApp`].
//!
//! Protocol 2.0 (breaking): the household merges member by member
//! ([`PersonField::HouseholdMember`]); a tablet of protocol 1, which could
//! only replace the whole list, would undo other devices' member edits, so
//! it is told to update the app. Also new in 2.0: the 孤独・孤立 tag, visits
//! with a 民生委員, and the reason (and つなぎ先) of a move to 終結 or つなぎ済
//! ([`Payload::ChangeStage`]'s `note`).
//!
//! Protocol 2.3 (additive): a household member may name the member's own
//! person record (`HouseholdMember::person`; an edit from an older tablet
//! keeps the link, `merge::household::keep_person_link`), and an
//! escalation (and its case) may list the household members raised with
//! it, each routed by their own consent (`Escalation::household`,
//! `CaseQueueItem::household`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use uuid::Uuid;

use crate::domain::*;
use crate::hlc::Hlc;
use crate::ids::{
    CaseId, CommunityActivityId, ContactId, DeviceId, HouseholdMemberId, OperationId,
    ParticipationId, PersonId, TeamId, UserId, VisitId,
};
use crate::validation::{FieldError, ValidationContext, ValidationErrors, Violation};

/// The protocol major version this build speaks. A different major is
/// incompatible.
pub const PROTOCOL_MAJOR: u16 = 2;
/// The protocol minor version (additive changes only).
pub const PROTOCOL_MINOR: u16 = 3;

/// Largest number of operations in one push.
pub const MAX_BATCH_OPERATIONS: usize = 1000;
/// Largest page a pull may ask for.
pub const MAX_PULL_LIMIT: u32 = 5000;

/// `major.minor`, serialized as a string such as `"1.0"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion {
    pub major: u16,
    pub minor: u16,
}

impl ProtocolVersion {
    pub const CURRENT: ProtocolVersion = ProtocolVersion {
        major: PROTOCOL_MAJOR,
        minor: PROTOCOL_MINOR,
    };

    /// Whether a peer speaking `self` can talk to this build.
    pub fn is_supported(&self) -> bool {
        self.major == PROTOCOL_MAJOR
    }
}

impl Default for ProtocolVersion {
    fn default() -> Self {
        Self::CURRENT
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for ProtocolVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s
            .split_once('.')
            .ok_or_else(|| format!("protocol version {s:?} is not MAJOR.MINOR"))?;
        Ok(Self {
            major: a.parse().map_err(|_| format!("bad protocol major {a:?}"))?,
            minor: b.parse().map_err(|_| format!("bad protocol minor {b:?}"))?,
        })
    }
}

impl Serialize for ProtocolVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProtocolVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The kind of record an operation or change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Contact,
    Case,
    Review,
    Conflict,
    /// A field visit of the lone-worker check (protocol 2.1; pushed only,
    /// never pulled).
    Visit,
    /// A 地域資源 of the catalogue (protocol 2.2; pulled only, never
    /// pushed: tablets cannot change the catalogue).
    Resource,
    /// A 参加支援 record of a person (protocol 2.2; append-only).
    Participation,
    /// A community activity of 地域づくり, not tied to a person (protocol
    /// 2.3; append-only).
    CommunityActivity,
}

/// The record an operation or change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntityRef {
    pub kind: EntityKind,
    pub id: Uuid,
}

impl EntityRef {
    pub fn person(id: PersonId) -> Self {
        Self {
            kind: EntityKind::Person,
            id: id.0,
        }
    }
    pub fn contact(id: ContactId) -> Self {
        Self {
            kind: EntityKind::Contact,
            id: id.0,
        }
    }
    pub fn case(id: CaseId) -> Self {
        Self {
            kind: EntityKind::Case,
            id: id.0,
        }
    }
    pub fn visit(id: VisitId) -> Self {
        Self {
            kind: EntityKind::Visit,
            id: id.0,
        }
    }
    pub fn participation(id: ParticipationId) -> Self {
        Self {
            kind: EntityKind::Participation,
            id: id.0,
        }
    }
    pub fn community_activity(id: CommunityActivityId) -> Self {
        Self {
            kind: EntityKind::CommunityActivity,
            id: id.0,
        }
    }
}

/// One field of a person set by an update. Stage and consent have their own
/// operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum PersonField {
    Alias(String),
    Kana(Option<String>),
    BirthYear(Option<BirthYear>),
    Sex(Option<Sex>),
    Area(Option<AreaCode>),
    NoticedBy(Option<NoticedBy>),
    Summary(Option<String>),
    /// The whole household list (protocol 1). No longer made: kept so that
    /// a change written before the update still reads, and the server
    /// merges it member by member ([`crate::merge::household`]).
    Household(Household),
    /// One household member added or changed (`Some`) or removed (`None`),
    /// merged per member: an edit of one member never touches another.
    HouseholdMember {
        id: HouseholdMemberId,
        member: Option<HouseholdMember>,
    },
    /// Fields of life, tags and the 制度の狭間 note change together, since
    /// the note is required exactly when the tag is set.
    Fields {
        fields: BTreeSet<LifeField>,
        tags: BTreeSet<CrossTag>,
        scheme_gap: Option<SchemeGap>,
    },
    AssignedWorker(Option<UserId>),
}

impl PersonField {
    /// The key of the field's version: its [`name`](Self::name), or
    /// `household/<member id>` for one household member.
    pub fn key(&self) -> String {
        match self {
            PersonField::HouseholdMember { id, .. } => crate::merge::household::member_key(*id),
            other => other.name().to_owned(),
        }
    }

    /// The field's name (for one household member: `household_member`).
    pub fn name(&self) -> &'static str {
        match self {
            PersonField::Alias(_) => "alias",
            PersonField::Kana(_) => "kana",
            PersonField::BirthYear(_) => "birth_year",
            PersonField::Sex(_) => "sex",
            PersonField::Area(_) => "area",
            PersonField::NoticedBy(_) => "noticed_by",
            PersonField::Summary(_) => "summary",
            PersonField::Household(_) => "household",
            PersonField::HouseholdMember { .. } => "household_member",
            PersonField::Fields { .. } => "fields",
            PersonField::AssignedWorker(_) => "assigned_worker",
        }
    }

    /// Reads this field's current value from a person.
    pub fn read(&self, p: &Person) -> PersonField {
        match self {
            PersonField::Alias(_) => PersonField::Alias(p.alias.clone()),
            PersonField::Kana(_) => PersonField::Kana(p.kana.clone()),
            PersonField::BirthYear(_) => PersonField::BirthYear(p.birth_year),
            PersonField::Sex(_) => PersonField::Sex(p.sex),
            PersonField::Area(_) => PersonField::Area(p.area.clone()),
            PersonField::NoticedBy(_) => PersonField::NoticedBy(p.noticed_by),
            PersonField::Summary(_) => PersonField::Summary(p.summary.clone()),
            PersonField::Household(_) => PersonField::Household(p.household.clone()),
            PersonField::HouseholdMember { id, .. } => PersonField::HouseholdMember {
                id: *id,
                member: p.household.member(*id).cloned(),
            },
            PersonField::Fields { .. } => PersonField::Fields {
                fields: p.fields.clone(),
                tags: p.tags.clone(),
                scheme_gap: p.scheme_gap.clone(),
            },
            PersonField::AssignedWorker(_) => PersonField::AssignedWorker(p.assigned_worker),
        }
    }

    /// Writes this field's value into a person.
    pub fn apply(&self, p: &mut Person) {
        match self.clone() {
            PersonField::Alias(v) => p.alias = v,
            PersonField::Kana(v) => p.kana = v,
            PersonField::BirthYear(v) => p.birth_year = v,
            PersonField::Sex(v) => p.sex = v,
            PersonField::Area(v) => p.area = v,
            PersonField::NoticedBy(v) => p.noticed_by = v,
            PersonField::Summary(v) => p.summary = v,
            PersonField::Household(v) => p.household = v,
            PersonField::HouseholdMember { id, member } => p.household.set_member(id, member),
            PersonField::Fields {
                fields,
                tags,
                scheme_gap,
            } => {
                p.fields = fields;
                p.tags = tags;
                p.scheme_gap = scheme_gap;
            }
            PersonField::AssignedWorker(v) => p.assigned_worker = v,
        }
    }
}

/// A field change with the version of the field its author had seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldChange {
    pub set: PersonField,
    /// The HLC of the field value the author saw; `None` if never set.
    pub base: Option<Hlc>,
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Payload {
    /// A new person on the caseload.
    CreatePerson(Person),
    /// Some fields of a person, merged field by field by HLC.
    UpdatePerson { changes: Vec<FieldChange> },
    /// A change of relationship stage; a move to 終結 or つなぎ済 says why
    /// (and to whom) in `note`.
    ChangeStage {
        from: Stage,
        to: Stage,
        base: Option<Hlc>,
        #[serde(default)]
        note: Option<StageNote>,
    },
    /// Consent recorded or withdrawn.
    RecordConsent {
        consent: ConsentRecord,
        base: Option<Hlc>,
    },
    /// A contact log revision (append-only).
    LogContact(ContactLog),
    /// An escalation to 多機関協働.
    Escalate(Escalation),
    /// 訪問開始 (protocol 2.1): the lone-worker check's start and expected
    /// end. Only ids and times, never a note.
    StartVisit(VisitStart),
    /// 訪問終了 (protocol 2.1), addressed to the visit.
    FinishVisit {
        person_id: PersonId,
        ended_at: DateTime<Utc>,
    },
    /// A 参加支援 record (protocol 2.2): needs, a trial at a resource, a
    /// follow-up. Append-only.
    RecordParticipation(ParticipationRecord),
    /// A community activity of 地域づくり (protocol 2.3), not tied to a
    /// person; its persons to find were created before it by
    /// [`Payload::CreatePerson`]. Append-only.
    RecordCommunityActivity(CommunityActivity),
}

impl Payload {
    /// The entity this payload must be addressed to.
    pub fn entity(&self, addressed: &EntityRef) -> Option<EntityRef> {
        Some(match self {
            Payload::CreatePerson(p) => EntityRef::person(p.id),
            Payload::UpdatePerson { .. }
            | Payload::ChangeStage { .. }
            | Payload::RecordConsent { .. } => {
                if addressed.kind != EntityKind::Person {
                    return None;
                }
                *addressed
            }
            Payload::LogContact(c) => EntityRef::contact(c.id),
            Payload::Escalate(e) => EntityRef::case(e.case_id),
            Payload::StartVisit(v) => EntityRef::visit(v.id),
            Payload::RecordParticipation(r) => EntityRef::participation(r.id),
            Payload::RecordCommunityActivity(a) => EntityRef::community_activity(a.id),
            Payload::FinishVisit { .. } => {
                if addressed.kind != EntityKind::Visit {
                    return None;
                }
                *addressed
            }
        })
    }

    /// The person the payload concerns, if it names one itself.
    pub fn person_id(&self, entity: &EntityRef) -> PersonId {
        match self {
            Payload::CreatePerson(p) => p.id,
            Payload::LogContact(c) => c.person_id,
            Payload::Escalate(e) => e.person_id,
            Payload::StartVisit(v) => v.person_id,
            Payload::FinishVisit { person_id, .. } => *person_id,
            Payload::RecordParticipation(r) => r.person_id,
            _ => PersonId(entity.id),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Payload::CreatePerson(_) => "create_person",
            Payload::UpdatePerson { .. } => "update_person",
            Payload::ChangeStage { .. } => "change_stage",
            Payload::RecordConsent { .. } => "record_consent",
            Payload::LogContact(_) => "log_contact",
            Payload::Escalate(_) => "escalate",
            Payload::StartVisit(_) => "start_visit",
            Payload::FinishVisit { .. } => "finish_visit",
            Payload::RecordParticipation(_) => "record_participation",
            Payload::RecordCommunityActivity(_) => "record_community_activity",
        }
    }
}

/// One change made on a device: the unit of exactly-once delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// UUIDv7 made on the device; the server applies each id once.
    pub id: OperationId,
    pub device_id: DeviceId,
    pub hlc: Hlc,
    pub entity: EntityRef,
    pub payload: Payload,
}

impl Operation {
    /// Checks what can be checked without the server's state: the entity
    /// matches the payload, the HLC's node is the device, and the payload's
    /// own validation.
    pub fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.payload.entity(&self.entity) != Some(self.entity) {
            e.push(
                "entity",
                Violation::Contradicts {
                    other: "payload".into(),
                },
            );
        }
        if self.hlc.node != self.device_id {
            e.push(
                "hlc",
                Violation::Contradicts {
                    other: "device_id".into(),
                },
            );
        }
        match &self.payload {
            Payload::CreatePerson(p) => e.nest("payload", p.validate(ctx)),
            Payload::UpdatePerson { changes } => {
                if changes.is_empty() {
                    e.push("payload.changes", Violation::Required);
                }
                let mut keys = BTreeSet::new();
                for (i, c) in changes.iter().enumerate() {
                    if !keys.insert(c.set.key()) {
                        e.push(format!("payload.changes.{i}"), Violation::Duplicate);
                    }
                    if let PersonField::HouseholdMember {
                        id,
                        member: Some(m),
                    } = &c.set
                        && m.id != *id
                    {
                        e.push(
                            format!("payload.changes.{i}.value.member.id"),
                            Violation::Contradicts { other: "id".into() },
                        );
                    }
                }
            }
            Payload::ChangeStage { from, to, note, .. } => {
                if let Err(fe) = from.check_transition(*to, "payload.to") {
                    e.0.push(fe);
                }
                if let Err(x) = StageNote::check(note.as_ref(), *to, "payload.note") {
                    e.0.extend(x.0);
                }
            }
            Payload::RecordConsent { consent, .. } => {
                e.nest("payload.consent", consent.validate(ctx))
            }
            Payload::LogContact(c) => e.nest("payload", c.validate(ctx)),
            Payload::Escalate(_) => {} // needs the consent on record: checked by the applier
            Payload::StartVisit(v) => e.nest("payload", v.validate(ctx)),
            // Checked against the visit's start by the applier.
            Payload::FinishVisit { .. } => {}
            Payload::RecordParticipation(r) => e.nest("payload", r.validate(ctx)),
            Payload::RecordCommunityActivity(a) => e.nest("payload", a.validate(ctx)),
        }
        e.finish()
    }
}

/// `POST /api/v1/sync/push`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub protocol: ProtocolVersion,
    pub device_id: DeviceId,
    pub operations: Vec<Operation>,
}

/// Why an operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rejection {
    pub code: RejectCode,
    /// English, for logs and support.
    pub message: String,
    /// Field-level problems; the app shows their Japanese messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_errors: Vec<FieldError>,
}

/// Machine-readable reason for a rejected operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The payload fails validation.
    Invalid,
    /// The user may not make this change.
    Forbidden,
    /// The record it refers to does not exist (yet).
    NotFound,
    /// The change does not fit the record's current state (e.g. a stage
    /// change from a stage the person is no longer in).
    StaleState,
    /// Contact logs are append-only: this id already exists.
    AppendOnly,
}

/// What the server did with one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Stored now, at server sequence `seq`.
    Applied { seq: u64 },
    /// Already stored earlier (a redelivery); nothing changed.
    Duplicate { seq: u64 },
    /// Refused; stays in the device's outbox with this reason.
    Rejected(Rejection),
    /// The same operation id arrived earlier with different content. Never
    /// overwrites.
    Conflict { message: String },
}

impl Outcome {
    /// Whether the device may drop the operation from its outbox.
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Outcome::Applied { .. } | Outcome::Duplicate { .. })
    }
}

/// The answer for one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperationResult {
    pub id: OperationId,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Answer to a push, sent only after the batch is durably committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushResponse {
    pub protocol: ProtocolVersion,
    /// One per operation, in the order sent.
    pub results: Vec<OperationResult>,
    /// The server's clock, for the device's skew correction.
    pub server_time: DateTime<Utc>,
}

/// `POST /api/v1/sync/pull`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub protocol: ProtocolVersion,
    /// The last sequence number the device has; 0 for everything.
    pub cursor: u64,
    /// Page size, at most [`MAX_PULL_LIMIT`].
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_PULL_LIMIT)))]
    pub limit: u32,
}

/// A person as the server holds it, with the version of each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PersonSnapshot {
    pub person: Person,
    /// Field name → HLC of the change that set it (`stage`, `consent` included).
    pub versions: std::collections::BTreeMap<String, Hlc>,
    /// The display name of the 担当 worker (protocol 2.1), so a tablet
    /// shows it without a roster of the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_name: Option<String>,
    /// The latest hand-over (担当の引き継ぎ) with its note for the new
    /// worker (protocol 2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover: Option<HandOver>,
}

impl PersonSnapshot {
    /// A snapshot without a 担当 name or hand-over.
    pub fn new(person: Person, versions: std::collections::BTreeMap<String, Hlc>) -> Self {
        Self {
            person,
            versions,
            assigned_name: None,
            handover: None,
        }
    }
}

/// The case-queue status of an escalation, as its worker's device sees it:
/// the outcome of the case (route, status, the next meeting's date, the
/// plan's tasks for the 社協's outreach), never a meeting's minutes and
/// never another agency's tasks or notes. The fields after `updated_at`
/// are new in protocol 2.0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseStatusView {
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub status: CaseStatus,
    pub route: Route,
    pub urgency: Urgency,
    pub return_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The date of the next scheduled meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_meeting: Option<chrono::NaiveDate>,
    /// The plan's tasks assigned to the 社協 (outreach), with where they
    /// stand now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outreach_tasks: Vec<OutreachTask>,
    /// The coordinator asked outreach to find the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub find_request: Option<FindRequestView>,
    /// Later escalations from tablets folded into this case (their case
    /// ids): a tablet that raised one finds its answer here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub followups: Vec<CaseId>,
}

/// A task of the plan assigned to the 社協, as the tablet sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutreachTask {
    pub id: Uuid,
    pub what: String,
    pub due: chrono::NaiveDate,
    pub status: TaskStatus,
    /// The worker in charge, where the plan names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserId>,
}

/// The coordinator's request to find a person, as the tablet sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindRequestView {
    pub request: String,
    pub requested_at: DateTime<Utc>,
}

/// A concurrent edit that lost a field merge, kept to be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConflictRecord {
    pub person_id: PersonId,
    /// The field name (as in [`PersonField::name`], or `stage` / `consent`).
    pub field: String,
    /// The value the field has now.
    pub kept: serde_json::Value,
    pub kept_hlc: Hlc,
    /// The value that lost.
    pub other: serde_json::Value,
    pub other_hlc: Hlc,
}

/// What changed.
// Most changes of a page are persons and contacts, the large variants:
// boxing them would add an allocation each and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ChangeBody {
    Person(PersonSnapshot),
    Contact(ContactLog),
    Review(Review),
    Case(CaseStatusView),
    Conflict(ConflictRecord),
    /// A 地域資源 of the catalogue (protocol 2.2), as it is now.
    Resource(LocalResource),
    /// A 参加支援 record of a person (protocol 2.2).
    Participation(ParticipationRecord),
    /// A community activity of the team (protocol 2.3).
    CommunityActivity(CommunityActivity),
    /// The record left this device's view (e.g. moved to another team): the
    /// device deletes its copy.
    Gone,
}

/// One change in a pull page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Change {
    /// Server sequence number; the next cursor is the last one in the page.
    pub seq: u64,
    pub hlc: Hlc,
    pub entity: EntityRef,
    pub body: ChangeBody,
}

/// One page of changes after the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullResponse {
    pub protocol: ProtocolVersion,
    pub changes: Vec<Change>,
    /// The cursor to send next.
    pub next_cursor: u64,
    /// Whether more pages follow.
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
}

/// `POST /api/v1/persons/{id}/handover` (protocol 2.1): a supervisor gives
/// the person to another outreach worker of the team, with a note for
/// them. The answer is the [`HandOver`] recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HandOverRequest {
    pub protocol: ProtocolVersion,
    pub worker: UserId,
    pub note: String,
}

/// `POST /api/v1/enroll`: a tablet enrols with a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub protocol: ProtocolVersion,
    /// The one-time code a supervisor issued.
    pub code: String,
    /// A label for the device list, e.g. `タブレット3`.
    pub device_label: String,
    /// `android`, `ios`, `linux`, ...
    pub platform: String,
}

/// The answer to an enrolment. The token is shown once; the server keeps
/// only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnrollResponse {
    pub protocol: ProtocolVersion,
    pub device_id: DeviceId,
    /// Bearer token for every later request (256 random bits, base64url).
    pub token: String,
    pub user_id: UserId,
    pub team_id: TeamId,
    /// The worker's display name, for the app's header.
    pub display_name: String,
    pub server_time: DateTime<Utc>,
}

/// Machine-readable API error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    InvalidRequest,
    UnsupportedProtocol,
    Unauthorized,
    DeviceRevoked,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    BatchTooLarge,
    RateLimited,
    ValidationFailed,
    Conflict,
    EnrollmentCodeInvalid,
    Unavailable,
    Internal,
}

/// What the client must do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientAction {
    /// The device was revoked: destroy keys and local data.
    Wipe,
    /// The app is too old (or too new) for this server.
    UpdateApp,
    /// Try again later, with backoff.
    RetryLater,
    /// Enrol again with a new code.
    Reenroll,
}

/// The body of every API error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub protocol: ProtocolVersion,
    pub code: ErrorCode,
    /// English, for a developer or an administrator.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ClientAction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_errors: Vec<FieldError>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            protocol: ProtocolVersion::CURRENT,
            code,
            message: message.into(),
            action: None,
            field_errors: Vec::new(),
        }
    }

    pub fn with_action(mut self, action: ClientAction) -> Self {
        self.action = Some(action);
        self
    }

    /// The error for a peer speaking an unsupported protocol version.
    pub fn unsupported(peer: ProtocolVersion) -> Self {
        Self::new(
            ErrorCode::UnsupportedProtocol,
            format!(
                "protocol {peer} is not supported; this server speaks {}.x: update the app",
                PROTOCOL_MAJOR
            ),
        )
        .with_action(ClientAction::UpdateApp)
    }
}

// ---------------------------------------------------------------------------
// The office API: supervisors, coordinators, agency members and the city's
// own systems (LGWAN feed). Part of the protocol since 1.0; 2.0 adds the
// login's optional `totp`.
// ---------------------------------------------------------------------------

/// `POST /api/v1/login`: an office user starts an API session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub protocol: ProtocolVersion,
    pub username: String,
    pub password: String,
    /// The six-digit TOTP code of an account that requires one (protocol
    /// 2.0); without it such an account is refused with a message naming
    /// this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
}

/// The answer to a login. The token is shown once; the server keeps only
/// its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginResponse {
    pub protocol: ProtocolVersion,
    /// Bearer token for later office API calls (256 random bits, base64url).
    pub token: String,
    pub user_id: UserId,
    pub role: crate::access::Role,
    pub team_id: Option<TeamId>,
    pub display_name: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/reviews`: a supervisor approves or returns a contact log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub protocol: ProtocolVersion,
    pub contact_id: ContactId,
    pub status: ReviewStatus,
    /// Required when returned.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The stored review and the sequence number its change got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewResponse {
    pub protocol: ProtocolVersion,
    pub review: Review,
    pub seq: u64,
}

/// `POST /api/v1/cases/{id}/move`: a coordinator moves a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseMoveRequest {
    pub protocol: ProtocolVersion,
    pub to: CaseStatus,
    /// Required when the case is returned to outreach.
    #[serde(default)]
    pub return_reason: Option<String>,
}

/// `POST /api/v1/cases/{id}/roster`: a coordinator adds (or updates) a
/// member of the case's meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RosterRequest {
    pub protocol: ProtocolVersion,
    pub user: UserId,
    pub agency: AgencyId,
    /// When the confidentiality pledge was recorded (required for a 支援会議).
    #[serde(default)]
    pub pledge_recorded_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/cases/{id}/route`: consent given later — a coordinator
/// moves a 支援会議 case to the 重層的支援会議, re-confirming its roster
/// (members not in `keep` leave it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteChangeRequest {
    pub protocol: ProtocolVersion,
    pub to: Route,
    #[serde(default)]
    pub keep: Vec<UserId>,
}

/// `POST /api/v1/cases/{id}/roster/remove`: a coordinator removes a member;
/// their access to the case ends at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RosterRemoveRequest {
    pub protocol: ProtocolVersion,
    pub user: UserId,
}

/// The person a referral is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReferredPerson {
    /// A person already on record (whom the referrer may see).
    Existing { id: PersonId },
    /// Someone new, known only by a descriptive alias.
    New { alias: String },
}

/// Outreach is asked to find the person: the 社協 team whose tablets get
/// the person at 把握, and what they should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FindSpec {
    pub team: TeamId,
    pub request: String,
}

/// `POST /api/v1/referrals`: a coordinator or an agency member refers a
/// case to 多機関協働.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    pub protocol: ProtocolVersion,
    pub person: ReferredPerson,
    pub reason: String,
    #[serde(default)]
    pub fields: BTreeSet<LifeField>,
    #[serde(default)]
    pub tags: BTreeSet<CrossTag>,
    #[serde(default)]
    pub agencies_involved: BTreeSet<AgencyId>,
    pub urgency: Urgency,
    /// The consent as the referrer knows it.
    #[serde(default)]
    pub consent: Option<ConsentRecord>,
    /// Coordinators only: ask outreach to find the person.
    #[serde(default)]
    pub find: Option<FindSpec>,
}

/// The answer to a referral: what became of it. The referrer may not see
/// the case afterwards (only its roster does), so the receipt says only
/// this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralReceipt {
    pub protocol: ProtocolVersion,
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub route: Route,
    /// The person already had an open case: the referral was added to it.
    pub folded: bool,
}

/// `POST /api/v1/cases/{id}/find`: a coordinator asks outreach to find the
/// person of a case (a person with no team's caseload yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FindRequestRequest {
    pub protocol: ProtocolVersion,
    pub team: TeamId,
    pub request: String,
}

/// One task as the coordinator writes it; `id` names a task of the
/// previous version (absent for a new task).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskDraft {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub what: String,
    pub agency: AgencyId,
    #[serde(default)]
    pub owner: Option<UserId>,
    pub due: chrono::NaiveDate,
    pub status: TaskStatus,
}

/// `POST /api/v1/cases/{id}/plan`: a new version of the プラン.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub protocol: ProtocolVersion,
    /// The version this one revises (absent for the first plan); an older
    /// one is refused, so two coordinators never overwrite each other.
    #[serde(default)]
    pub base_version: Option<u32>,
    pub goals: Vec<PlanGoal>,
    pub tasks: Vec<TaskDraft>,
    pub next_review: chrono::NaiveDate,
}

/// `POST /api/v1/cases/{id}/monitoring`: a monitoring of the current plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MonitoringRequest {
    pub protocol: ProtocolVersion,
    pub plan_version: u32,
    pub held_on: chrono::NaiveDate,
    #[serde(default)]
    pub progress: Vec<TaskProgress>,
    pub judgement: Judgement,
    pub assessment: String,
    #[serde(default)]
    pub next_review: Option<chrono::NaiveDate>,
}

/// `POST /api/v1/cases/{id}/closure`: the evaluation at closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClosureRequest {
    pub protocol: ProtocolVersion,
    pub outcome: ClosureOutcome,
    pub reason: String,
    pub continuing: String,
    pub watched_by: AgencyId,
    #[serde(default)]
    pub watcher: Option<UserId>,
    pub evaluated_on: chrono::NaiveDate,
}

/// `POST /api/v1/cases/{id}/support-record`: a new version of a 支援会議's
/// record of roles and direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SupportRecordRequest {
    pub protocol: ProtocolVersion,
    #[serde(default)]
    pub base_version: Option<u32>,
    pub roles: Vec<AgencyRole>,
    pub direction: String,
}

/// A roster member who attended a meeting, with their agency's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    pub user: UserId,
    #[serde(default)]
    pub role: String,
}

/// `POST /api/v1/cases/{id}/meetings`: a meeting scheduled ahead or
/// recorded after it was held; `POST /api/v1/cases/{id}/meetings/{meeting}`
/// with `base_version`: an edit of one (its earlier versions are kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    pub protocol: ProtocolVersion,
    #[serde(default)]
    pub base_version: Option<u32>,
    pub state: MeetingState,
    pub purpose: MeetingPurpose,
    pub held_on: chrono::NaiveDate,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub invitees: Vec<UserId>,
    #[serde(default)]
    pub attendees: Vec<Attendance>,
    #[serde(default)]
    pub decisions: String,
}

/// A case's records as the caller may see them: the プラン (every
/// version, oldest first), its monitoring, the closure evaluation, the
/// 支援会議's record and the meetings (current versions). What a 支援会議
/// decided is left out for members who did not pledge in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseRecords {
    pub protocol: ProtocolVersion,
    pub case_id: CaseId,
    pub plans: Vec<Plan>,
    pub monitoring: Vec<MonitoringEntry>,
    pub closure: Option<ClosureEvaluation>,
    pub support_records: Vec<SupportRecord>,
    pub meetings: Vec<Meeting>,
}

/// Why a case moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseMoveCause {
    /// An outreach worker escalated the case.
    Escalated,
    /// A coordinator moved it.
    Coordinator,
    /// The person's consent changed (e.g. withdrawn).
    ConsentChanged,
    /// The meeting roster changed.
    Roster,
    /// Consent arrived later: the coordinator moved the case from the
    /// 支援会議 to the 重層的支援会議.
    RouteChanged,
    /// An agency or the coordinator referred the case.
    Referred,
    /// A later escalation or referral of the person was folded in.
    FollowUp,
    /// The coordinator asked outreach to find the person.
    FindRequested,
}

impl CaseMoveCause {
    pub const ALL: [CaseMoveCause; 8] = [
        CaseMoveCause::Escalated,
        CaseMoveCause::Coordinator,
        CaseMoveCause::ConsentChanged,
        CaseMoveCause::Roster,
        CaseMoveCause::RouteChanged,
        CaseMoveCause::Referred,
        CaseMoveCause::FollowUp,
        CaseMoveCause::FindRequested,
    ];
}

/// One recorded move of a case-queue item (every move is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseMove {
    pub case_id: CaseId,
    pub from: Option<CaseStatus>,
    pub to: CaseStatus,
    pub route: Route,
    pub cause: CaseMoveCause,
    /// Who moved it; `None` when the server did (consent followed).
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
}

/// A case-queue item with its history, as an office user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseDetail {
    pub protocol: ProtocolVersion,
    pub item: CaseQueueItem,
    pub moves: Vec<CaseMove>,
    /// The server sequence number of the case's latest change.
    pub seq: u64,
}

/// `GET /api/v1/cases`: the queue, emergencies first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseList {
    pub protocol: ProtocolVersion,
    pub items: Vec<CaseQueueItem>,
}

/// One new or changed case-queue item in the LGWAN feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedItem {
    /// Server sequence number of this version of the item.
    pub seq: u64,
    pub item: CaseQueueItem,
}

/// The query of `GET /api/v1/feed/cases`: the items after a sequence
/// number, a page at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedQuery {
    /// The last sequence number the reader has (its `next_cursor`); 0 for
    /// everything.
    #[serde(default)]
    pub after: u64,
    /// Page size, 1 to [`MAX_PULL_LIMIT`].
    #[serde(default = "FeedQuery::default_limit")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_PULL_LIMIT)))]
    pub limit: u32,
}

impl FeedQuery {
    /// The page size when the query names none.
    pub const DEFAULT_LIMIT: u32 = 500;

    fn default_limit() -> u32 {
        Self::DEFAULT_LIMIT
    }
}

/// `GET /api/v1/feed/cases?after=N`: a page of the case-queue feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedPage {
    pub protocol: ProtocolVersion,
    pub items: Vec<FeedItem>,
    pub next_cursor: u64,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v: ProtocolVersion = "2.7".parse().unwrap();
        assert!(v.is_supported());
        let v2: ProtocolVersion = "3.0".parse().unwrap();
        assert!(!v2.is_supported());
        assert!("one".parse::<ProtocolVersion>().is_err());
        assert_eq!(
            serde_json::to_string(&ProtocolVersion::CURRENT).unwrap(),
            "\"2.3\""
        );
        let old: ProtocolVersion = "1.0".parse().unwrap();
        assert!(!old.is_supported(), "protocol 1 tablets must update");
        assert_eq!(
            ErrorBody::unsupported(old).action,
            Some(ClientAction::UpdateApp)
        );
        let e = ErrorBody::unsupported(v2);
        assert_eq!(e.action, Some(ClientAction::UpdateApp));
        assert!(e.message.contains("update the app"));
    }

    #[test]
    fn acknowledged_outcomes() {
        assert!(Outcome::Applied { seq: 1 }.is_acknowledged());
        assert!(Outcome::Duplicate { seq: 1 }.is_acknowledged());
        assert!(
            !Outcome::Conflict {
                message: String::new()
            }
            .is_acknowledged()
        );
    }

    fn sample_op() -> Operation {
        let device = DeviceId::new_v7(1, [1; 10]);
        let person = PersonId::new_v7(2, [2; 10]);
        Operation {
            id: OperationId::new_v7(3, [3; 10]),
            device_id: device,
            hlc: Hlc::new(1_780_000_000_000, 0, device),
            entity: EntityRef::person(person),
            payload: Payload::ChangeStage {
                from: Stage::Identified,
                to: Stage::TryingToReach,
                base: None,
                note: None,
            },
        }
    }

    fn ctx() -> ValidationContext {
        ValidationContext::at(DateTime::from_timestamp(1_780_000_000, 0).unwrap())
    }

    #[test]
    fn a_valid_operation() {
        sample_op().validate(&ctx()).unwrap();
    }

    #[test]
    fn entity_must_match_the_payload() {
        let mut op = sample_op();
        op.entity.kind = EntityKind::Contact;
        assert!(op.validate(&ctx()).unwrap_err().has("entity"));
    }

    #[test]
    fn hlc_must_come_from_the_sending_device() {
        let mut op = sample_op();
        op.hlc.node = DeviceId::new_v7(9, [9; 10]);
        assert!(op.validate(&ctx()).unwrap_err().has("hlc"));
    }

    #[test]
    fn impossible_stage_change_is_refused() {
        let mut op = sample_op();
        op.payload = Payload::ChangeStage {
            from: Stage::Identified,
            to: Stage::HandedOn,
            base: None,
            note: None,
        };
        let e = op.validate(&ctx()).unwrap_err();
        assert!(matches!(
            e.get("payload.to").unwrap().violation,
            Violation::StageTransitionNotAllowed { .. }
        ));
    }

    #[test]
    fn update_needs_changes_and_no_field_twice() {
        let mut op = sample_op();
        op.payload = Payload::UpdatePerson { changes: vec![] };
        assert!(op.validate(&ctx()).unwrap_err().has("payload.changes"));
        let change = FieldChange {
            set: PersonField::Alias("架空 次郎".into()),
            base: None,
        };
        op.payload = Payload::UpdatePerson {
            changes: vec![change.clone(), change],
        };
        assert!(op.validate(&ctx()).unwrap_err().has("payload.changes.1"));
    }

    #[test]
    fn person_fields_read_and_apply() {
        let mut p: Person = serde_json::from_value(serde_json::json!({
            "id": PersonId::new_v7(2, [2; 10]), "alias": "架空 三郎", "kana": null,
            "birth_year": null, "sex": null, "area": null, "noticed_by": null, "summary": null,
            "stage": {"kind": "identified"}, "team": TeamId::new_v7(1, [1; 10]),
            "assigned_worker": null, "scheme_gap": null, "created_at": "2026-04-01T00:00:00Z"
        }))
        .unwrap();
        let set = PersonField::Kana(Some("カクウ サブロウ".into()));
        assert_eq!(set.read(&p), PersonField::Kana(None));
        set.apply(&mut p);
        assert_eq!(set.read(&p), set);
        assert_eq!(set.name(), "kana");
    }

    #[test]
    fn unknown_fields_in_requests_are_refused() {
        let body = r#"{"protocol":"2.0","cursor":0,"limit":10,"extra":true}"#;
        assert!(serde_json::from_str::<PullRequest>(body).is_err());
    }
}
