//! `cargo xtask bench`: the SDK against raw transports and the oauth2 crate, all on loopback,
//! each comparison interleaved round by round in one process so that ratios hold on a noisy
//! machine. Ends with `ratio <name> <value>` and `count <name> <value>` lines.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

mod fixed;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use finapi_access_core::types::{ClientSecret, Password, UserCreateParams, UserId};
use finapi_access_core::{AccessClient, ManualClock, Transport};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_hyper::HyperTransport;
use finapi_access_reqwest::ReqwestTransport;

/// Sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    rounds: usize,
    token_rounds: usize,
    grants_per_round: usize,
    calls: usize,
    tasks: usize,
    emulator_calls: usize,
}

const FULL: Plan = Plan {
    rounds: 9,
    token_rounds: 31,
    grants_per_round: 200,
    calls: 20_000,
    tasks: 64,
    emulator_calls: 5_000,
};
const QUICK: Plan = Plan {
    rounds: 5,
    token_rounds: 11,
    grants_per_round: 150,
    calls: 20_000,
    tasks: 64,
    emulator_calls: 1_000,
};

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// One contender's measurements.
#[derive(Debug, Default)]
struct Series {
    rates: Vec<f64>,
    latencies: Vec<Duration>,
}

impl Series {
    fn median_rate(&mut self) -> f64 {
        median(&mut self.rates)
    }

    fn row(&mut self, name: &str, unit: &str) {
        self.latencies.sort();
        let rate = self.median_rate();
        if self.latencies.is_empty() {
            println!("{name:<44} {rate:>12.0} {unit}");
        } else {
            println!(
                "{name:<44} {rate:>12.0} {unit}   p50 {:>8.1} µs   p99 {:>8.1} µs",
                percentile(&self.latencies, 0.50).as_secs_f64() * 1e6,
                percentile(&self.latencies, 0.99).as_secs_f64() * 1e6,
            );
        }
    }
}

fn sdk_client(base_url: &str, transport: Arc<dyn Transport>) -> AccessClient {
    AccessClient::builder()
        .base_url(base_url)
        .credentials(fixed::CLIENT_ID, ClientSecret::new(fixed::CLIENT_SECRET))
        .shared_transport(transport)
        .build()
        .unwrap()
}

async fn time_batch<F, Fut>(n: usize, mut call: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    for _ in 0..n {
        call().await;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct RawToken {
    access_token: String,
    token_type: String,
    expires_in: u64,
}

/// A hand-written `client_credentials` grant: a form post and the JSON decoded.
async fn raw_grant(raw: &reqwest::Client, url: &str) {
    let body = raw
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", fixed::CLIENT_ID),
            ("client_secret", fixed::CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let _: RawToken = serde_json::from_slice(&body).unwrap();
}

/// (1) `client_credentials` grants per second, sequential, cache bypassed.
async fn token_exchange(plan: Plan, base_url: &str) -> Vec<(String, f64)> {
    let token_url = format!("{base_url}/api/v2/oauth/token");
    let sdk_reqwest = sdk_client(base_url, Arc::new(ReqwestTransport::new().unwrap()));
    let sdk_hyper = sdk_client(base_url, Arc::new(HyperTransport::new().unwrap()));
    // The same reqwest settings the SDK's transport uses, without the SDK.
    let raw = ReqwestTransport::default_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let oauth_http = oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let oauth = oauth2::basic::BasicClient::new(oauth2::ClientId::new(fixed::CLIENT_ID.into()))
        .set_client_secret(oauth2::ClientSecret::new(fixed::CLIENT_SECRET.into()))
        .set_token_uri(oauth2::TokenUrl::new(token_url.clone()).unwrap())
        .set_auth_type(oauth2::AuthType::RequestBody);

    let mut series: [Series; 4] = Default::default();
    for round in 0..plan.token_rounds {
        let n = plan.grants_per_round;
        // Alternate the order, so that drift on the machine favours no contender.
        let order: [usize; 4] = if round % 2 == 0 {
            [0, 1, 2, 3]
        } else {
            [3, 2, 1, 0]
        };
        for contender in order {
            let rate = match contender {
                0 => {
                    time_batch(n, || async {
                        sdk_reqwest.fetch_client_token().await.map(drop).unwrap();
                    })
                    .await
                }
                1 => {
                    time_batch(n, || async {
                        sdk_hyper.fetch_client_token().await.map(drop).unwrap();
                    })
                    .await
                }
                2 => time_batch(n, || raw_grant(&raw, &token_url)).await,
                _ => {
                    time_batch(n, || async {
                        oauth
                            .exchange_client_credentials()
                            .request_async(&oauth_http)
                            .await
                            .map(drop)
                            .unwrap();
                    })
                    .await
                }
            };
            series[contender].rates.push(rate);
        }
    }
    println!(
        "\n(1) token exchange: client_credentials grants per second (sequential, median of {} rounds)",
        plan.token_rounds
    );
    let names = [
        "sdk (reqwest)",
        "sdk (hyper)",
        "hand-written reqwest form post",
        "oauth2 5.x (reqwest)",
    ];
    for (s, name) in series.iter_mut().zip(names) {
        s.row(name, "grants/s");
    }
    let [sdk_r, sdk_h, raw_r, oauth] = series.map(|mut s| s.median_rate());
    vec![
        ("token_sdk_reqwest_vs_oauth2".into(), sdk_r / oauth),
        ("token_sdk_hyper_vs_oauth2".into(), sdk_h / oauth),
        ("token_sdk_reqwest_vs_raw_reqwest".into(), sdk_r / raw_r),
    ]
}

/// Runs `total` calls from `tasks` tasks; returns (calls per second, latencies).
async fn load<F, Fut>(tasks: usize, total: usize, call: F) -> (f64, Vec<Duration>)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let t = Instant::now();
                    call().await;
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    (total as f64 / started.elapsed().as_secs_f64(), latencies)
}

fn bare_get(base_url: &str) -> http::Request<Bytes> {
    http::Request::builder()
        .method("GET")
        .uri(format!("{base_url}/api/v2/users"))
        .header("authorization", format!("Bearer {}", fixed::ACCESS_TOKEN))
        .header("accept", "application/json")
        .body(Bytes::new())
        .unwrap()
}

/// The user as a hand-written client would decode it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct HandUser {
    id: String,
    password: String,
    email: Option<String>,
    phone: Option<String>,
    is_auto_update_enabled: bool,
}

/// What a user who drops the SDK still sends: the same headers as the SDK, a request id per
/// call; and the body decoded into a struct.
fn handwritten_get(base_url: &str) -> http::Request<Bytes> {
    http::Request::builder()
        .method("GET")
        .uri(format!("{base_url}/api/v2/users"))
        .header("authorization", format!("Bearer {}", fixed::ACCESS_TOKEN))
        .header("accept", "application/json")
        .header("user-agent", "hand-written/1.0")
        .header(
            "x-request-id",
            finapi_access_core::RequestId::generate().as_str(),
        )
        .body(Bytes::new())
        .unwrap()
}

/// The same call through the public pipeline, with the caller's own struct.
const GET_ME: finapi_access_core::Operation = finapi_access_core::Operation::new("get me", true);

fn public_get() -> finapi_access_core::ApiRequest<HandUser> {
    finapi_access_core::ApiRequest::new(GET_ME, http::Method::GET, "/api/v2/users").json_response()
}

/// The contenders of (2), per transport.
const CONTENDERS: [&str; 4] = [
    "sdk session.get_user",
    "sdk public API session.send(ApiRequest)",
    "hand-written (same headers, decoded)",
    "bare request, fixed bearer",
];

/// (2) authorised GET user calls from many tasks with a cached token.
async fn authorised_calls(plan: Plan, base_url: &str) -> Vec<(String, f64)> {
    let transports: [(&str, Arc<dyn Transport>); 2] = [
        ("reqwest", Arc::new(ReqwestTransport::new().unwrap())),
        ("hyper", Arc::new(HyperTransport::new().unwrap())),
    ];
    let mut series: [[Series; 4]; 2] = Default::default();
    for round in 0..plan.rounds {
        for (i, (_, transport)) in transports.iter().enumerate() {
            // Alternate the order, so that drift on the machine favours no contender.
            let order: [usize; 4] = if round % 2 == 0 {
                [0, 1, 2, 3]
            } else {
                [3, 2, 1, 0]
            };
            for contender in order {
                let client = sdk_client(base_url, transport.clone());
                let session = client.user_session(
                    UserId::new("bench-user").unwrap(),
                    Password::new("bench-password").unwrap(),
                );
                session.token().await.unwrap();
                let transport = transport.clone();
                let base = base_url.to_owned();
                let (rate, lat) = match contender {
                    0 => {
                        load(plan.tasks, plan.calls, move || {
                            let session = session.clone();
                            async move {
                                session.get_user().await.unwrap();
                            }
                        })
                        .await
                    }
                    1 => {
                        load(plan.tasks, plan.calls, move || {
                            let session = session.clone();
                            async move {
                                session.send(public_get()).await.unwrap();
                            }
                        })
                        .await
                    }
                    2 => {
                        load(plan.tasks, plan.calls, move || {
                            let transport = transport.clone();
                            let request = handwritten_get(&base);
                            async move {
                                let response = transport.send(request).await.unwrap();
                                assert!(response.status().is_success());
                                let _: HandUser = serde_json::from_slice(response.body()).unwrap();
                            }
                        })
                        .await
                    }
                    _ => {
                        load(plan.tasks, plan.calls, move || {
                            let transport = transport.clone();
                            let request = bare_get(&base);
                            async move {
                                let response = transport.send(request).await.unwrap();
                                assert!(response.status().is_success());
                            }
                        })
                        .await
                    }
                };
                series[i][contender].rates.push(rate);
                series[i][contender].latencies.extend(lat);
            }
        }
    }
    println!(
        "\n(2) authorised calls: {} GET user calls from {} tasks, cached token (median of {} rounds)",
        plan.calls, plan.tasks, plan.rounds
    );
    let mut ratios = Vec::new();
    for ((adapter, _), per_transport) in transports.iter().zip(series.iter_mut()) {
        for (s, name) in per_transport.iter_mut().zip(CONTENDERS) {
            s.row(&format!("{name} ({adapter})"), "calls/s");
        }
        let [builtin, public, hand, bare] = [0, 1, 2, 3].map(|i| per_transport[i].median_rate());
        ratios.push((
            format!("sdk_{adapter}_vs_raw_{adapter}_throughput"),
            builtin / bare,
        ));
        ratios.push((
            format!("sdk_{adapter}_vs_handwritten_{adapter}_throughput"),
            builtin / hand,
        ));
        ratios.push((
            format!("public_api_{adapter}_vs_handwritten_{adapter}_throughput"),
            public / hand,
        ));
        ratios.push((
            format!("public_api_{adapter}_vs_builtin_{adapter}_throughput"),
            public / builtin,
        ));
    }
    ratios
}

/// (3) token requests during (2) against the emulator: cold cache, and expiry halfway.
async fn token_requests_under_load(plan: Plan) -> Vec<(String, f64)> {
    let mut counts = Vec::new();
    for expire_halfway in [false, true] {
        let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
        let clock = Arc::new(ManualClock::new());
        let client = AccessClient::builder()
            .base_url(emulator.base_url())
            .credentials(
                emulator.client_id(),
                ClientSecret::new(emulator.client_secret()),
            )
            .transport(ReqwestTransport::new().unwrap())
            .clock(clock.clone())
            .build()
            .unwrap();
        let user = client.create_user(UserCreateParams::new()).await.unwrap();
        let session = client.user_session(user.id.clone(), user.password.clone());
        let before = emulator.token_requests();
        let done = Arc::new(AtomicUsize::new(0));
        let emulator = Arc::new(emulator);
        let half = plan.calls / 2;
        let (_, _) = {
            let emulator = emulator.clone();
            load(plan.tasks, plan.calls, move || {
                let session = session.clone();
                let done = done.clone();
                let clock = clock.clone();
                let emulator = emulator.clone();
                async move {
                    session.get_user().await.unwrap();
                    if expire_halfway && done.fetch_add(1, Ordering::SeqCst) + 1 == half {
                        clock.advance(Duration::from_secs(3601));
                        emulator.advance_clock(Duration::from_secs(3601));
                    }
                }
            })
            .await
        };
        let name = if expire_halfway {
            "token_requests_expiring_halfway"
        } else {
            "token_requests_cold_cache"
        };
        counts.push((name.to_owned(), (emulator.token_requests() - before) as f64));
    }
    println!(
        "\n(3) token requests during {} GET user calls from {} tasks (emulator)",
        plan.calls, plan.tasks
    );
    for (name, value) in &counts {
        println!("{name:<44} {value:>12.0}");
    }
    counts
}

/// (4) emulator throughput for token and create-user calls.
async fn emulator_throughput(plan: Plan) {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(ReqwestTransport::new().unwrap())
        .build()
        .unwrap();
    let token_client = client.clone();
    let (tokens, _) = load(plan.tasks, plan.emulator_calls, move || {
        let client = token_client.clone();
        async move {
            client.fetch_client_token().await.unwrap();
        }
    })
    .await;
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let (creates, _) = load(plan.tasks, plan.emulator_calls, move || {
        let client = client.clone();
        async move {
            client.create_user(UserCreateParams::new()).await.unwrap();
        }
    })
    .await;
    let webforms = Arc::new(
        finapi_webform::WebFormClient::with_base_url(emulator.webform_base_url()).unwrap(),
    );
    session.token().await.unwrap();
    let (forms, _) = load(plan.tasks, plan.emulator_calls, move || {
        let session = session.clone();
        let webforms = Arc::clone(&webforms);
        async move {
            let details = finapi_webform::types::BankConnectionImportDetails {
                bank: Some(finapi_webform::types::Bank::by_search("finAPI Test Bank")),
                ..Default::default()
            };
            webforms
                .user(&session)
                .create_bank_connection_import(&details)
                .await
                .unwrap();
        }
    })
    .await;
    println!(
        "\n(4) emulator: {} calls from {} tasks (SDK with reqwest)",
        plan.emulator_calls, plan.tasks
    );
    println!(
        "{:<44} {tokens:>12.0} requests/s",
        "token (client_credentials)"
    );
    println!("{:<44} {creates:>12.0} requests/s", "create user");
    println!(
        "{:<44} {forms:>12.0} requests/s",
        "web form create (bank connection import)"
    );
}

/// Only one contender of (2), for a profiler: `--profile=sdk` or `--profile=bare`.
async fn profile(which: &str, base_url: &str) {
    let transport: Arc<dyn Transport> = Arc::new(HyperTransport::new().unwrap());
    let calls = 5_000;
    if which == "token-sdk" {
        let client = sdk_client(base_url, Arc::new(ReqwestTransport::new().unwrap()));
        time_batch(2_000, || async {
            client.fetch_client_token().await.unwrap();
        })
        .await;
    } else if which == "token-raw" {
        let raw = ReqwestTransport::default_client_builder()
            .unwrap()
            .build()
            .unwrap();
        let url = format!("{base_url}/api/v2/oauth/token");
        time_batch(2_000, || raw_grant(&raw, &url)).await;
    } else if which == "sdk" {
        let client = sdk_client(base_url, transport);
        let session = client.user_session(
            UserId::new("bench-user").unwrap(),
            Password::new("bench-password").unwrap(),
        );
        session.token().await.unwrap();
        load(8, calls, move || {
            let session = session.clone();
            async move {
                session.get_user().await.unwrap();
            }
        })
        .await;
    } else {
        let base = base_url.to_owned();
        load(8, calls, move || {
            let transport = transport.clone();
            let request = bare_get(&base);
            async move {
                transport.send(request).await.unwrap();
            }
        })
        .await;
    }
}

/// The contenders of the instruction-count mode: `(name, what one operation is)`.
const MEASURED: [(&str, &str); 11] = [
    ("token-sdk-reqwest", "SDK fetch_client_token, reqwest"),
    ("token-sdk-hyper", "SDK fetch_client_token, hyper"),
    ("token-oauth2", "oauth2 5.x exchange_client_credentials"),
    (
        "token-handwritten-reqwest",
        "hand-written reqwest form post, decoded",
    ),
    ("call-sdk-reqwest", "SDK session.get_user, reqwest"),
    ("call-sdk-hyper", "SDK session.get_user, hyper"),
    (
        "call-public-reqwest",
        "SDK session.send(ApiRequest), reqwest",
    ),
    ("call-public-hyper", "SDK session.send(ApiRequest), hyper"),
    (
        "call-handwritten-reqwest",
        "hand-written GET, same headers, decoded, reqwest",
    ),
    (
        "call-handwritten-hyper",
        "hand-written GET, same headers, decoded, hyper",
    ),
    ("call-bare-reqwest", "bare GET, fixed bearer, reqwest"),
];

/// `--measure=NAME --n=N --url=URL`: N operations of one contender, one after another on a
/// single-threaded runtime, against a server in another process: what valgrind counts is the
/// client's work. `cargo xtask bench --instructions` runs it under callgrind at two N and
/// takes the difference, so that setup (process, runtime, connections, warm-up) cancels.
fn measure(name: &str, n: usize, url: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let warm_up = 20;
        let reqwest_t = || -> Arc<dyn Transport> { Arc::new(ReqwestTransport::new().unwrap()) };
        let hyper_t = || -> Arc<dyn Transport> { Arc::new(HyperTransport::new().unwrap()) };
        let session_on = |transport: Arc<dyn Transport>| {
            sdk_client(url, transport).user_session(
                UserId::new("bench-user").unwrap(),
                Password::new("bench-password").unwrap(),
            )
        };
        match name {
            "token-sdk-reqwest" | "token-sdk-hyper" => {
                let transport = if name.ends_with("reqwest") {
                    reqwest_t()
                } else {
                    hyper_t()
                };
                let client = sdk_client(url, transport);
                for _ in 0..warm_up + n {
                    client.fetch_client_token().await.map(drop).unwrap();
                }
            }
            "token-oauth2" => {
                let http = oauth2::reqwest::Client::builder()
                    .redirect(oauth2::reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let token_url = format!("{url}/api/v2/oauth/token");
                let oauth =
                    oauth2::basic::BasicClient::new(oauth2::ClientId::new(fixed::CLIENT_ID.into()))
                        .set_client_secret(oauth2::ClientSecret::new(fixed::CLIENT_SECRET.into()))
                        .set_token_uri(oauth2::TokenUrl::new(token_url).unwrap())
                        .set_auth_type(oauth2::AuthType::RequestBody);
                for _ in 0..warm_up + n {
                    oauth
                        .exchange_client_credentials()
                        .request_async(&http)
                        .await
                        .map(drop)
                        .unwrap();
                }
            }
            "token-handwritten-reqwest" => {
                let raw = ReqwestTransport::default_client_builder()
                    .unwrap()
                    .build()
                    .unwrap();
                let token_url = format!("{url}/api/v2/oauth/token");
                for _ in 0..warm_up + n {
                    raw_grant(&raw, &token_url).await;
                }
            }
            "call-sdk-reqwest" | "call-sdk-hyper" | "call-public-reqwest" | "call-public-hyper" => {
                let transport = if name.ends_with("reqwest") {
                    reqwest_t()
                } else {
                    hyper_t()
                };
                let session = session_on(transport);
                session.token().await.unwrap();
                let public = name.starts_with("call-public");
                for _ in 0..warm_up + n {
                    if public {
                        session.send(public_get()).await.map(drop).unwrap();
                    } else {
                        session.get_user().await.map(drop).unwrap();
                    }
                }
            }
            "call-handwritten-reqwest" | "call-handwritten-hyper" | "call-bare-reqwest" => {
                let transport = if name.ends_with("reqwest") {
                    reqwest_t()
                } else {
                    hyper_t()
                };
                let bare = name.starts_with("call-bare");
                for _ in 0..warm_up + n {
                    if bare {
                        let response = transport.send(bare_get(url)).await.unwrap();
                        assert!(response.status().is_success());
                    } else {
                        let response = transport.send(handwritten_get(url)).await.unwrap();
                        assert!(response.status().is_success());
                        let _: HandUser = serde_json::from_slice(response.body()).unwrap();
                    }
                }
            }
            other => panic!("unknown contender {other}; known: {MEASURED:?}"),
        }
    });
}

/// Resident memory of this process, in bytes (Linux `/proc/self/statm`).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// The median time to a token for a session that has none yet, over `n` new sessions.
async fn time_to_token(client: &AccessClient, n: usize, tag: &str) -> Duration {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let session = client.user_session(
            UserId::new(format!("{tag}-{i}")).unwrap(),
            Password::new("bench-password").unwrap(),
        );
        let started = Instant::now();
        session.token().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// `--scale[=N]`: N user sessions (default 100,000) alive at once in one process, each
/// with its token: memory per session, and the time to a token for one more session against
/// the same with none alive.
async fn scale(sessions: usize, base_url: &str) {
    let client = sdk_client(base_url, Arc::new(HyperTransport::new().unwrap()));
    let probes = 201;
    let empty = time_to_token(&client, probes, "probe-empty").await;
    let before = resident_bytes();
    let mut alive = Vec::with_capacity(sessions);
    for i in 0..sessions {
        alive.push(client.user_session(
            UserId::new(format!("user-{i}")).unwrap(),
            Password::new("bench-password").unwrap(),
        ));
    }
    let idle = resident_bytes();
    let started = Instant::now();
    for session in &alive {
        session.token().await.unwrap();
    }
    let all_tokens = started.elapsed();
    let with_tokens = resident_bytes();
    let full = time_to_token(&client, probes, "probe-full").await;
    let per = |bytes: u64| bytes as f64 / sessions as f64;
    println!("{sessions} user sessions alive in one process (hyper transport, fixed server)");
    println!(
        "memory per session, no token yet   {:>8.0} bytes",
        per(idle.saturating_sub(before))
    );
    println!(
        "memory per session, with its token {:>8.0} bytes",
        per(with_tokens.saturating_sub(before))
    );
    println!(
        "first token for every session      {:>8.2} s ({:.1} µs each)",
        all_tokens.as_secs_f64(),
        all_tokens.as_secs_f64() * 1e6 / sessions as f64
    );
    println!(
        "time to a token for one more session: {:.1} µs with none alive, {:.1} µs with {sessions} alive (median of {probes})",
        empty.as_secs_f64() * 1e6,
        full.as_secs_f64() * 1e6
    );
    println!(
        "ratio one_more_session_empty_vs_full {:.3}",
        empty.as_secs_f64() / full.as_secs_f64()
    );
    drop(alive);
}

/// `--serve`: the fixed server alone, until killed (for `--measure` runs in other processes).
fn serve() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = fixed::start().await;
        println!("serving {url}");
        std::future::pending::<()>().await;
    });
}

fn arg(name: &str) -> Option<String> {
    std::env::args().find_map(|a| a.strip_prefix(&format!("--{name}=")).map(str::to_owned))
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve();
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        for (name, what) in MEASURED {
            println!("{name}\t{what}");
        }
        return;
    }
    if let Some(name) = arg("measure") {
        let n = arg("n").and_then(|n| n.parse().ok()).unwrap_or(1000);
        let url = arg("url").expect("--url=URL of a --serve process");
        measure(&name, n, &url);
        return;
    }
    wall_clock();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn wall_clock() {
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick { QUICK } else { FULL };
    println!(
        "finapi-access benchmarks ({}), {} cores",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let server = fixed::start().await;
    if let Some(n) = std::env::args().find_map(|a| {
        (a == "--scale")
            .then_some(100_000)
            .or_else(|| a.strip_prefix("--scale=").and_then(|n| n.parse().ok()))
    }) {
        scale(n, &server).await;
        return;
    }
    if let Some(which) =
        std::env::args().find_map(|a| a.strip_prefix("--profile=").map(str::to_owned))
    {
        profile(&which, &server).await;
        return;
    }
    let mut ratios = token_exchange(plan, &server).await;
    ratios.extend(authorised_calls(plan, &server).await);
    let counts = token_requests_under_load(plan).await;
    emulator_throughput(plan).await;
    println!();
    for (name, value) in ratios {
        println!("ratio {name} {value:.3}");
    }
    for (name, value) in counts {
        println!("count {name} {value:.0}");
    }
}
