//! The sync client: pushes the outbox to the server and pulls what changed,
//! over HTTPS (reqwest with rustls, so the same code builds for Android and
//! iOS), with compressed bodies.
//!
//! Guarantees:
//! - an operation leaves the outbox only when the server acknowledged it
//!   (applied or duplicate); a rejected one stays, with the server's reason;
//! - each pulled page is applied to the store in one transaction together
//!   with its cursor, so a cut between or inside pages resumes where it was;
//! - every await is a network request whose effects on the store happen only
//!   after it completed: dropping a sync future at any await (cancel) leaves
//!   the store consistent, and the next sync repeats at most one request the
//!   server treats idempotently;
//! - transient failures (no network, a refused connection, timeouts, 429,
//!   5xx) retry with exponential backoff and full jitter, never before the
//!   server's `Retry-After`; a certificate problem is never retried and has
//!   its own message ([`trust`]: the platform's store and the server key
//!   pinned at enrolment); a revoked device is told to wipe;
//!   an unsupported protocol asks for an app update;
//! - the server's clock, sent with every response, corrects the device's
//!   clock (skew), so timestamps and HLCs stay right on a tablet whose clock
//!   is days off.
//!
//! It never logs a payload and never puts personal data in a URL.

mod client;
pub mod trust;

pub use client::*;
