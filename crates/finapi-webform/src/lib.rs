//! # finapi-webform
//!
//! A typed client for finAPI Web Form 2.0 (spec 2.430.0): the six web form creations, get,
//! list (a page, or a stream over all pages) and delete; background update tasks; profiles
//! and translations; polling a web form until the end user is done. Built on
//! `finapi-access-core`'s pipeline, so every call gets the cached token (refreshed, 401 →
//! new token → once more), `X-Request-Id`, retries, deadlines, typed errors with the request
//! id and nothing secret printed, on whichever transport the Access client uses.
//!
//! **The right token, by construction.** Web forms and tasks take a [`UserSession`] (the end
//! user's token); profiles and translations take the mandator admin's [`AccessClient`] (its
//! client token). Web Form 2.0 has no token endpoint: tokens come from finAPI Access, and no
//! token request is ever sent to the Web Form host.
//!
//! ```no_run
//! # async fn run(access: finapi_access_core::AccessClient) -> Result<(), Box<dyn std::error::Error>> {
//! use finapi_access_core::types::{Password, UserId};
//! use finapi_webform::{WebFormClient, WebFormEnvironment};
//! use finapi_webform::types::{Bank, BankConnectionImportDetails, WebFormUrl};
//!
//! let webforms = WebFormClient::new(WebFormEnvironment::Sandbox);
//! let session = access.user_session(UserId::new("alice")?, Password::new("correct horse")?);
//! let form = webforms
//!     .user(&session)
//!     .create_bank_connection_import(&BankConnectionImportDetails {
//!         bank: Some(Bank::by_search("DE89370400440532013000")),
//!         ..Default::default()
//!     })
//!     .await?;
//! // Send the end user here:
//! let page = WebFormUrl::new(&form.url).redirect_url("https://shop.example.com/done").build()?;
//! println!("{page} (request id {})", form.request_id());
//! # Ok(()) }
//! ```
//!
//! Errors are `finapi_access_core::Error`s; Web Form's own error bodies arrive as
//! `Error::Service`, readable with [`WebFormErrorExt::webform_error`].

#![forbid(unsafe_code)]

mod admin;
mod client;
mod error;
mod user;
mod wait;

pub use admin::Admin;
pub use client::{WebFormClient, WebFormEnvironment, operations};
pub use error::{WebFormError, WebFormErrorExt, WebFormErrors};
pub use user::UserForms;
pub use wait::{WaitError, WaitOptions};

/// The Web Form 2.0 models, re-exported.
pub use finapi_webform_types as types;

#[doc(no_inline)]
pub use finapi_access_core::{AccessClient, Error, UserSession};
