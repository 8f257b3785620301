//! [`WebFormClient`]: the Web Form 2.0 host, and the way to the user and admin operations.

use finapi_access_core::{
    AccessClient, ApiRequest, BaseUrl, Error, Operation, UserSession, path_segment,
};
use finapi_webform_types::ValidationError;
use http::Method;

use crate::admin::Admin;
use crate::error::WebFormErrors;
use crate::user::UserForms;

/// Where Web Form 2.0 runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebFormEnvironment {
    /// `https://webform-sandbox.finapi.io` (the spec's server).
    Sandbox,
    /// `https://webform-live.finapi.io` (not in the spec; finAPI's documented live host).
    Live,
    /// Another server, such as the emulator.
    Custom(BaseUrl),
}

impl WebFormEnvironment {
    /// The base URL.
    pub fn base_url(&self) -> BaseUrl {
        match self {
            Self::Sandbox => trusted("https://webform-sandbox.finapi.io"),
            Self::Live => trusted("https://webform-live.finapi.io"),
            Self::Custom(url) => url.clone(),
        }
    }
}

fn trusted(url: &str) -> BaseUrl {
    match BaseUrl::parse(url) {
        Ok(url) => url,
        Err(e) => unreachable!("a fixed host parses: {e}"),
    }
}

/// The Web Form 2.0 client: its host. Cheap to clone; holds no token (tokens come from the
/// session or the Access client handed to [`user`](Self::user) and [`admin`](Self::admin)).
#[derive(Debug, Clone)]
pub struct WebFormClient {
    base: BaseUrl,
}

impl WebFormClient {
    /// A client for `environment`.
    pub fn new(environment: WebFormEnvironment) -> Self {
        let base = match environment {
            WebFormEnvironment::Custom(url) => url,
            named => named.base_url(),
        };
        base.warn_if_insecure();
        Self { base }
    }

    /// A client for a custom base URL (`https://`, or `http://` on loopback).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `base_url` when the URL is refused.
    pub fn with_base_url(url: &str) -> Result<Self, Error> {
        let base =
            BaseUrl::parse(url).map_err(|e| Error::invalid_input(Operation::BUILD_CLIENT, e))?;
        Ok(Self { base })
    }

    /// The Web Form base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The web form and task operations, authorised with `session`'s user token.
    pub fn user<'a>(&'a self, session: &'a UserSession) -> UserForms<'a> {
        UserForms::new(self, session)
    }

    /// The profile and translation operations, authorised with the client token of
    /// `mandator_admin` (an Access client built with the mandator admin's credentials).
    pub fn admin<'a>(&'a self, mandator_admin: &'a AccessClient) -> Admin<'a> {
        Admin::new(self, mandator_admin)
    }

    /// A request to the Web Form host, with Web Form's error decoder.
    pub(crate) fn request(
        &self,
        operation: Operation,
        method: Method,
        path: &str,
    ) -> ApiRequest<()> {
        ApiRequest::new(operation, method, path)
            .base_url(self.base.clone())
            .error_decoder(&WebFormErrors)
    }

    /// A request for `{collection}/{id}`.
    pub(crate) fn by_id(
        &self,
        operation: Operation,
        method: Method,
        collection: &str,
        id: &str,
    ) -> ApiRequest<()> {
        let request = self.request(
            operation,
            method,
            &format!("{collection}/{}", path_segment(id)),
        );
        if id.is_empty() || id.len() > 36 {
            return request.refused(ValidationError::new(
                "id",
                "must be 1 to 36 characters (finAPI's ids have 36)",
            ));
        }
        request
    }
}

/// The operations' names (in errors and spans) and whether they may be retried.
pub mod operations {
    use finapi_access_core::Operation;

    /// `POST /api/webForms/bankConnectionImport`.
    pub const CREATE_BANK_CONNECTION_IMPORT: Operation =
        Operation::new("create bank connection import web form", false);
    /// `POST /api/webForms/bankConnectionUpdate` (deprecated).
    pub const CREATE_BANK_CONNECTION_UPDATE: Operation =
        Operation::new("create bank connection update web form", false);
    /// `POST /api/webForms/standalonePayment`.
    pub const CREATE_STANDALONE_PAYMENT: Operation =
        Operation::new("create standalone payment web form", false);
    /// `POST /api/webForms/paymentWithAccountId`.
    pub const CREATE_PAYMENT_WITH_ACCOUNT_ID: Operation =
        Operation::new("create payment with account id web form", false);
    /// `POST /api/webForms/directDebitWithAccountId`.
    pub const CREATE_DIRECT_DEBIT_WITH_ACCOUNT_ID: Operation =
        Operation::new("create direct debit with account id web form", false);
    /// `POST /api/webForms/standingOrder`.
    pub const CREATE_STANDING_ORDER: Operation =
        Operation::new("create standing order web form", false);
    /// `GET /api/webForms/{id}`.
    pub const GET_WEB_FORM: Operation = Operation::new("get web form", true);
    /// `GET /api/webForms`.
    pub const LIST_WEB_FORMS: Operation = Operation::new("list web forms", true);
    /// `DELETE /api/webForms/{id}`.
    pub const DELETE_WEB_FORM: Operation = Operation::new("delete web form", true);
    /// `POST /api/tasks/backgroundUpdate`.
    pub const CREATE_BACKGROUND_UPDATE: Operation =
        Operation::new("create background update task", false);
    /// `GET /api/tasks/{id}`.
    pub const GET_TASK: Operation = Operation::new("get task", true);
    /// `GET /api/tasks`.
    pub const LIST_TASKS: Operation = Operation::new("list tasks", true);
    /// `POST /api/profiles`.
    pub const CREATE_PROFILE: Operation = Operation::new("create profile", false);
    /// `GET /api/profiles/{id}`.
    pub const GET_PROFILE: Operation = Operation::new("get profile", true);
    /// `GET /api/profiles`.
    pub const LIST_PROFILES: Operation = Operation::new("list profiles", true);
    /// `PATCH /api/profiles/{id}`.
    pub const EDIT_PROFILE: Operation = Operation::new("edit profile", false);
    /// `DELETE /api/profiles/{id}`.
    pub const DELETE_PROFILE: Operation = Operation::new("delete profile", true);
    /// `POST /api/translations`.
    pub const CREATE_TRANSLATION: Operation = Operation::new("create translation", false);
    /// `GET /api/translations/{id}`.
    pub const GET_TRANSLATION: Operation = Operation::new("get translation", true);
    /// `GET /api/translations`.
    pub const LIST_TRANSLATIONS: Operation = Operation::new("list translations", true);
    /// `DELETE /api/translations/{id}`.
    pub const DELETE_TRANSLATION: Operation = Operation::new("delete translation", true);

    /// Every operation of the spec (21).
    pub const ALL: [Operation; 21] = [
        CREATE_BANK_CONNECTION_IMPORT,
        CREATE_BANK_CONNECTION_UPDATE,
        CREATE_STANDALONE_PAYMENT,
        CREATE_PAYMENT_WITH_ACCOUNT_ID,
        CREATE_DIRECT_DEBIT_WITH_ACCOUNT_ID,
        CREATE_STANDING_ORDER,
        GET_WEB_FORM,
        LIST_WEB_FORMS,
        DELETE_WEB_FORM,
        CREATE_BACKGROUND_UPDATE,
        GET_TASK,
        LIST_TASKS,
        CREATE_PROFILE,
        GET_PROFILE,
        LIST_PROFILES,
        EDIT_PROFILE,
        DELETE_PROFILE,
        CREATE_TRANSLATION,
        GET_TRANSLATION,
        LIST_TRANSLATIONS,
        DELETE_TRANSLATION,
    ];
}

/// Every item of a list, page after page from `query.page`, as a stream.
pub(crate) fn all_pages<'a, T: Send + 'a>(
    query: finapi_webform_types::ListQuery,
    page: impl Fn(
        finapi_webform_types::ListQuery,
    ) -> finapi_access_core::Call<'a, finapi_webform_types::Page<T>>
    + Send
    + Sync
    + 'a,
) -> futures_util::stream::BoxStream<'a, Result<T, Error>> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let page = std::sync::Arc::new(page);
    stream::try_unfold(Some(query), move |next| {
        let page = std::sync::Arc::clone(&page);
        async move {
            let Some(query) = next else {
                return Ok(None);
            };
            let current = page(query.clone()).await?.into_inner();
            let next = current
                .has_next()
                .then(|| query.page(current.paging.page + 1));
            Ok(Some((
                stream::iter(current.items.into_iter().map(Ok::<_, Error>)),
                next,
            )))
        }
    })
    .try_flatten()
    .boxed()
}

/// A list request with the query's parameters (checked first).
pub(crate) fn with_query(
    request: ApiRequest<()>,
    query: &finapi_webform_types::ListQuery,
    with_order: bool,
) -> ApiRequest<()> {
    request.checked_query(query.to_pairs(with_order), query.validate())
}

/// A request with a JSON body checked by `validate` first.
pub(crate) fn with_body<B: serde::Serialize>(
    request: ApiRequest<()>,
    body: &B,
    validate: impl FnOnce(&B) -> Result<(), ValidationError>,
) -> ApiRequest<()> {
    request.checked_json_body(body, validate(body))
}
