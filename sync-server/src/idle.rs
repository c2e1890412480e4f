//! Gives the memory a burst of tablets freed back to the system once the
//! server goes quiet.
//!
//! The allocator (mimalloc, set in `main.rs`) returns a thread's freed pages
//! to the system only when that same thread calls into it again, some
//! milliseconds later. A thread that served the burst and then waits for
//! work keeps them: the server held ~20 MiB more 5 s after a 200-tablet
//! burst than at rest (issue 17). So each thread that waits asks the
//! allocator to give back what it freed, at most once per [`QUIET`]:
//! - the runtime's workers when they park ([`on_idle`], hooked with
//!   `on_thread_park`); a janitor task ([`janitor`]) opens a new period
//!   every [`QUIET`], so a worker collects at most once per period however
//!   often it parks under load;
//! - the writer and the checkpoint thread after [`QUIET`] without a job;
//! - the runtime's blocking threads (the reads) when they end, [`QUIET`]
//!   after their last job ([`release_now`], hooked with `on_thread_stop`).
//!
//! The binary registers the allocator's collect function
//! ([`set_release`]); without it (the library's tests, which run on the
//! system allocator) every call here does nothing.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// How long a thread waits without work before it gives memory back; also
/// how long an idle blocking thread lives.
pub const QUIET: Duration = Duration::from_secs(1);

static RELEASE: OnceLock<fn()> = OnceLock::new();
/// The current period (see [`janitor`]); starts at 1 so that a thread's
/// first idle moment collects.
static PERIOD: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The period in which this thread last gave memory back.
    static SEEN: Cell<u64> = const { Cell::new(0) };
}

/// Registers how memory is given back (the binary: mimalloc's collect).
/// Only the first registration counts.
pub fn set_release(f: fn()) {
    let _ = RELEASE.set(f);
}

/// This thread is about to wait: gives its freed memory back, once per
/// period.
pub fn on_idle() {
    let Some(release) = RELEASE.get() else {
        return;
    };
    let period = PERIOD.load(Ordering::Relaxed);
    if SEEN.with(|s| s.replace(period)) != period {
        release();
    }
}

/// Gives this thread's freed memory back now (a thread that ends).
pub fn release_now() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}

/// The next message on `rx`, giving this thread's freed memory back
/// ([`on_idle`]) each time it has waited [`QUIET`] for one; `None` once
/// every sender is gone. For the server's own threads that wait on a
/// channel (the writer, the checkpointer).
pub fn recv_or_idle<T>(rx: &Receiver<T>) -> Option<T> {
    loop {
        match rx.recv_timeout(QUIET) {
            Ok(message) => return Some(message),
            Err(RecvTimeoutError::Timeout) => on_idle(),
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Opens a new period.
pub fn next_period() {
    PERIOD.fetch_add(1, Ordering::Relaxed);
}

/// Opens a new period every [`QUIET`], and wakes the other worker so it
/// parks (and collects) too. Runs for the life of the runtime.
pub async fn janitor() {
    let mut tick = tokio::time::interval(QUIET);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        next_period();
        // A task or two for an idle worker to steal: it wakes, runs it and
        // parks again, which collects.
        for _ in 0..2 {
            tokio::spawn(std::future::ready(()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// How often this thread gave memory back (so tests running at
        /// once in one process do not count each other's).
        static CALLS: Cell<usize> = const { Cell::new(0) };
    }

    fn count() {
        CALLS.with(|c| c.set(c.get() + 1));
    }

    fn calls() -> usize {
        CALLS.with(Cell::get)
    }

    #[test]
    fn a_waiting_thread_gives_memory_back_once_per_period() {
        set_release(count);
        std::thread::spawn(|| {
            on_idle();
            on_idle();
            on_idle();
            assert_eq!(calls(), 1, "once in the period");
            next_period();
            on_idle();
            on_idle();
            assert_eq!(calls(), 2, "once more in the next period");
            release_now();
            assert_eq!(calls(), 3, "and when the thread ends");
        })
        .join()
        .unwrap();
        // Another thread has its own record: it gives back in this period too.
        let other = std::thread::spawn(|| {
            on_idle();
            calls()
        });
        assert_eq!(other.join().unwrap(), 1);
    }

    #[test]
    fn a_thread_waiting_on_a_channel_gives_memory_back_and_still_gets_its_message() {
        set_release(count);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            std::thread::sleep(QUIET + Duration::from_millis(200));
            tx.send(7).unwrap();
        });
        std::thread::spawn(move || {
            assert_eq!(recv_or_idle(&rx), Some(7));
            assert_eq!(calls(), 1, "it waited a quiet period: gave back once");
            assert_eq!(recv_or_idle(&rx), None, "the sender is gone");
        })
        .join()
        .unwrap();
    }
}
