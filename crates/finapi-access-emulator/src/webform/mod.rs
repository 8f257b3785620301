//! Web Form 2.0 in the emulator: the API (web forms, tasks, profiles, translations) at the
//! same origin as Access, sharing its users and tokens; the page a person clicks through
//! (`page.rs`); outcomes recorded in the Access state (bank connections); callbacks delivered
//! to loopback (`callbacks.rs`); a test-control endpoint. Rules come from the Web Form spec
//! (`rules.rs`), never from the SDK.

pub(crate) mod callbacks;
pub(crate) mod page;
pub(crate) mod rules;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::config::Licence;
use crate::reply::{Reply, RequestCtx, json as json_reply};
use crate::state::{State, Subject};
use rules::{Check, display_path};

use callbacks::CallbackDelivery;

/// A bank of the built-in catalogue (kept in a state file as its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BankEntry {
    pub(crate) id: i64,
    pub(crate) name: &'static str,
    pub(crate) blz: &'static str,
    pub(crate) bic: &'static str,
    pub(crate) city: &'static str,
    pub(crate) supported: bool,
}

/// The catalogue: two test banks in one city (a search for the city finds both), and one the
/// Web Form does not support.
pub(crate) const BANKS: [BankEntry; 3] = [
    BankEntry {
        id: 277_672,
        name: "finAPI Test Bank",
        blz: "00000000",
        bic: "TESTDE00XXX",
        city: "Munich",
        supported: true,
    },
    BankEntry {
        id: 277_673,
        name: "finAPI Test Savings Bank",
        blz: "00000001",
        bic: "TESTDE01XXX",
        city: "Munich",
        supported: true,
    },
    BankEntry {
        id: 999_999,
        name: "Unsupported Example Bank",
        blz: "99999999",
        bic: "UNSUDE99XXX",
        city: "Berlin",
        supported: false,
    },
];

impl serde::Serialize for BankEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.id)
    }
}

impl<'de> serde::Deserialize<'de> for BankEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = i64::deserialize(deserializer)?;
        BANKS
            .iter()
            .copied()
            .find(|b| b.id == id)
            .ok_or_else(|| serde::de::Error::custom(format!("no bank {id} in the catalogue")))
    }
}

/// The banks `term` finds: by id, name (part of it, any case), BLZ, BIC, city, or the BLZ
/// inside a German IBAN.
pub(crate) fn search_banks(term: &str) -> Vec<BankEntry> {
    let term = term.trim();
    let lower = term.to_ascii_lowercase();
    let compact: String = term.chars().filter(|c| !c.is_whitespace()).collect();
    let iban_blz = (compact.len() >= 12 && compact[..2].eq_ignore_ascii_case("DE"))
        .then(|| compact[4..12].to_owned());
    BANKS
        .iter()
        .copied()
        .filter(|b| {
            b.id.to_string() == term
                || b.name.to_ascii_lowercase().contains(&lower)
                || b.blz == term
                || b.bic.eq_ignore_ascii_case(term)
                || b.bic[..8].eq_ignore_ascii_case(term)
                || b.city.eq_ignore_ascii_case(term)
                || iban_blz.as_deref() == Some(b.blz)
        })
        .collect()
}

/// What a finished form produced.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Payload {
    pub(crate) bank_connection_id: Option<i64>,
    pub(crate) payment_id: Option<i64>,
    pub(crate) standing_order_id: Option<i64>,
    pub(crate) error_code: Option<String>,
}

/// A web form.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct FormRecord {
    pub(crate) id: String,
    pub(crate) owner: String,
    #[serde(deserialize_with = "crate::persist::known")]
    pub(crate) kind: crate::persist::Known,
    #[serde(deserialize_with = "crate::persist::known")]
    pub(crate) status: crate::persist::Known,
    pub(crate) created_at: SystemTime,
    pub(crate) expires_at: SystemTime,
    pub(crate) payload: Payload,
    pub(crate) callback: Option<String>,
    pub(crate) bank: Option<BankEntry>,
    pub(crate) summary: String,
    pub(crate) task: Option<String>,
    pub(crate) connection: Option<i64>,
}

impl FormRecord {
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self.status,
            "COMPLETED" | "COMPLETED_WITH_ERROR" | "EXPIRED" | "ABORTED"
        )
    }
}

/// A background update task.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct TaskRecord {
    pub(crate) id: String,
    pub(crate) owner: String,
    pub(crate) created_at: SystemTime,
    #[serde(deserialize_with = "crate::persist::known")]
    pub(crate) status: crate::persist::Known,
    pub(crate) bank_connection_id: i64,
    pub(crate) web_form: Option<String>,
    pub(crate) error_code: Option<String>,
    pub(crate) finalised: Option<String>,
}

/// A bank connection a completed import produced (shown by Access's bankConnections).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ConnectionRecord {
    pub(crate) id: i64,
    pub(crate) owner: String,
    pub(crate) bank: BankEntry,
    pub(crate) name: Option<String>,
}

/// A profile or translation set (mandator-wide).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct AdminRecord {
    pub(crate) id: String,
    pub(crate) created_at: SystemTime,
    pub(crate) body: Value,
}

/// Everything Web Form the emulator holds.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct WebFormStore {
    pub(crate) forms: HashMap<String, FormRecord>,
    pub(crate) form_order: Vec<String>,
    pub(crate) tasks: Vec<TaskRecord>,
    pub(crate) connections: HashMap<i64, ConnectionRecord>,
    pub(crate) profiles: Vec<AdminRecord>,
    pub(crate) translations: Vec<AdminRecord>,
    pub(crate) deliveries: Vec<CallbackDelivery>,
    next_id: i64,
}

impl WebFormStore {
    pub(crate) fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}

/// RFC 3339 with milliseconds in UTC, as the spec's examples write `date-time`.
pub(crate) fn timestamp(at: SystemTime) -> String {
    let date = crate::reply::finapi_date(at);
    format!("{}T{}+00:00", &date[..10], &date[11..])
}

/// Whether `path` is a Web Form 2.0 path (its own error shape).
pub(crate) fn is_webform_path(path: &str) -> bool {
    [
        "/api/webForms",
        "/api/tasks",
        "/api/profiles",
        "/api/translations",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// A Web Form `Error` body.
pub(crate) fn error(
    ctx: &RequestCtx,
    status: StatusCode,
    code: &str,
    description: &str,
) -> Response {
    json_reply(
        status,
        &json!({
            "code": code,
            "description": description,
            "timestamp": timestamp(SystemTime::now()),
            "endpoint": ctx.endpoint,
        }),
    )
}

/// A Web Form `ValidationError` body (400).
fn validation(ctx: &RequestCtx, refused: &[(String, String)]) -> Response {
    let errors: Vec<Value> = refused
        .iter()
        .map(|(field, message)| json!({"field": display_path(field), "message": message}))
        .collect();
    json_reply(
        StatusCode::BAD_REQUEST,
        &json!({"errors": errors, "timestamp": timestamp(SystemTime::now()), "endpoint": ctx.endpoint}),
    )
}

fn not_found(ctx: &RequestCtx, what: &str) -> Response {
    error(
        ctx,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("{what} not found"),
    )
}

fn unprocessable(ctx: &RequestCtx, code: &str, description: &str) -> Response {
    error(ctx, StatusCode::UNPROCESSABLE_ENTITY, code, description)
}

fn bearer_subject(state: &State, headers: &HeaderMap) -> Option<Subject> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    state.store().subject_of(token.trim(), state.now())
}

/// The user key of a user token; Web Form's 401 and 403 otherwise.
fn user(state: &State, ctx: &RequestCtx, headers: &HeaderMap) -> Result<String, Response> {
    match bearer_subject(state, headers) {
        Some(Subject::User { user, .. }) => Ok(user),
        Some(Subject::Client(_)) => {
            Err(error(ctx, StatusCode::FORBIDDEN, "FORBIDDEN", "No access"))
        }
        None => Err(error(
            ctx,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Invalid or missing access token",
        )),
    }
}

/// The mandator admin client's token; 403 "Incorrect authorization role" for another.
fn admin(state: &State, ctx: &RequestCtx, headers: &HeaderMap) -> Result<(), Response> {
    match bearer_subject(state, headers) {
        Some(Subject::Client(client)) if state.is_mandator_admin(&client) => Ok(()),
        Some(_) => Err(error(
            ctx,
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "Incorrect authorization role",
        )),
        None => Err(error(
            ctx,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Invalid or missing access token",
        )),
    }
}

fn parse_body(ctx: &RequestCtx, headers: &HeaderMap, body: &[u8]) -> Result<Value, Response> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json_type {
        return Err(validation(
            ctx,
            &[(
                "body".into(),
                "Content-Type must be application/json".into(),
            )],
        ));
    }
    serde_json::from_slice(body)
        .map_err(|_| validation(ctx, &[("body".into(), "is not valid JSON".into())]))
}

fn finish_check(ctx: &RequestCtx, check: &Check<'_>) -> Result<(), Response> {
    if check.refused.is_empty() {
        Ok(())
    } else {
        Err(validation(ctx, &check.refused))
    }
}

/// The licence rule for the body's `redirectUrl`: required when licensed for this kind of
/// form, forbidden otherwise.
fn redirect_rule(
    state: &State,
    ctx: &RequestCtx,
    body: &Value,
    payment: bool,
) -> Result<(), Response> {
    let licensed = match state.config.licence {
        Licence::FullyLicensed => true,
        Licence::Aisp => !payment,
        Licence::Pisp => payment,
        _ => false,
    };
    let given = body.get("redirectUrl").is_some_and(|v| !v.is_null());
    match (licensed, given) {
        (true, false) => Err(unprocessable(
            ctx,
            "INVALID_REDIRECT_URL",
            "The redirectUrl is required for your licence type",
        )),
        (false, true) => Err(unprocessable(
            ctx,
            "INVALID_REDIRECT_URL",
            "The redirectUrl is not allowed for your licence type",
        )),
        _ => Ok(()),
    }
}

fn check_profile(state: &State, ctx: &RequestCtx, body: &Value) -> Result<(), Response> {
    if let Some(id) = body.get("profileId").and_then(Value::as_str) {
        let store = state.webforms();
        if !store.profiles.iter().any(|p| p.id == id) {
            return Err(not_found(ctx, "Profile"));
        }
    }
    Ok(())
}

fn callback_of(body: &Value, field: &str) -> Option<String> {
    body.get("callbacks")?
        .get(field)?
        .as_str()
        .map(str::to_owned)
}

/// The JSON of a form as the spec's `WebForm`, with the page address on this host.
pub(crate) fn form_json(form: &FormRecord, host: &str) -> Value {
    let mut payload = serde_json::Map::new();
    let p = &form.payload;
    for (key, value) in [
        ("bankConnectionId", p.bank_connection_id),
        ("paymentId", p.payment_id),
        ("standingOrderId", p.standing_order_id),
    ] {
        if let Some(v) = value {
            payload.insert(key.into(), json!(v));
        }
    }
    if let Some(code) = &p.error_code {
        payload.insert("errorCode".into(), json!(code));
    }
    json!({
        "id": form.id,
        "url": format!("http://{host}/wf/{}", form.id),
        "createdAt": timestamp(form.created_at),
        "expiresAt": timestamp(form.expires_at),
        "type": form.kind,
        "status": form.status,
        "payload": payload,
    })
}

fn task_json(task: &TaskRecord, forms: &HashMap<String, FormRecord>, host: &str) -> Value {
    let mut payload = json!({"bankConnectionId": task.bank_connection_id});
    if let Some(form) = task.web_form.as_ref().and_then(|id| forms.get(id)) {
        payload["webForm"] = json!({"id": form.id, "url": format!("http://{host}/wf/{}", form.id), "status": form.status});
    }
    if let Some(code) = &task.error_code {
        payload["errorCode"] = json!(code);
    }
    json!({
        "id": task.id,
        "createdAt": timestamp(task.created_at),
        "type": "BANK_CONNECTION_UPDATE",
        "status": task.status,
        "payload": payload,
    })
}

pub(crate) fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// Moves forms past their `expiresAt` to `EXPIRED` (on the emulator's clock), with callbacks.
pub(crate) fn expire(state: &Arc<State>) {
    let now = state.system_now();
    let expired: Vec<String> = state
        .webforms()
        .forms
        .values()
        .filter(|f| !f.is_final() && f.expires_at <= now)
        .map(|f| f.id.clone())
        .collect();
    for id in expired {
        let _ = finalise(state, &id, "EXPIRED", None);
    }
}

/// Ends a form: `COMPLETED` (with the payload id it produces), `COMPLETED_WITH_ERROR` (with
/// `error_code`), `ABORTED` or `EXPIRED`; finishes its task; delivers its callback. `Err` when
/// the form is unknown or already final.
pub(crate) fn finalise(
    state: &Arc<State>,
    id: &str,
    status: &'static str,
    error_code: Option<&str>,
) -> Result<FormRecord, &'static str> {
    let mut store = state.webforms();
    let new_id = store.next_id();
    let Some(form) = store.forms.get_mut(id) else {
        return Err("no such web form");
    };
    if form.is_final() {
        return Err("the web form is final already");
    }
    form.status = status;
    match status {
        "COMPLETED" => match form.kind {
            "BANK_CONNECTION_IMPORT" => form.payload.bank_connection_id = Some(new_id),
            "BANK_CONNECTION_UPDATE" => form.payload.bank_connection_id = form.connection,
            "STANDING_ORDER" => form.payload.standing_order_id = Some(new_id),
            _ => form.payload.payment_id = Some(new_id),
        },
        "COMPLETED_WITH_ERROR" => {
            form.payload.error_code =
                Some(error_code.unwrap_or("BANK_SERVER_REJECTION").to_owned());
        }
        _ => {}
    }
    let form = form.clone();
    if form.kind == "BANK_CONNECTION_IMPORT"
        && let (Some(conn), Some(bank)) = (form.payload.bank_connection_id, form.bank)
    {
        store.connections.insert(
            conn,
            ConnectionRecord {
                id: conn,
                owner: form.owner.clone(),
                bank,
                name: None,
            },
        );
    }
    let mut task_callback = None;
    if let Some(task_id) = &form.task
        && let Some(task) = store.tasks.iter_mut().find(|t| &t.id == task_id)
    {
        task.status = if status == "COMPLETED" {
            "COMPLETED"
        } else {
            "COMPLETED_WITH_ERROR"
        };
        if status != "COMPLETED" {
            task.error_code = Some("BANK_SERVER_REJECTION".to_owned());
        }
        task_callback = task
            .finalised
            .clone()
            .map(|url| (url, json!({"taskId": task.id, "status": task.status})));
    }
    drop(store);
    if let Some(url) = &form.callback {
        callbacks::deliver(
            state,
            url,
            &json!({"webFormId": form.id, "status": form.status}),
        );
    }
    if let Some((url, body)) = task_callback {
        callbacks::deliver(state, &url, &body);
    }
    Ok(form)
}

fn new_form(
    state: &State,
    owner: String,
    kind: &'static str,
    body: &Value,
    bank: Option<BankEntry>,
    summary: String,
) -> FormRecord {
    let now = state.system_now();
    FormRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner,
        kind,
        status: "NOT_YET_OPENED",
        created_at: now,
        expires_at: now + state.config.web_form_lifetime,
        payload: Payload::default(),
        callback: callback_of(body, "finalised"),
        bank,
        summary,
        task: None,
        connection: None,
    }
}

fn store_form(state: &State, form: FormRecord, headers: &HeaderMap) -> Response {
    let body = form_json(&form, &host(headers));
    let mut store = state.webforms();
    store.form_order.push(form.id.clone());
    store.forms.insert(form.id.clone(), form);
    json_reply(StatusCode::CREATED, &body)
}

/// The bank of an import: by id or search; 422 `BANK_NOT_SUPPORTED`/`BANK_NOT_UNIQUE`.
fn import_bank(ctx: &RequestCtx, body: &Value) -> Result<Option<BankEntry>, Response> {
    let bank = body.get("bank").filter(|b| !b.is_null());
    let id = bank.and_then(|b| b.get("id")).and_then(Value::as_i64);
    let search = bank.and_then(|b| b.get("search")).and_then(Value::as_str);
    let found = match (id, search) {
        (Some(_), Some(_)) => {
            return Err(validation(
                ctx,
                &[("bank".into(), "give either id or search, not both".into())],
            ));
        }
        (Some(id), None) => BANKS.iter().copied().filter(|b| b.id == id).collect(),
        (None, Some(term)) => search_banks(term),
        (None, None) => return Ok(None),
    };
    match found.as_slice() {
        [bank] if bank.supported => Ok(Some(*bank)),
        [_, _, ..] if search.is_some() => Err(unprocessable(
            ctx,
            "BANK_NOT_UNIQUE",
            "The bank search gives more than one bank",
        )),
        _ => Err(unprocessable(
            ctx,
            "BANK_NOT_SUPPORTED",
            "The bank is not supported, or no valid bank was found",
        )),
    }
}

/// The steps every web form creation shares, in finAPI's order: the user's token, the JSON
/// body, the kind's field rules from the spec (`fields`, given today's date), the profile, the
/// kind's business rules (`decide`: the bank and the page's summary, or a 422), the licence
/// rule for the body's `redirectUrl`; then the form is stored (201).
fn create(
    state: &Arc<State>,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    raw: &[u8],
    (kind, payment): (&'static str, bool),
    fields: impl FnOnce(&mut Check<'_>, &str),
    decide: impl FnOnce(&Value) -> Result<(Option<BankEntry>, String), Response>,
) -> Reply {
    let owner = user(state, ctx, headers)?;
    let body = parse_body(ctx, headers, raw)?;
    let today = state.today();
    let mut check = Check::new(&body);
    fields(&mut check, &today);
    finish_check(ctx, &check)?;
    check_profile(state, ctx, &body)?;
    let (bank, summary) = decide(&body)?;
    redirect_rule(state, ctx, &body, payment)?;
    let form = new_form(state, owner, kind, &body, bank, summary);
    Ok(store_form(state, form, headers))
}

pub(crate) async fn create_import(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let kind = ("BANK_CONNECTION_IMPORT", false);
    create(
        &state,
        &ctx,
        &headers,
        &raw,
        kind,
        |check, _| {
            check.str_len("bank.search", 1, 2048, false);
            check.int("bank.id", i64::MIN, i64::MAX, false);
            check.str_len("bankConnectionName", 1, 64, false);
            check.boolean("skipPositionsDownload");
            check.boolean("loadOwnerData");
            check.int("maxDaysForDownload", i64::from(i32::MIN), 3650, false);
            if let Some(Value::Array(types)) = check.value("accountTypes") {
                let allowed = [
                    "BAUSPAREN",
                    "CHECKING",
                    "CREDIT_CARD",
                    "LOAN",
                    "MEMBERSHIP",
                    "SAVINGS",
                    "SECURITY",
                ];
                for (i, t) in types.iter().enumerate() {
                    if !t.as_str().is_some_and(|t| allowed.contains(&t)) {
                        check
                            .refused
                            .push((format!("accountTypes.{i}"), "is not an account type".into()));
                    }
                }
            }
            check.common(&["finalised"]);
        },
        |body| {
            let bank = import_bank(&ctx, body)?;
            let summary = match bank {
                Some(b) => format!("Connect your account at {}", b.name),
                None => "Connect a bank account".to_owned(),
            };
            Ok((bank.or(Some(BANKS[0])), summary))
        },
    )
}

pub(crate) async fn create_update(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    let body = parse_body(&ctx, &headers, &raw)?;
    let mut check = Check::new(&body);
    check.int("bank.bankConnectionId", i64::MIN, i64::MAX, true);
    check.common(&["finalised"]);
    if body.get("redirectUrl").is_some() {
        check.refused.push((
            "redirectUrl".into(),
            "is not a field of this request".into(),
        ));
    }
    finish_check(&ctx, &check)?;
    check_profile(&state, &ctx, &body)?;
    let id = body["bank"]["bankConnectionId"]
        .as_i64()
        .unwrap_or_default();
    let connection = state
        .webforms()
        .connections
        .get(&id)
        .filter(|c| c.owner == owner)
        .cloned();
    let Some(connection) = connection else {
        return Err(not_found(&ctx, "Bank connection"));
    };
    let mut form = new_form(
        &state,
        owner,
        "BANK_CONNECTION_UPDATE",
        &body,
        Some(connection.bank),
        format!("Update your connection at {}", connection.bank.name),
    );
    form.connection = Some(id);
    Ok(store_form(&state, form, &headers))
}

fn payment_checks(check: &mut Check<'_>, today: &str) {
    check.orders(|c, path| {
        c.amount(&format!("{path}.amount"));
        c.account(&format!("{path}.recipient"), true);
        c.order_texts(path);
    });
    check.date("executionDate", today, false, true);
    check.boolean("batchBookingPreferred");
    check.common(&["finalised"]);
}

fn currencies(body: &Value, amounts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Array(orders)) = body.get("orders") {
        for order in orders {
            out.push(
                order["amount"]["currency"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            );
        }
    }
    for path in amounts {
        out.push(body[*path]["currency"].as_str().unwrap_or("").to_owned());
    }
    out
}

fn total(body: &Value) -> String {
    let orders = body
        .get("orders")
        .and_then(Value::as_array)
        .map_or(1, Vec::len);
    let first = body
        .get("orders")
        .and_then(|o| o.get(0))
        .map_or(&body["amount"], |o| &o["amount"]);
    let value = match &first["value"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let currency = first["currency"].as_str().unwrap_or("");
    if orders > 1 {
        format!("{orders} orders, the first of {value} {currency}")
    } else {
        format!("{value} {currency}")
    }
}

fn eur_only(ctx: &RequestCtx, body: &Value, amounts: &[&str]) -> Result<(), Response> {
    if currencies(body, amounts).iter().any(|c| c != "EUR") {
        return Err(unprocessable(
            ctx,
            "PAYMENT_NOT_SUPPORTED",
            "Only EUR is supported",
        ));
    }
    Ok(())
}

fn sender_bank(ctx: &RequestCtx, body: &Value) -> Result<BankEntry, Response> {
    let Some(iban) = body
        .get("sender")
        .and_then(|s| s.get("iban"))
        .and_then(Value::as_str)
    else {
        return Ok(BANKS[0]);
    };
    match search_banks(iban).as_slice() {
        [bank] if bank.supported => Ok(*bank),
        _ => Err(unprocessable(
            ctx,
            "BANK_NOT_SUPPORTED",
            "The sender's bank is not supported",
        )),
    }
}

pub(crate) async fn create_standalone_payment(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let kind = ("STANDALONE_PAYMENT", true);
    create(
        &state,
        &ctx,
        &headers,
        &raw,
        kind,
        |check, today| {
            payment_checks(check, today);
            check.boolean("instantPayment");
            check.str_len("sender.iban", 0, 34, false);
            if check.value("instantPayment") == Some(&Value::Bool(true))
                && check
                    .value("orders")
                    .and_then(Value::as_array)
                    .is_some_and(|o| o.len() > 1)
            {
                check
                    .refused
                    .push(("instantPayment".into(), "takes a single order".into()));
            }
        },
        |body| {
            let bank = sender_bank(&ctx, body)?;
            eur_only(&ctx, body, &[])?;
            Ok((Some(bank), format!("Pay {}", total(body))))
        },
    )
}

pub(crate) async fn create_payment_with_account(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let kind = ("PAYMENT_WITH_ACCOUNT_ID", true);
    create(
        &state,
        &ctx,
        &headers,
        &raw,
        kind,
        |check, today| {
            payment_checks(check, today);
            check.int("sender.accountId", i64::MIN, i64::MAX, true);
        },
        |body| Ok((Some(BANKS[0]), format!("Pay {}", total(body)))),
    )
}

pub(crate) async fn create_direct_debit(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let kind = ("DIRECT_DEBIT_WITH_ACCOUNT_ID", true);
    create(
        &state,
        &ctx,
        &headers,
        &raw,
        kind,
        |check, today| {
            check.orders(|c, path| {
                c.amount(&format!("{path}.amount"));
                c.account(&format!("{path}.payer"), true);
                c.str_len(&format!("{path}.payer.address"), 1, 140, false);
                c.str_len(&format!("{path}.mandateId"), 0, 270, true);
                c.date(&format!("{path}.mandateDate"), "", true, false);
                c.str_len(&format!("{path}.creditorId"), 0, 35, true);
                c.order_texts(path);
            });
            check.int("receiver.accountId", i64::MIN, i64::MAX, true);
            check.date("executionDate", today, true, true);
            check.one_of("directDebitType", &["B2B", "BASIC"], true);
            check.one_of("sequenceType", &["OOFF", "FRST", "RCUR", "FNAL"], true);
            check.boolean("batchBookingPreferred");
            check.common(&["finalised"]);
        },
        |body| {
            eur_only(&ctx, body, &[])?;
            Ok((Some(BANKS[0]), format!("Collect {}", total(body))))
        },
    )
}

pub(crate) async fn create_standing_order(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let kind = ("STANDING_ORDER", true);
    create(
        &state,
        &ctx,
        &headers,
        &raw,
        kind,
        |check, today| {
            check.amount("amount");
            check.str_len("recipient.iban", 0, 34, true);
            check.str_len("recipient.name", 1, 70, true);
            check.date("startDate", today, true, true);
            check.date("endDate", today, false, true);
            if let (Some(Value::String(start)), Some(Value::String(end))) =
                (check.value("startDate"), check.value("endDate"))
                && end <= start
            {
                check
                    .refused
                    .push(("endDate".into(), "must be after startDate".into()));
            }
            check.one_of(
                "frequency",
                &[
                    "MONTHLY",
                    "EVERY_TWO_MONTHS",
                    "QUARTERLY",
                    "SEMI_ANNUAL",
                    "ANNUAL",
                ],
                true,
            );
            check.str_len("sender.iban", 0, 34, false);
            check.order_texts("");
            check.common(&["finalised"]);
        },
        |body| {
            let bank = sender_bank(&ctx, body)?;
            eur_only(&ctx, body, &["amount"])?;
            Ok((Some(bank), format!("Standing order of {}", total(body))))
        },
    )
}

/// `page`, `perPage` and `order` of a list; 400 for bad values.
fn paging(
    ctx: &RequestCtx,
    query: Option<&str>,
    with_order: bool,
) -> Result<(usize, usize, bool), Response> {
    let mut page = 1i64;
    let mut per_page = 20i64;
    let mut descending = false;
    let mut refused = Vec::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "page" => match value.parse::<i32>() {
                Ok(n) if n >= 1 => page = i64::from(n),
                _ => refused.push((
                    "page".to_owned(),
                    "must be greater than or equal to 1".to_owned(),
                )),
            },
            "perPage" => match value.parse::<i32>() {
                Ok(n) if (1..=500).contains(&n) => per_page = i64::from(n),
                _ => refused.push(("perPage".to_owned(), "must be between 1 and 500".to_owned())),
            },
            "order" if with_order => match value.as_ref() {
                "createdAt" | "createdAt,asc" => descending = false,
                "createdAt,desc" => descending = true,
                _ => refused.push((
                    "order".to_owned(),
                    "only createdAt[,asc|desc] is allowed".to_owned(),
                )),
            },
            _ => {}
        }
    }
    if refused.is_empty() {
        Ok((page as usize, per_page as usize, descending))
    } else {
        Err(validation(ctx, &refused))
    }
}

fn page_json(items: Vec<Value>, page: usize, per_page: usize) -> Value {
    let total = items.len();
    let page_count = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    json!({"items": items, "paging": {"page": page, "perPage": per_page, "pageCount": page_count, "totalCount": total}})
}

pub(crate) async fn list_forms(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    let (page, per_page, descending) = paging(&ctx, query.as_deref(), true)?;
    expire(&state);
    let host = host(&headers);
    let store = state.webforms();
    let mut items: Vec<Value> = store
        .form_order
        .iter()
        .filter_map(|id| store.forms.get(id))
        .filter(|f| f.owner == owner)
        .map(|f| form_json(f, &host))
        .collect();
    if descending {
        items.reverse();
    }
    Ok(json_reply(
        StatusCode::OK,
        &page_json(items, page, per_page),
    ))
}

pub(crate) async fn get_form(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    expire(&state);
    let store = state.webforms();
    match store.forms.get(&id).filter(|f| f.owner == owner) {
        Some(form) => Ok(json_reply(
            StatusCode::OK,
            &form_json(form, &host(&headers)),
        )),
        None => Err(not_found(&ctx, "Web form")),
    }
}

pub(crate) async fn delete_form(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    let mut store = state.webforms();
    if store.forms.get(&id).is_none_or(|f| f.owner != owner) {
        return Err(not_found(&ctx, "Web form"));
    }
    store.forms.remove(&id);
    store.form_order.retain(|f| f != &id);
    Ok(crate::reply::empty_ok())
}

pub(crate) async fn create_task(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    let body = parse_body(&ctx, &headers, &raw)?;
    let mut check = Check::new(&body);
    check.int("bankConnectionId", i64::MIN, i64::MAX, true);
    for flag in [
        "importNewAccounts",
        "skipPositionsDownload",
        "loadOwnerData",
    ] {
        check.boolean(flag);
    }
    check.common(&["finalised", "webFormRequired"]);
    if body.get("userMetadata").is_some_and(|m| !m.is_null()) {
        check.str_len("userMetadata.ipAddress", 0, 64, true);
        check.str_len("userMetadata.deviceOs", 0, 1024, true);
        check.str_len("userMetadata.userAgent", 0, 1024, true);
    }
    finish_check(&ctx, &check)?;
    check_profile(&state, &ctx, &body)?;
    let connection_id = body["bankConnectionId"].as_i64().unwrap_or_default();
    let connection = state
        .webforms()
        .connections
        .get(&connection_id)
        .filter(|c| c.owner == owner)
        .cloned();
    let Some(connection) = connection else {
        return Err(not_found(&ctx, "Bank connection"));
    };
    redirect_rule(&state, &ctx, &body, false)?;
    if state.webforms().tasks.iter().any(|t| {
        t.bank_connection_id == connection_id
            && !matches!(t.status, "COMPLETED" | "COMPLETED_WITH_ERROR")
    }) {
        return Err(error(
            &ctx,
            StatusCode::LOCKED,
            "LOCKED",
            "The bank connection is being updated",
        ));
    }
    let mut task = TaskRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner: owner.clone(),
        created_at: state.system_now(),
        status: "COMPLETED",
        bank_connection_id: connection_id,
        web_form: None,
        error_code: None,
        finalised: callback_of(&body, "finalised"),
    };
    let mut deliveries = Vec::new();
    if state.config.tasks_need_web_form {
        let mut form = new_form(
            &state,
            owner,
            "BANK_CONNECTION_UPDATE",
            &body,
            Some(connection.bank),
            format!("Confirm the update at {}", connection.bank.name),
        );
        form.callback = None;
        form.task = Some(task.id.clone());
        form.connection = Some(connection_id);
        task.status = "WEB_FORM_REQUIRED";
        task.web_form = Some(form.id.clone());
        if let Some(url) = callback_of(&body, "webFormRequired") {
            let host = host(&headers);
            deliveries.push((url, json!({"taskId": task.id, "status": task.status, "webForm": {"id": form.id, "url": format!("http://{host}/wf/{}", form.id), "status": form.status}})));
        }
        let mut store = state.webforms();
        store.form_order.push(form.id.clone());
        store.forms.insert(form.id.clone(), form);
    } else if let Some(url) = &task.finalised {
        deliveries.push((
            url.clone(),
            json!({"taskId": task.id, "status": task.status}),
        ));
    }
    let answer = {
        let mut store = state.webforms();
        let answer = task_json(&task, &store.forms, &host(&headers));
        store.tasks.push(task);
        answer
    };
    for (url, body) in deliveries {
        callbacks::deliver(&state, &url, &body);
    }
    Ok(json_reply(StatusCode::CREATED, &answer))
}

pub(crate) async fn list_tasks(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    let (page, per_page, descending) = paging(&ctx, query.as_deref(), true)?;
    expire(&state);
    let host = host(&headers);
    let store = state.webforms();
    let mut items: Vec<Value> = store
        .tasks
        .iter()
        .filter(|t| t.owner == owner)
        .map(|t| task_json(t, &store.forms, &host))
        .collect();
    if descending {
        items.reverse();
    }
    Ok(json_reply(
        StatusCode::OK,
        &page_json(items, page, per_page),
    ))
}

pub(crate) async fn get_task(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let owner = user(&state, &ctx, &headers)?;
    expire(&state);
    let store = state.webforms();
    match store.tasks.iter().find(|t| t.id == id && t.owner == owner) {
        Some(task) => Ok(json_reply(
            StatusCode::OK,
            &task_json(task, &store.forms, &host(&headers)),
        )),
        None => Err(not_found(&ctx, "Task")),
    }
}

fn profile_checks(check: &mut Check<'_>, create: bool) {
    check.str_len("label", 0, 128, create);
    check.boolean("default");
    check.str_len("brand.logo", 0, 5_000_000, false);
    check.str_len("brand.favicon", 0, 500_000, false);
    check.str_len("brand.introText", 0, 1000, false);
    for field in ["progressBar", "header"] {
        check.one_of(
            &format!("functionality.{field}"),
            &["RENDER", "HIDDEN"],
            false,
        );
    }
    check.one_of(
        "functionality.bankLoginHint",
        &["EXPANDED", "COLLAPSED", "HIDDEN"],
        false,
    );
    check.one_of(
        "functionality.storeSecrets",
        &["RENDER", "HIDDEN", "MANDATORY", "IMPLICIT_APPROVAL"],
        false,
    );
    check.one_of("functionality.bankDetails", &["LOCKED", "EDITABLE"], false);
    check.one_of(
        "functionality.language.selector",
        &["RENDER", "HIDDEN"],
        false,
    );
    check.one_of(
        "functionality.language.locked",
        &["DE", "EN", "CS", "SK"],
        false,
    );
    let hidden =
        |c: &Check<'_>, path: &str| c.value(path).and_then(Value::as_str) == Some("HIDDEN");
    if (hidden(check, "functionality.header") || hidden(check, "functionality.language.selector"))
        && check.value("functionality.language.locked").is_none()
    {
        check.refused.push((
            "functionality.language.locked".into(),
            "is required when the header or the language selector is hidden".into(),
        ));
    }
    check.str_len("aspect.text.fontFamily", 1, 512, false);
    check.str_len("aspect.theme", 1, 32, false);
}

fn profile_json(p: &AdminRecord) -> Value {
    let mut out = json!({"id": p.id, "createdAt": timestamp(p.created_at), "label": p.body["label"], "default": p.body.get("default").cloned().unwrap_or(json!(false))});
    for key in ["brand", "functionality", "aspect"] {
        if let Some(v) = p.body.get(key).filter(|v| !v.is_null()) {
            out[key] = v.clone();
        }
    }
    out
}

pub(crate) async fn create_profile(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    admin(&state, &ctx, &headers)?;
    let body = parse_body(&ctx, &headers, &raw)?;
    let mut check = Check::new(&body);
    profile_checks(&mut check, true);
    finish_check(&ctx, &check)?;
    let mut store = state.webforms();
    let label = body["label"].as_str().unwrap_or("");
    if store
        .profiles
        .iter()
        .any(|p| p.body["label"].as_str() == Some(label))
    {
        return Err(unprocessable(
            &ctx,
            "ENTITY_EXISTS",
            "A profile with this label exists",
        ));
    }
    if body.get("default") == Some(&Value::Bool(true))
        && store
            .profiles
            .iter()
            .any(|p| p.body.get("default") == Some(&Value::Bool(true)))
    {
        return Err(unprocessable(
            &ctx,
            "ENTITY_EXISTS",
            "A default profile exists",
        ));
    }
    Ok(admin_insert(&state, &mut store, AdminKind::Profile, body))
}

pub(crate) async fn list_profiles(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    admin_list(&state, &ctx, &headers, query.as_deref(), AdminKind::Profile)
}

pub(crate) async fn get_profile(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    admin_get(&state, &ctx, &headers, &id, AdminKind::Profile)
}

pub(crate) async fn edit_profile(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    raw: Bytes,
) -> Reply {
    admin(&state, &ctx, &headers)?;
    let body = parse_body(&ctx, &headers, &raw)?;
    let mut check = Check::new(&body);
    profile_checks(&mut check, false);
    finish_check(&ctx, &check)?;
    let mut store = state.webforms();
    let label = body.get("label").and_then(Value::as_str).map(str::to_owned);
    if let Some(label) = &label
        && store
            .profiles
            .iter()
            .any(|p| p.id != id && p.body["label"].as_str() == Some(label))
    {
        return Err(unprocessable(
            &ctx,
            "ENTITY_EXISTS",
            "A profile with this label exists",
        ));
    }
    let Some(profile) = store.profiles.iter_mut().find(|p| p.id == id) else {
        return Err(not_found(&ctx, "Profile"));
    };
    if let (Value::Object(target), Value::Object(changes)) = (&mut profile.body, &body) {
        for (k, v) in changes {
            target.insert(k.clone(), v.clone());
        }
    }
    Ok(json_reply(StatusCode::CREATED, &profile_json(profile)))
}

pub(crate) async fn delete_profile(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    admin_delete(&state, &ctx, &headers, &id, AdminKind::Profile)
}

const VIEWS: [&str; 12] = [
    "bankSearchView",
    "bankLoginView",
    "redirectBankLoginView",
    "scaMethodSelectionView",
    "scaChallengeView",
    "accountSelectionViewAis",
    "accountSelectionViewPis",
    "dataDownloadViewAis",
    "partialConfirmationView",
    "updateSummaryView",
    "confirmationView",
    "errorView",
];

fn translation_json(t: &AdminRecord) -> Value {
    let mut out = json!({"id": t.id, "createdAt": timestamp(t.created_at)});
    for lang in ["cs", "de", "en", "sk"] {
        if let Some(v) = t.body.get(lang).filter(|v| !v.is_null()) {
            out[lang] = v.clone();
        }
    }
    out
}

pub(crate) async fn create_translation(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    raw: Bytes,
) -> Reply {
    admin(&state, &ctx, &headers)?;
    let body = parse_body(&ctx, &headers, &raw)?;
    let mut check = Check::new(&body);
    for lang in ["cs", "de", "en", "sk"] {
        for view in VIEWS {
            check.str_len(&format!("{lang}.{view}.title"), 0, 512, false);
            check.str_len(&format!("{lang}.{view}.subtitle"), 0, 512, false);
        }
    }
    finish_check(&ctx, &check)?;
    let mut store = state.webforms();
    if !store.translations.is_empty() {
        return Err(unprocessable(
            &ctx,
            "ENTITY_EXISTS",
            "A translation already exists",
        ));
    }
    Ok(admin_insert(
        &state,
        &mut store,
        AdminKind::Translation,
        body,
    ))
}

pub(crate) async fn list_translations(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    admin_list(
        &state,
        &ctx,
        &headers,
        query.as_deref(),
        AdminKind::Translation,
    )
}

pub(crate) async fn get_translation(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    admin_get(&state, &ctx, &headers, &id, AdminKind::Translation)
}

pub(crate) async fn delete_translation(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    admin_delete(&state, &ctx, &headers, &id, AdminKind::Translation)
}

/// The two mandator-wide record kinds, served alike.
#[derive(Debug, Clone, Copy)]
enum AdminKind {
    Profile,
    Translation,
}

impl AdminKind {
    fn name(self) -> &'static str {
        match self {
            Self::Profile => "Profile",
            Self::Translation => "Translation",
        }
    }

    fn records(self, store: &mut WebFormStore) -> &mut Vec<AdminRecord> {
        match self {
            Self::Profile => &mut store.profiles,
            Self::Translation => &mut store.translations,
        }
    }

    fn to_json(self, record: &AdminRecord) -> Value {
        match self {
            Self::Profile => profile_json(record),
            Self::Translation => translation_json(record),
        }
    }
}

/// Stores a new record of `kind` and answers 201 with it.
fn admin_insert(state: &State, store: &mut WebFormStore, kind: AdminKind, body: Value) -> Response {
    let record = AdminRecord {
        id: uuid::Uuid::new_v4().to_string(),
        created_at: state.system_now(),
        body,
    };
    let answer = kind.to_json(&record);
    kind.records(store).push(record);
    json_reply(StatusCode::CREATED, &answer)
}

/// `GET` of a list: the page asked for (translations take no `order`).
fn admin_list(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    query: Option<&str>,
    kind: AdminKind,
) -> Reply {
    admin(state, ctx, headers)?;
    let with_order = matches!(kind, AdminKind::Profile);
    let (page, per_page, descending) = paging(ctx, query, with_order)?;
    let mut store = state.webforms();
    let mut items: Vec<Value> = kind
        .records(&mut store)
        .iter()
        .map(|r| kind.to_json(r))
        .collect();
    if descending {
        items.reverse();
    }
    Ok(json_reply(
        StatusCode::OK,
        &page_json(items, page, per_page),
    ))
}

/// `GET .../{id}`.
fn admin_get(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    id: &str,
    kind: AdminKind,
) -> Reply {
    admin(state, ctx, headers)?;
    let mut store = state.webforms();
    match kind.records(&mut store).iter().find(|r| r.id == id) {
        Some(record) => Ok(json_reply(StatusCode::OK, &kind.to_json(record))),
        None => Err(not_found(ctx, kind.name())),
    }
}

/// `DELETE .../{id}`.
fn admin_delete(
    state: &State,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    id: &str,
    kind: AdminKind,
) -> Reply {
    admin(state, ctx, headers)?;
    let mut store = state.webforms();
    let records = kind.records(&mut store);
    let before = records.len();
    records.retain(|r| r.id != id);
    if records.len() == before {
        return Err(not_found(ctx, kind.name()));
    }
    Ok(crate::reply::empty_ok())
}

/// `GET /api/v{1,2}/bankConnections/{id}` (Access, user token): a connection an import
/// produced, as finAPI Access's `BankConnection`.
pub(crate) async fn get_bank_connection(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let (_, owner) = crate::auth::require_user(&state, &ctx, &headers)?;
    let connection = id
        .parse::<i64>()
        .ok()
        .and_then(|id| state.webforms().connections.get(&id).cloned())
        .filter(|c| c.owner == owner);
    let Some(connection) = connection else {
        return Err(crate::reply::api_error(
            &ctx,
            StatusCode::NOT_FOUND,
            finapi_access_types::ErrorCode::UnknownEntity,
            "Bank connection not found",
        ));
    };
    let mut body: Value =
        serde_json::from_str(include_str!("bank_connection.json")).unwrap_or_default();
    body["id"] = json!(connection.id);
    body["bankId"] = json!(connection.bank.id);
    body["name"] = json!(connection.name);
    body["bank"]["id"] = json!(connection.bank.id);
    body["bank"]["name"] = json!(connection.bank.name);
    body["bank"]["blz"] = json!(connection.bank.blz);
    body["bank"]["blzs"] = json!([connection.bank.blz]);
    body["bank"]["bic"] = json!(connection.bank.bic);
    body["bank"]["city"] = json!(connection.bank.city);
    Ok(json_reply(StatusCode::OK, &body))
}

/// Test control (emulator only): `POST /emulator/webForms/{id}/complete`,
/// `/fail?errorCode=CODE` or `/abort` end a form as the end user would.
pub(crate) async fn control(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<RequestCtx>,
    Path((id, action)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Reply {
    let code = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "errorCode")
        .map(|(_, v)| v.into_owned());
    let status = match action.as_str() {
        "complete" => "COMPLETED",
        "fail" => "COMPLETED_WITH_ERROR",
        "abort" => "ABORTED",
        _ => return Err(not_found(&ctx, "Action")),
    };
    expire(&state);
    match finalise(&state, &id, status, code.as_deref()) {
        Ok(form) => Ok(json_reply(
            StatusCode::OK,
            &json!({"id": form.id, "status": form.status}),
        )),
        Err(reason) if reason.starts_with("no such") => Err(not_found(&ctx, "Web form")),
        Err(reason) => Err(error(&ctx, StatusCode::CONFLICT, "NOT_ALLOWED", reason)),
    }
}

/// `GET /emulator/callbacks`: every callback delivery so far.
pub(crate) async fn deliveries(AxumState(state): AxumState<Arc<State>>) -> Reply {
    let list: Vec<Value> = state
        .webforms()
        .deliveries
        .iter()
        .map(CallbackDelivery::to_json)
        .collect();
    Ok(json_reply(StatusCode::OK, &json!({"deliveries": list})))
}

/// The web form lifetime in whole seconds, for the page.
pub(crate) fn seconds_left(state: &State, form: &FormRecord) -> u64 {
    form.expires_at
        .duration_since(state.system_now())
        .unwrap_or(Duration::ZERO)
        .as_secs()
}
