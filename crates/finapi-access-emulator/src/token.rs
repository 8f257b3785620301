//! `POST /oauth/token` and `POST /oauth/revoke` (v1), `/api/v2/oauth/...` (v2).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use finapi_access_types::{AccessToken, ErrorCode, ExpiresIn, RefreshToken, TokenResponse};

use crate::auth::{parse_form, require_client, require_content_type, required};
use crate::reply::{
    Message, Reply, RequestCtx, api_error, bad_request, empty_ok, forbidden, json, unauthorized,
};
use crate::state::{Issued, RevokeHint, State, Subject, user_key};

const FORM: &str = "application/x-www-form-urlencoded";

fn token_reply(issued: Issued) -> axum::response::Response {
    let body = TokenResponse::bearer(
        AccessToken::new(issued.access_token),
        ExpiresIn::from_secs(issued.expires_in),
        issued.refresh_token.map(RefreshToken::new),
    );
    json(StatusCode::OK, &body)
}

pub(crate) async fn token(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    state.count_token_request();
    require_content_type(&ctx, &headers, FORM)?;
    let form = parse_form(&ctx, &body)?;
    let client_id = form
        .get("client_id")
        .map(String::as_str)
        .unwrap_or_default();
    let client_secret = form
        .get("client_secret")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(client) = state.client(client_id, client_secret) else {
        return Err(unauthorized("invalid_client", "Bad client credentials"));
    };
    let client_id = client.client_id.clone();
    let now = state.now();
    match required(&ctx, &form, "grant_type")? {
        "client_credentials" => {
            let lifetimes = state.lifetimes(&client_id, false);
            let issued = state
                .store()
                .issue(Subject::Client(client_id), false, lifetimes, now);
            Ok(token_reply(issued))
        }
        "password" => {
            let username = required(&ctx, &form, "username")?;
            let password = required(&ctx, &form, "password")?;
            let key = user_key(username);
            let lifetimes = state.lifetimes(&client_id, true);
            let max_attempts = state.configuration(&client_id).max_user_login_attempts;
            let mut store = state.store();
            let Some(user) = store.users.get_mut(&key) else {
                return Err(bad_request(
                    &ctx,
                    ErrorCode::BadRequest,
                    Message::BadUserCredentials.text(ctx.language),
                ));
            };
            if user.locked {
                return Err(api_error(
                    &ctx,
                    StatusCode::LOCKED,
                    ErrorCode::Locked,
                    Message::UserLocked.text(ctx.language),
                ));
            }
            if user.password != password {
                user.failed_logins += 1;
                if max_attempts > 0 && i64::from(user.failed_logins) >= i64::from(max_attempts) {
                    user.locked = true;
                    store.revoke_user(&key);
                }
                return Err(bad_request(
                    &ctx,
                    ErrorCode::BadRequest,
                    Message::BadUserCredentials.text(ctx.language),
                ));
            }
            if !user.verified {
                return Err(forbidden(&ctx, Message::UserNotVerified.text(ctx.language)));
            }
            user.failed_logins = 0;
            user.last_active = Some(state.today());
            let subject = Subject::User {
                client: client_id,
                user: key,
            };
            Ok(token_reply(store.issue(subject, true, lifetimes, now)))
        }
        "refresh_token" => {
            let refresh_token = required(&ctx, &form, "refresh_token")?;
            let lifetime = state.lifetimes(&client_id, true).access;
            let issued = state
                .store()
                .refresh(&client_id, refresh_token, lifetime, now);
            issued
                .map(token_reply)
                .ok_or_else(|| bad_request(&ctx, ErrorCode::BadRequest, "Invalid refresh token"))
        }
        other => Err(bad_request(
            &ctx,
            ErrorCode::BadRequest,
            format!("Unsupported grant type '{other}'"),
        )),
    }
}

fn revoke(state: &State, ctx: &RequestCtx, headers: &HeaderMap, params: &[u8]) -> Reply {
    let client = require_client(state, ctx, headers)?;
    let form = parse_form(ctx, params)?;
    let token = required(ctx, &form, "token")?;
    let hint = match form.get("token_type_hint").map(String::as_str) {
        None => RevokeHint::None,
        Some("access_token") => RevokeHint::AccessToken,
        Some("refresh_token") => RevokeHint::RefreshToken,
        Some(other) => {
            return Err(bad_request(
                ctx,
                ErrorCode::BadRequest,
                format!("Unsupported token_type_hint '{other}'"),
            ));
        }
    };
    state.store().revoke(&client, token, hint);
    Ok(empty_ok())
}

/// v1: `token` and `token_type_hint` are query parameters.
pub(crate) async fn revoke_v1(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    revoke(&state, &ctx, &headers, query.unwrap_or_default().as_bytes())
}

/// v2: `token` and `token_type_hint` travel as a form body.
pub(crate) async fn revoke_v2(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    require_content_type(&ctx, &headers, FORM)?;
    revoke(&state, &ctx, &headers, &body)
}
