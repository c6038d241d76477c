//! The official Meilisearch Python client, unchanged, against the real binary.
//!
//! Needs `meilisearch` and `pytest` importable by `$MEILI_LITE_PYTHON` (else
//! the venv `cargo xtask ci` makes, else `python3`): `pip install -r tests/python/requirements.txt`, which
//! `.ci/run` and `cargo xtask ci` do. Missing packages fail the test loudly.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_official_python_client_drives_meili_lite() {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py-venv/bin/python");
    let python = std::env::var("MEILI_LITE_PYTHON").unwrap_or_else(|_| {
        if venv.exists() {
            venv.to_string_lossy().into_owned()
        } else {
            "python3".into()
        }
    });
    let probe = Command::new(&python).args(["-c", "import meilisearch, pytest"]).output();
    let ok = probe.as_ref().is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{python}` cannot import meilisearch and pytest; run `pip install -r tests/python/requirements.txt` \
         or `cargo xtask ci` (which sets MEILI_LITE_PYTHON to a venv): {probe:?}"
    );
    let key = "python-client-master-key-0123456789";
    let s = common::Server::with_key(key);
    // Every file of tests/python: the client basics, search and settings.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&script)
        .env("MEILI_URL", s.url())
        .env("MEILI_MASTER_KEY", key)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the Python client tests failed:\n{stdout}");
}
