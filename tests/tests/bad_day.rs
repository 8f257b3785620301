//! A bad finAPI day from the emulator's fault rules, once per transport adapter.

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            macro_rules! case {
                ($case:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        finapi_access_tests::bad_day_cases::$case($make).await;
                    }
                };
            }
            case!(idempotent_calls_survive_a_503_rate);
            case!(retry_after_is_honoured);
            case!(creates_are_never_silently_duplicated);
            case!(single_flight_survives_a_failing_token_endpoint);
            case!(deadlines_hold_under_latency);
            case!(faults_over_http_and_dropped_callbacks);
            case!(callbacks_come_late_and_twice);
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
