//! Token lifecycle cases, once per transport adapter.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                finapi_access_tests::lifecycle_cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                client_token_is_reused_until_the_margin,
                never_expiring_tokens_are_reused,
                cold_cache_under_load_sends_one_token_request,
                expiry_under_load_sends_exactly_one_more,
                a_failed_token_request_is_shared_and_not_cached,
                session_refreshes_with_the_refresh_token,
                session_falls_back_to_the_password,
                a_401_fetches_a_new_token_and_retries_once,
                a_second_401_is_returned,
                a_401_is_recovered_through_the_refresh_token,
                revocation_requests_follow_the_spec,
                revocation_then_use_fetches_a_fresh_token_through_the_refresh_token,
                session_recovers_from_a_grant_revoked_elsewhere_falling_back_to_the_password,
                create_user_survives_a_revoked_client_token,
                one_refresh_span_per_real_token_request,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
