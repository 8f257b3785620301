//! `/api/v1/users` and `/api/v2/users`.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use finapi_access_types::{Email, ErrorCode, Password, Phone, User, UserId, ValidationError};
use serde_json::Value;

use crate::auth::{require_client, require_content_type, require_user};
use crate::reply::{Reply, RequestCtx, api_error, bad_request, json};
use crate::state::{State, UserRecord, user_key};

const JSON: &str = "application/json";

fn user_view(user: &UserRecord, password: &str) -> User {
    User::new(
        UserId::new_unchecked(&user.id),
        Password::new_unchecked(password),
        user.email.clone(),
        user.phone.clone(),
        user.auto_update,
    )
}

fn illegal(ctx: &RequestCtx, error: &ValidationError) -> Response {
    bad_request(ctx, ErrorCode::IllegalFieldValue, error.to_string())
}

/// An optional string field: absent or `null` is `None`; any other type is refused.
fn optional_str<'a>(
    ctx: &RequestCtx,
    body: &'a Value,
    field: &str,
) -> Result<Option<&'a str>, Response> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(
            ctx,
            ErrorCode::BadRequest,
            format!("Field '{field}' must be a string"),
        )),
    }
}

fn parse_json_object(
    ctx: &RequestCtx,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Response> {
    require_content_type(ctx, headers, JSON)?;
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| bad_request(ctx, ErrorCode::BadRequest, "Request body is not valid JSON"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(bad_request(
            ctx,
            ErrorCode::BadRequest,
            "Request body must be a JSON object",
        ))
    }
}

fn generated() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `POST /users`: client token; 201 with the password in plain text.
pub(crate) async fn create_user(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let id = match optional_str(&ctx, &body, "id")? {
        Some(id) => UserId::new(id).map_err(|e| illegal(&ctx, &e))?.to_string(),
        None => generated(),
    };
    let password = match optional_str(&ctx, &body, "password")? {
        Some(p) => Password::new(p)
            .map_err(|e| illegal(&ctx, &e))?
            .expose_secret()
            .to_owned(),
        None => generated(),
    };
    let email = optional_str(&ctx, &body, "email")?
        .map(|e| Email::new(e).map_err(|e| illegal(&ctx, &e)))
        .transpose()?
        .map(|e| e.to_string());
    let phone = optional_str(&ctx, &body, "phone")?
        .map(|p| Phone::new(p).map_err(|e| illegal(&ctx, &e)))
        .transpose()?
        .map(|p| p.to_string());
    let auto_update = match body.get("isAutoUpdateEnabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(bad_request(
                &ctx,
                ErrorCode::BadRequest,
                "Field 'isAutoUpdateEnabled' must be a boolean",
            ));
        }
    };
    if auto_update && !state.config.auto_update_allowed {
        return Err(api_error(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IllegalEntityState,
            "Automatic updates are disabled for this client",
        ));
    }
    let key = user_key(&id);
    let mut store = state.store();
    if store.users.contains_key(&key) {
        return Err(api_error(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::EntityExists,
            format!("User with id '{id}' already exists"),
        ));
    }
    let record = UserRecord {
        id,
        password,
        email,
        phone,
        auto_update,
        verified: state.config.auto_verify_users,
        failed_logins: 0,
        locked: false,
    };
    let view = user_view(&record, &record.password);
    store.users.insert(key, record);
    Ok(json(StatusCode::CREATED, &view))
}

/// `GET /users`: user token; the password comes back as `XXXXX`.
pub(crate) async fn get_user(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
) -> Reply {
    let (_, user) = require_user(&state, &ctx, &headers)?;
    let store = state.store();
    match store.users.get(&user) {
        Some(record) => Ok(json(StatusCode::OK, &user_view(record, "XXXXX"))),
        None => Err(api_error(
            &ctx,
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEntity,
            "User not found",
        )),
    }
}
