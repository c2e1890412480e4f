//! Who is calling, and how office users log in: a bearer token resolved
//! to an enrolled device (a revoked one is told to wipe) or an office
//! session; the console's login (password, lockout after repeated
//! failures, optional TOTP through [`super::totp`], sessions with an idle
//! timeout) and the API's login.
//!
//! The login routines ([`console_login`], [`console_totp`], [`api_login`])
//! run over a [`Store`] on a blocking thread: they read, check the password
//! (Argon2id, slow) outside any transaction, then write. Every other
//! function is one step over a [`Tx`]. The rules of logging in (lockout,
//! TOTP, session lifetimes) live here and nowhere else.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::UserId;
use outreach_shared::protocol::{LoginResponse, ProtocolVersion};
use zeroize::Zeroizing;

use super::{Caller, Error, actor_of, audit_console, totp};
use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::store::{self, Store, Tx, UserRow};

/// Failed console logins that lock an account…
pub const LOCKOUT_FAILURES: usize = 5;
/// …within this many minutes, for as long.
pub const LOCKOUT_MINUTES: i64 = 15;
/// A console session ends after this many minutes without a request (and
/// in any case `Limits::session_ttl` after login).
pub const IDLE_MINUTES: i64 = 30;
/// How long a login waits for its TOTP code.
pub const PENDING_MINUTES: i64 = 5;
/// Wrong codes allowed per pending login.
pub const PENDING_TRIES: u32 = 3;

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

// ---------------------------------------------------------------------------
// Console sessions
// ---------------------------------------------------------------------------

/// When a console session token was made: the token is
/// `<random>.<unix seconds>`, hashed as a whole, so the time cannot be
/// changed without invalidating the token.
pub fn console_session_created(token: &str) -> Option<DateTime<Utc>> {
    let (_, secs) = token.rsplit_once('.')?;
    DateTime::from_timestamp(secs.parse().ok()?, 0)
}

/// The active user of a console session still valid at `now`.
pub fn console_session_user(
    tx: &mut dyn Tx,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<Option<UserRow>, Error> {
    let Some(uid) = tx.session_user(token_hash, now)? else {
        return Ok(None);
    };
    Ok(tx.user(uid)?.filter(|u| u.active))
}

/// Slides a session's idle expiry to `until` (never earlier).
pub fn extend_console_session(
    tx: &mut dyn Tx,
    token_hash: &[u8; 32],
    until: DateTime<Utc>,
) -> Result<(), Error> {
    Ok(tx.extend_session(token_hash, until)?)
}

/// Ends the caller's own console session.
pub fn console_logout(
    tx: &mut dyn Tx,
    caller: &Caller,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.delete_session(token_hash)?;
    audit_console(
        tx,
        caller,
        "session.logout",
        format!("user:{}", caller.actor.user),
        "own session",
        now,
    )?;
    Ok(())
}

/// Opens a console session for `uid`; returns its token (for the cookie).
fn open_console_session(
    tx: &mut dyn Tx,
    uid: UserId,
    basis: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Zeroizing<String>, Error> {
    let token = Zeroizing::new(format!(
        "{}.{}",
        crypto::new_token().0.as_str(),
        now.timestamp()
    ));
    let hash = crypto::token_hash(&token);
    let idle = Duration::minutes(IDLE_MINUTES).min(ttl);
    tx.insert_session(&hash, uid, now + idle)?;
    audit::append(
        tx,
        AuditEvent {
            actor: uid.to_string(),
            device: None,
            device_hlc: None,
            action: "session.login".into(),
            entity: format!("user:{uid}"),
            basis: format!("console; {basis}"),
        },
        now,
    )?;
    Ok(token)
}

// ---------------------------------------------------------------------------
// Console login
// ---------------------------------------------------------------------------

/// What a console login came to.
pub enum ConsoleLogin {
    /// Too many recent failures: refused without checking the password.
    Locked,
    /// Wrong name or password; `locked` when this failure locked the account.
    Failed { locked: bool },
    /// The password matched; TOTP is required: the ticket of the pending
    /// login (for its cookie).
    NeedsTotp(Zeroizing<String>),
    /// Logged in: the session token (for its cookie).
    Session(Zeroizing<String>),
}

fn lockout_key(username: &str) -> String {
    format!(
        "console.login_failures:{}",
        crypto::hex(&crypto::sha256(username.to_lowercase().as_bytes()))
    )
}

fn recent_failures(value: Option<String>, now: DateTime<Utc>) -> Vec<i64> {
    let since = (now - Duration::minutes(LOCKOUT_MINUTES)).timestamp();
    value
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.parse::<i64>().ok())
        .filter(|t| *t > since)
        .collect()
}

/// Whether `password` is the password of `user`, an active account with a
/// password (Argon2id: slow, never on an async worker).
pub fn password_matches(user: Option<&UserRow>, password: &str) -> bool {
    match user
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.as_deref())
    {
        Some(phc) => crypto::verify_password(password, phc),
        None => false,
    }
}

/// A console login with a name and password: the lockout, the password,
/// the failure count, then TOTP or a session. Blocking.
pub fn console_login(
    store: &dyn Store,
    username: &str,
    password: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<ConsoleLogin, Error> {
    if username.is_empty() || username.len() > 64 || password.len() > 1024 {
        return Ok(ConsoleLogin::Failed { locked: false });
    }
    let key = lockout_key(username);
    let (user, failures) = store::read(store, |tx| {
        Ok::<_, Error>((
            tx.user_by_name(username)?,
            recent_failures(tx.meta(&key)?, now),
        ))
    })?;
    if failures.len() >= LOCKOUT_FAILURES {
        tracing::info!("console login refused: account locked");
        return Ok(ConsoleLogin::Locked);
    }
    let verified = password_matches(user.as_ref(), password);
    let user = match (verified, user) {
        (true, Some(u)) => u,
        (_, user) => {
            // Failures are counted for existing accounts only (no row per
            // guessed name); the answer is the same either way.
            let Some(uid) = user.map(|u| u.id) else {
                tracing::info!("console login refused");
                return Ok(ConsoleLogin::Failed { locked: false });
            };
            let locked = store::write(store, |tx| {
                let mut f = recent_failures(tx.meta(&key)?, now);
                f.push(now.timestamp());
                let v = f.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                tx.set_meta(&key, &v)?;
                audit::append(
                    tx,
                    AuditEvent {
                        actor: uid.to_string(),
                        device: None,
                        device_hlc: None,
                        action: "console.login_failed".into(),
                        entity: format!("user:{uid}"),
                        basis: format!("password; failure {} of {LOCKOUT_FAILURES}", f.len()),
                    },
                    now,
                )?;
                Ok::<_, Error>(f.len() >= LOCKOUT_FAILURES)
            })?;
            tracing::info!(locked, "console login refused");
            return Ok(ConsoleLogin::Failed { locked });
        }
    };
    let uid = user.id;
    store::write(store, |tx| {
        tx.set_meta(&key, "")?;
        if totp::is_enrolled(tx, uid)? {
            let (ticket, hash) = crypto::new_token();
            tx.insert_pending_login(&hash, uid, now, now + Duration::minutes(PENDING_MINUTES))?;
            return Ok(ConsoleLogin::NeedsTotp(ticket));
        }
        let token = open_console_session(tx, uid, "password", ttl, now)?;
        tracing::info!("console login");
        Ok(ConsoleLogin::Session(token))
    })
}

/// The user of the pending login behind `ticket_hash`, if it is still
/// valid and has tries left. Pending logins are in the store (any instance
/// can finish a login another one started).
pub fn pending_login_user(
    tx: &mut dyn Tx,
    ticket_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<Option<UserId>, Error> {
    Ok(tx
        .pending_login(ticket_hash, now)?
        .filter(|(_, tries)| *tries < PENDING_TRIES)
        .map(|(u, _)| u))
}

/// What the second step of a console login came to.
pub enum ConsoleTotp {
    /// No such pending login (expired, or out of tries): start again.
    Restart,
    /// A wrong code (counted).
    Wrong,
    /// Logged in: the session token.
    Session(Zeroizing<String>),
}

/// The second step of a console login: the TOTP code for the pending login
/// behind `ticket_hash`. Blocking.
pub fn console_totp(
    store: &dyn Store,
    ticket_hash: &[u8; 32],
    code: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<ConsoleTotp, Error> {
    store::write(store, |tx| {
        let Some(uid) = pending_login_user(tx, ticket_hash, now)? else {
            return Ok(ConsoleTotp::Restart);
        };
        if !totp::check(tx, uid, code, now)? {
            audit::append(
                tx,
                AuditEvent {
                    actor: uid.to_string(),
                    device: None,
                    device_hlc: None,
                    action: "console.totp_failed".into(),
                    entity: format!("user:{uid}"),
                    basis: "TOTP".into(),
                },
                now,
            )?;
            tx.fail_pending_login(ticket_hash)?;
            return Ok(ConsoleTotp::Wrong);
        }
        tx.delete_pending_login(ticket_hash)?;
        let token = open_console_session(tx, uid, "password and TOTP", ttl, now)?;
        tracing::info!("console login");
        Ok(ConsoleTotp::Session(token))
    })
}

// ---------------------------------------------------------------------------
// API login
// ---------------------------------------------------------------------------

/// `POST /api/v1/login`: checks the password (Argon2id) and opens an office
/// session. Blocking. (No lockout here yet: the console's rules above are
/// the ones to share.)
pub fn api_login(
    store: &dyn Store,
    username: &str,
    password: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<LoginResponse, Error> {
    let bad = || Error::unauthorized("wrong username or password");
    if username.len() > 64 || password.len() > 1024 {
        return Err(bad());
    }
    let user = store::read(store, |tx| Ok::<_, Error>(tx.user_by_name(username)?))?;
    let Some(user) = user.filter(|u| u.active) else {
        return Err(bad());
    };
    if user.password_hash.is_none() {
        return Err(bad());
    }
    if !password_matches(Some(&user), password) {
        tracing::info!("office login refused");
        return Err(bad());
    }
    let (token, hash) = crypto::new_token();
    let expires_at = now + ttl;
    store::write(store, |tx| {
        tx.insert_session(&hash, user.id, expires_at)?;
        audit::append(
            tx,
            AuditEvent {
                actor: user.id.to_string(),
                device: None,
                device_hlc: None,
                action: "session.login".into(),
                entity: format!("user:{}", user.id),
                basis: "password".into(),
            },
            now,
        )?;
        Ok::<_, Error>(())
    })?;
    Ok(LoginResponse {
        protocol: ProtocolVersion::CURRENT,
        token: token.to_string(),
        user_id: user.id,
        role: user.role,
        team_id: user.team,
        display_name: user.display_name,
        expires_at,
    })
}

/// `POST /api/v1/logout`: ends the office session of `token_hash`.
pub fn api_logout(tx: &mut dyn Tx, token_hash: &[u8; 32]) -> Result<(), Error> {
    Ok(tx.delete_session(token_hash)?)
}
