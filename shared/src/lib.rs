//! # outreach-shared
//!
//! The one crate that knows the words of Hamura's outreach work and the wire
//! format between the tablet and the server.
//!
//! It owns:
//! - the domain model ([`domain`]): persons (対象者) and households, contact
//!   logs (接触記録), relationship stages, fields of life and cross-cutting
//!   tags, consent (本人同意), escalations and referrals to 多機関協働 and the
//!   case-queue items they become, meetings, the structured プラン with its
//!   monitoring and closure evaluation, supervisors' reviews, the support
//!   agencies of the plan;
//! - validation with typed errors that carry a Japanese and an English
//!   message ([`validation`]);
//! - who may see or change what ([`access`]), as one pure function, and
//!   the rules of the 多機関協働 case queue every front end obeys
//!   ([`case_rules`]: moves, route changes, roster, meetings, plans);
//! - the versioned sync protocol ([`protocol`]) and the hybrid logical clock
//!   ([`hlc`]) with the field-by-field merge rule, the household member by
//!   member ([`merge`]);
//! - the enrolment QR code's format and the server key pin ([`enrolment`]);
//! - Japanese presentation: labels for every enum, 令和 dates and local time in
//!   Asia/Tokyo, and reading what people type — dates in 令和 or 西暦, birth
//!   years, text in any width ([`ja`]).
//!
//! It must never do I/O: no clock reads, no randomness, no files, no network,
//! no async runtime. Callers pass the current time and random bytes in. It
//! builds for `wasm32-unknown-unknown` (checked in CI).
//!
//! With the `schema` feature (the server's, never the tablet's) every wire
//! type also implements `schemars::JsonSchema`, for the OpenAPI document.

pub mod access;
pub mod anonymise;
pub mod case_rules;
pub mod domain;
pub mod enrolment;
pub mod hlc;
pub mod ids;
pub mod ja;
pub mod merge;
pub mod protocol;
#[cfg(feature = "schema")]
mod schema;
pub mod validation;

pub use domain::*;
pub use hlc::{Hlc, HlcClock, HlcError};
pub use ids::*;
pub use validation::{FieldError, ValidationContext, ValidationErrors, Violation};
