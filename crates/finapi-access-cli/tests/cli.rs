//! End-to-end tests of the `finapi-access` binary: onboarding on the embedded emulator through
//! both transports and both API versions, against a running emulator, and its failures.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use finapi_access_core::types::{ClientSecret, Password, UserCreateParams, UserId};
use finapi_access_core::{AccessClient, ApiVersion};
use finapi_access_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;

/// A state file of its own for each test that wants commands to share one.
fn state_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("finapi-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}-{}.json", fastrand_suffix()))
}

fn fastrand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The CLI, with no credentials in its environment and an embedded emulator state file of
/// its own (each command starts empty unless a test shares a file on purpose).
fn cli() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_finapi-access"));
    for var in [
        "FINAPI_CLIENT_ID",
        "FINAPI_CLIENT_SECRET",
        "FINAPI_USER_PASSWORD",
        "FINAPI_EMULATOR_STATE",
    ] {
        command.env_remove(var);
    }
    command.env("FINAPI_EMULATOR_STATE", state_file("command"));
    command.stdin(Stdio::null());
    command
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    eprintln!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

fn against(emulator: &EmulatorHandle) -> Command {
    let mut command = cli();
    command
        .env("FINAPI_CLIENT_ID", emulator.client_id())
        .env("FINAPI_CLIENT_SECRET", emulator.client_secret())
        .args(["--base-url", emulator.base_url()]);
    command
}

/// The CLI with the emulator's mandator admin credentials.
fn as_admin(emulator: &EmulatorHandle) -> Command {
    let mut command = cli();
    command
        .env(
            "FINAPI_CLIENT_ID",
            finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        )
        .env(
            "FINAPI_CLIENT_SECRET",
            finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
        )
        .args(["--base-url", emulator.base_url()]);
    command
}

/// A running `finapi-access emulator` process, killed when dropped (also when an assertion
/// fails first). Its stdout lines arrive through a channel, so that a missing line fails the
/// test instead of hanging it.
struct Served {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    base_url: String,
}

impl Served {
    /// Spawns `command` (an `emulator` command) and reads the base URL from its first line.
    fn start(command: &mut Command) -> Self {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Self {
            child,
            lines,
            base_url: String::new(),
        };
        let first = served.next_line();
        served.base_url = first.rsplit(' ').next().unwrap().to_owned();
        served
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the emulator printed the next line in time")
    }

    /// Stops reading its output: the pipe closes under it.
    fn stop_reading(&mut self) {
        self.lines = std::sync::mpsc::channel().1;
    }

    /// A clean stop (SIGTERM), which must succeed.
    fn terminate(&mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(self.child.wait().unwrap().success(), "a clean stop");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client of the default emulator client at `base_url` (an emulator process).
fn client_at(base_url: &str) -> AccessClient {
    AccessClient::builder()
        .base_url(base_url)
        .credentials(
            finapi_access_emulator::DEFAULT_CLIENT_ID,
            ClientSecret::new(finapi_access_emulator::DEFAULT_CLIENT_SECRET),
        )
        .transport(finapi_access_reqwest::ReqwestTransport::new().unwrap())
        .build()
        .unwrap()
}

fn sdk_client(emulator: &EmulatorHandle) -> AccessClient {
    AccessClient::builder()
        .base_url(emulator.base_url())
        .api_version(ApiVersion::V2)
        .credentials(
            emulator.client_id(),
            ClientSecret::new(emulator.client_secret()),
        )
        .transport(finapi_access_reqwest::ReqwestTransport::new().unwrap())
        .build()
        .unwrap()
}

#[test]
fn onboard_runs_on_the_embedded_emulator_with_every_transport_and_version() {
    for transport in ["reqwest", "hyper"] {
        for version in ["v1", "v2"] {
            // Global options after the subcommand are accepted too.
            let output = run(cli().args([
                "onboard",
                "--json",
                "--transport",
                transport,
                "--api-version",
                version,
            ]));
            assert!(output.status.success(), "{transport} {version}");
            let report = stdout_json(&output);
            assert_eq!(report["server"]["kind"], "embedded-emulator");
            assert_eq!(report["server"]["transport"], transport);
            assert_eq!(report["server"]["apiVersion"], version);
            let steps = report["steps"].as_array().unwrap();
            let statuses: Vec<u64> = steps
                .iter()
                .map(|s| s["status"].as_u64().unwrap())
                .collect();
            assert_eq!(statuses, [200, 201, 200]);
            assert_eq!(steps[2]["refreshToken"], true);
            assert!(
                steps
                    .iter()
                    .all(|s| !s["requestId"].as_str().unwrap().is_empty())
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("embedded finAPI emulator"),
                "says so: {stderr}"
            );
        }
    }
}

#[test]
fn onboard_text_output_names_each_step_and_masks_tokens() {
    let output = run(cli().arg("onboard"));
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for step in [
        "[1/3] client token",
        "[2/3] create user",
        "[3/3] user token",
        "embedded finAPI emulator",
    ] {
        assert!(text.contains(step), "{step}: {text}");
    }
    // Emulator tokens are 64 hex characters; none may appear whole.
    let longest_hex_run = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_hex_run < 64, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_uses_a_chosen_server_with_credentials_from_the_environment() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let output = run(against(&emulator)
        .args([
            "onboard",
            "--json",
            "--user-id",
            "bob",
            "--email",
            "bob@example.com",
        ])
        .env("FINAPI_USER_PASSWORD", "bob&s pass word+€"));
    assert!(output.status.success());
    let report = stdout_json(&output);
    assert_eq!(report["server"]["kind"], "remote");
    assert_eq!(report["steps"][1]["userId"], "bob");
    // The user exists on that server, with the password from the environment.
    let client = sdk_client(&emulator);
    let token = client
        .fetch_user_token(
            &UserId::new("bob").unwrap(),
            &Password::new("bob&s pass word+€").unwrap(),
        )
        .await
        .unwrap();
    let user = client
        .get_authorized_user(&token.access_token)
        .await
        .unwrap();
    assert_eq!(user.email.as_deref(), Some("bob@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_exits_non_zero_with_step_status_and_request_id() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    sdk_client(&emulator)
        .create_user(UserCreateParams::new().id(UserId::new("taken").unwrap()))
        .await
        .unwrap();
    let output = run(against(&emulator).args(["onboard", "--user-id", "taken"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    for part in [
        "step 2 of 3",
        "create user",
        "422",
        "ENTITY_EXISTS",
        "request id",
    ] {
        assert!(lines[0].contains(part), "{part}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_client_credentials_exit_non_zero_and_say_what_to_check() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let output = run(cli()
        .env("FINAPI_CLIENT_ID", emulator.client_id())
        .env("FINAPI_CLIENT_SECRET", "not-the-secret")
        .args(["--base-url", emulator.base_url(), "token", "client"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for part in [
        "401",
        "invalid_client",
        "request id",
        "FINAPI_CLIENT_SECRET",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
}

#[test]
fn a_chosen_server_without_credentials_is_refused_before_any_request() {
    let output = run(cli().args(["--env", "sandbox", "onboard"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("set FINAPI_CLIENT_ID"));
    let output = run(cli()
        .args(["--base-url", "http://finapi.example.com", "token", "client"])
        .env("FINAPI_CLIENT_ID", "x")
        .env("FINAPI_CLIENT_SECRET", "y"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "--base-url http://finapi.example.com: plain http:// is only for loopback hosts"
    ));
}

#[test]
fn invalid_user_input_is_refused_naming_the_field() {
    let output = run(cli().args(["onboard", "--user-id", "no spaces please"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`id`"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_client_raw_prints_a_usable_bare_token() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let output = run(against(&emulator).args(["token", "client", "--raw", "--transport", "hyper"]));
    assert!(output.status.success());
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(token.len(), 64);
    // finAPI (and the emulator) hand out the same valid token for the same credentials.
    let again = sdk_client(&emulator).fetch_client_token().await.unwrap();
    assert_eq!(again.access_token.expose_secret(), token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_create_then_get_and_token_user_with_the_password_on_stdin() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let created = run(against(&emulator)
        .args([
            "users",
            "create",
            "--user-id",
            "dora",
            "--phone",
            "+49 1",
            "--json",
        ])
        .env("FINAPI_USER_PASSWORD", "dora-password"));
    assert!(created.status.success());
    assert_eq!(stdout_json(&created)["user"]["userId"], "dora");

    let got = run(against(&emulator)
        .args([
            "users",
            "get",
            "--user-id",
            "dora",
            "--json",
            "--api-version",
            "v1",
        ])
        .env("FINAPI_USER_PASSWORD", "dora-password"));
    assert!(got.status.success());
    assert_eq!(stdout_json(&got)["user"]["phone"], "+49 1");

    let mut child = against(&emulator)
        .args(["token", "user", "--user-id", "dora", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"dora-password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout_json(&output);
    assert_eq!(report["token"]["status"], 200);
    assert!(
        report["token"]["accessToken"]
            .as_str()
            .unwrap()
            .contains('…'),
        "masked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_command_serves_until_stopped() {
    let served = Served::start(cli().args(["emulator", "--port", "0"]));
    let next_line = || served.next_line();
    let base_url = served.base_url.clone();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    let credentials = next_line();
    assert!(
        credentials.contains(finapi_access_emulator::DEFAULT_CLIENT_ID),
        "{credentials}"
    );
    let rest: Vec<String> = (0..3).map(|_| next_line()).collect();
    assert!(
        rest.iter()
            .any(|l| l.starts_with(&format!("Web Form 2.0 at {base_url}"))),
        "{rest:?}"
    );

    let client = client_at(&base_url);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    // One line per request: method, path, status, request id.
    let created = user.request_id().as_str().to_owned();
    while !next_line().starts_with("Press Ctrl-C") {}
    let log: Vec<String> = (0..3).map(|_| next_line()).collect(); // token, create, token
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /api/v2/users 201 ") && l.contains(&created)),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /api/v2/oauth/token 200 ")),
        "{log:?}"
    );

    // The port is taken now: the message says how to pick another.
    let port = base_url.rsplit(':').next().unwrap();
    let taken = run(cli().args(["emulator", "--port", port]));
    assert_eq!(taken.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&taken.stderr);
    assert!(
        stderr.contains("is in use") && stderr.contains("--port 0"),
        "{stderr}"
    );
    drop(served);
}

#[test]
fn the_emulator_refuses_options_it_does_not_use() {
    let output = run(cli().args([
        "emulator",
        "--base-url",
        "https://sandbox.finapi.io",
        "--transport",
        "hyper",
    ]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("does not use --base-url, --transport"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_verify_status_update_and_delete() {
    let emulator = Emulator::start(EmulatorConfig::default().auto_verify_users(false))
        .await
        .unwrap();
    let client = sdk_client(&emulator);
    for user in ["eve", "fred"] {
        client
            .create_user(
                UserCreateParams::new()
                    .id(UserId::new(user).unwrap())
                    .password(Password::new("eve-password").unwrap()),
            )
            .await
            .unwrap();
    }
    let status = |user: &str| {
        let output = run(against(&emulator).args(["users", "status", "--user-id", user, "--json"]));
        assert!(output.status.success());
        stdout_json(&output)["status"]["isUserVerified"]
            .as_bool()
            .unwrap()
    };
    assert!(!status("eve"));
    let verified = run(against(&emulator).args(["users", "verify", "--user-id", "eve"]));
    assert!(verified.status.success());
    assert!(status("eve"));
    let again = run(against(&emulator).args(["users", "verify", "--user-id", "eve"]));
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("422"));

    let updated = run(against(&emulator)
        .args([
            "users",
            "update",
            "--user-id",
            "eve",
            "--email",
            "eve@example.com",
            "--json",
        ])
        .env("FINAPI_USER_PASSWORD", "eve-password"));
    assert!(updated.status.success());
    assert_eq!(stdout_json(&updated)["user"]["email"], "eve@example.com");
    let nothing = run(against(&emulator).args(["users", "update", "--user-id", "eve"]));
    assert_eq!(nothing.status.code(), Some(2), "an empty edit is refused");

    let gone =
        run(against(&emulator).args(["users", "delete", "--user-id", "fred", "--unverified"]));
    assert!(gone.status.success());
    let deleted = run(against(&emulator)
        .args(["users", "delete", "--user-id", "eve"])
        .env("FINAPI_USER_PASSWORD", "eve-password"));
    assert!(deleted.status.success());
    let missing = run(against(&emulator).args(["users", "status", "--user-id", "eve"]));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_through_the_cli() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    sdk_client(&emulator)
        .create_user(
            UserCreateParams::new()
                .id(UserId::new("gina").unwrap())
                .password(Password::new("old-password").unwrap()),
        )
        .await
        .unwrap();
    let requested = run(against(&emulator).args([
        "users",
        "request-password-change",
        "--user-id",
        "gina",
        "--json",
    ]));
    assert!(requested.status.success());
    let encrypted = stdout_json(&requested)["passwordChange"]["encryptedPasswordChangeToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let decrypted = finapi_access_emulator::decrypt(&encrypted).unwrap();
    let mut child = against(&emulator)
        .args(["users", "execute-password-change", "--user-id", "gina"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{decrypted}\nnew-password\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    sdk_client(&emulator)
        .fetch_user_token(
            &UserId::new("gina").unwrap(),
            &Password::new("new-password").unwrap(),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_users_list_and_delete() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = sdk_client(&emulator);
    for n in 0..5 {
        client
            .create_user(UserCreateParams::new().id(UserId::new(format!("admin-{n}")).unwrap()))
            .await
            .unwrap();
    }
    let admin = || as_admin(&emulator);
    let listed = run(admin().args([
        "admin",
        "users",
        "list",
        "--per-page",
        "2",
        "--all",
        "--order",
        "desc",
        "--json",
    ]));
    assert!(listed.status.success());
    let users: Vec<String> = stdout_json(&listed)["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        users,
        ["admin-4", "admin-3", "admin-2", "admin-1", "admin-0"]
    );

    emulator.set_user_busy("admin-1", true);
    let deleted = run(admin().args([
        "admin",
        "users",
        "delete",
        "--user-id",
        "admin-0",
        "--user-id",
        "admin-1",
        "--json",
    ]));
    assert!(deleted.status.success());
    let result = &stdout_json(&deleted)["result"];
    assert_eq!(result["deletedUsers"], serde_json::json!(["admin-0"]));
    assert_eq!(result["nonDeletedUsers"], serde_json::json!(["admin-1"]));

    // An ordinary client is refused.
    let refused = run(against(&emulator).args(["admin", "users", "list"]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("403"));
    let too_many = run(admin().args(["admin", "users", "list", "--per-page", "501"]));
    assert_eq!(too_many.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("perPage"));
}

#[test]
fn admin_commands_use_the_embedded_emulators_admin_client() {
    let output = run(cli().args(["admin", "users", "list", "--json"]));
    assert!(output.status.success());
    assert_eq!(stdout_json(&output)["paging"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_say_what_to_do_next() {
    let emulator = Emulator::start(EmulatorConfig::default().auto_verify_users(false))
        .await
        .unwrap();
    sdk_client(&emulator)
        .create_user(
            UserCreateParams::new()
                .id(UserId::new("henry").unwrap())
                .password(Password::new("henry-password").unwrap()),
        )
        .await
        .unwrap();
    let output = run(against(&emulator)
        .args(["token", "user", "--user-id", "henry"])
        .env("FINAPI_USER_PASSWORD", "henry-password"));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("users verify"));

    let refused = run(cli()
        .env("FINAPI_CLIENT_ID", "x")
        .env("FINAPI_CLIENT_SECRET", "y")
        .args(["--base-url", "http://127.0.0.1:9", "token", "client"]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is the server running"));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for command in [
        &["onboard"][..],
        &["token", "client"],
        &["token", "user"],
        &["token", "revoke"],
        &["users", "create"],
        &["users", "get"],
        &["users", "update"],
        &["users", "delete"],
        &["users", "verify"],
        &["users", "status"],
        &["users", "request-password-change"],
        &["users", "execute-password-change"],
        &["admin", "users", "list"],
        &["admin", "users", "delete"],
        &["admin", "change-client-credentials"],
        &["admin", "keyword-rules", "list"],
        &["admin", "keyword-rules", "create"],
        &["admin", "keyword-rules", "delete"],
        &["admin", "iban-rules", "list"],
        &["admin", "iban-rules", "create"],
        &["admin", "iban-rules", "delete"],
        &["client-config", "get"],
        &["client-config", "set"],
        &["emulator"],
        &["webform", "create", "bank-connection-import"],
        &["webform", "create", "standalone-payment"],
        &["webform", "create", "payment-with-account-id"],
        &["webform", "create", "direct-debit-with-account-id"],
        &["webform", "create", "standing-order"],
        &["webform", "get"],
        &["webform", "list"],
        &["webform", "delete"],
        &["webform", "wait"],
        &["webform", "tasks", "create"],
        &["webform", "tasks", "get"],
        &["webform", "tasks", "list"],
        &["webform", "profiles", "create"],
        &["webform", "profiles", "get"],
        &["webform", "profiles", "list"],
        &["webform", "profiles", "update"],
        &["webform", "profiles", "delete"],
        &["webform", "translations", "create"],
        &["webform", "translations", "get"],
        &["webform", "translations", "list"],
        &["webform", "translations", "delete"],
    ] {
        let output = run(cli().args(command).arg("--help"));
        assert!(output.status.success(), "{command:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("Example:"), "{command:?}: {help}");
    }
}

const FORM_ID: &str = "4d6a3f1e-1d2c-4b5a-9e8f-7a6b5c4d3e2f";

fn form_json(status: &str) -> Value {
    serde_json::json!({
        "id": FORM_ID,
        "url": format!("https://webform.finapi.io/wf/{FORM_ID}"),
        "createdAt": "2026-11-28T10:00:00.000+0000",
        "expiresAt": "2026-11-28T10:20:00.000+0000",
        "type": "BANK_CONNECTION_IMPORT",
        "status": status,
        "payload": {}
    })
}

/// Web Form commands: the user's token from the Access emulator (password from the
/// environment), the request to the Web Form host given by --webform-base-url.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webform_create_get_and_list_with_the_users_token() {
    use wiremock::matchers::{body_json, header_exists, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let user = sdk_client(&emulator)
        .create_user(
            UserCreateParams::new()
                .id(UserId::new("wanda").unwrap())
                .password(Password::new("wanda-password").unwrap()),
        )
        .await
        .unwrap();
    let webform = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/webForms/bankConnectionImport"))
        .and(header_exists("authorization"))
        .and(body_json(serde_json::json!({"bank": {"search": "DE89370400440532013000"}, "maxDaysForDownload": 30})))
        .respond_with(ResponseTemplate::new(201).set_body_json(form_json("NOT_YET_OPENED")))
        .expect(1)
        .mount(&webform)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/webForms"))
        .and(query_param("perPage", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "items": [form_json("COMPLETED")],
            "paging": {"page": 1, "perPage": 5, "pageCount": 1, "totalCount": 1}
        })))
        .expect(1)
        .mount(&webform)
        .await;
    let output = run(against(&emulator)
        .args(["--webform-base-url", &webform.uri()])
        .args([
            "webform",
            "create",
            "bank-connection-import",
            "--user-id",
            user.id.as_str(),
        ])
        .args([
            "--bank-search",
            "DE89370400440532013000",
            "--max-days",
            "30",
            "--json",
        ])
        .env("FINAPI_USER_PASSWORD", "wanda-password"));
    assert!(output.status.success());
    let json = stdout_json(&output);
    assert_eq!(json["webForm"]["id"], FORM_ID);
    assert_eq!(json["webForm"]["status"], "NOT_YET_OPENED");
    let output = run(against(&emulator)
        .args(["--webform-base-url", &webform.uri()])
        .args([
            "webform",
            "list",
            "--user-id",
            "wanda",
            "--per-page",
            "5",
            "--all",
        ])
        .env("FINAPI_USER_PASSWORD", "wanda-password"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!(
            "web form: {FORM_ID} BANK_CONNECTION_IMPORT COMPLETED"
        )),
        "{text}"
    );
    assert!(text.contains("1 webForms"), "{text}");

    // Bad input is refused before anything is sent, naming the field.
    let output = run(against(&emulator)
        .args(["--webform-base-url", &webform.uri()])
        .args([
            "webform",
            "create",
            "standing-order",
            "--user-id",
            "wanda",
            "--amount",
            "1.234",
        ])
        .args([
            "--recipient-iban",
            "DE89370400440532013000",
            "--recipient-name",
            "Ann",
            "--start-date",
            "2099-01-01",
        ])
        .env("FINAPI_USER_PASSWORD", "wanda-password"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("amount.value"));
}

/// Profile commands use the mandator admin's client token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webform_profiles_use_the_mandator_admin_token() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let admin = emulator
        .clients()
        .iter()
        .find(|c| c.mandator_admin)
        .unwrap()
        .clone();
    let webform = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/profiles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "items": [{"id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "label": "Shop", "createdAt": "2026-11-28T10:00:00.000+0000", "default": true}],
            "paging": {"page": 1, "perPage": 20, "pageCount": 1, "totalCount": 1}
        })))
        .expect(1)
        .mount(&webform)
        .await;
    let output = run(cli()
        .env("FINAPI_CLIENT_ID", &admin.client_id)
        .env("FINAPI_CLIENT_SECRET", admin.client_secret.expose_secret())
        .args([
            "--base-url",
            emulator.base_url(),
            "--webform-base-url",
            &webform.uri(),
        ])
        .args(["webform", "profiles", "list"]));
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("profile 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 \"Shop\" (default)")
    );
    let requests: Vec<Request> = webform.received_requests().await.unwrap();
    let bearer = requests[0].headers["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    // The bearer is a client token of the admin client: the emulator accepts it for admin calls.
    let token = bearer.trim_start_matches("Bearer ");
    let admin_client = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(admin.client_id.clone(), admin.client_secret.clone())
        .transport(finapi_access_reqwest::ReqwestTransport::new().unwrap())
        .build()
        .unwrap();
    let listed = admin_client
        .send_with_token(
            &finapi_access_core::types::AccessToken::new(token),
            finapi_access_core::ApiRequest::new(
                finapi_access_core::Operation::LIST_USERS,
                http::Method::GET,
                "/api/v2/mandatorAdmin/getUserList",
            ),
        )
        .await;
    assert!(
        listed.is_ok(),
        "the token is the mandator admin's: {listed:?}"
    );
}

/// `onboard --webform` on the embedded emulator: prints the page address, waits while the
/// person completes it (here: a form post, as the page's button sends), then prints the
/// outcome and that the callback arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_webform_waits_for_the_person_and_reports_the_outcome() {
    use finapi_access_core::Transport;

    let mut child = cli()
        .args(["onboard", "--webform"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = |what: &str| loop {
        let line = lines_rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no {what} line"));
        eprintln!("cli: {line}");
        if line.contains(what) {
            return line;
        }
    };
    next_line("open this address");
    let url = next_line("/wf/").trim().to_owned();
    let transport = finapi_access_reqwest::ReqwestTransport::new().unwrap();
    let open = http::Request::get(&url).body(bytes::Bytes::new()).unwrap();
    assert_eq!(transport.send(open).await.unwrap().status(), 200);
    next_line("status: IN_PROGRESS");
    let post = http::Request::post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(bytes::Bytes::from_static(
            b"action=complete&username=demo&password=demo",
        ))
        .unwrap();
    assert_eq!(transport.send(post).await.unwrap().status(), 200);
    let done = next_line("Done:");
    assert!(done.contains("is COMPLETED"), "{done}");
    assert!(
        done.contains("bank connection 1") || done.contains("bank connection "),
        "{done}"
    );
    assert!(!done.contains("bank connection none"), "{done}");
    assert!(done.contains("callback delivered"), "{done}");
    let status = child.wait().unwrap();
    assert!(status.success());
}

/// `admin change-client-credentials` with the admin's credentials; the secrets from the
/// environment; the client then gets tokens only with the new secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_a_client_secret() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let admin = emulator
        .clients()
        .iter()
        .find(|c| c.mandator_admin)
        .unwrap()
        .clone();
    let output = run(cli()
        .env("FINAPI_CLIENT_ID", &admin.client_id)
        .env("FINAPI_CLIENT_SECRET", admin.client_secret.expose_secret())
        .env("FINAPI_OLD_CLIENT_SECRET", emulator.client_secret())
        .env("FINAPI_NEW_CLIENT_SECRET", "Changed-Secret-7")
        .args([
            "--base-url",
            emulator.base_url(),
            "admin",
            "change-client-credentials",
        ])
        .args(["--client-id", emulator.client_id()]));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("changed the secret of client"), "{text}");
    assert!(
        !text.contains("Changed-Secret-7"),
        "the secret is not printed"
    );
    let old = sdk_client(&emulator)
        .fetch_client_token()
        .await
        .unwrap_err();
    assert_eq!(old.status().map(|s| s.as_u16()), Some(401));
    let renewed = AccessClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.client_id(), ClientSecret::new("Changed-Secret-7"))
        .transport(finapi_access_reqwest::ReqwestTransport::new().unwrap())
        .build()
        .unwrap();
    renewed.fetch_client_token().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_config_get_and_set_change_what_the_server_obeys() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let set = run(against(&emulator).args([
        "client-config",
        "set",
        "--user-token-validity",
        "900",
        "--refresh-token-validity",
        "0",
        "--user-synchronization-callback-url",
        "https://example.com/deleted",
        "--json",
    ]));
    assert!(set.status.success());
    let configuration = &stdout_json(&set)["configuration"];
    assert_eq!(configuration["userAccessTokensValidityPeriod"], 900);
    assert_eq!(configuration["refreshTokensValidityPeriod"], 0);
    let text = run(against(&emulator).args(["client-config", "get"]));
    assert!(text.status.success());
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        shown.contains("user access tokens          900 s"),
        "{shown}"
    );
    assert!(shown.contains("https://example.com/deleted"), "{shown}");
    // The server obeys it: a new user token lives 900 s.
    let client = sdk_client(&emulator);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let token = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    assert_eq!(token.expires_in.as_secs(), 900);

    let bad =
        run(against(&emulator).args(["client-config", "set", "--client-token-validity", "59"]));
    assert_eq!(bad.status.code(), Some(2), "refused before sending");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("clientAccessTokensValidityPeriod"), "{err}");
    let nothing = run(against(&emulator).args(["client-config", "set"]));
    assert_eq!(nothing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to change"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_keyword_and_iban_rules() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let admin = || as_admin(&emulator);
    let created = run(admin().args([
        "admin",
        "keyword-rules",
        "create",
        "--category-id",
        "201",
        "--direction",
        "both",
        "--keyword",
        "REWE",
        "--keyword",
        "EDEKA",
        "--json",
    ]));
    assert!(created.status.success());
    let rules = stdout_json(&created)["created"]["keywordRules"].clone();
    assert_eq!(rules.as_array().unwrap().len(), 2);
    let listed = run(admin().args(["admin", "keyword-rules", "list"]));
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("REWE, EDEKA") && text.contains("(2 rules)"),
        "{text}"
    );
    let first = rules[0]["id"].as_i64().unwrap().to_string();
    let deleted = run(admin().args(["admin", "keyword-rules", "delete", "--id", &first, "--json"]));
    assert!(deleted.status.success());
    assert_eq!(
        stdout_json(&deleted)["deleted"][0]
            .as_i64()
            .unwrap()
            .to_string(),
        first
    );
    let again = run(admin().args(["admin", "keyword-rules", "delete", "--id", &first]));
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("404"));

    let iban = run(admin().args([
        "admin",
        "iban-rules",
        "create",
        "--iban",
        "DE89 3704 0044 0532 0130 00",
        "--category-id",
        "101",
        "--direction",
        "income",
    ]));
    assert!(iban.status.success());
    assert!(String::from_utf8_lossy(&iban.stdout).contains("DE89370400440532013000"));
    let typo = run(admin().args([
        "admin",
        "iban-rules",
        "create",
        "--iban",
        "DE89370400440532013001",
        "--category-id",
        "101",
        "--direction",
        "income",
    ]));
    assert_eq!(typo.status.code(), Some(2), "refused before sending");
    assert!(String::from_utf8_lossy(&typo.stderr).contains("check digits"));
    let listed = run(admin().args(["admin", "iban-rules", "list", "--json"]));
    assert_eq!(stdout_json(&listed)["page"]["paging"]["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_revoke_takes_the_token_from_the_environment() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = sdk_client(&emulator);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let token = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    let access = token.access_token.expose_secret().to_owned();
    let revoked = run(against(&emulator)
        .env("FINAPI_REVOKE_TOKEN", &access)
        .args(["token", "revoke", "--kind", "grant"]));
    assert!(revoked.status.success());
    assert!(!String::from_utf8_lossy(&revoked.stdout).contains(&access));
    // The grant is gone: its refresh token no longer works.
    let refresh = token.refresh_token.clone().unwrap();
    let err = client.refresh_user_token(&refresh).await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
    let missing = run(against(&emulator).args(["token", "revoke"]));
    assert_eq!(missing.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_name_the_cause_and_only_the_options_given() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let with = |base_url: &str| {
        let mut command = cli();
        command
            .env("FINAPI_CLIENT_ID", "x")
            .env("FINAPI_CLIENT_SECRET", "y")
            .args(["--base-url", base_url, "token", "client"]);
        command
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = run(&mut with(&format!("http://127.0.0.1:{port}")));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("refused") && stderr.contains("nothing listens at"),
        "{stderr}"
    );
    let tls = run(&mut with(
        &emulator.base_url().replace("http://", "https://"),
    ));
    let stderr = String::from_utf8_lossy(&tls.stderr);
    assert!(
        stderr.contains("TLS handshake") && stderr.contains("plain http://"),
        "{stderr}"
    );
    assert!(!stderr.contains("--env"), "only what was given: {stderr}");

    let no_scheme = run(&mut with("sandbox.finapi.io"));
    assert_eq!(no_scheme.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_scheme.stderr)
            .contains("did you mean https://sandbox.finapi.io"),
        "{}",
        String::from_utf8_lossy(&no_scheme.stderr)
    );
    let with_path = run(&mut with(&format!("{}/api/v2", emulator.base_url())));
    let stderr = String::from_utf8_lossy(&with_path.stderr);
    assert!(stderr.contains("has the path /api/v2"), "{stderr}");

    let missing = run(cli()
        .env("FINAPI_CLIENT_ID", "x")
        .args(["--env", "sandbox", "token", "client"]));
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("FINAPI_CLIENT_SECRET is not set"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_beyond_loopback_takes_an_explicit_opt_in() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    // 0.0.0.0 is not a loopback address to the SDK, yet on Linux a connection to it reaches
    // the local host: it stands in for a container's host name without leaving the machine.
    let beyond = emulator.base_url().replace("127.0.0.1", "0.0.0.0");
    let as_client = || {
        let mut command = cli();
        command
            .env("FINAPI_CLIENT_ID", emulator.client_id())
            .env("FINAPI_CLIENT_SECRET", emulator.client_secret());
        command
    };
    let refused = run(as_client().args(["--base-url", &beyond, "token", "client"]));
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--allow-plain-http"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let allowed = run(as_client().args([
        "--base-url",
        &beyond,
        "--allow-plain-http",
        "token",
        "client",
        "--json",
    ]));
    assert!(allowed.status.success());
    assert!(
        String::from_utf8_lossy(&allowed.stderr).contains("warning: --base-url"),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
}

/// A password typed at the terminal is not echoed (a real pseudo-terminal from util-linux's
/// `script`, which Debian always has); one given as an argument works with a warning.
#[test]
fn a_password_typed_at_the_terminal_is_not_echoed() {
    use std::io::Read;

    let binary = env!("CARGO_BIN_EXE_finapi-access");
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("{binary} users create --user-id tty-user --password -"),
            "/dev/null",
        ])
        .env_remove("FINAPI_CLIENT_ID")
        .env_remove("FINAPI_CLIENT_SECRET")
        .env_remove("FINAPI_USER_PASSWORD")
        .env("FINAPI_EMULATOR_STATE", state_file("tty"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("util-linux `script` (Debian: bsdutils) runs the CLI on a pseudo-terminal");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    // Type only once the prompt is there (echo is off by then, or never).
    while !String::from_utf8_lossy(&seen).contains("password for the new user:") {
        assert_eq!(stdout.read(&mut byte).unwrap(), 1, "no prompt: {seen:?}");
        seen.push(byte[0]);
    }
    // The prompt is printed just before echo is switched off (as a person types, later):
    // give it that moment.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"Typed-Secret-123\n").unwrap();
    stdout.read_to_end(&mut seen).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let screen = String::from_utf8_lossy(&seen);
    assert!(
        screen.contains("create user") && screen.contains("tty-user"),
        "{screen}"
    );
    assert!(!screen.contains("Typed-Secret-123"), "echoed: {screen}");

    let output = run(cli().args(["users", "create", "--password", "Argument-Secret-1"]));
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: a password given on the command line")
            && stderr.contains("FINAPI_USER_PASSWORD"),
        "{stderr}"
    );
    assert!(!stderr.contains("Argument-Secret-1"), "{stderr}");
}

#[test]
fn the_embedded_emulator_keeps_its_state_between_commands() {
    let state = state_file("lasting");
    let with_state = || {
        let mut command = cli();
        command.env("FINAPI_EMULATOR_STATE", &state);
        command
    };
    let onboard = run(with_state().args(["onboard", "--user-id", "alice", "--json"]));
    assert!(onboard.status.success());
    let announced = String::from_utf8_lossy(&onboard.stderr);
    assert!(announced.contains("state is kept in"), "{announced}");

    // The same user, in later commands, without giving her password again.
    let got = run(with_state().args(["users", "get", "--user-id", "alice", "--json"]));
    assert!(got.status.success());
    assert_eq!(stdout_json(&got)["user"]["userId"], "alice");
    let token = run(with_state().args(["token", "user", "--user-id", "alice", "--raw"]));
    assert!(token.status.success());
    let form = run(with_state().args([
        "webform",
        "create",
        "bank-connection-import",
        "--user-id",
        "alice",
        "--json",
    ]));
    assert!(form.status.success());

    // onboard again: alice exists, and she gets her token.
    let again = run(with_state().args(["onboard", "--user-id", "alice"]));
    assert!(again.status.success());
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("user alice exists"), "{said}");
    assert!(said.contains("[3/3] user token"), "{said}");

    // --fresh starts empty.
    let fresh = run(with_state().args(["--fresh", "users", "get", "--user-id", "alice"]));
    assert!(!fresh.status.success());
    let _ = std::fs::remove_file(&state);
}

#[test]
fn two_commands_on_one_state_file_take_turns() {
    let state = state_file("turns");
    let spawn = |id: &str| {
        cli()
            .env("FINAPI_EMULATOR_STATE", &state)
            .args(["users", "create", "--user-id", id, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|n| spawn(&format!("racer-{n}"))).collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Nothing was lost: every user is there.
    let listed = run(cli()
        .env("FINAPI_EMULATOR_STATE", &state)
        .args(["admin", "users", "list", "--json"]));
    assert!(listed.status.success());
    let users: Vec<String> = stdout_json(&listed)["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_owned())
        .collect();
    for n in 0..4 {
        assert!(users.contains(&format!("racer-{n}")), "{users:?}");
    }
    let _ = std::fs::remove_file(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_emulator_keeps_its_state_when_asked() {
    let state = state_file("standalone");
    let start = || {
        let mut served = Served::start(
            cli()
                .args(["emulator", "--port", "0", "--quiet", "--emulator-state"])
                .arg(&state),
        );
        // Nobody reads the rest: the emulator must not mind.
        served.stop_reading();
        served
    };
    let mut first = start();
    let user = client_at(&first.base_url)
        .create_user(UserCreateParams::new().id(UserId::new("kept").unwrap()))
        .await
        .unwrap();
    first.terminate();

    let mut second = start();
    let token = client_at(&second.base_url)
        .fetch_user_token(&user.id, &user.password)
        .await;
    second.terminate();
    assert!(token.is_ok(), "the user outlived the restart: {token:?}");
    let _ = std::fs::remove_file(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_takes_fault_rules_from_flags_and_a_file() {
    let rules = state_file("faults");
    std::fs::write(
        &rules,
        r#"[{"path": "/api/v2/users", "method": "POST", "times": 1, "fault": {"kind": "status", "status": 503}}]"#,
    )
    .unwrap();
    let served = Served::start(
        cli()
            .args([
                "emulator",
                "--port",
                "0",
                "--quiet",
                "--fault",
                "path=/api/v2/oauth/token,status=429,retry-after=1,times=1",
                "--faults-file",
            ])
            .arg(&rules),
    );
    let lines: Vec<String> = (0..8)
        .map_while(|_| {
            served
                .lines
                .recv_timeout(std::time::Duration::from_secs(5))
                .ok()
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Fault rules in force: 2")),
        "{lines:?}"
    );
    let client = client_at(&served.base_url);
    // The token request meets the 429 once (retried after a second), the create the 503.
    let started = std::time::Instant::now();
    let err = client
        .create_user(UserCreateParams::new())
        .await
        .unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    client
        .create_user(UserCreateParams::new())
        .await
        .expect("both rules are spent");
    drop(served);

    let bad = run(cli().args(["emulator", "--fault", "path=/x,status=200"]));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--fault path=/x,status=200: status"));
}

#[test]
fn a_changed_client_secret_lasts_on_the_embedded_emulator() {
    let state = state_file("secret");
    let with_state = || {
        let mut command = cli();
        command.env("FINAPI_EMULATOR_STATE", &state);
        command
    };
    let changed = run(with_state()
        .env(
            "FINAPI_OLD_CLIENT_SECRET",
            finapi_access_emulator::DEFAULT_CLIENT_SECRET,
        )
        .env("FINAPI_NEW_CLIENT_SECRET", "Renewed-Secret-1")
        .args([
            "admin",
            "change-client-credentials",
            "--client-id",
            finapi_access_emulator::DEFAULT_CLIENT_ID,
        ]));
    assert!(changed.status.success());
    // The next command uses the client with its new secret.
    let token = run(with_state().args(["token", "client", "--json"]));
    assert!(token.status.success());
    let _ = std::fs::remove_file(&state);
}
