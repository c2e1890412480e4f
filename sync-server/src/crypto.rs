//! Random ids, bearer tokens, one-time codes and password hashes.
//!
//! Tokens are 256 random bits shown once and stored only as SHA-256 (enough
//! for high-entropy secrets); passwords are hashed with Argon2id. Secrets
//! held in memory are zeroized when dropped.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// Fills an array with random bytes from the operating system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS generator failing is not recoverable; nothing secret leaks.
    getrandom::fill(&mut b).expect("the operating system's random generator failed");
    b
}

/// A new UUIDv7-based id of any of `shared`'s id types.
pub fn new_id<T>(make: fn(u64, [u8; 10]) -> T) -> T {
    let ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
    make(ms, random())
}

/// A random UUID (v4 layout) for internal rows.
pub fn new_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(random()).into_uuid()
}

/// SHA-256 of a secret.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Hex of bytes.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new bearer token: the text to hand out once, and the hash to store.
pub fn new_token() -> (Zeroizing<String>, [u8; 32]) {
    let mut raw: [u8; 32] = random();
    let text = Zeroizing::new(URL_SAFE_NO_PAD.encode(raw));
    raw.zeroize();
    let hash = token_hash(&text);
    (text, hash)
}

/// The stored form of a bearer token.
pub fn token_hash(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A one-time enrolment code: 12 characters (about 59 bits) from an
/// alphabet without look-alikes, grouped as `XXXX-XXXX-XXXX`.
pub fn new_enrol_code() -> Zeroizing<String> {
    let mut bytes: [u8; 12] = random();
    let mut s = Zeroizing::new(String::with_capacity(14));
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            s.push('-');
        }
        s.push(CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char);
    }
    bytes.zeroize();
    s
}

/// The stored form of an enrolment code (case, spaces and dashes ignored).
pub fn enrol_code_hash(code: &str) -> [u8; 32] {
    let norm: Zeroizing<String> = Zeroizing::new(
        code.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    sha256(norm.as_bytes())
}

/// The Argon2id parameters of new password hashes: m = 19 MiB, t = 2,
/// p = 1 (OWASP's first recommendation), written into every PHC string, so
/// a hash made with other parameters still verifies with its own. Named
/// here rather than taken from the crate's default, so that an upgrade of
/// the crate cannot change them unnoticed.
fn password_params() -> argon2::Params {
    argon2::Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters")
}

fn password_hasher() -> argon2::Argon2<'static> {
    argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        password_params(),
    )
}

/// Argon2id PHC string of a password (16 random salt bytes).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt: Zeroizing<[u8; 16]> = Zeroizing::new(random());
    Ok(password_hasher()
        .hash_password_with_salt(password.as_bytes(), &salt[..])?
        .to_string())
}

/// How many Argon2 verifications this process has run (tests check that
/// an unknown username costs the same work as a known one).
pub static PASSWORD_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether the password matches the stored hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PASSWORD_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // The parameters, salt and version come from the PHC string.
    password_hasher()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Runs the same Argon2id verification as [`verify_password`] against a
/// hash of a random password made once per process, and returns false: a
/// login for an unknown name (or an account without a password, or an
/// inactive one) costs the same time as a wrong password for a real one.
pub fn verify_password_decoy(password: &str) -> bool {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DECOY.get_or_init(|| {
        let pw: [u8; 16] = random();
        hash_password(&hex(&pw)).unwrap_or_default()
    });
    let _ = verify_password(password, phc);
    false
}

/// Whether two secrets given by a client and expected by the server (CSRF
/// tokens, TOTP codes) are equal, in time that does not depend on where
/// they differ (`subtle`). Only the length may show, and it is public.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(*a, *b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), ha);
        assert_ne!(ha, hb);
    }

    #[test]
    fn enrol_codes_normalise() {
        let c = new_enrol_code();
        assert_eq!(c.len(), 14);
        assert_eq!(
            enrol_code_hash(&c),
            enrol_code_hash(&c.to_lowercase().replace('-', " "))
        );
    }

    #[test]
    fn passwords() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("123456", "123456"));
        assert!(same("", ""));
        assert!(!same("123456", "123457"));
        assert!(!same("123456", "023456"));
        assert!(!same("123456", "12345"));
        assert!(!same("12345", "123456"));
        assert!(!same("", "1"));
    }
}
