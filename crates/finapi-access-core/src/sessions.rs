//! What a user session holds (id, password, token cache), how it gets a token, and the
//! client's registry of live sessions.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock, Weak};

use finapi_access_types::{AccessToken, Password, RefreshToken, UserId, ValidationError};
use futures_util::FutureExt;
use http::StatusCode;
use tracing::Instrument;

use crate::cache::{CachedToken, TokenCache};
use crate::call::CallOptions;
use crate::error::{Error, Operation};
use crate::grants::{Grant, Grants, cached_or_fetched};
use crate::pipeline::TokenSource;

/// What sessions for one user share: the id, the password if held, the token cache.
pub(crate) struct SessionState {
    pub(crate) user_id: UserId,
    password: RwLock<Option<Password>>,
    initial_refresh: RwLock<Option<RefreshToken>>,
    pub(crate) cache: Arc<TokenCache>,
}

impl std::fmt::Debug for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionState")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl SessionState {
    /// The refresh token the session was created with, if it still holds it.
    pub(crate) fn initial_refresh_token(&self) -> Option<RefreshToken> {
        self.initial_refresh
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

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

    /// The refresh token to use next: the cache's (kept when its access token was
    /// invalidated), else the one the session was made with.
    pub(crate) fn refresh_token(&self) -> Option<RefreshToken> {
        self.cache.last().and_then(|c| c.refresh_token).or_else(|| {
            self.initial_refresh
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        })
    }

    pub(crate) fn holds_password(&self) -> bool {
        self.password
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    fn password(&self) -> Option<Password> {
        self.password
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The refresh grant when there is a refresh token; the password grant when there is
    /// none or finAPI rejects it and the password is held.
    async fn fetch(&self, grants: &Grants, opts: CallOptions) -> Result<CachedToken, Error> {
        if let Some(refresh) = self.refresh_token() {
            match grants
                .grant(&Grant::RefreshToken(&refresh), opts.for_token_fetch())
                .await
            {
                Ok(response) => {
                    let mut cached = grants.cached(&response);
                    cached.refresh_token = cached.refresh_token.or(Some(refresh));
                    return Ok(cached);
                }
                Err(e) if is_rejection(&e) && self.holds_password() => {
                    tracing::debug!("refresh token rejected: falling back to the password grant");
                    self.forget_grant();
                }
                Err(e) => return Err(e),
            }
        }
        let Some(password) = self.password() else {
            return Err(Error::invalid_input(
                Operation::USER_TOKEN,
                ValidationError::new(
                    "password",
                    "is not held by this session and there is no usable refresh token",
                ),
            ));
        };
        let grant = Grant::Password {
            username: &self.user_id,
            password: &password,
        };
        let response = grants.grant(&grant, opts).await?;
        Ok(grants.cached(&response))
    }
}

/// finAPI rejected the refresh token (400 invalid refresh token, or a 401).
fn is_rejection(error: &Error) -> bool {
    matches!(
        error.status(),
        Some(StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED)
    )
}

/// A session's token: cached, fetched once for all concurrent callers.
pub(crate) struct SessionTokens<'a> {
    pub(crate) grants: &'a Arc<Grants>,
    pub(crate) state: &'a Arc<SessionState>,
}

impl TokenSource for SessionTokens<'_> {
    fn token<'a>(
        &'a self,
        opts: &'a CallOptions,
    ) -> impl Future<Output = Result<Option<AccessToken>, Error>> + Send + 'a {
        // The clones are made only when this caller starts a fetch, not on a cache hit.
        cached_or_fetched(
            &self.state.cache,
            self.grants,
            Operation::USER_TOKEN,
            opts,
            || {
                let grants = Arc::clone(self.grants);
                let state = Arc::clone(self.state);
                let opts = opts.for_token_fetch();
                let grant = if state.refresh_token().is_some() {
                    "refresh_token"
                } else {
                    "password"
                };
                async move { state.fetch(&grants, opts).await }
                    .instrument(tracing::info_span!("finapi_access.token_refresh", grant))
                    .boxed()
            },
        )
    }

    fn refreshable(&self) -> bool {
        true
    }

    fn invalidate(&self, token: &AccessToken) {
        self.state.cache.invalidate(token);
    }
}

/// The sessions of one client by user id (in any letter case), held weakly: a session lives
/// as long as a [`UserSession`](crate::UserSession) for it does.
///
/// Bound: dead entries are pruned whenever the map reaches twice the number of sessions
/// alive at the last pruning (at least [`SessionRegistry::MIN_PRUNE_AT`]), so it never holds
/// more than `max(64, 2 × live sessions)` entries, at an amortised constant cost per new
/// session.
#[derive(Debug, Default)]
pub(crate) struct SessionRegistry {
    inner: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    sessions: HashMap<String, Weak<SessionState>>,
    prune_at: usize,
    /// Sessions kept alive for [`AccessClient::user_token`](crate::AccessClient::user_token),
    /// most recent last.
    pinned: std::collections::VecDeque<Arc<SessionState>>,
}

fn key(user_id: &UserId) -> String {
    user_id.as_str().to_ascii_lowercase()
}

impl SessionRegistry {
    /// The size at which dead entries are pruned, at least.
    pub(crate) const MIN_PRUNE_AT: usize = 64;

    /// The live session for `user_id` (given the newer password or refresh token), or a
    /// new one.
    pub(crate) fn session(
        &self,
        user_id: UserId,
        password: Option<Password>,
        refresh_token: Option<RefreshToken>,
    ) -> Arc<SessionState> {
        let key = key(&user_id);
        let mut registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = registry.sessions.get(&key).and_then(Weak::upgrade) {
            state.update(password, refresh_token);
            return state;
        }
        if registry.sessions.len() >= registry.prune_at.max(Self::MIN_PRUNE_AT) {
            registry.sessions.retain(|_, s| s.strong_count() > 0);
            registry.prune_at = 2 * registry.sessions.len();
        }
        let state = Arc::new(SessionState::new(user_id, password, refresh_token));
        registry.sessions.insert(key, Arc::downgrade(&state));
        state
    }

    /// How many sessions [`pin`](Self::pin) keeps alive, at most.
    pub(crate) const MAX_PINNED: usize = 256;

    /// Keeps `state` alive although no `UserSession` holds it (the least recently pinned of
    /// more than [`MAX_PINNED`](Self::MAX_PINNED) is let go).
    pub(crate) fn pin(&self, state: &Arc<SessionState>) {
        let mut registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = registry.pinned.iter().position(|s| Arc::ptr_eq(s, state)) {
            registry.pinned.remove(at);
        }
        registry.pinned.push_back(Arc::clone(state));
        if registry.pinned.len() > Self::MAX_PINNED {
            registry.pinned.pop_front();
        }
    }

    /// The live session for `user_id`, if any.
    pub(crate) fn get(&self, user_id: &UserId) -> Option<Arc<SessionState>> {
        let registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        registry.sessions.get(&key(user_id)).and_then(Weak::upgrade)
    }

    /// Every live session.
    pub(crate) fn live(&self) -> Vec<Arc<SessionState>> {
        let registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        registry
            .sessions
            .values()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// How many entries the map holds (live or not yet pruned).
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sessions
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: usize) -> UserId {
        UserId::new(format!("user-{n}")).unwrap()
    }

    #[test]
    fn sessions_for_one_user_share_state_in_any_letter_case() {
        let registry = SessionRegistry::default();
        let a = registry.session(UserId::new("Alice").unwrap(), None, None);
        let b = registry.session(
            UserId::new("alice").unwrap(),
            Some(Password::new("new-password").unwrap()),
            None,
        );
        assert!(Arc::ptr_eq(&a, &b));
        assert!(a.holds_password(), "the newer password is taken");
        drop((a, b));
        assert!(registry.get(&UserId::new("ALICE").unwrap()).is_none());
    }

    #[test]
    fn the_registry_stays_bounded_past_its_pruning_size() {
        let registry = SessionRegistry::default();
        // Dropped sessions: the map never grows past the minimum bound.
        for n in 0..10_000 {
            drop(registry.session(id(n), None, None));
            assert!(registry.entries() <= SessionRegistry::MIN_PRUNE_AT);
        }
        // Live sessions are kept, and the map stays within twice their number.
        let live: Vec<_> = (0..1_000)
            .map(|n| registry.session(id(100_000 + n), None, None))
            .collect();
        for n in 0..10_000 {
            drop(registry.session(id(n), None, None));
            assert!(registry.entries() <= 2 * live.len().max(SessionRegistry::MIN_PRUNE_AT));
        }
        assert_eq!(registry.live().len(), live.len());
        for state in &live {
            assert!(registry.get(&state.user_id).is_some());
        }
    }

    #[test]
    fn pinned_sessions_stay_alive_up_to_the_bound() {
        let registry = SessionRegistry::default();
        for n in 0..(SessionRegistry::MAX_PINNED + 100) {
            let state = registry.session(id(n), None, None);
            registry.pin(&state);
            registry.pin(&state);
        }
        assert_eq!(registry.live().len(), SessionRegistry::MAX_PINNED);
        assert!(
            registry.get(&id(0)).is_none(),
            "the least recent was let go"
        );
        assert!(
            registry
                .get(&id(SessionRegistry::MAX_PINNED + 99))
                .is_some()
        );
    }

    #[test]
    fn invalidating_a_session_token_keeps_its_refresh_token() {
        let state = SessionState::new(id(1), None, Some(RefreshToken::new("ref-initial")));
        assert_eq!(
            state.refresh_token().unwrap().expose_secret(),
            "ref-initial"
        );
        let response = finapi_access_types::TokenResponse::bearer(
            AccessToken::new("acc-1"),
            finapi_access_types::ExpiresIn::from_secs(600),
            Some(RefreshToken::new("ref-1")),
        );
        state.cache.store(CachedToken::new(
            &response,
            &crate::CachePolicy::default(),
            std::time::Instant::now(),
        ));
        state.cache.invalidate(&AccessToken::new("acc-1"));
        assert_eq!(
            state.refresh_token().unwrap().expose_secret(),
            "ref-1",
            "the next token comes from the refresh grant"
        );
        state.forget_grant();
        assert!(state.refresh_token().is_none());
    }
}
