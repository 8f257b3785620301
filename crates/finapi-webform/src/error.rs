//! Web Form 2.0's error bodies as typed `Error::Service` errors.

use finapi_access_core::{Error, ErrorDecoder, ErrorResponse, ServiceErrorBody};
use finapi_webform_types::{ErrorCode, FieldError, WebFormErrorBody};

/// A Web Form 2.0 error answer, decoded, messages scrubbed of the request's secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebFormError(pub WebFormErrorBody);

impl WebFormError {
    /// The body.
    pub fn body(&self) -> &WebFormErrorBody {
        &self.0
    }

    /// The `Error` body's code (none for a 400 `ValidationError`).
    pub fn error_code(&self) -> Option<&ErrorCode> {
        match &self.0 {
            WebFormErrorBody::Error(e) => Some(&e.code),
            WebFormErrorBody::Validation(_) => None,
        }
    }

    /// The refused fields of a 400 `ValidationError` (empty otherwise).
    pub fn field_errors(&self) -> &[FieldError] {
        match &self.0 {
            WebFormErrorBody::Validation(v) => &v.errors,
            WebFormErrorBody::Error(_) => &[],
        }
    }
}

impl std::fmt::Display for WebFormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ServiceErrorBody for WebFormError {
    fn code(&self) -> Option<&str> {
        Some(self.0.code())
    }
}

/// Decodes Web Form 2.0's `Error` and `ValidationError` bodies (the 401 too, which is an
/// `Error` with code `UNAUTHORIZED`). Set on every request of this crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebFormErrors;

impl ErrorDecoder for WebFormErrors {
    fn decode(&self, answer: &ErrorResponse<'_>) -> Option<Error> {
        let mut body = WebFormErrorBody::from_json(answer.body())?;
        match &mut body {
            WebFormErrorBody::Error(e) => e.description = answer.scrub(&e.description),
            WebFormErrorBody::Validation(v) => {
                for field in &mut v.errors {
                    field.message = answer.scrub(&field.message);
                }
            }
        }
        Some(answer.service_error(WebFormError(body)))
    }
}

/// Reading Web Form 2.0 errors from the SDK's `Error`.
pub trait WebFormErrorExt {
    /// The Web Form error body, when Web Form 2.0 answered with one.
    fn webform_error(&self) -> Option<&WebFormError>;
}

impl WebFormErrorExt for Error {
    fn webform_error(&self) -> Option<&WebFormError> {
        self.service_body::<WebFormError>()
    }
}
