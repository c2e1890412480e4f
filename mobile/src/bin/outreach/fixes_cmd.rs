//! `outreach outbox rejected | retry | discard`: the changes the server
//! refused, in the same words as the tablet's 要修正 screen, sent again as
//! they are, or discarded (with `--yes`). To correct one, change the record
//! (`person update`, `contact add --corrects`, ...) and discard the refused
//! change, or use the tablet's 要修正 screen.

use outreach_mobile::app::state::{fixes_what, fixes_why};
use outreach_mobile::shared::ja;
use outreach_mobile::shared::*;
use serde_json::{Value, json};

use crate::texts;
use crate::{Ctx, Failure, Out, id, with_damaged};

pub(crate) fn rejected(ctx: &Ctx) -> Out {
    let mut s = ctx.open_unlocked()?;
    let l = s.rejected_changes().map_err(|e| ctx.fail(e))?;
    let text = if l.items.is_empty() {
        texts::NO_REJECTED.to_owned()
    } else {
        l.items
            .iter()
            .map(|c| {
                texts::rejected_line(
                    &c.op_id.to_string(),
                    &ja::local_datetime(c.created_at),
                    &fixes_what(c),
                    &fixes_why(c),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let rows: Vec<Value> = l
        .items
        .iter()
        .map(|c| {
            json!({"op_id": c.op_id, "type": c.payload.type_name(), "created_at": c.created_at,
                   "code": c.rejection.code, "message": c.rejection.message,
                   "field_errors": c.rejection.field_errors, "why": fixes_why(c)})
        })
        .collect();
    Ok((
        with_damaged(text, &l.damaged),
        json!({"rejected": rows, "damaged": l.damaged}),
    ))
}

pub(crate) fn retry(ctx: &Ctx, op: &str) -> Out {
    let op: OperationId = id(op)?;
    let mut s = ctx.open_unlocked()?;
    s.resolve_rejection(op, false).map_err(|e| ctx.fail(e))?;
    Ok((texts::REJECTED_RETRIED.into(), json!({"retried": op})))
}

pub(crate) fn discard(ctx: &Ctx, op: &str, yes: bool) -> Out {
    if !yes {
        return Err(Failure::usage(texts::DISCARD_NEEDS_YES.into()));
    }
    let op: OperationId = id(op)?;
    let mut s = ctx.open_unlocked()?;
    s.discard_rejected(op).map_err(|e| ctx.fail(e))?;
    Ok((texts::REJECTED_DISCARDED.into(), json!({"discarded": op})))
}
