//! The qualitative evaluation of 第4章: coordinators write the narrative of
//! each viewpoint for a report period; each save is a new version with its
//! author, earlier versions kept (`shared::domain::evaluation`). Whoever
//! reads the report reads them; only coordinators write. Each save is
//! audited.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::{Narrative, Viewpoint};

use super::{Caller, Error, audit_console};
use crate::store::*;

/// Every version of every viewpoint's narrative for `from..=to`, oldest
/// version first; for whoever may read the report.
pub fn narratives(
    tx: &mut dyn Tx,
    caller: &Caller,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Narrative>, Error> {
    if !decide(&caller.actor, Action::Read, Resource::Report).is_allowed() {
        return Err(Error::forbidden("report: not allowed"));
    }
    Ok(tx.narratives(from, to)?)
}

/// Saves a new version of `viewpoint`'s narrative for `from..=to`, by a
/// coordinator (社会福祉課, the 推進会議's secretariat).
pub fn write_narrative(
    tx: &mut dyn Tx,
    caller: &Caller,
    viewpoint: Viewpoint,
    from: NaiveDate,
    to: NaiveDate,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Narrative, Error> {
    if caller.actor.role != Role::Coordinator {
        return Err(Error::forbidden(
            "narratives are written by coordinators only",
        ));
    }
    let version = tx
        .narratives(from, to)?
        .iter()
        .filter(|n| n.viewpoint == viewpoint)
        .map(|n| n.version)
        .max()
        .unwrap_or(0)
        + 1;
    let author_name = tx
        .user(caller.actor.user)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let n = Narrative {
        viewpoint,
        from,
        to,
        version,
        text: text.trim().to_owned(),
        author: caller.actor.user,
        author_name,
        written_at: now,
    };
    n.validate().map_err(Error::Invalid)?;
    tx.insert_narrative(&n)?;
    audit_console(
        tx,
        caller,
        "report.narrative",
        format!("narrative:{}:{from}..{to} v{version}", viewpoint.code()),
        "coordinator (第4章 evaluation)",
        now,
    )?;
    Ok(n)
}
