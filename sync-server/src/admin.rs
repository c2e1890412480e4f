//! Administration: teams, users, passwords, enrolment codes, devices, and
//! office logins. Used by `sync-server admin ...` and by the API.

use chrono::{DateTime, Utc};
use outreach_shared::access::Role;
use outreach_shared::protocol::{LoginResponse, ProtocolVersion};
use outreach_shared::{AgencyId, DeviceId, TeamId, UserId};

use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::engine::role_name;
use crate::error::ApiError;
use crate::store::{self, DeviceRow, Store, TeamRow, UserRow};

/// Why an administrative command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    #[error("no team named {0:?}")]
    NoSuchTeam(String),
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Engine(#[from] crate::engine::Error),
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
pub fn ensure_team(
    store: &dyn Store,
    name: &str,
    now: DateTime<Utc>,
) -> Result<TeamRow, AdminError> {
    store::write(store, |tx| {
        if let Some(t) = tx.teams()?.into_iter().find(|t| t.name == name) {
            return Ok(t);
        }
        let t = TeamRow {
            id: crypto::new_id(TeamId::new_v7),
            name: name.to_owned(),
        };
        tx.insert_team(&t)?;
        audit::append(
            tx,
            admin_event("admin.add_team", format!("team:{}", t.id)),
            now,
        )?;
        Ok(t)
    })
}

/// A new user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub password: Option<zeroize::Zeroizing<String>>,
}

/// Adds a user (workers and supervisors need a team, agency members an
/// agency of the plan).
pub fn add_user(store: &dyn Store, u: NewUser, now: DateTime<Utc>) -> Result<UserRow, AdminError> {
    if u.username.is_empty()
        || u.username.len() > 64
        || !u
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(AdminError::Invalid(
            "username: 1-64 ASCII letters, digits, '.', '_' or '-'".into(),
        ));
    }
    let needs_team = matches!(u.role, Role::OutreachWorker | Role::Supervisor);
    if needs_team != u.team.is_some() {
        return Err(AdminError::Invalid(
            "workers and supervisors need --team; other roles have none".into(),
        ));
    }
    let agency = match (&u.role, &u.agency) {
        (Role::AgencyMember, Some(a)) => {
            let id = AgencyId::new(a);
            if id.agency().is_none() {
                return Err(AdminError::Invalid(format!(
                    "unknown agency {a:?}; see the plan's list"
                )));
            }
            Some(id)
        }
        (Role::AgencyMember, None) => {
            return Err(AdminError::Invalid("agency members need --agency".into()));
        }
        (_, Some(_)) => {
            return Err(AdminError::Invalid(
                "only agency members have an agency".into(),
            ));
        }
        (_, None) => None,
    };
    let hash = u
        .password
        .as_ref()
        .map(|p| crypto::hash_password(p))
        .transpose()
        .map_err(|e| AdminError::Invalid(format!("password: {e}")))?;
    store::write(store, |tx| {
        if tx.user_by_name(&u.username)?.is_some() {
            return Err(AdminError::UserExists(u.username.clone()));
        }
        let team = match &u.team {
            Some(name) => Some(
                tx.teams()?
                    .into_iter()
                    .find(|t| &t.name == name)
                    .ok_or_else(|| AdminError::NoSuchTeam(name.clone()))?
                    .id,
            ),
            None => None,
        };
        let row = UserRow {
            id: crypto::new_id(UserId::new_v7),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            team,
            agency: agency.clone(),
            password_hash: hash.clone(),
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
    })
}

/// Sets a new password (Argon2id).
pub fn reset_password(
    store: &dyn Store,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AdminError> {
    if password.chars().count() < 12 {
        return Err(AdminError::Invalid(
            "a password needs at least 12 characters".into(),
        ));
    }
    let phc = crypto::hash_password(password)
        .map_err(|e| AdminError::Invalid(format!("password: {e}")))?;
    store::write(store, |tx| {
        let u = tx
            .user_by_name(username)?
            .ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))?;
        tx.set_password(u.id, &phc)?;
        audit::append(
            tx,
            admin_event("admin.reset_password", format!("user:{}", u.id)),
            now,
        )?;
        Ok(())
    })
}

/// Issues a one-time enrolment code for a worker.
pub fn issue_code(
    store: &dyn Store,
    username: &str,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<zeroize::Zeroizing<String>, AdminError> {
    store::write(store, |tx| {
        let u = tx
            .user_by_name(username)?
            .ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))?;
        Ok(crate::engine::issue_enrol_code(
            tx,
            u.id,
            ttl,
            "admin-cli",
            now,
        )?)
    })
}

/// Every device with its user's name.
pub fn list_devices(store: &dyn Store) -> Result<Vec<(DeviceRow, String)>, AdminError> {
    store::read(store, |tx| {
        let users = tx.users()?;
        Ok(tx
            .devices()?
            .into_iter()
            .map(|d| {
                let name = users
                    .iter()
                    .find(|u| u.id == d.user)
                    .map(|u| u.username.clone())
                    .unwrap_or_default();
                (d, name)
            })
            .collect())
    })
}

/// Revokes a device: its next request gets 401 and the order to wipe.
pub fn revoke_device(
    store: &dyn Store,
    id: DeviceId,
    now: DateTime<Utc>,
) -> Result<bool, AdminError> {
    store::write(store, |tx| {
        let done = tx.revoke_device(id, now)?;
        if done {
            audit::append(
                tx,
                admin_event("admin.revoke_device", format!("device:{id}")),
                now,
            )?;
        }
        Ok(done)
    })
}

/// Every user.
pub fn list_users(store: &dyn Store) -> Result<Vec<UserRow>, AdminError> {
    Ok(store::read(store, |tx| tx.users())?)
}

/// An office login: checks the password (Argon2id) and opens a session.
pub fn login(
    store: &dyn Store,
    username: &str,
    password: &str,
    ttl: chrono::Duration,
) -> Result<LoginResponse, ApiError> {
    let bad = || ApiError::unauthorized("wrong username or password");
    if username.len() > 64 || password.len() > 1024 {
        return Err(bad());
    }
    let user = store::read(store, |tx| Ok::<_, ApiError>(tx.user_by_name(username)?))?;
    let Some(user) = user.filter(|u| u.active) else {
        return Err(bad());
    };
    let Some(phc) = user.password_hash.as_deref() else {
        return Err(bad());
    };
    if !crypto::verify_password(password, phc) {
        tracing::info!("office login refused");
        return Err(bad());
    }
    let now = Utc::now();
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
        Ok::<_, ApiError>(())
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
