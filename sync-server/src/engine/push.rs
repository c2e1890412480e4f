//! Exactly-once push: each operation is hashed and encoded before the batch
//! queues for the writer ([`prepare_push`]), then applied once, answered on
//! its own, and recorded by its operation id and content hash
//! ([`push_prepared`]). A replay is a duplicate; the same id with other
//! content is a conflict, never an overwrite. The kinds of operation are
//! applied by [`super::persons`] (persons, contact logs) and
//! [`super::cases`] (escalations).

use chrono::{DateTime, Utc};
use outreach_shared::protocol::*;
use outreach_shared::{
    CaseQueueItem, ContactId, OperationId, PersonId, TeamId, ValidationContext, ValidationErrors,
    Violation,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::{Caller, ServerClock, cases, community, participation, persons, visits};
use crate::crypto;
use crate::store::*;

pub(super) enum OpError {
    Rejected(Rejection),
    Store(StoreError),
}

impl From<StoreError> for OpError {
    fn from(e: StoreError) -> Self {
        OpError::Store(e)
    }
}

pub(super) fn reject(code: RejectCode, message: impl Into<String>) -> OpError {
    OpError::Rejected(Rejection {
        code,
        message: message.into(),
        field_errors: Vec::new(),
    })
}

pub(super) fn reject_invalid(e: ValidationErrors) -> OpError {
    OpError::Rejected(Rejection {
        code: RejectCode::Invalid,
        message: e.to_string(),
        field_errors: e.0,
    })
}

/// The canonical content hash of an operation (its JSON as `shared`
/// serializes it; struct fields and sets serialize in a fixed order).
pub fn operation_hash(op: &Operation) -> [u8; 32] {
    hash_of(&operation_json(op))
}

/// The JSON [`operation_hash`] hashes.
fn operation_json(op: &Operation) -> Vec<u8> {
    serde_json::to_vec(op).unwrap_or_default()
}

/// [`operation_hash`] of an operation already encoded by [`operation_json`].
fn hash_of(op_json: &[u8]) -> [u8; 32] {
    crypto::sha256(op_json)
}

/// The part of a push that needs no database, computed for each operation
/// before the batch queues for the single writer thread (see
/// [`prepare_push`]): the writer then spends its time only on what must be
/// serial.
pub struct PreparedOp {
    /// [`operation_hash`] of the operation.
    pub(super) hash: [u8; 32],
    /// A contact log's JSON as the store keeps it (`None` for other kinds).
    pub(super) contact_json: Option<String>,
    /// The operation's own validation ([`Operation::validate`] at the
    /// push's server time).
    pub(super) valid: Result<(), ValidationErrors>,
}

/// A contact log's JSON inside its operation's JSON (as [`operation_hash`]
/// encodes it), so that a push encodes each contact log once, not twice.
/// The payload is the operation's last field, adjacently tagged: the JSON
/// ends with `"payload":{"type":"log_contact","data":<contact log>}}`.
/// The marker cannot occur earlier: ids, the HLC and the entity come first,
/// and a quote inside a string value is escaped. `None` if the shape is
/// not that one (the caller then encodes the contact log itself).
fn contact_json_within(op_json: &[u8]) -> Option<&str> {
    const MARKER: &[u8] = br#""payload":{"type":"log_contact","data":"#;
    let start = op_json.windows(MARKER.len()).position(|w| w == MARKER)? + MARKER.len();
    let body = op_json.get(start..op_json.len().checked_sub(2)?)?;
    if !op_json.ends_with(b"}}") || !body.starts_with(b"{") {
        return None;
    }
    std::str::from_utf8(body).ok()
}

/// Batches at least this long are prepared on two threads.
const PARALLEL_PREPARE: usize = 64;

/// Prepares a batch for [`push_prepared`]: hashes, validates (at `now`, the
/// push's server time) and encodes each operation. Runs on the request's
/// own thread, in parallel with the writer committing other batches; a
/// long batch is split over two threads (the server's machines have two
/// cores, and the writer waits for this).
pub fn prepare_push(ops: &[Operation], now: DateTime<Utc>) -> Vec<PreparedOp> {
    let one = |op: &Operation| {
        let json = operation_json(op);
        PreparedOp {
            hash: hash_of(&json),
            contact_json: match &op.payload {
                Payload::LogContact(c) => contact_json_within(&json)
                    .map(str::to_owned)
                    .or_else(|| serde_json::to_string(c).ok()),
                _ => None,
            },
            valid: op.validate(&ValidationContext::at(now)),
        }
    };
    if ops.len() < PARALLEL_PREPARE {
        return ops.iter().map(one).collect();
    }
    let (first, second) = ops.split_at(ops.len() / 2);
    std::thread::scope(|s| {
        let other = std::thread::Builder::new()
            .name("outreach-prepare".into())
            .spawn_scoped(s, || second.iter().map(one).collect::<Vec<_>>())
            .ok();
        let mut out: Vec<PreparedOp> = first.iter().map(one).collect();
        match other.map(|h| h.join()) {
            Some(Ok(rest)) => out.extend(rest),
            // No second thread (or it panicked): this one does the rest.
            _ => out.extend(second.iter().map(one)),
        }
        out
    })
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
    push_prepared(tx, caller, clock, ops, &prepare_push(ops, now), now)
}

/// Contact logs checked but not yet written: a run of them is written
/// together ([`Tx::log_contacts`]) and audited one entry per person
/// ([`persons::audit_contacts`]) when the run ends: before an operation
/// of another kind, before a contact log that revises another or repeats
/// an operation id of the run, and at the end of the batch.
#[derive(Default)]
struct Run<'a> {
    writes: Vec<ContactWrite<'a>>,
    /// The index in the batch's results of each write.
    slots: Vec<usize>,
    ops: HashSet<OperationId>,
}

impl Run<'_> {
    fn flush(
        &mut self,
        tx: &mut dyn Tx,
        caller: &Caller,
        results: &mut [OperationResult],
        seen_ops: &mut HashMap<OperationId, OperationRow>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        if self.writes.is_empty() {
            return Ok(());
        }
        let seqs = tx.log_contacts(&self.writes)?;
        if seqs.len() != self.writes.len() {
            return Err(StoreError::Corrupt(
                "the store numbered another count of contact logs".into(),
            ));
        }
        for ((w, slot), seq) in self.writes.iter().zip(&self.slots).zip(&seqs) {
            results[*slot].outcome = Outcome::Applied { seq: *seq };
            if let Some(row) = seen_ops.get_mut(&w.op.id) {
                row.seq = *seq;
            }
        }
        persons::audit_contacts(tx, caller, &self.writes, now)?;
        self.writes.clear();
        self.slots.clear();
        self.ops.clear();
        Ok(())
    }
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
    let mut run = Run::default();
    for (op, prep) in ops.iter().zip(prepared) {
        let contact = match &op.payload {
            Payload::LogContact(c) => Some(c),
            _ => None,
        };
        // What the next operation reads must be written first.
        if contact.is_none_or(|c| c.revises.is_some()) || run.ops.contains(&op.id) {
            run.flush(tx, caller, &mut results, &mut seen_ops, now)?;
        }
        if contact.is_none() {
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
        } else if let Some(c) = contact {
            // A contact log makes every check before it is written, so a
            // rejection has nothing to undo; it is written with its run.
            match check(caller, clock, op, prep)
                .and_then(|()| persons::check_contact(tx, caller, c, &mut cache))
            {
                Ok(team) => {
                    let row = OperationRow {
                        id: op.id,
                        device: op.device_id,
                        content_hash: hash,
                        seq: 0,
                        received_at: now,
                    };
                    let body = match &prep.contact_json {
                        Some(b) => Cow::Borrowed(b.as_str()),
                        None => Cow::Owned(
                            serde_json::to_string(c)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        ),
                    };
                    run.writes.push(ContactWrite {
                        row: ContactRow {
                            log: c.clone(),
                            team,
                        },
                        body,
                        op: row.clone(),
                        hlc: op.hlc,
                    });
                    run.slots.push(results.len());
                    run.ops.insert(op.id);
                    // The same id again later in this batch is a duplicate
                    // (its number is set when the run is written).
                    seen_ops.insert(op.id, row);
                    Outcome::Applied { seq: 0 }
                }
                Err(OpError::Rejected(r)) => Outcome::Rejected(r),
                Err(OpError::Store(e)) => return Err(e),
            }
        } else {
            // The other kinds get a savepoint: a rejection undoes their
            // writes.
            tx.savepoint()?;
            match check(caller, clock, op, prep).and_then(|()| apply(tx, caller, clock, op, now)) {
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
                    tx.release_savepoint()?;
                    Outcome::Applied { seq }
                }
                Err(OpError::Rejected(r)) => {
                    tx.rollback_savepoint()?;
                    Outcome::Rejected(r)
                }
                Err(OpError::Store(e)) => return Err(e),
            }
        };
        results.push(OperationResult { id: op.id, outcome });
    }
    run.flush(tx, caller, &mut results, &mut seen_ops, now)?;
    Ok(results)
}

/// Per-batch cache of a person's team and case, for runs of contact logs
/// (cleared by any other kind of operation, which may change them).
pub(super) type PersonCache = HashMap<PersonId, Option<(TeamId, Option<CaseQueueItem>)>>;

/// What a push looks up once for its whole batch instead of once per
/// operation (one statement each; on PostgreSQL, one round trip each).
pub(super) struct BatchCache {
    pub(super) persons: PersonCache,
    /// The batch's contact revision ids already stored (before the batch,
    /// or by an earlier operation of it).
    pub(super) contacts: HashSet<ContactId>,
}

/// The checks every kind shares, in order: the operation is the caller
/// device's, valid on its own, and its HLC not too far ahead (which the
/// server's clock then follows).
fn check(
    caller: &Caller,
    clock: &ServerClock,
    op: &Operation,
    prep: &PreparedOp,
) -> Result<(), OpError> {
    if Some(op.device_id) != caller.device {
        return Err(reject(
            RejectCode::Forbidden,
            "the operation names another device",
        ));
    }
    if let Err(e) = &prep.valid {
        return Err(reject_invalid(e.clone()));
    }
    if clock.observe(op.hlc).is_err() {
        let mut e = ValidationErrors::default();
        e.push("hlc", Violation::InFuture);
        return Err(reject_invalid(e));
    }
    Ok(())
}

fn apply(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    op: &Operation,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    match &op.payload {
        Payload::CreatePerson(p) => persons::create_person(tx, caller, op, p, now),
        Payload::UpdatePerson { changes } => persons::update_person(tx, caller, op, changes, now),
        Payload::ChangeStage {
            from,
            to,
            base,
            note,
        } => persons::change_stage(tx, caller, op, *from, *to, *base, note.as_ref(), now),
        Payload::RecordConsent { consent, base } => {
            persons::record_consent(tx, caller, clock, op, consent, *base, now)
        }
        Payload::LogContact(_) => Err(OpError::Store(StoreError::Corrupt(
            "a contact log is written with its run".into(),
        ))),
        Payload::Escalate(e) => cases::escalate(tx, caller, op, e, now),
        Payload::StartVisit(v) => visits::start(tx, caller, op, v, now),
        Payload::FinishVisit {
            person_id,
            ended_at,
        } => visits::finish(tx, caller, op, *person_id, *ended_at, now),
        Payload::RecordParticipation(r) => participation::record(tx, caller, op, r, now),
        Payload::RecordCommunityActivity(a) => community::record(tx, caller, op, a, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use outreach_shared::*;
    use std::collections::BTreeSet;

    #[test]
    fn a_contact_log_is_found_inside_its_operation_as_it_encodes_alone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 1, 2, 3).unwrap();
        let device = DeviceId::new_v7(1, [2; 10]);
        // Text that looks like the marker, quotes and escapes included.
        let tricky = r#"（架空）"payload":{"type":"log_contact","data":{}} \ "}}"#;
        let c = ContactLog {
            id: ContactId::new_v7(3, [4; 10]),
            person_id: PersonId::new_v7(5, [6; 10]),
            revises: None,
            author: UserId::new_v7(7, [8; 10]),
            occurred_at: at,
            duration_minutes: Some(30),
            method: ContactMethod::HomeVisit,
            met: MetWhom::Person,
            response: Some(PersonResponse::Brief),
            observation: tricky.into(),
            safety: Safety {
                accompaniment: Accompaniment::Pair,
                danger_signs: BTreeSet::new(),
                life_threatening: false,
            },
            reflection: None,
            next_action: Some(NextAction {
                what: tricky.into(),
                due: at.date_naive(),
            }),
        };
        let op = Operation {
            id: OperationId::new_v7(9, [1; 10]),
            device_id: device,
            hlc: Hlc::new(10, 0, device),
            entity: EntityRef::contact(c.id),
            payload: Payload::LogContact(c.clone()),
        };
        let json = serde_json::to_vec(&op).unwrap();
        assert_eq!(
            contact_json_within(&json),
            Some(serde_json::to_string(&c).unwrap().as_str())
        );
        let prepared = prepare_push(std::slice::from_ref(&op), at);
        assert_eq!(prepared[0].hash, operation_hash(&op));
        assert_eq!(
            prepared[0].contact_json.as_deref(),
            Some(serde_json::to_string(&c).unwrap().as_str())
        );
        // Another shape: not found (the caller encodes it itself).
        assert_eq!(contact_json_within(b"{\"payload\":{}}"), None);
        assert_eq!(contact_json_within(b""), None);
    }
}
