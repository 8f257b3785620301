//! The one error type of the SDK.

use finapi_access_types::{ErrorCode, ErrorMessage, OAuthError, ValidationError};
use std::sync::Arc;

use http::StatusCode;

use crate::request_id::RequestId;
use crate::transport::TransportError;

/// Which finAPI operation failed: named in every error so a log line says which step broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Building the client (nothing was sent).
    BuildClient,
    /// The `client_credentials` grant.
    ClientToken,
    /// The `password` grant.
    UserToken,
    /// The `refresh_token` grant.
    RefreshToken,
    /// `POST /users`.
    CreateUser,
    /// `GET /users`.
    GetUser,
    /// Token revocation.
    Revoke,
    /// `PATCH /users`.
    UpdateUser,
    /// `DELETE /users`.
    DeleteUser,
    /// `DELETE /users/{userId}`.
    DeleteUnverifiedUser,
    /// `POST /users/verify/{userId}`.
    VerifyUser,
    /// `GET /users/verificationStatus`.
    VerificationStatus,
    /// `POST /users/requestPasswordChange`.
    RequestPasswordChange,
    /// `POST /users/executePasswordChange`.
    ExecutePasswordChange,
    /// `GET /mandatorAdmin/getUserList`.
    ListUsers,
    /// `POST /mandatorAdmin/deleteUsers`.
    DeleteUsers,
}

impl Operation {
    /// Whether sending this request twice has the effect of sending it once: GET, DELETE,
    /// the token grants and revocation. Only these are retried after an ambiguous failure.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            Self::ClientToken
                | Self::UserToken
                | Self::RefreshToken
                | Self::Revoke
                | Self::GetUser
                | Self::DeleteUser
                | Self::DeleteUnverifiedUser
                | Self::VerificationStatus
                | Self::ListUsers
        )
    }

    /// A short human name, for example `create user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BuildClient => "build client",
            Self::ClientToken => "client token",
            Self::UserToken => "user token",
            Self::RefreshToken => "refresh token",
            Self::CreateUser => "create user",
            Self::GetUser => "get user",
            Self::Revoke => "revoke token",
            Self::UpdateUser => "update user",
            Self::DeleteUser => "delete user",
            Self::DeleteUnverifiedUser => "delete unverified user",
            Self::VerifyUser => "verify user",
            Self::VerificationStatus => "verification status",
            Self::RequestPasswordChange => "request password change",
            Self::ExecutePasswordChange => "execute password change",
            Self::ListUsers => "list users",
            Self::DeleteUsers => "delete users",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong talking to finAPI.
///
/// `Display` is one line naming the operation, the HTTP status and the request id; the
/// details are in the variants' payloads, reachable through the accessors on this type and
/// through [`source()`](std::error::Error::source). No variant holds a request or response
/// body that may contain credentials or tokens: body snippets and server messages are scrubbed
/// of every secret the request carried.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// finAPI answered with its `ErrorMessage` body (every error status but 401).
    #[error(transparent)]
    Api(Arc<ApiError>),
    /// finAPI answered with the OAuth-style `{error, error_description}` body (401).
    #[error(transparent)]
    OAuth(Arc<OAuthErrorResponse>),
    /// The response could not be decoded (for example an HTML page from a proxy, an empty
    /// body, or a success body missing a field).
    #[error(transparent)]
    UnexpectedResponse(Arc<UnexpectedResponse>),
    /// No complete response arrived (connect failure, timeout, I/O, body too large).
    #[error(transparent)]
    Transport(Arc<TransportFailure>),
    /// The input was refused before anything was sent.
    #[error(transparent)]
    InvalidInput(Arc<InvalidInput>),
}

impl Error {
    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        match self {
            Self::Api(e) => e.operation,
            Self::OAuth(e) => e.operation,
            Self::UnexpectedResponse(e) => e.operation,
            Self::Transport(e) => e.operation,
            Self::InvalidInput(e) => e.operation,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::OAuth(e) => Some(e.status),
            Self::UnexpectedResponse(e) => Some(e.status),
            Self::Transport(_) | Self::InvalidInput(_) => None,
        }
    }

    /// The request id: the one finAPI echoed, else the one that was sent. `None` only for
    /// input refused before sending.
    pub fn request_id(&self) -> Option<&RequestId> {
        match self {
            Self::Api(e) => Some(&e.request_id),
            Self::OAuth(e) => Some(&e.request_id),
            Self::UnexpectedResponse(e) => Some(&e.request_id),
            Self::Transport(e) => Some(&e.request_id),
            Self::InvalidInput(_) => None,
        }
    }

    /// finAPI's error code (of the first error in the body), for [`Error::Api`].
    pub fn error_code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api(e) => e.message.first_code(),
            _ => None,
        }
    }

    /// The decoded `ErrorMessage`, for [`Error::Api`].
    pub fn error_message(&self) -> Option<&ErrorMessage> {
        match self {
            Self::Api(e) => Some(&e.message),
            _ => None,
        }
    }

    /// Whether the failed request may still have taken effect at finAPI (an ambiguous
    /// failure of a request that is not idempotent): check before repeating it.
    pub fn may_have_taken_effect(&self) -> bool {
        matches!(self, Self::Transport(e) if e.may_have_taken_effect)
    }

    /// The transport failure, for [`Error::Transport`].
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Self::Transport(e) => Some(&e.source),
            _ => None,
        }
    }

    pub(crate) fn invalid_input(operation: Operation, error: ValidationError) -> Self {
        Self::InvalidInput(Arc::new(InvalidInput { operation, error }))
    }
}

fn write_request_id(f: &mut std::fmt::Formatter<'_>, request_id: &RequestId) -> std::fmt::Result {
    write!(f, " (request id {request_id})")
}

/// finAPI's `ErrorMessage` answer, with the status and request id.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: StatusCode,
    /// The request id finAPI echoed (or the one sent).
    pub request_id: RequestId,
    /// The decoded body; messages are scrubbed of the request's secrets.
    pub message: ErrorMessage,
    /// How many attempts were sent (more than 1 after retries).
    pub attempts: u32,
    /// What the SDK knows beyond finAPI's answer (for example that an earlier attempt of
    /// the same create may have created the user).
    pub note: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: HTTP {}",
            self.operation,
            self.status.as_u16()
        )?;
        if let Some(code) = self.message.first_code() {
            write!(f, " {code}")?;
        }
        if let Some(message) = self.message.first_message() {
            write!(f, ": {}", one_line(message))?;
        }
        if self.message.errors.len() > 1 {
            write!(f, " (and {} more)", self.message.errors.len() - 1)?;
        }
        if let Some(note) = &self.note {
            write!(f, "; {note}")?;
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for ApiError {}

/// finAPI's OAuth-style `{error, error_description}` answer (401), with status and request id.
#[derive(Debug)]
#[non_exhaustive]
pub struct OAuthErrorResponse {
    /// The operation that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: StatusCode,
    /// The request id finAPI echoed (or the one sent).
    pub request_id: RequestId,
    /// The decoded body; the description is scrubbed of the request's secrets.
    pub body: OAuthError,
}

impl std::fmt::Display for OAuthErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: HTTP {} {}",
            self.operation,
            self.status.as_u16(),
            self.body.error
        )?;
        if let Some(description) = &self.body.error_description {
            write!(f, ": {}", one_line(description))?;
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for OAuthErrorResponse {}

/// A response that could not be decoded as what the operation expects.
#[derive(Debug)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The operation that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: StatusCode,
    /// The request id finAPI echoed (or the one sent).
    pub request_id: RequestId,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Why it could not be decoded (decoder errors have their quoted values removed).
    pub reason: String,
    /// The start of the body (at most 200 characters), secrets redacted.
    pub snippet: String,
}

impl std::fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: unexpected HTTP {} response: {}",
            self.operation,
            self.status.as_u16(),
            self.reason
        )?;
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for UnexpectedResponse {}

/// A transport failure, with the request id that was sent.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportFailure {
    /// The operation that failed.
    pub operation: Operation,
    /// The request id that was sent.
    pub request_id: RequestId,
    /// The transport's error (of the last attempt).
    pub source: TransportError,
    /// How many attempts were sent.
    pub attempts: u32,
    /// Whether the request may have reached finAPI and taken effect (a timeout or I/O
    /// failure of a request that is not idempotent, such as create user).
    pub may_have_taken_effect: bool,
}

impl std::fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.source)?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        if self.may_have_taken_effect {
            match self.operation {
                Operation::CreateUser => f.write_str(
                    "; the request may have reached finAPI, so the user may have been created: check (or create again with the same id, which answers ENTITY_EXISTS if it was) before creating another",
                )?,
                _ => f.write_str("; the request may have reached finAPI and taken effect")?,
            }
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for TransportFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Input refused before anything was sent.
#[derive(Debug)]
#[non_exhaustive]
pub struct InvalidInput {
    /// The operation that refused it.
    pub operation: Operation,
    /// The field and the rule.
    pub error: ValidationError,
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} refused: {}", self.operation, self.error)
    }
}

impl std::error::Error for InvalidInput {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
