//! [`AccessClientBuilder`]: checks the settings and builds an [`AccessClient`].

use std::sync::Arc;

use finapi_access_types::{ClientSecret, ValidationError};

use crate::cache::{CachePolicy, Clock, SystemClock};
use crate::client::{AccessClient, Inner};
use crate::environment::{ApiVersion, BaseUrl, Environment};
use crate::error::{Error, Operation};
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
        Ok(AccessClient::from_inner(Inner::new(
            base_url,
            self.api_version,
            client_id,
            client_secret,
            transport,
            self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            self.cache_policy,
        )))
    }
}
