//! # outreach-mobile
//!
//! The tablet side of Hamura Outreach: the core that both front ends (the
//! Dioxus UI, issue 6, and the headless `outreach` CLI) call.
//!
//! It owns:
//! - the encrypted offline store ([`store`]): one SQLite file (WAL) whose
//!   every record is sealed with AES-256-GCM (`crypto`), bound to its
//!   table, id and version; versioned migrations;
//! - the keys ([`keys`], [`secret`]): a random data key wrapped by
//!   Argon2id(PIN, device secret), the device secret kept by a
//!   [`device_secret::DeviceSecret`] adapter (platform key store or file),
//!   PIN change, wrong-PIN count and key
//!   destruction, idle lock and wipe;
//! - the domain operations, validated with `outreach-shared`, each written
//!   with its protocol operation into the outbox in the same transaction;
//! - the platform's folders ([`paths`]);
//! - what the sync client (issue 5) needs: the outbox in order,
//!   acknowledgement and rejection, applying pulled pages, the pull cursor.
//!
//! ## The API the front ends and the sync client use
//!
//! - life cycle: [`Store::init`] (PIN, [`KdfParams::PRODUCTION`]),
//!   [`Store::open`] (locked), [`Store::unlock`], [`Store::lock`],
//!   [`Store::check_idle`], [`Store::change_pin`], [`Store::set_kdf_params`],
//!   [`Store::destroy_keys`], [`Store::wipe`], [`Store::wipe_files`],
//!   [`Store::status`];
//! - domain: [`Store::create_person`], [`Store::update_person`] (any
//!   `PersonField`, household included), [`Store::change_stage`],
//!   [`Store::record_consent`], [`Store::withdraw_consent`],
//!   [`Store::log_contact`], [`Store::correct_contact`], [`Store::escalate`];
//! - views: [`Store::person`], [`Store::person_record`], [`Store::persons`],
//!   [`Store::search`], [`Store::caseload`], [`Store::timeline`],
//!   [`Store::damaged_records`];
//! - sync: [`Store::outbox_status`], [`Store::outbox_batch`],
//!   [`Store::note_push_attempt`], [`Store::acknowledge`],
//!   [`Store::record_rejection`], [`Store::outbox_rejected`],
//!   [`Store::resolve_rejection`], [`Store::apply_pull_page`],
//!   [`Store::pull_cursor`], [`Store::identity`], [`Store::set_identity`].
//!
//! Errors are [`StoreError`]; lists come as [`Listing`] with the records
//! that were found damaged and set aside on the way.
//!
//! It must never:
//! - write plaintext personal data anywhere on disk (database, `-wal`,
//!   `-shm`, temporary files), nor put it in logs, errors or panics: errors
//!   carry ids and counts only;
//! - keep a key in memory after lock, or in a type that can be cloned,
//!   serialized or printed;
//! - let a front end touch SQL or crypto: they call [`Store`].

pub mod app;
pub mod ceiling;
pub(crate) mod crypto;
pub mod device_secret;
pub mod error;
pub mod forms;
pub mod keys;
pub mod model;
pub mod paths;
pub mod secret;
pub mod store;
pub mod sync;
#[cfg(feature = "ui")]
pub mod ui;

pub use error::PinError;
pub use error::{RecordKind, Result, StoreError};
pub use keys::KdfParams;
pub use model::*;
pub use outreach_shared as shared;
pub use secret::Pin;
pub use store::{Clock, DB_FILE, MAX_WRONG_PINS, Store, StoreConfig};
