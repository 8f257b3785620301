//! What the emulator knows and how it behaves.

use std::time::Duration;

use finapi_access_types::ClientSecret;

/// The default client's id (documented in the README).
pub const DEFAULT_CLIENT_ID: &str = "emulator-client";
/// The default client's secret (documented in the README; not a real secret).
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-client-secret";
/// The default mandator admin client's id.
pub const DEFAULT_ADMIN_CLIENT_ID: &str = "emulator-admin";
/// The default mandator admin client's secret.
pub const DEFAULT_ADMIN_CLIENT_SECRET: &str = "emulator-admin-secret";

/// A client (application) the emulator accepts.
#[derive(Debug, Clone)]
pub struct EmulatorClient {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: ClientSecret,
    /// Whether this is the mandator admin client.
    pub mandator_admin: bool,
}

impl EmulatorClient {
    /// An ordinary client.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: ClientSecret::new(client_secret),
            mandator_admin: false,
        }
    }

    /// A mandator admin client.
    pub fn mandator_admin(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            mandator_admin: true,
            ..Self::new(client_id, client_secret)
        }
    }
}

/// The emulator's configuration. The default knows [`DEFAULT_CLIENT_ID`] and
/// [`DEFAULT_ADMIN_CLIENT_ID`], issues access tokens for 3600 s and refresh tokens that do
/// not expire, verifies new users automatically,
/// locks a user after 5 failed logins and listens on a free loopback port.
///
/// ```
/// use std::time::Duration;
/// use finapi_access_emulator::{EmulatorClient, EmulatorConfig};
///
/// let config = EmulatorConfig::default()
///     .with_client(EmulatorClient::new("my-app", "my-app-secret"))
///     .token_lifetime(Duration::from_secs(60))
///     .auto_verify_users(false);
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub(crate) clients: Vec<EmulatorClient>,
    pub(crate) client_token_lifetime: Duration,
    pub(crate) user_token_lifetime: Duration,
    pub(crate) refresh_token_lifetime: Duration,
    pub(crate) auto_verify_users: bool,
    pub(crate) auto_update_allowed: bool,
    pub(crate) max_login_attempts: u32,
    pub(crate) port: u16,
    pub(crate) listen: std::net::IpAddr,
    pub(crate) request_log: Option<RequestLog>,
    pub(crate) faults: Vec<crate::faults::FaultRule>,
    pub(crate) callback_faults: crate::faults::CallbackFaults,
    pub(crate) fault_seed: u64,
    pub(crate) licence: Licence,
    pub(crate) web_form_lifetime: Duration,
    pub(crate) callbacks_beyond_loopback: bool,
    pub(crate) tasks_need_web_form: bool,
}

/// One request the emulator answered, for [`EmulatorConfig::on_request`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequestRecord<'a> {
    /// The method.
    pub method: &'a str,
    /// The path (without the query).
    pub path: &'a str,
    /// The status answered.
    pub status: u16,
    /// The request id (the caller's, or the one the emulator generated).
    pub request_id: &'a str,
    /// How long the answer took.
    pub duration: Duration,
}

/// The request log hook.
#[derive(Clone)]
pub(crate) struct RequestLog(pub(crate) std::sync::Arc<dyn Fn(&RequestRecord<'_>) + Send + Sync>);

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestLog")
    }
}

/// The client's licence, which decides whether a web form's body `redirectUrl` is required
/// (licensed for the form's kind: `FULLY_LICENSED`, and `AISP` for imports and updates or
/// `PISP` for payments) or forbidden (every other case), as the Web Form 2.0 spec says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Licence {
    /// No licence of its own (the default): `redirectUrl` is forbidden.
    #[default]
    Unlicensed,
    /// Fully licensed: `redirectUrl` is required.
    FullyLicensed,
    /// Account information only: required for imports and updates, forbidden for payments.
    Aisp,
    /// Payment initiation only: required for payments, forbidden for imports and updates.
    Pisp,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            clients: vec![
                EmulatorClient::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                EmulatorClient::mandator_admin(
                    DEFAULT_ADMIN_CLIENT_ID,
                    DEFAULT_ADMIN_CLIENT_SECRET,
                ),
            ],
            client_token_lifetime: Duration::from_secs(3600),
            user_token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::ZERO,
            auto_verify_users: true,
            auto_update_allowed: true,
            max_login_attempts: 5,
            port: 0,
            listen: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            request_log: None,
            faults: Vec::new(),
            callback_faults: crate::faults::CallbackFaults::default(),
            fault_seed: 0x0f1a_9100,
            licence: Licence::Unlicensed,
            web_form_lifetime: Duration::from_secs(20 * 60),
            callbacks_beyond_loopback: false,
            tasks_need_web_form: false,
        }
    }
}

impl EmulatorConfig {
    /// Adds a client.
    #[must_use]
    pub fn with_client(mut self, client: EmulatorClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Replaces the known clients.
    #[must_use]
    pub fn with_clients(mut self, clients: impl IntoIterator<Item = EmulatorClient>) -> Self {
        self.clients = clients.into_iter().collect();
        self
    }

    /// The lifetime of client and user access tokens; `Duration::ZERO` means they never
    /// expire. Whole seconds count, as in finAPI. Each client starts with it; its client
    /// configuration (`PATCH /clientConfiguration`) changes it at run time.
    #[must_use]
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.client_token_lifetime = lifetime;
        self.user_token_lifetime = lifetime;
        self
    }

    /// The lifetime of client access tokens (`clientAccessTokensValidityPeriod`, default
    /// 3600 s).
    #[must_use]
    pub fn client_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.client_token_lifetime = lifetime;
        self
    }

    /// The lifetime of user access tokens (`userAccessTokensValidityPeriod`, default 3600 s).
    #[must_use]
    pub fn user_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.user_token_lifetime = lifetime;
        self
    }

    /// The lifetime of refresh tokens (`refreshTokensValidityPeriod`; default
    /// `Duration::ZERO`: they never expire unless revoked).
    #[must_use]
    pub fn refresh_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_token_lifetime = lifetime;
        self
    }

    /// Whether new users are verified at once (finAPI's `isUserAutoVerificationEnabled`,
    /// which finAPI sets and the client configuration shows).
    #[must_use]
    pub fn auto_verify_users(mut self, enabled: bool) -> Self {
        self.auto_verify_users = enabled;
        self
    }

    /// Whether users may have `isAutoUpdateEnabled = true` (else 422 `ILLEGAL_ENTITY_STATE`).
    #[must_use]
    pub fn auto_update_allowed(mut self, allowed: bool) -> Self {
        self.auto_update_allowed = allowed;
        self
    }

    /// Consecutive failed logins after which a user is locked (finAPI's
    /// `maxUserLoginAttempts`); `0` never locks.
    #[must_use]
    pub fn max_login_attempts(mut self, attempts: u32) -> Self {
        self.max_login_attempts = attempts;
        self
    }

    /// The port to listen on; `0` (the default) picks a free one.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The address to listen on (default `127.0.0.1`: this machine only). `0.0.0.0` serves
    /// other machines or containers too, over plain http: for test networks only.
    #[must_use]
    pub fn listen(mut self, address: std::net::IpAddr) -> Self {
        self.listen = address;
        self
    }

    /// Adds a fault rule (see [`FaultRule`](crate::FaultRule)); rules are tried in order,
    /// the first that matches decides. Handle methods and `POST /emulator/faults` add rules
    /// at run time.
    #[must_use]
    pub fn fault(mut self, rule: crate::faults::FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// What web form callbacks suffer: a delay, drops, duplicates.
    #[must_use]
    pub fn callback_faults(mut self, faults: crate::faults::CallbackFaults) -> Self {
        self.callback_faults = faults;
        self
    }

    /// The seed of the faults' random choices: the same seed and the same requests give the
    /// same faults.
    #[must_use]
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = seed;
        self
    }

    /// Called once per request when its response is ready (method, path, status, request
    /// id, duration): for a request log. The query is left out (v1 revocation carries a
    /// token there).
    #[must_use]
    pub fn on_request(mut self, log: impl Fn(&RequestRecord<'_>) + Send + Sync + 'static) -> Self {
        self.request_log = Some(RequestLog(std::sync::Arc::new(log)));
        self
    }

    /// The client's licence for Web Form 2.0's `redirectUrl` rule (default
    /// [`Licence::Unlicensed`]: a body `redirectUrl` is refused with 422
    /// `INVALID_REDIRECT_URL`).
    #[must_use]
    pub fn licence(mut self, licence: Licence) -> Self {
        self.licence = licence;
        self
    }

    /// How long a web form lives before it is `EXPIRED` (default 20 minutes; the emulator's
    /// clock moves it, see `advance_clock`).
    #[must_use]
    pub fn web_form_lifetime(mut self, lifetime: Duration) -> Self {
        self.web_form_lifetime = lifetime;
        self
    }

    /// Deliver callbacks to addresses beyond loopback too (default off: such a callback is
    /// recorded as not delivered and never contacted). For an emulator in a container whose
    /// test service runs in another.
    #[must_use]
    pub fn callbacks_beyond_loopback(mut self, allowed: bool) -> Self {
        self.callbacks_beyond_loopback = allowed;
        self
    }

    /// Background update tasks need the end user (`WEB_FORM_REQUIRED`, with a web form and
    /// the `webFormRequired` callback) instead of completing at once (default off).
    #[must_use]
    pub fn tasks_need_web_form(mut self, needed: bool) -> Self {
        self.tasks_need_web_form = needed;
        self
    }

    /// The known clients.
    pub fn clients(&self) -> &[EmulatorClient] {
        &self.clients
    }
}
