//! Settings: the idle time, locking now, and wiping the tablet.

use chrono::{DateTime, Utc};

use super::{AppState, Effect, Msg};
use crate::app::text as t;

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
