//! The commands: thin users of core, the adapters and the emulator.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use finapi_access_core::types::{
    Email, Password, Phone, TokenResponse, User, UserCreateParams, UserId, ValidationError,
};
use finapi_access_core::{ApiResponse, UserSession};
use finapi_access_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

use crate::CliError;
use crate::args::{
    AdminCommand, Cli, Command, EmulatorArgs, Global, OnboardArgs, TokenCommand, TokenOutput,
    UserArgs, UserRef,
};
use crate::target::{self, Target};

pub(crate) const PASSWORD_VAR: &str = "FINAPI_USER_PASSWORD";

pub(crate) async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Onboard(args) => onboard(&cli.global, &args).await,
        Command::Token(TokenCommand::Client(output)) => token_client(&cli.global, &output).await,
        Command::Token(TokenCommand::User { user_id, output }) => {
            token_user(&cli.global, &user_id, &output).await
        }
        Command::Token(TokenCommand::Revoke { kind, json }) => {
            revoke_token(&cli.global, kind, json).await
        }
        Command::Users(command) => crate::manage::users(&cli.global, command).await,
        Command::Admin(AdminCommand::ChangeClientCredentials { client_id, json }) => {
            change_client_credentials(&cli.global, &client_id, json).await
        }
        Command::Admin(AdminCommand::Users(command)) => {
            crate::manage::admin_users(&cli.global, command).await
        }
        Command::Admin(AdminCommand::KeywordRules(command)) => {
            crate::mandator::keyword_rules(&cli.global, command).await
        }
        Command::Admin(AdminCommand::IbanRules(command)) => {
            crate::mandator::iban_rules(&cli.global, command).await
        }
        Command::ClientConfig(command) => {
            crate::mandator::client_config(&cli.global, command).await
        }
        Command::Webform(command) => crate::webform::run(&cli.global, command).await,
        Command::Emulator(args) => emulator(&cli.global, &args).await,
    }
}

/// `abcd… (64 chars)`: enough to tell tokens apart, not enough to use one.
pub(crate) fn mask(secret: &str) -> String {
    let count = secret.chars().count();
    if count < 12 {
        return format!("… ({count} chars)");
    }
    let head: String = secret.chars().take(4).collect();
    format!("{head}… ({count} chars)")
}

pub(crate) fn invalid(error: &ValidationError) -> CliError {
    CliError::config(error.to_string())
}

pub(crate) fn read_stdin_line(prompt: &str) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // A person types it: prompt on the terminal and do not echo what is typed.
        return rpassword::prompt_password(prompt).map_err(|e| {
            CliError::config(format!("could not read the secret from the terminal: {e}"))
        });
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        CliError::config(format!(
            "could not read the password from standard input: {e}"
        ))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// The password for a new user: `--password -` (stdin), `--password VALUE`,
/// `FINAPI_USER_PASSWORD`, or none (finAPI generates one).
fn new_user_password(args: &UserArgs) -> Result<Option<Password>, CliError> {
    let raw = match args.password.as_deref() {
        Some("-") => Some(read_stdin_line("password for the new user: ")?),
        Some(value) => {
            eprintln!(
                "warning: a password given on the command line can be read by other users of this machine (in the process list) and stays in your shell history; pass it in {PASSWORD_VAR} or with --password - on standard input instead"
            );
            Some(value.to_owned())
        }
        None => std::env::var(PASSWORD_VAR).ok().filter(|v| !v.is_empty()),
    };
    raw.map(|p| Password::new(p).map_err(|e| invalid(&e)))
        .transpose()
}

/// A value from the environment variable `var`, else a line of standard input.
pub(crate) fn from_env_or_stdin(var: &str, prompt: &str) -> Result<String, CliError> {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(value) => Ok(value),
        None => read_stdin_line(prompt),
    }
}

/// A user's password without asking: `FINAPI_USER_PASSWORD`, else (embedded emulator
/// only) the one the emulator holds.
fn known_password(target: &Target, user_id: &str) -> Option<String> {
    std::env::var(PASSWORD_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| {
            target
                .emulator
                .as_ref()
                .and_then(|emulator| emulator.user_password(user_id))
        })
}

/// The password of an existing user: `FINAPI_USER_PASSWORD`, else standard input.
/// On the embedded emulator, the password of a user it holds comes from it (a local test
/// emulator: what a person expects after `onboard`); never against a real server.
pub(crate) fn existing_user_password(target: &Target, user_id: &str) -> Result<Password, CliError> {
    let raw = match known_password(target, user_id) {
        Some(raw) => raw,
        None => read_stdin_line("user password: ")?,
    };
    if raw.is_empty() {
        return Err(CliError::config(format!(
            "no password: set {PASSWORD_VAR} or pass it on standard input"
        )));
    }
    Password::new(raw).map_err(|e| invalid(&e))
}

fn user_params(args: &UserArgs, password: Option<Password>) -> Result<UserCreateParams, CliError> {
    let mut params = UserCreateParams::new();
    if let Some(id) = &args.user_id {
        params = params.id(UserId::new(id.as_str()).map_err(|e| invalid(&e))?);
    }
    if let Some(password) = password {
        params = params.password(password);
    }
    if let Some(email) = &args.email {
        params = params.email(Email::new(email.as_str()).map_err(|e| invalid(&e))?);
    }
    if let Some(phone) = &args.phone {
        params = params.phone(Phone::new(phone.as_str()).map_err(|e| invalid(&e))?);
    }
    if args.auto_update {
        params = params.auto_update(true);
    }
    Ok(params)
}

pub(crate) fn announce(target: &Target, json: bool) {
    let Some(emulator) = &target.emulator else {
        return;
    };
    let kept = target
        .state
        .as_ref()
        .map(|f| {
            format!(
                "; its state is kept in {} (--fresh starts empty)",
                f.path().display()
            )
        })
        .unwrap_or_default();
    let line = format!(
        "No server chosen: using the embedded finAPI emulator at {} (client id {}{kept}). Set {} and {} and pass --env sandbox to use finAPI.",
        emulator.base_url(),
        target.client.client_id(),
        target::CLIENT_ID_VAR,
        target::CLIENT_SECRET_VAR,
    );
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

pub(crate) fn server_json(target: &Target) -> Value {
    json!({
        "kind": if target.emulator.is_some() { "embedded-emulator" } else { "remote" },
        "baseUrl": target.client.base_url().to_string(),
        "apiVersion": target.client.api_version().to_string(),
        "transport": target.transport,
    })
}

fn token_json(step: &str, token: &ApiResponse<TokenResponse>) -> Value {
    json!({
        "step": step,
        "status": token.status().as_u16(),
        "requestId": token.request_id().as_str(),
        "accessToken": mask(token.access_token.expose_secret()),
        "expiresIn": token.expires_in.as_secs(),
        "refreshToken": token.refresh_token.is_some(),
    })
}

fn token_line(step: &str, token: &ApiResponse<TokenResponse>) -> String {
    let expiry = match token.expires_in.lifetime() {
        Some(lifetime) => format!("expires in {} s", lifetime.as_secs()),
        None => "never expires".to_owned(),
    };
    let refresh = if token.refresh_token.is_some() {
        ", with a refresh token"
    } else {
        ""
    };
    format!(
        "{step:<24} ok  HTTP {}  token {}, {expiry}{refresh}  (request id {})",
        token.status().as_u16(),
        mask(token.access_token.expose_secret()),
        token.request_id()
    )
}

pub(crate) fn user_json(step: &str, user: &ApiResponse<User>) -> Value {
    json!({
        "step": step,
        "status": user.status().as_u16(),
        "requestId": user.request_id().as_str(),
        "userId": user.id.as_str(),
        "email": user.email,
        "phone": user.phone,
        "isAutoUpdateEnabled": user.is_auto_update_enabled,
    })
}

pub(crate) fn user_line(step: &str, user: &ApiResponse<User>, password_note: &str) -> String {
    format!(
        "{step:<24} ok  HTTP {}  user {}{password_note}, email {}, phone {}, auto-update {}  (request id {})",
        user.status().as_u16(),
        user.id,
        user.email.as_deref().unwrap_or("-"),
        user.phone.as_deref().unwrap_or("-"),
        if user.is_auto_update_enabled {
            "on"
        } else {
            "off"
        },
        user.request_id()
    )
}

pub(crate) fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

async fn onboard(global: &Global, onboard: &OnboardArgs) -> Result<(), CliError> {
    let args = &onboard.user;
    let password = new_user_password(args)?;
    let chose_password = password.is_some();
    let params = user_params(args, password.clone())?;
    let target = target::resolve(global, false).await?;
    announce(&target, args.json);
    let client = &target.client;

    let step1 = "step 1 of 3 (client token)";
    let client_token = client
        .fetch_client_token()
        .await
        .map_err(|e| CliError::call(Some(step1), &e))?;
    if !args.json {
        println!("{}", token_line("[1/3] client token", &client_token));
    }

    let step2 = "step 2 of 3 (create user)";
    let (user_id, login_password, created) = match client.create_user(params).await {
        Ok(user) => {
            let note = if chose_password {
                ""
            } else {
                " (password generated by finAPI, not shown)"
            };
            if !args.json {
                println!("{}", user_line("[2/3] create user", &user, note));
            }
            let login = password.unwrap_or_else(|| user.password.clone());
            (
                user.id.clone(),
                login,
                Some(user_json("create user", &user)),
            )
        }
        // Run twice with the same --user-id: the user exists; go on with her.
        Err(e)
            if e.error_code() == Some(&finapi_access_core::types::ErrorCode::EntityExists)
                && args.user_id.is_some() =>
        {
            let id = args.user_id.clone().unwrap_or_default();
            // Her password: given, or FINAPI_USER_PASSWORD, or the embedded emulator's;
            // without one, the exists error stands (with its hint).
            let known = known_password(&target, &id);
            let login = match (password, known) {
                (Some(password), _) => password,
                (None, Some(raw)) => Password::new(raw).map_err(|e| invalid(&e))?,
                (None, None) => return Err(CliError::call(Some(step2), &e)),
            };
            if !args.json {
                println!(
                    "[2/3] create user        user {id} exists: getting her token with the password {}",
                    if chose_password {
                        "given"
                    } else if target.emulator.is_some() {
                        "the embedded emulator holds"
                    } else {
                        "from FINAPI_USER_PASSWORD"
                    }
                );
            }
            (UserId::new(id).map_err(|e| invalid(&e))?, login, None)
        }
        Err(e) => return Err(CliError::call(Some(step2), &e)),
    };

    let step3 = "step 3 of 3 (user token)";
    let user_token = client
        .fetch_user_token(&user_id, &login_password)
        .await
        .map_err(|e| CliError::call(Some(step3), &e))?;
    if args.json {
        let user_step = created.unwrap_or_else(
            || json!({"step": "create user", "userId": user_id.as_str(), "existing": true}),
        );
        print_json(&json!({
            "server": server_json(&target),
            "steps": [
                token_json("client token", &client_token),
                user_step,
                token_json("user token", &user_token),
            ],
        }));
    } else {
        println!("{}", token_line("[3/3] user token", &user_token));
        if !onboard.webform {
            println!(
                "Done: send the user token as `Authorization: Bearer <token>` to Web Form 2.0 and every user-scoped call."
            );
        }
    }
    if onboard.webform {
        let session = client.user_session(user_id.clone(), login_password);
        crate::webform::journey(global, &target, &session, args.json).await?;
    }
    Ok(())
}

fn print_token(
    target: &Target,
    token: &ApiResponse<TokenResponse>,
    output: &TokenOutput,
    step: &str,
) {
    if output.raw {
        println!("{}", token.access_token.expose_secret());
    } else if output.json {
        print_json(&json!({"server": server_json(target), "token": token_json(step, token)}));
    } else {
        println!("{}", token_line(step, token));
    }
}

async fn token_client(global: &Global, output: &TokenOutput) -> Result<(), CliError> {
    let target = target::resolve(global, false).await?;
    announce(&target, output.raw || output.json);
    let token = target
        .client
        .fetch_client_token()
        .await
        .map_err(|e| CliError::call(None, &e))?;
    print_token(&target, &token, output, "client token");
    Ok(())
}

async fn user_token(
    target: &Target,
    user_id: &str,
) -> Result<ApiResponse<TokenResponse>, CliError> {
    let id = UserId::new(user_id).map_err(|e| invalid(&e))?;
    let password = existing_user_password(target, user_id)?;
    let user_id = id;
    target
        .client
        .fetch_user_token(&user_id, &password)
        .await
        .map_err(|e| CliError::call(None, &e))
}

async fn token_user(global: &Global, user_id: &str, output: &TokenOutput) -> Result<(), CliError> {
    let target = target::resolve(global, false).await?;
    announce(&target, output.raw || output.json);
    let token = user_token(&target, user_id).await?;
    print_token(&target, &token, output, "user token");
    Ok(())
}

pub(crate) async fn users_create(global: &Global, args: &UserArgs) -> Result<(), CliError> {
    let password = new_user_password(args)?;
    let note = if password.is_some() {
        ""
    } else {
        " (password generated by finAPI, not shown)"
    };
    let params = user_params(args, password)?;
    let target = target::resolve(global, false).await?;
    announce(&target, args.json);
    let user = target
        .client
        .create_user(params)
        .await
        .map_err(|e| CliError::call(None, &e))?;
    if args.json {
        print_json(
            &json!({"server": server_json(&target), "user": user_json("create user", &user)}),
        );
    } else {
        println!("{}", user_line("create user", &user, note));
    }
    Ok(())
}

pub(crate) async fn users_get(global: &Global, user: &UserRef) -> Result<(), CliError> {
    let target = target::resolve(global, false).await?;
    announce(&target, user.json);
    let session = session(&target, &user.user_id)?;
    let got = session
        .get_user()
        .await
        .map_err(|e| CliError::call(None, &e))?;
    print_user(&target, "get user", &got, user.json);
    Ok(())
}

/// A session for `user_id` with the password from `FINAPI_USER_PASSWORD` or stdin.
pub(crate) fn session(target: &Target, user_id: &str) -> Result<UserSession, CliError> {
    let id = UserId::new(user_id).map_err(|e| invalid(&e))?;
    let password = existing_user_password(target, user_id)?;
    Ok(target.client.user_session(id, password))
}

pub(crate) fn print_user(target: &Target, step: &str, user: &ApiResponse<User>, json: bool) {
    if json {
        print_json(&json!({"server": server_json(target), "user": user_json(step, user)}));
    } else {
        println!("{}", user_line(step, user, ""));
    }
}

/// A line on stdout that does not stop the emulator when nobody reads it any more (a closed
/// pipe): the server goes on serving.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The global options that choose a server or a client: the emulator is the server, so it
/// refuses them instead of ignoring them.
fn refuse_client_options(global: &Global) -> Result<(), CliError> {
    let given = [
        ("--base-url", global.base_url.is_some()),
        ("--env", global.env.is_some()),
        ("--api-version", global.api_version.is_some()),
        ("--transport", global.transport.is_some()),
        ("--webform-base-url", global.webform_base_url.is_some()),
        ("--allow-plain-http", global.allow_plain_http),
    ];
    let unused: Vec<&str> = given
        .iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| *name)
        .collect();
    if unused.is_empty() {
        Ok(())
    } else {
        Err(CliError::config(format!(
            "the emulator does not use {}: it is the server (see finapi-access emulator --help)",
            unused.join(", ")
        )))
    }
}

async fn emulator(global: &Global, args: &EmulatorArgs) -> Result<(), CliError> {
    refuse_client_options(global)?;
    let mut config = EmulatorConfig::default()
        .port(args.port)
        .listen(args.listen)
        .token_lifetime(Duration::from_secs(args.token_lifetime))
        .refresh_token_lifetime(Duration::from_secs(args.refresh_token_lifetime))
        .auto_verify_users(!args.no_auto_verify)
        .max_login_attempts(args.max_login_attempts)
        .callbacks_beyond_loopback(args.callbacks_beyond_loopback);
    for spec in &args.faults {
        let rule = finapi_access_emulator::FaultRule::parse(spec)
            .map_err(|e| CliError::config(format!("--fault {spec}: {e}")))?;
        config = config.fault(rule);
    }
    if let Some(path) = &args.faults_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::config(format!("--faults-file {}: {e}", path.display())))?;
        let rules: Vec<finapi_access_emulator::FaultRule> = serde_json::from_str(&text)
            .map_err(|e| CliError::config(format!("--faults-file {}: {e}", path.display())))?;
        for rule in rules {
            rule.validate()
                .map_err(|e| CliError::config(format!("--faults-file {}: {e}", path.display())))?;
            config = config.fault(rule);
        }
    }
    if let Some(seed) = args.fault_seed {
        config = config.fault_seed(seed);
    }
    if !args.quiet {
        config = config.on_request(|r| {
            say!(
                "{} {} {} {} {} ms",
                r.method,
                r.path,
                r.status,
                r.request_id,
                r.duration.as_millis()
            );
        });
    }
    // State that lasts only when asked for (--emulator-state or FINAPI_EMULATOR_STATE).
    let state = match &global.emulator_state {
        Some(path) => Some(target::lock_state(path, global.fresh)?),
        None if global.fresh => {
            return Err(CliError::config(
                "--fresh needs a state file (--emulator-state FILE): without one the emulator starts empty anyway",
            ));
        }
        None => None,
    };
    let started = match &state {
        Some(file) => Emulator::start_with_state(config, file).await,
        None => Emulator::start(config).await,
    };
    let handle = started.map_err(|e| {
        let at = format!("{}:{}", args.listen, args.port);
        if e.kind() == std::io::ErrorKind::AddrInUse {
            CliError::config(format!(
                "port {} is in use on {} (another emulator?): pick another with --port N, or --port 0 for a free one",
                args.port, args.listen
            ))
        } else {
            CliError::config(format!("could not listen on {at}: {e}"))
        }
    })?;
    say!("finAPI Access emulator listening on {}", handle.base_url());
    if args.listen.is_unspecified() {
        say!(
            "  (on every address: other containers reach it as http://<this container's name>:{}, with --allow-plain-http / FINAPI_ALLOW_PLAIN_HTTP=1)",
            handle.local_addr().port()
        );
    }
    for client in handle.clients() {
        let role = if client.mandator_admin {
            "mandator admin client"
        } else {
            "client"
        };
        say!(
            "  {role}: id {}  secret {}",
            client.client_id,
            client.client_secret.expose_secret()
        );
    }
    say!(
        "Web Form 2.0 at {} (/api/webForms, /api/tasks, /api/profiles, /api/translations); pages at {}/wf/<id>, test bank login demo / demo",
        handle.webform_base_url(),
        handle.base_url()
    );
    say!(
        "Test control: POST {0}/emulator/webForms/<id>/complete | /fail?errorCode=CODE | /abort; callbacks sent: GET {0}/emulator/callbacks",
        handle.base_url()
    );
    say!(
        "Try: {}={} {}={} finapi-access --base-url {} onboard",
        target::CLIENT_ID_VAR,
        handle.client_id(),
        target::CLIENT_SECRET_VAR,
        handle.client_secret(),
        handle.base_url()
    );
    if !args.faults.is_empty() || args.faults_file.is_some() {
        say!(
            "Fault rules in force: {} (change them at {}/emulator/faults)",
            handle.faults().len(),
            handle.base_url()
        );
    }
    if let Some(file) = &state {
        say!(
            "State kept in {} (saved when it stops; --fresh starts empty).",
            file.path().display()
        );
    }
    say!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    wait_for_shutdown().await;
    if let Some(file) = &state {
        handle.save_state(file).map_err(|e| {
            CliError::config(format!(
                "could not save the state to {}: {e}",
                file.path().display()
            ))
        })?;
        eprintln!("state saved to {}", file.path().display());
    }
    handle.shutdown().await;
    Ok(())
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `admin change-client-credentials`: both secrets from the environment or standard input,
/// never the command line.
async fn change_client_credentials(
    global: &Global,
    client_id: &str,
    json_out: bool,
) -> Result<(), CliError> {
    use finapi_access_core::types::{ChangeClientCredentialsParams, ClientSecret};
    let old = from_env_or_stdin("FINAPI_OLD_CLIENT_SECRET", "current secret of the client: ")?;
    let new = from_env_or_stdin("FINAPI_NEW_CLIENT_SECRET", "new secret of the client: ")?;
    let target = target::resolve(global, true).await?;
    announce(&target, json_out);
    let params = ChangeClientCredentialsParams::new(
        client_id,
        ClientSecret::new(old),
        ClientSecret::new(new),
    );
    let done = target
        .client
        .change_client_credentials(&params)
        .await
        .map_err(|e| CliError::call(None, &e))?;
    if json_out {
        print_json(&json!({
            "server": server_json(&target),
            "changed": client_id,
            "requestId": done.request_id().as_str(),
        }));
    } else {
        println!(
            "changed the secret of client {client_id}; its access tokens are revoked (request id {})",
            done.request_id()
        );
    }
    Ok(())
}

/// `token revoke`: the token from `FINAPI_REVOKE_TOKEN` or standard input.
async fn revoke_token(
    global: &Global,
    kind: crate::args::RevokeKind,
    json_out: bool,
) -> Result<(), CliError> {
    use crate::args::RevokeKind;
    use finapi_access_core::types::{AccessToken, RefreshToken};
    let token = from_env_or_stdin("FINAPI_REVOKE_TOKEN", "token to revoke: ")?;
    if token.is_empty() {
        return Err(CliError::config(
            "no token: set FINAPI_REVOKE_TOKEN or pass it on standard input",
        ));
    }
    let target = target::resolve(global, false).await?;
    announce(&target, json_out);
    let client = &target.client;
    let done = match kind {
        RevokeKind::Access => client.revoke_access_token(&AccessToken::new(token)).await,
        RevokeKind::Refresh => client.revoke_refresh_token(&RefreshToken::new(token)).await,
        RevokeKind::Grant => client.revoke_grant(&AccessToken::new(token)).await,
    }
    .map_err(|e| CliError::call(None, &e))?;
    let what = match kind {
        RevokeKind::Access => "access token",
        RevokeKind::Refresh => "refresh token",
        RevokeKind::Grant => "grant",
    };
    if json_out {
        print_json(&json!({
            "server": server_json(&target),
            "revoked": what,
            "requestId": done.request_id().as_str(),
        }));
    } else {
        println!("revoked the {what} (request id {})", done.request_id());
    }
    Ok(())
}
