//! The app layer between the tablet's front ends and the core: the store
//! thread ([`core`]) that keeps SQLite and crypto off the UI thread, and the
//! app's state machine ([`state`]) — what each tap does, as plain Rust that
//! tests drive without a window. The Dioxus UI (`crate::ui`) only renders
//! [`state::AppState`] and turns taps into [`state::Msg`]s.
//!
//! All text a worker reads is in [`text`].

pub mod core;
pub mod runner;
pub mod state;
pub mod text;

pub use self::core::{AppCore, CoreHandle};
pub use state::{AppState, Effect, Msg, Screen};
