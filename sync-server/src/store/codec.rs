//! Small encoders shared by the backends: enums as their serde names, JSON
//! bodies, hash columns. Nothing here knows a database.

use super::{StoreError, StoreResult};

/// A unit enum as its serde name (`Role::OutreachWorker` → `outreach_worker`).
pub(super) fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The inverse of [`enum_text`].
pub(super) fn text_enum<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(corrupt("enum"))
}

/// A stored hash column back to its 32 bytes.
pub(super) fn hash32(v: Vec<u8>) -> StoreResult<[u8; 32]> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt("hash length".into()))
}

/// A record's JSON body.
pub(super) fn json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

/// Maps a JSON decoding failure of a stored `what` to [`StoreError::Corrupt`].
pub(super) fn corrupt(what: &str) -> impl Fn(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

/// The case queue's sort key: the urgency's place in `Urgency::ALL`
/// (emergencies first).
pub(super) fn urgency_rank(u: outreach_shared::Urgency) -> i32 {
    outreach_shared::Urgency::ALL
        .iter()
        .position(|x| *x == u)
        .unwrap_or(99) as i32
}
