//! Storage behind a trait.
//!
//! A backend implements [`Store`]: it runs a closure inside one transaction
//! and hands it a [`Tx`], a set of small typed primitives (rows in, rows
//! out). All domain logic (merge, visibility, the case queue, the audit
//! chain) lives in [`crate::engine`] over `&mut dyn Tx`, so a second backend
//! (PostgreSQL, its own issue) implements only these primitives and runs the
//! same tests. The backend is chosen once at start-up from the database URL
//! ([`open`]).
//!
//! Backends are blocking; the HTTP layer never calls them on an async
//! worker: writes run on the dedicated writer thread ([`crate::writer`],
//! group commit), reads through `tokio::task::spawn_blocking`
//! ([`crate::state::AppState::read`]).
//!
//! Two backends: [`sqlite`] (one file, the default) and [`postgres`]
//! (several server instances on one database). Their schemas move in
//! step: each has one migration per entry of its `MIGRATIONS` array, whose
//! length is [`SCHEMA_STEPS`], and records how many it applied under the
//! settings key [`SCHEMA_VERSION_KEY`].

mod codec;
pub mod copy;
pub mod postgres;
pub mod scratch;
pub mod sqlite;

/// How many schema migrations each backend has. Adding a migration to one
/// backend without the other fails to compile.
pub const SCHEMA_STEPS: usize = 8;

/// The settings key holding the number of migrations applied.
pub const SCHEMA_VERSION_KEY: &str = "schema_version";

/// The settings key under which backends keep the head of the audit chain
/// (`seq:hash` of the last entry), written with every entry; `audit verify`
/// (`crate::audit::verify`) compares the chain against it. The store
/// imports nothing from `audit`.
pub const AUDIT_HEAD_KEY: &str = "audit_head";

/// Parses the stored schema version (absent: 0, a database from before
/// versions were recorded); refuses a database from a newer server.
fn schema_version(stored: Option<&str>) -> StoreResult<usize> {
    let v = match stored {
        None => 0,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| StoreError::Corrupt("schema version".into()))?,
    };
    if v > SCHEMA_STEPS {
        return Err(StoreError::Database(format!(
            "the database has schema version {v}, newer than this sync-server's {SCHEMA_STEPS}; run the newer server"
        )));
    }
    Ok(v)
}

use chrono::{DateTime, Utc};
use outreach_shared::access::Role;
use outreach_shared::protocol::{CaseMove, ConflictRecord, EntityKind, PersonSnapshot};
use outreach_shared::{
    AgencyId, CaseId, CaseQueueItem, ContactId, ContactLog, DeviceId, Hlc, OperationId, PersonId,
    Review, TeamId, UserId,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A failure of the storage backend itself (never caused by client input).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    #[error("the database is busy")]
    Busy,
    /// Every connection of the pool stayed in use for the whole wait
    /// (PostgreSQL, `--pg-pool-wait-ms`); nothing was sent.
    #[error("every database connection is in use")]
    Saturated,
    /// Internal: the transaction's closure failed with its own error.
    #[error("transaction aborted")]
    Aborted,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A team (班) of outreach workers and supervisors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    pub id: TeamId,
    pub name: String,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    /// Login name (ASCII, no personal data needed).
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<TeamId>,
    pub agency: Option<AgencyId>,
    /// Argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// An enrolled tablet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub user: UserId,
    pub label: String,
    pub platform: String,
    /// SHA-256 of the bearer token; the token itself is never stored.
    pub token_hash: [u8; 32],
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A person with the per-field versions and the bases their authors saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub snapshot: PersonSnapshot,
    /// Field name → the base HLC the winning change's author had seen.
    pub bases: BTreeMap<String, Hlc>,
}

/// A stored contact log revision with its team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub log: ContactLog,
    pub team: TeamId,
}

/// A case-queue item with the team of the person's caseload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub item: CaseQueueItem,
    pub team: TeamId,
    /// The sequence number of its latest change.
    pub seq: u64,
}

/// The kind of a case's structured record (issue 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseDocKind {
    /// A version of the プラン (`outreach_shared::Plan`); the document is
    /// the case.
    Plan,
    /// A monitoring (`MonitoringEntry`); one document per entry.
    Monitoring,
    /// The evaluation at closure (`ClosureEvaluation`); the document is the
    /// case, a correction a new version.
    Closure,
    /// A version of the 支援会議's record (`SupportRecord`).
    SupportRecord,
    /// An earlier version of a meeting (`Meeting`), kept when it was
    /// edited; the document is the meeting.
    MeetingVersion,
}

/// A field visit of the lone-worker check (訪問開始 to 訪問終了; table
/// `visits`, schema step 5): ids and times only, never a note. The
/// person's 町丁 is read from the person when shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VisitRow {
    pub id: outreach_shared::VisitId,
    pub team: TeamId,
    pub worker: UserId,
    pub person: PersonId,
    pub started_at: DateTime<Utc>,
    pub expected_end: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One version of one of a case's structured records, as its JSON body.
/// Documents are append-only: a version is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDoc {
    pub case: CaseId,
    pub kind: CaseDocKind,
    pub doc: uuid::Uuid,
    pub version: u32,
    pub recorded_at: DateTime<Utc>,
    pub body: String,
}

/// A stored operation id, for exactly-once delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRow {
    pub id: OperationId,
    pub device: DeviceId,
    /// SHA-256 of the operation's canonical JSON.
    pub content_hash: [u8; 32],
    pub seq: u64,
    pub received_at: DateTime<Utc>,
}

/// A checked contact log of a push, written with others of its batch by
/// [`Tx::log_contacts`]: the contact row, its change and its operation
/// record.
#[derive(Debug, Clone)]
pub struct ContactWrite<'a> {
    pub row: ContactRow,
    /// The log's JSON (`serde_json::to_string(&row.log)`).
    pub body: std::borrow::Cow<'a, str>,
    /// The operation that carried it (its `seq` is set by the store).
    pub op: OperationRow,
    /// The operation's HLC (the change's).
    pub hlc: Hlc,
}

/// A change to append to the change log (what pulls read).
#[derive(Debug, Clone)]
pub struct NewChange {
    pub kind: EntityKind,
    pub entity: uuid::Uuid,
    pub person: PersonId,
    pub team: TeamId,
    pub hlc: Hlc,
    /// Replace earlier changes of the same entity (mutable records): a pull
    /// then carries only the latest state.
    pub replace: bool,
}

/// One row of the change log with the current body of its record (JSON).
#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub seq: u64,
    pub kind: EntityKind,
    pub entity: uuid::Uuid,
    pub person: PersonId,
    pub team: TeamId,
    pub hlc: Hlc,
    /// The record's JSON: `PersonSnapshot`, `ContactLog`, `Review`,
    /// `CaseQueueItem` or `ConflictRecord`; `None` if it is gone.
    pub body: Option<String>,
}

/// One entry of the hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRow {
    pub seq: u64,
    /// Server time (UTC, RFC 3339).
    pub at: DateTime<Utc>,
    /// The user, or `admin-cli` / `server`.
    pub actor: String,
    pub device: Option<DeviceId>,
    /// The device's HLC of the change, for pushed operations.
    pub device_hlc: Option<Hlc>,
    /// What happened, e.g. `push.log_contact`, `read.person`, `case.move`.
    pub action: String,
    /// The record, e.g. `person:<uuid>`; ids only, never content.
    pub entity: String,
    /// On what basis: the role and the rule that allowed it.
    pub basis: String,
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 over `prev_hash` and this entry.
    pub hash: String,
}

/// What an indexed audit search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTag {
    /// Entries whose entity's first `person:` is this person.
    Person(PersonId),
    /// Entries whose entity's first `case:` is this case.
    Case(CaseId),
    /// Entries of this actor (a user id, `admin-cli`, …).
    Actor(String),
}

/// One transaction's view of the store. Every method is one small,
/// indexed statement; none of them decides anything.
pub trait Tx {
    // Teams and users.
    fn insert_team(&mut self, team: &TeamRow) -> StoreResult<()>;
    fn team(&mut self, id: TeamId) -> StoreResult<Option<TeamRow>>;
    fn teams(&mut self) -> StoreResult<Vec<TeamRow>>;
    fn insert_user(&mut self, user: &UserRow) -> StoreResult<()>;
    fn user(&mut self, id: UserId) -> StoreResult<Option<UserRow>>;
    fn user_by_name(&mut self, username: &str) -> StoreResult<Option<UserRow>>;
    fn users(&mut self) -> StoreResult<Vec<UserRow>>;
    fn set_password(&mut self, id: UserId, phc: &str) -> StoreResult<bool>;
    /// Marks an account active or not; false if there is no such user.
    fn set_user_active(&mut self, id: UserId, active: bool) -> StoreResult<bool>;

    // Enrolment codes, devices, sessions.
    fn insert_enrol_code(
        &mut self,
        code_hash: &[u8; 32],
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Marks the code used and returns its user, if it exists, is unused and
    /// has not expired at `now`.
    fn take_enrol_code(
        &mut self,
        code_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>>;
    /// Whether a code exists, is unused and has not expired at `now`
    /// (read only).
    fn enrol_code_valid(&mut self, code_hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<bool>;
    fn insert_device(&mut self, device: &DeviceRow) -> StoreResult<()>;
    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> StoreResult<Option<DeviceRow>>;
    fn devices(&mut self) -> StoreResult<Vec<DeviceRow>>;
    fn revoke_device(&mut self, id: DeviceId, at: DateTime<Utc>) -> StoreResult<bool>;
    fn insert_session(
        &mut self,
        token_hash: &[u8; 32],
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    fn session_user(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>>;
    fn delete_session(&mut self, token_hash: &[u8; 32]) -> StoreResult<()>;
    /// Ends every session and every pending login of a user; returns how
    /// many sessions there were.
    fn delete_sessions_of(&mut self, user: UserId) -> StoreResult<u64>;
    /// Moves a session's expiry later (never earlier): the console's idle
    /// timeout slides with use.
    fn extend_session(
        &mut self,
        token_hash: &[u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    // Console logins waiting for their second step (TOTP). In the store,
    // not in memory, so that any server instance can finish the login.
    /// Records a login waiting for its code until `expires_at`, and forgets
    /// the ones already expired at `now`.
    fn insert_pending_login(
        &mut self,
        ticket_hash: &[u8; 32],
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The user of a pending login still valid at `now`, with its failed
    /// tries so far.
    fn pending_login(
        &mut self,
        ticket_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(UserId, u32)>>;
    /// Counts one more wrong code.
    fn fail_pending_login(&mut self, ticket_hash: &[u8; 32]) -> StoreResult<()>;
    fn delete_pending_login(&mut self, ticket_hash: &[u8; 32]) -> StoreResult<()>;

    // Exactly-once.
    fn insert_operation(&mut self, op: &OperationRow) -> StoreResult<()>;
    /// The stored operations among `ids` (a whole push in one statement).
    fn operations(&mut self, ids: &[OperationId]) -> StoreResult<Vec<OperationRow>>;

    // Records.
    fn person(&mut self, id: PersonId) -> StoreResult<Option<PersonRow>>;
    fn put_person(&mut self, row: &PersonRow) -> StoreResult<()>;
    fn contact(&mut self, id: ContactId) -> StoreResult<Option<ContactRow>>;
    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()>;
    /// [`Tx::insert_contact`] with the log's JSON already encoded
    /// (`serde_json::to_string(&row.log)`), so the single writer thread
    /// need not encode it.
    fn insert_contact_encoded(&mut self, row: &ContactRow, body: &str) -> StoreResult<()>;
    /// Writes a run of checked contact logs of one push, in order: each
    /// contact row, its change (never replacing another) and its operation
    /// record carrying that change's number. Returns the change numbers,
    /// one per log. The backends do this in a few statements per run
    /// rather than three per log; this default is the plain loop.
    fn log_contacts(&mut self, logs: &[ContactWrite<'_>]) -> StoreResult<Vec<u64>> {
        let mut seqs = Vec::with_capacity(logs.len());
        for w in logs {
            self.insert_contact_encoded(&w.row, &w.body)?;
            let seq = self.append_change(&NewChange {
                kind: EntityKind::Contact,
                entity: w.row.log.id.0,
                person: w.row.log.person_id,
                team: w.row.team,
                hlc: w.hlc,
                replace: false,
            })?;
            self.insert_operation(&OperationRow {
                seq,
                ..w.op.clone()
            })?;
            seqs.push(seq);
        }
        Ok(seqs)
    }
    /// Which of `ids` are stored contact revisions (one statement).
    fn contacts_exist(&mut self, ids: &[ContactId]) -> StoreResult<Vec<ContactId>>;
    fn contact_count(&mut self) -> StoreResult<u64>;
    fn put_review(&mut self, team: TeamId, review: &Review) -> StoreResult<()>;
    fn case(&mut self, id: CaseId) -> StoreResult<Option<CaseRow>>;
    fn cases_of_person(&mut self, person: PersonId) -> StoreResult<Vec<CaseRow>>;
    /// The cases that list `person` as a household member
    /// (`CaseQueueItem::household`), newest first.
    fn household_cases_of_person(&mut self, person: PersonId) -> StoreResult<Vec<CaseRow>>;
    /// Every case, emergencies first, then oldest first.
    fn cases(&mut self) -> StoreResult<Vec<CaseRow>>;
    /// Cases whose latest change is after `cursor`, in sequence order.
    fn cases_after(&mut self, cursor: u64, limit: u32) -> StoreResult<Vec<CaseRow>>;
    fn put_case(&mut self, row: &CaseRow) -> StoreResult<()>;
    fn insert_case_move(&mut self, mv: &CaseMove) -> StoreResult<()>;
    fn visit(&mut self, id: outreach_shared::VisitId) -> StoreResult<Option<VisitRow>>;
    /// Inserts or replaces a visit.
    fn put_visit(&mut self, row: &VisitRow) -> StoreResult<()>;
    /// A team's visits not yet finished, oldest start first.
    fn open_visits(&mut self, team: TeamId) -> StoreResult<Vec<VisitRow>>;
    /// Inserts or replaces a 地域資源 of the catalogue (table `resources`,
    /// schema step 6).
    fn put_resource(&mut self, r: &outreach_shared::LocalResource) -> StoreResult<()>;
    fn resource(
        &mut self,
        id: outreach_shared::ResourceId,
    ) -> StoreResult<Option<outreach_shared::LocalResource>>;
    /// The whole catalogue, in no particular order.
    fn resources(&mut self) -> StoreResult<Vec<outreach_shared::LocalResource>>;
    /// Inserts a 参加支援 record (table `participation`, schema step 6);
    /// records are append-only.
    fn insert_participation(
        &mut self,
        team: TeamId,
        r: &outreach_shared::ParticipationRecord,
    ) -> StoreResult<()>;
    fn participation(
        &mut self,
        id: outreach_shared::ParticipationId,
    ) -> StoreResult<Option<outreach_shared::ParticipationRecord>>;
    /// Inserts one version of an evaluation narrative (table
    /// `narratives`, schema step 6); a version is never rewritten.
    fn insert_narrative(&mut self, n: &outreach_shared::Narrative) -> StoreResult<()>;
    /// Inserts one version of the coordinator's choice of anonymised
    /// excerpts (table `excerpt_choices`, schema step 7); never rewritten.
    fn insert_excerpt_choice(&mut self, c: &outreach_shared::ExcerptChoice) -> StoreResult<()>;
    /// Every version of every viewpoint's excerpt choice for a period.
    fn excerpt_choices(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<outreach_shared::ExcerptChoice>>;
    /// Every version of every viewpoint's narrative for a report period.
    fn narratives(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<outreach_shared::Narrative>>;
    /// Inserts a community activity of 地域づくり (table
    /// `community_activities`, schema step 7); append-only.
    fn insert_community_activity(
        &mut self,
        a: &outreach_shared::CommunityActivity,
    ) -> StoreResult<()>;
    fn community_activity(
        &mut self,
        id: outreach_shared::CommunityActivityId,
    ) -> StoreResult<Option<outreach_shared::CommunityActivity>>;
    /// Community activities held in `[from, to)`, of one team or of all,
    /// oldest first.
    fn community_activities(
        &mut self,
        team: Option<TeamId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<outreach_shared::CommunityActivity>>;
    /// A person's 参加支援 records, oldest first.
    fn participation_of(
        &mut self,
        person: PersonId,
    ) -> StoreResult<Vec<outreach_shared::ParticipationRecord>>;
    fn case_moves(&mut self, case: CaseId) -> StoreResult<Vec<CaseMove>>;
    fn insert_conflict(
        &mut self,
        id: uuid::Uuid,
        team: TeamId,
        conflict: &ConflictRecord,
    ) -> StoreResult<()>;

    // The change log.
    /// Appends a change and returns its sequence number.
    fn append_change(&mut self, change: &NewChange) -> StoreResult<u64>;
    /// Changes after `cursor`, oldest first, at most `limit`; only those of
    /// `team` when given.
    fn changes_after(
        &mut self,
        team: Option<TeamId>,
        cursor: u64,
        limit: u32,
    ) -> StoreResult<Vec<ChangeRow>>;

    // The audit log.
    fn audit_head(&mut self) -> StoreResult<Option<(u64, String)>>;
    /// Appends an entry. By commit time the backend also stores the head
    /// of the chain (`seq:hash` of the last entry) under the settings key
    /// [`AUDIT_HEAD_KEY`], so a cut tail is detectable.
    fn append_audit(&mut self, entry: &AuditRow) -> StoreResult<()>;
    fn audit_entries(&mut self, after: u64, limit: u32) -> StoreResult<Vec<AuditRow>>;
    /// Entries before `before` that `tag` names, newest first, at most
    /// `limit` (indexed: the first `person:` and `case:` of an entity, and
    /// the actor).
    fn audit_tagged(
        &mut self,
        tag: &AuditTag,
        before: u64,
        limit: u32,
    ) -> StoreResult<Vec<AuditRow>>;

    // Meetings of the case queue (the console's records; never synced to
    // tablets). The body is the console's JSON of one meeting.
    fn insert_meeting(
        &mut self,
        id: uuid::Uuid,
        case: CaseId,
        held_on: chrono::NaiveDate,
        body: &str,
    ) -> StoreResult<()>;
    /// A case's meetings (JSON bodies), oldest first.
    fn meetings_of_case(&mut self, case: CaseId) -> StoreResult<Vec<String>>;
    /// Every meeting held in `from..=to` (JSON bodies), oldest first.
    fn meetings_between(
        &mut self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<String>>;
    /// One meeting's current version (JSON body).
    fn meeting(&mut self, id: uuid::Uuid) -> StoreResult<Option<String>>;
    /// Replaces a meeting's current version (the engine keeps the earlier
    /// one as a [`CaseDocKind::MeetingVersion`] first); whether it existed.
    fn update_meeting(
        &mut self,
        id: uuid::Uuid,
        held_on: chrono::NaiveDate,
        body: &str,
    ) -> StoreResult<bool>;

    // A case's structured records: plans, monitoring, closure evaluations,
    // 支援会議 records, earlier meeting versions (append-only).
    fn insert_case_doc(&mut self, doc: &CaseDoc) -> StoreResult<()>;
    /// A case's documents of one kind, in the order they were written.
    fn case_docs(&mut self, case: CaseId, kind: CaseDocKind) -> StoreResult<Vec<CaseDoc>>;
    /// One document's versions, oldest first.
    fn doc_versions(&mut self, kind: CaseDocKind, doc: uuid::Uuid) -> StoreResult<Vec<CaseDoc>>;
    /// Every document of one kind, in the order written (the board's
    /// overdue list, the evaluation report).
    fn all_case_docs(&mut self, kind: CaseDocKind) -> StoreResult<Vec<CaseDoc>>;

    // Small server settings (server HLC node, feed signing key).
    fn meta(&mut self, key: &str) -> StoreResult<Option<String>>;
    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()>;

    // Per-operation atomicity inside a batch.
    fn savepoint(&mut self) -> StoreResult<()>;
    fn release_savepoint(&mut self) -> StoreResult<()>;
    fn rollback_savepoint(&mut self) -> StoreResult<()>;
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    /// Runs `f` in one write transaction; commits (durably) iff it returns Ok.
    fn write_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>) -> StoreResult<()>;
    /// Runs `f` in a read-only transaction (a consistent snapshot).
    fn read_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>) -> StoreResult<()>;
    /// A short name for logs, e.g. `sqlite`.
    fn backend(&self) -> &'static str;
}

/// Runs `f` in a write transaction; an `Err` from `f` rolls back and is
/// returned as is.
pub fn write<R, E: From<StoreError>>(
    store: &dyn Store,
    f: impl FnOnce(&mut dyn Tx) -> Result<R, E>,
) -> Result<R, E> {
    run(store, true, f)
}

/// Runs `f` in a read transaction.
pub fn read<R, E: From<StoreError>>(
    store: &dyn Store,
    f: impl FnOnce(&mut dyn Tx) -> Result<R, E>,
) -> Result<R, E> {
    run(store, false, f)
}

fn run<R, E: From<StoreError>>(
    store: &dyn Store,
    writing: bool,
    f: impl FnOnce(&mut dyn Tx) -> Result<R, E>,
) -> Result<R, E> {
    let mut f = Some(f);
    let mut out: Option<Result<R, E>> = None;
    let mut body = |tx: &mut dyn Tx| -> StoreResult<()> {
        let f = f.take().ok_or(StoreError::Aborted)?;
        let r = f(tx);
        let failed = r.is_err();
        out = Some(r);
        if failed {
            Err(StoreError::Aborted)
        } else {
            Ok(())
        }
    };
    let res = if writing {
        store.write_tx(&mut body)
    } else {
        store.read_tx(&mut body)
    };
    match (res, out) {
        (Err(StoreError::Aborted), Some(Err(e))) => Err(e),
        (Err(e), _) => Err(e.into()),
        (Ok(()), Some(r)) => r,
        (Ok(()), None) => Err(StoreError::Aborted.into()),
    }
}

/// Where the data lives, parsed from `--database`. Its `Debug` form hides
/// a PostgreSQL URL (it may carry a password).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            DatabaseUrl::Postgres(_) => f.write_str("Postgres(<hidden>)"),
        }
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::UnsupportedUrl(
                    "sqlite:// needs a file path".into(),
                ));
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(s.to_owned()))
        } else {
            Err(StoreError::UnsupportedUrl(
                "expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE".into(),
            ))
        }
    }
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite: `synchronous=FULL` (fsync at every commit) when true; `NORMAL`
    /// (WAL: durable against a crash of the process, not of the machine)
    /// when false.
    pub sync_full: bool,
    /// PostgreSQL: most connections this instance has open at once (idle
    /// and in use together).
    pub pg_pool: usize,
    /// PostgreSQL: how long a transaction waits for a connection when all
    /// `pg_pool` are in use, before [`StoreError::Saturated`].
    pub pg_pool_wait: std::time::Duration,
    /// PostgreSQL: PEM file of the CA(s) that signed the database server's
    /// certificate. Given, every connection uses TLS and verifies the
    /// server against it (and the URL's host name); absent, connections are
    /// plain (a Unix socket, or an encrypted network segment).
    pub pg_ca_file: Option<PathBuf>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sync_full: true,
            pg_pool: 16,
            pg_pool_wait: std::time::Duration::from_secs(5),
            pg_ca_file: None,
        }
    }
}

/// Opens the backend the URL names.
pub fn open(url: &DatabaseUrl, opts: &StoreOptions) -> StoreResult<Arc<dyn Store>> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(sqlite::SqliteStore::open(path, opts)?)),
        DatabaseUrl::Postgres(url) => Ok(Arc::new(postgres::PgStore::open(url, opts)?)),
    }
}
