//! TOTP two-factor authentication (RFC 6238: HMAC-SHA1, 30-second steps,
//! six digits, one step of clock drift either way), that an administrator
//! requires per user with `sync-server admin totp-enrol`.
//!
//! The secret is kept sealed (AES-256-GCM, bound to the user's id) in the
//! store's settings; a used time step is remembered so a code cannot be
//! replayed. The sealing key is in a key file outside the database
//! ([`crate::keys`]), so a copy of the database alone does not open the
//! secrets.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use outreach_shared::UserId;
use zeroize::Zeroizing;

use super::Error;
use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::keys::TotpSeal;
use crate::store::{StoreError, StoreResult, Tx};

const STEP: i64 = 30;
const DIGITS: u32 = 6;

fn secret_key(user: UserId) -> String {
    format!("console.totp:{user}")
}

fn last_key(user: UserId) -> String {
    format!("console.totp_last:{user}")
}

/// The RFC 6238 code of `secret` for time step `step`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&(step as u64).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[off]) & 0x7f) << 24
        | u32::from(h[off + 1]) << 16
        | u32::from(h[off + 2]) << 8
        | u32::from(h[off + 3]);
    format!("{:06}", bin % 10u32.pow(DIGITS))
}

/// The time step of an instant.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP)
}

/// RFC 4648 base32 without padding (for authenticator apps).
pub fn base32(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(A[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(A[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn cipher(seal: &TotpSeal) -> StoreResult<Aes256Gcm> {
    Aes256Gcm::new_from_slice(&seal.0[..]).map_err(|_| StoreError::Corrupt("TOTP seal key".into()))
}

/// Requires TOTP for `user` with a fresh secret; returns the secret
/// (base32, shown once to enrol the authenticator app).
pub fn enrol(tx: &mut dyn Tx, seal: &TotpSeal, user: UserId) -> StoreResult<Zeroizing<String>> {
    let secret: Zeroizing<[u8; 20]> = Zeroizing::new(crypto::random());
    let c = cipher(seal)?;
    let nonce: [u8; 12] = crypto::random();
    let aad = user.to_string();
    let sealed = c
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &secret[..],
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Corrupt("TOTP seal".into()))?;
    let mut v = nonce.to_vec();
    v.extend_from_slice(&sealed);
    tx.set_meta(&secret_key(user), &STANDARD.encode(v))?;
    tx.set_meta(&last_key(user), "")?;
    Ok(Zeroizing::new(base32(&secret[..])))
}

/// No longer requires TOTP for `user`.
pub fn disable(tx: &mut dyn Tx, user: UserId) -> StoreResult<()> {
    tx.set_meta(&secret_key(user), "")
}

/// Whether `user` must give a TOTP code.
pub fn is_enrolled(tx: &mut dyn Tx, user: UserId) -> StoreResult<bool> {
    Ok(tx.meta(&secret_key(user))?.is_some_and(|v| !v.is_empty()))
}

fn secret(
    tx: &mut dyn Tx,
    seal: &TotpSeal,
    user: UserId,
) -> StoreResult<Option<Zeroizing<Vec<u8>>>> {
    let Some(v) = tx.meta(&secret_key(user))?.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let raw = STANDARD
        .decode(v)
        .map_err(|_| StoreError::Corrupt("TOTP secret".into()))?;
    if raw.len() < 12 {
        return Err(StoreError::Corrupt("TOTP secret".into()));
    }
    let nonce =
        Nonce::try_from(&raw[..12]).map_err(|_| StoreError::Corrupt("TOTP secret".into()))?;
    let c = cipher(seal)?;
    let aad = user.to_string();
    c.decrypt(
        &nonce,
        Payload {
            msg: &raw[12..],
            aad: aad.as_bytes(),
        },
    )
    .map(|s| Some(Zeroizing::new(s)))
    .map_err(|_| StoreError::Corrupt("TOTP secret does not open".into()))
}

/// Checks a code at `now` (one step either way) and remembers the step
/// used, so the same code is not accepted twice.
pub fn check(
    tx: &mut dyn Tx,
    seal: &TotpSeal,
    user: UserId,
    code: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let Some(secret) = secret(tx, seal, user)? else {
        return Ok(false);
    };
    let last: i64 = tx
        .meta(&last_key(user))?
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MIN);
    let now_step = step_of(now);
    for step in [now_step - 1, now_step, now_step + 1] {
        if step > last && crypto::same(&code_at(&secret, step), code) {
            tx.set_meta(&last_key(user), &step.to_string())?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// `sync-server admin totp-enrol`: requires TOTP for a user; returns the
/// secret (base32) and the `otpauth://` URI to show once.
pub fn enrol_user(
    tx: &mut dyn Tx,
    seal: &TotpSeal,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(Zeroizing<String>, Zeroizing<String>), Error> {
    let u = tx
        .user_by_name(username)?
        .ok_or_else(|| Error::not_found(format!("no user named {username:?}")))?;
    let secret = enrol(tx, seal, u.id)?;
    audit::append(tx, admin_event("admin.totp_enrol", u.id), now)?;
    let uri = Zeroizing::new(format!(
        "otpauth://totp/Hamura%20Outreach:{}?secret={}&issuer=Hamura%20Outreach&algorithm=SHA1&digits=6&period=30",
        u.username,
        secret.as_str()
    ));
    Ok((secret, uri))
}

/// `sync-server admin totp-disable`: no longer requires TOTP for a user.
pub fn disable_user(tx: &mut dyn Tx, username: &str, now: DateTime<Utc>) -> Result<(), Error> {
    let u = tx
        .user_by_name(username)?
        .ok_or_else(|| Error::not_found(format!("no user named {username:?}")))?;
    disable(tx, u.id)?;
    audit::append(tx, admin_event("admin.totp_disable", u.id), now)?;
    Ok(())
}

fn admin_event(action: &str, user: UserId) -> AuditEvent {
    AuditEvent {
        actor: "admin-cli".into(),
        device: None,
        device_hlc: None,
        action: action.into(),
        entity: format!("user:{user}"),
        basis: "server administrator".into(),
    }
}

/// Test helper and admin display: the current code for a secret given in
/// base32.
pub fn code_for_base32(secret_b32: &str, at: DateTime<Utc>) -> Option<String> {
    const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for ch in secret_b32.chars() {
        let v = A.find(ch.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(code_at(&out, step_of(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890" (8
        // digits there; the last six digits here).
        let s = b"12345678901234567890";
        assert_eq!(code_at(s, 59 / 30), "287082");
        assert_eq!(code_at(s, 1_111_111_109 / 30), "081804");
        assert_eq!(code_at(s, 2_000_000_000 / 30), "279037");
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(
            code_for_base32(&base32(b"12345678901234567890"), at).unwrap(),
            "287082"
        );
    }
}
