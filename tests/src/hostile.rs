//! Hostile responses from a raw local TCP server: every case must end in a typed error (or
//! a lenient success where the spec's intent is clear) within the timeout, with no panic and
//! bounded memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use finapi_access_core::types::{ClientSecret, TokenResponse};
use finapi_access_core::{AccessClient, ApiResponse, Error, RetryPolicy, TransportErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::MakeTransport;

/// What the server does after reading a request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Writes these bytes and closes.
    Raw(Vec<u8>),
    /// Writes these bytes and keeps the connection open without a word more.
    RawThenHang(Vec<u8>),
    /// Reads the request and never answers.
    Silent,
    /// Sends headers for a chunked body, then chunks forever (until the client goes away).
    Endless,
    /// Answers the first request with the first bytes, every later one with the second.
    FirstThen(Vec<u8>, Vec<u8>),
}

/// What a case must end in.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// A success.
    Ok,
    /// An undecodable response with this status.
    Unexpected(u16),
    /// A finAPI `ErrorMessage` with this status.
    Api(u16),
    /// A transport failure of one of these kinds.
    Transport(&'static [TransportErrorKind]),
}

fn response(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for header in headers {
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

fn json(status: &str, body: &str) -> Vec<u8> {
    response(status, &["content-type: application/json"], body.as_bytes())
}

fn html(status: &str) -> Vec<u8> {
    response(
        status,
        &["content-type: text/html"],
        b"<html><head><title>Bad Gateway</title></head><body>nginx</body></html>",
    )
}

const TOKEN: &str =
    r#"{"access_token":"hostile-token","token_type":"bearer","expires_in":3600,"scope":"all"}"#;

/// The corpus: name, server behaviour, expected outcome of a client-token call.
pub fn corpus() -> Vec<(&'static str, Behaviour, Expect)> {
    use Behaviour::{Endless, FirstThen, Raw, RawThenHang, Silent};
    use Expect::{Api, Ok, Transport, Unexpected};
    let io: &'static [TransportErrorKind] = &[TransportErrorKind::Io, TransportErrorKind::Other];
    let timeout: &'static [TransportErrorKind] = &[TransportErrorKind::Timeout];
    let too_large: &'static [TransportErrorKind] = &[TransportErrorKind::BodyTooLarge];
    let long_id = format!("x-request-id: {}", "r".repeat(300));
    let mut cases = vec![
        ("malformed JSON", Raw(json("200 OK", r#"{"access_token": "a","#)), Unexpected(200)),
        ("truncated JSON object", Raw(json("200 OK", r#"{"access_token":"a","token_type":"bearer","expires_in":36"#)), Unexpected(200)),
        ("JSON array", Raw(json("200 OK", "[1,2,3]")), Unexpected(200)),
        ("JSON null", Raw(json("200 OK", "null")), Unexpected(200)),
        ("HTML page with 200", Raw(html("200 OK")), Unexpected(200)),
        ("HTML page with 502", Raw(html("502 Bad Gateway")), Unexpected(502)),
        ("HTML page with 503", Raw(html("503 Service Unavailable")), Unexpected(503)),
        ("token without access_token", Raw(json("200 OK", r#"{"token_type":"bearer","expires_in":3600}"#)), Unexpected(200)),
        ("negative expires_in", Raw(json("200 OK", r#"{"access_token":"a","token_type":"bearer","expires_in":-5}"#)), Unexpected(200)),
        ("string expires_in (lenient)", Raw(json("200 OK", r#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#)), Ok),
        ("huge expires_in", Raw(json("200 OK", r#"{"access_token":"a","token_type":"bearer","expires_in":1e300}"#)), Unexpected(200)),
        ("u64::MAX expires_in (lenient)", Raw(json("200 OK", r#"{"access_token":"a","token_type":"bearer","expires_in":18446744073709551615}"#)), Ok),
        ("unknown token_type", Raw(json("200 OK", r#"{"access_token":"a","token_type":"mac","expires_in":3600}"#)), Unexpected(200)),
        ("non-UTF-8 success body", Raw(response("200 OK", &["content-type: application/json"], b"{\"access_token\":\"\xff\xfe\",\"token_type\":\"bearer\",\"expires_in\":1}")), Unexpected(200)),
        ("non-UTF-8 error body", Raw(response("500 Internal Server Error", &["content-type: text/plain"], b"\xff\xfe\xfd oops")), Unexpected(500)),
        ("wrong content type (lenient)", Raw(response("200 OK", &["content-type: text/plain"], TOKEN.as_bytes())), Ok),
        ("deeply nested JSON", Raw(json("200 OK", &"[".repeat(100_000))), Unexpected(200)),
        ("endless chunked body", Endless, Transport(too_large)),
        ("declared 10 GB body", Raw(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000000\r\n\r\n{".to_vec()), Transport(too_large)),
        ("accepts and never answers", Silent, Transport(timeout)),
        ("headers then silence", RawThenHang(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"acc".to_vec()), Transport(timeout)),
        ("closes mid-body", Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"access_token\"".to_vec()), Transport(io)),
        ("closes without a response", Raw(Vec::new()), Transport(io)),
        ("garbage status line", Raw(b"HTTP/1.1 abc nonsense\r\n\r\n".to_vec()), Transport(io)),
        ("not HTTP at all", Raw(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()), Transport(io)),
        ("301 redirect", Raw(response("301 Moved Permanently", &["location: http://127.0.0.1:1/elsewhere"], b"")), Unexpected(301)),
        ("307 redirect", Raw(response("307 Temporary Redirect", &["location: /api/v2/oauth/token"], b"")), Unexpected(307)),
        ("duplicated headers (lenient)", Raw(response("200 OK", &["content-type: application/json", "content-type: text/html", "x-request-id: first", "x-request-id: second"], TOKEN.as_bytes())), Ok),
        ("X-Request-Id over 255 characters (lenient)", Raw(response("200 OK", &["content-type: application/json", &long_id], TOKEN.as_bytes())), Ok),
        ("finAPI error body with 418", Raw(json("418 I'm a teapot", r#"{"errors":[{"message":"?","code":"BAD_REQUEST","type":"TECHNICAL"}]}"#)), Api(418)),
        ("error with unknown fields and code (lenient decode)", Raw(json("400 Bad Request", r#"{"errors":[{"message":null,"code":"NEW_CODE","type":"NEW_TYPE","extra":{"a":[1]}}],"whatever":1}"#)), Api(400)),
        ("OAuth body with a number description", Raw(json("401 Unauthorized", r#"{"error":"invalid_client","error_description":42}"#)), Unexpected(401)),
    ];
    for status in [
        "200 OK",
        "201 Created",
        "204 No Content",
        "400 Bad Request",
        "401 Unauthorized",
        "403 Forbidden",
        "404 Not Found",
        "423 Locked",
        "500 Internal Server Error",
        "503 Service Unavailable",
    ] {
        let code: u16 = status[..3].parse().unwrap_or(0);
        let name: &'static str = Box::leak(format!("empty body with {code}").into_boxed_str());
        cases.push((name, Raw(response(status, &[], b"")), Unexpected(code)));
    }
    cases.push((
        "503 with Retry-After, then a token (retried)",
        FirstThen(
            response("503 Service Unavailable", &["retry-after: 1"], b""),
            json("200 OK", TOKEN),
        ),
        Ok,
    ));
    cases
}

async fn read_request(stream: &mut TcpStream) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buffer).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let body_start = buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |p| p + 4);
    let mut have = buffer.len() - body_start;
    while have < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
    }
}

/// Serves `behaviour` on a loopback port; returns the base URL and the request count.
pub async fn serve(behaviour: Behaviour) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        // Bounded: a case makes a handful of connections at most.
        for _ in 0..8 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let behaviour = behaviour.clone();
            tokio::spawn(async move {
                read_request(&mut stream).await;
                match behaviour {
                    Behaviour::Raw(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                        let _ = stream.shutdown().await;
                    }
                    Behaviour::FirstThen(first, then) => {
                        let _ = stream.write_all(if n == 0 { &first } else { &then }).await;
                        let _ = stream.shutdown().await;
                    }
                    Behaviour::RawThenHang(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                        tokio::time::sleep(Duration::from_secs(20)).await;
                    }
                    Behaviour::Silent => tokio::time::sleep(Duration::from_secs(20)).await,
                    Behaviour::Endless => {
                        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                        if stream.write_all(head).await.is_err() {
                            return;
                        }
                        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
                        let started = Instant::now();
                        while started.elapsed() < Duration::from_secs(20) {
                            if stream.write_all(chunk.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    (url, count)
}

fn check(expect: Expect, result: &Result<ApiResponse<TokenResponse>, Error>) -> Result<(), String> {
    match (expect, result) {
        (Expect::Ok, Ok(_)) => Ok(()),
        (Expect::Unexpected(code), Err(Error::UnexpectedResponse(e)))
            if e.status.as_u16() == code =>
        {
            Ok(())
        }
        (Expect::Api(code), Err(Error::Api(e))) if e.status.as_u16() == code => Ok(()),
        (Expect::Transport(kinds), Err(Error::Transport(e)))
            if kinds.contains(&e.source.kind()) =>
        {
            Ok(())
        }
        (expect, result) => Err(format!("expected {expect:?}, got {result:?}")),
    }
}

/// Runs the whole corpus against one transport; reports every case that misbehaves.
pub async fn hostile_responses_end_in_typed_errors(make: MakeTransport) {
    let transport = make();
    let mut failures = Vec::new();
    let cases = corpus();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for (name, behaviour, expect) in cases {
        let retried = matches!(behaviour, Behaviour::FirstThen(..));
        let (url, count) = serve(behaviour).await;
        let client = AccessClient::builder()
            .base_url(&url)
            .credentials("hostile-client", ClientSecret::new("hostile-secret"))
            .shared_transport(transport.clone())
            .timeout(Duration::from_secs(2))
            .retry_policy(if retried {
                RetryPolicy::default()
            } else {
                RetryPolicy::disabled()
            })
            .build()
            .unwrap();
        let started = Instant::now();
        let outcome =
            tokio::time::timeout(Duration::from_secs(8), client.fetch_client_token()).await;
        let elapsed = started.elapsed();
        let verdict = match &outcome {
            Err(_) => Err("hung past 8 s".to_owned()),
            Ok(result) => check(expect, result).and_then(|()| {
                let printed = match result {
                    Ok(ok) => format!("{ok:?}"),
                    Err(e) => format!("{e} {e:?}"),
                };
                if printed.contains("hostile-secret") {
                    Err("the client secret leaked".to_owned())
                } else {
                    Ok(())
                }
            }),
        };
        if let Err(why) = verdict {
            failures.push(format!("{name}: {why} (after {elapsed:?})"));
        }
        let requests = count.load(Ordering::SeqCst);
        let allowed = if retried { 2 } else { 1 };
        if requests > allowed {
            failures.push(format!(
                "{name}: {requests} requests (redirect followed or retried)"
            ));
        }
        if let Ok(Ok(ok)) = &outcome
            && name.contains("X-Request-Id")
        {
            assert!(
                ok.request_id().as_str().len() <= 255,
                "an over-long echoed id is not taken"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile cases misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
