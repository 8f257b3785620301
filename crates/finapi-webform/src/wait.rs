//! Waiting for the end user: poll a web form until it is final.

use std::time::{Duration, Instant};

use finapi_access_core::Error;
use finapi_webform_types::WebForm;

use crate::user::UserForms;

/// How [`UserForms::wait_for_final_status`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// How long to wait in all (default 20 minutes, a web form's usual life).
    pub deadline: Duration,
    /// The first pause between reads (default 2 s), doubled after each read ...
    pub first_delay: Duration,
    /// ... up to this (default 30 s).
    pub max_delay: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(20 * 60),
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl WaitOptions {
    /// Waits at most `deadline`.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Pauses from `first` (doubling) up to `max` between reads.
    #[must_use]
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max.max(first);
        self
    }
}

/// Why waiting ended without a final status.
#[derive(Debug)]
pub enum WaitError {
    /// A read failed (after the pipeline's own retries).
    Call(Error),
    /// The deadline passed; the form as last read.
    TimedOut {
        /// The last read.
        last: Box<WebForm>,
        /// How long was waited.
        waited: Duration,
    },
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Call(e) => write!(f, "waiting for the web form failed: {e}"),
            Self::TimedOut { last, waited } => write!(
                f,
                "web form {} is still {} after {} s",
                last.id,
                last.status,
                waited.as_secs()
            ),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Call(e) => Some(e),
            Self::TimedOut { .. } => None,
        }
    }
}

impl From<Error> for WaitError {
    fn from(error: Error) -> Self {
        Self::Call(error)
    }
}

impl UserForms<'_> {
    /// Reads the web form until its status is final (`COMPLETED`, `COMPLETED_WITH_ERROR`,
    /// `EXPIRED`, `ABORTED`), pausing between reads with a growing delay, for services that
    /// cannot receive callbacks. Waits on the Access client's timer.
    ///
    /// # Errors
    ///
    /// [`WaitError::Call`] when a read fails (or the client has no timer);
    /// [`WaitError::TimedOut`] with the last read when the deadline passes first.
    pub async fn wait_for_final_status(
        &self,
        id: &str,
        options: WaitOptions,
    ) -> Result<WebForm, WaitError> {
        let Some(timer) = self.session().client().timer().cloned() else {
            return Err(WaitError::Call(Error::invalid_input(
                crate::operations::GET_WEB_FORM,
                finapi_webform_types::ValidationError::new(
                    "timer",
                    "the Access client has none: build it with the `tokio` feature or .sleep(..)",
                ),
            )));
        };
        let started = Instant::now();
        let mut delay = options.first_delay;
        loop {
            let form = self.get_web_form(id).await?.into_inner();
            if form.status.is_final() {
                return Ok(form);
            }
            let waited = started.elapsed();
            let left = options.deadline.saturating_sub(waited);
            if left.is_zero() {
                return Err(WaitError::TimedOut {
                    last: Box::new(form),
                    waited,
                });
            }
            timer.sleep(delay.min(left)).await;
            delay = (delay * 2).min(options.max_delay);
        }
    }
}
