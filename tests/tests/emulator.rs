//! The end-to-end cases against the emulator, once per transport adapter. Every response is
//! checked against finAPI's spec on the way.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                finapi_access_tests::emulator_cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                onboarding_works_on_both_versions,
                the_sdk_and_the_emulator_agree_on_every_field_rule,
                method_override_and_error_fidelity,
                the_mandator_admin_changes_client_credentials,
                same_credentials_get_the_same_token,
                tokens_expire_after_their_lifetime,
                zero_lifetime_tokens_never_expire,
                unknown_client_is_401,
                bad_user_password_is_400,
                user_ids_are_case_insensitive,
                generated_credentials_work,
                field_rules_are_enforced_with_400,
                wrong_token_kind_is_403,
                missing_or_unknown_token_is_401,
                revoked_tokens_get_401,
                refresh_tokens_work_until_revoked,
                token_endpoint_requires_a_form_body,
                request_ids_are_echoed_or_generated,
                unverified_users_get_403,
                locked_users_get_423,
                concurrent_requests_are_safe,
                a_stored_refresh_token_resumes_the_session,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
