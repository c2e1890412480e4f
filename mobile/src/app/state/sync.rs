//! The sync bar, automatic sync, and the idle lock.
//!
//! A timer sends [`Msg::Tick`] every few seconds. On each tick the idle
//! lock comes first: when no person has tapped for the idle time, the app
//! forgets everything it shows and asks the core to forget its keys —
//! however much background work (an automatic sync, its answers, reloads)
//! ran meanwhile, since none of it counts as use ([`Msg::is_input`]). Only
//! then may an automatic sync start.

use chrono::{DateTime, Duration, Utc};

use super::{AppState, Effect, Msg, Screen};
use crate::app::text as t;
use crate::sync::{SyncPhase, SyncProgress};

/// Seconds between automatic syncs while unlocked (the default).
pub const AUTO_SYNC_SECS: u64 = 120;

/// What the sync bar shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBar {
    pub pending: u64,
    pub rejected: u64,
    pub last_success: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    /// The last error, in words a worker can act on.
    pub error: Option<String>,
    /// When the last sync started (for the automatic one).
    pub last_started: Option<DateTime<Utc>>,
}

impl SyncBar {
    pub fn syncing(&self) -> bool {
        self.progress.is_some()
    }
}

impl AppState {
    /// Whether the idle time has passed since the last tap.
    pub fn idle_expired(&self, now: DateTime<Utc>) -> bool {
        let idle = Duration::minutes(i64::from(self.idle_minutes));
        self.last_input.is_none_or(|last| now - last >= idle)
    }

    fn start_sync(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        self.sync.progress = Some(SyncProgress {
            phase: SyncPhase::Pushing,
            pushed: 0,
            to_push: self.sync.pending,
            pulled: 0,
        });
        self.sync.last_started = Some(now);
        fx.push(Effect::Sync);
    }
}

pub(super) fn update(
    s: &mut AppState,
    msg: Msg,
    now: DateTime<Utc>,
    fx: &mut Vec<Effect>,
) -> Option<Msg> {
    use Msg::*;
    match msg {
        Tick => {
            if !s.shows_content() {
                return None;
            }
            if s.idle_expired(now) {
                s.hide_content();
                s.info(t::ERR_LOCKED);
                fx.push(Effect::Lock);
                return None;
            }
            // The reminder at a visit's expected end (after the lock: a
            // locked tablet shows nothing).
            s.visit.check_due(now);
            let every = Duration::seconds(i64::try_from(s.auto_sync_secs).unwrap_or(i64::MAX));
            let due = s.sync.last_started.is_none_or(|at| now - at >= every);
            if due && !s.sync.syncing() {
                s.start_sync(now, fx);
            }
        }
        SyncNow => {
            if s.shows_content() && !s.sync.syncing() {
                s.start_sync(now, fx);
            }
        }
        SyncProgressed(p) => {
            if s.sync.syncing() {
                s.sync.progress = Some(p);
            }
        }
        SyncFinished(r) => {
            s.sync.progress = None;
            match r {
                Ok(()) => {
                    s.sync.error = None;
                    s.sync.last_success = Some(now);
                }
                Err(e) => s.sync.error = Some(e),
            }
            if !s.shows_content() {
                return None;
            }
            fx.push(Effect::LoadStatus);
            match s.screen {
                Screen::Caseload => fx.push(Effect::LoadCaseload),
                Screen::Person(id) => fx.push(Effect::LoadTimeline(id)),
                Screen::Returned => fx.push(Effect::LoadReturned),
                Screen::Fixes => fx.push(Effect::LoadFixes),
                _ => {}
            }
        }
        StatusLoaded(o, st) => {
            s.sync.pending = o.pending;
            s.sync.rejected = o.rejected;
            s.sync.last_success = st.last_success_at.or(s.sync.last_success);
            if !s.sync.syncing() {
                s.sync.error = st.last_error;
            }
            s.server = st.server_url;
        }
        LockNow => {
            s.hide_content();
            fx.push(Effect::Lock);
        }
        Locked => {
            if s.shows_content() {
                s.hide_content();
                s.info(t::ERR_LOCKED);
            }
        }
        IdleSettingLoaded(m) => s.idle_minutes = m.clamp(1, 60),
        other => return Some(other),
    }
    None
}
