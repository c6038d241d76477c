//! `cargo xtask ci`: what every commit must pass.

use crate::{root, sh};

pub fn run() -> Result<(), String> {
    sh("cargo", &["fmt", "--all", "--check"], &[])?;
    sh("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    test()
}

/// All tests, with a Python venv holding the official Meilisearch client
/// and `tests/js/node_modules` holding the official JavaScript one.
pub fn test() -> Result<(), String> {
    let python = python_venv()?;
    node_modules()?;
    sh("cargo", &["test", "--workspace"], &[("MEILI_LITE_PYTHON", &python)])
}

/// `npm ci` in tests/js when its lock file changed since the last install.
fn node_modules() -> Result<(), String> {
    let dir = root().join("tests/js");
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))
        .map_err(|e| format!("reading tests/js/package-lock.json: {e}"))?;
    let stamp = dir.join("node_modules/.lock.stamp");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        let prefix = dir.to_string_lossy().into_owned();
        sh("npm", &["ci", "--prefix", &prefix, "--no-audit", "--no-fund"], &[])?;
        std::fs::write(&stamp, lock).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The fault suite (`tests/tests/faults.rs`) at full size, release build:
/// a 100k-document import under a kill -9 loop, the receiver fault matrix and
/// the bad-input matrix, each printing what it counted. `cargo xtask test`
/// runs the same suite in a short form.
pub fn faults() -> Result<(), String> {
    sh(
        "cargo",
        &["test", "--release", "-p", "meili-lite-e2e", "--test", "faults", "--", "--nocapture", "--test-threads", "1"],
        &[("MEILI_LITE_FAULTS", "full")],
    )
}

/// `target/py-venv`, created and filled from tests/python/requirements.txt
/// when missing or when the requirements changed.
fn python_venv() -> Result<String, String> {
    let venv = root().join("target/py-venv");
    let python = venv.join("bin/python");
    let requirements = root().join("tests/python/requirements.txt");
    let stamp = venv.join("requirements.stamp");
    let wanted =
        std::fs::read_to_string(&requirements).map_err(|e| format!("reading {}: {e}", requirements.display()))?;
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let venv_str = venv.to_string_lossy().into_owned();
        sh("python3", &["-m", "venv", &venv_str], &[])?;
        let py = python.to_string_lossy().into_owned();
        let req = requirements.to_string_lossy().into_owned();
        sh(&py, &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", &req], &[])?;
        std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    }
    Ok(python.to_string_lossy().into_owned())
}
