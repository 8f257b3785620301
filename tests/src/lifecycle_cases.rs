//! Token lifecycle: caching with a margin, single-flight refresh, refresh tokens with a
//! password fallback, retry after 401, revocation. Against wiremock (exact requests) and the
//! emulator (real behaviour).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use finapi_access_core::types::{AccessToken, Password, UserCreateParams, UserId};
use finapi_access_core::{AccessClient, ApiVersion, CachePolicy, ManualClock};
use finapi_access_emulator::EmulatorConfig;
use http::StatusCode;
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::MakeTransport;
use crate::emulator_cases::start;
use crate::harness::{
    CLIENT_ID, CLIENT_SECRET, FormIs, Recording, error_body, field, grants_received, received,
    setup,
};

const NO_JITTER: CachePolicy = CachePolicy {
    margin: Duration::from_secs(60),
    jitter: Duration::ZERO,
};
const CALLERS: usize = 1000;

fn token(access: &str, expires_in: u64, refresh: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"access_token": access, "token_type": "bearer", "expires_in": expires_in, "scope": "all"});
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn client_with_clock(
    server: &MockServer,
    make: MakeTransport,
    clock: &Arc<ManualClock>,
) -> AccessClient {
    AccessClient::builder()
        .base_url(&server.uri())
        .credentials(
            CLIENT_ID,
            finapi_access_core::types::ClientSecret::new(CLIENT_SECRET),
        )
        .shared_transport(make())
        .clock(clock.clone())
        .cache_policy(NO_JITTER)
        .build()
        .unwrap()
}

async fn token_requests(server: &MockServer) -> usize {
    received(server)
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/oauth/token"))
        .count()
}

fn user_form(grant: &str, extra: &[(&'static str, &str)]) -> FormIs {
    let mut fields = vec![
        ("grant_type", grant.to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("client_secret", CLIENT_SECRET.to_owned()),
    ];
    fields.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    FormIs(fields)
}

/// Answers token requests whose form is `form` with `answer`, expecting exactly `times`.
async fn mount_grant(server: &MockServer, form: FormIs, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(form)
        .respond_with(answer)
        .expect(times)
        .mount(server)
        .await;
}

/// The client token is reused until the margin before expiry, then fetched again.
pub async fn client_token_is_reused_until_the_margin(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(token("client-tok", 3600, None))
        .mount(&s.server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client_with_clock(&s.server, make, &clock);
    for _ in 0..3 {
        client.client_token().await.unwrap();
    }
    clock.advance(Duration::from_secs(3539));
    client.client_token().await.unwrap();
    assert_eq!(
        token_requests(&s.server).await,
        1,
        "a cache hit before the margin"
    );
    clock.advance(Duration::from_secs(2));
    client.client_token().await.unwrap();
    assert_eq!(
        token_requests(&s.server).await,
        2,
        "a new token after the margin"
    );
    assert_eq!(client.token_requests(), 2);
}

/// `expires_in: 0` means never expires: one token request, however much time passes.
pub async fn never_expiring_tokens_are_reused(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(token("forever", 0, None))
        .mount(&s.server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client_with_clock(&s.server, make, &clock);
    client.client_token().await.unwrap();
    clock.advance(Duration::from_secs(10 * 365 * 24 * 3600));
    let token = client.client_token().await.unwrap();
    assert_eq!(token.expose_secret(), "forever");
    assert_eq!(token_requests(&s.server).await, 1);
}

async fn many<F, Fut, T>(callers: usize, call: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..callers).map(|_| tokio::spawn(call())).collect();
    let mut results = Vec::with_capacity(callers);
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// 1,000 concurrent callers on a cold cache: exactly one token request (the server counts),
/// for the client token and for a user session.
pub async fn cold_cache_under_load_sends_one_token_request(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let tokens = many(CALLERS, || {
        let client = client.clone();
        async move {
            client
                .client_token()
                .await
                .unwrap()
                .expose_secret()
                .to_owned()
        }
    })
    .await;
    assert_eq!(s.emulator.token_requests(), 1);
    assert!(tokens.iter().all(|t| t == &tokens[0]));

    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let before = s.emulator.token_requests();
    many(CALLERS, || {
        let session = session.clone();
        async move { session.token().await.unwrap() }
    })
    .await;
    assert_eq!(s.emulator.token_requests() - before, 1);
}

/// When the token expires under load, exactly one more token request is sent.
pub async fn expiry_under_load_sends_exactly_one_more(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let clock = Arc::new(ManualClock::new());
    let client = s
        .builder(ApiVersion::V2)
        .clock(clock.clone())
        .cache_policy(NO_JITTER)
        .build()
        .unwrap();
    let first = client.client_token().await.unwrap();
    let load = |client: &AccessClient| {
        let client = client.clone();
        many(CALLERS, move || {
            let client = client.clone();
            async move { client.create_user(UserCreateParams::new()).await.unwrap() }
        })
    };
    load(&client).await;
    assert_eq!(s.emulator.token_requests(), 1);
    clock.advance(Duration::from_secs(3600));
    s.emulator.advance_clock(Duration::from_secs(3600));
    load(&client).await;
    assert_eq!(
        s.emulator.token_requests(),
        2,
        "one refresh for all callers"
    );
    let second = client.client_token().await.unwrap();
    assert_ne!(first.expose_secret(), second.expose_secret());
}

/// A failing token request: every waiter gets its error, nothing is cached, the next call
/// tries again and succeeds.
pub async fn a_failed_token_request_is_shared_and_not_cached(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(
            // 500 is not retried, so exactly one request fails for everyone.
            ResponseTemplate::new(500)
                .set_body_json(error_body(
                    "UNEXPECTED_ERROR",
                    "maintenance",
                    "POST /api/v2/oauth/token",
                ))
                .set_delay(Duration::from_millis(300)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(token("after-failure", 3600, None))
        .mount(&s.server)
        .await;
    let results = many(100, || {
        let client = s.client.clone();
        async move { client.client_token().await }
    })
    .await;
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert_eq!(
            err.status(),
            Some(StatusCode::INTERNAL_SERVER_ERROR),
            "{err}"
        );
    }
    assert_eq!(
        token_requests(&s.server).await,
        1,
        "one request for all waiters"
    );
    let token = s.client.client_token().await.unwrap();
    assert_eq!(token.expose_secret(), "after-failure");
    assert_eq!(token_requests(&s.server).await, 2);
}

/// A session refreshes with its refresh token once the access token is due.
pub async fn session_refreshes_with_the_refresh_token(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_grant(
        &s.server,
        user_form(
            "password",
            &[("username", "alice"), ("password", "alice-pw")],
        ),
        token("user-A", 600, Some("refresh-R")),
        1,
    )
    .await;
    mount_grant(
        &s.server,
        user_form("refresh_token", &[("refresh_token", "refresh-R")]),
        token("user-B", 600, None),
        1,
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = client_with_clock(&s.server, make, &clock);
    let session = client.user_session(
        UserId::new("alice").unwrap(),
        Password::new("alice-pw").unwrap(),
    );
    assert_eq!(session.token().await.unwrap().expose_secret(), "user-A");
    assert_eq!(
        session.token().await.unwrap().expose_secret(),
        "user-A",
        "cached"
    );
    clock.advance(Duration::from_secs(600));
    assert_eq!(session.token().await.unwrap().expose_secret(), "user-B");
    assert_eq!(
        grants_received(&s.server).await,
        ["password", "refresh_token"],
        "the second token came through the refresh token"
    );
}

/// A rejected refresh token falls back to the password grant when the password is held.
pub async fn session_falls_back_to_the_password(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_grant(
        &s.server,
        user_form("password", &[("username", "bob"), ("password", "bob-pass")]),
        token("user-A", 600, Some("refresh-R")),
        2,
    )
    .await;
    mount_grant(
        &s.server,
        user_form("refresh_token", &[("refresh_token", "refresh-R")]),
        ResponseTemplate::new(400).set_body_json(error_body(
            "BAD_REQUEST",
            "Invalid refresh token",
            "POST /api/v2/oauth/token",
        )),
        2, // once from each session below
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = client_with_clock(&s.server, make, &clock);
    let session = client.user_session(
        UserId::new("bob").unwrap(),
        Password::new("bob-pass").unwrap(),
    );
    session.token().await.unwrap();
    clock.advance(Duration::from_secs(601));
    session.token().await.unwrap();
    assert_eq!(
        grants_received(&s.server).await,
        ["password", "refresh_token", "password"],
        "the rejected refresh token fell back to the password"
    );

    // Without a password, the rejection is the answer.
    let only_refresh = client.user_session_from_refresh_token(
        UserId::new("carl").unwrap(),
        finapi_access_core::types::RefreshToken::new("refresh-R"),
    );
    let err = only_refresh.token().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
}

async fn mount_user_get(server: &MockServer, bearer: &str, status: u16) {
    let template = if status == 200 {
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "dana", "password": "XXXXX", "email": null, "phone": null, "isAutoUpdateEnabled": false
        }))
    } else {
        ResponseTemplate::new(status).set_body_json(
            json!({"error": "invalid_token", "error_description": "Invalid access token."}),
        )
    };
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(template)
        .mount(server)
        .await;
}

/// A 401 with a token the cache believed valid: the token is dropped, a new one fetched and
/// the call sent once more.
pub async fn a_401_fetches_a_new_token_and_retries_once(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(token("revoked-A", 3600, None))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(token("fresh-B", 3600, None))
        .mount(&s.server)
        .await;
    mount_user_get(&s.server, "revoked-A", 401).await;
    mount_user_get(&s.server, "fresh-B", 200).await;
    let session = s.client.user_session(
        UserId::new("dana").unwrap(),
        Password::new("dana-pw").unwrap(),
    );
    let user = session.get_user().await.unwrap();
    assert_eq!(user.id.as_str(), "dana");
    assert_eq!(token_requests(&s.server).await, 2);
    assert_eq!(session.token().await.unwrap().expose_secret(), "fresh-B");
}

/// A second 401 is returned as an error (no endless retry).
pub async fn a_second_401_is_returned(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(token("always-rejected", 3600, None))
        .mount(&s.server)
        .await;
    mount_user_get(&s.server, "always-rejected", 401).await;
    let session = s.client.user_session(
        UserId::new("dana").unwrap(),
        Password::new("dana-pw").unwrap(),
    );
    let err = session.get_user().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    let gets = received(&s.server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(gets, 2, "the call is sent twice, not more");
    assert_eq!(token_requests(&s.server).await, 2);
}

/// A 401 on a session's call: the access token is dropped, the refresh token kept, and the
/// new token comes through the refresh token (the exact grant checked), not the password.
pub async fn a_401_is_recovered_through_the_refresh_token(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_grant(
        &s.server,
        user_form("password", &[("username", "dana"), ("password", "dana-pw")]),
        token("revoked-A", 3600, Some("refresh-R")),
        1,
    )
    .await;
    mount_grant(
        &s.server,
        user_form("refresh_token", &[("refresh_token", "refresh-R")]),
        token("fresh-B", 3600, None),
        1,
    )
    .await;
    mount_user_get(&s.server, "revoked-A", 401).await;
    mount_user_get(&s.server, "fresh-B", 200).await;
    let session = s.client.user_session(
        UserId::new("dana").unwrap(),
        Password::new("dana-pw").unwrap(),
    );
    session.get_user().await.unwrap();
    assert_eq!(
        grants_received(&s.server).await,
        ["password", "refresh_token"]
    );
    assert_eq!(session.token().await.unwrap().expose_secret(), "fresh-B");
}

/// Revocation on the wire: v1 query parameters without a body, v2 a form body; the client
/// token as bearer; a revoked cached token is dropped from the cache.
pub async fn revocation_requests_follow_the_spec(make: MakeTransport) {
    for (version, token_path, revoke_path) in [
        (ApiVersion::V1, "/oauth/token", "/oauth/revoke"),
        (
            ApiVersion::V2,
            "/api/v2/oauth/token",
            "/api/v2/oauth/revoke",
        ),
    ] {
        let s = setup(make, version).await;
        Mock::given(method("POST"))
            .and(path(token_path))
            .respond_with(token("client-C", 3600, None))
            .mount(&s.server)
            .await;
        let revoke = Mock::given(method("POST"))
            .and(path(revoke_path))
            .and(header("authorization", "Bearer client-C"));
        let revoke = match version {
            ApiVersion::V1 => revoke
                .and(query_param("token", "client-C"))
                .and(query_param("token_type_hint", "access_token"))
                .and(body_string("")),
            _ => revoke
                .and(header("content-type", "application/x-www-form-urlencoded"))
                .and(body_string("token=client-C&token_type_hint=access_token")),
        };
        revoke
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&s.server)
            .await;
        let client_token = s.client.client_token().await.unwrap();
        s.client.revoke_access_token(&client_token).await.unwrap();
        assert_eq!(token_requests(&s.server).await, 1);
        s.client.client_token().await.unwrap();
        assert_eq!(
            token_requests(&s.server).await,
            2,
            "the revoked token left the cache"
        );
    }
}

/// Against the emulator: revoke a session's access token, and the next call gets a fresh
/// token transparently, through the refresh token (not the password).
pub async fn revocation_then_use_fetches_a_fresh_token_through_the_refresh_token(
    make: MakeTransport,
) {
    let s = start(make, EmulatorConfig::default()).await;
    let recording = Recording::new(s.transport.clone());
    let client = s
        .builder(ApiVersion::V2)
        .shared_transport(recording.clone())
        .build()
        .unwrap();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let first = session.token().await.unwrap();
    client.revoke_access_token(&first).await.unwrap();
    let before = s.emulator.token_requests();
    let forms_before = recording.token_forms().len();
    let me = session.get_user().await.unwrap();
    let forms = recording.token_forms();
    let refresh = &forms[forms_before..];
    assert_eq!(refresh.len(), 1, "one token request");
    assert_eq!(field(&refresh[0], "grant_type"), Some("refresh_token"));
    assert!(field(&refresh[0], "refresh_token").is_some_and(|r| !r.is_empty()));
    assert_eq!(
        field(&refresh[0], "password"),
        None,
        "not the password grant"
    );
    assert_eq!(me.id, user.id);
    let second = session.token().await.unwrap();
    assert_ne!(first.expose_secret(), second.expose_secret());
    assert_eq!(
        s.emulator.token_requests() - before,
        1,
        "one refresh, no 401 round trip"
    );

    session.revoke().await.unwrap();
    let err = client.get_authorized_user(&second).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::UNAUTHORIZED),
        "the whole grant is revoked"
    );
    session.get_user().await.unwrap();
}

/// Against the emulator: a grant revoked behind the session's back gives 401; the session
/// drops its token, its refresh token is rejected, it falls back to the password and the
/// call succeeds.
pub async fn session_recovers_from_a_grant_revoked_elsewhere_falling_back_to_the_password(
    make: MakeTransport,
) {
    let s = start(make, EmulatorConfig::default()).await;
    let recording = Recording::new(s.transport.clone());
    let client = s
        .builder(ApiVersion::V1)
        .shared_transport(recording.clone())
        .build()
        .unwrap();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    session.get_user().await.unwrap();
    let forms_before = recording.token_forms().len();
    // Another process (another client object): finAPI hands it the same grant.
    let other = s.client(ApiVersion::V1);
    let same_grant = other
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    other
        .revoke_refresh_token(same_grant.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    let me = session.get_user().await.unwrap();
    assert_eq!(me.id, user.id);
    let forms = recording.token_forms();
    let after: Vec<_> = forms[forms_before..]
        .iter()
        .map(|f| field(f, "grant_type").unwrap_or_default())
        .collect();
    assert_eq!(
        after,
        ["refresh_token", "password"],
        "refresh rejected, then the password"
    );
    let password_grant = forms.last().unwrap();
    assert_eq!(field(password_grant, "username"), Some(user.id.as_str()));
    assert_eq!(
        field(password_grant, "password"),
        Some(user.password.expose_secret())
    );
}

/// Against the emulator: a revoked client token is replaced when create user gets 401.
pub async fn create_user_survives_a_revoked_client_token(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let token = client.client_token().await.unwrap();
    let other = s.client(ApiVersion::V2);
    other.revoke_access_token(&token).await.unwrap();
    client.create_user(UserCreateParams::new()).await.unwrap();
    let err = client
        .get_authorized_user(&AccessToken::new(token.expose_secret()))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
}

/// One tracing span per real token fetch, none per cache hit.
pub async fn one_refresh_span_per_real_token_request(make: MakeTransport) {
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Default)]
    struct CountSpans(Arc<Mutex<usize>>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountSpans {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            _id: &tracing::span::Id,
            _ctx: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if attrs.metadata().name() == "finapi_access.token_refresh" {
                *self.0.lock().unwrap() += 1;
            }
        }
    }

    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let counter = CountSpans::default();
    let subscriber = tracing_subscriber::registry().with(counter.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    // Joined on this task (not spawned), so every span is seen by this thread's subscriber.
    let calls = (0..100).map(|_| client.client_token());
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    for _ in 0..10 {
        client.client_token().await.unwrap();
    }
    assert_eq!(*counter.0.lock().unwrap(), 1);
    assert_eq!(client.token_requests(), 1);
}
