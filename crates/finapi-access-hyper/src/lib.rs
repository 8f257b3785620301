//! # finapi-access-hyper
//!
//! A [`Transport`] for `finapi-access-core` over [hyper](https://docs.rs/hyper) 1.x (the
//! `hyper-util` pooled client). Bring your own client (`From<Client<C, Full<Bytes>>>`, any
//! connector) or take [`HyperTransport::new`], which has safe defaults: a 10 s connect
//! timeout, a 30 s overall timeout (response and body), no redirects (hyper never follows
//! them), rustls on the ring provider with the webpki roots, and a 1 MiB response-body limit.
//! Needs a Tokio runtime.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use finapi_access_core::{AccessClient, Environment};
//! use finapi_access_core::types::{ClientSecret, UserCreateParams};
//! use finapi_access_hyper::HyperTransport;
//!
//! let client = AccessClient::builder()
//!     .environment(Environment::Sandbox)
//!     .credentials("client-id", ClientSecret::new("client-secret"))
//!     .transport(HyperTransport::new()?)
//!     .build()?;
//! let user = client.create_user(UserCreateParams::new()).await?;
//! let token = client.fetch_user_token(&user.id, &user.password).await?;
//! # let _ = token; Ok(()) }
//! ```
//!
//! The reqwest alternative is `finapi-access-reqwest`; the logic lives in `finapi-access-core`.

#![forbid(unsafe_code)]

use std::time::Duration;

use bytes::Bytes;
use finapi_access_core::{RequestTimeout, Transport, TransportError, TransportErrorKind};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;

/// The connector of [`HyperTransport::new`]: HTTPS with rustls, or plain HTTP (which
/// `finapi-access-core` allows for loopback hosts only).
#[cfg(feature = "rustls-ring")]
pub type DefaultConnector = hyper_rustls::HttpsConnector<HttpConnector>;
/// The connector of [`HyperTransport::new`] without a TLS feature: plain HTTP only.
#[cfg(not(feature = "rustls-ring"))]
pub type DefaultConnector = HttpConnector;

/// A [`Transport`] over a hyper-util client.
///
/// `Debug` shows the timeout and body limit only.
#[derive(Clone)]
pub struct HyperTransport<C = DefaultConnector> {
    client: Client<C, Full<Bytes>>,
    timeout: Option<Duration>,
    body_limit: usize,
}

impl HyperTransport<DefaultConnector> {
    /// The connect timeout of [`HyperTransport::new`].
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The overall timeout of [`HyperTransport::new`].
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// A transport on a new client with safe defaults (see the crate docs).
    ///
    /// # Errors
    ///
    /// A [`TransportError`] of kind `Other` when the TLS configuration cannot be made.
    pub fn new() -> Result<Self, TransportError> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(Self::DEFAULT_CONNECT_TIMEOUT));
        http.set_nodelay(true);
        #[cfg(feature = "rustls-ring")]
        let connector = {
            http.enforce_http(false);
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls::config()?)
                .https_or_http()
                .enable_http1()
                .enable_http2()
                .wrap_connector(http)
        };
        #[cfg(not(feature = "rustls-ring"))]
        let connector = http;
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self::from(client).with_timeout(Some(Self::DEFAULT_TIMEOUT)))
    }
}

impl<C> HyperTransport<C> {
    /// The default response-body limit (1 MiB).
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    /// Sets the overall timeout (until the whole body is read); `None` for no timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response-body limit; a larger body fails with `BodyTooLarge`.
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &Client<C, Full<Bytes>> {
        &self.client
    }
}

impl<C> std::fmt::Debug for HyperTransport<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("timeout", &self.timeout)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl<C> From<Client<C, Full<Bytes>>> for HyperTransport<C> {
    /// Wraps your client as it is, with the default body limit and no extra timeout (set one
    /// with [`HyperTransport::with_timeout`]).
    fn from(client: Client<C, Full<Bytes>>) -> Self {
        Self {
            client,
            timeout: None,
            body_limit: Self::DEFAULT_BODY_LIMIT,
        }
    }
}

#[cfg(feature = "rustls-ring")]
mod tls {
    use std::sync::Arc;

    use finapi_access_core::{TransportError, TransportErrorKind};

    pub(crate) fn config() -> Result<rustls::ClientConfig, TransportError> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::new(TransportErrorKind::Other, e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
    }
}

fn request_error(error: hyper_util::client::legacy::Error) -> TransportError {
    let kind = if error.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}

fn too_large(limit: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        format!("response body exceeds the limit of {limit} bytes"),
    )
}

impl<C> HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    async fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let response = self
            .client
            .request(request.map(Full::new))
            .await
            .map_err(request_error)?;
        let (parts, body) = response.into_parts();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.body_limit as u64) {
            return Err(too_large(self.body_limit));
        }
        let collected = Limited::new(body, self.body_limit)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<LengthLimitError>().is_some() {
                    too_large(self.body_limit)
                } else {
                    TransportError::new(TransportErrorKind::Io, e)
                }
            })?;
        Ok(http::Response::from_parts(parts, collected.to_bytes()))
    }
}

#[async_trait::async_trait]
impl<C> Transport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let timeout = request
            .extensions()
            .get::<RequestTimeout>()
            .map(|t| t.0)
            .or(self.timeout);
        self.exchange_within(request, timeout).await
    }

    async fn send_with_timeout(
        &self,
        request: http::Request<Bytes>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.exchange_within(request, Some(timeout)).await
    }
}

impl<C> HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    /// One exchange, cut off after `timeout` when given.
    async fn exchange_within(
        &self,
        request: http::Request<Bytes>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        match timeout {
            None => self.exchange(request).await,
            Some(limit) => tokio::time::timeout(limit, self.exchange(request))
                .await
                .map_err(|elapsed| TransportError::new(TransportErrorKind::Timeout, elapsed))?,
        }
    }
}
