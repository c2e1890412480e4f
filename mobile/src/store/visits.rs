//! The lone-worker check on the tablet: 訪問開始 and 訪問終了 (issue 12).
//! Each is an outbox operation (only ids and times: `shared::domain::visit`)
//! written in one transaction with the open visit, which the store keeps
//! sealed in its settings (one at a time: a worker is in one place), so the
//! app can remind the worker at the expected end while offline.

use chrono::Duration;
use outreach_shared::domain::visit::{self, MAX_VISIT_MINUTES, VisitStart};
use outreach_shared::protocol::{EntityRef, Payload};
use outreach_shared::{PersonId, ValidationErrors, Violation, VisitId};
use rusqlite::TransactionBehavior;

use super::records::{ctx, push_op};
use super::{
    Store, from_hex, get_meta, open_value, reseal_meta, seal_value, set_meta, to_hex, unix_ms,
};
use crate::crypto::random_array;
use crate::error::{Result, StoreError};

/// The settings key of the open visit (its value is sealed).
const OPEN_VISIT: &str = "open_visit";

/// Re-seals the open visit under a new data key (a PIN change): without
/// it the visit started before the change could no longer be read, and its
/// reminder would be lost. A value the old key cannot open is dropped (it
/// was unreadable already).
pub(super) fn rekey_open_visit(
    conn: &rusqlite::Connection,
    old: &crate::crypto::Sealer,
    new: &crate::crypto::Sealer,
) -> Result<()> {
    if reseal_meta(conn, old, new, OPEN_VISIT)? == Some(false) {
        set_meta(conn, OPEN_VISIT, "")?;
    }
    Ok(())
}

impl Store {
    /// The visit started and not yet finished on this tablet, if any.
    pub fn open_visit(&mut self) -> Result<Option<VisitStart>> {
        let (conn, sealer) = self.unlocked_parts()?;
        let Some(text) = get_meta(conn, OPEN_VISIT)? else {
            return Ok(None);
        };
        if text.is_empty() {
            return Ok(None);
        }
        let sealed = from_hex(&text).ok_or(StoreError::Encode)?;
        Ok(open_value(sealer, "meta", OPEN_VISIT, 1, &sealed))
    }

    /// 訪問開始 on `person` now, expected to last `minutes` (1 to 12 h).
    /// Refused while another visit is open.
    pub fn start_visit(&mut self, person: PersonId, minutes: u32) -> Result<VisitStart> {
        if self.open_visit()?.is_some() {
            let mut e = ValidationErrors::default();
            e.push("visit.started_at", Violation::Duplicate);
            return Err(StoreError::Invalid(e));
        }
        self.load_person_for_change(person)?;
        let now = self.now();
        let v = VisitStart {
            id: VisitId::new_v7(unix_ms(now), random_array()?),
            person_id: person,
            started_at: now,
            expected_end: now + Duration::minutes(i64::from(minutes.min(MAX_VISIT_MINUTES + 1))),
        };
        v.validate(&ctx(now)).map_err(StoreError::Invalid)?;
        let hlc = self.stamp(now);
        let identity = self.identity;
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::visit(v.id),
            Payload::StartVisit(v.clone()),
            None,
        )?;
        let sealed = seal_value(sealer, "meta", OPEN_VISIT, 1, &v)?;
        set_meta(&tx, OPEN_VISIT, &to_hex(&sealed))?;
        tx.commit()?;
        Ok(v)
    }

    /// 訪問終了 of the open visit, now; returns it.
    pub fn finish_visit(&mut self) -> Result<VisitStart> {
        let v = self.open_visit()?.ok_or(StoreError::NotFound {
            kind: crate::error::RecordKind::Person,
            id: "open visit".into(),
        })?;
        let now = self.now().max(v.started_at);
        visit::check_end(v.started_at, now, &ctx(now)).map_err(StoreError::Invalid)?;
        let hlc = self.stamp(now);
        let identity = self.identity;
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::visit(v.id),
            Payload::FinishVisit {
                person_id: v.person_id,
                ended_at: now,
            },
            None,
        )?;
        set_meta(&tx, OPEN_VISIT, "")?;
        tx.commit()?;
        Ok(v)
    }
}
