//! `cargo xtask <task>`: developer chores.
//!
//! - `ci`: runs `.ci/run`, exactly what CI runs (tests, fmt, clippy, docs).

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn run(command: &mut Command) -> ExitCode {
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("xtask: could not start {command:?}: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let root = workspace_root();
    match task.as_deref() {
        Some("ci") => run(Command::new("bash")
            .arg(root.join(".ci/run"))
            .current_dir(&root)),
        _ => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("usage: cargo xtask ci    # run what CI runs (.ci/run)");
            }
            ExitCode::FAILURE
        }
    }
}
