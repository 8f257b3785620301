//! Calling any finAPI endpoint through the SDK's pipeline: here `GET /api/v2/users` as if
//! the SDK did not know it, decoded into this example's own struct, authorised with a user
//! session; and a client-token call with a query. Token caching, `X-Request-Id`, retries, the
//! 401 → new token → retry, deadlines and typed errors come with every such call; no reqwest
//! or hyper code here.
//!
//! `cargo run -p finapi-access-tests --example custom_endpoint` (against the embedded
//! emulator); `cargo test -p finapi-access-tests --example custom_endpoint` checks it.

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_core::{AccessClient, ApiRequest, Error, Operation, RequestId};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_reqwest::ReqwestTransport;
use http::Method;

/// The part of finAPI's user this service cares about.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    pub email: Option<String>,
    pub is_auto_update_enabled: bool,
}

/// finAPI's verification status, as this service reads it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub user_id: String,
    pub is_user_verified: bool,
}

/// Names for the operations: they appear in errors and tracing spans, and say whether a
/// failed attempt may be retried.
const GET_ME: Operation = Operation::new("get me", true);
const VERIFICATION: Operation = Operation::new("verification status", true);
const MISSING: Operation = Operation::new("missing endpoint", true);

/// What the example found, for its test.
#[derive(Debug)]
pub struct Outcome {
    pub me: Me,
    pub verification: Verification,
    pub request_id: String,
    pub missing: Error,
}

/// Runs the example against the finAPI (or emulator) at `base_url`.
///
/// # Errors
///
/// The first call that fails, as the SDK's typed error.
pub async fn run(base_url: &str, client_id: &str, client_secret: &str) -> Result<Outcome, Error> {
    let client = AccessClient::builder()
        .base_url(base_url)
        .credentials(client_id, ClientSecret::new(client_secret))
        .transport(ReqwestTransport::new().unwrap())
        .build()?;
    let user = client
        .create_user(UserCreateParams::new().auto_update(true))
        .await?;
    let session = client.user_session(user.id.clone(), user.password.clone());

    // A user-token call, decoded into our own struct, with per-call options.
    let me = session
        .send(ApiRequest::new(GET_ME, Method::GET, "/api/v2/users").json_response::<Me>())
        .request_id(RequestId::new("custom-endpoint-1").unwrap())
        .deadline(Duration::from_secs(10))
        .await?;
    println!(
        "{} (auto update {}) request id {}",
        me.id,
        me.is_auto_update_enabled,
        me.request_id()
    );
    let request_id = me.request_id().to_string();

    // A client-token call with a query parameter.
    let verification = client
        .send(
            ApiRequest::new(
                VERIFICATION,
                Method::GET,
                "/api/v2/users/verificationStatus",
            )
            .query("userId", user.id.as_str())
            .json_response::<Verification>(),
        )
        .await?
        .into_inner();
    println!(
        "{} verified: {}",
        verification.user_id, verification.is_user_verified
    );

    // Errors are typed, with the status, finAPI's code and the request id.
    let missing = session
        .send(ApiRequest::new(MISSING, Method::GET, "/api/v2/noSuchThing").bytes_response())
        .await
        .unwrap_err();
    println!("{missing}");

    Ok(Outcome {
        me: me.into_inner(),
        verification,
        request_id,
        missing,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    run(
        emulator.base_url(),
        emulator.client_id(),
        emulator.client_secret(),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_custom_calls_reach_the_emulator_and_decode() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let outcome = run(
        emulator.base_url(),
        emulator.client_id(),
        emulator.client_secret(),
    )
    .await
    .unwrap();
    assert!(!outcome.me.id.is_empty());
    assert!(outcome.me.is_auto_update_enabled);
    assert_eq!(outcome.me.email, None);
    assert_eq!(outcome.request_id, "custom-endpoint-1");
    assert_eq!(outcome.verification.user_id, outcome.me.id);
    assert!(outcome.verification.is_user_verified);
    assert_eq!(outcome.missing.operation(), MISSING);
    assert_eq!(outcome.missing.status(), Some(http::StatusCode::NOT_FOUND));
    assert!(outcome.missing.request_id().is_some());
}
