//! [`AccessClient`]: the three onboarding steps over any [`Transport`].

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use finapi_access_types::{
    AccessToken, ClientSecret, Password, RefreshToken, TokenResponse, TokenType, User,
    UserCreateParams, UserId, ValidationError,
};

use crate::environment::{ApiVersion, BaseUrl, Environment};
use crate::error::{Error, Operation};
use crate::redact::Secrets;
use crate::request_id::RequestId;
use crate::response::ApiResponse;
use crate::transport::Transport;
use crate::wire::{self, Grant};

/// How long before its expiry a cached client token is no longer used.
const CLIENT_TOKEN_MARGIN: Duration = Duration::from_secs(60);

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type CallResult<T> = Result<ApiResponse<T>, Error>;
type RunCall<'a, T> =
    Box<dyn FnOnce(&'a AccessClient, RequestId) -> BoxFuture<'a, CallResult<T>> + Send + 'a>;

/// A finAPI Access client: environment, API version, client credentials and a transport.
///
/// Cheap to clone (an `Arc` inside); clones share the cached client token.
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
    inner: Arc<Inner>,
}

struct Inner {
    base_url: BaseUrl,
    api_version: ApiVersion,
    client_id: String,
    client_secret: ClientSecret,
    transport: Arc<dyn Transport>,
    client_token: async_lock::Mutex<Option<CachedToken>>,
}

struct CachedToken {
    token: AccessToken,
    usable_until: Option<Instant>,
}

impl CachedToken {
    fn new(response: &TokenResponse, received: Instant) -> Self {
        let usable_until = response
            .expires_in
            .lifetime()
            .map(|lifetime| received + lifetime.saturating_sub(CLIENT_TOKEN_MARGIN));
        Self {
            token: response.access_token.clone(),
            usable_until,
        }
    }

    fn is_usable(&self, now: Instant) -> bool {
        self.usable_until.is_none_or(|until| now < until)
    }
}

impl std::fmt::Debug for AccessClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessClient")
            .field("base_url", &self.inner.base_url.to_string())
            .field("api_version", &self.inner.api_version)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl AccessClient {
    /// A builder; [`AccessClientBuilder::build`] checks what was given.
    pub fn builder() -> AccessClientBuilder {
        AccessClientBuilder::default()
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

    /// Step 1: a client token, with the `client_credentials` grant.
    ///
    /// Always sends a token request (and refreshes the cache used by
    /// [`create_user`](Self::create_user)).
    pub fn client_token(&self) -> Call<'_, TokenResponse> {
        Call::new(self, |client, request_id| {
            Box::pin(async move {
                let response = client.grant(&Grant::ClientCredentials, request_id).await?;
                client.store_client_token(&response).await;
                Ok(response)
            })
        })
    }

    /// Step 2: creates a user, authorised with the (cached) client token.
    ///
    /// The answer holds the user's password in plain text: the one chance to learn a
    /// password finAPI generated.
    pub fn create_user(&self, params: UserCreateParams) -> Call<'_, User> {
        Call::new(self, move |client, request_id| {
            Box::pin(async move {
                let token = client.cached_client_token().await?;
                let url = client.url(client.inner.api_version.users_path());
                let request = wire::create_user_request(&url, &token, &params, &request_id)?;
                let secrets = Secrets::new(
                    [
                        Some(token.expose_secret()),
                        params.password.as_ref().map(Password::expose_secret),
                    ]
                    .into_iter()
                    .flatten(),
                );
                client
                    .send_and_decode(Operation::CreateUser, request, request_id, &secrets)
                    .await
            })
        })
    }

    /// Step 3: a user token, with the `password` grant. Use it as `Authorization: Bearer` for
    /// Web Form 2.0 and every user-scoped call.
    pub fn user_token<'a>(
        &'a self,
        user_id: &'a UserId,
        password: &'a Password,
    ) -> Call<'a, TokenResponse> {
        Call::new(self, move |client, request_id| {
            Box::pin(async move {
                client
                    .grant(
                        &Grant::Password {
                            username: user_id,
                            password,
                        },
                        request_id,
                    )
                    .await
            })
        })
    }

    /// The user a user token belongs to (`GET /users`); finAPI returns the password as
    /// `XXXXX`.
    pub fn get_authorized_user<'a>(&'a self, user_token: &'a AccessToken) -> Call<'a, User> {
        Call::new(self, move |client, request_id| {
            Box::pin(async move {
                let url = client.url(client.inner.api_version.users_path());
                let request = wire::get_user_request(&url, user_token, &request_id)?;
                let secrets = Secrets::new([user_token.expose_secret()]);
                client
                    .send_and_decode(Operation::GetUser, request, request_id, &secrets)
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
        Call::new(self, move |client, request_id| {
            Box::pin(async move {
                client
                    .grant(&Grant::RefreshToken(refresh_token), request_id)
                    .await
            })
        })
    }

    fn url(&self, path: &str) -> String {
        self.inner.base_url.join(path)
    }

    async fn grant(
        &self,
        grant: &Grant<'_>,
        request_id: RequestId,
    ) -> Result<ApiResponse<TokenResponse>, Error> {
        let operation = grant.operation();
        let url = self.url(self.inner.api_version.token_path());
        let request = wire::token_request(
            &url,
            &self.inner.client_id,
            &self.inner.client_secret,
            grant,
            &request_id,
        )?;
        let mut secrets = vec![self.inner.client_secret.expose_secret()];
        match grant {
            Grant::ClientCredentials => {}
            Grant::Password { password, .. } => secrets.push(password.expose_secret()),
            Grant::RefreshToken(token) => secrets.push(token.expose_secret()),
        }
        let response: ApiResponse<TokenResponse> = self
            .send_and_decode(operation, request, request_id, &Secrets::new(secrets))
            .await?;
        if let TokenType::Other(other) = &response.token_type {
            return Err(Error::invalid_input(
                operation,
                ValidationError::new(
                    "token_type",
                    format!("finAPI sent `{other}`; only bearer tokens can be used"),
                ),
            ));
        }
        Ok(response)
    }

    async fn send_and_decode<T: serde::de::DeserializeOwned>(
        &self,
        operation: Operation,
        request: http::Request<bytes::Bytes>,
        request_id: RequestId,
        secrets: &Secrets<'_>,
    ) -> Result<ApiResponse<T>, Error> {
        let response = match self.inner.transport.send(request).await {
            Ok(response) => response,
            Err(e) => return Err(wire::transport_failure(operation, request_id, e)),
        };
        wire::decode(operation, &response, request_id, secrets)
    }

    async fn store_client_token(&self, response: &TokenResponse) {
        let mut cache = self.inner.client_token.lock().await;
        *cache = Some(CachedToken::new(response, Instant::now()));
    }

    /// The cached client token, fetched once (other callers wait) when there is none.
    async fn cached_client_token(&self) -> Result<AccessToken, Error> {
        let mut cache = self.inner.client_token.lock().await;
        if let Some(cached) = cache.as_ref().filter(|c| c.is_usable(Instant::now())) {
            return Ok(cached.token.clone());
        }
        let response = self
            .grant(&Grant::ClientCredentials, RequestId::generate())
            .await?;
        let cached = CachedToken::new(&response, Instant::now());
        let token = cached.token.clone();
        *cache = Some(cached);
        Ok(token)
    }
}

/// A pending call: set per-call options, then `.await` it.
///
/// ```no_run
/// # async fn run(client: finapi_access_core::AccessClient) -> Result<(), Box<dyn std::error::Error>> {
/// use finapi_access_core::RequestId;
/// let token = client
///     .client_token()
///     .request_id(RequestId::new("onboarding-42")?)
///     .await?;
/// assert_eq!(token.request_id().as_str(), "onboarding-42");
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T> {
    client: &'a AccessClient,
    request_id: Option<RequestId>,
    run: RunCall<'a, T>,
}

impl<'a, T> Call<'a, T> {
    fn new(
        client: &'a AccessClient,
        run: impl FnOnce(&'a AccessClient, RequestId) -> BoxFuture<'a, Result<ApiResponse<T>, Error>>
        + Send
        + 'a,
    ) -> Self {
        Self {
            client,
            request_id: None,
            run: Box::new(run),
        }
    }

    /// Sends this `X-Request-Id` instead of a generated one.
    pub fn request_id(mut self, request_id: RequestId) -> Self {
        self.request_id = Some(request_id);
        self
    }
}

impl<T> std::fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("client", self.client)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl<'a, T: 'a> IntoFuture for Call<'a, T> {
    type Output = Result<ApiResponse<T>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let request_id = self.request_id.unwrap_or_else(RequestId::generate);
        (self.run)(self.client, request_id)
    }
}

/// Builds an [`AccessClient`].
#[derive(Default)]
pub struct AccessClientBuilder {
    base_url: Option<Result<BaseUrl, ValidationError>>,
    api_version: ApiVersion,
    credentials: Option<(String, ClientSecret)>,
    transport: Option<Arc<dyn Transport>>,
}

impl std::fmt::Debug for AccessClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .field("transport", &self.transport)
            .finish()
    }
}

impl AccessClientBuilder {
    /// The environment (default: [`Environment::Sandbox`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.base_url = Some(Ok(match environment {
            Environment::Custom(url) => url,
            named => named.base_url(),
        }));
        self
    }

    /// A custom base URL, checked by [`build`](Self::build): `https://`, or `http://` on a
    /// loopback host only.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(BaseUrl::parse(url));
        self
    }

    /// The API version (default: [`ApiVersion::V2`]).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// The client credentials (required).
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: ClientSecret,
    ) -> Self {
        self.credentials = Some((client_id.into(), client_secret));
        self
    }

    /// The transport (required), for example `finapi_access_reqwest::ReqwestTransport`.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A transport that is already shared.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the field when the base URL is refused, the credentials
    /// are missing or empty, or no transport was given.
    pub fn build(self) -> Result<AccessClient, Error> {
        let invalid = |field, rule: &str| {
            Error::invalid_input(Operation::BuildClient, ValidationError::new(field, rule))
        };
        let base_url = match self.base_url {
            None => Environment::Sandbox.base_url(),
            Some(result) => result.map_err(|e| Error::invalid_input(Operation::BuildClient, e))?,
        };
        let (client_id, client_secret) = self
            .credentials
            .ok_or_else(|| invalid("client_id", "is required (call .credentials(id, secret))"))?;
        if client_id.is_empty() {
            return Err(invalid("client_id", "must not be empty"));
        }
        if client_secret.expose_secret().is_empty() {
            return Err(invalid("client_secret", "must not be empty"));
        }
        let transport = self
            .transport
            .ok_or_else(|| invalid("transport", "is required (call .transport(t))"))?;
        Ok(AccessClient {
            inner: Arc::new(Inner {
                base_url,
                api_version: self.api_version,
                client_id,
                client_secret,
                transport,
                client_token: async_lock::Mutex::new(None),
            }),
        })
    }
}
