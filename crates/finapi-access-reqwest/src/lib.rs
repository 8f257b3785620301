//! # finapi-access-reqwest
//!
//! A [`Transport`] for `finapi-access-core` over [reqwest](https://docs.rs/reqwest): a thin
//! newtype around a `reqwest::Client`. Bring your own client (`From<reqwest::Client>`, to
//! keep your pool, proxy and TLS settings) or take [`ReqwestTransport::new`], which has safe
//! defaults: a 10 s connect timeout, a 30 s overall timeout, redirects off, no automatic
//! retries, rustls on the ring provider with the webpki roots, and a 1 MiB response-body limit.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use finapi_access_core::{AccessClient, Environment};
//! use finapi_access_core::types::{ClientSecret, Password, UserCreateParams, UserId};
//! use finapi_access_reqwest::ReqwestTransport;
//!
//! let client = AccessClient::builder()
//!     .environment(Environment::Sandbox)
//!     .credentials("client-id", ClientSecret::new("client-secret"))
//!     .transport(ReqwestTransport::new()?)
//!     .build()?;
//! let user = client
//!     .create_user(UserCreateParams::new().id(UserId::new("alice")?).password(Password::new("secret-pw")?))
//!     .await?;
//! let token = client.fetch_user_token(&user.id, &user.password).await?;
//! # let _ = token; Ok(()) }
//! ```
//!
//! ## Bringing your own client
//!
//! This crate turns on reqwest's `rustls-no-provider` feature and hands reqwest a rustls
//! configuration on ring. A `reqwest::Client` you build yourself needs a TLS setup too: turn
//! on a reqwest TLS feature (`rustls` or `native-tls`) in your own `Cargo.toml`, or start from
//! [`ReqwestTransport::default_client_builder`], which carries this crate's configuration.
//! Otherwise reqwest panics when the client is built.
//!
//! The hyper alternative is `finapi-access-hyper`; the logic lives in `finapi-access-core`.

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use finapi_access_core::{RequestTimeout, Transport, TransportError, TransportErrorKind};

/// A [`Transport`] over a `reqwest::Client`.
///
/// `Debug` shows the body limit only: a client's settings (proxy URLs, default headers) may
/// hold credentials.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    body_limit: usize,
    urls: Arc<UrlCache>,
    /// The client's own timeout when this transport made the client: a request whose
    /// timeout is the same needs no per-request setting (reqwest keeps one in the request's
    /// extensions, three allocations).
    client_timeout: Option<Duration>,
}

/// Parsed URLs by URI: a client calls the same few URLs again and again, and parsing one
/// costs more than the rest of building the request. Bounded, so any number of distinct
/// URLs cannot grow it without limit. A URL with a query is never kept: queries vary per
/// call, and one may carry a secret (v1 revocation sends the token there), which must not
/// outlive its request in memory.
#[derive(Default)]
struct UrlCache(std::sync::RwLock<Vec<CachedUrl>>);

/// A parsed URL and what it was parsed from (scheme, authority, path; never a query).
struct CachedUrl {
    scheme: String,
    authority: String,
    path: String,
    url: reqwest::Url,
}

impl CachedUrl {
    /// A few string comparisons: cheaper than hashing a `Uri` (which lower-cases its
    /// authority byte by byte into SipHash), and a client has only a few URLs.
    fn is(&self, uri: &http::Uri) -> bool {
        self.path == uri.path()
            && uri
                .authority()
                .is_some_and(|a| self.authority == a.as_str())
            && uri.scheme_str() == Some(self.scheme.as_str())
    }
}

impl UrlCache {
    const MAX_ENTRIES: usize = 64;

    fn url(&self, uri: &http::Uri) -> Result<reqwest::Url, TransportError> {
        if uri.query().is_some() {
            return parse_url(uri);
        }
        let cached = self.0.read().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cached.iter().find(|c| c.is(uri)) {
            return Ok(hit.url.clone());
        }
        drop(cached);
        let url = parse_url(uri)?;
        let mut urls = self.0.write().unwrap_or_else(|e| e.into_inner());
        if urls.len() >= Self::MAX_ENTRIES {
            urls.clear();
        }
        urls.push(CachedUrl {
            scheme: uri.scheme_str().unwrap_or_default().to_owned(),
            authority: uri
                .authority()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            path: uri.path().to_owned(),
            url: url.clone(),
        });
        Ok(url)
    }
}

impl ReqwestTransport {
    /// The connect timeout of [`ReqwestTransport::new`].
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The overall request timeout of [`ReqwestTransport::new`].
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default response-body limit (1 MiB).
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    /// A transport on a new client with safe defaults (see the crate docs).
    ///
    /// # Errors
    ///
    /// A [`TransportError`] of kind `Other` when the TLS backend cannot be set up.
    pub fn new() -> Result<Self, TransportError> {
        let client = Self::default_client_builder()?
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Other, e))?;
        Ok(Self {
            client_timeout: Some(Self::DEFAULT_TIMEOUT),
            ..Self::from(client)
        })
    }

    /// The `reqwest::ClientBuilder` that [`new`](Self::new) uses, to adjust before building.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] of kind `Other` when the TLS configuration cannot be made.
    pub fn default_client_builder() -> Result<reqwest::ClientBuilder, TransportError> {
        let builder = reqwest::Client::builder()
            .connect_timeout(Self::DEFAULT_CONNECT_TIMEOUT)
            .timeout(Self::DEFAULT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never());
        #[cfg(feature = "rustls-ring")]
        let builder = builder.tls_backend_preconfigured(tls::config()?);
        Ok(builder)
    }

    /// Sets the response-body limit; a larger body fails with `BodyTooLarge`.
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl std::fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl From<reqwest::Client> for ReqwestTransport {
    fn from(client: reqwest::Client) -> Self {
        Self {
            client,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            urls: Arc::default(),
            client_timeout: None,
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
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::new(TransportErrorKind::Other, e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_body() || error.is_decode() || error.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    // The URL may carry a token in its query (v1 revocation): keep it out of the message.
    TransportError::new(kind, error.without_url())
}

/// The URI as a `reqwest::Url` (reqwest's own conversion formats the URI first).
fn parse_url(uri: &http::Uri) -> Result<reqwest::Url, TransportError> {
    let invalid = |what: &str| {
        TransportError::new(TransportErrorKind::Other, format!("the request URL {what}"))
    };
    let scheme = uri.scheme_str().ok_or_else(|| invalid("has no scheme"))?;
    let authority = uri.authority().ok_or_else(|| invalid("has no host"))?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut url = String::with_capacity(scheme.len() + 3 + authority.as_str().len() + path.len());
    url.push_str(scheme);
    url.push_str("://");
    url.push_str(authority.as_str());
    url.push_str(path);
    reqwest::Url::parse(&url).map_err(|e| TransportError::new(TransportErrorKind::Other, e))
}

/// `http::Request` to `reqwest::Request`, with the URL from the cache.
fn into_reqwest(
    request: http::Request<Bytes>,
    urls: &UrlCache,
) -> Result<reqwest::Request, TransportError> {
    let (parts, body) = request.into_parts();
    let url = urls.url(&parts.uri)?;
    let mut converted = reqwest::Request::new(parts.method, url);
    *converted.headers_mut() = parts.headers;
    *converted.version_mut() = parts.version;
    *converted.body_mut() = Some(reqwest::Body::from(body));
    Ok(converted)
}

fn too_large(limit: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        format!("response body exceeds the limit of {limit} bytes"),
    )
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let timeout = request.extensions().get::<RequestTimeout>().map(|t| t.0);
        self.exchange(request, timeout).await
    }

    async fn send_with_timeout(
        &self,
        request: http::Request<Bytes>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.exchange(request, Some(timeout)).await
    }
}

impl ReqwestTransport {
    /// One exchange, with `timeout` replacing the client's default when given.
    async fn exchange(
        &self,
        request: http::Request<Bytes>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = into_reqwest(request, &self.urls)?;
        let mut request = request;
        if let Some(timeout) = timeout.filter(|t| Some(*t) != self.client_timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        let mut response = self.client.execute(request).await.map_err(classify)?;
        if response
            .content_length()
            .is_some_and(|len| len > self.body_limit as u64)
        {
            return Err(too_large(self.body_limit));
        }
        let mut builder = http::Response::builder()
            .status(response.status())
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > self.body_limit {
                return Err(too_large(self.body_limit));
            }
            body.extend_from_slice(&chunk);
        }
        builder
            .body(body.freeze())
            .map_err(|e| TransportError::new(TransportErrorKind::Other, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_once_and_the_cache_stays_bounded() {
        let cache = UrlCache::default();
        let uri: http::Uri = "http://127.0.0.1:8080/api/v2/users?userId=a%20b"
            .parse()
            .unwrap();
        let url = cache.url(&uri).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/api/v2/users?userId=a%20b"
        );
        assert!(
            cache.0.read().unwrap().is_empty(),
            "a URL with a query is never kept"
        );
        let plain: http::Uri = "http://127.0.0.1:8080/api/v2/users".parse().unwrap();
        let url = cache.url(&plain).unwrap();
        assert_eq!(cache.url(&plain).unwrap(), url);
        assert_eq!(cache.0.read().unwrap().len(), 1);
        // Another host, scheme or path is another entry.
        for other in [
            "http://127.0.0.1:8081/api/v2/users",
            "https://127.0.0.1:8080/api/v2/users",
            "http://127.0.0.1:8080/api/v2/user",
        ] {
            let uri: http::Uri = other.parse().unwrap();
            assert_eq!(cache.url(&uri).unwrap().as_str(), other);
        }
        assert_eq!(cache.0.read().unwrap().len(), 4);
        for n in 0..200 {
            let uri: http::Uri = format!("http://127.0.0.1/page/{n}").parse().unwrap();
            assert_eq!(cache.url(&uri).unwrap().path(), format!("/page/{n}"));
            assert!(cache.0.read().unwrap().len() <= UrlCache::MAX_ENTRIES);
        }
    }

    #[test]
    fn a_revocation_url_with_a_token_is_never_cached() {
        let cache = UrlCache::default();
        let uri: http::Uri =
            "http://127.0.0.1:8080/oauth/revoke?token=tok-SECRET&token_type_hint=access_token"
                .parse()
                .unwrap();
        assert!(cache.url(&uri).unwrap().as_str().contains("tok-SECRET"));
        let kept = cache.0.read().unwrap();
        assert!(
            kept.iter()
                .all(|c| !c.url.as_str().contains("SECRET") && !c.path.contains("SECRET"))
        );
    }

    #[test]
    fn a_uri_without_a_host_is_a_typed_error() {
        let uri: http::Uri = "/relative/only".parse().unwrap();
        let err = UrlCache::default().url(&uri).unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Other);
    }
}
