//! First run (server address, enrolment code, a new PIN) and the PIN pad.

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::{AppState, Effect, Msg, Screen, UnlockFailure};
use crate::app::text as t;
use crate::shared::enrolment::{EnrolmentQr, QrError, SpkiPin, check_server_address};

/// First run: server and code (typed, or from the enrolment QR), then the
/// PIN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupForm {
    pub pin_step: bool,
    pub server: String,
    pub code: String,
    /// The enrolment QR's text as pasted (or scanned).
    pub qr: String,
    /// The server key pins of the enrolment QR (none when typed by hand).
    pub pins: Vec<SpkiPin>,
    pub pin: String,
    pub pin_confirm: String,
    pub error: Option<String>,
    pub busy: bool,
}

/// The PIN pad.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinPad {
    pub digits: String,
    pub error: Option<String>,
    pub busy: bool,
    /// The key was destroyed: the pad is disabled.
    pub destroyed: bool,
    /// Seconds the next unlock first waits, after attempts that were
    /// interrupted (the app killed during the check); 0 normally. Shown so
    /// that the pause is not taken for a hang.
    pub wait_secs: u64,
}

/// Longest PIN the pad takes.
pub const PIN_MAX: usize = 12;

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        SetupServer(v) => s.setup.server = v,
        SetupCode(v) => s.setup.code = v,
        SetupQr(v) => s.setup.qr = v,
        SetupQrRead(text) => match EnrolmentQr::parse(&text) {
            Ok(qr) => {
                s.setup.server = qr.server;
                s.setup.code = qr.code;
                s.setup.pins = qr.pins;
                s.setup.qr.clear();
                s.setup.error = None;
                s.setup.pin_step = true;
            }
            Err(e) => s.setup.error = Some(e.message_ja().into()),
        },
        SetupNext => {
            let server = s.setup.server.trim().trim_end_matches('/').to_owned();
            s.setup.error = if let Err(e) = check_server_address(&server) {
                Some(match e {
                    QrError::PlainHttp => t::ERR_SERVER_PLAIN_HTTP.into(),
                    _ => t::ERR_SERVER_URL.into(),
                })
            } else if s.setup.code.trim().is_empty() {
                Some(t::ERR_CODE_EMPTY.into())
            } else {
                s.setup.server = server;
                // Typed by hand: no pin, the platform's store decides.
                s.setup.pins.clear();
                s.setup.pin_step = true;
                None
            };
        }
        SetupPin(v) => s.setup.pin = v,
        SetupPinConfirm(v) => s.setup.pin_confirm = v,
        SetupSubmit => {
            if s.setup.pin.chars().count() < crate::Pin::MIN_CHARS {
                s.setup.error = Some(t::ERR_PIN_SHORT.into());
            } else if s.setup.pin != s.setup.pin_confirm {
                s.setup.error = Some(t::ERR_PIN_MISMATCH.into());
                s.setup.pin_confirm.clear();
            } else {
                s.setup.error = None;
                s.setup.busy = true;
                fx.push(Effect::Enroll {
                    server: s.setup.server.clone(),
                    code: s.setup.code.trim().to_owned(),
                    pins: s.setup.pins.clone(),
                    pin: Zeroizing::new(std::mem::take(&mut s.setup.pin)),
                });
                s.setup.pin_confirm.clear();
            }
        }
        SetupFinished(r) => {
            s.setup.busy = false;
            match r {
                Ok(()) => {
                    s.server = Some(s.setup.server.clone());
                    s.setup = SetupForm::default();
                    s.screen = Screen::Caseload;
                    s.last_input = Some(now);
                    s.sync.last_started = Some(now);
                    fx.extend([Effect::LoadCaseload, Effect::LoadStatus, Effect::Sync]);
                }
                Err(e) => {
                    s.setup.error = Some(e);
                    s.setup.pin_step = false;
                }
            }
        }
        PinDigit(c) => {
            if !s.pin.destroyed && !s.pin.busy && c.is_ascii_digit() && s.pin.digits.len() < PIN_MAX
            {
                s.pin.digits.push(c);
            }
        }
        PinBackspace => {
            s.pin.digits.pop();
        }
        PinClear => s.pin.digits.clear(),
        PinSubmit => {
            if !s.pin.destroyed && !s.pin.busy && !s.pin.digits.is_empty() {
                s.pin.busy = true;
                fx.push(Effect::Unlock(Zeroizing::new(std::mem::take(
                    &mut s.pin.digits,
                ))));
            }
        }
        Started => {
            if s.screen == Screen::Unlock {
                fx.push(Effect::LoadUnlockDelay);
            }
        }
        UnlockDelayLoaded(secs) => s.pin.wait_secs = secs,
        Unlocked(r) => {
            s.pin.busy = false;
            match r {
                Ok(()) => {
                    s.pin = PinPad::default();
                    s.screen = Screen::Caseload;
                    // Unlocking is a person's act: the idle time starts now.
                    s.last_input = Some(now);
                    fx.extend([Effect::LoadCaseload, Effect::LoadStatus, Effect::LoadVisit]);
                }
                Err(UnlockFailure::WrongPin { remaining }) => {
                    s.pin.error = Some(t::wrong_pin(remaining))
                }
                Err(UnlockFailure::KeyDestroyed) => {
                    s.pin.destroyed = true;
                    s.pin.error = Some(t::ERR_KEY_DESTROYED.into());
                }
                Err(UnlockFailure::Other(m)) => s.pin.error = Some(m),
            }
        }
        other => return Some(other),
    }
    None
}
