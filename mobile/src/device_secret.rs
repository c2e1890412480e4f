//! Where the device secret lives: the [`DeviceSecret`] trait and its
//! adapters. The device secret is 32 random bytes mixed into the PIN's
//! Argon2id derivation (see `keys.rs`); it is kept apart from the database so
//! that a copy of the data folder cannot be brute-forced through a 6-digit
//! PIN.
//!
//! - [`FileSecret`]: a `0600` file in a `0700` folder (desktops, the CLI,
//!   tests) — what every platform used before the key-store adapters;
//! - [`KeyStoreSecret`]: the platform key store through the `keyring-core`
//!   API — on Android the Keystore (an AES key that never leaves the
//!   Keystore, in the TEE or StrongBox where the device has one, encrypts
//!   the secret, kept in the app's private SharedPreferences), on iOS the
//!   Keychain (data-protection class "when passcode set, this device only":
//!   not in backups, gone if the passcode is removed). Built only for those
//!   targets (and for the unit tests, against `keyring-core`'s mock store).
//!
//! [`platform_default`] picks the adapter of the platform. SECURITY.md says
//! what each one protects against.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Result, StoreError};
use crate::keys;
use crate::secret::DeviceSecretKey;

/// A place that keeps one device secret per store (named by the store id).
pub trait DeviceSecret: fmt::Debug + Send + Sync {
    /// Creates a new random secret for `store_id`. Never replaces one that
    /// exists ([`StoreError::DeviceSecretExists`]).
    fn create(&self, store_id: &str) -> Result<DeviceSecretKey>;
    /// Reads the secret of `store_id` ([`StoreError::DeviceSecretMissing`]
    /// when there is none).
    fn read(&self, store_id: &str) -> Result<DeviceSecretKey>;
    /// Destroys the secret of `store_id` for good. Missing is fine.
    fn destroy(&self, store_id: &str) -> Result<()>;
    /// Where it is, for the status screen and support (no secret in it).
    fn location(&self) -> String;
}

/// The device secret as a file with owner-only permissions.
#[derive(Debug, Clone)]
pub struct FileSecret {
    place: FilePlace,
}

#[derive(Debug, Clone)]
enum FilePlace {
    /// One fixed file, whatever the store id.
    At(PathBuf),
    /// `device-<store id>.key` in a folder.
    InDir(PathBuf),
}

impl FileSecret {
    /// The secret is this file.
    pub fn at(path: impl Into<PathBuf>) -> FileSecret {
        FileSecret {
            place: FilePlace::At(path.into()),
        }
    }

    /// The secret is `device-<store id>.key` in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> FileSecret {
        FileSecret {
            place: FilePlace::InDir(dir.into()),
        }
    }

    /// The file of `store_id`.
    pub fn path(&self, store_id: &str) -> PathBuf {
        match &self.place {
            FilePlace::At(p) => p.clone(),
            FilePlace::InDir(d) => d.join(format!("device-{store_id}.key")),
        }
    }
}

impl DeviceSecret for FileSecret {
    fn create(&self, store_id: &str) -> Result<DeviceSecretKey> {
        keys::create_device_secret(&self.path(store_id))
    }
    fn read(&self, store_id: &str) -> Result<DeviceSecretKey> {
        keys::read_device_secret(&self.path(store_id))
    }
    fn destroy(&self, store_id: &str) -> Result<()> {
        keys::destroy_device_secret(&self.path(store_id))
    }
    fn location(&self) -> String {
        match &self.place {
            FilePlace::At(p) => p.display().to_string(),
            FilePlace::InDir(d) => d.join("device-<store id>.key").display().to_string(),
        }
    }
}

/// The secret in the platform key store, through `keyring-core`.
#[cfg(any(target_os = "android", target_os = "ios", test))]
pub struct KeyStoreSecret {
    store: Arc<keyring_core::CredentialStore>,
    modifiers: Vec<(&'static str, &'static str)>,
    name: &'static str,
}

#[cfg(any(target_os = "android", target_os = "ios", test))]
impl fmt::Debug for KeyStoreSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStoreSecret")
            .field("store", &self.name)
            .finish()
    }
}

/// The service name of the key-store entries (the account is the store id).
#[cfg(any(target_os = "android", target_os = "ios", test))]
pub const KEY_STORE_SERVICE: &str = "jp.lg.hamura.outreach.device-secret";

#[cfg(any(target_os = "android", target_os = "ios", test))]
impl KeyStoreSecret {
    /// An adapter over any `keyring-core` store (the mock one in tests).
    pub fn new(
        store: Arc<keyring_core::CredentialStore>,
        name: &'static str,
        modifiers: Vec<(&'static str, &'static str)>,
    ) -> KeyStoreSecret {
        KeyStoreSecret {
            store,
            modifiers,
            name,
        }
    }

    /// The Android Keystore: a store of its own for this app
    /// (`android-native-keyring-store`; its AES key is generated inside the
    /// Keystore and cannot be exported).
    #[cfg(target_os = "android")]
    pub fn android() -> Result<KeyStoreSecret> {
        let config = std::collections::HashMap::from([("name", "hamura-outreach")]);
        let store = android_native_keyring_store::Store::new_with_configuration(&config)
            .map_err(|e| key_store_error(&e))?;
        Ok(KeyStoreSecret::new(store, "Android Keystore", Vec::new()))
    }

    /// The iOS Keychain (data protection; `apple-native-keyring-store`),
    /// readable only while the device is unlocked, never backed up or moved
    /// to another device, and deleted by iOS if the passcode is removed.
    #[cfg(target_os = "ios")]
    pub fn ios() -> Result<KeyStoreSecret> {
        let store =
            apple_native_keyring_store::protected::Store::new().map_err(|e| key_store_error(&e))?;
        Ok(KeyStoreSecret::new(
            store,
            "iOS Keychain",
            vec![("access-policy", "WhenPasscodeSetThisDeviceOnly")],
        ))
    }

    fn entry(&self, store_id: &str) -> Result<keyring_core::Entry> {
        let mods: std::collections::HashMap<&str, &str> = self.modifiers.iter().copied().collect();
        keyring_core::Entry::new_in_store_with_modifiers(
            &self.store,
            KEY_STORE_SERVICE,
            store_id,
            &mods,
        )
        .map_err(|e| key_store_error(&e))
    }
}

/// A key-store error without its payload (some variants carry the stored
/// bytes: never printed).
#[cfg(any(target_os = "android", target_os = "ios", test))]
fn key_store_error(e: &keyring_core::Error) -> StoreError {
    use keyring_core::Error as E;
    StoreError::KeyStore(match e {
        E::PlatformFailure(_) => "the platform key store failed",
        E::NoStorageAccess(_) => "the platform key store is not accessible (device locked?)",
        E::NoEntry => "no entry",
        E::BadEncoding(_) | E::BadDataFormat(..) => "the stored secret is malformed",
        E::BadStoreFormat(_) => "the platform key store is malformed",
        E::TooLong(..) | E::Invalid(..) => "the key-store entry was refused",
        E::NoDefaultStore | E::NotSupportedByStore(_) => "the key store is not available",
        _ => "the platform key store failed",
    })
}

#[cfg(any(target_os = "android", target_os = "ios", test))]
impl DeviceSecret for KeyStoreSecret {
    fn create(&self, store_id: &str) -> Result<DeviceSecretKey> {
        let entry = self.entry(store_id)?;
        match entry.get_secret() {
            Ok(mut old) => {
                zeroize::Zeroize::zeroize(&mut old);
                return Err(StoreError::DeviceSecretExists);
            }
            Err(keyring_core::Error::NoEntry) => {}
            Err(e) => return Err(key_store_error(&e)),
        }
        let secret = DeviceSecretKey(crate::secret::Key32::random()?);
        entry
            .set_secret(secret.0.as_bytes())
            .map_err(|e| key_store_error(&e))?;
        Ok(secret)
    }

    fn read(&self, store_id: &str) -> Result<DeviceSecretKey> {
        let bytes = match self.entry(store_id)?.get_secret() {
            Ok(b) => zeroize::Zeroizing::new(b),
            Err(keyring_core::Error::NoEntry) => return Err(StoreError::DeviceSecretMissing),
            Err(e) => return Err(key_store_error(&e)),
        };
        crate::secret::Key32::from_slice(&bytes)
            .map(DeviceSecretKey)
            .ok_or(StoreError::DeviceSecretUnsafe(
                "the key store does not hold 32 bytes",
            ))
    }

    fn destroy(&self, store_id: &str) -> Result<()> {
        match self.entry(store_id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(key_store_error(&e)),
        }
    }

    fn location(&self) -> String {
        self.name.to_owned()
    }
}

/// The device secret of this platform when nothing is configured: the key
/// store on Android and iOS, a file in the config folder elsewhere.
pub fn platform_default() -> Result<Arc<dyn DeviceSecret>> {
    #[cfg(target_os = "android")]
    {
        Ok(Arc::new(KeyStoreSecret::android()?))
    }
    #[cfg(target_os = "ios")]
    {
        Ok(Arc::new(KeyStoreSecret::ios()?))
    }
    #[cfg(not(any(target_os = "android", target_os = "ios")))]
    {
        let dir = crate::paths::config_dir().ok_or(StoreError::NoDeviceSecretLocation)?;
        Ok(Arc::new(FileSecret::in_dir(dir)))
    }
}

/// A fixed file (the `--device-secret` option, `OUTREACH_DEVICE_SECRET`).
pub fn file_at(path: &Path) -> Arc<dyn DeviceSecret> {
    Arc::new(FileSecret::at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(s: &dyn DeviceSecret) {
        assert!(matches!(
            s.read("store-1"),
            Err(StoreError::DeviceSecretMissing)
        ));
        let made = s.create("store-1").unwrap();
        let again = s.read("store-1").unwrap();
        assert_eq!(made.0.as_bytes(), again.0.as_bytes());
        assert!(
            matches!(s.create("store-1"), Err(StoreError::DeviceSecretExists)),
            "never replaced"
        );
        let other = s.create("store-2").unwrap();
        assert_ne!(other.0.as_bytes(), made.0.as_bytes());
        s.destroy("store-1").unwrap();
        assert!(matches!(
            s.read("store-1"),
            Err(StoreError::DeviceSecretMissing)
        ));
        s.destroy("store-1").unwrap(); // missing is fine
        assert!(s.read("store-2").is_ok(), "other stores untouched");
        assert!(!s.location().is_empty());
    }

    #[test]
    fn the_file_adapter_keeps_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        contract(&FileSecret::in_dir(dir.path().join("cfg")));
        assert!(dir.path().join("cfg").join("device-store-2.key").is_file());
    }

    #[test]
    fn the_key_store_adapter_keeps_the_contract() {
        // The same code runs over the Android Keystore and the iOS Keychain
        // stores on those targets; here over keyring-core's in-memory mock.
        let store = keyring_core::mock::Store::new().unwrap();
        contract(&KeyStoreSecret::new(store, "mock", Vec::new()));
    }

    #[test]
    fn key_store_errors_do_not_print_the_stored_bytes() {
        let e = key_store_error(&keyring_core::Error::BadEncoding(vec![0xAB; 32]));
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab, "));
    }
}
