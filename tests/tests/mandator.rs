//! Client configuration, keyword and IBAN rules and the emulator's `Accept-Language`, once
//! per transport adapter; every request and response is checked against finAPI's spec.

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            macro_rules! case {
                ($case:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        finapi_access_tests::mandator_cases::$case($make).await;
                    }
                };
            }
            case!(client_configuration_is_read_changed_and_obeyed);
            case!(the_finapi_set_fields_are_shown_and_obeyed);
            case!(client_configuration_edits_are_checked_on_both_sides);
            case!(keyword_rules_are_created_listed_and_deleted);
            case!(iban_rules_are_created_listed_and_deleted);
            case!(messages_follow_accept_language);
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
