//! # sync-server
//!
//! The server of Hamura Outreach. It will own device enrolment and auth,
//! exactly-once push and scoped pull, the 多機関協働 case queue, the web
//! console and the hash-chained audit log, with storage behind a trait
//! (SQLite by default, PostgreSQL to scale out).
//!
//! It must never log personal data and never answer client input with a 500.
//! Today only the binary's skeleton exists; the server is built in its own
//! issue.

pub use outreach_shared as shared;
