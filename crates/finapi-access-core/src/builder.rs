//! [`AccessClientBuilder`]: checks the settings and builds an [`AccessClient`].

use std::sync::Arc;
use std::time::Duration;

use finapi_access_types::{ClientSecret, ValidationError};

use crate::cache::{CachePolicy, Clock, SystemClock};
use crate::client::AccessClient;
use crate::environment::{ApiVersion, BaseUrl, Environment};
use crate::error::{Error, Operation};
use crate::grants::Grants;
use crate::pipeline::Pipeline;
use crate::retry::{RetryPolicy, Sleep};
use crate::transport::Transport;

/// Builds an [`AccessClient`].
#[derive(Default)]
pub struct AccessClientBuilder {
    base_url: Option<Result<BaseUrl, ValidationError>>,
    api_version: ApiVersion,
    credentials: Option<(String, ClientSecret)>,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
    cache_policy: CachePolicy,
    retry_policy: RetryPolicy,
    sleep: Option<Arc<dyn Sleep>>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
}

impl std::fmt::Debug for AccessClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .field("transport", &self.transport)
            .field("clock", &self.clock)
            .field("cache_policy", &self.cache_policy)
            .field("retry_policy", &self.retry_policy)
            .field("sleep", &self.sleep)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl AccessClient {
    /// A builder; [`AccessClientBuilder::build`] checks what was given.
    pub fn builder() -> AccessClientBuilder {
        AccessClientBuilder::default()
    }
}

impl AccessClientBuilder {
    /// The default overall timeout of one attempt: 30 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default deadline of one call, everything included: 60 s.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);
    /// The client id's variable for [`from_env`](Self::from_env).
    pub const CLIENT_ID_VAR: &'static str = "FINAPI_CLIENT_ID";
    /// The client secret's variable.
    pub const CLIENT_SECRET_VAR: &'static str = "FINAPI_CLIENT_SECRET";
    /// The environment's variable (`sandbox` or `live`).
    pub const ENV_VAR: &'static str = "FINAPI_ENV";
    /// The base URL's variable (instead of [`ENV_VAR`](Self::ENV_VAR)).
    pub const BASE_URL_VAR: &'static str = "FINAPI_BASE_URL";
    /// `1` allows a plain `http://` base URL beyond loopback (an emulator in a container).
    pub const ALLOW_PLAIN_HTTP_VAR: &'static str = "FINAPI_ALLOW_PLAIN_HTTP";
    /// The API version's variable (`v1` or `v2`; default v2).
    pub const API_VERSION_VAR: &'static str = "FINAPI_API_VERSION";

    /// A builder from the process environment: [`CLIENT_ID_VAR`](Self::CLIENT_ID_VAR) and
    /// [`CLIENT_SECRET_VAR`](Self::CLIENT_SECRET_VAR), and where to go: either
    /// [`ENV_VAR`](Self::ENV_VAR) (`sandbox` or `live`) or [`BASE_URL_VAR`](Self::BASE_URL_VAR)
    /// (a base URL; plain `http://` beyond loopback only with
    /// [`ALLOW_PLAIN_HTTP_VAR`](Self::ALLOW_PLAIN_HTTP_VAR) `=1`, logged as a warning).
    /// Optional: [`API_VERSION_VAR`](Self::API_VERSION_VAR) (`v1` or `v2`). Add a transport
    /// and [`build`](Self::build).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] whose field is the variable that is missing or wrong, e.g.
    /// `FINAPI_CLIENT_SECRET: is not set`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), with the variables read through `lookup` (for
    /// configuration from somewhere else, and for tests).
    ///
    /// ```
    /// use finapi_access_core::AccessClientBuilder;
    ///
    /// let vars = |name: &str| match name {
    ///     "FINAPI_CLIENT_ID" => Some("my-app".to_owned()),
    ///     "FINAPI_ENV" => Some("sandbox".to_owned()),
    ///     _ => None,
    /// };
    /// let err = AccessClientBuilder::from_lookup(vars).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "build client refused: invalid `FINAPI_CLIENT_SECRET`: is not set"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let refuse = |field: &'static str, rule: String| {
            Error::invalid_input(Operation::BUILD_CLIENT, ValidationError::new(field, rule))
        };
        let id = get(Self::CLIENT_ID_VAR)
            .ok_or_else(|| refuse(Self::CLIENT_ID_VAR, "is not set".to_owned()))?;
        let secret = get(Self::CLIENT_SECRET_VAR)
            .ok_or_else(|| refuse(Self::CLIENT_SECRET_VAR, "is not set".to_owned()))?;
        let mut builder = Self::default().credentials(id, ClientSecret::new(secret));
        builder = match (get(Self::ENV_VAR), get(Self::BASE_URL_VAR)) {
            (Some(_), Some(_)) => {
                return Err(refuse(
                    Self::BASE_URL_VAR,
                    format!("and {} are both set: set one", Self::ENV_VAR),
                ));
            }
            (None, None) => {
                return Err(refuse(
                    Self::ENV_VAR,
                    format!(
                        "is not set: set it to sandbox or live, or set {} to a base URL",
                        Self::BASE_URL_VAR
                    ),
                ));
            }
            (Some(env), None) => match env.trim().to_ascii_lowercase().as_str() {
                "sandbox" => builder.environment(Environment::Sandbox),
                "live" => builder.environment(Environment::Live),
                other => {
                    return Err(refuse(
                        Self::ENV_VAR,
                        format!("must be sandbox or live (got {other:?})"),
                    ));
                }
            },
            (None, Some(url)) => {
                let allow = get(Self::ALLOW_PLAIN_HTTP_VAR).is_some_and(|v| {
                    matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
                });
                let parsed = if allow {
                    BaseUrl::parse_allowing_plain_http(url.trim())
                } else {
                    BaseUrl::parse(url.trim())
                };
                let url = parsed.map_err(|e| refuse(Self::BASE_URL_VAR, e.rule().to_owned()))?;
                builder.environment(Environment::Custom(url))
            }
        };
        if let Some(version) = get(Self::API_VERSION_VAR) {
            builder = builder.api_version(match version.trim().to_ascii_lowercase().as_str() {
                "v1" => ApiVersion::V1,
                "v2" => ApiVersion::V2,
                other => {
                    return Err(refuse(
                        Self::API_VERSION_VAR,
                        format!("must be v1 or v2 (got {other:?})"),
                    ));
                }
            });
        }
        Ok(builder)
    }

    /// The environment (default: [`Environment::Sandbox`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.base_url = Some(Ok(match environment {
            Environment::Custom(url) => url,
            named => named.base_url(),
        }));
        self
    }

    /// A custom base URL, checked by [`build`](Self::build): `https://`, or `http://` on a
    /// loopback host only. For plain `http://` to another host (an emulator in a container),
    /// pass `Environment::Custom(BaseUrl::parse_allowing_plain_http(url)?)` to
    /// [`environment`](Self::environment): an explicit opt-in, logged as a warning.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(BaseUrl::parse(url));
        self
    }

    /// The API version (default: [`ApiVersion::V2`]).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// The client credentials (required).
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: ClientSecret,
    ) -> Self {
        self.credentials = Some((client_id.into(), client_secret));
        self
    }

    /// The transport (required), for example `finapi_access_reqwest::ReqwestTransport`.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A transport that is already shared.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock the token caches read (default: the system clock); tests pass a
    /// [`ManualClock`](crate::ManualClock) to move time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// When cached tokens are refreshed (default: 60 s before expiry, plus up to 5 s jitter).
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.cache_policy = policy;
        self
    }

    /// When requests are sent again (default: [`RetryPolicy::default`]: 3 attempts; use
    /// [`RetryPolicy::disabled`] to turn retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// How to wait between retries (and for a token fetch another call started, up to the
    /// deadline). The default is Tokio's timer (the `tokio` feature, on by default), whatever
    /// the transport; without that feature, give one here or turn retries off.
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = Some(sleep);
        self
    }

    /// The overall timeout of each attempt of every call (default
    /// [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT), 30 s); a call can set its own with
    /// [`Call::timeout`](crate::Call::timeout). Handed to the transport with each request as
    /// a [`RequestTimeout`](crate::RequestTimeout), never longer than what is left of the
    /// call's deadline.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The most one call may take, everything included: the token fetch it triggers, each
    /// attempt, backoff, and the second attempt after a 401 (default
    /// [`DEFAULT_DEADLINE`](Self::DEFAULT_DEADLINE), 60 s). Without it the worst case would
    /// be (attempts × timeout + backoff) for the token and the call, twice over after a 401;
    /// with it, the call fails with a timeout when the deadline passes. A call can set its
    /// own with [`Call::deadline`](crate::Call::deadline).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the field when the base URL is refused, the credentials
    /// are missing or empty, or no transport was given.
    pub fn build(self) -> Result<AccessClient, Error> {
        let invalid = |field, rule: &str| {
            Error::invalid_input(Operation::BUILD_CLIENT, ValidationError::new(field, rule))
        };
        let base_url = match self.base_url {
            None => Environment::Sandbox.base_url(),
            Some(result) => result.map_err(|e| Error::invalid_input(Operation::BUILD_CLIENT, e))?,
        };
        base_url.warn_if_insecure();
        let (client_id, client_secret) = self
            .credentials
            .ok_or_else(|| invalid("client_id", "is required (call .credentials(id, secret))"))?;
        if client_id.is_empty() {
            return Err(invalid("client_id", "must not be empty"));
        }
        if client_secret.expose_secret().is_empty() {
            return Err(invalid("client_secret", "must not be empty"));
        }
        let transport = self
            .transport
            .ok_or_else(|| invalid("transport", "is required (call .transport(t))"))?;
        let sleep = match self.sleep.or_else(default_sleep) {
            Some(sleep) => Some(sleep),
            None if self.retry_policy.max_attempts <= 1 => None,
            None => {
                return Err(invalid(
                    "sleep",
                    "is required for retries: enable the `tokio` feature of finapi-access-core (on by default), call .sleep(..) with your runtime's timer, or turn retries off with .retry_policy(RetryPolicy::disabled())",
                ));
            }
        };
        let pipeline = Pipeline {
            base_url,
            transport,
            retry: self.retry_policy,
            sleep,
            timeout: self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT),
            deadline: self.deadline.unwrap_or(Self::DEFAULT_DEADLINE),
        };
        Ok(AccessClient::from_grants(Grants::new(
            pipeline,
            self.api_version,
            client_id,
            client_secret,
            self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            self.cache_policy,
        )))
    }
}

/// Tokio's timer, when the `tokio` feature is on.
fn default_sleep() -> Option<Arc<dyn Sleep>> {
    #[cfg(feature = "tokio")]
    {
        Some(Arc::new(crate::retry::TokioSleep))
    }
    #[cfg(not(feature = "tokio"))]
    {
        None
    }
}
