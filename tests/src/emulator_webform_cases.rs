//! Web Form 2.0 on the emulator, end to end through the SDK on each transport: every
//! response checked against the Web Form spec (and every request body against its request
//! schema) by the spec-checking transport.

use std::time::Duration;

use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_core::{AccessClient, ApiRequest, ApiVersion, Error, Operation, UserSession};
use finapi_access_emulator::{EmulatorConfig, Licence};
use finapi_webform::types::{
    Amount, Bank, BankConnectionImportDetails, BankConnectionUpdateTaskDetails, Callbacks,
    Counterparty, Currency, Date, Frequency, ListQuery, PaymentOrder, ProfileDetails,
    StandalonePaymentDetails, StandingOrderDetails, TaskStatus, Title, Translation,
    TranslationDetails, WebFormErrorCode, WebFormStatus,
};
use finapi_webform::{WebFormClient, WebFormErrorExt, WebFormErrors};
use futures_util::TryStreamExt;
use http::Method;
use serde_json::{Value, json};

use crate::MakeTransport;
use crate::emulator_cases::{EmulatorSetup, start};

struct World {
    s: EmulatorSetup,
    client: AccessClient,
    session: UserSession,
    webforms: WebFormClient,
}

async fn world(make: MakeTransport, config: EmulatorConfig) -> World {
    let s = start(make, config).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let webforms = WebFormClient::with_base_url(s.emulator.webform_base_url()).unwrap();
    World {
        s,
        client,
        session,
        webforms,
    }
}

fn import(search: &str) -> BankConnectionImportDetails {
    BankConnectionImportDetails {
        bank: Some(Bank::by_search(search)),
        ..Default::default()
    }
}

const GET_CONNECTION: Operation = Operation::new("get bank connection", true);

/// A web form created, completed (as the end user would), read back, and its bank
/// connection read from Access on both paths.
pub async fn a_completed_import_leaves_a_bank_connection_in_access(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let user = w.webforms.user(&w.session);
    let form = user
        .create_bank_connection_import(&import("finAPI Test Bank"))
        .await
        .unwrap();
    assert_eq!(form.status, WebFormStatus::NotYetOpened);
    assert!(
        form.url
            .starts_with(&format!("{}/wf/", w.s.emulator.base_url())),
        "{}",
        form.url
    );
    assert!(form.expires_at > form.created_at);
    w.s.emulator.complete_web_form(&form.id).unwrap();
    let done = user.get_web_form(&form.id).await.unwrap();
    assert_eq!(done.status, WebFormStatus::Completed);
    let connection = done
        .payload
        .bank_connection_id
        .expect("a bank connection id");
    for version in ["v1", "v2"] {
        let read = w
            .session
            .send(
                ApiRequest::new(
                    GET_CONNECTION,
                    Method::GET,
                    format!("/api/{version}/bankConnections/{connection}"),
                )
                .json_response::<Value>(),
            )
            .await
            .unwrap();
        assert_eq!(read["id"], json!(connection), "{version}");
        assert_eq!(read["bank"]["name"], "finAPI Test Bank", "{version}");
    }
    // Another user cannot read it.
    let other = w.client.create_user(UserCreateParams::new()).await.unwrap();
    let other = w
        .client
        .user_session(other.id.clone(), other.password.clone());
    let err = other
        .send(ApiRequest::new(
            GET_CONNECTION,
            Method::GET,
            format!("/api/v2/bankConnections/{connection}"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
}

/// Error, abort and expiry outcomes, with what finAPI puts in the payload; lists and
/// streams see them.
pub async fn errors_aborts_and_expiry(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let user = w.webforms.user(&w.session);
    let failed = user
        .create_bank_connection_import(&import("TESTDE00XXX"))
        .await
        .unwrap();
    let aborted = user
        .create_bank_connection_import(&BankConnectionImportDetails::default())
        .await
        .unwrap();
    let expiring = user
        .create_bank_connection_import(&import("00000000"))
        .await
        .unwrap();
    w.s.emulator
        .fail_web_form(&failed.id, "UNDETERMINED_BANK")
        .unwrap();
    w.s.emulator.abort_web_form(&aborted.id).unwrap();
    assert!(
        w.s.emulator.abort_web_form(&aborted.id).is_err(),
        "final already"
    );
    w.s.emulator.advance_clock(Duration::from_secs(21 * 60));
    let failed = user.get_web_form(&failed.id).await.unwrap();
    assert_eq!(failed.status, WebFormStatus::CompletedWithError);
    assert_eq!(
        failed.payload.error_code,
        Some(WebFormErrorCode::UndeterminedBank)
    );
    assert_eq!(
        user.get_web_form(&aborted.id).await.unwrap().status,
        WebFormStatus::Aborted
    );
    let expired = user.get_web_form(&expiring.id).await.unwrap();
    assert_eq!(expired.status, WebFormStatus::Expired);
    assert_eq!(expired.payload.bank_connection_id, None);
    let all: Vec<_> = user
        .list_all_web_forms(ListQuery::new().per_page(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|f| f.status.is_final()));
    user.delete_web_form(&expiring.id).await.unwrap();
    let err = user.get_web_form(&expiring.id).await.unwrap_err();
    assert_eq!(err.code(), Some("NOT_FOUND"));
}

/// The catalogue's search rules and the licence rule for the body's `redirectUrl`.
pub async fn bank_search_and_licence_rules(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let user = w.webforms.user(&w.session);
    for (search, code) in [
        ("Munich", "BANK_NOT_UNIQUE"),
        ("finAPI Test", "BANK_NOT_UNIQUE"),
        ("Unsupported", "BANK_NOT_SUPPORTED"),
        ("nothing like it", "BANK_NOT_SUPPORTED"),
    ] {
        let err = user
            .create_bank_connection_import(&import(search))
            .await
            .unwrap_err();
        assert_eq!(
            err.status(),
            Some(http::StatusCode::UNPROCESSABLE_ENTITY),
            "{search}"
        );
        assert_eq!(err.code(), Some(code), "{search}");
    }
    let by_id = BankConnectionImportDetails {
        bank: Some(Bank::by_id(999_999)),
        ..Default::default()
    };
    assert_eq!(
        user.create_bank_connection_import(&by_id)
            .await
            .unwrap_err()
            .code(),
        Some("BANK_NOT_SUPPORTED")
    );
    for term in ["DE89 0000 0000 0532 0130 00", "277672", "finapi test bank"] {
        user.create_bank_connection_import(&import(term))
            .await
            .unwrap_or_else(|e| panic!("{term}: {e}"));
    }
    // Unlicensed (the default): a redirectUrl is refused.
    let with_redirect = BankConnectionImportDetails {
        redirect_url: Some("https://shop.example.com/done".into()),
        ..Default::default()
    };
    let err = user
        .create_bank_connection_import(&with_redirect)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("INVALID_REDIRECT_URL"));

    let licensed = world(make, EmulatorConfig::default().licence(Licence::Aisp)).await;
    let user = licensed.webforms.user(&licensed.session);
    user.create_bank_connection_import(&with_redirect)
        .await
        .unwrap();
    let err = user
        .create_bank_connection_import(&BankConnectionImportDetails::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("INVALID_REDIRECT_URL"),
        "required for AISP imports"
    );
    let payment = StandalonePaymentDetails::new(vec![PaymentOrder::new(
        Amount::parse("10", Currency::EUR).unwrap(),
        Counterparty::new("DE89370400440532013000", "Ann"),
    )]);
    user.create_standalone_payment(&payment).await.unwrap();
}

/// The emulator's rules are the spec's, not the SDK's: a body the SDK would refuse, sent
/// through the generic pipeline, gets finAPI's `ValidationError` naming the fields.
pub async fn the_emulator_checks_requests_on_its_own(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    const CREATE: Operation = Operation::new("create import (raw)", false);
    let request = ApiRequest::new(CREATE, Method::POST, "/api/webForms/bankConnectionImport")
        .json_body(&json!({"bankConnectionName": "", "profileId": "short", "callbacks": {"finalised": "ftp://x"}}))
        .error_decoder(&WebFormErrors);
    // Straight to the emulator's transport: this body breaks the spec on purpose, so the
    // request checker is bypassed here.
    let raw_client = AccessClient::builder()
        .base_url(w.s.emulator.base_url())
        .credentials(
            w.s.emulator.client_id(),
            ClientSecret::new(w.s.emulator.client_secret()),
        )
        .shared_transport(make())
        .build()
        .unwrap();
    let user = raw_client
        .create_user(UserCreateParams::new())
        .await
        .unwrap();
    let session = raw_client.user_session(user.id.clone(), user.password.clone());
    let err = session.send(request).await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
    let fields: Vec<_> = err
        .webform_error()
        .unwrap()
        .field_errors()
        .iter()
        .map(|f| f.field.clone())
        .collect();
    assert_eq!(
        fields,
        ["bankConnectionName", "profileId", "callbacks.finalised"]
    );
    // A user token on an admin endpoint: 403, the spec's "Incorrect authorization role".
    let err = w
        .webforms
        .admin(&w.client)
        .list_profiles(&ListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::FORBIDDEN), "{err}");
}

/// Profiles and translations with the mandator admin's token.
pub async fn profiles_and_translations_with_the_admin_token(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let admin_client = w.s.client_with(
        ApiVersion::V2,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
    );
    let admin = w.webforms.admin(&admin_client);
    let shop = admin
        .create_profile(&ProfileDetails {
            label: Some("Shop".into()),
            default: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(shop.default);
    let again = admin
        .create_profile(&ProfileDetails {
            label: Some("Shop".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("ENTITY_EXISTS"));
    let edited = admin
        .edit_profile(
            &shop.id,
            &ProfileDetails {
                label: Some("Shop 2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        edited.status(),
        http::StatusCode::CREATED,
        "PATCH answers 201, as the spec says"
    );
    assert_eq!(edited.label, "Shop 2");
    assert_eq!(admin.get_profile(&shop.id).await.unwrap().label, "Shop 2");
    assert_eq!(
        admin
            .list_profiles(&ListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // The profile can be used for a web form; an unknown one is a 404.
    let user = w.webforms.user(&w.session);
    let mut details = import("finAPI Test Bank");
    details.profile_id = Some(shop.id.clone());
    user.create_bank_connection_import(&details).await.unwrap();
    details.profile_id = Some("00000000-0000-0000-0000-000000000000".into());
    assert_eq!(
        user.create_bank_connection_import(&details)
            .await
            .unwrap_err()
            .code(),
        Some("NOT_FOUND")
    );
    admin.delete_profile(&shop.id).await.unwrap();
    assert_eq!(
        admin.get_profile(&shop.id).await.unwrap_err().code(),
        Some("NOT_FOUND")
    );

    let texts = TranslationDetails {
        en: Some(Translation {
            error_view: Some(Title {
                title: "Oops".into(),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let set = admin.create_translation(&texts).await.unwrap();
    assert_eq!(
        set.en.as_ref().unwrap().error_view.as_ref().unwrap().title,
        "Oops"
    );
    assert_eq!(
        admin.create_translation(&texts).await.unwrap_err().code(),
        Some("ENTITY_EXISTS")
    );
    assert_eq!(admin.get_translation(&set.id).await.unwrap().id, set.id);
    assert_eq!(
        admin
            .list_translations(&ListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    admin.delete_translation(&set.id).await.unwrap();
}

async fn wait_for_delivery(
    s: &EmulatorSetup,
    count: usize,
) -> Vec<finapi_access_emulator::CallbackDelivery> {
    for _ in 0..100 {
        let deliveries = s.emulator.callback_deliveries();
        if deliveries.len() >= count
            && deliveries
                .iter()
                .all(|d| d.note.as_deref() != Some("pending"))
        {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "callbacks not settled: {:?}",
        s.emulator.callback_deliveries()
    );
}

/// The finalised callback reaches a local listener (a loopback `https://` URL is delivered
/// over http); a callback beyond loopback is recorded and never contacted.
pub async fn callbacks_reach_loopback_only(make: MakeTransport) {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let w = world(make, EmulatorConfig::default()).await;
    let listener = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cb"))
        .and(query_param("state", "42"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&listener)
        .await;
    let port = listener.address().port();
    let user = w.webforms.user(&w.session);
    let mut details = import("finAPI Test Bank");
    details.callbacks = Some(Callbacks::finalised(format!(
        "https://127.0.0.1:{port}/cb?state=42"
    )));
    let form = user.create_bank_connection_import(&details).await.unwrap();
    let mut elsewhere = import("finAPI Test Bank");
    elsewhere.callbacks = Some(Callbacks::finalised("https://callbacks.example.com/cb"));
    let far = user
        .create_bank_connection_import(&elsewhere)
        .await
        .unwrap();
    w.s.emulator.complete_web_form(&form.id).unwrap();
    w.s.emulator.abort_web_form(&far.id).unwrap();
    let deliveries = wait_for_delivery(&w.s, 2).await;
    let local = deliveries
        .iter()
        .find(|d| d.url.contains("127.0.0.1"))
        .unwrap();
    assert!(local.delivered, "{local:?}");
    assert_eq!(local.attempts, 1);
    let body: Value = serde_json::from_str(&local.body).unwrap();
    assert_eq!(body, json!({"webFormId": form.id, "status": "COMPLETED"}));
    let received = listener.received_requests().await.unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&received[0].body).unwrap(),
        body
    );
    let far = deliveries
        .iter()
        .find(|d| d.url.contains("example.com"))
        .unwrap();
    assert!(!far.delivered);
    assert_eq!(far.attempts, 0, "never contacted");
    assert!(
        far.note.as_deref().unwrap_or("").contains("loopback"),
        "{far:?}"
    );
}

/// Background update tasks: completed at once, or needing the end user (a web form; the
/// task ends when it does); one update per connection at a time.
pub async fn tasks_run_and_may_need_the_end_user(make: MakeTransport) {
    for needs_form in [false, true] {
        let w = world(
            make,
            EmulatorConfig::default().tasks_need_web_form(needs_form),
        )
        .await;
        let user = w.webforms.user(&w.session);
        let form = user
            .create_bank_connection_import(&import("finAPI Test Bank"))
            .await
            .unwrap();
        w.s.emulator.complete_web_form(&form.id).unwrap();
        let connection = user
            .get_web_form(&form.id)
            .await
            .unwrap()
            .payload
            .bank_connection_id
            .unwrap();
        let task = user
            .create_background_update_task(&BankConnectionUpdateTaskDetails::new(connection))
            .await
            .unwrap();
        assert_eq!(task.payload.bank_connection_id, connection);
        if needs_form {
            assert_eq!(task.status, TaskStatus::WebFormRequired);
            let needed = task
                .payload
                .web_form
                .clone()
                .expect("the web form to send the user to");
            let err = user
                .create_background_update_task(&BankConnectionUpdateTaskDetails::new(connection))
                .await
                .unwrap_err();
            assert_eq!(err.code(), Some("LOCKED"));
            w.s.emulator.complete_web_form(&needed.id).unwrap();
        }
        let read = user.get_task(&task.id).await.unwrap();
        assert_eq!(
            read.status,
            TaskStatus::Completed,
            "needs form: {needs_form}"
        );
        assert_eq!(
            user.list_tasks(&ListQuery::new())
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        let err = user
            .create_background_update_task(&BankConnectionUpdateTaskDetails::new(999))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NOT_FOUND"));
    }
}

/// Payment forms produce payment and standing order ids.
pub async fn payments_and_standing_orders_produce_their_ids(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let user = w.webforms.user(&w.session);
    let eur = |v: &str| Amount::parse(v, Currency::EUR).unwrap();
    let payment = user
        .create_standalone_payment(&StandalonePaymentDetails::new(vec![PaymentOrder::new(
            eur("12.30"),
            Counterparty::new("DE89370400440532013000", "Ann"),
        )]))
        .await
        .unwrap();
    let order = user
        .create_standing_order(&StandingOrderDetails::new(
            eur("5"),
            Counterparty::new("DE89370400440532013000", "Ann"),
            Date::new(2099, 1, 1).unwrap(),
            Frequency::Monthly,
        ))
        .await
        .unwrap();
    w.s.emulator.complete_web_form(&payment.id).unwrap();
    w.s.emulator.complete_web_form(&order.id).unwrap();
    assert!(
        user.get_web_form(&payment.id)
            .await
            .unwrap()
            .payload
            .payment_id
            .is_some()
    );
    assert!(
        user.get_web_form(&order.id)
            .await
            .unwrap()
            .payload
            .standing_order_id
            .is_some()
    );
}

/// The page, driven over HTTP: opening it moves the form to `IN_PROGRESS`; a wrong login is
/// refused on the page; the right one completes it and redirects to `redirectUrl`.
pub async fn the_page_moves_the_form_and_redirects(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let user = w.webforms.user(&w.session);
    let form = user
        .create_bank_connection_import(&import("finAPI Test Bank"))
        .await
        .unwrap();
    let page = finapi_webform::types::WebFormUrl::new(&form.url)
        .redirect_url("https://shop.example.com/done")
        .error_redirect_url("https://shop.example.com/failed")
        .build()
        .unwrap();
    // The page is not part of the API spec: plain requests, not the spec-checking transport.
    let transport = make();
    let get = http::Request::get(&page).body(bytes::Bytes::new()).unwrap();
    let html = transport.send(get).await.unwrap();
    assert_eq!(html.status(), 200);
    let text = String::from_utf8_lossy(html.body()).into_owned();
    for id in [
        "username",
        "password",
        "complete",
        "fail",
        "error-code",
        "abort",
        "bank",
    ] {
        assert!(text.contains(&format!("data-testid=\"{id}\"")), "{id}");
    }
    assert!(text.contains("finAPI Test Bank"));
    assert_eq!(
        user.get_web_form(&form.id).await.unwrap().status,
        WebFormStatus::InProgress
    );
    let post = |body: &str| {
        http::Request::post(&form.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(bytes::Bytes::from(body.to_owned()))
            .unwrap()
    };
    let keep = "redirectUrl=https%3A%2F%2Fshop.example.com%2Fdone&errorRedirectUrl=https%3A%2F%2Fshop.example.com%2Ffailed";
    let wrong = transport
        .send(post(&format!(
            "action=complete&username=demo&password=nope&{keep}"
        )))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 200);
    assert!(String::from_utf8_lossy(wrong.body()).contains("data-testid=\"login-error\""));
    assert_eq!(
        user.get_web_form(&form.id).await.unwrap().status,
        WebFormStatus::InProgress
    );
    let right = transport
        .send(post(&format!(
            "action=complete&username=demo&password=demo&{keep}"
        )))
        .await
        .unwrap();
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "https://shop.example.com/done");
    assert_eq!(
        user.get_web_form(&form.id).await.unwrap().status,
        WebFormStatus::Completed
    );

    let other = user
        .create_bank_connection_import(&import("finAPI Test Bank"))
        .await
        .unwrap();
    let post_other = http::Request::post(&other.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(bytes::Bytes::from(format!(
            "action=fail&errorCode=INTERRUPTED&{keep}"
        )))
        .unwrap();
    let failed = transport.send(post_other).await.unwrap();
    assert_eq!(
        failed.headers()["location"],
        "https://shop.example.com/failed"
    );
    let other = user.get_web_form(&other.id).await.unwrap();
    assert_eq!(
        other.payload.error_code,
        Some(WebFormErrorCode::Interrupted)
    );
}

/// An error through the typed client is a typed Web Form error (the 401 path included).
pub async fn web_form_errors_are_typed(make: MakeTransport) {
    let w = world(make, EmulatorConfig::default()).await;
    let err: Error = w
        .webforms
        .user(&w.session)
        .get_web_form("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(err.code(), Some("NOT_FOUND"));
    assert!(err.request_id().is_some());
}

/// A callback that fails once is retried; tasks post `webFormRequired` and `finalised`; the
/// test-control endpoint ends forms over HTTP and lists the deliveries.
pub async fn callbacks_retry_tasks_call_back_and_control_works_over_http(make: MakeTransport) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let w = world(make, EmulatorConfig::default().tasks_need_web_form(true)).await;
    let listener = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&listener)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&listener)
        .await;
    let base = format!("https://127.0.0.1:{}", listener.address().port());
    let user = w.webforms.user(&w.session);
    let mut details = import("finAPI Test Bank");
    details.callbacks = Some(Callbacks::finalised(format!("{base}/flaky")));
    let form = user.create_bank_connection_import(&details).await.unwrap();

    // End it over HTTP, as a test in another language would.
    let transport = make();
    let control = |url: String| http::Request::post(url).body(bytes::Bytes::new()).unwrap();
    let answer = transport
        .send(control(format!(
            "{}/emulator/webForms/{}/complete",
            w.s.emulator.base_url(),
            form.id
        )))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let again = transport
        .send(control(format!(
            "{}/emulator/webForms/{}/abort",
            w.s.emulator.base_url(),
            form.id
        )))
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "a final form stays final");
    let deliveries = wait_for_delivery(&w.s, 1).await;
    assert!(deliveries[0].delivered);
    assert_eq!(deliveries[0].attempts, 2, "the 500 was retried");

    // A task that needs the end user: webFormRequired now, finalised when the form is done.
    let connection = user
        .get_web_form(&form.id)
        .await
        .unwrap()
        .payload
        .bank_connection_id
        .unwrap();
    let mut task_details = BankConnectionUpdateTaskDetails::new(connection);
    task_details.callbacks = Some(finapi_webform::types::TaskCallbacks {
        finalised: Some(format!("{base}/task-done")),
        web_form_required: Some(format!("{base}/task-needs-you")),
    });
    let task = user
        .create_background_update_task(&task_details)
        .await
        .unwrap();
    let needed = task.payload.web_form.clone().unwrap();
    let failed = transport
        .send(control(format!(
            "{}/emulator/webForms/{}/fail?errorCode=INTERRUPTED",
            w.s.emulator.base_url(),
            needed.id
        )))
        .await
        .unwrap();
    assert_eq!(failed.status(), 200);
    let deliveries = wait_for_delivery(&w.s, 3).await;
    let body_of = |suffix: &str| -> Value {
        let d = deliveries
            .iter()
            .find(|d| d.url.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}: {deliveries:?}"));
        assert!(d.delivered, "{d:?}");
        serde_json::from_str(&d.body).unwrap()
    };
    let needs_you = body_of("/task-needs-you");
    assert_eq!(needs_you["status"], "WEB_FORM_REQUIRED");
    assert_eq!(needs_you["webForm"]["id"], json!(needed.id));
    let done = body_of("/task-done");
    assert_eq!(
        done,
        json!({"taskId": task.id, "status": "COMPLETED_WITH_ERROR"})
    );
    assert_eq!(
        user.get_task(&task.id).await.unwrap().status,
        TaskStatus::CompletedWithError
    );

    // The record over HTTP.
    let listed = transport
        .send(
            http::Request::get(format!("{}/emulator/callbacks", w.s.emulator.base_url()))
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    let listed: Value = serde_json::from_slice(listed.body()).unwrap();
    assert_eq!(listed["deliveries"].as_array().unwrap().len(), 3);
}

/// State that lasts: users, tokens (with what is left of their lifetime), client
/// configurations, categorisation rules and web forms survive a restart from a state file;
/// a second process cannot take the file while the first holds it.
pub async fn the_state_survives_a_restart(make: MakeTransport) {
    use finapi_access_core::types::{
        KeywordRuleParams, KeywordRulesParams, RuleDirection, RuleListQuery,
    };
    use finapi_access_emulator::{Emulator, StateFile};

    let dir = std::env::temp_dir().join(format!("finapi-state-{}", std::process::id()));
    let path = dir.join(format!("state-{}.json", fastrand::u64(..)));
    let file = StateFile::lock(&path).unwrap();
    assert!(
        StateFile::try_lock(&path).unwrap().is_none(),
        "a second holder must wait"
    );
    let first = Emulator::start_with_state(EmulatorConfig::default(), &file)
        .await
        .unwrap();
    let client_for = |emulator: &finapi_access_emulator::EmulatorHandle, id: &str, secret: &str| {
        AccessClient::builder()
            .base_url(emulator.base_url())
            .credentials(id, ClientSecret::new(secret))
            .shared_transport(make())
            .build()
            .unwrap()
    };
    let client = client_for(&first, first.client_id(), first.client_secret());
    let admin = client_for(
        &first,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
    );
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let token = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    client
        .edit_client_configuration(
            &finapi_access_core::types::ClientConfigurationParams::new()
                .user_access_tokens_validity(Duration::from_secs(900)),
        )
        .await
        .unwrap();
    admin
        .create_keyword_rules(&KeywordRulesParams::new(vec![KeywordRuleParams::new(
            201,
            RuleDirection::Income,
            ["salary"],
        )]))
        .await
        .unwrap();
    let webforms = WebFormClient::with_base_url(first.webform_base_url()).unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let form = webforms
        .user(&session)
        .create_bank_connection_import(&import("finAPI Test Bank"))
        .await
        .unwrap();
    first.complete_web_form(form.id.as_str()).unwrap();
    first.save_state(&file).unwrap();
    first.shutdown().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "passwords and tokens: owner only");
    }

    // A new emulator (a new port) from the file.
    let second = Emulator::start_with_state(EmulatorConfig::default(), &file)
        .await
        .unwrap();
    let client = client_for(&second, second.client_id(), second.client_secret());
    let me = client
        .get_authorized_user(&token.access_token)
        .await
        .expect("the user token issued before the restart still works");
    assert_eq!(me.id, user.id);
    let again = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    assert_eq!(
        again.access_token.expose_secret(),
        token.access_token.expose_secret(),
        "the same token, as finAPI hands out until it expires"
    );
    assert_eq!(
        client
            .client_configuration()
            .await
            .unwrap()
            .user_access_tokens_validity_period,
        900
    );
    let admin = client_for(
        &second,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
    );
    let rules = admin
        .list_keyword_rules(&RuleListQuery::new())
        .await
        .unwrap();
    assert_eq!(rules.keyword_rules[0].keywords, ["salary"]);
    let webforms = WebFormClient::with_base_url(second.webform_base_url()).unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let read = webforms
        .user(&session)
        .get_web_form(&form.id)
        .await
        .unwrap();
    assert_eq!(read.status, WebFormStatus::Completed);
    second.shutdown().await;
    drop(file);
    let _ = std::fs::remove_dir_all(dir);
}
