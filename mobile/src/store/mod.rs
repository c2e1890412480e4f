//! The encrypted offline store: one SQLite file (WAL) in the data folder.
//!
//! Life cycle: [`Store::init`] once (sets the PIN, creates the device secret
//! and the data key), then [`Store::open`] (locked) and [`Store::unlock`] with
//! the PIN; [`Store::lock`] (or the idle time) forgets the keys;
//! [`Store::wipe`] destroys keys and files. The idle time runs from the
//! last [`Store::touch`] (a person's tap), never from background work.
//!
//! Children: `records` (domain operations), `sync` (outbox and pulled
//! pages), `fixes` (refused changes: list, correct, discard), `link`
//! (server link), `schema` (migrations), `lookup` (in-memory, per-session
//! indexes over sealed records).
//!
//! Every record is sealed (see `crypto.rs`); the SQL of each table
//! lives in this module and its children only. A record that fails to open
//! is moved to the `quarantine` table and reported, and the rest of the
//! store keeps working.

mod binding;
mod community;
mod fixes;
mod link;
mod lookup;
mod participation;
mod records;
pub mod schema;
mod sync;
mod visits;

pub use link::{ServerLink, SyncState};

use chrono::{DateTime, SecondsFormat, Utc};
use outreach_shared::hlc::{Hlc, HlcClock};
use outreach_shared::ids::{DeviceId, TeamId, UserId};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

use crate::crypto::{Aad, Sealer, random_array};
use crate::device_secret::{self, DeviceSecret};
use crate::error::{Result, StoreError};
use crate::keys::{self, KdfParams, SALT_LEN};
use crate::model::{DamagedRecord, Identity, StoreStatus};
use crate::secret::{DataKey, Key32, Pin};

/// The database file's name inside the data folder.
pub const DB_FILE: &str = "outreach.db";
/// Wrong PINs in a row after which the data key is destroyed.
pub const MAX_WRONG_PINS: u32 = 10;
/// Interrupted unlock attempts in a row that cost no wait.
pub const FREE_INTERRUPTED_UNLOCKS: u32 = 3;
/// The longest wait before an unlock after interrupted attempts.
pub const MAX_INTERRUPTED_DELAY: Duration = Duration::from_secs(30);
/// `meta` keys of the unlock bookkeeping (clear, like the wrong-PIN count).
const UNLOCK_PENDING: &str = "unlock_pending";
const UNLOCK_INTERRUPTED: &str = "unlock_interrupted";

/// The wait before an unlock after `interrupted` attempts in a row that
/// never ended: none for the first [`FREE_INTERRUPTED_UNLOCKS`], then 1 s,
/// 2 s, 4 s... up to [`MAX_INTERRUPTED_DELAY`].
pub fn interrupted_unlock_delay(interrupted: u32) -> Duration {
    match interrupted.checked_sub(FREE_INTERRUPTED_UNLOCKS + 1) {
        None => Duration::ZERO,
        Some(doublings) => {
            Duration::from_secs(1u64 << doublings.min(16)).min(MAX_INTERRUPTED_DELAY)
        }
    }
}

fn meta_u32(conn: &Connection, key: &str) -> Result<u32> {
    Ok(get_meta(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}
/// The default idle time after which the keys are forgotten.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Where "now" comes from. The system clock in the app; a fixed or stepped
/// clock in tests.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(move || at))
    }
    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// How to find and run a store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The app's data folder; the database lives here.
    pub data_dir: PathBuf,
    /// Where the device secret is kept. `None`: the platform's default
    /// ([`device_secret::platform_default`]: the key store on Android and
    /// iOS, a file named after the store in the config folder elsewhere).
    pub device_secret: Option<Arc<dyn DeviceSecret>>,
    /// Keys are forgotten after this long without use.
    pub idle_timeout: Duration,
    pub clock: Clock,
}

impl StoreConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            device_secret: None,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            clock: Clock::system(),
        }
    }
    /// The device secret is this file (`0600`).
    pub fn with_device_secret_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.device_secret = Some(device_secret::file_at(&path.into()));
        self
    }
    /// The device secret is kept by this adapter.
    pub fn with_device_secret(mut self, secret: Arc<dyn DeviceSecret>) -> Self {
        self.device_secret = Some(secret);
        self
    }
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = idle;
        self
    }
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }
}

/// A test's look at the database file just before Argon2id.
#[cfg(test)]
type BeforeKdf = Box<dyn Fn(&Path) + Send>;

/// The keys of an unlocked store.
struct Session {
    data_key: DataKey,
    sealer: Sealer,
    last_used: Instant,
    /// Indexes learned from the records opened in this session; dropped
    /// (zeroized) with it.
    lookups: lookup::Lookups,
}

impl Session {
    fn new(data_key: DataKey) -> Session {
        Session {
            sealer: Sealer::new(&data_key.0),
            data_key,
            last_used: Instant::now(),
            lookups: lookup::Lookups::default(),
        }
    }
}

struct KeyringRow {
    params: KdfParams,
    salt: Vec<u8>,
    wrapped: Option<Vec<u8>>,
    wrong_pins: u32,
}

/// The tablet's encrypted store. `Send`, not `Sync`: keep it on one thread
/// (the UI talks to it through a channel).
pub struct Store {
    conn: Connection,
    cfg: StoreConfig,
    store_id: String,
    secret: Arc<dyn DeviceSecret>,
    identity: Identity,
    hlc: HlcClock,
    session: Option<Session>,
    /// Writes to the tables the session's lookups come from (`lookup.rs`).
    changes: Arc<lookup::Changes>,
    /// Runs just before Argon2id in `unlock` (tests: look at the file then).
    #[cfg(test)]
    before_kdf: Option<BeforeKdf>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.cfg.data_dir)
            .field("unlocked", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn unix_ms(at: DateTime<Utc>) -> u64 {
    at.timestamp_millis().max(0) as u64
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// Hex text of sealed bytes kept in `meta` (a text column).
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of [`to_hex`]'s text; `None` when it is not such text.
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Re-seals the sealed `meta` value under `key` from the `old` data key to
/// the `new` one (a PIN change). `Ok(None)` when there is no value,
/// `Ok(Some(false))` when the old key does not open it (left as it is, for
/// the caller to drop).
pub(crate) fn reseal_meta(
    conn: &Connection,
    old: &Sealer,
    new: &Sealer,
    key: &str,
) -> Result<Option<bool>> {
    let Some(text) = get_meta(conn, key)?.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let aad = Aad {
        table: "meta",
        id: key,
        version: 1,
        place: &[],
    };
    match from_hex(&text).and_then(|b| old.open(aad, &b).ok()) {
        Some(plain) => {
            set_meta(conn, key, &to_hex(&new.seal(aad, &plain)?))?;
            Ok(Some(true))
        }
        None => Ok(Some(false)),
    }
}

/// Seals a value for its row.
pub(crate) fn seal_value<T: Serialize>(
    sealer: &Sealer,
    table: &str,
    id: &str,
    version: i64,
    value: &T,
) -> Result<Vec<u8>> {
    let plain = Zeroizing::new(serde_json::to_vec(value).map_err(|_| StoreError::Encode)?);
    sealer.seal(
        Aad {
            table,
            id,
            version,
            place: &[],
        },
        &plain,
    )
}

/// Opens a row's value; `None` when it is damaged (fails to open or decode).
pub(crate) fn open_value<T: DeserializeOwned>(
    sealer: &Sealer,
    table: &str,
    id: &str,
    version: i64,
    sealed: &[u8],
) -> Option<T> {
    let plain = sealer
        .open(
            Aad {
                table,
                id,
                version,
                place: &[],
            },
            sealed,
        )
        .ok()?;
    serde_json::from_slice(&plain).ok()
}

/// The key column of each sealed table.
pub(crate) fn key_column(table: &str) -> &'static str {
    match table {
        "reviews" => "contact_id",
        "outbox" => "op_id",
        _ => "id",
    }
}

/// Moves a damaged row into `quarantine`.
pub(crate) fn set_aside(
    conn: &Connection,
    table: &'static str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<DamagedRecord>> {
    let key = key_column(table);
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            &format!("SELECT version, sealed FROM {table} WHERE {key} = ?1"),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((version, sealed)) = row else {
        return Ok(None);
    };
    conn.execute(
        "INSERT INTO quarantine (table_name, record_id, version, sealed, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![table, id, version, sealed, ts(now)],
    )?;
    conn.execute(&format!("DELETE FROM {table} WHERE {key} = ?1"), [id])?;
    Ok(Some(DamagedRecord {
        table: table.to_owned(),
        id: id.to_owned(),
        version,
        detected_at: now,
    }))
}

fn random_uuid() -> Result<uuid::Uuid> {
    Ok(uuid::Builder::from_random_bytes(random_array()?).into_uuid())
}

impl Store {
    /// Sets up a new store in `cfg.data_dir` with the worker's PIN: creates
    /// the device secret, a random data key wrapped by Argon2id(PIN, device
    /// secret), and the database. Returns it unlocked. Use
    /// [`KdfParams::PRODUCTION`] outside tests.
    pub fn init(
        cfg: StoreConfig,
        pin: &Pin,
        identity: Option<Identity>,
        kdf: KdfParams,
    ) -> Result<Store> {
        Self::init_at_schema(cfg, pin, identity, kdf, schema::LATEST_VERSION)
    }

    fn init_at_schema(
        cfg: StoreConfig,
        pin: &Pin,
        identity: Option<Identity>,
        kdf: KdfParams,
        schema_version: i64,
    ) -> Result<Store> {
        keys::create_private_dir(&cfg.data_dir)?;
        let mut conn = Connection::open(cfg.db_path())?;
        schema::configure(&conn)?;
        schema::migrate_to(&mut conn, schema_version)?;
        let changes = lookup::watch(&mut conn)?;
        let has_keyring: i64 = conn.query_row("SELECT count(*) FROM keyring", [], |r| r.get(0))?;
        if has_keyring > 0 {
            return Err(StoreError::AlreadyInitialized);
        }
        let now = cfg.clock.now();
        let identity = match identity {
            Some(i) => i,
            None => Identity {
                device_id: DeviceId::new_v7(unix_ms(now), random_array()?),
                user_id: UserId::new_v7(unix_ms(now), random_array()?),
                team_id: TeamId::new_v7(unix_ms(now), random_array()?),
            },
        };
        let store_id = random_uuid()?.to_string();
        let secret_place = resolve_secret(&cfg)?;
        let secret = secret_place.create(&store_id)?;
        let built = (|| -> Result<DataKey> {
            let dk = DataKey(Key32::random()?);
            let salt: [u8; SALT_LEN] = random_array()?;
            let kek = keys::derive_kek(pin, &secret, &salt, kdf)?;
            let wrapped = keys::wrap_data_key(&kek, &dk, &store_id, kdf, &salt)?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO keyring (id, kdf, m_kib, t, p, salt, wrapped_key, wrong_pins)
                 VALUES (1, 'argon2id-v19', ?1, ?2, ?3, ?4, ?5, 0)",
                params![kdf.m_kib, kdf.t, kdf.p, &salt[..], wrapped],
            )?;
            set_meta(&tx, "store_id", &store_id)?;
            set_meta(&tx, "device_id", &identity.device_id.to_string())?;
            set_meta(&tx, "user_id", &identity.user_id.to_string())?;
            set_meta(&tx, "team_id", &identity.team_id.to_string())?;
            set_meta(&tx, "created_at", &ts(now))?;
            set_meta(&tx, "pull_cursor", "0")?;
            set_meta(&tx, binding::BINDING_META, binding::BINDING_VERSION)?;
            tx.commit()?;
            Ok(dk)
        })();
        let dk = match built {
            Ok(dk) => dk,
            Err(e) => {
                let _ = secret_place.destroy(&store_id);
                return Err(e);
            }
        };
        Ok(Store {
            conn,
            hlc: HlcClock::new(identity.device_id),
            cfg,
            store_id,
            secret: secret_place,
            identity,
            session: Some(Session::new(dk)),
            changes,
            #[cfg(test)]
            before_kdf: None,
        })
    }

    /// Opens an existing store, locked. Migrates the schema if needed (no key
    /// is needed for that).
    pub fn open(cfg: StoreConfig) -> Result<Store> {
        let db = cfg.db_path();
        if !db.is_file() {
            return Err(StoreError::NotInitialized);
        }
        let mut conn = Connection::open_with_flags(
            &db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        schema::configure(&conn)?;
        schema::migrate_to(&mut conn, schema::LATEST_VERSION)?;
        let changes = lookup::watch(&mut conn)?;
        let meta =
            |k: &str| -> Result<String> { get_meta(&conn, k)?.ok_or(StoreError::NotInitialized) };
        let store_id = meta("store_id")?;
        let bad = |_| StoreError::KeyringCorrupt("identity in metadata is malformed");
        let identity = Identity {
            device_id: DeviceId::parse(&meta("device_id")?).map_err(bad)?,
            user_id: UserId::parse(&meta("user_id")?).map_err(bad)?,
            team_id: TeamId::parse(&meta("team_id")?).map_err(bad)?,
        };
        let hlc = match get_meta(&conn, "hlc_last")? {
            Some(text) => {
                let last: Hlc = text
                    .parse()
                    .map_err(|_| StoreError::KeyringCorrupt("stored clock is malformed"))?;
                HlcClock::resume(Hlc::new(last.wall_ms, last.counter, identity.device_id))
            }
            None => HlcClock::new(identity.device_id),
        };
        let secret = resolve_secret(&cfg)?;
        Ok(Store {
            conn,
            cfg,
            store_id,
            secret,
            identity,
            hlc,
            session: None,
            changes,
            #[cfg(test)]
            before_kdf: None,
        })
    }

    /// Whether a store has been set up in `cfg.data_dir`.
    pub fn exists(cfg: &StoreConfig) -> bool {
        cfg.db_path().is_file()
    }

    fn read_keyring(&self) -> Result<KeyringRow> {
        let row = self
            .conn
            .query_row(
                "SELECT m_kib, t, p, salt, wrapped_key, wrong_pins FROM keyring WHERE id = 1",
                [],
                |r| {
                    Ok(KeyringRow {
                        params: KdfParams {
                            m_kib: r.get(0)?,
                            t: r.get(1)?,
                            p: r.get(2)?,
                        },
                        salt: r.get(3)?,
                        wrapped: r.get(4)?,
                        wrong_pins: r.get(5)?,
                    })
                },
            )
            .optional()?;
        row.ok_or(StoreError::KeyringCorrupt("the key row is missing"))
    }

    /// Unlocks with the worker's PIN.
    ///
    /// Each attempt is marked as under way, durably (fsynced), *before*
    /// Argon2id runs, and its outcome is written when it ends: a proven
    /// wrong PIN is counted, and the 10th in a row destroys the data key; a
    /// right PIN clears both counts. An attempt that never ended (the app
    /// was killed, the battery died, the low-memory killer stopped it
    /// during Argon2id) is counted apart, at the next attempt, as
    /// *interrupted*: it never erases the key, and after
    /// [`FREE_INTERRUPTED_UNLOCKS`] of them in a row each next attempt first
    /// waits ([`interrupted_unlock_delay`]). Killing the app gives an
    /// attacker no guess for free: the outcome of an attempt is known to no
    /// one before it is written.
    pub fn unlock(&mut self, pin: &Pin) -> Result<()> {
        let k = self.read_keyring()?;
        let Some(wrapped) = k.wrapped else {
            return Err(StoreError::KeyDestroyed);
        };
        if k.wrong_pins >= MAX_WRONG_PINS {
            self.destroy_keys()?;
            return Err(StoreError::KeyDestroyed);
        }
        let secret = self.secret.read(&self.store_id)?;
        // The attempt before this one never ended: count it as interrupted.
        let interrupted = self.durable(|tx| {
            let mut n = meta_u32(tx, UNLOCK_INTERRUPTED)?;
            if get_meta(tx, UNLOCK_PENDING)?.is_some() {
                n = n.saturating_add(1);
                set_meta(tx, UNLOCK_INTERRUPTED, &n.to_string())?;
                tx.execute("DELETE FROM meta WHERE key = ?1", [UNLOCK_PENDING])?;
            }
            Ok(n)
        })?;
        let wait = interrupted_unlock_delay(interrupted);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        self.durable(|tx| set_meta(tx, UNLOCK_PENDING, "1"))?;
        #[cfg(test)]
        if let Some(hook) = &self.before_kdf {
            hook(&self.cfg.db_path());
        }
        let kek = keys::derive_kek(pin, &secret, &k.salt, k.params)?;
        match keys::unwrap_data_key(&kek, &wrapped, &self.store_id, k.params, &k.salt) {
            Some(dk) => {
                let session = Session::new(dk);
                let now = self.cfg.clock.now();
                // The attempt's end, and (once) the binding of older rows to
                // their place, in one transaction.
                // Rows set aside here are in `quarantine` and reported by
                // `status` and `damaged_records`.
                self.durable(|tx| {
                    tx.execute("UPDATE keyring SET wrong_pins = 0 WHERE id = 1", [])?;
                    tx.execute(
                        "DELETE FROM meta WHERE key IN (?1, ?2)",
                        params![UNLOCK_PENDING, UNLOCK_INTERRUPTED],
                    )?;
                    binding::upgrade(tx, &session.sealer, now).map(|_| ())
                })?;
                self.session = Some(session);
                Ok(())
            }
            None => {
                self.session = None;
                let count = k.wrong_pins + 1;
                self.durable(|tx| {
                    tx.execute("UPDATE keyring SET wrong_pins = ?1 WHERE id = 1", [count])?;
                    tx.execute("DELETE FROM meta WHERE key = ?1", [UNLOCK_PENDING])?;
                    Ok(())
                })?;
                if count >= MAX_WRONG_PINS {
                    self.destroy_keys()?;
                    Err(StoreError::KeyDestroyed)
                } else {
                    Err(StoreError::WrongPin {
                        remaining: MAX_WRONG_PINS - count,
                    })
                }
            }
        }
    }

    /// How long the next unlock will wait first, because of attempts that
    /// were interrupted (0 normally). For the front ends to say so.
    pub fn unlock_delay(&self) -> Result<Duration> {
        let mut n = meta_u32(&self.conn, UNLOCK_INTERRUPTED)?;
        if get_meta(&self.conn, UNLOCK_PENDING)?.is_some() {
            n = n.saturating_add(1);
        }
        Ok(interrupted_unlock_delay(n))
    }

    /// Runs `f` in one write transaction committed with `synchronous =
    /// FULL`: the WAL is fsynced before the commit returns, so the change
    /// survives a power cut, not only a killed process (the store's other
    /// writes use NORMAL).
    fn durable<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let result = (|| -> Result<T> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let v = f(&tx)?;
            tx.commit()?;
            Ok(v)
        })();
        let restored = self.conn.pragma_update(None, "synchronous", "NORMAL");
        let v = result?;
        restored?;
        Ok(v)
    }

    /// Changes the PIN: checks the old one (a wrong one counts), then
    /// re-seals every record under a **new** data key wrapped under the new
    /// PIN with a fresh salt, in one transaction. A copy of the old key row
    /// (put back by someone who knows the old PIN) then unwraps only the
    /// old data key, which opens none of the records.
    pub fn change_pin(&mut self, old: &Pin, new: &Pin) -> Result<()> {
        let params = self.read_keyring()?.params;
        self.rewrap(old, new, params, true)
    }

    /// Raises (or sets) the Argon2id parameters, re-wrapping the data key.
    pub fn set_kdf_params(&mut self, pin: &Pin, params: KdfParams) -> Result<()> {
        // Checked before the PIN, so a refusal costs no attempt.
        if params.m_kib > KdfParams::MAX_M_KIB
            || params.t > KdfParams::MAX_T
            || params.p > KdfParams::MAX_P
        {
            return Err(StoreError::KeyringCorrupt("KDF parameters out of range"));
        }
        self.rewrap(pin, pin, params, false)
    }

    fn rewrap(&mut self, old: &Pin, new: &Pin, params: KdfParams, new_key: bool) -> Result<()> {
        self.unlock(old)?;
        let secret = self.secret.read(&self.store_id)?;
        let salt: [u8; SALT_LEN] = random_array()?;
        let kek = keys::derive_kek(new, &secret, &salt, params)?;
        let session = self.session.take().ok_or(StoreError::Locked)?;
        let next = if new_key {
            Session::new(DataKey(Key32::random()?))
        } else {
            Session::new(DataKey(
                Key32::from_slice(session.data_key.0.as_bytes()).ok_or(StoreError::Crypto)?,
            ))
        };
        let wrapped = keys::wrap_data_key(&kek, &next.data_key, &self.store_id, params, &salt)?;
        let now = self.cfg.clock.now();
        let written = self.durable(|tx| {
            if new_key {
                binding::rekey(tx, &session.sealer, &next.sealer, now)?;
            }
            tx.execute(
                "UPDATE keyring SET m_kib = ?1, t = ?2, p = ?3, salt = ?4, wrapped_key = ?5, wrong_pins = 0
                 WHERE id = 1",
                params![params.m_kib, params.t, params.p, &salt[..], wrapped],
            )?;
            Ok(())
        });
        match written {
            Ok(()) => {
                self.session = Some(next);
                // The old key's pages are overwritten (secure_delete) and
                // folded out of the WAL.
                let _ = self.checkpoint();
                Ok(())
            }
            Err(e) => {
                self.session = Some(session);
                Err(e)
            }
        }
    }

    /// The Argon2id parameters the key is wrapped with.
    pub fn kdf_params(&self) -> Result<KdfParams> {
        Ok(self.read_keyring()?.params)
    }

    /// Forgets the keys. Records stay sealed on disk. Also folds the WAL
    /// into the database (a passive checkpoint, off the path of a tap).
    pub fn lock(&mut self) {
        self.session = None;
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }

    /// Whether the keys are in memory (and the idle time has not passed).
    pub fn is_unlocked(&mut self) -> bool {
        self.check_idle();
        self.session.is_some()
    }

    /// Locks if the idle time has passed; returns whether it is locked now.
    /// The UI calls it on a timer.
    pub fn check_idle(&mut self) -> bool {
        if let Some(s) = &self.session
            && s.last_used.elapsed() >= self.cfg.idle_timeout
        {
            self.lock();
        }
        self.session.is_none()
    }

    /// Destroys the data key for good (too many wrong PINs, or the server
    /// said the device was revoked): the wrapped key is erased from the
    /// database (secure delete, WAL checkpointed) and the device secret file
    /// overwritten and removed. The sealed records stay but can never be
    /// opened again. Use [`Store::wipe`] to remove the files too.
    pub fn destroy_keys(&mut self) -> Result<()> {
        self.session = None;
        let now = self.cfg.clock.now();
        self.conn.execute(
            "UPDATE keyring SET wrapped_key = NULL, salt = zeroblob(16), destroyed_at = ?1 WHERE id = 1",
            [ts(now)],
        )?;
        self.checkpoint()?;
        self.secret.destroy(&self.store_id)?;
        Ok(())
    }

    /// Folds the WAL into the database file and truncates it.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Destroys the keys and removes the store's files (database, WAL,
    /// shared memory, device secret). Needs no PIN: it is what a worker who
    /// lost the PIN, or a revoked device, does.
    pub fn wipe(mut self) -> Result<()> {
        // Best effort first: erase the key even if the file removal fails.
        let destroyed = self.destroy_keys();
        let Store { conn, cfg, .. } = self;
        let _ = conn.close();
        remove_db_files(&cfg)?;
        destroyed
    }

    /// Wipes a store that cannot be opened (a damaged or foreign database
    /// file): removes the device secret (when its place is known: configured,
    /// or named after the store id if that can still be read) and the
    /// database files. Use [`Store::wipe`] when the store opens.
    pub fn wipe_files(cfg: &StoreConfig) -> Result<()> {
        let db = cfg.db_path();
        let store_id = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()
            .and_then(|c| get_meta(&c, "store_id").ok().flatten());
        if let Some(id) = store_id {
            resolve_secret(cfg)?.destroy(&id)?;
        } else if let Some(place) = &cfg.device_secret {
            // A fixed place (a file named in the configuration) needs no id.
            place.destroy("")?;
        }
        remove_db_files(cfg)
    }

    /// The store's state, readable while locked.
    pub fn status(&mut self) -> Result<StoreStatus> {
        let k = self.read_keyring()?;
        let damaged: i64 = self
            .conn
            .query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))?;
        Ok(StoreStatus {
            schema_version: schema::version(&self.conn)?,
            unlocked: self.is_unlocked(),
            key_destroyed: k.wrapped.is_none(),
            wrong_pins: k.wrong_pins,
            interrupted_unlocks: meta_u32(&self.conn, UNLOCK_INTERRUPTED)?
                + u32::from(get_meta(&self.conn, UNLOCK_PENDING)?.is_some()),
            identity: self.identity,
            outbox: self.outbox_status()?,
            damaged_records: damaged as usize,
            pull_cursor: self.pull_cursor()?,
        })
    }

    /// Who this device works for.
    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// Records the identity the server gave at enrolment. Operations still
    /// in the outbox (made before enrolment) are re-stamped with the new
    /// device id, in the same transaction, so the server accepts them; that
    /// needs the key when there are any.
    pub fn set_identity(&mut self, identity: Identity) -> Result<()> {
        let pending = self.outbox_status()?.pending;
        let sealer = match (&self.session, pending) {
            (_, 0) => None,
            (Some(s), _) => Some(&s.sealer),
            (None, _) => return Err(StoreError::Locked),
        };
        let tx = self.conn.transaction()?;
        if let Some(sealer) = sealer {
            let rows: Vec<(String, i64, Vec<u8>)> = {
                let mut st = tx.prepare("SELECT op_id, version, sealed FROM outbox")?;
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for (id, version, sealed) in rows {
                let Some(mut op) = open_value::<outreach_shared::protocol::Operation>(
                    sealer, "outbox", &id, version, &sealed,
                ) else {
                    set_aside(&tx, "outbox", &id, self.cfg.clock.now())?;
                    continue;
                };
                op.device_id = identity.device_id;
                op.hlc = Hlc::new(op.hlc.wall_ms, op.hlc.counter, identity.device_id);
                if let outreach_shared::protocol::Payload::CreatePerson(p) = &mut op.payload {
                    p.team = identity.team_id;
                }
                let resealed = seal_value(sealer, "outbox", &id, version, &op)?;
                tx.execute(
                    "UPDATE outbox SET sealed = ?1 WHERE op_id = ?2",
                    params![resealed, id],
                )?;
            }
        }
        set_meta(&tx, "device_id", &identity.device_id.to_string())?;
        set_meta(&tx, "user_id", &identity.user_id.to_string())?;
        set_meta(&tx, "team_id", &identity.team_id.to_string())?;
        tx.commit()?;
        self.identity = identity;
        let last = self.hlc.last();
        self.hlc = HlcClock::resume(Hlc::new(last.wall_ms, last.counter, identity.device_id));
        Ok(())
    }

    /// Where the device secret of this store is kept (a file's path, or the
    /// key store's name).
    pub fn device_secret_location(&self) -> String {
        self.secret.location()
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.cfg.data_dir
    }

    /// The current time by the store's clock.
    /// The clock is corrected by the offset learned from the server
    /// ([`Store::set_clock_offset`]), so a tablet whose clock is wrong still
    /// stamps records with the right time.
    pub fn now(&self) -> DateTime<Utc> {
        self.cfg.clock.now() + self.clock_offset()
    }

    /// The last HLC handed out or observed (persisted with every change).
    pub fn last_hlc(&self) -> Hlc {
        self.hlc.last()
    }

    /// Records that were set aside as damaged.
    pub fn damaged_records(&self) -> Result<Vec<DamagedRecord>> {
        let mut st = self.conn.prepare(
            "SELECT table_name, record_id, version, detected_at FROM quarantine ORDER BY seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (table, id, version, at) = row?;
            out.push(DamagedRecord {
                table,
                id,
                version,
                detected_at: parse_ts(&at).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Notes that a person used the app just now (a tap): the idle time
    /// starts again. Nothing else counts as use — reads and writes of
    /// background work (an automatic sync, reloads) leave the idle time
    /// running, so an unattended tablet locks. Does nothing once locked.
    pub fn touch(&mut self) {
        if !self.check_idle()
            && let Some(s) = self.session.as_mut()
        {
            s.last_used = Instant::now();
        }
    }

    /// Checks the idle time and hands out the parts a write or read needs.
    /// It does not count as use (see [`Store::touch`]).
    fn unlocked_parts(&mut self) -> Result<(&mut Connection, &Sealer)> {
        if self.check_idle() {
            return Err(StoreError::Locked);
        }
        let s = self.session.as_ref().ok_or(StoreError::Locked)?;
        Ok((&mut self.conn, &s.sealer))
    }

    /// The write counters of the session's lookups, now.
    fn lookup_stamp(&self) -> Result<lookup::Stamp> {
        lookup::stamp(&self.conn, &self.changes)
    }

    /// The session's lookups (see `lookup.rs`).
    fn lookups(&mut self) -> Result<&mut lookup::Lookups> {
        if self.check_idle() {
            return Err(StoreError::Locked);
        }
        Ok(&mut self.session.as_mut().ok_or(StoreError::Locked)?.lookups)
    }

    fn require_unlocked(&mut self) -> Result<()> {
        self.unlocked_parts().map(|_| ())
    }

    /// Moves damaged rows aside, in one transaction, and reports them.
    fn set_aside_all(&mut self, found: Vec<(&'static str, String)>) -> Result<Vec<DamagedRecord>> {
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let tx = self.conn.transaction()?;
        let mut out = Vec::new();
        for (table, id) in found {
            if let Some(d) = set_aside(&tx, table, &id, now)? {
                out.push(d);
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Sets a function run just before Argon2id in `unlock` (tests).
    #[cfg(test)]
    pub(crate) fn set_before_kdf(&mut self, hook: impl Fn(&Path) + Send + 'static) {
        self.before_kdf = Some(Box::new(hook));
    }

    /// The raw connection, for tests in this crate.
    #[cfg(test)]
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Removes the database, its WAL and shared-memory files, and the data
/// folder if it is then empty.
fn remove_db_files(cfg: &StoreConfig) -> Result<()> {
    let db = cfg.db_path();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        match std::fs::remove_file(PathBuf::from(p)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    let _ = std::fs::remove_dir(&cfg.data_dir);
    Ok(())
}

fn resolve_secret(cfg: &StoreConfig) -> Result<Arc<dyn DeviceSecret>> {
    match &cfg.device_secret {
        Some(s) => Ok(s.clone()),
        None => device_secret::platform_default(),
    }
}

#[cfg(test)]
mod tests;
