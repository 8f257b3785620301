//! Timeout and retry cases, once per transport adapter.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                finapi_access_tests::resilience_cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                create_user_is_retried_after_a_connect_failure,
                an_ambiguous_create_is_reported_not_retried,
                timed_out_token_requests_are_retried,
                a_call_timeout_overrides_the_client_timeout,
                transport_failures_name_their_cause,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
