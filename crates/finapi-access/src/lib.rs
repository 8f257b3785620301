//! The finAPI Access SDK in one dependency: the grants with cached tokens, the users and
//! mandator administration APIs, typed errors with request ids, and secrets that never reach
//! a log, on the HTTP stack you choose.
//!
//! ```toml
//! [dependencies]
//! # Until the crates are on crates.io, from git (see the repository's README):
//! finapi-access = { git = "https://github.com/finapi-access/finapi-access" }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! Features: `reqwest` (on by default), `hyper`, `webform` (Web Form 2.0), `emulator` (the
//! local emulator of finAPI Access and Web Form 2.0, for tests).
//!
//! # The three steps
//!
//! ```no_run
//! use finapi_access::types::{UserCreateParams, UserId};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // FINAPI_CLIENT_ID, FINAPI_CLIENT_SECRET, and FINAPI_ENV=sandbox (or FINAPI_BASE_URL)
//!     let client = finapi_access::from_env()?;
//!     // 1. authorise the application (cached, refreshed before it expires)
//!     client.client_token().await?;
//!     // 2. create an end user (id and password generated when not given)
//!     let user = client
//!         .create_user(UserCreateParams::new().id(UserId::new("alice")?))
//!         .await?;
//!     // 3. authorise the end user: this token goes to Web Form 2.0 as `Authorization: Bearer`
//!     let session = client.user_session(user.id.clone(), user.password.clone());
//!     let _user_token = session.token().await?;
//!     Ok(())
//! }
//! ```
//!
//! Everything of [`finapi_access_core`] is here (the client, its builder, sessions, the
//! pipeline for any other endpoint, errors), the models under [`types`], and the transports
//! under [`reqwest`] and [`hyper`].
//!
//! The guides: getting started, transports, calling any endpoint, Web Form 2.0, token
//! lifecycle, retries and timeouts, errors, security, the emulator, in the repository's
//! `docs/`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use finapi_access_core::*;

/// The reqwest transport (feature `reqwest`, on by default).
#[cfg(feature = "reqwest")]
pub mod reqwest {
    pub use finapi_access_reqwest::*;
}

/// The hyper 1.x transport (feature `hyper`).
#[cfg(feature = "hyper")]
pub mod hyper {
    pub use finapi_access_hyper::*;
}

/// Web Form 2.0 (feature `webform`): the client, its operations and models.
#[cfg(feature = "webform")]
pub mod webform {
    pub use finapi_webform::*;
}

/// The local emulator of finAPI Access and Web Form 2.0 (feature `emulator`), for tests.
#[cfg(feature = "emulator")]
pub mod emulator {
    pub use finapi_access_emulator::*;
}

/// A client from the process environment on the default transport (reqwest if the feature
/// is on, else hyper): `FINAPI_CLIENT_ID`, `FINAPI_CLIENT_SECRET`, and `FINAPI_ENV`
/// (`sandbox` or `live`) or `FINAPI_BASE_URL`; optional `FINAPI_API_VERSION` and
/// `FINAPI_ALLOW_PLAIN_HTTP` (see [`AccessClientBuilder::from_env`]).
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the variable that is missing or wrong, or the transport
/// that could not be set up.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
pub fn from_env() -> Result<AccessClient, Error> {
    AccessClientBuilder::from_env()?
        .shared_transport(default_transport()?)
        .build()
}

/// The default transport: reqwest if the feature is on, else hyper.
///
/// # Errors
///
/// [`Error::InvalidInput`] for `transport` when the HTTP client cannot be set up (its TLS
/// configuration).
#[cfg(any(feature = "reqwest", feature = "hyper"))]
pub fn default_transport() -> Result<std::sync::Arc<dyn Transport>, Error> {
    let setup = |e: TransportError| {
        Error::invalid_input(
            Operation::BUILD_CLIENT,
            types::ValidationError::new("transport", format!("could not be set up: {e}")),
        )
    };
    #[cfg(feature = "reqwest")]
    let transport = finapi_access_reqwest::ReqwestTransport::new().map_err(setup)?;
    #[cfg(not(feature = "reqwest"))]
    let transport = finapi_access_hyper::HyperTransport::new().map_err(setup)?;
    Ok(std::sync::Arc::new(transport))
}

/// The crate README's example, compiled as a doctest.
#[cfg(all(doctest, feature = "reqwest"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
