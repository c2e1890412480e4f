//! The server's engine: every decision and every write, over a [`Tx`].
//! Front ends (the HTTP API in [`crate::api`], the console in
//! [`crate::console`], the admin commands in [`crate::admin`]) gather input,
//! call one engine function and render its answer; none of them writes to
//! the store itself. Backend-independent: every backend runs this same code.
//!
//! Every decision about who may see or change what goes through
//! `shared::access::decide`; every change and every read of a person's
//! record appends an audit entry in the same transaction as the change.
//!
//! By use case:
//! - [`push`]: exactly-once push (prepare, apply, answer one by one);
//! - [`persons`]: persons from pushes, field merge by HLC, kept conflicts,
//!   person reads;
//! - [`pull`]: the visibility-filtered pull;
//! - [`cases`]: the 多機関協働 case queue (escalation with later ones
//!   folded in, moves, the route change when consent arrives later,
//!   consent followed; the rules are `shared::case_rules`), [`roster`]
//!   (members and pledges; removal ends access), [`plans`] (the プラン,
//!   monitoring, the closure evaluation, the 支援会議's record),
//!   [`meetings`] (scheduled, recorded and edited meetings; agendas),
//!   [`referrals`] (agencies' referrals, find-requests to outreach) and
//!   [`board`] (the console's board and case page);
//! - [`resources`]: the 地域資源 catalogue of 参加支援 (console-kept, pulled
//!   by every team), and [`participation`]: a person's needs, trials and
//!   follow-ups from the tablets (append-only); [`community`]: 地域づくり,
//!   the team's community activities from the tablets (append-only, not
//!   tied to a person; persons to find come as ordinary new persons);
//! - [`handover`]: a supervisor's hand-over of a person to another worker
//!   of the team (担当の引き継ぎ), and [`visits`]: the lone-worker check
//!   (訪問開始/訪問終了 from the tablets, 帰着未確認 for the supervisors);
//! - [`evaluation`]: the coordinators' narratives of the report's four
//!   viewpoints, versioned (第4章);
//! - [`reviews`]: supervisors' reviews, and [`records`]: the team records,
//!   review queue, team overview and report data the console reads;
//! - [`feed`]: the LGWAN feed of case-queue items;
//! - [`enrolment`]: enrolment codes and device enrolment;
//! - [`devices`]: a team's tablets, codes issued and revocation;
//! - [`sessions`]: bearer tokens, office logins (lockout, TOTP through
//!   [`totp`]) and sessions;
//! - [`users`]: teams and accounts (the administrator's commands);
//! - [`audit_log`]: the audit viewer's search.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Actor, Decision, Role};
use outreach_shared::{CaseQueueItem, DeviceId, Hlc, HlcClock, PersonId};
use std::sync::Mutex;

use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::store::*;

pub mod audit_log;
pub mod board;
pub mod cases;
pub mod community;
pub mod devices;
pub mod enrolment;
pub mod error;
pub mod evaluation;
pub mod excerpts;
pub mod feed;
pub mod handover;
pub mod household;
pub mod meetings;
pub mod participation;
pub mod persons;
pub mod plans;
pub mod pull;
pub mod push;
pub mod records;
pub mod referrals;
pub mod resources;
pub mod reviews;
pub mod roster;
pub mod sessions;
pub mod totp;
pub mod users;
pub mod visits;

pub use cases::{case_detail, change_route, list_cases, move_case};
pub use enrolment::{enroll, issue_enrol_code};
pub use error::{Error, Result};
pub use feed::feed;
pub use persons::read_person;
pub use pull::{BodyOut, ChangeOut, PullBody, PullPage, audit_pull, pull, status_view};
pub use push::{PreparedOp, operation_hash, prepare_push, push, push_prepared};
pub use reviews::review;
pub use roster::{remove_roster_member, set_roster};
pub use sessions::authenticate;

/// The server's own hybrid logical clock, for changes it makes itself
/// (reviews, case moves). Observes every pushed HLC.
pub struct ServerClock {
    clock: Mutex<HlcClock>,
}

impl ServerClock {
    pub fn new(node: DeviceId) -> Self {
        Self {
            clock: Mutex::new(HlcClock::new(node)),
        }
    }

    /// A fresh timestamp.
    pub fn now(&self) -> Hlc {
        let ms = Utc::now().timestamp_millis().max(0) as u64;
        match self.clock.lock() {
            Ok(mut c) => c.now(ms),
            Err(p) => p.into_inner().now(ms),
        }
    }

    /// Takes in a device's timestamp; refuses one too far ahead.
    pub fn observe(&self, remote: Hlc) -> Result<(), outreach_shared::HlcError> {
        let ms = Utc::now().timestamp_millis().max(0) as u64;
        let mut c = match self.clock.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        c.observe(remote, ms).map(|_| ())
    }

    /// The server's node id, kept in the store's settings.
    pub fn load_node(tx: &mut dyn Tx) -> StoreResult<DeviceId> {
        if let Some(s) = tx.meta("server_node")?
            && let Ok(id) = DeviceId::parse(&s)
        {
            return Ok(id);
        }
        let id = crypto::new_id(DeviceId::new_v7);
        tx.set_meta("server_node", &id.to_string())?;
        Ok(id)
    }
}

/// Whether the store answers and holds the server's settings (`/healthz`).
pub fn storage_ready(tx: &mut dyn Tx) -> Result<bool> {
    Ok(tx.meta("server_node")?.is_some())
}

/// Who is calling: the rule's actor, plus the device for tablets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub device: Option<DeviceId>,
}

impl Caller {
    fn basis(&self, rule: &str) -> String {
        format!("{}; {rule}", role_name(self.actor.role))
    }

    fn event(&self, action: &str, entity: String, basis: String, hlc: Option<Hlc>) -> AuditEvent {
        AuditEvent {
            actor: self.actor.user.to_string(),
            device: self.device,
            device_hlc: hlc,
            action: action.to_owned(),
            entity,
            basis,
        }
    }
}

/// The role's wire name.
pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::OutreachWorker => "outreach_worker",
        Role::Supervisor => "supervisor",
        Role::Coordinator => "coordinator",
        Role::AgencyMember => "agency_member",
    }
}

/// The actor of a user row.
pub fn actor_of(u: &UserRow) -> Actor {
    Actor {
        user: u.id,
        role: u.role,
        team: u.team,
        agency: u.agency.clone(),
    }
}

fn deny_text(d: Decision) -> String {
    match d {
        Decision::Allow => "allowed".into(),
        Decision::Deny(r) => {
            let r = serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("not allowed ({r})")
        }
    }
}

fn latest_case(tx: &mut dyn Tx, person: PersonId) -> StoreResult<Option<CaseQueueItem>> {
    let cases = tx.cases_of_person(person)?;
    let open = cases.iter().find(|c| c.item.status.is_open()).cloned();
    Ok(open.or_else(|| cases.into_iter().next()).map(|c| c.item))
}

/// Appends an audit entry for a console page view or action (the basis
/// says "console").
pub fn audit_console(
    tx: &mut dyn Tx,
    caller: &Caller,
    action: &str,
    entity: String,
    rule: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    audit::append(
        tx,
        AuditEvent {
            actor: caller.actor.user.to_string(),
            device: None,
            device_hlc: None,
            action: action.to_owned(),
            entity,
            basis: format!("{}; console; {rule}", role_name(caller.actor.role)),
        },
        now,
    )
}
