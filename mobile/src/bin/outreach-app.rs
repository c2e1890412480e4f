//! `outreach-app`: the tablet app, one entry point for every platform. The
//! Cargo feature picks the launcher (Dioxus 0.7 `LaunchBuilder::new()`):
//! `desktop` opens a window (Linux, Windows, macOS; what `scripts/run`
//! uses), `mobile` runs in the Android or iOS web view, bundled by `dx` with
//! `mobile/Dioxus.toml` (see the README). The same [`ui::App`] and the same
//! core run everywhere; only the folders and the device-secret adapter come
//! from the platform (`outreach_mobile::paths`, `device_secret`).
//!
//! Environment (desktop; all optional):
//! - `OUTREACH_DATA_DIR`: the data folder (default: the platform's data folder);
//! - `OUTREACH_DEVICE_SECRET`: a file for the device secret (default: the
//!   platform's key store on Android and iOS, a file in the config folder
//!   elsewhere);
//! - `OUTREACH_SERVER`: the server address offered on the first-run screen;
//! - `OUTREACH_WINDOW`: the window size, e.g. `1280x800` or `800x1280`;
//! - `OUTREACH_WALKTHROUGH`, `OUTREACH_ENROLL_CODE`, `OUTREACH_WALKTHROUGH_PIN`:
//!   the scripted walk-through for `scripts/screenshots`.

use std::path::PathBuf;
use std::time::Duration;

// `dioxus::mobile` is the same web-view crate as `dioxus::desktop`.
#[cfg(feature = "desktop")]
use dioxus::desktop::Config;
#[cfg(not(feature = "desktop"))]
use dioxus::mobile::Config;
use outreach_mobile::KdfParams;
use outreach_mobile::app::core::{AppCore, CoreHandle};
use outreach_mobile::paths;
use outreach_mobile::store::{Store, StoreConfig};
use outreach_mobile::ui::{self, AppContext, walkthrough::Walkthrough};

/// The data folder (`paths::choose_data_dir`, the rule the CLI follows
/// too); without one the app says so and stops.
fn data_dir() -> PathBuf {
    match paths::choose_data_dir(std::env::var_os(paths::DATA_DIR_ENV).map(PathBuf::from)) {
        Some(d) => d,
        None => {
            eprintln!("{}", outreach_mobile::app::text::NO_DATA_DIR);
            std::process::exit(2);
        }
    }
}

/// The window of the desktop app; phones and tablets have their screen.
#[cfg(not(any(target_os = "android", target_os = "ios")))]
fn platform_config(config: Config) -> Config {
    #[cfg(feature = "desktop")]
    use dioxus::desktop::{LogicalSize, WindowBuilder};
    #[cfg(not(feature = "desktop"))]
    use dioxus::mobile::{LogicalSize, WindowBuilder};
    let (w, h) = std::env::var("OUTREACH_WINDOW")
        .ok()
        .and_then(|v| {
            let (w, h) = v.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or((1280.0, 800.0));
    config
        .with_window(
            WindowBuilder::new()
                .with_title(ui::TITLE)
                .with_inner_size(LogicalSize::new(w, h)),
        )
        .with_menu(None)
}

/// On Android and iOS the web view keeps its own data (cache, storage) in
/// the app's private cache folder.
#[cfg(any(target_os = "android", target_os = "ios"))]
fn platform_config(config: Config) -> Config {
    match paths::cache_dir() {
        Some(dir) => config.with_data_directory(dir),
        None => config,
    }
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
    let config = platform_config(
        Config::new()
            .with_custom_index(ui::INDEX_HTML.to_owned())
            .with_custom_head(format!("<style>{}</style>", ui::CSS)),
    );
    dioxus::LaunchBuilder::new()
        .with_cfg(config)
        .with_context(ctx)
        .launch(ui::App);
}
