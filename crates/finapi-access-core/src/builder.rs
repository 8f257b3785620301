//! [`AccessClientBuilder`]: checks the settings and builds an [`AccessClient`].

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use finapi_access_types::{ClientSecret, ValidationError};

use crate::cache::{CachePolicy, Clock, SystemClock};
use crate::client::{AccessClient, Inner, Urls};
use crate::environment::{ApiVersion, BaseUrl, Environment};
use crate::error::{Error, Operation};
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
            .finish()
    }
}

impl AccessClientBuilder {
    /// The environment (default: [`Environment::Sandbox`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.base_url = Some(Ok(match environment {
            Environment::Custom(url) => url,
            named => named.base_url(),
        }));
        self
    }

    /// A custom base URL, checked by [`build`](Self::build): `https://`, or `http://` on a
    /// loopback host only.
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

    /// How to wait between retries. The reqwest and hyper transports bring their own (Tokio);
    /// a custom transport without one gets no retries unless a [`Sleep`] is given here.
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = Some(sleep);
        self
    }

    /// The overall timeout of every request of this client (a call can set its own with
    /// [`Call::timeout`](crate::Call::timeout)); without it the transport's default applies
    /// (30 s for the SDK's transports, with a 10 s connect timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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
            Error::invalid_input(Operation::BuildClient, ValidationError::new(field, rule))
        };
        let base_url = match self.base_url {
            None => Environment::Sandbox.base_url(),
            Some(result) => result.map_err(|e| Error::invalid_input(Operation::BuildClient, e))?,
        };
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
        Ok(AccessClient::from_inner(Inner {
            urls: Urls::new(&base_url, self.api_version),
            base_url,
            api_version: self.api_version,
            client_id,
            client_secret,
            transport: Arc::clone(&transport),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            policy: self.cache_policy,
            retry: self.retry_policy,
            sleep: self.sleep.or_else(|| transport.sleeper()),
            timeout: self.timeout,
            client_token: Arc::default(),
            ambiguous_creates: Mutex::default(),
            sessions: Mutex::default(),
            token_requests: AtomicU64::new(0),
        }))
    }
}
