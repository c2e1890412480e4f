//! # outreach-mobile
//!
//! The tablet side of Hamura Outreach. It will own the encrypted offline
//! store, the keys, the outbox and the sync client (the "core"), and two front
//! ends over that core: the Dioxus UI and the headless `outreach` CLI.
//!
//! It must never write plaintext personal data to disk, and its front ends
//! must never touch SQL or crypto directly: they call the core.
//!
//! Today only the front-end-independent pieces exist; the store, the sync
//! client and the UI are built in their own issues.

pub use outreach_shared as shared;
