//! The three onboarding steps with the reqwest transport, against the emulator.
//!
//! `cargo run -p finapi-access-tests --example onboarding_reqwest`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use finapi_access_core::types::{ClientSecret, Password, UserCreateParams, UserId};
use finapi_access_core::{AccessClient, ApiVersion};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_reqwest::ReqwestTransport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Replace these three lines with `.environment(Environment::Sandbox)` and your credentials.
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = AccessClient::builder()
        .base_url(emulator.base_url())
        .api_version(ApiVersion::V2)
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(ReqwestTransport::new()?)
        .build()?;

    let client_token = client.fetch_client_token().await?;
    println!(
        "1. client token, expires in {} s (request id {})",
        client_token.expires_in.as_secs(),
        client_token.request_id()
    );

    let params = UserCreateParams::new()
        .id(UserId::new("alice")?)
        .password(Password::new("correct horse battery")?);
    let user = client.create_user(params).await?;
    println!(
        "2. created user {} (request id {})",
        user.id,
        user.request_id()
    );

    let user_token = client.fetch_user_token(&user.id, &user.password).await?;
    println!(
        "3. user token, expires in {} s, refresh token: {} (request id {})",
        user_token.expires_in.as_secs(),
        user_token.refresh_token.is_some(),
        user_token.request_id()
    );
    Ok(())
}
