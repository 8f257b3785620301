//! Timeouts and retries: non-idempotent calls are retried only when the request surely never
//! left; ambiguous failures say so; a later `ENTITY_EXISTS` for the same id says so too.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use finapi_access_core::types::{ClientSecret, ErrorCode, UserCreateParams, UserId};
use finapi_access_core::{
    AccessClient, ApiVersion, Error, Transport, TransportError, TransportErrorKind,
};
use finapi_access_emulator::EmulatorConfig;

use crate::MakeTransport;
use crate::emulator_cases::start;
use crate::hostile::{Behaviour, serve};

/// Wraps a transport and makes chosen `POST .../users` attempts fail as told.
#[derive(Debug)]
struct Faulty {
    inner: Arc<dyn Transport>,
    creates: AtomicUsize,
    /// Attempt numbers (from 0) that fail before sending (connect failure).
    refuse: Vec<usize>,
    /// Attempt numbers that are sent, but whose answer is lost (timeout).
    lose_answer: Vec<usize>,
}

#[async_trait::async_trait]
impl Transport for Faulty {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let is_create =
            request.method() == http::Method::POST && request.uri().path().ends_with("/users");
        if !is_create {
            return self.inner.send(request).await;
        }
        let n = self.creates.fetch_add(1, Ordering::SeqCst);
        if self.refuse.contains(&n) {
            return Err(TransportError::from_kind(TransportErrorKind::Connect));
        }
        let response = self.inner.send(request).await;
        if self.lose_answer.contains(&n) {
            return Err(TransportError::from_kind(TransportErrorKind::Timeout));
        }
        response
    }
}

fn faulty(make: MakeTransport, refuse: &[usize], lose_answer: &[usize]) -> Arc<Faulty> {
    Arc::new(Faulty {
        inner: make(),
        creates: AtomicUsize::new(0),
        refuse: refuse.to_vec(),
        lose_answer: lose_answer.to_vec(),
    })
}

fn client(base_url: &str, transport: Arc<dyn Transport>) -> AccessClient {
    AccessClient::builder()
        .base_url(base_url)
        .api_version(ApiVersion::V2)
        .credentials(
            finapi_access_emulator::DEFAULT_CLIENT_ID,
            ClientSecret::new(finapi_access_emulator::DEFAULT_CLIENT_SECRET),
        )
        .shared_transport(transport)
        .build()
        .unwrap()
}

/// A create whose connection is refused is sent again (it surely never left) and succeeds.
pub async fn create_user_is_retried_after_a_connect_failure(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let transport = faulty(make, &[0], &[]);
    let client = client(s.emulator.base_url(), transport.clone());
    let user = client
        .create_user(UserCreateParams::new().id(UserId::new("retried").unwrap()))
        .await
        .unwrap();
    assert_eq!(user.id.as_str(), "retried");
    assert_eq!(transport.creates.load(Ordering::SeqCst), 2);
}

/// A create whose answer is lost is not retried, says the user may have been created, and a
/// later create of the same id that gets `ENTITY_EXISTS` says the earlier attempt most
/// likely created it. No user is duplicated.
pub async fn an_ambiguous_create_is_reported_not_retried(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let transport = faulty(make, &[], &[0]);
    let client = client(s.emulator.base_url(), transport.clone());
    let params = UserCreateParams::new().id(UserId::new("maybe-created").unwrap());
    let err = client.create_user(params.clone()).await.unwrap_err();
    assert!(err.may_have_taken_effect(), "{err:?}");
    assert_eq!(transport.creates.load(Ordering::SeqCst), 1, "not retried");
    let line = err.to_string();
    assert!(line.contains("may have been created"), "{line}");
    assert_eq!(
        err.transport_error().unwrap().kind(),
        TransportErrorKind::Timeout
    );

    let err = client.create_user(params).await.unwrap_err();
    assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
    let line = err.to_string();
    assert!(
        line.contains("earlier create") && line.contains("most likely created"),
        "{line}"
    );

    let admin = s.client_with(
        ApiVersion::V2,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
    );
    let page = admin
        .list_users(&finapi_access_core::types::UserListQuery::new())
        .await
        .unwrap();
    assert_eq!(page.paging.total_count, 1, "exactly one user exists");
}

/// A timed-out token request is idempotent: it is retried (3 attempts in all), and the
/// create that needed it is never sent.
pub async fn timed_out_token_requests_are_retried(make: MakeTransport) {
    let (url, count) = serve(Behaviour::Silent).await;
    let client = AccessClient::builder()
        .base_url(&url)
        .credentials("c", ClientSecret::new("s"))
        .shared_transport(make())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = client
        .create_user(UserCreateParams::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "the idempotent token request is retried"
    );
    assert!(
        !err.may_have_taken_effect(),
        "a token request has no effect to fear"
    );
}

/// A per-call timeout replaces the client's.
pub async fn a_call_timeout_overrides_the_client_timeout(make: MakeTransport) {
    let (url, _) = serve(Behaviour::Silent).await;
    let client = AccessClient::builder()
        .base_url(&url)
        .credentials("c", ClientSecret::new("s"))
        .shared_transport(make())
        .timeout(Duration::from_secs(15))
        .retry_policy(finapi_access_core::RetryPolicy::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .fetch_client_token()
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(err.transport_error().unwrap().is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Transport failures name their cause, read from the source chain: a refused connection,
/// `https://` to a server that speaks plain http (TLS), and no answer in time.
pub async fn transport_failures_name_their_cause(make: MakeTransport) {
    use finapi_access_core::FailureCause;

    let cause_of = |err: &Error| err.transport_error().map(|t| t.cause());
    let quick = |url: &str| {
        AccessClient::builder()
            .base_url(url)
            .credentials("c", ClientSecret::new("s"))
            .shared_transport(make())
            .retry_policy(finapi_access_core::RetryPolicy::disabled())
            .timeout(Duration::from_millis(400))
            .build()
            .unwrap()
    };
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = quick(&format!("http://127.0.0.1:{port}"))
        .fetch_client_token()
        .await
        .unwrap_err();
    assert_eq!(
        cause_of(&err),
        Some(FailureCause::ConnectionRefused),
        "{err}"
    );
    assert!(err.to_string().contains("refused"), "{err}");

    // https:// to the emulator, which speaks plain http.
    let s = start(make, EmulatorConfig::default()).await;
    let plain = s.emulator.base_url().replace("http://", "https://");
    let err = quick(&plain).fetch_client_token().await.unwrap_err();
    assert_eq!(cause_of(&err), Some(FailureCause::Tls), "{err}");
    assert!(err.to_string().contains("TLS"), "{err}");

    // A server that never answers.
    let (url, _) = serve(Behaviour::Silent).await;
    let err = quick(&url).fetch_client_token().await.unwrap_err();
    assert_eq!(cause_of(&err), Some(FailureCause::Timeout), "{err}");
}
