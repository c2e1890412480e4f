//! Enrolled tablets as supervisors and administrators see them: a team's
//! devices with their last contact, a code issued for one of the team's
//! workers, and revocation (the tablet is told to wipe at its next
//! request). Each console action is checked with `shared::access::decide`
//! (`Resource::Device` of the worker's team) and audited.

use chrono::{DateTime, Duration, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::{DeviceId, TeamId, UserId};
use std::collections::HashMap;
use zeroize::Zeroizing;

use super::{Caller, Error, audit_console};
use crate::audit::{self, AuditEvent};
use crate::store::{DeviceRow, StoreResult, Tx, UserRow};

/// How long a code issued in the console stays valid.
pub const CONSOLE_CODE_MINUTES: i64 = 15;

/// How far back the device list looks for a device's last contact.
const LAST_SEEN_SCAN: u64 = 200_000;

/// The last time each of `devices` was heard from (its latest audit
/// entry), walking back from the newest entry; stops when every device is
/// found or after [`LAST_SEEN_SCAN`] entries.
fn last_seen(
    tx: &mut dyn Tx,
    devices: &[DeviceId],
) -> StoreResult<HashMap<DeviceId, DateTime<Utc>>> {
    let mut m = HashMap::new();
    let mut hi = tx.audit_head()?.map(|(s, _)| s).unwrap_or(0);
    let stop = hi.saturating_sub(LAST_SEEN_SCAN);
    while hi > stop && m.len() < devices.len() {
        let lo = hi.saturating_sub(5000).max(stop);
        let page = tx.audit_entries(lo, (hi - lo) as u32)?;
        hi = lo;
        for e in page.into_iter().rev() {
            if let Some(d) = e.device
                && devices.contains(&d)
            {
                m.entry(d).or_insert(e.at);
            }
        }
    }
    Ok(m)
}

/// A team's users and tablets, with when each tablet was last heard from.
pub struct TeamDevices {
    pub users: Vec<UserRow>,
    pub devices: Vec<DeviceRow>,
    pub last_seen: HashMap<DeviceId, DateTime<Utc>>,
}

/// The devices page of a supervisor's team. Read only (on a reader); the
/// page audits the view with [`audit_team_devices`].
pub fn team_devices(tx: &mut dyn Tx, caller: &Caller, team: TeamId) -> Result<TeamDevices, Error> {
    if !decide(&caller.actor, Action::Read, Resource::Device { team }).is_allowed() {
        return Err(Error::forbidden("devices: other team"));
    }
    let users: Vec<UserRow> = tx
        .users()?
        .into_iter()
        .filter(|u| u.team == Some(team))
        .collect();
    let devices: Vec<DeviceRow> = tx
        .devices()?
        .into_iter()
        .filter(|d| users.iter().any(|u| u.id == d.user))
        .collect();
    let ids: Vec<DeviceId> = devices.iter().map(|d| d.id).collect();
    let last_seen = last_seen(tx, &ids)?;
    Ok(TeamDevices {
        users,
        devices,
        last_seen,
    })
}

/// Audits a view of the devices page.
pub fn audit_team_devices(
    tx: &mut dyn Tx,
    caller: &Caller,
    team: TeamId,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audit_console(
        tx,
        caller,
        "console.view.devices",
        format!("team:{team}"),
        "supervisor of the team (shared::access)",
        now,
    )?;
    Ok(())
}

/// A supervisor issues a one-time code for a worker of their team; returns
/// the code (shown once) and the worker's display name.
pub fn issue_code_for(
    tx: &mut dyn Tx,
    caller: &Caller,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(Zeroizing<String>, String), Error> {
    let u = tx
        .user(user)?
        .ok_or_else(|| Error::not_found("no such user"))?;
    let team = u.team.ok_or_else(|| Error::forbidden("no team"))?;
    if !decide(&caller.actor, Action::Write, Resource::Device { team }).is_allowed() {
        return Err(Error::forbidden("device: other team"));
    }
    let code = super::issue_enrol_code(
        tx,
        user,
        Duration::minutes(CONSOLE_CODE_MINUTES),
        &caller.actor.user.to_string(),
        now,
    )?;
    Ok((code, u.display_name))
}

/// The team of a device's worker, if the device and its worker exist.
fn device_team(tx: &mut dyn Tx, id: DeviceId) -> StoreResult<Option<(DeviceRow, Option<UserRow>)>> {
    let Some(d) = tx.devices()?.into_iter().find(|d| d.id == id) else {
        return Ok(None);
    };
    let user = tx.user(d.user)?;
    Ok(Some((d, user)))
}

/// What the console shows before a revocation is confirmed: the device and
/// its worker; `None` when the caller may not revoke it. Audited either
/// way (so the caller commits an `Ok(None)` too).
pub fn revoke_preview(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: DeviceId,
    now: DateTime<Utc>,
) -> Result<Option<(DeviceRow, Option<UserRow>)>, Error> {
    let Some((d, user)) = device_team(tx, id)? else {
        return Err(Error::not_found("no such device"));
    };
    let allowed = user.as_ref().and_then(|u| u.team).is_some_and(|team| {
        decide(&caller.actor, Action::Write, Resource::Device { team }).is_allowed()
    });
    audit_console(
        tx,
        caller,
        if allowed {
            "console.view.revoke_confirm"
        } else {
            "console.denied"
        },
        format!("device:{id}"),
        if allowed {
            "supervisor of the team (shared::access)"
        } else {
            "not allowed (other team)"
        },
        now,
    )?;
    Ok(allowed.then_some((d, user)))
}

/// A supervisor revokes a tablet of their team. A refusal is audited and
/// committed (the caller must commit an `Ok(false)`): `Ok(false)` means
/// "not allowed".
pub fn revoke_by_supervisor(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: DeviceId,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let team = device_team(tx, id)?
        .and_then(|(_, u)| u)
        .and_then(|u| u.team)
        .ok_or_else(|| Error::not_found("no such device"))?;
    if !decide(&caller.actor, Action::Write, Resource::Device { team }).is_allowed() {
        audit_console(
            tx,
            caller,
            "console.denied",
            format!("device:{id}"),
            "not allowed (other team)",
            now,
        )?;
        return Ok(false);
    }
    if tx.revoke_device(id, now)? {
        audit_console(
            tx,
            caller,
            "device.revoke",
            format!("device:{id}"),
            "supervisor of the team (shared::access)",
            now,
        )?;
    }
    Ok(true)
}

/// `sync-server admin revoke-device`: revokes any device; `false` when it
/// was unknown or already revoked.
pub fn revoke_by_admin(tx: &mut dyn Tx, id: DeviceId, now: DateTime<Utc>) -> Result<bool, Error> {
    let done = tx.revoke_device(id, now)?;
    if done {
        audit::append(
            tx,
            AuditEvent {
                actor: "admin-cli".into(),
                device: None,
                device_hlc: None,
                action: "admin.revoke_device".into(),
                entity: format!("device:{id}"),
                basis: "server administrator".into(),
            },
            now,
        )?;
    }
    Ok(done)
}

/// Every device with its user's name (administrators).
pub fn all_devices(tx: &mut dyn Tx) -> Result<Vec<(DeviceRow, String)>, Error> {
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
}
