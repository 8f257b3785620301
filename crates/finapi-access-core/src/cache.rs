//! Token caching: an injected clock, expiry margins with jitter, and a single-flight cache.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use finapi_access_types::{AccessToken, RefreshToken, TokenResponse};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use crate::error::Error;

/// Where the token cache reads the time: [`SystemClock`] in production, [`ManualClock`] in
/// tests that move time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to, for tests.
///
/// ```
/// use std::time::Duration;
/// use finapi_access_core::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(3600));
/// assert_eq!(clock.now() - before, Duration::from_secs(3600));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    /// A clock standing at the current instant.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// When cached tokens stop being used: `margin` before their expiry, minus up to `jitter`
/// (random per token) so that many clients do not refresh at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// How long before expiry a token is refreshed (default 60 s).
    pub margin: Duration,
    /// The most that is randomly added to the margin (default 5 s).
    pub jitter: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(60),
            jitter: Duration::from_secs(5),
        }
    }
}

impl CachePolicy {
    /// Until when a token received at `received` is used; `None` for a token that never
    /// expires. A token whose lifetime is shorter than the margin is used for half its life.
    pub(crate) fn usable_until(
        &self,
        response: &TokenResponse,
        received: Instant,
    ) -> Option<Instant> {
        let lifetime = response.expires_in.lifetime()?;
        let jitter = if self.jitter.is_zero() {
            Duration::ZERO
        } else {
            self.jitter.mul_f64(fastrand::f64())
        };
        let early = (self.margin + jitter).min(lifetime / 2);
        // A lifetime too long for the clock (a hostile `expires_in`) counts as never expiring.
        received.checked_add(lifetime - early)
    }
}

/// A cached token and what came with it.
#[derive(Debug, Clone)]
pub(crate) struct CachedToken {
    pub(crate) token: AccessToken,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) usable_until: Option<Instant>,
}

impl CachedToken {
    pub(crate) fn new(response: &TokenResponse, policy: &CachePolicy, received: Instant) -> Self {
        Self {
            token: response.access_token.clone(),
            refresh_token: response.refresh_token.clone(),
            usable_until: policy.usable_until(response, received),
        }
    }

    fn is_usable(&self, now: Instant) -> bool {
        self.usable_until.is_none_or(|until| now < until)
    }
}

type Flight = Shared<BoxFuture<'static, Result<CachedToken, Error>>>;

/// One token, fetched once when many callers need it at the same time.
///
/// A caller that finds no usable token either joins the fetch in flight or starts one; all
/// callers of one fetch get its result. A failed fetch caches nothing, and the next caller
/// starts a new one.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<CachedToken>>,
    in_flight: Mutex<Option<Flight>>,
}

impl TokenCache {
    fn usable(&self, now: Instant) -> Option<AccessToken> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|t| t.is_usable(now))
            .map(|t| t.token.clone())
    }

    /// The cached entry even if no longer usable (for its refresh token).
    pub(crate) fn last(&self) -> Option<CachedToken> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A usable token: the cached one, or the result of the fetch in flight, or of a new
    /// fetch made by `fetch` (called only when this caller starts the fetch).
    pub(crate) async fn get(
        self: &Arc<Self>,
        now: Instant,
        fetch: impl FnOnce() -> BoxFuture<'static, Result<CachedToken, Error>>,
    ) -> Result<AccessToken, Error> {
        if let Some(token) = self.usable(now) {
            return Ok(token);
        }
        let flight = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            match in_flight.as_ref() {
                Some(flight) => flight.clone(),
                None => {
                    // A fetch may have finished between the check above and this lock.
                    if let Some(token) = self.usable(now) {
                        return Ok(token);
                    }
                    let cache = Arc::clone(self);
                    let fetching = fetch();
                    let flight = async move {
                        let result = fetching.await;
                        if let Ok(token) = &result {
                            *cache.current.write().unwrap_or_else(|e| e.into_inner()) =
                                Some(token.clone());
                        }
                        cache
                            .in_flight
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .take();
                        result
                    }
                    .boxed()
                    .shared();
                    *in_flight = Some(flight.clone());
                    flight
                }
            }
        };
        flight.await.map(|cached| cached.token)
    }

    /// Stores a token fetched outside the cache.
    pub(crate) fn store(&self, token: CachedToken) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }

    /// Drops the cached token if it is `token` (a newer one is kept). Returns whether it was.
    pub(crate) fn invalidate(&self, token: &AccessToken) -> bool {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let matches = current
            .as_ref()
            .is_some_and(|c| c.token.expose_secret() == token.expose_secret());
        if matches {
            *current = None;
        }
        matches
    }

    /// Whether `token` is this cache's access or refresh token.
    pub(crate) fn holds(&self, token: &str) -> bool {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|c| {
                c.token.expose_secret() == token
                    || c.refresh_token
                        .as_ref()
                        .is_some_and(|r| r.expose_secret() == token)
            })
    }

    /// Forgets everything.
    pub(crate) fn clear(&self) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finapi_access_types::ExpiresIn;

    fn response(secs: u64) -> TokenResponse {
        TokenResponse::bearer(AccessToken::new("t"), ExpiresIn::from_secs(secs), None)
    }

    #[test]
    fn margin_and_jitter_bound_the_usable_time() {
        let policy = CachePolicy::default();
        let now = Instant::now();
        for _ in 0..100 {
            let until = policy.usable_until(&response(3600), now).unwrap();
            let used = until - now;
            assert!(
                used <= Duration::from_secs(3540) && used >= Duration::from_secs(3535),
                "{used:?}"
            );
        }
        assert_eq!(
            policy.usable_until(&response(0), now),
            None,
            "never expires"
        );
        let short = policy.usable_until(&response(60), now).unwrap();
        assert_eq!(short - now, Duration::from_secs(30), "half of a short life");
    }
}
