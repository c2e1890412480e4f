//! Helpers shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use outreach_mobile::shared::*;
use outreach_mobile::*;
use std::collections::BTreeSet;
use std::path::Path;

pub fn cfg(dir: &Path) -> StoreConfig {
    StoreConfig::new(dir.join("data"))
        .with_device_secret_path(dir.join("secret").join("device.key"))
}

pub fn pin() -> Pin {
    Pin::new("246813".into()).unwrap()
}

pub fn hanako() -> NewPerson {
    NewPerson {
        alias: "架空 花子".into(),
        kana: Some("カクウ ハナコ".into()),
        fields: [LifeField::Elderly].into(),
        ..NewPerson::default()
    }
}

pub fn visit(person: PersonId, at: DateTime<Utc>, note: &str) -> NewContact {
    NewContact {
        person_id: person,
        occurred_at: at - Duration::minutes(5),
        duration_minutes: Some(10),
        method: ContactMethod::HomeVisit,
        met: MetWhom::Nobody,
        response: None,
        observation: note.into(),
        safety: Safety {
            accompaniment: Accompaniment::Pair,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
        },
        reflection: None,
        next_action: None,
    }
}

/// The ways a text could sit in a file: UTF-8, UTF-16 (both byte orders),
/// and base64 (standard and URL-safe alphabets, at each of the three
/// alignments a text can have inside a longer base64 stream).
pub fn encodings(text: &str) -> Vec<(String, Vec<u8>)> {
    use base64::Engine;
    let utf8 = text.as_bytes().to_vec();
    let mut out = vec![
        ("utf-8".to_string(), utf8.clone()),
        (
            "utf-16le".to_string(),
            text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ),
        (
            "utf-16be".to_string(),
            text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ),
    ];
    for (name, engine) in [
        ("base64", &base64::engine::general_purpose::STANDARD_NO_PAD),
        (
            "base64url",
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ),
    ] {
        for k in 0..3 {
            if utf8.len() < k + 6 {
                continue;
            }
            let n = (utf8.len() - k) / 3 * 3;
            let enc = engine.encode(&utf8[k..k + n]);
            out.push((format!("{name} at offset {k}"), enc.into_bytes()));
        }
    }
    out
}

/// Every file under `dir`, recursively, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}
