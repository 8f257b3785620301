//! End-to-end cases against the emulator. Every response passes through [`SpecChecked`], so
//! each case also proves that what the emulator answered conforms to finAPI's spec.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use finapi_access_core::types::{
    AccessToken, ClientSecret, ErrorCode, ErrorMessage, Password, UserCreateParams, UserId,
};
use finapi_access_core::{AccessClient, ApiVersion, Error, Transport};
use finapi_access_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use http::StatusCode;

use crate::MakeTransport;
use crate::harness::USER_PASSWORD;
use crate::spec::SpecChecked;

/// A running emulator and a spec-checking transport to it.
#[derive(Debug)]
pub struct EmulatorSetup {
    /// The emulator.
    pub emulator: EmulatorHandle,
    /// The transport every request goes through (checks every request and response).
    pub transport: Arc<dyn Transport>,
    /// The same transport without the checks, for requests that break the spec on purpose.
    pub plain: Arc<dyn Transport>,
}

impl EmulatorSetup {
    /// A client of the emulator's default client on `version`.
    pub fn client(&self, version: ApiVersion) -> AccessClient {
        self.client_with(
            version,
            self.emulator.client_id(),
            self.emulator.client_secret(),
        )
    }

    /// A client with these credentials on `version`.
    pub fn client_with(&self, version: ApiVersion, id: &str, secret: &str) -> AccessClient {
        self.builder(version)
            .credentials(id, ClientSecret::new(secret))
            .build()
            .unwrap()
    }

    /// A builder for the default client on `version`, to add a clock or a cache policy.
    pub fn builder(&self, version: ApiVersion) -> finapi_access_core::AccessClientBuilder {
        AccessClient::builder()
            .base_url(self.emulator.base_url())
            .api_version(version)
            .credentials(
                self.emulator.client_id(),
                ClientSecret::new(self.emulator.client_secret()),
            )
            .shared_transport(self.transport.clone())
    }

    /// Sends a hand-made request (for what the SDK refuses to send; not checked against the
    /// spec) and returns status, headers and body; the response is still checked.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> http::Response<Bytes> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.emulator.base_url()));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Bytes::from(body.to_owned())).unwrap();
        let response = self.plain.send(request).await.unwrap();
        // A method override is checked as the method it stands for.
        let checked_method = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("x-http-method-override"))
            .map_or(method, |(_, value)| *value);
        if let Err(violation) = crate::spec::check(
            checked_method,
            path.split('?').next().unwrap_or(path),
            response.status().as_u16(),
            response.body(),
        ) {
            panic!("emulator response does not conform to the finAPI spec: {violation}");
        }
        response
    }
}

/// Starts an emulator with `config` behind a spec-checking `make()` transport.
pub async fn start(make: MakeTransport, config: EmulatorConfig) -> EmulatorSetup {
    let emulator = Emulator::start(config).await.unwrap();
    let plain = make();
    EmulatorSetup {
        emulator,
        transport: Arc::new(SpecChecked(plain.clone())),
        plain,
    }
}

const VERSIONS: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::V2];

fn users_path(version: ApiVersion) -> &'static str {
    version.users_path()
}

fn error_message(response: &http::Response<Bytes>) -> ErrorMessage {
    serde_json::from_slice(response.body()).unwrap()
}

/// The three steps, and reading the user back, on v1 and v2; the password with special
/// characters survives the form encoding end to end.
pub async fn onboarding_works_on_both_versions(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    for (n, version) in VERSIONS.into_iter().enumerate() {
        let client = s.client(version);
        let token = client.fetch_client_token().await.unwrap();
        assert_eq!(token.status(), StatusCode::OK);
        assert_eq!(token.expires_in.as_secs(), 3600);
        let id = UserId::new(format!("onboard-{n}")).unwrap();
        let password = Password::new(USER_PASSWORD).unwrap();
        let user = client
            .create_user(
                UserCreateParams::new()
                    .id(id.clone())
                    .password(password.clone()),
            )
            .await
            .unwrap();
        assert_eq!(user.status(), StatusCode::CREATED);
        assert_eq!(
            user.password.expose_secret(),
            USER_PASSWORD,
            "create returns the password"
        );
        let user_token = client.fetch_user_token(&id, &password).await.unwrap();
        assert!(user_token.refresh_token.is_some());
        let me = client
            .get_authorized_user(&user_token.access_token)
            .await
            .unwrap();
        assert_eq!(me.id, id);
        assert_eq!(me.password.expose_secret(), "XXXXX");
    }
}

/// finAPI hands out the same valid token again for the same credentials.
pub async fn same_credentials_get_the_same_token(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let a = client.fetch_client_token().await.unwrap();
    s.emulator.advance_clock(Duration::from_secs(100));
    let b = client.fetch_client_token().await.unwrap();
    assert_eq!(
        a.access_token.expose_secret(),
        b.access_token.expose_secret()
    );
    assert_eq!(b.expires_in.as_secs(), 3500);
    assert_eq!(s.emulator.token_requests(), 2);
}

/// Tokens expire after the configured lifetime: the old one gets 401, a new one is issued.
pub async fn tokens_expire_after_their_lifetime(make: MakeTransport) {
    let s = start(
        make,
        EmulatorConfig::default().token_lifetime(Duration::from_secs(60)),
    )
    .await;
    let client = s.client(ApiVersion::V2);
    let id = UserId::new("expiring").unwrap();
    let password = Password::new("expiring-pw").unwrap();
    client
        .create_user(
            UserCreateParams::new()
                .id(id.clone())
                .password(password.clone()),
        )
        .await
        .unwrap();
    let first = client.fetch_user_token(&id, &password).await.unwrap();
    assert_eq!(first.expires_in.as_secs(), 60);
    s.emulator.advance_clock(Duration::from_secs(61));
    let err = client
        .get_authorized_user(&first.access_token)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
    assert!(matches!(err, Error::OAuth(_)));
    let second = client.fetch_user_token(&id, &password).await.unwrap();
    assert_ne!(
        first.access_token.expose_secret(),
        second.access_token.expose_secret()
    );
}

/// A lifetime of 0 gives tokens that never expire, reported as `expires_in: 0`.
pub async fn zero_lifetime_tokens_never_expire(make: MakeTransport) {
    let s = start(
        make,
        EmulatorConfig::default().token_lifetime(Duration::ZERO),
    )
    .await;
    let client = s.client(ApiVersion::V1);
    let token = client.fetch_client_token().await.unwrap();
    assert_eq!(token.expires_in.lifetime(), None);
    s.emulator
        .advance_clock(Duration::from_secs(10 * 365 * 24 * 3600));
    client.create_user(UserCreateParams::new()).await.unwrap();
}

/// Unknown client credentials: 401 with the OAuth body.
pub async fn unknown_client_is_401(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    for version in VERSIONS {
        let client = s.client_with(version, s.emulator.client_id(), "wrong-secret");
        let err = client.fetch_client_token().await.unwrap_err();
        let Error::OAuth(oauth) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(oauth.status, StatusCode::UNAUTHORIZED);
        assert_eq!(oauth.body.error, "invalid_client");
    }
}

/// Bad user credentials: 400 with finAPI's `ErrorMessage`.
pub async fn bad_user_password_is_400(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let id = UserId::new("carol").unwrap();
    client
        .create_user(
            UserCreateParams::new()
                .id(id.clone())
                .password(Password::new("right-pw").unwrap()),
        )
        .await
        .unwrap();
    let err = client
        .fetch_user_token(&id, &Password::new("wrong-pw").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.error_code(), Some(&ErrorCode::BadRequest));
    let unknown = client
        .fetch_user_token(
            &UserId::new("nobody").unwrap(),
            &Password::new("whatever").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), Some(StatusCode::BAD_REQUEST));
}

/// User ids are compared case-insensitively: `ENTITY_EXISTS`, and login in any case.
pub async fn user_ids_are_case_insensitive(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let password = Password::new("case-pw").unwrap();
    client
        .create_user(
            UserCreateParams::new()
                .id(UserId::new("Alice").unwrap())
                .password(password.clone()),
        )
        .await
        .unwrap();
    let err = client
        .create_user(UserCreateParams::new().id(UserId::new("aLICE").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
    client
        .fetch_user_token(&UserId::new("ALICE").unwrap(), &password)
        .await
        .unwrap();
}

/// With no fields, the emulator generates an id and a password that work for login.
pub async fn generated_credentials_work(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V1);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    assert!(
        UserId::new(user.id.as_str()).is_ok(),
        "generated ids follow the id rules"
    );
    assert!(Password::new(user.password.expose_secret()).is_ok());
    client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
}

/// The field rules are enforced by the server too (for clients that skip validation):
/// 400 `ILLEGAL_FIELD_VALUE` naming the field.
pub async fn field_rules_are_enforced_with_400(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let token = s.client(ApiVersion::V2).fetch_client_token().await.unwrap();
    let bearer = format!("Bearer {}", token.access_token.expose_secret());
    let long_email = format!("\"{}\"", "e".repeat(321));
    let cases = [
        (r#"{"id":"has space"}"#.to_owned(), "`id`"),
        (format!(r#"{{"id":"{}"}}"#, "x".repeat(37)), "`id`"),
        (r#"{"password":"short"}"#.to_owned(), "`password`"),
        (format!(r#"{{"email":{long_email}}}"#), "`email`"),
        (r#"{"phone":"1/2"}"#.to_owned(), "`phone`"),
    ];
    for (body, field) in cases {
        let response = s
            .raw(
                "POST",
                "/api/v2/users",
                &[
                    ("authorization", &bearer),
                    ("content-type", "application/json"),
                ],
                &body,
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let message = error_message(&response);
        assert_eq!(message.first_code(), Some(&ErrorCode::IllegalFieldValue));
        assert!(
            message.first_message().unwrap().contains(field),
            "{body}: {message:?}"
        );
    }
}

/// A user token where a client token is needed, and the reverse: 403 `UNAUTHORIZED_ACCESS`.
pub async fn wrong_token_kind_is_403(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let user_token = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    let client_token = client.fetch_client_token().await.unwrap();
    for version in VERSIONS {
        let with_user = format!("Bearer {}", user_token.access_token.expose_secret());
        let response = s
            .raw(
                "POST",
                users_path(version),
                &[
                    ("authorization", &with_user),
                    ("content-type", "application/json"),
                ],
                "{}",
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            error_message(&response).first_code(),
            Some(&ErrorCode::UnauthorizedAccess)
        );
        let err = client
            .get_authorized_user(&client_token.access_token)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
        assert_eq!(err.error_code(), Some(&ErrorCode::UnauthorizedAccess));
    }
}

/// A missing or unknown token: 401 with the OAuth body.
pub async fn missing_or_unknown_token_is_401(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    for version in VERSIONS {
        let none = s.raw("GET", users_path(version), &[], "").await;
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
        let unknown = s
            .raw(
                "GET",
                users_path(version),
                &[("authorization", "Bearer not-a-token")],
                "",
            )
            .await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = serde_json::from_slice(unknown.body()).unwrap();
        assert_eq!(body["error"], "invalid_token");
    }
}

/// Revocation: v1 takes query parameters, v2 a form body; the revoked token gets 401, an
/// unknown token still gets 200.
pub async fn revoked_tokens_get_401(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let client_token = client.fetch_client_token().await.unwrap();
    let bearer = format!("Bearer {}", client_token.access_token.expose_secret());
    for (n, version) in VERSIONS.into_iter().enumerate() {
        let id = UserId::new(format!("revoked-{n}")).unwrap();
        let password = Password::new("revoke-pw").unwrap();
        client
            .create_user(
                UserCreateParams::new()
                    .id(id.clone())
                    .password(password.clone()),
            )
            .await
            .unwrap();
        let user_token = client.fetch_user_token(&id, &password).await.unwrap();
        let token = user_token.access_token.expose_secret();
        let response = match version {
            ApiVersion::V1 => {
                s.raw(
                    "POST",
                    &format!("/oauth/revoke?token={token}&token_type_hint=access_token"),
                    &[("authorization", &bearer)],
                    "",
                )
                .await
            }
            _ => {
                s.raw(
                    "POST",
                    "/api/v2/oauth/revoke",
                    &[
                        ("authorization", &bearer),
                        ("content-type", "application/x-www-form-urlencoded"),
                    ],
                    &format!("token={token}&token_type_hint=access_token"),
                )
                .await
            }
        };
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.body().is_empty());
        let err = client
            .get_authorized_user(&AccessToken::new(token))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        let again = client.fetch_user_token(&id, &password).await.unwrap();
        assert_ne!(
            again.access_token.expose_secret(),
            token,
            "a revoked token is not handed out again"
        );
    }
    let unknown = s
        .raw(
            "POST",
            "/oauth/revoke?token=unknown-token",
            &[("authorization", &bearer)],
            "",
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::OK);
}

/// The refresh-token grant issues a new access token; revoking the refresh token ends the
/// grant (its access tokens too).
pub async fn refresh_tokens_work_until_revoked(make: MakeTransport) {
    let s = start(
        make,
        EmulatorConfig::default().token_lifetime(Duration::from_secs(60)),
    )
    .await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let first = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    let refresh = first.refresh_token.clone().unwrap();
    s.emulator.advance_clock(Duration::from_secs(61));
    let refreshed = client.refresh_user_token(&refresh).await.unwrap();
    assert_ne!(
        refreshed.access_token.expose_secret(),
        first.access_token.expose_secret()
    );
    client
        .get_authorized_user(&refreshed.access_token)
        .await
        .unwrap();

    let bearer = format!(
        "Bearer {}",
        client
            .fetch_client_token()
            .await
            .unwrap()
            .access_token
            .expose_secret()
    );
    let body = format!(
        "token={}&token_type_hint=refresh_token",
        refresh.expose_secret()
    );
    let response = s
        .raw(
            "POST",
            "/api/v2/oauth/revoke",
            &[
                ("authorization", &bearer),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            &body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let err = client
        .get_authorized_user(&refreshed.access_token)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::UNAUTHORIZED),
        "the grant's access tokens are revoked"
    );
    let err = client.refresh_user_token(&refresh).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
}

/// The token endpoint refuses a body that is not form-encoded: 400 `UNSUPPORTED_MEDIA_TYPE`.
pub async fn token_endpoint_requires_a_form_body(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let body = format!(
        r#"{{"grant_type":"client_credentials","client_id":"{}","client_secret":"{}"}}"#,
        s.emulator.client_id(),
        s.emulator.client_secret()
    );
    for path in ["/oauth/token", "/api/v2/oauth/token"] {
        let response = s
            .raw("POST", path, &[("content-type", "application/json")], &body)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            error_message(&response).first_code(),
            Some(&ErrorCode::UnsupportedMediaType)
        );
    }
}

/// `X-Request-Id` is echoed, or generated as `selfgen-...`; error bodies carry date,
/// endpoint and request id.
pub async fn request_ids_are_echoed_or_generated(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let mine = s
        .raw("GET", "/api/v2/users", &[("x-request-id", "my-id-7")], "")
        .await;
    assert_eq!(mine.headers()["x-request-id"], "my-id-7");
    let theirs = s.raw("GET", "/api/v2/users", &[], "").await;
    assert!(
        theirs.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("selfgen-")
    );

    let response = s
        .raw("POST", "/api/v1/users", &[("x-request-id", "err-id-1")], "")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let token = s.client(ApiVersion::V1).fetch_client_token().await.unwrap();
    let bearer = format!("Bearer {}", token.access_token.expose_secret());
    let response = s
        .raw(
            "POST",
            "/api/v1/users",
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
                ("x-request-id", "err-id-2"),
            ],
            r#"{"id":"bad id"}"#,
        )
        .await;
    let message = error_message(&response);
    assert_eq!(message.request_id.as_deref(), Some("err-id-2"));
    assert_eq!(message.endpoint.as_deref(), Some("POST /api/v1/users"));
    let date = message.date.unwrap();
    assert_eq!(date.len(), "2026-01-01 00:00:00.000".len(), "{date}");
    assert_eq!(&date[4..5], "-");
    assert_eq!(&date[10..11], " ");
}

/// With auto-verification off, a new user's password grant gets 403 until verified.
pub async fn unverified_users_get_403(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default().auto_verify_users(false)).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let err = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(err.error_code(), Some(&ErrorCode::UnauthorizedAccess));
    assert!(s.emulator.set_user_verified(user.id.as_str(), true));
    client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
}

/// After the configured number of failed logins the user is locked: 423 `LOCKED`, even with
/// the right password.
pub async fn locked_users_get_423(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default().max_login_attempts(3)).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let wrong = Password::new("wrong-password").unwrap();
    for _ in 0..3 {
        let err = client.fetch_user_token(&user.id, &wrong).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    }
    let err = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::LOCKED));
    assert_eq!(err.error_code(), Some(&ErrorCode::Locked));
}

/// Concurrent requests are safe: many users at once, and one winner for a contested id.
pub async fn concurrent_requests_are_safe(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let mut tasks = Vec::new();
    for n in 0..40 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let id = UserId::new(format!("many-{n}")).unwrap();
            let password = Password::new(format!("password-{n}")).unwrap();
            client
                .create_user(
                    UserCreateParams::new()
                        .id(id.clone())
                        .password(password.clone()),
                )
                .await
                .unwrap();
            client.fetch_user_token(&id, &password).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut contested = Vec::new();
    for _ in 0..20 {
        let client = client.clone();
        contested.push(tokio::spawn(async move {
            client
                .create_user(UserCreateParams::new().id(UserId::new("contested").unwrap()))
                .await
        }));
    }
    let mut created = 0;
    for task in contested {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => assert_eq!(e.error_code(), Some(&ErrorCode::EntityExists)),
        }
    }
    assert_eq!(created, 1);
}

/// The independent oracle: for user ids, passwords, emails and phone numbers (edge cases
/// and seeded random strings over allowed and forbidden characters), the SDK's validators
/// and the emulator's own rules (written from the spec, `rules.rs`) give the same verdict.
/// A wrong rule on either side fails this test.
pub async fn the_sdk_and_the_emulator_agree_on_every_field_rule(make: MakeTransport) {
    use finapi_access_core::types::{Email, Phone};

    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let token = client.client_token().await.unwrap();
    // Straight to the emulator: many of these bodies break the spec on purpose.
    let transport = make();
    let mut rng = fastrand::Rng::with_seed(20_261_128);
    let pool: Vec<char> = "aZ09-_.+@ &(){}[]:,;?!$#~`^€¡ʯ=%*\"'<>/\\|\tÿĀſǿȀʰ😀\u{0}é"
        .chars()
        .collect();
    let mut random =
        |len: usize| -> String { (0..len).map(|_| pool[rng.usize(..pool.len())]).collect() };
    let mut samples: Vec<String> = vec![
        String::new(),
        "a".into(),
        "abcdef".into(),
        "abcde".into(),
        "x".repeat(36),
        "x".repeat(37),
        "x".repeat(50),
        "x".repeat(51),
        "x".repeat(128),
        "x".repeat(129),
        "x".repeat(320),
        "x".repeat(321),
        "p&ss w+rd€ö".into(),
        "with=equals".into(),
        "100%sure".into(),
        "ünïcødé ok".into(),
        "emoji😀x1".into(),
        "tab\there".into(),
        "alice@example.com".into(),
        "+49 (89) 123-456".into(),
        "ʯʯʯʯʯʯ".into(),
        "ʰʰʰʰʰʰ".into(),
    ];
    // Each character alone in an otherwise valid value, so that one character's verdict
    // decides.
    for c in pool.clone() {
        samples.push(format!("abc{c}def"));
    }
    for c in [
        '!', '=', '%', '*', '\'', '"', '<', '\u{A0}', '\u{A1}', '\u{2AF}', '\u{2B0}', '€', '£',
    ] {
        samples.push(format!("abc{c}def"));
    }
    for n in 0..60 {
        samples.push(random(1 + n % 12));
    }
    let mut checked = 0;
    for (field, sdk_ok) in [
        ("id", (|v: &str| UserId::new(v).is_ok()) as fn(&str) -> bool),
        ("password", |v: &str| {
            finapi_access_core::types::Password::new(v).is_ok()
        }),
        ("email", |v: &str| Email::new(v).is_ok()),
        ("phone", |v: &str| Phone::new(v).is_ok()),
    ] {
        for (n, value) in samples.iter().enumerate() {
            // Unique ids, so that an accepted id never collides with an earlier one.
            let value = if field == "id" && !value.is_empty() && value.chars().count() <= 30 {
                format!("{value}{n:03}")
            } else {
                value.clone()
            };
            let body = serde_json::to_vec(&serde_json::json!({ field: value })).unwrap();
            let request = http::Request::post(format!("{}/api/v2/users", s.emulator.base_url()))
                .header("authorization", format!("Bearer {}", token.expose_secret()))
                .header("content-type", "application/json")
                .body(Bytes::from(body))
                .unwrap();
            let answer = transport.send(request).await.unwrap();
            let emulator_ok = answer.status() == 201;
            assert!(
                emulator_ok || answer.status() == 400 || answer.status() == 422,
                "{field} {value:?}: {}",
                answer.status()
            );
            assert_eq!(
                sdk_ok(&value),
                emulator_ok,
                "{field} {value:?}: the SDK says {}, the emulator answered {}",
                sdk_ok(&value),
                answer.status()
            );
            checked += 1;
        }
    }
    assert!(checked >= 300, "{checked}");
}

/// `X-HTTP-Method-Override` on the operations that declare it: POST /users as PATCH and
/// DELETE, POST /users/{userId} as DELETE; error bodies carry finAPI's error `type` per
/// status and a German-time `date`.
pub async fn method_override_and_error_fidelity(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default().auto_verify_users(false)).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let token = client.client_token().await.unwrap();
    let bearer = format!("Bearer {}", token.expose_secret());
    // DELETE /users/{userId} sent as a POST with the override.
    let path = format!("/api/v2/users/{}", user.id);
    let deleted = s
        .raw(
            "POST",
            &path,
            &[
                ("authorization", &bearer),
                ("x-http-method-override", "DELETE"),
            ],
            "",
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let again = s
        .raw(
            "POST",
            &path,
            &[
                ("authorization", &bearer),
                ("x-http-method-override", "DELETE"),
            ],
            "",
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "it is gone");
    let body = error_message(&again);
    assert_eq!(
        body.errors[0].error_type,
        finapi_access_core::types::ErrorType::Technical
    );
    let date = body.date.clone().unwrap_or_default();
    assert_eq!(date.len(), "2026-11-28 09:00:00.000".len(), "{date}");
    assert_eq!(&date[10..11], " ", "{date}");

    // PATCH /users as a POST with the override, with a user token.
    let verified = s.client(ApiVersion::V2);
    let other = verified.create_user(UserCreateParams::new()).await.unwrap();
    s.emulator.set_user_verified(other.id.as_str(), true);
    let user_token = verified
        .fetch_user_token(&other.id, &other.password)
        .await
        .unwrap();
    let user_bearer = format!("Bearer {}", user_token.access_token.expose_secret());
    let patched = s
        .raw(
            "POST",
            "/api/v2/users",
            &[
                ("authorization", &user_bearer),
                ("x-http-method-override", "PATCH"),
                ("content-type", "application/json"),
            ],
            r#"{"email":"override@example.com"}"#,
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let me: serde_json::Value = serde_json::from_slice(patched.body()).unwrap();
    assert_eq!(me["email"], "override@example.com");
}

/// `changeClientCredentials`: the mandator admin changes a client's secret; the old secret
/// no longer gets tokens, the client's access tokens are revoked, its users' tokens stay
/// valid; a wrong old secret is 422, an ordinary client 403, a bad new secret refused before
/// sending.
pub async fn the_mandator_admin_changes_client_credentials(make: MakeTransport) {
    use finapi_access_core::types::ChangeClientCredentialsParams;

    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let admin = s.client_with(
        ApiVersion::V2,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
    );
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let user_token = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    let old_client_token = client.client_token().await.unwrap();
    let old = ClientSecret::new(s.emulator.client_secret());
    let change = |old: &ClientSecret, new: &str| {
        ChangeClientCredentialsParams::new(
            s.emulator.client_id(),
            old.clone(),
            ClientSecret::new(new),
        )
    };

    let err = client
        .change_client_credentials(&change(&old, "New-Secret-1"))
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::FORBIDDEN),
        "an ordinary client may not: {err}"
    );
    let err = admin
        .change_client_credentials(&change(
            &ClientSecret::new("not-the-secret"),
            "New-Secret-1",
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::UNPROCESSABLE_ENTITY),
        "{err}"
    );
    let err = admin
        .change_client_credentials(&change(&old, "no spaces!"))
        .await
        .unwrap_err();
    let Error::InvalidInput(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.error.field(), "newClientSecret");
    assert!(
        !format!("{err} {err:?}").contains(s.emulator.client_secret()),
        "no secret in the error"
    );

    admin
        .change_client_credentials(&change(&old, "New-Secret-1"))
        .await
        .unwrap();
    // The client's token is revoked; its user's token is not.
    let err = client
        .get_authorized_user(&old_client_token)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::UNAUTHORIZED),
        "revoked: {err}"
    );
    let me = client
        .get_authorized_user(&user_token.access_token)
        .await
        .unwrap();
    assert_eq!(me.id, user.id);
    let verify = s
        .raw(
            "GET",
            &format!("/api/v2/users/verificationStatus?userId={}", user.id),
            &[(
                "authorization",
                &format!("Bearer {}", old_client_token.expose_secret()),
            )],
            "",
        )
        .await;
    assert_eq!(
        verify.status(),
        StatusCode::UNAUTHORIZED,
        "the old client token is revoked"
    );
    // The old secret gets no token; the new one does.
    let stale = s.client(ApiVersion::V2);
    let err = stale.fetch_client_token().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
    let renewed = s.client_with(ApiVersion::V2, s.emulator.client_id(), "New-Secret-1");
    renewed.fetch_client_token().await.unwrap();
}

/// What a service stores per end user between runs: the session's current refresh token
/// resumes the user without the password; the first refresh token of a password session is
/// there after its first token.
pub async fn a_stored_refresh_token_resumes_the_session(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    assert!(session.refresh_token().is_none(), "no token yet");
    session.token().await.unwrap();
    let stored = session.refresh_token().expect("a refresh token to store");
    drop(session);

    // The next run: a new client (a restarted service), the stored refresh token only.
    let client = s.client(ApiVersion::V2);
    let resumed = client.user_session_from_refresh_token(user.id.clone(), stored.clone());
    assert_eq!(
        resumed.refresh_token().unwrap().expose_secret(),
        stored.expose_secret()
    );
    let me = resumed.get_user().await.unwrap();
    assert_eq!(me.id, user.id);
    assert!(resumed.refresh_token().is_some());
}
