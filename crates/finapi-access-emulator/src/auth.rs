//! Request parsing shared by the handlers: bearer tokens, forms, content types.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use axum::response::Response;
use finapi_access_types::ErrorCode;

use crate::reply::{RequestCtx, bad_request, forbidden, unauthorized};
use crate::state::{State, Subject};

/// The subject of the request's bearer token: 401 when it is missing, unknown, expired or
/// revoked.
pub(crate) fn authenticate(state: &State, headers: &HeaderMap) -> Result<Subject, Response> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized(
            "unauthorized",
            "Full authentication is required to access this resource",
        ));
    };
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let subject = token.and_then(|t| state.store().subject_of(t, state.now()));
    subject.ok_or_else(|| unauthorized("invalid_token", "Invalid access token."))
}

/// The client id of a client token; 403 for a user token.
pub(crate) fn require_client(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
) -> Result<String, Response> {
    match authenticate(state, headers)? {
        Subject::Client(client) => Ok(client),
        Subject::User { .. } => Err(forbidden(
            ctx,
            "Access is denied: this service needs a client token",
        )),
    }
}

/// The (client, user key) of a user token; 403 for a client token.
pub(crate) fn require_user(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
) -> Result<(String, String), Response> {
    match authenticate(state, headers)? {
        Subject::User { client, user } => Ok((client, user)),
        Subject::Client(_) => Err(forbidden(
            ctx,
            "Access is denied: this service needs a user token",
        )),
    }
}

/// The method a POST stands for (`X-HTTP-Method-Override`, upper case), if it says one.
pub(crate) fn method_override(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-http-method-override")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_uppercase)
}

fn has_content_type(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

/// 400 `UNSUPPORTED_MEDIA_TYPE` unless the request has this content type.
pub(crate) fn require_content_type(
    ctx: &RequestCtx,
    headers: &HeaderMap,
    expected: &str,
) -> Result<(), Response> {
    if has_content_type(headers, expected) {
        Ok(())
    } else {
        Err(bad_request(
            ctx,
            ErrorCode::UnsupportedMediaType,
            format!("Content-Type must be {expected}"),
        ))
    }
}

/// A form or query string as a map; a repeated field is refused.
pub(crate) fn parse_form(
    ctx: &RequestCtx,
    raw: &[u8],
) -> Result<HashMap<String, String>, Response> {
    let mut fields = HashMap::new();
    for (key, value) in form_urlencoded::parse(raw) {
        if fields.insert(key.to_string(), value.into_owned()).is_some() {
            return Err(bad_request(
                ctx,
                ErrorCode::BadRequest,
                format!("Field '{key}' is given more than once"),
            ));
        }
    }
    Ok(fields)
}

/// A required field of a form; 400 `MISSING_FIELD` when absent or empty.
pub(crate) fn required<'a>(
    ctx: &RequestCtx,
    form: &'a HashMap<String, String>,
    field: &str,
) -> Result<&'a str, Response> {
    form.get(field)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            bad_request(
                ctx,
                ErrorCode::MissingField,
                format!("Missing field '{field}'"),
            )
        })
}
