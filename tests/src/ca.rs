//! A throw-away certificate authority for the TLS scenarios, made with the
//! `openssl` command like `scripts/pg --tls` makes one for PostgreSQL: a CA
//! that no platform trusts, and server certificates for `127.0.0.1`, each
//! with a key of its own (P-256).

use std::path::{Path, PathBuf};
use std::process::Command;

use outreach_shared::enrolment::SpkiPin;

/// A private CA in a temporary folder.
pub struct TestCa {
    dir: tempfile::TempDir,
}

/// A server certificate (chain: leaf then CA) and its key.
pub struct ServerCert {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The leaf certificate alone, DER.
    der: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestCa {
    pub fn new() -> TestCa {
        let dir = tempfile::tempdir().expect("temporary folder");
        openssl(
            dir.path(),
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=outreach throw-away test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        );
        TestCa { dir }
    }

    /// The CA certificate (PEM), e.g. for `SSL_CERT_FILE`.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A new key and a certificate for `127.0.0.1` signed by this CA.
    pub fn issue(&self, name: &str) -> ServerCert {
        let d = self.dir.path();
        let ext = d.join(format!("{name}.ext"));
        std::fs::write(
            &ext,
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        let (key, csr, leaf) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.leaf.pem"),
        );
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                &key,
                "-out",
                &csr,
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &leaf,
            ],
        );
        let der = format!("{name}.der");
        openssl(d, &["x509", "-in", &leaf, "-outform", "DER", "-out", &der]);
        let chain = d.join(format!("{name}.pem"));
        let mut pem = std::fs::read(d.join(&leaf)).unwrap();
        pem.extend(std::fs::read(d.join("ca.pem")).unwrap());
        std::fs::write(&chain, pem).unwrap();
        ServerCert {
            cert: chain,
            key: d.join(key),
            der: d.join(der),
        }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerCert {
    /// The enrolment pin of this certificate's key, as the tablet computes
    /// it from the certificate the server presents.
    pub fn pin(&self) -> SpkiPin {
        let der = std::fs::read(&self.der).unwrap();
        outreach_mobile::sync::trust::certificate_pin(&der).expect("a certificate")
    }
}
