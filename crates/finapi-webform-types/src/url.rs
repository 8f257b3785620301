//! The query parameters a web form's `url` takes.

use finapi_access_types::ValidationError;

use crate::check::https_url;

/// The web form's page address with the parameters finAPI lets you append: `redirectUrl`
/// (where the end user goes after a success), `errorRedirectUrl` (after an error or abort)
/// and `customerSupportUrl`. Each must be an `https://` URL; existing query parameters of
/// the form's `url` are kept.
///
/// ```
/// use finapi_webform_types::WebFormUrl;
/// let url = WebFormUrl::new("https://webform.finapi.io/wf/4d6a")
///     .redirect_url("https://shop.example.com/done?order=7")
///     .error_redirect_url("https://shop.example.com/failed")
///     .build()
///     .unwrap();
/// assert_eq!(
///     url,
///     "https://webform.finapi.io/wf/4d6a?redirectUrl=https%3A%2F%2Fshop.example.com%2Fdone%3Forder%3D7&errorRedirectUrl=https%3A%2F%2Fshop.example.com%2Ffailed"
/// );
/// assert!(WebFormUrl::new("https://webform.finapi.io/wf/4d6a").redirect_url("http://x.example").build().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebFormUrl {
    base: String,
    params: Vec<(&'static str, String)>,
}

impl WebFormUrl {
    /// The form's `url` as finAPI returned it.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            base: url.into(),
            params: Vec::new(),
        }
    }

    /// Where the end user goes after completing the form.
    #[must_use]
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.params.push(("redirectUrl", url.into()));
        self
    }

    /// Where the end user goes after an error or when they abort.
    #[must_use]
    pub fn error_redirect_url(mut self, url: impl Into<String>) -> Self {
        self.params.push(("errorRedirectUrl", url.into()));
        self
    }

    /// Your customer support page, linked from the form.
    #[must_use]
    pub fn customer_support_url(mut self, url: impl Into<String>) -> Self {
        self.params.push(("customerSupportUrl", url.into()));
        self
    }

    /// The address to send the end user to.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the parameter that is not an `https://` URL, or `url`
    /// when the form's address is not one either.
    pub fn build(&self) -> Result<String, ValidationError> {
        if !self.base.starts_with("https://") && !self.base.starts_with("http://") {
            return Err(ValidationError::new(
                "url",
                "must be the web form's absolute URL",
            ));
        }
        let mut out = self.base.clone();
        for (name, value) in &self.params {
            https_url(name, value)?;
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(name);
            out.push('=');
            out.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        }
        Ok(out)
    }
}
