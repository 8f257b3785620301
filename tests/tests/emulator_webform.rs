//! Web Form 2.0 on the emulator, once per transport adapter.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                finapi_access_tests::emulator_webform_cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                a_completed_import_leaves_a_bank_connection_in_access,
                errors_aborts_and_expiry,
                bank_search_and_licence_rules,
                the_emulator_checks_requests_on_its_own,
                profiles_and_translations_with_the_admin_token,
                callbacks_reach_loopback_only,
                tasks_run_and_may_need_the_end_user,
                payments_and_standing_orders_produce_their_ids,
                the_page_moves_the_form_and_redirects,
                web_form_errors_are_typed,
                callbacks_retry_tasks_call_back_and_control_works_over_http,
                the_state_survives_a_restart,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
