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
    crypto::sha256(&serde_json::to_vec(op).unwrap_or_default())
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
        Payload::LogContact(c) => persons::log_contact(tx, caller, op, c, prep, now, cache),
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
