//! The server's keys, kept in files outside the database so that a copy of
//! the database alone can neither forge a feed file or an audit anchor nor
//! open the sealed TOTP secrets:
//! - `feed-signing.key`: ed25519, signs the LGWAN feed ([`crate::feed`]);
//! - `totp-seal.key`: AES-256, seals each office user's TOTP secret
//!   ([`crate::engine::totp`]);
//! - `audit-anchor.key`: ed25519, signs the anchors of the audit chain
//!   ([`crate::audit`]).
//!
//! Each file holds the key in base64, mode `0600`, in a folder named by
//! `--key-dir` (default: the SQLite database's folder; required for
//! PostgreSQL, where every instance needs copies of the same files), or one
//! by one with `--feed-key-file`, `--totp-key-file` and
//! `--audit-anchor-key-file`.
//!
//! The database records each key's id (a hash, not the key), so a missing
//! or wrong key file is refused instead of replaced. Migration: a database
//! from before this module kept the feed key and the TOTP seal key in its
//! settings; on the first start (or admin command) that loads the keys,
//! each one is written to its file and then erased from the settings, in
//! one transaction.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

use crate::crypto::{hex, random, sha256};
use crate::files;
use crate::store::{self, DatabaseUrl, Store, Tx};

/// Where the key files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    pub feed: PathBuf,
    pub totp: PathBuf,
    pub anchor: PathBuf,
}

/// The file names inside a key folder.
pub const FEED_FILE: &str = "feed-signing.key";
pub const TOTP_FILE: &str = "totp-seal.key";
pub const ANCHOR_FILE: &str = "audit-anchor.key";

impl KeyFiles {
    /// The three files in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            feed: dir.join(FEED_FILE),
            totp: dir.join(TOTP_FILE),
            anchor: dir.join(ANCHOR_FILE),
        }
    }

    /// The files the flags name: each given file, else `key_dir`, else (for
    /// SQLite) the database's folder.
    pub fn resolve(
        db: &DatabaseUrl,
        key_dir: Option<&Path>,
        feed: Option<&Path>,
        totp: Option<&Path>,
        anchor: Option<&Path>,
    ) -> Result<Self, String> {
        let dir = match (key_dir, db) {
            (Some(d), _) => Some(d.to_path_buf()),
            (None, DatabaseUrl::Sqlite(p)) => Some(
                p.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            ),
            (None, DatabaseUrl::Postgres(_)) => None,
        };
        let pick = |given: Option<&Path>, name: &str| -> Result<PathBuf, String> {
            match (given, &dir) {
                (Some(p), _) => Ok(p.to_path_buf()),
                (None, Some(d)) => Ok(d.join(name)),
                (None, None) => Err(
                    "with PostgreSQL, give --key-dir (a private folder holding the same key files \
                     on every instance; see docs/deploy.md)"
                        .into(),
                ),
            }
        };
        Ok(Self {
            feed: pick(feed, FEED_FILE)?,
            totp: pick(totp, TOTP_FILE)?,
            anchor: pick(anchor, ANCHOR_FILE)?,
        })
    }
}

/// The TOTP seal key (AES-256), zeroized when dropped.
pub struct TotpSeal(pub Zeroizing<[u8; 32]>);

/// The server's keys.
pub struct ServerKeys {
    pub feed: SigningKey,
    pub totp: TotpSeal,
    pub anchor: SigningKey,
}

/// The settings key under which older databases kept the feed key.
const FEED_META: &str = "feed_signing_key";
/// The settings key under which older databases kept the TOTP seal key.
const TOTP_META: &str = "console.totp_seal_key";

/// A key's id: the first 8 bytes of a hash of its public half (ed25519) or
/// of the key under a purpose (AES), hex.
fn id_of(purpose: &str, key: &[u8; 32]) -> String {
    match purpose {
        "feed" | "anchor" => {
            hex(&sha256(SigningKey::from_bytes(key).verifying_key().as_bytes())[..8])
        }
        _ => {
            let mut d = format!("hamura-key-id\n{purpose}\n").into_bytes();
            d.extend_from_slice(key);
            hex(&sha256(&d)[..8])
        }
    }
}

fn read_key(path: &Path, what: &str) -> Result<Zeroizing<[u8; 32]>, String> {
    files::check_private(path, what)?;
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?,
    );
    let raw = Zeroizing::new(
        STANDARD
            .decode(text.trim().as_bytes())
            .map_err(|_| format!("{what} {} is not a base64 key", path.display()))?,
    );
    let key: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| format!("{what} {} does not hold a 32-byte key", path.display()))?;
    Ok(Zeroizing::new(key))
}

fn write_key(path: &Path, key: &[u8; 32], what: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        files::create_private_dir(dir)
            .map_err(|e| format!("cannot create the folder of {what}: {e}"))?;
    }
    let mut f = files::create_private_file(path)
        .map_err(|e| format!("cannot create {what} {}: {e}", path.display()))?;
    let text = Zeroizing::new(format!("{}\n", STANDARD.encode(key)));
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {what} {}: {e}", path.display()))
}

/// Loads one key inside the transaction `tx` (see the module doc).
fn load_one(
    tx: &mut dyn Tx,
    purpose: &str,
    path: &Path,
    legacy_meta: Option<&str>,
    what: &str,
) -> Result<Zeroizing<[u8; 32]>, String> {
    let id_key = format!("keys.{purpose}_id");
    let e = |e: store::StoreError| e.to_string();
    let recorded = tx.meta(&id_key).map_err(e)?.filter(|v| !v.is_empty());
    let legacy = match legacy_meta {
        Some(k) => tx.meta(k).map_err(e)?.filter(|v| !v.is_empty()),
        None => None,
    };
    let legacy: Option<Zeroizing<[u8; 32]>> = match legacy {
        Some(b64) => {
            let raw = Zeroizing::new(
                STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|_| format!("the database's {what} is not base64"))?,
            );
            Some(Zeroizing::new(raw.as_slice().try_into().map_err(|_| {
                format!("the database's {what} is not 32 bytes")
            })?))
        }
        None => None,
    };
    let key = if path.exists() {
        read_key(path, what)?
    } else if let Some(k) = &legacy {
        tracing::warn!(
            file = %path.display(),
            "moving the {what} out of the database into its key file"
        );
        write_key(path, k, what)?;
        k.clone()
    } else if let Some(id) = &recorded {
        return Err(format!(
            "{what} {} is missing, but this database was used with key {id}: restore the file \
             from its backup (or copy it from another instance); a new key would break what the \
             old one signed or sealed",
            path.display()
        ));
    } else {
        let k = Zeroizing::new(random::<32>());
        write_key(path, &k, what)?;
        k
    };
    let id = id_of(purpose, &key);
    if let Some(r) = &recorded
        && r != &id
    {
        return Err(format!(
            "{what} {} (key {id}) is not the key this database was used with ({r})",
            path.display()
        ));
    }
    if let Some(k) = &legacy {
        if id_of(purpose, k) != id {
            return Err(format!(
                "{what} {} differs from the key still kept in the database: remove one of them \
                 knowingly",
                path.display()
            ));
        }
        // Moved out: erase it from the settings.
        tx.set_meta(legacy_meta.unwrap_or_default(), "")
            .map_err(e)?;
    }
    if recorded.is_none() {
        tx.set_meta(&id_key, &id).map_err(e)?;
    }
    Ok(key)
}

impl ServerKeys {
    /// Loads (or makes, or moves out of an older database) the three keys.
    pub fn load(store: &dyn Store, files: &KeyFiles) -> Result<Self, String> {
        store::write(store, |tx| {
            let feed = load_one(
                tx,
                "feed",
                &files.feed,
                Some(FEED_META),
                "the feed signing key",
            )?;
            let totp = load_one(
                tx,
                "totp",
                &files.totp,
                Some(TOTP_META),
                "the TOTP seal key",
            )?;
            let anchor = load_one(tx, "anchor", &files.anchor, None, "the audit anchor key")?;
            Ok::<_, LoadError>(ServerKeys {
                feed: SigningKey::from_bytes(&feed),
                totp: TotpSeal(totp),
                anchor: SigningKey::from_bytes(&anchor),
            })
        })
        .map_err(|e| e.0)
    }

    /// Fresh keys in memory only (unit tests that need no files).
    pub fn ephemeral() -> Self {
        Self {
            feed: SigningKey::from_bytes(&random::<32>()),
            totp: TotpSeal(Zeroizing::new(random::<32>())),
            anchor: SigningKey::from_bytes(&random::<32>()),
        }
    }
}

/// A key that could not be loaded, as text for the operator.
struct LoadError(String);

impl From<String> for LoadError {
    fn from(s: String) -> Self {
        LoadError(s)
    }
}

impl From<store::StoreError> for LoadError {
    fn from(e: store::StoreError) -> Self {
        LoadError(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    fn open(dir: &Path) -> std::sync::Arc<dyn Store> {
        let url: DatabaseUrl = format!("sqlite://{}", dir.join("o.db").display())
            .parse()
            .unwrap();
        store::open(&url, &StoreOptions::default()).unwrap()
    }

    #[test]
    fn keys_move_out_of_an_older_database_and_a_missing_file_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let s = open(t.path());
        // An older database: both keys in the settings.
        let old_feed = random::<32>();
        let old_totp = random::<32>();
        store::write(&*s, |tx| {
            tx.set_meta(FEED_META, &STANDARD.encode(old_feed))?;
            tx.set_meta(TOTP_META, &STANDARD.encode(old_totp))
        })
        .unwrap();
        let files = KeyFiles::in_dir(&t.path().join("keys"));
        let k = ServerKeys::load(&*s, &files).unwrap();
        assert_eq!(k.feed.to_bytes(), old_feed);
        assert_eq!(*k.totp.0, old_totp);
        // Gone from the database; in 0600 files.
        for m in [FEED_META, TOTP_META] {
            let v = store::read(&*s, |tx| tx.meta(m)).unwrap();
            assert_eq!(v.as_deref(), Some(""));
        }
        for f in [&files.feed, &files.totp, &files.anchor] {
            files::check_private(f, "key").unwrap();
        }
        // Loading again gives the same keys.
        let again = ServerKeys::load(&*s, &files).unwrap();
        assert_eq!(again.anchor.to_bytes(), k.anchor.to_bytes());
        // A lost file is refused, not replaced.
        std::fs::remove_file(&files.totp).unwrap();
        let e = ServerKeys::load(&*s, &files).err().unwrap();
        assert!(e.contains("missing"), "{e}");
        // Another database's key file is refused.
        let other = tempfile::tempdir().unwrap();
        let other_files = KeyFiles::in_dir(other.path());
        ServerKeys::load(&*open(&other.path().join("db")), &other_files).unwrap();
        let files2 = KeyFiles {
            totp: other_files.totp.clone(),
            ..files.clone()
        };
        let e = ServerKeys::load(&*s, &files2).err().unwrap();
        assert!(e.contains("not the key"), "{e}");
    }
}
