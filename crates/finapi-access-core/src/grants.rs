//! The OAuth token endpoint: grants and revocation requests, and the client token's cache.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use finapi_access_types::{
    AccessToken, ClientSecret, Password, RefreshToken, TokenResponse, TokenType, UserId,
};
use futures_util::FutureExt;
use http::Method;
use tracing::Instrument;

use crate::cache::{CachePolicy, CachedToken, Clock, Lookup, TokenCache};
use crate::call::CallOptions;
use crate::environment::ApiVersion;
use crate::error::{Error, Operation, UnexpectedResponse};
use crate::pipeline::{ApiRequest, NoToken, Pipeline, TokenSource};
use crate::response::CallResult;

/// An OAuth grant, with what it sends besides the client credentials.
pub(crate) enum Grant<'a> {
    ClientCredentials,
    Password {
        username: &'a UserId,
        password: &'a Password,
    },
    RefreshToken(&'a RefreshToken),
}

impl Grant<'_> {
    /// The `grant_type` value.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::ClientCredentials => "client_credentials",
            Self::Password { .. } => "password",
            Self::RefreshToken(_) => "refresh_token",
        }
    }

    pub(crate) fn operation(&self) -> Operation {
        match self {
            Self::ClientCredentials => Operation::CLIENT_TOKEN,
            Self::Password { .. } => Operation::USER_TOKEN,
            Self::RefreshToken(_) => Operation::REFRESH_TOKEN,
        }
    }
}

/// Which kind of token a revocation names (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenTypeHint {
    AccessToken,
    RefreshToken,
}

impl TokenTypeHint {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
        }
    }
}

/// What every token fetch of a client needs: the pipeline, the token endpoint, the
/// credentials, the clock and the cache policy. Shared (`Arc`) by the client and by the
/// fetches in flight.
pub(crate) struct Grants {
    pub(crate) pipeline: Pipeline,
    pub(crate) api_version: ApiVersion,
    token_url: Arc<str>,
    revoke_url: Arc<str>,
    pub(crate) client_id: String,
    pub(crate) client_secret: ClientSecret,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) policy: CachePolicy,
    requests: AtomicU64,
}

impl Grants {
    pub(crate) fn new(
        pipeline: Pipeline,
        api_version: ApiVersion,
        client_id: String,
        client_secret: ClientSecret,
        clock: Arc<dyn Clock>,
        policy: CachePolicy,
    ) -> Self {
        Self {
            token_url: pipeline.base_url.join(api_version.token_path()).into(),
            revoke_url: pipeline.base_url.join(api_version.revoke_path()).into(),
            pipeline,
            api_version,
            client_id,
            client_secret,
            clock,
            policy,
            requests: AtomicU64::new(0),
        }
    }

    /// How many token requests were sent.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn grant_request(&self, grant: &Grant<'_>) -> ApiRequest<TokenResponse> {
        grant_request(
            self.token_url.clone(),
            &self.client_id,
            &self.client_secret,
            grant,
        )
    }

    /// Sends a grant. Only bearer tokens are accepted.
    pub(crate) async fn grant(
        &self,
        grant: &Grant<'_>,
        opts: CallOptions,
    ) -> CallResult<TokenResponse> {
        let operation = grant.operation();
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(grant = grant.name(), request_id = %opts.request_id, "token request");
        let secret = self.client_secret.expose_secret();
        let response = match grant {
            Grant::ClientCredentials => {
                self.pipeline
                    .execute_lending(NoToken, self.grant_request(grant), opts, &[secret])
                    .await
            }
            Grant::Password { password, .. } => {
                let lent = [secret, password.expose_secret()];
                self.pipeline
                    .execute_lending(NoToken, self.grant_request(grant), opts, &lent)
                    .await
            }
            Grant::RefreshToken(token) => {
                let lent = [secret, token.expose_secret()];
                self.pipeline
                    .execute_lending(NoToken, self.grant_request(grant), opts, &lent)
                    .await
            }
        }?;
        if let TokenType::Other(other) = &response.token_type {
            return Err(Error::UnexpectedResponse(Arc::new(UnexpectedResponse {
                operation,
                status: response.status(),
                request_id: response.request_id().clone(),
                content_type: None,
                reason: format!(
                    "token_type is `{}`: only bearer tokens can be used",
                    other.chars().take(32).collect::<String>()
                ),
                snippet: String::new(),
            })));
        }
        Ok(response)
    }

    /// A token response as the caches keep it, received now.
    pub(crate) fn cached(&self, response: &TokenResponse) -> CachedToken {
        CachedToken::new(response, &self.policy, self.clock.now())
    }

    /// Revocation, authorised with the client token: v1 sends `token` and `token_type_hint`
    /// as query parameters (as finAPI's v1 spec says), v2 as a form body.
    pub(crate) fn revoke_request(
        &self,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> ApiRequest<()> {
        let mut pairs = vec![("token", token)];
        if let Some(hint) = hint {
            pairs.push(("token_type_hint", hint.as_str()));
        }
        let request =
            ApiRequest::url(Operation::REVOKE, Method::POST, self.revoke_url.clone()).secret(token);
        match self.api_version {
            ApiVersion::V1 => request.query_pairs(pairs),
            ApiVersion::V2 => request.form_body(pairs),
        }
    }
}

/// `POST <token path>` with the grant as an `application/x-www-form-urlencoded` body
/// (never the query).
pub(crate) fn grant_request(
    url: Arc<str>,
    client_id: &str,
    client_secret: &ClientSecret,
    grant: &Grant<'_>,
) -> ApiRequest<TokenResponse> {
    let common = [
        ("grant_type", grant.name()),
        ("client_id", client_id),
        ("client_secret", client_secret.expose_secret()),
    ];
    let request = ApiRequest::url(grant.operation(), Method::POST, url);
    match grant {
        Grant::ClientCredentials => request.form_body(common),
        Grant::Password { username, password } => request.form_body(common.into_iter().chain([
            ("username", username.as_str()),
            ("password", password.expose_secret()),
        ])),
        Grant::RefreshToken(token) => request.form_body(
            common
                .into_iter()
                .chain([("refresh_token", token.expose_secret())]),
        ),
    }
    .json_response()
}

/// Waits for a token: the cached one, or a fetch (the one in flight, or a new one started
/// with `fetch`), under the call's deadline.
pub(crate) async fn cached_or_fetched(
    cache: &Arc<TokenCache>,
    grants: &Grants,
    operation: Operation,
    opts: &CallOptions,
    fetch: impl FnOnce() -> futures_util::future::BoxFuture<'static, Result<CachedToken, Error>>,
) -> Result<Option<AccessToken>, Error> {
    match cache.lookup(grants.clock.now(), fetch) {
        Lookup::Ready(token) => Ok(Some(token)),
        Lookup::Wait { flight, started } => grants
            .pipeline
            .wait_for(flight, started, operation, opts)
            .await
            .map(|cached| Some(cached.token)),
    }
}

/// The client token: cached, fetched once for all concurrent callers.
pub(crate) struct ClientTokens {
    pub(crate) grants: Arc<Grants>,
    pub(crate) cache: Arc<TokenCache>,
}

impl TokenSource for ClientTokens {
    fn token<'a>(
        &'a self,
        opts: &'a CallOptions,
    ) -> impl Future<Output = Result<Option<AccessToken>, Error>> + Send + 'a {
        // The clones are made only when this caller starts a fetch, not on a cache hit.
        cached_or_fetched(
            &self.cache,
            &self.grants,
            Operation::CLIENT_TOKEN,
            opts,
            || {
                let grants = Arc::clone(&self.grants);
                let opts = opts.for_token_fetch();
                async move {
                    let response = grants.grant(&Grant::ClientCredentials, opts).await?;
                    Ok(grants.cached(&response))
                }
                .instrument(tracing::info_span!(
                    "finapi_access.token_refresh",
                    grant = "client_credentials"
                ))
                .boxed()
            },
        )
    }

    fn refreshable(&self) -> bool {
        true
    }

    fn invalidate(&self, token: &AccessToken) {
        self.cache.invalidate(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BaseUrl;
    use crate::request_id::{REQUEST_ID_HEADER, RequestId};
    use crate::wire::FORM_CONTENT_TYPE;
    use bytes::Bytes;
    use http::header::CONTENT_TYPE;

    const URL: &str = "https://x.example/api/v2/oauth/token";

    fn http(grant: &Grant<'_>, secret: &str) -> http::Request<Bytes> {
        let base = BaseUrl::parse("https://x.example").unwrap();
        grant_request(URL.into(), "cid", &ClientSecret::new(secret), grant)
            .into_http(&base, None, &RequestId::new("rid-1").unwrap())
            .unwrap()
    }

    fn form_of(request: &http::Request<Bytes>) -> Vec<(String, String)> {
        form_urlencoded::parse(request.body())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn client_credentials_form_body_and_headers() {
        let request = http(&Grant::ClientCredentials, "s&c=r+e%t ü");
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().to_string(), URL);
        assert_eq!(request.uri().query(), None);
        assert_eq!(request.headers()[CONTENT_TYPE], FORM_CONTENT_TYPE);
        assert_eq!(request.headers()[REQUEST_ID_HEADER], "rid-1");
        assert!(request.headers().get(http::header::AUTHORIZATION).is_none());
        assert_eq!(
            form_of(&request),
            vec![
                ("grant_type".into(), "client_credentials".into()),
                ("client_id".into(), "cid".into()),
                ("client_secret".into(), "s&c=r+e%t ü".into()),
            ]
        );
    }

    #[test]
    fn password_grant_encodes_every_special_character() {
        let user = UserId::new("u+1@x").unwrap();
        let password = Password::new("a&b+c d€ö-e").unwrap();
        let request = http(
            &Grant::Password {
                username: &user,
                password: &password,
            },
            "sec",
        );
        let raw = std::str::from_utf8(request.body()).unwrap();
        assert!(!raw.contains("a&b"), "{raw}");
        let form = form_of(&request);
        assert!(form.contains(&("username".into(), "u+1@x".into())));
        assert!(form.contains(&("password".into(), "a&b+c d€ö-e".into())));
    }

    proptest::proptest! {
        #[test]
        fn any_credentials_round_trip_through_the_form_encoding(
            client_id in "(?s).{1,40}",
            secret in "(?s).{1,64}",
            user in "[A-Za-z0-9._+@-]{1,36}",
            password in r"[A-Za-z0-9 &(){}\[\].:,;?!+\-_$@#~`^€¡-ʯ]{6,128}",
        ) {
            let user_id = UserId::new(user.clone()).unwrap();
            let pw = Password::new(password.clone()).unwrap();
            let base = BaseUrl::parse("https://x.example").unwrap();
            let request = grant_request(
                URL.into(),
                &client_id,
                &ClientSecret::new(secret.clone()),
                &Grant::Password { username: &user_id, password: &pw },
            )
            .into_http(&base, None, &RequestId::new("rid-1").unwrap())
            .unwrap();
            let form = form_of(&request);
            proptest::prop_assert_eq!(form, vec![
                ("grant_type".to_owned(), "password".to_owned()),
                ("client_id".to_owned(), client_id),
                ("client_secret".to_owned(), secret),
                ("username".to_owned(), user),
                ("password".to_owned(), password),
            ]);
            let raw = std::str::from_utf8(request.body()).unwrap();
            proptest::prop_assert!(raw.bytes().all(|b| b.is_ascii_graphic()), "only ASCII on the wire: {}", raw);
        }
    }
}
