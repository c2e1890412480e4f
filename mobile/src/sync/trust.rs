//! Which servers the tablet trusts: the platform's certificate store, and,
//! after an enrolment by QR code, the server key pinned by that code.
//!
//! - Without a pin, the platform decides (`rustls-platform-verifier`:
//!   Security.framework on iOS and macOS, the OS store on Windows and Linux;
//!   on Android the system CA folder). So a city server with an LGPKI or
//!   private certificate is reached when the city's device management has
//!   installed its CA, like every other app on the tablet.
//! - With pins (from the enrolment QR, kept in the store), the server's
//!   certificate must carry one of the pinned keys (SHA-256 of its
//!   SubjectPublicKeyInfo) *and* be valid for the server's name. A pinned
//!   key also stands in for a CA the platform does not know (a private CA
//!   on a closed network), but never for an expired or revoked certificate
//!   the platform recognises as such. A certificate with another key is
//!   refused as [`PinMismatch`], whoever signed it: after a planned key
//!   change the supervisor shows a new enrolment QR and the worker enrols
//!   again (the store and its records stay).
//!
//! One TLS stack: the rustls (ring) that reqwest uses; the verifiers only
//! check certificates.

use std::sync::Arc;

use outreach_shared::enrolment::SpkiPin;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error as TlsError, OtherError};

/// The server's certificate does not carry a pinned key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server's key is not the one pinned at enrolment")]
pub struct PinMismatch;

/// The pin of a DER certificate's public key, `None` if it does not parse.
pub fn certificate_pin(cert_der: &[u8]) -> Option<SpkiPin> {
    let der = CertificateDer::from(cert_der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    Some(SpkiPin::of_spki_der(
        cert.subject_public_key_info().as_ref(),
    ))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The platform's verifier.
#[cfg(not(target_os = "android"))]
fn platform_verifier(
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    Ok(Arc::new(rustls_platform_verifier::Verifier::new(provider)?))
}

/// Android: the system's CA certificates (the updatable Conscrypt module's
/// folder on Android 14+, else `/system/etc/security/cacerts`), the same
/// set Android's own verifier trusts for apps by default.
#[cfg(target_os = "android")]
fn platform_verifier(
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for dir in [
        "/apex/com.android.conscrypt/cacerts",
        "/system/etc/security/cacerts",
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(pem) = std::fs::read(entry.path()) {
                let certs = CertificateDer::pem_slice_iter(&pem).flatten();
                roots.add_parsable_certificates(certs);
            }
        }
        if !roots.is_empty() {
            break;
        }
    }
    let v = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| TlsError::Other(OtherError(Arc::new(e))))?;
    Ok(v)
}

/// The platform's verifier, with the enrolment pins on top.
#[derive(Debug)]
pub struct PinnedVerifier {
    platform: Arc<dyn ServerCertVerifier>,
    pins: Vec<SpkiPin>,
    provider: Arc<CryptoProvider>,
}

impl PinnedVerifier {
    pub fn new(pins: &[SpkiPin]) -> Result<PinnedVerifier, TlsError> {
        let provider = provider();
        Ok(PinnedVerifier {
            platform: platform_verifier(provider.clone())?,
            pins: pins.to_vec(),
            provider,
        })
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let platform = self.platform.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if self.pins.is_empty() {
            return platform;
        }
        let pin = certificate_pin(end_entity)
            .ok_or(TlsError::InvalidCertificate(CertificateError::BadEncoding))?;
        if !self.pins.contains(&pin) {
            return Err(TlsError::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(PinMismatch)),
            )));
        }
        match platform {
            Ok(v) => Ok(v),
            // What the platform knows to be wrong stays wrong.
            Err(TlsError::InvalidCertificate(
                e @ (CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::Revoked
                | CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }),
            )) => Err(TlsError::InvalidCertificate(e)),
            // An issuer the platform does not know: the pinned key vouches
            // for the server, if the certificate names it.
            Err(_) => {
                let cert = webpki::EndEntityCert::try_from(end_entity)
                    .map_err(|_| TlsError::InvalidCertificate(CertificateError::BadEncoding))?;
                cert.verify_is_valid_for_subject_name(server_name)
                    .map_err(|_| TlsError::InvalidCertificate(CertificateError::NotValidForName))?;
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The TLS set-up of every request the app makes (HTTP/2 and HTTP/1.1).
pub fn tls_config(pins: &[SpkiPin]) -> Result<rustls::ClientConfig, TlsError> {
    let verifier = PinnedVerifier::new(pins)?;
    let mut cfg = rustls::ClientConfig::builder_with_provider(verifier.provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// An error and its causes, looking inside I/O errors too (an `io::Error`
/// wrapping another error does not list it as its source).
pub fn error_chain<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => io
            .get_ref()
            .map(|inner| inner as &(dyn std::error::Error + 'static)),
        None => e.source(),
    })
}

/// What went wrong with a server's certificate, if `err` (a request error
/// and its causes) is a certificate problem.
pub fn certificate_problem(err: &(dyn std::error::Error + 'static)) -> Option<CertProblem> {
    for e in error_chain(err) {
        if let Some(tls) = e.downcast_ref::<TlsError>() {
            return match tls {
                TlsError::InvalidCertificate(CertificateError::Other(o))
                    if o.0.downcast_ref::<PinMismatch>().is_some() =>
                {
                    Some(CertProblem::KeyChanged)
                }
                TlsError::InvalidCertificate(_) | TlsError::NoCertificatesPresented => {
                    Some(CertProblem::Untrusted)
                }
                _ => None,
            };
        }
    }
    None
}

/// A certificate problem, as the worker is told about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertProblem {
    /// Not trusted by the platform (unknown CA, expired, wrong name).
    Untrusted,
    /// Another key than the one pinned at enrolment.
    KeyChanged,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_mismatch_is_told_apart_through_io_wrapping() {
        let tls = TlsError::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
            PinMismatch,
        ))));
        // As hyper hands it over: an I/O error inside an I/O error.
        let io = std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, tls));
        assert_eq!(certificate_problem(&io), Some(CertProblem::KeyChanged));
        let unknown = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            TlsError::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert_eq!(certificate_problem(&unknown), Some(CertProblem::Untrusted));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(certificate_problem(&refused), None);
    }

    #[test]
    fn garbage_is_no_certificate() {
        assert_eq!(certificate_pin(b"not a certificate"), None);
    }

    #[test]
    fn the_platform_store_loads_here() {
        // CI and developers' machines have a system CA store.
        assert!(tls_config(&[]).is_ok());
    }
}
