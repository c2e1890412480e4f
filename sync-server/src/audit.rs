//! The append-only, hash-chained audit log.
//!
//! Every change and every read of a person's record through the API appends
//! one entry: who, what (ids only, never content), when (server time and the
//! device's HLC), on what basis. Each entry's hash is SHA-256 over the
//! previous entry's hash and the entry's canonical JSON, and the head is
//! also kept in the store's settings, so [`verify`] finds an edited, deleted
//! or reordered entry, and a cut tail.
//!
//! Someone who can write the database could still rewrite the chain and
//! its head consistently. Against that, the head is **anchored**: signed
//! with a key kept outside the database ([`crate::keys`]) and appended to
//! an anchor file on a schedule ([`export_anchor`]), which the city copies
//! off the server; [`verify_anchors`] checks a log against such a copy.

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
    verify_from(store, &Checkpoint::default()).map(|c| c.seq)
}

// ---------------------------------------------------------------------------
// Anchors: the head of the chain, signed with a key outside the database
// ---------------------------------------------------------------------------

/// The head of the chain at a moment, signed with the audit anchor key
/// ([`crate::keys`]), one JSON line in an anchor file. Someone who can
/// write the database can rewrite the whole chain so that it verifies;
/// they cannot make it agree with anchors already copied off the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The last entry's sequence number and hash.
    pub seq: u64,
    pub hash: String,
    /// When the anchor was made (UTC, RFC 3339).
    pub at: DateTime<Utc>,
    /// The anchor key's id (first 8 bytes of the SHA-256 of its public
    /// half, hex).
    pub key_id: String,
    /// Base64 ed25519 signature over [`Anchor::signed_text`].
    pub sig: String,
}

impl Anchor {
    fn signed_text(seq: u64, hash: &str, at: DateTime<Utc>) -> String {
        format!(
            "hamura-audit-anchor\n{seq}\n{hash}\n{}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    }
}

/// The id of an anchor key's public half.
pub fn anchor_key_id(key: &ed25519_dalek::VerifyingKey) -> String {
    hex(&sha256(key.as_bytes())[..8])
}

/// Signs the current head of the chain (`None` while the log is empty).
pub fn anchor(
    store: &dyn Store,
    key: &ed25519_dalek::SigningKey,
    now: DateTime<Utc>,
) -> StoreResult<Option<Anchor>> {
    use base64::Engine as _;
    use ed25519_dalek::Signer;
    let head = crate::store::read(store, |tx| tx.audit_head())?;
    Ok(head.map(|(seq, hash)| {
        let sig = key.sign(Anchor::signed_text(seq, &hash, now).as_bytes());
        Anchor {
            seq,
            hash,
            at: now,
            key_id: anchor_key_id(&key.verifying_key()),
            sig: base64::engine::general_purpose::STANDARD.encode(sig.to_bytes()),
        }
    }))
}

/// Appends an anchor of the current head to `file` (made `0600`), unless
/// the file's last anchor already names this head. Returns the anchor
/// written.
pub fn export_anchor(
    store: &dyn Store,
    key: &ed25519_dalek::SigningKey,
    file: &std::path::Path,
    now: DateTime<Utc>,
) -> Result<Option<Anchor>, String> {
    use std::io::Write;
    let Some(a) = anchor(store, key, now).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let last = std::fs::read_to_string(file)
        .ok()
        .and_then(|t| {
            t.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_owned)
        })
        .and_then(|l| serde_json::from_str::<Anchor>(&l).ok());
    if last.is_some_and(|l| l.seq == a.seq && l.hash == a.hash) {
        return Ok(None);
    }
    let mut f = crate::files::append_private(file)
        .map_err(|e| format!("cannot open the anchor file {}: {e}", file.display()))?;
    let mut line = serde_json::to_string(&a).map_err(|e| e.to_string())?;
    line.push('\n');
    f.write_all(line.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write the anchor file {}: {e}", file.display()))?;
    Ok(Some(a))
}

/// Why an anchor does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorBreak {
    #[error("anchor line {line}: not an anchor")]
    Malformed { line: usize },
    #[error("anchor line {line}: signed by another key ({key_id})")]
    OtherKey { line: usize, key_id: String },
    #[error("anchor line {line}: the signature does not verify with this key")]
    BadSignature { line: usize },
    #[error(
        "anchor line {line} (signed {at}): entry {seq} is not in the log any more: the log was cut or rewritten"
    )]
    Missing {
        line: usize,
        seq: u64,
        at: DateTime<Utc>,
    },
    #[error(
        "anchor line {line} (signed {at}): entry {seq} differs from the anchored one: the log was rewritten"
    )]
    Rewritten {
        line: usize,
        seq: u64,
        at: DateTime<Utc>,
    },
    #[error(transparent)]
    Store(#[from] StoreErrorText),
}

impl From<StoreError> for AnchorBreak {
    fn from(e: StoreError) -> Self {
        AnchorBreak::Store(StoreErrorText(e.to_string()))
    }
}

/// Checks every anchor of an anchor file against the log: each signed by
/// `key`, each entry it names still in the log with the same hash. Returns
/// how many anchors were checked. (Run [`verify`] too: it checks the chain
/// between them.)
pub fn verify_anchors(
    store: &dyn Store,
    key: &ed25519_dalek::VerifyingKey,
    anchors: &str,
) -> Result<usize, AnchorBreak> {
    use base64::Engine as _;
    use ed25519_dalek::Verifier;
    let kid = anchor_key_id(key);
    let mut n = 0;
    for (i, l) in anchors.lines().enumerate() {
        let line = i + 1;
        if l.trim().is_empty() {
            continue;
        }
        let a: Anchor = serde_json::from_str(l).map_err(|_| AnchorBreak::Malformed { line })?;
        if a.key_id != kid {
            return Err(AnchorBreak::OtherKey {
                line,
                key_id: a.key_id,
            });
        }
        let sig = base64::engine::general_purpose::STANDARD
            .decode(a.sig.as_bytes())
            .ok()
            .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok())
            .ok_or(AnchorBreak::Malformed { line })?;
        key.verify(Anchor::signed_text(a.seq, &a.hash, a.at).as_bytes(), &sig)
            .map_err(|_| AnchorBreak::BadSignature { line })?;
        let entry = crate::store::read(store, |tx| {
            Ok::<_, StoreError>(
                tx.audit_entries(a.seq.saturating_sub(1), 1)?
                    .into_iter()
                    .next(),
            )
        })?;
        match entry {
            Some(e) if e.seq == a.seq && e.hash == a.hash => {}
            Some(e) if e.seq == a.seq => {
                return Err(AnchorBreak::Rewritten {
                    line,
                    seq: a.seq,
                    at: a.at,
                });
            }
            _ => {
                return Err(AnchorBreak::Missing {
                    line,
                    seq: a.seq,
                    at: a.at,
                });
            }
        }
        n += 1;
    }
    Ok(n)
}

/// Where an incremental verification got to: the last entry checked and
/// its hash. [`verify_from`] goes on from there; entries before it are
/// not read again (the full walk is `sync-server audit verify`, and the
/// anchors hold the past).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
}

/// Verifies the checkpoint's entry, the entries after it (the whole chain
/// from a default checkpoint) and the recorded head; returns the new
/// checkpoint.
pub fn verify_from(store: &dyn Store, from: &Checkpoint) -> Result<Checkpoint, AuditBreak> {
    crate::store::read(store, |tx| {
        let mut prev_seq = from.seq;
        let mut prev_hash = if from.seq == 0 {
            GENESIS.to_owned()
        } else {
            from.hash.clone()
        };
        // The checkpoint's own entry is read again (one row): still there,
        // same hash, same content.
        if from.seq > 0 {
            match tx.audit_entries(from.seq - 1, 1)?.into_iter().next() {
                Some(row) if row.seq == from.seq && row.hash == from.hash => {
                    if entry_hash(&row) != row.hash {
                        return Err(AuditBreak::Edited { seq: row.seq });
                    }
                }
                _ => return Err(AuditBreak::Chain { seq: from.seq }),
            }
        }
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
        check_head(tx, prev_seq, &prev_hash)?;
        Ok(Checkpoint {
            seq: prev_seq,
            hash: prev_hash,
        })
    })
}

fn check_head(tx: &mut dyn Tx, last: u64, last_hash: &str) -> Result<(), AuditBreak> {
    match tx.meta(AUDIT_HEAD_KEY)? {
        None if last == 0 => Ok(()),
        None => Err(AuditBreak::HeadMismatch),
        Some(head) => {
            let (s, h) = head.split_once(':').ok_or(AuditBreak::HeadMismatch)?;
            let expected: u64 = s.parse().map_err(|_| AuditBreak::HeadMismatch)?;
            if expected != last {
                return Err(AuditBreak::Truncated {
                    found: last,
                    expected,
                });
            }
            if h != last_hash {
                return Err(AuditBreak::HeadMismatch);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;
    use crate::store::sqlite::SqliteStore;

    fn ev(n: u32) -> AuditEvent {
        AuditEvent {
            actor: "admin-cli".into(),
            device: None,
            device_hlc: None,
            action: format!("test.{n}"),
            entity: "x".into(),
            basis: "test".into(),
        }
    }

    #[test]
    fn verification_goes_on_from_a_checkpoint_and_anchors_catch_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("o.db"), &StoreOptions::default()).unwrap();
        let now = Utc::now();
        crate::store::write(&s, |tx| {
            for n in 0..5 {
                append(tx, ev(n), now)?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let cp = verify_from(&s, &Checkpoint::default()).unwrap();
        assert_eq!(cp.seq, 5);
        let key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let a = anchor(&s, &key, now).unwrap().unwrap();
        let line = serde_json::to_string(&a).unwrap();
        assert_eq!(verify_anchors(&s, &key.verifying_key(), &line), Ok(1));
        crate::store::write(&s, |tx| {
            append(tx, ev(5), now)?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        // From the checkpoint, only entry 6 is read: an edit before it is
        // for the full walk (and the anchors) to find.
        s.execute_raw("UPDATE audit SET action = 'edited' WHERE seq = 2")
            .unwrap();
        assert_eq!(verify_from(&s, &cp).unwrap().seq, 6);
        assert_eq!(verify(&s), Err(AuditBreak::Edited { seq: 2 }));
        // An entry after the checkpoint is checked.
        s.execute_raw("UPDATE audit SET action = 'edited' WHERE seq = 6")
            .unwrap();
        assert_eq!(verify_from(&s, &cp), Err(AuditBreak::Edited { seq: 6 }));
        // A whole rewrite of entry 5 (hash recomputed) breaks the anchor.
        s.execute_raw("UPDATE audit SET hash = 'x' WHERE seq = 5")
            .unwrap();
        assert!(matches!(
            verify_anchors(&s, &key.verifying_key(), &line),
            Err(AnchorBreak::Rewritten { seq: 5, .. })
        ));
        // Another key's anchor is refused.
        let other = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
        assert!(matches!(
            verify_anchors(&s, &other.verifying_key(), &line),
            Err(AnchorBreak::OtherKey { .. })
        ));
    }
}
