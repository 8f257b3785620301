//! The users API (client token and user token) and the mandator admin user endpoints: thin
//! plans handed to the pipeline.

use finapi_access_types::{
    DeletedUsers, ExecutePasswordChangeParams, PasswordChangeRequest, RequestPasswordChangeParams,
    User, UserId, UserIdentifiersParams, UserInfo, UserInfoPage, UserListQuery, UserUpdateParams,
    VerificationStatus,
};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::Method;

use crate::call::Call;
use crate::client::AccessClient;
use crate::error::{Error, Operation};
use crate::pipeline::ApiRequest;
use crate::session::UserSession;
use crate::wire::path_segment;

impl AccessClient {
    fn users_request(&self, operation: Operation, method: Method, rest: &str) -> ApiRequest<()> {
        let url = format!("{}{rest}", self.inner.users_url);
        ApiRequest::url(operation, method, url.into())
    }

    fn admin_request(&self, operation: Operation, method: Method, rest: &str) -> ApiRequest<()> {
        let path = format!("{}{rest}", self.api_version().mandator_admin_path());
        ApiRequest::new(operation, method, path)
    }

    /// Deletes a user that is not verified yet (`DELETE /users/{userId}`, client token).
    /// finAPI answers 422 for a verified user and 404 for an unknown one.
    pub fn delete_unverified_user(&self, user_id: &UserId) -> Call<'_, ()> {
        let rest = format!("/{}", path_segment(user_id.as_str()));
        self.send(self.users_request(Operation::DELETE_UNVERIFIED_USER, Method::DELETE, &rest))
    }

    /// Verifies a user (`POST /users/verify/{userId}`, client token), needed before the
    /// password grant when the client's auto-verification is off. 422 if already verified.
    pub fn verify_user(&self, user_id: &UserId) -> Call<'_, ()> {
        let rest = format!("/verify/{}", path_segment(user_id.as_str()));
        self.send(self.users_request(Operation::VERIFY_USER, Method::POST, &rest))
    }

    /// Whether a user is verified (`GET /users/verificationStatus`, client token).
    pub fn verification_status(&self, user_id: &UserId) -> Call<'_, VerificationStatus> {
        let request = self
            .users_request(
                Operation::VERIFICATION_STATUS,
                Method::GET,
                "/verificationStatus",
            )
            .query("userId", user_id.as_str());
        self.send(request.json_response())
    }

    /// Starts a password change (`POST /users/requestPasswordChange`, client token).
    ///
    /// The token in the answer is **encrypted** with your client's data decryption key; the
    /// SDK returns it as it came. Decrypt it, then call
    /// [`execute_password_change`](Self::execute_password_change). 422 if the user is not
    /// verified.
    pub fn request_password_change(&self, user_id: &UserId) -> Call<'_, PasswordChangeRequest> {
        let request = self
            .users_request(
                Operation::REQUEST_PASSWORD_CHANGE,
                Method::POST,
                "/requestPasswordChange",
            )
            .json_body(&RequestPasswordChangeParams::new(user_id.clone()));
        self.send(request.json_response())
    }

    /// Sets the new password with the decrypted token (`POST /users/executePasswordChange`,
    /// client token). finAPI revokes all the user's tokens; this client's session for the
    /// user forgets them and takes the new password.
    pub fn execute_password_change(&self, params: &ExecutePasswordChangeParams) -> Call<'_, ()> {
        let request = self
            .users_request(
                Operation::EXECUTE_PASSWORD_CHANGE,
                Method::POST,
                "/executePasswordChange",
            )
            .secret(params.password.expose_secret())
            .secret(params.password_change_token.expose_secret())
            .json_body(params);
        let call = self.send(request);
        let user_id = params.user_id.clone();
        let password = params.password.clone();
        Call::new(Operation::EXECUTE_PASSWORD_CHANGE, move |opts| {
            Box::pin(async move {
                let result = call.with_options(opts).await?;
                self.password_changed(&user_id, password);
                Ok(result)
            })
        })
    }

    /// One page of the mandator's users (`GET /mandatorAdmin/getUserList`, the mandator
    /// admin client's token). The query is checked before sending (page from 1, 1 to 500 per
    /// page, date formats).
    pub fn list_users(&self, query: &UserListQuery) -> Call<'_, UserInfoPage> {
        let mut request = self.admin_request(Operation::LIST_USERS, Method::GET, "/getUserList");
        request = request.checked_query(query.to_pairs(), query.validate());
        self.send(request.json_response())
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

    /// Changes a client's secret (`POST /mandatorAdmin/changeClientCredentials`, the mandator
    /// admin client's token). finAPI revokes every access token of that client (its users'
    /// tokens stay valid); a client whose secret changed must be built anew with the new
    /// secret. The parameters are checked before sending; both secrets are kept out of every
    /// error.
    pub fn change_client_credentials(
        &self,
        params: &finapi_access_types::ChangeClientCredentialsParams,
    ) -> Call<'_, ()> {
        let request = self
            .admin_request(
                Operation::CHANGE_CLIENT_CREDENTIALS,
                Method::POST,
                "/changeClientCredentials",
            )
            .secret(params.old_client_secret.expose_secret())
            .secret(params.new_client_secret.expose_secret());
        self.send(request.checked_json_body(params, params.validate()))
    }

    /// Deletes users in bulk (`POST /mandatorAdmin/deleteUsers`, the mandator admin client's
    /// token). Partial success is normal: busy users come back in `non_deleted_users`, and
    /// unknown ids are left out of both lists.
    pub fn delete_users(&self, user_ids: Vec<UserId>) -> Call<'_, DeletedUsers> {
        let request = self
            .admin_request(Operation::DELETE_USERS, Method::POST, "/deleteUsers")
            .json_body(&UserIdentifiersParams::new(user_ids));
        self.send(request.json_response())
    }
}

impl UserSession {
    fn user_request(&self, operation: Operation, method: Method) -> ApiRequest<()> {
        ApiRequest::url(
            operation,
            method,
            std::sync::Arc::clone(&self.client.inner.users_url),
        )
    }

    /// The user (`GET /users`) with the session's token; the password comes back as `XXXXX`.
    pub fn get_user(&self) -> Call<'_, User> {
        self.send(
            self.user_request(Operation::GET_USER, Method::GET)
                .json_response(),
        )
    }

    /// Edits the user (`PATCH /users`): at least one field must be set (an empty edit is
    /// refused before sending); `""` clears the email or phone.
    pub fn update_user(&self, params: &UserUpdateParams) -> Call<'_, User> {
        let request = self
            .user_request(Operation::UPDATE_USER, Method::PATCH)
            .checked_json_body(params, params.validate());
        self.send(request.json_response())
    }

    /// Deletes the user (`DELETE /users`) with all their data; the session forgets its
    /// tokens. finAPI answers 423 while a bank connection is busy.
    pub fn delete_user(&self) -> Call<'_, ()> {
        let call = self.send(self.user_request(Operation::DELETE_USER, Method::DELETE));
        Call::new(Operation::DELETE_USER, move |opts| {
            Box::pin(async move {
                let result = call.with_options(opts).await?;
                self.state().forget_grant();
                Ok(result)
            })
        })
    }
}
