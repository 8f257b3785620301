//! # finapi-access-core
//!
//! The finAPI Access client logic, independent of any HTTP stack: the OAuth grants, the users
//! API, `X-Request-Id` handling, secret-safe typed errors. Requests are built as
//! `http::Request<Bytes>` and handed to a [`Transport`]; pick one from
//! `finapi-access-reqwest` or `finapi-access-hyper`, or implement the trait for your own
//! client.
//!
//! ## The three onboarding steps
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
//! let token = client.client_token().await?;                         // 1. client token
//! let user = client.create_user(UserCreateParams::new()).await?;   // 2. user (id and password generated)
//! let user_token = client.user_token(&user.id, &user.password).await?; // 3. user token
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
//! ## Per-call options
//!
//! Every call is a [`Call`]: set `.request_id(..)`, `.timeout(..)`, `.accept_language(..)` or
//! `.psu_headers(..)`, then `.await` it. Results are [`ApiResponse`]s with the status and the
//! request id.
//!
//! ## Retries and timeouts
//!
//! [`RetryPolicy`] retries connect failures, and timeouts and 408/429/502/503/504 of idempotent
//! requests, honouring `Retry-After`; waiting is injected through [`Sleep`] (the SDK's
//! transports bring one). Timeouts are set per client ([`AccessClientBuilder::timeout`]) or per
//! call.
//!
//! ## Errors
//!
//! Every failure is an [`Error`] with the [`Operation`] that failed, the HTTP status and the
//! request id ([`Error::status`], [`Error::request_id`], [`Error::error_code`]).
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

mod builder;
mod cache;
mod call;
mod client;
mod environment;
mod error;
mod redact;
mod request_id;
mod response;
mod retry;
mod session;
mod transport;
mod users;
mod wire;

pub use builder::AccessClientBuilder;
pub use cache::{CachePolicy, Clock, ManualClock, SystemClock};
pub use call::{Call, Language, PsuHeaders};
pub use client::AccessClient;
pub use environment::{ApiVersion, BaseUrl, Environment};
pub use error::{
    ApiError, Error, InvalidInput, OAuthErrorResponse, Operation, TransportFailure,
    UnexpectedResponse,
};
pub use request_id::{REQUEST_ID_HEADER, RequestId};
pub use response::ApiResponse;
pub use retry::{Outcome, RetryDecision, RetryPolicy, Sleep};
pub use session::UserSession;
pub use transport::{RequestTimeout, Transport, TransportError, TransportErrorKind};

/// The types crate, re-exported so that users of core need one dependency.
pub use finapi_access_types as types;

/// Entry points for the fuzz targets in `fuzz/` and the micro-benchmarks: not part of the
/// API, no stability promised.
#[doc(hidden)]
pub mod __internals {
    use bytes::Bytes;

    use crate::error::Operation;
    use crate::redact::Secrets;
    use crate::request_id::RequestId;
    use crate::wire;

    /// Builds a password-grant request as `user_token` does.
    pub fn password_grant_request(
        url: &str,
        client_id: &str,
        secret: &finapi_access_types::ClientSecret,
        user: &finapi_access_types::UserId,
        password: &finapi_access_types::Password,
    ) -> Option<http::Request<Bytes>> {
        let grant = wire::Grant::Password {
            username: user,
            password,
        };
        wire::token_request(url, client_id, secret, &grant, &RequestId::generate()).ok()
    }

    /// Builds a create-user request as `create_user` does.
    pub fn create_user_request(
        url: &str,
        token: &finapi_access_types::AccessToken,
        params: &finapi_access_types::UserCreateParams,
    ) -> Option<http::Request<Bytes>> {
        let op = Operation::CreateUser;
        let body = wire::json_body(op, params).ok()?;
        wire::bearer_request(
            op,
            http::Method::POST,
            url,
            token,
            Some(body),
            &RequestId::generate(),
        )
        .ok()
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

    /// Decodes without formatting the outcome (for benchmarks); whether it was a success.
    pub fn decode_quiet(decoder: Decoder, status: u16, body: &[u8]) -> bool {
        let Some(response) = response(status, None, body) else {
            return false;
        };
        let id = RequestId::generate();
        let secrets = Secrets::default();
        let op = Operation::GetUser;
        match decoder {
            Decoder::Token => {
                wire::decode::<finapi_access_types::TokenResponse>(op, &response, id, &secrets)
                    .is_ok()
            }
            Decoder::User => {
                wire::decode::<finapi_access_types::User>(op, &response, id, &secrets).is_ok()
            }
            _ => wire::decode_empty(op, &response, id, &secrets).is_ok(),
        }
    }

    /// Decodes `body` with `status` and `content_type` as `decoder` does, and formats the
    /// outcome as the SDK would show it. Never panics (that is what the fuzzers check).
    pub fn decode(decoder: Decoder, status: u16, content_type: &str, body: &[u8]) -> String {
        let Some(response) = response(status, Some(content_type), body) else {
            return String::new();
        };
        let id = RequestId::generate();
        let secrets = Secrets::new(["fuzz-secret"]);
        let op = Operation::GetUser;
        match decoder {
            Decoder::Token => format!(
                "{:?}",
                wire::decode::<finapi_access_types::TokenResponse>(op, &response, id, &secrets)
            ),
            Decoder::User => format!(
                "{:?}",
                wire::decode::<finapi_access_types::User>(op, &response, id, &secrets)
            ),
            Decoder::VerificationStatus => format!(
                "{:?}",
                wire::decode::<finapi_access_types::VerificationStatus>(
                    op, &response, id, &secrets
                )
            ),
            Decoder::PasswordChange => format!(
                "{:?}",
                wire::decode::<finapi_access_types::PasswordChangeRequest>(
                    op, &response, id, &secrets
                )
            ),
            Decoder::UserList => format!(
                "{:?}",
                wire::decode::<finapi_access_types::UserInfoPage>(op, &response, id, &secrets)
            ),
            Decoder::DeletedUsers => format!(
                "{:?}",
                wire::decode::<finapi_access_types::DeletedUsers>(op, &response, id, &secrets)
            ),
            Decoder::Empty => match wire::decode_empty(op, &response, id, &secrets) {
                Ok(ok) => format!("{ok:?}"),
                Err(e) => format!("{e} {e:?}"),
            },
        }
    }
}
