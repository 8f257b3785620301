//! [`AccessClient`]: the grants and calls of finAPI Access over any [`Transport`](crate::Transport),
//! and the public way to send any other authorised finAPI request.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use finapi_access_types::{
    AccessToken, Password, RefreshToken, TokenResponse, User, UserCreateParams, UserId,
};
use http::Method;

use crate::call::Call;
use crate::environment::{ApiVersion, BaseUrl};
use crate::error::{Error, Operation};
use crate::grants::{ClientTokens, Grant, Grants, TokenTypeHint};
use crate::pipeline::{ApiRequest, FixedToken, Pipeline, TokenSource};
use crate::response::CallResult;
use crate::sessions::SessionRegistry;

/// A finAPI Access client: environment, API version, client credentials and a transport.
///
/// Cheap to clone (an `Arc` inside); clones share the token caches. The client token is
/// cached and refreshed once, a margin before it expires, however many tasks need it; user
/// tokens are cached per user in [`UserSession`](crate::UserSession)s.
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
/// // 1. the client token (cached; the calls that need it fetch it too)
/// let _client_token = client.client_token().await?;
/// // 2. a user
/// let params = UserCreateParams::new()
///     .id(UserId::new("alice").expect("valid id"))
///     .password(Password::new("correct horse").expect("valid password"));
/// let user = client.create_user(params).await?;
/// // 3. the user's token, for Web Form 2.0 and every user-scoped call
/// let session = client.user_session(user.id.clone(), user.password.clone());
/// let user_token = session.token().await?;
/// # let _ = user_token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct AccessClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) grants: Arc<Grants>,
    pub(crate) client_tokens: ClientTokens,
    pub(crate) sessions: SessionRegistry,
    pub(crate) users_url: Arc<str>,
    ambiguous_creates: AmbiguousCreates,
}

impl std::fmt::Debug for AccessClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let grants = &self.inner.grants;
        f.debug_struct("AccessClient")
            .field("api_version", &grants.api_version)
            .field("client_id", &grants.client_id)
            .field("client_secret", &grants.client_secret)
            .field("pipeline", &grants.pipeline)
            .field("cache_policy", &grants.policy)
            .finish_non_exhaustive()
    }
}

/// The ids of creates that failed without an answer, so that a later `ENTITY_EXISTS` for
/// the same id can say the earlier attempt most likely created the user. Bounded: the
/// oldest of more than [`AmbiguousCreates::MAX`] ids is forgotten.
#[derive(Debug, Default)]
pub(crate) struct AmbiguousCreates(Mutex<(HashSet<String>, VecDeque<String>)>);

impl AmbiguousCreates {
    pub(crate) const MAX: usize = 1024;

    fn insert(&self, key: String) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (set, order) = &mut *guard;
        if set.insert(key.clone()) {
            order.push_back(key);
        }
        while set.len() > Self::MAX {
            match order.pop_front() {
                Some(oldest) => {
                    set.remove(&oldest);
                }
                None => break,
            }
        }
    }

    fn remove(&self, key: &str) -> bool {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (set, order) = &mut *guard;
        let removed = set.remove(key);
        if removed {
            order.retain(|k| k != key);
        }
        removed
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).0.len()
    }
}

impl AccessClient {
    pub(crate) fn from_grants(grants: Grants) -> Self {
        let grants = Arc::new(grants);
        let users_url = grants
            .pipeline
            .base_url
            .join(grants.api_version.users_path())
            .into();
        Self {
            inner: Arc::new(Inner {
                client_tokens: ClientTokens {
                    grants: Arc::clone(&grants),
                    cache: Arc::default(),
                },
                grants,
                sessions: SessionRegistry::default(),
                users_url,
                ambiguous_creates: AmbiguousCreates::default(),
            }),
        }
    }

    pub(crate) fn pipeline(&self) -> &Pipeline {
        &self.inner.grants.pipeline
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.grants.pipeline.base_url
    }

    /// The API version whose paths are used.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.grants.api_version
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.grants.client_id
    }

    /// The timer the client waits with (retry backoff), for helpers that poll on the same
    /// runtime; `None` when the client was built without one (retries off, no `tokio`
    /// feature).
    pub fn timer(&self) -> Option<&std::sync::Arc<dyn crate::Sleep>> {
        self.pipeline().sleep.as_ref()
    }

    /// How many token requests (all grants) this client has sent: cache hits do not count.
    pub fn token_requests(&self) -> u64 {
        self.inner.grants.requests()
    }

    /// Sends `request` through the pipeline, authorised with this client's cached client
    /// token (a mandator admin client's, if this client is one): token fetched once for all
    /// callers, `X-Request-Id`, retries, the 401 → new token → send again once, deadline,
    /// typed errors, nothing secret printed.
    ///
    /// ```no_run
    /// # async fn run(client: finapi_access_core::AccessClient) -> Result<(), finapi_access_core::Error> {
    /// use finapi_access_core::{ApiRequest, Operation};
    /// use http::Method;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Status {
    ///     user_id: String,
    ///     is_user_verified: bool,
    /// }
    ///
    /// const STATUS: Operation = Operation::new("verification status", true);
    /// let request = ApiRequest::new(STATUS, Method::GET, "/api/v2/users/verificationStatus")
    ///     .query("userId", "alice")
    ///     .json_response::<Status>();
    /// let status = client.send(request).await?;
    /// println!("{} verified: {} (request id {})", status.user_id, status.is_user_verified, status.request_id());
    /// # Ok(()) }
    /// ```
    pub fn send<T: Send + 'static>(&self, request: ApiRequest<T>) -> Call<'_, T> {
        self.call(request, &self.inner.client_tokens)
    }

    /// Sends `request` authorised with a token you hold (no cache, so a 401 is returned as
    /// it came).
    pub fn send_with_token<'a, T: Send + 'static>(
        &'a self,
        token: &'a AccessToken,
        request: ApiRequest<T>,
    ) -> Call<'a, T> {
        self.call(request, FixedToken(token))
    }

    /// A call of `request` authorised by `source`.
    pub(crate) fn call<'a, T: Send + 'static, S: TokenSource + Send + 'a>(
        &'a self,
        request: ApiRequest<T>,
        source: S,
    ) -> Call<'a, T> {
        Call::new(request.operation(), move |opts| {
            Box::pin(self.pipeline().execute(source, request, opts))
        })
    }

    /// Step 1: the client token, cached; fetched with the `client_credentials` grant when
    /// there is none or it is about to expire. Many concurrent callers share one token
    /// request; if it fails, they all get its error and nothing is cached.
    ///
    /// # Errors
    ///
    /// The error of the token request, when one was needed and failed.
    pub async fn client_token(&self) -> Result<AccessToken, Error> {
        let opts = crate::call::CallOptions::fresh();
        let token = self.inner.client_tokens.token(&opts).await?;
        Ok(token.unwrap_or_else(|| unreachable!("the client token source always gives a token")))
    }

    /// A new client token, always sent as a `client_credentials` grant (with the whole
    /// answer: expiry, scope, status, request id); the answer replaces the cached one.
    pub fn fetch_client_token(&self) -> Call<'_, TokenResponse> {
        Call::new(Operation::CLIENT_TOKEN, move |opts| {
            Box::pin(async move {
                let grants = &self.inner.grants;
                let response = grants.grant(&Grant::ClientCredentials, opts).await?;
                self.inner
                    .client_tokens
                    .cache
                    .store(grants.cached(&response));
                Ok(response)
            })
        })
    }

    /// Step 2: creates a user, authorised with the cached client token.
    ///
    /// The answer holds the user's password in plain text: the one chance to learn a
    /// password finAPI generated.
    pub fn create_user(&self, params: UserCreateParams) -> Call<'_, User> {
        let mut request = ApiRequest::url(
            Operation::CREATE_USER,
            Method::POST,
            Arc::clone(&self.inner.users_url),
        )
        .json_body(&params);
        if let Some(password) = &params.password {
            request = request.secret(password.expose_secret());
        }
        let call = self.send(request.json_response());
        let id = params.id;
        Call::new(Operation::CREATE_USER, move |opts| {
            Box::pin(async move {
                let result = call.with_options(opts).await;
                self.track_create(id.as_ref(), result)
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
        let ambiguous = &self.inner.ambiguous_creates;
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

    /// A new user token, always sent as a `password` grant (with the whole answer: refresh
    /// token, expiry, scope); not cached.
    pub fn fetch_user_token<'a>(
        &'a self,
        user_id: &'a UserId,
        password: &'a Password,
    ) -> Call<'a, TokenResponse> {
        Call::new(Operation::USER_TOKEN, move |opts| {
            Box::pin(async move {
                let grant = Grant::Password {
                    username: user_id,
                    password,
                };
                self.inner.grants.grant(&grant, opts).await
            })
        })
    }

    /// A new user token for a refresh token, always sent as a `refresh_token` grant (user
    /// tokens only; finAPI sends refresh tokens with the `password` grant); not cached.
    pub fn refresh_user_token<'a>(
        &'a self,
        refresh_token: &'a RefreshToken,
    ) -> Call<'a, TokenResponse> {
        Call::new(Operation::REFRESH_TOKEN, move |opts| {
            Box::pin(async move {
                self.inner
                    .grants
                    .grant(&Grant::RefreshToken(refresh_token), opts)
                    .await
            })
        })
    }

    /// The user a user token belongs to (`GET /users`); finAPI returns the password as
    /// `XXXXX`. [`UserSession::get_user`](crate::UserSession::get_user) does the same with
    /// a cached token.
    pub fn get_authorized_user<'a>(&'a self, user_token: &'a AccessToken) -> Call<'a, User> {
        let request = ApiRequest::url(
            Operation::GET_USER,
            Method::GET,
            Arc::clone(&self.inner.users_url),
        );
        self.send_with_token(user_token, request.json_response())
    }

    /// Revokes one access token (`token_type_hint=access_token`), authorised with the client
    /// token, and stops using it in every cache of this client (a session keeps its refresh
    /// token, so its next token comes from the refresh grant).
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
        let call = self.send(self.inner.grants.revoke_request(token, hint));
        Call::new(Operation::REVOKE, move |opts| {
            Box::pin(async move {
                let result = call.with_options(opts).await?;
                self.forget(token, hint);
                Ok(result)
            })
        })
    }

    /// Stops using a revoked token (and, where finAPI revokes them too, its grant's tokens)
    /// in the caches.
    fn forget(&self, token: &str, hint: Option<TokenTypeHint>) {
        self.inner
            .client_tokens
            .cache
            .invalidate(&AccessToken::new(token));
        for state in self.inner.sessions.live() {
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
        if let Some(state) = self.inner.sessions.get(user_id) {
            state.forget_grant();
            state.update(Some(password), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_creates_are_bounded_oldest_first() {
        let set = AmbiguousCreates::default();
        for n in 0..(AmbiguousCreates::MAX + 500) {
            set.insert(format!("user-{n}"));
            assert!(set.len() <= AmbiguousCreates::MAX);
        }
        assert!(!set.remove("user-0"), "the oldest were forgotten");
        assert!(set.remove(&format!("user-{}", AmbiguousCreates::MAX + 499)));
        assert!(
            !set.remove(&format!("user-{}", AmbiguousCreates::MAX + 499)),
            "once"
        );
        set.insert("again".to_owned());
        set.insert("again".to_owned());
        assert!(set.remove("again"));
        assert!(!set.remove("again"), "one entry per id");
    }
}
