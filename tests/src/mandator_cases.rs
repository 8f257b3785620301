//! Client configuration and the mandator's categorisation rules, end to end against the
//! emulator (every request and response checked against finAPI's spec on the way), and the
//! emulator's `Accept-Language`.

use std::time::Duration;

use finapi_access_core::types::{
    ClientConfigurationParams, ErrorCode, IbanRuleParams, IbanRulesParams, KeywordRuleParams,
    KeywordRulesParams, Password, RuleDirection, RuleListQuery, SortDirection,
    TransactionDirection, UserCreateParams, UserId,
};
use finapi_access_core::{AccessClient, ApiVersion, Error, Language};
use finapi_access_emulator::EmulatorConfig;
use http::StatusCode;

use crate::MakeTransport;
use crate::emulator_cases::{EmulatorSetup, start};

fn admin(s: &EmulatorSetup, version: ApiVersion) -> AccessClient {
    s.client_with(
        version,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_ID,
        finapi_access_emulator::DEFAULT_ADMIN_CLIENT_SECRET,
    )
}

fn refused_field(err: &Error) -> String {
    match err {
        Error::InvalidInput(invalid) => invalid.error.field().to_owned(),
        other => panic!("expected a refusal before sending, got {other:?}"),
    }
}

fn json_error(response: &http::Response<bytes::Bytes>) -> serde_json::Value {
    serde_json::from_slice(response.body()).unwrap()
}

/// `GET` and `PATCH /clientConfiguration` on v1 and v2: the defaults, a change of the three
/// validity periods that the next tokens obey (access tokens held keep their expiry), and a
/// refresh token that expires on its own period.
pub async fn client_configuration_is_read_changed_and_obeyed(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    for version in [ApiVersion::V1, ApiVersion::V2] {
        let configuration = admin(&s, version).client_configuration().await.unwrap();
        assert!(configuration.is_mandator_admin, "{version}");
    }
    let client = s.client(ApiVersion::V1);
    let before = client.client_configuration().await.unwrap();
    assert_eq!(before.client_access_tokens_validity_period, 3600);
    assert_eq!(before.user_access_tokens_validity_period, 3600);
    assert_eq!(before.refresh_tokens_validity_period, 0);
    assert!(before.is_user_auto_verification_enabled);
    assert_eq!(before.max_user_login_attempts, 5);
    assert!(!before.is_mandator_admin);
    let held = client.fetch_client_token().await.unwrap();

    let client = s.client(ApiVersion::V2);
    let edit = ClientConfigurationParams::new()
        .client_access_tokens_validity(Duration::from_secs(120))
        .user_access_tokens_validity(Duration::from_secs(60))
        .refresh_tokens_validity(Duration::from_secs(300))
        .user_synchronization_callback_url("https://example.com/finapi/deleted");
    let changed = client.edit_client_configuration(&edit).await.unwrap();
    assert_eq!(changed.client_access_tokens_validity_period, 120);
    assert_eq!(changed.user_access_tokens_validity_period, 60);
    assert_eq!(changed.refresh_tokens_validity_period, 300);
    assert_eq!(
        changed.user_synchronization_callback_url.as_deref(),
        Some("https://example.com/finapi/deleted")
    );
    let read = client.client_configuration().await.unwrap();
    assert_eq!(
        read.into_inner(),
        changed.into_inner(),
        "GET shows the change"
    );
    let other = admin(&s, ApiVersion::V2)
        .client_configuration()
        .await
        .unwrap();
    assert_eq!(
        other.user_access_tokens_validity_period, 3600,
        "each client has its own configuration"
    );

    // The token held keeps its expiry; it is handed out again until it expires.
    let again = client.fetch_client_token().await.unwrap();
    assert_eq!(
        again.access_token.expose_secret(),
        held.access_token.expose_secret()
    );
    assert!(again.expires_in.as_secs() > 120, "{:?}", again.expires_in);
    s.emulator.advance_clock(Duration::from_secs(3601));
    let fresh = client.fetch_client_token().await.unwrap();
    assert_eq!(fresh.expires_in.as_secs(), 120, "a new client token");

    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let token = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();
    assert_eq!(token.expires_in.as_secs(), 60, "a new user token");
    let refresh = token.refresh_token.clone().expect("a refresh token");
    s.emulator.advance_clock(Duration::from_secs(61));
    let refreshed = client.refresh_user_token(&refresh).await.unwrap();
    assert_ne!(
        refreshed.access_token.expose_secret(),
        token.access_token.expose_secret()
    );
    s.emulator.advance_clock(Duration::from_secs(240));
    let err = client.refresh_user_token(&refresh).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::BAD_REQUEST),
        "the refresh token expired after 300 s: {err}"
    );
}

/// What finAPI sets and the API cannot edit (auto-verification, the failed-login limit) is
/// shown by `GET` and obeyed, also when changed at run time.
pub async fn the_finapi_set_fields_are_shown_and_obeyed(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    s.emulator.configure_client(s.emulator.client_id(), |c| {
        c.is_user_auto_verification_enabled = false;
        c.max_user_login_attempts = 2;
    });
    let configuration = client.client_configuration().await.unwrap();
    assert!(!configuration.is_user_auto_verification_enabled);
    assert_eq!(configuration.max_user_login_attempts, 2);

    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let err = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::FORBIDDEN),
        "not verified: {err}"
    );
    client.verify_user(&user.id).await.unwrap();
    client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap();

    let wrong = Password::new("wrong-password").unwrap();
    for attempt in 1..=2 {
        let err = client.fetch_user_token(&user.id, &wrong).await.unwrap_err();
        assert_eq!(
            err.status(),
            Some(StatusCode::BAD_REQUEST),
            "attempt {attempt}"
        );
    }
    let err = client
        .fetch_user_token(&user.id, &user.password)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::LOCKED),
        "locked after 2 failures, as configured: {err}"
    );
}

/// Bad edits: the SDK refuses them before sending, naming the field; the emulator, with its
/// own rules from the spec, answers 400 to the same bodies. The override header and the
/// token kind are enforced.
pub async fn client_configuration_edits_are_checked_on_both_sides(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let cases: [(ClientConfigurationParams, &str, &str); 5] = [
        (
            ClientConfigurationParams::new().user_access_tokens_validity(Duration::from_secs(59)),
            "userAccessTokensValidityPeriod",
            r#"{"userAccessTokensValidityPeriod": 59}"#,
        ),
        (
            ClientConfigurationParams::new().refresh_tokens_validity(Duration::from_secs(1 << 31)),
            "refreshTokensValidityPeriod",
            r#"{"refreshTokensValidityPeriod": 2147483648}"#,
        ),
        (
            ClientConfigurationParams::new().user_notification_callback_url("not a url"),
            "userNotificationCallbackUrl",
            r#"{"userNotificationCallbackUrl": "not a url"}"#,
        ),
        (
            ClientConfigurationParams::new().fin_ts_product_registration_number("abc"),
            "finTSProductRegistrationNumber",
            r#"{"finTSProductRegistrationNumber": "abc"}"#,
        ),
        (
            ClientConfigurationParams::new()
                .user_synchronization_callback_url(format!("https://e.com/{}", "a".repeat(600))),
            "userSynchronizationCallbackUrl",
            "",
        ),
    ];
    let token = client.client_token().await.unwrap();
    let bearer = format!("Bearer {}", token.expose_secret());
    let json = ("content-type", "application/json");
    for (params, field, body) in cases {
        let err = client.edit_client_configuration(&params).await.unwrap_err();
        assert_eq!(refused_field(&err), field);
        let body = if body.is_empty() {
            serde_json::to_string(&params).unwrap()
        } else {
            body.to_owned()
        };
        let answer = s
            .raw(
                "PATCH",
                "/api/v2/clientConfiguration",
                &[("authorization", &bearer), json],
                &body,
            )
            .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{body}");
        let message = json_error(&answer)["errors"][0]["message"].to_string();
        assert!(message.contains(field), "{message}");
    }
    let err = client
        .edit_client_configuration(&ClientConfigurationParams::new())
        .await
        .unwrap_err();
    assert_eq!(
        refused_field(&err),
        "body",
        "an empty edit is a caller's bug"
    );

    // POST with the override is the PATCH; POST without it is 405.
    let answer = s
        .raw(
            "POST",
            "/api/v2/clientConfiguration",
            &[
                ("authorization", &bearer),
                json,
                ("x-http-method-override", "PATCH"),
            ],
            r#"{"betaBanksEnabled": true}"#,
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(json_error(&answer)["betaBanksEnabled"], true);
    // (Straight through the unchecked transport: the spec has no POST here to check against.)
    let request = http::Request::post(format!(
        "{}/api/v2/clientConfiguration",
        s.emulator.base_url()
    ))
    .header("authorization", &bearer)
    .header("content-type", "application/json")
    .body(bytes::Bytes::from_static(b"{}"))
    .unwrap();
    let answer = s.plain.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);

    // A user token is refused.
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let session = client.user_session(user.id.clone(), user.password.clone());
    let user_token = session.token().await.unwrap();
    let answer = s
        .raw(
            "GET",
            "/api/v2/clientConfiguration",
            &[(
                "authorization",
                &format!("Bearer {}", user_token.expose_secret()),
            )],
            "",
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}

/// Keyword rules: `Both` makes two, listing pages and orders by id, a repeat is
/// `ENTITY_EXISTS`, an unknown category 404, a delete answers the ids and an unknown id 404
/// with nothing deleted; an incorrect keyword is refused by both sides; only the mandator
/// admin may.
pub async fn keyword_rules_are_created_listed_and_deleted(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let admin = admin(&s, ApiVersion::V2);
    let rule = KeywordRuleParams::new(201, RuleDirection::Both, ["REWE", "Edeka"]);
    let created = admin
        .create_keyword_rules(&KeywordRulesParams::new(vec![rule.clone()]))
        .await
        .unwrap();
    let rules = &created.keyword_rules;
    assert_eq!(rules.len(), 2, "Both is two rules");
    assert_eq!(rules[0].direction, TransactionDirection::Income);
    assert_eq!(rules[1].direction, TransactionDirection::Spending);
    assert_eq!(rules[0].category.id, 201);
    assert_eq!(rules[0].keywords, ["REWE", "Edeka"]);
    let more = admin
        .create_keyword_rules(&KeywordRulesParams::new(vec![
            KeywordRuleParams::new(374, RuleDirection::Spending, ["Fitness"]).all_must_match(),
        ]))
        .await
        .unwrap();
    assert!(more.keyword_rules[0].all_keywords_must_match);

    let page = admin
        .list_keyword_rules(
            &RuleListQuery::new()
                .per_page(2)
                .order(SortDirection::Descending),
        )
        .await
        .unwrap();
    assert_eq!(page.paging.total_count, 3);
    assert_eq!(page.paging.page_count, 2);
    let ids: Vec<i64> = page.keyword_rules.iter().map(|r| r.id).collect();
    assert!(ids[0] > ids[1], "descending: {ids:?}");

    let repeat = KeywordRuleParams::new(201, RuleDirection::Income, ["edeka", "rewe"]);
    let err = admin
        .create_keyword_rules(&KeywordRulesParams::new(vec![repeat]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
    let unknown = KeywordRuleParams::new(999_999, RuleDirection::Income, ["x"]);
    let err = admin
        .create_keyword_rules(&KeywordRulesParams::new(vec![unknown]))
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::NOT_FOUND),
        "unknown category"
    );

    let bad = KeywordRulesParams::new(vec![KeywordRuleParams::new(
        201,
        RuleDirection::Income,
        ["a=b"],
    )]);
    let err = admin.create_keyword_rules(&bad).await.unwrap_err();
    assert_eq!(refused_field(&err), "keywordRules[0].keywords[0]");
    let token = admin.client_token().await.unwrap();
    let bearer = format!("Bearer {}", token.expose_secret());
    let answer = s
        .raw(
            "POST",
            "/api/v2/mandatorAdmin/keywordRules",
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            &serde_json::to_string(&bad).unwrap(),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_error(&answer)["errors"][0]["code"],
        "ILLEGAL_FIELD_VALUE"
    );

    let first_two = vec![rules[0].id, rules[1].id];
    let err = admin
        .delete_keyword_rules(vec![rules[1].id, 424_242])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    let deleted = admin
        .delete_keyword_rules(vec![rules[1].id, rules[0].id])
        .await
        .unwrap();
    assert_eq!(
        deleted.identifiers, first_two,
        "all of them, in ascending order"
    );
    let left = admin
        .list_keyword_rules(&RuleListQuery::new())
        .await
        .unwrap();
    assert_eq!(left.paging.total_count, 1);

    let err = s
        .client(ApiVersion::V2)
        .list_keyword_rules(&RuleListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN), "not the admin");
}

/// IBAN rules: spaces are dropped, the check digits are checked before sending, a repeat
/// (case-insensitive IBAN, same direction) is `ENTITY_EXISTS`, v1 serves them too.
pub async fn iban_rules_are_created_listed_and_deleted(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let admin = admin(&s, ApiVersion::V1);
    let created = admin
        .create_iban_rules(&IbanRulesParams::new(vec![IbanRuleParams::new(
            "DE89 3704 0044 0532 0130 00",
            101,
            RuleDirection::Income,
        )]))
        .await
        .unwrap();
    assert_eq!(created.iban_rules[0].iban, "DE89370400440532013000");
    assert_eq!(created.iban_rules[0].category.parent_id, Some(100));
    let err = admin
        .create_iban_rules(&IbanRulesParams::new(vec![IbanRuleParams::new(
            "de89370400440532013000",
            201,
            RuleDirection::Both,
        )]))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some(&ErrorCode::EntityExists));
    let none_stored = admin.list_iban_rules(&RuleListQuery::new()).await.unwrap();
    assert_eq!(none_stored.paging.total_count, 1, "all or nothing");
    let typo = IbanRulesParams::new(vec![IbanRuleParams::new(
        "DE89370400440532013001",
        101,
        RuleDirection::Income,
    )]);
    let err = admin.create_iban_rules(&typo).await.unwrap_err();
    assert_eq!(refused_field(&err), "ibanRules[0].iban");
    let err = admin
        .list_iban_rules(&RuleListQuery::new().per_page(501))
        .await
        .unwrap_err();
    assert_eq!(refused_field(&err), "perPage");
    let deleted = admin
        .delete_iban_rules(vec![created.iban_rules[0].id])
        .await
        .unwrap();
    assert_eq!(deleted.identifiers, [created.iban_rules[0].id]);
    let empty = admin.list_iban_rules(&RuleListQuery::new()).await.unwrap();
    assert!(empty.iban_rules.is_empty());
    assert_eq!(empty.paging.page_count, 0);
}

/// finAPI's messages for the end user come in the asked language: German by default,
/// English, Czech or Slovak on request (subtags ignored).
pub async fn messages_follow_accept_language(make: MakeTransport) {
    let s = start(make, EmulatorConfig::default()).await;
    let client = s.client(ApiVersion::V2);
    let user = client.create_user(UserCreateParams::new()).await.unwrap();
    let wrong = Password::new("wrong-password").unwrap();
    let message = |err: Error| {
        err.error_message()
            .and_then(|m| m.first_message().map(str::to_owned))
            .unwrap()
    };
    let german = client.fetch_user_token(&user.id, &wrong).await.unwrap_err();
    assert_eq!(
        message(german),
        "Ungültige Benutzerdaten",
        "finAPI's default"
    );
    let english = client
        .fetch_user_token(&user.id, &wrong)
        .accept_language(Language::En)
        .await
        .unwrap_err();
    assert_eq!(message(english), "Bad user credentials");
    let form = format!(
        "grant_type=password&client_id={}&client_secret={}&username={}&password=wrong-password",
        s.emulator.client_id(),
        s.emulator.client_secret(),
        user.id
    );
    let czech = s
        .raw(
            "POST",
            "/api/v2/oauth/token",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept-language", "cs-CZ, en;q=0.5"),
            ],
            &form,
        )
        .await;
    assert_eq!(
        json_error(&czech)["errors"][0]["message"],
        "Neplatné přihlašovací údaje uživatele"
    );
    let unknown = UserId::new("nobody-here").unwrap();
    let err = client
        .fetch_user_token(&unknown, &wrong)
        .accept_language(Language::En)
        .await
        .unwrap_err();
    assert_eq!(
        message(err),
        "Bad user credentials",
        "an unknown user reads the same"
    );
}
