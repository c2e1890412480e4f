//! The errors of the core. Callers branch on them (the UI shows a PIN pad
//! again on [`StoreError::WrongPin`], a lock screen on [`StoreError::Locked`],
//! field messages on [`StoreError::Invalid`]). No variant carries personal
//! data: only ids, counts and static descriptions.

use outreach_shared::ValidationErrors;

/// Why a PIN was refused (at set-up or change, never at unlock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("at least {min} characters are required")]
    TooShort { min: usize },
    #[error("at most {max} characters are allowed")]
    TooLong { max: usize },
    #[error("control characters are not allowed")]
    ControlCharacter,
}

/// Which kind of record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Person,
    Contact,
    Case,
    Review,
    Conflict,
    OutboxOperation,
    /// A 地域資源 of the catalogue.
    Resource,
    /// A 参加支援 record.
    Participation,
    /// A community activity of 地域づくり.
    CommunityActivity,
}

impl RecordKind {
    /// The table that holds this kind of record.
    pub fn table(&self) -> &'static str {
        match self {
            RecordKind::Person => "persons",
            RecordKind::Contact => "contacts",
            RecordKind::Case => "cases",
            RecordKind::Review => "reviews",
            RecordKind::Conflict => "conflicts",
            RecordKind::OutboxOperation => "outbox",
            RecordKind::Resource => "resources",
            RecordKind::Participation => "participation",
            RecordKind::CommunityActivity => "community",
        }
    }

    pub(crate) fn from_table(table: &str) -> Option<RecordKind> {
        Some(match table {
            "persons" => RecordKind::Person,
            "contacts" => RecordKind::Contact,
            "cases" => RecordKind::Case,
            "reviews" => RecordKind::Review,
            "conflicts" => RecordKind::Conflict,
            "outbox" => RecordKind::OutboxOperation,
            "resources" => RecordKind::Resource,
            "participation" => RecordKind::Participation,
            "community" => RecordKind::CommunityActivity,
            _ => return None,
        })
    }
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no store in the data directory yet.
    #[error("no store has been set up in this data directory")]
    NotInitialized,
    /// `init` on a directory that already has a store.
    #[error("a store already exists in this data directory")]
    AlreadyInitialized,
    /// The keys are not in memory: unlock with the PIN first (also after the
    /// idle time has passed).
    #[error("the store is locked")]
    Locked,
    /// The PIN did not open the data key. `remaining` attempts are left before
    /// the key is destroyed.
    #[error("wrong PIN ({remaining} attempts left)")]
    WrongPin { remaining: u32 },
    /// The data key was destroyed (too many wrong PINs, or a wipe): the data
    /// can never be read again.
    #[error("the data key has been destroyed; the data can no longer be read")]
    KeyDestroyed,
    /// The PIN does not meet the rules (only at `init` and PIN change).
    #[error("the PIN does not meet the rules: {0}")]
    PinRejected(#[from] PinError),
    /// The device secret file is missing (moved, deleted, or the database was
    /// copied to another device).
    #[error("the device secret file is missing")]
    DeviceSecretMissing,
    /// `init` found a device secret already at the configured place (left
    /// from an earlier store): it is never overwritten.
    #[error("a device secret already exists at the configured place")]
    DeviceSecretExists,
    /// The device secret file is readable by others, or malformed.
    #[error("the device secret file is unsafe or malformed: {0}")]
    DeviceSecretUnsafe(&'static str),
    /// The platform key store (Android Keystore, iOS Keychain) refused or
    /// failed (e.g. the device is locked, or iOS has no passcode set).
    #[error("the platform key store failed: {0}")]
    KeyStore(&'static str),
    /// No place for the device secret is known on this platform: pass one.
    #[error("no location for the device secret on this platform; configure one")]
    NoDeviceSecretLocation,
    /// The value failed validation; each error has a Japanese message.
    #[error("invalid: {0}")]
    Invalid(ValidationErrors),
    /// No such record on this device.
    #[error("{kind:?} {id} not found")]
    NotFound { kind: RecordKind, id: String },
    /// A contact revision that a later revision already corrects: correct
    /// the latest one instead.
    #[error("contact {id} has already been corrected")]
    AlreadyCorrected { id: String },
    /// The record could not be opened (tampered, moved or corrupted); it has
    /// been set aside.
    #[error("{kind:?} {id} is damaged and was set aside")]
    Damaged { kind: RecordKind, id: String },
    /// The database was written by a newer app.
    #[error("the database schema version {found} is newer than this app supports ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    /// The key store rows are missing or inconsistent.
    #[error("the key store is corrupt: {0}")]
    KeyringCorrupt(&'static str),
    /// The operating system's random number generator failed.
    #[error("the random number generator failed")]
    Random,
    /// Encryption failed (should never happen).
    #[error("encryption failed")]
    Crypto,
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// A value could not be encoded (should never happen).
    #[error("encoding error")]
    Encode,
}

impl StoreError {
    pub(crate) fn invalid_one(field: outreach_shared::FieldError) -> StoreError {
        StoreError::Invalid(ValidationErrors(vec![field]))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
