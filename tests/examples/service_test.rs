//! How a service tests its finAPI code with the emulator: start it in the test, point the
//! client at it, assert on what the service did. Run the test with
//! `cargo test -p finapi-access-tests --example service_test`, or run it as a program with
//! `cargo run -p finapi-access-tests --example service_test`.

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use finapi_access_core::types::{ClientSecret, Password, UserCreateParams, UserId};
use finapi_access_core::{AccessClient, Error};
use finapi_access_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use finapi_access_reqwest::ReqwestTransport;

/// The service code under test: onboards a customer and returns their user token.
async fn onboard_customer(
    client: &AccessClient,
    id: &UserId,
    password: &Password,
) -> Result<String, Error> {
    client
        .create_user(
            UserCreateParams::new()
                .id(id.clone())
                .password(password.clone()),
        )
        .await?;
    let token = client.fetch_user_token(id, password).await?;
    Ok(token.access_token.expose_secret().to_owned())
}

/// A client of the emulator, as the service would build one for finAPI.
fn client_for(emulator: &EmulatorHandle) -> AccessClient {
    AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(ReqwestTransport::new().unwrap())
        .build()
        .unwrap()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = client_for(&emulator);
    onboard_customer(
        &client,
        &UserId::new("customer-0")?,
        &Password::new("customer-password")?,
    )
    .await?;
    println!("customer-0 onboarded against {}", emulator.base_url());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn onboarding_a_customer_twice_fails_with_entity_exists() {
        let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
        let client = client_for(&emulator);
        let id = UserId::new("customer-1").unwrap();
        let password = Password::new("customer-password").unwrap();
        let token = onboard_customer(&client, &id, &password).await.unwrap();
        assert!(!token.is_empty());
        let err = onboard_customer(&client, &id, &password).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    }
}
