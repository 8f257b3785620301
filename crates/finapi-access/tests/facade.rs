//! The facade: `from_env` builds a working client from the environment alone, and each
//! missing or wrong variable is named.

#![allow(clippy::unwrap_used)]

use finapi_access::AccessClientBuilder;
use finapi_access::emulator::{Emulator, EmulatorConfig};
use finapi_access::types::UserCreateParams;

const CHILD: &str = "FINAPI_FACADE_TEST_CHILD";

/// Runs in a child process whose environment the parent set (the environment of a running
/// test process cannot be changed safely); a no-op in the parent's run.
#[tokio::test]
async fn child_from_env_runs_the_three_steps() {
    if std::env::var(CHILD).is_err() {
        return;
    }
    let client = finapi_access::from_env().unwrap_or_else(|e| panic!("{e}"));
    client.client_token().await.unwrap();
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    session.token().await.unwrap();
    println!("three steps done for {}", user.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_env_builds_a_working_client_from_the_environment_alone() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "child_from_env_runs_the_three_steps",
                "--nocapture",
            ])
            .env(CHILD, "1");
        for var in [
            "FINAPI_CLIENT_ID",
            "FINAPI_CLIENT_SECRET",
            "FINAPI_ENV",
            "FINAPI_BASE_URL",
            "FINAPI_API_VERSION",
            "FINAPI_ALLOW_PLAIN_HTTP",
        ] {
            command.env_remove(var);
        }
        command.envs(vars.iter().copied());
        command.output().unwrap()
    };
    let output = run(&[
        ("FINAPI_CLIENT_ID", emulator.client_id()),
        ("FINAPI_CLIENT_SECRET", emulator.client_secret()),
        ("FINAPI_BASE_URL", emulator.base_url()),
        ("FINAPI_API_VERSION", "v1"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("three steps done"), "{stdout}");

    let output = run(&[("FINAPI_CLIENT_ID", emulator.client_id())]);
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("FINAPI_CLIENT_SECRET`: is not set"), "{said}");
}

fn refusal(vars: &[(&str, &str)]) -> String {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let lookup = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match AccessClientBuilder::from_lookup(lookup) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn each_missing_or_wrong_variable_is_named() {
    let id = ("FINAPI_CLIENT_ID", "app");
    let secret = ("FINAPI_CLIENT_SECRET", "s3cret-value");
    assert!(refusal(&[]).contains("FINAPI_CLIENT_ID"));
    assert!(refusal(&[id]).contains("FINAPI_CLIENT_SECRET"));
    let err = refusal(&[id, secret]);
    assert!(
        err.contains("FINAPI_ENV") && err.contains("FINAPI_BASE_URL"),
        "{err}"
    );
    let err = refusal(&[id, secret, ("FINAPI_ENV", "production")]);
    assert!(
        err.contains("FINAPI_ENV") && err.contains("sandbox or live"),
        "{err}"
    );
    let err = refusal(&[
        id,
        secret,
        ("FINAPI_ENV", "sandbox"),
        ("FINAPI_BASE_URL", "https://x"),
    ]);
    assert!(err.contains("both set"), "{err}");
    let err = refusal(&[id, secret, ("FINAPI_BASE_URL", "http://emulator:8080")]);
    assert!(
        err.contains("FINAPI_BASE_URL") && err.contains("plain http"),
        "{err}"
    );
    let allowed = refusal(&[
        id,
        secret,
        ("FINAPI_BASE_URL", "http://emulator:8080"),
        ("FINAPI_ALLOW_PLAIN_HTTP", "1"),
    ]);
    assert_eq!(allowed, "", "the explicit opt-in");
    let err = refusal(&[
        id,
        secret,
        ("FINAPI_ENV", "live"),
        ("FINAPI_API_VERSION", "v3"),
    ]);
    assert!(err.contains("FINAPI_API_VERSION"), "{err}");
    assert!(!err.contains("s3cret-value"));
    assert_eq!(refusal(&[id, secret, ("FINAPI_ENV", "Sandbox")]), "");
}
