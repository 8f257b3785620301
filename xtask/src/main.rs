//! `cargo xtask <task>`: developer chores.
//!
//! - `ci`: runs `.ci/run`, exactly what CI runs (tests, fmt, clippy, docs).
//! - `bench [--quick]`: the macro benchmarks (SDK against raw transports and the oauth2
//!   crate, token requests under load, emulator throughput) and the criterion
//!   micro-benchmarks, in release mode.
//! - `fuzz [SECONDS]`: every fuzz target for SECONDS each (default 60), with cargo-fuzz.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

#[allow(clippy::print_stderr)]
fn run(command: &mut Command) -> bool {
    match command.status() {
        Ok(status) if status.success() => true,
        Ok(status) => {
            eprintln!("xtask: {command:?} failed: {status}");
            false
        }
        Err(e) => {
            eprintln!("xtask: could not start {command:?}: {e}");
            false
        }
    }
}

fn cargo(root: &PathBuf) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root);
    command
}

fn bench(root: &PathBuf, quick: bool) -> bool {
    let mut macro_bench = cargo(root);
    macro_bench.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "finapi-access-bench",
        "--",
    ]);
    if quick {
        macro_bench.arg("--quick");
    }
    let mut micro = cargo(root);
    micro.args([
        "bench",
        "--quiet",
        "-p",
        "finapi-access-bench",
        "--bench",
        "micro",
        "--",
    ]);
    if quick {
        micro.args([
            "--warm-up-time",
            "0.5",
            "--measurement-time",
            "1",
            "--sample-size",
            "10",
        ]);
    }
    run(&mut macro_bench) && run(&mut micro)
}

const FUZZ_TARGETS: [&str; 7] = [
    "decode_token",
    "decode_user",
    "decode_verification_status",
    "decode_password_change",
    "decode_user_list",
    "decode_deleted_users",
    "decode_empty",
];

fn fuzz(root: &PathBuf, seconds: u64) -> bool {
    FUZZ_TARGETS.iter().all(|target| {
        let mut command = cargo(root);
        command
            // cargo-fuzz wants nightly flags; this lets the one stable toolchain take them.
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(root.join("fuzz"))
            .args([
                "fuzz",
                "run",
                target,
                "--",
                &format!("-max_total_time={seconds}"),
            ]);
        run(&mut command)
    })
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let ok = match args.first().map(String::as_str) {
        Some("ci") => run(Command::new("bash")
            .arg(root.join(".ci/run"))
            .current_dir(&root)),
        Some("bench") => bench(&root, args.iter().any(|a| a == "--quick")),
        Some("fuzz") => fuzz(
            &root,
            args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60),
        ),
        _ => {
            eprintln!("usage: cargo xtask ci | bench [--quick] | fuzz [SECONDS]");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
