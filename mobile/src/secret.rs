//! Secret values: the worker's PIN, the data key, the key-encryption key and
//! the device secret.
//!
//! None of them is `Clone` or `Serialize`, their `Debug` prints nothing of
//! the value, and all are zeroized when dropped.

use crate::error::{PinError, Result, StoreError};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Fills `buf` from the operating system's random number generator.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| StoreError::Random)
}

/// The worker's PIN or passphrase.
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// A PIN must have at least this many characters (a 6-digit PIN).
    pub const MIN_CHARS: usize = 6;
    /// And at most this many (a passphrase).
    pub const MAX_CHARS: usize = 128;

    /// Takes a PIN typed by the worker. The text is zeroized when the `Pin`
    /// is dropped (and at once if it is refused).
    pub fn new(text: String) -> Result<Pin, PinError> {
        let text = Zeroizing::new(text);
        let n = text.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PinError::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        if n > Self::MAX_CHARS {
            return Err(PinError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if text.chars().any(char::is_control) {
            return Err(PinError::ControlCharacter);
        }
        Ok(Pin(text))
    }

    /// A PIN for unlocking: no rules are applied (a wrong one simply fails),
    /// so that rule changes never lock anyone out.
    pub fn for_unlock(text: String) -> Pin {
        Pin(Zeroizing::new(text))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// 256 bits of key material, boxed so that moves do not leave copies on the
/// stack, zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Key32(Box<[u8; 32]>);

impl Key32 {
    pub(crate) fn zeroed() -> Key32 {
        Key32(Box::new([0u8; 32]))
    }

    pub(crate) fn random() -> Result<Key32> {
        let mut k = Key32::zeroed();
        fill_random(&mut k.0[..])?;
        Ok(k)
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Key32> {
        if bytes.len() != 32 {
            return None;
        }
        let mut k = Key32::zeroed();
        k.0.copy_from_slice(bytes);
        Some(k)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; 32] {
        &mut self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(<redacted>)")
    }
}

/// The random data key that seals every record. Exists only in memory while
/// the store is unlocked; on disk only wrapped.
pub struct DataKey(pub(crate) Key32);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The device secret: random bytes kept in a file apart from the database
/// (or the platform key store), mixed into the PIN's key derivation.
pub struct DeviceSecretKey(pub(crate) Key32);

impl fmt::Debug for DeviceSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecretKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_secret() {
        let pin = Pin::new("246813".into()).unwrap();
        assert!(!format!("{pin:?}").contains("246813"));
        let k = Key32::from_slice(&[0xAB; 32]).unwrap();
        let d = DataKey(k);
        let shown = format!("{d:?}");
        assert!(!shown.to_lowercase().contains("ab") || shown.contains("redacted"));
        assert!(!shown.contains("171"));
    }

    #[test]
    fn pin_rules() {
        assert_eq!(
            Pin::new("12345".into()).unwrap_err(),
            PinError::TooShort { min: 6 }
        );
        assert!(Pin::new("123456".into()).is_ok());
        assert_eq!(
            Pin::new("x".repeat(129)).unwrap_err(),
            PinError::TooLong { max: 128 }
        );
        assert_eq!(
            Pin::new("12345\u{7}6".into()).unwrap_err(),
            PinError::ControlCharacter
        );
        // Character count, not bytes: a Japanese passphrase.
        assert!(Pin::new("はむらのそら".into()).is_ok());
    }
}
