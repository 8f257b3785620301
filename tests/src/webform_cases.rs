//! The Web Form 2.0 conformance suite: every operation of the spec, on each transport,
//! against two wiremock servers (finAPI Access for the tokens, Web Form 2.0 for the rest):
//! the exact request (method, path, query, bearer, body, also checked against the spec's
//! request schema), the answer decoded, every error status the spec declares turned into a
//! typed error, and no token request ever sent to the Web Form host.

use std::sync::Arc;
use std::time::Duration;

use finapi_access_core::types::{ClientSecret, Password, UserId};
use finapi_access_core::{AccessClient, ApiVersion, Error, Operation, UserSession};
use finapi_webform::types::{
    AccountRef, Amount, Bank, BankConnectionImportDetails, BankConnectionUpdateDetails,
    BankConnectionUpdateTaskDetails, Callbacks, Counterparty, Currency, Date, DirectDebitOrder,
    DirectDebitType, DirectDebitWithAccountDetails, Frequency, ListQuery, Payer, PaymentOrder,
    PaymentWithAccountDetails, ProfileDetails, SequenceType, SortOrder, StandalonePaymentDetails,
    StandingOrderDetails, TaskStatus, Title, Translation, TranslationDetails, WebFormStatus,
};
use finapi_webform::{WaitOptions, WebFormClient, WebFormErrorExt, operations as op};
use futures_util::TryStreamExt;
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::MakeTransport;
use crate::harness::{Echo, FormIs, assert_no_secrets, received};
use crate::webform_spec;

const USER_TOKEN: &str = "wf-user-TOKEN-1a2b3c";
const ADMIN_TOKEN: &str = "wf-admin-TOKEN-4d5e6f";
const ADMIN_ID: &str = "mandator-admin";
const ADMIN_SECRET: &str = "admin-s3cret&+=";
const USER_PASSWORD: &str = "alice-p&ss+1";
const FORM_ID: &str = "4d6a3f1e-1d2c-4b5a-9e8f-7a6b5c4d3e2f";
const TASK_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const PROFILE_ID: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const TRANSLATION_ID: &str = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d";

/// The two servers and the clients pointed at them.
#[derive(Debug)]
pub struct Ctx {
    /// finAPI Access (tokens).
    pub access: MockServer,
    /// Web Form 2.0.
    pub webform: MockServer,
    /// The Web Form client.
    pub client: WebFormClient,
    /// Alice's session (user token).
    pub session: UserSession,
    /// The mandator admin's Access client (client token).
    pub admin: AccessClient,
}

fn access_client(base: &str, make: MakeTransport, id: &str, secret: &str) -> AccessClient {
    AccessClient::builder()
        .base_url(base)
        .api_version(ApiVersion::V2)
        .credentials(id, ClientSecret::new(secret))
        .shared_transport(make())
        .build()
        .unwrap()
}

fn token(access: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access, "token_type": "bearer", "expires_in": 3600, "scope": "all"
    }))
}

/// Starts both servers; the Access one answers alice's password grant and the mandator
/// admin's client grant.
pub async fn setup(make: MakeTransport) -> Ctx {
    let access = MockServer::start().await;
    let webform = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(FormIs(vec![
            ("grant_type", "password".to_owned()),
            ("client_id", "app".to_owned()),
            ("client_secret", "app-secret".to_owned()),
            ("username", "alice".to_owned()),
            ("password", USER_PASSWORD.to_owned()),
        ]))
        .respond_with(token(USER_TOKEN))
        .mount(&access)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .and(FormIs(vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", ADMIN_ID.to_owned()),
            ("client_secret", ADMIN_SECRET.to_owned()),
        ]))
        .respond_with(token(ADMIN_TOKEN))
        .mount(&access)
        .await;
    let user_client = access_client(&access.uri(), make, "app", "app-secret");
    let session = user_client.user_session(
        UserId::new("alice").unwrap(),
        Password::new(USER_PASSWORD).unwrap(),
    );
    let admin = access_client(&access.uri(), make, ADMIN_ID, ADMIN_SECRET);
    let client = WebFormClient::with_base_url(&webform.uri()).unwrap();
    Ctx {
        access,
        webform,
        client,
        session,
        admin,
    }
}

fn web_form(kind: &str, status: &str) -> Value {
    json!({
        "id": FORM_ID,
        "url": format!("https://webform.finapi.io/wf/{FORM_ID}"),
        "createdAt": "2026-11-28T10:00:00.000+0000",
        "expiresAt": "2026-11-28T10:20:00.000+00:00",
        "type": kind,
        "status": status,
        "payload": {}
    })
}

fn task() -> Value {
    json!({
        "id": TASK_ID,
        "createdAt": "2026-11-28T10:00:00.000+0000",
        "type": "BANK_CONNECTION_UPDATE",
        "status": "NOT_YET_STARTED",
        "payload": {"bankConnectionId": 42}
    })
}

fn profile() -> Value {
    json!({"id": PROFILE_ID, "label": "Shop", "createdAt": "2026-11-28T10:00:00.000+0000", "default": true})
}

fn translation() -> Value {
    json!({"id": TRANSLATION_ID, "createdAt": "2026-11-28T10:00:00.000+0000", "en": {"errorView": {"title": "Oops"}}})
}

fn page(items: &[Value], page: i32, page_count: i32) -> Value {
    let n = items.len();
    json!({"items": items, "paging": {"page": page, "perPage": 2, "pageCount": page_count, "totalCount": n}})
}

fn eur(value: &str) -> Amount {
    Amount::parse(value, Currency::EUR).unwrap()
}

fn future_date() -> Date {
    Date::new(2099, 12, 31).unwrap()
}

fn recipient() -> Counterparty {
    Counterparty::new("DE89370400440532013000", "Ann Example")
}

/// Which token an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    User,
    Admin,
}

type Run = for<'c> fn(&'c Ctx) -> BoxFuture<'c, Result<String, Error>>;

/// One operation: the request it must send, the answer, and how the SDK is called.
struct Case {
    operation: Operation,
    method: &'static str,
    path: String,
    auth: Auth,
    query: Vec<(&'static str, &'static str)>,
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
    /// What the decoded answer must give back (its id, or "" for no body).
    decoded: &'static str,
    run: Run,
}

#[allow(deprecated)]
fn cases() -> Vec<Case> {
    let date = future_date().to_string();
    vec![
        Case {
            operation: op::CREATE_BANK_CONNECTION_IMPORT,
            method: "POST",
            path: "/api/webForms/bankConnectionImport".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({
                "bank": {"search": "DE89370400440532013000"},
                "bankConnectionName": "Main",
                "maxDaysForDownload": 90,
                "accountTypes": ["CHECKING", "SAVINGS"],
                "callbacks": {"finalised": "https://shop.example.com/cb?state=1"},
                "profileId": PROFILE_ID,
                "redirectUrl": "https://shop.example.com/done"
            })),
            status: 201,
            answer: Some(web_form("BANK_CONNECTION_IMPORT", "NOT_YET_OPENED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let details = BankConnectionImportDetails {
                        bank: Some(Bank::by_search("DE89370400440532013000")),
                        bank_connection_name: Some("Main".into()),
                        max_days_for_download: Some(90),
                        account_types: Some(vec![
                            finapi_webform::types::AccountType::Checking,
                            finapi_webform::types::AccountType::Savings,
                        ]),
                        callbacks: Some(Callbacks::finalised(
                            "https://shop.example.com/cb?state=1",
                        )),
                        profile_id: Some(PROFILE_ID.into()),
                        redirect_url: Some("https://shop.example.com/done".into()),
                        ..Default::default()
                    };
                    let form = c
                        .client
                        .user(&c.session)
                        .create_bank_connection_import(&details)
                        .await?;
                    assert_eq!(form.status(), http::StatusCode::CREATED);
                    assert_eq!(form.status, WebFormStatus::NotYetOpened);
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::CREATE_BANK_CONNECTION_UPDATE,
            method: "POST",
            path: "/api/webForms/bankConnectionUpdate".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({"bank": {"bankConnectionId": 42}, "importNewAccounts": true})),
            status: 201,
            answer: Some(web_form("BANK_CONNECTION_UPDATE", "NOT_YET_OPENED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let mut details = BankConnectionUpdateDetails::new(42);
                    details.import_new_accounts = Some(true);
                    let form = c
                        .client
                        .user(&c.session)
                        .create_bank_connection_update(&details)
                        .await?;
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::CREATE_STANDALONE_PAYMENT,
            method: "POST",
            path: "/api/webForms/standalonePayment".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({
                "orders": [{
                    "amount": {"value": "99.95", "currency": "EUR"},
                    "recipient": {"iban": "DE89370400440532013000", "name": "Ann Example", "bic": "COBADEFFXXX"},
                    "purpose": "Invoice 7",
                    "endToEndId": "E2E-7"
                }],
                "executionDate": date,
                "instantPayment": true
            })),
            status: 201,
            answer: Some(web_form("STANDALONE_PAYMENT", "NOT_YET_OPENED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let mut to = recipient();
                    to.bic = Some("COBADEFFXXX".into());
                    let mut order = PaymentOrder::new(eur("99.95"), to);
                    order.purpose = Some("Invoice 7".into());
                    order.end_to_end_id = Some("E2E-7".into());
                    let mut details = StandalonePaymentDetails::new(vec![order]);
                    details.execution_date = Some(future_date());
                    details.instant_payment = Some(true);
                    let form = c
                        .client
                        .user(&c.session)
                        .create_standalone_payment(&details)
                        .await?;
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::CREATE_PAYMENT_WITH_ACCOUNT_ID,
            method: "POST",
            path: "/api/webForms/paymentWithAccountId".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({
                "sender": {"accountId": 7},
                "orders": [{"amount": {"value": "0.10", "currency": "EUR"}, "recipient": {"iban": "DE89370400440532013000", "name": "Ann Example"}}]
            })),
            status: 201,
            answer: Some(web_form("PAYMENT_WITH_ACCOUNT_ID", "NOT_YET_OPENED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let details = PaymentWithAccountDetails::new(
                        7,
                        vec![PaymentOrder::new(eur("0.1"), recipient())],
                    );
                    let form = c
                        .client
                        .user(&c.session)
                        .create_payment_with_account_id(&details)
                        .await?;
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::CREATE_DIRECT_DEBIT_WITH_ACCOUNT_ID,
            method: "POST",
            path: "/api/webForms/directDebitWithAccountId".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({
                "receiver": {"accountId": 8},
                "orders": [{
                    "amount": {"value": "12.00", "currency": "EUR"},
                    "payer": {"iban": "DE89370400440532013000", "name": "Bob Payer"},
                    "mandateId": "M-1",
                    "mandateDate": "2024-01-15",
                    "creditorId": "DE98ZZZ09999999999"
                }],
                "executionDate": date,
                "directDebitType": "BASIC",
                "sequenceType": "OOFF"
            })),
            status: 201,
            answer: Some(web_form("DIRECT_DEBIT_WITH_ACCOUNT_ID", "NOT_YET_OPENED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let details = DirectDebitWithAccountDetails {
                        receiver: AccountRef { account_id: 8 },
                        orders: vec![DirectDebitOrder {
                            amount: eur("12"),
                            payer: Payer {
                                iban: "DE89370400440532013000".into(),
                                name: "Bob Payer".into(),
                                bic: None,
                                address: None,
                                country: None,
                            },
                            mandate_id: "M-1".into(),
                            mandate_date: Date::new(2024, 1, 15).unwrap(),
                            creditor_id: "DE98ZZZ09999999999".into(),
                            purpose: None,
                            sepa_purpose_code: None,
                            end_to_end_id: None,
                        }],
                        execution_date: future_date(),
                        direct_debit_type: DirectDebitType::Basic,
                        sequence_type: SequenceType::Ooff,
                        batch_booking_preferred: None,
                        profile_id: None,
                        redirect_url: None,
                        callbacks: None,
                    };
                    let form = c
                        .client
                        .user(&c.session)
                        .create_direct_debit_with_account_id(&details)
                        .await?;
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::CREATE_STANDING_ORDER,
            method: "POST",
            path: "/api/webForms/standingOrder".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({
                "amount": {"value": "25.00", "currency": "EUR"},
                "recipient": {"iban": "DE89370400440532013000", "name": "Ann Example"},
                "startDate": date,
                "frequency": "MONTHLY",
                "purpose": "Rent"
            })),
            status: 201,
            answer: Some(web_form("STANDING_ORDER", "NOT_YET_OPENED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let mut details = StandingOrderDetails::new(
                        eur("25"),
                        recipient(),
                        future_date(),
                        Frequency::Monthly,
                    );
                    details.purpose = Some("Rent".into());
                    let form = c
                        .client
                        .user(&c.session)
                        .create_standing_order(&details)
                        .await?;
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::GET_WEB_FORM,
            method: "GET",
            path: format!("/api/webForms/{FORM_ID}"),
            auth: Auth::User,
            query: vec![],
            body: None,
            status: 200,
            answer: Some(web_form("STANDING_ORDER", "COMPLETED")),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let form = c.client.user(&c.session).get_web_form(FORM_ID).await?;
                    assert!(form.status.is_final());
                    Ok(form.id.clone())
                })
            },
        },
        Case {
            operation: op::LIST_WEB_FORMS,
            method: "GET",
            path: "/api/webForms".into(),
            auth: Auth::User,
            query: vec![
                ("page", "2"),
                ("perPage", "50"),
                ("order", "createdAt,desc"),
            ],
            body: None,
            status: 200,
            answer: Some(page(&[web_form("STANDALONE_PAYMENT", "IN_PROGRESS")], 2, 2)),
            decoded: FORM_ID,
            run: |c| {
                Box::pin(async move {
                    let query = ListQuery::new()
                        .page(2)
                        .per_page(50)
                        .order(SortOrder::Descending);
                    let page = c.client.user(&c.session).list_web_forms(&query).await?;
                    Ok(page.items[0].id.clone())
                })
            },
        },
        Case {
            operation: op::DELETE_WEB_FORM,
            method: "DELETE",
            path: format!("/api/webForms/{FORM_ID}"),
            auth: Auth::User,
            query: vec![],
            body: None,
            status: 200,
            answer: None,
            decoded: "",
            run: |c| {
                Box::pin(async move {
                    c.client.user(&c.session).delete_web_form(FORM_ID).await?;
                    Ok(String::new())
                })
            },
        },
        Case {
            operation: op::CREATE_BACKGROUND_UPDATE,
            method: "POST",
            path: "/api/tasks/backgroundUpdate".into(),
            auth: Auth::User,
            query: vec![],
            body: Some(json!({
                "bankConnectionId": 42,
                "callbacks": {"finalised": "https://shop.example.com/task", "webFormRequired": "https://shop.example.com/needed"},
                "userMetadata": {"ipAddress": "203.0.113.7", "deviceOs": "Android 15", "userAgent": "Mozilla/5.0"}
            })),
            status: 201,
            answer: Some(task()),
            decoded: TASK_ID,
            run: |c| {
                Box::pin(async move {
                    let mut details = BankConnectionUpdateTaskDetails::new(42);
                    details.callbacks = Some(finapi_webform::types::TaskCallbacks {
                        finalised: Some("https://shop.example.com/task".into()),
                        web_form_required: Some("https://shop.example.com/needed".into()),
                    });
                    details.user_metadata = Some(finapi_webform::types::UserMetadata {
                        ip_address: "203.0.113.7".into(),
                        device_os: "Android 15".into(),
                        user_agent: "Mozilla/5.0".into(),
                    });
                    let task = c
                        .client
                        .user(&c.session)
                        .create_background_update_task(&details)
                        .await?;
                    assert_eq!(task.status, TaskStatus::NotYetStarted);
                    Ok(task.id.clone())
                })
            },
        },
        Case {
            operation: op::GET_TASK,
            method: "GET",
            path: format!("/api/tasks/{TASK_ID}"),
            auth: Auth::User,
            query: vec![],
            body: None,
            status: 200,
            answer: Some(task()),
            decoded: TASK_ID,
            run: |c| {
                Box::pin(async move {
                    Ok(c.client
                        .user(&c.session)
                        .get_task(TASK_ID)
                        .await?
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::LIST_TASKS,
            method: "GET",
            path: "/api/tasks".into(),
            auth: Auth::User,
            query: vec![("page", "1"), ("perPage", "20")],
            body: None,
            status: 200,
            answer: Some(page(&[task()], 1, 1)),
            decoded: TASK_ID,
            run: |c| {
                Box::pin(async move {
                    let page = c
                        .client
                        .user(&c.session)
                        .list_tasks(&ListQuery::new())
                        .await?;
                    Ok(page.items[0].id.clone())
                })
            },
        },
        Case {
            operation: op::CREATE_PROFILE,
            method: "POST",
            path: "/api/profiles".into(),
            auth: Auth::Admin,
            query: vec![],
            body: Some(json!({"label": "Shop", "default": true})),
            status: 201,
            answer: Some(profile()),
            decoded: PROFILE_ID,
            run: |c| {
                Box::pin(async move {
                    let details = ProfileDetails {
                        label: Some("Shop".into()),
                        default: Some(true),
                        ..Default::default()
                    };
                    Ok(c.client
                        .admin(&c.admin)
                        .create_profile(&details)
                        .await?
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::GET_PROFILE,
            method: "GET",
            path: format!("/api/profiles/{PROFILE_ID}"),
            auth: Auth::Admin,
            query: vec![],
            body: None,
            status: 200,
            answer: Some(profile()),
            decoded: PROFILE_ID,
            run: |c| {
                Box::pin(async move {
                    Ok(c.client
                        .admin(&c.admin)
                        .get_profile(PROFILE_ID)
                        .await?
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::LIST_PROFILES,
            method: "GET",
            path: "/api/profiles".into(),
            auth: Auth::Admin,
            query: vec![("page", "1"), ("perPage", "20"), ("order", "createdAt,asc")],
            body: None,
            status: 200,
            answer: Some(page(&[profile()], 1, 1)),
            decoded: PROFILE_ID,
            run: |c| {
                Box::pin(async move {
                    let query = ListQuery::new().order(SortOrder::Ascending);
                    Ok(
                        c.client.admin(&c.admin).list_profiles(&query).await?.items[0]
                            .id
                            .clone(),
                    )
                })
            },
        },
        Case {
            operation: op::EDIT_PROFILE,
            method: "PATCH",
            path: format!("/api/profiles/{PROFILE_ID}"),
            auth: Auth::Admin,
            query: vec![],
            body: Some(json!({"label": "Shop 2"})),
            status: 201,
            answer: Some(profile()),
            decoded: PROFILE_ID,
            run: |c| {
                Box::pin(async move {
                    let details = ProfileDetails {
                        label: Some("Shop 2".into()),
                        ..Default::default()
                    };
                    Ok(c.client
                        .admin(&c.admin)
                        .edit_profile(PROFILE_ID, &details)
                        .await?
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::DELETE_PROFILE,
            method: "DELETE",
            path: format!("/api/profiles/{PROFILE_ID}"),
            auth: Auth::Admin,
            query: vec![],
            body: None,
            status: 200,
            answer: None,
            decoded: "",
            run: |c| {
                Box::pin(async move {
                    c.client.admin(&c.admin).delete_profile(PROFILE_ID).await?;
                    Ok(String::new())
                })
            },
        },
        Case {
            operation: op::CREATE_TRANSLATION,
            method: "POST",
            path: "/api/translations".into(),
            auth: Auth::Admin,
            query: vec![],
            body: Some(json!({"en": {"errorView": {"title": "Oops"}}})),
            status: 201,
            answer: Some(translation()),
            decoded: TRANSLATION_ID,
            run: |c| {
                Box::pin(async move {
                    let details = TranslationDetails {
                        en: Some(Translation {
                            error_view: Some(Title {
                                title: "Oops".into(),
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    };
                    Ok(c.client
                        .admin(&c.admin)
                        .create_translation(&details)
                        .await?
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::GET_TRANSLATION,
            method: "GET",
            path: format!("/api/translations/{TRANSLATION_ID}"),
            auth: Auth::Admin,
            query: vec![],
            body: None,
            status: 200,
            answer: Some(translation()),
            decoded: TRANSLATION_ID,
            run: |c| {
                Box::pin(async move {
                    Ok(c.client
                        .admin(&c.admin)
                        .get_translation(TRANSLATION_ID)
                        .await?
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::LIST_TRANSLATIONS,
            method: "GET",
            path: "/api/translations".into(),
            auth: Auth::Admin,
            query: vec![("page", "1"), ("perPage", "20")],
            body: None,
            status: 200,
            answer: Some(page(&[translation()], 1, 1)),
            decoded: TRANSLATION_ID,
            run: |c| {
                Box::pin(async move {
                    // An order is never sent for translations, even when asked for.
                    let query = ListQuery::new().order(SortOrder::Descending);
                    Ok(c.client
                        .admin(&c.admin)
                        .list_translations(&query)
                        .await?
                        .items[0]
                        .id
                        .clone())
                })
            },
        },
        Case {
            operation: op::DELETE_TRANSLATION,
            method: "DELETE",
            path: format!("/api/translations/{TRANSLATION_ID}"),
            auth: Auth::Admin,
            query: vec![],
            body: None,
            status: 200,
            answer: None,
            decoded: "",
            run: |c| {
                Box::pin(async move {
                    c.client
                        .admin(&c.admin)
                        .delete_translation(TRANSLATION_ID)
                        .await?;
                    Ok(String::new())
                })
            },
        },
    ]
}

fn bearer(auth: Auth) -> String {
    match auth {
        Auth::User => format!("Bearer {USER_TOKEN}"),
        Auth::Admin => format!("Bearer {ADMIN_TOKEN}"),
    }
}

/// Every request the Web Form server received for `case`.
fn matching<'r>(requests: &'r [Request], case: &Case) -> Vec<&'r Request> {
    requests
        .iter()
        .filter(|r| r.method.as_str() == case.method && r.url.path() == case.path)
        .collect()
}

/// Every operation sends exactly the request the spec wants, with the right token, and its
/// answer decodes. 21 operations, checked one by one.
pub async fn every_operation_sends_the_exact_request_and_decodes_the_answer(make: MakeTransport) {
    let cases = cases();
    assert_eq!(
        cases.len(),
        op::ALL.len(),
        "one case per operation of the spec"
    );
    for case in &cases {
        assert!(op::ALL.contains(&case.operation));
        let c = setup(make).await;
        let mut mock = Mock::given(method(case.method))
            .and(path(case.path.as_str()))
            .and(header("authorization", bearer(case.auth).as_str()))
            .and(header("accept", "application/json"));
        for (name, value) in &case.query {
            mock = mock.and(query_param(*name, *value));
        }
        if let Some(body) = &case.body {
            mock = mock
                .and(header("content-type", "application/json"))
                .and(wiremock::matchers::body_json(body.clone()));
        }
        let mut template = ResponseTemplate::new(case.status);
        if let Some(answer) = &case.answer {
            template = template.set_body_json(answer.clone());
        }
        mock.respond_with(Echo(template))
            .expect(1)
            .mount(&c.webform)
            .await;
        let decoded = (case.run)(&c)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.operation));
        assert_eq!(decoded, case.decoded, "{}", case.operation);
        let requests = received(&c.webform).await;
        let sent = matching(&requests, case);
        assert_eq!(sent.len(), 1, "{}: {requests:?}", case.operation);
        let request = sent[0];
        // The query holds exactly the expected parameters.
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            query.len(),
            case.query.len(),
            "{}: {query:?}",
            case.operation
        );
        assert!(
            request.headers.get("x-request-id").is_some(),
            "{}",
            case.operation
        );
        // The request body conforms to the spec's schema (an independent check of the SDK's
        // own serialisation), and so does the answer used here.
        webform_spec::check_request(case.method, &case.path, &request.body)
            .unwrap_or_else(|e| panic!("{}: {e}", case.operation));
        let answer = case
            .answer
            .as_ref()
            .map(|a| serde_json::to_vec(a).unwrap())
            .unwrap_or_default();
        webform_spec::check_response(case.method, &case.path, case.status, &answer)
            .unwrap_or_else(|e| panic!("{}: the test's own answer: {e}", case.operation));
        // Tokens came from Access; nothing but the operation reached the Web Form host.
        assert!(
            requests.iter().all(|r| !r.url.path().contains("oauth")),
            "{}",
            case.operation
        );
        assert_eq!(requests.len(), 1, "{}", case.operation);
        let token_requests = received(&c.access).await;
        assert_eq!(
            token_requests.len(),
            1,
            "{}: one token fetch",
            case.operation
        );
    }
}

fn error_body(status: u16, path: &str, echoed_token: &str) -> Value {
    if status == 400 {
        return json!({
            "errors": [{"field": "bank.search", "message": "must not be blank"}, {"field": "redirectUrl", "message": "invalid"}],
            "timestamp": "2026-11-28T10:00:00.000+0000",
            "endpoint": format!("POST {path}")
        });
    }
    let code = match status {
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        422 => "ENTITY_EXISTS",
        423 => "LOCKED",
        _ => "INTERNAL_SERVER_ERROR",
    };
    json!({
        "code": code,
        "description": format!("status {status} for token {echoed_token}"),
        "timestamp": "2026-11-28T10:00:00.000+0000",
        "endpoint": format!("X {path}")
    })
}

/// Every error status the spec declares for every operation becomes a typed error: the
/// operation, the status, the request id, Web Form's code or field messages, one line,
/// nothing secret (the bodies here echo the tokens).
pub async fn every_declared_error_status_is_a_typed_error(make: MakeTransport) {
    let mut checked = 0;
    for case in cases() {
        let statuses = webform_spec::declared_error_statuses(case.method, &case.path);
        assert!(!statuses.is_empty(), "{}", case.operation);
        for status in statuses {
            let c = setup(make).await;
            let echoed = match case.auth {
                Auth::User => USER_TOKEN,
                Auth::Admin => ADMIN_TOKEN,
            };
            let body = error_body(status, &case.path, echoed);
            webform_spec::check_response(
                case.method,
                &case.path,
                status,
                &serde_json::to_vec(&body).unwrap(),
            )
            .unwrap_or_else(|e| panic!("the test's own error body: {e}"));
            Mock::given(method(case.method))
                .and(path(case.path.as_str()))
                .respond_with(
                    ResponseTemplate::new(status)
                        .set_body_json(body)
                        .insert_header("x-request-id", "wf-req-1"),
                )
                .mount(&c.webform)
                .await;
            let err = (case.run)(&c).await.expect_err(case.operation.as_str());
            let what = format!("{} {status}", case.operation);
            assert_eq!(err.operation(), case.operation, "{what}");
            assert_eq!(
                err.status().map(|s| s.as_u16()),
                Some(status),
                "{what}: {err}"
            );
            assert_eq!(
                err.request_id().map(|r| r.as_str()),
                Some("wf-req-1"),
                "{what}"
            );
            let body = err
                .webform_error()
                .unwrap_or_else(|| panic!("{what}: {err:?}"));
            if status == 400 {
                assert_eq!(body.field_errors().len(), 2, "{what}");
                assert_eq!(err.code(), Some("BAD_REQUEST"));
                assert!(
                    err.to_string().contains("bank.search: must not be blank"),
                    "{err}"
                );
            } else {
                assert!(body.error_code().is_some(), "{what}");
                assert_eq!(err.code(), body.error_code().map(|c| c.as_str()), "{what}");
            }
            let shown = format!("{err} | {err:?}");
            assert!(!err.to_string().contains('\n'), "{what}: one line");
            assert!(
                !shown.contains(USER_TOKEN) && !shown.contains(ADMIN_TOKEN),
                "{what}: {shown}"
            );
            assert_no_secrets(&what, &shown);
            checked += 1;
        }
    }
    assert!(checked >= 80, "{checked} statuses checked");
}

/// Bad input is refused before anything is sent, naming the field.
pub async fn invalid_input_is_refused_before_sending(make: MakeTransport) {
    let c = setup(make).await;
    let user = c.client.user(&c.session);
    let both = BankConnectionImportDetails {
        bank: Some(Bank {
            id: Some(1),
            search: Some("x".into()),
        }),
        ..Default::default()
    };
    let refused: Vec<(Error, &str)> = vec![
        (
            user.create_bank_connection_import(&both).await.unwrap_err(),
            "bank",
        ),
        (
            user.create_bank_connection_import(&BankConnectionImportDetails {
                redirect_url: Some("http://shop.example.com".into()),
                ..Default::default()
            })
            .await
            .unwrap_err(),
            "redirectUrl",
        ),
        (
            user.create_standalone_payment(&StandalonePaymentDetails::new(vec![
                PaymentOrder::new(eur("1"), Counterparty::new("", "Ann")),
            ]))
            .await
            .unwrap_err(),
            "orders[0].recipient.iban",
        ),
        (user.get_web_form("").await.unwrap_err(), "id"),
        (
            user.list_web_forms(&ListQuery::new().per_page(501))
                .await
                .unwrap_err(),
            "perPage",
        ),
        (
            c.client
                .admin(&c.admin)
                .edit_profile(PROFILE_ID, &ProfileDetails::default())
                .await
                .unwrap_err(),
            "body",
        ),
        (
            c.client
                .admin(&c.admin)
                .create_profile(&ProfileDetails {
                    label: Some("x".repeat(129)),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "label",
        ),
    ];
    for (err, field) in refused {
        let Error::InvalidInput(details) = &err else {
            panic!("{field}: {err:?}")
        };
        assert_eq!(details.error.field(), field, "{err}");
    }
    assert!(
        received(&c.webform).await.is_empty(),
        "nothing reached Web Form"
    );
    assert!(
        received(&c.access).await.is_empty(),
        "not even a token request"
    );
}

/// The list stream reads every page, and stops after the last.
pub async fn list_streams_read_every_page(make: MakeTransport) {
    let c = setup(make).await;
    for (n, status) in [(1, "COMPLETED"), (2, "ABORTED"), (3, "EXPIRED")] {
        let mut form = web_form("STANDALONE_PAYMENT", status);
        form["id"] = json!(format!("{}{n}", &FORM_ID[..35]));
        Mock::given(method("GET"))
            .and(path("/api/webForms"))
            .and(query_param("page", n.to_string()))
            .respond_with(Echo(ResponseTemplate::new(200).set_body_json(page(
                &[form],
                n,
                3,
            ))))
            .expect(1)
            .mount(&c.webform)
            .await;
    }
    let forms: Vec<_> = c
        .client
        .user(&c.session)
        .list_all_web_forms(ListQuery::new().per_page(1))
        .try_collect()
        .await
        .unwrap();
    let statuses: Vec<_> = forms.iter().map(|f| f.status.as_str().to_owned()).collect();
    assert_eq!(statuses, ["COMPLETED", "ABORTED", "EXPIRED"]);
}

/// A 401 from Web Form (its own `Error` shape) drops the user token, fetches a new one from
/// Access and sends the call once more.
pub async fn a_web_form_401_fetches_a_new_user_token_and_retries(make: MakeTransport) {
    let c = setup(make).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            401,
            "/api/webForms",
            USER_TOKEN,
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&c.webform)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(Echo(
            ResponseTemplate::new(200).set_body_json(web_form("STANDING_ORDER", "IN_PROGRESS")),
        ))
        .mount(&c.webform)
        .await;
    let form = c
        .client
        .user(&c.session)
        .get_web_form(FORM_ID)
        .await
        .unwrap();
    assert_eq!(form.status, WebFormStatus::InProgress);
    assert_eq!(
        received(&c.access).await.len(),
        2,
        "a second password grant after the 401"
    );
    assert_eq!(received(&c.webform).await.len(), 2);
}

/// Waiting polls until the form's status is final, pausing between reads; a deadline that
/// passes first gives the last read.
pub async fn waiting_polls_until_the_form_is_final(make: MakeTransport) {
    let c = setup(make).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(Echo(
            ResponseTemplate::new(200)
                .set_body_json(web_form("BANK_CONNECTION_IMPORT", "IN_PROGRESS")),
        ))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&c.webform)
        .await;
    let mut done = web_form("BANK_CONNECTION_IMPORT", "COMPLETED");
    done["payload"] = json!({"bankConnectionId": 77});
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(Echo(ResponseTemplate::new(200).set_body_json(done)))
        .mount(&c.webform)
        .await;
    let fast = WaitOptions::default()
        .deadline(Duration::from_secs(10))
        .backoff(Duration::from_millis(5), Duration::from_millis(20));
    let form = c
        .client
        .user(&c.session)
        .wait_for_final_status(FORM_ID, fast)
        .await
        .unwrap();
    assert_eq!(form.status, WebFormStatus::Completed);
    assert_eq!(form.payload.bank_connection_id, Some(77));
    assert_eq!(
        received(&c.webform).await.len(),
        3,
        "read until final, then stopped"
    );

    let c = setup(make).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/webForms/{FORM_ID}")))
        .respond_with(Echo(
            ResponseTemplate::new(200)
                .set_body_json(web_form("BANK_CONNECTION_IMPORT", "NOT_YET_OPENED")),
        ))
        .mount(&c.webform)
        .await;
    let short = WaitOptions::default()
        .deadline(Duration::from_millis(60))
        .backoff(Duration::from_millis(10), Duration::from_millis(10));
    let err = c
        .client
        .user(&c.session)
        .wait_for_final_status(FORM_ID, short)
        .await
        .unwrap_err();
    let finapi_webform::WaitError::TimedOut { last, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(last.status, WebFormStatus::NotYetOpened);
}

/// The shared client can be used from many tasks (compile-time: the calls are `Send`).
pub fn calls_are_send(c: &Arc<Ctx>) {
    fn is_send<T: Send>(_: &T) {}
    let user = c.client.user(&c.session);
    is_send(&user.get_web_form(FORM_ID));
    is_send(&user.list_all_web_forms(ListQuery::new()));
}
