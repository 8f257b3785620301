//! `/api/v{1,2}/mandatorAdmin/getUserList` and `/deleteUsers`: the mandator admin client only.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use finapi_access_types::{
    DeletedUsers, ErrorCode, MAX_PER_PAGE, Paging, UserInfo, UserInfoPage, UserListQuery,
};
use serde_json::Value;

use crate::auth::require_client;
use crate::reply::{Reply, RequestCtx, bad_request, forbidden, json};
use crate::state::{State, user_key};
use crate::users::parse_json_object;

pub(crate) fn require_admin(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
) -> Result<(), Response> {
    let client = require_client(state, ctx, headers)?;
    if state.is_mandator_admin(&client) {
        Ok(())
    } else {
        Err(forbidden(
            ctx,
            "Access is denied: this service needs the mandator admin client",
        ))
    }
}

fn parse_bool(ctx: &RequestCtx, name: &str, value: &str) -> Result<bool, Response> {
    value.parse().map_err(|_| {
        bad_request(
            ctx,
            ErrorCode::BadRequest,
            format!("'{name}' must be true or false"),
        )
    })
}

fn parse_number(ctx: &RequestCtx, name: &str, value: &str) -> Result<u32, Response> {
    value.parse().map_err(|_| {
        bad_request(
            ctx,
            ErrorCode::BadRequest,
            format!("'{name}' must be a number"),
        )
    })
}

/// Page, page size and order of a list: `page` from 1, `perPage` 1 to 500 (default 20),
/// `order` by `field` only (`field`, `field,asc` or `field,desc`, case-insensitive).
pub(crate) struct Paged {
    pub(crate) page: u32,
    pub(crate) per_page: u32,
    pub(crate) descending: bool,
}

impl Paged {
    pub(crate) fn parse(ctx: &RequestCtx, raw: &str, field: &str) -> Result<Self, Response> {
        let mut paged = Self {
            page: 1,
            per_page: 20,
            descending: false,
        };
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            match name.as_ref() {
                "page" => paged.page = parse_number(ctx, &name, &value)?,
                "perPage" => paged.per_page = parse_number(ctx, &name, &value)?,
                "order" => {
                    let lower = value.to_ascii_lowercase();
                    let field = field.to_ascii_lowercase();
                    paged.descending = match lower.strip_prefix(field.as_str()) {
                        Some("" | ",asc") => false,
                        Some(",desc") => true,
                        _ => {
                            return Err(bad_request(
                                ctx,
                                ErrorCode::UnsupportedOrder,
                                format!(
                                    "Unsupported order '{value}': only {field},asc or {field},desc"
                                ),
                            ));
                        }
                    };
                }
                _ => {}
            }
        }
        if !(1..=MAX_PER_PAGE).contains(&paged.per_page) {
            return Err(bad_request(
                ctx,
                ErrorCode::IllegalPageSize,
                format!("perPage must be 1 to {MAX_PER_PAGE}"),
            ));
        }
        if paged.page < 1 {
            return Err(bad_request(
                ctx,
                ErrorCode::BadRequest,
                "page must be at least 1",
            ));
        }
        Ok(paged)
    }

    /// This page of `items` (sorted ascending), with its paging information.
    pub(crate) fn page_of<T>(&self, mut items: Vec<T>) -> (Vec<T>, Paging) {
        if self.descending {
            items.reverse();
        }
        let total = items.len() as u64;
        let per_page = self.per_page as usize;
        let start = (self.page as usize - 1).saturating_mul(per_page);
        let page = items.into_iter().skip(start).take(per_page).collect();
        (page, Paging::new(self.page, self.per_page, total))
    }
}

/// The query, carried in the models' [`UserListQuery`] and checked with the emulator's own
/// rules (`rules.rs`), not the SDK's.
fn parse_query(ctx: &RequestCtx, raw: &str) -> Result<(UserListQuery, Paged), Response> {
    let paged = Paged::parse(ctx, raw, "userId")?;
    let mut query = UserListQuery::new();
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        let value = value.into_owned();
        match name.as_ref() {
            "minRegistrationDate" => query.min_registration_date = Some(value),
            "maxRegistrationDate" => query.max_registration_date = Some(value),
            "minDeletionDate" => query.min_deletion_date = Some(value),
            "maxDeletionDate" => query.max_deletion_date = Some(value),
            "minLastActiveDate" => query.min_last_active_date = Some(value),
            "maxLastActiveDate" => query.max_last_active_date = Some(value),
            "includeMonthlyStats" => {
                query.include_monthly_stats = Some(parse_bool(ctx, &name, &value)?);
            }
            "monthlyStatsStartDate" => query.monthly_stats_start_date = Some(value),
            "monthlyStatsEndDate" => query.monthly_stats_end_date = Some(value),
            "minBankConnectionCountInMonthlyStats" => {
                query.min_bank_connection_count_in_monthly_stats =
                    Some(parse_number(ctx, &name, &value)?);
            }
            "userId" => query.user_id = Some(value),
            "isDeleted" => query.is_deleted = Some(parse_bool(ctx, &name, &value)?),
            "isLocked" => query.is_locked = Some(parse_bool(ctx, &name, &value)?),
            _ => {}
        }
    }
    let dates = [
        ("minRegistrationDate", &query.min_registration_date),
        ("maxRegistrationDate", &query.max_registration_date),
        ("minDeletionDate", &query.min_deletion_date),
        ("maxDeletionDate", &query.max_deletion_date),
        ("minLastActiveDate", &query.min_last_active_date),
        ("maxLastActiveDate", &query.max_last_active_date),
        ("monthlyStatsStartDate", &query.monthly_stats_start_date),
        ("monthlyStatsEndDate", &query.monthly_stats_end_date),
    ];
    for (field, value) in dates {
        if let Some(value) = value {
            crate::rules::date(field, value)
                .map_err(|e| bad_request(ctx, ErrorCode::BadRequest, e.to_string()))?;
        }
    }
    Ok((query, paged))
}

fn in_range(value: Option<&str>, min: Option<&String>, max: Option<&String>) -> bool {
    if min.is_none() && max.is_none() {
        return true;
    }
    value
        .is_some_and(|v| min.is_none_or(|m| v >= m.as_str()) && max.is_none_or(|m| v <= m.as_str()))
}

/// `GET /mandatorAdmin/getUserList`.
pub(crate) async fn get_user_list(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Reply {
    require_admin(&state, &ctx, &headers)?;
    let (query, paged) = parse_query(&ctx, raw.as_deref().unwrap_or_default())?;
    let store = state.store();
    let active = store
        .users
        .values()
        .map(|u| UserInfo::new(&u.id, &u.registered, None, u.last_active.clone(), u.locked));
    let deleted = store.deleted.iter().map(|d| {
        UserInfo::new(
            &d.distorted_id,
            &d.registered,
            Some(d.deleted.clone()),
            d.last_active.clone(),
            false,
        )
    });
    let stats_min = query
        .min_bank_connection_count_in_monthly_stats
        .unwrap_or(0);
    let mut users: Vec<UserInfo> = active
        .chain(deleted)
        .filter(|u| {
            query
                .user_id
                .as_ref()
                .is_none_or(|id| user_key(id) == user_key(&u.user_id))
        })
        .filter(|u| {
            query
                .is_deleted
                .is_none_or(|d| d == u.deletion_date.is_some())
        })
        .filter(|u| query.is_locked.is_none_or(|l| l == u.is_locked))
        .filter(|u| {
            in_range(
                Some(&u.registration_date),
                query.min_registration_date.as_ref(),
                query.max_registration_date.as_ref(),
            )
        })
        .filter(|u| {
            in_range(
                u.deletion_date.as_deref(),
                query.min_deletion_date.as_ref(),
                query.max_deletion_date.as_ref(),
            )
        })
        .filter(|u| {
            in_range(
                u.last_active_date.as_deref(),
                query.min_last_active_date.as_ref(),
                query.max_last_active_date.as_ref(),
            )
        })
        // The emulator has no bank connections: every user has 0 in every month.
        .filter(|_| query.include_monthly_stats != Some(true) || stats_min == 0)
        .map(|mut u| {
            if query.include_monthly_stats == Some(true) {
                u.monthly_stats = Some(Vec::new());
            }
            u
        })
        .collect();
    users.sort_by_key(|u| user_key(&u.user_id));
    let (page_users, paging) = paged.page_of(users);
    let page = UserInfoPage::new(page_users, paging);
    Ok(json(StatusCode::OK, &page))
}

/// `POST /mandatorAdmin/changeClientCredentials`: the mandator admin's token; the new secret
/// of the spec's pattern `[a-zA-Z0-9-]*` (non-empty); 422 for an unknown client or a wrong
/// old secret; the client's access tokens are revoked.
pub(crate) async fn change_client_credentials(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_admin(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let field = |name: &str| -> Result<String, Response> {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                bad_request(
                    &ctx,
                    ErrorCode::MissingField,
                    format!("Missing field '{name}'"),
                )
            })
    };
    let (client, old, new) = (
        field("clientId")?,
        field("oldClientSecret")?,
        field("newClientSecret")?,
    );
    if !new.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(bad_request(
            &ctx,
            ErrorCode::IllegalFieldValue,
            "newClientSecret may only contain a-z A-Z 0-9 -",
        ));
    }
    state.change_secret(&client, &old, &new).map_err(|reason| {
        crate::reply::api_error(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IllegalFieldValue,
            reason,
        )
    })?;
    Ok(crate::reply::empty_ok())
}

/// `POST /mandatorAdmin/deleteUsers`: busy users are not deleted; unknown ids are dropped.
pub(crate) async fn delete_users(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_admin(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let Some(Value::Array(ids)) = body.get("userIds") else {
        return Err(bad_request(
            &ctx,
            ErrorCode::MissingField,
            "Missing field 'userIds'",
        ));
    };
    let ids: Vec<String> = ids
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or_else(|| bad_request(&ctx, ErrorCode::BadRequest, "'userIds' must be strings"))?;
    let today = state.today();
    let mut store = state.store();
    let (mut deleted, mut kept) = (BTreeSet::new(), BTreeSet::new());
    for id in ids {
        let key = user_key(&id);
        let Some(user) = store.users.get(&key) else {
            continue;
        };
        let real_id = user.id.clone();
        if user.busy {
            kept.insert(real_id);
        } else {
            store.delete_user(&key, &today);
            deleted.insert(real_id);
        }
    }
    let answer = DeletedUsers::new(deleted.into_iter().collect(), kept.into_iter().collect());
    Ok(json(StatusCode::OK, &answer))
}
