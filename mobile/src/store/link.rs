//! The store's link to the server: its address, the device's bearer token
//! (sealed like every record: it opens the worker's caseload on the server),
//! the server key pins from the enrolment QR (sealed too, so that they
//! cannot be swapped in the file),
//! the correction of the device's clock learned from the server, and the
//! outcome of the last sync.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{
    Store, from_hex, get_meta, open_value, parse_ts, reseal_meta, seal_value, set_meta, to_hex, ts,
};
use crate::crypto::Sealer;
use crate::error::{Result, StoreError};
use outreach_shared::enrolment::SpkiPin;

/// Where this device syncs, and with which token.
pub struct ServerLink {
    pub url: String,
    pub token: Zeroizing<String>,
    /// The server keys accepted (empty: the platform's trust store decides).
    pub pins: Vec<SpkiPin>,
}

impl std::fmt::Debug for ServerLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerLink")
            .field("url", &self.url)
            .field("token", &"<hidden>")
            .field("pins", &self.pins)
            .finish()
    }
}

/// What the sync bar shows. Readable without the key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncState {
    pub server_url: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last error, as shown to the worker (Japanese); `None` after a
    /// successful sync.
    pub last_error: Option<String>,
    /// Server time minus device time.
    pub clock_offset_ms: i64,
}

const TOKEN_ID: &str = "server_token";
const PINS_ID: &str = "server_pins";

impl Store {
    /// Stores the server address and the device token from enrolment,
    /// without a key pin (the platform's trust store decides).
    pub fn set_server_link(&mut self, url: &str, token: &str) -> Result<()> {
        self.set_server_link_pinned(url, token, &[])
    }

    /// Stores the server address, the device token and the server key pins
    /// from an enrolment by QR code, replacing the previous link (a
    /// re-enrolment after a planned key change replaces the pins).
    pub fn set_server_link_pinned(
        &mut self,
        url: &str,
        token: &str,
        pins: &[SpkiPin],
    ) -> Result<()> {
        let (conn, sealer) = self.unlocked_parts()?;
        let token = Zeroizing::new(token.to_owned());
        let sealed = seal_value(sealer, "meta", TOKEN_ID, 1, &*token)?;
        let sealed_pins = seal_value(sealer, "meta", PINS_ID, 1, &pins)?;
        let tx = conn.transaction()?;
        set_meta(&tx, "server_url", url)?;
        set_meta(&tx, TOKEN_ID, &to_hex(&sealed))?;
        set_meta(&tx, PINS_ID, &to_hex(&sealed_pins))?;
        tx.commit()?;
        Ok(())
    }

    /// The server address and token, if the device is enrolled.
    pub fn server_link(&mut self) -> Result<Option<ServerLink>> {
        let (conn, sealer) = self.unlocked_parts()?;
        let (Some(url), Some(sealed)) = (get_meta(conn, "server_url")?, get_meta(conn, TOKEN_ID)?)
        else {
            return Ok(None);
        };
        let bytes = from_hex(&sealed).ok_or(StoreError::KeyringCorrupt("server token"))?;
        let token: String = open_value(sealer, "meta", TOKEN_ID, 1, &bytes)
            .ok_or(StoreError::KeyringCorrupt("server token"))?;
        // A store linked before pins existed has none.
        let pins: Vec<SpkiPin> = match get_meta(conn, PINS_ID)? {
            None => Vec::new(),
            Some(sealed) => {
                let bytes = from_hex(&sealed).ok_or(StoreError::KeyringCorrupt("server pins"))?;
                open_value(sealer, "meta", PINS_ID, 1, &bytes)
                    .ok_or(StoreError::KeyringCorrupt("server pins"))?
            }
        };
        Ok(Some(ServerLink {
            url,
            token: Zeroizing::new(token),
            pins,
        }))
    }

    /// Sets the correction added to the device clock (server time minus
    /// device time), learned from the server's responses. Timestamps and
    /// HLCs made afterwards use the corrected time.
    pub fn set_clock_offset(&mut self, offset_ms: i64) -> Result<()> {
        set_meta(&self.conn, "clock_offset_ms", &offset_ms.to_string())
    }

    /// Sets how long the keys stay in memory without use, and remembers it.
    pub fn set_idle_timeout(&mut self, idle: std::time::Duration) -> Result<()> {
        self.cfg.idle_timeout = idle;
        set_meta(&self.conn, "idle_timeout_s", &idle.as_secs().to_string())
    }

    /// The idle time chosen in the settings, if any (applied at unlock by
    /// the app).
    pub fn idle_timeout_setting(&self) -> Option<std::time::Duration> {
        get_meta(&self.conn, "idle_timeout_s")
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_secs)
    }

    /// The device's own clock, without the server's correction (what the
    /// correction is computed against).
    pub fn device_clock(&self) -> DateTime<Utc> {
        self.cfg.clock.now()
    }

    pub(crate) fn clock_offset(&self) -> Duration {
        let ms = get_meta(&self.conn, "clock_offset_ms")
            .ok()
            .flatten()
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        Duration::milliseconds(ms)
    }

    /// Records how a sync ended: `None` for success, or the worker-facing
    /// message of the error.
    pub fn note_sync_result(&mut self, error: Option<&str>) -> Result<()> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        set_meta(&tx, "last_sync_attempt", &ts(now))?;
        match error {
            None => {
                set_meta(&tx, "last_sync_success", &ts(now))?;
                tx.execute("DELETE FROM meta WHERE key = 'last_sync_error'", [])?;
            }
            Some(e) => set_meta(&tx, "last_sync_error", e)?,
        }
        tx.commit()?;
        Ok(())
    }

    /// The sync bar's state. Needs no key.
    pub fn sync_state(&self) -> Result<SyncState> {
        let get = |k: &str| get_meta(&self.conn, k);
        Ok(SyncState {
            server_url: get("server_url")?,
            last_success_at: get("last_sync_success")?.as_deref().and_then(parse_ts),
            last_attempt_at: get("last_sync_attempt")?.as_deref().and_then(parse_ts),
            last_error: get("last_sync_error")?,
            clock_offset_ms: self.clock_offset().num_milliseconds(),
        })
    }
}

/// Re-seals the device token and the server key pins under a new data key
/// (the PIN change). If they do not open, the link is dropped: enrol again.
pub(super) fn rekey_link(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    for key in [TOKEN_ID, PINS_ID] {
        if reseal_meta(conn, old, new, key)? == Some(false) {
            conn.execute(
                "DELETE FROM meta WHERE key IN (?1, ?2)",
                params![TOKEN_ID, PINS_ID],
            )?;
            return Ok(());
        }
    }
    Ok(())
}
