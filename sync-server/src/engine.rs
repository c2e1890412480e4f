//! The server's domain logic over a [`Tx`]: exactly-once push with field
//! merge, visibility-filtered pull, reviews, the 多機関協働 case queue and
//! enrolment. Backend-independent: every backend runs this same code.
//!
//! Every decision about who may see or change what goes through
//! `shared::access::decide`; every change and every read of a person's
//! record appends an audit entry in the same transaction as the change.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Actor, Decision, Resource, Role, decide};
use outreach_shared::merge::household::{self, LegacyMemberChange};
use outreach_shared::merge::{FieldMerge, Versioned, merge_field};
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseId, CaseQueueItem, CaseStatus, ConsentRecord, ContactId, DeviceId, Hlc, HlcClock,
    OperationId, Person, PersonId, Review, Stage, TeamId, UserId, ValidationContext,
    ValidationErrors, Violation,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::error::ApiError;
use crate::store::*;

/// The server's own hybrid logical clock, for changes it makes itself
/// (reviews, case moves). Observes every pushed HLC.
pub struct ServerClock {
    clock: Mutex<HlcClock>,
}

impl ServerClock {
    pub fn new(node: DeviceId) -> Self {
        Self {
            clock: Mutex::new(HlcClock::new(node)),
        }
    }

    /// A fresh timestamp.
    pub fn now(&self) -> Hlc {
        let ms = Utc::now().timestamp_millis().max(0) as u64;
        match self.clock.lock() {
            Ok(mut c) => c.now(ms),
            Err(p) => p.into_inner().now(ms),
        }
    }

    /// Takes in a device's timestamp; refuses one too far ahead.
    pub fn observe(&self, remote: Hlc) -> Result<(), outreach_shared::HlcError> {
        let ms = Utc::now().timestamp_millis().max(0) as u64;
        let mut c = match self.clock.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        c.observe(remote, ms).map(|_| ())
    }

    /// The server's node id, kept in the store's settings.
    pub fn load_node(tx: &mut dyn Tx) -> StoreResult<DeviceId> {
        if let Some(s) = tx.meta("server_node")?
            && let Ok(id) = DeviceId::parse(&s)
        {
            return Ok(id);
        }
        let id = crypto::new_id(DeviceId::new_v7);
        tx.set_meta("server_node", &id.to_string())?;
        Ok(id)
    }
}

/// Who is calling: the rule's actor, plus the device for tablets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub device: Option<DeviceId>,
}

impl Caller {
    fn basis(&self, rule: &str) -> String {
        format!("{}; {rule}", role_name(self.actor.role))
    }

    fn event(&self, action: &str, entity: String, basis: String, hlc: Option<Hlc>) -> AuditEvent {
        AuditEvent {
            actor: self.actor.user.to_string(),
            device: self.device,
            device_hlc: hlc,
            action: action.to_owned(),
            entity,
            basis,
        }
    }
}

/// The role's wire name.
pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::OutreachWorker => "outreach_worker",
        Role::Supervisor => "supervisor",
        Role::Coordinator => "coordinator",
        Role::AgencyMember => "agency_member",
    }
}

/// The actor of a user row.
pub fn actor_of(u: &UserRow) -> Actor {
    Actor {
        user: u.id,
        role: u.role,
        team: u.team,
        agency: u.agency.clone(),
    }
}

fn deny_text(d: Decision) -> String {
    match d {
        Decision::Allow => "allowed".into(),
        Decision::Deny(r) => {
            let r = serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("not allowed ({r})")
        }
    }
}

fn latest_case(tx: &mut dyn Tx, person: PersonId) -> StoreResult<Option<CaseQueueItem>> {
    let cases = tx.cases_of_person(person)?;
    let open = cases.iter().find(|c| c.item.status.is_open()).cloned();
    Ok(open.or_else(|| cases.into_iter().next()).map(|c| c.item))
}

// ---------------------------------------------------------------------------
// Push
// ---------------------------------------------------------------------------

enum OpError {
    Rejected(Rejection),
    Store(StoreError),
}

impl From<StoreError> for OpError {
    fn from(e: StoreError) -> Self {
        OpError::Store(e)
    }
}

fn reject(code: RejectCode, message: impl Into<String>) -> OpError {
    OpError::Rejected(Rejection {
        code,
        message: message.into(),
        field_errors: Vec::new(),
    })
}

fn reject_invalid(e: ValidationErrors) -> OpError {
    OpError::Rejected(Rejection {
        code: RejectCode::Invalid,
        message: e.to_string(),
        field_errors: e.0,
    })
}

/// The canonical content hash of an operation (its JSON as `shared`
/// serializes it; struct fields and sets serialize in a fixed order).
pub fn operation_hash(op: &Operation) -> [u8; 32] {
    crypto::sha256(&serde_json::to_vec(op).unwrap_or_default())
}

/// The part of a push that needs no database, computed for each operation
/// before the batch queues for the single writer thread (see
/// [`prepare_push`]): the writer then spends its time only on what must be
/// serial.
pub struct PreparedOp {
    /// [`operation_hash`] of the operation.
    hash: [u8; 32],
    /// A contact log's JSON as the store keeps it (`None` for other kinds).
    contact_json: Option<String>,
}

/// Prepares a batch for [`push_prepared`]: hashes each operation and encodes
/// each contact log. Runs on the request's own thread, in parallel with the
/// writer committing other batches.
pub fn prepare_push(ops: &[Operation]) -> Vec<PreparedOp> {
    ops.iter()
        .map(|op| PreparedOp {
            hash: operation_hash(op),
            contact_json: match &op.payload {
                Payload::LogContact(c) => serde_json::to_string(c).ok(),
                _ => None,
            },
        })
        .collect()
}

/// Applies a batch, each operation once, each answered on its own. The
/// caller commits the transaction before answering.
pub fn push(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    ops: &[Operation],
    now: DateTime<Utc>,
) -> StoreResult<Vec<OperationResult>> {
    push_prepared(tx, caller, clock, ops, &prepare_push(ops), now)
}

/// [`push`] with the batch already prepared by [`prepare_push`] (`prepared`
/// has one entry per operation, in order).
pub fn push_prepared(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    ops: &[Operation],
    prepared: &[PreparedOp],
    now: DateTime<Utc>,
) -> StoreResult<Vec<OperationResult>> {
    if prepared.len() != ops.len() {
        return Err(StoreError::Corrupt(
            "a prepared push does not match its operations".into(),
        ));
    }
    let mut results = Vec::with_capacity(ops.len());
    let ids: Vec<OperationId> = ops.iter().map(|o| o.id).collect();
    let mut seen_ops: HashMap<OperationId, OperationRow> = tx
        .operations(&ids)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let contact_ids: Vec<ContactId> = ops
        .iter()
        .filter_map(|o| match &o.payload {
            Payload::LogContact(c) => Some(c.id),
            _ => None,
        })
        .collect();
    let mut cache = BatchCache {
        persons: PersonCache::new(),
        contacts: tx.contacts_exist(&contact_ids)?.into_iter().collect(),
    };
    for (op, prep) in ops.iter().zip(prepared) {
        if !matches!(op.payload, Payload::LogContact(_)) {
            cache.persons.clear();
        }
        let hash = prep.hash;
        let outcome = if let Some(seen) = seen_ops.get(&op.id) {
            if seen.content_hash == hash {
                Outcome::Duplicate { seq: seen.seq }
            } else {
                tracing::warn!(operation = %op.id, "operation id reused with different content");
                Outcome::Conflict {
                    message: "this operation id was already stored with different content; it is never overwritten".into(),
                }
            }
        } else {
            // A contact log makes every check before its first write, so a
            // rejection has nothing to undo; the other kinds get a savepoint.
            let guarded = !matches!(op.payload, Payload::LogContact(_));
            if guarded {
                tx.savepoint()?;
            }
            match apply(tx, caller, clock, op, prep, now, &mut cache) {
                Ok(seq) => {
                    let row = OperationRow {
                        id: op.id,
                        device: op.device_id,
                        content_hash: hash,
                        seq,
                        received_at: now,
                    };
                    tx.insert_operation(&row)?;
                    // The same id again later in this batch is a duplicate.
                    seen_ops.insert(op.id, row);
                    if guarded {
                        tx.release_savepoint()?;
                    }
                    Outcome::Applied { seq }
                }
                Err(OpError::Rejected(r)) => {
                    if guarded {
                        tx.rollback_savepoint()?;
                    }
                    Outcome::Rejected(r)
                }
                Err(OpError::Store(e)) => return Err(e),
            }
        };
        results.push(OperationResult { id: op.id, outcome });
    }
    Ok(results)
}

const FIELD_NAMES: [&str; 12] = [
    "alias",
    "kana",
    "birth_year",
    "sex",
    "area",
    "noticed_by",
    "summary",
    "household",
    "fields",
    "assigned_worker",
    "stage",
    "consent",
];

/// Per-batch cache of a person's team and case, for runs of contact logs
/// (cleared by any other kind of operation, which may change them).
type PersonCache = HashMap<PersonId, Option<(TeamId, Option<CaseQueueItem>)>>;

/// What a push looks up once for its whole batch instead of once per
/// operation (one statement each; on PostgreSQL, one round trip each).
struct BatchCache {
    persons: PersonCache,
    /// The batch's contact revision ids already stored (before the batch,
    /// or by an earlier operation of it).
    contacts: HashSet<ContactId>,
}

fn apply(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    op: &Operation,
    prep: &PreparedOp,
    now: DateTime<Utc>,
    cache: &mut BatchCache,
) -> Result<u64, OpError> {
    if Some(op.device_id) != caller.device {
        return Err(reject(
            RejectCode::Forbidden,
            "the operation names another device",
        ));
    }
    let ctx = ValidationContext::at(now);
    op.validate(&ctx).map_err(reject_invalid)?;
    if clock.observe(op.hlc).is_err() {
        let mut e = ValidationErrors::default();
        e.push("hlc", Violation::InFuture);
        return Err(reject_invalid(e));
    }
    let actor = &caller.actor;
    match &op.payload {
        Payload::CreatePerson(p) => {
            let d = decide(
                actor,
                Action::Write,
                Resource::Person {
                    team: p.team,
                    case: None,
                },
            );
            if !d.is_allowed() {
                return Err(reject(
                    RejectCode::Forbidden,
                    format!("create person: {}", deny_text(d)),
                ));
            }
            if tx.person(p.id)?.is_some() {
                return Err(reject(
                    RejectCode::StaleState,
                    "a person with this id already exists",
                ));
            }
            let versions = FIELD_NAMES
                .iter()
                .map(|n| (n.to_string(), op.hlc))
                .collect();
            let row = PersonRow {
                snapshot: PersonSnapshot {
                    person: p.clone(),
                    versions,
                },
                bases: BTreeMap::new(),
            };
            tx.put_person(&row)?;
            let seq = person_changed(tx, p, op.hlc)?;
            audit::append(
                tx,
                caller.event(
                    "push.create_person",
                    format!("person:{}", p.id),
                    caller.basis("own team caseload"),
                    Some(op.hlc),
                ),
                now,
            )?;
            Ok(seq)
        }
        Payload::UpdatePerson { changes } => {
            let (mut row, _) = person_for_write(tx, actor, op.entity.id)?;
            let mut conflicts = Vec::new();
            for ch in changes {
                let PersonField::Household(list) = &ch.set else {
                    conflicts.extend(merge_change(&mut row, ch.set.clone(), op.hlc, ch.base));
                    continue;
                };
                // A protocol-1 whole-list change (made before the app was
                // updated): member by member, never over a newer edit
                // (shared::merge::household).
                let current = row.snapshot.person.household.clone();
                let legacy =
                    household::legacy_list_changes(&current, &row.snapshot.versions, list, ch.base);
                for m in legacy {
                    match m {
                        LegacyMemberChange::Apply { id, member } => conflicts.extend(merge_change(
                            &mut row,
                            PersonField::HouseholdMember { id, member },
                            op.hlc,
                            ch.base,
                        )),
                        LegacyMemberChange::KeepCurrent { id, other } => {
                            let key = household::member_key(id);
                            conflicts.push(ConflictRecord {
                                person_id: row.snapshot.person.id,
                                kept: field_value(&PersonField::HouseholdMember {
                                    id,
                                    member: current.member(id).cloned(),
                                }),
                                kept_hlc: household::member_version(&row.snapshot.versions, id)
                                    .unwrap_or(op.hlc),
                                other: field_value(&PersonField::HouseholdMember {
                                    id,
                                    member: other,
                                }),
                                other_hlc: op.hlc,
                                field: key,
                            });
                        }
                    }
                }
            }
            finish_person(tx, caller, op, row, conflicts, "push.update_person", now)
        }
        Payload::ChangeStage {
            from,
            to,
            base,
            note,
        } => {
            let (mut row, _) = person_for_write(tx, actor, op.entity.id)?;
            let current = row.snapshot.person.stage;
            if current != *from && current != *to && !current.can_move_to(*to) {
                let mut e = ValidationErrors::default();
                e.push(
                    "payload.from",
                    Violation::StageTransitionNotAllowed {
                        from: current.code(),
                        to: to.code(),
                    },
                );
                return Err(OpError::Rejected(Rejection {
                    code: RejectCode::StaleState,
                    message: "the person is no longer in the stage this change starts from".into(),
                    field_errors: e.0,
                }));
            }
            let conflicts = merge_one(
                &mut row,
                "stage",
                current,
                *to,
                op.hlc,
                *base,
                |p, v: Stage| p.stage = v,
            );
            // The note (why, to whom) goes with the stage it was given for.
            if row.snapshot.versions.get("stage") == Some(&op.hlc) {
                row.snapshot.person.stage_note = note.clone();
            }
            finish_person(
                tx,
                caller,
                op,
                row,
                conflicts.into_iter().collect(),
                "push.change_stage",
                now,
            )
        }
        Payload::RecordConsent { consent, base } => {
            let (mut row, _) = person_for_write(tx, actor, op.entity.id)?;
            let current = row.snapshot.person.consent.clone();
            let conflicts = merge_one(
                &mut row,
                "consent",
                current,
                consent.clone(),
                op.hlc,
                *base,
                |p, v: ConsentRecord| p.consent = v,
            );
            let new_consent = row.snapshot.person.consent.clone();
            let person_id = row.snapshot.person.id;
            let seq = finish_person(
                tx,
                caller,
                op,
                row,
                conflicts.into_iter().collect(),
                "push.record_consent",
                now,
            )?;
            follow_consent(tx, clock, person_id, &new_consent, now)?;
            Ok(seq)
        }
        Payload::LogContact(c) => {
            if c.author != actor.user {
                return Err(reject(
                    RejectCode::Forbidden,
                    "a contact log's author must be the device's worker",
                ));
            }
            if let std::collections::hash_map::Entry::Vacant(slot) =
                cache.persons.entry(c.person_id)
            {
                let found = match tx.person(c.person_id)? {
                    Some(p) => Some((p.snapshot.person.team, latest_case(tx, c.person_id)?)),
                    None => None,
                };
                slot.insert(found);
            }
            let Some(Some((team, case))) = cache.persons.get(&c.person_id).cloned() else {
                return Err(reject(
                    RejectCode::NotFound,
                    "the person of this contact is not stored (yet)",
                ));
            };
            let d = decide(
                actor,
                Action::Write,
                Resource::ContactLog {
                    team,
                    author: c.author,
                    case: case.as_ref(),
                },
            );
            if !d.is_allowed() {
                return Err(reject(
                    RejectCode::Forbidden,
                    format!("log contact: {}", deny_text(d)),
                ));
            }
            if cache.contacts.contains(&c.id) {
                return Err(reject(
                    RejectCode::AppendOnly,
                    "contact logs are append-only: this revision id exists; send a new revision",
                ));
            }
            if let Some(prev) = c.revises {
                match tx.contact(prev)? {
                    None => {
                        return Err(reject(
                            RejectCode::NotFound,
                            "the revision this one corrects is not stored (yet)",
                        ));
                    }
                    Some(p) if p.log.person_id != c.person_id => {
                        let mut e = ValidationErrors::default();
                        e.push(
                            "payload.revises",
                            Violation::Contradicts {
                                other: "person_id".into(),
                            },
                        );
                        return Err(reject_invalid(e));
                    }
                    Some(_) => {}
                }
            }
            let row = ContactRow {
                log: c.clone(),
                team,
            };
            match &prep.contact_json {
                Some(body) => tx.insert_contact_encoded(&row, body)?,
                None => tx.insert_contact(&row)?,
            }
            cache.contacts.insert(c.id);
            let seq = tx.append_change(&NewChange {
                kind: EntityKind::Contact,
                entity: c.id.0,
                person: c.person_id,
                team,
                hlc: op.hlc,
                replace: false,
            })?;
            audit::append(
                tx,
                caller.event(
                    "push.log_contact",
                    format!("contact:{} person:{}", c.id, c.person_id),
                    caller.basis("own team caseload"),
                    Some(op.hlc),
                ),
                now,
            )?;
            Ok(seq)
        }
        Payload::Escalate(e) => {
            if e.raised_by != actor.user {
                return Err(reject(
                    RejectCode::Forbidden,
                    "an escalation must be raised by the device's worker",
                ));
            }
            let (row, _) = person_for_write(tx, actor, e.person_id.0)?;
            let person = &row.snapshot.person;
            e.validate(&ctx, &person.consent).map_err(|v| {
                let mut n = ValidationErrors::default();
                n.nest("payload", Err(v));
                reject_invalid(n)
            })?;
            if tx.case(e.case_id)?.is_some() {
                return Err(reject(
                    RejectCode::StaleState,
                    "a case with this id already exists",
                ));
            }
            if tx
                .cases_of_person(e.person_id)?
                .iter()
                .any(|c| c.item.status.is_open())
            {
                return Err(reject(
                    RejectCode::StaleState,
                    "the person already has an open case in the queue",
                ));
            }
            let item = CaseQueueItem::received(e.clone(), now);
            let team = person.team;
            let seq = save_case(tx, &item, team, op.hlc)?;
            tx.insert_case_move(&CaseMove {
                case_id: e.case_id,
                from: None,
                to: CaseStatus::Received,
                route: item.route,
                cause: CaseMoveCause::Escalated,
                by: Some(actor.user),
                at: now,
            })?;
            audit::append(
                tx,
                caller.event(
                    "push.escalate",
                    format!("case:{} person:{}", e.case_id, e.person_id),
                    caller.basis("own team caseload; route by consent"),
                    Some(op.hlc),
                ),
                now,
            )?;
            Ok(seq)
        }
    }
}

fn person_for_write(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<(PersonRow, Option<CaseQueueItem>), OpError> {
    let Some(row) = tx.person(PersonId(id))? else {
        return Err(reject(
            RejectCode::NotFound,
            "the person is not stored (yet)",
        ));
    };
    let case = latest_case(tx, PersonId(id))?;
    let d = decide(
        actor,
        Action::Write,
        Resource::Person {
            team: row.snapshot.person.team,
            case: case.as_ref(),
        },
    );
    if !d.is_allowed() {
        return Err(reject(
            RejectCode::Forbidden,
            format!("change person: {}", deny_text(d)),
        ));
    }
    Ok((row, case))
}

/// Merges one person field (or household member) by HLC, under its key.
fn merge_change(
    row: &mut PersonRow,
    set: PersonField,
    hlc: Hlc,
    base: Option<Hlc>,
) -> Option<ConflictRecord> {
    let key = set.key();
    let current = set.read(&row.snapshot.person);
    merge_one(row, &key, current, set, hlc, base, |p, v| v.apply(p))
}

/// Merges one field by HLC; returns the conflict to keep, if any. A
/// household member without a version of its own has the household's.
fn merge_one<T: Clone + PartialEq + serde::Serialize>(
    row: &mut PersonRow,
    name: &str,
    current_value: T,
    incoming: T,
    hlc: Hlc,
    base: Option<Hlc>,
    set: impl Fn(&mut Person, T),
) -> Option<ConflictRecord> {
    let mut current = household::version_of(&row.snapshot.versions, name).map(|h| Versioned {
        value: current_value,
        hlc: h,
        base: row.bases.get(name).copied(),
    });
    let incoming = Versioned {
        value: incoming,
        hlc,
        base,
    };
    let result = merge_field(&mut current, incoming);
    let won = matches!(result, FieldMerge::Applied)
        || matches!(&result, FieldMerge::Conflict { winner, .. } if winner.hlc == hlc);
    if won && let Some(v) = current {
        set(&mut row.snapshot.person, v.value);
        row.snapshot.versions.insert(name.to_owned(), hlc);
        match base {
            Some(b) => row.bases.insert(name.to_owned(), b),
            None => row.bases.remove(name),
        };
    }
    match result {
        FieldMerge::Conflict { winner, loser } => Some(ConflictRecord {
            person_id: row.snapshot.person.id,
            field: name.to_owned(),
            kept: field_value(&winner.value),
            kept_hlc: winner.hlc,
            other: field_value(&loser.value),
            other_hlc: loser.hlc,
        }),
        _ => None,
    }
}

/// A field's value as JSON: the `value` part of a `PersonField`, or the
/// value itself.
fn field_value<T: serde::Serialize>(v: &T) -> serde_json::Value {
    let j = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    match j {
        serde_json::Value::Object(ref m) if m.contains_key("field") => {
            m.get("value").cloned().unwrap_or(serde_json::Value::Null)
        }
        other => other,
    }
}

fn person_changed(tx: &mut dyn Tx, p: &Person, hlc: Hlc) -> StoreResult<u64> {
    tx.append_change(&NewChange {
        kind: EntityKind::Person,
        entity: p.id.0,
        person: p.id,
        team: p.team,
        hlc,
        replace: true,
    })
}

#[allow(clippy::too_many_arguments)]
fn finish_person(
    tx: &mut dyn Tx,
    caller: &Caller,
    op: &Operation,
    row: PersonRow,
    conflicts: Vec<ConflictRecord>,
    action: &str,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    let ctx = ValidationContext::at(now);
    row.snapshot.person.validate(&ctx).map_err(|e| {
        let mut n = ValidationErrors::default();
        n.nest("merged", Err(e));
        reject_invalid(n)
    })?;
    let person = row.snapshot.person.clone();
    tx.put_person(&row)?;
    let seq = person_changed(tx, &person, op.hlc)?;
    for c in conflicts {
        let id = crypto::new_uuid();
        tx.insert_conflict(id, person.team, &c)?;
        tx.append_change(&NewChange {
            kind: EntityKind::Conflict,
            entity: id,
            person: person.id,
            team: person.team,
            hlc: op.hlc,
            replace: false,
        })?;
        audit::append(
            tx,
            caller.event(
                "merge.conflict_kept",
                format!("person:{} field:{}", person.id, c.field),
                caller.basis("field merge by HLC"),
                Some(op.hlc),
            ),
            now,
        )?;
    }
    audit::append(
        tx,
        caller.event(
            action,
            format!("person:{}", person.id),
            caller.basis("own team caseload"),
            Some(op.hlc),
        ),
        now,
    )?;
    Ok(seq)
}

/// Stores a case and its change; returns the change's sequence number.
fn save_case(tx: &mut dyn Tx, item: &CaseQueueItem, team: TeamId, hlc: Hlc) -> StoreResult<u64> {
    let seq = tx.append_change(&NewChange {
        kind: EntityKind::Case,
        entity: item.escalation.case_id.0,
        person: item.escalation.person_id,
        team,
        hlc,
        replace: true,
    })?;
    tx.put_case(&CaseRow {
        item: item.clone(),
        team,
        seq,
    })?;
    Ok(seq)
}

/// Withdrawn (or lost) consent moves open cases out of the 重層的支援会議.
fn follow_consent(
    tx: &mut dyn Tx,
    clock: &ServerClock,
    person: PersonId,
    consent: &ConsentRecord,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for mut row in tx.cases_of_person(person)? {
        let from = row.item.status;
        if row.item.follow_consent(consent, now) {
            let hlc = clock.now();
            save_case(tx, &row.item, row.team, hlc)?;
            tx.insert_case_move(&CaseMove {
                case_id: row.item.escalation.case_id,
                from: Some(from),
                to: row.item.status,
                route: row.item.route,
                cause: CaseMoveCause::ConsentChanged,
                by: None,
                at: now,
            })?;
            audit::append(
                tx,
                AuditEvent {
                    actor: "server".into(),
                    device: None,
                    device_hlc: None,
                    action: "case.follow_consent".into(),
                    entity: format!("case:{}", row.item.escalation.case_id),
                    basis: "consent withdrawn: moved out of the multi-layered support meeting"
                        .into(),
                },
                now,
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Pull
// ---------------------------------------------------------------------------

/// A pull page and the persons whose records it carried (for the audit).
pub struct PullPage {
    pub response: PullBody,
    pub persons_read: Vec<PersonId>,
}

/// A pull page as sent: the wire format of [`PullResponse`] (same fields,
/// same order, same JSON), but a stored record that goes out unchanged is
/// copied through as its stored JSON instead of being parsed and encoded
/// again. The store writes every body with `serde_json` from the same
/// `shared` types, so the bytes are those the typed path would produce.
#[derive(Debug, serde::Serialize)]
pub struct PullBody {
    pub protocol: ProtocolVersion,
    pub changes: Vec<ChangeOut>,
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
}

/// One change of a [`PullBody`]: the wire format of [`Change`].
#[derive(Debug, serde::Serialize)]
pub struct ChangeOut {
    pub seq: u64,
    pub hlc: Hlc,
    pub entity: EntityRef,
    pub body: BodyOut,
}

/// The wire format of [`ChangeBody`], with stored JSON passed through.
#[derive(Debug, serde::Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum BodyOut {
    /// A `PersonSnapshot` as stored.
    Person(Box<serde_json::value::RawValue>),
    /// A `ContactLog` as stored (nothing removed).
    Contact(Box<serde_json::value::RawValue>),
    /// A contact log with its reflection removed for this caller.
    #[serde(rename = "contact")]
    ContactRedacted(Box<outreach_shared::ContactLog>),
    /// A `Review` as stored.
    Review(Box<serde_json::value::RawValue>),
    Case(CaseStatusView),
    /// A `ConflictRecord` as stored.
    Conflict(Box<serde_json::value::RawValue>),
}

/// What the pull needs of a stored contact log to decide on it, read
/// without decoding the rest (the notes are skipped, not copied).
#[derive(serde::Deserialize)]
struct ContactProbe {
    author: UserId,
    #[serde(default)]
    reflection: Option<serde::de::IgnoredAny>,
}

/// Changes after `cursor` that the caller may see, filtered by
/// `shared::access::decide`; reflections the caller may not read are
/// removed from contact logs.
pub fn pull(tx: &mut dyn Tx, caller: &Caller, cursor: u64, limit: u32) -> StoreResult<PullPage> {
    let actor = &caller.actor;
    let team_filter = match actor.role {
        Role::OutreachWorker | Role::Supervisor => match actor.team {
            Some(t) => Some(t),
            None => {
                return Ok(PullPage {
                    response: PullBody {
                        protocol: ProtocolVersion::CURRENT,
                        changes: Vec::new(),
                        next_cursor: cursor,
                        has_more: false,
                        server_time: Utc::now(),
                    },
                    persons_read: Vec::new(),
                });
            }
        },
        Role::Coordinator | Role::AgencyMember => None,
    };
    let rows = tx.changes_after(team_filter, cursor, limit)?;
    let has_more = rows.len() as u32 == limit;
    let next_cursor = rows.last().map(|r| r.seq).unwrap_or(cursor);
    let mut cases: HashMap<PersonId, Option<CaseQueueItem>> = HashMap::new();
    let mut changes = Vec::with_capacity(rows.len());
    let mut persons_read = Vec::new();
    let mut seen = HashSet::new();
    for row in rows {
        let Some(body) = row.body.as_deref() else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(e) = cases.entry(row.person) {
            let c = latest_case(tx, row.person)?;
            e.insert(c);
        }
        let case = cases.get(&row.person).and_then(|c| c.as_ref());
        let person_res = Resource::Person {
            team: row.team,
            case,
        };
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("change body: {e}"));
        // Checks that the stored body is JSON and keeps it as is.
        let raw = |b: &str| serde_json::value::RawValue::from_string(b.to_owned()).map_err(corrupt);
        let (body, reads_person) = match row.kind {
            EntityKind::Person => {
                if !decide(actor, Action::Read, person_res).is_allowed() {
                    continue;
                }
                (BodyOut::Person(raw(body)?), true)
            }
            EntityKind::Conflict => {
                if !decide(actor, Action::Read, person_res).is_allowed() {
                    continue;
                }
                (BodyOut::Conflict(raw(body)?), true)
            }
            EntityKind::Contact => {
                let probe: ContactProbe = serde_json::from_str(body).map_err(corrupt)?;
                let res = Resource::ContactLog {
                    team: row.team,
                    author: probe.author,
                    case,
                };
                if !decide(actor, Action::Read, res).is_allowed() {
                    continue;
                }
                let refl = Resource::Reflection {
                    team: row.team,
                    author: probe.author,
                };
                let out = if probe.reflection.is_some()
                    && !decide(actor, Action::Read, refl).is_allowed()
                {
                    let mut log: outreach_shared::ContactLog =
                        serde_json::from_str(body).map_err(corrupt)?;
                    log.reflection = None;
                    BodyOut::ContactRedacted(Box::new(log))
                } else {
                    BodyOut::Contact(raw(body)?)
                };
                (out, true)
            }
            EntityKind::Review => {
                if !decide(actor, Action::Read, Resource::Review { team: row.team }).is_allowed() {
                    continue;
                }
                (BodyOut::Review(raw(body)?), false)
            }
            EntityKind::Case => {
                let item: CaseQueueItem = serde_json::from_str(body).map_err(corrupt)?;
                if !decide(
                    actor,
                    Action::Read,
                    Resource::Case {
                        item: &item,
                        team: row.team,
                    },
                )
                .is_allowed()
                {
                    continue;
                }
                (BodyOut::Case(status_view(&item)), false)
            }
        };
        if reads_person && seen.insert(row.person) {
            persons_read.push(row.person);
        }
        changes.push(ChangeOut {
            seq: row.seq,
            hlc: row.hlc,
            entity: EntityRef {
                kind: row.kind,
                id: row.entity,
            },
            body,
        });
    }
    Ok(PullPage {
        response: PullBody {
            protocol: ProtocolVersion::CURRENT,
            changes,
            next_cursor,
            has_more,
            server_time: Utc::now(),
        },
        persons_read,
    })
}

/// The worker-facing status of a case.
pub fn status_view(item: &CaseQueueItem) -> CaseStatusView {
    CaseStatusView {
        case_id: item.escalation.case_id,
        person_id: item.escalation.person_id,
        status: item.status,
        route: item.route,
        urgency: item.escalation.urgency,
        return_reason: item.return_reason.clone(),
        updated_at: item.updated_at,
    }
}

/// Records the persons a pull carried to the caller.
pub fn audit_pull(
    tx: &mut dyn Tx,
    caller: &Caller,
    persons: &[PersonId],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for p in persons {
        audit::append(
            tx,
            caller.event(
                "read.pull",
                format!("person:{p}"),
                caller.basis("visibility rule (shared::access)"),
                None,
            ),
            now,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Office API: person reads, reviews, the case queue, the feed
// ---------------------------------------------------------------------------

/// One person's record, if the caller may read it (audited).
pub fn read_person(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: PersonId,
    now: DateTime<Utc>,
) -> Result<PersonSnapshot, ApiError> {
    let hidden = || ApiError::not_found("no such person, or not visible to you");
    let row = tx.person(id)?.ok_or_else(hidden)?;
    let case = latest_case(tx, id)?;
    let d = decide(
        &caller.actor,
        Action::Read,
        Resource::Person {
            team: row.snapshot.person.team,
            case: case.as_ref(),
        },
    );
    if !d.is_allowed() {
        return Err(hidden());
    }
    audit::append(
        tx,
        caller.event(
            "read.person",
            format!("person:{id}"),
            caller.basis("visibility rule (shared::access)"),
            None,
        ),
        now,
    )?;
    Ok(row.snapshot)
}

/// A supervisor approves or returns a contact log.
pub fn review(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    req: &ReviewRequest,
    now: DateTime<Utc>,
) -> Result<ReviewResponse, ApiError> {
    let contact = tx
        .contact(req.contact_id)?
        .ok_or_else(|| ApiError::not_found("no such contact log"))?;
    let d = decide(
        &caller.actor,
        Action::Write,
        Resource::Review { team: contact.team },
    );
    if !d.is_allowed() {
        return Err(ApiError::forbidden(format!("review: {}", deny_text(d))));
    }
    let review = Review {
        contact_id: req.contact_id,
        reviewer: caller.actor.user,
        status: req.status,
        comment: req.comment.clone(),
        reviewed_at: now,
    };
    review.validate().map_err(ApiError::validation)?;
    tx.put_review(contact.team, &review)?;
    let seq = tx.append_change(&NewChange {
        kind: EntityKind::Review,
        entity: req.contact_id.0,
        person: contact.log.person_id,
        team: contact.team,
        hlc: clock.now(),
        replace: true,
    })?;
    audit::append(
        tx,
        caller.event(
            "review",
            format!(
                "contact:{} person:{}",
                req.contact_id, contact.log.person_id
            ),
            caller.basis("supervisor of the team"),
            None,
        ),
        now,
    )?;
    Ok(ReviewResponse {
        protocol: ProtocolVersion::CURRENT,
        review,
        seq,
    })
}

/// The queue as the caller may see it, emergencies first.
pub fn list_cases(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<CaseQueueItem>, ApiError> {
    let mut items: Vec<CaseQueueItem> = tx
        .cases()?
        .into_iter()
        .filter(|r| {
            decide(
                &caller.actor,
                Action::Read,
                Resource::Case {
                    item: &r.item,
                    team: r.team,
                },
            )
            .is_allowed()
        })
        .map(|r| r.item)
        .collect();
    // Open cases first, then by urgency (emergencies first), then oldest.
    items.sort_by_key(|i| {
        (
            !i.status.is_open(),
            i.escalation.urgency,
            i.escalation.raised_at,
        )
    });
    Ok(items)
}

fn case_for(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    action: Action,
) -> Result<CaseRow, ApiError> {
    let hidden = || ApiError::not_found("no such case, or not visible to you");
    let row = tx.case(id)?.ok_or_else(hidden)?;
    let read = decide(
        &caller.actor,
        Action::Read,
        Resource::Case {
            item: &row.item,
            team: row.team,
        },
    );
    if !read.is_allowed() {
        return Err(hidden());
    }
    if action == Action::Write {
        let d = decide(
            &caller.actor,
            Action::Write,
            Resource::Case {
                item: &row.item,
                team: row.team,
            },
        );
        if !d.is_allowed() {
            return Err(ApiError::forbidden(format!("move case: {}", deny_text(d))));
        }
    }
    Ok(row)
}

/// One case with its history (audited as a read).
pub fn case_detail(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseDetail, ApiError> {
    let row = case_for(tx, caller, id, Action::Read)?;
    let moves = tx.case_moves(id)?;
    audit::append(
        tx,
        caller.event(
            "read.case",
            format!("case:{id} person:{}", row.item.escalation.person_id),
            caller.basis("visibility rule (shared::access)"),
            None,
        ),
        now,
    )?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: row.item,
        moves,
        seq: row.seq,
    })
}

/// A coordinator moves a case through its lifecycle.
pub fn move_case(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &CaseMoveRequest,
    now: DateTime<Utc>,
) -> Result<CaseDetail, ApiError> {
    let mut row = case_for(tx, caller, id, Action::Write)?;
    let from = row.item.status;
    if let Err(fe) = from.check_transition(req.to, "to") {
        return Err(ApiError::validation(ValidationErrors(vec![fe])));
    }
    row.item.status = req.to;
    row.item.return_reason = if req.to == CaseStatus::ReturnedToOutreach {
        req.return_reason.clone()
    } else {
        None
    };
    row.item.updated_at = now;
    let consent = tx
        .person(row.item.escalation.person_id)?
        .map(|p| p.snapshot.person.consent)
        .unwrap_or_default();
    row.item.validate(&consent).map_err(ApiError::validation)?;
    let seq = save_case(tx, &row.item, row.team, clock.now())?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: Some(from),
        to: req.to,
        route: row.item.route,
        cause: CaseMoveCause::Coordinator,
        by: Some(caller.actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.move",
            format!("case:{id}"),
            caller.basis(&format!("{} -> {}", from.code(), req.to.code())),
            None,
        ),
        now,
    )?;
    let moves = tx.case_moves(id)?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: row.item,
        moves,
        seq,
    })
}

/// A coordinator adds or updates a meeting member.
pub fn set_roster(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &RosterRequest,
    now: DateTime<Utc>,
) -> Result<CaseDetail, ApiError> {
    let mut row = case_for(tx, caller, id, Action::Write)?;
    let member = tx.user(req.user)?.ok_or_else(|| {
        let mut e = ValidationErrors::default();
        e.push("user", Violation::Unknown);
        ApiError::validation(e)
    })?;
    if member.role != Role::AgencyMember || member.agency.as_ref() != Some(&req.agency) {
        let mut e = ValidationErrors::default();
        e.push(
            "user",
            Violation::Contradicts {
                other: "agency".into(),
            },
        );
        return Err(ApiError::validation(e));
    }
    row.item.roster.retain(|m| m.user != req.user);
    row.item.roster.push(outreach_shared::RosterMember {
        user: req.user,
        agency: req.agency.clone(),
        pledge_recorded_at: req.pledge_recorded_at,
    });
    row.item.updated_at = now;
    let consent = tx
        .person(row.item.escalation.person_id)?
        .map(|p| p.snapshot.person.consent)
        .unwrap_or_default();
    row.item.validate(&consent).map_err(ApiError::validation)?;
    let seq = save_case(tx, &row.item, row.team, clock.now())?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: Some(row.item.status),
        to: row.item.status,
        route: row.item.route,
        cause: CaseMoveCause::Roster,
        by: Some(caller.actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.roster",
            format!("case:{id} member:{}", req.user),
            caller.basis("coordinator"),
            None,
        ),
        now,
    )?;
    let moves = tx.case_moves(id)?;
    Ok(CaseDetail {
        protocol: ProtocolVersion::CURRENT,
        item: row.item,
        moves,
        seq,
    })
}

/// The LGWAN feed: case-queue items changed after `cursor` (coordinators).
pub fn feed(
    tx: &mut dyn Tx,
    caller: &Caller,
    cursor: u64,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<FeedPage, ApiError> {
    if caller.actor.role != Role::Coordinator {
        return Err(ApiError::forbidden(
            "the case-queue feed is for the city's coordinators and systems",
        ));
    }
    let rows = tx.cases_after(cursor, limit)?;
    let has_more = rows.len() as u32 == limit;
    let next_cursor = rows.last().map(|r| r.seq).unwrap_or(cursor);
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        if decide(
            &caller.actor,
            Action::Read,
            Resource::Case {
                item: &r.item,
                team: r.team,
            },
        )
        .is_allowed()
        {
            audit::append(
                tx,
                caller.event(
                    "read.feed",
                    format!(
                        "case:{} person:{}",
                        r.item.escalation.case_id, r.item.escalation.person_id
                    ),
                    caller.basis("LGWAN feed"),
                    None,
                ),
                now,
            )?;
            items.push(FeedItem {
                seq: r.seq,
                item: r.item,
            });
        }
    }
    Ok(FeedPage {
        protocol: ProtocolVersion::CURRENT,
        items,
        next_cursor,
        has_more,
    })
}

// ---------------------------------------------------------------------------
// Enrolment and sessions
// ---------------------------------------------------------------------------

/// Issues a one-time enrolment code for a worker. Returns the code (shown
/// once).
pub fn issue_enrol_code(
    tx: &mut dyn Tx,
    user: UserId,
    ttl: chrono::Duration,
    issued_by: &str,
    now: DateTime<Utc>,
) -> Result<zeroize::Zeroizing<String>, ApiError> {
    let u = tx
        .user(user)?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    if u.role != Role::OutreachWorker || u.team.is_none() || !u.active {
        return Err(ApiError::invalid(
            "enrolment codes are for active outreach workers with a team",
        ));
    }
    let code = crypto::new_enrol_code();
    tx.insert_enrol_code(&crypto::enrol_code_hash(&code), user, now + ttl)?;
    audit::append(
        tx,
        AuditEvent {
            actor: issued_by.to_owned(),
            device: None,
            device_hlc: None,
            action: "device.issue_code".into(),
            entity: format!("user:{user}"),
            basis: "administrator".into(),
        },
        now,
    )?;
    Ok(code)
}

/// Enrols a device with a one-time code.
pub fn enroll(
    tx: &mut dyn Tx,
    req: &EnrollRequest,
    now: DateTime<Utc>,
) -> Result<EnrollResponse, ApiError> {
    let mut e = ValidationErrors::default();
    outreach_shared::validation::check_text(
        &mut e,
        "device_label",
        &req.device_label,
        60,
        true,
        outreach_shared::validation::Lines::Single,
    );
    outreach_shared::validation::check_text(
        &mut e,
        "platform",
        &req.platform,
        20,
        true,
        outreach_shared::validation::Lines::Single,
    );
    e.finish().map_err(ApiError::validation)?;
    let invalid = || {
        ApiError::new(
            ErrorCode::EnrollmentCodeInvalid,
            "the enrolment code is wrong, used or expired: ask your supervisor for a new one",
        )
        .with_action(ClientAction::Reenroll)
    };
    let user_id = tx
        .take_enrol_code(&crypto::enrol_code_hash(&req.code), now)?
        .ok_or_else(invalid)?;
    let user = tx.user(user_id)?.ok_or_else(invalid)?;
    let team = match (user.active, user.role, user.team) {
        (true, Role::OutreachWorker, Some(t)) => t,
        _ => return Err(invalid()),
    };
    let (token, token_hash) = crypto::new_token();
    let device = DeviceRow {
        id: crypto::new_id(DeviceId::new_v7),
        user: user.id,
        label: req.device_label.clone(),
        platform: req.platform.clone(),
        token_hash,
        enrolled_at: now,
        revoked_at: None,
    };
    tx.insert_device(&device)?;
    audit::append(
        tx,
        AuditEvent {
            actor: user.id.to_string(),
            device: Some(device.id),
            device_hlc: None,
            action: "device.enroll".into(),
            entity: format!("device:{}", device.id),
            basis: "one-time enrolment code".into(),
        },
        now,
    )?;
    Ok(EnrollResponse {
        protocol: ProtocolVersion::CURRENT,
        device_id: device.id,
        token: token.to_string(),
        user_id: user.id,
        team_id: team,
        display_name: user.display_name,
        server_time: now,
    })
}

/// Resolves a bearer token to a caller: an enrolled device (revoked ones
/// are told to wipe) or an office session.
pub fn authenticate(tx: &mut dyn Tx, token: &str, now: DateTime<Utc>) -> Result<Caller, ApiError> {
    let hash = crypto::token_hash(token);
    let bad = || ApiError::unauthorized("missing, unknown or expired bearer token");
    if let Some(d) = tx.device_by_token(&hash)? {
        if d.revoked_at.is_some() {
            return Err(ApiError::revoked());
        }
        let u = tx.user(d.user)?.ok_or_else(bad)?;
        if !u.active {
            return Err(ApiError::revoked());
        }
        return Ok(Caller {
            actor: actor_of(&u),
            device: Some(d.id),
        });
    }
    if let Some(uid) = tx.session_user(&hash, now)? {
        let u = tx.user(uid)?.ok_or_else(bad)?;
        if !u.active {
            return Err(bad());
        }
        return Ok(Caller {
            actor: actor_of(&u),
            device: None,
        });
    }
    Err(bad())
}
