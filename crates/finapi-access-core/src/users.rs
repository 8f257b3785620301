//! The users API (client token) and the mandator admin user endpoints.

use finapi_access_types::{
    DeletedUsers, ExecutePasswordChangeParams, PasswordChangeRequest, RequestPasswordChangeParams,
    UserId, UserIdentifiersParams, UserInfo, UserInfoPage, UserListQuery, VerificationStatus,
};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::Method;

use crate::call::Call;
use crate::client::{AccessClient, Decoder, TokenSource};
use crate::error::{Error, Operation};
use crate::wire;

/// What an authorised call sends: everything but the token, which is added per attempt.
pub(crate) struct Planned<T> {
    pub(crate) operation: Operation,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) secrets: Vec<String>,
    pub(crate) decode: Decoder<T>,
}

impl<T> Planned<T> {
    pub(crate) fn new(
        operation: Operation,
        method: Method,
        url: String,
        decode: Decoder<T>,
    ) -> Self {
        Self {
            operation,
            method,
            url,
            body: None,
            secrets: Vec::new(),
            decode,
        }
    }

    pub(crate) fn json(mut self, value: &impl serde::Serialize) -> Result<Self, Error> {
        self.body = Some(wire::json_body(self.operation, value)?);
        Ok(self)
    }

    pub(crate) fn secret(mut self, value: &str) -> Self {
        self.secrets.push(value.to_owned());
        self
    }
}

impl AccessClient {
    /// A call authorised with a token from `source`, planned by `plan` (which may refuse the
    /// input before anything is sent).
    pub(crate) fn planned<T: Send + 'static>(
        &self,
        source: TokenSource,
        plan: Result<Planned<T>, Error>,
    ) -> Call<'_, T> {
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                let plan = plan?;
                let secrets: Vec<&str> = plan.secrets.iter().map(String::as_str).collect();
                client
                    .authorized(
                        &source,
                        plan.operation,
                        &opts,
                        &secrets,
                        |token, id| {
                            wire::bearer_request(
                                plan.operation,
                                plan.method.clone(),
                                &plan.url,
                                token,
                                plan.body.clone(),
                                id,
                            )
                        },
                        plan.decode,
                    )
                    .await
            })
        })
    }

    fn users_url(&self, rest: &str) -> String {
        self.url(&format!("{}{rest}", self.api_version().users_path()))
    }

    fn admin_url(&self, rest: &str) -> String {
        self.url(&format!(
            "{}{rest}",
            self.api_version().mandator_admin_path()
        ))
    }

    /// Deletes a user that is not verified yet (`DELETE /users/{userId}`, client token).
    /// finAPI answers 422 for a verified user and 404 for an unknown one.
    pub fn delete_unverified_user(&self, user_id: &UserId) -> Call<'_, ()> {
        let url = self.users_url(&format!("/{}", wire::path_segment(user_id.as_str())));
        self.planned(
            TokenSource::Client,
            Ok(Planned::new(
                Operation::DeleteUnverifiedUser,
                Method::DELETE,
                url,
                wire::decode_empty,
            )),
        )
    }

    /// Verifies a user (`POST /users/verify/{userId}`, client token), needed before the
    /// password grant when the client's auto-verification is off. 422 if already verified.
    pub fn verify_user(&self, user_id: &UserId) -> Call<'_, ()> {
        let url = self.users_url(&format!("/verify/{}", wire::path_segment(user_id.as_str())));
        self.planned(
            TokenSource::Client,
            Ok(Planned::new(
                Operation::VerifyUser,
                Method::POST,
                url,
                wire::decode_empty,
            )),
        )
    }

    /// Whether a user is verified (`GET /users/verificationStatus`, client token).
    pub fn verification_status(&self, user_id: &UserId) -> Call<'_, VerificationStatus> {
        let query = wire::query(&[("userId", user_id.as_str().to_owned())]);
        let url = self.users_url(&format!("/verificationStatus?{query}"));
        self.planned(
            TokenSource::Client,
            Ok(Planned::new(
                Operation::VerificationStatus,
                Method::GET,
                url,
                wire::decode::<VerificationStatus>,
            )),
        )
    }

    /// Starts a password change (`POST /users/requestPasswordChange`, client token).
    ///
    /// The token in the answer is **encrypted** with your client's data decryption key; the
    /// SDK returns it as it came. Decrypt it, then call
    /// [`execute_password_change`](Self::execute_password_change). 422 if the user is not
    /// verified.
    pub fn request_password_change(&self, user_id: &UserId) -> Call<'_, PasswordChangeRequest> {
        let url = self.users_url("/requestPasswordChange");
        let plan = Planned::new(
            Operation::RequestPasswordChange,
            Method::POST,
            url,
            wire::decode::<PasswordChangeRequest>,
        )
        .json(&RequestPasswordChangeParams::new(user_id.clone()));
        self.planned(TokenSource::Client, plan)
    }

    /// Sets the new password with the decrypted token (`POST /users/executePasswordChange`,
    /// client token). finAPI revokes all the user's tokens; this client's session for the
    /// user forgets them and takes the new password.
    pub fn execute_password_change(&self, params: &ExecutePasswordChangeParams) -> Call<'_, ()> {
        let url = self.users_url("/executePasswordChange");
        let plan = Planned::new(
            Operation::ExecutePasswordChange,
            Method::POST,
            url,
            wire::decode_empty,
        )
        .secret(params.password.expose_secret())
        .secret(params.password_change_token.expose_secret())
        .json(&params);
        let user_id = params.user_id.clone();
        let password = params.password.clone();
        let call = self.planned(TokenSource::Client, plan);
        Call::new(self, move |client, opts| {
            Box::pin(async move {
                let result = call.with_options(opts).await?;
                client.password_changed(&user_id, password);
                Ok(result)
            })
        })
    }

    /// One page of the mandator's users (`GET /mandatorAdmin/getUserList`, the mandator
    /// admin client's token). The query is checked before sending (page from 1, 1 to 500 per
    /// page, date formats).
    pub fn list_users(&self, query: &UserListQuery) -> Call<'_, UserInfoPage> {
        let plan = query
            .validate()
            .map_err(|e| Error::invalid_input(Operation::ListUsers, e))
            .map(|()| {
                let url =
                    self.admin_url(&format!("/getUserList?{}", wire::query(&query.to_pairs())));
                Planned::new(
                    Operation::ListUsers,
                    Method::GET,
                    url,
                    wire::decode::<UserInfoPage>,
                )
            });
        self.planned(TokenSource::Client, plan)
    }

    /// Every user matching `query`, page after page (from `query.page`), as a stream.
    pub fn list_all_users(&self, query: UserListQuery) -> BoxStream<'_, Result<UserInfo, Error>> {
        stream::try_unfold(Some(query), move |next| async move {
            let Some(query) = next else {
                return Ok(None);
            };
            let page = self.list_users(&query).await?.into_inner();
            let more = page.paging.page < page.paging.page_count && !page.users.is_empty();
            let next = more.then(|| {
                let mut next = query;
                next.page = page.paging.page + 1;
                next
            });
            Ok(Some((
                stream::iter(page.users.into_iter().map(Ok::<_, Error>)),
                next,
            )))
        })
        .try_flatten()
        .boxed()
    }

    /// Deletes users in bulk (`POST /mandatorAdmin/deleteUsers`, the mandator admin client's
    /// token). Partial success is normal: busy users come back in `non_deleted_users`, and
    /// unknown ids are left out of both lists.
    pub fn delete_users(&self, user_ids: Vec<UserId>) -> Call<'_, DeletedUsers> {
        let url = self.admin_url("/deleteUsers");
        let plan = Planned::new(
            Operation::DeleteUsers,
            Method::POST,
            url,
            wire::decode::<DeletedUsers>,
        )
        .json(&UserIdentifiersParams::new(user_ids));
        self.planned(TokenSource::Client, plan)
    }
}
