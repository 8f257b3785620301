//! [`Call`]: a pending call with its per-call options.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use bytes::Bytes;
use finapi_access_types::ValidationError;
use futures_util::future::BoxFuture;
use http::HeaderValue;
use http::header::{ACCEPT_LANGUAGE, HeaderName};

use crate::error::{Error, Operation};
use crate::request_id::RequestId;
use crate::response::CallResult;

/// The language of finAPI's messages (`Accept-Language`); finAPI's default is German.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// German.
    De,
    /// English.
    En,
    /// Czech.
    Cs,
    /// Slovak.
    Sk,
}

impl Language {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
            Self::Cs => "cs",
            Self::Sk => "sk",
        }
    }
}

/// The PSU metadata headers finAPI takes for calls made on behalf of an end user
/// (`PSU-IP-Address`, `PSU-Device-OS`, `PSU-User-Agent`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PsuHeaders {
    /// The end user's IP address.
    pub ip_address: Option<String>,
    /// The end user's device operating system.
    pub device_os: Option<String>,
    /// The end user's browser user agent.
    pub user_agent: Option<String>,
}

impl PsuHeaders {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `PSU-IP-Address`.
    #[must_use]
    pub fn ip_address(mut self, value: impl Into<String>) -> Self {
        self.ip_address = Some(value.into());
        self
    }

    /// Sets `PSU-Device-OS`.
    #[must_use]
    pub fn device_os(mut self, value: impl Into<String>) -> Self {
        self.device_os = Some(value.into());
        self
    }

    /// Sets `PSU-User-Agent`.
    #[must_use]
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = Some(value.into());
        self
    }
}

/// The options of one call, resolved: its request id, timeouts, deadline and extra headers
/// (already checked).
#[derive(Debug, Clone)]
pub(crate) struct CallOptions {
    pub(crate) request_id: RequestId,
    /// The overall timeout of each attempt (instead of the client's).
    pub(crate) timeout: Option<Duration>,
    /// The deadline of the whole call, once known: when it passes, and how long it was.
    pub(crate) deadline: Option<(Instant, Duration)>,
    /// `Accept-Language`, sent with the call and with a token fetch it triggers.
    pub(crate) language: Option<Language>,
    /// PSU headers, sent with the call only.
    pub(crate) psu: Vec<(HeaderName, HeaderValue)>,
}

impl CallOptions {
    /// Options for a request the SDK makes on its own: a new request id, nothing else.
    pub(crate) fn fresh() -> Self {
        Self {
            request_id: RequestId::generate(),
            timeout: None,
            deadline: None,
            language: None,
            psu: Vec::new(),
        }
    }

    /// The options of a token fetch that this call triggers: the call's request id with
    /// `-token` appended (so both requests can be found by the call's id), the same timeout,
    /// deadline and language; no PSU headers.
    pub(crate) fn for_token_fetch(&self) -> Self {
        Self {
            request_id: self.request_id.derived("token"),
            timeout: self.timeout,
            deadline: self.deadline,
            language: self.language,
            psu: Vec::new(),
        }
    }

    /// Adds the extra headers to `request`.
    pub(crate) fn apply(&self, request: &mut http::Request<Bytes>) {
        let headers = request.headers_mut();
        if let Some(language) = self.language {
            headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static(language.as_str()));
        }
        for (name, value) in &self.psu {
            headers.insert(name.clone(), value.clone());
        }
    }
}

type RunCall<'a, T> = Box<dyn FnOnce(CallOptions) -> BoxFuture<'a, CallResult<T>> + Send + 'a>;

/// A pending call: set per-call options, then `.await` it.
///
/// What the options govern:
///
/// - [`request_id`](Self::request_id): the `X-Request-Id` of every request of the call:
///   each retry and the second attempt after a 401; a token fetch the call triggers sends
///   it with `-token` appended (`<id>-token`), so that each request has its own id and both
///   are found by the call's.
/// - [`timeout`](Self::timeout): the overall timeout of each attempt (the call's and the
///   token fetch's), instead of the client's.
/// - [`deadline`](Self::deadline): the whole call, token fetch, retries, backoff and the 401
///   retry included (default: the client's, [`AccessClientBuilder::deadline`](crate::AccessClientBuilder::deadline)).
/// - [`accept_language`](Self::accept_language): the call and a token fetch it triggers.
/// - [`psu_headers`](Self::psu_headers): the call only (never a token request).
///
/// A token fetch that another call already started is joined, not repeated: it runs with
/// the options of the call that started it, and this call waits for it at most until its
/// own deadline.
///
/// **Cancelling** (dropping the future, for example through `tokio::time::timeout`) stops
/// the call where it is: a request in flight is abandoned (it may still reach finAPI, as
/// with any client), nothing is retried, and a token fetch is cancelled when no other call
/// waits for it; the next call starts a fresh one. Nothing stays allocated.
///
/// ```no_run
/// # async fn run(client: finapi_access_core::AccessClient) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use finapi_access_core::{Language, RequestId};
/// let token = client
///     .fetch_client_token()
///     .request_id(RequestId::new("onboarding-42")?)
///     .accept_language(Language::En)
///     .deadline(Duration::from_secs(10))
///     .await?;
/// assert_eq!(token.request_id().as_str(), "onboarding-42");
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T> {
    operation: Operation,
    request_id: Option<RequestId>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    language: Option<Language>,
    psu: Vec<(HeaderName, HeaderValue)>,
    invalid: Option<ValidationError>,
    run: RunCall<'a, T>,
}

impl<'a, T> Call<'a, T> {
    pub(crate) fn new(
        operation: Operation,
        run: impl FnOnce(CallOptions) -> BoxFuture<'a, CallResult<T>> + Send + 'a,
    ) -> Self {
        Self {
            operation,
            request_id: None,
            timeout: None,
            deadline: None,
            language: None,
            psu: Vec::new(),
            invalid: None,
            run: Box::new(run),
        }
    }

    /// Sends this `X-Request-Id` instead of a generated one.
    pub fn request_id(mut self, request_id: RequestId) -> Self {
        self.request_id = Some(request_id);
        self
    }

    /// The overall timeout of each attempt of this call (instead of the client's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The most the whole call may take: token fetch, every attempt, backoff and the retry
    /// after a 401 (instead of the client's deadline). When it passes the call fails with a
    /// timeout ([`Error::Transport`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Asks for finAPI's messages in `language` (`Accept-Language`).
    pub fn accept_language(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }

    /// Sends the end user's PSU metadata headers with this call. A value that cannot travel
    /// in a header fails the call with [`Error::InvalidInput`] naming the header, before any
    /// token fetch or request.
    pub fn psu_headers(mut self, psu: PsuHeaders) -> Self {
        let named = [
            ("psu-ip-address", "PSU-IP-Address", psu.ip_address),
            ("psu-device-os", "PSU-Device-OS", psu.device_os),
            ("psu-user-agent", "PSU-User-Agent", psu.user_agent),
        ];
        for (name, display, value) in named {
            let Some(value) = value else { continue };
            match HeaderValue::from_str(&value) {
                Ok(value) => self.psu.push((HeaderName::from_static(name), value)),
                Err(_) => {
                    self.invalid.get_or_insert_with(|| {
                        ValidationError::new(display, "holds characters not allowed in a header")
                    });
                }
            }
        }
        self
    }

    /// Runs the call with options decided by an enclosing call.
    pub(crate) fn with_options(self, options: CallOptions) -> BoxFuture<'a, CallResult<T>> {
        (self.run)(options)
    }
}

impl<T> std::fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("request_id", &self.request_id)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("language", &self.language)
            .field("psu_headers", &self.psu.len())
            .finish_non_exhaustive()
    }
}

impl<'a, T: Send + 'a> IntoFuture for Call<'a, T> {
    type Output = CallResult<T>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        if let Some(invalid) = self.invalid {
            let error = Error::invalid_input(self.operation, invalid);
            return Box::pin(std::future::ready(Err(error)));
        }
        let options = CallOptions {
            request_id: self.request_id.unwrap_or_else(RequestId::generate),
            timeout: self.timeout,
            deadline: self
                .deadline
                .map(|d| (Instant::now().checked_add(d).unwrap_or_else(far_future), d)),
            language: self.language,
            psu: self.psu,
        };
        (self.run)(options)
    }
}

/// An instant so far away that it never comes (for a deadline too long for the clock).
pub(crate) fn far_future() -> Instant {
    let now = Instant::now();
    // About 30 years: far beyond any call, and representable on every platform.
    now.checked_add(Duration::from_secs(30 * 365 * 24 * 3600))
        .unwrap_or(now)
}
