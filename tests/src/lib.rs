//! # outreach-tests
//!
//! End-to-end tests of the whole system: they start the real `sync-server`
//! binary and drive real clients, with faults injected between them. This
//! library will hold the harness (process control, free ports, the
//! fault-injecting proxy); the scenarios live in `tests/tests/`.
//!
//! The scenarios come with the sync issue; today the crate checks that the
//! workspace's binaries build and agree on the protocol version.
