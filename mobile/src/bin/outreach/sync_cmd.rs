//! `outreach enroll`, `outreach sync` and the sync part of `outreach status`.

use std::io::Write;

use outreach_mobile::sync::{
    Backoff, Direct, SyncClient, SyncError, SyncPhase, SyncProgress, enroll,
};
use outreach_mobile::*;
use serde_json::{Value, json};

use crate::texts;
use crate::{Ctx, Failure, Out, read_new_pin};

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| Failure::general(texts::RUNTIME_FAILED.into()))
}

fn sync_failure(e: &SyncError) -> Failure {
    Failure {
        code: match e {
            SyncError::Offline => "offline",
            SyncError::Unavailable(_) => "unavailable",
            SyncError::Revoked => "revoked",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::UpdateApp => "update_app",
            SyncError::Refused(_) => "refused",
            SyncError::CodeInvalid => "code_invalid",
            SyncError::Store(_) => "store",
        },
        message: e.message_ja(),
        exit: texts::exit::SYNC,
        field_errors: Vec::new(),
    }
}

/// Enrols this tablet: with a store already set up, links it; otherwise
/// creates the store with a new PIN and the identity the server gave.
pub fn enroll_cmd(ctx: &Ctx, server: &str, code: &str, label: Option<String>) -> Out {
    let url = server.trim().trim_end_matches('/').to_owned();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(Failure::usage(texts::bad_server_url(&url)));
    }
    let exists = Store::exists(&ctx.cfg);
    let mut store = if exists {
        let s = ctx.open_unlocked()?;
        Some(s)
    } else {
        None
    };
    let label = label.unwrap_or_else(|| texts::DEFAULT_DEVICE_LABEL.into());
    let device_clock_at_send = chrono::Utc::now();
    let resp = runtime()?
        .block_on(enroll(&url, code, &label))
        .map_err(|e| sync_failure(&e))?;
    let identity = Identity {
        device_id: resp.device_id,
        user_id: resp.user_id,
        team_id: resp.team_id,
    };
    let mut store = match store.take() {
        Some(mut s) => {
            s.set_identity(identity).map_err(|e| ctx.fail(e))?;
            s
        }
        None => {
            let pin = read_new_pin()?;
            Store::init(ctx.cfg.clone(), &pin, Some(identity), KdfParams::PRODUCTION)
                .map_err(|e| ctx.fail(e))?
        }
    };
    store
        .set_server_link(&url, &resp.token)
        .map_err(|e| ctx.fail(e))?;
    let offset = (resp.server_time - device_clock_at_send).num_milliseconds();
    if offset.abs() > 2_000 {
        store.set_clock_offset(offset).map_err(|e| ctx.fail(e))?;
    }
    Ok((
        texts::enrolled(&resp.display_name, &url),
        json!({"enrolled": true, "server": url, "identity": identity, "display_name": resp.display_name}),
    ))
}

fn progress_line(p: SyncProgress) -> String {
    match p.phase {
        SyncPhase::Pushing => texts::sync_pushing(p.pushed, p.to_push),
        SyncPhase::Pulling => texts::sync_pulling(p.pulled),
        SyncPhase::Waiting => texts::SYNC_WAITING.into(),
        SyncPhase::Done => texts::SYNC_DONE_LINE.into(),
    }
}

/// Pushes the outbox and pulls what changed, with a progress line on the
/// terminal. A revoked device is wiped.
pub fn sync_cmd(ctx: &Ctx, json_out: bool) -> Out {
    let mut store = ctx.open_unlocked()?;
    let link = store
        .server_link()
        .map_err(|e| ctx.fail(e))?
        .ok_or_else(|| Failure::usage(texts::NOT_ENROLLED.into()))?;
    let client = SyncClient::new(&link.url, &link.token);
    drop(link);
    let mut show = |p: SyncProgress| {
        if !json_out {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K{}", progress_line(p));
            let _ = err.flush();
        }
    };
    let result =
        runtime()?.block_on(client.sync(&Direct::new(&mut store), Backoff::default(), &mut show));
    if !json_out {
        eprintln!();
    }
    match result {
        Ok(r) => {
            let status = store.outbox_status().map_err(|e| ctx.fail(e))?;
            Ok((
                texts::sync_done(
                    r.acknowledged,
                    r.rejected,
                    r.pulled,
                    r.conflicts,
                    status.rejected,
                ),
                json!({
                    "acknowledged": r.acknowledged, "rejected": r.rejected, "pulled": r.pulled,
                    "conflicts": r.conflicts, "pending": status.pending,
                    "waiting_for_worker": status.rejected, "clock_offset_ms": r.clock_offset_ms,
                }),
            ))
        }
        Err(SyncError::Revoked) => {
            store.wipe().map_err(|e| ctx.fail(e))?;
            Err(sync_failure(&SyncError::Revoked))
        }
        Err(e) => Err(sync_failure(&e)),
    }
}

/// The sync part of `outreach status` (needs no PIN).
pub fn sync_status(store: &Store) -> (String, Value) {
    match store.sync_state() {
        Ok(s) => (
            texts::sync_state(&s),
            serde_json::to_value(&s).unwrap_or(Value::Null),
        ),
        Err(_) => (String::new(), Value::Null),
    }
}
