//! Web Form 2.0 conformance cases, once per transport adapter.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                finapi_access_tests::webform_cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                every_operation_sends_the_exact_request_and_decodes_the_answer,
                every_declared_error_status_is_a_typed_error,
                invalid_input_is_refused_before_sending,
                list_streams_read_every_page,
                a_web_form_401_fetches_a_new_user_token_and_retries,
                waiting_polls_until_the_form_is_final,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
