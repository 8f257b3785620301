//! Web Form 2.0's two error bodies: `Error` (every error status but 400) and
//! `ValidationError` (400). Note: 401 is an `Error` with code `UNAUTHORIZED`, not Access's
//! OAuth shape.

use finapi_access_types::open_enum;
use serde::{Deserialize, Serialize};

open_enum!(
    /// Web Form 2.0's error codes. Unknown codes (the spec's own example, `INVALID_REQUEST`,
    /// is not in its list) decode as `Unknown`.
    ErrorCode {
        /// The token is missing, expired or revoked (401).
        Unauthorized = "UNAUTHORIZED",
        /// Not allowed.
        Forbidden = "FORBIDDEN",
        /// The entity does not exist (404).
        NotFound = "NOT_FOUND",
        /// Not allowed.
        NotAllowed = "NOT_ALLOWED",
        /// Not supported.
        NotSupported = "NOT_SUPPORTED",
        /// The bank is not supported, or the id or search found no single valid bank (422).
        BankNotSupported = "BANK_NOT_SUPPORTED",
        /// The bank search found several banks (422).
        BankNotUnique = "BANK_NOT_UNIQUE",
        /// The payment is not supported (currency, account capability, BIC needed) (422).
        PaymentNotSupported = "PAYMENT_NOT_SUPPORTED",
        /// The mandator is not set up for Web Form 2.0 (422).
        MandatorMisconfiguration = "MANDATOR_MISCONFIGURATION",
        /// `redirectUrl` is required or forbidden for this client's licence (422).
        InvalidRedirectUrl = "INVALID_REDIRECT_URL",
        /// The entity exists already (422).
        EntityExists = "ENTITY_EXISTS",
        /// The bank connection is busy (423).
        Locked = "LOCKED",
        /// finAPI failed (500).
        InternalServerError = "INTERNAL_SERVER_ERROR",
    }
);

/// The `Error` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// The code.
    pub code: ErrorCode,
    /// What went wrong, in words.
    pub description: String,
    /// When (as sent; see [`Timestamp`](crate::Timestamp) to read it).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The endpoint, such as `GET /api/webForms`.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// One refused field of a `ValidationError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FieldError {
    /// The field, in finAPI's path spelling.
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

/// The `ValidationError` body (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ValidationErrorBody {
    /// Every refused field (at least one).
    pub errors: Vec<FieldError>,
    /// When.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// Either error body, as Web Form 2.0 answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WebFormErrorBody {
    /// A `ValidationError` (400): the fields.
    Validation(ValidationErrorBody),
    /// An `Error`: the code.
    Error(ErrorBody),
}

impl WebFormErrorBody {
    /// Reads either shape; `None` for anything else.
    pub fn from_json(body: &[u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }

    /// The code: the `Error`'s, or `BAD_REQUEST` for a `ValidationError` (which has none).
    pub fn code(&self) -> &str {
        match self {
            Self::Error(e) => e.code.as_str(),
            Self::Validation(_) => "BAD_REQUEST",
        }
    }
}

impl std::fmt::Display for WebFormErrorBody {
    /// One line: the code and description, or every refused field.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            Self::Error(e) => write!(f, "{}: {}", e.code, one_line(&e.description)),
            Self::Validation(v) => {
                f.write_str("invalid request:")?;
                for (i, field) in v.errors.iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    write!(f, "{sep}{}: {}", field.field, one_line(&field.message))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_decode_and_print_on_one_line() {
        let error = WebFormErrorBody::from_json(
            br#"{"code":"NOT_FOUND","description":"Web form\nnot found","timestamp":"2024-10-04T13:48:59.194+0000","endpoint":"GET /api/webForms/x"}"#,
        )
        .unwrap();
        assert_eq!(error.code(), "NOT_FOUND");
        assert_eq!(error.to_string(), "NOT_FOUND: Web form not found");
        let validation = WebFormErrorBody::from_json(
            br#"{"errors":[{"field":"bank.search","message":"too long"},{"field":"redirectUrl","message":"must be https"}],"timestamp":"x","endpoint":"POST /api/webForms/bankConnectionImport"}"#,
        )
        .unwrap();
        assert_eq!(
            validation.to_string(),
            "invalid request: bank.search: too long; redirectUrl: must be https"
        );
        let unknown =
            WebFormErrorBody::from_json(br#"{"code":"INVALID_REQUEST","description":"d"}"#)
                .unwrap();
        assert_eq!(unknown.code(), "INVALID_REQUEST");
        assert!(WebFormErrorBody::from_json(b"<html>").is_none());
        assert!(WebFormErrorBody::from_json(br#"{"error":"invalid_token"}"#).is_none());
    }
}
