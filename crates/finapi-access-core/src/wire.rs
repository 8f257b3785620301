//! Pure functions: finAPI requests as `http::Request<Bytes>`, and `http::Response<Bytes>` as
//! typed results or typed errors. No I/O here, so all of it is testable without a network.

use std::sync::Arc;

use bytes::Bytes;
use finapi_access_types::{
    AccessToken, ClientSecret, ErrorMessage, OAuthError, Password, RefreshToken, UserId,
    ValidationError,
};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method};
use serde::de::DeserializeOwned;

use crate::environment::ApiVersion;
use crate::error::{
    ApiError, Error, OAuthErrorResponse, Operation, TransportFailure, UnexpectedResponse,
};
use crate::redact::{Secrets, decode_reason, snippet};
use crate::request_id::{REQUEST_ID_HEADER, RequestId};
use crate::response::ApiResponse;
use crate::transport::TransportError;

pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json";
const SDK_USER_AGENT: &str = concat!("finapi-access-rust/", env!("CARGO_PKG_VERSION"));

/// An OAuth grant, with what it sends besides the client credentials.
pub(crate) enum Grant<'a> {
    ClientCredentials,
    Password {
        username: &'a UserId,
        password: &'a Password,
    },
    RefreshToken(&'a RefreshToken),
}

/// Which kind of token a revocation names (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenTypeHint {
    AccessToken,
    RefreshToken,
}

impl TokenTypeHint {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
        }
    }
}

impl Grant<'_> {
    /// The `grant_type` value.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::ClientCredentials => "client_credentials",
            Self::Password { .. } => "password",
            Self::RefreshToken(_) => "refresh_token",
        }
    }

    pub(crate) fn operation(&self) -> Operation {
        match self {
            Self::ClientCredentials => Operation::ClientToken,
            Self::Password { .. } => Operation::UserToken,
            Self::RefreshToken(_) => Operation::RefreshToken,
        }
    }
}

fn base_request(method: Method, url: &str, request_id: &RequestId) -> http::request::Builder {
    http::Request::builder()
        .method(method)
        .uri(url)
        .header(ACCEPT, JSON_CONTENT_TYPE)
        .header(USER_AGENT, SDK_USER_AGENT)
        .header(REQUEST_ID_HEADER, request_id.as_str())
}

fn finish(
    operation: Operation,
    builder: http::request::Builder,
    body: impl Into<Bytes>,
) -> Result<http::Request<Bytes>, Error> {
    builder.body(body.into()).map_err(|_| {
        Error::invalid_input(
            operation,
            ValidationError::new("request", "could not be built as an HTTP request"),
        )
    })
}

/// `POST <token path>` with the grant as an `application/x-www-form-urlencoded` body.
pub(crate) fn token_request(
    url: &str,
    client_id: &str,
    client_secret: &ClientSecret,
    grant: &Grant<'_>,
    request_id: &RequestId,
) -> Result<http::Request<Bytes>, Error> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", grant.name());
    form.append_pair("client_id", client_id);
    form.append_pair("client_secret", client_secret.expose_secret());
    match grant {
        Grant::ClientCredentials => {}
        Grant::Password { username, password } => {
            form.append_pair("username", username.as_str());
            form.append_pair("password", password.expose_secret());
        }
        Grant::RefreshToken(token) => {
            form.append_pair("refresh_token", token.expose_secret());
        }
    }
    let builder =
        base_request(Method::POST, url, request_id).header(CONTENT_TYPE, FORM_CONTENT_TYPE);
    finish(grant.operation(), builder, form.finish())
}

fn bearer(operation: Operation, token: &AccessToken) -> Result<HeaderValue, Error> {
    let secret = token.expose_secret();
    let mut header = String::with_capacity(7 + secret.len());
    header.push_str("Bearer ");
    header.push_str(secret);
    let mut value = HeaderValue::try_from(header).map_err(|_| {
        Error::invalid_input(
            operation,
            ValidationError::new("access_token", "holds characters not allowed in a header"),
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A call authorised with `token`, with a JSON body when one is given.
pub(crate) fn bearer_request(
    operation: Operation,
    method: Method,
    url: &str,
    token: &AccessToken,
    json: Option<Vec<u8>>,
    request_id: &RequestId,
) -> Result<http::Request<Bytes>, Error> {
    let builder =
        base_request(method, url, request_id).header(AUTHORIZATION, bearer(operation, token)?);
    match json {
        Some(body) => finish(
            operation,
            builder.header(CONTENT_TYPE, JSON_CONTENT_TYPE),
            body,
        ),
        None => finish(operation, builder, Bytes::new()),
    }
}

/// `value` as a JSON body.
pub(crate) fn json_body(
    operation: Operation,
    value: &impl serde::Serialize,
) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|_| {
        Error::invalid_input(
            operation,
            ValidationError::new("body", "could not be encoded as JSON"),
        )
    })
}

/// A path segment, percent-encoded (user ids are safe already; ids read from finAPI may not be).
pub(crate) fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~+@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A query string from pairs.
pub(crate) fn query(pairs: &[(&str, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

/// Revocation with the client token: v1 sends `token` and `token_type_hint` as query
/// parameters (as finAPI's v1 spec says), v2 as a form body.
pub(crate) fn revoke_request(
    version: ApiVersion,
    url: &str,
    client_token: &AccessToken,
    token: &str,
    hint: Option<TokenTypeHint>,
    request_id: &RequestId,
) -> Result<http::Request<Bytes>, Error> {
    let operation = Operation::Revoke;
    let mut params = form_urlencoded::Serializer::new(String::new());
    params.append_pair("token", token);
    if let Some(hint) = hint {
        params.append_pair("token_type_hint", hint.as_str());
    }
    let params = params.finish();
    match version {
        ApiVersion::V1 => {
            let builder = base_request(Method::POST, &format!("{url}?{params}"), request_id)
                .header(AUTHORIZATION, bearer(operation, client_token)?);
            finish(operation, builder, Bytes::new())
        }
        ApiVersion::V2 => {
            let builder = base_request(Method::POST, url, request_id)
                .header(AUTHORIZATION, bearer(operation, client_token)?)
                .header(CONTENT_TYPE, FORM_CONTENT_TYPE);
            finish(operation, builder, params)
        }
    }
}

/// The request id finAPI echoed, else the one sent.
fn answered_request_id(response: &http::Response<Bytes>, sent: RequestId) -> RequestId {
    response
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(RequestId::from_header)
        .unwrap_or(sent)
}

fn content_type(response: &http::Response<Bytes>) -> Option<String> {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn unexpected(
    operation: Operation,
    response: &http::Response<Bytes>,
    request_id: RequestId,
    reason: String,
    secrets: &Secrets<'_>,
) -> Error {
    Error::UnexpectedResponse(Arc::new(UnexpectedResponse {
        operation,
        status: response.status(),
        request_id,
        content_type: content_type(response),
        reason,
        snippet: snippet(response.body(), secrets),
    }))
}

/// Decodes a success body as `T`, or the error body of a failure.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: Operation,
    response: &http::Response<Bytes>,
    sent: RequestId,
    secrets: &Secrets<'_>,
) -> Result<ApiResponse<T>, Error> {
    let request_id = answered_request_id(response, sent);
    let status = response.status();
    if !status.is_success() {
        return Err(decode_error(operation, response, request_id, secrets));
    }
    match serde_json::from_slice::<T>(response.body()) {
        Ok(value) => Ok(ApiResponse::new(value, status, request_id)),
        Err(e) => {
            let reason = if response.body().is_empty() {
                "empty body".to_owned()
            } else {
                format!("body does not decode: {}", decode_reason(&e))
            };
            Err(unexpected(operation, response, request_id, reason, secrets))
        }
    }
}

/// Accepts any success, whatever its body (finAPI answers some calls with an empty 200).
pub(crate) fn decode_empty(
    operation: Operation,
    response: &http::Response<Bytes>,
    sent: RequestId,
    secrets: &Secrets<'_>,
) -> Result<ApiResponse<()>, Error> {
    let request_id = answered_request_id(response, sent);
    if response.status().is_success() {
        Ok(ApiResponse::new((), response.status(), request_id))
    } else {
        Err(decode_error(operation, response, request_id, secrets))
    }
}

/// Turns an error response into [`Error::Api`], [`Error::OAuth`] or
/// [`Error::UnexpectedResponse`], trying finAPI's shapes in that order.
fn decode_error(
    operation: Operation,
    response: &http::Response<Bytes>,
    request_id: RequestId,
    secrets: &Secrets<'_>,
) -> Error {
    let status = response.status();
    let body = response.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return unexpected(
            operation,
            response,
            request_id,
            "empty body".to_owned(),
            secrets,
        );
    }
    if let Ok(mut message) = serde_json::from_slice::<ErrorMessage>(body) {
        for detail in &mut message.errors {
            detail.message = detail.message.as_deref().map(|m| secrets.scrub(m));
        }
        return Error::Api(Arc::new(ApiError {
            operation,
            status,
            request_id,
            message,
            attempts: 1,
            note: None,
        }));
    }
    if let Ok(mut oauth) = serde_json::from_slice::<OAuthError>(body) {
        oauth.error = secrets.scrub(&oauth.error);
        oauth.error_description = oauth.error_description.as_deref().map(|d| secrets.scrub(d));
        return Error::OAuth(Arc::new(OAuthErrorResponse {
            operation,
            status,
            request_id,
            body: oauth,
        }));
    }
    let reason = match content_type(response) {
        Some(ct) => format!("not a finAPI error body ({ct})"),
        None => "not a finAPI error body".to_owned(),
    };
    unexpected(operation, response, request_id, reason, secrets)
}

/// Wraps a transport failure with the operation, the request id that was sent and the
/// number of attempts; a timeout or I/O failure of a non-idempotent request is ambiguous.
pub(crate) fn transport_failure(
    operation: Operation,
    request_id: RequestId,
    source: TransportError,
    attempts: u32,
) -> Error {
    let may_have_taken_effect =
        !operation.is_idempotent() && !matches!(source.kind(), crate::TransportErrorKind::Connect);
    Error::Transport(Arc::new(TransportFailure {
        operation,
        request_id,
        source,
        attempts,
        may_have_taken_effect,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use finapi_access_types::{ErrorCode, TokenResponse, UserCreateParams};
    use http::StatusCode;

    fn rid() -> RequestId {
        RequestId::new("rid-1").unwrap()
    }

    fn form_of(request: &http::Request<Bytes>) -> Vec<(String, String)> {
        form_urlencoded::parse(request.body())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn client_credentials_form_body_and_headers() {
        let secret = ClientSecret::new("s&c=r+e%t ü");
        let request = token_request(
            "https://x.example/api/v2/oauth/token",
            "cid",
            &secret,
            &Grant::ClientCredentials,
            &rid(),
        )
        .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().query(), None);
        assert_eq!(request.headers()[CONTENT_TYPE], FORM_CONTENT_TYPE);
        assert_eq!(request.headers()[REQUEST_ID_HEADER], "rid-1");
        assert_eq!(
            form_of(&request),
            vec![
                ("grant_type".into(), "client_credentials".into()),
                ("client_id".into(), "cid".into()),
                ("client_secret".into(), "s&c=r+e%t ü".into()),
            ]
        );
    }

    #[test]
    fn password_grant_encodes_every_special_character() {
        let user = UserId::new("u+1@x").unwrap();
        let password = Password::new("a&b=c+d%e f€ö").unwrap();
        let request = token_request(
            "https://x.example/oauth/token",
            "cid",
            &ClientSecret::new("sec"),
            &Grant::Password {
                username: &user,
                password: &password,
            },
            &rid(),
        )
        .unwrap();
        let raw = std::str::from_utf8(request.body()).unwrap();
        assert!(!raw.contains("a&b"), "{raw}");
        let form = form_of(&request);
        assert!(form.contains(&("username".into(), "u+1@x".into())));
        assert!(form.contains(&("password".into(), "a&b=c+d%e f€ö".into())));
    }

    #[test]
    fn create_user_request_is_json_with_a_sensitive_bearer() {
        let params = UserCreateParams::new().id(UserId::new("u1").unwrap());
        let request = bearer_request(
            Operation::CreateUser,
            Method::POST,
            "https://x.example/api/v2/users",
            &AccessToken::new("tok"),
            Some(json_body(Operation::CreateUser, &params).unwrap()),
            &rid(),
        )
        .unwrap();
        assert_eq!(request.headers()[AUTHORIZATION], "Bearer tok");
        assert!(request.headers()[AUTHORIZATION].is_sensitive());
        assert_eq!(request.headers()[CONTENT_TYPE], JSON_CONTENT_TYPE);
        assert_eq!(request.headers()[ACCEPT], JSON_CONTENT_TYPE);
        assert_eq!(&request.body()[..], br#"{"id":"u1"}"#);
    }

    fn response(status: u16, body: &str) -> http::Response<Bytes> {
        http::Response::builder()
            .status(status)
            .header(REQUEST_ID_HEADER, "echoed")
            .body(Bytes::from(body.to_owned()))
            .unwrap()
    }

    proptest::proptest! {
        #[test]
        fn any_credentials_round_trip_through_the_form_encoding(
            client_id in "(?s).{1,40}",
            secret in "(?s).{1,64}",
            user in "[A-Za-z0-9._+@-]{1,36}",
            password in "(?s).{6,128}",
        ) {
            let user_id = UserId::new(user.clone()).unwrap();
            let pw = Password::new(password.clone()).unwrap();
            let request = token_request(
                "https://x.example/api/v2/oauth/token",
                &client_id,
                &ClientSecret::new(secret.clone()),
                &Grant::Password { username: &user_id, password: &pw },
                &rid(),
            )
            .unwrap();
            let form = form_of(&request);
            proptest::prop_assert_eq!(form, vec![
                ("grant_type".to_owned(), "password".to_owned()),
                ("client_id".to_owned(), client_id),
                ("client_secret".to_owned(), secret),
                ("username".to_owned(), user),
                ("password".to_owned(), password),
            ]);
            let raw = std::str::from_utf8(request.body()).unwrap();
            proptest::prop_assert!(raw.bytes().all(|b| b.is_ascii_graphic()), "only ASCII on the wire: {}", raw);
        }
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("a.b-c_d+e@f"), "a.b-c_d+e@f");
        assert_eq!(path_segment("a/b c%"), "a%2Fb%20c%25");
    }

    #[test]
    fn success_decodes_with_the_echoed_request_id() {
        let r = response(
            200,
            r#"{"access_token":"a","token_type":"bearer","expires_in":5}"#,
        );
        let ok = decode::<TokenResponse>(Operation::ClientToken, &r, rid(), &Secrets::default())
            .unwrap();
        assert_eq!(ok.request_id().as_str(), "echoed");
        assert_eq!(ok.expires_in.as_secs(), 5);
    }

    #[test]
    fn error_shapes_are_told_apart() {
        let api = response(
            422,
            r#"{"errors":[{"message":"exists","code":"ENTITY_EXISTS","type":"BUSINESS"}]}"#,
        );
        let err = decode::<TokenResponse>(Operation::CreateUser, &api, rid(), &Secrets::default())
            .unwrap_err();
        assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
        assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));

        let oauth = response(
            401,
            r#"{"error":"invalid_client","error_description":"Bad client credentials"}"#,
        );
        let err =
            decode::<TokenResponse>(Operation::ClientToken, &oauth, rid(), &Secrets::default())
                .unwrap_err();
        assert!(matches!(err, Error::OAuth(_)), "{err:?}");

        let html = response(500, "<html><body>Bad gateway</body></html>");
        let err =
            decode::<TokenResponse>(Operation::ClientToken, &html, rid(), &Secrets::default())
                .unwrap_err();
        let Error::UnexpectedResponse(details) = &err else {
            panic!("{err:?}")
        };
        assert!(details.snippet.contains("Bad gateway"));
    }

    #[test]
    fn echoed_secrets_are_scrubbed_from_error_messages() {
        let oauth = response(
            401,
            r#"{"error":"invalid_token","error_description":"Invalid access token: tok-SECRET-1"}"#,
        );
        let err = decode::<TokenResponse>(
            Operation::CreateUser,
            &oauth,
            rid(),
            &Secrets::new(["tok-SECRET-1"]),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(!format!("{err:?}").contains("SECRET"));
    }

    #[test]
    fn a_success_body_missing_a_field_names_it_without_leaking_values() {
        let r = response(
            200,
            r#"{"access_token":"tok-SECRET-2","token_type":"bearer"}"#,
        );
        let err = decode::<TokenResponse>(Operation::ClientToken, &r, rid(), &Secrets::default())
            .unwrap_err();
        assert!(err.to_string().contains("expires_in"), "{err}");
        assert!(!format!("{err:?} {err}").contains("SECRET"));
    }
}
