//! Unit tests of the client, session and pipeline logic with a scripted in-memory transport:
//! what the end-to-end suites reach only through a server, checked request by request.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use finapi_access_types::{ClientSecret, Password, UserId};
use http::{Method, StatusCode};

use crate::{
    AccessClient, ApiRequest, Error, Language, Operation, PsuHeaders, RequestId, RequestTimeout,
    RetryPolicy, Transport, TransportError, TransportErrorKind,
};

/// What the scripted transport does with one request.
enum Reply {
    Json(u16, &'static str),
    Fail(TransportErrorKind),
    Hang,
}

/// One request as the transport saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: http::HeaderMap,
    form: Vec<(String, String)>,
    timeout: Option<Duration>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn grant(&self) -> Option<&str> {
        self.field("grant_type")
    }
}

type Script = Box<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

struct Scripted {
    script: Script,
    seen: Mutex<Vec<Seen>>,
    /// Only its weak count matters: whether the transport is still alive.
    _alive: Arc<()>,
}

impl std::fmt::Debug for Scripted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scripted")
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let seen = Seen {
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            headers: request.headers().clone(),
            form: form_urlencoded::parse(request.body())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            timeout: request.extensions().get::<RequestTimeout>().map(|t| t.0),
        };
        let n = {
            let mut all = self.seen.lock().unwrap();
            all.push(seen.clone());
            all.len() - 1
        };
        match (self.script)(&seen, n) {
            Reply::Json(status, body) => Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Bytes::from_static(body.as_bytes()))
                .unwrap()),
            Reply::Fail(kind) => Err(TransportError::from_kind(kind)),
            Reply::Hang => futures_util::future::pending().await,
        }
    }
}

struct Harness {
    client: AccessClient,
    transport: Arc<Scripted>,
}

impl Harness {
    fn new(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::with(script, |b| b)
    }

    fn with(
        script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
        configure: impl FnOnce(crate::AccessClientBuilder) -> crate::AccessClientBuilder,
    ) -> Self {
        let transport = Arc::new(Scripted {
            script: Box::new(script),
            seen: Mutex::default(),
            _alive: Arc::new(()),
        });
        let builder = AccessClient::builder()
            .base_url("http://127.0.0.1:9")
            .credentials("cid", ClientSecret::new("client-secret-1"))
            .shared_transport(transport.clone())
            .retry_policy(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
            );
        let client = configure(builder).build().unwrap();
        Self { client, transport }
    }

    fn seen(&self) -> Vec<Seen> {
        self.transport.seen.lock().unwrap().clone()
    }

    fn grants(&self) -> Vec<String> {
        self.seen()
            .iter()
            .filter_map(|s| s.grant().map(str::to_owned))
            .collect()
    }
}

const CLIENT_TOKEN: &str = r#"{"access_token":"client-A","token_type":"bearer","expires_in":3600}"#;
const USER_TOKEN_R1: &str = r#"{"access_token":"user-A","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-R1"}"#;
const USER_TOKEN_B: &str = r#"{"access_token":"user-B","token_type":"bearer","expires_in":3600}"#;
const USER: &str =
    r#"{"id":"alice","password":"XXXXX","email":null,"phone":null,"isAutoUpdateEnabled":false}"#;

fn session(client: &AccessClient) -> crate::UserSession {
    client.user_session(
        UserId::new("alice").unwrap(),
        Password::new("alice-password").unwrap(),
    )
}

fn bearer(seen: &Seen) -> &str {
    seen.headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn a_401_keeps_the_refresh_token_and_the_next_token_comes_from_the_refresh_grant() {
    let h = Harness::new(|seen, _| match (seen.grant(), bearer(seen)) {
        (Some("password"), _) => Reply::Json(200, USER_TOKEN_R1),
        (Some("refresh_token"), _) => Reply::Json(200, USER_TOKEN_B),
        (Some(_), _) => Reply::Json(400, "{}"),
        (None, "Bearer user-A") => Reply::Json(401, r#"{"error":"invalid_token"}"#),
        (None, _) => Reply::Json(200, USER),
    });
    let session = session(&h.client);
    let user = session.get_user().await.unwrap();
    assert_eq!(user.id.as_str(), "alice");
    assert_eq!(h.grants(), ["password", "refresh_token"]);
    let refresh = h
        .seen()
        .into_iter()
        .find(|s| s.grant() == Some("refresh_token"))
        .unwrap();
    assert_eq!(refresh.field("refresh_token"), Some("refresh-R1"));
    assert_eq!(refresh.field("password"), None, "not the password");
    assert_eq!(session.token().await.unwrap().expose_secret(), "user-B");
}

#[tokio::test]
async fn revoking_only_the_access_token_keeps_the_refresh_token() {
    let h = Harness::new(|seen, _| match seen.grant() {
        Some("password") => Reply::Json(200, USER_TOKEN_R1),
        Some("refresh_token") => Reply::Json(200, USER_TOKEN_B),
        Some("client_credentials") => Reply::Json(200, CLIENT_TOKEN),
        _ if seen.path.ends_with("/revoke") => Reply::Json(200, ""),
        _ => Reply::Json(500, "{}"),
    });
    let session = session(&h.client);
    let first = session.token().await.unwrap();
    h.client.revoke_access_token(&first).await.unwrap();
    assert_eq!(session.token().await.unwrap().expose_secret(), "user-B");
    assert_eq!(
        h.grants(),
        ["password", "client_credentials", "refresh_token"],
        "the new token came from the refresh grant"
    );
}

#[tokio::test]
async fn a_custom_transport_gets_retries_from_the_default_timer() {
    let h = Harness::new(|seen, n| match (seen.grant(), n) {
        (Some(_), _) => Reply::Json(200, CLIENT_TOKEN),
        (None, 1) => Reply::Json(503, "{}"),
        (None, 2) => Reply::Fail(TransportErrorKind::Connect),
        (None, _) => Reply::Json(200, r#"{"ok":true}"#),
    });
    const PING: Operation = Operation::new("ping", true);
    let answer = h
        .client
        .send(ApiRequest::new(PING, Method::GET, "/ping").json_response::<serde_json::Value>())
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    let seen = h.seen();
    assert_eq!(seen.len(), 4, "token, 503, connect failure, success");
    assert_eq!(seen[0].method, Method::POST);
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.method == Method::GET && s.path == "/ping")
    );
}

#[tokio::test]
async fn the_deadline_bounds_retries_and_every_attempt_timeout() {
    let h = Harness::with(
        |seen, _| match seen.grant() {
            Some(_) => Reply::Json(200, CLIENT_TOKEN),
            None => Reply::Json(503, "{}"),
        },
        |b| {
            b.retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(1000)
                    .with_backoff(Duration::from_millis(20), Duration::from_millis(20)),
            )
            .timeout(Duration::from_secs(30))
        },
    );
    const PING: Operation = Operation::new("ping", true);
    let started = std::time::Instant::now();
    let err = h
        .client
        .send(ApiRequest::new(PING, Method::GET, "/ping"))
        .deadline(Duration::from_millis(200))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "bounded: {took:?}");
    assert!(
        err.status() == Some(StatusCode::SERVICE_UNAVAILABLE)
            || err
                .transport_error()
                .is_some_and(TransportError::is_timeout),
        "{err}"
    );
    let seen = h.seen();
    assert!(seen.len() < 100, "stopped early: {}", seen.len());
    for request in &seen {
        let timeout = request.timeout.expect("every attempt carries a timeout");
        assert!(timeout <= Duration::from_millis(200), "{timeout:?}");
    }
}

#[tokio::test]
async fn a_call_that_outlives_its_deadline_fails_with_a_timeout_naming_it() {
    let h = Harness::new(|seen, _| match seen.grant() {
        Some(_) => Reply::Json(200, CLIENT_TOKEN),
        None => Reply::Fail(TransportErrorKind::Connect),
    });
    const PING: Operation = Operation::new("ping", true);
    let err = h
        .client
        .send(ApiRequest::new(PING, Method::GET, "/ping"))
        .deadline(Duration::ZERO)
        .await
        .unwrap_err();
    assert!(
        err.transport_error()
            .is_some_and(TransportError::is_timeout),
        "{err}"
    );
    assert!(!err.may_have_taken_effect(), "nothing was sent");
    // The time ran out in the token fetch the call needed first: the error names it.
    assert_eq!(err.operation(), Operation::CLIENT_TOKEN);
    assert!(err.to_string().contains("deadline of 0 ms passed"), "{err}");
    assert!(h.seen().is_empty(), "nothing is sent after the deadline");

    // With a token at hand, the call itself is named.
    let token = crate::types::AccessToken::new("held");
    let err = h
        .client
        .send_with_token(&token, ApiRequest::new(PING, Method::GET, "/ping"))
        .deadline(Duration::ZERO)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("ping failed: timed out (the call's deadline"),
        "{err}"
    );
    assert!(h.seen().is_empty());
}

#[tokio::test]
async fn call_options_reach_the_token_fetch_the_call_triggers() {
    let h = Harness::new(|seen, _| match seen.grant() {
        Some(_) => Reply::Json(200, CLIENT_TOKEN),
        None => Reply::Json(200, "{}"),
    });
    const PING: Operation = Operation::new("ping", true);
    h.client
        .send(ApiRequest::new(PING, Method::GET, "/ping"))
        .request_id(RequestId::new("call-1").unwrap())
        .accept_language(Language::En)
        .timeout(Duration::from_secs(7))
        .psu_headers(PsuHeaders::new().ip_address("10.0.0.1"))
        .await
        .unwrap();
    let seen = h.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].headers["x-request-id"], "call-1-token");
    assert_eq!(seen[1].headers["x-request-id"], "call-1");
    for request in &seen {
        assert_eq!(request.headers["accept-language"], "en");
        assert!(request.timeout.unwrap() <= Duration::from_secs(7));
    }
    assert!(
        seen[0].headers.get("psu-ip-address").is_none(),
        "not on the token request"
    );
    assert_eq!(seen[1].headers["psu-ip-address"], "10.0.0.1");
}

#[test]
fn derived_request_ids_stay_valid() {
    let id = RequestId::new("x".repeat(RequestId::MAX_LEN)).unwrap();
    let derived = id.derived("token");
    assert_ne!(derived, id);
    assert!(derived.as_str().len() <= RequestId::MAX_LEN);
    assert!(RequestId::new(derived.as_str()).is_ok());
    assert_eq!(
        RequestId::new("a").unwrap().derived("token").as_str(),
        "a-token"
    );
}

#[tokio::test]
async fn bad_header_values_are_refused_before_any_token_fetch() {
    let h = Harness::new(|_, _| Reply::Json(200, CLIENT_TOKEN));
    let err = h
        .client
        .create_user(finapi_access_types::UserCreateParams::new())
        .psu_headers(PsuHeaders::new().user_agent("bad\r\nX-Injected: 1"))
        .await
        .unwrap_err();
    let Error::InvalidInput(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.error.field(), "PSU-User-Agent");
    assert_eq!(details.operation, Operation::CREATE_USER);
    const PING: Operation = Operation::new("ping", true);
    let err = h
        .client
        .send(
            ApiRequest::new(PING, Method::GET, "/ping")
                .header(http::HeaderName::from_static("x-custom"), "a\nb"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(
        h.seen().is_empty(),
        "nothing was sent, not even a token request"
    );
}

#[tokio::test]
async fn cancelled_token_fetches_leak_nothing_and_the_next_caller_starts_afresh() {
    let h = Harness::new(|_, n| match n {
        0 => Reply::Hang,
        _ => Reply::Json(200, CLIENT_TOKEN),
    });
    let alive: Weak<()> = Arc::downgrade(&h.transport._alive);
    let transport: Weak<Scripted> = Arc::downgrade(&h.transport);
    let Harness {
        client,
        transport: strong,
    } = h;
    drop(strong);
    // Every waiter of the hanging fetch gives up.
    let waiters =
        (0..3).map(|_| tokio::time::timeout(Duration::from_millis(20), client.client_token()));
    for result in futures_util::future::join_all(waiters).await {
        assert!(result.is_err(), "timed out");
    }
    // The next caller does not join the abandoned fetch: it starts a fresh one.
    let token = tokio::time::timeout(Duration::from_secs(5), client.client_token())
        .await
        .expect("a fresh fetch, not the abandoned one")
        .unwrap();
    assert_eq!(token.expose_secret(), "client-A");
    assert_eq!(transport.upgrade().unwrap().seen.lock().unwrap().len(), 2);
    // A fetch abandoned with the client dropped keeps nothing alive.
    let other = Harness::new(|_, _| Reply::Hang);
    let other_alive = Arc::downgrade(&other.transport._alive);
    let Harness {
        client: other_client,
        transport: other_strong,
    } = other;
    drop(other_strong);
    let _ = tokio::time::timeout(Duration::from_millis(20), other_client.client_token()).await;
    drop(other_client);
    assert!(
        other_alive.upgrade().is_none(),
        "transport, caches and client were freed"
    );
    drop(client);
    assert!(alive.upgrade().is_none(), "freed");
}
