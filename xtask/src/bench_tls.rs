//! `cargo xtask bench tls`: durable enqueue over HTTPS beside plain HTTP,
//! the same load on the same kind of server, certificates made by `openssl`.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use crate::bench::Meili;
use crate::load;
use crate::report::{compare, line};

const CONNECTIONS: usize = 64;
const ROUND: Duration = Duration::from_secs(5);

pub async fn run() -> Result<(), String> {
    let certs = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    make_certificate(&cert, &key)?;
    let body: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
        Arc::new(|i| format!(r#"[{{"id":{i},"title":"document {i}"}}]"#).into_bytes());
    let path = "/indexes/bench/documents";

    eprintln!("tls: plain HTTP, {CONNECTIONS} keep-alive connections, {ROUND:?}");
    let plain_server = Meili::start()?;
    let plain = load::run(plain_server.addr, CONNECTIONS, ROUND, path, None, body.clone()).await;
    drop(plain_server);

    eprintln!("tls: HTTPS, the same load");
    let (cert_s, key_s) = (cert.to_string_lossy().into_owned(), key.to_string_lossy().into_owned());
    let tls_server = Meili::start_with(&["--ssl-cert-path", &cert_s, "--ssl-key-path", &key_s])?;
    let connector = connector(&certs.path().join("ca.pem"))?;
    let peer = load::Peer { addr: tls_server.addr, tls: Some(connector) };
    let tls = load::run_bounded(peer, CONNECTIONS, ROUND, u64::MAX, path, None, body).await;

    let ratio = tls.per_second() / plain.per_second();
    line(format!("\n## tls: durable enqueue over HTTPS, {CONNECTIONS} keep-alive connections, {ROUND:?} each"));
    line("| measure | value |\n|---|---|");
    line(format!("| plain HTTP | {:.0} tasks/s ({} errors) |", plain.per_second(), plain.errors));
    line(format!("| HTTPS (TLS 1.3, ECDSA P-256) | {:.0} tasks/s ({} errors) |", tls.per_second(), tls.errors));
    line(format!("| HTTPS / HTTP | {ratio:.3} (target ≥ 0.8: {}) |", if ratio >= 0.8 { "met" } else { "NOT met" }));
    compare("durable enqueue over HTTPS, tasks/s", tls.per_second(), "plain HTTP, this run", plain.per_second());
    Ok(())
}

/// A CA and a certificate for 127.0.0.1 it signs (webpki refuses a CA
/// certificate as the server's own).
fn make_certificate(cert: &Path, key: &Path) -> Result<(), String> {
    let dir = cert.parent().ok_or("no directory")?;
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=IP:127.0.0.1").map_err(|e| e.to_string())?;
    let steps: [Vec<&str>; 3] = [
        [&["req", "-x509"][..], &ec, &["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=bench ca"]]
            .concat(),
        [&["req"][..], &ec, &["-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=bench"]].concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-extfile",
            "leaf.ext",
        ],
    ];
    for args in steps {
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .output()
            .map_err(|e| format!("openssl is needed to make a certificate: {e}"))?;
        if !out.status.success() {
            return Err(format!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    debug_assert!(key.exists() && cert.exists());
    Ok(())
}

/// A client trusting only the bench's own CA.
fn connector(cert: &Path) -> Result<tokio_rustls::TlsConnector, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(cert).map_err(|e| e.to_string())? {
        roots.add(c.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}
