//! `cargo xtask <task>`: developer chores.
//!
//! - `ci`: runs `.ci/run`, exactly what CI runs (tests, fmt, clippy, docs).
//! - `bench [--quick]`: the macro benchmarks (SDK against raw transports and the oauth2
//!   crate, token requests under load, emulator throughput) and the criterion
//!   micro-benchmarks, in release mode.
//! - `bench --instructions`: instruction counts per operation under valgrind (callgrind),
//!   client side only, and `iratio <name> <value>` lines (baseline ÷ SDK, higher is better).
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

/// Operations per run: the counts at `SMALL` and `LARGE` operations are subtracted, so that
/// process start, runtime, connections and warm-up cancel.
const SMALL: u64 = 200;
const LARGE: u64 = 2_200;

/// Total instructions of one `--measure` run under callgrind.
#[allow(clippy::print_stderr)]
fn instructions(bench: &std::path::Path, name: &str, n: u64, url: &str) -> Option<u64> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(bench)
        .args([
            format!("--measure={name}"),
            format!("--n={n}"),
            format!("--url={url}"),
        ])
        .output()
        .map_err(|e| {
            eprintln!("xtask: valgrind could not run ({e}); install it (Debian: valgrind)");
        })
        .ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        eprintln!("xtask: {name} failed under valgrind:\n{stderr}");
        return None;
    }
    stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|v| v.trim().parse().ok())
}

/// `bench --instructions`: each contender's instructions per operation, then the ratios.
#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss
)]
fn bench_instructions(root: &PathBuf) -> bool {
    use std::io::BufRead;
    if !run(cargo(root).args(["build", "--release", "--quiet", "-p", "finapi-access-bench"])) {
        return false;
    }
    let bench = root.join("target/release/finapi-access-bench");
    let Ok(mut server) = Command::new(&bench)
        .arg("--serve")
        .stdout(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("xtask: could not start the bench server");
        return false;
    };
    let url = server
        .stdout
        .take()
        .and_then(|out| std::io::BufReader::new(out).lines().next())
        .and_then(Result::ok)
        .and_then(|line| line.strip_prefix("serving ").map(str::to_owned));
    let Some(url) = url else {
        eprintln!("xtask: the bench server did not say where it listens");
        let _ = server.kill();
        return false;
    };
    let list = Command::new(&bench).arg("--list").output();
    let names: Vec<(String, String)> = list
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, w)| (n.to_owned(), w.to_owned()))
        .collect();
    println!(
        "instructions per operation (callgrind, client side; ({LARGE} - {SMALL}) operations, sequential)"
    );
    let mut per_op = std::collections::HashMap::new();
    for (name, what) in &names {
        let small = instructions(&bench, name, SMALL, &url);
        let large = instructions(&bench, name, LARGE, &url);
        let (Some(small), Some(large)) = (small, large) else {
            let _ = server.kill();
            return false;
        };
        let each = large.saturating_sub(small) as f64 / (LARGE - SMALL) as f64;
        println!("{name:<28} {each:>10.0}   {what}");
        per_op.insert(name.clone(), each);
    }
    let _ = server.kill();
    let _ = server.wait();
    let ratio = |baseline: &str, sdk: &str| per_op[baseline] / per_op[sdk];
    println!();
    for (label, baseline, sdk) in [
        (
            "token_sdk_reqwest_vs_oauth2",
            "token-oauth2",
            "token-sdk-reqwest",
        ),
        (
            "token_sdk_hyper_vs_oauth2",
            "token-oauth2",
            "token-sdk-hyper",
        ),
        (
            "token_sdk_reqwest_vs_handwritten_reqwest",
            "token-handwritten-reqwest",
            "token-sdk-reqwest",
        ),
        (
            "sdk_reqwest_vs_handwritten_reqwest",
            "call-handwritten-reqwest",
            "call-sdk-reqwest",
        ),
        (
            "sdk_hyper_vs_handwritten_hyper",
            "call-handwritten-hyper",
            "call-sdk-hyper",
        ),
        (
            "sdk_reqwest_vs_bare_reqwest",
            "call-bare-reqwest",
            "call-sdk-reqwest",
        ),
        (
            "public_api_reqwest_vs_builtin_reqwest",
            "call-sdk-reqwest",
            "call-public-reqwest",
        ),
        (
            "public_api_hyper_vs_builtin_hyper",
            "call-sdk-hyper",
            "call-public-hyper",
        ),
    ] {
        println!("iratio {label} {:.4}", ratio(baseline, sdk));
    }
    true
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let ok = match args.first().map(String::as_str) {
        Some("ci") => run(Command::new("bash")
            .arg(root.join(".ci/run"))
            .current_dir(&root)),
        Some("bench") if args.iter().any(|a| a == "--instructions") => bench_instructions(&root),
        Some("bench") => bench(&root, args.iter().any(|a| a == "--quick")),
        Some("fuzz") => fuzz(
            &root,
            args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60),
        ),
        _ => {
            eprintln!("usage: cargo xtask ci | bench [--quick | --instructions] | fuzz [SECONDS]");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
