//! The three onboarding steps with the hyper transport, against the emulator.
//!
//! `cargo run -p finapi-access-tests --example onboarding_hyper`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use finapi_access_core::AccessClient;
use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_hyper::HyperTransport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(HyperTransport::new()?)
        .build()?;
    client.fetch_client_token().await?;
    // No id and no password: finAPI generates both, and returns the password this once.
    let user = client.create_user(UserCreateParams::new()).await?;
    let token = client.fetch_user_token(&user.id, &user.password).await?;
    println!(
        "user {} has a token (request id {})",
        user.id,
        token.request_id()
    );
    Ok(())
}
