//! Enrolment: one-time codes for outreach workers (stored hashed, shown
//! once) and the enrolment of a tablet with one, which hands it its bearer
//! token.

use chrono::{DateTime, Utc};
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::{DeviceId, UserId, ValidationErrors};

use super::Error;
use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::store::*;

/// Issues a one-time enrolment code for a worker. Returns the code (shown
/// once).
pub fn issue_enrol_code(
    tx: &mut dyn Tx,
    user: UserId,
    ttl: chrono::Duration,
    issued_by: &str,
    now: DateTime<Utc>,
) -> Result<zeroize::Zeroizing<String>, Error> {
    let u = tx
        .user(user)?
        .ok_or_else(|| Error::not_found("no such user"))?;
    if u.role != Role::OutreachWorker || u.team.is_none() || !u.active {
        return Err(Error::bad_request(
            "enrolment codes are for active outreach workers with a team",
        ));
    }
    let code = crypto::new_enrol_code();
    tx.insert_enrol_code(&crypto::enrol_code_hash(&code), user, now + ttl)?;
    audit::append(
        tx,
        AuditEvent {
            actor: issued_by.to_owned(),
            device: None,
            device_hlc: None,
            action: "device.issue_code".into(),
            entity: format!("user:{user}"),
            basis: "administrator".into(),
        },
        now,
    )?;
    Ok(code)
}

/// Whether an enrolment code would be accepted now (read only: lets a
/// valid code through while its client is rate-limited for wrong ones).
pub fn code_is_valid(tx: &mut dyn Tx, code: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    Ok(tx.enrol_code_valid(&crypto::enrol_code_hash(code), now)?)
}

/// Enrols a device with a one-time code.
pub fn enroll(
    tx: &mut dyn Tx,
    req: &EnrollRequest,
    now: DateTime<Utc>,
) -> Result<EnrollResponse, Error> {
    let mut e = ValidationErrors::default();
    outreach_shared::validation::check_text(
        &mut e,
        "device_label",
        &req.device_label,
        60,
        true,
        outreach_shared::validation::Lines::Single,
    );
    outreach_shared::validation::check_text(
        &mut e,
        "platform",
        &req.platform,
        20,
        true,
        outreach_shared::validation::Lines::Single,
    );
    e.finish().map_err(Error::Invalid)?;
    let invalid = || Error::EnrolmentCodeInvalid;
    let user_id = tx
        .take_enrol_code(&crypto::enrol_code_hash(&req.code), now)?
        .ok_or_else(invalid)?;
    let user = tx.user(user_id)?.ok_or_else(invalid)?;
    let team = match (user.active, user.role, user.team) {
        (true, Role::OutreachWorker, Some(t)) => t,
        _ => return Err(invalid()),
    };
    let (token, token_hash) = crypto::new_token();
    let device = DeviceRow {
        id: crypto::new_id(DeviceId::new_v7),
        user: user.id,
        label: req.device_label.clone(),
        platform: req.platform.clone(),
        token_hash,
        enrolled_at: now,
        revoked_at: None,
    };
    tx.insert_device(&device)?;
    audit::append(
        tx,
        AuditEvent {
            actor: user.id.to_string(),
            device: Some(device.id),
            device_hlc: None,
            action: "device.enroll".into(),
            entity: format!("device:{}", device.id),
            basis: "one-time enrolment code".into(),
        },
        now,
    )?;
    Ok(EnrollResponse {
        protocol: ProtocolVersion::CURRENT,
        device_id: device.id,
        token: token.to_string(),
        user_id: user.id,
        team_id: team,
        display_name: user.display_name,
        server_time: now,
    })
}
