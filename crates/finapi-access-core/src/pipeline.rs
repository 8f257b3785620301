//! The pipeline: how every finAPI request is sent, authorised or not.
//!
//! One place owns "send a request": the token (from a cache, fetched once for all callers),
//! `X-Request-Id`, the per-call headers, the 401 → new token → send again once, the retry
//! policy with backoff, the per-attempt timeout and the deadline of the whole call, a tracing
//! span per attempt, and decoding into a typed value or a typed, secret-free error. Access's
//! own operations, product crates (Web Form 2.0) and callers of
//! [`AccessClient::send`](crate::AccessClient::send) describe requests as [`ApiRequest`]s and
//! hand them to it.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use finapi_access_types::{AccessToken, SecretString, ValidationError};
use futures_util::future::{Either, select};
use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::cache::{CachedToken, Flight};
use crate::call::{CallOptions, far_future};
use crate::environment::BaseUrl;
use crate::error::{Error, ErrorDecoder, Operation, TransportFailure};
use crate::redact::{Secrets, decode_reason};
use crate::request_id::RequestId;
use crate::response::CallResult;
use crate::retry::{Outcome, RetryDecision, RetryPolicy, Sleep};
use crate::transport::{Transport, TransportError, TransportErrorKind};
use crate::wire::{self, AccessErrors};

/// Decodes a success body, or says why it cannot.
type DecodeBody<T> = fn(&Bytes) -> Result<T, String>;

/// Where a request goes: a path under a base URL, or a URL joined already.
#[derive(Debug, Clone)]
enum Target {
    Path {
        base: Option<Box<BaseUrl>>,
        path: String,
    },
    Url(Arc<str>),
}

/// One finAPI request, described: operation, method, path (under the client's base URL or
/// another), query, headers, body, how to decode the answer and the error. The token and
/// `X-Request-Id` are added by the pipeline, per attempt.
///
/// Send it with [`AccessClient::send`](crate::AccessClient::send) (the client token),
/// [`UserSession::send`](crate::UserSession::send) (the user's token) or
/// [`AccessClient::send_with_token`](crate::AccessClient::send_with_token) (a token you
/// hold). Input that cannot be sent (a header value with a line break, a body that does not
/// encode) is kept as an error and returned by the call before any token fetch or request.
///
/// ```
/// use finapi_access_core::{ApiRequest, Operation};
/// use http::Method;
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Me {
///     id: String,
/// }
///
/// const GET_ME: Operation = Operation::new("get me", true);
/// let request = ApiRequest::new(GET_ME, Method::GET, "/api/v2/users").json_response::<Me>();
/// assert_eq!(request.operation(), GET_ME);
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct ApiRequest<T> {
    operation: Operation,
    method: Method,
    target: Target,
    query: String,
    headers: HeaderMap,
    body: Option<(&'static str, Bytes)>,
    secrets: Vec<SecretString>,
    errors: &'static dyn ErrorDecoder,
    decode: DecodeBody<T>,
    invalid: Option<Box<ValidationError>>,
}

impl<T> std::fmt::Debug for ApiRequest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No query, header values or body: they may hold secrets.
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.as_ref().map(|(_, b)| b.len()))
            .field("error_decoder", &self.errors)
            .field("invalid", &self.invalid)
            .finish_non_exhaustive()
    }
}

fn decode_nothing(_: &Bytes) -> Result<(), String> {
    Ok(())
}

fn decode_bytes(body: &Bytes) -> Result<Bytes, String> {
    Ok(body.clone())
}

fn decode_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| {
        if body.is_empty() {
            "empty body".to_owned()
        } else {
            format!("body does not decode: {}", decode_reason(&e))
        }
    })
}

impl ApiRequest<()> {
    /// A request for `path` (starting with `/`) under the client's base URL; any success
    /// answer is accepted and its body ignored (see [`json_response`](Self::json_response)
    /// and [`bytes_response`](Self::bytes_response)); error answers are decoded as finAPI
    /// Access's ([`AccessErrors`]).
    pub fn new(operation: Operation, method: Method, path: impl Into<String>) -> Self {
        Self::to(
            operation,
            method,
            Target::Path {
                base: None,
                path: path.into(),
            },
        )
    }

    /// A request for a URL the SDK joined already (shared, not copied per call).
    pub(crate) fn url(operation: Operation, method: Method, url: Arc<str>) -> Self {
        Self::to(operation, method, Target::Url(url))
    }

    fn to(operation: Operation, method: Method, target: Target) -> Self {
        Self {
            operation,
            method,
            target,
            query: String::new(),
            headers: HeaderMap::new(),
            body: None,
            secrets: Vec::new(),
            errors: &AccessErrors,
            decode: decode_nothing,
            invalid: None,
        }
    }
}

impl<T> ApiRequest<T> {
    /// The operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// Sends the request to another finAPI host (for example Web Form 2.0's) instead of the
    /// client's base URL. The token is still the client's or the session's: it never goes
    /// anywhere else, and no token request is ever sent to this host.
    pub fn base_url(mut self, base: BaseUrl) -> Self {
        if let Target::Path { base: b, .. } = &mut self.target {
            *b = Some(Box::new(base));
        }
        self
    }

    /// Adds a query parameter (percent-encoded).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        self.query
            .extend(form_urlencoded::byte_serialize(name.as_bytes()));
        self.query.push('=');
        self.query
            .extend(form_urlencoded::byte_serialize(value.as_bytes()));
        self
    }

    /// Appends query parameters, in order.
    pub fn query_pairs<N: AsRef<str>, V: AsRef<str>>(
        self,
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        pairs.into_iter().fold(self, |request, (name, value)| {
            request.query(name.as_ref(), value.as_ref())
        })
    }

    /// Query parameters that passed their checks: `validation` is the query's own
    /// `validate()` result. On an error the request is [refused](Self::refused).
    pub fn checked_query<N: AsRef<str>, V: AsRef<str>>(
        self,
        pairs: impl IntoIterator<Item = (N, V)>,
        validation: Result<(), ValidationError>,
    ) -> Self {
        match validation {
            Ok(()) => self.query_pairs(pairs),
            Err(e) => self.refused(e),
        }
    }

    /// Adds a header. A value that cannot travel in a header fails the call before
    /// anything is sent, naming the header.
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        match HeaderValue::from_str(value) {
            Ok(value) => {
                self.headers.append(name, value);
            }
            Err(_) => self.refuse(ValidationError::new(
                name.to_string(),
                "holds characters not allowed in a header",
            )),
        }
        self
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json_body(mut self, value: &impl serde::Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => self.body = Some((wire::JSON_CONTENT_TYPE, Bytes::from(body))),
            Err(_) => self.refuse(ValidationError::new("body", "could not be encoded as JSON")),
        }
        self
    }

    /// A JSON body that passed its checks: `validation` is the body's own `validate()`
    /// result. On an error the request is [refused](Self::refused) and the body not encoded.
    pub fn checked_json_body(
        self,
        value: &impl serde::Serialize,
        validation: Result<(), ValidationError>,
    ) -> Self {
        match validation {
            Ok(()) => self.json_body(value),
            Err(e) => self.refused(e),
        }
    }

    /// A form body (`Content-Type: application/x-www-form-urlencoded`).
    pub fn form_body<'p>(mut self, pairs: impl IntoIterator<Item = (&'p str, &'p str)>) -> Self {
        // Sized for a token grant, so that encoding one does not grow the buffer.
        let mut form = form_urlencoded::Serializer::new(String::with_capacity(256));
        form.extend_pairs(pairs);
        self.body = Some((wire::FORM_CONTENT_TYPE, Bytes::from(form.finish())));
        self
    }

    /// A value this request carries that must never appear in an error (a password, a
    /// token in the body or query): scrubbed from every message and snippet the error keeps.
    /// The token and the client secret are scrubbed without being named here.
    pub fn secret(mut self, value: &str) -> Self {
        self.secrets.push(SecretString::new(value));
        self
    }

    /// How error answers are decoded (default: [`AccessErrors`], finAPI Access's shapes).
    pub fn error_decoder(mut self, decoder: &'static dyn ErrorDecoder) -> Self {
        self.errors = decoder;
        self
    }

    /// Refuses the request: the call fails with [`Error::InvalidInput`] holding `error`,
    /// before any token fetch or request. The first refusal is kept.
    pub fn refused(mut self, error: ValidationError) -> Self {
        self.refuse(error);
        self
    }

    fn refuse(&mut self, error: ValidationError) {
        self.invalid.get_or_insert_with(|| Box::new(error));
    }

    fn with_decoder<U>(self, decode: DecodeBody<U>) -> ApiRequest<U> {
        ApiRequest {
            operation: self.operation,
            method: self.method,
            target: self.target,
            query: self.query,
            headers: self.headers,
            body: self.body,
            secrets: self.secrets,
            errors: self.errors,
            decode,
            invalid: self.invalid,
        }
    }

    /// Decodes a success answer's body as JSON into `U`.
    pub fn json_response<U: DeserializeOwned>(self) -> ApiRequest<U> {
        self.with_decoder(decode_json::<U>)
    }

    /// Keeps a success answer's body as bytes.
    pub fn bytes_response(self) -> ApiRequest<Bytes> {
        self.with_decoder(decode_bytes)
    }

    /// Accepts any success answer and ignores its body.
    pub fn empty_response(self) -> ApiRequest<()> {
        self.with_decoder(decode_nothing)
    }

    /// The full URL under `base` (the client's, unless the request names its own).
    fn resolve(&self, base: &BaseUrl) -> std::borrow::Cow<'_, str> {
        let mut url = match &self.target {
            Target::Url(url) if self.query.is_empty() => return std::borrow::Cow::Borrowed(url),
            Target::Url(url) => url.to_string(),
            Target::Path { base: own, path } => own.as_deref().unwrap_or(base).join(path),
        };
        if !self.query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&self.query);
        }
        std::borrow::Cow::Owned(url)
    }

    /// The HTTP request of one attempt under `base` (for the fuzz targets and benchmarks).
    pub(crate) fn into_http(
        self,
        base: &BaseUrl,
        token: Option<&AccessToken>,
        request_id: &RequestId,
    ) -> Option<http::Request<Bytes>> {
        let url = self.resolve(base);
        self.build(&url, token, request_id).ok()
    }

    /// The HTTP request of one attempt.
    fn build(
        &self,
        url: &str,
        token: Option<&AccessToken>,
        request_id: &RequestId,
    ) -> Result<http::Request<Bytes>, Error> {
        let mut builder = wire::base_request(self.method.clone(), url, request_id);
        if let Some(token) = token {
            builder = builder.header(
                http::header::AUTHORIZATION,
                wire::bearer(self.operation, token)?,
            );
        }
        let body = match &self.body {
            Some((content_type, body)) => {
                builder = builder.header(CONTENT_TYPE, *content_type);
                body.clone()
            }
            None => Bytes::new(),
        };
        let mut request = wire::finish(self.operation, builder, body)?;
        for (name, value) in &self.headers {
            request.headers_mut().append(name.clone(), value.clone());
        }
        Ok(request)
    }
}

/// Where an authorised call takes its token from.
pub(crate) trait TokenSource: Sync {
    /// A usable token (`None`: the request is sent without `Authorization`).
    fn token<'a>(
        &'a self,
        opts: &'a CallOptions,
    ) -> impl Future<Output = Result<Option<AccessToken>, Error>> + Send + 'a;

    /// Whether a 401 is answered by dropping the token and fetching a new one.
    fn refreshable(&self) -> bool;

    /// finAPI refused `token` (401): do not hand it out again.
    fn invalidate(&self, token: &AccessToken);
}

impl<S: TokenSource> TokenSource for &S {
    fn token<'a>(
        &'a self,
        opts: &'a CallOptions,
    ) -> impl Future<Output = Result<Option<AccessToken>, Error>> + Send + 'a {
        (**self).token(opts)
    }

    fn refreshable(&self) -> bool {
        (**self).refreshable()
    }

    fn invalidate(&self, token: &AccessToken) {
        (**self).invalidate(token);
    }
}

/// No token: the token grants themselves.
pub(crate) struct NoToken;

impl TokenSource for NoToken {
    async fn token(&self, _: &CallOptions) -> Result<Option<AccessToken>, Error> {
        Ok(None)
    }

    fn refreshable(&self) -> bool {
        false
    }

    fn invalidate(&self, _: &AccessToken) {}
}

/// A token the caller holds: no cache, so a 401 is the answer.
pub(crate) struct FixedToken<'t>(pub(crate) &'t AccessToken);

impl TokenSource for FixedToken<'_> {
    async fn token(&self, _: &CallOptions) -> Result<Option<AccessToken>, Error> {
        Ok(Some(self.0.clone()))
    }

    fn refreshable(&self) -> bool {
        false
    }

    fn invalidate(&self, _: &AccessToken) {}
}

/// The sending half of a client: transport, retries, timeouts, the default deadline.
pub(crate) struct Pipeline {
    pub(crate) base_url: BaseUrl,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) retry: RetryPolicy,
    pub(crate) sleep: Option<Arc<dyn Sleep>>,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("base_url", &self.base_url.to_string())
            .field("transport", &self.transport)
            .field("retry_policy", &self.retry)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// The time left until the call's deadline.
fn remaining(opts: &CallOptions) -> Duration {
    opts.deadline.map_or(Duration::MAX, |(at, _)| {
        at.saturating_duration_since(Instant::now())
    })
}

/// The call's deadline passed: a timeout, ambiguous for a request that was sent and is not
/// idempotent.
pub(crate) fn deadline_passed(operation: Operation, opts: &CallOptions, attempts: u32) -> Error {
    let limit = opts.deadline.map_or(Duration::ZERO, |(_, d)| d);
    Error::Transport(Arc::new(TransportFailure {
        operation,
        request_id: opts.request_id.clone(),
        source: TransportError::noted(
            TransportErrorKind::Timeout,
            format!("the call's deadline of {} ms passed", limit.as_millis()),
        ),
        attempts,
        may_have_taken_effect: attempts > 0 && !operation.is_idempotent(),
    }))
}

impl Pipeline {
    /// Sends `request` authorised by `source`, under the call's deadline (the client's when
    /// the call set none). A 401 with a token the source believed valid (revoked, or expired
    /// early) drops it, fetches a new one and sends the request once more; a second 401 is
    /// returned.
    pub(crate) fn execute<'p, S: TokenSource + 'p, T: 'p>(
        &'p self,
        source: S,
        request: ApiRequest<T>,
        opts: CallOptions,
    ) -> impl Future<Output = CallResult<T>> + 'p {
        // Not an `async fn` of its own: the future is `execute_lending`'s, not a wrapper
        // holding a second copy of the arguments.
        self.execute_lending(source, request, opts, &[])
    }

    /// [`execute`](Self::execute), with secrets the SDK lends the request (the client secret
    /// and a password of a grant) scrubbed from errors without being copied.
    #[allow(clippy::manual_async_fn)] // on purpose: see the comment in the body
    pub(crate) fn execute_lending<'p, S: TokenSource + 'p, T: 'p>(
        &'p self,
        source: S,
        mut request: ApiRequest<T>,
        mut opts: CallOptions,
        lent: &'p [&'p str],
    ) -> impl Future<Output = CallResult<T>> + 'p {
        // An `async move` block, not an `async fn`: its captures are used in place, where an
        // `async fn` would hold a second copy of each argument in its future.
        async move {
            let operation = request.operation;
            if let Some(invalid) = request.invalid.take() {
                return Err(Error::invalid_input(operation, *invalid));
            }
            if opts.deadline.is_none() {
                let at = Instant::now()
                    .checked_add(self.deadline)
                    .unwrap_or_else(far_future);
                opts.deadline = Some((at, self.deadline));
            }
            let url = request.resolve(&self.base_url);
            let mut first = true;
            loop {
                let token = source.token(&opts).await?;
                let secrets = Secrets::of_request(
                    &request.secrets,
                    lent,
                    token.as_ref().map(AccessToken::expose_secret),
                );
                let result = self
                    .send(&request, &url, token.as_ref(), &opts, &secrets)
                    .await;
                match (result, token) {
                    (Err(e), Some(token))
                        if first
                            && source.refreshable()
                            && e.status() == Some(StatusCode::UNAUTHORIZED) =>
                    {
                        tracing::debug!(
                            operation = operation.as_str(),
                            "401 with a cached token: fetching a new one"
                        );
                        source.invalidate(&token);
                        first = false;
                    }
                    (result, _) => return result,
                }
            }
        }
    }

    /// Sends the request (again, built anew, as the retry policy decides), then decodes the
    /// answer. One tracing span per attempt: method, path, request id, attempt, status,
    /// duration.
    async fn send<T>(
        &self,
        request: &ApiRequest<T>,
        url: &str,
        token: Option<&AccessToken>,
        opts: &CallOptions,
        secrets: &Secrets<'_>,
    ) -> CallResult<T> {
        let operation = request.operation;
        let per_attempt = opts.timeout.unwrap_or(self.timeout);
        let mut attempt = 0;
        loop {
            let left = remaining(opts);
            if left.is_zero() {
                return Err(deadline_passed(operation, opts, attempt));
            }
            attempt += 1;
            // Built in a block, so that the request's storage ends before the await (a
            // smaller future to box and move).
            let (sending, span) = {
                let mut this = request.build(url, token, &opts.request_id)?;
                opts.apply(&mut this);
                let span = tracing::info_span!(
                    "finapi_access.request",
                    operation = operation.as_str(),
                    method = %this.method(),
                    path = this.uri().path(),
                    request_id = %opts.request_id,
                    attempt,
                    status = tracing::field::Empty,
                    duration_ms = tracing::field::Empty,
                );
                let timeout = per_attempt.min(left);
                (self.transport.send_with_timeout(this, timeout), span)
            };
            // The same for the answer: it ends before a backoff is awaited.
            let delay = {
                let started = Instant::now();
                let result = sending.instrument(span.clone()).await;
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                if let Ok(response) = &result {
                    span.record("status", response.status().as_u16());
                }
                match self.retry_delay(operation, attempt, &result, opts) {
                    Some(delay) => {
                        tracing::debug!(parent: &span, delay_ms = delay.as_millis() as u64, "retrying");
                        delay
                    }
                    None => {
                        return match result {
                            Ok(response) => decode_response(
                                request,
                                &response,
                                &opts.request_id,
                                attempt,
                                secrets,
                            ),
                            Err(e) => Err(wire::transport_failure(
                                operation,
                                opts.request_id.clone(),
                                e,
                                attempt,
                            )),
                        };
                    }
                }
            };
            if let Some(sleeper) = &self.sleep {
                sleeper.sleep(delay).await;
            }
        }
    }

    /// How long to wait before sending again, as the retry policy decides; `None` to stop
    /// (no timer, no retry, or a wait that would outlast the deadline).
    fn retry_delay(
        &self,
        operation: Operation,
        attempt: u32,
        result: &Result<http::Response<Bytes>, TransportError>,
        opts: &CallOptions,
    ) -> Option<Duration> {
        self.sleep.as_ref()?;
        let outcome = match result {
            Ok(response) => Outcome::Response(response.status(), response.headers()),
            Err(e) => Outcome::Transport(e.kind()),
        };
        let decision = self.retry.decide(
            operation.is_idempotent(),
            attempt,
            outcome,
            SystemTime::now(),
            fastrand::f64(),
        );
        match decision {
            RetryDecision::RetryAfter(delay) if delay < remaining(opts) => Some(delay),
            _ => None,
        }
    }

    /// Waits for a token fetch: the caller that started it waits as long as it takes (its
    /// own requests are bounded by its deadline); a caller that joined one waits at most
    /// until its own deadline.
    pub(crate) async fn wait_for(
        &self,
        flight: Flight,
        started: bool,
        operation: Operation,
        opts: &CallOptions,
    ) -> Result<CachedToken, Error> {
        let Some(sleeper) = self.sleep.as_ref().filter(|_| !started) else {
            return flight.await;
        };
        let left = remaining(opts);
        if left == Duration::MAX {
            return flight.await;
        }
        match select(flight, sleeper.sleep(left)).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => Err(deadline_passed(operation, opts, 0)),
        }
    }
}

/// The typed answer, or the typed error, of one response.
pub(crate) fn decode_response<T>(
    request: &ApiRequest<T>,
    response: &http::Response<Bytes>,
    sent: &RequestId,
    attempts: u32,
    secrets: &Secrets<'_>,
) -> CallResult<T> {
    let operation = request.operation;
    let request_id = wire::answered_request_id(response, sent);
    let status = response.status();
    if !status.is_success() {
        return Err(wire::decode_error(
            request.errors,
            operation,
            response,
            request_id,
            attempts,
            secrets,
        ));
    }
    match (request.decode)(response.body()) {
        Ok(value) => Ok(crate::ApiResponse::new(value, status, request_id)),
        Err(reason) => Err(wire::unexpected(
            operation, response, request_id, reason, secrets,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_id::REQUEST_ID_HEADER;
    use finapi_access_types::{ErrorCode, TokenResponse, UserCreateParams, UserId};
    use http::header::{ACCEPT, AUTHORIZATION};

    fn rid() -> RequestId {
        RequestId::new("rid-1").unwrap()
    }

    fn base() -> BaseUrl {
        BaseUrl::parse("https://x.example").unwrap()
    }

    fn response(status: u16, body: &str) -> http::Response<Bytes> {
        http::Response::builder()
            .status(status)
            .header(REQUEST_ID_HEADER, "echoed")
            .body(Bytes::from(body.to_owned()))
            .unwrap()
    }

    fn decode<T: DeserializeOwned>(
        operation: Operation,
        response: &http::Response<Bytes>,
        secrets: &Secrets<'_>,
    ) -> CallResult<T> {
        let request = ApiRequest::new(operation, Method::GET, "/").json_response::<T>();
        decode_response(&request, response, &rid(), 1, secrets)
    }

    #[test]
    fn a_json_request_has_a_sensitive_bearer_and_the_sdk_headers() {
        let params = UserCreateParams::new().id(UserId::new("u1").unwrap());
        let request = ApiRequest::new(Operation::CREATE_USER, Method::POST, "/api/v2/users")
            .json_body(&params)
            .into_http(&base(), Some(&AccessToken::new("tok")), &rid())
            .unwrap();
        assert_eq!(request.uri().to_string(), "https://x.example/api/v2/users");
        assert_eq!(request.headers()[AUTHORIZATION], "Bearer tok");
        assert!(request.headers()[AUTHORIZATION].is_sensitive());
        assert_eq!(request.headers()[CONTENT_TYPE], wire::JSON_CONTENT_TYPE);
        assert_eq!(request.headers()[ACCEPT], wire::JSON_CONTENT_TYPE);
        assert_eq!(request.headers()[REQUEST_ID_HEADER], "rid-1");
        assert_eq!(&request.body()[..], br#"{"id":"u1"}"#);
    }

    #[test]
    fn query_headers_and_another_host() {
        let other = BaseUrl::parse("https://webform-sandbox.finapi.io").unwrap();
        let request = ApiRequest::new(Operation::GET_USER, Method::GET, "/api/webForms")
            .base_url(other)
            .query("order", "id,desc")
            .query("page", "2")
            .header(HeaderName::from_static("x-extra"), "yes")
            .into_http(&base(), None, &rid())
            .unwrap();
        assert_eq!(
            request.uri().to_string(),
            "https://webform-sandbox.finapi.io/api/webForms?order=id%2Cdesc&page=2"
        );
        assert_eq!(request.headers()["x-extra"], "yes");
        assert!(request.body().is_empty());
    }

    #[test]
    fn bad_input_is_kept_until_the_call_and_names_the_field() {
        let request = ApiRequest::new(Operation::GET_USER, Method::GET, "/")
            .header(HeaderName::from_static("x-extra"), "line\r\nbreak");
        let invalid = request.invalid.as_ref().expect("refused");
        assert_eq!(invalid.field(), "x-extra", "the header is named");
        let request = ApiRequest::new(Operation::GET_USER, Method::GET, "/")
            .refused(ValidationError::new("first", "rule"))
            .refused(ValidationError::new("second", "rule"));
        assert_eq!(
            request.invalid.as_ref().unwrap().field(),
            "first",
            "the first is kept"
        );
    }

    #[test]
    fn debug_shows_no_body_query_or_header_values() {
        let request = ApiRequest::new(Operation::GET_USER, Method::POST, "/")
            .query("token", "tok-SECRET-q")
            .header(HeaderName::from_static("x-extra"), "hdr-SECRET-h")
            .form_body([("password", "pw-SECRET-b")])
            .secret("pw-SECRET-b");
        let printed = format!("{request:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
    }

    #[test]
    fn success_decodes_with_the_echoed_request_id() {
        let r = response(
            200,
            r#"{"access_token":"a","token_type":"bearer","expires_in":5}"#,
        );
        let ok = decode::<TokenResponse>(Operation::CLIENT_TOKEN, &r, &Secrets::default()).unwrap();
        assert_eq!(ok.request_id().as_str(), "echoed");
        assert_eq!(ok.expires_in.as_secs(), 5);
        let raw = ApiRequest::new(Operation::GET_USER, Method::GET, "/").bytes_response();
        let ok = decode_response(&raw, &r, &rid(), 1, &Secrets::default()).unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert!(ok.starts_with(b"{\"access_token\""));
    }

    #[test]
    fn error_shapes_are_told_apart() {
        let api = response(
            422,
            r#"{"errors":[{"message":"exists","code":"ENTITY_EXISTS","type":"BUSINESS"}]}"#,
        );
        let err =
            decode::<TokenResponse>(Operation::CREATE_USER, &api, &Secrets::default()).unwrap_err();
        assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
        assert_eq!(err.code(), Some("ENTITY_EXISTS"));
        assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));

        let oauth = response(
            401,
            r#"{"error":"invalid_client","error_description":"Bad client credentials"}"#,
        );
        let err = decode::<TokenResponse>(Operation::CLIENT_TOKEN, &oauth, &Secrets::default())
            .unwrap_err();
        assert!(matches!(err, Error::OAuth(_)), "{err:?}");

        let html = response(500, "<html><body>Bad gateway</body></html>");
        let err = decode::<TokenResponse>(Operation::CLIENT_TOKEN, &html, &Secrets::default())
            .unwrap_err();
        let Error::UnexpectedResponse(details) = &err else {
            panic!("{err:?}")
        };
        assert!(details.snippet.contains("Bad gateway"));
    }

    /// A product's error shape, as Web Form 2.0 has.
    #[derive(Debug, serde::Deserialize)]
    struct ProductError {
        code: String,
        description: String,
    }

    impl std::fmt::Display for ProductError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}: {}", self.code, self.description)
        }
    }

    impl crate::ServiceErrorBody for ProductError {
        fn code(&self) -> Option<&str> {
            Some(&self.code)
        }
    }

    #[derive(Debug)]
    struct ProductErrors;

    impl ErrorDecoder for ProductErrors {
        fn decode(&self, answer: &crate::ErrorResponse<'_>) -> Option<Error> {
            let mut body: ProductError = serde_json::from_slice(answer.body()).ok()?;
            body.description = answer.scrub(&body.description);
            Some(answer.service_error(body))
        }
    }

    #[test]
    fn a_product_decoder_makes_service_errors_with_scrubbed_messages() {
        let request = ApiRequest::new(Operation::new("get web form", true), Method::GET, "/")
            .error_decoder(&ProductErrors)
            .json_response::<serde_json::Value>();
        let r = response(
            404,
            r#"{"code":"NOT_FOUND","description":"no form for tok-SECRET-9"}"#,
        );
        let secrets = Secrets::new(["tok-SECRET-9"]);
        let err = decode_response(&request, &r, &rid(), 2, &secrets).unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.code(), Some("NOT_FOUND"));
        assert_eq!(err.request_id().unwrap().as_str(), "echoed");
        assert_eq!(err.operation().as_str(), "get web form");
        let body = err
            .service_body::<ProductError>()
            .expect("the product's type");
        assert_eq!(body.code, "NOT_FOUND");
        let Error::Service(service) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(service.attempts, 2);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(
            err.to_string()
                .starts_with("get web form failed: HTTP 404 NOT_FOUND"),
            "{err}"
        );
        // Another shape falls back to an unexpected response, not a wrong decoding.
        let html = response(502, "<html>proxy</html>");
        let err = decode_response(&request, &html, &rid(), 1, &secrets).unwrap_err();
        assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    }

    #[test]
    fn echoed_secrets_are_scrubbed_from_error_messages() {
        let oauth = response(
            401,
            r#"{"error":"invalid_token","error_description":"Invalid access token: tok-SECRET-1"}"#,
        );
        let err = decode::<TokenResponse>(
            Operation::CREATE_USER,
            &oauth,
            &Secrets::new(["tok-SECRET-1"]),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(!format!("{err:?}").contains("SECRET"));
    }

    #[test]
    fn a_success_body_missing_a_field_names_it_without_leaking_values() {
        let r = response(
            200,
            r#"{"access_token":"tok-SECRET-2","token_type":"bearer"}"#,
        );
        let err =
            decode::<TokenResponse>(Operation::CLIENT_TOKEN, &r, &Secrets::default()).unwrap_err();
        assert!(err.to_string().contains("expires_in"), "{err}");
        assert!(!format!("{err:?} {err}").contains("SECRET"));
    }
}
