//! # finapi-access-core
//!
//! The finAPI Access client logic, independent of any HTTP stack: the OAuth grants, the users
//! API, `X-Request-Id` handling, secret-safe typed errors. Requests are built as
//! `http::Request<Bytes>` and handed to a [`Transport`]; pick one from
//! `finapi-access-reqwest` or `finapi-access-hyper`, or implement the trait for your own
//! client.
//!
//! Most applications depend on the `finapi-access` facade crate instead, which re-exports
//! this crate with the transports, Web Form 2.0 and the emulator behind features.
//!
//! ## The three onboarding steps, on the local emulator
//!
//! This runs as it is (it is one of the crate's tests): the emulator plays finAPI Access on
//! a loopback port.
//!
//! ```
//! use finapi_access_core::AccessClient;
//! use finapi_access_core::types::{ClientSecret, UserCreateParams, UserId};
//! use finapi_access_emulator::{Emulator, EmulatorConfig};
//! use finapi_access_reqwest::ReqwestTransport;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! let client = AccessClient::builder()
//!     .base_url(emulator.base_url())
//!     .credentials(emulator.client_id(), ClientSecret::new(emulator.client_secret()))
//!     .transport(ReqwestTransport::new()?)
//!     .build()?;
//! client.client_token().await?; // 1. the client token (cached)
//! let user = client
//!     .create_user(UserCreateParams::new().id(UserId::new("alice")?))
//!     .await?; // 2. the user (password generated)
//! let session = client.user_session(user.id.clone(), user.password.clone());
//! let token = session.token().await?; // 3. the user token, for Web Form 2.0
//! assert_eq!(session.get_user().await?.id.as_str(), "alice");
//! # let _ = token; Ok(()) }
//! ```
//!
//! ## The guides
//!
//! In the repository's `docs/` (also readable in a clone):
//!
//! - [Getting started](https://github.com/finapi-access/finapi-access/blob/main/docs/getting-started.md)
//! - [Choosing a transport](https://github.com/finapi-access/finapi-access/blob/main/docs/transports.md)
//! - [Calling any finAPI endpoint](https://github.com/finapi-access/finapi-access/blob/main/docs/calling-any-endpoint.md)
//! - [Web Form 2.0](https://github.com/finapi-access/finapi-access/blob/main/docs/webform.md)
//! - [Token lifecycle](https://github.com/finapi-access/finapi-access/blob/main/docs/token-lifecycle.md)
//! - [Retries and timeouts](https://github.com/finapi-access/finapi-access/blob/main/docs/retries-and-timeouts.md)
//! - [Errors](https://github.com/finapi-access/finapi-access/blob/main/docs/errors.md)
//! - [Security](https://github.com/finapi-access/finapi-access/blob/main/docs/security.md)
//! - [What to store per end user](https://github.com/finapi-access/finapi-access/blob/main/docs/storing-users.md)
//! - [The emulator](https://github.com/finapi-access/finapi-access/blob/main/docs/emulator.md)
//! - [API versions](https://github.com/finapi-access/finapi-access/blob/main/docs/api-versions.md)
//! - [Coverage of the API](https://github.com/finapi-access/finapi-access/blob/main/docs/coverage.md)
//!
//! ## The same against finAPI
//!
//! ```no_run
//! # async fn run(transport: impl finapi_access_core::Transport + 'static) -> Result<(), finapi_access_core::Error> {
//! use finapi_access_core::{AccessClient, ApiVersion, Environment};
//! use finapi_access_types::{ClientSecret, UserCreateParams};
//!
//! let client = AccessClient::builder()
//!     .environment(Environment::Sandbox)
//!     .api_version(ApiVersion::V2) // the default; V1 for the older paths
//!     .credentials("client-id", ClientSecret::new("client-secret"))
//!     .transport(transport)
//!     .build()?;
//! let token = client.client_token().await?;                         // 1. client token (cached)
//! let user = client.create_user(UserCreateParams::new()).await?;   // 2. user (id and password generated)
//! let user_token = client.user_token(&user.id, &user.password).await?; // 3. user token (cached)
//! # let _ = (token, user_token); Ok(()) }
//! ```
//!
//! ## Cached tokens and user sessions
//!
//! The client token is cached and refreshed once, a margin before it expires, however many
//! tasks need it. A [`UserSession`] does the same for one user's token, refreshing with the
//! refresh token and falling back to the password:
//!
//! ```no_run
//! # async fn run(client: finapi_access_core::AccessClient) -> Result<(), Box<dyn std::error::Error>> {
//! use finapi_access_core::types::{Password, UserId, UserUpdateParams};
//! let session = client.user_session(UserId::new("alice")?, Password::new("correct horse")?);
//! let token = session.token().await?;                   // for Web Form 2.0
//! let user = session.get_user().await?;                 // user-scoped calls
//! session.update_user(&UserUpdateParams::new().auto_update(true)).await?;
//! # let _ = (token, user); Ok(()) }
//! ```
//!
//! ## Any other finAPI endpoint
//!
//! Every operation above is an [`ApiRequest`] handed to one pipeline, and yours can be too:
//! [`UserSession::send`] (user token), [`AccessClient::send`] (client token) or
//! [`AccessClient::send_with_token`], with the cached token, the 401 → new token → retry,
//! `X-Request-Id`, retries, the deadline and typed errors. Another service's error shape plugs
//! in as an [`ErrorDecoder`]; its operations are named with [`Operation::new`].
//!
//! ```no_run
//! # async fn run(session: finapi_access_core::UserSession) -> Result<(), finapi_access_core::Error> {
//! use finapi_access_core::{ApiRequest, Operation};
//! #[derive(serde::Deserialize)]
//! struct Me { id: String }
//! const GET_ME: Operation = Operation::new("get me", true);
//! let me = session
//!     .send(ApiRequest::new(GET_ME, http::Method::GET, "/api/v2/users").json_response::<Me>())
//!     .await?;
//! println!("{}", me.id);
//! # Ok(()) }
//! ```
//!
//! ## Per-call options
//!
//! Every call is a [`Call`]: set `.request_id(..)`, `.timeout(..)`, `.deadline(..)`,
//! `.accept_language(..)` or `.psu_headers(..)`, then `.await` it. Results are
//! [`ApiResponse`]s with the status and the request id. What each option governs (the token
//! fetch a call triggers included) and what cancelling does: [`Call`].
//!
//! ## Retries, timeouts, deadlines
//!
//! [`RetryPolicy`] retries connect failures, and timeouts and 408/429/502/503/504 of idempotent
//! requests, honouring `Retry-After`; waiting comes from the client ([`TokioSleep`] with the
//! default `tokio` feature, any other [`Sleep`] with [`AccessClientBuilder::sleep`]), so every
//! transport gets the same retries. Each attempt has a timeout (default 30 s) and each call a
//! deadline covering its token fetch, attempts, backoff and the 401 retry (default 60 s), per
//! client or per call.
//!
//! ## Errors
//!
//! Every failure is an [`Error`] with the [`Operation`] that failed, the HTTP status and the
//! request id ([`Error::status`], [`Error::request_id`], [`Error::error_code`],
//! [`Error::code`]).
//!
//! ## Security
//!
//! Secrets ([`ClientSecret`](finapi_access_types::ClientSecret), passwords, tokens) print as
//! `[redacted]`; errors never hold bodies that may carry them; tracing spans carry method,
//! path, request id, attempt, status and duration only. Plain `http://` is refused except on
//! loopback hosts, and redirects are not followed.
//!
//! ## The other crates
//!
//! `finapi-access-types` (the models, usable alone), `finapi-access-reqwest` and
//! `finapi-access-hyper` (transports), `finapi-access-emulator` (finAPI Access on localhost
//! for tests), and the `finapi-access` command line.

#![forbid(unsafe_code)]

// Leaves: no module below imports one above it.
mod cache;
mod call;
mod environment;
mod error;
mod redact;
mod request_id;
mod response;
mod retry;
mod transport;
mod wire;
// The pipeline: sends every request.
mod pipeline;
// Token sources, on the pipeline.
mod grants;
mod sessions;
// The public clients and their operations, on the pipeline and the token sources.
mod builder;
mod client;
mod mandator;
mod session;
mod users;

pub use builder::AccessClientBuilder;
pub use cache::{CachePolicy, Clock, ManualClock, SystemClock};
pub use call::{Call, Language, PsuHeaders};
pub use client::AccessClient;
pub use environment::{ApiVersion, BaseUrl, Environment};
pub use error::{
    ApiError, Error, ErrorDecoder, ErrorResponse, InvalidInput, OAuthErrorResponse, Operation,
    ServiceError, ServiceErrorBody, TransportFailure, UnexpectedResponse,
};
pub use pipeline::ApiRequest;
pub use request_id::{REQUEST_ID_HEADER, RequestId};
pub use response::ApiResponse;
#[cfg(feature = "tokio")]
pub use retry::TokioSleep;
pub use retry::{Outcome, RetryDecision, RetryPolicy, Sleep};
pub use session::UserSession;
pub use transport::{FailureCause, RequestTimeout, Transport, TransportError, TransportErrorKind};
pub use wire::{AccessErrors, path_segment};

/// The types crate, re-exported so that users of core need one dependency.
pub use finapi_access_types as types;

/// Entry points for the fuzz targets in `fuzz/` and the micro-benchmarks: not part of the
/// API, no stability promised.
#[doc(hidden)]
pub mod __internals {
    use bytes::Bytes;
    use finapi_access_types::{
        AccessToken, ClientSecret, DeletedUsers, Password, PasswordChangeRequest, TokenResponse,
        User, UserCreateParams, UserId, UserInfoPage, VerificationStatus,
    };
    use http::Method;

    use crate::environment::BaseUrl;
    use crate::error::Operation;
    use crate::grants::{Grant, grant_request};
    use crate::pipeline::{ApiRequest, decode_response};
    use crate::redact::Secrets;
    use crate::request_id::RequestId;

    /// Builds a password-grant request as the client does.
    pub fn password_grant_request(
        url: &str,
        client_id: &str,
        secret: &ClientSecret,
        user: &UserId,
        password: &Password,
    ) -> Option<http::Request<Bytes>> {
        let grant = Grant::Password {
            username: user,
            password,
        };
        let base = BaseUrl::parse(url).ok()?;
        grant_request(url.into(), client_id, secret, &grant).into_http(
            &base,
            None,
            &RequestId::generate(),
        )
    }

    /// Builds a create-user request as `create_user` does.
    pub fn create_user_request(
        url: &str,
        token: &AccessToken,
        params: &UserCreateParams,
    ) -> Option<http::Request<Bytes>> {
        let base = BaseUrl::parse(url).ok()?;
        ApiRequest::url(Operation::CREATE_USER, Method::POST, url.into())
            .json_body(params)
            .into_http(&base, Some(token), &RequestId::generate())
    }

    /// A decoder the fuzz targets exercise.
    #[derive(Debug, Clone, Copy)]
    pub enum Decoder {
        /// Token responses.
        Token,
        /// Users.
        User,
        /// Verification status.
        VerificationStatus,
        /// Password change requests.
        PasswordChange,
        /// User list pages.
        UserList,
        /// Bulk deletion results.
        DeletedUsers,
        /// Empty success answers (and every error body).
        Empty,
    }

    /// A response as a transport would hand it over; `None` for an impossible status.
    fn response(
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Option<http::Response<Bytes>> {
        let mut response = http::Response::new(Bytes::copy_from_slice(body));
        *response.status_mut() = http::StatusCode::from_u16(status).ok()?;
        if let Some(Ok(value)) = content_type.map(http::HeaderValue::from_str) {
            response
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, value);
        }
        Some(response)
    }

    fn decode_as<T: serde::de::DeserializeOwned>(
        response: &http::Response<Bytes>,
        secrets: &Secrets<'_>,
    ) -> crate::response::CallResult<T> {
        let request = ApiRequest::new(Operation::GET_USER, Method::GET, "/").json_response::<T>();
        decode_response(&request, response, &RequestId::generate(), 1, secrets)
    }

    fn decode_empty(
        response: &http::Response<Bytes>,
        secrets: &Secrets<'_>,
    ) -> crate::response::CallResult<()> {
        let request = ApiRequest::new(Operation::GET_USER, Method::GET, "/");
        decode_response(&request, response, &RequestId::generate(), 1, secrets)
    }

    /// Decodes without formatting the outcome (for benchmarks); whether it was a success.
    pub fn decode_quiet(decoder: Decoder, status: u16, body: &[u8]) -> bool {
        let Some(response) = response(status, None, body) else {
            return false;
        };
        let secrets = Secrets::default();
        match decoder {
            Decoder::Token => decode_as::<TokenResponse>(&response, &secrets).is_ok(),
            Decoder::User => decode_as::<User>(&response, &secrets).is_ok(),
            _ => decode_empty(&response, &secrets).is_ok(),
        }
    }

    /// Decodes `body` with `status` and `content_type` as `decoder` does, and formats the
    /// outcome as the SDK would show it. Never panics (that is what the fuzzers check).
    pub fn decode(decoder: Decoder, status: u16, content_type: &str, body: &[u8]) -> String {
        let Some(response) = response(status, Some(content_type), body) else {
            return String::new();
        };
        let secrets = Secrets::new(["fuzz-secret"]);
        match decoder {
            Decoder::Token => format!("{:?}", decode_as::<TokenResponse>(&response, &secrets)),
            Decoder::User => format!("{:?}", decode_as::<User>(&response, &secrets)),
            Decoder::VerificationStatus => {
                format!("{:?}", decode_as::<VerificationStatus>(&response, &secrets))
            }
            Decoder::PasswordChange => {
                format!(
                    "{:?}",
                    decode_as::<PasswordChangeRequest>(&response, &secrets)
                )
            }
            Decoder::UserList => format!("{:?}", decode_as::<UserInfoPage>(&response, &secrets)),
            Decoder::DeletedUsers => {
                format!("{:?}", decode_as::<DeletedUsers>(&response, &secrets))
            }
            Decoder::Empty => match decode_empty(&response, &secrets) {
                Ok(ok) => format!("{ok:?}"),
                Err(e) => format!("{e} {e:?}"),
            },
        }
    }
}

#[cfg(test)]
mod client_tests;
