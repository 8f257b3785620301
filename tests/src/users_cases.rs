//! The users API and the mandator admin endpoints, end to end against the emulator (every
//! response checked against the spec), with wire checks against wiremock.

use std::collections::BTreeSet;

use finapi_access_core::types::{
    Email, ErrorCode, ExecutePasswordChangeParams, Password, PasswordChangeToken, Phone,
    SortDirection, UserCreateParams, UserId, UserListQuery, UserUpdateParams,
};
use finapi_access_core::{AccessClient, ApiVersion, Error, Language, PsuHeaders};
use finapi_access_emulator::{
    DEFAULT_ADMIN_CLIENT_ID, DEFAULT_ADMIN_CLIENT_SECRET, EmulatorConfig,
};
use futures_util::TryStreamExt;
use http::StatusCode;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::MakeTransport;
use crate::emulator_cases::{EmulatorSetup, start};
use crate::harness::{Echo, received, setup, token_body};

const VERSIONS: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::V2];

fn id(value: &str) -> UserId {
    UserId::new(value).unwrap()
}

fn pw(value: &str) -> Password {
    Password::new(value).unwrap()
}

async fn create(client: &AccessClient, user_id: &str, password: &str) {
    client
        .create_user(
            UserCreateParams::new()
                .id(id(user_id))
                .password(pw(password)),
        )
        .await
        .unwrap();
}

fn admin(s: &EmulatorSetup, version: ApiVersion) -> AccessClient {
    s.client_with(
        version,
        DEFAULT_ADMIN_CLIENT_ID,
        DEFAULT_ADMIN_CLIENT_SECRET,
    )
}

fn assert_invalid(err: &Error, field: &str) {
    let Error::InvalidInput(details) = err else {
        panic!("expected invalid input, got {err:?}")
    };
    assert_eq!(details.error.field(), field, "{err}");
}

/// Read, edit (with `""` clearing a field) and delete the authorised user through a session.
pub async fn session_reads_edits_and_deletes_its_user(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    for (n, version) in VERSIONS.into_iter().enumerate() {
        let client = s.client(version);
        let user_id = format!("editable-{n}");
        client
            .create_user(
                UserCreateParams::new()
                    .id(id(&user_id))
                    .password(pw("edit-password"))
                    .phone(Phone::new("+49 1").unwrap()),
            )
            .await
            .unwrap();
        let session = client.user_session(id(&user_id), pw("edit-password"));
        assert_eq!(
            session.get_user().await.unwrap().phone.as_deref(),
            Some("+49 1")
        );

        let edit = UserUpdateParams::new()
            .email(Email::new("new@example.com").unwrap())
            .phone(Phone::new("").unwrap())
            .auto_update(true);
        let edited = session.update_user(&edit).await.unwrap();
        assert_eq!(edited.email.as_deref(), Some("new@example.com"));
        assert_eq!(edited.phone, None, "\"\" clears the phone");
        assert!(edited.is_auto_update_enabled);
        assert_eq!(edited.password.expose_secret(), "XXXXX");
        let again = session.get_user().await.unwrap();
        assert_eq!(again.email.as_deref(), Some("new@example.com"));

        let err = session
            .update_user(&UserUpdateParams::new())
            .await
            .unwrap_err();
        assert_invalid(&err, "body");

        session.delete_user().await.unwrap();
        let err = client
            .fetch_user_token(&id(&user_id), &pw("edit-password"))
            .await
            .unwrap_err();
        assert_eq!(
            err.status(),
            Some(StatusCode::BAD_REQUEST),
            "the user is gone"
        );
    }
}

/// A busy user cannot delete itself: 423 `LOCKED`.
pub async fn deleting_a_busy_user_is_423(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    create(&client, "busy-bee", "busy-password").await;
    assert!(s.emulator.set_user_busy("busy-bee", true));
    let session = client.user_session(id("busy-bee"), pw("busy-password"));
    let err = session.delete_user().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::LOCKED));
    assert_eq!(err.error_code(), Some(&ErrorCode::Locked));
}

/// Verification: status, 403 before, verify, 422 when verified already; deleting an
/// unverified user, and 422 for a verified one.
pub async fn verification_and_unverified_deletion(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default().auto_verify_users(false)).await;
    for (n, version) in VERSIONS.into_iter().enumerate() {
        let client = s.client(version);
        let (kept, dropped) = (format!("verified-{n}"), format!("dropped-{n}"));
        create(&client, &kept, "verify-password").await;
        create(&client, &dropped, "verify-password").await;
        let status = client.verification_status(&id(&kept)).await.unwrap();
        assert!(!status.is_user_verified);
        assert_eq!(status.user_id, kept);
        let err = client
            .fetch_user_token(&id(&kept), &pw("verify-password"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));

        client.verify_user(&id(&kept)).await.unwrap();
        assert!(
            client
                .verification_status(&id(&kept))
                .await
                .unwrap()
                .is_user_verified
        );
        client
            .fetch_user_token(&id(&kept), &pw("verify-password"))
            .await
            .unwrap();
        let err = client.verify_user(&id(&kept)).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
        let err = client.delete_unverified_user(&id(&kept)).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));

        client.delete_unverified_user(&id(&dropped)).await.unwrap();
        let err = client.verification_status(&id(&dropped)).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.error_code(), Some(&ErrorCode::UnknownEntity));
    }
}

/// Password change: the token comes back encrypted, is decrypted by the caller, and the
/// change revokes the user's tokens; the session moves to the new password; a locked user is
/// unlocked.
pub async fn password_change_revokes_tokens_and_unlocks(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default().max_login_attempts(2)).await;
    let client = s.client(ApiVersion::V2);
    client
        .create_user(
            UserCreateParams::new()
                .id(id("changer"))
                .password(pw("old-password"))
                .email(Email::new("changer@example.com").unwrap()),
        )
        .await
        .unwrap();
    let session = client.user_session(id("changer"), pw("old-password"));
    let old_token = session.token().await.unwrap();
    for _ in 0..2 {
        client
            .fetch_user_token(&id("changer"), &pw("wrong-password"))
            .await
            .unwrap_err();
    }
    let err = client
        .fetch_user_token(&id("changer"), &pw("old-password"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::LOCKED));

    let request = client
        .request_password_change(&id("changer"))
        .await
        .unwrap();
    let encrypted = request.password_change_token.expose_secret();
    assert!(
        PasswordChangeToken::new(encrypted).is_err(),
        "the token arrives encrypted"
    );
    let email = finapi_access_emulator::decrypt(request.user_email.as_deref().unwrap()).unwrap();
    assert_eq!(email, "changer@example.com");
    let decrypted =
        PasswordChangeToken::new(finapi_access_emulator::decrypt(encrypted).unwrap()).unwrap();
    client
        .execute_password_change(&ExecutePasswordChangeParams::new(
            id("changer"),
            pw("new-password"),
            decrypted,
        ))
        .await
        .unwrap();

    let err = client.get_authorized_user(&old_token).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::UNAUTHORIZED),
        "old tokens are revoked"
    );
    assert_eq!(session.get_user().await.unwrap().id.as_str(), "changer");
    let err = client
        .fetch_user_token(&id("changer"), &pw("old-password"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));

    // A used token cannot be used again.
    let reused =
        PasswordChangeToken::new(finapi_access_emulator::decrypt(encrypted).unwrap()).unwrap();
    let err = client
        .execute_password_change(&ExecutePasswordChangeParams::new(
            id("changer"),
            pw("third-password"),
            reused,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
}

/// Password change for an unverified user: 422.
pub async fn password_change_needs_a_verified_user(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default().auto_verify_users(false)).await;
    let client = s.client(ApiVersion::V1);
    create(&client, "unverified", "some-password").await;
    let err = client
        .request_password_change(&id("unverified"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.error_code(), Some(&ErrorCode::UserNotVerified));
}

/// The user list, page by page and as a stream walking all pages, with ordering, filters
/// and the page size checked before sending.
pub async fn admin_lists_users_by_page_and_stream(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let ids: Vec<String> = (0..25).map(|n| format!("listed-{n:02}")).collect();
    for user_id in &ids {
        create(&client, user_id, "list-password").await;
    }
    for version in VERSIONS {
        let admin = admin(&s, version);
        let first = admin
            .list_users(&UserListQuery::new().per_page(10).unwrap())
            .await
            .unwrap();
        assert_eq!(first.users.len(), 10);
        assert_eq!(first.paging.total_count, 25);
        assert_eq!(first.paging.page_count, 3);
        assert_eq!(first.users[0].user_id, "listed-00");

        let query = UserListQuery::new().per_page(7).unwrap();
        let all: Vec<String> = admin
            .list_all_users(query)
            .map_ok(|u| u.user_id)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, ids, "every page, in order");

        let descending = admin
            .list_users(&UserListQuery::new().order_by_user_id(SortDirection::Descending))
            .await
            .unwrap();
        assert_eq!(descending.users[0].user_id, "listed-24");

        let one = admin
            .list_users(&UserListQuery::new().user_id(&id("LISTED-03")))
            .await
            .unwrap();
        assert_eq!(one.users.len(), 1);
        let locked = admin
            .list_users(&UserListQuery::new().locked(true))
            .await
            .unwrap();
        assert!(locked.users.is_empty());
        let today = s.emulator.today();
        let registered_today = admin
            .list_users(
                &UserListQuery::new()
                    .registered_between(Some(&today), Some(&today))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(registered_today.paging.total_count, 25);
        let with_stats = admin
            .list_users(
                &UserListQuery::new()
                    .monthly_stats(None, None, None)
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(with_stats.users[0].monthly_stats, Some(Vec::new()));
    }
    let admin = admin(&s, ApiVersion::V2);
    let mut too_big = UserListQuery::new();
    too_big.per_page = 501;
    assert_invalid(&admin.list_users(&too_big).await.unwrap_err(), "perPage");
    let err = client.list_users(&UserListQuery::new()).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::FORBIDDEN),
        "only the mandator admin client"
    );
}

/// Bulk deletion: partial success is normal (busy users stay), unknown ids are left out,
/// and deleted users are listed with distorted ids.
pub async fn admin_deletes_users_with_partial_success(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    for user_id in ["anna", "bert", "cleo"] {
        create(&client, user_id, "bulk-password").await;
    }
    s.emulator.set_user_busy("bert", true);
    let admin = admin(&s, ApiVersion::V1);
    let result = admin
        .delete_users(vec![id("cleo"), id("anna"), id("bert"), id("nobody")])
        .await
        .unwrap();
    assert_eq!(
        result.deleted_users,
        ["anna", "cleo"],
        "sorted, unknown left out"
    );
    assert_eq!(result.non_deleted_users, ["bert"]);
    let deleted = admin
        .list_users(&UserListQuery::new().deleted(true))
        .await
        .unwrap();
    let names: BTreeSet<String> = deleted.users.iter().map(|u| u.user_id.clone()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["aXXa".to_owned(), "cXXo".to_owned()])
    );
    assert!(deleted.users.iter().all(|u| u.deletion_date.is_some()));
}

/// On the wire: PATCH with a JSON body, DELETE with the id in the path, the status query,
/// the list query, PSU headers and `Accept-Language`; bad header values are refused before
/// sending.
pub async fn users_calls_on_the_wire(make: MakeTransport) {
    let s = setup(make, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/token"))
        .respond_with(Echo(
            ResponseTemplate::new(200).set_body_json(token_body(true)),
        ))
        .mount(&s.server)
        .await;
    let user = json!({"id": "wire+user@x", "password": "XXXXX", "email": "", "phone": null, "isAutoUpdateEnabled": false});
    Mock::given(method("PATCH"))
        .and(path("/api/v2/users"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"email": "", "isAutoUpdateEnabled": false}),
        ))
        .and(header("accept-language", "en"))
        .and(header("psu-ip-address", "203.0.113.7"))
        .and(header("psu-device-os", "Android 15"))
        .and(header("psu-user-agent", "Mozilla/5.0 (X11)"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&user))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/users/wire+user@x"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/verificationStatus"))
        .and(query_param("userId", "wire+user@x"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"userId": "wire+user@x", "isUserVerified": true})),
        )
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/mandatorAdmin/getUserList"))
        .and(query_param("perPage", "500"))
        .and(query_param("page", "2"))
        .and(query_param("isLocked", "false"))
        .and(query_param("order", "userId,desc"))
        .and(query_param("minLastActiveDate", "2026-01-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "users": [], "paging": {"page": 2, "perPage": 500, "pageCount": 1, "totalCount": 3}
        })))
        .expect(1)
        .mount(&s.server)
        .await;

    let session = s
        .client
        .user_session(id("wire+user@x"), pw("wire-password"));
    let edit = UserUpdateParams::new()
        .email(Email::new("").unwrap())
        .auto_update(false);
    session
        .update_user(&edit)
        .accept_language(Language::En)
        .psu_headers(
            PsuHeaders::new()
                .ip_address("203.0.113.7")
                .device_os("Android 15")
                .user_agent("Mozilla/5.0 (X11)"),
        )
        .await
        .unwrap();
    s.client
        .delete_unverified_user(&id("wire+user@x"))
        .await
        .unwrap();
    assert!(
        s.client
            .verification_status(&id("wire+user@x"))
            .await
            .unwrap()
            .is_user_verified
    );
    let query = UserListQuery::new()
        .per_page(500)
        .unwrap()
        .page(2)
        .unwrap()
        .locked(false)
        .order_by_user_id(SortDirection::Descending)
        .last_active_between(Some("2026-01-01"), None)
        .unwrap();
    let page = s.client.list_users(&query).await.unwrap();
    assert_eq!(page.paging.total_count, 3);

    let before = received(&s.server).await.len();
    let err = session
        .get_user()
        .psu_headers(PsuHeaders::new().user_agent("bad\nvalue"))
        .await
        .unwrap_err();
    assert_invalid(&err, "PSU-User-Agent");
    let after = received(&s.server).await;
    assert!(
        after[before..].iter().all(|r| r.method.as_str() != "GET"),
        "the bad call was not sent"
    );
}
