//! Sealing records with AES-256-GCM.
//!
//! A sealed value is `0x01 ‖ nonce (12 bytes, fresh from the OS RNG on every
//! write) ‖ ciphertext+tag`. The associated data binds it to the table, the
//! record id and the record version, so a ciphertext copied or moved to
//! another row, or replayed under another version, fails to open. Rows that
//! clear columns place (a contact's person, the revision it corrects, its
//! time and whether it is current; a case's or conflict's person) also bind
//! those values (format `record/v2`, see `store/binding.rs`), so editing
//! them in the file makes the row fail to open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::secret::{Key32, fill_random};

/// The format byte of a sealed value.
pub(crate) const FORMAT_V1: u8 = 1;
pub(crate) const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

pub(crate) fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut a = [0u8; N];
    fill_random(&mut a)?;
    Ok(a)
}

/// Where a sealed value lives: table, record id and version, and the clear
/// column values that place the row (empty for tables that have none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Aad<'a> {
    pub table: &'a str,
    pub id: &'a str,
    pub version: i64,
    pub place: &'a [String],
}

impl Aad<'_> {
    pub(crate) fn bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(96);
        if self.place.is_empty() {
            v.extend_from_slice(b"hamura-outreach/record/v1\0");
        } else {
            v.extend_from_slice(b"hamura-outreach/record/v2\0");
        }
        v.extend_from_slice(self.table.as_bytes());
        v.push(0);
        v.extend_from_slice(self.id.as_bytes());
        v.push(0);
        v.extend_from_slice(&self.version.to_be_bytes());
        if !self.place.is_empty() {
            v.extend_from_slice(&(self.place.len() as u32).to_be_bytes());
            for p in self.place {
                // Length-prefixed: no value can run into the next.
                v.extend_from_slice(&(p.len() as u32).to_be_bytes());
                v.extend_from_slice(p.as_bytes());
            }
        }
        v
    }
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Too short or an unknown format byte.
    Malformed,
    /// The tag did not verify: wrong key, tampered, or moved to another row.
    Rejected,
}

/// Seals and opens values with one key. The AES key schedule inside is
/// zeroized on drop (aes-gcm's `zeroize` feature).
pub(crate) struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    pub(crate) fn new(key: &Key32) -> Sealer {
        Sealer {
            cipher: Aes256Gcm::new(key.as_bytes().into()),
        }
    }

    pub(crate) fn seal(&self, aad: Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.seal_raw(&aad.bytes(), plaintext)
    }

    pub(crate) fn open(
        &self,
        aad: Aad<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        self.open_raw(&aad.bytes(), sealed)
    }

    pub(crate) fn seal_raw(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce: [u8; NONCE_LEN] = random_array()?;
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| StoreError::Crypto)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub(crate) fn open_raw(
        &self,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT_V1 {
            return Err(OpenError::Malformed);
        }
        let nonce = Nonce::try_from(&sealed[1..1 + NONCE_LEN]).map_err(|_| OpenError::Malformed)?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| OpenError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&Key32::random().unwrap())
    }

    fn aad(id: &str, version: i64) -> Aad<'_> {
        Aad {
            table: "persons",
            id,
            version,
            place: &[],
        }
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let s = sealer();
        let a = s.seal(aad("x", 1), b"hello").unwrap();
        let b = s.seal(aad("x", 1), b"hello").unwrap();
        assert_ne!(a, b, "every write uses a fresh nonce");
        assert_ne!(a[1..13], b[1..13]);
        assert_eq!(&s.open(aad("x", 1), &a).unwrap()[..], b"hello");
    }

    #[test]
    fn bound_to_table_id_and_version() {
        let s = sealer();
        let c = s.seal(aad("x", 1), b"hello").unwrap();
        assert_eq!(s.open(aad("y", 1), &c).unwrap_err(), OpenError::Rejected);
        assert_eq!(s.open(aad("x", 2), &c).unwrap_err(), OpenError::Rejected);
        let other_table = Aad {
            table: "contacts",
            id: "x",
            version: 1,
            place: &[],
        };
        assert_eq!(s.open(other_table, &c).unwrap_err(), OpenError::Rejected);
        // The place is bound too: another person, or no place at all.
        let a = ["person-a".to_owned(), "1".to_owned()];
        let b = ["person-b".to_owned(), "1".to_owned()];
        let split = ["person-a1".to_owned(), String::new()];
        let placed = |place| Aad {
            table: "contacts",
            id: "x",
            version: 1,
            place,
        };
        let p = s.seal(placed(&a), b"hello").unwrap();
        assert_eq!(&s.open(placed(&a), &p).unwrap()[..], b"hello");
        assert_eq!(s.open(placed(&b), &p).unwrap_err(), OpenError::Rejected);
        assert_eq!(s.open(placed(&split), &p).unwrap_err(), OpenError::Rejected);
        assert_eq!(s.open(placed(&[]), &p).unwrap_err(), OpenError::Rejected);
        let mut flipped = c.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(
            s.open(aad("x", 1), &flipped).unwrap_err(),
            OpenError::Rejected
        );
        assert_eq!(
            s.open(aad("x", 1), &c[..10]).unwrap_err(),
            OpenError::Malformed
        );
        // Another key cannot open it.
        assert_eq!(
            sealer().open(aad("x", 1), &c).unwrap_err(),
            OpenError::Rejected
        );
    }
}
