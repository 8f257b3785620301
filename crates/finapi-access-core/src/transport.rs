//! The seam between finAPI logic and an HTTP stack.

use std::sync::Arc;

use bytes::Bytes;

/// Sends one HTTP request and returns the whole response.
///
/// Implementations are thin: they send the request as it is (no finAPI logic, no retries,
/// no redirects followed), read the whole body, and map their own failures to a
/// [`TransportError`]. `finapi-access-reqwest` and `finapi-access-hyper` provide two; any other
/// stack can be plugged in by implementing this trait.
///
/// ```
/// use bytes::Bytes;
/// use finapi_access_core::{Transport, TransportError};
///
/// /// A transport that answers every request with 503, for tests.
/// #[derive(Debug)]
/// struct AlwaysUnavailable;
///
/// #[async_trait::async_trait]
/// impl Transport for AlwaysUnavailable {
///     async fn send(
///         &self,
///         _request: http::Request<Bytes>,
///     ) -> Result<http::Response<Bytes>, TransportError> {
///         Ok(http::Response::builder().status(503).body(Bytes::new()).unwrap())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// Sends `request` and returns the response with its body read in full.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when no complete response was received: connect failure, timeout,
    /// I/O error, a body over the size limit, or anything else the stack reports.
    ///
    /// A [`RequestTimeout`] in the request's extensions is the overall timeout for this
    /// request; it replaces the transport's default.
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError>;
}

#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }
}

/// The overall timeout of one request, set by the client in the request's extensions
/// (per client or per call); transports apply it instead of their default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub std::time::Duration);

/// What kind of failure a [`TransportError`] is; core decides on retries from this alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The request or the response took longer than the configured timeout.
    Timeout,
    /// No connection could be made (DNS, refused, TLS handshake): the request surely never left.
    Connect,
    /// Reading or writing failed after the connection was made.
    Io,
    /// The response body is larger than the configured limit.
    BodyTooLarge,
    /// Anything else the HTTP stack reported.
    Other,
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Connect => "could not connect",
            Self::Io => "I/O error",
            Self::BodyTooLarge => "response body too large",
            Self::Other => "transport error",
        })
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of the HTTP stack: no complete response was received.
///
/// The adapter's own error is kept as [`source()`](std::error::Error::source), so users never
/// need reqwest or hyper types in their signatures.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<BoxError>,
    note: Option<String>,
}

impl TransportError {
    /// A transport error of `kind` caused by `source`.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: Some(source.into()),
            note: None,
        }
    }

    /// A transport error of `kind` without an underlying error.
    pub fn from_kind(kind: TransportErrorKind) -> Self {
        Self {
            kind,
            source: None,
            note: None,
        }
    }

    /// A failure the SDK itself decided on, explained in `note` (shown by `Display`).
    pub(crate) fn noted(kind: TransportErrorKind, note: String) -> Self {
        Self {
            kind,
            source: None,
            note: Some(note),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request surely never reached the server (a connect failure).
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.kind, f)?;
        match &self.note {
            Some(note) => write!(f, " ({note})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
