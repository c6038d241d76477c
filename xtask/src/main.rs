//! Developer workflows: `cargo xtask ci`, `cargo xtask bench [enqueue|import|webhooks|search|auth|dump|tls|all]`,
//! `cargo xtask faults`, `cargo xtask fuzz <target> --seconds N`.

mod bench;
mod bench_auth;
mod bench_dump;
mod bench_search;
mod bench_search_queries;
mod bench_tls;
mod bench_webhooks;
mod ci;
mod fuzz;
mod load;
mod report;
mod sink;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("test") => ci::test(),
        Some("bench") => bench::run(args.get(1).map(String::as_str).unwrap_or("all")),
        Some("faults") => ci::faults(),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  ci               fmt check, clippy -D warnings, all tests\n  test             all tests (provisions the Python venv)\n  bench [enqueue|import|webhooks|search|auth|dump|tls|all]\n                   release-build benchmarks, printed with same-run ratios\n  faults           the fault suite at full size on a release build:\n                   crash loop, receiver faults, bad input\n  fuzz <json|ndjson|csv|flatten|filter|api> [--seconds N]\n                   mutation fuzzing of the parsers and flattening;\n                   filter: the differential filter test, many more cases;\n                   api: schemathesis against a live server"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Into::into).unwrap_or_default()
}

/// Runs a command in the workspace root, failing on a non-zero exit.
fn sh(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = std::process::Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}
