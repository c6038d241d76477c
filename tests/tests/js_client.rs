//! The official Meilisearch JavaScript client (npm `meilisearch`), unchanged,
//! against the real binary.
//!
//! Needs Node.js 20.19+ and `tests/js/node_modules` (`npm ci --prefix
//! tests/js`, which `cargo xtask ci` runs). Missing either fails loudly.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failure report.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_official_javascript_client_drives_meili_lite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
    assert!(
        dir.join("node_modules/meilisearch").exists(),
        "tests/js/node_modules is missing: run `npm ci --prefix tests/js` or `cargo xtask ci`"
    );
    let key = "js-client-master-key-0123456789";
    let s = common::Server::with_key(key);
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .current_dir(&dir)
        .env("MEILI_URL", s.url())
        .env("MEILI_MASTER_KEY", key)
        .output()
        .expect("node (Node.js 20.19+) must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the JavaScript client tests failed:\n{stdout}");
}
