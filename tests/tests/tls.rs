//! HTTPS and mutual TLS, with certificates made by `openssl` in the test and
//! checked with `curl` and the official Python client.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Server;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl must be installed");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, both
/// signed by the CA.
fn certificates(dir: &Path) -> PathBuf {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        dir,
        &[&["req", "-x509"][..], &ec, &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test ca"]]
            .concat(),
    );
    for (name, ext) in
        [("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"), ("client", "extendedKeyUsage=clientAuth")]
    {
        let (key, csr, pem, ext_file) =
            (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
        std::fs::write(dir.join(&ext_file), ext).unwrap();
        openssl(dir, &[&["req"][..], &ec, &["-keyout", &key, "-out", &csr, "-subj", &format!("/CN={name}")]].concat());
        openssl(
            dir,
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
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext_file,
            ],
        );
    }
    dir.to_owned()
}

fn curl(args: &[&str]) -> (bool, String) {
    let out =
        Command::new("curl").args(["-sS", "--max-time", "10"]).args(args).output().expect("curl must be installed");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn https_and_mutual_tls() {
    let certs = tempfile::tempdir().unwrap();
    let dir = certificates(certs.path());
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let s = Server::with_args(&["--ssl-cert-path", &p("server.pem"), "--ssl-key-path", &p("server.key")]);
    let url = format!("https://{}/health", s.addr);
    let (ok, body) = curl(&["--cacert", &p("ca.pem"), &url]);
    assert!(ok && body.contains("available"), "{body}");
    let (ok, _) = curl(&[&url.replace("https", "http")]);
    assert!(!ok, "plain HTTP is not served beside HTTPS");
    // HTTP/2 when the client offers it (ALPN), HTTP/1.1 otherwise.
    for (flag, version) in [("--http2", "2"), ("--http1.1", "1.1")] {
        let (ok, out) = curl(&["--cacert", &p("ca.pem"), flag, "-o", "/dev/null", "-w", "%{http_version}", &url]);
        assert!(ok && out.trim() == version, "{flag}: {out}");
    }

    // The official Python client, over HTTPS, trusting the test CA.
    let python = std::env::var("MEILI_LITE_PYTHON").unwrap_or_else(|_| {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py-venv/bin/python");
        if venv.exists() {
            venv.to_string_lossy().into_owned()
        } else {
            "python3".into()
        }
    });
    let script = "import meilisearch,sys\nc=meilisearch.Client(sys.argv[1])\nc.wait_for_task(c.index('m').add_documents([{'id':1,'t':'hello'}]).task_uid)\nprint(c.index('m').search('hello')['hits'][0]['id'])";
    let out = Command::new(&python)
        .args(["-c", script, &format!("https://{}", s.addr)])
        .env("REQUESTS_CA_BUNDLE", p("ca.pem"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "{}", String::from_utf8_lossy(&out.stderr));

    // Mutual TLS: a client without a certificate signed by the CA is refused.
    let m = Server::with_args(&[
        "--ssl-cert-path",
        &p("server.pem"),
        "--ssl-key-path",
        &p("server.key"),
        "--ssl-auth-path",
        &p("ca.pem"),
        "--ssl-require-auth",
    ]);
    let url = format!("https://{}/health", m.addr);
    let (ok, body) = curl(&["--cacert", &p("ca.pem"), &url]);
    assert!(!ok, "no client certificate: refused ({body})");
    let (ok, body) = curl(&["--cacert", &p("ca.pem"), "--cert", &p("client.pem"), "--key", &p("client.key"), &url]);
    assert!(ok && body.contains("available"), "{body}");
}

/// Webhooks still go out (over plain HTTP here) while the API speaks TLS.
#[test]
fn webhooks_are_delivered_while_serving_https() {
    let certs = tempfile::tempdir().unwrap();
    let dir = certificates(certs.path());
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let receiver = common::receiver::Receiver::start(200);
    let s = Server::with_args(&["--ssl-cert-path", &p("server.pem"), "--ssl-key-path", &p("server.key")]);
    let base = format!("https://{}", s.addr);
    let json = ["-H", "Content-Type: application/json", "--cacert"];
    let hook = format!(r#"{{"url": "{}"}}"#, receiver.url("/hook"));
    let (ok, body) =
        curl(&[&json[..], &[&p("ca.pem"), "-X", "POST", "-d", &hook, &format!("{base}/webhooks")]].concat());
    assert!(ok && body.contains("uuid"), "{body}");
    let (ok, body) = curl(
        &[&json[..], &[&p("ca.pem"), "-X", "POST", "-d", r#"[{"id": 1}]"#, &format!("{base}/indexes/m/documents")]]
            .concat(),
    );
    assert!(ok && body.contains("taskUid"), "{body}");
    let uid: u64 = serde_json::from_str::<serde_json::Value>(&body).unwrap()["taskUid"].as_u64().unwrap();
    receiver.wait_for_tasks(&[uid]);
}

#[test]
fn bad_certificates_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.pem"), "not a certificate").unwrap();
    let out =
        common::run_bin(&["--ssl-cert-path", "junk.pem", "--ssl-key-path", "junk.pem", "--db-path", "db"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("cannot serve HTTPS") && stderr.contains("--ssl-cert-path"),
        "{stderr}"
    );
    let out = common::run_bin(&["--ssl-cert-path", "junk.pem"], dir.path());
    assert!(String::from_utf8_lossy(&out.stderr).contains("go together"));
}

/// `openssl s_client` against `addr` with `args`, sending one request; what
/// it prints about the session.
fn s_client(addr: std::net::SocketAddr, dir: &Path, args: &[&str]) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        // `-ign_eof`: wait for the server to close (after its answer, as the
        // request asks), not for the end of stdin, which comes first.
        .args(["s_client", "-connect", &addr.to_string(), "-CAfile", "ca.pem", "-tls1_3", "-ign_eof"])
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl must be installed");
    // Read the answer (and with it the session tickets) before closing.
    let request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    child.stdin.take().unwrap().write_all(request.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Sessions resume only when `--ssl-resumption` or `--ssl-tickets` says so;
/// `--ssl-ocsp-path` staples its response.
#[test]
fn resumption_tickets_and_ocsp_stapling_as_asked() {
    let certs = tempfile::tempdir().unwrap();
    let dir = certificates(certs.path());
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    // A signed OCSP response for the server certificate (its status is
    // `unknown`: the test CA keeps no records; the response is still valid).
    std::fs::write(dir.join("index.txt"), "").unwrap();
    openssl(
        &dir,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "ca.pem",
            "-rkey",
            "ca.key",
            "-CA",
            "ca.pem",
            "-issuer",
            "ca.pem",
            "-cert",
            "server.pem",
            "-respout",
            "ocsp.der",
            "-ndays",
            "1",
        ],
    );
    let tls = ["--ssl-cert-path", &p("server.pem"), "--ssl-key-path", &p("server.key")];
    for (extra, resumes) in [
        (&[][..], false),
        (&["--ssl-resumption"][..], true),
        (&["--ssl-tickets", "--ssl-ocsp-path", &p("ocsp.der")][..], true),
    ] {
        let s = Server::with_args(&[&tls[..], extra].concat());
        let _ = std::fs::remove_file(dir.join("session"));
        let first = s_client(s.addr, &dir, &["-sess_out", "session", "-status"]);
        assert!(first.contains("\"status\":\"available\""), "{extra:?}: {first}");
        let stapled = !first.contains("OCSP response: no response sent");
        assert_eq!(stapled, extra.contains(&"--ssl-ocsp-path"), "{extra:?}: {first}");
        if stapled {
            assert!(first.contains("OCSP Response Status: successful"), "{first}");
        }
        // TLS 1.3 resumes only from what the server sent after the handshake:
        // without resumption it sends nothing, so there is no session to offer.
        assert_eq!(dir.join("session").exists(), resumes, "{extra:?}: {first}");
        if resumes {
            let second = s_client(s.addr, &dir, &["-sess_in", "session"]);
            assert!(second.contains("Reused, TLSv1.3"), "{extra:?} resumes: {second}");
        }
    }
}
