//! # sync-server
//!
//! The server of Hamura Outreach. Its decisions and writes are all in the
//! [`engine`] (written against the storage traits of [`store`]); the HTTP
//! API ([`api`]), the web console ([`console`]) and the administrator's
//! commands ([`admin`], [`cli`]) are thin front ends over it. It owns:
//! - device enrolment with one-time codes, bearer tokens stored only as
//!   hashes, revocation that tells a tablet to wipe ([`engine::enroll`],
//!   [`engine::authenticate`]);
//! - exactly-once push (unique on the operation id, answered one by one,
//!   committed before the answer) with field-by-field HLC merge and kept
//!   conflicts, and pull filtered by `shared::access::decide`
//!   ([`engine::push`], [`engine::pull`]);
//! - the 多機関協働 case queue: route by consent, emergencies first,
//!   coordinator moves with every move recorded, consent followed, under the
//!   rules of `shared::case_rules` ([`engine::cases`]); supervisors' reviews;
//! - the LGWAN feed: a pull API and signed JSON Lines files ([`feed`]);
//! - the append-only, hash-chained audit log ([`audit`]);
//! - office logins and sessions ([`engine::sessions`]), administration and
//!   demo data ([`admin`], [`demo`]);
//! - storage behind a trait, SQLite by default ([`store`]), and the copy
//!   of a SQLite store to PostgreSQL ([`migrate`]);
//! - its keys in private files outside the database ([`keys`], [`files`]).
//!
//! It must never: log personal data (names, notes, tokens — logs carry ids,
//! counts and route templates only); answer client input with a 500 or
//! write part of a refused request; redefine a wire type (they all live in
//! `outreach_shared::protocol`); run blocking SQLite work on an async worker.

pub mod admin;
pub mod api;
pub mod audit;
pub mod cli;
pub mod console;
pub mod crypto;
pub mod demo;
pub mod demo_community;
pub mod demo_household;
pub mod demo_participation;
pub mod drain;
pub mod engine;
pub mod error;
pub mod feed;
pub mod files;
pub mod idle;
pub mod keys;
pub mod metrics;
pub mod migrate;
pub mod openapi;
pub mod state;
pub mod store;
pub mod tls;
pub mod writer;

pub use api::app;
pub use outreach_shared as shared;
pub use state::{AppState, Limits};
