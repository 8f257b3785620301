//! # finapi-webform-types
//!
//! The models of finAPI Web Form 2.0 (spec 2.430.0): web forms and what they produced, the
//! six creation bodies with the spec's rules checked before sending, background update
//! tasks, profiles and translations, both error bodies, and the callbacks finAPI posts.
//! serde and small leaf crates only: a service that only receives callbacks needs nothing
//! else.
//!
//! Decoding is tolerant: timestamps in the spec's own format (`+0000`), RFC 3339 (`+00:00`,
//! `Z`) and without fractions ([`Timestamp`]); unknown enum values arrive as `Unknown(..)`,
//! unknown fields are kept in `other`. Amounts are exact ([`Amount`], minor units, sent as a
//! decimal string as the API allows), never floats.
//!
//! ```
//! use finapi_webform_types::{WebForm, WebFormCompletedCallback, WebFormStatus};
//! // In your callback handler: parse, then read the form by id before trusting it.
//! let callback: WebFormCompletedCallback =
//!     serde_json::from_str(r#"{"webFormId":"4d6a3f1e-1d2c-4b5a-9e8f-7a6b5c4d3e2f","status":"COMPLETED"}"#).unwrap();
//! assert!(callback.status.is_final());
//! ```
//!
//! The client is `finapi-webform`.

#![forbid(unsafe_code)]

mod amount;
mod check;
mod details;
mod error;
mod profile;
mod task;
mod time;
mod url;
mod webform;

pub use amount::{Amount, Currency};
pub use details::{
    AccountRef, AccountType, Bank, BankConnectionImportDetails, BankConnectionUpdateDetails,
    Callbacks, Counterparty, DirectDebitOrder, DirectDebitType, DirectDebitWithAccountDetails,
    Frequency, ListQuery, Payer, PaymentOrder, PaymentWithAccountDetails, SenderIban, SequenceType,
    SortOrder, StandalonePaymentDetails, StandingOrderDetails, UpdateBank,
};
pub use error::{ErrorBody, ErrorCode, FieldError, ValidationErrorBody, WebFormErrorBody};
pub use profile::{
    Aspect, BankDetails, BankLoginHint, Brand, ColorScheme, FormLanguage, Functionality, Icons,
    LanguageSettings, Profile, ProfileDetails, StoreSecrets, TextColor, TextSettings, Title,
    TitleAndSubtitle, Translation, TranslationDetails, TranslationSet, Visibility,
};
pub use task::{
    BankConnectionUpdateTaskDetails, ManageSavedSettings, Task, TaskCallback, TaskCallbacks,
    TaskErrorCode, TaskPayload, TaskStatus, TaskType, UserMetadata,
};
pub use time::{Date, Timestamp};
pub use url::WebFormUrl;
pub use webform::{
    Page, Paging, Payload, WebForm, WebFormCompletedCallback, WebFormErrorCode, WebFormInfo,
    WebFormStatus, WebFormType,
};

/// `ValidationError` of the Access types: the field and the rule a value broke.
pub use finapi_access_types::ValidationError;
