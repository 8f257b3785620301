//! The users API and mandator admin cases, once per transport adapter.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                finapi_access_tests::users_cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                session_reads_edits_and_deletes_its_user,
                deleting_a_busy_user_is_423,
                verification_and_unverified_deletion,
                password_change_revokes_tokens_and_unlocks,
                password_change_needs_a_verified_user,
                admin_lists_users_by_page_and_stream,
                admin_deletes_users_with_partial_success,
                users_calls_on_the_wire,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
