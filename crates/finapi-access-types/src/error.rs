//! finAPI's two error bodies: `ErrorMessage` (every error but 401) and the OAuth-style
//! `{error, error_description}` (401, finAPI model `BadCredentialsError`).

use serde::{Deserialize, Serialize};

/// An enum of a finAPI wire value with an `Unknown(String)` fallback, so that a newer server's
/// value never breaks decoding: `as_str`, `From<&str>`, `Display`, serde. Shared with the Web
/// Form 2.0 types; not part of the API.
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the SDK does not know, kept as it came.
            Unknown(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_str()))
            }
        }
    };
}

open_enum!(
    /// Whether an error's message is meant for end users or for developers.
    ErrorType {
        /// An end-user message (from the bank, or localised by finAPI).
        Business = "BUSINESS",
        /// A message for developers.
        Technical = "TECHNICAL",
    }
);

open_enum!(
    /// finAPI's error codes (finAPI Access 1.151.1). New codes decode as
    /// [`ErrorCode::Unknown`], so a newer server never breaks decoding.
    ErrorCode {
        /// Multi-step authentication is needed (HTTP 510).
        AdditionalAuthenticationRequired = "ADDITIONAL_AUTHENTICATION_REQUIRED",
        /// The request is malformed.
        BadRequest = "BAD_REQUEST",
        /// The bank's server rejected the request.
        BankServerRejection = "BANK_SERVER_REJECTION",
        /// Collective money transfers are not supported.
        CollectiveMoneyTransferNotSupported = "COLLECTIVE_MONEY_TRANSFER_NOT_SUPPORTED",
        /// The entity (for example a user id) exists already.
        EntityExists = "ENTITY_EXISTS",
        /// Forbidden.
        Forbidden = "FORBIDDEN",
        /// IBAN-only direct debits are not supported.
        IbanOnlyDirectDebitNotSupported = "IBAN_ONLY_DIRECT_DEBIT_NOT_SUPPORTED",
        /// IBAN-only money transfers are not supported.
        IbanOnlyMoneyTransferNotSupported = "IBAN_ONLY_MONEY_TRANSFER_NOT_SUPPORTED",
        /// The entity is in a state that does not allow the operation.
        IllegalEntityState = "ILLEGAL_ENTITY_STATE",
        /// A field has an illegal value.
        IllegalFieldValue = "ILLEGAL_FIELD_VALUE",
        /// The page size is out of range.
        IllegalPageSize = "ILLEGAL_PAGE_SIZE",
        /// The consent is invalid.
        InvalidConsent = "INVALID_CONSENT",
        /// The filter options are invalid.
        InvalidFilterOptions = "INVALID_FILTER_OPTIONS",
        /// The token is invalid.
        InvalidToken = "INVALID_TOKEN",
        /// The two-step procedure is invalid.
        InvalidTwoStepProcedure = "INVALID_TWO_STEP_PROCEDURE",
        /// The entity (for example the user) is locked.
        Locked = "LOCKED",
        /// The login fields do not match.
        LoginFieldsMismatch = "LOGIN_FIELDS_MISMATCH",
        /// The HTTP method is not allowed.
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        /// Credentials are missing.
        MissingCredentials = "MISSING_CREDENTIALS",
        /// A required field is missing.
        MissingField = "MISSING_FIELD",
        /// A two-step procedure is missing.
        MissingTwoStepProcedure = "MISSING_TWO_STEP_PROCEDURE",
        /// No accounts of the requested type.
        NoAccountsForTypeList = "NO_ACCOUNTS_FOR_TYPE_LIST",
        /// No certificate.
        NoCertificate = "NO_CERTIFICATE",
        /// No existing challenge.
        NoExistingChallenge = "NO_EXISTING_CHALLENGE",
        /// No TPP client credentials.
        NoTppClientCredentials = "NO_TPP_CLIENT_CREDENTIALS",
        /// PSU metadata headers are missing.
        NoPsuMetadata = "NO_PSU_METADATA",
        /// Too many ids in one request.
        TooManyIds = "TOO_MANY_IDS",
        /// Access is denied (wrong role or token kind, or an unverified user).
        UnauthorizedAccess = "UNAUTHORIZED_ACCESS",
        /// An unexpected server error.
        UnexpectedError = "UNEXPECTED_ERROR",
        /// The entity does not exist.
        UnknownEntity = "UNKNOWN_ENTITY",
        /// The bank is not supported.
        UnsupportedBank = "UNSUPPORTED_BANK",
        /// The feature is not supported.
        UnsupportedFeature = "UNSUPPORTED_FEATURE",
        /// The media type is not supported.
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        /// The ordering is not supported.
        UnsupportedOrder = "UNSUPPORTED_ORDER",
        /// The user is verified already.
        UserAlreadyVerified = "USER_ALREADY_VERIFIED",
        /// The user is not verified.
        UserNotVerified = "USER_NOT_VERIFIED",
        /// The web form was aborted.
        WebFormAborted = "WEB_FORM_ABORTED",
        /// A web form is required (HTTP 451).
        WebFormRequired = "WEB_FORM_REQUIRED",
    }
);

/// One error in an [`ErrorMessage`] (finAPI model `ErrorDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDetails {
    /// The message, if any.
    #[serde(default)]
    pub message: Option<String>,
    /// The error code.
    pub code: ErrorCode,
    /// Whether the message is for end users or developers.
    #[serde(rename = "type")]
    pub error_type: ErrorType,
    /// Set only with HTTP 510: what a repeated call must add (always sent, `null` otherwise).
    #[serde(default)]
    pub multi_step_authentication: Option<MultiStepAuthentication>,
}

/// The parts of finAPI's `MultiStepAuthenticationChallenge` that the Access API uses (HTTP
/// 510 only); other fields are ignored when decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MultiStepAuthentication {
    /// The hash to send back when continuing the flow.
    #[serde(default)]
    pub hash: Option<String>,
    /// The status, for example `CHALLENGE_RESPONSE_REQUIRED`.
    #[serde(default)]
    pub status: Option<String>,
    /// The bank's instructions for the user.
    #[serde(default)]
    pub challenge_message: Option<String>,
    /// The URL to send the user to, for `REDIRECT_REQUIRED`.
    #[serde(default)]
    pub redirect_url: Option<String>,
}

impl ErrorDetails {
    /// An error detail: for emulators and tests.
    pub fn new(code: ErrorCode, error_type: ErrorType, message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            code,
            error_type,
            multi_step_authentication: None,
        }
    }
}

/// finAPI's error body for every status but 401 (finAPI model `ErrorMessage`).
///
/// Only `errors` is required when decoding: finAPI's versions differ in which of the other
/// fields they send, and `requestId` in the body is deprecated (read the `X-Request-Id` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorMessage {
    /// The errors; finAPI sends at least one.
    pub errors: Vec<ErrorDetails>,
    /// When the error happened, as `YYYY-MM-DD HH:MM:SS.SSS` (German time, not ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The request id (deprecated by finAPI in the body; the header is authoritative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The endpoint, for example `POST /api/v1/users`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The authorisation context, for example `1/21`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_context: Option<String>,
    /// The bank involved, as `<BLZ> - <name>`, if any.
    #[serde(default)]
    pub bank: Option<String>,
}

impl ErrorMessage {
    /// An error body with one error: for emulators and tests.
    pub fn new(details: ErrorDetails) -> Self {
        Self {
            errors: vec![details],
            date: None,
            request_id: None,
            endpoint: None,
            auth_context: None,
            bank: None,
        }
    }

    /// The code of the first error, if any.
    pub fn first_code(&self) -> Option<&ErrorCode> {
        self.errors.first().map(|e| &e.code)
    }

    /// The message of the first error, if any.
    pub fn first_message(&self) -> Option<&str> {
        self.errors.first().and_then(|e| e.message.as_deref())
    }
}

/// The OAuth-style error body of a 401 (finAPI model `BadCredentialsError`).
///
/// Decodes `error_description` and, as one of finAPI's own examples spells it,
/// `errorDescription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthError {
    /// The error, for example `invalid_token` or `invalid_client`.
    pub error: String,
    /// The description, if any.
    #[serde(
        default,
        alias = "errorDescription",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_description: Option<String>,
}

impl OAuthError {
    /// An OAuth error body: for emulators and tests.
    pub fn new(error: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            error_description: Some(description.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_decodes_the_spec_example() {
        let body = r#"{"errors":[{"message":"Interner Serverfehler","code":"UNEXPECTED_ERROR","type":"TECHNICAL","multiStepAuthentication":null}],"date":"2020-01-01 00:00:00.000","requestId":"selfgen-312042e7","endpoint":"POST /api/v1/bankConnections/import","authContext":"1/21","bank":"DEMO0001 - finAPI Test Bank"}"#;
        let message: ErrorMessage = serde_json::from_str(body).unwrap();
        assert_eq!(message.first_code(), Some(&ErrorCode::UnexpectedError));
        assert_eq!(message.errors[0].error_type, ErrorType::Technical);
        assert_eq!(message.request_id.as_deref(), Some("selfgen-312042e7"));
        assert_eq!(message.auth_context.as_deref(), Some("1/21"));
    }

    #[test]
    fn unknown_codes_and_types_decode_to_the_fallback() {
        let body = r#"{"errors":[{"code":"BRAND_NEW_CODE","type":"COSMIC"}]}"#;
        let message: ErrorMessage = serde_json::from_str(body).unwrap();
        assert_eq!(
            message.first_code(),
            Some(&ErrorCode::Unknown("BRAND_NEW_CODE".into()))
        );
        assert_eq!(
            message.errors[0].error_type,
            ErrorType::Unknown("COSMIC".into())
        );
        assert_eq!(message.errors[0].message, None);
        let again = serde_json::to_value(&message.errors[0]).unwrap();
        assert_eq!(again["code"], "BRAND_NEW_CODE");
    }

    #[test]
    fn every_known_code_round_trips() {
        for wire in [
            "ENTITY_EXISTS",
            "NO_PSU_METADATA",
            "WEB_FORM_REQUIRED",
            "LOCKED",
        ] {
            let code = ErrorCode::from(wire);
            assert!(!matches!(code, ErrorCode::Unknown(_)), "{wire}");
            assert_eq!(code.as_str(), wire);
        }
    }

    #[test]
    fn oauth_error_accepts_both_spellings() {
        let snake: OAuthError =
            serde_json::from_str(r#"{"error":"invalid_client","error_description":"Bad client"}"#)
                .unwrap();
        let camel: OAuthError =
            serde_json::from_str(r#"{"error":"invalid_token","errorDescription":"Expired"}"#)
                .unwrap();
        assert_eq!(snake.error_description.as_deref(), Some("Bad client"));
        assert_eq!(camel.error_description.as_deref(), Some("Expired"));
        assert!(serde_json::from_str::<OAuthError>(r#"{"errors":[]}"#).is_err());
    }
}
