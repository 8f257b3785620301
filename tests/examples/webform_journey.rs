//! The Web Form 2.0 journey with the SDK: client token → user → user session → a bank
//! connection import web form → the end user's page address → waiting for the outcome.
//!
//! finAPI Access is the embedded emulator; Web Form 2.0 is a small stand-in on localhost
//! (the emulator plays Web Form in a later release), which "completes" the form after two
//! reads. `cargo run -p finapi-access-tests --example webform_journey`; it is also a test.

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use finapi_access_core::AccessClient;
use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_reqwest::ReqwestTransport;
use finapi_webform::types::{Bank, BankConnectionImportDetails, WebForm, WebFormUrl};
use finapi_webform::{WaitOptions, WebFormClient};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FORM_ID: &str = "4d6a3f1e-1d2c-4b5a-9e8f-7a6b5c4d3e2f";

fn form(status: &str, payload: &serde_json::Value) -> serde_json::Value {
    json!({
        "id": FORM_ID,
        "url": format!("https://webform.finapi.io/wf/{FORM_ID}"),
        "createdAt": "2026-11-28T10:00:00.000+0000",
        "expiresAt": "2026-11-28T10:20:00.000+0000",
        "type": "BANK_CONNECTION_IMPORT",
        "status": status,
        "payload": payload
    })
}

/// A Web Form 2.0 stand-in: creates the form, reports it in progress twice, then completed.
async fn webform_stand_in() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/webForms/bankConnectionImport"))
        .respond_with(ResponseTemplate::new(201).set_body_json(form("NOT_YET_OPENED", &json!({}))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(form("IN_PROGRESS", &json!({}))))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(form("COMPLETED", &json!({"bankConnectionId": 4242}))),
        )
        .mount(&server)
        .await;
    server
}

/// The journey; returns the page address and the final form.
///
/// # Errors
///
/// Any failed step.
pub async fn journey(
    access_url: &str,
    client_id: &str,
    client_secret: &str,
    webform_url: &str,
) -> Result<(String, WebForm), Box<dyn std::error::Error>> {
    let access = AccessClient::builder()
        .base_url(access_url)
        .credentials(client_id, ClientSecret::new(client_secret))
        .transport(ReqwestTransport::new()?)
        .build()?;
    let user = access.create_user(UserCreateParams::new()).await?;
    let session = access.user_session(user.id.clone(), user.password.clone());
    let webforms = WebFormClient::with_base_url(webform_url)?;
    let created = webforms
        .user(&session)
        .create_bank_connection_import(&BankConnectionImportDetails {
            bank: Some(Bank::by_search("DE89370400440532013000")),
            ..Default::default()
        })
        .await?;
    let page = WebFormUrl::new(&created.url)
        .redirect_url("https://shop.example.com/bank/connected")
        .build()?;
    println!("1. send the end user to {page}");
    let done = webforms
        .user(&session)
        .wait_for_final_status(
            &created.id,
            WaitOptions::default()
                .deadline(Duration::from_secs(30))
                .backoff(Duration::from_millis(20), Duration::from_millis(100)),
        )
        .await?;
    println!(
        "2. web form {} is {}: bank connection {:?}",
        done.id, done.status, done.payload.bank_connection_id
    );
    Ok((page, done))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let webform = webform_stand_in().await;
    journey(
        emulator.base_url(),
        emulator.client_id(),
        emulator.client_secret(),
        &webform.uri(),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_journey_ends_with_the_imported_connection() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let webform = webform_stand_in().await;
    let (page, done) = journey(
        emulator.base_url(),
        emulator.client_id(),
        emulator.client_secret(),
        &webform.uri(),
    )
    .await
    .unwrap();
    assert!(
        page.contains("redirectUrl=https%3A%2F%2Fshop.example.com"),
        "{page}"
    );
    assert!(done.status.is_final());
    assert_eq!(done.payload.bank_connection_id, Some(4242));
    // The Web Form host saw the user's token only as a bearer, never a token request.
    let requests = webform.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| !r.url.path().contains("oauth")));
    assert!(
        requests
            .iter()
            .all(|r| r.headers.contains_key("authorization"))
    );
}
