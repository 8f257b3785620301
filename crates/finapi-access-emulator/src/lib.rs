//! # finapi-access-emulator
//!
//! finAPI Access on localhost: a real HTTP server that behaves as finAPI's spec describes for
//! the OAuth token and revocation endpoints and the users endpoints, at the v2 and the v1
//! paths. Use it to develop and test against finAPI without credentials or a network, from
//! Rust tests (in-process) or from any language (the `finapi-access emulator` command).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! use finapi_access_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! println!("finAPI Access at {}", emulator.base_url());
//! // point an AccessClient at emulator.base_url() with emulator.client_id() / client_secret()
//! # Ok(()) }
//! ```
//!
//! What it does: `client_credentials`, `password` and `refresh_token` grants (the same valid
//! token is handed out again for the same credentials, as finAPI does; tokens expire after
//! the configured lifetime); revocation with finAPI's `token_type_hint` semantics; create user
//! (generated id and password when omitted, finAPI's field rules, `ENTITY_EXISTS` for ids
//! that match case-insensitively) and get the authorised user. Errors are finAPI's
//! `ErrorMessage` (or the OAuth body for 401), and every response echoes `X-Request-Id`.
//! The whole users API and the mandator admin user list and bulk deletion are served too; see
//! `docs/emulator.md` for the table of endpoints.
//!
//! It uses the models of `finapi-access-types`; the client side is `finapi-access-core` with
//! `finapi-access-reqwest` or `finapi-access-hyper`, and the `finapi-access emulator` command
//! serves it standalone.

#![forbid(unsafe_code)]
// Handlers return finished error responses as `Err`; they are built once per failed request.
#![allow(clippy::result_large_err)]

mod admin;
mod auth;
mod categorization;

mod client_config;
mod config;
mod fault_control;
mod faults;
mod persist;
mod reply;
mod rules;
mod state;
mod token;
mod users;
mod webform;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use bytes::Bytes;
use finapi_access_types::ErrorCode;

pub use config::{
    DEFAULT_ADMIN_CLIENT_ID, DEFAULT_ADMIN_CLIENT_SECRET, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    EmulatorClient, EmulatorConfig, Licence, RequestRecord,
};
pub use faults::{CallbackFaults, Fault, FaultRule};
pub use persist::StateFile;
pub use webform::callbacks::CallbackDelivery;

use crate::reply::{Language, RequestCtx, api_error};
use crate::state::State;

const REQUEST_ID: &str = "x-request-id";

/// The emulator's router, for serving it on a listener of your own.
pub fn router(config: EmulatorConfig) -> Router {
    router_with_state(Arc::new(State::new(config)))
}

fn router_with_state(state: Arc<State>) -> Router {
    let users = || {
        post(users::post_users)
            .get(users::get_user)
            .patch(users::update_user)
            .delete(users::delete_user)
    };
    let mut router = Router::new();
    for version in ["v1", "v2"] {
        let base = format!("/api/{version}");
        router = router
            .route(&format!("{base}/users"), users())
            .route(
                &format!("{base}/users/{{user_id}}"),
                delete(users::delete_unverified_user).post(users::post_user_by_id),
            )
            .route(
                &format!("{base}/users/verify/{{user_id}}"),
                post(users::verify_user),
            )
            .route(
                &format!("{base}/users/verificationStatus"),
                get(users::verification_status),
            )
            .route(
                &format!("{base}/users/requestPasswordChange"),
                post(users::request_password_change),
            )
            .route(
                &format!("{base}/users/executePasswordChange"),
                post(users::execute_password_change),
            )
            .route(
                &format!("{base}/mandatorAdmin/getUserList"),
                get(admin::get_user_list),
            )
            .route(
                &format!("{base}/mandatorAdmin/deleteUsers"),
                post(admin::delete_users),
            )
            .route(
                &format!("{base}/mandatorAdmin/changeClientCredentials"),
                post(admin::change_client_credentials),
            )
            .route(
                &format!("{base}/mandatorAdmin/keywordRules"),
                get(categorization::list_keyword_rules).post(categorization::create_keyword_rules),
            )
            .route(
                &format!("{base}/mandatorAdmin/keywordRules/delete"),
                post(categorization::delete_keyword_rules),
            )
            .route(
                &format!("{base}/mandatorAdmin/ibanRules"),
                get(categorization::list_iban_rules).post(categorization::create_iban_rules),
            )
            .route(
                &format!("{base}/mandatorAdmin/ibanRules/delete"),
                post(categorization::delete_iban_rules),
            )
            .route(
                &format!("{base}/clientConfiguration"),
                get(client_config::get_configuration)
                    .patch(client_config::edit_configuration)
                    .post(client_config::post_configuration),
            )
            .route(
                &format!("{base}/bankConnections/{{id}}"),
                get(webform::get_bank_connection),
            );
    }
    router
        .route(
            "/api/webForms/bankConnectionImport",
            post(webform::create_import),
        )
        .route(
            "/api/webForms/bankConnectionUpdate",
            post(webform::create_update),
        )
        .route(
            "/api/webForms/standalonePayment",
            post(webform::create_standalone_payment),
        )
        .route(
            "/api/webForms/paymentWithAccountId",
            post(webform::create_payment_with_account),
        )
        .route(
            "/api/webForms/directDebitWithAccountId",
            post(webform::create_direct_debit),
        )
        .route(
            "/api/webForms/standingOrder",
            post(webform::create_standing_order),
        )
        .route("/api/webForms", get(webform::list_forms))
        .route(
            "/api/webForms/{id}",
            get(webform::get_form).delete(webform::delete_form),
        )
        .route("/api/tasks/backgroundUpdate", post(webform::create_task))
        .route("/api/tasks", get(webform::list_tasks))
        .route("/api/tasks/{id}", get(webform::get_task))
        .route(
            "/api/profiles",
            get(webform::list_profiles).post(webform::create_profile),
        )
        .route(
            "/api/profiles/{id}",
            get(webform::get_profile)
                .patch(webform::edit_profile)
                .delete(webform::delete_profile),
        )
        .route(
            "/api/translations",
            get(webform::list_translations).post(webform::create_translation),
        )
        .route(
            "/api/translations/{id}",
            get(webform::get_translation).delete(webform::delete_translation),
        )
        .route(
            "/wf/{id}",
            get(webform::page::show).post(webform::page::submit),
        )
        .route("/emulator/webForms/{id}/{action}", post(webform::control))
        .route("/emulator/callbacks", get(webform::deliveries))
        .route(
            "/emulator/faults",
            get(fault_control::list)
                .post(fault_control::add)
                .delete(fault_control::clear),
        )
        .route(
            "/emulator/faults/callbacks",
            axum::routing::put(fault_control::callbacks),
        )
        .route("/oauth/token", post(token::token))
        .route("/api/v2/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke_v1))
        .route("/api/v2/oauth/revoke", post(token::revoke_v2))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .with_state(state)
}

async fn not_found(axum::Extension(ctx): axum::Extension<RequestCtx>) -> Response {
    api_error(
        &ctx,
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownEntity,
        "No such endpoint in the emulator",
    )
}

async fn method_not_allowed(axum::Extension(ctx): axum::Extension<RequestCtx>) -> Response {
    api_error(
        &ctx,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "Method not allowed",
    )
}

/// Gives every request its id (the caller's, or `selfgen-<uuid>`), refuses ids over 255
/// characters, and echoes the id on every response.
async fn request_context(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let given = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let too_long = given.as_ref().is_some_and(|id| id.len() > 255);
    let request_id = match given {
        Some(id) if !too_long => id,
        _ => format!("selfgen-{}", uuid::Uuid::new_v4()),
    };
    let ctx = RequestCtx {
        request_id: request_id.clone(),
        endpoint: format!("{} {}", request.method(), request.uri().path()),
        language: Language::from_header(
            request
                .headers()
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        ),
    };
    let mut response = if too_long {
        api_error(
            &ctx,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "X-Request-Id must be at most 255 characters",
        )
    } else if state.faults.any() && !path.starts_with("/emulator/") {
        request.extensions_mut().insert(ctx.clone());
        faulty(&state, &ctx, request, next).await
    } else {
        request.extensions_mut().insert(ctx);
        next.run(request).await
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if let Some(log) = &state.config.request_log {
        (log.0)(&RequestRecord {
            method: method.as_str(),
            path: &path,
            status: response.status().as_u16(),
            request_id: &request_id,
            duration: started.elapsed(),
        });
    }
    response
}

/// The request through the fault rules: who it is from (the bearer token's subject, or the
/// token request's `client_id` and `username`), then the first rule's fault, if one fires.
async fn faulty(state: &State, ctx: &RequestCtx, request: Request, next: Next) -> Response {
    use axum::body::Body;
    use faults::{Fault, Seen};

    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return api_error(
            ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadRequest,
            "Request body over 1 MiB (or unreadable) while fault rules are on",
        );
    };
    let (mut client, mut user) = (None, None);
    if path.ends_with("/oauth/token") {
        for (name, value) in form_urlencoded::parse(&body) {
            match name.as_ref() {
                "client_id" => client = Some(value.into_owned()),
                "username" => user = Some(value.into_owned()),
                _ => {}
            }
        }
    } else if let Ok(subject) = auth::authenticate(state, &parts.headers) {
        match subject {
            state::Subject::Client(c) => client = Some(c),
            state::Subject::User { client: c, user: u } => {
                let shown = state.store().users.get(&u).map(|r| r.id.clone());
                client = Some(c);
                user = shown.or(Some(u));
            }
        }
    }
    let fault = state.faults.pick(&Seen {
        method: &method,
        path: &path,
        client: client.as_deref(),
        user: user.as_deref(),
    });
    let request = Request::from_parts(parts, Body::from(body));
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    let cut = |first: Bytes| {
        Body::from_stream(futures_util::stream::iter([
            Ok(first),
            Err(std::io::Error::other("connection closed by a fault rule")),
        ]))
    };
    match fault {
        Fault::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Fault::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let message = "Injected by a fault rule of the emulator";
            let mut response = if webform::is_webform_path(&path) {
                webform::error(ctx, status, "INTERNAL_ERROR", message)
            } else {
                api_error(ctx, status, ErrorCode::UnexpectedError, message)
            };
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Fault::CloseBeforeResponse => Response::new(cut(Bytes::new())),
        Fault::CloseMidResponse | Fault::TruncatedBody => {
            let answered = next.run(request).await;
            let (mut parts, body) = answered.into_parts();
            let full = axum::body::to_bytes(body, 1 << 22)
                .await
                .unwrap_or_default();
            let half = full.slice(..full.len() / 2);
            if fault == Fault::TruncatedBody {
                parts.headers.remove(http::header::CONTENT_LENGTH);
                Response::from_parts(parts, Body::from(half))
            } else {
                parts
                    .headers
                    .insert(http::header::CONTENT_LENGTH, HeaderValue::from(full.len()));
                Response::from_parts(parts, cut(half))
            }
        }
        Fault::NotJson => Response::builder()
            .status(StatusCode::OK)
            .header(http::header::CONTENT_TYPE, "text/html")
            .body(Body::from("<html><body>502 Bad Gateway</body></html>"))
            .unwrap_or_default(),
    }
}

/// Reverses the emulator's stand-in for finAPI's encryption with the client's data
/// decryption key (`ENC.` and hex), as a client decrypts a password change token or email.
/// `None` when `encrypted` is not in that form.
pub fn decrypt(encrypted: &str) -> Option<String> {
    let hex = encrypted.strip_prefix("ENC.")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Starts emulators.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator on a loopback port, in the current Tokio runtime. It runs until
    /// the returned handle is dropped or [`EmulatorHandle::shutdown`] is awaited.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        Self::serve(State::new(config)).await
    }

    /// Starts an emulator with the state `file` kept (users, tokens, client configurations,
    /// web forms, rules; an empty emulator when the file does not exist yet). The clients,
    /// port and settings come from `config`. Save with [`EmulatorHandle::save_state`].
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is not an emulator state file (the error says why), or
    /// the port cannot be bound.
    pub async fn start_with_state(
        config: EmulatorConfig,
        file: &StateFile,
    ) -> std::io::Result<EmulatorHandle> {
        let state = match file.read()? {
            None => State::new(config),
            Some(json) => State::restore(config, &json).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", file.path().display()),
                )
            })?,
        };
        Self::serve(state).await
    }

    async fn serve(state: State) -> std::io::Result<EmulatorHandle> {
        let config = &state.config;
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((config.listen, config.port))).await?;
        let addr = listener.local_addr()?;
        // Listening on every address: this machine reaches it on loopback.
        let local = if addr.ip().is_unspecified() {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        } else {
            addr
        };
        let state = Arc::new(state);
        let app = router_with_state(state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            // An accept error ends the server; the handle's owner sees connection errors.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(EmulatorHandle {
            base_url: format!("http://{local}"),
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    base_url: String,
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The base URL, for example `http://127.0.0.1:38517`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The id of the first ordinary (not mandator admin) client.
    pub fn client_id(&self) -> &str {
        self.first_client(false)
            .map_or("", |c| c.client_id.as_str())
    }

    /// The secret of the first ordinary client.
    pub fn client_secret(&self) -> &str {
        self.first_client(false)
            .map_or("", |c| c.client_secret.expose_secret())
    }

    /// The configured clients.
    pub fn clients(&self) -> &[EmulatorClient] {
        self.state.config.clients()
    }

    fn first_client(&self, admin: bool) -> Option<&EmulatorClient> {
        self.state
            .config
            .clients()
            .iter()
            .find(|c| c.mandator_admin == admin)
    }

    /// How many requests reached the token endpoint (every grant, successful or not).
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests()
    }

    /// Moves the emulator's clock forward, so tests can expire tokens without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.state.advance(by);
    }

    /// Writes everything the emulator holds to `file` (atomically), for
    /// [`Emulator::start_with_state`] to start from. Tokens keep what is left of their
    /// lifetime.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn save_state(&self, file: &StateFile) -> std::io::Result<()> {
        let json = self
            .state
            .save()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        file.write(&json)
    }

    /// Adds a fault rule at run time (after the ones already set; the first match decides).
    ///
    /// # Errors
    ///
    /// When the rule is not valid (the reason in words).
    pub fn add_fault(&self, rule: FaultRule) -> Result<(), String> {
        rule.validate()?;
        self.state.faults.add(rule);
        Ok(())
    }

    /// The fault rules still in force (a rule with `times` is gone once spent).
    pub fn faults(&self) -> Vec<FaultRule> {
        self.state.faults.list()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Sets what web form callbacks suffer.
    pub fn set_callback_faults(&self, faults: CallbackFaults) {
        self.state.faults.set_callbacks(faults);
    }

    /// A client's secret as the emulator accepts it now (a secret changed with
    /// `changeClientCredentials` replaces the configured one; test control).
    pub fn client_secret_of(&self, client_id: &str) -> Option<String> {
        self.state.current_secret(client_id)
    }

    /// The password of a user, as the emulator holds it (test control: finAPI never shows
    /// it). The command line's embedded mode uses it for users it created.
    pub fn user_password(&self, user_id: &str) -> Option<String> {
        self.state
            .store()
            .users
            .get(&state::user_key(user_id))
            .map(|u| u.password.clone())
    }

    /// A client's configuration, as `GET /clientConfiguration` with its token answers.
    pub fn client_configuration(
        &self,
        client_id: &str,
    ) -> finapi_access_types::ClientConfiguration {
        self.state.configuration(client_id)
    }

    /// Changes a client's configuration at run time, also the fields finAPI sets and the
    /// API cannot edit (`is_user_auto_verification_enabled`, `max_user_login_attempts`), as
    /// finAPI's support would. The emulator obeys it from the next request on.
    ///
    /// ```
    /// # async fn demo(emulator: finapi_access_emulator::EmulatorHandle) {
    /// emulator.configure_client(emulator.client_id(), |c| c.max_user_login_attempts = 2);
    /// # }
    /// ```
    pub fn configure_client(
        &self,
        client_id: &str,
        change: impl FnOnce(&mut finapi_access_types::ClientConfiguration),
    ) {
        self.state.update_configuration(client_id, change);
    }

    /// Marks a user verified (or not), as finAPI's verify-user service will.
    /// Returns whether the user exists.
    pub fn set_user_verified(&self, user_id: &str, verified: bool) -> bool {
        let mut store = self.state.store();
        match store.users.get_mut(&state::user_key(user_id)) {
            Some(user) => {
                user.verified = verified;
                true
            }
            None => false,
        }
    }

    /// Today's date (`YYYY-MM-DD`, UTC) on the emulator's clock, as its user list shows dates.
    pub fn today(&self) -> String {
        self.state.today()
    }

    /// Marks a user busy (a bank connection being updated) or not: a busy user cannot be
    /// deleted (423, or left in `nonDeletedUsers`). Returns whether the user exists.
    pub fn set_user_busy(&self, user_id: &str, busy: bool) -> bool {
        let mut store = self.state.store();
        match store.users.get_mut(&state::user_key(user_id)) {
            Some(user) => {
                user.busy = busy;
                true
            }
            None => false,
        }
    }

    /// The Web Form 2.0 base URL: the same origin as Access (`/api/webForms`, `/api/tasks`,
    /// `/api/profiles`, `/api/translations`).
    pub fn webform_base_url(&self) -> &str {
        &self.base_url
    }

    /// Ends a web form successfully, as the end user would on its page (`COMPLETED`, with a
    /// new bank connection, payment or standing order id). Returns the status, or why not.
    ///
    /// # Errors
    ///
    /// When the form is unknown or final already.
    pub fn complete_web_form(&self, id: &str) -> Result<String, String> {
        self.end_web_form(id, "COMPLETED", None)
    }

    /// Ends a web form with `error_code` (`COMPLETED_WITH_ERROR`).
    ///
    /// # Errors
    ///
    /// When the form is unknown or final already.
    pub fn fail_web_form(&self, id: &str, error_code: &str) -> Result<String, String> {
        self.end_web_form(id, "COMPLETED_WITH_ERROR", Some(error_code))
    }

    /// Aborts a web form, as the end user would (`ABORTED`).
    ///
    /// # Errors
    ///
    /// When the form is unknown or final already.
    pub fn abort_web_form(&self, id: &str) -> Result<String, String> {
        self.end_web_form(id, "ABORTED", None)
    }

    fn end_web_form(
        &self,
        id: &str,
        status: &'static str,
        code: Option<&str>,
    ) -> Result<String, String> {
        webform::expire(&self.state);
        webform::finalise(&self.state, id, status, code)
            .map(|f| f.status.to_owned())
            .map_err(str::to_owned)
    }

    /// Every callback delivery so far (pending ones say so in `note`).
    pub fn callback_deliveries(&self) -> Vec<CallbackDelivery> {
        self.state.webforms().deliveries.clone()
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
