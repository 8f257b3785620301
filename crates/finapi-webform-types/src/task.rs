//! Background update tasks and their callbacks.

use std::collections::BTreeMap;

use finapi_access_types::{ValidationError, open_enum};
use serde::{Deserialize, Serialize};

use crate::check::{https_url, id36, length};
use crate::details::AccountType;
use crate::time::Timestamp;
use crate::webform::WebFormInfo;

open_enum!(
    /// What a task does.
    TaskType {
        /// Updates a bank connection.
        BankConnectionUpdate = "BANK_CONNECTION_UPDATE",
    }
);

open_enum!(
    /// Where a task stands.
    TaskStatus {
        /// Queued.
        NotYetStarted = "NOT_YET_STARTED",
        /// Running.
        InProgress = "IN_PROGRESS",
        /// The end user is needed: send them to `payload.webForm.url`.
        WebFormRequired = "WEB_FORM_REQUIRED",
        /// Done (final).
        Completed = "COMPLETED",
        /// Done with an error, see `payload.errorCode` (final).
        CompletedWithError = "COMPLETED_WITH_ERROR",
    }
);

impl TaskStatus {
    /// Whether the status is final.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::CompletedWithError)
    }
}

open_enum!(
    /// Why a task ended with an error.
    TaskErrorCode {
        /// The bank rejected the update.
        BankServerRejection = "BANK_SERVER_REJECTION",
        /// An internal error.
        InternalError = "INTERNAL_ERROR",
        /// The token became invalid.
        InvalidToken = "INVALID_TOKEN",
        /// finAPI Access answered unexpectedly.
        UnexpectedAccessResponse = "UNEXPECTED_ACCESS_RESPONSE",
    }
);

/// What a task is about and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskPayload {
    /// The bank connection being updated.
    pub bank_connection_id: i64,
    /// The web form the end user must complete, when the status is `WEB_FORM_REQUIRED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_form: Option<WebFormInfo>,
    /// Why it ended with an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<TaskErrorCode>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A background task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The id (36 characters).
    pub id: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// What it does.
    #[serde(rename = "type")]
    pub kind: TaskType,
    /// Where it stands.
    pub status: TaskStatus,
    /// What it is about.
    pub payload: TaskPayload,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The body finAPI POSTs to a task's `callbacks.finalised` (the task ended) or
/// `callbacks.webFormRequired` (the end user is needed). Unsigned, like every finAPI
/// callback: read the task by id before acting.
///
/// ```
/// use finapi_webform_types::{TaskCallback, TaskStatus};
/// let body = r#"{"taskId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","status":"WEB_FORM_REQUIRED",
///   "webForm":{"id":"2a3b4c5d-6e7f-8091-a2b3-c4d5e6f70819","url":"https://webform.finapi.io/wf/2a3b","status":"NOT_YET_OPENED"}}"#;
/// let callback: TaskCallback = serde_json::from_str(body).unwrap();
/// assert_eq!(callback.status, TaskStatus::WebFormRequired);
/// assert!(callback.web_form.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskCallback {
    /// The task's id: read it (`GET /api/tasks/{id}`) before acting.
    pub task_id: String,
    /// The status finAPI reported (a hint).
    pub status: TaskStatus,
    /// The web form, for `WEB_FORM_REQUIRED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_form: Option<WebFormInfo>,
}

/// Where finAPI posts about a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskCallbacks {
    /// When the task ends (`https://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalised: Option<String>,
    /// When the end user is needed (`https://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_form_required: Option<String>,
}

open_enum!(
    /// Saved settings an update may manage.
    ManageSavedSettings {
        /// The saved credentials.
        Credentials = "CREDENTIALS",
        /// The default two-step procedure.
        DefaultTwoStepProcedure = "DEFAULT_TWO_STEP_PROCEDURE",
    }
);

/// The end user's device, for the bank (all three, or none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMetadata {
    /// The IP address (at most 64 characters).
    pub ip_address: String,
    /// The device's operating system (at most 1,024 characters).
    pub device_os: String,
    /// The browser's user agent (at most 1,024 characters).
    pub user_agent: String,
}

/// `POST /api/tasks/backgroundUpdate`: update a bank connection in the background (a web form
/// only when the end user is needed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankConnectionUpdateTaskDetails {
    /// The bank connection to update.
    pub bank_connection_id: i64,
    /// Import accounts that are new at the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_new_accounts: Option<bool>,
    /// The account types to import, with `import_new_accounts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_types: Option<Vec<AccountType>>,
    /// Skip downloading transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_positions_download: Option<bool>,
    /// Download the account owners' data (web scraper only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_owner_data: Option<bool>,
    /// Saved settings the update may manage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_saved_settings: Option<Vec<ManageSavedSettings>>,
    /// Where finAPI posts about the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<TaskCallbacks>,
    /// A profile instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Where the end user lands after the bank's SCA, if a web form is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// The end user's device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<UserMetadata>,
}

impl BankConnectionUpdateTaskDetails {
    /// An update of bank connection `bank_connection_id`.
    pub fn new(bank_connection_id: i64) -> Self {
        Self {
            bank_connection_id,
            import_new_accounts: None,
            account_types: None,
            skip_positions_download: None,
            load_owner_data: None,
            manage_saved_settings: None,
            callbacks: None,
            profile_id: None,
            redirect_url: None,
            user_metadata: None,
        }
    }

    /// Checks the spec's rules.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(id) = &self.profile_id {
            id36("profileId", id)?;
        }
        if let Some(url) = &self.redirect_url {
            https_url("redirectUrl", url)?;
        }
        if let Some(callbacks) = &self.callbacks {
            if let Some(url) = &callbacks.finalised {
                https_url("callbacks.finalised", url)?;
            }
            if let Some(url) = &callbacks.web_form_required {
                https_url("callbacks.webFormRequired", url)?;
            }
        }
        if let Some(meta) = &self.user_metadata {
            length("userMetadata.ipAddress", &meta.ip_address, 0, 64)?;
            length("userMetadata.deviceOs", &meta.device_os, 0, 1024)?;
            length("userMetadata.userAgent", &meta.user_agent, 0, 1024)?;
        }
        Ok(())
    }
}
