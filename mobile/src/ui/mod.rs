//! The tablet app's Dioxus UI. It renders [`AppState`] and turns taps into
//! [`Msg`]s; it holds no SQL, no crypto and no blocking call: the app layer
//! ([`crate::app`]) runs every effect on the store thread or the network.
//!
//! [`Shell`] draws any state (tests render it without a window with
//! `dioxus-ssr`); [`App`] wires it to the store thread and to a timer whose
//! ticks the state machine turns into the idle lock and automatic sync.
//! Only a person's taps reset the idle time ([`Msg::is_input`]).

mod case_outcome;
mod community;
mod components;
mod fixes;
mod forms;
mod participation;
pub mod scanner;
mod views;
pub mod walkthrough;

use std::time::Duration;

use chrono::Utc;
use dioxus::prelude::*;

use crate::KdfParams;
use crate::app::core::CoreHandle;
use crate::app::runner;
use crate::app::state::{AppState, Msg, update};
use crate::app::text as t;

pub use views::Shell;

/// The app's stylesheet (large targets, high contrast; print-free).
pub const CSS: &str = include_str!("style.css");

/// The page the web view loads on every platform: Japanese (`lang="ja"`,
/// so the platform picks Japanese fonts, line breaking and screen-reader
/// voice), UTF-8, scaled to the device. Dioxus adds its loader before
/// `</body>` and the stylesheet before `</head>`.
pub const INDEX_HTML: &str = concat!(
    "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n",
    "<title>羽村アウトリーチ</title>\n",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n",
    "</head>\n<body>\n<div id=\"main\"></div>\n</body>\n</html>\n"
);

/// What [`App`] needs from the platform's `main`.
#[derive(Clone)]
pub struct AppContext {
    pub core: CoreHandle,
    pub has_store: bool,
    /// Argon2id parameters for a new store.
    pub kdf: KdfParams,
    /// Seconds between automatic syncs while unlocked.
    pub auto_sync_secs: u64,
    /// The server address to offer on the first-run screen.
    pub default_server: Option<String>,
    /// A scripted walk through every screen, for screenshots.
    pub walkthrough: Option<walkthrough::Walkthrough>,
}

fn dispatch(mut state: Signal<AppState>, ctx: AppContext, msg: Msg) {
    if msg.is_input() {
        // A person tapped: the store's own idle time starts again too.
        let core = ctx.core.clone();
        spawn(async move { runner::note_input(&core).await });
    }
    let effects = update(&mut state.write(), msg, Utc::now());
    for fx in effects {
        let ctx = ctx.clone();
        spawn(async move {
            let progress_ctx = ctx.clone();
            let mut progress =
                move |p| dispatch(state, progress_ctx.clone(), Msg::SyncProgressed(p));
            let msgs = runner::run(&ctx.core, fx, ctx.kdf, &mut progress).await;
            for m in msgs {
                dispatch(state, ctx.clone(), m);
            }
        });
    }
}

/// The running app: [`Shell`] plus the store thread, the idle lock and
/// automatic sync.
#[component]
pub fn App() -> Element {
    let ctx = use_context::<AppContext>();
    let default_server = ctx.default_server.clone();
    let auto_sync_secs = ctx.auto_sync_secs;
    let state = use_signal(move || {
        let mut s = AppState::new(ctx.has_store);
        s.auto_sync_secs = auto_sync_secs;
        if let Some(url) = default_server {
            s.setup.server = url;
        }
        s
    });
    let c = ctx.clone();
    let on = use_callback(move |m: Msg| dispatch(state, c.clone(), m));

    // The timer: the state machine locks after the idle time since the last
    // tap and starts automatic syncs (which never count as use). The store's
    // own idle lock is checked too, in case it forgot its keys first.
    let c = ctx.clone();
    use_future(move || {
        let c = c.clone();
        async move {
            dispatch(state, c.clone(), Msg::Started);
            loop {
                tokio::time::sleep(Duration::from_secs(3)).await;
                dispatch(state, c.clone(), Msg::Tick);
                if state.peek().shows_content() && runner::idle_locked(&c.core).await {
                    dispatch(state, c.clone(), Msg::Locked);
                }
            }
        }
    });

    // The scripted walk-through, when asked for.
    let c = ctx.clone();
    use_future(move || {
        let c = c.clone();
        async move {
            if let Some(w) = c.walkthrough.clone() {
                w.run(state, move |m| dispatch(state, c.clone(), m)).await;
            }
        }
    });

    rsx! {
        Shell { state: state(), on }
    }
}

/// The window title.
pub const TITLE: &str = t::APP_TITLE;

#[cfg(test)]
pub(crate) mod tests;
