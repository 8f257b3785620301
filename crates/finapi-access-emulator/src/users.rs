//! `/api/v1/users` and `/api/v2/users`.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use finapi_access_types::{
    EncryptedPasswordChangeToken, ErrorCode, Password, PasswordChangeRequest, User, UserId,
    ValidationError, VerificationStatus,
};
use serde_json::Value;

use crate::auth::{require_client, require_content_type, require_user};
use crate::reply::{Reply, RequestCtx, api_error, bad_request, empty_ok, json};
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

pub(crate) fn illegal(ctx: &RequestCtx, error: &ValidationError) -> Response {
    bad_request(ctx, ErrorCode::IllegalFieldValue, error.to_string())
}

/// An optional string field: absent or `null` is `None`; any other type is refused.
pub(crate) fn optional_str<'a>(
    ctx: &RequestCtx,
    body: &'a Value,
    field: &str,
) -> Result<Option<&'a str>, Response> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(crate::reply::bad_field(ctx, field, "must be a string")),
    }
}

pub(crate) fn parse_json_object(
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
    let client = require_client(&state, &ctx, &headers)?;
    let auto_verify = state
        .configuration(&client)
        .is_user_auto_verification_enabled;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let id = match optional_str(&ctx, &body, "id")? {
        Some(id) => {
            crate::rules::user_id(id).map_err(|e| illegal(&ctx, &e))?;
            id.to_owned()
        }
        None => generated(),
    };
    let password = match optional_str(&ctx, &body, "password")? {
        Some(p) => {
            crate::rules::password(p).map_err(|e| illegal(&ctx, &e))?;
            p.to_owned()
        }
        None => generated(),
    };
    let email = optional_str(&ctx, &body, "email")?
        .map(|e| {
            crate::rules::email(e)
                .map(|()| e.to_owned())
                .map_err(|e| illegal(&ctx, &e))
        })
        .transpose()?;
    let phone = optional_str(&ctx, &body, "phone")?
        .map(|p| {
            crate::rules::phone(p)
                .map(|()| p.to_owned())
                .map_err(|e| illegal(&ctx, &e))
        })
        .transpose()?;
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
        verified: auto_verify,
        failed_logins: 0,
        locked: false,
        busy: false,
        registered: state.today(),
        last_active: None,
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

/// The emulator's stand-in for finAPI's encryption with the client's data decryption key:
/// `ENC.` followed by the hex of the value. [`crate::decrypt`] reverses it.
pub(crate) fn encrypt(value: &str) -> String {
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    format!("ENC.{hex}")
}

fn not_found(ctx: &RequestCtx, user_id: &str) -> Response {
    api_error(
        ctx,
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownEntity,
        format!("User '{user_id}' not found"),
    )
}

fn user_id_field<'a>(ctx: &RequestCtx, body: &'a Value) -> Result<&'a str, Response> {
    let id = optional_str(ctx, body, "userId")?
        .ok_or_else(|| bad_request(ctx, ErrorCode::MissingField, "Missing field 'userId'"))?;
    crate::rules::user_id(id).map_err(|e| illegal(ctx, &e))?;
    Ok(id)
}

/// `PATCH /users`: user token; at least one field; `""` clears email or phone.
pub(crate) async fn update_user(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let (_, key) = require_user(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let email = optional_str(&ctx, &body, "email")?
        .map(|e| {
            crate::rules::email(e)
                .map(|()| e)
                .map_err(|e| illegal(&ctx, &e))
        })
        .transpose()?;
    let phone = optional_str(&ctx, &body, "phone")?
        .map(|p| {
            crate::rules::phone(p)
                .map(|()| p)
                .map_err(|e| illegal(&ctx, &e))
        })
        .transpose()?;
    let auto_update = match body.get("isAutoUpdateEnabled") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(bad_request(
                &ctx,
                ErrorCode::BadRequest,
                "Field 'isAutoUpdateEnabled' must be a boolean",
            ));
        }
    };
    if email.is_none() && phone.is_none() && auto_update.is_none() {
        return Err(bad_request(
            &ctx,
            ErrorCode::BadRequest,
            "At least one of email, phone, isAutoUpdateEnabled must be given",
        ));
    }
    if auto_update == Some(true) && !state.config.auto_update_allowed {
        return Err(api_error(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IllegalEntityState,
            "Automatic updates are disabled for this client",
        ));
    }
    let mut store = state.store();
    let Some(user) = store.users.get_mut(&key) else {
        return Err(not_found(&ctx, &key));
    };
    let clear_if_empty = |value: String| (!value.is_empty()).then_some(value);
    if let Some(email) = email {
        user.email = clear_if_empty(email.to_string());
    }
    if let Some(phone) = phone {
        user.phone = clear_if_empty(phone.to_string());
    }
    if let Some(auto_update) = auto_update {
        user.auto_update = auto_update;
    }
    Ok(json(StatusCode::OK, &user_view(user, "XXXXX")))
}

/// `DELETE /users`: user token; 423 while the user is busy.
pub(crate) async fn delete_user(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
) -> Reply {
    let (_, key) = require_user(&state, &ctx, &headers)?;
    let today = state.today();
    let mut store = state.store();
    match store.users.get(&key) {
        None => return Err(not_found(&ctx, &key)),
        Some(user) if user.busy => {
            return Err(api_error(
                &ctx,
                StatusCode::LOCKED,
                ErrorCode::Locked,
                "A bank connection of the user is busy",
            ));
        }
        Some(_) => {}
    }
    store.delete_user(&key, &today);
    Ok(empty_ok())
}

/// `POST /users` with `X-HTTP-Method-Override: PATCH | DELETE` is that method.
pub(crate) async fn post_users(
    state: AxumState<Arc<State>>,
    ctx: Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    match crate::auth::method_override(&headers).as_deref() {
        Some("PATCH") => update_user(state, ctx, headers, body).await,
        Some("DELETE") => delete_user(state, ctx, headers).await,
        _ => create_user(state, ctx, headers, body).await,
    }
}

/// `POST /users/{userId}` with `X-HTTP-Method-Override: DELETE` is the delete (the spec
/// declares the override on this operation); any other POST is 405.
pub(crate) async fn post_user_by_id(
    state: AxumState<Arc<State>>,
    ctx: Extension<RequestCtx>,
    headers: HeaderMap,
    user_id: Path<String>,
) -> Reply {
    if crate::auth::method_override(&headers).as_deref() == Some("DELETE") {
        delete_unverified_user(state, ctx, headers, user_id).await
    } else {
        Err(api_error(
            &ctx.0,
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "Method not allowed",
        ))
    }
}

/// `DELETE /users/{userId}`: client token; only unverified users.
pub(crate) async fn delete_unverified_user(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    let key = user_key(&user_id);
    let today = state.today();
    let mut store = state.store();
    match store.users.get(&key) {
        None => Err(not_found(&ctx, &user_id)),
        Some(user) if user.verified => Err(api_error(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UserAlreadyVerified,
            "The user is verified and cannot be deleted with this service",
        )),
        Some(_) => {
            store.delete_user(&key, &today);
            Ok(empty_ok())
        }
    }
}

/// `POST /users/verify/{userId}`: client token; 422 when already verified.
pub(crate) async fn verify_user(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    let mut store = state.store();
    match store.users.get_mut(&user_key(&user_id)) {
        None => Err(not_found(&ctx, &user_id)),
        Some(user) if user.verified => Err(api_error(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UserAlreadyVerified,
            "The user is already verified",
        )),
        Some(user) => {
            user.verified = true;
            Ok(empty_ok())
        }
    }
}

/// `GET /users/verificationStatus?userId=`: client token.
pub(crate) async fn verification_status(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    let query = crate::auth::parse_form(&ctx, query.unwrap_or_default().as_bytes())?;
    let user_id = crate::auth::required(&ctx, &query, "userId")?;
    let store = state.store();
    match store.users.get(&user_key(user_id)) {
        None => Err(not_found(&ctx, user_id)),
        Some(user) => Ok(json(
            StatusCode::OK,
            &VerificationStatus::new(&user.id, user.verified),
        )),
    }
}

/// `POST /users/requestPasswordChange`: client token; the token comes back "encrypted".
pub(crate) async fn request_password_change(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let user_id = user_id_field(&ctx, &body)?;
    let key = user_key(user_id);
    let mut store = state.store();
    let (id, email) = match store.users.get(&key) {
        None => return Err(not_found(&ctx, user_id)),
        Some(user) if !user.verified => {
            return Err(api_error(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::UserNotVerified,
                "The user is not verified",
            ));
        }
        Some(user) => (user.id.clone(), user.email.clone()),
    };
    let token = uuid::Uuid::new_v4().to_string();
    store.password_change_tokens.insert(token.clone(), key);
    let answer = PasswordChangeRequest::new(
        id,
        email.as_deref().map(encrypt),
        EncryptedPasswordChangeToken::new(encrypt(&token)),
    );
    Ok(json(StatusCode::OK, &answer))
}

/// `POST /users/executePasswordChange`: client token; revokes all the user's tokens and
/// unlocks the user.
pub(crate) async fn execute_password_change(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_client(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let user_id = user_id_field(&ctx, &body)?;
    let password = optional_str(&ctx, &body, "password")?
        .ok_or_else(|| bad_request(&ctx, ErrorCode::MissingField, "Missing field 'password'"))?;
    crate::rules::password(password).map_err(|e| illegal(&ctx, &e))?;
    let token = optional_str(&ctx, &body, "passwordChangeToken")?.ok_or_else(|| {
        bad_request(
            &ctx,
            ErrorCode::MissingField,
            "Missing field 'passwordChangeToken'",
        )
    })?;
    crate::rules::change_token(token).map_err(|e| illegal(&ctx, &e))?;
    let key = user_key(user_id);
    let mut store = state.store();
    if !store.users.contains_key(&key) {
        return Err(not_found(&ctx, user_id));
    }
    if store.password_change_tokens.get(token) != Some(&key) {
        return Err(bad_request(
            &ctx,
            ErrorCode::BadRequest,
            "Invalid password change token",
        ));
    }
    store.password_change_tokens.remove(token);
    if let Some(user) = store.users.get_mut(&key) {
        user.password = password.to_owned();
        user.locked = false;
        user.failed_logins = 0;
    }
    store.revoke_user(&key);
    Ok(empty_ok())
}
