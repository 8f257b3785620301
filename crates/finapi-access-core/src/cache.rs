//! Token caching: an injected clock, expiry margins with jitter, and a single-flight cache.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use finapi_access_types::{AccessToken, RefreshToken, TokenResponse};
use futures_util::FutureExt;
use std::sync::atomic::Ordering;

use futures_util::future::{BoxFuture, Shared, WeakShared};

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
    /// finAPI refused the access token (a 401) or it was revoked: it is not used again, but
    /// the refresh token that came with it still is.
    pub(crate) invalidated: bool,
}

impl CachedToken {
    pub(crate) fn new(response: &TokenResponse, policy: &CachePolicy, received: Instant) -> Self {
        Self {
            token: response.access_token.clone(),
            refresh_token: response.refresh_token.clone(),
            usable_until: policy.usable_until(response, received),
            invalidated: false,
        }
    }

    fn is_usable(&self, now: Instant) -> bool {
        !self.invalidated && self.usable_until.is_none_or(|until| now < until)
    }
}

type FetchResult = Result<CachedToken, Error>;
/// A token fetch that callers share; it runs while one of them waits for it.
pub(crate) type Flight = Shared<BoxFuture<'static, FetchResult>>;

/// What a caller of [`TokenCache::lookup`] does next.
pub(crate) enum Lookup {
    /// A usable cached token.
    Ready(AccessToken),
    /// Wait for this fetch; `started` says whether this caller started it (or joined one).
    Wait { flight: Flight, started: bool },
}

/// One token, fetched once when many callers need it at the same time.
///
/// A caller that finds no usable token either joins the fetch in flight or starts one; all
/// callers of one fetch get its result. A failed fetch caches nothing, and the next caller
/// starts a new one. The cache holds the fetch weakly: when every caller waiting for it is
/// gone (cancelled), the fetch is dropped with everything it holds, and the next caller
/// starts a fresh one instead of joining a stale one.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<CachedToken>>,
    in_flight: Mutex<Option<(u64, WeakShared<BoxFuture<'static, FetchResult>>)>>,
    flights: std::sync::atomic::AtomicU64,
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

    /// A usable token, or the fetch to wait for: the one in flight, or a new one made by
    /// `fetch` (called only when this caller starts the fetch).
    pub(crate) fn lookup(
        self: &Arc<Self>,
        now: Instant,
        fetch: impl FnOnce() -> BoxFuture<'static, FetchResult>,
    ) -> Lookup {
        if let Some(token) = self.usable(now) {
            return Lookup::Ready(token);
        }
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(flight) = in_flight.as_ref().and_then(|(_, weak)| weak.upgrade()) {
            return Lookup::Wait {
                flight,
                started: false,
            };
        }
        // A fetch may have finished between the check above and this lock.
        if let Some(token) = self.usable(now) {
            return Lookup::Ready(token);
        }
        let number = self.flights.fetch_add(1, Ordering::Relaxed);
        // The fetch holds the cache weakly too: a cache dropped with its client is not kept
        // alive by a fetch, and a fetch nobody waits for keeps nothing alive.
        let cache = Arc::downgrade(self);
        let fetching = fetch();
        let flight = async move {
            let result = fetching.await;
            if let Some(cache) = cache.upgrade() {
                cache.finish(number, &result);
            }
            result
        }
        .boxed()
        .shared();
        *in_flight = flight.downgrade().map(|weak| (number, weak));
        Lookup::Wait {
            flight,
            started: true,
        }
    }

    /// Stores the result of fetch `number` and forgets the fetch (unless a newer one started).
    fn finish(&self, number: u64, result: &FetchResult) {
        if let Ok(token) = result {
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        }
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if in_flight.as_ref().is_some_and(|(n, _)| *n == number) {
            *in_flight = None;
        }
    }

    /// Stores a token fetched outside the cache.
    pub(crate) fn store(&self, token: CachedToken) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }

    /// Stops using the access token if it is `token` (a newer one is kept), keeping the
    /// refresh token that came with it. Returns whether it was.
    pub(crate) fn invalidate(&self, token: &AccessToken) -> bool {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        match current.as_mut() {
            Some(cached) if cached.token.expose_secret() == token.expose_secret() => {
                cached.invalidated = true;
                true
            }
            _ => false,
        }
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

    /// Forgets everything, the refresh token included.
    pub(crate) fn clear(&self) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Whether a fetch is in flight that a caller could still join.
    #[cfg(test)]
    pub(crate) fn has_live_flight(&self) -> bool {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|(_, weak)| weak.upgrade().is_some())
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

#[cfg(test)]
mod flight_tests {
    use super::*;
    use finapi_access_types::ExpiresIn;
    use futures_util::FutureExt;

    fn cached(token: &str, refresh: Option<&str>) -> CachedToken {
        let response = TokenResponse::bearer(
            AccessToken::new(token),
            ExpiresIn::from_secs(3600),
            refresh.map(RefreshToken::new),
        );
        CachedToken::new(&response, &CachePolicy::default(), Instant::now())
    }

    #[test]
    fn invalidating_keeps_the_refresh_token() {
        let cache = TokenCache::default();
        cache.store(cached("acc-1", Some("ref-1")));
        assert!(cache.usable(Instant::now()).is_some());
        assert!(
            !cache.invalidate(&AccessToken::new("other")),
            "a newer token is kept"
        );
        assert!(cache.invalidate(&AccessToken::new("acc-1")));
        assert!(cache.usable(Instant::now()).is_none(), "not used again");
        let last = cache.last().expect("the entry stays");
        assert_eq!(last.refresh_token.expect("kept").expose_secret(), "ref-1");
        cache.clear();
        assert!(cache.last().is_none());
    }

    #[test]
    fn a_flight_nobody_waits_for_is_dropped_and_the_next_caller_starts_afresh() {
        struct DropFlag(Arc<std::sync::atomic::AtomicBool>);
        impl Drop for DropFlag {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let cache = Arc::new(TokenCache::default());
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = DropFlag(Arc::clone(&dropped));
        let lookup = cache.lookup(Instant::now(), move || {
            async move {
                let _flag = flag;
                futures_util::future::pending::<FetchResult>().await
            }
            .boxed()
        });
        let Lookup::Wait { flight, started } = lookup else {
            panic!("nothing cached")
        };
        assert!(started);
        // A second caller joins the same fetch.
        let Lookup::Wait {
            flight: joined,
            started,
        } = cache.lookup(Instant::now(), || unreachable!("a fetch is in flight"))
        else {
            panic!("nothing cached")
        };
        assert!(!started);
        // Poll it once, as a caller does, then give up (cancellation).
        assert!(joined.clone().now_or_never().is_none());
        drop(joined);
        assert!(!dropped.load(Ordering::SeqCst), "one caller still waits");
        drop(flight);
        assert!(
            dropped.load(Ordering::SeqCst),
            "the fetch was dropped with its last waiter"
        );
        assert!(!cache.has_live_flight());
        let mut started_again = false;
        let lookup = cache.lookup(Instant::now(), || {
            started_again = true;
            async { Ok(cached("acc-2", None)) }.boxed()
        });
        assert!(started_again, "a fresh fetch, not the stale one");
        let Lookup::Wait { flight, .. } = lookup else {
            panic!("nothing cached")
        };
        let token = flight.now_or_never().expect("ready").expect("ok").token;
        assert_eq!(token.expose_secret(), "acc-2");
        assert!(matches!(
            cache.lookup(Instant::now(), || unreachable!()),
            Lookup::Ready(_)
        ));
    }
}
