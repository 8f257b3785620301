//! [`Call`]: a pending call with its per-call options.

use std::future::IntoFuture;
use std::time::Duration;

use bytes::Bytes;
use finapi_access_types::ValidationError;
use futures_util::future::BoxFuture;
use http::HeaderValue;
use http::header::{ACCEPT_LANGUAGE, HeaderName};

use crate::client::{AccessClient, CallResult};
use crate::error::{Error, Operation};
use crate::request_id::RequestId;

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

/// The options of one call: its request id and extra headers.
#[derive(Debug, Clone)]
pub(crate) struct CallOptions {
    pub(crate) request_id: RequestId,
    pub(crate) timeout: Option<Duration>,
    headers: Vec<(HeaderName, String)>,
}

impl CallOptions {
    /// Options for a request the SDK makes on its own (a token fetch): a new request id, no
    /// extra headers.
    pub(crate) fn fresh() -> Self {
        Self {
            request_id: RequestId::generate(),
            timeout: None,
            headers: Vec::new(),
        }
    }

    /// Adds the extra headers to `request`.
    pub(crate) fn apply(
        &self,
        operation: Operation,
        request: &mut http::Request<Bytes>,
    ) -> Result<(), Error> {
        for (name, value) in &self.headers {
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_input(
                    operation,
                    ValidationError::new(
                        display_name(name),
                        "holds characters not allowed in a header",
                    ),
                )
            })?;
            request.headers_mut().insert(name.clone(), value);
        }
        Ok(())
    }
}

/// The display name of an extra header, for errors.
fn display_name(name: &HeaderName) -> &'static str {
    match name.as_str() {
        "accept-language" => "Accept-Language",
        "psu-ip-address" => "PSU-IP-Address",
        "psu-device-os" => "PSU-Device-OS",
        "psu-user-agent" => "PSU-User-Agent",
        _ => "header",
    }
}

type RunCall<'a, T> =
    Box<dyn FnOnce(&'a AccessClient, CallOptions) -> BoxFuture<'a, CallResult<T>> + Send + 'a>;

/// A pending call: set per-call options, then `.await` it.
///
/// ```no_run
/// # async fn run(client: finapi_access_core::AccessClient) -> Result<(), Box<dyn std::error::Error>> {
/// use finapi_access_core::{Language, RequestId};
/// let token = client
///     .client_token()
///     .request_id(RequestId::new("onboarding-42")?)
///     .accept_language(Language::En)
///     .await?;
/// assert_eq!(token.request_id().as_str(), "onboarding-42");
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T> {
    client: &'a AccessClient,
    request_id: Option<RequestId>,
    timeout: Option<Duration>,
    headers: Vec<(HeaderName, String)>,
    run: RunCall<'a, T>,
}

impl<'a, T> Call<'a, T> {
    pub(crate) fn new(
        client: &'a AccessClient,
        run: impl FnOnce(&'a AccessClient, CallOptions) -> BoxFuture<'a, CallResult<T>> + Send + 'a,
    ) -> Self {
        Self {
            client,
            request_id: None,
            timeout: None,
            headers: Vec::new(),
            run: Box::new(run),
        }
    }

    /// Sends this `X-Request-Id` instead of a generated one.
    pub fn request_id(mut self, request_id: RequestId) -> Self {
        self.request_id = Some(request_id);
        self
    }

    /// The overall timeout of each request of this call (instead of the client's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Asks for finAPI's messages in `language` (`Accept-Language`).
    pub fn accept_language(mut self, language: Language) -> Self {
        self.headers
            .push((ACCEPT_LANGUAGE, language.as_str().to_owned()));
        self
    }

    /// Sends the end user's PSU metadata headers with this call. A value that cannot travel
    /// in a header fails the call with [`Error::InvalidInput`] before anything is sent.
    pub fn psu_headers(mut self, psu: PsuHeaders) -> Self {
        let named = [
            ("psu-ip-address", psu.ip_address),
            ("psu-device-os", psu.device_os),
            ("psu-user-agent", psu.user_agent),
        ];
        for (name, value) in named {
            if let Some(value) = value {
                self.headers.push((HeaderName::from_static(name), value));
            }
        }
        self
    }
}

impl<'a, T> Call<'a, T> {
    /// Runs the call with options decided by an enclosing call.
    pub(crate) fn with_options(self, options: CallOptions) -> BoxFuture<'a, CallResult<T>> {
        (self.run)(self.client, options)
    }
}

impl<T> std::fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("client", self.client)
            .field("request_id", &self.request_id)
            .field("timeout", &self.timeout)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl<'a, T: 'a> IntoFuture for Call<'a, T> {
    type Output = CallResult<T>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let options = CallOptions {
            request_id: self.request_id.unwrap_or_else(RequestId::generate),
            timeout: self.timeout,
            headers: self.headers,
        };
        (self.run)(self.client, options)
    }
}
