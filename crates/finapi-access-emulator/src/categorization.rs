//! `/api/v{1,2}/mandatorAdmin/keywordRules` and `/ibanRules` (list, create, delete): the
//! mandator admin client only. Rules are mandator-wide; categories come from a small
//! catalogue of finAPI-like global categories. Input rules from the spec: 1 to 100 rules, 1
//! to 100 keywords, the directions' enum, required fields; `ILLEGAL_FIELD_VALUE` for
//! incorrect keywords (outside finAPI's allowed characters, or blank); 404 for an unknown
//! category or rule; 422 `ENTITY_EXISTS` for a rule that exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use finapi_access_types::{
    Category, ErrorCode, IbanRule, IbanRuleList, IbanRulePage, IdentifierList, KeywordRule,
    KeywordRuleList, KeywordRulePage, Paging, TransactionDirection,
};
use serde_json::Value;

use crate::admin::{Paged, require_admin};
use crate::reply::{Reply, RequestCtx, api_error, bad_field, bad_request, german_time, json};
use crate::state::State;
use crate::users::parse_json_object;

/// The global categories the emulator knows: (id, name, parent id).
const CATEGORIES: &[(i64, &str, Option<i64>)] = &[
    (100, "Einkommen", None),
    (101, "Gehalt", Some(100)),
    (200, "Lebenshaltung", None),
    (201, "Lebensmittel & Getränke", Some(200)),
    (300, "Wohnen", None),
    (301, "Miete", Some(300)),
    (373, "Freizeit, Hobbys & Soziales", None),
    (374, "Sport & Fitness", Some(373)),
];

/// The category with this id, as the model shows it.
pub(crate) fn category(id: i64) -> Option<Category> {
    let &(id, name, parent) = CATEGORIES.iter().find(|c| c.0 == id)?;
    let parent = parent.and_then(|p| CATEGORIES.iter().find(|c| c.0 == p));
    let mut category = Category::new(id, name, parent.map(|p| (p.0, p.1.to_owned())));
    let children: Vec<i64> = CATEGORIES
        .iter()
        .filter(|c| c.2 == Some(id))
        .map(|c| c.0)
        .collect();
    category.children = (!children.is_empty()).then_some(children);
    Some(category)
}

/// The stored rules of the mandator.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct RuleStore {
    keyword: BTreeMap<i64, KeywordRule>,
    iban: BTreeMap<i64, IbanRule>,
    next_id: i64,
}

/// A rule's kind: its name in paths, bodies and messages.
#[derive(Clone, Copy)]
enum Kind {
    Keyword,
    Iban,
}

impl Kind {
    fn list_field(self) -> &'static str {
        match self {
            Self::Keyword => "keywordRules",
            Self::Iban => "ibanRules",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Keyword => "Keyword rule",
            Self::Iban => "IBAN rule",
        }
    }
}

/// The `keywordRules` / `ibanRules` array: present, 1 to 100 objects.
fn rule_items<'a>(ctx: &RequestCtx, body: &'a Value, kind: Kind) -> Result<&'a [Value], Response> {
    let field = kind.list_field();
    let Some(Value::Array(items)) = body.get(field) else {
        return Err(bad_request(
            ctx,
            ErrorCode::MissingField,
            format!("Missing field '{field}'"),
        ));
    };
    if items.is_empty() || items.len() > 100 {
        return Err(bad_field(ctx, field, "must hold 1 to 100 rules"));
    }
    Ok(items)
}

/// The parts every rule has: its category (404 if unknown) and its directions (`Both` is two).
fn category_and_directions(
    ctx: &RequestCtx,
    item: &Value,
    at: &str,
) -> Result<(Category, Vec<TransactionDirection>), Response> {
    let category_id = item
        .get("categoryId")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad_field(ctx, &format!("{at}.categoryId"), "is required (an integer)"))?;
    let directions = match item.get("direction").and_then(Value::as_str) {
        Some("Income") => vec![TransactionDirection::Income],
        Some("Spending") => vec![TransactionDirection::Spending],
        Some("Both") => vec![TransactionDirection::Income, TransactionDirection::Spending],
        _ => {
            return Err(bad_field(
                ctx,
                &format!("{at}.direction"),
                "must be Income, Spending or Both",
            ));
        }
    };
    let category = category(category_id).ok_or_else(|| {
        api_error(
            ctx,
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEntity,
            format!("Category not found: {category_id}"),
        )
    })?;
    Ok((category, directions))
}

fn exists(ctx: &RequestCtx, kind: Kind) -> Response {
    api_error(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::EntityExists,
        format!("{} already exists", kind.name()),
    )
}

/// `POST /mandatorAdmin/keywordRules`: all rules are checked before any is stored.
pub(crate) async fn create_keyword_rules(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_admin(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let mut planned = Vec::new();
    for (index, item) in rule_items(&ctx, &body, Kind::Keyword)?.iter().enumerate() {
        let at = format!("keywordRules[{index}]");
        let Some(Value::Array(keywords)) = item.get("keywords") else {
            return Err(bad_field(&ctx, &format!("{at}.keywords"), "is required"));
        };
        if keywords.is_empty() || keywords.len() > 100 {
            return Err(bad_field(
                &ctx,
                &format!("{at}.keywords"),
                "must hold 1 to 100 keywords",
            ));
        }
        let mut words = Vec::with_capacity(keywords.len());
        for keyword in keywords {
            let Some(word) = keyword.as_str() else {
                return Err(bad_field(
                    &ctx,
                    &format!("{at}.keywords"),
                    "must be strings",
                ));
            };
            if word.trim().is_empty() || !word.chars().all(crate::rules::general) {
                return Err(api_error(
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::IllegalFieldValue,
                    format!("Incorrect keyword in {at}"),
                ));
            }
            words.push(word.to_owned());
        }
        let all_must_match = match item.get("allKeywordsMustMatch") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(bad_field(
                    &ctx,
                    &format!("{at}.allKeywordsMustMatch"),
                    "must be a boolean",
                ));
            }
        };
        let (category, directions) = category_and_directions(&ctx, item, &at)?;
        for direction in directions {
            planned.push((category.clone(), direction, words.clone(), all_must_match));
        }
    }
    let created = german_time(state.system_now());
    let mut rules = state.rules();
    let same = |a: &[String], b: &[String]| {
        let lower = |v: &[String]| {
            let mut v: Vec<String> = v.iter().map(|k| k.to_lowercase()).collect();
            v.sort();
            v.dedup();
            v
        };
        lower(a) == lower(b)
    };
    for (i, (category, direction, words, all)) in planned.iter().enumerate() {
        let stored = rules.keyword.values().any(|r| {
            r.category.id == category.id
                && &r.direction == direction
                && r.all_keywords_must_match == *all
                && same(&r.keywords, words)
        });
        let repeated = planned[..i].iter().any(|(c, d, w, a)| {
            c.id == category.id && d == direction && a == all && same(w, words)
        });
        if stored || repeated {
            return Err(exists(&ctx, Kind::Keyword));
        }
    }
    let mut out = Vec::with_capacity(planned.len());
    for (category, direction, words, all) in planned {
        rules.next_id += 1;
        let rule = KeywordRule::new(
            rules.next_id,
            category,
            direction,
            created.clone(),
            words,
            all,
        );
        rules.keyword.insert(rule.id, rule.clone());
        out.push(rule);
    }
    Ok(json(StatusCode::CREATED, &KeywordRuleList::new(out)))
}

/// `POST /mandatorAdmin/ibanRules`: all rules are checked before any is stored; an IBAN is
/// compared case-insensitively and stored in capitals.
pub(crate) async fn create_iban_rules(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    require_admin(&state, &ctx, &headers)?;
    let body = parse_json_object(&ctx, &headers, &body)?;
    let mut planned = Vec::new();
    for (index, item) in rule_items(&ctx, &body, Kind::Iban)?.iter().enumerate() {
        let at = format!("ibanRules[{index}]");
        let iban = item
            .get("iban")
            .and_then(Value::as_str)
            .filter(|i| !i.trim().is_empty())
            .ok_or_else(|| bad_field(&ctx, &format!("{at}.iban"), "is required"))?
            .to_ascii_uppercase();
        let (category, directions) = category_and_directions(&ctx, item, &at)?;
        for direction in directions {
            planned.push((category.clone(), direction, iban.clone()));
        }
    }
    let created = german_time(state.system_now());
    let mut rules = state.rules();
    for (i, (_, direction, iban)) in planned.iter().enumerate() {
        let stored = rules
            .iban
            .values()
            .any(|r| &r.direction == direction && &r.iban == iban);
        let repeated = planned[..i]
            .iter()
            .any(|(_, d, b)| d == direction && b == iban);
        if stored || repeated {
            return Err(exists(&ctx, Kind::Iban));
        }
    }
    let mut out = Vec::with_capacity(planned.len());
    for (category, direction, iban) in planned {
        rules.next_id += 1;
        let rule = IbanRule::new(rules.next_id, category, direction, created.clone(), iban);
        rules.iban.insert(rule.id, rule.clone());
        out.push(rule);
    }
    Ok(json(StatusCode::CREATED, &IbanRuleList::new(out)))
}

/// A page of the rules `pick` chooses, ordered by id.
fn list<T: Clone, P: serde::Serialize>(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    raw: Option<&str>,
    pick: fn(&RuleStore) -> &BTreeMap<i64, T>,
    page: fn(Vec<T>, Paging) -> P,
) -> Reply {
    require_admin(state, ctx, headers)?;
    let paged = Paged::parse(ctx, raw.unwrap_or_default(), "id")?;
    let all = pick(&state.rules()).values().cloned().collect();
    let (rules, paging) = paged.page_of(all);
    Ok(json(StatusCode::OK, &page(rules, paging)))
}

/// `GET /mandatorAdmin/keywordRules`.
pub(crate) async fn list_keyword_rules(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Reply {
    list(
        &state,
        &ctx,
        &headers,
        raw.as_deref(),
        |r| &r.keyword,
        KeywordRulePage::new,
    )
}

/// `GET /mandatorAdmin/ibanRules`.
pub(crate) async fn list_iban_rules(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Reply {
    list(
        &state,
        &ctx,
        &headers,
        raw.as_deref(),
        |r| &r.iban,
        IbanRulePage::new,
    )
}

/// Deletes the rules whose ids the body lists from those `pick` chooses (all or none: 404
/// names the first unknown one) and answers the ids in ascending order.
fn delete<T>(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    body: &[u8],
    kind: Kind,
    pick: fn(&mut RuleStore) -> &mut BTreeMap<i64, T>,
) -> Reply {
    require_admin(state, ctx, headers)?;
    let body = parse_json_object(ctx, headers, body)?;
    let Some(Value::Array(ids)) = body.get("ids") else {
        return Err(bad_request(
            ctx,
            ErrorCode::MissingField,
            "Missing field 'ids'",
        ));
    };
    let ids = ids
        .iter()
        .map(Value::as_i64)
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| bad_field(ctx, "ids", "must be integers"))?;
    let mut store = state.rules();
    let rules = pick(&mut store);
    if let Some(unknown) = ids.iter().find(|id| !rules.contains_key(id)) {
        return Err(api_error(
            ctx,
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownEntity,
            format!("{} not found: {unknown}", kind.name()),
        ));
    }
    let mut deleted: Vec<i64> = ids
        .into_iter()
        .filter(|id| rules.remove(id).is_some())
        .collect();
    deleted.sort_unstable();
    Ok(json(StatusCode::OK, &IdentifierList::new(deleted)))
}

/// `POST /mandatorAdmin/keywordRules/delete`.
pub(crate) async fn delete_keyword_rules(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    delete(&state, &ctx, &headers, &body, Kind::Keyword, |r| {
        &mut r.keyword
    })
}

/// `POST /mandatorAdmin/ibanRules/delete`.
pub(crate) async fn delete_iban_rules(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    delete(&state, &ctx, &headers, &body, Kind::Iban, |r| &mut r.iban)
}
