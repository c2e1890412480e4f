//! Hybrid logical clock (HLC).
//!
//! Every change carries an [`Hlc`]: physical milliseconds, a counter for
//! changes within the same millisecond (or while the physical clock lags),
//! and the device id as the last tie-break, so that all timestamps are
//! totally ordered and respect causality (a change made after seeing another
//! sorts after it).
//!
//! Tablets' clocks are often wrong. Two things keep order right:
//! - the clock takes an offset (`set_offset`) learned from the server's time
//!   in every sync response, so a tablet three days slow stamps with roughly
//!   the server's time;
//! - `observe` refuses a remote timestamp more than `max_drift` ahead of the
//!   (corrected) physical time, so one broken clock cannot drag every other
//!   clock into the future (bounded drift).
//!
//! The clock reads no time itself: callers pass the physical time in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ids::DeviceId;

/// One HLC timestamp. Orders by (`wall_ms`, `counter`, `node`).
///
/// Its text form sorts the same way as the value, so stores can index it as a
/// string: `000001780000000-00000-<node uuid>`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (logical, never decreasing).
    pub wall_ms: u64,
    /// Orders timestamps within one `wall_ms`.
    pub counter: u16,
    /// The device (or server) that made it.
    pub node: DeviceId,
}

impl Hlc {
    /// The largest `wall_ms` the text form can carry (year 33658).
    pub const MAX_WALL_MS: u64 = 999_999_999_999_999;

    pub const fn new(wall_ms: u64, counter: u16, node: DeviceId) -> Self {
        Self {
            wall_ms,
            counter,
            node,
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:05}-{}", self.wall_ms, self.counter, self.node)
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hlc({self})")
    }
}

impl FromStr for Hlc {
    type Err = HlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || HlcError::Malformed;
        let (wall, rest) = s.split_once('-').ok_or_else(bad)?;
        let (counter, node) = rest.split_once('-').ok_or_else(bad)?;
        if wall.len() != 15 || counter.len() != 5 {
            return Err(bad());
        }
        let wall_ms: u64 = wall.parse().map_err(|_| bad())?;
        let counter: u16 = counter.parse().map_err(|_| bad())?;
        let node = DeviceId::parse(node).map_err(|_| bad())?;
        Ok(Hlc::new(wall_ms, counter, node))
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why the clock refused a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcError {
    #[error(
        "a remote timestamp is {ahead_ms} ms ahead of this clock, more than the allowed {max_drift_ms} ms"
    )]
    DriftExceeded { ahead_ms: u64, max_drift_ms: u64 },
    #[error("malformed HLC timestamp")]
    Malformed,
}

/// A node's clock. Keep one per device (and one per server); persist
/// [`HlcClock::last`] and restore it with [`HlcClock::resume`] after a restart.
#[derive(Debug, Clone)]
pub struct HlcClock {
    last: Hlc,
    offset_ms: i64,
    max_drift_ms: u64,
}

impl HlcClock {
    /// Default bound on how far a remote timestamp may lead: one hour.
    pub const DEFAULT_MAX_DRIFT_MS: u64 = 60 * 60 * 1000;

    pub fn new(node: DeviceId) -> Self {
        Self::resume(Hlc::new(0, 0, node))
    }

    /// A clock that continues after `last` (e.g. loaded from storage).
    pub fn resume(last: Hlc) -> Self {
        Self {
            last,
            offset_ms: 0,
            max_drift_ms: Self::DEFAULT_MAX_DRIFT_MS,
        }
    }

    pub fn with_max_drift(mut self, max_drift_ms: u64) -> Self {
        self.max_drift_ms = max_drift_ms;
        self
    }

    /// The last timestamp handed out or observed.
    pub fn last(&self) -> Hlc {
        self.last
    }

    pub fn node(&self) -> DeviceId {
        self.last.node
    }

    /// Sets the correction added to the physical clock: the server's time
    /// minus the device's time, learned from a sync response.
    pub fn set_offset(&mut self, offset_ms: i64) {
        self.offset_ms = offset_ms;
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms
    }

    fn corrected(&self, physical_ms: u64) -> u64 {
        physical_ms
            .saturating_add_signed(self.offset_ms)
            .min(Hlc::MAX_WALL_MS)
    }

    fn advance(&mut self, wall_ms: u64, counter: u32) -> Hlc {
        let (wall_ms, counter) = if counter > u16::MAX as u32 {
            // The counter ran out within one millisecond: borrow the next one.
            (wall_ms + 1, 0)
        } else {
            (wall_ms, counter as u16)
        };
        self.last = Hlc::new(wall_ms, counter, self.last.node);
        self.last
    }

    /// A timestamp for a local event at physical time `physical_ms`. Greater
    /// than every timestamp this clock handed out or observed.
    ///
    /// One exception keeps a clock that was once wrong from poisoning every
    /// later timestamp: when the last timestamp is more than twice
    /// `max_drift` ahead of the (corrected) physical time — more than any
    /// observed remote timestamp can push it — it came from a wrong clock
    /// (a tablet set days ahead, then fixed). The clock then starts again
    /// from the physical time instead of counting on in the future, where
    /// the server would refuse every change for days.
    pub fn now(&mut self, physical_ms: u64) -> Hlc {
        let pt = self.corrected(physical_ms);
        if self.last.wall_ms > pt.saturating_add(self.max_drift_ms.saturating_mul(2)) {
            return self.advance(pt, 0);
        }
        if pt > self.last.wall_ms {
            self.advance(pt, 0)
        } else {
            self.advance(self.last.wall_ms, self.last.counter as u32 + 1)
        }
    }

    /// Takes in a timestamp received from another node, so that what this
    /// node does next sorts after it. Refuses one too far in the future.
    pub fn observe(&mut self, remote: Hlc, physical_ms: u64) -> Result<Hlc, HlcError> {
        let pt = self.corrected(physical_ms);
        if remote.wall_ms > pt.saturating_add(self.max_drift_ms) {
            return Err(HlcError::DriftExceeded {
                ahead_ms: remote.wall_ms - pt,
                max_drift_ms: self.max_drift_ms,
            });
        }
        let l = self.last;
        let wall = pt.max(l.wall_ms).max(remote.wall_ms);
        let counter = if wall == l.wall_ms && wall == remote.wall_ms {
            l.counter.max(remote.counter) as u32 + 1
        } else if wall == l.wall_ms {
            l.counter as u32 + 1
        } else if wall == remote.wall_ms {
            remote.counter as u32 + 1
        } else {
            0
        };
        Ok(self.advance(wall, counter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: u8) -> DeviceId {
        DeviceId::new_v7(1, [n; 10])
    }

    const DAY: u64 = 24 * 60 * 60 * 1000;
    const T0: u64 = 1_780_000_000_000;

    #[test]
    fn monotonic_even_when_the_physical_clock_goes_back() {
        let mut c = HlcClock::new(node(1));
        let a = c.now(T0);
        let b = c.now(T0 - 5_000);
        let d = c.now(T0 - 5_000);
        let e = c.now(T0 + 1);
        assert!(a < b && b < d && d < e);
        assert_eq!(b.wall_ms, T0);
        assert_eq!(e, Hlc::new(T0 + 1, 0, node(1)));
    }

    #[test]
    fn a_clock_that_was_set_days_ahead_recovers_once_fixed() {
        let mut c = HlcClock::new(node(1));
        let wrong = c.now(T0 + 2 * DAY);
        // Within the drift bound, order is kept even if the clock goes back.
        let fixed_soon = c.now(T0 + 2 * DAY - 1_000);
        assert!(fixed_soon > wrong);
        // Days back: the clock starts again from the physical time.
        let fixed = c.now(T0);
        assert_eq!(fixed, Hlc::new(T0, 0, node(1)));
        assert!(c.now(T0) > fixed);
    }

    #[test]
    fn counter_overflow_borrows_the_next_millisecond() {
        let mut c = HlcClock::resume(Hlc::new(T0, u16::MAX, node(1)));
        let t = c.now(T0);
        assert_eq!((t.wall_ms, t.counter), (T0 + 1, 0));
    }

    #[test]
    fn observing_keeps_causality() {
        let mut a = HlcClock::new(node(1));
        let mut b = HlcClock::new(node(2));
        // b's physical clock is 10 s behind a's.
        let ta = a.now(T0);
        let seen = b.observe(ta, T0 - 10_000).unwrap();
        assert!(seen > ta);
        let tb = b.now(T0 - 10_000);
        assert!(tb > ta, "an event after seeing ta must sort after it");
    }

    #[test]
    fn bounded_drift_refuses_far_future_timestamps() {
        let mut c = HlcClock::new(node(1));
        let future = Hlc::new(T0 + 2 * 60 * 60 * 1000, 0, node(2));
        let err = c.observe(future, T0).unwrap_err();
        assert!(matches!(err, HlcError::DriftExceeded { .. }));
        // The refused timestamp did not move the clock.
        assert!(c.last().wall_ms < future.wall_ms);
        // Within the bound it is taken in.
        let near = Hlc::new(T0 + 30 * 60 * 1000, 7, node(2));
        assert_eq!(
            c.observe(near, T0).unwrap(),
            Hlc::new(near.wall_ms, 8, node(1))
        );
    }

    #[test]
    fn a_device_three_days_slow_orders_right_after_offset_correction() {
        let server_node = node(9);
        let mut server = HlcClock::new(server_node);
        let mut device = HlcClock::new(node(1));
        let device_phys = T0 - 3 * DAY;
        let server_change = server.now(T0);
        // Without correction the server's timestamps look days ahead.
        assert!(device.observe(server_change, device_phys).is_err());
        // The sync response carries the server's time; the device corrects.
        device.set_offset(T0 as i64 - device_phys as i64);
        device.observe(server_change, device_phys).unwrap();
        let local_edit = device.now(device_phys + 1_000);
        assert!(local_edit > server_change);
        assert!(local_edit.wall_ms.abs_diff(T0) < 2_000);
        // And the server accepts the device's stamps without drift errors.
        server.observe(local_edit, T0 + 1_000).unwrap();
    }

    #[test]
    fn a_device_three_days_fast_is_refused_until_corrected() {
        let mut server = HlcClock::new(node(9));
        let mut device = HlcClock::new(node(1));
        let device_phys = T0 + 3 * DAY;
        let wrong = device.now(device_phys);
        assert!(server.observe(wrong, T0).is_err());
        let mut device = HlcClock::new(node(1));
        device.set_offset(T0 as i64 - device_phys as i64);
        let right = device.now(device_phys);
        server.observe(right, T0).unwrap();
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_value() {
        let a = Hlc::new(T0, 3, node(1));
        let b = Hlc::new(T0, 12, node(1));
        let c = Hlc::new(T0 + 1, 0, node(0));
        for h in [a, b, c] {
            assert_eq!(h.to_string().parse::<Hlc>().unwrap(), h);
        }
        let mut texts = [c.to_string(), b.to_string(), a.to_string()];
        texts.sort();
        assert_eq!(texts, [a.to_string(), b.to_string(), c.to_string()]);
        assert!("12-3-x".parse::<Hlc>().is_err());
        assert!(serde_json::from_str::<Hlc>("\"nonsense\"").is_err());
    }
}
