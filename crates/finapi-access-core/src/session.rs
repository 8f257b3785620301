//! [`UserSession`]: a user's token on demand, cached and refreshed, and the calls made with it.

use std::sync::Arc;

use finapi_access_types::{AccessToken, Password, RefreshToken, UserId};

use crate::call::{Call, CallOptions};
use crate::client::AccessClient;
use crate::error::Error;
use crate::grants::TokenTypeHint;
use crate::pipeline::{ApiRequest, TokenSource};
use crate::sessions::{SessionState, SessionTokens};

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
    pub(crate) client: AccessClient,
    state: Arc<SessionState>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession")
            .field("user_id", &self.state.user_id)
            .field("holds_password", &self.state.holds_password())
            .finish_non_exhaustive()
    }
}

impl AccessClient {
    /// A session for one user: gives a valid user token on demand, cached, refreshed with the
    /// refresh token when finAPI sent one, and with the password when the refresh token is
    /// rejected. Sessions for the same user id (in any letter case) share one cache.
    pub fn user_session(&self, user_id: UserId, password: Password) -> UserSession {
        let state = self.inner.sessions.session(user_id, Some(password), None);
        UserSession::new(self.clone(), state)
    }

    /// Step 3: the user's token, cached in the user's session (see
    /// [`user_session`](Self::user_session)); fetched when there is none or it is about to
    /// expire, with the refresh token when finAPI sent one, else the password. Use it as
    /// `Authorization: Bearer` for Web Form 2.0 and every user-scoped call.
    ///
    /// The client keeps the sessions of the last 256 users asked for here alive; a service
    /// with more users at once holds a [`UserSession`] per user instead.
    ///
    /// # Errors
    ///
    /// The error of the token request, when one was needed and failed.
    pub async fn user_token(
        &self,
        user_id: &UserId,
        password: &Password,
    ) -> Result<AccessToken, Error> {
        let session = self.user_session(user_id.clone(), password.clone());
        self.inner.sessions.pin(session.state());
        session.token().await
    }

    /// A session from a refresh token alone (no password is held, so a rejected refresh
    /// token ends the session with an error).
    pub fn user_session_from_refresh_token(
        &self,
        user_id: UserId,
        refresh_token: RefreshToken,
    ) -> UserSession {
        let state = self
            .inner
            .sessions
            .session(user_id, None, Some(refresh_token));
        UserSession::new(self.clone(), state)
    }
}

impl UserSession {
    fn new(client: AccessClient, state: Arc<SessionState>) -> Self {
        Self { client, state }
    }

    pub(crate) fn state(&self) -> &Arc<SessionState> {
        &self.state
    }

    fn tokens(&self) -> SessionTokens<'_> {
        SessionTokens {
            grants: &self.client.inner.grants,
            state: &self.state,
        }
    }

    /// The user id.
    pub fn user_id(&self) -> &UserId {
        &self.state.user_id
    }

    /// The client this session belongs to.
    pub fn client(&self) -> &AccessClient {
        &self.client
    }

    /// A valid user token: the cached one, or a new one (one token request however many
    /// callers wait for it).
    ///
    /// # Errors
    ///
    /// The error of the token request when one was needed and failed (all concurrent callers
    /// get it; nothing is cached).
    pub async fn token(&self) -> Result<AccessToken, Error> {
        let opts = CallOptions::fresh();
        let token = self.tokens().token(&opts).await?;
        Ok(token.unwrap_or_else(|| unreachable!("a session always gives a token")))
    }

    /// The refresh token the session holds now (the last grant's, else the one it was
    /// created with), to store for the next run: see the guide on what to store per end
    /// user. `None` before the first token, or when finAPI sent none.
    pub fn refresh_token(&self) -> Option<RefreshToken> {
        self.state
            .cache
            .last()
            .and_then(|cached| cached.refresh_token)
            .or_else(|| self.state.initial_refresh_token())
    }

    /// Stops using the cached access token, so that the next call fetches a new one (with
    /// the refresh token, which is kept).
    pub fn invalidate(&self) {
        if let Some(cached) = self.state.cache.last() {
            self.state.cache.invalidate(&cached.token);
        }
    }

    /// Sends `request` through the pipeline, authorised with this session's user token
    /// (cached, refreshed; a 401 drops it, fetches a new one and sends the request once
    /// more). To another finAPI host, such as Web Form 2.0's, with
    /// [`ApiRequest::base_url`].
    ///
    /// ```no_run
    /// # async fn run(session: finapi_access_core::UserSession) -> Result<(), finapi_access_core::Error> {
    /// use finapi_access_core::{ApiRequest, Operation};
    /// use http::Method;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Me {
    ///     id: String,
    /// }
    ///
    /// const WHO_AM_I: Operation = Operation::new("who am I", true);
    /// let me = session
    ///     .send(ApiRequest::new(WHO_AM_I, Method::GET, "/api/v2/users").json_response::<Me>())
    ///     .await?;
    /// println!("{} (request id {})", me.id, me.request_id());
    /// # Ok(()) }
    /// ```
    pub fn send<T: Send + 'static>(&self, request: ApiRequest<T>) -> Call<'_, T> {
        self.client.call(request, self.tokens())
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
