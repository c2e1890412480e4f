//! The LGWAN feed as files: new and changed case-queue items exported as
//! signed JSON Lines, for a city to carry into its closed network by its
//! approved transfer path, verify with the published key and import without
//! loss or duplication.
//!
//! File format, one JSON object per line:
//! `{"key_id":"<hex>","sig":"<base64 ed25519 signature>","body":<FeedItem>}`,
//! where the signature covers the exact bytes of `body` as written. The
//! import keeps, per case, the item with the highest `seq`; importing the
//! same file twice changes nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use outreach_shared::protocol::FeedItem;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::io::{BufRead, Write};
use std::path::Path;
use zeroize::Zeroizing;

use crate::crypto::{hex, random, sha256};
use crate::store::{self, Store, StoreError, StoreResult};

const KEY_META: &str = "feed_signing_key";

/// The feed's signing key, made on first use and kept in the store's
/// settings.
pub fn signing_key(store: &dyn Store) -> StoreResult<SigningKey> {
    store::write(store, |tx| {
        if let Some(b64) = tx.meta(KEY_META)? {
            let raw = Zeroizing::new(
                STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|_| StoreError::Corrupt("feed key".into()))?,
            );
            let seed: &[u8; 32] = raw
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Corrupt("feed key length".into()))?;
            return Ok(SigningKey::from_bytes(seed));
        }
        let seed = Zeroizing::new(random::<32>());
        let key = SigningKey::from_bytes(&seed);
        let b64 = Zeroizing::new(STANDARD.encode(*seed));
        tx.set_meta(KEY_META, &b64)?;
        Ok(key)
    })
}

/// The verifying key as base64, as published.
pub fn verifying_key_b64(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// A short id of a verifying key (first 8 bytes of its SHA-256, hex).
pub fn key_id(key: &VerifyingKey) -> String {
    hex(&sha256(key.as_bytes())[..8])
}

/// Parses a published verifying key.
pub fn parse_verifying_key(b64: &str) -> Result<VerifyingKey, FeedError> {
    let raw = STANDARD
        .decode(b64.trim().as_bytes())
        .map_err(|_| FeedError::BadKey)?;
    let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| FeedError::BadKey)?;
    VerifyingKey::from_bytes(&arr).map_err(|_| FeedError::BadKey)
}

/// What went wrong with a feed file.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the verifying key is not a base64 ed25519 key")]
    BadKey,
    #[error("line {line}: not a feed line")]
    Malformed { line: usize },
    #[error("line {line}: the signature does not verify with this key")]
    BadSignature { line: usize },
    #[error("line {line}: signed by another key ({key_id})")]
    OtherKey { line: usize, key_id: String },
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("receiving database: {0}")]
    Receiver(String),
}

#[derive(Serialize)]
struct LineOut<'a> {
    key_id: &'a str,
    sig: String,
    body: &'a RawValue,
}

#[derive(Deserialize)]
struct LineIn<'a> {
    key_id: String,
    sig: String,
    #[serde(borrow)]
    body: &'a RawValue,
}

/// Writes the case-queue items changed after `cursor` as signed JSON Lines.
/// Returns (items written, next cursor).
pub fn export(
    store: &dyn Store,
    cursor: u64,
    out: &mut dyn Write,
) -> Result<(usize, u64), FeedError> {
    let key = signing_key(store)?;
    let kid = key_id(&key.verifying_key());
    let mut next = cursor;
    let mut count = 0;
    loop {
        let rows = store::read(store, |tx| tx.cases_after(next, 500))?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            next = r.seq;
            let item = FeedItem {
                seq: r.seq,
                item: r.item,
            };
            let body = serde_json::to_string(&item)
                .map_err(|_| FeedError::Malformed { line: count + 1 })?;
            let sig = key.sign(body.as_bytes());
            let raw = RawValue::from_string(body)
                .map_err(|_| FeedError::Malformed { line: count + 1 })?;
            let line = LineOut {
                key_id: &kid,
                sig: STANDARD.encode(sig.to_bytes()),
                body: &raw,
            };
            serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
            count += 1;
        }
    }
    out.flush()?;
    Ok((count, next))
}

/// Verifies every line of a feed file; returns its items in order.
pub fn verify(key: &VerifyingKey, input: &mut dyn BufRead) -> Result<Vec<FeedItem>, FeedError> {
    let kid = key_id(key);
    let mut items = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: LineIn<'_> =
            serde_json::from_str(&line).map_err(|_| FeedError::Malformed { line: n })?;
        if parsed.key_id != kid {
            return Err(FeedError::OtherKey {
                line: n,
                key_id: parsed.key_id,
            });
        }
        let sig_bytes = STANDARD
            .decode(parsed.sig.as_bytes())
            .map_err(|_| FeedError::Malformed { line: n })?;
        let sig =
            Signature::from_slice(&sig_bytes).map_err(|_| FeedError::Malformed { line: n })?;
        key.verify(parsed.body.get().as_bytes(), &sig)
            .map_err(|_| FeedError::BadSignature { line: n })?;
        let item: FeedItem = serde_json::from_str(parsed.body.get())
            .map_err(|_| FeedError::Malformed { line: n })?;
        items.push(item);
    }
    Ok(items)
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Verifies a feed file and imports it into a receiving SQLite database
/// (the city's side), idempotently: per case, the highest `seq` wins.
pub fn import(key: &VerifyingKey, file: &Path, receiver: &Path) -> Result<ImportReport, FeedError> {
    let f = std::fs::File::open(file)?;
    let items = verify(key, &mut std::io::BufReader::new(f))?;
    let rx = |e: rusqlite::Error| FeedError::Receiver(e.to_string());
    let mut conn = rusqlite::Connection::open(receiver).map_err(rx)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE IF NOT EXISTS feed_items (case_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, body TEXT NOT NULL);",
    )
    .map_err(rx)?;
    let tx = conn.transaction().map_err(rx)?;
    let mut report = ImportReport::default();
    for item in items {
        let id = item.item.escalation.case_id.to_string();
        let body = serde_json::to_string(&item).map_err(|_| FeedError::Malformed { line: 0 })?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT seq FROM feed_items WHERE case_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| {
                if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
                    Ok(None)
                } else {
                    Err(e)
                }
            })
            .map_err(rx)?;
        match existing {
            None => {
                tx.execute(
                    "INSERT INTO feed_items (case_id, seq, body) VALUES (?1, ?2, ?3)",
                    rusqlite::params![id, item.seq as i64, body],
                )
                .map_err(rx)?;
                report.inserted += 1;
            }
            Some(s) if (s as u64) < item.seq => {
                tx.execute(
                    "UPDATE feed_items SET seq = ?2, body = ?3 WHERE case_id = ?1",
                    rusqlite::params![id, item.seq as i64, body],
                )
                .map_err(rx)?;
                report.updated += 1;
            }
            Some(_) => report.unchanged += 1,
        }
    }
    tx.commit().map_err(rx)?;
    Ok(report)
}
