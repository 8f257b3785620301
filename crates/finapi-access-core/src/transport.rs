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

    /// Sends `request` with `timeout` as its overall timeout: what the client calls for
    /// every attempt. The default puts the timeout in the request's extensions as a
    /// [`RequestTimeout`] and calls [`send`](Self::send), so a transport needs only `send`;
    /// the SDK's transports take it directly (an extension costs three allocations per
    /// request).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    async fn send_with_timeout(
        &self,
        mut request: http::Request<Bytes>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        request.extensions_mut().insert(RequestTimeout(timeout));
        self.send(request).await
    }
}

#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }

    async fn send_with_timeout(
        &self,
        request: http::Request<Bytes>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send_with_timeout(request, timeout).await
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

    async fn send_with_timeout(
        &self,
        request: http::Request<Bytes>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send_with_timeout(request, timeout).await
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

/// What a transport failure came down to, read from the error's source chain: what a person
/// needs to fix it (see [`TransportError::cause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureCause {
    /// The host name did not resolve (DNS).
    NameResolution,
    /// Nothing listens there: the connection was refused.
    ConnectionRefused,
    /// The TLS handshake failed (a certificate, or `https://` to a server that speaks plain
    /// http).
    Tls,
    /// No answer in time.
    Timeout,
    /// The connection was reset or closed early.
    ConnectionReset,
    /// Something else.
    Other,
}

impl std::fmt::Display for FailureCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NameResolution => "the host name did not resolve",
            Self::ConnectionRefused => "the connection was refused",
            Self::Tls => "the TLS handshake failed",
            Self::Timeout => "no answer in time",
            Self::ConnectionReset => "the connection was closed",
            Self::Other => "the transport failed",
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

    /// What the failure came down to, read from the source chain (I/O error kinds first,
    /// then the words the HTTP and TLS stacks use): name resolution, refused, TLS, timeout,
    /// reset, or other.
    ///
    /// ```
    /// use finapi_access_core::{FailureCause, TransportError, TransportErrorKind};
    ///
    /// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    /// let err = TransportError::new(TransportErrorKind::Connect, refused);
    /// assert_eq!(err.cause(), FailureCause::ConnectionRefused);
    /// ```
    pub fn cause(&self) -> FailureCause {
        let mut words = String::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = self
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(error) = next {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        return FailureCause::ConnectionRefused;
                    }
                    std::io::ErrorKind::TimedOut => return FailureCause::Timeout,
                    std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof => return FailureCause::ConnectionReset,
                    _ => {}
                }
            }
            words.push_str(&error.to_string().to_ascii_lowercase());
            words.push('\n');
            next = error.source();
        }
        let has = |needles: &[&str]| needles.iter().any(|n| words.contains(n));
        if self.kind == TransportErrorKind::Timeout || has(&["timed out", "deadline has elapsed"]) {
            FailureCause::Timeout
        } else if has(&[
            "dns error",
            "failed to lookup address",
            "name or service not known",
            "nodename nor servname",
            "no address associated",
            "temporary failure in name resolution",
        ]) {
            FailureCause::NameResolution
        } else if has(&["connection refused"]) {
            FailureCause::ConnectionRefused
        } else if has(&[
            "tls",
            "certificate",
            "handshake",
            "corrupt message",
            "invalidcontenttype",
        ]) {
            FailureCause::Tls
        } else if has(&["connection reset", "connection closed", "broken pipe"]) {
            FailureCause::ConnectionReset
        } else {
            FailureCause::Other
        }
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.kind, f)?;
        if self.source.is_some() {
            match self.cause() {
                FailureCause::Other => {}
                cause => write!(f, ": {cause}")?,
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that wraps another, as the HTTP stacks chain theirs.
    #[derive(Debug)]
    struct Wrapped(
        &'static str,
        Option<Box<dyn std::error::Error + Send + Sync>>,
    );

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static))
        }
    }

    fn chain(
        outer: &'static str,
        inner: impl std::error::Error + Send + Sync + 'static,
    ) -> Wrapped {
        Wrapped(outer, Some(Box::new(inner)))
    }

    #[test]
    fn causes_come_from_the_source_chain() {
        let connect = |e: Wrapped| TransportError::new(TransportErrorKind::Connect, e);
        // hyper-util's DNS failure, as reqwest and the hyper adapter report it.
        let dns = connect(chain(
            "client error (Connect)",
            chain(
                "dns error",
                std::io::Error::other(
                    "failed to lookup address information: Name or service not known",
                ),
            ),
        ));
        assert_eq!(dns.cause(), FailureCause::NameResolution);
        let refused = connect(chain(
            "client error (Connect)",
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        ));
        assert_eq!(refused.cause(), FailureCause::ConnectionRefused);
        assert!(refused.to_string().contains("refused"), "{refused}");
        let tls = connect(chain(
            "client error (Connect)",
            std::io::Error::other("received corrupt message of type InvalidContentType"),
        ));
        assert_eq!(tls.cause(), FailureCause::Tls);
        let certificate = connect(Wrapped("invalid peer certificate: UnknownIssuer", None));
        assert_eq!(certificate.cause(), FailureCause::Tls);
        let timeout = TransportError::new(TransportErrorKind::Timeout, Wrapped("elapsed", None));
        assert_eq!(timeout.cause(), FailureCause::Timeout);
        let reset = TransportError::new(
            TransportErrorKind::Io,
            std::io::Error::from(std::io::ErrorKind::ConnectionReset),
        );
        assert_eq!(reset.cause(), FailureCause::ConnectionReset);
        let other = TransportError::from_kind(TransportErrorKind::Other);
        assert_eq!(other.cause(), FailureCause::Other);
        assert_eq!(other.to_string(), "transport error");
    }
}
