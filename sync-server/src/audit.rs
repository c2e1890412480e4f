//! The append-only, hash-chained audit log.
//!
//! Every change and every read of a person's record through the API appends
//! one entry: who, what (ids only, never content), when (server time and the
//! device's HLC), on what basis. Each entry's hash is SHA-256 over the
//! previous entry's hash and the entry's canonical JSON, and the head is
//! also kept in the store's settings, so [`verify`] finds an edited, deleted
//! or reordered entry, and a cut tail.

use chrono::{DateTime, Utc};
use outreach_shared::{DeviceId, Hlc};
use serde::Serialize;

use crate::crypto::{hex, sha256};
use crate::store::{AUDIT_HEAD_KEY, AuditRow, Store, StoreError, StoreResult, Tx};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: String,
    pub device: Option<DeviceId>,
    pub device_hlc: Option<Hlc>,
    pub action: String,
    pub entity: String,
    pub basis: String,
}

#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    at: String,
    actor: &'a str,
    device: Option<String>,
    device_hlc: Option<String>,
    action: &'a str,
    entity: &'a str,
    basis: &'a str,
}

/// The hash of an entry given its predecessor's hash.
pub fn entry_hash(row: &AuditRow) -> String {
    let c = Canonical {
        seq: row.seq,
        at: row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor: &row.actor,
        device: row.device.map(|d| d.to_string()),
        device_hlc: row.device_hlc.map(|h| h.to_string()),
        action: &row.action,
        entity: &row.entity,
        basis: &row.basis,
    };
    let mut data = row.prev_hash.as_bytes().to_vec();
    data.push(b'\n');
    // Serializing a struct of strings cannot fail.
    data.extend_from_slice(&serde_json::to_vec(&c).unwrap_or_default());
    hex(&sha256(&data))
}

/// Appends one entry inside the caller's transaction.
pub fn append(tx: &mut dyn Tx, ev: AuditEvent, now: DateTime<Utc>) -> StoreResult<u64> {
    let (seq, prev_hash) = match tx.audit_head()? {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_owned()),
    };
    let mut row = AuditRow {
        seq,
        at: now,
        actor: ev.actor,
        device: ev.device,
        device_hlc: ev.device_hlc,
        action: ev.action,
        entity: ev.entity,
        basis: ev.basis,
        prev_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(&row);
    // The backend also records the head under `audit_head` by commit time.
    tx.append_audit(&row)?;
    Ok(seq)
}

/// What `audit verify` found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditBreak {
    #[error("entry {seq} was edited (its hash does not match its content)")]
    Edited { seq: u64 },
    #[error("entry {seq} does not follow entry {prev}: an entry is missing or was reordered")]
    Gap { seq: u64, prev: u64 },
    #[error("entry {seq} does not chain to the entry before it")]
    Chain { seq: u64 },
    #[error(
        "the log ends at entry {found} but the recorded head is entry {expected}: entries were cut"
    )]
    Truncated { found: u64, expected: u64 },
    #[error("the recorded head does not match the last entry")]
    HeadMismatch,
    #[error(transparent)]
    Store(#[from] StoreErrorText),
}

/// A storage failure during verification, as text (so the error is `Eq`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreErrorText(pub String);

impl From<StoreError> for AuditBreak {
    fn from(e: StoreError) -> Self {
        AuditBreak::Store(StoreErrorText(e.to_string()))
    }
}

/// Walks the whole chain. Returns the number of entries checked.
pub fn verify(store: &dyn Store) -> Result<u64, AuditBreak> {
    crate::store::read(store, |tx| {
        let mut prev_seq = 0u64;
        let mut prev_hash = GENESIS.to_owned();
        loop {
            let page = tx.audit_entries(prev_seq, 2000)?;
            if page.is_empty() {
                break;
            }
            for row in page {
                if row.seq != prev_seq + 1 {
                    return Err(AuditBreak::Gap {
                        seq: row.seq,
                        prev: prev_seq,
                    });
                }
                if entry_hash(&row) != row.hash {
                    return Err(AuditBreak::Edited { seq: row.seq });
                }
                if row.prev_hash != prev_hash {
                    return Err(AuditBreak::Chain { seq: row.seq });
                }
                prev_seq = row.seq;
                prev_hash = row.hash;
            }
        }
        match tx.meta(AUDIT_HEAD_KEY)? {
            None if prev_seq == 0 => Ok(0),
            None => Err(AuditBreak::HeadMismatch),
            Some(head) => {
                let (s, h) = head.split_once(':').ok_or(AuditBreak::HeadMismatch)?;
                let expected: u64 = s.parse().map_err(|_| AuditBreak::HeadMismatch)?;
                if expected != prev_seq {
                    return Err(AuditBreak::Truncated {
                        found: prev_seq,
                        expected,
                    });
                }
                if h != prev_hash {
                    return Err(AuditBreak::HeadMismatch);
                }
                Ok(prev_seq)
            }
        }
    })
}
