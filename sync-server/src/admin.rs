//! The administrator's front end (`sync-server admin ...`, see [`crate::cli`]):
//! teams, users, passwords, enrolment codes, devices and TOTP. Each command
//! runs one engine call ([`crate::engine::users`],
//! [`crate::engine::devices`], [`crate::engine::totp`]) in one transaction;
//! the rules and the audit are the engine's.

use chrono::{DateTime, Utc};
use outreach_shared::DeviceId;
use zeroize::Zeroizing;

use crate::engine::{self, devices, totp, users};
use crate::store::{self, DeviceRow, Store, TeamRow, UserRow};

pub use crate::engine::users::NewUser;

/// Why an administrative command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Engine(#[from] engine::Error),
}

/// Adds a team, or returns the existing one with that name.
pub fn ensure_team(
    store: &dyn Store,
    name: &str,
    now: DateTime<Utc>,
) -> Result<TeamRow, AdminError> {
    Ok(store::write(store, |tx| users::ensure_team(tx, name, now))?)
}

/// Adds a user (workers and supervisors need a team, agency members an
/// agency of the plan).
pub fn add_user(store: &dyn Store, u: NewUser, now: DateTime<Utc>) -> Result<UserRow, AdminError> {
    users::check_new_user(&u)?;
    let hash = u
        .password
        .as_ref()
        .map(|p| users::hash_password(p))
        .transpose()?;
    Ok(store::write(store, |tx| {
        users::add_user(tx, &u, hash, now)
    })?)
}

/// Sets a new password (Argon2id).
pub fn reset_password(
    store: &dyn Store,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AdminError> {
    users::check_new_password(password)?;
    let phc = users::hash_password(password)?;
    Ok(store::write(store, |tx| {
        users::set_password(tx, username, &phc, now)
    })?)
}

/// Ends an account, its sessions and pending logins at once; returns how
/// many sessions ended.
pub fn deactivate_user(
    store: &dyn Store,
    username: &str,
    now: DateTime<Utc>,
) -> Result<u64, AdminError> {
    Ok(store::write(store, |tx| {
        users::deactivate_user(tx, username, now)
    })?)
}

/// Adds a service credential (scope: the case-queue feed); returns its
/// token, shown once.
pub fn add_service(
    store: &dyn Store,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Zeroizing<String>, AdminError> {
    Ok(store::write(store, |tx| {
        engine::sessions::add_service(tx, name, now)
    })?)
}

/// Revokes a service credential; false if there was none of that name.
pub fn revoke_service(
    store: &dyn Store,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool, AdminError> {
    Ok(store::write(store, |tx| {
        engine::sessions::revoke_service(tx, name, now)
    })?)
}

/// Forgets the failed logins that lock an account.
pub fn unlock_user(
    store: &dyn Store,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(), AdminError> {
    Ok(store::write(store, |tx| {
        users::unlock_user(tx, username, now)
    })?)
}

/// Issues a one-time enrolment code for a worker.
pub fn issue_code(
    store: &dyn Store,
    username: &str,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Zeroizing<String>, AdminError> {
    Ok(store::write(store, |tx| {
        users::issue_code(tx, username, ttl, now)
    })?)
}

/// Every device with its user's name.
pub fn list_devices(store: &dyn Store) -> Result<Vec<(DeviceRow, String)>, AdminError> {
    Ok(store::read(store, devices::all_devices)?)
}

/// Revokes a device: its next request gets 401 and the order to wipe.
pub fn revoke_device(
    store: &dyn Store,
    id: DeviceId,
    now: DateTime<Utc>,
) -> Result<bool, AdminError> {
    Ok(store::write(store, |tx| {
        devices::revoke_by_admin(tx, id, now)
    })?)
}

/// Every user.
pub fn list_users(store: &dyn Store) -> Result<Vec<UserRow>, AdminError> {
    Ok(store::read(store, users::all_users)?)
}

/// Requires TOTP for a user; returns the secret (base32) and the
/// `otpauth://` URI to show once.
pub fn totp_enrol(
    store: &dyn Store,
    seal: &crate::keys::TotpSeal,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(Zeroizing<String>, Zeroizing<String>), AdminError> {
    Ok(store::write(store, |tx| {
        totp::enrol_user(tx, seal, username, now)
    })?)
}

/// No longer requires TOTP for a user.
pub fn totp_disable(
    store: &dyn Store,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(), AdminError> {
    Ok(store::write(store, |tx| {
        totp::disable_user(tx, username, now)
    })?)
}
