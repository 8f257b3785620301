//! Web forms as finAPI returns them, pages, and the callback finAPI posts when one ends.

use std::collections::BTreeMap;

use finapi_access_types::open_enum;
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

open_enum!(
    /// What a web form is for.
    WebFormType {
        /// Importing a bank connection.
        BankConnectionImport = "BANK_CONNECTION_IMPORT",
        /// Updating a bank connection (deprecated endpoint, or a task's form).
        BankConnectionUpdate = "BANK_CONNECTION_UPDATE",
        /// A payment from an account finAPI knows.
        PaymentWithAccountId = "PAYMENT_WITH_ACCOUNT_ID",
        /// A payment from any account.
        StandalonePayment = "STANDALONE_PAYMENT",
        /// A standing order.
        StandingOrder = "STANDING_ORDER",
        /// A direct debit to an account finAPI knows.
        DirectDebitWithAccountId = "DIRECT_DEBIT_WITH_ACCOUNT_ID",
    }
);

open_enum!(
    /// Where a web form stands. [`is_final`](Self::is_final) says whether it will change again.
    WebFormStatus {
        /// Created; the end user has not opened it.
        NotYetOpened = "NOT_YET_OPENED",
        /// The end user opened it.
        InProgress = "IN_PROGRESS",
        /// Finished successfully (final).
        Completed = "COMPLETED",
        /// Finished with an error, see `payload.errorCode` (final).
        CompletedWithError = "COMPLETED_WITH_ERROR",
        /// Not finished in time (final).
        Expired = "EXPIRED",
        /// The end user cancelled (final).
        Aborted = "ABORTED",
    }
);

impl WebFormStatus {
    /// Whether the status is final. An unknown status counts as final only if finAPI
    /// documents it so later; here it is not (a poller keeps polling until its deadline).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::CompletedWithError | Self::Expired | Self::Aborted
        )
    }
}

open_enum!(
    /// Why a web form ended with an error (`payload.errorCode`). finAPI says the list may
    /// grow: new codes arrive as `Unknown`.
    WebFormErrorCode {
        /// The bank connection exists already.
        EntityExists = "ENTITY_EXISTS",
        /// The bank ended the flow (for example wrong credentials).
        BankServerRejection = "BANK_SERVER_REJECTION",
        /// Reloaded or re-opened at a step that does not allow it.
        Interrupted = "INTERRUPTED",
        /// The token expired or became invalid during the flow.
        InvalidToken = "INVALID_TOKEN",
        /// The mandator is not set up for Web Form 2.0.
        MandatorMisconfiguration = "MANDATOR_MISCONFIGURATION",
        /// No accounts of the requested types.
        NoAccountsForTypeList = "NO_ACCOUNTS_FOR_TYPE_LIST",
        /// The bank search gave no bank, or several.
        UndeterminedBank = "UNDETERMINED_BANK",
        /// finAPI Access answered unexpectedly (contact finAPI support).
        UnexpectedAccessResponse = "UNEXPECTED_ACCESS_RESPONSE",
        /// An internal error (contact finAPI support).
        InternalError = "INTERNAL_ERROR",
        /// The bank does not support a requested feature.
        UnsupportedFeature = "UNSUPPORTED_FEATURE",
        /// The account does not support the order.
        UnsupportedOrder = "UNSUPPORTED_ORDER",
    }
);

/// What a finished web form produced: the finAPI Access id of the bank connection, payment
/// or standing order (at most one, set once the form is final), or the error code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Payload {
    /// The imported or updated bank connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_connection_id: Option<i64>,
    /// The payment (or direct debit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<i64>,
    /// The standing order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing_order_id: Option<i64>,
    /// Why it ended with an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<WebFormErrorCode>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A web form: where to send the end user (`url`) and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebForm {
    /// The id (36 characters).
    pub id: String,
    /// The page to send the end user to (host included). Add redirect parameters with
    /// [`WebFormUrl`](crate::WebFormUrl).
    pub url: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
    /// What it is for.
    #[serde(rename = "type")]
    pub kind: WebFormType,
    /// Where it stands.
    pub status: WebFormStatus,
    /// What it produced.
    pub payload: Payload,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A web form as a task refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebFormInfo {
    /// The id.
    pub id: String,
    /// The page to send the end user to.
    pub url: String,
    /// Where it stands.
    pub status: WebFormStatus,
}

/// A page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Paging {
    /// This page (from 1).
    pub page: i32,
    /// Items per page.
    pub per_page: i32,
    /// How many pages there are.
    pub page_count: i32,
    /// How many items there are.
    pub total_count: i32,
}

/// One page of items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where this page stands.
    pub paging: Paging,
}

impl<T> Page<T> {
    /// Whether another page follows.
    pub fn has_next(&self) -> bool {
        self.paging.page < self.paging.page_count && !self.items.is_empty()
    }
}

/// The body finAPI POSTs to `callbacks.finalised` when a web form is completed (with or
/// without an error) or aborted.
///
/// **Callbacks are not signed.** Anyone who learns the URL can post one. Treat it as a hint:
/// read the web form by id with your user's token and act on what finAPI says, not on the
/// callback's `status`. Put an unguessable value of your own in the callback URL's query to
/// tell your callbacks from noise.
///
/// ```
/// use finapi_webform_types::{WebFormCompletedCallback, WebFormStatus};
/// let body = r#"{"webFormId":"2a3b4c5d-6e7f-8091-a2b3-c4d5e6f70819","status":"COMPLETED"}"#;
/// let callback: WebFormCompletedCallback = serde_json::from_str(body).unwrap();
/// assert_eq!(callback.status, WebFormStatus::Completed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebFormCompletedCallback {
    /// The web form's id: read it (`GET /api/webForms/{id}`) before acting.
    pub web_form_id: String,
    /// The status finAPI reported (a hint; re-read the form).
    pub status: WebFormStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_decodes_with_unknown_values_kept() {
        let body = r#"{
            "id": "4d6a3f1e-1d2c-4b5a-9e8f-7a6b5c4d3e2f",
            "url": "https://webform.finapi.io/wf/4d6a3f1e-1d2c-4b5a-9e8f-7a6b5c4d3e2f",
            "createdAt": "2024-10-04T13:48:59.194+0000",
            "expiresAt": "2024-10-04T14:08:59.194+00:00",
            "type": "BANK_CONNECTION_IMPORT",
            "status": "SOMETHING_NEW",
            "payload": {"bankConnectionId": 42, "errorCode": "A_NEW_CODE", "extra": true},
            "futureField": {"a": 1}
        }"#;
        let form: WebForm = serde_json::from_str(body).unwrap();
        assert_eq!(form.kind, WebFormType::BankConnectionImport);
        assert_eq!(form.status, WebFormStatus::Unknown("SOMETHING_NEW".into()));
        assert!(!form.status.is_final());
        assert_eq!(form.payload.bank_connection_id, Some(42));
        assert_eq!(
            form.payload.error_code,
            Some(WebFormErrorCode::Unknown("A_NEW_CODE".into()))
        );
        assert_eq!(form.payload.other["extra"], serde_json::json!(true));
        assert_eq!(form.other["futureField"], serde_json::json!({"a": 1}));
        assert_eq!(
            form.expires_at.unix_millis() - form.created_at.unix_millis(),
            1_200_000
        );
        let again: WebForm = serde_json::from_str(&serde_json::to_string(&form).unwrap()).unwrap();
        assert_eq!(again, form);
    }

    #[test]
    fn final_statuses() {
        for (status, is_final) in [
            ("NOT_YET_OPENED", false),
            ("IN_PROGRESS", false),
            ("COMPLETED", true),
            ("COMPLETED_WITH_ERROR", true),
            ("EXPIRED", true),
            ("ABORTED", true),
        ] {
            assert_eq!(WebFormStatus::from(status).is_final(), is_final, "{status}");
        }
    }
}
