//! The 地域資源 catalogue of 参加支援: kept by coordinators and the 社協's
//! supervisors in the console (the rule is `Resource::LocalResource` of
//! `shared::access`), read by everyone, and sent to every team's tablets in
//! the pull (one change per team, so the pull's team index still serves
//! it; a team added later gets the whole catalogue then). Tablets never
//! write it: the push has no operation for it. Each save is audited.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::protocol::EntityKind;
use outreach_shared::{
    AreaCode, DeviceId, Hlc, LocalResource, PersonId, ResourceId, ResourceKind, TeamId,
};
use std::collections::BTreeSet;

use super::{Caller, Error, ServerClock, audit_console, deny_text};
use crate::crypto;
use crate::store::*;

/// What a coordinator or supervisor enters for a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDraft {
    pub name: String,
    pub kind: ResourceKind,
    pub areas: BTreeSet<AreaCode>,
    pub for_whom: String,
    pub days: String,
    pub contact: String,
    pub accepts_new: bool,
}

/// The catalogue, by kind and name. Anyone signed in may read it.
pub fn list(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<LocalResource>, Error> {
    let d = decide(&caller.actor, Action::Read, Resource::LocalResource);
    if !d.is_allowed() {
        return Err(Error::forbidden(format!("resources: {}", deny_text(d))));
    }
    let mut all = tx.resources()?;
    all.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    Ok(all)
}

/// One resource.
pub fn get(tx: &mut dyn Tx, caller: &Caller, id: ResourceId) -> Result<LocalResource, Error> {
    let d = decide(&caller.actor, Action::Read, Resource::LocalResource);
    if !d.is_allowed() {
        return Err(Error::forbidden(format!("resources: {}", deny_text(d))));
    }
    tx.resource(id)?
        .ok_or_else(|| Error::not_found("no such resource"))
}

/// Adds (`id` = `None`) or edits a resource: validated by
/// `LocalResource::validate`, saved, sent to every team's tablets, audited.
pub fn save(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: Option<ResourceId>,
    draft: ResourceDraft,
    now: DateTime<Utc>,
) -> Result<LocalResource, Error> {
    let d = decide(&caller.actor, Action::Write, Resource::LocalResource);
    if !d.is_allowed() {
        return Err(Error::forbidden(format!("resources: {}", deny_text(d))));
    }
    let (id, action) = match id {
        Some(id) => {
            if tx.resource(id)?.is_none() {
                return Err(Error::not_found("no such resource"));
            }
            (id, "resource.edit")
        }
        None => (crypto::new_id(ResourceId::new_v7), "resource.add"),
    };
    let r = LocalResource {
        id,
        name: draft.name.trim().to_owned(),
        kind: draft.kind,
        areas: draft.areas,
        for_whom: draft.for_whom.trim().to_owned(),
        days: draft.days.trim().to_owned(),
        contact: draft.contact.trim().to_owned(),
        accepts_new: draft.accepts_new,
        updated_at: now,
    };
    r.validate().map_err(Error::Invalid)?;
    tx.put_resource(&r)?;
    let hlc = clock.now();
    for t in tx.teams()? {
        publish(tx, r.id, t.id, hlc)?;
    }
    audit_console(
        tx,
        caller,
        action,
        format!("resource:{}", r.id),
        "coordinator or supervisor (shared::access)",
        now,
    )?;
    Ok(r)
}

/// One change of the catalogue for a team's tablets. Resources belong to
/// no person: the change names the nil person.
fn publish(tx: &mut dyn Tx, id: ResourceId, team: TeamId, hlc: Hlc) -> StoreResult<u64> {
    tx.append_change(&NewChange {
        kind: EntityKind::Resource,
        entity: id.0,
        person: PersonId(uuid::Uuid::nil()),
        team,
        hlc,
        replace: false,
    })
}

/// Sends the whole catalogue to a team added after it was written.
pub(super) fn publish_all_to_team(
    tx: &mut dyn Tx,
    team: TeamId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let hlc = Hlc::new(
        now.timestamp_millis().max(0) as u64,
        0,
        DeviceId(uuid::Uuid::nil()),
    );
    for r in tx.resources()? {
        publish(tx, r.id, team, hlc)?;
    }
    Ok(())
}
