//! Shared set-up: one wiremock server per test, a catch-all that fails loudly, finAPI-shaped
//! responders, and the secret values every redaction check looks for.

use std::sync::Arc;

use finapi_access_core::types::ClientSecret;
use finapi_access_core::{AccessClient, ApiVersion, Transport};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

/// The client id used by every case.
pub const CLIENT_ID: &str = "conformance-client";
/// The client secret: with characters that need percent-encoding.
pub const CLIENT_SECRET: &str = "cl1ent&secret=+% ü";
/// A user password with `&`, `+`, `!`, a space and non-ASCII characters (finAPI allows no `=` or `%`).
pub const USER_PASSWORD: &str = "p&ss+w rd€ö-42!";
/// The access token the mock hands out.
pub const ACCESS_TOKEN: &str = "acc-TOKEN-0a1b2c3d";
/// The refresh token the mock hands out.
pub const REFRESH_TOKEN: &str = "ref-TOKEN-4e5f6a7b";
/// Every secret value a redaction check must not find.
pub const SECRETS: [&str; 4] = [CLIENT_SECRET, USER_PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN];
/// The status the catch-all answers with.
pub const UNEXPECTED_STATUS: u16 = 599;

/// A started mock server and a client pointed at it.
#[derive(Debug)]
pub struct Setup {
    /// The mock server (verifies its expectations when dropped).
    pub server: MockServer,
    /// A client for `CLIENT_ID` / `CLIENT_SECRET` at the server's URL.
    pub client: AccessClient,
}

/// Starts a mock server with a loud catch-all and builds a client for it.
pub async fn setup(make: crate::MakeTransport, version: ApiVersion) -> Setup {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|request: &Request| {
            ResponseTemplate::new(UNEXPECTED_STATUS).set_body_string(format!(
                "no mock for {} {}",
                request.method,
                request.url.path()
            ))
        })
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), make(), version);
    Setup { server, client }
}

/// A client for `CLIENT_ID` / `CLIENT_SECRET` at `base_url`.
pub fn client_for(
    base_url: &str,
    transport: Arc<dyn Transport>,
    version: ApiVersion,
) -> AccessClient {
    AccessClient::builder()
        .base_url(base_url)
        .api_version(version)
        .credentials(CLIENT_ID, ClientSecret::new(CLIENT_SECRET))
        .shared_transport(transport)
        .build()
        .unwrap()
}

/// Answers with `template`, echoing the request's `X-Request-Id` as finAPI does.
#[derive(Debug, Clone)]
pub struct Echo(pub ResponseTemplate);

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.headers.get("x-request-id") {
            Some(id) => self.0.clone().insert_header("x-request-id", id.clone()),
            None => self.0.clone(),
        }
    }
}

/// A finAPI token response.
pub fn token_body(refresh: bool) -> serde_json::Value {
    let mut body = json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "bearer",
        "expires_in": 3599,
        "scope": "all",
    });
    if refresh {
        body["refresh_token"] = json!(REFRESH_TOKEN);
    }
    body
}

/// A finAPI `ErrorMessage` body with one error.
pub fn error_body(code: &str, message: &str, endpoint: &str) -> serde_json::Value {
    json!({
        "errors": [{"message": message, "code": code, "type": "BUSINESS", "multiStepAuthentication": null}],
        "date": "2026-11-27 12:00:00.000",
        "requestId": "body-request-id",
        "endpoint": endpoint,
        "authContext": "1/1",
        "bank": null,
    })
}

/// The form fields of a request body, decoded, in order.
pub fn form_fields(request: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Matches a form body holding exactly these fields (after decoding), in any order.
#[derive(Debug)]
pub struct FormIs(pub Vec<(&'static str, String)>);

impl Match for FormIs {
    fn matches(&self, request: &Request) -> bool {
        let mut got = form_fields(request);
        let mut want: Vec<(String, String)> = self
            .0
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        got.sort();
        want.sort();
        got == want
    }
}

/// Every request the server received, in order, the ones the loud catch-all answered
/// included (so a request no mock expected shows up here too).
pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// Asserts that `text` holds none of the secret values.
pub fn assert_no_secrets(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
    }
}

/// Wraps a transport and records the form body of every token request, so that a test can
/// assert which grant was sent (against the emulator, where no mock matches bodies).
#[derive(Debug)]
pub struct Recording {
    inner: Arc<dyn Transport>,
    token_forms: std::sync::Mutex<Vec<Vec<(String, String)>>>,
}

impl Recording {
    /// Records what goes through `inner`.
    pub fn new(inner: Arc<dyn Transport>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            token_forms: std::sync::Mutex::default(),
        })
    }

    /// The decoded form bodies of the token requests so far, in order.
    pub fn token_forms(&self) -> Vec<Vec<(String, String)>> {
        self.token_forms.lock().unwrap().clone()
    }

    /// The `grant_type` of each token request so far, in order.
    pub fn grants(&self) -> Vec<String> {
        self.token_forms()
            .iter()
            .map(|form| field(form, "grant_type").unwrap_or_default().to_owned())
            .collect()
    }
}

/// The value of `name` in a decoded form.
pub fn field<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[async_trait::async_trait]
impl Transport for Recording {
    async fn send(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<bytes::Bytes>, finapi_access_core::TransportError> {
        if request.uri().path().ends_with("/oauth/token") {
            let form = form_urlencoded::parse(request.body())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            self.token_forms.lock().unwrap().push(form);
        }
        self.inner.send(request).await
    }
}

/// The `grant_type` of each token request `server` received, in order.
pub async fn grants_received(server: &MockServer) -> Vec<String> {
    received(server)
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/oauth/token"))
        .map(|r| {
            field(&form_fields(r), "grant_type")
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}
