//! `outreach enroll`, `outreach sync` and the sync part of `outreach status`.

use std::io::Write;

use outreach_mobile::shared::enrolment::{EnrolmentQr, QrError, SpkiPin, check_server_address};
use outreach_mobile::sync::{
    Backoff, Direct, SyncClient, SyncError, SyncPhase, SyncProgress, enroll_pinned,
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
        code: e.code(),
        message: e.message_ja(),
        exit: texts::exit::SYNC,
        field_errors: Vec::new(),
    }
}

/// What to enrol with: the enrolment QR's text, or its parts given one by
/// one (`--server`, `--code`, `--pin`), checked by the same rules
/// (`shared::enrolment`).
pub fn enrol_target(
    qr: Option<String>,
    server: Option<String>,
    code: Option<String>,
    pins: Vec<String>,
) -> Result<EnrolmentQr, Failure> {
    let bad_qr = |e: QrError| Failure {
        code: "bad_enrolment_qr",
        message: e.message_ja().into(),
        exit: texts::exit::USAGE,
        field_errors: Vec::new(),
    };
    if let Some(text) = qr {
        return EnrolmentQr::parse(&text).map_err(bad_qr);
    }
    let url = server
        .unwrap_or_default()
        .trim()
        .trim_end_matches('/')
        .to_owned();
    match check_server_address(&url) {
        Ok(()) => {}
        Err(QrError::PlainHttp) => return Err(Failure::usage(texts::plain_http_server(&url))),
        Err(_) => return Err(Failure::usage(texts::bad_server_url(&url))),
    }
    let pins = pins
        .iter()
        .map(|p| p.parse::<SpkiPin>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad_qr)?;
    // The same checks as a scanned code.
    EnrolmentQr::parse(
        &EnrolmentQr {
            server: url,
            code: code.unwrap_or_default(),
            pins,
        }
        .to_text(),
    )
    .map_err(bad_qr)
}

/// Enrols this tablet: with a store already set up, links it again (new
/// token, identity and pins; the records stay); otherwise creates the store
/// with a new PIN and the identity the server gave.
pub fn enroll_cmd(ctx: &Ctx, target: &EnrolmentQr, label: Option<String>) -> Out {
    let url = target.server.clone();
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
        .block_on(enroll_pinned(&url, &target.code, &target.pins, &label))
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
        .set_server_link_pinned(&url, &resp.token, &target.pins)
        .map_err(|e| ctx.fail(e))?;
    let offset = (resp.server_time - device_clock_at_send).num_milliseconds();
    if offset.abs() > 2_000 {
        store.set_clock_offset(offset).map_err(|e| ctx.fail(e))?;
    }
    Ok((
        texts::enrolled(&resp.display_name, &url),
        json!({"enrolled": true, "server": url, "identity": identity, "display_name": resp.display_name, "pins": target.pins}),
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
    let client = SyncClient::pinned(
        &link.url,
        &link.token,
        &link.pins,
        std::time::Duration::from_secs(30),
    );
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
