//! The web form and task operations, with the end user's token.

use finapi_access_core::{Call, UserSession};
use finapi_webform_types::{
    BankConnectionImportDetails, BankConnectionUpdateDetails, BankConnectionUpdateTaskDetails,
    DirectDebitWithAccountDetails, ListQuery, Page, PaymentWithAccountDetails,
    StandalonePaymentDetails, StandingOrderDetails, Task, WebForm,
};
use futures_util::stream::BoxStream;
use http::Method;

use crate::Error;
use crate::client::{WebFormClient, all_pages, operations as op, with_body, with_query};

/// Web forms and tasks of one end user (their session's token). From
/// [`WebFormClient::user`].
#[derive(Debug, Clone, Copy)]
pub struct UserForms<'a> {
    client: &'a WebFormClient,
    session: &'a UserSession,
}

impl<'a> UserForms<'a> {
    pub(crate) fn new(client: &'a WebFormClient, session: &'a UserSession) -> Self {
        Self { client, session }
    }

    fn create<B: serde::Serialize>(
        &self,
        operation: finapi_access_core::Operation,
        path: &str,
        body: &B,
        validate: impl FnOnce(&B) -> Result<(), finapi_webform_types::ValidationError>,
    ) -> Call<'a, WebForm> {
        let request = self.client.request(operation, Method::POST, path);
        self.session
            .send(with_body(request, body, validate).json_response())
    }

    /// A web form where the end user imports a bank connection
    /// (`POST /api/webForms/bankConnectionImport`, 201). finAPI answers 422
    /// `BANK_NOT_SUPPORTED`, `BANK_NOT_UNIQUE`, `MANDATOR_MISCONFIGURATION` or
    /// `INVALID_REDIRECT_URL`, and 404 for an unknown profile.
    pub fn create_bank_connection_import(
        &self,
        details: &BankConnectionImportDetails,
    ) -> Call<'a, WebForm> {
        self.create(
            op::CREATE_BANK_CONNECTION_IMPORT,
            "/api/webForms/bankConnectionImport",
            details,
            BankConnectionImportDetails::validate,
        )
    }

    /// A web form where the end user updates a bank connection
    /// (`POST /api/webForms/bankConnectionUpdate`).
    #[deprecated(note = "finAPI deprecates this endpoint: use create_background_update_task")]
    pub fn create_bank_connection_update(
        &self,
        details: &BankConnectionUpdateDetails,
    ) -> Call<'a, WebForm> {
        self.create(
            op::CREATE_BANK_CONNECTION_UPDATE,
            "/api/webForms/bankConnectionUpdate",
            details,
            BankConnectionUpdateDetails::validate,
        )
    }

    /// A web form for credit transfers from any account (`POST /api/webForms/standalonePayment`).
    pub fn create_standalone_payment(
        &self,
        details: &StandalonePaymentDetails,
    ) -> Call<'a, WebForm> {
        self.create(
            op::CREATE_STANDALONE_PAYMENT,
            "/api/webForms/standalonePayment",
            details,
            StandalonePaymentDetails::validate,
        )
    }

    /// A web form for credit transfers from an account finAPI knows
    /// (`POST /api/webForms/paymentWithAccountId`).
    pub fn create_payment_with_account_id(
        &self,
        details: &PaymentWithAccountDetails,
    ) -> Call<'a, WebForm> {
        self.create(
            op::CREATE_PAYMENT_WITH_ACCOUNT_ID,
            "/api/webForms/paymentWithAccountId",
            details,
            PaymentWithAccountDetails::validate,
        )
    }

    /// A web form for direct debits to an account finAPI knows
    /// (`POST /api/webForms/directDebitWithAccountId`).
    pub fn create_direct_debit_with_account_id(
        &self,
        details: &DirectDebitWithAccountDetails,
    ) -> Call<'a, WebForm> {
        self.create(
            op::CREATE_DIRECT_DEBIT_WITH_ACCOUNT_ID,
            "/api/webForms/directDebitWithAccountId",
            details,
            DirectDebitWithAccountDetails::validate,
        )
    }

    /// A web form for a standing order (`POST /api/webForms/standingOrder`).
    pub fn create_standing_order(&self, details: &StandingOrderDetails) -> Call<'a, WebForm> {
        self.create(
            op::CREATE_STANDING_ORDER,
            "/api/webForms/standingOrder",
            details,
            StandingOrderDetails::validate,
        )
    }

    /// A web form by id (`GET /api/webForms/{id}`): read it after a callback, before
    /// trusting what the callback said.
    pub fn get_web_form(&self, id: &str) -> Call<'a, WebForm> {
        let request = self
            .client
            .by_id(op::GET_WEB_FORM, Method::GET, "/api/webForms", id);
        self.session.send(request.json_response())
    }

    /// One page of the user's web forms (`GET /api/webForms`).
    pub fn list_web_forms(&self, query: &ListQuery) -> Call<'a, Page<WebForm>> {
        let request = self
            .client
            .request(op::LIST_WEB_FORMS, Method::GET, "/api/webForms");
        self.session
            .send(with_query(request, query, true).json_response())
    }

    /// Every web form of the user, page after page, as a stream.
    pub fn list_all_web_forms(&self, query: ListQuery) -> BoxStream<'a, Result<WebForm, Error>> {
        let this = *self;
        all_pages(query, move |q| this.list_web_forms(&q))
    }

    /// Deletes a web form (`DELETE /api/webForms/{id}`, 200 without a body).
    pub fn delete_web_form(&self, id: &str) -> Call<'a, ()> {
        let request = self
            .client
            .by_id(op::DELETE_WEB_FORM, Method::DELETE, "/api/webForms", id);
        self.session.send(request)
    }

    /// Updates a bank connection in the background (`POST /api/tasks/backgroundUpdate`, 201);
    /// 423 `LOCKED` while the connection is busy.
    pub fn create_background_update_task(
        &self,
        details: &BankConnectionUpdateTaskDetails,
    ) -> Call<'a, Task> {
        let request = self.client.request(
            op::CREATE_BACKGROUND_UPDATE,
            Method::POST,
            "/api/tasks/backgroundUpdate",
        );
        self.session.send(
            with_body(request, details, BankConnectionUpdateTaskDetails::validate).json_response(),
        )
    }

    /// A task by id (`GET /api/tasks/{id}`).
    pub fn get_task(&self, id: &str) -> Call<'a, Task> {
        let request = self
            .client
            .by_id(op::GET_TASK, Method::GET, "/api/tasks", id);
        self.session.send(request.json_response())
    }

    /// One page of the user's tasks (`GET /api/tasks`).
    pub fn list_tasks(&self, query: &ListQuery) -> Call<'a, Page<Task>> {
        let request = self
            .client
            .request(op::LIST_TASKS, Method::GET, "/api/tasks");
        self.session
            .send(with_query(request, query, true).json_response())
    }

    /// Every task of the user, page after page, as a stream.
    pub fn list_all_tasks(&self, query: ListQuery) -> BoxStream<'a, Result<Task, Error>> {
        let this = *self;
        all_pages(query, move |q| this.list_tasks(&q))
    }

    /// The session these calls use.
    pub fn session(&self) -> &'a UserSession {
        self.session
    }
}
