//! Callback delivery: a POST of the callback body, retried a bounded number of times, to
//! loopback addresses only unless a setting allows more; every delivery is recorded.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::rules::is_loopback_url;
use crate::state::State;

/// Attempts per callback.
const ATTEMPTS: u32 = 3;

/// One callback and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct CallbackDelivery {
    /// Where it was to go.
    pub url: String,
    /// The JSON body.
    pub body: String,
    /// How many attempts were made (0 when not contacted).
    pub attempts: u32,
    /// Whether an attempt got a 2xx answer.
    pub delivered: bool,
    /// The last HTTP status received.
    pub status: Option<u16>,
    /// Why it was not delivered, when it was not.
    pub note: Option<String>,
}

impl CallbackDelivery {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "body": serde_json::from_str::<Value>(&self.body).unwrap_or(Value::Null),
            "attempts": self.attempts,
            "delivered": self.delivered,
            "status": self.status,
            "note": self.note,
        })
    }
}

/// Delivers `body` to `url` in the background and records the outcome.
pub(crate) fn deliver(state: &Arc<State>, url: &str, body: &Value) {
    let state = Arc::clone(state);
    let url = url.to_owned();
    let body = body.to_string();
    let index = {
        let mut store = state.webforms();
        store.deliveries.push(CallbackDelivery {
            url: url.clone(),
            body: body.clone(),
            attempts: 0,
            delivered: false,
            status: None,
            note: Some("pending".to_owned()),
        });
        store.deliveries.len() - 1
    };
    let record = move |state: &State, attempts, delivered, status, note: Option<String>| {
        if let Some(d) = state.webforms().deliveries.get_mut(index) {
            d.attempts = attempts;
            d.delivered = delivered;
            d.status = status;
            d.note = note;
        }
    };
    if !state.config.callbacks_beyond_loopback && !is_loopback_url(&url) {
        record(&state, 0, false, None, Some("not delivered: not a loopback address (see EmulatorConfig::callbacks_beyond_loopback)".to_owned()));
        return;
    }
    // Local test servers rarely speak TLS: a loopback `https://` callback (the form finAPI and
    // the SDK accept) is delivered over plain http. Beyond loopback only `http://` is
    // delivered.
    let target = match url.strip_prefix("https://") {
        Some(rest) if is_loopback_url(&url) => format!("http://{rest}"),
        Some(_) => {
            record(
                &state,
                0,
                false,
                None,
                Some(
                    "not delivered: beyond loopback the emulator delivers over http:// only"
                        .to_owned(),
                ),
            );
            return;
        }
        None => url.clone(),
    };
    let (delay, dropped, duplicated) = state.faults.callback();
    if dropped {
        record(
            &state,
            0,
            false,
            None,
            Some("dropped by a fault rule".to_owned()),
        );
        return;
    }
    tokio::spawn(async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut last = None;
        let mut note = None;
        for attempt in 1..=ATTEMPTS {
            match post(&target, &body).await {
                Ok(status) if (200..300).contains(&status) => {
                    if duplicated {
                        let again = post(&target, &body).await.ok();
                        record(
                            &state,
                            attempt + 1,
                            true,
                            again.or(Some(status)),
                            Some("sent twice by a fault rule".to_owned()),
                        );
                    } else {
                        record(&state, attempt, true, Some(status), None);
                    }
                    return;
                }
                Ok(status) => {
                    last = Some(status);
                    note = Some(format!("answered {status}"));
                }
                Err(e) => note = Some(e),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
        }
        record(&state, ATTEMPTS, false, last, note);
    });
}

/// One HTTP/1.1 POST; the status code of the answer.
async fn post(url: &str, body: &str) -> Result<u16, String> {
    let rest = url.strip_prefix("http://").ok_or("not http")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let address = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let connect = tokio::net::TcpStream::connect(address);
    let mut stream = tokio::time::timeout(Duration::from_secs(2), connect)
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|e| format!("could not connect: {e}"))?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: finapi-access-emulator\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut head = vec![0u8; 64];
        let n = stream.read(&mut head).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&head[..n]).into_owned())
    };
    let head = tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| "no answer in time".to_owned())?
        .map_err(|e| format!("I/O error: {e}"))?;
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "not an HTTP answer".to_owned())
}
