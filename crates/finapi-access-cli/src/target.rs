//! Which server the command talks to: the embedded emulator, or finAPI with the user's
//! credentials.

use std::sync::Arc;

use finapi_access_core::types::ClientSecret;
use finapi_access_core::{AccessClient, ApiVersion, Environment, Transport};
use finapi_access_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
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

/// `admin` picks the embedded emulator's mandator admin client.
pub(crate) async fn resolve(global: &Global, admin: bool) -> Result<Target, CliError> {
    let (transport, transport_name) = transport(global.transport)?;
    let version = match global.api_version {
        VersionArg::V1 => ApiVersion::V1,
        VersionArg::V2 => ApiVersion::V2,
    };
    let id = env_var(CLIENT_ID_VAR);
    let secret = env_var(CLIENT_SECRET_VAR);
    let builder = AccessClient::builder()
        .api_version(version)
        .shared_transport(transport);
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
            let emulator = Emulator::start(EmulatorConfig::default())
                .await
                .map_err(|e| {
                    CliError::config(format!("could not start the embedded emulator: {e}"))
                })?;
            let client = emulator
                .clients()
                .iter()
                .find(|c| c.mandator_admin == admin)
                .ok_or_else(|| CliError::config("the embedded emulator has no such client"))?;
            let builder = builder
                .base_url(emulator.base_url())
                .credentials(client.client_id.clone(), client.client_secret.clone());
            (builder, Some(emulator))
        }
        (base_url, env) => {
            let (Some(id), Some(secret)) = (id, secret) else {
                return Err(CliError::config(format!(
                    "set {CLIENT_ID_VAR} and {CLIENT_SECRET_VAR} to your finAPI client credentials"
                )));
            };
            let builder = match (base_url, env) {
                (Some(url), _) => builder.base_url(url),
                (None, Some(EnvArg::Live)) => builder.environment(Environment::Live),
                (None, _) => builder.environment(Environment::Sandbox),
            };
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
    })
}
