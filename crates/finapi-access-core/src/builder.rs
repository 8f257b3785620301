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
