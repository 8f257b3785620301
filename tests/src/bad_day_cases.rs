//! A bad finAPI day, played by the emulator's fault rules, and what the SDK promises under it:
//! idempotent calls retried through a 503 rate, `Retry-After` honoured, creates never
//! silently duplicated, one token fetch for a thousand callers through a failing token
//! endpoint with no poisoned state, deadlines kept under latency. Each case prints its
//! figures (`-- --nocapture`); docs/retries-and-timeouts.md quotes them.

#![allow(clippy::print_stderr)] // the figures, printed for the docs

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use finapi_access_core::types::{ClientSecret, ErrorCode, UserCreateParams, UserId};
use finapi_access_core::{AccessClient, ApiVersion, Error, RetryPolicy};
use finapi_access_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultRule};
use http::StatusCode;

use crate::MakeTransport;

/// Answers the emulator gave, by (method, path, status).
type Seen = Arc<Mutex<HashMap<(String, String, u16), u64>>>;

struct Day {
    emulator: EmulatorHandle,
    seen: Seen,
    make: MakeTransport,
}

impl Day {
    async fn start(make: MakeTransport, config: EmulatorConfig) -> Self {
        let seen: Seen = Arc::default();
        let log = Arc::clone(&seen);
        let config = config.fault_seed(20_261_128).on_request(move |r| {
            *log.lock()
                .unwrap()
                .entry((r.method.to_owned(), r.path.to_owned(), r.status))
                .or_default() += 1;
        });
        Self {
            emulator: Emulator::start(config).await.unwrap(),
            seen,
            make,
        }
    }

    /// A client with quick backoff (the figures, not the waiting, are the point).
    fn client(&self) -> AccessClient {
        AccessClient::builder()
            .base_url(self.emulator.base_url())
            .api_version(ApiVersion::V2)
            .credentials(
                self.emulator.client_id(),
                ClientSecret::new(self.emulator.client_secret()),
            )
            .shared_transport((self.make)())
            .retry_policy(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
            )
            .build()
            .unwrap()
    }

    /// Token requests that reached the emulator, answered or faulted.
    fn token_requests(&self) -> u64 {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|((m, p, _), _)| m == "POST" && p.ends_with("/oauth/token"))
            .map(|(_, n)| n)
            .sum()
    }

    fn count(&self, method: &str, path: &str, status: u16) -> u64 {
        self.seen
            .lock()
            .unwrap()
            .get(&(method.to_owned(), path.to_owned(), status))
            .copied()
            .unwrap_or(0)
    }
}

/// 300 sequential `GET /users` with 30 % of the answers a 503 (seeded): calls succeed through
/// the retries; a call fails only when all three attempts met a 503.
pub async fn idempotent_calls_survive_a_503_rate(make: MakeTransport) {
    let rule = FaultRule::new("/api/v2/users", Fault::status(503))
        .method("GET")
        .probability(0.3);
    let day = Day::start(make, EmulatorConfig::default().fault(rule)).await;
    let client = day.client();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let calls: u64 = 300;
    let (mut succeeded, mut failed) = (0u64, 0u64);
    for _ in 0..calls {
        match session.get_user().await {
            Ok(_) => succeeded += 1,
            Err(e) => {
                assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE), "{e}");
                assert!(matches!(&e, Error::Api(a) if a.attempts == 3), "{e:?}");
                failed += 1;
            }
        }
    }
    let answered_503 = day.count("GET", "/api/v2/users", 503);
    let answered_200 = day.count("GET", "/api/v2/users", 200);
    eprintln!(
        "503 rate 30 %: {calls} calls, {succeeded} succeeded, {failed} failed with 503 after 3 attempts; {} requests sent ({answered_200} answered 200, {answered_503} answered 503); token requests {}",
        answered_200 + answered_503,
        day.token_requests()
    );
    assert_eq!(succeeded, answered_200, "one 200 per successful call");
    assert_eq!(
        answered_503,
        (answered_200 + answered_503) - succeeded,
        "every other attempt met a 503"
    );
    assert!(succeeded * 100 >= calls * 95, "{succeeded}");
    assert!(answered_503 >= 60, "the rate was applied: {answered_503}");
    assert_eq!(day.token_requests(), 2, "one client token, one user token");
}

/// A 429 with `Retry-After: 1`: the SDK waits the second, then succeeds.
pub async fn retry_after_is_honoured(make: MakeTransport) {
    let rule = FaultRule::new(
        "/api/v2/users",
        Fault::Status {
            status: 429,
            retry_after: Some(1),
        },
    )
    .method("GET")
    .times(1);
    let day = Day::start(make, EmulatorConfig::default().fault(rule)).await;
    let client = day.client();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    session.token().await.unwrap();
    let started = Instant::now();
    session.get_user().await.unwrap();
    let waited = started.elapsed();
    eprintln!("429 with Retry-After: 1: succeeded after {waited:?}");
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(day.count("GET", "/api/v2/users", 429), 1);
    assert_eq!(day.count("GET", "/api/v2/users", 200), 1);
}

/// A create that took effect and lost its answer (the connection closed mid-response) is
/// reported as possibly done and not sent again; creating again says it was.
pub async fn creates_are_never_silently_duplicated(make: MakeTransport) {
    let rule = FaultRule::new("/api/v2/users", Fault::CloseMidResponse)
        .method("POST")
        .times(1);
    let day = Day::start(make, EmulatorConfig::default().fault(rule)).await;
    let client = day.client();
    let params = UserCreateParams::new().id(UserId::new("only-once").unwrap());
    let err = client.create_user(params.clone()).await.unwrap_err();
    assert!(err.may_have_taken_effect(), "{err:?}");
    assert_eq!(
        day.count("POST", "/api/v2/users", 201),
        1,
        "sent once, not retried"
    );
    let again = client.create_user(params).await.unwrap_err();
    assert_eq!(again.error_code(), Some(&ErrorCode::EntityExists));
    assert!(again.to_string().contains("earlier create"), "{again}");
    eprintln!(
        "create with its answer cut: 1 request, reported as \"{}\"; the second create: {}",
        err,
        again
            .error_code()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    // A connection closed before any answer: the create did not happen, the SDK cannot know
    // it and says so; sending it again is the caller's choice, and here it creates the user.
    day.emulator
        .add_fault(
            FaultRule::new("/api/v2/users", Fault::CloseBeforeResponse)
                .method("POST")
                .times(1),
        )
        .unwrap();
    let closed = UserCreateParams::new().id(UserId::new("closed-early").unwrap());
    let err = client.create_user(closed.clone()).await.unwrap_err();
    assert!(err.transport_error().is_some(), "{err:?}");
    assert!(err.may_have_taken_effect(), "{err:?}");
    client
        .create_user(closed)
        .await
        .expect("it had not been created");
    let user = client
        .fetch_user_token(
            &UserId::new("only-once").unwrap(),
            &finapi_access_core::types::Password::new("not-known").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        user.status(),
        Some(StatusCode::BAD_REQUEST),
        "the user exists (wrong password), once"
    );
}

/// 1,000 callers need a user token while the token endpoint fails twice: one fetch (retried)
/// serves them all. Then a fetch that fails outright fails its waiters and leaves nothing
/// behind: the next call fetches afresh.
pub async fn single_flight_survives_a_failing_token_endpoint(make: MakeTransport) {
    let day = Day::start(make, EmulatorConfig::default()).await;
    let client = day.client();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let before = day.token_requests();
    day.emulator
        .add_fault(
            FaultRule::new("/api/v2/oauth/token", Fault::status(503))
                .user(user.id.as_str())
                .times(2),
        )
        .unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.get_user().await.map(drop) })
        })
        .collect();
    let mut ok = 0;
    for caller in callers {
        caller.await.unwrap().unwrap();
        ok += 1;
    }
    let token_requests = day.token_requests() - before;
    eprintln!(
        "1,000 callers, token endpoint failing twice: {ok} succeeded, {token_requests} token requests (2 answered 503)"
    );
    assert_eq!(ok, 1000);
    assert_eq!(token_requests, 3, "one fetch: two 503s, then the token");

    // A fetch that fails all its attempts: every waiter gets the error, nothing is cached.
    let other = client.create_user(UserCreateParams::new()).await.unwrap();
    day.emulator
        .add_fault(
            FaultRule::new("/api/v2/oauth/token", Fault::status(503))
                .user(other.id.as_str())
                .times(3),
        )
        .unwrap();
    let session = client.user_session(other.id.clone(), other.password.clone());
    let before = day.token_requests();
    let waiters: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.get_user().await.map(drop) })
        })
        .collect();
    let mut failed = 0;
    for waiter in waiters {
        let err: Error = waiter.await.unwrap().unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE), "{err}");
        failed += 1;
    }
    assert_eq!(day.token_requests() - before, 3, "one fetch, 3 attempts");
    session
        .get_user()
        .await
        .expect("not poisoned: a fresh fetch");
    eprintln!(
        "a fetch failing all 3 attempts: {failed} waiters got 503, then the next call fetched afresh and succeeded"
    );
}

/// Under 3 s of latency, a call with a 500 ms deadline fails with a timeout in time.
pub async fn deadlines_hold_under_latency(make: MakeTransport) {
    let day = Day::start(make, EmulatorConfig::default()).await;
    let client = day.client();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    session.token().await.unwrap();
    day.emulator
        .add_fault(FaultRule::new("/api/v2/users", Fault::Latency { ms: 3000 }).method("GET"))
        .unwrap();
    let started = Instant::now();
    let err = session
        .get_user()
        .deadline(Duration::from_millis(500))
        .await
        .unwrap_err();
    let took = started.elapsed();
    eprintln!("3 s latency, 500 ms deadline: failed after {took:?} ({err})");
    assert!(
        err.transport_error().is_some_and(|t| t.is_timeout())
            || err.to_string().contains("deadline"),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

/// Faults over the test-control endpoint (for tests in other languages), and callbacks dropped.
pub async fn faults_over_http_and_dropped_callbacks(make: MakeTransport) {
    let day = Day::start(make, EmulatorConfig::default()).await;
    let http = |method: &str, path: &str, body: &str| {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", day.emulator.base_url()))
            .header("content-type", "application/json")
            .body(bytes::Bytes::from(body.to_owned()))
            .unwrap();
        let transport = (day.make)();
        async move { transport.send(request).await.unwrap() }
    };
    let added = http(
        "POST",
        "/emulator/faults",
        r#"{"path": "/api/v2/users", "method": "GET", "times": 1, "fault": {"kind": "notJson"}}"#,
    )
    .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let listed = http("GET", "/emulator/faults", "").await;
    let rules: serde_json::Value = serde_json::from_slice(listed.body()).unwrap();
    assert_eq!(rules["faults"][0]["fault"]["kind"], "notJson");
    let refused = http(
        "POST",
        "/emulator/faults",
        r#"{"path": "", "fault": {"kind": "notJson"}}"#,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let client = day.client();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let err = session.get_user().await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    session.get_user().await.expect("the rule was for once");
    let cleared = http("DELETE", "/emulator/faults", "").await;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(day.emulator.faults().is_empty());

    let set = http(
        "PUT",
        "/emulator/faults/callbacks",
        r#"{"dropProbability": 1.0}"#,
    )
    .await;
    assert_eq!(set.status(), StatusCode::OK);
    let webforms =
        finapi_webform::WebFormClient::with_base_url(day.emulator.webform_base_url()).unwrap();
    let details = finapi_webform::types::BankConnectionImportDetails {
        bank: Some(finapi_webform::types::Bank::by_search("finAPI Test Bank")),
        callbacks: Some(finapi_webform::types::Callbacks::finalised(
            "https://127.0.0.1:9/done",
        )),
        ..Default::default()
    };
    let form = webforms
        .user(&session)
        .create_bank_connection_import(&details)
        .await
        .unwrap();
    day.emulator.complete_web_form(form.id.as_str()).unwrap();
    let deliveries = day.emulator.callback_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].attempts, 0);
    assert_eq!(
        deliveries[0].note.as_deref(),
        Some("dropped by a fault rule")
    );
}

/// Callbacks that come late and twice: a delay before the first attempt, a second delivery.
pub async fn callbacks_come_late_and_twice(make: MakeTransport) {
    use finapi_access_emulator::CallbackFaults;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let shop = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cb"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&shop)
        .await;
    let faults = CallbackFaults::new()
        .delay(Duration::from_millis(400))
        .duplicate_probability(1.0);
    let day = Day::start(make, EmulatorConfig::default().callback_faults(faults)).await;
    let client = day.client();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let webforms =
        finapi_webform::WebFormClient::with_base_url(day.emulator.webform_base_url()).unwrap();
    let callback = shop.uri().replace("http://", "https://") + "/cb";
    let details = finapi_webform::types::BankConnectionImportDetails {
        bank: Some(finapi_webform::types::Bank::by_search("finAPI Test Bank")),
        callbacks: Some(finapi_webform::types::Callbacks::finalised(callback)),
        ..Default::default()
    };
    let form = webforms
        .user(&session)
        .create_bank_connection_import(&details)
        .await
        .unwrap();
    let completed = Instant::now();
    day.emulator.complete_web_form(form.id.as_str()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        shop.received_requests().await.unwrap().is_empty(),
        "not before the delay"
    );
    loop {
        let received = shop.received_requests().await.unwrap().len();
        if received == 2 {
            break;
        }
        assert!(
            completed.elapsed() < Duration::from_secs(10),
            "{received} callbacks"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = completed.elapsed();
    eprintln!("callback delayed 400 ms and duplicated: 2 deliveries after {took:?}");
    assert!(took >= Duration::from_millis(400), "{took:?}");
    // The record follows the second answer.
    let twice = Some("sent twice by a fault rule");
    while day.emulator.callback_deliveries()[0].note.as_deref() != twice {
        assert!(completed.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(day.emulator.callback_deliveries()[0].attempts, 2);
}
