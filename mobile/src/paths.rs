//! Where the tablet keeps its files on each platform: the one place that
//! knows the app's data, config and cache folders. The app, the `outreach`
//! CLI and the store's default device-secret location all ask here.
//!
//! - Linux and other Unix desktops: the XDG folders (`$XDG_DATA_HOME` or
//!   `~/.local/share`, `$XDG_CONFIG_HOME` or `~/.config`, `$XDG_CACHE_HOME`
//!   or `~/.cache`), then `hamura-outreach/`;
//! - macOS and iOS: `~/Library/Application Support/hamura-outreach`
//!   (`~/Library/Caches/…` for the cache); on iOS `~` is the app's sandbox
//!   container;
//! - Windows: `%LOCALAPPDATA%\hamura-outreach` (data, cache) and
//!   `%APPDATA%\hamura-outreach` (config);
//! - Android: the app's private internal storage,
//!   `/data/data/<package>/files` and `…/cache`, which only the app's own
//!   user id can read (the `dirs` crate has no Android answer; Android gives
//!   every app this folder under its package name, [`ANDROID_PACKAGE`]).
//!
//! The folders come from the `dirs` crate on every platform but Android.
//!
//! [`choose_data_dir`] is the one rule for which data folder the app and the
//! CLI open: the folder given (`OUTREACH_DATA_DIR`, or the CLI's
//! `--data-dir`), else the platform's; never a folder relative to wherever
//! the program was started.

use std::path::PathBuf;

/// The folder name under the platform folders.
pub const APP_DIR: &str = "hamura-outreach";

/// The Android package name, the bundle identifier of `mobile/Dioxus.toml`
/// (`[bundle] identifier`); a test checks that the two agree.
pub const ANDROID_PACKAGE: &str = "jp.lg.hamura.outreach";

/// The variable that names the data folder (the app; the CLI reads it as
/// `--data-dir`'s default).
pub const DATA_DIR_ENV: &str = "OUTREACH_DATA_DIR";

/// The data folder to open: `given` (the variable [`DATA_DIR_ENV`] or the
/// CLI's `--data-dir`) when it is set and not empty, else the platform's
/// [`data_dir`]. `None` only where the platform has no data folder (no home
/// folder): the caller then asks for a folder instead of guessing one.
pub fn choose_data_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    given
        .filter(|d| !d.as_os_str().is_empty())
        .or_else(data_dir)
}

/// The folder that holds the store (`outreach.db` and its WAL).
pub fn data_dir() -> Option<PathBuf> {
    #[cfg(target_os = "android")]
    {
        Some(android_app_dir().join("files").join(APP_DIR))
    }
    #[cfg(not(target_os = "android"))]
    {
        Some(dirs::data_local_dir()?.join(APP_DIR))
    }
}

/// The folder for device-secret files where the secret is a file (desktops,
/// tests). Apart from [`data_dir`], so that copying the data folder does not
/// copy the secret.
pub fn config_dir() -> Option<PathBuf> {
    #[cfg(target_os = "android")]
    {
        Some(android_app_dir().join("files").join("config"))
    }
    #[cfg(not(target_os = "android"))]
    {
        Some(dirs::config_dir()?.join(APP_DIR))
    }
}

/// The folder for caches (the web view's data on mobile). Nothing personal
/// is ever written there by the app.
pub fn cache_dir() -> Option<PathBuf> {
    #[cfg(target_os = "android")]
    {
        Some(android_app_dir().join("cache"))
    }
    #[cfg(not(target_os = "android"))]
    {
        Some(dirs::cache_dir()?.join(APP_DIR))
    }
}

#[cfg(target_os = "android")]
fn android_app_dir() -> PathBuf {
    PathBuf::from("/data/data").join(ANDROID_PACKAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_android_package_is_the_bundle_identifier() {
        let toml = include_str!("../Dioxus.toml");
        assert!(
            toml.contains(&format!("identifier = \"{ANDROID_PACKAGE}\"")),
            "Dioxus.toml and paths::ANDROID_PACKAGE disagree"
        );
    }

    #[test]
    fn a_given_data_folder_wins_and_an_empty_one_is_the_platform_folder() {
        let given = PathBuf::from("/srv/outreach-test/data");
        assert_eq!(choose_data_dir(Some(given.clone())), Some(given));
        assert_eq!(choose_data_dir(Some(PathBuf::new())), data_dir());
        assert_eq!(choose_data_dir(None), data_dir());
        if let Some(d) = choose_data_dir(None) {
            assert!(d.is_absolute(), "never a folder relative to the start");
        }
    }

    #[cfg(all(unix, not(target_os = "macos"), not(target_os = "ios")))]
    #[test]
    fn desktop_folders_are_apart_and_named_for_the_app() {
        // The test process's environment is not changed (that would race
        // other tests); the CLI tests run the binary with XDG folders set.
        let (Some(d), Some(c)) = (data_dir(), config_dir()) else {
            return; // no home folder in this environment
        };
        assert!(d.ends_with(APP_DIR) && c.ends_with(APP_DIR));
        assert_ne!(d, c, "the device secret must not live in the data folder");
    }
}
