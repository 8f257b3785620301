//! A custom `Transport`: here a wrapper that logs each request's method, path and status
//! (never headers or bodies, which hold secrets) around the reqwest transport. Retries,
//! timeouts and deadlines come from the client (Tokio's timer by default), not the transport.
//!
//! `cargo run -p finapi-access-tests --example custom_transport`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use bytes::Bytes;
use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_core::{AccessClient, Transport, TransportError};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_reqwest::ReqwestTransport;

#[derive(Debug)]
struct Logged<T>(T);

#[async_trait::async_trait]
impl<T: Transport> Transport for Logged<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let line = format!("{} {}", request.method(), request.uri().path());
        let result = self.0.send(request).await;
        match &result {
            Ok(response) => println!("{line} -> {}", response.status()),
            Err(e) => println!("{line} -> {e}"),
        }
        result
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(Logged(ReqwestTransport::new()?))
        .build()?;
    let user = client.create_user(UserCreateParams::new()).await?;
    client.fetch_user_token(&user.id, &user.password).await?;
    Ok(())
}
