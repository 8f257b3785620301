//! The conformance cases. Each takes a transport factory and asserts one behaviour.

use std::error::Error as _;

use finapi_access_core::types::{
    Email, ErrorCode, Password, Phone, TokenType, UserCreateParams, UserId,
};
use finapi_access_core::{ApiVersion, Error, Operation, RequestId, TransportErrorKind};
use http::StatusCode;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::MakeTransport;
use crate::harness::{
    ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, Echo, FormIs, REFRESH_TOKEN, USER_PASSWORD,
    assert_no_secrets, error_body, form_fields, received, setup, token_body,
};

async fn mount_token(server: &wiremock::MockServer, token_path: &str, refresh: bool) {
    Mock::given(method("POST"))
        .and(path(token_path))
        .respond_with(Echo(
            ResponseTemplate::new(200).set_body_json(token_body(refresh)),
        ))
        .mount(server)
        .await;
}

async fn client_token_request_on(make: MakeTransport, version: ApiVersion, token_path: &str) {
    let s = setup(make, version).await;
    mount_token(&s.server, token_path, false).await;
    let token = s.client.fetch_client_token().await.unwrap();

    let requests = received(&s.server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), token_path);
    assert_eq!(
        request.url.query(),
        None,
        "credentials must never travel in the query"
    );
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(request.headers["accept"], "application/json");
    assert!(request.headers.get("authorization").is_none());
    let sent_id = request.headers["x-request-id"].to_str().unwrap();
    assert!(!sent_id.is_empty());
    assert_eq!(token.request_id().as_str(), sent_id);
    let mut fields = form_fields(request);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            ("client_id".to_owned(), CLIENT_ID.to_owned()),
            ("client_secret".to_owned(), CLIENT_SECRET.to_owned()),
            ("grant_type".to_owned(), "client_credentials".to_owned()),
        ]
    );
}

/// Step 1 on v2: `POST /api/v2/oauth/token` with a form body and nothing in the query.
pub async fn client_token_sends_form_body(make: MakeTransport) {
    client_token_request_on(make, ApiVersion::V2, "/api/v2/oauth/token").await;
}

/// Step 1 on v1: `POST /oauth/token`.
pub async fn client_token_uses_v1_path(make: MakeTransport) {
    client_token_request_on(make, ApiVersion::V1, "/oauth/token").await;
}

/// The token response decodes: token, case-insensitive type, string `expires_in`.
pub async fn client_token_decodes_success(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": "0", "scope": "all"
        })))
        .mount(&s.server)
        .await;
    let token = s.client.fetch_client_token().await.unwrap();
    assert_eq!(token.status(), StatusCode::OK);
    assert_eq!(token.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(token.token_type, TokenType::Bearer);
    assert_eq!(token.expires_in.lifetime(), None, "0 means never expires");
    assert_eq!(token.scope.as_deref(), Some("all"));
}

/// A caller-supplied `X-Request-Id` is sent and returned.
pub async fn client_token_sends_caller_request_id(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(header("x-request-id", "caller-chosen-id-1"))
        .respond_with(Echo(
            ResponseTemplate::new(200).set_body_json(token_body(false)),
        ))
        .expect(1)
        .mount(&s.server)
        .await;
    let token = s
        .client
        .fetch_client_token()
        .request_id(RequestId::new("caller-chosen-id-1").unwrap())
        .await
        .unwrap();
    assert_eq!(token.request_id().as_str(), "caller-chosen-id-1");
}

/// Every call sends a different generated request id.
pub async fn request_ids_are_generated_per_request(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_token(&s.server, "/api/v2/oauth/token", false).await;
    let a = s.client.fetch_client_token().await.unwrap();
    let b = s.client.fetch_client_token().await.unwrap();
    assert_ne!(a.request_id(), b.request_id());
}

async fn create_user_request_on(
    make: MakeTransport,
    version: ApiVersion,
    token_path: &str,
    users_path: &str,
) {
    let s = setup(make, version).await;
    mount_token(&s.server, token_path, false).await;
    let expected_body = json!({
        "id": "alice+1@example.com",
        "password": USER_PASSWORD,
        "email": "alice@example.com",
        "phone": "+49 89 123456",
        "isAutoUpdateEnabled": true,
    });
    Mock::given(method("POST"))
        .and(path(users_path))
        .and(header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(&expected_body))
        .respond_with(Echo(
            ResponseTemplate::new(201).set_body_json(&expected_body),
        ))
        .expect(1)
        .mount(&s.server)
        .await;
    let params = UserCreateParams::new()
        .id(UserId::new("alice+1@example.com").unwrap())
        .password(Password::new(USER_PASSWORD).unwrap())
        .email(Email::new("alice@example.com").unwrap())
        .phone(Phone::new("+49 89 123456").unwrap())
        .auto_update(true);
    let user = s.client.create_user(params).await.unwrap();
    assert_eq!(user.status(), StatusCode::CREATED);
    assert_eq!(user.id.as_str(), "alice+1@example.com");
    assert_eq!(user.password.expose_secret(), USER_PASSWORD);
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert!(user.is_auto_update_enabled);

    let requests = received(&s.server).await;
    assert_eq!(requests.len(), 2, "one token request, one create");
    assert_eq!(requests[0].url.path(), token_path);
    let create = &requests[1];
    assert_eq!(
        user.request_id().as_str(),
        create.headers["x-request-id"].to_str().unwrap()
    );
    assert_ne!(
        requests[0].headers["x-request-id"], create.headers["x-request-id"],
        "each request has its own id"
    );
}

/// Step 2 on v2: JSON body, client token as bearer, `Accept: application/json`.
pub async fn create_user_sends_json_with_client_bearer(make: MakeTransport) {
    create_user_request_on(make, ApiVersion::V2, "/api/v2/oauth/token", "/api/v2/users").await;
}

/// Step 2 on v1: `POST /api/v1/users` after `POST /oauth/token`.
pub async fn create_user_uses_v1_path(make: MakeTransport) {
    create_user_request_on(make, ApiVersion::V1, "/oauth/token", "/api/v1/users").await;
}

/// Every field is optional: no fields sends `{}` and decodes the generated credentials.
pub async fn create_user_without_fields_sends_empty_object(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_token(&s.server, "/api/v2/oauth/token", false).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "generated-7f3a", "password": "generated-pw-9c1d", "email": null, "phone": null,
            "isAutoUpdateEnabled": false
        })))
        .expect(1)
        .mount(&s.server)
        .await;
    let user = s.client.create_user(UserCreateParams::new()).await.unwrap();
    assert_eq!(user.id.as_str(), "generated-7f3a");
    assert_eq!(user.password.expose_secret(), "generated-pw-9c1d");
    assert_eq!(user.email, None);
    assert_eq!(user.phone, None);
}

/// The client token is fetched once and reused for later calls.
pub async fn create_user_reuses_the_cached_client_token(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(false)))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "u", "password": "pppppp", "email": null, "phone": null, "isAutoUpdateEnabled": false
        })))
        .expect(2)
        .mount(&s.server)
        .await;
    s.client.create_user(UserCreateParams::new()).await.unwrap();
    s.client.create_user(UserCreateParams::new()).await.unwrap();
}

async fn user_token_request_on(make: MakeTransport, version: ApiVersion, token_path: &str) {
    let s = setup(make, version).await;
    Mock::given(method("POST"))
        .and(path(token_path))
        .and(FormIs(vec![
            ("grant_type", "password".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
            ("username", "alice".to_owned()),
            ("password", USER_PASSWORD.to_owned()),
        ]))
        .respond_with(Echo(
            ResponseTemplate::new(200).set_body_json(token_body(true)),
        ))
        .expect(1)
        .mount(&s.server)
        .await;
    let user = UserId::new("alice").unwrap();
    let password = Password::new(USER_PASSWORD).unwrap();
    let token = s.client.fetch_user_token(&user, &password).await.unwrap();
    assert_eq!(token.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(
        token.refresh_token.as_ref().unwrap().expose_secret(),
        REFRESH_TOKEN
    );
    let request = &received(&s.server).await[0];
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(request.url.query(), None);
}

/// Step 3 on v2: the password grant with all four fields in the form body.
pub async fn user_token_sends_password_grant(make: MakeTransport) {
    user_token_request_on(make, ApiVersion::V2, "/api/v2/oauth/token").await;
}

/// Step 3 on v1.
pub async fn user_token_uses_v1_path(make: MakeTransport) {
    user_token_request_on(make, ApiVersion::V1, "/oauth/token").await;
}

/// A password with `&+ ` and non-ASCII characters of finAPI's allowed set arrives byte for
/// byte, and its raw form never appears unencoded in the body; characters finAPI does not
/// allow (`=`, `%`, CJK, emoji) are refused before sending.
pub async fn password_with_special_characters_round_trips(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_token(&s.server, "/api/v2/oauth/token", false).await;
    for refused in ["a=b&c=d", "%25%26 pre-encoded", "ümläut€漢字😀"] {
        let err = Password::new(refused).unwrap_err();
        assert_eq!(err.field(), "password");
    }
    for password in [
        USER_PASSWORD,
        "  leading and trailing  ",
        "+2B&26 looks encoded",
        "ümläut€ ßçñ ǿʯ",
    ] {
        let user = UserId::new("bob").unwrap();
        s.client
            .fetch_user_token(&user, &Password::new(password).unwrap())
            .await
            .unwrap();
    }
    let requests = received(&s.server).await;
    let decoded: Vec<String> = requests
        .iter()
        .map(|r| {
            form_fields(r)
                .into_iter()
                .find(|(k, _)| k == "password")
                .unwrap()
                .1
        })
        .collect();
    assert_eq!(
        decoded,
        vec![
            USER_PASSWORD,
            "  leading and trailing  ",
            "+2B&26 looks encoded",
            "ümläut€ ßçñ ǿʯ"
        ]
    );
    let raw = String::from_utf8(requests[0].body.clone()).unwrap();
    assert!(!raw.contains("p&ss"), "{raw}");
}

/// A refresh-token grant sends `grant_type=refresh_token` with the token and credentials.
pub async fn refresh_grant_sends_refresh_token(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(FormIs(vec![
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
            ("refresh_token", REFRESH_TOKEN.to_owned()),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(true)))
        .expect(1)
        .mount(&s.server)
        .await;
    let refresh = finapi_access_core::types::RefreshToken::new(REFRESH_TOKEN);
    s.client.refresh_user_token(&refresh).await.unwrap();
}

async fn token_error(make: MakeTransport, response: ResponseTemplate) -> (Error, String) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(Echo(response))
        .mount(&s.server)
        .await;
    let user = UserId::new("alice").unwrap();
    let password = Password::new(USER_PASSWORD).unwrap();
    let err = s
        .client
        .fetch_user_token(&user, &password)
        .await
        .unwrap_err();
    let sent = received(&s.server).await[0].headers["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    (err, sent)
}

/// 400 with `ErrorMessage` (bad user credentials) is an API error with code and request id.
pub async fn bad_user_credentials_is_api_error(make: MakeTransport) {
    let (err, sent) = token_error(
        make,
        ResponseTemplate::new(400).set_body_json(error_body(
            "BAD_REQUEST",
            "Bad user credentials",
            "POST /api/v2/oauth/token",
        )),
    )
    .await;
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.error_code(), Some(&ErrorCode::BadRequest));
    assert_eq!(err.request_id().unwrap().as_str(), sent);
    assert_eq!(err.operation(), Operation::USER_TOKEN);
    let line = err.to_string();
    assert!(!line.contains('\n'));
    assert!(
        line.contains("user token") && line.contains("400") && line.contains(&sent),
        "{line}"
    );
    assert_eq!(
        err.error_message().unwrap().first_message(),
        Some("Bad user credentials")
    );
}

/// 401 with `{error, error_description}` (bad client credentials) is an OAuth error.
pub async fn bad_client_credentials_is_oauth_error(make: MakeTransport) {
    let (err, sent) = token_error(
        make,
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "Bad client credentials"
        })),
    )
    .await;
    let Error::OAuth(oauth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(oauth.body.error, "invalid_client");
    assert_eq!(
        oauth.body.error_description.as_deref(),
        Some("Bad client credentials")
    );
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.request_id().unwrap().as_str(), sent);
    assert!(err.to_string().contains("invalid_client"));
}

/// 401 with finAPI's camelCase `errorDescription` decodes the same way.
pub async fn oauth_error_accepts_camel_case_description(make: MakeTransport) {
    let (err, _) = token_error(
        make,
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_token", "errorDescription": "Not authenticated"
        })),
    )
    .await;
    let Error::OAuth(oauth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        oauth.body.error_description.as_deref(),
        Some("Not authenticated")
    );
}

/// 403 (user not verified) is an API error with `UNAUTHORIZED_ACCESS`.
pub async fn forbidden_is_api_error(make: MakeTransport) {
    let (err, _) = token_error(
        make,
        ResponseTemplate::new(403).set_body_json(error_body(
            "UNAUTHORIZED_ACCESS",
            "Access is denied",
            "POST /api/v2/oauth/token",
        )),
    )
    .await;
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(err.error_code(), Some(&ErrorCode::UnauthorizedAccess));
}

/// 423 (user locked) is an API error with `LOCKED`.
pub async fn locked_user_is_api_error(make: MakeTransport) {
    let (err, _) = token_error(
        make,
        ResponseTemplate::new(423).set_body_json(error_body(
            "LOCKED",
            "User is locked",
            "POST /api/v2/oauth/token",
        )),
    )
    .await;
    assert_eq!(err.status(), Some(StatusCode::LOCKED));
    assert_eq!(err.error_code(), Some(&ErrorCode::Locked));
}

/// A code this SDK does not know decodes to `ErrorCode::Unknown` instead of failing.
pub async fn unknown_error_code_is_kept(make: MakeTransport) {
    let (err, _) = token_error(
        make,
        ResponseTemplate::new(400).set_body_json(error_body(
            "SOMETHING_NEW_2027",
            "new",
            "POST /api/v2/oauth/token",
        )),
    )
    .await;
    assert_eq!(
        err.error_code(),
        Some(&ErrorCode::Unknown("SOMETHING_NEW_2027".to_owned()))
    );
}

/// 500 with an HTML page is an undecodable response with a short snippet and the status.
pub async fn html_500_is_unexpected_response(make: MakeTransport) {
    let page = format!(
        "<html><head><title>502 Proxy Error</title></head><body>{}</body></html>",
        "upstream failed ".repeat(100)
    );
    let (err, sent) = token_error(
        make,
        ResponseTemplate::new(500).set_body_raw(page, "text/html; charset=utf-8"),
    )
    .await;
    let Error::UnexpectedResponse(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        details.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(details.snippet.contains("Proxy Error"));
    assert!(
        details.snippet.chars().count() <= 201,
        "{}",
        details.snippet
    );
    assert_eq!(err.request_id().unwrap().as_str(), sent);
    assert!(
        !err.to_string().contains("upstream failed upstream"),
        "Display stays one short line"
    );
}

/// An error status with an empty body is an undecodable response saying so.
pub async fn empty_error_body_is_unexpected_response(make: MakeTransport) {
    let (err, _) = token_error(make, ResponseTemplate::new(502)).await;
    let Error::UnexpectedResponse(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.status, StatusCode::BAD_GATEWAY);
    assert_eq!(details.reason, "empty body");
}

/// A 200 with an empty body is an undecodable response, not a panic or a default token.
pub async fn empty_success_body_is_unexpected_response(make: MakeTransport) {
    let (err, _) = token_error(make, ResponseTemplate::new(200)).await;
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::OK));
}

/// 422 `ENTITY_EXISTS` on create user.
pub async fn create_user_conflict_is_entity_exists(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    mount_token(&s.server, "/api/v2/oauth/token", false).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(Echo(ResponseTemplate::new(422).set_body_json(error_body(
            "ENTITY_EXISTS",
            "User with id 'alice' already exists",
            "POST /api/v2/users",
        ))))
        .mount(&s.server)
        .await;
    let params = UserCreateParams::new().id(UserId::new("alice").unwrap());
    let err = s.client.create_user(params).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
    assert_eq!(err.operation(), Operation::CREATE_USER);
    let create = &received(&s.server).await[1];
    assert_eq!(
        err.request_id().unwrap().as_str(),
        create.headers["x-request-id"].to_str().unwrap()
    );
}

/// When the token step of create user fails, the error names the token step.
pub async fn create_user_reports_a_failed_token_step(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "Bad client credentials"
        })))
        .mount(&s.server)
        .await;
    let err = s
        .client
        .create_user(UserCreateParams::new())
        .await
        .unwrap_err();
    assert_eq!(err.operation(), Operation::CLIENT_TOKEN);
    assert_eq!(
        received(&s.server).await.len(),
        1,
        "no create without a token"
    );
}

/// Without an echoed `X-Request-Id`, errors carry the id that was sent.
pub async fn error_without_echo_keeps_the_sent_request_id(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body(
            "UNEXPECTED_ERROR",
            "boom",
            "x",
        )))
        .mount(&s.server)
        .await;
    let err = s
        .client
        .fetch_client_token()
        .request_id(RequestId::new("mine-123").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.request_id().unwrap().as_str(), "mine-123");
    assert_eq!(err.error_code(), Some(&ErrorCode::UnexpectedError));
}

/// Redirects are not followed: a 302 comes back as an error, and the form is not re-sent.
pub async fn redirects_are_not_followed(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", s.server.uri()).as_str()),
        )
        .mount(&s.server)
        .await;
    let err = s.client.fetch_client_token().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FOUND));
    assert_eq!(
        received(&s.server).await.len(),
        1,
        "the redirect was not followed"
    );
}

/// A body over the limit (1 MiB by default) fails with `BodyTooLarge`, not an allocation.
pub async fn oversized_body_is_refused(make: MakeTransport) {
    let (err, sent) = token_error(
        make,
        ResponseTemplate::new(200).set_body_raw(vec![b'x'; 2 * 1024 * 1024], "application/json"),
    )
    .await;
    let transport = err.transport_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(transport.kind(), TransportErrorKind::BodyTooLarge);
    assert_eq!(err.request_id().unwrap().as_str(), sent);
}

/// A refused connection is a transport error of kind `Connect`, with the request id.
pub async fn refused_connection_is_connect_error(make: MakeTransport) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = crate::harness::client_for(&url, make(), ApiVersion::V2);
    let err = client
        .fetch_client_token()
        .request_id(RequestId::new("refused-1").unwrap())
        .await
        .unwrap_err();
    let transport = err.transport_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert_eq!(err.request_id().unwrap().as_str(), "refused-1");
    assert!(err.source().is_some(), "the transport error is the source");
    assert_eq!(err.status(), None);
}

/// Nothing printable holds a secret: the client, credentials, tokens, users and every error.
pub async fn debug_and_display_never_show_secrets(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(FormIs(vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(true)))
        .mount(&s.server)
        .await;
    // A misbehaving server that echoes the credentials and the token back in its errors.
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(FormIs(vec![
            ("grant_type", "password".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
            ("username", "alice".to_owned()),
            ("password", USER_PASSWORD.to_owned()),
        ]))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body(
            "BAD_REQUEST",
            &format!("bad password {USER_PASSWORD} for secret {CLIENT_SECRET}"),
            "POST /api/v2/oauth/token",
        )))
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_token",
            "error_description": format!("Invalid access token: {ACCESS_TOKEN}")
        })))
        .mount(&s.server)
        .await;

    // A proxy page that echoes the form it got, with the client secret and refresh token.
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(FormIs(vec![
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", CLIENT_SECRET.to_owned()),
            ("refresh_token", REFRESH_TOKEN.to_owned()),
        ]))
        .respond_with(|request: &wiremock::Request| {
            let echoed = String::from_utf8_lossy(&request.body).into_owned();
            ResponseTemplate::new(502).set_body_raw(
                format!("<html>bad gateway; request was: {echoed} ({CLIENT_SECRET}, {REFRESH_TOKEN})</html>"),
                "text/html",
            )
        })
        .mount(&s.server)
        .await;

    let token = s.client.fetch_client_token().await.unwrap();
    let password = Password::new(USER_PASSWORD).unwrap();
    let params = UserCreateParams::new()
        .id(UserId::new("alice").unwrap())
        .password(password.clone());
    let token_error = s
        .client
        .fetch_user_token(&UserId::new("alice").unwrap(), &password)
        .await
        .unwrap_err();
    let create_error = s.client.create_user(params.clone()).await.unwrap_err();
    let refresh = finapi_access_core::types::RefreshToken::new(REFRESH_TOKEN);
    let proxy_error = s.client.refresh_user_token(&refresh).await.unwrap_err();
    let Error::UnexpectedResponse(proxy_details) = &proxy_error else {
        panic!("{proxy_error:?}")
    };
    assert!(
        proxy_details.snippet.contains("bad gateway"),
        "{}",
        proxy_details.snippet
    );

    let mut printed = vec![
        ("client", format!("{:?}", s.client)),
        ("token response", format!("{token:?}")),
        ("password", format!("{password:?}")),
        ("create params", format!("{params:?}")),
        (
            "secret",
            format!(
                "{:?}",
                finapi_access_core::types::ClientSecret::new(CLIENT_SECRET)
            ),
        ),
    ];
    for (what, err) in [
        ("token error", &token_error),
        ("create error", &create_error),
        ("proxy error", &proxy_error),
    ] {
        printed.push((what, format!("{err} | {err:?} | {err:#?}")));
        let mut source = err.source();
        while let Some(cause) = source {
            printed.push((what, format!("{cause} | {cause:?}")));
            source = cause.source();
        }
    }
    for (what, text) in &printed {
        assert_no_secrets(what, text);
    }
    assert!(printed[0].1.contains("[redacted]"));
    assert!(
        proxy_details.snippet.contains("[redacted]"),
        "the echoed form was scrubbed, not dropped: {}",
        proxy_details.snippet
    );
    assert!(
        token_error.to_string().contains("[redacted]"),
        "{token_error}"
    );
}

/// Invalid input is refused before anything is sent, naming the field.
pub async fn invalid_input_is_refused_before_sending(make: MakeTransport) {
    // The client under test, with the adapter under test, points at the mock server: if
    // any refused call sent anything, `received` would show it.
    let s = setup(make, ApiVersion::V2).await;
    let err = UserId::new("has a space").unwrap_err();
    assert_eq!(err.field(), "id");
    let err = Password::new("short").unwrap_err();
    assert_eq!(err.field(), "password");

    let bad_psu = finapi_access_core::PsuHeaders::new().ip_address("1.2.3.4\r\nX-Injected: 1");
    let err = s
        .client
        .create_user(UserCreateParams::new())
        .psu_headers(bad_psu)
        .await
        .unwrap_err();
    let Error::InvalidInput(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.error.field(), "PSU-IP-Address");

    let session = s.client.user_session(
        UserId::new("alice").unwrap(),
        Password::new(USER_PASSWORD).unwrap(),
    );
    let err = session
        .update_user(&finapi_access_core::types::UserUpdateParams::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");

    let mut query = finapi_access_core::types::UserListQuery::new();
    query.per_page = 0; // set past the checking setter: list_users checks again
    let err = s.client.list_users(&query).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");

    let request = finapi_access_core::ApiRequest::new(
        Operation::new("custom", true),
        http::Method::GET,
        "/api/v2/anything",
    )
    .header(http::HeaderName::from_static("x-custom"), "a\nb");
    let err = s.client.send(request).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");

    let err = finapi_access_core::AccessClient::builder()
        .base_url("http://finapi.example.com")
        .credentials(
            CLIENT_ID,
            finapi_access_core::types::ClientSecret::new(CLIENT_SECRET),
        )
        .shared_transport(make())
        .build()
        .unwrap_err();
    let Error::InvalidInput(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.error.field(), "base_url");
    assert!(
        received(&s.server).await.is_empty(),
        "nothing was sent, not even a token request"
    );
}
