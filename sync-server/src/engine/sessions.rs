//! Who is calling, and how office users log in: a bearer token resolved
//! to an enrolled device (a revoked one is told to wipe) or an office
//! session; the console's login (password, lockout after repeated
//! failures, optional TOTP through [`super::totp`], sessions with an idle
//! timeout) and the API's login.
//!
//! One login routine ([`login`]) serves the console and the API: the
//! lockout (checked and counted in one write before the password is
//! checked; per client and per account), Argon2id outside any transaction
//! (the same work for unknown names), the TOTP step for enrolled accounts
//! ([`console_totp`] on the console's second page, the `totp` field on the
//! API), and an audit entry for every failure. It runs over a [`Store`] on
//! a blocking thread; every other function is one step over a [`Tx`]. The
//! rules of logging in (lockout, TOTP, session lifetimes) live here and
//! nowhere else.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::UserId;
use outreach_shared::protocol::{LoginResponse, ProtocolVersion};
use zeroize::Zeroizing;

use super::{Caller, Error, actor_of, audit_console, totp};
use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::keys::TotpSeal;
use crate::store::{self, Store, Tx, UserRow};

/// A console session ends after this many minutes without a request (and
/// in any case `Limits::session_ttl` after login).
pub const IDLE_MINUTES: i64 = 30;
/// How long a login waits for its TOTP code.
pub const PENDING_MINUTES: i64 = 5;
/// Wrong codes allowed per pending login.
pub const PENDING_TRIES: u32 = 3;

/// The settings key of a service credential (by its token's hash).
fn service_key(token_hash: &[u8; 32]) -> String {
    format!("service:{}", crypto::hex(token_hash))
}

/// The settings key of a service credential's token hash (by its name).
fn service_name_key(name: &str) -> String {
    format!("service.name:{name}")
}

/// The name of the service credential `token` is, if any.
fn service_of(tx: &mut dyn Tx, hash: &[u8; 32]) -> Result<Option<String>, Error> {
    Ok(tx.meta(&service_key(hash))?.filter(|n| !n.is_empty()))
}

/// Resolves a bearer token to a caller: an enrolled device (revoked ones
/// are told to wipe) or an office session. A service credential is refused
/// here: it reads the feed only ([`authenticate_feed_reader`]).
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
    if service_of(tx, &hash)?.is_some() {
        return Err(Error::forbidden(
            "a service credential reads only the case-queue feed (GET /api/v1/feed/cases)",
        ));
    }
    Err(bad())
}

/// Resolves a bearer token for the feed: a service credential, or an
/// office session (see [`authenticate`]).
pub fn authenticate_feed_reader(
    tx: &mut dyn Tx,
    token: &str,
    now: DateTime<Utc>,
) -> Result<super::feed::FeedReader, Error> {
    let hash = crypto::token_hash(token);
    if let Some(name) = service_of(tx, &hash)? {
        return Ok(super::feed::FeedReader::Service(name));
    }
    authenticate(tx, token, now).map(super::feed::FeedReader::Office)
}

/// `sync-server admin add-service`: a credential for one of the city's
/// systems, whose only scope is reading the case-queue feed; returns its
/// token (shown once; kept hashed).
pub fn add_service(
    tx: &mut dyn Tx,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Zeroizing<String>, Error> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::bad_request(
            "service name: 1-64 ASCII letters, digits, '.', '_' or '-'",
        ));
    }
    if tx
        .meta(&service_name_key(name))?
        .is_some_and(|h| !h.is_empty())
    {
        return Err(Error::Conflict(format!(
            "a service named {name:?} exists; revoke it first"
        )));
    }
    let (token, hash) = crypto::new_token();
    tx.set_meta(&service_key(&hash), name)?;
    tx.set_meta(&service_name_key(name), &crypto::hex(&hash))?;
    audit::append(
        tx,
        AuditEvent {
            actor: "admin-cli".into(),
            device: None,
            device_hlc: None,
            action: "admin.add_service".into(),
            entity: format!("service:{name} scope:feed"),
            basis: "server administrator".into(),
        },
        now,
    )?;
    Ok(token)
}

/// `sync-server admin revoke-service`: the credential stops working at
/// once; false if there was none of that name.
pub fn revoke_service(tx: &mut dyn Tx, name: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    let Some(hash) = tx.meta(&service_name_key(name))?.filter(|h| !h.is_empty()) else {
        return Ok(false);
    };
    tx.set_meta(&format!("service:{hash}"), "")?;
    tx.set_meta(&service_name_key(name), "")?;
    audit::append(
        tx,
        AuditEvent {
            actor: "admin-cli".into(),
            device: None,
            device_hlc: None,
            action: "admin.revoke_service".into(),
            entity: format!("service:{name}"),
            basis: "server administrator".into(),
        },
        now,
    )?;
    Ok(true)
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
// Logging in: one routine for the console and the API
// ---------------------------------------------------------------------------

/// Failed logins from one client (address) that lock an account for that
/// client…
pub const LOCKOUT_FAILURES: usize = 5;
/// …and from all clients together that lock it for everyone…
pub const ACCOUNT_LOCKOUT_FAILURES: usize = 30;
/// …within this many minutes, for as long (or until an administrator's
/// `sync-server admin unlock-user`, or a password reset).
pub const LOCKOUT_MINUTES: i64 = 15;

/// Where a login arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The web console (a TOTP code on a second page).
    Console,
    /// `POST /api/v1/login` (the TOTP code in the same request).
    Api,
}

impl Channel {
    fn name(self) -> &'static str {
        match self {
            Channel::Console => "console",
            Channel::Api => "api",
        }
    }
}

/// What a person typed.
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The API's TOTP code, sent with the password (the console asks for
    /// it on a page of its own: [`console_totp`]).
    pub totp: Option<&'a str>,
}

/// What a login came to.
pub enum LoginOutcome {
    /// Too many recent failures for this account from this client (or from
    /// all clients): refused without checking the password.
    Locked,
    /// Wrong name, password or code; `locked` when this failure locked the
    /// account for this client.
    Failed { locked: bool },
    /// The password matched and the account needs its TOTP code: the
    /// console gets the ticket of a pending login (for its cookie); the API,
    /// which sent no code, gets `None`. The failure stays counted until the
    /// second factor is given.
    NeedsTotp(Option<Zeroizing<String>>),
    /// Logged in: the session token (the console's cookie, or the API's
    /// bearer token), its user and when it ends.
    Session {
        token: Zeroizing<String>,
        user: Box<UserRow>,
        expires_at: DateTime<Utc>,
    },
}

/// The settings key of an account's recent failures.
pub(crate) fn lockout_key(username: &str) -> String {
    format!(
        "console.login_failures:{}",
        crypto::hex(&crypto::sha256(username.to_lowercase().as_bytes()))
    )
}

/// A client's tag in the failure list and the audit: a short hash of its
/// address (never the address itself).
pub fn client_tag(addr: &str) -> String {
    crypto::hex(&crypto::sha256(format!("hamura-login-client\n{addr}").as_bytes())[..6])
}

/// An account's failures within the window: (unix seconds, client tag).
/// (Entries written before client tags have an empty tag.)
fn recent_failures(value: Option<String>, now: DateTime<Utc>) -> Vec<(i64, String)> {
    let since = (now - Duration::minutes(LOCKOUT_MINUTES)).timestamp();
    value
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| {
            let (t, c) = s.split_once(':').unwrap_or((s, ""));
            Some((t.parse::<i64>().ok()?, c.to_owned()))
        })
        .filter(|(t, _)| *t > since)
        .collect()
}

fn failures_text(f: &[(i64, String)]) -> String {
    // At most the account-wide limit is kept (older ones no longer matter).
    let skip = f.len().saturating_sub(ACCOUNT_LOCKOUT_FAILURES);
    f[skip..]
        .iter()
        .map(|(t, c)| format!("{t}:{c}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn is_locked(f: &[(i64, String)], client: &str) -> bool {
    f.len() >= ACCOUNT_LOCKOUT_FAILURES
        || f.iter().filter(|(_, c)| c == client).count() >= LOCKOUT_FAILURES
}

/// Counts one failure of `username` from `client`; returns whether the
/// account is now locked for that client.
fn count_failure(
    tx: &mut dyn Tx,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let key = lockout_key(username);
    let mut f = recent_failures(tx.meta(&key)?, now);
    f.push((now.timestamp(), client.to_owned()));
    tx.set_meta(&key, &failures_text(&f))?;
    Ok(is_locked(&f, client))
}

/// Forgets an account's failures (after a full login, an unlock or a
/// password reset).
pub(crate) fn clear_failures(tx: &mut dyn Tx, username: &str) -> Result<(), Error> {
    Ok(tx.set_meta(&lockout_key(username), "")?)
}

fn login_event(uid: Option<UserId>, action: String, basis: String) -> AuditEvent {
    AuditEvent {
        actor: uid.map_or_else(|| "anonymous".to_owned(), |u| u.to_string()),
        device: None,
        device_hlc: None,
        action,
        entity: uid.map_or_else(|| "user:unknown".to_owned(), |u| format!("user:{u}")),
        basis,
    }
}

/// Whether `password` is the password of `user`, an active account with a
/// password (Argon2id: slow, never on an async worker). Without such an
/// account the same Argon2 work runs on a decoy hash.
pub fn password_matches(user: Option<&UserRow>, password: &str) -> bool {
    match user
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.as_deref())
    {
        Some(phc) => crypto::verify_password(password, phc),
        None => crypto::verify_password_decoy(password),
    }
}

/// Logs an office user in, for the console and the API alike. Blocking.
///
/// 1. In one write, before any password is checked: refuse if the account
///    is locked for this client, else count this attempt as a failure (so
///    parallel guesses cannot all pass a check made before any of them was
///    counted).
/// 2. Argon2id (the same work for unknown names, on a decoy hash).
/// 3. A wrong password is audited and stays counted. A right one for an
///    account with TOTP waits for the code (still counted); without TOTP,
///    or with the right code, the failures are forgotten and a session
///    starts. Every failure is audited.
pub fn login(
    store: &dyn Store,
    seal: &TotpSeal,
    channel: Channel,
    creds: &Credentials<'_>,
    client: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, Error> {
    let ch = channel.name();
    let sane = !creds.username.is_empty()
        && creds.username.len() <= 64
        && creds.password.len() <= 1024
        && creds.totp.is_none_or(|c| c.len() <= 16);
    let username = if sane { creds.username } else { "" };
    // 1. Check and count in one write.
    let gate = store::write(store, |tx| {
        let user = if sane {
            tx.user_by_name(username)?
        } else {
            None
        };
        let Some(user) = user else {
            return Ok::<_, Error>(Some((None, false)));
        };
        let f = recent_failures(tx.meta(&lockout_key(username))?, now);
        if is_locked(&f, client) {
            audit::append(
                tx,
                login_event(
                    Some(user.id),
                    format!("{ch}.login_locked"),
                    format!("{ch}; client {client}; account locked"),
                ),
                now,
            )?;
            return Ok(None);
        }
        let locked = count_failure(tx, username, client, now)?;
        Ok(Some((Some(user), locked)))
    })?;
    let Some((user, locked)) = gate else {
        tracing::info!(channel = ch, "login refused: account locked");
        return Ok(LoginOutcome::Locked);
    };
    // 2. The password (Argon2id, outside any transaction).
    let verified = password_matches(user.as_ref(), creds.password);
    let fail = |uid: Option<UserId>, why: &str| {
        store::write(store, |tx| {
            audit::append(
                tx,
                login_event(
                    uid,
                    format!("{ch}.login_failed"),
                    format!("{ch}; client {client}; {why}"),
                ),
                now,
            )?;
            Ok::<_, Error>(())
        })
    };
    let user = match (verified, user) {
        (true, Some(u)) => u,
        (_, user) => {
            fail(user.map(|u| u.id), "wrong name or password")?;
            tracing::info!(channel = ch, locked, "login refused");
            return Ok(LoginOutcome::Failed { locked });
        }
    };
    // 3. The second factor, then the session.
    let uid = user.id;
    store::write(store, |tx| {
        let totp_needed = totp::is_enrolled(tx, uid)?;
        if totp_needed {
            match (channel, creds.totp) {
                (Channel::Console, _) => {
                    let (ticket, hash) = crypto::new_token();
                    tx.insert_pending_login(
                        &hash,
                        uid,
                        now,
                        now + Duration::minutes(PENDING_MINUTES),
                    )?;
                    return Ok(LoginOutcome::NeedsTotp(Some(ticket)));
                }
                (Channel::Api, None) => {
                    audit::append(
                        tx,
                        login_event(
                            Some(uid),
                            format!("{ch}.login_failed"),
                            format!("{ch}; client {client}; TOTP code missing"),
                        ),
                        now,
                    )?;
                    return Ok(LoginOutcome::NeedsTotp(None));
                }
                (Channel::Api, Some(code)) => {
                    if !totp::check(tx, seal, uid, code, now)? {
                        audit::append(
                            tx,
                            login_event(
                                Some(uid),
                                format!("{ch}.totp_failed"),
                                format!("{ch}; client {client}; TOTP"),
                            ),
                            now,
                        )?;
                        return Ok(LoginOutcome::Failed { locked });
                    }
                }
            }
        }
        clear_failures(tx, &user.username)?;
        let basis = if totp_needed {
            "password and TOTP"
        } else {
            "password"
        };
        let (token, expires_at) = match channel {
            Channel::Console => (open_console_session(tx, uid, basis, ttl, now)?, now + ttl),
            Channel::Api => {
                let (token, hash) = crypto::new_token();
                tx.insert_session(&hash, uid, now + ttl)?;
                audit::append(
                    tx,
                    login_event(Some(uid), "session.login".into(), basis.into()),
                    now,
                )?;
                (token, now + ttl)
            }
        };
        tracing::info!(channel = ch, "login");
        Ok(LoginOutcome::Session {
            token,
            user: Box::new(user.clone()),
            expires_at,
        })
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
    /// A wrong code (counted against the pending login and the account).
    Wrong,
    /// Logged in: the session token.
    Session(Zeroizing<String>),
}

/// The second step of a console login: the TOTP code for the pending login
/// behind `ticket_hash`. A wrong code counts as a failed login of the
/// account; only the right one forgets the account's failures.
pub fn console_totp(
    store: &dyn Store,
    seal: &TotpSeal,
    ticket_hash: &[u8; 32],
    code: &str,
    client: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<ConsoleTotp, Error> {
    store::write(store, |tx| {
        let Some(uid) = pending_login_user(tx, ticket_hash, now)? else {
            return Ok(ConsoleTotp::Restart);
        };
        let Some(user) = tx.user(uid)?.filter(|u| u.active) else {
            tx.delete_pending_login(ticket_hash)?;
            return Ok(ConsoleTotp::Restart);
        };
        if !totp::check(tx, seal, uid, code, now)? {
            count_failure(tx, &user.username, client, now)?;
            audit::append(
                tx,
                login_event(
                    Some(uid),
                    "console.totp_failed".into(),
                    format!("console; client {client}; TOTP"),
                ),
                now,
            )?;
            tx.fail_pending_login(ticket_hash)?;
            return Ok(ConsoleTotp::Wrong);
        }
        tx.delete_pending_login(ticket_hash)?;
        clear_failures(tx, &user.username)?;
        let token = open_console_session(tx, uid, "password and TOTP", ttl, now)?;
        tracing::info!("console login");
        Ok(ConsoleTotp::Session(token))
    })
}

/// `POST /api/v1/login`: [`login`] on the API's channel, as the API's
/// answer or error (a missing TOTP code is named, so the caller can send
/// it).
pub fn api_login(
    store: &dyn Store,
    seal: &TotpSeal,
    creds: &Credentials<'_>,
    client: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<LoginResponse, Error> {
    match login(store, seal, Channel::Api, creds, client, ttl, now)? {
        LoginOutcome::Locked => Err(Error::Locked(LOCKOUT_MINUTES as u64 * 60)),
        LoginOutcome::Failed { .. } => Err(Error::unauthorized("wrong username or password")),
        LoginOutcome::NeedsTotp(_) => Err(Error::unauthorized(
            "this account needs its TOTP code: send it as \"totp\" with the password",
        )),
        LoginOutcome::Session {
            token,
            user,
            expires_at,
        } => Ok(LoginResponse {
            protocol: ProtocolVersion::CURRENT,
            token: token.to_string(),
            user_id: user.id,
            role: user.role,
            team_id: user.team,
            display_name: user.display_name,
            expires_at,
        }),
    }
}

/// `POST /api/v1/logout`: ends the office session of `token_hash`.
pub fn api_logout(tx: &mut dyn Tx, token_hash: &[u8; 32]) -> Result<(), Error> {
    Ok(tx.delete_session(token_hash)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ServerKeys;
    use crate::store::StoreOptions;
    use std::sync::atomic::Ordering;

    #[test]
    fn an_unknown_name_costs_the_same_argon2_work_as_a_wrong_password() {
        let dir = tempfile::tempdir().unwrap();
        let url: store::DatabaseUrl = format!("sqlite://{}", dir.path().join("o.db").display())
            .parse()
            .unwrap();
        let s = store::open(&url, &StoreOptions::default()).unwrap();
        let keys = ServerKeys::ephemeral();
        let creds = Credentials {
            username: "nobody-at-all",
            password: "some-guess-123",
            totp: None,
        };
        let before = crypto::PASSWORD_CHECKS.load(Ordering::Relaxed);
        let out = login(
            &*s,
            &keys.totp,
            Channel::Api,
            &creds,
            "c",
            Duration::hours(1),
            Utc::now(),
        )
        .unwrap();
        assert!(matches!(out, LoginOutcome::Failed { locked: false }));
        assert!(crypto::PASSWORD_CHECKS.load(Ordering::Relaxed) > before);
        // And the failure is audited, without the name typed.
        let entries = store::read(&*s, |tx| tx.audit_entries(0, 10)).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "api.login_failed");
        assert!(!entries[0].entity.contains("nobody"));
        assert!(!entries[0].basis.contains("nobody"));
    }

    #[test]
    fn failures_are_counted_per_client_and_per_account() {
        let now = Utc::now();
        let mut f: Vec<(i64, String)> = Vec::new();
        for _ in 0..LOCKOUT_FAILURES {
            f.push((now.timestamp(), "a".into()));
        }
        assert!(is_locked(&f, "a"));
        assert!(!is_locked(&f, "b"));
        while f.len() < ACCOUNT_LOCKOUT_FAILURES {
            f.push((now.timestamp(), format!("c{}", f.len())));
        }
        assert!(
            is_locked(&f, "b"),
            "every client, once the account has many"
        );
        // Stored and read back; old ones fall out of the window.
        let text = failures_text(&f);
        assert_eq!(recent_failures(Some(text.clone()), now).len(), f.len());
        let later = now + Duration::minutes(LOCKOUT_MINUTES + 1);
        assert!(recent_failures(Some(text), later).is_empty());
        // The format of older servers (times only) still counts.
        assert_eq!(
            recent_failures(Some(format!("{}", now.timestamp())), now).len(),
            1
        );
    }
}
