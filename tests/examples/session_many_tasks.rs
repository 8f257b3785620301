//! One user session used from many tasks: one token request for all of them, however many
//! calls they make.
//!
//! `cargo run -p finapi-access-tests --example session_many_tasks`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use finapi_access_core::AccessClient;
use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_reqwest::ReqwestTransport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(ReqwestTransport::new()?)
        .build()?;
    let user = client.create_user(UserCreateParams::new()).await?;
    let session = client.user_session(user.id.clone(), user.password.clone());
    let before = client.token_requests();

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.get_user().await.map(|u| u.into_inner().id) })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    println!(
        "100 tasks, {} token request(s) ({} at the emulator in all)",
        client.token_requests() - before,
        emulator.token_requests()
    );
    Ok(())
}
