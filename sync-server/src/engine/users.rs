//! Teams and user accounts, as the server's administrator manages them
//! (`sync-server admin ...`, through [`crate::admin`]): the rules of a
//! valid account (username, the team of workers and supervisors, the plan's
//! agency of agency members), passwords (Argon2id) and every change
//! audited as `admin-cli`.

use chrono::{DateTime, Utc};
use outreach_shared::access::Role;
use outreach_shared::{AgencyId, TeamId, UserId};
use zeroize::Zeroizing;

use super::{Error, role_name};
use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::store::{TeamRow, Tx, UserRow};

/// A new user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub password: Option<Zeroizing<String>>,
}

fn admin_event(action: &str, entity: String) -> AuditEvent {
    AuditEvent {
        actor: "admin-cli".into(),
        device: None,
        device_hlc: None,
        action: action.into(),
        entity,
        basis: "server administrator".into(),
    }
}

/// Adds a team, or returns the existing one with that name.
pub fn ensure_team(tx: &mut dyn Tx, name: &str, now: DateTime<Utc>) -> Result<TeamRow, Error> {
    if let Some(t) = tx.teams()?.into_iter().find(|t| t.name == name) {
        return Ok(t);
    }
    let t = TeamRow {
        id: crypto::new_id(TeamId::new_v7),
        name: name.to_owned(),
    };
    tx.insert_team(&t)?;
    super::resources::publish_all_to_team(tx, t.id, now)?;
    audit::append(
        tx,
        admin_event("admin.add_team", format!("team:{}", t.id)),
        now,
    )?;
    Ok(t)
}

/// Checks a new user (workers and supervisors need a team, agency members
/// an agency of the plan); returns the agency.
pub fn check_new_user(u: &NewUser) -> Result<Option<AgencyId>, Error> {
    if u.username.is_empty()
        || u.username.len() > 64
        || !u
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::bad_request(
            "username: 1-64 ASCII letters, digits, '.', '_' or '-'",
        ));
    }
    if let Some(p) = &u.password {
        check_new_password(p)?;
    }
    let needs_team = matches!(u.role, Role::OutreachWorker | Role::Supervisor);
    if needs_team != u.team.is_some() {
        return Err(Error::bad_request(
            "workers and supervisors need --team; other roles have none",
        ));
    }
    match (&u.role, &u.agency) {
        (Role::AgencyMember, Some(a)) => {
            let id = AgencyId::new(a);
            if id.agency().is_none() {
                return Err(Error::bad_request(format!(
                    "unknown agency {a:?}; see the plan's list"
                )));
            }
            Ok(Some(id))
        }
        (Role::AgencyMember, None) => Err(Error::bad_request("agency members need --agency")),
        (_, Some(_)) => Err(Error::bad_request("only agency members have an agency")),
        (_, None) => Ok(None),
    }
}

/// Hashes a password (Argon2id: slow, outside any transaction).
pub fn hash_password(password: &str) -> Result<String, Error> {
    crypto::hash_password(password).map_err(|e| Error::bad_request(format!("password: {e}")))
}

/// Checks a new password: at least 12 characters.
pub fn check_new_password(password: &str) -> Result<(), Error> {
    if password.chars().count() < 12 {
        return Err(Error::bad_request(
            "a password needs at least 12 characters",
        ));
    }
    Ok(())
}

/// Adds a user checked by [`check_new_user`], with its password already
/// hashed by [`hash_password`].
pub fn add_user(
    tx: &mut dyn Tx,
    u: &NewUser,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<UserRow, Error> {
    let agency = check_new_user(u)?;
    if tx.user_by_name(&u.username)?.is_some() {
        return Err(Error::Conflict(format!(
            "a user named {:?} already exists",
            u.username
        )));
    }
    let team = match &u.team {
        Some(name) => Some(
            tx.teams()?
                .into_iter()
                .find(|t| &t.name == name)
                .ok_or_else(|| Error::not_found(format!("no team named {name:?}")))?
                .id,
        ),
        None => None,
    };
    if team.is_some() && team == super::referrals::referral_team(tx)? {
        return Err(Error::bad_request(
            "that team holds referred persons no outreach team has yet; it takes no users",
        ));
    }
    let row = UserRow {
        id: crypto::new_id(UserId::new_v7),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        team,
        agency,
        password_hash,
        active: true,
        created_at: now,
    };
    tx.insert_user(&row)?;
    audit::append(
        tx,
        admin_event(
            "admin.add_user",
            format!("user:{} role:{}", row.id, role_name(row.role)),
        ),
        now,
    )?;
    Ok(row)
}

/// The user named `username`, or a "no user named" error.
pub fn user_named(tx: &mut dyn Tx, username: &str) -> Result<UserRow, Error> {
    tx.user_by_name(username)?
        .ok_or_else(|| Error::not_found(format!("no user named {username:?}")))
}

/// Sets a user's password, hashed by [`hash_password`]: every session and
/// pending login of the account ends (whoever knew the old password is
/// out), and its failed logins are forgotten.
pub fn set_password(
    tx: &mut dyn Tx,
    username: &str,
    phc: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let u = user_named(tx, username)?;
    tx.set_password(u.id, phc)?;
    let ended = tx.delete_sessions_of(u.id)?;
    super::sessions::clear_failures(tx, &u.username)?;
    audit::append(
        tx,
        admin_event(
            "admin.reset_password",
            format!("user:{} sessions_ended:{ended}", u.id),
        ),
        now,
    )?;
    Ok(())
}

/// Ends an account at once: inactive, every session and pending login
/// deleted (its tablets are told to wipe at their next request, as for a
/// revoked device). `actor` and `basis` are the audit's.
pub fn deactivate(
    tx: &mut dyn Tx,
    user: &UserRow,
    actor: &str,
    action: &str,
    basis: String,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    tx.set_user_active(user.id, false)?;
    let ended = tx.delete_sessions_of(user.id)?;
    audit::append(
        tx,
        AuditEvent {
            actor: actor.to_owned(),
            device: None,
            device_hlc: None,
            action: action.to_owned(),
            entity: format!("user:{} sessions_ended:{ended}", user.id),
            basis,
        },
        now,
    )?;
    Ok(ended)
}

/// `sync-server admin deactivate-user`: ends the account named `username`
/// (see [`deactivate`]); returns how many sessions ended.
pub fn deactivate_user(tx: &mut dyn Tx, username: &str, now: DateTime<Utc>) -> Result<u64, Error> {
    let u = user_named(tx, username)?;
    deactivate(
        tx,
        &u,
        "admin-cli",
        "admin.deactivate_user",
        "server administrator".into(),
        now,
    )
}

/// A supervisor ends the account of an outreach worker of their own team
/// from the console (see [`deactivate`]). Anyone else, or another team's
/// worker, is refused and the refusal audited: `Ok(false)` (the caller
/// commits it).
pub fn deactivate_by_supervisor(
    tx: &mut dyn Tx,
    caller: &super::Caller,
    target: UserId,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let u = tx
        .user(target)?
        .ok_or_else(|| Error::not_found("no such user"))?;
    let allowed = caller.actor.role == Role::Supervisor
        && u.role == Role::OutreachWorker
        && u.team.is_some()
        && u.team == caller.actor.team;
    if !allowed {
        super::audit_console(
            tx,
            caller,
            "console.denied",
            format!("user:{target}"),
            "not allowed (only a supervisor, for a worker of the team)",
            now,
        )?;
        return Ok(false);
    }
    if u.active {
        deactivate(
            tx,
            &u,
            &caller.actor.user.to_string(),
            "user.deactivate",
            format!(
                "{}; console; supervisor of the team",
                role_name(caller.actor.role)
            ),
            now,
        )?;
    }
    Ok(true)
}

/// `sync-server admin unlock-user`: forgets the failed logins that lock an
/// account.
pub fn unlock_user(tx: &mut dyn Tx, username: &str, now: DateTime<Utc>) -> Result<(), Error> {
    let u = user_named(tx, username)?;
    super::sessions::clear_failures(tx, &u.username)?;
    audit::append(
        tx,
        admin_event("admin.unlock_user", format!("user:{}", u.id)),
        now,
    )?;
    Ok(())
}

/// Issues a one-time enrolment code for the worker named `username`.
pub fn issue_code(
    tx: &mut dyn Tx,
    username: &str,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Zeroizing<String>, Error> {
    let u = user_named(tx, username)?;
    super::issue_enrol_code(tx, u.id, ttl, "admin-cli", now)
}

/// Every user.
pub fn all_users(tx: &mut dyn Tx) -> Result<Vec<UserRow>, Error> {
    Ok(tx.users()?)
}
