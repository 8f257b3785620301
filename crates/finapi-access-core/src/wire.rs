//! Pure functions: the parts of a finAPI request as `http` values, and error answers as typed
//! errors. No I/O here, so all of it is testable without a network.

use std::sync::Arc;

use bytes::Bytes;
use finapi_access_types::{AccessToken, ErrorMessage, OAuthError, ValidationError};
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method};

use crate::error::{
    ApiError, Error, ErrorDecoder, ErrorResponse, OAuthErrorResponse, Operation, TransportFailure,
    UnexpectedResponse,
};
use crate::redact::{Secrets, snippet};
use crate::request_id::{REQUEST_ID_HEADER, RequestId};
use crate::transport::TransportError;

pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json";
const SDK_USER_AGENT: &str = concat!("finapi-access-rust/", env!("CARGO_PKG_VERSION"));
/// The header names and values every request carries, made once (by name, a header is parsed
/// and hashed on every request).
const REQUEST_ID_NAME: http::HeaderName = http::HeaderName::from_static(REQUEST_ID_HEADER);
const ACCEPT_JSON: HeaderValue = HeaderValue::from_static(JSON_CONTENT_TYPE);
const SDK_USER_AGENT_VALUE: HeaderValue = HeaderValue::from_static(SDK_USER_AGENT);

/// The headers every request carries: `Accept`, `User-Agent`, `X-Request-Id`.
pub(crate) fn base_request(
    method: Method,
    url: &str,
    request_id: &RequestId,
) -> http::request::Builder {
    http::Request::builder()
        .method(method)
        .uri(url)
        .header(ACCEPT, ACCEPT_JSON)
        .header(USER_AGENT, SDK_USER_AGENT_VALUE)
        .header(REQUEST_ID_NAME, request_id.as_str())
}

/// The request with its body, or a typed error when the URL or a header cannot be sent.
pub(crate) fn finish(
    operation: Operation,
    builder: http::request::Builder,
    body: Bytes,
) -> Result<http::Request<Bytes>, Error> {
    builder.body(body).map_err(|_| {
        Error::invalid_input(
            operation,
            ValidationError::new("request", "could not be built as an HTTP request"),
        )
    })
}

/// `Bearer <token>`, marked sensitive (HTTP stacks keep it out of their debug output).
pub(crate) fn bearer(operation: Operation, token: &AccessToken) -> Result<HeaderValue, Error> {
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

/// A path segment, percent-encoded (user ids are safe already; ids read from finAPI may not be).
pub fn path_segment(value: &str) -> String {
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

/// The request id finAPI echoed, else the one sent.
pub(crate) fn answered_request_id(response: &http::Response<Bytes>, sent: &RequestId) -> RequestId {
    response
        .headers()
        .get(&REQUEST_ID_NAME)
        .and_then(RequestId::from_header)
        .unwrap_or_else(|| sent.clone())
}

fn content_type(response: &http::Response<Bytes>) -> Option<String> {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A response that is not what the operation expects, with a redacted snippet.
pub(crate) fn unexpected(
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

/// Turns an error answer into the error `decoder` makes of it, or
/// [`Error::UnexpectedResponse`] when the body is empty or not the service's shape.
pub(crate) fn decode_error(
    decoder: &dyn ErrorDecoder,
    operation: Operation,
    response: &http::Response<Bytes>,
    request_id: RequestId,
    attempts: u32,
    secrets: &Secrets<'_>,
) -> Error {
    if response.body().iter().all(u8::is_ascii_whitespace) {
        return unexpected(
            operation,
            response,
            request_id,
            "empty body".to_owned(),
            secrets,
        );
    }
    let answer = ErrorResponse {
        operation,
        response,
        request_id,
        attempts,
        secrets,
    };
    if let Some(error) = decoder.decode(&answer) {
        return error;
    }
    let reason = match content_type(response) {
        Some(ct) => format!("not a finAPI error body ({ct})"),
        None => "not a finAPI error body".to_owned(),
    };
    unexpected(operation, response, answer.request_id, reason, secrets)
}

/// finAPI Access's error answers: its `ErrorMessage` body ([`Error::Api`]) or the OAuth-style
/// `{error, error_description}` ([`Error::OAuth`]), tried in that order, messages scrubbed of
/// the request's secrets. The default [`ErrorDecoder`] of every [`ApiRequest`](crate::ApiRequest).
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessErrors;

impl ErrorDecoder for AccessErrors {
    fn decode(&self, answer: &ErrorResponse<'_>) -> Option<Error> {
        let body = answer.body();
        if let Ok(mut message) = serde_json::from_slice::<ErrorMessage>(body) {
            for detail in &mut message.errors {
                detail.message = detail.message.as_deref().map(|m| answer.scrub(m));
            }
            return Some(Error::Api(Arc::new(ApiError {
                operation: answer.operation(),
                status: answer.status(),
                request_id: answer.request_id().clone(),
                message,
                attempts: answer.attempts,
                note: None,
            })));
        }
        if let Ok(mut oauth) = serde_json::from_slice::<OAuthError>(body) {
            oauth.error = answer.scrub(&oauth.error);
            oauth.error_description = oauth.error_description.as_deref().map(|d| answer.scrub(d));
            return Some(Error::OAuth(Arc::new(OAuthErrorResponse {
                operation: answer.operation(),
                status: answer.status(),
                request_id: answer.request_id().clone(),
                body: oauth,
            })));
        }
        None
    }
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

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("a.b-c_d+e@f"), "a.b-c_d+e@f");
        assert_eq!(path_segment("a/b c%"), "a%2Fb%20c%25");
    }

    #[test]
    fn the_bearer_header_is_sensitive_and_refuses_line_breaks() {
        let value = bearer(Operation::GET_USER, &AccessToken::new("tok")).unwrap();
        assert_eq!(value, "Bearer tok");
        assert!(value.is_sensitive());
        let err = bearer(Operation::GET_USER, &AccessToken::new("t\r\nX: y")).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        assert!(!err.to_string().contains("X: y"), "{err}");
    }
}
