//! The retry policy: a pure decision from (idempotent?, attempt, outcome), and the injected
//! sleep that keeps core free of a runtime.

use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use http::{HeaderMap, StatusCode};

use crate::transport::TransportErrorKind;

/// Waits without blocking; injected so that core's logic depends on no runtime. The default
/// is [`TokioSleep`] (the `tokio` feature); another runtime brings its own.
pub trait Sleep: Send + Sync + std::fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Waits on Tokio's timer: the default [`Sleep`] (the `tokio` feature, on by default).
/// Needs a Tokio runtime with the time driver enabled (as `#[tokio::main]` has).
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

#[cfg(feature = "tokio")]
impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// What an attempt ended with, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// No complete response.
    Transport(TransportErrorKind),
    /// A response with this status and these headers.
    Response(StatusCode, &'a HeaderMap),
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the request again after this delay.
    RetryAfter(Duration),
    /// Return the outcome as it is.
    Stop,
}

/// When a request is sent again.
///
/// Retried: connect failures (the request surely never left) for every request; timeouts,
/// I/O failures and HTTP 408, 429, 502, 503, 504 for idempotent requests only (GET, DELETE,
/// the token grants, revocation). `Retry-After` (seconds or an HTTP date) is honoured up to
/// `max_retry_after`; otherwise the delay is exponential from `base_delay` with jitter, up
/// to `max_delay`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use finapi_access_core::{Outcome, RetryDecision, RetryPolicy, TransportErrorKind};
///
/// let policy = RetryPolicy::default();
/// let connect = Outcome::Transport(TransportErrorKind::Connect);
/// assert!(matches!(policy.decide(false, 1, connect, SystemTime::now(), 0.5), RetryDecision::RetryAfter(_)));
/// let timeout = Outcome::Transport(TransportErrorKind::Timeout);
/// assert_eq!(policy.decide(false, 1, timeout, SystemTime::now(), 0.5), RetryDecision::Stop);
/// assert_eq!(RetryPolicy::disabled().decide(true, 1, connect, SystemTime::now(), 0.5), RetryDecision::Stop);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 3; 1 turns retries off).
    pub max_attempts: u32,
    /// The first backoff delay (default 200 ms), doubled per attempt.
    pub base_delay: Duration,
    /// The longest backoff delay (default 5 s).
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured (default 30 s); longer ones are cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts in all (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff delays.
    #[must_use]
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max;
        self
    }

    /// Whether `status` is worth another attempt of an idempotent request.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)
    }

    /// The decision after attempt number `attempt` (from 1) ended with `outcome`. `now` is
    /// for `Retry-After` dates; `jitter` in `[0, 1)` spreads the backoff.
    pub fn decide(
        &self,
        idempotent: bool,
        attempt: u32,
        outcome: Outcome<'_>,
        now: SystemTime,
        jitter: f64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        let retry_after = match outcome {
            Outcome::Transport(TransportErrorKind::Connect) => None,
            Outcome::Transport(TransportErrorKind::Timeout | TransportErrorKind::Io)
                if idempotent =>
            {
                None
            }
            Outcome::Response(status, headers)
                if idempotent && Self::is_retryable_status(status) =>
            {
                retry_after(headers, now)
            }
            _ => return RetryDecision::Stop,
        };
        let delay = match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(attempt, jitter),
        };
        RetryDecision::RetryAfter(delay)
    }

    /// Half the exponential delay fixed, half random ("equal jitter").
    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        full / 2 + (full / 2).mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// `Retry-After` as seconds or an HTTP date; `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(
                http::header::RETRY_AFTER,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    fn decide(idempotent: bool, attempt: u32, outcome: Outcome<'_>) -> RetryDecision {
        RetryPolicy::default().decide(idempotent, attempt, outcome, SystemTime::UNIX_EPOCH, 0.0)
    }

    #[test]
    fn connect_failures_are_retried_for_every_request() {
        let connect = Outcome::Transport(TransportErrorKind::Connect);
        assert!(matches!(
            decide(false, 1, connect),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(true, 2, connect),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            decide(true, 3, connect),
            RetryDecision::Stop,
            "the budget is 3 attempts"
        );
    }

    #[test]
    fn ambiguous_failures_are_retried_only_when_idempotent() {
        for kind in [TransportErrorKind::Timeout, TransportErrorKind::Io] {
            assert!(matches!(
                decide(true, 1, Outcome::Transport(kind)),
                RetryDecision::RetryAfter(_)
            ));
            assert_eq!(
                decide(false, 1, Outcome::Transport(kind)),
                RetryDecision::Stop
            );
        }
        for kind in [TransportErrorKind::BodyTooLarge, TransportErrorKind::Other] {
            assert_eq!(
                decide(true, 1, Outcome::Transport(kind)),
                RetryDecision::Stop
            );
        }
    }

    #[test]
    fn retryable_statuses() {
        let none = headers(None);
        for status in [408, 429, 502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(matches!(
                decide(true, 1, Outcome::Response(status, &none)),
                RetryDecision::RetryAfter(_)
            ));
            assert_eq!(
                decide(false, 1, Outcome::Response(status, &none)),
                RetryDecision::Stop
            );
        }
        for status in [200, 400, 401, 403, 404, 422, 423, 500, 501] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                decide(true, 1, Outcome::Response(status, &none)),
                RetryDecision::Stop,
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_seconds_and_dates_are_honoured_and_capped() {
        let policy = RetryPolicy::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let seconds = headers(Some("7"));
        let outcome = Outcome::Response(StatusCode::TOO_MANY_REQUESTS, &seconds);
        assert_eq!(
            policy.decide(true, 1, outcome, now, 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(7))
        );
        let date = headers(Some(&httpdate::fmt_http_date(
            now + Duration::from_secs(12),
        )));
        let outcome = Outcome::Response(StatusCode::SERVICE_UNAVAILABLE, &date);
        assert_eq!(
            policy.decide(true, 1, outcome, now, 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(12))
        );
        let long = headers(Some("86400"));
        let outcome = Outcome::Response(StatusCode::SERVICE_UNAVAILABLE, &long);
        assert_eq!(
            policy.decide(true, 1, outcome, now, 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(30))
        );
        let past = headers(Some(&httpdate::fmt_http_date(now - Duration::from_secs(5))));
        let outcome = Outcome::Response(StatusCode::SERVICE_UNAVAILABLE, &past);
        assert_eq!(
            policy.decide(true, 1, outcome, now, 0.9),
            RetryDecision::RetryAfter(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        let policy = RetryPolicy::default().with_max_attempts(10);
        let connect = Outcome::Transport(TransportErrorKind::Connect);
        let at = |attempt, jitter| match policy.decide(
            true,
            attempt,
            connect,
            SystemTime::UNIX_EPOCH,
            jitter,
        ) {
            RetryDecision::RetryAfter(d) => d,
            RetryDecision::Stop => panic!("stopped"),
        };
        assert_eq!(at(1, 0.0), Duration::from_millis(100));
        assert_eq!(at(1, 1.0), Duration::from_millis(200));
        assert_eq!(at(2, 0.0), Duration::from_millis(200));
        assert_eq!(at(3, 1.0), Duration::from_millis(800));
        assert_eq!(at(9, 1.0), Duration::from_secs(5), "capped");
    }

    #[test]
    fn disabled_never_retries() {
        let connect = Outcome::Transport(TransportErrorKind::Connect);
        assert_eq!(
            RetryPolicy::disabled().decide(true, 1, connect, SystemTime::UNIX_EPOCH, 0.0),
            RetryDecision::Stop
        );
    }
}
