//! `outreach-app`: the tablet app in a desktop window (Linux here; the same
//! UI bundles for Android and iOS with the `dx` CLI, see the README).
//!
//! Environment:
//! - `OUTREACH_DATA_DIR`: the data folder (default: the OS data folder);
//! - `OUTREACH_DEVICE_SECRET`: where the device secret lives (default: the
//!   OS config folder);
//! - `OUTREACH_SERVER`: the server address offered on the first-run screen;
//! - `OUTREACH_WINDOW`: the window size, e.g. `1280x800` or `800x1280`;
//! - `OUTREACH_WALKTHROUGH`, `OUTREACH_ENROLL_CODE`, `OUTREACH_WALKTHROUGH_PIN`:
//!   the scripted walk-through for `scripts/screenshots`.

use std::path::PathBuf;
use std::time::Duration;

use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
use outreach_mobile::KdfParams;
use outreach_mobile::app::core::{AppCore, CoreHandle};
use outreach_mobile::store::{Store, StoreConfig};
use outreach_mobile::ui::{self, AppContext, walkthrough::Walkthrough};

fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("OUTREACH_DATA_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("hamura-outreach")
}

fn window_size() -> (f64, f64) {
    std::env::var("OUTREACH_WINDOW")
        .ok()
        .and_then(|v| {
            let (w, h) = v.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or((1280.0, 800.0))
}

fn main() {
    let mut cfg = StoreConfig::new(data_dir()).with_idle_timeout(Duration::from_secs(5 * 60));
    if let Some(s) = std::env::var_os("OUTREACH_DEVICE_SECRET") {
        cfg = cfg.with_device_secret_path(PathBuf::from(s));
    }
    let has_store = Store::exists(&cfg);
    let walkthrough = std::env::var_os("OUTREACH_WALKTHROUGH").map(|dir| Walkthrough {
        dir: PathBuf::from(dir),
        code: std::env::var("OUTREACH_ENROLL_CODE").unwrap_or_default(),
        pin: std::env::var("OUTREACH_WALKTHROUGH_PIN").unwrap_or_else(|_| "246813".into()),
    });
    let ctx = AppContext {
        core: CoreHandle::spawn(AppCore::open(cfg)),
        has_store,
        kdf: KdfParams::PRODUCTION,
        auto_sync_secs: 120,
        default_server: std::env::var("OUTREACH_SERVER").ok(),
        walkthrough,
    };
    let (w, h) = window_size();
    let config = Config::new()
        .with_window(
            WindowBuilder::new()
                .with_title(ui::TITLE)
                .with_inner_size(LogicalSize::new(w, h)),
        )
        .with_menu(None)
        .with_custom_head(format!(
            "<meta name=\"viewport\" content=\"width=device-width\"><style>{}</style>",
            ui::CSS
        ));
    dioxus::LaunchBuilder::desktop()
        .with_cfg(config)
        .with_context(ctx)
        .launch(ui::App);
}
