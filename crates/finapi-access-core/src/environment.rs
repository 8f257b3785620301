//! Where finAPI is: environments, base URLs and API versions.

use finapi_access_types::ValidationError;

/// A finAPI environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://sandbox.finapi.io`, finAPI's test environment.
    Sandbox,
    /// `https://live.finapi.io`, finAPI's production environment.
    Live,
    /// Any other server, for example the local emulator.
    Custom(BaseUrl),
}

impl Environment {
    /// The base URL of this environment.
    pub fn base_url(&self) -> BaseUrl {
        match self {
            Self::Sandbox => BaseUrl::trusted("https", "sandbox.finapi.io"),
            Self::Live => BaseUrl::trusted("https", "live.finapi.io"),
            Self::Custom(url) => url.clone(),
        }
    }
}

/// A validated base URL: `https://` anywhere, plain `http://` only for loopback hosts
/// (`localhost`, `127.0.0.0/8`, `[::1]`), no query, no credentials.
///
/// ```
/// use finapi_access_core::BaseUrl;
/// assert!(BaseUrl::parse("https://sandbox.finapi.io").is_ok());
/// assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
/// assert!(BaseUrl::parse("http://sandbox.finapi.io").is_err());
/// ```
///
/// Plain `http://` to another host (an emulator in another container, say) takes an explicit
/// opt-in, [`parse_allowing_plain_http`](Self::parse_allowing_plain_http), and a client built
/// on such a URL logs a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    scheme: String,
    authority: String,
    path_prefix: String,
    insecure: bool,
}

impl BaseUrl {
    fn trusted(scheme: &str, authority: &str) -> Self {
        Self {
            scheme: scheme.to_owned(),
            authority: authority.to_owned(),
            path_prefix: String::new(),
            insecure: false,
        }
    }

    /// Like [`parse`](Self::parse), but also accepts plain `http://` to hosts beyond
    /// loopback, such as `http://emulator:8080` for an emulator in another container of a
    /// test network. Tokens, passwords and client secrets then cross the network
    /// unencrypted: never use it for finAPI itself. A client built on such a URL logs a
    /// warning (target `finapi_access_core`).
    ///
    /// ```
    /// use finapi_access_core::BaseUrl;
    /// assert!(BaseUrl::parse("http://emulator:8080").is_err());
    /// let url = BaseUrl::parse_allowing_plain_http("http://emulator:8080").unwrap();
    /// assert!(url.is_plain_http_beyond_loopback());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), except for the plain `http` rule.
    pub fn parse_allowing_plain_http(url: &str) -> Result<Self, ValidationError> {
        Self::parse_with(url, true)
    }

    /// Whether this is plain `http://` to a host beyond loopback (see
    /// [`parse_allowing_plain_http`](Self::parse_allowing_plain_http)).
    pub fn is_plain_http_beyond_loopback(&self) -> bool {
        self.insecure
    }

    /// Logs a warning when this is plain `http://` beyond loopback (nothing otherwise). The
    /// SDK's clients call it when they are built on such a URL.
    pub fn warn_if_insecure(&self) {
        if self.insecure {
            tracing::warn!(
                base_url = %self,
                "plain http:// to a host beyond loopback: tokens and secrets cross the network unencrypted (allowed by parse_allowing_plain_http; for emulators on a test network only)"
            );
        }
    }

    /// Parses and checks a base URL.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the field `base_url` when the URL does not parse, has a
    /// scheme other than `https` (or `http` on a loopback host), carries user info, a query
    /// or a fragment, or has no host.
    pub fn parse(url: &str) -> Result<Self, ValidationError> {
        Self::parse_with(url, false)
    }

    fn parse_with(url: &str, allow_plain_http: bool) -> Result<Self, ValidationError> {
        let invalid = |rule: &str| ValidationError::new("base_url", rule);
        if url.contains('#') {
            return Err(invalid("must not have a fragment"));
        }
        let uri: http::Uri = url
            .parse()
            .map_err(|_| invalid("is not a valid absolute URL"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| invalid("must start with https://"))?
            .to_ascii_lowercase();
        let authority = uri.authority().ok_or_else(|| invalid("must name a host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("must not contain user info"));
        }
        if uri.query().is_some() {
            return Err(invalid("must not have a query"));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(invalid("must name a host"));
        }
        let insecure = match scheme.as_str() {
            "https" => false,
            "http" if is_loopback_host(host) => false,
            "http" if allow_plain_http => true,
            "http" => {
                return Err(invalid(
                    "plain http:// is only allowed for loopback hosts (localhost, 127.0.0.0/8, [::1]) unless explicitly allowed (BaseUrl::parse_allowing_plain_http, for an emulator on a test network); use https://",
                ));
            }
            _ => return Err(invalid("must use https:// (or http:// on a loopback host)")),
        };
        Ok(Self {
            scheme,
            authority: authority.as_str().to_ascii_lowercase(),
            path_prefix: uri.path().trim_end_matches('/').to_owned(),
            insecure,
        })
    }

    /// The URL of `path` (which starts with `/`) under this base.
    pub fn join(&self, path: &str) -> String {
        // Pushed, not formatted: this runs for every request to a path (a third of the
        // instructions of `format!`).
        let mut url = String::with_capacity(
            self.scheme.len() + 3 + self.authority.len() + self.path_prefix.len() + path.len(),
        );
        url.push_str(&self.scheme);
        url.push_str("://");
        url.push_str(&self.authority);
        url.push_str(&self.path_prefix);
        url.push_str(path);
        url
    }

    /// Whether the host is a loopback host.
    pub fn is_loopback(&self) -> bool {
        let host = self
            .authority
            .parse::<http::uri::Authority>()
            .map(|a| a.host().to_owned())
            .unwrap_or_default();
        is_loopback_host(&host)
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.join(""))
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The finAPI Access API version whose paths the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// v1: `/oauth/token`, `/oauth/revoke` (query parameters), `/api/v1/users`.
    V1,
    /// v2 (the default): `/api/v2/oauth/token`, `/api/v2/oauth/revoke` (form body),
    /// `/api/v2/users`.
    #[default]
    V2,
}

impl ApiVersion {
    /// The token endpoint's path.
    pub fn token_path(self) -> &'static str {
        match self {
            Self::V1 => "/oauth/token",
            Self::V2 => "/api/v2/oauth/token",
        }
    }

    /// The revocation endpoint's path.
    pub fn revoke_path(self) -> &'static str {
        match self {
            Self::V1 => "/oauth/revoke",
            Self::V2 => "/api/v2/oauth/revoke",
        }
    }

    /// The users collection's path.
    pub fn users_path(self) -> &'static str {
        match self {
            Self::V1 => "/api/v1/users",
            Self::V2 => "/api/v2/users",
        }
    }

    /// The client configuration's path.
    pub fn client_configuration_path(self) -> &'static str {
        match self {
            Self::V1 => "/api/v1/clientConfiguration",
            Self::V2 => "/api/v2/clientConfiguration",
        }
    }

    /// The mandator administration prefix.
    pub fn mandator_admin_path(self) -> &'static str {
        match self {
            Self::V1 => "/api/v1/mandatorAdmin",
            Self::V2 => "/api/v2/mandatorAdmin",
        }
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        })
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v1" | "1" => Ok(Self::V1),
            "v2" | "2" => Ok(Self::V2),
            _ => Err(ValidationError::new("api_version", "must be v1 or v2")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_environments() {
        assert_eq!(
            Environment::Sandbox.base_url().to_string(),
            "https://sandbox.finapi.io"
        );
        assert_eq!(
            Environment::Live.base_url().to_string(),
            "https://live.finapi.io"
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://localhost:8080",
            "http://127.0.0.1:1",
            "http://127.10.0.3",
            "http://[::1]:9000/",
            "https://example.com",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://localhost",
            "https://user:pw@example.com",
            "https://example.com/?x=1",
            "https://example.com/#f",
            "not a url",
            "/relative",
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.field(), "base_url", "{bad}");
        }
    }

    #[test]
    fn joins_paths_under_a_prefix() {
        let base = BaseUrl::parse("https://proxy.example.com/finapi/").unwrap();
        assert_eq!(
            base.join(ApiVersion::V2.token_path()),
            "https://proxy.example.com/finapi/api/v2/oauth/token"
        );
        let base = BaseUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            base.join(ApiVersion::V1.users_path()),
            "http://127.0.0.1:8080/api/v1/users"
        );
        assert!(base.is_loopback());
    }

    #[test]
    fn version_paths() {
        assert_eq!(ApiVersion::default(), ApiVersion::V2);
        assert_eq!(ApiVersion::V1.token_path(), "/oauth/token");
        assert_eq!(ApiVersion::V2.users_path(), "/api/v2/users");
        assert_eq!("V1".parse::<ApiVersion>().unwrap(), ApiVersion::V1);
    }
}
