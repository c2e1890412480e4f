//! Settings: the idle time, locking now, enrolling again with a new QR, and
//! wiping the tablet.

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg};
use crate::app::text as t;
use crate::shared::enrolment::EnrolmentQr;

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    _now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        SetIdleMinutes(m) => {
            s.idle_minutes = m.clamp(1, 60);
            fx.push(Effect::SetIdle(s.idle_minutes));
        }
        ReenrolQr(v) => s.reenrol_qr = v,
        ReenrolRead(text) => match EnrolmentQr::parse(&text) {
            Ok(qr) => {
                s.reenrol_qr.clear();
                fx.push(Effect::Reenrol(qr));
            }
            Err(e) => s.error(e.message_ja()),
        },
        ReenrolFinished(Ok(server)) => {
            s.server = Some(server);
            s.info(t::REENROL_DONE);
            fx.extend([Effect::LoadStatus, Effect::Sync]);
        }
        ReenrolFinished(Err(m)) => s.error(m),
        WipeRequested => s.confirm_wipe = true,
        WipeCancelled => s.confirm_wipe = false,
        WipeConfirmed => {
            if s.confirm_wipe {
                fx.push(Effect::Wipe);
            }
        }
        Wiped => {
            *s = AppState::new(false);
            s.info(t::WIPED);
        }
        other => return Some(other),
    }
    None
}
