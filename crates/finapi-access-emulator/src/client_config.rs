//! `GET` and `PATCH /api/v{1,2}/clientConfiguration`: each client's own configuration, which
//! the token endpoint (validity periods, failed-login limit) and user creation
//! (auto-verification) obey. Its input rules are the spec's (`ClientConfigurationParams`:
//! types, patterns, the lengths and the "at least 60, or 0" its descriptions state).

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use finapi_access_types::{ClientConfiguration, ErrorCode};
use serde_json::{Value, json};

use crate::auth::{method_override, require_client};
use crate::config::{EmulatorConfig, Licence};
use crate::reply::{Reply, RequestCtx, api_error, bad_field, json};
use crate::state::State;
use crate::users::{optional_str, parse_json_object};

fn seconds(lifetime: Duration) -> i32 {
    i32::try_from(lifetime.as_secs()).unwrap_or(i32::MAX)
}

/// A client's configuration as the emulator starts it: the emulator's settings where it
/// has them, finAPI sandbox-like values elsewhere.
pub(crate) fn initial(config: &EmulatorConfig, mandator_admin: bool) -> ClientConfiguration {
    let licence = match config.licence {
        Licence::Unlicensed => "UNLICENSED",
        Licence::FullyLicensed => "FULLY_LICENSED",
        Licence::Aisp => "AISP",
        Licence::Pisp => "PISP",
    };
    let value = json!({
        "pfmServicesEnabled": true,
        "isAutomaticBatchUpdateEnabled": config.auto_update_allowed,
        "isDevelopmentModeEnabled": true,
        "isNonEuroAccountsSupported": false,
        "isAutoCategorizationEnabled": true,
        "mandatorLicense": licence,
        "preferredConsentType": "RECURRING",
        "userNotificationCallbackUrl": null,
        "userSynchronizationCallbackUrl": null,
        "refreshTokensValidityPeriod": seconds(config.refresh_token_lifetime),
        "userAccessTokensValidityPeriod": seconds(config.user_token_lifetime),
        "clientAccessTokensValidityPeriod": seconds(config.client_token_lifetime),
        "maxUserLoginAttempts": i32::try_from(config.max_login_attempts).unwrap_or(i32::MAX),
        "transactionImportLimitation": 0,
        "isUserAutoVerificationEnabled": config.auto_verify_users,
        "isMandatorAdmin": mandator_admin,
        "isWebScrapingEnabled": false,
        "isXs2aEnabled": true,
        "pinStorageAvailableInWebForm": true,
        "paymentsEnabled": true,
        "isStandalonePaymentsEnabled": true,
        "availableBankGroups": ["DE"],
        "products": ["ACCESS", "WEB_FORM"],
        "applicationName": null,
        "finTSProductRegistrationNumber": null,
        "storeSecretsAvailableInWebForm": true,
        "supportSubjectDefault": null,
        "supportEmail": null,
        "aisWebFormMode": "INTERNAL",
        "pisWebFormMode": "INTERNAL",
        "pisStandaloneWebFormMode": "INTERNAL",
        "betaBanksEnabled": false,
        "categoryRestrictions": null,
        "autoDismountWebForm": true,
        "corsAllowedOrigins": null,
    });
    serde_json::from_value(value).unwrap_or_else(|e| unreachable!("the model's fields: {e}"))
}

/// `GET /clientConfiguration`: a client token only.
pub(crate) async fn get_configuration(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
) -> Reply {
    let client = require_client(&state, &ctx, &headers)?;
    Ok(json(StatusCode::OK, &state.configuration(&client)))
}

/// `POST /clientConfiguration` with `X-HTTP-Method-Override: PATCH` is the edit (the spec
/// declares the override on this operation); any other POST is 405.
pub(crate) async fn post_configuration(
    state: AxumState<Arc<State>>,
    ctx: Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    if method_override(&headers).as_deref() == Some("PATCH") {
        edit_configuration(state, ctx, headers, body).await
    } else {
        Err(api_error(
            &ctx.0,
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "Method not allowed",
        ))
    }
}

/// One field's change, checked and ready to apply.
type Change = Box<dyn FnOnce(&mut ClientConfiguration) + Send>;

/// `""` clears a text field.
fn stored(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

type TextSetter = fn(&mut ClientConfiguration, Option<String>);
type PeriodSetter = fn(&mut ClientConfiguration, i32);
type FlagSetter = fn(&mut ClientConfiguration, bool);

fn parse_changes(ctx: &RequestCtx, body: &Value) -> Result<Vec<Change>, Response> {
    let mut changes: Vec<Change> = Vec::new();
    let urls: [(&str, TextSetter); 2] = [
        ("userNotificationCallbackUrl", |c, v| {
            c.user_notification_callback_url = v;
        }),
        ("userSynchronizationCallbackUrl", |c, v| {
            c.user_synchronization_callback_url = v;
        }),
    ];
    for (field, set) in urls {
        if let Some(url) = optional_str(ctx, body, field)? {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let valid = url.is_empty()
                || rest.is_some_and(|rest| {
                    !rest.is_empty()
                        && !rest.starts_with('/')
                        && !rest.contains(char::is_whitespace)
                });
            if url.chars().count() > 512 {
                return Err(bad_field(ctx, field, "must be at most 512 characters long"));
            }
            if !valid {
                return Err(bad_field(ctx, field, "is not a valid callback URL"));
            }
            let value = stored(url);
            changes.push(Box::new(move |c| set(c, value)));
        }
    }
    let periods: [(&str, PeriodSetter); 3] = [
        ("refreshTokensValidityPeriod", |c, p| {
            c.refresh_tokens_validity_period = p;
        }),
        ("userAccessTokensValidityPeriod", |c, p| {
            c.user_access_tokens_validity_period = p;
        }),
        ("clientAccessTokensValidityPeriod", |c, p| {
            c.client_access_tokens_validity_period = p;
        }),
    ];
    for (field, set) in periods {
        match body.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => {
                let period = n
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| bad_field(ctx, field, "must be a 32-bit integer"))?;
                if period != 0 && period < 60 {
                    return Err(bad_field(
                        ctx,
                        field,
                        "must be greater than or equal to 60, or 0",
                    ));
                }
                changes.push(Box::new(move |c| set(c, period)));
            }
            Some(_) => return Err(bad_field(ctx, field, "must be an integer")),
        }
    }
    let flags: [(&str, FlagSetter); 3] = [
        ("isPinStorageAvailableInWebForm", |c, b| {
            c.pin_storage_available_in_web_form = b;
        }),
        ("storeSecretsAvailableInWebForm", |c, b| {
            c.store_secrets_available_in_web_form = b;
        }),
        ("betaBanksEnabled", |c, b| c.beta_banks_enabled = b),
    ];
    for (field, set) in flags {
        match body.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => {
                let b = *b;
                changes.push(Box::new(move |c| set(c, b)));
            }
            Some(_) => return Err(bad_field(ctx, field, "must be a boolean")),
        }
    }
    if let Some(number) = optional_str(ctx, body, "finTSProductRegistrationNumber")? {
        if number.len() > 25 || !number.chars().all(|c| matches!(c, '0'..='9' | 'A'..='F')) {
            return Err(bad_field(
                ctx,
                "finTSProductRegistrationNumber",
                "must be at most 25 of 0-9 A-F",
            ));
        }
        // "If a value is stored, this will always be 'XXXXX'."
        let value = (!number.is_empty()).then(|| "XXXXX".to_owned());
        changes.push(Box::new(move |c| {
            c.fin_ts_product_registration_number = value;
        }));
    }
    let texts: [(&str, usize, TextSetter); 3] = [
        ("applicationName", 64, |c, v| c.application_name = v),
        ("supportSubjectDefault", 100, |c, v| {
            c.support_subject_default = v;
        }),
        ("supportEmail", 320, |c, v| c.support_email = v),
    ];
    for (field, max, set) in texts {
        if let Some(value) = optional_str(ctx, body, field)? {
            if value.chars().count() > max {
                return Err(bad_field(
                    ctx,
                    field,
                    &format!("must be at most {max} characters long"),
                ));
            }
            if !value.chars().all(crate::rules::general) {
                return Err(bad_field(
                    ctx,
                    field,
                    "contains characters that are not allowed",
                ));
            }
            let value = stored(value);
            changes.push(Box::new(move |c| set(c, value)));
        }
    }
    Ok(changes)
}

/// `PATCH /clientConfiguration`: a client token only; every field is checked before any
/// is applied; new validity periods apply to tokens requested afterwards.
pub(crate) async fn edit_configuration(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let client = require_client(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let changes = parse_changes(&ctx, &body)?;
    let updated = state.update_configuration(&client, |configuration| {
        for change in changes {
            change(configuration);
        }
    });
    Ok(json(StatusCode::OK, &updated))
}
