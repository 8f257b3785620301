//! Which server the command talks to: the embedded emulator, or finAPI with the user's
//! credentials.

use std::sync::Arc;

use finapi_access_core::types::ClientSecret;
use finapi_access_core::{AccessClient, ApiVersion, Environment, Transport};
use finapi_access_emulator::{Emulator, EmulatorConfig, EmulatorHandle, StateFile};
use finapi_access_hyper::HyperTransport;
use finapi_access_reqwest::ReqwestTransport;

use crate::CliError;
use crate::args::{EnvArg, Global, TransportArg, VersionArg};

pub(crate) const CLIENT_ID_VAR: &str = "FINAPI_CLIENT_ID";
pub(crate) const CLIENT_SECRET_VAR: &str = "FINAPI_CLIENT_SECRET";

/// A ready client, and the emulator behind it when one was started.
pub(crate) struct Target {
    pub(crate) client: AccessClient,
    pub(crate) emulator: Option<EmulatorHandle>,
    pub(crate) transport: &'static str,
    /// Where the embedded emulator keeps its state (saved when the command ends).
    pub(crate) state: Option<StateFile>,
}

impl Drop for Target {
    /// The command is over: the embedded emulator's state is saved for the next one.
    fn drop(&mut self) {
        if let (Some(emulator), Some(file)) = (&self.emulator, &self.state)
            && let Err(e) = emulator.save_state(file)
        {
            eprintln!(
                "warning: could not save the embedded emulator's state to {}: {e}",
                file.path().display()
            );
        }
    }
}

/// The embedded emulator's state file: `--emulator-state` / `FINAPI_EMULATOR_STATE`, else
/// under `$XDG_STATE_HOME` or `~/.local/state`, else the temporary directory.
fn state_path(global: &Global) -> std::path::PathBuf {
    if let Some(path) = &global.emulator_state {
        return path.clone();
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| std::path::PathBuf::from(home).join(".local").join("state"))
        })
        .unwrap_or_else(std::env::temp_dir);
    base.join("finapi-access").join("emulator-state.json")
}

/// Locks the state file (saying so when another command holds it), emptied with `fresh`.
pub(crate) fn lock_state(path: &std::path::Path, fresh: bool) -> Result<StateFile, CliError> {
    let failed = |e: std::io::Error| {
        CliError::config(format!(
            "could not use the emulator state file {}: {e} (choose another with --emulator-state FILE)",
            path.display()
        ))
    };
    let file = match StateFile::try_lock(path).map_err(failed)? {
        Some(file) => file,
        None => {
            eprintln!(
                "waiting for another finapi-access command that uses {} ...",
                path.display()
            );
            StateFile::lock(path).map_err(failed)?
        }
    };
    if fresh {
        file.clear()
            .map_err(|e| CliError::config(format!("could not clear {}: {e}", path.display())))?;
    }
    Ok(file)
}

/// How this command line chose its server, for hints that mention only what the user gave.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// `--base-url URL`.
    BaseUrl(String),
    /// `--env sandbox|live` (or the sandbox by default when credentials are set).
    Environment(&'static str),
    /// The embedded emulator.
    Embedded,
}

static ORIGIN: std::sync::OnceLock<Origin> = std::sync::OnceLock::new();

/// How the server was chosen, once `resolve` ran.
pub(crate) fn origin() -> Option<&'static Origin> {
    ORIGIN.get()
}

/// A base URL from the command line: a hint for a missing scheme, a note for a path, the
/// plain-http opt-in with a warning.
pub(crate) fn base_url(
    option: &str,
    url: &str,
    allow_plain_http: bool,
) -> Result<finapi_access_core::BaseUrl, CliError> {
    use finapi_access_core::BaseUrl;
    if !url.contains("://") {
        return Err(CliError::config(format!(
            "{option} {url} has no scheme: did you mean https://{url} (or http://{url} for a local emulator)?"
        )));
    }
    let parsed = BaseUrl::parse_allowing_plain_http(url)
        .map_err(|e| CliError::config(format!("{option}: {}", e.rule())))?;
    if parsed.is_plain_http_beyond_loopback() && !allow_plain_http {
        return Err(CliError::config(format!(
            "{option} {url}: plain http:// is only for loopback hosts; use https://, or for an emulator on a test network add --allow-plain-http"
        )));
    }
    if parsed.is_plain_http_beyond_loopback() {
        eprintln!(
            "warning: {option} {url} is plain http:// beyond loopback (--allow-plain-http): tokens and secrets cross the network unencrypted"
        );
    }
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or_default()
        .trim_end_matches('/');
    if !path.is_empty() {
        eprintln!(
            "note: {option} has the path {path}; requests go to {}{path}/api/..., while finAPI's hosts and the emulator take none (did you mean {}?)",
            url.trim_end_matches('/').trim_end_matches(path),
            url.trim_end_matches('/').trim_end_matches(path)
        );
    }
    Ok(parsed)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn transport(choice: TransportArg) -> Result<(Arc<dyn Transport>, &'static str), CliError> {
    let setup = |e: finapi_access_core::TransportError| {
        CliError::config(format!("could not set up the HTTP client: {e}"))
    };
    Ok(match choice {
        TransportArg::Reqwest => (Arc::new(ReqwestTransport::new().map_err(setup)?), "reqwest"),
        TransportArg::Hyper => (Arc::new(HyperTransport::new().map_err(setup)?), "hyper"),
    })
}

fn base_url_arg(global: &Global, url: &str) -> Result<finapi_access_core::BaseUrl, CliError> {
    base_url("--base-url", url, global.allow_plain_http)
}

/// `admin` picks the embedded emulator's mandator admin client.
pub(crate) async fn resolve(global: &Global, admin: bool) -> Result<Target, CliError> {
    let (transport, transport_name) = transport(global.transport.unwrap_or(TransportArg::Reqwest))?;
    let version = match global.api_version.unwrap_or(VersionArg::V2) {
        VersionArg::V1 => ApiVersion::V1,
        VersionArg::V2 => ApiVersion::V2,
    };
    let id = env_var(CLIENT_ID_VAR);
    let secret = env_var(CLIENT_SECRET_VAR);
    let builder = AccessClient::builder()
        .api_version(version)
        .shared_transport(transport);
    let mut state = None;
    let (builder, emulator) = match (&global.base_url, global.env) {
        (Some(_), Some(_)) => {
            return Err(CliError::config(
                "give either --env or --base-url, not both",
            ));
        }
        (None, None) => {
            if id.is_some() || secret.is_some() {
                return Err(CliError::config(format!(
                    "{CLIENT_ID_VAR}/{CLIENT_SECRET_VAR} are set but no server is chosen: pass --env sandbox|live or --base-url URL (or unset them to use the embedded emulator)"
                )));
            }
            let file = lock_state(&state_path(global), global.fresh)?;
            let emulator = Emulator::start_with_state(EmulatorConfig::default(), &file)
                .await
                .map_err(|e| {
                    CliError::config(format!(
                        "could not start the embedded emulator: {e} (--fresh starts it empty)"
                    ))
                })?;
            state = Some(file);
            let client = emulator
                .clients()
                .iter()
                .find(|c| c.mandator_admin == admin)
                .ok_or_else(|| CliError::config("the embedded emulator has no such client"))?;
            // Its secret now: a change-client-credentials of an earlier command is kept.
            let secret = emulator
                .client_secret_of(&client.client_id)
                .map_or_else(|| client.client_secret.clone(), ClientSecret::new);
            let builder = builder
                .base_url(emulator.base_url())
                .credentials(client.client_id.clone(), secret);
            ORIGIN.get_or_init(|| Origin::Embedded);
            (builder, Some(emulator))
        }
        (base_url, env) => {
            let (id, secret) = match (id, secret) {
                (Some(id), Some(secret)) => (id, secret),
                (id, _) => {
                    let missing = match id {
                        None => CLIENT_ID_VAR,
                        Some(_) => CLIENT_SECRET_VAR,
                    };
                    return Err(CliError::config(format!(
                        "{missing} is not set: set {CLIENT_ID_VAR} and {CLIENT_SECRET_VAR} to your client credentials"
                    )));
                }
            };
            let (builder, origin) = match (base_url, env) {
                (Some(url), _) => {
                    let url = base_url_arg(global, url)?;
                    let origin = Origin::BaseUrl(url.to_string());
                    (builder.environment(Environment::Custom(url)), origin)
                }
                (None, Some(EnvArg::Live)) => (
                    builder.environment(Environment::Live),
                    Origin::Environment("live"),
                ),
                (None, _) => (
                    builder.environment(Environment::Sandbox),
                    Origin::Environment("sandbox"),
                ),
            };
            ORIGIN.get_or_init(|| origin);
            (builder.credentials(id, ClientSecret::new(secret)), None)
        }
    };
    let client = builder
        .build()
        .map_err(|e| CliError::config(e.to_string()))?;
    Ok(Target {
        client,
        emulator,
        transport: transport_name,
        state,
    })
}
