//! The enrolment QR code: what a supervisor's console shows and a tablet
//! scans (or a worker pastes) to enrol. Defined here once; the console
//! writes it ([`EnrolmentQr::to_text`]), the app and the `outreach` CLI read
//! it ([`EnrolmentQr::parse`]). A golden file pins the text
//! (`tests/golden/enrolment_qr.txt`).
//!
//! ## Format, version 1
//!
//! One URI, UTF-8, no spaces:
//!
//! ```text
//! hamura-outreach://enrol?v=1&server=<URL>&code=<CODE>&pin=sha256:<HASH>
//! ```
//!
//! - `v` — the format version, `1`. A tablet refuses a higher version with
//!   "update the app" ([`QrError::NewerVersion`]).
//! - `server` — the server's base address, `https://…` (or `http://…` only
//!   for a server on the tablet's own loopback address, for development and
//!   tests: [`check_server_address`]), percent-encoded.
//! - `code` — the one-time enrolment code, percent-encoded.
//! - `pin` — zero or more: the SHA-256 of the DER-encoded
//!   SubjectPublicKeyInfo of the server certificate's key, as `sha256:`
//!   followed by unpadded base64url (RFC 4648 §5). The tablet accepts the
//!   server only when its certificate carries one of these keys. Only with
//!   an `https://` server.
//!
//! Parameters may come in any order; unknown parameters are ignored, so a
//! later minor addition does not break older tablets. Anything else (another
//! scheme, a missing or repeated `server`/`code`, a bad pin) is refused with
//! a [`QrError`] that says what is wrong.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// What every enrolment QR starts with.
pub const QR_PREFIX: &str = "hamura-outreach://enrol?";
/// The format version this build writes and reads.
pub const QR_VERSION: u32 = 1;
/// Longest enrolment code accepted from a QR.
const MAX_CODE_LEN: usize = 64;
/// Longest server address accepted from a QR.
const MAX_SERVER_LEN: usize = 512;
/// Most pins accepted from a QR.
const MAX_PINS: usize = 8;

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A server key pin: the SHA-256 of the DER SubjectPublicKeyInfo of the
/// server certificate's public key. Written `sha256:<base64url>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpkiPin([u8; 32]);

impl SpkiPin {
    /// The pin of a DER-encoded SubjectPublicKeyInfo (the whole SEQUENCE).
    pub fn of_spki_der(spki: &[u8]) -> SpkiPin {
        SpkiPin(Sha256::digest(spki).into())
    }

    pub fn from_sha256(hash: [u8; 32]) -> SpkiPin {
        SpkiPin(hash)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for SpkiPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for SpkiPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpkiPin({self})")
    }
}

impl FromStr for SpkiPin {
    type Err = QrError;
    fn from_str(s: &str) -> Result<Self, QrError> {
        let b64 = s.trim().strip_prefix("sha256:").ok_or(QrError::BadPin)?;
        let bytes = URL_SAFE_NO_PAD.decode(b64).map_err(|_| QrError::BadPin)?;
        let hash: [u8; 32] = bytes.try_into().map_err(|_| QrError::BadPin)?;
        Ok(SpkiPin(hash))
    }
}

impl Serialize for SpkiPin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SpkiPin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The one rule for where a tablet may send its data (enrolment, sync, the
/// server's "wipe"): `https://` to any host, plain `http://` only to this
/// device's loopback address (`127.0.0.0/8`, `[::1]`, `localhost`), for
/// development and tests. Over plain HTTP on a network anyone on the way
/// could read the records and the token, or pose as the server and answer
/// "wipe". Every front end and the sync client call this.
pub fn check_server_address(server: &str) -> Result<(), QrError> {
    let server = server.trim();
    if let Some(rest) = server.strip_prefix("https://") {
        return if rest.is_empty() {
            Err(QrError::BadServer)
        } else {
            Ok(())
        };
    }
    let Some(rest) = server.strip_prefix("http://") else {
        return Err(QrError::BadServer);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(QrError::BadServer);
    }
    // `http://127.0.0.1@evil.example` names the host after the `@`.
    if authority.contains('@') {
        return Err(QrError::PlainHttp);
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => h,
            None => return Err(QrError::BadServer),
        }
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _port)| h)
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(QrError::PlainHttp)
    }
}

/// What an enrolment QR carries.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentQr {
    /// The server's base address, without a trailing `/`.
    pub server: String,
    /// The one-time enrolment code.
    pub code: String,
    /// The server keys the tablet accepts (empty: the platform's trust
    /// store alone decides).
    pub pins: Vec<SpkiPin>,
}

impl fmt::Debug for EnrolmentQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The code is a credential for 15 minutes: never printed.
        f.debug_struct("EnrolmentQr")
            .field("server", &self.server)
            .field("code", &"<hidden>")
            .field("pins", &self.pins)
            .finish()
    }
}

/// Why a text is not a usable enrolment QR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("this is not a Hamura Outreach enrolment code")]
    NotEnrolment,
    #[error("this enrolment code is for a newer app (format version {0})")]
    NewerVersion(u32),
    #[error("the enrolment code has no {0}")]
    Missing(&'static str),
    #[error("the enrolment code gives {0} more than once")]
    Repeated(&'static str),
    #[error("the server address must start with https:// (or http:// without a pin)")]
    BadServer,
    #[error("plain http:// is accepted only for a server on this device's loopback address")]
    PlainHttp,
    #[error("the one-time code is empty or too long")]
    BadCode,
    #[error("a server key pin is not sha256:<base64url of 32 bytes>")]
    BadPin,
}

impl QrError {
    /// What to tell the worker, in Japanese, with what to do.
    pub fn message_ja(&self) -> &'static str {
        match self {
            QrError::NotEnrolment => {
                "羽村アウトリーチの登録用QRコードではありません。スーパーバイザーのコンソールに表示されたQRコードを読み取ってください。"
            }
            QrError::NewerVersion(_) => {
                "この登録用QRコードは新しい版のアプリ向けです。アプリを最新版に更新してから読み取ってください。"
            }
            QrError::Missing(_) | QrError::Repeated(_) | QrError::BadCode | QrError::BadPin => {
                "登録用QRコードの内容が欠けているか壊れています。スーパーバイザーに新しいQRコードを表示してもらってください。"
            }
            QrError::BadServer => {
                "登録用QRコードのサーバーの住所が正しくありません。スーパーバイザーに連絡してください。"
            }
            QrError::PlainHttp => {
                "暗号化されていない http:// のサーバーには接続できません（通信が読まれたり、なりすまされたりするおそれがあります）。https:// で始まるアドレスを使ってください。分からないときはスーパーバイザーに連絡してください。"
            }
        }
    }
}

impl EnrolmentQr {
    /// The text of the QR code (format version [`QR_VERSION`]).
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{QR_PREFIX}v={QR_VERSION}&server={}&code={}",
            utf8_percent_encode(&self.server, ENCODE),
            utf8_percent_encode(&self.code, ENCODE)
        );
        for pin in &self.pins {
            s.push_str("&pin=");
            s.push_str(&utf8_percent_encode(&pin.to_string(), ENCODE).to_string());
        }
        s
    }

    /// Reads a scanned or pasted QR text (surrounding white space ignored).
    pub fn parse(text: &str) -> Result<EnrolmentQr, QrError> {
        let query = text
            .trim()
            .strip_prefix(QR_PREFIX)
            .ok_or(QrError::NotEnrolment)?;
        let mut version = None;
        let mut server = None;
        let mut code = None;
        let mut pins = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| QrError::NotEnrolment)?;
            let once = |slot: &mut Option<String>, name| {
                if slot.replace(value.to_string()).is_some() {
                    Err(QrError::Repeated(name))
                } else {
                    Ok(())
                }
            };
            match key {
                "v" => once(&mut version, "version")?,
                "server" => once(&mut server, "server")?,
                "code" => once(&mut code, "code")?,
                "pin" => {
                    if pins.len() == MAX_PINS {
                        return Err(QrError::BadPin);
                    }
                    pins.push(value.parse::<SpkiPin>()?);
                }
                _ => {}
            }
        }
        let version: u32 = version
            .ok_or(QrError::Missing("version"))?
            .parse()
            .map_err(|_| QrError::NotEnrolment)?;
        if version > QR_VERSION {
            return Err(QrError::NewerVersion(version));
        }
        if version != QR_VERSION {
            return Err(QrError::NotEnrolment);
        }
        let server = server.ok_or(QrError::Missing("server"))?;
        let server = server.trim_end_matches('/').to_owned();
        let https = server.starts_with("https://") && server.len() > "https://".len();
        let http = server.starts_with("http://") && server.len() > "http://".len();
        if !(https || http)
            || server.len() > MAX_SERVER_LEN
            || server.chars().any(|c| c.is_whitespace() || c.is_control())
            || (http && !pins.is_empty())
        {
            return Err(QrError::BadServer);
        }
        check_server_address(&server)?;
        let code = code.ok_or(QrError::Missing("code"))?;
        let code = code.trim().to_owned();
        if code.is_empty() || code.len() > MAX_CODE_LEN || code.chars().any(char::is_control) {
            return Err(QrError::BadCode);
        }
        Ok(EnrolmentQr { server, code, pins })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EnrolmentQr {
        EnrolmentQr {
            server: "https://outreach.example.invalid:8443".into(),
            code: "ABCD-EFGH-JKLM".into(),
            pins: vec![SpkiPin::from_sha256([7; 32])],
        }
    }

    #[test]
    fn pin_text_round_trips_and_rejects_garbage() {
        let p = SpkiPin::of_spki_der(b"not really DER, any bytes hash");
        let text = p.to_string();
        assert!(
            text.starts_with("sha256:") && text.len() == 7 + 43,
            "{text}"
        );
        assert_eq!(text.parse::<SpkiPin>().unwrap(), p);
        for bad in ["", "sha256:", "sha1:AAAA", "sha256:AAAA", "sha256:!!!"] {
            assert_eq!(bad.parse::<SpkiPin>(), Err(QrError::BadPin), "{bad}");
        }
    }

    #[test]
    fn qr_round_trips() {
        let q = sample();
        assert_eq!(EnrolmentQr::parse(&q.to_text()).unwrap(), q);
        let plain = EnrolmentQr {
            server: "http://127.0.0.1:8080".into(),
            code: "a b&c=d/é".into(),
            pins: vec![],
        };
        assert_eq!(EnrolmentQr::parse(&plain.to_text()).unwrap(), plain);
        // Surrounding white space from a paste is ignored.
        assert_eq!(
            EnrolmentQr::parse(&format!("  {}\n", q.to_text())).unwrap(),
            q
        );
    }

    #[test]
    fn unknown_parameters_are_ignored_and_order_does_not_matter() {
        let q = sample();
        let text = format!(
            "{QR_PREFIX}code=ABCD-EFGH-JKLM&future=1&pin={}&server=https%3A%2F%2Foutreach.example.invalid%3A8443%2F&v=1",
            q.pins[0]
        );
        assert_eq!(EnrolmentQr::parse(&text).unwrap(), q);
    }

    #[test]
    fn bad_texts_say_what_is_wrong() {
        let ok = sample().to_text();
        let cases: Vec<(String, QrError)> = vec![
            ("ABCD-EFGH-JKLM".into(), QrError::NotEnrolment),
            ("https://example.invalid".into(), QrError::NotEnrolment),
            (ok.replace("v=1", "v=2"), QrError::NewerVersion(2)),
            (ok.replace("v=1", "v=0"), QrError::NotEnrolment),
            (ok.replace("v=1&", ""), QrError::Missing("version")),
            (
                ok.replace("&code=ABCD-EFGH-JKLM", ""),
                QrError::Missing("code"),
            ),
            (format!("{ok}&code=X"), QrError::Repeated("code")),
            (ok.replace("https%3A", "ftp%3A"), QrError::BadServer),
            (
                ok.replace(
                    "https%3A%2F%2Foutreach.example.invalid%3A8443",
                    "https%3A%2F%2F",
                ),
                QrError::BadServer,
            ),
            // A pin makes no sense without TLS.
            (ok.replace("https%3A", "http%3A"), QrError::BadServer),
            (ok.replace("ABCD-EFGH-JKLM", ""), QrError::BadCode),
            (format!("{ok}&pin=sha256%3AAAAA"), QrError::BadPin),
        ];
        for (text, want) in cases {
            assert_eq!(EnrolmentQr::parse(&text), Err(want.clone()), "{text}");
            assert!(!want.message_ja().is_empty());
        }
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        for ok in [
            "https://outreach.example.jp",
            "https://192.0.2.1:8443",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:3000/",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert_eq!(check_server_address(ok), Ok(()), "{ok}");
        }
        for plain in [
            "http://outreach.example.jp",
            "http://192.168.1.10:8080",
            "http://10.0.0.1",
            "http://[2001:db8::1]:80",
            "http://127.0.0.1@evil.example",
            "http://localhost.evil.example",
            "http://0.0.0.0:8080",
        ] {
            assert_eq!(
                check_server_address(plain),
                Err(QrError::PlainHttp),
                "{plain}"
            );
        }
        for bad in [
            "ftp://x",
            "https://",
            "http://",
            "outreach.example.jp",
            "http://[::1",
        ] {
            assert_eq!(check_server_address(bad), Err(QrError::BadServer), "{bad}");
        }
        // The QR obeys the same rule.
        let lan = EnrolmentQr {
            server: "http://192.168.1.10:8080".into(),
            code: "ABCD".into(),
            pins: vec![],
        };
        assert_eq!(EnrolmentQr::parse(&lan.to_text()), Err(QrError::PlainHttp));
        assert!(!QrError::PlainHttp.message_ja().is_empty());
    }

    #[test]
    fn debug_hides_the_code() {
        let d = format!("{:?}", sample());
        assert!(!d.contains("ABCD"), "{d}");
    }
}
