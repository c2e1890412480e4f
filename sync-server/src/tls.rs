//! HTTPS with rustls (ring provider; no OpenSSL): certificate chain and key
//! from PEM files, graceful shutdown on SIGTERM like the plain listener; the
//! server key's pin for the enrolment QR.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use outreach_shared::enrolment::SpkiPin;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The enrolment pin of the server's own key: the SHA-256 of the
/// SubjectPublicKeyInfo of the first (leaf) certificate in the PEM chain.
pub fn certificate_pins(cert: &Path) -> Result<Vec<SpkiPin>, String> {
    let pem = std::fs::read(cert)
        .map_err(|e| format!("cannot read the TLS certificate {}: {e}", cert.display()))?;
    let leaf = CertificateDer::pem_slice_iter(&pem)
        .next()
        .ok_or_else(|| format!("no certificate in {}", cert.display()))?
        .map_err(|e| format!("cannot read the TLS certificate {}: {e}", cert.display()))?;
    let parsed = webpki::EndEntityCert::try_from(&leaf)
        .map_err(|e| format!("cannot parse the TLS certificate {}: {e}", cert.display()))?;
    Ok(vec![SpkiPin::of_spki_der(
        parsed.subject_public_key_info().as_ref(),
    )])
}

/// Loads the PEM certificate chain and private key.
pub async fn config(cert: &Path, key: &Path) -> Result<RustlsConfig, String> {
    // One process-wide provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_chain_file(cert, key)
        .await
        .map_err(|e| format!("cannot load the TLS certificate or key: {e}"))
}

/// Serves `app` over HTTPS until `shutdown` resolves, then finishes the
/// requests in flight (up to 30 s).
pub async fn serve_tls_until(
    addr: SocketAddr,
    cert: &Path,
    key: &Path,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    bound: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> Result<(), String> {
    let cfg = config(cert, key).await?;
    let handle: Handle<SocketAddr> = Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(Duration::from_secs(30)));
    });
    if let Some(tx) = bound {
        let h = handle.clone();
        tokio::spawn(async move {
            if let Some(a) = h.listening().await {
                let _ = tx.send(a);
            }
        });
    }
    tracing::info!(addr = %addr, "listening (HTTPS)");
    axum_server::bind_rustls(addr, cfg)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .map_err(|e| format!("server error: {e}"))
}
