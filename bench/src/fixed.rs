//! A minimal fixed-response HTTP/1.1 server on loopback, so that the server is not what the
//! benchmarks measure: POST answers a token, GET a user.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

pub(crate) const CLIENT_ID: &str = "bench-client";
pub(crate) const CLIENT_SECRET: &str = "bench-secret";
pub(crate) const ACCESS_TOKEN: &str =
    "yvMbx_TgwdYE0hgOVb8N4ZOvxOukqfjzYOGRZcJiCjQuRGkVIBfjjV3YG4zKTGiY2aPn2cQTGaQOT8uo5uo7";

const TOKEN: &str = r#"{"access_token":"yvMbx_TgwdYE0hgOVb8N4ZOvxOukqfjzYOGRZcJiCjQuRGkVIBfjjV3YG4zKTGiY2aPn2cQTGaQOT8uo5uo7","token_type":"bearer","refresh_token":"0b9KjiBVlZLz7a4HshSAIcFuscStiXT1VzT5mgNYwCQ","expires_in":3600,"scope":"all"}"#;
const USER: &str = r#"{"id":"bench-user","password":"XXXXX","email":"bench@example.com","phone":null,"isAutoUpdateEnabled":false}"#;

async fn answer(
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let is_post = request.method() == hyper::Method::POST;
    let _ = request.into_body().collect().await;
    let body = if is_post { TOKEN } else { USER };
    Ok(hyper::Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap_or_default())
}

/// Starts the server; returns its base URL.
pub(crate) async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service_fn(answer))
                    .await;
            });
        }
    });
    url
}
