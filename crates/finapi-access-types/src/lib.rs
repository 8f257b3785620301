//! # finapi-access-types
//!
//! The data types of the [finAPI Access API](https://docs.finapi.io): wire models, secret
//! newtypes and validated newtypes. This crate depends on serde and zeroize only: no HTTP
//! stack, no async runtime, so services that only pass finAPI values around can use it alone.
//!
//! - Token grants return a [`TokenResponse`]; its tokens are [`AccessToken`] and
//!   [`RefreshToken`], which never print their value.
//! - Users are created with [`UserCreateParams`] and come back as [`User`].
//! - Errors come as [`ErrorMessage`] (every status but 401) or [`OAuthError`] (401).
//! - [`UserId`], [`Password`], [`Email`] and [`Phone`] check finAPI's rules when they are
//!   built, and fail with a [`ValidationError`] naming the field and the rule.
//!
//! ```
//! use finapi_access_types::{Password, UserCreateParams, UserId};
//!
//! # fn main() -> Result<(), finapi_access_types::ValidationError> {
//! let params = UserCreateParams::new()
//!     .id(UserId::new("alice")?)
//!     .password(Password::new("correct horse battery")?);
//! assert!(!format!("{params:?}").contains("horse"));
//! assert!(UserId::new("has space").is_err());
//! # Ok(()) }
//! ```
//!
//! The HTTP client is `finapi-access-core` (with the `finapi-access-reqwest` or
//! `finapi-access-hyper` transport).

#![forbid(unsafe_code)]

pub mod admin;
pub mod categorization;
pub mod config;
pub mod error;
pub mod secret;
pub mod token;
pub mod user;
pub mod validated;

pub use admin::{
    ChangeClientCredentialsParams, DeletedUsers, MAX_PER_PAGE, MonthlyUserStats, Paging,
    SortDirection, UserIdentifiersParams, UserInfo, UserInfoPage, UserListQuery,
};
pub use categorization::{
    Category, IbanRule, IbanRuleList, IbanRulePage, IbanRuleParams, IbanRulesParams,
    IdentifierList, KeywordRule, KeywordRuleList, KeywordRulePage, KeywordRuleParams,
    KeywordRulesParams, RuleDirection, RuleIdentifiers, RuleListQuery, TransactionDirection,
    check_iban,
};
pub use config::{
    ClientConfiguration, ClientConfigurationParams, MandatorLicense, PreferredConsentType, Product,
    WebFormMode,
};
pub use error::{
    ErrorCode, ErrorDetails, ErrorMessage, ErrorType, MultiStepAuthentication, OAuthError,
};
pub use secret::{
    AccessToken, ClientSecret, EncryptedPasswordChangeToken, PasswordChangeToken, RefreshToken,
    SecretString,
};
pub use token::{ExpiresIn, TokenResponse, TokenType};
pub use user::{
    ExecutePasswordChangeParams, PasswordChangeRequest, RequestPasswordChangeParams, User,
    UserCreateParams, UserUpdateParams, VerificationStatus,
};
pub use validated::{Email, Password, Phone, UserId, ValidationError};
