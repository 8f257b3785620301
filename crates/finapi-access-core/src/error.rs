//! The one error type of the SDK.

use finapi_access_types::{ErrorCode, ErrorMessage, OAuthError, ValidationError};
use std::sync::Arc;

use http::StatusCode;

use crate::request_id::RequestId;
use crate::transport::TransportError;

/// Which finAPI operation a call is: named in every error and tracing span, so a log line
/// says which step broke, and deciding whether an ambiguous failure may be retried.
///
/// Access's operations are constants (`Operation::CREATE_USER`, ...); a product crate or a
/// caller of [`AccessClient::send`](crate::AccessClient::send) names its own:
///
/// ```
/// use finapi_access_core::Operation;
/// const GET_WEB_FORM: Operation = Operation::new("get web form", true);
/// assert_eq!(GET_WEB_FORM.to_string(), "get web form");
/// assert!(GET_WEB_FORM.is_idempotent());
/// assert_ne!(GET_WEB_FORM, Operation::GET_USER);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    name: &'static str,
    idempotent: bool,
}

impl Operation {
    /// Building the client (nothing was sent).
    pub const BUILD_CLIENT: Self = Self::new("build client", false);
    /// The `client_credentials` grant.
    pub const CLIENT_TOKEN: Self = Self::new("client token", true);
    /// The `password` grant.
    pub const USER_TOKEN: Self = Self::new("user token", true);
    /// The `refresh_token` grant.
    pub const REFRESH_TOKEN: Self = Self::new("refresh token", true);
    /// `POST /users`.
    pub const CREATE_USER: Self = Self::new("create user", false);
    /// `GET /users`.
    pub const GET_USER: Self = Self::new("get user", true);
    /// Token revocation.
    pub const REVOKE: Self = Self::new("revoke token", true);
    /// `PATCH /users`.
    pub const UPDATE_USER: Self = Self::new("update user", false);
    /// `DELETE /users`.
    pub const DELETE_USER: Self = Self::new("delete user", true);
    /// `DELETE /users/{userId}`.
    pub const DELETE_UNVERIFIED_USER: Self = Self::new("delete unverified user", true);
    /// `POST /users/verify/{userId}`.
    pub const VERIFY_USER: Self = Self::new("verify user", false);
    /// `GET /users/verificationStatus`.
    pub const VERIFICATION_STATUS: Self = Self::new("verification status", true);
    /// `POST /users/requestPasswordChange`.
    pub const REQUEST_PASSWORD_CHANGE: Self = Self::new("request password change", false);
    /// `POST /users/executePasswordChange`.
    pub const EXECUTE_PASSWORD_CHANGE: Self = Self::new("execute password change", false);
    /// `GET /mandatorAdmin/getUserList`.
    pub const LIST_USERS: Self = Self::new("list users", true);
    /// `POST /mandatorAdmin/deleteUsers`.
    pub const DELETE_USERS: Self = Self::new("delete users", false);
    /// `POST /mandatorAdmin/changeClientCredentials`.
    pub const CHANGE_CLIENT_CREDENTIALS: Self = Self::new("change client credentials", false);
    /// `GET /clientConfiguration`.
    pub const GET_CLIENT_CONFIGURATION: Self = Self::new("get client configuration", true);
    /// `PATCH /clientConfiguration` (setting the same values twice has the effect of once).
    pub const EDIT_CLIENT_CONFIGURATION: Self = Self::new("edit client configuration", true);
    /// `GET /mandatorAdmin/keywordRules`.
    pub const LIST_KEYWORD_RULES: Self = Self::new("list keyword rules", true);
    /// `POST /mandatorAdmin/keywordRules`.
    pub const CREATE_KEYWORD_RULES: Self = Self::new("create keyword rules", false);
    /// `POST /mandatorAdmin/keywordRules/delete` (a repeat answers 404 for the rules gone).
    pub const DELETE_KEYWORD_RULES: Self = Self::new("delete keyword rules", false);
    /// `GET /mandatorAdmin/ibanRules`.
    pub const LIST_IBAN_RULES: Self = Self::new("list IBAN rules", true);
    /// `POST /mandatorAdmin/ibanRules`.
    pub const CREATE_IBAN_RULES: Self = Self::new("create IBAN rules", false);
    /// `POST /mandatorAdmin/ibanRules/delete` (a repeat answers 404 for the rules gone).
    pub const DELETE_IBAN_RULES: Self = Self::new("delete IBAN rules", false);

    /// An operation named `name` (a short human name such as `get web form`). `idempotent`:
    /// whether sending the request twice has the effect of sending it once (GET, DELETE,
    /// token grants); only idempotent operations are retried after an ambiguous failure
    /// (a timeout, an I/O error, 502/503/504).
    pub const fn new(name: &'static str, idempotent: bool) -> Self {
        Self { name, idempotent }
    }

    /// Whether sending this request twice has the effect of sending it once. Only these are
    /// retried after an ambiguous failure.
    pub fn is_idempotent(self) -> bool {
        self.idempotent
    }

    /// The short human name, for example `create user`.
    pub fn as_str(self) -> &'static str {
        self.name
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
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
    /// Another finAPI service (Web Form 2.0, ...) answered with its own error body, decoded
    /// by that product's [`ErrorDecoder`].
    #[error(transparent)]
    Service(Arc<ServiceError>),
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
            Self::Service(e) => e.operation,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::OAuth(e) => Some(e.status),
            Self::UnexpectedResponse(e) => Some(e.status),
            Self::Service(e) => Some(e.status),
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
            Self::Service(e) => Some(&e.request_id),
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

    /// The error code as a string, whichever service answered: finAPI Access's code for
    /// [`Error::Api`], the product's for [`Error::Service`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.message.first_code().map(ErrorCode::as_str),
            Self::Service(e) => e.body.code(),
            _ => None,
        }
    }

    /// The product error body, when it is a `B` (for example Web Form 2.0's error).
    pub fn service_body<B: ServiceErrorBody>(&self) -> Option<&B> {
        match self {
            Self::Service(e) => e.body(),
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

    /// Input refused before anything was sent: `error` names the field and the rule.
    pub fn invalid_input(operation: Operation, error: ValidationError) -> Self {
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
                Operation::CREATE_USER => f.write_str(
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

/// An error body of another finAPI service, decoded by its product crate.
///
/// `Display` is one line (no secrets: scrub server messages with
/// [`ErrorResponse::scrub`]); [`code`](Self::code) is the service's error code.
pub trait ServiceErrorBody:
    std::any::Any + std::fmt::Debug + std::fmt::Display + Send + Sync
{
    /// The service's error code (the first one, if the body holds several).
    fn code(&self) -> Option<&str>;
}

/// An error answer of another finAPI service, with the status and request id.
#[derive(Debug)]
#[non_exhaustive]
pub struct ServiceError {
    /// The operation that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: StatusCode,
    /// The request id the service echoed (or the one sent).
    pub request_id: RequestId,
    /// How many attempts were sent.
    pub attempts: u32,
    body: Box<dyn ServiceErrorBody>,
}

impl ServiceError {
    /// The decoded body, when it is a `B`.
    pub fn body<B: ServiceErrorBody>(&self) -> Option<&B> {
        let any: &dyn std::any::Any = &*self.body;
        any.downcast_ref()
    }

    /// The decoded body, whatever its type.
    pub fn body_dyn(&self) -> &dyn ServiceErrorBody {
        &*self.body
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: HTTP {} {}",
            self.operation,
            self.status.as_u16(),
            self.body
        )?;
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for ServiceError {}

/// Turns the error answer of one finAPI service into an [`Error`]. The pipeline calls it for
/// every non-2xx response with a body; `None` means "not this service's shape", and the
/// pipeline returns [`Error::UnexpectedResponse`] with a redacted snippet instead.
///
/// finAPI Access's shapes are decoded by [`AccessErrors`](crate::AccessErrors), the default;
/// a product crate (Web Form 2.0) brings its own and sets it on each
/// [`ApiRequest`](crate::ApiRequest) with [`error_decoder`](crate::ApiRequest::error_decoder).
pub trait ErrorDecoder: Send + Sync + std::fmt::Debug {
    /// The error for `response`, or `None` when the body is not this service's error shape.
    fn decode(&self, response: &ErrorResponse<'_>) -> Option<Error>;
}

/// An error answer as an [`ErrorDecoder`] sees it.
#[derive(Debug)]
pub struct ErrorResponse<'a> {
    pub(crate) operation: Operation,
    pub(crate) response: &'a http::Response<bytes::Bytes>,
    pub(crate) request_id: RequestId,
    pub(crate) attempts: u32,
    pub(crate) secrets: &'a crate::redact::Secrets<'a>,
}

impl ErrorResponse<'_> {
    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        self.response.headers()
    }

    /// The body as received (may hold echoed secrets: scrub what you keep).
    pub fn body(&self) -> &[u8] {
        self.response.body()
    }

    /// The request id the server echoed, else the one sent.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// `text` with every secret the request carried (raw or form-encoded) replaced by
    /// `[redacted]`: apply it to every server message an error keeps.
    pub fn scrub(&self, text: &str) -> String {
        self.secrets.scrub(text)
    }

    /// An [`Error::Service`] holding `body`, with this response's operation, status, request
    /// id and attempt count.
    pub fn service_error(&self, body: impl ServiceErrorBody) -> Error {
        Error::Service(Arc::new(ServiceError {
            operation: self.operation,
            status: self.status(),
            request_id: self.request_id.clone(),
            attempts: self.attempts,
            body: Box::new(body),
        }))
    }
}
