//! The page at a web form's `url`: plain HTML and a form post, no JavaScript. Opening it
//! moves the form to `IN_PROGRESS`; the test bank login is `demo` / `demo`; the person
//! finishes with success, with an error (a code to choose) or aborts, and the browser goes
//! to the `redirectUrl` (success) or `errorRedirectUrl` (error, abort) the page was opened
//! with.
//!
//! Controls carry `data-testid` attributes for tests in any language: `username`,
//! `password`, `complete`, `fail`, `error-code`, `abort`; messages `login-error`, `status`,
//! `bank`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{FormRecord, expire, finalise, seconds_left};
use crate::state::State;

/// The error codes a person can choose when failing a form.
const ERROR_CODES: [&str; 6] = [
    "BANK_SERVER_REJECTION",
    "INTERRUPTED",
    "NO_ACCOUNTS_FOR_TYPE_LIST",
    "UNSUPPORTED_ORDER",
    "UNDETERMINED_BANK",
    "INTERNAL_ERROR",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The `redirectUrl` and `errorRedirectUrl` the page was opened with.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub(crate) struct Redirects {
    #[serde(rename = "redirectUrl")]
    redirect_url: Option<String>,
    #[serde(rename = "errorRedirectUrl")]
    error_redirect_url: Option<String>,
    #[serde(rename = "customerSupportUrl")]
    customer_support_url: Option<String>,
}

fn redirects(query: Option<&str>) -> Redirects {
    let mut out = Redirects::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let v = Some(v.into_owned()).filter(|v| super::rules::url_allowed(v));
        match k.as_ref() {
            "redirectUrl" => out.redirect_url = v,
            "errorRedirectUrl" => out.error_redirect_url = v,
            "customerSupportUrl" => out.customer_support_url = v,
            _ => {}
        }
    }
    out
}

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 28rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem; box-shadow: 0 2px 8px rgba(0,0,0,.08); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }} .bank {{ color: #345; font-weight: 600; }}
label {{ display: block; margin: .8rem 0 .2rem; }} input, select {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin-top: 1rem; padding: .6rem 1rem; border: 0; border-radius: 4px; cursor: pointer; }}
.complete {{ background: #1f6feb; color: #fff; }} .fail {{ background: #d29922; }} .abort {{ background: #ddd; }}
.error {{ color: #b42318; }} .note {{ color: #667; font-size: .85rem; }}
</style></head><body><main>{body}</main></body></html>"#
    ))
}

fn hidden(name: &str, value: Option<&String>) -> String {
    value.map_or(String::new(), |v| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            escape(v)
        )
    })
}

fn render(form: &FormRecord, left: u64, redirects: &Redirects, login_error: bool) -> Response {
    let bank = form.bank.map_or("your bank", |b| b.name);
    if form.is_final() {
        return layout(
            "Web form finished",
            &format!(
                r#"<h1>This web form is finished</h1><p data-testid="status">{}</p>"#,
                form.status
            ),
        )
        .into_response();
    }
    let options: String = ERROR_CODES
        .iter()
        .map(|c| format!(r#"<option value="{c}">{c}</option>"#))
        .collect();
    let error = if login_error {
        r#"<p class="error" data-testid="login-error">Login failed: use the test bank login demo / demo.</p>"#
    } else {
        ""
    };
    let keep = format!(
        "{}{}{}",
        hidden("redirectUrl", redirects.redirect_url.as_ref()),
        hidden("errorRedirectUrl", redirects.error_redirect_url.as_ref()),
        hidden(
            "customerSupportUrl",
            redirects.customer_support_url.as_ref()
        ),
    );
    let support = redirects
        .customer_support_url
        .as_ref()
        .map_or(String::new(), |u| {
            format!(
                r#"<p class="note"><a href="{}">Customer support</a></p>"#,
                escape(u)
            )
        });
    layout(
        "finAPI Web Form (emulator)",
        &format!(
            r#"<h1>{summary}</h1>
<p>Bank: <span class="bank" data-testid="bank">{bank}</span></p>
<p class="note" data-testid="status">{status} · expires in {left} s · finAPI Web Form 2.0 emulator</p>
{error}
<form method="post">
{keep}
<label for="username">Online banking user</label>
<input id="username" name="username" data-testid="username" autocomplete="off">
<label for="password">PIN</label>
<input id="password" name="password" type="password" data-testid="password">
<button class="complete" type="submit" name="action" value="complete" data-testid="complete">Log in and complete</button>
<label for="errorCode">Or end with an error</label>
<select id="errorCode" name="errorCode" data-testid="error-code">{options}</select>
<button class="fail" type="submit" name="action" value="fail" data-testid="fail">Fail with this error</button>
<button class="abort" type="submit" name="action" value="abort" data-testid="abort">Abort</button>
</form>
<p class="note">Test bank login: <code>demo</code> / <code>demo</code>.</p>
{support}"#,
            summary = escape(&form.summary),
            bank = escape(bank),
            status = form.status,
        ),
    )
    .into_response()
}

fn unknown() -> Response {
    (
        StatusCode::NOT_FOUND,
        layout(
            "Not found",
            r#"<h1>No such web form</h1><p data-testid="status">NOT_FOUND</p>"#,
        ),
    )
        .into_response()
}

/// `GET /wf/{id}`: shows the form; the first opening moves it to `IN_PROGRESS`.
pub(crate) async fn show(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    expire(&state);
    let form = {
        let mut store = state.webforms();
        let Some(form) = store.forms.get_mut(&id) else {
            return unknown();
        };
        if form.status == "NOT_YET_OPENED" {
            form.status = "IN_PROGRESS";
        }
        form.clone()
    };
    render(
        &form,
        seconds_left(&state, &form),
        &redirects(query.as_deref()),
        false,
    )
}

/// What the page posts.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Submitted {
    action: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(rename = "errorCode", default)]
    error_code: Option<String>,
    #[serde(flatten)]
    redirects: Redirects,
}

fn go(to: Option<&String>, form: &FormRecord) -> Response {
    match to {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url.clone())]).into_response(),
        None => layout(
            "Web form finished",
            &format!(
                r#"<h1>Done</h1><p data-testid="status">{}</p><p class="note">You can close this page.</p>"#,
                form.status
            ),
        )
        .into_response(),
    }
}

/// `POST /wf/{id}`: the person's choice.
pub(crate) async fn submit(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    Form(submitted): Form<Submitted>,
) -> Response {
    expire(&state);
    let Some(current) = state.webforms().forms.get(&id).cloned() else {
        return unknown();
    };
    let mut redirects = submitted.redirects.clone();
    // Only URLs the page would accept when opened.
    for url in [
        &mut redirects.redirect_url,
        &mut redirects.error_redirect_url,
    ] {
        if url
            .as_deref()
            .is_some_and(|u| !super::rules::url_allowed(u))
        {
            *url = None;
        }
    }
    if current.is_final() {
        return render(&current, 0, &redirects, false);
    }
    let outcome = match submitted.action.as_str() {
        "complete" => {
            if submitted.username != "demo" || submitted.password != "demo" {
                return render(&current, seconds_left(&state, &current), &redirects, true);
            }
            finalise(&state, &id, "COMPLETED", None)
        }
        "fail" => {
            let code = submitted
                .error_code
                .as_deref()
                .filter(|c| ERROR_CODES.contains(c))
                .unwrap_or("BANK_SERVER_REJECTION");
            finalise(&state, &id, "COMPLETED_WITH_ERROR", Some(code))
        }
        _ => finalise(&state, &id, "ABORTED", None),
    };
    match outcome {
        Ok(form) if form.status == "COMPLETED" => go(redirects.redirect_url.as_ref(), &form),
        Ok(form) => go(redirects.error_redirect_url.as_ref(), &form),
        Err(_) => render(&current, 0, &redirects, false),
    }
}
