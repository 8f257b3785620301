//! [`UserSession`]: a user's token on demand, cached and refreshed.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use finapi_access_types::{AccessToken, Password, RefreshToken, User, UserId, UserUpdateParams};
use futures_util::FutureExt;
use http::{Method, StatusCode};
use tracing::Instrument;

use crate::cache::{CachedToken, TokenCache};
use crate::call::{Call, CallOptions};
use crate::client::{AccessClient, TokenSource};
use crate::error::{Error, Operation};
use crate::users::Planned;
use crate::wire::{self, Grant, TokenTypeHint};

/// What sessions for one user share: the id, the password if held, the token cache.
pub(crate) struct SessionState {
    user_id: UserId,
    password: RwLock<Option<Password>>,
    initial_refresh: RwLock<Option<RefreshToken>>,
    pub(crate) cache: Arc<TokenCache>,
}

impl SessionState {
    pub(crate) fn new(
        user_id: UserId,
        password: Option<Password>,
        refresh: Option<RefreshToken>,
    ) -> Self {
        Self {
            user_id,
            password: RwLock::new(password),
            initial_refresh: RwLock::new(refresh),
            cache: Arc::default(),
        }
    }

    /// A newer password or refresh token given for an existing session.
    pub(crate) fn update(&self, password: Option<Password>, refresh: Option<RefreshToken>) {
        if password.is_some() {
            *self.password.write().unwrap_or_else(|e| e.into_inner()) = password;
        }
        if refresh.is_some() {
            *self
                .initial_refresh
                .write()
                .unwrap_or_else(|e| e.into_inner()) = refresh;
        }
    }

    /// Forgets the access and refresh tokens (after the grant was revoked).
    pub(crate) fn forget_grant(&self) {
        self.cache.clear();
        self.initial_refresh
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    fn refresh_token(&self) -> Option<RefreshToken> {
        self.cache.last().and_then(|c| c.refresh_token).or_else(|| {
            self.initial_refresh
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        })
    }

    fn password(&self) -> Option<Password> {
        self.password
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A usable user token: cached, or fetched once for all concurrent callers.
    pub(crate) async fn token(
        self: &Arc<Self>,
        client: &AccessClient,
        now: Instant,
    ) -> Result<AccessToken, Error> {
        // The clones are made only when this caller starts a fetch, not on a cache hit.
        self.cache
            .get(now, || {
                let state = Arc::clone(self);
                let client = client.clone();
                let grant = if state.refresh_token().is_some() {
                    "refresh_token"
                } else {
                    "password"
                };
                async move { state.fetch(&client).await }
                    .instrument(tracing::info_span!("finapi_access.token_refresh", grant))
                    .boxed()
            })
            .await
    }

    /// The refresh grant when there is a refresh token; the password grant when there is
    /// none or finAPI rejects it and the password is held.
    async fn fetch(&self, client: &AccessClient) -> Result<CachedToken, Error> {
        if let Some(refresh) = self.refresh_token() {
            match client
                .grant(&Grant::RefreshToken(&refresh), &CallOptions::fresh())
                .await
            {
                Ok(response) => {
                    let mut cached =
                        CachedToken::new(&response, &client.inner.policy, client.inner.clock.now());
                    cached.refresh_token = cached.refresh_token.or(Some(refresh));
                    return Ok(cached);
                }
                Err(e) if is_rejection(&e) && self.password().is_some() => {
                    tracing::debug!("refresh token rejected: falling back to the password grant");
                    self.forget_grant();
                }
                Err(e) => return Err(e),
            }
        }
        let Some(password) = self.password() else {
            return Err(Error::invalid_input(
                Operation::UserToken,
                finapi_access_types::ValidationError::new(
                    "password",
                    "is not held by this session and there is no usable refresh token",
                ),
            ));
        };
        let response = client
            .grant(
                &Grant::Password {
                    username: &self.user_id,
                    password: &password,
                },
                &CallOptions::fresh(),
            )
            .await?;
        Ok(CachedToken::new(
            &response,
            &client.inner.policy,
            client.inner.clock.now(),
        ))
    }
}

/// finAPI rejected the refresh token (400 invalid refresh token, or a 401).
fn is_rejection(error: &Error) -> bool {
    matches!(
        error.status(),
        Some(StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED)
    )
}

/// One user's session: a valid user token on demand, cached until a margin before expiry,
/// refreshed once for all concurrent callers (with the refresh token, falling back to the
/// password), and used for the user-scoped calls, which retry once with a new token on 401.
///
/// Cheap to clone; clones, and sessions made for the same user id, share one cache.
///
/// ```no_run
/// # async fn run(client: finapi_access_core::AccessClient) -> Result<(), Box<dyn std::error::Error>> {
/// use finapi_access_core::types::{Password, UserId};
/// let session = client.user_session(UserId::new("alice")?, Password::new("correct horse")?);
/// let token = session.token().await?;      // for Web Form 2.0: Authorization: Bearer <token>
/// let user = session.get_user().await?;    // a user-scoped call with the cached token
/// # let _ = (token, user); Ok(()) }
/// ```
#[derive(Clone)]
pub struct UserSession {
    client: AccessClient,
    state: Arc<SessionState>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession")
            .field("user_id", &self.state.user_id)
            .field("holds_password", &self.state.password().is_some())
            .finish_non_exhaustive()
    }
}

impl UserSession {
    pub(crate) fn new(client: AccessClient, state: Arc<SessionState>) -> Self {
        Self { client, state }
    }

    /// The user id.
    pub fn user_id(&self) -> &UserId {
        &self.state.user_id
    }

    /// A valid user token: the cached one, or a new one (one token request however many
    /// callers wait for it).
    ///
    /// # Errors
    ///
    /// The error of the token request when one was needed and failed (all concurrent callers
    /// get it; nothing is cached).
    pub async fn token(&self) -> Result<AccessToken, Error> {
        self.state
            .token(&self.client, self.client.inner.clock.now())
            .await
    }

    /// Drops the cached access token, so that the next call fetches a new one.
    pub fn invalidate(&self) {
        if let Some(cached) = self.state.cache.last() {
            self.state.cache.invalidate(&cached.token);
        }
    }

    /// The user (`GET /users`) with the session's token; the password comes back as `XXXXX`.
    pub fn get_user(&self) -> Call<'_, User> {
        let url = self.client.inner.urls.users.clone();
        let plan = Planned::new(Operation::GetUser, Method::GET, url, wire::decode::<User>);
        self.client
            .planned(TokenSource::User(Arc::clone(&self.state)), Ok(plan))
    }

    /// Edits the user (`PATCH /users`): at least one field must be set (an empty edit is
    /// refused before sending); `""` clears the email or phone.
    pub fn update_user(&self, params: &UserUpdateParams) -> Call<'_, User> {
        let url = self.client.inner.urls.users.clone();
        let plan = params
            .validate()
            .map_err(|e| Error::invalid_input(Operation::UpdateUser, e))
            .and_then(|()| {
                Planned::new(
                    Operation::UpdateUser,
                    Method::PATCH,
                    url,
                    wire::decode::<User>,
                )
                .json(&params)
            });
        self.client
            .planned(TokenSource::User(Arc::clone(&self.state)), plan)
    }

    /// Deletes the user (`DELETE /users`) with all their data; the session forgets its
    /// tokens. finAPI answers 423 while a bank connection is busy.
    pub fn delete_user(&self) -> Call<'_, ()> {
        let url = self.client.inner.urls.users.clone();
        let plan = Planned::new(
            Operation::DeleteUser,
            Method::DELETE,
            url,
            wire::decode_empty,
        );
        let call = self
            .client
            .planned(TokenSource::User(Arc::clone(&self.state)), Ok(plan));
        let state = Arc::clone(&self.state);
        Call::new(&self.client, move |_, opts| {
            Box::pin(async move {
                let result = call.with_options(opts).await?;
                state.forget_grant();
                Ok(result)
            })
        })
    }

    /// Revokes the session's grant (its refresh token and access tokens; without a refresh
    /// token, every token of the access token's grant) and empties its cache. Nothing to
    /// revoke is not an error.
    ///
    /// # Errors
    ///
    /// The error of the revocation request.
    pub async fn revoke(&self) -> Result<(), Error> {
        let Some(cached) = self.state.cache.last() else {
            self.state.forget_grant();
            return Ok(());
        };
        match &cached.refresh_token {
            Some(refresh) => {
                self.client
                    .revoke(refresh.expose_secret(), Some(TokenTypeHint::RefreshToken))
                    .await?;
            }
            None => {
                self.client
                    .revoke(cached.token.expose_secret(), None)
                    .await?;
            }
        }
        self.state.forget_grant();
        Ok(())
    }
}
