//! Secret hygiene: the whole onboarding and token lifecycle against the emulator, with
//! tracing captured at TRACE, and every result and error formatted with `{:?}` and `{}`;
//! none of the secrets may appear anywhere.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use finapi_access_core::types::{
    ClientSecret, ExecutePasswordChangeParams, Password, PasswordChangeToken, UserCreateParams,
    UserId, UserUpdateParams,
};
use finapi_access_core::{AccessClient, ManualClock, Transport};
use finapi_access_emulator::{Emulator, EmulatorClient, EmulatorConfig};

const CLIENT_SECRET: &str = "S3cr3t-Client-&=+%-value";
const PASSWORD: &str = "Us3r-P&ss+w rd €-one!";
const NEW_PASSWORD: &str = "N3w-P&ss+w rd €-two!";
const WRONG_SECRET: &str = "Wr0ng-Secret-value-xyz";

static CAPTURED: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured() -> Arc<Mutex<Vec<u8>>> {
    CAPTURED
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = Capture(buffer.clone());
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .init();
            buffer
        })
        .clone()
}

async fn lifecycle(transport: Arc<dyn Transport>) {
    let buffer = captured();
    let emulator = Emulator::start(
        EmulatorConfig::default()
            .with_clients([EmulatorClient::new("hygiene-client", CLIENT_SECRET)])
            .token_lifetime(Duration::from_secs(120)),
    )
    .await
    .unwrap();
    let clock = Arc::new(ManualClock::new());
    let build = |secret: &str| {
        AccessClient::builder()
            .base_url(emulator.base_url())
            .credentials("hygiene-client", ClientSecret::new(secret))
            .shared_transport(transport.clone())
            .clock(clock.clone())
            .build()
            .unwrap()
    };
    let client = build(CLIENT_SECRET);
    let mut printed = String::new();
    let mut secrets: Vec<String> = vec![
        CLIENT_SECRET.into(),
        PASSWORD.into(),
        NEW_PASSWORD.into(),
        WRONG_SECRET.into(),
    ];
    macro_rules! show {
        ($value:expr) => {{
            let value = $value;
            match &value {
                Ok(ok) => writeln!(printed, "{ok:?}").unwrap(),
                Err(err) => writeln!(printed, "{err} | {err:?}").unwrap(),
            }
            value
        }};
    }

    let token = show!(client.fetch_client_token().await).unwrap();
    secrets.push(token.access_token.expose_secret().to_owned());
    let id = UserId::new("hygiene-user").unwrap();
    let params = UserCreateParams::new()
        .id(id.clone())
        .password(Password::new(PASSWORD).unwrap());
    show!(client.create_user(params.clone()).await).unwrap();
    show!(client.create_user(params).await).unwrap_err();
    let user_token = show!(
        client
            .fetch_user_token(&id, &Password::new(PASSWORD).unwrap())
            .await
    )
    .unwrap();
    secrets.push(user_token.access_token.expose_secret().to_owned());
    secrets.push(
        user_token
            .refresh_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned(),
    );
    show!(
        client
            .fetch_user_token(&id, &Password::new("wrong-password").unwrap())
            .await
    )
    .unwrap_err();
    show!(build(WRONG_SECRET).fetch_client_token().await).unwrap_err();

    let session = client.user_session(id.clone(), Password::new(PASSWORD).unwrap());
    writeln!(printed, "{session:?} {client:?}").unwrap();
    show!(session.get_user().await).unwrap();
    show!(
        session
            .update_user(&UserUpdateParams::new().auto_update(true))
            .await
    )
    .unwrap();
    clock.advance(Duration::from_secs(121));
    emulator.advance_clock(Duration::from_secs(121));
    let refreshed = show!(session.token().await).unwrap();
    secrets.push(refreshed.expose_secret().to_owned());
    show!(client.revoke_access_token(&refreshed).await).unwrap();
    show!(client.get_authorized_user(&refreshed).await).unwrap_err();
    show!(session.get_user().await).unwrap();

    let change = show!(client.request_password_change(&id).await).unwrap();
    let encrypted = change.password_change_token.expose_secret().to_owned();
    let decrypted = finapi_access_emulator::decrypt(&encrypted).unwrap();
    secrets.push(encrypted);
    secrets.push(decrypted.clone());
    let params = ExecutePasswordChangeParams::new(
        id.clone(),
        Password::new(NEW_PASSWORD).unwrap(),
        PasswordChangeToken::new(decrypted).unwrap(),
    );
    writeln!(printed, "{params:?}").unwrap();
    show!(client.execute_password_change(&params).await).unwrap();
    let after = show!(session.token().await).unwrap();
    secrets.push(after.expose_secret().to_owned());
    show!(session.revoke().await).unwrap();

    let trace = String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    assert!(
        trace.contains("finapi_access.request"),
        "tracing was captured"
    );
    assert!(trace.contains("finapi_access.token_refresh"));
    for secret in &secrets {
        assert!(
            !printed.contains(secret.as_str()),
            "a secret is printed: {printed}"
        );
        assert!(
            !trace.contains(secret.as_str()),
            "a secret is in the trace output"
        );
        let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert!(
            !trace.contains(&encoded),
            "a form-encoded secret is in the trace output"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_nothing_secret_in_results_errors_or_traces() {
    lifecycle(finapi_access_tests::reqwest_transport()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_nothing_secret_in_results_errors_or_traces() {
    lifecycle(finapi_access_tests::hyper_transport()).await;
}
