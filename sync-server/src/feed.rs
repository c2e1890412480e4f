//! The LGWAN feed as files: new and changed case-queue items exported as
//! signed JSON Lines, for a city to carry into its closed network by its
//! approved transfer path, verify with the published key and import without
//! loss or duplication.
//!
//! File format, one JSON object per line:
//! `{"key_id":"<hex>","sig":"<base64 ed25519 signature>","body":<FeedItem>}`,
//! where the signature covers the exact bytes of `body` as written, and a
//! last line, the signed trailer:
//! `{"key_id":…,"sig":…,"trailer":{"after":A,"next":N,"count":C,"lines_sha256":"<hex>"}}`
//! with the range exported, the number of item lines and the SHA-256 of
//! those lines exactly as written (each with its newline). [`verify`]
//! refuses a file without its trailer, or whose lines were deleted, added,
//! changed or reordered. The import keeps, per case, the item with the
//! highest `seq`; importing the same file twice changes nothing.
//!
//! What leaves the building is [`crate::engine::feed::project`]: a
//! 支援会議 case (no consent) only as its status. Every export is audited
//! (operator, range, count) and the file is created `0600`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use outreach_shared::protocol::FeedItem;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};
use std::path::Path;

use crate::crypto::{hex, sha256};
use crate::store::{self, Store, StoreError};

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
    #[error(
        "the file has no signed trailer: it was cut short, or it comes from an older server; export it again"
    )]
    NoTrailer,
    #[error("line {line}: a line after the trailer")]
    AfterTrailer { line: usize },
    #[error("the trailer does not match the file ({0}): lines were deleted, added or changed")]
    TrailerMismatch(&'static str),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trailer: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn<'a> {
    key_id: String,
    sig: String,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
    #[serde(borrow, default)]
    trailer: Option<&'a RawValue>,
}

/// The signed last line of a feed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trailer {
    /// The cursor the export started after.
    pub after: u64,
    /// The cursor of the next export (`--after` next time).
    pub next: u64,
    /// How many item lines precede the trailer.
    pub count: usize,
    /// Hex SHA-256 of those lines as written, each with its newline.
    pub lines_sha256: String,
}

fn signed_line(
    key: &SigningKey,
    kid: &str,
    body: String,
    trailer: bool,
) -> Result<Vec<u8>, FeedError> {
    let sig = key.sign(body.as_bytes());
    let raw = RawValue::from_string(body).map_err(|_| FeedError::Malformed { line: 0 })?;
    let line = LineOut {
        key_id: kid,
        sig: STANDARD.encode(sig.to_bytes()),
        body: (!trailer).then_some(&*raw),
        trailer: trailer.then_some(&*raw),
    };
    let mut out = serde_json::to_vec(&line).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(out)
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    pub count: usize,
    pub next: u64,
}

/// Writes the case-queue items changed after `cursor` as signed JSON Lines
/// (each item as [`crate::engine::feed::project`] lets it leave), then the
/// signed trailer, and audits the export as `operator`'s.
pub fn export(
    store: &dyn Store,
    key: &SigningKey,
    cursor: u64,
    out: &mut dyn Write,
    operator: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ExportReport, FeedError> {
    let kid = key_id(&key.verifying_key());
    let mut next = cursor;
    let mut count = 0;
    let mut lines = Sha256::new();
    loop {
        let rows = store::read(store, |tx| tx.cases_after(next, 500))?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            next = r.seq;
            let item = FeedItem {
                seq: r.seq,
                item: crate::engine::feed::project(r.item),
            };
            let body = serde_json::to_string(&item)
                .map_err(|_| FeedError::Malformed { line: count + 1 })?;
            let line = signed_line(key, &kid, body, false)?;
            lines.update(&line);
            out.write_all(&line)?;
            count += 1;
        }
    }
    let trailer = Trailer {
        after: cursor,
        next,
        count,
        lines_sha256: hex(&lines.finalize()),
    };
    let body = serde_json::to_string(&trailer).map_err(std::io::Error::other)?;
    out.write_all(&signed_line(key, &kid, body, true)?)?;
    out.flush()?;
    store::write(store, |tx| {
        crate::engine::feed::audit_file_export(tx, operator, cursor, next, count, now)
    })
    .map_err(|e| match e {
        crate::engine::Error::Store(s) => FeedError::Store(s),
        other => FeedError::Store(StoreError::Database(other.to_string())),
    })?;
    Ok(ExportReport { count, next })
}

/// Verifies every line of a feed file and its trailer; returns its items in
/// order and the trailer.
pub fn verify_file(
    key: &VerifyingKey,
    input: &mut dyn BufRead,
) -> Result<(Vec<FeedItem>, Trailer), FeedError> {
    let kid = key_id(key);
    let mut items = Vec::new();
    let mut lines = Sha256::new();
    let mut trailer: Option<Trailer> = None;
    let mut n = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        n += 1;
        let text = std::str::from_utf8(&buf).map_err(|_| FeedError::Malformed { line: n })?;
        if text.trim().is_empty() {
            continue;
        }
        if trailer.is_some() {
            return Err(FeedError::AfterTrailer { line: n });
        }
        let parsed: LineIn<'_> =
            serde_json::from_str(text.trim_end()).map_err(|_| FeedError::Malformed { line: n })?;
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
        let signed = match (parsed.body, parsed.trailer) {
            (Some(b), None) | (None, Some(b)) => b,
            _ => return Err(FeedError::Malformed { line: n }),
        };
        key.verify(signed.get().as_bytes(), &sig)
            .map_err(|_| FeedError::BadSignature { line: n })?;
        if parsed.trailer.is_some() {
            trailer = Some(
                serde_json::from_str(signed.get()).map_err(|_| FeedError::Malformed { line: n })?,
            );
            continue;
        }
        lines.update(&buf);
        if !buf.ends_with(b"\n") {
            lines.update(b"\n");
        }
        let item: FeedItem =
            serde_json::from_str(signed.get()).map_err(|_| FeedError::Malformed { line: n })?;
        items.push(item);
    }
    let t = trailer.ok_or(FeedError::NoTrailer)?;
    if t.count != items.len() {
        return Err(FeedError::TrailerMismatch("count"));
    }
    if t.lines_sha256 != hex(&lines.finalize()) {
        return Err(FeedError::TrailerMismatch("hash of the lines"));
    }
    if items.iter().any(|i| i.seq <= t.after || i.seq > t.next) {
        return Err(FeedError::TrailerMismatch("range"));
    }
    Ok((items, t))
}

/// Verifies every line of a feed file; returns its items in order.
pub fn verify(key: &VerifyingKey, input: &mut dyn BufRead) -> Result<Vec<FeedItem>, FeedError> {
    verify_file(key, input).map(|(items, _)| items)
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
