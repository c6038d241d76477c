//! HTTPS on rustls (ring, as webhooks already use it): `--ssl-cert-path` and
//! `--ssl-key-path`, mutual TLS with `--ssl-auth-path` and
//! `--ssl-require-auth`, OCSP stapling with `--ssl-ocsp-path`, session
//! resumption only when `--ssl-resumption` (a server-side cache) or
//! `--ssl-tickets` asks for it. HTTP/2 and HTTP/1.1, as the client chooses
//! (ALPN).

use std::path::Path;
use std::sync::Arc;

use config::Opt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The acceptor the options ask for, or `None` for plain HTTP. Each error
/// names the option and the file at fault.
pub(crate) fn acceptor(opt: &Opt) -> Result<Option<TlsAcceptor>, String> {
    let (Some(cert), Some(key)) = (&opt.ssl_cert_path, &opt.ssl_key_path) else { return Ok(None) };
    let certs = certificates("--ssl-cert-path", cert)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("--ssl-key-path `{}`: no usable private key: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match &opt.ssl_auth_path {
        None => builder.with_no_client_auth(),
        Some(cas) => {
            let mut roots = RootCertStore::empty();
            for ca in certificates("--ssl-auth-path", cas)? {
                roots.add(ca).map_err(|e| format!("--ssl-auth-path `{}`: {e}", cas.display()))?;
            }
            let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if !opt.ssl_require_auth {
                verifier = verifier.allow_unauthenticated();
            }
            builder.with_client_cert_verifier(verifier.build().map_err(|e| format!("--ssl-auth-path: {e}"))?)
        }
    };
    let ocsp = match &opt.ssl_ocsp_path {
        Some(path) => std::fs::read(path).map_err(|e| format!("--ssl-ocsp-path `{}`: {e}", path.display()))?,
        None => Vec::new(),
    };
    let mut config = builder
        .with_single_cert_with_ocsp(certs, key, ocsp)
        .map_err(|e| format!("--ssl-cert-path and --ssl-key-path do not make a certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    if !opt.ssl_resumption {
        // rustls resumes from a memory cache by default; Meilisearch's
        // option says resumption is off unless asked for.
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    }
    if opt.ssl_tickets {
        config.ticketer = rustls::crypto::ring::Ticketer::new().map_err(|e| format!("--ssl-tickets: {e}"))?;
    }
    if !opt.ssl_resumption && !opt.ssl_tickets {
        config.send_tls13_tickets = 0;
    }
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

fn certificates(option: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let read = CertificateDer::pem_file_iter(path).map_err(|e| format!("{option} `{}`: {e}", path.display()))?;
    let certs: Vec<_> = read.collect::<Result<_, _>>().map_err(|e| format!("{option} `{}`: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{option} `{}`: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}
