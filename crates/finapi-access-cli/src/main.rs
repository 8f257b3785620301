//! `finapi-access`: the finAPI Access onboarding, tokens, users and the local emulator from
//! the command line. Run `finapi-access --help`.

#![forbid(unsafe_code)]
// A command-line program prints by design.
#![allow(clippy::print_stdout, clippy::print_stderr)]
// Doc comments on the arguments are the `--help` text, where bare URLs read best.
#![allow(rustdoc::bare_urls)]

mod args;
mod commands;
mod manage;
mod mandator;
mod target;
mod webform;

use std::process::ExitCode;

use clap::Parser;
use finapi_access_core::Error;

/// A failure to report: one line on stderr and an exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    /// Bad configuration or input: exit code 2.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }

    /// A failure described in words (not a finAPI error): exit code 1.
    pub(crate) fn call_text(message: String) -> Self {
        Self { message, code: 1 }
    }

    /// A failed finAPI call: exit code 1, with what to do next where we know it.
    pub(crate) fn call(step: Option<&str>, error: &Error) -> Self {
        let prefix = step.map(|s| format!("{s}: ")).unwrap_or_default();
        let hint = hint(error);
        Self {
            message: format!("{prefix}{error}{hint}"),
            code: if matches!(error, Error::InvalidInput(_)) {
                2
            } else {
                1
            },
        }
    }
}

/// What to do next, for the failures where we know it.
fn hint(error: &Error) -> String {
    use finapi_access_core::types::ErrorCode;
    let code = error.error_code();
    let text = match (error, error.status().map(|s| s.as_u16())) {
        (Error::OAuth(e), _) if e.body.error == "invalid_client" => format!(
            "check {} and {}",
            target::CLIENT_ID_VAR,
            target::CLIENT_SECRET_VAR
        ),
        (_, Some(403)) if error.operation() == finapi_access_core::Operation::USER_TOKEN => {
            "the user may not be verified yet: run `finapi-access users verify --user-id ID`".to_owned()
        }
        (_, Some(423)) if code == Some(&ErrorCode::Locked) => {
            "the user is locked or busy: a locked user is unlocked by `users request-password-change` then `users execute-password-change`".to_owned()
        }
        (_, Some(400)) if error.operation() == finapi_access_core::Operation::USER_TOKEN => {
            "check the user id and FINAPI_USER_PASSWORD".to_owned()
        }
        (_, Some(422)) if code == Some(&ErrorCode::EntityExists) => {
            "a user with this id exists: pick another --user-id, or get a token for it with `token user`".to_owned()
        }
        (Error::Transport(e), _) => return transport_hint(e.source.cause()),
        _ => return String::new(),
    };
    format!(" ({text})")
}

/// What to check after a transport failure, naming only what the user chose.
fn transport_hint(cause: finapi_access_core::FailureCause) -> String {
    use finapi_access_core::FailureCause;
    use target::Origin;
    let text = match (cause, target::origin()) {
        (FailureCause::ConnectionRefused, Some(Origin::BaseUrl(url))) => format!(
            "nothing listens at {url}: is the server running? (`finapi-access emulator --port PORT` starts an emulator)"
        ),
        (FailureCause::ConnectionRefused, Some(Origin::Embedded)) => {
            "the embedded emulator stopped answering".to_owned()
        }
        (FailureCause::NameResolution, Some(Origin::BaseUrl(url))) => {
            format!(
                "the host of --base-url {url} does not resolve: check its spelling and your DNS"
            )
        }
        (FailureCause::Tls, Some(Origin::BaseUrl(url))) => format!(
            "the TLS handshake with {url} failed: an emulator speaks plain http:// (use http://), otherwise check the server's certificate"
        ),
        (FailureCause::Timeout, Some(Origin::BaseUrl(url))) => {
            format!("no answer from {url} in time: check that it is the right server")
        }
        (
            FailureCause::NameResolution | FailureCause::ConnectionRefused,
            Some(Origin::Environment(env)),
        ) => {
            format!("could not reach finAPI's {env} environment: check your network, DNS and proxy")
        }
        (FailureCause::Tls, Some(Origin::Environment(env))) => format!(
            "the TLS handshake with finAPI's {env} environment failed: a proxy that intercepts TLS? check your network"
        ),
        (FailureCause::Timeout, Some(Origin::Environment(env))) => {
            format!(
                "finAPI's {env} environment did not answer in time: check your network, or try again"
            )
        }
        _ => return String::new(),
    };
    format!(" ({text})")
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
