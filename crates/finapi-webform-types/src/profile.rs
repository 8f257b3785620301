//! Profiles (the web form's look and behaviour) and translations (its texts): mandator
//! administration.

use std::collections::BTreeMap;

use finapi_access_types::{ValidationError, open_enum};
use serde::{Deserialize, Serialize};

use crate::check::{length, opt_length};
use crate::time::Timestamp;

open_enum!(
    /// Show or hide a part of the form.
    Visibility {
        /// Shown.
        Render = "RENDER",
        /// Hidden.
        Hidden = "HIDDEN",
    }
);

open_enum!(
    /// How the bank login hint is shown.
    BankLoginHint {
        /// Expanded.
        Expanded = "EXPANDED",
        /// Collapsed.
        Collapsed = "COLLAPSED",
        /// Hidden.
        Hidden = "HIDDEN",
    }
);

open_enum!(
    /// Whether the end user may store their bank credentials.
    StoreSecrets {
        /// Offered.
        Render = "RENDER",
        /// Not offered.
        Hidden = "HIDDEN",
        /// Required.
        Mandatory = "MANDATORY",
        /// Stored without asking (set by finAPI support only).
        ImplicitApproval = "IMPLICIT_APPROVAL",
    }
);

open_enum!(
    /// Whether the end user may edit bank details of a payment.
    BankDetails {
        /// Not editable.
        Locked = "LOCKED",
        /// Editable.
        Editable = "EDITABLE",
    }
);

open_enum!(
    /// A language of the form.
    FormLanguage {
        /// German.
        De = "DE",
        /// English.
        En = "EN",
        /// Czech.
        Cs = "CS",
        /// Slovak.
        Sk = "SK",
    }
);

/// The language selector, and the language it is locked to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LanguageSettings {
    /// Whether the selector is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Visibility>,
    /// The language, required when the header or the selector is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<FormLanguage>,
}

/// How the form behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Functionality {
    /// The progress bar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_bar: Option<Visibility>,
    /// The bank login hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_login_hint: Option<BankLoginHint>,
    /// Storing bank credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_secrets: Option<StoreSecrets>,
    /// Editing a payment's bank details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_details: Option<BankDetails>,
    /// The header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Visibility>,
    /// The language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<LanguageSettings>,
    /// Skip the confirmation view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_confirmation_view: Option<bool>,
    /// Show the account selection view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_account_selection_view: Option<bool>,
    /// Hide the payment summary (finAPI support only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_payment_summary: Option<bool>,
}

impl Functionality {
    fn validate(&self) -> Result<(), ValidationError> {
        let hidden = |v: &Option<Visibility>| *v == Some(Visibility::Hidden);
        let selector = self.language.as_ref().and_then(|l| l.selector.clone());
        let locked = self.language.as_ref().and_then(|l| l.locked.clone());
        if (hidden(&self.header) || hidden(&selector)) && locked.is_none() {
            return Err(ValidationError::new(
                "functionality.language.locked",
                "is required when the header or the language selector is hidden",
            ));
        }
        Ok(())
    }
}

/// The text colours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextColor {
    /// Primary text (`#rrggbb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Secondary text (`#rrggbb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary: Option<String>,
}

/// The colours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColorScheme {
    /// The brand colour (`#rrggbb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// The text colours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextColor>,
}

/// The text settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextSettings {
    /// The font family (1 to 512 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font_family: Option<String>,
}

/// How the form looks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Aspect {
    /// The colours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<ColorScheme>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextSettings>,
    /// The theme (`DEFAULT`, `MOBILE_MINIMALISTIC`; beta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

fn hex_color(field: &'static str, value: Option<&str>) -> Result<(), ValidationError> {
    match value {
        Some(c)
            if !(c.len() == 7
                && c.starts_with('#')
                && c[1..].bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            Err(ValidationError::new(
                field,
                "must be a colour such as #1a2b3c",
            ))
        }
        _ => Ok(()),
    }
}

impl Aspect {
    fn validate(&self) -> Result<(), ValidationError> {
        if let Some(scheme) = &self.color_scheme {
            hex_color("aspect.colorScheme.brand", scheme.brand.as_deref())?;
            if let Some(text) = &scheme.text {
                hex_color("aspect.colorScheme.text.primary", text.primary.as_deref())?;
                hex_color(
                    "aspect.colorScheme.text.secondary",
                    text.secondary.as_deref(),
                )?;
            }
        }
        if let Some(text) = &self.text {
            opt_length(
                "aspect.text.fontFamily",
                text.font_family.as_deref(),
                1,
                512,
            )?;
        }
        opt_length("aspect.theme", self.theme.as_deref(), 1, 32)
    }
}

/// Icons (base64 data URIs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Icons {
    /// The info icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// The loading animation (a GIF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loading: Option<String>,
}

/// The brand: logo, favicon, icons, intro text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Brand {
    /// The logo, a base64 data URI (at most 5,000,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The favicon, a base64 data URI (at most 500,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favicon: Option<String>,
    /// The icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Icons>,
    /// The intro text (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro_text: Option<String>,
}

impl Brand {
    fn validate(&self) -> Result<(), ValidationError> {
        let data_uri = |field: &'static str, value: Option<&str>, max: usize| {
            opt_length(field, value, 0, max)?;
            match value {
                Some(v) if !v.starts_with("data:image/") || !v.contains(";base64,") => Err(
                    ValidationError::new(field, "must be a base64 data URI of an image"),
                ),
                _ => Ok(()),
            }
        };
        data_uri("brand.logo", self.logo.as_deref(), 5_000_000)?;
        data_uri("brand.favicon", self.favicon.as_deref(), 500_000)?;
        opt_length("brand.introText", self.intro_text.as_deref(), 0, 1000)
    }
}

/// A profile as finAPI returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Profile {
    /// The id (36 characters): pass it as `profileId` when creating web forms.
    pub id: String,
    /// The label (unique).
    pub label: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// Whether web forms use it by default.
    pub default: bool,
    /// The brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<Brand>,
    /// The behaviour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functionality: Option<Functionality>,
    /// The look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect: Option<Aspect>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/profiles` (required `label`) and `PATCH /api/profiles/{id}` (every field
/// optional): a profile's settings.
///
/// ```
/// use finapi_webform_types::ProfileDetails;
/// let details = ProfileDetails { label: Some("Shop".into()), default: Some(true), ..Default::default() };
/// details.validate_create().unwrap();
/// assert_eq!(ProfileDetails::default().validate_create().unwrap_err().field(), "label");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDetails {
    /// The label (unique; at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Make it the default profile (only one may be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    /// The brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<Brand>,
    /// The behaviour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functionality: Option<Functionality>,
    /// The look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect: Option<Aspect>,
}

impl ProfileDetails {
    /// Checks the rules for a new profile (a label is required).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate_create(&self) -> Result<(), ValidationError> {
        let Some(label) = &self.label else {
            return Err(ValidationError::new(
                "label",
                "is required for a new profile",
            ));
        };
        length("label", label, 1, 128)?;
        self.validate_edit()
    }

    /// Checks the rules for an edit (every field optional, at least one set).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate_edit(&self) -> Result<(), ValidationError> {
        if *self == Self::default() {
            return Err(ValidationError::new(
                "body",
                "sets nothing: give at least one field",
            ));
        }
        opt_length("label", self.label.as_deref(), 1, 128)?;
        if let Some(brand) = &self.brand {
            brand.validate()?;
        }
        if let Some(functionality) = &self.functionality {
            functionality.validate()?;
        }
        if let Some(aspect) = &self.aspect {
            aspect.validate()?;
        }
        Ok(())
    }
}

/// A view's title and subtitle (absent: finAPI's text; empty: the section is hidden).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitleAndSubtitle {
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The subtitle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
}

/// A view's title.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Title {
    /// The title (at most 512 characters; empty hides it).
    pub title: String,
}

/// The texts of one language, per view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_search_view: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_login_view: Option<TitleAndSubtitle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_bank_login_view: Option<TitleAndSubtitle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sca_method_selection_view: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sca_challenge_view: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_selection_view_ais: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_selection_view_pis: Option<TitleAndSubtitle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_download_view_ais: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_confirmation_view: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_summary_view: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_view: Option<Title>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_view: Option<Title>,
}

impl Translation {
    fn texts(&self) -> Vec<&str> {
        let titles = [
            &self.bank_search_view,
            &self.sca_method_selection_view,
            &self.sca_challenge_view,
            &self.account_selection_view_ais,
            &self.data_download_view_ais,
            &self.partial_confirmation_view,
            &self.update_summary_view,
            &self.confirmation_view,
            &self.error_view,
        ];
        let pairs = [
            &self.bank_login_view,
            &self.redirect_bank_login_view,
            &self.account_selection_view_pis,
        ];
        titles
            .into_iter()
            .flatten()
            .map(|t| t.title.as_str())
            .chain(
                pairs
                    .into_iter()
                    .flatten()
                    .flat_map(|p| p.title.as_deref().into_iter().chain(p.subtitle.as_deref())),
            )
            .collect()
    }
}

/// `POST /api/translations`: texts per language (beta at finAPI). One set applies to every
/// web form of the mandator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TranslationDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cs: Option<Translation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub de: Option<Translation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<Translation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sk: Option<Translation>,
}

impl TranslationDetails {
    /// Checks the spec's rules (each text at most 512 characters).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the language whose text is too long.
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, translation) in [
            ("cs", &self.cs),
            ("de", &self.de),
            ("en", &self.en),
            ("sk", &self.sk),
        ] {
            for text in translation.iter().flat_map(Translation::texts) {
                length(field, text, 0, 512)?;
            }
        }
        Ok(())
    }
}

/// A translation set as finAPI returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[allow(missing_docs)]
pub struct TranslationSet {
    /// The id (36 characters).
    pub id: String,
    /// When it was created.
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cs: Option<Translation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub de: Option<Translation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<Translation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sk: Option<Translation>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_rules() {
        let hidden_header = ProfileDetails {
            label: Some("x".into()),
            functionality: Some(Functionality {
                header: Some(Visibility::Hidden),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            hidden_header.validate_create().unwrap_err().field(),
            "functionality.language.locked"
        );
        let color = ProfileDetails {
            aspect: Some(Aspect {
                color_scheme: Some(ColorScheme {
                    brand: Some("red".into()),
                    text: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            color.validate_edit().unwrap_err().field(),
            "aspect.colorScheme.brand"
        );
        assert_eq!(
            ProfileDetails::default()
                .validate_edit()
                .unwrap_err()
                .field(),
            "body"
        );
        let long = ProfileDetails {
            label: Some("x".repeat(129)),
            ..Default::default()
        };
        assert_eq!(long.validate_create().unwrap_err().field(), "label");
    }

    #[test]
    fn translation_texts_are_bounded() {
        let details = TranslationDetails {
            en: Some(Translation {
                bank_login_view: Some(TitleAndSubtitle {
                    title: Some("Log in".into()),
                    subtitle: Some("x".repeat(513)),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(details.validate().unwrap_err().field(), "en");
    }
}
