//! [`AccessClient`]: the grants and calls of finAPI Access over any [`Transport`].

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use finapi_access_types::{
    AccessToken, ClientSecret, Password, RefreshToken, TokenResponse, TokenType, User,
    UserCreateParams, UserId,
};
use futures_util::FutureExt;
use http::{Method, StatusCode};
use tracing::Instrument;

use crate::builder::AccessClientBuilder;
use crate::cache::{CachePolicy, CachedToken, Clock, TokenCache};
use crate::call::{Call, CallOptions};
use crate::environment::{ApiVersion, BaseUrl};
use crate::error::{Error, Operation, UnexpectedResponse};
use crate::redact::Secrets;
use crate::request_id::RequestId;
use crate::response::ApiResponse;
use crate::retry::{Outcome, RetryDecision, RetryPolicy, Sleep};
use crate::session::{SessionState, UserSession};
use crate::transport::RequestTimeout;
use crate::transport::Transport;
use crate::wire::{self, Grant, TokenTypeHint};

pub(crate) type CallResult<T> = Result<ApiResponse<T>, Error>;
pub(crate) type Decoder<T> =
    fn(Operation, &http::Response<Bytes>, RequestId, &Secrets<'_>) -> CallResult<T>;

/// A finAPI Access client: environment, API version, client credentials and a transport.
///
/// Cheap to clone (an `Arc` inside); clones share the token caches. The client token is
/// cached and refreshed once, a margin before it expires, however many tasks need it; user
/// tokens are cached per user in [`UserSession`]s.
///
/// ```no_run
/// # async fn run(transport: impl finapi_access_core::Transport + 'static) -> Result<(), finapi_access_core::Error> {
/// use finapi_access_core::{AccessClient, Environment};
/// use finapi_access_types::{ClientSecret, Password, UserCreateParams, UserId};
///
/// let client = AccessClient::builder()
///     .environment(Environment::Sandbox)
///     .credentials("my-client-id", ClientSecret::new("my-client-secret"))
///     .transport(transport)
///     .build()?;
///
/// // 1. the client token (also fetched and cached by the calls that need it)
/// let _client_token = client.client_token().await?;
/// // 2. a user
/// let params = UserCreateParams::new()
///     .id(UserId::new("alice").expect("valid id"))
///     .password(Password::new("correct horse").expect("valid password"));
/// let user = client.create_user(params).await?;
/// // 3. the user's token, for Web Form 2.0 and every user-scoped call
/// let user_token = client.user_token(&user.id, &user.password).await?;
/// println!("request id {}", user_token.request_id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AccessClient {
    pub(crate) inner: Arc<Inner>,
}

/// The fixed URLs of a client, joined once.
pub(crate) struct Urls {
    pub(crate) token: String,
    pub(crate) revoke: String,
    pub(crate) users: String,
}

impl Urls {
    pub(crate) fn new(base: &BaseUrl, version: ApiVersion) -> Self {
        Self {
            token: base.join(version.token_path()),
            revoke: base.join(version.revoke_path()),
            users: base.join(version.users_path()),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) urls: Urls,
    pub(crate) base_url: BaseUrl,
    pub(crate) api_version: ApiVersion,
    pub(crate) client_id: String,
    pub(crate) client_secret: ClientSecret,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) policy: CachePolicy,
    pub(crate) retry: RetryPolicy,
    pub(crate) sleep: Option<Arc<dyn Sleep>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) client_token: Arc<TokenCache>,
    pub(crate) ambiguous_creates: Mutex<HashSet<String>>,
    pub(crate) sessions: Mutex<HashMap<String, Weak<SessionState>>>,
    pub(crate) token_requests: AtomicU64,
}

impl std::fmt::Debug for AccessClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessClient")
            .field("base_url", &self.inner.base_url.to_string())
            .field("api_version", &self.inner.api_version)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("transport", &self.inner.transport)
            .field("cache_policy", &self.inner.policy)
            .field("retry_policy", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Where an authorised call takes its bearer token from.
pub(crate) enum TokenSource {
    Client,
    User(Arc<SessionState>),
}

impl AccessClient {
    /// A builder; [`AccessClientBuilder::build`] checks what was given.
    pub fn builder() -> AccessClientBuilder {
        AccessClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base_url
    }

    /// The API version whose paths are used.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.api_version
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// How many token requests (all grants) this client has sent: cache hits do not count.
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::Relaxed)
    }

    /// Step 1: a client token, with the `client_credentials` grant.
    ///
    /// Always sends a token request (use [`cached_client_token`](Self::cached_client_token)
    /// to reuse one) and stores the answer in the client-token cache.
    pub fn client_token(&self) -> Call<'_, TokenResponse> {
        Call::new(self, |client, opts| {
            Box::pin(async move {
                let response = client.grant(&Grant::ClientCredentials, &opts).await?;
                let now = client.inner.clock.now();
                client.inner.client_token.store(CachedToken::new(
                    &response,
                    &client.inner.policy,
                    now,
                ));
                Ok(response)
            })
        })
    }

    /// The cached client token, fetched when there is none or it is about to expire. Many
    /// concurrent callers share one token request; if it fails, they all get its error and
    /// nothing is cached.
    ///
    /// # Errors
    ///
    /// The error of the token request, when one was needed and failed.
    pub async fn cached_client_token(&self) -> Result<AccessToken, Error> {
        self.source_token(&TokenSource::Client).await
    }

    /// Step 2: creates a user, authorised with the cached client token.
    ///
    /// The answer holds the user's password in plain text: the one chance to learn a
    /// password finAPI generated.
    pub fn create_user(&self, params: UserCreateParams) -> Call<'_, User> {
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                let url = &client.inner.urls.users;
                let password = params.password.as_ref().map(Password::expose_secret);
                let result = client
                    .authorized(
                        &TokenSource::Client,
                        Operation::CreateUser,
                        &opts,
                        password.as_slice(),
                        |token, id| {
                            let body = wire::json_body(Operation::CreateUser, &params)?;
                            wire::bearer_request(
                                Operation::CreateUser,
                                Method::POST,
                                url,
                                token,
                                Some(body),
                                id,
                            )
                        },
                        wire::decode::<User>,
                    )
                    .await;
                client.track_create(params.id.as_ref(), result)
            })
        })
    }

    /// Remembers creates that failed ambiguously, so that a later `ENTITY_EXISTS` for the
    /// same id says the earlier attempt most likely created the user.
    fn track_create(&self, id: Option<&UserId>, result: CallResult<User>) -> CallResult<User> {
        let Some(id) = id else {
            return result;
        };
        let key = id.as_str().to_ascii_lowercase();
        let mut ambiguous = self
            .inner
            .ambiguous_creates
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(user) => {
                ambiguous.remove(&key);
                Ok(user)
            }
            Err(e) if e.may_have_taken_effect() => {
                ambiguous.insert(key);
                Err(e)
            }
            Err(Error::Api(api))
                if api.message.first_code()
                    == Some(&finapi_access_types::ErrorCode::EntityExists)
                    && ambiguous.remove(&key) =>
            {
                let mut api = Arc::unwrap_or_clone(api);
                api.note = Some(format!(
                    "an earlier create of `{id}` by this client failed without an answer: it most likely created this user"
                ));
                Err(Error::Api(Arc::new(api)))
            }
            Err(e) => Err(e),
        }
    }

    /// Step 3: a user token, with the `password` grant. Use it as `Authorization: Bearer` for
    /// Web Form 2.0 and every user-scoped call. Always sends a token request; a
    /// [`UserSession`] caches and refreshes user tokens.
    pub fn user_token<'a>(
        &'a self,
        user_id: &'a UserId,
        password: &'a Password,
    ) -> Call<'a, TokenResponse> {
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                client
                    .grant(
                        &Grant::Password {
                            username: user_id,
                            password,
                        },
                        &opts,
                    )
                    .await
            })
        })
    }

    /// A new user token for a refresh token, with the `refresh_token` grant (user tokens
    /// only; finAPI sends refresh tokens with the `password` grant).
    pub fn refresh_user_token<'a>(
        &'a self,
        refresh_token: &'a RefreshToken,
    ) -> Call<'a, TokenResponse> {
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                client
                    .grant(&Grant::RefreshToken(refresh_token), &opts)
                    .await
            })
        })
    }

    /// The user a user token belongs to (`GET /users`); finAPI returns the password as
    /// `XXXXX`. [`UserSession::get_user`] does the same with a cached token.
    pub fn get_authorized_user<'a>(&'a self, user_token: &'a AccessToken) -> Call<'a, User> {
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                let url = &client.inner.urls.users;
                let operation = Operation::GetUser;
                let build = || {
                    wire::bearer_request(
                        operation,
                        Method::GET,
                        url,
                        user_token,
                        None,
                        &opts.request_id,
                    )
                };
                let secrets = Secrets::new([user_token.expose_secret()]);
                client
                    .send_and_decode(operation, &build, &opts, &secrets, wire::decode::<User>)
                    .await
            })
        })
    }

    /// A session for one user: gives a valid user token on demand, cached, refreshed with the
    /// refresh token when finAPI sent one, and with the password when the refresh token is
    /// rejected. Sessions for the same user id (in any letter case) share one cache.
    pub fn user_session(&self, user_id: UserId, password: Password) -> UserSession {
        self.session(user_id, Some(password), None)
    }

    /// A session from a refresh token alone (no password is held, so a rejected refresh
    /// token ends the session with an error).
    pub fn user_session_from_refresh_token(
        &self,
        user_id: UserId,
        refresh_token: RefreshToken,
    ) -> UserSession {
        self.session(user_id, None, Some(refresh_token))
    }

    fn session(
        &self,
        user_id: UserId,
        password: Option<Password>,
        refresh_token: Option<RefreshToken>,
    ) -> UserSession {
        let key = user_id.as_str().to_ascii_lowercase();
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let state = match sessions.get(&key).and_then(Weak::upgrade) {
            Some(state) => {
                state.update(password, refresh_token);
                state
            }
            None => {
                sessions.retain(|_, s| s.strong_count() > 0);
                let state = Arc::new(SessionState::new(user_id, password, refresh_token));
                sessions.insert(key, Arc::downgrade(&state));
                state
            }
        };
        UserSession::new(self.clone(), state)
    }

    /// Revokes one access token (`token_type_hint=access_token`), authorised with the client
    /// token, and drops it from every cache of this client.
    pub fn revoke_access_token<'a>(&'a self, token: &'a AccessToken) -> Call<'a, ()> {
        self.revoke(token.expose_secret(), Some(TokenTypeHint::AccessToken))
    }

    /// Revokes a refresh token and every access token of its grant
    /// (`token_type_hint=refresh_token`), and drops them from this client's caches.
    pub fn revoke_refresh_token<'a>(&'a self, token: &'a RefreshToken) -> Call<'a, ()> {
        self.revoke(token.expose_secret(), Some(TokenTypeHint::RefreshToken))
    }

    /// Revokes every access and refresh token of the grant `token` belongs to (no
    /// `token_type_hint`), and drops them from this client's caches.
    pub fn revoke_grant<'a>(&'a self, token: &'a AccessToken) -> Call<'a, ()> {
        self.revoke(token.expose_secret(), None)
    }

    pub(crate) fn revoke<'a>(
        &'a self,
        token: &'a str,
        hint: Option<TokenTypeHint>,
    ) -> Call<'a, ()> {
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                let url = &client.inner.urls.revoke;
                let version = client.inner.api_version;
                let result = client
                    .authorized(
                        &TokenSource::Client,
                        Operation::Revoke,
                        &opts,
                        &[token],
                        |bearer, id| wire::revoke_request(version, url, bearer, token, hint, id),
                        wire::decode_empty,
                    )
                    .await?;
                client.forget(token, hint);
                Ok(result)
            })
        })
    }

    /// Drops a revoked token (and, where finAPI revokes them too, its grant's tokens) from
    /// the caches.
    fn forget(&self, token: &str, hint: Option<TokenTypeHint>) {
        self.inner.client_token.invalidate(&AccessToken::new(token));
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for state in sessions.values().filter_map(Weak::upgrade) {
            if state.cache.holds(token) {
                match hint {
                    Some(TokenTypeHint::AccessToken) => {
                        state.cache.invalidate(&AccessToken::new(token));
                    }
                    _ => state.forget_grant(),
                }
            }
        }
    }

    /// After a password change finAPI has revoked the user's tokens: the session forgets them
    /// and takes the new password.
    pub(crate) fn password_changed(&self, user_id: &UserId, password: Password) {
        let key = user_id.as_str().to_ascii_lowercase();
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(state) = sessions.get(&key).and_then(Weak::upgrade) {
            state.forget_grant();
            state.update(Some(password), None);
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.inner.base_url.join(path)
    }

    /// A usable token from `source`.
    pub(crate) async fn source_token(&self, source: &TokenSource) -> Result<AccessToken, Error> {
        let now = self.inner.clock.now();
        match source {
            TokenSource::Client => {
                // The clone is made only when this caller starts a fetch, not on a cache hit.
                self.inner
                    .client_token
                    .get(now, || {
                        let client = self.clone();
                        async move {
                            let response = client
                                .grant(&Grant::ClientCredentials, &CallOptions::fresh())
                                .await?;
                            Ok(CachedToken::new(
                                &response,
                                &client.inner.policy,
                                client.inner.clock.now(),
                            ))
                        }
                        .instrument(tracing::info_span!(
                            "finapi_access.token_refresh",
                            grant = "client_credentials"
                        ))
                        .boxed()
                    })
                    .await
            }
            TokenSource::User(state) => state.token(self, now).await,
        }
    }

    fn invalidate(&self, source: &TokenSource, token: &AccessToken) {
        match source {
            TokenSource::Client => self.inner.client_token.invalidate(token),
            TokenSource::User(state) => state.cache.invalidate(token),
        };
    }

    /// Sends a call authorised with a token from `source`. A 401 with a token the cache
    /// believed valid (revoked, or expired early) drops it, fetches a new one and sends the
    /// call once more; a second 401 is returned.
    pub(crate) async fn authorized<T>(
        &self,
        source: &TokenSource,
        operation: Operation,
        opts: &CallOptions,
        secrets: &[&str],
        build: impl Fn(&AccessToken, &RequestId) -> Result<http::Request<Bytes>, Error> + Sync,
        decode: Decoder<T>,
    ) -> CallResult<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.source_token(source).await?;
            let all_secrets = Secrets::new(secrets.iter().copied().chain([token.expose_secret()]));
            let build_with_token = || build(&token, &opts.request_id);
            let result = self
                .send_and_decode(operation, &build_with_token, opts, &all_secrets, decode)
                .await;
            match result {
                Err(e) if attempt == 1 && e.status() == Some(StatusCode::UNAUTHORIZED) => {
                    tracing::debug!(
                        operation = operation.as_str(),
                        "401 with a cached token: fetching a new one"
                    );
                    self.invalidate(source, &token);
                }
                other => return other,
            }
        }
    }

    pub(crate) async fn grant(
        &self,
        grant: &Grant<'_>,
        opts: &CallOptions,
    ) -> Result<ApiResponse<TokenResponse>, Error> {
        let operation = grant.operation();
        let build = || {
            wire::token_request(
                &self.inner.urls.token,
                &self.inner.client_id,
                &self.inner.client_secret,
                grant,
                &opts.request_id,
            )
        };
        let mut secrets = vec![self.inner.client_secret.expose_secret()];
        match grant {
            Grant::ClientCredentials => {}
            Grant::Password { password, .. } => secrets.push(password.expose_secret()),
            Grant::RefreshToken(token) => secrets.push(token.expose_secret()),
        }
        self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(grant = grant.name(), request_id = %opts.request_id, "token request");
        let response: ApiResponse<TokenResponse> = self
            .send_and_decode(
                operation,
                &build,
                opts,
                &Secrets::new(secrets),
                wire::decode::<TokenResponse>,
            )
            .await?;
        if let TokenType::Other(other) = &response.token_type {
            return Err(Error::UnexpectedResponse(Arc::new(UnexpectedResponse {
                operation,
                status: response.status(),
                request_id: response.request_id().clone(),
                content_type: None,
                reason: format!(
                    "token_type is `{}`: only bearer tokens can be used",
                    other.chars().take(32).collect::<String>()
                ),
                snippet: String::new(),
            })));
        }
        Ok(response)
    }

    /// Sends the request `build` makes (again, built anew, as the retry policy decides),
    /// then decodes the answer. One tracing span per attempt: method, path, request id,
    /// attempt, status, duration.
    pub(crate) async fn send_and_decode<T>(
        &self,
        operation: Operation,
        build: &(dyn Fn() -> Result<http::Request<Bytes>, Error> + Sync),
        opts: &CallOptions,
        secrets: &Secrets<'_>,
        decode: Decoder<T>,
    ) -> CallResult<T> {
        let timeout = opts.timeout.or(self.inner.timeout);
        let sleeper = self.inner.sleep.as_ref();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut this = build()?;
            opts.apply(operation, &mut this)?;
            if let Some(timeout) = timeout {
                this.extensions_mut().insert(RequestTimeout(timeout));
            }
            let span = tracing::info_span!(
                "finapi_access.request",
                operation = operation.as_str(),
                method = %this.method(),
                path = this.uri().path(),
                request_id = %opts.request_id,
                attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            let result = self
                .inner
                .transport
                .send(this)
                .instrument(span.clone())
                .await;
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            let outcome = match &result {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    Outcome::Response(response.status(), response.headers())
                }
                Err(e) => Outcome::Transport(e.kind()),
            };
            let decision = match &sleeper {
                Some(_) => self.inner.retry.decide(
                    operation.is_idempotent(),
                    attempt,
                    outcome,
                    SystemTime::now(),
                    fastrand::f64(),
                ),
                None => RetryDecision::Stop,
            };
            if let (RetryDecision::RetryAfter(delay), Some(sleeper)) = (decision, sleeper) {
                tracing::debug!(parent: &span, delay_ms = delay.as_millis() as u64, "retrying");
                sleeper.sleep(delay).await;
                continue;
            }
            let request_id = opts.request_id.clone();
            return match result {
                Ok(response) => {
                    decode(operation, &response, request_id, secrets).map_err(|e| match e {
                        Error::Api(api) if attempt > 1 => {
                            let mut api = Arc::unwrap_or_clone(api);
                            api.attempts = attempt;
                            Error::Api(Arc::new(api))
                        }
                        other => other,
                    })
                }
                Err(e) => Err(wire::transport_failure(operation, request_id, e, attempt)),
            };
        }
    }
}
