//! The client configuration (`GET/PATCH /clientConfiguration`): token validity periods,
//! user verification, login attempts, callbacks and the client's licence and products.

use serde::{Deserialize, Serialize};

use crate::categorization::Category;
use crate::validated::{ValidationError, check_chars, check_length, is_allowed_text_char};

crate::open_enum!(
    /// The licence associated with a client (finAPI model `MandatorLicense`).
    MandatorLicense {
        /// No licence of its own: finAPI's licence is used.
        Unlicensed = "UNLICENSED",
        /// Account information services only.
        Aisp = "AISP",
        /// Payment initiation services only.
        Pisp = "PISP",
        /// Both.
        FullyLicensed = "FULLY_LICENSED",
    }
);

crate::open_enum!(
    /// The consent type preferred for the XS2A interface (finAPI model `PreferredConsentType`).
    PreferredConsentType {
        /// One-time consent.
        Onetime = "ONETIME",
        /// Recurring consent.
        Recurring = "RECURRING",
    }
);

crate::open_enum!(
    /// Whether a client uses finAPI's Web Form for a kind of service (finAPI model
    /// `WebFormMode`).
    WebFormMode {
        /// finAPI's web form is used internally.
        Internal = "INTERNAL",
        /// The client's own form.
        External = "EXTERNAL",
        /// Not available.
        Disabled = "DISABLED",
    }
);

crate::open_enum!(
    /// A finAPI product available to a client (finAPI model `Product`).
    Product {
        /// finAPI Access.
        Access = "ACCESS",
        /// finAPI Data Intelligence.
        DataIntelligence = "DATA_INTELLIGENCE",
        /// finAPI Web Form.
        WebForm = "WEB_FORM",
        /// finAPI GiroIdent.
        GiroIdent = "GIRO_IDENT",
    }
);

/// A client's configuration (finAPI model `ClientConfiguration`), as `GET` and `PATCH
/// /clientConfiguration` answer. Periods are in seconds; `0` means tokens never expire.
/// Fields marked deprecated in the spec are kept as they came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[allow(clippy::struct_excessive_bools)] // the spec's model
pub struct ClientConfiguration {
    /// Whether the client may call PFM services.
    pub pfm_services_enabled: bool,
    /// Whether finAPI updates the users' bank connections regularly.
    pub is_automatic_batch_update_enabled: bool,
    /// Whether development mode (the mock batch update) is on.
    pub is_development_mode_enabled: bool,
    /// Whether non-EUR accounts are downloaded.
    pub is_non_euro_accounts_supported: bool,
    /// Whether transactions are categorised as they are downloaded.
    pub is_auto_categorization_enabled: bool,
    /// The client's licence.
    pub mandator_license: MandatorLicense,
    /// The preferred XS2A consent type.
    pub preferred_consent_type: PreferredConsentType,
    /// Where batch update notifications go.
    pub user_notification_callback_url: Option<String>,
    /// Where user deletion notifications go.
    pub user_synchronization_callback_url: Option<String>,
    /// Validity of new refresh tokens, in seconds (`0`: never expire).
    pub refresh_tokens_validity_period: i32,
    /// Validity of new user access tokens, in seconds (`0`: never expire).
    pub user_access_tokens_validity_period: i32,
    /// Validity of new client access tokens, in seconds (`0`: never expire).
    pub client_access_tokens_validity_period: i32,
    /// Consecutive failed logins before finAPI locks a user (set by finAPI, not editable).
    pub max_user_login_attempts: i32,
    /// How many days of history an import may download.
    pub transaction_import_limitation: i32,
    /// Whether new users are verified at once (set by finAPI, not editable); if not, they
    /// need *verify user* before the password grant works.
    pub is_user_auto_verification_enabled: bool,
    /// Whether this is the mandator admin client.
    pub is_mandator_admin: bool,
    /// Whether the web scraper interface may be used.
    pub is_web_scraping_enabled: bool,
    /// Deprecated in the spec.
    pub is_xs2a_enabled: bool,
    /// Deprecated in the spec.
    pub pin_storage_available_in_web_form: bool,
    /// Whether payments are allowed.
    pub payments_enabled: bool,
    /// Whether standalone payments are allowed.
    pub is_standalone_payments_enabled: bool,
    /// The country codes of the bank groups available.
    pub available_bank_groups: Vec<String>,
    /// The products available.
    pub products: Vec<Product>,
    /// Deprecated in the spec.
    pub application_name: Option<String>,
    /// The FinTS product registration number (`XXXXX` when one is stored).
    #[serde(rename = "finTSProductRegistrationNumber")]
    pub fin_ts_product_registration_number: Option<String>,
    /// Deprecated in the spec.
    pub store_secrets_available_in_web_form: bool,
    /// Deprecated in the spec.
    pub support_subject_default: Option<String>,
    /// Deprecated in the spec.
    pub support_email: Option<String>,
    /// Web form mode for account information.
    pub ais_web_form_mode: WebFormMode,
    /// Web form mode for payments.
    pub pis_web_form_mode: WebFormMode,
    /// Web form mode for standalone payments.
    pub pis_standalone_web_form_mode: WebFormMode,
    /// Whether beta banks are available.
    pub beta_banks_enabled: bool,
    /// The categories the client is restricted to, if any.
    pub category_restrictions: Option<Vec<Category>>,
    /// Deprecated in the spec.
    pub auto_dismount_web_form: bool,
    /// Origins allowed for cross-origin requests.
    pub cors_allowed_origins: Option<Vec<String>>,
}

/// A change to the client configuration (finAPI model `ClientConfigurationParams`): only the
/// fields set are sent. Checked with [`validate`](Self::validate) before sending.
///
/// ```
/// use std::time::Duration;
/// use finapi_access_types::ClientConfigurationParams;
///
/// let edit = ClientConfigurationParams::new()
///     .user_access_tokens_validity(Duration::from_secs(15 * 60))
///     .refresh_tokens_validity(Duration::ZERO); // never expire
/// assert!(edit.validate().is_ok());
///
/// let too_short = ClientConfigurationParams::new().client_access_tokens_validity(Duration::from_secs(30));
/// assert_eq!(too_short.validate().unwrap_err().field(), "clientAccessTokensValidityPeriod");
/// assert_eq!(ClientConfigurationParams::new().validate().unwrap_err().field(), "body");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientConfigurationParams {
    /// Where batch update notifications go (`""` clears it; at most 512 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_notification_callback_url: Option<String>,
    /// Where user deletion notifications go (`""` clears it; at most 512 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_synchronization_callback_url: Option<String>,
    /// Validity of new refresh tokens in seconds: at least 60, or 0 for never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_tokens_validity_period: Option<i64>,
    /// Validity of new user access tokens in seconds: at least 60, or 0 for never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_access_tokens_validity_period: Option<i64>,
    /// Validity of new client access tokens in seconds: at least 60, or 0 for never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_access_tokens_validity_period: Option<i64>,
    /// Deprecated in the spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_pin_storage_available_in_web_form: Option<bool>,
    /// Deprecated in the spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_secrets_available_in_web_form: Option<bool>,
    /// Deprecated in the spec (at most 64 of finAPI's allowed characters; `""` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_name: Option<String>,
    /// The FinTS product registration number: `0-9 A-F`, at most 25 (`""` clears it).
    #[serde(
        rename = "finTSProductRegistrationNumber",
        skip_serializing_if = "Option::is_none"
    )]
    pub fin_ts_product_registration_number: Option<String>,
    /// Deprecated in the spec (at most 100 of finAPI's allowed characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_subject_default: Option<String>,
    /// Deprecated in the spec (at most 320 of finAPI's allowed characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    /// Whether beta banks are available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta_banks_enabled: Option<bool>,
}

/// The longest callback URL finAPI takes.
pub const MAX_CALLBACK_URL_LENGTH: usize = 512;

fn seconds(period: std::time::Duration) -> i64 {
    i64::try_from(period.as_secs()).unwrap_or(i64::MAX)
}

impl ClientConfigurationParams {
    /// An empty change (set at least one field before sending).
    pub fn new() -> Self {
        Self::default()
    }

    /// Validity of new client access tokens (whole seconds; `Duration::ZERO`: never expire).
    #[must_use]
    pub fn client_access_tokens_validity(mut self, period: std::time::Duration) -> Self {
        self.client_access_tokens_validity_period = Some(seconds(period));
        self
    }

    /// Validity of new user access tokens (whole seconds; `Duration::ZERO`: never expire).
    #[must_use]
    pub fn user_access_tokens_validity(mut self, period: std::time::Duration) -> Self {
        self.user_access_tokens_validity_period = Some(seconds(period));
        self
    }

    /// Validity of new refresh tokens (whole seconds; `Duration::ZERO`: never expire).
    #[must_use]
    pub fn refresh_tokens_validity(mut self, period: std::time::Duration) -> Self {
        self.refresh_tokens_validity_period = Some(seconds(period));
        self
    }

    /// The batch update notification callback (`""` clears it).
    #[must_use]
    pub fn user_notification_callback_url(mut self, url: impl Into<String>) -> Self {
        self.user_notification_callback_url = Some(url.into());
        self
    }

    /// The user deletion callback (`""` clears it).
    #[must_use]
    pub fn user_synchronization_callback_url(mut self, url: impl Into<String>) -> Self {
        self.user_synchronization_callback_url = Some(url.into());
        self
    }

    /// The FinTS product registration number (`""` clears it).
    #[must_use]
    pub fn fin_ts_product_registration_number(mut self, number: impl Into<String>) -> Self {
        self.fin_ts_product_registration_number = Some(number.into());
        self
    }

    /// Whether beta banks are available.
    #[must_use]
    pub fn beta_banks_enabled(mut self, enabled: bool) -> Self {
        self.beta_banks_enabled = Some(enabled);
        self
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Checks the spec's rules: something to change; periods at least 60 or 0 and within
    /// the spec's 32-bit integers; callback URLs at most 512 characters and `http(s)://`
    /// (or `""`); the FinTS number `0-9 A-F`, at most 25; the deprecated texts within
    /// finAPI's allowed characters and their lengths.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the field (`body` for an empty change).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.is_empty() {
            return Err(ValidationError::new(
                "body",
                "set at least one field to change",
            ));
        }
        let periods = [
            (
                "refreshTokensValidityPeriod",
                self.refresh_tokens_validity_period,
            ),
            (
                "userAccessTokensValidityPeriod",
                self.user_access_tokens_validity_period,
            ),
            (
                "clientAccessTokensValidityPeriod",
                self.client_access_tokens_validity_period,
            ),
        ];
        for (field, period) in periods {
            if let Some(period) = period
                && period != 0
                && !(60..=i64::from(i32::MAX)).contains(&period)
            {
                return Err(ValidationError::new(
                    field,
                    format!("must be 0 (never expire) or 60 to {} seconds", i32::MAX),
                ));
            }
        }
        let urls = [
            (
                "userNotificationCallbackUrl",
                &self.user_notification_callback_url,
            ),
            (
                "userSynchronizationCallbackUrl",
                &self.user_synchronization_callback_url,
            ),
        ];
        for (field, url) in urls {
            if let Some(url) = url {
                check_length(field, url, 0, MAX_CALLBACK_URL_LENGTH)?;
                let rest = url
                    .strip_prefix("https://")
                    .or_else(|| url.strip_prefix("http://"));
                let has_host = rest.is_some_and(|rest| {
                    !rest.is_empty()
                        && !rest.starts_with('/')
                        && !rest.contains(char::is_whitespace)
                });
                if !(url.is_empty() || has_host) {
                    return Err(ValidationError::new(
                        field,
                        "must be an http(s) URL with a host, or \"\" to clear it",
                    ));
                }
            }
        }
        if let Some(number) = &self.fin_ts_product_registration_number {
            check_length("finTSProductRegistrationNumber", number, 0, 25)?;
            check_chars(
                "finTSProductRegistrationNumber",
                number,
                |c| c.is_ascii_digit() || ('A'..='F').contains(&c),
                "0-9 and A-F",
            )?;
        }
        let texts = [
            ("applicationName", &self.application_name, 64),
            ("supportSubjectDefault", &self.support_subject_default, 100),
            ("supportEmail", &self.support_email, 320),
        ];
        for (field, text, max) in texts {
            if let Some(text) = text {
                check_length(field, text, 0, max)?;
                check_chars(
                    field,
                    text,
                    is_allowed_text_char,
                    "finAPI's allowed characters",
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn periods_are_zero_or_at_least_a_minute_and_fit_the_spec_integer() {
        let ok = |p: ClientConfigurationParams| p.validate().is_ok();
        assert!(ok(
            ClientConfigurationParams::new().refresh_tokens_validity(Duration::ZERO)
        ));
        assert!(ok(
            ClientConfigurationParams::new().refresh_tokens_validity(Duration::from_secs(60))
        ));
        assert!(!ok(
            ClientConfigurationParams::new().refresh_tokens_validity(Duration::from_secs(59))
        ));
        assert!(!ok(ClientConfigurationParams::new()
            .user_access_tokens_validity(Duration::from_secs(u64::from(
                u32::MAX
            )))));
    }

    #[test]
    fn urls_and_texts_are_checked() {
        let long = format!("https://example.com/{}", "a".repeat(500));
        let err = ClientConfigurationParams::new()
            .user_notification_callback_url(long)
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), "userNotificationCallbackUrl");
        assert!(
            ClientConfigurationParams::new()
                .user_synchronization_callback_url("")
                .validate()
                .is_ok(),
            "\"\" clears"
        );
        assert_eq!(
            ClientConfigurationParams::new()
                .user_synchronization_callback_url("ftp://x")
                .validate()
                .unwrap_err()
                .field(),
            "userSynchronizationCallbackUrl"
        );
        assert_eq!(
            ClientConfigurationParams::new()
                .fin_ts_product_registration_number("abc")
                .validate()
                .unwrap_err()
                .field(),
            "finTSProductRegistrationNumber"
        );
    }

    #[test]
    fn only_set_fields_are_sent() {
        let body = serde_json::to_value(
            ClientConfigurationParams::new()
                .client_access_tokens_validity(Duration::from_secs(120))
                .fin_ts_product_registration_number(""),
        )
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"clientAccessTokensValidityPeriod": 120, "finTSProductRegistrationNumber": ""})
        );
    }
}
