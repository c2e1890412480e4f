//! Who is calling: a bearer token resolved to an enrolled device (a revoked
//! one is told to wipe) or an office session.

use chrono::{DateTime, Utc};

use super::Error;
use super::{Caller, actor_of};
use crate::crypto;
use crate::store::*;

/// Resolves a bearer token to a caller: an enrolled device (revoked ones
/// are told to wipe) or an office session.
pub fn authenticate(tx: &mut dyn Tx, token: &str, now: DateTime<Utc>) -> Result<Caller, Error> {
    let hash = crypto::token_hash(token);
    let bad = || Error::unauthorized("missing, unknown or expired bearer token");
    if let Some(d) = tx.device_by_token(&hash)? {
        if d.revoked_at.is_some() {
            return Err(Error::DeviceRevoked);
        }
        let u = tx.user(d.user)?.ok_or_else(bad)?;
        if !u.active {
            return Err(Error::DeviceRevoked);
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
