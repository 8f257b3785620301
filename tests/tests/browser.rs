//! The emulator's web form page in a real browser: headless Chromium (Debian's `chromium`
//! and `chromium-driver`, installed by `.ci/run`) driven over WebDriver. The test fails,
//! never skips, when the browser cannot run.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use finapi_access_core::types::{ClientSecret, UserCreateParams};
use finapi_access_core::{AccessClient, ApiRequest, Operation};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use finapi_access_reqwest::ReqwestTransport;
use finapi_webform::WebFormClient;
use finapi_webform::types::{Bank, BankConnectionImportDetails, WebFormStatus};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// chromedriver, stopped when dropped.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chromedriver() -> Driver {
    let binary = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!(
                "chromedriver is missing: apt-get install chromium chromium-driver (.ci/run does)"
            )
        });
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {binary}: {e}"));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver(child, port)
}

async fn browser(driver: &Driver) -> fantoccini::Client {
    let profile = std::env::temp_dir().join(format!("finapi-chromium-{}", driver.1));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=900,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .unwrap_or_else(|e| panic!("headless Chromium did not start: {e}"))
}

/// The element with this `data-testid`, waiting (up to 15 s) for the page that shows it: after
/// a click the next page may not be there yet on a busy machine.
async fn testid(browser: &fantoccini::Client, id: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::Css(&format!("[data-testid={id}]")))
        .await
        .unwrap_or_else(|e| panic!("no data-testid={id}: {e}"))
}

/// The form's status, read through the SDK.
async fn status_of(
    webforms: &WebFormClient,
    session: &finapi_access_core::UserSession,
    id: &str,
) -> WebFormStatus {
    webforms
        .user(session)
        .get_web_form(id)
        .await
        .unwrap()
        .status
        .clone()
}

/// Types the test bank login (user `demo`, this password).
async fn log_in(browser: &fantoccini::Client, password: &str) {
    testid(browser, "username")
        .await
        .send_keys("demo")
        .await
        .unwrap();
    testid(browser, "password")
        .await
        .send_keys(password)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_completes_the_web_form_in_chromium() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let access = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(ReqwestTransport::new().unwrap())
        .build()
        .unwrap();
    let user = access.create_user(UserCreateParams::new()).await.unwrap();
    let session = access.user_session(user.id.clone(), user.password.clone());
    let webforms = WebFormClient::with_base_url(emulator.webform_base_url()).unwrap();
    let form = webforms
        .user(&session)
        .create_bank_connection_import(&BankConnectionImportDetails {
            bank: Some(Bank::by_search("finAPI Test Bank")),
            ..Default::default()
        })
        .await
        .unwrap();
    // The shop the browser returns to.
    let shop = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/done"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<html><body><h1 id=\"back\">Welcome back</h1></body></html>",
            "text/html",
        ))
        .mount(&shop)
        .await;
    let done_url = format!("{}/done", shop.uri());
    // The emulator takes an http:// loopback redirect (the SDK's `WebFormUrl` insists on
    // https, as finAPI does), so the page address is built by hand here.
    let page = format!(
        "{}?redirectUrl={}",
        form.url,
        form_urlencoded::byte_serialize(done_url.as_bytes()).collect::<String>()
    );

    let driver = chromedriver();
    let browser = browser(&driver).await;
    browser.goto(&page).await.unwrap();
    let bank = testid(&browser, "bank").await.text().await.unwrap();
    assert_eq!(bank, "finAPI Test Bank");
    assert_eq!(
        status_of(&webforms, &session, &form.id).await,
        WebFormStatus::InProgress,
        "opening it moved it"
    );

    // A wrong login is refused on the page.
    log_in(&browser, "wrong").await;
    testid(&browser, "complete").await.click().await.unwrap();
    let refused = testid(&browser, "login-error").await.text().await.unwrap();
    assert!(refused.contains("demo / demo"), "{refused}");
    assert_eq!(
        status_of(&webforms, &session, &form.id).await,
        WebFormStatus::InProgress
    );

    log_in(&browser, "demo").await;
    let screenshot = browser.screenshot().await.unwrap();
    assert!(screenshot.starts_with(b"\x89PNG"), "a PNG screenshot");
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("webform-page.png");
    std::fs::write(&shot, &screenshot).unwrap();
    eprintln!("screenshot: {}", shot.display());
    testid(&browser, "complete").await.click().await.unwrap();

    // The browser lands on the redirect URL.
    let started = Instant::now();
    loop {
        let url = browser.current_url().await.unwrap();
        if url.as_str() == done_url {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let back = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("back"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(back, "Welcome back");
    browser.close().await.unwrap();

    // The outcome through the SDK: COMPLETED, and the bank connection in Access.
    let done = webforms
        .user(&session)
        .get_web_form(&form.id)
        .await
        .unwrap();
    assert_eq!(done.status, WebFormStatus::Completed);
    let connection = done.payload.bank_connection_id.unwrap();
    const GET_CONNECTION: Operation = Operation::new("get bank connection", true);
    let read = session
        .send(
            ApiRequest::new(
                GET_CONNECTION,
                http::Method::GET,
                format!("/api/v2/bankConnections/{connection}"),
            )
            .json_response::<serde_json::Value>(),
        )
        .await
        .unwrap();
    assert_eq!(read["bank"]["name"], "finAPI Test Bank");
}
