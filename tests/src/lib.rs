//! The conformance suite of finapi-access: every case is written once in [`cases`] and run
//! against each transport adapter by `tests/conformance.rs`, so the test list shows each case
//! once per adapter (`reqwest::client_token_sends_form_body`,
//! `hyper::client_token_sends_form_body`, ...).

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

/// The README's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The emulator guide's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../../docs/emulator.md")]
pub struct EmulatorGuideDoctests;

/// The getting-started guide's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../../docs/getting-started.md")]
pub struct GettingStartedDoctests;

/// The transport guide's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../../docs/transports.md")]
pub struct TransportsDoctests;

/// The guide to calling any endpoint compiles.
#[cfg(doctest)]
#[doc = include_str!("../../docs/calling-any-endpoint.md")]
pub struct CallingAnyEndpointDoctests;

/// The guide on what to store per end user compiles.
#[cfg(doctest)]
#[doc = include_str!("../../docs/storing-users.md")]
pub struct StoringUsersDoctests;

/// The bad-day guide's example compiles.
#[cfg(doctest)]
#[doc = include_str!("../../docs/bad-day.md")]
pub struct BadDayDoctests;

/// The Web Form guide's examples compile.
#[cfg(doctest)]
#[doc = include_str!("../../docs/webform.md")]
pub struct WebFormGuideDoctests;

pub mod bad_day_cases;
pub mod cases;
pub mod emulator_cases;
pub mod emulator_webform_cases;
pub mod harness;
pub mod hostile;
pub mod lifecycle_cases;
pub mod mandator_cases;
pub mod resilience_cases;
pub mod spec;
pub mod users_cases;
pub mod webform_cases;
pub mod webform_spec;

use std::sync::Arc;

use finapi_access_core::Transport;

/// Makes a fresh transport for one test.
pub type MakeTransport = fn() -> Arc<dyn Transport>;

/// The reqwest adapter with its default settings.
pub fn reqwest_transport() -> Arc<dyn Transport> {
    Arc::new(finapi_access_reqwest::ReqwestTransport::new().unwrap())
}

/// The hyper adapter with its default settings.
pub fn hyper_transport() -> Arc<dyn Transport> {
    Arc::new(finapi_access_hyper::HyperTransport::new().unwrap())
}
